//! Result files for the job that runs `kiln build`: one value per file, as Tekton results and
//! Shipwright's `shp-image-digest`, `shp-image-size`, `shp-error-reason` and
//! `shp-error-message` expect them (`--digest-file PATH` …). Any CI system can read them the
//! same way.

use crate::failure::Failure;
use anyhow::Context;
use std::path::PathBuf;

/// Tekton keeps all results of a step in its 4 KiB termination message: a message longer than
/// this is cut (at a character boundary) so the digest and the reason always fit.
const MESSAGE_LIMIT: usize = 1024;

#[derive(clap::Args, Default)]
pub(crate) struct ResultFiles {
    /// Write the published image's digest (sha256:…) to this file.
    #[arg(long = "digest-file", value_name = "PATH")]
    digest: Option<PathBuf>,
    /// Write the published image's size in bytes to this file.
    #[arg(long = "size-file", value_name = "PATH")]
    size: Option<PathBuf>,
    /// On failure, write the error's kind (one CamelCase word, e.g. `NoBuildpackDetected`) to this file.
    #[arg(long = "error-reason-file", value_name = "PATH")]
    error_reason: Option<PathBuf>,
    /// On failure, write the error's message to this file.
    #[arg(long = "error-message-file", value_name = "PATH")]
    error_message: Option<PathBuf>,
}

impl ResultFiles {
    pub(crate) fn published(&self, digest: &str, size: u64) -> anyhow::Result<()> {
        write(self.digest.as_ref(), digest)?;
        write(self.size.as_ref(), &size.to_string())
    }

    /// Writes what it can of `error`; the error itself is what the command reports either way.
    pub(crate) fn failed(&self, error: &anyhow::Error) {
        let failure = Failure::of(error);
        let _ = write(self.error_reason.as_ref(), &failure.kind.to_string());
        let _ = write(self.error_message.as_ref(), &cut(&failure.message, MESSAGE_LIMIT));
    }
}

fn write(path: Option<&PathBuf>, value: &str) -> anyhow::Result<()> {
    let Some(path) = path else { return Ok(()) };
    std::fs::write(path, value).with_context(|| format!("cannot write the result file {}", path.display()))
}

fn cut(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let end = (0..=limit).rev().find(|&index| text.is_char_boundary(index)).unwrap_or(0);
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_error::{ErrorKind, KindedError};

    #[test]
    fn a_failure_writes_its_kind_and_message() {
        let dir = tempfile::tempdir().expect("dir");
        let files = ResultFiles {
            error_reason: Some(dir.path().join("shp-error-reason")),
            error_message: Some(dir.path().join("shp-error-message")),
            ..ResultFiles::default()
        };
        files.failed(&KindedError::new(ErrorKind::NoBuildpackDetected, "no buildpack detected this source").into());
        let read = |name: &str| std::fs::read_to_string(dir.path().join(name)).expect(name);
        assert_eq!(read("shp-error-reason"), "NoBuildpackDetected");
        assert_eq!(read("shp-error-message"), "no buildpack detected this source");
    }

    #[test]
    fn success_writes_digest_and_size() {
        let dir = tempfile::tempdir().expect("dir");
        let files = ResultFiles {
            digest: Some(dir.path().join("digest")),
            size: Some(dir.path().join("size")),
            ..ResultFiles::default()
        };
        files.published("sha256:abc", 1234).expect("written");
        assert_eq!(std::fs::read_to_string(dir.path().join("digest")).expect("digest"), "sha256:abc");
        assert_eq!(std::fs::read_to_string(dir.path().join("size")).expect("size"), "1234");
    }

    #[test]
    fn long_messages_are_cut_at_a_character() {
        assert_eq!(cut("ééé", 3), "é…");
        assert_eq!(cut("short", 10), "short");
    }
}
