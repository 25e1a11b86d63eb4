//! What an app build runs: its `start` script, else `node server.js`. The run image has no
//! shell and no npm, so the script runs without either: it must be a `node` command line
//! (`node server.js`, `node --enable-source-maps dist/main.js`), which the image's `node` runs
//! directly.

use crate::package_json::PackageJson;
use std::path::Path;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("the `start` script is `{script}`, which needs a shell or npm to run; the image has neither, only node")]
pub(crate) struct UnsupportedStartScript {
    pub(crate) script: String,
}

/// The arguments after `node` that start the app.
pub(crate) fn start_arguments(app_dir: &Path, package: &PackageJson) -> Result<Vec<String>, UnsupportedStartScript> {
    let Some(script) = package.scripts.get("start") else {
        debug_assert!(app_dir.join("server.js").is_file(), "detection passes apps with a start script or server.js");
        return Ok(vec!["server.js".to_string()]);
    };
    let unsupported = || UnsupportedStartScript { script: script.clone() };
    let words: Vec<&str> = script.split_whitespace().collect();
    let shell_syntax = script.contains(['&', '|', ';', '>', '<', '$', '`', '"', '\'', '*']);
    match words.split_first() {
        Some((&"node", arguments)) if !arguments.is_empty() && !shell_syntax => {
            Ok(arguments.iter().map(ToString::to_string).collect())
        }
        _ => Err(unsupported()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(start: &str) -> PackageJson {
        serde_json::from_str(&format!(r#"{{"scripts": {{"start": "{start}"}}}}"#)).expect("valid")
    }

    #[test]
    fn a_node_command_line_runs_without_a_shell() {
        let args = start_arguments(Path::new("."), &package("node --enable-source-maps dist/main.js")).expect("runs");
        assert_eq!(args, ["--enable-source-maps", "dist/main.js"]);
    }

    #[test]
    fn scripts_that_need_a_shell_are_refused() {
        for script in ["npm run serve", "node a.js && node b.js", "NODE_ENV=x node a.js", "node"] {
            assert!(start_arguments(Path::new("."), &package(script)).is_err(), "{script}");
        }
    }
}
