//! kiln-oci against a real distribution registry (Debian's docker-registry) on loopback.

use std::cell::RefCell;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::Path;
use std::process::Command;

use kiln_oci::oci_spec::image::{Arch, ConfigBuilder, ImageConfiguration, ImageConfigurationBuilder, Os};
use kiln_oci::{EntryMeta, Image, ImageRef, LayerWriter, Progress, Registry, RegistryOptions};
use kiln_test_support::TestRegistry;

const DIR: EntryMeta = EntryMeta { mode: 0o755, uid: 0, gid: 0 };
const APP_FILE: EntryMeta = EntryMeta { mode: 0o644, uid: 1000, gid: 1000 };

fn config() -> ImageConfiguration {
    let container = ConfigBuilder::default()
        .user("1000:1000")
        .env(vec!["PATH=/usr/bin:/bin".to_string()])
        .labels([("io.kiln.a".to_string(), "1".to_string()), ("io.kiln.b".to_string(), "2".to_string())])
        .build()
        .expect("container config");
    ImageConfigurationBuilder::default()
        .architecture(Arch::Amd64)
        .os(Os::Linux)
        .config(container)
        .build()
        .expect("image config")
}

/// Two layers: a base with a file, a directory, a symlink, a hardlink and a setuid binary; an
/// upper layer that whites out one file and makes one directory opaque.
fn sample_image(blob_dir: &Path) -> Image {
    let mut base = LayerWriter::new(blob_dir).expect("writer");
    base.add_directory("app", DIR).expect("dir");
    base.add_file("app/hello.txt", b"hello", APP_FILE).expect("file");
    base.add_file("app/gone.txt", b"gone", APP_FILE).expect("file");
    base.add_symlink("app/link", "hello.txt", APP_FILE).expect("symlink");
    base.add_directory("cache", DIR).expect("dir");
    base.add_file("cache/old", b"old", APP_FILE).expect("file");
    base.add_file("usr-bin-tool", b"#!/bin/sh\n", EntryMeta { mode: 0o4755, uid: 0, gid: 0 }).expect("setuid");
    let base = base.finish().expect("finish base");

    let mut upper = LayerWriter::new(blob_dir).expect("writer");
    upper.add_file("app/.wh.gone.txt", b"", DIR).expect("whiteout");
    upper.add_directory("cache", DIR).expect("dir");
    upper.add_file("cache/.wh..wh..opq", b"", DIR).expect("opaque");
    upper.add_file("cache/new", b"new", APP_FILE).expect("file");
    let upper = upper.finish().expect("finish upper");

    let mut image = Image { config: config(), layers: Vec::new() };
    image.append_layer(base, "kiln-oci test: base");
    image.append_layer(upper, "kiln-oci test: upper");
    image
}

fn reference(registry: &TestRegistry, repository_and_tag: &str) -> ImageRef {
    format!("{}/{repository_and_tag}", registry.address).parse().expect("reference")
}

/// Collects progress events.
#[derive(Default)]
struct Events(RefCell<Vec<Progress>>);

impl Events {
    fn record(&self) -> impl Fn(Progress) + '_ {
        |event| self.0.borrow_mut().push(event)
    }

    fn started(&self) -> usize {
        self.0.borrow().iter().filter(|e| matches!(e, Progress::LayerStarted { .. })).count()
    }

    fn reused(&self) -> usize {
        self.0.borrow().iter().filter(|e| matches!(e, Progress::LayerDone { reused: true, .. })).count()
    }
}

