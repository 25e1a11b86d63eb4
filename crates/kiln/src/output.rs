//! What kiln tells people and machines: phases and progress on stderr, the result on stdout
//! (one JSON document with `--json`), errors as a message followed by their causes.

use kiln_lifecycle::LifecycleError;
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

    pub(crate) fn error(&self, error: &anyhow::Error) {
        let causes: Vec<String> = error.chain().skip(1).map(ToString::to_string).collect();
        if self.json {
            let value = serde_json::json!({ "error": error.to_string(), "causes": causes });
            println!("{value}");
        }
        eprintln!("error: {}", for_people(error));
        for cause in causes {
            eprintln!("  caused by: {cause}");
        }
    }
}

/// The error as stderr shows it. A failed buildpack's message was printed moments ago by the
/// buildpack itself, just above: repeated in full it would be the same lines twice, so people
/// get its header and a pointer. `--json` readers, who may not see stderr, get it whole.
fn for_people(error: &anyhow::Error) -> String {
    error
        .downcast_ref::<LifecycleError>()
        .and_then(LifecycleError::summary_after_output)
        .unwrap_or_else(|| error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_error::{ErrorKind, ErrorMessage};

    #[test]
    fn people_get_a_failed_buildpacks_header_only() {
        let error = anyhow::Error::from(LifecycleError::BuildpackFailed {
            message: Some(ErrorMessage::new(
                ErrorKind::UnsupportedVersion,
                "Go 1.99 is not available",
                "",
                "Use 1.22.",
            )),
        });
        let shown = for_people(&error);
        assert!(shown.starts_with("the build failed: Go 1.99 is not available;"), "{shown}");
        assert!(!shown.contains("Use 1.22."), "{shown}");
        assert_eq!(error.to_string(), "Go 1.99 is not available: Use 1.22.");
    }

    #[test]
    fn people_get_other_errors_whole() {
        let error = anyhow::anyhow!("the source directory does not exist");
        assert_eq!(for_people(&error), "the source directory does not exist");
    }
}
