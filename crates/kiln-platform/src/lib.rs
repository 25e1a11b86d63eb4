//! What `kiln build` does as the Cloud Native Buildpacks platform, as a library: reading the
//! source's `project.toml` (build env, include/exclude), checking that the target registry
//! takes pushes before anything else happens, taking the image's build-cache lock, preparing
//! the source copy and the platform directory (env, staged files, the host's CA trust),
//! running the lifecycle's creator, reading its report, and stopping cleanly on Ctrl-C. The
//! CLI is a thin layer over it. Two runners start the creator: [`runc`], under runc in the
//! builder's root filesystem on the host (`kiln build`), and `in_builder`, directly, when kiln
//! itself runs inside the builder image (`kiln build --in-builder`: a CI job's container, a
//! Shipwright step).

mod build;
pub mod build_env;
mod cache;
pub mod cache_usage;
pub mod descriptor;
mod errors;
mod in_builder;
mod interrupt;
mod lock;
pub mod process_env;
mod registry_auth;
mod registry_check;
pub mod runc;
mod source;
mod source_filter;
mod unpacked;

pub use build::{build, BuildRequest, BuiltImage};
pub use cache::{repository_of, Cache};
pub use in_builder::{build_in_builder, InBuilderPlacement};
pub use interrupt::Interrupt;
pub use lock::{lock_build_cache, BuildCacheLock};
pub use source::{copy_source, CopiedSource};
pub use source_filter::SourceFilter;
pub use unpacked::{human_size, unpacked, UnpackedImage};

/// Where the platform tells people what it is doing: kiln's output, a step's log.
pub trait Reporter: Sync {
    /// A step a person can follow, e.g. "Preparing the build".
    fn phase(&self, title: &str);
    /// A detail of the current step: a cache decision, a digest, a size.
    fn info(&self, message: &str);
}
