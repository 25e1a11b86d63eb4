//! Glob patterns over paths relative to the source root, as a keep setting writes them:
//! `*` matches within one path segment, `?` one character, and a `**` segment any number of
//! segments (`static/**/*.html`).

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob {
    segments: Vec<String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum GlobError {
    #[error("it is empty")]
    Empty,
    #[error("it is absolute; write it relative to the source root")]
    Absolute,
    #[error("it contains `..`; name files inside the source root")]
    ParentDir,
}

impl Glob {
    pub(crate) fn parse(pattern: &str) -> Result<Self, GlobError> {
        if pattern.starts_with('/') {
            return Err(GlobError::Absolute);
        }
        let segments: Vec<String> =
            pattern.split('/').filter(|segment| !segment.is_empty() && *segment != ".").map(String::from).collect();
        if segments.is_empty() {
            return Err(GlobError::Empty);
        }
        if segments.iter().any(|segment| segment == "..") {
            return Err(GlobError::ParentDir);
        }
        Ok(Self { segments })
    }

    /// Whether the path `relative` (segments below the source root) matches.
    pub(crate) fn matches(&self, relative: &[&str]) -> bool {
        matches_segments(&self.segments, relative)
    }
}

fn matches_segments(pattern: &[String], path: &[&str]) -> bool {
    match (pattern.split_first(), path.split_first()) {
        (None, None) => true,
        (Some((first, rest)), _) if first == "**" => {
            matches_segments(rest, path) || (!path.is_empty() && matches_segments(pattern, &path[1..]))
        }
        (Some((first, rest)), Some((name, below))) => {
            matches_segment(first.as_bytes(), name.as_bytes()) && matches_segments(rest, below)
        }
        _ => false,
    }
}

fn matches_segment(pattern: &[u8], name: &[u8]) -> bool {
    match (pattern.split_first(), name.split_first()) {
        (None, None) => true,
        (Some((b'*', rest)), _) => {
            matches_segment(rest, name) || (!name.is_empty() && matches_segment(pattern, &name[1..]))
        }
        (Some((b'?', rest)), Some((_, name_rest))) => matches_segment(rest, name_rest),
        (Some((expected, rest)), Some((actual, name_rest))) => expected == actual && matches_segment(rest, name_rest),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(pattern: &str, path: &str) -> bool {
        Glob::parse(pattern).expect("valid pattern").matches(&path.split('/').collect::<Vec<_>>())
    }

    #[test]
    fn stars_stay_within_a_segment() {
        assert!(matches("*.html", "index.html"));
        assert!(!matches("*.html", "static/index.html"));
        assert!(matches("static/*", "static/logo.png"));
        assert!(matches("static/", "static"));
        assert!(matches("./config.yaml", "config.yaml"));
        assert!(matches("data?.csv", "data1.csv"));
        assert!(!matches("data?.csv", "data10.csv"));
    }

    #[test]
    fn double_stars_cross_segments() {
        assert!(matches("**/*.html", "index.html"));
        assert!(matches("**/*.html", "a/b/index.html"));
        assert!(matches("static/**/*.css", "static/css/site.css"));
        assert!(!matches("static/**/*.css", "other/site.css"));
        assert!(matches("templates/**", "templates/mail/welcome.txt"));
    }

    #[test]
    fn patterns_stay_inside_the_source() {
        assert_eq!(Glob::parse("/etc/passwd"), Err(GlobError::Absolute));
        assert_eq!(Glob::parse("../secrets"), Err(GlobError::ParentDir));
        assert_eq!(Glob::parse("./"), Err(GlobError::Empty));
    }
}
