//! The build environment the buildpacks get: `--env` (a `NAME` alone passes kiln's own value,
//! as pack does), over what project.toml declares, with files named by file-valued variables
//! made available inside the build, and the host's CA certificates trusted by default.
//!
//! Everything here reaches the buildpacks through the platform directory (`/platform/env/`,
//! `/platform/files/`), which the lifecycle mounts for the build only and never exports: none
//! of it is in the image.

use crate::errors::{filesystem, invalid_argument};
use std::path::{Path, PathBuf};

/// Variables whose value may name a file on the machine running kiln; the file is made
/// available inside the build and the value rewritten to its path there: a buildpack's
/// inventory, and the CA bundles tools read.
const FILE_VALUED: [&str; 4] = ["KILN_INVENTORY", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "CARGO_HTTP_CAINFO"];

/// The variables that make each toolchain trust a CA bundle: Go, OpenSSL-based tools and uv
/// (`SSL_CERT_FILE`), Node.js and npm (`NODE_EXTRA_CA_CERTS`), cargo (`CARGO_HTTP_CAINFO`).
pub const CA_TRUST_VARIABLES: [&str; 3] = ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "CARGO_HTTP_CAINFO"];

/// Where Debian, Fedora and Alpine-style systems keep the CA bundle, in the order looked at.
const HOST_CA_BUNDLES: [&str; 3] =
    ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];

/// The staged host bundle's name in `/platform/files/`.
const HOST_CA_FILE: &str = "host-ca-certificates.crt";

/// `--env` arguments as pairs: `NAME=VALUE`, or `NAME` for kiln's own value of `NAME`.
pub fn parse_env_args(args: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    args.iter()
        .map(|arg| {
            let (name, value) = match arg.split_once('=') {
                Some((name, value)) => (name, value.to_string()),
                None => (arg.as_str(), host_value(arg)?),
            };
            if name.is_empty() {
                return Err(invalid_argument(format!("--env `{arg}` has no name"), "write it as NAME=VALUE or NAME"));
            }
            Ok((name.to_string(), value))
        })
        .collect()
}

fn host_value(name: &str) -> anyhow::Result<String> {
    std::env::var(name).map_err(|_| {
        invalid_argument(
            format!("--env {name} passes {name} from kiln's environment, but {name} is not set there"),
            format!("set {name} before running kiln, or give its value: --env {name}=VALUE"),
        )
    })
}

/// The CA bundle this machine trusts: the file `$SSL_CERT_FILE` names, else the system's.
#[must_use]
pub fn host_ca_bundle() -> Option<PathBuf> {
    let named = std::env::var_os("SSL_CERT_FILE").map(PathBuf::from).filter(|path| path.is_file());
    named.or_else(|| HOST_CA_BUNDLES.iter().map(PathBuf::from).find(|path| path.is_file()))
}

/// What [`platform_env`] decided about CA trust, for people.
#[derive(Debug, PartialEq, Eq)]
pub enum CaTrust {
    /// The host bundle at this path is trusted through these variables.
    Host { bundle: PathBuf, variables: Vec<&'static str> },
    /// `--env SSL_CERT_FILE=` (empty): the builder's own CA store applies.
    TurnedOff,
    /// The user set every trust variable, or the host has no bundle.
    Untouched,
}

/// The platform directory kiln writes (`on_host`) and the path the lifecycle sees it at
/// (`in_build`: `/platform` under runc; the same directory when kiln runs in the builder).
#[derive(Clone, Copy)]
pub struct PlatformDir<'a> {
    pub on_host: &'a Path,
    pub in_build: &'a Path,
}

