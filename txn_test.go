// Tests of transactions (txn.go) on the wire: the coordinator's state
// machine, the markers it writes, what read_committed and
// read_uncommitted fetches see, fencing, timeouts, restarts and
// transactional offset commits.
package kafka

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// txnBatch is an idempotent batch marked transactional.
func txnBatch(id int64, epoch int16, seq int32, n int) []byte {
	b := idempotentBatch(id, epoch, seq, n)
	binary.BigEndian.PutUint16(b[batchAttrOffset:], transactionalFlag)
	binary.BigEndian.PutUint32(b[batchCRCOffset:], crc32.Checksum(b[batchAttrOffset:], castagnoli))
	return b
}

// initTxn is InitProducerId v4 with a transactional id and timeout.
func (c *testClient) initTxn(id string, timeoutMs int32) (int16, int64, int16) {
	c.t.Helper()
	return c.initTxnAs(id, timeoutMs, -1, -1)
}

// initTxnAs is initTxn naming the producer's id and epoch (KIP-360).
func (c *testClient) initTxnAs(id string, timeoutMs int32, pid int64, epoch int16) (int16, int64, int16) {
	c.t.Helper()
	r := c.roundTrip(22, 4, true, func(w *writer) {
		w.String(id)
		w.Int32(timeoutMs)
		w.Int64(pid)
		w.Int16(epoch)
		w.Tags()
	})
	r.Int32()
	code, pid, epoch := r.Int16(), r.Int64(), r.Int16()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	if code == codeNone {
		if c.txnIDs == nil {
			c.txnIDs = map[int64]string{}
		}
		c.txnIDs[pid] = id
	}
	return code, pid, epoch
}

// openTxn begins a transaction for id, with a 60s timeout, that has
// produced n records to partition 0 of topic.
func (c *testClient) openTxn(id, topic string, n int) (int64, int16) {
	c.t.Helper()
	_, pid, epoch := c.initTxn(id, 60000)
	if code := c.addPartition(id, pid, epoch, topic, 0); code != codeNone {
		c.t.Fatalf("AddPartitionsToTxn: %d", code)
	}
	if code, _ := c.produce(topic, 0, txnBatch(pid, epoch, 0, n)); code != codeNone {
		c.t.Fatal(code)
	}
	return pid, epoch
}

// addPartition is AddPartitionsToTxn v3 for one partition.
func (c *testClient) addPartition(id string, pid int64, epoch int16, topic string, partition int32) int16 {
	c.t.Helper()
	r := c.roundTrip(24, 3, true, func(w *writer) {
		w.String(id)
		w.Int64(pid)
		w.Int16(epoch)
		w.ArrayLen(1)
		w.String(topic)
		w.Int32s([]int32{partition})
		w.Tags()
		w.Tags()
	})
	code := readFirstPartitionCode(r)
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code
}

// endTxn is EndTxn at version v.
func (c *testClient) endTxn(v int16, id string, pid int64, epoch int16, commit bool) int16 {
	c.t.Helper()
	r := c.roundTrip(26, v, v >= 3, func(w *writer) {
		w.String(id)
		w.Int64(pid)
		w.Int16(epoch)
		w.Bool(commit)
		if v >= 3 {
			w.Tags()
		}
	})
	r.Int32()
	code := r.Int16()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code
}

// addOffsets is AddOffsetsToTxn v3.
func (c *testClient) addOffsets(id string, pid int64, epoch int16, group string) int16 {
	c.t.Helper()
	r := c.roundTrip(25, 3, true, func(w *writer) {
		w.String(id)
		w.Int64(pid)
		w.Int16(epoch)
		w.String(group)
		w.Tags()
	})
	r.Int32()
	code := r.Int16()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code
}

// txnCommitOffset is TxnOffsetCommit v3 of one partition, outside group
// membership.
func (c *testClient) txnCommitOffset(id, group string, pid int64, epoch int16, topic string, partition int32, offset int64) int16 {
	c.t.Helper()
	return c.txnCommitOffsetMetadata(id, group, pid, epoch, topic, partition, offset, nil)
}

// txnCommitOffsetMetadata is txnCommitOffset with the partition's
// CommittedMetadata.
func (c *testClient) txnCommitOffsetMetadata(id, group string, pid int64, epoch int16, topic string, partition int32, offset int64, metadata *string) int16 {
	c.t.Helper()
	r := c.roundTrip(28, 3, true, txnOffsetCommitBody(id, group, pid, epoch, -1, "", topic, partition, offset, metadata))
	code := readFirstPartitionCode(r)
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code
}

// txnOffsetCommitBody is the body of a TxnOffsetCommit (v3 to v5) of one
// partition's offset, by a member of a generation (-1 and "" outside group
// membership).
func txnOffsetCommitBody(id, group string, pid int64, epoch int16, generation int32, member, topic string, partition int32, offset int64, metadata *string) func(w *writer) {
	return func(w *writer) {
		w.String(id)
		w.String(group)
		w.Int64(pid)
		w.Int16(epoch)
		w.Int32(generation)
		w.String(member)
		w.NullableString(nil) // GroupInstanceId
		w.ArrayLen(1)
		w.String(topic)
		w.ArrayLen(1)
		w.Int32(partition)
		w.Int64(offset)
		w.Int32(-1) // CommittedLeaderEpoch
		w.NullableString(metadata)
		w.Tags()
		w.Tags()
		w.Tags()
	}
}

// isolatedFetch is what a Fetch v12 answer says of one partition.
type isolatedFetch struct {
	hw, lso int64
	aborted []abortedTransaction // nil when the answer's array is null
	records []byte
}

func (c *testClient) fetchIsolated(topic string, partition int32, offset int64, isolation int8) isolatedFetch {
	c.t.Helper()
	r := c.roundTrip(1, 12, true, fetchBodyIsolated(topic, partition, offset, 0, 0, isolation))
	_, p := readFetchPartition(r)
	if p.ErrorCode != codeNone {
		c.t.Fatalf("fetch: error %d", p.ErrorCode)
	}
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return isolatedFetch{hw: p.HighWatermark, lso: p.LastStableOffset, aborted: p.AbortedTransactions, records: p.Records}
}

