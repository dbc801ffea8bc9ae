package kafka

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"
)

// shareHeartbeat is ShareGroupHeartbeat v1 without a rack; topics nil
// sends null.
func (c *testClient) shareHeartbeat(group, member string, epoch int32, topics []string) (code int16, gotEpoch int32, assigned []consumerGroupTopicPartitions) {
	c.t.Helper()
	resp := c.shareHeartbeatRaw(group, member, epoch, nil, topics)
	if resp.Assignment != nil {
		assigned = resp.Assignment.TopicPartitions
	}
	return resp.ErrorCode, resp.MemberEpoch, assigned
}

// shareFetchResult is what a test reads of a ShareFetch answer for one
// partition.
type shareFetchResult struct {
	code, ackCode, partCode int16
	acquired                []acquiredRange
	records                 []byte
}

// shareFetch is ShareFetch v2 of one partition, with acks if any.
func (c *testClient) shareFetch(group, member string, epoch int32, topic uuid, partition int32, maxWait time.Duration, acks ...shareAckBatch) shareFetchResult {
	c.t.Helper()
	return c.shareFetchMax(100, group, member, epoch, topic, partition, maxWait, acks...)
}

// shareFetchMax is shareFetch with MaxRecords maxRecords.
func (c *testClient) shareFetchMax(maxRecords int32, group, member string, epoch int32, topic uuid, partition int32, maxWait time.Duration, acks ...shareAckBatch) shareFetchResult {
	c.t.Helper()
	return c.shareFetchMode(shareAcquireBatchOptimized, maxRecords, group, member, epoch, topic, partition, maxWait, acks...)
}

// shareFetchMode is shareFetchMax with ShareAcquireMode mode.
func (c *testClient) shareFetchMode(mode int8, maxRecords int32, group, member string, epoch int32, topic uuid, partition int32, maxWait time.Duration, acks ...shareAckBatch) shareFetchResult {
	c.t.Helper()
	r := c.roundTrip(78, 2, true, func(w *writer) {
		w.NullableString(&group)
		w.NullableString(&member)
		w.Int32(epoch)
		w.Int32(int32(maxWait.Milliseconds()))
		w.Int32(1)       // MinBytes
		w.Int32(1 << 20) // MaxBytes
		w.Int32(maxRecords)
		w.Int32(100)  // BatchSize
		w.Int8(mode)  // ShareAcquireMode
		w.Bool(false) // IsRenewAck
		w.ArrayLen(1)
		w.UUID(topic)
		w.ArrayLen(1)
		w.Int32(partition)
		writeArrayNonNull(w, acks, writeShareAckBatch)
		w.Tags()
		w.Tags()
		w.ArrayLen(0) // ForgottenTopicsData
		w.Tags()
	})
	code, parts := c.readShareFetchAnswer(r)
	res := shareFetchResult{code: code}
	// The last partition answered: where the session holds more than
	// the one asked for, the tests written on this reader check the last.
	if len(parts) > 0 {
		p := parts[len(parts)-1]
		res.partCode, res.ackCode, res.records, res.acquired = p.code, p.ackCode, p.records, p.acquired
	}
	return res
}

// writeShareAckBatch writes one AcknowledgementBatches entry of
// ShareFetch or ShareAcknowledge.
func writeShareAckBatch(w *writer, b shareAckBatch) {
	w.Int64(b.FirstOffset)
	w.Int64(b.LastOffset)
	writeArrayNonNull(w, b.AcknowledgeTypes, (*writer).Int8)
	w.Tags()
}

// shareAcknowledge is ShareAcknowledge v2 of one partition; it returns
// the top-level and the partition's code.
func (c *testClient) shareAcknowledge(group, member string, epoch int32, topic uuid, partition int32, acks ...shareAckBatch) (int16, int16) {
	c.t.Helper()
	return c.shareAcknowledgeV(2, group, member, epoch, topic, partition, acks...)
}

// shareAcknowledgeV is shareAcknowledge at version v (1 or 2).
func (c *testClient) shareAcknowledgeV(v int16, group, member string, epoch int32, topic uuid, partition int32, acks ...shareAckBatch) (int16, int16) {
	c.t.Helper()
	r := c.roundTrip(79, v, true, func(w *writer) {
		w.NullableString(&group)
		w.NullableString(&member)
		w.Int32(epoch)
		if v >= 2 {
			w.Bool(false)
		}
		w.ArrayLen(1)
		w.UUID(topic)
		w.ArrayLen(1)
		w.Int32(partition)
		writeArrayNonNull(w, acks, writeShareAckBatch)
		w.Tags()
		w.Tags()
		w.Tags()
	})
	r.Int32()
	code := r.Int16()
	r.NullableString()
	if v >= 2 {
		r.Int32()
	}
	var partCode int16 = -100
	readArray(r, func(r *reader) struct{} {
		r.UUID()
		readArray(r, func(r *reader) struct{} {
			r.Int32()
			partCode = r.Int16()
			r.NullableString()
			r.Int32()
			r.Int32()
			r.SkipTags()
			r.SkipTags()
			return struct{}{}
		})
		r.SkipTags()
		return struct{}{}
	})
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code, partCode
}

func (tb *testBroker) setGroupConfig(t *testing.T, group string, kv map[string]string) {
	t.Helper()
	err := tb.groupConfigs.alter(group, false, func(map[string]string) (map[string]string, *configError) { return kv, nil })
	if err != nil {
		t.Fatal(err)
	}
}

func accept(first, last int64) shareAckBatch {
	return shareAckBatch{first, last, []int8{ackAccept}}
}

// shareHeartbeatRaw is ShareGroupHeartbeat v1 with every field given,
// answered in full.
func (c *testClient) shareHeartbeatRaw(group, member string, epoch int32, rack *string, topics []string) shareGroupHeartbeatResponse {
	c.t.Helper()
	r := c.roundTrip(76, 1, true, func(w *writer) {
		w.String(group)
		w.String(member)
		w.Int32(epoch)
		w.NullableString(rack)
		writeArray(w, topics, (*writer).String)
		w.Tags()
	})
	var resp shareGroupHeartbeatResponse
	resp.ThrottleTimeMs = r.Int32()
	resp.ErrorCode = r.Int16()
	resp.ErrorMessage = r.NullableString()
	resp.MemberID = r.NullableString()
	resp.MemberEpoch = r.Int32()
	resp.HeartbeatIntervalMs = r.Int32()
	if r.Int8() == 1 {
		resp.Assignment = &consumerGroupHeartbeatAssignment{readArray(r, readConsumerGroupTopicPartitions)}
		r.SkipTags()
	}
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatal(err)
	}
	return resp
}

// TestShareGroupHeartbeatLikeKafka checks ShareGroupHeartbeat's checks
// and error answers against GroupCoordinatorService and
// GroupMetadataManager.shareGroupHeartbeat: the request's fields in
// Kafka's order and with its messages, an error answer with member epoch
// 0 and no member id, a null rack that keeps the rack, and a leave of an
// unknown member.
func TestShareGroupHeartbeatLikeKafka(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	blank, rack := " ", "r1"
	for _, tc := range []struct {
		name          string
		group, member string
		epoch         int32
		rack          *string
		topics        []string
		msg           string
	}{
		{"no member and no group", "", "", 0, nil, []string{"t"}, "MemberId can't be empty."},
		{"a blank member id", "g", "  ", 0, nil, []string{"t"}, "MemberId can't be empty."},
		{"a member id of a control character", "g", "\x01", 0, nil, []string{"t"}, "MemberId can't be empty."},
		{"a blank group id", " ", "m", 0, nil, []string{"t"}, "GroupId can't be empty."},
		{"a blank rack", "g", "m", 0, &blank, []string{"t"}, "RackId can't be empty."},
		{"a bad epoch", "g", "m", -3, nil, nil, "MemberEpoch is invalid."},
	} {
		resp := c.shareHeartbeatRaw(tc.group, tc.member, tc.epoch, tc.rack, tc.topics)
		if resp.ErrorCode != codeInvalidRequest || deref(resp.ErrorMessage) != tc.msg || resp.MemberEpoch != 0 || resp.MemberID != nil {
			t.Errorf("%s: code %d message %q epoch %d member %v; want INVALID_REQUEST %q, epoch 0, no member",
				tc.name, resp.ErrorCode, deref(resp.ErrorMessage), resp.MemberEpoch, resp.MemberID, tc.msg)
		}
	}
	// Java's trim takes no no-break space off, so an id of one is not
	// blank there.
	if resp := c.shareHeartbeatRaw("g2", "\u00a0", 0, nil, []string{"t"}); resp.ErrorCode != codeNone {
		t.Errorf("a member id of a no-break space: %+v, want it joined", resp)
	}
	if resp := c.shareHeartbeatRaw("g", "m", 0, &rack, []string{"t"}); resp.ErrorCode != codeNone {
		t.Fatalf("join: %+v", resp)
	}
	if resp := c.shareHeartbeatRaw("g", "stranger", 3, nil, nil); resp.ErrorCode != codeUnknownMemberID || resp.MemberEpoch != 0 {
		t.Errorf("an unknown member: code %d epoch %d, want UNKNOWN_MEMBER_ID and 0", resp.ErrorCode, resp.MemberEpoch)
	}
	if resp := c.shareHeartbeatRaw("g", "stranger", leaveEpoch, nil, nil); resp.ErrorCode != codeUnknownMemberID {
		t.Errorf("an unknown member leaving: code %d, want UNKNOWN_MEMBER_ID", resp.ErrorCode)
	}
	if resp := c.shareHeartbeatRaw("g", "m", 1, nil, nil); resp.ErrorCode != codeNone {
		t.Fatalf("heartbeat: %+v", resp)
	}
	if d := tb.shares.describe("g"); len(d.Members) != 1 || deref(d.Members[0].RackID) != "r1" {
		t.Errorf("after a heartbeat with a null rack: %+v, want rack r1 kept", d.Members)
	}
	if resp := c.shareHeartbeatRaw("g", "m", leaveEpoch, nil, nil); resp.ErrorCode != codeNone || resp.MemberEpoch != leaveEpoch || deref(resp.MemberID) != "m" {
		t.Errorf("leave: %+v", resp)
	}
}

