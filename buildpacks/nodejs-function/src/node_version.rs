//! Node.js versions and the semver ranges that `engines.node`, `.nvmrc` and `.node-version`
//! write, with npm's meaning: `22`, `22.x`, `^22.1`, `~24.3.0`, `>=22 <25`, `22 - 24`,
//! `^22 || ^24`, `*`. Node.js releases have no prerelease tags, so ranges have none either.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct NodeVersion {
    pub(crate) major: u64,
    pub(crate) minor: u64,
    pub(crate) patch: u64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a Node.js version: write it like 24.16.0")]
pub(crate) struct InvalidNodeVersion(String);

impl FromStr for NodeVersion {
    type Err = InvalidNodeVersion;

    /// `24.16.0`, also spelled `v24.16.0` as nodejs.org names its releases.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match Partial::parse(text) {
            Some(Partial { major: Some(major), minor: Some(minor), patch: Some(patch) }) => {
                Ok(Self { major, minor, patch })
            }
            _ => Err(InvalidNodeVersion(text.to_string())),
        }
    }
}

impl<'de> serde::Deserialize<'de> for NodeVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for NodeVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// A version with parts left out or wildcards (`22`, `22.x`, `*`): `None` is "any".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Partial {
    major: Option<u64>,
    minor: Option<u64>,
    patch: Option<u64>,
}

impl Partial {
    fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let text = text.strip_prefix(['v', '=']).unwrap_or(text);
        let mut parts = [None; 3];
        let mut wildcard_seen = false;
        if !(text.is_empty() || text == "*") {
            let pieces: Vec<&str> = text.split('.').collect();
            if pieces.len() > 3 {
                return None;
            }
            for (slot, piece) in parts.iter_mut().zip(&pieces) {
                if matches!(*piece, "x" | "X" | "*") {
                    wildcard_seen = true;
                } else if wildcard_seen || piece.is_empty() || !piece.bytes().all(|byte| byte.is_ascii_digit()) {
                    return None;
                } else {
                    *slot = Some(piece.parse().ok()?);
                }
            }
        }
        Some(Self { major: parts[0], minor: parts[1], patch: parts[2] })
    }

    /// The lowest version it covers.
    fn floor(self) -> NodeVersion {
        NodeVersion { major: self.major.unwrap_or(0), minor: self.minor.unwrap_or(0), patch: self.patch.unwrap_or(0) }
    }

    /// The first version after the ones it covers, if it is partial (`22.1` -> `22.2.0`).
    fn ceiling(self) -> Option<NodeVersion> {
        match (self.major, self.minor, self.patch) {
            (Some(major), None, _) => Some(NodeVersion { major: major + 1, minor: 0, patch: 0 }),
            (Some(major), Some(minor), None) => Some(NodeVersion { major, minor: minor + 1, patch: 0 }),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Bound {
    AtLeast(NodeVersion),
    Above(NodeVersion),
    Below(NodeVersion),
    AtMost(NodeVersion),
}

impl Bound {
    fn accepts(self, version: NodeVersion) -> bool {
        match self {
            Self::AtLeast(bound) => version >= bound,
            Self::Above(bound) => version > bound,
            Self::Below(bound) => version < bound,
            Self::AtMost(bound) => version <= bound,
        }
    }
}

/// Alternatives (`||`), each a set of bounds that must all hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct VersionRange(Vec<Vec<Bound>>);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a Node.js version range: write it like 24, 24.x, ^22.12.0, >=22 <25 or 22 - 24")]
pub(crate) struct InvalidRange(pub(crate) String);

impl VersionRange {
    pub(crate) fn accepts(&self, version: NodeVersion) -> bool {
        self.0.iter().any(|bounds| bounds.iter().all(|bound| bound.accepts(version)))
    }
}

impl FromStr for VersionRange {
    type Err = InvalidRange;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidRange(text.to_string());
        let alternatives: Result<Vec<_>, _> =
            text.split("||").map(|alternative| parse_alternative(alternative).ok_or_else(invalid)).collect();
        alternatives.map(Self)
    }
}

fn parse_alternative(text: &str) -> Option<Vec<Bound>> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if let [low, "-", high] = words.as_slice() {
        let (low, high) = (Partial::parse(low)?, Partial::parse(high)?);
        let upper = high.ceiling().map_or(Bound::AtMost(high.floor()), Bound::Below);
        return Some(vec![Bound::AtLeast(low.floor()), upper]);
    }
    // `>= 22` is `>=22`: an operator alone joins the word after it.
    let mut comparators = Vec::new();
    let mut pending_operator: Option<&str> = None;
    for word in words {
        if word.bytes().all(|byte| b"<>=^~".contains(&byte)) {
            pending_operator = Some(word);
            continue;
        }
        comparators
            .push(pending_operator.take().map_or_else(|| word.to_string(), |operator| format!("{operator}{word}")));
    }
    if pending_operator.is_some() {
        return None;
    }
    if comparators.is_empty() {
        return Some(Vec::new());
    }
    let mut bounds = Vec::new();
    for comparator in comparators {
        bounds.extend(parse_comparator(&comparator)?);
    }
    Some(bounds)
}