// batchesOf splits fetched records into headers and bytes.
func batchesOf(t *testing.T, records []byte) ([]batchHeader, [][]byte) {
	t.Helper()
	var hs []batchHeader
	var bs [][]byte
	for len(records) > 0 {
		h, err := parseBatchHeader(records)
		if err != nil {
			t.Fatal(err)
		}
		hs, bs = append(hs, h), append(bs, records[:h.Size()])
		records = records[h.Size():]
	}
	return hs, bs
}

func TestMarkerBatchFormat(t *testing.T) {
	for _, tc := range []struct {
		typ int16
		key []byte
	}{
		{markerAbort, []byte{0, 0, 0, 0}},
		{markerCommit, []byte{0, 0, 0, 1}},
	} {
		b := markerBatch(7, 3, tc.typ, 1000)
		h, err := parseBatchHeader(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkBatch(b, h); err != nil {
			t.Fatal(err)
		}
		if h.Attributes != transactionalFlag|controlFlag || h.ProducerID != 7 || h.ProducerEpoch != 3 || h.BaseSequence != -1 || h.NumRecords != 1 {
			t.Errorf("marker header %+v", h)
		}
		var recs []record
		eachFullRecord(b, h, func(r record) bool { recs = append(recs, r); return true })
		if len(recs) != 1 || !bytes.Equal(recs[0].Key, tc.key) || !bytes.Equal(recs[0].Value, []byte{0, 0, 0, 0, 0, 0}) {
			t.Errorf("marker %d records %+v, want key %x value 000000000000", tc.typ, recs, tc.key)
		}
		if typ, ok := markerType(b, h); !ok || typ != tc.typ {
			t.Errorf("markerType = %d, %v", typ, ok)
		}
	}
}

// TestTxnCommitAndAbort runs a committed then an aborted transaction and
// checks what both isolation levels fetch, the markers and ListOffsets.
func TestTxnCommitAndAbort(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 1)
	code, pid, epoch := c.initTxn("app", 60000)
	if code != codeNone {
		t.Fatalf("InitProducerId: %d", code)
	}
	// Not yet added: refused.
	if code, _ := c.produce("tx", 0, txnBatch(pid, epoch, 0, 3)); code != codeInvalidTxnState {
		t.Errorf("produce before AddPartitionsToTxn: code %d, want INVALID_TXN_STATE", code)
	}
	if code := c.addPartition("app", pid, epoch, "tx", 0); code != codeNone {
		t.Fatalf("AddPartitionsToTxn: %d", code)
	}
	if code := c.addPartition("app", pid, epoch, "nope", 0); code != codeUnknownTopicOrPartition {
		t.Errorf("AddPartitionsToTxn of a missing topic: %d", code)
	}
	c.mustProduce("tx", 0, txnBatch(pid, epoch, 0, 3))
	f := c.fetchIsolated("tx", 0, 0, readCommitted)
	if f.hw != 3 || f.lso != 0 || len(f.records) != 0 || f.aborted == nil || len(f.aborted) != 0 {
		t.Errorf("read_committed during txn: hw %d lso %d %d bytes aborted %v; want 3, 0, none, []", f.hw, f.lso, len(f.records), f.aborted)
	}
	f = c.fetchIsolated("tx", 0, 0, readUncommitted)
	if f.hw != 3 || f.lso != 0 || len(f.records) == 0 || f.aborted != nil {
		t.Errorf("read_uncommitted during txn: hw %d lso %d %d bytes aborted %v; want 3, 0, records, null", f.hw, f.lso, len(f.records), f.aborted)
	}
	if _, off := c.listOffsetIsolated("tx", 0, readCommitted); off != 0 {
		t.Errorf("ListOffsets latest read_committed = %d, want 0", off)
	}
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeNone {
		t.Fatalf("EndTxn commit: %d", code)
	}
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeNone {
		t.Errorf("EndTxn commit retried: %d", code)
	}
	f = c.fetchIsolated("tx", 0, 0, readCommitted)
	hs, bs := batchesOf(t, f.records)
	if f.hw != 4 || f.lso != 4 || len(hs) != 2 {
		t.Fatalf("after commit: hw %d lso %d %d batches; want 4, 4, 2", f.hw, f.lso, len(hs))
	}
	if typ, ok := markerType(bs[1], hs[1]); !ok || typ != markerCommit || hs[1].BaseOffset != 3 || hs[1].ProducerID != pid {
		t.Errorf("second batch is not a COMMIT marker of producer %d at 3: %+v", pid, hs[1])
	}

	// A second transaction, committed, then a third, aborted.
	if code := c.addPartition("app", pid, epoch, "tx", 0); code != codeNone {
		t.Fatal(code)
	}
	c.mustProduce("tx", 0, txnBatch(pid, epoch, 3, 2))
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeNone {
		t.Fatalf("EndTxn commit: %d", code)
	}
	if code := c.addPartition("app", pid, epoch, "tx", 0); code != codeNone {
		t.Fatal(code)
	}
	c.mustProduce("tx", 0, txnBatch(pid, epoch, 5, 2))
	if code := c.endTxn(3, "app", pid, epoch, false); code != codeNone {
		t.Fatalf("EndTxn abort: %d", code)
	}
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeInvalidTxnState {
		t.Errorf("EndTxn commit after abort: %d, want INVALID_TXN_STATE", code)
	}
	// Offsets: 0-2 txn1, 3 commit, 4-5 txn2, 6 commit, 7-8 txn3, 9 abort.
	f = c.fetchIsolated("tx", 0, 0, readCommitted)
	if want := []abortedTransaction{{pid, 7}}; f.hw != 10 || f.lso != 10 || !cmp.Equal(f.aborted, want) {
		t.Errorf("after abort: hw %d lso %d aborted %v; want 10, 10, %v", f.hw, f.lso, f.aborted, want)
	}
	if f = c.fetchIsolated("tx", 0, 0, readUncommitted); f.aborted != nil {
		t.Errorf("read_uncommitted carries AbortedTransactions %v", f.aborted)
	}
	// A fetch past the aborted transaction is not told of it.
	if f = c.fetchIsolated("tx", 0, 10, readCommitted); len(f.aborted) != 0 {
		t.Errorf("fetch from 10: aborted %v, want none", f.aborted)
	}
	// The index is rebuilt at restart.
	tb.stop()
	tb = startBroker(t, tb.cfg.DataDir)
	c = dial(t, tb.addr)
	if f = c.fetchIsolated("tx", 0, 0, readCommitted); !cmp.Equal(f.aborted, []abortedTransaction{{pid, 7}}) || f.lso != 10 {
		t.Errorf("after restart: lso %d aborted %v", f.lso, f.aborted)
	}
	if code, pid2, epoch2 := c.initTxn("app", 60000); code != codeNone || pid2 != pid || epoch2 != epoch+1 {
		t.Errorf("InitProducerId after restart: %d %d %d, want 0 %d %d", code, pid2, epoch2, pid, epoch+1)
	}
}

