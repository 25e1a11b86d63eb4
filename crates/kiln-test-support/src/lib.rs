//! Real components for kiln's tests, on loopback only: the distribution registry (Debian's
//! `docker-registry`) and a proxy in front of it that injects registry failures, a static file
//! server (a download mirror, flaky on request), a small HTTP client, the function contract
//! suite every language's fixtures pass, a Python package index, podman's Docker-compatible API
//! for `pack build`, and a digest of input files for reusing what tests built from them.
//! Test support panics with a message on failure: a broken fixture is a failed test.

#![allow(clippy::missing_panics_doc)]

pub mod contract;
mod faulty_registry;
mod file_server;
mod http;
mod inputs_digest;
mod package_index;
mod podman;
mod registry;

pub use faulty_registry::{FaultyRegistry, RegistryFault};
pub use file_server::{Fault, FileServer};
pub use http::{get, post, request, HttpResponse};
pub use inputs_digest::inputs_digest;
pub use package_index::{PackageIndex, PROBE_PACKAGE, PROBE_WHERE};
pub use podman::PodmanService;
pub use registry::TestRegistry;

/// A port on 127.0.0.1 that was free a moment ago.
#[must_use]
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free loopback port")
}
