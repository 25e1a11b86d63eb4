//! kiln/python-function end to end: a function without requirements built from the Python
//! mirror, run on kiln's run image (whose lack of `OpenSSL`, `SQLite` and friends the runtime must
//! not notice) without compiling the standard library at start, its image contents, an
//! unchanged rebuild, and requirements from the package
//! index the build env names. The function contract itself is
//! checked for every Python contract fixture by `every_contract_fixture_passes_the_function_contract`.

use crate::app::RunningApp;
use crate::image_contents::image_paths;
use crate::world::{expect_success, kiln_build, repo_root, world};
use kiln_test_support::{PackageIndex, PROBE_PACKAGE, PROBE_WHERE};
use std::time::Instant;

fn digest(output: &std::process::Output) -> String {
    crate::json(output)["digest"].as_str().expect("a digest").to_string()
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn python_function_runs_on_the_run_image_holds_no_installer_and_rebuilds_to_the_same_digest() {
    let w = world();
    let started = Instant::now();
    let image = format!("{}/python/http:1", w.registry.address);
    let source = repo_root().join("test-fixtures/python-http");
    let first = kiln_build(&w.cache_dir, &source, &image, &w.inventory, &["FUNC_NAME=hello"]);
    expect_success(&first);
    let log = crate::stderr(&first);
    // The mirror's newest Python, as nothing in the fixture asks for one.
    assert!(log.contains("resolves to Python 3.13.0"), "{log}");

    let mut app = RunningApp::start(&w.cache_dir, &image);
    assert_eq!(app.get_when_up("/?name=kiln").text(), "Hello, kiln!\n");
    let runtime = app.get_when_up("/runtime");
    assert_eq!(
        (runtime.status, runtime.text().as_str()),
        (200, "ssl sqlite3 ctypes zlib lzma bz2 uuid: ok\n"),
        "{}",
        app.logs()
    );
    // The lifecycle gives every file of the image the same modification time, which the
    // archive's timestamped bytecode does not match: the Python layer compiles it anew.
    let bytecode = app.get_when_up("/bytecode");
    assert_eq!((bytecode.status, bytecode.text().as_str()), (200, "standard library bytecode: used\n"));
    drop(app);

    let scratch = tempfile::tempdir().expect("temp dir");
    let paths = image_paths(&image, scratch.path());
    let layers = "layers/kiln_python-function";
    assert!(
        paths.iter().any(|path| path == &format!("{layers}/python/python/bin/python3.13")),
        "no Python in the image"
    );
    assert!(
        paths.iter().any(|path| path.starts_with(&format!("{layers}/framework/site-packages/granian/"))),
        "no granian"
    );
    assert!(
        paths.iter().any(|path| path == "workspace/__pycache__/main.cpython-313.pyc"),
        "the source was not compiled"
    );
    for path in &paths {
        assert!(!path.contains(".opt-"), "the image holds bytecode for `python -O`: {path}");
        assert!(
            !(path.contains("/uv")
                || path.contains("site-packages/pip")
                || path.contains("ensurepip")
                || path.ends_with("/bin/pip3")),
            "the image holds an installer or a cache: {path}"
        );
    }

    let second = kiln_build(&w.cache_dir, &source, &image, &w.inventory, &["FUNC_NAME=hello"]);
    expect_success(&second);
    let log = crate::stderr(&second);
    assert!(log.contains("Reusing the Python toolchain: Python 3.13.0 is cached"), "{log}");
    assert!(log.contains("Reusing kiln's framework"), "{log}");
    assert_eq!(digest(&first), digest(&second), "an unchanged rebuild gave another image");
    eprintln!("[e2e] python-http: built, served, inspected and rebuilt in {:.1} s", started.elapsed().as_secs_f64());
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn python_app_starts_as_its_procfile_says() {
    let w = world();
    let image = format!("{}/python/app:1", w.registry.address);
    let output = kiln_build(&w.cache_dir, &repo_root().join("test-fixtures/python-app"), &image, &w.inventory, &[]);
    expect_success(&output);
    let log = crate::stderr(&output);
    assert!(log.contains("python app.py --port ${PORT}"), "{log}");
    let mut app = RunningApp::start(&w.cache_dir, &image);
    assert_eq!(app.get_when_up("/").text(), "Hello from kiln python-app\n");
}

/// The index settings of the build env reach uv: a package that only a loopback index has
/// installs through `PIP_INDEX_URL` (passed to uv as `UV_INDEX_URL`) and through
/// `UV_EXTRA_INDEX_URL`, and fails without either. An unchanged rebuild reuses the installed
/// packages and gives the same digest.
#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, PyPI; scripts/test runs it"]
fn requirements_come_from_the_index_the_build_env_names_and_their_layer_is_reused() {
    let w = world();
    let index = PackageIndex::start();
    let source = repo_root().join("test-fixtures/python-index");
    let repository = "python/index";
    let image = format!("{}/{repository}:1", w.registry.address);
    let build = |env: &[&str]| kiln_build(&w.cache_dir, &source, &image, &w.inventory, env);

    let from_pypi = build(&["FUNC_NAME=hello"]);
    assert!(!from_pypi.status.success(), "{PROBE_PACKAGE} came from PyPI, so this test proves nothing");
    assert_eq!(crate::json(&from_pypi)["error"]["kind"], "DependencyInstallFailed", "{}", crate::stderr(&from_pypi));
    assert_eq!(w.registry.tags(repository), Vec::<String>::new(), "a failed build left a tag");

    let pip_index = format!("PIP_INDEX_URL={}", index.url);
    let first = build(&["FUNC_NAME=hello", &pip_index]);
    expect_success(&first);
    let mut app = RunningApp::start(&w.cache_dir, &image);
    assert_eq!(app.get_when_up("/").text(), format!("Installed from {PROBE_WHERE}\n"));
    drop(app);
    let second = build(&["FUNC_NAME=hello", &pip_index]);
    expect_success(&second);
    let log = crate::stderr(&second);
    assert!(log.contains("Reusing the installed packages"), "{log}");
    assert_eq!(digest(&first), digest(&second), "an unchanged rebuild gave another image");

    let extra_index = format!("UV_EXTRA_INDEX_URL={}", index.url);
    expect_success(&build(&["FUNC_NAME=hello", &extra_index]));
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, PyPI; scripts/test runs it"]
fn broken_python_sources_fail_with_their_kind_and_leave_no_tag() {
    let w = world();
    for (fixture_name, env, message, kind) in [
        ("python-syntax-error", &["FUNC_NAME=hello"][..], "main.py:4", "CompileError"),
        (
            "python-func-missing",
            &["FUNC_NAME=hello"],
            "  farewell: async def farewell(request, polite=True)",
            "FunctionNotFound",
        ),
        (
            "python-requirement-missing",
            &["FUNC_NAME=hello"],
            "kiln-no-such-package-for-tests",
            "DependencyInstallFailed",
        ),
        ("python-import-error", &["FUNC_NAME=hello"], "No module named 'kiln_module_nobody_installed'", "ImportFailed"),
        ("python-version-unknown", &["FUNC_NAME=hello"], "Supported versions: 3.13.0, 3.12.1", "UnsupportedVersion"),
        ("python-http", &[], "set FUNC_NAME", "NoBuildpackDetected"),
    ] {
        let repository = format!("broken/{fixture_name}");
        let image = format!("{}/{repository}:1", w.registry.address);
        let source = repo_root().join("test-fixtures").join(fixture_name);
        let output = kiln_build(&w.cache_dir, &source, &image, &w.inventory, env);
        crate::expect_build_error(&output, (&repository, None), kind, message);
    }
}
