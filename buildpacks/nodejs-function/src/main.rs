//! kiln/nodejs-function: builds Node.js functions and apps into an image that runs `node`
//! alone. A function (`FUNC_NAME` names an export) is served by kiln's own zero-dependency
//! server (framework/kiln-function.cjs), or by Google's Functions Framework when the source
//! depends on it; an app runs its `start` script or server.js.

mod app;
mod detect;
mod errors;
mod function;
mod install;
mod layers;
mod node_version;
mod package_json;
mod package_manager;
mod syntax;
mod toolchain;

use crate::app::start_arguments;
use crate::detect::{detect, is_node_source, Detection, DETECTS};
use crate::errors::NodeFunctionError;
use crate::function::{FunctionModule, JS_IDENTIFIER};
use crate::install::{run_script, Dependencies};
use crate::layers::framework::{
    body_limit, handle_framework_layer, handle_inspector_layer, GOOGLE_SERVER, KILN_SERVER,
};
use crate::layers::node_dist::handle_node_dist_layer;
use crate::layers::node_modules::{handle_node_modules_layer, link_node_modules, Installer, ModulesLayer};
use crate::layers::node_runtime::handle_node_runtime_layer;
use crate::layers::package_cache::handle_package_cache_layer;
use crate::layers::package_manager::handle_package_manager_layer;
use crate::package_json::{PackageJson, GOOGLE_FRAMEWORK};
use crate::package_manager::{Manager, PackageManager};
use crate::syntax::check_syntax;
use crate::toolchain::{Requirement, NODE};
use kiln_buildpack::{detection_failed, function_config};
use kiln_buildpack::{print, print_libcnb_error, resolve_toolchain, web_process, CacheLimit};
use kiln_function::{check_function_name, FunctionConfig};
use libcnb::build::{BuildContext, BuildResult, BuildResultBuilder};
use libcnb::data::layer_name;
use libcnb::detect::{DetectContext, DetectResult, DetectResultBuilder};
use libcnb::generic::{GenericMetadata, GenericPlatform};
use libcnb::layer_env::Scope;
use libcnb::{buildpack_main, Buildpack, Env, Platform};
use std::ffi::OsString;
use std::path::Path;

/// Google's buildpack's setting: the package.json scripts to run as the build, comma-separated
/// (empty: none). Unset, `gcp-build` runs if there is one, else `build`.
const RUN_SCRIPTS_ENV: &str = "GOOGLE_NODE_RUN_SCRIPTS";

pub(crate) struct NodeFunctionBuildpack;

impl Buildpack for NodeFunctionBuildpack {
    type Platform = GenericPlatform;
    type Metadata = GenericMetadata;
    type Error = NodeFunctionError;

    fn detect(&self, context: DetectContext<Self>) -> libcnb::Result<DetectResult, Self::Error> {
        // The function settings are only this buildpack's business in a Node.js source.
        let function = if is_node_source(&context.app_dir) {
            function_config(context.platform.env()).map_err(NodeFunctionError::FunctionConfig)?
        } else {
            None
        };
        match detect(&context.app_dir, function.is_some()) {
            Detection::App | Detection::Function => DetectResultBuilder::pass().build(),
            Detection::Fail(reason) => detection_failed(&context.buildpack_descriptor.buildpack.id, DETECTS, reason),
        }
    }

