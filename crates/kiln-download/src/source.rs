//! Where a download comes from: `http(s)://` URLs, `file://` URLs or plain paths.

use std::fs::File;
use std::io::Read;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("cannot download {url}: {source}. Check that the URL is right and reachable from the build (proxy settings: HTTPS_PROXY, NO_PROXY)")]
    Http {
        url: String,
        #[source]
        source: Box<ureq::Error>,
    },
    #[error("cannot read {}: {source}. Check that the file exists and is readable by the build user", path.display())]
    File {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{0}` uses an unsupported scheme: use an http(s):// URL, a file:// URL or a path")]
    UnsupportedScheme(String),
}

/// Opens `location` for streaming: an `http://` or `https://` URL, a `file://` URL or a path.
///
/// # Errors
/// When the server answers with an error status or is unreachable, the file cannot be opened, or
/// the location names another scheme.
pub fn open(location: &str) -> Result<Box<dyn Read + Send>, OpenError> {
    if location.starts_with("http://") || location.starts_with("https://") {
        let response = ureq::get(location)
            .call()
            .map_err(|source| OpenError::Http { url: location.to_string(), source: Box::new(source) })?;
        return Ok(Box::new(response.into_body().into_reader()));
    }
    let path = match location.strip_prefix("file://") {
        Some(path) => PathBuf::from(path),
        // A colon before any slash means a scheme (ftp:, s3:), not a relative path.
        None if location.split('/').next().is_some_and(|first| first.contains(':')) => {
            return Err(OpenError::UnsupportedScheme(location.to_string()));
        }
        None => PathBuf::from(location),
    };
    let file = File::open(&path).map_err(|source| OpenError::File { path, source })?;
    Ok(Box::new(file))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn read_all(location: &str) -> String {
        let mut text = String::new();
        open(location).expect("open").read_to_string(&mut text).expect("read");
        text
    }

    #[test]
    fn reads_paths_and_file_urls() {
        let mut file = tempfile::NamedTempFile::new().expect("temp file");
        file.write_all(b"contents").expect("write");
        let path = file.path().to_str().expect("utf-8 path");
        assert_eq!(read_all(path), "contents");
        assert_eq!(read_all(&format!("file://{path}")), "contents");
    }

    #[test]
    fn refuses_unknown_schemes() {
        assert!(matches!(open("ftp://example.invalid/go.tar.gz"), Err(OpenError::UnsupportedScheme(_))));
    }

    #[test]
    fn names_the_missing_file() {
        let error = open("/nonexistent/kiln/inventory.toml").err().expect("missing file must fail");
        assert!(error.to_string().contains("/nonexistent/kiln/inventory.toml"));
    }
}
