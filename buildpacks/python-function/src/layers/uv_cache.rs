//! uv's cache: downloaded and built wheels, kept between builds so that a changed requirement
//! downloads only what is new. uv checks what it reuses against the index and never prunes by
//! itself, so the core's size limit bounds it.

use crate::errors::PythonFunctionError;
use crate::PythonFunctionBuildpack;
use kiln_buildpack::{handle_cache_layer, CacheLayer, CacheLimit};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use std::path::PathBuf;

pub(crate) fn handle_uv_cache_layer(
    context: &BuildContext<PythonFunctionBuildpack>,
    limit: CacheLimit,
) -> libcnb::Result<PathBuf, PythonFunctionError> {
    handle_cache_layer(
        context,
        &CacheLayer {
            name: layer_name!("uv_cache"),
            title: "uv cache",
            inputs: &[],
            valid_because: Some("uv checks what it reuses from its cache against the index"),
            limit: Some(limit),
        },
    )
}
