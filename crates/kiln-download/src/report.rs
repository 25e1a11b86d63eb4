//! What a download tells the person watching the build: progress of large files and each retry.
//! The caller renders the lines (a buildpack through its own output style); `StderrReport` is
//! the plain default.

use crate::Failure;
use std::fmt;
use std::time::Duration;

/// Receives the lines worth showing while downloads run. The downloader decides when a line is
/// due (see [`crate::ProgressSchedule`]); implementations only render, usually with the
/// `Display` of the value they get.
pub trait Report {
    /// A large download moved on, or finished (`progress.finished`).
    fn progress(&self, progress: &Progress<'_>);
    /// An attempt failed in a way that may pass, and the next one starts after `retry.delay`.
    fn retrying(&self, retry: &Retry<'_>);
}

/// Where a download stands. Displays as
/// `Downloading go1.26.8.linux-amd64.tar.gz (64.0 MiB): 25% 16.0 MiB at 8.1 MiB/s`, or once
/// finished as `Downloaded go1.26.8.linux-amd64.tar.gz (64.0 MiB) in 7.9 s at 8.1 MiB/s`.
#[derive(Clone, Debug, PartialEq)]
pub struct Progress<'a> {
    /// The last segment of the location.
    pub file_name: &'a str,
    /// The size the server announced, if it did.
    pub total: Option<u64>,
    pub received: u64,
    /// Since this attempt started.
    pub elapsed: Duration,
    pub finished: bool,
}

impl Progress<'_> {
    /// The average rate of this attempt so far.
    #[must_use]
    pub fn bytes_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64().max(0.001);
        bytes_as_f64(self.received) / seconds
    }
}

impl fmt::Display for Progress<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rate = Size(self.bytes_per_second());
        let total = self.total.map(|total| format!(" ({})", ByteSize(total))).unwrap_or_default();
        if self.finished {
            return write!(f, "Downloaded {}{total} in {} at {rate}/s", self.file_name, Seconds(self.elapsed));
        }
        write!(f, "Downloading {}{total}: ", self.file_name)?;
        if let Some(total) = self.total.filter(|total| *total > 0) {
            write!(f, "{}% ", self.received * 100 / total)?;
        }
        write!(f, "{} at {rate}/s", ByteSize(self.received))
    }
}

/// A retry about to happen. Displays as
/// `Download of https://… failed (503 Service Unavailable), retrying in 1 s (attempt 2 of 4)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Retry<'a> {
    pub location: &'a str,
    pub failure: &'a Failure,
    /// The attempt about to start, counting from 1.
    pub attempt: u32,
    pub attempts: u32,
    pub delay: Duration,
}

impl fmt::Display for Retry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Download of {} failed ({}), retrying in {} (attempt {} of {})",
            self.location,
            self.failure,
            Seconds(self.delay),
            self.attempt,
            self.attempts
        )
    }
}

/// Prints each line to stderr as it is: for tools without an output style of their own.
#[derive(Clone, Copy, Debug, Default)]
pub struct StderrReport;

impl Report for StderrReport {
    fn progress(&self, progress: &Progress<'_>) {
        eprintln!("{progress}");
    }

    fn retrying(&self, retry: &Retry<'_>) {
        eprintln!("{retry}");
    }
}

#[allow(clippy::cast_precision_loss)] // One decimal of MiB is all a progress line shows.
fn bytes_as_f64(bytes: u64) -> f64 {
    bytes as f64
}

/// Bytes in binary units with one decimal: `512 B`, `3.5 KiB`, `64.0 MiB`, `1.2 GiB`. The one
/// way buildpacks write sizes (downloads, rates, caches).
pub struct ByteSize(pub u64);

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Size(bytes_as_f64(self.0)).fmt(f)
    }
}

/// [`ByteSize`] for fractional counts (a rate in bytes per second).
struct Size(f64);

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
        if self.0 < 1024.0 {
            return write!(f, "{:.0} B", self.0);
        }
        let mut value = self.0 / 1024.0;
        let mut unit = 0;
        while value >= 1024.0 && unit < UNITS.len() - 1 {
            value /= 1024.0;
            unit += 1;
        }
        write!(f, "{value:.1} {}", UNITS[unit])
    }
}

/// `1 s`, `7.9 s`, or `250 ms` below a second.
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let millis = self.0.as_millis();
        if millis < 1000 {
            write!(f, "{millis} ms")
        } else if millis.is_multiple_of(1000) {
            write!(f, "{} s", millis / 1000)
        } else {
            write!(f, "{:.1} s", self.0.as_secs_f64())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn progress(received: u64, total: Option<u64>, finished: bool) -> String {
        Progress {
            file_name: "go1.26.8.linux-amd64.tar.gz",
            total,
            received,
            elapsed: Duration::from_secs(2),
            finished,
        }
        .to_string()
    }

    #[test]
    fn progress_lines_give_size_share_and_rate() {
        assert_eq!(
            progress(16 * MIB, Some(64 * MIB), false),
            "Downloading go1.26.8.linux-amd64.tar.gz (64.0 MiB): 25% 16.0 MiB at 8.0 MiB/s"
        );
        assert_eq!(progress(3 * MIB, None, false), "Downloading go1.26.8.linux-amd64.tar.gz: 3.0 MiB at 1.5 MiB/s");
        assert_eq!(
            progress(3 * 1024 * MIB, Some(3 * 1024 * MIB), true),
            "Downloaded go1.26.8.linux-amd64.tar.gz (3.0 GiB) in 2 s at 1.5 GiB/s"
        );
    }

    #[test]
    fn retry_lines_say_why_when_and_which_attempt() {
        let failure = Failure::Status(503);
        let retry = Retry {
            location: "https://mirror/go.tar.gz",
            failure: &failure,
            attempt: 2,
            attempts: 4,
            delay: Duration::from_secs(1),
        };
        assert_eq!(
            retry.to_string(),
            "Download of https://mirror/go.tar.gz failed (503 Service Unavailable), retrying in 1 s (attempt 2 of 4)"
        );
        assert_eq!(Seconds(Duration::from_millis(1500)).to_string(), "1.5 s");
        assert_eq!(Seconds(Duration::from_millis(20)).to_string(), "20 ms");
    }
}
