package kafka

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"slices"
	"testing"
	"time"
)

// Tests of the data path (Produce, Fetch, ListOffsets, DeleteRecords,
// OffsetForLeaderEpoch) against Apache Kafka 4.0's code paths, each named
// after the case and checked against the Kafka class cited in the code.
// The requests are written byte by byte, as a client that does not
// behave like the usual ones would write them.

// produceAt sends one partition's records field with Produce at version v
// (3 to 11) and acks, and returns the partition's answer as decoded.
func (c *testClient) produceAt(v, acks int16, topic string, partition int32, records []byte) producePartitionResponse {
	c.t.Helper()
	r := c.roundTrip(0, v, v >= 9, produceBodyAs(nil, acks, topic, partition, records))
	p := readProducePartition(r, v)
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return p
}

// resealed sets the CRC of a batch whose header a test changed.
func resealed(b []byte) []byte {
	binary.BigEndian.PutUint32(b[batchCRCOffset:], crc32.Checksum(b[batchAttrOffset:], castagnoli))
	return b
}

// TestProduceRecordsFieldAsKafka: a records field that is not one magic-2
// batch is answered as ProduceRequest.validateRecords answers it, with
// no ErrorMessage, and nothing is stored; a partial batch after a whole
// one is dropped, as UnifiedLog's trimInvalidBytes drops it.
func TestProduceRecordsFieldAsKafka(t *testing.T) {
	_, c := startWithTopic(t, "p", 1)
	good := func() []byte { return makeBatch(testRecord{1, "v"}) }
	magic1 := good()
	magic1[batchMagicOffset] = 1
	zstd := good()
	binary.BigEndian.PutUint16(zstd[batchAttrOffset:], codecZstd)
	resealed(zstd)
	magic9 := good()
	magic9[batchMagicOffset] = 9
	shortLength := good()
	binary.BigEndian.PutUint32(shortLength[batchLengthOffset:], 13)
	cases := []struct {
		name    string
		v       int16
		acks    int16
		records []byte
		want    int16
	}{
		{"empty", 9, -1, []byte{}, codeInvalidRecord},
		{"a truncated batch", 9, -1, good()[:40], codeInvalidRecord},
		{"magic 1", 9, -1, magic1, codeInvalidRecord},
		{"two batches", 9, -1, append(good(), good()...), codeInvalidRecord},
		{"zstd before v7", 6, -1, zstd, codeUnsupportedCompressionType},
		{"magic 9", 9, -1, magic9, codeCorruptMessage},
		{"batchLength below 14", 9, -1, shortLength, codeCorruptMessage},
		{"a bad batch and bad acks", 9, 2, magic1, codeInvalidRecord},
	}
	for _, tc := range cases {
		p := c.produceAt(tc.v, tc.acks, "p", 0, tc.records)
		if p.ErrorCode != tc.want || p.BaseOffset != -1 || (tc.v >= 8 && p.ErrorMessage != nil) {
			t.Errorf("%s: code %d base %d message %v, want code %d, base -1 and no message", tc.name, p.ErrorCode, p.BaseOffset, p.ErrorMessage, tc.want)
		}
	}
	if p := c.produceAt(9, 2, "nope", 0, good()); p.ErrorCode != codeUnknownTopicOrPartition {
		t.Errorf("unknown topic with acks 2: code %d, want UNKNOWN_TOPIC_OR_PARTITION, answered before the acks", p.ErrorCode)
	}
	if _, hw, _ := c.fetch("p", 0, 0, 0, 0); hw != 0 {
		t.Fatalf("high watermark %d after refused records fields, want 0", hw)
	}
	trailing := append(good(), good()[:30]...)
	if p := c.produceAt(9, -1, "p", 0, trailing); p.ErrorCode != codeNone || p.BaseOffset != 0 {
		t.Fatalf("a batch and a partial one: code %d base %d, want the whole batch stored at 0", p.ErrorCode, p.BaseOffset)
	}
	if code, hw, records := c.fetch("p", 0, 0, 0, 0); code != codeNone || hw != 1 || !sameBatches(records, good()) {
		t.Errorf("after the trimmed produce: code %d hw %d, %d bytes; want the one batch", code, hw, len(records))
	}
}

// TestProduceBatchChecksAsKafka: the batch header checks of UnifiedLog's
// analyzeAndValidateRecords and LogValidator.validateBatch, in their
// order and with their codes; min.insync.replicas is checked before any
// of them (Partition.appendRecordsToLeader).
func TestProduceBatchChecksAsKafka(t *testing.T) {
	_, c := startWithTopic(t, "p", 1)
	if code, _ := c.createTopicWithConfigs("small", 1, map[string]*string{"max.message.bytes": ptr("100")}); code != codeNone {
		t.Fatalf("CreateTopics small: %d", code)
	}
	if code, _ := c.createTopicWithConfigs("isr", 1, map[string]*string{"min.insync.replicas": ptr("2")}); code != codeNone {
		t.Fatalf("CreateTopics isr: %d", code)
	}
	changed := func(change func(b []byte)) []byte {
		b := makeBatch(testRecord{1, "v"}, testRecord{2, "w"})
		change(b)
		return resealed(b)
	}
	be := binary.BigEndian
	badCRC := func() []byte {
		b := makeBatch(recordsAt(1, 5)...)
		b[len(b)-1] ^= 0xff
		return b
	}
	cases := []struct {
		name    string
		topic   string
		records []byte
		want    int16
	}{
		{"base offset 5", "p", changed(func(b []byte) { be.PutUint64(b[batchOffsetOffset:], 5) }), codeInvalidRecord},
		{"count 3 for 2 offsets", "p", changed(func(b []byte) { be.PutUint32(b[batchRecordCountOffset:], 3) }), codeInvalidRecord},
		{"no records", "p", changed(func(b []byte) {
			be.PutUint32(b[batchRecordCountOffset:], 0)
			be.PutUint32(b[batchLastOffsetDeltaOffset:], 0xffffffff)
		}), codeInvalidRecord},
		{"a control batch", "p", changed(func(b []byte) { be.PutUint16(b[batchAttrOffset:], controlFlag) }), codeInvalidRecord},
		{"a producer id without a sequence", "p", changed(func(b []byte) { be.PutUint64(b[batchProducerIDOffset:], 7) }), codeInvalidRecord},
		{"too large, with a bad CRC", "small", badCRC(), codeMessageTooLarge},
		{"a bad CRC under min.insync.replicas 2", "isr", badCRC(), codeNotEnoughReplicas},
	}
	for _, tc := range cases {
		p := c.produceAt(9, -1, tc.topic, 0, tc.records)
		if p.ErrorCode != tc.want || p.BaseOffset != -1 {
			t.Errorf("%s: code %d base %d, want code %d", tc.name, p.ErrorCode, p.BaseOffset, tc.want)
		}
		if tc.want == codeInvalidRecord && (p.ErrorMessage != nil || len(p.RecordErrors) != 0) {
			t.Errorf("%s: message %q, record errors %v; want neither, as Kafka answers a batch-level InvalidRecordException", tc.name, *p.ErrorMessage, p.RecordErrors)
		}
	}
	if _, hw, _ := c.fetch("p", 0, 0, 0, 0); hw != 0 {
		t.Errorf("high watermark %d after refused batches, want 0", hw)
	}
}

