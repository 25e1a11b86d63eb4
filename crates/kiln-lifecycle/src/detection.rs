//! What each buildpack of a builder looks for, so that "no buildpack detected" can tell the
//! user what to add. Read from the builder's own files: `/cnb/order.toml` and each buildpack's
//! `buildpack.toml` (`[metadata.kiln] detects`, falling back to the buildpack's name). The
//! buildpack's own account of this source, when there is one, is added as its `reason`.

use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectionHint {
    pub buildpack: String,
    pub looks_for: String,
    /// What the buildpack's detect step printed about this source, if anything: more to the
    /// point than `looks_for`, which is the same for every source.
    pub reason: Option<String>,
}

#[derive(Deserialize)]
struct OrderToml {
    #[serde(default)]
    order: Vec<Group>,
}

#[derive(Deserialize)]
struct Group {
    #[serde(default)]
    group: Vec<GroupEntry>,
}

#[derive(Deserialize)]
struct GroupEntry {
    id: String,
    #[serde(default)]
    version: String,
}

#[derive(Deserialize, Default)]
struct BuildpackToml {
    #[serde(default)]
    buildpack: BuildpackInfo,
    #[serde(default)]
    metadata: Metadata,
}

#[derive(Deserialize, Default)]
struct BuildpackInfo {
    name: Option<String>,
}

#[derive(Deserialize, Default)]
struct Metadata {
    #[serde(default)]
    kiln: KilnMetadata,
}

#[derive(Deserialize, Default)]
struct KilnMetadata {
    detects: Option<String>,
}

/// The hints for every buildpack in the builder's order, in order, each listed once. A builder
/// whose files can't be read gives no hints: the error message then goes without them.
#[must_use]
pub fn detection_hints(builder_rootfs: &Path) -> Vec<DetectionHint> {
    let Ok(text) = std::fs::read_to_string(builder_rootfs.join("cnb/order.toml")) else {
        return Vec::new();
    };
    let Ok(order) = toml::from_str::<OrderToml>(&text) else {
        return Vec::new();
    };
    let mut hints: Vec<DetectionHint> = Vec::new();
    for entry in order.order.into_iter().flat_map(|group| group.group) {
        if hints.iter().any(|hint| hint.buildpack == entry.id) {
            continue;
        }
        let descriptor = builder_rootfs
            .join("cnb/buildpacks")
            .join(entry.id.replace('/', "_"))
            .join(&entry.version)
            .join("buildpack.toml");
        let buildpack: BuildpackToml =
            std::fs::read_to_string(descriptor).ok().and_then(|text| toml::from_str(&text).ok()).unwrap_or_default();
        let looks_for = buildpack
            .metadata
            .kiln
            .detects
            .or(buildpack.buildpack.name)
            .unwrap_or_else(|| "(no description)".to_string());
        hints.push(DetectionHint { buildpack: entry.id, looks_for, reason: None });
    }
    hints
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_what_each_buildpack_in_the_order_looks_for() {
        let root = tempfile::tempdir().expect("temp dir");
        let cnb = root.path().join("cnb");
        std::fs::create_dir_all(cnb.join("buildpacks/kiln_go-function/0.1.0")).expect("dirs");
        std::fs::create_dir_all(cnb.join("buildpacks/other_bp/1.0.0")).expect("dirs");
        std::fs::write(
            cnb.join("order.toml"),
            "[[order]]\n[[order.group]]\nid = \"kiln/go-function\"\nversion = \"0.1.0\"\n\
             [[order]]\n[[order.group]]\nid = \"other/bp\"\nversion = \"1.0.0\"\n\
             [[order]]\n[[order.group]]\nid = \"kiln/go-function\"\nversion = \"0.1.0\"\n",
        )
        .expect("order");
        std::fs::write(
            cnb.join("buildpacks/kiln_go-function/0.1.0/buildpack.toml"),
            "api = \"0.10\"\n[buildpack]\nid = \"kiln/go-function\"\nversion = \"0.1.0\"\n\
             [metadata.kiln]\ndetects = \"go.mod with a main package\"\n",
        )
        .expect("go buildpack");
        std::fs::write(
            cnb.join("buildpacks/other_bp/1.0.0/buildpack.toml"),
            "api = \"0.10\"\n[buildpack]\nid = \"other/bp\"\nversion = \"1.0.0\"\nname = \"Other\"\n",
        )
        .expect("other buildpack");

        let hints = detection_hints(root.path());
        assert_eq!(
            hints,
            [
                DetectionHint {
                    buildpack: "kiln/go-function".into(),
                    looks_for: "go.mod with a main package".into(),
                    reason: None,
                },
                DetectionHint { buildpack: "other/bp".into(), looks_for: "Other".into(), reason: None },
            ]
        );
    }

    #[test]
    fn no_order_no_hints() {
        let root = tempfile::tempdir().expect("temp dir");
        assert!(detection_hints(root.path()).is_empty());
    }
}