// listOffsetIsolated is ListOffsets v7 latest at an isolation level.
func (c *testClient) listOffsetIsolated(topic string, partition int32, isolation int8) (int16, int64) {
	c.t.Helper()
	return c.listOffsetAt(topic, partition, latestTimestamp, isolation)
}

// listOffsetAt is ListOffsets v7 of a timestamp at an isolation level.
func (c *testClient) listOffsetAt(topic string, partition int32, ts int64, isolation int8) (int16, int64) {
	c.t.Helper()
	r := c.roundTrip(2, 7, true, func(w *writer) {
		w.Int32(-1)
		w.Int8(isolation)
		w.ArrayLen(1)
		w.String(topic)
		w.ArrayLen(1)
		w.Int32(partition)
		w.Int32(-1)
		w.Int64(ts)
		w.Tags()
		w.Tags()
		w.Tags()
	})
	code := readFirstPartitionCode(r)
	r.Int64()
	off := r.Int64()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code, off
}

// TestTxnFencing: a second InitProducerId of the same transactional id
// aborts the open transaction and fences the first producer.
func TestTxnFencing(t *testing.T) {
	_, c := startWithTopic(t, "tx", 1)
	pid, epoch := c.openTxn("app", "tx", 2)
	// The open transaction is aborted with a bumped epoch, and the new
	// instance told to retry; the retry bumps the epoch again. With
	// transaction.version 2 finalized, as here, the abort bumps the fenced
	// epoch once more (fenceEpoch), so the retry gets the third.
	if code, _, _ := c.initTxn("app", 60000); code != codeConcurrentTransactions {
		t.Fatalf("second InitProducerId over the open transaction: %d, want CONCURRENT_TRANSACTIONS", code)
	}
	code, pid2, epoch2 := c.initTxn("app", 60000)
	if code != codeNone || pid2 != pid || epoch2 != epoch+3 {
		t.Fatalf("second InitProducerId retried: %d %d %d", code, pid2, epoch2)
	}
	f := c.fetchIsolated("tx", 0, 0, readCommitted)
	if f.lso != 3 || !cmp.Equal(f.aborted, []abortedTransaction{{pid, 0}}) {
		t.Errorf("after fencing: lso %d aborted %v; want 3, [{%d 0}]", f.lso, f.aborted, pid)
	}
	if code, _ := c.produce("tx", 0, txnBatch(pid, epoch, 2, 1)); code != codeInvalidProducerEpoch {
		t.Errorf("fenced produce: %d, want INVALID_PRODUCER_EPOCH", code)
	}
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeProducerFenced {
		t.Errorf("fenced EndTxn v3: %d, want PRODUCER_FENCED", code)
	}
	if code := c.endTxn(1, "app", pid, epoch, true); code != codeInvalidProducerEpoch {
		t.Errorf("fenced EndTxn v1: %d, want INVALID_PRODUCER_EPOCH", code)
	}
	if code := c.addPartition("app", pid, epoch, "tx", 0); code != codeProducerFenced {
		t.Errorf("fenced AddPartitionsToTxn v3: %d", code)
	}
	if code := c.txnCommitOffset("app", "g", pid, epoch, "tx", 0, 1); code != codeInvalidProducerEpoch {
		t.Errorf("fenced TxnOffsetCommit v3: %d, want INVALID_PRODUCER_EPOCH", code)
	}
	// The new producer starts its epoch at sequence 0.
	c.addPartition("app", pid2, epoch2, "tx", 0)
	if code, _ := c.produce("tx", 0, txnBatch(pid2, epoch2, 0, 1)); code != codeNone {
		t.Errorf("new epoch's produce: %d", code)
	}
	if code := c.endTxn(3, "app", pid2, epoch2, true); code != codeNone {
		t.Errorf("new epoch's EndTxn: %d", code)
	}
	if code, _, _ := c.initTxn("other", int32((16 * time.Minute).Milliseconds())); code != codeInvalidTransactionTimeout {
		t.Errorf("timeout over the max: %d, want INVALID_TRANSACTION_TIMEOUT", code)
	}
	if code := c.endTxn(3, "unknown", 1, 0, true); code != codeInvalidProducerIDMapping {
		t.Errorf("EndTxn of an unknown id: %d", code)
	}
}

