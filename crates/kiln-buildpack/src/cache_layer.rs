//! A cache layer (downloaded modules, compiled packages, `target/`): kept between builds while
//! the inputs its contents depend on are unchanged, and, for caches that only grow, emptied
//! when a build finds it over its size limit.

use crate::cache_size::{directory_size, CacheLimit};
use crate::error::CoreError;
use crate::layer_log::{empty_cause, replace_unreadable};
use crate::print;
use kiln_download::ByteSize;
use libcnb::build::BuildContext;
use libcnb::data::layer::LayerName;
use libcnb::layer::{CachedLayerDefinition, LayerState, RestoredLayerAction};
use libcnb::Buildpack;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A cache layer and what decides whether its contents may be reused.
pub struct CacheLayer<'a> {
    pub name: LayerName,
    /// How the log names it: `module cache`.
    pub title: &'a str,
    /// What the contents depend on, as (what, value): `[("Go", "1.26.8")]`. Any change
    /// empties the cache.
    pub inputs: &'a [(&'a str, &'a str)],
    /// Why the contents stay valid while the inputs do, when that needs saying: "module
    /// versions never change, so cached downloads stay valid".
    pub valid_because: Option<&'a str>,
    /// The limit for a cache that only grows; `None` for one the tool keeps in bounds itself.
    pub limit: Option<CacheLimit>,
}

/// The inputs as the layer's metadata stores them.
type Inputs = BTreeMap<String, String>;

fn inputs_of(layer: &CacheLayer<'_>) -> Inputs {
    layer.inputs.iter().map(|(what, value)| ((*what).to_string(), (*value).to_string())).collect()
}

fn describe(inputs: &Inputs) -> String {
    inputs.iter().map(|(what, value)| format!("{what} {value}")).collect::<Vec<_>>().join(", ")
}

/// Whether to keep a restored cache made with `cached` inputs that holds `size` bytes, and why.
fn reuse(
    cached: &Inputs,
    wanted: &Inputs,
    valid_because: Option<&str>,
    limit: Option<CacheLimit>,
    size: impl FnOnce() -> Result<u64, CoreError>,
) -> Result<(RestoredLayerAction, String), CoreError> {
    if cached != wanted {
        let cause = format!("it was made with {}, this build uses {}", describe(cached), describe(wanted));
        return Ok((RestoredLayerAction::DeleteLayer, cause));
    }
    let mut cause = match (valid_because, wanted.is_empty()) {
        (Some(reason), _) => reason.to_string(),
        (None, true) => "its contents do not depend on the build's inputs".to_string(),
        (None, false) => format!("it was made with the same {}", describe(wanted)),
    };
    if let Some(limit) = limit {
        let size = size()?;
        if size > limit.bytes {
            let cause = format!(
                "it holds {}, over its limit of {limit} ({}): emptied, so it keeps only what builds use",
                ByteSize(size),
                crate::CACHE_LIMIT_ENV
            );
            return Ok((RestoredLayerAction::DeleteLayer, cause));
        }
        let _ = write!(cause, "; it holds {} of its {limit} limit", ByteSize(size));
    }
    Ok((RestoredLayerAction::KeepLayer, cause))
}

/// Restores the cache layer `cache` describes if its contents may be reused, else starts it
/// empty; logs which and why, and returns its directory.
pub fn handle_cache_layer<B>(context: &BuildContext<B>, cache: &CacheLayer<'_>) -> libcnb::Result<PathBuf, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError>,
{
    let wanted = inputs_of(cache);
    let size_of = |path: &Path| {
        let path = path.to_path_buf();
        move || directory_size(&path).map_err(|source| CoreError::CacheSize { path, source })
    };
    let layer = context.cached_layer(
        cache.name.clone(),
        CachedLayerDefinition {
            build: false,
            launch: false,
            invalid_metadata_action: &|_| replace_unreadable(),
            restored_layer_action: &|cached: &Inputs, path: &Path| {
                reuse(cached, &wanted, cache.valid_because, cache.limit, size_of(path)).map_err(B::Error::from)
            },
        },
    )?;
    match &layer.state {
        LayerState::Restored { cause } => print::sub_bullet(format!("Reusing the {}: {cause}", cache.title)),
        LayerState::Empty { cause } => {
            print::sub_bullet(format!("Creating the {} ({})", cache.title, empty_cause(cause)));
            layer.write_metadata(wanted)?;
        }
    }
    Ok(layer.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(pairs: &[(&str, &str)]) -> Inputs {
        pairs.iter().map(|(what, value)| ((*what).to_string(), (*value).to_string())).collect()
    }

    fn decide(cached: &Inputs, wanted: &Inputs, limit: Option<CacheLimit>, size: u64) -> (bool, String) {
        let (action, cause) = reuse(cached, wanted, None, limit, || Ok(size)).expect("decides");
        (matches!(action, RestoredLayerAction::KeepLayer), cause)
    }

    #[test]
    fn a_cache_is_kept_while_its_inputs_are_unchanged() {
        let go = inputs(&[("Go", "1.26.8")]);
        assert_eq!(decide(&go, &go, None, 0), (true, "it was made with the same Go 1.26.8".to_string()));
        let (kept, cause) = decide(&inputs(&[("Go", "1.26.7")]), &go, None, 0);
        assert!(!kept);
        assert_eq!(cause, "it was made with Go 1.26.7, this build uses Go 1.26.8");
    }

    #[test]
    fn a_growing_cache_over_its_limit_is_emptied_and_one_within_it_kept() {
        let go = inputs(&[("Go", "1.26.8")]);
        let limit = Some(CacheLimit::mib(1));
        let (kept, cause) = decide(&go, &go, limit, 1024 * 1024);
        assert!(kept, "at the limit: {cause}");
        assert!(cause.ends_with("it holds 1.0 MiB of its 1.0 MiB limit"), "{cause}");
        let (kept, cause) = decide(&go, &go, limit, 1024 * 1024 + 1);
        assert!(!kept, "over the limit: {cause}");
        assert!(cause.contains("over its limit of 1.0 MiB (KILN_CACHE_LIMIT_MIB)"), "{cause}");
    }

    #[test]
    fn the_size_is_only_measured_for_a_cache_with_a_limit_and_unchanged_inputs() {
        let go = inputs(&[("Go", "1.26.8")]);
        let never = || -> Result<u64, CoreError> { panic!("measured") };
        reuse(&go, &go, Some("always valid"), None, never).expect("no limit");
        reuse(&inputs(&[]), &go, None, Some(CacheLimit::mib(1)), never).expect("inputs changed");
    }

    #[test]
    fn a_cache_without_inputs_says_why_it_stays_valid() {
        let (action, cause) =
            reuse(&inputs(&[]), &inputs(&[]), Some("versions never change"), None, || Ok(0)).expect("decides");
        assert!(matches!(action, RestoredLayerAction::KeepLayer));
        assert_eq!(cause, "versions never change");
    }
}
