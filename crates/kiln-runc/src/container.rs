//! Starting, signalling and removing one runc container.

use crate::bundle::ContainerSpec;
use crate::tee::Pipe;
use std::path::Path;
use std::process::Stdio as ProcessStdio;
use std::time::Duration;
use tokio::process::Command;
use tokio::signal::unix::{signal, Signal, SignalKind};

/// How long a container has to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum RuncError {
    #[error("runc is not installed; install it (Debian: `apt-get install runc`)")]
    NotInstalled,
    #[error("running containers with runc needs root here; run kiln as root (rootless runc is not supported yet)")]
    NotRoot,
    #[error("could not prepare the container bundle in {dir}: {source}")]
    Bundle { dir: String, source: std::io::Error },
    #[error("could not start runc: {0}")]
    Start(std::io::Error),
    #[error("could not wait for signals or for runc: {0}")]
    Wait(std::io::Error),
    #[error("could not set up the pipe that shows and keeps the container's output: {0}; kiln may have run out of file descriptors (check `ulimit -n`)")]
    Relay(std::io::Error),
    /// kiln received `signal` while the container ran; the container was stopped and removed.
    #[error("interrupted ({signal}): the container was stopped and removed")]
    Interrupted { signal: &'static str },
}

/// Where the container's standard output goes.
#[derive(Debug, Clone, Copy)]
pub enum Stdio {
    /// The container writes to kiln's own stdout and stderr.
    Inherit,
    /// The container's stdout goes to kiln's stderr, keeping stdout for a machine-readable result.
    StdoutToStderr,
}

/// Runs the container in the foreground and returns its exit code (128 + signal when killed).
/// SIGINT and SIGTERM received by kiln are passed on to the container, which is how an app
/// run with `kiln run` is stopped; the container is removed however it ends.
pub async fn run(spec: &ContainerSpec, name: &str, stdio: Stdio) -> Result<i32, RuncError> {
    let stdout = match stdio {
        Stdio::Inherit => ProcessStdio::inherit(),
        Stdio::StdoutToStderr => stderr_as_stdout(),
    };
    let stops = StopSignals::listen()?;
    let ended = start(spec, name, stdout, ProcessStdio::inherit())?.finish(stops).await?;
    Ok(ended.code)
}

/// A container run and the output kiln kept of it.
#[derive(Debug)]
pub struct CapturedRun {
    /// As [`run`] returns it.
    pub code: i32,
    /// The end of its standard output and standard error, in one text. Each keeps its own
    /// order, but runc relays the two separately, so a line of one may land before an earlier
    /// line of the other.
    pub output: String,
}

/// Runs the container like [`run`] with [`Stdio::StdoutToStderr`], showing its output on
/// kiln's stderr as it arrives, and keeps the last `keep` bytes of it (from the start of a
/// line) for kiln to read: enough to find why a long run failed without holding all of it.
/// A run that must finish to count (a build) fails with [`RuncError::Interrupted`] when kiln
/// received SIGINT or SIGTERM, after stopping and removing the container.
pub async fn run_teed(spec: &ContainerSpec, name: &str, keep: usize) -> Result<CapturedRun, RuncError> {
    let stops = StopSignals::listen()?;
    let (pipe, writers) = Pipe::new().map_err(RuncError::Relay)?;
    let container = start(spec, name, writers.stdout, writers.stderr)?;
    let relay = pipe.relay(keep);
    let ended = container.finish(stops).await;
    // Drained even when waiting failed: the container is gone by then either way.
    let output = relay.finish().await;
    let ended = ended?;
    if let Some(signal) = ended.stopped_by {
        return Err(RuncError::Interrupted { signal: signal.name() });
    }
    Ok(CapturedRun { code: ended.code, output })
}

/// A started container: the runc process, the container's id and the bundle it runs from,
/// which must outlive it.
struct Started {
    child: tokio::process::Child,
    id: String,
    _bundle: tempfile::TempDir,
}

