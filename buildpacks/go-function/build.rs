//! Compiles the function inspector (framework/funcinfo, Go, standard library only) into a
//! static binary the buildpack embeds, so function builds do not spend their first ten seconds
//! compiling go/types. Building this buildpack therefore needs Go on PATH.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let source = manifest_dir.join("framework/funcinfo");
    println!("cargo:rerun-if-changed={}", source.display());
    let target_arch = std::env::var("CARGO_CFG_TARGET_ARCH").expect("cargo sets CARGO_CFG_TARGET_ARCH");
    let goarch = match target_arch.as_str() {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => panic!("kiln/go-function has no Go architecture for the Rust target architecture {other}"),
    };
    let status = Command::new("go")
        .args(["build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o"])
        .arg(out_dir.join("kiln-funcinfo"))
        .arg(".")
        .current_dir(&source)
        .env("CGO_ENABLED", "0")
        .env("GOOS", "linux")
        .env("GOARCH", goarch)
        .env("GOTOOLCHAIN", "local")
        .env("GOWORK", "off")
        .env("GOFLAGS", "-mod=readonly")
        .status()
        .unwrap_or_else(|error| {
            panic!("building kiln/go-function needs Go on PATH to compile its function inspector: {error}")
        });
    assert!(status.success(), "go build of {} failed: {status}", source.display());
}
