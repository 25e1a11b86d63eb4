//! One module per subcommand: its clap arguments and its `run`.

pub(crate) mod build;
pub(crate) mod builder;
pub(crate) mod cache;
pub(crate) mod run;
pub(crate) mod shipwright;
pub(crate) mod stack;
