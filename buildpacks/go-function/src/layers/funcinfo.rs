//! The function inspector, kiln-funcinfo (framework/funcinfo): compiled by build.rs when the
//! buildpack is built and embedded in it, installed into a build-only layer when a function
//! build needs it.
//!
//! Built with the Go of the buildpack's build, it type-checks code the user's toolchain may
//! have compiled with a newer Go; when its go/types cannot read that, it describes the package
//! from its syntax instead (see its package comment), so a newer toolchain costs precision in
//! rare cases (type aliases, dot imports), never a build.

use crate::errors::GoFunctionError;
use crate::GoFunctionBuildpack;
use kiln_buildpack::print;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::UncachedLayerDefinition;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

const FUNCINFO: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/kiln-funcinfo"));

/// Installs kiln-funcinfo and returns its path.
pub(crate) fn handle_funcinfo_layer(
    context: &BuildContext<GoFunctionBuildpack>,
) -> libcnb::Result<PathBuf, GoFunctionError> {
    // Not cached: writing the embedded binary takes milliseconds, less than restoring it.
    let layer =
        context.uncached_layer(layer_name!("funcinfo"), UncachedLayerDefinition { build: false, launch: false })?;
    print::sub_bullet("Installing the function inspector (embedded in the buildpack)");
    let binary = layer.path().join("kiln-funcinfo");
    install(&binary).map_err(GoFunctionError::Scratch)?;
    Ok(binary)
}

pub(crate) fn install(binary: &std::path::Path) -> std::io::Result<()> {
    std::fs::write(binary, FUNCINFO)?;
    std::fs::set_permissions(binary, std::fs::Permissions::from_mode(0o755))
}