// TestProduceFailureLogStartOffset: a produce that fails inside the log
// is answered with the partition's log start offset, which an idempotent
// producer compares with its last acknowledged offset; only a batch too
// large or corrupt is answered with -1 (ReplicaManager.appendToLocalLog).
func TestProduceFailureLogStartOffset(t *testing.T) {
	_, c := startWithTopic(t, "p", 1)
	c.mustProduce("p", 0, idempotentBatch(9, 0, 0, 3))
	if code, low := c.deleteRecords("p", 0, 2); code != codeNone || low != 2 {
		t.Fatalf("DeleteRecords: code %d low %d", code, low)
	}
	baseOffset5 := makeBatch(testRecord{1, "v"})
	binary.BigEndian.PutUint64(baseOffset5[batchOffsetOffset:], 5)
	corrupt := makeBatch(testRecord{1, "v"})
	corrupt[len(corrupt)-1] ^= 0xff
	bumpEpoch := func() []byte {
		if code, _ := c.produce("p", 0, idempotentBatch(9, 1, 0, 1)); code != codeNone {
			t.Fatalf("produce epoch 1: code %d", code)
		}
		return idempotentBatch(9, 0, 3, 1)
	}
	cases := []struct {
		name           string
		records        func() []byte
		code           int16
		logStartOffset int64
	}{
		{"a sequence gap", func() []byte { return idempotentBatch(9, 0, 7, 1) }, codeOutOfOrderSequenceNumber, 2},
		{"an old epoch", bumpEpoch, codeInvalidProducerEpoch, 2},
		{"base offset 5", func() []byte { return resealed(baseOffset5) }, codeInvalidRecord, 2},
		{"a bad CRC", func() []byte { return corrupt }, codeCorruptMessage, -1},
	}
	for _, tc := range cases {
		p := c.produceAt(9, -1, "p", 0, tc.records())
		if p.ErrorCode != tc.code || p.LogStartOffset != tc.logStartOffset {
			t.Errorf("%s: code %d log start offset %d, want %d and %d", tc.name, p.ErrorCode, p.LogStartOffset, tc.code, tc.logStartOffset)
		}
	}
}

// fetchPartitionAt fetches one partition with Fetch v12, naming
// currentLeaderEpoch, and returns its answer as decoded.
func (c *testClient) fetchPartitionAt(topic string, offset int64, currentLeaderEpoch int32) fetchPartitionResponse {
	c.t.Helper()
	return c.fetchPartitionAfter(topic, offset, currentLeaderEpoch, -1)
}

// fetchPartitionAfter is fetchPartitionAt naming lastFetchedEpoch too, as
// a follower does, and reads the DivergingEpoch tag of the answer.
func (c *testClient) fetchPartitionAfter(topic string, offset int64, currentLeaderEpoch, lastFetchedEpoch int32) fetchPartitionResponse {
	c.t.Helper()
	f := fetchOf(topic, 0, offset)
	f.currentLeaderEpoch, f.lastFetchedEpoch = currentLeaderEpoch, lastFetchedEpoch
	r := c.roundTrip(1, 12, true, f.body(12))
	_, p := readFetchPartition(r)
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return p
}

// TestFetchErrorsAsKafka: a fetch naming a leader epoch this broker has
// not reached is UNKNOWN_LEADER_EPOCH, while a negative one is no epoch
// at all (FetchRequest.optionalEpoch); and a partition whose read failed,
// as an offset out of range does, is answered with -1 for every offset
// (ReplicaManager.createLogReadResult).
func TestFetchErrorsAsKafka(t *testing.T) {
	_, c := startWithTopic(t, "p", 1)
	c.mustProduce("p", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}))
	unknown := func(p fetchPartitionResponse) bool {
		return p.HighWatermark == -1 && p.LastStableOffset == -1 && p.LogStartOffset == -1 && len(p.Records) == 0
	}
	if p := c.fetchPartitionAt("p", 0, 1); p.ErrorCode != codeUnknownLeaderEpoch || !unknown(p) {
		t.Errorf("leader epoch 1: %+v, want UNKNOWN_LEADER_EPOCH and no offsets", p)
	}
	for _, epoch := range []int32{0, -1, -7} {
		if p := c.fetchPartitionAt("p", 0, epoch); p.ErrorCode != codeNone || p.HighWatermark != 2 || len(p.Records) == 0 {
			t.Errorf("leader epoch %d: code %d hw %d, %d bytes; want the records", epoch, p.ErrorCode, p.HighWatermark, len(p.Records))
		}
	}
	for _, offset := range []int64{3, -1} {
		if p := c.fetchPartitionAt("p", offset, 0); p.ErrorCode != codeOffsetOutOfRange || !unknown(p) {
			t.Errorf("offset %d: %+v, want OFFSET_OUT_OF_RANGE and no offsets", offset, p)
		}
	}
}

