//! kiln's Wasm host, shipped inside the buildpack and copied into the image's launch layer.

fn main() -> std::process::ExitCode {
    kiln_wasm_host::main()
}
