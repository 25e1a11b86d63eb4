//! One module per layer, each with a `handle_*_layer` function that decides whether the cached
//! contents can be reused and says why (the core's layers log their decisions themselves).

pub(crate) mod framework;
pub(crate) mod node_dist;
pub(crate) mod node_modules;
pub(crate) mod node_runtime;
pub(crate) mod package_cache;
pub(crate) mod package_manager;