func TestShareGroupHeartbeatErrors(t *testing.T) {
	tb, c := startWithTopic(t, "t", 2)
	for _, tc := range []struct {
		name          string
		group, member string
		epoch         int32
		topics        []string
		want          int16
	}{
		{"no group", "", "m", 0, []string{"t"}, codeInvalidRequest},
		{"no member id", "g", "", 0, []string{"t"}, codeInvalidRequest},
		{"join without topics", "g", "m", 0, nil, codeInvalidRequest},
		{"bad epoch", "g", "m", -3, []string{"t"}, codeInvalidRequest},
		{"unknown member", "g", "m", 4, nil, codeUnknownMemberID},
	} {
		if code, _, _ := c.shareHeartbeat(tc.group, tc.member, tc.epoch, tc.topics); code != tc.want {
			t.Errorf("%s: code %d, want %d", tc.name, code, tc.want)
		}
	}
	code, epoch, assigned := c.shareHeartbeat("g", "a", 0, []string{"t"})
	if code != codeNone || epoch != 1 || fmt.Sprint(assigned) != fmt.Sprintf("[{%v [0 1]}]", tb.logs.Topic("t").ID) {
		t.Fatalf("join: code %d epoch %d assigned %v", code, epoch, assigned)
	}
	// A second member gets one of the two partitions (SimpleAssignor
	// spreads members over partitions), and the first learns the new
	// epoch with the other, the one it keeps.
	if _, epoch, assigned := c.shareHeartbeat("g", "b", 0, []string{"t"}); epoch != 2 || fmt.Sprint(assigned) != fmt.Sprintf("[{%v [1]}]", tb.logs.Topic("t").ID) {
		t.Fatalf("second join: epoch %d assigned %v", epoch, assigned)
	}
	if code, epoch, assigned := c.shareHeartbeat("g", "a", 1, nil); code != codeNone || epoch != 2 || fmt.Sprint(assigned) != fmt.Sprintf("[{%v [0]}]", tb.logs.Topic("t").ID) {
		t.Fatalf("heartbeat of a: code %d epoch %d assigned %v, want epoch 2 and partition 0", code, epoch, assigned)
	}
	if code, _, _ := c.shareHeartbeat("g", "a", 3, nil); code != codeFencedMemberEpoch {
		t.Errorf("epoch ahead of the coordinator's: code %d, want FENCED_MEMBER_EPOCH", code)
	}
	// Share and classic groups share one namespace.
	c.commitOffset("classic", "t", 0, 5)
	if code, _, _ := c.shareHeartbeat("classic", "m", 0, []string{"t"}); code != codeGroupIDNotFound {
		t.Errorf("share heartbeat for a classic group: code %d, want GROUP_ID_NOT_FOUND", code)
	}
	if d := tb.shares.describe(""); d.ErrorCode != codeInvalidGroupID || d.ErrorMessage != nil {
		t.Errorf("ShareGroupDescribe of the empty id: %d %v, want INVALID_GROUP_ID and no message", d.ErrorCode, d.ErrorMessage)
	}
	if d := tb.shares.describe("classic"); d.ErrorCode != codeGroupIDNotFound || deref(d.ErrorMessage) != "Group classic is not a share group." {
		t.Errorf("ShareGroupDescribe of a classic group: %d %q, want GROUP_ID_NOT_FOUND, \"Group classic is not a share group.\"", d.ErrorCode, deref(d.ErrorMessage))
	}
	if code, _, _ := c.consumerHeartbeatCode("g"); code != codeGroupIDNotFound {
		t.Errorf("consumer heartbeat for a share group: code %d, want GROUP_ID_NOT_FOUND", code)
	}
	// Not deleted while it has members.
	if code := tb.deleteGroupCode(t, c, "g"); code != codeNonEmptyGroup {
		t.Errorf("DeleteGroups of a share group with members: %d", code)
	}
	if code, epoch, _ := c.shareHeartbeat("g", "a", 2, nil); code != codeNone || epoch != 2 {
		t.Fatalf("heartbeat: %d %d", code, epoch)
	}
	c.shareHeartbeat("g", "a", leaveEpoch, nil)
	c.shareHeartbeat("g", "b", leaveEpoch, nil)
	if code := tb.deleteGroupCode(t, c, "g"); code != codeNone {
		t.Errorf("DeleteGroups of an empty share group: %d", code)
	}
	if d := tb.shares.describe("g"); d.ErrorCode != codeGroupIDNotFound {
		t.Errorf("after delete: %+v", d)
	}
}

func (tb *testBroker) deleteGroupCode(t *testing.T, c *testClient, group string) int16 {
	t.Helper()
	r := c.roundTrip(42, 2, true, func(w *writer) {
		w.Strings([]string{group})
		w.Tags()
	})
	r.Int32()
	r.ArrayLen()
	_ = r.String()
	code := r.Int16()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return code
}

func TestShareSessions(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	c.produce("t", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}, testRecord{3, "c"}))
	id := tb.logs.Topic("t").ID
	c.shareHeartbeat("g", "m", 0, []string{"t"})

	if res := c.shareFetch("g", "m", 0, id, 0, 0, accept(0, 0)); res.code != codeInvalidRequest {
		t.Errorf("acks in the fetch that opens a session: %d", res.code)
	}
	if res := c.shareFetch("g", "m", 1, id, 0, 0); res.code != codeShareSessionNotFound {
		t.Errorf("no session: %d", res.code)
	}
	if code, _ := c.shareAcknowledge("g", "m", 0, id, 0, accept(0, 0)); code != codeInvalidShareSessionEpoch {
		t.Errorf("ShareAcknowledge at epoch 0: %d", code)
	}
	res := c.shareFetch("g", "m", 0, id, 0, time.Second)
	if res.code != codeNone || fmt.Sprint(res.acquired) != "[{0 2 1}]" || len(res.records) == 0 {
		t.Fatalf("first fetch: %+v", res)
	}
	if res := c.shareFetch("g", "m", 5, id, 0, 0); res.code != codeInvalidShareSessionEpoch {
		t.Errorf("wrong epoch: %d", res.code)
	}
	// Accept 0 piggy-backed; acknowledging 0 again, now below the SPSO,
	// is skipped without an error (SharePartition.acknowledge), while
	// accepting 1 twice in one request is refused.
	res = c.shareFetch("g", "m", 1, id, 0, 0, accept(0, 0))
	if res.code != codeNone || res.ackCode != codeNone {
		t.Fatalf("piggy-backed accept: %+v", res)
	}
	if code, part := c.shareAcknowledge("g", "m", 2, id, 0, accept(0, 0)); code != codeNone || part != codeNone {
		t.Errorf("accepting again below the SPSO: %d %d, want success", code, part)
	}
	// Release 1, reject 2 and close the session.
	if code, part := c.shareAcknowledge("g", "m", 3, id, 0, accept(1, 1), accept(1, 1)); code != codeNone || part != codeInvalidRecordState {
		t.Errorf("accepting 1 twice: %d %d, want INVALID_RECORD_STATE", code, part)
	}
	if code, part := c.shareAcknowledge("g", "m", -1, id, 0, shareAckBatch{1, 2, []int8{ackRelease, ackReject}}); code != codeNone || part != codeNone {
		t.Fatalf("final acknowledge: %d %d", code, part)
	}
	res = c.shareFetch("g", "m", 0, id, 0, time.Second)
	if fmt.Sprint(res.acquired) != "[{1 1 2}]" {
		t.Fatalf("after release: acquired %v, want 1 with delivery count 2", res.acquired)
	}

	// Records held by a connection that closes go to others at once.
	c.conn.Close()
	c2 := dial(t, tb.addr)
	start := time.Now()
	res = c2.shareFetch("g", "m2", 0, id, 0, 5*time.Second)
	if fmt.Sprint(res.acquired) != "[{1 1 3}]" || time.Since(start) > 2*time.Second {
		t.Fatalf("after the holder's connection closed: acquired %v after %v", res.acquired, time.Since(start))
	}
}

