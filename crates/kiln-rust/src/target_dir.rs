//! `CARGO_TARGET_DIR`: compiled crates, kept between builds so that a change recompiles only
//! the crates it touches (cargo's fingerprints decide). Artifacts of another Rust version are
//! never reused, only dead weight: the cache is dropped when the toolchain changes, and
//! bounded by the core's size limit (cargo never removes stale artifacts itself).

use crate::rust_version::RustVersion;
use kiln_buildpack::{handle_cache_layer, CacheLayer, CacheLimit, CoreError};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::Buildpack;
use std::path::PathBuf;

pub fn handle_target_dir_layer<B>(
    context: &BuildContext<B>,
    rust_version: &RustVersion,
    limit: CacheLimit,
) -> libcnb::Result<PathBuf, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError>,
{
    let rust_version = rust_version.to_string();
    handle_cache_layer(
        context,
        &CacheLayer {
            name: layer_name!("cargo_target"),
            title: "target directory",
            inputs: &[("Rust", &rust_version)],
            valid_because: None,
            limit: Some(limit),
        },
    )
}
