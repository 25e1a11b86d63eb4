//! The inventory schema and version selection.

use kiln_download::Sha256Checksum;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// One downloadable toolchain archive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Artifact<V> {
    pub version: V,
    /// As in CNB targets: `linux`.
    pub os: String,
    /// As in CNB targets: `amd64`, `arm64`.
    pub arch: String,
    pub url: String,
    pub checksum: Sha256Checksum,
}

impl<V> Artifact<V> {
    fn is_for(&self, os: &str, arch: &str) -> bool {
        self.os == os && self.arch == arch
    }
}

/// Every artifact a buildpack may install. `V` is the language's own version type, whose
/// ordering decides which artifact is newest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory<V> {
    pub artifacts: Vec<Artifact<V>>,
}

#[derive(Debug, thiserror::Error)]
#[error("the inventory is not valid TOML of the kiln schema ([[artifacts]] with version, os, arch, url and checksum = \"sha256:<hex>\"): {0}")]
pub struct ParseError(#[from] toml::de::Error);

impl<V: DeserializeOwned> Inventory<V> {
    /// Parses inventory TOML.
    ///
    /// # Errors
    /// When the text is not TOML of the schema, or a version or checksum does not parse.
    pub fn from_toml(text: &str) -> Result<Self, ParseError> {
        Ok(toml::from_str(text)?)
    }
}

impl<V: Ord> Inventory<V> {
    /// The newest artifact for `os`/`arch` whose version `accepts` takes.
    pub fn resolve(&self, os: &str, arch: &str, accepts: impl Fn(&V) -> bool) -> Option<&Artifact<V>> {
        self.artifacts
            .iter()
            .filter(|artifact| artifact.is_for(os, arch) && accepts(&artifact.version))
            .max_by(|a, b| a.version.cmp(&b.version))
    }

    /// The versions available for `os`/`arch`, newest first, for messages that list them.
    #[must_use]
    pub fn versions(&self, os: &str, arch: &str) -> Vec<&V> {
        let mut versions: Vec<&V> = self
            .artifacts
            .iter()
            .filter(|artifact| artifact.is_for(os, arch))
            .map(|artifact| &artifact.version)
            .collect();
        versions.sort_unstable_by(|a, b| b.cmp(a));
        versions.dedup();
        versions
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVENTORY: &str = r#"
[[artifacts]]
version = 3
os = "linux"
arch = "amd64"
url = "https://example.invalid/v3-amd64.tar.gz"
checksum = "sha256:0000000000000000000000000000000000000000000000000000000000000003"

[[artifacts]]
version = 9
os = "linux"
arch = "arm64"
url = "https://example.invalid/v9-arm64.tar.gz"
checksum = "sha256:0000000000000000000000000000000000000000000000000000000000000009"

[[artifacts]]
version = 5
os = "linux"
arch = "amd64"
url = "https://example.invalid/v5-amd64.tar.gz"
checksum = "sha256:0000000000000000000000000000000000000000000000000000000000000005"
"#;

    fn inventory() -> Inventory<u32> {
        Inventory::from_toml(INVENTORY).expect("valid inventory")
    }

    #[test]
    fn resolves_the_newest_accepted_version_for_the_target() {
        let inventory = inventory();
        let artifact = inventory.resolve("linux", "amd64", |_| true).expect("an amd64 artifact");
        assert_eq!(artifact.version, 5);
        assert_eq!(artifact.url, "https://example.invalid/v5-amd64.tar.gz");
    }

    #[test]
    fn honours_the_requirement() {
        let inventory = inventory();
        let artifact = inventory.resolve("linux", "amd64", |version| *version < 5);
        assert_eq!(artifact.map(|artifact| artifact.version), Some(3));
        assert!(inventory.resolve("linux", "amd64", |version| *version > 5).is_none());
    }

    #[test]
    fn lists_the_target_versions_newest_first() {
        assert_eq!(inventory().versions("linux", "amd64"), vec![&5, &3]);
    }

    #[test]
    fn rejects_a_malformed_checksum() {
        let broken =
            INVENTORY.replace("sha256:0000000000000000000000000000000000000000000000000000000000000005", "md5:5");
        let error = Inventory::<u32>::from_toml(&broken).expect_err("bad checksum must fail");
        assert!(error.to_string().contains("sha256:"));
    }
}
