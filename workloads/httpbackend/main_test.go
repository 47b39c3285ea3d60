package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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
	srv := httptest.NewServer(newHandler("v2.3.4", &ready, false))
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
	srv := httptest.NewServer(newHandler("v9.9.9", &ready, false))
	defer srv.Close()
	var out strings.Builder
	if err := fetch(srv.URL+"/", time.Second, &out); err != nil {
		t.Fatalf("fetch: %v", err)
	}
	if out.String() != "this is httpbackendservice, version: v9.9.9\n" {
		t.Fatalf("body %q", out.String())
	}
	ready.Store(false)
	if err := fetch(srv.URL+"/health", time.Second, &out); err == nil || !strings.Contains(err.Error(), "503") {
		t.Fatalf("a draining /health must fail the fetch with its status, got %v", err)
	}
	if err := fetch("http://127.0.0.1:1/", time.Second, &out); err == nil {
		t.Fatal("a refused connection must fail the fetch")
	}
}

func TestStatsCountBannerRequestsByFirstSegment(t *testing.T) {
	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewServer(newHandler("v1.1.0", &ready, false))
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
	srv := httptest.NewServer(newHandler("v1.2.0", &ready, true))
	defer srv.Close()
	if code, _ := get(t, srv.URL+"/health"); code != http.StatusInternalServerError {
		t.Fatalf("unhealthy health: %d", code)
	}
	if code, _ := get(t, srv.URL+"/"); code != 200 {
		t.Fatalf("banner: %d", code)
	}
}
