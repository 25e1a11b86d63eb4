//! CPython versions as the inventory and the source's files spell them: `3.12.12`.

use serde::Deserialize;
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub(crate) struct PythonVersion {
    pub(crate) major: u32,
    pub(crate) minor: u32,
    pub(crate) patch: u32,
}

impl PythonVersion {
    /// `3.12`: which compiled wheels (and bytecode) fit it.
    pub(crate) fn minor_version(self) -> String {
        format!("{}.{}", self.major, self.minor)
    }

    /// The version's parts padded with zeros to `parts.len()`, for comparing with `3.12`.
    pub(crate) fn parts(self) -> [u32; 3] {
        [self.major, self.minor, self.patch]
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Python version such as 3.12.12")]
pub(crate) struct InvalidVersion(pub(crate) String);

impl FromStr for PythonVersion {
    type Err = InvalidVersion;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts = parse_parts(text).ok_or_else(|| InvalidVersion(text.to_string()))?;
        match parts[..] {
            [major, minor, patch] => Ok(Self { major, minor, patch }),
            _ => Err(InvalidVersion(text.to_string())),
        }
    }
}

impl TryFrom<String> for PythonVersion {
    type Error = InvalidVersion;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// `3`, `3.12` or `3.12.1` as its numbers; None for anything else (`3.12rc1`, `3.x`).
pub(crate) fn parse_parts(text: &str) -> Option<Vec<u32>> {
    let parts: Option<Vec<u32>> = text.trim().split('.').map(|part| part.parse().ok()).collect();
    parts.filter(|parts| (1..=3).contains(&parts.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_full_versions() {
        let version: PythonVersion = "3.12.12".parse().expect("valid");
        assert_eq!(version.to_string(), "3.12.12");
        assert_eq!(version.minor_version(), "3.12");
        assert!(version < "3.13.0".parse().expect("valid"));
        assert!("3.12".parse::<PythonVersion>().is_err());
        assert!("3.13.0rc1".parse::<PythonVersion>().is_err());
        assert_eq!(parse_parts("3.12"), Some(vec![3, 12]));
        assert_eq!(parse_parts("3.x"), None);
    }
}
