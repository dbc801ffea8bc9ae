package kafka

import (
	"encoding/binary"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// stateIDs opens the state file at path and returns each id's state name.
func stateIDs(t *testing.T, path string) map[string]string {
	t.Helper()
	l, metas, err := openTxnStateLog(path, false, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	got := map[string]string{}
	for _, m := range metas {
		got[m.ID] = m.State.String()
	}
	return got
}

// TestTxnStateTornTail writes records, then each kind of tail a crash or a
// bad disk can leave after them, and checks that opening keeps the records
// before it, cuts it off, and that a record appended after the cut is read
// at the next open (it would be stranded behind a tail left in place).
func TestTxnStateTornTail(t *testing.T) {
	valid, err := appendTxnStateRecord(nil, txnStateRecord{ID: "late", Txn: &txnMeta{ID: "late", State: txnOngoing}})
	if err != nil {
		t.Fatal(err)
	}
	badCRC := append([]byte(nil), valid...)
	badCRC[len(badCRC)-2] ^= 0xff
	huge := binary.BigEndian.AppendUint32(nil, 1<<31)
	huge = append(huge, 0, 0, 0, 0, '{')
	for name, tail := range map[string][]byte{
		"half a header":     valid[:5],
		"half a payload":    valid[:len(valid)-3],
		"CRC mismatch":      badCRC,
		"impossible length": huge,
		"zeros":             make([]byte, 64),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), txnStateFile)
			l, _, err := openTxnStateLog(path, false, discardLogger())
			if err != nil {
				t.Fatal(err)
			}
			for _, step := range []func() error{
				func() error { return l.put(&txnMeta{ID: "a", State: txnOngoing}) },
				func() error { return l.put(&txnMeta{ID: "b", State: txnOngoing}) },
				func() error { return l.put(&txnMeta{ID: "a", State: txnCompleteCommit}) },
				func() error { return l.put(&txnMeta{ID: "c", State: txnEmpty}) },
				func() error { return l.remove("c") },
			} {
				if err := step(); err != nil {
					t.Fatal(err)
				}
			}
			l.close()
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.Write(tail)
			f.Close()

			want := map[string]string{"a": "CompleteCommit", "b": "Ongoing"}
			l, _, err = openTxnStateLog(path, false, discardLogger())
			if err != nil {
				t.Fatal(err)
			}
			if err := l.put(&txnMeta{ID: "d", State: txnPrepareAbort}); err != nil {
				t.Fatal(err)
			}
			l.close()
			want["d"] = "PrepareAbort"
			if got := stateIDs(t, path); !cmp.Equal(got, want) {
				t.Errorf("after a torn tail and an append: %v, want %v", got, want)
			}
		})
	}
}

// TestTxnStateCompaction checks that the file holds one record per id
// after opening, and that growth past the threshold compacts it at the
// next save, keeping every id's last state.
func TestTxnStateCompaction(t *testing.T) {
	path := filepath.Join(t.TempDir(), txnStateFile)
	l, _, err := openTxnStateLog(path, false, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	last := &txnMeta{ID: "busy"}
	for i := 0; !l.needsCompaction(); i++ {
		last = &txnMeta{ID: "busy", ProducerEpoch: int16(i % 1000), State: txnOngoing,
			Partitions: []txnPartition{{"a-topic-with-a-long-name", int32(i)}}}
		if err := l.put(last); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.put(&txnMeta{ID: "quiet", State: txnEmpty}); err != nil {
		t.Fatal(err)
	}
	grown := l.size
	if err := l.compact([]*txnMeta{last, {ID: "quiet", State: txnEmpty}}); err != nil {
		t.Fatal(err)
	}
	l.close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() >= 1024 || fi.Size() >= grown {
		t.Errorf("compacted file is %d bytes (from %d), want one small record per id", fi.Size(), grown)
	}
	l, metas, err := openTxnStateLog(path, false, discardLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	want := []*txnMeta{last, {ID: "quiet", State: txnEmpty}}
	if !cmp.Equal(metas, want, cmpopts.IgnoreUnexported(txnMeta{})) {
		t.Errorf("after compaction: %s", cmp.Diff(want, metas, cmpopts.IgnoreUnexported(txnMeta{})))
	}
}

// TestTxnStateLegacyFile reads the one-document JSON file of earlier
// versions and rewrites it as a log.
func TestTxnStateLegacyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), txnStateFile)
	legacy := `{"version": 0, "transactions": [{"id": "old", "producer_id": 4, "producer_epoch": 2, "state": 1,
		"partitions": [{"topic": "t", "partition": 0}]}]}`
	if err := os.WriteFile(path, []byte(legacy), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, want := stateIDs(t, path), map[string]string{"old": "Ongoing"}; !cmp.Equal(got, want) {
		t.Fatalf("legacy file read as %v, want %v", got, want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) == 0 || data[0] == '{' {
		t.Errorf("legacy file not rewritten as a log: %.20q", data)
	}
	if got, want := stateIDs(t, path), map[string]string{"old": "Ongoing"}; !cmp.Equal(got, want) {
		t.Errorf("rewritten file read as %v, want %v", got, want)
	}
}

// TestTxnRestartAfterTornState: a broker whose state file ends in a torn
// record starts and keeps the transaction the valid records describe,
// Ongoing, until an InitProducerId of its id aborts it.
func TestTxnRestartAfterTornState(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "tx", 1)
	pid, epoch := c.openTxn("app", "tx", 2)
	tb.stop()
	f, err := os.OpenFile(filepath.Join(dir, txnStateFile), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0, 0, 1, 0, 0xde, 0xad, '{', '"'})
	f.Close()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	if f2 := c.fetchIsolated("tx", 0, 0, readCommitted); f2.lso != 0 || len(f2.aborted) != 0 {
		t.Fatalf("after restart: lso %d, aborted %v; want 0 and the transaction open", f2.lso, f2.aborted)
	}
	// The coordinator still knows the id: a new InitProducerId aborts the
	// open transaction (CONCURRENT_TRANSACTIONS), and its retry bumps the
	// epoch rather than starting over.
	if code, _, _ := c.initTxn("app", 60000); code != codeConcurrentTransactions {
		t.Errorf("InitProducerId over the kept transaction: code %d, want CONCURRENT_TRANSACTIONS", code)
	}
	if f2 := c.fetchIsolated("tx", 0, 0, readCommitted); f2.lso != 3 || len(f2.aborted) != 1 {
		t.Fatalf("after InitProducerId: lso %d, aborted %v; want 3 and the transaction aborted", f2.lso, f2.aborted)
	}
	if code, pid2, epoch2 := c.initTxn("app", 60000); code != codeNone || pid2 != pid || epoch2 <= epoch {
		t.Errorf("InitProducerId after restart: code %d, producer %d epoch %d; want %d with a later epoch than %d", code, pid2, epoch2, pid, epoch)
	}
}

