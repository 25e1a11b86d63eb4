//! What kiln's cache holds and clearing it (`kiln cache`): layer blobs, unpacked images, one
//! build cache per image repository, scratch space, and whatever else kiln keeps there
//! (lifecycle downloads). A build cache that a running build holds locked is never cleared,
//! and neither is the rest while a build runs: its builder is unpacked there.

use crate::cache::{repository_of, Cache, LOCK_SUFFIX};
use crate::errors::filesystem;
use crate::lock::try_lock_now;
use kiln_oci::ImageRef;
use serde::Serialize;
use std::fs::File;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

#[derive(Debug, Serialize)]
pub struct CacheUsage {
    pub root: PathBuf,
    pub total_bytes: u64,
    /// Everything directly in the cache's root, by name (`blobs`, `images`, `build-cache`, …).
    pub entries: Vec<Entry>,
    /// The unpacked images (builders, apps), by manifest digest.
    pub images: Vec<Entry>,
    pub build_caches: Vec<BuildCache>,
}

#[derive(Debug, Serialize)]
pub struct Entry {
    pub name: String,
    pub bytes: u64,
}

#[derive(Debug, Serialize)]
pub struct BuildCache {
    /// The image repository (`registry/path`) whose builds use it.
    pub repository: String,
    pub path: PathBuf,
    pub bytes: u64,
    /// A build into the repository is running now.
    pub in_use: bool,
}

#[derive(Debug, Serialize)]
pub struct Cleared {
    pub removed: Vec<PathBuf>,
    pub freed_bytes: u64,
}

