//! Serves a directory's files over HTTP on a free loopback port: the download mirror that
//! stands in for go.dev and the like, through kiln's documented mirror override.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

pub struct FileServer {
    /// `http://127.0.0.1:<port>`
    pub url: String,
}

impl FileServer {
    /// Serves `root` for as long as the test process lives.
    #[must_use]
    pub fn start(root: &Path) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("bound address"));
        let root = root.to_path_buf();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let root = root.clone();
                std::thread::spawn(move || serve(&stream, &root));
            }
        });
        Self { url }
    }
}

fn serve(stream: &std::net::TcpStream, root: &Path) {
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
    let file: PathBuf = root.join(path.trim_start_matches('/'));
    let mut stream = stream;
    let inside = !path.split('/').any(|part| part == "..");
    match std::fs::File::open(&file).and_then(|f| f.metadata().map(|m| (f, m.len()))) {
        Ok((mut contents, length)) if inside && file.is_file() => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = std::io::copy(&mut contents, &mut stream);
        }
        _ => {
            let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    }
}
