//! Which files of the Go distribution the `go_dist` layer keeps. The lifecycle handles a cached
//! layer several times per build (unpacks it, re-tars it to hash it, re-reads the cached tar to
//! verify it), at a cost per file and per byte, so what no build reads is left out while the
//! archive is unpacked.

use std::path::{Component, Path};

/// Names the rule in [`needed_by_builds`]. It is stored in the layer's metadata, so a layer
/// installed under another rule (or before there was one) is replaced, not reused: change it
/// whenever the rule changes.
pub(crate) const CONTENTS: &str = "build-only-1";

/// GOROOT directories only Go's own development uses: its test suite, the API lists that
/// `go tool api` checks, release notes and specs, and editor/platform extras.
const UNUSED_DIRECTORIES: [&str; 4] = ["api", "doc", "misc", "test"];

/// Tools in `pkg/tool/<os>_<arch>/` that no build runs. `go build`, `go list`, `go mod` and
/// `go generate` run only compile, link, asm, cgo, cover (`-cover`) and preprofile (PGO, on by
/// default when a main package has a `default.pgo`); older releases also ship buildid and pack.
/// Those stay, as does any tool not named here, so a future release's new build tool is kept.
///
/// `fix` (only `go fix`, which rewrites sources) goes, and so do the inspection tools that
/// releases before Go 1.25 shipped (`go tool pprof` and the like are for people, not builds).
///
/// `vet` stays although the buildpack never runs it: `go test` looks for it even with
/// `-vet=off` and fails without it, and this layer is on PATH for later buildpacks, which may
/// test. At 9 MB of about 125 MB it is not worth that surprise.
const UNUSED_TOOLS: [&str; 8] = ["addr2line", "doc", "fix", "nm", "objdump", "pprof", "test2json", "trace"];

/// Whether a build needs the archive entry at `path_in_archive` (`go/src/fmt/print.go`: below
/// the archive's single top-level directory, which is GOROOT).
///
/// Besides [`UNUSED_DIRECTORIES`] and [`UNUSED_TOOLS`], the standard library's tests go
/// (`*_test.go` files and `testdata` directories under `src/`, which `go build` never reads), and
/// so does `src/cmd`: the sources of Go's own commands, whose binaries the archive already holds.
/// No package a user imports lives there; only `go tool <name>` for a tool the release does not
/// ship prebuilt compiles from it. It is a third of the files left, and restoring a cached
/// layer costs per file.
pub(crate) fn needed_by_builds(path_in_archive: &Path) -> bool {
    let below_goroot: Vec<&str> = path_in_archive
        .components()
        .skip(1)
        .filter_map(|component| match component {
            Component::Normal(name) => name.to_str(),
            _ => None,
        })
        .collect();
    match below_goroot.as_slice() {
        [directory, ..] if UNUSED_DIRECTORIES.contains(directory) => false,
        ["src", "cmd", ..] => false,
        ["src", below_src @ ..] => {
            !below_src.contains(&"testdata") && !below_src.last().is_some_and(|name| name.ends_with("_test.go"))
        }
        ["pkg", "tool", _platform, tool] => !UNUSED_TOOLS.contains(tool),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiln_download::testing::{checksum_of, quick_settings, tar_gz, RecordingReport};
    use kiln_download::{Downloader, Format};
    use std::fs;

    const KEPT: [&str; 14] = [
        "go/VERSION",
        "go/bin/go",
        "go/bin/gofmt",
        "go/lib/time/zoneinfo.zip",
        "go/src/fmt/print.go",
        "go/src/encoding/json/internal/jsontest/testdata.go",
        "go/src/cmdline/not_cmd.go",
        "go/pkg/include/funcdata.h",
        "go/pkg/tool/linux_amd64/compile",
        "go/pkg/tool/linux_amd64/link",
        "go/pkg/tool/linux_amd64/asm",
        "go/pkg/tool/linux_amd64/cgo",
        "go/pkg/tool/linux_amd64/preprofile",
        "go/pkg/tool/linux_amd64/vet",
    ];

    const DROPPED: [&str; 10] = [
        "go/test/fixedbugs/issue1.go",
        "go/api/go1.26.txt",
        "go/doc/go_spec.html",
        "go/misc/chrome/gophertool/popup.html",
        "go/src/fmt/fmt_test.go",
        "go/src/fmt/testdata/cases.txt",
        "go/src/cmd/go/testdata/script/build.txt",
        "go/src/cmd/compile/main.go",
        "go/pkg/tool/linux_amd64/fix",
        "go/pkg/tool/linux_arm64/pprof",
    ];

    #[test]
    fn keeps_what_builds_read_and_drops_the_rest() {
        for path in KEPT {
            assert!(needed_by_builds(Path::new(path)), "{path} must be kept");
        }
        for path in DROPPED {
            assert!(!needed_by_builds(Path::new(path)), "{path} must be dropped");
        }
    }

    #[test]
    fn the_dropped_directories_go_with_their_own_entries() {
        for directory in ["go/test/", "go/src/fmt/testdata/", "go/misc/", "go/src/cmd/"] {
            assert!(!needed_by_builds(Path::new(directory)), "{directory}");
        }
        for directory in ["go/", "go/src/", "go/pkg/tool/linux_amd64/"] {
            assert!(needed_by_builds(Path::new(directory)), "{directory}");
        }
    }

    #[test]
    fn installing_a_distribution_leaves_out_what_builds_do_not_read() {
        let directories = ["go/", "go/src/", "go/src/fmt/", "go/src/fmt/testdata/", "go/test/"];
        let entries: Vec<(&str, &[u8])> =
            directories.iter().chain(KEPT.iter()).chain(DROPPED.iter()).map(|path| (*path, path.as_bytes())).collect();
        let archive = tar_gz(&entries);
        let dir = tempfile::tempdir().expect("temp dir");
        let location = dir.path().join("go.tar.gz");
        fs::write(&location, &archive).expect("write archive");
        let checksum = checksum_of(&archive);
        let goroot = dir.path().join("layer");

        let downloader = Downloader::with_settings(&quick_settings(), RecordingReport::default()).expect("downloader");
        let location = location.to_str().expect("utf-8 path");
        downloader.install(location, &checksum, Format::TarGz, &goroot, needed_by_builds).expect("install");

        let installed = |path: &str| goroot.join(path.trim_start_matches("go/"));
        for path in KEPT {
            assert_eq!(fs::read(installed(path)).expect(path), path.as_bytes(), "{path}");
        }
        for path in DROPPED {
            assert!(!installed(path).exists(), "{path} was installed");
        }
        assert!(!goroot.join("test").exists() && !goroot.join("src/fmt/testdata").exists());
    }
}
