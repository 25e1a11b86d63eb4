//! The environment `go build` runs in: the user's Go settings from the platform env, the
//! caches in their layers, and the settings that make builds static and reproducible.

use libcnb::Env;
use std::ffi::OsString;
use std::path::Path;

/// Go settings a user may give with `kiln build --env`: where modules come from, which are
/// private, and the CA bundle to trust (`SSL_CERT_FILE`, for module proxies behind a
/// TLS-intercepting proxy; `kiln build` makes a local file available inside the build).
/// `GOFLAGS` is handled on its own because the buildpack adds to it.
pub(crate) const USER_SETTINGS: [&str; 7] =
    ["GOPROXY", "GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOSUMDB", "GOINSECURE", "SSL_CERT_FILE"];

/// Where the cached layers put Go's caches.
pub(crate) struct GoCaches<'a> {
    pub(crate) module_cache: &'a Path,
    pub(crate) build_cache: &'a Path,
}

/// `process` (the build's own env with the toolchain on PATH) plus the user's Go settings
/// from `platform` and the buildpack's fixed ones.
pub(crate) fn go_build_env(process: &Env, platform: &Env, caches: &GoCaches<'_>) -> Env {
    let mut env = process.clone();
    for name in USER_SETTINGS {
        if let Some(value) = platform.get(name) {
            env.insert(name, value);
        }
    }
    // The module cache is read-only by default; layers must stay deletable when the
    // lifecycle or libcnb discards them. Go gives later GOFLAGS entries precedence, so the
    // user's flags come last.
    let mut goflags = OsString::from("-modcacherw");
    if let Some(user) = platform.get("GOFLAGS").or_else(|| process.get("GOFLAGS")) {
        goflags.push(" ");
        goflags.push(user);
    }
    env.insert("GOFLAGS", goflags);
    env.insert("GOMODCACHE", caches.module_cache);
    env.insert("GOCACHE", caches.build_cache);
    // Static binaries run on the minimal run image, which has no C toolchain's libraries to
    // match; and no download of another toolchain behind the inventory's back.
    env.insert("CGO_ENABLED", "0");
    env.insert("GOTOOLCHAIN", "local");
    env
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        let mut env = Env::new();
        for (name, value) in pairs {
            env.insert(name, value);
        }
        env
    }

    fn build_env(process: &[(&str, &str)], platform: &[(&str, &str)]) -> Env {
        let caches = GoCaches {
            module_cache: Path::new("/layers/go/modules"),
            build_cache: Path::new("/layers/go/build_cache"),
        };
        go_build_env(&env(process), &env(platform), &caches)
    }

    fn value(env: &Env, name: &str) -> Option<String> {
        env.get_string_lossy(name)
    }

    #[test]
    fn passes_the_users_module_settings_through() {
        let built = build_env(
            &[("PATH", "/go/bin:/usr/bin"), ("GOPROXY", "https://ignored.invalid")],
            &[("GOPROXY", "http://127.0.0.1:3000"), ("GOPRIVATE", "example.com/private"), ("UNRELATED", "x")],
        );
        assert_eq!(value(&built, "GOPROXY").as_deref(), Some("http://127.0.0.1:3000"));
        assert_eq!(value(&built, "GOPRIVATE").as_deref(), Some("example.com/private"));
        assert_eq!(value(&built, "PATH").as_deref(), Some("/go/bin:/usr/bin"));
        assert_eq!(value(&built, "UNRELATED"), None);
    }

    #[test]
    fn keeps_the_module_cache_writable_and_the_users_goflags_last() {
        assert_eq!(value(&build_env(&[], &[]), "GOFLAGS").as_deref(), Some("-modcacherw"));
        let built = build_env(&[], &[("GOFLAGS", "-tags=prod -mod=mod")]);
        assert_eq!(value(&built, "GOFLAGS").as_deref(), Some("-modcacherw -tags=prod -mod=mod"));
    }

    #[test]
    fn builds_static_binaries_with_the_installed_toolchain_and_cached_layers() {
        let built = build_env(&[("CGO_ENABLED", "1")], &[("CGO_ENABLED", "1")]);
        assert_eq!(value(&built, "CGO_ENABLED").as_deref(), Some("0"));
        assert_eq!(value(&built, "GOTOOLCHAIN").as_deref(), Some("local"));
        assert_eq!(value(&built, "GOMODCACHE").as_deref(), Some("/layers/go/modules"));
        assert_eq!(value(&built, "GOCACHE").as_deref(), Some("/layers/go/build_cache"));
    }
}
