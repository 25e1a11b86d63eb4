//! kiln/go-function: builds a Go module whose root package is `main` into a static binary
//! served as the `web` process.

mod compile;
mod detect;
mod errors;
mod go_dist_contents;
mod go_env;
mod go_mod;
mod go_version;
mod layers;
mod toolchain;

use crate::detect::{detect, Detection, DETECTS};
use crate::errors::GoFunctionError;
use crate::go_env::{go_build_env, GoCaches};
use crate::go_mod::GoMod;
use crate::go_version::GoVersion;
use crate::layers::app::handle_app_layer;
use crate::layers::build_cache::handle_build_cache_layer;
use crate::layers::go_dist::handle_go_dist_layer;
use crate::layers::module_cache::handle_module_cache_layer;
use crate::toolchain::{resolve, Requirement};
use kiln_buildpack_output::print_libcnb_error;
use kiln_inventory::INVENTORY_ENV;
use libcnb::build::{BuildContext, BuildResult, BuildResultBuilder};
use libcnb::data::launch::{LaunchBuilder, ProcessBuilder};
use libcnb::data::process_type;
use libcnb::detect::{DetectContext, DetectResult, DetectResultBuilder};
use libcnb::generic::{GenericMetadata, GenericPlatform};
use libcnb::layer_env::Scope;
use libcnb::{buildpack_main, Buildpack, Env, Platform};
use libherokubuildpack::log::{log_header, log_info};

/// The official Go archives this buildpack knows, with their sha256.
const EMBEDDED_INVENTORY: &str = include_str!("../inventory.toml");

/// The package `go build` compiles: the module root.
const ROOT_PACKAGE: &str = ".";

pub(crate) struct GoFunctionBuildpack;

impl Buildpack for GoFunctionBuildpack {
    type Platform = GenericPlatform;
    type Metadata = GenericMetadata;
    type Error = GoFunctionError;

    fn detect(&self, context: DetectContext<Self>) -> libcnb::Result<DetectResult, Self::Error> {
        match detect(&context.app_dir).map_err(GoFunctionError::Detect)? {
            Detection::App => DetectResultBuilder::pass().build(),
            Detection::Fail(reason) => {
                println!("kiln/go-function looks for {DETECTS}.\n{reason}");
                DetectResultBuilder::fail().build()
            }
        }
    }

    fn build(&self, context: BuildContext<Self>) -> libcnb::Result<BuildResult, Self::Error> {
        log_header("Go toolchain");
        let go_mod = GoMod::read(&context.app_dir).map_err(GoFunctionError::GoMod)?;
        let requirement = Requirement::of(&go_mod);
        let override_location = context.platform.env().get_string_lossy(INVENTORY_ENV);
        let (inventory, origin) =
            kiln_inventory::load::<GoVersion>(override_location.as_deref(), EMBEDDED_INVENTORY)
                .map_err(|error| GoFunctionError::Inventory(Box::new(error)))?;
        let artifact = resolve(
            &requirement,
            &inventory,
            &origin,
            &context.target.os,
            &context.target.arch,
        )
        .map_err(|error| GoFunctionError::UnsupportedGoVersion(Box::new(error)))?;
        log_info(format!(
            "{requirement} resolves to Go {} in {origin}",
            artifact.version
        ));
        let go_dist_env = handle_go_dist_layer(&context, artifact)?;

        log_header("Caches");
        let module_cache = handle_module_cache_layer(&context)?;
        let build_cache = handle_build_cache_layer(&context, &artifact.version)?;

        log_header("Build");
        let process_env = go_dist_env.apply(Scope::Build, &Env::from_current());
        let caches = GoCaches {
            module_cache: &module_cache,
            build_cache: &build_cache,
        };
        let go_env = go_build_env(&process_env, context.platform.env(), &caches);
        let binary = handle_app_layer(&context, &go_env, ROOT_PACKAGE)?;

        BuildResultBuilder::new()
            .launch(
                LaunchBuilder::new()
                    .process(
                        ProcessBuilder::new(process_type!("web"), [binary.to_string_lossy()])
                            .default(true)
                            .build(),
                    )
                    .build(),
            )
            .build()
    }

    fn on_error(&self, error: libcnb::Error<Self::Error>) {
        print_libcnb_error(error, GoFunctionError::message);
    }
}

buildpack_main!(GoFunctionBuildpack);
