package kafka

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Tests of places where this broker was found to differ from Apache
// Kafka 4.0, each checked against the Kafka class named in the code.

// TestShareFetchForgetsAfterAdding: a ShareFetch that both names a
// partition and forgets it leaves the partition out of the session, as
// Kafka's ShareSession.update adds first and forgets after; the fetch
// that opens a session ignores its forgotten list, as
// SharePartitionManager.newContext does.
func TestShareFetchForgetsAfterAdding(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.createTopic("t", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	c.produce("t", 0, makeBatch(testRecord{1, "a"}))
	if code, _, _ := c.shareHeartbeat("g", "m", 0, []string{"t"}); code != codeNone {
		t.Fatalf("join: %d", code)
	}
	id := tb.logs.Topic("t").ID
	tp := topicIDPartition{id, 0}
	both := func(epoch int32) *shareFetchResponse {
		return tb.shares.fetch(context.Background(), nil, &shareFetchRequest{
			GroupID: ptr("g"), MemberID: ptr("m"), ShareSessionEpoch: epoch, MaxBytes: 1 << 20, MaxRecords: 100,
			Topics:              []shareFetchTopic{{TopicID: id, Partitions: []shareFetchPartition{{PartitionIndex: 0}}}},
			ForgottenTopicsData: []shareForgottenTopic{{TopicID: id, Partitions: []int32{0}}},
		})
	}
	acquired := func(resp *shareFetchResponse) string {
		var got []acquiredRange
		for _, tr := range resp.Responses {
			for _, pr := range tr.Partitions {
				got = append(got, pr.AcquiredRecords...)
			}
		}
		return fmt.Sprint(got)
	}
	inSession := func() bool {
		tb.shares.mu.Lock()
		defer tb.shares.mu.Unlock()
		return tb.shares.sessions[shareSessionKey{"g", "m"}].partitions[tp]
	}

	if resp := both(shareInitialEpoch); resp.ErrorCode != codeNone || acquired(resp) != "[{0 0 1}]" || !inSession() {
		t.Fatalf("opening fetch that also forgets: code %d acquired %s, in session %v; want [{0 0 1}] and kept",
			resp.ErrorCode, acquired(resp), inSession())
	}
	c.produce("t", 0, makeBatch(testRecord{2, "b"}))
	if resp := both(1); resp.ErrorCode != codeNone || acquired(resp) != "[]" || inSession() {
		t.Errorf("fetch that names and forgets: code %d acquired %s, in session %v; want nothing and forgotten",
			resp.ErrorCode, acquired(resp), inSession())
	}
}

// TestOffsetExpiryKeepsPendingTxnOffsets: an offset past its retention is
// kept while a transaction holds a commit for it pending, as Kafka's
// OffsetMetadataManager.cleanupExpiredOffsets keeps it, and expires once
// the transaction has ended and the retention has passed again.
func TestOffsetExpiryKeepsPendingTxnOffsets(t *testing.T) {
	tb := startBrokerWith(t, Config{DataDir: t.TempDir(), OffsetsRetention: time.Millisecond})
	c := dial(t, tb.addr)
	c.createTopic("in", 2)
	for p := range int32(2) {
		if code := c.commitOffset("g", "in", p, 1); code != codeNone {
			t.Fatalf("commit %d: %d", p, code)
		}
	}
	_, pid, epoch := c.initTxn("etl", 60000)
	if code := c.addOffsets("etl", pid, epoch, "g"); code != codeNone {
		t.Fatal(code)
	}
	if code := c.txnCommitOffset("etl", "g", pid, epoch, "in", 0, 5); code != codeNone {
		t.Fatal(code)
	}
	time.Sleep(5 * time.Millisecond)
	tb.groups.expireOffsets()
	if off, _ := c.fetchOffset("g", "in", 0); off != 1 {
		t.Errorf("offset with a pending transactional commit: %d after expiry, want 1 kept", off)
	}
	if off, _ := c.fetchOffset("g", "in", 1); off != -1 {
		t.Errorf("offset with nothing pending: %d after expiry, want -1", off)
	}
	if code := c.endTxn(3, "etl", pid, epoch, true); code != codeNone {
		t.Fatal(code)
	}
	if off, _ := c.fetchOffset("g", "in", 0); off != 5 {
		t.Errorf("after the commit: offset %d, want 5", off)
	}
	time.Sleep(5 * time.Millisecond)
	tb.groups.expireOffsets()
	if off, _ := c.fetchOffset("g", "in", 0); off != -1 {
		t.Errorf("after the transaction and the retention: offset %d, want -1", off)
	}
}

// TestShareHeartbeatAcceptsPreviousEpoch: a share member that heartbeats
// with the epoch before its last bump (the answer that bumped it was lost)
// is answered with its current epoch, as Kafka's
// GroupMetadataManager.throwIfShareGroupMemberEpochIsInvalid allows; an
// older epoch, or one ahead of the coordinator's, is fenced.
func TestShareHeartbeatAcceptsPreviousEpoch(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.createTopic("t", 1)
	beat := func(member string, epoch int32, topics []string) (int16, int32) {
		code, got, _ := c.shareHeartbeat("g", member, epoch, topics)
		return code, got
	}
	beat("a", 0, []string{"t"}) // epoch 1
	beat("b", 0, []string{"t"}) // group epoch 2
	if code, epoch := beat("a", 1, nil); code != codeNone || epoch != 2 {
		t.Fatalf("a at 1: code %d epoch %d, want epoch 2", code, epoch)
	}
	// The answer above is lost: a sends 1 again.
	if code, epoch := beat("a", 1, nil); code != codeNone || epoch != 2 {
		t.Errorf("a at its previous epoch 1: code %d epoch %d, want epoch 2", code, epoch)
	}
	beat("c", 0, []string{"t"}) // group epoch 3
	if code, epoch := beat("a", 2, nil); code != codeNone || epoch != 3 {
		t.Fatalf("a at 2: code %d epoch %d, want epoch 3", code, epoch)
	}
	for _, epoch := range []int32{1, 4} {
		if code, _ := beat("a", epoch, nil); code != codeFencedMemberEpoch {
			t.Errorf("a at %d (current 3, previous 2): code %d, want FENCED_MEMBER_EPOCH", epoch, code)
		}
	}
}
