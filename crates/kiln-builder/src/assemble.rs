//! Putting a builder together on top of a build image: validation as pack does it, then the
//! layers, labels and config pack's `Builder.Save` produces.

use crate::config::{BuilderConfig, ConfigError, ResolvedImages};
use crate::descriptor::{Buildpack, ModuleRef, OrderEntry};
use crate::labels::{
    self, BuilderMetadata, BuildpackLayers, CreatedBy, LifecycleMetadata, StackMetadata, BUILDER_METADATA_LABEL,
    BUILDPACK_LAYERS_LABEL, BUILDPACK_ORDER_LABEL, EXTENSION_LAYERS_LABEL, EXTENSION_ORDER_LABEL, MIXINS_LABEL,
};
use crate::layers::{self, LayersError};
use crate::lifecycle::LifecycleArchive;
use kiln_oci::oci_spec::image::ImageConfiguration;
use kiln_oci::Image;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

const USER_ID_ENV: &str = "CNB_USER_ID";
const GROUP_ID_ENV: &str = "CNB_GROUP_ID";
const DISTRO_NAME_LABEL: &str = "io.buildpacks.base.distro.name";
const DISTRO_VERSION_LABEL: &str = "io.buildpacks.base.distro.version";
const STACK_ID_LABEL: &str = "io.buildpacks.stack.id";
/// The `created` time of builder images: constant, so the same inputs give the same digest.
const CREATED: &str = "1980-01-01T00:00:01Z";

/// Everything a builder is made of, besides its build image.
pub struct BuilderInputs<'a> {
    pub config: &'a BuilderConfig,
    pub images: &'a ResolvedImages,
    /// In `[[buildpacks]]` order.
    pub buildpacks: &'a [Buildpack],
    pub lifecycle: &'a LifecycleArchive,
    pub created_by: CreatedBy,
    /// A static kiln binary to carry at [`layers::KILN_CLI_PATH`], for `kiln build --in-builder`.
    pub kiln_cli: Option<&'a Path>,
}

