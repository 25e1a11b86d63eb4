//! The buildpack's error: one variant per module error, each turned into the message the
//! user reads (header, body, advice) with its kind.

use crate::detect::DetectError;
use crate::function::FunctionError;
use crate::go_mod::GoModError;
use kiln_buildpack::{CoreError, ToolError};
use kiln_error::{ErrorKind, ErrorMessage};
use kiln_function::{ConfigError, InvalidFunctionName};

/// The large payloads are boxed so `libcnb::Result` stays small on the happy path.
#[derive(Debug)]
pub(crate) enum GoFunctionError {
    Detect(DetectError),
    GoMod(GoModError),
    /// The toolchain (inventory, version, download), the caches and the keep setting.
    Core(Box<CoreError>),
    Compile(ToolError),
    FunctionConfig(ConfigError),
    FunctionName(InvalidFunctionName),
    Function(Box<FunctionError>),
    /// Files of a function build: the generated package, the inspector.
    Scratch(std::io::Error),
}

impl From<GoFunctionError> for libcnb::Error<GoFunctionError> {
    fn from(error: GoFunctionError) -> Self {
        Self::BuildpackError(error)
    }
}

impl From<CoreError> for GoFunctionError {
    fn from(error: CoreError) -> Self {
        Self::Core(Box::new(error))
    }
}

impl GoFunctionError {
    pub(crate) fn message(self) -> ErrorMessage {
        let message = |kind, header: &str, body: String, advice: &str| ErrorMessage::new(kind, header, body, advice);
        match self {
            Self::Detect(error) => message(
                ErrorKind::InvalidSource,
                "Cannot read the source",
                error.to_string(),
                "Make every file of the source readable and build again.",
            ),
            Self::GoMod(error) => message(
                ErrorKind::InvalidSource,
                "Cannot use go.mod",
                error.to_string(),
                "Fix go.mod: `go mod edit -go=1.26` writes a valid go line.",
            ),
            Self::Core(error) => error.message(),
            Self::Compile(error) => error.message(
                ErrorKind::CompileError,
                "Compiling the Go code failed",
                "Fix the errors above (paths are relative to the source root) and build again.",
            ),
            Self::FunctionConfig(error) => error.message(),
            Self::FunctionName(error) => error.message(),
            Self::Function(error) => error.message(),
            Self::Scratch(error) => message(
                ErrorKind::FilesystemError,
                "Cannot write the function build's files",
                error.to_string(),
                "Check that the build's temporary directory (/tmp) and layers directory are writable and have free space.",
            ),
        }
    }
}
