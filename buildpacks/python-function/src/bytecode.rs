//! Bytecode compiled at build time, so that a function starts without compiling its modules
//! (the image is read-only, so Python could not cache them anyway). `unchecked-hash` .pyc
//! files hold a hash of their source instead of its modification time, and Python trusts them
//! without reading the source again: the same source gives the same bytes, and digests stay
//! reproducible.

use crate::captured::last_lines;
use kiln_buildpack::print;
use kiln_buildpack::{run_captured, CapturedFailure};
use kiln_error::{ErrorKind, ErrorMessage};
use libcnb::Env;
use std::path::Path;
use std::process::Command;

#[derive(Debug)]
pub(crate) struct BytecodeError {
    failure: CapturedFailure,
    /// Paths in the messages are shown relative to it.
    app_dir: String,
}

impl BytecodeError {
    pub(crate) fn message(self) -> ErrorMessage {
        if let kiln_buildpack::ToolError::Spawn { .. } = self.failure.error {
            return self.failure.error.message(ErrorKind::CompileError, "", "");
        }
        let prefix = format!("{}/", self.app_dir);
        let explanation: Vec<String> = self
            .failure
            .output
            .lines()
            .filter(|line| !line.starts_with("*** ") && !line.starts_with("Listing "))
            .map(|line| line.replace(&prefix, ""))
            .collect();
        let location = explanation
            .iter()
            .find_map(|line| syntax_error_location(line))
            .map_or_else(String::new, |location| format!(" in {location}"));
        ErrorMessage::new(
            ErrorKind::CompileError,
            format!("Python syntax error{location}"),
            last_lines(&explanation.join("\n"), 12),
            "Fix the error at that line (paths are relative to the source root) and build again.",
        )
    }
}

/// `main.py:3` from Python's `  File "main.py", line 3`.
fn syntax_error_location(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix("File \"")?;
    let (file, rest) = rest.split_once('"')?;
    let line_number = rest.trim_start_matches(", line ").split(|c: char| !c.is_ascii_digit()).next()?;
    Some(format!("{file}:{line_number}"))
}

/// Compiles every module under `dir` with `python` (in `env`). A syntax error in the app's
/// own code fails the build; in installed packages (which often ship files for other Python
/// versions, never imported) or the standard library it is only reported, as pip and uv do.
pub(crate) fn compile(env: &Env, python: &Path, dir: &Path, app_dir: &Path) -> Result<(), Box<BytecodeError>> {
    let mut command = Command::new(python);
    command
        .args(["-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"])
        .arg(dir)
        .env_clear()
        .envs(env);
    let is_app = dir == app_dir;
    match run_captured(&mut command) {
        Ok(()) => Ok(()),
        Err(failure) if is_app => {
            Err(Box::new(BytecodeError { failure, app_dir: app_dir.to_string_lossy().into_owned() }))
        }
        Err(_) => {
            print::sub_bullet("Some installed modules do not compile with this Python; they were left as source");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_file_and_line_of_a_syntax_error() {
        assert_eq!(syntax_error_location("  File \"main.py\", line 3"), Some("main.py:3".to_string()));
        assert_eq!(syntax_error_location("SyntaxError: expected ':'"), None);
    }
}
