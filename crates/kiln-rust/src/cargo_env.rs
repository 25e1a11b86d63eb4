//! The environment cargo runs in: the toolchain on PATH, the user's cargo settings from the
//! platform env, and the caches in their layers.

use libcnb::Env;
use std::path::{Path, PathBuf};

/// Where the layers put cargo's files.
pub struct CargoPaths {
    /// `CARGO_HOME`: a fresh directory each build whose `registry` and `git` are the caches.
    pub home: PathBuf,
    pub registry: PathBuf,
    pub git: PathBuf,
    /// `CARGO_TARGET_DIR`, a cache.
    pub target: PathBuf,
    /// The generated function server's crate (unused by app builds).
    pub server: PathBuf,
}

/// Settings a user may give with `kiln build --env` besides `CARGO_*` (cargo's own
/// configuration variables, registry settings, `CARGO_ENCODED_RUSTFLAGS` and
/// `CARGO_HTTP_CAINFO` among them).
const USER_SETTINGS: [&str; 3] = ["RUSTFLAGS", "SSL_CERT_FILE", "RUSTC_WRAPPER"];

/// `process` (the build's env with the toolchain on PATH) plus the user's cargo settings from
/// `platform` and the cache locations, which are the buildpack's: `CARGO_HOME` and
/// `CARGO_TARGET_DIR` are set last, over the user's (and cargo reads `CARGO_TARGET_DIR` before
/// `CARGO_BUILD_TARGET_DIR`).
#[must_use]
pub fn cargo_env(process: &Env, platform: &Env, paths: &CargoPaths) -> Env {
    let mut env = process.clone();
    for (name, value) in platform {
        let text = name.to_string_lossy();
        if text.starts_with("CARGO_") || USER_SETTINGS.contains(&text.as_ref()) {
            env.insert(name, value);
        }
    }
    env.insert("CARGO_HOME", &paths.home);
    env.insert("CARGO_TARGET_DIR", &paths.target);
    env
}

/// `--config` values that make a release build reproducible: every path of this build's
/// machine (the source, the caches, and `extra` ones) remapped to a stable one in the output and
/// in messages, and the output stripped. Config on the command line is merged with the source's
/// .cargo/config.toml (arrays are joined) and wins over Cargo.toml's profile.
#[must_use]
pub fn reproducible_config(app_dir: &Path, paths: &CargoPaths, extra: &[(&Path, &str)]) -> [String; 2] {
    let remaps: Vec<String> = [
        (app_dir, "."),
        (paths.home.as_path(), "/cargo"),
        (paths.registry.as_path(), "/cargo/registry"),
        (paths.git.as_path(), "/cargo/git"),
        (paths.target.as_path(), "/target"),
    ]
    .iter()
    .chain(extra)
    .map(|(from, to)| format!("\"--remap-path-prefix={}={to}\"", from.display()))
    .collect();
    [format!("build.rustflags = [{}]", remaps.join(", ")), "profile.release.strip = true".to_string()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_users_cargo_settings_pass_but_the_cache_locations_are_the_buildpacks() {
        let mut platform = Env::new();
        for (name, value) in [
            ("CARGO_REGISTRIES_MIRROR_INDEX", "sparse+http://127.0.0.1:9/index/"),
            ("CARGO_HTTP_CAINFO", "/platform/ca.pem"),
            ("CARGO_TARGET_DIR", "/elsewhere"),
            ("RUSTFLAGS", "-C target-cpu=native"),
            ("FUNC_NAME", "hello"),
        ] {
            platform.insert(name, value);
        }
        let paths = CargoPaths {
            home: "/layers/home".into(),
            registry: "/layers/registry".into(),
            git: "/layers/git".into(),
            target: "/layers/target".into(),
            server: "/layers/server".into(),
        };
        let env = cargo_env(&Env::new(), &platform, &paths);
        assert_eq!(
            env.get_string_lossy("CARGO_REGISTRIES_MIRROR_INDEX").as_deref(),
            Some("sparse+http://127.0.0.1:9/index/")
        );
        assert_eq!(env.get_string_lossy("CARGO_HTTP_CAINFO").as_deref(), Some("/platform/ca.pem"));
        assert_eq!(env.get_string_lossy("RUSTFLAGS").as_deref(), Some("-C target-cpu=native"));
        assert_eq!(env.get_string_lossy("CARGO_TARGET_DIR").as_deref(), Some("/layers/target"));
        assert_eq!(env.get_string_lossy("CARGO_HOME").as_deref(), Some("/layers/home"));
        assert!(!env.contains_key("FUNC_NAME"));
    }
}
