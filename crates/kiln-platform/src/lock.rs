//! One build at a time per build cache: the lifecycle commits a cache wholesale, and two
//! writers would leave a mix. A build that finds the cache taken says so and waits.
//!
//! The lock is an advisory file lock (`flock`) on `<build cache>.lock`, released when the
//! build ends however it ends (the kernel drops it with the process). The file holds the
//! repository's name, so that `kiln cache` can say whose cache is whose.

use crate::errors::filesystem;
use crate::Reporter;
use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::Path;
use std::time::Duration;

/// How often a waiting build tries the lock again. Polling (rather than a blocking `flock`)
/// keeps the wait cancellable by Ctrl-C without a thread stuck in the kernel.
const RETRY_EVERY: Duration = Duration::from_millis(200);

/// A held build-cache lock; released when dropped.
#[derive(Debug)]
pub struct BuildCacheLock {
    _file: File,
}

/// Takes the lock at `path` for a build into `repository`, telling `reporter` when it has to
/// wait for another build.
pub async fn lock_build_cache(
    path: &Path,
    repository: &str,
    reporter: &dyn Reporter,
) -> anyhow::Result<BuildCacheLock> {
    let file = open(path)?;
    let mut said_so = false;
    loop {
        match try_lock(&file, path)? {
            true => return held(file, repository, path),
            false if !said_so => {
                reporter
                    .info(&format!("Waiting for another build into {repository} to finish (lock {})", path.display()));
                said_so = true;
            }
            false => {}
        }
        tokio::time::sleep(RETRY_EVERY).await;
    }
}

/// The lock at `path` if nobody holds it, without waiting (`kiln cache clear`).
pub(crate) fn try_lock_now(path: &Path) -> anyhow::Result<Option<File>> {
    let file = open(path)?;
    Ok(try_lock(&file, path)?.then_some(file))
}

fn open(path: &Path) -> anyhow::Result<File> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|error| unusable(path, &error))?;
    }
    File::options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(path)
        .map_err(|error| unusable(path, &error))
}

fn try_lock(file: &File, path: &Path) -> anyhow::Result<bool> {
    match file.try_lock() {
        Ok(()) => Ok(true),
        Err(TryLockError::WouldBlock) => Ok(false),
        Err(TryLockError::Error(error)) => Err(unusable(path, &error)),
    }
}

fn held(mut file: File, repository: &str, path: &Path) -> anyhow::Result<BuildCacheLock> {
    file.set_len(0).and_then(|()| file.write_all(repository.as_bytes())).map_err(|error| unusable(path, &error))?;
    Ok(BuildCacheLock { _file: file })
}

fn unusable(path: &Path, error: &std::io::Error) -> anyhow::Error {
    filesystem(
        format!("cannot lock the build cache with {}: {error}", path.display()),
        "check the permissions of kiln's cache directory, or set KILN_CACHE_DIR to a writable one",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Said(Mutex<Vec<String>>);

    impl Reporter for Said {
        fn phase(&self, title: &str) {
            self.info(title);
        }
        fn info(&self, message: &str) {
            self.0.lock().expect("lines").push(message.to_string());
        }
    }

    #[tokio::test]
    async fn a_second_build_says_it_waits_and_gets_the_lock_once_the_first_ends() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("repo-abc.lock");
        let said = Said::default();
        let first = lock_build_cache(&path, "r/app", &said).await.expect("first lock");
        assert!(said.0.lock().expect("lines").is_empty(), "the first build does not wait");
        assert_eq!(std::fs::read_to_string(&path).expect("lock file"), "r/app");
        assert!(try_lock_now(&path).expect("tried").is_none(), "held");

        let waiting = async { lock_build_cache(&path, "r/app", &said).await };
        let release = async {
            tokio::time::sleep(RETRY_EVERY * 2).await;
            drop(first);
        };
        let (second, ()) = tokio::join!(waiting, release);
        second.expect("second lock");
        let lines = said.0.lock().expect("lines").clone();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("Waiting for another build into r/app to finish (lock "), "{lines:?}");
    }
}
