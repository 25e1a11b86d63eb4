//! The Rust toolchain: rustc, cargo and the standard libraries, each downloaded from the
//! inventory's URL and verified, assembled into one directory and cached between builds (the
//! core's toolchain layer), with PATH for the rest of the build.

use crate::rust_version::RustVersion;
use crate::toolchain::{assemble, RUST};
use kiln_buildpack::CoreError;
use kiln_inventory::Artifact;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use libcnb::Buildpack;

/// Installs (or reuses) the toolchain made of `rustc` and the other `components` of its
/// release, and returns the env that puts it on PATH.
pub fn handle_rust_toolchain_layer<B>(
    context: &BuildContext<B>,
    rustc: &Artifact<RustVersion>,
    components: &[Artifact<RustVersion>],
) -> libcnb::Result<LayerEnv, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError>,
{
    kiln_buildpack::handle_component_toolchain_layer(
        context,
        layer_name!("rust_toolchain"),
        &RUST,
        (rustc, components),
        assemble,
        |home| {
            LayerEnv::new()
                .chainable_insert(Scope::Build, ModificationBehavior::Prepend, "PATH", home.join("bin"))
                .chainable_insert(Scope::Build, ModificationBehavior::Delimiter, "PATH", ":")
        },
    )
    .map(|installed| installed.env)
}
