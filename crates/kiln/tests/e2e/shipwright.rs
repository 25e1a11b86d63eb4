//! Shipwright on a real single-node Kubernetes (`scripts/cluster`: etcd, kube-apiserver,
//! kube-scheduler, kubelet with containerd and runc, the Tekton and Shipwright controllers, all on
//! loopback): kiln's strategies and samples apply under strict validation, a `kiln-buildpacks`
//! `BuildRun` builds `test-fixtures/go-http` from a loopback Git daemon with kiln's builder (which
//! carries the kiln CLI for `kiln build --in-builder`), and its failures reach the `BuildRun`.
//!
//! One test runs them in order on one cluster, each step with its time; the cluster is stopped
//! and cleaned up however the test ends.
//!
//! NOT YET REGISTERED in e2e.rs (work in progress, see the Shipwright issue): its last run got
//! the cluster up and step 1 green, and the BuildRun's pod ran, but Shipwright's Git step
//! failed with `GitError: exec: "ssh": executable file not found in $PATH`: its git image (kiln's
//! build image plus Shipwright's `cmd/git`) needs openssh-client. Registering it also needs
//! `world::world_lifecycle_tarball` (the world's lifecycle tarball, `lifecycle_tarball(&work_dir())`).

use crate::app::RunningApp;
use crate::world::{kiln, repo_root, world, world_lifecycle_tarball};
use kiln_test_support::{free_port, FileServer};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long a `BuildRun` may take on a warm machine before the test gives up.
const BUILDRUN_TIMEOUT: Duration = Duration::from_secs(600);

fn timed<T>(what: &str, action: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let value = action();
    eprintln!("[shipwright] {what}: {:.1} s", started.elapsed().as_secs_f64());
    value
}

fn tools_dir() -> PathBuf {
    std::env::var_os("KILN_TOOLS_DIR").map_or_else(|| PathBuf::from("/usr/local/lib/kiln/tools"), PathBuf::from)
}

