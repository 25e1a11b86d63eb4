//! The kinds of failure, what class each belongs to, and the exit status of each class.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What went wrong, as a machine reads it. The names are a contract (`--json`, Shipwright's
/// `shp-error-reason`): add kinds, never rename one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ErrorKind {
    // The source or its settings: the user changes something and builds again.
    /// A command-line value kiln cannot use (an image reference, `--env` without a name).
    InvalidArgument,
    /// The source cannot be read or is malformed (unreadable files, a broken go.mod or
    /// project.toml).
    InvalidSource,
    /// No buildpack of the builder builds this source.
    NoBuildpackDetected,
    /// The function contract's variables are inconsistent or invalid (`FUNC_SRC`, the
    /// signature type, a name and its alias disagreeing).
    InvalidFunctionConfig,
    /// `FUNC_NAME` cannot name a function in the language.
    InvalidFunctionName,
    /// The function `FUNC_NAME` names does not exist.
    FunctionNotFound,
    /// The function exists but does not have the signature its signature type needs.
    WrongSignature,
    /// The user's code does not compile.
    CompileError,
    /// The lockfile does not match the package manifest, so a clean install refuses it.
    LockfileOutOfSync,
    /// A dependency could not be resolved or installed; the message names it.
    DependencyInstallFailed,
    /// The code compiles but fails when the build loads it (a Python module that raises on import).
    ImportFailed,
    /// No toolchain in the inventory satisfies what the source asks for.
    UnsupportedVersion,
    /// The inventory named by `KILN_INVENTORY` cannot be read or parsed.
    InvalidInventory,
    /// The builder image is not one kiln can build with.
    InvalidBuilder,
    /// A buildpack failed in a way it did not classify (a third-party buildpack, say).
    BuildpackFailed,

    // The machine, the network or a service: the same source may build elsewhere or later.
    /// A toolchain or inventory download failed (after retries).
    DownloadFailed,
    /// A download does not match the checksum its inventory lists.
    ChecksumMismatch,
    /// The registry did not answer.
    RegistryUnreachable,
    /// The registry wants credentials, or refused the ones given (HTTP 401).
    Unauthorized,
    /// The credentials may not do what the build needs, e.g. push (HTTP 403).
    Forbidden,
    /// The registry refused the image's manifest.
    ManifestRejected,
    /// The build cache could not be restored or saved.
    CacheFailed,
    /// Disk or permissions on the machine running the build.
    FilesystemError,
    /// The container runtime (runc) could not run the build or the app.
    ContainerFailed,
    /// The lifecycle failed in a way kiln could not classify; its output says more.
    LifecycleFailed,

    /// The user stopped the command (Ctrl-C, SIGTERM).
    Interrupted,
    /// A bug in kiln.
    Internal,
}

/// Who can fix a failure, which decides the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorClass {
    /// The source or its settings.
    User,
    /// The network, a registry, the disk.
    Environment,
    /// Stopped on request.
    Interrupted,
    /// kiln itself.
    Internal,
}

impl ErrorClass {
    /// `2` for user errors (as for a usage error), `3` for environment errors, `130` for an
    /// interrupt (as shells report SIGINT), `1` for kiln's own.
    #[must_use]
    pub fn exit_code(self) -> u8 {
        match self {
            Self::User => 2,
            Self::Environment => 3,
            Self::Interrupted => 130,
            Self::Internal => 1,
        }
    }
}

impl ErrorKind {
    /// Every kind, in the order the README lists them.
    pub const ALL: [Self; 27] = [
        Self::InvalidArgument,
        Self::InvalidSource,
        Self::NoBuildpackDetected,
        Self::InvalidFunctionConfig,
        Self::InvalidFunctionName,
        Self::FunctionNotFound,
        Self::WrongSignature,
        Self::CompileError,
        Self::LockfileOutOfSync,
        Self::DependencyInstallFailed,
        Self::ImportFailed,
        Self::UnsupportedVersion,
        Self::InvalidInventory,
        Self::InvalidBuilder,
        Self::BuildpackFailed,
        Self::DownloadFailed,
        Self::ChecksumMismatch,
        Self::RegistryUnreachable,
        Self::Unauthorized,
        Self::Forbidden,
        Self::ManifestRejected,
        Self::CacheFailed,
        Self::FilesystemError,
        Self::ContainerFailed,
        Self::LifecycleFailed,
        Self::Interrupted,
        Self::Internal,
    ];

