//! Rust release versions as the inventory and the source spell them: `1.95.0`, and `1.95` in
//! `rust-version` or a toolchain channel.

use serde::Deserialize;
use std::fmt;
use std::str::FromStr;

/// A stable Rust release: `1.95.0`. Ordered by number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RustVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

/// A version as the source may write it: `1.95` (any patch) or `1.95.0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartialVersion {
    pub major: u64,
    pub minor: u64,
    pub patch: Option<u64>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a Rust version such as 1.95.0")]
pub struct InvalidVersion(pub String);

impl FromStr for PartialVersion {
    type Err = InvalidVersion;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidVersion(text.to_string());
        let number = |part: &str| part.parse::<u64>().ok().filter(|_| part.bytes().all(|byte| byte.is_ascii_digit()));
        let mut parts = text.trim().split('.');
        let major = parts.next().and_then(number).ok_or_else(invalid)?;
        let minor = parts.next().and_then(number).ok_or_else(invalid)?;
        let patch = match parts.next() {
            Some(part) => Some(number(part).ok_or_else(invalid)?),
            None => None,
        };
        if parts.next().is_some() {
            return Err(invalid());
        }
        Ok(Self { major, minor, patch })
    }
}

impl FromStr for RustVersion {
    type Err = InvalidVersion;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let partial: PartialVersion = text.parse()?;
        let patch = partial.patch.ok_or_else(|| InvalidVersion(text.to_string()))?;
        Ok(Self { major: partial.major, minor: partial.minor, patch })
    }
}

impl PartialVersion {
    /// The oldest release it names: `1.95` is `1.95.0`.
    #[must_use]
    pub fn lowest(self) -> RustVersion {
        RustVersion { major: self.major, minor: self.minor, patch: self.patch.unwrap_or(0) }
    }

    /// Whether `version` is the release it names (any patch when it names none).
    #[must_use]
    pub fn matches(self, version: RustVersion) -> bool {
        (self.major, self.minor) == (version.major, version.minor) && self.patch.is_none_or(|p| p == version.patch)
    }
}

impl fmt::Display for RustVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

impl fmt::Display for PartialVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.patch {
            Some(patch) => write!(f, "{}.{}.{patch}", self.major, self.minor),
            None => write!(f, "{}.{}", self.major, self.minor),
        }
    }
}

impl<'de> Deserialize<'de> for RustVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_releases_and_partial_versions() {
        assert_eq!("1.95.0".parse(), Ok(RustVersion { major: 1, minor: 95, patch: 0 }));
        assert!("1.95".parse::<RustVersion>().is_err());
        let minor: PartialVersion = "1.95".parse().expect("valid");
        assert!(minor.matches("1.95.3".parse().expect("valid")));
        assert!(!minor.matches("1.96.0".parse().expect("valid")));
        assert_eq!(minor.lowest().to_string(), "1.95.0");
        for invalid in ["", "1", "stable", "1.95.0.1", "1.x", "1.95.-1", "1.95.0-beta.1"] {
            assert!(invalid.parse::<PartialVersion>().is_err(), "{invalid}");
        }
    }

    #[test]
    fn orders_by_number() {
        let version = |text: &str| text.parse::<RustVersion>().expect("valid");
        assert!(version("1.100.0") > version("1.99.1"));
        assert!(version("1.99.1") > version("1.99.0"));
    }
}
