// httpbackend is the lab's sample service (seeds 001-004): it answers every request with
// "this is httpbackendservice, version: <version>" and has a health endpoint, so routing,
// DNS, canaries and upgrades can be checked with curl. It counts what it served by the first
// segment of the path (/stats), so a drill can tell which version took which route's
// requests. Given a certificate and key it serves HTTPS instead, as seed 001's
// httpsbackendservice behind fabio's TCP+SNI listener: the banner says "httpsbackendservice"
// and requests are counted by the TLS server name they came with and their path's first
// segment ("mysite-sni-1.com/": fabio routes TLS streams by that name, not by path; the lab's
// checks use their own path, so a drill can tell them from its load). Static binary, standard library only.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
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

// routeOf is what a request is counted under: the first segment of its path, after the TLS
// server name it came with if any (an SNI route carries every path: "mysite-sni-1.com/").
func routeOf(r *http.Request) string {
	if r.TLS != nil && r.TLS.ServerName != "" {
		return strings.ToLower(r.TLS.ServerName) + prefixOf(r.URL.Path)
	}
	return prefixOf(r.URL.Path)
}

func (s *served) add(key string) {
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

// The service's name in its banner: seed 001 calls the HTTPS one httpsbackendservice.
const (
	httpService  = "httpbackendservice"
	httpsService = "httpsbackendservice"
)

// newHandler serves the banner on every path but /health, which reports readiness (always
// failing when unhealthy is set: the fault a lab injects to watch a deployment fail), and
// /stats. Only banner requests are counted.
func newHandler(service, version string, ready *atomic.Bool, unhealthy bool) http.Handler {
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
		counts.add(routeOf(r))
		w.Header().Set("X-Httpbackend-Host", host)
		fmt.Fprintf(w, "this is %s, version: %s\n", service, version)
	})
	return mux
}

// newClient is the client mode's HTTP client: with caFile, HTTPS servers are verified against
// that CA only (the lab's own), not the system's; with serverName, the TLS server name sent
// and verified is that one instead of the URL's host (an instance reached by its address).
func newClient(timeout time.Duration, caFile, serverName string) (*http.Client, error) {
	client := &http.Client{Timeout: timeout}
	if caFile == "" {
		if serverName != "" {
			return nil, fmt.Errorf("-servername needs -cacert: the name is checked against the lab's CA")
		}
		return client, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate", caFile)
	}
	client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: serverName, MinVersion: tls.VersionTLS12}}
	return client, nil
}

// fetch is the client mode (-get): the lab's checks run it inside pods and probe containers of
// this image, which has no curl. It prints the body and fails on a transport error or a
// non-2xx status.
func fetch(client *http.Client, url string, out io.Writer) error {
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
	certFile := flag.String("tls-cert", getenv("HTTPBACKEND_TLS_CERT", ""), "serve HTTPS with this certificate (PEM; with -tls-key)")
	keyFile := flag.String("tls-key", getenv("HTTPBACKEND_TLS_KEY", ""), "the certificate's private key (PEM)")
	caFile := flag.String("cacert", "", "client mode: verify HTTPS servers against this CA certificate (PEM) only")
	serverName := flag.String("servername", "", "client mode: the TLS server name to send and verify (default: the URL's host)")
	flag.Parse()

	if *get != "" {
		client, err := newClient(*timeout, *caFile, *serverName)
		if err == nil {
			err = fetch(client, *get, os.Stdout)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "httpbackend -get: %v\n", err)
			os.Exit(1)
		}
		return
	}

	if *fault != "" && *fault != "unhealthy" {
		log.Fatalf("httpbackend: unknown fault %q (known: unhealthy)", *fault)
	}
	if (*certFile == "") != (*keyFile == "") {
		log.Fatalf("httpbackend: -tls-cert and -tls-key go together (HTTPBACKEND_TLS_CERT, HTTPBACKEND_TLS_KEY)")
	}
	service := httpService
	if *certFile != "" {
		service = httpsService
	}
	var ready atomic.Bool
	ready.Store(true)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("httpbackend: %v", err)
	}
	srv := &http.Server{Handler: newHandler(service, *version, &ready, *fault == "unhealthy"), ReadHeaderTimeout: 5 * time.Second}
	if *certFile != "" {
		// Loaded once here, so a bad pair stops the instance at start (its deployment fails) rather than at its first request.
		pair, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			log.Fatalf("httpbackend: %v", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	log.Printf("httpbackend %s (%s) listening on %s", *version, service, ln.Addr())

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
