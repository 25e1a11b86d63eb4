//! End-to-end: fixtures built with `kiln build` by the real lifecycle under runc, published to
//! a real registry, run with `kiln run` and answered over HTTP. Every test here needs root,
//! runc, mmdebstrap and a registry, so each is marked `#[ignore = "real components: …"]`:
//! plain `cargo test` skips them, `scripts/test` runs them. The exception is `shipwright`'s
//! validate test, which runs the binary on files alone.

#[path = "e2e/app.rs"]
mod app;
#[path = "e2e/cluster.rs"]
mod cluster;
#[path = "e2e/errors.rs"]
mod errors;
#[path = "e2e/git_daemon.rs"]
mod git_daemon;
#[path = "e2e/image_contents.rs"]
mod image_contents;
#[path = "e2e/nodejs.rs"]
mod nodejs;
#[path = "e2e/pack.rs"]
mod pack;
#[path = "e2e/platform.rs"]
mod platform;
#[path = "e2e/python.rs"]
mod python;
#[path = "e2e/rust.rs"]
mod rust;
#[path = "e2e/shipwright.rs"]
mod shipwright;
#[path = "e2e/wasm.rs"]
mod wasm;
#[path = "e2e/world.rs"]
mod world;

use app::RunningApp;
use kiln_test_support::contract::{self, Expectations};
use std::fmt::Write as _;
use std::process::Output;
use world::{expect_success, kiln_build, kiln_build_flagged, repo_root, world};

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `kiln build --json` of a fixture into `repository:tag` on the test registry.
fn build(fixture_name: &str, repository: &str, inventory: &std::path::Path) -> (Output, String) {
    build_with(fixture_name, repository, inventory, &[])
}

fn fixture(name: &str) -> std::path::PathBuf {
    repo_root().join("test-fixtures").join(name)
}

fn path_text(path: &std::path::Path) -> &str {
    path.to_str().expect("a UTF-8 temp path")
}

/// `build` with more build environment (`NAME=VALUE`), e.g. the function contract.
fn build_with(fixture_name: &str, repository: &str, inventory: &std::path::Path, env: &[&str]) -> (Output, String) {
    build_tagged(fixture_name, &format!("{repository}:1"), inventory, env)
}

