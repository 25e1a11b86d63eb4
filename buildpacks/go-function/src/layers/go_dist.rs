//! The Go toolchain, downloaded from the inventory's URL, verified, and cached between builds
//! (the core's toolchain layer), with Go's environment for the rest of the build.

use crate::go_version::GoVersion;
use crate::toolchain::GO;
use crate::GoFunctionBuildpack;
use kiln_inventory::Artifact;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};

/// Installs (or reuses) Go from `artifact` and returns the env that puts it on PATH for the
/// rest of the build.
pub(crate) fn handle_go_dist_layer(
    context: &BuildContext<GoFunctionBuildpack>,
    artifact: &Artifact<GoVersion>,
) -> libcnb::Result<LayerEnv, crate::errors::GoFunctionError> {
    kiln_buildpack::handle_toolchain_layer(context, layer_name!("go_dist"), &GO, artifact, |goroot| {
        LayerEnv::new()
            .chainable_insert(Scope::Build, ModificationBehavior::Prepend, "PATH", goroot.join("bin"))
            .chainable_insert(Scope::Build, ModificationBehavior::Delimiter, "PATH", ":")
            // Never let `go` fetch another toolchain: the inventory decides which Go builds.
            .chainable_insert(Scope::Build, ModificationBehavior::Override, "GOTOOLCHAIN", "local")
    })
    .map(|installed| installed.env)
}
