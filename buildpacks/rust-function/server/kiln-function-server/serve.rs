//! The function server of kiln/rust-function: hyper 1.x on tokio, serving one function on
//! `PORT` (default 8080) at `FUNC_ADDRESS` (unset or empty: every interface), as every kiln
//! language does (crate kiln-function holds the names). The generated main.rs hands the user's
//! function to [`http`] or [`cloudevent`].
//!
//! - `/favicon.ico` and `/robots.txt` answer 404 without calling the function (as Google's
//!   Functions Framework does: browsers ask for them on their own);
//! - a panic in the function is logged with where it happened and answers 500; the server goes
//!   on serving. An `Err` the function returns is logged and answers 500 too;
//! - SIGTERM or SIGINT stops accepting connections and lets the requests in flight finish
//!   (at most [`SHUTDOWN_GRACE`]), then the process exits with status 0;
//! - the main thread accepts connections and hands them in turn to one worker thread per core
//!   (as many as the cgroup's CPU quota allows), each running a single-threaded tokio runtime.
//!   A function's code therefore runs on a current-thread runtime: `tokio::spawn` and
//!   `spawn_blocking` work, while `block_in_place` does not.
//!
//! No timer bounds how long a client takes to send its headers: hyper arms one per request,
//! which cost a tenth of the throughput (measured against bare hyper; see BENCHMARKS.md). As
//! with bare hyper and Go's net/http defaults, slow clients are for the platform's proxy in
//! front of the function (an ingress, Knative's queue-proxy) to cut off.
//!
//! Nothing on a request's path is shared between threads: the handler is a `'static` reference
//! (no reference count to change per request), and each connection learns of SIGTERM from a
//! oneshot channel of its own (hyper-util's `GracefulShutdown` locks a mutex that every
//! connection shares, on every poll).

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::{Body as _, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location};
use std::task::Poll;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

/// How long requests in flight may take after SIGTERM. Platforms wait longer before they kill
/// (Kubernetes: 30 s); `kiln run` waits exactly this long.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);
const PORT_ENV: &str = "PORT";
const DEFAULT_PORT: u16 = 8080;
const ADDRESS_ENV: &str = "FUNC_ADDRESS";

/// What an `http` function may return: the response, or a `Result` whose `Err` answers 500.
/// A server is built for one signature type: `cloudevent` selects the other.
#[cfg(not(feature = "cloudevent"))]
pub trait IntoFunctionResponse {
    fn into_function_response(self) -> Result<Response<Bytes>, String>;
}

#[cfg(not(feature = "cloudevent"))]
impl IntoFunctionResponse for Response<Bytes> {
    fn into_function_response(self) -> Result<Response<Bytes>, String> {
        Ok(self)
    }
}

#[cfg(not(feature = "cloudevent"))]
impl<E: Display> IntoFunctionResponse for Result<Response<Bytes>, E> {
    fn into_function_response(self) -> Result<Response<Bytes>, String> {
        self.map_err(|error| error.to_string())
    }
}

/// What a `cloudevent` function returns: `Ok(())` answers 200, an `Err` 500.
#[cfg(feature = "cloudevent")]
pub trait IntoEventOutcome {
    fn into_event_outcome(self) -> Result<(), String>;
}

#[cfg(feature = "cloudevent")]
impl<E: Display> IntoEventOutcome for Result<(), E> {
    fn into_event_outcome(self) -> Result<(), String> {
        self.map_err(|error| error.to_string())
    }
}

