//! What an image holds of the source: for a compiled language, the binary and the files
//! `KILN_KEEP_FILES` names, never the rest of the source directory (the lifecycle exports
//! the app directory into the image).

use crate::app::RunningApp;
use crate::world::{expect_success, kiln_build, repo_root, world};
use std::path::Path;
use std::process::Command;

/// Beside the source: large and incompressible, so an image that carried it could not hide it.
const BIG_FILE: &str = "recordings/big.bin";
const BIG_FILE_BYTES: usize = 48 * 1024 * 1024;

fn run(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(output.status.success(), "{command:?} failed:\n{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Bytes of a xorshift sequence: gzip cannot shrink them.
fn incompressible(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut bytes = Vec::with_capacity(len + 8);
    while bytes.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.extend_from_slice(&state.to_le_bytes());
    }
    bytes.truncate(len);
    bytes
}

/// Every path in the layers of `image` (pulled from the loopback registry with skopeo).
pub(crate) fn image_paths(image: &str, scratch: &Path) -> Vec<String> {
    let layout = scratch.join("image");
    run(Command::new("skopeo")
        .args(["--insecure-policy", "copy", "--src-tls-verify=false"])
        .arg(format!("docker://{image}"))
        .arg(format!("dir:{}", layout.display())));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("manifest.json")).expect("manifest.json")).expect("JSON");
    let layers = manifest["layers"].as_array().expect("layers");
    layers
        .iter()
        .flat_map(|layer| {
            let digest = layer["digest"].as_str().expect("a digest");
            let blob = layout.join(digest.trim_start_matches("sha256:"));
            let listing = run(Command::new("tar").arg("-tzf").arg(blob));
            listing
                .lines()
                .map(|path| path.trim_start_matches("./").trim_start_matches('/').trim_end_matches('/').to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn go_function_image_holds_the_binary_and_kept_files_but_not_the_source() {
    let w = world();
    let scratch = tempfile::tempdir().expect("temp dir");
    let source = scratch.path().join("source");
    run(Command::new("cp").arg("-r").arg(repo_root().join("test-fixtures/go-func-extra-files")).arg(&source));
    let big = source.join(BIG_FILE);
    std::fs::create_dir_all(big.parent().expect("parent")).expect("mkdir");
    std::fs::write(&big, incompressible(BIG_FILE_BYTES)).expect("the big file");

    let image = format!("{}/functions/go-func-extra-files:1", w.registry.address);
    let output = kiln_build(&w.cache_dir, &source, &image, &w.inventory, &[]);
    expect_success(&output);
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).expect("--json result");
    let size = result["size"].as_u64().expect("a size");
    assert!(size < (BIG_FILE_BYTES / 2) as u64, "the image is {size} bytes: the big file is in it\n{result}");

    let paths = image_paths(&image, scratch.path());
    for gone in [BIG_FILE, "greeting.go", "go.mod", "project.toml"] {
        assert!(!paths.iter().any(|path| path == &format!("workspace/{gone}")), "workspace/{gone} is in the image");
    }
    assert!(paths.iter().any(|path| path == "workspace/static/greeting.txt"), "the kept file is missing:\n{paths:#?}");

    // The process runs where the kept files are.
    let mut app = RunningApp::start(&w.cache_dir, &image);
    let response = app.get_when_up("/");
    assert_eq!((response.status, response.text().as_str()), (200, "Hello from a kept file\n"));
    assert!(app.stop().success(), "the app did not stop cleanly on SIGTERM");
}
