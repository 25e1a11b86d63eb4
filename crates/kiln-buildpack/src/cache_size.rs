//! The size limit of caches that only grow. Go's caches, for one, trim entries by their
//! modification time, and every restored file has a new one, so without a limit a cache keeps
//! whatever any earlier build put in it. A cache over its limit is emptied as a whole: the next
//! build refills it with only what it uses, the one policy that needs no knowledge of a tool's
//! cache format and leaves no half-trimmed cache behind.

use crate::error::CoreError;
use kiln_download::ByteSize;
use libcnb::Env;
use std::fmt;
use std::path::Path;

/// The build env variable that sets the limit, in MiB, for each such cache layer.
pub const CACHE_LIMIT_ENV: &str = "KILN_CACHE_LIMIT_MIB";
/// Enough for the compiled standard library and the dependencies of a large module several
/// times over; small enough that restoring the cache stays quick.
pub const DEFAULT_CACHE_LIMIT_MIB: u64 = 1024;

const MIB: u64 = 1024 * 1024;

/// The most a growing cache may hold when a build starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CacheLimit {
    pub bytes: u64,
}

impl CacheLimit {
    /// [`CACHE_LIMIT_ENV`] from the platform env, else the default.
    pub fn from_env(platform_env: &Env) -> Result<Self, CoreError> {
        match platform_env.get_string_lossy(CACHE_LIMIT_ENV).map(|value| value.trim().to_string()) {
            None => Ok(Self::mib(DEFAULT_CACHE_LIMIT_MIB)),
            Some(value) if value.is_empty() => Ok(Self::mib(DEFAULT_CACHE_LIMIT_MIB)),
            Some(value) => match value.parse::<u64>() {
                Ok(mib) if mib > 0 && mib.checked_mul(MIB).is_some() => Ok(Self::mib(mib)),
                _ => Err(CoreError::InvalidSetting {
                    name: CACHE_LIMIT_ENV,
                    value,
                    expected: "a whole number of MiB greater than 0, e.g. 2048",
                }),
            },
        }
    }

    #[must_use]
    pub const fn mib(mib: u64) -> Self {
        Self { bytes: mib * MIB }
    }
}

impl fmt::Display for CacheLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", ByteSize(self.bytes))
    }
}

/// The bytes the regular files below `directory` hold (symlinks are not followed).
pub(crate) fn directory_size(directory: &Path) -> Result<u64, walkdir::Error> {
    let mut total = 0;
    for entry in walkdir::WalkDir::new(directory) {
        let entry = entry?;
        if entry.file_type().is_file() {
            total += entry.metadata()?.len();
        }
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit_for(setting: &str) -> Result<CacheLimit, CoreError> {
        let mut platform_env = Env::new();
        platform_env.insert(CACHE_LIMIT_ENV, setting);
        CacheLimit::from_env(&platform_env)
    }

    #[test]
    fn the_limit_defaults_to_one_gib_and_is_set_in_mib() {
        assert_eq!(CacheLimit::from_env(&Env::new()).expect("default"), CacheLimit { bytes: 1024 * MIB });
        assert_eq!(limit_for("").expect("empty means the default"), CacheLimit::mib(DEFAULT_CACHE_LIMIT_MIB));
        assert_eq!(limit_for(" 2048 ").expect("set"), CacheLimit::mib(2048));
        for invalid in ["0", "-1", "1.5", "2G", "99999999999999999"] {
            let error = limit_for(invalid).expect_err(invalid);
            assert!(error.to_string().contains(CACHE_LIMIT_ENV), "{error}");
        }
    }

    #[test]
    fn sizes_count_the_files_below_a_directory() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("a/b")).expect("dirs");
        std::fs::write(dir.path().join("a/one"), [0; 1000]).expect("write");
        std::fs::write(dir.path().join("a/b/two"), [0; 24]).expect("write");
        assert_eq!(directory_size(dir.path()).expect("size"), 1024);
        assert_eq!(ByteSize(1536 * MIB).to_string(), "1.5 GiB");
        assert_eq!(ByteSize(MIB / 2).to_string(), "512.0 KiB");
    }
}
