//! A reader between the source and everything downstream: it counts the bytes, notices a body
//! that ends or breaks early (so the failure can be told from a broken archive), and reports
//! progress on the schedule.

use crate::{Failure, Progress, Report};
use std::io::{self, Read};
use std::time::{Duration, Instant};

/// When progress of a download is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgressSchedule {
    /// Downloads smaller than this report nothing.
    pub min_size: u64,
    /// A line at the latest this long after the previous one (and at each quarter).
    pub interval: Duration,
}

impl Default for ProgressSchedule {
    /// 4 MiB and 5 s: inventories and small tools stay quiet, a toolchain shows a line at each
    /// quarter and every 5 s on a slow link.
    fn default() -> Self {
        Self { min_size: 4 * 1024 * 1024, interval: Duration::from_secs(5) }
    }
}

pub(crate) struct Meter<'a, R> {
    inner: R,
    file_name: &'a str,
    length: Option<u64>,
    received: u64,
    failure: Option<Failure>,
    schedule: ProgressSchedule,
    report: &'a dyn Report,
    started: Instant,
    last_line: Instant,
    last_quarter: u64,
    finished: bool,
}

impl<'a, R: Read> Meter<'a, R> {
    pub(crate) fn new(
        inner: R,
        file_name: &'a str,
        length: Option<u64>,
        schedule: ProgressSchedule,
        report: &'a dyn Report,
    ) -> Self {
        let now = Instant::now();
        Self {
            inner,
            file_name,
            length,
            received: 0,
            failure: None,
            schedule,
            report,
            started: now,
            last_line: now,
            last_quarter: 0,
            finished: false,
        }
    }

    /// The announced length, if the source had one.
    pub(crate) fn length(&self) -> Option<u64> {
        self.length
    }

    pub(crate) fn received(&self) -> u64 {
        self.received
    }

    /// How the source itself failed, if it did: errors downstream are then its consequence.
    pub(crate) fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }

    /// The failure of a body that ends now, short of its announced length.
    fn truncation(&self) -> Option<Failure> {
        let expected = self.length.filter(|expected| self.received < *expected)?;
        Some(Failure::Truncated { received: self.received, expected: Some(expected) })
    }

    fn is_large(&self) -> bool {
        self.length.unwrap_or(self.received) >= self.schedule.min_size
    }

    fn report(&mut self, finished: bool) {
        let now = Instant::now();
        self.last_line = now;
        self.report.progress(&Progress {
            file_name: self.file_name,
            total: self.length,
            received: self.received,
            elapsed: now - self.started,
            finished,
        });
    }

    fn report_if_due(&mut self) {
        if !self.is_large() {
            return;
        }
        let quarter = self.length.filter(|length| *length > 0).map_or(0, |length| self.received * 4 / length);
        // The last quarter is the finished line.
        let new_quarter = quarter > self.last_quarter && quarter < 4;
        if new_quarter || self.last_line.elapsed() >= self.schedule.interval {
            self.last_quarter = self.last_quarter.max(quarter);
            self.report(false);
        }
    }
}

impl<R: Read> Read for Meter<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inner.read(buf) {
            Ok(0) if !buf.is_empty() => {
                if let Some(failure) = self.truncation() {
                    let error = io::Error::new(io::ErrorKind::UnexpectedEof, failure.to_string());
                    self.failure = Some(failure);
                    return Err(error);
                }
                // Consumers may read the end more than once (a decoder, then the final drain).
                if self.is_large() && !self.finished {
                    self.finished = true;
                    self.report(true);
                }
                Ok(0)
            }
            Ok(count) => {
                self.received += count as u64;
                self.report_if_due();
                Ok(count)
            }
            Err(error) if error.kind() == io::ErrorKind::Interrupted => Err(error),
            // ureq reports a reset and a close before the Content-Length alike, as an early end.
            Err(error) if error.kind() == io::ErrorKind::UnexpectedEof && self.truncation().is_some() => {
                self.failure = self.truncation();
                Err(error)
            }
            Err(error) => {
                self.failure = Some(Failure::Broken { received: self.received, cause: error.to_string() });
                Err(error)
            }
        }
    }
}
