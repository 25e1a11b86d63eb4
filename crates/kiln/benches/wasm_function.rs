//! WebAssembly functions (issue 11), printed as tables: the component of test-fixtures/wasm-http
//! served by kiln's Wasm host from the image kiln/wasm-function builds, and by `wasmtime serve`
//! (wasmtime-cli 48, pooling allocator, a fresh instance per request, the component precompiled),
//! beside the same logic as a native Rust function (test-fixtures/rust-http, `FUNC_NAME=hello`),
//! side by side in one run: image size, cold start to the first HTTP 200, throughput and p99
//! under wrk, and memory. `wasmtime serve` reusing instances is measured apart: it is not the
//! same isolation. The aims: at least 1.5x `wasmtime serve`'s throughput with a fresh
//! instance per request, cold start at most 10 ms, image at most 40 MB.
//! Run with `scripts/bench` (root, after `scripts/install-deps --bench`, which installs
//! wasmtime-cli, and sets `KILN_WASMTIME` to it); numbers go to BENCHMARKS.md.

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::server::Server;
use support::side_by_side::{expect_answer, interleaved_loads, milliseconds, print_loads, START_RUNS};
use support::world::{repo_root, world};
use support::{cargo_release_build, image_file, mb, timed_build, unpack_size, wrk, RUST_FUNCTION_BINARY};

/// What every server answers to `GET /`.
const BODY: &str = "Hello, World!\n";
const CONTENT_TYPE: &str = "text/plain; charset=utf-8";
/// Where kiln/wasm-function puts the host and the precompiled component in the image.
const HOST_BINARY: &str = "layers/kiln_wasm-function/host/bin/kiln-wasm-host";
const PRECOMPILED: &str = "layers/kiln_wasm-function/host/component.cwasm";
/// wrk's connections: at most this many instances are in flight at once.
const IN_FLIGHT: u64 = 32;
/// How many requests `wasmtime serve` lets one instance answer when reuse is on, as the peer
/// baselines measured it.
const REUSE_COUNT: &str = "1000";

fn main() {
    wrk::check_parser();
    wrk::require_wrk();
    let wasmtime = wasmtime_cli();
    let cache = tempfile::tempdir().expect("kiln cache");

    let wasm = build(cache.path(), "wasm-http", &[]);
    let rust = build(cache.path(), "rust-http", &["FUNC_NAME=hello"]);
    let host = image_file(cache.path(), &wasm.digest, HOST_BINARY);
    let precompiled = image_file(cache.path(), &wasm.digest, PRECOMPILED);
    let native = image_file(cache.path(), &rust.digest, RUST_FUNCTION_BINARY);
    let for_wasmtime = wasmtime_precompiled(&wasmtime);

    let kiln_host = || host_server(&host, &precompiled);
    let fresh = || wasmtime_serve(&wasmtime, &for_wasmtime, &[]);
    let reused = || wasmtime_serve(&wasmtime, &for_wasmtime, &["--max-instance-reuse-count", REUSE_COUNT]);
    let native_server = || Server::binary(&native);
    let starts = [
        milliseconds(|| fresh().cold_start),
        milliseconds(|| kiln_host().cold_start),
        milliseconds(|| native_server().cold_start),
    ];

    let servers = [
        ("`wasmtime serve`, a fresh instance per request", fresh()),
        ("kiln's Wasm host, a fresh instance per request", kiln_host()),
        ("native Rust function (kiln/rust-function)", native_server()),
        ("`wasmtime serve`, instances reused (not the same isolation)", reused()),
    ];
    let idle: Vec<u64> = servers.iter().map(|(_, server)| server.rss()).collect();
    for (name, server) in &servers {
        expect_answer(name, &server.address, BODY, CONTENT_TYPE);
    }
    let loads = interleaved_loads(&servers);

    println!("| measure | `wasmtime serve` | kiln's Wasm host | native Rust function | aim |");
    println!("| --- | --- | --- | --- | --- |");
    println!(
        "| image size, compressed (registry) | | {:.1} MB | {:.1} MB | ≤ 40 MB |",
        mb(wasm.compressed),
        mb(rust.compressed)
    );
    println!(
        "| image size, uncompressed (unpacked root filesystem) | | {:.1} MB | {:.1} MB | ≤ 40 MB |",
        mb(wasm.unpacked),
        mb(rust.unpacked)
    );
    println!(
        "| cold start, process start to first HTTP 200 (median of {START_RUNS}) | {:.1} ms | {:.1} ms | {:.1} ms | ≤ 10 ms |",
        starts[0], starts[1], starts[2]
    );
    let rss_after: Vec<u64> = servers.iter().map(|(_, server)| server.rss()).collect();
    println!(
        "| RSS after the load | {:.1} MB | {:.1} MB | {:.1} MB | |",
        mb(rss_after[0]),
        mb(rss_after[1]),
        mb(rss_after[2])
    );
    // Instances live only while their request runs, so their memory shows at the load's height.
    let per_instance = |index: usize| mb(servers[index].1.peak_rss().saturating_sub(idle[index]) / IN_FLIGHT);
    println!(
        "| memory per instance in flight: (peak RSS under load − RSS idle) / {IN_FLIGHT} connections | {:.2} MB | {:.2} MB | | |",
        per_instance(0),
        per_instance(1)
    );
    println!();
    print_loads(&servers, &loads, "`wasmtime serve`", "≥ 150% for kiln's host");
}

