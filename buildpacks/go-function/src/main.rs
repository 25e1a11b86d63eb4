//! kiln/go-function: builds a Go module into a static binary served as the `web` process:
//! an app (the root package is `main`) or a function (`FUNC_NAME` names it; kiln generates the
//! `main` package that serves it, see framework/serve).

mod compile;
mod detect;
mod errors;
mod function;
mod go_dist_contents;
mod go_env;
mod go_mod;
mod go_version;
mod layers;
mod main_package;
mod package_info;
mod signature;
#[cfg(test)]
mod test_support;
mod toolchain;

use crate::compile::Package;
use crate::detect::{detect, has_go_mod, Detection, DETECTS};
use crate::errors::GoFunctionError;
use crate::function::{FunctionPackage, GO_IDENTIFIER};
use crate::go_env::{go_build_env, GoCaches};
use crate::go_mod::GoMod;
use crate::layers::app::handle_app_layer;
use crate::layers::build_cache::handle_build_cache_layer;
use crate::layers::funcinfo::handle_funcinfo_layer;
use crate::layers::go_dist::handle_go_dist_layer;
use crate::layers::module_cache::handle_module_cache_layer;
use crate::main_package::{main_package, write_main_package};
use crate::package_info::describe_package;
use crate::toolchain::{Requirement, GO};
use kiln_buildpack::{detection_failed, function_config};
use kiln_buildpack::{keep_only, print, print_libcnb_error, resolve_toolchain, CacheLimit, CoreError, KeepPatterns};
use kiln_function::{check_function_name, FunctionConfig};
use libcnb::build::{BuildContext, BuildResult, BuildResultBuilder};
use libcnb::detect::{DetectContext, DetectResult, DetectResultBuilder};
use libcnb::generic::{GenericMetadata, GenericPlatform};
use libcnb::layer_env::Scope;
use libcnb::{buildpack_main, Buildpack, Env, Platform};
use std::path::Path;

/// The package `go build` compiles: the module root.
const ROOT_PACKAGE: &str = ".";

pub(crate) struct GoFunctionBuildpack;

impl Buildpack for GoFunctionBuildpack {
    type Platform = GenericPlatform;
    type Metadata = GenericMetadata;
    type Error = GoFunctionError;

    fn detect(&self, context: DetectContext<Self>) -> libcnb::Result<DetectResult, Self::Error> {
        // The function settings are only this buildpack's business in a Go module.
        let function = if has_go_mod(&context.app_dir) {
            function_config(context.platform.env()).map_err(GoFunctionError::FunctionConfig)?
        } else {
            None
        };
        match detect(&context.app_dir, function.is_some()).map_err(GoFunctionError::Detect)? {
            Detection::App | Detection::Function => DetectResultBuilder::pass().build(),
            Detection::Fail(reason) => detection_failed(&context.buildpack_descriptor.buildpack.id, DETECTS, reason),
        }
    }

    fn build(&self, context: BuildContext<Self>) -> libcnb::Result<BuildResult, Self::Error> {
        let started = print::buildpack("kiln Go");
        let platform_env = context.platform.env();
        // Settings are checked before anything is downloaded or compiled.
        let go_mod = GoMod::read(&context.app_dir).map_err(GoFunctionError::GoMod)?;
        let function = function_config(platform_env).map_err(GoFunctionError::FunctionConfig)?;
        let keep =
            KeepPatterns::from_env(platform_env).map_err(|error| GoFunctionError::from(CoreError::from(error)))?;
        let cache_limit = CacheLimit::from_env(platform_env).map_err(GoFunctionError::from)?;

        print::bullet("Go toolchain");
        let requirement = Requirement::of(&go_mod);
        let artifact =
            resolve_toolchain(&GO, &requirement, platform_env, &context.target).map_err(GoFunctionError::from)?;
        let go_dist_env = handle_go_dist_layer(&context, &artifact)?;

        print::bullet("Caches");
        let module_cache = handle_module_cache_layer(&context, cache_limit)?;
        let build_cache = handle_build_cache_layer(&context, &artifact.version, cache_limit)?;

        print::bullet("Build");
        let process_env = go_dist_env.apply(Scope::Build, &Env::from_current());
        let caches = GoCaches { module_cache: &module_cache, build_cache: &build_cache };
        let go_env = go_build_env(&process_env, platform_env, &caches);
        let binary = match &function {
            None => {
                print::sub_bullet("Building an app: the root package is `main` (set FUNC_NAME to build a function)");
                handle_app_layer(&context, &go_env, &Package { dir: ROOT_PACKAGE, overlay: None })?
            }
            Some(config) => {
                let tool = handle_funcinfo_layer(&context)?;
                let generated = tempfile::tempdir().map_err(GoFunctionError::Scratch)?;
                let overlay = prepare_function(&context.app_dir, &go_mod, config, &tool, &go_env, generated.path())?;
                handle_app_layer(&context, &go_env, &main_package(&overlay))?
            }
        };

        print::bullet("Image contents");
        // The binary is in its launch layer; the lifecycle exports the app directory too.
        keep_only(&context.app_dir, &keep).map_err(|error| GoFunctionError::from(CoreError::from(error)))?;
        print::all_done(&Some(started));

        BuildResultBuilder::new().launch(kiln_buildpack::web_process([binary.to_string_lossy().into_owned()])).build()
    }

