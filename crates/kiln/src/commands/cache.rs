//! `kiln cache`: what kiln's cache holds (`kiln cache`), and clearing it (`kiln cache clear`,
//! whole, or one image's build cache with `--image`).

use crate::output::Output;
use kiln_oci::ImageRef;
use kiln_platform::cache_usage::{self, CacheUsage};
use kiln_platform::{human_size, Cache};
use std::fmt::Write;
use std::process::ExitCode;

#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Remove what kiln's cache holds; a cache that a running build uses is never removed.
    Clear {
        /// Only the build cache of this image's repository (its tag does not matter).
        #[arg(long)]
        image: Option<String>,
    },
}

pub(crate) fn run(args: Args, out: &Output) -> anyhow::Result<ExitCode> {
    let cache = Cache::locate()?;
    match args.action {
        None => {
            let usage = cache_usage::usage(&cache)?;
            out.result(&describe(&usage), &usage);
        }
        Some(Action::Clear { image }) => {
            let image: Option<ImageRef> = image
                .map(|reference| {
                    reference.parse().map_err(|error| {
                        kiln_error::KindedError::new(
                            kiln_error::ErrorKind::InvalidArgument,
                            format!("--image `{reference}` is not an image reference: {error}"),
                        )
                        .with_advice("write it as registry/repository[:tag]")
                    })
                })
                .transpose()?;
            let cleared = cache_usage::clear(&cache, image.as_ref())?;
            let what = image.as_ref().map_or_else(
                || format!("kiln's cache {}", cache.root().display()),
                |image| format!("the build cache of {}", kiln_platform::repository_of(image)),
            );
            out.result(&format!("Cleared {what}: {} freed", human_size(cleared.freed_bytes)), &cleared);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The cache for people: totals by kind, then each unpacked image and build cache.
fn describe(usage: &CacheUsage) -> String {
    let mut text = format!("{} ({})\n", usage.root.display(), human_size(usage.total_bytes));
    for entry in &usage.entries {
        let _ = writeln!(text, "  {:<16} {:>12}", entry.name, human_size(entry.bytes));
    }
    if !usage.images.is_empty() {
        text.push_str("unpacked images:\n");
        for image in &usage.images {
            let _ = writeln!(text, "  {:<76} {:>12}", image.name, human_size(image.bytes));
        }
    }
    if !usage.build_caches.is_empty() {
        text.push_str("build caches (kiln cache clear --image REF clears one):\n");
        for found in &usage.build_caches {
            let running = if found.in_use { "  (a build is running)" } else { "" };
            let _ = writeln!(text, "  {:<60} {:>12}{running}", found.repository, human_size(found.bytes));
        }
    }
    text.trim_end().to_string()
}
