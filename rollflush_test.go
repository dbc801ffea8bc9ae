package kafka

// Tests of the background fsync of a rolled segment (log.go, roll and
// flushRolled), through the fsyncHook seam.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fsyncGate blocks the fsyncs of files whose names end with suffix until
// open is called, and notes every fsync of a file that no longer exists.
type fsyncGate struct {
	suffix  string
	release chan struct{}
	once    sync.Once
	entered chan struct{} // closed at the first blocked fsync

	mu       sync.Mutex
	entered1 bool
	deleted  []string // fsynced after their removal
}

// blockFsyncs installs a gate for files ending with suffix, and removes it
// (opening it first) at the end of the test.
func blockFsyncs(t *testing.T, suffix string) *fsyncGate {
	g := &fsyncGate{suffix: suffix, release: make(chan struct{}), entered: make(chan struct{})}
	hookFsync(t, func(f *os.File) error {
		if _, err := os.Stat(f.Name()); err != nil {
			g.mu.Lock()
			g.deleted = append(g.deleted, f.Name())
			g.mu.Unlock()
		}
		if strings.HasSuffix(f.Name(), g.suffix) {
			g.mu.Lock()
			if !g.entered1 {
				g.entered1 = true
				close(g.entered)
			}
			g.mu.Unlock()
			<-g.release
		}
		return f.Sync()
	})
	t.Cleanup(g.open) // before hookFsync's: cleanups run last first
	return g
}

// hookFsync makes fsyncFile call hook until the end of the test.
func hookFsync(t *testing.T, hook func(f *os.File) error) {
	fsyncHook.Store(&hook)
	t.Cleanup(func() { fsyncHook.Store(nil) })
}

func (g *fsyncGate) open() { g.once.Do(func() { close(g.release) }) }

// blocked waits until an fsync is blocked at the gate.
func (g *fsyncGate) blocked(t *testing.T) {
	t.Helper()
	select {
	case <-g.entered:
	case <-time.After(10 * time.Second):
		t.Fatalf("no fsync of a %s file began", g.suffix)
	}
}

// start runs f in a goroutine; the channel gets its result.
func start(f func() error) chan error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	return done
}

// finished reports whether done has a result within d.
func finished(t *testing.T, done chan error, d time.Duration) bool {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("unexpected error: %v", err)
		}
		return true
	case <-time.After(d):
		return false
	}
}

// appendErr appends batches, as appendBatches does, returning the error.
func appendErr(l *partitionLog, batches ...[]byte) error {
	records := bytes.Join(batches, nil)
	hs, err := splitBatches(records)
	if err != nil {
		return err
	}
	_, err = l.Append(records, hs)
	return err
}

// TestRollDoesNotWaitForFsync rolls a segment while its fsync is blocked:
// the roll and later appends go on, SyncTo and Close wait for the fsync.
func TestRollDoesNotWaitForFsync(t *testing.T) {
	dir := t.TempDir()
	b := makeBatch(recordsAt(1, 10)...)
	l := openTestLog(t, dir, logOptions{SegmentBytes: int64(3 * len(b))})
	appendBatches(t, l, b, b, b) // segment 0 is full
	gate := blockFsyncs(t, "00000000000000000000.log")

	rolled := start(func() error { return appendErr(l, b) })
	if !finished(t, rolled, 10*time.Second) {
		t.Fatal("the append that rolls the segment waits for the old segment's fsync")
	}
	gate.blocked(t) // the background fsync has begun, and is blocked
	if got := segmentFiles(t, dir, logSuffix); len(got) != 2 {
		t.Fatalf("segments after the roll: %v", got)
	}
	if !finished(t, start(func() error { return appendErr(l, b) }), 10*time.Second) {
		t.Fatal("an append after the roll waits for the old segment's fsync")
	}

	synced := start(func() error { return l.SyncTo(l.HighWatermark()) })
	if finished(t, synced, 200*time.Millisecond) {
		t.Fatal("SyncTo returned while the rolled segment's fsync was blocked")
	}
	closed := start(l.Close)
	if finished(t, closed, 200*time.Millisecond) {
		t.Fatal("Close returned while the rolled segment's fsync was blocked")
	}
	gate.open()
	if !finished(t, synced, 10*time.Second) || !finished(t, closed, 10*time.Second) {
		t.Fatal("SyncTo or Close still waits once the fsync is done")
	}
	gate.mu.Lock()
	defer gate.mu.Unlock()
	if len(gate.deleted) > 0 {
		t.Errorf("fsyncs of deleted files: %v", gate.deleted)
	}
}

