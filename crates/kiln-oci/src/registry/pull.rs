//! Pulling an image: manifest, config, and the layers missing from the blob cache.

use std::path::Path;

use futures_util::stream::{self, StreamExt as _, TryStreamExt as _};
use oci_spec::image::{Descriptor, ImageConfiguration};
use tempfile::NamedTempFile;

use super::manifest::{self, GZIP_LAYER_MEDIA_TYPES};
use super::{Progress, PulledImage, RegistryError, Session, CONCURRENT_TRANSFERS};
use crate::digest::{blob_dir, blob_path};
use crate::layer::LayerBlob;

pub(super) async fn pull(
    session: &Session<'_>,
    blob_cache: &Path,
    progress: &dyn Fn(Progress),
) -> Result<PulledImage, RegistryError> {
    let (manifest, digest) = manifest::fetch_image(session).await?;
    let reference = session.reference.to_string();

    let mut config_bytes = Vec::new();
    session
        .client
        .pull_blob(session.oci_reference(), manifest.config().digest().to_string().as_str(), &mut config_bytes)
        .await
        .map_err(|source| session.request_error("fetch the config of", source))?;
    let config: ImageConfiguration = serde_json::from_slice(&config_bytes)
        .map_err(|source| RegistryError::InvalidConfig { reference: reference.clone(), source })?;

    let diff_ids = config.rootfs().diff_ids();
    if diff_ids.len() != manifest.layers().len() {
        return Err(RegistryError::LayerCountMismatch {
            reference,
            layers: manifest.layers().len(),
            diff_ids: diff_ids.len(),
        });
    }
    let layers = stream::iter(manifest.layers().iter().zip(diff_ids))
        .map(|(descriptor, diff_id)| pull_layer(session, descriptor, diff_id, blob_cache, progress))
        .buffered(CONCURRENT_TRANSFERS)
        .try_collect()
        .await?;
    Ok(PulledImage { digest, config, layers })
}

/// Downloads one layer unless the cache has it. The blob goes to a temporary file next to its
/// final path and is renamed only after its digest checked out, so the cache never holds a
/// partial or corrupt blob under a digest name.
async fn pull_layer(
    session: &Session<'_>,
    descriptor: &Descriptor,
    diff_id: &str,
    blob_cache: &Path,
    progress: &dyn Fn(Progress),
) -> Result<LayerBlob, RegistryError> {
    let digest = descriptor.digest().to_string();
    let media_type = descriptor.media_type().to_string();
    if !GZIP_LAYER_MEDIA_TYPES.contains(&media_type.as_str()) {
        return Err(RegistryError::UnsupportedLayer { reference: session.reference.to_string(), digest, media_type });
    }
    let path = blob_path(blob_cache, &digest).ok_or_else(|| RegistryError::InvalidManifest {
        reference: session.reference.to_string(),
        reason: format!("layer digest {digest} is not a sha256 digest"),
    })?;
    let size = descriptor.size();
    let layer = LayerBlob { path, digest: digest.clone(), diff_id: diff_id.to_string(), size };
    if layer.path.is_file() {
        progress(Progress::LayerDone { digest, reused: true });
        return Ok(layer);
    }

    progress(Progress::LayerStarted { digest: digest.clone(), size });
    let dir = blob_dir(blob_cache);
    let cache_error = |source| RegistryError::BlobCache { path: dir.clone(), source };
    std::fs::create_dir_all(&dir).map_err(cache_error)?;
    let temp = NamedTempFile::new_in(&dir).map_err(cache_error)?;
    let file = tokio::fs::File::from_std(temp.reopen().map_err(cache_error)?);
    // pull_blob streams to the file and fails unless the bytes hash to `digest`.
    session
        .client
        .pull_blob(session.oci_reference(), digest.as_str(), tokio::io::BufWriter::new(file))
        .await
        .map_err(|source| session.request_error("download a layer of", source))?;
    temp.persist(&layer.path)
        .map_err(|error| RegistryError::BlobCache { path: layer.path.clone(), source: error.error })?;
    progress(Progress::LayerDone { digest, reused: false });
    Ok(layer)
}
