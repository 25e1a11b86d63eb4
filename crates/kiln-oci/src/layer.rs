//! Reproducible layer blobs: gzip-compressed tars whose bytes depend only on what was added.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Component, Path, PathBuf};

use flate2::write::GzEncoder;
use flate2::{Compression, GzBuilder};
use tar::{EntryType, Header};
use tempfile::NamedTempFile;

use crate::digest::{blob_path, HashingWriter};

/// Every entry's mtime: 1980-01-01T00:00:01Z, the constant the CNB lifecycle uses, so our layers
/// and the lifecycle's agree and never depend on when they were built.
pub const LAYER_MTIME: u64 = 315_532_801;

/// gzip level 6 (zlib's default): layers are written once (stack and builder creation) but
/// pulled and stored many times; level 9 costs several times the CPU for about 1% smaller blobs,
/// level 1 gives noticeably larger base-image layers.
const COMPRESSION_LEVEL: u32 = 6;

/// A compressed layer in a blob store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerBlob {
    /// The gzip-compressed tar on disk.
    pub path: PathBuf,
    /// `sha256:<hex>` of the compressed bytes (the blob digest in a manifest).
    pub digest: String,
    /// `sha256:<hex>` of the uncompressed tar (the diff ID in an image config).
    pub diff_id: String,
    /// Compressed size in bytes.
    pub size: u64,
}

/// Mode (permission bits incl. setuid/setgid/sticky) and owner of one layer entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryMeta {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
}

/// How `LayerWriter::add_tree` sets owners.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// Keep uid, gid and mode from disk.
    Preserve,
    /// Use this owner for every entry, keeping each entry's mode from disk.
    Set { uid: u32, gid: u32 },
}

#[derive(Debug, thiserror::Error)]
pub enum LayerError {
    #[error("cannot create the layer blob directory {path}: {source}; check that it is writable")]
    CreateBlobDir { path: PathBuf, source: io::Error },
    #[error("writing the layer failed: {0}; check free space in the blob directory")]
    Write(#[source] io::Error),
    #[error("cannot read {path} for the layer: {source}; check that it exists and is readable")]
    ReadHost { path: PathBuf, source: io::Error },
    #[error("cannot walk {path} for the layer: {source}; check that it exists and is readable")]
    Walk { path: PathBuf, source: walkdir::Error },
    #[error("`{0}` is not a valid path inside a layer; use a relative path without `..`, e.g. `cnb/lifecycle`")]
    InvalidPath(String),
    #[error("cannot store the finished layer at {path}: {source}; check that the blob directory is writable")]
    Persist { path: PathBuf, source: io::Error },
}

type TarSink = HashingWriter<GzEncoder<HashingWriter<NamedTempFile>>>;

/// Writes a deterministic tar.gz into `<blob_dir>/sha256/<hex>`.
///
/// Entries are written in the order they are added (callers add parent directories first);
/// every entry has mtime `LAYER_MTIME`, no user or group names, and a relative path.
pub struct LayerWriter {
    blob_dir: PathBuf,
    tar: tar::Builder<TarSink>,
    /// First layer path of each (device, inode) seen by `add_tree`, to write hardlinks as such.
    inodes: HashMap<(u64, u64), String>,
}

impl LayerWriter {
    /// # Errors
    /// When the blob directory or the temporary blob file cannot be created.
    pub fn new(blob_dir: &Path) -> Result<Self, LayerError> {
        let dir = crate::digest::blob_dir(blob_dir);
        std::fs::create_dir_all(&dir).map_err(|source| LayerError::CreateBlobDir { path: dir.clone(), source })?;
        let file = NamedTempFile::new_in(&dir).map_err(|source| LayerError::CreateBlobDir { path: dir, source })?;
        // GzBuilder without mtime or file name: the gzip header is the same on every run.
        let gzip = GzBuilder::new().write(HashingWriter::new(file), Compression::new(COMPRESSION_LEVEL));
        let tar = tar::Builder::new(HashingWriter::new(gzip));
        Ok(Self { blob_dir: blob_dir.to_path_buf(), tar, inodes: HashMap::new() })
    }

    /// # Errors
    /// When the path is invalid or writing fails.
    pub fn add_directory(&mut self, path_in_layer: &str, meta: EntryMeta) -> Result<(), LayerError> {
        let path = layer_path(path_in_layer)?;
        let mut header = header(EntryType::Directory, meta, 0);
        self.tar.append_data(&mut header, path, io::empty()).map_err(LayerError::Write)
    }

