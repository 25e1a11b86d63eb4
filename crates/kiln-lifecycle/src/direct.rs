//! The `creator` run directly, as a child process of kiln, for when kiln itself runs inside the
//! builder image as the builder's user (`kiln build --in-builder`: a CI job's container, a
//! Shipwright step). No runc: the container kiln runs in is the build's container.

use crate::creator::KEPT_OUTPUT;
use crate::detection::detection_hints;
use crate::exit::LifecycleError;
use crate::invocation::{creator_args, registry_env, CreatorPaths};
use crate::report::{read_report, BuildReport};
use crate::PLATFORM_API;
use std::path::Path;
use tokio::process::Command;

/// One `creator` run in this machine's (the builder image's) own filesystem.
pub struct DirectCreator<'a> {
    /// The app directory the creator builds in place; its path is the image's working directory.
    pub app_dir: &'a Path,
    pub layers_dir: &'a Path,
    pub cache_dir: &'a Path,
    pub platform_dir: &'a Path,
    /// The image to publish.
    pub image: &'a str,
    pub insecure_registries: &'a [String],
    /// `CNB_REGISTRY_AUTH`, in the creator's environment only.
    pub registry_auth: Option<&'a str>,
}

impl DirectCreator<'_> {
    /// Runs `/cnb/lifecycle/creator` with kiln's environment (the builder image's), its output
    /// shown on stderr as it goes. `CNB_PLATFORM_API` set in that environment is kept (a
    /// strategy's parameter), else kiln's [`PLATFORM_API`].
    pub async fn run(&self) -> Result<BuildReport, LifecycleError> {
        let paths = CreatorPaths {
            app: &self.app_dir.to_string_lossy(),
            layers: &self.layers_dir.to_string_lossy(),
            cache: &self.cache_dir.to_string_lossy(),
            platform: &self.platform_dir.to_string_lossy(),
        };
        let args = creator_args(&paths, self.image);
        let mut command = Command::new(&args[0]);
        command.args(&args[1..]).current_dir(self.layers_dir);
        if std::env::var_os("CNB_PLATFORM_API").is_none() {
            command.env("CNB_PLATFORM_API", PLATFORM_API);
        }
        for pair in registry_env(self.registry_auth, self.insecure_registries) {
            if let Some((name, value)) = pair.split_once('=') {
                command.env(name, value);
            }
        }
        let run = kiln_runc::run_process_teed(command, KEPT_OUTPUT).await?;
        if run.code != 0 {
            return Err(LifecycleError::from_exit_code(
                run.code,
                &run.output,
                detection_hints(Path::new("/")),
                self.image,
            ));
        }
        Ok(read_report(self.layers_dir)?)
    }
}
