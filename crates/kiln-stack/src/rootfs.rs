//! Finishing a bootstrapped root filesystem: removing what differs between two builds, and
//! writing what maintainer scripts would have written when the image skipped them.

use crate::prune::{prune, Pattern, PruneError};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Files that differ between two builds of the same packages, or that belong to the host the
/// image was built on (hostname, resolver), or are caches nobody needs in an image.
/// Found by diffing two builds; mmdebstrap's `SOURCE_DATE_EPOCH` handling covers dates and dpkg logs.
const VARYING: &[&str] = &[
    "etc/hostname",
    "etc/resolv.conf",
    "etc/*-",
    "etc/.pwd.lock",
    "var/log/*.log",
    "var/log/apt/*",
    "var/cache/ldconfig/aux-cache",
    "var/cache/debconf/*-old",
    "var/lib/dpkg/*-old",
    "var/lib/dpkg/lock*",
    "var/lib/apt/lists/*",
    "var/cache/apt/*.bin",
    "var/cache/apt/archives/*",
    "var/lib/dbus/machine-id",
    "tmp/*",
    "run/*",
];

const CA_BUNDLE: &str = "etc/ssl/certs/ca-certificates.crt";

#[derive(Debug, thiserror::Error)]
pub enum RootfsError {
    #[error(transparent)]
    Prune(#[from] PruneError),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the image has no CA certificates under usr/share/ca-certificates; add the ca-certificates package")]
    NoCertificates,
    #[error("the image has no usable /etc/os-release ({0}); add the base-files package")]
    OsRelease(String),
}

/// Removes build-to-build differences and host files.
///
/// # Errors
/// The tree cannot be walked or a file cannot be removed.
pub fn remove_varying_files(root: &Path) -> Result<usize, RootfsError> {
    let patterns: Vec<Pattern> = VARYING.iter().map(|pattern| Pattern::new(pattern)).collect();
    Ok(prune(root, &patterns, &[])?)
}

/// `/tmp` world-writable with the sticky bit, as programs expect.
///
/// # Errors
/// The directory cannot be created or changed.
pub fn make_tmp(root: &Path) -> Result<(), RootfsError> {
    let tmp = root.join("tmp");
    let io = |source| RootfsError::Io { path: tmp.clone(), source };
    std::fs::create_dir_all(&tmp).map_err(io)?;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o1777)).map_err(io)
}

/// Points `/etc/localtime` at `zone` and names it in `/etc/timezone`, as tzdata's configuration does.
///
/// # Errors
/// The files cannot be written.
pub fn set_timezone(root: &Path, zone: &str) -> Result<(), RootfsError> {
    let localtime = root.join("etc/localtime");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RootfsError::Io { path, source }
    };
    if localtime.symlink_metadata().is_ok() {
        std::fs::remove_file(&localtime).map_err(io(&localtime))?;
    }
    std::os::unix::fs::symlink(format!("/usr/share/zoneinfo/{zone}"), &localtime).map_err(io(&localtime))?;
    let timezone = root.join("etc/timezone");
    std::fs::write(&timezone, format!("{zone}\n")).map_err(io(&timezone))
}

