//! A buildpack's failure: printed for people in `bullet_stream`'s error style, followed by one
//! record line that the platform reads back from the log.

use crate::ErrorKind;
use serde::{Deserialize, Serialize};
use std::io::Write;

/// Starts the record line. The lifecycle prints a buildpack's output verbatim, so the line
/// reaches the platform as written; it is the only part of the output kiln parses.
pub const RECORD_PREFIX: &str = "kiln-error: ";

/// A failure as the user reads it and as the platform receives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorMessage {
    pub kind: ErrorKind,
    /// One line naming the problem, e.g. "Go 1.99 is not available".
    pub header: String,
    /// The details: what was tried, tool output.
    pub body: String,
    /// What to change to fix it.
    pub advice: String,
}

impl ErrorMessage {
    #[must_use]
    pub fn new(kind: ErrorKind, header: impl Into<String>, body: impl Into<String>, advice: impl Into<String>) -> Self {
        Self { kind, header: header.into(), body: body.into(), advice: advice.into() }
    }

    /// The body followed by the advice, as printed under the header.
    #[must_use]
    pub fn details(&self) -> String {
        format!("{}\n\n{}", self.body.trim_end(), self.advice)
    }

    /// Prints the message to stderr, where the lifecycle collects a buildpack's output.
    pub fn print(&self) {
        let _stderr = self.print_to(std::io::stderr());
    }

    /// Writes the message for people, then the record line for the platform, to `out`.
    pub fn print_to<W: Write + Send + Sync + 'static>(&self, out: W) -> W {
        let text = format!("{}\n\n{}", self.header, self.details());
        let mut out = bullet_stream::Print::new(out).without_header().error(text);
        // A failure to serialize four strings and a unit enum cannot happen; a failure to
        // write means nobody reads the log.
        if let Ok(record) = serde_json::to_string(self) {
            let _ = writeln!(out, "{RECORD_PREFIX}{record}");
        }
        out
    }

    /// The last message a kiln buildpack printed in `log` (a failed build's log ends with the
    /// one that failed it).
    #[must_use]
    pub fn last_in(log: &str) -> Option<Self> {
        log.lines().rev().find_map(|line| {
            let record = &line[line.find(RECORD_PREFIX)? + RECORD_PREFIX.len()..];
            // Anything after the JSON object (a colour reset a log viewer added) is not ours.
            serde_json::from_str(&record[..=record.rfind('}')?]).ok()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: ErrorKind, header: &str) -> ErrorMessage {
        ErrorMessage::new(kind, header, "`F` is declared as\n  func()\n", "Change `F` to \"func(w, r)\".")
    }

    fn printed(message: &ErrorMessage) -> String {
        String::from_utf8(message.print_to(Vec::new())).expect("utf-8")
    }

    #[test]
    fn what_a_buildpack_prints_the_platform_reads_back() {
        let sent = message(ErrorKind::WrongSignature, "Function `F` has the wrong signature");
        let log = format!("===> BUILDING\nsome tool output\n{}ERROR: failed to build: exit status 1\n", printed(&sent));
        assert_eq!(ErrorMessage::last_in(&log), Some(sent));
    }

    #[test]
    fn people_read_the_header_body_and_advice() {
        let text = printed(&message(ErrorKind::WrongSignature, "Function `F` has the wrong signature"));
        for part in ["Function `F` has the wrong signature", "  func()", "Change `F`"] {
            assert!(text.contains(part), "no `{part}` in:\n{text}");
        }
    }

    #[test]
    fn the_last_record_wins_and_colour_around_it_is_ignored() {
        let first = message(ErrorKind::DownloadFailed, "first");
        let second = message(ErrorKind::CompileError, "second");
        let log = format!("{}\u{1b}[0m{}\u{1b}[0m\n", printed(&first), printed(&second));
        assert_eq!(ErrorMessage::last_in(&log).map(|message| message.header), Some("second".to_string()));
    }

    #[test]
    fn a_log_without_a_record_has_no_message() {
        assert_eq!(ErrorMessage::last_in("[Error: an old-style header]\ndetails\n"), None);
        assert_eq!(ErrorMessage::last_in("kiln-error: {not json"), None);
        assert_eq!(ErrorMessage::last_in(""), None);
    }
}
