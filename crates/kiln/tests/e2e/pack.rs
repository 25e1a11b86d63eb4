//! End-to-end: the real `pack build` with kiln's builder, through podman's Docker-compatible
//! API (no Docker engine exists here), on loopback only. pack publishes to the world's
//! registry (`kiln run` serves the image, and `kiln build` of the same source gives the same
//! image), or exports into podman's image store (`podman run` serves it); a source nothing
//! detects fails with pack's exit code and kiln's buildpack reasons.

use crate::app::RunningApp;
use crate::world::{expect_success, kiln, progress, repo_root, work_dir, world};
use kiln_test_support::{get, request, FileServer, PodmanService};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// pack's exit code when the lifecycle fails: pack reports every build failure with 1 (the
/// lifecycle's own code, 20 for "no buildpack detected", is in its message).
const PACK_FAILED: i32 = 1;

/// One podman service per work dir at a time: the pack tests take turns.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A pack run's surroundings: podman's API on a unix socket, pack's own home, and the world's
/// inventory served on loopback (a path on this machine means nothing inside pack's build
/// container, which shares only the host's network).
struct PackSetup {
    podman: PodmanService,
    pack_home: tempfile::TempDir,
    inventory_url: String,
    _inventory_server: FileServer,
    _inventory_dir: tempfile::TempDir,
    addresses_before: String,
}

impl PackSetup {
    fn start() -> Self {
        let w = world();
        let addresses_before = addresses();
        let podman = PodmanService::start(&work_dir().join("podman"), &[&w.registry.address]);
        let inventory_dir = tempfile::tempdir().expect("inventory dir");
        std::fs::copy(&w.inventory, inventory_dir.path().join("inventory.toml")).expect("inventory copy");
        let inventory_server = FileServer::start(inventory_dir.path());
        Self {
            podman,
            pack_home: tempfile::tempdir().expect("pack home"),
            inventory_url: format!("{}/inventory.toml", inventory_server.url),
            _inventory_server: inventory_server,
            _inventory_dir: inventory_dir,
            addresses_before,
        }
    }

    /// `pack build IMAGE` of `fixture` with the world's builder (trusted: pack then runs the
    /// builder's own creator, as kiln does) on the host network, plus `args`. Every build of
    /// a fixture shares one build cache, a podman volume kept across runs: pack would name it
    /// after the image, and each image would compile cold.
    fn pack_build(&self, image: &str, fixture: &str, args: &[&str]) -> Output {
        let inventory = format!("KILN_INVENTORY={}", self.inventory_url);
        let cache = format!("type=build;format=volume;name=kiln-e2e-pack-{fixture}");
        let path = repo_root().join("test-fixtures").join(fixture);
        let started = Instant::now();
        let output = Command::new(pack())
            .args(["build", image, "--builder", &world().builder, "--trust-builder", "--network", "host"])
            .arg("--path")
            .arg(&path)
            .args(["--env", &inventory, "--cache", &cache, "--timestamps"])
            .args(args)
            .env("PACK_HOME", self.pack_home.path())
            .env("DOCKER_HOST", &self.podman.docker_host)
            .output()
            .expect("pack runs (set KILN_PACK to its path)");
        progress(&format!(
            "pack build {image} {fixture}: {} in {:.1} s",
            output.status,
            started.elapsed().as_secs_f64()
        ));
        eprintln!("[e2e] pack build {image} {fixture} {args:?} -> {}\n{}", output.status, combined(&output));
        output
    }

    /// No address outside loopback appeared (podman made no bridge or CNI network).
    fn assert_no_new_addresses(&self) {
        assert_eq!(addresses(), self.addresses_before, "the network's addresses changed during the pack build");
    }
}

fn pack() -> PathBuf {
    std::env::var_os("KILN_PACK").map_or_else(|| PathBuf::from("pack"), PathBuf::from)
}

