//! What kiln tells people and machines: phases and progress on stderr, the result on stdout
//! (one JSON document with `--json`), errors as a message followed by their causes.

use crate::failure::Failure;
use serde::Serialize;
use std::io::Write;

pub(crate) struct Output {
    json: bool,
}

// Progress goes to stderr in both modes today; these stay methods so that where output goes
// remains the Output's decision, not every caller's.
#[allow(clippy::unused_self)]
impl Output {
    pub(crate) fn new(json: bool) -> Self {
        Self { json }
    }

    /// A step a person can follow, e.g. "Pulling builder".
    pub(crate) fn phase(&self, title: &str) {
        eprintln!("==> {title}");
    }

    /// A detail of the current phase: a cache decision, a digest, a size.
    pub(crate) fn info(&self, message: &str) {
        eprintln!("    {message}");
    }

    /// The command's result: `human` for people, `value` as JSON with `--json`.
    pub(crate) fn result<T: Serialize>(&self, human: &str, value: &T) {
        let mut stdout = std::io::stdout().lock();
        let written = if self.json {
            serde_json::to_writer(&mut stdout, value).map_err(std::io::Error::from).and_then(|()| writeln!(stdout))
        } else {
            writeln!(stdout, "{human}")
        };
        // stdout closed by the reader (e.g. `| head`): nothing useful left to do.
        drop(written);
    }

    /// Reports `error` (stderr for people; with `--json`, `{"error": {kind, message, advice,
    /// causes, hints}}` on stdout) and returns the exit status its kind calls for.
    pub(crate) fn error(&self, error: &anyhow::Error) -> u8 {
        let failure = Failure::of(error);
        if self.json {
            println!("{}", serde_json::json!({ "error": failure }));
        }
        eprintln!("{}", failure.for_people());
        failure.exit_code()
    }
}
