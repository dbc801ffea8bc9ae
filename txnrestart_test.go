// Tests of a broker restart, clean or a crash, under a transaction still
// Ongoing: as in Kafka (TransactionStateManager.loadTransactionsForTxnTopicPartition
// completes only the Prepare states), the transaction stays open across
// it, the producer goes on and commits, and only its timeout aborts it.
package kafka

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// restartHow is how a test stops the broker before starting it again on
// the same dir.
type restartHow struct {
	name string
	// crash removes the clean-shutdown marker after the stop, so that the
	// next start recovers every partition as after a kill (the state file
	// is appended to at every change, so a kill leaves it as a stop does).
	crash bool
}

var restartKinds = []restartHow{{"clean stop", false}, {"crash", true}}

// restart stops tb and starts a broker on dir again, the way how says.
func (how restartHow) restart(t *testing.T, tb *testBroker, dir string) (*testBroker, *testClient) {
	t.Helper()
	tb.stop()
	if how.crash {
		if err := os.Remove(filepath.Join(dir, cleanShutdownFile)); err != nil {
			t.Fatal(err)
		}
	}
	tb = startBroker(t, dir)
	return tb, dial(t, tb.addr)
}

// checkOpen fails the test unless a read_committed fetch of topic-0
// returns nothing: the LSO held at the open transaction's first offset.
func checkOpen(t *testing.T, c *testClient, topic string, first, hw int64, when string) {
	t.Helper()
	f := c.fetchIsolated(topic, 0, 0, readCommitted)
	if hs, _ := batchesOf(t, f.records); f.lso != first || f.hw != hw || len(hs) != 0 {
		t.Errorf("%s: read_committed lso %d hw %d, %d batches; want lso %d hw %d and nothing", when, f.lso, f.hw, len(hs), first, hw)
	}
}

// checkCommitted fails the test unless a read_committed fetch of topic-0
// sees every batch below hw, nothing aborted, and a COMMIT marker last.
func checkCommitted(t *testing.T, c *testClient, topic string, hw int64, batches int) {
	t.Helper()
	f := c.fetchIsolated(topic, 0, 0, readCommitted)
	hs, bs := batchesOf(t, f.records)
	if f.lso != hw || f.hw != hw || len(f.aborted) != 0 || len(hs) != batches {
		t.Fatalf("after the commit: lso %d hw %d aborted %v, %d batches; want %d %d none %d", f.lso, f.hw, f.aborted, len(hs), hw, hw, batches)
	}
	if typ, ok := markerType(bs[len(bs)-1], hs[len(hs)-1]); !ok || typ != markerCommit {
		t.Errorf("the last batch is not a COMMIT marker")
	}
}

// TestTxnRestartKeepsOngoing: a transaction Ongoing when the broker stops
// (AddPartitionsToTxn, transaction version 1) is still Ongoing when it
// starts again: read_committed readers see none of it, and the same
// producer, at the same epoch, produces more and commits all of it.
func TestTxnRestartKeepsOngoing(t *testing.T) {
	for _, how := range restartKinds {
		t.Run(how.name, func(t *testing.T) {
			dir := t.TempDir()
			tb, c := startWithTopicIn(t, dir, "tx", 1)
			pid, epoch := c.openTxn("app", "tx", 2)
			checkOpen(t, c, "tx", 0, 2, "before the restart")
			_, c = how.restart(t, tb, dir)
			checkOpen(t, c, "tx", 0, 2, "after the restart")
			c.txnIDs = map[int64]string{pid: "app"}
			if code, _ := c.produce("tx", 0, txnBatch(pid, epoch, 2, 3)); code != codeNone {
				t.Fatalf("produce after the restart: %d", code)
			}
			checkOpen(t, c, "tx", 0, 5, "after producing more")
			if code := c.endTxn(3, "app", pid, epoch, true); code != codeNone {
				t.Fatalf("EndTxn commit after the restart: %d", code)
			}
			checkCommitted(t, c, "tx", 6, 3)
		})
	}
}

// TestTxnRestartKeepsOngoingV2: the same with transaction version 2,
// where Produce v12 adds the partitions and EndTxn v5 bumps the epoch; a
// partition added after the restart joins the kept transaction.
func TestTxnRestartKeepsOngoingV2(t *testing.T) {
	for _, how := range restartKinds {
		t.Run(how.name, func(t *testing.T) {
			dir := t.TempDir()
			tb, c := startWithTopicIn(t, dir, "tx", 2)
			_, pid, epoch := c.initTxn("app", 60000)
			if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(pid, epoch, 0, 2)); code != codeNone {
				t.Fatalf("Produce v12: %d", code)
			}
			tb, c = how.restart(t, tb, dir)
			checkOpen(t, c, "tx", 0, 2, "after the restart")
			if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(pid, epoch, 2, 1)); code != codeNone {
				t.Fatalf("Produce v12 after the restart: %d", code)
			}
			if code := c.produceTxnAt(12, "app", "tx", 1, txnBatch(pid, epoch, 0, 1)); code != codeNone {
				t.Fatalf("Produce v12 to a new partition after the restart: %d", code)
			}
			tb.txns.mu.Lock()
			parts := slices.Clone(tb.txns.byID["app"].Partitions)
			tb.txns.mu.Unlock()
			if !slices.Equal(parts, []txnPartition{{"tx", 0}, {"tx", 1}}) {
				t.Errorf("partitions of the kept transaction: %v, want tx-0 and tx-1", parts)
			}
			code, nextPID, nextEpoch := c.endTxnV5("app", pid, epoch, true)
			if code != codeNone || nextPID != pid || nextEpoch != epoch+1 {
				t.Fatalf("EndTxn v5 commit after the restart: %d %d %d, want NONE %d %d", code, nextPID, nextEpoch, pid, epoch+1)
			}
			checkCommitted(t, c, "tx", 4, 3)
		})
	}
}

