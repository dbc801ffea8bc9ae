// Compressed batches, the idempotent producer at the wire level, and
// offsets by timestamp through librdkafka: the broker stores batches as the
// producer compressed them and serves them unchanged, answers a retried
// idempotent batch with its first offset, and finds offsets by time from
// batch headers.
package interop

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestFranzCompressionCodecs produces 2,000 records with each codec, reads
// them back through franz-go, and checks with a raw Fetch that the stored
// batches still carry that codec: the broker never recompresses.
func TestFranzCompressionCodecs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	for _, tc := range []struct {
		name  string
		codec kgo.CompressionCodec
		attr  int16 // attributes bits 0-2 (RECORDS.md)
	}{
		{"gzip", kgo.GzipCompression(), 1},
		{"snappy", kgo.SnappyCompression(), 2},
		{"lz4", kgo.Lz4Compression(), 3},
		{"zstd", kgo.ZstdCompression(), 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := "codec-" + tc.name
			cl := newClient(t, addr, kgo.ProducerBatchCompression(tc.codec), kgo.DefaultProduceTopic(topic))
			createTopic(t, ctx, kadm.NewClient(cl), 1, topic)
			var rs []*kgo.Record
			for i := range 2000 {
				// Repetitive values, so that every codec actually shrinks them.
				rs = append(rs, &kgo.Record{Key: fmt.Appendf(nil, "k%d", i), Value: []byte(strings.Repeat(fmt.Sprintf("value %d ", i), 10))})
			}
			produceSync(t, ctx, cl, rs...)

			got := consumeN(t, ctx, addr, topic, len(rs))
			if len(got) != len(rs) {
				t.Fatalf("read %d records, want %d", len(got), len(rs))
			}
			for i, r := range got {
				if r.Offset != int64(i) || string(r.Key) != string(rs[i].Key) || string(r.Value) != string(rs[i].Value) {
					t.Fatalf("record %d: offset %d key %q, want offset %d key %q and the same value", i, r.Offset, r.Key, i, rs[i].Key)
				}
			}

			codecs := storedCodecs(t, ctx, cl, topic)
			if len(codecs) == 0 {
				t.Fatal("raw fetch returned no batches")
			}
			for i, c := range codecs {
				if c != tc.attr {
					t.Fatalf("stored batch %d has codec %d, want %d (%s)", i, c, tc.attr, tc.name)
				}
			}
		})
	}
}

// storedCodecs fetches partition 0 of topic with a raw Fetch request and
// returns the compression codec of each batch, read from its header.
func storedCodecs(t *testing.T, ctx context.Context, cl *kgo.Client, topic string) []int16 {
	t.Helper()
	// The client sends the newest Fetch we both speak, which names topics
	// by id (v13+), so look the id up first.
	topics, err := kadm.NewClient(cl).ListTopics(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 100
	req.MaxBytes = 1 << 20
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic = topic
	ft.TopicID = topics[topic].ID
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.PartitionMaxBytes = 1 << 20
	ft.Partitions = append(ft.Partitions, fp)
	req.Topics = append(req.Topics, ft)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("raw fetch: %v", err)
	}
	records := resp.Topics[0].Partitions[0].RecordBatches
	var codecs []int16
	for len(records) >= 61 {
		size := 12 + int(binary.BigEndian.Uint32(records[8:]))
		if size > len(records) {
			break // a partial batch at the end of a response is allowed
		}
		codecs = append(codecs, int16(binary.BigEndian.Uint16(records[21:]))&0x07)
		records = records[size:]
	}
	return codecs
}

