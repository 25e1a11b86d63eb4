//! What each request may use, read from the environment when the host starts (so `kiln run` and
//! platforms choose them per instance, as they choose `PORT`).

use crate::setting::{setting, SettingError};
use std::time::Duration;

/// The most a guest's linear memory may grow to; growing past it traps and the request answers 500.
pub const MAX_MEMORY_ENV: &str = "FUNC_WASM_MAX_MEMORY";
/// How long one request may run; a guest still running then is interrupted and answers 504.
pub const TIMEOUT_ENV: &str = "FUNC_WASM_TIMEOUT";
/// How many instances run at once; further requests wait for one to finish (at most the timeout)
/// and answer 503 if none does.
pub const MAX_INSTANCES_ENV: &str = "FUNC_WASM_MAX_INSTANCES";

/// 128 MiB: enough for the usual request handler, small enough that a runaway guest cannot take
/// the machine's memory.
pub const DEFAULT_MAX_MEMORY: u64 = 128 << 20;
/// 30 s: the usual proxy and load-balancer request timeout, so a slow guest is cut off no later
/// than the platform in front of it would give up.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// 100 instances at once: every slot's memory is reserved up front (virtual address space only).
pub const DEFAULT_MAX_INSTANCES: u32 = 100;

/// The limits each request runs under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_memory: u64,
    pub timeout: Duration,
    pub max_instances: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_memory: DEFAULT_MAX_MEMORY, timeout: DEFAULT_TIMEOUT, max_instances: DEFAULT_MAX_INSTANCES }
    }
}

impl Limits {
    /// Reads the limits through `var` (unset or empty: the default).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, SettingError> {
        let defaults = Limits::default();
        Ok(Limits {
            max_memory: setting(
                &var,
                MAX_MEMORY_ENV,
                parse_size,
                "a size such as `64MiB`, `1GiB` or a number of bytes",
            )?
            .unwrap_or(defaults.max_memory),
            timeout: setting(&var, TIMEOUT_ENV, parse_duration, "a duration such as `2s`, `500ms` or `1m`")?
                .unwrap_or(defaults.timeout),
            max_instances: setting(&var, MAX_INSTANCES_ENV, parse_count, "a number of instances, at least 1")?
                .unwrap_or(defaults.max_instances),
        })
    }
}

fn parse_count(value: &str) -> Option<u32> {
    value.parse().ok().filter(|count| *count > 0)
}

/// `64MiB`, `64M`, `512KiB`, `1GiB`, or bytes; the units are binary (wasm pages are 64 KiB).
fn parse_size(value: &str) -> Option<u64> {
    let digits = value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len());
    let (number, unit) = value.split_at(digits);
    let shift = match unit.trim() {
        "" | "B" => 0,
        "K" | "KiB" => 10,
        "M" | "MiB" => 20,
        "G" | "GiB" => 30,
        _ => return None,
    };
    number.parse::<u64>().ok()?.checked_mul(1 << shift).filter(|bytes| *bytes > 0)
}

/// `500ms`, `2s` or `1m`.
fn parse_duration(value: &str) -> Option<Duration> {
    let digits = value.find(|c: char| !c.is_ascii_digit()).unwrap_or(value.len());
    let (number, unit) = value.split_at(digits);
    let number: u64 = number.parse().ok()?;
    let duration = match unit.trim() {
        "ms" => Duration::from_millis(number),
        "s" => Duration::from_secs(number),
        "m" => Duration::from_secs(number.checked_mul(60)?),
        _ => return None,
    };
    Some(duration).filter(|duration| !duration.is_zero())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::setting::vars;

    fn limits(pairs: &[(&str, &str)]) -> Result<Limits, SettingError> {
        Limits::from_vars(vars(pairs))
    }

    #[test]
    fn unset_or_empty_variables_give_the_defaults() {
        assert_eq!(limits(&[]), Ok(Limits::default()));
        assert_eq!(limits(&[(TIMEOUT_ENV, " "), (MAX_MEMORY_ENV, "")]), Ok(Limits::default()));
    }

    #[test]
    fn sizes_durations_and_counts_are_read() {
        let read = limits(&[(MAX_MEMORY_ENV, "64MiB"), (TIMEOUT_ENV, "500ms"), (MAX_INSTANCES_ENV, "8")]);
        assert_eq!(read, Ok(Limits { max_memory: 64 << 20, timeout: Duration::from_millis(500), max_instances: 8 }));
        assert_eq!(parse_size("2G"), Some(2 << 30));
        assert_eq!(parse_size("65536"), Some(65536));
        assert_eq!(parse_duration("2s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Some(Duration::from_secs(60)));
    }

    #[test]
    fn bad_values_name_the_variable_and_the_expected_form() {
        for (name, value) in [(MAX_MEMORY_ENV, "lots"), (MAX_MEMORY_ENV, "0"), (TIMEOUT_ENV, "2"), (TIMEOUT_ENV, "0s")]
        {
            let error = limits(&[(name, value)]).expect_err(value).to_string();
            assert!(error.starts_with(&format!("{name} is `{value}`: expected a")), "{error}");
        }
        let error = limits(&[(MAX_INSTANCES_ENV, "0")]).expect_err("zero instances").to_string();
        assert!(error.contains("at least 1"), "{error}");
    }
}