/// Every interface and address of the machine, as `ip -o addr` lists them.
fn addresses() -> String {
    let output = Command::new("ip").args(["-o", "addr"]).output().expect("ip runs");
    assert!(output.status.success(), "ip -o addr failed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn combined(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn expect_pack_success(output: &Output) {
    assert!(output.status.success(), "pack build failed ({}):\n{}", output.status, combined(output));
}

/// The digest pack prints for a published image (`Images (sha256:…)`).
fn published_digest(output: &Output) -> String {
    let text = combined(output);
    let digest = text.split("Images (").nth(1).and_then(|rest| rest.split(')').next());
    digest.unwrap_or_else(|| panic!("pack printed no published image digest:\n{text}")).to_string()
}

#[test]
#[ignore = "real components: root, podman, pack, runc, a registry, the lifecycle; scripts/test runs it"]
fn pack_build_publishes_the_same_image_kiln_build_does_and_kiln_run_serves_it() {
    let _turn = one_at_a_time();
    let w = world();
    let setup = PackSetup::start();
    let packed = format!("{}/pack/go-http:1", w.registry.address);
    let output = setup.pack_build(&packed, "go-http", &["--env", "FUNC_NAME=HelloWorld", "--publish"]);
    expect_pack_success(&output);
    setup.assert_no_new_addresses();
    let pack_digest = published_digest(&output);

    let mut app = RunningApp::start(&w.cache_dir, &packed);
    let response = app.get_when_up("/?name=pack");
    assert_eq!((response.status, response.text().as_str()), (200, "Hello, pack!\n"));
    drop(app);

    let built = format!("{}/compare/go-http:1", w.registry.address);
    let source = repo_root().join("test-fixtures/go-http");
    let inventory = format!("KILN_INVENTORY={}", setup.inventory_url);
    let output = kiln(
        &w.cache_dir,
        &[
            "build",
            &source.to_string_lossy(),
            "--image",
            &built,
            "--builder",
            &w.builder,
            "--env",
            "FUNC_NAME=HelloWorld",
            "--env",
            &inventory,
            "--json",
        ],
    );
    expect_success(&output);
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).expect("--json result");
    let kiln_digest = result["digest"].as_str().expect("a digest");
    let differences = ImageParts::of(&w.registry.address, "pack/go-http", &pack_digest).differences(&ImageParts::of(
        &w.registry.address,
        "compare/go-http",
        kiln_digest,
    ));
    assert!(
        differences.is_empty() && pack_digest == kiln_digest,
        "pack build gave {pack_digest}, kiln build {kiln_digest}; they differ in:\n{}",
        differences.join("\n")
    );
}

