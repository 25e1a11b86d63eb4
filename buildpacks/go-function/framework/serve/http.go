package main

import "net/http"

// serveHTTP serves an http function: it gets the request and writes the response itself.
func serveHTTP(listen listenConfig, name string, function func(http.ResponseWriter, *http.Request)) {
	serve(listen, "http function "+name, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer recoverPanic(w, r, name)
		function(w, r)
	}))
}
