//! The source's dependencies, installed by uv into a launch layer (`site-packages`, with the
//! packages' programs in its `bin/`) and compiled to bytecode; reused while what declares them
//! (the files, the indexes) and the Python version are unchanged.

use crate::bytecode::compile;
use crate::errors::PythonFunctionError;
use crate::layers::{prepend_path, reuse_if_same};
use crate::packages::{inputs_digest, install};
use crate::project::Dependencies;
use crate::PythonFunctionBuildpack;
use kiln_buildpack::{empty_cause, print, replace_unreadable};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{CachedLayerDefinition, LayerState};
use libcnb::layer_env::LayerEnv;
use libcnb::Env;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct PackagesMetadata {
    python: String,
    inputs: String,
}

/// What installing needs: uv, its environment, and the interpreter that compiles bytecode.
pub(crate) struct Installer<'a> {
    pub(crate) uv: &'a Path,
    pub(crate) uv_env: &'a Env,
    pub(crate) python: &'a Path,
    pub(crate) python_version: &'a str,
}

/// Installs (or reuses) the packages; returns the layer's env.
pub(crate) fn handle_packages_layer(
    context: &BuildContext<PythonFunctionBuildpack>,
    dependencies: &Dependencies,
    installer: &Installer<'_>,
) -> libcnb::Result<LayerEnv, PythonFunctionError> {
    let inputs = inputs_digest(dependencies, &context.app_dir, installer.python_version, installer.uv_env)
        .map_err(PythonFunctionError::Layer)?;
    let wanted = PackagesMetadata { python: installer.python_version.to_string(), inputs };
    let layer = context.cached_layer(
        layer_name!("packages"),
        CachedLayerDefinition {
            build: true,
            launch: true,
            invalid_metadata_action: &|_| replace_unreadable(),
            restored_layer_action: &|cached: &PackagesMetadata, _| {
                reuse_if_same(cached, &wanted, "the dependencies and the Python version are unchanged", |metadata| {
                    format!("packages for Python {} (inputs {:.12})", metadata.python, metadata.inputs)
                })
            },
        },
    )?;
    let site_packages = layer.path().join("site-packages");
    match &layer.state {
        LayerState::Restored { cause } => print::sub_bullet(format!("Reusing the installed packages: {cause}")),
        LayerState::Empty { cause } => {
            print::sub_bullet(format!(
                "Installing the dependencies from {} ({})",
                dependencies.describe(),
                empty_cause(cause)
            ));
            let scratch = tempfile::tempdir().map_err(PythonFunctionError::Layer)?;
            install(dependencies, &context.app_dir, &site_packages, installer.uv, installer.uv_env, scratch.path())
                .map_err(PythonFunctionError::Install)?;
            compile(installer.uv_env, installer.python, &site_packages, &context.app_dir)
                .map_err(PythonFunctionError::Bytecode)?;
            layer.write_metadata(wanted)?;
        }
    }
    let env =
        prepend_path(prepend_path(LayerEnv::new(), "PYTHONPATH", &site_packages), "PATH", &site_packages.join("bin"));
    layer.write_env(&env)?;
    Ok(env)
}
