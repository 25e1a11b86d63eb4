//! kiln/wasm-function: serves a `wasi:http/proxy` WebAssembly component with kiln's Wasm host
//! (crates/kiln-wasm-host) as the `web` process. The component is a Rust crate built for
//! wasm32-wasip2 with the Rust buildpack's toolchain and caches (kiln-rust), or a prebuilt
//! `.wasm`; it is validated and precompiled at build time, so starting compiles nothing.

mod compile;
mod component;
mod detect;
mod errors;
mod layers;
mod settings;

use crate::compile::compile;
use crate::detect::{detect, Source, DETECTS};
use crate::errors::WasmFunctionError;
use crate::layers::host::handle_host_layer;
use crate::settings::HostSettings;
use kiln_buildpack::{detection_failed, print, print_libcnb_error, resolve_toolchain, CacheLimit, CoreError};
use kiln_buildpack::{keep_only, KeepPatterns};
use kiln_inventory::Tool;
use kiln_rust::cargo_env::cargo_env;
use kiln_rust::cargo_home::handle_cargo_home_layer;
use kiln_rust::cargo_toml::read_cargo_toml;
use kiln_rust::source_times::build_with_unchanged_sources_dated;
use kiln_rust::target_dir::handle_target_dir_layer;
use kiln_rust::toolchain::{self, Requirement, RUST};
use kiln_rust::toolchain_layer::handle_rust_toolchain_layer;
use kiln_rust::WASM_TARGET;
use libcnb::build::{BuildContext, BuildResult, BuildResultBuilder};
use libcnb::detect::{DetectContext, DetectResult, DetectResultBuilder};
use libcnb::generic::{GenericMetadata, GenericPlatform};
use libcnb::layer_env::Scope;
use libcnb::{buildpack_main, Buildpack, Env, Platform};
use std::path::PathBuf;

// The host is a bin target of this crate; the buildpack binary links its library to validate
// and precompile. Used by src/bin/kiln-wasm-host.rs only, as far as cargo machete can tell.
use kiln_wasm_host as _;

/// The standard library of the Wasm target, beside the host's.
const WASM_STD: Tool = Tool::secondary("rust-std-wasm32-wasip2");

pub(crate) struct WasmFunctionBuildpack;

impl Buildpack for WasmFunctionBuildpack {
    type Platform = GenericPlatform;
    type Metadata = GenericMetadata;
    type Error = WasmFunctionError;

    fn detect(&self, context: DetectContext<Self>) -> libcnb::Result<DetectResult, Self::Error> {
        match detect(&context.app_dir, context.platform.env()).map_err(WasmFunctionError::Detect)? {
            Ok(_) => DetectResultBuilder::pass().build(),
            Err(reason) => detection_failed(&context.buildpack_descriptor.buildpack.id, DETECTS, reason),
        }
    }

    fn build(&self, context: BuildContext<Self>) -> libcnb::Result<BuildResult, Self::Error> {
        let started = print::buildpack("kiln WebAssembly");
        let platform_env = context.platform.env();
        // Settings are checked before anything is downloaded or compiled.
        let host_settings =
            HostSettings::from_env(platform_env, &context.app_dir).map_err(WasmFunctionError::Settings)?;
        let keep = KeepPatterns::from_env(platform_env)
            .and_then(|keep| host_settings.keep(keep))
            .map_err(|error| WasmFunctionError::from(CoreError::from(error)))?;
        let source = match detect(&context.app_dir, platform_env).map_err(WasmFunctionError::Detect)? {
            Ok(source) => source,
            Err(reason) => return Err(WasmFunctionError::NoSource(reason).into()),
        };
        let (component, shown) = match source {
            Source::Prebuilt(path) => {
                print::bullet("Component");
                print::sub_bullet(format!("Serving the prebuilt component {}", path.display()));
                (context.app_dir.join(&path), path)
            }
            Source::Crate => build_crate(&context)?,
        };

        print::bullet("Component check and precompile");
        let precompiled = component::precompile(&component, &shown, host_settings.filesystem())
            .map_err(WasmFunctionError::Component)?;
        print::sub_bullet(format!("{} is a wasi:http/proxy component; precompiled for this platform", shown.display()));
        let served = handle_host_layer(&context, &precompiled, &host_settings)?;

        print::bullet("Image contents");
        // The host and the component are in their launch layer; the lifecycle exports the app
        // directory too.
        keep_only(&context.app_dir, &keep).map_err(|error| WasmFunctionError::from(CoreError::from(error)))?;
        print::all_done(&Some(started));

        let command = [served.host, served.component].map(|path| path.to_string_lossy().into_owned());
        BuildResultBuilder::new().launch(kiln_buildpack::web_process(command)).build()
    }

    fn on_error(&self, error: libcnb::Error<Self::Error>) {
        print_libcnb_error(error, WasmFunctionError::message);
    }
}

/// Compiles the crate for wasm32-wasip2 with the Rust toolchain (plus the target's standard
/// library) and caches kiln/rust-function uses; returns the component and its name for messages.
fn build_crate(context: &BuildContext<WasmFunctionBuildpack>) -> libcnb::Result<(PathBuf, PathBuf), WasmFunctionError> {
    let platform_env = context.platform.env();
    let cargo_toml = read_cargo_toml(&context.app_dir).map_err(WasmFunctionError::CargoToml)?;
    let cache_limit = CacheLimit::from_env(platform_env).map_err(WasmFunctionError::from)?;

    print::bullet("Rust toolchain");
    let requirement = Requirement::of(&context.app_dir, &cargo_toml).map_err(WasmFunctionError::ToolchainFile)?;
    let rustc =
        resolve_toolchain(&RUST, &requirement, platform_env, &context.target).map_err(WasmFunctionError::from)?;
    let components =
        toolchain::components(&rustc, &[WASM_STD], platform_env, &context.target).map_err(WasmFunctionError::from)?;
    let toolchain_env = handle_rust_toolchain_layer(context, &rustc, &components)?;

    print::bullet("Caches");
    let cargo_home = handle_cargo_home_layer(context, cache_limit)?;
    let target_dir = handle_target_dir_layer(context, &rustc.version, cache_limit)?;
    // No generated crate in a Wasm build: nothing else to remap.
    let paths = cargo_home.paths(target_dir, context.app_dir.clone());

    print::bullet("Build");
    let package = cargo_toml.get("package").and_then(|package| package.get("name")).and_then(toml::Value::as_str);
    print::sub_bullet(format!(
        "Building the component of crate {} for {WASM_TARGET}",
        package.unwrap_or("(the workspace)")
    ));
    let process_env = toolchain_env.apply(Scope::Build, &Env::from_current());
    let env = cargo_env(&process_env, platform_env, &paths);
    let built = build_with_unchanged_sources_dated(&paths.target, &[&context.app_dir], || {
        compile(&env, &context.app_dir, &paths).map_err(WasmFunctionError::Compile)
    })?;
    let shown = built.file_name().map_or_else(|| built.clone(), PathBuf::from);
    Ok((built, shown))
}

buildpack_main!(WasmFunctionBuildpack);
