//! `CARGO_HOME`: a fresh directory each build, whose `registry` (the index, downloaded crates
//! and their sources) and `git` (git dependencies) are cache layers of their own, so that
//! unchanged dependencies are not fetched again. Published crate versions never change, and
//! git checkouts are kept by commit, so restored caches stay valid; cargo never removes what a
//! package stopped using, so both are bounded by the core's size limit. Restored, both get
//! the file time their cache records, as `target/` does (see [`restore_cargo_times`]).

use crate::cargo_env::CargoPaths;
use crate::target_dir::restore_cargo_times;
use kiln_buildpack::{handle_cache_layer, CacheLayer, CacheLimit, CoreError};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::UncachedLayerDefinition;
use libcnb::Buildpack;
use std::path::PathBuf;

/// `CARGO_HOME` and its two caches.
pub struct CargoHome {
    pub home: PathBuf,
    pub registry: PathBuf,
    pub git: PathBuf,
}

/// The caches and `CARGO_HOME` linking to them; a failure to link is the buildpack's
/// `std::io::Error` (a file of the build that cannot be written).
pub fn handle_cargo_home_layer<B>(context: &BuildContext<B>, limit: CacheLimit) -> libcnb::Result<CargoHome, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError> + From<std::io::Error>,
{
    let registry = handle_source_cache_layer(
        context,
        &CacheLayer {
            name: layer_name!("cargo_registry"),
            title: "cargo registry cache",
            inputs: &[],
            valid_because: Some("published crate versions never change, so cached downloads stay valid"),
            limit: Some(limit),
        },
    )?;
    let git = handle_source_cache_layer(
        context,
        &CacheLayer {
            name: layer_name!("cargo_git"),
            title: "cargo git cache",
            inputs: &[],
            valid_because: Some("git dependencies are checked out by commit, so cached checkouts stay valid"),
            limit: Some(limit),
        },
    )?;
    let layer =
        context.uncached_layer(layer_name!("cargo_home"), UncachedLayerDefinition { build: false, launch: false })?;
    let home = layer.path();
    for (name, cache) in [("registry", &registry), ("git", &git)] {
        std::os::unix::fs::symlink(cache, home.join(name))
            .map_err(|error| libcnb::Error::BuildpackError(error.into()))?;
    }
    Ok(CargoHome { home, registry, git })
}

/// One of the caches of crate sources, with the time its cache records.
fn handle_source_cache_layer<B>(context: &BuildContext<B>, cache: &CacheLayer<'_>) -> libcnb::Result<PathBuf, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError>,
{
    let dir = handle_cache_layer(context, cache)?;
    restore_cargo_times(&dir, cache.title).map_err(|error| libcnb::Error::BuildpackError(error.into()))?;
    Ok(dir)
}

impl CargoHome {
    #[must_use]
    pub fn paths(self, target: PathBuf, server: PathBuf) -> CargoPaths {
        CargoPaths { home: self.home, registry: self.registry, git: self.git, target, server }
    }
}
