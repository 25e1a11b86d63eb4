//! Which Go a module gets: the `toolchain` line if present, else the newest Go in the
//! inventory that satisfies the `go` line as a minimum.

use crate::go_dist_contents::{needed_by_builds, CONTENTS};
use crate::go_mod::GoMod;
use crate::go_version::GoVersion;
use kiln_buildpack::{ArchiveContents, Toolchain};
use kiln_inventory::Tool;
use std::fmt;
use std::sync::LazyLock;

/// The official Go archives this buildpack knows, with their sha256.
const EMBEDDED_INVENTORY: &str = include_str!("../inventory.toml");

/// Go as the buildpack installs it: the inventory's `go` entries (and its unnamed ones), minus
/// what no build reads.
pub(crate) const GO: Toolchain = Toolchain {
    tool: Tool::main("go"),
    title: "Go",
    embedded_inventory: EMBEDDED_INVENTORY,
    contents: ArchiveContents {
        rule: CONTENTS,
        keep: needed_by_builds,
        left_out: "left out the tests, docs and tools that builds do not use",
    },
};

/// Go's own default for a go.mod without a `go` line.
static IMPLIED_MINIMUM: LazyLock<GoVersion> = LazyLock::new(|| "1.16".parse().expect("a valid constant version"));

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Requirement {
    /// From the `toolchain` line.
    Exactly(GoVersion),
    /// From the `go` line.
    AtLeast(GoVersion),
}

impl Requirement {
    pub(crate) fn of(go_mod: &GoMod) -> Self {
        let minimum = go_mod.go.clone().unwrap_or_else(|| IMPLIED_MINIMUM.clone());
        match &go_mod.toolchain {
            // Go ignores a toolchain line older than the go line, and so do we.
            Some(toolchain) if *toolchain >= minimum => Self::Exactly(toolchain.clone()),
            _ => Self::AtLeast(minimum),
        }
    }
}

impl kiln_buildpack::Requirement<GoVersion> for Requirement {
    fn accepts(&self, version: &GoVersion) -> bool {
        match self {
            Self::Exactly(wanted) => version == wanted,
            Self::AtLeast(minimum) => version >= minimum && (!version.is_prerelease() || minimum.is_prerelease()),
        }
    }

    fn how_to_change(&self) -> String {
        "Change the `go` (or `toolchain`) line of go.mod to a supported version".to_string()
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exactly(version) => write!(f, "Go {version} (go.mod `toolchain` line)"),
            Self::AtLeast(minimum) => write!(f, "Go {minimum} or newer (go.mod `go` line)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_buildpack::{resolve, UnsupportedVersion};
    use kiln_inventory::{Inventory, InventoryOrigin};

    fn version(text: &str) -> GoVersion {
        text.parse().expect("valid version")
    }

    fn go_mod(go: Option<&str>, toolchain: Option<&str>) -> GoMod {
        GoMod { go: go.map(version), toolchain: toolchain.map(version), ..GoMod::default() }
    }

    fn inventory(versions: &[&str]) -> Inventory<GoVersion> {
        let artifacts: Vec<String> = versions
            .iter()
            .map(|v| {
                format!(
                    "[[artifacts]]\nversion = \"go{v}\"\nos = \"linux\"\narch = \"amd64\"\nurl = \"https://go.dev/dl/go{v}.linux-amd64.tar.gz\"\nchecksum = \"sha256:{}\"\n",
                    "0".repeat(64)
                )
            })
            .collect();
        Inventory::from_toml(&artifacts.join("\n"), GO.tool).expect("valid inventory")
    }

    fn resolved(go_mod: &GoMod, versions: &[&str]) -> Result<GoVersion, Box<UnsupportedVersion>> {
        let inventory = inventory(versions);
        resolve(&GO, &Requirement::of(go_mod), &inventory, &InventoryOrigin::Embedded, "linux", "amd64")
            .map(|artifact| artifact.version.clone())
    }

    const VERSIONS: &[&str] = &["1.26.8", "1.26.9", "1.27.1", "1.27.2", "1.28rc1"];

    #[test]
    fn the_go_line_picks_the_newest_release_at_or_above_it() {
        assert_eq!(resolved(&go_mod(Some("1.26"), None), VERSIONS).expect("found"), version("1.27.2"));
        assert_eq!(resolved(&go_mod(Some("1.27.2"), None), VERSIONS).expect("found"), version("1.27.2"));
    }

    #[test]
    fn a_prerelease_minimum_may_pick_prereleases() {
        assert_eq!(resolved(&go_mod(Some("1.28rc1"), None), VERSIONS).expect("found"), version("1.28rc1"));
    }

    #[test]
    fn the_toolchain_line_picks_exactly_its_version() {
        assert_eq!(resolved(&go_mod(Some("1.26"), Some("go1.26.8")), VERSIONS).expect("found"), version("1.26.8"));
    }

    #[test]
    fn a_toolchain_older_than_the_go_line_is_ignored() {
        assert_eq!(Requirement::of(&go_mod(Some("1.27.1"), Some("1.26.8"))), Requirement::AtLeast(version("1.27.1")));
    }

    #[test]
    fn no_go_line_means_go_1_16() {
        assert_eq!(Requirement::of(&GoMod::default()), Requirement::AtLeast(version("1.16")));
    }

    #[test]
    fn an_unavailable_version_lists_the_supported_ones() {
        let error = resolved(&go_mod(Some("1.99"), None), VERSIONS).expect_err("1.99 is missing");
        assert_eq!(
            error.to_string(),
            "Go 1.99 or newer (go.mod `go` line) is not in the buildpack's embedded inventory for linux/amd64. \
             Supported versions: 1.28rc1, 1.27.2, 1.27.1, 1.26.9, 1.26.8"
        );
        assert!(resolved(&go_mod(Some("1.26"), Some("1.26.7")), VERSIONS).is_err());
    }

    #[test]
    fn the_embedded_inventory_offers_official_archives_for_the_fixtures() {
        let (inventory, origin) =
            kiln_inventory::load::<GoVersion>(None, EMBEDDED_INVENTORY, GO.tool).expect("embedded inventory parses");
        assert!(inventory
            .artifacts
            .iter()
            .all(|artifact| artifact.url == format!("https://go.dev/dl/go{}.linux-amd64.tar.gz", artifact.version)));
        let artifact = resolve(&GO, &Requirement::AtLeast(version("1.26")), &inventory, &origin, "linux", "amd64")
            .expect("the fixtures' go 1.26 resolves");
        assert_eq!(artifact.version, version("1.27.2"));
    }

    #[test]
    fn a_shared_inventory_gives_go_its_own_and_the_unnamed_entries() {
        let checksum = format!("sha256:{}", "0".repeat(64));
        let entry = |name: &str, version: &str| {
            format!("[[artifacts]]\n{name}version = \"{version}\"\nos = \"linux\"\narch = \"amd64\"\nurl = \"http://127.0.0.1:9/{version}\"\nchecksum = \"{checksum}\"\n")
        };
        let shared =
            [entry("name = \"go\"\n", "go1.26.8"), entry("name = \"node\"\n", "22.11.0"), entry("", "go1.27.2")];
        let inventory =
            Inventory::<GoVersion>::from_toml(&shared.join("\n"), GO.tool).expect("Node's entry is not parsed");
        let versions: Vec<String> = inventory.artifacts.iter().map(|artifact| artifact.version.to_string()).collect();
        assert_eq!(versions, ["1.26.8", "1.27.2"]);
    }
}