/// The environment to write into the platform directory: file-valued variables staged into
/// its `files/` (and named by their path in the build), and, unless turned off, the host's CA bundle (`host_ca`) for each
/// CA trust variable the user did not set. A trust variable set empty is left unset (an empty
/// `SSL_CERT_FILE` turns them all off).
pub fn platform_env(
    env: Vec<(String, String)>,
    platform_dir: PlatformDir<'_>,
    host_ca: Option<&Path>,
) -> anyhow::Result<(Vec<(String, String)>, CaTrust)> {
    let turned_off = env.iter().any(|(name, value)| name == "SSL_CERT_FILE" && value.is_empty());
    let unset: Vec<&'static str> =
        CA_TRUST_VARIABLES.into_iter().filter(|variable| !env.iter().any(|(name, _)| name == variable)).collect();
    let mut staged: Vec<(String, String)> = env
        .into_iter()
        .filter(|(name, value)| !(CA_TRUST_VARIABLES.contains(&name.as_str()) && value.is_empty()))
        .map(|(name, value)| stage_file_value(name, value, platform_dir))
        .collect::<anyhow::Result<_>>()?;
    if turned_off {
        return Ok((staged, CaTrust::TurnedOff));
    }
    let Some(bundle) = host_ca.filter(|_| !unset.is_empty()) else {
        return Ok((staged, CaTrust::Untouched));
    };
    let inside = stage_file(bundle, HOST_CA_FILE, platform_dir, "the host's CA bundle")?;
    staged.extend(unset.iter().map(|variable| ((*variable).to_string(), inside.clone())));
    Ok((staged, CaTrust::Host { bundle: bundle.to_path_buf(), variables: unset }))
}

/// `value` pointed at a copy in the platform directory when `name` is file-valued and `value`
/// names a local file; as given otherwise (a URL, a path inside the builder).
fn stage_file_value(name: String, value: String, platform_dir: PlatformDir<'_>) -> anyhow::Result<(String, String)> {
    let local = value.strip_prefix("file://").unwrap_or(&value);
    if !FILE_VALUED.contains(&name.as_str()) || !Path::new(local).is_file() {
        return Ok((name, value));
    }
    let inside = stage_file(Path::new(local), &name, platform_dir, &format!("the {name} file"))?;
    Ok((name, inside))
}

