//! The file times of the build's own sources (the app's crate, the generated function server),
//! so that an unchanged rebuild compiles nothing. Cargo rebuilds a path crate whose source
//! files are newer than its artifacts. The restored artifacts all have the cache's one time,
//! 1980 (see [`crate::target_dir`]); the sources are newer, so cargo would compile the app's
//! crates at every build, changed or not. After cargo builds, the target directory records a
//! hash of each source file; the next build gives the files whose contents still match a time
//! just before the artifacts', and leaves the changed and new ones as they are, for cargo to
//! compile.

use kiln_buildpack::{layer_file_time, print, set_file_times, CoreError};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::FileTimes;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// In the target directory, beside cargo's own files: `<sha256 hex>  <path>` lines.
const RECORD_FILE: &str = "kiln-source-hashes";

/// A second before the time of the restored artifacts ([`layer_file_time`]): older, as cargo
/// needs, whatever it does with equal times.
fn unchanged_source_time() -> SystemTime {
    layer_file_time() - Duration::from_secs(1)
}

/// Runs `cargo` on sources under `roots`, whose unchanged files are given an older
/// time than the artifacts in `target` first; records the sources' hashes if it succeeds.
pub fn build_with_unchanged_sources_dated<T, E: From<CoreError>>(
    target: &Path,
    roots: &[&Path],
    cargo: impl FnOnce() -> Result<T, E>,
) -> Result<T, E> {
    let record = target.join(RECORD_FILE);
    let sources = hash_sources(roots)?;
    let dated = date_unchanged(&read_record(&record), &sources)?;
    if dated > 0 {
        print::sub_bullet(format!(
            "{dated} of {} source files are unchanged since the cached build: cargo compiles only the crates of the others",
            sources.len()
        ));
    }
    let built = cargo()?;
    write_record(&record, &sources)?;
    Ok(built)
}

fn times_error(path: &Path) -> impl FnOnce(std::io::Error) -> CoreError + '_ {
    |source| CoreError::CacheTimes { path: path.to_path_buf(), source }
}

/// Every file under `roots` with its sha256, but for cargo's output and Git's metadata.
fn hash_sources(roots: &[&Path]) -> Result<BTreeMap<PathBuf, String>, CoreError> {
    let mut sources = BTreeMap::new();
    for root in roots.iter().filter(|root| root.is_dir()) {
        let walk = walkdir::WalkDir::new(root).into_iter().filter_entry(|entry| {
            !(entry.file_type().is_dir() && matches!(entry.file_name().to_str(), Some("target" | ".git")))
        });
        for entry in walk {
            let entry = entry.map_err(|error| {
                let path = error.path().unwrap_or(root).to_path_buf();
                CoreError::CacheTimes { path, source: error.into() }
            })?;
            if entry.file_type().is_file() {
                let bytes = std::fs::read(entry.path()).map_err(times_error(entry.path()))?;
                sources.insert(entry.path().to_path_buf(), hex::encode(Sha256::digest(&bytes)));
            }
        }
    }
    Ok(sources)
}

/// The previous build's hashes; none if it recorded none (a new cache) or the record is
/// unreadable, which only costs a compile.
fn read_record(record: &Path) -> BTreeMap<PathBuf, String> {
    std::fs::read_to_string(record)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once("  "))
        .map(|(hash, path)| (PathBuf::from(path), hash.to_string()))
        .collect()
}

fn write_record(record: &Path, sources: &BTreeMap<PathBuf, String>) -> Result<(), CoreError> {
    let mut lines = String::new();
    for (path, hash) in sources {
        let _ = writeln!(lines, "{hash}  {}", path.display());
    }
    std::fs::write(record, lines).map_err(times_error(record))
}

/// Gives each of `sources` whose hash `recorded` holds the time before the artifacts'; returns
/// how many.
fn date_unchanged(
    recorded: &BTreeMap<PathBuf, String>,
    sources: &BTreeMap<PathBuf, String>,
) -> Result<usize, CoreError> {
    let times = FileTimes::new().set_modified(unchanged_source_time());
    let mut dated = 0;
    for (path, hash) in sources {
        if recorded.get(path) == Some(hash) {
            set_file_times(path, times)?;
            dated += 1;
        }
    }
    Ok(dated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn modified(path: &Path) -> SystemTime {
        std::fs::metadata(path).and_then(|metadata| metadata.modified()).expect("a time")
    }

    #[test]
    fn only_sources_unchanged_since_the_recorded_build_get_the_older_time() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (app, target) = (dir.path().join("app"), dir.path().join("target"));
        for path in [app.join("src"), app.join("target/release"), target.clone()] {
            std::fs::create_dir_all(path).expect("dirs");
        }
        let (lib, main, artifact) = (app.join("src/lib.rs"), app.join("src/main.rs"), app.join("target/release/x"));
        for file in [&lib, &main, &artifact] {
            std::fs::write(file, "fn a() {}").expect("write");
        }

        let built: Result<(), CoreError> = build_with_unchanged_sources_dated(&target, &[&app], || Ok(()));
        built.expect("first build");
        assert!(modified(&lib) > unchanged_source_time(), "nothing was recorded before the first build");
        let record = std::fs::read_to_string(target.join(RECORD_FILE)).expect("a record");
        assert_eq!(record.lines().count(), 2, "cargo's output is no source: {record}");

        std::fs::write(&main, "fn b() {}").expect("change");
        let failed: Result<(), CoreError> =
            build_with_unchanged_sources_dated(&target, &[&app, &dir.path().join("no-server")], || {
                Err(CoreError::CacheTimes { path: main.clone(), source: std::io::Error::other("cargo failed") })
            });
        failed.expect_err("the build failed");
        assert_eq!(modified(&lib), unchanged_source_time());
        assert!(modified(&main) > unchanged_source_time(), "a changed file keeps its time");
        // A failed build records nothing: the change is still a change to the next build.
        assert_eq!(std::fs::read_to_string(target.join(RECORD_FILE)).expect("a record"), record);
    }
}
