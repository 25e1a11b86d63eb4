//! The CNB lifecycle release tarball: which one to use, and what is inside it.

use flate2::read::GzDecoder;
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The lifecycle kiln builders get by default. Newer 0.21.x releases exist (v0.21.20 is the latest),
/// but the Go module proxy reachable from kiln's CI refuses the module zips of v0.21.15, v0.21.16 and
/// v0.21.18-v0.21.20 and a dependency zip of v0.21.17, and `scripts/build-lifecycle` must be able to
/// build the same version from source there. Keep in step with that script.
pub const LIFECYCLE_VERSION: &str = "0.21.14";

/// Binaries pack requires in a lifecycle tarball.
const REQUIRED_BINARIES: [&str; 7] = ["detector", "restorer", "analyzer", "builder", "exporter", "launcher", "creator"];

/// The release tarball pack downloads for a lifecycle version on linux/amd64.
#[must_use]
pub fn release_url(version: &str) -> String {
    format!("https://github.com/buildpacks/lifecycle/releases/download/v{version}/{}", archive_name(version))
}

/// `lifecycle-v<version>+linux.x86-64.tgz`, the name upstream and `scripts/build-lifecycle` use.
#[must_use]
pub fn archive_name(version: &str) -> String {
    format!("lifecycle-v{version}+linux.x86-64.tgz")
}

/// Where a lifecycle tarball comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LifecycleSource {
    Path(PathBuf),
    Url(String),
}

impl LifecycleSource {
    /// `http(s)://` URLs are downloaded; `file://` URLs and paths are read, paths relative to `base_dir`.
    #[must_use]
    pub fn parse(uri: &str, base_dir: &Path) -> Self {
        if uri.starts_with("http://") || uri.starts_with("https://") {
            Self::Url(uri.to_owned())
        } else {
            let path = Path::new(uri.strip_prefix("file://").unwrap_or(uri));
            Self::Path(base_dir.join(path))
        }
    }

    /// The release of a lifecycle version, as pack resolves `[lifecycle] version`.
    #[must_use]
    pub fn release(version: &str) -> Self {
        Self::Url(release_url(version))
    }
}

impl std::fmt::Display for LifecycleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Path(path) => write!(f, "{}", path.display()),
            Self::Url(url) => f.write_str(url),
        }
    }
}

/// `lifecycle.toml`: the version and the Buildpack/Platform APIs the lifecycle supports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleDescriptor {
    pub version: String,
    pub apis: Apis,
}

/// Supported and deprecated API versions per specification, as in `lifecycle.toml` and pack's label.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Apis {
    pub buildpack: ApiVersions,
    pub platform: ApiVersions,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, Serialize)]
pub struct ApiVersions {
    #[serde(default)]
    pub deprecated: Vec<String>,
    #[serde(default)]
    pub supported: Vec<String>,
}

impl ApiVersions {
    /// Whether a buildpack or platform speaking `api` can use this lifecycle.
    #[must_use]
    pub fn accepts(&self, api: &str) -> bool {
        self.supported.iter().chain(&self.deprecated).any(|v| parse_api(v) == parse_api(api))
    }

    /// The earliest API: what the deprecated single-value `[api]` table reports.
    pub fn earliest(&self) -> Option<&str> {
        self.deprecated.iter().chain(&self.supported).min_by_key(|v| parse_api(v)).map(String::as_str)
    }
}