// TestIdempotentRetryAtWireLevel sends the same idempotent batch twice, as
// a producer that lost the first answer would: both answers carry the same
// base offset, and the partition holds the records once.
func TestIdempotentRetryAtWireLevel(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	cl := newClient(t, addr)
	adm := kadm.NewClient(cl)
	const topic = "retried"
	createTopic(t, ctx, adm, 1, topic)

	initReq := kmsg.NewPtrInitProducerIDRequest()
	initResp, err := initReq.RequestWith(ctx, cl)
	if err != nil || initResp.ErrorCode != 0 {
		t.Fatalf("InitProducerId: %v, code %d", err, initResp.ErrorCode)
	}

	produce := func(sequence int32, values ...string) (int16, int64) {
		t.Helper()
		req := kmsg.NewPtrProduceRequest()
		req.Acks = -1
		req.TimeoutMillis = 5000
		rt := kmsg.NewProduceRequestTopic()
		rt.Topic = topic
		rp := kmsg.NewProduceRequestTopicPartition()
		rp.Records = idempotentBatch(initResp.ProducerID, initResp.ProducerEpoch, sequence, values...)
		rt.Partitions = append(rt.Partitions, rp)
		req.Topics = append(req.Topics, rt)
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			t.Fatalf("produce: %v", err)
		}
		p := resp.Topics[0].Partitions[0]
		return p.ErrorCode, p.BaseOffset
	}

	if code, base := produce(0, "a", "b"); code != 0 || base != 0 {
		t.Fatalf("first batch: code %d base %d, want 0 and 0", code, base)
	}
	if code, base := produce(2, "c", "d", "e"); code != 0 || base != 2 {
		t.Fatalf("second batch: code %d base %d, want 0 and 2", code, base)
	}
	if code, base := produce(2, "c", "d", "e"); code != 0 || base != 2 {
		t.Fatalf("retried second batch: code %d base %d, want 0 and the first answer's 2", code, base)
	}
	if code, _ := produce(9, "gap"); code != 45 {
		t.Fatalf("batch after a gap: code %d, want OUT_OF_ORDER_SEQUENCE_NUMBER (45)", code)
	}

	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	if end, _ := ends.Lookup(topic, 0); end.Offset != 5 {
		t.Fatalf("end offset %d, want 5: the retry must not be stored again", end.Offset)
	}
	var values []string
	for _, r := range consumeN(t, ctx, addr, topic, 5) {
		values = append(values, string(r.Value))
	}
	if got := strings.Join(values, ","); got != "a,b,c,d,e" {
		t.Fatalf("partition holds %s, want a,b,c,d,e", got)
	}
}

// idempotentBatch encodes values as one uncompressed magic-2 batch from a
// producer id, epoch and base sequence, with its CRC-32C.
func idempotentBatch(producerID int64, epoch int16, sequence int32, values ...string) []byte {
	now := time.Now().UnixMilli()
	var records []byte
	for i, v := range values {
		var body []byte
		body = append(body, 0)                     // attributes
		body = binary.AppendVarint(body, 0)        // timestamp delta
		body = binary.AppendVarint(body, int64(i)) // offset delta
		body = binary.AppendVarint(body, -1)       // null key
		body = binary.AppendVarint(body, int64(len(v)))
		body = append(body, v...)
		body = binary.AppendVarint(body, 0) // headers
		records = binary.AppendVarint(records, int64(len(body)))
		records = append(records, body...)
	}
	batch := kmsg.RecordBatch{
		FirstOffset:          0,
		PartitionLeaderEpoch: -1,
		Magic:                2,
		LastOffsetDelta:      int32(len(values) - 1),
		FirstTimestamp:       now,
		MaxTimestamp:         now,
		ProducerID:           producerID,
		ProducerEpoch:        epoch,
		FirstSequence:        sequence,
		NumRecords:           int32(len(values)),
		Records:              records,
	}
	b := batch.AppendTo(nil)
	binary.BigEndian.PutUint32(b[8:], uint32(len(b)-12)) // batchLength
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

// TestKcatQueryOffsetsForTime asks librdkafka, through kcat -Q, for the
// offset of a timestamp.
func TestKcatQueryOffsetsForTime(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	cl := newClient(t, addr)
	const topic = "kcat-times"
	createTopic(t, ctx, kadm.NewClient(cl), 1, topic)
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	for b := range 3 { // offsets 0-4 at t0, 5-9 at t0+1s, 10-14 at t0+2s
		var rs []*kgo.Record
		for range 5 {
			rs = append(rs, &kgo.Record{Topic: topic, Value: []byte("v"), Timestamp: t0.Add(time.Duration(b) * time.Second)})
		}
		produceSync(t, ctx, cl, rs...)
	}
	for _, tc := range []struct {
		milli int64
		want  string
	}{
		{t0.UnixMilli() - 1, "offset 0"},
		{t0.UnixMilli() + 500, "offset 5"},
		{t0.UnixMilli() + 2000, "offset 10"},
		{t0.UnixMilli() + 5000, "offset -1"}, // none: librdkafka's OFFSET_END
	} {
		out := kcat(t, "", "-b", addr, "-Q", "-t", fmt.Sprintf("%s:0:%d", topic, tc.milli))
		if !strings.Contains(out, fmt.Sprintf("%s [0] %s", topic, tc.want)) {
			t.Errorf("kcat -Q at %d: %q, want %q", tc.milli, out, tc.want)
		}
	}
}
