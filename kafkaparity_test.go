package kafka

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
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
	tb, c := startWithTopic(t, "t", 1)
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
	tb, c := startWithTopicUsing(t, Config{DataDir: t.TempDir(), OffsetsRetention: time.Millisecond}, "in", 2)
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
	_, c := startWithTopic(t, "t", 1)
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

// TestCleanerRatioMustExceedMin: a compacted partition is due when its
// dirty ratio is more than min.cleanable.dirty.ratio, not when it equals
// it, as in Kafka's LogCleanerManager.grabFilthiestCompactedLog. A log
// never cleaned has a ratio of 1.
func TestCleanerRatioMustExceedMin(t *testing.T) {
	d, err := openLogDir(t.TempDir(), logOptions{SegmentBytes: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	for _, tc := range []struct{ name, ratio string }{{"at", "1"}, {"under", "0.99"}} {
		topic, err := d.CreateTopicWithConfigs(tc.name, 1, topicConfig{cleanupPolicyConfig: "compact", minCleanableDirtyRatioConfig: tc.ratio})
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			appendBatches(t, topic.Partitions[0], keyedBatch(plain, put("k", fmt.Sprint(i), 1000)))
		}
	}
	due, dirtiest := d.toClean(time.UnixMilli(5000))
	var names []string
	for _, c := range due {
		names = append(names, c.topic)
	}
	if fmt.Sprint(names) != "[under]" || dirtiest != 1 {
		t.Errorf("due %v, dirtiest %v; want [under] (ratio 1 is not more than 1), 1", names, dirtiest)
	}
}

// TestCleanerReportsToMetrics: a cleaning done by the broker's own cleaner
// shows on /metrics. The records are written by one broker and cleaned by
// the next, in the round its cleaner runs at start, so that the cleaning
// sees them all at once.
func TestCleanerReportsToMetrics(t *testing.T) {
	dir := t.TempDir()
	tb := startBrokerWith(t, Config{DataDir: dir, CleanerBackoff: time.Hour})
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("table", 1, map[string]*string{"cleanup.policy": ptr("compact"), "segment.bytes": ptr("1000")}); code != codeNone {
		t.Fatalf("create: %d", code)
	}
	big := strings.Repeat("x", 600)
	for i := range 40 {
		if code, _ := c.produce("table", 0, keyedBatch(plain, put(fmt.Sprint("k-", i%10), big, int64(1000+i)))); code != codeNone {
			t.Fatalf("produce %d: %d", i, code)
		}
	}
	tb.stop()
	tb = startBrokerWith(t, Config{DataDir: dir, CleanerBackoff: time.Hour})
	gauge := func(name string) (float64, bool) {
		for line := range strings.Lines(get(t, tb.Handler(), "/metrics").Body.String()) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
				f, err := strconv.ParseFloat(v, 64)
				return f, err == nil
			}
		}
		return 0, false
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, ok := gauge("kafka_log_logcleaner_cleaner_recopy_percent"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no cleaner metrics on /metrics 10s after start")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// 39 closed segments of 40 records, of which the 10 latest per key
	// (the last ten, one in the active segment) survive: about a quarter
	// of the bytes are written again.
	if v, _ := gauge("kafka_log_logcleaner_cleaner_recopy_percent"); v <= 0 || v >= 50 {
		t.Errorf("cleaner_recopy_percent %v, want about 25", v)
	}
	if v, _ := gauge("kafka_log_logcleanermanager_max_dirty_percent"); v != 100 {
		t.Errorf("max_dirty_percent %v, want 100 for a log never cleaned", v)
	}
}

// TestProduceAcksZeroErrorClosesConnection: an acks=0 produce that fails
// for a partition closes the connection, as Kafka's
// KafkaApis.handleProduceRequest does, since the producer reads no answer
// to learn of the error; one that succeeds leaves it open.
func TestProduceAcksZeroErrorClosesConnection(t *testing.T) {
	tb, c := startWithTopic(t, "p", 1)
	quiet := func(topic string) {
		c.send(0, 9, true, func(w *writer) {
			w.NullableString(nil)
			w.Int16(0) // acks
			w.Int32(1000)
			w.ArrayLen(1)
			w.String(topic)
			w.ArrayLen(1)
			w.Int32(0)
			w.Bytes(makeBatch(testRecord{1, "quiet"}))
			w.Tags()
			w.Tags()
			w.Tags()
		})
	}
	quiet("p")
	if code, hw, _ := c.fetch("p", 0, 0, 0, 0); code != codeNone || hw != 1 {
		t.Fatalf("after a good acks=0 produce: code %d hw %d, want the connection open and the record stored", code, hw)
	}
	quiet("nope")
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.r.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("after an acks=0 produce to an unknown topic: read %d bytes, err %v; want the connection closed (EOF)", n, err)
	}
	if code, _, _ := dial(t, tb.addr).fetch("p", 0, 0, 0, 0); code != codeNone {
		t.Errorf("a new connection: fetch code %d", code)
	}
}

