//! kiln's Wasm host, shipped inside the buildpack and copied into the image's launch layer.

// The host allocates for every request (a store, its WASI context, hyper's buffers) on every
// runtime thread; musl's allocator serialises those behind one lock, mimalloc keeps them per
// thread.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    kiln_wasm_host::main()
}