// TestShareAcknowledgeErrorsLikeKafka checks each partition error of
// an acknowledgement against KafkaApis.handleAcknowledgements and
// validateAcknowledgementBatches, and SharePartitionManager.acknowledge.
func TestShareAcknowledgeErrorsLikeKafka(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	c.createTopic("other", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	c.produce("t", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}, testRecord{3, "c"}))
	id := tb.logs.Topic("t").ID
	c.shareHeartbeat("g", "m", 0, []string{"t"})
	if res := c.shareFetch("g", "m", 0, id, 0, time.Second); fmt.Sprint(res.acquired) != "[{0 2 1}]" {
		t.Fatalf("fetch: %+v", res)
	}
	epoch := int32(1)
	for _, tc := range []struct {
		name      string
		v         int16
		topic     uuid
		partition int32
		acks      []shareAckBatch
		want      int16
	}{
		{"batches out of order", 2, id, 0, []shareAckBatch{accept(2, 2), accept(0, 0)}, codeInvalidRequest},
		{"RENEW before v2", 1, id, 0, []shareAckBatch{{0, 0, []int8{ackRenew}}}, codeInvalidRequest},
		{"a type past RENEW", 2, id, 0, []shareAckBatch{{0, 0, []int8{5}}}, codeInvalidRequest},
		{"no types", 2, id, 0, []shareAckBatch{{0, 0, []int8{}}}, codeInvalidRequest},
		{"unknown topic id", 2, uuid{1, 2, 3}, 0, []shareAckBatch{accept(0, 0)}, codeUnknownTopicID},
		{"unknown partition", 2, id, 7, []shareAckBatch{accept(0, 0)}, codeUnknownTopicOrPartition},
		{"a partition the group has no state for", 2, tb.logs.Topic("other").ID, 0, []shareAckBatch{accept(0, 0)}, codeUnknownTopicOrPartition},
		{"no batches", 2, id, 0, nil, codeNone},
		{"past the acquired records", 2, id, 0, []shareAckBatch{accept(0, 5)}, codeInvalidRequest},
	} {
		code, part := c.shareAcknowledgeV(tc.v, "g", "m", epoch, tc.topic, tc.partition, tc.acks...)
		epoch++
		if code != codeNone || part != tc.want {
			t.Errorf("%s: code %d, partition %d, want %d", tc.name, code, part, tc.want)
		}
	}
	// A fetch tells an unknown topic id from an unknown partition.
	if res := c.shareFetch("g", "m", epoch, uuid{1, 2, 3}, 0, 0); res.partCode != codeUnknownTopicID {
		t.Errorf("fetch of an unknown topic id: partition code %d, want UNKNOWN_TOPIC_ID", res.partCode)
	}
	if res := c.shareFetch("g", "m", epoch+1, id, 7, 0); res.partCode != codeUnknownTopicOrPartition {
		t.Errorf("fetch of an unknown partition: partition code %d, want UNKNOWN_TOPIC_OR_PARTITION", res.partCode)
	}
	epoch += 2
	// Nothing above applied: all three records are still the member's.
	if code, part := c.shareAcknowledgeV(1, "g", "m", epoch, id, 0, accept(0, 1), shareAckBatch{1, 2, []int8{ackReject, ackAccept}}); code != codeNone || part != codeInvalidRecordState {
		t.Errorf("batches overlapping at one offset: %d %d, want INVALID_RECORD_STATE (Kafka's validation lets them by)", code, part)
	}
	if code, part := c.shareAcknowledgeV(1, "g", "m", epoch+1, id, 0, accept(0, 2)); code != codeNone || part != codeNone {
		t.Errorf("accepting all three after the refusals: %d %d", code, part)
	}
}

func TestShareReadCommitted(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest", shareIsolationLevelConfig: "read_committed"})
	id := tb.logs.Topic("tx").ID

	c.produce("tx", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"})) // 0-1
	_, pid, epoch := c.initTxn("app", 60000)
	c.addPartition("app", pid, epoch, "tx", 0)
	if code, _ := c.produce("tx", 0, txnBatch(pid, epoch, 0, 3)); code != codeNone { // 2-4
		t.Fatalf("produce: %d", code)
	}
	c.shareHeartbeat("g", "m", 0, []string{"tx"})
	// The transaction is open: the LSO is 2.
	res := c.shareFetch("g", "m", 0, id, 0, 0)
	if fmt.Sprint(res.acquired) != "[{0 1 1}]" {
		t.Fatalf("during the transaction: acquired %v, want 0-1", res.acquired)
	}
	if code := c.endTxn(3, "app", pid, epoch, false); code != codeNone { // marker 5
		t.Fatalf("abort: %d", code)
	}
	c.produce("tx", 0, makeBatch(testRecord{1, "c"})) // 6
	// The aborted records are archived; the abort marker is acquired
	// with the record after it, as SharePartition archives only the
	// aborted data batches.
	res = c.shareFetch("g", "m", 1, id, 0, time.Second, accept(0, 1))
	if fmt.Sprint(res.acquired) != "[{5 6 1}]" || res.ackCode != codeNone {
		t.Fatalf("after the abort: acquired %v (ack %d), want the marker 5 and 6", res.acquired, res.ackCode)
	}
	tb.shares.mu.Lock()
	sp := tb.shares.groups["g"].partitions[topicIDPartition{id, 0}]
	start, end := sp.startOffset, sp.endOffset
	tb.shares.mu.Unlock()
	if start != 5 || end != 7 {
		t.Errorf("window [%d, %d), want [5, 7): the aborted records are archived", start, end)
	}
}

// TestShareFetchAcquiresMarkers: a transaction marker is acquired with
// the batches around it, and the member acknowledges its offset as a gap,
// as Kafka's SharePartition.acquire takes whole fetched batches, control
// batches included, and its share consumers (ShareCompletedFetch,
// librdkafka, franz-go) answer every acquired offset that held no record
// they deliver with GAP.
func TestShareFetchAcquiresMarkers(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	id := tb.logs.Topic("tx").ID
	_, pid, epoch := c.initTxn("app", 60000)
	c.addPartition("app", pid, epoch, "tx", 0)
	if code, _ := c.produce("tx", 0, txnBatch(pid, epoch, 0, 3)); code != codeNone { // 0-2
		t.Fatalf("produce: %d", code)
	}
	if code := c.endTxn(3, "app", pid, epoch, true); code != codeNone { // marker 3
		t.Fatalf("commit: %d", code)
	}
	c.produce("tx", 0, makeBatch(testRecord{1, "d"})) // 4
	c.shareHeartbeat("g", "m", 0, []string{"tx"})
	res := c.shareFetch("g", "m", 0, id, 0, time.Second)
	if fmt.Sprint(res.acquired) != "[{0 4 1}]" {
		t.Fatalf("acquired %v, want 0-4, the marker at 3 among them", res.acquired)
	}
	if n := countBatches(res.records); n != 3 {
		t.Errorf("%d batches answered, want 3: the marker's goes out too", n)
	}
	acks := shareAckBatch{0, 4, []int8{ackAccept, ackAccept, ackAccept, ackGap, ackAccept}}
	if code, part := c.shareAcknowledge("g", "m", 1, id, 0, acks); code != codeNone || part != codeNone {
		t.Fatalf("acknowledging the marker as a gap: %d %d, want success", code, part)
	}
	tb.shares.mu.Lock()
	sp := tb.shares.groups["g"].partitions[topicIDPartition{id, 0}]
	start, end := sp.startOffset, sp.endOffset
	tb.shares.mu.Unlock()
	if start != 5 || end != 5 {
		t.Errorf("window [%d, %d), want [5, 5)", start, end)
	}
}

// countBatches is how many record batches b holds whole.
func countBatches(b []byte) int {
	n := 0
	for len(b) > 0 {
		h, err := parseBatchHeader(b)
		if err != nil || h.Size() > len(b) {
			break
		}
		b = b[h.Size():]
		n++
	}
	return n
}

func TestShareStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "t", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	c.produce("t", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}, testRecord{3, "c"}, testRecord{4, "d"}))
	id := tb.logs.Topic("t").ID
	c.shareHeartbeat("g", "m", 0, []string{"t"})
	c.shareFetch("g", "m", 0, id, 0, time.Second)
	// Accept 0-1; 2-3 stay acquired when the broker stops.
	if res := c.shareFetch("g", "m", 1, id, 0, 0, accept(0, 1)); res.ackCode != codeNone {
		t.Fatalf("accept: %+v", res)
	}
	tb.stop()

	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	c.shareHeartbeat("g", "m", 0, []string{"t"})
	res := c.shareFetch("g", "m", 0, id, 0, time.Second)
	if fmt.Sprint(res.acquired) != "[{2 3 2}]" {
		t.Fatalf("after restart acquired %v, want 2-3 with delivery count 2", res.acquired)
	}
	// Accepting 3 leaves 2 to do: the snapshot shows start 2, lag 1.
	c.shareFetch("g", "m", 1, id, 0, 0, accept(3, 3))
	snap := tb.Snapshot()
	if len(snap.Groups) != 1 {
		t.Fatalf("snapshot groups: %+v", snap.Groups)
	}
	g := snap.Groups[0]
	if g.Type != "share" || g.State != "Stable" || len(g.Members) != 1 || len(g.Offsets) != 1 ||
		g.Offsets[0].Committed != 2 || g.Offsets[0].Lag != 1 {
		t.Errorf("snapshot of the share group: %+v", g)
	}
}

