//! Why a lifecycle phase failed, read from the lifecycle's own last `ERROR:` line.
//!
//! The lifecycle has no machine-readable errors: its phases end with one line such as
//! `ERROR: failed to export: failed to write image to the following tags: [...: MANIFEST_INVALID: ...]`,
//! carrying the registry's error code or the operating system's error text. Those codes and
//! texts (the distribution spec's error codes, Go's net and os errors) are stable, so they are
//! what kiln matches; the phase alone (the exit code) cannot tell a missing login from a full
//! disk.

use crate::log_text::without_escapes;
use kiln_error::ErrorKind;

/// How the lifecycle's own error lines start.
const ERROR_PREFIX: &str = "ERROR: ";

/// A failed phase as the lifecycle explained it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseFailure {
    pub kind: ErrorKind,
    /// The phase the exit code names, e.g. "export".
    pub phase: &'static str,
    pub exit_code: i32,
    /// The lifecycle's last `ERROR:` line, without the prefix: the whole story for a `--json`
    /// reader.
    pub lifecycle_says: Option<String>,
    /// The image being built, for advice that names its registry.
    pub image: String,
}

/// Which failure the lifecycle's words name. Earlier entries win: a 401 inside an export
/// error is a credentials problem first.
const CAUSES: [(ErrorKind, &[&str]); 7] = [
    (ErrorKind::Unauthorized, &["401 Unauthorized", "UNAUTHORIZED", "no basic auth credentials"]),
    (ErrorKind::Forbidden, &["403 Forbidden", "DENIED"]),
    (ErrorKind::ManifestRejected, &["MANIFEST_INVALID", "MANIFEST_BLOB_UNKNOWN", "MANIFEST_UNVERIFIED", "TAG_INVALID"]),
    (ErrorKind::FilesystemError, &["no space left on device", "disk quota exceeded"]),
    // The app directory is the user's source copy; anything else denied is the machine's.
    (ErrorKind::InvalidSource, &["/workspace/"]),
    (
        ErrorKind::RegistryUnreachable,
        &[
            "connection refused",
            "no such host",
            "i/o timeout",
            "connection reset by peer",
            "TLS handshake timeout",
            "x509: ",
            "tls: failed to verify certificate",
            "server gave HTTP response to HTTPS client",
        ],
    ),
    (ErrorKind::CacheFailed, &["failed to restore", "failed to initialize cache", "cache"]),
];

impl PhaseFailure {
    /// The failure of the lifecycle that exited with `exit_code` (not a detect or buildpack
    /// failure, which carry the buildpacks' own words), classified by its last error line in
    /// `log`.
    pub(crate) fn read(exit_code: i32, log: &str, image: &str) -> Self {
        let lifecycle_says = last_error_line(log);
        let phase = phase_of(exit_code);
        let kind = lifecycle_says.as_deref().and_then(cause_of).unwrap_or(match phase {
            "restore" => ErrorKind::CacheFailed,
            _ => ErrorKind::LifecycleFailed,
        });
        Self { kind, phase, exit_code, lifecycle_says, image: image.to_string() }
    }

    /// One sentence for the error: what failed, then the lifecycle's own words.
    #[must_use]
    pub fn message(&self) -> String {
        let what = match self.kind {
            ErrorKind::Unauthorized => format!("the registry wants credentials for {}", self.image),
            ErrorKind::Forbidden => format!("the registry refused to let these credentials push {}", self.image),
            ErrorKind::ManifestRejected => format!("the registry refused the manifest of {}", self.image),
            ErrorKind::RegistryUnreachable => format!("the registry of {} cannot be reached", self.image),
            ErrorKind::InvalidSource => "a file of the source cannot be read by the build".to_string(),
            ErrorKind::FilesystemError => "the build ran out of disk space".to_string(),
            ErrorKind::CacheFailed => "the build cache could not be restored or saved".to_string(),
            _ => format!("the lifecycle's {} phase failed (exit code {})", self.phase, self.exit_code),
        };
        match &self.lifecycle_says {
            Some(said) => format!("{what}: {said}"),
            None => format!("{what}; see the lifecycle's output above"),
        }
    }

    /// What to do about it.
    #[must_use]
    pub fn advice(&self) -> String {
        let registry = self.image.split('/').next().unwrap_or(&self.image);
        match self.kind {
            ErrorKind::Unauthorized => format!(
                "Log in with `docker login {registry}` (kiln reads docker's config.json from $DOCKER_CONFIG or ~/.docker), or check that the credentials there are still valid."
            ),
            ErrorKind::Forbidden => format!(
                "The credentials for {registry} may not push to this repository: ask for push access, or build into a repository you may push to."
            ),
            ErrorKind::ManifestRejected => format!(
                "Check what {registry} accepts (immutable tags, allowed media types, size limits); an existing immutable tag needs a new tag. Nothing was tagged."
            ),
            ErrorKind::RegistryUnreachable => format!(
                "Check that {registry} is up and reachable from this machine; a registry outside loopback that speaks plain HTTP needs --insecure-registry {registry}, and one behind a private CA needs that CA in the host's store."
            ),
            ErrorKind::InvalidSource => {
                "Make every file of the source readable by its owner (`chmod -R u+rX` the source directory), or leave the file out with project.toml's `exclude`, and build again.".to_string()
            }
            ErrorKind::FilesystemError => {
                "Free space where kiln keeps its cache and scratch space (KILN_CACHE_DIR, KILN_SCRATCH_DIR), e.g. with `kiln cache clear`, and build again.".to_string()
            }
            ErrorKind::CacheFailed => format!(
                "The build cache of {} may be damaged: clear it with `kiln cache clear --image {}` and build again.",
                self.image, self.image
            ),
            _ => "The lifecycle's output above says more; if it names no cause you can fix, build again, and report it with that output if it persists.".to_string(),
        }
    }
}

