//! Which package manager installs the dependencies: the one package.json's `packageManager`
//! names (corepack's field), else the one whose lockfile the source has, else npm. pnpm and
//! yarn are installed from the npm registry (see `layers/package_manager.rs`), so the registry
//! settings that reach npm (`NPM_CONFIG_REGISTRY`, a project .npmrc) cover them too.

use crate::package_json::PackageJson;
use std::fmt;
use std::path::Path;

/// The versions a build gets when the source names none: the newest of each line when this
/// buildpack was released (pnpm 10 reads the lockfiles pnpm 9 and 10 write).
const DEFAULT_PNPM: &str = "10.34.8";
const DEFAULT_YARN_CLASSIC: &str = "1.22.22";
const DEFAULT_YARN_BERRY: &str = "4.18.1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Manager {
    Npm,
    Pnpm,
    /// yarn 1.x.
    YarnClassic,
    /// yarn 4 and later (2 and 3 need a plugin from GitHub to leave out dev dependencies).
    YarnBerry,
}

impl Manager {
    /// The command it runs as.
    pub(crate) fn program(self) -> &'static str {
        match self {
            Self::Npm => "npm",
            Self::Pnpm => "pnpm",
            Self::YarnClassic | Self::YarnBerry => "yarn",
        }
    }

    /// The lockfile it installs from.
    pub(crate) fn lockfile(self) -> &'static str {
        match self {
            Self::Npm => "package-lock.json",
            Self::Pnpm => "pnpm-lock.yaml",
            Self::YarnClassic | Self::YarnBerry => "yarn.lock",
        }
    }

    /// The npm package it is published as.
    fn package(self) -> &'static str {
        match self {
            Self::Npm => "npm",
            Self::Pnpm => "pnpm",
            Self::YarnClassic => "yarn",
            Self::YarnBerry => "@yarnpkg/cli-dist",
        }
    }
}

impl fmt::Display for Manager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.program())
    }
}

/// The lockfiles that name a package manager, in the order the error for several lists them.
const LOCKFILES: [(&str, Manager); 4] = [
    ("package-lock.json", Manager::Npm),
    ("npm-shrinkwrap.json", Manager::Npm),
    ("pnpm-lock.yaml", Manager::Pnpm),
    ("yarn.lock", Manager::YarnClassic),
];

/// The package manager of a source, and the release of it to install, if any: npm comes with
/// Node.js unless `packageManager` pins another release.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct PackageManager {
    pub(crate) manager: Manager,
    pub(crate) tool: Option<ToolRelease>,
}

