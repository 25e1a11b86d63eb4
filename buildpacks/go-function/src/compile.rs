//! Compiling the module's main package into one static, reproducible binary.

use kiln_buildpack::{print, stream_tool, ToolError};
use libcnb::Env;
use std::path::Path;
use std::process::Command;

/// Flags that make the same source give a byte-identical binary: no build paths, no VCS
/// stamp, no symbol table or DWARF (also the smallest binary).
const GO_BUILD_FLAGS: [&str; 4] = ["build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w"];

/// The package to compile: a directory relative to the source root, as go expects (`.`,
/// `./_kiln_function_main`), and the `-overlay` file that adds generated files, if any.
pub(crate) struct Package<'a> {
    pub(crate) dir: &'a str,
    pub(crate) overlay: Option<&'a Path>,
}

/// `go build` of `package` of the module in `app_dir` into `output`, with the Go environment
/// `env`.
pub(crate) fn go_build_command(env: &Env, app_dir: &Path, package: &Package<'_>, output: &Path) -> Command {
    let mut command = Command::new("go");
    command
        .args(GO_BUILD_FLAGS)
        .args(package.overlay.map(|overlay| format!("-overlay={}", overlay.display())))
        .arg("-o")
        .arg(output)
        .arg(package.dir)
        // Relative paths in go's messages (./main.go:7:2) read from the source root.
        .current_dir(app_dir)
        .env_clear()
        .envs(env);
    command
}

/// Compiles `package` into `output`, go's output streamed into the build log.
pub(crate) fn compile(env: &Env, app_dir: &Path, package: &Package<'_>, output: &Path) -> Result<(), ToolError> {
    if app_dir.join("vendor/modules.txt").is_file() {
        print::sub_bullet("Using the vendor/ directory (go builds with -mod=vendor)");
    }
    stream_tool(&mut go_build_command(env, app_dir, package, output))
}

/// These run the machine's real `go` (the same toolchain the tests' mirror serves).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{fixture, test_env};
    use kiln_buildpack::run_streamed;
    use std::fs;
    use std::io;

    const ROOT: Package<'static> = Package { dir: ".", overlay: None };

    fn tiny_module(dir: &Path) {
        fs::write(dir.join("go.mod"), "module example.com/tiny\n\ngo 1.26\n").expect("go.mod");
        fs::write(dir.join("main.go"), "package main\n\nfunc main() { println(\"tiny\") }\n").expect("main.go");
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
                run_streamed(&mut go_build_command(&env, source, &ROOT, &binary), io::sink(), io::sink())
                    .expect("go build");
                fs::read(binary).expect("binary")
            })
            .collect();
        assert!(binaries[0] == binaries[1], "binaries differ between source directories");
    }

    #[test]
    fn compile_errors_reach_the_log_once_with_their_relative_file_and_line() {
        let output = tempfile::tempdir().expect("temp dir");
        let mut log = Vec::new();
        let mut command = go_build_command(&test_env(), &fixture("go-syntax-error"), &ROOT, &output.path().join("app"));
        let error = run_streamed(&mut command, io::sink(), &mut log).expect_err("a syntax error must fail");
        let log = String::from_utf8_lossy(&log);
        assert!(log.contains("./main.go:8:"), "{log}");
        assert!(matches!(error, ToolError::Failed { .. }), "{error:?}");
        assert!(!error.to_string().contains("main.go"), "{error}");
        assert!(!output.path().join("app").exists());
    }

    #[test]
    fn the_overlay_comes_before_the_output_and_package() {
        let command = go_build_command(
            &Env::new(),
            Path::new("/workspace"),
            &Package { dir: "./gen", overlay: Some(Path::new("/tmp/overlay.json")) },
            Path::new("/layers/app/bin/app"),
        );
        assert_eq!(
            kiln_buildpack::shown_command(&command),
            "go build -trimpath -buildvcs=false '-ldflags=-s -w' -overlay=/tmp/overlay.json -o /layers/app/bin/app ./gen"
        );
    }
}
