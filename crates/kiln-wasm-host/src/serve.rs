//! Serving: hyper accepts requests; each gets a fresh instance of the pre-instantiated component
//! from the pooling allocator, under the per-request limits, and is answered even when the guest
//! fails: 500 when it traps (past the memory limit, for one), 504 when it runs past the timeout,
//! 503 when no instance slot frees up within the timeout.

use crate::engine::{serve_engine, EPOCH_TICK};
use crate::grants::{Grants, ALLOW_HOSTS_GRANT, DIR_GRANT};
use crate::limits::Limits;
use crate::Settings;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, Semaphore};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder, Trap, UpdateDeadline};
use wasmtime_wasi::cli::{WasiCli, WasiCliView};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

/// How long requests in flight may take after SIGTERM, as kiln's other function servers.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A store's data: one request's WASI state. Stdout and stderr go to the host's; nothing else
/// of the host is visible but what the grants give.
struct Guest {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    limits: StoreLimits,
    hooks: OutgoingRequests,
}

impl WasiView for Guest {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for Guest {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.hooks }
    }
}

/// Outgoing requests go out only to the hosts `FUNC_WASM_ALLOW_HOSTS` lists; the rest fail as
/// denied, and are logged with the grant that would allow them.
struct OutgoingRequests {
    grants: Arc<Grants>,
}

type OutgoingIo = Box<dyn Future<Output = wasmtime_wasi_http::Result<()>> + Send>;
type OutgoingResponse = http::Response<wasmtime_wasi_http::WasiBody>;

impl WasiHttpHooks for OutgoingRequests {
    fn send_request(
        &mut self,
        request: http::Request<wasmtime_wasi_http::WasiBody>,
        options: Option<wasmtime_wasi_http::RequestOptions>,
        _io: OutgoingIo,
    ) -> Box<dyn Future<Output = wasmtime_wasi_http::Result<(OutgoingResponse, OutgoingIo)>> + Send> {
        let uri = request.uri();
        let https = uri.scheme() == Some(&http::uri::Scheme::HTTPS);
        let allowed = uri.authority().is_some_and(|authority| {
            self.grants.allows(authority.host(), authority.port_u16().unwrap_or(if https { 443 } else { 80 }))
        });
        if !allowed {
            let to = uri.authority().map_or_else(|| uri.to_string(), ToString::to_string);
            eprintln!("Denied the guest's request to {to}: {ALLOW_HOSTS_GRANT} does not list it");
            return Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) });
        }
        Box::new(async move {
            let (response, io) = wasmtime_wasi_http::default_send_request(request, options).await?;
            Ok((response.map(BodyExt::boxed_unsync), Box::new(io) as OutgoingIo))
        })
    }
}

/// What every request shares: the engine, the pre-instantiated component and the slots.
struct Host {
    engine: Engine,
    pre: ProxyPre<Guest>,
    limits: Limits,
    grants: Arc<Grants>,
    /// The granted variables that are set, with the values they had when the host started.
    env: Vec<(String, String)>,
    slots: Arc<Semaphore>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot set up the engine: {0}")]
    Engine(wasmtime::Error),
    #[error("cannot load the precompiled component {path}: {error}")]
    Load { path: String, error: wasmtime::Error },
    #[error("the component is no wasi:http/proxy component this host can serve: {0}")]
    Link(wasmtime::Error),
    #[error("{DIR_GRANT} is `{}`, which the host cannot open as a directory: {error}", path.display())]
    Dir { path: std::path::PathBuf, error: std::io::Error },
}

/// Loads the component `precompiled` (the buildpack's output of [`crate::precompile`]) and
/// serves it on `listener` with `settings` until `stop` resolves, then lets requests in flight
/// finish.
pub async fn serve(
    precompiled: &std::path::Path,
    settings: Settings,
    listener: TcpListener,
    stop: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let host = Arc::new(load(precompiled, settings)?);
    start_ticker(&host.engine);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(Duration::from_secs(10));
    let mut stop = std::pin::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: the next accept may work.
                Err(error) => {
                    eprintln!("Cannot accept a connection: {error}");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let host = Arc::clone(&host);
        let service = service_fn(move |request: Request<Incoming>| {
            let host = Arc::clone(&host);
            async move { Ok::<_, std::convert::Infallible>(host.answer(request).await) }
        });
        let connection = graceful.watch(http.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            // A client that goes away mid-request is no server failure.
            let _ = connection.await;
        });
    }
    drop(listener);
    eprintln!("Stopping: finishing requests in flight (at most {} s)", SHUTDOWN_GRACE.as_secs());
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await.is_err() {
        eprintln!("Requests were still running when the grace period ended");
    }
    Ok(())
}