// TestProduceAcksZeroDeniedClosesConnection: a refusal by the authorizer
// is a partition's error like any other, so an acks=0 produce to a topic
// the principal may not write closes the connection too, as in Kafka,
// where the refused topics are merged into the answer before
// handleProduceRequest decides to close.
func TestProduceAcksZeroDeniedClosesConnection(t *testing.T) {
	sb := startSecureBroker(t, Config{
		Listeners: "SASL_PLAINTEXT://127.0.0.1:0",
		Security:  SecurityConfig{SASLUsers: saslUsers, Authorizer: true, SuperUsers: []string{"User:admin"}},
	})
	admin := dial(t, sb.addrs[protocolSASLPlaintext])
	if code, msg := admin.plainLogin("admin", "admin-secret"); code != codeNone {
		t.Fatalf("admin: %d %s", code, deref(msg))
	}
	admin.createTopic("guarded", 1)
	alice := dial(t, sb.addrs[protocolSASLPlaintext])
	if code, msg := alice.plainLogin("alice", "alice-secret"); code != codeNone {
		t.Fatalf("alice: %d %s", code, deref(msg))
	}
	alice.send(0, 9, true, func(w *writer) {
		w.NullableString(nil)
		w.Int16(0) // acks
		w.Int32(1000)
		w.ArrayLen(1)
		w.String("guarded")
		w.ArrayLen(1)
		w.Int32(0)
		w.Bytes(makeBatch(testRecord{1, "denied"}))
		w.Tags()
		w.Tags()
		w.Tags()
	})
	alice.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := alice.r.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("after an acks=0 produce the authorizer refused: read %d bytes, err %v; want the connection closed (EOF)", n, err)
	}
	if code, hw, _ := admin.fetch("guarded", 0, 0, 0, 0); code != codeNone || hw != 0 {
		t.Errorf("the refused produce: fetch code %d, high watermark %d; want nothing written", code, hw)
	}
}

// TestOffsetCommitRetentionTime: an OffsetCommit v2-4 that names a
// RetentionTimeMs stores its offsets with an expire timestamp, as value
// version 1 of OffsetCommitValue, and they expire at that time, whatever
// the broker's retention; a commit without one (-1, or v5 on) is written
// as version 3 and kept for OffsetsRetention. Kafka's
// OffsetMetadataManager.commitOffset computes the expire timestamp,
// MetadataVersion.offsetCommitValueVersion picks version 1 for it, and
// OffsetExpirationConditionImpl expires by it. Readers of the topic such
// as Burrow decode both versions.
func TestOffsetCommitRetentionTime(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{OffsetsRetention: time.Hour})
	if _, err := b.logs.CreateTopic("t", 3); err != nil {
		t.Fatal(err)
	}
	now := time.UnixMilli(1_700_000_000_000)
	b.groups.now = func() time.Time { return now }
	commit := func(v int16, retentionMs int64, partition int32, offset int64) {
		t.Helper()
		req := &offsetCommitRequest{GroupID: "g", GenerationIDOrMemberEpoch: -1, RetentionTimeMs: retentionMs,
			Topics: []offsetCommitTopic{{Name: "t", Partitions: []offsetCommitPartition{
				{PartitionIndex: partition, CommittedOffset: offset, CommittedLeaderEpoch: -1, CommittedMetadata: ptr("m")},
			}}}}
		resp := b.handleOffsetCommit(context.Background(), testRC(v), req).(*offsetCommitResponse)
		if code := resp.Topics[0].Partitions[0].ErrorCode; code != codeNone {
			t.Fatalf("commit v%d: %d", v, code)
		}
	}
	commit(2, 60_000, 0, 10) // expires a minute from now
	commit(2, -1, 1, 11)     // the broker's retention
	commit(8, -1, 2, 12)

	var versions []int16
	var expires []int64
	eachOffsetsRecord(t, b, func(r record) {
		v := newReader(r.Value, false)
		versions = append(versions, v.Int16())
		if versions[len(versions)-1] == 1 {
			v.Int64()      // offset
			_ = v.String() // metadata
			v.Int64()      // commit timestamp
			expires = append(expires, v.Int64())
		}
	})
	if !slices.Equal(versions, []int16{1, 3, 3}) || !slices.Equal(expires, []int64{now.UnixMilli() + 60_000}) {
		t.Errorf("value versions %v, expire timestamps %v; want [1 3 3] and [%d]", versions, expires, now.UnixMilli()+60_000)
	}

	gt := newGroupTester(t, b, "g")
	now = now.Add(59 * time.Second)
	b.groups.expireOffsets()
	if got := gt.committed("t", 0); got != 10 {
		t.Errorf("offset with a minute's retention, 59 s on: %d, want 10", got)
	}
	now = now.Add(time.Second)
	b.groups.expireOffsets()
	if got := [3]int64{gt.committed("t", 0), gt.committed("t", 1), gt.committed("t", 2)}; got != [3]int64{-1, 11, 12} {
		t.Errorf("a minute on: offsets %v, want [-1 11 12]", got)
	}

	// The expire timestamp is kept in the record, so a restart keeps it.
	commit(4, 30_000, 1, 21)
	dir := b.cfg.DataDir
	b.groups.close()
	b.logs.Close()
	b = openGroupBroker(t, dir, Config{OffsetsRetention: time.Hour})
	b.groups.now = func() time.Time { return now }
	gt = newGroupTester(t, b, "g")
	now = now.Add(30 * time.Second)
	b.groups.expireOffsets()
	if got := [2]int64{gt.committed("t", 1), gt.committed("t", 2)}; got != [2]int64{-1, 12} {
		t.Errorf("after a restart, 30 s on: offsets %v, want [-1 12]", got)
	}
}