    fn build(&self, context: BuildContext<Self>) -> libcnb::Result<BuildResult, Self::Error> {
        let started = print::buildpack("kiln Node.js");
        let platform_env = context.platform.env();
        let app_dir = context.app_dir.clone();
        // Settings are checked before anything is downloaded or installed.
        let package = PackageJson::read(&app_dir).map_err(NodeFunctionError::PackageJson)?;
        let function = function_config(platform_env).map_err(NodeFunctionError::FunctionConfig)?;
        if let Some(config) = &function {
            check_function_name(&config.target, &JS_IDENTIFIER).map_err(NodeFunctionError::FunctionName)?;
        }
        let body_limit = if function.is_some() { body_limit(platform_env)? } else { None };
        let requirement = Requirement::of(&app_dir, &package).map_err(NodeFunctionError::Requirement)?;
        let package_manager = PackageManager::of(&app_dir, &package).map_err(NodeFunctionError::PackageManager)?;
        let cache_limit = CacheLimit::from_env(platform_env).map_err(NodeFunctionError::from)?;

        print::bullet("Node.js");
        let artifact =
            resolve_toolchain(&NODE, &requirement, platform_env, &context.target).map_err(NodeFunctionError::from)?;
        let (node_env, node_home) = handle_node_dist_layer(&context, &artifact)?;
        let mut build_env = node_env.apply(Scope::Build, &Env::from_current());
        // What the platform passes (the CA bundle, NPM_CONFIG_REGISTRY, …) reaches npm and node.
        for (name, value) in platform_env {
            build_env.insert(name, value);
        }
        build_env.insert("npm_config_update_notifier", "false");

        let scripts = build_scripts(&package, platform_env);
        let manager = package_manager.manager;
        if package.has_dependencies() || app_dir.join(manager.lockfile()).is_file() {
            print::bullet("Dependencies");
            if let Some(release) = &package_manager.tool {
                let bin = handle_package_manager_layer(&context, release, &build_env)?;
                prepend_path(&mut build_env, &bin);
            }
            let cache = handle_package_cache_layer(&context, manager, cache_limit)?;
            let installer = Installer { package_manager: &package_manager, cache: &cache, env: &build_env };
            let version = artifact.version.to_string();
            let image_modules = handle_node_modules_layer(
                &context,
                &ModulesLayer { name: layer_name!("dependencies"), dependencies: Dependencies::Production },
                &version,
                &installer,
            )?;
            if !scripts.is_empty() {
                let build_modules = if package.dev_dependencies.is_empty() {
                    image_modules.clone()
                } else {
                    handle_node_modules_layer(
                        &context,
                        &ModulesLayer { name: layer_name!("build_dependencies"), dependencies: Dependencies::All },
                        &version,
                        &installer,
                    )?
                };
                link_node_modules(&app_dir, &build_modules).map_err(NodeFunctionError::Layer)?;
                run_build_scripts(manager, &app_dir, &scripts, &build_env)?;
            }
            // The image gets the production dependencies only.
            link_node_modules(&app_dir, &image_modules).map_err(NodeFunctionError::Layer)?;
        } else if !scripts.is_empty() {
            run_build_scripts(manager, &app_dir, &scripts, &build_env)?;
        }

        print::bullet("Checks");
        check_syntax(&app_dir, &build_env).map_err(|error| NodeFunctionError::Syntax(Box::new(error)))?;
        let command = if let Some(config) = &function {
            function_command(&context, &package, (config, body_limit.as_deref()), &build_env)?
        } else {
            let arguments = start_arguments(&app_dir, &package).map_err(NodeFunctionError::StartScript)?;
            print::sub_bullet(format!("Running the app with `node {}`", arguments.join(" ")));
            arguments
        };

        print::bullet("Image contents");
        let node = handle_node_runtime_layer(&context, &artifact.version, &node_home)?;
        print::all_done(&Some(started));

        BuildResultBuilder::new()
            .launch(web_process(std::iter::once(node.to_string_lossy().into_owned()).chain(command)))
            .build()
    }

    fn on_error(&self, error: libcnb::Error<Self::Error>) {
        print_libcnb_error(error, NodeFunctionError::message);
    }
}

/// The scripts that make the build: `GOOGLE_NODE_RUN_SCRIPTS`, else `gcp-build`, else `build`.
fn build_scripts(package: &PackageJson, platform_env: &Env) -> Vec<String> {
    match platform_env.get_string_lossy(RUN_SCRIPTS_ENV) {
        Some(list) => list.split(',').map(str::trim).filter(|name| !name.is_empty()).map(str::to_string).collect(),
        None => package.build_script().map(str::to_string).into_iter().collect(),
    }
}

fn run_build_scripts(manager: Manager, app_dir: &Path, scripts: &[String], env: &Env) -> Result<(), NodeFunctionError> {
    for script in scripts {
        run_script(manager, app_dir, script, env).map_err(|error| NodeFunctionError::Install(Box::new(error)))?;
    }
    Ok(())
}

/// Puts `dir` first on the build's PATH.
fn prepend_path(env: &mut Env, dir: &Path) {
    let mut path = OsString::from(dir);
    if let Some(rest) = env.get("PATH").filter(|rest| !rest.is_empty()) {
        path.push(":");
        path.push(rest);
    }
    env.insert("PATH", path);
}

/// Checks the function `config` names and returns the arguments after `node` that serve it.
fn function_command(
    context: &BuildContext<NodeFunctionBuildpack>,
    package: &PackageJson,
    (config, body_limit): (&FunctionConfig, Option<&str>),
    env: &Env,
) -> libcnb::Result<Vec<String>, NodeFunctionError> {
    let function_error = |error| NodeFunctionError::Function(Box::new(error));
    // The lifecycle exports the app at the path it was built in, so the launch process finds
    // the module where the build did.
    let app = &context.app_dir;
    if package.uses_google_framework() {
        // Its declarative API registers functions while the module loads, not as exports:
        // Google's own loader finds them.
        print::sub_bullet(format!(
            "Serving the {} function {} with Google's Functions Framework ({GOOGLE_FRAMEWORK} is a dependency)",
            config.signature, config.target
        ));
        let server = handle_framework_layer(context, body_limit, GOOGLE_SERVER)?;
        return Ok(vec![
            server.to_string_lossy().into_owned(),
            app.join(&config.source).to_string_lossy().into_owned(),
            config.target.clone(),
            config.signature.to_string(),
        ]);
    }
    let module = FunctionModule::locate(&context.app_dir, config).map_err(function_error)?;
    let inspector = handle_inspector_layer(context)?;
    module.check(&context.app_dir, &inspector, env, config).map_err(function_error)?;
    print::sub_bullet(format!(
        "Serving the {} function {} from {} with kiln's function server",
        config.signature,
        config.target,
        module.path.display()
    ));
    let server = handle_framework_layer(context, body_limit, KILN_SERVER)?;
    Ok(vec![
        server.to_string_lossy().into_owned(),
        app.join(&module.path).to_string_lossy().into_owned(),
        config.target.clone(),
        config.signature.to_string(),
    ])
}

buildpack_main!(NodeFunctionBuildpack);
