//! CNB builder images from `builder.toml`, assembled the way `pack builder create` does it but
//! without a Docker daemon: pull the build image, add the lifecycle, buildpack, order, stack and
//! run layers and pack's labels, push.

pub mod assemble;
pub mod config;
pub mod descriptor;
pub mod fetch;
pub mod labels;
pub mod layers;
pub mod lifecycle;

pub use assemble::{assemble, AssembleError, BuilderInputs};
pub use config::{BuilderConfig, ConfigError, Overrides, ResolvedImages, RunImage};
pub use descriptor::{Buildpack, DescriptorError, ModuleInfo};
pub use fetch::{obtain, FetchError};
pub use labels::CreatedBy;
pub use lifecycle::{release_url, LifecycleArchive, LifecycleError, LifecycleSource, LIFECYCLE_VERSION};

use kiln_oci::{ImageRef, Progress, ReferenceError, Registry, RegistryError};
use std::path::{Path, PathBuf};

/// What `kiln builder create` was asked to do.
#[derive(Debug)]
pub struct CreateRequest {
    pub config_path: PathBuf,
    /// Where to push the builder.
    pub image: ImageRef,
    pub overrides: Overrides,
    /// `--lifecycle PATH|URL`; relative paths are relative to the working directory. Wins over
    /// `builder.toml`'s `[lifecycle]`.
    pub lifecycle: Option<String>,
    /// kiln's cache directory: lifecycle downloads go to `<cache_dir>/lifecycle`, image blobs to
    /// `<cache_dir>/blobs` (shared with `kiln build`).
    pub cache_dir: PathBuf,
    /// `--kiln-cli PATH`: a static kiln binary the builder carries for `kiln build --in-builder`.
    pub kiln_cli: Option<PathBuf>,
}

