package kafka

// Micro-benchmarks of the produce path, each reporting allocations: the
// frame reader, batch validation, the append to a partition's log, and a
// whole Produce request from frame to response. They measure the code, not
// the machine around it; the ratios against other brokers and loopback are
// interop/cmd/bench's (docs/benchmark.md). The append writes to a
// temporary dir, so run them with a fixed count:
//
//	go test -run '^$' -bench 'Frame|Validate|Append|ProduceRequest' -benchmem -benchtime 2000x

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// benchRecordSizes are the record sizes of the targets.
var benchRecordSizes = []int{100, 1000, 10 << 10}

// benchBatch is an uncompressed batch of records of size bytes each,
// about 16 KiB of records in all, as a producer's linger would gather.
func benchBatch(size int) []byte {
	n := max(1, (16<<10)/size)
	recs := make([]testRecord, n)
	value := strings.Repeat("x", size)
	for i := range recs {
		recs[i] = testRecord{int64(1_700_000_000_000 + i), value}
	}
	return makeBatch(recs...)
}

// produceFrame is a Produce v9 request frame, size prefix included, of
// batch to topic-0.
func produceFrame(topic string, batch []byte) []byte {
	w := &writer{buf: make([]byte, 4)}
	w.Int16(produceKey)
	w.Int16(9)
	w.Int32(1)
	w.NullableString(ptr("bench"))
	w.flexible = true
	w.Tags()
	w.NullableString(nil) // TransactionalId
	w.Int16(1)            // Acks
	w.Int32(1000)
	w.ArrayLen(1)
	w.String(topic)
	w.ArrayLen(1)
	w.Int32(0)
	w.Bytes(batch)
	w.Tags()
	w.Tags()
	w.Tags()
	binary.BigEndian.PutUint32(w.buf, uint32(len(w.buf)-4))
	return w.buf
}

// repeatReader reads the same bytes over and over.
type repeatReader struct {
	data []byte
	at   int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := copy(p, r.data[r.at:])
	r.at = (r.at + n) % len(r.data)
	return n, nil
}

func BenchmarkReadFrame(b *testing.B) {
	for _, size := range []int{1 << 10, 16 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			frame := produceFrame("t", bytes.Repeat([]byte{0}, size))
			br := &Broker{cfg: Config{MaxFrameBytes: defaultMaxFrameBytes}}
			c := &conn{broker: br, r: bufio.NewReader(&repeatReader{data: frame})}
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				buf, err := c.readFrame()
				if err != nil {
					b.Fatal(err)
				}
				br.frames.put(buf)
			}
		})
	}
}

