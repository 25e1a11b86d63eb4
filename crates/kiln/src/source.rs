//! The app directory the lifecycle builds: a copy of the user's source owned by the build
//! user. Buildpacks may write into the app directory; copying keeps the user's files
//! untouched whatever a build does. `.git` is left out: it changes with every commit and
//! would make otherwise identical sources give different images.

use anyhow::Context;
use std::os::unix::fs::{chown, symlink};
use std::path::Path;
use walkdir::WalkDir;

const LEFT_OUT: [&str; 1] = [".git"];

/// Copies `source` into `app_dir` (which must exist), owned by `uid:gid`, modes kept.
pub(crate) fn copy_source(source: &Path, app_dir: &Path, uid: u32, gid: u32) -> anyhow::Result<()> {
    let entries = WalkDir::new(source)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() > 1 || !LEFT_OUT.iter().any(|name| entry.file_name() == *name));
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read the source directory {}", source.display()))?;
        let relative = entry.path().strip_prefix(source).context("walked outside the source")?;
        let target = app_dir.join(relative);
        let kind = entry.file_type();
        if kind.is_dir() {
            std::fs::create_dir(&target).with_context(|| format!("cannot create {}", target.display()))?;
            let mode = entry.metadata()?.permissions();
            std::fs::set_permissions(&target, mode)?;
        } else if kind.is_symlink() {
            let link = std::fs::read_link(entry.path())?;
            symlink(&link, &target).with_context(|| format!("cannot copy the link {}", relative.display()))?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).with_context(|| format!("cannot copy {}", relative.display()))?;
        } else {
            // Sockets and devices have no place in source code; leave them out.
            continue;
        }
        std::os::unix::fs::lchown(&target, Some(uid), Some(gid))
            .with_context(|| format!("cannot hand {} to the build user", relative.display()))?;
    }
    chown(app_dir, Some(uid), Some(gid)).context("cannot hand the app directory to the build user")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn copies_files_links_and_modes_but_not_git() {
        let source = tempfile::tempdir().expect("source");
        std::fs::create_dir_all(source.path().join("cmd/tool")).expect("dirs");
        std::fs::create_dir_all(source.path().join(".git/objects")).expect("git dir");
        std::fs::write(source.path().join("go.mod"), "module x\n").expect("file");
        std::fs::write(source.path().join("cmd/tool/run.sh"), "#!/bin/sh\n").expect("file");
        std::fs::set_permissions(source.path().join("cmd/tool/run.sh"), std::fs::Permissions::from_mode(0o755))
            .expect("mode");
        symlink("go.mod", source.path().join("link")).expect("link");

        let app = tempfile::tempdir().expect("app");
        let uid = std::fs::metadata(app.path()).map(|m| std::os::unix::fs::MetadataExt::uid(&m)).expect("uid");
        copy_source(source.path(), app.path(), uid, uid).expect("copied");

        assert_eq!(std::fs::read_to_string(app.path().join("go.mod")).expect("go.mod"), "module x\n");
        let mode = std::fs::metadata(app.path().join("cmd/tool/run.sh")).expect("script").permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(std::fs::read_link(app.path().join("link")).expect("link"), Path::new("go.mod"));
        assert!(!app.path().join(".git").exists());
    }
}
