//! The core of kiln's language buildpacks: what every buildpack does the same way, so that a
//! buildpack is mostly its language's logic.

mod failure;

pub use failure::print_libcnb_error;
