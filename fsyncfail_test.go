package kafka

// Tests of a failed fsync taking its partition offline (log.go, fail),
// through the fsyncHook seam: this machine has no faulty device to fail
// one for real.

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// failNextFsync makes the next fsync of a .log file in partDir fail with
// EIO, once; the seam is put back at the end of the test.
func failNextFsync(t *testing.T, partDir string) {
	var armed atomic.Bool
	armed.Store(true)
	hookFsync(t, func(f *os.File) error {
		if filepath.Dir(f.Name()) == partDir && strings.HasSuffix(f.Name(), logSuffix) && armed.CompareAndSwap(true, false) {
			return syscall.EIO
		}
		return f.Sync()
	})
}

// serveUntil runs a broker of cfg and returns its address and a stop
// function that returns what Serve returned.
func serveUntil(t *testing.T, cfg Config) (string, func() error) {
	t.Helper()
	_, addr, stop := serveBroker(t, cfg)
	return addr, stop
}

func TestFailedFsyncTakesPartitionOffline(t *testing.T) {
	dir := t.TempDir()
	var logs syncBuffer
	cfg := Config{DataDir: dir, Fsync: "always", Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	addr, stop := serveUntil(t, cfg)
	c := dial(t, addr)
	c.createTopic("t", 2)
	batch := func(i int) []byte { return makeBatch(testRecord{int64(i), strings.Repeat("v", 100)}) }
	var acked []byte
	for i := range 3 {
		if code, _ := c.produce("t", 0, batch(i)); code != codeNone {
			t.Fatalf("produce %d: code %d", i, code)
		}
		acked = append(acked, batch(i)...)
	}

	failNextFsync(t, filepath.Join(dir, "t-0"))
	if code, _ := c.produce("t", 0, batch(3)); code != codeKafkaStorageError {
		t.Fatalf("produce whose fsync fails: code %d, want KAFKA_STORAGE_ERROR", code)
	}
	// The seam fails one fsync only: the next one would succeed, which
	// is exactly what must not be trusted.
	for i := range 2 {
		if code, _ := c.produce("t", 0, batch(10+i)); code != codeKafkaStorageError {
			t.Errorf("produce after the failed fsync: code %d, want KAFKA_STORAGE_ERROR", code)
		}
	}
	if code, _, _ := c.fetch("t", 0, 0, 0, 0); code != codeKafkaStorageError {
		t.Errorf("fetch after the failed fsync: code %d, want KAFKA_STORAGE_ERROR", code)
	}
	for _, ts := range []int64{latestTimestamp, maxTimestamp, 0} {
		if code, _ := c.listOffset("t", 0, ts); code != codeKafkaStorageError {
			t.Errorf("ListOffsets %d after the failed fsync: code %d, want KAFKA_STORAGE_ERROR", ts, code)
		}
	}
	if code, _ := c.produce("t", 1, batch(0)); code != codeNone {
		t.Errorf("produce to the other partition: code %d", code)
	}
	if code, hw, records := c.fetch("t", 1, 0, 0, 0); code != codeNone || hw != 1 || !sameBatches(records, batch(0)) {
		t.Errorf("fetch from the other partition: code %d, high watermark %d, %d bytes", code, hw, len(records))
	}
	line := ""
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "level=ERROR") && strings.Contains(l, "partition is offline") {
			line = l
			break
		}
	}
	for _, want := range []string{"partition=t-0", "input/output error", "restart"} {
		if !strings.Contains(line, want) {
			t.Errorf("the ERROR line about the offline partition does not say %q: %q", want, line)
		}
	}

	if err := stop(); err == nil || !strings.Contains(err.Error(), "offline") {
		t.Errorf("Serve after a partition went offline returned %v, want an error saying so", err)
	}
	if _, err := os.Stat(filepath.Join(dir, cleanShutdownFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("clean shutdown marker after a partition went offline: %v, want none", err)
	}

	// A restart recovers the partition from what is on disk: what was
	// acknowledged, and the batch whose fsync failed, which was written.
	addr, _ = serveUntil(t, Config{DataDir: dir, Fsync: "always"})
	c = dial(t, addr)
	code, hw, records := c.fetch("t", 0, 0, 0, 0)
	if code != codeNone || hw < 3 || len(records) < len(acked) || !sameBatches(records[:len(acked)], acked) {
		t.Fatalf("fetch after the restart: code %d, high watermark %d, %d bytes; want the %d acknowledged bytes first", code, hw, len(records), len(acked))
	}
	if code, _ := c.produce("t", 0, batch(20)); code != codeNone {
		t.Errorf("produce after the restart: code %d", code)
	}
}

// TestFailedRollFsyncTakesPartitionOffline fails the background fsync of a
// rolled segment: the partition goes offline by itself, the interval or
// always policy aside, and Close reports it.
func TestFailedRollFsyncTakesPartitionOffline(t *testing.T) {
	dir := t.TempDir()
	b := makeBatch(recordsAt(1, 10)...)
	l, err := openPartitionLog(dir, logOptions{SegmentBytes: int64(2 * len(b))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendBatches(t, l, b, b)
	failNextFsync(t, dir)
	appendBatches(t, l, b) // rolls; the fsync of segment 0 fails
	deadline := time.Now().Add(10 * time.Second)
	for l.failed() == nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := appendErr(l, b); !errors.Is(err, errStorage) {
		t.Errorf("append after the failed fsync: %v, want a storage error", err)
	}
	if _, err := l.Read(0, 1<<20); !errors.Is(err, errStorage) {
		t.Errorf("read after the failed fsync: %v, want a storage error", err)
	}
	if err := l.SyncTo(l.HighWatermark()); err == nil {
		t.Error("SyncTo after the failed fsync succeeded")
	}
	if err := l.Close(); !errors.Is(err, errStorage) || !bytes.Contains([]byte(err.Error()), []byte("offline")) {
		t.Errorf("Close: %v, want the offline error", err)
	}
}
