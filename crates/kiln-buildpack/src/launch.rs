//! The process every kiln image starts: `web`, the default, run in the app directory (where
//! the files an image keeps are, at their paths in the source).

use libcnb::build::{BuildResult, BuildResultBuilder};
use libcnb::data::launch::{LaunchBuilder, ProcessBuilder, WorkingDirectory};
use libcnb::data::process_type;

/// The build result whose default process `web` runs `command` (program first).
pub fn web_process<E>(command: impl IntoIterator<Item = String>) -> libcnb::Result<BuildResult, E> {
    BuildResultBuilder::new()
        .launch(
            LaunchBuilder::new()
                .process(
                    ProcessBuilder::new(process_type!("web"), command)
                        .default(true)
                        .working_directory(WorkingDirectory::App)
                        .build(),
                )
                .build(),
        )
        .build()
}
