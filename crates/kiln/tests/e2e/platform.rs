//! End-to-end: what `kiln build` does as the platform, on the real lifecycle, runc and
//! registry: trusting the host's CA store without being told, project.toml's exclude, failing
//! fast on a registry that does not answer, Ctrl-C at the lock and in the lifecycle,
//! `kiln cache`, and where `kiln run` serves.

use crate::app::RunningApp;
use crate::world::{expect_success, kiln, kiln_build, repo_root, world};
use kiln_test_support::get;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

/// `kiln build` arguments for `source` into `image` with the world's builder, as a new user
/// would give them: no CA bundle, the mirror inventory passed by name from kiln's environment.
fn build_args(source: &Path, image: &str) -> Vec<String> {
    let source = source.to_string_lossy().into_owned();
    ["build", &source, "--image", image, "--builder", &world().builder, "--env", "KILN_INVENTORY", "--json"]
        .map(ToString::to_string)
        .to_vec()
}

/// `kiln` with the world's cache and `KILN_INVENTORY` in its environment (so that `--env
/// KILN_INVENTORY` passes it on), its stderr kept in `log`.
fn spawn_kiln(args: &[String], scratch: &Path, log: &Path) -> Child {
    let log = std::fs::File::create(log).expect("log file");
    Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .current_dir(repo_root())
        .env("KILN_CACHE_DIR", &world().cache_dir)
        .env("KILN_SCRATCH_DIR", scratch)
        .env("KILN_INVENTORY", &world().inventory)
        .env_remove("KILN_BUILDER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .expect("kiln starts")
}

fn run_kiln(args: &[String], scratch: &Path) -> Output {
    let log = tempfile::NamedTempFile::new().expect("log");
    let child = spawn_kiln(args, scratch, log.path());
    let mut output = child.wait_with_output().expect("kiln ends");
    output.stderr = std::fs::read(log.path()).expect("log");
    eprintln!("[e2e] kiln {} -> {}\n{}", args.join(" "), output.status, stderr(&output));
    output
}

/// Waits up to `limit` for `text` in the log at `path`, panicking if kiln ends first.
fn wait_for_log(child: &mut Child, path: &Path, text: &str, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let log = std::fs::read_to_string(path).unwrap_or_default();
        if log.contains(text) {
            return log;
        }
        if let Some(status) = child.try_wait().expect("kiln status") {
            panic!("kiln ended ({status}) before saying `{text}`:\n{log}");
        }
        assert!(Instant::now() < deadline, "kiln did not say `{text}` within {limit:?}:\n{log}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends SIGINT to kiln alone (not its process group, as Ctrl-C would) and waits for it.
fn interrupt(mut child: Child) -> ExitStatus {
    let sent = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill runs");
    assert!(sent.success(), "kill -INT failed");
    child.wait().expect("kiln ends")
}

fn scratch_entries(scratch: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(scratch)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default()
}

fn image_ref(repository: &str) -> String {
    format!("{}/{repository}:1", world().registry.address)
}

/// The files of the image as the registry has it, unpacked into a directory.
fn unpacked_image(image: &str) -> tempfile::TempDir {
    let reference: kiln_oci::ImageRef = image.parse().expect("reference");
    let blobs = tempfile::tempdir().expect("blob dir");
    let rootfs = tempfile::tempdir().expect("rootfs dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let registry = kiln_oci::Registry::new(kiln_oci::RegistryOptions::default());
    let pulled = runtime.block_on(registry.pull(&reference, blobs.path(), &|_| {})).expect("pull the built image");
    kiln_oci::unpack(&pulled.layers, &rootfs.path().join("rootfs")).expect("unpack");
    rootfs
}

/// The host's CA bundle, which holds the CA of the TLS-intercepting proxy in front of the
/// Go module proxy on this machine.
const HOST_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn a_go_app_with_module_dependencies_builds_through_the_hosts_ca_store_without_putting_it_in_the_image() {
    let scratch = tempfile::tempdir().expect("scratch");
    let image = image_ref("platform/ca-trust");
    let source = repo_root().join("test-fixtures/go-app-deps");
    let output = run_kiln(&build_args(&source, &image), scratch.path());
    expect_success(&output);
    let log = stderr(&output);
    assert!(log.contains("Trusting this machine's CA certificates"), "{log}");

    let host_bundle = std::fs::read(HOST_CA_BUNDLE).expect("the host's CA bundle");
    let unpacked = unpacked_image(&image);
    for entry in walkdir::WalkDir::new(unpacked.path()).into_iter().filter_map(Result::ok) {
        let name = entry.path().to_string_lossy();
        assert!(!name.contains("host-ca-certificates") && !name.contains("/platform/"), "{name} is in the image");
        if entry.file_type().is_file() && entry.metadata().is_ok_and(|m| m.len() == host_bundle.len() as u64) {
            let bytes = std::fs::read(entry.path()).expect("image file");
            assert_ne!(bytes, host_bundle, "the host's CA bundle is in the image at {name}");
        }
    }
    assert!(scratch_entries(scratch.path()).is_empty(), "the build left {:?}", scratch_entries(scratch.path()));
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn project_toml_exclude_leaves_files_out_of_the_build_and_the_image() {
    let scratch = tempfile::tempdir().expect("scratch");
    // The fixture excludes notes/ (a big file there) and draft.go (which does not compile).
    let source = tempfile::tempdir().expect("source copy");
    copy_tree(&repo_root().join("test-fixtures/go-app-exclude"), source.path());
    write_incompressible(&source.path().join("notes/recording.bin"), 32 * 1024 * 1024);
    let image = image_ref("platform/exclude");
    let output = run_kiln(&build_args(source.path(), &image), scratch.path());
    expect_success(&output);
    let log = stderr(&output);
    assert!(log.contains("left out"), "{log}");
    let size = json(&output)["size"].as_u64().expect("a size");
    assert!(size < 16 * 1024 * 1024, "the image is {size} bytes: the excluded 32 MiB file went in");
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn a_registry_that_does_not_answer_fails_the_build_within_seconds_and_copies_nothing() {
    let scratch = tempfile::tempdir().expect("scratch");
    let port = kiln_test_support::free_port();
    let image = format!("127.0.0.1:{port}/platform/nowhere:1");
    // The arguments name the world's builder: the world is set up before the clock starts.
    let args = build_args(&repo_root().join("test-fixtures/go-app"), &image);
    let started = Instant::now();
    let output = run_kiln(&args, scratch.path());
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(3), "an environment error: {}", stderr(&output));
    assert!(took < Duration::from_secs(10), "it took {took:?}");
    let log = stderr(&output);
    assert!(log.contains(&format!("the registry 127.0.0.1:{port} is unreachable")), "{log}");
    assert!(!log.contains("Preparing the build"), "it went on after the check:\n{log}");
    assert!(scratch_entries(scratch.path()).is_empty(), "the build left {:?}", scratch_entries(scratch.path()));
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn an_env_name_kiln_does_not_have_is_refused() {
    let scratch = tempfile::tempdir().expect("scratch");
    let mut args = build_args(&repo_root().join("test-fixtures/go-app"), &image_ref("platform/env"));
    args.extend(["--env".to_string(), "KILN_E2E_SURELY_UNSET".to_string()]);
    let output = run_kiln(&args, scratch.path());
    assert_eq!(output.status.code(), Some(2), "a user error: {}", stderr(&output));
    assert!(stderr(&output).contains("KILN_E2E_SURELY_UNSET is not set"), "{}", stderr(&output));
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn ctrl_c_while_waiting_for_the_build_cache_lock_leaves_nothing_behind() {
    let w = world();
    let scratch = tempfile::tempdir().expect("scratch");
    let repository = "platform/locked";
    let lock_path =
        kiln_platform::Cache::at(w.cache_dir.clone()).build_cache_lock(&format!("{}/{repository}", w.registry.address));
    std::fs::create_dir_all(lock_path.parent().expect("build cache dir")).expect("build cache dir");
    let lock = std::fs::File::create(&lock_path).expect("lock file");
    lock.lock().expect("the test holds the lock");

    let log = tempfile::NamedTempFile::new().expect("log");
    let mut child = spawn_kiln(
        &build_args(&repo_root().join("test-fixtures/go-app"), &image_ref(repository)),
        scratch.path(),
        log.path(),
    );
    let said = wait_for_log(&mut child, log.path(), "Waiting for another build into", Duration::from_secs(120));
    assert!(said.contains(&lock_path.display().to_string()), "the message names the lock:\n{said}");
    let status = interrupt(child);
    let said = std::fs::read_to_string(log.path()).expect("log");
    assert_eq!(status.code(), Some(130), "{said}");
    assert!(said.contains("interrupted"), "{said}");
    assert!(scratch_entries(scratch.path()).is_empty(), "left {:?}", scratch_entries(scratch.path()));
    assert_eq!(w.registry.tags(repository), Vec::<String>::new());
    drop(lock);
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn ctrl_c_in_the_lifecycle_stops_and_removes_its_container_and_leaves_nothing_behind() {
    let w = world();
    let scratch = tempfile::tempdir().expect("scratch");
    let repository = "platform/interrupted";
    let log = tempfile::NamedTempFile::new().expect("log");
    let mut child = spawn_kiln(
        &build_args(&repo_root().join("test-fixtures/go-app"), &image_ref(repository)),
        scratch.path(),
        log.path(),
    );
    let pid = child.id();
    wait_for_log(&mut child, log.path(), "===> BUILDING", Duration::from_secs(300));
    let status = interrupt(child);
    let said = std::fs::read_to_string(log.path()).expect("log");
    assert_eq!(status.code(), Some(130), "{said}");
    assert!(said.contains("interrupted"), "{said}");
    assert!(!said.contains("exit code"), "an interrupt is not a lifecycle failure:\n{said}");
    let containers = Command::new("runc").arg("list").output().expect("runc list");
    let containers = String::from_utf8_lossy(&containers.stdout);
    assert!(!containers.contains(&format!("kiln-build-{pid}-")), "the container is left:\n{containers}");
    assert!(scratch_entries(scratch.path()).is_empty(), "left {:?}", scratch_entries(scratch.path()));
    assert_eq!(w.registry.tags(repository), Vec::<String>::new());
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn kiln_cache_shows_a_build_cache_and_clears_it_for_one_image() {
    let w = world();
    let scratch = tempfile::tempdir().expect("scratch");
    let image = image_ref("platform/cached");
    expect_success(&run_kiln(&build_args(&repo_root().join("test-fixtures/go-app"), &image), scratch.path()));
    let repository = format!("{}/platform/cached", w.registry.address);
    let cached_bytes = |usage: &serde_json::Value| {
        usage["build_caches"]
            .as_array()
            .expect("build caches")
            .iter()
            .find(|found| found["repository"] == repository.as_str())
            .and_then(|found| found["bytes"].as_u64())
    };

    let shown = kiln(&w.cache_dir, &["cache", "--json"]);
    expect_success(&shown);
    let usage = json(&shown);
    assert!(cached_bytes(&usage).is_some_and(|bytes| bytes > 0), "{usage}");
    assert!(usage["images"].as_array().is_some_and(|images| !images.is_empty()), "the builder is unpacked: {usage}");

    let cleared = kiln(&w.cache_dir, &["cache", "clear", "--image", &image, "--json"]);
    expect_success(&cleared);
    assert!(json(&cleared)["freed_bytes"].as_u64().is_some_and(|bytes| bytes > 0), "{}", json(&cleared));
    assert_eq!(cached_bytes(&json(&kiln(&w.cache_dir, &["cache", "--json"]))), Some(0));
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).min_depth(1).into_iter().map(|e| e.expect("fixture entry")) {
        let target = to.join(entry.path().strip_prefix(from).expect("inside the fixture"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("dir");
        } else {
            std::fs::copy(entry.path(), &target).expect("file");
        }
    }
}

/// `bytes` of pseudo-random data, which compression cannot shrink (zeros would hide a file
/// that went into the image).
fn write_incompressible(path: &Path, bytes: usize) {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let data: Vec<u8> = (0..bytes / 8)
        .flat_map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()
        })
        .collect();
    std::fs::write(path, data).expect("big file");
}

/// `kiln run` uses the host's network: a function started on a laptop answers on loopback only
/// unless `--address` says otherwise. 127.0.0.2 is loopback too, so a server on every interface
/// would answer there as well.
#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn kiln_run_serves_a_function_on_127_0_0_1_unless_address_says_otherwise() {
    let w = world();
    let image = image_ref("functions/address");
    let source = repo_root().join("test-fixtures/go-http");
    expect_success(&kiln_build(&w.cache_dir, &source, &image, &w.inventory, &["FUNC_NAME=HelloWorld"]));
    let port_of = |app: &RunningApp| app.address.rsplit(':').next().expect("a port").to_string();

    let mut default = RunningApp::start_on(&w.cache_dir, &image, None, &[]);
    assert_eq!(default.get_when_up("/").status, 200);
    let elsewhere = format!("127.0.0.2:{}", port_of(&default));
    assert!(get(&elsewhere, "/").is_none(), "by default the function also answered on {elsewhere}");
    drop(default);

    let mut chosen = RunningApp::start_on(&w.cache_dir, &image, Some("127.0.0.2"), &[]);
    assert_eq!(chosen.get_when_up("/").status, 200);
    let default_address = format!("127.0.0.1:{}", port_of(&chosen));
    assert!(get(&default_address, "/").is_none(), "with --address 127.0.0.2 it answered on {default_address}");
}
