package interop

// The broker's zstd codec (zstd.go) against independent implementations,
// through the broker, both ways. Theirs decoded by ours: batches
// compressed by klauspost/compress (what franz-go and segmentio/kafka-go
// use) at every level and with its options, and by the zstd command of
// libzstd (what librdkafka links and zstd-jni wraps), are produced to a
// compression.type=uncompressed topic, and what is stored must be the
// producer's records exactly. The inputs are random in shape and size, a
// differential fuzz run of a few seconds. Ours decoded by theirs: batches
// produced uncompressed to a compression.type=zstd topic are stored as
// zstd, and klauspost/compress, libzstd, franz-go's consumer and kcat
// read them. And real producers: franz-go and kcat -z zstd into zstd and
// gzip topics.

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/twmb/franz-go/pkg/kgo"
)

// randomRecords is a records section of n records whose values have a
// shape drawn by rnd: JSON-like text, random bytes, runs of one byte, or
// a mix, so that encoders pick every kind of block, literals and table.
func randomRecords(rnd *rand.Rand, n int) []byte {
	shape := rnd.Intn(4)
	return recordsSection(n, func(i int) []byte {
		size := rnd.Intn(2000)
		switch s := shape; {
		case s == 3:
			s = rnd.Intn(3)
			fallthrough
		case s == 0:
			var b []byte
			for len(b) < size {
				b = fmt.Appendf(b, `{"id":%d,"name":"user-%d","n":%d}`, i, rnd.Intn(50), rnd.Intn(1000))
			}
			return b
		case s == 1:
			b := make([]byte, size)
			rnd.Read(b)
			return b
		default:
			return bytes.Repeat([]byte{byte(rnd.Intn(3))}, size)
		}
	})
}

// zstdEncoders are the independent encoders the broker must read: each
// klauspost/compress level with and without its checksum and entropy
// options, and libzstd's command at levels from fast to ultra.
func zstdEncoders(t *testing.T) map[string]func([]byte) []byte {
	encoders := map[string]func([]byte) []byte{}
	options := map[string][]zstd.EOption{
		"":              nil,
		"-nocrc":        {zstd.WithEncoderCRC(false)},
		"-allentropy":   {zstd.WithAllLitEntropyCompression(true)},
		"-noentropy":    {zstd.WithNoEntropyCompression(true)},
		"-window1k":     {zstd.WithWindowSize(1 << 10)},
		"-nosinglesegm": {zstd.WithSingleSegment(false)},
	}
	for _, level := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression, zstd.SpeedBestCompression} {
		for name, opts := range options {
			enc, err := zstd.NewWriter(nil, append(opts, zstd.WithEncoderLevel(level))...)
			if err != nil {
				t.Fatal(err)
			}
			encoders["klauspost-"+level.String()+name] = func(b []byte) []byte { return enc.EncodeAll(b, nil) }
		}
	}
	// The streaming writer, as franz-go's compressor uses it, with no
	// content size in the header.
	encoders["klauspost-stream"] = func(b []byte) []byte {
		var buf bytes.Buffer
		w, _ := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	path := requireTool(t, "zstd")
	for _, level := range []string{"-1", "-3", "-9", "-19", "--ultra -22", "--fast=3"} {
		encoders["libzstd"+strings.ReplaceAll(level, " ", "")] = func(b []byte) []byte {
			cmd := exec.Command(path, append([]string{"-q", "-c"}, strings.Fields(level)...)...)
			cmd.Stdin = bytes.NewReader(b)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("zstd %s: %v", level, err)
			}
			return out
		}
	}
	return encoders
}