// consumerHeartbeatCode is a joining ConsumerGroupHeartbeat v0.
func (c *testClient) consumerHeartbeatCode(group string) (int16, int32, error) {
	r := c.roundTrip(68, 0, true, func(w *writer) {
		w.String(group)
		w.String("")
		w.Int32(0)
		w.NullableString(nil)
		w.NullableString(nil)
		w.Int32(30000)
		w.Strings([]string{"t"})
		w.NullableString(nil)
		writeArrayNonNull(w, []consumerGroupTopicPartitions{}, nil)
		w.Tags()
	})
	r.Int32()
	code := r.Int16()
	r.NullableString()
	r.NullableString()
	return code, r.Int32(), r.err
}

// TestShareACLs: with the authorizer on, the share APIs need what Kafka's
// KafkaApis asks for: READ on the group, DESCRIBE (heartbeat) or READ
// (fetch) on the topic.
func TestShareACLs(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	t.Cleanup(func() { ab.shares.close() })
	const alice = "User:alice"
	topic, err := ab.logs.CreateTopic("jobs", 1)
	if err != nil {
		t.Fatal(err)
	}
	heartbeat := func() int16 {
		req := &shareGroupHeartbeatRequest{GroupID: "g", MemberID: "m", SubscribedTopicNames: []string{"jobs"}}
		return ab.as(alice, 76, 1, req).(*shareGroupHeartbeatResponse).ErrorCode
	}
	fetch := func() (int16, int16) {
		req := &shareFetchRequest{GroupID: ptr("g"), MemberID: ptr("m"), MaxBytes: 1 << 20,
			Topics: []shareFetchTopic{{TopicID: topic.ID, Partitions: []shareFetchPartition{{PartitionIndex: 0}}}}}
		resp := ab.as(alice, 78, 2, req).(*shareFetchResponse)
		var part int16 = -100
		if len(resp.Responses) > 0 {
			part = resp.Responses[0].Partitions[0].ErrorCode
		}
		return resp.ErrorCode, part
	}
	offsets := func() int16 {
		req := &describeShareGroupOffsetsRequest{Groups: []describeShareGroupOffsetsRequestGroup{{GroupID: "g"}}}
		return ab.as(alice, 90, 1, req).(*describeShareGroupOffsetsResponse).Groups[0].ErrorCode
	}
	if code := heartbeat(); code != codeGroupAuthorizationFailed {
		t.Errorf("heartbeat without ACLs: %d", code)
	}
	if code, _ := fetch(); code != codeGroupAuthorizationFailed {
		t.Errorf("fetch without ACLs: %d", code)
	}
	if code := offsets(); code != codeGroupAuthorizationFailed {
		t.Errorf("describe offsets without ACLs: %d", code)
	}
	ab.grant(allow(resGroup, "g", aclRead))
	if code := heartbeat(); code != codeTopicAuthorizationFailed {
		t.Errorf("heartbeat without DESCRIBE on the topic: %d", code)
	}
	if code, part := fetch(); code != codeNone || part != codeTopicAuthorizationFailed {
		t.Errorf("fetch without READ on the topic: %d %d", code, part)
	}
	ab.grant(allow(resTopic, "jobs", aclRead))
	if code := heartbeat(); code != codeNone {
		t.Errorf("heartbeat with the ACLs: %d", code)
	}
	if code, part := fetch(); code != codeNone || part == codeTopicAuthorizationFailed {
		t.Errorf("fetch with the ACLs: %d %d", code, part)
	}
	if code := offsets(); code != codeNone {
		t.Errorf("describe offsets with READ on the group (which implies DESCRIBE): %d", code)
	}
}

func TestShareAutoOffsetResetByDuration(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	now := time.Now().UnixMilli()
	c.produce("t", 0, makeBatch(testRecord{now - 3*3600*1000, "old"}, testRecord{now - 2*3600*1000, "older than an hour"})) // 0-1
	c.produce("t", 0, makeBatch(testRecord{now - 60*1000, "recent"}, testRecord{now, "new"}))                               // 2-3
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "by_duration:PT1H"})
	c.shareHeartbeat("g", "m", 0, []string{"t"})
	res := c.shareFetch("g", "m", 0, tb.logs.Topic("t").ID, 0, time.Second)
	if fmt.Sprint(res.acquired) != "[{2 3 1}]" {
		t.Fatalf("by_duration:PT1H acquired %v, want 2-3", res.acquired)
	}
}

// TestShareFetchZeroMaxRecords: a ShareFetch with MaxRecords 0 acquires
// nothing (SharePartition.acquire returns at once for it), so a member
// can have acknowledgements applied without records locked to it.
func TestShareFetchZeroMaxRecords(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	c.produce("t", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}))
	id := tb.logs.Topic("t").ID
	c.shareHeartbeat("g", "m", 0, []string{"t"})
	if res := c.shareFetchMode(shareAcquireRecordLimit, 1, "g", "m", 0, id, 0, time.Second); fmt.Sprint(res.acquired) != "[{0 0 1}]" {
		t.Fatalf("fetch of one record: %+v", res)
	}
	res := c.shareFetchMax(0, "g", "m", 1, id, 0, 10*time.Millisecond, accept(0, 0))
	if res.code != codeNone || res.ackCode != codeNone || len(res.acquired) != 0 {
		t.Fatalf("fetch of no records with an acknowledgement: %+v, want the ack applied and nothing acquired", res)
	}
	if res := c.shareFetchMax(5, "g", "m2", 0, id, 0, time.Second); fmt.Sprint(res.acquired) != "[{1 1 1}]" {
		t.Errorf("another member's fetch: acquired %v, want 1, which the fetch of none left alone", res.acquired)
	}
}

// describeShareOffsetsRaw is DescribeShareGroupOffsets v0 of one group,
// topics nil for all; it returns the group's code and each partition as
// "topic/partition:start/code".
func (c *testClient) describeShareOffsetsRaw(group string, topics map[string][]int32) (int16, []string) {
	c.t.Helper()
	r := c.roundTrip(90, 0, true, func(w *writer) {
		w.ArrayLen(1)
		w.String(group)
		if topics == nil {
			w.ArrayLen(-1)
		} else {
			w.ArrayLen(len(topics))
			for _, name := range slices.Sorted(maps.Keys(topics)) {
				w.String(name)
				w.Int32s(topics[name])
				w.Tags()
			}
		}
		w.Tags()
		w.Tags()
	})
	r.Int32()
	var code int16
	var parts []string
	readArray(r, func(r *reader) struct{} {
		_ = r.String()
		readArray(r, func(r *reader) struct{} {
			name := r.String()
			r.UUID()
			readArray(r, func(r *reader) struct{} {
				p, start, epoch := r.Int32(), r.Int64(), r.Int32()
				pc := r.Int16()
				r.NullableString()
				r.SkipTags()
				parts = append(parts, fmt.Sprintf("%s/%d:%d/%d/%d", name, p, start, epoch, pc))
				return struct{}{}
			})
			r.SkipTags()
			return struct{}{}
		})
		code = r.Int16()
		r.NullableString()
		r.SkipTags()
		return struct{}{}
	})
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code, parts
}

// alterShareOffsetsRaw is AlterShareGroupOffsets v0 of one partition; it
// returns the top-level code and how many topics the answer lists.
func (c *testClient) alterShareOffsetsRaw(group, topic string, partition int32, start int64) (int16, int) {
	c.t.Helper()
	r := c.roundTrip(91, 0, true, func(w *writer) {
		w.String(group)
		w.ArrayLen(1)
		w.String(topic)
		w.ArrayLen(1)
		w.Int32(partition)
		w.Int64(start)
		w.Tags()
		w.Tags()
		w.Tags()
	})
	r.Int32()
	code := r.Int16()
	r.NullableString()
	n := r.ArrayLen()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code, n
}

// deleteShareOffsetsRaw is DeleteShareGroupOffsets v0 of one topic; it
// returns the top-level code and the topic's, or -100 if not listed.
func (c *testClient) deleteShareOffsetsRaw(group, topic string) (int16, int16) {
	c.t.Helper()
	r := c.roundTrip(92, 0, true, func(w *writer) {
		w.String(group)
		w.ArrayLen(1)
		w.String(topic)
		w.Tags()
		w.Tags()
	})
	r.Int32()
	code := r.Int16()
	r.NullableString()
	var topicCode int16 = -100
	readArray(r, func(r *reader) struct{} {
		_ = r.String()
		r.UUID()
		topicCode = r.Int16()
		r.NullableString()
		r.SkipTags()
		return struct{}{}
	})
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code, topicCode
}

