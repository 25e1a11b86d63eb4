// The baseline of kiln's function benchmark (../function.rs): standard library only, built
// by the bench with the machine's Go, the same Go that builds the function.
module kiln.dev/bench/bare-net-http

go 1.22
