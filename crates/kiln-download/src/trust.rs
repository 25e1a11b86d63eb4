//! Which certificate authorities https downloads trust: the system store and the bundle
//! `SSL_CERT_FILE` names, together, so that a TLS-intercepting proxy whose CA is in either works.

use crate::DownloadError;
use std::path::{Path, PathBuf};
use ureq::tls::{Certificate, PemItem, RootCerts};

/// The env variable naming an extra PEM bundle of CA certificates.
pub const CERT_FILE_ENV: &str = "SSL_CERT_FILE";

/// Where distributions keep their CA bundle (the order Go's crypto/x509 looks in); the first
/// that exists is the system store.
const SYSTEM_BUNDLES: [&str; 6] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// The PEM bundles whose certificates https downloads trust. Without any (an image without
/// ca-certificates and no `SSL_CERT_FILE`), the Mozilla roots built into kiln are used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trust {
    /// The system store: inside a build, the build image's.
    pub system_bundle: Option<PathBuf>,
    /// Added to the system store, not instead of it.
    pub extra_bundle: Option<PathBuf>,
}

impl Trust {
    /// The first system bundle that exists and the one `SSL_CERT_FILE` names.
    #[must_use]
    pub fn from_env() -> Self {
        Self {
            system_bundle: SYSTEM_BUNDLES.iter().map(Path::new).find(|path| path.is_file()).map(Path::to_path_buf),
            extra_bundle: std::env::var_os(CERT_FILE_ENV).filter(|value| !value.is_empty()).map(PathBuf::from),
        }
    }

    pub(crate) fn root_certs(&self) -> Result<RootCerts, DownloadError> {
        let mut certificates = Vec::new();
        for path in self.system_bundle.iter().chain(&self.extra_bundle) {
            certificates.extend(read_bundle(path)?);
        }
        if certificates.is_empty() {
            return Ok(RootCerts::WebPki);
        }
        Ok(RootCerts::new_with_certs(&certificates))
    }
}

fn read_bundle(path: &Path) -> Result<Vec<Certificate<'static>>, DownloadError> {
    let refused = |cause: String| DownloadError::Trust { path: path.to_path_buf(), cause };
    let pem = std::fs::read(path).map_err(|error| refused(error.to_string()))?;
    let mut certificates = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        if let PemItem::Certificate(certificate) = item.map_err(|error| refused(error.to_string()))? {
            certificates.push(certificate);
        }
    }
    if certificates.is_empty() {
        return Err(refused("it holds no PEM certificate".to_string()));
    }
    Ok(certificates)
}