// TestTxnTimeout: an open transaction past its timeout is aborted by the
// background check, and its producer fenced.
func TestTxnTimeout(t *testing.T) {
	_, c := startWithTopicUsing(t, Config{DataDir: t.TempDir(), TransactionAbortCheckInterval: 10 * time.Millisecond}, "tx", 1)
	_, pid, epoch := c.initTxn("app", 100)
	c.addPartition("app", pid, epoch, "tx", 0)
	c.mustProduce("tx", 0, txnBatch(pid, epoch, 0, 2))
	deadline := time.Now().Add(10 * time.Second)
	for {
		f := c.fetchIsolated("tx", 0, 0, readCommitted)
		if f.lso == f.hw && f.hw == 3 {
			if !cmp.Equal(f.aborted, []abortedTransaction{{pid, 0}}) {
				t.Errorf("timed out: aborted %v", f.aborted)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("transaction not aborted after 10s: lso %d hw %d", f.lso, f.hw)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeProducerFenced {
		t.Errorf("EndTxn after timeout: %d, want PRODUCER_FENCED", code)
	}
	// The timeout's fence leaves no epoch before it to come back to
	// (TransactionMetadata.prepareFenceProducerEpoch sets
	// lastProducerEpoch to -1), so naming the timed-out epoch is a
	// zombie's InitProducerId.
	if code, _, epoch2 := c.initTxnAs("app", 60000, pid, epoch); code != codeProducerFenced {
		t.Errorf("InitProducerId naming the timed-out epoch: code %d epoch %d, want PRODUCER_FENCED", code, epoch2)
	}
	if code, _, _ := c.initTxnAs("app", 60000, pid, epoch+5); code != codeProducerFenced {
		t.Errorf("InitProducerId naming an epoch never given: %d, want PRODUCER_FENCED", code)
	}
	if code, _, epoch3 := c.initTxnAs("app", 60000, pid, epoch+1); code != codeNone || epoch3 != epoch+2 {
		t.Errorf("InitProducerId naming the current epoch: %d epoch %d, want 0, %d", code, epoch3, epoch+2)
	}
}

// TestTxnOffsetCommitOnlyOnCommit: offsets committed in a transaction
// reach the group only when it commits.
func TestTxnOffsetCommitOnlyOnCommit(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "in", 1)
	_, pid, epoch := c.initTxn("etl", 60000)
	if code := c.txnCommitOffset("etl", "g", pid, epoch, "in", 0, 5); code != codeInvalidTxnState {
		t.Errorf("TxnOffsetCommit before AddOffsetsToTxn: %d", code)
	}
	if code := c.addOffsets("etl", pid, epoch, "g"); code != codeNone {
		t.Fatal(code)
	}
	if code := c.txnCommitOffset("etl", "g", pid, epoch, "in", 0, 5); code != codeNone {
		t.Fatal(code)
	}
	if off, _ := c.fetchOffset("g", "in", 0); off != -1 {
		t.Errorf("offset before commit: %d, want -1", off)
	}
	if code, off := c.fetchStableOffset("g", "in", 0); code != codeUnstableOffsetCommit || off != -1 {
		t.Errorf("RequireStable while pending: code %d offset %d, want UNSTABLE_OFFSET_COMMIT, -1", code, off)
	}
	if code := c.endTxn(3, "etl", pid, epoch, false); code != codeNone {
		t.Fatal(code)
	}
	if off, _ := c.fetchOffset("g", "in", 0); off != -1 {
		t.Errorf("offset after abort: %d, want -1", off)
	}
	c.addOffsets("etl", pid, epoch, "g")
	c.txnCommitOffset("etl", "g", pid, epoch, "in", 0, 7)
	if code := c.endTxn(3, "etl", pid, epoch, true); code != codeNone {
		t.Fatal(code)
	}
	if off, _ := c.fetchOffset("g", "in", 0); off != 7 {
		t.Errorf("offset after commit: %d, want 7", off)
	}
	if code, off := c.fetchStableOffset("g", "in", 0); code != codeNone || off != 7 {
		t.Errorf("RequireStable after commit: code %d offset %d, want 0, 7", code, off)
	}
	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	if off, _ := c.fetchOffset("g", "in", 0); off != 7 {
		t.Errorf("offset after restart: %d, want 7", off)
	}
}

// fetchStableOffset is OffsetFetch v8 of one partition with RequireStable.
func (c *testClient) fetchStableOffset(group, topic string, partition int32) (int16, int64) {
	c.t.Helper()
	code, offset, _ := c.offsetFetchOne(group, topic, partition, true)
	return code, offset
}

// TestTxnCommitWakesReadCommittedFetch: a read_committed fetch waiting for
// data past the LSO is answered when a commit moves the LSO, not at the
// end of its MaxWaitMs.
func TestTxnCommitWakesReadCommittedFetch(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 1)
	pid, epoch := c.openTxn("app", "tx", 2)
	fetcher := dial(t, tb.addr)
	type result struct {
		hs      []batchHeader
		elapsed time.Duration
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		r := fetcher.fetchBatches(fetchBodyIsolated("tx", 0, 0, 8*time.Second, 1, readCommitted))
		done <- result{r, time.Since(start)}
	}()
	time.Sleep(200 * time.Millisecond)
	select {
	case r := <-done:
		t.Fatalf("read_committed fetch answered before the commit with %d batches", len(r.hs))
	default:
	}
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeNone {
		t.Fatal(code)
	}
	select {
	case r := <-done:
		if len(r.hs) != 2 || r.elapsed > 5*time.Second {
			t.Errorf("fetch after commit: %d batches after %v, want data and marker well before MaxWaitMs", len(r.hs), r.elapsed)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("read_committed fetch not answered")
	}
}

// fetchBatches sends a Fetch v12 built by body and returns the batch
// headers of its one partition. It runs off the test goroutine, so a
// broken answer comes back as no batches rather than a t.Fatal.
func (c *testClient) fetchBatches(body func(w *writer)) []batchHeader {
	c.send(1, 12, true, body)
	r, err := c.recv(true)
	if err != nil {
		return nil
	}
	_, p := readFetchPartition(r)
	records := p.Records
	var hs []batchHeader
	for len(records) > 0 {
		h, err := parseBatchHeader(records)
		if err != nil {
			return nil
		}
		hs = append(hs, h)
		records = records[h.Size():]
	}
	return hs
}

// TestTxnRestartCompletesPrepareCommit: a crash after EndTxn saved
// PrepareCommit but before its markers were all written is finished at
// the next start: the transaction commits, and its offsets are applied.
func TestTxnRestartCompletesPrepareCommit(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "tx", 1)
	c.createTopic("in", 1)
	pid, epoch := c.openTxn("app", "tx", 2)
	c.addOffsets("app", pid, epoch, "g")
	c.txnCommitOffset("app", "g", pid, epoch, "in", 0, 9)
	tb.stop()
	// Stand in for the crash: the last record of the state says
	// PrepareCommit, as EndTxn appends before its markers.
	setTxnState(t, dir, "app", txnOngoing, txnPrepareCommit)
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	f := c.fetchIsolated("tx", 0, 0, readCommitted)
	hs, bs := batchesOf(t, f.records)
	if f.lso != 3 || len(f.aborted) != 0 || len(hs) != 2 {
		t.Fatalf("after restart: lso %d aborted %v %d batches; want 3, none, 2", f.lso, f.aborted, len(hs))
	}
	if typ, ok := markerType(bs[1], hs[1]); !ok || typ != markerCommit {
		t.Errorf("marker written at start is not COMMIT")
	}
	if off, _ := c.fetchOffset("g", "in", 0); off != 9 {
		t.Errorf("offset after restart: %d, want 9", off)
	}
}

// TestTxnLSOInterleaved: the LSO is the first offset of the earliest open
// transaction, whoever else writes after it, and a read_committed fetch
// stops there in the middle of what is on disk.
func TestTxnLSOInterleaved(t *testing.T) {
	_, c := startWithTopic(t, "tx", 1)
	// Timestamps near the broker's clock, as its markers have, so that
	// segment.ms keeps everything in one segment: the first batch a minute
	// before the transactions' records, the untransacted one a minute after.
	early, late := time.Now().UnixMilli()-60_000, time.Now().UnixMilli()+60_000
	if code, _ := c.produce("tx", 0, makeBatch(recordsAt(early, 2)...)); code != codeNone { // 0-1
		t.Fatal(code)
	}
	_, a, aEpoch := c.initTxn("a", 60000)
	_, b, bEpoch := c.initTxn("b", 60000)
	c.addPartition("a", a, aEpoch, "tx", 0)
	c.addPartition("b", b, bEpoch, "tx", 0)
	for _, batch := range [][]byte{
		txnBatch(a, aEpoch, 0, 2),        // 2-3, a open
		makeBatch(recordsAt(late, 2)...), // 4-5, no transaction
		txnBatch(b, bEpoch, 0, 1),        // 6, b open
		txnBatch(a, aEpoch, 2, 1),        // 7, a again
	} {
		c.mustProduce("tx", 0, batch)
	}
	c.endTxn(3, "b", b, bEpoch, true) // marker at 8
	f := c.fetchIsolated("tx", 0, 0, readCommitted)
	hs, _ := batchesOf(t, f.records)
	if f.lso != 2 || f.hw != 9 || len(hs) != 1 || hs[0].BaseOffset != 0 {
		t.Fatalf("a open: lso %d hw %d, %d batches; want 2, 9, only the batch at 0", f.lso, f.hw, len(hs))
	}
	if f = c.fetchIsolated("tx", 0, 4, readCommitted); len(f.records) != 0 {
		t.Errorf("read_committed from 4, past the LSO: %d bytes, want none", len(f.records))
	}
	if _, off := c.listOffsetIsolated("tx", 0, readCommitted); off != 2 {
		t.Errorf("ListOffsets read_committed latest = %d, want 2", off)
	}
	if _, off := c.listOffsetIsolated("tx", 0, readUncommitted); off != 9 {
		t.Errorf("ListOffsets read_uncommitted latest = %d, want 9", off)
	}
	// The records at 4-5 have the latest timestamps; past the LSO, a
	// read_committed lookup by time finds nothing, a read_uncommitted
	// one finds them.
	if _, off := c.listOffsetAt("tx", 0, late, readCommitted); off != -1 {
		t.Errorf("ListOffsets read_committed by time = %d, want -1", off)
	}
	if _, off := c.listOffsetAt("tx", 0, late, readUncommitted); off != 4 {
		t.Errorf("ListOffsets read_uncommitted by time = %d, want 4", off)
	}
	if _, off := c.listOffsetAt("tx", 0, early, readCommitted); off != 0 {
		t.Errorf("ListOffsets read_committed by time before the LSO = %d, want 0", off)
	}
	c.endTxn(3, "a", a, aEpoch, false) // marker at 9
	f = c.fetchIsolated("tx", 0, 0, readCommitted)
	hs, _ = batchesOf(t, f.records)
	if f.lso != 10 || len(hs) != 7 || !cmp.Equal(f.aborted, []abortedTransaction{{a, 2}}) {
		t.Errorf("a aborted: lso %d, %d batches, aborted %v; want 10, 7, [{%d 2}]", f.lso, len(hs), f.aborted, a)
	}
}

// TestTxnLSOPastIndexEntries: the read_committed end holds when the read
// jumps through offset-index entries (one per 4 KiB of batches) rather
// than walking headers.
func TestTxnLSOPastIndexEntries(t *testing.T) {
	_, c := startWithTopic(t, "tx", 1)
	const before, after = 300, 300
	for i := range before {
		c.mustProduce("tx", 0, makeBatch(recordsAt(int64(i), 1)...))
	}
	c.openTxn("a", "tx", 1)
	for i := range after {
		c.mustProduce("tx", 0, makeBatch(recordsAt(int64(i), 1)...))
	}
	for _, from := range []int64{0, 150, before - 1} {
		f := c.fetchIsolated("tx", 0, from, readCommitted)
		hs, _ := batchesOf(t, f.records)
		if f.lso != before || len(hs) != int(before-from) || hs[len(hs)-1].BaseOffset != before-1 {
			t.Errorf("read_committed from %d: lso %d, %d batches; want %d, %d ending at %d", from, f.lso, len(hs), before, before-from, before-1)
		}
	}
}

// TestTxnOrphanAbortedAtStart: a transaction open in a partition that no
// transactional id owns any more (here, the state file was lost) is
// aborted at start, so that the partition's LSO can move again.
func TestTxnOrphanAbortedAtStart(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "tx", 1)
	pid, _ := c.openTxn("app", "tx", 2)
	tb.stop()
	if err := os.Remove(filepath.Join(dir, txnStateFile)); err != nil {
		t.Fatal(err)
	}
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	f := c.fetchIsolated("tx", 0, 0, readCommitted)
	if f.lso != 3 || f.hw != 3 || !cmp.Equal(f.aborted, []abortedTransaction{{pid, 0}}) {
		t.Errorf("after restart without state: lso %d hw %d aborted %v; want 3, 3, [{%d 0}]", f.lso, f.hw, f.aborted, pid)
	}
}