// TestZstdTheirsDecodedByOurs: every encoder's frames of random records,
// converted by the broker to uncompressed, are stored as the producer's
// records byte for byte.
func TestZstdTheirsDecodedByOurs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	cl := newClient(t, addr)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewSource(seed))
	encoders := zstdEncoders(t)
	deadline := time.Now().Add(4 * time.Second)
	cases := 0
	for round := 0; round < 2 || time.Now().Before(deadline); round++ {
		topic := fmt.Sprintf("zstd-theirs-%d", round)
		createTopicWithConfigs(t, ctx, cl, topic, map[string]string{"compression.type": "uncompressed"})
		var names []string
		var want [][]byte
		for name, encode := range encoders {
			n := 1 + rnd.Intn(200)
			if rnd.Intn(10) == 0 {
				n = 300 // over 128 KiB for most shapes: several blocks
			}
			records := randomRecords(rnd, n)
			if code := produceRaw(t, ctx, cl, topic, codecBatch(4, n, encode(records))); code != 0 {
				t.Fatalf("%s, %d bytes of records (seed %d): produce error code %d", name, len(records), seed, code)
			}
			names, want = append(names, name), append(want, records)
		}
		codecs, bodies := storedBatches(t, ctx, cl, topic)
		if len(bodies) != len(want) {
			t.Fatalf("round %d: %d batches stored, want %d", round, len(bodies), len(want))
		}
		for i := range want {
			if codecs[i] != 0 || !bytes.Equal(bodies[i], want[i]) {
				t.Fatalf("%s (seed %d): stored codec %d, %d bytes, want uncompressed %d bytes equal to the producer's", names[i], seed, codecs[i], len(bodies[i]), len(want[i]))
			}
		}
		cases += len(want)
	}
	t.Logf("%d frames from %d encoders decoded", cases, len(encoders))
}

// TestZstdOursDecodedByTheirs: batches of random records produced
// uncompressed to a compression.type=zstd topic are stored as zstd frames
// that klauspost/compress and libzstd's zstd command decode to the
// records, and that franz-go's and librdkafka's (kcat) consumers read.
func TestZstdOursDecodedByTheirs(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	cl := newClient(t, addr)
	const topic = "zstd-ours"
	zstdCmd := requireTool(t, "zstd")
	createTopicWithConfigs(t, ctx, cl, topic, map[string]string{"compression.type": "zstd"})
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewSource(seed))
	var want [][]byte
	total := 0
	// A few fixed sizes, then random batches for a few seconds: a
	// differential run of the broker's encoder against two decoders.
	deadline := time.Now().Add(3 * time.Second)
	for i := 0; i < 6 || time.Now().Before(deadline) && total < 20000; i++ {
		n := []int{1, 50, 200, 300, 100, 100}[min(i, 5)]
		if i >= 6 {
			n = 1 + rnd.Intn(150)
		}
		records := randomRecords(rnd, n)
		if i == 4 {
			records = codecRecords(n) // JSON of the codecs tests, which shrinks
		}
		if code := produceRaw(t, ctx, cl, topic, codecBatch(0, n, records)); code != 0 {
			t.Fatalf("produce: error code %d", code)
		}
		want = append(want, records)
		total += n
	}
	codecs, bodies := storedBatches(t, ctx, cl, topic)
	if len(bodies) != len(want) {
		t.Fatalf("%d batches stored, want %d", len(bodies), len(want))
	}
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	for i, body := range bodies {
		if codecs[i] != 4 {
			t.Fatalf("batch %d stored with codec %d, want zstd", i, codecs[i])
		}
		got, err := dec.DecodeAll(body, nil)
		if err != nil || !bytes.Equal(got, want[i]) {
			t.Fatalf("batch %d: klauspost read %d bytes (%v), want the %d produced", i, len(got), err, len(want[i]))
		}
		cmd := exec.Command(zstdCmd, "-q", "-d", "-c")
		cmd.Stdin = bytes.NewReader(body)
		if got, err := cmd.Output(); err != nil || !bytes.Equal(got, want[i]) {
			t.Fatalf("batch %d: libzstd read %d bytes (%v), want the %d produced", i, len(got), err, len(want[i]))
		}
		if i < 6 {
			t.Logf("batch %d: %d bytes of records stored as %d", i, len(want[i]), len(body))
		}
	}
	t.Logf("%d batches, %d records, read back by klauspost and libzstd", len(bodies), total)
	if recs := consumeN(t, ctx, addr, topic, total); len(recs) != total {
		t.Fatalf("franz-go read %d records, want %d", len(recs), total)
	}
	out := kcat(t, "", "-b", addr, "-C", "-t", topic, "-e", "-f", `%o\n`)
	if offsets := strings.Fields(out); len(offsets) != total || offsets[total-1] != fmt.Sprint(total-1) {
		t.Fatalf("kcat read %d records, want %d", len(offsets), total)
	}
}

