//! The stack definition (`stack/stack.toml`): which Debian, which packages per image, the user,
//! the environment. Data only; building from it lives elsewhere.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StackDefinition {
    /// `io.buildpacks.stack.id` and `io.buildpacks.base.id`, the same on both images.
    pub id: String,
    /// Zone `/etc/localtime` points to, e.g. `Etc/UTC`.
    pub timezone: String,
    pub distro: Distro,
    pub user: User,
    pub build: ImageDefinition,
    pub run: ImageDefinition,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Distro {
    /// A Debian mirror, e.g. `http://deb.debian.org/debian`.
    pub mirror: String,
    /// A suite or codename, e.g. `trixie`.
    pub suite: String,
    #[serde(default = "default_components")]
    pub components: Vec<String>,
}

fn default_components() -> Vec<String> {
    vec!["main".to_string()]
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ImageDefinition {
    pub variant: Variant,
    pub packages: Vec<String>,
    /// Paths relative to `/` (`*` matches one path component) dropped from the image.
    #[serde(default)]
    pub remove: Vec<String>,
    /// Paths under `remove` that stay, e.g. licences.
    #[serde(default)]
    pub keep: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

/// The mmdebstrap variant an image starts from.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// Exactly the listed packages, unpacked without maintainer scripts; dependencies are dropped.
    Extract,
    /// Essential packages only, plus the listed packages and their dependencies.
    Essential,
    /// Essential packages and apt, plus the listed packages and their dependencies.
    Minbase,
}

impl Variant {
    /// The name mmdebstrap's `--variant` takes.
    #[must_use]
    pub fn mmdebstrap_name(self) -> &'static str {
        match self {
            Variant::Extract => "extract",
            Variant::Essential => "essential",
            Variant::Minbase => "minbase",
        }
    }

    /// Whether maintainer scripts run, i.e. whether the package manager sets the system up.
    #[must_use]
    pub fn runs_maintainer_scripts(self) -> bool {
        self != Variant::Extract
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    #[error("cannot read the stack definition {path}: {source}; pass an existing file with --config")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the stack definition {path} is invalid: {source}")]
    Parse { path: PathBuf, source: Box<toml::de::Error> },
    #[error("the stack definition {path} is invalid: {problem}")]
    Invalid { path: PathBuf, problem: String },
}

impl StackDefinition {
    /// Reads and validates a stack definition file.
    ///
    /// # Errors
    /// The file cannot be read, is not valid TOML for this schema, or names impossible values.
    pub fn load(path: &Path) -> Result<Self, DefinitionError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| DefinitionError::Read { path: path.to_path_buf(), source })?;
        Self::parse(&text, path)
    }

    /// Parses and validates definition text; `path` only names it in errors.
    ///
    /// # Errors
    /// The text is not valid TOML for this schema, or names impossible values.
    pub fn parse(text: &str, path: &Path) -> Result<Self, DefinitionError> {
        let definition: Self = toml::from_str(text)
            .map_err(|source| DefinitionError::Parse { path: path.to_path_buf(), source: Box::new(source) })?;
        definition
            .problem()
            .map_or(Ok(definition), |problem| Err(DefinitionError::Invalid { path: path.to_path_buf(), problem }))
    }

    fn problem(&self) -> Option<String> {
        if self.user.uid == 0 || self.user.gid == 0 {
            return Some(format!("user {} must not be root (uid and gid must not be 0)", self.user.name));
        }
        if !self.user.home.starts_with('/') {
            return Some(format!("user home {:?} must be an absolute path", self.user.home));
        }
        if !self.distro.mirror.starts_with("http://") && !self.distro.mirror.starts_with("https://") {
            return Some(format!("distro.mirror {:?} must be an http:// or https:// URL", self.distro.mirror));
        }
        for (name, image) in [("build", &self.build), ("run", &self.run)] {
            if image.packages.is_empty() {
                return Some(format!("{name}.packages is empty; list the Debian packages the {name} image needs"));
            }
            if let Some(path) = image.remove.iter().chain(&image.keep).find(|path| path.starts_with('/')) {
                return Some(format!("{name}: path {path:?} must be relative to / (drop the leading /)"));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
id = "dev.kiln.stacks.debian-13"
timezone = "Etc/UTC"
[distro]
mirror = "http://deb.debian.org/debian"
suite = "trixie"
[user]
name = "cnb"
uid = 1000
gid = 1000
home = "/home/cnb"
shell = "/bin/sh"
[build]
variant = "minbase"
packages = ["git"]
[build.env]
PATH = "/usr/bin:/bin"
[run]
variant = "extract"
packages = ["libc6"]
remove = ["usr/share/doc"]
keep = ["usr/share/doc/*/copyright"]
"#;

    fn parse(text: &str) -> Result<StackDefinition, DefinitionError> {
        StackDefinition::parse(text, Path::new("stack.toml"))
    }

    #[test]
    fn parses_a_complete_definition_with_defaults() {
        let definition = parse(EXAMPLE).expect("valid definition");
        assert_eq!(definition.distro.components, vec!["main"]);
        assert_eq!(definition.build.variant, Variant::Minbase);
        assert_eq!(definition.run.variant, Variant::Extract);
        assert_eq!(definition.build.env.get("PATH").map(String::as_str), Some("/usr/bin:/bin"));
        assert!(definition.build.remove.is_empty());
        assert_eq!(definition.run.keep, vec!["usr/share/doc/*/copyright"]);
    }

    #[test]
    fn the_repository_stack_definition_is_valid() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../stack/stack.toml");
        let definition = StackDefinition::load(&path).expect("stack/stack.toml is valid");
        assert_eq!(definition.user.uid, 1000);
        assert_eq!(definition.user.gid, 1000);
        assert!(definition.run.packages.iter().any(|package| package == "ca-certificates"));
    }

    #[test]
    fn rejects_unknown_keys() {
        let text = EXAMPLE.replace("timezone = ", "colour = \"red\"\ntimezone = ");
        assert!(matches!(parse(&text), Err(DefinitionError::Parse { .. })));
    }

    #[test]
    fn rejects_unknown_variants() {
        let text = EXAMPLE.replace("variant = \"minbase\"", "variant = \"everything\"");
        assert!(matches!(parse(&text), Err(DefinitionError::Parse { .. })));
    }

    #[test]
    fn rejects_a_root_user() {
        let text = EXAMPLE.replace("uid = 1000", "uid = 0");
        let error = parse(&text).expect_err("root user refused").to_string();
        assert!(error.contains("must not be root"), "{error}");
    }

    #[test]
    fn rejects_absolute_remove_paths() {
        let text = EXAMPLE.replace("remove = [\"usr/share/doc\"]", "remove = [\"/usr/share/doc\"]");
        let error = parse(&text).expect_err("absolute path refused").to_string();
        assert!(error.contains("drop the leading /"), "{error}");
    }

    #[test]
    fn rejects_an_image_without_packages() {
        let text = EXAMPLE.replace("packages = [\"libc6\"]", "packages = []");
        let error = parse(&text).expect_err("empty package list refused").to_string();
        assert!(error.contains("run.packages is empty"), "{error}");
    }

    #[test]
    fn load_names_the_missing_file_and_the_fix() {
        let error = StackDefinition::load(Path::new("/nonexistent/stack.toml")).expect_err("missing file").to_string();
        assert!(error.contains("/nonexistent/stack.toml") && error.contains("--config"), "{error}");
    }
}
