// Tests of idempotent producers: the producer state a partition log keeps
// and rebuilds, the producer id allocator, and, in-process over the wire,
// InitProducerId and retried produces answered with their first offset.

package kafka

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"log/slog"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// idempotentBatch builds a batch of n records from producer id at epoch,
// its first record numbered seq: makeBatch's batch with the three producer
// fields set. They lie inside the CRC, so it is computed again. The
// records are stamped with the current time, as a producer's are, so that
// the transaction markers the broker writes beside them at its own time
// stay within segment.ms of them and in the same segment.
func idempotentBatch(id int64, epoch int16, seq int32, n int) []byte {
	b := makeBatch(recordsAt(time.Now().UnixMilli()+int64(seq), n)...)
	be := binary.BigEndian
	be.PutUint64(b[43:], uint64(id))    // producerId
	be.PutUint16(b[51:], uint16(epoch)) // producerEpoch
	be.PutUint32(b[53:], uint32(seq))   // baseSequence
	be.PutUint32(b[17:], crc32.Checksum(b[21:], castagnoli))
	return b
}

// tryAppend appends the batches as one request, as appendBatches does, but
// returns Append's answer instead of failing the test.
func tryAppend(t *testing.T, l *partitionLog, batches ...[]byte) ([]appendedBatch, error) {
	t.Helper()
	records := bytes.Join(batches, nil)
	hs, err := splitBatches(records)
	if err != nil {
		t.Fatalf("splitBatches: %v", err)
	}
	return l.Append(records, hs)
}

// wantPlaced appends the batches and checks what Append says it did.
func wantPlaced(t *testing.T, l *partitionLog, want []appendedBatch, batches ...[]byte) {
	t.Helper()
	got, err := tryAppend(t, l, batches...)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	// A duplicate's MaxTimestamp is checked through Produce
	// (TestProduceDuplicateAppendTime).
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(appendedBatch{}, "MaxTimestamp")); diff != "" {
		t.Fatalf("Append (-want +got):\n%s", diff)
	}
}

// wantRefused appends the batches, expects err, and checks that the log
// did not grow.
func wantRefused(t *testing.T, l *partitionLog, want error, batches ...[]byte) {
	t.Helper()
	hw := l.HighWatermark()
	if _, err := tryAppend(t, l, batches...); !errors.Is(err, want) {
		t.Fatalf("Append: %v, want %v", err, want)
	}
	if got := l.HighWatermark(); got != hw {
		t.Fatalf("high watermark %d after a refused append, want %d", got, hw)
	}
}

func TestIdempotentDuplicate(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	// A batch without a producer first, so that offsets and sequence
	// numbers differ.
	plain := makeBatch(recordsAt(time.Now().UnixMilli(), 2)...)
	first, second := idempotentBatch(7, 0, 0, 3), idempotentBatch(7, 0, 3, 2)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 0}}, plain)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 2}}, first)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 5}}, second)

	wantPlaced(t, l, []appendedBatch{{BaseOffset: 2, Duplicate: true}}, first)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 5, Duplicate: true}}, second)
	if hw := l.HighWatermark(); hw != 7 {
		t.Errorf("high watermark %d after duplicates, want 7", hw)
	}
	got, err := l.Read(0, 1<<20)
	want := bytes.Join([][]byte{stored(plain, 0), stored(first, 2), stored(second, 5)}, nil)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("Read(0): %v; the log should hold each batch once", err)
	}
	checkLog(t, l)
}

// TestIdempotentRetainsFiveBatches retries each of a producer's last five
// batches, then one that has dropped out of them: that one can no longer
// be told from a gap, and is refused as out of order, as Kafka does.
func TestIdempotentRetainsFiveBatches(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	var batches [][]byte
	for seq := range int32(5) {
		batches = append(batches, idempotentBatch(1, 0, seq, 1))
		wantPlaced(t, l, []appendedBatch{{BaseOffset: int64(seq)}}, batches[seq])
	}
	for seq, b := range batches {
		wantPlaced(t, l, []appendedBatch{{BaseOffset: int64(seq), Duplicate: true}}, b)
	}
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 5}}, idempotentBatch(1, 0, 5, 1))
	wantRefused(t, l, errOutOfOrderSequence, batches[0])
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 1, Duplicate: true}}, batches[1])
	checkLog(t, l)
}

