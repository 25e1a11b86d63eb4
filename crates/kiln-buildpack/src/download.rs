//! The one place buildpacks download a toolchain. Retries, progress and archive formats
//! belong to kiln-download; this function is what its API plugs into.

use kiln_download::InstallError;
use kiln_inventory::Artifact;
use std::path::Path;

/// Downloads `artifact`, verifies it against its checksum and installs its top-level directory
/// at `destination` (which must not exist), writing only the entries `keep` accepts.
pub(crate) fn install_artifact<V>(
    artifact: &Artifact<V>,
    destination: &Path,
    keep: fn(&Path) -> bool,
) -> Result<(), InstallError> {
    kiln_download::install_tar_gz(&artifact.url, &artifact.checksum, destination, keep)
}
