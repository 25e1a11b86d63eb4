//! Registry credentials from the Docker client configuration (`config.json`), the same place
//! `docker login` and the CNB lifecycle read them from.

use std::collections::HashMap;
use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::Deserialize;

/// Docker Hub's legacy server address: the key `docker login` writes for Docker Hub.
const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";

#[derive(Clone, PartialEq, Eq)]
pub enum Credentials {
    Basic { username: String, password: String },
    Bearer { token: String },
}

impl fmt::Debug for Credentials {
    // Secrets must not end up in logs or error messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Basic { username, .. } => write!(f, "Basic({username}, <redacted>)"),
            Self::Bearer { .. } => f.write_str("Bearer(<redacted>)"),
        }
    }
}

impl Credentials {
    /// The HTTP `Authorization` header value, as the lifecycle expects in `CNB_REGISTRY_AUTH`.
    #[must_use]
    pub fn authorization_header(&self) -> String {
        match self {
            Self::Basic { username, password } => {
                format!("Basic {}", BASE64.encode(format!("{username}:{password}")))
            }
            Self::Bearer { token } => format!("Bearer {token}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot read the Docker config {path}: {source}; fix its permissions or point DOCKER_CONFIG at another directory")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("the Docker config {path} is not valid JSON ({source}); fix it or run `docker login` again")]
    Parse { path: PathBuf, source: serde_json::Error },
    #[error("the `auth` entry for {registry} in {path} is not base64 of `user:password`; run `docker login {registry}` again")]
    MalformedAuth { registry: String, path: PathBuf },
    #[error("the credential helper docker-credential-{helper} for {registry} could not run ({source}); install it on PATH or remove it from the Docker config")]
    HelperMissing { helper: String, registry: String, source: std::io::Error },
    #[error("the credential helper docker-credential-{helper} failed for {registry}: {message}; check `docker-credential-{helper} get` by hand")]
    HelperFailed { helper: String, registry: String, message: String },
    #[error("the credential helper docker-credential-{helper} returned an identity token for {registry}, which kiln cannot use; log in with a username and password or access token instead")]
    IdentityToken { helper: String, registry: String },
}

/// Credentials for `registry` (`host[:port]`) from `$DOCKER_CONFIG/config.json` or
/// `~/.docker/config.json`: a credential helper named in `credHelpers`, else `credsStore`,
/// else the `auths` entry. `Ok(None)` means anonymous access.
///
/// # Errors
/// When the config exists but cannot be read or parsed, or a configured helper fails.
pub fn credentials_for(registry: &str) -> Result<Option<Credentials>, AuthError> {
    match docker_config_path() {
        Some(path) => credentials_in(&path, registry),
        None => Ok(None),
    }
}

fn docker_config_path() -> Option<PathBuf> {
    let dir = std::env::var_os("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".docker")))?;
    Some(config_file_in(&dir))
}

/// `config.json` in a docker config directory; where there is none, the `.dockerconfigjson` a
/// Kubernetes `kubernetes.io/dockerconfigjson` Secret holds when mounted as a directory (how
/// Shipwright and Tekton hand push credentials to a step), which has the same schema.
fn config_file_in(dir: &Path) -> PathBuf {
    let config = dir.join("config.json");
    let secret = dir.join(".dockerconfigjson");
    if !config.exists() && secret.is_file() {
        return secret;
    }
    config
}

#[derive(Debug, Default, Deserialize)]
struct DockerConfig {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default, rename = "credHelpers")]
    cred_helpers: HashMap<String, String>,
    #[serde(default, rename = "credsStore")]
    creds_store: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct AuthEntry {
    auth: Option<String>,
    username: Option<String>,
    password: Option<String>,
    registrytoken: Option<String>,
}

fn credentials_in(path: &Path, registry: &str) -> Result<Option<Credentials>, AuthError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(AuthError::Read { path: path.to_path_buf(), source }),
    };
    let config: DockerConfig =
        serde_json::from_str(&text).map_err(|source| AuthError::Parse { path: path.to_path_buf(), source })?;

    if let Some(helper) = find_for_registry(&config.cred_helpers, registry) {
        return run_credential_helper(helper, registry);
    }
    if let Some(store) = &config.creds_store {
        if let Some(credentials) = run_credential_helper(store, registry)? {
            return Ok(Some(credentials));
        }
    }
    find_for_registry(&config.auths, registry)
        .map(|entry| entry_credentials(entry, registry, path))
        .transpose()
        .map(Option::flatten)
}

