fn main() -> std::process::ExitCode {
    kiln_wasm_host::main()
}
