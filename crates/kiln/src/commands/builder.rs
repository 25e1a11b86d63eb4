use crate::output::Output;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub(crate) enum Command {}

pub(crate) async fn run(command: Command, _out: &Output) -> anyhow::Result<ExitCode> {
    match command {}
}