// listOffsetsAt asks ListOffsets at version v (4 to 10) for the offsets
// of partition 0 of topic at each timestamp, naming currentLeaderEpoch,
// and returns the answers in order.
func (c *testClient) listOffsetsAt(v int16, topic string, currentLeaderEpoch int32, timestamps ...int64) []listOffsetsPartitionResponse {
	c.t.Helper()
	flexible := v >= 6
	r := c.roundTrip(2, v, flexible, func(w *writer) {
		w.Int32(-1) // ReplicaId
		w.Int8(readUncommitted)
		w.ArrayLen(1)
		w.String(topic)
		w.ArrayLen(len(timestamps))
		for _, ts := range timestamps {
			w.Int32(0)
			w.Int32(currentLeaderEpoch)
			w.Int64(ts)
			w.Tags()
		}
		w.Tags()
		if v >= 10 {
			w.Int32(1000) // TimeoutMs
		}
		w.Tags()
	})
	r.Int32() // ThrottleTimeMs
	r.ArrayLen()
	_ = r.String()
	ps := readArray(r, func(r *reader) (p listOffsetsPartitionResponse) {
		p = listOffsetsPartitionResponse{PartitionIndex: r.Int32(), ErrorCode: r.Int16(), Timestamp: r.Int64(), Offset: r.Int64(), LeaderEpoch: r.Int32()}
		r.SkipTags()
		return p
	})
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return ps
}

// TestListOffsetsErrorsAsKafka: ReplicaManager.fetchOffset's checks. A
// special timestamp the version does not have is UNSUPPORTED_VERSION, a
// partition named twice INVALID_REQUEST, and a leader epoch other than
// this broker's (0) or -1 FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH.
func TestListOffsetsErrorsAsKafka(t *testing.T) {
	_, c := startWithTopic(t, "p", 1)
	c.mustProduce("p", 0, makeBatch(testRecord{100, "a"}, testRecord{200, "b"}))
	cases := []struct {
		v     int16
		epoch int32
		ts    int64
		code  int16
	}{
		{6, -1, maxTimestamp, codeUnsupportedVersion},
		{7, -1, maxTimestamp, codeNone},
		{7, -1, earliestLocalOffset, codeUnsupportedVersion},
		{8, -1, latestTieredOffset, codeUnsupportedVersion},
		{9, -1, latestTieredOffset, codeNone},
		{10, -1, -6, codeUnsupportedVersion},
		{10, -1, 150, codeNone},
		{10, 0, latestTimestamp, codeNone},
		{10, 1, latestTimestamp, codeUnknownLeaderEpoch},
		{10, -2, latestTimestamp, codeFencedLeaderEpoch},
	}
	for _, tc := range cases {
		ps := c.listOffsetsAt(tc.v, "p", tc.epoch, tc.ts)
		if len(ps) != 1 || ps[0].ErrorCode != tc.code || (tc.code != codeNone && (ps[0].Offset != -1 || ps[0].Timestamp != -1)) {
			t.Errorf("v%d epoch %d timestamp %d: %+v, want code %d", tc.v, tc.epoch, tc.ts, ps, tc.code)
		}
	}
	ps := c.listOffsetsAt(9, "p", -1, latestTimestamp, latestTimestamp)
	if len(ps) != 2 || ps[0].ErrorCode != codeInvalidRequest || ps[1].ErrorCode != codeInvalidRequest {
		t.Errorf("partition 0 named twice: %+v, want INVALID_REQUEST", ps)
	}
}

// TestDeleteRecordsAsKafka: DeleteRecords refuses a topic whose
// cleanup.policy lacks delete (Partition.deleteRecordsOnLeader) and the
// internal __consumer_offsets (ReplicaManager.deleteRecordsOnLocalLog);
// elsewhere -1 means the high watermark, and an offset past it or below
// -1 is OFFSET_OUT_OF_RANGE.
func TestDeleteRecordsAsKafka(t *testing.T) {
	_, c := startWithTopic(t, "p", 1)
	if code, _ := c.createTopicWithConfigs("table", 1, map[string]*string{"cleanup.policy": ptr("compact")}); code != codeNone {
		t.Fatalf("CreateTopics table: %d", code)
	}
	if code, _ := c.createTopicWithConfigs("both", 1, map[string]*string{"cleanup.policy": ptr("compact,delete")}); code != codeNone {
		t.Fatalf("CreateTopics both: %d", code)
	}
	for _, topic := range []string{"p", "table", "both"} {
		if code, _ := c.produce(topic, 0, keyedBatch(plain, put("k", "v", 1000))); code != codeNone {
			t.Fatalf("produce %s: %d", topic, code)
		}
	}
	c.commitOffset("g", "p", 0, 1) // makes __consumer_offsets
	cases := []struct {
		topic  string
		offset int64
		code   int16
		low    int64
	}{
		{"table", -1, codePolicyViolation, -1},
		{offsetsTopic, -1, codeInvalidTopicException, -1},
		{"p", 2, codeOffsetOutOfRange, -1},
		{"p", -2, codeOffsetOutOfRange, -1},
		{"p", -1, codeNone, 1},
		{"both", 1, codeNone, 1},
	}
	for _, tc := range cases {
		if code, low := c.deleteRecords(tc.topic, 0, tc.offset); code != tc.code || low != tc.low {
			t.Errorf("%s to %d: code %d low %d, want %d and %d", tc.topic, tc.offset, code, low, tc.code, tc.low)
		}
	}
}

