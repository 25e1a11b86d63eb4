//! A tool run with its output streamed into the build log and kept, so that a failure's
//! message can quote the lines that explain it (uv naming the requirement it could not find,
//! Python naming the file and line of a syntax error).

use kiln_buildpack::{print, run_streamed, shown_command, style, ToolError};
use std::io::{self, Write};
use std::process::Command;
use std::sync::{Arc, Mutex};

/// The tool failed; `output` is everything it printed.
#[derive(Debug)]
pub(crate) struct CapturedFailure {
    pub(crate) error: ToolError,
    pub(crate) output: String,
}

/// Runs `command` under a "Running …" line; returns what it printed.
pub(crate) fn run_captured(command: &mut Command) -> Result<String, CapturedFailure> {
    let kept = Arc::new(Mutex::new(Vec::new()));
    let announcement = format!("Running {}", style::command(shown_command(command)));
    let result = print::sub_stream_with(announcement, |stdout, stderr| {
        run_streamed(command, Tee(stdout, Arc::clone(&kept)), Tee(stderr, Arc::clone(&kept)))
    });
    let output = String::from_utf8_lossy(&kept.lock().unwrap_or_else(std::sync::PoisonError::into_inner)).into_owned();
    result.map(|()| output.clone()).map_err(|error| CapturedFailure { error, output })
}

struct Tee<W>(W, Arc<Mutex<Vec<u8>>>);

impl<W: Write> Write for Tee<W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.1.lock().unwrap_or_else(std::sync::PoisonError::into_inner).extend_from_slice(bytes);
        self.0.write_all(bytes)?;
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// The last `count` lines of `output` that say something.
pub(crate) fn last_lines(output: &str, count: usize) -> String {
    let lines: Vec<&str> = output.lines().filter(|line| !line.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}
