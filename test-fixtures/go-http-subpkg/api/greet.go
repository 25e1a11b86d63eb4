// Package api is kiln's fixture for a function outside the source root: its project.toml
// sets FUNC_SRC=api and FUNC_NAME=Greet. It uses a package of its own module, a module from the
// proxy (uuid) and a module replaced by a local directory.
package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"example.com/go-http-subpkg/internal/greeting"
	"github.com/google/uuid"
)

// Greet greets whom ?name= says (or a JSON POST's "name") with a fresh request id, panics on
// /panic, and answers /slow after a second.
func Greet(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/panic":
		panic("go-http-subpkg was asked to panic")
	case "/slow":
		time.Sleep(time.Second)
	}
	name := r.URL.Query().Get("name")
	status := http.StatusOK
	if r.Method == http.MethodPost {
		var asked struct {
			Name string `json:"name"`
		}
		if err := json.NewDecoder(r.Body).Decode(&asked); err != nil {
			http.Error(w, "send JSON like {\"name\": \"kiln\"}", http.StatusBadRequest)
			return
		}
		name, status = asked.Name, http.StatusCreated
	}
	if name == "" {
		name = "go-http-subpkg"
	}
	id := uuid.NewString()
	w.Header().Set("X-Request-Id", id)
	if r.Method == http.MethodPost {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"greeting": greeting.For(name)})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "%s (request %s)\n", greeting.For(name), id)
}
