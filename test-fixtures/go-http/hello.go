// Package function is kiln's standard-library HTTP function fixture: build it with
// FUNC_NAME=HelloWorld.
package function

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// HelloWorld greets on GET (?name= changes whom), echoes a POST body as JSON, and panics on
// /panic so tests can see the server survive it.
func HelloWorld(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/panic" {
		panic("go-http was asked to panic")
	}
	switch r.Method {
	case http.MethodGet:
		name := r.URL.Query().Get("name")
		if name == "" {
			name = "World"
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Hello, %s!\n", name)
	case http.MethodPost:
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]interface{}{"received": string(body), "bytes": len(body)})
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "use GET or POST", http.StatusMethodNotAllowed)
	}
}
