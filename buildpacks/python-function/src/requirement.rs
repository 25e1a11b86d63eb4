//! Which Python the source asks for: `.python-version`, else `runtime.txt`, else
//! `requires-python` of pyproject.toml; without any of them, the newest in the inventory.

use crate::python_version::{parse_parts, PythonVersion};
use std::fmt;

/// The file a requirement was read from, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    PythonVersionFile,
    RuntimeTxt,
    RequiresPython,
}

impl Origin {
    fn file(self) -> &'static str {
        match self {
            Self::PythonVersionFile => ".python-version",
            Self::RuntimeTxt => "runtime.txt",
            Self::RequiresPython => "pyproject.toml `requires-python`",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Requirement {
    /// Nothing declared.
    Newest,
    /// `3.12` (any 3.12) or `3.12.1` (exactly), from `.python-version` or `runtime.txt`.
    Prefix { parts: Vec<u32>, origin: Origin },
    /// PEP 440 specifiers, from `requires-python`.
    Specifiers { text: String, specifiers: Vec<Specifier> },
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file} says `{text}`, which is not {expected}")]
pub(crate) struct InvalidRequirement {
    pub(crate) file: &'static str,
    pub(crate) text: String,
    expected: &'static str,
}

impl Requirement {
    /// From `.python-version`'s first line that is not a comment: `3.12`, `3.12.1` (a
    /// `cpython-` or `python-` prefix is allowed).
    pub(crate) fn from_python_version_file(text: &str) -> Result<Self, InvalidRequirement> {
        let line = text.lines().map(str::trim).find(|line| !line.is_empty() && !line.starts_with('#')).unwrap_or("");
        Self::prefix(line, Origin::PythonVersionFile)
    }

    /// From `runtime.txt`: `python-3.12.1` (Heroku's spelling) or `3.12`.
    pub(crate) fn from_runtime_txt(text: &str) -> Result<Self, InvalidRequirement> {
        Self::prefix(text.trim(), Origin::RuntimeTxt)
    }

    fn prefix(text: &str, origin: Origin) -> Result<Self, InvalidRequirement> {
        let version = text.strip_prefix("cpython-").or_else(|| text.strip_prefix("python-")).unwrap_or(text);
        match parse_parts(version) {
            Some(parts) => Ok(Self::Prefix { parts, origin }),
            None => Err(InvalidRequirement {
                file: origin.file(),
                text: text.to_string(),
                expected: "a CPython version such as 3.12 or 3.12.1",
            }),
        }
    }

    /// From `requires-python`: comma-separated PEP 440 specifiers, `>=3.12,<3.14`.
    pub(crate) fn from_requires_python(text: &str) -> Result<Self, InvalidRequirement> {
        let invalid = || InvalidRequirement {
            file: Origin::RequiresPython.file(),
            text: text.to_string(),
            expected: "a version specifier such as `>=3.12`",
        };
        let specifiers: Option<Vec<Specifier>> = text.split(',').map(Specifier::parse).collect();
        match specifiers {
            Some(specifiers) if !specifiers.is_empty() => {
                Ok(Self::Specifiers { text: text.trim().to_string(), specifiers })
            }
            _ => Err(invalid()),
        }
    }
}

impl kiln_buildpack::Requirement<PythonVersion> for Requirement {
    fn accepts(&self, version: &PythonVersion) -> bool {
        match self {
            Self::Newest => true,
            Self::Prefix { parts, .. } => starts_with(*version, parts),
            Self::Specifiers { specifiers, .. } => specifiers.iter().all(|specifier| specifier.accepts(*version)),
        }
    }

    fn how_to_change(&self) -> String {
        match self {
            Self::Newest => "Add a .python-version file naming a supported version".to_string(),
            Self::Prefix { origin, .. } => format!("Change {} to a supported version", origin.file()),
            Self::Specifiers { .. } => {
                "Change `requires-python` in pyproject.toml to allow a supported version".to_string()
            }
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Newest => f.write_str("The newest Python (no .python-version, runtime.txt or requires-python)"),
            Self::Prefix { parts, origin } => write!(f, "Python {} ({})", dotted(parts), origin.file()),
            Self::Specifiers { text, .. } => write!(f, "Python {text} ({})", Origin::RequiresPython.file()),
        }
    }
}

fn dotted(parts: &[u32]) -> String {
    parts.iter().map(ToString::to_string).collect::<Vec<_>>().join(".")
}

fn starts_with(version: PythonVersion, parts: &[u32]) -> bool {
    version.parts().iter().zip(parts).all(|(have, want)| have == want)
}

/// The version's parts against `parts` padded with zeros (`3.12` is `3.12.0`).
fn compare(version: PythonVersion, parts: &[u32]) -> std::cmp::Ordering {
    let mut padded = [0; 3];
    padded[..parts.len()].copy_from_slice(parts);
    version.parts().cmp(&padded)
}

/// One PEP 440 version specifier, as far as CPython release versions need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Specifier {
    operator: Operator,
    parts: Vec<u32>,
    /// `==3.12.*`, `!=3.12.*`.
    wildcard: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    Compatible,
    Equal,
    NotEqual,
    LessOrEqual,
    GreaterOrEqual,
    Less,
    Greater,
}

impl Specifier {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let operators = [
            ("~=", Operator::Compatible),
            ("===", Operator::Equal),
            ("==", Operator::Equal),
            ("!=", Operator::NotEqual),
            ("<=", Operator::LessOrEqual),
            (">=", Operator::GreaterOrEqual),
            ("<", Operator::Less),
            (">", Operator::Greater),
        ];
        let (operator, rest) = operators
            .iter()
            .find_map(|(symbol, operator)| text.strip_prefix(symbol).map(|rest| (*operator, rest.trim())))?;
        let (version, wildcard) = match rest.strip_suffix(".*") {
            Some(version) if matches!(operator, Operator::Equal | Operator::NotEqual) => (version, true),
            Some(_) => return None,
            None => (rest, false),
        };
        let parts = parse_parts(version)?;
        if operator == Operator::Compatible && parts.len() < 2 {
            return None;
        }
        Some(Self { operator, parts, wildcard })
    }

