// Tests of the log cleaner. Keyed batches are built here from RECORDS.md,
// field by field, and read back with a decoder of their own (gzip
// included), so the cleaner's own encoder and decoder are checked against
// an independent reading of the bytes.

package kafka

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// kv is a test record: a nil value is a tombstone, a nil key no key.
type kv struct {
	key, value []byte
	ts         int64
}

func put(key, value string, ts int64) kv { return kv{[]byte(key), []byte(value), ts} }
func del(key string, ts int64) kv        { return kv{[]byte(key), nil, ts} }

// batchSpec is a test batch's header fields besides its records.
type batchSpec struct {
	codec      int16 // attributes bits 0-2
	attrs      int16 // other attribute bits
	producerID int64
	epoch      int16
	seq        int32
}

var plain = batchSpec{producerID: -1, epoch: -1, seq: -1}

func varBytes(dst, b []byte) []byte {
	if b == nil {
		return binary.AppendVarint(dst, -1)
	}
	return append(binary.AppendVarint(dst, int64(len(b))), b...)
}

// keyedBatch builds a magic-2 batch of recs, compressed with spec's codec:
// gzip by compress/gzip, snappy, lz4 and zstd by codecs.go and zstd.go
// (interop checks those against other encoders).
func keyedBatch(spec batchSpec, recs ...kv) []byte {
	var body []byte
	base, maxTS := recs[0].ts, recs[0].ts
	for i, r := range recs {
		maxTS = max(maxTS, r.ts)
		rec := []byte{0}
		rec = binary.AppendVarint(rec, r.ts-base)
		rec = binary.AppendVarint(rec, int64(i))
		rec = varBytes(rec, r.key)
		rec = varBytes(rec, r.value)
		rec = binary.AppendVarint(rec, 1) // one header, which must survive
		rec = varBytes(rec, []byte("h"))
		rec = varBytes(rec, []byte("v"))
		body = binary.AppendVarint(body, int64(len(rec)))
		body = append(body, rec...)
	}
	switch spec.codec {
	case 1:
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(body)
		zw.Close()
		body = z.Bytes()
	case 2, 3, 4:
		body, _ = compress(int(spec.codec), body, -1)
	}
	b := rawBatch(spec.codec|spec.attrs, int32(len(recs)-1), base, maxTS, int32(len(recs)), body)
	be := binary.BigEndian
	be.PutUint64(b[43:], uint64(spec.producerID))
	be.PutUint16(b[51:], uint16(spec.epoch))
	be.PutUint32(b[53:], uint32(spec.seq))
	be.PutUint32(b[17:], crc32.Checksum(b[21:], castagnoli))
	return b
}

// readRecord is a record read back from the log.
type readRecord struct {
	offset, ts int64
	key, value string
	null       bool // value is null
	headers    int
}

// decodeBatches reads every record of a run of batches, checking each
// batch's CRC, and decompressing gzip, snappy, lz4 and zstd. Control
// batches are skipped; batches that do not decompress are reported by
// base offset in opaque.
func decodeBatches(t *testing.T, b []byte) (recs []readRecord, opaque []int64) {
	t.Helper()
	for len(b) > 0 {
		h, err := parseBatchHeader(b)
		if err == nil {
			err = checkBatch(b, h)
		}
		if err != nil {
			t.Fatalf("batch at %d: %v", h.BaseOffset, err)
		}
		data := b[batchHeaderSize:h.Size()]
		b = b[h.Size():]
		switch {
		case h.Attributes&controlFlag != 0:
			continue
		case h.Attributes&7 == 1:
			zr, err := gzip.NewReader(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		case h.Attributes&7 >= 2 && h.Attributes&7 <= 4:
			out, err := decompress(int(h.Attributes&7), data, 1<<30)
			if err != nil {
				opaque = append(opaque, h.BaseOffset)
				continue
			}
			data = out
		case h.Attributes&7 != 0:
			opaque = append(opaque, h.BaseOffset)
			continue
		}
		for range h.NumRecords {
			n, k := binary.Varint(data)
			r := newReader(data[k:k+int(n)], false)
			data = data[k+int(n):]
			r.Int8()
			ts := h.BaseTimestamp + r.Varint()
			off := h.BaseOffset + r.Varint()
			key, value := r.VarintBytes(), r.VarintBytes()
			nh := int(r.Varint())
			for range nh {
				r.VarintBytes()
				r.VarintBytes()
			}
			if err := r.complete(); err != nil {
				t.Fatalf("record at %d: %v", off, err)
			}
			recs = append(recs, readRecord{off, ts, string(key), string(value), value == nil, nh})
		}
	}
	return recs, opaque
}

// readLog reads the whole partition through Read, as a consumer from the
// start would, and checks that offsets only go up.
func readLog(t *testing.T, l *partitionLog) ([]readRecord, []int64) {
	t.Helper()
	var all []byte
	next := l.LogStartOffset()
	for next < l.HighWatermark() {
		b, err := l.Read(next, 1<<20)
		if err != nil {
			t.Fatalf("Read(%d): %v", next, err)
		}
		hs, err := splitBatches(b)
		if err != nil || len(hs) == 0 {
			t.Fatalf("batches at %d: %v", next, err)
		}
		for _, h := range hs {
			if h.BaseOffset < next {
				t.Fatalf("batch at %d after offset %d", h.BaseOffset, next)
			}
			next = h.LastOffset() + 1
		}
		all = append(all, b...)
	}
	return decodeBatches(t, all)
}

// latest is the last value of each key in recs, "" with ok false for a
// tombstone.
func latest(recs []readRecord) map[string]readRecord {
	m := map[string]readRecord{}
	for _, r := range recs {
		m[r.key] = r
	}
	return m
}

// cleanTest is a compacted partition log with one batch per segment.
type cleanTest struct {
	t   *testing.T
	dir string
	l   *partitionLog
	cp  compaction
}

func newCleanTest(t *testing.T) *cleanTest {
	dir := t.TempDir()
	ct := &cleanTest{t: t, dir: dir, cp: compaction{minDirtyRatio: 0.5, maxLagMs: 1 << 62, deleteRetentionMs: 1000}}
	// Closed segments are read through a descriptor cache of two files
	// (segfiles.go), so the cleaner reads segments whose files it must
	// reopen, as on a broker with many partitions.
	// The batches are timestamped in 1970, so their producers never
	// expire here: the reopens must not forget them.
	ct.l = openTestLog(t, dir, logOptions{SegmentBytes: 100, IndexIntervalBytes: 1, Files: newFileCache(2), ProducerIDExpirationMs: math.MaxInt64})
	return ct
}

// append appends each batch in a segment of its own.
func (ct *cleanTest) append(batches ...[]byte) {
	ct.t.Helper()
	ct.l.setSegmentBytes(1)
	for _, b := range batches {
		appendBatches(ct.t, ct.l, b)
	}
}

// clean runs one cleaning at time now (ms), with a segment size that
// lets it merge the small segments append made.
func (ct *cleanTest) clean(now int64) cleanStats {
	ct.t.Helper()
	ct.l.setSegmentBytes(1 << 20)
	st, err := ct.l.clean(context.Background(), ct.cp, cleanerOptions{dedupeBufferBytes: 1 << 20, now: func() time.Time { return time.UnixMilli(now) }})
	if err != nil {
		ct.t.Fatalf("clean: %v", err)
	}
	return st
}

// reopen closes and opens the log again, as a restart would.
func (ct *cleanTest) reopen() {
	ct.t.Helper()
	ct.l.Close()
	ct.l = openTestLog(ct.t, ct.dir, ct.l.opts)
}

func TestCleanerKeepsLatestPerKey(t *testing.T) {
	ct := newCleanTest(t)
	var want []readRecord
	for v := range 5 {
		for k := range 4 {
			ct.append(keyedBatch(plain, put(fmt.Sprintf("k%d", k), fmt.Sprintf("v%d", v), int64(1000+v))))
		}
	}
	before, _ := readLog(t, ct.l)
	// The last record, k3=v4, is in the active segment, out of the
	// cleaner's sight: k3=v3 is the latest it knows, and stays.
	want = before[15:]
	st := ct.clean(2000)
	if st.recordsRemoved != 15 {
		t.Errorf("removed %d records, want 15", st.recordsRemoved)
	}
	check := func(when string) {
		got, _ := readLog(t, ct.l)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: records\n%v\nwant\n%v", when, got, want)
		}
	}
	check("after cleaning")
	if ct.l.HighWatermark() != 20 || ct.l.LogStartOffset() != 0 {
		t.Errorf("hw %d, log start %d, want 20 and 0", ct.l.HighWatermark(), ct.l.LogStartOffset())
	}
	if n := len(segmentFiles(t, ct.dir, ".log")); n != 2 {
		t.Errorf("%d segments after cleaning, want 2 (one cleaned, the active one)", n)
	}
	ct.reopen()
	check("after reopen")
	// Appends go on at the same offset.
	ct.append(keyedBatch(plain, put("k0", "v5", 3000)))
	if ct.l.HighWatermark() != 21 {
		t.Errorf("hw %d after an append, want 21", ct.l.HighWatermark())
	}
}

