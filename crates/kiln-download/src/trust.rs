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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{answer, quick_settings, RecordingReport};
    use crate::{Downloader, Failure};
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    use std::io::Read;
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A CA of its own, as a TLS-intercepting proxy has.
    struct TestCa {
        issuer: CertifiedIssuer<'static, KeyPair>,
    }

    impl TestCa {
        fn new(name: &str) -> Self {
            let mut params = CertificateParams::new(Vec::new()).expect("CA params");
            params.distinguished_name.push(DnType::CommonName, name);
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().expect("CA key")).expect("CA");
            Self { issuer }
        }

        fn write_pem(&self, dir: &Path, name: &str) -> PathBuf {
            let path = dir.join(name);
            std::fs::write(&path, self.issuer.pem()).expect("write CA bundle");
            path
        }

        /// Serves `body` over https on 127.0.0.1 with a certificate this CA signed; returns the
        /// URL and a count of the TLS handshakes attempted.
        fn serve(&self, body: &'static [u8]) -> (String, Arc<AtomicUsize>) {
            let key = KeyPair::generate().expect("server key");
            let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("server params");
            let certificate = params.signed_by(&key, &self.issuer).expect("server certificate");
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let config = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("TLS versions")
                .with_no_client_auth()
                .with_single_cert(vec![certificate.der().clone()], key.into())
                .expect("server config");
            let config = Arc::new(config);
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
            let url = format!("https://{}/artifact", listener.local_addr().expect("bound address"));
            let handshakes = Arc::new(AtomicUsize::new(0));
            let counted = Arc::clone(&handshakes);
            std::thread::spawn(move || {
                for tcp in listener.incoming().map_while(Result::ok) {
                    counted.fetch_add(1, Ordering::SeqCst);
                    let connection = rustls::ServerConnection::new(Arc::clone(&config)).expect("TLS connection");
                    let mut tls = rustls::StreamOwned::new(connection, tcp);
                    if answer(&mut tls, body).is_ok() {
                        tls.conn.send_close_notify();
                        let _ = tls.conn.complete_io(&mut tls.sock);
                    }
                }
            });
            (url, handshakes)
        }
    }

    fn fetch(trust: Trust, url: &str) -> Result<String, crate::DownloadError> {
        let settings = crate::Settings { trust, ..quick_settings() };
        let downloader = Downloader::with_settings(&settings, RecordingReport::default())?;
        let mut text = String::new();
        downloader.open(url)?.read_to_string(&mut text).expect("read the fetched body");
        Ok(text)
    }

    #[test]
    fn trusts_the_system_store_and_ssl_cert_file_together() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (system, proxy) = (TestCa::new("kiln test system CA"), TestCa::new("kiln test proxy CA"));
        let trust = Trust {
            system_bundle: Some(system.write_pem(dir.path(), "system.pem")),
            extra_bundle: Some(proxy.write_pem(dir.path(), "proxy.pem")),
        };

        let (through_proxy, _) = proxy.serve(b"intercepted");
        assert_eq!(fetch(trust.clone(), &through_proxy).expect("the SSL_CERT_FILE CA is trusted"), "intercepted");
        let (direct, _) = system.serve(b"direct");
        assert_eq!(fetch(trust, &direct).expect("the system store is still trusted"), "direct");
    }

    #[test]
    fn an_unknown_ca_fails_at_once_and_points_to_ssl_cert_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (system, proxy) = (TestCa::new("kiln test system CA"), TestCa::new("kiln test proxy CA"));
        let trust = Trust { system_bundle: Some(system.write_pem(dir.path(), "system.pem")), extra_bundle: None };
        let (url, handshakes) = proxy.serve(b"intercepted");

        let error = fetch(trust, &url).expect_err("a CA in neither bundle must be refused");

        assert!(matches!(&error, crate::DownloadError::Failed { failure: Failure::Tls(_), .. }), "{error:?}");
        assert!(error.to_string().contains(CERT_FILE_ENV), "{error}");
        assert_eq!(handshakes.load(Ordering::SeqCst), 1, "a TLS refusal is not retried");
    }

    #[test]
    fn an_unreadable_bundle_is_named() {
        let trust = Trust { system_bundle: None, extra_bundle: Some(PathBuf::from("/nonexistent/proxy-ca.pem")) };
        let error = fetch(trust, "https://127.0.0.1:9/artifact").expect_err("a missing bundle must fail");
        assert!(matches!(error, crate::DownloadError::Trust { .. }), "{error:?}");
        assert!(error.to_string().contains("/nonexistent/proxy-ca.pem"), "{error}");
    }
}