/// Writes `/etc/ssl/certs/ca-certificates.crt` from the certificates the ca-certificates package
/// ships, sorted by path, when no maintainer script did. Returns whether it wrote one.
///
/// # Errors
/// There are no certificates, or the bundle cannot be written.
pub fn ensure_ca_bundle(root: &Path) -> Result<bool, RootfsError> {
    let bundle = root.join(CA_BUNDLE);
    if bundle.exists() {
        return Ok(false);
    }
    let mut certificates: Vec<PathBuf> = walkdir::WalkDir::new(root.join("usr/share/ca-certificates"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file() && entry.path().extension().is_some_and(|ext| ext == "crt"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    if certificates.is_empty() {
        return Err(RootfsError::NoCertificates);
    }
    certificates.sort();
    let mut contents = String::new();
    for certificate in &certificates {
        let text = std::fs::read_to_string(certificate)
            .map_err(|source| RootfsError::Io { path: certificate.clone(), source })?;
        contents.push_str(text.trim_end());
        contents.push('\n');
    }
    let io = |source| RootfsError::Io { path: bundle.clone(), source };
    std::fs::create_dir_all(bundle.parent().unwrap_or(root)).map_err(io)?;
    std::fs::write(&bundle, contents).map_err(io)?;
    Ok(true)
}

/// `ID` and `VERSION_ID` of the image's `/etc/os-release`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsRelease {
    pub id: String,
    pub version_id: String,
}

impl OsRelease {
    /// Reads `etc/os-release` (a link to `usr/lib/os-release` on Debian) under `root`.
    ///
    /// # Errors
    /// The file is missing or lacks `ID` / `VERSION_ID`.
    pub fn read(root: &Path) -> Result<Self, RootfsError> {
        let mut path = root.join("etc/os-release");
        if let Ok(target) = std::fs::read_link(&path) {
            // Resolve inside the image, not on the host.
            path = if target.is_absolute() {
                root.join(target.strip_prefix("/").unwrap_or(&target))
            } else {
                root.join("etc").join(target)
            };
        }
        let text = std::fs::read_to_string(&path).map_err(|error| RootfsError::OsRelease(error.to_string()))?;
        Self::parse(&text)
    }

    fn parse(text: &str) -> Result<Self, RootfsError> {
        let field = |name: &str| {
            text.lines()
                .filter_map(|line| line.split_once('='))
                .find(|(key, _)| key.trim() == name)
                .map(|(_, value)| value.trim().trim_matches('"').to_string())
                .ok_or_else(|| RootfsError::OsRelease(format!("no {name}")))
        };
        Ok(Self { id: field("ID")?, version_id: field("VERSION_ID")? })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, file: &str, contents: &str) {
        let path = root.join(file);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(path, contents).expect("write");
    }

    #[test]
    fn removes_host_files_logs_and_backups_but_not_their_directories() {
        let root = tempfile::tempdir().expect("tempdir");
        for file in ["etc/hostname", "etc/passwd-", "etc/passwd", "var/log/apt/term.log", "var/lib/dpkg/status-old"] {
            write(root.path(), file, "x");
        }
        remove_varying_files(root.path()).expect("clean");
        assert!(!root.path().join("etc/hostname").exists());
        assert!(!root.path().join("etc/passwd-").exists());
        assert!(root.path().join("etc/passwd").exists());
        assert!(!root.path().join("var/log/apt/term.log").exists());
        assert!(root.path().join("var/log/apt").exists());
        assert!(!root.path().join("var/lib/dpkg/status-old").exists());
    }

    #[test]
    fn tmp_is_sticky_and_world_writable() {
        let root = tempfile::tempdir().expect("tempdir");
        make_tmp(root.path()).expect("tmp");
        let mode = std::fs::metadata(root.path().join("tmp")).expect("tmp").permissions().mode();
        assert_eq!(mode & 0o7777, 0o1777);
    }

    #[test]
    fn timezone_links_into_zoneinfo() {
        let root = tempfile::tempdir().expect("tempdir");
        write(root.path(), "etc/localtime", "old");
        set_timezone(root.path(), "Etc/UTC").expect("timezone");
        let target = std::fs::read_link(root.path().join("etc/localtime")).expect("link");
        assert_eq!(target, Path::new("/usr/share/zoneinfo/Etc/UTC"));
        assert_eq!(std::fs::read_to_string(root.path().join("etc/timezone")).expect("timezone"), "Etc/UTC\n");
    }

    #[test]
    fn assembles_the_ca_bundle_in_path_order_only_when_missing() {
        let root = tempfile::tempdir().expect("tempdir");
        write(root.path(), "usr/share/ca-certificates/mozilla/B.crt", "B\n");
        write(root.path(), "usr/share/ca-certificates/mozilla/A.crt", "A");
        assert!(ensure_ca_bundle(root.path()).expect("bundle"));
        assert_eq!(std::fs::read_to_string(root.path().join(CA_BUNDLE)).expect("bundle"), "A\nB\n");
        assert!(!ensure_ca_bundle(root.path()).expect("bundle exists"));
    }

    #[test]
    fn an_image_without_certificates_names_the_package() {
        let root = tempfile::tempdir().expect("tempdir");
        let error = ensure_ca_bundle(root.path()).expect_err("no certificates").to_string();
        assert!(error.contains("ca-certificates package"), "{error}");
    }

    #[test]
    fn reads_os_release_through_its_link_inside_the_image() {
        let root = tempfile::tempdir().expect("tempdir");
        write(
            root.path(),
            "usr/lib/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nVERSION_ID=\"13\"\nID=debian\n",
        );
        std::fs::create_dir(root.path().join("etc")).expect("etc");
        std::os::unix::fs::symlink("../usr/lib/os-release", root.path().join("etc/os-release")).expect("link");
        let release = OsRelease::read(root.path()).expect("os-release");
        assert_eq!(release, OsRelease { id: "debian".to_string(), version_id: "13".to_string() });
    }
}
