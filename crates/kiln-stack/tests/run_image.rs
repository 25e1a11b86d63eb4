//! Builds the run image of stack/stack.toml twice with the real mmdebstrap and Debian mirror,
//! pushes both to a real registry on loopback, and checks they are identical, small and complete.
//! Needs root, mmdebstrap and the Debian mirror, as `kiln stack build` does.

use kiln_oci::{ImageRef, Registry, RegistryOptions};
use kiln_stack::{build_image, ImageKind, StackDefinition};
use kiln_test_support::TestRegistry;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

const RUN_IMAGE_BUDGET: u64 = 30 * 1024 * 1024;

#[tokio::test(flavor = "multi_thread")]
#[ignore = "real components: root, mmdebstrap, the Debian mirror and the distribution registry; scripts/test runs it"]
async fn run_image_builds_reproducibly_within_its_size_budget() {
    let stack = StackDefinition::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../stack/stack.toml"))
        .expect("stack/stack.toml is valid");
    let registry_server = TestRegistry::start();
    let registry = Registry::new(RegistryOptions { insecure_registries: Vec::new() });
    // The second build reads packages from the cache the first filled: the cache must not change the image.
    let apt_cache = tempfile::tempdir().expect("apt cache");

    let mut digests = Vec::new();
    for tag in ["first", "second"] {
        let built = build_image(&stack, ImageKind::Run, Some(apt_cache.path()), &|line| eprintln!("{line}"))
            .expect("the run image builds");
        eprintln!("run image: {} bytes uncompressed", built.uncompressed_size);
        assert!(
            built.uncompressed_size > 0 && built.uncompressed_size <= RUN_IMAGE_BUDGET,
            "run image is {} bytes uncompressed, budget {RUN_IMAGE_BUDGET}",
            built.uncompressed_size
        );
        let reference: ImageRef = format!("{}/kiln/run:{tag}", registry_server.address).parse().expect("reference");
        let pushed = registry.push(&reference, &built.image, &|_| {}).await.expect("push");
        assert_eq!(registry.resolve(&reference).await.expect("resolve"), pushed.digest);
        if tag == "first" {
            check_contents(&built);
        }
        digests.push(pushed.digest);
    }
    assert_eq!(digests[0], digests[1], "two builds of the same packages give the same digest");
}

fn check_contents(built: &kiln_stack::BuiltImage) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("root");
    kiln_oci::unpack(&built.image.layers, &root).expect("unpack");
    let passwd = std::fs::read_to_string(root.join("etc/passwd")).expect("passwd");
    assert!(passwd.contains("cnb:x:1000:1000:"), "{passwd}");
    assert!(std::fs::read_to_string(root.join("etc/group")).expect("group").contains("cnb:x:1000:"));
    let bundle = std::fs::read_to_string(root.join("etc/ssl/certs/ca-certificates.crt")).expect("CA bundle");
    assert!(bundle.matches("BEGIN CERTIFICATE").count() > 100);
    assert!(root.join("usr/share/zoneinfo/Etc/UTC").exists());
    assert!(root.join("usr/lib/x86_64-linux-gnu/libstdc++.so.6").exists());
    assert!(root.join("etc/os-release").symlink_metadata().is_ok());
    let tmp = std::fs::metadata(root.join("tmp")).expect("tmp");
    assert_eq!(tmp.permissions().mode() & 0o7777, 0o1777);
    let home = std::fs::metadata(root.join("home/cnb")).expect("home");
    assert_eq!((home.uid(), home.gid()), (1000, 1000));
    assert!(!root.join("usr/bin/openssl").exists(), "dependencies not listed are dropped");
    assert!(!root.join("usr/bin/dpkg").exists() && !root.join("var/lib/dpkg").exists(), "no package manager");
    assert!(!root.join("etc/hostname").exists(), "no host files");

    let config = built.image.config.config().as_ref().expect("config");
    assert_eq!(config.user().as_deref(), Some("1000:1000"));
    let labels = config.labels().as_ref().expect("labels");
    assert_eq!(labels.get("io.buildpacks.base.distro.name").map(String::as_str), Some("debian"));
    assert_eq!(
        labels.get("io.buildpacks.base.distro.version").map(String::as_str),
        Some(built.release.version_id.as_str())
    );
}