// TestShareGroupOffsetsAdminLikeKafka checks the share offsets admin
// APIs' answers against GroupCoordinatorService and
// GroupCoordinatorShard: DescribeShareGroupOffsets reports no state as
// start offset -1 (leader epoch 0) and never an error, while
// AlterShareGroupOffsets needs an empty share group (and creates a missing
// one, as 4.2 does) and DeleteShareGroupOffsets an existing, empty one,
// both answering a group's errors at the top level alone.
func TestShareGroupOffsetsAdminLikeKafka(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	c.createTopic("u", 1)
	c.produce("t", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}))

	code, parts := c.describeShareOffsetsRaw("nobody", map[string][]int32{"t": {0, 5}, "gone": {0}})
	if want := "[gone/0:-1/0/0 t/0:-1/0/0 t/5:-1/0/0]"; code != codeNone || fmt.Sprint(parts) != want {
		t.Errorf("describe of a group without state: code %d %v, want 0 %s", code, parts, want)
	}
	if code, parts := c.describeShareOffsetsRaw("nobody", nil); code != codeNone || len(parts) != 0 {
		t.Errorf("describe of all a group's offsets without state: code %d %v, want 0 and none", code, parts)
	}
	if code, n := c.alterShareOffsetsRaw("", "t", 0, 0); code != codeInvalidGroupID || n != 0 {
		t.Errorf("alter with no group id: code %d with %d topics, want INVALID_GROUP_ID and none", code, n)
	}
	for _, tc := range []struct {
		name, group string
		want        int16
	}{
		{"no group id", "", codeInvalidGroupID},
		{"a group that does not exist", "nobody", codeGroupIDNotFound},
	} {
		if code, _ := c.deleteShareOffsetsRaw(tc.group, "t"); code != tc.want {
			t.Errorf("delete, %s: code %d, want %d", tc.name, code, tc.want)
		}
	}
	if code, n := c.alterShareOffsetsRaw("new", "t", 0, 1); code != codeNone || n != 1 {
		t.Errorf("alter of a group that does not exist: code %d with %d topics, want it created", code, n)
	}
	if code, parts := c.describeShareOffsetsRaw("new", nil); code != codeNone || fmt.Sprint(parts) != "[t/0:1/0/0]" {
		t.Errorf("describe of the group alter created: code %d %v", code, parts)
	}
	c.shareHeartbeat("g", "m", 0, []string{"t"})
	if code, n := c.alterShareOffsetsRaw("g", "t", 0, 0); code != codeNonEmptyGroup || n != 0 {
		t.Errorf("alter of a group with a member: code %d with %d topics, want NON_EMPTY_GROUP and none", code, n)
	}
	c.shareHeartbeat("g", "m", leaveEpoch, nil)
	if code, n := c.alterShareOffsetsRaw("g", "t", 0, 0); code != codeNone || n != 1 {
		t.Errorf("alter of an empty group: code %d with %d topics", code, n)
	}
	if code, parts := c.describeShareOffsetsRaw("g", nil); code != codeNone || fmt.Sprint(parts) != "[t/0:0/0/0]" {
		t.Errorf("describe after alter: code %d %v", code, parts)
	}
	if code, topicCode := c.deleteShareOffsetsRaw("g", "u"); code != codeNone || topicCode != codeUnknownTopicOrPartition {
		t.Errorf("delete of a topic without state: code %d, topic %d, want UNKNOWN_TOPIC_OR_PARTITION", code, topicCode)
	}
	if code, topicCode := c.deleteShareOffsetsRaw("g", "t"); code != codeNone || topicCode != codeNone {
		t.Errorf("delete: code %d, topic %d", code, topicCode)
	}
}

// TestShareGroupMaxSize: group.share.max.size (Kafka's default 200)
// refuses a member the full group does not have with
// GROUP_MAX_SIZE_REACHED, before its epoch is checked, as
// GroupMetadataManager.throwIfShareGroupIsFull does; members it has go on.
func TestShareGroupMaxSize(t *testing.T) {
	_, c := startWithTopicUsing(t, Config{DataDir: t.TempDir(), ShareGroupMaxSize: 2}, "t", 1)
	c.shareHeartbeat("g", "a", 0, []string{"t"})
	c.shareHeartbeat("g", "b", 0, []string{"t"})
	for _, epoch := range []int32{0, 5} {
		if code, _, _ := c.shareHeartbeat("g", "c", epoch, []string{"t"}); code != codeGroupMaxSizeReached {
			t.Errorf("a third member at epoch %d: code %d, want GROUP_MAX_SIZE_REACHED", epoch, code)
		}
	}
	if code, _, _ := c.shareHeartbeat("g", "a", 0, []string{"t"}); code != codeNone {
		t.Errorf("a member rejoining a full group: code %d", code)
	}
	if code, _, _ := c.shareHeartbeat("g", "c", leaveEpoch, nil); code != codeUnknownMemberID {
		t.Errorf("a stranger leaving a full group: code %d, want UNKNOWN_MEMBER_ID", code)
	}
	if d := startBroker(t, t.TempDir()); d.cfg.ShareGroupMaxSize != 200 {
		t.Errorf("default group.share.max.size %d, want 200", d.cfg.ShareGroupMaxSize)
	}
}

// TestShareSessionLimit: group.share.max.share.sessions bounds the share
// sessions a broker keeps; a ShareFetch that would open one more gets
// SHARE_SESSION_LIMIT_REACHED after its MaxWaitMs, as KafkaApis answers,
// while a member reopening its own session is not refused. The limit
// must cover group.share.max.size (checkGroupSettings), so the second
// session is another group's.
func TestShareSessionLimit(t *testing.T) {
	tb, c := startWithTopicUsing(t, Config{DataDir: t.TempDir(), ShareMaxSessions: 1, ShareGroupMaxSize: 1}, "t", 1)
	id := tb.logs.Topic("t").ID
	c.shareHeartbeat("g", "a", 0, []string{"t"})
	c.shareHeartbeat("h", "b", 0, []string{"t"})
	if res := c.shareFetch("g", "a", 0, id, 0, 0); res.code != codeNone {
		t.Fatalf("first session: code %d", res.code)
	}
	start := time.Now()
	if res := c.shareFetch("h", "b", 0, id, 0, 100*time.Millisecond); res.code != codeShareSessionLimitReached {
		t.Errorf("a session past the limit: code %d, want SHARE_SESSION_LIMIT_REACHED", res.code)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("answered after %v, want MaxWaitMs first", waited)
	}
	if res := c.shareFetch("g", "a", 0, id, 0, 0); res.code != codeNone {
		t.Errorf("the member reopening its own session: code %d", res.code)
	}
}

// TestShareHeartbeatAssignmentOnlyWhenChanged: a heartbeat carries the
// assignment on a join, a full heartbeat, or when the member's partitions
// changed, not merely because the group epoch moved, as
// GroupMetadataManager.shareGroupHeartbeat decides.
func TestShareHeartbeatAssignmentOnlyWhenChanged(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	if _, _, assigned := c.shareHeartbeat("g", "a", 0, []string{"t"}); len(assigned) != 1 {
		t.Fatalf("join: assigned %v", assigned)
	}
	// b shares the one partition: a's partitions stay as they were.
	c.shareHeartbeat("g", "b", 0, []string{"t"})
	code, epoch, assigned := c.shareHeartbeat("g", "a", 1, nil)
	if code != codeNone || epoch != 2 || assigned != nil {
		t.Errorf("heartbeat after b joined: code %d epoch %d assigned %v, want epoch 2 and no assignment", code, epoch, assigned)
	}
	if _, _, assigned := c.shareHeartbeat("g", "a", 2, []string{"t"}); len(assigned) != 1 {
		t.Errorf("a full heartbeat: assigned %v, want the assignment again", assigned)
	}
}

// TestShareBrokerSettingsBounds: the broker's share settings take Kafka's
// ranges (ShareGroupConfig and GroupCoordinatorConfig).
func TestShareBrokerSettingsBounds(t *testing.T) {
	var c Config
	for _, kv := range [][2]string{
		{"group.share.record.lock.duration.ms", "999"}, {"group.share.record.lock.duration.ms", "3600001"},
		{"group.share.max.size", "0"}, {"group.share.max.size", "1001"},
		{"group.share.max.share.sessions", "0"},
		{"group.share.delivery.count.limit", "11"}, {"group.share.partition.max.record.locks", "99"},
	} {
		if err := c.Set(kv[0], kv[1]); err == nil {
			t.Errorf("Set(%s, %s) accepted, want it out of range", kv[0], kv[1])
		}
	}
	for _, kv := range [][2]string{
		{"group.share.record.lock.duration.ms", "3600000"}, {"group.share.max.size", "1000"}, {"group.share.max.share.sessions", "1"},
	} {
		if err := c.Set(kv[0], kv[1]); err != nil {
			t.Errorf("Set(%s, %s): %v", kv[0], kv[1], err)
		}
	}
	if c.ShareRecordLockDuration != time.Hour || c.ShareGroupMaxSize != 1000 || c.ShareMaxSessions != 1 {
		t.Errorf("after setting: %v %d %d", c.ShareRecordLockDuration, c.ShareGroupMaxSize, c.ShareMaxSessions)
	}
}

