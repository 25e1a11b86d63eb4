//! Conformance: a builder kiln assembles on a real registry is read correctly by the real
//! `pack builder inspect` (pack from `$KILN_PACK`, else `pack` on PATH), and is reproducible.
//!
//! The lifecycle tarball comes from `$KILN_LIFECYCLE_TARBALL`, else `scripts/build-lifecycle` builds
//! it into a temporary directory (Go module proxy access and the Go build cache make that quick).

use kiln_builder::{CreateRequest, CreatedBuilder, Overrides};
use kiln_oci::oci_spec::image::{Arch, ConfigBuilder, ImageConfigurationBuilder, Os, RootFsBuilder};
use kiln_oci::{EntryMeta, Image, ImageRef, LayerWriter, Registry, RegistryOptions};
use kiln_test_support::TestRegistry;
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

const DIR: EntryMeta = EntryMeta { mode: 0o755, uid: 0, gid: 0 };
const FILE: EntryMeta = EntryMeta { mode: 0o644, uid: 0, gid: 0 };

/// A base image with just the `cnb` user, CNB env and distro labels: all a builder needs from it.
async fn push_base_image(registry: &Registry, reference: &ImageRef, blobs: &Path, kind: &str) {
    let mut layer = LayerWriter::new(blobs).expect("layer writer");
    layer.add_directory("etc", DIR).expect("etc");
    layer
        .add_file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\ncnb:x:1000:1000::/home/cnb:/bin/sh\n", FILE)
        .expect("passwd");
    layer.add_file("etc/group", b"root:x:0:\ncnb:x:1000:\n", FILE).expect("group");
    layer.add_file("etc/kiln-image", kind.as_bytes(), FILE).expect("marker");
    let labels = HashMap::from([
        ("io.buildpacks.base.distro.name".to_owned(), "debian".to_owned()),
        ("io.buildpacks.base.distro.version".to_owned(), "13".to_owned()),
        ("io.buildpacks.stack.id".to_owned(), "io.kiln.test".to_owned()),
    ]);
    let config = ConfigBuilder::default()
        .user("1000:1000")
        .env(vec!["PATH=/usr/bin:/bin".to_owned(), "CNB_USER_ID=1000".to_owned(), "CNB_GROUP_ID=1000".to_owned()])
        .labels(labels)
        .build()
        .expect("container config");
    let image_config = ImageConfigurationBuilder::default()
        .os(Os::Linux)
        .architecture(Arch::Amd64)
        .config(config)
        .rootfs(RootFsBuilder::default().typ("layers").diff_ids(Vec::<String>::new()).build().expect("rootfs"))
        .build()
        .expect("image config");
    let mut image = Image { config: image_config, layers: Vec::new() };
    image.append_layer(layer.finish().expect("layer"), "test: cnb user");
    registry.push(reference, &image, &|_| {}).await.expect("push base image");
}

