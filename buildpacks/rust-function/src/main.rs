//! kiln/rust-function: builds a Cargo package into a stripped release binary served as the
//! `web` process: an app (its binary target, or `FUNC_BIN`'s) or a function (`FUNC_NAME` names
//! a `pub fn` of the library; kiln generates the hyper server that serves it, see server/).

mod compile;
mod detect;
mod errors;
mod function;
mod layers;
mod lockfile;
mod package;

use crate::compile::{compile, BuildTarget};
use crate::detect::{detect, has_cargo_toml, Detection, DETECTS};
use crate::errors::RustFunctionError;
use crate::function::RUST_IDENTIFIER;
use crate::layers::app::handle_app_layer;
use crate::layers::function_server::{handle_function_server_layer, CLOUDEVENT_FEATURE, SERVER_BINARY, SERVER_PACKAGE};
use crate::package::{Metadata, FUNC_BIN_ENV};
use kiln_buildpack::{detection_failed, function_config};
use kiln_buildpack::{keep_only, print, print_libcnb_error, resolve_toolchain, CacheLimit, CoreError, KeepPatterns};
use kiln_function::{check_function_name, FunctionConfig, SignatureType};
use kiln_rust::cargo_env::{cargo_env, CargoPaths};
use kiln_rust::cargo_home::handle_cargo_home_layer;
use kiln_rust::cargo_toml::read_cargo_toml;
use kiln_rust::source_times::build_with_unchanged_sources_dated;
use kiln_rust::target_dir::handle_target_dir_layer;
use kiln_rust::toolchain::{self, Requirement, RUST};
use kiln_rust::toolchain_layer::handle_rust_toolchain_layer;
use libcnb::build::{BuildContext, BuildResult, BuildResultBuilder};
use libcnb::detect::{DetectContext, DetectResult, DetectResultBuilder};
use libcnb::generic::{GenericMetadata, GenericPlatform};
use libcnb::layer_env::Scope;
use libcnb::{buildpack_main, Buildpack, Env, Platform};
use std::path::{Path, PathBuf};
use std::process::Command;

pub(crate) struct RustFunctionBuildpack;

impl Buildpack for RustFunctionBuildpack {
    type Platform = GenericPlatform;
    type Metadata = GenericMetadata;
    type Error = RustFunctionError;

    fn detect(&self, context: DetectContext<Self>) -> libcnb::Result<DetectResult, Self::Error> {
        // The function settings are only this buildpack's business in a Cargo package.
        if has_cargo_toml(&context.app_dir) {
            function_config(context.platform.env()).map_err(RustFunctionError::FunctionConfig)?;
        }
        match detect(&context.app_dir).map_err(RustFunctionError::Detect)? {
            Detection::Pass => DetectResultBuilder::pass().build(),
            Detection::Fail(reason) => detection_failed(&context.buildpack_descriptor.buildpack.id, DETECTS, reason),
        }
    }

    fn build(&self, context: BuildContext<Self>) -> libcnb::Result<BuildResult, Self::Error> {
        let started = print::buildpack("kiln Rust");
        let platform_env = context.platform.env();
        // Settings are checked before anything is downloaded or compiled.
        let cargo_toml = read_cargo_toml(&context.app_dir).map_err(RustFunctionError::CargoToml)?;
        let function = function_config(platform_env).map_err(RustFunctionError::FunctionConfig)?;
        if let Some(config) = &function {
            check_function_name(&config.target, &RUST_IDENTIFIER).map_err(RustFunctionError::FunctionName)?;
        }
        let keep =
            KeepPatterns::from_env(platform_env).map_err(|error| RustFunctionError::from(CoreError::from(error)))?;
        let cache_limit = CacheLimit::from_env(platform_env).map_err(RustFunctionError::from)?;

        print::bullet("Rust toolchain");
        let requirement = Requirement::of(&context.app_dir, &cargo_toml).map_err(RustFunctionError::ToolchainFile)?;
        let rustc =
            resolve_toolchain(&RUST, &requirement, platform_env, &context.target).map_err(RustFunctionError::from)?;
        let components =
            toolchain::components(&rustc, &[], platform_env, &context.target).map_err(RustFunctionError::from)?;
        let toolchain_env = handle_rust_toolchain_layer(&context, &rustc, &components)?;

        print::bullet("Caches");
        let cargo_home = handle_cargo_home_layer(&context, cache_limit)?;
        let target_dir = handle_target_dir_layer(&context, &rustc.version, cache_limit)?;
        let server_dir = context.layers_dir.join("function_server");
        let paths = cargo_home.paths(target_dir, server_dir);

        print::bullet("Build");
        let process_env = toolchain_env.apply(Scope::Build, &Env::from_current());
        let env = cargo_env(&process_env, platform_env, &paths);
        let metadata = cargo_metadata(&env, &context.app_dir)?;
        let (built, name) = match &function {
            None => build_app(&context, &env, &paths, &metadata)?,
            Some(config) => build_function(&context, &env, &paths, &metadata, config)?,
        };
        let binary = handle_app_layer(&context, &built, &name)?;

        print::bullet("Image contents");
        // The binary is in its launch layer; the lifecycle exports the app directory too.
        keep_only(&context.app_dir, &keep).map_err(|error| RustFunctionError::from(CoreError::from(error)))?;
        print::all_done(&Some(started));

        BuildResultBuilder::new().launch(kiln_buildpack::web_process([binary.to_string_lossy().into_owned()])).build()
    }

