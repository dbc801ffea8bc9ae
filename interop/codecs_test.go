package interop

// The broker's snappy and lz4 codecs (codecs.go) against independent
// implementations, through the broker: batches compressed by
// klauspost/compress (raw snappy and xerial) and pierrec/lz4 (with and
// without block and content checksums, content size, each block size)
// are produced to a compression.type=uncompressed topic, and the stored
// records must be the producer's bytes exactly; batches produced
// uncompressed to compression.type=snappy and lz4 topics are read back
// raw and decoded by those libraries, and consumed by franz-go. Then
// real producers: franz-go with its default codec (snappy) and lz4, and
// librdkafka (kcat), into a gzip topic.

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/snappy/xerial"
	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// codecRecords encodes n keyed records as a batch's records section,
// uncompressed: JSON-like values, so that every codec finds matches, and
// over 64 KiB for n in the thousands, so that codecs use several blocks.
func codecRecords(n int) []byte {
	return recordsSection(n, func(i int) []byte {
		return fmt.Appendf(nil, `{"id":%d,"name":"user-%d","tags":["a","b"],"n":%d}`, i, i%37, i*i)
	})
}

// noiseRecords is n records of 1 KiB random values, which no codec
// shrinks: lz4 stores such blocks as they are.
func noiseRecords(n int) []byte {
	return recordsSection(n, func(int) []byte {
		v := make([]byte, 1024)
		rand.Read(v)
		return v
	})
}

func recordsSection(n int, value func(i int) []byte) []byte {
	var out []byte
	for i := range n {
		key := fmt.Appendf(nil, "key-%d", i%100)
		value := value(i)
		var body []byte
		body = append(body, 0)
		body = binary.AppendVarint(body, int64(i)) // timestamp delta
		body = binary.AppendVarint(body, int64(i)) // offset delta
		body = binary.AppendVarint(body, int64(len(key)))
		body = append(body, key...)
		body = binary.AppendVarint(body, int64(len(value)))
		body = append(body, value...)
		body = binary.AppendVarint(body, 0) // headers
		out = binary.AppendVarint(out, int64(len(body)))
		out = append(out, body...)
	}
	return out
}

// codecBatch wraps a records section of n records, compressed with codec,
// in a magic-2 batch with its CRC-32C.
func codecBatch(codec int16, n int, records []byte) []byte {
	now := time.Now().UnixMilli()
	b := kmsg.RecordBatch{
		PartitionLeaderEpoch: -1, Magic: 2, Attributes: codec,
		LastOffsetDelta: int32(n - 1), FirstTimestamp: now, MaxTimestamp: now + int64(n-1),
		ProducerID: -1, ProducerEpoch: -1, FirstSequence: -1,
		NumRecords: int32(n), Records: records,
	}
	b.Length = int32(49 + len(records))
	out := b.AppendTo(nil)
	binary.BigEndian.PutUint32(out[17:], crc32.Checksum(out[21:], crc32.MakeTable(crc32.Castagnoli)))
	return out
}

// produceRaw sends one batch to partition 0 of topic and returns the
// partition's error code.
func produceRaw(t *testing.T, ctx context.Context, cl *kgo.Client, topic string, batch []byte) int16 {
	t.Helper()
	req := kmsg.NewPtrProduceRequest()
	req.Acks = -1
	req.TimeoutMillis = 5000
	rt := kmsg.NewProduceRequestTopic()
	rt.Topic = topic
	rp := kmsg.NewProduceRequestTopicPartition()
	rp.Records = batch
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("produce: %v", err)
	}
	p := resp.Topics[0].Partitions[0]
	if p.ErrorMessage != nil {
		t.Logf("produce to %s: %s", topic, *p.ErrorMessage)
	}
	return p.ErrorCode
}

// storedBatches fetches partition 0 of topic raw and returns its batches'
// codecs and records sections, as stored.
func storedBatches(t *testing.T, ctx context.Context, cl *kgo.Client, topic string) (codecs []int16, bodies [][]byte) {
	t.Helper()
	topics, err := kadm.NewClient(cl).ListTopics(ctx, topic)
	if err != nil {
		t.Fatal(err)
	}
	req := kmsg.NewPtrFetchRequest()
	req.MaxWaitMillis = 100
	req.MaxBytes = 16 << 20
	ft := kmsg.NewFetchRequestTopic()
	ft.Topic, ft.TopicID = topic, topics[topic].ID
	fp := kmsg.NewFetchRequestTopicPartition()
	fp.PartitionMaxBytes = 16 << 20
	ft.Partitions = append(ft.Partitions, fp)
	req.Topics = append(req.Topics, ft)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("raw fetch: %v", err)
	}
	records := resp.Topics[0].Partitions[0].RecordBatches
	for len(records) >= 61 {
		size := 12 + int(binary.BigEndian.Uint32(records[8:]))
		if size > len(records) {
			break
		}
		codecs = append(codecs, int16(binary.BigEndian.Uint16(records[21:]))&0x07)
		bodies = append(bodies, records[61:size])
		records = records[size:]
	}
	return codecs, bodies
}

