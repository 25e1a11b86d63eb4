//! The tools from the inventory: CPython (the runtime, in the image) and uv (the installer,
//! build only).

use kiln_buildpack::{ArchiveContents, Toolchain};
use kiln_inventory::Tool;
use std::path::{Component, Path};

/// python-build-standalone archives and the uv wheel, with their sha256.
const EMBEDDED_INVENTORY: &str = include_str!("../inventory.toml");

pub(crate) const PYTHON: Toolchain = Toolchain {
    tool: Tool::main("python"),
    title: "Python",
    embedded_inventory: EMBEDDED_INVENTORY,
    contents: ArchiveContents {
        rule: "runtime-3",
        keep: in_the_runtime,
        left_out: "left out pip, the test suite, Tk, the static library and the archive's bytecode",
    },
};

pub(crate) const UV: Toolchain = Toolchain {
    tool: Tool::secondary("uv"),
    title: "uv",
    embedded_inventory: EMBEDDED_INVENTORY,
    contents: ArchiveContents { rule: "wheel", keep: |_| true, left_out: "the wheel is kept as it is" },
};

/// Whether an entry of a CPython archive (`python/lib/python3.12/…`) goes into the runtime:
/// not pip (uv installs packages; the image must not carry an installer), not what only
/// CPython's developers or a desktop use, and not the archive's bytecode. That bytecode is
/// stamped with its source's modification time, which the image does not keep (the lifecycle
/// gives every file the same one), so Python would compile the standard library again at every
/// start; the Python layer compiles it anew, stamped with hashes (see bytecode.rs). It also
/// holds `-O` and `-OO` variants, which no function or app runs with.
fn in_the_runtime(path: &Path) -> bool {
    let parts: Vec<&str> = path
        .components()
        .filter_map(|component| match component {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    match parts.as_slice() {
        [_, "share", ..] => false,
        [_, "bin", program] => !["pip", "idle", "pydoc", "2to3"].iter().any(|tool| program.starts_with(tool)),
        [_, "lib", library, ..]
            if ["libtcl", "libtk", "tcl", "tk", "itcl", "thread"].iter().any(|tk| library.starts_with(tk)) =>
        {
            false
        }
        [_, "lib", stdlib, .., "__pycache__", _] if stdlib.starts_with("python3") => false,
        [_, "lib", stdlib, module, rest @ ..] if stdlib.starts_with("python3") => match *module {
            "test" | "idlelib" | "tkinter" | "turtledemo" | "ensurepip" => false,
            "site-packages" => !rest.first().is_some_and(|package| package.starts_with("pip")),
            "lib-dynload" => {
                !rest.first().is_some_and(|module| module.starts_with("_tkinter") || module.starts_with("_test"))
            }
            config => !config.starts_with("config-"),
        },
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_leaves_out_pip_tests_and_tk() {
        for kept in [
            "python/bin/python3.12",
            "python/lib/libpython3.12.so.1.0",
            "python/lib/python3.12/ssl.py",
            "python/lib/python3.12/lib-dynload/_ssl.cpython-312-x86_64-linux-gnu.so",
            "python/lib/python3.12/site-packages/README.txt",
            "python/include/python3.12/Python.h",
            "python/lib/libssl.so.3",
        ] {
            assert!(in_the_runtime(Path::new(kept)), "{kept}");
        }
        for left_out in [
            "python/bin/pip3",
            "python/lib/python3.12/site-packages/pip/__init__.py",
            "python/lib/python3.12/site-packages/pip-24.0.dist-info/RECORD",
            "python/lib/python3.12/ensurepip/_bundled/pip.whl",
            "python/lib/python3.12/test/test_os.py",
            "python/lib/python3.12/tkinter/__init__.py",
            "python/lib/python3.12/config-3.12-x86_64-linux-gnu/libpython3.12.a",
            "python/lib/python3.12/lib-dynload/_tkinter.cpython-312-x86_64-linux-gnu.so",
            "python/lib/python3.12/__pycache__/ssl.cpython-312.pyc",
            "python/lib/python3.12/json/__pycache__/decoder.cpython-312.opt-2.pyc",
            "python/lib/tcl8.6/init.tcl",
            "python/share/man/man1/python3.1",
        ] {
            assert!(!in_the_runtime(Path::new(left_out)), "{left_out}");
        }
    }

    #[test]
    fn the_embedded_inventory_offers_3_12_to_3_14_and_uv() {
        use crate::python_version::PythonVersion;
        let (python, _) = kiln_inventory::load::<PythonVersion>(None, EMBEDDED_INVENTORY, PYTHON.tool).expect("parses");
        let versions: Vec<String> = python.versions("linux", "amd64").iter().map(ToString::to_string).collect();
        assert_eq!(versions, ["3.14.0", "3.13.9", "3.12.12"]);
        assert!(python.artifacts.iter().all(|artifact| artifact.url.contains("install_only_stripped")));
        let (uv, _) = kiln_inventory::load::<String>(None, EMBEDDED_INVENTORY, UV.tool).expect("parses");
        assert_eq!(uv.artifacts.len(), 1);
        assert!(uv.artifacts[0].url.starts_with("https://files.pythonhosted.org/"));
    }
}
