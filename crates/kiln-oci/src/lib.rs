//! OCI images for kiln: image references, registry credentials, reproducible layers,
//! registry pull and push, and unpacking layers into a root filesystem.

pub mod auth;
mod digest;
pub mod https;
mod image;
mod layer;
mod reference;
mod registry;
mod unpack;

pub use oci_spec;

pub use image::Image;
pub use layer::{EntryMeta, LayerBlob, LayerError, LayerWriter, Ownership, LAYER_MTIME};
pub use reference::{ImageRef, ReferenceError};
pub use registry::{Progress, PulledImage, PushCheckError, PushedImage, Registry, RegistryError, RegistryOptions};
pub use unpack::{unpack, UnpackError};
