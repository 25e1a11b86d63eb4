//! Messages for a function that is missing or has the wrong signature, worded the same in
//! every language; each buildpack supplies how its language writes signatures.

use crate::config::{FUNCTION_TARGET, SIGNATURE_TYPE};
use crate::signature::SignatureType;
use kiln_error::{ErrorKind, ErrorMessage};
use std::fmt::Write as _;

/// A function the source does define, as the language writes its signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundFunction {
    pub name: String,
    pub signature: String,
}

/// `target` is not among the functions `place` (e.g. "package example.com/fn (the source
/// root)") defines; `candidates` are those that could be served. `note` adds a
/// language-specific observation, e.g. that an unexported function of that name exists.
#[must_use]
pub fn function_not_found(target: &str, place: &str, candidates: &[FoundFunction], note: Option<&str>) -> ErrorMessage {
    let mut body = format!("{} is `{target}`, but {place} has no function of that name.", FUNCTION_TARGET.name);
    if let Some(note) = note {
        body.push(' ');
        body.push_str(note);
    }
    if candidates.is_empty() {
        body.push_str("\nIt defines no function that can be served.");
    } else {
        body.push_str("\nFunctions it defines:");
        for function in candidates {
            let _ = write!(body, "\n  {}: {}", function.name, function.signature);
        }
    }
    let advice = match candidates {
        [only] => format!("Set {}={} to serve it, or add `{target}` to the source.", FUNCTION_TARGET.name, only.name),
        _ => format!("Set {} to one of the functions above, or add `{target}` to the source.", FUNCTION_TARGET.name),
    };
    ErrorMessage { kind: ErrorKind::FunctionNotFound, header: format!("Function `{target}` not found"), body, advice }
}

/// `function` exists but is not a `signature_type` function, whose signature is `expected`.
/// `fits` is the signature type the function does have, if any.
#[must_use]
pub fn wrong_signature(
    function: &FoundFunction,
    signature_type: SignatureType,
    expected: &str,
    fits: Option<SignatureType>,
) -> ErrorMessage {
    let body = format!(
        "`{}` is declared as\n  {}\nbut a function of signature type `{signature_type}` must be\n  {expected}",
        function.name, function.signature
    );
    let advice = match fits {
        Some(other) => format!(
            "It is a `{other}` function: set {}={other}, or change it to the signature above.",
            SIGNATURE_TYPE.name
        ),
        None => format!(
            "Change `{}` to the signature above, or set {} to the type it implements (`http` or `cloudevent`).",
            function.name, SIGNATURE_TYPE.name
        ),
    };
    ErrorMessage {
        kind: ErrorKind::WrongSignature,
        header: format!("Function `{}` has the wrong signature", function.name),
        body,
        advice,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(name: &str, signature: &str) -> FoundFunction {
        FoundFunction { name: name.into(), signature: signature.into() }
    }

    #[test]
    fn not_found_lists_what_exists() {
        let message = function_not_found(
            "Helo",
            "package example.com/fn",
            &[found("Hello", "func(w http.ResponseWriter, r *http.Request)"), found("Other", "func()")],
            None,
        );
        assert_eq!(message.header, "Function `Helo` not found");
        assert!(message.body.contains("  Hello: func(w http.ResponseWriter, r *http.Request)"), "{}", message.body);
        assert!(message.body.contains("  Other: func()"), "{}", message.body);
        assert!(message.advice.contains("one of the functions above"), "{}", message.advice);
    }

    #[test]
    fn not_found_with_a_single_candidate_names_it() {
        let message = function_not_found("X", "package m", &[found("Hello", "func()")], Some("It is unexported."));
        assert!(message.body.contains("no function of that name. It is unexported."), "{}", message.body);
        assert!(message.advice.contains("FUNC_NAME=Hello"), "{}", message.advice);
        let none = function_not_found("X", "package m", &[], None);
        assert!(none.body.contains("defines no function"), "{}", none.body);
    }

    #[test]
    fn wrong_signature_shows_both_and_suggests_the_type_that_fits() {
        let function = found("Receive", "func(ctx context.Context, e event.Event) error");
        let message = wrong_signature(
            &function,
            SignatureType::Http,
            "func(http.ResponseWriter, *http.Request)",
            Some(SignatureType::CloudEvent),
        );
        assert!(message.body.contains("func(ctx context.Context, e event.Event) error"));
        assert!(message.body.contains("must be\n  func(http.ResponseWriter, *http.Request)"), "{}", message.body);
        assert!(message.advice.contains("FUNC_SIGNATURE_TYPE=cloudevent"), "{}", message.advice);
        let unfit = wrong_signature(&found("F", "func()"), SignatureType::Http, "func(…)", None);
        assert!(unfit.advice.contains("Change `F`"), "{}", unfit.advice);
    }
}
