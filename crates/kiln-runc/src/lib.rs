//! Runs one process in an unpacked image's root filesystem under `runc`.
//!
//! kiln uses runc for two jobs: the lifecycle inside a builder (`kiln build`) and an app
//! image's default process (`kiln run`). Both share the same shape: the host network (no
//! bridge, no private addresses), a non-root user, a root filesystem that may be shared between
//! runs and is therefore mounted read-only, and an explicit list of writable bind mounts.
//! [`run_process_teed`] runs a process the same way, but directly, for when kiln already runs
//! inside the image (`kiln build --in-builder`).

mod bundle;
mod container;
mod process;
mod tee;

pub use bundle::{BindMount, ContainerSpec, User};
pub use container::{run, run_teed, CapturedRun, RuncError, Stdio};
pub use process::run_process_teed;