/// `build_with` into `repository:tag` (`reference`) on the test registry.
fn build_tagged(fixture_name: &str, reference: &str, inventory: &std::path::Path, env: &[&str]) -> (Output, String) {
    let w = world();
    let image = format!("{}/{reference}", w.registry.address);
    let source = repo_root().join("test-fixtures").join(fixture_name);
    (kiln_build(&w.cache_dir, &source, &image, inventory, env), image)
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

/// What every broken source must give: no image, the `--json` error of `kind`, `message` in
/// what the user reads (the log, or the error's message and advice), the exit status of the
/// kind's class (2 for the user's errors), and no tag in `repository` (with `Some(tag)`, not
/// that one: fixtures that share a repository).
fn expect_build_error(output: &Output, (repository, tag): (&str, Option<&str>), kind: &str, message: &str) {
    let what = tag.unwrap_or(repository);
    assert!(!output.status.success(), "{what} built");
    let document = json(output);
    let error = &document["error"];
    let text = |field: &str| error[field].as_str().unwrap_or_default().to_string();
    let read = format!("{}\n{}\n{}", text("message"), text("advice"), stderr(output));
    assert!(read.contains(message), "{what}: no `{message}` in:\n{read}");
    assert_eq!(error["kind"], kind, "{what}: {document}");
    let class =
        kiln_error::ErrorKind::ALL.into_iter().find(|known| known.name() == kind).map(kiln_error::ErrorKind::class);
    let exit_code = class.unwrap_or_else(|| panic!("{kind} is no error kind")).exit_code();
    assert_eq!(output.status.code(), Some(i32::from(exit_code)), "{what}: a {kind} exits {exit_code}");
    let tags = world().registry.tags(repository);
    match tag {
        None => assert_eq!(tags, Vec::<String>::new(), "{what} left a tag"),
        Some(tag) => assert!(!tags.iter().any(|left| left == tag), "{what} left a tag"),
    }
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn go_app_builds_serves_and_rebuilds_to_the_same_digest() {
    let w = world();
    let image = format!("{}/apps/go-app:1", w.registry.address);
    let results = tempfile::tempdir().expect("results dir");
    let (digest_file, size_file) = (results.path().join("digest"), results.path().join("size"));
    let flags = ["--digest-file", path_text(&digest_file), "--size-file", path_text(&size_file)];
    let first = kiln_build_flagged(&w.cache_dir, (&fixture("go-app"), &image), &w.inventory, &[], &flags);
    expect_success(&first);
    let result = json(&first);
    let digest = result["digest"].as_str().expect("a digest").to_string();
    assert!(digest.starts_with("sha256:"), "{result}");
    assert_eq!(result["process_types"], serde_json::json!(["web"]));
    assert!(result["size"].as_u64().is_some_and(|size| size > 0), "{result}");
    // What a CI step (a Tekton result, Shipwright's shp-image-digest) reads: the same values.
    assert_eq!(std::fs::read_to_string(&digest_file).expect("--digest-file written"), digest);
    assert_eq!(std::fs::read_to_string(&size_file).expect("--size-file written"), result["size"].to_string());

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
#[ignore = "real components: root, runc, a registry, the lifecycle, the Go module proxy; scripts/test runs it"]
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
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
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
        let image = format!("{}/{repository}:1", w.registry.address);
        let results = tempfile::tempdir().expect("results dir");
        let (reason_file, message_file) = (results.path().join("reason"), results.path().join("message"));
        let flags = ["--error-reason-file", path_text(&reason_file), "--error-message-file", path_text(&message_file)];
        let output = kiln_build_flagged(&w.cache_dir, (&fixture(fixture_name), &image), &w.inventory, env, &flags);
        expect_build_error(&output, (&repository, None), kind, message);
        // What a CI step reads (Shipwright's shp-error-reason and shp-error-message).
        assert_eq!(std::fs::read_to_string(&reason_file).expect("--error-reason-file written"), kind, "{fixture_name}");
        let written_message = std::fs::read_to_string(&message_file).expect("--error-message-file written");
        let log = stderr(&output);
        assert!(log.contains(message), "{fixture_name}: no `{message}` in:\n{log}");
        let document = json(&output);
        let error = document["error"]["message"].as_str().map(ToString::to_string);
        let error = error.unwrap_or_else(|| panic!("{fixture_name}: --json gave no error document"));
        assert!(!in_json || error.contains(message), "{fixture_name}: no `{message}` in the --json error:\n{error}");
        assert!(error.starts_with(written_message.trim_end_matches('…')), "{fixture_name}: {written_message}");
    }
}

/// Detection failures carry each buildpack's own reason into the error itself (what `--json`
/// readers get), e.g. that a Go library needs `FUNC_NAME`.
#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
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

/// Every fixture with a `contract.toml` (Go's, Node.js's, Python's, Rust's and Wasm's today; each new language adds its own) is built
/// with its build env, run with `kiln run`, and passes the function contract suite. A
/// language's fixtures (named `<language>-…`) share one repository, a tag each, and so one
/// build cache: their dependencies are fetched and compiled once.
#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, the Go module proxy, the npm registry, PyPI, crates.io; scripts/test runs it"]
fn every_contract_fixture_passes_the_function_contract() {
    let fixtures = Expectations::of_all_fixtures(&repo_root().join("test-fixtures"));
    let languages: std::collections::BTreeSet<&str> =
        fixtures.iter().filter_map(|(name, _, _)| name.split('-').next()).collect();
    assert_eq!(
        languages.into_iter().collect::<Vec<_>>(),
        ["go", "nodejs", "python", "rust", "wasm"],
        "a language's contract fixtures are missing: {:?}",
        fixtures.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
    let failures = contract_failures(&fixtures);
    assert!(failures.is_empty(), "the function contract failed:\n{failures}");
}

/// Builds each of `fixtures` with its build env into `contract/<language>:<name>`, runs it with
/// `kiln run` and checks it with the function contract suite; returns what failed.
fn contract_failures(fixtures: &[(String, std::path::PathBuf, Expectations)]) -> String {
    let w = world();
    let mut failures = String::new();
    for (name, _, expectations) in fixtures {
        let env: Vec<&str> = expectations.build.env.iter().map(String::as_str).collect();
        let language = name.split('-').next().unwrap_or(name);
        let (output, image) = build_tagged(name, &format!("contract/{language}:{name}"), &w.inventory, &env);
        if !output.status.success() {
            let _ = writeln!(failures, "{name}: the build failed:\n{}", stderr(&output));
            continue;
        }
        for text in expectations.build.log.iter().filter(|text| !stderr(&output).contains(text.as_str())) {
            let _ = writeln!(failures, "{name}: the build log has no `{text}`");
        }
        let mut app = RunningApp::start(&w.cache_dir, &image);
        app.get_when_up("/favicon.ico");
        if let Err(problems) = contract::check(&mut app, expectations) {
            let _ = writeln!(failures, "{name}:\n{problems}\nits log:\n{}", app.logs());
        }
    }
    failures
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn a_checksum_mismatch_in_the_mirror_is_refused() {
    let w = world();
    let (output, _) = build("go-app", "apps/tampered", &w.tampered_inventory);
    assert!(!output.status.success(), "a tampered toolchain was accepted");
    let log = stderr(&output);
    assert!(log.to_lowercase().contains("checksum"), "no checksum message in:\n{log}");
    assert_eq!(w.registry.tags("apps/tampered"), Vec::<String>::new());
}

/// A mirror that answers 503, or cuts the body short, on the first request for each file:
/// the toolchain download retries and the build succeeds.
#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn go_app_builds_through_a_mirror_that_fails_the_first_request_for_each_file() {
    let w = world();
    for mirror in &w.flaky_mirrors {
        let repository = format!("apps/flaky-{:?}", mirror.fault).to_lowercase();
        let (output, _) = build("go-app", &repository, &mirror.inventory);
        expect_success(&output);
        assert!(mirror.server.faults_served() > 0, "the {:?} mirror was never asked", mirror.fault);
    }
}