    /// # Errors
    /// When the path is invalid or writing fails.
    pub fn add_file(&mut self, path_in_layer: &str, contents: &[u8], meta: EntryMeta) -> Result<(), LayerError> {
        let path = layer_path(path_in_layer)?;
        let mut header = header(EntryType::Regular, meta, contents.len() as u64);
        self.tar.append_data(&mut header, path, contents).map_err(LayerError::Write)
    }

    /// Adds the contents of `host_path` (streamed, not loaded into memory) with the given meta.
    ///
    /// # Errors
    /// When the path is invalid, the host file cannot be read or writing fails.
    pub fn add_host_file(&mut self, path_in_layer: &str, host_path: &Path, meta: EntryMeta) -> Result<(), LayerError> {
        let path = layer_path(path_in_layer)?;
        let read_error = |source| LayerError::ReadHost { path: host_path.to_path_buf(), source };
        let file = File::open(host_path).map_err(read_error)?;
        let size = file.metadata().map_err(read_error)?.len();
        let mut header = header(EntryType::Regular, meta, size);
        self.tar.append_data(&mut header, path, file).map_err(LayerError::Write)
    }

    /// # Errors
    /// When the path is invalid or writing fails.
    pub fn add_symlink(&mut self, path_in_layer: &str, target: &str, meta: EntryMeta) -> Result<(), LayerError> {
        self.add_link(EntryType::Symlink, path_in_layer, target, meta)
    }

    /// A hardlink entry to `target`, a path added earlier to this layer.
    ///
    /// # Errors
    /// When a path is invalid or writing fails.
    pub fn add_hardlink(&mut self, path_in_layer: &str, target: &str, meta: EntryMeta) -> Result<(), LayerError> {
        self.add_link(EntryType::Link, path_in_layer, &layer_path(target)?, meta)
    }

    fn add_link(
        &mut self,
        kind: EntryType,
        path_in_layer: &str,
        target: &str,
        meta: EntryMeta,
    ) -> Result<(), LayerError> {
        let path = layer_path(path_in_layer)?;
        let mut header = header(kind, meta, 0);
        self.tar.append_link(&mut header, path, target).map_err(LayerError::Write)
    }

    /// Adds `host_dir` and everything below it at `path_in_layer` (`""` for the layer root),
    /// walking in sorted order. Regular files, directories and symlinks are added; files with
    /// several links become hardlink entries to the first one; sockets, FIFOs and device nodes
    /// are skipped because containers get those from the runtime, not from image layers.
    ///
    /// # Errors
    /// When the tree cannot be read or writing fails.
    pub fn add_tree(&mut self, host_dir: &Path, path_in_layer: &str, ownership: Ownership) -> Result<(), LayerError> {
        let prefix = path_in_layer.trim_matches('/');
        for entry in walkdir::WalkDir::new(host_dir).follow_links(false).sort_by_file_name() {
            let entry = entry.map_err(|source| LayerError::Walk { path: host_dir.to_path_buf(), source })?;
            let relative = entry.path().strip_prefix(host_dir).unwrap_or(entry.path());
            let relative = relative.to_str().ok_or_else(|| LayerError::InvalidPath(relative.display().to_string()))?;
            let path = match (prefix.is_empty(), relative.is_empty()) {
                (true, true) => continue, // The layer root itself has no entry.
                (true, false) => relative.to_string(),
                (false, true) => prefix.to_string(),
                (false, false) => format!("{prefix}/{relative}"),
            };
            let read_error = |source| LayerError::ReadHost { path: entry.path().to_path_buf(), source };
            let metadata =
                entry.metadata().map_err(|source| LayerError::Walk { path: entry.path().to_path_buf(), source })?;
            let meta = match ownership {
                Ownership::Preserve => {
                    EntryMeta { mode: metadata.mode() & 0o7777, uid: metadata.uid(), gid: metadata.gid() }
                }
                Ownership::Set { uid, gid } => EntryMeta { mode: metadata.mode() & 0o7777, uid, gid },
            };
            let file_type = entry.file_type();
            if file_type.is_dir() {
                self.add_directory(&path, meta)?;
            } else if file_type.is_symlink() {
                let target = std::fs::read_link(entry.path()).map_err(read_error)?;
                let target = target.to_str().ok_or_else(|| LayerError::InvalidPath(target.display().to_string()))?;
                self.add_symlink(&path, target, meta)?;
            } else if file_type.is_file() {
                if metadata.nlink() > 1 {
                    let inode = (metadata.dev(), metadata.ino());
                    if let Some(first) = self.inodes.get(&inode) {
                        let first = first.clone();
                        self.add_hardlink(&path, &first, meta)?;
                        continue;
                    }
                    self.inodes.insert(inode, path.clone());
                }
                self.add_host_file(&path, entry.path(), meta)?;
            }
        }
        Ok(())
    }

