//! The HTTPS clients kiln talks to registries and download servers with: reqwest on rustls
//! with the *ring* crypto provider, the one the buildpacks' downloads use (kiln-download).
//! reqwest's default provider, aws-lc, compiles a C library with cmake for every build of
//! kiln, host and musl alike, minutes of a fresh machine's CI for no difference to kiln.

/// A reqwest client builder, with *ring* installed as the process's rustls provider first:
/// reqwest and oci-client build their TLS configurations from it.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// Installs *ring* as rustls' process-wide provider, unless one is already installed.
pub(crate) fn install_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may win the race to install: its provider is this same one.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_client_builds_with_the_ring_provider() {
        super::client_builder().build().expect("a client");
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
    }
}
