//! The kinds of functions kiln serves, as named by `FUNC_SIGNATURE_TYPE`.

use std::fmt;
use std::str::FromStr;

/// How the function is called. The names are those of Google Cloud Functions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SignatureType {
    /// Called with the HTTP request; writes the response itself.
    #[default]
    Http,
    /// Called with a CloudEvent decoded from the request (binary or structured HTTP mode);
    /// success or failure becomes the response status.
    CloudEvent,
}

impl SignatureType {
    pub const ALL: [Self; 2] = [Self::Http, Self::CloudEvent];

    /// The value of `FUNC_SIGNATURE_TYPE` that selects this type.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::CloudEvent => "cloudevent",
        }
    }
}

impl fmt::Display for SignatureType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a signature type kiln serves{}; use `http` or `cloudevent`", legacy_note(.value))]
pub struct UnknownSignatureType {
    pub value: String,
}

/// Google's legacy background functions (`event`) have no kiln equivalent: say what replaces them.
fn legacy_note(value: &str) -> &'static str {
    if value == "event" {
        " (Google's legacy background-event functions are not supported: take a CloudEvent instead)"
    } else {
        ""
    }
}

impl FromStr for SignatureType {
    type Err = UnknownSignatureType;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|signature| signature.name() == value.trim())
            .ok_or_else(|| UnknownSignatureType { value: value.to_string() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_google_names() {
        assert_eq!("http".parse(), Ok(SignatureType::Http));
        assert_eq!("cloudevent".parse(), Ok(SignatureType::CloudEvent));
        assert_eq!(" cloudevent\n".parse(), Ok(SignatureType::CloudEvent));
    }

    #[test]
    fn unknown_types_name_the_valid_ones() {
        let error = "CloudEvents".parse::<SignatureType>().expect_err("not a type");
        assert!(error.to_string().contains("`http` or `cloudevent`"), "{error}");
        let legacy = "event".parse::<SignatureType>().expect_err("not supported");
        assert!(legacy.to_string().contains("legacy"), "{legacy}");
    }
}