// TestProduceNullKeysRecordErrors: every keyless record of a batch for a
// compacted topic is named in RecordErrors with LogValidator.validateKey's
// message, and ErrorMessage is processRecordErrors' summary.
func TestProduceNullKeysRecordErrors(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("table", 1, map[string]*string{"cleanup.policy": ptr("compact")}); code != codeNone {
		t.Fatalf("CreateTopics: %d", code)
	}
	p := c.produceAt(9, -1, "table", 0, keyedBatch(plain, put("k", "v", 1000), kv{nil, []byte("v"), 1000}, kv{nil, []byte("w"), 1000}))
	msg := "Compacted topic cannot accept message without key in topic partition table-0"
	want := []batchIndexAndErrorMessage{{1, &msg}, {2, &msg}}
	summary := "One or more records have been rejected due to 2 record errors in total, and only showing the first three errors at most: " +
		"[RecordError(batchIndex=1, message='" + msg + "'), RecordError(batchIndex=2, message='" + msg + "')]"
	if p.ErrorCode != codeInvalidRecord || !slices.EqualFunc(p.RecordErrors, want, func(a, b batchIndexAndErrorMessage) bool {
		return a.BatchIndex == b.BatchIndex && a.BatchIndexErrorMessage != nil && *a.BatchIndexErrorMessage == *b.BatchIndexErrorMessage
	}) || p.ErrorMessage == nil || *p.ErrorMessage != summary {
		t.Errorf("two keyless records: code %d, record errors %v, message %v; want INVALID_RECORD naming records 1 and 2 and %q", p.ErrorCode, p.RecordErrors, p.ErrorMessage, summary)
	}
}

// TestProduceTransactionalWithoutID: transactional records in a request
// without a transactional id fail every partition of it with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED, with no authorizer too, as
// KafkaApis.handleProduceRequest refuses them.
func TestProduceTransactionalWithoutID(t *testing.T) {
	_, c := startWithTopic(t, "p", 1)
	txn := idempotentBatch(5, 0, 0, 1)
	binary.BigEndian.PutUint16(txn[batchAttrOffset:], transactionalFlag)
	if p := c.produceAt(9, -1, "p", 0, resealed(txn)); p.ErrorCode != codeTransactionalIDAuthorizationFailed || p.BaseOffset != -1 {
		t.Errorf("transactional batch, null transactional id: code %d base %d, want TRANSACTIONAL_ID_AUTHORIZATION_FAILED", p.ErrorCode, p.BaseOffset)
	}
	if p := c.produceAt(9, -1, "nope", 0, txn); p.ErrorCode != codeTransactionalIDAuthorizationFailed {
		t.Errorf("to an unknown topic: code %d, want the request refused as a whole first", p.ErrorCode)
	}
}

// TestFetchByTopicIDMissingPartition: from v13, a topic id no topic has
// is UNKNOWN_TOPIC_ID, but a partition missing from a topic that is there
// is UNKNOWN_TOPIC_OR_PARTITION (KafkaApis.handleFetchRequest).
func TestFetchByTopicIDMissingPartition(t *testing.T) {
	tb, c := startWithTopic(t, "p", 1)
	fetch := func(id uuid, partition int32) int16 {
		f := fetchOf("", partition, 0)
		f.topicID = id
		r := c.roundTrip(1, 13, true, f.body(13))
		r.Int32()
		r.Int16()
		r.Int32()
		r.ArrayLen()
		r.UUID()
		r.ArrayLen()
		r.Int32()
		code := r.Int16()
		if r.err != nil {
			t.Fatal(r.err)
		}
		return code
	}
	id := tb.logs.Topic("p").ID
	if code := fetch(id, 0); code != codeNone {
		t.Errorf("partition 0: code %d", code)
	}
	if code := fetch(id, 3); code != codeUnknownTopicOrPartition {
		t.Errorf("partition 3 of a known topic id: code %d, want UNKNOWN_TOPIC_OR_PARTITION", code)
	}
	if code := fetch(uuid{1, 2, 3}, 0); code != codeUnknownTopicID {
		t.Errorf("an unknown topic id: code %d, want UNKNOWN_TOPIC_ID", code)
	}
}

// TestProduceDuplicateAppendTime: a retried idempotent batch is answered
// with the first append's offset and, as LogAppendTimeMs, the stored
// batch's max timestamp, as UnifiedLog.append answers a duplicate, also
// after a restart.
func TestProduceDuplicateAppendTime(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "p", 1)
	c.mustProduce("p", 0, makeBatch(testRecord{1, "first"}))
	batch := idempotentBatch(3, 0, 0, 3)
	maxTS := int64(binary.BigEndian.Uint64(batch[batchMaxTimestampOffset:]))
	if p := c.produceAt(9, -1, "p", 0, batch); p.ErrorCode != codeNone || p.BaseOffset != 1 || p.LogAppendTimeMs != -1 {
		t.Fatalf("first send: %+v, want offset 1 and no append time", p)
	}
	if p := c.produceAt(9, -1, "p", 0, batch); p.ErrorCode != codeNone || p.BaseOffset != 1 || p.LogAppendTimeMs != maxTS {
		t.Errorf("retry: code %d offset %d append time %d, want NONE, 1 and %d", p.ErrorCode, p.BaseOffset, p.LogAppendTimeMs, maxTS)
	}
	tb.stop()
	c = dial(t, startBroker(t, dir).addr)
	if p := c.produceAt(9, -1, "p", 0, batch); p.ErrorCode != codeNone || p.BaseOffset != 1 || p.LogAppendTimeMs != maxTS {
		t.Errorf("retry after a restart: code %d offset %d append time %d, want NONE, 1 and %d", p.ErrorCode, p.BaseOffset, p.LogAppendTimeMs, maxTS)
	}
}

