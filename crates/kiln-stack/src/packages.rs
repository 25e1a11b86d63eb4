//! Debian packages in an unpacked root: which ones are there, and dropping the ones apt only
//! pulled in as dependencies when an image wants exactly the packages it lists.

use crate::prune::Pattern;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub enum PackagesError {
    #[error("dpkg-deb is not installed; install it with `apt-get install dpkg`")]
    DpkgDebMissing,
    #[error("cannot read the package {deb}: {reason}")]
    Read { deb: PathBuf, reason: String },
    #[error("cannot remove {path} of package {package}: {source}")]
    Remove { package: String, path: PathBuf, source: std::io::Error },
}

/// One unpacked `.deb`: its name and version from the control data.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub deb: PathBuf,
}

/// Reads name and version of each `.deb`, sorted by name.
///
/// # Errors
/// dpkg-deb is missing or a file is not a readable package.
pub fn describe(debs: &[PathBuf]) -> Result<Vec<Package>, PackagesError> {
    let mut packages = debs
        .iter()
        .map(|deb| {
            let fields = dpkg_deb(deb, &["--show", "--showformat=${Package}\\n${Version}\\n"])?;
            let fields = String::from_utf8_lossy(&fields);
            let mut lines = fields.lines();
            match (lines.next(), lines.next()) {
                (Some(name), Some(version)) => {
                    Ok(Package { name: name.to_string(), version: version.to_string(), deb: deb.clone() })
                }
                _ => Err(PackagesError::Read { deb: deb.clone(), reason: "no Package/Version fields".to_string() }),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    packages.sort();
    Ok(packages)
}

/// Removes the files of every package not in `wanted` from `root`, except those a `keep` pattern
/// covers (licences), then the directories that became empty and no wanted package ships.
/// Returns the names of the dropped packages.
///
/// # Errors
/// A package cannot be read or a file cannot be removed.
pub fn drop_unlisted(
    root: &Path,
    packages: &[Package],
    wanted: &[String],
    keep: &[Pattern],
) -> Result<Vec<String>, PackagesError> {
    let (unwanted, wanted): (Vec<&Package>, Vec<&Package>) =
        packages.iter().partition(|package| !wanted.contains(&package.name));
    let mut wanted_directories = BTreeSet::new();
    for package in wanted {
        wanted_directories.extend(contents(&package.deb)?.1);
    }
    let mut dropped = Vec::new();
    for package in unwanted {
        let (files, directories) = contents(&package.deb)?;
        for file in files.iter().filter(|file| !keep.iter().any(|pattern| pattern.covers(file))) {
            let path = root.join(file);
            if path.symlink_metadata().is_ok() {
                std::fs::remove_file(&path).map_err(|source| PackagesError::Remove {
                    package: package.name.clone(),
                    path: path.clone(),
                    source,
                })?;
            }
        }
        // Deepest first, so a parent is empty once its children are gone; directories still in
        // use are not empty and stay.
        for directory in directories.iter().rev().filter(|directory| !wanted_directories.contains(*directory)) {
            drop(std::fs::remove_dir(root.join(directory)));
        }
        dropped.push(package.name.clone());
    }
    Ok(dropped)
}

/// Files (and symlinks) and directories a `.deb` ships, as relative paths; directories sorted.
fn contents(deb: &Path) -> Result<(Vec<PathBuf>, BTreeSet<PathBuf>), PackagesError> {
    let read_error = |reason: String| PackagesError::Read { deb: deb.to_path_buf(), reason };
    let data = dpkg_deb(deb, &["--fsys-tarfile"])?;
    let mut archive = tar::Archive::new(data.as_slice());
    let mut files = Vec::new();
    let mut directories = BTreeSet::new();
    for entry in archive.entries().map_err(|error| read_error(error.to_string()))? {
        let entry = entry.map_err(|error| read_error(error.to_string()))?;
        let path = entry.path().map_err(|error| read_error(error.to_string()))?;
        let relative: PathBuf = path.components().filter(|c| matches!(c, std::path::Component::Normal(_))).collect();
        if relative.as_os_str().is_empty() {
            continue;
        }
        if entry.header().entry_type().is_dir() {
            directories.insert(relative);
        } else {
            files.push(relative);
        }
    }
    Ok((files, directories))
}

fn dpkg_deb(deb: &Path, arguments: &[&str]) -> Result<Vec<u8>, PackagesError> {
    let output = Command::new("dpkg-deb").args(arguments).arg(deb).output().map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => PackagesError::DpkgDebMissing,
        _ => PackagesError::Read { deb: deb.to_path_buf(), reason: error.to_string() },
    })?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(PackagesError::Read {
            deb: deb.to_path_buf(),
            reason: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Stdio;

    /// Builds a real `.deb` with dpkg-deb from a directory tree.
    fn build_deb(dir: &Path, name: &str, files: &[&str]) -> PathBuf {
        let tree = dir.join(format!("{name}-tree"));
        std::fs::create_dir_all(tree.join("DEBIAN")).expect("DEBIAN dir");
        std::fs::write(
            tree.join("DEBIAN/control"),
            format!("Package: {name}\nVersion: 1.0-1\nArchitecture: all\nMaintainer: kiln <kiln@example.org>\nDescription: test\n"),
        )
        .expect("control");
        for file in files {
            let path = tree.join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
            std::fs::write(&path, name).expect("file");
        }
        let deb = dir.join(format!("{name}.deb"));
        let status = Command::new("dpkg-deb")
            .args(["--root-owner-group", "--build"])
            .arg(&tree)
            .arg(&deb)
            .stdout(Stdio::null())
            .status()
            .expect("dpkg-deb runs");
        assert!(status.success());
        deb
    }

    #[test]
    fn describes_and_drops_only_unlisted_packages() {
        let dir = tempfile::tempdir().expect("tempdir");
        let wanted = build_deb(dir.path(), "wanted", &["usr/lib/shared/wanted.so", "usr/bin/.keep"]);
        let dependency = build_deb(
            dir.path(),
            "dependency",
            &["usr/lib/shared/dep.so", "usr/share/dep/data", "usr/bin/dep", "usr/share/doc/dependency/copyright"],
        );
        let root = dir.path().join("root");
        for file in [
            "usr/lib/shared/wanted.so",
            "usr/lib/shared/dep.so",
            "usr/share/dep/data",
            "usr/bin/dep",
            "usr/share/doc/dependency/copyright",
        ] {
            std::fs::create_dir_all(root.join(file).parent().expect("parent")).expect("dirs");
            std::fs::write(root.join(file), "x").expect("file");
        }

        let packages = describe(&[wanted, dependency]).expect("readable debs");
        let names: Vec<_> = packages.iter().map(|p| (p.name.as_str(), p.version.as_str())).collect();
        assert_eq!(names, [("dependency", "1.0-1"), ("wanted", "1.0-1")]);

        let keep = [Pattern::new("usr/share/doc/*/copyright")];
        let dropped = drop_unlisted(&root, &packages, &["wanted".to_string()], &keep).expect("drop");
        assert_eq!(dropped, ["dependency"]);
        assert!(root.join("usr/lib/shared/wanted.so").exists());
        assert!(!root.join("usr/lib/shared/dep.so").exists());
        assert!(!root.join("usr/share/dep").exists(), "emptied directories go too");
        assert!(root.join("usr/lib/shared").exists(), "directories still in use stay");
        assert!(!root.join("usr/bin/dep").exists());
        assert!(root.join("usr/bin").exists(), "directories a wanted package ships stay, even empty");
        assert!(root.join("usr/share/doc/dependency/copyright").exists(), "licences are kept");
    }

    #[test]
    fn names_an_unreadable_package() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bogus = dir.path().join("bogus.deb");
        std::fs::write(&bogus, "not a deb").expect("write");
        let error = describe(&[bogus]).expect_err("not a package").to_string();
        assert!(error.contains("bogus.deb"), "{error}");
    }
}
