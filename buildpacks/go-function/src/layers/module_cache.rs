//! GOMODCACHE: downloaded modules, kept between builds so unchanged dependencies are not
//! fetched again. Module versions are immutable, so a restored cache is always valid; Go never
//! removes a module version a module stopped using, so the cache is bounded by the core's limit.

use crate::errors::GoFunctionError;
use crate::GoFunctionBuildpack;
use kiln_buildpack::{handle_cache_layer, CacheLayer, CacheLimit};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use std::path::PathBuf;

/// Returns the GOMODCACHE directory.
pub(crate) fn handle_module_cache_layer(
    context: &BuildContext<GoFunctionBuildpack>,
    limit: CacheLimit,
) -> libcnb::Result<PathBuf, GoFunctionError> {
    handle_cache_layer(
        context,
        &CacheLayer {
            name: layer_name!("go_modules"),
            title: "module cache",
            inputs: &[],
            valid_because: Some("module versions never change, so cached downloads stay valid"),
            limit: Some(limit),
        },
    )
}
