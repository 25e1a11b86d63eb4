//! kiln's output is where the platform library reports its steps.

use crate::output::Output;

impl kiln_platform::Reporter for Output {
    fn phase(&self, title: &str) {
        Output::phase(self, title);
    }

    fn info(&self, message: &str) {
        Output::info(self, message);
    }
}
