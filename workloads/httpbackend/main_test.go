package main

import (
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
	srv := httptest.NewServer(newHandler("v2.3.4", &ready))
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
	srv := httptest.NewServer(newHandler("v9.9.9", &ready))
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
