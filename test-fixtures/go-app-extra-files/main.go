// Command go-app-extra-files is kiln's fixture for what an image keeps of the source: it
// answers GET / with static/greeting.txt, read at request time from the working directory,
// which only KILN_KEEP_FILES (see project.toml) keeps in the image. The end-to-end test adds
// a large file beside the source that must not reach the image.
package main

import (
	"context"
	"errors"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		greeting, err := os.ReadFile("static/greeting.txt")
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(greeting)
	})
	server := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	// Stop on SIGTERM as kiln run asks; the server runs as PID 1, which has no default handler.
	stopped, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-stopped.Done()
		_ = server.Close()
	}()
	log.Printf("listening on :%s", port)
	if err := server.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
