fn main() -> std::io::Result<()> {
    serve::greet("Hello from kiln rust-workspace worker\n")
}
