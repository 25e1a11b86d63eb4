//! What kiln reads of `go.mod`: the module path (to import a function's package) and the two
//! directives that choose the toolchain, `go` and `toolchain`.

use crate::go_version::{GoVersion, InvalidGoVersion};
use std::path::{Path, PathBuf};

#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct GoMod {
    /// The `module` line: the import path of the module's root package.
    pub(crate) module: Option<String>,
    /// The `go` line: the minimum Go version (and the language version) of the module.
    pub(crate) go: Option<GoVersion>,
    /// The `toolchain` line: the exact Go the module prefers; absent or `default` means none.
    pub(crate) toolchain: Option<GoVersion>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum GoModError {
    #[error("cannot read {}: {source}. Make sure go.mod is a readable file at the source root", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("go.mod line {line}, `{directive}`: {source}")]
    InvalidVersion {
        line: usize,
        directive: String,
        #[source]
        source: InvalidGoVersion,
    },
}

impl GoMod {
    pub(crate) fn read(app_dir: &Path) -> Result<Self, GoModError> {
        let path = app_dir.join("go.mod");
        let text = std::fs::read_to_string(&path).map_err(|source| GoModError::Read { path, source })?;
        Self::parse(&text)
    }

    fn parse(text: &str) -> Result<Self, GoModError> {
        let mut go_mod = Self::default();
        for (index, raw_line) in text.lines().enumerate() {
            let line = raw_line.split("//").next().unwrap_or_default().trim();
            let mut words = line.split_whitespace();
            let (Some(keyword), Some(value), None) = (words.next(), words.next(), words.next()) else {
                continue;
            };
            let parse = || {
                value.parse().map_err(|source| GoModError::InvalidVersion {
                    line: index + 1,
                    directive: line.to_string(),
                    source,
                })
            };
            match keyword {
                "module" => go_mod.module = Some(value.trim_matches('"').to_string()),
                "go" => go_mod.go = Some(parse()?),
                "toolchain" if value != "default" => go_mod.toolchain = Some(parse()?),
                _ => {}
            }
        }
        Ok(go_mod)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> GoVersion {
        text.parse().expect("valid version")
    }

    #[test]
    fn reads_the_go_and_toolchain_lines() {
        let go_mod = GoMod::parse(
            "module example.com/app // the app\n\ngo 1.26 // minimum\n\ntoolchain go1.26.8\n\nrequire github.com/google/uuid v1.6.0\n",
        )
        .expect("valid go.mod");
        assert_eq!(go_mod.module.as_deref(), Some("example.com/app"));
        assert_eq!(go_mod.go, Some(version("1.26")));
        assert_eq!(go_mod.toolchain, Some(version("1.26.8")));
    }

    #[test]
    fn reads_a_quoted_module_path() {
        let go_mod = GoMod::parse("module \"example.com/quoted\"\n").expect("valid");
        assert_eq!(go_mod.module.as_deref(), Some("example.com/quoted"));
    }

    #[test]
    fn both_lines_are_optional_and_toolchain_default_means_none() {
        assert_eq!(
            GoMod::parse("module example.com/app\n").expect("valid"),
            GoMod { module: Some("example.com/app".to_string()), ..GoMod::default() }
        );
        let go_mod = GoMod::parse("module m\ngo 1.27.1\ntoolchain default\n").expect("valid");
        assert_eq!(go_mod.go, Some(version("1.27.1")));
        assert_eq!(go_mod.toolchain, None);
    }

    #[test]
    fn ignores_go_inside_other_directives() {
        let go_mod = GoMod::parse("module m\nrequire (\n\tgo.uber.org/zap v1.27.0\n)\ngo 1.26\n").expect("valid");
        assert_eq!(go_mod.go, Some(version("1.26")));
    }

    #[test]
    fn names_the_line_of_an_invalid_version() {
        let error = GoMod::parse("module m\n\ngo one.two\n").expect_err("must fail");
        let message = error.to_string();
        assert!(message.contains("line 3"), "{message}");
        assert!(message.contains("go one.two"), "{message}");
    }
}
