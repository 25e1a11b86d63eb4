//! The layers a builder adds on top of its build image, with the paths, modes and owners pack gives
//! them (pack's `internal/builder` and `pkg/buildpack`).

use crate::descriptor::Buildpack;
use crate::lifecycle::{EntryContent, LifecycleArchive};
use kiln_oci::{EntryMeta, LayerBlob, LayerError, LayerWriter};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

pub const CNB_DIR: &str = "/cnb";
pub const BUILDPACKS_DIR: &str = "/cnb/buildpacks";
pub const EXTENSIONS_DIR: &str = "/cnb/extensions";
pub const LIFECYCLE_DIR: &str = "/cnb/lifecycle";
/// Where platforms older than the `/cnb` layout look for the lifecycle.
pub const COMPAT_LIFECYCLE_DIR: &str = "/lifecycle";
pub const ORDER_PATH: &str = "/cnb/order.toml";
pub const STACK_PATH: &str = "/cnb/stack.toml";
pub const RUN_PATH: &str = "/cnb/run.toml";
pub const PLATFORM_DIR: &str = "/platform";
pub const BUILD_CONFIG_DIR: &str = "/cnb/build-config";
pub const WORKSPACE_DIR: &str = "/workspace";
pub const LAYERS_DIR: &str = "/layers";
/// Where a builder made with `--kiln-cli` carries kiln, for steps that run `kiln build
/// --in-builder` inside it: on the build image's `PATH`.
pub const KILN_CLI_PATH: &str = "/usr/local/bin/kiln";

const ROOT_DIR: EntryMeta = EntryMeta { mode: 0o755, uid: 0, gid: 0 };
const ROOT_FILE: EntryMeta = EntryMeta { mode: 0o644, uid: 0, gid: 0 };
const ROOT_EXECUTABLE: EntryMeta = EntryMeta { mode: 0o755, uid: 0, gid: 0 };
const SYMLINK: EntryMeta = EntryMeta { mode: 0o777, uid: 0, gid: 0 };

#[derive(Debug, thiserror::Error)]
pub enum LayersError {
    #[error(transparent)]
    Layer(#[from] LayerError),
    #[error("cannot read buildpack directory {path}: {source}")]
    Walk { path: PathBuf, source: walkdir::Error },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("buildpack file {path} has a name that is not UTF-8; rename it")]
    NonUtf8 { path: PathBuf },
    #[error("{path} is not a statically linked x86-64 executable; build kiln with `cargo build --release --target x86_64-unknown-linux-musl -p kiln` and pass target/x86_64-unknown-linux-musl/release/kiln")]
    NotStatic { path: PathBuf },
}

/// `/workspace` and `/layers` owned by the build user (the lifecycle writes there), and the
/// root-owned directories of the CNB layout.
///
/// # Errors
/// Writing the blob fails.
pub fn dirs_layer(blob_dir: &Path, uid: u32, gid: u32) -> Result<LayerBlob, LayersError> {
    let mut layer = LayerWriter::new(blob_dir)?;
    let cnb_owned = EntryMeta { mode: 0o755, uid, gid };
    for dir in [WORKSPACE_DIR, LAYERS_DIR] {
        layer.add_directory(dir, cnb_owned)?;
    }
    let platform_env = format!("{PLATFORM_DIR}/env");
    let build_config_env = format!("{BUILD_CONFIG_DIR}/env");
    for dir in
        [CNB_DIR, BUILDPACKS_DIR, EXTENSIONS_DIR, PLATFORM_DIR, &platform_env, BUILD_CONFIG_DIR, &build_config_env]
    {
        layer.add_directory(dir, ROOT_DIR)?;
    }
    Ok(layer.finish()?)
}