#[tokio::test]
#[ignore = "real components: the distribution registry and root (file ownership); scripts/test runs it"]
async fn push_pull_unpack_round_trip() {
    let test_registry = TestRegistry::start();
    let work = tempfile::tempdir().expect("tempdir");
    let image = sample_image(&work.path().join("build-blobs"));
    let registry = Registry::new(RegistryOptions::default());
    let target = reference(&test_registry, "kiln-oci/round-trip:1");

    assert_eq!(registry.tags(&target).await.expect("tags of unknown repo"), Vec::<String>::new());

    let events = Events::default();
    let pushed = registry.push(&target, &image, &events.record()).await.expect("push");
    assert_eq!((events.started(), events.reused()), (2, 0));
    let expected_size = image.layers.iter().map(|l| l.size).sum::<u64>();
    assert!(pushed.size > expected_size, "size counts config and layers");
    assert_eq!(registry.tags(&target).await.expect("tags"), vec!["1".to_string()]);
    assert_eq!(test_registry.tags("kiln-oci/round-trip"), vec!["1".to_string()]);
    assert_eq!(registry.resolve(&target).await.expect("resolve"), pushed.digest);
    assert_eq!(registry.image_size(&target).await.expect("image size"), pushed.size);

    // Pushing the same image again uploads nothing and gives the same digest.
    let events = Events::default();
    let again = registry.push(&target.with_tag("2"), &image, &events.record()).await.expect("re-push");
    assert_eq!((events.started(), events.reused()), (0, 2));
    assert_eq!(again, pushed);

    // Pull into an empty cache, by digest.
    let cache = work.path().join("cache");
    let events = Events::default();
    let pulled = registry.pull(&target.with_digest(&pushed.digest), &cache, &events.record()).await.expect("pull");
    assert_eq!((events.started(), events.reused()), (2, 0));
    assert_eq!(pulled.digest, pushed.digest);
    assert_eq!(pulled.config, image.config);
    for (got, sent) in pulled.layers.iter().zip(&image.layers) {
        assert_eq!((&got.digest, &got.diff_id, got.size), (&sent.digest, &sent.diff_id, sent.size));
        assert!(got.path.starts_with(cache.join("sha256")));
        assert_eq!(std::fs::read(&got.path).expect("cached"), std::fs::read(&sent.path).expect("built"));
    }

    // A second pull finds every layer in the cache.
    let events = Events::default();
    registry.pull(&target, &cache, &events.record()).await.expect("cached pull");
    assert_eq!((events.started(), events.reused()), (0, 2));

    let rootfs = work.path().join("rootfs");
    kiln_oci::unpack(&pulled.layers, &rootfs).expect("unpack");
    assert_eq!(std::fs::read_to_string(rootfs.join("app/hello.txt")).expect("file"), "hello");
    assert_eq!(std::fs::read_link(rootfs.join("app/link")).expect("symlink"), Path::new("hello.txt"));
    assert!(!rootfs.join("app/gone.txt").exists(), "whiteout removes the lower file");
    assert!(!rootfs.join("app/.wh.gone.txt").exists(), "whiteout markers are not extracted");
    assert!(!rootfs.join("cache/old").exists(), "opaque directory hides lower content");
    assert_eq!(std::fs::read_to_string(rootfs.join("cache/new")).expect("upper file"), "new");
    let tool = std::fs::metadata(rootfs.join("usr-bin-tool")).expect("tool");
    assert_eq!(tool.permissions().mode() & 0o7777, 0o4755);
    assert_eq!(std::fs::metadata(rootfs.join("app/hello.txt")).expect("file").uid(), 1000);
}

#[tokio::test]
#[ignore = "real components: the distribution registry and root (file ownership); scripts/test runs it"]
async fn failed_push_leaves_no_tag() {
    let test_registry = TestRegistry::start();
    let work = tempfile::tempdir().expect("tempdir");
    let image = sample_image(work.path());
    std::fs::remove_file(&image.layers[1].path).expect("remove a layer blob");
    let registry = Registry::new(RegistryOptions::default());
    let target = reference(&test_registry, "kiln-oci/broken:1");

    let error = registry.push(&target, &image, &|_| {}).await.expect_err("a layer is missing");
    assert!(error.to_string().contains("write the layer again"), "{error}");
    assert_eq!(registry.tags(&target).await.expect("tags"), Vec::<String>::new());
}