// TestFetchStorageErrorBeforeV6: an offline partition is
// KAFKA_STORAGE_ERROR from Fetch v6 on and NOT_LEADER_OR_FOLLOWER before,
// as KafkaApis.handleFetchRequest's maybeDownConvertStorageError answers.
func TestFetchStorageErrorBeforeV6(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicUsing(t, Config{DataDir: dir, SegmentBytes: 4 << 10}, "p", 1)
	for range 20 {
		c.mustProduce("p", 0, bigBatch(1))
	}
	tb.stop()
	// A segment that cannot be opened keeps the partition offline
	// (TestOfflinePartition).
	corruptFirstSegment(t, dir, "p-0")
	c = dial(t, startBrokerWith(t, Config{DataDir: dir, SegmentBytes: 4 << 10}).addr)
	fetch := func(v int16) int16 {
		r := c.roundTrip(1, v, false, func(w *writer) {
			w.Int32(-1) // ReplicaId
			w.Int32(0)  // MaxWaitMs
			w.Int32(0)  // MinBytes
			w.Int32(1 << 20)
			w.Int8(readUncommitted)
			if v >= 7 {
				w.Int32(0)  // SessionId
				w.Int32(-1) // SessionEpoch
			}
			w.ArrayLen(1)
			w.String("p")
			w.ArrayLen(1)
			w.Int32(0)
			if v >= 9 {
				w.Int32(-1) // CurrentLeaderEpoch
			}
			w.Int64(0)
			if v >= 5 {
				w.Int64(-1) // LogStartOffset
			}
			w.Int32(1 << 20)
			if v >= 7 {
				w.ArrayLen(0) // ForgottenTopicsData
			}
			if v >= 11 {
				w.String("") // RackId
			}
		})
		r.Int32() // ThrottleTimeMs
		if v >= 7 {
			r.Int16()
			r.Int32()
		}
		r.ArrayLen()
		_ = r.String()
		r.ArrayLen()
		r.Int32()
		code := r.Int16()
		if r.err != nil {
			t.Fatal(r.err)
		}
		return code
	}
	for _, tc := range []struct{ v, code int16 }{{4, codeNotLeaderOrFollower}, {5, codeNotLeaderOrFollower}, {6, codeKafkaStorageError}, {11, codeKafkaStorageError}} {
		if code := fetch(tc.v); code != tc.code {
			t.Errorf("Fetch v%d of an offline partition: code %d, want %d", tc.v, code, tc.code)
		}
	}
}

// TestListOffsetsInsideCompressedBatches: a lookup by timestamp and the
// max-timestamp lookup (-3) name the exact record inside a compressed
// batch, as Kafka's LogSegment.findOffsetByTimestamp and
// RecordBatch.offsetOfMaxTimestamp walk its records, not the batch's
// first or last offset.
func TestListOffsetsInsideCompressedBatches(t *testing.T) {
	_, c := startWithTopic(t, "p", 1)
	c.mustProduce("p", 0, gzipBatch(t, testRecord{100, "a"}, testRecord{300, "b"}, testRecord{300, "c"}, testRecord{200, "d"}))
	cases := []struct {
		ts, offset, timestamp int64
	}{
		{maxTimestamp, 1, 300},
		{150, 1, 300},
		{100, 0, 100},
		{301, -1, -1},
	}
	for _, tc := range cases {
		ps := c.listOffsetsAt(9, "p", -1, tc.ts)
		if len(ps) != 1 || ps[0].ErrorCode != codeNone || ps[0].Offset != tc.offset || ps[0].Timestamp != tc.timestamp {
			t.Errorf("timestamp %d: %+v, want offset %d and timestamp %d", tc.ts, ps, tc.offset, tc.timestamp)
		}
	}
	// Records of one millisecond, as a fast producer writes them: the
	// first of them has the largest timestamp.
	c.createTopic("same", 1)
	c.mustProduce("same", 0, gzipBatch(t, testRecord{500, "a"}, testRecord{500, "b"}, testRecord{500, "c"}))
	if ps := c.listOffsetsAt(9, "same", -1, maxTimestamp); len(ps) != 1 || ps[0].Offset != 0 || ps[0].Timestamp != 500 {
		t.Errorf("max timestamp of three records of one millisecond: %+v, want offset 0", ps)
	}
}

// TestTransactionalProduceNewerEpoch: a transactional batch of an epoch
// newer than the coordinator's is INVALID_PRODUCER_EPOCH, as an older one
// is: the coordinator's verification answers PRODUCER_FENCED to any epoch
// not its own, which the leader turns into INVALID_PRODUCER_EPOCH
// (AddPartitionsToTxnManager).
func TestTransactionalProduceNewerEpoch(t *testing.T) {
	_, c := startWithTopic(t, "p", 1)
	code, pid, epoch := c.initTxn("app", 60000)
	if code != codeNone {
		t.Fatalf("InitProducerId: %d", code)
	}
	if code := c.addPartition("app", pid, epoch, "p", 0); code != codeNone {
		t.Fatalf("AddPartitionsToTxn: %d", code)
	}
	if code, _ := c.produce("p", 0, txnBatch(pid, epoch+1, 0, 1)); code != codeInvalidProducerEpoch {
		t.Errorf("epoch %d, the coordinator's %d: code %d, want INVALID_PRODUCER_EPOCH", epoch+1, epoch, code)
	}
	if code, _ := c.produce("p", 0, txnBatch(pid, epoch, 0, 1)); code != codeNone {
		t.Errorf("the coordinator's epoch: code %d", code)
	}
}

// TestProduceLogAppendTimeBatchRecordErrors: a producer's batch marked
// LogAppendTime, on a topic that stamps its own, names every record in
// RecordErrors with LogValidator.validateTimestamp's message.
func TestProduceLogAppendTimeBatchRecordErrors(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("lat", 1, map[string]*string{"message.timestamp.type": ptr("LogAppendTime")}); code != codeNone {
		t.Fatalf("CreateTopics: %d", code)
	}
	b := makeBatch(testRecord{1000, "ab"}, testRecord{1005, "cde"})
	binary.BigEndian.PutUint16(b[batchAttrOffset:], timestampTypeFlag)
	p := c.produceAt(9, -1, "lat", 0, resealed(b))
	want := []string{
		"Invalid timestamp type in message DefaultRecord(offset=0, timestamp=1005, key=0 bytes, value=2 bytes). Producer should not set timestamp type to LogAppendTime.",
		"Invalid timestamp type in message DefaultRecord(offset=1, timestamp=1005, key=0 bytes, value=3 bytes). Producer should not set timestamp type to LogAppendTime.",
	}
	var got []string
	for i, e := range p.RecordErrors {
		if e.BatchIndex == int32(i) && e.BatchIndexErrorMessage != nil {
			got = append(got, *e.BatchIndexErrorMessage)
		}
	}
	if p.ErrorCode != codeInvalidTimestamp || !slices.Equal(got, want) {
		t.Errorf("a producer's LogAppendTime batch: code %d, record errors %q; want INVALID_TIMESTAMP and %q", p.ErrorCode, got, want)
	}
}

