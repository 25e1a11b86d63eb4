//! kiln/wasm-function end to end: components built from Rust (wasm32-wasip2, with the Rust
//! buildpack's toolchain from the Rust mirror) or prebuilt, validated, precompiled and served by
//! kiln's Wasm host in the image, under its per-request limits.

use crate::app::RunningApp;
use crate::world::{expect_success, kiln_build, repo_root, world};
use crate::{contract_failures, json, stderr};
use kiln_test_support::contract::Expectations;
use kiln_test_support::{get, FileServer};
use std::process::Output;
use std::time::Instant;

/// The repository of every Wasm build (one build cache, as the contract fixtures' `contract/wasm`).
const WASM_REPOSITORY: &str = "contract/wasm";

fn build(fixture_name: &str, tag: &str) -> (Output, String) {
    build_with_env(fixture_name, tag, &[])
}

fn build_with_env(fixture_name: &str, tag: &str, env: &[&str]) -> (Output, String) {
    let w = world();
    let image = format!("{}/{WASM_REPOSITORY}:{tag}", w.registry.address);
    let source = repo_root().join("test-fixtures").join(fixture_name);
    (kiln_build(&w.cache_dir, &source, &image, &w.inventory, env), image)
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, crates.io; scripts/test runs it"]
fn wasm_functions_pass_the_contract_and_rebuild_to_the_same_digest() {
    let fixtures: Vec<_> = Expectations::of_all_fixtures(&repo_root().join("test-fixtures"))
        .into_iter()
        .filter(|(name, ..)| name.starts_with("wasm-"))
        .collect();
    let names: Vec<&str> = fixtures.iter().map(|(name, ..)| name.as_str()).collect();
    assert_eq!(names, ["wasm-http", "wasm-prebuilt"]);
    let failures = contract_failures(&fixtures);
    assert!(failures.is_empty(), "the function contract failed:\n{failures}");

    for (fixture_name, reused) in [
        (
            "wasm-http",
            &[
                "Reusing the Rust toolchain",
                "Reusing the cargo registry cache",
                "Reusing the target directory",
                // kiln_rust::source_times: cargo finds the crate's sources no newer than its artifacts.
                "source files are unchanged since the cached build",
            ][..],
        ),
        ("wasm-prebuilt", &[]),
    ] {
        let (first, image) = build(fixture_name, &format!("rebuild-{fixture_name}"));
        expect_success(&first);
        let result = json(&first);
        assert_eq!(result["process_types"], serde_json::json!(["web"]), "{fixture_name}: {result}");
        let digest = result["digest"].as_str().expect("a digest").to_string();
        let (again, _) = build(fixture_name, &format!("rebuild-{fixture_name}"));
        expect_success(&again);
        assert_eq!(
            json(&again)["digest"].as_str(),
            Some(digest.as_str()),
            "{fixture_name}: a rebuild changed the image"
        );
        let log = stderr(&again);
        for text in reused {
            assert!(log.contains(text), "{fixture_name}: the rebuild did not say `{text}`:\n{log}");
        }
        eprintln!("[e2e] {image}: {} bytes", result["size"]);
    }
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, crates.io; scripts/test runs it"]
fn broken_wasm_sources_fail_with_their_kind_and_leave_no_tag() {
    for (fixture_name, message, kind) in [
        (
            "wasm-core-module",
            "function.wasm is no wasi:http/proxy component: it is a core WebAssembly module",
            "InvalidSource",
        ),
        (
            "wasm-no-handler",
            "the component does not export wasi:http/incoming-handler (its exports: wasi:cli/run@",
            "FunctionNotFound",
        ),
    ] {
        let tag = format!("broken-{fixture_name}");
        let (output, _) = build(fixture_name, &tag);
        crate::expect_build_error(&output, (WASM_REPOSITORY, Some(&tag)), kind, message);
    }
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, crates.io; scripts/test runs it"]
fn runaway_guests_are_cut_off_while_other_requests_are_served() {
    let w = world();
    let (looping, looping_image) = build("wasm-forever-loop", "forever-loop");
    expect_success(&looping);
    let mut app = RunningApp::start_on(&w.cache_dir, &looping_image, None, &["FUNC_WASM_TIMEOUT=1s"]);
    assert_eq!(app.get_when_up("/").text(), "still serving\n");
    let started = Instant::now();
    let cut_off = std::thread::spawn({
        let address = app.address.clone();
        move || get(&address, "/loop").map(|response| (response.status, started.elapsed()))
    });
    std::thread::sleep(std::time::Duration::from_millis(100));
    let parallel = get(&app.address, "/").expect("an answer while a guest loops");
    let parallel_answered = started.elapsed();
    assert_eq!(parallel.status, 200);
    let (status, cut_off_after) = cut_off.join().expect("the request thread").expect("the loop is answered");
    assert_eq!(status, 504, "{}", app.logs());
    assert!(parallel_answered < cut_off_after, "the parallel request waited for the loop");
    eprintln!("[e2e] the looping guest answered 504 after {cut_off_after:?} (FUNC_WASM_TIMEOUT=1s)");

    let (hog, hog_image) = build("wasm-memory-hog", "memory-hog");
    expect_success(&hog);
    let mut app = RunningApp::start_on(&w.cache_dir, &hog_image, None, &["FUNC_WASM_MAX_MEMORY=32MiB"]);
    assert_eq!(app.get_when_up("/").text(), "still serving\n");
    assert_eq!(get(&app.address, "/alloc").expect("an answer").status, 500, "{}", app.logs());
    assert_eq!(get(&app.address, "/").expect("an answer").text(), "still serving\n");
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, crates.io; scripts/test runs it"]
fn a_wasm_function_gets_files_variables_and_hosts_only_when_granted() {
    let w = world();
    // wasm-grants reads a file with std::fs, so its component imports wasi:filesystem.
    let (refused, _) = build("wasm-grants", "grants-refused");
    crate::expect_build_error(
        &refused,
        (WASM_REPOSITORY, Some("grants-refused")),
        "WrongSignature",
        "imports wasi:filesystem/",
    );
    assert!(stderr(&refused).contains("when FUNC_WASM_DIR grants a directory"), "{}", stderr(&refused));
    let (outside, _) = build_with_env("wasm-grants", "grants-outside", &["FUNC_WASM_DIR=../wasm-http"]);
    crate::expect_build_error(
        &outside,
        (WASM_REPOSITORY, Some("grants-outside")),
        "InvalidFunctionConfig",
        "FUNC_WASM_DIR is `../wasm-http`: expected a directory of the source",
    );

    let (granted, image) =
        build_with_env("wasm-grants", "granted", &["FUNC_WASM_DIR=static", "FUNC_WASM_ENV=GREETING"]);
    expect_success(&granted);
    assert!(stderr(&granted).contains("The image's defaults for the host: FUNC_WASM_ENV=GREETING FUNC_WASM_DIR=static"));
    // The variable's value comes from where the image runs; the build only named it. The
    // allowed host is granted at run time too: `kiln run` shares the host's loopback.
    let upstream = FileServer::start(&repo_root().join("test-fixtures/wasm-grants/static"));
    let upstream_authority = upstream.url.trim_start_matches("http://");
    let allow = format!("FUNC_WASM_ALLOW_HOSTS={upstream_authority}");
    let mut app = RunningApp::start_on(&w.cache_dir, &image, None, &["GREETING=from the run", &allow]);
    let file = app.get_when_up("/file");
    assert_eq!((file.status, file.text().as_str()), (200, "Hello from a granted file\n"), "{}", app.logs());
    let env = get(&app.address, "/env").expect("an answer");
    assert_eq!(env.text(), "GREETING=from the run\n");
    let fetched = get(&app.address, &format!("/fetch?to={upstream_authority}/greeting.txt")).expect("an answer");
    assert_eq!((fetched.status, fetched.text().as_str()), (200, "Hello from a granted file\n"), "{}", app.logs());
    // Another port of the allowed host is not allowed: denied and logged.
    let fetch = get(&app.address, "/fetch?to=127.0.0.1:9/").expect("an answer");
    assert_eq!(fetch.status, 502, "{}", fetch.text());
    assert!(app.logs().contains("FUNC_WASM_ALLOW_HOSTS does not list it"), "{}", app.logs());
}
