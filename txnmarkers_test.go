package kafka

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestWriteTxnMarkersAbortsHangingTransaction is kafka-transactions.sh
// abort: an ABORT marker written on request ends a transaction the
// coordinator has not ended, read_committed readers move past it and skip
// its records, and the partition refuses a marker of an older producer
// epoch or coordinator epoch, as Kafka's ProducerAppendInfo does.
func TestWriteTxnMarkersAbortsHangingTransaction(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 1)
	pid, epoch := c.openTxn("app", "tx", 3)
	if f := c.fetchIsolated("tx", 0, 0, readCommitted); f.lso != 0 {
		t.Fatalf("LSO with the transaction open: %d, want 0", f.lso)
	}
	c.mustProduce("tx", 0, idempotentBatch(42, 3, 0, 1)) // offset 3

	marker := func(pid int64, epoch int16, coordEpoch int32, topics ...writableTxnMarkerTopic) []writableTxnMarkerResult {
		t.Helper()
		req := &writeTxnMarkersRequest{Markers: []writableTxnMarker{{ProducerID: pid, ProducerEpoch: epoch, Topics: topics, CoordinatorEpoch: coordEpoch}}}
		return serve(t, tb.Broker, 27, 1, req).(*writeTxnMarkersResponse).Markers
	}
	got := marker(pid, epoch, 0, writableTxnMarkerTopic{"tx", []int32{0, 5}}, writableTxnMarkerTopic{"nope", []int32{0}})
	want := []writableTxnMarkerResult{{ProducerID: pid, Topics: []writableTxnMarkerTopicResult{
		{"tx", []writableTxnMarkerPartitionResult{{0, codeNone}, {5, codeUnknownTopicOrPartition}}},
		{"nope", []writableTxnMarkerPartitionResult{{0, codeUnknownTopicOrPartition}}},
	}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("abort (-want +got):\n%s", diff)
	}
	// Offsets: 0-2 the transaction, 3 producer 42, 4 the ABORT marker.
	f := c.fetchIsolated("tx", 0, 0, readCommitted)
	if want := []abortedTransaction{{pid, 0}}; f.hw != 5 || f.lso != 5 || !cmp.Equal(f.aborted, want) {
		t.Errorf("after the marker: hw %d lso %d aborted %v; want 5, 5, %v", f.hw, f.lso, f.aborted, want)
	}
	hs, bs := batchesOf(t, c.fetchIsolated("tx", 0, 4, readUncommitted).records)
	if typ, ok := markerType(bs[0], hs[0]); !ok || typ != markerAbort || hs[0].ProducerID != pid || hs[0].ProducerEpoch != epoch {
		t.Errorf("offset 4 is not producer %d's ABORT marker: %+v", pid, hs[0])
	}

	// Producer 42 is at epoch 3; its transaction's coordinator, after the
	// marker above, at coordinator epoch 0.
	for _, tc := range []struct {
		name       string
		pid        int64
		epoch      int16
		coordEpoch int32
		code       int16
	}{
		{"older producer epoch", 42, 2, 0, codeInvalidProducerEpoch},
		{"older coordinator epoch", pid, epoch, -1, codeTransactionCoordinatorFenced},
		{"no transaction open", 42, 3, 0, codeNone},
	} {
		got := marker(tc.pid, tc.epoch, tc.coordEpoch, writableTxnMarkerTopic{"tx", []int32{0}})
		if code := got[0].Topics[0].Partitions[0].ErrorCode; code != tc.code {
			t.Errorf("%s: code %d, want %d", tc.name, code, tc.code)
		}
	}
}
