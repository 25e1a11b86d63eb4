//! The toolchain layer: downloaded from the inventory's URL, verified, and cached between
//! builds while the version, the archive's checksum and the installed contents stay the same.

use crate::download::install_artifact;
use crate::error::CoreError;
use crate::layer_log::{empty_cause, replace_unreadable};
use crate::print;
use crate::toolchain::Toolchain;
use kiln_download::Sha256Checksum;
use kiln_inventory::Artifact;
use libcnb::build::BuildContext;
use libcnb::data::layer::LayerName;
use libcnb::layer::{CachedLayerDefinition, LayerState, RestoredLayerAction};
use libcnb::layer_env::LayerEnv;
use libcnb::Buildpack;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

/// Identifies the installed toolchain: the same checksum means the same bytes, wherever a
/// mirror serves them from, and `contents` names the rule that chose which of them were
/// installed.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ToolchainMetadata {
    version: String,
    checksum: Sha256Checksum,
    contents: String,
}

/// Keeps the cached toolchain only if it is exactly the one this build would install.
fn reuse(title: &str, cached: &ToolchainMetadata, wanted: &ToolchainMetadata) -> (RestoredLayerAction, String) {
    let cause = if cached.version != wanted.version {
        format!("the cache holds {title} {}, this build needs {title} {}", cached.version, wanted.version)
    } else if cached.checksum != wanted.checksum {
        format!(
            "the cached {title} {} was installed from {}, the inventory now lists {}",
            cached.version, cached.checksum, wanted.checksum
        )
    } else if cached.contents != wanted.contents {
        format!(
            "the cached {title} {} holds other files ({}) than this buildpack installs ({})",
            cached.version, cached.contents, wanted.contents
        )
    } else {
        return (RestoredLayerAction::KeepLayer, format!("{title} {} is cached", cached.version));
    };
    (RestoredLayerAction::DeleteLayer, cause)
}

/// Installs (or reuses) `toolchain` from `artifact` into the layer `layer_name`, in a directory
/// named after the tool (`<layer>/go`). `env` gets that directory and returns the toolchain's
/// environment (PATH and the like), which is written to the layer and returned for the rest of
/// the build. The layer is for the build only: the image does not get it.
pub fn handle_toolchain_layer<B, V>(
    context: &BuildContext<B>,
    layer_name: LayerName,
    toolchain: &Toolchain,
    artifact: &Artifact<V>,
    env: impl FnOnce(&Path) -> LayerEnv,
) -> libcnb::Result<LayerEnv, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError>,
    V: fmt::Display,
{
    install_toolchain_layer(context, layer_name, toolchain, artifact, env, false)
}

/// As [`handle_toolchain_layer`], for a toolchain the app also runs on (an interpreter such as
/// Python or Node.js): the layer is in the image too, and `env`'s launch-scoped entries apply
/// when the app runs.
pub fn handle_runtime_layer<B, V>(
    context: &BuildContext<B>,
    layer_name: LayerName,
    toolchain: &Toolchain,
    artifact: &Artifact<V>,
    env: impl FnOnce(&Path) -> LayerEnv,
) -> libcnb::Result<LayerEnv, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError>,
    V: fmt::Display,
{
    install_toolchain_layer(context, layer_name, toolchain, artifact, env, true)
}

fn install_toolchain_layer<B, V>(
    context: &BuildContext<B>,
    layer_name: LayerName,
    toolchain: &Toolchain,
    artifact: &Artifact<V>,
    env: impl FnOnce(&Path) -> LayerEnv,
    launch: bool,
) -> libcnb::Result<LayerEnv, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError>,
    V: fmt::Display,
{
    let title = toolchain.title;
    let wanted = ToolchainMetadata {
        version: artifact.version.to_string(),
        checksum: artifact.checksum.clone(),
        contents: toolchain.contents.rule.to_string(),
    };
    let layer = context.cached_layer(
        layer_name,
        CachedLayerDefinition {
            // Later buildpacks (and the tools they run) may use the toolchain too.
            build: true,
            launch,
            invalid_metadata_action: &|_| replace_unreadable(),
            restored_layer_action: &|cached: &ToolchainMetadata, _| reuse(title, cached, &wanted),
        },
    )?;

    let home = layer.path().join(toolchain.tool.name);
    match &layer.state {
        LayerState::Restored { cause } => print::sub_bullet(format!("Reusing the {title} toolchain: {cause}")),
        LayerState::Empty { cause } => {
            print::sub_bullet(format!(
                "Installing {title} {} ({}) from {}",
                wanted.version,
                empty_cause(cause),
                artifact.url
            ));
            install_artifact(artifact, &home, toolchain.contents.keep).map_err(|source| {
                libcnb::Error::BuildpackError(CoreError::Download { title, source: Box::new(source) }.into())
            })?;
            print::sub_bullet(format!("Verified {}; {}", artifact.checksum, toolchain.contents.left_out));
            layer.write_metadata(wanted)?;
        }
    }
    let env = env(&home);
    layer.write_env(&env)?;
    Ok(env)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_download::testing::{checksum_of, NOT_THE_CHECKSUM};

    fn installed(version: &str, checksum: &Sha256Checksum, contents: &str) -> ToolchainMetadata {
        ToolchainMetadata { version: version.to_string(), checksum: checksum.clone(), contents: contents.to_string() }
    }

    #[test]
    fn reuses_only_the_same_archive_installed_under_the_same_rule() {
        let archive = checksum_of(b"go1.26.8.linux-amd64.tar.gz");
        let other_archive: Sha256Checksum = NOT_THE_CHECKSUM.parse().expect("valid checksum");
        let wanted = installed("1.26.8", &archive, "build-only-1");

        let (action, cause) = reuse("Go", &installed("1.26.8", &archive, "build-only-1"), &wanted);
        assert!(matches!(action, RestoredLayerAction::KeepLayer), "{cause}");
        assert_eq!(cause, "Go 1.26.8 is cached");

        for (cached, named) in [
            (installed("1.26.7", &archive, "build-only-1"), "Go 1.26.7"),
            (installed("1.26.8", &other_archive, "build-only-1"), NOT_THE_CHECKSUM),
            (installed("1.26.8", &archive, "everything"), "everything"),
        ] {
            let (action, cause) = reuse("Go", &cached, &wanted);
            assert!(matches!(action, RestoredLayerAction::DeleteLayer), "{cause}");
            assert!(cause.contains(named), "{cause}");
        }
    }
}
