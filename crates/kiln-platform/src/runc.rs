//! How `kiln build` runs the creator on the machine it runs on: the builder image pulled and
//! unpacked into kiln's cache, and the lifecycle run under runc in that root filesystem as the
//! builder's non-root user, with the build's directories mounted. Everything runc-specific
//! of a build is here; a step running inside the builder image needs none of it.

use crate::cache::Cache;
use crate::errors::kinded;
use crate::interrupt::creator_error;
use crate::registry_auth::registry_auth_json;
use crate::unpacked::{unpacked, UnpackedImage};
use crate::Reporter;
use kiln_error::ErrorKind;
use kiln_lifecycle::{BuildReport, Creator, CreatorRun};
use kiln_oci::{ImageRef, Registry};
use kiln_runc::User;
use std::path::{Path, PathBuf};

/// A builder unpacked on this machine, ready to run the creator.
pub struct RuncBuilder {
    pub image: UnpackedImage,
    /// The user the builder's lifecycle runs as (`CNB_USER_ID`/`CNB_GROUP_ID`).
    pub user: User,
}

/// The directories of one build (under runc, host paths mounted at the lifecycle's defaults).
pub struct BuildDirs {
    pub app: PathBuf,
    pub layers: PathBuf,
    pub cache: PathBuf,
    pub platform: PathBuf,
}

impl BuildDirs {
    /// The creator run that builds in these directories and publishes `image`.
    pub(crate) fn creator_run<'a>(
        &'a self,
        image: &'a str,
        insecure_registries: &'a [String],
        registry_auth: Option<&'a str>,
    ) -> CreatorRun<'a> {
        CreatorRun {
            app_dir: &self.app,
            layers_dir: &self.layers,
            cache_dir: &self.cache,
            platform_dir: &self.platform,
            image,
            insecure_registries,
            registry_auth,
        }
    }
}

impl RuncBuilder {
    pub async fn prepare(
        registry: &Registry,
        reference: &ImageRef,
        cache: &Cache,
        reporter: &dyn Reporter,
    ) -> anyhow::Result<Self> {
        let image = unpacked(registry, reference, cache, reporter).await?;
        let user = builder_user(&image)?;
        Ok(Self { image, user })
    }

    /// Runs the creator to publish `image`, its output on stderr as it goes.
    pub async fn create(
        &self,
        dirs: &BuildDirs,
        image: &ImageRef,
        builder: &ImageRef,
        insecure_registries: &[String],
    ) -> anyhow::Result<BuildReport> {
        let run_images = run_image_registries(&self.image.rootfs);
        let registries =
            [image.registry(), builder.registry()].into_iter().chain(run_images.iter().map(String::as_str));
        let auth = registry_auth_json(registries)?;
        let builder_env = self.image.env();
        let image = image.to_string();
        let creator = Creator {
            builder_rootfs: &self.image.rootfs,
            builder_env: &builder_env,
            user: self.user,
            run: dirs.creator_run(&image, insecure_registries, auth.as_deref()),
        };
        creator.run().await.map_err(creator_error)
    }
}

/// The user the builder's lifecycle runs as, from `CNB_USER_ID`/`CNB_GROUP_ID`.
fn builder_user(builder: &UnpackedImage) -> anyhow::Result<User> {
    let invalid = |message: String, advice: &str| kinded(ErrorKind::InvalidBuilder, message, advice);
    let id = |name: &str| -> anyhow::Result<u32> {
        let value = builder.env_value(name).ok_or_else(|| {
            invalid(format!("the builder image has no {name} in its environment"), "use a CNB builder image")
        })?;
        value
            .parse()
            .map_err(|_| invalid(format!("the builder's {name} `{value}` is not a number"), "use a CNB builder image"))
    };
    let user = User { uid: id("CNB_USER_ID")?, gid: id("CNB_GROUP_ID")? };
    if user.uid == 0 {
        return Err(invalid(
            "the builder runs builds as root (CNB_USER_ID=0); kiln builds only as a non-root user".to_string(),
            "use a builder with a non-root CNB_USER_ID",
        ));
    }
    Ok(user)
}

/// Registries of the run images the builder names in `/cnb/run.toml`, whose credentials the
/// exporter needs.
pub(crate) fn run_image_registries(builder_rootfs: &Path) -> Vec<String> {
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