func TestIdempotentGap(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 0}}, idempotentBatch(1, 0, 0, 2))
	wantRefused(t, l, errOutOfOrderSequence, idempotentBatch(1, 0, 3, 1))
	// A request is stored whole or not at all: the good first batch is
	// dropped with the gap after it, and the state does not keep it.
	wantRefused(t, l, errOutOfOrderSequence, idempotentBatch(1, 0, 2, 1), idempotentBatch(1, 0, 5, 1))
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 2}}, idempotentBatch(1, 0, 2, 1))
	checkLog(t, l)
}

func TestIdempotentEpochs(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	epoch1 := idempotentBatch(1, 1, 0, 1)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 0}}, epoch1)
	wantRefused(t, l, errInvalidProducerEpoch, idempotentBatch(1, 0, 1, 1))
	wantRefused(t, l, errOutOfOrderSequence, idempotentBatch(1, 2, 1, 1))
	epoch2 := idempotentBatch(1, 2, 0, 1)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 1}}, epoch2)
	// Once epoch 2 has begun, epoch 1 is fenced, even for a retry of a
	// batch it did store.
	wantRefused(t, l, errInvalidProducerEpoch, idempotentBatch(1, 1, 1, 1))
	wantRefused(t, l, errInvalidProducerEpoch, epoch1)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 1, Duplicate: true}}, epoch2)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 2}}, idempotentBatch(1, 2, 1, 1))
	checkLog(t, l)
}

// TestIdempotentUnknownProducer is the PITFALLS rule: the first batch of a
// producer the partition knows nothing about is accepted whatever its
// sequence, and checked from then on.
func TestIdempotentUnknownProducer(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 0}}, idempotentBatch(9, 3, 42, 2))
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 2}}, idempotentBatch(10, 0, 7, 1))
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 3}}, idempotentBatch(9, 3, 44, 1))
	wantRefused(t, l, errOutOfOrderSequence, idempotentBatch(9, 3, 50, 1))
	wantRefused(t, l, errOutOfOrderSequence, idempotentBatch(10, 0, 7+2, 1))
	checkLog(t, l)
}

// TestIdempotentSeveralBatchesPerAppend checks batches against the state
// the batches before them in the same request leave, so a batch can repeat
// one in its own request, and only the new ones are written.
func TestIdempotentSeveralBatchesPerAppend(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	a0, a1, plain := idempotentBatch(1, 0, 0, 2), idempotentBatch(1, 0, 2, 1), makeBatch(recordsAt(5, 3)...)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 0}, {BaseOffset: 0, Duplicate: true}}, a0, a0)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 0, Duplicate: true}, {BaseOffset: 2}, {BaseOffset: 3}}, a0, a1, plain)
	got, err := l.Read(0, 1<<20)
	want := bytes.Join([][]byte{stored(a0, 0), stored(a1, 2), stored(plain, 3)}, nil)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("Read(0): %v; want a0, a1 and the plain batch once each", err)
	}
	checkLog(t, l)
}

// TestIdempotentAcrossReopen closes the log and opens it again: the state
// rebuilt from the batch headers, across several segments, must equal the
// one the appends built, so retries from before the restart are still
// caught and gaps still refused.
func TestIdempotentAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	opts := logOptions{SegmentBytes: 300} // about three batches a segment
	l := openTestLog(t, dir, opts)
	var sent [][]byte
	for i := range int32(8) {
		for _, id := range []int64{1, 2} {
			b := idempotentBatch(id, int16(id), 2*i, 2)
			sent = append(sent, b)
			appendBatches(t, l, b)
		}
	}
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 32}, {BaseOffset: 33}}, idempotentBatch(3, 0, 0, 1), idempotentBatch(3, 1, 0, 1))
	if n := len(segmentFiles(t, dir, logSuffix)); n < 3 {
		t.Fatalf("%d segments, want the state spread over several", n)
	}
	before := maps.Clone(l.producers)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	l = openTestLog(t, dir, opts)
	if diff := cmp.Diff(before, l.producers, cmp.AllowUnexported(producerEntry{}, producerBatch{})); diff != "" {
		t.Fatalf("rebuilt producer state (-appended +rebuilt):\n%s", diff)
	}
	last, older := sent[len(sent)-1], sent[len(sent)-5]
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 30, Duplicate: true}}, last)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 22, Duplicate: true}}, older)
	wantRefused(t, l, errOutOfOrderSequence, idempotentBatch(2, 2, 17, 1))
	wantRefused(t, l, errInvalidProducerEpoch, idempotentBatch(3, 0, 1, 1))
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 34}}, idempotentBatch(2, 2, 16, 1))
	checkLog(t, l)
}

