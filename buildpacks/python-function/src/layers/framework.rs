//! kiln's framework (`framework/kiln_function`: the server, the request API, the function check)
//! and, when kiln serves the function, its server's wheels for this Python, all embedded in the
//! buildpack: a function without requirements needs no package index. Cached while the
//! buildpack's embedded files and the Python minor are the same.

use crate::bytecode::compile;
use crate::embedded::{install_server, write_framework, EMBEDDED_DIGEST};
use crate::errors::PythonFunctionError;
use crate::layers::{prepend_path, reuse_if_same};
use crate::PythonFunctionBuildpack;
use kiln_buildpack::{print, replace_unreadable};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{CachedLayerDefinition, LayerState};
use libcnb::layer_env::LayerEnv;
use libcnb::Env;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct FrameworkMetadata {
    embedded: String,
    python: String,
    with_server: bool,
}

/// Installs (or reuses) the framework for CPython `minor`, with granian when `with_server`
/// (the build checked that granian is embedded for `minor`); returns the layer's env.
pub(crate) fn handle_framework_layer(
    context: &BuildContext<PythonFunctionBuildpack>,
    minor: &str,
    with_server: bool,
    python: &Path,
    env: &Env,
) -> libcnb::Result<LayerEnv, PythonFunctionError> {
    let wanted = FrameworkMetadata { embedded: EMBEDDED_DIGEST.to_string(), python: minor.to_string(), with_server };
    let layer = context.cached_layer(
        layer_name!("framework"),
        CachedLayerDefinition {
            build: true,
            launch: true,
            invalid_metadata_action: &|_| replace_unreadable(),
            restored_layer_action: &|cached: &FrameworkMetadata, _| {
                reuse_if_same(cached, &wanted, "it was installed from this buildpack for this Python", |metadata| {
                    format!("kiln's framework {:.12} for Python {}", metadata.embedded, metadata.python)
                })
            },
        },
    )?;
    let site_packages = layer.path().join("site-packages");
    match &layer.state {
        LayerState::Restored { cause } => print::sub_bullet(format!("Reusing kiln's framework: {cause}")),
        LayerState::Empty { .. } => {
            let what = if with_server {
                "kiln's framework and its server, granian"
            } else {
                "kiln's function check and launcher"
            };
            print::sub_bullet(format!("Installing {what} for Python {minor} (embedded in the buildpack)"));
            write_framework(&site_packages).map_err(PythonFunctionError::Layer)?;
            if with_server {
                install_server(&site_packages, minor).map_err(PythonFunctionError::Layer)?;
            }
            compile(env, python, &site_packages, &context.app_dir).map_err(PythonFunctionError::Bytecode)?;
            layer.write_metadata(wanted)?;
        }
    }
    let env = prepend_path(LayerEnv::new(), "PYTHONPATH", &site_packages);
    layer.write_env(&env)?;
    Ok(env)
}