// TestFetchLastFetchedEpoch: a fetch naming its LastFetchedEpoch is
// checked as Partition.readRecords checks it: an epoch this broker never
// had is OFFSET_OUT_OF_RANGE, an offset past the end of the named epoch
// gets DivergingEpoch and no records, and a consistent one reads on.
func TestFetchLastFetchedEpoch(t *testing.T) {
	_, c := startWithTopic(t, "p", 1)
	c.mustProduce("p", 0, makeBatch(testRecord{1, "a"}, testRecord{2, "b"}))
	if p := c.fetchPartitionAfter("p", 1, -1, 0); p.ErrorCode != codeNone || p.DivergingEpoch != (epochEndOffset{-1, -1}) || len(p.Records) == 0 {
		t.Errorf("epoch 0 at offset 1: %+v, want the records", p)
	}
	if p := c.fetchPartitionAfter("p", 1, -1, 3); p.ErrorCode != codeOffsetOutOfRange || p.HighWatermark != -1 {
		t.Errorf("epoch 3, never this broker's: code %d hw %d, want OFFSET_OUT_OF_RANGE and no offsets", p.ErrorCode, p.HighWatermark)
	}
	if p := c.fetchPartitionAfter("p", 5, -1, 0); p.ErrorCode != codeNone || p.DivergingEpoch != (epochEndOffset{0, 2}) || len(p.Records) != 0 || p.HighWatermark != 2 {
		t.Errorf("epoch 0 at offset 5: %+v, want DivergingEpoch {0 2}, the offsets and no records", p)
	}
}

// TestFetchPartitionMaxBytesAfterFirst: only the first batch of a fetch
// response may exceed its partition's PartitionMaxBytes (KIP-74): a later
// partition whose first batch is larger than its limit gets no records,
// as ReplicaManager.readFromLog reads it without minOneMessage.
func TestFetchPartitionMaxBytesAfterFirst(t *testing.T) {
	_, c := startWithTopic(t, "p", 2)
	small, big := makeBatch(testRecord{1, "a"}), makeBatch(recordsAt(1, 20)...)
	for i, b := range [][]byte{small, big} {
		if code, _ := c.produce("p", int32(i), b); code != codeNone {
			t.Fatalf("produce %d: %d", i, code)
		}
	}
	limit := int32(len(small) + 10) // above the small batch, below the big one
	r := c.roundTrip(1, 12, true, func(w *writer) {
		w.Int32(-1) // ReplicaId
		w.Int32(0)  // MaxWaitMs
		w.Int32(0)  // MinBytes
		w.Int32(1 << 20)
		w.Int8(readUncommitted)
		w.Int32(0)  // SessionId
		w.Int32(-1) // SessionEpoch
		w.ArrayLen(1)
		w.String("p")
		w.ArrayLen(2)
		for i := range int32(2) {
			w.Int32(i)
			w.Int32(-1) // CurrentLeaderEpoch
			w.Int64(0)
			w.Int32(-1) // LastFetchedEpoch
			w.Int64(-1) // LogStartOffset
			w.Int32(limit)
			w.Tags()
		}
		w.Tags()
		w.ArrayLen(0) // ForgottenTopicsData
		w.String("")  // RackId
		w.Tags()
	})
	r.Int32()
	r.Int16()
	r.Int32()
	r.ArrayLen()
	_ = r.String()
	sizes := readArray(r, func(r *reader) int {
		r.Int32()
		r.Int16()
		r.Int64()
		r.Int64()
		r.Int64()
		r.ArrayLen()
		r.Int32()
		n := len(r.Bytes())
		r.SkipTags()
		return n
	})
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(sizes) != 2 || sizes[0] != len(small) || sizes[1] != 0 {
		t.Errorf("record bytes per partition %v, want [%d 0]: the big batch is over its partition's limit of %d", sizes, len(small), limit)
	}
}

// TestProduceMalformedRecordsAsKafka: an uncompressed batch whose CRC
// holds but whose records do not parse, or do not fill it, is
// INVALID_RECORD, as Kafka's validator finds iterating its records, and
// is not stored for consumers to choke on.
func TestProduceMalformedRecordsAsKafka(t *testing.T) {
	_, c := startWithTopic(t, "p", 1)
	be := binary.BigEndian
	missing := makeBatch(testRecord{1, "v"})
	be.PutUint32(missing[batchRecordCountOffset:], 2)
	be.PutUint32(missing[batchLastOffsetDeltaOffset:], 1)
	trailing := append(makeBatch(testRecord{1, "v"}), 0)
	be.PutUint32(trailing[batchLengthOffset:], uint32(len(trailing)-batchLogOverhead))
	badValue := makeBatch(testRecord{1, "v"})
	badValue[len(badValue)-3] = 0x7e // the value's length, now past the record's end
	cases := []struct {
		name  string
		batch []byte
	}{
		{"a record short", missing},
		{"a byte after the records", trailing},
		{"a value longer than its record", badValue},
	}
	for _, tc := range cases {
		if p := c.produceAt(9, -1, "p", 0, resealed(tc.batch)); p.ErrorCode != codeInvalidRecord || p.BaseOffset != -1 {
			t.Errorf("%s: code %d base %d, want INVALID_RECORD", tc.name, p.ErrorCode, p.BaseOffset)
		}
	}
	if p := c.produceAt(9, -1, "p", 0, makeBatch(testRecord{1, "v"}, testRecord{2, "w"})); p.ErrorCode != codeNone || p.BaseOffset != 0 {
		t.Errorf("a well-formed batch: code %d base %d", p.ErrorCode, p.BaseOffset)
	}
}

