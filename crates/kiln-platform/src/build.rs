//! One build, step by step: check the inputs, check that the registry takes the push, prepare
//! the builder, take the build-cache lock, copy the source, write the platform directory, run
//! the creator, read back what it published. Every step races Ctrl-C (see
//! [`crate::interrupt`]); the scratch directory is a guard that removes itself however the
//! build ends.

use crate::build_env::{host_ca_bundle, parse_env_args, platform_env, CaTrust, PlatformDir};
use crate::cache::Cache;
use crate::descriptor::{self, FILE_NAME};
use crate::errors::{filesystem, invalid_argument, invalid_source, kinded};
use crate::interrupt::{interrupted, Interrupt};
use crate::lock::lock_build_cache;
use crate::runc::{BuildDirs, RuncBuilder};
use crate::source::{copy_source, CopiedSource};
use crate::source_filter::SourceFilter;
use crate::unpacked::human_size;
use crate::Reporter;
use kiln_error::ErrorKind;
use kiln_lifecycle::{write_platform_env, BuildReport};
use kiln_oci::{ImageRef, Registry, RegistryOptions};
use kiln_runc::User;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What to build, as the user asked for it.
#[derive(Debug, Clone)]
pub struct BuildRequest {
    /// Directory with the source.
    pub source: PathBuf,
    /// Image to publish.
    pub image: String,
    /// Builder image holding the lifecycle and buildpacks.
    pub builder: String,
    /// `--env` arguments: `NAME=VALUE`, or `NAME` for kiln's own value.
    pub env: Vec<String>,
    pub insecure_registries: Vec<String>,
}

/// What a build published.
#[derive(Debug, Clone)]
pub struct BuiltImage {
    /// The image pinned to its digest.
    pub image: String,
    pub digest: String,
    /// Config and compressed layers, as the registry stores them.
    pub size: u64,
    pub process_types: Vec<String>,
    pub default_process: Option<String>,
    /// Digest of the builder image used.
    pub builder_digest: String,
}

pub async fn build(request: &BuildRequest, reporter: &dyn Reporter) -> anyhow::Result<BuiltImage> {
    let mut interrupt = Interrupt::listen()?;
    let inputs = Inputs::read(request)?;
    let builder_ref = image_ref(&request.builder, "--builder")?;
    inputs.check_push(&mut interrupt, reporter).await?;

    reporter.phase(&format!("Preparing builder {builder_ref}"));
    let builder = interrupt.race(RuncBuilder::prepare(&inputs.registry, &builder_ref, &inputs.cache, reporter)).await?;

    reporter.phase("Preparing the build");
    let (lock, build_cache) = inputs.lock_build_cache(&mut interrupt, builder.user, reporter).await?;
    let scratch = inputs.cache.scratch("build-")?;
    reporter.info(&format!("Scratch space: {} (KILN_SCRATCH_DIR moves it)", scratch.path().display()));
    let dirs = BuildDirs {
        app: scratch.path().join("app"),
        layers: scratch.path().join("layers"),
        cache: build_cache,
        platform: scratch.path().join("platform"),
    };
    owned(&dirs.app, builder.user, false)?;
    owned(&dirs.layers, builder.user, false)?;
    inputs.stage(&mut interrupt, &dirs, Path::new("/platform"), builder.user, reporter).await?;

    reporter.phase("Running the lifecycle (creator)");
    let report = builder.create(&dirs, &inputs.image, &builder_ref, &request.insecure_registries).await?;
    drop(lock);
    drop(scratch);
    inputs.published(report, builder.image.digest).await
}

/// What a build reads before it starts, checked: the same for every way of running the creator.
pub(crate) struct Inputs {
    pub(crate) source: PathBuf,
    pub(crate) image: ImageRef,
    project: descriptor::ProjectDescriptor,
    filter: SourceFilter,
    build_env: Vec<(String, String)>,
    pub(crate) registry: Registry,
    pub(crate) cache: Cache,
}

