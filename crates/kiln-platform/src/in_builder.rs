//! `kiln build --in-builder`: kiln as the platform inside the builder image itself, for CI
//! systems that run each job in a container (GitLab CI, GitHub Actions container jobs, a Tekton
//! or Shipwright step). kiln runs as the builder's non-root user and calls the lifecycle's
//! `creator` directly, with no runc: the job's container is the build's container. Everything
//! else is `kiln build`'s (project.toml env and include/exclude, the push check, the build-cache
//! lock, CA trust, error kinds); only where the directories are and who runs the creator
//! differ from [`crate::runc`].

use crate::build::{owned, BuildRequest, BuiltImage, Inputs};
use crate::errors::kinded;
use crate::interrupt::{creator_error, Interrupt};
use crate::registry_auth::registry_auth_json;
use crate::runc::{run_image_registries, BuildDirs};
use crate::Reporter;
use kiln_error::ErrorKind;
use kiln_lifecycle::DirectCreator;
use kiln_runc::User;
use std::path::{Path, PathBuf};

/// The lifecycle's own layers directory in a builder image; launch layers are exported at
/// their paths under it, so the image is the same wherever kiln runs.
const LAYERS_DIR: &str = "/layers";

/// The creator a builder image carries.
const CREATOR: &str = "/cnb/lifecycle/creator";

/// Where, inside the builder, the source copy is built: the lifecycle's default app directory
/// (the image's working directory), unless the job's own files are there (a Tekton step's
/// `/workspace`), in which case the strategy names another.
pub struct InBuilderPlacement {
    pub app_dir: PathBuf,
}

impl Default for InBuilderPlacement {
    fn default() -> Self {
        Self { app_dir: PathBuf::from("/workspace") }
    }
}

pub async fn build_in_builder(
    request: &BuildRequest,
    placement: &InBuilderPlacement,
    reporter: &dyn Reporter,
) -> anyhow::Result<BuiltImage> {
    let mut interrupt = Interrupt::listen()?;
    let user = builder_user()?;
    if !Path::new(CREATOR).is_file() {
        return Err(kinded(
            ErrorKind::InvalidBuilder,
            format!("--in-builder runs inside a CNB builder image, but {CREATOR} does not exist here"),
            "run this step in kiln's builder image, or drop --in-builder to build with runc",
        ));
    }
    let inputs = Inputs::read(request)?;
    inputs.check_push(&mut interrupt, reporter).await?;

    reporter.phase("Preparing the build in this builder container");
    let (lock, build_cache) = inputs.lock_build_cache(&mut interrupt, user, reporter).await?;
    let scratch = inputs.cache.scratch("build-")?;
    let dirs = BuildDirs {
        app: placement.app_dir.clone(),
        layers: PathBuf::from(LAYERS_DIR),
        cache: build_cache,
        platform: scratch.path().join("platform"),
    };
    empty_dir(&dirs.app, user, "--app-dir")?;
    empty_dir(&dirs.layers, user, "the builder's layers directory")?;
    inputs.stage(&mut interrupt, &dirs, &dirs.platform, user, reporter).await?;

    reporter.phase("Running the lifecycle (creator)");
    let run_images = run_image_registries(Path::new("/"));
    let registries = std::iter::once(inputs.image.registry()).chain(run_images.iter().map(String::as_str));
    let auth = registry_auth_json(registries)?;
    let image = inputs.image.to_string();
    let creator = DirectCreator { run: dirs.creator_run(&image, &request.insecure_registries, auth.as_deref()) };
    let report = creator.run().await.map_err(creator_error)?;
    drop(lock);
    drop(scratch);
    inputs.published(report, request.builder.clone()).await
}

/// The user kiln runs as, which must be the builder's non-root build user: the lifecycle runs
/// as whoever starts it.
fn builder_user() -> anyhow::Result<User> {
    let Some(User { uid, gid }) = User::current() else {
        return Err(kinded(
            ErrorKind::Internal,
            "cannot read this process's user from /proc",
            "report this as a kiln bug",
        ));
    };
    if uid == 0 {
        return Err(kinded(
            ErrorKind::InvalidArgument,
            "--in-builder runs the lifecycle as the user kiln runs as, and that is root here; builds run only as a non-root user",
            "run the step as the builder's user (CNB_USER_ID, 1000 in kiln's builder), e.g. `securityContext.runAsUser: 1000`, `--user 1000:1000`",
        ));
    }
    let expected = std::env::var("CNB_USER_ID").ok().and_then(|value| value.parse::<u32>().ok());
    if let Some(expected) = expected.filter(|expected| *expected != uid) {
        return Err(kinded(
            ErrorKind::InvalidArgument,
            format!("--in-builder runs as uid {uid}, but this builder builds as CNB_USER_ID {expected}"),
            "run the step as the builder's CNB_USER_ID and CNB_GROUP_ID",
        ));
    }
    Ok(User { uid, gid })
}

/// `dir` created (owned by `user`) or, when it exists, empty: a directory holding files would
/// put them into the image, or mix an earlier build's layers into this one.
fn empty_dir(dir: &Path, user: User, what: &str) -> anyhow::Result<()> {
    match std::fs::read_dir(dir).map(|mut entries| entries.next().is_none()) {
        Ok(true) => Ok(()),
        Ok(false) => Err(kinded(
            ErrorKind::FilesystemError,
            format!("{what} {} is not empty; its files would end up in the image", dir.display()),
            "give an empty or missing directory (--app-dir), or run each build in a fresh container",
        )),
        Err(_) => owned(dir, user, true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_app_dir_with_files_is_refused_and_a_missing_one_created() {
        let dir = tempfile::tempdir().expect("dir");
        let uid = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(dir.path()).expect("meta"));
        let user = User { uid, gid: uid };
        let app = dir.path().join("app");
        empty_dir(&app, user, "--app-dir").expect("created");
        assert!(app.is_dir());
        empty_dir(&app, user, "--app-dir").expect("empty is fine");
        std::fs::write(app.join("stale"), "x").expect("file");
        let error = empty_dir(&app, user, "--app-dir").expect_err("not empty");
        let kinded = error.downcast_ref::<kiln_error::KindedError>().expect("kinded");
        assert_eq!(kinded.kind, ErrorKind::FilesystemError);
        assert!(kinded.message.contains("not empty"), "{}", kinded.message);
    }
}
