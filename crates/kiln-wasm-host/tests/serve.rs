//! The host serving real components: the fixtures compiled for wasm32-wasip2 with the machine's
//! cargo (`rustup target add wasm32-wasip2`, which scripts/install-deps does), precompiled as the
//! buildpack does, and served by the `kiln-wasm-host` binary.

use kiln_test_support::{get, post};
use kiln_wasm_host::validate::{check_proxy_component, Filesystem};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-fixtures").join(name)
}

/// Compiles the fixture `name` and precompiles its component into `dir`.
fn precompiled(name: &str, dir: &Path) -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wasm-fixtures");
    let status = Command::new("cargo")
        .args(["build", "--release", "--locked", "--quiet"])
        .current_dir(fixture(name))
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build of {name}");
    let component = target.join("wasm32-wasip2/release").join(format!("{}.wasm", name.replace('-', "_")));
    let bytes = std::fs::read(&component).expect("the component");
    let filesystem = if name == "wasm-grants" { Filesystem::Granted } else { Filesystem::Refused };
    check_proxy_component(&bytes, filesystem).expect("a wasi:http/proxy component");
    let out = dir.join(format!("{name}.cwasm"));
    std::fs::write(&out, kiln_wasm_host::precompile(&bytes).expect("precompiles")).expect("written");
    out
}

/// The host serving a fixture, stopped (SIGTERM) when dropped.
struct Served {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl Served {
    fn start(name: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let component = precompiled(name, dir.path());
        let port = kiln_test_support::free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_kiln-wasm-host"))
            .arg(&component)
            .env("PORT", port.to_string())
            .env("FUNC_ADDRESS", "127.0.0.1")
            .envs(env.iter().copied())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the host starts");
        let address = format!("127.0.0.1:{port}");
        let started = Instant::now();
        while std::net::TcpStream::connect(&address).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "the host listens");
            std::thread::sleep(Duration::from_millis(5));
        }
        Served { child, address, _dir: dir }
    }

    fn stop(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        self.child.wait().expect("the host exits")
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            self.stop();
        }
    }
}