// TestIdempotentConcurrentRetries appends the same batch from many
// goroutines at once: checking and appending is one step under the log's
// lock, so exactly one of them stores it.
func TestIdempotentConcurrentRetries(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	batch := idempotentBatch(1, 0, 0, 3)
	var wg sync.WaitGroup
	var mu sync.Mutex
	stores := 0
	for range 16 {
		wg.Go(func() {
			placed, err := tryAppend(t, l, batch)
			if err != nil || placed[0].BaseOffset != 0 {
				t.Errorf("Append: %v, %+v; want offset 0", err, placed)
				return
			}
			if !placed[0].Duplicate {
				mu.Lock()
				stores++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if stores != 1 || l.HighWatermark() != 3 {
		t.Errorf("%d appends stored the batch, high watermark %d; want 1 and 3", stores, l.HighWatermark())
	}
}

func TestSequenceWrap(t *testing.T) {
	for _, tc := range []struct {
		base, delta, last int32
	}{
		{0, 0, 0},
		{5, 3, 8},
		{math.MaxInt32, 0, math.MaxInt32},
		{math.MaxInt32, 1, 0},
		{math.MaxInt32 - 1, 3, 1},
		{math.MaxInt32, math.MaxInt32, math.MaxInt32 - 1},
		{-1, 4, -1}, // no sequence
	} {
		h := batchHeader{BaseSequence: tc.base, LastOffsetDelta: tc.delta}
		if got := h.LastSequence(); got != tc.last {
			t.Errorf("LastSequence(base %d, delta %d) = %d, want %d", tc.base, tc.delta, got, tc.last)
		}
	}
	for _, tc := range []struct {
		last, next int32
		want       bool
	}{
		{5, 6, true},
		{5, 5, false},
		{5, 7, false},
		{math.MaxInt32 - 1, math.MaxInt32, true},
		{math.MaxInt32, 0, true},
		{math.MaxInt32, math.MinInt32, false}, // int32 overflow is not the wrap
		{0, math.MaxInt32, false},
		{-1, 0, true}, // a batch without a sequence stored before
	} {
		if got := inSequence(tc.last, tc.next); got != tc.want {
			t.Errorf("inSequence(%d, %d) = %v, want %v", tc.last, tc.next, got, tc.want)
		}
	}

	l := openTestLog(t, t.TempDir(), logOptions{})
	wrapping := idempotentBatch(1, 0, math.MaxInt32-1, 3) // sequences MaxInt32-1, MaxInt32, 0
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 0}}, wrapping)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 0, Duplicate: true}}, wrapping)
	wantRefused(t, l, errOutOfOrderSequence, idempotentBatch(1, 0, 0, 1))
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 3}}, idempotentBatch(1, 0, 1, 1))

	wantPlaced(t, l, []appendedBatch{{BaseOffset: 4}}, idempotentBatch(2, 0, math.MaxInt32, 1))
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 5}}, idempotentBatch(2, 0, 0, 1))
	checkLog(t, l)
}

