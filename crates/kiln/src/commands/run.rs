use crate::output::Output;
use std::process::ExitCode;

#[derive(clap::Args)]
pub(crate) struct Args {}

pub(crate) async fn run(_args: Args, _out: &Output) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not implemented yet")
}