/// Serves the `http` function `function` (named `name` in logs) until SIGTERM.
#[cfg(not(feature = "cloudevent"))]
pub fn http<F, Fut>(name: &'static str, function: F)
where
    F: Fn(Request<Bytes>) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoFunctionResponse,
{
    serve(name, "http", move |request: Request<Bytes>| {
        // Kept for the log line of a failure: both clone without copying (shared bytes).
        let (method, uri) = (request.method().clone(), request.uri().clone());
        // The generated main.rs passes an `async move` closure: calling it runs no user code.
        let called = function(request);
        async move {
            match catch_panic(called).await {
                Ok(output) => output.into_function_response().unwrap_or_else(|error| {
                    eprintln!("The function {name} failed serving {method} {}: {error}", uri.path());
                    internal_error(&format!("the function {name} failed"))
                }),
                Err(panic) => {
                    eprintln!("The function {name} panicked serving {method} {}: {panic}", uri.path());
                    internal_error(&format!("the function {name} panicked"))
                }
            }
        }
    });
}

/// Serves the `cloudevent` function `function` until SIGTERM. Requests are POSTs in binary
/// mode (`ce-*` headers, data in the body) or structured mode (`application/cloudevents+json`);
/// success answers 200 with an empty body, as Google's Functions Framework does.
#[cfg(feature = "cloudevent")]
pub fn cloudevent<F, Fut>(name: &'static str, function: F)
where
    F: Fn(cloudevents::Event) -> Fut + Send + Sync + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoEventOutcome,
{
    serve(name, "cloudevent", move |request: Request<Bytes>| {
        let called =
            read_event(&request).map(|event| (cloudevents::AttributesReader::id(&event).to_string(), function(event)));
        async move {
            let (id, called) = match called {
                Ok(called) => called,
                Err((status, reason)) => return plain(status, reason),
            };
            match catch_panic(called).await.map(IntoEventOutcome::into_event_outcome) {
                Ok(Ok(())) => plain(StatusCode::OK, String::new()),
                Ok(Err(error)) => {
                    eprintln!("The function {name} failed on event {id}: {error}");
                    internal_error(&format!("the function {name} failed"))
                }
                Err(panic) => {
                    eprintln!("The function {name} panicked on event {id}: {panic}");
                    internal_error(&format!("the function {name} panicked"))
                }
            }
        }
    });
}

/// The CloudEvent a request carries, or the status that says why there is none: 405 for a
/// method other than POST, 415 for a body that is no CloudEvent (or a batch), 400 for an
/// invalid one.
#[cfg(feature = "cloudevent")]
fn read_event(request: &Request<Bytes>) -> Result<cloudevents::Event, (StatusCode, String)> {
    if request.method() != Method::POST {
        return Err((StatusCode::METHOD_NOT_ALLOWED, "CloudEvents are POSTed\n".to_string()));
    }
    let content_type = request.headers().get(http::header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    let structured = content_type.is_some_and(|value| value.starts_with("application/cloudevents+json"));
    let binary = request.headers().contains_key("ce-specversion");
    if !structured && !binary {
        let reason = "the request holds no CloudEvent: send ce-* headers (binary mode) or Content-Type: application/cloudevents+json (structured mode)\n";
        return Err((StatusCode::UNSUPPORTED_MEDIA_TYPE, reason.to_string()));
    }
    cloudevents::binding::http::to_event(request.headers(), request.body().to_vec())
        .map_err(|error| (StatusCode::BAD_REQUEST, format!("invalid CloudEvent: {error}\n")))
}

fn plain(status: StatusCode, body: String) -> Response<Bytes> {
    let mut response = Response::new(Bytes::from(body));
    *response.status_mut() = status;
    response
}

fn internal_error(what: &str) -> Response<Bytes> {
    plain(StatusCode::INTERNAL_SERVER_ERROR, format!("Internal Server Error: {what} (see the logs)\n"))
}

/// Answers every request with `handler`, but for the paths browsers ask on their own, until
/// SIGTERM. This thread accepts connections and hands them to the workers in turn.
fn serve<H, Fut>(name: &'static str, signature: &'static str, handler: H)
where
    H: Fn(Request<Bytes>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Bytes>> + Send + 'static,
{
    std::panic::set_hook(Box::new(remember_panic_location));
    // Leaked on purpose: the handler serves until the process exits.
    let handler: &'static H = Box::leak(Box::new(handler));
    let workers = block_on_current_thread(async {
        let stopping = stop_signal();
        let listener = listen(name, signature).await;
        let count = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
        let workers: Vec<Worker> = (0..count).map(|_| Worker::start(handler)).collect();
        hand_out(&listener, &workers, stopping).await;
        workers
    });
    eprintln!("Stopping: finishing requests in flight (at most {} s)", SHUTDOWN_GRACE.as_secs());
    // Every worker is told before any is waited for: they finish side by side.
    let stopped: Vec<_> = workers.into_iter().map(Worker::stop).collect();
    stopped.into_iter().for_each(|thread| drop(thread.join()));
}

/// Hands each connection `listener` accepts to the next of `workers`, until `stopping`.
async fn hand_out(listener: &TcpListener, workers: &[Worker], stopping: impl Future<Output = ()>) {
    let mut stopping = std::pin::pin!(stopping);
    for worker in workers.iter().cycle() {
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
            () = &mut stopping => return,
        };
        let _ = stream.set_nodelay(true);
        // `into_std` fails only when the reactor cannot let go of the socket: the stream is
        // dropped then, and the client sees the connection close.
        if let Ok(stream) = stream.into_std() {
            worker.serve(stream);
        }
    }
}

fn block_on_current_thread<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|error| exit(&format!("cannot start tokio: {error}")))
        .block_on(future)
}

async fn listen(name: &'static str, signature: &'static str) -> TcpListener {
    let port = std::env::var(PORT_ENV).ok().filter(|port| !port.is_empty());
    let port: u16 = match port {
        Some(port) => port.parse().unwrap_or_else(|_| exit(&format!("{PORT_ENV} is `{port}`, not a port number"))),
        None => DEFAULT_PORT,
    };
    let address = std::env::var(ADDRESS_ENV).ok().filter(|address| !address.is_empty());
    // Every interface, IPv6 and IPv4, as a container needs; IPv4 alone where IPv6 is off.
    let listener = match &address {
        Some(address) => TcpListener::bind((address.trim_matches(['[', ']']), port)).await,
        None => match TcpListener::bind(("::", port)).await {
            Ok(listener) => Ok(listener),
            Err(_) => TcpListener::bind(("0.0.0.0", port)).await,
        },
    };
    let where_ = address.as_deref().unwrap_or("every interface");
    let listener = listener.unwrap_or_else(|error| exit(&format!("cannot serve on {where_} port {port}: {error}")));
    eprintln!("Serving the {signature} function {name} on {where_} port {port}");
    listener
}

/// A thread with a single-threaded runtime that serves the connections it is handed, one per
/// core. A connection stays on its worker and nothing on a request's path is shared between
/// threads: tokio's work-stealing runtime answered a tenth fewer requests (see BENCHMARKS.md).
struct Worker {
    streams: mpsc::UnboundedSender<std::net::TcpStream>,
    thread: std::thread::JoinHandle<()>,
}

impl Worker {
    fn start<H, Fut>(handler: &'static H) -> Self
    where
        H: Fn(Request<Bytes>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Response<Bytes>> + Send + 'static,
    {
        let (streams, received) = mpsc::unbounded_channel();
        let thread = std::thread::spawn(move || block_on_current_thread(serve_connections(received, handler)));
        Self { streams, thread }
    }

    fn serve(&self, stream: std::net::TcpStream) {
        // The worker only goes when the process exits.
        let _ = self.streams.send(stream);
    }

    /// Tells the worker to finish its requests in flight: its thread ends when they have.
    fn stop(self) -> std::thread::JoinHandle<()> {
        drop(self.streams);
        self.thread
    }
}

/// Serves each connection received in a task of its own until the sender goes, then lets the
/// requests in flight finish.
async fn serve_connections<H, Fut>(mut streams: mpsc::UnboundedReceiver<std::net::TcpStream>, handler: &'static H)
where
    H: Fn(Request<Bytes>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Bytes>> + Send + 'static,
{
    // One set of connection settings for every connection, not one per accept.
    let http = hyper::server::conn::http1::Builder::new();
    let mut connections = JoinSet::new();
    // The sending end of each connection's stop channel: dropping it stops the connection.
    let mut stops: HashMap<tokio::task::Id, oneshot::Sender<()>> = HashMap::new();
    loop {
        let stream = tokio::select! {
            received = streams.recv() => match received.map(TcpStream::from_std) {
                Some(Ok(stream)) => stream,
                Some(Err(error)) => {
                    eprintln!("Cannot serve a connection: {error}");
                    continue;
                }
                None => break,
            },
            Some(ended) = connections.join_next_with_id() => {
                stops.remove(&ended.map_or_else(|error| error.id(), |(id, ())| id));
                continue;
            }
        };
        let service = service_fn(move |request: Request<Incoming>| async move {
            Ok::<_, hyper::Error>(answer(request, handler).await)
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let (stop, stop_received) = oneshot::channel();
        let task = connections.spawn(async move {
            let mut connection = std::pin::pin!(connection);
            // A client that goes away mid-request is no server failure: hyper's errors are dropped.
            let stopping = tokio::select! {
                biased;
                _ = connection.as_mut() => false,
                _ = stop_received => true,
            };
            if stopping {
                // Finishes the request in flight, if any, then closes the connection.
                connection.as_mut().graceful_shutdown();
                let _ = connection.await;
            }
        });
        stops.insert(task.id(), stop);
    }
    stops.clear();
    let finished = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, finished).await.is_err() {
        exit("requests were still running when the grace period ended");
    }
}

async fn answer<H, Fut>(request: Request<Incoming>, handler: &H) -> Response<Full<Bytes>>
where
    H: Fn(Request<Bytes>) -> Fut,
    Fut: Future<Output = Response<Bytes>>,
{
    if request.method() == Method::GET && matches!(request.uri().path(), "/favicon.ico" | "/robots.txt") {
        return plain(StatusCode::NOT_FOUND, "Not Found\n".to_string()).map(Full::new);
    }
    let (parts, body) = request.into_parts();
    // A GET's body is empty and known to be: nothing to collect.
    let body = if body.is_end_stream() {
        Bytes::new()
    } else {
        match body.collect().await {
            Ok(body) => body.to_bytes(),
            Err(error) => {
                return plain(StatusCode::BAD_REQUEST, format!("cannot read the request body: {error}\n"))
                    .map(Full::new)
            }
        }
    };
    handler(Request::from_parts(parts, body)).await.map(Full::new)
}

/// Registers for SIGTERM and SIGINT at once (within a runtime): a signal that comes before the
/// returned future is awaited still counts.
fn stop_signal() -> impl Future<Output = ()> {
    let register = |kind: SignalKind, name: &str| {
        signal(kind).unwrap_or_else(|error| exit(&format!("cannot handle {name}: {error}")))
    };
    let mut terminate = register(SignalKind::terminate(), "SIGTERM");
    let mut interrupt = register(SignalKind::interrupt(), "SIGINT");
    async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = interrupt.recv() => {}
        }
    }
}

fn exit(message: &str) -> ! {
    eprintln!("kiln function server: {message}");
    std::process::exit(1)
}

thread_local! {
    /// Where the last panic on this thread happened, kept by the panic hook for the log line
    /// (the binary is stripped, so a stack trace would have no names).
    static PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn remember_panic_location(info: &std::panic::PanicHookInfo<'_>) {
    let location = info.location().map(Location::to_string);
    PANIC_LOCATION.with(|cell| *cell.borrow_mut() = location);
}

/// Awaits `future`, its panics made an `Err` with the panic's message and location. The
/// future is pinned in this one's state, not boxed: no allocation per request.
async fn catch_panic<F: Future>(future: F) -> Result<F::Output, String> {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(move |context| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(context))) {
            Ok(poll) => poll.map(Ok),
            Err(payload) => {
                let message = payload
                    .downcast_ref::<&str>()
                    .map(ToString::to_string)
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without a message".to_string());
                let location = PANIC_LOCATION.with(|cell| cell.borrow_mut().take());
                Poll::Ready(Err(match location {
                    Some(location) => format!("{message} (at {location})"),
                    None => message,
                }))
            }
        }
    })
    .await
}
