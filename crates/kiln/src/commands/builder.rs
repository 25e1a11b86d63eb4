//! `kiln builder create`: assemble a builder image from builder.toml without Docker and push it.

use crate::output::Output;
use kiln_builder::{CreateRequest, Overrides, Step};
use kiln_oci::{ImageRef, Progress, Registry, RegistryOptions};
use kiln_platform::Cache;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub(crate) enum Command {
    /// Build a builder from builder.toml on top of its build image and push it, as `pack builder create --publish` does.
    Create(CreateArgs),
}

#[derive(clap::Args)]
pub(crate) struct CreateArgs {
    /// The builder definition, in pack's builder.toml schema.
    #[arg(long, default_value = "builder.toml")]
    config: PathBuf,
    /// Where to push the builder, e.g. 127.0.0.1:5000/kiln/builder:1.
    #[arg(long)]
    image: ImageRef,
    /// Build image to use instead of builder.toml's `[build] image`.
    #[arg(long)]
    build_image: Option<String>,
    /// Run image to use instead of builder.toml's `[[run.images]]` (its mirrors are dropped).
    #[arg(long)]
    run_image: Option<String>,
    /// Lifecycle release tarball (path or http(s) URL) instead of builder.toml's `[lifecycle]`;
    /// `scripts/build-lifecycle` makes one where GitHub is unreachable.
    #[arg(long)]
    lifecycle: Option<String>,
    /// A registry host reached over plain HTTP although it is not on loopback (repeatable).
    #[arg(long = "insecure-registry")]
    insecure_registries: Vec<String>,
    /// A statically linked kiln binary (its musl build) for the builder to carry at
    /// /usr/local/bin/kiln, so that CI jobs and Shipwright steps can run `kiln build --in-builder`.
    #[arg(long, value_name = "PATH")]
    kiln_cli: Option<PathBuf>,
}

pub(crate) async fn run(command: Command, out: &Output) -> anyhow::Result<ExitCode> {
    match command {
        Command::Create(args) => create(args, out).await,
    }
}

async fn create(args: CreateArgs, out: &Output) -> anyhow::Result<ExitCode> {
    let cache = Cache::locate()?;
    let registry = Registry::new(RegistryOptions { insecure_registries: args.insecure_registries });
    let request = CreateRequest {
        config_path: args.config,
        image: args.image,
        overrides: Overrides { build_image: args.build_image, run_image: args.run_image },
        lifecycle: args.lifecycle,
        cache_dir: cache.root().to_owned(),
        kiln_cli: args.kiln_cli,
    };
    let created = kiln_builder::create(&request, &registry, &|step| report(out, step)).await?;
    out.result(&created.image, &created);
    Ok(ExitCode::SUCCESS)
}

fn report(out: &Output, step: Step<'_>) {
    match step {
        Step::FetchingLifecycle(source) => out.phase(&format!("Fetching lifecycle {source}")),
        Step::PullingBuildImage(reference) => out.phase(&format!("Pulling build image {reference}")),
        Step::AddingBuildpack(name) => out.info(&format!("adding buildpack {name}")),
        Step::Pushing(reference) => out.phase(&format!("Pushing builder {reference}")),
        Step::Transfer(Progress::LayerDone { digest, reused: true }) => out.info(&format!("{digest} already present")),
        Step::Transfer(Progress::LayerDone { digest, reused: false }) => out.info(&format!("{digest} done")),
        Step::Transfer(Progress::LayerStarted { .. }) => {}
    }
}
