//! Printing a buildpack's failure from `Buildpack::on_error`, in kiln's error contract.

use kiln_error::{ErrorKind, ErrorMessage};

/// Prints an error from a libcnb buildpack: the buildpack's own errors through `describe`, the
/// framework's (unreadable layers, bad platform files) with generic advice.
pub fn print_libcnb_error<E: std::fmt::Debug>(error: libcnb::Error<E>, describe: impl FnOnce(E) -> ErrorMessage) {
    let message = match error {
        libcnb::Error::BuildpackError(error) => describe(error),
        framework => ErrorMessage::new(
            ErrorKind::Internal,
            "The buildpack framework failed",
            framework.to_string(),
            "This is not caused by your code: retry the build, and report it with this output if it persists.",
        ),
    };
    message.print();
}
