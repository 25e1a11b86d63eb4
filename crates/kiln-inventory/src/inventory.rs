//! The inventory schema, which entries belong to which tool, and version selection.

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

/// The tool whose entries a buildpack reads from an inventory that may list several
/// (`name = "go"`, `name = "node"`, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tool {
    /// The `name` its entries carry: `go`, `node`, `python`, `uv`, `rust`.
    pub name: &'static str,
    /// Whether it is the reading buildpack's main tool, which also owns the entries without a
    /// `name` (inventories written before there were names, and one-tool mirrors).
    pub main: bool,
}

impl Tool {
    /// The buildpack's main tool: its own entries and the unnamed ones.
    #[must_use]
    pub const fn main(name: &'static str) -> Self {
        Self { name, main: true }
    }

    /// A further tool of the buildpack (uv beside python): only the entries naming it.
    #[must_use]
    pub const fn secondary(name: &'static str) -> Self {
        Self { name, main: false }
    }

    fn owns(self, entry_name: Option<&str>) -> bool {
        entry_name.map_or(self.main, |name| name == self.name)
    }
}

/// Every artifact a buildpack may install. `V` is the language's own version type, whose
/// ordering decides which artifact is newest.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory<V> {
    pub artifacts: Vec<Artifact<V>>,
}

/// An entry as the file holds it: the version stays unparsed until the entry is known to be
/// the reader's, since another tool's versions are spelled its own way (`22.11.0`, `go1.26.8`).
#[derive(Deserialize)]
struct Entry {
    name: Option<String>,
    version: toml::Value,
    os: String,
    arch: String,
    url: String,
    checksum: Sha256Checksum,
}

#[derive(Deserialize)]
struct Entries {
    #[serde(default)]
    artifacts: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("the inventory is not valid TOML of the kiln schema ([[artifacts]] with an optional name, version, os, arch, url and checksum = \"sha256:<hex>\"): {0}")]
    Schema(#[from] toml::de::Error),
    #[error("the {tool} entry for {url} has an invalid version: {source}")]
    Version {
        tool: &'static str,
        url: String,
        #[source]
        source: Box<toml::de::Error>,
    },
}

impl<V: DeserializeOwned> Inventory<V> {
    /// Parses inventory TOML and keeps the entries of `tool`.
    ///
    /// # Errors
    /// When the text is not TOML of the schema, a checksum does not parse, or a version of one
    /// of `tool`'s entries does not parse as `V`.
    pub fn from_toml(text: &str, tool: Tool) -> Result<Self, ParseError> {
        let entries: Entries = toml::from_str(text)?;
        let artifacts = entries
            .artifacts
            .into_iter()
            .filter(|entry| tool.owns(entry.name.as_deref()))
            .map(|entry| {
                let version = entry.version.try_into().map_err(|source| ParseError::Version {
                    tool: tool.name,
                    url: entry.url.clone(),
                    source: Box::new(source),
                })?;
                Ok(Artifact { version, os: entry.os, arch: entry.arch, url: entry.url, checksum: entry.checksum })
            })
            .collect::<Result<_, ParseError>>()?;
        Ok(Self { artifacts })
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

    const MAIN: Tool = Tool::main("numbers");

    fn inventory() -> Inventory<u32> {
        Inventory::from_toml(INVENTORY, MAIN).expect("valid inventory")
    }

    /// A Go mirror and a Node.js mirror in one file, as `KILN_INVENTORY` may name it.
    const GO_AND_NODE: &str = r#"
[[artifacts]]
name = "go"
version = "go1.26.8"
os = "linux"
arch = "amd64"
url = "http://mirror.internal/go/go1.26.8.linux-amd64.tar.gz"
checksum = "sha256:0000000000000000000000000000000000000000000000000000000000000001"

[[artifacts]]
name = "node"
version = "22.11.0"
os = "linux"
arch = "amd64"
url = "http://mirror.internal/node/node-v22.11.0-linux-x64.tar.xz"
checksum = "sha256:0000000000000000000000000000000000000000000000000000000000000002"

[[artifacts]]
version = "go1.27.2"
os = "linux"
arch = "amd64"
url = "http://mirror.internal/go/go1.27.2.linux-amd64.tar.gz"
checksum = "sha256:0000000000000000000000000000000000000000000000000000000000000003"
"#;

    fn urls<V>(inventory: &Inventory<V>) -> Vec<&str> {
        inventory.artifacts.iter().map(|artifact| artifact.url.as_str()).collect()
    }

    #[test]
    fn a_buildpack_reads_only_its_own_tools_entries_and_the_unnamed_ones_if_main() {
        let go = Inventory::<String>::from_toml(GO_AND_NODE, Tool::main("go")).expect("the Go entries parse");
        assert_eq!(
            urls(&go),
            [
                "http://mirror.internal/go/go1.26.8.linux-amd64.tar.gz",
                "http://mirror.internal/go/go1.27.2.linux-amd64.tar.gz"
            ]
        );
        assert!(go.artifacts.iter().all(|artifact| artifact.version.starts_with("go")));
        let node = Inventory::<String>::from_toml(GO_AND_NODE, Tool::secondary("node")).expect("node parses");
        assert_eq!(urls(&node), ["http://mirror.internal/node/node-v22.11.0-linux-x64.tar.xz"]);
        let uv = Inventory::<String>::from_toml(GO_AND_NODE, Tool::secondary("uv")).expect("no uv entries");
        assert!(uv.artifacts.is_empty());
    }

    #[test]
    fn another_tools_versions_are_never_parsed() {
        // u32 versions: the go entries' strings would fail to parse, the node one is skipped.
        let numbered = GO_AND_NODE.replace("version = \"22.11.0\"", "version = 22");
        let node = Inventory::<u32>::from_toml(&numbered, Tool::secondary("node")).expect("only node is parsed");
        assert_eq!(node.artifacts[0].version, 22);
        let error = Inventory::<u32>::from_toml(&numbered, Tool::main("go")).expect_err("go versions are strings");
        assert!(error.to_string().contains("go1.26.8.linux-amd64.tar.gz"), "{error}");
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
        let error = Inventory::<u32>::from_toml(&broken, MAIN).expect_err("bad checksum must fail");
        assert!(error.to_string().contains("sha256:"));
    }
}