// TestShareFetchBatchOptimized: under ShareAcquireMode batch_optimized (v2's
// 0, and all of v1, Kafka 4.1's only mode) a fetch takes the rest of the
// log batch its MaxRecords ends in, as SharePartition.acquireNewBatchRecords
// does; under record_limit it takes MaxRecords exactly.
func TestShareFetchBatchOptimized(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	c.produce("t", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}, testRecord{3, "c"}))
	c.produce("t", 0, makeBatch(testRecord{4, "d"}, testRecord{5, "e"}))
	id := tb.logs.Topic("t").ID
	c.shareHeartbeat("g", "a", 0, []string{"t"})
	c.shareHeartbeat("g", "b", 0, []string{"t"})
	if res := c.shareFetchMode(shareAcquireRecordLimit, 2, "g", "a", 0, id, 0, time.Second); fmt.Sprint(res.acquired) != "[{0 1 1}]" {
		t.Errorf("record_limit of 2: acquired %v, want 0-1", res.acquired)
	}
	// One record, 2, ends the first batch: nothing more is taken. One
	// more, 3, starts the second: its batch comes whole.
	if res := c.shareFetchMode(shareAcquireBatchOptimized, 1, "g", "b", 0, id, 0, time.Second); fmt.Sprint(res.acquired) != "[{2 2 1}]" {
		t.Errorf("batch_optimized of 1 at a batch's last record: acquired %v, want 2 alone", res.acquired)
	}
	if res := c.shareFetchMode(shareAcquireBatchOptimized, 1, "g", "b", 1, id, 0, time.Second); fmt.Sprint(res.acquired) != "[{3 4 1}]" {
		t.Errorf("batch_optimized of 1 at a batch's first record: acquired %v, want 3-4, the whole batch", res.acquired)
	}
}

// TestShareFetchBatchSize: a fetch cuts what it acquires into
// AcquiredRecords at the first log batch boundary after every BatchSize
// records, as SharePartition.createBatches cuts new in-flight batches
// under batch_optimized; a range never splits a log batch, so it may
// hold more than BatchSize records.
func TestShareFetchBatchSize(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	c.produce("t", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}, testRecord{3, "c"})) // 0-2
	c.produce("t", 0, makeBatch(testRecord{4, "d"}, testRecord{5, "e"}))                     // 3-4
	c.produce("t", 0, makeBatch(testRecord{6, "f"}, testRecord{7, "g"}, testRecord{8, "h"})) // 5-7
	id := tb.logs.Topic("t").ID
	args := shareFetchArgs{member: "m", maxWait: time.Second, maxBytes: 1 << 20, maxRecords: 100, topic: id, partitions: []int32{0}}
	for _, tc := range []struct {
		batchSize int32
		want      string
	}{
		{2, "[0:[{0 2 1} {3 4 1} {5 7 1}]]"},
		{4, "[0:[{0 4 1} {5 7 1}]]"},
		{8, "[0:[{0 7 1}]]"},
	} {
		// A group each, so that each fetch acquires the records anew.
		args.group, args.batchSize = fmt.Sprint("g", tc.batchSize), tc.batchSize
		tb.setGroupConfig(t, args.group, map[string]string{shareAutoOffsetResetConfig: "earliest"})
		c.shareHeartbeat(args.group, args.member, 0, []string{"t"})
		_, parts := c.shareFetchParts(args)
		if got := acquiredByPartition(parts); got != tc.want {
			t.Errorf("BatchSize %d: acquired %s, want %s", tc.batchSize, got, tc.want)
		}
	}
}

// TestShareFetchMinBytes: a fetch waits, up to MaxWaitMs, until its
// partitions hold MinBytes of records it could acquire, as
// DelayedShareFetch.isMinBytesSatisfied estimates them (from each share
// partition's next fetch offset to its end), and acquires nothing
// meanwhile; at MaxWaitMs it takes what there is. The direct calls run
// with their context ended, so that "waits" is seen as "returned without
// acquiring", with no clock in the test.
func TestShareFetchMinBytes(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	a := makeBatch(testRecord{1, "a"})
	c.produce("t", 0, a) // 0
	id := tb.logs.Topic("t").ID
	c.shareHeartbeat("g", "m", 0, []string{"t"})
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	group, member := "g", "m"
	req := &shareFetchRequest{GroupID: &group, MemberID: &member, MaxWaitMs: 30000, MinBytes: int32(2 * len(a)),
		MaxBytes: 1 << 20, MaxRecords: 100, BatchSize: 100, version: 2,
		Topics: []shareFetchTopic{{TopicID: id, Partitions: []shareFetchPartition{{PartitionIndex: 0}}}}}
	if resp := tb.shares.fetch(ended, nil, req); acquiredIn(resp) != "[]" {
		t.Fatalf("one batch of %d bytes for MinBytes %d: acquired %s, want nothing while MaxWaitMs runs", len(a), req.MinBytes, acquiredIn(resp))
	}
	c.produce("t", 0, makeBatch(testRecord{2, "b"})) // 1
	req.ShareSessionEpoch = 1
	if resp := tb.shares.fetch(ended, nil, req); acquiredIn(resp) != "[{0 1 1}]" {
		t.Fatalf("two batches for MinBytes %d: acquired %s, want both", req.MinBytes, acquiredIn(resp))
	}
	// At MaxWaitMs a fetch takes what there is, below MinBytes.
	c.produce("t", 0, makeBatch(testRecord{3, "c"})) // 2
	req.ShareSessionEpoch, req.MaxWaitMs = 2, 1
	if resp := tb.shares.fetch(context.Background(), nil, req); acquiredIn(resp) != "[{2 2 1}]" {
		t.Fatalf("after MaxWaitMs: acquired %s, want 2", acquiredIn(resp))
	}
}

// acquiredIn is the AcquiredRecords of a ShareFetch answer, all
// partitions together.
func acquiredIn(resp *shareFetchResponse) string {
	var all []acquiredRange
	for _, t := range resp.Responses {
		for _, p := range t.Partitions {
			all = append(all, p.AcquiredRecords...)
		}
	}
	return fmt.Sprint(all)
}

// TestShareTopLevelErrorsCarryNoMessage: a ShareFetch or
// ShareAcknowledge refused as a whole carries its error code and no
// message, as Kafka's answer, built by the requests' getErrorResponse
// from the code alone, carries none.
func TestShareTopLevelErrorsCarryNoMessage(t *testing.T) {
	tb, _ := startWithTopic(t, "t", 1)
	id := tb.logs.Topic("t").ID
	str := func(s string) *string { return &s }
	topics := []shareFetchTopic{{TopicID: id, Partitions: []shareFetchPartition{{PartitionIndex: 0, AcknowledgementBatches: []shareAckBatch{accept(0, 0)}}}}}
	for _, tc := range []struct {
		name string
		req  shareFetchRequest
		code int16
	}{
		{"no group id", shareFetchRequest{GroupID: str(""), MemberID: str("m")}, codeInvalidRequest},
		{"no member id", shareFetchRequest{GroupID: str("g"), MemberID: nil}, codeInvalidRequest},
		{"acknowledgements opening a session", shareFetchRequest{GroupID: str("g"), MemberID: str("m"), Topics: topics}, codeInvalidRequest},
		{"no session", shareFetchRequest{GroupID: str("g"), MemberID: str("none"), ShareSessionEpoch: 3}, codeShareSessionNotFound},
	} {
		resp := tb.shares.fetch(context.Background(), nil, &tc.req)
		if resp.ErrorCode != tc.code || resp.ErrorMessage != nil {
			t.Errorf("ShareFetch, %s: code %d message %v, want %d and none", tc.name, resp.ErrorCode, ptrString(resp.ErrorMessage), tc.code)
		}
	}
	for _, tc := range []struct {
		name string
		req  shareAcknowledgeRequest
		code int16
	}{
		{"no group id", shareAcknowledgeRequest{GroupID: nil, MemberID: str("m"), ShareSessionEpoch: 1}, codeInvalidRequest},
		{"epoch 0", shareAcknowledgeRequest{GroupID: str("g"), MemberID: str("m")}, codeInvalidShareSessionEpoch},
		{"no session", shareAcknowledgeRequest{GroupID: str("g"), MemberID: str("none"), ShareSessionEpoch: 3}, codeShareSessionNotFound},
	} {
		resp := tb.shares.acknowledgeRequest(&tc.req)
		if resp.ErrorCode != tc.code || resp.ErrorMessage != nil {
			t.Errorf("ShareAcknowledge, %s: code %d message %v, want %d and none", tc.name, resp.ErrorCode, ptrString(resp.ErrorMessage), tc.code)
		}
	}
}

