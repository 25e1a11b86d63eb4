//! The core of kiln's language buildpacks: what every buildpack does the same way, so that a
//! buildpack is mostly its language's logic.
//!
//! - [`resolve_toolchain`]: the language's [`Requirement`] against the inventory (embedded or
//!   `KILN_INVENTORY`), and the "unsupported version" message listing what there is;
//! - [`handle_toolchain_layer`]: the verified toolchain, cached while version and checksum hold
//!   ([`handle_component_toolchain_layer`] for one published as several archives,
//!   [`handle_runtime_layer`] for one the image runs on, such as an interpreter);
//! - [`handle_cache_layer`]: a cache kept while its inputs are unchanged, emptied when over
//!   its size limit ([`CACHE_LIMIT_ENV`]); [`restore_recorded_times`] for a cache whose tool
//!   compares file times;
//! - [`stream_tool`] / [`run_streamed`]: a tool run with its output streamed, its failure a
//!   [`ToolError`] the buildpack maps to a message;
//! - [`keep_only`]: what a compiled language's image keeps of the source ([`KEEP_FILES_ENV`]);
//! - [`web_process`] and [`default_port_env`]: the image's default process, and its `PORT`;
//! - [`function_config`] and [`detection_failed`]: the function contract's settings, and why
//!   detection failed, read and said alike by every buildpack;
//! - [`CoreError`] and [`print_libcnb_error`]: failures in kiln's error contract.
//!
//! All output goes through [`print`] (`bullet_stream`), the one logging style of kiln's
//! buildpacks.

mod cache_layer;
mod cache_size;
mod contract;
mod download;
mod error;
mod failure;
mod glob;
mod keep_files;
mod launch;
mod layer_log;
mod restored_times;
mod tool;
mod toolchain;
mod toolchain_layer;

pub use bullet_stream::global::print;
pub use bullet_stream::style;
pub use cache_layer::{handle_cache_layer, CacheLayer};
pub use cache_size::{CacheLimit, CACHE_LIMIT_ENV, DEFAULT_CACHE_LIMIT_MIB};
pub use contract::{detection_failed, function_config};
pub use error::CoreError;
pub use failure::print_libcnb_error;
pub use keep_files::{keep_only, KeepError, KeepPatterns, KEEP_FILES_ENV};
pub use launch::{default_port_env, web_process};
pub use layer_log::{empty_cause, replace_unreadable};
pub use restored_times::{layer_file_time, restore_recorded_times, set_file_times, LAYER_FILE_TIME};
pub use tool::{run_captured, run_streamed, shown_command, stream_tool, CapturedFailure, ToolError};
pub use toolchain::{resolve, resolve_toolchain, ArchiveContents, Requirement, Toolchain, UnsupportedVersion};
pub use toolchain_layer::{
    handle_component_toolchain_layer, handle_runtime_layer, handle_toolchain_layer, InstalledToolchain,
};
