package kafka

// Tests of the faults the broker must survive: a second broker on the same
// data dir, failing accepts, an index that lies, a delete that cannot
// finish, an unopenable partition, damaged files and coordinators whose
// state does not load. A full disk is in diskfull_test.go; the crash
// tests, which need a process to kill, are in interop/faults_test.go.

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestSecondBrokerSameDir starts a broker on a data dir that one is
// already serving: it must fail at once, naming the dir, and leave the
// first one serving.
func TestSecondBrokerSameDir(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "t", 1)
	batch := makeBatch(recordsAt(1, 1)...)
	c.mustProduce("t", 0, batch)

	b, err := Open(Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil {
		b.logs.Close()
		t.Fatal("a second broker opened a data dir in use")
	}
	if !errors.Is(err, errDataDirLocked) || !strings.Contains(err.Error(), dir) {
		t.Errorf("second Open: %v; want errDataDirLocked naming %s", err, dir)
	}
	// The second broker stopped before recovery: the first one's next
	// offset is still its own.
	if code, base := c.produce("t", 0, batch); code != codeNone || base != 1 {
		t.Errorf("produce after the second Open: code %d, base %d; want 0, 1", code, base)
	}

	tb.stop()
	tb = startBroker(t, dir) // the lock went with the first broker
	if code, hw, _ := dial(t, tb.addr).fetch("t", 0, 0, 0, 0); code != codeNone || hw != 2 {
		t.Errorf("after a restart: code %d, high watermark %d; want 0, 2", code, hw)
	}
}

// failingListener fails its first n accepts with err, then accepts from
// the real listener.
type failingListener struct {
	net.Listener
	n     atomic.Int32
	err   error
	fails atomic.Int32
}

func (l *failingListener) Accept() (net.Conn, error) {
	if l.n.Add(-1) >= 0 {
		l.fails.Add(1)
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", l.err)}
	}
	return l.Listener.Accept()
}

