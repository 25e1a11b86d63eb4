//! One module per layer, each with a `handle_*_layer` function that decides whether the cached
//! contents can be reused and says why (the shared Rust layers are kiln-rust's).

pub(crate) mod host;
