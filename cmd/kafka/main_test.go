package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"kafka"
)

// TestHealthzAcrossStart follows run's order: the HTTP server first, then
// Open, then Serve. /healthz answers 503 before the broker exists, 503
// while it is open but not yet serving, 200 while it serves, and 503 once
// it is stopping.
func TestHealthzAcrossStart(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var broker atomic.Pointer[kafka.Broker]
	defer serveHTTP(ln, &broker, logger)()
	url := "http://" + ln.Addr().String() + "/healthz"
	health := func() int {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	if code := health(); code != 503 {
		t.Fatalf("before Open: %d, want 503", code)
	}
	b, err := kafka.Open(kafka.Config{DataDir: t.TempDir(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	broker.Store(b)
	if code := health(); code != 503 {
		t.Fatalf("open, not serving: %d, want 503", code)
	}
	kln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, kln) }()
	for deadline := time.Now().Add(5 * time.Second); health() != 200; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("/healthz never answered 200 while serving")
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code := health(); code != 503 {
		t.Fatalf("stopped: %d, want 503", code)
	}
}
