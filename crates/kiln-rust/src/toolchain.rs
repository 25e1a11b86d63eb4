//! Which Rust a build gets, and the official dist archives it is made of.
//!
//! The version comes from `rust-toolchain.toml` (or the older `rust-toolchain`), else from
//! Cargo.toml's `rust-version` as a minimum, else it is the newest stable in the inventory.
//! A release is several archives, one per component, each its own inventory entry named after
//! the component: `rustc`, `cargo`, `rust-std` (the build target's standard library) and
//! `rust-std-<target>` for an extra target (`rust-std-wasm32-wasip2`). They are installed
//! together into one toolchain directory, as rustup's `install.sh` would lay them out.

use crate::rust_version::{InvalidVersion, PartialVersion, RustVersion};
use kiln_buildpack::{ArchiveContents, CoreError, Toolchain};
use kiln_error::{ErrorKind, ErrorMessage};
use kiln_inventory::{Artifact, Tool, INVENTORY_ENV};
use libcnb::{Env, Target};
use std::fmt;
use std::path::{Path, PathBuf};

pub const EMBEDDED_INVENTORY: &str = include_str!("../inventory.toml");

/// The toolchain as a whole, named by its `rustc` entries: the version is picked among them.
pub const RUST: Toolchain = Toolchain {
    tool: Tool::secondary("rustc"),
    title: "Rust",
    embedded_inventory: EMBEDDED_INVENTORY,
    contents: ArchiveContents {
        rule: "rust-dist-components-without-docs-1",
        keep: |path| !is_documentation(path),
        left_out: "left out the docs and man pages",
    },
};

/// The components every build installs beside `rustc`.
const CARGO: Tool = Tool::secondary("cargo");
const HOST_STD: Tool = Tool::secondary("rust-std");

/// What the source asks of the Rust version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Requirement {
    /// A toolchain file's channel naming a release, `1.95.0`, or a minor line, `1.95`.
    Channel { version: PartialVersion, file: &'static str },
    /// A toolchain file's channel kiln has no archives for: `nightly`, `beta`, a dated one.
    UnsupportedChannel { channel: String, file: &'static str },
    /// Cargo.toml's `rust-version`: the oldest release that builds the package.
    AtLeast(PartialVersion),
    /// Nothing asked: the newest stable release.
    NewestStable,
}

#[derive(Debug, thiserror::Error)]
pub enum ToolchainFileError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file} is not valid TOML: {source}")]
    Toml {
        file: &'static str,
        #[source]
        source: toml::de::Error,
    },
    #[error("Cargo.toml's rust-version: {0}")]
    RustVersion(InvalidVersion),
}

impl ToolchainFileError {
    #[must_use]
    pub fn message(&self) -> ErrorMessage {
        ErrorMessage::new(
            ErrorKind::InvalidSource,
            "Cannot tell which Rust to use",
            self.to_string(),
            "Write the channel as rustup does: `[toolchain]\\nchannel = \"1.95.0\"` in rust-toolchain.toml, and rust-version = \"1.85\" in Cargo.toml.",
        )
    }
}

const TOOLCHAIN_FILES: [&str; 2] = ["rust-toolchain", "rust-toolchain.toml"];

impl Requirement {
    /// The requirement of the source in `app_dir`: rustup's toolchain files first (the older
    /// `rust-toolchain` wins when both exist, as with rustup), then `cargo_toml`'s
    /// `rust-version`.
    pub fn of(app_dir: &Path, cargo_toml: &toml::Table) -> Result<Self, ToolchainFileError> {
        for file in TOOLCHAIN_FILES {
            let path = app_dir.join(file);
            match std::fs::read_to_string(&path) {
                Ok(text) => return Ok(Self::of_channel(&channel_of(&text, file)?, file)),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(ToolchainFileError::Read { path, source }),
            }
        }
        match rust_version(cargo_toml) {
            Some(text) => Ok(Self::AtLeast(text.parse().map_err(ToolchainFileError::RustVersion)?)),
            None => Ok(Self::NewestStable),
        }
    }

