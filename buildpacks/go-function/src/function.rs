//! A function build: finding the function's package, checking the function against its
//! signature type before any code is generated, and the messages when either fails.

use crate::go_mod::GoMod;
use crate::package_info::{GoFunction, PackageInfo, PackageInfoError};
use crate::signature::{expected_signature, implements, signature_type_of};
use kiln_error::{ErrorKind, ErrorMessage};
use kiln_function::{
    function_not_found, wrong_signature, FoundFunction, FunctionConfig, IdentifierRule, SignatureType, FUNCTION_SOURCE,
    FUNCTION_TARGET,
};
use std::path::{Path, PathBuf};

/// Go identifiers (the spec's `letter { letter | unicode_digit }`, `_` being a letter). Rust's
/// `is_alphabetic` and `is_numeric` take a few characters more than Go's letter and digit
/// classes, never fewer: a name this refuses can never be a Go function, and the rare one it
/// lets through is reported as not found by the package inspection.
pub(crate) const GO_IDENTIFIER: IdentifierRule = IdentifierRule {
    language: "Go",
    description: "letters, digits and underscores, not starting with a digit",
    is_identifier: is_go_identifier,
};

fn is_go_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|first| first == '_' || first.is_alphabetic())
        && chars.all(|rest| rest == '_' || rest.is_alphanumeric())
}

/// The package holding the function.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct FunctionPackage {
    pub(crate) dir: PathBuf,
    pub(crate) import_path: String,
    /// How messages name it: "the source root" or "`FUNC_SRC` directory `x`".
    pub(crate) place: String,
}

#[derive(Debug, thiserror::Error)]
pub(crate) enum FunctionError {
    #[error("go.mod has no `module` line, so its packages have no import path")]
    NoModulePath,
    #[error("{} is `{directory}`, but the source has no such directory", FUNCTION_SOURCE.name)]
    SourceNotADirectory { directory: String },
    #[error("{place} holds no Go files (tests and files excluded by build constraints do not count)")]
    NoGoFiles { place: String },
    #[error("{place} holds package `main`: a function build imports the function's package into a generated `main` package, and Go cannot import a `main` package")]
    MainPackage { place: String },
    #[error("function `{target}` not found in {place}")]
    NotFound { target: String, place: String, candidates: Vec<GoFunction>, unexported: Option<String> },
    #[error("function `{}` is not a {signature_type} function", function.name)]
    WrongSignature { function: GoFunction, signature_type: SignatureType },
    #[error(transparent)]
    Describe(#[from] PackageInfoError),
}

impl FunctionPackage {
    pub(crate) fn locate(app_dir: &Path, go_mod: &GoMod, config: &FunctionConfig) -> Result<Self, FunctionError> {
        let module = go_mod.module.as_deref().ok_or(FunctionError::NoModulePath)?;
        let dir = app_dir.join(&config.source);
        if !dir.is_dir() {
            return Err(FunctionError::SourceNotADirectory { directory: config.source.display().to_string() });
        }
        let relative: Vec<String> = config.source.iter().map(|part| part.to_string_lossy().into_owned()).collect();
        Ok(if relative.is_empty() {
            Self { dir, import_path: module.to_string(), place: "the source root".to_string() }
        } else {
            let relative = relative.join("/");
            Self {
                dir,
                import_path: format!("{module}/{relative}"),
                place: format!("{} directory `{relative}`", FUNCTION_SOURCE.name),
            }
        })
    }

