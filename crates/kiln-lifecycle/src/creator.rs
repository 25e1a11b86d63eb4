//! The `creator`: analyze, detect, restore, build and export in one lifecycle process, run
//! under runc in the builder's root filesystem as the builder's non-root user.

use crate::exit::LifecycleError;
use crate::invocation::{CreatorPaths, CreatorRun, KEPT_OUTPUT};
use crate::report::BuildReport;
use kiln_runc::{BindMount, ContainerSpec, User};
use std::path::Path;

/// The Platform API kiln speaks to the lifecycle: the newest the pinned lifecycle (0.21.14)
/// supports (its `lifecycle.toml` lists 0.7 to 0.15), which is also what pack 0.40 picks with
/// it. The Platform API is in the image (`CNB_PLATFORM_API`, and from 0.15 on the
/// `io.buildpacks.exec-env` label), so speaking pack's gives the image pack builds.
pub const PLATFORM_API: &str = "0.15";

/// Where the build's directories are mounted: the lifecycle's defaults.
const MOUNTED: CreatorPaths<'static> =
    CreatorPaths { app: "/workspace", layers: "/layers", cache: "/cache", platform: "/platform" };

/// One `creator` run. Host directories are mounted at the lifecycle's default paths.
pub struct Creator<'a> {
    pub builder_rootfs: &'a Path,
    /// The builder image's environment (`PATH`, `CNB_USER_ID`, …).
    pub builder_env: &'a [String],
    pub user: User,
    /// Its directories are host paths, writable by `user`.
    pub run: CreatorRun<'a>,
}

impl Creator<'_> {
    /// Runs the creator, its output shown on stderr as it goes. The buildpacks' own words about
    /// a failure are in that output only; kiln keeps its end to put them in the error too.
    pub async fn run(&self) -> Result<BuildReport, LifecycleError> {
        let run = kiln_runc::run_teed(&self.container_spec(), "build", KEPT_OUTPUT).await?;
        self.run.outcome(&run, self.builder_rootfs)
    }

    fn container_spec(&self) -> ContainerSpec {
        let mut env = self.builder_env.to_vec();
        env.push(format!("CNB_PLATFORM_API={PLATFORM_API}"));
        // The builder's home directory is read-only (the rootfs is shared between builds);
        // tools that write to $HOME (git, go) get the per-build scratch /tmp instead.
        env.push("HOME=/tmp".to_string());
        env.extend(self.run.registry_env().into_iter().map(|(name, value)| format!("{name}={value}")));
        ContainerSpec {
            rootfs: self.builder_rootfs.to_path_buf(),
            args: self.run.args(&MOUNTED),
            env,
            cwd: MOUNTED.layers.to_string(),
            user: self.user,
            mounts: vec![
                writable(self.run.app_dir, MOUNTED.app),
                writable(self.run.layers_dir, MOUNTED.layers),
                writable(self.run.cache_dir, MOUNTED.cache),
                BindMount {
                    source: self.run.platform_dir.to_path_buf(),
                    destination: MOUNTED.platform.into(),
                    read_only: true,
                },
            ],
            scratch_dirs: vec!["/tmp".to_string()],
            hostname: "kiln-build".to_string(),
        }
    }
}

fn writable(source: &Path, destination: &str) -> BindMount {
    BindMount { source: source.to_path_buf(), destination: destination.to_string(), read_only: false }
}
