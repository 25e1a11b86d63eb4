//! `builder.toml` in pack's schema, and the image references it resolves to once command-line
//! overrides are applied.

use crate::descriptor::{ModuleRef, OrderEntry, Target};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The parsed `builder.toml`. Unknown keys are rejected, as pack rejects them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BuilderConfig {
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub buildpacks: Vec<BuildpackEntry>,
    #[serde(default)]
    pub order: Vec<OrderEntry>,
    #[serde(default)]
    pub build: BuildSection,
    #[serde(default)]
    pub run: RunSection,
    #[serde(default)]
    pub targets: Vec<Target>,
    #[serde(default)]
    pub lifecycle: LifecycleSection,
    /// Legacy (pre RFC-0096) way to name the build and run images.
    pub stack: Option<StackSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildpackEntry {
    /// Optional: when given, must match the buildpack's `buildpack.toml`.
    pub id: Option<String>,
    pub version: Option<String>,
    /// A directory holding `buildpack.toml`, relative to `builder.toml` (or a `file://` URL).
    pub uri: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildSection {
    pub image: Option<String>,
    #[serde(default)]
    pub env: Vec<BuildEnv>,
}

/// `[[build.env]]`: becomes a file in `/cnb/build-config/env/`, named `<name>[.<suffix>]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct BuildEnv {
    pub name: String,
    #[serde(default)]
    pub value: String,
    pub suffix: Option<EnvSuffix>,
    pub delim: Option<String>,
    #[serde(default)]
    pub exec_env: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvSuffix {
    Default,
    Override,
    Append,
    Prepend,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunSection {
    #[serde(default)]
    pub images: Vec<RunImage>,
}

/// A run image and its mirrors, as `builder.toml`, `run.toml`, `stack.toml` and the builder label
/// spell it. `mirrors` stays `None` when not given, which pack writes as JSON `null`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RunImage {
    pub image: String,
    pub mirrors: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifecycleSection {
    pub version: Option<String>,
    pub uri: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct StackSection {
    pub id: String,
    pub build_image: Option<String>,
    pub run_image: Option<String>,
    pub run_image_mirrors: Option<Vec<String>>,
}

/// What the command line may override in `builder.toml`.
#[derive(Debug, Default)]
pub struct Overrides {
    pub build_image: Option<String>,
    pub run_image: Option<String>,
}

/// The images a builder is made from, after overrides and the legacy `[stack]` table are merged.
#[derive(Debug, PartialEq, Eq)]
pub struct ResolvedImages {
    pub build_image: String,
    /// First entry is the default run image.
    pub run_images: Vec<RunImage>,
    /// `Some` only with a legacy `[stack]` table: pack then records it as `stack.runImage`.
    pub stack_run_image: Option<RunImage>,
    pub stack_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read builder config {path}: {source}; check the --config path")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("invalid builder config {path}: {source}")]
    Parse { path: PathBuf, source: Box<toml::de::Error> },
    #[error("builder config names no build image: add `[build] image = \"REF\"` or pass --build-image")]
    NoBuildImage,
    #[error(
        "[build] image {build} and [stack] build-image {stack} differ: remove [stack] build-image or make them equal"
    )]
    BuildImageMismatch { build: String, stack: String },
    #[error("builder config names no run image: add `[[run.images]] image = \"REF\"` or pass --run-image")]
    NoRunImage,
    #[error(
        "[[run.images]] {run} and [stack] run-image {stack} differ: the first run image must equal [stack] run-image"
    )]
    RunImageMismatch { run: String, stack: String },
    #[error("[lifecycle] sets both version and uri: keep only one")]
    LifecycleVersionAndUri,
    #[error("[[build.env]] entry has an empty name: give every entry a name")]
    EmptyEnvName,
    #[error("[[build.env]] {name} uses suffix {suffix} without delim: add `delim = \":\"` (or another separator)")]
    MissingDelim { name: String, suffix: &'static str },
}

impl BuilderConfig {
    /// Reads and parses `builder.toml`.
    ///
    /// # Errors
    /// The file cannot be read, is not valid TOML, or has keys outside pack's schema.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.to_owned(), source })?;
        let config: Self = toml::from_str(&text)
            .map_err(|source| ConfigError::Parse { path: path.to_owned(), source: Box::new(source) })?;
        if config.lifecycle.version.is_some() && config.lifecycle.uri.is_some() {
            return Err(ConfigError::LifecycleVersionAndUri);
        }
        Ok(config)
    }

    /// The build and run images, with `overrides` replacing what `builder.toml` names, following
    /// pack's rules for the legacy `[stack]` table.
    ///
    /// # Errors
    /// No build or run image is named, or `[stack]` contradicts `[build]`/`[[run.images]]`.
    pub fn resolve_images(&self, overrides: &Overrides) -> Result<ResolvedImages, ConfigError> {
        let stack = self.stack.as_ref();
        let stack_build = stack.and_then(|s| s.build_image.clone());
        let build_image = match (self.build.image.clone(), stack_build) {
            (Some(build), Some(stack)) if build != stack => {
                return Err(ConfigError::BuildImageMismatch { build, stack })
            }
            (Some(image), _) | (None, Some(image)) => Some(image),
            (None, None) => None,
        };
        let build_image = overrides.build_image.clone().or(build_image).ok_or(ConfigError::NoBuildImage)?;

        let stack_run = stack.and_then(|s| {
            s.run_image.as_ref().map(|image| RunImage { image: image.clone(), mirrors: s.run_image_mirrors.clone() })
        });
        let mut run_images = self.run.images.clone();
        match (run_images.first(), &stack_run) {
            (Some(first), Some(stack_image)) if first.image != stack_image.image => {
                return Err(ConfigError::RunImageMismatch {
                    run: first.image.clone(),
                    stack: stack_image.image.clone(),
                })
            }
            (None, Some(stack_image)) => run_images.push(stack_image.clone()),
            _ => {}
        }
        if let Some(image) = &overrides.run_image {
            // Mirrors belong to the image they mirror, so an overridden run image has none (as in pack).
            run_images = vec![RunImage { image: image.clone(), mirrors: None }];
        }
        if run_images.is_empty() || run_images.iter().any(|r| r.image.is_empty()) {
            return Err(ConfigError::NoRunImage);
        }

        let stack_id = stack.map(|s| s.id.clone()).filter(|id| !id.is_empty());
        let stack_run_image = stack_id.as_ref().map(|_| run_images[0].clone());
        Ok(ResolvedImages { build_image, run_images, stack_run_image, stack_id })
    }

    /// The files of `/cnb/build-config/env/`: name to contents, in name order.
    ///
    /// # Errors
    /// An entry has no name, or appends/prepends without a delimiter.
    pub fn build_config_env(&self) -> Result<std::collections::BTreeMap<String, String>, ConfigError> {
        let mut files = std::collections::BTreeMap::new();
        for env in &self.build.env {
            if env.name.is_empty() {
                return Err(ConfigError::EmptyEnvName);
            }
            let suffix = env.suffix.map(|s| match s {
                EnvSuffix::Default => "default",
                EnvSuffix::Override => "override",
                EnvSuffix::Append => "append",
                EnvSuffix::Prepend => "prepend",
            });
            if let (Some(suffix @ ("append" | "prepend")), None) = (suffix, &env.delim) {
                return Err(ConfigError::MissingDelim { name: env.name.clone(), suffix });
            }
            let file = suffix.map_or_else(|| env.name.clone(), |s| format!("{}.{s}", env.name));
            files.insert(file, env.value.clone());
            if let Some(delim) = &env.delim {
                files.insert(format!("{}.delim", env.name), delim.clone());
            }
        }
        Ok(files)
    }

    /// Every `[[order.group]]` reference, for checks against the buildpacks on the builder.
    pub fn order_refs(&self) -> impl Iterator<Item = &ModuleRef> {
        self.order.iter().flat_map(|entry| entry.group.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<BuilderConfig, toml::de::Error> {
        toml::from_str(text)
    }

    const FULL: &str = r#"
        description = "kiln builder"
        [[buildpacks]]
        id = "kiln/go-function"
        version = "0.1.0"
        uri = "packaged/go-function"
        [[order]]
        [[order.group]]
        id = "kiln/go-function"
        optional = true
        [build]
        image = "127.0.0.1:5000/kiln/build:1"
        [[build.env]]
        name = "PATH"
        value = "/opt/bin"
        suffix = "prepend"
        delim = ":"
        [[run.images]]
        image = "127.0.0.1:5000/kiln/run:1"
        mirrors = ["mirror.example/kiln/run:1"]
        [[targets]]
        os = "linux"
        arch = "amd64"
        [[targets.distros]]
        name = "debian"
        version = "13"
        [lifecycle]
        version = "0.21.14"
    "#;

    #[test]
    fn parses_packs_schema() {
        let config = parse(FULL).expect("valid builder.toml");
        assert_eq!(config.description, "kiln builder");
        assert_eq!(config.buildpacks[0].uri, "packaged/go-function");
        assert!(config.order[0].group[0].optional);
        assert_eq!(config.order[0].group[0].version, None);
        assert_eq!(config.targets[0].distros[0].name, "debian");
        assert_eq!(config.lifecycle.version.as_deref(), Some("0.21.14"));
        assert_eq!(config.run.images[0].mirrors.as_deref(), Some(&["mirror.example/kiln/run:1".to_owned()][..]));
    }

    #[test]
    fn rejects_unknown_keys_naming_them() {
        let error = parse("descripton = \"typo\"").expect_err("unknown key");
        assert!(error.to_string().contains("descripton"), "{error}");
        let error = parse("[build]\nimage = \"x\"\nimgae = \"y\"").expect_err("unknown nested key");
        assert!(error.to_string().contains("imgae"), "{error}");
    }

    #[test]
    fn overrides_replace_images_and_drop_mirrors() {
        let config = parse(FULL).expect("valid");
        let overrides = Overrides { build_image: Some("local/build".into()), run_image: Some("local/run".into()) };
        let images = config.resolve_images(&overrides).expect("resolves");
        assert_eq!(images.build_image, "local/build");
        assert_eq!(images.run_images, vec![RunImage { image: "local/run".into(), mirrors: None }]);
        assert_eq!(images.stack_run_image, None);
    }

    #[test]
    fn legacy_stack_table_supplies_images() {
        let config = parse(
            "[stack]\nid = \"io.kiln.stack\"\nbuild-image = \"b\"\nrun-image = \"r\"\nrun-image-mirrors = [\"m\"]",
        )
        .expect("valid");
        let images = config.resolve_images(&Overrides::default()).expect("resolves");
        assert_eq!(images.build_image, "b");
        let run = RunImage { image: "r".into(), mirrors: Some(vec!["m".into()]) };
        assert_eq!(images.run_images, vec![run.clone()]);
        assert_eq!(images.stack_run_image, Some(run));
        assert_eq!(images.stack_id.as_deref(), Some("io.kiln.stack"));
    }

    #[test]
    fn missing_or_contradicting_images_are_errors() {
        let config = parse("").expect("valid");
        assert!(matches!(config.resolve_images(&Overrides::default()), Err(ConfigError::NoBuildImage)));
        let config = parse("[build]\nimage = \"b\"").expect("valid");
        assert!(matches!(config.resolve_images(&Overrides::default()), Err(ConfigError::NoRunImage)));
        let config = parse("[build]\nimage = \"a\"\n[stack]\nid = \"s\"\nbuild-image = \"b\"").expect("valid");
        assert!(matches!(config.resolve_images(&Overrides::default()), Err(ConfigError::BuildImageMismatch { .. })));
    }

    #[test]
    fn build_env_becomes_suffixed_files() {
        let config = parse(FULL).expect("valid");
        let files = config.build_config_env().expect("valid env");
        assert_eq!(files.get("PATH.prepend").map(String::as_str), Some("/opt/bin"));
        assert_eq!(files.get("PATH.delim").map(String::as_str), Some(":"));
        let config = parse("[[build.env]]\nname = \"X\"\nvalue = \"1\"\nsuffix = \"append\"").expect("valid");
        assert!(matches!(config.build_config_env(), Err(ConfigError::MissingDelim { .. })));
    }

    #[test]
    fn the_repository_builder_toml_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../builder.toml");
        let config = BuilderConfig::load(&path).expect("builder.toml parses");
        let images = config.resolve_images(&Overrides::default()).expect("names its images");
        assert!(images.build_image.contains("kiln/build"));
        assert_eq!(config.lifecycle.version.as_deref(), Some(crate::lifecycle::LIFECYCLE_VERSION));
    }

    #[test]
    fn lifecycle_version_and_uri_are_exclusive() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("builder.toml");
        std::fs::write(&path, "[lifecycle]\nversion = \"0.21.14\"\nuri = \"x.tgz\"").expect("write");
        assert!(matches!(BuilderConfig::load(&path), Err(ConfigError::LifecycleVersionAndUri)));
    }
}
