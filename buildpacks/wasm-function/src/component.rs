//! The component the image serves: read from the source or cargo's output, validated as a
//! `wasi:http/proxy` component, and precompiled for the run image by the same host code that
//! serves it (kiln-wasm-host), so starting compiles nothing.

use kiln_wasm_host::validate::{check_proxy_component, ComponentProblem, Filesystem};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub(crate) enum ComponentError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is no wasi:http/proxy component: {problem}", path.display())]
    Invalid { path: PathBuf, problem: ComponentProblem },
    #[error("wasmtime cannot compile {}: {error}", path.display())]
    Precompile { path: PathBuf, error: kiln_wasm_host::PrecompileError },
}

/// The precompiled code of the component at `path` (`shown` in messages), once it is checked
/// (with `filesystem` imports allowed or not).
pub(crate) fn precompile(path: &Path, shown: &Path, filesystem: Filesystem) -> Result<Vec<u8>, ComponentError> {
    let bytes = std::fs::read(path).map_err(|source| ComponentError::Read { path: shown.to_path_buf(), source })?;
    check_proxy_component(&bytes, filesystem)
        .map_err(|problem| ComponentError::Invalid { path: shown.to_path_buf(), problem })?;
    kiln_wasm_host::precompile(&bytes).map_err(|error| ComponentError::Precompile { path: shown.to_path_buf(), error })
}
