//! Shorthands for the platform's own failures: each a `kiln_error::KindedError` (kind,
//! message, advice) in the anyhow chain, which kiln turns into `--json` and the exit status.

use kiln_error::{ErrorKind, KindedError};

pub(crate) fn kinded(kind: ErrorKind, message: impl Into<String>, advice: impl Into<String>) -> anyhow::Error {
    KindedError::new(kind, message).with_advice(advice).into()
}

pub(crate) fn invalid_source(message: impl Into<String>, advice: impl Into<String>) -> anyhow::Error {
    kinded(ErrorKind::InvalidSource, message, advice)
}

pub(crate) fn invalid_argument(message: impl Into<String>, advice: impl Into<String>) -> anyhow::Error {
    kinded(ErrorKind::InvalidArgument, message, advice)
}

pub(crate) fn filesystem(message: impl Into<String>, advice: impl Into<String>) -> anyhow::Error {
    kinded(ErrorKind::FilesystemError, message, advice)
}
