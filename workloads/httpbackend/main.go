// httpbackend is the lab's sample service (seeds 001-004): it answers every request with
// "this is httpbackendservice, version: <version>" and has a health endpoint, so routing,
// DNS, canaries and upgrades can be checked with curl. Static binary, standard library only.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// Version is the default for -version; the build may set it with -ldflags "-X main.Version=…".
var Version = "v1.0.0"

func getenv(key, fallback string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return fallback
}

// newHandler serves the banner on every path but /health, which reports readiness.
func newHandler(version string, ready *atomic.Bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		if !ready.Load() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		host, _ := os.Hostname()
		w.Header().Set("X-Httpbackend-Host", host)
		fmt.Fprintf(w, "this is httpbackendservice, version: %s\n", version)
	})
	return mux
}

func main() {
	addr := flag.String("listen", getenv("HTTPBACKEND_LISTEN", ":8081"), "address to listen on")
	version := flag.String("version", getenv("HTTPBACKEND_VERSION", Version), "version to report")
	drain := flag.Duration("drain", 2*time.Second, "on SIGTERM, report unhealthy this long before stopping")
	flag.Parse()

	var ready atomic.Bool
	ready.Store(true)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("httpbackend: %v", err)
	}
	srv := &http.Server{Handler: newHandler(*version, &ready), ReadHeaderTimeout: 5 * time.Second}
	log.Printf("httpbackend %s listening on %s", *version, ln.Addr())

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		// Fail health checks first so load balancers stop sending, then finish what is in flight.
		ready.Store(false)
		time.Sleep(*drain)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}()
	if err := srv.Serve(ln); err != nil && err != http.ErrServerClosed {
		log.Fatalf("httpbackend: %v", err)
	}
}