/// Starts `runc run` with the given standard output and error. The caller's copies of them
/// are closed once it has started: for pipes, runc then holds the only write ends, and they
/// close when it exits.
fn start(spec: &ContainerSpec, name: &str, stdout: ProcessStdio, stderr: ProcessStdio) -> Result<Started, RuncError> {
    ensure_runnable()?;
    let bundle = tempfile::Builder::new()
        .prefix("kiln-bundle-")
        .tempdir()
        .map_err(|source| RuncError::Bundle { dir: std::env::temp_dir().display().to_string(), source })?;
    write_config(spec, bundle.path())?;

    let id = format!("kiln-{name}-{}-{}", std::process::id(), unique_suffix());
    let child = Command::new("runc")
        .arg("run")
        .arg("--bundle")
        .arg(bundle.path())
        .arg(&id)
        .stdin(ProcessStdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .kill_on_drop(true)
        .spawn()
        .map_err(RuncError::Start)?;
    Ok(Started { child, id, _bundle: bundle })
}

/// SIGINT and SIGTERM, listened for before the container starts so that none is missed.
pub(crate) struct StopSignals {
    pub(crate) interrupt: Signal,
    pub(crate) terminate: Signal,
}

#[derive(Debug, Clone, Copy)]
enum StopSignal {
    Interrupt,
    Terminate,
}

impl StopSignals {
    pub(crate) fn listen() -> Result<Self, RuncError> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt()).map_err(RuncError::Wait)?,
            terminate: signal(SignalKind::terminate()).map_err(RuncError::Wait)?,
        })
    }
}

impl StopSignal {
    /// As `runc kill` takes it.
    fn runc_name(self) -> &'static str {
        match self {
            Self::Interrupt => "INT",
            Self::Terminate => "TERM",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Interrupt => "SIGINT",
            Self::Terminate => "SIGTERM",
        }
    }
}

/// How a container ended.
struct Ended {
    code: i32,
    /// The signal kiln received and passed on, if that is why it ended.
    stopped_by: Option<StopSignal>,
}

impl Started {
    /// Waits for the container to end, passing on SIGINT and SIGTERM, and removes it.
    async fn finish(mut self, stops: StopSignals) -> Result<Ended, RuncError> {
        let ended = wait_forwarding_signals(&mut self.child, &self.id, stops).await;
        remove(&self.id).await;
        ended
    }
}

async fn wait_forwarding_signals(
    child: &mut tokio::process::Child,
    id: &str,
    mut stops: StopSignals,
) -> Result<Ended, RuncError> {
    let stop = tokio::select! {
        status = child.wait() => {
            return Ok(Ended { code: exit_code(status.map_err(RuncError::Wait)?), stopped_by: None });
        }
        _ = stops.interrupt.recv() => StopSignal::Interrupt,
        _ = stops.terminate.recv() => StopSignal::Terminate,
    };
    // runc passes signals it receives itself to the container; a signal sent to kiln alone
    // (e.g. `kill <kiln pid>`) is passed on here.
    send_signal(id, stop.runc_name()).await;
    let status = if let Ok(status) = tokio::time::timeout(STOP_GRACE, child.wait()).await {
        status
    } else {
        send_signal(id, "KILL").await;
        child.wait().await
    };
    Ok(Ended { code: exit_code(status.map_err(RuncError::Wait)?), stopped_by: Some(stop) })
}

async fn send_signal(id: &str, signal: &str) {
    // The container may already be gone: nothing to report then.
    let _ = quiet_runc(&["kill", id, signal]).await;
}

async fn remove(id: &str) {
    // `runc run` removes the container when it exits normally; this covers the other ways out.
    let _ = quiet_runc(&["delete", "--force", id]).await;
}

async fn quiet_runc(args: &[&str]) -> std::io::Result<std::process::ExitStatus> {
    Command::new("runc")
        .args(args)
        .stdin(ProcessStdio::null())
        .stdout(ProcessStdio::null())
        .stderr(ProcessStdio::null())
        .status()
        .await
}

fn write_config(spec: &ContainerSpec, dir: &Path) -> Result<(), RuncError> {
    let config = spec.to_runtime_config().to_string();
    std::fs::write(dir.join("config.json"), config)
        .map_err(|source| RuncError::Bundle { dir: dir.display().to_string(), source })
}

fn ensure_runnable() -> Result<(), RuncError> {
    let on_path =
        std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("runc").is_file()));
    if !on_path {
        return Err(RuncError::NotInstalled);
    }
    if crate::User::current().map(|user| user.uid) != Some(0) {
        return Err(RuncError::NotRoot);
    }
    Ok(())
}

fn unique_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos() % 1_000_000_000)
}

pub(crate) fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status.code().or_else(|| status.signal().map(|signal| 128 + signal)).unwrap_or(1)
}

fn stderr_as_stdout() -> ProcessStdio {
    use std::os::fd::AsFd;
    std::io::stderr().as_fd().try_clone_to_owned().map_or_else(|_| ProcessStdio::inherit(), ProcessStdio::from)
}
