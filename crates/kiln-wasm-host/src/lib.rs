//! kiln's Wasm host: serves a precompiled `wasi:http/proxy` component over HTTP/1.1, a fresh
//! instance per request from wasmtime's pooling allocator and a pre-instantiated component,
//! under per-request limits (see [`limits`]). kiln/wasm-function ships it as its `kiln-wasm-host`
//! binary and precompiles with [`precompile`], the same engine settings in the same build, so
//! the code it writes always loads here and starting compiles nothing.
//!
//! The guest sees only the `wasi:http/proxy` world: clocks, random, stdout and stderr (the
//! host's), an empty stdin, and HTTP types. It has no sockets, and no filesystem, environment
//! variables or outgoing requests unless [`grants`] give them.

mod engine;
pub mod grants;
pub mod limits;
mod serve;
mod setting;
pub mod validate;

pub use grants::Grants;
use kiln_function::{ADDRESS_ENV, DEFAULT_PORT, PORT_ENV};
pub use limits::Limits;
pub use serve::{bind, serve, ServeError};
pub use setting::SettingError;

// Defined here, not in a binary, so the shipped host (the buildpack's bin target) and the one
// this crate's tests serve with allocate alike. The host allocates for every request (a store,
// its WASI context, hyper's buffers) on every runtime thread; musl's allocator serialises those
// behind one lock, mimalloc keeps them per thread.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Every variable the host reads for the guest: the limits, then the grants.
pub const GUEST_SETTINGS: [&str; 6] = [
    limits::MAX_MEMORY_ENV,
    limits::TIMEOUT_ENV,
    limits::MAX_INSTANCES_ENV,
    grants::ENV_GRANT,
    grants::DIR_GRANT,
    grants::ALLOW_HOSTS_GRANT,
];

/// What each request runs under and may reach.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    pub limits: Limits,
    pub grants: Grants,
}

impl Settings {
    /// Reads [`GUEST_SETTINGS`] through `var`.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        Ok(Settings { limits: Limits::from_vars(&var)?, grants: Grants::from_vars(&var)? })
    }
}

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
    let settings = Settings::from_vars(var).map_err(|error| error.to_string())?;
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
        let limits = &settings.limits;
        eprintln!(
            "Serving the Wasm component on {where_} port {port} (per request: memory {} MiB, timeout {:?}; {} instances at once)",
            limits.max_memory >> 20,
            limits.timeout,
            limits.max_instances
        );
        eprintln!("{}", granted(&settings.grants));
        serve(std::path::Path::new(&precompiled), settings, listener, stop_signal()).await.map_err(|error| error.to_string())
    })
}

/// The start line saying what the guest may reach.
fn granted(grants: &Grants) -> String {
    let mut granted = Vec::new();
    if !grants.env.is_empty() {
        granted.push(format!("the variables {}", grants.env.join(", ")));
    }
    if let Some(dir) = &grants.dir {
        granted.push(format!("{} read-only as /", dir.display()));
    }
    if !grants.allow_hosts.is_empty() {
        let hosts: Vec<String> = grants.allow_hosts.iter().map(ToString::to_string).collect();
        granted.push(format!("outgoing requests to {}", hosts.join(", ")));
    }
    if granted.is_empty() {
        return "The guest gets no filesystem, no environment variables and no outgoing requests".to_string();
    }
    format!("The guest is granted {}", granted.join("; "))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_line_says_what_is_granted_or_that_nothing_is() {
        assert_eq!(
            granted(&Grants::default()),
            "The guest gets no filesystem, no environment variables and no outgoing requests"
        );
        let grants = Grants::from_vars(setting::vars(&[("FUNC_WASM_ENV", "GREETING"), ("FUNC_WASM_DIR", "static")]))
            .expect("valid grants");
        assert_eq!(granted(&grants), "The guest is granted the variables GREETING; static read-only as /");
    }
}
