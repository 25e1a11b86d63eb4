//! The source's packages and targets as `cargo metadata` sees them (workspaces, binaries in
//! `src/bin/`, `[[bin]]` and `[lib]` sections included), and which of them a build builds.

use serde::Deserialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The variable that picks the binary of an app build among several.
pub(crate) const FUNC_BIN_ENV: &str = "FUNC_BIN";

#[derive(Debug, Deserialize)]
pub(crate) struct Metadata {
    packages: Vec<Package>,
    workspace_members: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Package {
    pub(crate) id: String,
    pub(crate) name: String,
    manifest_path: PathBuf,
    targets: Vec<Target>,
}

#[derive(Clone, Debug, Deserialize)]
pub(crate) struct Target {
    pub(crate) name: String,
    kind: Vec<String>,
    pub(crate) src_path: PathBuf,
}

impl Target {
    fn is(&self, kind: &str) -> bool {
        self.kind.iter().any(|k| k == kind)
    }
}

/// The binary an app build compiles.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Binary {
    pub(crate) name: String,
    pub(crate) package: String,
}

/// The library a function build serves from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Library {
    /// The package's name, as Cargo.toml spells it.
    pub(crate) package: String,
    /// The crate name code uses: `rust_http`.
    pub(crate) crate_name: String,
    pub(crate) dir: PathBuf,
    pub(crate) root_file: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum PackageError {
    #[error("`cargo metadata` printed no JSON it could read: {0}")]
    Metadata(#[from] serde_json::Error),
    #[error("the source has no binary target to build as an app, and FUNC_NAME is not set")]
    NoBinary,
    #[error("{FUNC_BIN_ENV} is `{wanted}`, but the source has no binary of that name. Its binaries: {}", names(.binaries))]
    UnknownBinary { wanted: String, binaries: Vec<Binary> },
    #[error("the source has several binaries and {FUNC_BIN_ENV} does not say which to build: {}", names(.0))]
    SeveralBinaries(Vec<Binary>),
    #[error("no package of the source is in {} (FUNC_SRC names the function's crate directory; the source root is a virtual workspace unless it has a [package])", .0.display())]
    NoPackage(PathBuf),
    #[error("the package {0} has no library target: a function is a `pub fn` of a library crate (src/lib.rs)")]
    NoLibrary(String),
}

fn names(binaries: &[Binary]) -> String {
    let mut text = String::new();
    for (index, binary) in binaries.iter().enumerate() {
        let separator = if index == 0 { "" } else { ", " };
        let _ = write!(text, "{separator}{} (package {})", binary.name, binary.package);
    }
    text
}

impl Metadata {
    pub(crate) fn parse(json: &[u8]) -> Result<Self, PackageError> {
        Ok(serde_json::from_slice(json)?)
    }

    fn members(&self) -> impl Iterator<Item = &Package> {
        self.packages.iter().filter(|package| self.workspace_members.contains(&package.id))
    }

    /// Every binary target of the workspace's members.
    pub(crate) fn binaries(&self) -> Vec<Binary> {
        let mut binaries: Vec<Binary> = self
            .members()
            .flat_map(|package| {
                package
                    .targets
                    .iter()
                    .filter(|target| target.is("bin"))
                    .map(|target| Binary { name: target.name.clone(), package: package.name.clone() })
            })
            .collect();
        binaries.sort_by(|a, b| a.name.cmp(&b.name));
        binaries
    }

    /// The binary an app build compiles: the only one, or the one `wanted` (`FUNC_BIN`) names.
    pub(crate) fn app_binary(&self, wanted: Option<&str>) -> Result<Binary, PackageError> {
        let binaries = self.binaries();
        match (wanted, binaries.as_slice()) {
            (_, []) => Err(PackageError::NoBinary),
            (Some(wanted), _) => {
                binaries.iter().find(|binary| binary.name == wanted).cloned().ok_or_else(|| {
                    PackageError::UnknownBinary { wanted: wanted.to_string(), binaries: binaries.clone() }
                })
            }
            (None, [only]) => Ok(only.clone()),
            (None, _) => Err(PackageError::SeveralBinaries(binaries)),
        }
    }

    /// The library of the member whose directory is `dir`.
    pub(crate) fn library_in(&self, dir: &Path) -> Result<Library, PackageError> {
        let package = self
            .members()
            .find(|package| package.manifest_path.parent() == Some(dir))
            .ok_or_else(|| PackageError::NoPackage(dir.to_path_buf()))?;
        let lib = package
            .targets
            .iter()
            .find(|target| target.is("lib") || target.is("rlib"))
            .ok_or_else(|| PackageError::NoLibrary(package.name.clone()))?;
        Ok(Library {
            package: package.name.clone(),
            crate_name: lib.name.replace('-', "_"),
            dir: dir.to_path_buf(),
            root_file: lib.src_path.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(packages: &[(&str, &[(&str, &str)])]) -> Metadata {
        let packages: Vec<serde_json::Value> = packages
            .iter()
            .map(|(name, targets)| {
                let targets: Vec<serde_json::Value> = targets
                    .iter()
                    .map(|(kind, target)| {
                        serde_json::json!({"name": target, "kind": [kind], "src_path": format!("/workspace/{name}/src/{target}.rs")})
                    })
                    .collect();
                serde_json::json!({"id": name, "name": name, "manifest_path": format!("/workspace/{name}/Cargo.toml"), "targets": targets})
            })
            .collect();
        let members: Vec<&str> = packages.iter().filter_map(|package| package["id"].as_str()).collect();
        let json = serde_json::json!({"packages": packages, "workspace_members": members});
        Metadata::parse(json.to_string().as_bytes()).expect("valid metadata")
    }

    #[test]
    fn one_binary_builds_and_several_need_func_bin() {
        let single = metadata(&[("app", &[("bin", "app"), ("lib", "app")])]);
        assert_eq!(single.app_binary(None).expect("one binary").name, "app");
        let workspace = metadata(&[("api", &[("bin", "api")]), ("worker", &[("bin", "worker")])]);
        let error = workspace.app_binary(None).expect_err("two binaries");
        assert_eq!(
            error.to_string(),
            "the source has several binaries and FUNC_BIN does not say which to build: api (package api), worker (package worker)"
        );
        assert_eq!(workspace.app_binary(Some("worker")).expect("named").package, "worker");
        assert!(matches!(workspace.app_binary(Some("nope")), Err(PackageError::UnknownBinary { .. })));
        assert!(matches!(metadata(&[("lib", &[("lib", "lib")])]).app_binary(None), Err(PackageError::NoBinary)));
    }

    #[test]
    fn a_function_is_served_from_the_library_of_its_directory() {
        let source = metadata(&[("rust-http", &[("lib", "rust-http")])]);
        let library = source.library_in(Path::new("/workspace/rust-http")).expect("a library");
        assert_eq!(library.crate_name, "rust_http");
        assert!(matches!(source.library_in(Path::new("/workspace")), Err(PackageError::NoPackage(_))));
        let binary_only = metadata(&[("app", &[("bin", "app")])]);
        assert!(matches!(binary_only.library_in(Path::new("/workspace/app")), Err(PackageError::NoLibrary(_))));
    }
}
