//! Installing a `.tar.gz` so that a failed or tampered download leaves nothing behind.

use crate::checksum::HashingReader;
use crate::{open, OpenError, Sha256Checksum};
use flate2::read::GzDecoder;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("cannot unpack {location}: {source}. The download was cut short or is not a .tar.gz: check the URL")]
    Unpack {
        location: String,
        #[source]
        source: io::Error,
    },
    #[error("checksum mismatch for {location}: expected {expected}, got {actual}. Nothing was installed: check the inventory entry and that the mirror serves the official file")]
    ChecksumMismatch { location: String, expected: Sha256Checksum, actual: Sha256Checksum },
    #[error("{location} does not hold exactly one top-level directory: an archive for kiln must unpack into a single directory such as `go/`")]
    NotASingleDirectory { location: String },
    #[error("cannot prepare {}: {source}. Check free space and permissions of the layers directory", path.display())]
    Filesystem {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Downloads the `.tar.gz` at `location`, checks its sha256 against `expected` while unpacking,
/// and installs its single top-level directory at `destination`, which must not exist.
///
/// Only entries for which `keep` returns true are written; it sees each entry's path as the
/// archive spells it (`go/src/...`). Skipped entries still stream through the checksum, so
/// leaving files out never weakens the verification.
///
/// The archive is unpacked into a temporary directory beside `destination` (on the same
/// filesystem, so the final step is one atomic rename); on any error, that directory is removed
/// and `destination` is left untouched.
///
/// # Errors
/// When the download cannot be opened or read, is not a gzip tar, does not match `expected`,
/// does not hold a single top-level directory, or the filesystem refuses the writes.
pub fn install_tar_gz(
    location: &str,
    expected: &Sha256Checksum,
    destination: &Path,
    keep: impl Fn(&Path) -> bool,
) -> Result<(), InstallError> {
    let parent = destination.parent().unwrap_or(Path::new("."));
    let filesystem_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| InstallError::Filesystem { path, source }
    };
    let staging =
        tempfile::Builder::new().prefix(".kiln-download-").tempdir_in(parent).map_err(filesystem_error(parent))?;

    let unpack_error = |source| InstallError::Unpack { location: location.to_string(), source };
    let mut hashing = HashingReader::new(open(location)?);
    unpack_kept(GzDecoder::new(&mut hashing), staging.path(), keep).map_err(unpack_error)?;
    let actual = hashing.finish().map_err(unpack_error)?;
    if &actual != expected {
        return Err(InstallError::ChecksumMismatch {
            location: location.to_string(),
            expected: expected.clone(),
            actual,
        });
    }

    let top_level = single_directory(staging.path())
        .map_err(filesystem_error(staging.path()))?
        .ok_or_else(|| InstallError::NotASingleDirectory { location: location.to_string() })?;
    fs::rename(&top_level, destination).map_err(filesystem_error(destination))
}

/// Unpacks the entries of the tar stream `archive` that `keep` accepts into `destination`.
fn unpack_kept(archive: impl io::Read, destination: &Path, keep: impl Fn(&Path) -> bool) -> io::Result<()> {
    let mut archive = tar::Archive::new(archive);
    // Directories come last, deepest first (as `tar::Archive::unpack` does it), so that a
    // read-only directory cannot stop its own contents from being written.
    let mut directories = Vec::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        if !keep(&entry.path()?) {
            continue;
        }
        if entry.header().entry_type().is_dir() {
            directories.push(entry);
        } else {
            entry.unpack_in(destination)?;
        }
    }
    directories.sort_by(|a, b| b.path_bytes().cmp(&a.path_bytes()));
    for mut directory in directories {
        directory.unpack_in(destination)?;
    }
    Ok(())
}

