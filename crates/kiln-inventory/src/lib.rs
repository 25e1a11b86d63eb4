//! Toolchain inventories for kiln buildpacks.
//!
//! An inventory lists downloadable toolchain archives (`[[artifacts]]` with an optional `name`,
//! `version`, `os`, `arch`, `url` and `checksum = "sha256:<hex>"`). Each buildpack embeds one;
//! the build env `KILN_INVENTORY` (a path, `file://` URL or `http(s)://` URL) replaces it for
//! mirrors and air-gapped sites. `name` says whose entry it is (`go`, `node`, `uv`, …), so that
//! one file serves every buildpack of a build; an entry without it belongs to the reading
//! buildpack's main tool.

mod inventory;
mod load;

pub use inventory::{Artifact, Inventory, ParseError, Tool};
pub use load::{load, InventoryOrigin, LoadError, INVENTORY_ENV};
