//! What the buildpack reads of `package.json`: the entry module, scripts,
//! the Node.js requirement and the dependencies.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Google's framework: a function that depends on it is served by it (its declarative API).
pub(crate) const GOOGLE_FRAMEWORK: &str = "@google-cloud/functions-framework";

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PackageJson {
    pub(crate) main: Option<String>,
    #[serde(default)]
    pub(crate) scripts: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) engines: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) dependencies: BTreeMap<String, String>,
    #[serde(default, rename = "devDependencies")]
    pub(crate) dev_dependencies: BTreeMap<String, String>,
    /// corepack's field: the package manager and its exact version (`pnpm@10.34.8+sha512.…`).
    #[serde(rename = "packageManager")]
    pub(crate) package_manager: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum PackageJsonError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not valid package.json: {source}", path.display())]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

impl PackageJson {
    /// `dir`'s package.json, or an empty one when there is none (a lone index.js).
    pub(crate) fn read(dir: &Path) -> Result<Self, PackageJsonError> {
        let path = dir.join("package.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|source| PackageJsonError::Parse { path, source }),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(PackageJsonError::Read { path, source }),
        }
    }

    pub(crate) fn has_dependencies(&self) -> bool {
        !self.dependencies.is_empty() || !self.dev_dependencies.is_empty()
    }

    pub(crate) fn uses_google_framework(&self) -> bool {
        self.dependencies.contains_key(GOOGLE_FRAMEWORK)
    }

    /// The build script Google's buildpack runs: `gcp-build` when there is one, else `build`.
    pub(crate) fn build_script(&self) -> Option<&'static str> {
        ["gcp-build", "build"].into_iter().find(|name| self.scripts.contains_key(*name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_build_needs_and_tolerates_no_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(PackageJson::read(dir.path()).expect("no file is empty").main.is_none());
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"main": "lib/fn.js", "type": "module", "engines": {"node": "^24"},
                "scripts": {"build": "tsc", "gcp-build": "tsc -p ."},
                "dependencies": {"@google-cloud/functions-framework": "^5.0.0"}}"#,
        )
        .expect("write");
        let package = PackageJson::read(dir.path()).expect("valid");
        assert_eq!(package.main.as_deref(), Some("lib/fn.js"));
        assert_eq!(package.engines.get("node").map(String::as_str), Some("^24"));
        assert_eq!(package.build_script(), Some("gcp-build"));
        assert!(package.uses_google_framework() && package.has_dependencies());
        std::fs::write(dir.path().join("package.json"), "{\"main\": ").expect("write");
        let error = PackageJson::read(dir.path()).expect_err("invalid");
        assert!(error.to_string().contains("is not valid package.json"), "{error}");
    }
}