// TestAcceptErrorsRetried checks that failing accepts (out of file
// descriptors and the like) are logged and retried after a pause, and
// that the broker then serves as before.
func TestAcceptErrorsRetried(t *testing.T) {
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ECONNABORTED} {
		t.Run(errno.Error(), func(t *testing.T) {
			var logs syncBuffer
			b, err := Open(Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			inner, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			ln := &failingListener{Listener: inner, err: errno}
			ln.n.Store(5)
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			start := time.Now()
			go func() { done <- b.Serve(ctx, ln) }()

			c := dial(t, inner.Addr().String())
			c.createTopic("t", 1)
			// 5 + 10 + 20 + 40 + 80 ms of pauses went by first.
			if elapsed := time.Since(start); elapsed < 155*time.Millisecond {
				t.Errorf("served after %v: the failed accepts were not paused after", elapsed)
			}
			if got := ln.fails.Load(); got != 5 {
				t.Errorf("%d failed accepts, want 5", got)
			}
			if n := strings.Count(logs.String(), "accept failed"); n != 5 || !strings.Contains(logs.String(), errno.Error()) {
				t.Errorf("%d log lines about failed accepts, want 5 naming %q:\n%s", n, errno.Error(), logs.String())
			}
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
}

// TestShiftedIndex rewrites an older segment's offset index with every
// position moved on by a few bytes: still in order and inside the log, so
// it passes the sanity check at open, but naming no batch. Reads must
// notice, rebuild the index with a log line, and answer from the log.
func TestShiftedIndex(t *testing.T) {
	dir := t.TempDir()
	opts := logOptions{IndexIntervalBytes: 1024, SegmentBytes: 16 << 10}
	batches, good := shiftFirstIndex(t, dir, opts)
	index := segmentPath(dir, 0, offsetIndexSuffix)
	var logs syncBuffer
	l, err := openPartition(dir, opts, slog.New(slog.NewTextHandler(&logs, nil)), true)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if len(l.segments) < 2 {
		t.Fatalf("%d segments; the test needs an older one", len(l.segments))
	}
	for offset := range int64(len(batches)) {
		got, err := l.Read(offset, 1)
		if err != nil || !bytes.Equal(got, stored(batches[offset], offset)) {
			t.Fatalf("read at %d: %d bytes, %v; want the batch at that offset", offset, len(got), err)
		}
	}
	if !strings.Contains(logs.String(), "offset index does not match the log") {
		t.Errorf("no log line about the rebuilt index:\n%s", logs.String())
	}
	if got, _ := os.ReadFile(index); !bytes.Equal(got, good) {
		t.Errorf("the rebuilt index differs from the one appends wrote")
	}
}

// shiftFirstIndex writes 60 batches of about 1 KiB to a log in dir, in
// segments of 16 KiB, and rewrites the first segment's offset index with
// every position moved on by 61 bytes: in order and inside the log, so
// it passes the check at open, but naming no batch. It returns the
// batches and the index as appends wrote it.
func shiftFirstIndex(t *testing.T, dir string, opts logOptions) (batches [][]byte, good []byte) {
	t.Helper()
	l, err := openPartitionLog(dir, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		batches = append(batches, bigBatch(int64(i)))
		appendBatches(t, l, batches[i])
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	index := segmentPath(dir, 0, offsetIndexSuffix)
	good, err = os.ReadFile(index)
	if err != nil || len(good) < 2*offsetEntrySize {
		t.Fatalf("offset index of the first segment: %d bytes, %v; the test needs entries", len(good), err)
	}
	shifted := bytes.Clone(good)
	for i := 0; i < len(shifted); i += offsetEntrySize {
		pos := binary.BigEndian.Uint32(shifted[i+4:]) + 61
		binary.BigEndian.PutUint32(shifted[i+4:], pos)
	}
	if err := os.WriteFile(index, shifted, 0o644); err != nil {
		t.Fatal(err)
	}
	return batches, good
}

// TestShiftedIndexOverDamage is TestShiftedIndex with the segment's last
// batch cut short as well. The rebuild the first read starts met the
// damage and gave up, so every read of the segment failed again: an
// older segment's indexes are rebuilt up to the damage, as at open, and
// the reads are answered from the log.
func TestShiftedIndexOverDamage(t *testing.T) {
	dir := t.TempDir()
	opts := logOptions{IndexIntervalBytes: 1024, SegmentBytes: 16 << 10}
	batches, _ := shiftFirstIndex(t, dir, opts)
	path := segmentPath(dir, 0, logSuffix)
	if err := os.Truncate(path, fileSize(t, path)-10); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	l, err := openPartition(dir, opts, slog.New(slog.NewTextHandler(&logs, nil)), true)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if len(l.segments) < 2 {
		t.Fatalf("%d segments; the test needs an older one", len(l.segments))
	}
	cut := l.segments[1].base - 1 // the first segment's last batch
	for offset := range int64(len(batches)) {
		if offset == cut {
			continue
		}
		got, err := l.Read(offset, 1)
		if err != nil || !bytes.Equal(got, stored(batches[offset], offset)) {
			t.Fatalf("read at %d: %d bytes, %v; want the batch at that offset\n%s", offset, len(got), err, logs.String())
		}
	}
	if !strings.Contains(logs.String(), `msg="damaged segment`) {
		t.Errorf("no WARN about the damaged segment:\n%s", logs.String())
	}
}

// TestDeleteTopicRenameFails makes a DeleteTopics fail halfway: the topic
// must stay as it was, readable and in the topic list, and its name taken.
func TestDeleteTopicRenameFails(t *testing.T) {
	path := t.TempDir()
	d, err := openLogDir(path, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tl, err := d.CreateTopic("t", 3)
	if err != nil {
		t.Fatal(err)
	}
	batch := makeBatch(recordsAt(1, 2)...)
	appendBatches(t, tl.Partitions[2], batch)
	// Something in the way of partition 2's -delete name: the rename of
	// partition 2 fails after partitions 0 and 1 were renamed.
	obstacle := filepath.Join(path, changeDirName("t", 2, tl.ID, deleteSuffix))
	os.MkdirAll(filepath.Join(obstacle, "x"), 0o755)

	if err := d.DeleteTopic("t"); err == nil {
		t.Fatal("DeleteTopic succeeded with a rename failing")
	}
	if d.Topic("t") == nil {
		t.Fatal("a failed DeleteTopic dropped the topic")
	}
	for p := range 3 {
		if _, err := os.Stat(filepath.Join(path, partitionDirName("t", int32(p)), partitionMetadataFile)); err != nil {
			t.Errorf("partition %d after the failed delete: %v", p, err)
		}
	}
	if got, err := d.Topic("t").Partitions[2].Read(0, 1<<20); err != nil || !bytes.Equal(got, stored(batch, 0)) {
		t.Errorf("records after the failed delete: %d bytes, %v", len(got), err)
	}
	if _, err := d.CreateTopic("t", 1); !errors.Is(err, errTopicExists) {
		t.Errorf("CreateTopic after the failed delete: %v, want errTopicExists", err)
	}

	os.RemoveAll(obstacle)
	if err := d.DeleteTopic("t"); err != nil {
		t.Fatalf("DeleteTopic once the way is clear: %v", err)
	}
	if _, err := d.CreateTopic("t", 1); err != nil {
		t.Errorf("CreateTopic after the delete: %v", err)
	}
}

// TestDeleteTopicRemoveFails makes the removal of a deleted topic's dirs
// fail: the delete still took effect, the name can be used again at once,
// the failure is logged, and the next open removes the dirs.
func TestDeleteTopicRemoveFails(t *testing.T) {
	path := t.TempDir()
	var logs syncBuffer
	d, err := openLogDir(path, logOptions{}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	old, err := d.CreateTopic("t", 2)
	if err != nil {
		t.Fatal(err)
	}
	appendBatches(t, old.Partitions[0], makeBatch(recordsAt(1, 2)...))
	removeAll = func(string) error { return syscall.EBUSY }
	t.Cleanup(func() { removeAll = os.RemoveAll })

	if err := d.DeleteTopic("t"); err != nil {
		t.Fatalf("DeleteTopic: %v", err)
	}
	again, err := d.CreateTopic("t", 1)
	if err != nil {
		t.Fatalf("CreateTopic after the delete: %v", err)
	}
	if again.ID == old.ID || again.Partitions[0].HighWatermark() != 0 {
		t.Errorf("recreated topic: id %s (old %s), high watermark %d", again.ID, old.ID, again.Partitions[0].HighWatermark())
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "removing a deleted partition dir failed") {
		t.Errorf("no log line about the failed removal:\n%s", logs.String())
	}
	gone := filepath.Join(path, changeDirName("t", 0, old.ID, deleteSuffix))
	if _, err := os.Stat(gone); err != nil {
		t.Fatalf("the -delete dir: %v", err)
	}

	removeAll = os.RemoveAll
	d, err = openLogDir(path, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.Close()
	if _, err := os.Stat(gone); !os.IsNotExist(err) {
		t.Errorf("the -delete dir after a restart: %v", err)
	}
	if len(d.topics) != 1 || d.topics["t"].ID != again.ID {
		t.Errorf("topics after a restart: %v", d.topics)
	}
}

// corruptFirstSegment puts a dangling symlink in place of the first
// segment of partition (a directory name such as "t-1") under dir: the
// segment is listed but cannot be opened, as a file the disk can no
// longer read, and that keeps the partition offline. (A segment damaged
// inside no longer does: its indexes are rebuilt up to the damage, see
// TestDamagedOlderSegmentServesTheRest.) It returns the segment's path
// and its bytes before the damage, for a test that repairs it by
// removing the link and writing them back.
func corruptFirstSegment(t *testing.T, dir, partition string) (string, []byte) {
	t.Helper()
	seg := segmentPath(filepath.Join(dir, partition), 0, logSuffix)
	good, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(seg); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "gone"), seg); err != nil {
		t.Fatal(err)
	}
	return seg, good
}

// TestOfflinePartition loads a partition whose log does not open (an
// older segment cannot be opened): the partition answers
// KAFKA_STORAGE_ERROR, and the others are served.
func TestOfflinePartition(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicUsing(t, Config{DataDir: dir, SegmentBytes: 4 << 10}, "t", 2)
	for range 20 {
		for p := range int32(2) {
			c.mustProduce("t", p, bigBatch(1))
		}
	}
	tb.stop()
	corruptFirstSegment(t, dir, "t-1")

	var logs syncBuffer
	tb = startBrokerWith(t, Config{DataDir: dir, SegmentBytes: 4 << 10, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c = dial(t, tb.addr)
	if code, _, _ := c.fetch("t", 1, 0, 0, 0); code != codeKafkaStorageError {
		t.Errorf("fetch from the offline partition: code %d, want KAFKA_STORAGE_ERROR", code)
	}
	if code, _ := c.produce("t", 1, bigBatch(1)); code != codeKafkaStorageError {
		t.Errorf("produce to the offline partition: code %d, want KAFKA_STORAGE_ERROR", code)
	}
	if code, hw, records := c.fetch("t", 0, 0, 0, 0); code != codeNone || hw != 20 || len(records) == 0 {
		t.Errorf("fetch from the other partition: code %d, high watermark %d, %d bytes", code, hw, len(records))
	}
	if !strings.Contains(logs.String(), "partition is offline") {
		t.Errorf("no log line about the offline partition:\n%s", logs.String())
	}
}

// readProduceError reads a Produce v9 response for one partition: its
// error code and message.
func readProduceError(t *testing.T, r *reader) (int16, *string) {
	t.Helper()
	p := readProducePartition(r, 9)
	if r.err != nil {
		t.Fatal(r.err)
	}
	return p.ErrorCode, p.ErrorMessage
}

// TestRecoverTopicChanges builds, for each step of each topic change, the
// data dir a crash at that step leaves (the design note's table in
// topics.go), and opens it: the topic must have its old shape or its new
// one, its records whole, and its name usable again.
func TestRecoverTopicChanges(t *testing.T) {
	batch := makeBatch(recordsAt(1, 2)...)
	// setup makes topic t with n partitions, records in partition 0,
	// closes the dir and returns its path and t's id.
	setup := func(t *testing.T, n int32) (string, uuid) {
		path := t.TempDir()
		d, err := openLogDir(path, logOptions{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		tl, err := d.CreateTopic("t", n)
		if err != nil {
			t.Fatal(err)
		}
		appendBatches(t, tl.Partitions[0], batch)
		d.Close()
		return path, tl.ID
	}
	move := func(t *testing.T, path, from, to string) {
		if err := os.Rename(filepath.Join(path, from), filepath.Join(path, to)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		crash func(t *testing.T, path string, id uuid) // from t with 2 partitions
		want  int                                      // partitions of t after the open; 0 if absent
	}{
		{"create: staged", func(t *testing.T, path string, id uuid) {
			for p := range int32(2) {
				move(t, path, partitionDirName("t", p), changeDirName("t", p, id, createSuffix))
			}
		}, 0},
		{"create: all but the first renamed", func(t *testing.T, path string, id uuid) {
			move(t, path, "t-0", changeDirName("t", 0, id, createSuffix))
		}, 0},
		{"grow: staged", func(t *testing.T, path string, id uuid) {
			os.Mkdir(filepath.Join(path, changeDirName("t", 2, id, createSuffix)), 0o755)
			os.WriteFile(filepath.Join(path, changeDirName("t", 2, id, createSuffix), partitionMetadataFile), partitionMetadata(id), 0o644)
		}, 2},
		{"grow: all but the first renamed", func(t *testing.T, path string, id uuid) {
			os.Mkdir(filepath.Join(path, changeDirName("t", 2, id, createSuffix)), 0o755)
			os.Mkdir(filepath.Join(path, "t-3"), 0o755)
			os.WriteFile(filepath.Join(path, "t-3", partitionMetadataFile), partitionMetadata(id), 0o644)
		}, 2},
		{"grow: committed", func(t *testing.T, path string, id uuid) {
			for _, dir := range []string{"t-2", "t-3"} {
				os.Mkdir(filepath.Join(path, dir), 0o755)
				os.WriteFile(filepath.Join(path, dir, partitionMetadataFile), partitionMetadata(id), 0o644)
			}
		}, 4},
		{"delete: first renamed", func(t *testing.T, path string, id uuid) {
			move(t, path, "t-0", changeDirName("t", 0, id, deleteSuffix))
		}, 0},
		{"delete: all renamed", func(t *testing.T, path string, id uuid) {
			for p := range int32(2) {
				move(t, path, partitionDirName("t", p), changeDirName("t", p, id, deleteSuffix))
			}
		}, 0},
		{"delete: a rename put back", func(t *testing.T, path string, id uuid) {
			// retire's undo puts the later partitions back first.
			move(t, path, "t-0", changeDirName("t", 0, id, deleteSuffix))
			move(t, path, changeDirName("t", 0, id, deleteSuffix), "t-0")
		}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, id := setup(t, 2)
			tc.crash(t, path, id)
			var logs syncBuffer
			d, err := openLogDir(path, logOptions{}, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			tl := d.Topic("t")
			switch {
			case tc.want == 0 && tl != nil:
				t.Fatalf("t has %d partitions, want it absent", len(tl.Partitions))
			case tc.want > 0 && (tl == nil || len(tl.Partitions) != tc.want):
				t.Fatalf("t is %v, want %d partitions", tl, tc.want)
			case tc.want > 0:
				if got, err := tl.Partitions[0].Read(0, 1<<20); err != nil || !bytes.Equal(got, stored(batch, 0)) {
					t.Errorf("records of partition 0: %d bytes, %v", len(got), err)
				}
				if err := d.DeleteTopic("t"); err != nil {
					t.Fatal(err)
				}
			}
			d.removals.Wait()
			entries, _ := os.ReadDir(path)
			for _, e := range entries {
				if e.IsDir() && (tc.want == 0 || strings.HasSuffix(e.Name(), createSuffix)) {
					t.Errorf("%s is left in the data dir", e.Name())
				}
			}
			if _, err := d.CreateTopic("t", 3); err != nil {
				t.Errorf("creating t again: %v", err)
			}
		})
	}
}

// TestOfflinePartitionUnderOpenTransaction: a transaction whose abort a
// crash left prepared (PrepareAbort), in a partition whose log no longer
// opens, cannot be finished at start. The broker still starts, serves the
// other partitions, and says in the log that it will retry.
func TestOfflinePartitionUnderOpenTransaction(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicUsing(t, Config{DataDir: dir, SegmentBytes: 4 << 10}, "t", 2)
	for range 20 {
		c.mustProduce("t", 1, bigBatch(1))
	}
	_, pid, epoch := c.initTxn("app", 60000)
	c.addPartition("app", pid, epoch, "t", 1)
	if code, _ := c.produce("t", 1, txnBatch(pid, epoch, 0, 2)); code != codeNone {
		t.Fatalf("transactional produce: code %d", code)
	}
	c.mustProduce("t", 0, bigBatch(1))
	tb.stop()
	setTxnState(t, dir, "app", txnOngoing, txnPrepareAbort)
	corruptFirstSegment(t, dir, "t-1")

	var logs syncBuffer
	tb = startBrokerWith(t, Config{DataDir: dir, SegmentBytes: 4 << 10, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c = dial(t, tb.addr)
	if code, hw, _ := c.fetch("t", 0, 0, 0, 0); code != codeNone || hw != 1 {
		t.Errorf("fetch from the healthy partition: code %d, high watermark %d", code, hw)
	}
	if !strings.Contains(logs.String(), "will retry") {
		t.Errorf("no log line about the transaction left to retry:\n%s", logs.String())
	}
}

// TestCreateTopicsBatch makes several topics in one batch, as one
// CreateTopics request does: a topic whose partition dir is in the way,
// one named twice and one colliding with another of the batch fail alone;
// the rest are made whole, leave no staged dir behind, and load again.
func TestCreateTopicsBatch(t *testing.T) {
	path := t.TempDir()
	d, err := openLogDir(path, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A dir recovery left alone at blocked-1.
	if err := os.Mkdir(filepath.Join(path, "blocked-1"), 0o755); err != nil {
		t.Fatal(err)
	}
	specs := []newTopic{
		{Name: "a", Partitions: 3},
		{Name: "blocked", Partitions: 2},
		{Name: "b.x", Partitions: 1, Configs: topicConfig{"retention.ms": "1000"}},
		{Name: "a", Partitions: 1},
		{Name: "b_x", Partitions: 1},
		{Name: "c", Partitions: 2},
	}
	made, errs := d.CreateTopics(specs)
	wantErr := []error{nil, fs.ErrExist, nil, errTopicExists, errInvalidTopic, nil}
	for i, want := range wantErr {
		if want == nil && errs[i] != nil || want != nil && !errors.Is(errs[i], want) {
			t.Errorf("topic %d (%s): err %v, want %v", i, specs[i].Name, errs[i], want)
		}
		if (errs[i] == nil) != (made[i] != nil) {
			t.Errorf("topic %d (%s): made %v with err %v", i, specs[i].Name, made[i], errs[i])
		}
	}
	appendBatches(t, made[5].Partitions[1], makeBatch(recordsAt(1, 2)...))
	d.Close()
	entries, err := os.ReadDir(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), createSuffix) || strings.HasPrefix(e.Name(), "blocked-0") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	d, err = openLogDir(path, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	got := map[string]int{}
	for _, tl := range d.Topics() {
		got[tl.Name] = len(tl.Partitions)
	}
	if diff := cmp.Diff(map[string]int{"a": 3, "b.x": 1, "c": 2}, got); diff != "" {
		t.Errorf("topics after reopening (-want +got):\n%s", diff)
	}
	if cfg := d.Topic("b.x").Configs; cfg["retention.ms"] != "1000" {
		t.Errorf("b.x configs after reopening: %v", cfg)
	}
	if hw := d.Topic("c").Partitions[1].HighWatermark(); hw != 2 {
		t.Errorf("c-1 high watermark after reopening: %d, want 2", hw)
	}
}

// TestOfflinePartitionKeepsLogStart takes a partition offline at a start
// (an older segment that cannot be opened) after DeleteRecords moved its
// log start offset, then checkpoints the others' log starts: the offline
// partition's entry must stay as it was, or once its segment is repaired
// the records DeleteRecords removed come back.
func TestOfflinePartitionKeepsLogStart(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, SegmentBytes: 4 << 10}
	tb, c := startWithTopicUsing(t, cfg, "t", 2)
	for range 20 {
		for p := range int32(2) {
			c.mustProduce("t", p, bigBatch(1))
		}
	}
	if code, low := c.deleteRecords("t", 1, 2); code != codeNone || low != 2 {
		t.Fatalf("DeleteRecords: code %d, low %d", code, low)
	}
	tb.stop()
	seg, good := corruptFirstSegment(t, dir, "t-1")

	tb = startBrokerWith(t, cfg)
	c = dial(t, tb.addr)
	if code, _, _ := c.fetch("t", 1, 0, 0, 0); code != codeKafkaStorageError {
		t.Fatalf("fetch from the damaged partition: code %d, want KAFKA_STORAGE_ERROR", code)
	}
	// A DeleteRecords of the other partition writes the checkpoint.
	if code, _ := c.deleteRecords("t", 0, 1); code != codeNone {
		t.Fatalf("DeleteRecords of the healthy partition: code %d", code)
	}
	tb.stop()

	os.Remove(seg)
	os.WriteFile(seg, good, 0o644) // repaired
	tb = startBrokerWith(t, cfg)
	c = dial(t, tb.addr)
	for p, want := range []int64{1, 2} {
		if _, start := c.listOffset("t", int32(p), earliestTimestamp); start != want {
			t.Errorf("partition %d starts at %d after the repair, want %d", p, start, want)
		}
	}
}

// TestDamagedPartitionMetadata loads topics whose partition.metadata files
// are gone or garbled. Such a dir still has its partition's name, which
// only a committed creation gives it, and its records: its topic id is
// taken from its sibling partitions, or for a topic with none readable a
// new one is given, and the file written again. Leaving the dir alone, as
// if it were no partition, hid its records and those of every partition
// after it, and shrank the topic. A dir past a missing partition is a
// stray, left alone: its file is not written, even if damaged.
func TestDamagedPartitionMetadata(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicUsing(t, Config{DataDir: dir}, "t", 3)
	c.createTopic("one", 1)
	c.createTopic("gap", 3)
	c.mustProduce("gap", 2, makeBatch(testRecord{1, "x"}))
	for p := range int32(3) {
		c.mustProduce("t", p, makeBatch(testRecord{1, "x"}))
	}
	c.produce("one", 0, makeBatch(testRecord{1, "x"}))
	id := tb.logs.Topic("t").ID
	tb.stop()
	os.Remove(filepath.Join(dir, "t-0", partitionMetadataFile))
	os.WriteFile(filepath.Join(dir, "t-1", partitionMetadataFile), []byte("version: 0\ntopic_id: garbage"), 0o644)
	os.Remove(filepath.Join(dir, "one-0", partitionMetadataFile))
	os.RemoveAll(filepath.Join(dir, "gap-1"))
	os.Remove(filepath.Join(dir, "gap-2", partitionMetadataFile))

	var logs syncBuffer
	tb = startBrokerWith(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c = dial(t, tb.addr)
	if got := tb.logs.Topic("t"); got == nil || len(got.Partitions) != 3 || got.ID != id {
		t.Fatalf("topic t after the damage: %+v, want 3 partitions and id %v\n%s", got, id, logs.String())
	}
	if got := tb.logs.Topic("one"); got == nil || len(got.Partitions) != 1 {
		t.Fatalf("topic one after the damage: %+v, want 1 partition\n%s", got, logs.String())
	}
	for _, tp := range []struct {
		topic     string
		partition int32
	}{{"t", 0}, {"t", 1}, {"t", 2}, {"one", 0}} {
		if code, hw, records := c.fetch(tp.topic, tp.partition, 0, 0, 0); code != codeNone || hw != 1 || len(records) == 0 {
			t.Errorf("%s-%d: code %d, high watermark %d, %d bytes", tp.topic, tp.partition, code, hw, len(records))
		}
	}
	if n := strings.Count(logs.String(), partitionMetadataFile); n < 3 {
		t.Errorf("%d log lines name %s, want one for each of the 3 damaged:\n%s", n, partitionMetadataFile, logs.String())
	}
	tb.stop()
	for _, name := range []string{"t-0", "t-1", "one-0"} {
		if _, err := readPartitionMetadata(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s: not written again: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "gap-2", partitionMetadataFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the stray gap-2 was written to: %v", err)
	}
}

// TestTornSwapFileAtOpen opens a partition whose dir holds a .log.swap
// that is torn, beside the segments it would replace, all still there.
// The cleaner fsyncs a cleaned segment whole before renaming it to .swap,
// so a torn one is damage; finishing the swap deleted the old segments and
// put the torn copy in their place, losing every record past the tear.
// With the old segments whole, the swap is dropped instead, with a log
// line, and every record stays.
func TestTornSwapFileAtOpen(t *testing.T) {
	dir := t.TempDir()
	l, err := openPartitionLog(dir, logOptions{SegmentBytes: 1 << 10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var batches [][]byte
	for i := range 12 {
		b := makeBatch(testRecord{int64(i), strings.Repeat("r", 200)})
		appendBatches(t, l, b)
		batches = append(batches, b)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(segmentPath(dir, 0, logSuffix))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(segmentPath(dir, 0, logSuffix+swapSuffix), whole[:len(whole)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	// The cleaning's groupend file names the group's last old segment.
	if err := os.WriteFile(segmentPath(dir, 0, groupEndSuffix+swapSuffix), []byte("0"), 0o644); err != nil {
		t.Fatal(err)
	}

	var logs syncBuffer
	l, err = openPartitionLog(dir, logOptions{SegmentBytes: 1 << 10}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if hw := l.HighWatermark(); hw != int64(len(batches)) {
		t.Fatalf("high watermark %d after opening beside a torn swap, want %d\n%s", hw, len(batches), logs.String())
	}
	for i, b := range batches {
		got, err := l.Read(int64(i), len(b))
		if err != nil || !bytes.Equal(got, stored(b, int64(i))) {
			t.Fatalf("record %d: %d bytes, %v", i, len(got), err)
		}
	}
	if !strings.Contains(logs.String(), swapSuffix) {
		t.Errorf("no log line names the torn swap file:\n%s", logs.String())
	}
}

// TestUnreadableTopicConfigKeepsRecords garbles the topic.config of a
// topic that keeps its records forever (retention.ms -1), whose records
// are a month old. Loading it with the defaults, as before, put it under
// a retention of 7 days and the next check deleted them: a topic whose
// configs are not known has nothing deleted by retention until they are
// set again.
func TestUnreadableTopicConfigKeepsRecords(t *testing.T) {
	dir := t.TempDir()
	tb := startBrokerWith(t, Config{DataDir: dir})
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("keep", 1, map[string]*string{"retention.ms": ptr("-1"), "segment.bytes": ptr("1024")}); code != codeNone {
		t.Fatalf("create: code %d", code)
	}
	old := time.Now().Add(-30 * 24 * time.Hour).UnixMilli()
	for i := range 10 {
		c.mustProduce("keep", 0, makeBatch(testRecord{old + int64(i), strings.Repeat("k", 300)}))
	}
	tb.stop()
	os.WriteFile(filepath.Join(dir, "keep-0", topicConfigFile), []byte("retention.ms=-1\nsegment.by\x00\x00"), 0o644)

	var logs syncBuffer
	tb = startBrokerWith(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	tb.logs.EnforceRetention(time.Now())
	if start := tb.logs.Topic("keep").Partitions[0].LogStartOffset(); start != 0 {
		t.Errorf("log start offset %d after a retention check, want 0: records deleted under default configs\n%s", start, logs.String())
	}
	if !strings.Contains(logs.String(), topicConfigFile) {
		t.Errorf("no log line names %s:\n%s", topicConfigFile, logs.String())
	}
	// Configs set again are obeyed.
	c = dial(t, tb.addr)
	if err := tb.logs.AlterTopicConfigs("keep", func(topicConfig) (topicConfig, *configError) {
		return topicConfig{"retention.ms": "1000"}, nil
	}, false); err != nil {
		t.Fatal(err)
	}
	tb.logs.EnforceRetention(time.Now())
	if start := tb.logs.Topic("keep").Partitions[0].LogStartOffset(); start == 0 {
		t.Errorf("nothing deleted under a retention.ms set again after the damage")
	}
}

// TestTopicConfigLineRefusedKeepsTheRest starts on a topic.config whose
// lines are whole but one of which a stricter check now refuses (a
// throttled-replica list an earlier version took). The file was dropped
// whole, and with it the topic's compact policy: the lines that check
// are kept, and retention still deletes nothing until the configs are
// set again.
func TestTopicConfigLineRefusedKeepsTheRest(t *testing.T) {
	dir := t.TempDir()
	tb := startBrokerWith(t, Config{DataDir: dir})
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("table", 1, map[string]*string{"cleanup.policy": ptr("compact")}); code != codeNone {
		t.Fatalf("create: code %d", code)
	}
	tb.stop()
	file := filepath.Join(dir, "table-0", topicConfigFile)
	if err := os.WriteFile(file, []byte("cleanup.policy=compact\nfollower.replication.throttled.replicas=-1:0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	tb = startBrokerWith(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	topic := tb.logs.Topic("table")
	if got := topic.Configs["cleanup.policy"]; got != "compact" || !topic.ConfigsUnread {
		t.Errorf("cleanup.policy %q, ConfigsUnread %v; want compact, true", got, topic.ConfigsUnread)
	}
	if _, ok := topic.Configs["follower.replication.throttled.replicas"]; ok {
		t.Errorf("the refused line was kept")
	}
	if !strings.Contains(logs.String(), "follower.replication.throttled.replicas") {
		t.Errorf("no log line names the refused config:\n%s", logs.String())
	}
}

// TestDeleteTopicLogsNoCloseWarning: deleting a topic whose partitions
// hold records logs no warning. The logs close after their dirs were
// renamed away, and a close that fsyncs by the old path found nothing
// there: each partition logged "closing a deleted partition" with "no
// such file or directory", a fault that was none.
func TestDeleteTopicLogsNoCloseWarning(t *testing.T) {
	var logged bytes.Buffer
	d, err := openLogDir(t.TempDir(), logOptions{}, slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tl, err := d.CreateTopic("t", 2)
	if err != nil {
		t.Fatal(err)
	}
	// Past index.interval.bytes, so that each active segment has index
	// entries its files do not hold yet, which the close writes.
	big := strings.Repeat("v", 3000)
	for _, pl := range tl.Partitions {
		for i := range 4 {
			appendBatches(t, pl, makeBatch(testRecord{timestamp: int64(i), value: big}))
		}
	}
	if err := d.DeleteTopic("t"); err != nil {
		t.Fatal(err)
	}
	if logged.Len() > 0 {
		t.Errorf("DeleteTopic logged:\n%s", logged.String())
	}
}

// TestPartitionMetadataOtherTopicID: a partition.metadata damaged so that
// it still reads, as another topic id, does not hide the partition or
// those after it. The topic keeps its partitions; the one whose id
// differs from partition 0's is offline (KAFKA_STORAGE_ERROR) with an
// ERROR log line naming the file and both ids, its records kept. Removing
// the damaged file brings it back at the next start, its id restored from
// its siblings. (Kafka compares a log's id with the metadata's, and moves
// a log of an id the metadata lacks aside as a stray; here partition 0's
// id stands in for the metadata, and nothing is moved.)
func TestPartitionMetadataOtherTopicID(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicUsing(t, Config{DataDir: dir}, "t", 3)
	for p := range int32(3) {
		c.mustProduce("t", p, makeBatch(testRecord{1, "x"}))
	}
	id := tb.logs.Topic("t").ID
	tb.stop()
	flipped := id
	flipped[5] ^= 0x10
	damaged := filepath.Join(dir, "t-1", partitionMetadataFile)
	if err := os.WriteFile(damaged, partitionMetadata(flipped), 0o644); err != nil {
		t.Fatal(err)
	}

	var logs syncBuffer
	tb = startBrokerWith(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c = dial(t, tb.addr)
	if got := tb.logs.Topic("t"); got == nil || len(got.Partitions) != 3 || got.ID != id {
		t.Fatalf("topic t: %+v, want 3 partitions and id %v\n%s", got, id, logs.String())
	}
	for p, want := range []int16{codeNone, codeKafkaStorageError, codeNone} {
		if code, _, _ := c.fetch("t", int32(p), 0, 0, 0); code != want {
			t.Errorf("t-%d: code %d, want %d", p, code, want)
		}
	}
	if code, _ := c.produce("t", 1, makeBatch(testRecord{2, "y"})); code != codeKafkaStorageError {
		t.Errorf("produce to t-1: code %d, want KAFKA_STORAGE_ERROR", code)
	}
	line := logs.String()
	if !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "t-1") || !strings.Contains(line, flipped.String()) || !strings.Contains(line, id.String()) {
		t.Errorf("no ERROR line names t-1 and both ids:\n%s", line)
	}
	tb.stop()

	if err := os.Remove(damaged); err != nil {
		t.Fatal(err)
	}
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	if code, hw, records := c.fetch("t", 1, 0, 0, 0); code != codeNone || hw != 1 || !sameBatches(records, makeBatch(testRecord{1, "x"})) {
		t.Errorf("t-1 after removing the damaged file: code %d hw %d, %d bytes; want its record", code, hw, len(records))
	}
	if got := tb.logs.Topic("t"); got.ID != id {
		t.Errorf("topic id %v after the repair, want %v", got.ID, id)
	}
}

// TestSegmentOpensOutOfDescriptors reads and writes a partition while the
// process may open no more files (RLIMIT_NOFILE lowered, and the numbers
// below it taken): reads of older segments, whose files the cache has
// closed, succeed or answer KAFKA_STORAGE_ERROR, a produce that rolls a
// segment answers KAFKA_STORAGE_ERROR, the broker stays up, and once
// descriptors are free again both go on with every acknowledged batch
// there, before and after a restart.
func TestSegmentOpensOutOfDescriptors(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, ClosedSegmentFiles: 1}
	tb, c := startWithTopicUsing(t, cfg, "t", 1)
	if code, _ := c.createTopicWithConfigs("u", 1, map[string]*string{"segment.bytes": oneBigBatchPerSegment()}); code != codeNone {
		t.Fatalf("create u: code %d", code)
	}
	var acked []byte
	for i := range 6 {
		batch := bigBatch(int64(i))
		c.mustProduce("u", 0, batch)
		acked = append(acked, batch...)
	}
	tb.stop()
	tb = startBrokerWith(t, cfg) // older segments' files closed
	c = dial(t, tb.addr)
	if code, _, _ := c.fetch("u", 0, 5, 0, 0); code != codeNone { // opens the active one's neighbours
		t.Fatalf("fetch: code %d", code)
	}

	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Fatal(err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count open files: %v", err)
	}
	// The limit bounds descriptor numbers, and the numbers below it that
	// are free are taken up, so that no open can succeed.
	tight := old
	tight.Cur = uint64(len(fds) + 8)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &tight); err != nil {
		t.Fatal(err)
	}
	var hogs []*os.File
	restored := false
	restore := func() {
		if !restored {
			restored = true
			for _, f := range hogs {
				f.Close()
			}
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
				t.Fatal(err)
			}
		}
	}
	defer restore()
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			if !errors.Is(err, syscall.EMFILE) {
				restore()
				t.Fatal(err)
			}
			break
		}
		hogs = append(hogs, f)
	}
	var readCodes []int16
	for offset := range int64(5) { // the older segments, one a batch
		code, _, _ := c.fetch("u", 0, offset, 0, 0)
		readCodes = append(readCodes, code)
	}
	produceCode, _ := c.produce("u", 0, bigBatch(6))
	restore()
	// A read may still succeed: the cache closes an idle file of its own
	// to open the one it needs (segfiles.go).
	for offset, code := range readCodes {
		if code != codeNone && code != codeKafkaStorageError {
			t.Errorf("read at %d out of descriptors: code %d, want none or KAFKA_STORAGE_ERROR", offset, code)
		}
	}
	if produceCode != codeKafkaStorageError {
		t.Errorf("produce that rolls a segment out of descriptors: code %d, want KAFKA_STORAGE_ERROR", produceCode)
	}
	t.Logf("out of descriptors: fetch codes %v, produce code %d", readCodes, produceCode)

	batch := bigBatch(7)
	if code, _ := c.produce("u", 0, batch); code != codeNone {
		t.Fatalf("produce once descriptors are free: code %d", code)
	}
	acked = append(acked, batch...)
	check := func(when string) {
		code, got := readPartition(c, "u", 0, 0)
		if code != codeNone || !sameBatches(got, acked) {
			t.Errorf("%s: code %d, %d bytes of %d acknowledged", when, code, len(got), len(acked))
		}
	}
	check("once descriptors are free")
	tb.stop()
	tb = startBrokerWith(t, cfg)
	c = dial(t, tb.addr)
	check("after a restart")
}

// TestDamagedOlderSegmentServesTheRest damages a segment before the last
// between a clean stop and a start, three ways: noise after its last
// batch, its last batch cut short, its first batch's header overwritten.
// A read must serve every whole batch before the damage and every batch
// of the later segments, with an ERROR naming the segment where records
// are skipped. A read answered KAFKA_STORAGE_ERROR at the first batch of
// the segment, so that every later record of the partition was out of a
// consumer's reach (a consumer retries that code for ever).
//
// Each damage is also made with the segment's indexes failing the check
// at open (the offset index gone, the time index torn), so that they are
// rebuilt by a scan that meets the damage: that took the whole partition
// offline, where Kafka's LogLoader rebuilds them. It must serve the same,
// with a WARN at open naming the segment.
func TestDamagedOlderSegmentServesTheRest(t *testing.T) {
	for _, indexes := range []string{"indexes pass", "indexes fail"} {
		t.Run(indexes, func(t *testing.T) { testDamagedOlderSegment(t, indexes == "indexes fail") })
	}
}

func testDamagedOlderSegment(t *testing.T, badIndexes bool) {
	damages := []struct {
		name  string
		apply func(t *testing.T, path string)
		// kept is how many of the segment's three batches are whole.
		kept   int
		logged bool
	}{
		{"noise after the last batch", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.Write(bytes.Repeat([]byte{0xee}, 100)); err != nil {
				t.Fatal(err)
			}
		}, 3, false},
		{"last batch cut short", func(t *testing.T, path string) {
			if err := os.Truncate(path, fileSize(t, path)-10); err != nil {
				t.Fatal(err)
			}
		}, 2, true},
		{"first header overwritten", func(t *testing.T, path string) {
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			copy(b, bytes.Repeat([]byte{0xee}, batchHeaderSize))
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, 0, true},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			dir := t.TempDir()
			tb := startBrokerWith(t, Config{DataDir: dir})
			c := dial(t, tb.addr)
			// Three batches a segment, too few for an index entry.
			if code, _ := c.createTopicWithConfigs("t", 1, map[string]*string{"segment.bytes": ptr(fmt.Sprint(3 * len(bigBatch(0))))}); code != codeNone {
				t.Fatalf("create: code %d", code)
			}
			var batches [][]byte
			for i := range 9 {
				batches = append(batches, bigBatch(int64(i)))
				c.mustProduce("t", 0, bigBatch(int64(i)))
			}
			tb.stop()
			// The segment of batches 3 to 5.
			d.apply(t, segmentPath(filepath.Join(dir, "t-0"), 3, logSuffix))
			if badIndexes {
				if err := os.Remove(segmentPath(filepath.Join(dir, "t-0"), 3, offsetIndexSuffix)); err != nil {
					t.Fatal(err)
				}
				if err := os.Truncate(segmentPath(filepath.Join(dir, "t-0"), 3, timeIndexSuffix), 5); err != nil {
					t.Fatal(err)
				}
			}
			want := bytes.Join(slices.Concat(batches[:3+d.kept], batches[6:]), nil)
			var logs syncBuffer
			tb = startBrokerWith(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			c = dial(t, tb.addr)
			code, got := readPartition(c, "t", 0, 0)
			if code != codeNone || !sameBatches(got, want) {
				t.Errorf("read: code %d, %d bytes, want code 0 and the %d bytes of the whole batches\n%s", code, len(got), len(want), logs.String())
			}
			if logged := strings.Contains(logs.String(), "level=ERROR") && strings.Contains(logs.String(), "segment=3"); logged != d.logged {
				t.Errorf("an ERROR naming segment 3: %v, want %v\n%s", logged, d.logged, logs.String())
			}
			if badIndexes && !strings.Contains(logs.String(), `level=WARN msg="damaged segment`) {
				t.Errorf("no WARN at open about the damaged segment\n%s", logs.String())
			}
		})
	}
}

// TestConnectionLimit fills the broker's connection slots (connectionLimit
// sizes them from the open file limit): a connection past them waits
// unserved, with a WARN, while the ones served go on, and is served once
// one of them closes. Without the limit, connections under a low ulimit
// -n took every descriptor, and every produce that rolled a segment
// failed on its index files.
func TestConnectionLimit(t *testing.T) {
	var logs syncBuffer
	b, err := Open(Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	b.connSlots = make(chan struct{}, 2)
	addr, _ := serveOpenBroker(t, b)
	first, second := dial(t, addr), dial(t, addr)
	first.createTopic("t", 1)
	second.mustProduce("t", 0, makeBatch(recordsAt(0, 1)...))

	third := dial(t, addr)
	third.send(0, 9, true, produceBody("t", 0, makeBatch(recordsAt(1, 1)...)))
	third.conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := third.r.Peek(1); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a connection past the limit: %v, want no answer yet", err)
	}
	first.mustProduce("t", 0, makeBatch(recordsAt(2, 1)...))
	second.mustProduce("t", 0, makeBatch(recordsAt(3, 1)...))
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "connection limit reached") {
		t.Errorf("no WARN says the limit was reached:\n%s", logs.String())
	}

	first.conn.Close()
	r, err := third.recv(true)
	if err != nil {
		t.Fatalf("once a connection closed: %v", err)
	}
	if code, _ := readProduceError(t, r); code != codeNone {
		t.Errorf("produce once a connection closed: code %d", code)
	}
}

// TestLogStartCheckpointBehindRewritten deletes a partition's first
// segment between a clean stop and a start, as retention does just
// before a crash that leaves the log start checkpoint behind: the start
// warns of it once, and rewrites the checkpoint, so that the clean start
// after it does not warn again of a crash long past.
func TestLogStartCheckpointBehindRewritten(t *testing.T) {
	dir := t.TempDir()
	tb := startBrokerWith(t, Config{DataDir: dir})
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("t", 1, map[string]*string{"segment.bytes": oneBigBatchPerSegment()}); code != codeNone {
		t.Fatalf("create: code %d", code)
	}
	for i := range 3 {
		c.mustProduce("t", 0, bigBatch(int64(i)))
	}
	tb.stop()
	// The checkpoint as retention's previous pass left it, at 0.
	if err := writeCheckpoint(filepath.Join(dir, logStartCheckpointFile), []checkpointEntry{{"t", 0, 0}}); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{logSuffix, offsetIndexSuffix, timeIndexSuffix} {
		if err := os.Remove(segmentPath(filepath.Join(dir, "t-0"), 0, suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	const warning = "checkpointed log start offset is before the first segment"
	for run, want := range []bool{true, false} {
		var logs syncBuffer
		tb = startBrokerWith(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		if got := strings.Contains(logs.String(), warning); got != want {
			t.Errorf("start %d: warned %v, want %v\n%s", run, got, want, logs.String())
		}
		if start := tb.logs.Topic("t").Partitions[0].LogStartOffset(); start != 1 {
			t.Errorf("start %d: log start %d, want 1", run, start)
		}
		tb.stop()
	}
}

// TestLogStartCheckpointDamageThatStillParses damages the log start
// offset checkpoint where it still parsed: a partition's line twice,
// which parseCheckpoint took, and a name flipped to another legal one,
// whose line restoreLogStarts dropped as a deleted topic's. Either way
// the partition started over from its first segment, its deleted records
// readable again, and no line said so; now the first does not parse and
// the last is dropped with a WARN, both naming the file. A name no topic
// can have is dropped as the last is
// (TestLogStartCheckpointLineDamageCostsOnlyItsPartition).
func TestLogStartCheckpointDamageThatStillParses(t *testing.T) {
	bad := "0\n2\norders 0 12\norders 0 12\n"
	if es, err := parseCheckpoint([]byte(bad)); err == nil {
		t.Errorf("parseCheckpoint(%q) = %v, no error", bad, es)
	}
	dir := t.TempDir()
	tb := startBrokerWith(t, Config{DataDir: dir})
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("orders", 1, nil); code != codeNone {
		t.Fatalf("create: code %d", code)
	}
	tb.stop()
	path := filepath.Join(dir, logStartCheckpointFile)
	if err := writeCheckpoint(path, []checkpointEntry{{"ordErs", 0, 12}}); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	tb = startBrokerWith(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	tb.stop()
	if !namedInWarning(logs.String(), path) {
		t.Errorf("no WARN names the checkpoint:\n%s", logs.String())
	}
}

// TestOffsetsPartitionOffline starts a broker whose __consumer_offsets-0
// does not open, two ways: its log does not open (the partition is
// offline), or a file is where its dir should be. The start failed in the
// second case, and in the first the groups came up empty, their commits
// lost to every consumer that asked. The broker must start, with an
// ERROR, serve the other partitions, answer COORDINATOR_NOT_AVAILABLE to
// the group APIs and to FindCoordinator for a group, as Kafka does while
// a coordinator partition cannot be loaded, and change nothing in the
// damaged dir; once it is repaired, a restart serves the commits again.
func TestOffsetsPartitionOffline(t *testing.T) {
	damages := []struct {
		name  string
		apply func(t *testing.T, dir string) (repair func())
	}{
		{"log does not open", func(t *testing.T, dir string) func() {
			seg, good := corruptFirstSegment(t, dir, offsetsTopic+"-0")
			return func() {
				os.Remove(seg)
				os.WriteFile(seg, good, 0o644)
			}
		}},
		{"a file in place of the dir", func(t *testing.T, dir string) func() {
			path := filepath.Join(dir, offsetsTopic+"-0")
			aside := filepath.Join(dir, "aside")
			if err := os.Rename(path, aside); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte("not a dir"), 0o644); err != nil {
				t.Fatal(err)
			}
			return func() {
				os.Remove(path)
				os.Rename(aside, path)
			}
		}},
	}
	for _, d := range damages {
		t.Run(d.name, func(t *testing.T) {
			dir := t.TempDir()
			// Small segments, so that __consumer_offsets-0 has an
			// older one for corruptFirstSegment.
			cfg := Config{DataDir: dir, OffsetsTopicSegmentBytes: 200}
			tb, c := startWithTopicUsing(t, cfg, "t", 1)
			c.mustProduce("t", 0, bigBatch(1))
			for i := range int64(4) {
				if code := c.commitOffset("g", "t", 0, i+1); code != codeNone {
					t.Fatalf("commit: code %d", code)
				}
			}
			tb.stop()
			repair := d.apply(t, dir)
			offsetsDir := filepath.Join(dir, offsetsTopic+"-0")
			before := treeSnapshot(t, offsetsDir)

			var logs syncBuffer
			cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
			tb = startBrokerWith(t, cfg)
			c = dial(t, tb.addr)
			if code, hw, _ := c.fetch("t", 0, 0, 0, 0); code != codeNone || hw != 1 {
				t.Errorf("fetch from t-0: code %d, high watermark %d", code, hw)
			}
			if code, _ := c.produce("t", 0, bigBatch(1)); code != codeNone {
				t.Errorf("produce to t-0: code %d", code)
			}
			if code := c.commitOffset("g", "t", 0, 9); code != codeCoordinatorNotAvailable {
				t.Errorf("OffsetCommit: code %d, want COORDINATOR_NOT_AVAILABLE", code)
			}
			if code := offsetFetchGroupCode(c, "g"); code != codeCoordinatorNotAvailable {
				t.Errorf("OffsetFetch: group code %d, want COORDINATOR_NOT_AVAILABLE", code)
			}
			want := fmt.Sprintf("g %d <nil> -1", codeCoordinatorNotAvailable)
			if got := c.findCoordinatorAt(4, coordinatorGroup, "g"); len(got) != 1 || got[0] != want {
				t.Errorf("FindCoordinator v4: %q, want %q", got, want)
			}
			if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "group coordinator unavailable") {
				t.Errorf("no ERROR about the group coordinator:\n%s", logs.String())
			}
			checkOffsetsTopicOffline(t, tb, c)
			tb.stop()
			checkpointNames(t, dir, offsetsTopic+" 0 ")
			if diff := cmp.Diff(before, treeSnapshot(t, offsetsDir)); diff != "" {
				t.Errorf("the damaged %s changed (-before +after):\n%s", offsetsDir, diff)
			}

			repair()
			cfg.Logger = nil
			tb = startBrokerWith(t, cfg)
			c = dial(t, tb.addr)
			if code, offset, _ := c.offsetFetchOne("g", "t", 0, false); code != codeNone || offset != 4 {
				t.Errorf("OffsetFetch after the repair: code %d, offset %d, want 4", code, offset)
			}
		})
	}
}

// checkOffsetsTopicOffline checks that __consumer_offsets, whose
// partition 0 did not open, is answered as every offline partition is
// (TestOfflinePartitionHasNoLeader), whatever is in the place of its dir:
// Metadata lists it, asked for by name or with every topic, with the
// partition LEADER_NOT_AVAILABLE, leader -1 and the replica offline, as
// KRaftMetadataCache lists a topic of the metadata log whose replica is
// offline; DescribeTopicPartitions too; ListOffsets answers
// KAFKA_STORAGE_ERROR; and, where its id was in the dir, CreatePartitions
// makes nothing next to it.
// With a file in its place the topic was missing from all of them, and
// an auto-creating Metadata tried to make it again.
func checkOffsetsTopicOffline(t *testing.T, tb *testBroker, c *testClient) {
	t.Helper()
	node := tb.cfg.NodeID
	want := fmt.Sprintf("internal true: [0: 5 leader -1 replicas [%d] isr [%d] offline [%d]]", node, node, node)
	for asked, topics := range map[string][]metadataRequestTopic{"every topic": nil, "by name": {{Name: ptr(offsetsTopic)}}} {
		m := c.metadataAt(12, topics, true)
		got := "missing"
		for _, mt := range m.Topics {
			if deref(mt.Name) != offsetsTopic {
				continue
			}
			var ps []string
			for _, p := range mt.Partitions {
				ps = append(ps, fmt.Sprintf("%d: %d leader %d replicas %v isr %v offline %v", p.PartitionIndex, p.ErrorCode, p.LeaderID, p.ReplicaNodes, p.IsrNodes, p.OfflineReplicas))
			}
			got = fmt.Sprintf("internal %v: %v", mt.IsInternal, ps)
		}
		if got != want {
			t.Errorf("Metadata v12, %s: %s is %s, want %s", asked, offsetsTopic, got, want)
		}
	}
	resp := tb.handleDescribeTopicPartitions(context.Background(), &requestContext{header: &requestHeader{APIKey: 75}},
		&describeTopicPartitionsRequest{Topics: []describeTopicPartitionsRequestTopic{{offsetsTopic}}, ResponsePartitionLimit: 10}).(*describeTopicPartitionsResponse)
	var got []string
	for _, dt := range resp.Topics {
		for _, p := range dt.Partitions {
			got = append(got, fmt.Sprintf("%d %d: leader %d offline %v", dt.ErrorCode, p.PartitionIndex, p.LeaderID, p.OfflineReplicas))
		}
	}
	if want := fmt.Sprintf("[0 0: leader -1 offline [%d]]", node); fmt.Sprint(got) != want {
		t.Errorf("DescribeTopicPartitions: %v, want %s", got, want)
	}
	if code, _ := c.listOffset(offsetsTopic, 0, -1); code != codeKafkaStorageError {
		t.Errorf("ListOffsets: code %d, want KAFKA_STORAGE_ERROR", code)
	}
	if tl := tb.logs.Topic(offsetsTopic); tl == nil || tl.ID != (uuid{}) {
		return // its id was read: partitions made now agree with it
	}
	res := c.createPartitionsRaw([]createPartitionsTopic{{Name: offsetsTopic, Count: 2}}, false)
	if len(res) != 1 || res[0].ErrorCode != codeKafkaStorageError {
		t.Errorf("CreatePartitions of %s, of no known id: %+v, want KAFKA_STORAGE_ERROR", offsetsTopic, res)
	}
	if n := len(tb.logs.Topic(offsetsTopic).Partitions); n != 1 {
		t.Errorf("%s grew to %d partitions", offsetsTopic, n)
	}
}

// checkpointNames checks that dir's checkpoint of log end offsets, which
// a clean stop writes, has a line that starts with prefix.
func checkpointNames(t *testing.T, dir, prefix string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, recoveryPointCheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains("\n"+string(b), "\n"+prefix) {
		t.Errorf("%s has no line %q...:\n%s", recoveryPointCheckpointFile, prefix, b)
	}
}

// offsetFetchGroupCode sends OffsetFetch v8 for all of group's offsets
// and returns the group's error code.
func offsetFetchGroupCode(c *testClient, group string) int16 {
	c.t.Helper()
	r := c.roundTrip(9, 8, true, func(w *writer) {
		w.ArrayLen(1)
		w.String(group)
		w.ArrayLen(-1) // all topics
		w.Tags()
		w.Bool(false) // RequireStable
		w.Tags()
	})
	r.Int32() // throttle
	var code int16
	readArray(r, func(r *reader) int {
		_ = r.String()
		readArray(r, func(r *reader) int {
			_ = r.String()
			readArray(r, func(r *reader) int {
				r.Int32()
				r.Int64()
				r.Int32()
				r.NullableString()
				r.Int16()
				r.SkipTags()
				return 0
			})
			r.SkipTags()
			return 0
		})
		code = r.Int16()
		r.SkipTags()
		return 0
	})
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code
}

// treeSnapshot is every file under path (or path itself, if a file): its
// contents, or a symlink's target.
func treeSnapshot(t *testing.T, path string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(path, func(p string, e fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case e.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			snap[p] = "-> " + target
			return err
		case !e.IsDir():
			b, err := os.ReadFile(p)
			snap[p] = string(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// restoreFile puts back at path, as a file, the good bytes a test kept
// before damaging it, whatever the damage put in its place.
func restoreFile(t *testing.T, path string, good []byte) {
	t.Helper()
	if err := os.RemoveAll(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTxnStateUnreadable starts a broker whose transaction state file does
// not read, two ways: a directory in its place (as unreadable as a file
// the disk fails on), or a file of no known form. The start failed. The
// broker must start, with an ERROR naming the file, serve everything but
// the transactional APIs, which answer COORDINATOR_NOT_AVAILABLE as Kafka's
// do while __transaction_state is not loaded, abort nothing (a transaction
// left open stays open for when the file is back), and leave the file as
// it is; once it is repaired, a restart finds the transaction again.
func TestTxnStateUnreadable(t *testing.T) {
	damages := map[string]func(t *testing.T, path string){
		"a directory in its place": func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(path, "x"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"no known form": func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(`{"version":9}`), 0o644); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			tb, c := startWithTopicUsing(t, Config{DataDir: dir}, "t", 1)
			pid, epoch := c.openTxn("app", "t", 2)
			tb.stop()
			path := filepath.Join(dir, txnStateFile)
			good, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			damage(t, path)
			before := treeSnapshot(t, path)

			var logs syncBuffer
			tb = startBrokerWith(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			c = dial(t, tb.addr)
			if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), path) {
				t.Errorf("no ERROR naming %s:\n%s", path, logs.String())
			}
			if code, hw, _ := c.fetch("t", 0, 0, 0, 0); code != codeNone || hw != 2 {
				t.Errorf("fetch: code %d, high watermark %d, want 2: the open transaction was ended", code, hw)
			}
			if code, _, _ := c.initTxn("app", 60000); code != codeCoordinatorNotAvailable {
				t.Errorf("InitProducerId with a transactional id: code %d, want COORDINATOR_NOT_AVAILABLE", code)
			}
			if code := c.endTxn(3, "app", pid, epoch, false); code != codeCoordinatorNotAvailable {
				t.Errorf("EndTxn: code %d, want COORDINATOR_NOT_AVAILABLE", code)
			}
			// The leader cannot verify the batch with the coordinator:
			// NOT_ENOUGH_REPLICAS, which producers retry
			// (ReplicaManager.appendRecords).
			for _, v := range []int16{11, 12} {
				if code := c.produceTxnAt(v, "app", "t", 0, txnBatch(pid, epoch, 2, 1)); code != codeNotEnoughReplicas {
					t.Errorf("transactional Produce v%d: code %d, want NOT_ENOUGH_REPLICAS", v, code)
				}
			}
			want := fmt.Sprintf("app %d <nil> -1", codeCoordinatorNotAvailable)
			if got := c.findCoordinatorAt(4, coordinatorTransaction, "app"); len(got) != 1 || got[0] != want {
				t.Errorf("FindCoordinator v4: %q, want %q", got, want)
			}
			if code, _, _ := c.initProducerID(nil, -1, -1); code != codeNone {
				t.Errorf("InitProducerId of an idempotent producer: code %d", code)
			}
			if code := c.commitOffset("g", "t", 0, 1); code != codeNone {
				t.Errorf("OffsetCommit: code %d", code)
			}
			tb.stop()
			if diff := cmp.Diff(before, treeSnapshot(t, path)); diff != "" {
				t.Errorf("the damaged %s changed (-before +after):\n%s", path, diff)
			}

			restoreFile(t, path, good)
			tb = startBrokerWith(t, Config{DataDir: dir})
			c = dial(t, tb.addr)
			if code := c.endTxn(3, "app", pid, epoch, false); code != codeNone {
				t.Errorf("EndTxn after the repair: code %d", code)
			}
		})
	}
}

// TestShareStateUnreadable starts a broker whose share state file does not
// read, two ways: a directory in its place, or a damaged line before the
// last. The start failed. The broker must start, with an ERROR naming the
// file, answer COORDINATOR_NOT_AVAILABLE to the share-group APIs and to
// FindCoordinator for a share partition, serve everything else, and leave
// the file as it is; once it is repaired, a restart restores the share
// group it names.
func TestShareStateUnreadable(t *testing.T) {
	damages := map[string]func(t *testing.T, path string, good []byte){
		"a directory in its place": func(t *testing.T, path string, _ []byte) {
			if err := os.Mkdir(path, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(path, "x"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		},
		"a damaged line before the last": func(t *testing.T, path string, good []byte) {
			if err := os.WriteFile(path, append([]byte("{damaged\n"), good...), 0o644); err != nil {
				t.Fatal(err)
			}
		},
	}
	for name, damage := range damages {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			tb, c := startWithTopicUsing(t, Config{DataDir: dir}, "t", 1)
			id := tb.logs.Topic("t").ID
			c.mustProduce("t", 0, bigBatch(1))
			if code := c.commitOffset("g", "t", 0, 1); code != codeNone {
				t.Fatalf("OffsetCommit: code %d", code)
			}
			tb.stop()
			shares, _, err := openShareState(dir, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if err := shares.write(shareSnapshot{Group: "s", TopicID: id, Partition: 0}); err != nil {
				t.Fatal(err)
			}
			shares.close()
			path := filepath.Join(dir, shareStateFile)
			good, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
			damage(t, path, good)
			before := treeSnapshot(t, path)

			var logs syncBuffer
			tb = startBrokerWith(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			c = dial(t, tb.addr)
			if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), path) {
				t.Errorf("no ERROR naming %s:\n%s", path, logs.String())
			}
			if code, _, _ := c.shareHeartbeat("s", "m", 0, []string{"t"}); code != codeCoordinatorNotAvailable {
				t.Errorf("ShareGroupHeartbeat: code %d, want COORDINATOR_NOT_AVAILABLE", code)
			}
			key := fmt.Sprintf("s:%v:0", id)
			want := fmt.Sprintf("%s %d <nil> -1", key, codeCoordinatorNotAvailable)
			if got := c.findCoordinatorAt(6, coordinatorShare, key); len(got) != 1 || got[0] != want {
				t.Errorf("FindCoordinator v6: %q, want %q", got, want)
			}
			c.mustProduce("t", 0, bigBatch(1))
			if code := c.commitOffset("g", "t", 0, 2); code != codeNone {
				t.Errorf("OffsetCommit to g, a group before the damage: code %d", code)
			}
			checkNoGroupMade(t, tb, c, "s", "fresh")
			tb.stop()
			if diff := cmp.Diff(before, treeSnapshot(t, path)); diff != "" {
				t.Errorf("the damaged %s changed (-before +after):\n%s", path, diff)
			}

			restoreFile(t, path, good)
			tb = startBrokerWith(t, Config{DataDir: dir})
			if !tb.shares.exists("s") {
				t.Errorf("share group s not restored after the repair")
			}
			if tb.shares.isOtherGroup("s") {
				t.Errorf("a classic or consumer group s was made while the share state was down")
			}
			c = dial(t, tb.addr)
			if code, _, _ := c.shareHeartbeat("s", "m", 0, []string{"t"}); code != codeNone {
				t.Errorf("ShareGroupHeartbeat after the repair: code %d", code)
			}
		})
	}
}

// checkNoGroupMade checks that, while the share state is down, the APIs
// that make a classic or consumer group refuse to make one of any id in
// ids with COORDINATOR_NOT_AVAILABLE (shareCoordinator.claimCode): the id
// may be a share group's that the broker cannot see, which would collide
// with it once the share state is back. Without the refusal a joining
// ConsumerGroupHeartbeat made a consumer group of the share group's id,
// and its member's ShareGroupHeartbeat after the repair was
// GROUP_ID_NOT_FOUND.
func checkNoGroupMade(t *testing.T, tb *testBroker, c *testClient, ids ...string) {
	t.Helper()
	for _, id := range ids {
		req := &joinGroupRequest{GroupID: id, SessionTimeoutMs: 10000, RebalanceTimeoutMs: 5000, ProtocolType: "consumer",
			Protocols: []joinGroupProtocol{{Name: "range", Metadata: subscription("t")}}}
		if code := tb.handleJoinGroup(context.Background(), testRC(9), req).(*joinGroupResponse).ErrorCode; code != codeCoordinatorNotAvailable {
			t.Errorf("JoinGroup %s: code %d, want COORDINATOR_NOT_AVAILABLE", id, code)
		}
		if code := c.commitOffset(id, "t", 0, 1); code != codeCoordinatorNotAvailable {
			t.Errorf("OffsetCommit %s: code %d, want COORDINATOR_NOT_AVAILABLE", id, code)
		}
		if code := tb.txnCommitGroupCode(&txnOffsetCommitRequest{GroupID: id, GenerationID: -1}); code != codeCoordinatorNotAvailable {
			t.Errorf("TxnOffsetCommit %s: group code %d, want COORDINATOR_NOT_AVAILABLE", id, code)
		}
		if code, _, err := c.consumerHeartbeatCode(id); err != nil || code != codeCoordinatorNotAvailable {
			t.Errorf("ConsumerGroupHeartbeat %s: code %d (%v), want COORDINATOR_NOT_AVAILABLE", id, code, err)
		}
	}
}

// TestOffsetsBatchDamageThatStillParses flips a byte inside a committed
// offset's record in an older segment of __consumer_offsets, where the
// record still parses: its metadata "meta-4242" read as "meta-4243". A
// clean start scans only the last segment, and the coordinator's load
// did not check the batch's CRC, so the damaged commit was served as the
// group's with no log line. Now the batch is skipped with a WARN naming
// the partition dir.
func TestOffsetsBatchDamageThatStillParses(t *testing.T) {
	dir := t.TempDir()
	tb := startBrokerWith(t, Config{DataDir: dir, OffsetsTopicSegmentBytes: 200})
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("orders", 4, nil); code != codeNone {
		t.Fatalf("create: code %d", code)
	}
	for p := range int32(4) {
		if code := c.commitOffset("g", "orders", p, 4242+int64(p)*10); code != codeNone {
			t.Fatalf("commit: code %d", code)
		}
	}
	tb.stop()
	seg := segmentPath(filepath.Join(dir, offsetsTopic+"-0"), 0, logSuffix)
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Count(b, []byte("meta-4242")) != 1 {
		t.Fatalf("the commit's metadata is not once in %s", seg)
	}
	if err := os.WriteFile(seg, bytes.Replace(b, []byte("meta-4242"), []byte("meta-4243"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	tb = startBrokerWith(t, Config{DataDir: dir, OffsetsTopicSegmentBytes: 200, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c = dial(t, tb.addr)
	if offset, metadata := c.fetchOffset("g", "orders", 0); metadata == "meta-4243" {
		t.Errorf("the damaged commit was loaded: offset %d, metadata %q", offset, metadata)
	}
	if offset, _ := c.fetchOffset("g", "orders", 3); offset != 4272 {
		t.Errorf("partition 3's commit, in a whole batch: offset %d, want 4272", offset)
	}
	tb.stop()
	if !slices.ContainsFunc(strings.Split(logs.String(), "\n"), func(l string) bool {
		return strings.Contains(l, "level=WARN") && strings.Contains(l, filepath.Dir(seg))
	}) {
		t.Errorf("no WARN names %s:\n%s", filepath.Dir(seg), logs.String())
	}
}

// A byte flipped in one line of the log start checkpoint costs that
// line's partition its log start, with a WARN (restoreLogStarts), not
// every partition's: a name no topic can have, or a negative partition,
// names no partition, as a deleted topic's line does, and the other
// lines still hold. Kafka's CheckpointFile reads any topic name, and
// LogManager drops the entries of logs it does not have.
func TestLogStartCheckpointLineDamageCostsOnlyItsPartition(t *testing.T) {
	dir := t.TempDir()
	d, err := openLogDir(dir, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"orders", "audit"} {
		if _, err := d.CreateTopic(name, 1); err != nil {
			t.Fatal(err)
		}
		for i := range 20 {
			appendBatches(t, d.Topic(name).Partitions[0], makeBatch(testRecord{int64(i), "r"}))
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, logStartCheckpointFile)
	for _, bad := range []checkpointEntry{{"au!it", 0, 5}, {"audit", -1, 5}} {
		if err := writeCheckpoint(path, []checkpointEntry{bad, {"orders", 0, 12}}); err != nil {
			t.Fatal(err)
		}
		var logs syncBuffer
		d, err := openLogDir(dir, logOptions{}, slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Topic("orders").Partitions[0].LogStartOffset(); got != 12 {
			t.Errorf("line %v damaged: orders-0 starts at %d, want 12", bad, got)
		}
		if !namedInWarning(logs.String(), path) {
			t.Errorf("line %v damaged: no WARN names the checkpoint:\n%s", bad, logs.String())
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
