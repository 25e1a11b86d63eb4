//! The lifecycle's exit codes (platform/exit.go of buildpacks/lifecycle) as errors that say
//! what went wrong and what to do. Buildpacks print the details of their own failures; these
//! messages point at them rather than repeat them.

use crate::detection::DetectionHint;

#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    #[error("no buildpack detected this source{}", hint_list(.hints))]
    NoBuildpackDetected { hints: Vec<DetectionHint> },
    #[error("detection failed: a buildpack's detect step errored (its output is above); fix what it names and build again")]
    DetectFailed,
    #[error("could not read the previous image or the run image (exit {0}); check that the registry is reachable and that your credentials (docker config.json) allow pulling and pushing")]
    Analyze(i32),
    #[error("could not restore cached layers (exit {0}); the build cache may be damaged: remove it (`rm -rf` the directory named above) and build again")]
    Restore(i32),
    #[error("the build failed; the buildpack's output above says why and what to change")]
    BuildpackFailed,
    #[error("the build step failed (exit {0}); see the lifecycle output above")]
    Build(i32),
    #[error("could not export the image (exit {0}); check that the registry is reachable and that you may push to it; nothing was tagged")]
    Export(i32),
    #[error("the lifecycle failed with exit code {0}; see its output above")]
    Other(i32),
    #[error(transparent)]
    Runc(#[from] kiln_runc::RuncError),
    #[error(transparent)]
    Platform(#[from] crate::platform::PlatformError),
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
}

impl LifecycleError {
    /// The error for a lifecycle exit code other than 0. `hints` is only used for "no
    /// buildpack detected".
    #[must_use]
    pub fn from_exit_code(code: i32, hints: Vec<DetectionHint>) -> Self {
        match code {
            20 => Self::NoBuildpackDetected { hints },
            21 | 22 => Self::DetectFailed,
            30..=39 => Self::Analyze(code),
            40..=49 => Self::Restore(code),
            51 => Self::BuildpackFailed,
            50..=59 => Self::Build(code),
            60..=69 => Self::Export(code),
            _ => Self::Other(code),
        }
    }
}

fn hint_list(hints: &[DetectionHint]) -> String {
    if hints.is_empty() {
        return ". Check that the source directory is the one you meant.".to_string();
    }
    let lines: String = hints
        .iter()
        .flat_map(|hint| ["\n  - ", &hint.buildpack, ": ", &hint.looks_for])
        .collect();
    format!(". The builder's buildpacks look for:{lines}\nAdd what your language needs, or choose a builder for it with --builder.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_buildpack_detected_lists_what_each_looks_for() {
        let error = LifecycleError::from_exit_code(
            20,
            vec![DetectionHint { buildpack: "kiln/go-function".into(), looks_for: "a go.mod".into() }],
        );
        let message = error.to_string();
        assert!(message.starts_with("no buildpack detected"), "{message}");
        assert!(message.contains("kiln/go-function: a go.mod"), "{message}");
    }

    #[test]
    fn exit_codes_map_to_phases() {
        assert!(matches!(LifecycleError::from_exit_code(21, vec![]), LifecycleError::DetectFailed));
        assert!(matches!(LifecycleError::from_exit_code(32, vec![]), LifecycleError::Analyze(32)));
        assert!(matches!(LifecycleError::from_exit_code(51, vec![]), LifecycleError::BuildpackFailed));
        assert!(matches!(LifecycleError::from_exit_code(62, vec![]), LifecycleError::Export(62)));
        assert!(matches!(LifecycleError::from_exit_code(1, vec![]), LifecycleError::Other(1)));
    }
}
