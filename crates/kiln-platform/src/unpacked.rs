//! Images unpacked once per manifest digest and shared by runs: the builder for `kiln build`,
//! the app image for `kiln run`. A finished unpack holds `rootfs/` and `config.json`; it is
//! assembled in a temporary sibling and renamed into place, so an interrupted pull leaves
//! nothing that looks finished.

use crate::cache::Cache;
use crate::Reporter;
use anyhow::Context;
use kiln_oci::oci_spec::image::ImageConfiguration;
use kiln_oci::{ImageRef, Progress, Registry};
use std::path::PathBuf;

pub struct UnpackedImage {
    pub digest: String,
    pub rootfs: PathBuf,
    pub config: ImageConfiguration,
}

impl UnpackedImage {
    /// The image's environment as `NAME=value` pairs.
    #[must_use]
    pub fn env(&self) -> Vec<String> {
        self.config.config().as_ref().and_then(|c| c.env().clone()).unwrap_or_default()
    }

    #[must_use]
    pub fn env_value(&self, name: &str) -> Option<String> {
        self.env().into_iter().find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_string))
    }
}

pub async fn unpacked(
    registry: &Registry,
    reference: &ImageRef,
    cache: &Cache,
    out: &dyn Reporter,
) -> anyhow::Result<UnpackedImage> {
    let digest = registry.resolve(reference).await.with_context(|| format!("cannot find the image {reference}"))?;
    let dir = cache.image(&digest);
    if let Ok(config) = read_config(&dir) {
        out.info(&format!("Reusing unpacked {reference} ({digest})"));
        return Ok(UnpackedImage { digest, rootfs: dir.join("rootfs"), config });
    }

    let pinned = reference.with_digest(&digest);
    let report = |progress: Progress| match progress {
        Progress::LayerStarted { digest, size } => {
            out.info(&format!("Pulling layer {} ({})", short(&digest), human_size(size)));
        }
        Progress::LayerDone { digest, reused: true } => out.info(&format!("Layer {} already cached", short(&digest))),
        Progress::LayerDone { .. } => {}
    };
    let pulled =
        registry.pull(&pinned, &cache.blobs(), &report).await.with_context(|| format!("cannot pull {pinned}"))?;

    let images_dir = dir.parent().context("image cache directory has no parent")?;
    std::fs::create_dir_all(images_dir).with_context(|| format!("cannot create {}", images_dir.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".unpacking-")
        .tempdir_in(images_dir)
        .context("cannot create a directory to unpack into")?;
    kiln_oci::unpack(&pulled.layers, &staging.path().join("rootfs"))
        .with_context(|| format!("cannot unpack {pinned}"))?;
    let config_json = serde_json::to_vec(&pulled.config).context("cannot serialize the image config")?;
    std::fs::write(staging.path().join("config.json"), config_json).context("cannot save the image config")?;
    let staging = staging.keep();
    if let Err(error) = std::fs::rename(&staging, &dir) {
        // Another kiln finished the same image first: theirs is as good as ours.
        let _ = std::fs::remove_dir_all(&staging);
        if read_config(&dir).is_err() {
            return Err(error).with_context(|| format!("cannot move the unpacked image into {}", dir.display()));
        }
    }
    out.info(&format!("Unpacked {reference} ({digest})"));
    Ok(UnpackedImage { digest, rootfs: dir.join("rootfs"), config: pulled.config })
}

fn read_config(dir: &std::path::Path) -> anyhow::Result<ImageConfiguration> {
    let bytes = std::fs::read(dir.join("config.json"))?;
    Ok(serde_json::from_slice(&bytes)?)
}

fn short(digest: &str) -> &str {
    let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
    hex.get(..12).unwrap_or(hex)
}

#[allow(clippy::cast_precision_loss)] // sizes are shown to one decimal place
#[must_use]
pub fn human_size(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    }
}
