//! CPython, downloaded from the inventory's URL, verified, its standard library compiled to
//! hash-stamped bytecode (toolchain.rs says why), cached between builds and in the image (the
//! core's runtime layer), with its environment for the build and the app.

use crate::bytecode::compile;
use crate::errors::PythonFunctionError;
use crate::layers::prepend_path;
use crate::python_version::PythonVersion;
use crate::toolchain::PYTHON;
use crate::PythonFunctionBuildpack;
use kiln_buildpack::print;
use kiln_inventory::Artifact;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use libcnb::Env;
use std::path::{Path, PathBuf};

/// Installs (or reuses) CPython from `artifact`; returns its env and its `python3`.
pub(crate) fn handle_python_layer(
    context: &BuildContext<PythonFunctionBuildpack>,
    artifact: &Artifact<PythonVersion>,
) -> libcnb::Result<(LayerEnv, PathBuf), PythonFunctionError> {
    let compile_standard_library = |home: &Path| {
        print::sub_bullet("Compiling the standard library's bytecode");
        // Else the compiling Python writes timestamped bytecode for the modules it imports
        // itself before compileall reaches them, which then keeps those as up to date.
        let mut env = Env::new();
        env.insert("PYTHONDONTWRITEBYTECODE", "1");
        compile(&env, &home.join("bin/python3"), &home.join("lib"), &context.app_dir)
            .map_err(PythonFunctionError::Bytecode)
    };
    let installed = kiln_buildpack::handle_runtime_layer(
        context,
        layer_name!("python"),
        &PYTHON,
        artifact,
        compile_standard_library,
        |home| {
            prepend_path(kiln_buildpack::default_port_env(), "PATH", &home.join("bin"))
                // Bytecode is compiled once, deterministically (see bytecode.rs); Python must not
                // write its own, time-stamped, while the build imports modules, nor try in the
                // read-only image.
                .chainable_insert(Scope::All, ModificationBehavior::Override, "PYTHONDONTWRITEBYTECODE", "1")
                .chainable_insert(Scope::Launch, ModificationBehavior::Override, "PYTHONUNBUFFERED", "1")
        },
    )?;
    let python = installed.home.join("bin/python3");
    Ok((installed.env, python))
}
