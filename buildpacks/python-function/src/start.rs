//! How the image starts: a function under kiln's framework or Google's, or an app by the start
//! command it declares. An app's command is its Procfile's `web:` line, or, with
//! `FUNC_APP_COMMAND` set, that entry of pyproject.toml's `[project.scripts]` (which wins when
//! both exist). The run image has no shell, and the launcher does not expand variables in a
//! process's arguments: a command is split into words as a shell would (quotes group words),
//! and one that refers to variables (`--port $PORT`, `${PORT}`) is started through the image's
//! Python, which expands them (`os.path.expandvars`) and then runs the command in its place.

use crate::project::Project;
use kiln_error::{ErrorKind, ErrorMessage};
use kiln_function::FunctionConfig;
use libcnb::Env;
use std::path::Path;

/// Names the `[project.scripts]` entry that starts an app.
pub(crate) const APP_COMMAND_ENV: &str = "FUNC_APP_COMMAND";

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AppStart {
    Procfile(String),
    /// A `[project.scripts]` entry: its name and `module:function`.
    Script {
        name: String,
        entry: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framework {
    /// kiln's own (`framework/kiln_function`) on granian.
    Kiln,
    /// Google's Functions Framework, which the requirements include.
    Google,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum StartError {
    #[error("{APP_COMMAND_ENV} is `{name}`, but pyproject.toml's [project.scripts] has {}", available_list(.available))]
    UnknownScript { name: String, available: Vec<String> },
    #[error("the script `{name}` is `{entry}`, not `module:function`")]
    InvalidScript { name: String, entry: String },
    #[error("the Procfile's web command `{0}` has an unterminated quote")]
    InvalidProcfile(String),
    #[error("FUNC_NAME is not set and the source declares no start command")]
    NoStartCommand,
}

fn available_list(available: &[String]) -> String {
    if available.is_empty() {
        "no entries".to_string()
    } else {
        format!("only {}", available.join(", "))
    }
}

impl StartError {
    pub(crate) fn message(self) -> ErrorMessage {
        let (kind, header, advice) = match &self {
            Self::UnknownScript { .. } | Self::InvalidScript { .. } => (
                ErrorKind::InvalidFunctionConfig,
                "The app's start command is not in pyproject.toml",
                format!("Set {APP_COMMAND_ENV} to the name of a [project.scripts] entry (`name = \"module:function\"`)."),
            ),
            Self::InvalidProcfile(_) => (ErrorKind::InvalidSource, "Cannot use the Procfile", "Close the quote in the Procfile's `web:` line.".to_string()),
            Self::NoStartCommand => (
                ErrorKind::InvalidFunctionConfig,
                "Nothing to start",
                format!("Set FUNC_NAME to the function to serve (e.g. `kiln build --env FUNC_NAME=hello`), or declare an app's start command: a Procfile `web:` line, or {APP_COMMAND_ENV} naming a [project.scripts] entry."),
            ),
        };
        ErrorMessage::new(kind, header, self.to_string(), advice)
    }
}

/// The app's start command, if the source declares one.
pub(crate) fn app_start(project: &Project, platform_env: &Env) -> Result<Option<AppStart>, StartError> {
    if let Some(name) = platform_env.get_string_lossy(APP_COMMAND_ENV).filter(|name| !name.is_empty()) {
        return match project.scripts.get(&name) {
            Some(entry) => Ok(Some(AppStart::Script { name, entry: entry.clone() })),
            None => Err(StartError::UnknownScript { name, available: project.scripts.keys().cloned().collect() }),
        };
    }
    Ok(project.procfile_web.clone().map(AppStart::Procfile))
}

/// Python that replaces itself with the command in its arguments, variables expanded.
const EXPAND_AND_EXEC: &str =
    "import os, sys; command = [os.path.expandvars(word) for word in sys.argv[1:]]; os.execvp(command[0], command)";

/// The app's process command.
pub(crate) fn app_command(start: &AppStart, python: &Path) -> Result<Vec<String>, StartError> {
    match start {
        AppStart::Procfile(line) => {
            let words = split_command(line).ok_or_else(|| StartError::InvalidProcfile(line.clone()))?;
            if words.iter().any(|word| word.contains('$')) {
                let mut command =
                    vec![python.to_string_lossy().into_owned(), "-c".to_string(), EXPAND_AND_EXEC.to_string()];
                command.extend(words);
                Ok(command)
            } else {
                Ok(words)
            }
        }
        AppStart::Script { name, entry } => {
            // `module:function`, or `module:object.method`; extras (`[cli]`) do not matter here.
            let entry_point = entry.split('[').next().unwrap_or(entry).trim();
            let Some((module, attribute)) =
                entry_point.split_once(':').filter(|(module, attribute)| !module.is_empty() && !attribute.is_empty())
            else {
                return Err(StartError::InvalidScript { name: name.clone(), entry: entry.clone() });
            };
            let code = format!(
                "import functools, importlib, sys; sys.argv[0] = {name:?}; \
                 sys.exit(functools.reduce(getattr, {attributes:?}, importlib.import_module({module:?}))())",
                attributes = attribute.split('.').collect::<Vec<_>>(),
            );
            Ok(vec![python.to_string_lossy().into_owned(), "-c".to_string(), code])
        }
    }
}

/// The function's process command; `file` is absolute, `is_async` what the check found.
pub(crate) fn function_command(
    python: &Path,
    framework: Framework,
    config: &FunctionConfig,
    file: &Path,
    is_async: bool,
) -> Vec<String> {
    let mut command = vec![python.to_string_lossy().into_owned(), "-m".to_string()];
    let file = file.to_string_lossy().into_owned();
    let signature = config.signature.to_string();
    match framework {
        Framework::Kiln => {
            let interface = if is_async { "rsgi" } else { "wsgi" };
            command.extend(
                [
                    "kiln_function",
                    "--target",
                    &config.target,
                    "--signature",
                    &signature,
                    "--source",
                    &file,
                    "--interface",
                    interface,
                ]
                .map(str::to_string),
            );
        }
        Framework::Google => {
            command.extend(
                ["kiln_function.google", "--target", &config.target, "--signature-type", &signature, "--source", &file]
                    .map(str::to_string),
            );
        }
    }
    command
}

/// Splits `line` into words as a shell would for a simple command; None for an unterminated
/// quote. Variable references stay as they are, for `EXPAND_AND_EXEC`.
fn split_command(line: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote = None;
    let mut characters = line.chars();
    while let Some(character) = characters.next() {
        match (quote, character) {
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, '\'' | '"') => {
                quote = Some(character);
                word.get_or_insert_with(String::new);
            }
            (Some(open), c) if c == open => quote = None,
            (None | Some('"'), '\\') => {
                if let Some(next) = characters.next() {
                    word.get_or_insert_with(String::new).push(next);
                }
            }
            (_, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    if quote.is_some() {
        return None;
    }
    words.extend(word);
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn project(procfile: Option<&str>, scripts: &[(&str, &str)]) -> Project {
        Project {
            requirement: crate::requirement::Requirement::Newest,
            dependencies: None,
            uses_functions_framework: false,
            scripts: scripts
                .iter()
                .map(|(name, entry)| ((*name).to_string(), (*entry).to_string()))
                .collect::<BTreeMap<_, _>>(),
            procfile_web: procfile.map(str::to_string),
        }
    }

    #[test]
    fn splits_procfile_commands_and_expands_variables_through_python() {
        assert_eq!(
            split_command("gunicorn -b \"0.0.0.0:$PORT\" 'app:create_app()' --log-level=${LOG_LEVEL}").expect("valid"),
            ["gunicorn", "-b", "0.0.0.0:$PORT", "app:create_app()", "--log-level=${LOG_LEVEL}"]
        );
        assert_eq!(split_command("echo \"\" x\\ y"), Some(vec!["echo".into(), String::new(), "x y".into()]));
        assert_eq!(split_command("echo 'open"), None);
        let python = Path::new("/py/bin/python3");
        let plain = app_command(&AppStart::Procfile("gunicorn app:app".into()), python).expect("valid");
        assert_eq!(plain, ["gunicorn", "app:app"]);
        let with_port = app_command(&AppStart::Procfile("python app.py --port $PORT".into()), python).expect("valid");
        assert_eq!(with_port[..2], ["/py/bin/python3", "-c"]);
        assert_eq!(with_port[3..], ["python", "app.py", "--port", "$PORT"]);
    }

    #[test]
    fn func_app_command_names_a_script_and_wins_over_the_procfile() {
        let mut env = Env::new();
        let both = project(Some("gunicorn app:app"), &[("serve", "app:main")]);
        assert_eq!(app_start(&both, &env).expect("valid"), Some(AppStart::Procfile("gunicorn app:app".into())));
        env.insert(APP_COMMAND_ENV, "serve");
        let script = app_start(&both, &env).expect("valid").expect("a command");
        assert_eq!(script, AppStart::Script { name: "serve".into(), entry: "app:main".into() });
        let command = app_command(&script, Path::new("/py/bin/python3")).expect("a command");
        assert_eq!(command[..2], ["/py/bin/python3", "-c"]);
        assert!(command[2].contains("[\"main\"], importlib.import_module(\"app\")"), "{}", command[2]);
        env.insert(APP_COMMAND_ENV, "missing");
        let error = app_start(&both, &env).expect_err("no such script");
        assert_eq!(
            error.to_string(),
            "FUNC_APP_COMMAND is `missing`, but pyproject.toml's [project.scripts] has only serve"
        );
        assert_eq!(app_start(&project(None, &[]), &Env::new()).expect("valid"), None);
    }
}
