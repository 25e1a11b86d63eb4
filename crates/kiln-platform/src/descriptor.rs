//! The source's project descriptor, `project.toml` at its root, as pack reads it: the build
//! environment (`[[io.buildpacks.build.env]]` of schema 0.2, `[[build.env]]` of schema 0.1,
//! each entry a `name` and a `value`) and which files are built (`[io.buildpacks]` or
//! `[build]` `include` or `exclude`, gitignore-style patterns). A function's source can carry
//! its `FUNC_NAME` this way. Other tables (buildpacks, metadata) are not read.

use crate::errors::invalid_source;
use serde::Deserialize;
use std::path::Path;

pub const FILE_NAME: &str = "project.toml";

/// What a source's project.toml declares; the default when it has none.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ProjectDescriptor {
    /// Build environment, in file order.
    pub env: Vec<(String, String)>,
    pub files: FileSelection,
}

/// Which of the source's files are built.
#[derive(Debug, Default, PartialEq, Eq)]
pub enum FileSelection {
    #[default]
    All,
    /// Only the files these patterns match.
    Include(Vec<String>),
    /// All files but those these patterns match.
    Exclude(Vec<String>),
}

#[derive(Deserialize, Default)]
struct Descriptor {
    #[serde(default)]
    io: Io,
    /// Schema 0.1.
    #[serde(default)]
    build: Table,
}

#[derive(Deserialize, Default)]
struct Io {
    /// Schema 0.2: `include`/`exclude` here, the env under `build`.
    #[serde(default)]
    buildpacks: IoBuildpacks,
}

#[derive(Deserialize, Default)]
struct IoBuildpacks {
    #[serde(default)]
    build: Table,
    include: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
}