// TestTopicDeletionLeavesGroupToCleanup: deleting a topic tombstones every
// group's offsets of it and nothing more, as Kafka's
// GroupCoordinatorShard.onPartitionsDeleted does; a group left empty with
// no offsets is listed, Empty, until the periodic cleanup removes it
// (cleanupGroupMetadata, every offsets.retention.check.interval.ms) and
// writes its tombstone. Readers of __consumer_offsets such as Burrow take
// that tombstone as the group's deletion, so it comes when Kafka's would.
func TestTopicDeletionLeavesGroupToCleanup(t *testing.T) {
	tb, c := startWithTopic(t, "gone", 1)
	gt := newGroupTester(t, tb.Broker, "g")
	ids, gen := gt.stableGroup(1)
	if code := gt.commit(8, ids[0], gen, "gone", 0, 3); code != codeNone {
		t.Fatalf("commit: %d", code)
	}
	gt.leave(ids[0])
	gone := "gone"
	tb.handleDeleteTopics(context.Background(), testRC(6), &deleteTopicsRequest{Topics: []deleteTopicState{{Name: &gone}}})
	if o, _ := c.fetchOffset("g", "gone", 0); o != -1 {
		t.Errorf("offset of the deleted topic: %d, want -1", o)
	}
	listed := func() []string {
		var ids []string
		for _, g := range tb.handleListGroups(context.Background(), testRC(3), &listGroupsRequest{}).(*listGroupsResponse).Groups {
			ids = append(ids, g.GroupID)
		}
		return ids
	}
	if got := listed(); !slices.Equal(got, []string{"g"}) {
		t.Errorf("groups right after the topic's deletion: %v, want [g] until the cleanup", got)
	}
	if types := recordTypes(t, tb.Broker); types[groupMetadataRecord] != 2 {
		t.Errorf("%d group metadata records before the cleanup, want 2 (Stable, Empty) and no tombstone", types[groupMetadataRecord])
	}
	tb.groups.expireOffsets()
	if got := listed(); len(got) != 0 {
		t.Errorf("groups after the cleanup: %v, want none", got)
	}
}

// TestOffsetDeleteLeavesGroupToCleanup: OffsetDelete of a group's last
// offset writes the offset's tombstone and nothing more, as Kafka's
// OffsetMetadataManager.deleteOffsets does; the group, empty with no
// offsets, is listed until the periodic cleanup removes it
// (GroupCoordinatorShard.cleanupGroupMetadata).
func TestOffsetDeleteLeavesGroupToCleanup(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	if code := c.commitOffset("simple", "t", 0, 3); code != codeNone {
		t.Fatalf("commit: %d", code)
	}
	r := tb.handleOffsetDelete(context.Background(), testRC(0), &offsetDeleteRequest{GroupID: "simple", Topics: []offsetDeleteRequestTopic{
		{Name: "t", Partitions: []offsetDeleteRequestPartition{{0}}},
	}}).(*offsetDeleteResponse)
	if r.ErrorCode != codeNone || r.Topics[0].Partitions[0].ErrorCode != codeNone {
		t.Fatalf("OffsetDelete: %+v", r)
	}
	listed := func() int {
		return len(tb.handleListGroups(context.Background(), testRC(3), &listGroupsRequest{}).(*listGroupsResponse).Groups)
	}
	if n := listed(); n != 1 {
		t.Errorf("%d groups right after OffsetDelete, want the group until the cleanup", n)
	}
	tb.groups.expireOffsets()
	if n := listed(); n != 0 {
		t.Errorf("%d groups after the cleanup, want none", n)
	}
}
