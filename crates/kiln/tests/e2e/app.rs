//! A running app image: `kiln run` in the background with its output kept in a file,
//! stopped with SIGTERM when dropped.

use kiln_test_support::{get, HttpResponse};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct RunningApp {
    process: Option<Child>,
    pub(crate) address: String,
    log: tempfile::NamedTempFile,
}

impl RunningApp {
    pub(crate) fn start(cache_dir: &Path, image: &str) -> Self {
        Self::start_on(cache_dir, image, None, &[])
    }

    /// `kiln run` with `--address ADDRESS` when given (else kiln's default, 127.0.0.1), asked on
    /// that address, and an `--env` for each of `env` (`NAME=VALUE`).
    pub(crate) fn start_on(cache_dir: &Path, image: &str, address: Option<&str>, env: &[&str]) -> Self {
        let port = kiln_test_support::free_port();
        let log = tempfile::NamedTempFile::new().expect("log file");
        let port_arg = port.to_string();
        let mut args = vec!["run", image, "--port", &port_arg];
        args.extend(address.iter().flat_map(|address| ["--address", *address]));
        args.extend(env.iter().flat_map(|setting| ["--env", *setting]));
        let process = Command::new(env!("CARGO_BIN_EXE_kiln"))
            .args(&args)
            .env("KILN_CACHE_DIR", cache_dir)
            .stdin(Stdio::null())
            .stdout(append_to(log.path()))
            .stderr(append_to(log.path()))
            .spawn()
            .expect("kiln run starts");
        Self { process: Some(process), address: format!("{}:{port}", address.unwrap_or("127.0.0.1")), log }
    }

    /// What kiln run and the app printed so far.
    pub(crate) fn logs(&self) -> String {
        std::fs::read_to_string(self.log.path()).expect("log file")
    }

    /// GET `path` once the app answers, waiting up to a minute for it to start.
    pub(crate) fn get_when_up(&mut self, path: &str) -> HttpResponse {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(response) = get(&self.address, path) {
                return response;
            }
            if let Some(status) = self.process.as_mut().and_then(|p| p.try_wait().ok().flatten()) {
                panic!("kiln run exited before the app answered: {status}");
            }
            assert!(Instant::now() < deadline, "the app never answered on {}", self.address);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends SIGTERM to kiln and waits for it to stop the app.
    pub(crate) fn stop(&mut self) -> ExitStatus {
        let mut process = self.process.take().expect("the app is running");
        let status = Command::new("kill").args(["-TERM", &process.id().to_string()]).status().expect("kill runs");
        assert!(status.success(), "kill -TERM failed");
        process.wait().expect("kiln run ends")
    }
}

impl Drop for RunningApp {
    fn drop(&mut self) {
        if self.process.is_some() {
            let _ = self.stop();
        }
    }
}

/// Appending handles, so stdout and stderr add to the file instead of overwriting each other.
fn append_to(path: &Path) -> std::fs::File {
    std::fs::OpenOptions::new().append(true).open(path).expect("log file opens for appending")
}

/// The function contract suite talks to a function under `kiln run`.
impl kiln_test_support::contract::ServedFunction for RunningApp {
    fn address(&self) -> &str {
        &self.address
    }

    fn logs(&self) -> String {
        RunningApp::logs(self)
    }

    fn terminate(&mut self) -> ExitStatus {
        self.stop()
    }
}