impl Inputs {
    pub(crate) fn read(request: &BuildRequest) -> anyhow::Result<Self> {
        let source = source_dir(&request.source)?;
        let image = image_ref(&request.image, "--image")?;
        let project = descriptor::read(&source)?;
        let filter = SourceFilter::new(&source, &project.files)?;
        let build_env = descriptor::merged(project.env.clone(), parse_env_args(&request.env)?);
        let registry = Registry::new(RegistryOptions { insecure_registries: request.insecure_registries.clone() });
        let cache = Cache::locate()?;
        Ok(Self { source, image, project, filter, build_env, registry, cache })
    }

    pub(crate) async fn check_push(&self, interrupt: &mut Interrupt, reporter: &dyn Reporter) -> anyhow::Result<()> {
        let image = &self.image;
        reporter.phase(&format!("Checking that {} takes pushes to {}", image.registry(), image.repository()));
        interrupt.race(crate::registry_check::check_push(&self.registry, image)).await
    }

    /// Takes the image repository's build-cache lock and returns it with the cache directory,
    /// created for `user`.
    pub(crate) async fn lock_build_cache(
        &self,
        interrupt: &mut Interrupt,
        user: User,
        reporter: &dyn Reporter,
    ) -> anyhow::Result<(crate::BuildCacheLock, PathBuf)> {
        let repository = crate::cache::repository_of(&self.image);
        let lock_file = self.cache.build_cache_lock(&repository);
        let lock = interrupt.race(lock_build_cache(&lock_file, &repository, reporter)).await?;
        let build_cache = self.cache.build_cache(&repository);
        owned(&build_cache, user, true)?;
        reporter.info(&format!("Build cache: {}", build_cache.display()));
        if !self.project.env.is_empty() {
            let names: Vec<&str> = self.project.env.iter().map(|(name, _)| name.as_str()).collect();
            reporter.info(&format!("Build environment from {FILE_NAME}: {} (--env overrides)", names.join(", ")));
        }
        Ok((lock, build_cache))
    }

    /// Copies the source into `dirs.app` (which exists, owned by `user`) and writes the
    /// platform directory `dirs.platform` (which must not exist yet), which the lifecycle sees
    /// at `platform_in_build` (`/platform` under runc; its own path when kiln runs in the builder).
    pub(crate) async fn stage(
        &self,
        interrupt: &mut Interrupt,
        dirs: &BuildDirs,
        platform_in_build: &Path,
        user: User,
        reporter: &dyn Reporter,
    ) -> anyhow::Result<()> {
        std::fs::create_dir(&dirs.platform).map_err(|error| scratch_error(&dirs.platform, &error))?;
        let copied = copy_cancellable(interrupt, &self.source, &dirs.app, user, self.filter.clone()).await?;
        report_copy(reporter, &copied);
        let platform_dir = PlatformDir { on_host: &dirs.platform, in_build: platform_in_build };
        let (env, trust) = platform_env(self.build_env.clone(), platform_dir, host_ca_bundle().as_deref())?;
        report_trust(reporter, &trust);
        write_platform_env(&dirs.platform, &env)
            .map_err(|error| invalid_argument(error.to_string(), "rename the variable in --env or project.toml"))?;
        // A signal that came while the last step finished: the lifecycle would not hear of it.
        if let Some(signal) = pending(interrupt).await {
            return Err(interrupted(signal));
        }
        Ok(())
    }

    /// The build's result once the creator has published: from here on a signal changes
    /// nothing (kiln no longer dies of one), and the build reports its image.
    pub(crate) async fn published(&self, report: BuildReport, builder_digest: String) -> anyhow::Result<BuiltImage> {
        let pinned = self.image.with_digest(&report.digest);
        let size = image_size(&self.registry, &pinned).await?;
        Ok(BuiltImage {
            image: pinned.to_string(),
            digest: report.digest,
            size,
            process_types: report.process_types,
            default_process: report.default_process,
            builder_digest,
        })
    }
}

