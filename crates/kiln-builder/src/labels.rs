//! The builder's labels and `/cnb/*.toml` files, in the JSON and TOML shapes pack writes and
//! `pack builder inspect` and the lifecycle read.

use crate::config::RunImage;
use crate::descriptor::{Buildpack, ModuleInfo, OrderEntry, Stack, Target};
use crate::lifecycle::{Apis, LifecycleDescriptor};
use serde::Serialize;
use std::collections::BTreeMap;

pub const BUILDER_METADATA_LABEL: &str = "io.buildpacks.builder.metadata";
pub const BUILDPACK_LAYERS_LABEL: &str = "io.buildpacks.buildpack.layers";
pub const BUILDPACK_ORDER_LABEL: &str = "io.buildpacks.buildpack.order";
pub const EXTENSION_LAYERS_LABEL: &str = "io.buildpacks.extension.layers";
pub const EXTENSION_ORDER_LABEL: &str = "io.buildpacks.buildpack.order-extensions";
pub const MIXINS_LABEL: &str = "io.buildpacks.stack.mixins";

/// `io.buildpacks.builder.metadata`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuilderMetadata {
    pub description: String,
    pub buildpacks: Vec<ModuleInfo>,
    /// kiln adds no image extensions; pack writes `null` then.
    pub extensions: Option<Vec<ModuleInfo>>,
    pub stack: StackMetadata,
    pub lifecycle: LifecycleMetadata,
    pub created_by: CreatedBy,
    pub images: Vec<RunImage>,
}

#[derive(Debug, Serialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct StackMetadata {
    pub run_image: RunImage,
}

#[derive(Debug, Serialize)]
pub struct LifecycleMetadata {
    pub version: String,
    /// The earliest supported APIs, for platforms older than the `apis` table.
    pub api: SingleApis,
    pub apis: Apis,
}

#[derive(Debug, Serialize)]
pub struct SingleApis {
    pub buildpack: String,
    pub platform: String,
}

impl From<&LifecycleDescriptor> for LifecycleMetadata {
    fn from(descriptor: &LifecycleDescriptor) -> Self {
        Self {
            version: descriptor.version.clone(),
            api: SingleApis {
                buildpack: descriptor.apis.buildpack.earliest().unwrap_or_default().to_owned(),
                platform: descriptor.apis.platform.earliest().unwrap_or_default().to_owned(),
            },
            apis: descriptor.apis.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CreatedBy {
    pub name: String,
    pub version: String,
}

/// One entry of `io.buildpacks.buildpack.layers`: `{id: {version: info}}`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildpackLayerInfo {
    pub api: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stacks: Vec<Stack>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<Target>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<OrderEntry>,
    #[serde(rename = "layerDiffID")]
    pub layer_diff_id: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub homepage: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
}

pub type BuildpackLayers = BTreeMap<String, BTreeMap<String, BuildpackLayerInfo>>;

/// Records `buildpack`'s layer in the layers label.
pub fn add_buildpack_layer(layers: &mut BuildpackLayers, buildpack: &Buildpack, diff_id: &str) {
    layers.entry(buildpack.info.id.clone()).or_default().insert(
        buildpack.info.version.clone(),
        BuildpackLayerInfo {
            api: buildpack.api.clone(),
            stacks: buildpack.stacks.clone(),
            targets: buildpack.targets.clone(),
            order: buildpack.order.clone(),
            layer_diff_id: diff_id.to_owned(),
            homepage: buildpack.info.homepage.clone(),
            name: buildpack.info.name.clone(),
        },
    );
}

#[derive(Serialize)]
struct OrderToml<'a> {
    order: &'a [OrderEntry],
}

#[derive(Serialize)]
struct StackToml<'a> {
    #[serde(rename = "run-image")]
    run_image: &'a RunImage,
}

#[derive(Serialize)]
struct RunToml<'a> {
    images: &'a [RunImage],
}

/// `/cnb/order.toml`: the detection order with every version resolved.
///
/// # Errors
/// Never for these types in practice; TOML serialisation is fallible in general.
pub fn order_toml(order: &[OrderEntry]) -> Result<String, toml::ser::Error> {
    toml::to_string(&OrderToml { order })
}

/// `/cnb/stack.toml`: the default run image, for platforms older than `run.toml`.
///
/// # Errors
/// Never for these types in practice; TOML serialisation is fallible in general.
pub fn stack_toml(run_image: &RunImage) -> Result<String, toml::ser::Error> {
    toml::to_string(&StackToml { run_image })
}

/// `/cnb/run.toml`: every run image with its mirrors.
///
/// # Errors
/// Never for these types in practice; TOML serialisation is fallible in general.
pub fn run_toml(images: &[RunImage]) -> Result<String, toml::ser::Error> {
    toml::to_string(&RunToml { images })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::ModuleRef;
    use crate::lifecycle::ApiVersions;

    #[test]
    fn metadata_json_has_packs_shape() {
        let descriptor = LifecycleDescriptor {
            version: "0.21.14".into(),
            apis: Apis {
                buildpack: ApiVersions { deprecated: vec![], supported: vec!["0.7".into(), "0.12".into()] },
                platform: ApiVersions { deprecated: vec![], supported: vec!["0.7".into(), "0.15".into()] },
            },
        };
        let metadata = BuilderMetadata {
            description: "d".into(),
            buildpacks: vec![ModuleInfo { id: "a/b".into(), version: "1".into(), ..ModuleInfo::default() }],
            extensions: None,
            stack: StackMetadata::default(),
            lifecycle: LifecycleMetadata::from(&descriptor),
            created_by: CreatedBy { name: "kiln".into(), version: "0.1.0".into() },
            images: vec![RunImage { image: "r".into(), mirrors: None }],
        };
        assert_eq!(
            serde_json::to_string(&metadata).expect("json"),
            concat!(
                r#"{"description":"d","buildpacks":[{"id":"a/b","version":"1"}],"extensions":null,"#,
                r#""stack":{"runImage":{"image":"","mirrors":null}},"#,
                r#""lifecycle":{"version":"0.21.14","api":{"buildpack":"0.7","platform":"0.7"},"#,
                r#""apis":{"buildpack":{"deprecated":[],"supported":["0.7","0.12"]},"platform":{"deprecated":[],"supported":["0.7","0.15"]}}},"#,
                r#""createdBy":{"name":"kiln","version":"0.1.0"},"images":[{"image":"r","mirrors":null}]}"#
            )
        );
    }

    #[test]
    fn toml_files_read_back() {
        let order = vec![OrderEntry {
            group: vec![ModuleRef { id: "a/b".into(), version: Some("1".into()), optional: false }],
        }];
        let parsed: toml::Value = toml::from_str(&order_toml(&order).expect("ser")).expect("order.toml");
        assert_eq!(parsed["order"][0]["group"][0]["version"].as_str(), Some("1"));
        assert!(parsed["order"][0]["group"][0].get("optional").is_none());

        let image = RunImage { image: "r".into(), mirrors: Some(vec!["m".into()]) };
        let parsed: toml::Value = toml::from_str(&stack_toml(&image).expect("ser")).expect("stack.toml");
        assert_eq!(parsed["run-image"]["image"].as_str(), Some("r"));
        let parsed: toml::Value = toml::from_str(&run_toml(&[image]).expect("ser")).expect("run.toml");
        assert_eq!(parsed["images"][0]["mirrors"][0].as_str(), Some("m"));
    }
}
