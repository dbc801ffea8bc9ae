// Tests that the idempotence and transaction APIs answer as Kafka 4.0's
// TransactionCoordinator, ProducerAppendInfo and KafkaApis do, each case a
// divergence found by reading them side by side.
package kafka

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"
	"time"
)

// TestInitProducerIDZombieFenced: an InitProducerId that names no producer
// (a new instance starting) leaves no "previous epoch" behind, so the
// instance it fenced cannot come back by naming its old epoch (KIP-360):
// TransactionMetadata.prepareIncrementProducerEpoch sets lastProducerEpoch
// to -1 when no epoch was expected.
func TestInitProducerIDZombieFenced(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	_, pid, epoch := c.initTxn("app", 60000)
	if code, pid2, epoch2 := c.initTxn("app", 60000); code != codeNone || pid2 != pid || epoch2 != epoch+1 {
		t.Fatalf("second instance: %d %d %d", code, pid2, epoch2)
	}
	if code, _, got := c.initTxnAs("app", 60000, pid, epoch); code != codeProducerFenced {
		t.Errorf("the fenced instance naming its old epoch: code %d epoch %d, want PRODUCER_FENCED", code, got)
	}
	// A producer naming its current epoch gets a bump, and a retry of that
	// request, naming the same epoch, the epoch it was given.
	code, _, bumped := c.initTxnAs("app", 60000, pid, epoch+1)
	if code != codeNone || bumped != epoch+2 {
		t.Fatalf("bump of the current epoch: %d %d", code, bumped)
	}
	if code, _, again := c.initTxnAs("app", 60000, pid, epoch+1); code != codeNone || again != bumped {
		t.Errorf("retried bump: %d %d, want 0 %d", code, again, bumped)
	}
}

// TestInitProducerIDOngoingConcurrent: re-initialising a transactional id
// whose transaction is open aborts it with a bumped epoch and answers
// CONCURRENT_TRANSACTIONS; the retry bumps the epoch again
// (TransactionCoordinator.prepareInitProducerIdTransit, case Ongoing).
// With transaction.version 2 finalized the abort bumps once more
// (endTransaction at the server's level), so the retry gets epoch+3.
func TestInitProducerIDOngoingConcurrent(t *testing.T) {
	for level, bumps := range map[int16]int16{1: 2, 2: 3} {
		initOverOngoing(t, level, bumps)
	}
}

// initOverOngoing is TestInitProducerIDOngoingConcurrent at a finalized
// transaction.version level, where the retry's epoch is bumps above the
// first.
func initOverOngoing(t *testing.T, level, bumps int16) {
	tb, c := startWithTopic(t, "tx", 1)
	if err := tb.features.setTransactionVersion(level); err != nil {
		t.Fatal(err)
	}
	pid, epoch := c.openTxn("app", "tx", 1)
	if code, _, _ := c.initTxn("app", 60000); code != codeConcurrentTransactions {
		t.Errorf("InitProducerId over an open transaction: %d, want CONCURRENT_TRANSACTIONS", code)
	}
	f := c.fetchIsolated("tx", 0, 0, readCommitted)
	if f.lso != 2 || len(f.aborted) != 1 {
		t.Errorf("after the fence: lso %d aborted %v, want 2 and one aborted", f.lso, f.aborted)
	}
	if code, pid2, epoch2 := c.initTxn("app", 60000); code != codeNone || pid2 != pid || epoch2 != epoch+bumps {
		t.Errorf("transaction.version %d: retry: %d %d %d, want 0 %d %d", level, code, pid2, epoch2, pid, epoch+bumps)
	}
}