/// `/cnb/lifecycle/` with every file one level deep in the tarball, its `lifecycle.toml`, and the
/// `/lifecycle` compatibility link.
///
/// # Errors
/// Writing the blob fails.
pub fn lifecycle_layer(blob_dir: &Path, lifecycle: &LifecycleArchive) -> Result<LayerBlob, LayersError> {
    let mut layer = LayerWriter::new(blob_dir)?;
    layer.add_directory(LIFECYCLE_DIR, ROOT_DIR)?;
    for entry in &lifecycle.entries {
        let path = format!("{LIFECYCLE_DIR}/{}", entry.name);
        match &entry.content {
            EntryContent::File(bytes) => {
                layer.add_file(&path, bytes, EntryMeta { mode: entry.mode & 0o7777, uid: 0, gid: 0 })?;
            }
            EntryContent::Symlink(target) => layer.add_symlink(&path, target, SYMLINK)?,
        }
    }
    // pack only copies entries below the tarball's top directory, which leaves lifecycle.toml out;
    // kiln keeps it so that tools reading the unpacked builder can learn the supported APIs.
    if !lifecycle.entries.iter().any(|e| e.name == "lifecycle.toml") {
        layer.add_file(&format!("{LIFECYCLE_DIR}/lifecycle.toml"), lifecycle.descriptor_toml.as_bytes(), ROOT_FILE)?;
    }
    layer.add_symlink(COMPAT_LIFECYCLE_DIR, LIFECYCLE_DIR, SYMLINK)?;
    Ok(layer.finish()?)
}

/// `/cnb/buildpacks/<escaped id>/<version>/` holding the buildpack directory, root-owned, with
/// pack's normalised modes: directories and anything executable 0755, other files 0644.
///
/// # Errors
/// The directory cannot be read or writing the blob fails.
pub fn buildpack_layer(blob_dir: &Path, buildpack: &Buildpack) -> Result<LayerBlob, LayersError> {
    let id_dir = format!("{BUILDPACKS_DIR}/{}", buildpack.info.escaped_id());
    let version_dir = format!("{id_dir}/{}", buildpack.info.version);
    let mut layer = LayerWriter::new(blob_dir)?;
    layer.add_directory(&id_dir, ROOT_DIR)?;
    layer.add_directory(&version_dir, ROOT_DIR)?;
    for entry in walkdir::WalkDir::new(&buildpack.dir).min_depth(1).follow_links(false).sort_by_file_name() {
        let entry = entry.map_err(|source| LayersError::Walk { path: buildpack.dir.clone(), source })?;
        let relative = entry.path().strip_prefix(&buildpack.dir).unwrap_or(entry.path());
        let relative = relative.to_str().ok_or_else(|| LayersError::NonUtf8 { path: entry.path().to_owned() })?;
        let path = format!("{version_dir}/{relative}");
        let read_error = |source| LayersError::Read { path: entry.path().to_owned(), source };
        let file_type = entry.file_type();
        if file_type.is_dir() {
            layer.add_directory(&path, ROOT_DIR)?;
        } else if file_type.is_symlink() {
            let target = std::fs::read_link(entry.path()).map_err(read_error)?;
            let target = target.to_str().ok_or_else(|| LayersError::NonUtf8 { path: entry.path().to_owned() })?;
            layer.add_symlink(&path, target, SYMLINK)?;
        } else if file_type.is_file() {
            let mode =
                entry.metadata().map_err(|source| LayersError::Walk { path: entry.path().to_owned(), source })?;
            let executable = mode.permissions().mode() & 0o111 != 0 || ["bin/build", "bin/detect"].contains(&relative);
            layer.add_host_file(&path, entry.path(), if executable { ROOT_EXECUTABLE } else { ROOT_FILE })?;
        }
    }
    Ok(layer.finish()?)
}

/// A layer holding one root-owned file (`/cnb/order.toml`, `/cnb/stack.toml`, `/cnb/run.toml`).
///
/// # Errors
/// Writing the blob fails.
pub fn file_layer(blob_dir: &Path, path: &str, contents: &str) -> Result<LayerBlob, LayersError> {
    let mut layer = LayerWriter::new(blob_dir)?;
    layer.add_file(path, contents.as_bytes(), ROOT_FILE)?;
    Ok(layer.finish()?)
}

