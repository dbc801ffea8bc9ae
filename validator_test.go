// Tests of the record validator (validator.go): LogAppendTime stamping,
// the timestamp bounds, and compression.type's rewrites, on their own and
// through Produce and Fetch.

package kafka

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"strings"
	"testing"
	"time"
)

// gzipBatch is makeBatch with its records gzipped, as a producer with
// compression.type=gzip sends them.
func gzipBatch(t *testing.T, recs ...testRecord) []byte {
	t.Helper()
	plain := makeBatch(recs...)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(plain[batchHeaderSize:])
	zw.Close()
	h, _ := parseBatchHeader(plain)
	return rawBatch(codecGzip, h.LastOffsetDelta, h.BaseTimestamp, h.MaxTimestamp, h.NumRecords, buf.Bytes())
}

// validate runs validateRecords on batches with policy p at time now.
func validate(t *testing.T, p recordPolicy, now int64, batches ...[]byte) ([]byte, []batchHeader, *recordRejection) {
	t.Helper()
	records := bytes.Join(batches, nil)
	hs, err := splitBatches(records)
	if err != nil {
		t.Fatalf("splitBatches: %v", err)
	}
	return validateRecords(p, records, hs, now)
}

func policyOf(t *testing.T, configs map[string]string) recordPolicy {
	t.Helper()
	names, values := []string{}, []*string{}
	for k, v := range configs {
		names, values = append(names, k), append(values, ptr(v))
	}
	c, err := newTopicConfig(names, values, codeInvalidConfig)
	if err != nil {
		t.Fatalf("configs %v: %v", configs, err)
	}
	return newRecordPolicy(c, defaultMaxFrameBytes)
}

// TestValidateDefaultsKeepBatches checks that Kafka's defaults leave the
// producer's bytes alone, compressed with a codec the broker lacks or not.
func TestValidateDefaultsKeepBatches(t *testing.T) {
	p := policyOf(t, nil)
	snappy := rawBatch(codecSnappy, 0, 5, 5, 1, []byte("not really snappy"))
	in := bytes.Join([][]byte{makeBatch(recordsAt(1000, 2)...), snappy}, nil)
	out, _, rej := validate(t, p, 99, in)
	if rej != nil || !bytes.Equal(out, in) {
		t.Fatalf("defaults changed the batches or refused them: %+v", rej)
	}
}

// TestValidateLogAppendTime checks DefaultRecordBatch.setMaxTimestamp's
// effect: the type bit, maxTimestamp the broker's time, baseTimestamp and
// records untouched, and a CRC that passes again.
func TestValidateLogAppendTime(t *testing.T) {
	p := policyOf(t, map[string]string{"message.timestamp.type": "LogAppendTime"})
	in := makeBatch(recordsAt(1000, 3)...)
	orig := bytes.Clone(in)
	const now = 1_700_000_000_123
	out, hs, rej := validate(t, p, now, in)
	if rej != nil {
		t.Fatalf("refused: %+v", rej)
	}
	h := hs[0]
	if h.Attributes&timestampTypeFlag == 0 || h.MaxTimestamp != now || h.BaseTimestamp != 1000 {
		t.Errorf("header %+v: want the LogAppendTime bit, max %d, base 1000", h, now)
	}
	if err := checkBatch(out, h); err != nil {
		t.Errorf("CRC after stamping: %v", err)
	}
	if !bytes.Equal(out[batchHeaderSize:], orig[batchHeaderSize:]) {
		t.Error("records changed")
	}
	var seen []int64
	eachRecord(out, h, func(_, ts int64) bool { seen = append(seen, ts); return true })
	if len(seen) != 3 || seen[0] != now || seen[2] != now {
		t.Errorf("record timestamps %v, want all %d", seen, now)
	}

	// A producer may not stamp LogAppendTime itself where the broker does.
	producerStamped := rawBatch(timestampTypeFlag, 0, 5, 5, 1, orig[batchHeaderSize:])
	if _, _, rej := validate(t, p, now, producerStamped); rej == nil || rej.code != codeInvalidTimestamp {
		t.Errorf("producer's LogAppendTime batch: %+v, want INVALID_TIMESTAMP", rej)
	}
}

