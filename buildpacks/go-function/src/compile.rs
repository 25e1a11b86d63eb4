//! Compiling the module's main package into one static, reproducible binary.

use libcnb::Env;
use libherokubuildpack::command::CommandExt;
use libherokubuildpack::log::log_info;
use std::path::Path;
use std::process::{Command, ExitStatus};

/// Flags that make the same source give a byte-identical binary: no build paths, no VCS
/// stamp, no symbol table or DWARF (also the smallest binary).
const GO_BUILD_FLAGS: [&str; 4] = ["build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w"];

#[derive(Debug, thiserror::Error)]
pub(crate) enum CompileError {
    #[error("cannot run `go build`: {0}. The Go toolchain layer is incomplete: clear the build cache and build again")]
    Spawn(#[source] std::io::Error),
    #[error("go build failed ({status}):\n{output}")]
    Failed { status: ExitStatus, output: String },
}

/// Builds the package in `package_dir` (relative to `app_dir`, as go expects: `.`) into
/// `output`, streaming go's output to the build log.
pub(crate) fn go_build(
    env: &Env,
    app_dir: &Path,
    package_dir: &str,
    output: &Path,
) -> Result<(), CompileError> {
    if app_dir.join("vendor/modules.txt").is_file() {
        log_info("Using the vendor/ directory (go builds with -mod=vendor)");
    }
    let mut command = Command::new("go");
    command
        .args(GO_BUILD_FLAGS)
        .arg("-o")
        .arg(output)
        .arg(package_dir)
        // Relative paths in go's messages (./main.go:7:2) read from the source root.
        .current_dir(app_dir)
        .env_clear()
        .envs(env);
    let shown_flags: Vec<String> = GO_BUILD_FLAGS
        .iter()
        .map(|flag| {
            if flag.contains(' ') {
                format!("'{flag}'")
            } else {
                (*flag).to_string()
            }
        })
        .collect();
    log_info(format!(
        "Running: go {} -o {} {package_dir}",
        shown_flags.join(" "),
        output.display()
    ));
    let result = command
        .output_and_write_streams(std::io::stdout(), std::io::stderr())
        .map_err(CompileError::Spawn)?;
    if result.status.success() {
        return Ok(());
    }
    let mut output = String::from_utf8_lossy(&result.stderr).into_owned();
    output.push_str(&String::from_utf8_lossy(&result.stdout));
    Err(CompileError::Failed {
        status: result.status,
        output,
    })
}

/// These run the machine's real `go` (the same toolchain the tests' mirror serves).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::go_env::{go_build_env, GoCaches};
    use std::fs;
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../test-fixtures")
            .join(name)
    }

    /// Shared across runs so only the first run compiles the runtime.
    fn test_env() -> Env {
        let caches_root = std::env::temp_dir().join("kiln-go-function-tests");
        let module_cache = caches_root.join("modules");
        let build_cache = caches_root.join("build");
        let caches = GoCaches {
            module_cache: &module_cache,
            build_cache: &build_cache,
        };
        go_build_env(&Env::from_current(), &Env::new(), &caches)
    }

    fn tiny_module(dir: &Path) {
        fs::write(dir.join("go.mod"), "module example.com/tiny\n\ngo 1.26\n").expect("go.mod");
        fs::write(
            dir.join("main.go"),
            "package main\n\nfunc main() { println(\"tiny\") }\n",
        )
        .expect("main.go");
    }

    #[test]
    fn the_same_source_in_another_directory_gives_the_same_binary() {
        let first = tempfile::tempdir().expect("temp dir");
        let second = tempfile::tempdir().expect("temp dir");
        let output = tempfile::tempdir().expect("temp dir");
        let env = test_env();
        let binaries: Vec<Vec<u8>> = [first.path(), second.path()]
            .iter()
            .enumerate()
            .map(|(index, source)| {
                tiny_module(source);
                let binary = output.path().join(format!("app{index}"));
                go_build(&env, source, ".", &binary).expect("go build");
                fs::read(binary).expect("binary")
            })
            .collect();
        assert!(
            binaries[0] == binaries[1],
            "binaries differ between source directories"
        );
    }

    #[test]
    fn compile_errors_keep_their_relative_file_and_line() {
        let output = tempfile::tempdir().expect("temp dir");
        let error = go_build(
            &test_env(),
            &fixture("go-syntax-error"),
            ".",
            &output.path().join("app"),
        )
        .expect_err("a syntax error must fail");
        let CompileError::Failed { output: log, .. } = error else {
            panic!("expected a failed build, got {error:?}");
        };
        assert!(log.contains("./main.go:8:"), "{log}");
        assert!(!output.path().join("app").exists());
    }
}
