//! Go functions against bare net/http, printed as tables: `test-fixtures/go-http` built as a
//! function (`FUNC_NAME=HelloWorld`), its image size, its cold start alone and under `kiln run`,
//! and its throughput and p99 under wrk beside a plain net/http server with the same answer
//! (benches/bare-net-http). The aims: within 10% of bare net/http, cold start at most
//! 20 ms, image at most 25 MB.
//!
//! wrk and the servers share the machine's cores, so absolute numbers move from run to run:
//! the ratio to bare net/http, measured side by side in this run, is the number to compare.
//! Run with `scripts/bench` (root, after `scripts/install-deps`); numbers go to BENCHMARKS.md.

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::server::{binary_start, kiln_run_start, Server};
use support::side_by_side::{expect_answer, interleaved_loads, milliseconds, print_loads, START_RUNS};
use support::world::{repo_root, world};
use support::wrk;
use support::{app_binary, mb, timed_build, unpack_size};
/// What the function and the baseline both answer to `GET /`.
const BODY: &str = "Hello, World!\n";
const CONTENT_TYPE: &str = "text/plain; charset=utf-8";
/// kiln's Go build flags (buildpacks/go-function/src/compile.rs), so the baseline is compiled
/// as the function is.
const GO_BUILD_FLAGS: [&str; 4] = ["build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w"];

fn main() {
    wrk::check_parser();
    wrk::require_wrk();
    let scratch = tempfile::tempdir().expect("scratch dir");
    let bare = build_bare_net_http(scratch.path());

    let w = world();
    let cache = w.cache_dir.as_path();
    let image = format!("{}/bench/go-http:1", w.registry.address);
    let fixture = repo_root().join("test-fixtures/go-http");
    let (_, result) = timed_build(cache, &fixture, &image, &["FUNC_NAME=HelloWorld"]);
    let digest = result["digest"].as_str().expect("digest").to_string();
    let compressed = result["size"].as_u64().expect("size");
    let pinned = format!("{}/bench/go-http@{digest}", w.registry.address);
    let unpacked = unpack_size(cache, &pinned);
    let function = app_binary(cache, &digest);

    let bare_start = milliseconds(|| binary_start(&bare));
    let function_start = milliseconds(|| binary_start(&function));
    let kiln_start = milliseconds(|| kiln_run_start(cache, &pinned));

    let servers = [
        ("bare net/http (benches/bare-net-http)", Server::binary(&bare)),
        ("the function binary alone", Server::binary(&function)),
        ("the function under `kiln run` (runc, host network)", Server::kiln_run(cache, &pinned)),
    ];
    for (name, server) in &servers {
        expect_answer(name, &server.address, BODY, CONTENT_TYPE);
    }
    let loads = interleaved_loads(&servers);

    println!("| measure | result | aim |");
    println!("| --- | --- | --- |");
    println!("| function image size, compressed (registry) | {:.1} MB | ≤ 25 MB |", mb(compressed));
    println!("| function image size, uncompressed (unpacked root filesystem) | {:.1} MB | ≤ 25 MB |", mb(unpacked));
    println!("| cold start, bare net/http binary to first HTTP 200 (median of {START_RUNS}) | {bare_start:.1} ms | baseline |");
    println!("| cold start, the function binary alone to first HTTP 200 (median of {START_RUNS}) | {function_start:.1} ms | ≤ 20 ms |");
    println!("| cold start, `kiln run` to first HTTP 200 (image unpacked; median of {START_RUNS}) | {kiln_start:.0} ms | ≤ 20 ms |");
    println!();
    print_loads(&servers, &loads, "bare net/http", "≥ 90%");
}

/// The baseline, compiled with the machine's Go (the Go the end-to-end world's mirror serves
/// to the function build) and kiln's flags.
fn build_bare_net_http(out_dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bare-net-http");
    let binary = out_dir.join("bare-net-http");
    let status = Command::new("go")
        .args(GO_BUILD_FLAGS)
        .arg("-o")
        .arg(&binary)
        .arg(".")
        .current_dir(&source)
        .env("CGO_ENABLED", "0")
        .env("GOTOOLCHAIN", "local")
        .status()
        .unwrap_or_else(|e| panic!("cannot run go ({e}): install Go, as the end-to-end tests need it too"));
    assert!(status.success(), "go build in {} failed: {status}", source.display());
    binary
}