// TestTxnIDExpiration: a transactional id unused for
// TransactionalIDExpiration is forgotten; one with an open transaction is
// not.
func TestTxnIDExpiration(t *testing.T) {
	_, c := startWithTopicUsing(t, Config{DataDir: t.TempDir(), TransactionAbortCheckInterval: 10 * time.Millisecond, TransactionalIDExpiration: 100 * time.Millisecond}, "tx", 1)
	_, idle, idleEpoch := c.initTxn("idle", 60000)
	_, busy, busyEpoch := c.initTxn("busy", 60000)
	c.addPartition("busy", busy, busyEpoch, "tx", 0)
	time.Sleep(400 * time.Millisecond)
	if code := c.addPartition("idle", idle, idleEpoch, "tx", 0); code != codeInvalidProducerIDMapping {
		t.Errorf("AddPartitionsToTxn of an expired id: %d, want INVALID_PRODUCER_ID_MAPPING", code)
	}
	if code, pid, _ := c.initTxn("idle", 60000); code != codeNone || pid == idle {
		t.Errorf("InitProducerId of an expired id: code %d, producer %d; want a new producer id", code, pid)
	}
	if code := c.endTxn(3, "busy", busy, busyEpoch, true); code != codeNone {
		t.Errorf("EndTxn of an open transaction after the expiration time: %d", code)
	}
}