    fn on_error(&self, error: libcnb::Error<Self::Error>) {
        print_libcnb_error(error, RustFunctionError::message);
    }
}

/// The source's packages and targets, without resolving dependencies (no download).
fn cargo_metadata(env: &Env, app_dir: &Path) -> Result<Metadata, RustFunctionError> {
    let output = Command::new("cargo")
        .args(["metadata", "--no-deps", "--format-version", "1"])
        .current_dir(app_dir)
        .env_clear()
        .envs(env)
        .output()
        .map_err(|error| RustFunctionError::Metadata(format!("cannot run cargo: {error}")))?;
    if !output.status.success() {
        return Err(RustFunctionError::Metadata(String::from_utf8_lossy(&output.stderr).trim().to_string()));
    }
    Metadata::parse(&output.stdout).map_err(RustFunctionError::Package)
}

/// Compiles the app's binary (the only one, or `FUNC_BIN`'s); returns it and its name.
fn build_app(
    context: &BuildContext<RustFunctionBuildpack>,
    env: &Env,
    paths: &CargoPaths,
    metadata: &Metadata,
) -> libcnb::Result<(PathBuf, String), RustFunctionError> {
    let wanted = context.platform.env().get_string_lossy(FUNC_BIN_ENV).filter(|name| !name.trim().is_empty());
    let binary = metadata.app_binary(wanted.as_deref().map(str::trim)).map_err(RustFunctionError::Package)?;
    print::sub_bullet(format!(
        "Building an app: the binary {} of package {} (set FUNC_NAME to build a function)",
        binary.name, binary.package
    ));
    let locked = context.app_dir.join("Cargo.lock").is_file();
    let target = BuildTarget { manifest: None, package: &binary.package, binary: &binary.name, features: &[], locked };
    let built = build_with_unchanged_sources_dated(&paths.target, &[&context.app_dir], || {
        compile(env, &context.app_dir, paths, &target)
            .map_err(|error| RustFunctionError::Compile { error, function: None })
    })?;
    Ok((built, binary.name))
}

/// Checks the function `config` names, generates the server that serves it and compiles that.
fn build_function(
    context: &BuildContext<RustFunctionBuildpack>,
    env: &Env,
    paths: &CargoPaths,
    metadata: &Metadata,
    config: &FunctionConfig,
) -> libcnb::Result<(PathBuf, String), RustFunctionError> {
    let library = metadata.library_in(&context.app_dir.join(&config.source)).map_err(RustFunctionError::Package)?;
    let call = function::check(&library, config).map_err(RustFunctionError::Function)?;
    print::sub_bullet(format!(
        "Building the {} function {} of crate {} (served by kiln's hyper server)",
        config.signature, config.target, library.package
    ));
    let user_lock = match std::fs::read_to_string(context.app_dir.join("Cargo.lock")) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(RustFunctionError::Scratch(error).into()),
    };
    let server = handle_function_server_layer(context, &library, config, call, user_lock.as_deref())?;
    let features: &[&str] = match config.signature {
        SignatureType::Http => &[],
        SignatureType::CloudEvent => &[CLOUDEVENT_FEATURE],
    };
    let manifest = server.join("Cargo.toml");
    // Not --locked: the generated crate's lockfile gains the server itself; cargo keeps every
    // version the user's Cargo.lock names.
    let target = BuildTarget {
        manifest: Some(&manifest),
        package: SERVER_PACKAGE,
        binary: SERVER_BINARY,
        features,
        locked: false,
    };
    let built = build_with_unchanged_sources_dated(&paths.target, &[&context.app_dir, &server], || {
        compile(env, &context.app_dir, paths, &target)
            .map_err(|error| RustFunctionError::Compile { error, function: Some(Box::new(config.clone())) })
    })?;
    Ok((built, SERVER_BINARY.to_string()))
}

buildpack_main!(RustFunctionBuildpack);
