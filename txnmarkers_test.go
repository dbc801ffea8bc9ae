package kafka

import (
	"fmt"
	"testing"
)

// writeTxnMarker is one marker of a WriteTxnMarkers v1 request, for one
// topic.
type writeTxnMarker struct {
	pid              int64
	epoch            int16
	commit           bool
	topic            string
	partitions       []int32
	coordinatorEpoch int32
}

// writeTxnMarkers sends WriteTxnMarkers v1 and returns each partition's
// answer as "pid topic-partition code", in the response's order.
func (c *testClient) writeTxnMarkers(markers ...writeTxnMarker) []string {
	c.t.Helper()
	r := c.roundTrip(27, 1, true, func(w *writer) {
		w.ArrayLen(len(markers))
		for _, m := range markers {
			w.Int64(m.pid)
			w.Int16(m.epoch)
			w.Bool(m.commit)
			w.ArrayLen(1)
			w.String(m.topic)
			writeArrayNonNull(w, m.partitions, (*writer).Int32)
			w.Tags()
			w.Int32(m.coordinatorEpoch)
			w.Tags()
		}
		w.Tags()
	})
	var got []string
	readArray(r, func(r *reader) int {
		pid := r.Int64()
		readArray(r, func(r *reader) int {
			name := r.String()
			readArray(r, func(r *reader) int {
				p, code := r.Int32(), r.Int16()
				got = append(got, fmt.Sprintf("%d %s-%d %d", pid, name, p, code))
				r.SkipTags()
				return 0
			})
			r.SkipTags()
			return 0
		})
		r.SkipTags()
		return 0
	})
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return got
}

// TestWriteTxnMarkersAbortsHangingTransaction is kafka-transactions.sh
// abort: an ABORT marker written by WriteTxnMarkers ends a transaction
// that its producer left open, so the partition's LSO moves past it and a
// read_committed reader skips its records. Before WriteTxnMarkers was
// served, the Java Admin.abortTransaction failed with "The node does not
// support WRITE_TXN_MARKERS".
func TestWriteTxnMarkersAbortsHangingTransaction(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	pid, epoch := c.openTxn("hanging", "t", 3)
	if _, lso := c.listOffsetIsolated("t", 0, readCommitted); lso != 0 {
		t.Fatalf("LSO with the transaction open: %d, want 0", lso)
	}
	got := c.writeTxnMarkers(
		writeTxnMarker{pid, epoch, false, "t", []int32{0, 5}, -1},
		writeTxnMarker{pid + 1, 0, true, "nosuch", []int32{0}, -1},
	)
	want := []string{
		fmt.Sprintf("%d t-0 %d", pid, codeNone),
		fmt.Sprintf("%d t-5 %d", pid, codeUnknownTopicOrPartition),
		fmt.Sprintf("%d nosuch-0 %d", pid+1, codeUnknownTopicOrPartition),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("answers %q, want %q", got, want)
	}
	// Three records and the marker: the LSO is the log end.
	if _, lso := c.listOffsetIsolated("t", 0, readCommitted); lso != 4 {
		t.Errorf("LSO after the ABORT marker: %d, want 4", lso)
	}
	f := c.fetchIsolated("t", 0, 0, readCommitted)
	if len(f.aborted) != 1 || f.aborted[0].ProducerID != pid || f.aborted[0].FirstOffset != 0 {
		t.Errorf("aborted transactions %+v, want producer %d from offset 0", f.aborted, pid)
	}
}

// TestWriteTxnMarkersChecksEpochs: a marker of an epoch older than the
// partition's is INVALID_PRODUCER_EPOCH, and one from a coordinator epoch
// older than the last marker's is TRANSACTION_COORDINATOR_FENCED, as
// ProducerAppendInfo.appendEndTxnMarker refuses them; neither is written.
func TestWriteTxnMarkersChecksEpochs(t *testing.T) {
	b, c := startWithTopic(t, "t", 1)
	pid, epoch := c.openTxn("tx", "t", 2)
	if code := c.endTxn(3, "tx", pid, epoch, true); code != codeNone {
		t.Fatalf("EndTxn: %d", code)
	}
	// The coordinator's marker leaves the partition at coordinator epoch
	// 0 (txn.go's coordinatorEpoch).
	end := b.topicPartition(b.logs.Topic("t"), 0).HighWatermark()
	for _, tt := range []struct {
		epoch, coordinatorEpoch int16
		want                    int16
	}{
		{epoch - 1, 0, codeInvalidProducerEpoch},
		{epoch, -1, codeTransactionCoordinatorFenced},
	} {
		got := c.writeTxnMarkers(writeTxnMarker{pid, tt.epoch, false, "t", []int32{0}, int32(tt.coordinatorEpoch)})
		if want := fmt.Sprintf("%d t-0 %d", pid, tt.want); len(got) != 1 || got[0] != want {
			t.Errorf("epoch %d, coordinator epoch %d: %q, want %q", tt.epoch, tt.coordinatorEpoch, got, want)
		}
	}
	if hw := b.topicPartition(b.logs.Topic("t"), 0).HighWatermark(); hw != end {
		t.Errorf("refused markers were written: log end %d, want %d", hw, end)
	}
	// A marker for a transaction already ended is written and ends
	// nothing: the committed records stay readable.
	got := c.writeTxnMarkers(writeTxnMarker{pid, epoch, false, "t", []int32{0}, 0})
	if want := fmt.Sprintf("%d t-0 %d", pid, codeNone); len(got) != 1 || got[0] != want {
		t.Errorf("marker of an ended transaction: %q, want %q", got, want)
	}
	if f := c.fetchIsolated("t", 0, 0, readCommitted); len(f.aborted) != 0 {
		t.Errorf("the committed transaction is listed as aborted: %+v", f.aborted)
	}
}

// TestWriteTxnMarkersNeedsClusterAction: without ALTER or CLUSTER_ACTION
// on the cluster every partition is CLUSTER_AUTHORIZATION_FAILED
// (KafkaApis.handleWriteTxnMarkersRequest); either ACL lets it through.
func TestWriteTxnMarkersNeedsClusterAction(t *testing.T) {
	for _, op := range []int8{aclAlter, aclClusterAction} {
		ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
		ab.makeTopics("orders")
		req := func() *writeTxnMarkersRequest {
			return &writeTxnMarkersRequest{Markers: []writableTxnMarker{{ProducerID: 9, Topics: []writableTxnMarkerTopic{{Name: "orders", PartitionIndexes: []int32{0, 1}}}}}}
		}
		resp := ab.as("User:alice", 27, 1, req()).(*writeTxnMarkersResponse)
		for _, p := range resp.Markers[0].Topics[0].Partitions {
			if p.ErrorCode != codeClusterAuthorizationFailed {
				t.Errorf("without ACLs: partition %d answered %d", p.PartitionIndex, p.ErrorCode)
			}
		}
		ab.grant(allow(resCluster, clusterName, op))
		resp = ab.as("User:alice", 27, 1, req()).(*writeTxnMarkersResponse)
		codes := []int16{resp.Markers[0].Topics[0].Partitions[0].ErrorCode, resp.Markers[0].Topics[0].Partitions[1].ErrorCode}
		if codes[0] != codeNone || codes[1] != codeUnknownTopicOrPartition {
			t.Errorf("with ACL %d: %v, want [0 3]", op, codes)
		}
	}
}
