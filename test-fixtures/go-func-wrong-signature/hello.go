// Package function is a broken fixture: built with FUNC_NAME=HelloWorld, whose signature is
// not an http function's; the error must name the expected one.
package function

import "net/http"

// HelloWorld forgot the request parameter.
func HelloWorld(w http.ResponseWriter) { _, _ = w.Write([]byte("hello\n")) }
