//! The app directory the lifecycle builds: a copy of what the source's filter keeps, owned by
//! the build user. Buildpacks may write into the app directory; copying keeps the user's files
//! untouched whatever a build does.
//!
//! The copy is what `pack build` puts into the app directory, so that both give one image
//! (the lifecycle exports the app directory as a layer): every entry owned by the build user
//! with its own mode and modification time, hard links kept as links, sockets left out, and
//! the app directory itself mode 0777 (pack's tar of the source gives its root that mode).

use crate::errors::{filesystem, invalid_source};
use crate::interrupt::interrupted;
use crate::source_filter::SourceFilter;
use anyhow::Context;
use filetime::FileTime;
use kiln_runc::User;
use std::collections::HashMap;
use std::os::unix::fs::{chown, lchown, symlink, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use walkdir::WalkDir;

/// The mode bit that lets a file's owner read it.
const OWNER_READ: u32 = 0o400;

/// The app directory's own mode: what pack gives the root of the source it copies in.
const APP_DIR_MODE: u32 = 0o777;

/// What a copy took and what it left out.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CopiedSource {
    pub files: u64,
    pub bytes: u64,
    /// Files and links the filter left out (directories are not counted).
    pub left_out: u64,
}

/// Copies what `filter` keeps of `source` into `app_dir` (which must exist), owned by `owner`,
/// modes kept. Stops with an interrupt error soon after `cancel` is set.
pub fn copy_source(
    source: &Path,
    app_dir: &Path,
    owner: User,
    filter: &SourceFilter,
    cancel: &AtomicBool,
) -> anyhow::Result<CopiedSource> {
    let mut copied = CopiedSource::default();
    let mut copy = Copy { source, app_dir, owner, linked: HashMap::new(), directories: Vec::new() };
    for entry in WalkDir::new(source).min_depth(1).sort_by_file_name() {
        if cancel.load(Ordering::Relaxed) {
            return Err(interrupted("SIGINT"));
        }
        let entry = entry.map_err(|error| {
            invalid_source(
                format!("cannot read the source directory {}: {error}", source.display()),
                "make the source readable by the user running kiln",
            )
        })?;
        let relative = entry.path().strip_prefix(source).context("walked outside the source")?;
        let kind = entry.file_type();
        if !filter.keeps(relative, kind.is_dir()) {
            if !kind.is_dir() {
                copied.left_out += 1;
            }
            continue;
        }
        copy.parents_of(relative)?;
        if kind.is_dir() {
            copy.directory(relative)?;
        } else if kind.is_symlink() {
            let link = std::fs::read_link(entry.path())?;
            let target = app_dir.join(relative);
            symlink(&link, &target).map_err(|error| copy.write_error(relative, &error))?;
            copy.hand_over(relative)?;
            filetime::set_symlink_file_times(&target, access_time(&entry)?, modification_time(&entry)?)?;
            copied.files += 1;
        } else if kind.is_file() {
            copied.bytes += copy.file(relative)?;
            copied.files += 1;
        }
        // Sockets and devices have no place in source code; they are left out.
    }
    copy.date_directories()?;
    std::fs::set_permissions(app_dir, std::fs::Permissions::from_mode(APP_DIR_MODE))
        .and_then(|()| chown(app_dir, Some(owner.uid), Some(owner.gid)))
        .context("cannot hand the app directory to the build user")?;
    Ok(copied)
}

fn access_time(entry: &walkdir::DirEntry) -> anyhow::Result<FileTime> {
    Ok(FileTime::from_last_access_time(&entry.metadata()?))
}

fn modification_time(entry: &walkdir::DirEntry) -> anyhow::Result<FileTime> {
    Ok(FileTime::from_last_modification_time(&entry.metadata()?))
}

struct Copy<'a> {
    source: &'a Path,
    app_dir: &'a Path,
    owner: User,
    /// Files with more than one link, by device and inode: the copy of the first one seen,
    /// which the others link to.
    linked: HashMap<(u64, u64), PathBuf>,
    /// The directories copied, parents first: their times are set once their contents are in.
    directories: Vec<PathBuf>,
}

