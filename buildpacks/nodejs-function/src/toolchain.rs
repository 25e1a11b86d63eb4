//! Which Node.js a build gets: `engines.node` of package.json, else `.nvmrc`, else
//! `.node-version`, else the newest LTS release in the inventory.

use crate::node_version::{InvalidRange, NodeVersion, VersionRange};
use crate::package_json::PackageJson;
use kiln_buildpack::{ArchiveContents, Toolchain};
use kiln_inventory::Tool;
use std::fmt;
use std::path::Path;

/// The official Node.js archives this buildpack knows, with their sha256.
const EMBEDDED_INVENTORY: &str = include_str!("../inventory.toml");

/// Node.js as builds use it: the whole distribution (npm, npx, the headers node-gyp compiles
/// addons against), minus the docs and man pages. The image gets only `bin/node` (see
/// `layers/node_runtime.rs`).
pub(crate) const NODE: Toolchain = Toolchain {
    tool: Tool::main("node"),
    title: "Node.js",
    embedded_inventory: EMBEDDED_INVENTORY,
    contents: ArchiveContents {
        rule: "no-docs-1",
        keep: needed_by_builds,
        left_out: "left out the docs and man pages",
    },
};

fn needed_by_builds(path: &Path) -> bool {
    let mut parts = path.components().skip(1);
    !matches!(parts.next().and_then(|part| part.as_os_str().to_str()), Some("share" | "CHANGELOG.md" | "README.md"))
}

/// The release lines nodejs.org marks LTS: without a requirement, a build gets the newest
/// release of these. Odd lines never are; an even line becomes LTS six months after its first
/// release (26 in October 2026), so this list changes with the inventory.
const LTS_LINES: [u64; 2] = [22, 24];

/// Where a requirement was written, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RequirementSource {
    Engines,
    Nvmrc,
    NodeVersionFile,
}

impl fmt::Display for RequirementSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Engines => "package.json `engines.node`",
            Self::Nvmrc => ".nvmrc",
            Self::NodeVersionFile => ".node-version",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Requirement {
    Range {
        text: String,
        range: VersionRange,
        source: RequirementSource,
    },
    /// No requirement, or `lts/*` in .nvmrc.
    NewestLts,
}

#[derive(Debug, thiserror::Error)]
#[error("{source_file} asks for Node.js `{text}`, which cannot be read: {reason}")]
pub(crate) struct RequirementError {
    source_file: RequirementSource,
    text: String,
    reason: InvalidRange,
}

impl Requirement {
    /// The requirement `app_dir` declares.
    pub(crate) fn of(app_dir: &Path, package: &PackageJson) -> Result<Self, RequirementError> {
        let read = |name: &str| std::fs::read_to_string(app_dir.join(name)).ok().map(|text| text.trim().to_string());
        let declared = package
            .engines
            .get("node")
            .map(|text| (text.trim().to_string(), RequirementSource::Engines))
            .or_else(|| read(".nvmrc").map(|text| (text, RequirementSource::Nvmrc)))
            .or_else(|| read(".node-version").map(|text| (text, RequirementSource::NodeVersionFile)));
        let Some((text, source)) = declared else {
            return Ok(Self::NewestLts);
        };
        // nvm's aliases: `lts/*` and `node` (the newest release).
        match text.as_str() {
            "lts/*" => return Ok(Self::NewestLts),
            "node" | "latest" | "current" | "stable" => {
                return Ok(Self::Range { text, range: "*".parse().expect("a valid constant range"), source });
            }
            _ => {}
        }
        let range =
            text.parse().map_err(|reason| RequirementError { source_file: source, text: text.clone(), reason })?;
        Ok(Self::Range { text, range, source })
    }
}

impl kiln_buildpack::Requirement<NodeVersion> for Requirement {
    fn accepts(&self, version: &NodeVersion) -> bool {
        match self {
            Self::Range { range, .. } => range.accepts(*version),
            Self::NewestLts => LTS_LINES.contains(&version.major),
        }
    }

    fn how_to_change(&self) -> String {
        match self {
            Self::Range { source, .. } => format!("Change {source} to a supported version"),
            Self::NewestLts => "Set `engines.node` in package.json to a supported version".to_string(),
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Range { text, source, .. } => write!(f, "Node.js `{text}` ({source})"),
            Self::NewestLts => write!(f, "the newest Node.js LTS (no engines.node, .nvmrc or .node-version)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_buildpack::resolve;
    use kiln_inventory::{Inventory, InventoryOrigin};

    fn requirement(files: &[(&str, &str)]) -> Result<Requirement, RequirementError> {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        Requirement::of(dir.path(), &PackageJson::read(dir.path()).expect("package.json"))
    }

    fn embedded() -> (Inventory<NodeVersion>, InventoryOrigin) {
        kiln_inventory::load(None, EMBEDDED_INVENTORY, NODE.tool).expect("the embedded inventory parses")
    }

    fn resolved(requirement: &Requirement) -> Result<String, String> {
        let (inventory, origin) = embedded();
        resolve(&NODE, requirement, &inventory, &origin, "linux", "amd64")
            .map(|artifact| artifact.version.to_string())
            .map_err(|error| error.to_string())
    }

    #[test]
    fn engines_win_over_nvmrc_and_node_version() {
        let all = [("package.json", r#"{"engines": {"node": "22.x"}}"#), (".nvmrc", "v26"), (".node-version", "24")];
        assert_eq!(resolved(&requirement(&all).expect("valid")), Ok("22.22.3".to_string()));
        assert_eq!(resolved(&requirement(&all[1..]).expect("valid")), Ok("26.3.0".to_string()));
        assert_eq!(resolved(&requirement(&all[2..]).expect("valid")), Ok("24.16.0".to_string()));
    }

    #[test]
    fn without_a_requirement_the_newest_lts_is_picked() {
        assert_eq!(requirement(&[]).expect("valid"), Requirement::NewestLts);
        assert_eq!(requirement(&[(".nvmrc", "lts/*\n")]).expect("valid"), Requirement::NewestLts);
        assert_eq!(resolved(&Requirement::NewestLts), Ok("24.16.0".to_string()));
        assert_eq!(resolved(&requirement(&[(".nvmrc", "node")]).expect("valid")), Ok("26.3.0".to_string()));
    }

    #[test]
    fn an_unsupported_version_lists_the_supported_ones() {
        let error = resolved(&requirement(&[("package.json", r#"{"engines": {"node": "^18"}}"#)]).expect("valid"))
            .expect_err("18 is not offered");
        assert_eq!(
            error,
            "Node.js `^18` (package.json `engines.node`) is not in the buildpack's embedded inventory for linux/amd64. \
             Supported versions: 26.3.0, 24.16.0, 22.22.3"
        );
        let unreadable = requirement(&[(".node-version", "lts/hydrogen")]).expect_err("not a range");
        assert!(unreadable.to_string().starts_with(".node-version asks for Node.js `lts/hydrogen`"), "{unreadable}");
    }

    #[test]
    fn the_embedded_inventory_lists_official_archives() {
        let (inventory, _) = embedded();
        assert!(inventory.artifacts.iter().all(|artifact| artifact.url
            == format!("https://nodejs.org/download/release/v{0}/node-v{0}-linux-x64.tar.gz", artifact.version)));
        assert!(needed_by_builds(Path::new("node-v24.16.0-linux-x64/include/node/node.h")));
        assert!(!needed_by_builds(Path::new("node-v24.16.0-linux-x64/share/man/man1/node.1")));
    }
}
