//! npm's download cache (`npm_config_cache`), kept between builds so that a changed lockfile
//! only fetches what changed. npm's cache is content-addressed, so a restored cache is always
//! valid; npm never removes entries, so the core's size limit bounds it.

use crate::errors::NodeFunctionError;
use crate::NodeFunctionBuildpack;
use kiln_buildpack::{handle_cache_layer, CacheLayer, CacheLimit};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use std::path::PathBuf;

pub(crate) fn handle_npm_cache_layer(
    context: &BuildContext<NodeFunctionBuildpack>,
    limit: CacheLimit,
) -> libcnb::Result<PathBuf, NodeFunctionError> {
    handle_cache_layer(
        context,
        &CacheLayer {
            name: layer_name!("npm_cache"),
            title: "npm cache",
            inputs: &[],
            valid_because: Some("npm's cache is content-addressed, so cached packages stay valid"),
            limit: Some(limit),
        },
    )
}