#[derive(Debug, thiserror::Error)]
pub enum AssembleError {
    #[error("build image lacks env {0}: set it to the uid/gid of the non-root build user (kiln stack build does)")]
    MissingUserEnv(&'static str),
    #[error("build image env {name}={value} is not a number: set it to the numeric uid/gid of the build user")]
    InvalidUserEnv { name: &'static str, value: String },
    #[error("buildpack {buildpack} speaks Buildpack API {api}, which lifecycle {lifecycle} does not support (it supports {supported}); use a matching lifecycle or buildpack")]
    IncompatibleApi { buildpack: String, api: String, lifecycle: String, supported: String },
    #[error(
        "buildpack {buildpack} does not support the build image ({os}/{arch}, {distro}); its targets are {targets}"
    )]
    UnsupportedTarget { buildpack: String, os: String, arch: String, distro: String, targets: String },
    #[error("builder.toml [[targets]] do not include the build image's platform {os}/{arch}; add it or use a build image for one of the targets")]
    TargetMismatch { os: String, arch: String },
    #[error("[stack] id {config} differs from the build image's {STACK_ID_LABEL} {image:?}; fix [stack] id or drop the [stack] table")]
    StackMismatch { config: String, image: Option<String> },
    #[error("builder.toml has no [[order]]: add `[[order]]` with `[[order.group]] id = \"...\"` naming the buildpacks to detect")]
    EmptyOrder,
    #[error("order names {0}, but no [[buildpacks]] entry provides it; add it to [[buildpacks]]")]
    UnknownBuildpack(String),
    #[error("order names {id} without a version, but the builder has several ({versions}); give the version")]
    AmbiguousVersion { id: String, versions: String },
    #[error("buildpack {0} is listed twice in [[buildpacks]]; remove one")]
    DuplicateBuildpack(String),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Layers(#[from] LayersError),
    #[error("cannot serialise builder metadata: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot serialise a builder TOML file: {0}")]
    Toml(#[from] toml::ser::Error),
}

/// Adds the builder layers to `base` (the pulled build image) and sets labels and config.
///
/// # Errors
/// Inputs pack would refuse (see [`AssembleError`]) or failures writing blobs into `blob_dir`.
pub fn assemble(mut base: Image, inputs: &BuilderInputs<'_>, blob_dir: &Path) -> Result<Image, AssembleError> {
    let platform = BuildPlatform::of(&base.config)?;
    validate(&platform, inputs)?;
    let order = resolve_order(&inputs.config.order, inputs.buildpacks)?;

    base.append_layer(layers::dirs_layer(blob_dir, platform.uid, platform.gid)?, "kiln builder: CNB directories");
    base.append_layer(
        layers::lifecycle_layer(blob_dir, inputs.lifecycle)?,
        &format!("kiln builder: lifecycle {}", inputs.lifecycle.descriptor.version),
    );

    let mut by_name: BTreeMap<String, &Buildpack> = BTreeMap::new();
    for buildpack in inputs.buildpacks {
        if by_name.insert(buildpack.info.full_name(), buildpack).is_some() {
            return Err(AssembleError::DuplicateBuildpack(buildpack.info.full_name()));
        }
    }
    // pack adds buildpack layers sorted by id@version (buildpacks/pack#1453), whatever the config order.
    let mut buildpack_layers = BuildpackLayers::new();
    for (name, buildpack) in &by_name {
        let layer = layers::buildpack_layer(blob_dir, buildpack)?;
        labels::add_buildpack_layer(&mut buildpack_layers, buildpack, &layer.diff_id);
        base.append_layer(layer, &format!("kiln builder: buildpack {name}"));
    }

    base.append_layer(
        layers::file_layer(blob_dir, layers::ORDER_PATH, &labels::order_toml(&order)?)?,
        "kiln builder: order.toml",
    );
    let default_run_image = &inputs.images.run_images[0];
    base.append_layer(
        layers::file_layer(
            blob_dir,
            layers::STACK_PATH,
            &labels::stack_toml(inputs.images.stack_run_image.as_ref().unwrap_or(default_run_image))?,
        )?,
        "kiln builder: stack.toml",
    );
    base.append_layer(
        layers::file_layer(blob_dir, layers::RUN_PATH, &labels::run_toml(&inputs.images.run_images)?)?,
        "kiln builder: run.toml",
    );
    let build_config_env = inputs.config.build_config_env()?;
    if !build_config_env.is_empty() {
        let dir = format!("{}/env", layers::BUILD_CONFIG_DIR);
        base.append_layer(layers::env_layer(blob_dir, &dir, &build_config_env)?, "kiln builder: build-config env");
    }
    let platform_env = format!("{}/env", layers::PLATFORM_DIR);
    base.append_layer(layers::env_layer(blob_dir, &platform_env, &BTreeMap::new())?, "kiln builder: platform env");
    if let Some(kiln) = inputs.kiln_cli {
        base.append_layer(layers::kiln_cli_layer(blob_dir, kiln)?, "kiln builder: kiln CLI");
    }

    let metadata = BuilderMetadata {
        description: inputs.config.description.clone(),
        buildpacks: inputs.buildpacks.iter().map(|b| b.info.clone()).collect(),
        extensions: None,
        stack: StackMetadata { run_image: inputs.images.stack_run_image.clone().unwrap_or_default() },
        lifecycle: LifecycleMetadata::from(&inputs.lifecycle.descriptor),
        created_by: inputs.created_by.clone(),
        images: inputs.images.run_images.clone(),
    };
    let mut new_labels = vec![
        (BUILDPACK_LAYERS_LABEL, serde_json::to_string(&buildpack_layers)?),
        (EXTENSION_LAYERS_LABEL, "{}".to_owned()),
        (BUILDPACK_ORDER_LABEL, serde_json::to_string(&inputs.config.order)?),
        (EXTENSION_ORDER_LABEL, "null".to_owned()),
        (BUILDER_METADATA_LABEL, serde_json::to_string(&metadata)?),
    ];
    if platform.mixins.is_none() {
        new_labels.push((MIXINS_LABEL, "null".to_owned()));
    }
    configure(&mut base.config, new_labels);
    Ok(base)
}

/// What the build image says about itself.
struct BuildPlatform {
    uid: u32,
    gid: u32,
    os: String,
    arch: String,
    distro_name: String,
    distro_version: String,
    stack_id: Option<String>,
    mixins: Option<String>,
}

impl BuildPlatform {
    fn of(config: &ImageConfiguration) -> Result<Self, AssembleError> {
        let container = config.config().clone().unwrap_or_default();
        let env: HashMap<&str, &str> =
            container.env().iter().flatten().filter_map(|entry| entry.split_once('=')).collect();
        let id = |name: &'static str| -> Result<u32, AssembleError> {
            let value = env.get(name).ok_or(AssembleError::MissingUserEnv(name))?;
            value.parse().map_err(|_| AssembleError::InvalidUserEnv { name, value: (*value).to_owned() })
        };
        let labels = container.labels().clone().unwrap_or_default();
        let label = |name: &str| labels.get(name).cloned();
        Ok(Self {
            uid: id(USER_ID_ENV)?,
            gid: id(GROUP_ID_ENV)?,
            os: config.os().to_string(),
            arch: config.architecture().to_string(),
            distro_name: label(DISTRO_NAME_LABEL).unwrap_or_default(),
            distro_version: label(DISTRO_VERSION_LABEL).unwrap_or_default(),
            stack_id: label(STACK_ID_LABEL),
            mixins: label(MIXINS_LABEL),
        })
    }
}

fn validate(platform: &BuildPlatform, inputs: &BuilderInputs<'_>) -> Result<(), AssembleError> {
    if let Some(stack_id) = &inputs.images.stack_id {
        if platform.stack_id.as_ref() != Some(stack_id) {
            return Err(AssembleError::StackMismatch { config: stack_id.clone(), image: platform.stack_id.clone() });
        }
    }
    let targets = &inputs.config.targets;
    if !targets.is_empty() && !targets.iter().any(|t| t.accepts(&platform.os, &platform.arch, "", "")) {
        return Err(AssembleError::TargetMismatch { os: platform.os.clone(), arch: platform.arch.clone() });
    }
    let lifecycle = &inputs.lifecycle.descriptor;
    for buildpack in inputs.buildpacks {
        if !lifecycle.apis.buildpack.accepts(&buildpack.api) {
            return Err(AssembleError::IncompatibleApi {
                buildpack: buildpack.info.full_name(),
                api: buildpack.api.clone(),
                lifecycle: lifecycle.version.clone(),
                supported: lifecycle.apis.buildpack.supported.join(", "),
            });
        }
        let supported = buildpack.targets.is_empty()
            || buildpack
                .targets
                .iter()
                .any(|t| t.accepts(&platform.os, &platform.arch, &platform.distro_name, &platform.distro_version));
        if !supported {
            return Err(AssembleError::UnsupportedTarget {
                buildpack: buildpack.info.full_name(),
                os: platform.os.clone(),
                arch: platform.arch.clone(),
                distro: format!("{} {}", platform.distro_name, platform.distro_version),
                targets: serde_json::to_string(&buildpack.targets)?,
            });
        }
        // A composite buildpack's groups must be satisfiable from the builder, as pack checks.
        resolve_order(&buildpack.order, inputs.buildpacks)?;
    }
    if inputs.config.order.is_empty() {
        return Err(AssembleError::EmptyOrder);
    }
    Ok(())
}

/// The order with every reference's version filled in from the buildpacks on the builder.
fn resolve_order(order: &[OrderEntry], buildpacks: &[Buildpack]) -> Result<Vec<OrderEntry>, AssembleError> {
    order
        .iter()
        .map(|entry| {
            let group = entry.group.iter().map(|r| resolve_ref(r, buildpacks)).collect::<Result<_, _>>()?;
            Ok(OrderEntry { group })
        })
        .collect()
}

fn resolve_ref(reference: &ModuleRef, buildpacks: &[Buildpack]) -> Result<ModuleRef, AssembleError> {
    let mut versions: Vec<&str> =
        buildpacks.iter().filter(|b| b.info.id == reference.id).map(|b| b.info.version.as_str()).collect();
    versions.dedup();
    let version = match (&reference.version, versions.as_slice()) {
        (_, []) => return Err(AssembleError::UnknownBuildpack(reference.id.clone())),
        (Some(wanted), found) if !found.contains(&wanted.as_str()) => {
            return Err(AssembleError::UnknownBuildpack(format!("{}@{wanted}", reference.id)))
        }
        (Some(wanted), _) => wanted.clone(),
        (None, [only]) => (*only).to_owned(),
        (None, several) => {
            return Err(AssembleError::AmbiguousVersion { id: reference.id.clone(), versions: several.join(", ") })
        }
    };
    Ok(ModuleRef { id: reference.id.clone(), version: Some(version), optional: reference.optional })
}

/// Sets the labels, working directory `/layers` and a constant creation time.
fn configure(config: &mut ImageConfiguration, new_labels: Vec<(&str, String)>) {
    let mut container = config.config().clone().unwrap_or_default();
    let mut all_labels = container.labels().clone().unwrap_or_default();
    for (key, value) in new_labels {
        all_labels.insert(key.to_owned(), value);
    }
    container.set_labels(Some(all_labels));
    container.set_working_dir(Some(layers::LAYERS_DIR.to_owned()));
    config.set_config(Some(container));
    config.set_created(Some(CREATED.to_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::ModuleInfo;

    fn buildpack(id: &str, version: &str) -> Buildpack {
        Buildpack {
            dir: std::path::PathBuf::new(),
            api: "0.10".into(),
            info: ModuleInfo { id: id.into(), version: version.into(), ..ModuleInfo::default() },
            targets: vec![],
            stacks: vec![],
            order: vec![],
        }
    }

    fn reference(id: &str, version: Option<&str>) -> ModuleRef {
        ModuleRef { id: id.into(), version: version.map(Into::into), optional: false }
    }

    #[test]
    fn order_versions_are_resolved_from_the_builder() {
        let buildpacks = [buildpack("a", "1"), buildpack("b", "1"), buildpack("b", "2")];
        assert_eq!(resolve_ref(&reference("a", None), &buildpacks).expect("unique").version.as_deref(), Some("1"));
        assert_eq!(
            resolve_ref(&reference("b", Some("2")), &buildpacks).expect("explicit").version.as_deref(),
            Some("2")
        );
        assert!(matches!(resolve_ref(&reference("b", None), &buildpacks), Err(AssembleError::AmbiguousVersion { .. })));
        assert!(matches!(resolve_ref(&reference("c", None), &buildpacks), Err(AssembleError::UnknownBuildpack(_))));
        assert!(matches!(
            resolve_ref(&reference("a", Some("9")), &buildpacks),
            Err(AssembleError::UnknownBuildpack(name)) if name == "a@9"
        ));
    }
}
