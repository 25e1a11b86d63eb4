//! The build pipeline's speed and size for `test-fixtures/go-app`, printed as a table:
//! cold build, warm rebuild, rebuild after a one-line change, image size, cold start.
//! Run with `scripts/bench` (root, after `scripts/install-deps`); numbers go to BENCHMARKS.md.

#[path = "support/mod.rs"]
mod support;

use std::path::Path;
use std::process::Command;
use support::server::{binary_start, kiln_run_start};
use support::world::{repo_root, world};
use support::{app_binary, mb, median, timed_build, unpack_size};

const RUNS: usize = 5;

fn main() {
    let w = world();
    let image = format!("{}/bench/go-app:1", w.registry.address);
    let source = tempfile::tempdir().expect("source copy");
    copy_fixture(&repo_root().join("test-fixtures/go-app"), source.path());
    let build = |cache: &Path| timed_build(cache, source.path(), &image, &[]);

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
    let binary = app_binary(cold_cache.path(), &digest);
    let binary_start: Vec<f64> = (0..RUNS).map(|_| binary_start(&binary)).collect();

    println!("| measure | result |");
    println!("| --- | --- |");
    println!("| cold build (new kiln cache: pull + unpack builder, download Go) | {cold:.1} s |");
    println!("| first build with the builder already unpacked | {warm_builder_cold:.1} s |");
    println!("| warm rebuild, no change (median of {RUNS}) | {:.1} s |", median(&warm));
    println!("| rebuild after a one-line change (median of {RUNS}) | {:.1} s |", median(&changed));
    println!("| app image size, compressed (registry) | {:.1} MB |", mb(compressed));
    println!("| app image size, uncompressed (unpacked root filesystem) | {:.1} MB |", mb(unpacked));
    println!(
        "| cold start, `kiln run` to first HTTP 200 (image unpacked; median of {RUNS}) | {:.0} ms |",
        median(&kiln_start) * 1000.0
    );
    println!(
        "| cold start, the app binary alone to first HTTP 200 (median of {RUNS}) | {:.1} ms |",
        median(&binary_start) * 1000.0
    );
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
