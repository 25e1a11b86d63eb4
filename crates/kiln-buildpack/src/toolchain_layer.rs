//! The toolchain layer: downloaded from the inventory's URL, verified, and cached between
//! builds while the version, the archive's checksum and the installed contents stay the same.
//! A toolchain published as several archives (Rust's rustc, cargo and rust-std components)
//! is one layer too, cached while every archive's checksum stays the same.

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
use std::path::{Path, PathBuf};

/// Identifies the installed toolchain: the same checksum means the same bytes, wherever a
/// mirror serves them from, and `contents` names the rule that chose which of them were
/// installed.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ToolchainMetadata {
    version: String,
    checksum: Sha256Checksum,
    contents: String,
    /// The checksums of the further archives of a toolchain made of several; absent for one
    /// archive, so that such layers keep the metadata they always had.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    components: Vec<Sha256Checksum>,
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
    } else if cached.components != wanted.components {
        format!(
            "the cached {title} {} was installed from other component archives than the inventory now lists",
            cached.version
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

/// A toolchain layer, installed or reused: its environment (which the layer also holds) and
/// the directory the toolchain is in (`<layer>/go`).
pub struct InstalledToolchain {
    pub env: LayerEnv,
    pub home: PathBuf,
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
) -> libcnb::Result<InstalledToolchain, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError>,
    V: fmt::Display,
{
    single_archive_layer(context, layer_name, toolchain, artifact, |_| Ok(()), env, InImage::No)
}

/// As [`handle_toolchain_layer`], for a toolchain the app also runs on (an interpreter such as
/// Python): the layer is in the image too, and `env`'s launch-scoped entries apply when the app
/// runs. `prepare` gets the toolchain's directory once, after a new install and before the layer
/// is recorded as installed, for what the image needs done ahead of time (compiling bytecode);
/// if it fails, the build fails and the layer is not cached.
pub fn handle_runtime_layer<B, V>(
    context: &BuildContext<B>,
    layer_name: LayerName,
    toolchain: &Toolchain,
    artifact: &Artifact<V>,
    prepare: impl FnOnce(&Path) -> Result<(), B::Error>,
    env: impl FnOnce(&Path) -> LayerEnv,
) -> libcnb::Result<InstalledToolchain, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError>,
    V: fmt::Display,
{
    single_archive_layer(context, layer_name, toolchain, artifact, prepare, env, InImage::Yes)
}

/// Whether a toolchain layer is in the image as well as in the build.
#[derive(Clone, Copy)]
enum InImage {
    No,
    Yes,
}

fn single_archive_layer<B, V>(
    context: &BuildContext<B>,
    layer_name: LayerName,
    toolchain: &Toolchain,
    artifact: &Artifact<V>,
    prepare: impl FnOnce(&Path) -> Result<(), B::Error>,
    env: impl FnOnce(&Path) -> LayerEnv,
    in_image: InImage,
) -> libcnb::Result<InstalledToolchain, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError>,
    V: fmt::Display,
{
    let install = |home: &Path| install_artifact(artifact, home, toolchain.contents.keep);
    let wanted = metadata(toolchain, artifact, Vec::new());
    handle_layer(context, layer_name, toolchain, (&wanted, in_image), &artifact.url, (install, prepare), env)
}

/// Like [`handle_toolchain_layer`], for a toolchain published as several archives that make
/// one directory (Rust's rustc, cargo and rust-std components): `main` (which names the
/// version) and each of `further` are downloaded, verified and unpacked into directories of
/// their own, then `assemble` gets those directories, in that order, and the toolchain's
/// directory (which does not exist yet) to make it from them. The unpacked archives are
/// removed afterwards.
pub fn handle_component_toolchain_layer<B, V>(
    context: &BuildContext<B>,
    layer_name: LayerName,
    toolchain: &Toolchain,
    (main, further): (&Artifact<V>, &[Artifact<V>]),
    assemble: fn(&[PathBuf], &Path) -> std::io::Result<()>,
    env: impl FnOnce(&Path) -> LayerEnv,
) -> libcnb::Result<InstalledToolchain, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError>,
    V: fmt::Display,
{
    let components: Vec<&Artifact<V>> = std::iter::once(main).chain(further).collect();
    let wanted = metadata(toolchain, main, further.iter().map(|artifact| artifact.checksum.clone()).collect());
    let urls = components.iter().map(|artifact| artifact.url.as_str()).collect::<Vec<_>>().join(", ");
    let install = |home: &Path| {
        let unpacked = home.with_extension("components");
        let filesystem = |source| kiln_download::DownloadError::Filesystem { path: unpacked.clone(), source };
        std::fs::create_dir_all(&unpacked).map_err(filesystem)?;
        let parts: Vec<PathBuf> = (0..components.len()).map(|index| unpacked.join(index.to_string())).collect();
        for (artifact, part) in components.iter().zip(&parts) {
            install_artifact(artifact, part, toolchain.contents.keep)?;
        }
        assemble(&parts, home).and_then(|()| std::fs::remove_dir_all(&unpacked)).map_err(filesystem)
    };
    handle_layer(context, layer_name, toolchain, (&wanted, InImage::No), &urls, (install, |_| Ok(())), env)
}

fn metadata<V: fmt::Display>(
    toolchain: &Toolchain,
    artifact: &Artifact<V>,
    components: Vec<Sha256Checksum>,
) -> ToolchainMetadata {
    ToolchainMetadata {
        version: artifact.version.to_string(),
        checksum: artifact.checksum.clone(),
        contents: toolchain.contents.rule.to_string(),
        components,
    }
}

fn handle_layer<B>(
    context: &BuildContext<B>,
    layer_name: LayerName,
    toolchain: &Toolchain,
    (wanted, in_image): (&ToolchainMetadata, InImage),
    source: &str,
    (install, prepare): (
        impl FnOnce(&Path) -> Result<(), kiln_download::DownloadError>,
        impl FnOnce(&Path) -> Result<(), B::Error>,
    ),
    env: impl FnOnce(&Path) -> LayerEnv,
) -> libcnb::Result<InstalledToolchain, B::Error>
where
    B: Buildpack,
    B::Error: From<CoreError>,
{
    let title = toolchain.title;
    let layer = context.cached_layer(
        layer_name,
        CachedLayerDefinition {
            // Later buildpacks (and the tools they run) may use the toolchain too.
            build: true,
            launch: matches!(in_image, InImage::Yes),
            invalid_metadata_action: &|_| replace_unreadable(),
            restored_layer_action: &|cached: &ToolchainMetadata, _| reuse(title, cached, wanted),
        },
    )?;

    let home = layer.path().join(toolchain.tool.name);
    match &layer.state {
        LayerState::Restored { cause } => print::sub_bullet(format!("Reusing the {title} toolchain: {cause}")),
        LayerState::Empty { cause } => {
            print::sub_bullet(format!("Installing {title} {} ({}) from {source}", wanted.version, empty_cause(cause)));
            install(&home).map_err(|source| {
                libcnb::Error::BuildpackError(CoreError::Download { title, source: Box::new(source) }.into())
            })?;
            print::sub_bullet(format!("Verified {}; {}", wanted.checksum, toolchain.contents.left_out));
            prepare(&home).map_err(libcnb::Error::BuildpackError)?;
            layer.write_metadata(wanted)?;
        }
    }
    let env = env(&home);
    layer.write_env(&env)?;
    Ok(InstalledToolchain { env, home })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_download::testing::{checksum_of, NOT_THE_CHECKSUM};

    fn installed(version: &str, checksum: &Sha256Checksum, contents: &str) -> ToolchainMetadata {
        ToolchainMetadata {
            version: version.to_string(),
            checksum: checksum.clone(),
            contents: contents.to_string(),
            components: Vec::new(),
        }
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
