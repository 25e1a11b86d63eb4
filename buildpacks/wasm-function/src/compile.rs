//! `cargo build --release` of a crate whose cargo config targets wasm32-wasip2: the user's cargo
//! settings honoured, paths remapped as for native Rust builds, and the component found from
//! cargo's own report of what it built.

use kiln_buildpack::{print, run_streamed, shown_command, style, ToolError};
use kiln_rust::cargo_env::{reproducible_config, CargoPaths};
use libcnb::Env;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub(crate) enum CompileError {
    #[error(transparent)]
    Tool(ToolError),
    #[error("cargo built no .wasm file (its artifacts: {0}); is the crate a `cdylib` library?")]
    NoComponent(String),
}

/// Builds the crate in `app_dir` and returns the component it made.
pub(crate) fn compile(env: &Env, app_dir: &Path, paths: &CargoPaths) -> Result<PathBuf, CompileError> {
    let mut command = Command::new("cargo");
    command.args(["build", "--release", "--message-format=json-render-diagnostics"]);
    if app_dir.join("Cargo.lock").is_file() {
        command.arg("--locked");
    }
    for config in reproducible_config(app_dir, paths, &[]) {
        command.arg("--config").arg(config);
    }
    // cargo finds .cargo/config.toml (and its build.target) from its working directory.
    command.current_dir(app_dir).env_clear().envs(env);
    let announcement = format!("Running {}", style::command(shown_command(&command)));
    let mut report = Vec::new();
    print::sub_stream_with(announcement, |_stdout, stderr| run_streamed(&mut command, &mut report, stderr))
        .map_err(CompileError::Tool)?;
    let built = artifacts(&report);
    built.iter().find(|file| file.extension().is_some_and(|extension| extension == "wasm")).cloned().ok_or_else(|| {
        CompileError::NoComponent(built.iter().map(|file| file.display().to_string()).collect::<Vec<_>>().join(", "))
    })
}

/// The files of the source's own packages among cargo's JSON messages (not the dependencies').
fn artifacts(report: &[u8]) -> Vec<PathBuf> {
    String::from_utf8_lossy(report)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| {
            message["reason"] == "compiler-artifact" && message["package_id"].as_str().is_some_and(is_local)
        })
        .flat_map(|message| message["filenames"].as_array().cloned().unwrap_or_default())
        .filter_map(|file| file.as_str().map(PathBuf::from))
        .collect()
}

/// Whether a cargo package id is of a path package (the source's own), not a registry or git one.
fn is_local(package_id: &str) -> bool {
    package_id.starts_with("path+")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_component_is_the_wasm_file_of_the_sources_own_package() {
        let report = concat!(
            r#"{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#serde_json@1.0.0","filenames":["/t/libserde_json.rlib"]}"#,
            "\n",
            r#"{"reason":"compiler-artifact","package_id":"path+file:///workspace#wasm-http@0.1.0","filenames":["/t/wasm32-wasip2/release/wasm_http.wasm"]}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(artifacts(report.as_bytes()), [PathBuf::from("/t/wasm32-wasip2/release/wasm_http.wasm")]);
    }
}
