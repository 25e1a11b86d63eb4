//! A wasm32-wasip2 command: a component, but one that serves no HTTP requests.

fn main() {
    println!("Hello from a command");
}
