//! Installing an artifact so that a failed, cut or tampered download leaves nothing behind.

use crate::checksum::HashingReader;
use crate::meter::Meter;
use crate::retry::AttemptError;
use crate::{DownloadError, Downloader, Failure, Format, Sha256Checksum};
use flate2::read::GzDecoder;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// Where the unpacked archive goes inside the staging directory (beside the downloaded zip).
const CONTENTS: &str = "contents";
/// Where a zip or single file is downloaded to inside the staging directory.
const DOWNLOADED: &str = "download";

impl Downloader {
    /// Downloads the artifact at `location`, checks its sha256 against `expected`, and installs
    /// it at `destination`, which must not exist: an archive's single top-level directory
    /// becomes `destination`, a single file is written to `destination` (mode 0755 if
    /// executable, else 0644).
    ///
    /// Only archive entries for which `keep` returns true are written; it sees each entry's path
    /// as the archive spells it (`go/src/...`). Skipped entries are still hashed, so leaving
    /// files out never weakens the verification. Tars are verified while they stream; a zip
    /// is downloaded to a temporary file, verified, then extracted.
    ///
    /// Everything happens in a temporary directory beside `destination` (on the same
    /// filesystem, so the final step is one atomic rename). A failed attempt removes it before a
    /// retry, and any error leaves `destination` untouched.
    ///
    /// # Errors
    /// When the download fails for good (see [`DownloadError`]), does not match `expected`,
    /// is not a valid archive of `format` with a single top-level directory, or the filesystem
    /// refuses the writes.
    pub fn install(
        &self,
        location: &str,
        expected: &Sha256Checksum,
        format: Format,
        destination: &Path,
        keep: impl Fn(&Path) -> bool,
    ) -> Result<(), DownloadError> {
        // A bare name ("go") has the empty path as its parent: the current directory.
        let parent = destination.parent().filter(|parent| !parent.as_os_str().is_empty()).unwrap_or(Path::new("."));
        self.attempt_with_retries(location, |source| {
            let staging = tempfile::Builder::new()
                .prefix(".kiln-download-")
                .tempdir_in(parent)
                .map_err(filesystem_error(parent))?;
            let install = Install { location, expected, format, staging: &staging };
            let installed = match format {
                Format::TarGz | Format::TarXz => install.tar(source, &keep)?,
                Format::Zip => install.zip(source, &keep)?,
                Format::File { executable } => install.file(source, executable)?,
            };
            fs::rename(&installed, destination).map_err(filesystem_error(destination))?;
            Ok(())
        })
    }
}

/// One attempt at installing an artifact into its staging directory.
struct Install<'a> {
    location: &'a str,
    expected: &'a Sha256Checksum,
    format: Format,
    staging: &'a TempDir,
}

/// The metered download stream an attempt reads.
type Stream<'a> = Meter<'a, Box<dyn Read + Send>>;