// TestValidateTimestampBounds checks KIP-937's checks as LogValidator
// makes them: each CreateTime record against [now-before, now+after],
// bounds included, every bad record named by its index.
func TestValidateTimestampBounds(t *testing.T) {
	p := policyOf(t, map[string]string{"message.timestamp.before.max.ms": "100", "message.timestamp.after.max.ms": "10"})
	const now = 10_000
	ok := makeBatch(testRecord{now - 100, "a"}, testRecord{now + 10, "b"}, testRecord{now, "c"})
	if _, _, rej := validate(t, p, now, ok); rej != nil {
		t.Fatalf("records on the bounds refused: %+v", rej)
	}
	bad := makeBatch(testRecord{now, "a"}, testRecord{now - 101, "b"}, testRecord{now, "c"}, testRecord{now + 11, "d"})
	_, _, rej := validate(t, p, now, bad)
	if rej == nil || rej.code != codeInvalidTimestamp {
		t.Fatalf("got %+v, want INVALID_TIMESTAMP", rej)
	}
	if len(rej.records) != 2 || rej.records[0].BatchIndex != 1 || rej.records[1].BatchIndex != 3 ||
		!strings.Contains(*rej.records[0].BatchIndexErrorMessage, "[9900, 10010]") {
		t.Errorf("record errors %+v, want records 1 and 3 with the range", rej.records)
	}
	// Inside a gzip batch the records are checked one by one too.
	if _, _, rej := validate(t, p, now, gzipBatch(t, testRecord{now, "a"}, testRecord{now + 500, "b"})); rej == nil || rej.records[0].BatchIndex != 1 {
		t.Errorf("gzip batch: %+v, want record 1 refused", rej)
	}
	// LogAppendTime topics ignore the producer's timestamps.
	lat := policyOf(t, map[string]string{"message.timestamp.type": "LogAppendTime", "message.timestamp.before.max.ms": "0"})
	if _, _, rej := validate(t, lat, now, bad); rej != nil {
		t.Errorf("LogAppendTime topic checked create times: %+v", rej)
	}
}

// TestValidateCompression checks compression.type's rewrites: the records
// are the same bytes after gunzip, the codec bits and length follow, and a
// codec id the broker lacks, or a batch its codec cannot read, is refused
// only when it must be rewritten.
func TestValidateCompression(t *testing.T) {
	plain := makeBatch(recordsAt(1000, 20)...)
	records := bytes.Clone(plain[batchHeaderSize:])

	out, hs, rej := validate(t, policyOf(t, map[string]string{"compression.type": "gzip", "compression.gzip.level": "9"}), 0, plain)
	if rej != nil || len(hs) != 1 || hs[0].Attributes&compressionCodecMask != codecGzip {
		t.Fatalf("to gzip: %+v, %+v", rej, hs)
	}
	zr, err := gzip.NewReader(bytes.NewReader(out[batchHeaderSize:]))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); !bytes.Equal(got, records) {
		t.Error("gzipped records differ from the producer's")
	}
	if hs[0].NumRecords != 20 || hs[0].MaxTimestamp != 1019 || hs[0].ProducerID != -1 {
		t.Errorf("header fields lost: %+v", hs[0])
	}

	out, hs, rej = validate(t, policyOf(t, map[string]string{"compression.type": "uncompressed"}), 0, gzipBatch(t, recordsAt(1000, 20)...), plain)
	if rej != nil || len(hs) != 2 || hs[0].Compressed() || !bytes.Equal(out[batchHeaderSize:hs[0].Size()], records) {
		t.Fatalf("to uncompressed: %+v, %+v", rej, hs)
	}

	// Codec id 5 is none of Kafka's five: it cannot be rewritten.
	unknown := rawBatch(5, 0, 5, 5, 1, []byte("opaque"))
	if _, _, rej := validate(t, policyOf(t, map[string]string{"compression.type": "gzip"}), 0, unknown); rej == nil || rej.code != codeUnsupportedCompressionType {
		t.Errorf("codec 5 to gzip: %+v, want UNSUPPORTED_COMPRESSION_TYPE", rej)
	}
	// A snappy or zstd batch that is not what it says cannot be converted
	// either: it is corrupt, as Kafka's decoder would find it.
	for codec, data := range map[int]string{codecSnappy: "not really snappy", codecZstd: "not really zstd"} {
		junk := rawBatch(int16(codec), 0, 5, 5, 1, []byte(data))
		if _, _, rej := validate(t, policyOf(t, map[string]string{"compression.type": "gzip"}), 0, junk); rej == nil || rej.code != codeCorruptMessage {
			t.Errorf("malformed %s to gzip: %+v, want CORRUPT_MESSAGE", codecName(codec), rej)
		}
	}
	// gzip into a gzip topic is kept as sent.
	g := gzipBatch(t, recordsAt(1000, 2)...)
	if out, _, rej := validate(t, policyOf(t, map[string]string{"compression.type": "gzip"}), 0, g); rej != nil || !bytes.Equal(out, g) {
		t.Errorf("gzip into gzip rewritten: %+v", rej)
	}
}

