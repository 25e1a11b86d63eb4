//! Running mmdebstrap: a Debian root filesystem in a directory, with an optional .deb cache
//! outside it so repeated builds download nothing that did not change.

use crate::definition::{Distro, ImageDefinition};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What one mmdebstrap run needs besides the definition.
pub struct Bootstrap<'a> {
    pub distro: &'a Distro,
    pub image: &'a ImageDefinition,
    /// Empty directory the root filesystem is written into.
    pub rootfs: &'a Path,
    /// Directory of .deb files shared between runs (synced in before, out after downloading).
    pub deb_cache: &'a Path,
    /// File the paths (inside the root) of the unpacked .deb files are written to.
    pub unpacked_list: &'a Path,
    /// Clamps every date mmdebstrap and dpkg write (`SOURCE_DATE_EPOCH`).
    pub source_date_epoch: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum MmdebstrapError {
    #[error("mmdebstrap is not installed; install it with `apt-get install mmdebstrap`")]
    Missing,
    #[error("cannot start mmdebstrap: {0}")]
    Start(std::io::Error),
    #[error(
        "the Debian mirror {mirror} is unreachable for suite {suite}; check the network or set distro.mirror in \
         the stack definition to a reachable mirror\n{log}"
    )]
    MirrorUnreachable { mirror: String, suite: String, log: String },
    #[error("mmdebstrap failed ({status}); its last messages:\n{log}")]
    Failed { status: std::process::ExitStatus, log: String },
}

impl Bootstrap<'_> {
    /// mmdebstrap's arguments: pure, so the exact invocation is testable.
    #[must_use]
    pub fn arguments(&self) -> Vec<String> {
        let cache = quote(self.deb_cache);
        let mut arguments = vec![
            format!("--variant={}", self.image.variant.mmdebstrap_name()),
            "--mode=root".to_string(),
            "--format=directory".to_string(),
            format!("--components={}", self.distro.components.join(",")),
            format!("--include={}", self.image.packages.join(",")),
            "--setup-hook=mkdir -p \"$1/var/cache/apt/archives/\"".to_string(),
            format!("--setup-hook=sync-in {cache} /var/cache/apt/archives/"),
            // The extract hook sees which .deb files make up the essential set (all of them for the
            // extract variant); kiln reads their control data to drop unlisted packages.
            format!("--extract-hook=printf '%s\\n' $MMDEBSTRAP_ESSENTIAL > {}", quote(self.unpacked_list)),
            format!("--extract-hook=sync-out /var/cache/apt/archives {cache}"),
        ];
        if self.image.variant.runs_maintainer_scripts() {
            // Keep the essential .deb files until the customize hook copies every download out.
            arguments.push("--skip=essential/unlink".to_string());
            arguments.push(format!("--customize-hook=sync-out /var/cache/apt/archives {cache}"));
        }
        arguments.push(self.distro.suite.clone());
        arguments.push(self.rootfs.display().to_string());
        arguments.push(self.distro.mirror.clone());
        arguments
    }

    /// Runs mmdebstrap; `rootfs` holds the result afterwards.
    ///
    /// # Errors
    /// mmdebstrap is missing, the mirror cannot be reached, or the bootstrap fails.
    pub fn run(&self) -> Result<(), MmdebstrapError> {
        let output = Command::new("mmdebstrap")
            .args(self.arguments())
            .env("SOURCE_DATE_EPOCH", self.source_date_epoch.to_string())
            .output()
            .map_err(|error| match error.kind() {
                std::io::ErrorKind::NotFound => MmdebstrapError::Missing,
                _ => MmdebstrapError::Start(error),
            })?;
        if output.status.success() {
            return Ok(());
        }
        let log = last_lines(&String::from_utf8_lossy(&output.stderr), 15);
        if mirror_unreachable(&log) {
            return Err(MmdebstrapError::MirrorUnreachable {
                mirror: self.distro.mirror.clone(),
                suite: self.distro.suite.clone(),
                log,
            });
        }
        Err(MmdebstrapError::Failed { status: output.status, log })
    }
}

