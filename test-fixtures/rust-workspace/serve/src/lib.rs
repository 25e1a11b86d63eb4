//! What both binaries of the workspace share: answering every connection with one text.

use std::io::{Read, Write};
use std::net::TcpListener;

/// Answers every connection on PORT (at FUNC_ADDRESS, else every interface) with `text`.
pub fn greet(text: &str) -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".to_string());
    let host = std::env::var("FUNC_ADDRESS").unwrap_or_default();
    let listener = TcpListener::bind((if host.is_empty() { "0.0.0.0" } else { host.as_str() }, port.parse().unwrap_or(8080)))?;
    for stream in listener.incoming() {
        let mut stream = stream?;
        let mut head = [0; 4096];
        let _ = stream.read(&mut head)?;
        stream.write_all(format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}", text.len()).as_bytes())?;
    }
    Ok(())
}