// produceRaw sends Produce v9 with acks -1 and the topics as given, each
// a name and its partitions' records fields in request order, and returns
// the answer as partitions under "topic-partition" keys, in answer order,
// with how many times each topic was answered.
func (c *testClient) produceRaw(topics []produceTopic) (answers []string, parts map[string]producePartitionResponse, topicEntries map[string]int) {
	c.t.Helper()
	r := c.roundTrip(0, 9, true, func(w *writer) {
		w.NullableString(nil)
		w.Int16(-1)
		w.Int32(1000)
		w.ArrayLen(len(topics))
		for _, t := range topics {
			w.String(t.Name)
			w.ArrayLen(len(t.PartitionData))
			for _, p := range t.PartitionData {
				w.Int32(p.Index)
				w.Bytes(p.Records)
				w.Tags()
			}
			w.Tags()
		}
		w.Tags()
	})
	parts, topicEntries = map[string]producePartitionResponse{}, map[string]int{}
	for range r.ArrayLen() {
		name := r.String()
		topicEntries[name]++
		for range r.ArrayLen() {
			p := producePartitionResponse{Index: r.Int32(), ErrorCode: r.Int16(), BaseOffset: r.Int64(), LogAppendTimeMs: r.Int64(), LogStartOffset: r.Int64()}
			readArray(r, func(r *reader) int32 { i := r.Int32(); r.NullableString(); r.SkipTags(); return i })
			p.ErrorMessage = r.NullableString()
			r.SkipTags()
			key := fmt.Sprintf("%s-%d", name, p.Index)
			answers = append(answers, key)
			parts[key] = p
		}
		r.SkipTags()
	}
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return answers, parts, topicEntries
}

// TestProducePartitionNamedTwice: a partition named twice in one Produce
// request is appended once, with the records of its last mention, and
// answered once, under one entry for its topic, as
// KafkaApis.handleProduceRequest does by keying what it appends and what
// it answers by topic partition. Where one mention's records field is
// malformed and another's is not, Kafka appends the good one and answers
// the refusal, since its refusals are merged over the append results.
func TestProducePartitionNamedTwice(t *testing.T) {
	_, c := startWithTopic(t, "p", 2)
	first, second := makeBatch(testRecord{1, "first"}), makeBatch(testRecord{2, "second"})
	answers, parts, entries := c.produceRaw([]produceTopic{
		{Name: "p", PartitionData: []producePartition{{Index: 0, Records: first}, {Index: 1, Records: first}}},
		{Name: "p", PartitionData: []producePartition{{Index: 0, Records: second}}},
	})
	if len(answers) != 2 || entries["p"] != 1 || parts["p-0"].ErrorCode != codeNone || parts["p-0"].BaseOffset != 0 || parts["p-1"].ErrorCode != codeNone {
		t.Errorf("answers %v, %d entries for p, p-0 %+v, p-1 %+v; want p-0 and p-1 once each, under one entry, both stored at 0", answers, entries["p"], parts["p-0"], parts["p-1"])
	}
	if code, hw, records := c.fetch("p", 0, 0, 0, 0); code != codeNone || hw != 1 || !sameBatches(records, second) {
		t.Errorf("p-0 after the produce: code %d hw %d, %d bytes; want only the second mention's batch", code, hw, len(records))
	}

	if answers, _, _ := c.produceRaw([]produceTopic{{Name: "nope", PartitionData: []producePartition{{Index: 0, Records: first}, {Index: 0, Records: second}}}}); len(answers) != 1 {
		t.Errorf("an unknown partition named twice answered as %v, want once", answers)
	}

	malformed := makeBatch(testRecord{3, "bad"})
	malformed[batchMagicOffset] = 1
	_, parts, _ = c.produceRaw([]produceTopic{{Name: "p", PartitionData: []producePartition{{Index: 0, Records: first}, {Index: 0, Records: malformed}}}})
	if p := parts["p-0"]; p.ErrorCode != codeInvalidRecord || p.BaseOffset != -1 {
		t.Errorf("a good mention then a malformed one: %+v, want INVALID_RECORD", p)
	}
	if _, hw, _ := c.fetch("p", 0, 0, 0, 0); hw != 2 {
		t.Errorf("high watermark %d after a good mention then a malformed one, want 2: Kafka appends the good one", hw)
	}
}

// TestProduceBatchOverSegmentBytes: a batch larger than the topic's
// segment.bytes is RECORD_LIST_TOO_LARGE, answered with -1 offsets, and
// nothing is stored, as UnifiedLog.append refuses a batch no segment can
// hold; one that fits is stored. The check is on the batch as stored, so
// it comes before a retry is found a duplicate.
func TestProduceBatchOverSegmentBytes(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("s", 1, map[string]*string{"segment.bytes": ptr("200")}); code != codeNone {
		t.Fatalf("create: %d", code)
	}
	small, big := makeBatch(testRecord{1, "v"}), bigBatch(1)
	if len(small) > 200 || len(big) <= 200 {
		t.Fatalf("batches of %d and %d bytes do not straddle 200", len(small), len(big))
	}
	if p := c.produceAt(9, -1, "s", 0, big); p.ErrorCode != codeRecordListTooLarge || p.BaseOffset != -1 || p.LogStartOffset != -1 {
		t.Errorf("a %d-byte batch: %+v, want RECORD_LIST_TOO_LARGE, base -1 and log start -1", len(big), p)
	}
	if p := c.produceAt(9, -1, "s", 0, small); p.ErrorCode != codeNone || p.BaseOffset != 0 {
		t.Errorf("a %d-byte batch: %+v, want it stored at 0", len(small), p)
	}
	if _, hw, _ := c.fetch("s", 0, 0, 0, 0); hw != 1 {
		t.Errorf("high watermark %d, want 1: only the batch that fits", hw)
	}
}

