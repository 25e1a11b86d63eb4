//! Embeds what a function build installs without a package index: kiln's framework
//! (`framework/kiln_function`) and the wheels of its server (`wheels.toml`). Each wheel is
//! downloaded once from the Python Package Index into a cache outside the clone (`KILN_WHEEL_CACHE`, default
//! `$XDG_CACHE_HOME/kiln-build/wheels` or `~/.cache/kiln-build/wheels`), verified against
//! its sha256 there on every build, and embedded; later builds (and `cargo test`) work
//! offline. Other projects' binaries never enter the repository.

use kiln_download::{Downloader, Format, Sha256Checksum, StderrReport};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(Deserialize)]
struct Wheels {
    wheels: Vec<Wheel>,
}

#[derive(Deserialize)]
struct Wheel {
    file: String,
    python: Option<String>,
    url: String,
    sha256: String,
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    println!("cargo:rerun-if-changed=wheels.toml");
    println!("cargo:rerun-if-changed=framework");
    println!("cargo:rerun-if-env-changed=KILN_WHEEL_CACHE");

    // Everything embedded goes into one digest, which names the framework layer's contents.
    let mut digest = Sha256::new();
    let mut generated = String::from("/// kiln's framework sources, by path under site-packages.\npub(crate) const FRAMEWORK_FILES: &[(&str, &[u8])] = &[\n");
    for source in framework_sources(&manifest_dir.join("framework")) {
        let relative = source.strip_prefix(manifest_dir.join("framework")).expect("under framework/");
        let relative = relative.to_string_lossy().replace('\\', "/");
        digest.update(relative.as_bytes());
        digest.update(std::fs::read(&source).expect("framework source readable"));
        let _ = writeln!(generated, "    ({relative:?}, include_bytes!({:?})),", source.display().to_string());
    }
    generated.push_str("];\n\n/// The server's wheels: (file name, the CPython minor it is for or empty for any, bytes).\npub(crate) const SERVER_WHEELS: &[(&str, &str, &[u8])] = &[\n");
    let wheels: Wheels =
        toml::from_str(&std::fs::read_to_string(manifest_dir.join("wheels.toml")).expect("wheels.toml"))
            .expect("wheels.toml parses");
    let cache = wheel_cache();
    for wheel in &wheels.wheels {
        let path = cached_wheel(&cache, wheel);
        println!("cargo:rerun-if-changed={}", path.display());
        digest.update(wheel.sha256.as_bytes());
        let python = wheel.python.as_deref().unwrap_or_default();
        let _ = writeln!(
            generated,
            "    ({:?}, {python:?}, include_bytes!({:?})),",
            wheel.file,
            path.display().to_string()
        );
    }
    generated.push_str("];\n");
    let _ = writeln!(
        generated,
        "\n/// Names the embedded framework and wheels.\npub(crate) const EMBEDDED_DIGEST: &str = {:?};",
        hex::encode(digest.finalize())
    );
    std::fs::write(out_dir.join("embedded.rs"), generated).expect("embedded.rs written");
}

fn framework_sources(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("framework dir readable") {
            let path = entry.expect("framework entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|name| name != "__pycache__") {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|extension| extension == "py") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn wheel_cache() -> PathBuf {
    if let Some(dir) = std::env::var_os("KILN_WHEEL_CACHE") {
        return PathBuf::from(dir);
    }
    let base = std::env::var_os("XDG_CACHE_HOME").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").expect("HOME or KILN_WHEEL_CACHE must be set")).join(".cache"),
        PathBuf::from,
    );
    base.join("kiln-build/wheels")
}

/// The wheel's path in the cache, downloaded first if it is missing or differs from its sha256.
fn cached_wheel(cache: &Path, wheel: &Wheel) -> PathBuf {
    let path = cache.join(&wheel.file);
    if std::fs::read(&path).is_ok_and(|bytes| hex::encode(Sha256::digest(bytes)) == wheel.sha256) {
        return path;
    }
    std::fs::create_dir_all(cache)
        .unwrap_or_else(|error| panic!("cannot create the wheel cache {}: {error}", cache.display()));
    let _ = std::fs::remove_file(&path);
    let checksum: Sha256Checksum = format!("sha256:{}", wheel.sha256).parse().expect("wheels.toml sha256 is valid");
    Downloader::new(StderrReport)
        .and_then(|downloader| {
            downloader.install(&wheel.url, &checksum, Format::File { executable: false }, &path, |_| true)
        })
        .unwrap_or_else(|error| {
            panic!(
                "building kiln/python-function embeds {}, which is not in {} yet and cannot be downloaded: {error}. \
                 Let the build reach PyPI once, or put the file there (KILN_WHEEL_CACHE names another directory)",
                wheel.file,
                cache.display()
            )
        });
    path
}
