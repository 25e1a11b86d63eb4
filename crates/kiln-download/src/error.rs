//! What can go wrong with a download: one attempt's network failure (transient or not), and the
//! error a caller sees once the retries are over.

use crate::{Format, Sha256Checksum};
use kiln_error::ErrorKind;
use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why one attempt to fetch a location failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The server answered with an error status.
    Status(u16),
    /// No connection could be made: refused, unreachable, name not resolved, timed out.
    Connect(String),
    /// The connection broke or went idle for longer than the read timeout while the body
    /// was streaming.
    Broken { received: u64, cause: String },
    /// The body ended early: before its `Content-Length`, or (without one) in the middle of
    /// the archive.
    Truncated { received: u64, expected: Option<u64> },
    /// The TLS handshake failed, most often because no trusted CA signed the server's
    /// certificate.
    Tls(String),
    /// Anything else the HTTP client refused (a malformed URL, a protocol violation).
    Other(String),
}

impl Failure {
    /// Whether trying again may succeed: connection trouble, a cut body, a 5xx, 408 or 429.
    /// A 4xx, a TLS refusal or a malformed request fails the same way every time.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Status(status) => *status >= 500 || matches!(status, 408 | 429),
            Self::Connect(_) | Self::Broken { .. } | Self::Truncated { .. } => true,
            Self::Tls(_) | Self::Other(_) => false,
        }
    }

    /// What the user can do about it.
    fn advice(&self) -> &'static str {
        match self {
            Self::Status(404 | 410) => "The server has no such file: check the URL in the inventory, or the mirror that KILN_INVENTORY points to",
            Self::Status(401 | 403) => "The server refuses the download: check that the mirror that KILN_INVENTORY points to allows anonymous reads",
            Self::Status(407) => "The proxy wants credentials: put them in the proxy URL (HTTPS_PROXY=http://user:password@proxy:port)",
            Self::Status(_) | Self::Broken { .. } | Self::Truncated { .. } => "The server or the network is failing: build again later, or set KILN_INVENTORY to an inventory whose URLs point to a reliable mirror",
            Self::Connect(_) => "Check that the host is reachable from the build and the proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)",
            Self::Tls(_) => "If a proxy intercepts TLS, add its CA certificate to the build image's CA store or name a PEM bundle with SSL_CERT_FILE",
            Self::Other(_) => "Check the URL in the inventory (KILN_INVENTORY) and the proxy settings (HTTPS_PROXY, HTTP_PROXY, NO_PROXY)",
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status(status) => {
                let reason = ureq::http::StatusCode::from_u16(*status).ok().and_then(|code| code.canonical_reason());
                write!(f, "{status} {}", reason.unwrap_or("(no reason)"))
            }
            Self::Connect(cause) => write!(f, "cannot connect: {cause}"),
            Self::Broken { received, cause } => write!(f, "the connection broke after {received} bytes: {cause}"),
            Self::Truncated { received, expected: Some(expected) } => {
                write!(f, "the body ended after {received} of {expected} bytes")
            }
            Self::Truncated { received, expected: None } => {
                write!(f, "the archive ended early, after {received} bytes")
            }
            Self::Tls(cause) => write!(f, "TLS failed: {cause}"),
            Self::Other(cause) => f.write_str(cause),
        }
    }
}