impl Install<'_> {
    /// Unpacks the compressed tar while it streams, verifies it and returns its top-level
    /// directory.
    fn tar(&self, source: &mut Stream<'_>, keep: &impl Fn(&Path) -> bool) -> Result<PathBuf, AttemptError> {
        let contents = self.contents()?;
        let mut hashing = HashingReader::new(&mut *source);
        let unpacked = if self.format == Format::TarXz {
            unpack_tar(lzma_rust2::XzReader::new(&mut hashing, true), &contents, keep)
        } else {
            unpack_tar(GzDecoder::new(&mut hashing), &contents, keep)
        };
        if let Err(error) = unpacked {
            return Err(match hashing.get_ref().failure().cloned() {
                Some(failure) => AttemptError::Network(failure),
                None if !is_archive_error(&error) => filesystem_error(&contents)(error).into(),
                None => {
                    let drained = hashing.finish();
                    self.archive_failed(source, drained, &error)
                }
            });
        }
        let actual = hashing.finish().map_err(|error| source.failure_of(&error))?;
        self.verify(actual)?;
        self.single_directory(&contents)
    }

    /// Downloads the zip, verifies it, extracts it and returns its top-level directory.
    fn zip(&self, source: &mut Stream<'_>, keep: &impl Fn(&Path) -> bool) -> Result<PathBuf, AttemptError> {
        let archive = self.download(source)?;
        let contents = self.contents()?;
        let file = File::open(&archive).map_err(filesystem_error(&archive))?;
        extract_zip(file, &contents, keep).map_err(|error| match error {
            ZipFailure::Archive(source) => {
                DownloadError::Unpack { location: self.location.to_string(), format: self.format, source }
            }
            ZipFailure::Filesystem(path, source) => DownloadError::Filesystem { path, source },
        })?;
        self.single_directory(&contents)
    }

    /// Downloads and verifies the file, gives it its mode and returns it.
    fn file(&self, source: &mut Stream<'_>, executable: bool) -> Result<PathBuf, AttemptError> {
        let file = self.download(source)?;
        let mode = if executable { 0o755 } else { 0o644 };
        fs::set_permissions(&file, fs::Permissions::from_mode(mode)).map_err(filesystem_error(&file))?;
        Ok(file)
    }

    /// Copies the stream to a file in the staging directory, verified.
    fn download(&self, source: &mut Stream<'_>) -> Result<PathBuf, AttemptError> {
        let path = self.staging.path().join(DOWNLOADED);
        let mut file = File::create(&path).map_err(filesystem_error(&path))?;
        let mut hashing = HashingReader::new(&mut *source);
        if let Err(error) = io::copy(&mut hashing, &mut file) {
            return Err(match hashing.get_ref().failure() {
                Some(failure) => AttemptError::Network(failure.clone()),
                None => filesystem_error(&path)(error).into(),
            });
        }
        let actual = hashing.finish().map_err(|error| source.failure_of(&error))?;
        self.verify(actual)?;
        Ok(path)
    }

    /// The directory the archive's entries are written to.
    fn contents(&self) -> Result<PathBuf, DownloadError> {
        let contents = self.staging.path().join(CONTENTS);
        fs::create_dir(&contents).map_err(filesystem_error(&contents))?;
        Ok(contents)
    }

    fn verify(&self, actual: Sha256Checksum) -> Result<(), DownloadError> {
        if &actual == self.expected {
            return Ok(());
        }
        Err(DownloadError::ChecksumMismatch {
            location: self.location.to_string(),
            expected: self.expected.clone(),
            actual,
        })
    }

    /// Tells why the archive did not unpack although the network did not fail, once the rest
    /// of the stream is `drained` into the digest: a cut stream of unknown length (retried),
    /// other bytes than the inventory lists, or a broken archive.
    fn archive_failed(
        &self,
        source: &Stream<'_>,
        drained: io::Result<Sha256Checksum>,
        error: &io::Error,
    ) -> AttemptError {
        let actual = match drained {
            Ok(actual) => actual,
            Err(drain_error) => return source.failure_of(&drain_error),
        };
        match self.verify(actual) {
            // Without a Content-Length, a connection cut short looks like a clean end.
            Err(_) if error.kind() == io::ErrorKind::UnexpectedEof && source.length().is_none() => {
                AttemptError::Network(Failure::Truncated { received: source.received(), expected: None })
            }
            Err(mismatch) => mismatch.into(),
            Ok(()) => DownloadError::Unpack {
                location: self.location.to_string(),
                format: self.format,
                source: io::Error::new(error.kind(), error.to_string()),
            }
            .into(),
        }
    }

    fn single_directory(&self, contents: &Path) -> Result<PathBuf, AttemptError> {
        let entries = fs::read_dir(contents)
            .and_then(Iterator::collect::<io::Result<Vec<_>>>)
            .map_err(filesystem_error(contents))?;
        match entries.as_slice() {
            [entry] if entry.file_type().map_err(filesystem_error(contents))?.is_dir() => Ok(entry.path()),
            _ => Err(DownloadError::NotASingleDirectory { location: self.location.to_string() }.into()),
        }
    }
}

fn filesystem_error(path: &Path) -> impl FnOnce(io::Error) -> DownloadError {
    let path = path.to_path_buf();
    move |source| DownloadError::Filesystem { path, source }
}

/// Decoders and tar report malformed input with these kinds; writes that fail (a full disk,
/// permissions) have their own.
fn is_archive_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::InvalidData | io::ErrorKind::InvalidInput | io::ErrorKind::UnexpectedEof | io::ErrorKind::Other
    )
}

