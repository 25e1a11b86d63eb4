//! Running the package manager: installs, scripts, and what their failures mean. The tool's
//! output streams into the build log as it runs and is also kept, so that a failure can name
//! its cause (a lockfile out of sync, the dependency that failed).

use crate::package_manager::Manager;
use kiln_buildpack::{print, ToolError};
use libcnb::Env;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Which dependencies an install puts into `node_modules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dependencies {
    /// `dependencies` only: the image's.
    Production,
    /// With `devDependencies`: the build's.
    All,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum InstallError {
    #[error("{} does not match package.json, so {manager} refused to install: {summary}", .manager.lockfile())]
    LockfileOutOfSync { manager: Manager, summary: String },
    #[error("{}", install_failure(.package.as_deref(), .summary))]
    InstallFailed { manager: Manager, package: Option<String>, summary: String },
    #[error("the `{script}` script failed: {source}")]
    ScriptFailed {
        script: String,
        #[source]
        source: ToolError,
    },
    #[error(
        ".yarnrc.yml sets `nodeLinker: pnp`: Plug'n'Play keeps packages in zip archives that only yarn's loader reads, and the image runs `node` alone"
    )]
    PlugAndPlay,
    #[error("cannot remove pnpm's record of the install: {0}")]
    InstallRecord(std::io::Error),
    #[error(transparent)]
    Tool(ToolError),
}

/// Files in which pnpm records when it installed (`prunedAt`, `lastValidatedTimestamp`), for
/// its next install into the same `node_modules`. A layer is never installed into again, and
/// the times would give every fresh build another image digest.
const PNPM_INSTALL_RECORDS: [&str; 2] = [".modules.yaml", ".pnpm-workspace-state-v1.json"];

fn install_failure(package: Option<&str>, summary: &str) -> String {
    match package {
        Some(package) => format!("the dependency `{package}` failed to install: {summary}"),
        None => format!("installing the dependencies failed: {summary}"),
    }
}

/// Installs the dependencies of the package in `dir` (package.json, its lockfile and settings)
/// into `dir/node_modules`, with `manager`'s downloads kept in `cache`.
pub(crate) fn install_dependencies(
    manager: Manager,
    dependencies: Dependencies,
    (dir, cache): (&Path, &Path),
    env: &Env,
) -> Result<(), InstallError> {
    let lockfile = dir.join(manager.lockfile()).is_file();
    if !lockfile {
        print::warning(format!(
            "There is no {lockfile_name}: `{manager} install` resolves the dependencies anew, so this build is not \
             reproducible. Run `{manager} install` and commit {lockfile_name}.",
            lockfile_name = manager.lockfile()
        ));
    }
    let production = dependencies == Dependencies::Production;
    let command = |args: &[&str]| {
        let mut command = Command::new(manager.program());
        command.args(args).current_dir(dir).envs(env);
        command
    };
    let cache = cache.to_string_lossy();
    match manager {
        Manager::Npm => {
            let mut npm = command(&[if lockfile { "ci" } else { "install" }]);
            if production {
                npm.arg("--omit=dev");
            }
            // Scripts of dependencies (native addons) run; the build's own are run by the buildpack.
            npm.args(["--no-audit", "--no-fund", "--no-update-notifier"]).env("npm_config_cache", &*cache);
            run(manager, &mut npm)
        }
        Manager::Pnpm => {
            let frozen = if lockfile { "--frozen-lockfile" } else { "--no-frozen-lockfile" };
            let mut pnpm = command(&["install", frozen]);
            if production {
                pnpm.arg("--prod");
            }
            pnpm.args(["--reporter=append-only", "--store-dir", &cache]);
            run(manager, &mut pnpm)?;
            for record in PNPM_INSTALL_RECORDS {
                match std::fs::remove_file(dir.join("node_modules").join(record)) {
                    Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                        return Err(InstallError::InstallRecord(error))
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        Manager::YarnClassic => {
            let mut yarn = command(&["install"]);
            if lockfile {
                yarn.arg("--frozen-lockfile");
            }
            let production = if production { "--production=true" } else { "--production=false" };
            yarn.args([production, "--non-interactive", "--no-progress", "--cache-folder", &cache]);
            run(manager, &mut yarn)
        }
        Manager::YarnBerry => {
            let settings = berry_settings(dir, lockfile, &cache, env)?;
            let mut install = command(&if lockfile { vec!["install", "--immutable"] } else { vec!["install"] });
            run(manager, install.envs(&settings))?;
            // `focus` checks no lockfile, so the install above does; it then leaves out the
            // dev dependencies, which `yarn install` cannot.
            if production {
                run(manager, command(&["workspaces", "focus", "--all", "--production"]).envs(&settings))?;
            }
            Ok(())
        }
    }
}

/// yarn 4's settings for a build, as variables (which win over .yarnrc.yml): packages in
/// `node_modules`, its cache and its own state in the cache layer, no telemetry or progress bars, the release
/// this buildpack installed rather than a `yarnPath` the layer has no copy of, and npm's
/// registry setting, which yarn 4 does not read itself.
fn berry_settings(
    dir: &Path,
    lockfile: bool,
    cache: &str,
    env: &Env,
) -> Result<BTreeMap<String, String>, InstallError> {
    let linker = std::fs::read_to_string(dir.join(".yarnrc.yml")).ok().and_then(|text| {
        text.lines().find_map(|line| {
            line.strip_prefix("nodeLinker:").map(|value| value.trim().trim_matches(['"', '\'']).to_string())
        })
    });
    if linker.as_deref() == Some("pnp") {
        return Err(InstallError::PlugAndPlay);
    }
    let mut settings = vec![
        ("YARN_NODE_LINKER", linker.unwrap_or_else(|| "node-modules".to_string())),
        ("YARN_CACHE_FOLDER", format!("{cache}/packages")),
        // Its own state (under HOME by default, which the build image need not have).
        ("YARN_GLOBAL_FOLDER", format!("{cache}/global")),
        ("YARN_ENABLE_GLOBAL_CACHE", "false".to_string()),
        ("YARN_ENABLE_IMMUTABLE_INSTALLS", lockfile.to_string()),
        ("YARN_ENABLE_TELEMETRY", "false".to_string()),
        ("YARN_ENABLE_PROGRESS_BARS", "false".to_string()),
        ("YARN_IGNORE_PATH", "true".to_string()),
    ];
    let registry = ["NPM_CONFIG_REGISTRY", "npm_config_registry"].iter().find_map(|name| env.get_string_lossy(name));
    if let (Some(registry), None) = (registry, env.get("YARN_NPM_REGISTRY_SERVER")) {
        settings.push(("YARN_NPM_REGISTRY_SERVER", registry));
    }
    Ok(settings.into_iter().map(|(name, value)| (name.to_string(), value)).collect())
}

fn run(manager: Manager, command: &mut Command) -> Result<(), InstallError> {
    kiln_buildpack::run_captured(command).map_err(|failure| match failure.error {
        error @ ToolError::Spawn { .. } => InstallError::Tool(error),
        ToolError::Failed { .. } => classify(manager, &failure.output),
    })
}

/// Runs a package.json script (a build step) with its output in the log.
pub(crate) fn run_script(manager: Manager, app_dir: &Path, script: &str, env: &Env) -> Result<(), InstallError> {
    let mut command = Command::new(manager.program());
    command.args(["run", script]).current_dir(app_dir).envs(env);
    kiln_buildpack::stream_tool(&mut command)
        .map_err(|source| InstallError::ScriptFailed { script: script.to_string(), source })
}

/// What a failed install's output says.
fn classify(manager: Manager, output: &str) -> InstallError {
    let lines: Vec<&str> = output.lines().map(str::trim).collect();
    let (errors, out_of_sync): (Vec<&str>, &str) = match manager {
        Manager::Npm => (
            lines.iter().filter_map(|line| line.strip_prefix("npm error ")).map(str::trim).collect(),
            "can only install packages when your package.json and package-lock.json",
        ),
        // pnpm's error line starts with its code; the lines after it explain.
        Manager::Pnpm => (
            lines.iter().skip_while(|line| !line.starts_with("ERR_PNPM_")).copied().collect(),
            "ERR_PNPM_OUTDATED_LOCKFILE",
        ),
        Manager::YarnClassic => {
            (lines.iter().filter_map(|line| line.strip_prefix("error ")).collect(), "Your lockfile needs to be updated")
        }
        Manager::YarnBerry => (
            lines
                .iter()
                .filter_map(|line| berry_message(line).or_else(|| line.strip_prefix("Internal Error: ")))
                .collect(),
            "The lockfile would have been modified by this install",
        ),
    };
    let summary = summary(manager, &errors);
    if output.contains(out_of_sync) {
        return InstallError::LockfileOutOfSync { manager, summary };
    }
    InstallError::InstallFailed { manager, package: failed_package(manager, &errors), summary }
}

/// yarn 4's report line `➤ YN0035: │ text` as its text, for every code but the progress
/// messages (YN0000).
fn berry_message(line: &str) -> Option<&str> {
    let (code, text) = line.split_once("YN")?.1.split_once(':')?;
    (code.len() == 4 && code != "0000").then(|| text.trim_start_matches([' ', '│']).trim())
}

/// The line that says what went wrong.
fn summary(manager: Manager, errors: &[&str]) -> String {
    let found = match manager {
        // npm's first line is its error code (`code E404`); the next says what happened.
        Manager::Npm => errors.iter().find(|line| !line.is_empty() && !line.starts_with("code ")),
        Manager::Pnpm | Manager::YarnClassic => errors.iter().find(|line| !line.is_empty()),
        // yarn 4 lists what it found (a lockfile diff) before its verdict.
        Manager::YarnBerry => errors.iter().rev().find(|line| !line.is_empty() && !line.starts_with(['+', '-'])),
    };
    found.map_or_else(|| format!("see {manager}'s output above"), |line| (*line).to_string())
}

/// The dependency the error lines name: one the registry does not have, or the one whose
/// install script failed (`…/node_modules/name`).
fn failed_package(manager: Manager, errors: &[&str]) -> Option<String> {
    let missing = match manager {
        // npm 10: `404  'name@1.0.0' is not in this registry`; npm 11: `404  The requested
        // resource 'name@1.0.0' could not be found …`.
        Manager::Npm => errors.iter().filter(|line| line.starts_with("404")).find_map(|line| line.split('\'').nth(1)),
        Manager::Pnpm => {
            errors.iter().find_map(|line| line.split_once(" is not in the npm registry").map(|(name, _)| name))
        }
        Manager::YarnClassic => {
            errors.iter().find_map(|line| line.strip_prefix("Couldn't find package \"")?.split('"').next())
        }
        Manager::YarnBerry => errors
            .iter()
            .find_map(|line| line.strip_suffix(": Package not found").and_then(|spec| spec.rsplit_once("@npm:")))
            .map(|(name, _)| name),
    };
    if let Some(spec) = missing {
        // A scoped name starts with `@`: a version follows the last one.
        let name = match spec.rfind('@') {
            Some(at) if at > 0 => &spec[..at],
            _ => spec,
        };
        return Some(name.to_string());
    }
    errors.iter().find_map(|line| {
        let (_, package) = line.rsplit_once("node_modules/")?;
        let name = package.split([':', ' ']).next()?.trim();
        (!name.is_empty()).then(|| name.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(manager: Manager, output: &str) -> (Option<String>, String) {
        match classify(manager, output) {
            InstallError::InstallFailed { package, summary, .. } => (package, summary),
            other => panic!("not an install failure: {other}"),
        }
    }

    #[test]
    fn names_the_dependency_the_registry_does_not_have() {
        let npm_10 = "npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/@kiln-fixtures%2fmissing - Not found\n\
                      npm error 404\nnpm error 404  '@kiln-fixtures/missing@1.0.0' is not in this registry.\n";
        let (package, summary) = failure(Manager::Npm, npm_10);
        assert_eq!(package.as_deref(), Some("@kiln-fixtures/missing"));
        assert_eq!(summary, "404 Not Found - GET https://registry.npmjs.org/@kiln-fixtures%2fmissing - Not found");
        let npm_11 =
            "      npm error code E404\n      npm error 404  The requested resource '@kiln-fixtures/missing@1.0.0' \
                      could not be found or you do not have permission to access it.\n";
        assert_eq!(failure(Manager::Npm, npm_11).0.as_deref(), Some("@kiln-fixtures/missing"));
        let pnpm = " ERR_PNPM_FETCH_404  GET https://registry.npmjs.org/@kiln-fixtures%2Fmissing: Not Found - 404\n\n\
                    This error happened while installing a direct dependency of /layers/x\n\n\
                    @kiln-fixtures/missing is not in the npm registry, or you have no permission to fetch it.\n";
        let (package, summary) = failure(Manager::Pnpm, pnpm);
        assert_eq!(package.as_deref(), Some("@kiln-fixtures/missing"));
        assert!(summary.starts_with("ERR_PNPM_FETCH_404  GET https://"), "{summary}");
        let yarn = "[1/4] Resolving packages...\nerror Couldn't find package \"@kiln-fixtures/missing\" on the \"npm\" registry.\n";
        assert_eq!(failure(Manager::YarnClassic, yarn).0.as_deref(), Some("@kiln-fixtures/missing"));
        let berry = "➤ YN0000: · Yarn 4.18.1\n➤ YN0035: │ @kiln-fixtures/missing@npm:1.0.0: Package not found\n\
                     ➤ YN0035: │   Response Code: 404 (Not Found)\n";
        let (package, _) = failure(Manager::YarnBerry, berry);
        assert_eq!(package.as_deref(), Some("@kiln-fixtures/missing"));
        let crashed = "Internal Error: ENOENT: no such file or directory, mkdir '/home/cnb/.yarn'\n    at mkdir\n";
        assert_eq!(
            failure(Manager::YarnBerry, crashed).1,
            "ENOENT: no such file or directory, mkdir '/home/cnb/.yarn'"
        );
    }

    #[test]
    fn names_the_dependency_whose_install_script_failed() {
        let npm = "npm error code 1\nnpm error path /layers/kiln_nodejs-function/dependencies/node_modules/bad-addon\n\
                   npm error command failed\n";
        assert_eq!(failure(Manager::Npm, npm).0.as_deref(), Some("bad-addon"));
        let yarn = "error /layers/kiln_nodejs-function/dependencies/node_modules/bad-addon: Command failed.\n";
        assert_eq!(failure(Manager::YarnClassic, yarn).0.as_deref(), Some("bad-addon"));
    }

    #[test]
    fn knows_a_lockfile_out_of_sync_from_each_manager() {
        for (manager, output, summary) in [
            (
                Manager::Npm,
                "npm error code EUSAGE\nnpm error\nnpm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync.\n",
                "`npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync.",
            ),
            (
                Manager::Pnpm,
                " ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with \"frozen-lockfile\" because pnpm-lock.yaml is not up to date with <ROOT>/package.json\n",
                "ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with \"frozen-lockfile\" because pnpm-lock.yaml is not up to date with <ROOT>/package.json",
            ),
            (
                Manager::YarnClassic,
                "[1/4] Resolving packages...\nerror Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.\n",
                "Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.",
            ),
            (
                Manager::YarnBerry,
                "➤ YN0085: │ + ms@npm:2.1.2\n➤ YN0028: │ -    ms: \"npm:2.1.3\"\n➤ YN0028: │ The lockfile would have been modified by this install, which is explicitly forbidden.\n",
                "The lockfile would have been modified by this install, which is explicitly forbidden.",
            ),
        ] {
            let InstallError::LockfileOutOfSync { summary: found, .. } = classify(manager, output) else {
                panic!("{manager}: not out of sync")
            };
            assert_eq!(found, summary, "{manager}");
        }
        let message = classify(Manager::Pnpm, " ERR_PNPM_OUTDATED_LOCKFILE  x\n").to_string();
        assert!(message.starts_with("pnpm-lock.yaml does not match package.json, so pnpm refused"), "{message}");
    }

    #[test]
    fn yarn_4_installs_into_node_modules_unless_told_plug_n_play_which_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut env = Env::new();
        env.insert("NPM_CONFIG_REGISTRY", "http://127.0.0.1:4873/");
        let settings = berry_settings(dir.path(), true, "/cache", &env).expect("settings");
        let value = |name: &str| settings.get(name).map(String::as_str);
        assert_eq!(value("YARN_NODE_LINKER"), Some("node-modules"));
        assert_eq!(value("YARN_NPM_REGISTRY_SERVER"), Some("http://127.0.0.1:4873/"), "npm's registry reaches yarn");
        assert_eq!(value("YARN_ENABLE_IMMUTABLE_INSTALLS"), Some("true"));
        std::fs::write(dir.path().join(".yarnrc.yml"), "nodeLinker: 'pnpm'\n").expect("write");
        let settings = berry_settings(dir.path(), false, "/cache", &Env::new()).expect("settings");
        assert_eq!(settings.get("YARN_NODE_LINKER").map(String::as_str), Some("pnpm"), "{settings:?}");
        std::fs::write(dir.path().join(".yarnrc.yml"), "nodeLinker: pnp\n").expect("write");
        assert!(matches!(berry_settings(dir.path(), true, "/cache", &Env::new()), Err(InstallError::PlugAndPlay)));
    }
}