// TestValidateSnappyLZ4 checks the conversions codecs.go and zstd.go make
// possible: snappy, lz4 and zstd batches (raw snappy, as librdkafka and
// franz-go send it, and xerial) into gzip and uncompressed topics, and any
// batch into snappy, lz4 and zstd topics, written as Kafka writes them
// (zstd by zstd.go's encoder).
func TestValidateSnappyLZ4(t *testing.T) {
	plain := makeBatch(recordsAt(1000, 20)...)
	records := bytes.Clone(plain[batchHeaderSize:])
	h, _ := parseBatchHeader(plain)
	sent := map[string][]byte{
		"raw snappy": rawBatch(codecSnappy, h.LastOffsetDelta, h.BaseTimestamp, h.MaxTimestamp, h.NumRecords, encodeSnappyBlock(nil, records)),
		"xerial":     rawBatch(codecSnappy, h.LastOffsetDelta, h.BaseTimestamp, h.MaxTimestamp, h.NumRecords, encodeXerial(records)),
		"lz4":        rawBatch(codecLZ4, h.LastOffsetDelta, h.BaseTimestamp, h.MaxTimestamp, h.NumRecords, encodeLZ4(records)),
		"zstd":       rawBatch(codecZstd, h.LastOffsetDelta, h.BaseTimestamp, h.MaxTimestamp, h.NumRecords, encodeZstd(records)),
		"gzip":       gzipBatch(t, recordsAt(1000, 20)...),
		"plain":      plain,
	}
	for name, batch := range sent {
		for _, target := range []string{"uncompressed", "gzip", "snappy", "lz4", "zstd"} {
			out, hs, rej := validate(t, policyOf(t, map[string]string{"compression.type": target, "message.timestamp.before.max.ms": "100000"}), 1000, batch)
			if rej != nil || len(hs) != 1 {
				t.Errorf("%s to %s: %+v", name, target, rej)
				continue
			}
			codec := int(hs[0].Attributes & compressionCodecMask)
			if codecName(codec) != target && !(target == "uncompressed" && codec == codecNone) {
				t.Errorf("%s to %s: stored as %s", name, target, codecName(codec))
			}
			if err := checkBatch(out, hs[0]); err != nil {
				t.Errorf("%s to %s: %v", name, target, err)
			}
			got, err := decompress(codec, out[batchHeaderSize:hs[0].Size()], 1<<20)
			if err != nil || !bytes.Equal(got, records) {
				t.Errorf("%s to %s: records differ (%v)", name, target, err)
			}
			if target == "snappy" && !bytes.HasPrefix(out[batchHeaderSize:], xerialMagic) && name != "raw snappy" {
				t.Errorf("%s to snappy: not xerial-framed", name)
			}
		}
	}
	// The timestamp bounds see each record of a snappy batch, not only the
	// header's first and last, once the header cannot vouch for them: with
	// a lower bound, or a MaxTimestamp past the upper one. With only the
	// upper bound and a MaxTimestamp within it the batch is not opened
	// (headerSuffices), so this header, which understates record 1, passes.
	late := makeBatch(testRecord{timestamp: 1000}, testRecord{timestamp: 900_000}, testRecord{timestamp: 1002})
	lh, _ := parseBatchHeader(late)
	lb := rawBatch(codecSnappy, lh.LastOffsetDelta, lh.BaseTimestamp, 1002, lh.NumRecords, encodeXerial(late[batchHeaderSize:]))
	for _, tc := range []struct {
		configs map[string]string
		refused bool
	}{
		{map[string]string{"message.timestamp.after.max.ms": "1000", "message.timestamp.before.max.ms": "1000000"}, true},
		{map[string]string{"message.timestamp.after.max.ms": "1000"}, false},
	} {
		_, _, rej := validate(t, policyOf(t, tc.configs), 1000, lb)
		refused := rej != nil && rej.code == codeInvalidTimestamp && len(rej.records) == 1 && rej.records[0].BatchIndex == 1
		if refused != tc.refused || (!tc.refused && rej != nil) {
			t.Errorf("record 1 of a snappy batch far ahead, %v: %+v, want refused %v", tc.configs, rej, tc.refused)
		}
	}
	// An honest header past the upper bound opens the batch and names the
	// record.
	hb := rawBatch(codecSnappy, lh.LastOffsetDelta, lh.BaseTimestamp, 900_000, lh.NumRecords, encodeXerial(late[batchHeaderSize:]))
	if _, _, rej := validate(t, policyOf(t, map[string]string{"message.timestamp.after.max.ms": "1000"}), 1000, hb); rej == nil || len(rej.records) != 1 || rej.records[0].BatchIndex != 1 {
		t.Errorf("record 1 of a snappy batch far ahead, header honest: %+v, want INVALID_TIMESTAMP naming it", rej)
	}
}

