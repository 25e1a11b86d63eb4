//! One module per layer, each with a `handle_*_layer` function that decides whether the cached
//! contents can be reused and says why (the core's layers log their decisions themselves).
//!
//! The launcher applies layers' env in the order of their names, so `packages` (the source's
//! own) comes before `framework` on PYTHONPATH: a function's pinned packages win over kiln's.

pub(crate) mod framework;
pub(crate) mod packages;
pub(crate) mod python;
pub(crate) mod uv;
pub(crate) mod uv_cache;

use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use std::path::Path;

/// `dir` in front of the search path `name` (PATH, PYTHONPATH), at build and at launch.
pub(crate) fn prepend_path(env: LayerEnv, name: &str, dir: &Path) -> LayerEnv {
    env.chainable_insert(Scope::All, ModificationBehavior::Prepend, name, dir).chainable_insert(
        Scope::All,
        ModificationBehavior::Delimiter,
        name,
        ":",
    )
}

/// Whether a restored layer's metadata is the wanted one, and why (for the log).
pub(crate) fn reuse_if_same<M: PartialEq + std::fmt::Debug>(
    cached: &M,
    wanted: &M,
    same: &str,
    describe: impl Fn(&M) -> String,
) -> (libcnb::layer::RestoredLayerAction, String) {
    if cached == wanted {
        (libcnb::layer::RestoredLayerAction::KeepLayer, same.to_string())
    } else {
        (
            libcnb::layer::RestoredLayerAction::DeleteLayer,
            format!("it holds {}, this build needs {}", describe(cached), describe(wanted)),
        )
    }
}