fn shown(output: &Output) -> String {
    format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// The cluster of `scripts/cluster`, stopped (every process, mount and cgroup) when dropped.
struct Cluster {
    dir: PathBuf,
    kubeconfig: PathBuf,
}

impl Cluster {
    fn start(dir: &Path, registry: &str) -> Self {
        let output = Command::new(repo_root().join("scripts/cluster"))
            .args(["up", &dir.to_string_lossy(), registry])
            .env("KILN_TOOLS_DIR", tools_dir())
            .stderr(Stdio::inherit())
            .output()
            .expect("scripts/cluster runs");
        let cluster = Self { dir: dir.to_path_buf(), kubeconfig: dir.join("admin.kubeconfig") };
        assert!(output.status.success(), "the cluster did not start: {}", shown(&output));
        cluster
    }

    fn kubectl(&self, args: &[&str]) -> Output {
        let kubernetes = std::fs::read_dir(tools_dir().join("cluster"))
            .expect("cluster tools")
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .find(|path| path.file_name().is_some_and(|name| name.to_string_lossy().starts_with("kubernetes-")))
            .expect("kubectl built by scripts/build-cluster-tools");
        Command::new(kubernetes.join("kubectl"))
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .args(args)
            .output()
            .expect("kubectl runs")
    }

    fn kubectl_ok(&self, args: &[&str]) -> String {
        let output = self.kubectl(args);
        assert!(output.status.success(), "kubectl {} failed: {}", args.join(" "), shown(&output));
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    fn apply(&self, yaml: &str) {
        let file = tempfile::NamedTempFile::new().expect("yaml file");
        std::fs::write(file.path(), yaml).expect("yaml");
        self.kubectl_ok(&["apply", "-f", &file.path().to_string_lossy()]);
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.extend(["-o", "json"]);
        serde_json::from_str(&self.kubectl_ok(&args)).expect("kubectl prints JSON")
    }

    /// Waits for the `BuildRun` to end and returns it.
    fn finished_buildrun(&self, name: &str) -> serde_json::Value {
        let deadline = Instant::now() + BUILDRUN_TIMEOUT;
        loop {
            let buildrun = self.json(&["get", "buildrun", name]);
            let succeeded = buildrun["status"]["conditions"]
                .as_array()
                .and_then(|conditions| conditions.iter().find(|condition| condition["type"] == "Succeeded"))
                .cloned();
            if succeeded.as_ref().is_some_and(|condition| condition["status"] != "Unknown") {
                return buildrun;
            }
            assert!(Instant::now() < deadline, "BuildRun {name} did not finish: {buildrun:#}\n{}", self.logs(name));
            std::thread::sleep(Duration::from_secs(2));
        }
    }

    /// The `BuildRun` pod's container logs, from the node's log directory.
    fn logs(&self, buildrun: &str) -> String {
        let mut logs = String::new();
        for entry in walkdir::WalkDir::new(self.dir.join("pod-logs")).into_iter().filter_map(Result::ok) {
            if entry.path().to_string_lossy().contains(buildrun) && entry.file_type().is_file() {
                let _ = writeln!(logs, "--- {}", entry.path().display());
                logs.push_str(&std::fs::read_to_string(entry.path()).unwrap_or_default());
            }
        }
        logs
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Command::new(repo_root().join("scripts/cluster"))
            .args(["down", &self.dir.to_string_lossy()])
            .env("KILN_TOOLS_DIR", tools_dir())
            .status();
    }
}

/// `git daemon` on loopback serving one repository per fixture, each the fixture's files at
/// its root, as Shipwright's Git source step fetches them.
struct GitDaemon {
    process: Child,
    port: u16,
    _repositories: tempfile::TempDir,
}

impl GitDaemon {
    fn serve(fixtures: &[&str]) -> Self {
        let repositories = tempfile::tempdir().expect("repositories");
        for fixture in fixtures {
            let repository = repositories.path().join(fixture);
            copy_tree(&repo_root().join("test-fixtures").join(fixture), &repository);
            // Git keeps no empty directory: a fixture with no files gets one that detects nothing.
            std::fs::write(repository.join("README"), "kiln test fixture\n").expect("README");
            for args in [
                &["init", "-q", "-b", "main"][..],
                &["add", "-A"],
                &["-c", "user.name=kiln", "-c", "user.email=kiln@127.0.0.1", "commit", "-q", "-m", "fixture"],
            ] {
                let status = Command::new("git").args(args).current_dir(&repository).status().expect("git");
                assert!(status.success(), "git {args:?} in {}", repository.display());
            }
        }
        let port = free_port();
        let process = Command::new("git")
            .args(["daemon", "--listen=127.0.0.1", &format!("--port={port}"), "--export-all", "--reuseaddr"])
            .arg(format!("--base-path={}", repositories.path().display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .expect("git daemon starts");
        Self { process, port, _repositories: repositories }
    }

    fn url(&self, fixture: &str) -> String {
        format!("git://127.0.0.1:{}/{fixture}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("directory");
        } else {
            std::fs::copy(entry.path(), &target).expect("file");
        }
    }
}

/// kiln's builder with the kiln CLI in it: the world's builder.toml and base images, plus the
/// musl build of this kiln (`kiln builder create --kiln-cli`).
fn builder_with_kiln_cli(registry: &str, cache_dir: &Path) -> String {
    let status = Command::new("cargo")
        .args(["build", "--release", "--locked", "--target", "x86_64-unknown-linux-musl", "-p", "kiln"])
        .current_dir(repo_root())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the musl build of kiln failed");
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo_root().join("target"), PathBuf::from);
    let kiln_cli = target.join("x86_64-unknown-linux-musl/release/kiln");
    let image = format!("{registry}/kiln/builder-in-builder:e2e");
    let lifecycle = world_lifecycle_tarball();
    let output = kiln(
        cache_dir,
        &[
            "builder",
            "create",
            "--config",
            &repo_root().join("builder.toml").to_string_lossy(),
            "--image",
            &image,
            "--build-image",
            &format!("{registry}/kiln/build:e2e"),
            "--run-image",
            &format!("{registry}/kiln/run:e2e"),
            "--lifecycle",
            &lifecycle.to_string_lossy(),
            "--kiln-cli",
            &kiln_cli.to_string_lossy(),
        ],
    );
    assert!(output.status.success(), "kiln builder create --kiln-cli failed: {}", shown(&output));
    image
}

fn build_yaml(name: &str, source: &str, image: &str, builder: &str, env: &[(&str, &str)]) -> String {
    let env = env.iter().fold(String::new(), |mut yaml, (name, value)| {
        let _ = writeln!(yaml, "    - name: {name}\n      value: \"{value}\"");
        yaml
    });
    format!(
        "apiVersion: shipwright.io/v1beta1\nkind: Build\nmetadata:\n  name: {name}\nspec:\n  source:\n    type: Git\n    git:\n      url: {source}\n  strategy:\n    kind: ClusterBuildStrategy\n    name: kiln-buildpacks\n  paramValues:\n    - name: builder-image\n      value: {builder}\n  env:\n{env}  output:\n    image: {image}\n---\napiVersion: shipwright.io/v1beta1\nkind: BuildRun\nmetadata:\n  name: {name}\nspec:\n  build:\n    name: {name}\n"
    )
}

fn condition_reason(buildrun: &serde_json::Value) -> String {
    buildrun["status"]["conditions"][0]["reason"].as_str().unwrap_or_default().to_string()
}

#[test]
#[ignore = "real components: root, the cluster tools of scripts/build-cluster-tools, containerd, runc, a registry, git; scripts/test runs it"]
fn kiln_strategies_run_on_a_real_cluster() {
    let w = world();
    let registry = &w.registry.address;
    let builder = timed("kiln builder with the kiln CLI", || builder_with_kiln_cli(registry, &w.cache_dir));
    let work = tempfile::tempdir().expect("cluster dir");
    let cluster = timed("cluster start (control plane, node, Tekton, Shipwright)", || {
        Cluster::start(&work.path().join("cluster"), registry)
    });
    let started = Instant::now();

    // 1. Every strategy and sample applies under strict field validation.
    timed("1: strategies and samples, dry-run=server", || {
        for entry in walkdir::WalkDir::new(repo_root().join("strategies")).into_iter().filter_map(Result::ok) {
            let path = entry.path().to_string_lossy().into_owned();
            if entry.path().extension().is_some_and(|extension| extension == "yaml") {
                cluster.kubectl_ok(&["create", "--dry-run=server", "--validate=strict", "-f", &path]);
            }
        }
        cluster.kubectl_ok(&["apply", "--validate=strict", "-f", &repo_root().join("strategies").to_string_lossy()]);
    });

    let git = GitDaemon::serve(&["go-http", "empty"]);
    let inventory_dir = tempfile::tempdir().expect("inventory dir");
    std::fs::copy(&w.inventory, inventory_dir.path().join("inventory.toml")).expect("inventory");
    let inventory = FileServer::start(inventory_dir.path());
    let inventory_url = format!("{}/inventory.toml", inventory.url.trim_end_matches('/'));

    // 4. A kiln-buildpacks `BuildRun` of go-http succeeds; its digest is the registry's; it serves.
    let image = format!("{registry}/shipwright/go-http:1");
    let buildrun = timed("4: kiln-buildpacks BuildRun of go-http", || {
        let env = [("FUNC_NAME", "HelloWorld"), ("KILN_INVENTORY", inventory_url.as_str())];
        cluster.apply(&build_yaml("go-http", &git.url("go-http"), &image, &builder, &env));
        cluster.finished_buildrun("go-http")
    });
    assert_eq!(condition_reason(&buildrun), "Succeeded", "{buildrun:#}\n{}", cluster.logs("go-http"));
    let digest = buildrun["status"]["output"]["digest"].as_str().expect("status.output.digest").to_string();
    let inspected = Command::new("skopeo")
        .args(["inspect", "--tls-verify=false", "--format", "{{.Digest}}", &format!("docker://{image}")])
        .output()
        .expect("skopeo");
    assert_eq!(String::from_utf8_lossy(&inspected.stdout).trim(), digest, "the registry's digest differs");
    let mut app = RunningApp::start(&w.cache_dir, &format!("{registry}/shipwright/go-http@{digest}"));
    let response = app.get_when_up("/?name=kiln");
    assert_eq!((response.status, response.text().as_str()), (200, "Hello, kiln!\n"));
    drop(app);

    // 7. The kiln-buildpacks step ran as cnb, with no privilege and no added capability, as the
    // apiserver records the pod.
    let pods = cluster.json(&["get", "pods", "-l", "buildrun.shipwright.io/name=go-http"]);
    let pod = &pods["items"][0];
    let step = pod["spec"]["containers"]
        .as_array()
        .and_then(|containers| containers.iter().find(|c| c["name"] == "step-build-and-push"))
        .unwrap_or_else(|| panic!("no step-build-and-push container: {pod:#}"));
    let security = &step["securityContext"];
    assert_eq!(security["runAsUser"], 1000, "{security:#}");
    assert_eq!(security["runAsGroup"], 1000, "{security:#}");
    assert_eq!(security["allowPrivilegeEscalation"], false, "{security:#}");
    assert_eq!(security["capabilities"]["drop"], serde_json::json!(["ALL"]), "{security:#}");
    assert!(security["capabilities"]["add"].is_null(), "{security:#}");
    assert_ne!(security["privileged"], true, "{security:#}");

    // 6. A source no buildpack detects fails the `BuildRun` with kiln's kind and message.
    let buildrun = timed("6: kiln-buildpacks BuildRun of an empty source", || {
        let env = [("KILN_INVENTORY", inventory_url.as_str())];
        let image = format!("{registry}/shipwright/empty:1");
        cluster.apply(&build_yaml("empty", &git.url("empty"), &image, &builder, &env));
        cluster.finished_buildrun("empty")
    });
    assert_eq!(condition_reason(&buildrun), "Failed", "{buildrun:#}");
    let failure = &buildrun["status"]["failureDetails"];
    assert_eq!(failure["reason"], "NoBuildpackDetected", "{buildrun:#}\n{}", cluster.logs("empty"));
    let message = failure["message"].as_str().unwrap_or_default();
    assert!(message.contains("no buildpack detected this source"), "{failure:#}");

    eprintln!("[shipwright] the cluster tests took {:.1} s after the cluster started", started.elapsed().as_secs_f64());
    drop(cluster);
}
