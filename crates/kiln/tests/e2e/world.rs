//! Everything the end-to-end tests share, built once per test run from real components: a
//! distribution registry on loopback, kiln's stack and builder (the real lifecycle, the
//! packaged buildpacks), and a Go download mirror made from this machine's Go, offered to
//! builds through the documented `KILN_INVENTORY` override.

use kiln_test_support::{FileServer, TestRegistry};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

pub(crate) struct World {
    pub(crate) registry: TestRegistry,
    pub(crate) builder: String,
    /// Inventory whose Go entry is this machine's Go, served from the loopback mirror.
    pub(crate) inventory: PathBuf,
    /// The same entry with a checksum that does not match the served archive.
    pub(crate) tampered_inventory: PathBuf,
    pub(crate) cache_dir: PathBuf,
    _mirror: FileServer,
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
/// runs at once need two of them (each run empties its kiln cache).
fn work_dir() -> PathBuf {
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
    let work = work_dir();
    let cache_dir = fresh_cache_dir(&work);
    let registry = step("start the registry", TestRegistry::start);
    step("package the buildpacks", package_buildpacks);
    let lifecycle = step("build the lifecycle tarball", || build_lifecycle(&work));
    let mirror_dir = work.join("mirror");
    let (mirror_file, checksum, version) = step("make a Go mirror", || go_mirror(&mirror_dir));
    let mirror = FileServer::start(&mirror_dir);
    let inventory =
        write_inventory(&work.join("inventory.toml"), &version, &format!("{}/{mirror_file}", mirror.url), &checksum);
    let tampered_inventory = write_inventory(
        &work.join("tampered-inventory.toml"),
        &version,
        &format!("{}/{mirror_file}", mirror.url),
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
    );

    let build_image = format!("{}/kiln/build:e2e", registry.address);
    let run_image = format!("{}/kiln/run:e2e", registry.address);
    let builder = format!("{}/kiln/builder:e2e", registry.address);
    step("kiln stack build", || {
        expect_success(&kiln(
            &cache_dir,
            &["stack", "build", "--build-image", &build_image, "--run-image", &run_image],
        ));
    });
    step("kiln builder create", || {
        let config = repo_root().join("builder.toml");
        expect_success(&kiln(
            &cache_dir,
            &[
                "builder",
                "create",
                "--config",
                &config.to_string_lossy(),
                "--image",
                &builder,
                "--build-image",
                &build_image,
                "--run-image",
                &run_image,
                "--lifecycle",
                &lifecycle.to_string_lossy(),
            ],
        ));
    });
    World { registry, builder, inventory, tampered_inventory, cache_dir, _mirror: mirror }
}

/// kiln's cache for this run, emptied first: a run starts cold and leaves one cache behind
/// (gigabytes: the unpacked builder, build caches), not one per run. One e2e run or bench at
/// a time per target directory: they share it.
fn fresh_cache_dir(work: &Path) -> PathBuf {
    let dir = work.join("kiln-cache");
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("the previous run's kiln cache can be removed");
    }
    std::fs::create_dir_all(&dir).expect("kiln cache dir");
    dir
}

fn step<T>(name: &str, action: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    eprintln!("[e2e] {name} …");
    let value = action();
    eprintln!("[e2e] {name}: done in {:.1} s", started.elapsed().as_secs_f64());
    value
}

/// Runs the kiln binary under test from the repository root, with its own cache directory.
pub(crate) fn kiln(cache_dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_kiln"))
        .args(args)
        .current_dir(repo_root())
        .env("KILN_CACHE_DIR", cache_dir)
        .env_remove("KILN_BUILDER")
        .output()
        .expect("the kiln binary runs");
    eprintln!("[e2e] kiln {} -> {}\n{}", args.join(" "), output.status, String::from_utf8_lossy(&output.stderr));
    output
}

