//! A plain (not async) http function returning a Result: `FUNC_NAME=handle`. An `Err` answers
//! 500 and is logged.

use bytes::Bytes;
use http::{header, Request, Response, StatusCode};
use std::fmt;

#[derive(Debug)]
pub struct Refused(&'static str);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "refused: {}", self.0)
    }
}

pub fn handle(request: Request<Bytes>) -> Result<Response<Bytes>, Refused> {
    let (status, content_type, body) = match (request.method(), request.uri().path()) {
        (_, "/fail") => return Err(Refused("rust-result was asked to fail")),
        (_, "/slow") => {
            std::thread::sleep(std::time::Duration::from_millis(1200));
            (StatusCode::OK, "text/plain; charset=utf-8", "Hello after a second\n".to_string())
        }
        (&http::Method::POST, _) => {
            let received = String::from_utf8_lossy(request.body()).replace('\\', "\\\\").replace('"', "\\\"");
            let json = format!("{{\"received\": \"{received}\", \"bytes\": {}}}", request.body().len());
            (StatusCode::CREATED, "application/json", json)
        }
        _ => {
            let name = request.uri().query().and_then(|query| query.strip_prefix("name=")).unwrap_or("World");
            (StatusCode::OK, "text/plain; charset=utf-8", format!("Hello, {name}!\n"))
        }
    };
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Bytes::from(body))
        .map_err(|_| Refused("an invalid response"))
}
