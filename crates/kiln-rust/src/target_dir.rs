//! `CARGO_TARGET_DIR`: compiled crates, kept between builds so that a change recompiles only
//! the crates it touches (cargo's fingerprints decide). Artifacts of another Rust version are
//! never reused, only dead weight: the cache is dropped when the toolchain changes, and
//! bounded by the core's size limit (cargo never removes stale artifacts itself). Cargo tells
//! stale artifacts by file times, which the lifecycle's restore scrambles: see
//! [`restore_cargo_times`].

use crate::rust_version::RustVersion;
use kiln_buildpack::{
    handle_cache_layer, print, restore_recorded_times, CacheLayer, CacheLimit, CoreError, LAYER_FILE_TIME,
};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::Buildpack;
use std::path::{Path, PathBuf};

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
    let title = "target directory";
    let target = handle_cache_layer(
        context,
        &CacheLayer {
            name: layer_name!("cargo_target"),
            title,
            inputs: &[("Rust", &rust_version)],
            valid_because: None,
            limit: Some(limit),
        },
    )?;
    restore_cargo_times(&target, title).map_err(|error| libcnb::Error::BuildpackError(error.into()))?;
    Ok(target)
}

/// Gives a restored cache of cargo's (`target/`, or the crate sources in `CARGO_HOME`) the one
/// file time the lifecycle's cache records for it. Restored, each file has the time it was
/// extracted at, in the order of the cache's tarball: cargo then finds artifacts older than
/// the dependencies they were built from (http older than itoa), or a build script's output
/// newer than the dep-info that records it, and rebuilds every dependency. With one time for
/// all, no artifact is newer than another, and the crate sources the caches hold (published
/// or git, which never change) are no newer than the artifacts. The sources of the build's
/// own path crates are newer, unless they are unchanged ([`crate::source_times`]): cargo
/// compiles those crates again, and only those.
pub(crate) fn restore_cargo_times(cache: &Path, title: &str) -> Result<(), CoreError> {
    let files = restore_recorded_times(cache)?;
    if files > 0 {
        print::sub_bullet(format!(
            "Gave the {title}'s {files} files the time the cache records, {LAYER_FILE_TIME} (the \
             lifecycle restores them with the time of extraction, which cargo would take for changes)"
        ));
    }
    Ok(())
}
