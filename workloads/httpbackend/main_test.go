package main

import (
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestBannerAndHealth(t *testing.T) {
	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewServer(newHandler(httpService, "v2.3.4", &ready, false))
	defer srv.Close()

	if code, body := get(t, srv.URL+"/anything"); code != 200 || body != "this is httpbackendservice, version: v2.3.4\n" {
		t.Fatalf("banner: %d %q", code, body)
	}
	if code, body := get(t, srv.URL+"/health"); code != 200 || body != "ok\n" {
		t.Fatalf("health: %d %q", code, body)
	}
	ready.Store(false)
	if code, _ := get(t, srv.URL+"/health"); code != http.StatusServiceUnavailable {
		t.Fatalf("draining health: %d", code)
	}
	if code, _ := get(t, srv.URL+"/"); code != 200 {
		t.Fatalf("banner while draining: %d", code)
	}
}

func TestFetchPrintsBodyAndFailsOnErrorStatus(t *testing.T) {
	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewServer(newHandler(httpService, "v9.9.9", &ready, false))
	defer srv.Close()
	var out strings.Builder
	if err := fetch(srv.Client(), srv.URL+"/", &out); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if out.String() != "this is httpbackendservice, version: v9.9.9\n" {
		t.Fatalf("body %q", out.String())
	}
	ready.Store(false)
	if err := fetch(srv.Client(), srv.URL+"/health", &out); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("a draining /health must fail the fetch with its status, got %v", err)
	}
	if err := fetch(&http.Client{Timeout: time.Second}, "http://127.0.0.1:1/", &out); err == nil {
		t.Fatal("a refused connection must fail the fetch")
	}
}

func TestStatsCountBannerRequestsByFirstSegment(t *testing.T) {
	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewServer(newHandler(httpService, "v1.1.0", &ready, false))
	defer srv.Close()
	for _, p := range []string{"/httpbackend/", "/httpbackend/a/b", "/httpbackend-canary/", "/", "/health"} {
		get(t, srv.URL+p)
	}
	code, body := get(t, srv.URL+"/stats")
	if code != 200 {
		t.Fatalf("stats: %d", code)
	}
	var st stats
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatalf("stats body %q: %v", body, err)
	}
	want := map[string]uint64{"/httpbackend": 2, "/httpbackend-canary": 1, "/": 1}
	if st.Version != "v1.1.0" || st.ID == "" || len(st.Served) != len(want) {
		t.Fatalf("stats %+v", st)
	}
	for k, v := range want {
		if st.Served[k] != v {
			t.Fatalf("served[%s] = %d, want %d (all: %v)", k, st.Served[k], v, st.Served)
		}
	}
}

func TestStatsAreBounded(t *testing.T) {
	s := &served{counts: map[string]uint64{}}
	for i := 0; i < maxPrefixes+10; i++ {
		s.add("/p" + strings.Repeat("x", i))
	}
	snap := s.snapshot()
	if len(snap) != maxPrefixes+1 || snap["other"] != 10 {
		t.Fatalf("%d keys, other=%d", len(snap), snap["other"])
	}
}

func TestUnhealthyFaultFailsHealthButServes(t *testing.T) {
	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewServer(newHandler(httpService, "v1.2.0", &ready, true))
	defer srv.Close()
	if code, _ := get(t, srv.URL+"/health"); code != http.StatusInternalServerError {
		t.Fatalf("unhealthy health: %d", code)
	}
	if code, _ := get(t, srv.URL+"/"); code != 200 {
		t.Fatalf("banner: %d", code)
	}
}

// The HTTPS service: its banner names httpsbackendservice, requests are counted by their TLS
// server name, and the client mode verifies the server against the CA file it is given.
func TestHTTPSCountsByServerNameAndVerifiesWithCAFile(t *testing.T) {
	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewTLSServer(newHandler(httpsService, "v1.0.1", &ready, false))
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.crt")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	client, err := newClient(time.Second, caFile, "")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := fetch(client, srv.URL+"/x", &out); err != nil || out.String() != "this is httpsbackendservice, version: v1.0.1\n" {
		t.Fatalf("fetch with the CA: %v %q", err, out.String())
	}
	// httptest's certificate is also for example.com: a request with that server name counts under it.
	named, err := newClient(time.Second, caFile, "Example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := fetch(named, srv.URL+"/any/path", &out); err != nil {
		t.Fatal(err)
	}
	// A name the certificate does not carry fails verification.
	other, _ := newClient(time.Second, caFile, "mysite-sni-1.com")
	if err := fetch(other, srv.URL+"/", &out); err == nil || !strings.Contains(err.Error(), "mysite-sni-1.com") {
		t.Fatalf("a server name the certificate lacks must fail the fetch, got %v", err)
	}
	if _, err := newClient(time.Second, filepath.Join(t.TempDir(), "missing.crt"), ""); err == nil {
		t.Fatal("a missing CA file must fail the client")
	}
	if _, err := newClient(time.Second, "", "example.com"); err == nil {
		t.Fatal("-servername without -cacert must fail")
	}
	// Without the CA the system roots do not know the server: the fetch fails.
	if err := fetch(&http.Client{Timeout: time.Second}, srv.URL+"/", &out); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("an unknown CA must fail the fetch, got %v", err)
	}
	resp, err := client.Get(srv.URL + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	if st.Served["example.com/any"] != 1 || st.Served["/x"] != 1 || len(st.Served) != 2 {
		t.Fatalf("served %v: want example.com/any (by server name and path) and /x (no server name: an IP address) once each", st.Served)
	}
}