/// The entry whose key names `registry`. Keys may be bare hosts or URLs
/// (`https://host/v1/`), and Docker Hub answers to several names.
fn find_for_registry<'a, V>(entries: &'a HashMap<String, V>, registry: &str) -> Option<&'a V> {
    let wanted = canonical_host(registry);
    entries.iter().find(|(key, _)| canonical_host(key) == wanted).map(|(_, value)| value)
}

fn canonical_host(key: &str) -> &str {
    let without_scheme = key.strip_prefix("https://").or_else(|| key.strip_prefix("http://")).unwrap_or(key);
    let host = without_scheme.split('/').next().unwrap_or_default();
    match host {
        "docker.io" | "index.docker.io" | "registry-1.docker.io" => "index.docker.io",
        other => other,
    }
}

fn entry_credentials(entry: &AuthEntry, registry: &str, path: &Path) -> Result<Option<Credentials>, AuthError> {
    if let Some(token) = entry.registrytoken.as_ref().filter(|t| !t.is_empty()) {
        return Ok(Some(Credentials::Bearer { token: token.clone() }));
    }
    if let Some(auth) = entry.auth.as_ref().filter(|a| !a.is_empty()) {
        let malformed = || AuthError::MalformedAuth { registry: registry.to_string(), path: path.to_path_buf() };
        let decoded = BASE64.decode(auth.trim()).map_err(|_| malformed())?;
        let decoded = String::from_utf8(decoded).map_err(|_| malformed())?;
        let (username, password) = decoded.split_once(':').ok_or_else(malformed)?;
        return Ok(Some(Credentials::Basic { username: username.to_string(), password: password.to_string() }));
    }
    Ok(match (&entry.username, &entry.password) {
        (Some(username), Some(password)) if !username.is_empty() => {
            Some(Credentials::Basic { username: username.clone(), password: password.clone() })
        }
        _ => None,
    })
}

#[derive(Deserialize)]
struct HelperOutput {
    #[serde(rename = "Username")]
    username: String,
    #[serde(rename = "Secret")]
    secret: String,
}

