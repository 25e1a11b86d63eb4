//! What kiln's benches share: the end-to-end tests' world (registry, builder, Go mirror),
//! building a fixture into the test registry, the unpacked image, servers started and timed
//! to their first answer, and wrk load runs.

// Each bench uses only part of this module and of the world.
#![allow(dead_code)]

pub(crate) mod server;
pub(crate) mod side_by_side;
#[path = "../../tests/e2e/world.rs"]
pub(crate) mod world;
pub(crate) mod wrk;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use world::{expect_success, kiln_build, world};

/// Where kiln's Go buildpack puts the compiled app or function inside the image.
const APP_BINARY: &str = "layers/kiln_go-function/app/bin/app";
/// Where kiln/rust-function puts a function's server inside the image.
pub(crate) const RUST_FUNCTION_BINARY: &str = "layers/kiln_rust-function/app/bin/kiln-function";

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

/// The file at `path` (relative to the root) in the unpacked image `digest`.
pub(crate) fn image_file(cache: &Path, digest: &str, path: &str) -> PathBuf {
    unpacked_dir(cache, digest).join(path)
}

/// Bytes of the image `pinned` (`repository@digest`) unpacked.
pub(crate) fn unpack_size(cache: &Path, pinned: &str) -> u64 {
    // `kiln run` unpacks; a run that is stopped at once is enough.
    let _ = server::kiln_run_start(cache, pinned);
    let digest = pinned.rsplit('@').next().expect("digest");
    let output = Command::new("du").args(["-sb"]).arg(unpacked_dir(cache, digest)).output().expect("du");
    String::from_utf8_lossy(&output.stdout).split_whitespace().next().and_then(|n| n.parse().ok()).expect("du size")
}

/// `cargo build --release --locked` of the crate in `source` with the machine's cargo (run in
/// `source`, so its .cargo/config.toml applies), into the bench's own target directory `name`,
/// which stays so that only the first bench compiles. Returns that target directory.
pub(crate) fn cargo_release_build(source: &Path, name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| world::repo_root().join("target"), PathBuf::from)
        .join(name);
    let status = Command::new("cargo")
        .args(["build", "--release", "--locked", "--target-dir"])
        .arg(&target)
        .current_dir(source)
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo ({e})"));
    assert!(status.success(), "cargo build of {} failed: {status}", source.display());
    target
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
