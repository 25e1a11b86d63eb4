//! `buildpack.toml`: what a buildpack says about itself, in the shapes pack copies into builder
//! labels (field names and JSON spelling follow pack's `dist` package).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Buildpack API assumed when `buildpack.toml` has no `api` (the spec's default).
const ASSUMED_BUILDPACK_API: &str = "0.1";

/// `[buildpack]` of `buildpack.toml`; also the entries of the builder metadata label's `buildpacks`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ModuleInfo {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    pub version: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub homepage: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exec_env: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<License>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub clear_env: bool,
}

impl ModuleInfo {
    /// `id@version`, as pack and the lifecycle name buildpacks.
    #[must_use]
    pub fn full_name(&self) -> String {
        format!("{}@{}", self.id, self.version)
    }

    /// The directory name of the id: `/` is not allowed in a path segment.
    #[must_use]
    pub fn escaped_id(&self) -> String {
        self.id.replace('/', "_")
    }
}

/// pack's license struct has no JSON tags, so Go spells the keys `Type` and `URI` in labels.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct License {
    #[serde(rename(serialize = "Type", deserialize = "type"), default)]
    pub license_type: String,
    #[serde(rename(serialize = "URI", deserialize = "uri"), default)]
    pub uri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    #[serde(default)]
    pub os: String,
    #[serde(default)]
    pub arch: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distros: Vec<Distro>,
}

impl Target {
    /// Whether this target accepts an image with the given platform (empty values match anything,
    /// as in pack and the lifecycle).
    #[must_use]
    pub fn accepts(&self, os: &str, arch: &str, distro_name: &str, distro_version: &str) -> bool {
        let os_ok = self.os.is_empty() || self.os == os;
        let arch_ok = self.arch.is_empty() || arch.is_empty() || self.arch == arch;
        let distro_ok = self.distros.is_empty()
            || distro_name.is_empty()
            || distro_version.is_empty()
            || self.distros.iter().any(|d| d.name == distro_name && d.version == distro_version);
        os_ok && arch_ok && distro_ok
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Distro {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Stack {
    pub id: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mixins: Vec<String>,
}

/// `[[order]]`, in `builder.toml`, `buildpack.toml`, `/cnb/order.toml` and the order label.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OrderEntry {
    #[serde(default)]
    pub group: Vec<ModuleRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModuleRef {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub optional: bool,
}

/// A parsed `buildpack.toml` plus the directory it came from.
#[derive(Debug, Clone)]
pub struct Buildpack {
    pub dir: PathBuf,
    pub api: String,
    pub info: ModuleInfo,
    pub targets: Vec<Target>,
    pub stacks: Vec<Stack>,
    pub order: Vec<OrderEntry>,
}

#[derive(Deserialize)]
struct BuildpackToml {
    api: Option<String>,
    buildpack: ModuleInfo,
    #[serde(default)]
    targets: Vec<Target>,
    #[serde(default)]
    stacks: Vec<Stack>,
    #[serde(default)]
    order: Vec<OrderEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum DescriptorError {
    #[error("cannot read {path}: {source}; a buildpack uri must be a directory holding buildpack.toml (e.g. the output of `cargo libcnb package`)")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("invalid {path}: {source}")]
    Parse { path: PathBuf, source: Box<toml::de::Error> },
    #[error("{path}: [buildpack] id and version are required; add them to buildpack.toml")]
    MissingIdOrVersion { path: PathBuf },
    #[error("{path}: a buildpack cannot have both targets/stacks and an order; remove one")]
    OrderWithTargets { path: PathBuf },
}

impl Buildpack {
    /// Reads `<dir>/buildpack.toml`. Unknown keys are ignored, as pack only warns about them.
    ///
    /// # Errors
    /// The file is missing or invalid, or lacks an id or version.
    pub fn read(dir: &Path) -> Result<Self, DescriptorError> {
        let path = dir.join("buildpack.toml");
        let text =
            std::fs::read_to_string(&path).map_err(|source| DescriptorError::Read { path: path.clone(), source })?;
        let toml: BuildpackToml = toml::from_str(&text)
            .map_err(|source| DescriptorError::Parse { path: path.clone(), source: Box::new(source) })?;
        if toml.buildpack.id.is_empty() || toml.buildpack.version.is_empty() {
            return Err(DescriptorError::MissingIdOrVersion { path });
        }
        let has_targets = !(toml.targets.is_empty() && toml.stacks.is_empty());
        if !toml.order.is_empty() && has_targets {
            return Err(DescriptorError::OrderWithTargets { path });
        }
        Ok(Self {
            dir: dir.to_owned(),
            api: toml.api.unwrap_or_else(|| ASSUMED_BUILDPACK_API.to_owned()),
            info: toml.buildpack,
            targets: toml.targets,
            stacks: toml.stacks,
            order: toml.order,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libcnb_style_buildpack_toml() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("buildpack.toml"),
            r#"
            api = "0.10"
            [buildpack]
            id = "kiln/go-function"
            version = "0.1.0"
            name = "Go"
            homepage = "https://example.invalid/kiln"
            [[buildpack.licenses]]
            type = "Apache-2.0"
            [[targets]]
            os = "linux"
            arch = "amd64"
            [metadata]
            anything = 1
            "#,
        )
        .expect("write");
        let bp = Buildpack::read(dir.path()).expect("valid");
        assert_eq!(bp.api, "0.10");
        assert_eq!(bp.info.full_name(), "kiln/go-function@0.1.0");
        assert_eq!(bp.info.escaped_id(), "kiln_go-function");
        assert_eq!(bp.targets[0].arch, "amd64");
        let json = serde_json::to_string(&bp.info).expect("json");
        assert_eq!(
            json,
            r#"{"id":"kiln/go-function","name":"Go","version":"0.1.0","homepage":"https://example.invalid/kiln","licenses":[{"Type":"Apache-2.0","URI":""}]}"#
        );
    }

    #[test]
    fn missing_directory_explains_the_uri() {
        let error = Buildpack::read(Path::new("/nonexistent/bp")).expect_err("missing");
        assert!(error.to_string().contains("directory holding buildpack.toml"), "{error}");
    }

    #[test]
    fn target_matching_treats_empty_as_wildcard() {
        let target = Target {
            os: "linux".into(),
            arch: "amd64".into(),
            variant: None,
            distros: vec![Distro { name: "debian".into(), version: "13".into() }],
        };
        assert!(target.accepts("linux", "amd64", "debian", "13"));
        assert!(target.accepts("linux", "amd64", "", ""));
        assert!(!target.accepts("linux", "arm64", "debian", "13"));
        assert!(!target.accepts("linux", "amd64", "ubuntu", "24.04"));
    }
}
