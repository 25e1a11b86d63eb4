//! An app: one binary target, answering every request with a greeting on PORT.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_string());
    let address = std::env::var("FUNC_ADDRESS").ok().filter(|address| !address.is_empty());
    let listener = TcpListener::bind(format!("{}:{port}", address.as_deref().unwrap_or("0.0.0.0")))?;
    for stream in listener.incoming() {
        let mut stream = stream?;
        // Read the request head; the greeting does not depend on it.
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut line = String::new();
        while reader.read_line(&mut line)? > 2 {
            line.clear();
        }
        let body = "Hello from kiln rust-app\n";
        write!(stream, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())?;
    }
    Ok(())
}