// TestTxnEmptyTransactionalID: an empty transactional id is
// INVALID_REQUEST at the coordinator (TransactionCoordinator.
// handleInitProducerId, handleAddPartitionsToTransaction, endTransaction),
// never an id of its own.
func TestTxnEmptyTransactionalID(t *testing.T) {
	_, c := startWithTopic(t, "tx", 1)
	if code, pid, _ := c.initTxn("", 60000); code != codeInvalidRequest || pid != -1 {
		t.Errorf("InitProducerId of \"\": %d producer %d, want INVALID_REQUEST", code, pid)
	}
	if code := c.addPartition("", 1, 0, "tx", 0); code != codeInvalidRequest {
		t.Errorf("AddPartitionsToTxn of \"\": %d, want INVALID_REQUEST", code)
	}
	if code := c.addOffsets("", 1, 0, "g"); code != codeInvalidRequest {
		t.Errorf("AddOffsetsToTxn of \"\": %d, want INVALID_REQUEST", code)
	}
	if code := c.endTxn(3, "", 1, 0, true); code != codeInvalidRequest {
		t.Errorf("EndTxn of \"\": %d, want INVALID_REQUEST", code)
	}
}

// TestAddPartitionsToTxnTopicsFirst: KafkaApis checks the partitions
// before it asks the coordinator, so an unknown partition is
// UNKNOWN_TOPIC_OR_PARTITION even from an unknown producer, and a
// client may not add __consumer_offsets, an internal topic it is never
// authorized to write (TOPIC_AUTHORIZATION_FAILED).
func TestAddPartitionsToTxnTopicsFirst(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	if code := c.addPartition("nobody", 1, 0, "missing", 0); code != codeUnknownTopicOrPartition {
		t.Errorf("unknown partition of an unknown id: %d, want UNKNOWN_TOPIC_OR_PARTITION", code)
	}
	_, pid, epoch := c.initTxn("app", 60000)
	c.createTopic("tx", 1)
	c.commitOffset("g", "tx", 0, 0) // makes __consumer_offsets
	if code := c.addPartition("app", pid, epoch, offsetsTopic, 0); code != codeTopicAuthorizationFailed {
		t.Errorf("__consumer_offsets: %d, want TOPIC_AUTHORIZATION_FAILED", code)
	}
}

// TestTxnPartitionNotAddedAbortable: a transactional batch to a partition
// not in the producer's transaction fails verification with the
// coordinator's TRANSACTION_ABORTABLE, which Produce v11 passes on and
// older versions get as INVALID_TXN_STATE (AddPartitionsToTxnManager,
// KafkaApis.handleProduceRequest); a VerifyOnly AddPartitionsToTxn answers
// it too (TransactionCoordinator.handleVerifyPartitionsInTransaction).
func TestTxnPartitionNotAddedAbortable(t *testing.T) {
	_, c := startWithTopic(t, "tx", 2)
	_, pid, epoch := c.initTxn("app", 60000)
	c.addPartition("app", pid, epoch, "tx", 0)
	if p := c.produceTxnAt(11, "app", "tx", 1, txnBatch(pid, epoch, 0, 1)); p != codeTransactionAbortable {
		t.Errorf("Produce v11 to a partition not added: %d, want TRANSACTION_ABORTABLE", p)
	}
	if p := c.produceTxnAt(10, "app", "tx", 1, txnBatch(pid, epoch, 0, 1)); p != codeInvalidTxnState {
		t.Errorf("Produce v10 to a partition not added: %d, want INVALID_TXN_STATE", p)
	}
	codes := c.addPartitionsV4("tx", txnV4{"app", pid, epoch, true})["app"]
	if len(codes) != 2 || codes[0] != codeNone || codes[1] != codeTransactionAbortable {
		t.Errorf("VerifyOnly of an added and a missing partition: %v, want [0 %d]", codes, codeTransactionAbortable)
	}
}

// produceTxnAt sends a transactional producer's records to one partition
// with Produce v9 to v11, acks=-1, and returns the partition's error code.
func (c *testClient) produceTxnAt(v int16, id, topic string, partition int32, records []byte) int16 {
	c.t.Helper()
	r := c.roundTrip(0, v, true, produceBodyAs(&id, -1, topic, partition, records))
	p := readProducePartition(r, v)
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return p.ErrorCode
}

