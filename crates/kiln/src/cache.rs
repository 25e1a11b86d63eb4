//! kiln's cache directory: pulled blobs, unpacked images, build caches and per-run scratch.
//! `$KILN_CACHE_DIR`, else `$XDG_CACHE_HOME/kiln`, else `~/.cache/kiln`.

use anyhow::Context;
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::path::{Path, PathBuf};

pub(crate) struct Cache {
    root: PathBuf,
}

impl Cache {
    pub(crate) fn locate() -> anyhow::Result<Self> {
        let root = std::env::var_os("KILN_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|dir| PathBuf::from(dir).join("kiln")))
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/kiln")))
            .context("cannot find a cache directory: set KILN_CACHE_DIR")?;
        std::fs::create_dir_all(&root).with_context(|| {
            format!("cannot create the cache directory {}; set KILN_CACHE_DIR to a writable one", root.display())
        })?;
        Ok(Self { root })
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    /// Compressed layer blobs by digest, shared by every image kiln pulls.
    pub(crate) fn blobs(&self) -> PathBuf {
        self.root.join("blobs")
    }

    /// The unpacked root filesystem and config of one image, by manifest digest.
    pub(crate) fn image(&self, digest: &str) -> PathBuf {
        self.root.join("images").join(digest.replace(':', "-"))
    }

    /// The lifecycle's build cache for one image repository: rebuilds of the same image reuse
    /// its layers. Named by a hash so any repository name is a safe directory name.
    pub(crate) fn build_cache(&self, repository: &str) -> PathBuf {
        let hash = Sha256::digest(repository.as_bytes());
        let short: String = hash.iter().take(8).fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        });
        let readable: String = repository
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
            .collect();
        self.root.join("build-cache").join(format!("{readable}-{short}"))
    }

    /// A fresh directory for one build (source copy, layers, platform), removed when the
    /// returned guard is dropped. See [`scratch_root`] for where it lives.
    pub(crate) fn scratch(&self, prefix: &str) -> anyhow::Result<tempfile::TempDir> {
        let dir = scratch_root().unwrap_or_else(|| self.root.join("tmp"));
        std::fs::create_dir_all(&dir).with_context(|| {
            format!("cannot create {}; set KILN_SCRATCH_DIR to a writable directory", dir.display())
        })?;
        tempfile::Builder::new()
            .prefix(prefix)
            .tempdir_in(&dir)
            .with_context(|| format!("cannot create a scratch directory in {}", dir.display()))
    }
}

/// Memory a machine must have free before builds use it as scratch space.
const MEMORY_SCRATCH_MIN_AVAILABLE_KIB: u64 = 4 * 1024 * 1024;

/// Where build scratch goes: `$KILN_SCRATCH_DIR`, else memory (`/dev/shm/kiln`) when the
/// machine has room, else `None` for the cache's own `tmp/`. The lifecycle unpacks every
/// cached layer (a Go toolchain is thousands of files) into the layers directory on each
/// build; on disk that creation dominates an unchanged rebuild, in memory it takes a tenth.
fn scratch_root() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KILN_SCRATCH_DIR") {
        return Some(PathBuf::from(dir));
    }
    let shm = Path::new("/dev/shm");
    (shm.is_dir() && available_memory_kib().is_some_and(|kib| kib >= MEMORY_SCRATCH_MIN_AVAILABLE_KIB))
        .then(|| shm.join("kiln"))
}

fn available_memory_kib() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|line| line.starts_with("MemAvailable:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_caches_are_per_repository_and_safe_names() {
        let cache = Cache { root: PathBuf::from("/c") };
        let a = cache.build_cache("127.0.0.1:5000/apps/hello");
        let b = cache.build_cache("127.0.0.1:5000/apps/other");
        assert_ne!(a, b);
        let name = a.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(name.starts_with("127.0.0.1_5000_apps_hello-"), "{name}");
        assert_eq!(a.parent(), Some(Path::new("/c/build-cache")));
    }
}
