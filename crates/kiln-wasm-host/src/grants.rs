//! What a guest may reach beyond the `wasi:http/proxy` world. Nothing by default: each grant is
//! off until its variable names what it allows, read when the host starts, as the limits are.

use crate::setting::{list, setting, SettingError};
use std::path::PathBuf;

/// Host variables the guest sees, by name (`GREETING,API_URL`). Their values are the host's
/// when it starts, so they come from where the image runs, never from its build.
pub const ENV_GRANT: &str = "FUNC_WASM_ENV";
/// One directory the guest sees, read-only, as its `/`. Relative paths are from the host's
/// working directory, the app directory in an image.
pub const DIR_GRANT: &str = "FUNC_WASM_DIR";
/// Hosts the guest may send HTTP requests to, `host` (any port) or `host:port`, by
/// commas; requests to any other host are denied.
pub const ALLOW_HOSTS_GRANT: &str = "FUNC_WASM_ALLOW_HOSTS";

/// The grants of every request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub env: Vec<String>,
    pub dir: Option<PathBuf>,
    pub allow_hosts: Vec<AllowedHost>,
}

/// A host outgoing requests may go to, on `port` or, if `None`, on any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedHost {
    host: String,
    port: Option<u16>,
}

impl Grants {
    /// Reads the grants through `var` (unset or empty: nothing granted).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        Ok(Grants {
            env: setting(
                &var,
                ENV_GRANT,
                |value| list(value, variable_name),
                "variable names separated by commas, such as `GREETING,API_URL`",
            )?
            .unwrap_or_default(),
            dir: setting(&var, DIR_GRANT, |value| Some(PathBuf::from(value)), "a directory")?,
            allow_hosts: setting(
                &var,
                ALLOW_HOSTS_GRANT,
                |value| list(value, AllowedHost::parse),
                "hosts separated by commas, each `host` or `host:port`, such as `api.example.com,127.0.0.1:9000`",
            )?
            .unwrap_or_default(),
        })
    }

    /// Whether a request to `host` on `port` is allowed.
    #[must_use]
    pub fn allows(&self, host: &str, port: u16) -> bool {
        let host = host.trim_matches(['[', ']']);
        self.allow_hosts
            .iter()
            .any(|allowed| allowed.host.eq_ignore_ascii_case(host) && allowed.port.is_none_or(|only| only == port))
    }
}

impl std::fmt::Display for AllowedHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(port) if self.host.contains(':') => write!(f, "[{}]:{port}", self.host),
            Some(port) => write!(f, "{}:{port}", self.host),
            None => f.write_str(&self.host),
        }
    }
}

impl AllowedHost {
    /// `host`, `host:port`, `[v6]` or `[v6]:port`.
    fn parse(value: &str) -> Option<Self> {
        let (host, port) = match value.strip_prefix('[') {
            Some(bracketed) => {
                let (host, rest) = bracketed.split_once(']')?;
                (host, if rest.is_empty() { None } else { Some(rest.strip_prefix(':')?) })
            }
            None => match value.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (value, None),
            },
        };
        let name_like = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':');
        if host.is_empty() || !host.chars().all(name_like) {
            return None;
        }
        let port = match port {
            Some(port) => Some(port.parse().ok().filter(|port| *port > 0)?),
            None => None,
        };
        Some(AllowedHost { host: host.to_ascii_lowercase(), port })
    }
}

/// A POSIX environment variable name.
fn variable_name(value: &str) -> Option<String> {
    let mut chars = value.chars();
    let starts = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    (starts && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setting::vars;

    fn grants(pairs: &[(&str, &str)]) -> Result<Grants, SettingError> {
        Grants::from_vars(vars(pairs))
    }

    #[test]
    fn nothing_is_granted_unless_a_variable_says_so() {
        let none = grants(&[(ENV_GRANT, ""), (DIR_GRANT, " ")]).expect("empty is unset");
        assert_eq!(none, Grants::default());
        assert!(!none.allows("localhost", 80));
    }

    #[test]
    fn grants_are_read_from_their_variables() {
        let read = grants(&[
            (ENV_GRANT, "GREETING, API_URL"),
            (DIR_GRANT, "static"),
            (ALLOW_HOSTS_GRANT, "API.example.com,127.0.0.1:9000,[::1]:8081"),
        ])
        .expect("valid grants");
        assert_eq!(read.env, ["GREETING", "API_URL"]);
        assert_eq!(read.dir, Some(PathBuf::from("static")));
        assert!(read.allows("api.example.com", 443) && read.allows("api.example.com", 8443));
        assert!(read.allows("127.0.0.1", 9000) && !read.allows("127.0.0.1", 9001));
        assert!(read.allows("[::1]", 8081) && !read.allows("example.com", 443));
        let shown: Vec<String> = read.allow_hosts.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["api.example.com", "127.0.0.1:9000", "[::1]:8081"]);
    }

    #[test]
    fn bad_grants_name_the_variable_and_the_expected_form() {
        for (name, value) in [
            (ENV_GRANT, "GREETING=hello"),
            (ENV_GRANT, "1ST"),
            (ALLOW_HOSTS_GRANT, "https://example.com"),
            (ALLOW_HOSTS_GRANT, "example.com:http"),
            (ALLOW_HOSTS_GRANT, "example.com:0"),
        ] {
            let error = grants(&[(name, value)]).expect_err(value).to_string();
            assert!(error.starts_with(&format!("{name} is `{value}`: expected ")), "{error}");
        }
    }
}
