//! kiln's cache directory: pulled blobs, unpacked images, build caches and per-run scratch.
//! `$KILN_CACHE_DIR`, else `$XDG_CACHE_HOME/kiln`, else `~/.cache/kiln`.

use crate::errors::filesystem;
use sha2::{Digest, Sha256};
use std::fmt::Write;
use std::path::{Path, PathBuf};

pub struct Cache {
    root: PathBuf,
}

impl Cache {
    pub fn locate() -> anyhow::Result<Self> {
        let root = std::env::var_os("KILN_CACHE_DIR")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|dir| PathBuf::from(dir).join("kiln")))
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/kiln")))
            .ok_or_else(|| filesystem("cannot find a cache directory (no HOME)", "set KILN_CACHE_DIR"))?;
        std::fs::create_dir_all(&root).map_err(|error| {
            filesystem(
                format!("cannot create the cache directory {}: {error}", root.display()),
                "set KILN_CACHE_DIR to a writable directory",
            )
        })?;
        Ok(Self { root })
    }

    /// The cache at `root`, as it is (for tests and tools that know where it is).
    #[must_use]
    pub fn at(root: PathBuf) -> Self {
        Self { root }
    }

    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Compressed layer blobs by digest, shared by every image kiln pulls.
    #[must_use]
    pub fn blobs(&self) -> PathBuf {
        self.root.join("blobs")
    }

    /// The unpacked root filesystem and config of one image, by manifest digest.
    #[must_use]
    pub fn image(&self, digest: &str) -> PathBuf {
        self.images().join(digest.replace(':', "-"))
    }

    /// The lifecycle's build cache for one image repository: rebuilds of the same image reuse
    /// its layers. Named by a hash so any repository name is a safe directory name.
    #[must_use]
    pub fn build_cache(&self, repository: &str) -> PathBuf {
        let hash = Sha256::digest(repository.as_bytes());
        let short: String = hash.iter().take(8).fold(String::new(), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        });
        let readable: String = repository
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
            .collect();
        self.build_caches().join(format!("{readable}-{short}"))
    }

    /// The file a build into `repository` holds locked while it runs: beside its build cache,
    /// named `<build cache>.lock`.
    #[must_use]
    pub fn build_cache_lock(&self, repository: &str) -> PathBuf {
        let mut name = self.build_cache(repository).into_os_string();
        name.push(LOCK_SUFFIX);
        PathBuf::from(name)
    }

    pub(crate) fn build_caches(&self) -> PathBuf {
        self.root.join("build-cache")
    }

    pub(crate) fn images(&self) -> PathBuf {
        self.root.join("images")
    }

    /// Where builds put their scratch directories when memory is short.
    pub(crate) fn tmp(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// A fresh directory for one build (source copy, layers, platform), removed when the
    /// returned guard is dropped. See [`scratch_root`] for where it lives.
    pub fn scratch(&self, prefix: &str) -> anyhow::Result<tempfile::TempDir> {
        let dir = scratch_root().unwrap_or_else(|| self.tmp());
        let unwritable = |error: std::io::Error| {
            filesystem(
                format!("cannot create a scratch directory in {}: {error}", dir.display()),
                "set KILN_SCRATCH_DIR to a writable directory",
            )
        };
        std::fs::create_dir_all(&dir).map_err(unwritable)?;
        tempfile::Builder::new().prefix(prefix).tempdir_in(&dir).map_err(unwritable)
    }
}

/// The name builds and `kiln cache` know an image's build cache by: its registry and
/// repository, without tag or digest (`127.0.0.1:5000/apps/hello`).
#[must_use]
pub fn repository_of(image: &kiln_oci::ImageRef) -> String {
    format!("{}/{}", image.registry(), image.repository())
}

/// What a build-cache lock file's name adds to its build cache's.
pub(crate) const LOCK_SUFFIX: &str = ".lock";

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

    #[test]
    fn each_repository_has_its_own_lock_beside_its_cache() {
        // Repository names hold dots (127.0.0.1): the lock name must not treat them as an
        // extension to replace, or every loopback repository would share one lock.
        let cache = Cache { root: PathBuf::from("/c") };
        let a = cache.build_cache_lock("127.0.0.1:5000/apps/hello");
        assert_ne!(a, cache.build_cache_lock("127.0.0.1:5000/apps/other"));
        assert_eq!(a.to_string_lossy(), format!("{}.lock", cache.build_cache("127.0.0.1:5000/apps/hello").display()));
    }
}
