//! Choosing between the embedded inventory and the one `KILN_INVENTORY` names.

use crate::{Inventory, ParseError, Tool};
use serde::de::DeserializeOwned;
use std::fmt;
use std::io::Read;

/// The build env variable that replaces a buildpack's embedded inventory.
pub const INVENTORY_ENV: &str = "KILN_INVENTORY";

/// Where the inventory in use came from, for messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InventoryOrigin {
    Embedded,
    /// The location `KILN_INVENTORY` named.
    Override(String),
}

impl fmt::Display for InventoryOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Embedded => f.write_str("the buildpack's embedded inventory"),
            Self::Override(location) => write!(f, "{location} (from {INVENTORY_ENV})"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the inventory that {INVENTORY_ENV} names: {0}")]
    Read(#[from] kiln_download::DownloadError),
    #[error("cannot read the inventory at {location}: {source}. Check that {INVENTORY_ENV} names a complete UTF-8 TOML file")]
    Stream {
        location: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: {source}")]
    Parse {
        origin: InventoryOrigin,
        #[source]
        source: ParseError,
    },
}

/// Loads `tool`'s entries of the inventory at `override_location` (the value of
/// `KILN_INVENTORY`: a path, `file://` or `http(s)://` URL) if there is one, else of `embedded`.
/// One override can thus serve the mirrors of several buildpacks' tools.
///
/// # Errors
/// When the override cannot be read, or the inventory in use does not parse.
pub fn load<V: DeserializeOwned>(
    override_location: Option<&str>,
    embedded: &str,
    tool: Tool,
) -> Result<(Inventory<V>, InventoryOrigin), LoadError> {
    let (text, origin) = match override_location {
        Some(location) => {
            let mut text = String::new();
            kiln_download::open(location)?
                .read_to_string(&mut text)
                .map_err(|source| LoadError::Stream { location: location.to_string(), source })?;
            (text, InventoryOrigin::Override(location.to_string()))
        }
        None => (embedded.to_string(), InventoryOrigin::Embedded),
    };
    match Inventory::from_toml(&text, tool) {
        Ok(inventory) => Ok((inventory, origin)),
        Err(source) => Err(LoadError::Parse { origin, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_download::testing::serve_once;

    const TOOL: Tool = Tool::main("numbers");

    fn inventory_with(version: u32) -> String {
        format!(
            r#"[[artifacts]]
version = {version}
os = "linux"
arch = "amd64"
url = "file:///mirror/v{version}.tar.gz"
checksum = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
"#
        )
    }

    fn only_version(inventory: &Inventory<u32>) -> u32 {
        assert_eq!(inventory.artifacts.len(), 1);
        inventory.artifacts[0].version
    }

    #[test]
    fn uses_the_embedded_inventory_without_an_override() {
        let (inventory, origin) = load::<u32>(None, &inventory_with(1), TOOL).expect("load");
        assert_eq!(only_version(&inventory), 1);
        assert_eq!(origin, InventoryOrigin::Embedded);
    }

    #[test]
    fn an_override_path_or_file_url_replaces_the_embedded_inventory() {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), inventory_with(2)).expect("write");
        let path = file.path().to_str().expect("utf-8 path");

        for location in [path.to_string(), format!("file://{path}")] {
            let (inventory, origin) = load::<u32>(Some(&location), &inventory_with(1), TOOL).expect("load");
            assert_eq!(only_version(&inventory), 2);
            assert_eq!(origin, InventoryOrigin::Override(location));
        }
    }

    #[test]
    fn an_override_url_is_fetched_over_http() {
        let url = serve_once(inventory_with(3).into_bytes());
        let (inventory, _) = load::<u32>(Some(&url), &inventory_with(1), TOOL).expect("load");
        assert_eq!(only_version(&inventory), 3);
    }

    #[test]
    fn a_missing_override_is_an_error_not_a_fallback() {
        let error = load::<u32>(Some("/nonexistent/inventory.toml"), &inventory_with(1), TOOL)
            .expect_err("a missing override must fail");
        assert!(error.to_string().contains("/nonexistent/inventory.toml"));
        assert!(error.to_string().contains(INVENTORY_ENV));
    }

    #[test]
    fn a_broken_override_names_its_origin() {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), "not = [toml").expect("write");
        let location = file.path().to_str().expect("utf-8 path");
        let error = load::<u32>(Some(location), &inventory_with(1), TOOL).expect_err("must fail");
        assert!(error.to_string().contains(location));
    }
}
