//! The package manager's download cache, kept between builds so that a changed lockfile only
//! fetches what changed. Each manager has its own: npm's cache and pnpm's store are
//! content-addressed, and yarn keeps one archive per package version, so a restored cache is
//! always valid; none of them removes entries, so the core's size limit bounds them.

use crate::errors::NodeFunctionError;
use crate::package_manager::Manager;
use crate::NodeFunctionBuildpack;
use kiln_buildpack::{handle_cache_layer, CacheLayer, CacheLimit};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use std::path::PathBuf;

pub(crate) fn handle_package_cache_layer(
    context: &BuildContext<NodeFunctionBuildpack>,
    manager: Manager,
    limit: CacheLimit,
) -> libcnb::Result<PathBuf, NodeFunctionError> {
    let (name, title, valid_because) = match manager {
        Manager::Npm => {
            (layer_name!("npm_cache"), "npm cache", "npm's cache is content-addressed, so cached packages stay valid")
        }
        Manager::Pnpm => (
            layer_name!("pnpm_store"),
            "pnpm store",
            "pnpm's store is content-addressed, so cached packages stay valid",
        ),
        // yarn 1 and yarn 4 keep their caches in different formats.
        Manager::YarnClassic => (
            layer_name!("yarn_cache"),
            "yarn cache",
            "yarn caches each package version once, so cached packages stay valid",
        ),
        Manager::YarnBerry => (
            layer_name!("yarn_berry_cache"),
            "yarn cache",
            "yarn caches each package version once, with its checksum, so cached packages stay valid",
        ),
    };
    handle_cache_layer(
        context,
        &CacheLayer { name, title, inputs: &[], valid_because: Some(valid_because), limit: Some(limit) },
    )
}