/// A package manager release to install from the npm registry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ToolRelease {
    pub(crate) package: &'static str,
    /// An exact version, or a range from `engines` that npm resolves.
    pub(crate) version: String,
    /// Where the version comes from, for the log.
    pub(crate) origin: &'static str,
    /// corepack's `+sha512.<hex>` suffix: the digest of the package's tarball, or, for yarn 4,
    /// of its `bin/yarn.js` (the file corepack downloads).
    pub(crate) digest: Option<ToolDigest>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ToolDigest {
    pub(crate) algorithm: DigestAlgorithm,
    pub(crate) hex: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DigestAlgorithm {
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sha224 => "sha224",
            Self::Sha256 => "sha256",
            Self::Sha384 => "sha384",
            Self::Sha512 => "sha512",
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum PackageManagerError {
    #[error(
        "package.json's `packageManager` is `{0}`, which is not `<name>@<version>` with an exact version (corepack's form, e.g. `pnpm@10.34.8`)"
    )]
    Malformed(String),
    #[error("package.json's `packageManager` names `{0}`; kiln installs dependencies with npm, pnpm or yarn")]
    Unknown(String),
    #[error("package.json's `packageManager` ends in a `{0}` digest; corepack's are sha224, sha256, sha384 or sha512")]
    DigestAlgorithm(String),
    #[error("package.json's `packageManager` names {declared}, but the source's lockfile is {lockfile}, which {declared} does not read")]
    Conflict { declared: Manager, lockfile: &'static str },
    #[error("the source has the lockfiles of several package managers: {}", .0.join(", "))]
    SeveralLockfiles(Vec<&'static str>),
    #[error("the source asks for yarn {0}; kiln builds with yarn 1, or 4 and later")]
    UnsupportedYarn(String),
}

impl PackageManager {
    /// The package manager of the source in `app_dir`.
    pub(crate) fn of(app_dir: &Path, package: &PackageJson) -> Result<Self, PackageManagerError> {
        let lockfiles: Vec<(&'static str, Manager)> =
            LOCKFILES.into_iter().filter(|(name, _)| app_dir.join(name).is_file()).collect();
        let berry_lockfile = is_berry_lockfile(app_dir);
        let Some(declared) = &package.package_manager else {
            let manager = match lockfiles.as_slice() {
                [] => Manager::Npm,
                [(_, only)] => *only,
                // package-lock.json beside npm-shrinkwrap.json is npm's own affair.
                [(_, first), rest @ ..] if rest.iter().all(|(_, manager)| manager == first) => *first,
                several => {
                    return Err(PackageManagerError::SeveralLockfiles(several.iter().map(|(name, _)| *name).collect()))
                }
            };
            return Self::from_engines(manager, package, berry_lockfile);
        };
        let (name, version, digest) = parse_package_manager(declared)?;
        let manager = match name {
            "npm" => Manager::Npm,
            "pnpm" => Manager::Pnpm,
            "yarn" => yarn_line(&version)?,
            other => return Err(PackageManagerError::Unknown(other.to_string())),
        };
        let reads = |lockfile_manager: Manager| {
            lockfile_manager == manager || (lockfile_manager == Manager::YarnClassic && manager == Manager::YarnBerry)
        };
        if !lockfiles.is_empty() && !lockfiles.iter().any(|(_, lockfile_manager)| reads(*lockfile_manager)) {
            return Err(PackageManagerError::Conflict { declared: manager, lockfile: lockfiles[0].0 });
        }
        let tool = ToolRelease { package: manager.package(), version, origin: "package.json `packageManager`", digest };
        Ok(Self { manager, tool: Some(tool) })
    }

    /// A manager chosen by its lockfile, at the version `engines` asks for or kiln's default.
    fn from_engines(
        manager: Manager,
        package: &PackageJson,
        berry_lockfile: bool,
    ) -> Result<Self, PackageManagerError> {
        let (manager, engine, default) = match manager {
            Manager::Npm => return Ok(Self { manager, tool: None }),
            Manager::Pnpm => (Manager::Pnpm, "pnpm", DEFAULT_PNPM),
            Manager::YarnClassic | Manager::YarnBerry if berry_lockfile => {
                (Manager::YarnBerry, "yarn", DEFAULT_YARN_BERRY)
            }
            Manager::YarnClassic | Manager::YarnBerry => (Manager::YarnClassic, "yarn", DEFAULT_YARN_CLASSIC),
        };
        let (version, origin) = match package.engines.get(engine) {
            Some(range) => {
                let origin =
                    if engine == "pnpm" { "package.json `engines.pnpm`" } else { "package.json `engines.yarn`" };
                (range.trim().to_string(), origin)
            }
            None => (default.to_string(), "kiln's default"),
        };
        if let Some(major) = exact_major(&version) {
            if manager == Manager::YarnBerry && major < 4 || manager == Manager::YarnClassic && major != 1 {
                return Err(PackageManagerError::UnsupportedYarn(version));
            }
        }
        Ok(Self { manager, tool: Some(ToolRelease { package: manager.package(), version, origin, digest: None }) })
    }
}

/// yarn 2 and later write `__metadata` into yarn.lock; yarn 1's lockfile has none.
fn is_berry_lockfile(app_dir: &Path) -> bool {
    std::fs::read_to_string(app_dir.join("yarn.lock")).is_ok_and(|text| text.lines().any(|line| line == "__metadata:"))
}

fn yarn_line(version: &str) -> Result<Manager, PackageManagerError> {
    match exact_major(version) {
        Some(1) => Ok(Manager::YarnClassic),
        Some(major) if major >= 4 => Ok(Manager::YarnBerry),
        _ => Err(PackageManagerError::UnsupportedYarn(version.to_string())),
    }
}

/// The major version of an exact version (`4.18.1`), `None` for a range.
fn exact_major(version: &str) -> Option<u64> {
    let mut parts = version.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let exact = parts.next()?.parse::<u64>().is_ok() && parts.next()?.parse::<u64>().is_ok();
    exact.then_some(major)
}

/// `pnpm@10.34.8+sha512.<hex>` as its name, version and digest.
fn parse_package_manager(text: &str) -> Result<(&str, String, Option<ToolDigest>), PackageManagerError> {
    let malformed = || PackageManagerError::Malformed(text.to_string());
    let (name, rest) = text.trim().rsplit_once('@').filter(|(name, _)| !name.is_empty()).ok_or_else(malformed)?;
    let (version, digest) = match rest.split_once('+') {
        Some((version, digest)) => (version, Some(digest)),
        None => (rest, None),
    };
    if exact_major(version).is_none() {
        return Err(malformed());
    }
    let digest = match digest {
        None => None,
        Some(digest) => {
            let (algorithm, hex) = digest.split_once('.').ok_or_else(malformed)?;
            let algorithm = match algorithm {
                "sha224" => DigestAlgorithm::Sha224,
                "sha256" => DigestAlgorithm::Sha256,
                "sha384" => DigestAlgorithm::Sha384,
                "sha512" => DigestAlgorithm::Sha512,
                other => return Err(PackageManagerError::DigestAlgorithm(other.to_string())),
            };
            if hex.is_empty() || !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                return Err(malformed());
            }
            Some(ToolDigest { algorithm, hex: hex.to_ascii_lowercase() })
        }
    };
    Ok((name, version.to_string(), digest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(files: &[(&str, &str)]) -> (tempfile::TempDir, PackageJson) {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        let package = PackageJson::read(dir.path()).expect("package.json");
        (dir, package)
    }

    fn chosen(files: &[(&str, &str)]) -> Result<PackageManager, PackageManagerError> {
        let (dir, package) = source(files);
        PackageManager::of(dir.path(), &package)
    }

    #[test]
    fn the_lockfile_chooses_the_manager_and_engines_or_the_default_its_version() {
        assert_eq!(chosen(&[("package.json", "{}")]).expect("npm").manager, Manager::Npm);
        assert_eq!(chosen(&[("package.json", "{}"), ("package-lock.json", "{}")]).expect("npm").tool, None);
        let pnpm = chosen(&[("package.json", "{}"), ("pnpm-lock.yaml", "")]).expect("pnpm");
        let tool = pnpm.tool.expect("installed");
        assert_eq!((pnpm.manager, tool.package, tool.version.as_str()), (Manager::Pnpm, "pnpm", DEFAULT_PNPM));
        assert_eq!(tool.origin, "kiln's default");
        let classic = chosen(&[("package.json", r#"{"engines": {"yarn": "^1.22"}}"#), ("yarn.lock", "# yarn v1\n")])
            .expect("yarn 1");
        let tool = classic.tool.expect("installed");
        assert_eq!((classic.manager, tool.version.as_str()), (Manager::YarnClassic, "^1.22"));
        assert_eq!(tool.origin, "package.json `engines.yarn`");
        let berry = chosen(&[("package.json", "{}"), ("yarn.lock", "__metadata:\n  version: 8\n")]).expect("yarn 4");
        assert_eq!((berry.manager, berry.tool.expect("installed").package), (Manager::YarnBerry, "@yarnpkg/cli-dist"));
    }

    #[test]
    fn package_manager_names_the_manager_its_exact_version_and_digest() {
        let pnpm = chosen(&[("package.json", r#"{"packageManager": "pnpm@10.34.8+sha512.F627a8"}"#)]).expect("pnpm");
        let tool = pnpm.tool.expect("installed");
        assert_eq!((tool.version.as_str(), tool.origin), ("10.34.8", "package.json `packageManager`"));
        assert_eq!(tool.digest, Some(ToolDigest { algorithm: DigestAlgorithm::Sha512, hex: "f627a8".to_string() }));
        let npm = chosen(&[("package.json", r#"{"packageManager": "npm@11.6.2"}"#), ("package-lock.json", "{}")]);
        assert_eq!(npm.expect("npm").tool.expect("a pinned npm").package, "npm");
        let yarn = chosen(&[("package.json", r#"{"packageManager": "yarn@4.18.1"}"#), ("yarn.lock", "")]);
        assert_eq!(yarn.expect("yarn 4").manager, Manager::YarnBerry);
    }

    #[test]
    fn what_cannot_be_built_says_why() {
        let error = |files: &[(&str, &str)]| chosen(files).expect_err("refused").to_string();
        let message = error(&[("package.json", r#"{"packageManager": "pnpm@latest"}"#)]);
        assert!(message.contains("`pnpm@latest`, which is not `<name>@<version>`"), "{message}");
        let message = error(&[("package.json", r#"{"packageManager": "bun@1.3.0"}"#)]);
        assert!(message.contains("names `bun`"), "{message}");
        let message = error(&[("package.json", r#"{"packageManager": "pnpm@10.0.0+md5.abc"}"#)]);
        assert!(message.contains("`md5` digest"), "{message}");
        let message = error(&[("package.json", r#"{"packageManager": "pnpm@10.0.0"}"#), ("yarn.lock", "")]);
        assert!(message.contains("names pnpm, but the source's lockfile is yarn.lock"), "{message}");
        let message = error(&[("package.json", "{}"), ("package-lock.json", "{}"), ("yarn.lock", "")]);
        assert!(message.ends_with("several package managers: package-lock.json, yarn.lock"), "{message}");
        let message = error(&[("package.json", r#"{"packageManager": "yarn@3.8.7"}"#)]);
        assert!(message.contains("asks for yarn 3.8.7"), "{message}");
        let message = error(&[("package.json", r#"{"engines": {"yarn": "2.4.3"}}"#), ("yarn.lock", "__metadata:\n")]);
        assert!(message.contains("asks for yarn 2.4.3"), "{message}");
    }
}