// txnV4 is one transaction of an AddPartitionsToTxn v4 request.
type txnV4 struct {
	id     string
	pid    int64
	epoch  int16
	verify bool
}

// addPartitionsV4 sends AddPartitionsToTxn v4, the form brokers send the
// coordinator, with each transaction naming partitions 0 and 1 of topic,
// and returns each transactional id's partition codes in answer order.
func (c *testClient) addPartitionsV4(topic string, txns ...txnV4) map[string][]int16 {
	c.t.Helper()
	r := c.roundTrip(24, 4, true, func(w *writer) {
		w.ArrayLen(len(txns))
		for _, x := range txns {
			w.String(x.id)
			w.Int64(x.pid)
			w.Int16(x.epoch)
			w.Bool(x.verify)
			w.ArrayLen(1)
			w.String(topic)
			w.Int32s([]int32{0, 1})
			w.Tags()
			w.Tags()
		}
		w.Tags()
	})
	r.Int32()
	if code := r.Int16(); code != codeNone {
		c.t.Fatalf("top-level error %d", code)
	}
	got := map[string][]int16{}
	for range r.ArrayLen() {
		id := r.String()
		var codes []int16
		for range r.ArrayLen() {
			_ = r.String()
			for range r.ArrayLen() {
				r.Int32()
				codes = append(codes, r.Int16())
				r.SkipTags()
			}
			r.SkipTags()
		}
		r.SkipTags()
		got[id] = append(got[id], codes...)
	}
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return got
}

// TestAddPartitionsToTxnBatched: the v4+ form carries several
// transactions and is answered per transaction; VerifyOnly looks without
// adding.
func TestAddPartitionsToTxnBatched(t *testing.T) {
	_, c := startWithTopic(t, "tx", 2)
	_, a, aEpoch := c.initTxn("a", 60000)
	_, b, bEpoch := c.initTxn("b", 60000)
	c.addPartition("a", a, aEpoch, "tx", 0)
	got := c.addPartitionsV4("tx", txnV4{"a", a, aEpoch, true}, txnV4{"b", b, bEpoch, false}, txnV4{"a", a, aEpoch + 1, false})
	want := map[string][]int16{
		// a verifies: 0 is in its transaction, 1 is not; then a's
		// wrong epoch is fenced.
		"a": {codeNone, codeTransactionAbortable, codeProducerFenced, codeProducerFenced},
		"b": {codeNone, codeNone},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("AddPartitionsToTxn v4 codes (-want +got):\n%s", d)
	}
	// b's partitions were added; a's 1 was only looked for.
	if code, _ := c.produce("tx", 1, txnBatch(b, bEpoch, 0, 1)); code != codeNone {
		t.Errorf("produce by b to an added partition: %d", code)
	}
	if code, _ := c.produce("tx", 1, txnBatch(a, aEpoch, 0, 1)); code != codeInvalidTxnState {
		t.Errorf("produce by a to a partition only verified: %d, want INVALID_TXN_STATE", code)
	}
}