pub fn usage(cache: &Cache) -> anyhow::Result<CacheUsage> {
    let entries = sized_children(cache.root())?;
    let images = sized_children(&cache.images())?;
    let build_caches = build_caches(cache)?
        .into_iter()
        .map(|found| {
            let in_use = try_lock_now(&found.lock)?.is_none();
            Ok(BuildCache { bytes: size_of(&found.dir), repository: found.repository, path: found.dir, in_use })
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(CacheUsage {
        root: cache.root().to_path_buf(),
        total_bytes: entries.iter().map(|entry| entry.bytes).sum(),
        entries,
        images,
        build_caches,
    })
}

/// Clears the build cache of `image`'s repository, or with `None` everything but the lock
/// files. Refuses while a build that would lose its cache (or its builder) runs.
pub fn clear(cache: &Cache, image: Option<&ImageRef>) -> anyhow::Result<Cleared> {
    let Some(image) = image else {
        return clear_all(cache);
    };
    let repository = repository_of(image);
    let (dir, lock) = (cache.build_cache(&repository), cache.build_cache_lock(&repository));
    if !dir.exists() && !lock.exists() {
        return Ok(Cleared { removed: Vec::new(), freed_bytes: 0 });
    }
    let _held = try_lock_now(&lock)?.ok_or_else(|| running(&repository))?;
    remove_all([dir].into_iter())
}

fn clear_all(cache: &Cache) -> anyhow::Result<Cleared> {
    // Held until everything is removed, so that no build starts on a half-cleared cache.
    let mut held: Vec<File> = Vec::new();
    for found in build_caches(cache)? {
        held.push(try_lock_now(&found.lock)?.ok_or_else(|| running(&found.repository))?);
    }
    let build_caches = cache.build_caches();
    let mut doomed = children(cache.root())?;
    doomed.retain(|path| *path != build_caches);
    doomed.extend(children(&build_caches)?.into_iter().filter(|path| !is_lock(path)));
    let cleared = remove_all(doomed.into_iter());
    drop(held);
    cleared
}

fn running(repository: &str) -> anyhow::Error {
    filesystem(
        format!("a build into {repository} is running and uses kiln's cache; nothing was cleared"),
        "clear the cache once the build has finished",
    )
}

struct FoundBuildCache {
    repository: String,
    dir: PathBuf,
    lock: PathBuf,
}

/// The build caches that have a lock file, which names their repository.
fn build_caches(cache: &Cache) -> anyhow::Result<Vec<FoundBuildCache>> {
    let mut found = Vec::new();
    for lock in children(&cache.build_caches())?.into_iter().filter(|path| is_lock(path)) {
        let repository = std::fs::read_to_string(&lock).unwrap_or_default();
        let dir = PathBuf::from(lock.to_string_lossy().trim_end_matches(LOCK_SUFFIX));
        found.push(FoundBuildCache { repository, dir, lock });
    }
    Ok(found)
}

fn is_lock(path: &Path) -> bool {
    path.to_string_lossy().ends_with(LOCK_SUFFIX)
}

fn remove_all(paths: impl Iterator<Item = PathBuf>) -> anyhow::Result<Cleared> {
    let mut cleared = Cleared { removed: Vec::new(), freed_bytes: 0 };
    for path in paths.filter(|path| path.symlink_metadata().is_ok()) {
        let bytes = size_of(&path);
        let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        removed.map_err(|error| {
            filesystem(
                format!("cannot remove {}: {error}", path.display()),
                "check its permissions (builds run as root write root-owned files there)",
            )
        })?;
        cleared.freed_bytes += bytes;
        cleared.removed.push(path);
    }
    Ok(cleared)
}

/// The entries of `dir`, sorted; none when it does not exist.
fn children(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => {
            return Err(filesystem(format!("cannot read {}: {error}", dir.display()), "check its permissions"))
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|entry| entry.path()).collect();
    paths.sort();
    Ok(paths)
}

fn sized_children(dir: &Path) -> anyhow::Result<Vec<Entry>> {
    Ok(children(dir)?
        .into_iter()
        .map(|path| Entry {
            name: path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
            bytes: size_of(&path),
        })
        .collect())
}

/// Bytes of the regular files at or below `path` (links not followed).
fn size_of(path: &Path) -> u64 {
    WalkDir::new(path)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_file())
        .filter_map(|entry| entry.metadata().ok())
        .map(|metadata| metadata.len())
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lock::lock_build_cache;

    struct Quiet;
    impl crate::Reporter for Quiet {
        fn phase(&self, _: &str) {}
        fn info(&self, _: &str) {}
    }

    /// A cache with a blob, an unpacked image and the build caches of two repositories.
    async fn filled_cache() -> (tempfile::TempDir, Cache) {
        let dir = tempfile::tempdir().expect("cache dir");
        let cache = Cache::at(dir.path().to_path_buf());
        std::fs::create_dir_all(cache.blobs().join("sha256")).expect("blobs");
        std::fs::write(cache.blobs().join("sha256/aa"), vec![0; 1000]).expect("blob");
        std::fs::create_dir_all(cache.image("sha256:bb").join("rootfs")).expect("image");
        std::fs::write(cache.image("sha256:bb").join("rootfs/file"), vec![0; 200]).expect("image file");
        for repository in ["127.0.0.1:5000/apps/a", "127.0.0.1:5000/apps/b"] {
            std::fs::create_dir_all(cache.build_cache(repository)).expect("build cache");
            std::fs::write(cache.build_cache(repository).join("layer"), vec![0; 30]).expect("cached layer");
            drop(lock_build_cache(&cache.build_cache_lock(repository), repository, &Quiet).await.expect("lock"));
        }
        (dir, cache)
    }

    #[tokio::test]
    async fn usage_names_what_is_cached_and_its_size() {
        let (_dir, cache) = filled_cache().await;
        let usage = usage(&cache).expect("usage");
        let names: Vec<&str> = usage.entries.iter().map(|entry| entry.name.as_str()).collect();
        assert_eq!(names, ["blobs", "build-cache", "images"]);
        assert_eq!(usage.total_bytes, 1000 + 200 + 2 * 30 + 2 * "127.0.0.1:5000/apps/a".len() as u64);
        assert_eq!(usage.images.len(), 1);
        assert_eq!(usage.images[0].name, "sha256-bb");
        let repositories: Vec<&str> = usage.build_caches.iter().map(|found| found.repository.as_str()).collect();
        assert_eq!(repositories, ["127.0.0.1:5000/apps/a", "127.0.0.1:5000/apps/b"]);
        assert!(usage.build_caches.iter().all(|found| found.bytes == 30 && !found.in_use));
    }

    fn image(reference: &str) -> ImageRef {
        reference.parse().expect("reference")
    }

    #[tokio::test]
    async fn clearing_one_image_keeps_the_others() {
        let (_dir, cache) = filled_cache().await;
        let cleared = clear(&cache, Some(&image("127.0.0.1:5000/apps/a:any-tag"))).expect("cleared");
        assert_eq!(cleared.removed, [cache.build_cache("127.0.0.1:5000/apps/a")]);
        assert_eq!(cleared.freed_bytes, 30);
        assert!(cache.build_cache("127.0.0.1:5000/apps/b").exists());
        assert!(cache.blobs().exists());
    }

    #[tokio::test]
    async fn clearing_everything_keeps_only_the_locks() {
        let (_dir, cache) = filled_cache().await;
        clear(&cache, None).expect("cleared");
        assert!(!cache.blobs().exists());
        assert!(!cache.images().exists());
        assert!(!cache.build_cache("127.0.0.1:5000/apps/a").exists());
        assert!(cache.build_cache_lock("127.0.0.1:5000/apps/a").exists());
        assert_eq!(usage(&cache).expect("usage").total_bytes, 2 * "127.0.0.1:5000/apps/a".len() as u64);
    }

    #[tokio::test]
    async fn a_running_builds_cache_is_never_cleared() {
        let (_dir, cache) = filled_cache().await;
        let repository = "127.0.0.1:5000/apps/a";
        let _running = lock_build_cache(&cache.build_cache_lock(repository), repository, &Quiet).await.expect("lock");
        assert!(usage(&cache).expect("usage").build_caches[0].in_use);
        for scope in [Some(image("127.0.0.1:5000/apps/a:1")), None] {
            let error = clear(&cache, scope.as_ref()).expect_err("refused");
            assert!(error.to_string().contains("a build into 127.0.0.1:5000/apps/a is running"), "{error}");
        }
        assert!(cache.build_cache(repository).exists());
        assert!(cache.blobs().exists(), "nothing is cleared while a build runs");
        clear(&cache, Some(&image("127.0.0.1:5000/apps/b:1"))).expect("another image's cache can go");
        let unknown = clear(&cache, Some(&image("127.0.0.1:5000/apps/never-built:1"))).expect("nothing to clear");
        assert!(unknown.removed.is_empty());
        assert!(!cache.build_cache_lock("127.0.0.1:5000/apps/never-built").exists(), "no lock file is made for it");
    }
}
