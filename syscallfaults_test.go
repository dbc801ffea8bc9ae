package kafka

// Tests of what the syscall fault campaign (README, Durability) found:
// faults injected with strace into the broker binary's system calls,
// brought down here to the function that answered them wrongly.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// A start that cannot open a whole-file store for want of a file
// descriptor (strace -e inject=openat:error=EMFILE, during start-up) or
// for an I/O error must not tell the operator the file was damaged and
// to move it away: the file may be whole, and moving it away would start
// the broker without the users or ACLs it holds. A directory in the
// file's place is damage, and keeps that advice.
func TestStoreReadFailureIsNotCalledDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), credentialsFile)
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.EIO} {
		err := storeUnreadable(path, "SCRAM credentials", &fs.PathError{Op: "open", Path: path, Err: errno})
		msg := err.Error()
		if !strings.Contains(msg, path) || !strings.Contains(msg, errno.Error()) {
			t.Errorf("%v: %q does not name the file and the error", errno, msg)
		}
		if strings.Contains(msg, "damaged") || strings.Contains(msg, "move it away") {
			t.Errorf("%v: %q calls a refused read damage", errno, msg)
		}
	}

	// A directory in its place, read as os.ReadFile reads it.
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	_, rerr := os.ReadFile(path)
	if rerr == nil {
		t.Fatal("reading a directory succeeded")
	}
	if msg := storeUnreadable(path, "SCRAM credentials", rerr).Error(); !strings.Contains(msg, "restore it from a backup, or move it away") {
		t.Errorf("a directory in the file's place: %q; want the damage advice", msg)
	}
}

// failSegmentReads makes every read of the .log file at path fail with
// errno, until the test ends.
func failSegmentReads(t *testing.T, path string, errno syscall.Errno) {
	hook := func(f *os.File, b []byte, pos int64) (int, error) {
		if f.Name() == path {
			return 0, &fs.PathError{Op: "read", Path: path, Err: errno}
		}
		return f.ReadAt(b, pos)
	}
	readSegmentHook.Store(&hook)
	t.Cleanup(func() { readSegmentHook.Store(nil) })
}

// A read of an older segment that the system refuses while a partition
// opens (strace -e inject=pread64:error=EIO on a clean start) is not
// damage: skipping the segment, as the producer state replay once did,
// forgot the sequences of its producers, so that a retry of a batch
// acknowledged before the stop would be stored twice, and the aborted
// transactions in it, whose records read_committed consumers would then
// be served. The partition must not open; once the read succeeds again,
// it opens with every producer known.
func TestRefusedReadOfOlderSegmentAtOpen(t *testing.T) {
	dir := t.TempDir()
	b0, b1, b2 := idempotentBatch(7, 0, 0, 2), idempotentBatch(7, 0, 2, 2), idempotentBatch(7, 0, 4, 2)
	opts := logOptions{SegmentBytes: int64(len(b0))} // a segment a batch
	l, err := openPartitionLog(dir, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{b0, b1, b2} {
		appendBatches(t, l, bytes.Clone(b))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	for _, errno := range []syscall.Errno{syscall.EIO, syscall.EMFILE} {
		failSegmentReads(t, filepath.Join(dir, "00000000000000000000.log"), errno)
		if l, err := openPartitionLog(dir, opts, nil); err == nil {
			l.Close()
			t.Fatalf("%v: the partition opened past a segment it could not read", errno)
		} else if !errors.Is(err, errno) {
			t.Errorf("%v: open failed with %v, not the read's error", errno, err)
		}
	}

	readSegmentHook.Store(nil)
	l = openTestLog(t, dir, opts)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 0, Duplicate: true}}, bytes.Clone(b0))
}

