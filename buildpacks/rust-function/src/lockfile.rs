//! The generated server's Cargo.lock: the user's lockfile with the server's pinned packages
//! added, so that cargo keeps the user's versions and, for the crates neither lock lacks,
//! resolves nothing (no index download, which would cost every build a round trip, and fail
//! air-gapped). Cargo holds one version per semver-compatible series of a crate (`1`, `0.4`,
//! `0.0.3`): the user's version wins its series, and the server's other series are added
//! beside it (its syn 2 beside the user's syn 3, say).

use std::collections::{BTreeMap, BTreeSet};
use toml::Value;

/// `user_lock` (none: the server's own) with every package of `server_lock` whose series it
/// lacks; each dependency is then written as cargo writes it, with a version where the
/// merged lock holds several of its crate.
pub(crate) fn merged_lock(user_lock: Option<&str>, server_lock: &str) -> Result<String, toml::de::Error> {
    let Some(user_lock) = user_lock else {
        return Ok(server_lock.to_string());
    };
    let mut user: toml::Table = toml::from_str(user_lock)?;
    let server: toml::Table = toml::from_str(server_lock)?;
    let (user_packages, server_packages) = (packages(&user), packages(&server));
    let user_series: BTreeSet<(String, String)> = user_packages.iter().filter_map(series_of).collect();
    let added: Vec<Value> = server_packages
        .iter()
        .filter(|package| series_of(package).is_some_and(|series| !user_series.contains(&series)))
        .cloned()
        .collect();

    let mut merged_versions: BTreeMap<(String, String), String> = BTreeMap::new();
    for package in user_packages.iter().chain(&added) {
        if let (Some(series), Some(version)) = (series_of(package), field(package, "version")) {
            merged_versions.insert(series, version.to_string());
        }
    }
    let mut versions_per_name: BTreeMap<&str, usize> = BTreeMap::new();
    for (name, _) in merged_versions.keys() {
        *versions_per_name.entry(name).or_default() += 1;
    }
    let relink = |packages: Vec<Value>, origin: &[Value]| -> Vec<Value> {
        let origin_versions = single_versions(origin);
        packages
            .into_iter()
            .map(|mut package| {
                if let Some(Value::Array(dependencies)) = package.get_mut("dependencies") {
                    for dependency in dependencies.iter_mut() {
                        let Some(text) = dependency.as_str() else { continue };
                        let Some((name, version)) = dependency_target(text, &origin_versions) else { continue };
                        let Some(merged) = merged_versions.get(&(name.to_string(), series(&version))) else {
                            continue;
                        };
                        *dependency = Value::from(if versions_per_name.get(name).copied().unwrap_or(0) > 1 {
                            format!("{name} {merged}")
                        } else {
                            name.to_string()
                        });
                    }
                }
                package
            })
            .collect()
    };
    let mut merged = relink(user_packages.clone(), &user_packages);
    merged.extend(relink(added, &server_packages));
    user.insert("package".to_string(), Value::Array(merged));
    Ok(toml::to_string(&user).unwrap_or_default())
}

fn packages(lock: &toml::Table) -> Vec<Value> {
    lock.get("package").and_then(Value::as_array).cloned().unwrap_or_default()
}

fn field<'a>(package: &'a Value, key: &str) -> Option<&'a str> {
    package.get(key).and_then(Value::as_str)
}

/// A package's name and series.
fn series_of(package: &Value) -> Option<(String, String)> {
    Some((field(package, "name")?.to_string(), series(field(package, "version")?)))
}

/// The semver-compatible series of `version`: its first non-zero part and those before it.
fn series(version: &str) -> String {
    let core = version.split(['-', '+']).next().unwrap_or(version);
    let mut series = Vec::new();
    for part in core.split('.') {
        series.push(part);
        if part != "0" {
            break;
        }
    }
    series.join(".")
}

