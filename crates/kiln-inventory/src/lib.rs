//! Toolchain inventories for kiln buildpacks.
//!
//! An inventory lists downloadable toolchain archives (`[[artifacts]]` with `version`, `os`,
//! `arch`, `url` and `checksum = "sha256:<hex>"`). Each buildpack embeds one; the build env
//! `KILN_INVENTORY` (a path, `file://` URL or `http(s)://` URL) replaces it for mirrors and
//! air-gapped sites.

mod inventory;
mod load;

pub use inventory::{Artifact, Inventory, ParseError};
pub use load::{load, InventoryOrigin, LoadError, INVENTORY_ENV};
