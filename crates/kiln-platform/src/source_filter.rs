//! Which of the source's files are built, decided as pack decides it: project.toml's
//! `include` or `exclude` patterns in gitignore syntax (`*.log`, `/vendor`, `node_modules/`,
//! `**/testdata`, `!keep.txt`), matched against each path relative to the source root. A path
//! a pattern matches through one of its parent directories matches too, so `exclude =
//! ["target/"]` leaves out all of `target/`, and `include = ["src"]` keeps all of `src/`.
//! `.git` at the root is always left out: it changes with every commit and would make
//! otherwise identical sources give different images.

use crate::descriptor::{FileSelection, FILE_NAME};
use crate::errors::invalid_source;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::Path;

const ALWAYS_LEFT_OUT: &str = ".git";

#[derive(Clone)]
pub struct SourceFilter {
    rule: Option<Rule>,
}

#[derive(Clone)]
struct Rule {
    patterns: Gitignore,
    /// `include`: keep what matches; `exclude`: keep what does not.
    keep_matches: bool,
}

impl SourceFilter {
    /// The filter for a source whose project.toml selects `selection`; `source` is its root.
    pub fn new(source: &Path, selection: &FileSelection) -> anyhow::Result<Self> {
        let (patterns, keep_matches) = match selection {
            FileSelection::All => return Ok(Self { rule: None }),
            FileSelection::Include(patterns) => (patterns, true),
            FileSelection::Exclude(patterns) => (patterns, false),
        };
        let mut builder = GitignoreBuilder::new(source);
        for pattern in patterns {
            builder.add_line(None, pattern).map_err(|error| bad_pattern(pattern, &error))?;
        }
        let patterns = builder.build().map_err(|error| bad_pattern("", &error))?;
        Ok(Self { rule: Some(Rule { patterns, keep_matches }) })
    }

    /// Whether the entry at `relative` (a path below the source root) is built. A directory
    /// that is not kept may still hold kept entries (`include = ["*.go"]`).
    #[must_use]
    pub fn keeps(&self, relative: &Path, is_dir: bool) -> bool {
        if relative.components().next().is_some_and(|first| first.as_os_str() == ALWAYS_LEFT_OUT) {
            return false;
        }
        let Some(rule) = &self.rule else {
            return true;
        };
        let matched = rule.patterns.matched_path_or_any_parents(relative, is_dir).is_ignore();
        matched == rule.keep_matches
    }

    /// Whether a project.toml pattern decides what is built (for people: what was left out).
    #[must_use]
    pub fn selects(&self) -> bool {
        self.rule.is_some()
    }
}

fn bad_pattern(pattern: &str, error: &ignore::Error) -> anyhow::Error {
    invalid_source(
        format!("{FILE_NAME} has an include or exclude pattern kiln cannot read (`{pattern}`): {error}"),
        "write the patterns in gitignore syntax, e.g. `*.log`, `target/` or `/docs`",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(selection: &FileSelection) -> SourceFilter {
        SourceFilter::new(Path::new("/src"), selection).expect("valid patterns")
    }

    fn patterns(patterns: &[&str]) -> Vec<String> {
        patterns.iter().map(ToString::to_string).collect()
    }

    fn keeps_file(filter: &SourceFilter, path: &str) -> bool {
        filter.keeps(Path::new(path), false)
    }

    #[test]
    fn everything_but_git_without_patterns() {
        let all = filter(&FileSelection::All);
        assert!(keeps_file(&all, "main.go"));
        assert!(keeps_file(&all, "node_modules/x/index.js"));
        assert!(!all.keeps(Path::new(".git"), true));
        assert!(!keeps_file(&all, ".git/HEAD"));
        assert!(keeps_file(&all, "vendor/.git/HEAD"), "only the root's .git is the source's history");
        assert!(!all.selects());
    }

    #[test]
    fn exclude_leaves_out_matches_and_everything_below_them() {
        let exclude = filter(&FileSelection::Exclude(patterns(&["node_modules/", "*.log", "/secret.txt"])));
        assert!(keeps_file(&exclude, "index.js"));
        assert!(!exclude.keeps(Path::new("node_modules"), true));
        assert!(!keeps_file(&exclude, "node_modules/left-pad/index.js"));
        assert!(!keeps_file(&exclude, "logs/build.log"), "unanchored patterns match at any depth");
        assert!(!keeps_file(&exclude, "secret.txt"));
        assert!(keeps_file(&exclude, "docs/secret.txt"), "a leading / anchors to the source root");
        assert!(!keeps_file(&exclude, ".git/config"));
        assert!(exclude.selects());
    }

    #[test]
    fn a_directory_pattern_with_a_slash_does_not_match_a_file() {
        let exclude = filter(&FileSelection::Exclude(patterns(&["build/"])));
        assert!(keeps_file(&exclude, "build"), "`build/` names directories only");
        assert!(!keeps_file(&exclude, "build/out.bin"));
    }

    #[test]
    fn negated_patterns_take_files_back() {
        let exclude = filter(&FileSelection::Exclude(patterns(&["*.txt", "!keep.txt"])));
        assert!(!keeps_file(&exclude, "notes.txt"));
        assert!(keeps_file(&exclude, "keep.txt"));
    }

    #[test]
    fn include_keeps_only_matches_and_what_is_below_them() {
        let include = filter(&FileSelection::Include(patterns(&["go.mod", "cmd", "*.go"])));
        assert!(keeps_file(&include, "go.mod"));
        assert!(keeps_file(&include, "cmd/server/main.go"));
        assert!(keeps_file(&include, "cmd/server/README.md"), "below an included directory");
        assert!(keeps_file(&include, "internal/x.go"));
        assert!(!keeps_file(&include, "internal/README.md"));
        assert!(!include.keeps(Path::new("internal"), true), "the directory itself is not included");
        assert!(!keeps_file(&include, "project.toml"));
        assert!(!keeps_file(&include, ".git/x.go"));
    }

    #[test]
    fn double_star_matches_any_depth() {
        let exclude = filter(&FileSelection::Exclude(patterns(&["**/testdata/**"])));
        assert!(!keeps_file(&exclude, "pkg/a/testdata/big.json"));
        assert!(keeps_file(&exclude, "pkg/a/data.json"));
    }

    #[test]
    fn a_pattern_that_is_no_glob_is_invalid_source() {
        let error = SourceFilter::new(Path::new("/src"), &FileSelection::Exclude(patterns(&["{a,b"])))
            .err()
            .expect("an unclosed alternation is refused");
        let kinded = error.downcast_ref::<kiln_error::KindedError>().expect("kinded");
        assert_eq!(kinded.kind, kiln_error::ErrorKind::InvalidSource);
        assert!(kinded.message.contains("`{a,b`"), "{}", kinded.message);
    }
}
