//! The launch layer: the compiled binary and nothing else, plus the default PORT.

use crate::compile::{go_build, Package};
use crate::errors::GoFunctionError;
use crate::GoFunctionBuildpack;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::UncachedLayerDefinition;
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use libcnb::Env;
use libherokubuildpack::log::log_info;
use std::path::PathBuf;

/// The port the process listens on unless the platform sets PORT.
const DEFAULT_PORT: &str = "8080";

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
    log_info("Compiling the binary into the launch layer (rebuilt every time, cheap with the build cache)");
    let binary = layer.path().join("bin").join("app");
    go_build(go_env, &context.app_dir, package, &binary, std::io::stdout(), std::io::stderr())
        .map_err(GoFunctionError::Compile)?;
    layer.write_env(LayerEnv::new().chainable_insert(
        Scope::Launch,
        ModificationBehavior::Default,
        "PORT",
        DEFAULT_PORT,
    ))?;
    Ok(binary)
}
