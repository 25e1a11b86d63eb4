//! Failures of the registry and of the source, each reported with its own kind, exit status
//! and advice, never with another cause's: real builds against the real registry behind a
//! proxy that fails the requests a misconfigured or flaky registry would.

use crate::world::{kiln_build, repo_root, world};
use kiln_test_support::{FaultyRegistry, RegistryFault};
use std::process::Output;

/// The `--json` error document of a failed build, with the exit status.
fn failure(output: &Output) -> (i32, serde_json::Value) {
    assert!(!output.status.success(), "the build succeeded:\n{}", String::from_utf8_lossy(&output.stderr));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)));
    (output.status.code().unwrap_or(-1), document["error"].clone())
}

fn build_go_app_into(image: &str) -> Output {
    let w = world();
    kiln_build(&w.cache_dir, &repo_root().join("test-fixtures/go-app"), image, &w.inventory, &[])
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn registry_failures_name_their_cause_and_leave_no_tag() {
    let w = world();
    for (fault, kind, advice) in [
        (RegistryFault::Unauthorized, "Unauthorized", "docker login"),
        (RegistryFault::ForbidWrites, "Forbidden", "push to"),
        (RegistryFault::RejectManifests, "ManifestRejected", "Nothing was tagged"),
    ] {
        let proxy = FaultyRegistry::start(&w.registry.address, fault);
        let repository = format!("faults/{}", kind.to_lowercase());
        let (code, error) = failure(&build_go_app_into(&format!("{}/{repository}:1", proxy.address)));
        assert_eq!(error["kind"], kind, "{fault:?}: {error}");
        assert_eq!(code, 3, "{fault:?}: a registry failure is an environment error");
        let given = error["advice"].as_str().unwrap_or_default();
        assert!(given.contains(advice), "{fault:?}: no `{advice}` in the advice: {given}");
        assert!(proxy.injected() > 0, "{fault:?}: the proxy failed nothing");
        assert_eq!(w.registry.tags(&repository), Vec::<String>::new(), "{fault:?} left a tag");
    }
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn a_registry_nobody_listens_on_is_unreachable() {
    let address = format!("127.0.0.1:{}", kiln_test_support::free_port());
    let (code, error) = failure(&build_go_app_into(&format!("{address}/apps/nowhere:1")));
    assert_eq!((code, error["kind"].as_str()), (3, Some("RegistryUnreachable")), "{error}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains(&address), "the message does not name {address}: {message}");
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn an_unreadable_source_file_is_the_sources_problem_not_the_registrys() {
    use std::os::unix::fs::PermissionsExt;
    let w = world();
    let source = tempfile::tempdir().expect("temp dir");
    for file in ["go.mod", "main.go"] {
        std::fs::copy(repo_root().join("test-fixtures/go-app").join(file), source.path().join(file)).expect("copy");
    }
    let secret = source.path().join("secret.txt");
    std::fs::write(&secret, "only for its owner's eyes, and not even those").expect("write");
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let image = format!("{}/faults/unreadable:1", w.registry.address);
    let output = kiln_build(&w.cache_dir, source.path(), &image, &w.inventory, &[]);
    let (code, error) = failure(&output);
    assert_eq!((code, error["kind"].as_str()), (2, Some("InvalidSource")), "{error}");
    assert!(error["message"].as_str().unwrap_or_default().contains("secret.txt"), "{error}");
    let advice = error["advice"].as_str().unwrap_or_default();
    assert!(advice.contains("chmod") && !advice.contains("registry"), "{advice}");
    assert_eq!(w.registry.tags("faults/unreadable"), Vec::<String>::new());
}
