//! What a compiled language's image keeps of the source. The lifecycle exports the app
//! directory into the image, so a buildpack whose binary lives in a launch layer empties it
//! after the build, except for the files the keep setting names (templates, static assets,
//! configuration the binary reads at run time). They stay at their paths below the app
//! directory, which is the process's working directory.

use crate::glob::Glob;
use crate::print;
use libcnb::Env;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The build env variable naming what stays: glob patterns relative to the source root,
/// separated by `:` (as Paketo's `BP_KEEP_FILES`), e.g. `static/*:templates/**:config.yaml`.
/// A pattern that matches a directory keeps all of it.
pub const KEEP_FILES_ENV: &str = "KILN_KEEP_FILES";

/// The parsed keep setting.
#[derive(Clone, Debug, Default)]
pub struct KeepPatterns {
    globs: Vec<Glob>,
}

#[derive(Debug, thiserror::Error)]
pub enum KeepError {
    #[error("{KEEP_FILES_ENV} has the pattern `{pattern}`, which kiln cannot use: {reason}")]
    Pattern { pattern: String, reason: String },
    #[error("cannot remove {} from the app directory: {source}", path.display())]
    Remove {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl KeepPatterns {
    /// [`KEEP_FILES_ENV`] from the platform env; unset keeps nothing.
    pub fn from_env(platform_env: &Env) -> Result<Self, KeepError> {
        Self::parse(&platform_env.get_string_lossy(KEEP_FILES_ENV).unwrap_or_default())
    }

    pub fn parse(value: &str) -> Result<Self, KeepError> {
        let globs = value
            .split(':')
            .map(str::trim)
            .filter(|pattern| !pattern.is_empty())
            .map(|pattern| {
                Glob::parse(pattern)
                    .map_err(|reason| KeepError::Pattern { pattern: pattern.to_string(), reason: reason.to_string() })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self { globs })
    }

    /// These patterns and `path` (relative to the source root), which a buildpack's own
    /// setting needs at run time, such as a directory granted to a Wasm guest.
    pub fn keeping(mut self, path: &str) -> Result<Self, KeepError> {
        let glob = Glob::parse(path)
            .map_err(|reason| KeepError::Pattern { pattern: path.to_string(), reason: reason.to_string() })?;
        self.globs.push(glob);
        Ok(self)
    }

    fn keeps(&self, relative: &[String]) -> bool {
        let relative: Vec<&str> = relative.iter().map(String::as_str).collect();
        self.globs.iter().any(|glob| glob.matches(&relative))
    }
}

/// Removes everything from `app_dir` but what `patterns` keep, logs what stays, and returns
/// the kept paths (relative, sorted). `app_dir` itself stays.
pub fn keep_only(app_dir: &Path, patterns: &KeepPatterns) -> Result<Vec<PathBuf>, KeepError> {
    let mut kept = Vec::new();
    prune(app_dir, &mut Vec::new(), patterns, &mut kept)?;
    kept.sort();
    if kept.is_empty() {
        print::sub_bullet(format!(
            "Removed the source from the app directory: the image holds the binary only ({KEEP_FILES_ENV} names files to keep)"
        ));
    } else {
        let names: Vec<String> = kept.iter().map(|path| path.display().to_string()).collect();
        print::sub_bullet(format!(
            "Removed the source from the app directory but what {KEEP_FILES_ENV} keeps: {}",
            names.join(", ")
        ));
    }
    Ok(kept)
}

/// Prunes `dir` (at `relative` below the app directory); returns whether anything in it stays.
fn prune(
    dir: &Path,
    relative: &mut Vec<String>,
    patterns: &KeepPatterns,
    kept: &mut Vec<PathBuf>,
) -> Result<bool, KeepError> {
    let remove_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| KeepError::Remove { path, source }
    };
    let mut keeps_something = false;
    for entry in fs::read_dir(dir).map_err(remove_error(dir))? {
        let entry = entry.map_err(remove_error(dir))?;
        let path = entry.path();
        relative.push(entry.file_name().to_string_lossy().into_owned());
        if patterns.keeps(relative) {
            kept.push(relative.iter().collect());
            keeps_something = true;
        } else if entry.file_type().map_err(remove_error(&path))?.is_dir() {
            // A pattern may keep something deeper down (`static/**/*.css`).
            if prune(&path, relative, patterns, kept)? {
                keeps_something = true;
            } else {
                fs::remove_dir(&path).map_err(remove_error(&path))?;
            }
        } else {
            // Files and symlinks alike: a symlink goes, never what it points at.
            fs::remove_file(&path).map_err(remove_error(&path))?;
        }
        relative.pop();
    }
    Ok(keeps_something)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source_tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for file in [
            "go.mod",
            "main.go",
            "big.bin",
            "config.yaml",
            "static/index.html",
            "static/css/site.css",
            "static/notes.txt",
            "internal/handler.go",
        ] {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(path, file).expect("write");
        }
        std::os::unix::fs::symlink("/etc/hostname", dir.path().join("link")).expect("symlink");
        dir
    }

    fn remaining(dir: &Path) -> Vec<String> {
        let mut files: Vec<String> = walkdir::WalkDir::new(dir)
            .min_depth(1)
            .into_iter()
            .map(|entry| entry.expect("entry"))
            .map(|entry| entry.path().strip_prefix(dir).expect("below").display().to_string())
            .collect();
        files.sort();
        files
    }

    #[test]
    fn without_a_setting_the_app_directory_is_emptied() {
        let dir = source_tree();
        let kept = keep_only(dir.path(), &KeepPatterns::parse("").expect("empty setting")).expect("pruned");
        assert!(kept.is_empty());
        assert!(dir.path().is_dir(), "the app directory itself stays");
        assert_eq!(remaining(dir.path()), Vec::<String>::new());
        assert!(Path::new("/etc/hostname").exists(), "a symlink's target is never touched");
    }

    #[test]
    fn kept_files_and_directories_stay_at_their_paths() {
        let dir = source_tree();
        let patterns = KeepPatterns::parse("config.yaml : static/**/*.css:internal").expect("valid setting");
        let kept = keep_only(dir.path(), &patterns).expect("pruned");
        assert_eq!(kept, [PathBuf::from("config.yaml"), "internal".into(), "static/css/site.css".into()]);
        assert_eq!(
            remaining(dir.path()),
            ["config.yaml", "internal", "internal/handler.go", "static", "static/css", "static/css/site.css"]
        );
        assert_eq!(fs::read_to_string(dir.path().join("config.yaml")).expect("kept"), "config.yaml");
    }

    #[test]
    fn a_buildpack_keeps_what_its_own_setting_needs_beside_the_users_patterns() {
        let dir = source_tree();
        let patterns = KeepPatterns::parse("config.yaml").expect("valid").keeping("static").expect("a relative path");
        keep_only(dir.path(), &patterns).expect("pruned");
        assert_eq!(
            remaining(dir.path()),
            ["config.yaml", "static", "static/css", "static/css/site.css", "static/index.html", "static/notes.txt"]
        );
    }

    #[test]
    fn a_pattern_outside_the_source_is_refused() {
        for setting in ["static:/etc/*", "../up"] {
            let error = KeepPatterns::parse(setting).expect_err(setting);
            assert!(error.to_string().contains(KEEP_FILES_ENV), "{error}");
        }
    }
}
