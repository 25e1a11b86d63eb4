//! What kiln's benches share: the end-to-end tests' world (registry, builder, Go mirror),
//! building a fixture into the test registry, the unpacked image, servers started and timed
//! to their first answer, and wrk load runs.

// Each bench uses only part of this module and of the world.
#![allow(dead_code)]

pub(crate) mod server;
#[path = "../../tests/e2e/world.rs"]
pub(crate) mod world;
pub(crate) mod wrk;

use server::Server;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use world::{expect_success, kiln_build, world};
use wrk::Load;

/// Where kiln's Go buildpack puts the compiled app or function inside the image.
const APP_BINARY: &str = "layers/kiln_go-function/app/bin/app";

/// `kiln build --json` of `source` into `image` with the world's builder and Go mirror, plus
/// `env` (`NAME=VALUE`): the seconds it took and kiln's JSON result.
pub(crate) fn timed_build(cache: &Path, source: &Path, image: &str, env: &[&str]) -> (f64, serde_json::Value) {
    let started = Instant::now();
    let output = kiln_build(cache, source, image, &world().inventory, env);
    expect_success(&output);
    (started.elapsed().as_secs_f64(), serde_json::from_slice(&output.stdout).expect("JSON result"))
}

/// The root filesystem `kiln run` unpacked for the image `digest` in `cache`.
pub(crate) fn unpacked_dir(cache: &Path, digest: &str) -> PathBuf {
    cache.join("images").join(digest.replace(':', "-")).join("rootfs")
}

/// The app or function binary in the unpacked image.
pub(crate) fn app_binary(cache: &Path, digest: &str) -> PathBuf {
    unpacked_dir(cache, digest).join(APP_BINARY)
}

/// Bytes of the image `pinned` (`repository@digest`) unpacked.
pub(crate) fn unpack_size(cache: &Path, pinned: &str) -> u64 {
    // `kiln run` unpacks; a run that is stopped at once is enough.
    let _ = server::kiln_run_start(cache, pinned);
    let digest = pinned.rsplit('@').next().expect("digest");
    let output = Command::new("du").args(["-sb"]).arg(unpacked_dir(cache, digest)).output().expect("du");
    String::from_utf8_lossy(&output.stdout).split_whitespace().next().and_then(|n| n.parse().ok()).expect("du size")
}

pub(crate) fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

#[allow(clippy::cast_precision_loss)] // sizes shown to one decimal place
pub(crate) fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// Median of `runs` cold starts (`start` gives seconds), in milliseconds.
pub(crate) fn median_milliseconds(runs: usize, start: impl Fn() -> f64) -> f64 {
    let seconds: Vec<f64> = (0..runs).map(|_| start()).collect();
    median(&seconds) * 1000.0
}

/// `runs` wrk runs per server, each after its own warm-up, taking the servers in turn
/// (a, b, c, a, b, c, …) so that drift in the machine's speed hits all of them alike.
pub(crate) fn interleaved_loads(servers: &[(&str, Server)], runs: usize) -> Vec<Vec<Load>> {
    let mut loads = vec![Vec::with_capacity(runs); servers.len()];
    for round in 1..=runs {
        for ((name, server), loads) in servers.iter().zip(&mut loads) {
            eprintln!("[bench] wrk run {round}/{runs}: {name}");
            wrk::warm_up(&server.address);
            loads.push(wrk::measure(&server.address));
        }
    }
    loads
}

pub(crate) fn median_of(runs: &[Load], measure: impl Fn(&Load) -> f64) -> f64 {
    median(&runs.iter().map(measure).collect::<Vec<_>>())
}
