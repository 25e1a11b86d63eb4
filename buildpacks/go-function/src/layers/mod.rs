//! One module per layer, each with a `handle_*_layer` function that decides whether the cached
//! contents can be reused and says why.

pub(crate) mod app;
pub(crate) mod build_cache;
pub(crate) mod funcinfo;
pub(crate) mod go_dist;
pub(crate) mod module_cache;

use libcnb::layer::EmptyLayerCause;

/// Why a cached layer starts empty, for the build log.
fn empty_cause(cause: &EmptyLayerCause<String, String>) -> String {
    match cause {
        EmptyLayerCause::NewlyCreated => "nothing cached yet".to_string(),
        EmptyLayerCause::InvalidMetadataAction { cause } | EmptyLayerCause::RestoredLayerAction { cause } => {
            cause.clone()
        }
    }
}

/// The cause recorded when a cached layer's metadata was written by another buildpack version.
fn unreadable_metadata() -> String {
    "the cached layer was written by an incompatible buildpack version".to_string()
}
