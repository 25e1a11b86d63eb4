//! A digest of what files hold, to decide whether something built from them (a stack, a
//! builder) can be used again: the same inputs give the same digest.

use sha2::{Digest, Sha256};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The sha256 (hex) of every file under `inputs` (files or directories): each input's label,
/// then each file's path relative to it, executable bit, and contents, or a symlink's target.
/// Directories are walked in name order, so the digest does not depend on the file system.
#[must_use]
pub fn inputs_digest(inputs: &[(&str, &Path)]) -> String {
    let mut hasher = Sha256::new();
    for (label, input) in inputs {
        hasher.update(format!("input {label}\n"));
        for entry in walkdir::WalkDir::new(input).sort_by_file_name() {
            let entry = entry.unwrap_or_else(|e| panic!("cannot read {}: {e}", input.display()));
            let relative = entry.path().strip_prefix(input).expect("walked under its root");
            let metadata = entry.path().symlink_metadata().expect("metadata");
            if metadata.is_symlink() {
                let target = std::fs::read_link(entry.path()).expect("symlink target");
                hasher.update(format!("link {} {}\n", relative.display(), target.display()));
            } else if metadata.is_file() {
                let executable = metadata.permissions().mode() & 0o111 != 0;
                hasher.update(format!("file {} {executable} {}\n", relative.display(), metadata.len()));
                hasher.update(std::fs::read(entry.path()).expect("file contents"));
            }
        }
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_with_contents_names_and_modes_only() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir(dir.path().join("sub")).expect("dir");
        std::fs::write(dir.path().join("sub/a"), "a").expect("file");
        let digest = || inputs_digest(&[("tree", dir.path())]);
        let first = digest();
        assert_eq!(first, digest(), "the same files give the same digest");
        assert_ne!(first, inputs_digest(&[("other label", dir.path())]));

        std::fs::write(dir.path().join("sub/a"), "b").expect("file");
        let changed = digest();
        assert_ne!(first, changed, "contents count");
        std::fs::set_permissions(dir.path().join("sub/a"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
        assert_ne!(changed, digest(), "the executable bit counts");
        std::fs::rename(dir.path().join("sub/a"), dir.path().join("sub/c")).expect("rename");
        assert_ne!(changed, digest(), "names count");
    }
}