/// The host's CA bundle: module downloads may pass a TLS-intercepting proxy whose CA only
/// the host trusts, as on many company networks.
const HOST_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// `kiln build --json SOURCE --image IMAGE` with the world's builder, Go `inventory` and the
/// host's CA bundle, plus `env` (`NAME=VALUE`).
pub(crate) fn kiln_build(cache_dir: &Path, source: &Path, image: &str, inventory: &Path, env: &[&str]) -> Output {
    let source = source.to_string_lossy();
    let inventory_env = format!("KILN_INVENTORY={}", inventory.display());
    let ca_env = format!("SSL_CERT_FILE={HOST_CA_BUNDLE}");
    let builder = &world().builder;
    let mut args = vec![
        "build",
        &source,
        "--image",
        image,
        "--builder",
        builder,
        "--env",
        &inventory_env,
        "--env",
        &ca_env,
        "--json",
    ];
    for pair in env {
        args.extend(["--env", pair]);
    }
    kiln(cache_dir, &args)
}

pub(crate) fn expect_success(output: &Output) {
    assert!(output.status.success(), "kiln failed ({}):\n{}", output.status, String::from_utf8_lossy(&output.stderr));
}

fn run_checked(command: &mut Command) {
    let status = command.status().unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(status.success(), "{command:?} failed: {status}");
}

/// `cargo libcnb package`: the musl-built buildpacks that builder.toml points at.
fn package_buildpacks() {
    run_checked(Command::new("cargo").args(["libcnb", "package", "--release"]).current_dir(repo_root()));
}

fn build_lifecycle(work: &Path) -> PathBuf {
    let out = work.join("lifecycle");
    run_checked(Command::new(repo_root().join("scripts/build-lifecycle")).arg(&out));
    std::fs::read_dir(&out)
        .expect("lifecycle output dir")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "tgz"))
        .expect("scripts/build-lifecycle wrote a .tgz")
}

/// A go.dev-style archive (`go/` at the top) of this machine's Go, its sha256 and version.
fn go_mirror(dir: &Path) -> (String, String, String) {
    let goroot = String::from_utf8(Command::new("go").args(["env", "GOROOT"]).output().expect("go env GOROOT").stdout)
        .expect("utf-8 GOROOT");
    let goroot = PathBuf::from(goroot.trim());
    let version =
        String::from_utf8(Command::new("go").args(["env", "GOVERSION"]).output().expect("go env GOVERSION").stdout)
            .expect("utf-8 version");
    let version = version.trim().trim_start_matches("go").to_string();
    let file = format!("go{version}.linux-amd64.tar.gz");
    let archive = dir.join(&file);
    if !archive.exists() {
        std::fs::create_dir_all(dir).expect("mirror dir");
        let partial = dir.join(format!("{file}.partial"));
        let parent = goroot.parent().expect("GOROOT has a parent");
        let name = goroot.file_name().expect("GOROOT has a name").to_string_lossy().to_string();
        run_checked(
            Command::new("tar")
                .arg("-C")
                .arg(parent)
                .args(["--transform", &format!("s,^{name},go,"), "--use-compress-program=gzip -1", "-cf"])
                .arg(&partial)
                .arg(&name),
        );
        std::fs::rename(&partial, &archive).expect("mirror archive in place");
    }
    let sum =
        String::from_utf8(Command::new("sha256sum").arg(&archive).output().expect("sha256sum").stdout).expect("utf-8");
    let hex = sum.split_whitespace().next().expect("a checksum").to_string();
    (file, format!("sha256:{hex}"), version)
}

fn write_inventory(path: &Path, version: &str, url: &str, checksum: &str) -> PathBuf {
    let text = format!(
        "[[artifacts]]\nversion = \"go{version}\"\nos = \"linux\"\narch = \"amd64\"\nurl = \"{url}\"\nchecksum = \"{checksum}\"\n"
    );
    std::fs::write(path, text).expect("inventory");
    path.to_path_buf()
}