// TestTxnProduceNotBlockedByCoordinator: a transactional produce takes
// only its own producer's lock, so a coordinator busy with something else
// (here, its lock held, as by another producer's EndTxn writing markers)
// does not hold it up.
func TestTxnProduceNotBlockedByCoordinator(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 1)
	_, pid, epoch := c.initTxn("app", 60000)
	c.addPartition("app", pid, epoch, "tx", 0)
	tb.txns.mu.Lock()
	done := make(chan int16, 1)
	go func() {
		code, _ := c.produce("tx", 0, txnBatch(pid, epoch, 0, 2))
		done <- code
	}()
	select {
	case code := <-done:
		tb.txns.mu.Unlock()
		if code != codeNone {
			t.Fatalf("produce: %d", code)
		}
	case <-time.After(5 * time.Second):
		tb.txns.mu.Unlock()
		<-done
		t.Fatal("a transactional produce waited for the coordinator's lock")
	}
}

// TestTxnStateAppendsWithoutFsync checks that under the default Fsync
// policy a change of state is an append to the file, not a rewrite: the
// file grows by each change and keeps its inode.
func TestTxnStateAppendsWithoutFsync(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "tx", 1)
	path := filepath.Join(dir, txnStateFile)
	before, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	_, pid, epoch := c.initTxn("app", 60000)
	c.addPartition("app", pid, epoch, "tx", 0)
	after, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) || after.Size() <= before.Size() {
		t.Errorf("state file replaced (%v) or not grown (%d -> %d bytes); want appends", !os.SameFile(before, after), before.Size(), after.Size())
	}
	if tb.txns.state.sync {
		t.Error("state appends fsynced under Fsync never")
	}
}

// TestTxnStateDamagedRecord damages a record in the middle of the state
// file, its length intact: the records after it must still be read, or
// every later state of every id is lost (here, two transactions that ended
// would be open again, and one id forgotten).
func TestTxnStateDamagedRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), txnStateFile)
	var data []byte
	for _, rec := range []txnStateRecord{
		{ID: "a", Txn: &txnMeta{ID: "a", State: txnOngoing}},
		{ID: "b", Txn: &txnMeta{ID: "b", State: txnOngoing}},
		{ID: "a", Txn: &txnMeta{ID: "a", State: txnCompleteCommit}},
		{ID: "b", Txn: &txnMeta{ID: "b", State: txnCompleteAbort}},
	} {
		var err error
		if data, err = appendTxnStateRecord(data, rec); err != nil {
			t.Fatal(err)
		}
	}
	first, _ := appendTxnStateRecord(nil, txnStateRecord{ID: "a", Txn: &txnMeta{ID: "a", State: txnOngoing}})
	data[len(first)+txnStateHeader+3] ^= 0xff // in the second record's payload
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "CompleteCommit", "b": "CompleteAbort"}
	if got := stateIDs(t, path); !cmp.Equal(got, want) {
		t.Errorf("after a damaged record: %v, want %v", got, want)
	}
}
