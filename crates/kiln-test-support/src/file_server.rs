//! Serves a directory's files over HTTP on a free loopback port: the download mirror that
//! stands in for go.dev and the like, through kiln's documented mirror override. A mirror may
//! be flaky on purpose, as real networks are, to test that downloads survive it.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// How a flaky mirror spoils the first request for each file; later requests are served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// `503 Service Unavailable`, as an overloaded mirror answers.
    Unavailable,
    /// The full `Content-Length`, half the body, then the connection closes.
    Truncated,
}

pub struct FileServer {
    /// `http://127.0.0.1:<port>`
    pub url: String,
    faulted: Arc<Mutex<HashSet<PathBuf>>>,
}

impl FileServer {
    /// Serves `root` for as long as the test process lives.
    #[must_use]
    pub fn start(root: &Path) -> Self {
        Self::serve(root, None)
    }

    /// Serves `root`, spoiling the first request for each file with `fault`.
    #[must_use]
    pub fn with_fault(root: &Path, fault: Fault) -> Self {
        Self::serve(root, Some(fault))
    }

    /// How many requests a fault has spoiled so far: a test of the retry asserts that it
    /// happened, or it could pass without testing anything.
    #[must_use]
    pub fn faults_served(&self) -> usize {
        self.faulted.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    fn serve(root: &Path, fault: Option<Fault>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("bound address"));
        let faulted = Arc::new(Mutex::new(HashSet::new()));
        let root = root.to_path_buf();
        let server_faulted = Arc::clone(&faulted);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, faulted) = (root.clone(), Arc::clone(&server_faulted));
                std::thread::spawn(move || answer(&stream, &root, fault, &faulted));
            }
        });
        Self { url, faulted }
    }
}

fn answer(stream: &TcpStream, root: &Path, fault: Option<Fault>, faulted: &Mutex<HashSet<PathBuf>>) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|count| count > 2) {
        line.clear();
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let mut file: PathBuf = root.join(path.trim_start_matches('/'));
    // A directory is answered with its index page, as static web servers do (a package index).
    if file.is_dir() {
        file.push("index.html");
    }
    let mut stream = stream;
    let inside = !path.split('/').any(|part| part == "..");
    match std::fs::File::open(&file).and_then(|f| f.metadata().map(|m| (f, m.len()))) {
        Ok((contents, length)) if inside && file.is_file() => {
            let fault = fault.filter(|_| faulted.lock().unwrap_or_else(PoisonError::into_inner).insert(file.clone()));
            if fault == Some(Fault::Unavailable) {
                let _ = stream
                    .write_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                return;
            }
            let content_type = if file.extension().is_some_and(|extension| extension == "html") {
                "Content-Type: text/html\r\n"
            } else {
                ""
            };
            let head =
                format!("HTTP/1.1 200 OK\r\n{content_type}Content-Length: {length}\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(head.as_bytes());
            let sent = if fault == Some(Fault::Truncated) { length / 2 } else { length };
            let _ = std::io::copy(&mut std::io::Read::take(contents, sent), &mut stream);
        }
        _ => {
            let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::get;

    fn served(fault: Fault) -> (tempfile::TempDir, FileServer, String) {
        let root = tempfile::tempdir().expect("temp dir");
        std::fs::write(root.path().join("tool.tar.gz"), b"0123456789").expect("file");
        let server = FileServer::with_fault(root.path(), fault);
        let address = server.url.trim_start_matches("http://").to_string();
        (root, server, address)
    }

    #[test]
    fn a_flaky_mirror_spoils_only_the_first_request_for_each_file() {
        let (_root, server, address) = served(Fault::Unavailable);
        assert_eq!(get(&address, "/tool.tar.gz").expect("answers").status, 503);
        let second = get(&address, "/tool.tar.gz").expect("answers");
        assert_eq!((second.status, second.text().as_str()), (200, "0123456789"));
        assert_eq!(get(&address, "/missing").expect("answers").status, 404);
        assert_eq!(server.faults_served(), 1);
    }

    #[test]
    fn a_truncating_mirror_sends_half_the_body_under_the_full_length() {
        let (_root, _server, address) = served(Fault::Truncated);
        let first = get(&address, "/tool.tar.gz").expect("answers");
        assert_eq!((first.status, first.header("Content-Length"), first.text().as_str()), (200, Some("10"), "01234"));
        assert_eq!(get(&address, "/tool.tar.gz").expect("answers").text(), "0123456789");
    }
}
