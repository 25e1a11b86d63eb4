//! Where every language's function server listens. The variables are read when the server
//! starts, not at build time, so `kiln run` and platforms can choose them per instance.

/// The port to listen on.
pub const PORT_ENV: &str = "PORT";
/// The port when `PORT` is unset or empty.
pub const DEFAULT_PORT: u16 = 8080;
/// The address to listen on. Unset or empty means every interface, as a container needs;
/// `kiln run` sets `127.0.0.1` unless told otherwise, because it uses the host's network.
pub const ADDRESS_ENV: &str = "FUNC_ADDRESS";