// TestValidateGzipBomb checks that decompression stops at the cap: a
// small gzip batch claiming far more data is refused, not expanded.
func TestValidateGzipBomb(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(make([]byte, 4<<20))
	zw.Close()
	bomb := rawBatch(codecGzip, 0, 5, 5, 1, buf.Bytes())
	p := policyOf(t, map[string]string{"compression.type": "uncompressed"})
	p.maxDecoded = 1 << 20
	if _, _, rej := validate(t, p, 0, bomb); rej == nil || rej.code != codeCorruptMessage {
		t.Errorf("got %+v, want CORRUPT_MESSAGE", rej)
	}
}

// TestProduceLogAppendTime checks the wire: Produce v9 to a LogAppendTime
// topic answers the broker's time in LogAppendTimeMs, a CreateTime topic
// answers -1, and Fetch returns the stamped batch.
func TestProduceLogAppendTime(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("lat", 1, map[string]*string{"message.timestamp.type": ptr("LogAppendTime")}); code != codeNone {
		t.Fatalf("CreateTopics: %d", code)
	}
	c.createTopic("ct", 1)
	before := time.Now().UnixMilli()
	for _, tc := range []struct {
		topic string
		lat   bool
	}{{"lat", true}, {"ct", false}} {
		code, appendTime := c.produceAppendTime(tc.topic, makeBatch(recordsAt(1000, 2)...))
		if code != codeNone {
			t.Fatalf("%s: produce code %d", tc.topic, code)
		}
		if tc.lat != (appendTime >= before) || !tc.lat && appendTime != -1 {
			t.Errorf("%s: LogAppendTimeMs %d (sent at %d)", tc.topic, appendTime, before)
		}
		_, _, got := c.fetch(tc.topic, 0, 0, 0, 1)
		h, err := parseBatchHeader(got)
		if err != nil || checkBatch(got, h) != nil {
			t.Fatalf("%s: fetched batch: %v", tc.topic, err)
		}
		if stamped := h.Attributes&timestampTypeFlag != 0; stamped != tc.lat || tc.lat && h.MaxTimestamp != appendTime {
			t.Errorf("%s: fetched header %+v, want LogAppendTime %v at %d", tc.topic, h, tc.lat, appendTime)
		}
	}

	// INVALID_TIMESTAMP carries its record errors (v8+).
	c.incrementalAlterConfigs(resourceTopic, "ct", false, configOp{"message.timestamp.before.max.ms", opSet, ptr("60000")})
	code, _ := c.produceAppendTime("ct", makeBatch(recordsAt(1000, 1)...))
	if code != codeInvalidTimestamp {
		t.Errorf("old record: code %d, want INVALID_TIMESTAMP", code)
	}
}

