//! One creator run as both ways of running it share it: what it builds and publishes, its
//! command line, the registry settings in its environment, and how its exit is read. It runs
//! under runc ([`crate::Creator`]) or directly inside the builder ([`crate::DirectCreator`]).

use crate::detection::detection_hints;
use crate::exit::LifecycleError;
use crate::report::{read_report, BuildReport};
use kiln_runc::CapturedRun;
use std::path::Path;

/// How much of the creator's output kiln keeps to read the buildpacks' own words from (why none
/// detected, why one failed). They end the output; this holds them even after pages of
/// compiler errors.
pub(crate) const KEPT_OUTPUT: usize = 64 * 1024;

/// What one creator run builds, with which directories, and where it publishes.
pub struct CreatorRun<'a> {
    /// A copy of the source, writable by the build user; never the user's own directory.
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
}

/// Where the creator finds and puts things, as paths it sees.
pub(crate) struct CreatorPaths<'a> {
    pub(crate) app: &'a str,
    pub(crate) layers: &'a str,
    pub(crate) cache: &'a str,
    pub(crate) platform: &'a str,
}

impl CreatorRun<'_> {
    /// The creator's path and arguments, with the directories at `paths`.
    pub(crate) fn args(&self, paths: &CreatorPaths<'_>) -> Vec<String> {
        vec![
            "/cnb/lifecycle/creator".to_string(),
            format!("-app={}", paths.app),
            format!("-layers={}", paths.layers),
            format!("-cache-dir={}", paths.cache),
            format!("-platform={}", paths.platform),
            "-log-level=info".to_string(),
            self.image.to_string(),
        ]
    }

    /// `CNB_REGISTRY_AUTH` and `CNB_INSECURE_REGISTRIES`, when there are any.
    pub(crate) fn registry_env(&self) -> Vec<(&'static str, String)> {
        let mut env = Vec::new();
        if let Some(auth) = self.registry_auth {
            env.push(("CNB_REGISTRY_AUTH", auth.to_string()));
        }
        if !self.insecure_registries.is_empty() {
            env.push(("CNB_INSECURE_REGISTRIES", self.insecure_registries.join(",")));
        }
        env
    }

    /// The report of a run that succeeded, else what its exit code and output say went wrong
    /// (`builder_root`: where the builder's buildpacks are, for "no buildpack detected").
    pub(crate) fn outcome(&self, run: &CapturedRun, builder_root: &Path) -> Result<BuildReport, LifecycleError> {
        if run.code != 0 {
            return Err(LifecycleError::from_exit_code(
                run.code,
                &run.output,
                detection_hints(builder_root),
                self.image,
            ));
        }
        Ok(read_report(self.layers_dir)?)
    }
}