#[derive(Deserialize, Default)]
struct Table {
    #[serde(default)]
    env: Vec<EnvEntry>,
    include: Option<Vec<String>>,
    exclude: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct EnvEntry {
    name: String,
    value: String,
}

/// What `source`'s project.toml declares; the default without one.
pub fn read(source: &Path) -> anyhow::Result<ProjectDescriptor> {
    let path = source.join(FILE_NAME);
    if !path.is_file() {
        return Ok(ProjectDescriptor::default());
    }
    let text = std::fs::read_to_string(&path)
        .map_err(|error| invalid_source(format!("cannot read {}: {error}", path.display()), "make it readable"))?;
    parse(&text).map_err(|problem| {
        invalid_source(
            format!("{} is not a valid project descriptor: {problem}", path.display()),
            "fix it or remove it",
        )
    })
}

fn parse(text: &str) -> Result<ProjectDescriptor, String> {
    let descriptor: Descriptor = toml::from_str(text).map_err(|error| error.message().to_string())?;
    let io = descriptor.io.buildpacks;
    let env = io
        .build
        .env
        .into_iter()
        .chain(descriptor.build.env)
        .map(|entry| {
            if entry.name.is_empty() || entry.name.contains('=') {
                return Err(format!("build env name `{}` must be non-empty and without `=`", entry.name));
            }
            Ok((entry.name, entry.value))
        })
        .collect::<Result<_, _>>()?;
    let include = joined(io.include, descriptor.build.include);
    let exclude = joined(io.exclude, descriptor.build.exclude);
    // As pack: declaring both is an error even when one list is empty.
    let files = match (include, exclude) {
        (Some(_), Some(_)) => return Err("it declares both include and exclude; keep one of them".to_string()),
        (Some(patterns), None) if !patterns.is_empty() => FileSelection::Include(patterns),
        (None, Some(patterns)) if !patterns.is_empty() => FileSelection::Exclude(patterns),
        _ => FileSelection::All,
    };
    Ok(ProjectDescriptor { env, files })
}

/// The patterns of schema 0.2's table and schema 0.1's, `None` when neither declares any.
fn joined(current: Option<Vec<String>>, legacy: Option<Vec<String>>) -> Option<Vec<String>> {
    match (current, legacy) {
        (None, None) => None,
        (current, legacy) => Some(current.into_iter().chain(legacy).flatten().collect()),
    }
}

/// `declared` (from project.toml) with `given` (from --env) added; a name in both takes
/// `given`'s value, as with pack.
#[must_use]
pub fn merged(declared: Vec<(String, String)>, given: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> =
        declared.into_iter().filter(|(name, _)| !given.iter().any(|(other, _)| other == name)).collect();
    env.extend(given);
    env
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_error::{ErrorKind, KindedError};

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    fn strings(patterns: &[&str]) -> Vec<String> {
        patterns.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn reads_both_schema_versions() {
        let current =
            "[_]\nschema-version = \"0.2\"\n\n[[io.buildpacks.build.env]]\nname = \"FUNC_NAME\"\nvalue = \"Greet\"\n\n\
                       [[io.buildpacks.build.env]]\nname = \"FUNC_SRC\"\nvalue = \"api\"\n";
        assert_eq!(parse(current).expect("valid").env, [pair("FUNC_NAME", "Greet"), pair("FUNC_SRC", "api")]);
        let legacy = "[project]\nid = \"x\"\n\n[[build.env]]\nname = \"GOFLAGS\"\nvalue = \"-tags=prod\"\n";
        assert_eq!(parse(legacy).expect("valid").env, [pair("GOFLAGS", "-tags=prod")]);
        assert_eq!(parse("[_]\nschema-version = \"0.2\"\n").expect("valid"), ProjectDescriptor::default());
    }

    #[test]
    fn reads_include_and_exclude_of_both_schema_versions() {
        let current = "[_]\nschema-version = \"0.2\"\n\n[io.buildpacks]\nexclude = [\"node_modules/\", \"*.log\"]\n";
        assert_eq!(parse(current).expect("valid").files, FileSelection::Exclude(strings(&["node_modules/", "*.log"])));
        let legacy = "[build]\ninclude = [\"cmd/\", \"go.mod\"]\n";
        assert_eq!(parse(legacy).expect("valid").files, FileSelection::Include(strings(&["cmd/", "go.mod"])));
        assert_eq!(parse("[build]\ninclude = []\n").expect("valid").files, FileSelection::All);
    }

    #[test]
    fn include_and_exclude_together_are_refused() {
        let both = "[io.buildpacks]\ninclude = [\"a\"]\nexclude = []\n";
        assert!(parse(both).expect_err("both").contains("both include and exclude"));
        let across_schemas = "[io.buildpacks]\ninclude = [\"a\"]\n\n[build]\nexclude = [\"b\"]\n";
        assert!(parse(across_schemas).is_err());
    }

    #[test]
    fn refuses_what_is_not_a_descriptor() {
        assert!(parse("[[io.buildpacks.build.env]]\nname = \"A\"\n").is_err(), "an entry without a value");
        assert!(parse("[[build.env]]\nname = \"A=B\"\nvalue = \"c\"\n").is_err());
        assert!(parse("[io.buildpacks]\nexclude = \"not a list\"\n").is_err());
        assert!(parse("not toml =").is_err());
    }

    #[test]
    fn the_command_line_wins() {
        let env = merged(vec![pair("FUNC_NAME", "A"), pair("FUNC_SRC", "api")], vec![pair("FUNC_NAME", "B")]);
        assert_eq!(env, [pair("FUNC_SRC", "api"), pair("FUNC_NAME", "B")]);
    }

    #[test]
    fn a_source_without_a_descriptor_declares_nothing_and_a_broken_one_is_invalid_source() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(read(dir.path()).expect("no file is fine"), ProjectDescriptor::default());
        std::fs::write(dir.path().join(FILE_NAME), "[[build.env]]\nname = 1\n").expect("write");
        let error = read(dir.path()).expect_err("invalid");
        let kinded = error.downcast_ref::<KindedError>().expect("a kinded error");
        assert_eq!(kinded.kind, ErrorKind::InvalidSource);
        assert!(kinded.message.contains("project.toml is not a valid project descriptor"), "{}", kinded.message);
    }
}