#[test]
#[ignore = "real components: root, podman, pack, runc, a registry, the lifecycle; scripts/test runs it"]
fn pack_build_into_podmans_store_serves_with_podman_run_and_undetected_sources_fail_with_kilns_reasons() {
    let _turn = one_at_a_time();
    let setup = PackSetup::start();
    // A Docker Hub-style name, as Docker's API normalizes it: podman keeps what the lifecycle
    // saves through that API as `docker.io/…` (a `localhost/…` name would become
    // `docker.io/localhost/…`, which `podman run localhost/…` does not find).
    let image = "docker.io/kiln-e2e/pack-daemon:1";
    // The lifecycle exports into the daemon through the socket pack gives its container:
    // `inherit` makes that podman's (DOCKER_HOST), not /var/run/docker.sock.
    let output = setup.pack_build(image, "go-http", &["--env", "FUNC_NAME=HelloWorld", "--docker-host", "inherit"]);
    expect_pack_success(&output);

    let port = kiln_test_support::free_port();
    let name = format!("kiln-e2e-pack-{port}");
    let started = setup
        .podman
        .command()
        .args(["run", "--detach", "--rm", "--network", "host", "--name", &name])
        .args(["--env", &format!("PORT={port}"), "--env", "FUNC_ADDRESS=127.0.0.1", image])
        .output()
        .expect("podman runs");
    assert!(started.status.success(), "podman run failed:\n{}", combined(&started));
    let address = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    let response = loop {
        if let Some(response) = get(&address, "/?name=podman") {
            break response;
        }
        assert!(Instant::now() < deadline, "the image under podman run never answered on {address}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!((response.status, response.text().as_str()), (200, "Hello, podman!\n"));
    let _ = setup.podman.command().args(["rm", "--force", &name]).output();
    let _ = setup.podman.command().args(["rmi", "--force", image]).output();

    let output = setup.pack_build("docker.io/kiln-e2e/pack-empty:1", "empty", &["--docker-host", "inherit"]);
    assert_eq!(output.status.code(), Some(PACK_FAILED), "{}", combined(&output));
    let text = combined(&output);
    // The buildpack's own reason, and the lifecycle's exit code for "no buildpack detected".
    for said in ["No go.mod at the source root", "failed with status code: 20"] {
        assert!(text.contains(said), "pack's output has no `{said}`:\n{text}");
    }
    setup.assert_no_new_addresses();
}

/// What an image is made of, as its registry has it: the config's fields (labels one by one)
/// and the layers' digests, for saying exactly where two images differ.
struct ImageParts {
    config: BTreeMap<String, String>,
    layers: Vec<String>,
}

impl ImageParts {
    fn of(registry: &str, repository: &str, digest: &str) -> Self {
        let accept = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
        let manifest = registry_json(registry, &format!("/v2/{repository}/manifests/{digest}"), &[("Accept", accept)]);
        let config_digest = manifest["config"]["digest"].as_str().expect("a config digest");
        let config = registry_json(registry, &format!("/v2/{repository}/blobs/{config_digest}"), &[]);
        let layers = manifest["layers"]
            .as_array()
            .expect("layers")
            .iter()
            .map(|layer| layer["digest"].as_str().expect("a layer digest").to_string())
            .collect();
        let mut fields = BTreeMap::new();
        flatten("", &config, &mut fields);
        Self { config: fields, layers }
    }

    /// One line per config field or layer that differs, `self` (pack's) first.
    fn differences(&self, other: &Self) -> Vec<String> {
        let mut lines = Vec::new();
        let keys: std::collections::BTreeSet<&String> = self.config.keys().chain(other.config.keys()).collect();
        for key in keys {
            let (ours, theirs) = (self.config.get(key), other.config.get(key));
            if ours != theirs {
                lines.push(format!("config {key}: pack {ours:?}, kiln {theirs:?}"));
            }
        }
        for index in 0..self.layers.len().max(other.layers.len()) {
            let (ours, theirs) = (self.layers.get(index), other.layers.get(index));
            if ours != theirs {
                lines.push(format!("layer {index}: pack {ours:?}, kiln {theirs:?}"));
            }
        }
        lines
    }
}

fn registry_json(registry: &str, path: &str, headers: &[(&str, &str)]) -> serde_json::Value {
    let response = request(registry, "GET", path, headers, b"").expect("the registry answers");
    assert_eq!(response.status, 200, "GET {path}: {}", response.text());
    serde_json::from_slice(&response.body).expect("JSON from the registry")
}

/// `value` as `path = leaf` pairs; label values that are JSON documents are opened too, so a
/// difference names the field inside `io.buildpacks.lifecycle.metadata`.
fn flatten(path: &str, value: &serde_json::Value, into: &mut BTreeMap<String, String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                flatten(&format!("{path}.{key}"), inner, into);
            }
        }
        serde_json::Value::Array(items) => {
            for (index, inner) in items.iter().enumerate() {
                flatten(&format!("{path}[{index}]"), inner, into);
            }
        }
        serde_json::Value::String(text) if text.starts_with('{') => match serde_json::from_str(text) {
            Ok(document) => flatten(path, &document, into),
            Err(_) => {
                into.insert(path.to_string(), text.clone());
            }
        },
        leaf => {
            into.insert(path.to_string(), leaf.to_string());
        }
    }
}
