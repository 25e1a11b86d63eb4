//! Python functions: the same hello function (`GET /` answers `Hello, World!`) served by kiln's
//! framework (test-fixtures/python-http: granian) and by Google's Functions Framework with its
//! defaults (test-fixtures/python-gcf: gunicorn, 1 worker, 4 threads per core), each as a built
//! image under `kiln run` and as its process started alone from the unpacked image. For each:
//! wrk throughput and p99, RSS, cold start (process start to the first HTTP 200); and kiln's
//! image size, cold build and warm rebuild. The aims: at least 3x Google's
//! throughput, cold start at most 100 ms, warm rebuild at most 3 s, image at most 90 MB.
//!
//! wrk and the servers share the machine's cores: the ratio to Google's framework, measured
//! side by side in this run, is the number to compare. Run with `scripts/bench`.

#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::process::Command;
use support::server::Server;
use support::side_by_side::{interleaved_loads, median_of, milliseconds, LOAD_RUNS, START_RUNS};
use support::world::{repo_root, world};
use support::wrk;
use support::{mb, timed_build, unpack_size, unpacked_dir};

const LAYERS: &str = "layers/kiln_python-function";

/// One of the two images, and how to start its function without `kiln run`.
struct Setup {
    pinned: String,
    root: PathBuf,
    /// `python -m …` arguments of the image's process, with the image's paths.
    module_args: Vec<String>,
    /// site-packages directories on PYTHONPATH, in the launcher's order.
    site_packages: Vec<&'static str>,
}

impl Setup {
    fn build(fixture: &str, image: &str) -> (Self, f64, serde_json::Value) {
        let w = world();
        let source = repo_root().join("test-fixtures").join(fixture);
        let (seconds, result) = timed_build(&w.cache_dir, &source, image, &["FUNC_NAME=hello"]);
        let digest = result["digest"].as_str().expect("digest").to_string();
        let repository = image.rsplit_once(':').expect("a tag").0;
        let pinned = format!("{repository}@{digest}");
        let root = unpacked_dir(&w.cache_dir, &digest);
        let source_file = root.join("workspace/main.py").to_string_lossy().into_owned();
        let (module_args, site_packages) = if fixture == "python-gcf" {
            let args =
                ["kiln_function.google", "--target", "hello", "--signature-type", "http", "--source", &source_file];
            (args.map(str::to_string).to_vec(), vec!["packages/site-packages", "framework/site-packages"])
        } else {
            let args = [
                "kiln_function",
                "--target",
                "hello",
                "--signature",
                "http",
                "--source",
                &source_file,
                "--interface",
                "wsgi",
            ];
            (args.map(str::to_string).to_vec(), vec!["framework/site-packages"])
        };
        (Self { pinned, root, module_args, site_packages }, seconds, result)
    }

    /// The function's process started alone, from the unpacked image (its Python runs on the
    /// host: its libraries are found relative to it).
    fn alone(&self) -> Server {
        let layers = self.root.join(LAYERS);
        let python_path: Vec<String> =
            self.site_packages.iter().map(|dir| layers.join(dir).to_string_lossy().into_owned()).collect();
        let mut command = Command::new(layers.join("python/python/bin/python3"));
        command
            .arg("-m")
            .args(&self.module_args)
            .env_clear()
            .env("PYTHONPATH", python_path.join(":"))
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("FUNC_ADDRESS", "127.0.0.1")
            .current_dir(self.root.join("workspace"));
        Server::process(command)
    }
}

fn main() {
    wrk::check_parser();
    wrk::require_wrk();
    let w = world();
    let cache = w.cache_dir.as_path();
    let kiln_image = format!("{}/bench/python-http:1", w.registry.address);
    let google_image = format!("{}/bench/python-gcf:1", w.registry.address);
    let (kiln, cold_build, result) = Setup::build("python-http", &kiln_image);
    let (_, warm_rebuild, _) = Setup::build("python-http", &kiln_image);
    let compressed = result["size"].as_u64().expect("size");
    let unpacked = unpack_size(cache, &kiln.pinned);
    let (google, _, _) = Setup::build("python-gcf", &google_image);
    let _ = unpack_size(cache, &google.pinned);

    let kiln_start = milliseconds(|| kiln.alone().cold_start);
    let google_start = milliseconds(|| google.alone().cold_start);
    let kiln_run_start = milliseconds(|| Server::kiln_run(cache, &kiln.pinned).cold_start);
    let google_run_start = milliseconds(|| Server::kiln_run(cache, &google.pinned).cold_start);

    let servers = [
        ("Google's Functions Framework, alone (gunicorn, 1 worker, 8 threads)", google.alone()),
        ("Google's Functions Framework, image under `kiln run`", Server::kiln_run(cache, &google.pinned)),
        ("kiln's framework, alone (granian)", kiln.alone()),
        ("kiln's framework, image under `kiln run`", Server::kiln_run(cache, &kiln.pinned)),
    ];
    for (name, server) in &servers {
        let response = kiln_test_support::get(&server.address, "/").unwrap_or_else(|| panic!("{name} does not answer"));
        assert_eq!((response.status, response.text().as_str()), (200, "Hello, World!\n"), "{name} answers otherwise");
    }
    let rss = [servers[0].1.rss(), servers[2].1.rss()];
    let loads = interleaved_loads(&servers);

    println!("| measure | result | aim |");
    println!("| --- | --- | --- |");
    println!(
        "| cold build of python-http (new kiln cache: builder pulled, Python from the mirror) | {cold_build:.1} s | |"
    );
    println!("| warm rebuild, no change | {warm_rebuild:.1} s | ≤ 3 s |");
    println!("| image size, compressed (registry) | {:.1} MB | |", mb(compressed));
    println!("| image size, uncompressed (unpacked root filesystem) | {:.1} MB | ≤ 90 MB |", mb(unpacked));
    println!("| cold start, kiln's framework alone, to first HTTP 200 (median of {START_RUNS}) | {kiln_start:.0} ms | ≤ 100 ms |");
    println!("| cold start, Google's framework alone (median of {START_RUNS}) | {google_start:.0} ms | |");
    println!(
        "| cold start, kiln's framework image under `kiln run` (median of {START_RUNS}) | {kiln_run_start:.0} ms | |"
    );
    println!("| cold start, Google's framework image under `kiln run` (median of {START_RUNS}) | {google_run_start:.0} ms | |");
    println!("| RSS after start, kiln's framework alone (all processes) | {:.1} MB | |", mb(rss[1]));
    println!("| RSS after start, Google's framework alone (all processes) | {:.1} MB | |", mb(rss[0]));
    println!();
    println!("Load: {}, median of {LOAD_RUNS} runs per server, interleaved.", wrk::METHOD);
    println!();
    println!("| server | req/s | p99 ms | req/s vs Google's alone (aim ≥ 300%) | errors |");
    println!("| --- | --- | --- | --- | --- |");
    let google_rate = median_of(&loads[0], |load| load.requests_per_second);
    for ((name, _), runs) in servers.iter().zip(&loads) {
        let rate = median_of(runs, |load| load.requests_per_second);
        let p99 = median_of(runs, |load| load.p99_ms);
        let errors: u64 = runs.iter().map(|load| load.errors).sum();
        println!("| {name} | {rate:.0} | {p99:.1} | {:.0}% | {errors} |", rate / google_rate * 100.0);
    }
}