    fn of_channel(channel: &str, file: &'static str) -> Self {
        match channel {
            "stable" => Self::NewestStable,
            _ => channel.parse().map_or_else(
                |_| Self::UnsupportedChannel { channel: channel.to_string(), file },
                |version| Self::Channel { version, file },
            ),
        }
    }
}

/// The channel a toolchain file names: the TOML form's `[toolchain] channel`, or the older
/// form's single line.
fn channel_of(text: &str, file: &'static str) -> Result<String, ToolchainFileError> {
    let trimmed = text.trim();
    if file == "rust-toolchain" && !trimmed.contains('\n') && !trimmed.contains('=') && !trimmed.starts_with('[') {
        return Ok(trimmed.to_string());
    }
    let table: toml::Table = toml::from_str(text).map_err(|source| ToolchainFileError::Toml { file, source })?;
    let channel = table.get("toolchain").and_then(|toolchain| toolchain.get("channel")).and_then(toml::Value::as_str);
    Ok(channel.unwrap_or("stable").to_string())
}

/// `package.rust-version`, or the workspace's when the package inherits it (or the root is a
/// virtual workspace).
fn rust_version(cargo_toml: &toml::Table) -> Option<&str> {
    let package = cargo_toml.get("package").and_then(|package| package.get("rust-version"));
    let workspace = || {
        cargo_toml.get("workspace").and_then(|workspace| workspace.get("package")).and_then(|p| p.get("rust-version"))
    };
    package.and_then(toml::Value::as_str).or_else(|| workspace().and_then(toml::Value::as_str))
}

impl kiln_buildpack::Requirement<RustVersion> for Requirement {
    fn accepts(&self, version: &RustVersion) -> bool {
        match self {
            Self::Channel { version: wanted, .. } => wanted.matches(*version),
            Self::UnsupportedChannel { .. } => false,
            Self::AtLeast(minimum) => *version >= minimum.lowest(),
            Self::NewestStable => true,
        }
    }

    fn how_to_change(&self) -> String {
        match self {
            Self::Channel { file, .. } | Self::UnsupportedChannel { file, .. } => {
                format!("Set the channel in {file} to a supported stable release (or `stable`)")
            }
            Self::AtLeast(_) => "Lower the `rust-version` of Cargo.toml to a supported release".to_string(),
            Self::NewestStable => "Name a supported release in rust-toolchain.toml".to_string(),
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Channel { version, file } => write!(f, "Rust {version} ({file})"),
            Self::UnsupportedChannel { channel, file } => write!(f, "The Rust channel `{channel}` ({file})"),
            Self::AtLeast(minimum) => write!(f, "Rust {minimum} or newer (Cargo.toml `rust-version`)"),
            Self::NewestStable => f.write_str("The newest stable Rust"),
        }
    }
}

/// The archives beside `rustc` of its release: cargo, the build target's standard library and
/// those of `extra_targets` (`rust-std-<target>` tools), from the same inventory.
pub fn components(
    rustc: &Artifact<RustVersion>,
    extra_targets: &[Tool],
    platform_env: &Env,
    target: &Target,
) -> Result<Vec<Artifact<RustVersion>>, CoreError> {
    let release = Requirement::Channel {
        version: PartialVersion {
            major: rustc.version.major,
            minor: rustc.version.minor,
            patch: Some(rustc.version.patch),
        },
        file: "the rustc entry it goes with",
    };
    let override_location = platform_env.get_string_lossy(INVENTORY_ENV);
    let mut components = Vec::new();
    for tool in [CARGO, HOST_STD].iter().chain(extra_targets) {
        let (inventory, origin) =
            kiln_inventory::load::<RustVersion>(override_location.as_deref(), EMBEDDED_INVENTORY, *tool)
                .map_err(|source| CoreError::Inventory { title: RUST.title, source: Box::new(source) })?;
        let component = Toolchain { tool: *tool, title: tool.name, ..RUST };
        let artifact = kiln_buildpack::resolve(&component, &release, &inventory, &origin, &target.os, &target.arch)?;
        components.push(artifact.clone());
    }
    Ok(components)
}

