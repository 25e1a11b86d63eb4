//! kiln's Node.js function server against a bare node:http server and Google's Functions
//! Framework 5.x (with its defaults), side by side in one run, printed as tables:
//! `test-fixtures/nodejs-http` built as a function (`FUNC_NAME=helloWorld`), its cold build, warm
//! rebuild and image size (beside the node binary's own size), then per server wrk throughput
//! and p99, RSS after the load, and cold start (process start to the first HTTP 200). Every
//! server runs on the image's own node binary, so only the framework differs. The aims:
//! at least 5x Google's throughput, cold start at most 80 ms, warm rebuild at most 3 s, an image
//! at most 15 MB larger than the node binary.
//!
//! Run with `scripts/bench` (root, after `scripts/install-deps`; Google's framework comes from
//! the npm registry); numbers go to BENCHMARKS.md.

#[path = "support/mod.rs"]
mod support;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::server::{kiln_run_start, Server};
use support::side_by_side::{interleaved_loads, median_of, milliseconds, LOAD_RUNS, START_RUNS};
use support::world::{repo_root, world};
use support::wrk;
use support::{mb, timed_build, unpack_size, unpacked_dir};

const BODY: &str = "Hello, World!\n";
/// Where kiln/nodejs-function puts node and its server in the image.
const NODE: &str = "layers/kiln_nodejs-function/node_runtime/bin/node";
const KILN_SERVER: &str = "layers/kiln_nodejs-function/framework/kiln-function.cjs";
const FUNCTION_MODULE: &str = "workspace/index.js";

fn main() {
    wrk::check_parser();
    wrk::require_wrk();
    let scratch = tempfile::tempdir().expect("scratch dir");
    let w = world();
    let cache = w.cache_dir.as_path();
    let image = format!("{}/bench/nodejs-http:1", w.registry.address);
    let fixture = repo_root().join("test-fixtures/nodejs-http");
    let env = ["FUNC_NAME=helloWorld"];
    let (cold_build, result) = timed_build(cache, &fixture, &image, &env);
    let (warm_rebuild, _) = timed_build(cache, &fixture, &image, &env);
    let digest = result["digest"].as_str().expect("digest").to_string();
    let compressed = result["size"].as_u64().expect("size");
    let pinned = format!("{}/bench/nodejs-http@{digest}", w.registry.address);
    let unpacked = unpack_size(cache, &pinned);
    let rootfs = unpacked_dir(cache, &digest);
    let node = rootfs.join(NODE);
    let node_size = std::fs::metadata(&node).expect("the image's node").len();
    let google = install_google_framework(scratch.path());
    let bare = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bare-node-http/server.js");

    let kiln_args = [rootfs.join(KILN_SERVER), rootfs.join(FUNCTION_MODULE)];
    let kiln_command: Vec<&OsStr> =
        vec![kiln_args[0].as_os_str(), kiln_args[1].as_os_str(), OsStr::new("helloWorld"), OsStr::new("http")];
    let google_main = google.join("node_modules/@google-cloud/functions-framework/build/src/main.js");
    let google_command: Vec<&OsStr> = vec![google_main.as_os_str(), OsStr::new("--target=helloWorld")];
    let plain: [(&str, Vec<&OsStr>, &Path); 3] = [
        ("bare node:http (benches/bare-node-http)", vec![bare.as_os_str()], Path::new("/")),
        ("kiln's function server, plain `node`", kiln_command, &rootfs),
        ("Google's Functions Framework 5.0.5, defaults", google_command, &google),
    ];
    let starts: Vec<f64> =
        plain.iter().map(|(_, args, dir)| milliseconds(|| start_in(&node, args, dir).cold_start)).collect();
    let kiln_run = milliseconds(|| kiln_run_start(cache, &pinned));

    let mut servers: Vec<(&str, Server)> =
        plain.iter().map(|(name, args, dir)| (*name, start_in(&node, args, dir))).collect();
    servers.push(("kiln's function server, the image under `kiln run`", Server::kiln_run(cache, &pinned)));
    for (name, server) in &servers {
        expect_hello(name, &server.address);
    }
    let loads = interleaved_loads(&servers);

    println!("| measure | result | aim |");
    println!("| --- | --- | --- |");
    println!("| cold build (first build into the repository: Node.js from the mirror) | {cold_build:.1} s | |");
    println!("| warm rebuild, no change | {warm_rebuild:.1} s | ≤ 3 s |");
    println!("| the image's node binary | {:.1} MB | |", mb(node_size));
    println!(
        "| function image, uncompressed (unpacked root filesystem) | {:.1} MB (node + {:.1} MB) | ≤ node + 15 MB |",
        mb(unpacked),
        mb(unpacked - node_size)
    );
    println!("| function image, compressed (registry) | {:.1} MB | |", mb(compressed));
    println!(
        "| cold start, `kiln run` to first HTTP 200 (image unpacked; median of {START_RUNS}) | {kiln_run:.0} ms | |"
    );
    println!();
    println!("Load: {}, median of {LOAD_RUNS} runs per server, interleaved. Cold start: process start to the first HTTP 200, median of {START_RUNS}; RSS after the load.", wrk::METHOD);
    println!();
    println!("| server | req/s | p99 ms | vs Google's | RSS MB | cold start ms | errors |");
    println!("| --- | --- | --- | --- | --- | --- | --- |");
    let google_rate = median_of(&loads[2], |load| load.requests_per_second);
    for (index, ((name, server), runs)) in servers.iter().zip(&loads).enumerate() {
        let rate = median_of(runs, |load| load.requests_per_second);
        let p99 = median_of(runs, |load| load.p99_ms);
        let errors: u64 = runs.iter().map(|load| load.errors).sum();
        let (rss, start) = match starts.get(index) {
            Some(start) => (format!("{:.1}", mb(server.rss())), format!("{start:.0}")),
            None => ("(in runc)".to_string(), format!("{kiln_run:.0} (kiln run)")),
        };
        println!("| {name} | {rate:.0} | {p99:.1} | {:.1}x | {rss} | {start} | {errors} |", rate / google_rate);
    }
}

/// `node args…` in `dir`, timed to its first answer.
fn start_in(node: &Path, args: &[&OsStr], dir: &Path) -> Server {
    let mut command = Command::new(node);
    command.args(args).current_dir(dir);
    Server::process(command)
}

/// Google's framework from the npm registry, as its lockfile pins it, in `scratch`.
fn install_google_framework(scratch: &Path) -> PathBuf {
    let dir = scratch.join("google-functions-framework");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/google-functions-framework");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for file in ["package.json", "package-lock.json", "index.js"] {
        std::fs::copy(source.join(file), dir.join(file)).expect("copy");
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .status()
        .unwrap_or_else(|e| panic!("cannot run npm ({e}): the bench installs Google's framework with it"));
    assert!(status.success(), "npm ci of Google's framework failed: {status}");
    dir
}

fn expect_hello(name: &str, address: &str) {
    let response =
        kiln_test_support::get(address, "/").unwrap_or_else(|| panic!("{name} stopped answering on {address}"));
    assert_eq!((response.status, response.text()), (200, BODY.to_string()), "{name} answers GET / differently");
}
