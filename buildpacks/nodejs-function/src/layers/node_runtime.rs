//! Node.js for the image: the `node` binary alone (no npm, headers or docs), copied from the
//! build's distribution and cached, so an unchanged rebuild copies nothing and the lifecycle
//! reuses the previous image's layer.

use crate::errors::NodeFunctionError;
use crate::NodeFunctionBuildpack;
use kiln_buildpack::print;
use kiln_inventory::Artifact;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{CachedLayerDefinition, InvalidMetadataAction, LayerState, RestoredLayerAction};
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The distribution the binary was copied from: the same checksum means the same binary.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct RuntimeMetadata {
    version: String,
    checksum: String,
}

/// Puts `node` from the distribution in `node_home` into the launch layer; returns its path.
pub(crate) fn handle_node_runtime_layer<V: fmt::Display>(
    context: &BuildContext<NodeFunctionBuildpack>,
    artifact: &Artifact<V>,
    node_home: &Path,
) -> libcnb::Result<PathBuf, NodeFunctionError> {
    let wanted = RuntimeMetadata { version: artifact.version.to_string(), checksum: artifact.checksum.to_string() };
    let layer = context.cached_layer(
        layer_name!("node_runtime"),
        CachedLayerDefinition {
            build: false,
            launch: true,
            invalid_metadata_action: &|_| (InvalidMetadataAction::DeleteLayer, "written by another buildpack version"),
            restored_layer_action: &|cached: &RuntimeMetadata, _| {
                if *cached == wanted {
                    (RestoredLayerAction::KeepLayer, format!("Node.js {} is cached", cached.version))
                } else {
                    (RestoredLayerAction::DeleteLayer, format!("the cache holds Node.js {}", cached.version))
                }
            },
        },
    )?;
    let binary = layer.path().join("bin/node");
    match &layer.state {
        LayerState::Restored { cause } => print::sub_bullet(format!("Reusing the image's node binary: {cause}")),
        LayerState::Empty { .. } => {
            print::sub_bullet(format!(
                "Copying the node binary of Node.js {} into the image (no npm, headers or docs)",
                wanted.version
            ));
            std::fs::create_dir_all(layer.path().join("bin")).map_err(NodeFunctionError::Layer)?;
            std::fs::copy(node_home.join("bin/node"), &binary).map_err(NodeFunctionError::Layer)?;
            layer.write_metadata(wanted)?;
        }
    }
    layer.write_env(
        LayerEnv::new()
            .chainable_insert(Scope::Launch, ModificationBehavior::Default, "NODE_ENV", "production")
            .chainable_insert(
                Scope::Launch,
                ModificationBehavior::Default,
                kiln_function::PORT_ENV,
                kiln_function::DEFAULT_PORT.to_string(),
            ),
    )?;
    Ok(binary)
}
