//! The file times of a restored cache layer. The lifecycle's cache records one modification
//! time for every file of a layer (1980-01-01T00:00:01Z, as in image layers), but its restorer
//! does not apply it: each file comes back with the time it was extracted, milliseconds apart
//! in the order of the cache's tarball. A tool that tells stale outputs by their times, as
//! cargo does (an artifact older than an input is rebuilt), then finds artifacts older than
//! the dependencies they were built from, and rebuilds what is up to date.

use crate::error::CoreError;
use std::fs::{File, FileTimes};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// The modification time the lifecycle's layer tarballs record for every file, as logs say it.
pub const LAYER_FILE_TIME: &str = "1980-01-01T00:00:01Z";
/// [`LAYER_FILE_TIME`] in seconds since the epoch.
const LAYER_FILE_SECONDS: u64 = 315_532_801;

/// [`LAYER_FILE_TIME`], the time every restored cache file gets back.
#[must_use]
pub fn layer_file_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(LAYER_FILE_SECONDS)
}

/// Sets the times of the file at `path`.
pub fn set_file_times(path: &Path, times: FileTimes) -> Result<(), CoreError> {
    // Setting times needs ownership, not write permission: a read-only file opens for it.
    File::open(path)
        .and_then(|file| file.set_times(times))
        .map_err(|source| CoreError::CacheTimes { path: path.to_path_buf(), source })
}

/// Gives every file and directory below `dir` (itself included) the time the cache recorded,
/// [`LAYER_FILE_TIME`], so that none is newer than another; returns how many files there are.
/// Symbolic links are left alone: tools read the times of what they point to.
pub fn restore_recorded_times(dir: &Path) -> Result<u64, CoreError> {
    let times = FileTimes::new().set_accessed(layer_file_time()).set_modified(layer_file_time());
    let mut files = 0;
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.map_err(|error| CoreError::CacheTimes {
            path: error.path().unwrap_or(dir).to_path_buf(),
            source: error.into(),
        })?;
        if entry.file_type().is_symlink() {
            continue;
        }
        set_file_times(entry.path(), times)?;
        files += u64::from(entry.file_type().is_file());
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_and_directory_gets_the_recorded_time_and_links_are_left_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let deps = dir.path().join("release/deps");
        std::fs::create_dir_all(&deps).expect("dirs");
        for name in ["libhttp.rlib", "libitoa.rlib"] {
            std::fs::write(deps.join(name), name).expect("file");
        }
        let read_only = deps.join("libitoa.rlib");
        std::fs::set_permissions(&read_only, std::os::unix::fs::PermissionsExt::from_mode(0o444)).expect("mode");
        std::os::unix::fs::symlink("/nonexistent", dir.path().join("dangling")).expect("link");

        assert_eq!(restore_recorded_times(dir.path()).expect("dated"), 2);
        for path in [dir.path(), &dir.path().join("release"), &deps, &deps.join("libhttp.rlib"), &read_only] {
            let modified = std::fs::metadata(path).and_then(|metadata| metadata.modified()).expect("a time");
            assert_eq!(modified, layer_file_time(), "{}", path.display());
        }
        assert_eq!(std::fs::read_link(dir.path().join("dangling")).expect("still a link"), Path::new("/nonexistent"));
    }

    #[test]
    fn the_recorded_time_is_the_lifecycles() {
        // 1980-01-01T00:00:01Z: ten years and two leap days after the epoch, plus a second.
        assert_eq!(LAYER_FILE_SECONDS, (10 * 365 + 2) * 86_400 + 1);
        assert_eq!(LAYER_FILE_TIME, "1980-01-01T00:00:01Z");
    }
}