/// An image the bench built, and its sizes.
struct Built {
    digest: String,
    compressed: u64,
    unpacked: u64,
}

/// `kiln build` of the fixture `name` with `env`, unpacked as `kiln run` does.
fn build(cache: &Path, name: &str, env: &[&str]) -> Built {
    let registry = &world().registry.address;
    let (_, result) =
        timed_build(cache, &repo_root().join("test-fixtures").join(name), &format!("{registry}/bench/{name}:1"), env);
    let digest = result["digest"].as_str().expect("digest").to_string();
    let unpacked = unpack_size(cache, &format!("{registry}/bench/{name}@{digest}"));
    Built { compressed: result["size"].as_u64().expect("size"), unpacked, digest }
}

/// kiln's host from the image, serving the image's precompiled component.
fn host_server(host: &Path, precompiled: &Path) -> Server {
    let mut command = Command::new(host);
    command.arg(precompiled).env("FUNC_ADDRESS", "127.0.0.1");
    Server::process(command)
}

/// `wasmtime serve` on `precompiled`, with the pooling allocator, plus `options`.
fn wasmtime_serve(wasmtime: &Path, precompiled: &Path, options: &[&str]) -> Server {
    Server::on_port(|port| {
        let mut command = Command::new(wasmtime);
        command
            .args(["serve", "-S", "cli", "-O", "pooling-allocator", "--allow-precompiled"])
            .args(["--addr", &format!("127.0.0.1:{port}")])
            .args(options)
            .arg(precompiled);
        command
    })
}

/// The fixture's component, compiled with the machine's cargo and precompiled by `wasmtime
/// compile`, as `wasmtime serve` loads it fastest.
fn wasmtime_precompiled(wasmtime: &Path) -> PathBuf {
    let target = cargo_release_build(&repo_root().join("test-fixtures/wasm-http"), "bench-wasm-http");
    let component = target.join("wasm32-wasip2/release/wasm_http.wasm");
    let precompiled = target.join("wasm_http.cwasm");
    let status = Command::new(wasmtime)
        .args(["compile", "-O", "pooling-allocator", "-o"])
        .arg(&precompiled)
        .arg(&component)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {} ({e})", wasmtime.display()));
    assert!(status.success(), "wasmtime compile failed: {status}");
    precompiled
}

/// `KILN_WASMTIME` (scripts/bench points it at the one `scripts/install-deps --bench`
/// installs), else `wasmtime` on the PATH; fails with the fix before the bench spends minutes
/// building.
fn wasmtime_cli() -> PathBuf {
    let wasmtime = std::env::var_os("KILN_WASMTIME").map_or_else(|| PathBuf::from("wasmtime"), PathBuf::from);
    match Command::new(&wasmtime).arg("--version").output() {
        Ok(output) if String::from_utf8_lossy(&output.stdout).contains("48.") => wasmtime,
        _ => panic!(
            "no wasmtime-cli 48 at {}: run `scripts/install-deps --bench`, or set KILN_WASMTIME",
            wasmtime.display()
        ),
    }
}
