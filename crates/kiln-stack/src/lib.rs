//! kiln's stack: the build and run base images, made reproducibly from Debian packages with
//! mmdebstrap (no Docker), described by `stack/stack.toml`.

pub mod accounts;
pub mod build;
pub mod config;
pub mod definition;
pub mod mmdebstrap;
pub mod packages;
pub mod prune;
pub mod rootfs;

pub use build::{build_image, BuildError, BuiltImage};
pub use config::ImageKind;
pub use definition::{DefinitionError, StackDefinition};
