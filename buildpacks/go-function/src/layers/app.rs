//! The launch layer: the compiled binary and nothing else, plus the default PORT.

use crate::compile::{compile, Package};
use crate::errors::GoFunctionError;
use crate::GoFunctionBuildpack;
use kiln_buildpack::print;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::UncachedLayerDefinition;
use libcnb::Env;
use std::path::PathBuf;

/// Compiles `package` (the app's, or a function's generated main) into the launch layer and
/// returns the binary's path.
pub(crate) fn handle_app_layer(
    context: &BuildContext<GoFunctionBuildpack>,
    go_env: &Env,
    package: &Package<'_>,
) -> libcnb::Result<PathBuf, GoFunctionError> {
    let layer = context.uncached_layer(layer_name!("app"), UncachedLayerDefinition { build: false, launch: true })?;
    // Not cached: the build cache makes recompiling cheap, and the lifecycle reuses the
    // previous image layer when the (reproducible) binary comes out the same.
    print::sub_bullet("Compiling the binary into the launch layer (rebuilt every time, cheap with the build cache)");
    let binary = layer.path().join("bin").join("app");
    compile(go_env, &context.app_dir, package, &binary).map_err(GoFunctionError::Compile)?;
    layer.write_env(kiln_buildpack::default_port_env())?;
    Ok(binary)
}
