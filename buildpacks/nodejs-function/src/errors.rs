//! The buildpack's error: one variant per module error, each turned into the message the
//! user reads (header, body, advice) with its kind.

use crate::app::UnsupportedStartScript;
use crate::function::FunctionError;
use crate::install::InstallError;
use crate::layers::package_manager::ToolInstallError;
use crate::package_json::PackageJsonError;
use crate::package_manager::{Manager, PackageManagerError};
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
    PackageManager(PackageManagerError),
    PackageManagerTool(Box<ToolInstallError>),
    Install(Box<InstallError>),
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
            Self::PackageManager(error) => package_manager_message(&error),
            Self::PackageManagerTool(error) => tool_install_message(&error),
            Self::Install(error) => install_message(*error),
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

fn package_manager_message(error: &PackageManagerError) -> ErrorMessage {
    let body = error.to_string();
    let (kind, header, advice) = match error {
        PackageManagerError::Malformed(_) | PackageManagerError::DigestAlgorithm(_) => (
            ErrorKind::InvalidSource,
            "Cannot read package.json's `packageManager`",
            "Write it as corepack does, e.g. `\"packageManager\": \"pnpm@10.34.8\"`: `corepack use pnpm@10` writes it with its digest.",
        ),
        PackageManagerError::Unknown(_) => (
            ErrorKind::InvalidSource,
            "The package manager package.json names is not supported",
            "Name npm, pnpm or yarn in `packageManager`, or remove it to install with npm.",
        ),
        PackageManagerError::Conflict { .. } | PackageManagerError::SeveralLockfiles(_) => (
            ErrorKind::InvalidSource,
            "The source's package manager is ambiguous",
            "Keep the lockfile of the package manager you use, and name it in package.json's `packageManager`.",
        ),
        PackageManagerError::UnsupportedYarn(_) => (
            ErrorKind::UnsupportedVersion,
            "This yarn release is not supported",
            "Use yarn 4 (`corepack use yarn@4`) or yarn 1: yarn 2 and 3 need a plugin from GitHub to install without devDependencies.",
        ),
    };
    ErrorMessage::new(kind, header, body, advice)
}

fn tool_install_message(error: &ToolInstallError) -> ErrorMessage {
    let body = error.to_string();
    match error {
        ToolInstallError::Download { .. } | ToolInstallError::Listing { .. } | ToolInstallError::Install { .. } => {
            ErrorMessage::new(
                ErrorKind::DependencyInstallFailed,
                "Cannot install the package manager",
                body,
                "Check the version in package.json (`packageManager` or `engines`), and that the registry \
                 (NPM_CONFIG_REGISTRY or .npmrc) serves it.",
            )
        }
        ToolInstallError::DigestMismatch { .. } => ErrorMessage::new(
            ErrorKind::ChecksumMismatch,
            "The package manager's download does not match `packageManager`",
            body,
            "If the registry is a mirror, check that it serves the original package; \
             `corepack use <name>@<version>` writes the right digest.",
        ),
        ToolInstallError::Io(_) => ErrorMessage::new(
            ErrorKind::FilesystemError,
            "Cannot write the package manager's layer",
            body,
            "Check that the layers directory is writable and has free space.",
        ),
    }
}

fn install_message(error: InstallError) -> ErrorMessage {
    let body = error.to_string();
    match error {
        InstallError::LockfileOutOfSync { manager, .. } => ErrorMessage::new(
            ErrorKind::LockfileOutOfSync,
            format!("{} is out of sync with package.json", manager.lockfile()),
            body,
            format!("Run `{manager} install` to update {}, commit it, and build again.", manager.lockfile()),
        ),
        InstallError::InstallFailed { manager, package, .. } => ErrorMessage::new(
            ErrorKind::DependencyInstallFailed,
            &match &package {
                Some(package) => format!("The dependency `{package}` failed to install"),
                None => "Installing the dependencies failed".to_string(),
            },
            body,
            format!(
                "Check the dependency's name and version in package.json ({manager}'s messages are above), and that the \
                 registry ({}) serves it.",
                registry_settings(manager)
            ),
        ),
        InstallError::ScriptFailed { script, source } => source.message(
            ErrorKind::CompileError,
            &format!("The `{script}` script failed"),
            "Fix the errors above and build again; running the script locally reproduces them.",
        ),
        InstallError::PlugAndPlay => ErrorMessage::new(
            ErrorKind::InvalidSource,
            "yarn's Plug'n'Play cannot run in the image",
            body,
            "Set `nodeLinker: node-modules` in .yarnrc.yml (or remove the line: kiln's default), and build again.",
        ),
        InstallError::InstallRecord(_) => ErrorMessage::new(
            ErrorKind::FilesystemError,
            "Cannot write the dependencies' layer",
            body,
            "Check that the layers directory is writable and has free space.",
        ),
        InstallError::Tool(error) => tool_message(error),
    }
}

/// Where each manager reads its registry from.
fn registry_settings(manager: Manager) -> &'static str {
    match manager {
        Manager::YarnBerry => "NPM_CONFIG_REGISTRY, YARN_NPM_REGISTRY_SERVER or .yarnrc.yml",
        Manager::YarnClassic => "NPM_CONFIG_REGISTRY, .npmrc or .yarnrc",
        Manager::Npm | Manager::Pnpm => "NPM_CONFIG_REGISTRY or .npmrc",
    }
}

fn tool_message(error: ToolError) -> ErrorMessage {
    error.message(ErrorKind::DependencyInstallFailed, "The package manager failed", "See its output above.")
}