/// Unpacks the entries of the tar stream `archive` that `keep` accepts into `destination`.
fn unpack_tar(archive: impl Read, destination: &Path, keep: &impl Fn(&Path) -> bool) -> io::Result<()> {
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

enum ZipFailure {
    /// The zip itself is malformed, or holds what kiln does not unpack.
    Archive(io::Error),
    Filesystem(PathBuf, io::Error),
}

/// Extracts the entries of `zip` that `keep` accepts into `destination`, with their Unix modes.
fn extract_zip(zip: File, destination: &Path, keep: &impl Fn(&Path) -> bool) -> Result<(), ZipFailure> {
    let archive_error = |error: zip::result::ZipError| ZipFailure::Archive(io::Error::other(error));
    let mut archive = zip::ZipArchive::new(zip).map_err(archive_error)?;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(archive_error)?;
        let name = entry.enclosed_name().ok_or_else(|| {
            let name = String::from_utf8_lossy(entry.name_raw());
            ZipFailure::Archive(io::Error::other(format!("entry `{name}` leaves the archive")))
        })?;
        if !keep(&name) {
            continue;
        }
        // A link could point a later entry outside the destination; toolchain zips have none.
        if entry.is_symlink() {
            let message =
                format!("entry `{}` is a symbolic link, which kiln does not unpack from a zip", name.display());
            return Err(ZipFailure::Archive(io::Error::other(message)));
        }
        let path = destination.join(&name);
        let written = if entry.is_dir() { fs::create_dir_all(&path) } else { write_zip_file(&mut entry, &path) };
        written.map_err(|error| match error.kind() {
            io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof => ZipFailure::Archive(error),
            _ => ZipFailure::Filesystem(path.clone(), error),
        })?;
    }
    Ok(())
}

