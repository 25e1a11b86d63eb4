//! Running a tool (a compiler, a package manager) with its output streamed into the build log,
//! and its failure as an error the buildpack turns into its message.

use crate::print;
use crate::style;
use kiln_error::{ErrorKind, ErrorMessage};
use std::io::{self, Write};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    #[error("cannot run `{program}`: {source}")]
    Spawn {
        program: String,
        #[source]
        source: io::Error,
    },
    /// The tool's own messages were streamed to the log as it ran; repeating them here would
    /// print every error twice.
    #[error("`{program}` failed ({status}): its messages are in the output above")]
    Failed { program: String, status: ExitStatus },
}

impl ToolError {
    /// The message for this failure: a run that failed gets `kind`, `header` and `advice` (the
    /// user's code, usually); a tool that cannot even start means the toolchain layer is broken.
    #[must_use]
    pub fn message(self, kind: ErrorKind, header: &str, advice: &str) -> ErrorMessage {
        match self {
            Self::Failed { .. } => ErrorMessage::new(kind, header, self.to_string(), advice),
            Self::Spawn { ref program, .. } => ErrorMessage::new(
                ErrorKind::CacheFailed,
                format!("Cannot run `{program}`"),
                self.to_string(),
                "The toolchain layer is incomplete: clear the build cache and build again.",
            ),
        }
    }
}

/// `command` as a person would type it, arguments with spaces quoted.
#[must_use]
pub fn shown_command(command: &Command) -> String {
    let words = std::iter::once(command.get_program()).chain(command.get_args()).map(|word| {
        let word = word.to_string_lossy();
        if word.contains(' ') {
            format!("'{word}'")
        } else {
            word.into_owned()
        }
    });
    words.collect::<Vec<_>>().join(" ")
}

/// Runs `command`, copying its stdout and stderr to `stdout` and `stderr` as they come.
pub fn run_streamed(
    command: &mut Command,
    mut stdout: impl Write + Send,
    mut stderr: impl Write + Send,
) -> Result<(), ToolError> {
    let program = command.get_program().to_string_lossy().into_owned();
    let spawn_error = |source| ToolError::Spawn { program: program.clone(), source };
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().map_err(spawn_error)?;
    let (Some(mut child_stdout), Some(mut child_stderr)) = (child.stdout.take(), child.stderr.take()) else {
        unreachable!("both outputs are piped");
    };
    // A log that cannot be written must not stop the tool: what it prints is lost, its exit
    // status still decides.
    std::thread::scope(|threads| {
        threads.spawn(|| io::copy(&mut child_stdout, &mut stdout));
        threads.spawn(|| io::copy(&mut child_stderr, &mut stderr));
    });
    let status = child.wait().map_err(spawn_error)?;
    if status.success() {
        Ok(())
    } else {
        Err(ToolError::Failed { program, status })
    }
}

/// Logs `command` and runs it with its output streamed into the build log.
pub fn stream_tool(command: &mut Command) -> Result<(), ToolError> {
    let announcement = format!("Running {}", style::command(shown_command(command)));
    print::sub_stream_with(announcement, |stdout, stderr| run_streamed(command, stdout, stderr))
}

/// A tool that failed, with everything it printed.
#[derive(Debug)]
pub struct CapturedFailure {
    pub error: ToolError,
    pub output: String,
}

/// As [`stream_tool`], also keeping the output, so that a failure's message can quote the
/// lines that explain it (the requirement uv could not find, the dependency npm could not
/// install).
pub fn run_captured(command: &mut Command) -> Result<(), CapturedFailure> {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let announcement = format!("Running {}", style::command(shown_command(command)));
    let result = print::sub_stream_with(announcement, |stdout, stderr| {
        run_streamed(command, Keeping(stdout, Arc::clone(&kept)), Keeping(stderr, Arc::clone(&kept)))
    });
    result.map_err(|error| {
        let output = kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        CapturedFailure { error, output: String::from_utf8_lossy(&output).into_owned() }
    })
}

/// A writer that passes everything on and keeps a copy.
struct Keeping<W>(W, Arc<Mutex<Vec<u8>>>);

impl<W: Write> Write for Keeping<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.write_all(bytes)?;
        self.1.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn streams_both_outputs_and_maps_a_failure() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        run_streamed(&mut shell("echo out; echo err >&2"), &mut out, &mut err).expect("succeeds");
        assert_eq!((out.as_slice(), err.as_slice()), (&b"out\n"[..], &b"err\n"[..]));

        let failed = run_streamed(&mut shell("exit 3"), io::sink(), io::sink()).expect_err("fails");
        assert!(matches!(failed, ToolError::Failed { .. }), "{failed:?}");
        let message = failed.message(ErrorKind::CompileError, "Compiling failed", "Fix it.");
        assert_eq!((message.kind, message.header.as_str()), (ErrorKind::CompileError, "Compiling failed"));
        assert!(message.body.contains("`sh` failed"), "{}", message.body);
    }

    #[test]
    fn a_tool_that_cannot_start_points_at_the_toolchain_layer() {
        let error = run_streamed(&mut Command::new("/nonexistent/kiln-tool"), io::sink(), io::sink())
            .expect_err("cannot start");
        let message = error.message(ErrorKind::CompileError, "unused", "unused");
        assert_eq!(message.kind, ErrorKind::CacheFailed);
        assert!(message.advice.contains("clear the build cache"), "{}", message.advice);
    }

    #[test]
    fn a_captured_failure_keeps_both_outputs() {
        run_captured(&mut shell("echo fine")).expect("succeeds");
        let failure =
            run_captured(&mut shell("echo resolving; echo 'no such package: x' >&2; exit 1")).expect_err("fails");
        assert!(matches!(failure.error, ToolError::Failed { .. }), "{failure:?}");
        assert!(failure.output.contains("resolving") && failure.output.contains("no such package: x"), "{failure:?}");
    }

    #[test]
    fn shows_the_command_with_quoted_arguments() {
        let mut command = Command::new("go");
        command.args(["build", "-ldflags=-s -w", "."]);
        assert_eq!(shown_command(&command), "go build '-ldflags=-s -w' .");
    }
}
