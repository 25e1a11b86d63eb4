//! What a failed tool's kept output says, for its message (see [`kiln_buildpack::run_captured`]).

/// The last `count` lines of `output` that say something.
pub(crate) fn last_lines(output: &str, count: usize) -> String {
    let lines: Vec<&str> = output.lines().filter(|line| !line.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}
