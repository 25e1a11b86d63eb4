//! Broken on purpose: `hello` takes and returns strings, not an http::Request and Response.
//! The types only the compiler knows are wrong, so the build maps its error on the generated
//! server to the expected signature.

pub async fn hello(name: String) -> String {
    format!("Hello, {name}!\n")
}
