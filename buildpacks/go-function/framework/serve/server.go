// The files of this directory become the `main` package kiln/go-function generates for a
// function build: the buildpack adds a main.go that imports the user's package and calls
// serveHTTP or serveCloudEvent with the function. They are compiled as part of the user's
// module (through go build -overlay, without touching the user's files), so they must build
// with the oldest Go language version a go.mod may declare: no generics, no `any`, no
// range over integers.

package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"
)

const (
	// How long in-flight requests may take to finish after SIGTERM. Platforms wait longer
	// before they kill (Kubernetes: 30 s), kiln run exactly this long.
	shutdownGrace = 10 * time.Second
	// Slow clients may not hold connections open forever before sending their headers.
	readHeaderTimeout = 10 * time.Second
)

// listenConfig names the variables that choose where the server listens, and the default
// port. The generated main.go fills it in from kiln's function contract (crate kiln-function),
// the one place every language's server takes them from.
type listenConfig struct {
	portEnv     string
	defaultPort string
	// Unset or empty means every interface, as a container needs.
	addressEnv string
}

// address is the host:port to listen on, read with getenv.
func (c listenConfig) address(getenv func(string) string) string {
	port := getenv(c.portEnv)
	if port == "" {
		port = c.defaultPort
	}
	return net.JoinHostPort(getenv(c.addressEnv), port)
}

// serve answers every path with handler where listen says until SIGTERM or SIGINT, then stops
// accepting connections and lets the requests in flight finish.
func serve(listen listenConfig, description string, handler http.Handler) {
	address := listen.address(os.Getenv)
	mux := http.NewServeMux()
	// Browsers ask for these on their own; they should not invoke the function (as in
	// Google's Functions Framework).
	mux.Handle("/favicon.ico", http.NotFoundHandler())
	mux.Handle("/robots.txt", http.NotFoundHandler())
	mux.Handle("/", handler)
	server := &http.Server{Addr: address, Handler: mux, ReadHeaderTimeout: readHeaderTimeout}

	stopped, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	failed := make(chan error, 1)
	go func() { failed <- server.ListenAndServe() }()
	log.Printf("Serving %s on %s", description, address)

	select {
	case err := <-failed:
		log.Fatalf("Cannot serve on %s: %v", address, err)
	case <-stopped.Done():
	}
	stop()
	log.Printf("Stopping: finishing requests in flight (at most %s)", shutdownGrace)
	deadline, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := server.Shutdown(deadline); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("Requests were still running when the grace period ended: %v", err)
	}
}

// recoverPanic, deferred around a function call, turns a panic into a logged stack trace and
// a 500 answer; the server goes on serving. A handler that aborts on purpose
// (http.ErrAbortHandler) keeps net/http's own handling.
func recoverPanic(w http.ResponseWriter, r *http.Request, function string) {
	recovered := recover()
	if recovered == nil {
		return
	}
	if recovered == http.ErrAbortHandler {
		panic(recovered)
	}
	log.Printf("The function %s panicked serving %s %s: %v\n%s", function, r.Method, r.URL.Path, recovered, debug.Stack())
	// If the function had already written its status, that status stands and this text is
	// appended to its body: net/http cannot take a sent status back.
	http.Error(w, fmt.Sprintf("Internal Server Error: the function %s panicked (see the logs)", function), http.StatusInternalServerError)
}