impl Copy<'_> {
    /// Creates the parents of `relative` that the filter did not keep for themselves (an
    /// `include` that names files deep in a tree), with their modes.
    fn parents_of(&mut self, relative: &Path) -> anyhow::Result<()> {
        let mut parents: Vec<&Path> = relative.ancestors().skip(1).filter(|p| !p.as_os_str().is_empty()).collect();
        parents.reverse();
        for parent in parents {
            if !self.app_dir.join(parent).exists() {
                self.directory(parent)?;
            }
        }
        Ok(())
    }

    fn directory(&mut self, relative: &Path) -> anyhow::Result<()> {
        let target = self.app_dir.join(relative);
        if target.exists() {
            return Ok(());
        }
        std::fs::create_dir(&target).map_err(|error| self.write_error(relative, &error))?;
        let mode = std::fs::metadata(self.source.join(relative))?.permissions();
        std::fs::set_permissions(&target, mode)?;
        self.directories.push(relative.to_path_buf());
        self.hand_over(relative)
    }

    /// Gives each copied directory its source's times, deepest first: adding an entry to a
    /// directory changes its modification time.
    fn date_directories(&self) -> anyhow::Result<()> {
        for relative in self.directories.iter().rev() {
            let metadata = std::fs::metadata(self.source.join(relative))?;
            self.date(relative, &metadata)?;
        }
        Ok(())
    }

    fn date(&self, relative: &Path, source: &std::fs::Metadata) -> anyhow::Result<()> {
        let (accessed, modified) =
            (FileTime::from_last_access_time(source), FileTime::from_last_modification_time(source));
        filetime::set_file_times(self.app_dir.join(relative), accessed, modified)
            .with_context(|| format!("cannot date {} in the app directory", relative.display()))
    }

    /// Copies a regular file (or links it to the copy of a file it is a hard link of), and
    /// returns the bytes copied.
    fn file(&mut self, relative: &Path) -> anyhow::Result<u64> {
        let from = self.source.join(relative);
        // An unreadable file is the source's problem; a failed write is the machine's.
        std::fs::File::open(&from).map_err(|error| {
            invalid_source(
                format!("cannot read {} in the source: {error}", relative.display()),
                "make it readable by the user running kiln, or leave it out with `exclude` in project.toml",
            )
        })?;
        // kiln reads as root, but the copy belongs to the build user with the file's own mode:
        // without its owner's read bit, the buildpacks and the exporter could not read it.
        let metadata = std::fs::metadata(&from)?;
        let mode = metadata.permissions().mode();
        if mode & OWNER_READ == 0 {
            return Err(invalid_source(
                format!(
                    "{} in the source has mode {:03o}: its owner may not read it, and the build runs as its owner",
                    relative.display(),
                    mode & 0o777
                ),
                "make the file readable by its owner (`chmod u+r`, or `chmod -R u+rX` the source directory), or leave it out with `exclude` in project.toml",
            ));
        }
        let target = self.app_dir.join(relative);
        if metadata.nlink() > 1 {
            let inode = (metadata.dev(), metadata.ino());
            if let Some(first) = self.linked.get(&inode) {
                std::fs::hard_link(self.app_dir.join(first), &target)
                    .map_err(|error| self.write_error(relative, &error))?;
                return Ok(0);
            }
            self.linked.insert(inode, relative.to_path_buf());
        }
        let bytes = std::fs::copy(&from, &target).map_err(|error| self.write_error(relative, &error))?;
        self.hand_over(relative)?;
        self.date(relative, &metadata)?;
        Ok(bytes)
    }

    fn hand_over(&self, relative: &Path) -> anyhow::Result<()> {
        lchown(self.app_dir.join(relative), Some(self.owner.uid), Some(self.owner.gid))
            .with_context(|| format!("cannot hand {} to the build user", relative.display()))
    }

    fn write_error(&self, relative: &Path, error: &std::io::Error) -> anyhow::Error {
        filesystem(
            format!(
                "cannot copy {} into the build's scratch space {}: {error}",
                relative.display(),
                self.app_dir.display()
            ),
            "check free space there, or set KILN_SCRATCH_DIR to a directory with room",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptor::FileSelection;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    /// A source tree on disk: go.mod, a script with its mode, a link, `.git`, a log file and a
    /// `node_modules/` directory.
    fn source_tree() -> tempfile::TempDir {
        let source = tempfile::tempdir().expect("source");
        let write = |path: &str, text: &str| {
            let path = source.path().join(path);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
            std::fs::write(path, text).expect("file");
        };
        write("go.mod", "module x\n");
        write("cmd/tool/run.sh", "#!/bin/sh\n");
        write(".git/objects/ab", "history");
        write("debug.log", "noise");
        write("node_modules/pkg/index.js", "dependency");
        std::fs::set_permissions(source.path().join("cmd/tool/run.sh"), std::fs::Permissions::from_mode(0o755))
            .expect("mode");
        symlink("go.mod", source.path().join("link")).expect("link");
        source
    }

    fn copy(source: &Path, selection: &FileSelection) -> (tempfile::TempDir, CopiedSource) {
        let app = tempfile::tempdir().expect("app");
        let uid = std::fs::metadata(app.path()).expect("app dir").uid();
        let filter = SourceFilter::new(source, selection).expect("filter");
        let copied =
            copy_source(source, app.path(), User { uid, gid: uid }, &filter, &AtomicBool::new(false)).expect("copied");
        (app, copied)
    }

    #[test]
    fn a_file_its_owner_may_not_read_is_refused_by_name() {
        let source = source_tree();
        let secret = source.path().join("secret.txt");
        std::fs::write(&secret, "hidden").expect("file");
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).expect("mode");
        let app = tempfile::tempdir().expect("app");
        let uid = std::fs::metadata(app.path()).expect("app dir").uid();
        let filter = SourceFilter::new(source.path(), &FileSelection::default()).expect("filter");
        let error = copy_source(source.path(), app.path(), User { uid, gid: uid }, &filter, &AtomicBool::new(false))
            .expect_err("an unreadable file must stop the copy");
        let kinded = error.downcast_ref::<kiln_error::KindedError>().expect("a kinded error");
        assert_eq!(kinded.kind, kiln_error::ErrorKind::InvalidSource);
        assert!(kinded.message.contains("secret.txt"), "{}", kinded.message);
        assert!(kinded.advice.as_deref().is_some_and(|advice| advice.contains("exclude")), "{:?}", kinded.advice);
    }

    #[test]
    fn copies_files_links_and_modes_but_not_git() {
        let source = source_tree();
        let (app, copied) = copy(source.path(), &FileSelection::All);
        assert_eq!(std::fs::read_to_string(app.path().join("go.mod")).expect("go.mod"), "module x\n");
        let mode = std::fs::metadata(app.path().join("cmd/tool/run.sh")).expect("script").permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(std::fs::read_link(app.path().join("link")).expect("link"), Path::new("go.mod"));
        assert!(!app.path().join(".git").exists());
        assert_eq!(copied.files, 5, "go.mod, run.sh, debug.log, index.js and the link: {copied:?}");
        assert_eq!(copied.left_out, 1, "the .git object: {copied:?}");
    }

    /// What `pack build` puts into the app directory, so that both give the same app layer.
    #[test]
    fn the_copy_keeps_times_and_hard_links_and_opens_the_app_directory_as_pack_does() {
        let source = source_tree();
        std::fs::hard_link(source.path().join("go.mod"), source.path().join("go.mod.link")).expect("hard link");
        let old = FileTime::from_unix_time(1_600_000_000, 0);
        for path in ["go.mod", "cmd/tool/run.sh", "cmd/tool", "cmd"] {
            filetime::set_file_times(source.path().join(path), old, old).expect("source time");
        }
        filetime::set_symlink_file_times(source.path().join("link"), old, old).expect("link time");

        let (app, copied) = copy(source.path(), &FileSelection::All);
        for path in ["go.mod", "cmd/tool/run.sh", "cmd/tool", "cmd", "link"] {
            let metadata = std::fs::symlink_metadata(app.path().join(path)).expect("copied entry");
            assert_eq!(FileTime::from_last_modification_time(&metadata), old, "{path}'s modification time");
        }
        let (original, link) = (
            std::fs::metadata(app.path().join("go.mod")).expect("go.mod"),
            std::fs::metadata(app.path().join("go.mod.link")).expect("its link"),
        );
        assert_eq!((original.ino(), original.nlink()), (link.ino(), 2), "the hard link is a link in the copy too");
        assert_eq!(copied.files, 6, "{copied:?}");
        let mode = std::fs::metadata(app.path()).expect("app dir").permissions().mode();
        assert_eq!(mode & 0o777, 0o777);
    }

    #[test]
    fn exclude_leaves_files_and_directories_out_of_the_copy() {
        let source = source_tree();
        let selection = FileSelection::Exclude(vec!["node_modules/".to_string(), "*.log".to_string()]);
        let (app, copied) = copy(source.path(), &selection);
        assert!(app.path().join("go.mod").is_file());
        assert!(app.path().join("cmd/tool/run.sh").is_file());
        assert!(!app.path().join("debug.log").exists());
        assert!(!app.path().join("node_modules").exists(), "not even an empty directory is left");
        assert_eq!(copied.left_out, 3, "{copied:?}");
    }

    #[test]
    fn include_copies_only_matches_with_their_parent_directories() {
        let source = source_tree();
        let (app, _) = copy(source.path(), &FileSelection::Include(vec!["*.sh".to_string()]));
        assert!(app.path().join("cmd/tool/run.sh").is_file());
        let mode = std::fs::metadata(app.path().join("cmd/tool")).expect("parent").permissions().mode();
        assert_eq!(mode & 0o777, std::fs::metadata(source.path().join("cmd/tool")).expect("source dir").mode() & 0o777);
        assert!(!app.path().join("go.mod").exists());
        assert!(!app.path().join("node_modules").exists());
    }

    #[test]
    fn a_cancelled_copy_stops() {
        let source = source_tree();
        let app = tempfile::tempdir().expect("app");
        let filter = SourceFilter::new(source.path(), &FileSelection::All).expect("filter");
        let error = copy_source(source.path(), app.path(), User { uid: 0, gid: 0 }, &filter, &AtomicBool::new(true))
            .expect_err("cancelled");
        let kinded = error.downcast_ref::<kiln_error::KindedError>().expect("kinded");
        assert_eq!(kinded.kind, kiln_error::ErrorKind::Interrupted);
    }
}