func TestCleanerTombstonesKeptThenDropped(t *testing.T) {
	ct := newCleanTest(t)
	ct.append(
		keyedBatch(plain, put("a", "1", 1000)),
		keyedBatch(plain, put("b", "1", 1000)),
		keyedBatch(plain, del("a", 1001)),
		keyedBatch(plain, put("c", "1", 1002)), // active
	)
	ct.clean(5000) // horizon 5000 + 1000
	got, _ := readLog(t, ct.l)
	if len(got) != 3 || got[1].key != "a" || !got[1].null {
		t.Fatalf("after the first cleaning: %v, want b, the tombstone of a, c", got)
	}
	// The tombstone's timestamp is unchanged by the horizon stamp.
	if got[1].ts != 1001 {
		t.Errorf("tombstone timestamp %d, want 1001", got[1].ts)
	}
	b, _ := ct.l.Read(2, 1000)
	if h, _ := parseBatchHeader(b); h.Attributes&deleteHorizonFlag == 0 || h.BaseTimestamp != 6000 {
		t.Errorf("tombstone batch attributes %#x base timestamp %d, want the horizon flag and 6000", h.Attributes, h.BaseTimestamp)
	}
	// Before the horizon a cleaning keeps it; the partition is due at the
	// horizon even without new records.
	ct.reopen()
	ct.clean(5999)
	if got, _ := readLog(t, ct.l); len(got) != 3 {
		t.Fatalf("before the horizon: %v", got)
	}
	if _, dirty, _ := ct.l.dirtiness(ct.cp, time.UnixMilli(5999)); dirty != 0 {
		t.Errorf("before the horizon the partition is not due")
	}
	if _, dirty, must := ct.l.dirtiness(ct.cp, time.UnixMilli(6000)); dirty == 0 || !must {
		t.Errorf("at the horizon the partition is due")
	}
	ct.clean(6000)
	got, _ = readLog(t, ct.l)
	if len(got) != 2 || got[0].key != "b" || got[1].key != "c" {
		t.Fatalf("after the horizon: %v, want b and c", got)
	}
	// The emptied last batch of the group keeps the offsets up to the
	// active segment covered.
	if ct.l.HighWatermark() != 4 {
		t.Errorf("hw %d", ct.l.HighWatermark())
	}
}

func TestCleanerCompactionLag(t *testing.T) {
	ct := newCleanTest(t)
	ct.cp.minLagMs = 100
	ct.append(
		keyedBatch(plain, put("a", "1", 1000)),
		keyedBatch(plain, put("a", "2", 1000)),
		keyedBatch(plain, put("a", "3", 1500)), // too young at 1550
		keyedBatch(plain, put("a", "4", 1500)),
		keyedBatch(plain, put("z", "0", 1500)), // active
	)
	ct.clean(1550)
	got, _ := readLog(t, ct.l)
	var vals []string
	for _, r := range got {
		vals = append(vals, r.value)
	}
	// Only the two old segments were cleanable; the key map saw a=2 as the
	// latest, and the young records stay.
	if want := []string{"2", "3", "4", "0"}; !slices.Equal(vals, want) {
		t.Errorf("values %v, want %v", vals, want)
	}
	ct.clean(1700)
	got, _ = readLog(t, ct.l)
	if len(got) != 2 || got[0].value != "4" {
		t.Errorf("once old enough: %v", got)
	}
}

