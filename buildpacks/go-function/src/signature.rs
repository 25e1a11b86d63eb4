//! The Go signature of each function signature type, checked against what kiln-funcinfo
//! reports before any code is generated.

use crate::package_info::GoFunction;
use kiln_function::SignatureType;

const CLOUDEVENTS_EVENT: [&str; 2] = [
    "github.com/cloudevents/sdk-go/v2/event.Event",
    // The SDK's root package re-exports it: `cloudevents.Event`.
    "github.com/cloudevents/sdk-go/v2.Event",
];

/// The signature a function of `signature_type` must have, as a Go programmer writes it.
pub(crate) fn expected_signature(signature_type: SignatureType) -> &'static str {
    match signature_type {
        SignatureType::Http => "func(http.ResponseWriter, *http.Request)",
        SignatureType::CloudEvent => {
            "func(context.Context, event.Event) error  (event: github.com/cloudevents/sdk-go/v2/event)"
        }
    }
}

/// Whether `function` is a `signature_type` function.
pub(crate) fn implements(function: &GoFunction, signature_type: SignatureType) -> bool {
    if function.generic {
        return false;
    }
    match signature_type {
        SignatureType::Http => {
            function.params == ["net/http.ResponseWriter", "*net/http.Request"] && function.results.is_empty()
        }
        SignatureType::CloudEvent => {
            matches!(function.params.as_slice(), [context, event]
                if context == "context.Context" && CLOUDEVENTS_EVENT.contains(&event.as_str()))
                && function.results == ["error"]
        }
    }
}

/// The signature type `function` implements, if any.
pub(crate) fn signature_type_of(function: &GoFunction) -> Option<SignatureType> {
    SignatureType::ALL.into_iter().find(|signature_type| implements(function, *signature_type))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(params: &[&str], results: &[&str]) -> GoFunction {
        GoFunction {
            name: "F".into(),
            params: params.iter().map(ToString::to_string).collect(),
            results: results.iter().map(ToString::to_string).collect(),
            ..GoFunction::default()
        }
    }

    #[test]
    fn recognises_http_functions() {
        let http = function(&["net/http.ResponseWriter", "*net/http.Request"], &[]);
        assert_eq!(signature_type_of(&http), Some(SignatureType::Http));
        assert!(!implements(&function(&["net/http.ResponseWriter", "net/http.Request"], &[]), SignatureType::Http));
        assert!(!implements(
            &function(&["net/http.ResponseWriter", "*net/http.Request"], &["error"]),
            SignatureType::Http
        ));
        let generic = GoFunction { generic: true, ..http };
        assert_eq!(signature_type_of(&generic), None);
    }

    #[test]
    fn recognises_cloudevent_functions_with_either_sdk_package() {
        for event in CLOUDEVENTS_EVENT {
            let receive = function(&["context.Context", event], &["error"]);
            assert_eq!(signature_type_of(&receive), Some(SignatureType::CloudEvent), "{event}");
        }
        assert_eq!(
            signature_type_of(&function(
                &["context.Context", "*github.com/cloudevents/sdk-go/v2/event.Event"],
                &["error"]
            )),
            None
        );
        assert_eq!(signature_type_of(&function(&["context.Context", CLOUDEVENTS_EVENT[0]], &[])), None);
    }
}