    /// Completes the tar and gzip streams and moves the blob to `<blob_dir>/sha256/<hex>`.
    ///
    /// # Errors
    /// When flushing or renaming fails.
    pub fn finish(self) -> Result<LayerBlob, LayerError> {
        let uncompressed = self.tar.into_inner().map_err(LayerError::Write)?;
        let (gzip, diff_id, _) = uncompressed.finish();
        let compressed = gzip.finish().map_err(LayerError::Write)?;
        let (mut file, digest, size) = compressed.finish();
        file.flush().map_err(LayerError::Write)?;
        let path = blob_path(&self.blob_dir, &digest).ok_or_else(|| LayerError::InvalidPath(digest.clone()))?;
        file.persist(&path).map_err(|error| LayerError::Persist { path: path.clone(), source: error.error })?;
        Ok(LayerBlob { path, digest, diff_id, size })
    }
}

fn header(kind: EntryType, meta: EntryMeta, size: u64) -> Header {
    let mut header = Header::new_gnu();
    header.set_entry_type(kind);
    header.set_mode(meta.mode & 0o7777);
    header.set_uid(meta.uid.into());
    header.set_gid(meta.gid.into());
    header.set_mtime(LAYER_MTIME);
    header.set_size(size);
    header
}

/// A layer path: relative (a leading `/` is dropped), no `.` or `..` components, not empty.
fn layer_path(path_in_layer: &str) -> Result<String, LayerError> {
    let invalid = || LayerError::InvalidPath(path_in_layer.to_string());
    let mut parts = Vec::new();
    for component in Path::new(path_in_layer).components() {
        match component {
            Component::Normal(part) => parts.push(part.to_str().ok_or_else(invalid)?),
            Component::RootDir | Component::CurDir => {}
            Component::ParentDir | Component::Prefix(_) => return Err(invalid()),
        }
    }
    if parts.is_empty() {
        return Err(invalid());
    }
    Ok(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;
    use std::os::unix::fs::PermissionsExt as _;

    const ROOT_DIR: EntryMeta = EntryMeta { mode: 0o755, uid: 0, gid: 0 };
    const CNB_FILE: EntryMeta = EntryMeta { mode: 0o644, uid: 1000, gid: 1000 };

    struct ListedEntry {
        path: String,
        kind: EntryType,
        mode: u32,
        uid: u64,
        mtime: u64,
        link: Option<String>,
        uname_empty: bool,
    }

    fn list(blob: &LayerBlob) -> Vec<ListedEntry> {
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(File::open(&blob.path).expect("blob exists")));
        archive
            .entries()
            .expect("tar")
            .map(|entry| {
                let entry = entry.expect("entry");
                let header = entry.header();
                ListedEntry {
                    path: entry.path().expect("path").display().to_string(),
                    kind: header.entry_type(),
                    mode: header.mode().expect("mode"),
                    uid: header.uid().expect("uid"),
                    mtime: header.mtime().expect("mtime"),
                    link: entry.link_name().expect("link").map(|l| l.display().to_string()),
                    uname_empty: header.username_bytes().is_none_or(<[u8]>::is_empty),
                }
            })
            .collect()
    }

    fn sample_tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("b/inner")).expect("mkdir");
        std::fs::write(root.join("b/inner/z.txt"), "z").expect("write");
        std::fs::write(root.join("a.txt"), "a").expect("write");
        std::fs::set_permissions(root.join("a.txt"), std::fs::Permissions::from_mode(0o4755)).expect("chmod");
        std::fs::hard_link(root.join("a.txt"), root.join("c-hardlink")).expect("hardlink");
        std::os::unix::fs::symlink("a.txt", root.join("d-symlink")).expect("symlink");
        dir
    }

    fn write_sample(blob_dir: &Path, tree: &Path) -> LayerBlob {
        let mut writer = LayerWriter::new(blob_dir).expect("writer");
        writer.add_directory("/cnb", ROOT_DIR).expect("dir");
        writer.add_file("cnb/order.toml", b"[[order]]\n", CNB_FILE).expect("file");
        writer.add_tree(tree, "cnb/tree", Ownership::Set { uid: 1000, gid: 1000 }).expect("tree");
        writer.finish().expect("finish")
    }

    #[test]
    fn same_input_gives_the_same_digest() {
        // Two copies of the tree whose files have different mtimes on disk.
        let tree = sample_tree();
        let other_tree = sample_tree();
        File::options()
            .write(true)
            .open(other_tree.path().join("b/inner/z.txt"))
            .and_then(|f| f.set_modified(std::time::SystemTime::UNIX_EPOCH))
            .expect("set mtime");
        let first_store = tempfile::tempdir().expect("tempdir");
        let second_store = tempfile::tempdir().expect("tempdir");
        let first = write_sample(first_store.path(), tree.path());
        let second = write_sample(second_store.path(), other_tree.path());
        assert_eq!(first.digest, second.digest);
        assert_eq!(first.diff_id, second.diff_id);
        assert_eq!(first.size, second.size);
        assert_ne!(first.digest, first.diff_id);
        assert_eq!(first.path, first_store.path().join("sha256").join(&first.digest["sha256:".len()..]));
        let on_disk = std::fs::read(&first.path).expect("blob");
        assert_eq!(crate::digest::sha256_digest(&on_disk), first.digest);
        assert_eq!(on_disk.len() as u64, first.size);
    }

    #[test]
    fn entries_are_ordered_owned_and_timestamped_deterministically() {
        let tree = sample_tree();
        let store = tempfile::tempdir().expect("tempdir");
        let entries = list(&write_sample(store.path(), tree.path()));
        let paths: Vec<_> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "cnb",
                "cnb/order.toml",
                "cnb/tree",
                "cnb/tree/a.txt",
                "cnb/tree/b",
                "cnb/tree/b/inner",
                "cnb/tree/b/inner/z.txt",
                "cnb/tree/c-hardlink",
                "cnb/tree/d-symlink",
            ]
        );
        assert!(entries.iter().all(|e| e.mtime == LAYER_MTIME && e.uname_empty));
        let by_path = |p: &str| entries.iter().find(|e| e.path == p).expect("entry present");
        assert_eq!(by_path("cnb").uid, 0);
        assert_eq!(by_path("cnb/tree/a.txt").uid, 1000);
        assert_eq!(by_path("cnb/tree/a.txt").mode, 0o4755, "setuid bit kept");
        assert_eq!(by_path("cnb/tree/c-hardlink").kind, EntryType::Link);
        assert_eq!(by_path("cnb/tree/c-hardlink").link.as_deref(), Some("cnb/tree/a.txt"));
        assert_eq!(by_path("cnb/tree/d-symlink").kind, EntryType::Symlink);
        assert_eq!(by_path("cnb/tree/d-symlink").link.as_deref(), Some("a.txt"));
    }

    #[test]
    fn file_contents_round_trip() {
        let store = tempfile::tempdir().expect("tempdir");
        let host = store.path().join("host.bin");
        std::fs::write(&host, vec![7u8; 100_000]).expect("write");
        let mut writer = LayerWriter::new(store.path()).expect("writer");
        writer.add_host_file("big.bin", &host, CNB_FILE).expect("host file");
        let blob = writer.finish().expect("finish");
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(File::open(&blob.path).expect("blob")));
        let mut entry = archive.entries().expect("tar").next().expect("one entry").expect("entry");
        let mut contents = Vec::new();
        entry.read_to_end(&mut contents).expect("read");
        assert_eq!(contents, vec![7u8; 100_000]);
    }

    #[test]
    fn escaping_and_empty_paths_are_refused() {
        let store = tempfile::tempdir().expect("tempdir");
        let mut writer = LayerWriter::new(store.path()).expect("writer");
        let error = writer.add_file("../etc/passwd", b"x", CNB_FILE).expect_err("escape");
        assert!(error.to_string().contains("without `..`"), "{error}");
        assert!(writer.add_directory("/", ROOT_DIR).is_err());
        assert_eq!(layer_path("/a/./b/").expect("valid"), "a/b");
    }
}