func TestCleanerDirtyRatioAndMaxLag(t *testing.T) {
	d, err := openLogDir(t.TempDir(), logOptions{SegmentBytes: 100}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	cfg := topicConfig{cleanupPolicyConfig: "compact", "min.cleanable.dirty.ratio": "0.9", "max.compaction.lag.ms": "10000"}
	topic, err := d.CreateTopicWithConfigs("t", 1, cfg)
	if err != nil {
		t.Fatal(err)
	}
	l := topic.Partitions[0]
	for i := range 3 {
		appendBatches(t, l, keyedBatch(plain, put("k", fmt.Sprint(i), 1000)))
	}
	d.CleanNow(context.Background(), time.UnixMilli(2000))
	appendBatches(t, l, keyedBatch(plain, put("k", "3", 3000)))
	appendBatches(t, l, keyedBatch(plain, put("k", "4", 3000)))
	appendBatches(t, l, keyedBatch(plain, put("k", "5", 3000)))
	// Clean: 2 segments; dirty: 3. The ratio is under 0.9.
	if due, _ := d.toClean(time.UnixMilli(5000)); len(due) != 0 {
		t.Fatalf("due at ratio %.2f under min.cleanable.dirty.ratio 0.9", due[0].ratio)
	}
	// After max.compaction.lag.ms the dirty records must be cleaned.
	due, _ := d.toClean(time.UnixMilli(3000 + 10001))
	if len(due) != 1 || !due[0].mustClean {
		t.Fatalf("not due after max.compaction.lag.ms: %+v", due)
	}
	d.CleanNow(context.Background(), time.UnixMilli(3000+10001))
	got, _ := readLog(t, l)
	if len(got) != 2 || got[0].value != "4" || got[1].value != "5" {
		t.Errorf("records %v, want k=4 and, in the active segment, k=5", got)
	}
	// The first dirty offset survives a restart in the checkpoint.
	if b, err := os.ReadFile(filepath.Join(d.path, cleanerCheckpointFile)); err != nil || !strings.Contains(string(b), "t 0 5\n") {
		t.Errorf("checkpoint %q, %v", b, err)
	}
}

func TestCleanerGzipRewritten(t *testing.T) {
	ct := newCleanTest(t)
	gz := batchSpec{codec: 1, producerID: -1, epoch: -1, seq: -1}
	ct.append(keyedBatch(gz, put("a", "1", 1000), put("b", "1", 1001), put("a", "2", 1002), del("c", 1003)))
	ct.append(keyedBatch(plain, put("b", "2", 1004)), keyedBatch(plain, put("z", "0", 1005)))
	ct.clean(2000)
	b, err := ct.l.Read(0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := parseBatchHeader(b)
	if h.Attributes&7 != 1 || h.NumRecords != 2 || h.BaseOffset != 0 || h.LastOffsetDelta != 3 {
		t.Fatalf("rewritten batch: codec %d, %d records, offsets %d+%d; want gzip, 2, 0+3", h.Attributes&7, h.NumRecords, h.BaseOffset, h.LastOffsetDelta)
	}
	got, _ := readLog(t, ct.l)
	want := []readRecord{
		{offset: 2, ts: 1002, key: "a", value: "2", headers: 1},
		{offset: 3, ts: 1003, key: "c", null: true, headers: 1},
		{offset: 4, ts: 1004, key: "b", value: "2", headers: 1},
		{offset: 5, ts: 1005, key: "z", value: "0", headers: 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("records\n%v\nwant\n%v", got, want)
	}
}

// TestCleanerSnappyLZ4Rewritten: snappy, lz4 and zstd batches are
// filtered record by record like gzip ones, and written again with their
// own codec, snappy in the xerial framing Kafka writes.
func TestCleanerSnappyLZ4Rewritten(t *testing.T) {
	for _, codec := range []int16{2, 3, 4} {
		t.Run(codecName(int(codec)), func(t *testing.T) {
			ct := newCleanTest(t)
			spec := batchSpec{codec: codec, producerID: -1, epoch: -1, seq: -1}
			ct.append(keyedBatch(spec, put("a", "1", 1000), put("b", "1", 1001), put("a", "2", 1002), del("c", 1003)))
			ct.append(keyedBatch(spec, put("b", "2", 1004)), keyedBatch(plain, put("z", "0", 1005)))
			st := ct.clean(2000)
			if st.recordsRemoved != 2 || st.opaqueKept != 0 {
				t.Errorf("removed %d records, kept %d batches whole; want 2 and 0", st.recordsRemoved, st.opaqueKept)
			}
			b, err := ct.l.Read(0, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			h, _ := parseBatchHeader(b)
			if h.Attributes&7 != codec || h.NumRecords != 2 || h.BaseOffset != 0 || h.LastOffsetDelta != 3 {
				t.Fatalf("rewritten batch: codec %d, %d records, offsets %d+%d; want %d, 2, 0+3", h.Attributes&7, h.NumRecords, h.BaseOffset, h.LastOffsetDelta, codec)
			}
			if body := b[batchHeaderSize:h.Size()]; codec == 2 && !bytes.HasPrefix(body, xerialMagic) {
				t.Errorf("rewritten snappy records start % x, want the xerial magic", body[:8])
			}
			got, opaque := readLog(t, ct.l)
			want := []readRecord{
				{offset: 2, ts: 1002, key: "a", value: "2", headers: 1},
				{offset: 3, ts: 1003, key: "c", null: true, headers: 1},
				{offset: 4, ts: 1004, key: "b", value: "2", headers: 1},
				{offset: 5, ts: 1005, key: "z", value: "0", headers: 1},
			}
			if !slices.Equal(got, want) || len(opaque) != 0 {
				t.Errorf("records\n%v\nwant\n%v (opaque %v)", got, want, opaque)
			}
			// Past the horizon the tombstone goes: nothing opaque holds it.
			ct.clean(1 << 40)
			if got, _ := readLog(t, ct.l); len(got) != 3 || got[1].key != "b" {
				t.Errorf("after the horizon: %v, want a, b and z", got)
			}
		})
	}
}

// opaqueBatch is a batch under codec (2 snappy, 3 lz4, 4 zstd) whose
// records the broker cannot read: uncompressed records under that flag,
// which the snappy, lz4 and zstd decoders refuse as malformed.
func opaqueBatch(codec int16, spec batchSpec, n int32, ts int64) []byte {
	spec.codec = 0
	b := keyedBatch(spec, put("x", "opaque bytes", ts))
	be := binary.BigEndian
	be.PutUint16(b[21:], be.Uint16(b[21:])|uint16(codec))
	be.PutUint32(b[23:], uint32(n-1))
	be.PutUint32(b[57:], uint32(n))
	be.PutUint32(b[17:], crc32.Checksum(b[21:], castagnoli))
	return b
}

func TestCleanerOpaqueBatches(t *testing.T) {
	for _, codec := range []int16{2, 3, 4} {
		t.Run(fmt.Sprint("codec", codec), func(t *testing.T) {
			ct := newCleanTest(t)
			opaque := opaqueBatch(codec, plain, 3, 1000)
			ct.append(
				keyedBatch(plain, put("a", "1", 1000)),
				opaque,
				keyedBatch(plain, del("a", 1001)),
				keyedBatch(plain, put("b", "1", 1002)),
				keyedBatch(plain, put("z", "0", 1003)), // active
			)
			ct.clean(2000)
			ct.clean(1 << 40) // far past the horizon
			got, opaqueAt := readLog(t, ct.l)
			if !slices.Equal(opaqueAt, []int64{1}) {
				t.Errorf("opaque batches at %v, want [1]", opaqueAt)
			}
			b, _ := ct.l.Read(1, 1)
			if !bytes.Equal(b[batchMagicOffset:], opaque[batchMagicOffset:]) {
				t.Errorf("opaque batch changed")
			}
			// The tombstone after the opaque batch stays: the batch may hold
			// a value of a.
			if len(got) != 3 || got[0].key != "a" || !got[0].null {
				t.Errorf("records %v, want the tombstone of a, b and z", got)
			}
		})
	}
}

// TestCleanerOpaqueCost measures what keeping opaque batches whole costs:
// the same 20 versions of 10 keys, in gzip, snappy, lz4 and zstd batches
// (rewritten) and in batches flagged zstd whose records are not (kept),
// with the bytes each keeps after cleaning.
func TestCleanerOpaqueCost(t *testing.T) {
	const opaque = -1
	sizes := map[int16]int64{}
	for _, codec := range []int16{1, 2, 3, 4, opaque} {
		ct := newCleanTest(t)
		for v := range 20 {
			var recs []kv
			for k := range 10 {
				recs = append(recs, put(fmt.Sprintf("key-%d", k), strings.Repeat(fmt.Sprint(v), 100), 1000))
			}
			if codec == opaque {
				ct.append(mislabeled(keyedBatch(batchSpec{producerID: -1, epoch: -1, seq: -1}, recs...), codecZstd))
				continue
			}
			ct.append(keyedBatch(batchSpec{codec: codec, producerID: -1, epoch: -1, seq: -1}, recs...))
		}
		st := ct.clean(2000)
		sizes[codec] = st.bytesOut
		t.Logf("codec %d: %d bytes of closed segments before cleaning, %d after", codec, st.bytesIn, st.bytesOut)
	}
	for _, codec := range []int16{1, 2, 3, 4} {
		if sizes[opaque] <= 5*sizes[codec] {
			t.Errorf("opaque batches kept %d bytes, %s %d: keeping them whole should cost far more", sizes[opaque], codecName(int(codec)), sizes[codec])
		}
	}
}

// mislabeled sets an uncompressed batch's codec bits to codec, leaving
// its records as they are, and signs it again.
func mislabeled(b []byte, codec int) []byte {
	be := binary.BigEndian
	be.PutUint16(b[21:], be.Uint16(b[21:])|uint16(codec))
	be.PutUint32(b[17:], crc32.Checksum(b[21:], castagnoli))
	return b
}

func TestCleanerAbortedOpaqueBatchDropped(t *testing.T) {
	ct := newCleanTest(t)
	txn := batchSpec{attrs: transactionalFlag, producerID: 8, epoch: 0, seq: 0}
	ct.append(
		opaqueBatch(4, txn, 2, 1000),
		markerBatch(8, 0, markerAbort, 1001),
		keyedBatch(batchSpec{producerID: 8, epoch: 0, seq: 2}, put("k", "1", 1002)), // producer 8's last batch
		keyedBatch(plain, put("z", "0", 1003)),
	)
	ct.clean(2000)
	if _, opaque := readLog(t, ct.l); len(opaque) != 0 {
		t.Errorf("aborted opaque batch kept at %v", opaque)
	}
}

// TestCleanerTransactionMarkers follows a committed and an aborted
// transaction through three cleanings: data first, then the markers get
// a horizon, then they go.
func TestCleanerTransactionMarkers(t *testing.T) {
	ct := newCleanTest(t)
	ct.append(
		keyedBatch(batchSpec{attrs: transactionalFlag, producerID: 7, epoch: 0, seq: 0}, put("a", "committed", 1000)),
		markerBatch(7, 0, markerCommit, 1000),
		keyedBatch(batchSpec{attrs: transactionalFlag, producerID: 8, epoch: 0, seq: 0}, put("b", "aborted", 1000)),
		markerBatch(8, 0, markerAbort, 1000),
		keyedBatch(plain, put("a", "later", 1001)),
		// Each producer's last batch is elsewhere, so no batch is kept for
		// their idempotence state.
		keyedBatch(batchSpec{producerID: 7, epoch: 0, seq: 1}, put("p7", "x", 1001)),
		keyedBatch(batchSpec{producerID: 8, epoch: 0, seq: 1}, put("p8", "x", 1001)),
		keyedBatch(plain, put("z", "0", 1002)), // active
	)
	count := func() (data, markers int, keys []string) {
		b, err := ct.l.Read(0, 1<<20)
		for next := int64(0); err == nil && next < ct.l.HighWatermark(); {
			b, err = ct.l.Read(next, 1<<20)
			hs, _ := splitBatches(b)
			for _, h := range hs {
				if h.isControl() && h.NumRecords > 0 {
					markers++
				}
				next = h.LastOffset() + 1
			}
		}
		recs, _ := readLog(t, ct.l)
		for _, r := range recs {
			keys = append(keys, r.key+"="+r.value)
		}
		return len(recs), markers, keys
	}
	ct.clean(2000)
	if _, markers, keys := count(); markers != 2 || slices.Contains(keys, "b=aborted") || slices.Contains(keys, "a=committed") {
		t.Fatalf("first cleaning: %d markers, records %v; want both markers, no aborted or shadowed record", markers, keys)
	}
	// The read_committed view still has the transactions right.
	if lso := ct.l.LastStableOffset(); lso != ct.l.HighWatermark() {
		t.Errorf("LSO %d, hw %d", lso, ct.l.HighWatermark())
	}
	ct.append(keyedBatch(plain, put("z", "1", 3000)))
	ct.clean(3000) // the markers' transactions have no batch left: horizon 4000
	if _, markers, _ := count(); markers != 2 {
		t.Fatalf("second cleaning: %d markers, want 2 until the horizon", markers)
	}
	ct.clean(4000)
	_, markers, keys := count()
	if markers != 0 {
		t.Errorf("after the horizon: %d markers, want 0", markers)
	}
	want := []string{"a=later", "p7=x", "p8=x", "z=0", "z=1"}
	if !slices.Equal(keys, want) {
		t.Errorf("records %v, want %v", keys, want)
	}
	// A restart rebuilds the same transaction state: nothing open.
	ct.reopen()
	if lso := ct.l.LastStableOffset(); lso != ct.l.HighWatermark() {
		t.Errorf("after reopen LSO %d, hw %d", lso, ct.l.HighWatermark())
	}
}

// TestCleanerKeepsProducerState: a producer's last batch survives as an
// empty batch, so that after a restart its retry is still a duplicate and
// its next sequence is still checked.
func TestCleanerKeepsProducerState(t *testing.T) {
	ct := newCleanTest(t)
	last := keyedBatch(batchSpec{producerID: 5, epoch: 0, seq: 0}, put("k", "1", 1000))
	ct.append(last, keyedBatch(plain, put("k", "2", 1001)), keyedBatch(plain, put("z", "0", 1002)))
	ct.clean(2000)
	b, _ := ct.l.Read(0, 1<<20)
	h, _ := parseBatchHeader(b)
	if h.BaseOffset != 0 || h.NumRecords != 0 || h.ProducerID != 5 || h.BaseSequence != 0 {
		t.Fatalf("first batch after cleaning: %+v, want producer 5's batch, empty", h)
	}
	ct.reopen()
	hs, _ := splitBatches(last)
	placed, err := ct.l.Append(slices.Clone(last), hs)
	if err != nil || !placed[0].Duplicate || placed[0].BaseOffset != 0 {
		t.Fatalf("retry after cleaning and restart: %+v, %v; want a duplicate of offset 0", placed, err)
	}
	skip := keyedBatch(batchSpec{producerID: 5, epoch: 0, seq: 5}, put("k", "3", 1003))
	hs, _ = splitBatches(skip)
	if _, err := ct.l.Append(skip, hs); err == nil {
		t.Errorf("a sequence gap was accepted after cleaning")
	}
}

// TestCleanerGapsServed: reads and timestamp lookups that land in a gap
// left by the cleaner answer from the next batch that exists.
func TestCleanerGapsServed(t *testing.T) {
	ct := newCleanTest(t)
	for i := range 6 {
		ct.append(keyedBatch(plain, put(fmt.Sprint("k", i%2), fmt.Sprint(i), int64(1000+i))))
	}
	ct.clean(5000) // keeps k1=3 at 3, k0=4 at 4, and k1=5 at 5 (active)
	b, err := ct.l.Read(1, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := parseBatchHeader(b); h.BaseOffset != 3 {
		t.Errorf("read at 1 starts at %d, want 3", h.BaseOffset)
	}
	if off, ts, ok := ct.l.OffsetForTimestamp(1001); !ok || off != 3 || ts != 1003 {
		t.Errorf("offset for timestamp 1001: %d %d %v, want 3 1003", off, ts, ok)
	}
	if off, ts, ok := ct.l.MaxTimestamp(); !ok || off != 5 || ts != 1005 {
		t.Errorf("max timestamp: %d %d %v", off, ts, ok)
	}
}

// TestCleanerCrashRecovery stops a cleaning at each step of the swap and
// reopens the log: either the old segments or the new one, never a mix.
func TestCleanerCrashRecovery(t *testing.T) {
	for _, step := range []string{"cleaned", "swap", "old-deleted"} {
		t.Run(step, func(t *testing.T) {
			ct := newCleanTest(t)
			for v := range 3 {
				for k := range 3 {
					ct.append(keyedBatch(plain, put(fmt.Sprint("k", k), fmt.Sprint(v), 1000)))
				}
			}
			before, _ := readLog(t, ct.l)
			// Run a cleaning's first steps by hand on the whole group.
			l := ct.l
			now := time.UnixMilli(2000)
			plan, _ := l.planClean(ct.cp, now)
			keys, end, _ := l.buildKeyMap(context.Background(), plan, 1<<20, newThrottle(0))
			f := &cleanFilter{opts: plan.opts, keys: keys, mapEnd: end, uncleanable: plan.uncleanable, now: 2000, txns: newTxnCleaning(nil), nextHorizon: 1 << 62}
			l.setSegmentBytes(1 << 20)
			group := groupSegments(plan.segs, end, 1<<20)[0]
			out, _ := os.OpenFile(segmentPath(l.dir, group[0].base, logSuffix+cleanedSuffix), os.O_RDWR|os.O_CREATE, 0o644)
			s := &segment{base: group[0].base, log: out, idx: newIndexer()}
			if _, err := l.writeCleaned(context.Background(), group, s, f, newThrottle(0), &cleanStats{}); err != nil {
				t.Fatal(err)
			}
			if step != "cleaned" {
				if err := l.commitCleaned(s, group); err != nil {
					t.Fatal(err)
				}
			}
			if step == "old-deleted" {
				for _, old := range group[1:] {
					removeSegmentFiles(l.dir, old.base, "")
				}
			}
			out.Close()
			ct.reopen() // the log never closed cleanly in between: a crash
			got, _ := readLog(t, ct.l)
			want := before
			if step != "cleaned" {
				want = before[len(before)-4:] // k2=1 is the latest outside the active segment
			}
			if !slices.Equal(got, want) {
				t.Errorf("after a crash at %s:\n%v\nwant\n%v", step, got, want)
			}
			if left := append(segmentFiles(t, ct.dir, cleanedSuffix), segmentFiles(t, ct.dir, swapSuffix)...); len(left) > 0 {
				t.Errorf("left over: %v", left)
			}
		})
	}
}

// TestProduceNullKeyToCompactedTopic: Kafka's LogValidator refuses a
// record without a key on a compacted topic with INVALID_RECORD.
func TestProduceNullKeyToCompactedTopic(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("table", 1, map[string]*string{"cleanup.policy": ptr("compact")}); code != codeNone {
		t.Fatalf("create: %d", code)
	}
	for _, spec := range []batchSpec{plain, {codec: 1, producerID: -1, epoch: -1, seq: -1},
		{codec: 2, producerID: -1, epoch: -1, seq: -1}, {codec: 3, producerID: -1, epoch: -1, seq: -1}} {
		if code, _ := c.produce("table", 0, keyedBatch(spec, put("k", "v", 1000), kv{nil, []byte("v"), 1000})); code != codeInvalidRecord {
			t.Errorf("codec %d: null key answered %d, want INVALID_RECORD", spec.codec, code)
		}
		if code, _ := c.produce("table", 0, keyedBatch(spec, put("k", "v", 1000))); code != codeNone {
			t.Errorf("codec %d: keyed record answered %d", spec.codec, code)
		}
	}
	c.createTopic("stream", 1)
	if code, _ := c.produce("stream", 0, keyedBatch(plain, kv{nil, []byte("v"), 1000})); code != codeNone {
		t.Errorf("null key on a delete topic answered %d", code)
	}
}

// TestOffsetsTopicCompacted commits 100,000 times for one group, in
// process through the coordinator, and shows that __consumer_offsets stays
// small once cleaned and that a restart replays only the live entries.
func TestOffsetsTopicCompacted(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{DataDir: dir, OffsetsTopicSegmentBytes: 64 << 10, Logger: slog.New(slog.DiscardHandler)}
	b, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.logs.CreateTopic("events", 4); err != nil {
		t.Fatal(err)
	}
	const commits = 100_000
	for i := range commits {
		resp := b.groups.commitOffsets(&offsetCommitRequest{
			GroupID: "g", GenerationIDOrMemberEpoch: -1,
			Topics: []offsetCommitTopic{{Name: "events", Partitions: []offsetCommitPartition{
				{PartitionIndex: int32(i % 4), CommittedOffset: int64(i), CommittedLeaderEpoch: -1},
			}}},
		}, 8)
		if code := resp.Topics[0].Partitions[0].ErrorCode; code != codeNone {
			t.Fatalf("commit %d: error %d", i, code)
		}
	}
	size := func() (total int64, segments int) {
		l := b.groups.offsets
		l.mu.RLock()
		defer l.mu.RUnlock()
		for _, s := range l.segments {
			total += s.size
		}
		return total, len(l.segments)
	}
	before, segsBefore := size()
	b.logs.CleanNow(context.Background(), time.Now())
	after, segsAfter := size()
	t.Logf("__consumer_offsets: %d bytes in %d segments before cleaning, %d bytes in %d after", before, segsBefore, after, segsAfter)
	// What is left: the cleaned segment, a handful of records, and the
	// active segment, at most offsets.topic.segment.bytes.
	if after > 64<<10+4<<10 || segsAfter > 2 {
		t.Errorf("%d bytes in %d segments after cleaning, want at most about one segment's worth in two", after, segsAfter)
	}
	b.groups.close()
	if err := b.logs.Close(); err != nil {
		t.Fatal(err)
	}

	b, err = Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { b.groups.close(); b.logs.Close() }()
	// The active segment was not cleaned: it holds up to 64 KiB of
	// commits, some hundreds, against the 100,000 made.
	if b.groups.loaded > 1000 {
		t.Errorf("restart replayed %d records of %d commits", b.groups.loaded, commits)
	}
	t.Logf("restart replayed %d records", b.groups.loaded)
	got := b.groups.fetchOffsets("g", nil)
	var offsets []int64
	for _, tp := range got {
		for _, p := range tp.Partitions {
			offsets = append(offsets, p.CommittedOffset)
		}
	}
	slices.Sort(offsets)
	if want := []int64{commits - 4, commits - 3, commits - 2, commits - 1}; !slices.Equal(offsets, want) {
		t.Errorf("offsets after restart %v, want %v", offsets, want)
	}
}

// setSegmentBytes changes only segment.bytes of l.
func (l *partitionLog) setSegmentBytes(n int64) {
	o := l.opts
	o.SegmentBytes = n
	l.SetSegmentOptions(o)
}

// TestCleanerGapsOverTheWire: after a cleaning, Fetch at an offset the
// cleaner removed answers from the next batch there is, and ListOffsets
// answers the log start, the end and timestamps around the gaps.
func TestCleanerGapsOverTheWire(t *testing.T) {
	tb := startBrokerWith(t, Config{DataDir: t.TempDir(), CleanerBackoff: time.Hour})
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("table", 1, map[string]*string{"cleanup.policy": ptr("compact"), "segment.bytes": ptr("1000")}); code != codeNone {
		t.Fatalf("create: %d", code)
	}
	big := strings.Repeat("x", 600)
	for i := range 40 {
		// Key k-i%10: offsets 30..39 hold the latest of each key.
		if code, _ := c.produce("table", 0, keyedBatch(plain, put(fmt.Sprint("k-", i%10), big, int64(1000+i)))); code != codeNone {
			t.Fatalf("produce %d: %d", i, code)
		}
	}
	tb.logs.CleanNow(context.Background(), time.UnixMilli(5000))

	// A consumer fetching from 5 moves past each batch it gets, empty
	// ones (the cleaner keeps the last batch of each rewritten group, see
	// cleaner.go) included, and gets exactly the latest records.
	var recs []readRecord
	for next := int64(5); next < 40; {
		code, hw, records := c.fetch("table", 0, next, 0, 0)
		if code != codeNone || hw != 40 || len(records) == 0 {
			t.Fatalf("fetch at %d: code %d hw %d, %d bytes", next, code, hw, len(records))
		}
		got, _ := decodeBatches(t, records)
		recs = append(recs, got...)
		hs, _ := splitBatches(records)
		if last := hs[len(hs)-1].LastOffset(); last >= next {
			next = last + 1
		} else {
			t.Fatalf("fetch at %d ends at %d", next, last)
		}
	}
	var offsets []int64
	for _, r := range recs {
		offsets = append(offsets, r.offset)
	}
	if want := []int64{29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39}; !slices.Equal(offsets, want) {
		// k-9's latest is at 39, in the active segment; 29 is the latest
		// the cleaner saw.
		t.Errorf("offsets read from 5: %v, want %v", offsets, want)
	}
	for _, tc := range []struct {
		ts   int64
		want int64
	}{{-2, 0}, {-1, 40}, {1005, 29}, {1033, 33}, {9999, -1}} {
		if code, off := c.listOffset("table", 0, tc.ts); code != codeNone || off != tc.want {
			t.Errorf("ListOffsets %d: code %d offset %d, want %d", tc.ts, code, off, tc.want)
		}
	}
}

// TestSendSectionOfReplacedSegment: a fetch that found its section in a
// segment the cleaner then replaced must not send the new file's bytes
// at the old positions, which here hold another batch of the same size.
func TestSendSectionOfReplacedSegment(t *testing.T) {
	ct := newCleanTest(t)
	big := strings.Repeat("v", 40<<10)
	ct.l.setSegmentBytes(85 << 10) // two batches a segment
	for i, k := range []string{"k1", "k2", "k1", "k3", "k4"} {
		appendBatches(t, ct.l, keyedBatch(plain, put(k, big+fmt.Sprint(i), 1000)))
	}
	sec, err := ct.l.ReadSection(1, 1) // k2's batch, the second of segment 0
	if err != nil || sec.data != nil || sec.size <= inlineSectionBytes {
		t.Fatalf("section %+v, %v: want one sent from the file", sec, err)
	}
	var buf bytes.Buffer
	if err := sendSection(&buf, sec); err != nil {
		t.Fatalf("before the cleaning: %v", err)
	}
	ct.clean(2000) // segments 0 and 1 become k2, k1, k3: k1's batch is where k2's was
	buf.Reset()
	if err := sendSection(&buf, sec); err == nil {
		recs, _ := decodeBatches(t, buf.Bytes())
		t.Errorf("a section of the replaced segment was sent from its successor: %s at %d", recs[0].key, recs[0].offset)
	}
}

// TestCleanerHorizonSurvivesRestart: the time a kept tombstone may go is
// checkpointed, so that after a restart the partition is cleaned then
// without waiting for new records.
func TestCleanerHorizonSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	open := func() (*logDir, *partitionLog) {
		d, err := openLogDir(dir, logOptions{SegmentBytes: 1}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		return d, d.Topic("t").Partitions[0]
	}
	d, err := openLogDir(dir, logOptions{SegmentBytes: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTopicWithConfigs("t", 1, topicConfig{cleanupPolicyConfig: "compact", deleteRetentionMsConfig: "1000"}); err != nil {
		t.Fatal(err)
	}
	l := d.Topic("t").Partitions[0]
	appendBatches(t, l, keyedBatch(plain, put("a", "1", 1000)))
	appendBatches(t, l, keyedBatch(plain, del("a", 1000)))
	appendBatches(t, l, keyedBatch(plain, put("b", "1", 1000)))
	d.CleanNow(context.Background(), time.UnixMilli(5000))
	d.Close()

	d, l = open()
	if _, h := l.cleanerState(); h != 6000 {
		t.Fatalf("next horizon after restart %d, want 6000", h)
	}
	if due, _ := d.toClean(time.UnixMilli(5999)); len(due) != 0 {
		t.Errorf("due before the horizon")
	}
	d.CleanNow(context.Background(), time.UnixMilli(6000))
	if got, _ := readLog(t, l); len(got) != 1 || got[0].key != "b" {
		t.Errorf("after the horizon: %v, want b alone", got)
	}
}

// BenchmarkClean measures a cleaning of 100 versions of 100 keys, in
// batches of 100 records, uncompressed and gzip; bytes are those of the
// closed segments read.
func BenchmarkClean(b *testing.B) {
	for _, codec := range []int16{0, 1} {
		b.Run(fmt.Sprint("codec", codec), func(b *testing.B) {
			t := &testing.T{}
			for range b.N {
				b.StopTimer()
				l, err := openPartitionLog(b.TempDir(), logOptions{SegmentBytes: 64 << 10}, nil)
				if err != nil {
					b.Fatal(err)
				}
				for v := range 100 {
					var recs []kv
					for k := range 100 {
						recs = append(recs, put(fmt.Sprint("key-", k), fmt.Sprint("value-", v, "-", k), int64(1000+v)))
					}
					appendBatches(t, l, keyedBatch(batchSpec{codec: codec, producerID: -1, epoch: -1, seq: -1}, recs...))
				}
				b.StartTimer()
				st, err := l.clean(context.Background(), compaction{minDirtyRatio: 0.5, maxLagMs: 1 << 62, deleteRetentionMs: 1000},
					cleanerOptions{dedupeBufferBytes: 1 << 20, now: func() time.Time { return time.UnixMilli(5000) }})
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(st.bytesIn)
				l.Close()
			}
		})
	}
}

// TestCleanerConcurrent cleans again and again while a producer appends
// and a reader reads the partition from the start: under -race, this is
// the check of the cleaner's locking, and every read must see whole
// batches in offset order with every key's latest value at the end.
func TestCleanerConcurrent(t *testing.T) {
	ct := newCleanTest(t)
	ct.l.setSegmentBytes(2 << 10)
	done := make(chan struct{})
	errs := make(chan error, 2)
	go func() { // producer
		defer close(done)
		for v := range 1000 {
			var recs []kv
			for k := range 5 {
				recs = append(recs, put(fmt.Sprint("k", k), fmt.Sprint(v), int64(1000+v)))
			}
			b := keyedBatch(plain, recs...)
			hs, _ := splitBatches(b)
			if _, err := ct.l.Append(b, hs); err != nil {
				errs <- err
				return
			}
		}
		errs <- nil
	}()
	go func() { // reader
		for {
			select {
			case <-done:
				errs <- nil
				return
			default:
			}
			next := ct.l.LogStartOffset()
			for next < ct.l.HighWatermark() {
				b, err := ct.l.Read(next, 4<<10)
				if err != nil {
					errs <- err
					return
				}
				hs, err := splitBatches(b)
				if err != nil || len(hs) == 0 || hs[0].LastOffset() < next {
					errs <- fmt.Errorf("read at %d: %v, %d batches", next, err, len(hs))
					return
				}
				next = hs[len(hs)-1].LastOffset() + 1
			}
		}
	}()
	cleanings := 0
	for running := true; running; cleanings++ {
		select {
		case <-done:
			running = false
		default:
		}
		if _, err := ct.l.clean(context.Background(), ct.cp, cleanerOptions{dedupeBufferBytes: 1 << 20, now: func() time.Time { return time.UnixMilli(2000) }}); err != nil {
			t.Fatal(err)
		}
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	got, _ := readLog(t, ct.l)
	last := latest(got)
	for k := range 5 {
		if r := last[fmt.Sprint("k", k)]; r.value != "999" {
			t.Errorf("k%d: latest %q, want 999", k, r.value)
		}
	}
	t.Logf("%d cleanings during 1000 appends; %d records left", cleanings, len(got))
}

// TestCleanerDropsEmptiedBatchWithoutProducer: a batch all of whose
// records were compacted away is dropped unless it is the last batch of a
// producer whose state must survive; Kafka's LogCleaner keeps an empty
// batch (RETAIN_EMPTY) only for a batch with a producer id. This broker
// used to keep the last batch of every rewritten group as an empty batch,
// and kafka-go's Reader, given a fetch answered by that batch alone, went
// back to offset 1 (docs/compatibility.md, TestReaderReadCompactedMessage).
func TestCleanerDropsEmptiedBatchWithoutProducer(t *testing.T) {
	ct := newCleanTest(t)
	ct.append(keyedBatch(plain, put("k", "1", 1000)), keyedBatch(plain, put("k", "2", 1001)), keyedBatch(plain, put("z", "0", 1002)))
	// Segments so small that each group is one segment: the batch at 0 is
	// the last (and only) one of its group.
	ct.l.setSegmentBytes(1)
	if _, err := ct.l.clean(context.Background(), ct.cp, cleanerOptions{dedupeBufferBytes: 1 << 20, now: func() time.Time { return time.UnixMilli(2000) }}); err != nil {
		t.Fatal(err)
	}
	for _, reopen := range []bool{false, true} {
		if reopen {
			ct.reopen()
		}
		b, err := ct.l.Read(0, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		hs, err := splitBatches(b)
		if err != nil || len(hs) == 0 {
			t.Fatalf("read at 0: %v, %d batches", err, len(hs))
		}
		if hs[0].BaseOffset != 1 || hs[0].NumRecords != 1 {
			t.Errorf("reopened %v: read at 0 starts with the batch at %d of %d records, want k=2 at 1", reopen, hs[0].BaseOffset, hs[0].NumRecords)
		}
		recs, _ := readLog(t, ct.l)
		if len(recs) != 2 || recs[0].key != "k" || recs[0].value != "2" || recs[1].key != "z" {
			t.Errorf("reopened %v: log after cleaning %v, want k=2 z=0", reopen, recs)
		}
	}
}

// TestCleanerCrashAfterCommitWithDroppedTail: a group whose last segment
// loses every record to a later group leaves a swap whose offsets end
// before the group does. A crash after the commit, before the old
// segments are deleted, must still delete all of them at the next open,
// or the dropped records would come back beside the cleaned segment.
func TestCleanerCrashAfterCommitWithDroppedTail(t *testing.T) {
	ct := newCleanTest(t)
	ct.append(
		keyedBatch(plain, put("k0", "0", 1000)),
		keyedBatch(plain, put("k1", "0", 1000)),
		keyedBatch(plain, put("k0", "1", 1000)),
		keyedBatch(plain, put("k1", "1", 1000)),
		keyedBatch(plain, put("k2", "0", 1000)),
	)
	l := ct.l
	plan, _ := l.planClean(ct.cp, time.UnixMilli(2000))
	keys, end, _ := l.buildKeyMap(context.Background(), plan, 1<<20, newThrottle(0))
	f := &cleanFilter{opts: plan.opts, keys: keys, mapEnd: end, uncleanable: plan.uncleanable, now: 2000, txns: newTxnCleaning(nil), nextHorizon: 1 << 62}
	groups := groupSegments(plan.segs, end, plan.segs[0].size+plan.segs[1].size)
	group := groups[0]
	if len(group) != 2 || group[1].base != 1 {
		t.Fatalf("first group: %d segments, want offsets 0 and 1", len(group))
	}
	out, _ := os.OpenFile(segmentPath(l.dir, group[0].base, logSuffix+cleanedSuffix), os.O_RDWR|os.O_CREATE, 0o644)
	s := &segment{base: group[0].base, log: out, idx: newIndexer()}
	if _, err := l.writeCleaned(context.Background(), group, s, f, newThrottle(0), &cleanStats{}); err != nil {
		t.Fatal(err)
	}
	if err := l.commitCleaned(s, group); err != nil {
		t.Fatal(err)
	}
	out.Close()
	ct.reopen() // a crash right after the commit
	got, _ := readLog(t, ct.l)
	for _, r := range got {
		if r.offset < 2 {
			t.Errorf("record at offset %d survived its group's cleaning: %v", r.offset, got)
		}
	}
	if left := append(segmentFiles(t, ct.dir, cleanedSuffix), segmentFiles(t, ct.dir, swapSuffix)...); len(left) > 0 {
		t.Errorf("left over: %v", left)
	}
}

// TestCleanerSkipsOfflinePartition: a partition that went offline after a
// failed fsync (flush.go) is not due and cannot be planned, so the
// cleaner leaves its files as they are for the restart that recovers it.
func TestCleanerSkipsOfflinePartition(t *testing.T) {
	ct := newCleanTest(t)
	for v := range 3 {
		ct.append(keyedBatch(plain, put("k", fmt.Sprint(v), int64(1000+v))))
	}
	if _, dirty, _ := ct.l.dirtiness(ct.cp, time.UnixMilli(2000)); dirty == 0 {
		t.Fatal("the partition is not dirty before it goes offline: the test needs it to be")
	}
	ct.l.fail(errors.New("injected: input/output error"))
	if ratio, dirty, must := ct.l.dirtiness(ct.cp, time.UnixMilli(2000)); ratio != 0 || dirty != 0 || must {
		t.Errorf("offline partition: dirtiness %v, %d, %v; want it not due", ratio, dirty, must)
	}
	if _, err := ct.l.clean(context.Background(), ct.cp, cleanerOptions{dedupeBufferBytes: 1 << 20, now: func() time.Time { return time.UnixMilli(2000) }}); err == nil {
		t.Error("a cleaning of an offline partition went ahead")
	}
}

// TestDeleteTopicDuringCleaningLogsNoWarning deletes a compacted topic
// while the cleaner writes the cleaned copy of its segments. The deletion
// renames the partition's dir away, and the cleaner, which then wrote its
// index files by the old path, failed with "no such file or directory"
// and logged "cleaning failed", seen in kafka-go's suite
// (docs/compatibility.md). Kafka aborts a partition's cleaning before it
// renames the dir (LogManager.asyncDelete), and an aborted cleaning is no
// failure to report.
//
// The cleaning is throttled so that it sleeps after reading its last
// batch, past the last point where it looks for a close; the topic is
// deleted during that sleep.
func TestDeleteTopicDuringCleaningLogsNoWarning(t *testing.T) {
	var logged bytes.Buffer
	d, err := openLogDir(t.TempDir(), logOptions{SegmentBytes: 1}, slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if _, err := d.CreateTopicWithConfigs("t", 1, topicConfig{cleanupPolicyConfig: "compact"}); err != nil {
		t.Fatal(err)
	}
	pl := d.Topic("t").Partitions[0]
	// a=1 is compacted away, so the group of the two closed segments is
	// rewritten; the large a=2 sets the pace of the throttle; b closes
	// a=2's segment.
	const big, rate = 8 << 10, 32 << 10 // a=2 takes a quarter second a pass
	appendBatches(t, pl, keyedBatch(plain, put("a", "1", 1000)))
	appendBatches(t, pl, keyedBatch(plain, put("a", strings.Repeat("2", big), 1000)))
	appendBatches(t, pl, keyedBatch(plain, put("b", "1", 1000)))
	pl.setSegmentBytes(1 << 20) // one group for the cleaning

	done := make(chan struct{})
	go func() {
		defer close(done)
		d.cleanRound(context.Background(), cleanerOptions{dedupeBufferBytes: 1 << 20, ioBytesPerSecond: rate, now: func() time.Time { return time.UnixMilli(5000) }})
	}()
	// The .cleaned file appears once the key map is built (a quarter
	// second); the rewrite then reads a=1 and a=2 and sleeps half a
	// second for a=2, read and written. The deletion comes in the middle
	// of that sleep.
	cleaned := filepath.Join(pl.dir, "*"+logSuffix+cleanedSuffix)
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		if m, _ := filepath.Glob(cleaned); len(m) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cleaning never started its rewrite")
		}
	}
	time.Sleep(150 * time.Millisecond)
	if err := d.DeleteTopic("t"); err != nil {
		t.Fatal(err)
	}
	<-done
	if logged.Len() > 0 {
		t.Errorf("deleting a topic during its cleaning logged:\n%s", logged.String())
	}
}

// TestCleanerGapsLogNothing: a read of segments the cleaner has emptied
// or cut logs no "records missing", even before the cleaning has moved
// cleanedTo, as a read between the swap of a cleaning's first group and
// its end finds the partition. (The broker logged records as lost outside
// it when franz-go read a topic during its first cleaning.)
func TestCleanerGapsLogNothing(t *testing.T) {
	ct := newCleanTest(t)
	for i := range 5 {
		ct.append(keyedBatch(plain, put(fmt.Sprint("k", i%2), fmt.Sprint(i), int64(1000+i))))
	}
	ct.append(keyedBatch(plain, put("end", "", 1005)))
	// Segments of one byte: each closed segment is a group of its own,
	// so k0=0, k1=1 and k0=2 leave segments that end in a gap.
	st, err := ct.l.clean(context.Background(), ct.cp, cleanerOptions{dedupeBufferBytes: 1 << 20, now: func() time.Time { return time.UnixMilli(5000) }})
	if err != nil || st.recordsRemoved != 3 {
		t.Fatalf("clean: %+v, %v; want 3 records removed", st, err)
	}
	var logged bytes.Buffer
	ct.l.logger = slog.New(slog.NewTextHandler(&logged, nil))
	ct.l.mu.Lock()
	ct.l.cleanedTo = 0 // as between a cleaning's first swap and its end
	ct.l.mu.Unlock()
	b, err := ct.l.Read(0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := parseBatchHeader(b); h.BaseOffset != 3 {
		t.Errorf("read at 0 starts at %d, want 3", h.BaseOffset)
	}
	if logged.Len() > 0 {
		t.Errorf("reading a cleaned log logged:\n%s", logged.String())
	}
}
