//! `kiln stack build`: build the stack's build and run images from Debian packages and push them.

use crate::output::Output;
use anyhow::Context;
use kiln_oci::{ImageRef, Progress, Registry, RegistryOptions};
use kiln_stack::{build_image, BuiltImage, ImageKind, StackDefinition};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// Build the build and run images with mmdebstrap (as root) and push them.
    Build(BuildArgs),
}

#[derive(clap::Args)]
pub(crate) struct BuildArgs {
    /// Where to push the build image, e.g. 127.0.0.1:5000/kiln/build:debian-13.
    #[arg(long)]
    build_image: ImageRef,
    /// Where to push the run image, e.g. 127.0.0.1:5000/kiln/run:debian-13.
    #[arg(long)]
    run_image: ImageRef,
    /// The stack definition.
    #[arg(long, default_value = "stack/stack.toml")]
    config: PathBuf,
    /// A registry host reached over plain HTTP although it is not on loopback (repeatable).
    #[arg(long = "insecure-registry")]
    insecure_registries: Vec<String>,
    /// Directory keeping downloaded .deb files between builds, so unchanged packages are not
    /// downloaded again.
    #[arg(long, env = "KILN_APT_CACHE")]
    apt_cache: Option<PathBuf>,
}

#[derive(Serialize)]
struct StackResult {
    build: PushedStackImage,
    run: PushedStackImage,
}

#[derive(Serialize)]
struct PushedStackImage {
    image: String,
    digest: String,
    /// Compressed bytes of config and layers, as pushed.
    size: u64,
    /// Bytes of file contents in the root filesystem.
    uncompressed_size: u64,
    distro: String,
    seconds: f64,
}

pub(crate) async fn run(command: Command, out: &Output) -> anyhow::Result<ExitCode> {
    match command {
        Command::Build(args) => build(args, out).await,
    }
}

async fn build(args: BuildArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let stack = StackDefinition::load(&args.config)?;
    let registry = Registry::new(RegistryOptions { insecure_registries: args.insecure_registries.clone() });
    let build = build_and_push(&stack, ImageKind::Build, &args.build_image, &args, &registry, out).await?;
    let run = build_and_push(&stack, ImageKind::Run, &args.run_image, &args, &registry, out).await?;
    let human = format!("{}@{}\n{}@{}", build.image, build.digest, run.image, run.digest);
    out.result(&human, &StackResult { build, run });
    Ok(ExitCode::SUCCESS)
}

async fn build_and_push(
    stack: &StackDefinition,
    kind: ImageKind,
    reference: &ImageRef,
    args: &BuildArgs,
    registry: &Registry,
    out: &Output,
) -> anyhow::Result<PushedStackImage> {
    let started = Instant::now();
    out.phase(&format!(
        "Building the {} image with mmdebstrap ({} {})",
        kind.name(),
        stack.distro.mirror,
        stack.distro.suite
    ));
    // mmdebstrap and layer writing block for a while; block_in_place keeps other tasks running.
    let built: BuiltImage =
        tokio::task::block_in_place(|| build_image(stack, kind, args.apt_cache.as_deref(), &|line| out.info(line)))?;
    let layer = built.image.layers.first().context("the image has no layer")?;
    out.info(&format!(
        "{} MB uncompressed, {} MB compressed ({})",
        megabytes(built.uncompressed_size),
        megabytes(layer.size),
        layer.digest
    ));

    out.phase(&format!("Pushing the {} image to {reference}", kind.name()));
    let progress = |event: Progress| {
        if let Progress::LayerDone { digest, reused } = event {
            out.info(&format!("{digest} {}", if reused { "already in the registry" } else { "pushed" }));
        }
    };
    let pushed = registry
        .push(reference, &built.image, &progress)
        .await
        .with_context(|| format!("pushing the {} image to {reference}", kind.name()))?;
    out.info(&format!("digest {}", pushed.digest));
    Ok(PushedStackImage {
        image: reference.to_string(),
        digest: pushed.digest,
        size: pushed.size,
        uncompressed_size: built.uncompressed_size,
        distro: format!("{} {}", built.release.id, built.release.version_id),
        seconds: started.elapsed().as_secs_f64(),
    })
}

#[allow(clippy::cast_precision_loss)] // sizes far below 2^52 bytes
fn megabytes(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1_000_000.0)
}
