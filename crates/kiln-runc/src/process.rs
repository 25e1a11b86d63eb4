//! A process run directly, not in a container: the lifecycle when kiln itself runs inside the
//! builder image (a CI job's or a Shipwright step's container). Its output is shown and kept
//! like a container's, and SIGINT or SIGTERM received by kiln stop it.

use crate::container::{exit_code, RuncError, StopSignals};
use crate::tee::Pipe;
use crate::CapturedRun;
use std::process::Stdio as ProcessStdio;
use tokio::process::Command;

/// Runs `command` to its end, showing its stdout and stderr on kiln's stderr as they arrive
/// and keeping the last `keep` bytes (see [`crate::run_teed`]). A signal kiln receives kills
/// the process and fails the run with [`RuncError::Interrupted`]: a build cut short must not
/// count, and the lifecycle publishes nothing until its very end.
pub async fn run_process_teed(mut command: Command, keep: usize) -> Result<CapturedRun, RuncError> {
    let mut stops = StopSignals::listen()?;
    let (pipe, writers) = Pipe::new().map_err(RuncError::Relay)?;
    let mut child = command
        .stdin(ProcessStdio::null())
        .stdout(writers.stdout)
        .stderr(writers.stderr)
        .kill_on_drop(true)
        .spawn()
        .map_err(RuncError::Start)?;
    // The child holds the only write ends now: the pipe closes when it exits.
    drop(command);
    let relay = pipe.relay(keep);
    let stopped_by = tokio::select! {
        status = child.wait() => {
            let status = status.map_err(RuncError::Wait);
            let output = relay.finish().await;
            return Ok(CapturedRun { code: exit_code(status?), output });
        }
        _ = stops.interrupt.recv() => "SIGINT",
        _ = stops.terminate.recv() => "SIGTERM",
    };
    let _ = child.start_kill();
    let _ = child.wait().await;
    relay.finish().await;
    Err(RuncError::Interrupted { signal: stopped_by })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn keeps_the_output_and_the_exit_code() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo out; echo err >&2; exit 3"]);
        let run = run_process_teed(command, 1024).await.expect("ran");
        assert_eq!(run.code, 3);
        assert!(run.output.contains("out\n") && run.output.contains("err\n"), "{:?}", run.output);
    }

    #[tokio::test]
    async fn a_missing_program_is_a_start_error() {
        let error = run_process_teed(Command::new("/nonexistent/kiln-test-program"), 16).await.expect_err("missing");
        assert!(matches!(error, RuncError::Start(_)), "{error:?}");
    }
}
