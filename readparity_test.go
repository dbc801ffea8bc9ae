package kafka

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"
)

// Tests of the read path (Fetch, ListOffsets, OffsetForLeaderEpoch,
// DeleteRecords, DescribeProducers) against Apache Kafka 4.0's code
// paths, in the manner of dataparity_test.go: each is named after the
// case, and checked against the Kafka class cited in the code.

// startOfflineT0 runs a broker with topic "t" of one partition holding
// one record, and a client that has fetched it, in a fetch session that
// it returns the id of. It then takes t-0 offline (takeOffline): the
// partition's high watermark stays where the session saw it.
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
	takeOffline(t, tb, dir, "t")
	return tb, c, open.session
}

// takeOffline takes partition 0 of topic, which holds records not yet
// flushed, offline as a failed fsync does (flush.go), by failing the
// periodic flush of those records; its high watermark does not move.
// Serve's error at the end, which says that a partition is offline, is
// then not the test's, so tb must not be one that startBrokerWith made.
func takeOffline(t *testing.T, tb *testBroker, dir, topic string) {
	t.Helper()
	pl := tb.logs.Topic(topic).Partitions[0]
	hw := pl.HighWatermark()
	failNextFsync(t, filepath.Join(dir, topic+"-0"))
	if err := tb.logs.SyncAll(); err == nil {
		t.Fatal("the flush whose fsync fails succeeded")
	}
	if pl.failed() == nil || pl.HighWatermark() != hw {
		t.Fatalf("%s-0 after the failed flush: offline %v, high watermark %d; want offline at %d", topic, pl.failed(), pl.HighWatermark(), hw)
	}
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

// offlineTable runs a broker with "table", a compacted topic of one
// partition holding an idempotent producer's record, and takes
// table-0 offline (takeOffline).
func offlineTable(t *testing.T) (*testBroker, *testClient) {
	t.Helper()
	dir := t.TempDir()
	b, addr, _ := serveBroker(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	tb := &testBroker{Broker: b, addr: addr}
	c := dial(t, addr)
	if code, _ := c.createTopicWithConfigs("table", 1, map[string]*string{"cleanup.policy": ptr("compact")}); code != codeNone {
		t.Fatalf("CreateTopics table: %d", code)
	}
	_, pid, epoch := c.initProducerID(nil, -1, -1)
	if code, _ := c.produce("table", 0, keyedBatch(batchSpec{producerID: pid, epoch: epoch, seq: 0}, put("k", "v", 1000))); code != codeNone {
		t.Fatalf("produce: code %d", code)
	}
	takeOffline(t, tb, dir, "table")
	return tb, c
}

// TestListOffsetsOfflineBeforeLeaderEpoch: ListOffsets of an offline
// partition is KAFKA_STORAGE_ERROR whatever leader epoch it names, as
// ReplicaManager.fetchOffset looks the partition up
// (getPartitionOrException, HostedPartition.Offline) before
// Partition.localLogWithEpochOrThrow checks the epoch. Fetch does the
// same (ReplicaManager.readFromLog).
func TestListOffsetsOfflineBeforeLeaderEpoch(t *testing.T) {
	_, c := offlineTable(t)
	for _, epoch := range []int32{1, -2, 0, -1} {
		if ps := c.listOffsetsAt(9, "table", epoch, latestTimestamp); len(ps) != 1 || ps[0].ErrorCode != codeKafkaStorageError {
			t.Errorf("ListOffsets naming leader epoch %d: %+v, want KAFKA_STORAGE_ERROR", epoch, ps)
		}
		if p := c.fetchPartitionAt("table", 0, epoch); p.ErrorCode != codeKafkaStorageError {
			t.Errorf("Fetch naming leader epoch %d: code %d, want KAFKA_STORAGE_ERROR", epoch, p.ErrorCode)
		}
	}
}

// TestDeleteRecordsOfflineBeforePolicy: DeleteRecords of an offline
// partition is KAFKA_STORAGE_ERROR even where its cleanup.policy would
// refuse it, as ReplicaManager.deleteRecordsOnLocalLog looks the
// partition up (getPartitionOrException) before
// Partition.deleteRecordsOnLeader checks the policy.
func TestDeleteRecordsOfflineBeforePolicy(t *testing.T) {
	_, c := offlineTable(t)
	if code, low := c.deleteRecords("table", 0, 1); code != codeKafkaStorageError || low != -1 {
		t.Errorf("DeleteRecords of the compacted, offline table: code %d low %d, want KAFKA_STORAGE_ERROR and -1", code, low)
	}
}

// TestDescribeProducersOffline: DescribeProducers of an offline partition
// is KAFKA_STORAGE_ERROR with no message and no producers
// (ReplicaManager.activeProducerState, getPartitionOrError), not the
// producer state the broker still holds in memory for files it can no
// longer vouch for.
func TestDescribeProducersOffline(t *testing.T) {
	tb, _ := offlineTable(t)
	req := &describeProducersRequest{Topics: []describeProducersTopic{{"table", []int32{0}}}}
	got := serve(t, tb.Broker, 61, 0, req).(*describeProducersResponse).Topics[0].Partitions[0]
	if got.ErrorCode != codeKafkaStorageError || got.ErrorMessage != nil || len(got.ActiveProducers) != 0 {
		t.Errorf("DescribeProducers: %+v, want KAFKA_STORAGE_ERROR, no message and no producers", got)
	}
}

// TestListOffsetsIsolationOnlyForConsumers: IsolationLevel moves
// ListOffsets' latest offset to the last stable offset only for a
// consumer, ReplicaId -1. ReplicaManager.fetchOffset passes no isolation
// level for any other replica id (a follower, or -2, the debugging
// consumer), and Partition.fetchOffsetForTimestamp then answers up to the
// log end offset, open transactions included; a lookup by time likewise
// finds records past the last stable offset.
func TestListOffsetsIsolationOnlyForConsumers(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 1)
	c.mustProduce("tx", 0, makeBatch(testRecord{100, "a"}))
	c.openTxn("app", "tx", 2) // offsets 1 and 2, open
	ask := func(replicaID int32, ts int64) int64 {
		req := &listOffsetsRequest{ReplicaID: replicaID, IsolationLevel: readCommitted,
			Topics: []listOffsetsTopic{{Name: "tx", Partitions: []listOffsetsPartition{{PartitionIndex: 0, CurrentLeaderEpoch: -1, Timestamp: ts}}}}}
		p := serve(t, tb.Broker, 2, 9, req).(*listOffsetsResponse).Topics[0].Partitions[0]
		if p.ErrorCode != codeNone {
			t.Fatalf("ReplicaId %d, timestamp %d: code %d", replicaID, ts, p.ErrorCode)
		}
		return p.Offset
	}
	now := time.Now().Add(-time.Minute).UnixMilli() // before the transaction's records, after the first
	for _, tc := range []struct {
		replicaID    int32
		latest, byTS int64
	}{
		{-1, 1, -1}, // the consumer: up to the last stable offset
		{-2, 3, 1},  // the debugging consumer: up to the log end
		{0, 3, 1},   // a follower
	} {
		if got := ask(tc.replicaID, latestTimestamp); got != tc.latest {
			t.Errorf("ReplicaId %d, read_committed, latest: offset %d, want %d", tc.replicaID, got, tc.latest)
		}
		if got := ask(tc.replicaID, now); got != tc.byTS {
			t.Errorf("ReplicaId %d, read_committed, by time: offset %d, want %d", tc.replicaID, got, tc.byTS)
		}
	}
}

// TestFetchSessionEpochMovedDuringWait: an incremental fetch whose session
// moved on while it waited, because a fetch of the next epoch was served
// meanwhile, is answered INVALID_FETCH_SESSION_EPOCH with the session's
// id and no partitions, as IncrementalFetchContext.updateAndGenerateResponseData
// answers "a possible duplicate request"; its answer must not tell the
// client, nor record in the session, what the later fetch already did.
func TestFetchSessionEpochMovedDuringWait(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	c.mustProduce("t", 0, makeBatch(testRecord{1, "a"}))
	id := c.sessionFetch(tb, 12, 0, 0, []sessionPart{{"t", 0, 1}}, nil).session
	if id == 0 {
		t.Fatal("no session opened")
	}
	first := make(chan sessionAnswer, 1)
	go func() { first <- c.sessionFetchWaiting(tb, 12, id, 1, nil, nil, 2*time.Second) }()
	// The first fetch has taken epoch 1 once the session expects 2.
	s := tb.fetchSessions.get(id)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		s.mu.Lock()
		epoch := s.epoch
		s.mu.Unlock()
		if epoch == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first fetch never took epoch 1: the session expects %d", epoch)
		}
	}
	other := dial(t, tb.addr)
	if a := other.sessionFetch(tb, 12, id, 2, nil, nil); a.code != codeNone || a.session != id {
		t.Fatalf("fetch of epoch 2: error %d, SessionId %d; want none, %d", a.code, a.session, id)
	}
	other.mustProduce("t", 0, makeBatch(testRecord{2, "b"})) // ends the first fetch's wait
	a := <-first
	if a.code != codeInvalidFetchSessionEpoch || a.session != id || len(a.order) != 0 {
		t.Errorf("fetch of epoch 1, answered after epoch 2: error %d, SessionId %d, partitions %v; want INVALID_FETCH_SESSION_EPOCH, %d, none", a.code, a.session, a.order, id)
	}
	if a := other.sessionFetch(tb, 12, id, 3, nil, nil); a.code != codeNone || a.parts["t/0"].hw != 2 {
		t.Errorf("fetch of epoch 3: %+v, want t/0 with its new high watermark 2", a)
	}
}
