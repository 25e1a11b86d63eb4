//! A guest that allocates without end on `/alloc`: the host's memory limit must stop it (500)
//! while it goes on answering other requests.

use wasip2::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};

struct Function;

wasip2::http::proxy::export!(Function);

impl wasip2::exports::http::incoming_handler::Guest for Function {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        if request.path_with_query().as_deref() == Some("/alloc") {
            let mut hoard: Vec<Vec<u8>> = Vec::new();
            loop {
                // Touched, so the pages are really used.
                hoard.push(vec![1; 1 << 20]);
                std::hint::black_box(&hoard);
            }
        }
        let response = OutgoingResponse::new(Fields::new());
        let outgoing = response.body().expect("one body");
        ResponseOutparam::set(response_out, Ok(response));
        // The stream is dropped at the end of the statement, before the body is finished.
        outgoing.write().expect("one stream").blocking_write_and_flush(b"still serving\n").expect("written");
        OutgoingBody::finish(outgoing, None).expect("the body is finished");
    }
}
