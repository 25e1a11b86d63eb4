//! kiln/python-function: builds Python functions and apps. A function (`FUNC_NAME` names it)
//! is served by kiln's framework on granian (`framework/kiln_function`), or by Google's
//! Functions Framework when the requirements include it; an app by the start command it
//! declares. CPython comes from the inventory (`python-build-standalone`), dependencies are
//! installed by uv.

mod bytecode;
mod captured;
mod detect;
mod embedded;
mod errors;
mod function;
mod layers;
mod packages;
mod project;
mod python_version;
mod requirement;
mod start;
mod toolchain;

use crate::bytecode::compile;
use crate::detect::{app_command_set, detect, Detection, DETECTS};
use crate::embedded::server_pythons;
use crate::errors::PythonFunctionError;
use crate::function::{source_file, PYTHON_IDENTIFIER};
use crate::layers::framework::handle_framework_layer;
use crate::layers::packages::{handle_packages_layer, Installer};
use crate::layers::python::handle_python_layer;
use crate::layers::uv::handle_uv_layer;
use crate::layers::uv_cache::handle_uv_cache_layer;
use crate::packages::uv_env;
use crate::project::Project;
use crate::start::{app_command, app_start, function_command, Framework, StartError};
use crate::toolchain::{PYTHON, UV};
use kiln_buildpack::{detection_failed, function_config};
use kiln_buildpack::{print, print_libcnb_error, resolve_toolchain, CacheLimit};
use kiln_function::{check_function_name, FunctionConfig};
use libcnb::build::{BuildContext, BuildResult, BuildResultBuilder};
use libcnb::detect::{DetectContext, DetectResult, DetectResultBuilder};
use libcnb::generic::{GenericMetadata, GenericPlatform};
use libcnb::layer_env::{LayerEnv, Scope};
use libcnb::{buildpack_main, Buildpack, Env, Platform};
use std::fmt;

pub(crate) struct PythonFunctionBuildpack;

impl Buildpack for PythonFunctionBuildpack {
    type Platform = GenericPlatform;
    type Metadata = GenericMetadata;
    type Error = PythonFunctionError;

    fn detect(&self, context: DetectContext<Self>) -> libcnb::Result<DetectResult, Self::Error> {
        let env = context.platform.env();
        let function_requested = function_config(env).map_or(true, |config| config.is_some());
        match detect(&context.app_dir, function_requested, app_command_set(env)) {
            Detection::Pass => DetectResultBuilder::pass().build(),
            Detection::Fail(reason) => detection_failed(&context.buildpack_descriptor.buildpack.id, DETECTS, reason),
        }
    }

