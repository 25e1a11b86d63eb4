//! The buildpack's error: one variant per module error, each turned into the message the
//! user reads (header, body, advice) with its kind.

use crate::bytecode::BytecodeError;
use crate::function::FunctionError;
use crate::packages::InstallError;
use crate::project::ProjectError;
use crate::start::StartError;
use kiln_buildpack::CoreError;
use kiln_error::{ErrorKind, ErrorMessage};
use kiln_function::{ConfigError, InvalidFunctionName};

#[derive(Debug)]
pub(crate) enum PythonFunctionError {
    Project(ProjectError),
    /// The runtime and uv (inventory, version, download) and the caches.
    Core(Box<CoreError>),
    FunctionConfig(ConfigError),
    FunctionName(InvalidFunctionName),
    Function(Box<FunctionError>),
    Start(StartError),
    Install(Box<InstallError>),
    Bytecode(Box<BytecodeError>),
    /// Writing the framework, unpacking uv.
    Layer(std::io::Error),
    /// kiln's server has no wheels for this Python (one from a `KILN_INVENTORY` mirror).
    NoServerFor {
        python: String,
        supported: Vec<&'static str>,
    },
}

impl From<PythonFunctionError> for libcnb::Error<PythonFunctionError> {
    fn from(error: PythonFunctionError) -> Self {
        Self::BuildpackError(error)
    }
}

impl From<CoreError> for PythonFunctionError {
    fn from(error: CoreError) -> Self {
        Self::Core(Box::new(error))
    }
}

impl PythonFunctionError {
    pub(crate) fn message(self) -> ErrorMessage {
        match self {
            Self::Project(error) => ErrorMessage::new(
                ErrorKind::InvalidSource,
                format!("Cannot use {}", error.file()),
                error.to_string(),
                "Fix the file and build again.",
            ),
            Self::Core(error) => error.message(),
            Self::FunctionConfig(error) => error.message(),
            Self::FunctionName(error) => error.message(),
            Self::Function(error) => error.message(),
            Self::Start(error) => error.message(),
            Self::Install(error) => error.message(),
            Self::Bytecode(error) => error.message(),
            Self::Layer(error) => ErrorMessage::new(
                ErrorKind::FilesystemError,
                "Cannot write the build's layers",
                error.to_string(),
                "Check that the layers directory is writable and has free space, or clear the build cache.",
            ),
            Self::NoServerFor { python, supported } => ErrorMessage::new(
                ErrorKind::UnsupportedVersion,
                format!("kiln's function server does not support Python {python}"),
                format!("The buildpack carries its server for Python {} only.", supported.join(", ")),
                "Ask for one of those versions in .python-version (or runtime.txt, or requires-python).",
            ),
        }
    }
}
