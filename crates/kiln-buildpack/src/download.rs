//! The one place buildpacks download a toolchain, with kiln-download's retries, timeouts and
//! CA trust, its progress and retry lines shown in the buildpacks' output style.

use bullet_stream::global::print;
use kiln_download::{DownloadError, Downloader, Format, Progress, Report, Retry};
use kiln_inventory::Artifact;
use std::path::Path;

/// Downloads `artifact` (its format named by its URL), verifies it against its checksum and
/// installs it at `destination` (which must not exist), writing only the entries `keep`
/// accepts.
pub(crate) fn install_artifact<V>(
    artifact: &Artifact<V>,
    destination: &Path,
    keep: fn(&Path) -> bool,
) -> Result<(), DownloadError> {
    Downloader::new(BulletReport)?.install(
        &artifact.url,
        &artifact.checksum,
        Format::from_location(&artifact.url),
        destination,
        keep,
    )
}

/// Progress and retries as sub-bullets under the layer's own line.
struct BulletReport;

impl Report for BulletReport {
    fn progress(&self, progress: &Progress<'_>) {
        print::sub_bullet(progress.to_string());
    }

    fn retrying(&self, retry: &Retry<'_>) {
        print::sub_bullet(retry.to_string());
    }
}
