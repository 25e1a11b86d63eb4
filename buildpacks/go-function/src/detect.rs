//! What this buildpack builds: a Go module (`go.mod`) whose root package is `main` (an app),
//! or any Go module when `FUNC_NAME` names a function in it (a function build).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// Shown by `kiln build` when no buildpack detects; kept in step with buildpack.toml's
/// `[metadata.kiln] detects` by a test.
pub(crate) const DETECTS: &str =
    "a go.mod at the source root, and FUNC_NAME naming a function or a `main` package in the root directory";

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Detection {
    App,
    /// `FUNC_NAME` is set: the build checks the function and its package.
    Function,
    Fail(DetectFailure),
}

/// Why detection failed, worded for the user.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum DetectFailure {
    NoGoMod,
    NoGoFiles,
    Library(String),
}

impl fmt::Display for DetectFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoGoMod => f.write_str(
                "No go.mod at the source root: kiln/go-function builds Go modules. \
                 Run `go mod init <module path>` in the source root to create one.",
            ),
            Self::NoGoFiles => f.write_str(
                "go.mod found, but the source root holds no .go files: \
                 put the `main` package in the root directory of the module, \
                 or set FUNC_NAME (and FUNC_SRC for its directory) to build a function.",
            ),
            Self::Library(name) => write!(
                f,
                "The package at the source root is `{name}`, a library, not `main`. \
                 To serve one of its functions, set FUNC_NAME to the function's name \
                 (e.g. `kiln build --env FUNC_NAME=HelloWorld`); \
                 to build an app, add a `main` package to the root directory."
            ),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("cannot read the source directory {}: {source}. Check that the build can read every file of the source", path.display())]
pub(crate) struct DetectError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

/// Whether `app_dir` is a Go module this buildpack builds. `function_requested` tells that
/// `FUNC_NAME` is set; only go.mod is looked for then, since the build gives the better
/// messages about the function's package.
pub(crate) fn detect(app_dir: &Path, function_requested: bool) -> Result<Detection, DetectError> {
    let read_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| DetectError { path, source }
    };
    if !has_go_mod(app_dir) {
        return Ok(Detection::Fail(DetectFailure::NoGoMod));
    }
    if function_requested {
        return Ok(Detection::Function);
    }
    let mut packages = Vec::new();
    for path in root_go_files(app_dir).map_err(read_error(app_dir))? {
        let source = fs::read_to_string(&path).map_err(read_error(&path))?;
        if let Some(package) = package_clause(&source) {
            packages.push(package.to_string());
        }
    }
    Ok(match packages.iter().find(|package| *package != "main") {
        Some(library) => Detection::Fail(DetectFailure::Library(library.clone())),
        None if packages.is_empty() => Detection::Fail(DetectFailure::NoGoFiles),
        None => Detection::App,
    })
}

pub(crate) fn has_go_mod(app_dir: &Path) -> bool {
    app_dir.join("go.mod").is_file()
}

/// The root's .go files that `go build` compiles: no tests, nothing hidden (`.x.go`, `_x.go`).
fn root_go_files(app_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(app_dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let compiled =
            name.ends_with(".go") && !name.ends_with("_test.go") && !name.starts_with('.') && !name.starts_with('_');
        if compiled && entry.file_type()?.is_file() {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

/// The package name of a Go source file, or `None` for files that declare none or that
/// `//go:build ignore` keeps out of every build (the usual generator scripts).
fn package_clause(source: &str) -> Option<&str> {
    // Go accepts a byte order mark before the first token.
    let mut rest = source.strip_prefix('\u{feff}').unwrap_or(source);
    loop {
        rest = rest.trim_start();
        if let Some(comment) = rest.strip_prefix("//") {
            let (line, after) = comment.split_once('\n').unwrap_or((comment, ""));
            if line.trim() == "go:build ignore" {
                return None;
            }
            rest = after;
        } else if let Some(comment) = rest.strip_prefix("/*") {
            rest = comment.split_once("*/")?.1;
        } else {
            break;
        }
    }
    let name = rest.strip_prefix("package")?;
    if !name.starts_with(char::is_whitespace) {
        return None;
    }
    let name = name.trim_start();
    let end = name.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(name.len());
    Some(&name[..end]).filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, contents) in files {
            let path = dir.path().join(name);
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(path, contents).expect("write");
        }
        dir
    }

    fn detect_in(files: &[(&str, &str)]) -> Detection {
        detect(app(files).path(), false).expect("detect")
    }

    #[test]
    fn a_function_build_needs_only_a_module() {
        let library = app(&[("go.mod", "module m\n"), ("fn.go", "package fn\n")]);
        assert_eq!(detect(library.path(), true).expect("detect"), Detection::Function);
        let no_module = app(&[("fn.go", "package fn\n")]);
        assert_eq!(detect(no_module.path(), true).expect("detect"), Detection::Fail(DetectFailure::NoGoMod));
    }

    #[test]
    fn a_module_with_a_root_main_package_is_an_app() {
        let detection = detect_in(&[
            ("go.mod", "module m\n"),
            ("main.go", "// Package main serves.\n/* block\ncomment */\npackage main\n"),
            ("main_test.go", "package main_test\n"),
        ]);
        assert_eq!(detection, Detection::App);
    }

    #[test]
    fn without_go_mod_detection_fails() {
        assert_eq!(detect_in(&[("main.go", "package main\n")]), Detection::Fail(DetectFailure::NoGoMod));
        assert_eq!(detect_in(&[("README.md", "empty")]), Detection::Fail(DetectFailure::NoGoMod));
    }

    #[test]
    fn a_module_without_root_go_files_fails() {
        let detection = detect_in(&[("go.mod", "module m\n"), ("cmd/app/main.go", "package main\n")]);
        assert_eq!(detection, Detection::Fail(DetectFailure::NoGoFiles));
    }

    #[test]
    fn a_library_at_the_root_fails_and_says_so() {
        let detection = detect_in(&[("go.mod", "module m\n"), ("lib.go", "package greeting\n")]);
        assert_eq!(detection, Detection::Fail(DetectFailure::Library("greeting".to_string())));
        let message = DetectFailure::Library("greeting".to_string()).to_string();
        assert!(message.contains("FUNC_NAME"), "{message}");
    }

    #[test]
    fn ignored_and_hidden_files_do_not_count() {
        let detection = detect_in(&[
            ("go.mod", "module m\n"),
            ("lib.go", "package greeting\n"),
            ("gen.go", "//go:build ignore\n\npackage main\n"),
            ("_scratch.go", "package main\n"),
        ]);
        assert_eq!(detection, Detection::Fail(DetectFailure::Library("greeting".to_string())));
    }

    #[test]
    fn reads_package_clauses() {
        assert_eq!(package_clause("package main"), Some("main"));
        assert_eq!(package_clause("\u{feff}package main"), Some("main"));
        assert_eq!(package_clause("// c\npackage  foo_bar // trailing\n"), Some("foo_bar"));
        assert_eq!(package_clause("packagemain\n"), None);
        assert_eq!(package_clause("/* unterminated"), None);
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