    fn on_error(&self, error: libcnb::Error<Self::Error>) {
        print_libcnb_error(error, GoFunctionError::message);
    }
}

/// Checks the function `config` names and writes the `main` package that serves it into
/// `work_dir`; returns the `go build -overlay` file that adds that package to the module.
fn prepare_function(
    app_dir: &Path,
    go_mod: &GoMod,
    config: &FunctionConfig,
    funcinfo: &Path,
    go_env: &Env,
    work_dir: &Path,
) -> Result<std::path::PathBuf, GoFunctionError> {
    check_function_name(&config.target, &GO_IDENTIFIER).map_err(GoFunctionError::FunctionName)?;
    let function_error = |error| GoFunctionError::Function(Box::new(error));
    let package = FunctionPackage::locate(app_dir, go_mod, config).map_err(function_error)?;
    print::sub_bullet(format!(
        "Building the {} function {} from package {} ({})",
        config.signature, config.target, package.import_path, package.place
    ));
    let info = describe_package(funcinfo, go_env, &package.dir).map_err(|error| function_error(error.into()))?;
    package.check(&info, config).map_err(function_error)?;
    write_main_package(app_dir, work_dir, &package.import_path, config).map_err(GoFunctionError::Scratch)
}

buildpack_main!(GoFunctionBuildpack);

