//! Where kiln keeps downloads and blobs between runs.

use std::ffi::OsString;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[error("cannot find a cache directory: none of KILN_CACHE_DIR, XDG_CACHE_HOME or HOME is set; set KILN_CACHE_DIR")]
pub struct CacheDirError;

/// `$KILN_CACHE_DIR`, else `$XDG_CACHE_HOME/kiln`, else `~/.cache/kiln` (empty values count as unset).
///
/// # Errors
/// None of the three variables is set.
pub fn cache_dir() -> Result<PathBuf, CacheDirError> {
    let var = |name| std::env::var_os(name);
    choose(var("KILN_CACHE_DIR"), var("XDG_CACHE_HOME"), var("HOME")).ok_or(CacheDirError)
}

fn choose(kiln: Option<OsString>, xdg: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let set = |value: Option<OsString>| value.filter(|v| !v.is_empty()).map(PathBuf::from);
    set(kiln)
        .or_else(|| set(xdg).map(|dir| dir.join("kiln")))
        .or_else(|| set(home).map(|dir| dir.join(".cache").join("kiln")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unnecessary_wraps)] // Reads like the environment it stands for.
    fn some(value: &str) -> Option<OsString> {
        Some(value.into())
    }

    #[test]
    fn precedence_is_kiln_then_xdg_then_home() {
        assert_eq!(choose(some("/k"), some("/x"), some("/h")), Some("/k".into()));
        assert_eq!(choose(None, some("/x"), some("/h")), Some("/x/kiln".into()));
        assert_eq!(choose(some(""), some(""), some("/h")), Some("/h/.cache/kiln".into()));
        assert_eq!(choose(None, None, None), None);
    }
}
