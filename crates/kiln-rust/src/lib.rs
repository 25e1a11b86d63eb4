//! What kiln/rust-function and kiln/wasm-function share: both compile Rust with the same
//! toolchain (the official dist archives of the inventory, in a cached layer), the same
//! `CARGO_HOME` caches and the same cargo environment. A crate built for wasm32-wasip2 is the
//! Wasm buildpack's ([`builds_for_wasm`]).

pub mod cargo_env;
pub mod cargo_home;
pub mod cargo_toml;
pub mod rust_version;
pub mod source_times;
pub mod target_dir;
pub mod toolchain;
pub mod toolchain_layer;
mod wasm_target;

pub use wasm_target::{builds_for_wasm, WasmTargetError, WASM_TARGET};