    /// Checks that `info` (this package's description) defines `config.target` with the
    /// signature of `config.signature`. A package that does not parse passes: the compiler
    /// then reports the error at its file and line.
    pub(crate) fn check(&self, info: &PackageInfo, config: &FunctionConfig) -> Result<(), FunctionError> {
        if info.parse_error.is_some() {
            return Ok(());
        }
        if info.name.is_empty() {
            return Err(FunctionError::NoGoFiles { place: self.place.clone() });
        }
        if info.name == "main" {
            return Err(FunctionError::MainPackage { place: self.place.clone() });
        }
        let Some(function) = info.functions.iter().find(|function| function.name == config.target) else {
            return Err(FunctionError::NotFound {
                target: config.target.clone(),
                place: format!("package `{}` ({}, {})", info.name, self.import_path, self.place),
                candidates: info.functions.clone(),
                unexported: info.unexported.iter().find(|name| name.eq_ignore_ascii_case(&config.target)).cloned(),
            });
        };
        if implements(function, config.signature) {
            Ok(())
        } else {
            Err(FunctionError::WrongSignature { function: function.clone(), signature_type: config.signature })
        }
    }
}

impl FunctionError {
    pub(crate) fn message(self) -> ErrorMessage {
        let message = |kind, header: &str, body: String, advice: String| ErrorMessage::new(kind, header, body, advice);
        let set_source = format!(
            "Set {} to the directory of the function's package, relative to the source root (unset means the root).",
            FUNCTION_SOURCE.name
        );
        match self {
            Self::NoModulePath => message(
                ErrorKind::InvalidSource,
                "go.mod has no module path",
                self.to_string(),
                "Add a `module` line to go.mod (`go mod init example.com/function` writes one).".to_string(),
            ),
            Self::SourceNotADirectory { .. } => message(ErrorKind::InvalidFunctionConfig, "The function's directory does not exist", self.to_string(), set_source),
            Self::NoGoFiles { .. } => message(ErrorKind::InvalidFunctionConfig, "No Go files for the function", self.to_string(), set_source),
            Self::MainPackage { .. } => message(
                ErrorKind::InvalidFunctionConfig,
                &format!("{} is set, but the function's package is `main`", FUNCTION_TARGET.name),
                self.to_string(),
                format!(
                    "Unset {} to build the `main` package as an app, or put the function in a package with another name (e.g. `package function`).",
                    FUNCTION_TARGET.name
                ),
            ),
            Self::NotFound { target, place, candidates, unexported } => {
                let note = unexported.map(|name| {
                    format!("It has `{name}`, which is unexported: Go packages only export names that start with an upper-case letter, so rename it (e.g. `{}`).", exported_spelling(&name))
                });
                let candidates: Vec<FoundFunction> = candidates.iter().map(found).collect();
                function_not_found(&target, &place, &candidates, note.as_deref())
            }
            Self::WrongSignature { function, signature_type } => wrong_signature(
                &found(&function),
                signature_type,
                expected_signature(signature_type),
                signature_type_of(&function),
            ),
            Self::Describe(error) => message(
                ErrorKind::InvalidSource,
                "Cannot read the function's package",
                error.to_string(),
                "Check that the function's directory is a readable Go package.".to_string(),
            ),
        }
    }
}

fn found(function: &GoFunction) -> FoundFunction {
    FoundFunction { name: function.name.clone(), signature: function.signature.clone() }
}

fn exported_spelling(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn http_function(name: &str) -> GoFunction {
        GoFunction {
            name: name.into(),
            signature: "func(w http.ResponseWriter, r *http.Request)".into(),
            params: vec!["net/http.ResponseWriter".into(), "*net/http.Request".into()],
            results: vec![],
            generic: false,
        }
    }

    fn config(target: &str, signature: SignatureType) -> FunctionConfig {
        FunctionConfig { target: target.into(), signature, source: PathBuf::new() }
    }

    fn package() -> FunctionPackage {
        FunctionPackage {
            dir: PathBuf::from("/workspace"),
            import_path: "example.com/fn".into(),
            place: "the source root".into(),
        }
    }

    fn info(name: &str, functions: Vec<GoFunction>, unexported: &[&str]) -> PackageInfo {
        PackageInfo {
            name: name.into(),
            functions,
            unexported: unexported.iter().map(ToString::to_string).collect(),
            parse_error: None,
        }
    }

    #[test]
    fn go_identifiers_are_letters_digits_and_underscores_not_starting_with_a_digit() {
        for name in ["HelloWorld", "_private", "Größe", "Ω2", "handler_v2"] {
            assert!(is_go_identifier(name), "{name}");
        }
        for name in ["", "Hello;rm -rf /", "2fast", "Hello World", "pkg.Hello", "Hello()", "a-b"] {
            assert!(!is_go_identifier(name), "{name}");
        }
    }

    #[test]
    fn locates_the_package_by_module_path_and_func_src() {
        let app = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(app.path().join("functions/hello")).expect("dirs");
        let go_mod = GoMod { module: Some("example.com/fn".into()), ..GoMod::default() };
        let root = FunctionPackage::locate(app.path(), &go_mod, &config("Hello", SignatureType::Http)).expect("root");
        assert_eq!(root.import_path, "example.com/fn");
        let nested =
            FunctionConfig { source: PathBuf::from("functions/hello"), ..config("Hello", SignatureType::Http) };
        let located = FunctionPackage::locate(app.path(), &go_mod, &nested).expect("nested");
        assert_eq!(located.import_path, "example.com/fn/functions/hello");
        assert_eq!(located.dir, app.path().join("functions/hello"));
        let missing = FunctionConfig { source: PathBuf::from("nope"), ..config("Hello", SignatureType::Http) };
        assert!(matches!(
            FunctionPackage::locate(app.path(), &go_mod, &missing),
            Err(FunctionError::SourceNotADirectory { .. })
        ));
        assert!(matches!(
            FunctionPackage::locate(app.path(), &GoMod::default(), &nested),
            Err(FunctionError::NoModulePath)
        ));
    }

    #[test]
    fn accepts_a_function_with_the_right_signature() {
        let info = info("fn", vec![http_function("Hello")], &[]);
        package().check(&info, &config("Hello", SignatureType::Http)).expect("an http function");
    }

    #[test]
    fn a_missing_function_lists_the_exported_ones() {
        let info = info("fn", vec![http_function("Hello"), http_function("Bye")], &["hello"]);
        let error = package().check(&info, &config("Helo", SignatureType::Http)).expect_err("missing");
        let message = error.message();
        assert!(message.body.contains("  Hello: func(w http.ResponseWriter, r *http.Request)"), "{}", message.body);
        assert!(message.body.contains("  Bye: "), "{}", message.body);
        let unexported = package().check(&info, &config("HELLO", SignatureType::Http)).expect_err("unexported");
        let message = unexported.message();
        assert!(message.body.contains("`hello`, which is unexported"), "{message:?}");
    }

    #[test]
    fn a_wrong_signature_names_the_expected_one_and_the_type_that_fits() {
        let info = info("fn", vec![http_function("Hello")], &[]);
        let message = package().check(&info, &config("Hello", SignatureType::CloudEvent)).expect_err("wrong").message();
        assert!(message.body.contains("func(context.Context, event.Event) error"), "{}", message.body);
        assert!(message.advice.contains("FUNC_SIGNATURE_TYPE=http"), "{}", message.advice);
    }

    #[test]
    fn main_packages_and_empty_directories_are_refused() {
        let main =
            package().check(&info("main", vec![http_function("Hello")], &[]), &config("Hello", SignatureType::Http));
        assert!(matches!(main, Err(FunctionError::MainPackage { .. })), "{main:?}");
        let empty = package().check(&info("", vec![], &[]), &config("Hello", SignatureType::Http));
        assert!(matches!(empty, Err(FunctionError::NoGoFiles { .. })), "{empty:?}");
    }

    #[test]
    fn a_package_that_does_not_parse_is_left_to_the_compiler() {
        let broken =
            PackageInfo { parse_error: Some("fn.go:3:1: expected declaration".into()), ..PackageInfo::default() };
        package().check(&broken, &config("Hello", SignatureType::Http)).expect("the compiler reports it");
    }
}
