//! The build environment a source declares in its project descriptor, `project.toml` at its
//! root, as pack reads it: `[[io.buildpacks.build.env]]` (schema 0.2) or `[[build.env]]`
//! (schema 0.1), each entry a `name` and a `value`. A function's source can carry its
//! `FUNC_NAME` this way. Other tables (include/exclude, buildpacks) are not read.

use anyhow::{bail, Context};
use serde::Deserialize;
use std::path::Path;

pub(crate) const FILE_NAME: &str = "project.toml";

#[derive(Deserialize, Default)]
struct Descriptor {
    #[serde(default)]
    io: Io,
    #[serde(default)]
    build: Build,
}

#[derive(Deserialize, Default)]
struct Io {
    #[serde(default)]
    buildpacks: IoBuildpacks,
}

#[derive(Deserialize, Default)]
struct IoBuildpacks {
    #[serde(default)]
    build: Build,
}

#[derive(Deserialize, Default)]
struct Build {
    #[serde(default)]
    env: Vec<EnvEntry>,
}

#[derive(Deserialize)]
struct EnvEntry {
    name: String,
    value: String,
}

/// The build environment `source`'s project.toml declares, in file order; empty without one.
pub(crate) fn build_env(source: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let path = source.join(FILE_NAME);
    if !path.is_file() {
        return Ok(Vec::new());
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
    parse(&text).with_context(|| format!("{} is not a valid project descriptor; fix it or remove it", path.display()))
}

fn parse(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let descriptor: Descriptor = toml::from_str(text)?;
    let entries = descriptor.io.buildpacks.build.env.into_iter().chain(descriptor.build.env);
    entries
        .map(|entry| {
            if entry.name.is_empty() || entry.name.contains('=') {
                bail!("build env name `{}` must be non-empty and without `=`", entry.name);
            }
            Ok((entry.name, entry.value))
        })
        .collect()
}

/// `declared` (from project.toml) with `given` (from --env) added; a name in both takes
/// `given`'s value, as with pack.
pub(crate) fn merged(declared: Vec<(String, String)>, given: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> =
        declared.into_iter().filter(|(name, _)| !given.iter().any(|(other, _)| other == name)).collect();
    env.extend(given);
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    #[test]
    fn reads_both_schema_versions() {
        let current =
            "[_]\nschema-version = \"0.2\"\n\n[[io.buildpacks.build.env]]\nname = \"FUNC_NAME\"\nvalue = \"Greet\"\n\n\
                       [[io.buildpacks.build.env]]\nname = \"FUNC_SRC\"\nvalue = \"api\"\n";
        assert_eq!(parse(current).expect("valid"), [pair("FUNC_NAME", "Greet"), pair("FUNC_SRC", "api")]);
        let legacy = "[project]\nid = \"x\"\n\n[[build.env]]\nname = \"GOFLAGS\"\nvalue = \"-tags=prod\"\n";
        assert_eq!(parse(legacy).expect("valid"), [pair("GOFLAGS", "-tags=prod")]);
        assert_eq!(parse("[_]\nschema-version = \"0.2\"\n").expect("valid"), []);
    }

    #[test]
    fn refuses_what_is_not_a_descriptor() {
        assert!(parse("[[io.buildpacks.build.env]]\nname = \"A\"\n").is_err(), "an entry without a value");
        assert!(parse("[[build.env]]\nname = \"A=B\"\nvalue = \"c\"\n").is_err());
        assert!(parse("not toml =").is_err());
    }

    #[test]
    fn the_command_line_wins() {
        let env = merged(vec![pair("FUNC_NAME", "A"), pair("FUNC_SRC", "api")], vec![pair("FUNC_NAME", "B")]);
        assert_eq!(env, [pair("FUNC_SRC", "api"), pair("FUNC_NAME", "B")]);
    }

    #[test]
    fn a_source_without_a_descriptor_declares_nothing() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(build_env(dir.path()).expect("no file is fine").is_empty());
        std::fs::write(dir.path().join(FILE_NAME), "[[build.env]]\nname = 1\n").expect("write");
        let error = format!("{:#}", build_env(dir.path()).expect_err("invalid"));
        assert!(error.contains("project.toml is not a valid project descriptor"), "{error}");
    }
}
