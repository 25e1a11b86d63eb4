//! Trying again after failures that may pass, with a growing pause between attempts.

use crate::{DownloadError, Failure, Report, Retry};
use std::time::Duration;

/// How often a download is attempted and how long to wait in between: `first_delay`, doubled
/// after each failure, at most `max_delay`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetrySchedule {
    /// Attempts in all, the first included (at least 1).
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetrySchedule {
    /// 4 attempts, 1 s, 2 s and 4 s apart: rides out a mirror restart or a dropped connection
    /// without making a permanently broken URL wait long.
    fn default() -> Self {
        Self { attempts: 4, first_delay: Duration::from_secs(1), max_delay: Duration::from_secs(8) }
    }
}

impl RetrySchedule {
    /// The pause before attempt `next` (2 for the first retry).
    fn delay_before(&self, next: u32) -> Duration {
        let doublings = next.saturating_sub(2).min(16);
        self.first_delay.saturating_mul(1 << doublings).min(self.max_delay)
    }
}

/// How one attempt ended, when it did not succeed.
#[derive(Debug)]
pub(crate) enum AttemptError {
    /// The network failed; retried while the failure is transient and attempts remain.
    Network(Failure),
    /// Anything else (a checksum mismatch, a full disk): retrying would not change it.
    Final(DownloadError),
}

impl From<DownloadError> for AttemptError {
    fn from(error: DownloadError) -> Self {
        Self::Final(error)
    }
}

/// Runs `attempt` until it succeeds, fails for good, or the schedule runs out, telling
/// `report` about each retry.
pub(crate) fn with_retries<T>(
    schedule: &RetrySchedule,
    report: &dyn Report,
    location: &str,
    mut attempt: impl FnMut() -> Result<T, AttemptError>,
) -> Result<T, DownloadError> {
    let attempts = schedule.attempts.max(1);
    let mut number = 1;
    loop {
        match attempt() {
            Ok(value) => return Ok(value),
            Err(AttemptError::Final(error)) => return Err(error),
            Err(AttemptError::Network(failure)) if failure.is_transient() && number < attempts => {
                number += 1;
                let delay = schedule.delay_before(number);
                report.retrying(&Retry { location, failure: &failure, attempt: number, attempts, delay });
                std::thread::sleep(delay);
            }
            Err(AttemptError::Network(failure)) => {
                return Err(DownloadError::Failed { location: location.to_string(), failure, attempts: number })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_maximum() {
        let schedule = RetrySchedule::default();
        let delays: Vec<_> = (2..=6).map(|next| schedule.delay_before(next).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 8]);
    }
}