// BenchmarkValidateBatch is what a produce does to a partition's records
// before the append: find the one batch, check its header, CRC and
// records (producedBatch, checkProducedBatch), then apply the topic's
// record policy (here the default one).
func BenchmarkValidateBatch(b *testing.B) {
	for _, size := range benchRecordSizes {
		b.Run(fmt.Sprintf("record=%dB", size), func(b *testing.B) {
			batch := benchBatch(size)
			policy := newRecordPolicy(topicConfig{}, defaultMaxFrameBytes)
			b.SetBytes(int64(len(batch)))
			b.ReportAllocs()
			for b.Loop() {
				records, code := producedBatch(batch, 11)
				var h batchHeader
				if code == codeNone {
					h, code = checkProducedBatch(records, defaultMaxMessageBytes)
				}
				if code != codeNone {
					b.Fatalf("error code %d", code)
				}
				headers := []batchHeader{h}
				if _, _, rej := validateRecords(policy, batch, headers, 1_700_000_000_000); rej != nil {
					b.Fatal(rej.msg)
				}
				if err := checkAppend(batch, headers); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppend(b *testing.B) {
	for _, size := range benchRecordSizes {
		b.Run(fmt.Sprintf("record=%dB", size), func(b *testing.B) {
			pl, err := openPartitionLog(b.TempDir(), logOptions{SegmentBytes: 64 << 20, IndexIntervalBytes: 4096}, discardLogger())
			if err != nil {
				b.Fatal(err)
			}
			defer pl.Close()
			batch := benchBatch(size)
			headers, err := splitBatches(batch)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(batch)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pl.Append(batch, headers); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkProduceRequest is one Produce request through the connection's
// loop: read the frame, decode it, validate and append the batch, answer.
// Its B/op over the request's bytes is the heap the broker allocates per
// payload byte.
func BenchmarkProduceRequest(b *testing.B) {
	for _, size := range benchRecordSizes {
		b.Run(fmt.Sprintf("record=%dB", size), func(b *testing.B) {
			br, err := Open(Config{DataDir: b.TempDir(), SegmentBytes: 64 << 20, Logger: discardLogger()})
			if err != nil {
				b.Fatal(err)
			}
			defer br.logs.Close()
			if _, err := br.logs.CreateTopic("t", 1); err != nil {
				b.Fatal(err)
			}
			frame := produceFrame("t", benchBatch(size))
			c := &conn{broker: br, r: bufio.NewReader(&repeatReader{data: frame}), w: bufio.NewWriter(io.Discard)}
			ctx := context.Background()
			b.SetBytes(int64(len(frame)))
			b.ReportAllocs()
			for b.Loop() {
				buf, err := c.readFrame()
				if err != nil {
					b.Fatal(err)
				}
				if err := c.handle(ctx, buf); err != nil {
					b.Fatal(err)
				}
				if releasable(buf) {
					br.frames.put(buf)
				}
			}
		})
	}
}

// TestFramePoolReuse checks that Produce frames go back to the pool and
// come out again for frames of the same size class, and that no other
// request's frame is pooled, since its decoded fields may alias it.
func TestFramePoolReuse(t *testing.T) {
	frame := produceFrame("t", bytes.Repeat([]byte{1}, 10<<10))
	br := &Broker{cfg: Config{MaxFrameBytes: defaultMaxFrameBytes}}
	c := &conn{broker: br, r: bufio.NewReader(&repeatReader{data: frame})}
	first, err := c.readFrame()
	if err != nil {
		t.Fatal(err)
	}
	if !releasable(first) {
		t.Fatal("a Produce frame is not releasable")
	}
	reused := 0
	for range 100 {
		br.frames.put(first)
		next, err := c.readFrame()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(next, frame[4:]) {
			t.Fatal("a frame read into a pooled buffer differs from the one sent")
		}
		if &next[0] == &first[0] {
			reused++
		}
		first = next
	}
	// The race detector makes sync.Pool drop some puts on purpose.
	if reused == 0 {
		t.Error("no frame was read into a pooled buffer")
	}
	for key := range int16(100) {
		if key == produceKey {
			continue
		}
		if releasable(binary.BigEndian.AppendUint16(nil, uint16(key))) {
			t.Errorf("API %d's frames would be pooled", key)
		}
	}
}

// TestFramePoolSizePrefix: a size prefix claiming more than the largest
// class, with a few bytes behind it, allocates no more than before pools.
func TestFramePoolSizePrefix(t *testing.T) {
	for _, n := range []int{4 << 10, 1 << 20, 32 << 20} {
		if got := frameClassSize(n); got < n || (n <= 1<<framePoolMaxClass && got&(got-1) != 0) {
			t.Errorf("frameClassSize(%d) = %d", n, got)
		}
	}
	br := &Broker{cfg: Config{MaxFrameBytes: defaultMaxFrameBytes}}
	claim := binary.BigEndian.AppendUint32(nil, 90<<20)
	c := &conn{broker: br, r: bufio.NewReader(io.MultiReader(bytes.NewReader(claim), bytes.NewReader(make([]byte, 10))))}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := c.readFrame(); err == nil {
		t.Fatal("a frame cut short was read")
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 256<<10 {
		t.Errorf("a 90 MiB size prefix with 10 bytes behind it allocated %d bytes", n)
	}
}

// TestFramePoolKeepsAcrossGC: buffers put back survive garbage
// collections, which empty a sync.Pool, up to framePoolKeepBytes; past
// that the pool keeps nothing more across them.
func TestFramePoolKeepsAcrossGC(t *testing.T) {
	var p framePool
	const size = 1 << 20
	var bufs [][]byte
	for range framePoolKeepBytes/size + 4 {
		bufs = append(bufs, make([]byte, 0, size))
	}
	for _, b := range bufs {
		p.put(b)
	}
	if p.keptBytes > framePoolKeepBytes {
		t.Errorf("%d bytes kept, more than %d", p.keptBytes, framePoolKeepBytes)
	}
	runtime.GC()
	runtime.GC()
	runtime.GC()
	got := 0
	for p.get(size) != nil {
		got++
		if got > len(bufs) {
			t.Fatal("the pool hands out more buffers than it was given")
		}
	}
	if want := framePoolKeepBytes / size; got < want {
		t.Errorf("%d buffers of %d bytes came back after three GCs, want at least %d", got, size, want)
	}
	if p.keptBytes != 0 {
		t.Errorf("%d bytes still counted as kept once every buffer is out", p.keptBytes)
	}
}
