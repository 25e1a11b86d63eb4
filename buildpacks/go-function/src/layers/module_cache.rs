//! GOMODCACHE: downloaded modules, kept between builds so unchanged dependencies are not
//! fetched again. Module versions are immutable, so a restored cache is always valid.

use super::{empty_cause, unreadable_metadata};
use crate::errors::GoFunctionError;
use crate::GoFunctionBuildpack;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{CachedLayerDefinition, InvalidMetadataAction, LayerState, RestoredLayerAction};
use libherokubuildpack::log::log_info;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The cache has no inputs to compare; the metadata only marks the layer as this buildpack's.
#[derive(Debug, Default, Serialize, Deserialize)]
struct ModuleCacheMetadata {}

/// Returns the GOMODCACHE directory.
pub(crate) fn handle_module_cache_layer(
    context: &BuildContext<GoFunctionBuildpack>,
) -> libcnb::Result<PathBuf, GoFunctionError> {
    let layer = context.cached_layer(
        layer_name!("go_modules"),
        CachedLayerDefinition {
            build: false,
            launch: false,
            invalid_metadata_action: &|_| (InvalidMetadataAction::DeleteLayer, unreadable_metadata()),
            restored_layer_action: &|_: &ModuleCacheMetadata, _| {
                (
                    RestoredLayerAction::KeepLayer,
                    "module versions never change, so cached downloads stay valid".to_string(),
                )
            },
        },
    )?;
    match &layer.state {
        LayerState::Restored { cause } => log_info(format!("Reusing the module cache: {cause}")),
        LayerState::Empty { cause } => {
            log_info(format!("Creating the module cache ({})", empty_cause(cause)));
            layer.write_metadata(ModuleCacheMetadata::default())?;
        }
    }
    Ok(layer.path())
}
