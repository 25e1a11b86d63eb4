//! Showing a container's output as it arrives while keeping its end for kiln to read.
//!
//! The container writes its stdout and stderr into one pipe instead of kiln's stderr; a task
//! reads it while the container runs (a pipe left unread would stall the container), writes
//! each chunk through to kiln's stderr at once (people watch builds live) and adds it to a
//! bounded tail.

use std::io;
use std::process::Stdio as ProcessStdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::unix::pipe;
use tokio::task::JoinHandle;

/// How long the pipe may stay open once the container has ended. Its processes die with it,
/// closing their ends at once; this only guards against a writer kiln does not know of.
const DRAIN_GRACE: Duration = Duration::from_secs(5);

/// The read end of the pipe a container writes to.
pub(crate) struct Pipe(pipe::Receiver);

/// What the container gets as its standard output and standard error: the pipe's write end.
/// (One pipe does not keep their lines in the order written: runc copies the container's
/// stdout and stderr into it separately.)
pub(crate) struct ChildOutput {
    pub(crate) stdout: ProcessStdio,
    pub(crate) stderr: ProcessStdio,
}

impl Pipe {
    pub(crate) fn new() -> io::Result<(Self, ChildOutput)> {
        let (writer, reader) = pipe::pipe()?;
        let writer = writer.into_blocking_fd()?;
        let output = ChildOutput { stdout: writer.try_clone()?.into(), stderr: writer.into() };
        Ok((Self(reader), output))
    }

    /// Starts relaying the pipe to kiln's stderr, keeping its last `keep` bytes.
    pub(crate) fn relay(self, keep: usize) -> Relay {
        let tail = Arc::new(Mutex::new(Tail::new(keep)));
        let task = tokio::spawn(relay(self.0, Box::new(tokio::io::stderr()), Arc::clone(&tail)));
        Relay { task, tail }
    }
}

/// A pipe being relayed.
pub(crate) struct Relay {
    task: JoinHandle<()>,
    tail: Arc<Mutex<Tail>>,
}

impl Relay {
    /// Waits for the pipe to be drained (call it once the container has ended) and returns
    /// the kept output.
    pub(crate) async fn finish(self) -> String {
        let abort = self.task.abort_handle();
        if tokio::time::timeout(DRAIN_GRACE, self.task).await.is_err() {
            abort.abort();
        }
        self.tail.lock().unwrap_or_else(PoisonError::into_inner).text()
    }
}

/// Copies `reader` to `writer` chunk by chunk, flushing each, until the pipe closes. Output
/// that cannot be shown (kiln's stderr closed) is still read and kept: the container must not
/// stall on a full pipe.
async fn relay(mut reader: impl AsyncRead + Unpin, writer: Box<dyn AsyncWrite + Send + Unpin>, tail: Arc<Mutex<Tail>>) {
    let mut writer = Some(writer);
    let mut buffer = vec![0; 16 * 1024];
    loop {
        let read = match reader.read(&mut buffer).await {
            Ok(0) => return,
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        let chunk = &buffer[..read];
        tail.lock().unwrap_or_else(PoisonError::into_inner).push(chunk);
        if let Some(out) = &mut writer {
            if write_through(out, chunk).await.is_err() {
                writer = None;
            }
        }
    }
}

async fn write_through(writer: &mut (dyn AsyncWrite + Send + Unpin), chunk: &[u8]) -> io::Result<()> {
    writer.write_all(chunk).await?;
    writer.flush().await
}

/// The last `limit` bytes pushed into it, as text.
#[derive(Debug)]
struct Tail {
    bytes: Vec<u8>,
    limit: usize,
    /// Whether the bytes dropped so far ended inside a line.
    dropped_mid_line: bool,
}

impl Tail {
    fn new(limit: usize) -> Self {
        Self { bytes: Vec::new(), limit, dropped_mid_line: false }
    }

    fn push(&mut self, chunk: &[u8]) {
        self.bytes.extend_from_slice(chunk);
        // Dropping only once twice the limit is held moves each byte a bounded number of times.
        if self.bytes.len() > self.limit.saturating_mul(2) {
            let excess = self.bytes.len() - self.limit;
            self.dropped_mid_line = self.bytes[excess - 1] != b'\n';
            self.bytes.drain(..excess);
        }
    }

    /// The kept bytes, starting at a line: half a line would read as a line of its own.
    /// Bytes that are not UTF-8 are replaced, not refused.
    fn text(&self) -> String {
        let start = self.bytes.len().saturating_sub(self.limit);
        let mid_line = match start {
            0 => self.dropped_mid_line,
            _ => self.bytes[start - 1] != b'\n',
        };
        let mut kept = &self.bytes[start..];
        if mid_line {
            if let Some(newline) = kept.iter().position(|&byte| byte == b'\n') {
                kept = &kept[newline + 1..];
            }
        }
        String::from_utf8_lossy(kept).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_everything_under_the_limit() {
        let mut tail = Tail::new(100);
        tail.push(b"one\n");
        tail.push(b"two\n");
        assert_eq!(tail.text(), "one\ntwo\n");
    }

    #[test]
    fn tail_keeps_the_last_bytes_from_a_line_start() {
        let mut tail = Tail::new(10);
        for _ in 0..10 {
            tail.push(b"abcdef\n");
        }
        // The last 10 bytes are "ef\nabcdef\n": the cut line is left out.
        assert_eq!(tail.text(), "abcdef\n");
    }

    #[test]
    fn tail_keeps_a_line_that_starts_exactly_at_the_cut() {
        let mut tail = Tail::new(8);
        tail.push(b"1234567\n");
        tail.push(b"abcdefg\n");
        assert_eq!(tail.text(), "abcdefg\n");
        tail.push(b"ABCDEFG\n");
        assert_eq!(tail.text(), "ABCDEFG\n");
    }

    #[test]
    fn tail_keeps_one_long_line_cut() {
        let mut tail = Tail::new(4);
        tail.push(b"abcdefghij");
        assert_eq!(tail.text(), "ghij");
    }

    #[tokio::test]
    async fn relay_passes_everything_through_and_keeps_the_tail() {
        // Duplex streams end for the reader once the other end is dropped, like pipes.
        let (reader, mut source) = tokio::io::duplex(64);
        let (sink, mut shown) = tokio::io::duplex(1024);
        let tail = Arc::new(Mutex::new(Tail::new(8)));
        let relaying = tokio::spawn(relay(reader, Box::new(sink), Arc::clone(&tail)));
        source.write_all(b"first line\nsecond\n").await.expect("write");
        drop(source);
        relaying.await.expect("relay ends when the pipe closes");
        let mut passed = String::new();
        shown.read_to_string(&mut passed).await.expect("read what was shown");
        assert_eq!(passed, "first line\nsecond\n");
        assert_eq!(tail.lock().expect("tail").text(), "second\n");
    }
}
