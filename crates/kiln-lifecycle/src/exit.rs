//! The lifecycle's exit codes (platform/exit.go of buildpacks/lifecycle) as errors that say
//! what went wrong and what to do. Most point at the lifecycle's output above for the details.
//! Two carry them, because the error is all a `--json` reader gets: "no buildpack detected"
//! (each buildpack's reason is short and is the whole answer) and a failed buildpack whose
//! message kiln could read back from the log.

use crate::detect_output::{buildpack_outputs, with_reasons};
use crate::detection::DetectionHint;
use crate::failure::PhaseFailure;
use kiln_error::{ErrorKind, ErrorMessage};

#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("no buildpack detected this source{}", hint_list(.hints))]
    NoBuildpackDetected { hints: Vec<DetectionHint> },
    /// A buildpack's detect step errored; `message` is what it said, when kiln could find it.
    #[error("detection failed: {}", detect_failure(.message.as_ref()))]
    DetectFailed { message: Option<ErrorMessage> },
    /// A buildpack's build step failed; `message` is what it said, when kiln could find it.
    #[error("{}", buildpack_failure(.message.as_ref()))]
    BuildpackFailed { message: Option<ErrorMessage> },
    /// Any other phase failed; the lifecycle's own last error line says why.
    #[error("{}", .0.message())]
    Phase(PhaseFailure),
    #[error(transparent)]
    Runc(#[from] kiln_runc::RuncError),
    #[error(transparent)]
    Platform(#[from] crate::platform::PlatformError),
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
}

impl LifecycleError {
    /// The error for a lifecycle exit code other than 0 while building `image`. `log` is the
    /// end of the lifecycle's output, where the buildpacks' and the lifecycle's own words are
    /// read from; `hints` (what each buildpack looks for) are only used for "no buildpack
    /// detected".
    #[must_use]
    pub fn from_exit_code(code: i32, log: &str, hints: Vec<DetectionHint>, image: &str) -> Self {
        match code {
            20 => Self::NoBuildpackDetected { hints: with_reasons(hints, buildpack_outputs(log)) },
            21 | 22 => Self::DetectFailed { message: ErrorMessage::last_in(log) },
            51 => Self::BuildpackFailed { message: ErrorMessage::last_in(log) },
            _ => Self::Phase(PhaseFailure::read(code, log, image)),
        }
    }

    /// The error's kind: the buildpack's own for its failures, the lifecycle's words' for the
    /// other phases.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NoBuildpackDetected { .. } => ErrorKind::NoBuildpackDetected,
            Self::DetectFailed { message } | Self::BuildpackFailed { message } => {
                message.as_ref().map_or(ErrorKind::BuildpackFailed, |message| message.kind)
            }
            Self::Phase(failure) => failure.kind,
            Self::Runc(kiln_runc::RuncError::Interrupted { .. }) => ErrorKind::Interrupted,
            Self::Runc(_) => ErrorKind::ContainerFailed,
            Self::Platform(_) | Self::Report(_) => ErrorKind::FilesystemError,
        }
    }

    /// What to do, where kiln knows more than the message says.
    #[must_use]
    pub fn advice(&self) -> Option<String> {
        match self {
            Self::NoBuildpackDetected { .. } => Some(NO_BUILDPACK_ADVICE.to_string()),
            Self::DetectFailed { message: Some(message) } | Self::BuildpackFailed { message: Some(message) } => {
                Some(message.advice.clone())
            }
            Self::Phase(failure) => Some(failure.advice()),
            _ => None,
        }
    }

    /// Each buildpack's detection hint, for "no buildpack detected".
    #[must_use]
    pub fn hints(&self) -> &[DetectionHint] {
        match self {
            Self::NoBuildpackDetected { hints } => hints,
            _ => &[],
        }
    }
}

const NO_BUILDPACK_ADVICE: &str = "Add what your language needs, or choose a builder for it with --builder.";

