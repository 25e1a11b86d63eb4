//! uv, which installs the dependencies: its wheel from the inventory (PyPI's, with PyPI's
//! sha256), verified and cached between builds in a build-only layer, so it never reaches the
//! image. The wheel is kept as downloaded; its `uv` binary is unpacked beside it.

use crate::embedded::extract_program;
use crate::errors::PythonFunctionError;
use crate::toolchain::UV;
use crate::PythonFunctionBuildpack;
use kiln_inventory::Artifact;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer_env::LayerEnv;
use std::path::PathBuf;

/// Where a wheel keeps its programs (`uv-0.13.9.data/scripts/uv`).
const UV_IN_WHEEL: &str = ".data/scripts/uv";

/// Installs (or reuses) uv; returns the path of its binary.
pub(crate) fn handle_uv_layer(
    context: &BuildContext<PythonFunctionBuildpack>,
    artifact: &Artifact<String>,
) -> libcnb::Result<PathBuf, PythonFunctionError> {
    let wheel =
        kiln_buildpack::handle_toolchain_layer(context, layer_name!("uv"), &UV, artifact, |_| LayerEnv::new())?.home;
    let binary = wheel.with_file_name("bin").join("uv");
    if !binary.is_file() {
        extract_program(&wheel, UV_IN_WHEEL, &binary).map_err(PythonFunctionError::Layer)?;
    }
    Ok(binary)
}
