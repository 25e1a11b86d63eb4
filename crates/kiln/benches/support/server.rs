//! Servers started by the benches: timed from process start to their first HTTP 200, kept
//! running for load, and stopped when dropped (also when a bench panics, so none is left
//! holding a port or a runc container).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a server may take to answer before the bench gives up on it.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// Between polls for the first answer: the peer baselines poll every ~1 ms.
const POLL_INTERVAL: Duration = Duration::from_micros(500);

pub(crate) struct Server {
    child: Child,
    /// `127.0.0.1:port`, where the server answers.
    pub(crate) address: String,
    /// Seconds from process start to the first HTTP 200.
    pub(crate) cold_start: f64,
    stop: Stop,
}

enum Stop {
    /// `kiln run` stops its container on SIGTERM; a kill would leave the container running.
    Terminate,
    Kill,
}

impl Server {
    /// `kiln run image` (runc, host network) on a free port.
    pub(crate) fn kiln_run(cache: &Path, image: &str) -> Self {
        let port = kiln_test_support::free_port();
        let mut command = Command::new(env!("CARGO_BIN_EXE_kiln"));
        command.args(["run", image, "--port", &port.to_string()]).env("KILN_CACHE_DIR", cache);
        Self::start(command, port, Stop::Terminate)
    }

    /// A server binary run directly, told its port through `PORT` as images are.
    pub(crate) fn binary(binary: &Path) -> Self {
        Self::process(Command::new(binary))
    }

    /// Any server process (an interpreter and its arguments), told its port through `PORT`.
    pub(crate) fn process(mut command: Command) -> Self {
        Self::on_port(|port| {
            command.env("PORT", port.to_string());
            command
        })
    }

    /// The server `command(port)` starts, for servers told their port by a flag.
    pub(crate) fn on_port(command: impl FnOnce(u16) -> Command) -> Self {
        let port = kiln_test_support::free_port();
        Self::start(command(port), port, Stop::Kill)
    }

    /// Resident memory of the server and its child processes (workers), in bytes.
    pub(crate) fn rss(&self) -> u64 {
        self.memory("VmRSS:")
    }

    /// The most resident memory the server and its child processes have held, in bytes: for a
    /// host whose instances live only while a request runs, what a load used at its height.
    pub(crate) fn peak_rss(&self) -> u64 {
        self.memory("VmHWM:")
    }

    /// The `/proc/PID/status` line `field` (in KiB), summed over the server's process tree.
    fn memory(&self, field: &str) -> u64 {
        let mut pids = vec![self.child.id()];
        let mut total = 0;
        while let Some(pid) = pids.pop() {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
            let kib: u64 = status
                .lines()
                .find_map(|line| line.strip_prefix(field))
                .and_then(|value| value.split_whitespace().next()?.parse().ok())
                .unwrap_or(0);
            total += kib * 1024;
            let children = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
            pids.extend(children.split_whitespace().filter_map(|child| child.parse::<u32>().ok()));
        }
        total
    }

    fn start(mut command: Command, port: u16, stop: Stop) -> Self {
        let started = Instant::now();
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        // Built before waiting, so a server that never answers is still stopped.
        let mut server = Self { child, address: format!("127.0.0.1:{port}"), cold_start: 0.0, stop };
        server.cold_start = wait_for_200(&server.address, started);
        server
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        match self.stop {
            Stop::Terminate => {
                let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
            }
            Stop::Kill => {
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
    }
}

/// `kiln run` from process start to the first HTTP 200, then stopped.
pub(crate) fn kiln_run_start(cache: &Path, image: &str) -> f64 {
    Server::kiln_run(cache, image).cold_start
}

/// A server binary, e.g. the app's own from the unpacked image, to the first HTTP 200.
pub(crate) fn binary_start(binary: &Path) -> f64 {
    Server::binary(binary).cold_start
}

/// Seconds from `started` until `GET /` on `address` answers 200 (the whole response read).
fn wait_for_200(address: &str, started: Instant) -> f64 {
    loop {
        if kiln_test_support::get(address, "/").is_some_and(|response| response.status == 200) {
            return started.elapsed().as_secs_f64();
        }
        assert!(started.elapsed() < START_TIMEOUT, "no answer on {address}");
        std::thread::sleep(POLL_INTERVAL);
    }
}