// TestShareAcknowledgeErrorMessages: a ShareAcknowledge partition that
// fails carries the message Kafka's SharePartitionManager passes on
// (mapAcknowledgementFutures: the exception's message) where the share
// partition refused it, and none where KafkaApis did before it (an
// unknown topic id, batches of a bad form).
func TestShareAcknowledgeErrorMessages(t *testing.T) {
	tb, c := startWithTopic(t, "t", 2)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	c.produce("t", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}))
	id := tb.logs.Topic("t").ID
	c.shareHeartbeat("g", "a", 0, []string{"t"})
	c.shareHeartbeat("g", "b", 0, []string{"t"})
	if res := c.shareFetch("g", "a", 0, id, 0, time.Second); fmt.Sprint(res.acquired) != "[{0 1 1}]" {
		t.Fatalf("a's fetch: %v", res.acquired)
	}
	c.shareFetch("g", "b", 0, id, 1, 10*time.Millisecond) // b's session; partition 1 is empty
	group, member := "g", "b"
	epoch := int32(1)
	for _, tc := range []struct {
		name  string
		topic uuid
		part  int32
		batch shareAckBatch
		code  int16
		msg   string
	}{
		{"another member's records", id, 0, accept(0, 1), codeInvalidRecordState, "Member is not the owner of offset"},
		{"past the last acquired", id, 0, accept(1, 5), codeInvalidRequest, "Batch record not found. The last offset in request is past acquired records."},
		{"all past the last acquired", id, 0, accept(4, 5), codeInvalidRequest, "Batch record not found. The first offset in request is past acquired records."},
		{"a partition with nothing acquired", id, 1, accept(0, 0), codeInvalidRecordState, "Batch record not found. The request batch offsets are not found in the cache."},
		{"a partition the topic does not have", id, 7, accept(0, 0), codeUnknownTopicOrPartition, "This server does not host this topic-partition."},
		{"an unknown topic id", uuid{9}, 0, accept(0, 0), codeUnknownTopicID, "<nil>"},
		{"a batch of a bad form", id, 0, shareAckBatch{1, 0, []int8{ackAccept}}, codeInvalidRequest, "<nil>"},
	} {
		req := &shareAcknowledgeRequest{GroupID: &group, MemberID: &member, ShareSessionEpoch: epoch, version: 2,
			Topics: []shareAcknowledgeTopic{{TopicID: tc.topic, Partitions: []shareAcknowledgePartition{{PartitionIndex: tc.part, AcknowledgementBatches: []shareAckBatch{tc.batch}}}}}}
		epoch++
		resp := tb.shares.acknowledgeRequest(req)
		if resp.ErrorCode != codeNone || len(resp.Responses) != 1 || len(resp.Responses[0].Partitions) != 1 {
			t.Fatalf("%s: %+v", tc.name, resp)
		}
		p := resp.Responses[0].Partitions[0]
		if p.ErrorCode != tc.code || ptrString(p.ErrorMessage) != tc.msg {
			t.Errorf("%s: code %d message %q, want %d %q", tc.name, p.ErrorCode, ptrString(p.ErrorMessage), tc.code, tc.msg)
		}
	}
	// Piggy-backed on a ShareFetch, a refused acknowledgement carries the
	// same message, as in Kafka 4.2; one that succeeds, none.
	for _, tc := range []struct {
		batch shareAckBatch
		code  int16
		msg   string
	}{
		{accept(0, 1), codeInvalidRecordState, "Member is not the owner of offset"},
		{accept(0, 0), codeNone, "<nil>"},
	} {
		m := "a"
		if tc.code != codeNone {
			m = "b"
		}
		req := &shareFetchRequest{GroupID: &group, MemberID: &m, ShareSessionEpoch: 1, MaxWaitMs: 0, MaxBytes: 1 << 20, MaxRecords: 10, version: 1,
			Topics: []shareFetchTopic{{TopicID: id, Partitions: []shareFetchPartition{{PartitionIndex: 0, AcknowledgementBatches: []shareAckBatch{tc.batch}}}}}}
		if m == "b" {
			req.ShareSessionEpoch = epoch
			epoch++
		}
		resp := tb.shares.fetch(context.Background(), nil, req)
		var p *shareFetchPartitionResponse
		for i := range resp.Responses {
			for j := range resp.Responses[i].Partitions {
				if resp.Responses[i].Partitions[j].PartitionIndex == 0 {
					p = &resp.Responses[i].Partitions[j]
				}
			}
		}
		if resp.ErrorCode != codeNone || p == nil {
			t.Fatalf("ShareFetch acknowledging %v: %+v", tc.batch, resp)
		}
		if p.AcknowledgeErrorCode != tc.code || ptrString(p.AcknowledgeErrorMessage) != tc.msg {
			t.Errorf("ShareFetch acknowledging %v: code %d message %q, want %d %q", tc.batch, p.AcknowledgeErrorCode, ptrString(p.AcknowledgeErrorMessage), tc.code, tc.msg)
		}
	}
}

// ptrString is *s, or "<nil>".
func ptrString(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// TestShareLogStartPassesWindow: when DeleteRecords (or retention) moves
// the log start into a share partition's window, the records below it
// are done and the rest keep their state and holder, as
// SharePartition.updateCacheAndOffsets keeps them: the holder's
// acknowledgements of both succeed and nothing is delivered again.
func TestShareLogStartPassesWindow(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	for i := range 5 {
		c.produce("t", 0, makeBatch(testRecord{int64(i), "v"}))
	}
	id := tb.logs.Topic("t").ID
	c.shareHeartbeat("g", "a", 0, []string{"t"})
	c.shareHeartbeat("g", "b", 0, []string{"t"})
	if res := c.shareFetch("g", "a", 0, id, 0, time.Second); fmt.Sprint(res.acquired) != "[{0 4 1}]" {
		t.Fatalf("a's fetch: %v", res.acquired)
	}
	if code, _ := c.deleteRecords("t", 0, 2); code != codeNone {
		t.Fatalf("DeleteRecords: %d", code)
	}
	if res := c.shareFetch("g", "b", 0, id, 0, 50*time.Millisecond); len(res.acquired) != 0 {
		t.Errorf("b's fetch after DeleteRecords: acquired %v, want nothing (2-4 are still a's)", res.acquired)
	}
	if code, part := c.shareAcknowledge("g", "a", 1, id, 0, accept(0, 4)); code != codeNone || part != codeNone {
		t.Errorf("a accepting 0-4 across the new log start: %d %d, want success", code, part)
	}
}

// TestShareAcknowledgeAfterLeave: a share consumer that closes sends its
// leave heartbeat to the group coordinator and its last acknowledgements
// to the partition leader, on two connections, in either order. In Kafka
// the leave does not touch the share session: sessions live in the
// leader's ShareSessionCache, whose end (the final epoch, or the
// connection closing) releases what the member still holds
// (ShareGroupListener.onMemberLeave). So a final ShareAcknowledge after
// the leave is applied. librdkafka 2.15's 0178_share_consumer_close
// lost its receipts to SHARE_SESSION_NOT_FOUND when the leave came first.
func TestShareAcknowledgeAfterLeave(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	c.produce("t", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}, testRecord{3, "c"}))
	id := tb.logs.Topic("t").ID
	coord := dial(t, tb.addr)
	if code, _, _ := coord.shareHeartbeat("g", "m", 0, []string{"t"}); code != codeNone {
		t.Fatalf("join: %d", code)
	}
	if res := c.shareFetch("g", "m", 0, id, 0, time.Second); res.code != codeNone || fmt.Sprint(res.acquired) != "[{0 2 1}]" {
		t.Fatalf("fetch: %+v", res)
	}
	if code, _, _ := coord.shareHeartbeat("g", "m", -1, nil); code != codeNone {
		t.Fatalf("leave: %d", code)
	}
	if code, part := c.shareAcknowledge("g", "m", -1, id, 0, accept(0, 2)); code != codeNone || part != codeNone {
		t.Fatalf("final acknowledge after the leave: %d %d, want success", code, part)
	}
	// Accepted, so another member gets nothing; had the leave released
	// them, it would get all three again.
	coord.shareHeartbeat("g", "m2", 0, []string{"t"})
	if res := c.shareFetch("g", "m2", 0, id, 0, 200*time.Millisecond); len(res.acquired) != 0 {
		t.Errorf("after the acknowledgement: m2 acquired %v, want nothing", res.acquired)
	}

	// A member that leaves holding records and never ends its session
	// gives them back when its connection closes.
	c.produce("t", 0, makeBatch(testRecord{4, "d"}))
	holder := dial(t, tb.addr)
	coord.shareHeartbeat("g", "m3", 0, []string{"t"})
	if res := holder.shareFetch("g", "m3", 0, id, 0, time.Second); fmt.Sprint(res.acquired) != "[{3 3 1}]" {
		t.Fatalf("m3 fetch: %+v", res)
	}
	coord.shareHeartbeat("g", "m3", -1, nil)
	holder.conn.Close()
	if res := c.shareFetch("g", "m2", 1, id, 0, 5*time.Second); fmt.Sprint(res.acquired) != "[{3 3 2}]" {
		t.Errorf("after m3 left and its connection closed: m2 acquired %v, want 3 with delivery count 2", res.acquired)
	}
}

// shareFetchArgs is a ShareFetch v2 of any partitions of one topic, for
// tests of the request-wide limits.
type shareFetchArgs struct {
	group, member string
	epoch         int32
	maxWait       time.Duration
	maxBytes      int32
	maxRecords    int32
	batchSize     int32 // 0 sends maxRecords, as librdkafka and the Java client do
	topic         uuid
	partitions    []int32
}

// sharePartResult is one partition of a ShareFetch answer.
type sharePartResult struct {
	partition     int32
	code, ackCode int16
	message       *string
	records       []byte
	acquired      []acquiredRange
}