#[tokio::test]
#[ignore = "real components: the distribution registry and root (file ownership); scripts/test runs it"]
async fn pulls_docker_schema2_images() {
    let test_registry = TestRegistry::start();
    let work = tempfile::tempdir().expect("tempdir");
    let image = sample_image(&work.path().join("blobs"));
    let registry = Registry::new(RegistryOptions::default());
    let oci = reference(&test_registry, "kiln-oci/oci:1");
    registry.push(&oci, &image, &|_| {}).await.expect("push");

    // skopeo rewrites the image with Docker v2 schema2 media types, as the lifecycle may.
    let docker = reference(&test_registry, "kiln-oci/docker:1");
    let status = Command::new("skopeo")
        .args(["copy", "--quiet", "--format", "v2s2", "--src-tls-verify=false", "--dest-tls-verify=false"])
        .arg(format!("docker://{oci}"))
        .arg(format!("docker://{docker}"))
        .status()
        .expect("skopeo runs");
    assert!(status.success(), "skopeo copy");

    let pulled = registry.pull(&docker, &work.path().join("cache"), &|_| {}).await.expect("pull docker image");
    let pulled_diff_ids: Vec<_> = pulled.layers.iter().map(|l| l.diff_id.clone()).collect();
    let sent_diff_ids: Vec<_> = image.layers.iter().map(|l| l.diff_id.clone()).collect();
    assert_eq!(pulled_diff_ids, sent_diff_ids);
    assert_eq!(pulled.config.config(), image.config.config());
}

#[tokio::test]
#[ignore = "real components: the distribution registry and root (file ownership); scripts/test runs it"]
async fn indexes_resolve_to_linux_amd64() {
    let test_registry = TestRegistry::start();
    let work = tempfile::tempdir().expect("tempdir");
    let registry = Registry::new(RegistryOptions::default());
    let amd64 = sample_image(&work.path().join("blobs"));
    let mut arm64 = amd64.clone();
    arm64.config.set_architecture(Arch::ARM64);
    let amd64_pushed =
        registry.push(&reference(&test_registry, "kiln-oci/multi:amd64"), &amd64, &|_| {}).await.expect("push");
    let arm64_pushed =
        registry.push(&reference(&test_registry, "kiln-oci/multi:arm64"), &arm64, &|_| {}).await.expect("push");

    let manifest_size = |digest: &str| {
        let response =
            kiln_test_support::get(&test_registry.address, &format!("/v2/kiln-oci/multi/manifests/{digest}"))
                .expect("registry answers");
        response.text().len()
    };
    // arm64 first, so picking the first entry would be wrong.
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
            {{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":{},"digest":"{}","platform":{{"os":"linux","architecture":"arm64"}}}},
            {{"mediaType":"application/vnd.oci.image.manifest.v1+json","size":{},"digest":"{}","platform":{{"os":"linux","architecture":"amd64"}}}}]}}"#,
        manifest_size(&arm64_pushed.digest),
        arm64_pushed.digest,
        manifest_size(&amd64_pushed.digest),
        amd64_pushed.digest,
    );
    let status = Command::new("curl")
        .args(["-fsS", "-X", "PUT", "-H", "Content-Type: application/vnd.oci.image.index.v1+json", "--data-binary"])
        .arg(&index)
        .arg(format!("http://{}/v2/kiln-oci/multi/manifests/index", test_registry.address))
        .status()
        .expect("curl runs");
    assert!(status.success(), "index upload");

    let index_ref = reference(&test_registry, "kiln-oci/multi:index");
    assert_eq!(registry.resolve(&index_ref).await.expect("resolve"), amd64_pushed.digest);
    let pulled = registry.pull(&index_ref, &work.path().join("cache"), &|_| {}).await.expect("pull");
    assert_eq!(pulled.digest, amd64_pushed.digest);
    assert_eq!(pulled.config.architecture(), &Arch::Amd64);
}

#[tokio::test]
#[ignore = "real components: the distribution registry; scripts/test runs it"]
async fn the_push_check_passes_on_a_registry_that_takes_pushes_and_writes_nothing() {
    let registry = TestRegistry::start();
    let client = Registry::new(RegistryOptions::default());
    client.check_push(&reference(&registry, "checked/app:1")).await.expect("the registry takes pushes");
    assert_eq!(registry.tags("checked/app"), Vec::<String>::new());
}
