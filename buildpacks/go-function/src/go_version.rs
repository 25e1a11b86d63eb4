//! Go versions and their order, as Go itself compares them (`go/version`): a language
//! version `1.26` sorts before its prereleases `1.26rc1`, which sort before releases `1.26.0`.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct GoVersion {
    major: u32,
    minor: u32,
    stage: Stage,
}

/// What follows `major.minor`, in ascending order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Stage {
    /// `1.26`: the language version a `go` line names.
    Language,
    Beta(u32),
    Rc(u32),
    Release(u32),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a Go version: write it like 1.26, 1.26.8 or 1.27rc1")]
pub(crate) struct InvalidGoVersion(String);

impl GoVersion {
    /// Whether this is a beta or release candidate, which a minimum version only picks when it
    /// is itself one.
    pub(crate) fn is_prerelease(&self) -> bool {
        matches!(self.stage, Stage::Beta(_) | Stage::Rc(_))
    }
}

impl FromStr for GoVersion {
    type Err = InvalidGoVersion;

    /// Accepts `1.26.8`, `1.26`, `1.27rc1` and the toolchain spelling `go1.26.8`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidGoVersion(text.to_string());
        let number = |digits: &str| -> Result<u32, InvalidGoVersion> {
            if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
                return Err(invalid());
            }
            digits.parse().map_err(|_| invalid())
        };
        let version = text.strip_prefix("go").unwrap_or(text);
        let (major, rest) = version.split_once('.').ok_or_else(invalid)?;
        let minor_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        let (minor, suffix) = rest.split_at(minor_end);
        let stage = if suffix.is_empty() {
            Stage::Language
        } else if let Some(patch) = suffix.strip_prefix('.') {
            Stage::Release(number(patch)?)
        } else if let Some(rc) = suffix.strip_prefix("rc") {
            Stage::Rc(number(rc)?)
        } else if let Some(beta) = suffix.strip_prefix("beta") {
            Stage::Beta(number(beta)?)
        } else {
            return Err(invalid());
        };
        Ok(Self { major: number(major)?, minor: number(minor)?, stage })
    }
}

impl<'de> serde::Deserialize<'de> for GoVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

impl Ord for GoVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.major, self.minor, self.stage).cmp(&(other.major, other.minor, other.stage))
    }
}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        match self.stage {
            Stage::Language => Ok(()),
            Stage::Beta(number) => write!(f, "beta{number}"),
            Stage::Rc(number) => write!(f, "rc{number}"),
            Stage::Release(patch) => write!(f, ".{patch}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> GoVersion {
        text.parse().expect("valid version")
    }

    #[test]
    fn parses_every_spelling_and_prints_it_back() {
        for text in ["1.26", "1.26.8", "1.27rc2", "1.22beta1", "1.100.3"] {
            assert_eq!(version(text).to_string(), text);
        }
        assert_eq!(version("go1.26.8"), version("1.26.8"));
    }

    #[test]
    fn orders_as_go_does() {
        let ascending = ["1.9.9", "1.26", "1.26beta1", "1.26rc1", "1.26rc2", "1.26.0", "1.26.8", "1.26.10", "1.27"];
        for pair in ascending.windows(2) {
            assert!(version(pair[0]) < version(pair[1]), "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn rejects_what_is_not_a_version() {
        for text in ["", "1", "go", "1.x", "1.26.", "1.26-rc1", "v1.26", "1.26.8 "] {
            assert!(text.parse::<GoVersion>().is_err(), "{text:?}");
        }
    }

    #[test]
    fn knows_prereleases() {
        assert!(version("1.27rc1").is_prerelease());
        assert!(!version("1.27.0").is_prerelease());
        assert!(!version("1.27").is_prerelease());
    }
}
