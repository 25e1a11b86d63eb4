//! `kiln build`: source in, published image out. The arguments and the result; the build
//! itself is kiln-platform's.

use crate::output::Output;
use crate::result_files::ResultFiles;
use kiln_platform::{human_size, BuildRequest, InBuilderPlacement};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// kiln has no published builder yet: the default is the one the quick start publishes to the
/// local registry. Set `KILN_BUILDER` or `--builder` for any other.
pub(crate) const DEFAULT_BUILDER: &str = "127.0.0.1:5000/kiln/builder:latest";

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Directory with the source to build.
    source: PathBuf,
    /// Image to publish, e.g. 127.0.0.1:5000/apps/hello:1.
    #[arg(long)]
    image: String,
    /// Builder image holding the lifecycle and buildpacks.
    #[arg(long, env = "KILN_BUILDER", default_value = DEFAULT_BUILDER)]
    builder: String,
    /// Build environment for buildpacks (repeatable): NAME=VALUE, or NAME for kiln's own value
    /// of NAME. Never stored in the image.
    #[arg(long = "env", value_name = "NAME[=VALUE]")]
    env: Vec<String>,
    /// Registry to reach over plain HTTP (loopback registries always are). Repeatable.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    insecure_registries: Vec<String>,
    /// Run inside the builder image, as its build user: call the lifecycle's creator directly,
    /// without runc (a CI job's container, a Tekton or Shipwright step).
    #[arg(long)]
    in_builder: bool,
    /// With --in-builder: the empty directory the source copy is built in, the image's
    /// working directory (default /workspace, the lifecycle's).
    #[arg(long, value_name = "DIR", requires = "in_builder")]
    app_dir: Option<PathBuf>,
    /// Pass kiln's own environment as build env too (before --env, which wins), but for what
    /// the container, Kubernetes and kiln set (`PATH`, `HOME`, `KUBERNETES_*`, `CNB_*`, `KILN_CACHE_DIR`, …):
    /// for steps whose build env arrives as container env, such as a Shipwright Build's `env`.
    #[arg(long)]
    env_from_process: bool,
    #[command(flatten)]
    result_files: ResultFiles,
}

#[derive(Serialize)]
struct BuildResult {
    image: String,
    digest: String,
    size: u64,
    duration_seconds: f64,
    process_types: Vec<String>,
    default_process: Option<String>,
    builder: String,
}

pub(crate) async fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let request = BuildRequest {
        source: args.source,
        image: args.image,
        builder: args.builder,
        env: if args.env_from_process {
            kiln_platform::process_env::build_env_from(std::env::vars()).into_iter().chain(args.env).collect()
        } else {
            args.env
        },
        insecure_registries: args.insecure_registries,
    };
    let built = if args.in_builder {
        let placement = args.app_dir.map_or_else(InBuilderPlacement::default, |app_dir| InBuilderPlacement { app_dir });
        kiln_platform::build_in_builder(&request, &placement, out).await
    } else {
        kiln_platform::build(&request, out).await
    };
    let built = match built {
        Ok(built) => built,
        Err(error) => {
            args.result_files.failed(&error);
            return Err(error);
        }
    };
    args.result_files.published(&built.digest, built.size)?;
    let result = BuildResult {
        image: built.image,
        digest: built.digest,
        size: built.size,
        duration_seconds: started.elapsed().as_secs_f64(),
        process_types: built.process_types,
        default_process: built.default_process,
        builder: built.builder_digest,
    };
    out.phase(&format!("Published {} ({}, {:.1} s)", result.image, human_size(result.size), result.duration_seconds));
    out.result(&result.digest, &result);
    Ok(ExitCode::SUCCESS)
}
