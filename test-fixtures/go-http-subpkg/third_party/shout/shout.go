// Package shout is a module of its own that go-http-subpkg uses through a replace directive.
package shout

import "strings"

// Shout upper-cases text and adds an exclamation mark.
func Shout(text string) string { return strings.ToUpper(text) + "!" }
