//! kiln's error contract.
//!
//! Every failure a user or a machine sees has a stable [`ErrorKind`]: one CamelCase word that
//! `--json` carries, that Shipwright reports as `shp-error-reason`, and whose [`ErrorClass`]
//! decides kiln's exit status. A buildpack's failure is an [`ErrorMessage`] (kind, header,
//! body, advice); [`ErrorMessage::print`] shows it to people and leaves one record line for the
//! platform, which [`ErrorMessage::last_in`] reads back from the build's log. Both directions
//! live here so that they cannot drift apart.

mod kind;
mod message;

pub use kind::{ErrorClass, ErrorKind, KindedError};
pub use message::{ErrorMessage, RECORD_PREFIX};
