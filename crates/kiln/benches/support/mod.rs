//! What kiln's benches share: the end-to-end tests' world (registry, builder, Go mirror),
//! building a fixture into the test registry, the unpacked image, servers started and timed
//! to their first answer, and wrk load runs.

// Each bench uses only part of this module and of the world.
#![allow(dead_code)]

pub(crate) mod server;
#[path = "../../tests/e2e/world.rs"]
pub(crate) mod world;
pub(crate) mod wrk;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use world::{expect_success, kiln_build, world};

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

/// Cold starts per server, as the peer baselines measured them.
pub(crate) const START_RUNS: usize = 5;
/// wrk runs per server, as the peer baselines measured them.
pub(crate) const LOAD_RUNS: usize = 3;

/// Median of `START_RUNS` cold starts, in milliseconds.
pub(crate) fn milliseconds(start: impl Fn() -> f64) -> f64 {
    let seconds: Vec<f64> = (0..START_RUNS).map(|_| start()).collect();
    median(&seconds) * 1000.0
}

/// `LOAD_RUNS` wrk runs per server, each after its own warm-up, taking the servers in turn
/// (a, b, c, a, b, c, …) so that drift in the machine's speed hits all of them alike.
pub(crate) fn interleaved_loads(servers: &[(&str, server::Server)]) -> Vec<Vec<wrk::Load>> {
    let mut loads = vec![Vec::with_capacity(LOAD_RUNS); servers.len()];
    for round in 1..=LOAD_RUNS {
        for ((name, server), runs) in servers.iter().zip(&mut loads) {
            eprintln!("[bench] wrk run {round}/{LOAD_RUNS}: {name}");
            wrk::warm_up(&server.address);
            runs.push(wrk::measure(&server.address));
        }
    }
    loads
}

pub(crate) fn median_of(runs: &[wrk::Load], measure: impl Fn(&wrk::Load) -> f64) -> f64 {
    median(&runs.iter().map(measure).collect::<Vec<_>>())
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