// shareFetchParts sends a and returns the top-level code and the
// partitions answered, in the answer's order.
func (c *testClient) shareFetchParts(a shareFetchArgs) (int16, []sharePartResult) {
	c.t.Helper()
	r := c.roundTrip(78, 2, true, func(w *writer) {
		w.NullableString(&a.group)
		w.NullableString(&a.member)
		w.Int32(a.epoch)
		w.Int32(int32(a.maxWait.Milliseconds()))
		w.Int32(1) // MinBytes
		w.Int32(a.maxBytes)
		w.Int32(a.maxRecords)
		w.Int32(cmp.Or(a.batchSize, a.maxRecords))
		w.Int8(shareAcquireBatchOptimized)
		w.Bool(false) // IsRenewAck
		if len(a.partitions) == 0 {
			w.ArrayLen(0)
		} else {
			w.ArrayLen(1)
			w.UUID(a.topic)
			w.ArrayLen(len(a.partitions))
			for _, p := range a.partitions {
				w.Int32(p)
				w.ArrayLen(0) // AcknowledgementBatches
				w.Tags()
			}
			w.Tags()
		}
		w.ArrayLen(0) // ForgottenTopicsData
		w.Tags()
	})
	return c.readShareFetchAnswer(r)
}

// readShareFetchAnswer reads a ShareFetch v2 answer: its top-level code
// and the partitions answered, in the answer's order.
func (c *testClient) readShareFetchAnswer(r *reader) (int16, []sharePartResult) {
	c.t.Helper()
	r.Int32()
	code := r.Int16()
	r.NullableString()
	r.Int32()
	var parts []sharePartResult
	readArray(r, func(r *reader) struct{} {
		r.UUID()
		readArray(r, func(r *reader) struct{} {
			var p sharePartResult
			p.partition = r.Int32()
			p.code = r.Int16()
			p.message = r.NullableString()
			p.ackCode = r.Int16()
			r.NullableString()
			r.Int32()
			r.Int32()
			r.SkipTags()
			p.records = r.Bytes()
			p.acquired = readArray(r, func(r *reader) (a acquiredRange) {
				a = acquiredRange{r.Int64(), r.Int64(), r.Int16()}
				r.SkipTags()
				return a
			})
			r.SkipTags()
			parts = append(parts, p)
			return struct{}{}
		})
		r.SkipTags()
		return struct{}{}
	})
	readArray(r, func(r *reader) struct{} { return struct{}{} })
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatal(err)
	}
	return code, parts
}

// acquiredByPartition renders parts as "partition:acquired" for the ones
// that acquired anything.
func acquiredByPartition(parts []sharePartResult) string {
	var s []string
	for _, p := range parts {
		if len(p.acquired) > 0 {
			s = append(s, fmt.Sprintf("%d:%v", p.partition, p.acquired))
		}
	}
	return fmt.Sprint(s)
}

// TestShareFetchZeroMaxBytes: a ShareFetch asking for no bytes is
// answered at once with no partitions, as SharePartitionManager's
// processShareFetch completes it before any partition is read (librdkafka
// 2.15's 0180 sends it for fetch.max.bytes=0 and wants no records). A
// negative MaxBytes gets there and fails in PartitionMaxBytesStrategy:
// each partition UNKNOWN_SERVER_ERROR. Neither locks a record.
func TestShareFetchZeroMaxBytes(t *testing.T) {
	tb, c := startWithTopic(t, "t", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	c.produce("t", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}))
	id := tb.logs.Topic("t").ID
	c.shareHeartbeat("g", "m", 0, []string{"t"})
	args := shareFetchArgs{group: "g", member: "m", maxWait: 20 * time.Second, maxRecords: 500, topic: id, partitions: []int32{0}}
	start := time.Now()
	code, parts := c.shareFetchParts(args)
	if code != codeNone || len(parts) != 0 {
		t.Fatalf("MaxBytes 0: code %d, partitions %+v; want none", code, parts)
	}
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("MaxBytes 0 was answered after %v, want at once, not after MaxWaitMs", waited)
	}
	args.epoch, args.maxBytes, args.partitions = 1, -1, nil
	code, parts = c.shareFetchParts(args)
	if code != codeNone || len(parts) != 1 || parts[0].code != codeUnknownServerError || len(parts[0].acquired) != 0 ||
		parts[0].message == nil || *parts[0].message != "Request max bytes must be greater than 0" {
		t.Fatalf("MaxBytes -1: code %d, partitions %+v; want partition 0 UNKNOWN_SERVER_ERROR with Kafka's message", code, parts)
	}
	args.epoch, args.maxBytes = 2, 1<<20
	if _, parts = c.shareFetchParts(args); acquiredByPartition(parts) != "[0:[{0 1 1}]]" {
		t.Errorf("MaxBytes 1 MiB after them: %s, want 0-1 delivered for the first time", acquiredByPartition(parts))
	}
}

// TestShareFetchLoadsPartitionsInTurn: the first fetch of a share
// partition loads its state, and a fetch that loads several is answered
// with the first loaded that has records, as Kafka's DelayedShareFetch
// completes when the first SharePartition.maybeInitialize does; the
// others are ready for the next fetch. librdkafka 2.15's 0179 counts on
// it (two partitions, one per poll). Partitions already loaded answer
// together, up to MaxRecords across them.
func TestShareFetchLoadsPartitionsInTurn(t *testing.T) {
	tb, c := startWithTopic(t, "t", 2)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	c.produce("t", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}))
	c.produce("t", 1, makeBatch(testRecord{3, "c"}, testRecord{4, "d"}))
	id := tb.logs.Topic("t").ID
	c.shareHeartbeat("g", "m", 0, []string{"t"})
	args := shareFetchArgs{group: "g", member: "m", maxWait: time.Second, maxBytes: 1 << 20, maxRecords: 500, topic: id, partitions: []int32{0, 1}}
	if _, parts := c.shareFetchParts(args); acquiredByPartition(parts) != "[0:[{0 1 1}]]" {
		t.Fatalf("first fetch: %s, want partition 0 alone, the first loaded", acquiredByPartition(parts))
	}
	args.epoch, args.partitions = 1, nil
	if _, parts := c.shareFetchParts(args); acquiredByPartition(parts) != "[1:[{0 1 1}]]" {
		t.Fatalf("second fetch: %s, want partition 1, loaded by the first", acquiredByPartition(parts))
	}
	c.produce("t", 0, makeBatch(testRecord{5, "e"}))
	c.produce("t", 1, makeBatch(testRecord{6, "f"}))
	args.epoch = 2
	if _, parts := c.shareFetchParts(args); acquiredByPartition(parts) != "[0:[{2 2 1}] 1:[{2 2 1}]]" {
		t.Errorf("third fetch: %s, want both partitions, loaded before it", acquiredByPartition(parts))
	}
	args.epoch, args.maxRecords = 3, 1
	c.produce("t", 0, makeBatch(testRecord{7, "g"}))
	c.produce("t", 1, makeBatch(testRecord{8, "h"}))
	if _, parts := c.shareFetchParts(args); acquiredByPartition(parts) != "[0:[{3 3 1}]]" {
		t.Errorf("fetch of one record: %s, want partition 0's, MaxRecords being the request's", acquiredByPartition(parts))
	}
}

// TestShareSessionTimeoutReleases: a member that stops heartbeating is
// removed when share.session.timeout.ms passes, and the records it held
// go to the others at once, not when their locks (30 s by default) end.
// Its share session ends with it: unlike a member that left, it has no
// final acknowledgement on the way.
func TestShareSessionTimeoutReleases(t *testing.T) {
	tb, c := startWithTopicUsing(t, Config{DataDir: t.TempDir(), ShareSessionTimeout: 300 * time.Millisecond, ShareHeartbeatInterval: 50 * time.Millisecond}, "t", 1)
	tb.setGroupConfig(t, "g", map[string]string{shareAutoOffsetResetConfig: "earliest"})
	c.produce("t", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}))
	id := tb.logs.Topic("t").ID
	coord := dial(t, tb.addr)
	if code, _, _ := coord.shareHeartbeat("g", "m", 0, []string{"t"}); code != codeNone {
		t.Fatalf("join: %d", code)
	}
	holder := dial(t, tb.addr)
	if res := holder.shareFetch("g", "m", 0, id, 0, time.Second); fmt.Sprint(res.acquired) != "[{0 1 1}]" {
		t.Fatalf("m fetch: %+v", res)
	}
	// m falls silent; once its session has timed out, m2 joins and gets
	// what m held, long before the locks would have ended.
	gone := func() (memberGone, sessionGone bool) {
		tb.shares.mu.Lock()
		defer tb.shares.mu.Unlock()
		_, member := tb.shares.groups["g"].members["m"]
		_, session := tb.shares.sessions[shareSessionKey{"g", "m"}]
		return !member, !session
	}
	deadline := time.Now().Add(5 * time.Second)
	for m, _ := gone(); !m && time.Now().Before(deadline); m, _ = gone() {
		time.Sleep(20 * time.Millisecond)
	}
	if m, s := gone(); !m || !s {
		t.Fatalf("after share.session.timeout.ms: member gone %v, share session gone %v; want both", m, s)
	}
	if code, _, _ := coord.shareHeartbeat("g", "m2", 0, []string{"t"}); code != codeNone {
		t.Fatalf("m2 join: %d", code)
	}
	if res := c.shareFetch("g", "m2", 0, id, 0, time.Second); fmt.Sprint(res.acquired) != "[{0 1 2}]" {
		t.Errorf("after m's session timed out: m2 acquired %v, want 0-1 with delivery count 2", res.acquired)
	}
}
