//! GOCACHE: compiled packages, kept between builds so a rebuild only compiles what changed.
//! Entries are keyed by their inputs, the compiler included, so a cache of another Go version
//! is correct but dead weight: it is dropped when the toolchain changes. Go trims entries
//! unused for days by their modification time, which every restored file has anew, so Go never
//! trims it: the core's size limit bounds it.

use crate::errors::GoFunctionError;
use crate::go_version::GoVersion;
use crate::GoFunctionBuildpack;
use kiln_buildpack::{handle_cache_layer, CacheLayer, CacheLimit};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use std::path::PathBuf;

/// Returns the GOCACHE directory for builds with Go `go_version`.
pub(crate) fn handle_build_cache_layer(
    context: &BuildContext<GoFunctionBuildpack>,
    go_version: &GoVersion,
    limit: CacheLimit,
) -> libcnb::Result<PathBuf, GoFunctionError> {
    let go_version = go_version.to_string();
    handle_cache_layer(
        context,
        &CacheLayer {
            name: layer_name!("go_build_cache"),
            title: "build cache",
            inputs: &[("Go", &go_version)],
            valid_because: None,
            limit: Some(limit),
        },
    )
}
