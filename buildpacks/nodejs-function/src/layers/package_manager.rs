//! pnpm or yarn for the build, downloaded from the npm registry by Node.js's own npm (so the
//! registry settings of the build reach it), checked against corepack's digest when
//! `packageManager` gives one, and cached between builds while the release asked for is the
//! same. Not in the image: functions run `node` alone.

use crate::errors::NodeFunctionError;
use crate::package_manager::{DigestAlgorithm, ToolDigest, ToolRelease};
use crate::NodeFunctionBuildpack;
use kiln_buildpack::{empty_cause, print, replace_unreadable, stream_tool, ToolError};
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{CachedLayerDefinition, LayerState, RestoredLayerAction};
use libcnb::Env;
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// yarn 4's one file: corepack's digest for it is this file's, not the package tarball's.
const BERRY_BIN: &str = "lib/node_modules/@yarnpkg/cli-dist/bin/yarn.js";

#[derive(Debug, thiserror::Error)]
pub(crate) enum ToolInstallError {
    #[error("`npm pack {spec}` could not download it: {output}")]
    Download { spec: String, output: String },
    #[error("`npm pack {spec}` did not say which file it wrote: {output}")]
    Listing { spec: String, output: String },
    #[error(
        "{} of {spec} is {found}, but package.json's `packageManager` says {}",
        .expected.algorithm, .expected.hex
    )]
    DigestMismatch { spec: String, expected: ToolDigest, found: String },
    #[error("installing {spec} failed: {source}")]
    Install {
        spec: String,
        #[source]
        source: ToolError,
    },
    #[error("cannot write the package manager's layer: {0}")]
    Io(#[from] std::io::Error),
}

/// Installs (or reuses) `release`; returns the directory of its commands, for PATH.
pub(crate) fn handle_package_manager_layer(
    context: &BuildContext<NodeFunctionBuildpack>,
    release: &ToolRelease,
    npm_env: &Env,
) -> libcnb::Result<PathBuf, NodeFunctionError> {
    let spec = format!("{}@{}", release.package, release.version);
    let mut wanted = BTreeMap::from([("release".to_string(), spec.clone())]);
    if let Some(digest) = &release.digest {
        wanted.insert("digest".to_string(), format!("{}.{}", digest.algorithm, digest.hex));
    }
    let layer = context.cached_layer(
        layer_name!("package_manager"),
        CachedLayerDefinition {
            build: false,
            launch: false,
            invalid_metadata_action: &|_| replace_unreadable(),
            restored_layer_action: &|cached: &BTreeMap<String, String>, _| {
                if *cached == wanted {
                    (RestoredLayerAction::KeepLayer, format!("{spec} ({}) is cached", release.origin))
                } else {
                    let was = cached.get("release").map_or("another release", String::as_str);
                    (RestoredLayerAction::DeleteLayer, format!("it holds {was}, this build asks for {spec}"))
                }
            },
        },
    )?;
    let error = |error| NodeFunctionError::PackageManagerTool(Box::new(error));
    match &layer.state {
        LayerState::Restored { cause } => print::sub_bullet(format!("Reusing the package manager: {cause}")),
        LayerState::Empty { cause } => {
            print::sub_bullet(format!(
                "Installing {spec} ({}) from the npm registry ({})",
                release.origin,
                empty_cause(cause)
            ));
            install(&context.app_dir, &layer.path(), (&spec, release.digest.as_ref()), npm_env).map_err(error)?;
            layer.write_metadata(wanted)?;
        }
    }
    Ok(layer.path().join("bin"))
}

/// Downloads `spec` with `npm pack` (in the app, so that its .npmrc applies), checks it, and
/// installs it into `layer`.
fn install(
    app_dir: &Path,
    layer: &Path,
    (spec, digest): (&str, Option<&ToolDigest>),
    npm_env: &Env,
) -> Result<(), ToolInstallError> {
    let downloads = layer.join("download");
    std::fs::create_dir_all(&downloads)?;
    // npm's own cache for these two commands goes with the download.
    let npm_cache = downloads.join("npm-cache");
    let output = Command::new("npm")
        .args(["pack", spec, "--json", "--pack-destination"])
        .arg(&downloads)
        .current_dir(app_dir)
        .envs(npm_env)
        .env("npm_config_cache", &npm_cache)
        .output()?;
    let said = |bytes: &[u8]| String::from_utf8_lossy(bytes).trim().to_string();
    if !output.status.success() {
        return Err(ToolInstallError::Download { spec: spec.to_string(), output: said(&output.stderr) });
    }
    let listing: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    let Some(filename) = listing[0]["filename"].as_str() else {
        return Err(ToolInstallError::Listing { spec: spec.to_string(), output: said(&output.stdout) });
    };
    let tarball = downloads.join(filename);
    let berry = spec.starts_with("@yarnpkg/cli-dist@");
    if let (Some(expected), false) = (digest, berry) {
        check_digest(spec, &tarball, expected)?;
    }
    let mut npm = Command::new("npm");
    npm.args(["install", "--global", "--no-audit", "--no-fund", "--prefix"]).arg(layer).arg(&tarball).envs(npm_env);
    npm.env("npm_config_cache", &npm_cache);
    stream_tool(&mut npm).map_err(|source| ToolInstallError::Install { spec: spec.to_string(), source })?;
    if let (Some(expected), true) = (digest, berry) {
        check_digest(spec, &layer.join(BERRY_BIN), expected)?;
    }
    std::fs::remove_dir_all(&downloads)?;
    Ok(())
}

fn check_digest(spec: &str, file: &Path, expected: &ToolDigest) -> Result<(), ToolInstallError> {
    let bytes = std::fs::read(file)?;
    let found = match expected.algorithm {
        DigestAlgorithm::Sha224 => hex::encode(sha2::Sha224::digest(&bytes)),
        DigestAlgorithm::Sha256 => hex::encode(sha2::Sha256::digest(&bytes)),
        DigestAlgorithm::Sha384 => hex::encode(sha2::Sha384::digest(&bytes)),
        DigestAlgorithm::Sha512 => hex::encode(sha2::Sha512::digest(&bytes)),
    };
    if found == expected.hex {
        print::sub_bullet(format!("{spec} matches the {} digest in `packageManager`", expected.algorithm));
        Ok(())
    } else {
        Err(ToolInstallError::DigestMismatch { spec: spec.to_string(), expected: expected.clone(), found })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_download_is_checked_against_the_digest_corepack_wrote() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("pnpm-10.34.8.tgz");
        std::fs::write(&file, b"abc").expect("write");
        let sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        let digest = |hex: &str| ToolDigest { algorithm: DigestAlgorithm::Sha256, hex: hex.to_string() };
        check_digest("pnpm@10.34.8", &file, &digest(sha256)).expect("the same digest");
        let error = check_digest("pnpm@10.34.8", &file, &digest("00")).expect_err("another digest");
        assert_eq!(
            error.to_string(),
            format!("sha256 of pnpm@10.34.8 is {sha256}, but package.json's `packageManager` says 00")
        );
    }
}