impl LifecycleError {
    /// The error in one line for a reader who has just watched the lifecycle's output, where
    /// the details are already: for a buildpack's failure, only its header. `None` when the
    /// full message is no longer than that.
    #[must_use]
    pub fn summary_after_output(&self) -> Option<String> {
        match self {
            Self::BuildpackFailed { message: Some(message) } => Some(format!(
                "the build failed: {}; the buildpack's output above says why and what to change",
                message.header
            )),
            Self::DetectFailed { message: Some(message) } => Some(format!(
                "detection failed: {}; the buildpack's output above says why and what to change",
                message.header
            )),
            _ => None,
        }
    }
}

/// "header: details" as the buildpack wrote them, or a pointer to its output.
fn buildpack_failure(message: Option<&ErrorMessage>) -> String {
    message.map_or_else(
        || "the build failed; the buildpack's output above says why and what to change".to_string(),
        message_text,
    )
}

/// "header: body\n\nadvice", leaving out the parts the buildpack left empty.
fn message_text(message: &ErrorMessage) -> String {
    let details: Vec<&str> =
        [message.body.trim(), message.advice.trim()].into_iter().filter(|part| !part.is_empty()).collect();
    if details.is_empty() {
        message.header.clone()
    } else {
        format!("{}: {}", message.header, details.join("\n\n"))
    }
}

fn detect_failure(message: Option<&ErrorMessage>) -> String {
    message.map_or_else(
        || "a buildpack's detect step errored (its output is above); fix what it names and build again".to_string(),
        message_text,
    )
}

fn hint_list(hints: &[DetectionHint]) -> String {
    if hints.is_empty() {
        return ". Check that the source directory is the one you meant.".to_string();
    }
    let lines: String = hints.iter().map(hint_item).collect();
    format!(". The builder's buildpacks look for:{lines}\n{NO_BUILDPACK_ADVICE}")
}

