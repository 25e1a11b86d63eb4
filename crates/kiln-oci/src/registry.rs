//! Talking to OCI distribution registries: resolve, pull, push and list tags.

mod manifest;
mod pull;
mod push;
mod push_check;

pub use push_check::PushCheckError;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::{OciDistributionError, OciErrorCode};
use oci_client::secrets::RegistryAuth;
use oci_client::Client;
use oci_spec::image::ImageConfiguration;

use crate::auth::{self, AuthError, Credentials};
use crate::image::Image;
use crate::layer::LayerBlob;
use crate::reference::ImageRef;

/// Layers transferred at once: enough to hide per-request latency, few enough not to
/// saturate a small machine or a registry.
const CONCURRENT_TRANSFERS: usize = 4;

#[derive(Debug, Clone, Default)]
pub struct RegistryOptions {
    /// Registries (`host[:port]`) to reach over plain HTTP. Loopback registries always are.
    pub insecure_registries: Vec<String>,
}

/// Layer transfer events, for progress output. A layer that is already present (in the blob
/// cache when pulling, in the registry when pushing) only reports `LayerDone { reused: true }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    LayerStarted { digest: String, size: u64 },
    LayerDone { digest: String, reused: bool },
}

#[derive(Debug, Clone)]
pub struct PulledImage {
    /// Digest of the (platform) image manifest.
    pub digest: String,
    pub config: ImageConfiguration,
    pub layers: Vec<LayerBlob>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedImage {
    /// Digest of the pushed manifest.
    pub digest: String,
    /// Config plus compressed layers, in bytes.
    pub size: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("cannot set up an HTTP client for {registry}: {source}; check the system TLS configuration")]
    Client { registry: String, source: OciDistributionError },
    #[error("could not {operation} {reference}: {source}; check that the image exists, the registry is reachable, and your credentials (`docker login`) allow it")]
    Request { operation: &'static str, reference: String, source: OciDistributionError },
    #[error("{reference} is a multi-platform index without a linux/amd64 image; use an image built for linux/amd64")]
    NoLinuxAmd64 { reference: String },
    #[error("the manifest of {reference} is not a valid OCI or Docker v2 image manifest ({reason}); push the image again with an OCI-compliant tool")]
    InvalidManifest { reference: String, reason: String },
    #[error("the config of {reference} is not a valid OCI image config ({source}); push the image again with an OCI-compliant tool")]
    InvalidConfig { reference: String, source: serde_json::Error },
    #[error("layer {digest} of {reference} has media type {media_type}, but kiln only handles gzip-compressed tar layers; rebuild the image with gzip layers")]
    UnsupportedLayer { reference: String, digest: String, media_type: String },
    #[error("{reference} has {layers} layers but its config lists {diff_ids} diff IDs; the image is inconsistent, rebuild it")]
    LayerCountMismatch { reference: String, layers: usize, diff_ids: usize },
    #[error("cannot write the blob cache at {path}: {source}; check free space and permissions there")]
    BlobCache { path: PathBuf, source: std::io::Error },
    #[error("cannot read layer blob {path}: {source}; the blob was removed after the layer was written, write the layer again")]
    ReadLayer { path: PathBuf, source: std::io::Error },
}

/// A registry client. Cheap to clone; clones share connections and tokens.
#[derive(Clone)]
pub struct Registry {
    options: RegistryOptions,
    /// One client per registry host, because the protocol (HTTP or HTTPS) is chosen per host and
    /// clients cache their tokens.
    clients: Arc<Mutex<HashMap<String, Client>>>,
}

/// What every registry operation needs: a client for the reference's registry and credentials.
struct Session<'a> {
    client: Client,
    auth: RegistryAuth,
    reference: &'a ImageRef,
}

impl Registry {
    #[must_use]
    pub fn new(options: RegistryOptions) -> Self {
        Self { options, clients: Arc::default() }
    }

    /// The digest of the image manifest `reference` names (the linux/amd64 entry of an index).
    ///
    /// # Errors
    /// When the manifest cannot be fetched or parsed, or an index has no linux/amd64 entry.
    pub async fn resolve(&self, reference: &ImageRef) -> Result<String, RegistryError> {
        let session = self.session(reference).await?;
        manifest::resolve(&session).await
    }

    /// The size of the image `reference` names as a registry stores it: its config and
    /// compressed layers (the linux/amd64 entry of an index), without pulling any blob.
    ///
    /// # Errors
    /// When the manifest cannot be fetched or parsed.
    pub async fn image_size(&self, reference: &ImageRef) -> Result<u64, RegistryError> {
        let session = self.session(reference).await?;
        let (manifest, _) = manifest::fetch_image(&session).await?;
        let layers: u64 = manifest.layers().iter().map(oci_spec::image::Descriptor::size).sum();
        Ok(manifest.config().size() + layers)
    }

    /// Pulls `reference` into `blob_cache` (`<blob_cache>/sha256/<hex>`), skipping layers already there.
    ///
    /// # Errors
    /// On registry, digest-verification or blob-cache failures.
    pub async fn pull(
        &self,
        reference: &ImageRef,
        blob_cache: &Path,
        progress: &dyn Fn(Progress),
    ) -> Result<PulledImage, RegistryError> {
        let session = self.session(reference).await?;
        pull::pull(&session, blob_cache, progress).await
    }

