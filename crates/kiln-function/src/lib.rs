//! The function contract every kiln language buildpack follows.
//!
//! A build is a *function build* when `FUNC_NAME` (OpenFunction's name) or
//! `GOOGLE_FUNCTION_TARGET` (Google Cloud Functions') names the function to serve. The
//! signature type and the source location come from variables of the same two families. Each
//! buildpack reads them through [`FunctionConfig::from_env`] so that names, aliases, defaults
//! and messages are the same in every language; what a signature looks like in a language
//! stays in that language's buildpack.

mod config;
mod messages;
mod name;
mod server;
mod signature;

pub use config::{ConfigError, ContractVar, FunctionConfig, FUNCTION_SOURCE, FUNCTION_TARGET, SIGNATURE_TYPE};
pub use messages::{function_not_found, wrong_signature, FoundFunction};
pub use name::{check_function_name, IdentifierRule, InvalidFunctionName};
pub use server::{ADDRESS_ENV, DEFAULT_PORT, PORT_ENV};
pub use signature::{SignatureType, UnknownSignatureType};
