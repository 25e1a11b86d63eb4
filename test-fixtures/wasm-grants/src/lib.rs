//! A Wasm function that reaches for what only grants give: a file (`/file` reads
//! `/greeting.txt`), an environment variable (`/env` reads `GREETING`) and another server
//! (`/fetch?to=HOST:PORT/PATH` sends it a GET). Each answers what it found, or what stopped it.

use std::io::{Read as _, Write as _};
use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingRequest, OutgoingResponse, ResponseOutparam, Scheme,
};

struct Function;

wasip2::http::proxy::export!(Function);

impl wasip2::exports::http::incoming_handler::Guest for Function {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path_with_query = request.path_with_query().unwrap_or_default();
        let (path, query) = path_with_query.split_once('?').unwrap_or((&path_with_query, ""));
        let (status, body) = match path {
            "/file" => match std::fs::read_to_string("/greeting.txt") {
                Ok(text) => (200, text),
                Err(error) => (404, format!("no /greeting.txt: {error}\n")),
            },
            "/env" => match std::env::var("GREETING") {
                Ok(value) => (200, format!("GREETING={value}\n")),
                Err(_) => (404, "GREETING is not set\n".to_string()),
            },
            "/fetch" => fetch(query.strip_prefix("to=").unwrap_or_default()),
            _ => (200, "grants fixture\n".to_string()),
        };
        respond(response_out, status, body.as_bytes());
    }
}

/// A GET to `http://{to}`: its status and body, or 502 with why it failed.
fn fetch(to: &str) -> (u16, String) {
    let (authority, path) = to.split_once('/').map_or((to, "/".to_string()), |(host, path)| (host, format!("/{path}")));
    let request = OutgoingRequest::new(Fields::new());
    let prepared = request
        .set_scheme(Some(&Scheme::Http))
        .and(request.set_authority(Some(authority)))
        .and(request.set_path_with_query(Some(&path)));
    if prepared.is_err() {
        return (400, format!("cannot send a request to `{to}`\n"));
    }
    let response = match outgoing_handler::handle(request, None) {
        Ok(future) => {
            future.subscribe().block();
            future.get()
        }
        Err(code) => return (502, format!("refused: {code:?}\n")),
    };
    match response {
        Some(Ok(Ok(response))) => {
            let status = response.status();
            let body = response.consume().expect("the body is read once");
            let mut text = String::new();
            body.stream().expect("one stream").read_to_string(&mut text).expect("a text body");
            (status, text)
        }
        Some(Ok(Err(code))) => (502, format!("failed: {code:?}\n")),
        other => (502, format!("no response: {other:?}\n")),
    }
}

fn respond(response_out: ResponseOutparam, status: u16, body: &[u8]) {
    let headers = Fields::from_list(&[("content-type".to_string(), b"text/plain; charset=utf-8".to_vec())])
        .expect("a valid header");
    let response = OutgoingResponse::new(headers);
    response.set_status_code(status).expect("a valid status");
    let outgoing = response.body().expect("one body");
    ResponseOutparam::set(response_out, Ok(response));
    let mut stream = outgoing.write().expect("one stream");
    stream.write_all(body).expect("the body is written");
    stream.flush().expect("the body is flushed");
    drop(stream);
    OutgoingBody::finish(outgoing, None).expect("the body is finished");
}
