//! Whether the registry would take a push, asked before a build starts: it starts a blob
//! upload (`POST /v2/<repository>/blobs/uploads/`) with the credentials a push would use, and
//! cancels it at once (`DELETE` on the upload's location). Nothing is written to the registry.
//! Registries that use token auth get a push-scoped token first, as for a real push.

use std::time::Duration;

use oci_client::errors::OciDistributionError;
use oci_client::secrets::RegistryAuth;
use oci_client::RegistryOperation;
use reqwest::StatusCode;

use super::Session;
use crate::auth::Credentials;

/// How long the registry has to answer each request: a registry that does not answer in this
/// time would not carry a build's push either.
const ANSWER_WITHIN: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum PushCheckError {
    #[error("the registry {registry} is unreachable: {reason}")]
    Unreachable { registry: String, reason: String },
    #[error("the registry {registry} refused the credentials for pushing to {repository} (HTTP 401)")]
    Unauthorized { registry: String, repository: String },
    #[error("the credentials for {registry} may not push to {repository} (HTTP 403)")]
    Forbidden { registry: String, repository: String },
    #[error("the registry {registry} does not take pushes to {repository}: it answered HTTP {status} to the start of an upload")]
    Refused { registry: String, repository: String, status: u16 },
}

pub(super) async fn check_push(session: &Session<'_>, scheme: &str) -> Result<(), PushCheckError> {
    let registry = session.oci_reference().resolve_registry().to_string();
    let repository = session.oci_reference().repository().to_string();
    let unreachable = |reason: String| PushCheckError::Unreachable { registry: registry.clone(), reason };

    let authorization = match tokio::time::timeout(ANSWER_WITHIN, push_authorization(session)).await {
        Err(_) => return Err(unreachable(format!("no answer within {} s", ANSWER_WITHIN.as_secs()))),
        Ok(Err(OciDistributionError::AuthenticationFailure(_))) => {
            return Err(PushCheckError::Unauthorized { registry, repository })
        }
        Ok(Err(error)) => return Err(unreachable(error_chain(&error))),
        Ok(Ok(authorization)) => authorization,
    };

    let http = crate::https::client_builder()
        .connect_timeout(ANSWER_WITHIN)
        .timeout(ANSWER_WITHIN)
        .build()
        .map_err(|error| unreachable(error_chain(&error)))?;
    let with_auth = |request: reqwest::RequestBuilder| match &authorization {
        Some(value) => request.header(reqwest::header::AUTHORIZATION, value),
        None => request,
    };
    let base = format!("{scheme}://{registry}");
    let started = with_auth(http.post(format!("{base}/v2/{repository}/blobs/uploads/")))
        .header(reqwest::header::CONTENT_LENGTH, "0")
        .send()
        .await
        .map_err(|error| unreachable(error_chain(&error)))?;
    match started.status() {
        StatusCode::ACCEPTED => {}
        StatusCode::UNAUTHORIZED => return Err(PushCheckError::Unauthorized { registry, repository }),
        StatusCode::FORBIDDEN => return Err(PushCheckError::Forbidden { registry, repository }),
        status => return Err(PushCheckError::Refused { registry, repository, status: status.as_u16() }),
    }
    if let Some(location) = started.headers().get(reqwest::header::LOCATION).and_then(|value| value.to_str().ok()) {
        let upload = if location.starts_with('/') { format!("{base}{location}") } else { location.to_string() };
        // A registry that keeps the empty upload until it expires has lost nothing: the check
        // passed either way.
        let _ = with_auth(http.delete(upload)).send().await;
    }
    Ok(())
}

/// The `Authorization` header a push sends: a push-scoped bearer token from the registry's
/// token service, the basic credentials, or none for anonymous pushes.
async fn push_authorization(session: &Session<'_>) -> Result<Option<String>, OciDistributionError> {
    let token = session.client.auth(session.oci_reference(), &session.auth, RegistryOperation::Push).await?;
    Ok(match (token, &session.auth) {
        (Some(token), _) => Some(format!("Bearer {token}")),
        (None, RegistryAuth::Basic(username, password)) => {
            Some(Credentials::Basic { username: username.clone(), password: password.clone() }.authorization_header())
        }
        (None, _) => None,
    })
}

/// An error with its causes, e.g. "error sending request: connection refused".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let line = cause.to_string();
        if !text.contains(&line) {
            text.push_str(": ");
            text.push_str(&line);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Registry, RegistryOptions};
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    /// A loopback HTTP server that answers `/v2/` with 200 and an upload start with `answer`,
    /// and records the requests it got. It stands for registries in states a test registry
    /// cannot be put in (refusing credentials, forbidding a repository, failing).
    fn registry_answering(answer: &'static str) -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("listener");
        let address = listener.local_addr().expect("address").to_string();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let mut reader = BufReader::new(stream.try_clone().expect("stream"));
                let mut request_line = String::new();
                reader.read_line(&mut request_line).expect("request line");
                let mut header = String::new();
                while reader.read_line(&mut header).is_ok_and(|read| read > 2) {
                    header.clear();
                }
                let request_line = request_line.trim().to_string();
                let status = if request_line.starts_with("GET /v2/ ") { "200 OK" } else { answer };
                seen.lock().expect("requests").push(request_line);
                let location = if status.starts_with("202") { "Location: /v2/r/blobs/uploads/u1\r\n" } else { "" };
                let response = format!("HTTP/1.1 {status}\r\n{location}Content-Length: 0\r\nConnection: close\r\n\r\n");
                let _ = (&stream).write_all(response.as_bytes());
            }
        });
        (address, requests)
    }

    async fn check(address: &str) -> Result<(), PushCheckError> {
        let reference: crate::ImageRef = format!("{address}/r:1").parse().expect("reference");
        Registry::new(RegistryOptions::default()).check_push(&reference).await
    }

    #[tokio::test]
    async fn an_upload_the_registry_accepts_is_cancelled_at_once() {
        let (address, requests) = registry_answering("202 Accepted");
        check(&address).await.expect("the registry takes pushes");
        let requests = requests.lock().expect("requests").clone();
        assert!(requests.iter().any(|r| r.starts_with("POST /v2/r/blobs/uploads/ ")), "{requests:?}");
        assert!(requests.iter().any(|r| r.starts_with("DELETE /v2/r/blobs/uploads/u1 ")), "{requests:?}");
    }

    #[tokio::test]
    async fn refusals_say_what_the_registry_refused() {
        let (address, _) = registry_answering("401 Unauthorized");
        assert!(matches!(check(&address).await, Err(PushCheckError::Unauthorized { .. })));
        let (address, _) = registry_answering("403 Forbidden");
        assert!(matches!(check(&address).await, Err(PushCheckError::Forbidden { .. })));
        let (address, _) = registry_answering("500 Internal Server Error");
        assert!(matches!(check(&address).await, Err(PushCheckError::Refused { status: 500, .. })));
    }

    #[tokio::test]
    async fn a_port_nobody_listens_on_is_unreachable() {
        let port = TcpListener::bind("127.0.0.1:0").expect("listener").local_addr().expect("address").port();
        let error = check(&format!("127.0.0.1:{port}")).await.expect_err("nothing listens");
        assert!(matches!(error, PushCheckError::Unreachable { .. }), "{error:?}");
        assert!(error.to_string().contains(&format!("127.0.0.1:{port}")), "{error}");
    }
}