func TestProducerIDs(t *testing.T) {
	dir := t.TempDir()
	p, err := openProducerIDs(dir)
	if err != nil {
		t.Fatal(err)
	}
	for want := range int64(3) {
		if id, err := p.Next(); err != nil || id != want {
			t.Fatalf("Next = %d, %v; want %d", id, err, want)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, producerIDsFile)); string(b) != "version: 0\nnext_block_start: 1000\n" {
		t.Errorf("%s holds %q, want the next block reserved", producerIDsFile, b)
	}

	// A restart skips what was left of the block.
	p, err = openProducerIDs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if id, err := p.Next(); err != nil || id != 1000 {
		t.Fatalf("Next after reopening = %d, %v; want 1000", id, err)
	}

	path := filepath.Join(dir, producerIDsFile)
	os.WriteFile(path, formatProducerIDs(math.MaxInt64-producerIDBlockSize/2), 0o644)
	if p, err = openProducerIDs(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Next(); !errors.Is(err, errProducerIDsExhausted) {
		t.Errorf("Next at the end of the id space: %v, want %v", err, errProducerIDsExhausted)
	}
	for _, bad := range []string{"", "version: 1\nnext_block_start: 0\n", "version: 0\nnext_block_start: -5\n", "version: 0\nnext: 7\n"} {
		os.WriteFile(path, []byte(bad), 0o644)
		if _, err := openProducerIDs(dir); err == nil {
			t.Errorf("openProducerIDs accepted %q", bad)
		}
	}
}

// initProducerID sends InitProducerId v4 and returns the error code, id
// and epoch.
func (c *testClient) initProducerID(transactionalID *string, id int64, epoch int16) (int16, int64, int16) {
	c.t.Helper()
	r := c.roundTrip(22, 4, true, func(w *writer) {
		w.NullableString(transactionalID)
		w.Int32(60000) // TransactionTimeoutMs
		w.Int64(id)
		w.Int16(epoch)
		w.Tags()
	})
	r.Int32() // throttle
	code, gotID, gotEpoch := r.Int16(), r.Int64(), r.Int16()
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatal(err)
	}
	return code, gotID, gotEpoch
}

// TestInitProducerIDUniqueAcrossRestarts hands out ids, restarts the
// broker on the same data dir, and checks that no id comes back.
func TestInitProducerIDUniqueAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	seen := map[int64]bool{}
	for run := range 3 {
		tb := startBroker(t, dir)
		c := dial(t, tb.addr)
		for range 3 {
			code, id, epoch := c.initProducerID(nil, -1, -1)
			if code != codeNone || epoch != 0 || id < 0 || seen[id] {
				t.Fatalf("run %d: InitProducerId = code %d id %d epoch %d; want a new id at epoch 0 (seen %v)", run, code, id, epoch, seen)
			}
			seen[id] = true
		}
		tb.stop()
	}
}

// TestInitProducerIDIdempotentNewID: an InitProducerId without a
// transactional id gets a new producer id at epoch 0 whatever producer it
// names (TransactionCoordinator.handleInitProducerId, transactionalId ==
// null); an idempotent producer bumps its epoch itself (KIP-360). Half a
// producer is INVALID_REQUEST (KafkaApis.handleInitProducerIdRequest).
func TestInitProducerIDIdempotentNewID(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	_, id, _ := c.initProducerID(nil, -1, -1)
	seen := map[int64]bool{id: true}
	for _, tc := range []struct {
		name     string
		id       int64
		epoch    int16
		wantCode int16
	}{
		{"named at epoch 0", id, 0, codeNone},
		{"named at epoch 5", id, 5, codeNone},
		{"named at the last epoch", id, lastProducerEpoch, codeNone},
		{"id never handed out", id + 10*producerIDBlockSize, 3, codeNone},
		{"id without epoch", id, -1, codeInvalidRequest},
		{"epoch without id", -1, 0, codeInvalidRequest},
	} {
		code, gotID, gotEpoch := c.initProducerID(nil, tc.id, tc.epoch)
		switch {
		case code != tc.wantCode:
			t.Errorf("%s: InitProducerId(%d, %d) = code %d, want %d", tc.name, tc.id, tc.epoch, code, tc.wantCode)
		case code != codeNone:
			if gotID != -1 || gotEpoch != -1 {
				t.Errorf("%s: id %d epoch %d with an error, want -1 -1", tc.name, gotID, gotEpoch)
			}
		case seen[gotID] || gotID == tc.id || gotEpoch != 0:
			t.Errorf("%s: InitProducerId(%d, %d) = id %d epoch %d; want a new id at epoch 0", tc.name, tc.id, tc.epoch, gotID, gotEpoch)
		}
		seen[gotID] = true
	}
	// A transactional id keeps its producer id and bumps the epoch.
	code, tid, tepoch := c.initProducerID(ptr("txn"), -1, -1)
	if code != codeNone || tepoch != 0 {
		t.Fatalf("transactional id: code %d epoch %d, want 0, 0", code, tepoch)
	}
	if code, id2, epoch2 := c.initProducerID(ptr("txn"), -1, -1); code != codeNone || id2 != tid || epoch2 != 1 {
		t.Errorf("transactional id again: code %d id %d epoch %d, want 0 %d 1", code, id2, epoch2, tid)
	}
}

