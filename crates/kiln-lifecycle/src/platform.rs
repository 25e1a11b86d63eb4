//! The platform directory: user-provided build environment as `<platform>/env/<NAME>` files,
//! which buildpacks read (the lifecycle never exports them into the image).

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error(
        "`{0}` is not a valid build environment variable name: use letters, digits and `_`, not starting with a digit"
    )]
    InvalidName(String),
    #[error("could not write the build environment into {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

/// Writes each `(name, value)` as `<platform_dir>/env/<name>`.
pub fn write_platform_env(platform_dir: &Path, env: &[(String, String)]) -> Result<(), PlatformError> {
    let env_dir = platform_dir.join("env");
    std::fs::create_dir_all(&env_dir)
        .map_err(|source| PlatformError::Write { path: env_dir.display().to_string(), source })?;
    for (name, value) in env {
        if !is_valid_name(name) {
            return Err(PlatformError::InvalidName(name.clone()));
        }
        let path = env_dir.join(name);
        std::fs::write(&path, value)
            .map_err(|source| PlatformError::Write { path: path.display().to_string(), source })?;
    }
    Ok(())
}

/// A name that is safe as a file name and usable as a shell variable.
fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_one_file_per_variable() {
        let dir = tempfile::tempdir().expect("temp dir");
        let env = vec![("GOFLAGS".to_string(), "-tags=prod".to_string())];
        write_platform_env(dir.path(), &env).expect("written");
        let value = std::fs::read_to_string(dir.path().join("env/GOFLAGS")).expect("file");
        assert_eq!(value, "-tags=prod");
    }

    #[test]
    fn refuses_names_that_are_paths() {
        let dir = tempfile::tempdir().expect("temp dir");
        for name in ["../escape", "A/B", "", "1ABC", "A B"] {
            let env = vec![(name.to_string(), "x".to_string())];
            assert!(
                matches!(write_platform_env(dir.path(), &env), Err(PlatformError::InvalidName(_))),
                "{name:?} was accepted"
            );
        }
    }
}
