//! The buildpack's error: one variant per module error, each turned into the message the
//! user reads (header, body, advice).

use crate::compile::CompileError;
use crate::detect::DetectError;
use crate::function::FunctionError;
use crate::go_mod::GoModError;
use crate::toolchain::{supported_list, UnsupportedGoVersion};
use kiln_download::DownloadError;
use kiln_error::{ErrorKind, ErrorMessage};
use kiln_function::ConfigError;
use kiln_inventory::{LoadError, INVENTORY_ENV};

/// The large payloads are boxed so `libcnb::Result` stays small on the happy path.
#[derive(Debug)]
pub(crate) enum GoFunctionError {
    Detect(DetectError),
    GoMod(GoModError),
    Inventory(Box<LoadError>),
    UnsupportedGoVersion(Box<UnsupportedGoVersion>),
    GoDist(Box<DownloadError>),
    Compile(CompileError),
    FunctionConfig(ConfigError),
    Function(Box<FunctionError>),
    /// Files of a function build: the generated package, the inspector.
    Scratch(std::io::Error),
}

impl From<GoFunctionError> for libcnb::Error<GoFunctionError> {
    fn from(error: GoFunctionError) -> Self {
        Self::BuildpackError(error)
    }
}

impl GoFunctionError {
    pub(crate) fn message(self) -> ErrorMessage {
        let message = |kind, header: &str, body: String, advice: &str| ErrorMessage::new(kind, header, body, advice);
        match self {
            Self::Detect(error) => message(
                ErrorKind::InvalidSource,
                "Cannot read the source",
                error.to_string(),
                "Make every file of the source readable and build again.",
            ),
            Self::GoMod(error) => message(
                ErrorKind::InvalidSource,
                "Cannot use go.mod",
                error.to_string(),
                "Fix go.mod: `go mod edit -go=1.26` writes a valid go line.",
            ),
            Self::Inventory(error) => message(
                ErrorKind::InvalidInventory,
                "Cannot load the Go inventory",
                error.to_string(),
                &format!("Point {INVENTORY_ENV} at a readable inventory file (path, file:// or http(s):// URL), or unset it to use the embedded inventory."),
            ),
            Self::UnsupportedGoVersion(error) => ErrorMessage {
                kind: ErrorKind::UnsupportedVersion,
                header: format!("{} is not available", error.requirement),
                body: format!(
                    "{} has no such Go for {}/{}.\nSupported versions: {}.",
                    error.origin,
                    error.os,
                    error.arch,
                    supported_list(&error.supported)
                ),
                advice: format!("Change the `go` (or `toolchain`) line of go.mod to a supported version, or set {INVENTORY_ENV} to an inventory that has this one."),
            },
            Self::GoDist(error) => match *error {
                DownloadError::ChecksumMismatch { location, expected, actual } => message(
                ErrorKind::ChecksumMismatch,
                "The Go download does not match its checksum",
                format!("{location}\nexpected {expected}\nactual   {actual}\nThe build stopped and nothing was installed."),
                "The file differs from the one the inventory lists: check the mirror that serves it, or correct the inventory's checksum if the file is the official one.",
                ),
                error => message(
                    ErrorKind::DownloadFailed,
                    "Cannot install Go",
                    error.to_string(),
                    "Check that the inventory's URL is reachable from the build, or set KILN_INVENTORY to a reachable mirror.",
                ),
            },
            Self::Compile(error @ CompileError::Failed(_)) => message(
                ErrorKind::CompileError,
                "Compiling the Go code failed",
                error.to_string(),
                "Fix the errors above (paths are relative to the source root) and build again.",
            ),
            Self::Compile(error) => message(
                ErrorKind::CacheFailed,
                "Cannot compile the Go code",
                error.to_string(),
                "Clear the build cache and build again.",
            ),
            Self::FunctionConfig(error) => error.message(),
            Self::Function(error) => error.message(),
            Self::Scratch(error) => message(
                ErrorKind::FilesystemError,
                "Cannot write the function build's files",
                error.to_string(),
                "Check that the build's temporary directory (/tmp) and layers directory are writable and have free space.",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checksum_mismatch_says_nothing_was_installed() {
        let checksum = |digit: &str| format!("sha256:{}", digit.repeat(64)).parse().expect("valid checksum");
        let message = GoFunctionError::GoDist(Box::new(DownloadError::ChecksumMismatch {
            location: "http://127.0.0.1:9/go1.26.8.linux-amd64.tar.gz".to_string(),
            expected: checksum("a"),
            actual: checksum("b"),
        }))
        .message();
        assert_eq!(message.header, "The Go download does not match its checksum");
        assert!(message.body.contains("nothing was installed"), "{}", message.body);
        assert!(message.body.contains(&"a".repeat(64)) && message.body.contains(&"b".repeat(64)));
    }
}
