//! Installing the source's dependencies with uv: what uv is told (the indexes the user names,
//! the host's CA bundle, the caches), and its failure as a message that names what failed.

use crate::captured::last_lines;
use crate::project::Dependencies;
use kiln_buildpack::{run_captured, CapturedFailure};
use kiln_error::{ErrorKind, ErrorMessage};
use libcnb::Env;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

/// Settings a user may give with `kiln build --env` that uv reads as they are.
const UV_SETTINGS: [&str; 8] = [
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_DEFAULT_INDEX",
    "UV_INDEX",
    "UV_INSECURE_HOST",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
];
/// pip's names for the same settings, which uv does not read: each becomes uv's, unless the
/// user set uv's too.
const PIP_SETTINGS: [(&str, &str); 2] =
    [("PIP_INDEX_URL", "UV_INDEX_URL"), ("PIP_EXTRA_INDEX_URL", "UV_EXTRA_INDEX_URL")];
/// The CA bundle kiln stages for the build (the host's), and the names other Python tools read
/// it by: requests (which builds of source distributions may use) and pip.
const CERT_FILE: &str = "SSL_CERT_FILE";
const CERT_FILE_ALIASES: [&str; 2] = ["REQUESTS_CA_BUNDLE", "PIP_CERT"];

/// The environment uv runs in: `process` plus the user's settings from `platform`, uv's cache,
/// and the interpreter it installs for.
pub(crate) fn uv_env(process: &Env, platform: &Env, cache: &Path, python: &Path) -> Env {
    let mut env = process.clone();
    for name in UV_SETTINGS.iter().chain(&[CERT_FILE]).chain(&CERT_FILE_ALIASES) {
        if let Some(value) = platform.get(name) {
            env.insert(name, value);
        }
    }
    for (pip, uv) in PIP_SETTINGS {
        if let (Some(value), None) = (platform.get(pip), platform.get(uv)) {
            env.insert(uv, value);
        }
    }
    if let Some(bundle) = env.get(CERT_FILE).filter(|bundle| !bundle.is_empty()).cloned() {
        for alias in CERT_FILE_ALIASES {
            if env.get(alias).is_none() {
                env.insert(alias, &bundle);
            }
        }
    }
    env.insert("UV_CACHE_DIR", cache);
    env.insert("UV_PYTHON", python);
    // The inventory decides which Python runs: uv must never fetch one.
    env.insert("UV_PYTHON_DOWNLOADS", "never");
    // The cache is one layer and the packages another: links between them would not survive.
    env.insert("UV_LINK_MODE", "copy");
    env.insert("UV_NO_PROGRESS", "1");
    env
}

/// What decides the installed packages, as one digest: the declaring files, the Python and
/// the indexes.
pub(crate) fn inputs_digest(
    dependencies: &Dependencies,
    app_dir: &Path,
    python: &str,
    env: &Env,
) -> std::io::Result<String> {
    let mut digest = Sha256::new();
    digest.update(python.as_bytes());
    for file in dependencies.inputs() {
        digest.update(file.as_bytes());
        digest.update(std::fs::read(app_dir.join(file))?);
    }
    for name in UV_SETTINGS {
        digest.update(name.as_bytes());
        digest.update(env.get(name).map(|value| value.as_encoded_bytes().to_vec()).unwrap_or_default());
    }
    Ok(hex::encode(digest.finalize()))
}