    /// Pushes `image` as an OCI image to `reference`; blobs the registry has are skipped and the
    /// manifest goes last, so a failed push leaves no tag behind.
    ///
    /// # Errors
    /// On registry failures or when a layer blob cannot be read.
    pub async fn push(
        &self,
        reference: &ImageRef,
        image: &Image,
        progress: &dyn Fn(Progress),
    ) -> Result<PushedImage, RegistryError> {
        let session = self.session(reference).await?;
        push::push(&session, image, progress).await
    }

    /// Whether `reference`'s registry answers and would take a push to its repository with
    /// the credentials kiln has, found by starting a blob upload and cancelling it: the check
    /// a build makes before it starts, so that it fails in seconds rather than at the end.
    ///
    /// # Errors
    /// When the registry is unreachable, refuses the credentials or the push.
    pub async fn check_push(&self, reference: &ImageRef) -> Result<(), PushCheckError> {
        let session = self.session(reference).await.map_err(|error| PushCheckError::Unreachable {
            registry: reference.registry().to_string(),
            reason: error.to_string(),
        })?;
        let scheme = match self.protocol_for(reference) {
            ClientProtocol::Https => "https",
            _ => "http",
        };
        push_check::check_push(&session, scheme).await
    }

    /// The tags of `repository`'s repository (its tag and digest are ignored); empty if the
    /// registry does not know the repository.
    ///
    /// # Errors
    /// On registry failures other than an unknown repository.
    pub async fn tags(&self, repository: &ImageRef) -> Result<Vec<String>, RegistryError> {
        let session = self.session(repository).await?;
        match session.client.list_tags(session.oci_reference(), &session.auth, None, None).await {
            Ok(response) => Ok(response.tags),
            Err(error) if is_unknown_repository(&error) => Ok(Vec::new()),
            Err(source) => Err(session.request_error("list the tags of", source)),
        }
    }

    async fn session<'a>(&self, reference: &'a ImageRef) -> Result<Session<'a>, RegistryError> {
        let client = self.client_for(reference)?;
        let auth = match auth::credentials_for(reference.registry())? {
            Some(Credentials::Basic { username, password }) => RegistryAuth::Basic(username, password),
            Some(Credentials::Bearer { token }) => RegistryAuth::Bearer(token),
            None => RegistryAuth::Anonymous,
        };
        client.store_auth_if_needed(reference.as_reference().resolve_registry(), &auth).await;
        Ok(Session { client, auth, reference })
    }

    fn client_for(&self, reference: &ImageRef) -> Result<Client, RegistryError> {
        let host = reference.as_reference().resolve_registry().to_string();
        let mut clients = self.clients.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(client) = clients.get(&host) {
            return Ok(client.clone());
        }
        let config = ClientConfig {
            protocol: self.protocol_for(reference),
            // Layers are streamed from files whose size is known, which a single PUT handles best.
            use_monolithic_push: true,
            ..ClientConfig::default()
        };
        crate::https::install_crypto_provider();
        let client =
            Client::try_from(config).map_err(|source| RegistryError::Client { registry: host.clone(), source })?;
        clients.insert(host, client.clone());
        Ok(client)
    }

    /// Plain HTTP only for loopback registries and ones the user listed as insecure.
    fn protocol_for(&self, reference: &ImageRef) -> ClientProtocol {
        let host = reference.as_reference().resolve_registry();
        let listed = self
            .options
            .insecure_registries
            .iter()
            .any(|insecure| insecure == reference.registry() || insecure == host);
        if reference.is_loopback() || listed {
            ClientProtocol::HttpsExcept(vec![host.to_string()])
        } else {
            ClientProtocol::Https
        }
    }
}

impl Session<'_> {
    fn oci_reference(&self) -> &oci_client::Reference {
        self.reference.as_reference()
    }

    fn request_error(&self, operation: &'static str, source: OciDistributionError) -> RegistryError {
        RegistryError::Request { operation, reference: self.reference.to_string(), source }
    }
}

fn is_unknown_repository(error: &OciDistributionError) -> bool {
    match error {
        OciDistributionError::RegistryError { envelope, .. } => {
            envelope.errors.iter().any(|e| matches!(e.code, OciErrorCode::NameUnknown))
        }
        OciDistributionError::ServerError { code, .. } => *code == 404,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protocol(insecure: &[&str], reference: &str) -> ClientProtocol {
        let registry =
            Registry::new(RegistryOptions { insecure_registries: insecure.iter().map(ToString::to_string).collect() });
        registry.protocol_for(&reference.parse().expect("reference"))
    }

    #[test]
    fn plain_http_only_for_loopback_or_listed_registries() {
        let http = |host: &str| ClientProtocol::HttpsExcept(vec![host.to_string()]);
        assert_eq!(protocol(&[], "127.0.0.1:5000/a:1"), http("127.0.0.1:5000"));
        assert_eq!(protocol(&[], "localhost:5000/a:1"), http("localhost:5000"));
        assert_eq!(protocol(&[], "registry.internal:5000/a:1"), ClientProtocol::Https);
        assert_eq!(protocol(&["registry.internal:5000"], "registry.internal:5000/a:1"), http("registry.internal:5000"));
        assert_eq!(protocol(&["registry.internal:5000"], "other.internal/a:1"), ClientProtocol::Https);
    }
}
