// Tests that the idempotence and transaction APIs answer as Kafka 4.0's
// TransactionCoordinator, ProducerAppendInfo and KafkaApis do, each case a
// divergence found by reading them side by side.
package kafka

import (
	"testing"
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
func TestInitProducerIDOngoingConcurrent(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.createTopic("tx", 1)
	_, pid, epoch := c.initTxn("app", 60000)
	c.addPartition("app", pid, epoch, "tx", 0)
	if code, _ := c.produce("tx", 0, txnBatch(pid, epoch, 0, 1)); code != codeNone {
		t.Fatal(code)
	}
	if code, _, _ := c.initTxn("app", 60000); code != codeConcurrentTransactions {
		t.Errorf("InitProducerId over an open transaction: %d, want CONCURRENT_TRANSACTIONS", code)
	}
	f := c.fetchIsolated("tx", 0, 0, readCommitted)
	if f.lso != 2 || len(f.aborted) != 1 {
		t.Errorf("after the fence: lso %d aborted %v, want 2 and one aborted", f.lso, f.aborted)
	}
	if code, pid2, epoch2 := c.initTxn("app", 60000); code != codeNone || pid2 != pid || epoch2 != epoch+2 {
		t.Errorf("retry: %d %d %d, want 0 %d %d", code, pid2, epoch2, pid, epoch+2)
	}
}

// TestTxnEmptyTransactionalID: an empty transactional id is
// INVALID_REQUEST at the coordinator (TransactionCoordinator.
// handleInitProducerId, handleAddPartitionsToTransaction, endTransaction),
// never an id of its own.
func TestTxnEmptyTransactionalID(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.createTopic("tx", 1)
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
