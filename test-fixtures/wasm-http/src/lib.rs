//! A Wasm function for kiln/wasm-function: a `wasi:http/incoming-handler` component, written
//! against the `wasip2` bindings.

use std::io::{Read as _, Write as _};
use wasip2::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Function;

wasip2::http::proxy::export!(Function);

impl wasip2::exports::http::incoming_handler::Guest for Function {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let path_with_query = request.path_with_query().unwrap_or_default();
        let (path, query) = path_with_query.split_once('?').unwrap_or((&path_with_query, ""));
        let (status, content_type, body) = match path {
            "/panic" => panic!("wasm-http was asked to panic"),
            "/slow" => {
                wasip2::clocks::monotonic_clock::subscribe_duration(1_200_000_000).block();
                (200, "text/plain; charset=utf-8", "Hello after a second\n".to_string())
            }
            _ if matches!(request.method(), Method::Post) => {
                let received = read_body(&request);
                let document = serde_json::json!({
                    "received": String::from_utf8_lossy(&received),
                    "bytes": received.len(),
                });
                (201, "application/json", document.to_string())
            }
            _ => (200, "text/plain; charset=utf-8", format!("Hello, {}!\n", name(query))),
        };
        respond(response_out, status, content_type, body.as_bytes());
    }
}

/// The `name` query parameter, else "World".
fn name(query: &str) -> &str {
    query.split('&').find_map(|pair| pair.strip_prefix("name=")).unwrap_or("World")
}

fn read_body(request: &IncomingRequest) -> Vec<u8> {
    let body = request.consume().expect("the body is read once");
    let mut received = Vec::new();
    body.stream().expect("one stream").read_to_end(&mut received).expect("a readable body");
    received
}

fn respond(response_out: ResponseOutparam, status: u16, content_type: &str, body: &[u8]) {
    let headers = Fields::from_list(&[("content-type".to_string(), content_type.as_bytes().to_vec())])
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
