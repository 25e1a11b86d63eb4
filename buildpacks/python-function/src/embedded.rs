//! What the buildpack carries inside itself (see build.rs): kiln's framework sources and the
//! wheels of its server, installed without a package index.

use std::io::{self, Cursor};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Writes kiln's framework (`kiln_function/`) into `site_packages`.
pub(crate) fn write_framework(site_packages: &Path) -> io::Result<()> {
    for (path, contents) in FRAMEWORK_FILES {
        let destination = site_packages.join(path);
        if let Some(parent) = destination.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(destination, contents)?;
    }
    Ok(())
}

/// Installs the server's wheels for CPython `minor` (`3.12`) into `site_packages`.
pub(crate) fn install_server(site_packages: &Path, minor: &str) -> io::Result<()> {
    for (file, python, bytes) in SERVER_WHEELS {
        if python.is_empty() || *python == minor {
            unpack_wheel(bytes, site_packages)
                .map_err(|error| io::Error::new(error.kind(), format!("{file}: {error}")))?;
        }
    }
    Ok(())
}

/// The CPython minors the embedded server has wheels for.
pub(crate) fn server_pythons() -> Vec<&'static str> {
    SERVER_WHEELS.iter().map(|(_, python, _)| *python).filter(|python| !python.is_empty()).collect()
}

/// Unpacks a wheel's files into `destination`, as an installer does for a wheel without
/// scripts or data: its packages and its `.dist-info`.
fn unpack_wheel(wheel: &[u8], destination: &Path) -> io::Result<()> {
    let mut archive = zip::ZipArchive::new(Cursor::new(wheel)).map_err(io::Error::other)?;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(io::Error::other)?;
        let Some(name) = entry.enclosed_name() else {
            return Err(io::Error::other(format!(
                "entry {} leaves the wheel",
                String::from_utf8_lossy(entry.name_raw())
            )));
        };
        if entry.is_dir() {
            continue;
        }
        let path = destination.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut file = std::fs::File::create(&path)?;
        io::copy(&mut entry, &mut file)?;
        if entry.unix_mode().is_some_and(|mode| mode & 0o111 != 0) {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(())
}

/// Extracts the one file of the zip `archive` whose path ends with `suffix` to `destination`,
/// executable (uv's binary from its wheel).
pub(crate) fn extract_program(archive: &Path, suffix: &str, destination: &Path) -> io::Result<()> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(archive)?).map_err(io::Error::other)?;
    let index = (0..archive.len())
        .find(|index| archive.name_for_index(*index).is_some_and(|name| name.is_ok_and(|name| name.ends_with(suffix))))
        .ok_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, format!("the wheel holds no file ending in {suffix}"))
        })?;
    let mut entry = archive.by_index(index).map_err(io::Error::other)?;
    if let Some(parent) = destination.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let partial = destination.with_extension("partial");
    io::copy(&mut entry, &mut std::fs::File::create(&partial)?)?;
    std::fs::set_permissions(&partial, std::fs::Permissions::from_mode(0o755))?;
    std::fs::rename(partial, destination)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_framework_and_a_server_for_each_supported_python_are_embedded() {
        assert!(FRAMEWORK_FILES.iter().any(|(path, _)| *path == "kiln_function/app.py"));
        assert_eq!(server_pythons(), ["3.12", "3.13", "3.14"]);
        let site_packages = tempfile::tempdir().expect("temp dir");
        write_framework(site_packages.path()).expect("framework written");
        install_server(site_packages.path(), "3.13").expect("server installed");
        assert!(site_packages.path().join("kiln_function/server.py").is_file());
        assert!(site_packages.path().join("click/__init__.py").is_file());
        let native: Vec<String> = std::fs::read_dir(site_packages.path().join("granian"))
            .expect("granian installed")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| std::path::Path::new(name).extension().is_some_and(|extension| extension == "so"))
            .collect();
        assert_eq!(native, ["_granian.cpython-313-x86_64-linux-gnu.so"]);
    }
}