// TestDeleteSegmentWhileItsFsyncRuns deletes, by retention, a segment
// whose background fsync is blocked: the delete waits for it, so no fsync
// meets a closed or removed file (go test -race checks the rest).
func TestDeleteSegmentWhileItsFsyncRuns(t *testing.T) {
	dir := t.TempDir()
	b := makeBatch(recordsAt(1, 10)...)
	l := openTestLog(t, dir, logOptions{SegmentBytes: int64(2 * len(b)), Files: newFileCache(4)})
	appendBatches(t, l, b, b)
	gate := blockFsyncs(t, "00000000000000000000.log")
	if !finished(t, start(func() error { return appendErr(l, b) }), 10*time.Second) {
		t.Fatal("the append that rolls the segment waits for the old segment's fsync")
	}
	gate.blocked(t)

	deleted := start(func() error {
		_, _, err := l.DeleteSegments(retention{ms: -1, bytes: 0}, time.Now())
		return err
	})
	if finished(t, deleted, 200*time.Millisecond) {
		t.Fatal("DeleteSegments removed a segment while its fsync was blocked")
	}
	if _, err := os.Stat(segmentPath(dir, 0, logSuffix)); err != nil {
		t.Fatalf("segment 0 is gone while its fsync runs: %v", err)
	}
	gate.open()
	if !finished(t, deleted, 10*time.Second) {
		t.Fatal("DeleteSegments still waits once the fsync is done")
	}
	if _, err := os.Stat(segmentPath(dir, 0, logSuffix)); err == nil {
		t.Error("segment 0 was not deleted")
	}
	gate.mu.Lock()
	defer gate.mu.Unlock()
	if len(gate.deleted) > 0 {
		t.Errorf("fsyncs of deleted files: %v", gate.deleted)
	}
	checkLog(t, l)
}

