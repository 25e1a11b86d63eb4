//! What this buildpack builds: a Rust crate whose cargo config builds for wasm32-wasip2, or a
//! prebuilt component: the file `FUNC_SRC` names, else the only `*.wasm` at the source root.

use kiln_function::FUNCTION_SOURCE;
use kiln_rust::{builds_for_wasm, WasmTargetError, WASM_TARGET};
use libcnb::Env;
use std::path::{Path, PathBuf};

/// Shown by `kiln build` when no buildpack detects; kept in step with buildpack.toml's
/// `[metadata.kiln] detects` by a test.
pub(crate) const DETECTS: &str = "a Cargo.toml whose .cargo/config.toml sets build.target = \"wasm32-wasip2\", the .wasm file FUNC_SRC names, or a single .wasm file at the source root";

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Source {
    /// A crate to compile for wasm32-wasip2.
    Crate,
    /// A component as it is, relative to the source root.
    Prebuilt(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum DetectError {
    #[error(transparent)]
    CargoConfig(#[from] WasmTargetError),
    #[error("cannot list the source root: {0}")]
    ReadRoot(std::io::Error),
}

/// The source to build, or why there is none.
pub(crate) fn detect(app_dir: &Path, platform_env: &Env) -> Result<Result<Source, String>, DetectError> {
    if let Some(named) =
        platform_env.get_string_lossy(FUNCTION_SOURCE.name).filter(|name| is_wasm_file(Path::new(name)))
    {
        return Ok(Ok(Source::Prebuilt(PathBuf::from(named))));
    }
    if app_dir.join("Cargo.toml").is_file() {
        return Ok(match builds_for_wasm(app_dir)? {
            Some(_) => Ok(Source::Crate),
            None => Err(format!(
                "The Cargo.toml's crate does not build for {WASM_TARGET}: set build.target = \"{WASM_TARGET}\" in .cargo/config.toml to build a Wasm function."
            )),
        });
    }
    let mut components = Vec::new();
    for entry in std::fs::read_dir(app_dir).map_err(DetectError::ReadRoot)? {
        let path = entry.map_err(DetectError::ReadRoot)?.path();
        if is_wasm_file(&path) && path.is_file() {
            components.push(PathBuf::from(path.file_name().unwrap_or_default()));
        }
    }
    components.sort();
    Ok(match components.as_slice() {
        [one] => Ok(Source::Prebuilt(one.clone())),
        [] => Err("No Cargo.toml and no .wasm file at the source root.".to_string()),
        several => Err(format!(
            "Several .wasm files at the source root ({}): set {} to the component to serve.",
            several.iter().map(|path| path.display().to_string()).collect::<Vec<_>>().join(", "),
            FUNCTION_SOURCE.name
        )),
    })
}

/// A `.wasm` file name, in any case (`FUNCTION.WASM` too).
fn is_wasm_file(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("wasm"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(files: &[(&str, &str)], env: &[(&str, &str)]) -> Result<Source, String> {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("dirs");
            std::fs::write(path, text).expect("write");
        }
        let mut platform_env = Env::new();
        for (name, value) in env {
            platform_env.insert(name, value);
        }
        detect(dir.path(), &platform_env).expect("readable")
    }

    const CARGO_TOML: (&str, &str) = ("Cargo.toml", "[package]\nname = \"f\"\nversion = \"0.1.0\"\n");
    const WASM_CONFIG: (&str, &str) = (".cargo/config.toml", "[build]\ntarget = \"wasm32-wasip2\"\n");

    #[test]
    fn wasm_crates_and_prebuilt_components_are_detected() {
        assert_eq!(detected(&[CARGO_TOML, WASM_CONFIG], &[]), Ok(Source::Crate));
        assert_eq!(detected(&[("hello.wasm", "")], &[]), Ok(Source::Prebuilt("hello.wasm".into())));
        assert_eq!(
            detected(&[("a.wasm", ""), ("b.wasm", "")], &[("FUNC_SRC", "b.wasm")]),
            Ok(Source::Prebuilt("b.wasm".into()))
        );
    }

    #[test]
    fn other_sources_are_left_to_other_buildpacks_with_the_reason() {
        assert!(detected(&[CARGO_TOML], &[]).expect_err("a native crate").contains("does not build for wasm32-wasip2"));
        assert!(detected(&[("main.go", "")], &[]).expect_err("no wasm").contains("no .wasm file"));
        let several = detected(&[("a.wasm", ""), ("b.wasm", "")], &[]).expect_err("two components");
        assert!(several.contains("a.wasm, b.wasm") && several.contains("FUNC_SRC"), "{several}");
    }

    #[test]
    fn the_detect_summary_matches_buildpack_toml() {
        let descriptor: toml::Table = toml::from_str(include_str!("../buildpack.toml")).expect("valid TOML");
        assert_eq!(descriptor["metadata"]["kiln"]["detects"].as_str(), Some(DETECTS));
    }
}