/// One buildpack in the list: its own reason for this source when it gave one (which says
/// what it looks for too), else the static description of what it looks for.
fn hint_item(hint: &DetectionHint) -> String {
    let Some(reason) = &hint.reason else {
        return format!("\n  - {}: {}", hint.buildpack, hint.looks_for);
    };
    // kiln's buildpacks start their reason with their id; other buildpacks' output may not.
    let named =
        if reason.starts_with(&hint.buildpack) { reason.clone() } else { format!("{}: {reason}", hint.buildpack) };
    // Continuation lines line up under the first; blank lines stay blank.
    let mut item = String::new();
    for (index, line) in named.lines().enumerate() {
        item.push_str(match (index, line.is_empty()) {
            (0, _) => "\n  - ",
            (_, true) => "\n",
            (_, false) => "\n    ",
        });
        item.push_str(line);
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGE: &str = "127.0.0.1:5000/apps/hello:1";

    #[test]
    fn no_buildpack_detected_lists_what_each_looks_for() {
        let error = LifecycleError::from_exit_code(
            20,
            "",
            vec![DetectionHint { buildpack: "kiln/go-function".into(), looks_for: "a go.mod".into(), reason: None }],
            IMAGE,
        );
        let message = error.to_string();
        assert!(message.starts_with("no buildpack detected"), "{message}");
        assert!(message.contains("kiln/go-function: a go.mod"), "{message}");
    }

    #[test]
    fn no_buildpack_detected_gives_each_buildpacks_reason_instead() {
        let error = LifecycleError::from_exit_code(
            20,
            "",
            vec![
                DetectionHint {
                    buildpack: "kiln/go-function".into(),
                    looks_for: "a go.mod".into(),
                    reason: Some(
                        "kiln/go-function looks for a go.mod.\n\nThe package at the source root is `greeting`, \
                         a library, not `main`: set FUNC_NAME"
                            .into(),
                    ),
                },
                DetectionHint {
                    buildpack: "other/node".into(),
                    looks_for: "a package.json".into(),
                    reason: Some("no package.json".into()),
                },
                DetectionHint { buildpack: "silent/bp".into(), looks_for: "Silent".into(), reason: None },
            ],
            IMAGE,
        );
        assert_eq!(
            error.to_string(),
            "no buildpack detected this source. The builder's buildpacks look for:\n  \
             - kiln/go-function looks for a go.mod.\n\n    \
             The package at the source root is `greeting`, a library, not `main`: set FUNC_NAME\n  \
             - other/node: no package.json\n  \
             - silent/bp: Silent\n\
             Add what your language needs, or choose a builder for it with --builder."
        );
    }

    #[test]
    fn a_buildpack_failure_carries_the_buildpacks_message() {
        let error = LifecycleError::BuildpackFailed {
            message: Some(ErrorMessage::new(
                ErrorKind::WrongSignature,
                "Function `F` has the wrong signature",
                "`F` is declared as\n  func()",
                "Change `F`.",
            )),
        };
        assert_eq!(
            error.to_string(),
            "Function `F` has the wrong signature: `F` is declared as\n  func()\n\nChange `F`."
        );
        assert_eq!(
            error.summary_after_output().as_deref(),
            Some(
                "the build failed: Function `F` has the wrong signature; the buildpack's output above \
                 says why and what to change"
            )
        );
    }

    #[test]
    fn a_buildpack_failure_without_a_message_points_at_the_output() {
        let error = LifecycleError::from_exit_code(51, "", vec![], IMAGE);
        assert_eq!(error.to_string(), "the build failed; the buildpack's output above says why and what to change");
        assert_eq!(error.summary_after_output(), None);
    }

    #[test]
    fn the_buildpacks_words_are_read_from_the_log() {
        let hint = DetectionHint { buildpack: "kiln/go-function".into(), looks_for: "a go.mod".into(), reason: None };
        let undetected =
            "======== Output: kiln/go-function@0.1.0 ========\nno go.mod here\n======== Results ========\n";
        let LifecycleError::NoBuildpackDetected { hints } =
            LifecycleError::from_exit_code(20, undetected, vec![hint], IMAGE)
        else {
            panic!("20 is no buildpack detected");
        };
        assert_eq!(hints[0].reason.as_deref(), Some("no go.mod here"));
        let unavailable = ErrorMessage::new(ErrorKind::UnsupportedVersion, "Go 1.99 is not available", "", "Use 1.26.");
        let failed = format!("kiln-error: {}\nERROR: failed to build: exit status 1\n", serde_json::json!(unavailable));
        let error = LifecycleError::from_exit_code(51, &failed, vec![], IMAGE);
        assert_eq!(error.to_string(), "Go 1.99 is not available: Use 1.26.");
        let invalid =
            ErrorMessage::new(ErrorKind::InvalidFunctionConfig, "FUNC_SRC is invalid", "", "Use a relative path.");
        let detect_error = format!("kiln-error: {}\n======== Results ========\n", serde_json::json!(invalid));
        let error = LifecycleError::from_exit_code(21, &detect_error, vec![], IMAGE);
        assert_eq!(error.to_string(), "detection failed: FUNC_SRC is invalid: Use a relative path.");
    }

    #[test]
    fn exit_codes_map_to_phases() {
        assert!(matches!(
            LifecycleError::from_exit_code(21, "", vec![], IMAGE),
            LifecycleError::DetectFailed { message: None }
        ));
        assert_eq!(LifecycleError::from_exit_code(32, "", vec![], IMAGE).kind(), ErrorKind::LifecycleFailed);
        assert!(matches!(
            LifecycleError::from_exit_code(51, "", vec![], IMAGE),
            LifecycleError::BuildpackFailed { message: None }
        ));
        assert_eq!(LifecycleError::from_exit_code(41, "", vec![], IMAGE).kind(), ErrorKind::CacheFailed);
        let unauthorized = "ERROR: failed to initialize analyzer: HEAD http://r/v2/a/manifests/1: unexpected status code 401 Unauthorized\n";
        let error = LifecycleError::from_exit_code(1, unauthorized, vec![], IMAGE);
        assert_eq!(error.kind(), ErrorKind::Unauthorized);
        assert!(
            error.advice().is_some_and(|advice| advice.contains("docker login 127.0.0.1:5000")),
            "{:?}",
            error.advice()
        );
    }
}
