//! A distribution registry on a loopback port: a throwaway one (free port, storage removed
//! when dropped), or one whose storage and port persist across test runs, so that images
//! built once (a stack, a builder) can be used again by the next run.

use crate::http::get;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

const REGISTRY_BINARY: &str = "docker-registry";

pub struct TestRegistry {
    process: Child,
    /// Closing this pipe stops the registry (see `serve`).
    lifeline: Option<ChildStdin>,
    /// `127.0.0.1:<port>`: the registry part of image references.
    pub address: String,
    _throwaway_storage: Option<tempfile::TempDir>,
}

impl TestRegistry {
    /// Starts a registry with fresh storage on a free port and waits until it answers `/v2/`.
    #[must_use]
    pub fn start() -> Self {
        let storage = tempfile::tempdir().expect("registry storage dir");
        let path = storage.path().to_path_buf();
        Self::serve(&path, crate::free_port(), Some(storage))
    }

    /// Starts a registry on `storage`, which it keeps, listening on `port`: image references
    /// hold the port, so a registry that serves them again needs the same one. `None` when
    /// the port is taken.
    #[must_use]
    pub fn start_persistent(storage: &Path, port: u16) -> Option<Self> {
        std::net::TcpListener::bind(("127.0.0.1", port)).ok()?;
        std::fs::create_dir_all(storage).expect("registry storage dir");
        Some(Self::serve(storage, port, None))
    }

    /// Starts a registry with fresh storage on a free port that takes requests only with the
    /// user's name and password (HTTP basic authentication, the registry's htpasswd access
    /// controller), as a company's registry does.
    #[must_use]
    pub fn start_with_login(user: &str, password: &str) -> Self {
        let storage = tempfile::tempdir().expect("registry storage dir");
        let path = storage.path().to_path_buf();
        let hash = bcrypt::hash(password, bcrypt::DEFAULT_COST).expect("bcrypt");
        let htpasswd = path.join("htpasswd");
        std::fs::write(&htpasswd, format!("{user}:{hash}\n")).expect("htpasswd");
        let auth = format!("auth:\n  htpasswd:\n    realm: kiln-test\n    path: {}\n", htpasswd.display());
        Self::serve_with(&path, crate::free_port(), Some(storage), &auth)
    }

    fn serve(storage: &Path, port: u16, throwaway_storage: Option<tempfile::TempDir>) -> Self {
        Self::serve_with(storage, port, throwaway_storage, "")
    }

    /// `auth`: the config's `auth` section, or empty for none.
    fn serve_with(storage: &Path, port: u16, throwaway_storage: Option<tempfile::TempDir>, auth: &str) -> Self {
        let address = format!("127.0.0.1:{port}");
        let config = storage.join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {address}\n{auth}",
                storage.join("data").display()
            ),
        )
        .expect("registry config");
        assert!(
            Command::new(REGISTRY_BINARY).arg("--version").output().is_ok(),
            "{REGISTRY_BINARY} is missing: apt-get install docker-registry"
        );
        // The registry lives as long as the pipe to this shell: when the test process ends,
        // even without running destructors (a static), the pipe closes and the shell stops it.
        let mut process = Command::new("sh")
            .arg("-c")
            .arg(format!("{REGISTRY_BINARY} serve \"$0\" >/dev/null 2>&1 & registry=$!; read -r _; kill $registry; wait $registry"))
            .arg(&config)
            .stdin(Stdio::piped())
            .spawn()
            .expect("sh starts the registry");
        let lifeline = process.stdin.take();
        let registry = Self { process, lifeline, address, _throwaway_storage: throwaway_storage };
        let deadline = Instant::now() + Duration::from_secs(30);
        // Up when it answers; with a login, with 401 to this request without one.
        let answer = if auth.is_empty() { 200 } else { 401 };
        while get(&registry.address, "/v2/").map(|r| r.status) != Some(answer) {
            assert!(Instant::now() < deadline, "the registry at {} did not come up", registry.address);
            std::thread::sleep(Duration::from_millis(50));
        }
        registry
    }

    /// Tags of `repository` (empty when the registry does not know it).
    #[must_use]
    pub fn tags(&self, repository: &str) -> Vec<String> {
        let Some(response) = get(&self.address, &format!("/v2/{repository}/tags/list")) else {
            panic!("the registry at {} stopped answering", self.address);
        };
        if response.status == 404 {
            return Vec::new();
        }
        assert_eq!(response.status, 200, "tags/list: {}", response.text());
        // {"name":"x","tags":["a","b"]} or "tags":null; a JSON parser is not worth a dependency here.
        let text = response.text();
        let Some(list) = text.split("\"tags\":").nth(1) else {
            return Vec::new();
        };
        list.trim_start()
            .strip_prefix('[')
            .and_then(|rest| rest.split(']').next())
            .map(|items| {
                items
                    .split(',')
                    .map(|item| item.trim().trim_matches('"').to_string())
                    .filter(|item| !item.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        drop(self.lifeline.take());
        let _ = self.process.wait();
    }
}
