//! A Python package index on loopback (the simple HTML API of PEP 503) that serves one package
//! PyPI does not have, so that a build which installs it proves that the index settings
//! reached the installer.

use crate::file_server::FileServer;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::io::Write as _;

/// The package only this index has, and what its module says.
pub const PROBE_PACKAGE: &str = "kiln-index-probe";
pub const PROBE_WHERE: &str = "the loopback index";

const WHEEL: &str = "kiln_index_probe-1.0.0-py3-none-any.whl";

pub struct PackageIndex {
    /// `http://127.0.0.1:<port>/simple/`, what `PIP_INDEX_URL` names.
    pub url: String,
    _server: FileServer,
    _root: tempfile::TempDir,
}

impl PackageIndex {
    /// Serves the index for as long as it lives.
    ///
    /// # Panics
    /// When the temporary directory cannot be written.
    #[must_use]
    pub fn start() -> Self {
        let root = tempfile::tempdir().expect("temp dir");
        let wheel = probe_wheel();
        std::fs::create_dir_all(root.path().join("files")).expect("files dir");
        std::fs::write(root.path().join("files").join(WHEEL), &wheel).expect("write the wheel");
        let project = root.path().join("simple").join(PROBE_PACKAGE);
        std::fs::create_dir_all(&project).expect("project dir");
        let page = format!(
            "<!DOCTYPE html>\n<html><body><a href=\"../../files/{WHEEL}#sha256={}\">{WHEEL}</a></body></html>\n",
            hex::encode(Sha256::digest(&wheel))
        );
        std::fs::write(project.join("index.html"), page).expect("write the project page");
        let server = FileServer::start(root.path());
        Self { url: format!("{}/simple/", server.url), _server: server, _root: root }
    }
}

/// A pure-Python wheel of [`PROBE_PACKAGE`] 1.0.0, with the RECORD installers check.
fn probe_wheel() -> Vec<u8> {
    let module = format!("WHERE = \"{PROBE_WHERE}\"\n");
    let files: [(&str, &[u8]); 3] = [
        ("kiln_index_probe/__init__.py", module.as_bytes()),
        (
            "kiln_index_probe-1.0.0.dist-info/METADATA",
            b"Metadata-Version: 2.1\nName: kiln-index-probe\nVersion: 1.0.0\n",
        ),
        (
            "kiln_index_probe-1.0.0.dist-info/WHEEL",
            b"Wheel-Version: 1.0\nGenerator: kiln-test-support\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        ),
    ];
    let mut record = String::new();
    for (path, contents) in &files {
        let digest = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(contents));
        let _ = writeln!(record, "{path},sha256={digest},{}", contents.len());
    }
    record.push_str("kiln_index_probe-1.0.0.dist-info/RECORD,,\n");
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (path, contents) in
        files.iter().copied().chain([("kiln_index_probe-1.0.0.dist-info/RECORD", record.as_bytes())])
    {
        writer.start_file(path, options).expect("add a file to an in-memory zip");
        writer.write_all(contents).expect("write into an in-memory zip");
    }
    writer.finish().expect("finish an in-memory zip").into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::get;

    #[test]
    fn the_index_lists_the_probe_wheel_with_its_digest_and_serves_it() {
        let index = PackageIndex::start();
        let address = index.url.trim_start_matches("http://").split('/').next().expect("address").to_string();
        let page = get(&address, &format!("/simple/{PROBE_PACKAGE}/")).expect("answers");
        assert_eq!((page.status, page.header("Content-Type")), (200, Some("text/html")));
        let text = page.text();
        let digest = text.split("#sha256=").nth(1).and_then(|rest| rest.split('"').next()).expect("a digest");
        let wheel = get(&address, &format!("/files/{WHEEL}")).expect("answers");
        assert_eq!(hex::encode(Sha256::digest(&wheel.body)), digest);
    }
}