// TestTxnOffsetCommitGroupNotAdded: a TxnOffsetCommit for a group the
// transaction has not added fails the leader's verification: v4 gets
// TRANSACTION_ABORTABLE, older versions INVALID_TXN_STATE
// (GroupCoordinator/CoordinatorPartitionWriter: genericError from v4).
func TestTxnOffsetCommitGroupNotAdded(t *testing.T) {
	_, c := startWithTopic(t, "in", 1)
	_, pid, epoch := c.initTxn("etl", 60000)
	for _, tc := range []struct {
		v    int16
		want int16
	}{{3, codeInvalidTxnState}, {4, codeTransactionAbortable}} {
		r := c.roundTrip(28, tc.v, true, txnOffsetCommitBody("etl", "g", pid, epoch, -1, "", "in", 0, 5, nil))
		if code := readFirstPartitionCode(r); r.err != nil || code != tc.want {
			t.Errorf("TxnOffsetCommit v%d of a group not added: %d (%v), want %d", tc.v, code, r.err, tc.want)
		}
	}
}

// TestEndTxnPrepareOtherWay: while a commit's markers are still being
// written, a retried commit is CONCURRENT_TRANSACTIONS but an abort is
// INVALID_TXN_STATE (TransactionCoordinator.endTransaction, PrepareCommit).
func TestEndTxnPrepareOtherWay(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 1)
	pid, epoch := c.openTxn("app", "tx", 1)
	pl := tb.logs.Topic("tx").Partitions[0]
	pl.fail(errors.New("injected"))
	defer pl.offline.Store(nil)
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeConcurrentTransactions {
		t.Fatalf("commit with the marker not written: %d", code)
	}
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeConcurrentTransactions {
		t.Errorf("commit retried: %d, want CONCURRENT_TRANSACTIONS", code)
	}
	if code := c.endTxn(3, "app", pid, epoch, false); code != codeInvalidTxnState {
		t.Errorf("abort during PrepareCommit: %d, want INVALID_TXN_STATE", code)
	}
}

// TestInitProducerIDRotationRetried: at an exhausted epoch a bump gives
// the transactional id a new producer id, and a retry of that request,
// naming the old id and epoch, gets the new id again rather than
// PRODUCER_FENCED (TransactionCoordinator.isValidProducerId, case 3, and
// TransactionMetadata.prepareProducerIdRotation recording the last epoch).
func TestInitProducerIDRotationRetried(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	_, pid, _ := c.initTxn("app", 60000)
	tb.txns.mu.Lock()
	tb.txns.byID["app"].ProducerEpoch = lastProducerEpoch
	tb.txns.mu.Unlock()
	code, pid2, epoch2 := c.initTxnAs("app", 60000, pid, lastProducerEpoch)
	if code != codeNone || pid2 == pid || epoch2 != 0 {
		t.Fatalf("bump at the exhausted epoch: %d %d %d, want a new id at epoch 0", code, pid2, epoch2)
	}
	if code, pid3, epoch3 := c.initTxnAs("app", 60000, pid, lastProducerEpoch); code != codeNone || pid3 != pid2 || epoch3 != 0 {
		t.Errorf("retried: %d %d %d, want 0 %d 0", code, pid3, epoch3, pid2)
	}
}

// TestInitProducerIDHalfAProducer: a ProducerId without a ProducerEpoch,
// or the other way round, is INVALID_REQUEST before anything else is
// checked (KafkaApis.handleInitProducerIdRequest), the timeout included.
func TestInitProducerIDHalfAProducer(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	if code, _, _ := c.initTxnAs("app", 0, -1, 3); code != codeInvalidRequest {
		t.Errorf("epoch without an id, bad timeout: %d, want INVALID_REQUEST", code)
	}
}