    fn build(&self, context: BuildContext<Self>) -> libcnb::Result<BuildResult, Self::Error> {
        let started = print::buildpack("kiln Python");
        let platform_env = context.platform.env();
        // Settings are checked before anything is downloaded.
        let project = Project::read(&context.app_dir).map_err(PythonFunctionError::Project)?;
        let cache_limit = CacheLimit::from_env(platform_env).map_err(PythonFunctionError::from)?;
        let start = match function_config(platform_env).map_err(PythonFunctionError::FunctionConfig)? {
            Some(config) => {
                check_function_name(&config.target, &PYTHON_IDENTIFIER).map_err(PythonFunctionError::FunctionName)?;
                let framework = if project.uses_functions_framework { Framework::Google } else { Framework::Kiln };
                Start::Function(config, framework)
            }
            None => Start::App(
                app_start(&project, platform_env)
                    .and_then(|start| start.ok_or(StartError::NoStartCommand))
                    .map_err(PythonFunctionError::Start)?,
            ),
        };

        print::bullet("Python");
        let artifact = resolve_toolchain(&PYTHON, &project.requirement, platform_env, &context.target)
            .map_err(PythonFunctionError::from)?;
        let minor = artifact.version.minor_version();
        if matches!(start, Start::Function(_, Framework::Kiln)) && !server_pythons().contains(&minor.as_str()) {
            return Err(PythonFunctionError::NoServerFor { python: minor, supported: server_pythons() }.into());
        }
        let (python_env, python) = handle_python_layer(&context, &artifact)?;
        let build_env = python_env.apply(Scope::Build, &Env::from_current());

        let packages_env = match &project.dependencies {
            None => None,
            Some(dependencies) => {
                print::bullet("Dependencies");
                let uv_artifact =
                    resolve_toolchain(&UV, &AnyUv, platform_env, &context.target).map_err(PythonFunctionError::from)?;
                let uv = handle_uv_layer(&context, &uv_artifact)?;
                let cache = handle_uv_cache_layer(&context, cache_limit)?;
                let uv_env = uv_env(&build_env, platform_env, &cache, &python);
                let python_version = artifact.version.to_string();
                let installer =
                    Installer { uv: &uv, uv_env: &uv_env, python: &python, python_version: &python_version };
                Some(handle_packages_layer(&context, dependencies, &installer)?)
            }
        };

        let process = match &start {
            Start::Function(config, framework) => {
                print::bullet("Function");
                let with_server = *framework == Framework::Kiln;
                let framework_env = handle_framework_layer(&context, &minor, with_server, &python, &build_env)?;
                // Applied as the launcher will: the source's packages first on PYTHONPATH.
                let env = apply_all(&build_env, [Some(&framework_env), packages_env.as_ref()]);
                compile_app(&context, &env, &python)?;
                let file = source_file(config, platform_env);
                let is_async = function::check(&python, &env, &context.app_dir, &file, config)
                    .map_err(|error| PythonFunctionError::Function(Box::new(error)))?;
                let served_by = match framework {
                    Framework::Kiln => "kiln's framework on granian",
                    Framework::Google => "Google's Functions Framework (the requirements include functions-framework)",
                };
                let kind = if is_async { "async " } else { "" };
                print::sub_bullet(format!(
                    "The {kind}{} function {} in {} is served by {served_by}",
                    config.signature,
                    config.target,
                    file.display()
                ));
                function_command(&python, *framework, config, &context.app_dir.join(&file), is_async)
            }
            Start::App(app) => {
                print::bullet("App");
                let env = apply_all(&build_env, [packages_env.as_ref()]);
                compile_app(&context, &env, &python)?;
                let command = app_command(app, &python).map_err(PythonFunctionError::Start)?;
                print::sub_bullet(format!("The app starts with {}", command.join(" ")));
                command
            }
        };
        print::all_done(&Some(started));

        BuildResultBuilder::new().launch(kiln_buildpack::web_process(process)).build()
    }

    fn on_error(&self, error: libcnb::Error<Self::Error>) {
        print_libcnb_error(error, PythonFunctionError::message);
    }
}

enum Start {
    Function(FunctionConfig, Framework),
    App(start::AppStart),
}

/// `base` with the build-scoped entries of `layers`, in order.
fn apply_all<'a>(base: &Env, layers: impl IntoIterator<Item = Option<&'a LayerEnv>>) -> Env {
    layers.into_iter().flatten().fold(base.clone(), |env, layer| layer.apply(Scope::Build, &env))
}

/// The app's own modules, compiled to bytecode in place (a syntax error fails the build here).
fn compile_app(
    context: &BuildContext<PythonFunctionBuildpack>,
    env: &Env,
    python: &std::path::Path,
) -> Result<(), PythonFunctionError> {
    print::sub_bullet("Compiling the source to bytecode (unchecked-hash .pyc, reproducible)");
    compile(env, python, &context.app_dir, &context.app_dir).map_err(PythonFunctionError::Bytecode)
}

/// uv's version is the buildpack's choice, not the source's: the inventory's newest.
struct AnyUv;

impl kiln_buildpack::Requirement<String> for AnyUv {
    fn accepts(&self, _: &String) -> bool {
        true
    }

    fn how_to_change(&self) -> String {
        "Add a `uv` entry to the inventory".to_string()
    }
}

impl fmt::Display for AnyUv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("uv (the installer)")
    }
}

buildpack_main!(PythonFunctionBuildpack);