func lz4Frame(t *testing.T, data []byte, opts ...lz4.Option) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := lz4.NewWriter(&buf)
	if err := w.Apply(opts...); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestCodecsTheirsDecodedByOurs: the broker converts batches compressed
// by other implementations to uncompressed, and what it stores is the
// producer's records section byte for byte.
func TestCodecsTheirsDecodedByOurs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	cl := newClient(t, addr)
	const n = 3000
	records := codecRecords(n)
	noise := noiseRecords(40)
	for _, tc := range []struct {
		name  string
		codec int16
		body  []byte
	}{
		{"snappy raw block (librdkafka, franz-go)", 2, snappy.Encode(nil, records)},
		{"snappy xerial (Java)", 2, xerial.Encode(nil, records)},
		{"snappy xerial better", 2, xerial.EncodeBetter(nil, records)},
		{"snappy incompressible", 2, snappy.Encode(nil, noise)},
		{"lz4 pierrec defaults", 3, lz4Frame(t, records)},
		{"lz4 64KiB blocks, no checksum (Java's form)", 3, lz4Frame(t, records, lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(false))},
		{"lz4 block and content checksums, content size", 3, lz4Frame(t, records, lz4.BlockSizeOption(lz4.Block256Kb), lz4.BlockChecksumOption(true), lz4.ChecksumOption(true), lz4.SizeOption(uint64(len(records))))},
		{"lz4 level 9, 1MiB blocks", 3, lz4Frame(t, records, lz4.BlockSizeOption(lz4.Block1Mb), lz4.CompressionLevelOption(lz4.Level9))},
		{"lz4 incompressible, block checksums", 3, lz4Frame(t, noise, lz4.BlockChecksumOption(true))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, count := records, n
			if strings.Contains(tc.name, "incompressible") {
				recs, count = noise, 40
				if tc.codec == 3 && tc.body[10]&0x80 == 0 {
					t.Fatal("pierrec compressed the first block: the case does not test stored blocks")
				}
			}
			topic := fmt.Sprintf("theirs-%d", time.Now().UnixNano())
			createTopicWithConfigs(t, ctx, cl, topic, map[string]string{"compression.type": "uncompressed"})
			if code := produceRaw(t, ctx, cl, topic, codecBatch(tc.codec, count, tc.body)); code != 0 {
				t.Fatalf("produce: error code %d", code)
			}
			codecs, bodies := storedBatches(t, ctx, cl, topic)
			if len(codecs) != 1 || codecs[0] != 0 {
				t.Fatalf("stored codecs %v, want one uncompressed batch", codecs)
			}
			if !bytes.Equal(bodies[0], recs) {
				t.Fatalf("stored records (%d bytes) differ from the producer's (%d bytes)", len(bodies[0]), len(recs))
			}
		})
	}
}

// TestCodecsOursDecodedByTheirs: batches produced uncompressed to snappy
// and lz4 topics are stored in that codec, in the form Kafka writes
// (xerial; lz4 frames of 64 KiB blocks), and other decoders read them.
func TestCodecsOursDecodedByTheirs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	cl := newClient(t, addr)
	const n = 3000
	records := codecRecords(n)
	decoders := map[string]func([]byte) ([]byte, error){
		"snappy": func(b []byte) ([]byte, error) {
			if !bytes.HasPrefix(b, []byte("\x82SNAPPY\x00")) {
				return nil, fmt.Errorf("not xerial-framed: % x", b[:8])
			}
			return xerial.Decode(b)
		},
		"lz4": func(b []byte) ([]byte, error) {
			if b[4] != 0x60 || b[5] != 0x40 {
				return nil, fmt.Errorf("frame descriptor % x, want Kafka's 60 40", b[4:6])
			}
			return io.ReadAll(lz4.NewReader(bytes.NewReader(b)))
		},
	}
	for name, decode := range decoders {
		t.Run(name, func(t *testing.T) {
			topic := "ours-" + name
			createTopicWithConfigs(t, ctx, cl, topic, map[string]string{"compression.type": name})
			if code := produceRaw(t, ctx, cl, topic, codecBatch(0, n, records)); code != 0 {
				t.Fatalf("produce: error code %d", code)
			}
			codecs, bodies := storedBatches(t, ctx, cl, topic)
			if len(codecs) != 1 || kgoCodecName(codecs[0]) != name {
				t.Fatalf("stored codecs %v, want one %s batch", codecs, name)
			}
			got, err := decode(bodies[0])
			if err != nil {
				t.Fatalf("their decoder: %v", err)
			}
			if !bytes.Equal(got, records) {
				t.Fatalf("their decoder read %d bytes, different from the %d produced", len(got), len(records))
			}
			t.Logf("%d bytes of records stored as %d", len(records), len(bodies[0]))
			// franz-go's consumer decodes with s2 and pierrec/lz4.
			recs := consumeN(t, ctx, addr, topic, n)
			if len(recs) != n || !strings.HasPrefix(string(recs[n-1].Value), fmt.Sprintf(`{"id":%d,`, n-1)) {
				t.Fatalf("franz-go read %d records", len(recs))
			}
		})
	}
}