// newID in a test table stands for "a fresh producer id".
const newID = -2

// TestIdempotentProduceWire is a producer's retry as it happens on the
// wire: the same batch twice gets the same offset twice and is fetched
// once, across a restart too; a gap and a fenced epoch get their codes.
func TestIdempotentProduceWire(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "idem", 1)
	_, id, epoch := c.initProducerID(nil, -1, -1)

	first, second := idempotentBatch(id, epoch, 0, 3), idempotentBatch(id, epoch, 3, 2)
	for i, want := range []int64{0, 0, 3, 3} {
		batch := first
		if i >= 2 {
			batch = second
		}
		if code, base := c.produce("idem", 0, batch); code != codeNone || base != want {
			t.Fatalf("produce %d: code %d base %d, want success at %d", i, code, base, want)
		}
	}
	code, hw, records := c.fetch("idem", 0, 0, 0, 0)
	if code != codeNone || hw != 5 || !sameBatches(records, bytes.Join([][]byte{first, second}, nil)) {
		t.Fatalf("fetch: code %d hw %d, %d bytes; want each batch once", code, hw, len(records))
	}
	if code, _ := c.produce("idem", 0, idempotentBatch(id, epoch, 9, 1)); code != codeOutOfOrderSequenceNumber {
		t.Errorf("gap: code %d, want OUT_OF_ORDER_SEQUENCE_NUMBER", code)
	}

	// The producer bumps its own epoch, as an idempotent producer does
	// (KIP-360); the broker hands out new ids only.
	bumped := epoch + 1
	third := idempotentBatch(id, bumped, 0, 1)
	if code, base := c.produce("idem", 0, third); code != codeNone || base != 5 {
		t.Fatalf("new epoch: code %d base %d, want success at 5", code, base)
	}
	if code, _ := c.produce("idem", 0, idempotentBatch(id, epoch, 5, 1)); code != codeInvalidProducerEpoch {
		t.Errorf("old epoch: code %d, want INVALID_PRODUCER_EPOCH", code)
	}

	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	if code, base := c.produce("idem", 0, third); code != codeNone || base != 5 {
		t.Fatalf("retry after restart: code %d base %d, want success at 5", code, base)
	}
	if _, hw, _ := c.fetch("idem", 0, 0, 0, 0); hw != 6 {
		t.Errorf("high watermark %d after the retry, want 6", hw)
	}
}

