//! kiln/nodejs-function end to end: what a Node.js image holds (node alone, production
//! dependencies only), what its server answers beyond the contract suite, the reuse of every
//! layer by an unchanged rebuild, an app, and each broken source failing with its kind. The
//! function contract itself is checked on the nodejs-* contract fixtures by
//! `every_contract_fixture_passes_the_function_contract`.

use crate::app::RunningApp;
use crate::image_contents::image_paths;
use crate::world::{expect_success, step, world};
use crate::{build_with, expect_build_error, json, stderr};
use kiln_test_support::contract::ServedFunction as _;
use kiln_test_support::request;

/// Builds `fixture_name` twice: the second build must reuse `reused` and give the same digest.
/// Returns the image and the paths in it.
fn build_twice(fixture_name: &str, env: &[&str], reused: &[&str]) -> (String, Vec<String>) {
    let repository = format!("nodejs/{fixture_name}");
    let (first, image) = build_with(fixture_name, &repository, &world().inventory, env);
    expect_success(&first);
    let digest = json(&first)["digest"].as_str().expect("a digest").to_string();
    let (second, _) = build_with(fixture_name, &repository, &world().inventory, env);
    expect_success(&second);
    assert_eq!(
        json(&second)["digest"].as_str(),
        Some(digest.as_str()),
        "{fixture_name}: an unchanged rebuild changed the image"
    );
    let rebuild_log = stderr(&second);
    for text in reused {
        assert!(rebuild_log.contains(text), "{fixture_name}: the rebuild did not say `{text}`:\n{rebuild_log}");
    }
    let scratch = tempfile::tempdir().expect("temp dir");
    let paths = image_paths(&image, scratch.path());
    (image, paths)
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn a_nodejs_function_image_holds_node_alone_and_its_server_speaks_express() {
    step("a_nodejs_function_image_holds_node_alone_and_its_server_speaks_express", || {
        let w = world();
        let env = ["FUNC_NAME=helloWorld", "KILN_BODY_LIMIT=64kb"];
        let reused = ["Reusing the Node.js toolchain: Node.js 24.22.3 is cached"];
        let (image, paths) = build_twice("nodejs-http", &env, &reused);
        assert!(paths.iter().any(|path| path.ends_with("node_runtime/bin/node")), "no node binary:\n{paths:#?}");
        let layers: Vec<&String> = paths.iter().filter(|path| path.starts_with("layers/")).collect();
        for build_only in ["lib/node_modules/npm", "include/node", "bin/npm", "share/doc", "inspect-exports.mjs"] {
            assert!(!layers.iter().any(|path| path.contains(build_only)), "{build_only} is in the image");
        }
        assert!(paths.iter().any(|path| path == "workspace/index.js"), "the function's module is missing");

        let mut app = RunningApp::start(&w.cache_dir, &image);
        assert_eq!(app.get_when_up("/?name=node").text(), "Hello, node!\n");
        let address = app.address.clone();
        let answer = |method: &str, path: &str, body: &[u8]| {
            request(&address, method, path, &[("Content-Type", "application/octet-stream")], body)
                .unwrap_or_else(|| panic!("no answer to {method} {path}"))
        };
        assert_eq!(answer("POST", "/", &vec![b'x'; 100 * 1024]).status, 413, "a body over KILN_BODY_LIMIT");
        let buffer = answer("POST", "/", b"bytes");
        assert_eq!((buffer.status, buffer.text().contains("\"bytes\":5")), (201, true), "{}", buffer.text());
        let moved = answer("GET", "/old", b"");
        assert_eq!((moved.status, moved.header("Location")), (301, Some("/")));
        assert_eq!(
            (answer("GET", "/teapot", b"").status, answer("GET", "/teapot", b"").text()),
            (418, "I'm a Teapot".to_string())
        );
        assert_eq!(answer("GET", "/reject", b"").status, 500, "a rejected promise");
        assert_eq!(answer("GET", "/", b"").status, 200, "the server stopped serving after a rejection");
        let stack = "nodejs-http was asked to reject\n    at ";
        let logs = app.logs_once_they_hold(stack);
        assert!(logs.contains(stack), "no stack in:\n{logs}");
        assert!(app.stop().success(), "the function did not stop cleanly on SIGTERM");
    });
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, the npm registry; scripts/test runs it"]
fn nodejs_dependencies_are_reused_and_dev_dependencies_stay_out_of_the_image() {
    step("nodejs_dependencies_are_reused_and_dev_dependencies_stay_out_of_the_image", || {
        let reused = [
            "Reusing the npm cache",
            "Reusing the image's dependencies: package.json, the lockfile, npm and Node.js are unchanged",
            "Reusing the build's dependencies (with devDependencies): package.json, the lockfile, npm and Node.js are unchanged",
        ];
        let (_, paths) = build_twice("nodejs-typescript", &["FUNC_NAME=typed"], &reused);
        assert!(paths.iter().any(|path| path == "workspace/dist/index.js"), "tsc's output is missing:\n{paths:#?}");
        assert!(!paths.iter().any(|path| path.contains("node_modules/typescript")), "a dev dependency is in the image");
    });
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, the npm registry; scripts/test runs it"]
fn pnpm_and_yarn_are_installed_from_the_registry_and_their_dev_dependencies_stay_out_of_the_image() {
    step("pnpm_and_yarn_are_installed_from_the_registry_and_their_dev_dependencies_stay_out_of_the_image", || {
        for (fixture_name, env, manager, release, output) in [
            ("nodejs-pnpm", "FUNC_NAME=duration", "pnpm", "pnpm@10.34.8", "workspace/limits.json"),
            ("nodejs-yarn-berry", "FUNC_NAME=measure", "yarn", "@yarnpkg/cli-dist@4.18.1", "workspace/unit.json"),
        ] {
            let reused = [
                format!("Reusing the package manager: {release} (package.json `packageManager`) is cached"),
                format!("Reusing the image's dependencies: package.json, the lockfile, {manager} and Node.js are unchanged"),
                format!(
                    "Reusing the build's dependencies (with devDependencies): package.json, the lockfile, {manager} and Node.js are unchanged"
                ),
            ];
            let reused: Vec<&str> = reused.iter().map(String::as_str).collect();
            let (_, paths) = build_twice(fixture_name, &[env], &reused);
            assert!(paths.iter().any(|path| path == output), "{fixture_name}: the build script's output is missing");
            assert!(paths.iter().any(|path| path.ends_with("node_modules/ms/index.js")), "{fixture_name}: no ms");
            assert!(
                !paths.iter().any(|path| path.contains("is-number")),
                "{fixture_name}: a dev dependency is in the image"
            );
            // pnpm's records of when it installed would give every fresh build another digest.
            let records = [".modules.yaml", ".pnpm-workspace-state-v1.json"];
            assert!(!paths.iter().any(|path| records.iter().any(|record| path.ends_with(record))), "{fixture_name}");
            for build_only in ["package_manager", "pnpm_store", "yarn_berry_cache"] {
                assert!(
                    !paths.iter().any(|path| path.contains(build_only)),
                    "{fixture_name}: {build_only} is in the image"
                );
            }
        }
    });
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle; scripts/test runs it"]
fn a_nodejs_app_runs_its_start_script_with_the_node_version_engines_asks_for() {
    step("a_nodejs_app_runs_its_start_script_with_the_node_version_engines_asks_for", || {
        let w = world();
        let (output, image) = build_with("nodejs-app", "nodejs/nodejs-app", &world().inventory, &[]);
        expect_success(&output);
        let build_log = stderr(&output);
        assert!(
            build_log.contains("Node.js `24.x` (package.json `engines.node`) resolves to Node.js 24.22.3"),
            "{build_log}"
        );
        assert!(build_log.contains("Running the app with `node server.js`"), "{build_log}");
        let mut app = RunningApp::start(&w.cache_dir, &image);
        assert_eq!(app.get_when_up("/").text(), "Hello from kiln nodejs-app on Node.js v24.22.3\n");
        assert!(app.stop().success(), "the app did not stop cleanly on SIGTERM");
    });
}

#[test]
#[ignore = "real components: root, runc, a registry, the lifecycle, the npm registry; scripts/test runs it"]
fn broken_nodejs_sources_fail_with_their_kind_and_leave_no_tag() {
    step("broken_nodejs_sources_fail_with_their_kind_and_leave_no_tag", || {
        for (fixture_name, env, message, kind) in [
            ("nodejs-syntax-error", &["FUNC_NAME=hello"][..], "index.js:3", "CompileError"),
            ("nodejs-func-missing", &["FUNC_NAME=hello"], "  goodbye: a function of 2 parameters", "FunctionNotFound"),
            ("nodejs-func-wrong-signature", &["FUNC_NAME=hello"], "FUNC_SIGNATURE_TYPE=cloudevent", "WrongSignature"),
            (
                "nodejs-lockfile-out-of-sync",
                &["FUNC_NAME=uptime"],
                "package-lock.json does not match package.json",
                "LockfileOutOfSync",
            ),
            ("nodejs-version-unknown", &["FUNC_NAME=hello"], "Supported versions: 24.22.3", "UnsupportedVersion"),
            (
                "nodejs-dependency-missing",
                &["FUNC_NAME=hello"],
                "`@kiln-fixtures/no-such-package`",
                "DependencyInstallFailed",
            ),
            (
                "nodejs-pnpm-lockfile-out-of-sync",
                &["FUNC_NAME=hello"],
                "pnpm-lock.yaml does not match package.json, so pnpm refused to install: ERR_PNPM_OUTDATED_LOCKFILE",
                "LockfileOutOfSync",
            ),
            (
                "nodejs-package-manager-digest",
                &["FUNC_NAME=hello"],
                "but package.json's `packageManager` says 0000",
                "ChecksumMismatch",
            ),
            (
                "nodejs-several-lockfiles",
                &["FUNC_NAME=hello"],
                "the source has the lockfiles of several package managers: package-lock.json, yarn.lock",
                "InvalidSource",
            ),
            (
                "nodejs-package-manager-conflict",
                &["FUNC_NAME=hello"],
                "names pnpm, but the source's lockfile is package-lock.json, which pnpm does not read",
                "InvalidSource",
            ),
            ("nodejs-yarn-pnp", &["FUNC_NAME=hello"], ".yarnrc.yml sets `nodeLinker: pnp`", "InvalidSource"),
            ("nodejs-http", &["FUNC_NAME=hello-world"], "not a JavaScript identifier", "InvalidFunctionName"),
            ("nodejs-library", &[], "set FUNC_NAME to the function's name", "NoBuildpackDetected"),
        ] {
            let repository = format!("broken/{fixture_name}");
            let (output, _) = build_with(fixture_name, &repository, &world().inventory, env);
            expect_build_error(&output, (&repository, None), kind, message);
        }
    });
}
