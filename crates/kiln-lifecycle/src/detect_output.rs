//! What each buildpack's detect step printed, read back from the creator's log: when no group
//! passes, its detect phase prints every buildpack's output, even at the info log level.
//!
//! It prints a buildpack's detect output after a `======== Output: <id>@<version>
//! ========` line, verbatim; the next `======== ` line (another buildpack's output, an
//! `Error:` or the `Results`) ends it. The lifecycle's own log lines carry no prefix, so these
//! rule lines are the only reliable boundaries.

use crate::detection::DetectionHint;
use crate::log_text::without_escapes;

/// Starts every line that opens or closes a block of buildpack output.
const RULE: &str = "======== ";
const OUTPUT_OPENING: &str = "======== Output: ";
const RULE_END: &str = " ========";

/// One buildpack's detect output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuildpackOutput {
    /// The buildpack id, without its version.
    pub buildpack: String,
    /// What its detect step printed, without surrounding blank lines.
    pub text: String,
}

/// Every buildpack's detect output in `log`, in order, each buildpack once: a buildpack that
/// is in several groups of the order is detected once and its output repeated per group.
pub(crate) fn buildpack_outputs(log: &str) -> Vec<BuildpackOutput> {
    let lines: Vec<String> = log.lines().map(without_escapes).collect();
    let mut outputs: Vec<BuildpackOutput> = Vec::new();
    let mut open: Option<(String, Vec<&str>)> = None;
    for line in &lines {
        if !line.starts_with(RULE) {
            if let Some((_, block)) = &mut open {
                block.push(line);
            }
            continue;
        }
        add_once(&mut outputs, open.take().and_then(finish));
        open = output_opening(line).map(|buildpack| (buildpack.to_string(), Vec::new()));
    }
    // The log ended inside a block (the detector was cut short): keep what there is.
    add_once(&mut outputs, open.and_then(finish));
    outputs
}

/// `hints` with each buildpack's output as its reason. A buildpack with output but no hint
/// (the builder's order could not be read) gets a hint of its own, so its reason is not lost.
pub(crate) fn with_reasons(mut hints: Vec<DetectionHint>, outputs: Vec<BuildpackOutput>) -> Vec<DetectionHint> {
    for output in outputs {
        match hints.iter_mut().find(|hint| hint.buildpack == output.buildpack) {
            Some(hint) => hint.reason = Some(output.text),
            None => hints.push(DetectionHint {
                buildpack: output.buildpack,
                looks_for: String::new(),
                reason: Some(output.text),
            }),
        }
    }
    hints
}

/// The buildpack id in an `======== Output: <id>@<version> ========` line.
fn output_opening(line: &str) -> Option<&str> {
    let element = line.strip_prefix(OUTPUT_OPENING)?.strip_suffix(RULE_END)?;
    // Neither ids nor versions may contain `@`; the last one separates them.
    Some(element.rsplit_once('@').map_or(element, |(id, _version)| id))
}

fn add_once(outputs: &mut Vec<BuildpackOutput>, output: Option<BuildpackOutput>) {
    if let Some(output) = output {
        if !outputs.iter().any(|known| known.buildpack == output.buildpack) {
            outputs.push(output);
        }
    }
}

fn finish((buildpack, lines): (String, Vec<&str>)) -> Option<BuildpackOutput> {
    let text = lines.join("\n").trim().to_string();
    (!text.is_empty()).then_some(BuildpackOutput { buildpack, text })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the lifecycle's detector printed for an empty source with kiln's builder
    /// (lifecycle 0.21.14).
    const EMPTY_SOURCE: &str = "\
Starting detector...
Parsing inputs...
Ensuring privileges...
Executing command...
Warning: No analyzed metadata found at path \"/layers/analyzed.toml\"
Timer: Detector started at 2026-11-26T00:50:54Z
Checking for match against descriptor: {linux amd64  []}
target distro name/version labels not found, reading /etc/os-release file
======== Output: kiln/go-function@0.1.0 ========
kiln/go-function looks for a go.mod at the source root and a `main` package in the root directory.
No go.mod at the source root: kiln/go-function builds Go modules. Run `go mod init <module path>` in the source root to create one.
======== Results ========
fail: kiln/go-function@0.1.0
Timer: Detector ran for 8.161686ms and ended at 2026-11-26T00:50:54Z
ERROR: No buildpack groups passed detection.
ERROR: Please check that you are running against the correct path.
ERROR: failed to detect: no buildpacks participating
";

    #[test]
    fn reads_the_output_of_a_buildpack_that_failed_detection() {
        assert_eq!(
            buildpack_outputs(EMPTY_SOURCE),
            [BuildpackOutput {
                buildpack: "kiln/go-function".into(),
                text: "kiln/go-function looks for a go.mod at the source root and a `main` package in the root directory.\n\
                       No go.mod at the source root: kiln/go-function builds Go modules. Run `go mod init <module path>` in the source root to create one."
                    .into(),
            }]
        );
    }

    #[test]
    fn reads_each_buildpack_of_several_groups_once() {
        let log = "\
======== Output: kiln/go-function@0.1.0 ========
The package at the source root is `greeting`, a library, not `main`.

======== Output: other/node@2.3.4 ========
no package.json
======== Results ========
fail: kiln/go-function@0.1.0
fail: other/node@2.3.4
======== Output: kiln/go-function@0.1.0 ========
The package at the source root is `greeting`, a library, not `main`.
======== Output: silent/bp@1.0.0 ========

======== Results ========
";
        let outputs = buildpack_outputs(log);
        let buildpacks: Vec<&str> = outputs.iter().map(|output| output.buildpack.as_str()).collect();
        assert_eq!(buildpacks, ["kiln/go-function", "other/node"]);
        assert_eq!(outputs[0].text, "The package at the source root is `greeting`, a library, not `main`.");
        assert_eq!(outputs[1].text, "no package.json");
    }

    #[test]
    fn an_error_block_ends_the_output_before_it() {
        let log = "\
======== Output: some/bp@1.0.0 ========
looking around
======== Error: some/bp@1.0.0 ========
exec format error
";
        assert_eq!(buildpack_outputs(log)[0].text, "looking around");
    }

    #[test]
    fn a_log_without_output_blocks_gives_nothing() {
        let failed_early = "ERROR: failed to initialize detector: open /cnb/order.toml: no such file\n";
        assert!(buildpack_outputs(failed_early).is_empty());
        assert!(buildpack_outputs("").is_empty());
    }

    #[test]
    fn reasons_go_to_their_buildpack_and_unknown_buildpacks_are_kept() {
        let hints = vec![
            DetectionHint { buildpack: "kiln/go-function".into(), looks_for: "a go.mod".into(), reason: None },
            DetectionHint { buildpack: "other/bp".into(), looks_for: "Other".into(), reason: None },
        ];
        let outputs = vec![
            BuildpackOutput { buildpack: "kiln/go-function".into(), text: "no go.mod".into() },
            BuildpackOutput { buildpack: "unlisted/bp".into(), text: "nothing for me".into() },
        ];
        let hints = with_reasons(hints, outputs);
        let reasons: Vec<(&str, Option<&str>)> =
            hints.iter().map(|hint| (hint.buildpack.as_str(), hint.reason.as_deref())).collect();
        assert_eq!(
            reasons,
            [("kiln/go-function", Some("no go.mod")), ("other/bp", None), ("unlisted/bp", Some("nothing for me"))]
        );
    }
}
