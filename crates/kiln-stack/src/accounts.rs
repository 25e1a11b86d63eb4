//! The image's users and groups: root and the stack's non-root user in `/etc/passwd` and
//! `/etc/group` (and the shadow files where the image has them), with a home directory.

use crate::definition::User;
use std::os::unix::fs::{chown, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    #[error("cannot update {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "{file} already gives id {id} to {existing:?}, not to the stack user {wanted:?}; choose another uid/gid in \
         the stack definition's [user]"
    )]
    IdTaken { file: &'static str, id: u32, existing: String, wanted: String },
}

/// Adds root and `user` to the account files under `root` (creating passwd and group if the image
/// has none) and creates the user's home directory.
///
/// `days_since_epoch` is the password change date written to shadow, so it does not depend on
/// the day of the build.
///
/// # Errors
/// A file cannot be read or written, or the user's ids belong to someone else.
pub fn add_user(root: &Path, user: &User, days_since_epoch: u64) -> Result<(), AccountsError> {
    let home = user.home.trim_start_matches('/');
    update(root, "etc/passwd", true, |lines| {
        ensure(lines, "passwd", "root", 0, "root:x:0:0:root:/root:/bin/sh".to_string())?;
        let entry = format!("{}:x:{}:{}::{}:{}", user.name, user.uid, user.gid, user.home, user.shell);
        ensure(lines, "passwd", &user.name, user.uid, entry)
    })?;
    update(root, "etc/group", true, |lines| {
        ensure(lines, "group", "root", 0, "root:x:0:".to_string())?;
        ensure(lines, "group", &user.name, user.gid, format!("{}:x:{}:", user.name, user.gid))
    })?;
    update(root, "etc/shadow", false, |lines| {
        let entry = format!("{}:!:{days_since_epoch}:0:99999:7:::", user.name);
        ensure_named(lines, &user.name, entry);
        Ok(())
    })?;
    update(root, "etc/gshadow", false, |lines| {
        ensure_named(lines, &user.name, format!("{}:!::", user.name));
        Ok(())
    })?;

    let home_dir = root.join(home);
    let io = |source| AccountsError::Io { path: home_dir.clone(), source };
    std::fs::create_dir_all(&home_dir).map_err(io)?;
    chown(&home_dir, Some(user.uid), Some(user.gid)).map_err(io)?;
    std::fs::set_permissions(&home_dir, std::fs::Permissions::from_mode(0o755)).map_err(io)
}

/// Applies `edit` to the lines of `root/file`; a missing file is created only if `create`.
fn update(
    root: &Path,
    file: &str,
    create: bool,
    edit: impl FnOnce(&mut Vec<String>) -> Result<(), AccountsError>,
) -> Result<(), AccountsError> {
    let path = root.join(file);
    let io = |source| AccountsError::Io { path: path.clone(), source };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && create => String::new(),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(io(error)),
    };
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    edit(&mut lines)?;
    let mode = std::fs::metadata(&path).map_or(0o644, |metadata| metadata.permissions().mode());
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(&path, text).map_err(io)?;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).map_err(io)
}

/// Adds `entry` for `name` with `id` (third field) unless present; refuses when `id` belongs to
/// another name.
fn ensure(
    lines: &mut Vec<String>,
    file: &'static str,
    name: &str,
    id: u32,
    entry: String,
) -> Result<(), AccountsError> {
    let id_text = id.to_string();
    if let Some(existing) = lines.iter().find(|line| line.split(':').nth(2) == Some(id_text.as_str())) {
        let existing_name = existing.split(':').next().unwrap_or_default();
        if existing_name != name {
            return Err(AccountsError::IdTaken {
                file,
                id,
                existing: existing_name.to_string(),
                wanted: name.to_string(),
            });
        }
    }
    ensure_named(lines, name, entry);
    Ok(())
}

fn ensure_named(lines: &mut Vec<String>, name: &str, entry: String) {
    let prefix = format!("{name}:");
    if !lines.iter().any(|line| line.starts_with(&prefix)) {
        lines.push(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    fn cnb() -> User {
        User {
            name: "cnb".to_string(),
            uid: 1000,
            gid: 1000,
            home: "/home/cnb".to_string(),
            shell: "/bin/sh".to_string(),
        }
    }

    #[test]
    #[ignore = "real components: root (file ownership); scripts/test runs it"]
    fn creates_passwd_and_group_in_an_image_without_them() {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(root.path().join("etc")).expect("etc");
        add_user(root.path(), &cnb(), 3652).expect("add user");
        let passwd = std::fs::read_to_string(root.path().join("etc/passwd")).expect("passwd");
        assert_eq!(passwd, "root:x:0:0:root:/root:/bin/sh\ncnb:x:1000:1000::/home/cnb:/bin/sh\n");
        let group = std::fs::read_to_string(root.path().join("etc/group")).expect("group");
        assert_eq!(group, "root:x:0:\ncnb:x:1000:\n");
        assert!(!root.path().join("etc/shadow").exists(), "no shadow file is invented");
        let home = std::fs::metadata(root.path().join("home/cnb")).expect("home");
        assert_eq!((home.uid(), home.gid()), (1000, 1000));
    }

    #[test]
    #[ignore = "real components: root (file ownership); scripts/test runs it"]
    fn appends_to_existing_files_once_with_a_fixed_shadow_date() {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(root.path().join("etc")).expect("etc");
        std::fs::write(root.path().join("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n").expect("passwd");
        std::fs::write(root.path().join("etc/shadow"), "root:*:3652:0:99999:7:::\n").expect("shadow");
        add_user(root.path(), &cnb(), 3652).expect("add user");
        add_user(root.path(), &cnb(), 3652).expect("adding twice changes nothing");
        let passwd = std::fs::read_to_string(root.path().join("etc/passwd")).expect("passwd");
        assert_eq!(passwd, "root:x:0:0:root:/root:/bin/bash\ncnb:x:1000:1000::/home/cnb:/bin/sh\n");
        let shadow = std::fs::read_to_string(root.path().join("etc/shadow")).expect("shadow");
        assert_eq!(shadow, "root:*:3652:0:99999:7:::\ncnb:!:3652:0:99999:7:::\n");
    }

    #[test]
    fn refuses_a_uid_that_belongs_to_someone_else() {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(root.path().join("etc")).expect("etc");
        std::fs::write(root.path().join("etc/passwd"), "someone:x:1000:1000::/home/someone:/bin/sh\n").expect("passwd");
        let error = add_user(root.path(), &cnb(), 3652).expect_err("uid taken").to_string();
        assert!(error.contains("someone") && error.contains("choose another uid/gid"), "{error}");
    }
}
