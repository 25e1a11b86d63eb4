//! One module per layer, each with a `handle_*_layer` function that decides whether the cached
//! contents can be reused and says why (the core's layers log their decisions themselves).

pub(crate) mod app;
pub(crate) mod function_server;
