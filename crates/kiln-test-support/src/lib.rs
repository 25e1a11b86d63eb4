//! Real components for kiln's tests, on loopback only: the distribution registry (Debian's
//! `docker-registry`) and a proxy in front of it that injects failures, a static file server (a
//! download mirror), and a small HTTP client.
//! Test support panics with a message on failure: a broken fixture is a failed test.

#![allow(clippy::missing_panics_doc)]

mod faulty_registry;
mod file_server;
mod http;
mod registry;

pub use faulty_registry::{Fault, FaultyRegistry};
pub use file_server::FileServer;
pub use http::{get, post, HttpResponse};
pub use registry::TestRegistry;

/// A port on 127.0.0.1 that was free a moment ago.
#[must_use]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}
