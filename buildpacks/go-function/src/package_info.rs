//! What `kiln-funcinfo` (framework/funcinfo, built by the funcinfo layer) reports about the
//! function's package: its name and its top-level functions with their signatures.

use libcnb::Env;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct PackageInfo {
    /// The package clause; empty when the directory holds no Go files for this platform.
    pub(crate) name: String,
    /// Exported top-level functions, sorted by name.
    pub(crate) functions: Vec<GoFunction>,
    /// The names of the other top-level functions.
    pub(crate) unexported: Vec<String>,
    /// A file did not parse: the compiler reports it with file and line.
    pub(crate) parse_error: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub(crate) struct GoFunction {
    pub(crate) name: String,
    /// As written, e.g. `func(w http.ResponseWriter, r *http.Request)`.
    pub(crate) signature: String,
    /// Parameter types with packages named by import path, e.g. `*net/http.Request`.
    pub(crate) params: Vec<String>,
    pub(crate) results: Vec<String>,
    pub(crate) generic: bool,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum PackageInfoError {
    #[error("cannot run {}: {source}", tool.display())]
    Spawn {
        tool: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the Go package in {}: {message}", dir.display())]
    Failed { dir: PathBuf, message: String },
    #[error("kiln-funcinfo printed something that is not its report: {0}")]
    Output(#[source] serde_json::Error),
}

/// Runs `tool` on the package in `dir` with `env` (the Go build environment: the same
/// `CGO_ENABLED`, `GOOS` and `GOARCH` pick the same files as `go build`).
pub(crate) fn describe_package(tool: &Path, env: &Env, dir: &Path) -> Result<PackageInfo, PackageInfoError> {
    let output = Command::new(tool)
        .arg(dir)
        .env_clear()
        .envs(env)
        .output()
        .map_err(|source| PackageInfoError::Spawn { tool: tool.to_path_buf(), source })?;
    if !output.status.success() {
        return Err(PackageInfoError::Failed {
            dir: dir.to_path_buf(),
            message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    serde_json::from_slice(&output.stdout).map_err(PackageInfoError::Output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_report() {
        let report = r#"{"name":"fn","functions":[{"name":"Hello","signature":"func(w http.ResponseWriter, r *http.Request)","params":["net/http.ResponseWriter","*net/http.Request"],"results":[],"generic":false}],"unexported":["helper"]}"#;
        let info: PackageInfo = serde_json::from_str(report).expect("valid report");
        assert_eq!(info.name, "fn");
        assert_eq!(info.functions[0].params[1], "*net/http.Request");
        assert_eq!(info.unexported, ["helper"]);
        assert_eq!(info.parse_error, None);
    }
}
