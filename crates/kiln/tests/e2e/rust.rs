//! kiln/rust-function end to end. Every Rust build here goes into one repository, the one the
//! Rust contract fixtures are built into (`contract/rust`, a tag per build), so that they share
//! one build cache: hyper and tokio compile once per run, and each build after the first shows
//! what the cache layers save.

use crate::app::RunningApp;
use crate::world::{expect_success, kiln_build, repo_root, world};
use crate::{json, stderr};
use std::path::Path;
use std::process::Output;

/// The repository of every Rust build (see the module comment).
pub(crate) const RUST_REPOSITORY: &str = "contract/rust";

fn build(source: &Path, tag: &str, inventory: &Path, env: &[&str]) -> (Output, String) {
    build_into(source, RUST_REPOSITORY, tag, inventory, env)
}

fn build_into(source: &Path, repository: &str, tag: &str, inventory: &Path, env: &[&str]) -> (Output, String) {
    let w = world();
    let image = format!("{}/{repository}:{tag}", w.registry.address);
    (kiln_build(&w.cache_dir, source, &image, inventory, env), image)
}

fn fixture(name: &str) -> std::path::PathBuf {
    repo_root().join("test-fixtures").join(name)
}

/// The crates cargo compiled, from its `Compiling NAME vX` lines in the build log.
fn compiled(log: &str) -> Vec<String> {
    log.lines()
        .filter_map(|line| line.trim_start().strip_prefix("Compiling "))
        .filter_map(|rest| rest.split_whitespace().next())
        .map(ToString::to_string)
        .collect()
}

/// Makes cargo log why it takes each crate it compiles for stale, for [`expect_no_dependency_compiled`].
const FINGERPRINT_LOG: &str = "CARGO_LOG=cargo::core::compiler::fingerprint=info";

/// The crates a function build of rust-http makes of its own sources: the user's crate and the
/// generated server. Everything else it compiles is a dependency, which the target cache holds.
const OWN_CRATES: [&str; 2] = ["rust-http", "kiln-function-server"];

/// Asserts that the build `log` (of a rebuild, `what`) compiled none of the dependencies, and
/// returns (and prints) what it compiled. On failure, cargo's own reasons (its fingerprint log)
/// are shown.
fn expect_no_dependency_compiled(log: &str, what: &str) -> Vec<String> {
    let recompiled = compiled(log);
    eprintln!("[e2e] {what}: cargo compiled {recompiled:?}");
    let dependencies: Vec<&String> = recompiled.iter().filter(|name| !OWN_CRATES.contains(&name.as_str())).collect();
    assert!(
        dependencies.is_empty(),
        "{what} compiled dependencies again: {dependencies:?}; cargo's reasons:\n{}",
        fingerprint_reasons(log)
    );
    recompiled
}

/// Why cargo took crates for stale, from its fingerprint log ([`FINGERPRINT_LOG`]).
fn fingerprint_reasons(log: &str) -> String {
    log.lines().filter(|line| line.contains("dirty:") || line.contains("stale:")).collect::<Vec<_>>().join("\n")
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, crates.io; scripts/test runs it"]
fn a_rust_function_rebuilds_to_the_same_digest_and_serves_a_one_line_change() {
    let w = world();
    let source = tempfile::tempdir().expect("temp dir");
    let copy = |from: &Path, to: &Path| {
        for file in ["Cargo.toml", "Cargo.lock", "src/lib.rs"] {
            std::fs::create_dir_all(to.join(file).parent().expect("a parent")).expect("dirs");
            std::fs::copy(from.join(file), to.join(file)).expect("a fixture file");
        }
    };
    copy(&fixture("rust-http"), source.path());
    let env = ["FUNC_NAME=hello", FINGERPRINT_LOG];

    let (first, _) = build(source.path(), "one-line-change", &w.inventory, &env);
    expect_success(&first);
    let digest = json(&first)["digest"].as_str().expect("a digest").to_string();

    let (unchanged, _) = build(source.path(), "one-line-change", &w.inventory, &env);
    expect_success(&unchanged);
    assert_eq!(json(&unchanged)["digest"].as_str(), Some(digest.as_str()), "an unchanged rebuild changed the image");
    let log = stderr(&unchanged);
    for reused in [
        "Reusing the Rust toolchain",
        "Reusing the cargo registry cache",
        "Reusing the cargo git cache",
        "Reusing the target directory",
    ] {
        assert!(log.contains(reused), "the rebuild did not say `{reused}`:\n{log}");
    }
    // Not even the crate's own sources: they are as the cached build left them.
    let recompiled = expect_no_dependency_compiled(&log, "an unchanged rebuild");
    assert!(
        recompiled.is_empty(),
        "an unchanged rebuild compiled {recompiled:?}; cargo's reasons:\n{}",
        fingerprint_reasons(&log)
    );
    assert!(log.contains("source files are unchanged since the cached build"), "{log}");
    // The generated server's lockfile holds every package: cargo resolves nothing, so the
    // rebuild makes no round trip to the registry's index.
    assert!(!log.contains("Updating crates.io index"), "an unchanged rebuild resolved dependencies again:\n{log}");

    let lib = source.path().join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).expect("lib.rs");
    std::fs::write(&lib, text.replace("format!(\"Hello, {}!\\n\"", "format!(\"Howdy, {}!\\n\"")).expect("changed");
    let (changed, image) = build(source.path(), "one-line-change", &w.inventory, &env);
    expect_success(&changed);
    let recompiled = expect_no_dependency_compiled(&stderr(&changed), "the rebuild after a one-line change");
    assert!(recompiled.contains(&"rust-http".to_string()), "the changed crate was not recompiled: {recompiled:?}");
    assert_ne!(json(&changed)["digest"].as_str(), Some(digest.as_str()));
    let mut app = RunningApp::start(&w.cache_dir, &image);
    assert_eq!(app.get_when_up("/?name=kiln").text(), "Howdy, kiln!\n");
}

