// Command go-version-unknown is a broken fixture: its go.mod asks for Go 1.99, which no
// inventory has, so the build must fail and list the supported versions.
package main

func main() {}
