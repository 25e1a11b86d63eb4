//! Helpers for tests of crates that download: archives built in memory, settings that retry in
//! milliseconds, a report that records, and a loopback HTTP server that can misbehave on cue.

use crate::{Progress, ProgressSchedule, Report, Retry, RetrySchedule, Settings, Sha256Checksum, Timeouts, Trust};
use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

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

/// A tar holding `entries` (path, contents) as regular files (mode 0755), or as directories
/// where the path ends in `/` (official toolchain archives list their directories too).
///
/// # Panics
/// When writing into memory fails, which it does not.
#[must_use]
pub fn tar(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, contents) in entries {
        let mut header = tar::Header::new_gnu();
        if path.ends_with('/') {
            header.set_entry_type(tar::EntryType::Directory);
        }
        header.set_size(contents.len() as u64);
        header.set_mode(0o755);
        builder.append_data(&mut header, path, *contents).expect("append to in-memory tar");
    }
    builder.into_inner().expect("finish in-memory tar")
}

/// [`tar`] of `entries`, gzip-compressed.
///
/// # Panics
/// When writing into memory fails, which it does not.
#[must_use]
pub fn tar_gz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&tar(entries)).and_then(|()| encoder.finish()).expect("gzip in memory")
}

/// [`tar`] of `entries`, xz-compressed.
///
/// # Panics
/// When writing into memory fails, which it does not.
#[must_use]
pub fn tar_xz(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut encoder =
        lzma_rust2::XzWriter::new(Vec::new(), lzma_rust2::XzOptions::default()).expect("xz encoder in memory");
    encoder.write_all(&tar(entries)).expect("xz in memory");
    encoder.finish().expect("finish xz in memory")
}

/// A zip of `entries` like [`tar`]'s, deflated, files with mode 0755.
///
/// # Panics
/// When writing into memory fails, which it does not.
#[must_use]
pub fn zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o755);
    for (path, contents) in entries {
        if path.ends_with('/') {
            writer.add_directory(*path, options).expect("add a directory to an in-memory zip");
        } else {
            writer.start_file(*path, options).expect("add a file to an in-memory zip");
            writer.write_all(contents).expect("write into an in-memory zip");
        }
    }
    writer.finish().expect("finish in-memory zip").into_inner()
}

/// Settings for tests: retries milliseconds apart, 2 s timeouts, the built-in CA roots.
#[must_use]
pub fn quick_settings() -> Settings {
    Settings {
        timeouts: Timeouts { connect: Duration::from_secs(2), read: Duration::from_secs(2) },
        retries: RetrySchedule {
            attempts: 3,
            first_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(40),
        },
        progress: ProgressSchedule::default(),
        trust: Trust::default(),
    }
}

/// What a [`RecordingReport`] saw.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    /// (total, received, finished) of each progress line.
    pub progress: Vec<(Option<u64>, u64, bool)>,
    /// Each retry line as displayed.
    pub retries: Vec<String>,
}

/// A [`Report`] that keeps what it is told; clones share the record.
#[derive(Clone, Debug, Default)]
pub struct RecordingReport(Arc<Mutex<Recorded>>);

impl RecordingReport {
    #[must_use]
    pub fn recorded(&self) -> Recorded {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Report for RecordingReport {
    fn progress(&self, progress: &Progress<'_>) {
        let mut recorded = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        recorded.progress.push((progress.total, progress.received, progress.finished));
    }

    fn retrying(&self, retry: &Retry<'_>) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).retries.push(retry.to_string());
    }
}

/// How the [`ScriptedServer`] answers one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// 200 with the whole body and its `Content-Length`.
    Body,
    /// This status, with a short text body.
    Status(u16),
    /// The whole `Content-Length`, this many bytes of the body, then a reset (RST) connection.
    ResetAfter(usize),
    /// The whole `Content-Length`, this many bytes, then a clean close: a truncated body.
    TruncateAfter(usize),
    /// No `Content-Length`, this many bytes, then a clean close: the client sees an end that
    /// looks normal, in the middle of the archive.
    CutUnsizedAfter(usize),
    /// This many bytes, then silence for the duration, then the rest.
    StallAfter(usize, Duration),
}

/// An HTTP server on a free 127.0.0.1 port that serves one file, answering its requests as the
/// script says in order and with [`Reply::Body`] once the script is done. It also acts as a
/// CONNECT proxy (for proxy tests) and records each request line.
pub struct ScriptedServer {
    url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl ScriptedServer {
    /// # Panics
    /// When no loopback port can be bound.
    #[must_use]
    pub fn start(file_name: &str, body: Vec<u8>, script: Vec<Reply>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let url = format!("http://{}/{file_name}", listener.local_addr().expect("bound address"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&requests);
        let body = Arc::new(body);
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let (body, script, recorded) = (Arc::clone(&body), Arc::clone(&script), Arc::clone(&recorded));
                // A stalled answer must not hold up the client's next attempt.
                std::thread::spawn(move || {
                    let _ = serve_connection(stream, &body, &script, &recorded);
                });
            }
        });
        Self { url, requests }
    }