/// The only entry of `directory`, if there is exactly one and it is a directory.
fn single_directory(directory: &Path) -> io::Result<Option<PathBuf>> {
    let entries = fs::read_dir(directory)?.collect::<io::Result<Vec<_>>>()?;
    match entries.as_slice() {
        [entry] if entry.file_type()?.is_dir() => Ok(Some(entry.path())),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{checksum_of, serve_once, tar_gz, NOT_THE_CHECKSUM};

    fn write_archive(dir: &Path, entries: &[(&str, &[u8])]) -> (String, Sha256Checksum) {
        let bytes = tar_gz(entries);
        let path = dir.join("archive.tar.gz");
        fs::write(&path, &bytes).expect("write archive");
        (path.to_str().expect("utf-8").to_string(), checksum_of(&bytes))
    }

    #[test]
    fn installs_the_top_level_directory_of_a_verified_archive() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (location, checksum) = write_archive(dir.path(), &[("go/bin/go", b"binary")]);
        let layer = dir.path().join("layer");
        fs::create_dir(&layer).expect("layer");

        install_tar_gz(&location, &checksum, &layer.join("go"), |_| true).expect("install");

        assert_eq!(fs::read(layer.join("go/bin/go")).expect("installed"), b"binary");
        let leftovers: Vec<_> = fs::read_dir(&layer).expect("list").collect();
        assert_eq!(leftovers.len(), 1, "only the installed directory remains");
    }

    #[test]
    fn a_checksum_mismatch_installs_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (location, _) = write_archive(dir.path(), &[("go/bin/go", b"tampered")]);
        let layer = dir.path().join("layer");
        fs::create_dir(&layer).expect("layer");
        let expected: Sha256Checksum = NOT_THE_CHECKSUM.parse().expect("valid checksum");

        let error = install_tar_gz(&location, &expected, &layer.join("go"), |_| true).expect_err("mismatch must fail");

        assert!(matches!(error, InstallError::ChecksumMismatch { .. }));
        assert!(error.to_string().contains(NOT_THE_CHECKSUM));
        assert_eq!(
            fs::read_dir(&layer).expect("list").count(),
            0,
            "neither the destination nor the staging directory may remain"
        );
    }

    #[test]
    fn leaves_out_what_keep_refuses_yet_verifies_the_whole_archive() {
        let dir = tempfile::tempdir().expect("temp dir");
        let entries: &[(&str, &[u8])] =
            &[("go/", b""), ("go/bin/go", b"binary"), ("go/test/", b""), ("go/test/huge", &[7; 4096])];
        let (location, checksum) = write_archive(dir.path(), entries);
        let outside_test = |path: &Path| !path.starts_with("go/test");

        install_tar_gz(&location, &checksum, &dir.path().join("go"), outside_test).expect("install");
        assert!(dir.path().join("go/bin/go").is_file());
        assert!(!dir.path().join("go/test").exists());

        let expected: Sha256Checksum = NOT_THE_CHECKSUM.parse().expect("valid checksum");
        let error = install_tar_gz(&location, &expected, &dir.path().join("go2"), outside_test)
            .expect_err("skipping entries must not skip the verification");
        assert!(matches!(error, InstallError::ChecksumMismatch { .. }));
        assert!(!dir.path().join("go2").exists());
    }

    #[test]
    fn downloads_over_http() {
        let dir = tempfile::tempdir().expect("temp dir");
        let bytes = tar_gz(&[("go/VERSION", b"go1.26.8")]);
        let url = serve_once(bytes.clone());

        install_tar_gz(&url, &checksum_of(&bytes), &dir.path().join("go"), |_| true).expect("install");

        assert_eq!(fs::read(dir.path().join("go/VERSION")).expect("installed"), b"go1.26.8");
    }

    #[test]
    fn refuses_archives_without_a_single_top_level_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (location, checksum) = write_archive(dir.path(), &[("a/file", b"1"), ("b/file", b"2")]);
        let layer = dir.path().join("layer");
        fs::create_dir(&layer).expect("layer");

        let error = install_tar_gz(&location, &checksum, &layer.join("go"), |_| true)
            .expect_err("two top-level directories must fail");

        assert!(matches!(error, InstallError::NotASingleDirectory { .. }));
        assert_eq!(fs::read_dir(&layer).expect("list").count(), 0);
    }
}
