//! Compiling the module's main package into one static, reproducible binary.

use libcnb::Env;
use libherokubuildpack::command::CommandExt;
use libherokubuildpack::log::log_info;
use std::io::Write;
use std::path::Path;
use std::process::{Command, ExitStatus};

/// Flags that make the same source give a byte-identical binary: no build paths, no VCS
/// stamp, no symbol table or DWARF (also the smallest binary).
const GO_BUILD_FLAGS: [&str; 4] = ["build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w"];

#[derive(Debug, thiserror::Error)]
pub(crate) enum CompileError {
    #[error("cannot run `go build`: {0}. The Go toolchain layer is incomplete: clear the build cache and build again")]
    Spawn(#[source] std::io::Error),
    /// go's own messages (with `file:line`) were streamed to the log as it ran; repeating
    /// them here would print every compile error twice.
    #[error("go build failed ({0}): its errors are in the output above")]
    Failed(ExitStatus),
}

/// The package to compile: a directory relative to the source root, as go expects (`.`,
/// `./_kiln_function_main`), and the `-overlay` file that adds generated files, if any.
pub(crate) struct Package<'a> {
    pub(crate) dir: &'a str,
    pub(crate) overlay: Option<&'a Path>,
}

/// Builds `package` of the module in `app_dir` into `output`, streaming go's stdout and
/// stderr to `go_stdout` and `go_stderr` (the build log).
pub(crate) fn go_build(
    env: &Env,
    app_dir: &Path,
    package: &Package<'_>,
    output: &Path,
    go_stdout: impl Write + Send,
    go_stderr: impl Write + Send,
) -> Result<(), CompileError> {
    if app_dir.join("vendor/modules.txt").is_file() {
        log_info("Using the vendor/ directory (go builds with -mod=vendor)");
    }
    let mut flags: Vec<String> = GO_BUILD_FLAGS.iter().map(ToString::to_string).collect();
    flags.extend(package.overlay.map(|overlay| format!("-overlay={}", overlay.display())));
    let mut command = Command::new("go");
    command
        .args(&flags)
        .arg("-o")
        .arg(output)
        .arg(package.dir)
        // Relative paths in go's messages (./main.go:7:2) read from the source root.
        .current_dir(app_dir)
        .env_clear()
        .envs(env);
    let shown_flags: Vec<String> =
        flags.iter().map(|flag| if flag.contains(' ') { format!("'{flag}'") } else { flag.clone() }).collect();
    log_info(format!("Running: go {} -o {} {}", shown_flags.join(" "), output.display(), package.dir));
    let status = command
        .spawn_and_write_streams(go_stdout, go_stderr)
        .and_then(|mut go| go.wait())
        .map_err(CompileError::Spawn)?;
    if status.success() {
        Ok(())
    } else {
        Err(CompileError::Failed(status))
    }
}

/// These run the machine's real `go` (the same toolchain the tests' mirror serves).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{fixture, test_env};
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
                go_build(&env, source, &ROOT, &binary, io::sink(), io::sink()).expect("go build");
                fs::read(binary).expect("binary")
            })
            .collect();
        assert!(binaries[0] == binaries[1], "binaries differ between source directories");
    }

    #[test]
    fn compile_errors_reach_the_log_once_with_their_relative_file_and_line() {
        let output = tempfile::tempdir().expect("temp dir");
        let mut log = Vec::new();
        let error =
            go_build(&test_env(), &fixture("go-syntax-error"), &ROOT, &output.path().join("app"), io::sink(), &mut log)
                .expect_err("a syntax error must fail");
        let log = String::from_utf8_lossy(&log);
        assert!(log.contains("./main.go:8:"), "{log}");
        assert!(matches!(error, CompileError::Failed(_)), "{error:?}");
        assert!(!error.to_string().contains("main.go"), "{error}");
        assert!(!output.path().join("app").exists());
    }
}
