//! The buildpack's error: one variant per module error, each turned into the message the
//! user reads (header, body, advice) with its kind.

use crate::app::UnsupportedStartScript;
use crate::function::FunctionError;
use crate::npm::NpmError;
use crate::package_json::PackageJsonError;
use crate::syntax::SyntaxError;
use crate::toolchain::RequirementError;
use kiln_buildpack::{CoreError, ToolError};
use kiln_error::{ErrorKind, ErrorMessage};
use kiln_function::{ConfigError, InvalidFunctionName};

/// The large payloads are boxed so `libcnb::Result` stays small on the happy path.
#[derive(Debug)]
pub(crate) enum NodeFunctionError {
    PackageJson(PackageJsonError),
    Requirement(RequirementError),
    /// The toolchain (inventory, version, download) and the caches.
    Core(Box<CoreError>),
    FunctionConfig(ConfigError),
    FunctionName(InvalidFunctionName),
    Function(Box<FunctionError>),
    Npm(Box<NpmError>),
    Syntax(Box<SyntaxError>),
    StartScript(UnsupportedStartScript),
    /// Writing a layer's files (the node binary, the framework, the `node_modules` link).
    Layer(std::io::Error),
}

impl From<NodeFunctionError> for libcnb::Error<NodeFunctionError> {
    fn from(error: NodeFunctionError) -> Self {
        Self::BuildpackError(error)
    }
}

impl From<CoreError> for NodeFunctionError {
    fn from(error: CoreError) -> Self {
        Self::Core(Box::new(error))
    }
}

impl NodeFunctionError {
    pub(crate) fn message(self) -> ErrorMessage {
        let message = |kind, header: &str, body: String, advice: &str| ErrorMessage::new(kind, header, body, advice);
        match self {
            Self::PackageJson(error) => message(
                ErrorKind::InvalidSource,
                "Cannot use package.json",
                error.to_string(),
                "Fix package.json: `npm pkg get` shows where it stops being valid JSON.",
            ),
            Self::Requirement(error) => message(
                ErrorKind::InvalidSource,
                "Cannot read the Node.js version the source asks for",
                error.to_string(),
                "Write a version or range npm understands, e.g. `\"engines\": {\"node\": \"24.x\"}` in package.json.",
            ),
            Self::Core(error) => error.message(),
            Self::FunctionConfig(error) => error.message(),
            Self::FunctionName(error) => error.message(),
            Self::Function(error) => function_message(*error),
            Self::Npm(error) => npm_message(*error),
            Self::Syntax(error) => match *error {
                SyntaxError::Invalid { module, source } => source.message(
                    ErrorKind::CompileError,
                    &format!("{} has a syntax error", module.display()),
                    "Fix the error that node printed above (file:line, the line and a caret under the mistake) and build again.",
                ),
                SyntaxError::List(error) => message(
                    ErrorKind::InvalidSource,
                    "Cannot read the source",
                    error.to_string(),
                    "Make every file of the source readable and build again.",
                ),
            },
            Self::StartScript(error) => message(
                ErrorKind::InvalidSource,
                "The start script cannot run in the image",
                error.to_string(),
                "Write the start script as a node command line, e.g. `\"start\": \"node server.js\"`.",
            ),
            Self::Layer(error) => message(
                ErrorKind::FilesystemError,
                "Cannot write the build's layers",
                error.to_string(),
                "Check that the layers directory is writable and has free space.",
            ),
        }
    }
}

fn function_message(error: FunctionError) -> ErrorMessage {
    match error {
        FunctionError::NotFound(message) | FunctionError::WrongSignature(message) => *message,
        FunctionError::PackageJson(error) => NodeFunctionError::PackageJson(error).message(),
        error @ FunctionError::NoModule { .. } => ErrorMessage::new(
            ErrorKind::FunctionNotFound,
            "The function's module is missing",
            error.to_string(),
            "Add the module, set `main` in package.json to it, or point FUNC_SRC at its directory.",
        ),
        error @ FunctionError::Load(_) => ErrorMessage::new(
            ErrorKind::CompileError,
            "The function's module fails to load",
            error.to_string(),
            "Fix the error above (its stack names the file and line); a missing module needs listing in package.json's dependencies.",
        ),
        error @ FunctionError::Inspector(_) => ErrorMessage::new(
            ErrorKind::Internal,
            "Cannot inspect the function's module",
            error.to_string(),
            "This is a bug in kiln/nodejs-function: please report it with the build output.",
        ),
    }
}

fn npm_message(error: NpmError) -> ErrorMessage {
    let body = error.to_string();
    match error {
        NpmError::LockfileOutOfSync { .. } => ErrorMessage::new(
            ErrorKind::LockfileOutOfSync,
            "package-lock.json is out of sync with package.json",
            body,
            "Run `npm install` to update package-lock.json, commit it, and build again.",
        ),
        NpmError::InstallFailed { package, .. } => ErrorMessage::new(
            ErrorKind::DependencyInstallFailed,
            &match &package {
                Some(package) => format!("The dependency `{package}` failed to install"),
                None => "Installing the dependencies failed".to_string(),
            },
            body,
            "Check the dependency's name and version in package.json (npm's messages are above), and that the \
             registry (NPM_CONFIG_REGISTRY or .npmrc) serves it.",
        ),
        NpmError::ScriptFailed { script, source } => source.message(
            ErrorKind::CompileError,
            &format!("The `{script}` script failed"),
            "Fix the errors above and build again; `npm run <script>` reproduces them locally.",
        ),
        NpmError::Tool(error) => tool_message(error),
    }
}

fn tool_message(error: ToolError) -> ErrorMessage {
    error.message(ErrorKind::DependencyInstallFailed, "npm failed", "See npm's output above.")
}