// TestTxnRestartTimeoutAbortsKept: a kept transaction is still aborted
// by its timeout, counted from when it began before the restart
// (TransactionStateManager.timedOutTransactions), and not before.
func TestTxnRestartTimeoutAbortsKept(t *testing.T) {
	for _, how := range restartKinds {
		t.Run(how.name, func(t *testing.T) {
			dir := t.TempDir()
			tb, c := startWithTopicIn(t, dir, "tx", 1)
			began := time.Now()
			pid, epoch := c.openTxn("app", "tx", 2) // a 60 s timeout
			tb, c = how.restart(t, tb, dir)
			tb.txns.abortExpired(time.Now())
			checkOpen(t, c, "tx", 0, 2, "before the timeout")
			tb.txns.abortExpired(began.Add(61 * time.Second))
			f := c.fetchIsolated("tx", 0, 0, readCommitted)
			if f.lso != 3 || len(f.aborted) != 1 || f.aborted[0].ProducerID != pid {
				t.Errorf("after the timeout: lso %d aborted %v, want 3 and producer %d's", f.lso, f.aborted, pid)
			}
			if code := c.endTxn(3, "app", pid, epoch, true); code != codeProducerFenced {
				t.Errorf("EndTxn commit of the timed-out transaction: %d, want PRODUCER_FENCED", code)
			}
		})
	}
}

// TestTxnRestartKeepsPendingOffsets: offsets committed by TxnOffsetCommit
// before the restart stay pending across it, and become the group's when
// the transaction commits after it.
func TestTxnRestartKeepsPendingOffsets(t *testing.T) {
	for _, how := range restartKinds {
		t.Run(how.name, func(t *testing.T) {
			dir := t.TempDir()
			tb, c := startWithTopicIn(t, dir, "tx", 1)
			c.createTopic("in", 1)
			pid, epoch := c.openTxn("app", "tx", 2)
			if code := c.addOffsets("app", pid, epoch, "g"); code != codeNone {
				t.Fatal(code)
			}
			if code := c.txnCommitOffset("app", "g", pid, epoch, "in", 0, 9); code != codeNone {
				t.Fatal(code)
			}
			_, c = how.restart(t, tb, dir)
			if code, off := c.fetchStableOffset("g", "in", 0); code != codeUnstableOffsetCommit || off != -1 {
				t.Errorf("RequireStable after the restart: code %d offset %d, want UNSTABLE_OFFSET_COMMIT, -1", code, off)
			}
			if code := c.endTxn(3, "app", pid, epoch, true); code != codeNone {
				t.Fatalf("EndTxn commit after the restart: %d", code)
			}
			if off, _ := c.fetchOffset("g", "in", 0); off != 9 {
				t.Errorf("offset after the commit: %d, want 9", off)
			}
			checkCommitted(t, c, "tx", 3, 2)
		})
	}
}

// TestTxnRestartAbortsOrphanBesideKept: a transaction open in a partition
// that no transactional id's state owns is still aborted at start, while
// the kept one beside it in the same partition stays open.
func TestTxnRestartAbortsOrphanBesideKept(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "tx", 1)
	pidKept, _ := c.openTxn("kept", "tx", 1)
	pidLost, _ := c.openTxn("lost", "tx", 1)
	tb.stop()
	// Stand in for a state the file lost: "lost" is forgotten.
	l, metas, err := openTxnStateLog(filepath.Join(dir, txnStateFile), false, tb.log)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.remove("lost"); err != nil {
		t.Fatal(err)
	}
	l.close()
	if len(metas) != 2 {
		t.Fatalf("state file: %d ids, want 2", len(metas))
	}
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	f := c.fetchIsolated("tx", 0, 0, readUncommitted)
	hs, bs := batchesOf(t, f.records)
	if len(hs) != 3 || hs[2].ProducerID != pidLost {
		t.Fatalf("after the restart: %d batches, want both transactions' and one marker of producer %d", len(hs), pidLost)
	}
	if typ, ok := markerType(bs[2], hs[2]); !ok || typ != markerAbort {
		t.Errorf("the orphan's marker is not ABORT")
	}
	if f := c.fetchIsolated("tx", 0, 0, readCommitted); f.lso != 0 {
		t.Errorf("read_committed lso %d, want 0: producer %d's kept transaction is open", f.lso, pidKept)
	}
}

// TestOrphanAbortSparesPreparedTransaction: a transaction whose commit was
// prepared, and whose markers a start could not write (a full disk, an
// offline partition: "will retry"), still has an owner. abortOrphans runs
// right after that failed end, and an ABORT marker it could write where
// the retry is to write COMMIT would split a commit the producer was told
// had succeeded: the partition's records aborted, the others' committed.
func TestOrphanAbortSparesPreparedTransaction(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 1)
	c.openTxn("prepared", "tx", 1)
	// Stand in for a start whose end of the prepared commit failed.
	tb.txns.mu.Lock()
	tb.txns.byID["prepared"].State = txnPrepareCommit
	tb.txns.mu.Unlock()
	tb.txns.abortOrphans()
	if open := tb.logs.Topic("tx").Partitions[0].openTransactions(); len(open) != 1 {
		t.Errorf("open transactions after abortOrphans: %v, want the prepared one still open", open)
	}
}
