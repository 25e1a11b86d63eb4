//! Printing a buildpack's failure from `Buildpack::on_error`, in kiln's error contract.

use kiln_error::{ErrorKind, ErrorMessage};

/// Prints an error from a libcnb buildpack: the buildpack's own errors through `describe`, the
/// framework's with the kind their cause suggests.
pub fn print_libcnb_error<E: std::fmt::Debug>(error: libcnb::Error<E>, describe: impl FnOnce(E) -> ErrorMessage) {
    framework_message(error, describe).print();
}

fn framework_message<E: std::fmt::Debug>(
    error: libcnb::Error<E>,
    describe: impl FnOnce(E) -> ErrorMessage,
) -> ErrorMessage {
    match error {
        libcnb::Error::BuildpackError(error) => describe(error),
        // Reading and writing layers fails for the machine's reasons: disk space, permissions,
        // a damaged cache.
        layer @ libcnb::Error::LayerError(_) => ErrorMessage::new(
            ErrorKind::FilesystemError,
            "Cannot read or write a layer",
            layer.to_string(),
            "Check the free space and permissions of the build's layers directory; if a cached layer is damaged, clear the build cache and build again.",
        ),
        framework => ErrorMessage::new(
            ErrorKind::Internal,
            "The buildpack framework failed",
            framework.to_string(),
            "This is not caused by your code: retry the build, and report it with this output if it persists.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_buildpacks_own_errors_keep_their_message_and_layer_failures_are_the_machines() {
        let own = framework_message(libcnb::Error::BuildpackError("mine"), |text| {
            ErrorMessage::new(ErrorKind::CompileError, text, "", "")
        });
        assert_eq!((own.kind, own.header.as_str()), (ErrorKind::CompileError, "mine"));
        let io = std::io::Error::other("disk full");
        let layer: libcnb::Error<&str> = libcnb::Error::LayerError(libcnb::layer::LayerError::IoError(io));
        assert_eq!(framework_message(layer, |_| unreachable!()).kind, ErrorKind::FilesystemError);
        let other: libcnb::Error<&str> = libcnb::Error::CannotDetermineAppDirectory(std::io::Error::other("gone"));
        assert_eq!(framework_message(other, |_| unreachable!()).kind, ErrorKind::Internal);
    }
}
