//! Load from wrk, as the peer baselines measured it (`wrk -t2 -c32 -d10s --latency` on
//! loopback after a 2 s warm-up), and the parts of wrk's report the benches use.

use std::process::Command;

const THREADS: &str = "-t2";
const CONNECTIONS: &str = "-c32";
const WARM_UP: &str = "-d2s";
const DURATION: &str = "-d10s";
/// How the runs are made, for the bench's table.
pub(crate) const METHOD: &str = "`wrk -t2 -c32 -d10s --latency` on loopback after a 2 s warm-up";

/// One wrk run's results.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    pub(crate) requests_per_second: f64,
    pub(crate) p99_ms: f64,
    /// Answers that were not 2xx or 3xx, plus socket errors (connect, read, write, timeout).
    pub(crate) errors: u64,
}

/// Fails with the fix when wrk is not installed, before the bench spends minutes building.
pub(crate) fn require_wrk() {
    if let Err(e) = Command::new("wrk").arg("--version").output() {
        panic!("cannot run wrk ({e}): install it with scripts/install-deps (Debian package `wrk`)");
    }
}

/// A run whose results are thrown away, so the measured runs meet a warm server.
pub(crate) fn warm_up(address: &str) {
    let _ = run(address, &[THREADS, CONNECTIONS, WARM_UP]);
}

/// One measured run against `GET /` on `address`.
pub(crate) fn measure(address: &str) -> Load {
    let report = run(address, &[THREADS, CONNECTIONS, DURATION, "--latency"]);
    parse(&report).unwrap_or_else(|problem| panic!("cannot read wrk's report ({problem}):\n{report}"))
}

fn run(address: &str, options: &[&str]) -> String {
    let output = Command::new("wrk")
        .args(options)
        .arg(format!("http://{address}/"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run wrk: {e}"));
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "wrk failed ({}):\n{report}{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    report
}

/// Requests per second, the 99th percentile latency and the error count from a report of
/// `wrk --latency`.
pub(crate) fn parse(report: &str) -> Result<Load, String> {
    let mut requests_per_second = None;
    let mut p99_ms = None;
    let mut errors = 0;
    for line in report.lines().map(str::trim) {
        if let Some(rate) = line.strip_prefix("Requests/sec:") {
            requests_per_second = Some(rate.trim().parse::<f64>().map_err(|e| format!("`{line}`: {e}"))?);
        } else if let Some(latency) = line.strip_prefix("99%") {
            p99_ms = Some(milliseconds(latency.trim())?);
        } else if let Some(counts) = line.strip_prefix("Socket errors:") {
            // `connect 0, read 0, write 0, timeout 0`
            for count in counts.split(',').filter_map(|part| part.split_whitespace().nth(1)) {
                errors += count.parse::<u64>().map_err(|e| format!("`{line}`: {e}"))?;
            }
        } else if let Some(count) = line.strip_prefix("Non-2xx or 3xx responses:") {
            errors += count.trim().parse::<u64>().map_err(|e| format!("`{line}`: {e}"))?;
        }
    }
    Ok(Load {
        requests_per_second: requests_per_second.ok_or("no `Requests/sec:` line")?,
        p99_ms: p99_ms.ok_or("no `99%` line: was wrk run with --latency?")?,
        errors,
    })
}

/// A wrk duration (`783.00us`, `7.60ms`, `1.20s`, `2.00m`) in milliseconds.
fn milliseconds(time: &str) -> Result<f64, String> {
    let split = time.find(|c: char| c.is_ascii_alphabetic()).ok_or_else(|| format!("`{time}` has no unit"))?;
    let (number, unit) = time.split_at(split);
    let number: f64 = number.parse().map_err(|e| format!("`{time}`: {e}"))?;
    let scale = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return Err(format!("`{time}`: unknown unit `{unit}`")),
    };
    Ok(number * scale)
}

/// wrk 4.1.0's report of a short run against the bare net/http server.
const SAMPLE: &str = "\
Running 1s test @ http://127.0.0.1:18099/
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    53.24us  159.31us   3.60ms   97.52%
    Req/Sec    47.56k     0.86k   48.27k    80.00%
  Latency Distribution
     50%   31.00us
     75%   38.00us
     90%   45.00us
     99%  783.00us
  47413 requests in 1.00s, 5.92MB read
Requests/sec:  47347.28
Transfer/sec:      5.92MB
";

/// The same report with errors and a p99 in milliseconds, as wrk prints them.
const SAMPLE_WITH_ERRORS: &str = "\
  Latency Distribution
     50%    1.21ms
     99%    7.60ms
  904090 requests in 10.00s, 112.96MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 4
Requests/sec:  90409.00
";

/// The parser's self-check, run at a bench's start: a `#[test]` in a `harness = false` bench
/// never runs, and a misread report would print plausible wrong numbers.
pub(crate) fn check_parser() {
    let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
    let load = parse(SAMPLE).expect("the sample report parses");
    assert!(close(load.requests_per_second, 47_347.28), "{load:?}");
    assert!(close(load.p99_ms, 0.783), "{load:?}");
    assert_eq!(load.errors, 0);
    let load = parse(SAMPLE_WITH_ERRORS).expect("the sample report with errors parses");
    assert!(close(load.requests_per_second, 90_409.0) && close(load.p99_ms, 7.6), "{load:?}");
    assert_eq!(load.errors, 9);
    assert!(close(milliseconds("1.20s").expect("seconds"), 1_200.0));
    assert!(parse("Requests/sec: 1.0\n").is_err(), "a report without --latency was accepted");
    assert!(milliseconds("7.60").is_err(), "a time without a unit was accepted");
}