// TestTxnOffsetCommitSimpleGroupMember: a TxnOffsetCommit at generation
// -1 to a group with no members is accepted whatever member id it names,
// as a commit of a simple group (OffsetMetadataManager.
// validateTransactionalOffsetCommit, ClassicGroup.validateOffsetCommit);
// at a generation of its own it is ILLEGAL_GENERATION.
func TestTxnOffsetCommitSimpleGroupMember(t *testing.T) {
	_, c := startWithTopic(t, "in", 1)
	_, pid, epoch := c.initTxn("etl", 60000)
	if code := c.addOffsets("etl", pid, epoch, "g"); code != codeNone {
		t.Fatal(code)
	}
	commit := func(generation int32, member string) int16 {
		r := c.roundTrip(28, 3, true, txnOffsetCommitBody("etl", "g", pid, epoch, generation, member, "in", 0, 5, nil))
		code := readFirstPartitionCode(r)
		if r.err != nil {
			t.Fatal(r.err)
		}
		return code
	}
	if code := commit(-1, "m"); code != codeNone {
		t.Errorf("generation -1, member m, no group: %d, want NONE", code)
	}
	if code := commit(3, "m"); code != codeIllegalGeneration {
		t.Errorf("generation 3, no group: %d, want ILLEGAL_GENERATION", code)
	}
}

// TestAddOffsetsToTxnEmptyGroup: AddOffsetsToTxn does not check the group
// id; Kafka adds the __consumer_offsets partition "" hashes to
// (KafkaApis.handleAddOffsetsToTxnRequest).
func TestAddOffsetsToTxnEmptyGroup(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	_, pid, epoch := c.initTxn("etl", 60000)
	if code := c.addOffsets("etl", pid, epoch, ""); code != codeNone {
		t.Errorf("AddOffsetsToTxn of group \"\": %d, want NONE", code)
	}
}

// describeTxnStart is DescribeTransactions v0 of one id: its error code
// and TransactionStartTimeMs.
func (c *testClient) describeTxnStart(id string) (int16, int64) {
	c.t.Helper()
	r := c.roundTrip(65, 0, true, func(w *writer) {
		w.Strings([]string{id})
		w.Tags()
	})
	r.Int32()
	var code int16
	var start int64
	readArray(r, func(r *reader) int {
		code = r.Int16()
		_, _, _ = r.String(), r.String(), r.Int32()
		start = r.Int64()
		r.Int64()
		r.Int16()
		readArray(r, func(r *reader) int { _, _ = r.String(), r.Int32s(); r.SkipTags(); return 0 })
		r.SkipTags()
		return 0
	})
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code, start
}

// TestDescribeTransactionsAfterInit: InitProducerId starts the id afresh,
// with no transaction start (TransactionMetadata.prepareIncrementProducerEpoch
// sets txnStartTimestamp to -1), and an empty id is INVALID_REQUEST
// (TransactionCoordinator.handleDescribeTransactions).
func TestDescribeTransactionsAfterInit(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	_, pid, epoch := c.initTxn("app", 60000)
	c.addPartition("app", pid, epoch, "t", 0)
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeNone {
		t.Fatal(code)
	}
	if _, start := c.describeTxnStart("app"); start <= 0 {
		t.Errorf("after a commit: start %d, want the transaction's", start)
	}
	if code, _, _ := c.initTxn("app", 60000); code != codeNone {
		t.Fatal(code)
	}
	if _, start := c.describeTxnStart("app"); start != -1 {
		t.Errorf("after InitProducerId: start %d, want -1", start)
	}
	if code, _ := c.describeTxnStart(""); code != codeInvalidRequest {
		t.Errorf("DescribeTransactions of \"\": %d, want INVALID_REQUEST", code)
	}
}

// TestTxnOffsetCommitEmptyGroup: TxnOffsetCommit of group "" is
// INVALID_GROUP_ID before the transaction is looked at
// (GroupCoordinatorService.commitTransactionalOffsets), even when
// AddOffsetsToTxn took "".
func TestTxnOffsetCommitEmptyGroup(t *testing.T) {
	_, c := startWithTopic(t, "in", 1)
	_, pid, epoch := c.initTxn("etl", 60000)
	c.addOffsets("etl", pid, epoch, "")
	if code := c.txnCommitOffset("etl", "", pid, epoch, "in", 0, 5); code != codeInvalidGroupID {
		t.Errorf("TxnOffsetCommit of group \"\": %d, want INVALID_GROUP_ID", code)
	}
	if code := c.txnCommitOffset("etl", "", pid, epoch+1, "in", 0, 5); code != codeInvalidGroupID {
		t.Errorf("TxnOffsetCommit of group \"\", wrong epoch: %d, want INVALID_GROUP_ID", code)
	}
}

