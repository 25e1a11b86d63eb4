//! The function a build serves: its module (package.json's `main`, else index.js, else
//! function.js, in `FUNC_SRC`) and the export `FUNC_NAME` names, checked against the module's
//! real exports and the signature type before the image is made.

use crate::package_json::{PackageJson, PackageJsonError};
use kiln_error::ErrorMessage;
use kiln_function::{
    function_not_found, wrong_signature, FoundFunction, FunctionConfig, IdentifierRule, SignatureType,
};
use serde::Deserialize;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// JavaScript identifiers, as far as `FUNC_NAME` needs them (ASCII; `$` and `_` allowed).
pub(crate) const JS_IDENTIFIER: IdentifierRule = IdentifierRule {
    language: "JavaScript",
    description: "a letter, `_` or `$` followed by letters, digits, `_` or `$`",
    is_identifier: |name| {
        let mut chars = name.chars();
        chars.next().is_some_and(|first| first.is_ascii_alphabetic() || first == '_' || first == '$')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
    },
};

const ENTRY_FALLBACKS: [&str; 2] = ["index.js", "function.js"];

#[derive(Debug, thiserror::Error)]
pub(crate) enum FunctionError {
    #[error(transparent)]
    PackageJson(#[from] PackageJsonError),
    #[error("{} has no {}: kiln looks for package.json's `main`, then index.js, then function.js", place(.dir), .looked_for.join(", "))]
    NoModule { dir: PathBuf, looked_for: Vec<String> },
    #[error("the function's module cannot be loaded (its error is in the output above): {0}")]
    Load(String),
    #[error("cannot run the export inspector: {0}")]
    Inspector(String),
    #[error("not found")]
    NotFound(Box<ErrorMessage>),
    #[error("wrong signature")]
    WrongSignature(Box<ErrorMessage>),
}

fn place(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        "the source root".to_string()
    } else {
        format!("the directory {}", dir.display())
    }
}

/// The function's module, relative to the app directory.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FunctionModule {
    pub(crate) path: PathBuf,
}

impl FunctionModule {
    pub(crate) fn locate(app_dir: &Path, config: &FunctionConfig) -> Result<Self, FunctionError> {
        let dir = &config.source;
        let package = PackageJson::read(&app_dir.join(dir))?;
        let mut candidates: Vec<String> = package.main.iter().cloned().collect();
        candidates.extend(ENTRY_FALLBACKS.iter().map(ToString::to_string));
        for candidate in &candidates {
            let path = normalized(&dir.join(candidate));
            let resolved = [path.clone(), path.with_extension("js"), path.join("index.js")];
            if let Some(found) = resolved.into_iter().find(|path| app_dir.join(path).is_file()) {
                return Ok(Self { path: found });
            }
        }
        Err(FunctionError::NoModule { dir: dir.clone(), looked_for: candidates })
    }

    /// Lists the module's exports with `inspector` (framework/inspect-exports.mjs) and checks
    /// that `config` names a function of its signature type.
    pub(crate) fn check(
        &self,
        app_dir: &Path,
        inspector: &Path,
        env: &libcnb::Env,
        config: &FunctionConfig,
    ) -> Result<(), FunctionError> {
        let output = Command::new("node")
            .arg(inspector)
            .arg(app_dir.join(&self.path))
            .current_dir(app_dir)
            .envs(env)
            .output()
            .map_err(|error| FunctionError::Inspector(error.to_string()))?;
        if !output.status.success() {
            let stack = String::from_utf8_lossy(&output.stderr).into_owned();
            eprintln!("{stack}");
            let first = stack.lines().find(|line| !line.trim().is_empty()).unwrap_or("no error message").to_string();
            return Err(FunctionError::Load(first));
        }
        let listing: Listing = serde_json::from_slice(&output.stdout)
            .map_err(|error| FunctionError::Inspector(format!("unreadable listing: {error}")))?;
        check_export(&listing.exports, &self.path, config)
    }
}

/// `a/./b/../c` as `a/c`, so messages and the image show plain paths.
fn normalized(path: &Path) -> PathBuf {
    let mut result = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                result.pop();
            }
            other => result.push(other),
        }
    }
    result
}

#[derive(Debug, Deserialize)]
struct Listing {
    exports: Vec<Export>,
}

#[derive(Debug, Deserialize)]
struct Export {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    length: Option<u32>,
}

impl Export {
    fn signature(&self) -> String {
        match self.length {
            Some(length) => format!("a function of {length} parameter{}", if length == 1 { "" } else { "s" }),
            None => format!("a {}, not a function", self.kind),
        }
    }

