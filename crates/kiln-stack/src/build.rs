//! Building one of the stack's images: bootstrap Debian, finish the root filesystem, turn it into
//! one reproducible layer and an image configuration, ready to push.

use crate::accounts::{add_user, AccountsError};
use crate::config::{image_configuration, ImageKind};
use crate::definition::StackDefinition;
use crate::mmdebstrap::{unpacked_debs, Bootstrap, MmdebstrapError};
use crate::packages::{describe, drop_unlisted, Package, PackagesError};
use crate::prune::{prune, Pattern};
use crate::rootfs::{self, OsRelease, RootfsError};
use kiln_oci::{Image, LayerError, LayerWriter, Ownership, LAYER_MTIME};
use std::collections::HashSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("building the stack needs root (mmdebstrap's root mode creates files owned by other users); run it as root, e.g. with sudo")]
    NotRoot,
    #[error(
        "cannot create a work directory in {dir}: {source}; set TMPDIR to a writable directory with about 1 GB free"
    )]
    WorkDir { dir: PathBuf, source: std::io::Error },
    #[error("cannot use the apt cache {dir}: {source}; point KILN_APT_CACHE (or --apt-cache) at a writable directory")]
    Cache { dir: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Mmdebstrap(#[from] MmdebstrapError),
    #[error(transparent)]
    Packages(#[from] PackagesError),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Rootfs(#[from] RootfsError),
    #[error("cannot write the {image} image's layer: {source}")]
    Layer { image: &'static str, source: LayerError },
}

/// A built image, its blobs on disk until dropped.
pub struct BuiltImage {
    pub image: Image,
    pub release: OsRelease,
    /// Packages unpacked into the image (before dependencies were dropped from an extract image).
    pub packages: Vec<Package>,
    /// Bytes of file contents in the root filesystem (hard links counted once).
    pub uncompressed_size: u64,
    _work: TempDir,
}

/// Builds `kind` from `stack`; `deb_cache` keeps downloaded packages between builds (a fresh
/// temporary directory if `None`). `progress` receives one line per finished step.
///
/// # Errors
/// Not root, mmdebstrap or the mirror fails, or the root filesystem cannot be finished or packed.
pub fn build_image(
    stack: &StackDefinition,
    kind: ImageKind,
    deb_cache: Option<&Path>,
    progress: &dyn Fn(&str),
) -> Result<BuiltImage, BuildError> {
    if !running_as_root() {
        return Err(BuildError::NotRoot);
    }
    let definition = match kind {
        ImageKind::Build => &stack.build,
        ImageKind::Run => &stack.run,
    };
    let work = tempfile::Builder::new()
        .prefix("kiln-stack-")
        .tempdir()
        .map_err(|source| BuildError::WorkDir { dir: std::env::temp_dir(), source })?;
    let rootfs = work.path().join("rootfs");
    let deb_cache = deb_cache.map_or_else(|| work.path().join("debs"), Path::to_path_buf);
    for dir in [&rootfs, &deb_cache] {
        std::fs::create_dir_all(dir).map_err(|source| BuildError::Cache { dir: dir.clone(), source })?;
    }
    let unpacked_list = work.path().join("unpacked-debs");

    Bootstrap {
        distro: &stack.distro,
        image: definition,
        rootfs: &rootfs,
        deb_cache: &deb_cache,
        unpacked_list: &unpacked_list,
        source_date_epoch: LAYER_MTIME,
    }
    .run()?;
    let release = OsRelease::read(&rootfs)?;
    progress(&format!("bootstrapped {} {} from {}", release.id, release.version_id, stack.distro.mirror));

    let remove: Vec<Pattern> = definition.remove.iter().map(|path| Pattern::new(path)).collect();
    let keep: Vec<Pattern> = definition.keep.iter().map(|path| Pattern::new(path)).collect();
    let packages = if definition.variant.runs_maintainer_scripts() {
        Vec::new()
    } else {
        let debs = unpacked_debs(&unpacked_list, &deb_cache)
            .map_err(|source| BuildError::Cache { dir: deb_cache.clone(), source })?;
        let packages = describe(&debs)?;
        let dropped = drop_unlisted(&rootfs, &packages, &definition.packages, &keep)?;
        if !dropped.is_empty() {
            progress(&format!("dropped dependencies not listed for the {} image: {}", kind.name(), dropped.join(", ")));
        }
        packages
    };

    let pruned = prune(&rootfs, &remove, &keep).map_err(RootfsError::from)?;
    rootfs::remove_varying_files(&rootfs)?;
    add_user(&rootfs, &stack.user, LAYER_MTIME / 86_400)?;
    rootfs::make_tmp(&rootfs)?;
    rootfs::set_timezone(&rootfs, &stack.timezone)?;
    if rootfs::ensure_ca_bundle(&rootfs)? {
        progress("assembled /etc/ssl/certs/ca-certificates.crt");
    }
    progress(&format!("pruned {pruned} paths; added user {} ({}:{})", stack.user.name, stack.user.uid, stack.user.gid));

    let uncompressed_size = content_size(&rootfs);
    let layer_error = |source| BuildError::Layer { image: kind.name(), source };
    let blobs = work.path().join("blobs");
    let mut writer = LayerWriter::new(&blobs).map_err(layer_error)?;
    writer.add_tree(&rootfs, "", Ownership::Preserve).map_err(layer_error)?;
    let layer = writer.finish().map_err(layer_error)?;

    let mut image = Image { config: image_configuration(stack, kind, &release), layers: Vec::new() };
    image.append_layer(layer, &format!("kiln stack: Debian {} {} image", stack.distro.suite, kind.name()));
    Ok(BuiltImage { image, release, packages, uncompressed_size, _work: work })
}

/// Effective uid 0, read from /proc so no `unsafe` call is needed.
fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|status| {
        status.lines().find_map(|line| line.strip_prefix("Uid:")).and_then(|ids| ids.split_whitespace().nth(1))
            == Some("0")
    })
}

/// Sum of regular file sizes under `root`, each inode once.
fn content_size(root: &Path) -> u64 {
    let mut seen = HashSet::new();
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| entry.metadata().ok())
        .filter(|metadata| seen.insert((metadata.dev(), metadata.ino())))
        .map(|metadata| metadata.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_size_counts_hard_links_once() {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::write(root.path().join("a"), [0_u8; 100]).expect("a");
        std::fs::hard_link(root.path().join("a"), root.path().join("b")).expect("link");
        std::fs::create_dir(root.path().join("dir")).expect("dir");
        std::fs::write(root.path().join("dir/c"), [0_u8; 10]).expect("c");
        assert_eq!(content_size(root.path()), 110);
    }
}
