//! Dropping paths a stack definition does not want in an image (docs, man pages, the package
//! manager), keeping the exceptions it names (licences).

use std::path::{Path, PathBuf};
use walkdir::WalkDir;

#[derive(Debug, thiserror::Error)]
pub enum PruneError {
    #[error("cannot remove {path} from the root filesystem: {source}")]
    Remove { path: PathBuf, source: std::io::Error },
    #[error("cannot walk the root filesystem at {path}: {source}")]
    Walk { path: PathBuf, source: walkdir::Error },
}

/// A path pattern relative to `/`: components separated by `/`, `*` matching one whole component
/// or any run of characters inside one (`*-old`).
#[derive(Debug, Clone)]
pub struct Pattern(Vec<String>);

impl Pattern {
    #[must_use]
    pub fn new(pattern: &str) -> Self {
        Self(pattern.split('/').filter(|part| !part.is_empty()).map(str::to_string).collect())
    }

    /// Whether `path` (relative) is matched by this pattern or lies below something it matches.
    #[must_use]
    pub fn covers(&self, path: &Path) -> bool {
        let parts: Vec<String> = path.iter().map(|part| part.to_string_lossy().into_owned()).collect();
        parts.len() >= self.0.len() && self.0.iter().zip(&parts).all(|(pattern, part)| component_matches(pattern, part))
    }

    /// Whether `path` (relative) is an ancestor of something this pattern may match.
    fn may_contain_match(&self, path: &Path) -> bool {
        let parts: Vec<String> = path.iter().map(|part| part.to_string_lossy().into_owned()).collect();
        parts.len() < self.0.len() && self.0.iter().zip(&parts).all(|(pattern, part)| component_matches(pattern, part))
    }
}

fn component_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((prefix, rest)) => {
            name.starts_with(prefix)
                && (0..=name.len() - prefix.len())
                    .any(|skip| name.get(prefix.len() + skip..).is_some_and(|tail| component_matches(rest, tail)))
        }
    }
}

/// Removes everything under `root` that a `remove` pattern covers, except what a `keep` pattern
/// covers (and the directories leading to it). Returns how many entries were removed.
///
/// # Errors
/// The tree cannot be walked or an entry cannot be removed.
pub fn prune(root: &Path, remove: &[Pattern], keep: &[Pattern]) -> Result<usize, PruneError> {
    let mut doomed = Vec::new();
    let mut walker = WalkDir::new(root).min_depth(1).sort_by_file_name().into_iter();
    while let Some(entry) = walker.next() {
        let entry = entry.map_err(|source| PruneError::Walk { path: root.to_path_buf(), source })?;
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let removed = remove.iter().any(|pattern| pattern.covers(relative));
        let kept = keep.iter().any(|pattern| pattern.covers(relative));
        let leads_to_kept = keep.iter().any(|pattern| pattern.may_contain_match(relative));
        if removed && !kept && !leads_to_kept {
            doomed.push(entry.path().to_path_buf());
            if entry.file_type().is_dir() {
                walker.skip_current_dir();
            }
        }
    }
    for path in &doomed {
        let result = if path.is_dir() && !path.is_symlink() {
            std::fs::remove_dir_all(path)
        } else {
            std::fs::remove_file(path)
        };
        result.map_err(|source| PruneError::Remove { path: path.clone(), source })?;
    }
    Ok(doomed.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_whole_components_and_wildcards() {
        let doc = Pattern::new("usr/share/doc");
        assert!(doc.covers(Path::new("usr/share/doc")));
        assert!(doc.covers(Path::new("usr/share/doc/libc6/changelog.gz")));
        assert!(!doc.covers(Path::new("usr/share/docs")));
        assert!(!doc.covers(Path::new("usr/share")));

        let copyright = Pattern::new("usr/share/doc/*/copyright");
        assert!(copyright.covers(Path::new("usr/share/doc/libc6/copyright")));
        assert!(!copyright.covers(Path::new("usr/share/doc/libc6/changelog.gz")));

        let old = Pattern::new("var/lib/dpkg/*-old");
        assert!(old.covers(Path::new("var/lib/dpkg/status-old")));
        assert!(!old.covers(Path::new("var/lib/dpkg/status")));
    }

    #[test]
    fn prunes_removed_paths_but_keeps_exceptions_and_their_parents() {
        let root = tempfile::tempdir().expect("tempdir");
        for file in [
            "usr/share/doc/libc6/copyright",
            "usr/share/doc/libc6/changelog.gz",
            "usr/share/man/man1/ls.1.gz",
            "usr/share/zoneinfo/UTC",
        ] {
            let path = root.path().join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
            std::fs::write(&path, "x").expect("file");
        }
        let removed = prune(
            root.path(),
            &[Pattern::new("usr/share/doc"), Pattern::new("usr/share/man")],
            &[Pattern::new("usr/share/doc/*/copyright")],
        )
        .expect("prune");
        assert_eq!(removed, 2, "changelog.gz and the man tree");
        assert!(root.path().join("usr/share/doc/libc6/copyright").exists());
        assert!(!root.path().join("usr/share/doc/libc6/changelog.gz").exists());
        assert!(!root.path().join("usr/share/man").exists());
        assert!(root.path().join("usr/share/zoneinfo/UTC").exists());
    }
}