fn source_dir(given: &Path) -> anyhow::Result<PathBuf> {
    let source = given.canonicalize().map_err(|error| {
        invalid_source(
            format!("the source directory {} cannot be read: {error}", given.display()),
            "pass the directory holding your code",
        )
    })?;
    if !source.is_dir() {
        return Err(invalid_source(
            format!("{} is not a directory", source.display()),
            "pass the directory holding your code",
        ));
    }
    Ok(source)
}

fn image_ref(value: &str, option: &str) -> anyhow::Result<ImageRef> {
    value.parse().map_err(|error| {
        invalid_argument(
            format!("{option} `{value}` is not an image reference: {error}"),
            "write it as registry/repository[:tag], e.g. 127.0.0.1:5000/apps/hello:1",
        )
    })
}

/// Copies the source on a blocking thread, told to stop (and waited for) on Ctrl-C so that
/// nothing writes into the scratch directory once its guard removes it.
async fn copy_cancellable(
    interrupt: &mut Interrupt,
    source: &Path,
    app: &Path,
    user: User,
    filter: SourceFilter,
) -> anyhow::Result<CopiedSource> {
    let cancel = Arc::new(AtomicBool::new(false));
    let mut copying = tokio::task::spawn_blocking({
        let (source, app, cancel) = (source.to_path_buf(), app.to_path_buf(), Arc::clone(&cancel));
        move || copy_source(&source, &app, user, &filter, &cancel)
    });
    tokio::select! {
        copied = &mut copying => copied.map_err(|error| kinded(ErrorKind::Internal, format!("the source copy failed: {error}"), "report this as a kiln bug"))?,
        signal = interrupt.received() => {
            cancel.store(true, Ordering::Relaxed);
            let _ = copying.await;
            Err(interrupted(signal))
        }
    }
}

/// A signal already received, without waiting for one.
async fn pending(interrupt: &mut Interrupt) -> Option<&'static str> {
    tokio::select! {
        biased;
        signal = interrupt.received() => Some(signal),
        () = std::future::ready(()) => None,
    }
}

fn report_copy(reporter: &dyn Reporter, copied: &CopiedSource) {
    let left_out = match copied.left_out {
        0 => String::new(),
        n => format!("; {n} left out (.git, project.toml's include/exclude)"),
    };
    reporter.info(&format!("Source: {} files, {} copied{left_out}", copied.files, human_size(copied.bytes)));
}

fn report_trust(reporter: &dyn Reporter, trust: &CaTrust) {
    match trust {
        CaTrust::Host { bundle, variables } => reporter.info(&format!(
            "Trusting this machine's CA certificates ({}) during the build, not in the image: {} (--env SSL_CERT_FILE= turns it off)",
            bundle.display(),
            variables.join(", ")
        )),
        CaTrust::TurnedOff => reporter.info("Not trusting this machine's CA certificates (SSL_CERT_FILE is empty)"),
        CaTrust::Untouched => {}
    }
}

/// Creates `dir` (with its parents when `parents`) owned by the build user.
pub(crate) fn owned(dir: &Path, user: User, parents: bool) -> anyhow::Result<()> {
    let created = if parents { std::fs::create_dir_all(dir) } else { std::fs::create_dir(dir) };
    created
        .and_then(|()| std::os::unix::fs::chown(dir, Some(user.uid), Some(user.gid)))
        .map_err(|error| scratch_error(dir, &error))
}

pub(crate) fn scratch_error(dir: &Path, error: &std::io::Error) -> anyhow::Error {
    filesystem(
        format!("cannot prepare {} for the build: {error}", dir.display()),
        "check free space and permissions there (kiln builds as root), or set KILN_SCRATCH_DIR or KILN_CACHE_DIR",
    )
}

async fn image_size(registry: &Registry, pinned: &ImageRef) -> anyhow::Result<u64> {
    registry.image_size(pinned).await.map_err(|error| {
        kinded(
            ErrorKind::RegistryUnreachable,
            format!("built and published {pinned}, but cannot read its size back: {error}"),
            "the image is there; check the registry",
        )
    })
}