/// The version of each crate a lockfile holds once, which a plain `name` dependency means.
fn single_versions(packages: &[Value]) -> BTreeMap<String, Option<String>> {
    let mut versions: BTreeMap<String, Option<String>> = BTreeMap::new();
    for package in packages {
        if let (Some(name), Some(version)) = (field(package, "name"), field(package, "version")) {
            versions
                .entry(name.to_string())
                .and_modify(|seen| *seen = None)
                .or_insert_with(|| Some(version.to_string()));
        }
    }
    versions
}

/// The crate and version a dependency entry (`name` or `name version`) points at in its own
/// lockfile; none for entries naming a source too (`name version (source)`), kept as written.
fn dependency_target<'a>(
    text: &'a str,
    origin_versions: &BTreeMap<String, Option<String>>,
) -> Option<(&'a str, String)> {
    let mut words = text.split(' ');
    let name = words.next()?;
    match (words.next(), words.next()) {
        (None, _) => Some((name, origin_versions.get(name)?.clone()?)),
        (Some(version), None) => Some((name, version.to_string())),
        (Some(_), Some(_)) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(packages: &[(&str, &str, &[&str])]) -> String {
        let entries: Vec<String> = packages
            .iter()
            .map(|(name, version, dependencies)| {
                let dependencies: Vec<String> =
                    dependencies.iter().map(|dependency| format!("{dependency:?}")).collect();
                format!(
                    "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\ndependencies = [{}]\n",
                    dependencies.join(", ")
                )
            })
            .collect();
        format!("version = 4\n{}", entries.concat())
    }

    fn merged(user: &str, server: &str) -> Vec<(String, String, Vec<String>)> {
        let merged: toml::Table = toml::from_str(&merged_lock(Some(user), server).expect("merges")).expect("TOML");
        packages(&merged)
            .iter()
            .map(|package| {
                let dependencies = package["dependencies"].as_array().expect("dependencies");
                (
                    field(package, "name").expect("name").to_string(),
                    field(package, "version").expect("version").to_string(),
                    dependencies.iter().filter_map(Value::as_str).map(ToString::to_string).collect(),
                )
            })
            .collect()
    }

    fn entry(name: &str, version: &str, dependencies: &[&str]) -> (String, String, Vec<String>) {
        (name.to_string(), version.to_string(), dependencies.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn series_are_semver_compatible_ranges() {
        assert_eq!(
            ["1.2.3", "0.4.1", "0.0.3", "2.0.0-rc.1", "0.10.0+build"].map(series),
            ["1", "0.4", "0.0.3", "2", "0.10"]
        );
    }

    #[test]
    fn the_users_versions_win_their_series_and_the_servers_other_series_are_added() {
        let user = lock(&[
            ("rust-http", "0.1.0", &["bytes", "serde_derive"]),
            ("bytes", "1.0.0", &[]),
            ("serde_derive", "1.0.0", &["syn"]),
            ("syn", "3.0.10", &[]),
        ]);
        let server = lock(&[
            ("bytes", "1.12.2", &[]),
            ("hyper", "1.8.0", &["bytes", "tokio-macros"]),
            ("snafu-derive", "0.8.0", &["syn 2.0.119"]),
            ("syn", "2.0.119", &[]),
            ("syn", "3.0.9", &[]),
            ("tokio-macros", "2.0.0", &["syn 3.0.9"]),
        ]);
        assert_eq!(
            merged(&user, &server),
            [
                entry("rust-http", "0.1.0", &["bytes", "serde_derive"]),
                entry("bytes", "1.0.0", &[]),
                entry("serde_derive", "1.0.0", &["syn 3.0.10"]),
                entry("syn", "3.0.10", &[]),
                entry("hyper", "1.8.0", &["bytes", "tokio-macros"]),
                entry("snafu-derive", "0.8.0", &["syn 2.0.119"]),
                entry("syn", "2.0.119", &[]),
                entry("tokio-macros", "2.0.0", &["syn 3.0.10"]),
            ]
        );
    }

    #[test]
    fn without_a_user_lock_the_servers_is_used_and_a_broken_one_is_an_error() {
        assert_eq!(merged_lock(None, "version = 4\n").expect("the server's"), "version = 4\n");
        assert!(merged_lock(Some("not = [toml"), "version = 4\n").is_err());
    }
}