// TestTxnProduceOtherTransactionalID: a transactional batch whose
// producer id is not the one of the request's transactional id fails
// verification with INVALID_PRODUCER_ID_MAPPING, as the coordinator looks
// the producer up by the request's transactional id
// (TransactionCoordinator.handleVerifyPartitionsInTransaction).
func TestTxnProduceOtherTransactionalID(t *testing.T) {
	_, c := startWithTopic(t, "tx", 1)
	_, pid, epoch := c.initTxn("app", 60000)
	c.initTxn("other", 60000)
	c.addPartition("app", pid, epoch, "tx", 0)
	if code := c.produceTxnAt(11, "other", "tx", 0, txnBatch(pid, epoch, 0, 1)); code != codeInvalidProducerIDMapping {
		t.Errorf("app's batch under transactional id other: %d, want INVALID_PRODUCER_ID_MAPPING", code)
	}
	if code := c.produceTxnAt(11, "nobody", "tx", 0, txnBatch(pid, epoch, 0, 1)); code != codeInvalidProducerIDMapping {
		t.Errorf("app's batch under an unknown transactional id: %d, want INVALID_PRODUCER_ID_MAPPING", code)
	}
	if code := c.produceTxnAt(11, "app", "tx", 0, txnBatch(pid, epoch, 0, 1)); code != codeNone {
		t.Errorf("app's batch under app: %d", code)
	}
}