    /// The URL of the file.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `http://127.0.0.1:<port>`, to name the server as a proxy.
    #[must_use]
    pub fn origin(&self) -> &str {
        let path_start = self.url.rfind('/').unwrap_or(self.url.len());
        &self.url[..path_start]
    }

    /// The request lines received so far (`GET /file HTTP/1.1`, `CONNECT host:80 HTTP/1.1`).
    #[must_use]
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

/// Serves `body` with [`Reply::Body`] to every GET on a free 127.0.0.1 port and returns its URL.
#[must_use]
pub fn serve_once(body: Vec<u8>) -> String {
    ScriptedServer::start("artifact", body, Vec::new()).url
}

/// Reads one GET (tunnelled through CONNECT or not) from `stream` and answers 200 with `body`:
/// for servers that set up the stream themselves, such as a TLS test server.
///
/// # Errors
/// When the stream fails.
pub fn answer(stream: &mut (impl Read + Write), body: &[u8]) -> io::Result<()> {
    read_request(stream)?;
    write_reply(stream, body, &Reply::Body)
}

fn serve_connection(
    mut stream: TcpStream,
    body: &[u8],
    script: &Mutex<VecDeque<Reply>>,
    recorded: &Mutex<Vec<String>>,
) -> io::Result<()> {
    let lines = read_request(&mut stream)?;
    let reply = script.lock().unwrap_or_else(PoisonError::into_inner).pop_front().unwrap_or(Reply::Body);
    recorded.lock().unwrap_or_else(PoisonError::into_inner).extend(lines);
    write_reply(&mut stream, body, &reply)?;
    if matches!(reply, Reply::ResetAfter(_)) {
        // Closing with a zero linger sends RST instead of FIN: a reset connection.
        socket2::SockRef::from(&stream).set_linger(Some(Duration::ZERO))?;
    }
    Ok(())
}

/// Reads the request head, and the tunnelled one after a CONNECT; returns the request lines.
fn read_request(stream: &mut (impl Read + Write)) -> io::Result<Vec<String>> {
    let mut lines = Vec::new();
    loop {
        let request_line = read_head(stream)?;
        let tunnel = request_line.starts_with("CONNECT ");
        lines.push(request_line);
        if !tunnel {
            return Ok(lines);
        }
        stream.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
    }
}

/// Reads up to the empty line that ends a request head (GETs have no body) and returns the
/// request line.
fn read_head(stream: &mut impl Read) -> io::Result<String> {
    // Byte by byte, so nothing past the head is consumed from a tunnel.
    let mut reader = BufReader::with_capacity(1, stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut line = String::new();
    while reader.read_line(&mut line)? > 2 {
        line.clear();
    }
    Ok(request_line.trim_end().to_string())
}

fn write_reply(stream: &mut impl Write, body: &[u8], reply: &Reply) -> io::Result<()> {
    let head = |status: &str, length: Option<usize>| {
        let length = length.map(|length| format!("Content-Length: {length}\r\n")).unwrap_or_default();
        format!("HTTP/1.1 {status}\r\n{length}Connection: close\r\n\r\n")
    };
    match reply {
        Reply::Body => {
            stream.write_all(head("200 OK", Some(body.len())).as_bytes())?;
            stream.write_all(body)?;
        }
        Reply::Status(status) => {
            let text = format!("status {status}\n");
            stream.write_all(head(&format!("{status} Scripted"), Some(text.len())).as_bytes())?;
            stream.write_all(text.as_bytes())?;
        }
        Reply::ResetAfter(sent) | Reply::TruncateAfter(sent) => {
            stream.write_all(head("200 OK", Some(body.len())).as_bytes())?;
            stream.write_all(&body[..*sent])?;
        }
        Reply::CutUnsizedAfter(sent) => {
            stream.write_all(head("200 OK", None).as_bytes())?;
            stream.write_all(&body[..*sent])?;
        }
        Reply::StallAfter(sent, stall) => {
            stream.write_all(head("200 OK", Some(body.len())).as_bytes())?;
            stream.write_all(&body[..*sent])?;
            stream.flush()?;
            std::thread::sleep(*stall);
            stream.write_all(&body[*sent..])?;
        }
    }
    stream.flush()
}