// TestFetchWithNothingToReadAnswersAtOnce: a fetch with no partition to
// read, none named and none in its session, is answered at once whatever
// its MaxWaitMs, as KafkaApis.handleFetchRequest answers when nothing is
// "interesting" (and ReplicaManager.fetchMessages when fetchInfos is
// empty): sessionless, a full fetch of nothing, an incremental fetch of
// an empty session, and one that forgets the session's last partition.
func TestFetchWithNothingToReadAnswersAtOnce(t *testing.T) {
	tb, c := startWithTopic(t, "p", 1)
	const wait = 4 * time.Second
	quick := func(name string, fetch func() sessionAnswer) sessionAnswer {
		t.Helper()
		start := time.Now()
		a := fetch()
		if took := time.Since(start); took > wait/2 {
			t.Errorf("%s: answered after %v; want at once", name, took)
		}
		return a
	}
	quick("sessionless", func() sessionAnswer { return c.sessionFetchWaiting(tb, 12, 0, -1, nil, nil, wait) })
	empty := quick("full fetch of nothing", func() sessionAnswer { return c.sessionFetchWaiting(tb, 12, 0, 0, nil, nil, wait) })
	if empty.session != invalidSessionID {
		quick("empty session", func() sessionAnswer { return c.sessionFetchWaiting(tb, 12, empty.session, 1, nil, nil, wait) })
	}
	opened := c.sessionFetch(tb, 12, 0, 0, []sessionPart{{"p", 0, 0}}, nil)
	if opened.session == invalidSessionID {
		t.Fatal("no session opened")
	}
	quick("last partition forgotten", func() sessionAnswer {
		return c.sessionFetchWaiting(tb, 12, opened.session, 1, nil, []sessionPart{{"p", 0, 0}}, wait)
	})
}

// TestFetchWaitsBesideUnknownPartitions: a partition of an unknown topic
// (by name or by id) or an unknown partition of a known topic is answered
// with its error, but does not hurry the fetch: KafkaApis.handleFetchRequest
// sets it aside as "erroneous" and waits for MinBytes or MaxWaitMs on the
// partitions that exist. Here the fetch waits, and a produce made during
// the wait reaches it.
func TestFetchWaitsBesideUnknownPartitions(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	consumer, producer := dial(t, tb.addr), dial(t, tb.addr)
	producer.createTopic("p", 1)
	next := int64(0)
	for _, tc := range []struct {
		v       int16
		unknown sessionPart
		key     string
		code    int16
	}{
		{12, sessionPart{"nosuch", 0, 0}, "nosuch/0", codeUnknownTopicOrPartition},
		{12, sessionPart{"p", 3, 0}, "p/3", codeUnknownTopicOrPartition},
		{13, sessionPart{"nosuch", 0, 0}, "/0", codeUnknownTopicID},
		{13, sessionPart{"p", 3, 0}, "p/3", codeUnknownTopicOrPartition},
	} {
		produced := make(chan int16, 1)
		go func() {
			time.Sleep(200 * time.Millisecond)
			code, _ := producer.produce("p", 0, makeBatch(testRecord{1, "wake"}))
			produced <- code
		}()
		a := consumer.sessionFetchWaiting(tb, tc.v, 0, -1, []sessionPart{{"p", 0, next}, tc.unknown}, nil, 5*time.Second)
		if code := <-produced; code != codeNone {
			t.Fatalf("produce: code %d", code)
		}
		next++
		if got := a.parts[tc.key]; got.code != tc.code {
			t.Errorf("v%d %s: code %d, want %d", tc.v, tc.key, got.code, tc.code)
		}
		if got := a.parts["p/0"]; got.code != codeNone || got.records == 0 {
			t.Errorf("v%d beside %s: p/0 answered %+v; want the records produced during the wait", tc.v, tc.key, got)
		}
	}
}

// TestInternalTopicsRefuseClientWrites: every topic Kafka's
// Topic.isInternal names, not only __consumer_offsets, refuses a client's
// Produce with INVALID_TOPIC_EXCEPTION (ReplicaManager.appendToLocalLog,
// internalTopicsAllowed false), unless the client id is "__admin_client",
// the one KafkaApis.handleProduceRequest lets write them. DeleteRecords
// refuses them whoever asks (deleteRecordsOnLocalLog), and
// AddPartitionsToTxn before v4 answers them TOPIC_AUTHORIZATION_FAILED
// (KafkaApis leaves internal topics out of what it authorizes). The
// transaction and share state topics are not topics here, so a client has
// to create one for the refusal to matter.
func TestInternalTopicsRefuseClientWrites(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	c.createTopic("__transaction_state", 1)
	c.createTopic("__share_group_state", 1)
	// Keyed, since __consumer_offsets is compacted and would refuse a
	// record without a key for that reason.
	batch := keyedBatch(plain, put("k", "v", 1))
	for _, name := range []string{offsetsTopic, "__transaction_state", "__share_group_state"} {
		if p := c.produceAt(9, 1, name, 0, batch); p.ErrorCode != codeInvalidTopicException {
			t.Errorf("Produce to %s: code %d, want INVALID_TOPIC_EXCEPTION", name, p.ErrorCode)
		}
		if code, _ := c.deleteRecords(name, 0, 0); code != codeInvalidTopicException {
			t.Errorf("DeleteRecords of %s: code %d, want INVALID_TOPIC_EXCEPTION", name, code)
		}
	}
	_, pid, epoch := c.initTxn("app", 60000)
	if codes := c.addPartitions("app", pid, epoch, "__transaction_state", 0); !slices.Equal(codes, []int16{codeTopicAuthorizationFailed}) {
		t.Errorf("AddPartitionsToTxn v3 of __transaction_state: %v, want TOPIC_AUTHORIZATION_FAILED", codes)
	}

	admin := dial(t, c.conn.RemoteAddr().String())
	admin.clientID = "__admin_client"
	for _, name := range []string{offsetsTopic, "__transaction_state"} {
		if p := admin.produceAt(9, 1, name, 0, batch); p.ErrorCode != codeNone {
			t.Errorf("Produce to %s as __admin_client: code %d, want NONE", name, p.ErrorCode)
		}
	}
}
