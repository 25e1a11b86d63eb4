//! The build pipeline's speed and size for `test-fixtures/go-app`, printed as a table:
//! cold build, warm rebuild, rebuild after a one-line change, image size, cold start.
//! Run with `scripts/bench` (root, after `scripts/install-deps`); numbers go to BENCHMARKS.md.

// The end-to-end tests' world; the bench needs only part of it.
#[allow(dead_code)]
#[path = "../tests/e2e/world.rs"]
mod world;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use world::{expect_success, kiln, repo_root, world};

const RUNS: usize = 5;

fn main() {
    let w = world();
    let image = format!("{}/bench/go-app:1", w.registry.address);
    let source = tempfile::tempdir().expect("source copy");
    copy_fixture(&repo_root().join("test-fixtures/go-app"), source.path());
    let inventory = format!("KILN_INVENTORY={}", w.inventory.display());
    let build = |cache: &Path| -> (f64, serde_json::Value) {
        let started = Instant::now();
        let output = kiln(cache, &[
            "build", &source.path().to_string_lossy(), "--image", &image, "--builder", &w.builder,
            "--env", &inventory, "--json",
        ]);
        expect_success(&output);
        (started.elapsed().as_secs_f64(), serde_json::from_slice(&output.stdout).expect("JSON result"))
    };

    // Cold: a new kiln cache, so the builder is pulled and unpacked and nothing is cached.
    let cold_cache = tempfile::tempdir().expect("cold cache");
    let (cold, result) = build(cold_cache.path());
    let (warm_builder_cold, _) = {
        let cache = tempfile::tempdir().expect("cache");
        copy_unpacked_images(cold_cache.path(), cache.path());
        build(cache.path())
    };
    let warm: Vec<f64> = (0..RUNS).map(|_| build(cold_cache.path()).0).collect();
    let changed: Vec<f64> = (0..RUNS)
        .map(|run| {
            change_one_line(source.path(), run);
            build(cold_cache.path()).0
        })
        .collect();

    let digest = result["digest"].as_str().expect("digest").to_string();
    let compressed = result["size"].as_u64().expect("size");
    let pinned = format!("{}/bench/go-app@{digest}", w.registry.address);
    let unpacked = unpack_size(cold_cache.path(), &pinned);
    let kiln_start: Vec<f64> = (0..RUNS).map(|_| kiln_run_start(cold_cache.path(), &pinned)).collect();
    let binary_start: Vec<f64> = (0..RUNS).map(|_| binary_start(cold_cache.path(), &digest)).collect();

    println!("| measure | result |");
    println!("| --- | --- |");
    println!("| cold build (new kiln cache: pull + unpack builder, download Go) | {cold:.1} s |");
    println!("| first build with the builder already unpacked | {warm_builder_cold:.1} s |");
    println!("| warm rebuild, no change (median of {RUNS}) | {:.1} s |", median(&warm));
    println!("| rebuild after a one-line change (median of {RUNS}) | {:.1} s |", median(&changed));
    println!("| app image size, compressed (registry) | {:.1} MB |", mb(compressed));
    println!("| app image size, uncompressed (unpacked root filesystem) | {:.1} MB |", mb(unpacked));
    println!("| cold start, `kiln run` to first HTTP 200 (image unpacked; median of {RUNS}) | {:.0} ms |", median(&kiln_start) * 1000.0);
    println!("| cold start, the app binary alone to first HTTP 200 (median of {RUNS}) | {:.1} ms |", median(&binary_start) * 1000.0);
}

fn copy_fixture(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("fixture") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

/// Lets a build start with the builder unpacked but no build cache.
fn copy_unpacked_images(from: &Path, to: &Path) {
    let status = Command::new("cp").arg("-a").arg(from.join("images")).arg(to).status().expect("cp");
    assert!(status.success());
}

fn change_one_line(source: &Path, run: usize) {
    let main = source.join("main.go");
    let text = std::fs::read_to_string(&main).expect("main.go");
    let changed = text
        .lines()
        .map(|line| {
            if line.starts_with("const body = ") {
                format!("const body = \"Hello from kiln go-app, change {run}\\n\"")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(text, changed, "the fixture has no `const body` line to change");
    std::fs::write(main, changed + "\n").expect("write main.go");
}

fn unpacked_dir(cache: &Path, digest: &str) -> PathBuf {
    cache.join("images").join(digest.replace(':', "-")).join("rootfs")
}

fn unpack_size(cache: &Path, pinned: &str) -> u64 {
    // `kiln run` unpacks; a run that is stopped at once is enough.
    let _ = kiln_run_start(cache, pinned);
    let digest = pinned.rsplit('@').next().expect("digest");
    let output = Command::new("du").args(["-sb"]).arg(unpacked_dir(cache, digest)).output().expect("du");
    String::from_utf8_lossy(&output.stdout).split_whitespace().next().and_then(|n| n.parse().ok()).expect("du size")
}

/// `kiln run` from process start to the first HTTP 200, then stopped.
fn kiln_run_start(cache: &Path, image: &str) -> f64 {
    let port = kiln_test_support::free_port();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(["run", image, "--port", &port.to_string()])
        .env("KILN_CACHE_DIR", cache)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("kiln run");
    let elapsed = wait_for_200(port, started);
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    elapsed
}

/// The app's own binary, straight from the unpacked image, to the first HTTP 200.
fn binary_start(cache: &Path, digest: &str) -> f64 {
    let binary = unpacked_dir(cache, digest).join("layers/kiln_go-function/app/bin/app");
    let port = kiln_test_support::free_port();
    let started = Instant::now();
    let mut child = Command::new(&binary)
        .env("PORT", port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
    let elapsed = wait_for_200(port, started);
    let _ = child.kill();
    let _ = child.wait();
    elapsed
}

fn wait_for_200(port: u16, started: Instant) -> f64 {
    let address = format!("127.0.0.1:{port}");
    loop {
        if kiln_test_support::get(&address, "/").is_some_and(|response| response.status == 200) {
            return started.elapsed().as_secs_f64();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no answer on {address}");
        std::thread::sleep(Duration::from_micros(500));
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

#[allow(clippy::cast_precision_loss)] // sizes shown to one decimal place
fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}
