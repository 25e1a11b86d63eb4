//! End-to-end: fixtures built with `kiln build` by the real lifecycle under runc, published to
//! a real registry, run with `kiln run` and answered over HTTP.

#[path = "e2e/app.rs"]
mod app;
#[path = "e2e/errors.rs"]
mod errors;
#[path = "e2e/image_contents.rs"]
mod image_contents;
#[path = "e2e/platform.rs"]
mod platform;
#[path = "e2e/world.rs"]
mod world;

use app::RunningApp;
use kiln_test_support::{get, post};
use std::process::Output;
use world::{expect_success, kiln_build, repo_root, world};

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `kiln build --json` of a fixture into `repository:tag` on the test registry.
fn build(fixture_name: &str, repository: &str, inventory: &std::path::Path) -> (Output, String) {
    build_with(fixture_name, repository, inventory, &[])
}

/// `build` with more build environment (`NAME=VALUE`), e.g. the function contract.
fn build_with(fixture_name: &str, repository: &str, inventory: &std::path::Path, env: &[&str]) -> (Output, String) {
    let w = world();
    let image = format!("{}/{repository}:1", w.registry.address);
    let source = repo_root().join("test-fixtures").join(fixture_name);
    (kiln_build(&w.cache_dir, &source, &image, inventory, env), image)
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

#[test]
fn go_app_builds_serves_and_rebuilds_to_the_same_digest() {
    let w = world();
    let (first, image) = build("go-app", "apps/go-app", &w.inventory);
    expect_success(&first);
    let result = json(&first);
    let digest = result["digest"].as_str().expect("a digest").to_string();
    assert!(digest.starts_with("sha256:"), "{result}");
    assert_eq!(result["process_types"], serde_json::json!(["web"]));
    assert!(result["size"].as_u64().is_some_and(|size| size > 0), "{result}");

    let mut app = RunningApp::start(&w.cache_dir, &image);
    let response = app.get_when_up("/");
    assert_eq!(response.status, 200);
    assert_eq!(response.text(), "Hello from kiln go-app\n");
    let status = app.stop();
    assert!(status.success(), "kiln run did not stop cleanly on SIGTERM: {status}");

    let (second, _) = build("go-app", "apps/go-app", &w.inventory);
    expect_success(&second);
    assert_eq!(json(&second)["digest"].as_str(), Some(digest.as_str()), "an unchanged rebuild changed the image");
    let log = stderr(&second);
    for reused in ["Reusing the Go toolchain", "Reusing the module cache", "Reusing the build cache"] {
        assert!(log.contains(reused), "the rebuild did not say `{reused}`:\n{log}");
    }
}

#[test]
fn go_app_with_a_module_dependency_serves() {
    let w = world();
    let (output, image) = build("go-app-deps", "apps/go-app-deps", &w.inventory);
    expect_success(&output);
    let mut app = RunningApp::start(&w.cache_dir, &image);
    let response = app.get_when_up("/");
    assert_eq!(response.status, 200);
    assert!(response.text().starts_with("Hello from kiln go-app-deps"), "{}", response.text());
}

#[test]
fn broken_sources_fail_with_their_message_and_leave_no_tag() {
    let w = world();
    // The message is in the log; where the buildpack's build step failed, it is also in the
    // --json error itself.
    for (fixture_name, env, message, in_json, kind) in [
        ("go-syntax-error", &[][..], "main.go:", false, "CompileError"),
        ("go-version-unknown", &[], "1.99", true, "UnsupportedVersion"),
        (
            "go-func-missing",
            &["FUNC_NAME=HelloWorld"],
            "Goodbye: func(w http.ResponseWriter, _ *http.Request)",
            true,
            "FunctionNotFound",
        ),
        (
            "go-func-wrong-signature",
            &["FUNC_NAME=HelloWorld"],
            "  func(http.ResponseWriter, *http.Request)",
            true,
            "WrongSignature",
        ),
        (
            "go-func-wrong-signature",
            &["FUNC_NAME=HelloWorld", "FUNC_SRC=../elsewhere"],
            "FUNC_SRC is `../elsewhere`",
            true,
            "InvalidFunctionConfig",
        ),
        ("go-http", &["FUNC_NAME=Hello;rm -rf /"], "FUNC_NAME", true, "InvalidFunctionName"),
    ] {
        let repository = format!("broken/{fixture_name}");
        let (output, _) = build_with(fixture_name, &repository, &w.inventory, env);
        assert!(!output.status.success(), "{fixture_name} built");
        let log = stderr(&output);
        assert!(log.contains(message), "{fixture_name}: no `{message}` in:\n{log}");
        let document = json(&output);
        let error = document["error"]["message"].as_str().map(ToString::to_string);
        let error = error.unwrap_or_else(|| panic!("{fixture_name}: --json gave no error document"));
        assert!(!in_json || error.contains(message), "{fixture_name}: no `{message}` in the --json error:\n{error}");
        assert_eq!(document["error"]["kind"], kind, "{fixture_name}: {document}");
        assert_eq!(output.status.code(), Some(2), "{fixture_name}: a user error exits 2");
        assert_eq!(w.registry.tags(&repository), Vec::<String>::new(), "{fixture_name} left a tag");
    }
}

/// Detection failures carry each buildpack's own reason into the error itself (what `--json`
/// readers get), e.g. that a Go library needs `FUNC_NAME`.
#[test]
fn undetected_sources_say_why_and_leave_no_tag() {
    let w = world();
    for (fixture_name, reason) in
        [("go-http", "set FUNC_NAME to the function's name"), ("empty", "No go.mod at the source root")]
    {
        let repository = format!("undetected/{fixture_name}");
        let (output, _) = build(fixture_name, &repository, &w.inventory);
        assert!(!output.status.success(), "{fixture_name} built without FUNC_NAME");
        let log = stderr(&output);
        assert!(log.contains("no buildpack detected"), "{fixture_name}: no `no buildpack detected` in:\n{log}");
        let document = json(&output);
        let error = document["error"]["message"].as_str().map(ToString::to_string);
        let error = error.unwrap_or_else(|| panic!("{fixture_name}: --json gave no error document"));
        assert!(error.starts_with("no buildpack detected"), "{fixture_name}: {error}");
        assert_eq!(document["error"]["kind"], "NoBuildpackDetected", "{fixture_name}: {document}");
        let hints = document["error"]["hints"].as_array().cloned().unwrap_or_default();
        assert!(
            hints.iter().any(|hint| hint["buildpack"] == "kiln/go-function"
                && hint["reason"].as_str().is_some_and(|r| r.contains(reason))),
            "{fixture_name}: the hints are not one structured entry per buildpack with its reason: {document}"
        );
        assert!(error.contains(reason), "{fixture_name}: no `{reason}` in the error:\n{error}");
        assert_eq!(w.registry.tags(&repository), Vec::<String>::new(), "{fixture_name} left a tag");
    }
}

#[test]
fn go_http_function_serves_get_and_post_and_survives_a_panic() {
    let w = world();
    let (output, image) = build_with("go-http", "functions/go-http", &w.inventory, &["FUNC_NAME=HelloWorld"]);
    expect_success(&output);
    let mut app = RunningApp::start(&w.cache_dir, &image);

    let hello = app.get_when_up("/");
    assert_eq!((hello.status, hello.text().as_str()), (200, "Hello, World!\n"));
    assert_eq!(hello.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(get(&app.address, "/?name=kiln").expect("answers").text(), "Hello, kiln!\n");

    let posted = post(&app.address, "/", &[("Content-Type", "text/plain")], b"ping").expect("answers");
    assert_eq!(posted.status, 201);
    assert_eq!(posted.header("Content-Type"), Some("application/json"));
    let echoed: serde_json::Value = serde_json::from_slice(&posted.body).expect("JSON body");
    assert_eq!(echoed, serde_json::json!({"received": "ping", "bytes": 4}));

    let panicked = get(&app.address, "/panic").expect("a panic still answers");
    assert_eq!(panicked.status, 500);
    let logs = app.wait_for_log("go-http was asked to panic");
    assert!(logs.contains("The function HelloWorld panicked serving GET /panic"), "the panic was not logged:\n{logs}");
    assert_eq!(get(&app.address, "/").expect("still serving").status, 200);
    assert!(app.stop().success(), "the function did not stop cleanly on SIGTERM");
}

#[test]
fn go_cloudevent_function_takes_binary_and_structured_events() {
    let w = world();
    // The Google Cloud Functions names work as well as FUNC_NAME and FUNC_SIGNATURE_TYPE.
    let env = ["GOOGLE_FUNCTION_TARGET=Receive", "GOOGLE_FUNCTION_SIGNATURE_TYPE=cloudevent"];
    let (output, image) = build_with("go-cloudevent", "functions/go-cloudevent", &w.inventory, &env);
    expect_success(&output);
    let mut app = RunningApp::start(&w.cache_dir, &image);
    assert_eq!(app.get_when_up("/").status, 405, "a GET is not a CloudEvent");

    let binary_headers = [
        ("Ce-Specversion", "1.0"),
        ("Ce-Id", "binary-1"),
        ("Ce-Source", "/orders"),
        ("Ce-Type", "com.example.order.created"),
        ("Content-Type", "application/json"),
    ];
    let binary = post(&app.address, "/", &binary_headers, br#"{"item":"tea","quantity":2}"#).expect("answers");
    assert_eq!((binary.status, binary.text().as_str()), (200, ""));
    let logs = app.wait_for_log("binary-1");
    assert!(logs.contains("received com.example.order.created binary-1 from /orders: 2 x tea"), "{logs}");

    let structured_event = br#"{"specversion":"1.0","id":"structured-1","source":"/shop","type":"com.example.order.created","datacontenttype":"application/json","data":{"item":"cake","quantity":3}}"#;
    let structured = post(&app.address, "/", &[("Content-Type", "application/cloudevents+json")], structured_event)
        .expect("answers");
    assert_eq!(structured.status, 200);
    let logs = app.wait_for_log("structured-1");
    assert!(logs.contains("received com.example.order.created structured-1 from /shop: 3 x cake"), "{logs}");

    let failing = post(&app.address, "/", &binary_headers, br#"{"note":"no order"}"#).expect("answers");
    assert_eq!(failing.status, 500, "an error from the function answers 500");
    let not_an_event = post(&app.address, "/", &[("Content-Type", "application/json")], b"{}").expect("answers");
    assert_eq!(not_an_event.status, 415, "{}", not_an_event.text());
}

#[test]
fn go_function_in_a_subpackage_uses_its_module_dependencies() {
    let w = world();
    // FUNC_NAME and FUNC_SRC come from the fixture's project.toml.
    let (output, image) = build("go-http-subpkg", "functions/go-http-subpkg", &w.inventory);
    expect_success(&output);
    assert!(
        stderr(&output).contains("Build environment from project.toml: FUNC_NAME, FUNC_SRC"),
        "{}",
        stderr(&output)
    );
    let mut app = RunningApp::start(&w.cache_dir, &image);
    let response = app.get_when_up("/");
    assert_eq!(response.status, 200);
    let id = response.header("X-Request-Id").expect("a request id").to_string();
    assert_eq!(id.len(), 36, "not a UUID: {id}");
    assert_eq!(response.text(), format!("HELLO, GO-HTTP-SUBPKG! (request {id})\n"));
}

#[test]
fn a_checksum_mismatch_in_the_mirror_is_refused() {
    let w = world();
    let (output, _) = build("go-app", "apps/tampered", &w.tampered_inventory);
    assert!(!output.status.success(), "a tampered toolchain was accepted");
    let log = stderr(&output);
    assert!(log.to_lowercase().contains("checksum"), "no checksum message in:\n{log}");
    assert_eq!(w.registry.tags("apps/tampered"), Vec::<String>::new());
}
