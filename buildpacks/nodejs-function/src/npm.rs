//! Running npm: installs, scripts, and what its failures mean. npm's output streams into the
//! build log as it runs and is also kept, so that a failure can name its cause (a lockfile out
//! of sync, the dependency that failed).

use kiln_buildpack::ToolError;
use std::process::Command;

#[derive(Debug, thiserror::Error)]
pub(crate) enum NpmError {
    #[error("package-lock.json does not match package.json, so `npm ci` refused to install: {summary}")]
    LockfileOutOfSync { summary: String },
    #[error("{}", install_failure(.package.as_deref(), .summary))]
    InstallFailed { package: Option<String>, summary: String },
    #[error("the `{script}` script failed: {source}")]
    ScriptFailed {
        script: String,
        #[source]
        source: ToolError,
    },
    #[error(transparent)]
    Tool(ToolError),
}

fn install_failure(package: Option<&str>, summary: &str) -> String {
    match package {
        Some(package) => format!("the dependency `{package}` failed to install: {summary}"),
        None => format!("installing the dependencies failed: {summary}"),
    }
}

/// Runs an npm install command with its output in the log; a failure says what went wrong.
pub(crate) fn install(command: &mut Command) -> Result<(), NpmError> {
    kiln_buildpack::run_captured(command).map_err(|failure| match failure.error {
        error @ ToolError::Spawn { .. } => NpmError::Tool(error),
        ToolError::Failed { .. } => classify(&failure.output),
    })
}

/// Runs a package.json script (a build step) with its output in the log.
pub(crate) fn run_script(command: &mut Command, script: &str) -> Result<(), NpmError> {
    kiln_buildpack::stream_tool(command).map_err(|source| NpmError::ScriptFailed { script: script.to_string(), source })
}

/// What a failed install's output says.
fn classify(output: &str) -> NpmError {
    let errors: Vec<&str> = output.lines().filter_map(|line| line.trim_start().strip_prefix("npm error ")).collect();
    // npm's first line is its error code (`code E404`); the next says what happened.
    let summary = errors
        .iter()
        .map(|line| line.trim())
        .find(|line| !line.is_empty() && !line.starts_with("code "))
        .unwrap_or("see npm's output above")
        .to_string();
    if output.contains("can only install packages when your package.json and package-lock.json") {
        return NpmError::LockfileOutOfSync { summary };
    }
    NpmError::InstallFailed { package: failed_package(&errors), summary }
}

/// The dependency npm names in its error lines: one the registry does not have (npm 10:
/// `404  'name@1.0.0' is not in this registry`; npm 11: `404  The requested resource
/// 'name@1.0.0' could not be found …`), or the one whose install script failed
/// (`path …/node_modules/name`).
fn failed_package(errors: &[&str]) -> Option<String> {
    let quoted_spec = errors.iter().filter(|line| line.starts_with("404")).find_map(|line| line.split('\'').nth(1));
    if let Some(spec) = quoted_spec {
        // A scoped name starts with `@`: the version follows the last one.
        let name = match spec.rfind('@') {
            Some(at) if at > 0 => &spec[..at],
            _ => spec,
        };
        return Some(name.to_string());
    }
    errors.iter().find_map(|line| {
        let path = line.strip_prefix("path ")?;
        let (_, package) = path.rsplit_once("node_modules/")?;
        Some(package.trim().to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_dependency_the_registry_does_not_have() {
        let output = "npm error code E404\nnpm error 404 Not Found - GET https://registry.npmjs.org/@kiln-fixtures%2fmissing - Not found\n\
                      npm error 404\nnpm error 404  '@kiln-fixtures/missing@1.0.0' is not in this registry.\n";
        let NpmError::InstallFailed { package, summary } = classify(output) else { panic!("not an install failure") };
        assert_eq!(package.as_deref(), Some("@kiln-fixtures/missing"));
        assert_eq!(summary, "404 Not Found - GET https://registry.npmjs.org/@kiln-fixtures%2fmissing - Not found");
        let npm_11 =
            "      npm error code E404\n      npm error 404  The requested resource '@kiln-fixtures/missing@1.0.0' \
                      could not be found or you do not have permission to access it.\n";
        let NpmError::InstallFailed { package, .. } = classify(npm_11) else { panic!("not an install failure") };
        assert_eq!(package.as_deref(), Some("@kiln-fixtures/missing"));
    }

    #[test]
    fn names_the_dependency_whose_install_script_failed() {
        let output =
            "npm error code 1\nnpm error path /layers/kiln_nodejs-function/dependencies/node_modules/bad-addon\n\
                      npm error command failed\n";
        let NpmError::InstallFailed { package, .. } = classify(output) else { panic!("not an install failure") };
        assert_eq!(package.as_deref(), Some("bad-addon"));
    }

    #[test]
    fn knows_a_lockfile_out_of_sync() {
        let output = "npm error code EUSAGE\nnpm error\nnpm error `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync.\n";
        assert!(matches!(classify(output), NpmError::LockfileOutOfSync { .. }));
    }
}
