package main

// A draft that does not compile yet: project.toml leaves it out of the build.
func draft() { this is not Go }
