//! What this buildpack builds: a Node.js source (a package.json, or a lone index.js or
//! function.js) that is a function (`FUNC_NAME` is set) or an app (a `start` script or a
//! server.js).

use crate::package_json::PackageJson;
use std::fmt;
use std::path::Path;

/// Shown by `kiln build` when no buildpack detects; kept in step with buildpack.toml's
/// `[metadata.kiln] detects` by a test.
pub(crate) const DETECTS: &str = "a package.json, index.js or function.js at the source root, and FUNC_NAME naming a function or an app (a start script or server.js)";

/// Files that make a source a Node.js one.
const MARKERS: [&str; 3] = ["package.json", "index.js", "function.js"];

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Detection {
    Function,
    App,
    Fail(DetectFailure),
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DetectFailure {
    NotNode,
    Library,
}

impl fmt::Display for DetectFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotNode => {
                f.write_str("No package.json, index.js or function.js at the source root: this is no Node.js source.")
            }
            Self::Library => f.write_str(
                "This Node.js source has no `start` script and no server.js, so it is a library, not an app. \
                 To serve one of its exported functions, set FUNC_NAME to the function's name \
                 (e.g. `kiln build --env FUNC_NAME=helloWorld`); to build an app, add a `start` script \
                 to package.json or a server.js.",
            ),
        }
    }
}

pub(crate) fn is_node_source(app_dir: &Path) -> bool {
    MARKERS.iter().any(|marker| app_dir.join(marker).is_file())
}

/// Whether `app_dir` is a source this buildpack builds; `function_requested` tells that
/// `FUNC_NAME` is set. A package.json that cannot be read is left to the build, which says why.
pub(crate) fn detect(app_dir: &Path, function_requested: bool) -> Detection {
    if !is_node_source(app_dir) {
        return Detection::Fail(DetectFailure::NotNode);
    }
    if function_requested {
        return Detection::Function;
    }
    let start_script = PackageJson::read(app_dir).map_or(true, |package| package.scripts.contains_key("start"));
    if start_script || app_dir.join("server.js").is_file() {
        Detection::App
    } else {
        Detection::Fail(DetectFailure::Library)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect_in(files: &[(&str, &str)], function_requested: bool) -> Detection {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        detect(dir.path(), function_requested)
    }

    #[test]
    fn functions_need_a_package_json_or_a_lone_module() {
        for marker in MARKERS {
            assert_eq!(detect_in(&[(marker, "{}")], true), Detection::Function, "{marker}");
        }
        assert_eq!(detect_in(&[("go.mod", "module m\n")], true), Detection::Fail(DetectFailure::NotNode));
    }

    #[test]
    fn apps_have_a_start_script_or_a_server_js() {
        assert_eq!(detect_in(&[("package.json", r#"{"scripts": {"start": "node app.js"}}"#)], false), Detection::App);
        assert_eq!(detect_in(&[("package.json", "{}"), ("server.js", "")], false), Detection::App);
    }

    #[test]
    fn a_library_fails_and_says_to_set_func_name() {
        let detection = detect_in(&[("index.js", "exports.hello = () => {};")], false);
        assert_eq!(detection, Detection::Fail(DetectFailure::Library));
        assert!(DetectFailure::Library.to_string().contains("set FUNC_NAME"));
    }

    #[test]
    fn the_detects_line_matches_buildpack_toml() {
        let descriptor = include_str!("../buildpack.toml");
        assert!(descriptor.contains(&format!("detects = \"{DETECTS}\"")), "buildpack.toml must read: {DETECTS}");
    }
}
