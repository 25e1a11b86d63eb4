//! User-facing messages shared by kiln buildpacks.
//!
//! A failed build tells the user three things: what went wrong (header), the details (body)
//! and what to do about it (advice). Each buildpack turns its error enum into an
//! [`ErrorMessage`] and calls [`print_error`] from `Buildpack::on_error`.

use libherokubuildpack::log::log_error;

/// An error as the user reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorMessage {
    /// One line naming the problem, e.g. "Go 1.99 is not available".
    pub header: String,
    /// The details: what was tried, tool output.
    pub body: String,
    /// What to change to fix it.
    pub advice: String,
}

impl ErrorMessage {
    /// The body followed by the advice, as printed under the header.
    #[must_use]
    pub fn details(&self) -> String {
        format!("{}\n\n{}", self.body.trim_end(), self.advice)
    }
}

/// Prints `message` to stderr in the libherokubuildpack error style.
pub fn print_error(message: &ErrorMessage) {
    log_error(&message.header, message.details());
}

/// Prints an error from a libcnb buildpack: the buildpack's own errors through `describe`, the
/// framework's (unreadable layers, bad platform files) with generic advice.
pub fn print_libcnb_error<E: std::fmt::Debug>(error: libcnb::Error<E>, describe: impl FnOnce(E) -> ErrorMessage) {
    let message = match error {
        libcnb::Error::BuildpackError(error) => describe(error),
        framework => ErrorMessage {
            header: "The buildpack framework failed".to_string(),
            body: framework.to_string(),
            advice: "This is not caused by your code: retry the build, and report it with this output if it persists."
                .to_string(),
        },
    };
    print_error(&message);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_put_the_advice_after_the_body() {
        let message =
            ErrorMessage { header: "header".to_string(), body: "body\n".to_string(), advice: "advice".to_string() };
        assert_eq!(message.details(), "body\n\nadvice");
    }
}