/// Progress of [`create`], for output.
#[derive(Debug)]
pub enum Step<'a> {
    PullingBuildImage(&'a ImageRef),
    FetchingLifecycle(&'a LifecycleSource),
    AddingBuildpack(String),
    Pushing(&'a ImageRef),
    Transfer(Progress),
}

/// The pushed builder.
#[derive(Debug, serde::Serialize)]
pub struct CreatedBuilder {
    /// The builder reference pinned to its digest.
    pub image: String,
    pub digest: String,
    pub size: u64,
    pub build_image: String,
    pub run_images: Vec<String>,
    pub lifecycle_version: String,
    /// `id@version`, in `builder.toml` order.
    pub buildpacks: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Descriptor(#[from] DescriptorError),
    #[error("buildpack uri {0} is not supported: kiln takes a directory holding buildpack.toml (a path relative to builder.toml, or file://)")]
    UnsupportedUri(String),
    #[error(
        "buildpack at {uri} is {found}, but builder.toml expects {expected}; fix the [[buildpacks]] entry or the uri"
    )]
    BuildpackMismatch { uri: String, found: String, expected: String },
    #[error("invalid build image reference {reference}: {source}")]
    BuildImageRef { reference: String, source: ReferenceError },
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    #[error(transparent)]
    Assemble(#[from] AssembleError),
    #[error(transparent)]
    Registry(#[from] RegistryError),
    #[error("building the builder failed unexpectedly: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// Assembles the builder `request` describes on top of its build image and pushes it.
///
/// # Errors
/// Invalid configuration or buildpacks, lifecycle download or verification failures, anything pack
/// would refuse, and registry failures.
pub async fn create(
    request: &CreateRequest,
    registry: &Registry,
    progress: &(dyn Fn(Step<'_>) + Sync),
) -> Result<CreatedBuilder, CreateError> {
    let config = BuilderConfig::load(&request.config_path)?;
    let config_dir = request.config_path.parent().unwrap_or(Path::new(".")).to_owned();
    let images = config.resolve_images(&request.overrides)?;
    let buildpacks = read_buildpacks(&config, &config_dir)?;

    let source = lifecycle_source(request.lifecycle.as_deref(), &config, &config_dir);
    progress(Step::FetchingLifecycle(&source));
    let lifecycle_path = fetch::obtain(&source, &request.cache_dir).await?;
    let lifecycle = tokio::task::spawn_blocking(move || LifecycleArchive::read(&lifecycle_path)).await??;

    let build_ref: ImageRef = images
        .build_image
        .parse()
        .map_err(|source| CreateError::BuildImageRef { reference: images.build_image.clone(), source })?;
    progress(Step::PullingBuildImage(&build_ref));
    let blob_dir = request.cache_dir.join("blobs");
    let base = registry.pull(&build_ref, &blob_dir, &|p| progress(Step::Transfer(p))).await?;

    for buildpack in &buildpacks {
        progress(Step::AddingBuildpack(buildpack.info.full_name()));
    }
    let created_by = CreatedBy { name: "kiln".to_owned(), version: env!("CARGO_PKG_VERSION").to_owned() };
    let summary = CreatedBuilder {
        image: String::new(),
        digest: String::new(),
        size: 0,
        build_image: images.build_image.clone(),
        run_images: images.run_images.iter().map(|r| r.image.clone()).collect(),
        lifecycle_version: lifecycle.descriptor.version.clone(),
        buildpacks: buildpacks.iter().map(|b| b.info.full_name()).collect(),
    };
    // Writing layers hashes and compresses tens of megabytes: keep it off the async workers.
    let kiln_cli = request.kiln_cli.clone();
    let image = tokio::task::spawn_blocking(move || {
        let inputs = BuilderInputs {
            config: &config,
            images: &images,
            buildpacks: &buildpacks,
            lifecycle: &lifecycle,
            created_by,
            kiln_cli: kiln_cli.as_deref(),
        };
        assemble(base.into(), &inputs, &blob_dir)
    })
    .await??;

    progress(Step::Pushing(&request.image));
    let pushed = registry.push(&request.image, &image, &|p| progress(Step::Transfer(p))).await?;
    Ok(CreatedBuilder {
        image: request.image.with_digest(&pushed.digest).to_string(),
        digest: pushed.digest,
        size: pushed.size,
        ..summary
    })
}

/// `--lifecycle`, else `[lifecycle] uri`, else `[lifecycle] version`, else kiln's pinned version.
fn lifecycle_source(cli: Option<&str>, config: &BuilderConfig, config_dir: &Path) -> LifecycleSource {
    match (cli, &config.lifecycle.uri, &config.lifecycle.version) {
        (Some(uri), _, _) => LifecycleSource::parse(uri, Path::new(".")),
        (None, Some(uri), _) => LifecycleSource::parse(uri, config_dir),
        (None, None, Some(version)) => LifecycleSource::release(version),
        (None, None, None) => LifecycleSource::release(LIFECYCLE_VERSION),
    }
}

fn read_buildpacks(config: &BuilderConfig, config_dir: &Path) -> Result<Vec<Buildpack>, CreateError> {
    config
        .buildpacks
        .iter()
        .map(|entry| {
            let path = entry.uri.strip_prefix("file://").unwrap_or(&entry.uri);
            if path.contains("://") {
                return Err(CreateError::UnsupportedUri(entry.uri.clone()));
            }
            let buildpack = Buildpack::read(&config_dir.join(path))?;
            let expected_id = entry.id.as_deref().unwrap_or(&buildpack.info.id);
            let expected_version = entry.version.as_deref().unwrap_or(&buildpack.info.version);
            if (expected_id, expected_version) != (buildpack.info.id.as_str(), buildpack.info.version.as_str()) {
                return Err(CreateError::BuildpackMismatch {
                    uri: entry.uri.clone(),
                    found: buildpack.info.full_name(),
                    expected: format!("{expected_id}@{expected_version}"),
                });
            }
            Ok(buildpack)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> BuilderConfig {
        toml::from_str(text).expect("valid builder.toml")
    }

    #[test]
    fn lifecycle_source_precedence() {
        let dir = Path::new("/repo");
        let with_uri = config("[lifecycle]\nuri = \"out/l.tgz\"");
        assert_eq!(lifecycle_source(Some("/cli.tgz"), &with_uri, dir), LifecycleSource::Path("/cli.tgz".into()));
        assert_eq!(lifecycle_source(None, &with_uri, dir), LifecycleSource::Path("/repo/out/l.tgz".into()));
        let with_version = config("[lifecycle]\nversion = \"0.20.0\"");
        assert_eq!(lifecycle_source(None, &with_version, dir), LifecycleSource::Url(release_url("0.20.0")));
        assert_eq!(lifecycle_source(None, &config(""), dir), LifecycleSource::Url(release_url(LIFECYCLE_VERSION)));
    }

    #[test]
    fn buildpack_entries_must_match_their_descriptor() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("bp")).expect("bp dir");
        std::fs::write(
            dir.path().join("bp/buildpack.toml"),
            "api = \"0.10\"\n[buildpack]\nid = \"a/b\"\nversion = \"1\"",
        )
        .expect("write");
        let ok = config("[[buildpacks]]\nid = \"a/b\"\nuri = \"bp\"");
        assert_eq!(read_buildpacks(&ok, dir.path()).expect("matches")[0].info.full_name(), "a/b@1");
        let wrong = config("[[buildpacks]]\nid = \"a/b\"\nversion = \"2\"\nuri = \"file://bp\"");
        assert!(matches!(read_buildpacks(&wrong, dir.path()), Err(CreateError::BuildpackMismatch { .. })));
        let remote = config("[[buildpacks]]\nuri = \"docker://x/y\"");
        assert!(matches!(read_buildpacks(&remote, dir.path()), Err(CreateError::UnsupportedUri(_))));
    }
}
