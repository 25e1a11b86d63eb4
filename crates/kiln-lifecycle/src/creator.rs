//! The `creator`: analyze, detect, restore, build and export in one lifecycle process, run
//! under runc in the builder's root filesystem as the builder's non-root user.

use crate::buildpack_message::buildpack_message;
use crate::detect_output::{buildpack_outputs, with_reasons};
use crate::detection::{detection_hints, DetectionHint};
use crate::exit::LifecycleError;
use crate::report::{read_report, BuildReport};
use kiln_runc::{BindMount, ContainerSpec, Stdio, User};
use std::path::Path;

/// The Platform API kiln speaks to the lifecycle (0.21.x supports 0.7 to 0.14).
pub const PLATFORM_API: &str = "0.13";

/// The lifecycle's exit code for "no buildpack group passed detection".
const NO_BUILDPACK_DETECTED: i32 = 20;

/// The lifecycle's exit codes for "no buildpack detected and at least one errored" and for a
/// generic detect error.
const DETECT_ERRORED: i32 = 21;
const DETECT_ERROR: i32 = 22;

/// The lifecycle's exit code for "a buildpack's build step failed".
const BUILDPACK_FAILED: i32 = 51;

/// How much of the creator's output kiln keeps to read a failed buildpack's message from. The
/// message ends the output; this holds it even after pages of compiler errors.
const KEPT_OUTPUT: usize = 64 * 1024;

/// One `creator` run. Host directories are mounted at the lifecycle's default paths.
pub struct Creator<'a> {
    pub builder_rootfs: &'a Path,
    /// The builder image's environment (`PATH`, `CNB_USER_ID`, …).
    pub builder_env: &'a [String],
    pub user: User,
    /// A copy of the source, writable by `user`; never the user's own directory.
    pub app_dir: &'a Path,
    pub layers_dir: &'a Path,
    pub cache_dir: &'a Path,
    pub platform_dir: &'a Path,
    /// The image to publish.
    pub image: &'a str,
    pub insecure_registries: &'a [String],
    /// `CNB_REGISTRY_AUTH`: a JSON object of registry to `Authorization` header. Passed in the
    /// lifecycle's environment only, which never reaches the image.
    pub registry_auth: Option<&'a str>,
    pub stdio: Stdio,
}

impl Creator<'_> {
    /// Runs the creator, its output shown as it goes. A failed buildpack's message is in that
    /// output only; kiln keeps the output's end to put the message in the error too.
    pub async fn run(&self) -> Result<BuildReport, LifecycleError> {
        let run = kiln_runc::run_teed(&self.container_spec(), "build", self.stdio, KEPT_OUTPUT).await?;
        match run.code {
            0 => Ok(read_report(self.layers_dir)?),
            NO_BUILDPACK_DETECTED => Err(LifecycleError::from_exit_code(run.code, self.why_nothing_detected().await)),
            BUILDPACK_FAILED => Err(LifecycleError::BuildpackFailed { message: buildpack_message(&run.output) }),
            DETECT_ERRORED | DETECT_ERROR => {
                Err(LifecycleError::DetectFailed { message: buildpack_message(&run.output) })
            }
            code => Err(LifecycleError::from_exit_code(code, Vec::new())),
        }
    }

    /// What each buildpack looks for, with what its detect step said about this source. The
    /// creator printed that output with everything else; to put it in the error (the one thing
    /// `--json` readers see), detection runs once more, alone, with its output kept: it takes
    /// a fraction of a second and, failing, writes nothing. When that run fails or says
    /// nothing, the static hints are still worth giving: this never becomes an error of its own.
    async fn why_nothing_detected(&self) -> Vec<DetectionHint> {
        let hints = detection_hints(self.builder_rootfs);
        match kiln_runc::run_capturing(&self.detector_spec(), "detect").await {
            Ok(run) if run.code == NO_BUILDPACK_DETECTED => with_reasons(hints, buildpack_outputs(&run.output)),
            // Passing now, or failing otherwise, means the source or the builder changed under
            // us: its output would not explain the creator's failure.
            Ok(_) | Err(_) => hints,
        }
    }

    /// The `detector` on the creator's files: same source, build environment and
    /// `analyzed.toml` (in the layers directory), so that it decides as the creator did. It
    /// needs neither the cache nor registry credentials. `-log-level=debug` prints each
    /// buildpack's output whether it passed or failed; `-no-color` keeps escape codes out.
    fn detector_spec(&self) -> ContainerSpec {
        let mut spec = self.container_spec();
        spec.args = [
            "/cnb/lifecycle/detector",
            "-app=/workspace",
            "-layers=/layers",
            "-platform=/platform",
            "-log-level=debug",
            "-no-color",
        ]
        .map(String::from)
        .to_vec();
        spec.env.retain(|variable| {
            !variable.starts_with("CNB_REGISTRY_AUTH=") && !variable.starts_with("CNB_INSECURE_REGISTRIES=")
        });
        spec.mounts.retain(|mount| mount.destination != "/cache");
        spec
    }

    fn container_spec(&self) -> ContainerSpec {
        let mut env = self.builder_env.to_vec();
        env.push(format!("CNB_PLATFORM_API={PLATFORM_API}"));
        // The builder's home directory is read-only (the rootfs is shared between builds);
        // tools that write to $HOME (git, go) get the per-build scratch /tmp instead.
        env.push("HOME=/tmp".to_string());
        if let Some(auth) = self.registry_auth {
            env.push(format!("CNB_REGISTRY_AUTH={auth}"));
        }
        if !self.insecure_registries.is_empty() {
            env.push(format!("CNB_INSECURE_REGISTRIES={}", self.insecure_registries.join(",")));
        }
        ContainerSpec {
            rootfs: self.builder_rootfs.to_path_buf(),
            args: vec![
                "/cnb/lifecycle/creator".to_string(),
                "-app=/workspace".to_string(),
                "-layers=/layers".to_string(),
                "-cache-dir=/cache".to_string(),
                "-platform=/platform".to_string(),
                "-log-level=info".to_string(),
                self.image.to_string(),
            ],
            env,
            cwd: "/layers".to_string(),
            user: self.user,
            mounts: vec![
                writable(self.app_dir, "/workspace"),
                writable(self.layers_dir, "/layers"),
                writable(self.cache_dir, "/cache"),
                BindMount { source: self.platform_dir.to_path_buf(), destination: "/platform".into(), read_only: true },
            ],
            scratch_dirs: vec!["/tmp".to_string()],
            hostname: "kiln-build".to_string(),
        }
    }
}

fn writable(source: &Path, destination: &str) -> BindMount {
    BindMount { source: source.to_path_buf(), destination: destination.to_string(), read_only: false }
}