/// `major.minor` as numbers, so "0.10" sorts after "0.9".
fn parse_api(version: &str) -> (u64, u64) {
    let mut parts = version.split('.').map(|p| p.parse().unwrap_or(u64::MAX));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[derive(Deserialize)]
struct DescriptorToml {
    apis: Option<Apis>,
    api: Option<LegacyApi>,
    lifecycle: VersionTable,
}

#[derive(Deserialize)]
struct LegacyApi {
    buildpack: String,
    platform: String,
}

#[derive(Deserialize)]
struct VersionTable {
    version: String,
}

/// One file or link of the lifecycle directory in the tarball.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleEntry {
    /// File name inside `/cnb/lifecycle/`.
    pub name: String,
    pub mode: u32,
    pub content: EntryContent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryContent {
    File(Vec<u8>),
    Symlink(String),
}

/// A lifecycle tarball read into memory (about 30 MB).
#[derive(Debug, Clone)]
pub struct LifecycleArchive {
    pub descriptor: LifecycleDescriptor,
    /// The `lifecycle.toml` text, copied into the builder.
    pub descriptor_toml: String,
    /// Files directly under the tarball's top directory, in tarball order.
    pub entries: Vec<LifecycleEntry>,
}

#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("cannot read lifecycle tarball {path}: {source}; pass a lifecycle-v<version>+linux.x86-64.tgz (scripts/build-lifecycle makes one)")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("lifecycle tarball {path} has no lifecycle.toml at its root; use an upstream release tarball or scripts/build-lifecycle's output")]
    NoDescriptor { path: PathBuf },
    #[error("lifecycle tarball {path} has an invalid lifecycle.toml: {source}")]
    Descriptor { path: PathBuf, source: Box<toml::de::Error> },
    #[error(
        "lifecycle tarball {path} lacks {binary}; use an upstream release tarball or scripts/build-lifecycle's output"
    )]
    MissingBinary { path: PathBuf, binary: &'static str },
}

impl LifecycleArchive {
    /// Reads a gzipped lifecycle tarball: `lifecycle.toml` at the root and `<dir>/<binary>` entries.
    ///
    /// # Errors
    /// The file is unreadable or lacks the descriptor or a required binary.
    pub fn read(path: &Path) -> Result<Self, LifecycleError> {
        let read_error = |source| LifecycleError::Read { path: path.to_owned(), source };
        let file = std::fs::File::open(path).map_err(read_error)?;
        let mut archive = tar::Archive::new(GzDecoder::new(file));
        let mut descriptor_toml = None;
        let mut entries = Vec::new();
        for entry in archive.entries().map_err(read_error)? {
            let mut entry = entry.map_err(read_error)?;
            let entry_path = entry.path().map_err(read_error)?.into_owned();
            let components: Vec<_> =
                entry_path.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect();
            let mode = entry.header().mode().map_err(read_error)?;
            match components.as_slice() {
                [file] if file.as_os_str() == "lifecycle.toml" => {
                    let mut text = String::new();
                    entry.read_to_string(&mut text).map_err(read_error)?;
                    descriptor_toml = Some(text);
                }
                // pack takes every entry exactly one level deep, whatever the top directory is called.
                [_, name] => {
                    let name = name.as_os_str().to_string_lossy().into_owned();
                    let content = if entry.header().entry_type().is_symlink() {
                        let target = entry.link_name().map_err(read_error)?.unwrap_or_default();
                        EntryContent::Symlink(target.to_string_lossy().into_owned())
                    } else if entry.header().entry_type().is_file() {
                        let mut bytes = Vec::new();
                        entry.read_to_end(&mut bytes).map_err(read_error)?;
                        EntryContent::File(bytes)
                    } else {
                        continue;
                    };
                    entries.push(LifecycleEntry { name, mode, content });
                }
                _ => {}
            }
        }
        let descriptor_toml = descriptor_toml.ok_or_else(|| LifecycleError::NoDescriptor { path: path.to_owned() })?;
        let descriptor = parse_descriptor(&descriptor_toml)
            .map_err(|source| LifecycleError::Descriptor { path: path.to_owned(), source: Box::new(source) })?;
        for binary in REQUIRED_BINARIES {
            if !entries.iter().any(|e| e.name == binary) {
                return Err(LifecycleError::MissingBinary { path: path.to_owned(), binary });
            }
        }
        Ok(Self { descriptor, descriptor_toml, entries })
    }
}

