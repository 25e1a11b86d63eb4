//! The buildpack's error: one variant per module error, each turned into the message the
//! user reads (header, body, advice) with its kind.

use crate::compile::CompileError;
use crate::function::{expected_signature, FunctionError};
use crate::package::{PackageError, FUNC_BIN_ENV};
use kiln_buildpack::CoreError;
use kiln_error::{ErrorKind, ErrorMessage};
use kiln_function::{ConfigError, FunctionConfig, InvalidFunctionName, FUNCTION_SOURCE};
use kiln_rust::cargo_toml::CargoTomlError;
use kiln_rust::toolchain::ToolchainFileError;
use kiln_rust::WasmTargetError;

/// The large payloads are boxed so `libcnb::Result` stays small on the happy path.
#[derive(Debug)]
pub(crate) enum RustFunctionError {
    Detect(WasmTargetError),
    CargoToml(CargoTomlError),
    ToolchainFile(ToolchainFileError),
    /// The toolchain (inventory, version, download), the caches and the keep setting.
    Core(Box<CoreError>),
    /// `cargo metadata` could not read the source's packages.
    Metadata(String),
    Package(PackageError),
    FunctionConfig(ConfigError),
    FunctionName(InvalidFunctionName),
    Function(FunctionError),
    Compile {
        error: CompileError,
        function: Option<Box<FunctionConfig>>,
    },
    UserLock(toml::de::Error),
    /// Files of the build: the generated server, `CARGO_HOME`, the launch layer.
    Scratch(std::io::Error),
}

impl From<RustFunctionError> for libcnb::Error<RustFunctionError> {
    fn from(error: RustFunctionError) -> Self {
        Self::BuildpackError(error)
    }
}

/// The shared cargo layers' file errors (kiln-rust): files of the build.
impl From<std::io::Error> for RustFunctionError {
    fn from(error: std::io::Error) -> Self {
        Self::Scratch(error)
    }
}

impl From<CoreError> for RustFunctionError {
    fn from(error: CoreError) -> Self {
        Self::Core(Box::new(error))
    }
}

impl RustFunctionError {
    pub(crate) fn message(self) -> ErrorMessage {
        let message = |kind, header: &str, body: String, advice: &str| ErrorMessage::new(kind, header, body, advice);
        match self {
            Self::Detect(error) => message(
                ErrorKind::InvalidSource,
                "Cannot read the source",
                error.to_string(),
                "Make every file of the source readable and build again.",
            ),
            Self::CargoToml(error) => error.message(),
            Self::ToolchainFile(error) => error.message(),
            Self::Core(error) => error.message(),
            Self::Metadata(output) => message(
                ErrorKind::InvalidSource,
                "Cargo cannot read the source's packages",
                output,
                "Fix the manifest cargo names above; `cargo metadata --no-deps` shows the same locally.",
            ),
            Self::Package(error) => package_message(&error),
            Self::FunctionConfig(error) => error.message(),
            Self::FunctionName(error) => error.message(),
            Self::Function(FunctionError::NotFound(message) | FunctionError::WrongSignature(message)) => *message,
            Self::Function(error @ FunctionError::Read { .. }) => message(
                ErrorKind::InvalidSource,
                "Cannot read the function's crate",
                error.to_string(),
                "Make every file of the source readable and build again.",
            ),
            Self::Compile { error: CompileError::Generated, function: Some(config) } => ErrorMessage::new(
                ErrorKind::WrongSignature,
                format!("Function `{}` has the wrong signature", config.target),
                format!(
                    "Your crate compiles, but the server cannot call `{}` as a `{}` function, which must be\n  {}",
                    config.target,
                    config.signature,
                    expected_signature(config.signature, &config.target)
                ),
                "Change the function's argument and return types to the ones above (the http and bytes crates are version 1, cloudevents-sdk 0.9).",
            ),
            Self::Compile { error: CompileError::Tool(error), .. } => error.message(
                ErrorKind::CompileError,
                "Compiling the Rust code failed",
                "Fix the errors above (paths are relative to the source root) and build again.",
            ),
            Self::Compile { error, .. } => message(
                ErrorKind::Internal,
                "The build gave no binary",
                error.to_string(),
                "This is a bug in kiln/rust-function: report it with this output.",
            ),
            Self::UserLock(error) => message(
                ErrorKind::InvalidSource,
                "Cannot read Cargo.lock",
                error.to_string(),
                "Regenerate it with `cargo generate-lockfile` (or remove it) and build again.",
            ),
            Self::Scratch(error) => message(
                ErrorKind::FilesystemError,
                "Cannot write the build's files",
                error.to_string(),
                "Check that the build's layers directory is writable and has free space.",
            ),
        }
    }
}

fn package_message(error: &PackageError) -> ErrorMessage {
    let body = error.to_string();
    let (kind, header, advice) = match error {
        PackageError::Metadata(_) => (ErrorKind::Internal, "Cannot read cargo's description of the source", "This is a bug in kiln/rust-function: report it with this output.".to_string()),
        PackageError::NoBinary => (
            ErrorKind::InvalidSource,
            "Nothing to build",
            "Set FUNC_NAME to a `pub fn` of the library to build a function, or add a binary target (src/main.rs) to build an app.".to_string(),
        ),
        PackageError::UnknownBinary { .. } | PackageError::SeveralBinaries(_) => (
            ErrorKind::InvalidSource,
            "Which binary to build?",
            format!("Set {FUNC_BIN_ENV} to one of the binaries above, e.g. `--env {FUNC_BIN_ENV}=NAME`."),
        ),
        PackageError::NoPackage(_) => (
            ErrorKind::InvalidFunctionConfig,
            "No crate where the function should be",
            format!("Set {} to the directory of the function's crate, relative to the source root.", FUNCTION_SOURCE.name),
        ),
        PackageError::NoLibrary(_) => (
            ErrorKind::InvalidSource,
            "The crate has no library",
            "Add src/lib.rs with the function as a `pub fn`, or unset FUNC_NAME to build the crate's binary as an app.".to_string(),
        ),
    };
    ErrorMessage::new(kind, header, body, advice)
}
