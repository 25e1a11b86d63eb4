//! Runs a real process under runc and checks what it sees from inside.

use kiln_runc::{BindMount, CapturedRun, ContainerSpec, Stdio, User};
use std::path::Path;
use std::process::Command;

/// A static Go program that checks its surroundings and exits with a code naming the first
/// thing that was wrong (0 when all is as kiln promises).
const PROBE: &str = r#"package main

import (
	"os"
)

func main() {
	if os.Getuid() != 1000 || os.Getgid() != 1000 {
		os.Exit(10)
	}
	if wd, _ := os.Getwd(); wd != "/work" {
		os.Exit(11)
	}
	if os.Getenv("GREETING") != "hello" {
		os.Exit(12)
	}
	if err := os.WriteFile("/tmp/scratch", []byte("x"), 0o600); err != nil {
		os.Exit(13)
	}
	if err := os.WriteFile("/probe-was-here", []byte("x"), 0o600); err == nil {
		os.Exit(14)
	}
	if err := os.WriteFile("/work/out", []byte("written inside"), 0o600); err != nil {
		os.Exit(15)
	}
	if _, err := os.ReadFile("/input/in"); err != nil {
		os.Exit(16)
	}
	if err := os.WriteFile("/input/in", []byte("x"), 0o600); err == nil {
		os.Exit(17)
	}
	os.Exit(42)
}
"#;

/// Writes to stdout and stderr in turn, then fails, as a lifecycle phase does.
const TALKER: &str = r#"package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Println("one on stdout")
	fmt.Fprintln(os.Stderr, "two on stderr")
	fmt.Println("three on stdout")
	os.Exit(20)
}
"#;

fn build_probe(rootfs: &Path) {
    build_program(rootfs, PROBE);
}

fn build_program(rootfs: &Path, source: &str) {
    let src = tempfile::tempdir().expect("temp dir");
    std::fs::write(src.path().join("main.go"), source).expect("write probe");
    std::fs::write(src.path().join("go.mod"), "module probe\n\ngo 1.21\n").expect("write go.mod");
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(rootfs.join("probe"))
        .arg(".")
        .current_dir(src.path())
        .env("CGO_ENABLED", "0")
        .status()
        .expect("go is needed to build the probe");
    assert!(status.success(), "building the probe failed");
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).expect("chown");
}

#[tokio::test]
#[ignore = "real components: root and runc; scripts/test runs it"]
async fn runs_as_the_user_with_only_the_given_mounts_writable() {
    let rootfs = tempfile::tempdir().expect("rootfs");
    for dir in ["tmp", "work", "input"] {
        std::fs::create_dir(rootfs.path().join(dir)).expect("mount point");
    }
    // runc gives a tmpfs the mode of the directory it covers; images have /tmp as 1777.
    std::fs::set_permissions(rootfs.path().join("tmp"), std::os::unix::fs::PermissionsExt::from_mode(0o1777))
        .expect("chmod /tmp");
    build_probe(rootfs.path());
    let work = tempfile::tempdir().expect("work dir");
    chown(work.path(), 1000, 1000);
    let input = tempfile::tempdir().expect("input dir");
    std::fs::write(input.path().join("in"), "data").expect("input file");
    chown(&input.path().join("in"), 1000, 1000);

    let spec = ContainerSpec {
        rootfs: rootfs.path().to_path_buf(),
        args: vec!["/probe".into()],
        env: vec!["GREETING=hello".into(), "PATH=/".into()],
        cwd: "/work".into(),
        user: User { uid: 1000, gid: 1000 },
        mounts: vec![
            BindMount { source: work.path().to_path_buf(), destination: "/work".into(), read_only: false },
            BindMount { source: input.path().to_path_buf(), destination: "/input".into(), read_only: true },
        ],
        scratch_dirs: vec!["/tmp".into()],
        hostname: "probe".into(),
    };
    let code = kiln_runc::run(&spec, "test", Stdio::StdoutToStderr).await.expect("runc runs");
    assert_eq!(code, 42, "the probe found something wrong (see the exit codes in PROBE)");
    assert_eq!(
        std::fs::read_to_string(work.path().join("out")).expect("written through the bind mount"),
        "written inside"
    );
    assert!(!rootfs.path().join("probe-was-here").exists());
}

/// A container running TALKER, and the root filesystem it lives in (kept while it runs).
fn talker() -> (tempfile::TempDir, ContainerSpec) {
    let rootfs = tempfile::tempdir().expect("rootfs");
    build_program(rootfs.path(), TALKER);
    let spec = ContainerSpec {
        rootfs: rootfs.path().to_path_buf(),
        args: vec!["/probe".into()],
        env: vec!["PATH=/".into()],
        cwd: "/".into(),
        user: User { uid: 1000, gid: 1000 },
        mounts: Vec::new(),
        scratch_dirs: Vec::new(),
        hostname: "talker".into(),
    };
    (rootfs, spec)
}

#[tokio::test]
#[ignore = "real components: root and runc; scripts/test runs it"]
async fn run_teed_shows_the_output_and_keeps_its_end_in_order() {
    let (_rootfs, spec) = talker();
    let CapturedRun { code, output } = kiln_runc::run_teed(&spec, "test", 64 * 1024).await.expect("runc runs");
    assert_eq!(code, 20);
    // runc copies stdout and stderr separately even into one pipe: each stays in order.
    let stdout: Vec<&str> = output.lines().filter(|line| line.ends_with("on stdout")).collect();
    assert_eq!(stdout, ["one on stdout", "three on stdout"], "{output}");
    assert!(output.contains("two on stderr\n"), "{output}");
    assert_eq!(output.lines().count(), 3, "{output}");

    // Only the end is kept, from the start of a line: the last line, whichever stream's it is.
    let CapturedRun { output, .. } = kiln_runc::run_teed(&spec, "test", 20).await.expect("runc runs");
    assert!(["two on stderr\n", "three on stdout\n"].contains(&output.as_str()), "{output}");
}
