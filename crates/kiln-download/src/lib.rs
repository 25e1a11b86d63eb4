//! Downloads for kiln buildpacks.
//!
//! Toolchains come from an http(s) URL, a `file://` URL or a plain path (mirrors and air-gapped
//! sites). Every byte is hashed as it streams past, and an archive is unpacked next to its final
//! place and only moved there once its sha256 matched, so a mismatch installs nothing.

mod checksum;
mod install;
mod source;

pub use checksum::{ChecksumError, Sha256Checksum};
pub use install::{install_tar_gz, InstallError};
pub use source::{open, OpenError};

#[cfg(any(test, feature = "test-support"))]
pub mod testing;
