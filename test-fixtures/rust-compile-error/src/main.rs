// Broken on purpose: a type error at src/main.rs:4.

fn main() {
    let port: u16 = "8080";
    println!("{port}");
}
