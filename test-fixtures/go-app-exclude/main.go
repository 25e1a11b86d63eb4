// Command go-app-exclude is kiln's fixture for project.toml's exclude: it builds only because
// draft.go, which does not compile, is left out of what is built.
package main

import (
	"log"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("Hello from kiln go-app-exclude\n"))
	})
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