/// The kiln CLI at [`KILN_CLI_PATH`], root-owned and executable by everyone. It must be
/// statically linked (kiln's musl build): the build image's libc is not the one it was built on.
///
/// # Errors
/// The file is not a static executable, or writing the blob fails.
pub fn kiln_cli_layer(blob_dir: &Path, kiln: &Path) -> Result<LayerBlob, LayersError> {
    let binary = std::fs::read(kiln).map_err(|source| LayersError::Read { path: kiln.to_path_buf(), source })?;
    if !is_static_elf(&binary) {
        return Err(LayersError::NotStatic { path: kiln.to_path_buf() });
    }
    let mut layer = LayerWriter::new(blob_dir)?;
    layer.add_file(KILN_CLI_PATH, &binary, ROOT_EXECUTABLE)?;
    Ok(layer.finish()?)
}

/// A 64-bit little-endian x86-64 ELF executable without a `PT_INTERP` program header (no
/// dynamic loader to find on the build image, whose architecture is amd64). Offsets come from
/// the file, so every sum is checked: a crafted header is refused, never read out of bounds.
fn is_static_elf(binary: &[u8]) -> bool {
    const EM_X86_64: u64 = 62;
    const PT_INTERP: u64 = 3;
    let read = |offset: u64, len: usize| -> Option<u64> {
        let start = usize::try_from(offset).ok()?;
        let bytes = binary.get(start..start.checked_add(len)?)?;
        Some(bytes.iter().rev().fold(0, |value, byte| (value << 8) | u64::from(*byte)))
    };
    if binary.get(..6) != Some(b"\x7fELF\x02\x01".as_slice()) || read(0x12, 2) != Some(EM_X86_64) {
        return false;
    }
    let (Some(table), Some(entry_size), Some(entries)) = (read(0x20, 8), read(0x36, 2), read(0x38, 2)) else {
        return false;
    };
    (0..entries).all(|index| {
        let offset = index.checked_mul(entry_size).and_then(|relative| table.checked_add(relative));
        offset.and_then(|offset| read(offset, 4)).is_some_and(|kind| kind != PT_INTERP)
    })
}

