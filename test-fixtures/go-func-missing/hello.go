// Package function is a broken fixture: built with FUNC_NAME=HelloWorld, which it does not
// define; the error must list Hello and Goodbye.
package function

import "net/http"

// Hello is an http function, but not the one asked for.
func Hello(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello\n")) }

// Goodbye is another.
func Goodbye(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("bye\n")) }

func helloWorld(w http.ResponseWriter, r *http.Request) { Hello(w, r) }
