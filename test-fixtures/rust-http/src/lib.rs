//! An http function for kiln/rust-function: `FUNC_NAME=hello`.

use bytes::Bytes;
use http::{header, Request, Response, StatusCode};

pub async fn hello(request: Request<Bytes>) -> Response<Bytes> {
    match request.uri().path() {
        "/panic" => panic!("rust-http was asked to panic"),
        "/slow" => {
            tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
            text(StatusCode::OK, "Hello after a second\n".to_string())
        }
        _ if request.method() == http::Method::POST => received(request.body()),
        _ => text(StatusCode::OK, format!("Hello, {}!\n", name(request.uri().query()))),
    }
}

/// The `name` query parameter, else "World".
fn name(query: Option<&str>) -> &str {
    query
        .into_iter()
        .flat_map(|query| query.split('&'))
        .find_map(|pair| pair.strip_prefix("name="))
        .unwrap_or("World")
}

fn received(body: &Bytes) -> Response<Bytes> {
    let document = serde_json::json!({ "received": String::from_utf8_lossy(body), "bytes": body.len() });
    Response::builder()
        .status(StatusCode::CREATED)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Bytes::from(document.to_string()))
        .expect("a valid response")
}

fn text(status: StatusCode, body: String) -> Response<Bytes> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Bytes::from(body))
        .expect("a valid response")
}
