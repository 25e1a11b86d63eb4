//! The process every kiln image starts: `web`, the default, run in the app directory (where
//! the files an image keeps are, at their paths in the source), with `PORT` defaulting to the
//! function contract's port.

use kiln_function::{DEFAULT_PORT, PORT_ENV};
use libcnb::data::launch::{Launch, LaunchBuilder, ProcessBuilder, WorkingDirectory};
use libcnb::data::process_type;
use libcnb::layer_env::{LayerEnv, ModificationBehavior, Scope};

/// `command` (program first) as the default process `web`, run in the app directory.
#[must_use]
pub fn web_process(command: impl IntoIterator<Item = String>) -> Launch {
    LaunchBuilder::new()
        .process(
            ProcessBuilder::new(process_type!("web"), command)
                .default(true)
                .working_directory(WorkingDirectory::App)
                .build(),
        )
        .build()
}

/// The launch layer's env: `PORT` is 8080 unless the platform sets it.
#[must_use]
pub fn default_port_env() -> LayerEnv {
    LayerEnv::new().chainable_insert(Scope::Launch, ModificationBehavior::Default, PORT_ENV, DEFAULT_PORT.to_string())
}