// TestUncleanStartRescansRolledSegment damages the tail of a rolled
// segment, as a power cut before its background fsync would, and opens
// the log as after a crash: the rolled segment is cut at the damage, and
// the segment after it, whose records followed the lost ones, is deleted.
func TestUncleanStartRescansRolledSegment(t *testing.T) {
	dir := t.TempDir()
	b := makeBatch(recordsAt(1, 10)...)
	opts := logOptions{SegmentBytes: int64(3 * len(b))}
	l, err := openPartitionLog(dir, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	appendBatches(t, l, b, b, b)
	appendBatches(t, l, b) // rolls: segment 0 holds offsets 0-29
	appendBatches(t, l, b)
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	// A crash: the log is not closed (its files are, for the reopen).
	l.mu.Lock()
	l.closeFiles()
	l.closed = true
	l.mu.Unlock()
	seg0 := segmentPath(dir, 0, logSuffix)
	if err := os.Truncate(seg0, int64(3*len(b)-7)); err != nil {
		t.Fatal(err)
	}

	l2 := openTestLog(t, dir, opts)
	if hw := l2.HighWatermark(); hw != 20 {
		t.Errorf("high watermark after recovery %d, want 20: the torn rolled segment was not cut", hw)
	}
	if got := segmentFiles(t, dir, logSuffix); len(got) != 1 {
		t.Errorf("segments after recovery %v, want segment 0 alone", got)
	}
	checkLog(t, l2)
	if off := appendBatches(t, l2, b); off != 20 {
		t.Errorf("next append at %d, want 20", off)
	}
	checkLog(t, l2)
	l2.Close()
	l3 := openTestLog(t, dir, opts)
	if hw := l3.HighWatermark(); hw != 30 {
		t.Errorf("high watermark after a reopen %d, want 30", hw)
	}
	checkLog(t, l3)
}

// TestUncleanStartSyncsScannedSegments: after an unclean stop, the
// segments recovery scanned may hold a tail that only the page cache has
// (a crash of the process alone keeps it), and the log starts as if all
// of it were synced: recovery fsyncs both, and no older one.
func TestUncleanStartSyncsScannedSegments(t *testing.T) {
	dir := t.TempDir()
	b := makeBatch(recordsAt(1, 10)...)
	opts := logOptions{SegmentBytes: int64(len(b))}
	l := openTestLog(t, dir, opts)
	for range 4 {
		appendBatches(t, l, b) // a segment each
	}
	l.Close()
	var mu sync.Mutex
	synced := map[string]bool{}
	hookFsync(t, func(f *os.File) error {
		mu.Lock()
		synced[filepath.Base(f.Name())] = true
		mu.Unlock()
		return f.Sync()
	})
	openTestLog(t, dir, opts)
	mu.Lock()
	defer mu.Unlock()
	for base, want := range map[int64]bool{1: false, 2: true, 3: true} {
		name := filepath.Base(segmentPath(dir, base*10, logSuffix))
		if synced[name] != want {
			t.Errorf("%s fsynced at the unclean open: %v, want %v", name, synced[name], want)
		}
	}
}

// TestCleanerSwapWaitsForRolledFsync compacts a partition whose last
// rolled segment's fsync is blocked: the swap, which removes or renames
// over that segment's files, waits for it.
func TestCleanerSwapWaitsForRolledFsync(t *testing.T) {
	ct := newCleanTest(t)
	for v := range 3 {
		ct.append(keyedBatch(plain, put("k", fmt.Sprintf("v%d", v), int64(1000+v))))
	}
	gate := blockFsyncs(t, "00000000000000000003.log")
	ct.append(keyedBatch(plain, put("k", "v3", 1003)), keyedBatch(plain, put("k", "v4", 1004)))
	gate.blocked(t) // the roll to segment 4 fsyncs segment 3

	cleaned := start(func() error {
		ct.l.setSegmentBytes(1 << 20)
		_, err := ct.l.clean(context.Background(), ct.cp, cleanerOptions{dedupeBufferBytes: 1 << 20, now: func() time.Time { return time.UnixMilli(2000) }})
		return err
	})
	if finished(t, cleaned, 200*time.Millisecond) {
		t.Fatal("the cleaner swapped segments while one's fsync was blocked")
	}
	if _, err := os.Stat(segmentPath(ct.dir, 3, logSuffix)); err != nil {
		t.Fatalf("segment 3 is gone while its fsync runs: %v", err)
	}
	gate.open()
	if !finished(t, cleaned, 10*time.Second) {
		t.Fatal("the cleaner still waits once the fsync is done")
	}
	gate.mu.Lock()
	defer gate.mu.Unlock()
	if len(gate.deleted) > 0 {
		t.Errorf("fsyncs of deleted files: %v", gate.deleted)
	}
	if recs, _ := readLog(t, ct.l); len(recs) != 2 {
		t.Errorf("%d records after cleaning, want 2 (the latest of the closed segments, and the active one's)", len(recs))
	}
}

// TestRolledFlushSyncsTheDirectory: the background flush of a rolled
// segment also fsyncs the partition's directory, which holds the new
// segment's name, before SyncTo may report batches in that segment as on
// disk.
func TestRolledFlushSyncsTheDirectory(t *testing.T) {
	dir := t.TempDir()
	b := makeBatch(recordsAt(1, 10)...)
	l := openTestLog(t, dir, logOptions{SegmentBytes: int64(3 * len(b))})
	appendBatches(t, l, b, b, b)
	var mu sync.Mutex
	var synced []string
	hookFsync(t, func(f *os.File) error {
		mu.Lock()
		synced = append(synced, f.Name())
		mu.Unlock()
		return f.Sync()
	})
	appendBatches(t, l, b) // rolls
	if err := l.SyncTo(l.HighWatermark()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(synced, dir) {
		t.Errorf("fsyncs after a roll and SyncTo: %v; want the partition directory %s among them", synced, dir)
	}
}
