//! What the host serves: a component of the `wasi:http/proxy` world. Checked at build time from
//! the component's own import and export names, so a wrong file fails the build with what was
//! found instead of failing every request.

use wasmparser::{Parser, Payload};

/// The interface a component serves requests through.
pub const HANDLER_EXPORT: &str = "wasi:http/incoming-handler";
/// The `wasi:http/proxy` world's imports (WASI 0.2), then the `wasi:cli` interfaces Rust's
/// standard library imports for wasm32-wasip2 (for `std::env`, `std::process::exit` and
/// `IsTerminal`), which give nothing of the host away: the environment is empty (no variables,
/// no arguments), exit ends the request (500) and there is no terminal. No filesystem and no
/// sockets; outgoing HTTP is linked, and refused but to the hosts a grant allows.
pub const ALLOWED_IMPORTS: [&str; 18] = [
    "wasi:io/error",
    "wasi:io/poll",
    "wasi:io/streams",
    "wasi:clocks/monotonic-clock",
    "wasi:clocks/wall-clock",
    "wasi:random/random",
    "wasi:cli/stdout",
    "wasi:cli/stderr",
    "wasi:cli/stdin",
    "wasi:http/types",
    "wasi:http/outgoing-handler",
    "wasi:cli/environment",
    "wasi:cli/exit",
    "wasi:cli/terminal-input",
    "wasi:cli/terminal-output",
    "wasi:cli/terminal-stdin",
    "wasi:cli/terminal-stdout",
    "wasi:cli/terminal-stderr",
];
/// The filesystem interfaces, allowed when `FUNC_WASM_DIR` grants a directory (Rust's standard
/// library imports them for `std::fs`).
pub const FILESYSTEM_IMPORTS: [&str; 2] = ["wasi:filesystem/types", "wasi:filesystem/preopens"];
const WASI_VERSION: &str = "0.2.";

/// Whether the component may import [`FILESYSTEM_IMPORTS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filesystem {
    Refused,
    Granted,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ComponentProblem {
    #[error("the file is not WebAssembly: {0}")]
    NotWasm(String),
    #[error("it is a core WebAssembly module, not a component")]
    CoreModule,
    #[error("the component does not export {HANDLER_EXPORT} (its exports: {})", list(.0))]
    NoHandler(Vec<String>),
    #[error("the component imports {} outside the wasi:http/proxy world", list(.0))]
    ImportsOutsideProxy(Vec<String>),
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// Checks that `bytes` is a component serving `wasi:http/incoming-handler` with only the
/// [`ALLOWED_IMPORTS`], and the [`FILESYSTEM_IMPORTS`] if `filesystem` is granted.
pub fn check_proxy_component(bytes: &[u8], filesystem: Filesystem) -> Result<(), ComponentProblem> {
    if Parser::is_core_wasm(bytes) {
        return Err(ComponentProblem::CoreModule);
    }
    if !Parser::is_component(bytes) {
        return Err(ComponentProblem::NotWasm("it does not start with the WebAssembly header".to_string()));
    }
    let (imports, exports) = top_level_names(bytes).map_err(|error| ComponentProblem::NotWasm(error.to_string()))?;
    if !exports.iter().any(|name| is_wasi_02(name, HANDLER_EXPORT)) {
        return Err(ComponentProblem::NoHandler(exports));
    }
    let granted: &[&str] = match filesystem {
        Filesystem::Refused => &[],
        Filesystem::Granted => &FILESYSTEM_IMPORTS,
    };
    let outside: Vec<String> = imports
        .into_iter()
        .filter(|name| !ALLOWED_IMPORTS.iter().chain(granted).any(|interface| is_wasi_02(name, interface)))
        .collect();
    if !outside.is_empty() {
        return Err(ComponentProblem::ImportsOutsideProxy(outside));
    }
    Ok(())
}

/// `name` is `interface@0.2.x`.
fn is_wasi_02(name: &str, interface: &str) -> bool {
    name.split_once('@').is_some_and(|(named, version)| named == interface && version.starts_with(WASI_VERSION))
}

/// The import and export names of the outer component (not of the components and modules it
/// nests).
fn top_level_names(bytes: &[u8]) -> wasmparser::Result<(Vec<String>, Vec<String>)> {
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0_usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload? {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth -= 1,
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    imports.push(import?.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    exports.push(export?.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest core module: the header alone.
    const CORE_MODULE: &[u8] = b"\0asm\x01\0\0\0";
    /// The smallest component: the header alone (version 0x0d, layer 1).
    const EMPTY_COMPONENT: &[u8] = b"\0asm\x0d\0\x01\0";

    #[test]
    fn a_core_module_is_no_component() {
        assert_eq!(check_proxy_component(CORE_MODULE, Filesystem::Refused), Err(ComponentProblem::CoreModule));
    }

    #[test]
    fn a_component_without_the_handler_lists_its_exports() {
        let problem = check_proxy_component(EMPTY_COMPONENT, Filesystem::Granted).expect_err("no export");
        assert_eq!(problem, ComponentProblem::NoHandler(Vec::new()));
        assert_eq!(problem.to_string(), "the component does not export wasi:http/incoming-handler (its exports: none)");
    }

    #[test]
    fn other_bytes_are_not_wasm() {
        assert!(matches!(
            check_proxy_component(b"#!/bin/sh\n", Filesystem::Refused),
            Err(ComponentProblem::NotWasm(_))
        ));
    }

    #[test]
    fn proxy_interfaces_of_any_wasi_0_2_release_are_accepted() {
        assert!(is_wasi_02("wasi:http/types@0.2.4", "wasi:http/types"));
        assert!(is_wasi_02("wasi:http/incoming-handler@0.2.0", HANDLER_EXPORT));
        assert!(!is_wasi_02("wasi:http/types@0.3.0", "wasi:http/types"));
        assert!(!is_wasi_02("wasi:http/types", "wasi:http/types"));
        assert!(!is_wasi_02("wasi:filesystem/types@0.2.4", "wasi:http/types"));
    }
}
