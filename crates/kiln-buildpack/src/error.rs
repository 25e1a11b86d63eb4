//! The core's failures and the messages they become: inventories, toolchain versions and
//! downloads, cache layers and the keep setting.

use crate::keep_files::KeepError;
use crate::toolchain::{supported_list, UnsupportedVersion};
use kiln_download::DownloadError;
use kiln_error::{ErrorKind, ErrorMessage};
use kiln_inventory::{LoadError, INVENTORY_ENV};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("cannot load the {title} inventory: {source}")]
    Inventory {
        title: &'static str,
        #[source]
        source: Box<LoadError>,
    },
    #[error(transparent)]
    UnsupportedVersion(#[from] Box<UnsupportedVersion>),
    #[error("cannot install {title}: {source}")]
    Download {
        title: &'static str,
        #[source]
        source: Box<DownloadError>,
    },
    #[error("{name} is `{value}`; it must be {expected}")]
    InvalidSetting { name: &'static str, value: String, expected: &'static str },
    #[error("cannot measure the cache in {}: {source}", path.display())]
    CacheSize {
        path: PathBuf,
        #[source]
        source: walkdir::Error,
    },
    #[error("cannot restore the file times of the cache in {}: {source}", path.display())]
    CacheTimes {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Keep(#[from] KeepError),
}

impl CoreError {
    #[must_use]
    pub fn message(self) -> ErrorMessage {
        let message =
            |kind, header: String, body: String, advice: String| ErrorMessage::new(kind, header, body, advice);
        match self {
            Self::Inventory { title, source } => message(
                ErrorKind::InvalidInventory,
                format!("Cannot load the {title} inventory"),
                source.to_string(),
                format!("Point {INVENTORY_ENV} at a readable inventory file (path, file:// or http(s):// URL), or unset it to use the embedded inventory."),
            ),
            Self::UnsupportedVersion(error) => message(
                ErrorKind::UnsupportedVersion,
                format!("{} is not available", error.requirement),
                format!(
                    "{} has no such {} for {}/{}.\nSupported versions: {}.",
                    error.origin,
                    error.title,
                    error.os,
                    error.arch,
                    supported_list(&error.supported)
                ),
                format!("{}, or set {INVENTORY_ENV} to an inventory that has this one.", error.how_to_change),
            ),
            Self::Download { title, source } => match *source {
                DownloadError::ChecksumMismatch { location, expected, actual } => message(
                    ErrorKind::ChecksumMismatch,
                    format!("The {title} download does not match its checksum"),
                    format!("{location}\nexpected {expected}\nactual   {actual}\nThe build stopped and nothing was installed."),
                    "The file differs from the one the inventory lists: check the mirror that serves it, or correct the inventory's checksum if the file is the official one.".to_string(),
                ),
                source => message(
                    source.kind(),
                    format!("Cannot install {title}"),
                    source.to_string(),
                    format!("Check that the inventory's URL is reachable from the build, or set {INVENTORY_ENV} to a reachable mirror."),
                ),
            },
            Self::InvalidSetting { name, .. } => message(
                ErrorKind::InvalidArgument,
                format!("{name} has a value kiln cannot use"),
                self.to_string(),
                format!("Correct {name} (`--env {name}=…` or project.toml), or unset it for the default."),
            ),
            Self::CacheSize { .. } | Self::CacheTimes { .. } => message(
                ErrorKind::CacheFailed,
                "Cannot use the build cache".to_string(),
                self.to_string(),
                "Clear the build cache and build again.".to_string(),
            ),
            Self::Keep(error @ KeepError::Pattern { .. }) => message(
                ErrorKind::InvalidArgument,
                format!("{} has a pattern kiln cannot use", crate::KEEP_FILES_ENV),
                error.to_string(),
                format!(
                    "Write {} as glob patterns relative to the source root, separated by `:`, e.g. `static/*:config.yaml`.",
                    crate::KEEP_FILES_ENV
                ),
            ),
            // The app directory is the source as kiln or pack copied it, modes included: what
            // cannot be listed or removed there is a permission of the source.
            Self::Keep(error @ KeepError::Remove { .. }) => message(
                ErrorKind::InvalidSource,
                "Cannot remove the source from the image".to_string(),
                error.to_string(),
                "Make every directory of the source readable and writable by its owner (`chmod -R u+rwX`) and build again.".to_string(),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_inventory::InventoryOrigin;

    #[test]
    fn a_checksum_mismatch_says_nothing_was_installed() {
        let checksum = |digit: &str| format!("sha256:{}", digit.repeat(64)).parse().expect("valid checksum");
        let message = CoreError::Download {
            title: "Go",
            source: Box::new(DownloadError::ChecksumMismatch {
                location: "http://127.0.0.1:9/go1.26.8.linux-amd64.tar.gz".to_string(),
                expected: checksum("a"),
                actual: checksum("b"),
            }),
        }
        .message();
        assert_eq!(message.kind, ErrorKind::ChecksumMismatch);
        assert_eq!(message.header, "The Go download does not match its checksum");
        assert!(message.body.contains("nothing was installed"), "{}", message.body);
        assert!(message.body.contains(&"a".repeat(64)) && message.body.contains(&"b".repeat(64)));
    }

    #[test]
    fn inventory_and_download_failures_have_their_kinds() {
        let missing =
            kiln_inventory::load::<u32>(Some("/nonexistent/inventory.toml"), "", kiln_inventory::Tool::main("go"));
        let unreadable = CoreError::Inventory { title: "Go", source: Box::new(missing.expect_err("missing")) };
        assert_eq!(unreadable.message().kind, ErrorKind::InvalidInventory);
        let unreachable = CoreError::Download {
            title: "Go",
            source: Box::new(kiln_download::open("/nonexistent/go.tar.gz").err().expect("missing")),
        };
        assert_eq!(unreachable.message().kind, ErrorKind::DownloadFailed);
    }

    #[test]
    fn a_source_directory_the_build_cannot_list_is_the_sources_problem() {
        let unreadable =
            KeepError::Remove { path: PathBuf::from("/workspace/secret"), source: std::io::Error::other("denied") };
        let message = CoreError::Keep(unreadable).message();
        assert_eq!(message.kind, ErrorKind::InvalidSource);
        assert!(message.body.contains("/workspace/secret"), "{}", message.body);
    }

    #[test]
    fn an_unsupported_version_lists_the_supported_ones_and_how_to_change() {
        let message = CoreError::UnsupportedVersion(Box::new(UnsupportedVersion {
            title: "Go",
            requirement: "Go 1.99 or newer (go.mod `go` line)".to_string(),
            how_to_change: "Change the `go` line of go.mod to a supported version".to_string(),
            origin: InventoryOrigin::Embedded,
            os: "linux".to_string(),
            arch: "amd64".to_string(),
            supported: vec!["1.27.2".to_string(), "1.26.8".to_string()],
        }))
        .message();
        assert_eq!(message.kind, ErrorKind::UnsupportedVersion);
        assert_eq!(message.header, "Go 1.99 or newer (go.mod `go` line) is not available");
        assert!(message.body.ends_with("Supported versions: 1.27.2, 1.26.8."), "{}", message.body);
        assert!(message.advice.starts_with("Change the `go` line"), "{}", message.advice);
    }
}
