//! Where a download comes from: `http(s)://` URLs, `file://` URLs or plain paths, and the
//! client settings (timeouts, retries, trust, progress) that fetch them.

use crate::meter::Meter;
use crate::retry::{with_retries, AttemptError};
use crate::{DownloadError, Failure, ProgressSchedule, Report, RetrySchedule, StderrReport, Trust};
use std::fs::File;
use std::io::{Cursor, Read};
use std::path::PathBuf;
use std::time::Duration;
use ureq::tls::TlsConfig;
use ureq::Agent;

/// Network timeouts. There is deliberately no limit on a whole download: a 200 MB toolchain on
/// a slow link may take many minutes and is fine as long as bytes keep coming.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing the connection, TLS handshake and proxy CONNECT included.
    pub connect: Duration,
    /// The longest wait for the next bytes: the response headers, then each read of the body.
    pub read: Duration,
}

impl Default for Timeouts {
    /// 30 s to connect, 60 s of silence at most.
    fn default() -> Self {
        Self { connect: Duration::from_secs(30), read: Duration::from_secs(60) }
    }
}

/// Everything that decides how downloads behave; `Settings::from_env()` is what builds use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub timeouts: Timeouts,
    pub retries: RetrySchedule,
    pub progress: ProgressSchedule,
    pub trust: Trust,
}

impl Settings {
    /// The default timeouts, retries and progress, and the trust the environment gives
    /// (the system CA store plus `SSL_CERT_FILE`).
    #[must_use]
    pub fn from_env() -> Self {
        Self {
            timeouts: Timeouts::default(),
            retries: RetrySchedule::default(),
            progress: ProgressSchedule::default(),
            trust: Trust::from_env(),
        }
    }
}

/// Fetches and installs downloads with one HTTP client, reporting progress and retries to the
/// caller's [`Report`].
pub struct Downloader {
    agent: Agent,
    retries: RetrySchedule,
    progress: ProgressSchedule,
    report: Box<dyn Report>,
}

/// An opened location, before anything was read.
pub(crate) struct Source {
    reader: Box<dyn Read + Send>,
    length: Option<u64>,
}

impl Downloader {
    /// A downloader with [`Settings::from_env`]. Proxies come from `HTTPS_PROXY`,
    /// `HTTP_PROXY` or `ALL_PROXY` (lower case too), minus the hosts `NO_PROXY` lists.
    ///
    /// # Errors
    /// When a CA bundle (`SSL_CERT_FILE`, the system store) cannot be read.
    pub fn new(report: impl Report + 'static) -> Result<Self, DownloadError> {
        Self::with_settings(&Settings::from_env(), report)
    }

    /// # Errors
    /// When a CA bundle of `settings.trust` cannot be read.
    pub fn with_settings(settings: &Settings, report: impl Report + 'static) -> Result<Self, DownloadError> {
        let tls = TlsConfig::builder().root_certs(settings.trust.root_certs()?).build();
        let agent = Agent::config_builder()
            .timeout_connect(Some(settings.timeouts.connect))
            .timeout_per_read(Some(settings.timeouts.read))
            // Statuses are classified here (transient or not), not turned into errors by ureq.
            .http_status_as_error(false)
            .tls_config(tls)
            .build()
            .new_agent();
        Ok(Self { agent, retries: settings.retries, progress: settings.progress, report: Box::new(report) })
    }

    /// Opens `location` (an `http://` or `https://` URL, a `file://` URL or a path) for
    /// reading. An http body is read whole, with retries, before this returns, so it suits
    /// small files such as inventories; artifacts go through [`Downloader::install`], which
    /// streams.
    ///
    /// # Errors
    /// When the server answers with an error status or stays unreachable, the file cannot be
    /// opened, or the location names another scheme.
    pub fn open(&self, location: &str) -> Result<Box<dyn Read + Send>, DownloadError> {
        if let Some(path) = local_path(location)? {
            return Ok(Box::new(open_file(path)?.reader));
        }
        let body = self.attempt_with_retries(location, |source| {
            let mut body = Vec::new();
            source.read_to_end(&mut body).map_err(|error| source.failure_of(&error))?;
            Ok(body)
        })?;
        Ok(Box::new(Cursor::new(body)))
    }

    /// Opens `location` and hands its metered stream to `consume`, once per attempt, until an
    /// attempt succeeds or fails for good.
    pub(crate) fn attempt_with_retries<T>(
        &self,
        location: &str,
        mut consume: impl FnMut(&mut Meter<'_, Box<dyn Read + Send>>) -> Result<T, AttemptError>,
    ) -> Result<T, DownloadError> {
        let file_name = location.rsplit('/').next().unwrap_or(location);
        with_retries(&self.retries, self.report.as_ref(), location, || {
            let source = self.open_source(location)?;
            let mut meter = Meter::new(source.reader, file_name, source.length, self.progress, self.report.as_ref());
            consume(&mut meter)
        })
    }

    fn open_source(&self, location: &str) -> Result<Source, AttemptError> {
        if let Some(path) = local_path(location)? {
            return Ok(open_file(path)?);
        }
        let response = self.agent.get(location).call().map_err(|error| AttemptError::Network(failure_of(error)))?;
        let status = response.status().as_u16();
        if status >= 400 {
            return Err(AttemptError::Network(Failure::Status(status)));
        }
        let body = response.into_body();
        let length = body.content_length();
        Ok(Source { reader: Box::new(body.into_reader()), length })
    }
}

impl<R: Read> Meter<'_, R> {
    /// The failure to retry on after reading failed with `error`: the source's own, else the
    /// error itself as a broken connection.
    pub(crate) fn failure_of(&self, error: &std::io::Error) -> AttemptError {
        let failure = self.failure().cloned();
        AttemptError::Network(
            failure.unwrap_or_else(|| Failure::Broken { received: self.received(), cause: error.to_string() }),
        )
    }
}

