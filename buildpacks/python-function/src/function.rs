//! A function build's function: where it is (`main.py`, or the file `FUNC_SRC` or
//! `GOOGLE_FUNCTION_SOURCE` names), and the build's check of it with the image's Python and
//! packages (`framework/kiln_function/check.py`): its module imports, and it defines the
//! function with a signature the signature type can call.

use kiln_error::{ErrorKind, ErrorMessage};
use kiln_function::{
    function_not_found, wrong_signature, FoundFunction, FunctionConfig, IdentifierRule, SignatureType,
};
use libcnb::Env;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Google's name for the function's file (a file, unlike kiln's `FUNC_SRC`, a directory).
pub(crate) const GOOGLE_FUNCTION_SOURCE: &str = "GOOGLE_FUNCTION_SOURCE";
const DEFAULT_FILE: &str = "main.py";

pub(crate) const PYTHON_IDENTIFIER: IdentifierRule = IdentifierRule {
    language: "Python",
    description: "a Python identifier: a letter or `_`, then letters, digits or `_`",
    is_identifier: |name| {
        let mut characters = name.chars();
        characters.next().is_some_and(|first| first.is_alphabetic() || first == '_')
            && characters.all(|character| character.is_alphanumeric() || character == '_')
    },
};

/// The function's file relative to the source root: `GOOGLE_FUNCTION_SOURCE` if set, else
/// `FUNC_SRC` when it names a `.py` file, else `main.py` in the `FUNC_SRC` directory.
pub(crate) fn source_file(config: &FunctionConfig, platform_env: &Env) -> PathBuf {
    if let Some(file) = platform_env.get_string_lossy(GOOGLE_FUNCTION_SOURCE).filter(|file| !file.is_empty()) {
        return PathBuf::from(file);
    }
    if config.source.extension().is_some_and(|extension| extension == "py") {
        return config.source.clone();
    }
    config.source.join(DEFAULT_FILE)
}

#[derive(Debug, Deserialize)]
#[serde(tag = "error", rename_all = "kebab-case")]
enum CheckFailure {
    Syntax { file: String, line: Option<u32>, message: String },
    Import { message: String },
    NotFound { callables: Vec<Callable> },
    Signature { signature: String },
}

#[derive(Debug, Deserialize)]
struct Callable {
    name: String,
    signature: String,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum CheckResult {
    Ok {
        #[serde(rename = "async")]
        is_async: bool,
    },
    Failed(CheckFailure),
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum FunctionError {
    #[error("the function's file {} does not exist in the source", file.display())]
    MissingFile { file: PathBuf },
    #[error("cannot run the function check: {0}")]
    Run(std::io::Error),
    #[error("the function check gave no result: {0}")]
    NoResult(String),
    #[error("{file}:{line}: {message}", line = line.map_or_else(|| "?".to_string(), |line| line.to_string()))]
    Syntax { file: String, line: Option<u32>, message: String },
    #[error("importing {file} failed: {message}")]
    Import { file: String, message: String },
    #[error("no function {target}")]
    NotFound { target: String, file: String, callables: Vec<FoundFunction> },
    #[error("{target} has the wrong signature")]
    Signature { target: String, signature: String, signature_type: SignatureType },
}

impl FunctionError {
    pub(crate) fn message(self) -> ErrorMessage {
        let body = self.to_string();
        match self {
            Self::MissingFile { file } => ErrorMessage::new(
                ErrorKind::InvalidFunctionConfig,
                format!("The function's file {} does not exist", file.display()),
                body,
                "Put the function in main.py at the source root, or set FUNC_SRC (a directory or a .py file) or GOOGLE_FUNCTION_SOURCE (a file) to where it is.",
            ),
            Self::Run(_) | Self::NoResult(_) => ErrorMessage::new(
                ErrorKind::Internal,
                "The function check failed to run",
                body,
                "Please report this with the build output.",
            ),
            Self::Syntax { file, line, .. } => ErrorMessage::new(
                ErrorKind::CompileError,
                format!("Python syntax error in {file}:{}", line.unwrap_or_default()),
                body,
                "Fix the error at that line (paths are relative to the source root) and build again.",
            ),
            Self::Import { file, .. } => ErrorMessage::new(
                ErrorKind::ImportFailed,
                format!("Importing {file} failed"),
                format!("{body}\nThe traceback is in the output above."),
                "Fix the error the traceback shows. A missing module is usually a package missing from requirements.txt (or pyproject.toml).",
            ),
            Self::NotFound { target, file, callables } => function_not_found(&target, &file, &callables, None),
            Self::Signature { target, signature, signature_type } => {
                let expected = match signature_type {
                    SignatureType::Http => format!("def {target}(request)"),
                    SignatureType::CloudEvent => format!("def {target}(cloud_event)"),
                };
                wrong_signature(&FoundFunction { name: target, signature }, signature_type, &expected, None)
            }
        }
    }
}

/// Whether the function is `async def`, once the check has found it callable.
pub(crate) fn check(
    python: &Path,
    env: &Env,
    app_dir: &Path,
    file: &Path,
    config: &FunctionConfig,
) -> Result<bool, FunctionError> {
    if !app_dir.join(file).is_file() {
        return Err(FunctionError::MissingFile { file: file.to_path_buf() });
    }
    let output = Command::new(python)
        .args(["-m", "kiln_function.check"])
        .arg(file)
        .arg(&config.target)
        .current_dir(app_dir)
        .env_clear()
        .envs(env)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(FunctionError::Run)?;
    // What the function's module printed or raised (a traceback) belongs in the log.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let (printed, last) = stdout.trim_end().rsplit_once('\n').unwrap_or(("", stdout.trim_end()));
    for line in printed.lines().chain(String::from_utf8_lossy(&output.stderr).lines()) {
        eprintln!("      {line}");
    }
    let file_name = file.to_string_lossy().into_owned();
    match serde_json::from_str::<CheckResult>(last) {
        Ok(CheckResult::Ok { is_async }) => Ok(is_async),
        Ok(CheckResult::Failed(CheckFailure::Syntax { file, line, message })) => {
            Err(FunctionError::Syntax { file, line, message })
        }
        Ok(CheckResult::Failed(CheckFailure::Import { message })) => {
            Err(FunctionError::Import { file: file_name, message })
        }
        Ok(CheckResult::Failed(CheckFailure::NotFound { callables })) => Err(FunctionError::NotFound {
            target: config.target.clone(),
            file: file_name,
            callables: callables
                .into_iter()
                .map(|callable| FoundFunction { name: callable.name, signature: callable.signature })
                .collect(),
        }),
        Ok(CheckResult::Failed(CheckFailure::Signature { signature })) => {
            Err(FunctionError::Signature { target: config.target.clone(), signature, signature_type: config.signature })
        }
        Err(_) => Err(FunctionError::NoResult(format!("{} ({})", last, output.status))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(source: &str) -> FunctionConfig {
        FunctionConfig { target: "hello".into(), signature: SignatureType::Http, source: PathBuf::from(source) }
    }

    #[test]
    fn the_function_file_is_main_py_unless_named() {
        let mut env = Env::new();
        assert_eq!(source_file(&config(""), &env), PathBuf::from("main.py"));
        assert_eq!(source_file(&config("api"), &env), PathBuf::from("api/main.py"));
        assert_eq!(source_file(&config("api/handler.py"), &env), PathBuf::from("api/handler.py"));
        env.insert(GOOGLE_FUNCTION_SOURCE, "handlers.py");
        assert_eq!(source_file(&config(""), &env), PathBuf::from("handlers.py"));
    }

    #[test]
    fn python_identifiers() {
        for name in ["hello", "_private", "héllo", "hello_2"] {
            assert!((PYTHON_IDENTIFIER.is_identifier)(name), "{name}");
        }
        for name in ["", "2hello", "hello-world", "a;b", "a.b"] {
            assert!(!(PYTHON_IDENTIFIER.is_identifier)(name), "{name}");
        }
    }
}