// TestTxnTimeoutAtExhaustedEpoch: a transaction timing out at the last
// epoch is aborted with markers of math.MaxInt16 and its producer keeps its
// id, fenced (TransactionMetadata.prepareFenceProducerEpoch); the next
// InitProducerId moves the id on to a new producer id.
func TestTxnTimeoutAtExhaustedEpoch(t *testing.T) {
	tb, c := startWithTopicUsing(t, Config{DataDir: t.TempDir(), TransactionAbortCheckInterval: 10 * time.Millisecond}, "tx", 1)
	_, pid, _ := c.initTxn("app", 60000)
	tb.txns.mu.Lock()
	m := tb.txns.byID["app"]
	m.ProducerEpoch, m.TimeoutMs = lastProducerEpoch, 50
	tb.txns.mu.Unlock()
	if code := c.addPartition("app", pid, lastProducerEpoch, "tx", 0); code != codeNone {
		t.Fatal(code)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.fetchIsolated("tx", 0, 0, readCommitted).hw != 1 {
		if time.Now().After(deadline) {
			t.Fatal("transaction not aborted after 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code := c.endTxn(3, "app", pid, lastProducerEpoch, true); code != codeProducerFenced {
		t.Errorf("EndTxn of the timed-out producer: %d, want PRODUCER_FENCED", code)
	}
	if code, pid2, epoch2 := c.initTxn("app", 60000); code != codeNone || pid2 == pid || epoch2 != 0 {
		t.Errorf("InitProducerId after: %d %d %d, want a new producer id at epoch 0", code, pid2, epoch2)
	}
}

// TestTxnOffsetCommitUnknownTopicFirst: a partition that does not exist
// is UNKNOWN_TOPIC_OR_PARTITION even when the producer is fenced, since
// KafkaApis answers it before the group coordinator sees the request.
func TestTxnOffsetCommitUnknownTopicFirst(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	_, pid, epoch := c.initTxn("etl", 60000)
	if code := c.txnCommitOffset("etl", "g", pid, epoch+1, "missing", 0, 5); code != codeUnknownTopicOrPartition {
		t.Errorf("unknown topic, wrong epoch: %d, want UNKNOWN_TOPIC_OR_PARTITION", code)
	}
}

// addPartitions is AddPartitionsToTxn v3 for several partitions of one
// topic; it returns each partition's error code.
func (c *testClient) addPartitions(id string, pid int64, epoch int16, topic string, partitions ...int32) []int16 {
	c.t.Helper()
	r := c.roundTrip(24, 3, true, func(w *writer) {
		w.String(id)
		w.Int64(pid)
		w.Int16(epoch)
		w.ArrayLen(1)
		w.String(topic)
		w.Int32s(partitions)
		w.Tags()
		w.Tags()
	})
	r.Int32()
	r.ArrayLen()
	_ = r.String()
	codes := make([]int16, r.ArrayLen())
	for i := range codes {
		r.Int32()
		codes[i] = r.Int16()
		r.SkipTags()
	}
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return codes
}

// TestAddPartitionsToTxnAlreadyAdded: naming only partitions already in
// the Ongoing transaction is answered NONE at once, with nothing written
// to the state (TransactionCoordinator.handleAddPartitionsToTransaction,
// "partitions.subsetOf"); a set with a new partition among old ones is
// written as before.
func TestAddPartitionsToTxnAlreadyAdded(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 3)
	_, pid, epoch := c.initTxn("app", 60000)
	if codes := c.addPartitions("app", pid, epoch, "tx", 0, 1); codes[0] != codeNone || codes[1] != codeNone {
		t.Fatal(codes)
	}
	stateSize := func() int64 {
		tb.txns.mu.Lock()
		defer tb.txns.mu.Unlock()
		return tb.txns.state.size
	}
	before := stateSize()
	if codes := c.addPartitions("app", pid, epoch, "tx", 1, 0); codes[0] != codeNone || codes[1] != codeNone {
		t.Errorf("partitions already added: %v, want NONE", codes)
	}
	if after := stateSize(); after != before {
		t.Errorf("partitions already added: the state file grew from %d to %d bytes, want no write", before, after)
	}
	if codes := c.addPartitions("app", pid, epoch, "tx", 0, 2); codes[0] != codeNone || codes[1] != codeNone {
		t.Errorf("one old and one new partition: %v, want NONE", codes)
	}
	if after := stateSize(); after == before {
		t.Error("one old and one new partition: nothing written")
	}
	tb.txns.mu.Lock()
	got := len(tb.txns.byID["app"].Partitions)
	tb.txns.mu.Unlock()
	if got != 3 {
		t.Errorf("partitions in the transaction: %d, want 3", got)
	}
}

// TestProducerAfterMarkerOnlyStartsAtZero: a producer whose only trace in
// a partition is a transaction marker (it added the partition and wrote
// nothing there) has no last sequence there, so its next batch of the same
// epoch must start at sequence 0 (ProducerAppendInfo.checkSequence:
// inSequence(NO_SEQUENCE, firstSeq)), before and after a restart.
func TestProducerAfterMarkerOnlyStartsAtZero(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "tx", 1)
	_, pid, epoch := c.initTxn("app", 60000)
	c.addPartition("app", pid, epoch, "tx", 0)
	if code := c.endTxn(3, "app", pid, epoch, false); code != codeNone {
		t.Fatalf("EndTxn: %d", code)
	}
	for run := range 2 {
		if run == 1 {
			tb.stop()
			tb = startBroker(t, dir)
			c = dial(t, tb.addr)
			c.txnIDs = map[int64]string{pid: "app"}
		}
		c.addPartition("app", pid, epoch, "tx", 0)
		if code, _ := c.produce("tx", 0, txnBatch(pid, epoch, 5, 1)); code != codeOutOfOrderSequenceNumber {
			t.Errorf("run %d: sequence 5 after only a marker: %d, want OUT_OF_ORDER_SEQUENCE_NUMBER", run, code)
		}
		if run == 0 {
			if code := c.endTxn(3, "app", pid, epoch, false); code != codeNone {
				t.Fatalf("EndTxn: %d", code)
			}
		}
	}
	if code, _ := c.produce("tx", 0, txnBatch(pid, epoch, 0, 1)); code != codeNone {
		t.Errorf("sequence 0 after only a marker: %d, want NONE", code)
	}
}

// idempotentBatchAt is idempotentBatch with records timestamped from ts.
func idempotentBatchAt(id int64, epoch int16, seq int32, n int, ts int64) []byte {
	b := makeBatch(recordsAt(ts, n)...)
	be := binary.BigEndian
	be.PutUint64(b[43:], uint64(id))
	be.PutUint16(b[51:], uint16(epoch))
	be.PutUint32(b[53:], uint32(seq))
	be.PutUint32(b[batchCRCOffset:], crc32.Checksum(b[batchAttrOffset:], castagnoli))
	return b
}

// producerKnown reports whether topic-0 holds state for producer pid.
func (tb *testBroker) producerKnown(topic string, pid int64) bool {
	pl := tb.topicPartition(tb.logs.Topic(topic), 0)
	pl.appendMu.Lock()
	defer pl.appendMu.Unlock()
	return pl.producers[pid] != nil
}

// TestProducerStateExpires: a producer whose last batch is
// producer.id.expiration.ms old, and who has no open transaction, is
// forgotten (ProducerStateManager.removeExpiredProducers), so its next
// batch is a new producer's, accepted at any sequence
// (ProducerAppendInfo.checkSequence); one with an open transaction is
// kept. The expiry holds across a restart, as Kafka's snapshot load drops
// expired producers (ProducerStateManager.loadFromSnapshot).
func TestProducerStateExpires(t *testing.T) {
	var cfg Config
	if err := cfg.Set("producer.id.expiration.ms", "3600000"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cfg.DataDir = dir
	tb, c := startWithTopicUsing(t, cfg, "idem", 1)
	c.createTopic("tx", 1)
	_, idle, _ := c.initProducerID(nil, -1, -1)
	c.mustProduce("idem", 0, idempotentBatch(idle, 0, 0, 3))
	_, txn, epoch := c.initTxn("app", 60000)
	c.addPartition("app", txn, epoch, "tx", 0)
	c.mustProduce("tx", 0, txnBatch(txn, epoch, 0, 3))
	tb.logs.ExpireProducers(time.Now().Add(2 * time.Hour))
	if tb.producerKnown("idem", idle) {
		t.Error("an idle producer is kept past producer.id.expiration.ms")
	}
	if !tb.producerKnown("tx", txn) {
		t.Error("a producer with an open transaction expired")
	}
	if code, _ := c.produce("idem", 0, idempotentBatch(idle, 0, 9, 1)); code != codeNone {
		t.Errorf("the expired producer's next batch: %d, want NONE (a new producer)", code)
	}
	if code, _ := c.produce("tx", 0, txnBatch(txn, epoch, 9, 1)); code != codeOutOfOrderSequenceNumber {
		t.Errorf("a gap in an open transaction: %d, want OUT_OF_ORDER_SEQUENCE_NUMBER", code)
	}

	// A producer whose batches are older than the expiration is not
	// brought back by the restart's replay of the log.
	_, old, _ := c.initProducerID(nil, -1, -1)
	c.mustProduce("idem", 0, idempotentBatchAt(old, 0, 0, 3, time.Now().Add(-2*time.Hour).UnixMilli()))
	tb.stop()
	tb = startBrokerWith(t, cfg)
	c = dial(t, tb.addr)
	if tb.producerKnown("idem", old) {
		t.Error("after a restart: a producer idle past producer.id.expiration.ms is back")
	}
	if !tb.producerKnown("idem", idle) {
		t.Error("after a restart: a producer that wrote since its expiry is gone")
	}
	if code, _ := c.produce("idem", 0, idempotentBatch(old, 0, 7, 1)); code != codeNone {
		t.Errorf("after a restart, the expired producer's next batch: %d, want NONE", code)
	}
	if code, _ := c.produce("idem", 0, idempotentBatch(idle, 0, 12, 1)); code != codeOutOfOrderSequenceNumber {
		t.Errorf("after a restart, a gap of a live producer: %d, want OUT_OF_ORDER_SEQUENCE_NUMBER", code)
	}
}

// TestProducerStateExpiryRuns: Serve looks for expired producers every
// producer.id.expiration.check.interval.ms.
func TestProducerStateExpiryRuns(t *testing.T) {
	tb, c := startWithTopicUsing(t, Config{DataDir: t.TempDir(), ProducerIDExpiration: time.Millisecond, ProducerIDExpirationCheckInterval: 10 * time.Millisecond}, "idem", 1)
	_, pid, _ := c.initProducerID(nil, -1, -1)
	c.mustProduce("idem", 0, idempotentBatch(pid, 0, 0, 1))
	deadline := time.Now().Add(5 * time.Second)
	for tb.producerKnown("idem", pid) {
		if time.Now().After(deadline) {
			t.Fatal("producer not expired after 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestProducerStateExpiryReplay: a restart replays a producer's batches
// from before and after its expiry as the broker saw them: the batch that
// followed the expiry started the producer anew, so a batch of before it
// is not taken for a duplicate after the restart either.
func TestProducerStateExpiryReplay(t *testing.T) {
	cfg := Config{DataDir: t.TempDir(), ProducerIDExpiration: time.Hour}
	tb, c := startWithTopicUsing(t, cfg, "idem", 1)
	_, pid, _ := c.initProducerID(nil, -1, -1)
	old := idempotentBatchAt(pid, 0, 0, 3, time.Now().Add(-2*time.Hour).UnixMilli())
	c.mustProduce("idem", 0, old)
	tb.logs.ExpireProducers(time.Now())
	if code, _ := c.produce("idem", 0, idempotentBatch(pid, 0, 0, 5)); code != codeNone {
		t.Fatalf("first batch after the expiry: %d", code)
	}
	for run := range 2 {
		if run == 1 {
			tb.stop()
			tb = startBrokerWith(t, cfg)
			c = dial(t, tb.addr)
		}
		if code, _ := c.produce("idem", 0, old); code != codeOutOfOrderSequenceNumber {
			t.Errorf("run %d: the batch of before the expiry again: %d, want OUT_OF_ORDER_SEQUENCE_NUMBER", run, code)
		}
	}
}

// TestProducerMarkerOnlyAfterDeletedBatches: a restart that finds a
// producer only by a marker, its batches before it deleted (DeleteRecords,
// retention), does not know the producer's last sequence, which Kafka's
// snapshot still would; the producer's next batch is accepted as it comes,
// as ProducerAppendInfo.checkSequence accepts one whose records were all
// deleted, and not refused for not starting at 0.
func TestProducerMarkerOnlyAfterDeletedBatches(t *testing.T) {
	// One batch fills a segment, so the marker starts the next one and
	// DeleteRecords can delete the first whole.
	cfg := Config{DataDir: t.TempDir(), SegmentBytes: int64(len(txnBatch(0, 0, 0, 3)))}
	tb, c := startWithTopicUsing(t, cfg, "tx", 1)
	pid, epoch := c.openTxn("app", "tx", 3)
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeNone {
		t.Fatal(code)
	}
	if code, _ := c.deleteRecords("tx", 0, 3); code != codeNone {
		t.Fatalf("DeleteRecords: %d", code)
	}
	tb.stop()
	tb = startBrokerWith(t, cfg)
	c = dial(t, tb.addr)
	c.txnIDs = map[int64]string{pid: "app"}
	c.addPartition("app", pid, epoch, "tx", 0)
	if code, _ := c.produce("tx", 0, txnBatch(pid, epoch, 3, 1)); code != codeNone {
		t.Errorf("the producer's next batch after its batches were deleted and a restart: %d, want NONE", code)
	}
}
