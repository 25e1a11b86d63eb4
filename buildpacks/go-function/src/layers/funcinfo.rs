//! The kiln-funcinfo tool (framework/funcinfo): compiled from the embedded source with the
//! installed Go on the first function build, then kept while Go and the source stay the same.

use super::{empty_cause, unreadable_metadata};
use crate::compile::{go_build, Package};
use crate::errors::GoFunctionError;
use crate::go_version::GoVersion;
use crate::GoFunctionBuildpack;
use libcnb::build::BuildContext;
use libcnb::data::layer_name;
use libcnb::layer::{CachedLayerDefinition, InvalidMetadataAction, LayerState, RestoredLayerAction};
use libcnb::Env;
use libherokubuildpack::log::log_info;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

const FUNCINFO_GO: &str = include_str!("../../framework/funcinfo/main.go");
/// Standard library only, so the tool builds offline and ignores the user's module settings.
const FUNCINFO_GO_MOD: &str = "module kiln.dev/funcinfo\n\ngo 1.21\n";

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct FuncinfoMetadata {
    go_version: String,
    source_sha256: String,
}

/// Returns the path of the kiln-funcinfo binary. `go_env` is the build's Go environment.
pub(crate) fn handle_funcinfo_layer(
    context: &BuildContext<GoFunctionBuildpack>,
    go_env: &Env,
    go_version: &GoVersion,
) -> libcnb::Result<PathBuf, GoFunctionError> {
    let wanted = FuncinfoMetadata {
        go_version: go_version.to_string(),
        source_sha256: hex::encode(Sha256::digest(FUNCINFO_GO)),
    };
    let layer = context.cached_layer(
        layer_name!("funcinfo"),
        CachedLayerDefinition {
            build: false,
            launch: false,
            invalid_metadata_action: &|_| (InvalidMetadataAction::DeleteLayer, unreadable_metadata()),
            restored_layer_action: &|cached: &FuncinfoMetadata, _| {
                if *cached == wanted {
                    (RestoredLayerAction::KeepLayer, "same Go and same tool source".to_string())
                } else {
                    (RestoredLayerAction::DeleteLayer, "Go or the tool's source changed".to_string())
                }
            },
        },
    )?;
    let binary = layer.path().join("bin").join("kiln-funcinfo");
    match &layer.state {
        LayerState::Restored { cause } => log_info(format!("Reusing the function inspector: {cause}")),
        LayerState::Empty { cause } => {
            log_info(format!("Compiling the function inspector ({})", empty_cause(cause)));
            let source = tempfile::tempdir().map_err(GoFunctionError::Scratch)?;
            std::fs::write(source.path().join("main.go"), FUNCINFO_GO).map_err(GoFunctionError::Scratch)?;
            std::fs::write(source.path().join("go.mod"), FUNCINFO_GO_MOD).map_err(GoFunctionError::Scratch)?;
            let mut tool_env = go_env.clone();
            // The user's GOFLAGS (-mod=vendor, tags) are about their module, not this one.
            tool_env.insert("GOFLAGS", "-modcacherw");
            tool_env.insert("GOWORK", "off");
            let package = Package { dir: ".", overlay: None };
            go_build(&tool_env, source.path(), &package, &binary, std::io::sink(), std::io::stderr())
                .map_err(GoFunctionError::FuncinfoTool)?;
            layer.write_metadata(wanted)?;
        }
    }
    Ok(binary)
}