/// Whether an archive entry is documentation: `rustc-1.95.0-…/rustc/share/doc/…`.
fn is_documentation(path: &Path) -> bool {
    let parts: Vec<_> = path.components().map(std::path::Component::as_os_str).collect();
    parts.windows(2).any(|pair| pair[0] == "share" && (pair[1] == "doc" || pair[1] == "man"))
}

/// Lays out the unpacked dist archives in `parts` as one toolchain at `home`: each archive
/// lists its components in its `components` file, and each component directory holds
/// `bin/`, `lib/`, … relative to the install prefix (what `install.sh --prefix` copies).
pub fn assemble(parts: &[PathBuf], home: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(home)?;
    for part in parts {
        for component in std::fs::read_to_string(part.join("components"))?.lines().filter(|line| !line.is_empty()) {
            merge_into(&part.join(component), home)?;
        }
    }
    Ok(())
}

/// Moves the tree `from` into `to`, merging directories; `manifest.in` (install.sh's file list)
/// is left behind.
fn merge_into(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let destination = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            std::fs::create_dir_all(&destination)?;
            merge_into(&entry.path(), &destination)?;
        } else if entry.file_name() != "manifest.in" {
            std::fs::rename(entry.path(), destination)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_buildpack::resolve;
    use kiln_inventory::Inventory;

    fn version(text: &str) -> RustVersion {
        text.parse().expect("valid version")
    }

    fn source(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).expect("write");
        }
        dir
    }

    fn requirement(files: &[(&str, &str)], cargo_toml: &str) -> Requirement {
        let dir = source(files);
        Requirement::of(dir.path(), &toml::from_str(cargo_toml).expect("valid TOML")).expect("a requirement")
    }

    fn resolved(requirement: &Requirement) -> Result<RustVersion, String> {
        let (inventory, origin) =
            kiln_inventory::load::<RustVersion>(None, EMBEDDED_INVENTORY, RUST.tool).expect("the inventory parses");
        resolve(&RUST, requirement, &inventory, &origin, "linux", "amd64")
            .map(|artifact| artifact.version)
            .map_err(|error| error.to_string())
    }

    #[test]
    fn toolchain_files_come_first_then_rust_version_then_the_newest_stable() {
        let cargo_toml = "[package]\nname = \"f\"\nrust-version = \"1.96\"\n";
        let toml_channel = ("rust-toolchain.toml", "[toolchain]\nchannel = \"1.95.0\"\ncomponents = [\"clippy\"]\n");
        assert_eq!(resolved(&requirement(&[toml_channel], cargo_toml)), Ok(version("1.95.0")));
        assert_eq!(resolved(&requirement(&[("rust-toolchain", "1.98\n"), toml_channel], "")), Ok(version("1.98.0")));
        assert_eq!(resolved(&requirement(&[], cargo_toml)), Ok(version("1.99.1")));
        assert_eq!(requirement(&[], cargo_toml), Requirement::AtLeast("1.96".parse().expect("valid")));
        let workspace =
            "[workspace.package]\nrust-version = \"1.97\"\n[package]\nname = \"f\"\nrust-version.workspace = true\n";
        assert_eq!(requirement(&[], workspace), Requirement::AtLeast("1.97".parse().expect("valid")));
        assert_eq!(
            requirement(&[("rust-toolchain.toml", "[toolchain]\nchannel = \"stable\"\n")], ""),
            Requirement::NewestStable
        );
        assert_eq!(resolved(&requirement(&[], "")), Ok(version("1.99.1")));
    }

    #[test]
    fn unsupported_versions_and_channels_list_the_supported_releases() {
        let nightly = requirement(&[("rust-toolchain.toml", "[toolchain]\nchannel = \"nightly-2026-01-01\"\n")], "");
        let error = resolved(&nightly).expect_err("no nightlies");
        assert!(error.starts_with("The Rust channel `nightly-2026-01-01` (rust-toolchain.toml) is not in"), "{error}");
        assert!(error.ends_with("Supported versions: 1.99.1, 1.98.0, 1.97.0, 1.95.0"), "{error}");
        let too_new = requirement(&[], "[package]\nrust-version = \"1.120\"\n");
        assert!(resolved(&too_new).is_err());
        let missing_patch = requirement(&[("rust-toolchain", "1.95.7")], "");
        assert!(resolved(&missing_patch).expect_err("no 1.95.7").contains("Rust 1.95.7 (rust-toolchain)"));
    }

    #[test]
    fn a_release_is_rustc_cargo_and_the_standard_library_of_the_same_version() {
        let rustc = Artifact {
            version: version("1.95.0"),
            os: "linux".into(),
            arch: "amd64".into(),
            url: String::new(),
            checksum: format!("sha256:{}", "0".repeat(64)).parse().expect("valid"),
        };
        let target = Target {
            os: "linux".into(),
            arch: "amd64".into(),
            arch_variant: None,
            distro_name: String::new(),
            distro_version: String::new(),
        };
        let wasm = Tool::secondary("rust-std-wasm32-wasip2");
        let urls: Vec<String> = components(&rustc, &[wasm], &Env::new(), &target)
            .expect("all components are in the inventory")
            .into_iter()
            .map(|artifact| artifact.url)
            .collect();
        assert_eq!(
            urls,
            [
                "https://static.rust-lang.org/dist/2026-04-16/cargo-1.95.0-x86_64-unknown-linux-gnu.tar.xz",
                "https://static.rust-lang.org/dist/2026-04-16/rust-std-1.95.0-x86_64-unknown-linux-gnu.tar.xz",
                "https://static.rust-lang.org/dist/2026-04-16/rust-std-1.95.0-wasm32-wasip2.tar.xz",
            ]
        );
    }

    #[test]
    fn only_rust_entries_of_a_shared_inventory_are_read() {
        let shared = format!(
            "[[artifacts]]\nname = \"go\"\nversion = \"go1.26.8\"\nos = \"linux\"\narch = \"amd64\"\nurl = \"http://127.0.0.1:9/go\"\nchecksum = \"sha256:{0}\"\n\n[[artifacts]]\nversion = \"go1.27.0\"\nos = \"linux\"\narch = \"amd64\"\nurl = \"http://127.0.0.1:9/go2\"\nchecksum = \"sha256:{0}\"\n",
            "0".repeat(64)
        );
        let inventory =
            Inventory::<RustVersion>::from_toml(&shared, RUST.tool).expect("Go's entries are skipped unread");
        assert!(inventory.artifacts.is_empty());
    }

    #[test]
    fn the_components_merge_into_one_prefix_without_their_file_lists() {
        let work = tempfile::tempdir().expect("temp dir");
        let part = |name: &str, component: &str, file: &str| {
            let dir = work.path().join(name);
            std::fs::create_dir_all(dir.join(component).join(Path::new(file).parent().expect("a parent")))
                .expect("dirs");
            std::fs::write(dir.join(component).join(file), name).expect("file");
            std::fs::write(dir.join(component).join("manifest.in"), "file:x").expect("manifest");
            std::fs::write(dir.join("components"), format!("{component}\n")).expect("components");
            dir
        };
        let parts = [
            part("rustc", "rustc", "bin/rustc"),
            part("std", "rust-std-x86_64-unknown-linux-gnu", "lib/rustlib/x86_64-unknown-linux-gnu/lib/libstd.rlib"),
        ];
        let home = work.path().join("home");
        assemble(&parts, &home).expect("assembles");
        assert!(home.join("bin/rustc").is_file());
        assert!(home.join("lib/rustlib/x86_64-unknown-linux-gnu/lib/libstd.rlib").is_file());
        assert!(!home.join("manifest.in").exists());
        assert!(is_documentation(Path::new("rustc-1.95.0-x86_64-unknown-linux-gnu/rustc/share/doc/rust/README.md")));
        assert!(!is_documentation(Path::new("rustc-1.95.0-x86_64-unknown-linux-gnu/rustc/bin/rustc")));
    }
}
