//! `git daemon` on loopback, serving one repository per fixture (each the fixture's files at its
//! root, one commit), as Shipwright's Git source step fetches them: `git://127.0.0.1:PORT/NAME`.

use crate::world::repo_root;
use kiln_test_support::free_port;
use std::path::Path;
use std::process::{Child, Command, Stdio};

pub(crate) struct GitDaemon {
    process: Child,
    port: u16,
    _repositories: tempfile::TempDir,
}

impl GitDaemon {
    pub(crate) fn serve(fixtures: &[&str]) -> Self {
        let repositories = tempfile::tempdir().expect("repositories");
        for fixture in fixtures {
            let repository = repositories.path().join(fixture);
            copy_tree(&repo_root().join("test-fixtures").join(fixture), &repository);
            // Git keeps no empty directory: a fixture with no files still gets a commit.
            std::fs::write(repository.join("README"), "kiln test fixture\n").expect("README");
            for args in [
                &["init", "-q", "-b", "main"][..],
                &["add", "-A"],
                &["-c", "user.name=kiln", "-c", "user.email=kiln@127.0.0.1", "commit", "-q", "-m", "fixture"],
            ] {
                let status = Command::new("git").args(args).current_dir(&repository).status().expect("git");
                assert!(status.success(), "git {args:?} in {}", repository.display());
            }
        }
        let port = free_port();
        let process = Command::new("git")
            .args(["daemon", "--listen=127.0.0.1", &format!("--port={port}"), "--export-all", "--reuseaddr"])
            .arg(format!("--base-path={}", repositories.path().display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // It reports each client that hangs up after reading the refs, as Shipwright's step does.
            .stderr(Stdio::null())
            .spawn()
            .expect("git daemon starts");
        Self { process, port, _repositories: repositories }
    }

    pub(crate) fn url(&self, fixture: &str) -> String {
        format!("git://127.0.0.1:{}/{fixture}", self.port)
    }
}

impl Drop for GitDaemon {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().filter_map(Result::ok) {
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("directory");
        } else {
            std::fs::copy(entry.path(), &target).expect("file");
        }
    }
}
