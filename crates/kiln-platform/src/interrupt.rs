//! Ctrl-C and SIGTERM during a build. Once [`Interrupt::listen`] has run, neither signal ends
//! kiln on the spot any more: each step of the build races the signal and, when it comes
//! first, stops in a way that leaves nothing behind (the scratch directory is removed by its
//! guard, a copy in progress is told to stop and waited for, the lifecycle's container is
//! stopped and deleted by kiln-runc). The build then fails with kind `Interrupted`.

use kiln_error::ErrorKind;
use std::future::Future;
use tokio::signal::unix::{signal, Signal, SignalKind};

pub struct Interrupt {
    interrupt: Signal,
    terminate: Signal,
}

impl Interrupt {
    pub fn listen() -> anyhow::Result<Self> {
        let listen = |kind| {
            signal(kind).map_err(|error| {
                crate::errors::kinded(
                    ErrorKind::Internal,
                    format!("cannot listen for Ctrl-C: {error}"),
                    "report this as a kiln bug",
                )
            })
        };
        Ok(Self { interrupt: listen(SignalKind::interrupt())?, terminate: listen(SignalKind::terminate())? })
    }

    /// Waits for SIGINT or SIGTERM and names it. Cancel-safe: a signal that arrives while
    /// nobody waits is kept for the next call.
    pub async fn received(&mut self) -> &'static str {
        tokio::select! {
            _ = self.interrupt.recv() => "SIGINT",
            _ = self.terminate.recv() => "SIGTERM",
        }
    }

    /// `step`'s result, or an interrupt error if a signal comes first (`step` is dropped then:
    /// it must leave nothing behind when dropped).
    pub async fn race<T>(&mut self, step: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
        tokio::select! {
            result = step => result,
            signal = self.received() => Err(interrupted(signal)),
        }
    }
}

/// The error of a build stopped by `signal`.
/// A creator run's failure as the build's error: a stop by Ctrl-C or SIGTERM is an interruption.
pub(crate) fn creator_error(error: kiln_lifecycle::LifecycleError) -> anyhow::Error {
    match error {
        kiln_lifecycle::LifecycleError::Runc(kiln_runc::RuncError::Interrupted { signal }) => interrupted(signal),
        other => other.into(),
    }
}

pub(crate) fn interrupted(signal: &str) -> anyhow::Error {
    crate::errors::kinded(
        ErrorKind::Interrupted,
        format!("interrupted ({signal}): the build stopped before it finished; nothing was published"),
        "build again when you want the image",
    )
}