/// A download that did not install or open, after every attempt it was worth.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("downloading {location} failed {}: {failure}. {}", attempts_text(*.attempts, failure), failure.advice())]
    Failed { location: String, failure: Failure, attempts: u32 },
    #[error("checksum mismatch for {location}: expected {expected}, got {actual}. Nothing was installed: check the inventory entry and that the mirror serves the official file")]
    ChecksumMismatch { location: String, expected: Sha256Checksum, actual: Sha256Checksum },
    #[error("{location} matches its checksum but is not a valid {format}: {source}. Check the inventory entry's URL")]
    Unpack {
        location: String,
        format: Format,
        #[source]
        source: io::Error,
    },
    #[error("{location} does not hold exactly one top-level directory: an archive for kiln must unpack into a single directory such as `go/`")]
    NotASingleDirectory { location: String },
    #[error("cannot read {}: {source}. Check that the file exists and is readable by the build user", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("`{0}` uses an unsupported scheme: use an http(s):// URL, a file:// URL or a path")]
    UnsupportedScheme(String),
    #[error("cannot read the CA certificates in {}: {cause}. Make it a readable PEM bundle; SSL_CERT_FILE, if set, must name one", path.display())]
    Trust { path: PathBuf, cause: String },
    #[error("cannot prepare {}: {source}. Check free space and permissions of the layers directory", path.display())]
    Filesystem {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

fn attempts_text(attempts: u32, failure: &Failure) -> String {
    match (attempts, failure.is_transient()) {
        (1, true) => "(1 attempt)".to_string(),
        (1, false) => "(not retried)".to_string(),
        (attempts, _) => format!("after {attempts} attempts"),
    }
}

impl DownloadError {
    /// The stable kind that kiln reports for this error.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Failed { .. } | Self::File { .. } | Self::UnsupportedScheme(_) | Self::Trust { .. } => {
                ErrorKind::DownloadFailed
            }
            Self::ChecksumMismatch { .. } => ErrorKind::ChecksumMismatch,
            // The bytes are exactly the ones the inventory lists: the entry itself is wrong.
            Self::Unpack { .. } | Self::NotASingleDirectory { .. } => ErrorKind::InvalidInventory,
            Self::Filesystem { .. } => ErrorKind::FilesystemError,
        }
    }

    /// Whether the last failure was one that may pass (the retries ran out on it).
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Failed { failure, .. } if failure.is_transient())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(failure: Failure, attempts: u32) -> String {
        DownloadError::Failed { location: "http://127.0.0.1:9/go.tar.gz".to_string(), failure, attempts }.to_string()
    }

    #[test]
    fn transient_failures_are_connection_trouble_cut_bodies_and_server_errors() {
        for status in [500, 502, 503, 504, 408, 429] {
            assert!(Failure::Status(status).is_transient(), "{status}");
        }
        for status in [400, 401, 403, 404, 410] {
            assert!(!Failure::Status(status).is_transient(), "{status}");
        }
        assert!(Failure::Truncated { received: 1, expected: Some(2) }.is_transient());
        assert!(!Failure::Tls("unknown issuer".to_string()).is_transient());
    }

    #[test]
    fn messages_name_the_url_the_status_the_attempts_and_what_to_do() {
        let message = failed(Failure::Status(503), 4);
        assert!(message.contains("http://127.0.0.1:9/go.tar.gz"), "{message}");
        assert!(message.contains("after 4 attempts: 503 Service Unavailable"), "{message}");
        assert!(message.contains("KILN_INVENTORY"), "{message}");

        let message = failed(Failure::Status(404), 1);
        assert!(message.contains("(not retried): 404 Not Found"), "{message}");

        let message = failed(Failure::Truncated { received: 10, expected: Some(20) }, 3);
        assert!(message.contains("the body ended after 10 of 20 bytes"), "{message}");

        assert!(failed(Failure::Tls("invalid peer certificate".to_string()), 1).contains("SSL_CERT_FILE"));
        assert!(failed(Failure::Connect("connection refused".to_string()), 4).contains("HTTPS_PROXY"));
    }

    #[test]
    fn kinds_separate_the_network_the_checksum_and_the_disk() {
        let checksum: Sha256Checksum = crate::testing::NOT_THE_CHECKSUM.parse().expect("valid checksum");
        let location = String::new();
        assert_eq!(
            DownloadError::Failed { location: location.clone(), failure: Failure::Status(404), attempts: 1 }.kind(),
            ErrorKind::DownloadFailed
        );
        assert_eq!(
            DownloadError::ChecksumMismatch { location, expected: checksum.clone(), actual: checksum }.kind(),
            ErrorKind::ChecksumMismatch
        );
        assert_eq!(
            DownloadError::Filesystem { path: PathBuf::new(), source: io::ErrorKind::StorageFull.into() }.kind(),
            ErrorKind::FilesystemError
        );
    }
}