/// The lifecycle's exit codes name its phases (platform/exit.go of buildpacks/lifecycle).
fn phase_of(exit_code: i32) -> &'static str {
    match exit_code {
        20..=29 => "detect",
        30..=39 => "analyze",
        40..=49 => "restore",
        50..=59 => "build",
        60..=69 => "export",
        80..=89 => "rebase",
        90..=99 => "launch",
        _ => "setup",
    }
}

fn last_error_line(log: &str) -> Option<String> {
    log.lines().rev().map(without_escapes).find_map(|line| {
        let said = line.trim().strip_prefix(ERROR_PREFIX)?.trim().to_string();
        (!said.is_empty()).then_some(said)
    })
}

fn cause_of(said: &str) -> Option<ErrorKind> {
    CAUSES.iter().find(|(_, signs)| signs.iter().any(|sign| said.contains(sign))).map(|(kind, _)| *kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lifecycle's (0.21.14) last lines for each failure, as kiln's runs printed them
    /// against the fault-injecting registry of kiln-test-support.
    const UNAUTHORIZED: &str = "\u{1b}[36m===> ANALYZING\u{1b}[0m\n\u{1b}[31;1mERROR: \u{1b}[0mfailed to initialize analyzer: validating registry read access: failed to ensure registry read access to 127.0.0.1:41011/apps/f401:1: HEAD http://127.0.0.1:41011/v2/apps/f401/manifests/1: unexpected status code 401 Unauthorized (HEAD responses have no body, use GET for details)\n";
    const FORBIDDEN: &str = "\u{1b}[31;1mERROR: \u{1b}[0mfailed to initialize analyzer: validating registry write access: failed to ensure registry read/write access to 127.0.0.1:40517/apps/f403:1: POST http://127.0.0.1:40517/v2/apps/f403/blobs/uploads/: DENIED: requested access to the resource is denied\n";
    const MANIFEST_REJECTED: &str = "Saving 127.0.0.1:44315/apps/fmanifest:1...\n*** Images (sha256:e7dd):\n\u{1b}[31;1mERROR: \u{1b}[0mfailed to export: failed to write image to the following tags: [127.0.0.1:44315/apps/fmanifest:1: PUT http://127.0.0.1:44315/v2/apps/fmanifest/manifests/1: MANIFEST_INVALID: manifest invalid; rejected by kiln-test]\n";
    const UNREACHABLE: &str = "\u{1b}[31;1mERROR: \u{1b}[0mfailed to initialize analyzer: validating registry read access: failed to ensure registry read access to 127.0.0.1:39285/apps/x:1: Get \"https://127.0.0.1:39285/v2/\": dial tcp 127.0.0.1:39285: connect: connection refused; Get \"http://127.0.0.1:39285/v2/\": dial tcp 127.0.0.1:39285: connect: connection refused\n";
    const UNREADABLE: &str = "Adding layer 'kiln/go-function:app'\n\u{1b}[31;1mERROR: \u{1b}[0mfailed to export: exporting app layers: creating app layers: failed to add file /workspace/secret.txt to archive: open /workspace/secret.txt: permission denied\n";

    fn kind(exit_code: i32, log: &str) -> ErrorKind {
        PhaseFailure::read(exit_code, log, "127.0.0.1:5000/apps/hello:1").kind
    }

    #[test]
    fn each_failure_gets_its_kind_from_the_lifecycles_own_words() {
        assert_eq!(kind(1, UNAUTHORIZED), ErrorKind::Unauthorized);
        assert_eq!(kind(1, FORBIDDEN), ErrorKind::Forbidden);
        assert_eq!(kind(62, MANIFEST_REJECTED), ErrorKind::ManifestRejected);
        assert_eq!(kind(1, UNREACHABLE), ErrorKind::RegistryUnreachable);
        assert_eq!(kind(62, UNREADABLE), ErrorKind::InvalidSource);
    }

    #[test]
    fn an_unreadable_file_is_not_blamed_on_the_registry() {
        let failure = PhaseFailure::read(62, UNREADABLE, "127.0.0.1:5000/apps/hello:1");
        assert!(failure.message().contains("/workspace/secret.txt: permission denied"), "{}", failure.message());
        assert!(failure.advice().contains("chmod"), "{}", failure.advice());
        assert!(!failure.advice().contains("registry"), "{}", failure.advice());
    }

    #[test]
    fn credentials_advice_names_docker_login_and_the_registry() {
        let failure = PhaseFailure::read(1, UNAUTHORIZED, "127.0.0.1:41011/apps/f401:1");
        assert!(failure.advice().contains("docker login 127.0.0.1:41011"), "{}", failure.advice());
        assert!(failure.advice().contains("DOCKER_CONFIG"), "{}", failure.advice());
        assert!(failure.message().starts_with("the registry wants credentials for 127.0.0.1:41011/apps/f401:1: "));
    }

    #[test]
    fn without_words_the_phase_decides() {
        let restore = PhaseFailure::read(41, "", "r/i:1");
        assert_eq!(restore.kind, ErrorKind::CacheFailed);
        assert!(restore.advice().contains("kiln cache clear --image r/i:1"), "{}", restore.advice());
        let other = PhaseFailure::read(62, "something odd\n", "r/i:1");
        assert_eq!(other.kind, ErrorKind::LifecycleFailed);
        assert_eq!(
            other.message(),
            "the lifecycle's export phase failed (exit code 62); see the lifecycle's output above"
        );
    }
}