// TestProducerIDsFileLost restarts a broker whose producer-ids file is
// gone or damaged after producers wrote to its partitions. Counting from 0
// again would hand a new producer the id of one whose sequence numbers a
// partition remembers, and its first batches would be refused as out of
// order, or dropped as duplicates while acknowledged. The broker starts
// past every producer id its partitions and transactions know, and says so.
func TestProducerIDsFileLost(t *testing.T) {
	for _, damage := range []struct {
		name string
		do   func(path string)
	}{
		{"deleted", func(path string) { os.Remove(path) }},
		{"garbled", func(path string) { os.WriteFile(path, []byte("version: 0\nnext_blo\x00\x00"), 0o644) }},
	} {
		t.Run(damage.name, func(t *testing.T) {
			dir := t.TempDir()
			tb := startBroker(t, dir)
			c := dial(t, tb.addr)
			c.createTopic("p", 1)
			var last int64
			for range 3 {
				_, id, _ := c.initProducerID(nil, -1, -1)
				if code, _ := c.produce("p", 0, idempotentBatch(id, 0, 0, 1)); code != codeNone {
					t.Fatalf("produce: code %d", code)
				}
				last = id
			}
			tx := "tx"
			_, txID, _ := c.initProducerID(&tx, -1, -1) // known to the transaction state only
			tb.stop()
			damage.do(filepath.Join(dir, producerIDsFile))

			var logs syncBuffer
			tb = startBrokerWith(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			c = dial(t, tb.addr)
			code, id, _ := c.initProducerID(nil, -1, -1)
			if code != codeNone || id <= max(last, txID) {
				t.Errorf("InitProducerId after the file was %s: code %d, id %d; want an id past %d and %d", damage.name, code, id, last, txID)
			}
			if code, offset := c.produce("p", 0, idempotentBatch(id, 0, 0, 1)); code != codeNone || offset != 3 {
				t.Errorf("produce with the new id: code %d at offset %d, want 0 at 3", code, offset)
			}
			if !strings.Contains(logs.String(), producerIDsFile) {
				t.Errorf("no log line names %s:\n%s", producerIDsFile, logs.String())
			}
		})
	}
}

// TestProducerStateSkipsDamagedBatch damages the header of a batch in an
// older segment, which recovery at open does not cut, between a stop and
// a reopen. The replay of the producer state must skip the rest of that
// segment and go on with the later ones, not start with no state at all:
// with none, the retry of a batch acknowledged before the restart was
// appended a second time. A producer whose batches went on past the
// damage keeps its sequence; one last seen before it takes its next batch
// at any sequence, and its retained batches are still duplicates.
func TestProducerStateSkipsDamagedBatch(t *testing.T) {
	dir := t.TempDir()
	opts := logOptions{SegmentBytes: 300} // about three batches a segment
	l := openTestLog(t, dir, opts)
	early, damaged := idempotentBatch(2, 0, 0, 2), idempotentBatch(2, 0, 2, 2)
	appendBatches(t, l, early, damaged)
	var sent [][]byte
	for i := range int32(8) {
		b := idempotentBatch(1, 0, 2*i, 2)
		sent = append(sent, b)
		appendBatches(t, l, b)
	}
	if n := len(segmentFiles(t, dir, logSuffix)); n < 4 {
		t.Fatalf("%d segments, want the damaged one followed by three or more", n)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// The second batch's header is garbled: the replay stops there.
	seg := segmentPath(dir, 0, logSuffix)
	b, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	copy(b[len(early):], bytes.Repeat([]byte{0xee}, batchHeaderSize))
	if err := os.WriteFile(seg, b, 0o644); err != nil {
		t.Fatal(err)
	}

	var logs syncBuffer
	l, err = openPartitionLog(dir, opts, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("openPartitionLog: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	hw := l.HighWatermark()
	// Producer 1's batches after the damage were replayed: its retry
	// is a duplicate, and it still must not skip a sequence.
	wantPlaced(t, l, []appendedBatch{{BaseOffset: hw - 2, Duplicate: true}}, sent[len(sent)-1])
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 0, Duplicate: true}}, early)
	if got := l.HighWatermark(); got != hw {
		t.Fatalf("high watermark %d after the retries, want %d: a retry was appended again", got, hw)
	}
	wantRefused(t, l, errOutOfOrderSequence, idempotentBatch(1, 0, 20, 1))
	// Producer 2's last batch is in the damage: its next is taken.
	wantPlaced(t, l, []appendedBatch{{BaseOffset: hw}}, idempotentBatch(2, 0, 4, 1))
	wantPlaced(t, l, []appendedBatch{{BaseOffset: hw + 1}}, idempotentBatch(1, 0, 16, 1))
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "segment=0") {
		t.Errorf("no WARN naming segment 0:\n%s", logs.String())
	}
}
