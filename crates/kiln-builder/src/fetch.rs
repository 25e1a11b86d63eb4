//! Getting a lifecycle tarball onto disk the way pack does: downloaded once into kiln's cache,
//! checked against the `.sha256` published next to it.

use crate::lifecycle::LifecycleSource;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("cannot download {url}: {source}; check the network or pass --lifecycle PATH to a tarball made by scripts/build-lifecycle")]
    Download { url: String, source: reqwest::Error },
    #[error("{url} answered HTTP {status}; check the lifecycle version or URL")]
    Status { url: String, status: reqwest::StatusCode },
    #[error("{url} holds no sha256 checksum; a lifecycle URL needs a `<url>.sha256` file next to it")]
    NoChecksum { url: String },
    #[error("checksum mismatch for {source_name}: expected sha256 {expected}, got {actual}; the tarball is corrupt or was tampered with, nothing was used")]
    Mismatch { source_name: String, expected: String, actual: String },
    #[error("cannot use kiln's cache at {path}: {source}; set KILN_CACHE_DIR to a writable directory")]
    Cache { path: PathBuf, source: std::io::Error },
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
}

/// A local path to the tarball `source` names, downloading (and caching under `cache_dir`) URLs.
/// Local tarballs are checked against a `.sha256` file next to them when there is one.
///
/// # Errors
/// Download failures, a missing or mismatching checksum, or an unusable cache directory.
pub async fn obtain(source: &LifecycleSource, cache_dir: &Path) -> Result<PathBuf, FetchError> {
    match source {
        LifecycleSource::Path(path) => {
            let checksum_path = sibling_checksum(path);
            if checksum_path.exists() {
                let expected = read_checksum_file(&checksum_path)?;
                verify(path, &expected, &path.display().to_string())?;
            }
            Ok(path.clone())
        }
        LifecycleSource::Url(url) => download_cached(url, cache_dir).await,
    }
}

fn sibling_checksum(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// The first 64-hex-digit word of a checksum file. Upstream's packager writes `<path>  <sha>`,
/// `sha256sum` writes `<sha>  <name>`: both are accepted.
pub fn parse_checksum(text: &str) -> Option<String> {
    text.split_whitespace()
        .find(|word| word.len() == 64 && word.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_ascii_lowercase)
}

fn read_checksum_file(path: &Path) -> Result<String, FetchError> {
    let text = std::fs::read_to_string(path).map_err(|source| FetchError::Read { path: path.to_owned(), source })?;
    parse_checksum(&text).ok_or_else(|| FetchError::NoChecksum { url: path.display().to_string() })
}

fn sha256_file(path: &Path) -> Result<String, FetchError> {
    let read_error = |source| FetchError::Read { path: path.to_owned(), source };
    let mut file = std::fs::File::open(path).map_err(read_error)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 1 << 16];
    loop {
        let read = file.read(&mut buffer).map_err(read_error)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hex::encode(hasher.finalize()))
}

fn verify(path: &Path, expected: &str, source_name: &str) -> Result<(), FetchError> {
    let actual = sha256_file(path)?;
    if actual == expected {
        Ok(())
    } else {
        Err(FetchError::Mismatch { source_name: source_name.to_owned(), expected: expected.to_owned(), actual })
    }
}

/// `<cache>/lifecycle/<hash of url>/<file name>`, so two URLs with the same file name never collide.
fn cache_path(url: &str, cache_dir: &Path) -> PathBuf {
    let key = hex::encode(Sha256::digest(url.as_bytes()));
    let name = url.rsplit('/').next().filter(|n| !n.is_empty()).unwrap_or("lifecycle.tgz");
    cache_dir.join("lifecycle").join(&key[..16]).join(name)
}

async fn download_cached(url: &str, cache_dir: &Path) -> Result<PathBuf, FetchError> {
    let path = cache_path(url, cache_dir);
    let checksum_path = sibling_checksum(&path);
    // A cached tarball is re-hashed on every use: cheap next to a build, and a damaged cache is
    // downloaded again instead of producing a broken builder.
    if let (true, Ok(expected)) = (path.exists(), read_checksum_file(&checksum_path)) {
        if verify(&path, &expected, url).is_ok() {
            return Ok(path);
        }
    }
    let dir = path.parent().unwrap_or(cache_dir);
    let cache_error = |source| FetchError::Cache { path: dir.to_owned(), source };
    std::fs::create_dir_all(dir).map_err(cache_error)?;

    let client = kiln_oci::https::client_builder()
        .build()
        .map_err(|source| FetchError::Download { url: url.to_owned(), source })?;
    let checksum_url = format!("{url}.sha256");
    let checksum_text = get(&client, &checksum_url)
        .await?
        .text()
        .await
        .map_err(|source| FetchError::Download { url: checksum_url.clone(), source })?;
    let expected = parse_checksum(&checksum_text).ok_or(FetchError::NoChecksum { url: checksum_url })?;

    let mut response = get(&client, url).await?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(cache_error)?;
    let mut hasher = Sha256::new();
    while let Some(chunk) =
        response.chunk().await.map_err(|source| FetchError::Download { url: url.to_owned(), source })?
    {
        hasher.update(&chunk);
        temp.write_all(&chunk).map_err(cache_error)?;
    }
    let actual = hex::encode(hasher.finalize());
    if actual != expected {
        return Err(FetchError::Mismatch { source_name: url.to_owned(), expected, actual });
    }
    temp.persist(&path).map_err(|e| cache_error(e.error))?;
    std::fs::write(&checksum_path, format!("{expected}  {}\n", url.rsplit('/').next().unwrap_or_default()))
        .map_err(cache_error)?;
    Ok(path)
}

