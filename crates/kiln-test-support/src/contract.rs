//! The function contract suite: what every language's function server must do, checked over
//! HTTP against a running function (in the end-to-end tests, a built image under `kiln run`).
//!
//! A contract fixture is a directory of `test-fixtures/` with a `contract.toml` that says how
//! to build it and what its function answers (see [`Expectations`] and test-fixtures/README.md).
//! The suite sends each request, compares the answer, and adds what holds for every function
//! whatever its language:
//!
//! - every signature: `/favicon.ico` answers 404 without reaching the function, and a failing
//!   function (a panic, a thrown error) answers 500 while the server keeps serving;
//! - `http`: GET with a query, a JSON POST, a status with a header, and SIGTERM during a slow
//!   request, which must still be answered before the server exits cleanly;
//! - `cloudevent`: an event in binary and in structured mode; an invalid event (no `source`)
//!   answers 400, a body that is no CloudEvent 415, and a GET 405.

mod expectations;

pub use expectations::{Answer, CloudEventContract, Exchange, Expectations, HttpContract, Request};

use crate::http::{request, HttpResponse};
use std::fmt::Write as _;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

/// A function server under test, already answering on `address`.
pub trait ServedFunction {
    /// `host:port`
    fn address(&self) -> &str;
    /// What the server has logged so far.
    fn logs(&self) -> String;
    /// The logs once they hold `text`, or after ten seconds without it: a server's output
    /// reaches its log file asynchronously, so an answer can come before the line it logged.
    fn logs_once_they_hold(&self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let logs = self.logs();
            if logs.contains(text) || Instant::now() > deadline {
                return logs;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    /// Sends SIGTERM and waits for the server to exit.
    fn terminate(&mut self) -> ExitStatus;
}

/// Runs the whole suite; the error lists every check that failed, each with its name.
pub fn check(function: &mut impl ServedFunction, expectations: &Expectations) -> Result<(), String> {
    let mut suite = Suite { function, failures: String::new() };
    suite.favicon_is_not_the_function();
    if let Some(http) = &expectations.http {
        suite.http(http);
    }
    if let Some(cloudevent) = &expectations.cloudevent {
        suite.cloudevent(cloudevent);
    }
    if suite.failures.is_empty() {
        Ok(())
    } else {
        Err(suite.failures)
    }
}

struct Suite<'f, F> {
    function: &'f mut F,
    failures: String,
}

impl<F: ServedFunction> Suite<'_, F> {
    fn http(&mut self, contract: &HttpContract) {
        self.exchange("GET with a query", &contract.get_with_query);
        self.exchange("a JSON POST", &contract.json_post);
        self.exchange("the status and a header", &contract.status_and_header);
        self.failure_keeps_serving(&contract.failure, &contract.get_with_query);
        self.sigterm_lets_a_request_in_flight_finish(&contract.slow);
    }

    fn cloudevent(&mut self, contract: &CloudEventContract) {
        self.exchange("an event in binary mode", &contract.binary);
        self.exchange("an event in structured mode", &contract.structured);
        let attributes =
            [("Ce-Specversion", "1.0"), ("Ce-Id", "contract-invalid"), ("Ce-Type", "com.example.contract")];
        let headers: Vec<(&str, &str)> = attributes.into_iter().chain([("Content-Type", "application/json")]).collect();
        self.status("an invalid event (no source)", "POST", "/", &headers, b"{}", 400);
        self.status("a body that is no CloudEvent", "POST", "/", &[("Content-Type", "application/json")], b"{}", 415);
        self.status("a GET", "GET", "/", &[], b"", 405);
        self.failure_keeps_serving(&contract.failure, &contract.binary);
    }

    fn favicon_is_not_the_function(&mut self) {
        self.status("/favicon.ico", "GET", "/favicon.ico", &[], b"", 404);
    }

    /// The failing request answers 500, and the server then still answers `then`.
    fn failure_keeps_serving(&mut self, failure: &Exchange, then: &Exchange) {
        if let Some(response) = self.send("a failing function", &failure.request) {
            if response.status != 500 {
                self.fail("a failing function", &format!("answered {}, not 500", response.status));
            }
            self.compare("a failing function", failure, &response);
        }
        self.exchange("serving on after a failure", then);
    }

    fn sigterm_lets_a_request_in_flight_finish(&mut self, slow: &Exchange) {
        let name = "SIGTERM during a request";
        let (address, request) = (self.function.address().to_string(), slow.request.clone());
        let in_flight = std::thread::spawn(move || send(&address, &request));
        // The request must reach the function before the signal: the slow answer takes longer.
        std::thread::sleep(Duration::from_millis(300));
        let exit = self.function.terminate();
        match in_flight.join().expect("the request thread") {
            Some(response) => self.compare(name, slow, &response),
            None => self.fail(name, "the request in flight got no answer"),
        }
        if !exit.success() {
            self.fail(name, &format!("the server did not exit cleanly: {exit}"));
        }
    }

    fn exchange(&mut self, name: &str, exchange: &Exchange) {
        if let Some(response) = self.send(name, &exchange.request) {
            self.compare(name, exchange, &response);
        }
    }

    fn status(&mut self, name: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8], status: u16) {
        match request(self.function.address(), method, path, headers, body) {
            Some(response) if response.status == status => {}
            Some(response) => {
                self.fail(name, &format!("answered {}, not {status}: {}", response.status, response.text()));
            }
            None => self.fail(name, "no answer"),
        }
    }

    fn send(&mut self, name: &str, request: &Request) -> Option<HttpResponse> {
        let response = send(self.function.address(), request);
        if response.is_none() {
            self.fail(name, &format!("no answer to {} {}", request.method, request.path));
        }
        response
    }

    fn compare(&mut self, name: &str, exchange: &Exchange, response: &HttpResponse) {
        for mismatch in exchange.answer.mismatches(response) {
            self.fail(name, &mismatch);
        }
        if let Some(text) = &exchange.answer.log {
            let logs = self.function.logs_once_they_hold(text);
            if !logs.contains(text.as_str()) {
                self.fail(name, &format!("the log has no `{text}`:\n{logs}"));
            }
        }
    }

    fn fail(&mut self, name: &str, problem: &str) {
        let _ = writeln!(self.failures, "- {name}: {problem}");
    }
}

fn send(address: &str, exchange: &Request) -> Option<HttpResponse> {
    let headers: Vec<(&str, &str)> =
        exchange.headers.iter().map(|(name, value)| (name.as_str(), value.as_str())).collect();
    request(address, &exchange.method, &exchange.path, &headers, exchange.body.as_bytes())
}