// A DeleteTopics whose rename of partition 1 fails, and whose undo cannot
// rename partition 0 back (strace -e inject=renameat:error=EIO), left
// partition 0 under its -delete name while the topic was answered as not
// deleted and served on: the next start then finished the deletion, and
// with it every record acknowledged in between. Whatever DeleteTopic
// answers must hold after a restart: a topic it says is kept keeps its
// records; one it says is gone stays gone.
func TestDeleteTopicWhoseUndoFails(t *testing.T) {
	dir := t.TempDir()
	d, err := openLogDir(dir, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTopic("t", 2); err != nil {
		t.Fatal(err)
	}
	appendBatches(t, d.Topic("t").Partitions[0], makeBatch(testRecord{1, "before"}))

	rename := func(from, to string) error {
		if filepath.Base(from) == "t-1" || filepath.Base(to) == "t-0" {
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EIO}
		}
		return os.Rename(from, to)
	}
	renameDir = rename
	t.Cleanup(func() { renameDir = os.Rename })
	derr := d.DeleteTopic("t")
	renameDir = os.Rename
	if derr != nil {
		// Kept, as the answer says: it takes records, and keeps them.
		tl := d.Topic("t")
		if tl == nil {
			t.Fatalf("DeleteTopic failed (%v) but the topic is gone", derr)
		}
		appendBatches(t, tl.Partitions[0], makeBatch(testRecord{2, "after"}))
	} else if d.Topic("t") != nil {
		t.Fatal("DeleteTopic succeeded but the topic is still there")
	}
	if err := d.Close(); err != nil {
		t.Logf("close: %v", err)
	}

	d, err = openLogDir(dir, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tl := d.Topic("t")
	switch {
	case derr != nil && tl == nil:
		t.Fatalf("DeleteTopic answered %v, the topic took a record, and the restart deleted it", derr)
	case derr != nil && tl.Partitions[0].HighWatermark() != 2:
		t.Fatalf("kept topic restarts at offset %d, want 2", tl.Partitions[0].HighWatermark())
	case derr == nil && tl != nil:
		t.Fatal("a deleted topic came back at the restart")
	}
}

// A DeleteTopics whose rename of the partition dir fails (strace -e
// inject=renameat:error=EIO), undone, keeps the topic, and was answered
// UNKNOWN_SERVER_ERROR; a storage failure that changed nothing is
// KAFKA_STORAGE_ERROR, as CreateTopics answers one, with the message
// naming the dir, and the topic serves on.
func TestDeleteTopicsRenameFailureIsStorageError(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	renameDir = func(from, to string) error {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EIO}
	}
	t.Cleanup(func() { renameDir = os.Rename })
	res := c.deleteTopicsRaw([]deleteTopicState{{Name: ptr("t")}})
	renameDir = os.Rename
	if len(res) != 1 || res[0].ErrorCode != codeKafkaStorageError || res[0].ErrorMessage == nil || !strings.Contains(*res[0].ErrorMessage, "t-0") {
		t.Fatalf("DeleteTopics with the rename failing: %+v; want KAFKA_STORAGE_ERROR naming t-0", res)
	}
	if tb.logs.Topic("t") == nil {
		t.Fatal("the topic is gone")
	}
	if code, _ := c.produce("t", 0, makeBatch(testRecord{1, "after"})); code != codeNone {
		t.Errorf("produce to the kept topic: code %d", code)
	}
}