/// Parses `lifecycle.toml`; old descriptors with only `[api]` count as supporting just those APIs.
fn parse_descriptor(text: &str) -> Result<LifecycleDescriptor, toml::de::Error> {
    let toml: DescriptorToml = toml::from_str(text)?;
    let apis = toml.apis.unwrap_or_else(|| {
        let legacy = toml.api.unwrap_or(LegacyApi { buildpack: String::new(), platform: String::new() });
        Apis {
            buildpack: ApiVersions { deprecated: Vec::new(), supported: vec![legacy.buildpack] },
            platform: ApiVersions { deprecated: Vec::new(), supported: vec![legacy.platform] },
        }
    });
    Ok(LifecycleDescriptor { version: toml.lifecycle.version, apis })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESCRIPTOR: &str = r#"
[apis]
[apis.buildpack]
  deprecated = []
  supported = ["0.7", "0.8", "0.9", "0.10", "0.11", "0.12"]
[apis.platform]
  deprecated = []
  supported = ["0.7", "0.8", "0.9", "0.10", "0.11", "0.12", "0.13", "0.14", "0.15"]
[api]
  platform = "0.7"
  buildpack = "0.7"
[lifecycle]
  version = "0.21.14"
  sbom-formats = []
"#;

    #[test]
    fn release_url_matches_packs() {
        assert_eq!(
            release_url("0.21.14"),
            "https://github.com/buildpacks/lifecycle/releases/download/v0.21.14/lifecycle-v0.21.14+linux.x86-64.tgz"
        );
    }

    #[test]
    fn sources_distinguish_urls_from_paths() {
        let base = Path::new("/repo");
        assert_eq!(LifecycleSource::parse("https://x/l.tgz", base), LifecycleSource::Url("https://x/l.tgz".into()));
        assert_eq!(LifecycleSource::parse("out/l.tgz", base), LifecycleSource::Path("/repo/out/l.tgz".into()));
        assert_eq!(LifecycleSource::parse("file:///abs/l.tgz", base), LifecycleSource::Path("/abs/l.tgz".into()));
    }

    #[test]
    fn descriptor_lists_apis_and_earliest() {
        let descriptor = parse_descriptor(DESCRIPTOR).expect("valid");
        assert_eq!(descriptor.version, "0.21.14");
        assert!(descriptor.apis.buildpack.accepts("0.10"));
        assert!(!descriptor.apis.buildpack.accepts("0.6"));
        assert_eq!(descriptor.apis.platform.earliest(), Some("0.7"));
        assert_eq!(
            ApiVersions { deprecated: vec![], supported: vec!["0.10".into(), "0.9".into()] }.earliest(),
            Some("0.9")
        );
    }

    fn write_tarball(path: &Path, with_creator: bool) {
        let file = std::fs::File::create(path).expect("create");
        let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(file, flate2::Compression::fast()));
        let mut add = |name: &str, data: &[u8], mode: u32| {
            let mut header = tar::Header::new_ustar();
            header.set_size(data.len() as u64);
            header.set_mode(mode);
            tar.append_data(&mut header, name, data).expect("append");
        };
        add("lifecycle.toml", DESCRIPTOR.as_bytes(), 0o644);
        for binary in ["lifecycle", "launcher"] {
            add(&format!("lifecycle/{binary}"), b"#!", 0o755);
        }
        let mut links = vec!["analyzer", "builder", "detector", "exporter", "restorer"];
        if with_creator {
            links.push("creator");
        }
        for link in links {
            let mut header = tar::Header::new_ustar();
            header.set_entry_type(tar::EntryType::Symlink);
            header.set_size(0);
            header.set_mode(0o777);
            tar.append_link(&mut header, format!("lifecycle/{link}"), "lifecycle").expect("link");
        }
        tar.into_inner().expect("tar").finish().expect("gzip");
    }

    #[test]
    fn reads_release_layout() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("l.tgz");
        write_tarball(&path, true);
        let archive = LifecycleArchive::read(&path).expect("valid");
        assert_eq!(archive.descriptor.version, "0.21.14");
        let creator = archive.entries.iter().find(|e| e.name == "creator").expect("creator");
        assert_eq!(creator.content, EntryContent::Symlink("lifecycle".into()));
        let launcher = archive.entries.iter().find(|e| e.name == "launcher").expect("launcher");
        assert_eq!((launcher.mode, &launcher.content), (0o755, &EntryContent::File(b"#!".to_vec())));
    }

    #[test]
    fn missing_binary_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("l.tgz");
        write_tarball(&path, false);
        let error = LifecycleArchive::read(&path).expect_err("no creator");
        assert!(error.to_string().contains("creator"), "{error}");
    }
}
