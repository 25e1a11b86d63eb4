//! kiln's function servers, embedded in the buildpack and written into a launch layer: its own
//! (framework/kiln-function.cjs) and the starter of Google's Functions Framework
//! (framework/kiln-google.cjs); and the build-time export inspector, in a build-only layer.

use crate::errors::NodeFunctionError;
use crate::NodeFunctionBuildpack;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::UncachedLayerDefinition;
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use libcnb::Env;
use std::path::PathBuf;

/// The largest request body the server takes (bytes, or with kb, mb or gb); the server reads
/// it when it starts, and a build env value becomes the image's default.
pub(crate) const BODY_LIMIT_ENV: &str = "KILN_BODY_LIMIT";

/// The servers, by file name.
const SERVERS: [(&str, &str); 3] = [
    (KILN_SERVER, include_str!("../../framework/kiln-function.cjs")),
    (GOOGLE_SERVER, include_str!("../../framework/kiln-google.cjs")),
    ("listen.cjs", include_str!("../../framework/listen.cjs")),
];
pub(crate) const KILN_SERVER: &str = "kiln-function.cjs";
pub(crate) const GOOGLE_SERVER: &str = "kiln-google.cjs";
pub(crate) const INSPECTOR: &str = include_str!("../../framework/inspect-exports.mjs");

/// `KILN_BODY_LIMIT` from the build env, if set and a size the server reads.
pub(crate) fn body_limit(platform_env: &Env) -> Result<Option<String>, NodeFunctionError> {
    match platform_env.get_string_lossy(BODY_LIMIT_ENV) {
        Some(limit) if !is_byte_size(&limit) => {
            Err(NodeFunctionError::from(kiln_buildpack::CoreError::InvalidSetting {
                name: BODY_LIMIT_ENV,
                value: limit,
                expected: "a size in bytes, or with kb, mb or gb (e.g. 10mb)",
            }))
        }
        limit => Ok(limit),
    }
}

/// Writes the servers into the image, with `body_limit` (see [`body_limit`]) as the image's
/// default; returns the path of `server` ([`KILN_SERVER`] or [`GOOGLE_SERVER`]).
pub(crate) fn handle_framework_layer(
    context: &BuildContext<NodeFunctionBuildpack>,
    body_limit: Option<&str>,
    server: &str,
) -> libcnb::Result<PathBuf, NodeFunctionError> {
    // Not cached: writing one file takes less than restoring it, and the same bytes give the
    // same layer digest, which the lifecycle reuses.
    let layer =
        context.uncached_layer(layer_name!("framework"), UncachedLayerDefinition { build: false, launch: true })?;
    for (name, source) in SERVERS {
        std::fs::write(layer.path().join(name), source).map_err(NodeFunctionError::Layer)?;
    }
    if let Some(limit) = body_limit {
        layer.write_env(LayerEnv::new().chainable_insert(
            Scope::Launch,
            ModificationBehavior::Default,
            BODY_LIMIT_ENV,
            limit,
        ))?;
    }
    Ok(layer.path().join(server))
}

/// The sizes the server reads: digits with an optional unit.
fn is_byte_size(text: &str) -> bool {
    let lower = text.trim().to_ascii_lowercase();
    let digits = ["gb", "mb", "kb", "b"].iter().find_map(|unit| lower.strip_suffix(unit)).unwrap_or(&lower);
    let digits = digits.trim_end();
    !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit())
}

/// Writes the export inspector for the build; returns its path.
pub(crate) fn handle_inspector_layer(
    context: &BuildContext<NodeFunctionBuildpack>,
) -> libcnb::Result<PathBuf, NodeFunctionError> {
    let layer =
        context.uncached_layer(layer_name!("inspector"), UncachedLayerDefinition { build: false, launch: false })?;
    let inspector = layer.path().join("inspect-exports.mjs");
    std::fs::write(&inspector, INSPECTOR).map_err(NodeFunctionError::Layer)?;
    Ok(inspector)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_limits_are_sizes_the_server_reads() {
        for good in ["1024", "64kb", "10MB", "1 gb", "5b"] {
            assert!(is_byte_size(good), "{good}");
        }
        for bad in ["", "mb", "ten mb", "1.5mb", "-1", "10tb"] {
            assert!(!is_byte_size(bad), "{bad}");
        }
    }
}
