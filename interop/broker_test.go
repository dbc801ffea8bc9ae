// Package interop tests the broker with real Kafka clients: franz-go in
// process and kcat (librdkafka) as a subprocess. It is a separate module so
// that the broker itself depends on no client library.
package interop

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"kafka"
)

// startBroker runs a broker in process on 127.0.0.1:0 with its logs in dir
// and returns its address and a stop function. stop cancels the broker's
// context, waits for Serve to return and fails the test if it returned an
// error. It is idempotent and is also registered with t.Cleanup, so a test
// may stop a broker early (to restart it on the same dir) or not at all.
func startBroker(t testing.TB, dir string) (addr string, stop func()) {
	t.Helper()
	return startBrokerWith(t, dir, kafka.Config{})
}

// startBrokerWith is startBroker with a configuration; DataDir and Logger
// are filled in.
func startBrokerWith(t testing.TB, dir string, cfg kafka.Config) (addr string, stop func()) {
	t.Helper()
	logw := &testLogWriter{t: t, prefix: "broker: "}
	logger := slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelInfo}))

	cfg.DataDir, cfg.Logger = dir, logger
	b, err := kafka.Open(cfg)
	if err != nil {
		t.Fatalf("kafka.Open(%s): %v", dir, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()

	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("broker Serve returned %v after shutdown, want nil", err)
				}
			case <-time.After(30 * time.Second):
				t.Errorf("broker Serve did not return within 30s of cancel")
			}
			logw.close()
		})
	}
	t.Cleanup(stop)
	return ln.Addr().String(), stop
}

// startListenersBroker runs a broker with the listeners of cfg, each on
// its own port, until the test ends, and returns their addresses by name
// and the broker (for its DevCAFile).
func startListenersBroker(t *testing.T, cfg kafka.Config) (map[string]string, *kafka.Broker) {
	t.Helper()
	cfg.DataDir, cfg.Logger = t.TempDir(), startLogger(t)
	b, err := kafka.Open(cfg)
	if err != nil {
		t.Fatalf("kafka.Open: %v", err)
	}
	lns, err := b.Listen()
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	addrs := map[string]string{}
	for i, name := range b.ListenerNames() {
		addrs[name] = lns[i].Addr().String()
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, lns...) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve returned %v after shutdown, want nil", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("Serve did not return within 30s of cancel")
		}
	})
	return addrs, b
}

// startLogger is a logger for a broker that sends its lines to t.Log
// until the test ends.
func startLogger(t testing.TB) *slog.Logger {
	logw := &testLogWriter{t: t, prefix: "broker: "}
	t.Cleanup(logw.close)
	return slog.New(slog.NewTextHandler(logw, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// testLogWriter sends log lines (the broker's, or a client library's) to
// t.Log, each after prefix, until it is closed; after that (the broker has
// stopped, or the test has ended) they are dropped, as t.Log panics once a
// test has completed.
type testLogWriter struct {
	t      testing.TB
	prefix string
	mu     sync.Mutex
	closed bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.t.Log(w.prefix + strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

// clientLog returns a testLogWriter for a client library's logs, closed
// when the test ends; lines logged later (by a goroutine the client left
// behind) are dropped.
func clientLog(t testing.TB, prefix string) *testLogWriter {
	w := &testLogWriter{t: t, prefix: prefix}
	t.Cleanup(w.close)
	return w
}

func (w *testLogWriter) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
}

// requireTool returns the path of the named client binary. When it is
// missing the test is skipped, except on CI (CI=true), where a missing
// client is an error: test.sh installs every client, so a skip there would
// hide a broken setup.
func requireTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if !errors.Is(err, exec.ErrNotFound) {
		t.Logf("looking up %s: %v", name, err)
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (CI=true, so this is an error; test.sh installs it)", name)
	}
	t.Skipf("%s is not installed; skipping (install it, e.g. `apt-get install %s`, or run ./test.sh)", name, name)
	return ""
}
