//! `cargo build --release` of the app's binary or the generated function server: the user's
//! cargo settings honoured, the paths that would differ between machines remapped, and the
//! binary found from cargo's own report of what it built.

use crate::layers::function_server::SERVER_PACKAGE;
use kiln_buildpack::{print, run_streamed, shown_command, style, ToolError};
use kiln_rust::cargo_env::{reproducible_config, CargoPaths};
use libcnb::Env;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the remapped paths appear in the binary and in messages: stable, and short.
const REMAPPED_SERVER: &str = "/kiln/function-server";

/// What to build.
pub(crate) struct BuildTarget<'a> {
    /// The manifest to build, when it is not the source root's (the generated server).
    pub(crate) manifest: Option<&'a Path>,
    pub(crate) package: &'a str,
    pub(crate) binary: &'a str,
    pub(crate) features: &'a [&'a str],
    /// `--locked`: the source's Cargo.lock must already say every version.
    pub(crate) locked: bool,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum CompileError {
    #[error(transparent)]
    Tool(ToolError),
    /// The user's code compiled, the generated server calling it did not: the function's
    /// types do not fit the signature.
    #[error("the generated server cannot call the function")]
    Generated,
    #[error("cargo reported no executable for the binary `{0}`")]
    NoExecutable(String),
}

pub(crate) fn cargo_build_command(env: &Env, app_dir: &Path, paths: &CargoPaths, target: &BuildTarget<'_>) -> Command {
    let mut command = Command::new("cargo");
    command.args(["build", "--release", "--message-format=json-render-diagnostics"]);
    if target.locked {
        command.arg("--locked");
    }
    if let Some(manifest) = target.manifest {
        command.arg("--manifest-path").arg(manifest);
    }
    command.args(["--package", target.package, "--bin", target.binary]);
    if !target.features.is_empty() {
        command.arg("--features").arg(target.features.join(","));
    }
    // A stripped binary, and no path of this build's machine in it or in messages.
    for config in reproducible_config(app_dir, paths, &[(paths.server.as_path(), REMAPPED_SERVER)]) {
        command.arg("--config").arg(config);
    }
    // cargo finds .cargo/config.toml from its working directory: the source's applies.
    command.current_dir(app_dir).env_clear().envs(env);
    command
}

/// Builds `target` and returns the path of its executable. Cargo's diagnostics stream into the
/// build log, but for those about the generated server: a failure there is
/// [`CompileError::Generated`].
pub(crate) fn compile(
    env: &Env,
    app_dir: &Path,
    paths: &CargoPaths,
    target: &BuildTarget<'_>,
) -> Result<PathBuf, CompileError> {
    let mut command = cargo_build_command(env, app_dir, paths, target);
    let announcement = format!("Running {}", style::command(shown_command(&command)));
    let mut report = Vec::new();
    let mut generated_failed = false;
    let result = print::sub_stream_with(announcement, |_stdout, stderr| {
        let mut filter = GeneratedDiagnostics::new(stderr);
        let result = run_streamed(&mut command, &mut report, &mut filter);
        generated_failed = filter.finish();
        result
    });
    match result {
        Ok(()) => {
            executable(&report, target.binary).ok_or_else(|| CompileError::NoExecutable(target.binary.to_string()))
        }
        Err(_) if generated_failed => Err(CompileError::Generated),
        Err(error) => Err(CompileError::Tool(error)),
    }
}

/// The executable of `binary` among cargo's JSON messages.
fn executable(report: &[u8], binary: &str) -> Option<PathBuf> {
    String::from_utf8_lossy(report)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find_map(|message| {
            let is_binary = message["reason"] == "compiler-artifact"
                && message["target"]["name"] == binary
                && message["target"]["kind"].as_array().is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"));
            message["executable"].as_str().filter(|_| is_binary).map(PathBuf::from)
        })
}

/// Passes cargo's stderr through, but for diagnostics about the generated server (told by the
/// name of its package and source directory), whose errors are reported as a signature mismatch.
struct GeneratedDiagnostics<W: Write> {
    out: W,
    line: Vec<u8>,
    block: Vec<u8>,
    hidden_error: bool,
}

impl<W: Write> GeneratedDiagnostics<W> {
    fn new(out: W) -> Self {
        Self { out, line: Vec::new(), block: Vec::new(), hidden_error: false }
    }

    fn take_line(&mut self) -> std::io::Result<()> {
        let line = std::mem::take(&mut self.line);
        let text = String::from_utf8_lossy(&line);
        let starts_block = text.starts_with("error") || text.starts_with("warning");
        // Cargo's status lines are right-aligned words: `   Compiling x v1`, `    Finished`.
        let trimmed = text.trim_start();
        let status = text.len() - trimmed.len() > 0 && trimmed.chars().next().is_some_and(char::is_uppercase);
        if starts_block || status || text.trim().is_empty() {
            self.end_block()?;
        }
        if starts_block {
            self.block = line;
            Ok(())
        } else if self.block.is_empty() {
            self.out.write_all(&line)
        } else {
            self.block.extend_from_slice(&line);
            Ok(())
        }
    }

