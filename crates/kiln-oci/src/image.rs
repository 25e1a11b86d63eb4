//! An image being assembled: a config plus the layer blobs its `rootfs.diff_ids` name.

use oci_spec::image::{History, ImageConfiguration};

use crate::layer::LayerBlob;
use crate::registry::PulledImage;

/// `created` for history entries: the same constant as layer mtimes, so images stay reproducible.
const HISTORY_CREATED: &str = "1980-01-01T00:00:01Z";

/// An image to push: `config.rootfs.diff_ids` lists the diff IDs of `layers`, in order.
#[derive(Debug, Clone)]
pub struct Image {
    pub config: ImageConfiguration,
    pub layers: Vec<LayerBlob>,
}

impl Image {
    /// Adds `layer` on top, keeping `rootfs.diff_ids` and `history` in step with `layers`.
    pub fn append_layer(&mut self, layer: LayerBlob, created_by: &str) {
        self.config.rootfs_mut().diff_ids_mut().push(layer.diff_id.clone());
        let mut entry = History::default();
        entry.set_created(Some(HISTORY_CREATED.to_string()));
        entry.set_created_by(Some(created_by.to_string()));
        self.config.history_mut().get_or_insert_with(Vec::new).push(entry);
        self.layers.push(layer);
    }
}

/// A pulled image as the base of a new one (e.g. a builder on top of the build image).
impl From<PulledImage> for Image {
    fn from(pulled: PulledImage) -> Self {
        Self { config: pulled.config, layers: pulled.layers }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn blob(n: u8) -> LayerBlob {
        LayerBlob {
            path: PathBuf::from(format!("/blobs/{n}")),
            digest: format!("sha256:{}", format!("{n:02x}").repeat(32)),
            diff_id: format!("sha256:{}", format!("{:02x}", n + 100).repeat(32)),
            size: u64::from(n),
        }
    }

    #[test]
    fn append_layer_keeps_diff_ids_and_history_in_step() {
        let mut image = Image { config: ImageConfiguration::default(), layers: Vec::new() };
        image.append_layer(blob(1), "kiln: base");
        image.append_layer(blob(2), "kiln: app");
        assert_eq!(image.config.rootfs().diff_ids(), &vec![blob(1).diff_id, blob(2).diff_id]);
        let history = image.config.history().as_ref().expect("history");
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].created_by().as_deref(), Some("kiln: app"));
        assert_eq!(history[1].created().as_deref(), Some(HISTORY_CREATED));
        assert_eq!(image.layers, vec![blob(1), blob(2)]);
    }
}