fn parse_comparator(text: &str) -> Option<Vec<Bound>> {
    let operator_end = text.find(|c: char| !"<>=^~".contains(c)).unwrap_or(text.len());
    let (operator, version) = text.split_at(operator_end);
    let partial = Partial::parse(version)?;
    let floor = partial.floor();
    let exact_or_partial = |partial: Partial| match partial.ceiling() {
        Some(ceiling) => vec![Bound::AtLeast(partial.floor()), Bound::Below(ceiling)],
        None if partial.major.is_none() => Vec::new(),
        None => vec![Bound::AtLeast(partial.floor()), Bound::AtMost(partial.floor())],
    };
    Some(match operator {
        "" | "=" => exact_or_partial(partial),
        ">=" => vec![Bound::AtLeast(floor)],
        ">" => vec![partial.ceiling().map_or(Bound::Above(floor), Bound::AtLeast)],
        "<" => vec![Bound::Below(floor)],
        "<=" => vec![partial.ceiling().map_or(Bound::AtMost(floor), Bound::Below)],
        "~" | "~>" => {
            let ceiling = match partial.minor {
                Some(minor) => NodeVersion { major: floor.major, minor: minor + 1, patch: 0 },
                None => NodeVersion { major: floor.major + 1, minor: 0, patch: 0 },
            };
            vec![Bound::AtLeast(floor), Bound::Below(ceiling)]
        }
        "^" => {
            // The leftmost non-zero part may not change.
            let ceiling = if floor.major > 0 || partial.minor.is_none() {
                NodeVersion { major: floor.major + 1, minor: 0, patch: 0 }
            } else if floor.minor > 0 || partial.patch.is_none() {
                NodeVersion { major: 0, minor: floor.minor + 1, patch: 0 }
            } else {
                NodeVersion { major: 0, minor: 0, patch: floor.patch + 1 }
            };
            vec![Bound::AtLeast(floor), Bound::Below(ceiling)]
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> NodeVersion {
        text.parse().expect("valid version")
    }

    fn accepted(range: &str, versions: &[&str]) -> Vec<String> {
        let range: VersionRange = range.parse().expect("valid range");
        versions.iter().filter(|v| range.accepts(version(v))).map(ToString::to_string).collect()
    }

    const VERSIONS: &[&str] = &["20.19.0", "22.11.0", "22.22.3", "23.0.0", "24.0.0", "24.16.0", "26.3.0"];

    #[test]
    fn parses_versions_as_nodejs_org_spells_them() {
        assert_eq!(version("v24.16.0"), version("24.16.0"));
        assert_eq!(version("24.16.0").to_string(), "24.16.0");
        for text in ["24", "24.16", "24.16.0.1", "24.x.0", "lts"] {
            assert!(text.parse::<NodeVersion>().is_err(), "{text}");
        }
        assert!(version("22.9.0") < version("22.10.0"));
    }

    #[test]
    fn reads_the_ranges_npm_reads() {
        assert_eq!(accepted("22", VERSIONS), ["22.11.0", "22.22.3"]);
        assert_eq!(accepted("22.x", VERSIONS), ["22.11.0", "22.22.3"]);
        assert_eq!(accepted("v24.16", VERSIONS), ["24.16.0"]);
        assert_eq!(accepted("24.0.0", VERSIONS), ["24.0.0"]);
        assert_eq!(accepted("^22.12.0", VERSIONS), ["22.22.3"]);
        assert_eq!(accepted("~22.11", VERSIONS), ["22.11.0"]);
        assert_eq!(accepted(">=22 <24", VERSIONS), ["22.11.0", "22.22.3", "23.0.0"]);
        assert_eq!(accepted(">= 24", VERSIONS), ["24.0.0", "24.16.0", "26.3.0"]);
        assert_eq!(accepted(">22", VERSIONS), ["23.0.0", "24.0.0", "24.16.0", "26.3.0"]);
        assert_eq!(accepted("<=22", VERSIONS), ["20.19.0", "22.11.0", "22.22.3"]);
        assert_eq!(accepted("22 - 23", VERSIONS), ["22.11.0", "22.22.3", "23.0.0"]);
        assert_eq!(accepted("^20 || ^26", VERSIONS), ["20.19.0", "26.3.0"]);
        assert_eq!(accepted("*", VERSIONS).len(), VERSIONS.len());
        assert_eq!(accepted("", VERSIONS).len(), VERSIONS.len());
    }

    #[test]
    fn rejects_what_is_no_range() {
        for text in ["lts/*", "22.x.1", ">=", "node 22", "^22.0.0-rc.1", "22 ||| 24"] {
            assert!(text.parse::<VersionRange>().is_err(), "{text}");
        }
    }
}
