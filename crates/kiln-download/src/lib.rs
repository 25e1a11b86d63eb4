//! Downloads for kiln buildpacks.
//!
//! Toolchains come from an http(s) URL, a `file://` URL or a plain path (mirrors and air-gapped
//! sites). Every byte is hashed as it streams past, and an artifact is unpacked next to its final
//! place and only moved there once its sha256 matched, so a mismatch installs nothing. Formats:
//! `.tar.gz`, `.tar.xz`, `.zip` (each with one top-level directory, which becomes the
//! destination) and single files kept as they are ([`Format`]).
//!
//! Downloads are made for real networks ([`Settings`]):
//! - **Timeouts**: 30 s to connect (TLS and proxy handshakes included) and 60 s without a byte,
//!   but no limit on a whole download, which may take minutes on a slow link ([`Timeouts`]).
//! - **Retries**: 4 attempts, 1 s, 2 s and 4 s apart, after failures that may pass: no
//!   connection, a connection reset or idle past the timeout, a body shorter than its
//!   `Content-Length` or an archive cut short, a 5xx, 408 or 429. A 4xx, a TLS refusal and a
//!   checksum mismatch are final at once. Each retry starts from scratch in a fresh staging
//!   directory and is reported ([`Report::retrying`]).
//! - **Trust**: the system CA store (the first of the usual distribution bundles, such as
//!   `/etc/ssl/certs/ca-certificates.crt`; inside a build, the build image's) together with the
//!   PEM bundle `SSL_CERT_FILE` names, so that a TLS-intercepting proxy's CA works from either
//!   ([`Trust`]). Without both, the Mozilla roots built into kiln.
//! - **Proxies**: `HTTPS_PROXY`, `HTTP_PROXY` or `ALL_PROXY` (lower case too), tunnelled with
//!   CONNECT, except for the hosts `NO_PROXY` lists.
//! - **Progress**: downloads of 4 MiB and more report a line at each quarter and at least every
//!   5 s, and one when done ([`Report::progress`], [`ProgressSchedule`]).

mod checksum;
mod error;
mod format;
mod install;
mod meter;
mod report;
mod retry;
mod source;
mod trust;

pub use checksum::{ChecksumError, Sha256Checksum};
pub use error::{DownloadError, Failure};
pub use format::Format;
pub use meter::ProgressSchedule;
pub use report::{ByteSize, Progress, Report, Retry, StderrReport};
pub use retry::RetrySchedule;
pub use source::{open, Downloader, Settings, Timeouts};
pub use trust::{Trust, CERT_FILE_ENV};

#[cfg(any(test, feature = "test-support"))]
pub mod testing;
