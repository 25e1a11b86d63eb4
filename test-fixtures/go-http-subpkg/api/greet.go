// Package api is kiln's fixture for a function outside the source root: its project.toml
// sets FUNC_SRC=api and FUNC_NAME=Greet. It uses a package of its own module, a module from the
// proxy (uuid) and a module replaced by a local directory.
package api

import (
	"fmt"
	"net/http"

	"example.com/go-http-subpkg/internal/greeting"
	"github.com/google/uuid"
)

// Greet answers with a greeting and a fresh request id.
func Greet(w http.ResponseWriter, r *http.Request) {
	id := uuid.NewString()
	w.Header().Set("X-Request-Id", id)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "%s (request %s)\n", greeting.For("go-http-subpkg"), id)
}