/// Function builds from fixture to running server, with the machine's real `go` and without
/// the lifecycle (the end-to-end tests in crates/kiln cover that).
#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::go_build_command;
    use crate::main_package::MAIN_PACKAGE_DIR;
    use crate::test_support::{fixture, test_env};
    use kiln_function::SignatureType;
    use std::path::PathBuf;
    use std::process::{Child, Command};
    use std::sync::OnceLock;

    /// kiln-funcinfo as the buildpack installs it, once per test run.
    fn funcinfo() -> &'static Path {
        static TOOL: OnceLock<PathBuf> = OnceLock::new();
        TOOL.get_or_init(|| {
            let tool = tempfile::tempdir().expect("temp dir").keep().join("kiln-funcinfo");
            crate::layers::funcinfo::install(&tool).expect("kiln-funcinfo installs");
            tool
        })
    }

    fn config(target: &str, signature: SignatureType, source: &str) -> FunctionConfig {
        FunctionConfig { target: target.into(), signature, source: PathBuf::from(source) }
    }

    /// Prepares and compiles `fixture_name`'s function into `output`.
    fn build_function(fixture_name: &str, config: &FunctionConfig, output: &Path) -> Result<(), GoFunctionError> {
        build_module(&fixture(fixture_name), config, &test_env(), output, std::io::stderr())
    }

    /// Prepares and compiles the function of the module in `app` with the Go environment
    /// `env`, go's errors to `log`.
    fn build_module(
        app: &Path,
        config: &FunctionConfig,
        env: &Env,
        output: &Path,
        log: impl std::io::Write + Send,
    ) -> Result<(), GoFunctionError> {
        let go_mod = GoMod::read(app).map_err(GoFunctionError::GoMod)?;
        let generated = tempfile::tempdir().expect("temp dir");
        let overlay = prepare_function(app, &go_mod, config, funcinfo(), env, generated.path())?;
        let mut go_build = go_build_command(env, app, &main_package(&overlay), output);
        kiln_buildpack::run_streamed(&mut go_build, std::io::sink(), log).map_err(GoFunctionError::Compile)
    }

    struct Server(Child, String);

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    /// Starts the function on loopback, as tests must listen.
    fn serve(binary: &Path) -> Server {
        serve_on(binary, "127.0.0.1")
    }

    /// Starts the function with `FUNC_ADDRESS` set to `address` (a loopback address).
    fn serve_on(binary: &Path, address: &str) -> Server {
        let port = kiln_test_support::free_port();
        let child = Command::new(binary)
            .env(kiln_function::PORT_ENV, port.to_string())
            .env(kiln_function::ADDRESS_ENV, address)
            .spawn()
            .expect("the function starts");
        Server(child, format!("{address}:{port}"))
    }

    fn get_when_up(server: &Server, path: &str) -> kiln_test_support::HttpResponse {
        for _ in 0..500 {
            if let Some(response) = kiln_test_support::get(&server.1, path) {
                return response;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("the function never answered on {}", server.1);
    }

    #[test]
    fn an_http_function_is_served_and_builds_reproducibly() {
        let out = tempfile::tempdir().expect("temp dir");
        let hello = config("HelloWorld", SignatureType::Http, "");
        let (first, second) = (out.path().join("first"), out.path().join("second"));
        build_function("go-http", &hello, &first).expect("go-http builds");
        build_function("go-http", &hello, &second).expect("go-http builds again");
        assert!(std::fs::read(&first).expect("binary") == std::fs::read(&second).expect("binary"), "two builds differ");

        let server = serve(&first);
        let response = get_when_up(&server, "/?name=kiln");
        assert_eq!((response.status, response.text().as_str()), (200, "Hello, kiln!\n"));
        assert_eq!(kiln_test_support::get(&server.1, "/panic").expect("answers").status, 500);
        assert_eq!(kiln_test_support::get(&server.1, "/").expect("still serving").status, 200);
        assert_eq!(kiln_test_support::get(&server.1, "/favicon.ico").expect("answers").status, 404);
    }

    #[test]
    fn the_server_listens_only_on_the_address_func_address_names() {
        let out = tempfile::tempdir().expect("temp dir");
        let binary = out.path().join("app");
        build_function("go-http", &config("HelloWorld", SignatureType::Http, ""), &binary).expect("go-http builds");
        // 127.0.0.2 is loopback too: a server on every interface would answer on 127.0.0.1 as well.
        let server = serve_on(&binary, "127.0.0.2");
        assert_eq!(get_when_up(&server, "/").status, 200);
        let port = server.1.rsplit(':').next().expect("a port");
        assert!(kiln_test_support::get(&format!("127.0.0.1:{port}"), "/").is_none(), "it answered on 127.0.0.1");
    }

    #[test]
    #[ignore = "real components: the Go module proxy; scripts/test runs it"]
    fn a_function_in_a_subpackage_uses_its_module_and_replace_directives() {
        let out = tempfile::tempdir().expect("temp dir");
        let binary = out.path().join("app");
        build_function("go-http-subpkg", &config("Greet", SignatureType::Http, "api"), &binary).expect("builds");
        let response = get_when_up(&serve(&binary), "/");
        assert!(response.text().starts_with("HELLO, GO-HTTP-SUBPKG! (request "), "{}", response.text());
    }

    #[test]
    fn mistakes_are_reported_before_any_code_is_generated() {
        let out = tempfile::tempdir().expect("temp dir").path().join("app");
        let message = |fixture_name: &str, config: &FunctionConfig| match build_function(fixture_name, config, &out) {
            Err(GoFunctionError::Function(error)) => error.message(),
            other => panic!("{fixture_name}: expected a function error, got {other:?}"),
        };
        let missing = message("go-func-missing", &config("HelloWorld", SignatureType::Http, ""));
        assert!(missing.body.contains("  Goodbye: func(w http.ResponseWriter, _ *http.Request)"), "{}", missing.body);
        assert!(missing.body.contains("`helloWorld`, which is unexported"), "{}", missing.body);
        let wrong = message("go-func-wrong-signature", &config("HelloWorld", SignatureType::Http, ""));
        assert!(wrong.body.contains("func(http.ResponseWriter, *http.Request)"), "{}", wrong.body);
        let cloudevent = message("go-http", &config("HelloWorld", SignatureType::CloudEvent, ""));
        let injected = build_function("go-http", &config("Hello;rm -rf /", SignatureType::Http, ""), &out);
        let Err(GoFunctionError::FunctionName(error)) = injected else {
            panic!("expected an invalid function name, got {injected:?}");
        };
        assert_eq!(error.message().kind, kiln_error::ErrorKind::InvalidFunctionName);
        assert!(cloudevent.advice.contains("FUNC_SIGNATURE_TYPE=http"), "{}", cloudevent.advice);
    }

    #[test]
    #[ignore = "real components: the Go module proxy; scripts/test runs it"]
    fn a_cloudevent_function_compiles_with_only_the_modules_its_go_sum_lists() {
        let out = tempfile::tempdir().expect("temp dir");
        build_function("go-cloudevent", &config("Receive", SignatureType::CloudEvent, ""), &out.path().join("app"))
            .expect("go-cloudevent builds");
    }

    #[test]
    fn compile_errors_in_the_function_keep_their_file_and_line() {
        for (broken, position) in [
            ("\tfmt.Fprintln(w, undefinedName)\n", "./hello.go:11:"),
            ("\tfmt.Fprintln(w, \"unterminated)\n", "./hello.go:11:"),
        ] {
            let app = tempfile::tempdir().expect("temp dir");
            std::fs::write(app.path().join("go.mod"), "module example.com/broken\n\ngo 1.26\n").expect("go.mod");
            let source = format!(
                "package function\n\nimport (\n\t\"fmt\"\n\t\"net/http\"\n)\n\n// HelloWorld does not compile.\n\
                 func HelloWorld(w http.ResponseWriter, r *http.Request) {{\n\t_ = r\n{broken}}}\n"
            );
            std::fs::write(app.path().join("hello.go"), source).expect("hello.go");
            let mut log = Vec::new();
            let output = app.path().join("app");
            let result = build_module(
                app.path(),
                &config("HelloWorld", SignatureType::Http, ""),
                &test_env(),
                &output,
                &mut log,
            );
            let log = String::from_utf8_lossy(&log);
            assert!(matches!(result, Err(GoFunctionError::Compile(_))), "{broken}: {result:?}");
            assert!(log.contains(position), "{broken}: no {position} in:\n{log}");
            assert!(!log.contains(MAIN_PACKAGE_DIR), "{broken}: the generated package shows in:\n{log}");
        }
    }

    #[test]
    fn signatures_are_checked_as_the_compiler_sees_them() {
        let app = tempfile::tempdir().expect("temp dir");
        std::fs::write(app.path().join("go.mod"), "module example.com/aliased\n\ngo 1.26\n").expect("go.mod");
        let source = "package aliased\n\nimport (\n\t\"net/http\"\n\t. \"net/http\"\n)\n\n\
                      // Writer is another name for http.ResponseWriter.\ntype Writer = http.ResponseWriter\n\n\
                      // Hello uses the alias and a dot import.\nfunc Hello(w Writer, r *Request) {}\n";
        std::fs::write(app.path().join("hello.go"), source).expect("hello.go");
        let output = app.path().join("app");
        build_module(app.path(), &config("Hello", SignatureType::Http, ""), &test_env(), &output, std::io::stderr())
            .expect("an aliased http function is an http function");
    }

    #[test]
    fn sigterm_lets_requests_in_flight_finish_then_exits_cleanly() {
        let app = tempfile::tempdir().expect("temp dir");
        std::fs::write(app.path().join("go.mod"), "module example.com/slow\n\ngo 1.26\n").expect("go.mod");
        let source = "package slow\n\nimport (\n\t\"net/http\"\n\t\"time\"\n)\n\n\
                      // Slow answers after half a second.\nfunc Slow(w http.ResponseWriter, r *http.Request) {\n\
                      \ttime.Sleep(500 * time.Millisecond)\n\t_, _ = w.Write([]byte(\"done\"))\n}\n";
        std::fs::write(app.path().join("slow.go"), source).expect("slow.go");
        let binary = app.path().join("app");
        build_module(app.path(), &config("Slow", SignatureType::Http, ""), &test_env(), &binary, std::io::stderr())
            .expect("builds");
        let mut server = serve(&binary);
        get_when_up(&server, "/warm-up");

        let address = server.1.clone();
        let in_flight = std::thread::spawn(move || kiln_test_support::get(&address, "/in-flight"));
        std::thread::sleep(std::time::Duration::from_millis(150));
        let signalled = Command::new("kill").args(["-TERM", &server.0.id().to_string()]).status().expect("kill runs");
        assert!(signalled.success());
        let response = in_flight.join().expect("request thread").expect("the request in flight is answered");
        assert_eq!((response.status, response.text().as_str()), (200, "done"));
        let status = server.0.wait().expect("the server exits");
        assert!(status.success(), "the server did not exit cleanly after SIGTERM: {status}");
    }

    #[test]
    #[ignore = "real components: the Go module proxy; scripts/test runs it"]
    fn a_vendored_cloudevent_function_builds_from_its_vendor_directory() {
        let app = tempfile::tempdir().expect("temp dir");
        for file in ["go.mod", "go.sum", "receive.go"] {
            std::fs::copy(fixture("go-cloudevent").join(file), app.path().join(file)).expect("copy the fixture");
        }
        let vendored = Command::new("go")
            .args(["mod", "vendor"])
            .current_dir(app.path())
            .env_clear()
            .envs(&test_env())
            .status()
            .expect("go runs");
        assert!(vendored.success(), "go mod vendor failed");
        // Without the module cache, only vendor/ can provide the SDK's packages.
        let mut env = test_env();
        env.insert("GOMODCACHE", app.path().join("no-module-cache"));
        env.insert("GOFLAGS", "-mod=vendor");
        env.insert("GOPROXY", "off");
        let receive = config("Receive", SignatureType::CloudEvent, "");
        build_module(app.path(), &receive, &env, &app.path().join("app"), std::io::stderr())
            .expect("the generated main package uses only vendored packages");
    }
}
