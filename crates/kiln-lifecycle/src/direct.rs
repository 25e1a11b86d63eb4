//! The `creator` run directly, as a child process of kiln, for when kiln itself runs inside the
//! builder image as the builder's user (`kiln build --in-builder`: a CI job's container, a
//! Shipwright step). No runc: the container kiln runs in is the build's container.

use crate::exit::LifecycleError;
use crate::invocation::{CreatorPaths, CreatorRun, KEPT_OUTPUT};
use crate::report::BuildReport;
use crate::PLATFORM_API;
use std::path::Path;
use tokio::process::Command;

/// One `creator` run in this machine's (the builder image's) own filesystem.
pub struct DirectCreator<'a> {
    /// Its directories are paths here; the app directory is the image's working directory.
    pub run: CreatorRun<'a>,
}

impl DirectCreator<'_> {
    /// Runs `/cnb/lifecycle/creator` with kiln's environment (the builder image's), its output
    /// shown on stderr as it goes. `CNB_PLATFORM_API` set in that environment is kept (a
    /// strategy's parameter), else kiln's [`PLATFORM_API`].
    pub async fn run(&self) -> Result<BuildReport, LifecycleError> {
        let text = |path: &Path| path.to_string_lossy().into_owned();
        let (app, layers, cache, platform) =
            (text(self.run.app_dir), text(self.run.layers_dir), text(self.run.cache_dir), text(self.run.platform_dir));
        let args = self.run.args(&CreatorPaths { app: &app, layers: &layers, cache: &cache, platform: &platform });
        let mut command = Command::new(&args[0]);
        command.args(&args[1..]).current_dir(self.run.layers_dir).envs(self.run.registry_env());
        if std::env::var_os("CNB_PLATFORM_API").is_none() {
            command.env("CNB_PLATFORM_API", PLATFORM_API);
        }
        let run = kiln_runc::run_process_teed(command, KEPT_OUTPUT).await?;
        self.run.outcome(&run, Path::new("/"))
    }
}
