//! A failed buildpack's own error message, read back from the creator's log.
//!
//! kiln's buildpacks print their errors with libherokubuildpack's `log_error`: a line
//! `[Error: <header>]`, then the details (what went wrong, then what to change). The lifecycle
//! then logs its own lines (`ERROR: failed to build: …`; for a detect step, `======== Results`
//! and `ERROR: …`) and exits. Buildpacks that print errors otherwise yield nothing here, and
//! the error stays a pointer to the log.

use crate::log_text::without_escapes;

/// How the lifecycle's own lines after a buildpack's output start; the first ends the message.
const LIFECYCLE_LINES: [&str; 2] = ["ERROR: ", "======== "];

/// A buildpack's message about its failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildpackMessage {
    /// One line naming the problem.
    pub header: String,
    /// What went wrong in detail and what to change; may span lines, may be empty.
    pub details: String,
}

impl BuildpackMessage {
    /// "header: details", or the header alone when there are no details.
    pub(crate) fn to_text(&self) -> String {
        if self.details.is_empty() {
            self.header.clone()
        } else {
            format!("{}: {}", self.header, self.details)
        }
    }
}

/// The last error message a buildpack printed in `log` (a failed build's or detection's log
/// ends with the one that failed it), if it printed one in the `log_error` style.
pub(crate) fn buildpack_message(log: &str) -> Option<BuildpackMessage> {
    let lines: Vec<String> = log.lines().map(without_escapes).collect();
    let (start, header) =
        lines.iter().enumerate().rev().find_map(|(index, line)| error_header(line).map(|header| (index, header)))?;
    let details: Vec<&str> = lines[start + 1..]
        .iter()
        .take_while(|line| !LIFECYCLE_LINES.iter().any(|start| line.starts_with(start)))
        .map(|line| line.trim_end())
        .collect();
    Some(BuildpackMessage {
        header: header.to_string(),
        // Blank lines around the details go; blank lines inside (before the advice) and each
        // line's indentation stay.
        details: details.join("\n").trim_matches('\n').to_string(),
    })
}

/// The header in a `[Error: <header>]` line.
fn error_header(line: &str) -> Option<&str> {
    let header = line.trim().strip_prefix("[Error: ")?.strip_suffix(']')?.trim();
    (!header.is_empty()).then_some(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A creator log as kiln saw it: the go-function buildpack rejecting a function.
    const WRONG_SIGNATURE: &str = "\
===> BUILDING
\u{1b}[0m\u{1b}[1m\u{1b}[31m\u{1b}[0m
\u{1b}[0m\u{1b}[1m\u{1b}[31m[Error: Function `HelloWorld` has the wrong signature]\u{1b}[0m
\u{1b}[0m\u{1b}[31m`HelloWorld` is declared as\u{1b}[0m
\u{1b}[0m\u{1b}[31m  func(w http.ResponseWriter)\u{1b}[0m
\u{1b}[0m\u{1b}[31mbut a function of signature type `http` must be\u{1b}[0m
\u{1b}[0m\u{1b}[31m  func(http.ResponseWriter, *http.Request)\u{1b}[0m
\u{1b}[0m\u{1b}[31m\u{1b}[0m
\u{1b}[0m\u{1b}[31mChange `HelloWorld` to the signature above, or set FUNC_SIGNATURE_TYPE to the type it implements (`http` or `cloudevent`).\u{1b}[0m
\u{1b}[31;1mERROR: \u{1b}[0mfailed to build: exit status 1
";

    /// A creator log of a detect step that errored (an invalid `FUNC_SRC`).
    const DETECT_ERROR: &str = "\
\u{1b}[36m===> DETECTING\u{1b}[0m
======== Output: kiln/go-function@0.1.0 ========
\u{1b}[0m\u{1b}[1m\u{1b}[31m[Error: FUNC_SRC does not name a directory of the source]\u{1b}[0m
\u{1b}[0m\u{1b}[31mFUNC_SRC is `../x`: it contains `..`\u{1b}[0m
\u{1b}[0m\u{1b}[31m\u{1b}[0m
\u{1b}[0m\u{1b}[31mSet FUNC_SRC to the function's directory.\u{1b}[0m
======== Results ========
err:  kiln/go-function@0.1.0 (1)
\u{1b}[31;1mERROR: \u{1b}[0mNo buildpack groups passed detection.
";

    #[test]
    fn reads_a_detect_steps_error_up_to_the_lifecycles_results() {
        let message = buildpack_message(DETECT_ERROR).expect("a message");
        assert_eq!(message.header, "FUNC_SRC does not name a directory of the source");
        assert_eq!(
            message.details,
            "FUNC_SRC is `../x`: it contains `..`\n\nSet FUNC_SRC to the function's directory."
        );
    }

    #[test]
    fn reads_the_header_and_details_without_colours() {
        let message = buildpack_message(WRONG_SIGNATURE).expect("a message");
        assert_eq!(message.header, "Function `HelloWorld` has the wrong signature");
        assert_eq!(
            message.details,
            "`HelloWorld` is declared as\n  \
             func(w http.ResponseWriter)\n\
             but a function of signature type `http` must be\n  \
             func(http.ResponseWriter, *http.Request)\n\
             \n\
             Change `HelloWorld` to the signature above, or set FUNC_SIGNATURE_TYPE to the type it \
             implements (`http` or `cloudevent`)."
        );
    }

    #[test]
    fn finds_nothing_in_a_log_without_an_error_block() {
        let log = "===> BUILDING\nsomething went wrong\n\u{1b}[31;1mERROR: \u{1b}[0mfailed to build: exit status 1\n";
        assert_eq!(buildpack_message(log), None);
        assert_eq!(buildpack_message(""), None);
    }

    #[test]
    fn takes_the_last_of_several_error_blocks() {
        let log = "\n[Error: First problem]\nfirst details\n\n[Error: Second problem]\n\nsecond details\n\n  indented advice\n\nERROR: failed to build: exit status 1\n";
        assert_eq!(
            buildpack_message(log),
            Some(BuildpackMessage {
                header: "Second problem".to_string(),
                details: "second details\n\n  indented advice".to_string(),
            })
        );
    }

    #[test]
    fn keeps_a_header_without_details() {
        let log = "[Error: Out of disk space]\nERROR: failed to build: exit status 1\n";
        let message = buildpack_message(log).expect("a message");
        assert_eq!(message.header, "Out of disk space");
        assert_eq!(message.details, "");
    }

    #[test]
    fn a_log_cut_before_the_lifecycle_error_keeps_what_follows_the_header() {
        assert_eq!(
            buildpack_message("[Error: Cut short]\ndetails\n").map(|message| message.details),
            Some("details".to_string())
        );
    }
}
