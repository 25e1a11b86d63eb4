//! Broken on purpose: built with FUNC_NAME=hello, which this crate does not define.

use bytes::Bytes;
use http::{Request, Response};

pub async fn goodbye(_request: Request<Bytes>) -> Response<Bytes> {
    Response::new(Bytes::from_static(b"Goodbye\n"))
}
