//! A guest that never finishes `/loop`: the host's timeout must cut it off (504) while it goes on
//! answering other requests.

use std::io::Write as _;
use wasip2::http::types::{Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam};

struct Function;

wasip2::http::proxy::export!(Function);

impl wasip2::exports::http::incoming_handler::Guest for Function {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        if request.path_with_query().as_deref() == Some("/loop") {
            let mut turns = 0_u64;
            loop {
                turns = std::hint::black_box(turns.wrapping_add(1));
            }
        }
        let response = OutgoingResponse::new(Fields::new());
        let body = response.body().expect("one body");
        ResponseOutparam::set(response_out, Ok(response));
        let mut stream = body.write().expect("one stream");
        stream.write_all(b"still serving\n").expect("the body is written");
        stream.flush().expect("the body is flushed");
        drop(stream);
        OutgoingBody::finish(body, None).expect("the body is finished");
    }
}
