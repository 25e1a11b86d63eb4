//! A function server measured beside its language's bare server in one run: cold starts, and
//! wrk loads taken in turn so that drift in the machine's speed hits every server alike.

use crate::support::median;
use crate::support::server::Server;
use crate::support::wrk::{self, Load};

/// Cold starts per server, as the peer baselines measured them.
pub(crate) const START_RUNS: usize = 5;
/// wrk runs per server, as the peer baselines measured them.
pub(crate) const LOAD_RUNS: usize = 3;

/// Median of `START_RUNS` cold starts, in milliseconds.
pub(crate) fn milliseconds(start: impl Fn() -> f64) -> f64 {
    let seconds: Vec<f64> = (0..START_RUNS).map(|_| start()).collect();
    median(&seconds) * 1000.0
}

/// Every server must give the same answer to `GET /`, or the comparison measures different work.
pub(crate) fn expect_answer(name: &str, address: &str, body: &str, content_type: &str) {
    let response =
        kiln_test_support::get(address, "/").unwrap_or_else(|| panic!("{name} stopped answering on {address}"));
    let answer = (response.status, response.text(), response.header("Content-Type"));
    assert_eq!(
        answer,
        (200, body.to_string(), Some(content_type)),
        "{name} does not answer GET / as the function does"
    );
}

/// `LOAD_RUNS` wrk runs per server, each after its own warm-up, taking the servers in turn
/// (a, b, c, a, b, c, …).
pub(crate) fn interleaved_loads(servers: &[(&str, Server)]) -> Vec<Vec<Load>> {
    let mut loads = vec![Vec::with_capacity(LOAD_RUNS); servers.len()];
    for round in 1..=LOAD_RUNS {
        for ((name, server), runs) in servers.iter().zip(&mut loads) {
            eprintln!("[bench] wrk run {round}/{LOAD_RUNS}: {name}");
            wrk::warm_up(&server.address);
            runs.push(wrk::measure(&server.address));
        }
    }
    loads
}

/// The load table, each server's rate against the first server's (the baseline, named
/// `baseline` in the header, beside the issue's `aim` for that ratio).
pub(crate) fn print_loads(servers: &[(&str, Server)], loads: &[Vec<Load>], baseline: &str, aim: &str) {
    println!("Load: {}, median of {LOAD_RUNS} runs per server, interleaved.", wrk::METHOD);
    println!();
    println!("| server | req/s | p99 ms | req/s vs {baseline} (aim {aim}) | errors |");
    println!("| --- | --- | --- | --- | --- |");
    let baseline_rate = median_of(&loads[0], |load| load.requests_per_second);
    for ((name, _), runs) in servers.iter().zip(loads) {
        let rate = median_of(runs, |load| load.requests_per_second);
        let p99 = median_of(runs, |load| load.p99_ms);
        let errors: u64 = runs.iter().map(|load| load.errors).sum();
        println!("| {name} | {rate:.0} | {p99:.1} | {:.0}% | {errors} |", rate / baseline_rate * 100.0);
    }
}

pub(crate) fn median_of(runs: &[Load], measure: impl Fn(&Load) -> f64) -> f64 {
    median(&runs.iter().map(measure).collect::<Vec<_>>())
}
