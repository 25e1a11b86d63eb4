//! End-to-end: fixtures built with `kiln build` by the real lifecycle under runc, published to
//! a real registry, run with `kiln run` and answered over HTTP.

#[path = "e2e/app.rs"]
mod app;
#[path = "e2e/world.rs"]
mod world;

use app::RunningApp;
use std::process::Output;
use world::{expect_success, kiln, repo_root, world};

fn fixture(name: &str) -> String {
    repo_root().join("test-fixtures").join(name).to_string_lossy().into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The host's CA bundle: module downloads may pass a TLS-intercepting proxy whose CA only
/// the host trusts, as on many company networks.
const HOST_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// `kiln build --json` of a fixture into `repository:tag` on the test registry.
fn build(fixture_name: &str, repository: &str, inventory: &std::path::Path) -> (Output, String) {
    let w = world();
    let image = format!("{}/{repository}:1", w.registry.address);
    let output = kiln(&w.cache_dir, &[
        "build", &fixture(fixture_name), "--image", &image, "--builder", &w.builder,
        "--env", &format!("KILN_INVENTORY={}", inventory.display()),
        "--env", &format!("SSL_CERT_FILE={HOST_CA_BUNDLE}"), "--json",
    ]);
    (output, image)
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
    for (fixture_name, message) in [
        ("go-syntax-error", "main.go:"),
        ("empty", "no buildpack detected"),
        ("go-version-unknown", "1.99"),
    ] {
        let repository = format!("broken/{fixture_name}");
        let (output, _) = build(fixture_name, &repository, &w.inventory);
        assert!(!output.status.success(), "{fixture_name} built");
        let log = stderr(&output);
        assert!(log.contains(message), "{fixture_name}: no `{message}` in:\n{log}");
        assert!(json(&output)["error"].is_string(), "{fixture_name}: --json gave no error document");
        assert_eq!(w.registry.tags(&repository), Vec::<String>::new(), "{fixture_name} left a tag");
    }
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