async fn get(client: &reqwest::Client, url: &str) -> Result<reqwest::Response, FetchError> {
    let response =
        client.get(url).send().await.map_err(|source| FetchError::Download { url: url.to_owned(), source })?;
    if response.status().is_success() {
        Ok(response)
    } else {
        Err(FetchError::Status { url: url.to_owned(), status: response.status() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader};
    use std::net::TcpListener;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn checksum_files_in_either_order() {
        let sha = "a".repeat(64);
        assert_eq!(parse_checksum(&format!("{sha}  lifecycle.tgz\n")), Some(sha.clone()));
        assert_eq!(parse_checksum(&format!("out/lifecycle.tgz  {sha}\n")), Some(sha));
        assert_eq!(parse_checksum("nothing here"), None);
    }

    /// Serves `files` (path -> body) over HTTP/1.0 on a loopback port; unknown paths get 404.
    /// Returns the base URL and a count of requests served.
    fn serve(files: Vec<(&'static str, Vec<u8>)>) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let address = listener.local_addr().expect("address");
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                counter.fetch_add(1, Ordering::SeqCst);
                let mut request_line = String::new();
                if BufReader::new(&stream).read_line(&mut request_line).is_err() {
                    continue;
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or_default().to_owned();
                let response = match files.iter().find(|(p, _)| *p == path) {
                    Some((_, body)) => {
                        let mut r = format!("HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n", body.len()).into_bytes();
                        r.extend_from_slice(body);
                        r
                    }
                    None => b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
                };
                drop(stream.write_all(&response));
            }
        });
        (format!("http://{address}"), requests)
    }

    #[tokio::test]
    async fn downloads_verifies_and_caches() {
        let body = b"lifecycle bytes".to_vec();
        let sha = hex::encode(Sha256::digest(&body));
        let (base, requests) =
            serve(vec![("/l.tgz", body.clone()), ("/l.tgz.sha256", format!("{sha}  l.tgz\n").into_bytes())]);
        let cache = tempfile::tempdir().expect("tempdir");
        let source = LifecycleSource::Url(format!("{base}/l.tgz"));
        let path = obtain(&source, cache.path()).await.expect("download");
        assert_eq!(std::fs::read(&path).expect("read"), body);
        assert!(path.starts_with(cache.path().join("lifecycle")));
        let served = requests.load(Ordering::SeqCst);
        assert_eq!(obtain(&source, cache.path()).await.expect("cached"), path);
        assert_eq!(requests.load(Ordering::SeqCst), served, "second use must come from the cache");
    }

    #[tokio::test]
    async fn refuses_a_checksum_mismatch_and_caches_nothing() {
        let wrong = "0".repeat(64);
        let (base, _) = serve(vec![("/l.tgz", b"tampered".to_vec()), ("/l.tgz.sha256", wrong.into_bytes())]);
        let cache = tempfile::tempdir().expect("tempdir");
        let source = LifecycleSource::Url(format!("{base}/l.tgz"));
        let error = obtain(&source, cache.path()).await.expect_err("mismatch");
        assert!(matches!(error, FetchError::Mismatch { .. }), "{error}");
        assert!(!cache_path(&format!("{base}/l.tgz"), cache.path()).exists());
    }

    #[tokio::test]
    async fn local_tarball_is_checked_against_its_sha256_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("l.tgz");
        std::fs::write(&path, b"bytes").expect("write");
        let source = LifecycleSource::Path(path.clone());
        assert_eq!(obtain(&source, dir.path()).await.expect("no checksum file"), path);
        std::fs::write(sibling_checksum(&path), "f".repeat(64)).expect("write");
        assert!(matches!(obtain(&source, dir.path()).await, Err(FetchError::Mismatch { .. })));
    }
}