/// Copies `file` to `<platform_dir>/files/<staged_name>` and returns its path in the build.
fn stage_file(file: &Path, staged_name: &str, platform_dir: PlatformDir<'_>, what: &str) -> anyhow::Result<String> {
    let files = platform_dir.on_host.join("files");
    std::fs::create_dir_all(&files).and_then(|()| std::fs::copy(file, files.join(staged_name))).map_err(|error| {
        filesystem(
            format!("cannot make {what} {} available to the build: {error}", file.display()),
            "check that it is readable",
        )
    })?;
    Ok(platform_dir.in_build.join("files").join(staged_name).to_string_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    /// The platform directory as runc mounts it.
    fn mounted(on_host: &Path) -> PlatformDir<'_> {
        PlatformDir { on_host, in_build: Path::new("/platform") }
    }

    fn value<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
        env.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn a_name_alone_passes_kilns_own_value() {
        // PATH is set in every test process; a name no process has is not.
        let path = std::env::var("PATH").expect("PATH");
        assert_eq!(parse_env_args(&["PATH".to_string()]).expect("parsed"), [pair("PATH", &path)]);
        assert_eq!(
            parse_env_args(&["A=b=c".to_string(), "E=".to_string()]).expect("parsed"),
            [pair("A", "b=c"), pair("E", "")]
        );
        let error = parse_env_args(&["KILN_TEST_SURELY_UNSET_VARIABLE".to_string()]).expect_err("unset");
        let kinded = error.downcast_ref::<kiln_error::KindedError>().expect("kinded");
        assert_eq!(kinded.kind, kiln_error::ErrorKind::InvalidArgument);
        assert!(kinded.message.contains("KILN_TEST_SURELY_UNSET_VARIABLE is not set"), "{}", kinded.message);
        assert!(parse_env_args(&["=x".to_string()]).is_err());
    }

    #[test]
    fn local_files_named_by_file_valued_variables_go_into_the_platform_dir() {
        let host = tempfile::tempdir().expect("host dir");
        let inventory = host.path().join("inventory.toml");
        std::fs::write(&inventory, "[[artifacts]]\n").expect("inventory");
        let platform = tempfile::tempdir().expect("platform dir");
        let env = vec![
            pair("KILN_INVENTORY", &format!("file://{}", inventory.display())),
            pair("SSL_CERT_FILE", "https://example.invalid/ca.pem"),
            pair("GOFLAGS", &inventory.display().to_string()),
        ];
        let (staged, _) = platform_env(env, mounted(platform.path()), None).expect("staged");
        assert_eq!(staged[0], pair("KILN_INVENTORY", "/platform/files/KILN_INVENTORY"));
        assert_eq!(
            std::fs::read_to_string(platform.path().join("files/KILN_INVENTORY")).expect("copied"),
            "[[artifacts]]\n"
        );
        // Not a local file, or not a file-valued variable: passed through as given.
        assert_eq!(staged[1].1, "https://example.invalid/ca.pem");
        assert_eq!(staged[2].1, inventory.display().to_string());
    }

    #[test]
    fn the_host_ca_bundle_is_trusted_through_every_variable_the_user_left_unset() {
        let host = tempfile::tempdir().expect("host dir");
        let bundle = host.path().join("ca.crt");
        std::fs::write(&bundle, "-----BEGIN CERTIFICATE-----\n").expect("bundle");
        let own = host.path().join("own.crt");
        std::fs::write(&own, "own").expect("own bundle");
        let platform = tempfile::tempdir().expect("platform dir");

        let given = vec![pair("NODE_EXTRA_CA_CERTS", &own.display().to_string())];
        let (env, trust) = platform_env(given, mounted(platform.path()), Some(&bundle)).expect("staged");
        assert_eq!(value(&env, "SSL_CERT_FILE"), Some("/platform/files/host-ca-certificates.crt"));
        assert_eq!(value(&env, "CARGO_HTTP_CAINFO"), Some("/platform/files/host-ca-certificates.crt"));
        assert_eq!(value(&env, "NODE_EXTRA_CA_CERTS"), Some("/platform/files/NODE_EXTRA_CA_CERTS"), "the user's own");
        assert_eq!(
            trust,
            CaTrust::Host { bundle: bundle.clone(), variables: vec!["SSL_CERT_FILE", "CARGO_HTTP_CAINFO"] }
        );
        assert_eq!(
            std::fs::read_to_string(platform.path().join("files/host-ca-certificates.crt")).expect("staged"),
            "-----BEGIN CERTIFICATE-----\n"
        );
    }

    #[test]
    fn an_empty_ssl_cert_file_turns_host_trust_off() {
        let host = tempfile::tempdir().expect("host dir");
        let bundle = host.path().join("ca.crt");
        std::fs::write(&bundle, "ca").expect("bundle");
        let platform = tempfile::tempdir().expect("platform dir");
        let (env, trust) =
            platform_env(vec![pair("SSL_CERT_FILE", ""), pair("A", "b")], mounted(platform.path()), Some(&bundle))
                .expect("env");
        assert_eq!(trust, CaTrust::TurnedOff);
        assert_eq!(env, [pair("A", "b")], "no empty variable reaches the tools");
        assert!(!platform.path().join("files").exists());
    }

    #[test]
    fn staged_files_are_named_by_the_platform_dirs_path_in_the_build_and_nothing_else_is_renamed() {
        let host = tempfile::tempdir().expect("host dir");
        let inventory = host.path().join("inventory.toml");
        std::fs::write(&inventory, "[[artifacts]]\n").expect("inventory");
        let platform = tempfile::tempdir().expect("platform dir");
        let in_builder = PlatformDir { on_host: platform.path(), in_build: platform.path() };
        let env =
            vec![pair("KILN_INVENTORY", &inventory.display().to_string()), pair("BINDINGS", "/platform/bindings/db")];
        let (staged, _) = platform_env(env, in_builder, None).expect("staged");
        let expected = platform.path().join("files/KILN_INVENTORY").display().to_string();
        assert_eq!(value(&staged, "KILN_INVENTORY"), Some(expected.as_str()));
        assert_eq!(value(&staged, "BINDINGS"), Some("/platform/bindings/db"), "a value the user gave is theirs");
    }
}
