// httpbackend is the lab's sample service (seeds 001-004): it answers every request with
// "this is httpbackendservice, version: <version>" and has a health endpoint, so routing,
// DNS, canaries and upgrades can be checked with curl. It counts what it served by the first
// segment of the path (/stats), so a drill can tell which version took which route's
// requests. Static binary, standard library only.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync"
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

// maxPrefixes bounds the counters: paths beyond it are counted under "other".
const maxPrefixes = 64

// served counts requests by the first segment of their path ("/httpbackend/x" -> "/httpbackend").
type served struct {
	mu     sync.Mutex
	counts map[string]uint64
}

func prefixOf(path string) string {
	seg := strings.SplitN(strings.TrimPrefix(path, "/"), "/", 2)[0]
	return "/" + seg
}

func (s *served) add(path string) {
	key := prefixOf(path)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.counts[key]; !ok && len(s.counts) >= maxPrefixes {
		key = "other"
	}
	s.counts[key]++
}

func (s *served) snapshot() map[string]uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]uint64, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// stats is what /stats reports: who this instance is and what it served since it started.
type stats struct {
	ID      string            `json:"id"`
	Version string            `json:"version"`
	Served  map[string]uint64 `json:"served"`
}

// newHandler serves the banner on every path but /health, which reports readiness (always
// failing when unhealthy is set: the fault a lab injects to watch a deployment fail), and
// /stats. Only banner requests are counted.
func newHandler(version string, ready *atomic.Bool, unhealthy bool) http.Handler {
	host, _ := os.Hostname()
	counts := &served{counts: map[string]uint64{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		if unhealthy {
			http.Error(w, "unhealthy (HTTPBACKEND_FAULT=unhealthy)", http.StatusInternalServerError)
			return
		}
		if !ready.Load() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(stats{ID: host, Version: version, Served: counts.snapshot()})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		counts.add(r.URL.Path)
		w.Header().Set("X-Httpbackend-Host", host)
		fmt.Fprintf(w, "this is httpbackendservice, version: %s\n", version)
	})
	return mux
}

// fetch is the client mode (-get): the lab's checks run it inside pods of this image, which
// has no curl. It prints the body and fails on a transport error or a non-2xx status.
func fetch(url string, timeout time.Duration, out io.Writer) error {
	client := &http.Client{Timeout: timeout}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	_, err = out.Write(body)
	return err
}

func main() {
	addr := flag.String("listen", getenv("HTTPBACKEND_LISTEN", ":8081"), "address to listen on")
	version := flag.String("version", getenv("HTTPBACKEND_VERSION", Version), "version to report")
	drain := flag.Duration("drain", 2*time.Second, "on SIGTERM, report unhealthy this long before stopping")
	get := flag.String("get", "", "client mode: fetch this URL, print the body and exit (non-zero on failure)")
	timeout := flag.Duration("timeout", 3*time.Second, "client mode: give up after this long")
	fault := flag.String("fault", getenv("HTTPBACKEND_FAULT", ""), `injected fault: "" (none) or "unhealthy" (/health always fails)`)
	flag.Parse()

	if *get != "" {
		if err := fetch(*get, *timeout, os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "httpbackend -get: %v\n", err)
			os.Exit(1)
		}
		return
	}

	if *fault != "" && *fault != "unhealthy" {
		log.Fatalf("httpbackend: unknown fault %q (known: unhealthy)", *fault)
	}
	var ready atomic.Bool
	ready.Store(true)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("httpbackend: %v", err)
	}
	srv := &http.Server{Handler: newHandler(*version, &ready, *fault == "unhealthy"), ReadHeaderTimeout: 5 * time.Second}
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