/// Apps: one binary downloaded with the toolchain from Rust's dist server itself (the
/// buildpack's own inventory entries, through the TLS-intercepting proxy only the host trusts:
/// kiln's CA trust reaches the download), and a workspace's binary chosen by `FUNC_BIN`.
#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, static.rust-lang.org; scripts/test runs it"]
fn rust_apps_build_with_the_toolchain_from_the_dist_server_and_func_bin_picks_a_binary() {
    let w = world();
    // Its own repository, so that its toolchain is not already cached from the mirror.
    let (output, image) = build_into(&fixture("rust-app"), "rust/dist-server", "1", &w.rust_dist_inventory, &[]);
    expect_success(&output);
    let log = stderr(&output);
    assert!(
        log.contains("from https://static.rust-lang.org/dist/"),
        "the toolchain did not come from the dist server:\n{log}"
    );
    assert_eq!(json(&output)["process_types"], serde_json::json!(["web"]));
    let mut app = RunningApp::start(&w.cache_dir, &image);
    assert_eq!(app.get_when_up("/").text(), "Hello from kiln rust-app\n");

    let (output, image) = build(&fixture("rust-workspace"), "rust-workspace", &w.inventory, &["FUNC_BIN=worker"]);
    expect_success(&output);
    let mut app = RunningApp::start(&w.cache_dir, &image);
    assert_eq!(app.get_when_up("/").text(), "Hello from kiln rust-workspace worker\n");
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, crates.io; scripts/test runs it"]
fn broken_rust_sources_fail_with_their_kind_and_leave_no_tag() {
    let w = world();
    for (fixture_name, env, message, kind) in [
        (
            "rust-func-missing",
            &["FUNC_NAME=hello"][..],
            "  goodbye: pub async fn goodbye(_request: Request<Bytes>) -> Response<Bytes>",
            "FunctionNotFound",
        ),
        (
            "rust-func-wrong-signature",
            &["FUNC_NAME=hello"],
            "pub async fn hello(request: http::Request<bytes::Bytes>) -> http::Response<bytes::Bytes>",
            "WrongSignature",
        ),
        ("rust-compile-error", &[], "src/main.rs:4:", "CompileError"),
        ("rust-workspace", &[], "api (package api), worker (package worker)", "InvalidSource"),
        ("rust-http", &["FUNC_NAME=hello;rm"], "not a Rust identifier", "InvalidFunctionName"),
    ] {
        let tag = format!("broken-{fixture_name}");
        let (output, _) = build(&fixture(fixture_name), &tag, &w.inventory, env);
        crate::expect_build_error(&output, (RUST_REPOSITORY, Some(&tag)), kind, message);
        let log = stderr(&output);
        assert!(
            !log.contains("kiln-function-server/"),
            "{fixture_name}: a compiler message about generated code:\n{log}"
        );
    }
}