/// Whether apt's messages say it could not talk to the mirror at all.
fn mirror_unreachable(log: &str) -> bool {
    ["Could not resolve", "Failed to fetch", "Could not connect", "Unable to connect", "apt-get update failed"]
        .iter()
        .any(|symptom| log.contains(symptom))
}

fn last_lines(text: &str, count: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(count)..].join("\n")
}

/// Single-quotes a path for the shell mmdebstrap runs hooks in (and its own `shellwords`).
fn quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// The `.deb` files named in the unpacked list, as paths in `deb_cache`.
///
/// # Errors
/// The list cannot be read.
pub fn unpacked_debs(unpacked_list: &Path, deb_cache: &Path) -> std::io::Result<Vec<PathBuf>> {
    let text = std::fs::read_to_string(unpacked_list)?;
    Ok(text.lines().filter_map(|line| Path::new(line.trim()).file_name()).map(|name| deb_cache.join(name)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::definition::Variant;
    use std::collections::BTreeMap;

    fn distro() -> Distro {
        Distro {
            mirror: "http://deb.debian.org/debian".to_string(),
            suite: "trixie".to_string(),
            components: vec!["main".to_string()],
        }
    }

    fn image(variant: Variant) -> ImageDefinition {
        ImageDefinition {
            variant,
            packages: vec!["libc6".to_string(), "tzdata".to_string()],
            remove: vec![],
            keep: vec![],
            env: BTreeMap::new(),
        }
    }

    fn arguments(variant: Variant) -> Vec<String> {
        let (distro, image) = (distro(), image(variant));
        Bootstrap {
            distro: &distro,
            image: &image,
            rootfs: Path::new("/work/rootfs"),
            deb_cache: Path::new("/var/cache/kiln apt"),
            unpacked_list: Path::new("/work/unpacked"),
            source_date_epoch: 315_532_801,
        }
        .arguments()
    }

    #[test]
    fn ends_with_suite_target_and_mirror() {
        let arguments = arguments(Variant::Extract);
        assert_eq!(arguments[arguments.len() - 3..], ["trixie", "/work/rootfs", "http://deb.debian.org/debian"]);
        assert!(arguments.contains(&"--variant=extract".to_string()));
        assert!(arguments.contains(&"--include=libc6,tzdata".to_string()));
    }

    #[test]
    fn syncs_the_deb_cache_in_and_out_with_quoted_paths() {
        let arguments = arguments(Variant::Extract);
        assert!(arguments.contains(&"--setup-hook=sync-in '/var/cache/kiln apt' /var/cache/apt/archives/".to_string()));
        assert!(
            arguments.contains(&"--extract-hook=sync-out /var/cache/apt/archives '/var/cache/kiln apt'".to_string())
        );
        assert!(!arguments.iter().any(|argument| argument.starts_with("--customize-hook")));
    }

    #[test]
    fn installing_variants_keep_debs_until_the_customize_hook_copies_them_out() {
        let arguments = arguments(Variant::Minbase);
        assert!(arguments.contains(&"--skip=essential/unlink".to_string()));
        assert!(
            arguments.contains(&"--customize-hook=sync-out /var/cache/apt/archives '/var/cache/kiln apt'".to_string())
        );
    }

    #[test]
    fn recognises_an_unreachable_mirror() {
        assert!(mirror_unreachable("E: Failed to fetch http://deb.debian.org/debian/dists/trixie/InRelease"));
        assert!(!mirror_unreachable("E: Unable to locate package nonexistent"));
    }

    #[test]
    fn reads_unpacked_debs_as_cache_paths() {
        let dir = tempfile::tempdir().expect("tempdir");
        let list = dir.path().join("unpacked");
        std::fs::write(&list, "/var/cache/apt/archives/libc6_2.41_amd64.deb\n\n").expect("write list");
        let debs = unpacked_debs(&list, Path::new("/cache")).expect("read list");
        assert_eq!(debs, vec![PathBuf::from("/cache/libc6_2.41_amd64.deb")]);
    }
}
