//! `kiln build`: source in, published image out, with the real lifecycle under runc.

use crate::cache::Cache;
use crate::output::Output;
use crate::registry_auth::registry_auth_json;
use crate::source::copy_source;
use crate::unpacked::{human_size, unpacked};
use anyhow::{bail, Context};
use kiln_lifecycle::{write_platform_env, Creator};
use kiln_oci::{ImageRef, Registry, RegistryOptions};
use kiln_runc::User;
use serde::Serialize;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// kiln has no published builder yet: the default is the one the quick start publishes to the
/// local registry. Set `KILN_BUILDER` or `--builder` for any other.
pub(crate) const DEFAULT_BUILDER: &str = "127.0.0.1:5000/kiln/builder:latest";

/// Build environment variables whose value may name a file on the machine running kiln; the
/// file is made available inside the build and the value rewritten to its path there:
/// a buildpack's inventory, and the CA bundle to trust behind a TLS-intercepting proxy.
const FILE_VALUED_ENV: [&str; 2] = ["KILN_INVENTORY", "SSL_CERT_FILE"];

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
    /// Build environment for buildpacks, NAME=VALUE (repeatable). Never stored in the image.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    env: Vec<String>,
    /// Registry to reach over plain HTTP (loopback registries always are). Repeatable.
    #[arg(long = "insecure-registry", value_name = "HOST[:PORT]")]
    insecure_registries: Vec<String>,
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
    let source = args.source.canonicalize().with_context(|| {
        format!("the source directory {} does not exist; pass the directory holding your code", args.source.display())
    })?;
    if !source.is_dir() {
        bail!("{} is not a directory; pass the directory holding your code", source.display());
    }
    let image: ImageRef = args.image.parse().with_context(|| format!("`{}` is not an image reference", args.image))?;
    let builder_ref: ImageRef =
        args.builder.parse().with_context(|| format!("`{}` is not an image reference", args.builder))?;
    let declared_env = crate::project_descriptor::build_env(&source)?;
    let build_env = crate::project_descriptor::merged(declared_env.clone(), parse_env(&args.env)?);
    let registry = Registry::new(RegistryOptions { insecure_registries: args.insecure_registries.clone() });
    let cache = Cache::locate()?;

    out.phase(&format!("Preparing builder {builder_ref}"));
    let builder = unpacked(&registry, &builder_ref, &cache, out).await?;
    let user = builder_user(&builder)?;

    out.phase("Preparing the build");
    if !declared_env.is_empty() {
        let names: Vec<&str> = declared_env.iter().map(|(name, _)| name.as_str()).collect();
        out.info(&format!(
            "Build environment from {}: {} (--env overrides)",
            crate::project_descriptor::FILE_NAME,
            names.join(", ")
        ));
    }
    let scratch = cache.scratch("build-")?;
    out.info(&format!("Scratch space: {} (KILN_SCRATCH_DIR moves it)", scratch.path().display()));
    let app_dir = owned_dir(scratch.path(), "app", user)?;
    let layers_dir = owned_dir(scratch.path(), "layers", user)?;
    let platform_dir = scratch.path().join("platform");
    std::fs::create_dir(&platform_dir)?;
    copy_source(&source, &app_dir, user.uid, user.gid)?;
    let build_env = stage_file_values(build_env, &platform_dir)?;
    write_platform_env(&platform_dir, &build_env)?;

    let build_cache = cache.build_cache(&format!("{}/{}", image.registry(), image.repository()));
    std::fs::create_dir_all(&build_cache)?;
    // One build at a time per cache: the lifecycle commits a cache wholesale, and two writers
    // would leave a mix.
    let lock = File::create(build_cache.with_extension("lock"))?;
    lock.lock().context("cannot lock the build cache")?;
    std::os::unix::fs::chown(&build_cache, Some(user.uid), Some(user.gid))?;
    out.info(&format!("Build cache: {}", build_cache.display()));

    let run_images = run_image_registries(&builder.rootfs);
    let auth = registry_auth_json(
        [image.registry(), builder_ref.registry()].into_iter().chain(run_images.iter().map(String::as_str)),
    )?;
    let builder_env = builder.env();
    let creator = Creator {
        builder_rootfs: &builder.rootfs,
        builder_env: &builder_env,
        user,
        app_dir: &app_dir,
        layers_dir: &layers_dir,
        cache_dir: &build_cache,
        platform_dir: &platform_dir,
        image: &image.to_string(),
        insecure_registries: &args.insecure_registries,
        registry_auth: auth.as_deref(),
    };
    out.phase("Running the lifecycle (creator)");
    let report = creator.run().await?;
    drop(lock);

    let pinned = image.with_digest(&report.digest);
    let size = registry.image_size(&pinned).await.with_context(|| format!("built, but cannot read back {pinned}"))?;
    let result = BuildResult {
        image: pinned.to_string(),
        digest: report.digest.clone(),
        size,
        duration_seconds: started.elapsed().as_secs_f64(),
        process_types: report.process_types,
        default_process: report.default_process,
        builder: builder.digest,
    };
    out.phase(&format!("Published {} ({}, {:.1} s)", result.image, human_size(size), result.duration_seconds));
    out.result(&result.digest, &result);
    Ok(ExitCode::SUCCESS)
}