    #[must_use]
    pub fn class(self) -> ErrorClass {
        match self {
            Self::InvalidArgument
            | Self::InvalidSource
            | Self::NoBuildpackDetected
            | Self::InvalidFunctionConfig
            | Self::InvalidFunctionName
            | Self::FunctionNotFound
            | Self::WrongSignature
            | Self::CompileError
            | Self::LockfileOutOfSync
            | Self::DependencyInstallFailed
            | Self::ImportFailed
            | Self::UnsupportedVersion
            | Self::InvalidInventory
            | Self::InvalidBuilder
            | Self::BuildpackFailed => ErrorClass::User,
            Self::DownloadFailed
            | Self::ChecksumMismatch
            | Self::RegistryUnreachable
            | Self::Unauthorized
            | Self::Forbidden
            | Self::ManifestRejected
            | Self::CacheFailed
            | Self::FilesystemError
            | Self::ContainerFailed
            | Self::LifecycleFailed => ErrorClass::Environment,
            Self::Interrupted => ErrorClass::Interrupted,
            Self::Internal => ErrorClass::Internal,
        }
    }

    /// The kind's name, as `--json` writes it.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::InvalidArgument => "InvalidArgument",
            Self::InvalidSource => "InvalidSource",
            Self::NoBuildpackDetected => "NoBuildpackDetected",
            Self::InvalidFunctionConfig => "InvalidFunctionConfig",
            Self::InvalidFunctionName => "InvalidFunctionName",
            Self::FunctionNotFound => "FunctionNotFound",
            Self::WrongSignature => "WrongSignature",
            Self::CompileError => "CompileError",
            Self::LockfileOutOfSync => "LockfileOutOfSync",
            Self::DependencyInstallFailed => "DependencyInstallFailed",
            Self::ImportFailed => "ImportFailed",
            Self::UnsupportedVersion => "UnsupportedVersion",
            Self::InvalidInventory => "InvalidInventory",
            Self::InvalidBuilder => "InvalidBuilder",
            Self::BuildpackFailed => "BuildpackFailed",
            Self::DownloadFailed => "DownloadFailed",
            Self::ChecksumMismatch => "ChecksumMismatch",
            Self::RegistryUnreachable => "RegistryUnreachable",
            Self::Unauthorized => "Unauthorized",
            Self::Forbidden => "Forbidden",
            Self::ManifestRejected => "ManifestRejected",
            Self::CacheFailed => "CacheFailed",
            Self::FilesystemError => "FilesystemError",
            Self::ContainerFailed => "ContainerFailed",
            Self::LifecycleFailed => "LifecycleFailed",
            Self::Interrupted => "Interrupted",
            Self::Internal => "Internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error of the platform side (kiln's commands) with its kind and, where kiln knows
/// better than the message's own words, the advice to give.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct KindedError {
    pub kind: ErrorKind,
    pub message: String,
    pub advice: Option<String>,
}

impl KindedError {
    #[must_use]
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), advice: None }
    }

    #[must_use]
    pub fn with_advice(mut self, advice: impl Into<String>) -> Self {
        self.advice = Some(advice.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_serialized_form_and_unique() {
        for kind in ErrorKind::ALL {
            assert_eq!(serde_json::to_value(kind).expect("serializes"), serde_json::json!(kind.name()));
            let parsed: ErrorKind = serde_json::from_value(serde_json::json!(kind.name())).expect("parses");
            assert_eq!(parsed, kind);
        }
        let mut names: Vec<&str> = ErrorKind::ALL.iter().map(|kind| kind.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorKind::ALL.len());
    }

    #[test]
    fn the_readme_lists_every_kind_with_its_exit_status() {
        let readme = include_str!("../../../README.md");
        for kind in ErrorKind::ALL {
            let row = format!("| `{}` | {} |", kind.name(), kind.class().exit_code());
            assert!(readme.contains(&row), "README.md's error table has no row starting `{row}`");
        }
    }

    #[test]
    fn user_and_environment_errors_exit_differently() {
        assert_eq!(ErrorKind::FunctionNotFound.class().exit_code(), 2);
        assert_eq!(ErrorKind::RegistryUnreachable.class().exit_code(), 3);
        assert_eq!(ErrorKind::Interrupted.class().exit_code(), 130);
        assert_eq!(ErrorKind::Internal.class().exit_code(), 1);
    }
}
