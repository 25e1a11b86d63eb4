//! The `sha256:<hex>` checksums that inventories carry, and a reader that computes one while
//! the bytes stream through it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::{self, Read};
use std::str::FromStr;

const PREFIX: &str = "sha256:";

/// A sha256 digest, written `sha256:<64 lowercase hex digits>` as OCI and inventories do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256Checksum([u8; 32]);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChecksumError {
    #[error("checksum `{0}` does not start with `sha256:`: write it as sha256:<64 hex digits>")]
    UnsupportedAlgorithm(String),
    #[error("checksum `{0}` is not 64 hex digits after `sha256:`: copy the full sha256 of the file")]
    InvalidDigest(String),
}

impl FromStr for Sha256Checksum {
    type Err = ChecksumError;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let hex_digits =
            value.strip_prefix(PREFIX).ok_or_else(|| ChecksumError::UnsupportedAlgorithm(value.to_string()))?;
        let mut digest = [0u8; 32];
        hex::decode_to_slice(hex_digits, &mut digest).map_err(|_| ChecksumError::InvalidDigest(value.to_string()))?;
        Ok(Self(digest))
    }
}

impl TryFrom<String> for Sha256Checksum {
    type Error = ChecksumError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Sha256Checksum> for String {
    fn from(checksum: Sha256Checksum) -> Self {
        checksum.to_string()
    }
}

impl fmt::Display for Sha256Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}", hex::encode(self.0))
    }
}

/// Passes bytes through unchanged while hashing them, so verification needs no second read.
pub(crate) struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> HashingReader<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self { inner, hasher: Sha256::new() }
    }

    pub(crate) fn get_ref(&self) -> &R {
        &self.inner
    }

    /// Reads whatever the consumer left unread (an archive's padding, say) so the digest
    /// covers the whole stream, then returns it.
    pub(crate) fn finish(mut self) -> io::Result<Sha256Checksum> {
        io::copy(&mut self, &mut io::sink())?;
        Ok(Sha256Checksum(self.hasher.finalize().into()))
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let count = self.inner.read(buf)?;
        self.hasher.update(&buf[..count]);
        Ok(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // sha256 of the empty input.
    const EMPTY: &str = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parses_and_prints_the_sha256_prefix_form() {
        let checksum: Sha256Checksum = EMPTY.parse().expect("valid checksum");
        assert_eq!(checksum.to_string(), EMPTY);
    }

    #[test]
    fn refuses_other_algorithms_and_short_digests() {
        assert!(matches!("sha512:abcd".parse::<Sha256Checksum>(), Err(ChecksumError::UnsupportedAlgorithm(_))));
        assert!(matches!("sha256:abcd".parse::<Sha256Checksum>(), Err(ChecksumError::InvalidDigest(_))));
    }

    #[test]
    fn hashes_the_bytes_the_consumer_left_unread() {
        let mut reader = HashingReader::new(&b"hello"[..]);
        let mut first = [0u8; 2];
        reader.read_exact(&mut first).expect("read");
        let expected: Sha256Checksum =
            "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".parse().expect("valid checksum");
        assert_eq!(reader.finish().expect("finish"), expected);
    }
}
