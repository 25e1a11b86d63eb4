//! What every kiln buildpack reads and reports the same way: the function contract's settings
//! in the build env, and why detection failed.

use kiln_function::{ConfigError, FunctionConfig};
use libcnb::detect::{DetectResult, DetectResultBuilder};
use libcnb::Env;
use std::fmt::Display;

/// The function contract's settings (`FUNC_NAME` and the rest, or their Google aliases) in the
/// build env; `None` for an app build.
pub fn function_config(platform_env: &Env) -> Result<Option<FunctionConfig>, ConfigError> {
    FunctionConfig::from_env(|name| platform_env.get_string_lossy(name))
}

/// Fails detection, saying what `buildpack` looks for and why this source is not it. kiln reads
/// these lines back from the lifecycle's output into its "no buildpack detected" error.
pub fn detection_failed<E>(
    buildpack: impl Display,
    looks_for: &str,
    reason: impl Display,
) -> libcnb::Result<DetectResult, E> {
    println!("{buildpack} looks for {looks_for}.\n{reason}");
    DetectResultBuilder::fail().build()
}
