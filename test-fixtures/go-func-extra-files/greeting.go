// Package greeting is kiln's fixture for what an image keeps of the source: the function
// answers with static/greeting.txt, read at request time from the working directory, which
// only KILN_KEEP_FILES (see project.toml) keeps in the image. The end-to-end test adds a large
// file beside the source that must not reach the image.
package greeting

import (
	"net/http"
	"os"
)

// Greet serves the kept file.
func Greet(w http.ResponseWriter, _ *http.Request) {
	greeting, err := os.ReadFile("static/greeting.txt")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write(greeting)
}