// setTxnState appends to the state file in dir a record of transactional
// id's state with its state changed from from to to, as the coordinator
// would have written it.
func setTxnState(t *testing.T, dir, id string, from, to txnState) {
	t.Helper()
	l, metas, err := openTxnStateLog(filepath.Join(dir, txnStateFile), false, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	i := slices.IndexFunc(metas, func(m *txnMeta) bool { return m.ID == id })
	if i < 0 || metas[i].State != from {
		t.Fatalf("state file has no %s transaction %q", from, id)
	}
	metas[i].State = to
	if err := l.put(metas[i]); err != nil {
		t.Fatal(err)
	}
}

// TestTxnLSORaceWithAppend hammers the moment a transaction's first batch
// is appended while read_committed readers look at the partition. The
// high watermark must not move past the batch before the transaction is
// registered as open: a reader in between would compute LSO = HW and read
// records that are about to be aborted. Here every transaction is one
// batch and an ABORT marker, so anything a reader finds below the LSO must
// be listed as aborted; the readers do what a read_committed fetch does
// (LastStableOffset, then the records and the aborted list below it).
func TestTxnLSORaceWithAppend(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	const producers, txnsEach, readers = 6, 60, 2
	var writers, watchers sync.WaitGroup
	done := make(chan struct{})
	for p := range producers {
		writers.Go(func() {
			pid := int64(1000 + p)
			for seq := range int32(txnsEach) {
				for _, b := range [][]byte{txnBatch(pid, 0, seq, 1), markerBatch(pid, 0, markerAbort, 1)} {
					hs, err := splitBatches(b)
					if err == nil {
						_, err = l.Append(b, hs)
					}
					if err != nil {
						t.Errorf("producer %d: %v", pid, err)
						return
					}
				}
			}
		})
	}
	var reads, seen atomic.Int64
	for range readers {
		watchers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := checkReadCommitted(l, &seen); err != nil {
					t.Error(err)
					return
				}
				reads.Add(1)
			}
		})
	}
	writers.Wait()
	close(done)
	watchers.Wait()
	if want := int64(2 * producers * txnsEach); l.HighWatermark() != want {
		t.Errorf("high watermark %d, want %d", l.HighWatermark(), want)
	}
	t.Logf("%d read_committed reads, %d aborted batches checked", reads.Load(), seen.Load())
}

// checkReadCommitted reads the partition as a read_committed fetch of the
// last 16 offsets below the LSO would, and reports a transactional
// batch there that no aborted transaction covers. seen counts the
// transactional batches checked.
func checkReadCommitted(l *partitionLog, seen *atomic.Int64) error {
	lso := l.LastStableOffset()
	from := max(0, lso-16)
	aborted := l.AbortedTransactions(from, lso)
	records, err := l.Read(from, 1<<20)
	if err != nil {
		return err
	}
	hs, err := splitBatches(records)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if h.BaseOffset < from || h.BaseOffset >= lso || h.Attributes&controlFlag != 0 {
			continue
		}
		if !slices.Contains(aborted, abortedTransaction{ProducerID: h.ProducerID, FirstOffset: h.BaseOffset}) {
			return fmt.Errorf("LSO %d: batch of producer %d at %d is below the LSO but not aborted (aborted: %v)", lso, h.ProducerID, h.BaseOffset, aborted)
		}
		seen.Add(1)
	}
	return nil
}

// TestTxnMarkerLogAppendTime: on a topic whose message.timestamp.type is
// LogAppendTime, Kafka's LogValidator.assignOffsetsNonCompressed stamps
// every batch UnifiedLog.appendAsLeader appends, the markers that
// WriteTxnMarkers appends with origin COORDINATOR included: the
// timestamp-type bit is set and maxTimestamp is the append time. The
// markers of EndTxn (commit and abort) and of the orphan abort at start
// are checked; a CreateTime topic's markers stay unstamped.
func TestTxnMarkerLogAppendTime(t *testing.T) {
	dir := t.TempDir()
	tb := startBroker(t, dir)
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("lat", 1, map[string]*string{"message.timestamp.type": ptr("LogAppendTime")}); code != codeNone {
		t.Fatalf("CreateTopics: %d", code)
	}
	c.createTopic("ct", 1)
	_, pid, epoch := c.initTxn("app", 60000)
	seq := map[string]int32{}
	produce := func(topics ...string) {
		t.Helper()
		for _, topic := range topics {
			if code := c.addPartition("app", pid, epoch, topic, 0); code != codeNone {
				t.Fatalf("AddPartitionsToTxn %s: %d", topic, code)
			}
			if code, _ := c.produce(topic, 0, txnBatch(pid, epoch, seq[topic], 1)); code != codeNone {
				t.Fatalf("produce %s: %d", topic, code)
			}
			seq[topic]++
		}
	}
	before := time.Now().UnixMilli()
	produce("lat", "ct")
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeNone {
		t.Fatalf("EndTxn commit: %d", code)
	}
	produce("lat", "ct")
	if code := c.endTxn(3, "app", pid, epoch, false); code != codeNone {
		t.Fatalf("EndTxn abort: %d", code)
	}
	// A third transaction is left open, and the state file that knows of
	// it removed, so that the next start aborts it as an orphan.
	produce("lat", "ct")
	tb.stop()
	if err := os.Remove(filepath.Join(dir, txnStateFile)); err != nil {
		t.Fatal(err)
	}
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	after := time.Now().UnixMilli()

	for _, tc := range []struct {
		topic string
		lat   bool
	}{{"lat", true}, {"ct", false}} {
		f := c.fetchIsolated(tc.topic, 0, 0, readUncommitted)
		hs, bs := batchesOf(t, f.records)
		var markers []int16
		for i, h := range hs {
			typ, ok := markerType(bs[i], h)
			if !ok {
				continue
			}
			markers = append(markers, typ)
			if err := checkBatch(bs[i], h); err != nil {
				t.Errorf("%s: marker at %d: %v", tc.topic, h.BaseOffset, err)
			}
			stamped := h.Attributes&timestampTypeFlag != 0
			if stamped != tc.lat || tc.lat && (h.MaxTimestamp < before || h.MaxTimestamp > after) {
				t.Errorf("%s: marker at %d: attributes %#x max timestamp %d; want LogAppendTime %v within [%d, %d]",
					tc.topic, h.BaseOffset, h.Attributes, h.MaxTimestamp, tc.lat, before, after)
			}
		}
		if want := []int16{markerCommit, markerAbort, markerAbort}; !slices.Equal(markers, want) {
			t.Errorf("%s: markers %v, want %v", tc.topic, markers, want)
		}
	}
}

