//! kiln's Wasm host: serves a precompiled `wasi:http/proxy` component over HTTP/1.1, a fresh
//! instance per request from wasmtime's pooling allocator and a pre-instantiated component,
//! under per-request limits (see [`limits`]). kiln/wasm-function ships it as its `kiln-wasm-host`
//! binary and precompiles with [`precompile`], the same engine settings in the same build, so
//! the code it writes always loads here and starting compiles nothing.
//!
//! The guest sees only the `wasi:http/proxy` world: clocks, random, stdout and stderr (the
//! host's), an empty stdin, and HTTP types; an outgoing request fails as denied. It has no
//! filesystem, no environment variables and no sockets.

mod engine;
pub mod limits;
mod serve;
pub mod validate;

use kiln_function::{ADDRESS_ENV, DEFAULT_PORT, PORT_ENV};
pub use limits::Limits;
pub use serve::{bind, serve, ServeError};

/// wasmtime could not compile a component (its error chain, for the build log).
#[derive(Debug, thiserror::Error)]
#[error("{0:?}")]
pub struct PrecompileError(wasmtime::Error);

/// Compiles the component `bytes` to the machine code [`serve`] loads.
pub fn precompile(bytes: &[u8]) -> Result<Vec<u8>, PrecompileError> {
    engine::compile_engine().and_then(|engine| engine.precompile_component(bytes)).map_err(PrecompileError)
}

/// `kiln-wasm-host PRECOMPILED`: serves the component on `PORT` at `FUNC_ADDRESS` until SIGTERM
/// or SIGINT. Bad settings exit with status 1 and a message naming the variable.
#[must_use]
pub fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("kiln-wasm-host: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args_os().skip(1);
    let (Some(precompiled), None) = (args.next(), args.next()) else {
        return Err("usage: kiln-wasm-host PRECOMPILED_COMPONENT".to_string());
    };
    let var = |name: &str| std::env::var(name).ok();
    let limits = Limits::from_vars(var).map_err(|error| error.to_string())?;
    let port = match var(PORT_ENV).filter(|port| !port.is_empty()) {
        Some(port) => port.parse().map_err(|_| format!("{PORT_ENV} is `{port}`, not a port number"))?,
        None => DEFAULT_PORT,
    };
    let address = var(ADDRESS_ENV).filter(|address| !address.is_empty());
    let runtime = tokio::runtime::Runtime::new().map_err(|error| format!("cannot start the runtime: {error}"))?;
    runtime.block_on(async {
        let where_ = address.as_deref().unwrap_or("every interface");
        let listener =
            bind(port, address.as_deref()).await.map_err(|error| format!("cannot serve on {where_} port {port}: {error}"))?;
        eprintln!(
            "Serving the Wasm component on {where_} port {port} (per request: memory {} MiB, timeout {:?}; {} instances at once)",
            limits.max_memory >> 20,
            limits.timeout,
            limits.max_instances
        );
        serve(std::path::Path::new(&precompiled), limits, listener, stop_signal()).await.map_err(|error| error.to_string())
    })
}

async fn stop_signal() {
    let Ok(mut terminate) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else {
        // Without a SIGTERM handler, SIGINT still stops gracefully.
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = terminate.recv() => {}
        _ = tokio::signal::ctrl_c() => {}
    }
}
