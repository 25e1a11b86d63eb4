//! `node --check` on every module of the source before the image is made, so that a syntax
//! error fails the build with its `file:line` (node prints both, with the line and a caret)
//! instead of failing the first request.

use kiln_buildpack::{print, ToolError};
use libcnb::Env;
use std::path::{Path, PathBuf};
use std::process::Command;

const MODULE_EXTENSIONS: [&str; 3] = ["js", "mjs", "cjs"];

#[derive(Debug, thiserror::Error)]
pub(crate) enum SyntaxError {
    #[error("{} has a syntax error: {source}", .module.display())]
    Invalid {
        module: PathBuf,
        #[source]
        source: ToolError,
    },
    #[error("cannot list the source's modules: {0}")]
    List(#[from] std::io::Error),
}

/// The source's JavaScript modules (relative paths, sorted), leaving out dependencies and
/// hidden directories.
pub(crate) fn modules(app_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(app_dir.join(&dir))? {
            let entry = entry?;
            let name = entry.file_name();
            let relative = dir.join(&name);
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                if name != "node_modules" && !name.to_string_lossy().starts_with('.') {
                    pending.push(relative);
                }
            } else if file_type.is_file()
                && relative.extension().is_some_and(|ext| MODULE_EXTENSIONS.iter().any(|known| ext == *known))
            {
                found.push(relative);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Checks every module; the first with a syntax error fails the build.
pub(crate) fn check_syntax(app_dir: &Path, env: &Env) -> Result<(), SyntaxError> {
    let modules = modules(app_dir)?;
    for module in &modules {
        let mut command = Command::new("node");
        command.arg("--check").arg(module).current_dir(app_dir).envs(env);
        kiln_buildpack::run_streamed(&mut command, std::io::stderr(), std::io::stderr())
            .map_err(|source| SyntaxError::Invalid { module: module.clone(), source })?;
    }
    print::sub_bullet(format!(
        "Checked the syntax of {} module{} with `node --check`",
        modules.len(),
        if modules.len() == 1 { "" } else { "s" }
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_the_sources_modules_but_not_its_dependencies() {
        let dir = tempfile::tempdir().expect("temp dir");
        for file in ["index.js", "lib/a.mjs", "lib/b.cjs", "lib/c.ts", "node_modules/x/index.js", ".cache/y.js"] {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, "").expect("write");
        }
        let found = modules(dir.path()).expect("lists");
        assert_eq!(found, [PathBuf::from("index.js"), "lib/a.mjs".into(), "lib/b.cjs".into()]);
    }
}
