//! The host's limits and grants given to the build (`kiln build --env`, project.toml): checked
//! before anything is compiled, with the host's own parser, and kept as the image's defaults,
//! which the platform may still override when the image runs. A granted directory must be part
//! of the source, and stays in the app directory.

use kiln_buildpack::{KeepError, KeepPatterns};
use kiln_wasm_host::grants::DIR_GRANT;
use kiln_wasm_host::validate::Filesystem;
use kiln_wasm_host::{SettingError, Settings, GUEST_SETTINGS};
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};
use libcnb::Env;
use std::path::{Component, Path};

/// The settings the build was given.
pub(crate) struct HostSettings {
    /// Each set variable of [`GUEST_SETTINGS`] with its value as given.
    given: Vec<(&'static str, String)>,
    /// The granted directory, relative to the source root.
    dir: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum SettingsError {
    #[error(transparent)]
    Invalid(SettingError),
    #[error("{DIR_GRANT} is `{0}`: expected a directory of the source, relative to its root, such as `static`")]
    DirNotInSource(String),
}

impl HostSettings {
    /// Reads and checks the settings in `platform_env` for the source in `app_dir`.
    pub(crate) fn from_env(platform_env: &Env, app_dir: &Path) -> Result<Self, SettingsError> {
        let var = |name: &str| platform_env.get_string_lossy(name).filter(|value| !value.trim().is_empty());
        let settings = Settings::from_vars(var).map_err(SettingsError::Invalid)?;
        let dir = settings.grants.dir.map(|dir| dir.to_string_lossy().into_owned());
        if let Some(dir) = &dir {
            let path = Path::new(dir);
            // Below the root, never the root itself: `static`, `./static`, `static/css`.
            let inside = path.components().all(|part| matches!(part, Component::Normal(_) | Component::CurDir));
            let below_root = path.components().any(|part| matches!(part, Component::Normal(_)));
            if !inside || !below_root || !app_dir.join(path).is_dir() {
                return Err(SettingsError::DirNotInSource(dir.clone()));
            }
        }
        let given = GUEST_SETTINGS.iter().filter_map(|name| Some((*name, var(name)?))).collect();
        Ok(HostSettings { given, dir })
    }

    /// Whether the component may import `wasi:filesystem`: only with a granted directory.
    pub(crate) fn filesystem(&self) -> Filesystem {
        if self.dir.is_some() {
            Filesystem::Granted
        } else {
            Filesystem::Refused
        }
    }

    /// `keep` and the granted directory.
    pub(crate) fn keep(&self, keep: KeepPatterns) -> Result<KeepPatterns, KeepError> {
        match &self.dir {
            Some(dir) => keep.keeping(dir),
            None => Ok(keep),
        }
    }

    /// `env` with the given settings as launch defaults.
    pub(crate) fn launch_env(&self, env: LayerEnv) -> LayerEnv {
        self.given.iter().fold(env, |env, (name, value)| {
            env.chainable_insert(Scope::Launch, ModificationBehavior::Default, name, value)
        })
    }

    /// The given settings, for the build log.
    pub(crate) fn given(&self) -> impl Iterator<Item = String> + '_ {
        self.given.iter().map(|(name, value)| format!("{name}={value}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)], app_dir: &Path) -> Result<HostSettings, SettingsError> {
        let mut env = Env::new();
        for (name, value) in vars {
            env.insert(name, value);
        }
        HostSettings::from_env(&env, app_dir)
    }

    #[test]
    fn a_granted_directory_must_be_a_directory_of_the_source() {
        let source = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(source.path().join("static/css")).expect("mkdir");
        std::fs::write(source.path().join("Cargo.toml"), "").expect("write");
        for dir in ["static", "static/css", "./static"] {
            let settings = read(&[(DIR_GRANT, dir)], source.path()).expect(dir);
            assert_eq!(settings.filesystem(), Filesystem::Granted, "{dir}");
        }
        for dir in ["/etc", "../static", "static/../..", "Cargo.toml", "missing", "."] {
            let error = read(&[(DIR_GRANT, dir)], source.path()).err().expect(dir).to_string();
            assert_eq!(error, format!("{DIR_GRANT} is `{dir}`: expected a directory of the source, relative to its root, such as `static`"));
        }
    }

    #[test]
    fn given_settings_are_checked_and_kept_as_launch_defaults() {
        let source = tempfile::tempdir().expect("temp dir");
        let error = read(&[("FUNC_WASM_TIMEOUT", "soon")], source.path()).err().expect("a bad duration");
        assert!(error.to_string().starts_with("FUNC_WASM_TIMEOUT is `soon`: expected a duration"), "{error}");
        let settings =
            read(&[("FUNC_WASM_ENV", "GREETING"), ("FUNC_WASM_TIMEOUT", "2s")], source.path()).expect("valid");
        assert_eq!(settings.filesystem(), Filesystem::Refused);
        assert_eq!(settings.given().collect::<Vec<_>>(), ["FUNC_WASM_TIMEOUT=2s", "FUNC_WASM_ENV=GREETING"]);
        let env = settings.launch_env(LayerEnv::new()).apply(Scope::Launch, &Env::new());
        assert_eq!(env.get_string_lossy("FUNC_WASM_ENV").as_deref(), Some("GREETING"));
    }
}
