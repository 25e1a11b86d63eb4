//! A loopback proxy in front of a real registry that answers some requests itself with the
//! failures real registries give: missing credentials, a push the credentials may not make, a
//! manifest the registry refuses, a passing server error. Everything else is relayed byte for
//! byte, so the client sees the real registry behind it.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Which requests the proxy fails, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistryFault {
    /// Every request answers 401 with a Basic challenge, as a registry that wants a login does.
    Unauthorized,
    /// Requests that write (POST, PUT, PATCH, DELETE) answer 403 `DENIED`.
    ForbidWrites,
    /// Manifest uploads answer 400 `MANIFEST_INVALID`.
    RejectManifests,
    /// The first manifest upload answers 500; later ones reach the registry.
    FailFirstManifestUpload,
}

pub struct FaultyRegistry {
    /// `127.0.0.1:<port>`: the registry part of image references through the proxy.
    pub address: String,
    injected: Arc<AtomicUsize>,
}

impl FaultyRegistry {
    /// Starts the proxy in front of the registry at `upstream` (`host:port`).
    #[must_use]
    pub fn start(upstream: &str, fault: RegistryFault) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let address = listener.local_addr().expect("bound address").to_string();
        let injected = Arc::new(AtomicUsize::new(0));
        let upstream = upstream.to_string();
        let counter = Arc::clone(&injected);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let upstream = upstream.clone();
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    // A client or registry hanging up mid-request ends that connection only.
                    let _ = serve(&client, &upstream, fault, &counter);
                });
            }
        });
        Self { address, injected }
    }

    /// How many requests the proxy has failed so far.
    #[must_use]
    pub fn injected(&self) -> usize {
        self.injected.load(Ordering::SeqCst)
    }
}

/// One client connection: each request is either failed here or relayed upstream; responses
/// from upstream stream back on their own thread (clients send the next request only after
/// reading the previous response, so the two never interleave).
fn serve(client: &TcpStream, upstream: &str, fault: RegistryFault, injected: &AtomicUsize) -> io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut relay: Option<TcpStream> = None;
    loop {
        let Some(head) = read_head(&mut reader)? else { return Ok(()) };
        let body = read_body(&mut reader, &head)?;
        if let Some(response) = injected_response(&head, fault, injected) {
            let mut client = client;
            client.write_all(response.as_bytes())?;
            return client.shutdown(Shutdown::Both);
        }
        if relay.is_none() {
            let server = TcpStream::connect(upstream)?;
            let (mut from_server, mut to_client) = (server.try_clone()?, client.try_clone()?);
            std::thread::spawn(move || {
                let _ = io::copy(&mut from_server, &mut to_client);
                let _ = to_client.shutdown(Shutdown::Write);
            });
            relay = Some(server);
        }
        let mut server = relay.as_ref().expect("connected above");
        server.write_all(head.raw.as_bytes())?;
        server.write_all(&body)?;
    }
}

struct RequestHead {
    method: String,
    path: String,
    /// The head as received, forwarded unchanged.
    raw: String,
    content_length: usize,
    chunked: bool,
}

fn read_head(reader: &mut impl BufRead) -> io::Result<Option<RequestHead>> {
    let mut raw = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        raw.push_str(&line);
        if line == "\r\n" || line == "\n" {
            break;
        }
    }
    let mut words = raw.split_whitespace();
    let (method, path) = (words.next().unwrap_or_default().to_string(), words.next().unwrap_or_default().to_string());
    let header = |name: &str| {
        raw.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_ascii_lowercase())
        })
    };
    let content_length = header("content-length").and_then(|value| value.parse().ok()).unwrap_or(0);
    let chunked = header("transfer-encoding").is_some_and(|value| value.contains("chunked"));
    Ok(Some(RequestHead { method, path, raw, content_length, chunked }))
}

/// The request body as framed on the wire (chunked bodies keep their chunk framing, since the
/// head that goes upstream still says `chunked`).
fn read_body(reader: &mut impl BufRead, head: &RequestHead) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    if !head.chunked {
        body.resize(head.content_length, 0);
        reader.read_exact(&mut body)?;
        return Ok(body);
    }
    loop {
        let mut size_line = String::new();
        reader.read_line(&mut size_line)?;
        body.extend_from_slice(size_line.as_bytes());
        let size_text = size_line.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| io::Error::other("bad chunk size"))?;
        if size == 0 {
            // Trailers, then the empty line that ends the body.
            loop {
                let mut line = String::new();
                reader.read_line(&mut line)?;
                body.extend_from_slice(line.as_bytes());
                if line == "\r\n" || line.is_empty() {
                    return Ok(body);
                }
            }
        }
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk)?;
        body.extend_from_slice(&chunk);
    }
}

fn injected_response(head: &RequestHead, fault: RegistryFault, injected: &AtomicUsize) -> Option<String> {
    let manifest_upload = head.method == "PUT" && head.path.contains("/manifests/");
    let response = match fault {
        RegistryFault::Unauthorized => response(
            "401 Unauthorized",
            "WWW-Authenticate: Basic realm=\"kiln-test\"\r\n",
            r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#,
        ),
        RegistryFault::ForbidWrites if matches!(head.method.as_str(), "POST" | "PUT" | "PATCH" | "DELETE") => response(
            "403 Forbidden",
            "",
            r#"{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}"#,
        ),
        RegistryFault::RejectManifests if manifest_upload => response(
            "400 Bad Request",
            "",
            r#"{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid","detail":"rejected by kiln-test"}]}"#,
        ),
        RegistryFault::FailFirstManifestUpload if manifest_upload && injected.load(Ordering::SeqCst) == 0 => {
            response("500 Internal Server Error", "", r#"{"errors":[{"code":"UNKNOWN","message":"try again"}]}"#)
        }
        _ => return None,
    };
    injected.fetch_add(1, Ordering::SeqCst);
    Some(response)
}

fn response(status: &str, extra_headers: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra_headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::get;

    /// An upstream that answers each connection's request with 200 and its request line.
    fn echo_upstream() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address").to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                if let Ok(Some(head)) = read_head(&mut reader) {
                    let body = format!("{} {}", head.method, head.path);
                    let reply =
                        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
                    let _ = (&stream).write_all(reply.as_bytes());
                }
            }
        });
        address
    }

    #[test]
    fn relays_what_it_does_not_fail() {
        let proxy = FaultyRegistry::start(&echo_upstream(), RegistryFault::RejectManifests);
        let response = get(&proxy.address, "/v2/app/manifests/1").expect("answers");
        assert_eq!((response.status, response.text().as_str()), (200, "GET /v2/app/manifests/1"));
        assert_eq!(proxy.injected(), 0);
    }

    #[test]
    fn fails_the_requests_its_fault_names() {
        let proxy = FaultyRegistry::start(&echo_upstream(), RegistryFault::Unauthorized);
        let response = get(&proxy.address, "/v2/").expect("answers");
        assert_eq!(response.status, 401);
        assert_eq!(response.header("WWW-Authenticate"), Some("Basic realm=\"kiln-test\""));
        let forbidding = FaultyRegistry::start(&echo_upstream(), RegistryFault::ForbidWrites);
        assert_eq!(get(&forbidding.address, "/v2/").expect("answers").status, 200);
        let pushed = crate::post(&forbidding.address, "/v2/app/blobs/uploads/", &[], b"").expect("answers");
        assert_eq!(pushed.status, 403);
        assert_eq!(forbidding.injected(), 1);
    }
}
