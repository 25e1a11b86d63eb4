//! Node.js for the image: the `node` binary alone (no npm, headers or docs). Not cached: it is
//! a hard link to the build's distribution (a copy where linking fails), which costs nothing,
//! where restoring a 100 MB binary from the cache on every build would cost a second; the
//! lifecycle reuses the previous image's layer when the binary is the same.

use crate::errors::NodeFunctionError;
use crate::NodeFunctionBuildpack;
use kiln_buildpack::print;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::UncachedLayerDefinition;
use libcnb::layer_env::{ModificationBehavior, Scope};
use std::fmt;
use std::path::{Path, PathBuf};

/// Puts `node` from the distribution in `node_home` into the launch layer; returns its path.
pub(crate) fn handle_node_runtime_layer(
    context: &BuildContext<NodeFunctionBuildpack>,
    version: &impl fmt::Display,
    node_home: &Path,
) -> libcnb::Result<PathBuf, NodeFunctionError> {
    let layer =
        context.uncached_layer(layer_name!("node_runtime"), UncachedLayerDefinition { build: false, launch: true })?;
    print::sub_bullet(format!("Adding the node binary of Node.js {version} to the image (no npm, headers or docs)"));
    let binary = layer.path().join("bin/node");
    std::fs::create_dir_all(layer.path().join("bin")).map_err(NodeFunctionError::Layer)?;
    let source = node_home.join("bin/node");
    std::fs::hard_link(&source, &binary)
        .or_else(|_| std::fs::copy(&source, &binary).map(drop))
        .map_err(NodeFunctionError::Layer)?;
    layer.write_env(kiln_buildpack::default_port_env().chainable_insert(
        Scope::Launch,
        ModificationBehavior::Default,
        "NODE_ENV",
        "production",
    ))?;
    Ok(binary)
}
