package kafka

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"
)

// Tests of the read path (Fetch, ListOffsets, OffsetForLeaderEpoch,
// DeleteRecords, DescribeProducers) against Apache Kafka 4.0's code
// paths, in the manner of dataparity_test.go: each is named after the
// case, and checked against the Kafka class cited in the code.

// startOfflineT0 runs a broker with topic "t" of one partition holding
// one record, and a client that has fetched it, in a fetch session that
// it returns the id of. It then takes t-0 offline as a failed fsync does
// (flush.go), by failing the periodic flush of that record: the
// partition's high watermark stays where the session saw it. Serve's
// error at the end, which says that a partition is offline, is not the
// test's.
func startOfflineT0(t *testing.T) (*testBroker, *testClient, int32) {
	t.Helper()
	dir := t.TempDir()
	b, addr, _ := serveBroker(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	tb := &testBroker{Broker: b, addr: addr}
	c := dial(t, addr)
	c.createTopic("t", 1)
	if code, _ := c.produce("t", 0, makeBatch(testRecord{1, "a"})); code != codeNone {
		t.Fatalf("produce: code %d", code)
	}
	open := c.sessionFetch(tb, 12, 0, 0, []sessionPart{{"t", 0, 1}}, nil)
	if open.session == 0 || open.parts["t/0"].code != codeNone || open.parts["t/0"].hw != 1 {
		t.Fatalf("full fetch: %+v, want a session and t/0 caught up at 1", open)
	}
	failNextFsync(t, filepath.Join(dir, "t-0"))
	if err := tb.logs.SyncAll(); err == nil {
		t.Fatal("the flush whose fsync fails succeeded")
	}
	if pl := tb.logs.Topic("t").Partitions[0]; pl.failed() == nil || pl.HighWatermark() != 1 {
		t.Fatalf("t-0 after the failed flush: offline %v, high watermark %d; want offline at 1", pl.failed(), pl.HighWatermark())
	}
	return tb, c, open.session
}

// TestFetchSessionReportsOfflinePartition: a partition that goes offline
// while a consumer's fetch session holds it, caught up, is answered
// KAFKA_STORAGE_ERROR in the next incremental fetch, which sends the
// client to refresh its metadata. Kafka's ReplicaManager.readFromLog
// looks the partition up (getPartitionOrException) before anything else,
// and an error always makes an incremental response
// (CachedPartition.maybeUpdateResponseData); the session's memory of the
// high watermark, which the failure did not move, must not hide it.
func TestFetchSessionReportsOfflinePartition(t *testing.T) {
	tb, c, session := startOfflineT0(t)
	for epoch := int32(1); epoch <= 2; epoch++ {
		a := c.sessionFetch(tb, 12, session, epoch, nil, nil)
		if got, ok := a.parts["t/0"]; a.code != codeNone || !ok || got.code != codeKafkaStorageError || got.hw != -1 {
			t.Errorf("incremental fetch %d after t-0 went offline: %+v, want t/0 answered KAFKA_STORAGE_ERROR with high watermark -1", epoch, a)
		}
	}
}