#[derive(Debug)]
pub(crate) enum InstallError {
    /// uv failed, or did not start.
    Uv { what: &'static str, locked: bool, failure: CapturedFailure },
    /// The requirements file uv is handed could not be written.
    Requirements(std::io::Error),
}

impl InstallError {
    pub(crate) fn message(self) -> ErrorMessage {
        let (what, locked, failure) = match self {
            Self::Uv { what, locked, failure } => (what, locked, failure),
            Self::Requirements(error) => {
                return ErrorMessage::new(
                    ErrorKind::FilesystemError,
                    "Cannot write the requirements file for uv",
                    error.to_string(),
                    "Check that the build's temporary directory is writable and has free space.",
                );
            }
        };
        if let kiln_buildpack::ToolError::Spawn { .. } = failure.error {
            return failure.error.message(ErrorKind::DependencyInstallFailed, "", "");
        }
        let explanation = uv_explanation(&failure.output);
        let advice = if locked {
            "If uv says the lockfile needs to be updated, run `uv lock` and commit uv.lock. Otherwise check the requirement uv names above: that it exists on the index (UV_INDEX_URL or PIP_INDEX_URL) in a version for this Python."
        } else {
            "Check the requirement uv names above: its name, that a version satisfying it exists on the index (UV_INDEX_URL or PIP_INDEX_URL), and that it supports this Python."
        };
        ErrorMessage::new(
            ErrorKind::DependencyInstallFailed,
            format!("Installing the dependencies from {what} failed"),
            explanation,
            advice,
        )
    }
}

/// uv's own account of a failure: its `error:` and `×` lines and what follows them.
fn uv_explanation(output: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    let start = lines.iter().position(|line| {
        let line = line.trim_start();
        line.starts_with("error:") || line.starts_with('×')
    });
    match start {
        Some(start) => last_lines(&lines[start..].join("\n"), 20),
        None => last_lines(output, 20),
    }
}

/// Installs `dependencies` of the source in `app_dir` into `target` (a site-packages
/// directory) with `uv`; `scratch` holds the requirements uv is handed.
pub(crate) fn install(
    dependencies: &Dependencies,
    app_dir: &Path,
    target: &Path,
    uv: &Path,
    env: &Env,
    scratch: &Path,
) -> Result<(), Box<InstallError>> {
    let failed = |locked| move |failure| Box::new(InstallError::Uv { what: dependencies.describe(), locked, failure });
    let run = |args: &[&std::ffi::OsStr]| {
        let mut command = Command::new(uv);
        command.args(args).current_dir(app_dir).env_clear().envs(env);
        run_captured(&mut command)
    };
    let pip_install = |requirements: &Path, exact: bool| {
        let mut args: Vec<&std::ffi::OsStr> =
            vec!["pip".as_ref(), "install".as_ref(), "--target".as_ref(), target.as_os_str()];
        // A lockfile's pins are complete: nothing is resolved again.
        if exact {
            args.push("--no-deps".as_ref());
        }
        args.extend(["-r".as_ref(), requirements.as_os_str()]);
        run(&args)
    };
    match dependencies {
        Dependencies::RequirementsTxt => {
            pip_install(&app_dir.join(crate::project::REQUIREMENTS_TXT), false).map_err(failed(false))
        }
        Dependencies::Pyproject => pip_install(&app_dir.join(crate::project::PYPROJECT), false).map_err(failed(false)),
        Dependencies::UvLock => {
            let exported = scratch.join("requirements.txt");
            run(&[
                "export".as_ref(),
                "--locked".as_ref(),
                "--no-dev".as_ref(),
                "--no-emit-project".as_ref(),
                "--no-header".as_ref(),
                "--format".as_ref(),
                "requirements-txt".as_ref(),
                "--output-file".as_ref(),
                exported.as_os_str(),
            ])
            .map_err(failed(true))?;
            pip_install(&exported, true).map_err(failed(true))
        }
        Dependencies::PoetryLock { pins } => {
            let pinned = scratch.join("requirements.txt");
            std::fs::write(&pinned, pins.join("\n") + "\n")
                .map_err(|error| Box::new(InstallError::Requirements(error)))?;
            pip_install(&pinned, true).map_err(failed(true))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_settings_and_the_ca_bundle_reach_uv() {
        let mut platform = Env::new();
        platform.insert("PIP_INDEX_URL", "https://pypi.internal/simple");
        platform.insert("UV_EXTRA_INDEX_URL", "https://extra.internal/simple");
        platform.insert("PIP_EXTRA_INDEX_URL", "https://ignored.internal/simple");
        platform.insert("SSL_CERT_FILE", "/platform/ca.pem");
        let env = uv_env(&Env::new(), &platform, Path::new("/layers/uv_cache"), Path::new("/py/bin/python3"));
        let value = |name| env.get_string_lossy(name);
        assert_eq!(value("UV_INDEX_URL").as_deref(), Some("https://pypi.internal/simple"));
        assert_eq!(value("UV_EXTRA_INDEX_URL").as_deref(), Some("https://extra.internal/simple"));
        assert_eq!(value("REQUESTS_CA_BUNDLE").as_deref(), Some("/platform/ca.pem"));
        assert_eq!(value("PIP_CERT").as_deref(), Some("/platform/ca.pem"));
        assert_eq!(value("UV_PYTHON_DOWNLOADS").as_deref(), Some("never"));
    }

    #[test]
    fn an_unwritable_requirements_file_is_a_filesystem_error_not_uv_failing() {
        let error = InstallError::Requirements(std::io::Error::from(std::io::ErrorKind::StorageFull));
        let message = error.message();
        assert_eq!(message.kind, ErrorKind::FilesystemError, "{message:?}");
    }

    #[test]
    fn quotes_uv_from_its_error() {
        let output = "Resolved 3 packages\n  × No solution found when resolving dependencies:\n  ╰─▶ Because there is no version of kiln-no-such-package==1.0 and you require it, we can conclude that your requirements are unsatisfiable.\n";
        let explanation = uv_explanation(output);
        assert!(explanation.starts_with("  × No solution found"), "{explanation}");
        assert!(explanation.contains("kiln-no-such-package"), "{explanation}");
    }
}
