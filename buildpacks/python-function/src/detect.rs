//! What this buildpack builds: Python source (`main.py`, `requirements.txt`, `pyproject.toml`
//! or `uv.lock` at the root) that is a function (`FUNC_NAME` is set) or an app that declares
//! its start command (a Procfile `web:` line, or `FUNC_APP_COMMAND` naming a
//! `[project.scripts]` entry).

use crate::project::Project;
use crate::start::APP_COMMAND_ENV;
use std::path::Path;

/// Shown by `kiln build` when no buildpack detects; kept in step with buildpack.toml's
/// `[metadata.kiln] detects` by a test.
pub(crate) const DETECTS: &str = "main.py, requirements.txt, pyproject.toml or uv.lock, and FUNC_NAME naming a function or a start command (a Procfile `web:` line, or FUNC_APP_COMMAND naming a [project.scripts] entry)";

const MARKERS: [&str; 4] = ["main.py", "requirements.txt", "pyproject.toml", "uv.lock"];

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Detection {
    Pass,
    Fail(&'static str),
}

pub(crate) fn detect(app_dir: &Path, function_requested: bool, app_command_set: bool) -> Detection {
    if !MARKERS.iter().any(|marker| app_dir.join(marker).is_file()) {
        return Detection::Fail(
            "No main.py, requirements.txt, pyproject.toml or uv.lock at the source root: this is not Python source.",
        );
    }
    if function_requested || app_command_set {
        return Detection::Pass;
    }
    // A project the build cannot read passes, so that the build reports what is wrong with it.
    match Project::read(app_dir) {
        Ok(project) if project.procfile_web.is_none() => Detection::Fail(NO_START_COMMAND),
        _ => Detection::Pass,
    }
}

const NO_START_COMMAND: &str = "Python source, but no function and no start command: set FUNC_NAME to the function to serve \
    (e.g. `kiln build --env FUNC_NAME=hello`), or, for an app, add a Procfile with a `web:` line or set FUNC_APP_COMMAND \
    to an entry of pyproject.toml's [project.scripts].";

/// Whether `FUNC_APP_COMMAND` is set in `platform_env`.
pub(crate) fn app_command_set(platform_env: &libcnb::Env) -> bool {
    platform_env.get(APP_COMMAND_ENV).is_some_and(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_in(files: &[(&str, &str)], function: bool, app_command: bool) -> Detection {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("fixture file");
        }
        detect(dir.path(), function, app_command)
    }

    #[test]
    fn a_function_or_an_app_with_a_start_command_is_built() {
        assert_eq!(detect_in(&[("main.py", "")], true, false), Detection::Pass);
        assert_eq!(
            detect_in(&[("requirements.txt", ""), ("Procfile", "web: gunicorn app:app\n")], false, false),
            Detection::Pass
        );
        assert_eq!(detect_in(&[("pyproject.toml", "[project]\nname = \"a\"\n")], false, true), Detection::Pass);
    }

    #[test]
    fn python_source_without_function_or_start_command_says_to_set_func_name() {
        let Detection::Fail(reason) = detect_in(&[("main.py", "")], false, false) else { panic!("detected") };
        assert!(reason.contains("set FUNC_NAME"), "{reason}");
        let Detection::Fail(reason) = detect_in(&[("go.mod", "module m\n")], true, false) else { panic!("detected") };
        assert!(reason.contains("not Python source"), "{reason}");
    }

    #[test]
    fn the_detects_line_matches_buildpack_toml() {
        let descriptor = include_str!("../buildpack.toml");
        assert!(
            descriptor.contains(&format!("detects = \"{DETECTS}\"")),
            "buildpack.toml [metadata.kiln] detects must read: {DETECTS}"
        );
    }
}
