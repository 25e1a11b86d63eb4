// Command bare-net-http is the baseline kiln's function benchmark (../function.rs) measures
// Go functions against: a plain net/http server answering every path with the body and
// headers test-fixtures/go-http's HelloWorld gives GET /, with none of kiln's code between.
package main

import (
	"io"
	"log"
	"net/http"
	"os"
	"time"
)

const body = "Hello, World!\n"

func hello(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, body)
}

func main() {
	port, set := os.LookupEnv("PORT")
	if !set {
		log.Fatal("PORT is not set: the bench passes the port to listen on")
	}
	server := &http.Server{
		Addr:    ":" + port,
		Handler: http.HandlerFunc(hello),
		// The function's server sets the same timeout (buildpacks/go-function/framework/serve),
		// so both run the same net/http code paths.
		ReadHeaderTimeout: 10 * time.Second,
	}
	log.Fatal(server.ListenAndServe())
}
