//! The launch layer: the stripped binary and nothing else, plus the default PORT.

use crate::errors::RustFunctionError;
use crate::RustFunctionBuildpack;
use kiln_buildpack::print;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::UncachedLayerDefinition;
use std::path::{Path, PathBuf};

/// Copies the `built` executable into the launch layer as `bin/<name>` and returns its path.
pub(crate) fn handle_app_layer(
    context: &BuildContext<RustFunctionBuildpack>,
    built: &Path,
    name: &str,
) -> libcnb::Result<PathBuf, RustFunctionError> {
    // Not cached: the target directory cache makes the build cheap, and the lifecycle reuses
    // the previous image layer when the (reproducible) binary comes out the same.
    let layer = context.uncached_layer(layer_name!("app"), UncachedLayerDefinition { build: false, launch: true })?;
    let binary = layer.path().join("bin").join(name);
    std::fs::create_dir_all(layer.path().join("bin")).map_err(RustFunctionError::Scratch)?;
    std::fs::copy(built, &binary).map_err(RustFunctionError::Scratch)?;
    print::sub_bullet(format!("Copied the stripped binary {name} into the launch layer"));
    layer.write_env(kiln_buildpack::default_port_env())?;
    Ok(binary)
}
