//! podman's Docker-compatible API (`podman system service`) on a unix socket: the daemon
//! `pack build` needs, where no Docker engine exists. Everything podman reads or writes is the
//! test's own: its containers.conf, storage.conf and registries.conf are passed by
//! environment, so the machine's /etc/containers is never read, and everything it keeps lives
//! in a directory the test names. Images (in vfs storage: no kernel overlay needed) and
//! volumes (pack's build caches) are kept there across runs, so that a warm run pulls and
//! compiles little; containers are removed when the service starts (what a killed run left)
//! and when it stops, and so are images no tag names any more.
//!
//! Only loopback is ever a network target: containers share the host's network namespace
//! (`netns = "host"`), and podman's network backend gets an empty configuration directory and
//! no CNI plugins at all, so a container that asked for a bridge would fail instead of
//! creating an address.

use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// The highest `nproc` runc may set here: above it, runc fails with `error setting rlimit type
/// 6: operation not permitted`, even below the reported hard limit.
const NPROC_CEILING: u64 = 16384;

pub struct PodmanService {
    process: Child,
    /// Closing this pipe stops the service (see `start`).
    lifeline: Option<ChildStdin>,
    /// `unix:///…/podman.sock`: what `DOCKER_HOST` names for pack.
    pub docker_host: String,
    socket: PathBuf,
    /// Configuration, storage and run state.
    dir: PathBuf,
}

impl PodmanService {
    /// Starts the service in `dir`, trusting the plain-HTTP registries `insecure` names
    /// (`127.0.0.1:5000`), and waits until it answers `/_ping`. One service per directory at
    /// a time.
    #[must_use]
    pub fn start(dir: &Path, insecure: &[&str]) -> Self {
        assert!(
            Command::new("podman").arg("--version").output().is_ok(),
            "podman is missing: apt-get install podman (scripts/install-deps does)"
        );
        write_config(dir, insecure);
        let socket = dir.join("podman.sock");
        let _ = std::fs::remove_file(&socket);
        let docker_host = format!("unix://{}", socket.display());
        // The service lives as long as the pipe to this shell: when the test process ends, even
        // without running destructors (a static), the pipe closes and the shell stops it.
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg("podman system service --time=0 \"$0\" >\"$1\" 2>&1 & service=$!; read -r _; kill $service; wait $service")
            .arg(&docker_host)
            .arg(dir.join("service.log"))
            .stdin(Stdio::piped());
        configure(&mut command, dir);
        let mut process = command.spawn().expect("sh starts podman system service");
        let lifeline = process.stdin.take();
        let service = Self { process, lifeline, docker_host, socket, dir: dir.to_path_buf() };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !service.answers() {
            assert!(Instant::now() < deadline, "podman system service did not come up:\n{}", service.log());
            std::thread::sleep(Duration::from_millis(100));
        }
        service.remove_containers();
        service
    }

    /// `podman` with this service's configuration and storage, for what pack does not do
    /// (`podman run`, `podman image inspect`).
    #[must_use]
    pub fn command(&self) -> Command {
        let mut command = Command::new("podman");
        configure(&mut command, &self.dir);
        command
    }

    /// Runs `podman ARGS` quietly, for cleaning up: a failure there must not hide the test's.
    fn quietly(&self, args: &[&str]) {
        let _ = self.command().args(args).stdout(Stdio::null()).stderr(Stdio::null()).status();
    }

    fn remove_containers(&self) {
        self.quietly(&["rm", "--all", "--force"]);
    }

    /// What the service printed so far.
    #[must_use]
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("service.log")).unwrap_or_default()
    }

    fn answers(&self) -> bool {
        std::os::unix::net::UnixStream::connect(&self.socket)
            .and_then(|mut stream| {
                stream.write_all(b"GET /_ping HTTP/1.0\r\nHost: podman\r\n\r\n")?;
                let mut answer = String::new();
                stream.read_to_string(&mut answer)?;
                Ok(answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"))
            })
            .unwrap_or(false)
    }
}

impl Drop for PodmanService {
    /// Removes the containers (and with them their mounts) and the untagged images the test
    /// left, then stops the service.
    fn drop(&mut self) {
        self.remove_containers();
        self.quietly(&["image", "prune", "--force"]);
        drop(self.lifeline.take());
        let _ = self.process.wait();
        let _ = std::fs::remove_file(&self.socket);
    }
}

/// The environment that points podman at the test's own configuration.
fn configure(command: &mut Command, dir: &Path) {
    command
        .env("CONTAINERS_CONF", dir.join("containers.conf"))
        .env("CONTAINERS_STORAGE_CONF", dir.join("storage.conf"))
        .env("CONTAINERS_REGISTRIES_CONF", dir.join("registries.conf"))
        .env("TMPDIR", dir.join("tmp"));
}

fn write_config(dir: &Path, insecure: &[&str]) {
    for subdir in ["images", "tmp", "run", "networks", "no-cni-plugins"] {
        std::fs::create_dir_all(dir.join(subdir)).expect("podman dir");
    }
    let nofile = hard_limit("Max open files");
    let nproc = hard_limit("Max processes").min(NPROC_CEILING);
    let containers_conf = format!(
        r#"[containers]
netns = "host"
default_ulimits = ["nofile={nofile}:{nofile}", "nproc={nproc}:{nproc}"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
# conmon runs `podman container cleanup` when a container exits, with only these variables:
# without this file, that podman would write the container's `died` event elsewhere, and the
# API's wait for the next exit (pack's) would never return. (No `static_dir` either: the
# cleanup is told `--root`, which puts its database under the image storage.)
conmon_env_vars = [
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "CONTAINERS_CONF={dir}/containers.conf",
  "CONTAINERS_STORAGE_CONF={dir}/storage.conf",
  "CONTAINERS_REGISTRIES_CONF={dir}/registries.conf",
]
events_logger = "file"
events_logfile_path = "{dir}/events.log"
tmp_dir = "{dir}/tmp"
volume_path = "{dir}/volumes"

[network]
network_backend = "cni"
network_config_dir = "{dir}/networks"
cni_plugin_dirs = ["{dir}/no-cni-plugins"]
"#,
        dir = dir.display(),
    );
    let storage_conf =
        format!("[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/images\"\nrunroot = \"{0}/run\"\n", dir.display());
    let mut registries_conf = String::from("unqualified-search-registries = []\n");
    for registry in insecure {
        let _ = write!(registries_conf, "\n[[registry]]\nlocation = \"{registry}\"\ninsecure = true\n");
    }
    std::fs::write(dir.join("containers.conf"), containers_conf).expect("containers.conf");
    std::fs::write(dir.join("storage.conf"), storage_conf).expect("storage.conf");
    std::fs::write(dir.join("registries.conf"), registries_conf).expect("registries.conf");
}

/// The hard limit of this process's `/proc/self/limits` line `name` (`unlimited` as `u64::MAX`).
fn hard_limit(name: &str) -> u64 {
    let limits = std::fs::read_to_string("/proc/self/limits").expect("/proc/self/limits");
    let line = limits.lines().find(|line| line.starts_with(name)).unwrap_or_else(|| panic!("no `{name}` limit"));
    let hard = line[name.len()..].split_whitespace().nth(1).expect("a hard limit");
    hard.parse().unwrap_or(u64::MAX)
}