fn parse_env(pairs: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    pairs
        .iter()
        .map(|pair| {
            pair.split_once('=')
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .with_context(|| format!("--env `{pair}` has no `=`; write it as NAME=VALUE"))
        })
        .collect()
}

/// Copies files named by file-valued variables into the platform directory, which the build
/// sees at `/platform`, and points the variable there.
fn stage_file_values(env: Vec<(String, String)>, platform_dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    env.into_iter()
        .map(|(name, value)| {
            let local = value.strip_prefix("file://").unwrap_or(&value);
            if !FILE_VALUED_ENV.contains(&name.as_str()) || !Path::new(local).is_file() {
                return Ok((name, value));
            }
            let files = platform_dir.join("files");
            std::fs::create_dir_all(&files)?;
            std::fs::copy(local, files.join(&name)).with_context(|| format!("cannot read {name} file {local}"))?;
            Ok((name.clone(), format!("/platform/files/{name}")))
        })
        .collect()
}

/// The user the builder's lifecycle runs as, from `CNB_USER_ID`/`CNB_GROUP_ID`.
fn builder_user(builder: &crate::unpacked::UnpackedImage) -> anyhow::Result<User> {
    let id = |name: &str| -> anyhow::Result<u32> {
        builder
            .env_value(name)
            .with_context(|| format!("the builder image has no {name} in its environment: is it a CNB builder?"))?
            .parse()
            .with_context(|| format!("the builder's {name} is not a number"))
    };
    let user = User { uid: id("CNB_USER_ID")?, gid: id("CNB_GROUP_ID")? };
    if user.uid == 0 {
        bail!("the builder runs builds as root (CNB_USER_ID=0); kiln builds only as a non-root user: use a builder with a non-root CNB_USER_ID");
    }
    Ok(user)
}

fn owned_dir(parent: &Path, name: &str, user: User) -> anyhow::Result<PathBuf> {
    let dir = parent.join(name);
    std::fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    std::os::unix::fs::chown(&dir, Some(user.uid), Some(user.gid))?;
    Ok(dir)
}

/// Registries of the run images the builder names in `/cnb/run.toml`, whose credentials the
/// exporter needs.
fn run_image_registries(builder_rootfs: &Path) -> Vec<String> {
    #[derive(serde::Deserialize)]
    struct RunToml {
        #[serde(default)]
        images: Vec<RunImage>,
    }
    #[derive(serde::Deserialize)]
    struct RunImage {
        image: String,
        #[serde(default)]
        mirrors: Vec<String>,
    }
    let Ok(text) = std::fs::read_to_string(builder_rootfs.join("cnb/run.toml")) else {
        return Vec::new();
    };
    let Ok(run) = toml::from_str::<RunToml>(&text) else {
        return Vec::new();
    };
    run.images
        .into_iter()
        .flat_map(|image| std::iter::once(image.image).chain(image.mirrors))
        .filter_map(|reference| reference.parse::<ImageRef>().ok())
        .map(|reference| reference.registry().to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_files_named_by_file_valued_variables_go_into_the_platform_dir() {
        let host = tempfile::tempdir().expect("host dir");
        let inventory = host.path().join("inventory.toml");
        std::fs::write(&inventory, "[[artifacts]]\n").expect("inventory");
        let platform = tempfile::tempdir().expect("platform dir");
        let env = vec![
            ("KILN_INVENTORY".to_string(), format!("file://{}", inventory.display())),
            ("SSL_CERT_FILE".to_string(), "https://example.invalid/ca.pem".to_string()),
            ("GOFLAGS".to_string(), inventory.display().to_string()),
        ];
        let staged = stage_file_values(env, platform.path()).expect("staged");
        assert_eq!(staged[0], ("KILN_INVENTORY".to_string(), "/platform/files/KILN_INVENTORY".to_string()));
        assert_eq!(
            std::fs::read_to_string(platform.path().join("files/KILN_INVENTORY")).expect("copied"),
            "[[artifacts]]\n"
        );
        // Not a local file, or not a file-valued variable: passed through as given.
        assert_eq!(staged[1].1, "https://example.invalid/ca.pem");
        assert_eq!(staged[2].1, inventory.display().to_string());
    }

    #[test]
    fn env_pairs_need_an_equals_sign() {
        assert_eq!(parse_env(&["A=b=c".to_string()]).expect("parsed"), [("A".to_string(), "b=c".to_string())]);
        let error = parse_env(&["JUSTNAME".to_string()]).expect_err("no =");
        assert!(error.to_string().contains("NAME=VALUE"));
    }
}
