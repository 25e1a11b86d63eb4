//! What the unit tests that run the machine's real `go` share.

use crate::go_env::{go_build_env, GoCaches};
use libcnb::Env;
use std::path::{Path, PathBuf};

pub(crate) fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../test-fixtures").join(name)
}

/// The buildpack's Go environment with caches shared across test runs, so only the first run
/// compiles the runtime and downloads modules. They live in the target directory beside the
/// test binary: it belongs to whoever builds, where a fixed path in /tmp would belong to the
/// first user who ran the tests and refuse everyone else.
pub(crate) fn test_env() -> Env {
    let test_binary = std::env::current_exe().expect("the test binary's path");
    let deps_dir = test_binary.parent().expect("the test binary is in a directory");
    let caches_root = deps_dir.join("kiln-go-function-tests");
    let module_cache = caches_root.join("modules");
    let build_cache = caches_root.join("build");
    let caches = GoCaches { module_cache: &module_cache, build_cache: &build_cache };
    go_build_env(&Env::from_current(), &Env::new(), &caches)
}