/// One file per variable in `dir` (`/platform/env` or `/cnb/build-config/env`); may be empty,
/// as pack always adds the `/platform/env` layer.
///
/// # Errors
/// Writing the blob fails.
pub fn env_layer(blob_dir: &Path, dir: &str, files: &BTreeMap<String, String>) -> Result<LayerBlob, LayersError> {
    let mut layer = LayerWriter::new(blob_dir)?;
    for (name, value) in files {
        layer.add_file(&format!("{dir}/{name}"), value.as_bytes(), ROOT_FILE)?;
    }
    Ok(layer.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::ModuleInfo;
    use flate2::read::GzDecoder;

    /// (path, mode, uid, gid, symlink target) of every entry.
    fn entries(blob: &LayerBlob) -> Vec<(String, u32, u64, u64, Option<String>)> {
        let file = std::fs::File::open(&blob.path).expect("blob");
        let mut archive = tar::Archive::new(GzDecoder::new(file));
        archive
            .entries()
            .expect("entries")
            .map(|e| {
                let e = e.expect("entry");
                let header = e.header();
                let link = e.link_name().expect("link").map(|l| l.to_string_lossy().into_owned());
                (
                    e.path().expect("path").to_string_lossy().into_owned(),
                    header.mode().expect("mode"),
                    header.uid().expect("uid"),
                    header.gid().expect("gid"),
                    link,
                )
            })
            .collect()
    }

    #[test]
    fn only_a_static_executable_is_taken_as_the_kiln_cli() {
        let blobs = tempfile::tempdir().expect("blobs");
        // This test binary is linked dynamically (or by musl, statically): either way /bin/sh,
        // a dynamic executable on every Debian, is refused, and a text file too.
        for refused in [Path::new("/bin/sh"), Path::new("/etc/hostname")] {
            let error = kiln_cli_layer(blobs.path(), refused).expect_err("refused");
            assert!(matches!(error, LayersError::NotStatic { .. }), "{error}");
        }
        let mut header = vec![0u8; 0x40 + 56];
        header[..6].copy_from_slice(b"\x7fELF\x02\x01");
        header[0x12] = 62; // x86-64
        header[0x20] = 0x40; // program headers right after the ELF header
        header[0x36] = 56;
        header[0x38] = 1;
        header[0x40] = 1; // PT_LOAD
        assert!(is_static_elf(&header));
        header[0x40] = 3; // PT_INTERP
        assert!(!is_static_elf(&header));
        header[0x40] = 1;
        header[0x12] = 183; // aarch64: statically linked, but not for the amd64 build image
        assert!(!is_static_elf(&header));
        header[0x12] = 62;
        // A table past the end, or one whose offsets overflow, is refused rather than read.
        header[0x20..0x28].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(!is_static_elf(&header));
        header[0x20..0x28].copy_from_slice(&0x40u64.to_le_bytes());
        header[0x36..0x38].copy_from_slice(&u16::MAX.to_le_bytes());
        header[0x38..0x3a].copy_from_slice(&u16::MAX.to_le_bytes());
        assert!(!is_static_elf(&header));
    }

    #[test]
    fn dirs_layer_gives_workspace_and_layers_to_the_build_user() {
        let blobs = tempfile::tempdir().expect("tempdir");
        let layer = dirs_layer(blobs.path(), 1000, 1000).expect("layer");
        let entries = entries(&layer);
        assert!(entries.contains(&("workspace".into(), 0o755, 1000, 1000, None)));
        assert!(entries.contains(&("layers".into(), 0o755, 1000, 1000, None)));
        assert!(entries.contains(&("platform/env".into(), 0o755, 0, 0, None)));
        assert!(entries.contains(&("cnb/build-config/env".into(), 0o755, 0, 0, None)));
    }

    #[test]
    fn buildpack_layer_uses_escaped_id_and_normalised_modes() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("bin")).expect("bin");
        std::fs::write(dir.path().join("bin/build"), "#!/bin/sh").expect("build");
        std::fs::set_permissions(dir.path().join("bin/build"), std::fs::Permissions::from_mode(0o700)).expect("chmod");
        std::fs::write(dir.path().join("buildpack.toml"), "").expect("toml");
        std::fs::set_permissions(dir.path().join("buildpack.toml"), std::fs::Permissions::from_mode(0o600))
            .expect("chmod");
        let buildpack = Buildpack {
            dir: dir.path().to_owned(),
            api: "0.10".into(),
            info: ModuleInfo { id: "kiln/go".into(), version: "1.2.3".into(), ..ModuleInfo::default() },
            targets: vec![],
            stacks: vec![],
            order: vec![],
        };
        let blobs = tempfile::tempdir().expect("tempdir");
        let layer = buildpack_layer(blobs.path(), &buildpack).expect("layer");
        assert_eq!(
            entries(&layer),
            vec![
                ("cnb/buildpacks/kiln_go".into(), 0o755, 0, 0, None),
                ("cnb/buildpacks/kiln_go/1.2.3".into(), 0o755, 0, 0, None),
                ("cnb/buildpacks/kiln_go/1.2.3/bin".into(), 0o755, 0, 0, None),
                ("cnb/buildpacks/kiln_go/1.2.3/bin/build".into(), 0o755, 0, 0, None),
                ("cnb/buildpacks/kiln_go/1.2.3/buildpack.toml".into(), 0o644, 0, 0, None),
            ]
        );
        // Same input, same blob.
        assert_eq!(buildpack_layer(blobs.path(), &buildpack).expect("again").digest, layer.digest);
    }
}