fn load(precompiled: &std::path::Path, Settings { limits, grants }: Settings) -> Result<Host, ServeError> {
    if let Some(dir) = &grants.dir {
        // Opened again for each request; checked once here so a wrong path stops the start.
        std::fs::read_dir(dir).map_err(|error| ServeError::Dir { path: dir.clone(), error })?;
    }
    let env = grants.env.iter().filter_map(|name| Some((name.clone(), std::env::var(name).ok()?))).collect();
    let engine = serve_engine(&limits).map_err(ServeError::Engine)?;
    let load_error = |error| ServeError::Load { path: precompiled.display().to_string(), error };
    let bytes = std::fs::read(precompiled).map_err(|error| load_error(error.into()))?;
    // SAFETY: deserializing runs the machine code inside as it is; it must come from
    // `Engine::precompile_component` of this host's own code settings, which the buildpack ran on
    // the component it validated, in a build layer only the build writes. wasmtime still checks
    // the header (its version and settings) and refuses anything else.
    #[expect(unsafe_code, reason = "loading precompiled code is unsafe in wasmtime's API")]
    let component = unsafe { Component::deserialize(&engine, &bytes) }.map_err(load_error)?;
    let mut linker = Linker::new(&engine);
    link(&mut linker).map_err(ServeError::Link)?;
    let pre = linker.instantiate_pre(&component).map_err(ServeError::Link)?;
    let pre = ProxyPre::new(pre).map_err(ServeError::Link)?;
    Ok(Host {
        engine,
        pre,
        slots: Arc::new(Semaphore::new(usize::try_from(limits.max_instances).unwrap_or(usize::MAX))),
        limits,
        grants: Arc::new(grants),
        env,
    })
}

/// The `wasi:http/proxy` world plus the `wasi:cli` interfaces Rust's standard library imports
/// and `wasi:filesystem` (see [`crate::validate`]). What they reach is only what is granted: the
/// environment holds the granted variables, and the filesystem has the granted directory or,
/// without one, none at all.
fn link(linker: &mut Linker<Guest>) -> wasmtime::Result<()> {
    use wasmtime_wasi::filesystem::{WasiFilesystem, WasiFilesystemView};
    use wasmtime_wasi::p2::bindings::{cli, filesystem};
    wasmtime_wasi_http::p2::add_to_linker_async(linker)?;
    filesystem::types::add_to_linker::<Guest, WasiFilesystem>(linker, <Guest as WasiFilesystemView>::filesystem)?;
    filesystem::preopens::add_to_linker::<Guest, WasiFilesystem>(linker, <Guest as WasiFilesystemView>::filesystem)?;
    let view = <Guest as WasiCliView>::cli;
    cli::environment::add_to_linker::<Guest, WasiCli>(linker, view)?;
    cli::exit::add_to_linker::<Guest, WasiCli>(linker, view)?;
    cli::terminal_input::add_to_linker::<Guest, WasiCli>(linker, view)?;
    cli::terminal_output::add_to_linker::<Guest, WasiCli>(linker, view)?;
    cli::terminal_stdin::add_to_linker::<Guest, WasiCli>(linker, view)?;
    cli::terminal_stdout::add_to_linker::<Guest, WasiCli>(linker, view)?;
    cli::terminal_stderr::add_to_linker::<Guest, WasiCli>(linker, view)
}

/// One thread for the whole server advances the epoch; at each tick a running guest yields its
/// thread, or is interrupted once its deadline has passed (at its next loop head or call).
fn start_ticker(engine: &Engine) {
    let engine = engine.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(EPOCH_TICK);
        engine.increment_epoch();
    });
}

