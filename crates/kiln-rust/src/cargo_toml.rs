//! The source's Cargo.toml, read once by either Rust buildpack before anything is built.

use kiln_error::{ErrorKind, ErrorMessage};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("{}: {cause}", path.display())]
pub struct CargoTomlError {
    path: PathBuf,
    cause: String,
}

impl CargoTomlError {
    #[must_use]
    pub fn message(&self) -> ErrorMessage {
        ErrorMessage::new(
            ErrorKind::InvalidSource,
            "Cannot use Cargo.toml",
            self.to_string(),
            "Fix Cargo.toml: `cargo metadata` shows what cargo thinks of it.",
        )
    }
}

/// The Cargo.toml at the root of the source in `app_dir`.
pub fn read_cargo_toml(app_dir: &Path) -> Result<toml::Table, CargoTomlError> {
    let path = app_dir.join("Cargo.toml");
    let cargo_error = |cause: String| CargoTomlError { path: path.clone(), cause };
    let text = std::fs::read_to_string(&path).map_err(|error| cargo_error(error.to_string()))?;
    toml::from_str(&text).map_err(|error| cargo_error(error.to_string()))
}