#[test]
#[ignore = "real components: cargo with the wasm32-wasip2 target"]
fn a_component_answers_each_request_from_a_fresh_instance() {
    let mut served = Served::start("wasm-http", &[]);
    let hello = get(&served.address, "/?name=kiln").expect("an answer");
    assert_eq!((hello.status, hello.text().as_str()), (200, "Hello, kiln!\n"));
    let posted = post(&served.address, "/", &[("Content-Type", "text/plain")], b"ping").expect("an answer");
    assert_eq!((posted.status, posted.header("content-type")), (201, Some("application/json")));
    assert_eq!(posted.text(), r#"{"bytes":4,"received":"ping"}"#);
    assert_eq!(get(&served.address, "/favicon.ico").expect("an answer").status, 404);
    // A trap (a panic) answers 500 and the next request gets a fresh instance.
    assert_eq!(get(&served.address, "/panic").expect("an answer").status, 500);
    assert_eq!(get(&served.address, "/").expect("an answer").text(), "Hello, World!\n");
    // SIGTERM lets the request in flight finish.
    let slow = std::thread::spawn({
        let address = served.address.clone();
        move || get(&address, "/slow")
    });
    std::thread::sleep(Duration::from_millis(300));
    assert!(served.stop().success(), "the host exits with status 0 after draining");
    let slow = slow.join().expect("the request thread").expect("the slow request is answered");
    assert_eq!((slow.status, slow.text().as_str()), (200, "Hello after a second\n"));
}

#[test]
#[ignore = "real components: cargo with the wasm32-wasip2 target"]
fn a_guest_looping_forever_answers_504_while_other_requests_are_served() {
    let served = Served::start("wasm-forever-loop", &[("FUNC_WASM_TIMEOUT", "1s")]);
    let started = Instant::now();
    let looping = std::thread::spawn({
        let address = served.address.clone();
        move || (get(&address, "/loop"), started.elapsed())
    });
    std::thread::sleep(Duration::from_millis(100));
    let other = get(&served.address, "/").expect("an answer while the guest loops");
    let other_answered = started.elapsed();
    assert_eq!((other.status, other.text().as_str()), (200, "still serving\n"));
    let (looped, loop_answered) = looping.join().expect("the request thread");
    let looped = looped.expect("the looping request is answered");
    assert_eq!(looped.status, 504, "{}", looped.text());
    assert!(looped.text().contains("timeout of 1s"), "{}", looped.text());
    assert!(other_answered < loop_answered, "the parallel request was answered first");
}

#[test]
#[ignore = "real components: cargo with the wasm32-wasip2 target"]
fn past_max_instances_requests_queue_for_a_slot() {
    let served = Served::start("wasm-forever-loop", &[("FUNC_WASM_TIMEOUT", "1s"), ("FUNC_WASM_MAX_INSTANCES", "1")]);
    let looping = std::thread::spawn({
        let address = served.address.clone();
        move || get(&address, "/loop").map(|response| (response.status, Instant::now()))
    });
    std::thread::sleep(Duration::from_millis(400));
    let queued = get(&served.address, "/").expect("an answer");
    let queued_answered = Instant::now();
    let (loop_status, loop_answered) = looping.join().expect("the request thread").expect("answered");
    assert_eq!((loop_status, queued.status), (504, 200));
    assert!(loop_answered <= queued_answered, "the queued request ran once the only slot was free");
}

#[test]
#[ignore = "real components: cargo with the wasm32-wasip2 target"]
fn a_guest_allocating_past_the_memory_limit_answers_500() {
    let served = Served::start("wasm-memory-hog", &[("FUNC_WASM_MAX_MEMORY", "32MiB")]);
    let hog = get(&served.address, "/alloc").expect("an answer");
    assert_eq!(hog.status, 500, "{}", hog.text());
    assert_eq!(get(&served.address, "/").expect("an answer").text(), "still serving\n");
}

#[test]
fn bad_limits_stop_the_host_with_the_variable_named() {
    let output = Command::new(env!("CARGO_BIN_EXE_kiln-wasm-host"))
        .arg("/nonexistent.cwasm")
        .env("FUNC_WASM_TIMEOUT", "soon")
        .output()
        .expect("the host runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("FUNC_WASM_TIMEOUT is `soon`: expected a duration"), "{stderr}");
}

#[test]
#[ignore = "real components: cargo with the wasm32-wasip2 target"]
fn a_guest_gets_no_files_variables_or_outgoing_requests_unless_granted() {
    let upstream = kiln_test_support::FileServer::start(&fixture("wasm-grants/static"));
    let upstream_authority = upstream.url.trim_start_matches("http://").to_string();
    let fetch = format!("/fetch?to={upstream_authority}/greeting.txt");

    let denied = Served::start("wasm-grants", &[("GREETING", "set on the host")]);
    for (path, expected) in
        [("/file", "no /greeting.txt"), ("/env", "GREETING is not set"), (fetch.as_str(), "HttpRequestDenied")]
    {
        let answer = get(&denied.address, path).expect("an answer");
        assert!(
            answer.status >= 400 && answer.text().contains(expected),
            "{path}: {} {}",
            answer.status,
            answer.text()
        );
    }

    let static_dir = fixture("wasm-grants/static").display().to_string();
    let granted = Served::start(
        "wasm-grants",
        &[
            ("GREETING", "set on the host"),
            ("FUNC_WASM_ENV", "GREETING,UNSET_ON_THE_HOST"),
            ("FUNC_WASM_DIR", &static_dir),
            ("FUNC_WASM_ALLOW_HOSTS", &upstream_authority),
        ],
    );
    let file = get(&granted.address, "/file").expect("an answer");
    assert_eq!((file.status, file.text().as_str()), (200, "Hello from a granted file\n"));
    let env = get(&granted.address, "/env").expect("an answer");
    assert_eq!((env.status, env.text().as_str()), (200, "GREETING=set on the host\n"));
    let fetched = get(&granted.address, &fetch).expect("an answer");
    assert_eq!((fetched.status, fetched.text().as_str()), (200, "Hello from a granted file\n"));
    // The grant is for one port of the host; another port stays closed.
    let other_port = format!("/fetch?to=127.0.0.1:{}/", kiln_test_support::free_port());
    let other = get(&granted.address, &other_port).expect("an answer");
    assert!(other.status == 502 && other.text().contains("HttpRequestDenied"), "{}", other.text());
}

#[test]
fn bad_grants_stop_the_host_with_the_variable_named() {
    for (name, value, expected) in [
        (
            "FUNC_WASM_ALLOW_HOSTS",
            "https://example.com",
            "FUNC_WASM_ALLOW_HOSTS is `https://example.com`: expected hosts",
        ),
        ("FUNC_WASM_ENV", "A=B", "FUNC_WASM_ENV is `A=B`: expected variable names"),
        ("FUNC_WASM_DIR", "/nonexistent", "FUNC_WASM_DIR is `/nonexistent`, which the host cannot open as a directory"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_kiln-wasm-host"))
            .arg("/nonexistent.cwasm")
            .env(name, value)
            .env("PORT", kiln_test_support::free_port().to_string())
            .env("FUNC_ADDRESS", "127.0.0.1")
            .output()
            .expect("the host runs");
        assert!(!output.status.success(), "{name}={value}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{name}={value}: {stderr}");
    }
}
