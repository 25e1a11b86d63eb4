//! sha256 digests as OCI writes them (`sha256:<hex>`) and the blob-store layout that keys files by them.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

const ALGORITHM_PREFIX: &str = "sha256:";

/// `sha256:<hex>` of `bytes`.
pub(crate) fn sha256_digest(bytes: &[u8]) -> String {
    format_digest(&Sha256::digest(bytes))
}

fn format_digest(hash: &[u8]) -> String {
    use std::fmt::Write as _;
    hash.iter().fold(String::from(ALGORITHM_PREFIX), |mut out, byte| {
        // Writing to a String cannot fail.
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// Where a blob with `digest` lives in a blob store: `<store>/sha256/<hex>`.
/// Returns `None` for anything but a well-formed sha256 digest, so a hostile manifest
/// cannot make us write outside the store.
pub(crate) fn blob_path(store: &Path, digest: &str) -> Option<PathBuf> {
    let hex = digest.strip_prefix(ALGORITHM_PREFIX)?;
    let well_formed = hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    well_formed.then(|| blob_dir(store).join(hex))
}

/// The directory holding sha256 blobs of a blob store.
pub(crate) fn blob_dir(store: &Path) -> PathBuf {
    store.join("sha256")
}

/// A writer that hashes and counts everything passing through it.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    written: u64,
}

impl<W> HashingWriter<W> {
    pub(crate) fn new(inner: W) -> Self {
        Self { inner, hasher: Sha256::new(), written: 0 }
    }

    /// The wrapped writer, the `sha256:<hex>` digest and the byte count of what was written.
    pub(crate) fn finish(self) -> (W, String, u64) {
        (self.inner, format_digest(&self.hasher.finalize()), self.written)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.written += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_of_empty_input_is_the_well_known_one() {
        assert_eq!(sha256_digest(b""), "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn hashing_writer_matches_one_shot_digest() {
        let mut writer = HashingWriter::new(Vec::new());
        writer.write_all(b"hello ").and_then(|()| writer.write_all(b"world")).expect("write to Vec");
        let (bytes, digest, size) = writer.finish();
        assert_eq!(bytes, b"hello world");
        assert_eq!(digest, sha256_digest(b"hello world"));
        assert_eq!(size, 11);
    }

    #[test]
    fn blob_path_refuses_malformed_digests() {
        let store = Path::new("/cache");
        let hex = "a".repeat(64);
        assert_eq!(blob_path(store, &format!("sha256:{hex}")), Some(PathBuf::from(format!("/cache/sha256/{hex}"))));
        assert_eq!(blob_path(store, "sha256:../../etc/passwd"), None);
        assert_eq!(blob_path(store, &format!("sha512:{hex}")), None);
        assert_eq!(blob_path(store, &format!("sha256:{}", "A".repeat(64))), None);
    }
}
