//! The real single-node Kubernetes of `scripts/cluster` (etcd, kube-apiserver, kube-scheduler,
//! kubelet with containerd and runc, the Tekton and Shipwright controllers, all on loopback), as
//! the Shipwright tests drive it: through kubectl, as a user would.

use crate::world::repo_root;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a `BuildRun` may take on a warm machine before the test gives up.
const BUILDRUN_TIMEOUT: Duration = Duration::from_secs(600);
/// How long the controller may take to register a `Build` (it takes well under a second).
const REGISTRATION_TIMEOUT: Duration = Duration::from_secs(60);

pub(crate) fn shown(output: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn tools_dir() -> PathBuf {
    std::env::var_os("KILN_TOOLS_DIR").map_or_else(|| PathBuf::from("/usr/local/lib/kiln/tools"), PathBuf::from)
}

/// A running cluster, stopped (every process, mount and cgroup it made) when dropped.
pub(crate) struct Cluster {
    dir: PathBuf,
    /// The `KEY=VALUE` lines `scripts/cluster up` printed (`KUBECONFIG`, `KUBECTL`,
    /// `BUSYBOX_IMAGE`, `BUILDAH_IMAGE`, `KANIKO_IMAGE`).
    settings: BTreeMap<String, String>,
}

impl Cluster {
    pub(crate) fn start(dir: &Path, registry: &str) -> Self {
        let output = Command::new(repo_root().join("scripts/cluster"))
            .args(["up", &dir.to_string_lossy(), registry])
            .env("KILN_TOOLS_DIR", tools_dir())
            .stderr(Stdio::inherit())
            .output()
            .expect("scripts/cluster runs");
        let settings = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect();
        let cluster = Self { dir: dir.to_path_buf(), settings };
        assert!(output.status.success(), "the cluster did not start: {}", shown(&output));
        cluster
    }

    /// One of the settings `scripts/cluster up` printed.
    pub(crate) fn setting(&self, key: &str) -> &str {
        self.settings.get(key).unwrap_or_else(|| panic!("scripts/cluster up printed no {key}: {:?}", self.settings))
    }

    pub(crate) fn kubectl_with_input(&self, args: &[&str], input: &str) -> Output {
        let mut child = Command::new(self.setting("KUBECTL"))
            .arg("--kubeconfig")
            .arg(self.setting("KUBECONFIG"))
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubectl runs");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("kubectl reads its input");
        child.wait_with_output().expect("kubectl ends")
    }

    pub(crate) fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_with_input(args, "")
    }

    pub(crate) fn kubectl_ok(&self, args: &[&str]) -> String {
        let output = self.kubectl(args);
        assert!(output.status.success(), "kubectl {} failed: {}", args.join(" "), shown(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `kubectl create -f -` of `yaml` (a `BuildRun` may have a `generateName`, which `apply`
    /// refuses), in `namespace`; the names of what was created.
    pub(crate) fn create(&self, namespace: &str, yaml: &str) -> Vec<String> {
        let output =
            self.kubectl_with_input(&["create", "-n", namespace, "--validate=strict", "-o", "name", "-f", "-"], yaml);
        assert!(output.status.success(), "kubectl create failed: {}\n{yaml}", shown(&output));
        String::from_utf8_lossy(&output.stdout).lines().map(ToString::to_string).collect()
    }

    /// A namespace with the `default` `ServiceAccount`, which kube-controller-manager would make.
    pub(crate) fn namespace(&self, name: &str) {
        self.kubectl_ok(&["create", "namespace", name]);
        self.kubectl_ok(&["create", "serviceaccount", "default", "-n", name]);
    }

    pub(crate) fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.extend(["-o", "json"]);
        serde_json::from_str(&self.kubectl_ok(&args)).expect("kubectl prints JSON")
    }

    /// A `Build`'s `status.reason` once the controller has registered it (or refused to).
    pub(crate) fn registration(&self, namespace: &str, build: &str) -> String {
        let deadline = Instant::now() + REGISTRATION_TIMEOUT;
        loop {
            let status = &self.json(&["get", "-n", namespace, build])["status"];
            if let Some(reason) = status["reason"].as_str().filter(|_| !status["registered"].is_null()) {
                return reason.to_string();
            }
            assert!(Instant::now() < deadline, "{namespace}/{build} was never registered: {status:#}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits for a `BuildRun` to end (its `Succeeded` condition no longer `Unknown`) and
    /// returns it.
    pub(crate) fn finished_buildrun(&self, namespace: &str, buildrun: &str) -> serde_json::Value {
        let deadline = Instant::now() + BUILDRUN_TIMEOUT;
        loop {
            let object = self.json(&["get", "-n", namespace, buildrun]);
            if succeeded_condition(&object).is_some_and(|condition| condition["status"] != "Unknown") {
                return object;
            }
            assert!(Instant::now() < deadline, "{buildrun} did not finish: {object:#}\n{}", self.pod_logs(buildrun));
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    /// The container logs of the pods whose names hold `name`, from the node's log directory.
    pub(crate) fn pod_logs(&self, name: &str) -> String {
        let name = name.rsplit('/').next().unwrap_or(name);
        let mut logs = String::new();
        for entry in walkdir::WalkDir::new(self.dir.join("pod-logs")).into_iter().filter_map(Result::ok) {
            if entry.file_type().is_file() && entry.path().to_string_lossy().contains(name) {
                let _ = writeln!(logs, "--- {}", entry.path().display());
                logs.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
        logs
    }

    /// Stops the cluster, and returns what it left behind: processes started from its directory
    /// or the cluster's tools, pod cgroups, mounts under its directory.
    pub(crate) fn stop(self) -> Vec<String> {
        self.down();
        let started_from =
            [self.dir.to_string_lossy().into_owned(), tools_dir().join("cluster").to_string_lossy().into_owned()];
        let mut left = Vec::new();
        for entry in std::fs::read_dir("/proc").expect("/proc").filter_map(Result::ok) {
            let command_line = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
            let command_line = String::from_utf8_lossy(&command_line).replace('\0', " ");
            if started_from.iter().any(|path| command_line.contains(path.as_str())) {
                left.push(format!("process {}: {command_line}", entry.file_name().to_string_lossy()));
            }
        }
        for controller in std::fs::read_dir("/sys/fs/cgroup").into_iter().flatten().filter_map(Result::ok) {
            if controller.path().join("kubepods").exists() {
                left.push(format!("cgroup {}", controller.path().join("kubepods").display()));
            }
        }
        let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
        left.extend(
            mounts.lines().filter(|line| line.contains(started_from[0].as_str())).map(|line| format!("mount {line}")),
        );
        left
    }

    fn down(&self) {
        let _ = Command::new(repo_root().join("scripts/cluster"))
            .args(["down", &self.dir.to_string_lossy()])
            .env("KILN_TOOLS_DIR", tools_dir())
            .status();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.down();
    }
}

/// The `Succeeded` condition of a `BuildRun` (or `TaskRun`), once it has one.
pub(crate) fn succeeded_condition(object: &serde_json::Value) -> Option<&serde_json::Value> {
    object["status"]["conditions"].as_array()?.iter().find(|condition| condition["type"] == "Succeeded")
}