// TestEndTxnStateNotSaved fails the append of the Prepare state to the
// transaction state file, as a full disk does: EndTxn is answered
// NOT_COORDINATOR, which the client retries after finding the coordinator
// again (Kafka's TransactionStateManager answers a failed append of its
// log so), and the transaction stays open as the file says, so that the
// retry, once the file takes writes again, commits it.
func TestEndTxnStateNotSaved(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 1)
	pid, epoch := c.openTxn("app", "tx", 3)
	state := tb.txns.state
	tb.txns.mu.Lock()
	state.f.Close() // every append fails
	tb.txns.mu.Unlock()
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeNotCoordinator {
		t.Fatalf("EndTxn with the state not saved: code %d, want NOT_COORDINATOR", code)
	}
	tb.txns.mu.Lock()
	if got := tb.txns.byID["app"].State; got != txnOngoing {
		t.Errorf("state after the failed EndTxn: %v, want Ongoing, as the file has it", got)
	}
	err := state.reopen(state.size)
	tb.txns.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeNone {
		t.Fatalf("EndTxn retried: code %d", code)
	}
	if f := c.fetchIsolated("tx", 0, 0, readCommitted); f.lso != 4 || len(f.records) == 0 {
		t.Errorf("read_committed after the commit: lso %d, %d bytes; want 4 and the records", f.lso, len(f.records))
	}
}

// TestEndTxnMarkerNotWritten fails the commit marker's append (its
// partition is offline) after the Prepare state was saved: the commit is
// decided and the background check finishes it, so EndTxn and its retries
// are answered CONCURRENT_TRANSACTIONS, which the client retries, as Kafka
// answers an EndTxn that finds its transaction in PrepareCommit.
func TestEndTxnMarkerNotWritten(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 1)
	pid, epoch := c.openTxn("app", "tx", 3)
	pl := tb.logs.Topic("tx").Partitions[0]
	pl.fail(errors.New("injected"))
	for i := range 2 {
		if code := c.endTxn(3, "app", pid, epoch, true); code != codeConcurrentTransactions {
			t.Errorf("EndTxn %d with the marker not written: code %d, want CONCURRENT_TRANSACTIONS", i, code)
		}
	}
	pl.offline.Store(nil) // back, so that the broker closes cleanly
}

// TestTxnRequestsStateNotSaved fails every append to the transaction state
// file, as a full disk does: InitProducerId, AddPartitionsToTxn and
// AddOffsetsToTxn are answered NOT_COORDINATOR, which clients retry (as
// Kafka answers a failed append to __transaction_state), not
// UNKNOWN_SERVER_ERROR, which ends a Java producer; once the file takes
// writes again the retries succeed.
func TestTxnRequestsStateNotSaved(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 1)
	_, pid, epoch := c.initTxn("app", 60000)
	state := tb.txns.state
	tb.txns.mu.Lock()
	state.f.Close() // every append fails
	tb.txns.mu.Unlock()
	if code := c.addPartition("app", pid, epoch, "tx", 0); code != codeNotCoordinator {
		t.Errorf("AddPartitionsToTxn: code %d, want NOT_COORDINATOR", code)
	}
	if code := c.addOffsets("app", pid, epoch, "g"); code != codeNotCoordinator {
		t.Errorf("AddOffsetsToTxn: code %d, want NOT_COORDINATOR", code)
	}
	if code, _, _ := c.initTxn("app", 60000); code != codeNotCoordinator {
		t.Errorf("InitProducerId: code %d, want NOT_COORDINATOR", code)
	}
	tb.txns.mu.Lock()
	err := state.reopen(state.size)
	tb.txns.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	code, pid, epoch := c.initTxn("app", 60000)
	if code != codeNone {
		t.Fatalf("InitProducerId retried: code %d", code)
	}
	if code := c.addPartition("app", pid, epoch, "tx", 0); code != codeNone {
		t.Errorf("AddPartitionsToTxn retried: code %d", code)
	}
	if code := c.addOffsets("app", pid, epoch, "g"); code != codeNone {
		t.Errorf("AddOffsetsToTxn retried: code %d", code)
	}
}

// TestTxnMarkerFailingItsCheck damages a COMMIT marker, in a segment
// before the last (which a clean start does not scan), in a byte that
// leaves it readable: its timestamp. The start's rebuild of the
// partition's transactions reads it as the COMMIT it still says, with a
// WARN naming the partition and offset. Skipped, it would leave the
// transaction open, and the next start's abortOrphans would abort it,
// hiding committed records from read_committed consumers.
func TestTxnMarkerFailingItsCheck(t *testing.T) {
	dir := t.TempDir()
	opts := logOptions{SegmentBytes: 1}
	l := openTestLog(t, dir, opts)
	marker := markerBatch(7, 0, markerCommit, 1000)
	appendBatches(t, l, txnBatch(7, 0, 0, 1))
	at := appendBatches(t, l, marker)
	appendBatches(t, l, idempotentBatch(8, 0, 0, 1))
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	seg := segmentPath(dir, at, logSuffix)
	b, err := os.ReadFile(seg)
	if err != nil || len(b) < batchHeaderSize {
		t.Fatalf("the marker's segment: %d bytes, %v", len(b), err)
	}
	b[batchMaxTimestampOffset+7] ^= 1
	if err := os.WriteFile(seg, b, 0o644); err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	l, err = openPartition(dir, opts, slog.New(slog.NewTextHandler(&logs, nil)), true) // after a clean stop
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.mu.RLock()
	_, open := l.txns.ongoing[7]
	aborted := len(l.txns.aborted)
	l.mu.RUnlock()
	if open || aborted != 0 {
		t.Errorf("the committed transaction is open %v, aborted %d times", open, aborted)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "fails its check") {
		t.Errorf("no WARN about the marker:\n%s", logs.String())
	}
}