    fn end_block(&mut self) -> std::io::Result<()> {
        let block = std::mem::take(&mut self.block);
        let text = String::from_utf8_lossy(&block);
        if text.contains(SERVER_PACKAGE) {
            self.hidden_error |= text.starts_with("error");
            Ok(())
        } else {
            self.out.write_all(&block)
        }
    }

    /// Writes what is left and says whether an error about the generated server was held back.
    fn finish(mut self) -> bool {
        if !self.line.is_empty() {
            self.line.push(b'\n');
            let _ = self.take_line();
        }
        let _ = self.end_block();
        let _ = self.out.flush();
        self.hidden_error
    }
}

impl<W: Write> Write for GeneratedDiagnostics<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for &byte in bytes {
            self.line.push(byte);
            if byte == b'\n' {
                self.take_line()?;
            }
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filtered(stderr: &str) -> (String, bool) {
        let mut out = Vec::new();
        let mut filter = GeneratedDiagnostics::new(&mut out);
        filter.write_all(stderr.as_bytes()).expect("written");
        let hidden = filter.finish();
        (String::from_utf8(out).expect("utf-8"), hidden)
    }

    #[test]
    fn diagnostics_about_the_generated_server_are_held_back() {
        let stderr = "   Compiling rust-http v0.1.0 (/workspace)\n\
            warning: unused variable: `x`\n --> ./src/lib.rs:3:9\n  |\n3 |     let x = 1;\n  |\n\n\
            \x20  Compiling kiln-function-server v0.1.0 (/kiln/function-server)\n\
            error[E0308]: mismatched types\n --> kiln-function-server/main.rs:4:60\n  |\n\n\
            error: could not compile `kiln-function-server` (bin \"kiln-function\") due to 1 previous error\n";
        let (shown, hidden) = filtered(stderr);
        assert!(hidden);
        assert!(shown.contains("./src/lib.rs:3:9"), "{shown}");
        assert!(shown.contains("Compiling kiln-function-server"), "{shown}");
        assert!(!shown.contains("mismatched") && !shown.contains("could not compile"), "{shown}");
    }

    #[test]
    fn errors_in_the_users_code_pass_with_their_file_and_line() {
        let stderr = "error[E0425]: cannot find value `nope` in this scope\n --> ./src/lib.rs:7:5\n  |\n\n\
            error: could not compile `rust-http` (lib) due to 1 previous error";
        let (shown, hidden) = filtered(stderr);
        assert!(!hidden);
        assert!(shown.contains("./src/lib.rs:7:5") && shown.contains("could not compile `rust-http`"), "{shown}");
    }

    #[test]
    fn cargo_runs_in_the_source_so_its_cargo_config_applies_with_paths_remapped_and_the_lock_enforced() {
        let paths = CargoPaths {
            home: "/layers/home".into(),
            registry: "/layers/registry".into(),
            git: "/layers/git".into(),
            target: "/layers/target".into(),
            server: "/layers/server".into(),
        };
        let target = BuildTarget { manifest: None, package: "app", binary: "app", features: &[], locked: true };
        let command = cargo_build_command(&Env::new(), Path::new("/workspace"), &paths, &target);
        assert_eq!(command.get_current_dir(), Some(Path::new("/workspace")));
        let shown = shown_command(&command);
        for expected in [
            "cargo build --release",
            "--locked",
            "--package app --bin app",
            "\"--remap-path-prefix=/workspace=.\"",
            "\"--remap-path-prefix=/layers/target=/target\"",
            "profile.release.strip = true",
        ] {
            assert!(shown.contains(expected), "no `{expected}` in {shown}");
        }
        let server = BuildTarget {
            manifest: Some(Path::new("/layers/server/Cargo.toml")),
            locked: false,
            features: &["cloudevent"],
            ..target
        };
        let shown = shown_command(&cargo_build_command(&Env::new(), Path::new("/workspace"), &paths, &server));
        assert!(
            shown.contains("--manifest-path /layers/server/Cargo.toml") && shown.contains("--features cloudevent"),
            "{shown}"
        );
        assert!(!shown.contains("--locked"), "{shown}");
    }

    #[test]
    fn the_executable_comes_from_cargos_report() {
        let report = br#"{"reason":"compiler-artifact","target":{"name":"serde","kind":["lib"]},"executable":null}
{"reason":"compiler-artifact","target":{"name":"app","kind":["bin"]},"executable":"/target/release/app"}
{"reason":"build-finished","success":true}
"#;
        assert_eq!(executable(report, "app"), Some(PathBuf::from("/target/release/app")));
        assert_eq!(executable(report, "other"), None);
    }
}
