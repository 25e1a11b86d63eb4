// Package greeting is a package of go-http-subpkg's own module.
package greeting

import "example.com/shout"

// For greets name loudly.
func For(name string) string { return shout.Shout("hello, " + name) }
