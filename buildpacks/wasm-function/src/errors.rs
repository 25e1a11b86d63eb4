//! The buildpack's error: one variant per module error, each turned into the message the
//! user reads (header, body, advice) with its kind.

use crate::compile::CompileError;
use crate::component::ComponentError;
use crate::detect::DetectError;
use crate::settings::SettingsError;
use kiln_buildpack::CoreError;
use kiln_error::{ErrorKind, ErrorMessage};
use kiln_rust::cargo_toml::CargoTomlError;
use kiln_rust::toolchain::ToolchainFileError;
use kiln_wasm_host::grants::DIR_GRANT;
use kiln_wasm_host::validate::{ComponentProblem, ALLOWED_IMPORTS, FILESYSTEM_IMPORTS, HANDLER_EXPORT};

#[derive(Debug)]
pub(crate) enum WasmFunctionError {
    Detect(DetectError),
    /// Detection passed but the build finds no source to build (the component `FUNC_SRC` names
    /// is not there).
    NoSource(String),
    CargoToml(CargoTomlError),
    ToolchainFile(ToolchainFileError),
    /// A limit or grant for the host that it cannot use.
    Settings(SettingsError),
    /// The toolchain (inventory, version, download), the caches and the keep setting.
    Core(Box<CoreError>),
    Compile(CompileError),
    Component(ComponentError),
    /// Files of the build: `CARGO_HOME`, the launch layer.
    Scratch(std::io::Error),
}

impl From<WasmFunctionError> for libcnb::Error<WasmFunctionError> {
    fn from(error: WasmFunctionError) -> Self {
        Self::BuildpackError(error)
    }
}

impl From<CoreError> for WasmFunctionError {
    fn from(error: CoreError) -> Self {
        Self::Core(Box::new(error))
    }
}

/// The shared cargo layers' file errors (kiln-rust): files of the build.
impl From<std::io::Error> for WasmFunctionError {
    fn from(error: std::io::Error) -> Self {
        Self::Scratch(error)
    }
}

impl WasmFunctionError {
    pub(crate) fn message(self) -> ErrorMessage {
        let message = |kind, header: &str, body: String, advice: &str| ErrorMessage::new(kind, header, body, advice);
        match self {
            Self::Detect(error) => message(
                ErrorKind::InvalidSource,
                "Cannot read the source",
                error.to_string(),
                "Make every file of the source readable and build again.",
            ),
            Self::NoSource(reason) => message(
                ErrorKind::InvalidFunctionConfig,
                "No component to serve",
                reason,
                "Set FUNC_SRC to the .wasm file's path relative to the source root, or unset it.",
            ),
            Self::Settings(error) => message(
                ErrorKind::InvalidFunctionConfig,
                "A setting of the Wasm host cannot be used",
                error.to_string(),
                "Fix or unset the variable (in project.toml's [[build.env]] or `kiln build --env`) and build again; the README's Wasm host section lists each form.",
            ),
            Self::CargoToml(error) => error.message(),
            Self::ToolchainFile(error) => error.message(),
            Self::Core(error) => error.message(),
            Self::Compile(CompileError::Tool(error)) => error.message(
                ErrorKind::CompileError,
                "Compiling the Rust code for wasm32-wasip2 failed",
                "Fix the errors above (paths are relative to the source root) and build again.",
            ),
            Self::Compile(error @ CompileError::NoComponent(_)) => message(
                ErrorKind::InvalidSource,
                "The crate built no component",
                error.to_string(),
                "Make the crate a library with `[lib] crate-type = [\"cdylib\"]` that exports wasi:http/incoming-handler (the wasip2 crate's `wasip2::http::proxy::export!` does).",
            ),
            Self::Component(error) => component_message(&error),
            Self::Scratch(error) => message(
                ErrorKind::FilesystemError,
                "Cannot write the build's files",
                error.to_string(),
                "Check that the build's layers directory is writable and has free space.",
            ),
        }
    }
}

fn component_message(error: &ComponentError) -> ErrorMessage {
    let body = error.to_string();
    let (kind, header, advice) = match error {
        ComponentError::Read { .. } => (
            ErrorKind::InvalidSource,
            "Cannot read the component",
            "Make the .wasm file readable and build again.".to_string(),
        ),
        ComponentError::Invalid { problem: ComponentProblem::NotWasm(_), .. } => (
            ErrorKind::InvalidSource,
            "The file is not WebAssembly",
            "Point FUNC_SRC at the component (a .wasm file), or build one for wasm32-wasip2.".to_string(),
        ),
        ComponentError::Invalid { problem: ComponentProblem::CoreModule, .. } => (
            ErrorKind::InvalidSource,
            "A core WebAssembly module, not a component",
            "kiln serves WASI 0.2 components: build for wasm32-wasip2 (not wasm32-wasip1 or wasm32-unknown-unknown), or wrap the module with `wasm-tools component new`.".to_string(),
        ),
        ComponentError::Invalid { problem: ComponentProblem::NoHandler(_), .. } => (
            ErrorKind::FunctionNotFound,
            "The component serves no HTTP requests",
            format!("Export {HANDLER_EXPORT} (the wasi:http/proxy world), e.g. with `wasip2::http::proxy::export!` in a Rust cdylib; a command's `main` is not served."),
        ),
        ComponentError::Invalid { problem: ComponentProblem::ImportsOutsideProxy(_), .. } => (
            ErrorKind::WrongSignature,
            "The component needs what kiln's host does not grant",
            format!(
                "Import only the wasi:http/proxy world ({}). {} are allowed when {DIR_GRANT} grants a directory of the source; sockets never are.",
                ALLOWED_IMPORTS.join(", "),
                FILESYSTEM_IMPORTS.join(" and ")
            ),
        ),
        ComponentError::Precompile { .. } => (
            ErrorKind::InvalidSource,
            "The component does not compile",
            "wasmtime's error is above: the component may use a WebAssembly feature wasmtime 48 does not support.".to_string(),
        ),
    };
    ErrorMessage::new(kind, header, body, advice)
}