    /// The signature types its parameter count fits. JavaScript has no parameter types, so the
    /// count is all there is: `(req, res)` is http, `(cloudEvent)` (or with a callback) is a
    /// cloudevent; `(...args)` declares none and could be either.
    fn fits(&self) -> Vec<SignatureType> {
        match self.length {
            Some(0 | 2) => vec![SignatureType::Http, SignatureType::CloudEvent],
            Some(1) => vec![SignatureType::CloudEvent],
            Some(3) => vec![SignatureType::Http],
            _ => vec![],
        }
    }
}

fn expected(signature: SignatureType) -> &'static str {
    match signature {
        SignatureType::Http => "(req, res) => { … } (async functions and returned promises work)",
        SignatureType::CloudEvent => "(cloudEvent) => { … } (async, or returning a promise, works)",
    }
}

fn check_export(exports: &[Export], module: &Path, config: &FunctionConfig) -> Result<(), FunctionError> {
    let Some(export) = exports.iter().find(|export| export.name == config.target) else {
        let candidates: Vec<FoundFunction> = exports
            .iter()
            .filter(|export| export.length.is_some())
            .map(|export| FoundFunction { name: export.name.clone(), signature: export.signature() })
            .collect();
        let place = format!("the module {}", module.display());
        return Err(FunctionError::NotFound(Box::new(function_not_found(&config.target, &place, &candidates, None))));
    };
    let fits = export.fits();
    if fits.contains(&config.signature) {
        return Ok(());
    }
    let found = FoundFunction { name: export.name.clone(), signature: export.signature() };
    let message = wrong_signature(&found, config.signature, expected(config.signature), fits.first().copied());
    Err(FunctionError::WrongSignature(Box::new(message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(target: &str, signature: SignatureType, source: &str) -> FunctionConfig {
        FunctionConfig { target: target.into(), signature, source: PathBuf::from(source) }
    }

    fn app(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    #[test]
    fn the_module_is_main_then_index_then_function() {
        let http = config("f", SignatureType::Http, "");
        let main = app(&[("package.json", r#"{"main": "./lib/fn"}"#), ("lib/fn.js", ""), ("index.js", "")]);
        assert_eq!(FunctionModule::locate(main.path(), &http).expect("found").path, Path::new("lib/fn.js"));
        let function = app(&[("function.js", "")]);
        assert_eq!(FunctionModule::locate(function.path(), &http).expect("found").path, Path::new("function.js"));
        let nested = app(&[("api/index.js", "")]);
        let api = config("f", SignatureType::Http, "api");
        assert_eq!(FunctionModule::locate(nested.path(), &api).expect("found").path, Path::new("api/index.js"));
        let none = FunctionModule::locate(app(&[("package.json", "{}")]).path(), &http).expect_err("none");
        assert!(none.to_string().contains("the source root has no index.js, function.js"), "{none}");
    }

    fn export(name: &str, length: Option<u32>) -> Export {
        Export { name: name.into(), kind: if length.is_some() { "function" } else { "object" }.into(), length }
    }

    #[test]
    fn a_missing_export_lists_the_functions_there_are() {
        let exports = [export("goodbye", Some(2)), export("config", None)];
        let Err(FunctionError::NotFound(message)) =
            check_export(&exports, Path::new("index.js"), &config("hello", SignatureType::Http, ""))
        else {
            panic!("expected not found");
        };
        assert!(message.body.contains("  goodbye: a function of 2 parameters"), "{}", message.body);
        assert!(!message.body.contains("config"), "{}", message.body);
        assert!(message.advice.contains("FUNC_NAME=goodbye"), "{}", message.advice);
    }

    #[test]
    fn the_parameter_count_must_fit_the_signature_type() {
        let exports = [export("event", Some(1)), export("both", Some(2)), export("value", None)];
        let check = |name, signature| check_export(&exports, Path::new("index.js"), &config(name, signature, ""));
        assert!(check("both", SignatureType::Http).is_ok());
        assert!(check("event", SignatureType::CloudEvent).is_ok());
        let Err(FunctionError::WrongSignature(message)) = check("event", SignatureType::Http) else {
            panic!("expected a wrong signature");
        };
        assert!(message.body.contains("a function of 1 parameter\n"), "{}", message.body);
        assert!(message.advice.contains("FUNC_SIGNATURE_TYPE=cloudevent"), "{}", message.advice);
        assert!(matches!(check("value", SignatureType::Http), Err(FunctionError::WrongSignature(_))));
    }

    #[test]
    fn func_name_must_be_a_javascript_identifier() {
        assert!((JS_IDENTIFIER.is_identifier)("$hello_World2"));
        assert!(!(JS_IDENTIFIER.is_identifier)("Hello;rm -rf /"));
        assert!(!(JS_IDENTIFIER.is_identifier)("2fast"));
    }
}