// TestProduceSettlesMaxTimestamp checks that the broker, as Kafka's
// LogValidator, stores a CreateTime batch with the largest timestamp of
// its records as maxTimestamp, whatever the producer wrote there. sarama
// before v1.45.1 (kaf's v1.43.2) writes -1; a broker that kept it answered
// ListOffsets by timestamp with -1 for every such batch, so kaf's
// "group commit --offset <time>" found nothing.
func TestProduceSettlesMaxTimestamp(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.createTopic("sarama", 1)
	// withMaxTimestamp is batch with its maxTimestamp set to ts and the
	// CRC made good again, as the producer sent it.
	withMaxTimestamp := func(batch []byte, ts int64) []byte {
		binary.BigEndian.PutUint64(batch[batchMaxTimestampOffset:], uint64(ts))
		setBatchCRC(batch)
		return batch
	}
	c.mustProduce("sarama", 0, withMaxTimestamp(makeBatch(recordsAt(1000, 3)...), noTimestamp))                                        // offsets 0-2
	c.mustProduce("sarama", 0, withMaxTimestamp(gzipBatch(t, recordsAt(2000, 3)...), noTimestamp))                                     // 3-5
	c.mustProduce("sarama", 0, withMaxTimestamp(makeBatch(testRecord{3000, "a"}, testRecord{3005, "b"}, testRecord{3001, "c"}), 3000)) // 6-8

	for _, tc := range []struct{ ts, want int64 }{{1001, 1}, {1003, 3}, {2001, 4}, {3002, 7}, {3006, -1}} {
		if code, got := c.listOffset("sarama", 0, tc.ts); code != codeNone || got != tc.want {
			t.Errorf("ListOffsets at %d: code %d, offset %d; want %d", tc.ts, code, got, tc.want)
		}
	}
	for _, tc := range []struct{ offset, max int64 }{{0, 1002}, {3, 2002}, {6, 3005}} {
		_, _, got := c.fetch("sarama", 0, tc.offset, 0, 1)
		h, err := parseBatchHeader(got)
		if err != nil || checkBatch(got, h) != nil {
			t.Fatalf("batch at %d: %v", tc.offset, err)
		}
		if h.MaxTimestamp != tc.max {
			t.Errorf("batch at %d stored with maxTimestamp %d, want %d", tc.offset, h.MaxTimestamp, tc.max)
		}
	}
}

// produceAppendTime is produce, returning LogAppendTimeMs too.
func (c *testClient) produceAppendTime(topic string, records []byte) (int16, int64) {
	c.t.Helper()
	r := c.roundTrip(0, 9, true, produceBody(topic, 0, records))
	p := readProducePartition(r, 9)
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return p.ErrorCode, p.LogAppendTimeMs
}

// FuzzValidateRecords feeds the validator batches whose CRC passes but
// whose records, gzipped or not, may be anything, under every policy that
// opens batches: it must not panic, and what it accepts must still split
// into valid batches.
func FuzzValidateRecords(f *testing.F) {
	f.Add(int16(0), []byte{})
	f.Add(int16(codecGzip), []byte("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"))
	plain := makeBatch(recordsAt(1000, 3)...)
	f.Add(int16(0), plain[batchHeaderSize:])
	f.Add(int16(codecSnappy), encodeXerial(plain[batchHeaderSize:]))
	f.Add(int16(codecLZ4), encodeLZ4(plain[batchHeaderSize:]))
	f.Fuzz(func(t *testing.T, attrs int16, body []byte) {
		batch := rawBatch(attrs&^controlFlag, 2, 1000, 1002, 3, body)
		for _, configs := range []map[string]string{
			{"compression.type": "uncompressed", "message.timestamp.before.max.ms": "10"},
			{"compression.type": "gzip", "message.timestamp.type": "LogAppendTime"},
			{"compression.type": "snappy"},
			{"compression.type": "lz4", "message.timestamp.before.max.ms": "10"},
		} {
			p := policyOf(t, configs)
			p.maxDecoded = 1 << 16
			records := bytes.Clone(batch)
			hs, err := splitBatches(records)
			if err != nil {
				return
			}
			out, _, rej := validateRecords(p, records, hs, 5000)
			if rej == nil {
				if _, err := splitBatches(out); err != nil {
					t.Fatalf("accepted batches do not split: %v", err)
				}
			}
		}
	})
}