impl Host {
    async fn answer(self: Arc<Self>, request: Request<Incoming>) -> Response<HyperOutgoingBody> {
        // Browsers ask for these on their own: as every kiln function server, not the function's.
        if request.method() == http::Method::GET && matches!(request.uri().path(), "/favicon.ico" | "/robots.txt") {
            return plain(StatusCode::NOT_FOUND, "Not Found\n");
        }
        let deadline = tokio::time::Instant::now() + self.limits.timeout;
        // Past the limit requests queue for a slot, until the timeout.
        let Ok(Ok(slot)) = tokio::time::timeout_at(deadline, Arc::clone(&self.slots).acquire_owned()).await else {
            return plain(StatusCode::SERVICE_UNAVAILABLE, "every instance slot stayed busy until the timeout\n");
        };
        let (sender, receiver) = oneshot::channel();
        let mut store = match self.store(deadline) {
            Ok(store) => store,
            Err(error) => {
                eprintln!("Request failed: cannot open the granted directory: {error}");
                return plain(StatusCode::INTERNAL_SERVER_ERROR, "cannot open the granted directory\n");
            }
        };
        let setup = (|| {
            let mut http = store.data_mut().http();
            Ok::<_, wasmtime::Error>((
                http.new_incoming_request(Scheme::Http, request)?,
                http.new_response_outparam(sender)?,
            ))
        })();
        let (request, response_out) = match setup {
            Ok(resources) => resources,
            Err(error) => return plain(StatusCode::BAD_REQUEST, &format!("cannot pass the request on: {error}\n")),
        };
        let pre = self.pre.clone();
        let guest = tokio::spawn(async move {
            let proxy = pre.instantiate_async(&mut store).await?;
            let result = proxy.wasi_http_incoming_handler().call_handle(&mut store, request, response_out).await;
            drop(slot);
            result
        });
        let response = match tokio::time::timeout_at(deadline, receiver).await {
            Ok(Ok(Ok(response))) => return response,
            Ok(Ok(Err(code))) => format!("the guest answered with the error {code:?}\n"),
            // The guest ended without answering: it trapped, or returned without a response.
            Ok(Err(_)) => match guest.await {
                Ok(Err(error)) if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) => {
                    return self.timed_out();
                }
                Ok(Err(error)) => format!("the guest failed: {error:?}\n"),
                Ok(Ok(())) => "the guest returned without setting a response\n".to_string(),
                Err(error) => format!("the guest's task failed: {error}\n"),
            },
            Err(_) => {
                guest.abort();
                return self.timed_out();
            }
        };
        eprint!("Request failed: {response}");
        plain(StatusCode::INTERNAL_SERVER_ERROR, &response)
    }

    /// A store for one request that must end by `deadline` (a request that queued for a slot has
    /// less time left). At every epoch tick the guest yields to the runtime, so a guest that
    /// computes for long never holds a runtime thread from other requests for more than a tick,
    /// even when such guests outnumber the threads. The first tick past `deadline` interrupts it.
    fn store(&self, deadline: tokio::time::Instant) -> wasmtime::Result<Store<Guest>> {
        let limits = StoreLimitsBuilder::new()
            .memory_size(usize::try_from(self.limits.max_memory).unwrap_or(usize::MAX))
            .trap_on_grow_failure(true)
            .build();
        let mut wasi = WasiCtxBuilder::new();
        wasi.inherit_stdout().inherit_stderr().envs(&self.env);
        if let Some(dir) = &self.grants.dir {
            wasi.preopened_dir(dir, "/", FsPerms::ReadOnly)?;
        }
        let hooks = OutgoingRequests { grants: Arc::clone(&self.grants) };
        let guest = Guest { wasi: wasi.build(), http: WasiHttpCtx::new(), table: ResourceTable::new(), limits, hooks };
        let mut store = Store::new(&self.engine, guest);
        store.limiter(|guest| &mut guest.limits);
        let deadline = deadline.into_std();
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            Ok(if std::time::Instant::now() >= deadline { UpdateDeadline::Interrupt } else { UpdateDeadline::Yield(1) })
        });
        Ok(store)
    }

    fn timed_out(&self) -> Response<HyperOutgoingBody> {
        let message = format!("the guest ran past the timeout of {:?}\n", self.limits.timeout);
        eprint!("Request failed: {message}");
        plain(StatusCode::GATEWAY_TIMEOUT, &message)
    }
}

fn plain(status: StatusCode, body: &str) -> Response<HyperOutgoingBody> {
    let body = Full::new(Bytes::from(body.to_string())).map_err(|never| match never {}).boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

/// Where to listen: `PORT` (default 8080) at `FUNC_ADDRESS` (unset or empty: every interface,
/// IPv6 and IPv4, or IPv4 alone where IPv6 is off), as every kiln function server does.
pub async fn bind(port: u16, address: Option<&str>) -> std::io::Result<TcpListener> {
    match address {
        Some(address) => TcpListener::bind((address.trim_matches(['[', ']']), port)).await,
        None => match TcpListener::bind(SocketAddr::from((std::net::Ipv6Addr::UNSPECIFIED, port))).await {
            Ok(listener) => Ok(listener),
            Err(_) => TcpListener::bind(SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, port))).await,
        },
    }
}
