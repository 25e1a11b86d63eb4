//! Which crates are Wasm functions: those whose cargo config builds for wasm32-wasip2. The Rust
//! buildpack leaves them to the Wasm buildpack, which the builder orders first.

use std::path::{Path, PathBuf};

/// The target of Wasm functions: WASI 0.2 components.
pub const WASM_TARGET: &str = "wasm32-wasip2";

#[derive(Debug, thiserror::Error)]
#[error("cannot read {}: {source}", path.display())]
pub struct WasmTargetError {
    path: PathBuf,
    #[source]
    source: std::io::Error,
}

/// The cargo config of the source in `app_dir` that sets `build.target` to [`WASM_TARGET`]
/// (`config.toml`, or `config` where that is missing, as cargo reads them), if one does.
pub fn builds_for_wasm(app_dir: &Path) -> Result<Option<&'static str>, WasmTargetError> {
    for name in ["config.toml", "config"] {
        let path = app_dir.join(".cargo").join(name);
        match std::fs::read_to_string(&path) {
            // A config cargo cannot parse fails the build with cargo's own message.
            Ok(text) => return Ok(targets_wasm(&text).then_some(name)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => return Err(WasmTargetError { path, source }),
        }
    }
    Ok(None)
}

/// Whether a cargo config's `build.target` (a target or a list of them) names the Wasm target.
fn targets_wasm(config: &str) -> bool {
    let Ok(config) = toml::from_str::<toml::Table>(config) else {
        return false;
    };
    match config.get("build").and_then(|build| build.get("target")) {
        Some(toml::Value::String(target)) => target == WASM_TARGET,
        Some(toml::Value::Array(targets)) => targets.iter().any(|target| target.as_str() == Some(WASM_TARGET)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(name: &str, text: &str) -> Option<&'static str> {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join(".cargo")).expect("dirs");
        std::fs::write(dir.path().join(".cargo").join(name), text).expect("write");
        builds_for_wasm(dir.path()).expect("readable")
    }

    #[test]
    fn the_build_target_of_either_config_file_decides() {
        assert_eq!(config("config.toml", "[build]\ntarget = \"wasm32-wasip2\"\n"), Some("config.toml"));
        assert_eq!(config("config", "build.target = [\"wasm32-wasip2\"]\n"), Some("config"));
        assert_eq!(config("config.toml", "[build]\njobs = 2\n"), None);
        assert_eq!(builds_for_wasm(tempfile::tempdir().expect("temp dir").path()).expect("readable"), None);
    }
}