/// Runs `docker-credential-<helper> get` with the server address on stdin, per the
/// docker-credential-helpers protocol.
fn run_credential_helper(helper: &str, registry: &str) -> Result<Option<Credentials>, AuthError> {
    let server = if canonical_host(registry) == "index.docker.io" { DOCKER_HUB_SERVER } else { registry };
    let missing =
        |source| AuthError::HelperMissing { helper: helper.to_string(), registry: registry.to_string(), source };
    let failed = |message: String| AuthError::HelperFailed {
        helper: helper.to_string(),
        registry: registry.to_string(),
        message,
    };

    let mut child = Command::new(format!("docker-credential-{helper}"))
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(missing)?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(server.as_bytes()).map_err(|error| failed(error.to_string()))?;
    }
    let output = child.wait_with_output().map_err(|error| failed(error.to_string()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        // The protocol's way of saying "no credentials stored": anonymous access, not an error.
        if stdout.contains("credentials not found") {
            return Ok(None);
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(failed(format!("{} {}", stdout.trim(), stderr.trim()).trim().to_string()));
    }
    let parsed: HelperOutput =
        serde_json::from_str(&stdout).map_err(|error| failed(format!("unexpected output ({error})")))?;
    if parsed.username == "<token>" {
        return Err(AuthError::IdentityToken { helper: helper.to_string(), registry: registry.to_string() });
    }
    Ok(Some(Credentials::Basic { username: parsed.username, password: parsed.secret }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn a_mounted_dockerconfigjson_secret_is_read_where_no_config_json_is() {
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(config_file_in(dir.path()), dir.path().join("config.json"));
        std::fs::write(dir.path().join(".dockerconfigjson"), "{}").expect("secret");
        assert_eq!(config_file_in(dir.path()), dir.path().join(".dockerconfigjson"));
        std::fs::write(dir.path().join("config.json"), "{}").expect("config");
        assert_eq!(config_file_in(dir.path()), dir.path().join("config.json"), "config.json wins");
    }

    fn config_file(json: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config.json"), json).expect("write config.json");
        dir
    }

    fn basic(username: &str, password: &str) -> Credentials {
        Credentials::Basic { username: username.to_string(), password: password.to_string() }
    }

    #[test]
    fn auths_entry_with_base64_auth() {
        let dir = config_file(r#"{"auths":{"registry.example.com":{"auth":"dXNlcjpwYTpzcw=="}}}"#);
        let found = credentials_in(&dir.path().join("config.json"), "registry.example.com").expect("parses");
        assert_eq!(found, Some(basic("user", "pa:ss")));
    }

    #[test]
    fn auths_entry_with_username_password_and_url_key() {
        let dir = config_file(r#"{"auths":{"https://127.0.0.1:5000/v2/":{"username":"u","password":"p"}}}"#);
        let found = credentials_in(&dir.path().join("config.json"), "127.0.0.1:5000").expect("parses");
        assert_eq!(found, Some(basic("u", "p")));
    }

    #[test]
    fn docker_hub_legacy_key_matches_docker_io() {
        let dir = config_file(r#"{"auths":{"https://index.docker.io/v1/":{"auth":"YTpi"}}}"#);
        let found = credentials_in(&dir.path().join("config.json"), "docker.io").expect("parses");
        assert_eq!(found, Some(basic("a", "b")));
    }

    #[test]
    fn registry_token_becomes_bearer() {
        let dir = config_file(r#"{"auths":{"r.example":{"registrytoken":"tok"}}}"#);
        let found = credentials_in(&dir.path().join("config.json"), "r.example").expect("parses");
        assert_eq!(found.map(|c| c.authorization_header()), Some("Bearer tok".to_string()));
    }

    #[test]
    fn unknown_registry_and_missing_file_are_anonymous() {
        let dir = config_file(r#"{"auths":{"r.example":{"auth":"YTpi"}}}"#);
        assert_eq!(credentials_in(&dir.path().join("config.json"), "other.example").expect("parses"), None);
        assert_eq!(credentials_in(&dir.path().join("absent.json"), "r.example").expect("no file"), None);
    }

    #[test]
    fn malformed_config_and_auth_are_errors_that_say_what_to_do() {
        let dir = config_file("{not json");
        let error = credentials_in(&dir.path().join("config.json"), "r.example").expect_err("invalid JSON");
        assert!(error.to_string().contains("not valid JSON"), "{error}");

        let dir = config_file(r#"{"auths":{"r.example":{"auth":"bm9jb2xvbg=="}}}"#);
        let error = credentials_in(&dir.path().join("config.json"), "r.example").expect_err("no colon");
        assert!(error.to_string().contains("docker login r.example"), "{error}");
    }

    #[test]
    fn basic_authorization_header() {
        assert_eq!(basic("user", "pass").authorization_header(), "Basic dXNlcjpwYXNz");
        assert!(!format!("{:?}", basic("user", "secret")).contains("secret"));
    }

    /// The only test that touches the process environment (`DOCKER_CONFIG` and `PATH`), so it
    /// cannot race with another test reading them.
    #[test]
    fn docker_config_env_and_credential_helper() {
        let dir =
            config_file(r#"{"auths":{"plain.example":{"auth":"YTpi"}},"credHelpers":{"helped.example":"kilntest"}}"#);
        let helper = dir.path().join("docker-credential-kilntest");
        std::fs::write(
            &helper,
            "#!/bin/sh\nread server\nif [ \"$server\" = helped.example ]; then\n  echo '{\"ServerURL\":\"helped.example\",\"Username\":\"hu\",\"Secret\":\"hs\"}'\nelse\n  echo 'credentials not found in native keychain'; exit 1\nfi\n",
        )
        .expect("write helper");
        std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).expect("chmod helper");
        let path = std::env::var_os("PATH").unwrap_or_default();
        let mut paths = vec![dir.path().to_path_buf()];
        paths.extend(std::env::split_paths(&path));
        std::env::set_var("PATH", std::env::join_paths(paths).expect("join PATH"));
        std::env::set_var("DOCKER_CONFIG", dir.path());

        assert_eq!(credentials_for("plain.example").expect("auths entry"), Some(basic("a", "b")));
        assert_eq!(credentials_for("helped.example").expect("helper answers"), Some(basic("hu", "hs")));
        assert_eq!(credentials_for("nothing.example").expect("anonymous"), None);
    }
}
