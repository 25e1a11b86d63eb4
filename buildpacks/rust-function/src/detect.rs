//! What this buildpack builds: a Cargo package or workspace (`Cargo.toml` at the source root),
//! unless its `.cargo/config.toml` builds for `wasm32-wasip2`, which the Wasm buildpack builds.

use kiln_rust::{builds_for_wasm, WasmTargetError, WASM_TARGET};
use std::path::Path;

/// Shown by `kiln build` when no buildpack detects; kept in step with buildpack.toml's
/// `[metadata.kiln] detects` by a test.
pub(crate) const DETECTS: &str =
    "a Cargo.toml at the source root (crates built for wasm32-wasip2 are the Wasm buildpack's)";

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Detection {
    Pass,
    Fail(String),
}

pub(crate) fn has_cargo_toml(app_dir: &Path) -> bool {
    app_dir.join("Cargo.toml").is_file()
}

pub(crate) fn detect(app_dir: &Path) -> Result<Detection, WasmTargetError> {
    if !has_cargo_toml(app_dir) {
        return Ok(Detection::Fail(
            "No Cargo.toml at the source root: kiln/rust-function builds Cargo packages. \
             Run `cargo init` (an app) or `cargo init --lib` (a function) in the source root."
                .to_string(),
        ));
    }
    if let Some(name) = builds_for_wasm(app_dir)? {
        return Ok(Detection::Fail(format!(
            ".cargo/{name} sets build.target to {WASM_TARGET}: the Wasm buildpack builds this crate, \
             not kiln/rust-function."
        )));
    }
    Ok(Detection::Pass)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("dirs");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    fn detected(files: &[(&str, &str)]) -> Detection {
        detect(source(files).path()).expect("readable")
    }

    const CARGO_TOML: (&str, &str) = ("Cargo.toml", "[package]\nname = \"f\"\nversion = \"0.1.0\"\n");

    #[test]
    fn detects_cargo_packages_but_not_wasm_ones() {
        assert_eq!(detected(&[CARGO_TOML]), Detection::Pass);
        assert_eq!(detected(&[CARGO_TOML, (".cargo/config.toml", "[build]\njobs = 2\n")]), Detection::Pass);
        for config in [
            ("config.toml", "[build]\ntarget = \"wasm32-wasip2\"\n"),
            ("config", "build.target = [\"wasm32-wasip2\"]\n"),
        ] {
            let Detection::Fail(reason) = detected(&[CARGO_TOML, (&format!(".cargo/{}", config.0), config.1)]) else {
                panic!("{config:?} was detected");
            };
            assert!(reason.contains("the Wasm buildpack"), "{reason}");
        }
        let Detection::Fail(reason) = detected(&[("main.rs", "fn main() {}")]) else { panic!("no Cargo.toml passed") };
        assert!(reason.contains("No Cargo.toml"), "{reason}");
    }

    #[test]
    fn the_detect_summary_matches_buildpack_toml() {
        let descriptor: toml::Table = toml::from_str(include_str!("../buildpack.toml")).expect("valid TOML");
        assert_eq!(descriptor["metadata"]["kiln"]["detects"].as_str(), Some(DETECTS));
    }
}
