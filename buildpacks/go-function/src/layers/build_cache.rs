//! GOCACHE: compiled packages, kept between builds so a rebuild only compiles what changed.
//! Entries are keyed by their inputs, the compiler included, so a cache of another Go version
//! is correct but dead weight: it is dropped when the toolchain changes.

use super::{empty_cause, unreadable_metadata};
use crate::errors::GoFunctionError;
use crate::go_version::GoVersion;
use crate::GoFunctionBuildpack;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{CachedLayerDefinition, InvalidMetadataAction, LayerState, RestoredLayerAction};
use libherokubuildpack::log::log_info;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct BuildCacheMetadata {
    go_version: String,
}

/// Returns the GOCACHE directory for builds with Go `go_version`.
pub(crate) fn handle_build_cache_layer(
    context: &BuildContext<GoFunctionBuildpack>,
    go_version: &GoVersion,
) -> libcnb::Result<PathBuf, GoFunctionError> {
    let wanted = BuildCacheMetadata { go_version: go_version.to_string() };
    let layer = context.cached_layer(
        layer_name!("go_build_cache"),
        CachedLayerDefinition {
            build: false,
            launch: false,
            invalid_metadata_action: &|_| (InvalidMetadataAction::DeleteLayer, unreadable_metadata()),
            restored_layer_action: &|cached: &BuildCacheMetadata, _| {
                if *cached == wanted {
                    (RestoredLayerAction::KeepLayer, format!("it was built with the same Go ({})", cached.go_version))
                } else {
                    (
                        RestoredLayerAction::DeleteLayer,
                        format!("it was built with Go {}, this build uses Go {}", cached.go_version, wanted.go_version),
                    )
                }
            },
        },
    )?;
    match &layer.state {
        LayerState::Restored { cause } => log_info(format!("Reusing the build cache: {cause}")),
        LayerState::Empty { cause } => {
            log_info(format!("Creating the build cache ({})", empty_cause(cause)));
            layer.write_metadata(wanted)?;
        }
    }
    Ok(layer.path())
}