// TestZstdTopicWithRealProducers: franz-go (klauspost), and librdkafka
// (kcat -z zstd) produce with zstd and with other codecs to a
// compression.type=zstd topic, and both read every record back.
func TestZstdTopicWithRealProducers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	admin := newClient(t, addr)
	const topic = "zstd-topic"
	createTopicWithConfigs(t, ctx, admin, topic, map[string]string{"compression.type": "zstd"})
	var rs []*kgo.Record
	for i := range 500 {
		rs = append(rs, &kgo.Record{Key: fmt.Appendf(nil, "k%d", i), Value: []byte(strings.Repeat(fmt.Sprintf("v%d ", i), 8))})
	}
	for _, codec := range []kgo.CompressionCodec{kgo.ZstdCompression(), kgo.SnappyCompression(), kgo.NoCompression()} {
		produceSync(t, ctx, newClient(t, addr, kgo.ProducerBatchCompression(codec), kgo.DefaultProduceTopic(topic)), rs...)
	}
	var in strings.Builder
	for i := range 200 {
		fmt.Fprintf(&in, "kcat%d:%s\n", i, strings.Repeat("value ", 10))
	}
	kcat(t, in.String(), "-b", addr, "-P", "-t", topic, "-K:", "-z", "zstd")
	kcat(t, in.String(), "-b", addr, "-P", "-t", topic, "-K:", "-z", "gzip")
	const total = 3*500 + 2*200
	got := consumeN(t, ctx, addr, topic, total)
	for i, r := range got[:1500] {
		if want := rs[i%500]; string(r.Key) != string(want.Key) || string(r.Value) != string(want.Value) {
			t.Fatalf("record %d: %q, want %q", i, r.Key, want.Key)
		}
	}
	out := kcat(t, "", "-b", addr, "-C", "-t", topic, "-e", "-f", `%k\n`)
	if keys := strings.Fields(out); len(keys) != total || keys[total-1] != "kcat199" {
		t.Fatalf("kcat read %d keys, want %d", len(keys), total)
	}
	codecs, _ := storedBatches(t, ctx, admin, topic)
	for i, c := range codecs {
		if c != 4 {
			t.Fatalf("stored batch %d has codec %d, want zstd", i, c)
		}
	}
}

// TestZstdIntoGzipTopic: batches that franz-go (klauspost/compress) and
// librdkafka (kcat -z zstd, libzstd) compress with zstd are converted by
// the broker into a compression.type=gzip topic, which needs its zstd
// decoder, and read back whole.
func TestZstdIntoGzipTopic(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	admin := newClient(t, addr)
	const topic = "zstd-into-gzip"
	createTopicWithConfigs(t, ctx, admin, topic, map[string]string{"compression.type": "gzip"})
	var rs []*kgo.Record
	for i := range 1000 {
		rs = append(rs, &kgo.Record{Key: fmt.Appendf(nil, "k%d", i), Value: []byte(strings.Repeat(fmt.Sprintf("v%d ", i), 8))})
	}
	produceSync(t, ctx, newClient(t, addr, kgo.ProducerBatchCompression(kgo.ZstdCompression()), kgo.DefaultProduceTopic(topic)), rs...)
	var in strings.Builder
	for i := range 300 {
		fmt.Fprintf(&in, "kcat%d:%s\n", i, strings.Repeat(fmt.Sprintf("value %d ", i), 10))
	}
	kcat(t, in.String(), "-b", addr, "-P", "-t", topic, "-K:", "-z", "zstd")
	got := consumeN(t, ctx, addr, topic, 1300)
	for i, r := range got[:1000] {
		if string(r.Key) != string(rs[i].Key) || string(r.Value) != string(rs[i].Value) {
			t.Fatalf("record %d: %q, want %q", i, r.Key, rs[i].Key)
		}
	}
	for i, r := range got[1000:] {
		if want := fmt.Sprintf("kcat%d", i); string(r.Key) != want || string(r.Value) != strings.Repeat(fmt.Sprintf("value %d ", i), 10) {
			t.Fatalf("kcat record %d: key %q, want %q and its value", i, r.Key, want)
		}
	}
	codecs, _ := storedBatches(t, ctx, admin, topic)
	for i, c := range codecs {
		if c != 1 {
			t.Fatalf("stored batch %d has codec %d, want gzip", i, c)
		}
	}
}