/// Opens `location` with a [`Downloader`] that reports on stderr; see [`Downloader::open`].
///
/// # Errors
/// As [`Downloader::open`], and when a CA bundle cannot be read.
pub fn open(location: &str) -> Result<Box<dyn Read + Send>, DownloadError> {
    Downloader::new(StderrReport)?.open(location)
}

/// The path `location` names, or `None` for an http(s) URL.
fn local_path(location: &str) -> Result<Option<PathBuf>, DownloadError> {
    if location.starts_with("http://") || location.starts_with("https://") {
        return Ok(None);
    }
    match location.strip_prefix("file://") {
        Some(path) => Ok(Some(PathBuf::from(path))),
        // A colon before any slash means a scheme (ftp:, s3:), not a relative path.
        None if location.split('/').next().is_some_and(|first| first.contains(':')) => {
            Err(DownloadError::UnsupportedScheme(location.to_string()))
        }
        None => Ok(Some(PathBuf::from(location))),
    }
}

fn open_file(path: PathBuf) -> Result<Source, DownloadError> {
    let opened = File::open(&path).and_then(|file| Ok((file.metadata()?.len(), file)));
    match opened {
        Ok((length, file)) => Ok(Source { reader: Box::new(file), length: Some(length) }),
        Err(source) => Err(DownloadError::File { path, source }),
    }
}

fn failure_of(error: ureq::Error) -> Failure {
    match error {
        // The handshake's refusal reaches us inside the transport's io::Error.
        ureq::Error::Io(ref io) if matches!(io.get_ref(), Some(inner) if inner.is::<rustls::Error>()) => {
            Failure::Tls(io.to_string())
        }
        ureq::Error::Io(_)
        | ureq::Error::Timeout(_)
        | ureq::Error::HostNotFound
        | ureq::Error::ConnectionFailed
        | ureq::Error::ConnectProxyFailed(_) => Failure::Connect(error.to_string()),
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) | ureq::Error::Pem(_) | ureq::Error::TlsRequired => {
            Failure::Tls(error.to_string())
        }
        error => Failure::Other(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{quick_settings, RecordingReport, Reply, ScriptedServer};
    use std::io::Write;
    use std::process::Command;

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
        assert!(matches!(open("ftp://example.invalid/go.tar.gz"), Err(DownloadError::UnsupportedScheme(_))));
    }

    #[test]
    fn names_the_missing_file() {
        let error = open("/nonexistent/kiln/inventory.toml").err().expect("missing file must fail");
        assert!(error.to_string().contains("/nonexistent/kiln/inventory.toml"));
    }

    fn read_with(downloader: &Downloader, location: &str) -> String {
        let mut text = String::new();
        downloader.open(location).expect("open").read_to_string(&mut text).expect("read");
        text
    }

    #[test]
    fn open_retries_until_it_has_the_whole_body() {
        let inventory = "[[artifacts]]\nversion = \"1.26.8\"\n".repeat(20);
        let script = vec![Reply::Status(503), Reply::TruncateAfter(10)];
        let server = ScriptedServer::start("inventory.toml", inventory.clone().into_bytes(), script);
        let report = RecordingReport::default();
        let downloader = Downloader::with_settings(&quick_settings(), report.clone()).expect("downloader");

        assert_eq!(read_with(&downloader, server.url()), inventory);

        assert_eq!(server.requests().len(), 3);
        let retries = report.recorded().retries;
        assert!(retries[0].contains("503 Service Unavailable") && retries[1].contains("10 of"), "{retries:?}");
    }

    /// Set in the child process of the proxy test: the URL it downloads.
    const PROXIED_URL_ENV: &str = "KILN_DOWNLOAD_TEST_PROXIED_URL";

    #[test]
    fn downloads_through_the_proxy_the_environment_names() {
        // The child: a host that does not exist, which only the proxy can answer for.
        if let Ok(url) = std::env::var(PROXIED_URL_ENV) {
            let downloader =
                Downloader::with_settings(&quick_settings(), RecordingReport::default()).expect("downloader");
            assert_eq!(read_with(&downloader, &url), "through the proxy");
            return;
        }
        let proxy = ScriptedServer::start("unused", b"through the proxy".to_vec(), Vec::new());
        // The environment is the process's: a child gets it, so that parallel tests do not.
        let mut child = Command::new(std::env::current_exe().expect("test binary"));
        child.args(["--exact", "source::tests::downloads_through_the_proxy_the_environment_names", "--quiet"]);
        for name in ["ALL_PROXY", "all_proxy", "HTTPS_PROXY", "https_proxy", "http_proxy", "NO_PROXY", "no_proxy"] {
            child.env_remove(name);
        }
        let output = child
            .env("HTTP_PROXY", proxy.origin())
            .env(PROXIED_URL_ENV, "http://kiln-proxy-test.invalid/inventory.toml")
            .output()
            .expect("run the child test");

        let child_said = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "the download through the proxy failed:\n{child_said}");
        assert_eq!(proxy.requests().first().map(String::as_str), Some("CONNECT kiln-proxy-test.invalid:80 HTTP/1.1"));
    }
}