    fn accepts(&self, version: PythonVersion) -> bool {
        use std::cmp::Ordering::{Greater, Less};
        let order = compare(version, &self.parts);
        match self.operator {
            Operator::Equal if self.wildcard => starts_with(version, &self.parts),
            Operator::NotEqual if self.wildcard => !starts_with(version, &self.parts),
            Operator::Equal => order.is_eq(),
            Operator::NotEqual => !order.is_eq(),
            Operator::LessOrEqual => order != Greater,
            Operator::GreaterOrEqual => order != Less,
            Operator::Less => order == Less,
            Operator::Greater => order == Greater,
            Operator::Compatible => order != Less && starts_with(version, &self.parts[..self.parts.len() - 1]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_buildpack::Requirement as _;

    fn version(text: &str) -> PythonVersion {
        text.parse().expect("valid version")
    }

    fn accepted(requirement: &Requirement) -> Vec<&'static str> {
        ["3.12.1", "3.12.12", "3.13.0", "3.13.9", "3.14.0"]
            .into_iter()
            .filter(|candidate| requirement.accepts(&version(candidate)))
            .collect()
    }

    #[test]
    fn python_version_and_runtime_txt_name_a_minor_or_a_release() {
        let minor = Requirement::from_python_version_file("# pinned\n3.13\n").expect("valid");
        assert_eq!(accepted(&minor), ["3.13.0", "3.13.9"]);
        assert_eq!(minor.to_string(), "Python 3.13 (.python-version)");
        let exact = Requirement::from_runtime_txt("python-3.12.1\n").expect("valid");
        assert_eq!(accepted(&exact), ["3.12.1"]);
        assert_eq!(accepted(&Requirement::from_python_version_file("cpython-3.14").expect("valid")), ["3.14.0"]);
        let error = Requirement::from_python_version_file("pypy3.10").expect_err("not CPython");
        assert_eq!(error.file, ".python-version");
    }

    #[test]
    fn requires_python_takes_pep_440_specifiers() {
        let cases = [
            (">=3.13", vec!["3.13.0", "3.13.9", "3.14.0"]),
            (">=3.12, <3.13", vec!["3.12.1", "3.12.12"]),
            ("~=3.12", vec!["3.12.1", "3.12.12", "3.13.0", "3.13.9", "3.14.0"]),
            ("~=3.12.2", vec!["3.12.12"]),
            ("==3.13.*", vec!["3.13.0", "3.13.9"]),
            ("!=3.13.*,>3.12.1", vec!["3.12.12", "3.14.0"]),
            ("==3.13", vec!["3.13.0"]),
            ("<=3.12.12", vec!["3.12.1", "3.12.12"]),
        ];
        for (text, expected) in cases {
            let requirement = Requirement::from_requires_python(text).expect(text);
            assert_eq!(accepted(&requirement), expected, "{text}");
        }
        for invalid in ["3.12", ">=3.x", "~=3", ">=3.12.*", ""] {
            assert!(Requirement::from_requires_python(invalid).is_err(), "{invalid}");
        }
    }
}
