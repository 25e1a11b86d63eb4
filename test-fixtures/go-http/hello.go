// Package function is kiln's standard-library HTTP function fixture: build it with
// FUNC_NAME=HelloWorld.
package function

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// HelloWorld greets on GET (?name= changes whom), echoes a POST body as JSON, panics on
// /panic so tests can see the server survive it, and answers /slow after a second so tests
// can stop the server while a request is in flight.
func HelloWorld(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/panic":
		panic("go-http was asked to panic")
	case "/slow":
		time.Sleep(time.Second)
		fmt.Fprintln(w, "Hello after a second")
		return
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