// A start whose partitions find no file descriptor free opens them
// again one at a time (openLogDir), and now a read refused for want of
// one (strace -e inject=openat:error=EMFILE, or EMFILE from a read) gets
// there too rather than being taken for damage. The retry may well
// succeed, but the fault standard asks for a log line saying what
// happened: it said nothing.
func TestStartOutOfDescriptorsIsLogged(t *testing.T) {
	dir := t.TempDir()
	d, err := openLogDir(dir, logOptions{SegmentBytes: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTopic("t", 1); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		appendBatches(t, d.Topic("t").Partitions[0], idempotentBatch(7, 0, int32(2*i), 2))
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	seg := filepath.Join(dir, "t-0", "00000000000000000000.log")
	var once atomic.Bool
	hook := func(f *os.File, b []byte, pos int64) (int, error) {
		if f.Name() == seg && once.CompareAndSwap(false, true) {
			return 0, &fs.PathError{Op: "read", Path: seg, Err: syscall.EMFILE}
		}
		return f.ReadAt(b, pos)
	}
	readSegmentHook.Store(&hook)
	t.Cleanup(func() { readSegmentHook.Store(nil) })
	var logs syncBuffer
	d, err = openLogDir(dir, logOptions{SegmentBytes: 1}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if !once.Load() {
		t.Fatal("the start read no segment 0: the test checks nothing")
	}
	if pl := d.Topic("t").Partitions[0]; pl.failed() != nil || pl.HighWatermark() != 6 {
		t.Errorf("partition after the retry: failed %v, high watermark %d, want online at 6", pl.failed(), pl.HighWatermark())
	}
	if !strings.Contains(logs.String(), "no file descriptor free") {
		t.Errorf("no log line about the descriptors:\n%s", logs.String())
	}
}

// Retention that deletes segments but cannot remove one's .log (strace
// -e inject=unlinkat:error=EIO) left the file under its name: the next
// start took it for the log's first segment, served the records
// retention had deleted, and reported the gap after them as a segment
// damaged outside the broker, to be restored from a backup. The start of
// the log must stay where retention moved it.
func TestRetentionLeftoverSegmentStaysDeleted(t *testing.T) {
	dir := t.TempDir()
	open := func() *logDir {
		d, err := openLogDir(dir, logOptions{SegmentBytes: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := open()
	batch := makeBatch(testRecord{1, strings.Repeat("v", 100)})
	if _, err := d.CreateTopicWithConfigs("t", 1, topicConfig{retentionBytesConfig: fmt.Sprint(2 * len(batch))}); err != nil {
		t.Fatal(err)
	}
	for range 5 { // a segment a batch
		appendBatches(t, d.Topic("t").Partitions[0], bytes.Clone(batch))
	}
	seg0 := filepath.Join(dir, "t-0", "00000000000000000000.log")
	failRemovalOf(t, seg0)
	d.EnforceRetention(time.Now())
	removeFile = os.Remove
	start := d.Topic("t").Partitions[0].LogStartOffset()
	if start == 0 {
		t.Fatal("retention deleted nothing: the test checks nothing")
	}
	if _, err := os.Stat(seg0); err != nil {
		t.Fatalf("segment 0's .log was removed after all: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	d = open()
	defer d.Close()
	if got := d.Topic("t").Partitions[0].LogStartOffset(); got != start {
		t.Errorf("log start offset %d after a restart, want %d: the records retention deleted are back", got, start)
	}
}

// The checkpoint written after a removal failed is kept current by later
// retention passes: otherwise the next start finds it behind the first
// segment and warns of a crash that never happened.
func TestRetentionKeepsStartCheckpointCurrent(t *testing.T) {
	dir := t.TempDir()
	var logs syncBuffer
	d, err := openLogDir(dir, logOptions{SegmentBytes: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	batch := makeBatch(testRecord{1, strings.Repeat("v", 100)})
	if _, err := d.CreateTopicWithConfigs("t", 1, topicConfig{retentionBytesConfig: fmt.Sprint(2 * len(batch))}); err != nil {
		t.Fatal(err)
	}
	pl := d.Topic("t").Partitions[0]
	for range 5 {
		appendBatches(t, pl, bytes.Clone(batch))
	}
	seg0 := filepath.Join(dir, "t-0", "00000000000000000000.log")
	failRemovalOf(t, seg0)
	d.EnforceRetention(time.Now())
	removeFile = os.Remove
	for range 3 { // retention moves on, and removes the leftover
		appendBatches(t, pl, bytes.Clone(batch))
	}
	d.EnforceRetention(time.Now())
	start := pl.LogStartOffset()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = openLogDir(dir, logOptions{SegmentBytes: 1}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := d.Topic("t").Partitions[0].LogStartOffset(); got != start {
		t.Errorf("log start offset %d after a restart, want %d", got, start)
	}
	if strings.Contains(logs.String(), "before the first segment") {
		t.Errorf("the start warned of a stale checkpoint:\n%s", logs.String())
	}
}

// failRemovalOf makes removeFile fail for path with EIO, as unlinkat
// fails on a disk with a bad sector, until the test ends or sets
// removeFile back.
func failRemovalOf(t *testing.T, path string) {
	removeFile = func(name string) error {
		if name == path {
			return &fs.PathError{Op: "unlinkat", Path: name, Err: syscall.EIO}
		}
		return os.Remove(name)
	}
	t.Cleanup(func() { removeFile = os.Remove })
}

// The last save of an EndTxn, the Complete state after every marker is
// written (strace -e inject=write:error=EIO on transaction-state, at the
// right count), failed and left the coordinator's memory Complete while
// the file said Prepare: a retried EndTxn was answered as done, an end of
// transaction version 2 had its last epoch rolled back in memory, and
// only a restart, redoing the end from the file, brought them together.
// Now the transaction stays in its Prepare state in memory as in the file,
// EndTxn and its retries are CONCURRENT_TRANSACTIONS, and either the
// background check (once the file takes writes) or a restart completes it,
// with its markers' outcome and its bumped epoch.
func TestEndTxnCompleteStateNotSaved(t *testing.T) {
	for _, tc := range []struct {
		name    string
		v       int16 // EndTxn version
		restart bool  // complete by a restart rather than the background check
	}{
		{"v3/retry", 3, false},
		{"v5/retry", 5, false},
		{"v3/restart", 3, true},
		{"v5/restart", 5, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := Config{DataDir: dir, Fsync: "always"}
			tb, c := startWithTopicUsing(t, cfg, "tx", 1)
			pid, epoch := c.openTxn("app", "tx", 3)
			end := func(c *testClient) int16 {
				if tc.v >= 5 {
					code, _, _ := c.endTxnV5("app", pid, epoch, true)
					return code
				}
				return c.endTxn(tc.v, "app", pid, epoch, true)
			}
			failCompleteSave(t, tb, filepath.Join(dir, "tx-0"))
			if code := end(c); code != codeConcurrentTransactions {
				t.Errorf("EndTxn whose Complete state was not saved: code %d, want CONCURRENT_TRANSACTIONS", code)
			}
			wantStateAgrees(t, tb, txnPrepareCommit)
			if code := end(c); code != codeConcurrentTransactions {
				t.Errorf("EndTxn retried before the Complete state is saved: code %d, want CONCURRENT_TRANSACTIONS", code)
			}
			if tc.restart {
				tb.stop()
				tb = startBrokerWith(t, Config{DataDir: dir, Fsync: "always"})
				c = dial(t, tb.addr)
			} else {
				state := tb.txns.state
				tb.txns.mu.Lock()
				err := state.reopen(state.size)
				tb.txns.mu.Unlock()
				if err != nil {
					t.Fatal(err)
				}
				tb.txns.abortExpired(time.Now())
			}
			m := wantStateAgrees(t, tb, txnCompleteCommit)
			wantEpoch, wantLast := epoch, int16(-1)
			if tc.v >= 5 {
				wantEpoch, wantLast = epoch+1, epoch // every end of version 2 bumps
			}
			if m.ProducerEpoch != wantEpoch || m.LastProducerEpoch != wantLast {
				t.Errorf("epoch %d, last epoch %d after the end; want %d and %d", m.ProducerEpoch, m.LastProducerEpoch, wantEpoch, wantLast)
			}
			if code := end(c); code != codeNone {
				t.Errorf("EndTxn retried after the Complete state is saved: code %d, want NONE", code)
			}
			f := c.fetchIsolated("tx", 0, 0, readCommitted)
			hs, bs := batchesOf(t, f.records)
			var markers []int16
			for i, h := range hs {
				if typ, ok := markerType(bs[i], h); ok {
					markers = append(markers, typ)
				}
			}
			// A restart writes the Prepare state's markers again, as
			// Kafka's coordinator resends a loaded Prepare state's; a
			// second COMMIT ends nothing.
			if len(markers) == 0 || slices.ContainsFunc(markers, func(typ int16) bool { return typ != markerCommit }) ||
				!tc.restart && len(markers) != 1 {
				t.Errorf("markers %v; want one COMMIT (two after a restart)", markers)
			}
			if len(hs) == 0 || hs[0].NumRecords != 3 || f.lso != int64(3+len(markers)) {
				t.Errorf("read_committed: %d batches, lso %d; want the 3 records committed", len(hs), f.lso)
			}
		})
	}
}

// failCompleteSave makes the transaction state file refuse every write
// from the first fsync of a marker in partDir (Fsync "always" syncs each
// marker): the Prepare state before it is saved, the Complete state after
// it is not, and the undo of the failed write fails too, as after EIO.
// A read-only descriptor stands in for the file, so that the broker's
// stop closes it cleanly.
func failCompleteSave(t *testing.T, tb *testBroker, partDir string) {
	t.Helper()
	state := tb.txns.state // the hook runs under the coordinator's lock
	var armed atomic.Bool
	armed.Store(true)
	hookFsync(t, func(f *os.File) error {
		if filepath.Dir(f.Name()) == partDir && armed.CompareAndSwap(true, false) {
			ro, err := os.Open(state.path)
			if err != nil {
				return err
			}
			state.f.Close()
			state.f = ro
		}
		return f.Sync()
	})
}

// wantStateAgrees checks that the coordinator's memory and its state file
// hold the same state of the transactional id "app", in state want, and
// returns it.
func wantStateAgrees(t *testing.T, tb *testBroker, want txnState) *txnMeta {
	t.Helper()
	tb.txns.mu.Lock()
	mem, err := json.Marshal(tb.txns.byID["app"])
	tb.txns.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(tb.cfg.DataDir, txnStateFile))
	if err != nil {
		t.Fatal(err)
	}
	metas, _, _ := replayTxnState(data)
	disk, err := json.Marshal(metas["app"])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mem, disk) {
		t.Errorf("memory and the state file differ:\nmemory %s\nfile   %s", mem, disk)
	}
	if metas["app"] == nil || metas["app"].State != want {
		t.Fatalf("state %s; want %v", disk, want)
	}
	return metas["app"]
}

// A deletion that stands (TestDeleteTopicWhoseUndoFails) must finish on
// disk too: its other partitions, put back or never renamed, are still
// under their own names, and removing partition 0's -delete dir, which
// is what tells the next start that the topic id was deleted, would
// leave them behind for good. The next start leaves a partition dir with
// records and no partition 0 alone, and a CreateTopics of the same name
// finds its dirs taken.
// If partition 1's rename fails again, partition 0's -delete dir stays
// for the next start, which finishes the deletion.
func TestDeleteTopicThatStandsLeavesNoPartitionBehind(t *testing.T) {
	for _, failsAgain := range []bool{false, true} {
		t.Run(fmt.Sprintf("fails again %v", failsAgain), func(t *testing.T) {
			testDeletionThatStands(t, failsAgain)
		})
	}
}

func testDeletionThatStands(t *testing.T, failsAgain bool) {
	dir := t.TempDir()
	d, err := openLogDir(dir, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTopic("t", 3); err != nil {
		t.Fatal(err)
	}
	for _, pl := range d.Topic("t").Partitions {
		appendBatches(t, pl, makeBatch(testRecord{1, "kept"}))
	}
	// Partition 1's rename fails, and so does putting partition 0 back:
	// partition 0 stays under its -delete name, 1 and 2 under their own.
	failed := false
	renameDir = func(from, to string) error {
		if (filepath.Base(from) == "t-1" && (!failed || failsAgain)) || filepath.Base(to) == "t-0" {
			failed = failed || filepath.Base(from) == "t-1"
			return &os.LinkError{Op: "rename", Old: from, New: to, Err: syscall.EIO}
		}
		return os.Rename(from, to)
	}
	t.Cleanup(func() { renameDir = os.Rename })
	derr := d.DeleteTopic("t")
	renameDir = os.Rename
	if derr != nil || d.Topic("t") != nil {
		t.Fatalf("DeleteTopic = %v, topic there: %v; want a deletion that stands", derr, d.Topic("t") != nil)
	}
	if failsAgain {
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if d, err = openLogDir(dir, logOptions{}, nil); err != nil {
			t.Fatal(err)
		}
		if d.Topic("t") != nil {
			t.Fatal("the deleted topic is back at the restart")
		}
	}
	if _, err := d.CreateTopic("t", 3); err != nil {
		t.Errorf("CreateTopic of the deleted topic's name: %v", err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	d, err = openLogDir(dir, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tl := d.Topic("t")
	if tl == nil {
		t.Fatal("the topic created again is gone at the restart")
	}
	for p, pl := range tl.Partitions {
		if hw := pl.HighWatermark(); hw != 0 {
			t.Errorf("partition %d of the topic created again restarts with %d records of the deleted one", p, hw)
		}
	}
}
