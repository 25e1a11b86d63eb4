//! Pushing an image: config and layers the registry lacks, then the OCI manifest.

use futures_util::stream::{self, TryStreamExt as _};
use oci_client::errors::OciDistributionError;
use oci_client::manifest::OCI_IMAGE_MEDIA_TYPE;
use oci_spec::image::{Descriptor, Digest, ImageManifest, ImageManifestBuilder, MediaType};
use tokio_util::io::ReaderStream;

use super::manifest::canonical_json;
use super::{Progress, PushedImage, RegistryError, Session, CONCURRENT_TRANSFERS};
use crate::digest::sha256_digest;
use crate::image::Image;
use crate::layer::LayerBlob;

pub(super) async fn push(
    session: &Session<'_>,
    image: &Image,
    progress: &dyn Fn(Progress),
) -> Result<PushedImage, RegistryError> {
    let reference = session.reference.to_string();
    let diff_ids = image.config.rootfs().diff_ids();
    if diff_ids.len() != image.layers.len() || image.layers.iter().zip(diff_ids).any(|(l, d)| l.diff_id != *d) {
        return Err(RegistryError::LayerCountMismatch {
            reference,
            layers: image.layers.len(),
            diff_ids: diff_ids.len(),
        });
    }

    let config = canonical_json(&image.config);
    let config_digest = sha256_digest(&config);
    if !blob_exists(session, &config_digest).await? {
        session
            .client
            .push_blob(session.oci_reference(), config.clone(), &config_digest)
            .await
            .map_err(|source| session.request_error("upload the config of", source))?;
    }
    stream::iter(image.layers.iter().map(Ok))
        .try_for_each_concurrent(CONCURRENT_TRANSFERS, |layer| push_layer(session, layer, progress))
        .await?;

    let manifest = canonical_json(&oci_manifest(session, image, &config_digest, config.len() as u64)?);
    let digest = sha256_digest(&manifest);
    // Push by tag when there is one (a digest-only reference pushes an untagged manifest).
    let target = match session.reference.tag() {
        Some(tag) => session.reference.with_tag(tag),
        None => session.reference.clone(),
    };
    let content_type = http::HeaderValue::from_static(OCI_IMAGE_MEDIA_TYPE);
    session
        .client
        .push_manifest_raw(target.as_reference(), manifest, content_type)
        .await
        .map_err(|source| session.request_error("upload the manifest of", source))?;
    let size = config.len() as u64 + image.layers.iter().map(|layer| layer.size).sum::<u64>();
    Ok(PushedImage { digest, size })
}

async fn blob_exists(session: &Session<'_>, digest: &str) -> Result<bool, RegistryError> {
    session
        .client
        .blob_exists(session.oci_reference(), digest)
        .await
        .map_err(|source| session.request_error("check the blobs of", source))
}

/// Streams a layer from its file unless the registry already has it.
async fn push_layer(
    session: &Session<'_>,
    layer: &LayerBlob,
    progress: &dyn Fn(Progress),
) -> Result<(), RegistryError> {
    if blob_exists(session, &layer.digest).await? {
        progress(Progress::LayerDone { digest: layer.digest.clone(), reused: true });
        return Ok(());
    }
    progress(Progress::LayerStarted { digest: layer.digest.clone(), size: layer.size });
    let file = tokio::fs::File::open(&layer.path)
        .await
        .map_err(|source| RegistryError::ReadLayer { path: layer.path.clone(), source })?;
    let body = ReaderStream::new(file).map_err(OciDistributionError::from);
    session
        .client
        .push_blob_stream(session.oci_reference(), body, &layer.digest, Some(layer.size))
        .await
        .map_err(|source| session.request_error("upload a layer of", source))?;
    progress(Progress::LayerDone { digest: layer.digest.clone(), reused: false });
    Ok(())
}

fn oci_manifest(
    session: &Session<'_>,
    image: &Image,
    config_digest: &str,
    config_size: u64,
) -> Result<ImageManifest, RegistryError> {
    let parse = |digest: &str| {
        digest.parse::<Digest>().map_err(|error| RegistryError::InvalidManifest {
            reference: session.reference.to_string(),
            reason: format!("{digest} is not a digest: {error}"),
        })
    };
    let config = Descriptor::new(MediaType::ImageConfig, config_size, parse(config_digest)?);
    let layers = image
        .layers
        .iter()
        .map(|layer| Ok(Descriptor::new(MediaType::ImageLayerGzip, layer.size, parse(&layer.digest)?)))
        .collect::<Result<Vec<_>, RegistryError>>()?;
    ImageManifestBuilder::default()
        .schema_version(2_u32)
        .media_type(MediaType::ImageManifest)
        .config(config)
        .layers(layers)
        .build()
        .map_err(|error| RegistryError::InvalidManifest {
            reference: session.reference.to_string(),
            reason: error.to_string(),
        })
}
