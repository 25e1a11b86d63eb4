//! Runs the upstream CNB lifecycle (never a reimplementation of it) and turns what it leaves
//! behind into results and messages: the platform directory going in, `report.toml` and the
//! process types coming out, and exit codes as errors that say what to do.

mod creator;
mod detect_output;
mod detection;
mod direct;
mod exit;
mod failure;
mod invocation;
mod log_text;
mod platform;
mod report;

pub use creator::{Creator, PLATFORM_API};
pub use detection::{detection_hints, DetectionHint};
pub use direct::DirectCreator;
pub use exit::LifecycleError;
pub use failure::PhaseFailure;
pub use invocation::CreatorRun;
pub use platform::{write_platform_env, PlatformError};
pub use report::{read_report, BuildReport, ReportError};