fn write_executable(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write script");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// A minimal buildpack directory, laid out as `cargo libcnb package` leaves it.
fn write_buildpack(dir: &Path) {
    std::fs::create_dir_all(dir.join("bin")).expect("bin");
    std::fs::write(
        dir.join("buildpack.toml"),
        r#"api = "0.10"

[buildpack]
id = "kiln/test"
version = "0.0.1"
name = "kiln test buildpack"
homepage = "https://example.invalid/kiln-test"

[[targets]]
os = "linux"
arch = "amd64"
"#,
    )
    .expect("buildpack.toml");
    write_executable(&dir.join("bin/detect"), "#!/bin/sh\nexit 0\n");
    write_executable(&dir.join("bin/build"), "#!/bin/sh\nexit 0\n");
}

fn lifecycle_tarball(scratch: &Path) -> PathBuf {
    if let Some(path) = std::env::var_os("KILN_LIFECYCLE_TARBALL") {
        return PathBuf::from(path);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/build-lifecycle");
    let out = scratch.join("lifecycle");
    let output = Command::new(&script).arg(&out).output().expect("run scripts/build-lifecycle");
    assert!(output.status.success(), "build-lifecycle failed: {}", String::from_utf8_lossy(&output.stderr));
    out.join(kiln_builder::lifecycle::archive_name(kiln_builder::LIFECYCLE_VERSION))
}

fn pack() -> PathBuf {
    std::env::var_os("KILN_PACK").map_or_else(|| PathBuf::from("pack"), PathBuf::from)
}

/// Runs `pack builder inspect` and returns stdout and stderr. pack also asks the (absent) Docker
/// daemon for a LOCAL section; that part is allowed to fail, the REMOTE section is what counts.
fn pack_inspect(reference: &str, pack_home: &Path) -> (String, String) {
    let output = Command::new(pack())
        .args(["builder", "inspect", reference])
        .env("PACK_HOME", pack_home)
        .env("DOCKER_HOST", format!("unix://{}", pack_home.join("no-docker.sock").display()))
        .output()
        .expect("pack runs (set KILN_PACK to its path)");
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// The REMOTE section of `pack builder inspect`'s human output.
fn remote_section(stdout: &str) -> &str {
    let start = stdout.find("REMOTE:").unwrap_or_else(|| panic!("no REMOTE section in:\n{stdout}"));
    let rest = &stdout[start..];
    rest.find("\nLOCAL:").map_or(rest, |end| &rest[..end])
}

async fn create(request: &CreateRequest, registry: &Registry) -> CreatedBuilder {
    kiln_builder::create(request, registry, &|_| {}).await.expect("kiln builder create")
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "real components: the distribution registry, pack and the lifecycle; scripts/test runs it"]
async fn pack_builder_inspect_reads_kiln_builders() {
    let test_registry = TestRegistry::start();
    let registry = Registry::new(RegistryOptions::default());
    let scratch = tempfile::tempdir().expect("scratch");
    let blobs = scratch.path().join("blobs");
    let address = &test_registry.address;

    let build_ref: ImageRef = format!("{address}/kiln-test/build:1").parse().expect("ref");
    let run_ref: ImageRef = format!("{address}/kiln-test/run:1").parse().expect("ref");
    push_base_image(&registry, &build_ref, &blobs, "build").await;
    push_base_image(&registry, &run_ref, &blobs, "run").await;

    let project = scratch.path().join("project");
    write_buildpack(&project.join("packaged/kiln_test"));
    let config_path = project.join("builder.toml");
    std::fs::write(
        &config_path,
        r#"description = "kiln conformance builder"

[[buildpacks]]
id = "kiln/test"
uri = "packaged/kiln_test"

[[order]]
[[order.group]]
id = "kiln/test"

[build]
image = "example.invalid/replaced-by-override"

[[run.images]]
image = "example.invalid/replaced-by-override"
"#,
    )
    .expect("builder.toml");

    let builder_ref: ImageRef = format!("{address}/kiln-test/builder:1").parse().expect("ref");
    let request = CreateRequest {
        config_path,
        image: builder_ref.clone(),
        overrides: Overrides { build_image: Some(build_ref.to_string()), run_image: Some(run_ref.to_string()) },
        lifecycle: Some(lifecycle_tarball(scratch.path()).display().to_string()),
        cache_dir: scratch.path().join("cache"),
        kiln_cli: None,
    };
    let created = create(&request, &registry).await;
    assert_eq!(created.buildpacks, vec!["kiln/test@0.0.1"]);
    assert_eq!(created.lifecycle_version, kiln_builder::LIFECYCLE_VERSION);

    // Same inputs, same builder: nothing in it depends on time or on the machine.
    let again = create(&request, &registry).await;
    assert_eq!(again.digest, created.digest, "builder digest is not reproducible");

    let pack_home = scratch.path().join("pack-home");
    std::fs::create_dir_all(&pack_home).expect("pack home");
    let (stdout, stderr) = pack_inspect(&builder_ref.to_string(), &pack_home);
    // Shown with --nocapture, and on failure.
    eprintln!("pack builder inspect stdout:\n{stdout}\nstderr:\n{stderr}");
    let remote = remote_section(&stdout);
    let context = format!("pack builder inspect REMOTE section:\n{remote}\nstderr:\n{stderr}");
    assert!(remote.contains("kiln conformance builder"), "description missing; {context}");
    assert!(remote.contains("Name: kiln"), "created-by missing; {context}");
    assert!(remote.contains(&run_ref.to_string()), "run image missing; {context}");
    let buildpack_line = remote.lines().find(|l| l.contains("kiln/test") && l.contains("0.0.1"));
    assert!(buildpack_line.is_some(), "buildpack kiln/test@0.0.1 missing; {context}");
    let order = remote.split("Detection Order:").nth(1).unwrap_or_else(|| panic!("no detection order; {context}"));
    assert!(order.contains("kiln/test"), "detection order lacks kiln/test; {context}");
    assert!(remote.contains(&format!("Version: {}", kiln_builder::LIFECYCLE_VERSION)), "lifecycle version; {context}");
    let apis: Vec<&str> = remote.lines().filter(|l| l.trim_start().starts_with("Supported:")).collect();
    assert_eq!(
        apis,
        vec![
            "    Supported: 0.7, 0.8, 0.9, 0.10, 0.11, 0.12",
            "    Supported: 0.7, 0.8, 0.9, 0.10, 0.11, 0.12, 0.13, 0.14, 0.15"
        ],
        "lifecycle APIs; {context}"
    );
}
