//! The launch layer: kiln's Wasm host (the binary shipped inside this buildpack) and the
//! precompiled component, plus the default PORT and the host settings the build was given.

use crate::errors::WasmFunctionError;
use crate::settings::HostSettings;
use crate::WasmFunctionBuildpack;
use kiln_buildpack::print;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::UncachedLayerDefinition;
use std::path::PathBuf;

const COMPONENT_FILE: &str = "component.cwasm";

/// What the web process runs: the host and its component.
pub(crate) struct Served {
    pub(crate) host: PathBuf,
    pub(crate) component: PathBuf,
}

/// Writes the host and the `precompiled` component into the launch layer, with `settings` as
/// the defaults of the image's env.
pub(crate) fn handle_host_layer(
    context: &BuildContext<WasmFunctionBuildpack>,
    precompiled: &[u8],
    settings: &HostSettings,
) -> libcnb::Result<Served, WasmFunctionError> {
    // Not cached: both are rewritten each build (the component is precompiled anew), and the
    // lifecycle reuses the previous image layer when the files come out the same.
    let layer = context.uncached_layer(layer_name!("host"), UncachedLayerDefinition { build: false, launch: true })?;
    let bin = layer.path().join("bin");
    std::fs::create_dir_all(&bin).map_err(WasmFunctionError::Scratch)?;
    // The host's name in the buildpack (a bin target of this crate) and in the image.
    let host = bin.join("kiln-wasm-host");
    std::fs::copy(libcnb::additional_buildpack_binary_path!("kiln-wasm-host"), &host)
        .map_err(WasmFunctionError::Scratch)?;
    let component = layer.path().join(COMPONENT_FILE);
    std::fs::write(&component, precompiled).map_err(WasmFunctionError::Scratch)?;
    print::sub_bullet(format!(
        "Wrote kiln's Wasm host and the precompiled component ({} KiB) into the launch layer",
        precompiled.len() / 1024
    ));
    let given: Vec<String> = settings.given().collect();
    if !given.is_empty() {
        print::sub_bullet(format!("The image's defaults for the host: {}", given.join(" ")));
    }
    layer.write_env(settings.launch_env(kiln_buildpack::default_port_env()))?;
    Ok(Served { host, component })
}
