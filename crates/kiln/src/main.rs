//! `kiln`: build function source into OCI images with Cloud Native Buildpacks, daemonless.

mod commands;
mod failure;
mod output;
mod reporter;
mod result_files;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kiln",
    version,
    about = "Turn function source into OCI images with Cloud Native Buildpacks, no Docker needed"
)]
struct Cli {
    /// Print one JSON document on stdout instead of human-readable progress.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build source into an image and publish it to a registry.
    Build(commands::build::Args),
    /// Pull an image and run its default process under runc.
    Run(commands::run::Args),
    /// Build and publish the stack's build and run base images.
    #[command(subcommand)]
    Stack(commands::stack::Command),
    /// Assemble and publish a builder image from builder.toml.
    #[command(subcommand)]
    Builder(commands::builder::Command),
    /// Show what kiln's cache holds, or clear it.
    Cache(commands::cache::Args),
    /// Shipwright: write the `Build` and `BuildRun` for a function directory, or check documents.
    #[command(subcommand)]
    Shipwright(commands::shipwright::Command),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let out = output::Output::new(cli.json);
    let result = match cli.command {
        Command::Build(args) => commands::build::run(args, &out).await,
        Command::Run(args) => commands::run::run(args, &out).await,
        Command::Stack(cmd) => commands::stack::run(cmd, &out).await,
        Command::Builder(cmd) => commands::builder::run(cmd, &out).await,
        Command::Cache(args) => commands::cache::run(args, &out),
        Command::Shipwright(cmd) => commands::shipwright::run(cmd, &out),
    };
    match result {
        Ok(code) => code,
        Err(error) => ExitCode::from(out.error(&error)),
    }
}