fn write_zip_file(entry: &mut zip::read::ZipFile<'_, File>, path: &Path) -> io::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let mut file = File::create(path)?;
    io::copy(entry, &mut file)?;
    let mode = entry.unix_mode().map_or(0o644, |mode| mode & 0o777);
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{
        checksum_of, quick_settings, tar_gz, tar_xz, zip, RecordingReport, Reply, ScriptedServer, NOT_THE_CHECKSUM,
    };
    use crate::{ProgressSchedule, Settings};
    use std::time::Duration;

    const ARCHIVE: &str = "go1.26.8.linux-amd64.tar.gz";

    fn downloader_with(settings: &Settings) -> (Downloader, RecordingReport) {
        let report = RecordingReport::default();
        (Downloader::with_settings(settings, report.clone()).expect("downloader"), report)
    }

    fn downloader() -> (Downloader, RecordingReport) {
        downloader_with(&quick_settings())
    }

    /// Bytes that do not compress, so that an archive of them is as large as they are.
    fn noise(len: usize) -> Vec<u8> {
        let mut state: u32 = 0x2545_f491;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                state.to_le_bytes()[0]
            })
            .collect()
    }

    /// An archive of `format` whose `go/` holds a binary of noise and a VERSION file.
    fn archive(format: Format) -> (Vec<u8>, Vec<u8>) {
        let binary = noise(256 * 1024);
        let entries: &[(&str, &[u8])] = &[("go/", b""), ("go/bin/go", &binary), ("go/VERSION", b"go1.26.8")];
        let bytes = match format {
            Format::TarGz => tar_gz(entries),
            Format::TarXz => tar_xz(entries),
            Format::Zip => zip(entries),
            Format::File { .. } => binary.clone(),
        };
        (bytes, binary)
    }

    fn assert_installed(go: &Path, binary: &[u8]) {
        assert_eq!(fs::read(go.join("bin/go")).expect("installed binary"), binary);
        assert_eq!(fs::read(go.join("VERSION")).expect("installed VERSION"), b"go1.26.8");
    }

    /// Names in `dir`: what an install left there.
    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<_> = fs::read_dir(dir)
            .expect("list")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn installs_the_top_level_directory_of_each_archive_format() {
        for (format, file_name) in [(Format::TarGz, ARCHIVE), (Format::TarXz, "node.tar.xz"), (Format::Zip, "tool.zip")]
        {
            let dir = tempfile::tempdir().expect("temp dir");
            let (bytes, binary) = archive(format);
            let path = dir.path().join(file_name);
            fs::write(&path, &bytes).expect("write archive");
            let location = path.to_str().expect("utf-8");
            let layer = dir.path().join("layer");
            fs::create_dir(&layer).expect("layer");

            let (downloader, _) = downloader();
            downloader
                .install(location, &checksum_of(&bytes), Format::from_location(location), &layer.join("go"), |_| true)
                .unwrap_or_else(|error| panic!("{format}: {error}"));

            assert_installed(&layer.join("go"), &binary);
            let mode = fs::metadata(layer.join("go/bin/go")).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o755, "{format} keeps the executable bit");
            assert_eq!(listing(&layer), ["go"], "{format}: only the installed directory remains");
        }
    }

    #[test]
    fn installs_a_single_file_as_it_is_with_its_mode() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (bytes, _) = archive(Format::File { executable: true });
        let server = ScriptedServer::start("uv", bytes.clone(), Vec::new());
        let (downloader, _) = downloader();

        for (executable, name) in [(true, "uv"), (false, "six-1.17.0-py2.py3-none-any.whl")] {
            let destination = dir.path().join(name);
            downloader
                .install(server.url(), &checksum_of(&bytes), Format::File { executable }, &destination, |_| true)
                .expect("install");
            assert_eq!(fs::read(&destination).expect("installed"), bytes);
            let mode = fs::metadata(&destination).expect("metadata").permissions().mode() & 0o777;
            assert_eq!(mode, if executable { 0o755 } else { 0o644 });
        }
        assert_eq!(listing(dir.path()), ["six-1.17.0-py2.py3-none-any.whl", "uv"]);
    }

    #[test]
    fn a_checksum_mismatch_is_not_retried_and_installs_nothing() {
        for format in [Format::TarGz, Format::TarXz, Format::Zip, Format::File { executable: true }] {
            let dir = tempfile::tempdir().expect("temp dir");
            let (bytes, _) = archive(format);
            let server = ScriptedServer::start("artifact", bytes, Vec::new());
            let expected: Sha256Checksum = NOT_THE_CHECKSUM.parse().expect("valid checksum");
            let (downloader, report) = downloader();

            let error = downloader
                .install(server.url(), &expected, format, &dir.path().join("go"), |_| true)
                .expect_err("a mismatch must fail");

            assert!(matches!(error, DownloadError::ChecksumMismatch { .. }), "{format}: {error}");
            assert_eq!(error.kind(), kiln_error::ErrorKind::ChecksumMismatch);
            assert!(error.to_string().contains(NOT_THE_CHECKSUM));
            assert_eq!(server.requests().len(), 1, "{format}: a mismatch is never retried");
            assert!(report.recorded().retries.is_empty());
            assert!(
                listing(dir.path()).is_empty(),
                "{format}: neither the destination nor the staging directory remains"
            );
        }
    }

    #[test]
    fn leaves_out_what_keep_refuses_yet_verifies_the_whole_archive() {
        let dir = tempfile::tempdir().expect("temp dir");
        let entries: &[(&str, &[u8])] =
            &[("go/", b""), ("go/bin/go", b"binary"), ("go/test/", b""), ("go/test/huge", &[7; 4096])];
        let outside_test = |path: &Path| !path.starts_with("go/test");
        let (downloader, _) = downloader();

        for (format, bytes) in [(Format::TarGz, tar_gz(entries)), (Format::Zip, zip(entries))] {
            let path = dir.path().join("archive");
            fs::write(&path, &bytes).expect("write archive");
            let location = path.to_str().expect("utf-8");
            let go = dir.path().join("go");

            downloader.install(location, &checksum_of(&bytes), format, &go, outside_test).expect("install");
            assert!(go.join("bin/go").is_file(), "{format}");
            assert!(!go.join("test").exists(), "{format}");
            fs::remove_dir_all(&go).expect("clean up");

            let expected: Sha256Checksum = NOT_THE_CHECKSUM.parse().expect("valid checksum");
            let error = downloader
                .install(location, &expected, format, &go, outside_test)
                .expect_err("skipping entries must not skip the verification");
            assert!(matches!(error, DownloadError::ChecksumMismatch { .. }), "{format}: {error}");
            assert!(!go.exists());
        }
    }

    #[test]
    fn refuses_archives_without_a_single_top_level_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (downloader, _) = downloader();
        let entries: &[(&str, &[u8])] = &[("a/file", b"1"), ("b/file", b"2")];
        for (format, bytes) in [(Format::TarGz, tar_gz(entries)), (Format::Zip, zip(entries))] {
            let server = ScriptedServer::start("archive", bytes.clone(), Vec::new());

            let error = downloader
                .install(server.url(), &checksum_of(&bytes), format, &dir.path().join("go"), |_| true)
                .expect_err("two top-level directories must fail");

            assert!(matches!(error, DownloadError::NotASingleDirectory { .. }), "{format}: {error}");
            assert!(listing(dir.path()).is_empty());
        }
    }

    #[test]
    fn a_verified_file_that_is_not_the_archive_it_claims_fails_once_with_the_format() {
        let dir = tempfile::tempdir().expect("temp dir");
        let bytes = b"<html>not a tarball</html>".to_vec();
        let (downloader, _) = downloader();
        for format in [Format::TarGz, Format::TarXz, Format::Zip] {
            let server = ScriptedServer::start(ARCHIVE, bytes.clone(), Vec::new());

            let error = downloader
                .install(server.url(), &checksum_of(&bytes), format, &dir.path().join("go"), |_| true)
                .expect_err("garbage must not unpack");

            assert!(matches!(error, DownloadError::Unpack { .. }), "{format}: {error}");
            assert!(error.to_string().contains(&format.to_string()), "{error}");
            assert_eq!(server.requests().len(), 1, "{format}: verified bytes are not fetched again");
            assert!(listing(dir.path()).is_empty());
        }
    }

    type ZipWriter = zip::ZipWriter<io::Cursor<Vec<u8>>>;

    #[test]
    fn zips_with_links_or_paths_outside_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (downloader, _) = downloader();
        let options = zip::write::SimpleFileOptions::default();
        let zip_with = |add: &dyn Fn(&mut ZipWriter)| {
            let mut writer = ZipWriter::new(io::Cursor::new(Vec::new()));
            writer.add_directory("go/", options).expect("directory");
            add(&mut writer);
            writer.finish().expect("finish zip").into_inner()
        };
        let link = zip_with(&|writer| writer.add_symlink("go/etc", "/etc", options).expect("link"));
        let outside = zip_with(&|writer| writer.start_file("go/../../outside", options).expect("file"));

        for bytes in [link, outside] {
            let layer = dir.path().join("layer");
            fs::create_dir_all(&layer).expect("layer");
            let server = ScriptedServer::start("tool.zip", bytes.clone(), Vec::new());

            let error = downloader
                .install(server.url(), &checksum_of(&bytes), Format::Zip, &layer.join("go"), |_| true)
                .expect_err("an unsafe zip must fail");

            assert!(matches!(error, DownloadError::Unpack { .. }), "{error}");
            assert!(listing(&layer).is_empty());
            assert_eq!(listing(dir.path()), ["layer"], "nothing was written outside");
        }
    }

    /// Installs through a server answering `script` first, and returns the requests it saw
    /// and the retry lines.
    fn install_through(format: Format, script: Vec<Reply>, settings: &Settings) -> (usize, Vec<String>) {
        let dir = tempfile::tempdir().expect("temp dir");
        let (bytes, binary) = archive(format);
        let server = ScriptedServer::start(ARCHIVE, bytes.clone(), script);
        let (downloader, report) = downloader_with(settings);
        let go = dir.path().join("go");

        downloader.install(server.url(), &checksum_of(&bytes), format, &go, |_| true).expect("install after retries");

        if let Format::File { .. } = format {
            assert_eq!(fs::read(&go).expect("installed file"), bytes);
        } else {
            assert_installed(&go, &binary);
        }
        assert_eq!(listing(dir.path()), ["go"], "failed attempts leave nothing behind");
        let retries = report.recorded().retries;
        eprintln!("{format}: {retries:?}");
        (server.requests().len(), retries)
    }

    #[test]
    fn recovers_from_a_connection_reset_in_the_middle_of_the_file() {
        for format in [Format::TarGz, Format::TarXz, Format::Zip] {
            let (requests, retries) = install_through(format, vec![Reply::ResetAfter(100_000)], &quick_settings());
            assert_eq!(requests, 2, "{format}");
            assert_eq!(retries.len(), 1, "{format}: {retries:?}");
            assert!(retries[0].contains("(attempt 2 of 3)"), "{}", retries[0]);
        }
    }

    #[test]
    fn recovers_from_one_503() {
        let (requests, retries) = install_through(Format::TarGz, vec![Reply::Status(503)], &quick_settings());
        assert_eq!(requests, 2);
        assert_eq!(retries.len(), 1);
        assert!(
            retries[0].contains("failed (503 Service Unavailable), retrying in 10 ms (attempt 2 of 3)"),
            "{retries:?}"
        );
    }

    #[test]
    fn recovers_from_a_truncated_body() {
        for format in [Format::TarGz, Format::Zip, Format::File { executable: false }] {
            let (requests, retries) = install_through(format, vec![Reply::TruncateAfter(50_000)], &quick_settings());
            assert_eq!(requests, 2, "{format}");
            assert!(retries[0].contains("50000"), "{format}: names the bytes received: {retries:?}");
        }
    }

    #[test]
    fn recovers_from_an_archive_cut_short_without_a_content_length() {
        for format in [Format::TarGz, Format::TarXz] {
            let (requests, retries) = install_through(format, vec![Reply::CutUnsizedAfter(50_000)], &quick_settings());
            assert_eq!(requests, 2, "{format}");
            assert!(retries[0].contains("the archive ended early"), "{retries:?}");
        }
    }

    #[test]
    fn a_stalled_download_times_out_and_is_retried() {
        let mut settings = quick_settings();
        settings.timeouts.read = Duration::from_millis(200);
        let script = vec![Reply::StallAfter(10_000, Duration::from_secs(3))];
        let (requests, retries) = install_through(Format::TarGz, script, &settings);
        assert_eq!(requests, 2);
        assert_eq!(retries.len(), 1, "{retries:?}");
    }

    /// Installs from a server answering `status` to every request; returns the error, the
    /// message, the requests and the retries.
    fn fail_with(status: u16) -> (DownloadError, String, usize, usize) {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = ScriptedServer::start(ARCHIVE, Vec::new(), vec![Reply::Status(status); 5]);
        let (downloader, report) = downloader();
        let expected: Sha256Checksum = NOT_THE_CHECKSUM.parse().expect("valid checksum");

        let error = downloader
            .install(server.url(), &expected, Format::TarGz, &dir.path().join("go"), |_| true)
            .expect_err("an error status must fail");

        assert_eq!(error.kind(), kiln_error::ErrorKind::DownloadFailed);
        assert!(listing(dir.path()).is_empty());
        let message = error.to_string();
        assert!(message.contains(server.url()), "{message}");
        (error, message, server.requests().len(), report.recorded().retries.len())
    }

    #[test]
    fn a_persistent_503_fails_after_every_attempt_and_says_so() {
        let (error, message, requests, retries) = fail_with(503);
        assert_eq!((requests, retries), (3, 2));
        assert!(error.is_transient());
        assert!(message.contains("after 3 attempts: 503 Service Unavailable"), "{message}");
    }

    #[test]
    fn a_404_is_not_retried() {
        let (error, message, requests, retries) = fail_with(404);
        assert_eq!((requests, retries), (1, 0));
        assert!(!error.is_transient());
        assert!(message.contains("(not retried): 404 Not Found"), "{message}");
    }

    #[test]
    fn progress_reports_the_total_and_the_final_byte_count() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (bytes, _) = archive(Format::TarGz);
        let server = ScriptedServer::start(ARCHIVE, bytes.clone(), Vec::new());
        let mut settings = quick_settings();
        settings.progress = ProgressSchedule { min_size: 0, interval: Duration::from_secs(60) };
        let (downloader, report) = downloader_with(&settings);

        downloader
            .install(server.url(), &checksum_of(&bytes), Format::TarGz, &dir.path().join("go"), |_| true)
            .expect("install");

        let total = bytes.len() as u64;
        let progress = report.recorded().progress;
        assert_eq!(progress.last(), Some(&(Some(total), total, true)), "{progress:?}");
        assert_eq!(progress.iter().filter(|(_, _, finished)| *finished).count(), 1);
        assert!(progress.iter().all(|(announced, _, _)| *announced == Some(total)));
        // A line at each quarter before the end (25%, 50%, 75%), one per quarter at most.
        assert!((2..=4).contains(&progress.len()), "{progress:?}");
    }

    #[test]
    fn small_downloads_report_no_progress() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (bytes, _) = archive(Format::TarGz);
        let server = ScriptedServer::start(ARCHIVE, bytes.clone(), Vec::new());
        let (downloader, report) = downloader();

        downloader
            .install(server.url(), &checksum_of(&bytes), Format::TarGz, &dir.path().join("go"), |_| true)
            .expect("install");

        assert!(report.recorded().progress.is_empty());
    }
}
