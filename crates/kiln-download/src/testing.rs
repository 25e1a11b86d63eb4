//! Helpers for tests of crates that download: archives built in memory and a one-shot HTTP
//! server on 127.0.0.1.

use crate::Sha256Checksum;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

/// A well-formed checksum that matches none of the test payloads.
pub const NOT_THE_CHECKSUM: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// The checksum an inventory would list for `bytes`.
///
/// # Panics
/// Never: a sha256 always makes a valid checksum.
#[must_use]
pub fn checksum_of(bytes: &[u8]) -> Sha256Checksum {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes))).parse().expect("a sha256 digest is a valid checksum")
}

/// A gzip tar holding `entries` (path, contents) as regular files, or as directories where the
/// path ends in `/` (official toolchain archives list their directories too).
///
/// # Panics
/// When writing into memory fails, which it does not.
#[must_use]
pub fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut builder = tar::Builder::new(encoder);
    for (path, contents) in entries {
        let mut header = tar::Header::new_gnu();
        if path.ends_with('/') {
            header.set_entry_type(tar::EntryType::Directory);
        }
        header.set_size(contents.len() as u64);
        header.set_mode(0o755);
        builder.append_data(&mut header, path, *contents).expect("append to in-memory tar");
    }
    builder.into_inner().and_then(flate2::write::GzEncoder::finish).expect("finish in-memory tar.gz")
}

/// Serves `body` to the first GET on a free 127.0.0.1 port and returns its URL.
///
/// # Panics
/// When no loopback port can be bound.
#[must_use]
pub fn serve_once(body: Vec<u8>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let address = listener.local_addr().expect("bound address");
    std::thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else {
            return;
        };
        let mut reader = BufReader::new(&stream);
        let mut line = String::new();
        // The request ends at the first empty line; its contents do not matter here.
        while reader.read_line(&mut line).is_ok_and(|count| count > 2) {
            line.clear();
        }
        let mut stream = &stream;
        let header = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
        let _ = stream.write_all(header.as_bytes());
        let _ = stream.write_all(&body);
    });
    format!("http://{address}/artifact")
}
