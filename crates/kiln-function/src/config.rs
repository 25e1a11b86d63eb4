//! Reading the function contract from the build's environment.

use crate::signature::{SignatureType, UnknownSignatureType};
use kiln_error::{ErrorKind, ErrorMessage};
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// A contract variable: kiln's (OpenFunction's) name and the Google Cloud Functions alias.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContractVar {
    pub name: &'static str,
    pub alias: Option<&'static str>,
}

impl fmt::Display for ContractVar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.alias {
            Some(alias) => write!(f, "{} (or {alias})", self.name),
            None => f.write_str(self.name),
        }
    }
}

/// The function to serve. Setting it makes the build a function build.
pub const FUNCTION_TARGET: ContractVar = ContractVar { name: "FUNC_NAME", alias: Some("GOOGLE_FUNCTION_TARGET") };
/// How the function is called: `http` (the default) or `cloudevent`.
pub const SIGNATURE_TYPE: ContractVar =
    ContractVar { name: "FUNC_SIGNATURE_TYPE", alias: Some("GOOGLE_FUNCTION_SIGNATURE_TYPE") };
/// Where the function's source is, relative to the source root (the root when unset). No
/// alias: Google's `GOOGLE_FUNCTION_SOURCE` names a file, not a directory.
pub const FUNCTION_SOURCE: ContractVar = ContractVar { name: "FUNC_SRC", alias: None };

/// What a function build builds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionConfig {
    /// The function's name as written in the source.
    pub target: String,
    pub signature: SignatureType,
    /// The function's directory relative to the source root, normalised; empty for the root.
    pub source: PathBuf,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("{} is `{first}` but {} is `{second}`", .var.name, .var.alias.unwrap_or_default())]
    Conflict { var: ContractVar, first: String, second: String },
    #[error("{var}: {source}")]
    SignatureType {
        var: ContractVar,
        #[source]
        source: UnknownSignatureType,
    },
    #[error("{} is `{value}`: {reason}", FUNCTION_SOURCE.name)]
    Source { value: String, reason: &'static str },
}

impl ConfigError {
    #[must_use]
    pub fn message(&self) -> ErrorMessage {
        let (header, advice) = match self {
            Self::Conflict { var, .. } => (
                format!("{} and {} disagree", var.name, var.alias.unwrap_or_default()),
                format!("Set only one of them (kiln reads {} first).", var.name),
            ),
            Self::SignatureType { var, .. } => (
                format!("Unknown function signature type in {}", var.name),
                format!("Set {} to `http` (the default) or `cloudevent`.", var.name),
            ),
            Self::Source { .. } => (
                format!("{} does not name a directory of the source", FUNCTION_SOURCE.name),
                format!(
                    "Set {} to the function's directory relative to the source root, e.g. `functions/hello`, or unset it for the root.",
                    FUNCTION_SOURCE.name
                ),
            ),
        };
        ErrorMessage { kind: ErrorKind::InvalidFunctionConfig, header, body: self.to_string(), advice }
    }
}

impl FunctionConfig {
    /// The function build `lookup` (the build's platform environment) asks for, or `None` for
    /// an app build (no function name set). Empty values count as unset.
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Result<Option<Self>, ConfigError> {
        let Some(target) = read(FUNCTION_TARGET, &lookup)? else {
            return Ok(None);
        };
        let signature = match read(SIGNATURE_TYPE, &lookup)? {
            Some(value) => {
                value.parse().map_err(|source| ConfigError::SignatureType { var: SIGNATURE_TYPE, source })?
            }
            None => SignatureType::default(),
        };
        let source = match read(FUNCTION_SOURCE, &lookup)? {
            Some(value) => relative_source(&value)?,
            None => PathBuf::new(),
        };
        Ok(Some(Self { target, signature, source }))
    }
}

/// The trimmed value of `var` or its alias; both set to different values is an error, since
/// either choice would surprise someone.
fn read(var: ContractVar, lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<String>, ConfigError> {
    let value = |name: &str| lookup(name).map(|value| value.trim().to_string()).filter(|value| !value.is_empty());
    let primary = value(var.name);
    let alias = var.alias.and_then(value);
    match (primary, alias) {
        (Some(first), Some(second)) if first != second => Err(ConfigError::Conflict { var, first, second }),
        (primary, alias) => Ok(primary.or(alias)),
    }
}

fn relative_source(value: &str) -> Result<PathBuf, ConfigError> {
    let error = |reason| ConfigError::Source { value: value.to_string(), reason };
    let path = Path::new(value);
    let mut normalised = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => normalised.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(error("it contains `..`; name a directory inside the source root")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(error("it is an absolute path; give a path relative to the source root"));
            }
        }
    }
    Ok(normalised)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> Result<Option<FunctionConfig>, ConfigError> {
        FunctionConfig::from_env(|name| {
            pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| (*value).to_string())
        })
    }

    #[test]
    fn no_function_name_means_an_app_build() {
        assert_eq!(config(&[]), Ok(None));
        assert_eq!(config(&[("FUNC_NAME", " "), ("FUNC_SIGNATURE_TYPE", "cloudevent")]), Ok(None));
    }

    #[test]
    fn defaults_to_an_http_function_at_the_root() {
        let function = config(&[("FUNC_NAME", "Hello")]).expect("valid").expect("a function");
        assert_eq!(
            function,
            FunctionConfig { target: "Hello".into(), signature: SignatureType::Http, source: PathBuf::new() }
        );
    }

    #[test]
    fn reads_the_google_aliases() {
        let function = config(&[
            ("GOOGLE_FUNCTION_TARGET", "Receive"),
            ("GOOGLE_FUNCTION_SIGNATURE_TYPE", "cloudevent"),
            ("FUNC_SRC", "./functions//receive/"),
        ])
        .expect("valid")
        .expect("a function");
        assert_eq!(function.target, "Receive");
        assert_eq!(function.signature, SignatureType::CloudEvent);
        assert_eq!(function.source, PathBuf::from("functions/receive"));
    }

    #[test]
    fn a_name_and_its_alias_must_agree() {
        assert!(config(&[("FUNC_NAME", "A"), ("GOOGLE_FUNCTION_TARGET", "A")]).is_ok());
        let error = config(&[("FUNC_NAME", "A"), ("GOOGLE_FUNCTION_TARGET", "B")]).expect_err("conflict");
        assert_eq!(error.to_string(), "FUNC_NAME is `A` but GOOGLE_FUNCTION_TARGET is `B`");
        assert!(error.message().advice.contains("only one"));
    }

    #[test]
    fn bad_signature_types_and_sources_say_what_is_valid() {
        let error = config(&[("FUNC_NAME", "A"), ("FUNC_SIGNATURE_TYPE", "grpc")]).expect_err("unknown type");
        assert!(error.message().advice.contains("`cloudevent`"), "{:?}", error.message());
        for source in ["../elsewhere", "/abs/path", "a/../../b"] {
            let error = config(&[("FUNC_NAME", "A"), ("FUNC_SRC", source)]).expect_err(source);
            assert!(matches!(error, ConfigError::Source { .. }), "{source}: {error}");
        }
    }

    #[test]
    fn displays_a_variable_with_its_alias() {
        assert_eq!(FUNCTION_TARGET.to_string(), "FUNC_NAME (or GOOGLE_FUNCTION_TARGET)");
        assert_eq!(FUNCTION_SOURCE.to_string(), "FUNC_SRC");
    }
}
