//! Rust functions against a bare hyper server, printed as tables: `test-fixtures/rust-http`
//! built as a function (`FUNC_NAME=hello`): cold build, warm rebuild with no change, rebuild
//! after a one-line change, image size, cold start alone and under `kiln run`, and throughput,
//! p99 and RSS under wrk beside a plain hyper server with the same answer (benches/bare-hyper),
//! side by side in one run. The aims: throughput within 10% of bare hyper, image at
//! most 25 MB, cold start at most 10 ms, warm rebuild at most 3 s, one-line change at most 20 s.
//! Run with `scripts/bench` (root, after `scripts/install-deps`); numbers go to BENCHMARKS.md.

#[path = "support/mod.rs"]
mod support;

use std::path::{Path, PathBuf};
use support::server::{binary_start, kiln_run_start, Server};
use support::side_by_side::{expect_answer, interleaved_loads, milliseconds, print_loads, START_RUNS};
use support::world::{repo_root, world};
use support::{cargo_release_build, image_file, mb, median, timed_build, unpack_size, wrk, RUST_FUNCTION_BINARY};

/// Builds per rebuild measure.
const BUILD_RUNS: usize = 3;
/// What the function and the baseline both answer to `GET /`.
const BODY: &str = "Hello, World!\n";
const CONTENT_TYPE: &str = "text/plain; charset=utf-8";

fn main() {
    wrk::check_parser();
    wrk::require_wrk();
    let bare = build_bare_hyper();

    let w = world();
    let image = format!("{}/bench/rust-http:1", w.registry.address);
    let source = tempfile::tempdir().expect("source copy");
    copy_fixture(&repo_root().join("test-fixtures/rust-http"), source.path());
    let env = ["FUNC_NAME=hello"];
    // Cold: a new kiln cache, so the builder is pulled and unpacked, Rust installed from the
    // mirror and every crate compiled.
    let cache = tempfile::tempdir().expect("cold cache");
    let (cold, result) = timed_build(cache.path(), source.path(), &image, &env);
    let warm: Vec<f64> = (0..BUILD_RUNS).map(|_| timed_build(cache.path(), source.path(), &image, &env).0).collect();
    let changed: Vec<f64> = (0..BUILD_RUNS)
        .map(|run| {
            change_one_line(source.path(), run);
            timed_build(cache.path(), source.path(), &image, &env).0
        })
        .collect();
    // The image measured is the fixture as it is, the first build's.
    let digest = result["digest"].as_str().expect("digest").to_string();
    let compressed = result["size"].as_u64().expect("size");
    let pinned = format!("{}/bench/rust-http@{digest}", w.registry.address);
    let unpacked = unpack_size(cache.path(), &pinned);
    let function = image_file(cache.path(), &digest, RUST_FUNCTION_BINARY);

    let bare_start = milliseconds(|| binary_start(&bare));
    let function_start = milliseconds(|| binary_start(&function));
    let kiln_start = milliseconds(|| kiln_run_start(cache.path(), &pinned));
    let servers = [
        ("bare hyper (benches/bare-hyper)", Server::binary(&bare)),
        ("the function binary alone", Server::binary(&function)),
        ("the function under `kiln run` (runc, host network)", Server::kiln_run(cache.path(), &pinned)),
    ];
    for (name, server) in &servers {
        expect_answer(name, &server.address, BODY, CONTENT_TYPE);
    }
    let loads = interleaved_loads(&servers);
    let [bare_rss, function_rss] = [&servers[0].1, &servers[1].1].map(Server::rss);

    println!("| measure | result | aim |");
    println!("| --- | --- | --- |");
    println!("| cold build (new kiln cache: builder, Rust from the mirror, every crate) | {cold:.1} s | |");
    println!("| warm rebuild, no change (median of {BUILD_RUNS}) | {:.1} s | ≤ 3 s |", median(&warm));
    println!("| rebuild after a one-line change (median of {BUILD_RUNS}) | {:.1} s | ≤ 20 s |", median(&changed));
    println!("| function image size, compressed (registry) | {:.1} MB | ≤ 25 MB |", mb(compressed));
    println!("| function image size, uncompressed (unpacked root filesystem) | {:.1} MB | ≤ 25 MB |", mb(unpacked));
    println!(
        "| cold start, bare hyper binary to first HTTP 200 (median of {START_RUNS}) | {bare_start:.1} ms | baseline |"
    );
    println!("| cold start, the function binary alone to first HTTP 200 (median of {START_RUNS}) | {function_start:.1} ms | ≤ 10 ms |");
    println!(
        "| cold start, `kiln run` to first HTTP 200 (image unpacked; median of {START_RUNS}) | {kiln_start:.0} ms | |"
    );
    println!("| RSS after the load, bare hyper | {:.1} MB | baseline |", mb(bare_rss));
    println!("| RSS after the load, the function binary alone | {:.1} MB | |", mb(function_rss));
    println!();
    print_loads(&servers, &loads, "bare hyper", "≥ 90%");
}

/// The baseline, compiled with the machine's cargo.
fn build_bare_hyper() -> PathBuf {
    cargo_release_build(&Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bare-hyper"), "bench-bare-hyper")
        .join("release/bare-hyper")
}

fn copy_fixture(from: &Path, to: &Path) {
    for file in ["Cargo.toml", "Cargo.lock", "src/lib.rs"] {
        std::fs::create_dir_all(to.join(file).parent().expect("a parent")).expect("dirs");
        std::fs::copy(from.join(file), to.join(file)).expect("copy");
    }
}

/// Changes the greeting of a path the benchmark does not ask for (`/slow`), so that every
/// build's function still answers `GET /` the same.
fn change_one_line(source: &Path, run: usize) {
    let lib = source.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).expect("lib.rs");
    let changed = text
        .lines()
        .map(|line| {
            if line.contains("\"Hello after a second") {
                format!("            text(StatusCode::OK, \"Hello after a second, change {run}\\n\".to_string())")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(text, changed, "the fixture has no `/slow` greeting to change");
    std::fs::write(lib, changed + "\n").expect("write lib.rs");
}
