//! Node.js for the build: the whole distribution (node, npm, npx, the headers), downloaded from
//! the inventory's URL, verified, and cached between builds (the core's toolchain layer). It
//! is not in the image: see `node_runtime.rs`.

use crate::errors::NodeFunctionError;
use crate::node_version::NodeVersion;
use crate::toolchain::NODE;
use crate::NodeFunctionBuildpack;
use kiln_inventory::Artifact;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use std::path::PathBuf;

/// Installs (or reuses) Node.js from `artifact`; returns the env that puts it on PATH for the
/// rest of the build, and the installation's directory.
pub(crate) fn handle_node_dist_layer(
    context: &BuildContext<NodeFunctionBuildpack>,
    artifact: &Artifact<NodeVersion>,
) -> libcnb::Result<(LayerEnv, PathBuf), NodeFunctionError> {
    let installed =
        kiln_buildpack::handle_toolchain_layer(context, layer_name!("node_dist"), &NODE, artifact, |node_home| {
            LayerEnv::new()
                .chainable_insert(Scope::Build, ModificationBehavior::Prepend, "PATH", node_home.join("bin"))
                .chainable_insert(Scope::Build, ModificationBehavior::Delimiter, "PATH", ":")
                // node-gyp compiles addons against these headers instead of downloading them.
                .chainable_insert(Scope::Build, ModificationBehavior::Override, "npm_config_nodedir", node_home)
        })?;
    Ok((installed.env, installed.home))
}