func kgoCodecName(c int16) string {
	return [...]string{"none", "gzip", "snappy", "lz4", "zstd", "5", "6", "7"}[c&7]
}

// createTopicWithConfigs creates a one-partition topic with configs.
func createTopicWithConfigs(t *testing.T, ctx context.Context, cl *kgo.Client, topic string, configs map[string]string) {
	t.Helper()
	cs := map[string]*string{}
	for k, v := range configs {
		cs[k] = kadm.StringPtr(v)
	}
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, 1, 1, cs, topic)
	if err != nil || resp.Err != nil {
		t.Fatalf("CreateTopic %s: %v %v", topic, err, resp.Err)
	}
}

// TestSnappyLZ4IntoGzipTopic: producers that compress with snappy or lz4
// can write to a topic with compression.type=gzip, which used to refuse
// their batches: franz-go with its default codec (snappy) and with lz4,
// and librdkafka through kcat -z snappy and -z lz4.
func TestSnappyLZ4IntoGzipTopic(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	admin := newClient(t, addr)
	for _, tc := range []struct {
		name string
		opts []kgo.Opt
	}{
		{"franz-go default (snappy)", nil},
		{"franz-go lz4", []kgo.Opt{kgo.ProducerBatchCompression(kgo.Lz4Compression())}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topic := "gz-" + strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(tc.name)
			createTopicWithConfigs(t, ctx, admin, topic, map[string]string{"compression.type": "gzip"})
			cl := newClient(t, addr, append(tc.opts, kgo.DefaultProduceTopic(topic))...)
			var rs []*kgo.Record
			for i := range 1000 {
				rs = append(rs, &kgo.Record{Key: fmt.Appendf(nil, "k%d", i), Value: []byte(strings.Repeat(fmt.Sprintf("v%d ", i), 8))})
			}
			produceSync(t, ctx, cl, rs...)
			got := consumeN(t, ctx, addr, topic, len(rs))
			for i, r := range got {
				if string(r.Key) != string(rs[i].Key) || string(r.Value) != string(rs[i].Value) {
					t.Fatalf("record %d: %q, want %q", i, r.Key, rs[i].Key)
				}
			}
			codecs, _ := storedBatches(t, ctx, admin, topic)
			for i, c := range codecs {
				if c != 1 {
					t.Fatalf("stored batch %d has codec %d, want gzip", i, c)
				}
			}
		})
	}
	for _, codec := range []string{"snappy", "lz4"} {
		t.Run("kcat "+codec, func(t *testing.T) {
			topic := "gz-kcat-" + codec
			createTopicWithConfigs(t, ctx, admin, topic, map[string]string{"compression.type": "gzip"})
			var in strings.Builder
			for i := range 200 {
				fmt.Fprintf(&in, "k%d:%s\n", i, strings.Repeat("value ", 10))
			}
			kcat(t, in.String(), "-b", addr, "-P", "-t", topic, "-K:", "-z", codec)
			out := kcat(t, "", "-b", addr, "-C", "-t", topic, "-e", "-f", `%k\n`)
			if keys := strings.Fields(out); len(keys) != 200 || keys[199] != "k199" {
				t.Fatalf("kcat read %d keys back, want 200", len(keys))
			}
			codecs, _ := storedBatches(t, ctx, admin, topic)
			for i, c := range codecs {
				if c != 1 {
					t.Fatalf("stored batch %d has codec %d, want gzip", i, c)
				}
			}
		})
	}
}
