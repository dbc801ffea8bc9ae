package kafka

import (
	"context"
	"fmt"
	"testing"
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
