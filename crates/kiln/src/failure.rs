//! A failed command as kiln reports it: the error's kind (which decides the exit status), its
//! message and advice, and the detection hints when no buildpack detected.

use kiln_error::{ErrorKind, KindedError};
use kiln_lifecycle::{DetectionHint, LifecycleError};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub(crate) struct Failure {
    pub(crate) kind: ErrorKind,
    pub(crate) message: String,
    pub(crate) advice: Option<String>,
    /// The errors under the message, outermost first.
    pub(crate) causes: Vec<String>,
    /// One entry per buildpack of the builder, for `NoBuildpackDetected`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) hints: Vec<DetectionHint>,
    /// The message for a reader of the live output, who has just seen the details (a failed
    /// buildpack printed its own message moments ago).
    #[serde(skip)]
    pub(crate) after_output: Option<String>,
}

impl Failure {
    pub(crate) fn of(error: &anyhow::Error) -> Self {
        let causes = error.chain().skip(1).map(ToString::to_string).collect();
        let mut failure = Self {
            kind: ErrorKind::Internal,
            message: error.to_string(),
            advice: None,
            causes,
            hints: Vec::new(),
            after_output: None,
        };
        // The outermost error that knows its kind decides: a context added on the way up
        // ("cannot pull the builder") keeps the kind of what caused it.
        for cause in error.chain() {
            if let Some(kinded) = cause.downcast_ref::<KindedError>() {
                failure.kind = kinded.kind;
                failure.advice.clone_from(&kinded.advice);
                return failure;
            }
            if let Some(lifecycle) = cause.downcast_ref::<LifecycleError>() {
                failure.kind = lifecycle.kind();
                failure.advice = lifecycle.advice();
                failure.hints = lifecycle.hints().to_vec();
                failure.after_output = lifecycle.summary_after_output();
                return failure;
            }
            if let Some(kind) = kind_of_library_error(cause) {
                failure.kind = kind;
                return failure;
            }
        }
        failure
    }

    pub(crate) fn exit_code(&self) -> u8 {
        self.kind.class().exit_code()
    }

    /// The lines stderr shows: `error[Kind]: message`, the causes, then the advice unless
    /// the message already holds it.
    pub(crate) fn for_people(&self) -> String {
        let mut text = format!("error[{}]: {}", self.kind, self.after_output.as_deref().unwrap_or(&self.message));
        for cause in &self.causes {
            text.push_str("\n  caused by: ");
            text.push_str(cause);
        }
        if let Some(advice) = self.advice.as_deref().filter(|advice| !text.contains(advice.trim())) {
            if self.after_output.is_none() {
                text.push_str("\n  advice: ");
                text.push_str(advice);
            }
        }
        text
    }
}

/// Kinds of the errors kiln's libraries return without one of their own.
fn kind_of_library_error(error: &(dyn std::error::Error + 'static)) -> Option<ErrorKind> {
    if error.is::<kiln_oci::ReferenceError>() {
        Some(ErrorKind::InvalidArgument)
    } else if error.is::<kiln_oci::auth::AuthError>() {
        Some(ErrorKind::Unauthorized)
    } else if error.is::<kiln_runc::RuncError>() {
        Some(ErrorKind::ContainerFailed)
    } else if let Some(registry) = error.downcast_ref::<kiln_oci::RegistryError>() {
        Some(registry_kind(registry))
    } else if error.is::<std::io::Error>() {
        Some(ErrorKind::FilesystemError)
    } else {
        None
    }
}

/// A registry error's kind, from the HTTP status or connection failure under it.
fn registry_kind(error: &kiln_oci::RegistryError) -> ErrorKind {
    let text = error.to_string();
    if text.contains("401") || text.contains("UNAUTHORIZED") {
        ErrorKind::Unauthorized
    } else if text.contains("403") || text.contains("DENIED") {
        ErrorKind::Forbidden
    } else if text.contains("MANIFEST_INVALID") {
        ErrorKind::ManifestRejected
    } else {
        ErrorKind::RegistryUnreachable
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_error::ErrorMessage;

    #[test]
    fn a_kinded_error_under_context_keeps_its_kind_and_advice() {
        let error = anyhow::Error::new(
            KindedError::new(ErrorKind::RegistryUnreachable, "nothing listens on 127.0.0.1:9").with_advice("Start it."),
        )
        .context("cannot publish 127.0.0.1:9/app:1");
        let failure = Failure::of(&error);
        assert_eq!((failure.kind, failure.advice.as_deref()), (ErrorKind::RegistryUnreachable, Some("Start it.")));
        assert_eq!(failure.exit_code(), 3);
        assert_eq!(failure.causes, ["nothing listens on 127.0.0.1:9"]);
        assert_eq!(
            failure.for_people(),
            "error[RegistryUnreachable]: cannot publish 127.0.0.1:9/app:1\n  caused by: nothing listens on 127.0.0.1:9\n  advice: Start it."
        );
    }

    #[test]
    fn people_get_a_failed_buildpacks_header_and_machines_all_of_it() {
        let message = ErrorMessage::new(ErrorKind::UnsupportedVersion, "Go 1.99 is not available", "", "Use 1.22.");
        let error = anyhow::Error::from(LifecycleError::BuildpackFailed { message: Some(message) });
        let failure = Failure::of(&error);
        assert_eq!(failure.kind, ErrorKind::UnsupportedVersion);
        assert_eq!(failure.exit_code(), 2);
        assert_eq!(failure.message, "Go 1.99 is not available: Use 1.22.");
        let shown = failure.for_people();
        assert!(shown.starts_with("error[UnsupportedVersion]: the build failed: Go 1.99 is not available;"), "{shown}");
        assert!(!shown.contains("Use 1.22."), "{shown}");
        let json = serde_json::to_value(&failure).expect("serializes");
        assert_eq!(json["kind"], "UnsupportedVersion");
        assert_eq!(json["advice"], "Use 1.22.");
    }

    #[test]
    fn an_error_nobody_classified_is_internal() {
        let failure = Failure::of(&anyhow::anyhow!("unexpected"));
        assert_eq!((failure.kind, failure.exit_code()), (ErrorKind::Internal, 1));
        assert_eq!(failure.for_people(), "error[Internal]: unexpected");
    }
}
