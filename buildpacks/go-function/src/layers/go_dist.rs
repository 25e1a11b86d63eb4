//! The Go toolchain, downloaded from the inventory's URL, verified, and cached between builds.

use super::{empty_cause, unreadable_metadata};
use crate::errors::GoFunctionError;
use crate::go_dist_contents::{needed_by_builds, CONTENTS};
use crate::go_version::GoVersion;
use crate::GoFunctionBuildpack;
use kiln_download::{Downloader, Format, Sha256Checksum, StderrReport};
use kiln_inventory::Artifact;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{CachedLayerDefinition, InvalidMetadataAction, LayerState, RestoredLayerAction};
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use libherokubuildpack::log::log_info;
use serde::{Deserialize, Serialize};

/// Identifies the installed toolchain: the same checksum means the same bytes, wherever
/// a mirror serves them from, and `contents` says which of them were installed. Layers from
/// before `contents` existed hold the whole distribution; their metadata no longer reads, so
/// they are replaced.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct GoDistMetadata {
    version: String,
    checksum: Sha256Checksum,
    contents: String,
}

/// Keeps the cached toolchain only if it is exactly the one this build would install.
fn reuse(cached: &GoDistMetadata, wanted: &GoDistMetadata) -> (RestoredLayerAction, String) {
    let cause = if cached.version != wanted.version {
        format!("the cache holds Go {}, this build needs Go {}", cached.version, wanted.version)
    } else if cached.checksum != wanted.checksum {
        format!(
            "the cached Go {} was installed from {}, the inventory now lists {}",
            cached.version, cached.checksum, wanted.checksum
        )
    } else if cached.contents != wanted.contents {
        format!(
            "the cached Go {} holds other files ({}) than this buildpack installs ({})",
            cached.version, cached.contents, wanted.contents
        )
    } else {
        return (RestoredLayerAction::KeepLayer, format!("Go {} is cached", cached.version));
    };
    (RestoredLayerAction::DeleteLayer, cause)
}

/// Installs (or reuses) Go from `artifact` and returns the env that puts it on PATH for the
/// rest of the build.
pub(crate) fn handle_go_dist_layer(
    context: &BuildContext<GoFunctionBuildpack>,
    artifact: &Artifact<GoVersion>,
) -> libcnb::Result<LayerEnv, GoFunctionError> {
    let wanted = GoDistMetadata {
        version: artifact.version.to_string(),
        checksum: artifact.checksum.clone(),
        contents: CONTENTS.to_string(),
    };
    let layer = context.cached_layer(
        layer_name!("go_dist"),
        CachedLayerDefinition {
            // Later buildpacks (and `go` tools run by them) may use the toolchain too.
            build: true,
            launch: false,
            invalid_metadata_action: &|_| (InvalidMetadataAction::DeleteLayer, unreadable_metadata()),
            restored_layer_action: &|cached: &GoDistMetadata, _| reuse(cached, &wanted),
        },
    )?;

    let goroot = layer.path().join("go");
    match &layer.state {
        LayerState::Restored { cause } => log_info(format!("Reusing the Go toolchain: {cause}")),
        LayerState::Empty { cause } => {
            log_info(format!("Installing Go {} ({}) from {}", wanted.version, empty_cause(cause), artifact.url));
            Downloader::new(StderrReport)
                .and_then(|downloader| {
                    downloader.install(&artifact.url, &artifact.checksum, Format::TarGz, &goroot, needed_by_builds)
                })
                .map_err(|error| GoFunctionError::GoDist(Box::new(error)))?;
            log_info(format!(
                "Verified {}; left out the tests, docs and tools that builds do not use",
                artifact.checksum
            ));
            layer.write_metadata(wanted)?;
        }
    }

    let env = LayerEnv::new()
        .chainable_insert(Scope::Build, ModificationBehavior::Prepend, "PATH", goroot.join("bin"))
        .chainable_insert(Scope::Build, ModificationBehavior::Delimiter, "PATH", ":")
        // Never let `go` fetch another toolchain: the inventory decides which Go builds.
        .chainable_insert(Scope::Build, ModificationBehavior::Override, "GOTOOLCHAIN", "local");
    layer.write_env(&env)?;
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_download::testing::{checksum_of, NOT_THE_CHECKSUM};

    fn installed(version: &str, checksum: &Sha256Checksum, contents: &str) -> GoDistMetadata {
        GoDistMetadata { version: version.to_string(), checksum: checksum.clone(), contents: contents.to_string() }
    }

    #[test]
    fn reuses_only_the_same_archive_installed_under_the_same_rule() {
        let archive = checksum_of(b"go1.26.8.linux-amd64.tar.gz");
        let other_archive: Sha256Checksum = NOT_THE_CHECKSUM.parse().expect("valid checksum");
        let wanted = installed("1.26.8", &archive, CONTENTS);

        let (action, cause) = reuse(&installed("1.26.8", &archive, CONTENTS), &wanted);
        assert!(matches!(action, RestoredLayerAction::KeepLayer), "{cause}");

        for (cached, named) in [
            (installed("1.26.7", &archive, CONTENTS), "Go 1.26.7"),
            (installed("1.26.8", &other_archive, CONTENTS), NOT_THE_CHECKSUM),
            (installed("1.26.8", &archive, "everything"), "everything"),
        ] {
            let (action, cause) = reuse(&cached, &wanted);
            assert!(matches!(action, RestoredLayerAction::DeleteLayer), "{cause}");
            assert!(cause.contains(named), "{cause}");
        }
    }
}
