//! Which toolchain a build gets: the language's requirement (from go.mod, package.json, …)
//! against the inventory's entries for the tool and the build's target.

use crate::error::CoreError;
use crate::print;
use kiln_inventory::{Artifact, Inventory, InventoryOrigin, Tool, INVENTORY_ENV};
use libcnb::{Env, Target};
use serde::de::DeserializeOwned;
use std::fmt;
use std::path::Path;

/// A toolchain a buildpack installs from an inventory.
#[derive(Clone, Copy, Debug)]
pub struct Toolchain {
    /// Whose inventory entries it takes: `Tool::main("go")`. Its name is also the directory
    /// the toolchain layer installs it in.
    pub tool: Tool,
    /// How messages name it: `Go`, `Node.js`.
    pub title: &'static str,
    /// The buildpack's own inventory (TOML), used unless `KILN_INVENTORY` names another.
    pub embedded_inventory: &'static str,
    pub contents: ArchiveContents,
}

/// Which files of the toolchain's archive are installed.
#[derive(Clone, Copy, Debug)]
pub struct ArchiveContents {
    /// Names the rule [`Self::keep`] applies; stored in the layer's metadata, so a layer
    /// installed under another rule is replaced: change it whenever the rule changes.
    pub rule: &'static str,
    /// Whether the archive entry at this path (as the archive spells it) is installed.
    pub keep: fn(&Path) -> bool,
    /// What the rule leaves out, for the log: "left out the tests and docs".
    pub left_out: &'static str,
}

/// What the source asks of the toolchain's version; each language supplies its own.
pub trait Requirement<V>: fmt::Display {
    fn accepts(&self, version: &V) -> bool;

    /// What the user changes to ask for another version, completing "…, or set
    /// `KILN_INVENTORY` to an inventory that has this one": e.g. "Change the `go` line of go.mod
    /// to a supported version".
    fn how_to_change(&self) -> String;
}

/// No entry of the inventory satisfies the requirement.
#[derive(Debug, thiserror::Error)]
#[error("{requirement} is not in {origin} for {os}/{arch}. Supported versions: {}", supported_list(.supported))]
pub struct UnsupportedVersion {
    pub title: &'static str,
    pub requirement: String,
    pub how_to_change: String,
    pub origin: InventoryOrigin,
    pub os: String,
    pub arch: String,
    /// Newest first.
    pub supported: Vec<String>,
}

pub(crate) fn supported_list(versions: &[String]) -> String {
    if versions.is_empty() {
        "none".to_string()
    } else {
        versions.join(", ")
    }
}

/// The newest artifact of `inventory` that satisfies `requirement` for `os`/`arch`.
pub fn resolve<'a, V: Ord + fmt::Display, R: Requirement<V>>(
    toolchain: &Toolchain,
    requirement: &R,
    inventory: &'a Inventory<V>,
    origin: &InventoryOrigin,
    os: &str,
    arch: &str,
) -> Result<&'a Artifact<V>, Box<UnsupportedVersion>> {
    inventory.resolve(os, arch, |version| requirement.accepts(version)).ok_or_else(|| {
        Box::new(UnsupportedVersion {
            title: toolchain.title,
            requirement: requirement.to_string(),
            how_to_change: requirement.how_to_change(),
            origin: origin.clone(),
            os: os.to_string(),
            arch: arch.to_string(),
            supported: inventory.versions(os, arch).into_iter().map(ToString::to_string).collect(),
        })
    })
}

/// Loads the toolchain's inventory (`KILN_INVENTORY` from `platform_env`, else the embedded
/// one), picks the artifact for `requirement` and `target`, and logs the choice.
pub fn resolve_toolchain<V, R>(
    toolchain: &Toolchain,
    requirement: &R,
    platform_env: &Env,
    target: &Target,
) -> Result<Artifact<V>, CoreError>
where
    V: DeserializeOwned + Ord + Clone + fmt::Display,
    R: Requirement<V>,
{
    let override_location = platform_env.get_string_lossy(INVENTORY_ENV);
    let (inventory, origin) =
        kiln_inventory::load::<V>(override_location.as_deref(), toolchain.embedded_inventory, toolchain.tool)
            .map_err(|source| CoreError::Inventory { title: toolchain.title, source: Box::new(source) })?;
    let artifact = resolve(toolchain, requirement, &inventory, &origin, &target.os, &target.arch)?;
    print::sub_bullet(format!("{requirement} resolves to {} {} in {origin}", toolchain.title, artifact.version));
    Ok(artifact.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct AtLeast(u32);

    impl fmt::Display for AtLeast {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "Tool {} or newer", self.0)
        }
    }

    impl Requirement<u32> for AtLeast {
        fn accepts(&self, version: &u32) -> bool {
            *version >= self.0
        }

        fn how_to_change(&self) -> String {
            "Lower the minimum".to_string()
        }
    }

    const TOOLCHAIN: Toolchain = Toolchain {
        tool: Tool::main("tool"),
        title: "Tool",
        embedded_inventory: "",
        contents: ArchiveContents { rule: "all", keep: |_| true, left_out: "nothing" },
    };

    fn inventory() -> Inventory<u32> {
        let entry = |version: u32| {
            format!("[[artifacts]]\nversion = {version}\nos = \"linux\"\narch = \"amd64\"\nurl = \"file:///t{version}\"\nchecksum = \"sha256:{}\"\n", "0".repeat(64))
        };
        Inventory::from_toml(&format!("{}{}", entry(3), entry(5)), TOOLCHAIN.tool).expect("valid")
    }

    #[test]
    fn picks_the_newest_accepted_version() {
        let inventory = inventory();
        let origin = InventoryOrigin::Embedded;
        let artifact = resolve(&TOOLCHAIN, &AtLeast(2), &inventory, &origin, "linux", "amd64").expect("found");
        assert_eq!(artifact.version, 5);
    }

    #[test]
    fn an_unsupported_version_lists_what_the_inventory_has() {
        let inventory = inventory();
        let origin = InventoryOrigin::Embedded;
        let error = resolve(&TOOLCHAIN, &AtLeast(9), &inventory, &origin, "linux", "amd64").expect_err("none");
        assert_eq!(
            error.to_string(),
            "Tool 9 or newer is not in the buildpack's embedded inventory for linux/amd64. Supported versions: 5, 3"
        );
        let other_arch = resolve(&TOOLCHAIN, &AtLeast(1), &inventory, &origin, "linux", "arm64").expect_err("none");
        assert!(other_arch.to_string().ends_with("Supported versions: none"), "{other_arch}");
    }
}
