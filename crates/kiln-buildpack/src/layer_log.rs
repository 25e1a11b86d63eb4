//! The causes a cached layer's `handle_*_layer` logs, in the same words for every layer.

use libcnb::layer::{EmptyLayerCause, InvalidMetadataAction};

/// Why a cached layer starts empty, for the build log.
#[must_use]
pub fn empty_cause(cause: &EmptyLayerCause<String, String>) -> String {
    match cause {
        EmptyLayerCause::NewlyCreated => "nothing cached yet".to_string(),
        EmptyLayerCause::InvalidMetadataAction { cause } | EmptyLayerCause::RestoredLayerAction { cause } => {
            cause.clone()
        }
    }
}

/// A cached layer whose metadata another buildpack version wrote is replaced, and says so.
#[must_use]
pub fn replace_unreadable<M>() -> (InvalidMetadataAction<M>, String) {
    (
        InvalidMetadataAction::DeleteLayer,
        "the cached layer was written by an incompatible buildpack version".to_string(),
    )
}
