// Tests of the partition log and the log dir. Batches are built here from
// RECORDS.md, independently of the code under test: header fields, records
// encoded field by field, and the CRC-32C over bytes 21 to the end.

package kafka

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// testRecord is one record to put in a test batch.
type testRecord struct {
	timestamp int64
	value     string
}

// makeBatch builds an uncompressed magic-2 batch of records. Its base offset
// is 0 and its epoch -1, as a producer sends them; maxTimestamp is the
// largest record timestamp.
func makeBatch(recs ...testRecord) []byte {
	var body []byte
	baseTS, maxTS := recs[0].timestamp, recs[0].timestamp
	for i, r := range recs {
		maxTS = max(maxTS, r.timestamp)
		var rec []byte
		rec = append(rec, 0) // attributes
		rec = binary.AppendVarint(rec, r.timestamp-baseTS)
		rec = binary.AppendVarint(rec, int64(i)) // offsetDelta
		rec = binary.AppendVarint(rec, -1)       // null key
		rec = binary.AppendVarint(rec, int64(len(r.value)))
		rec = append(rec, r.value...)
		rec = binary.AppendVarint(rec, 0) // no headers
		body = binary.AppendVarint(body, int64(len(rec)))
		body = append(body, rec...)
	}
	return rawBatch(0, int32(len(recs)-1), baseTS, maxTS, int32(len(recs)), body)
}

// rawBatch builds a batch around body with the given header fields and a
// correct CRC.
func rawBatch(attributes int16, lastOffsetDelta int32, baseTS, maxTS int64, count int32, body []byte) []byte {
	be := binary.BigEndian
	b := make([]byte, 0, batchHeaderSize+len(body))
	b = be.AppendUint64(b, 0)                                    // baseOffset
	b = be.AppendUint32(b, uint32(batchHeaderSize-12+len(body))) // batchLength
	b = be.AppendUint32(b, 0xffffffff)                           // partitionLeaderEpoch -1
	b = append(b, 2)                                             // magic
	b = be.AppendUint32(b, 0)                                    // crc, below
	b = be.AppendUint16(b, uint16(attributes))                   // attributes
	b = be.AppendUint32(b, uint32(lastOffsetDelta))              // lastOffsetDelta
	b = be.AppendUint64(b, uint64(baseTS))                       // baseTimestamp
	b = be.AppendUint64(b, uint64(maxTS))                        // maxTimestamp
	b = be.AppendUint64(b, 0xffffffffffffffff)                   // producerId -1
	b = be.AppendUint16(b, 0xffff)                               // producerEpoch -1
	b = be.AppendUint32(b, 0xffffffff)                           // baseSequence -1
	b = be.AppendUint32(b, uint32(count))                        // recordsCount
	b = append(b, body...)                                       // records
	be.PutUint32(b[17:], crc32.Checksum(b[21:], castagnoli))
	return b
}

// recordsAt makes n records with timestamps ts, ts+1, ...
func recordsAt(ts int64, n int) []testRecord {
	recs := make([]testRecord, n)
	for i := range recs {
		recs[i] = testRecord{timestamp: ts + int64(i), value: fmt.Sprintf("value-%d", ts+int64(i))}
	}
	return recs
}

func openTestLog(t *testing.T, dir string, opts logOptions) *partitionLog {
	t.Helper()
	l, err := openPartitionLog(dir, opts, nil)
	if err != nil {
		t.Fatalf("openPartitionLog: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// appendBatches appends the concatenated batches as one produce request
// and returns the base offset. It appends a copy, so the caller's batches
// keep baseOffset 0 for comparisons.
func appendBatches(t *testing.T, l *partitionLog, batches ...[]byte) int64 {
	t.Helper()
	records := bytes.Join(batches, nil)
	hs, err := splitBatches(records)
	if err != nil {
		t.Fatalf("splitBatches: %v", err)
	}
	placed, err := l.Append(records, hs)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	return placed[0].BaseOffset
}

// stored is how a produced batch looks in the log: baseOffset assigned,
// partitionLeaderEpoch 0, everything else as produced.
func stored(batch []byte, offset int64) []byte {
	b := slices.Clone(batch)
	binary.BigEndian.PutUint64(b[0:], uint64(offset))
	binary.BigEndian.PutUint32(b[12:], 0)
	return b
}

// checkLog is the invariant check run at the end of tests: reading from the
// log start offset to the high watermark yields batches with valid CRCs
// whose offsets follow each other without gaps or overlap.
func checkLog(t *testing.T, l *partitionLog) {
	t.Helper()
	next := l.LogStartOffset()
	for next < l.HighWatermark() {
		b, err := l.Read(next, 1<<20)
		if err != nil {
			t.Fatalf("invariant: Read(%d): %v", next, err)
		}
		hs, err := splitBatches(b)
		if err != nil || len(hs) == 0 {
			t.Fatalf("invariant: batches at %d: %v (%d headers)", next, err, len(hs))
		}
		for _, h := range hs {
			if h.BaseOffset != next {
				t.Fatalf("invariant: batch at %d, want %d", h.BaseOffset, next)
			}
			next = h.LastOffset() + 1
		}
	}
	if next != l.HighWatermark() {
		t.Fatalf("invariant: batches end at %d, high watermark %d", next, l.HighWatermark())
	}
}

func TestAppendAndRead(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	b1 := makeBatch(recordsAt(1000, 3)...)
	b2 := makeBatch(recordsAt(2000, 1)...)
	b3 := makeBatch(recordsAt(3000, 2)...)

	if got := appendBatches(t, l, b1); got != 0 {
		t.Errorf("first Append base offset = %d, want 0", got)
	}
	if got := appendBatches(t, l, b2, b3); got != 3 {
		t.Errorf("second Append base offset = %d, want 3", got)
	}
	if got := l.HighWatermark(); got != 6 {
		t.Errorf("HighWatermark = %d, want 6", got)
	}
	if got := l.LogStartOffset(); got != 0 {
		t.Errorf("LogStartOffset = %d, want 0", got)
	}
	got, err := l.Read(0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Join([][]byte{stored(b1, 0), stored(b2, 3), stored(b3, 4)}, nil)
	if !bytes.Equal(got, want) {
		t.Errorf("Read(0) = %d bytes, want %d bytes as produced with offsets 0, 3, 4", len(got), len(want))
	}
	got, err = l.Read(4, 1<<20)
	if err != nil || !bytes.Equal(got, stored(b3, 4)) {
		t.Errorf("Read(4) = %d bytes, %v; want the third batch", len(got), err)
	}
	checkLog(t, l)
}

func TestAppendMutatesCallerBatches(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	appendBatches(t, l, makeBatch(recordsAt(1, 2)...))
	records := makeBatch(recordsAt(5, 1)...)
	hs, _ := splitBatches(records)
	if _, err := l.Append(records, hs); err != nil {
		t.Fatal(err)
	}
	if got := int64(binary.BigEndian.Uint64(records)); got != 2 {
		t.Errorf("baseOffset in caller's slice = %d, want 2", got)
	}
	if got := int32(binary.BigEndian.Uint32(records[12:])); got != 0 {
		t.Errorf("partitionLeaderEpoch in caller's slice = %d, want 0", got)
	}
	if hs[0].BaseOffset != 0 {
		t.Errorf("caller's header changed: BaseOffset = %d", hs[0].BaseOffset)
	}
}

func TestAppendRejectsMismatchedHeaders(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	b := makeBatch(recordsAt(1, 2)...)
	hs, _ := splitBatches(b)
	for name, tc := range map[string]struct {
		batches []byte
		headers []batchHeader
	}{
		"no headers":    {b, nil},
		"short batches": {b[:len(b)-1], hs},
		"zero header":   {b, []batchHeader{{}}},
	} {
		if _, err := l.Append(tc.batches, tc.headers); err == nil {
			t.Errorf("%s: Append succeeded", name)
		}
	}
	if got := l.HighWatermark(); got != 0 {
		t.Errorf("HighWatermark after rejected appends = %d, want 0", got)
	}
}

// segmentFiles lists the files of dir with the given suffix.
func segmentFiles(t *testing.T, dir, suffix string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), suffix) {
			names = append(names, e.Name())
		}
	}
	return names
}

func TestReadAcrossSegments(t *testing.T) {
	dir := t.TempDir()
	batch := makeBatch(recordsAt(100, 3)...)
	// Two batches fit a segment, a third does not.
	l := openTestLog(t, dir, logOptions{SegmentBytes: int64(2*len(batch) + 10)})
	var batches [][]byte
	for i := range 5 {
		b := makeBatch(recordsAt(int64(100*i), 3)...)
		batches = append(batches, b)
		if got := appendBatches(t, l, b); got != int64(3*i) {
			t.Fatalf("Append %d base offset = %d, want %d", i, got, 3*i)
		}
	}
	wantLogs := []string{
		"00000000000000000000.log",
		"00000000000000000006.log",
		"00000000000000000012.log",
	}
	if got := segmentFiles(t, dir, ".log"); !slices.Equal(got, wantLogs) {
		t.Errorf("segments = %v, want %v", got, wantLogs)
	}
	if got := segmentFiles(t, dir, ".timeindex"); len(got) != 3 {
		t.Errorf("time indexes = %v, want 3", got)
	}
	// A read stays within one segment.
	got, err := l.Read(0, 1<<20)
	if err != nil || !bytes.Equal(got, append(stored(batches[0], 0), stored(batches[1], 3)...)) {
		t.Errorf("Read(0) = %d bytes, %v; want the first segment's two batches", len(got), err)
	}
	for off := int64(0); off < 15; off++ {
		got, err := l.Read(off, 1)
		i := off / 3
		if err != nil || !bytes.Equal(got, stored(batches[i], 3*i)) {
			t.Errorf("Read(%d, 1) = %d bytes, %v; want batch %d", off, len(got), err, i)
		}
	}
	checkLog(t, l)
}

func TestIndexLookup(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, logOptions{IndexIntervalBytes: 1})
	var batches [][]byte
	for i := range 10 {
		b := makeBatch(recordsAt(int64(100+10*i), 4)...) // values of equal length
		batches = append(batches, b)
		appendBatches(t, l, b)
	}
	// With an interval of 1 byte every batch but the first gets an entry:
	// its last offset relative to the base, and its position. The active
	// segment's index files are written when the log syncs.
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	idx, err := os.ReadFile(filepath.Join(dir, "00000000000000000000.index"))
	if err != nil {
		t.Fatal(err)
	}
	if len(idx) != 9*8 {
		t.Fatalf(".index has %d bytes, want 9 entries of 8", len(idx))
	}
	size := len(batches[0])
	for i := 1; i < 10; i++ {
		e := idx[(i-1)*8:]
		rel, pos := binary.BigEndian.Uint32(e), binary.BigEndian.Uint32(e[4:])
		if rel != uint32(4*i+3) || pos != uint32(i*size) {
			t.Errorf("entry %d = (%d, %d), want (%d, %d)", i-1, rel, pos, 4*i+3, i*size)
		}
	}
	for off := int64(0); off < 40; off++ {
		got, err := l.Read(off, 0)
		i := off / 4
		if err != nil || !bytes.Equal(got, stored(batches[i], 4*i)) {
			t.Errorf("Read(%d) = %d bytes, %v; want batch %d", off, len(got), err, i)
		}
	}
	checkLog(t, l)
}

func TestReadMaxBytes(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	b1, b2, b3 := makeBatch(recordsAt(1, 5)...), makeBatch(recordsAt(2, 5)...), makeBatch(recordsAt(3, 5)...)
	appendBatches(t, l, b1, b2, b3)
	for _, tc := range []struct {
		maxBytes, want int
	}{
		{0, 1},
		{1, 1},
		{len(b1) + len(b2) - 1, 1},
		{len(b1) + len(b2), 2},
		{1 << 20, 3},
	} {
		got, err := l.Read(0, tc.maxBytes)
		if err != nil {
			t.Fatal(err)
		}
		hs, err := splitBatches(got)
		if err != nil || len(hs) != tc.want {
			t.Errorf("Read(0, %d) gave %d batches (%v), want %d", tc.maxBytes, len(hs), err, tc.want)
		}
	}
}

func TestReadOutOfRange(t *testing.T) {
	dir := t.TempDir()
	// A log whose only segment starts at offset 100, as after retention.
	if err := os.WriteFile(filepath.Join(dir, "00000000000000000100.log"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	l := openTestLog(t, dir, logOptions{})
	if l.LogStartOffset() != 100 || l.HighWatermark() != 100 {
		t.Fatalf("start, end = %d, %d; want 100, 100", l.LogStartOffset(), l.HighWatermark())
	}
	got, err := l.Read(100, 1<<20)
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("Read(HighWatermark) = %v, %v; want empty non-nil", got, err)
	}
	if got := appendBatches(t, l, makeBatch(recordsAt(1, 2)...)); got != 100 {
		t.Errorf("Append base offset = %d, want 100", got)
	}
	for _, off := range []int64{-1, 0, 99, 103} {
		if _, err := l.Read(off, 1<<20); !errors.Is(err, errOffsetOutOfRange) {
			t.Errorf("Read(%d) error = %v, want errOffsetOutOfRange", off, err)
		}
	}
	if got, err := l.Read(101, 1<<20); err != nil || len(got) == 0 {
		t.Errorf("Read(101) = %d bytes, %v", len(got), err)
	}
}

func TestReopen(t *testing.T) {
	// With the default interval the indexes of a 300-byte segment get no
	// entries but the time index's final one at roll; with 1 they get many.
	for _, opts := range []logOptions{{SegmentBytes: 300}, {SegmentBytes: 300, IndexIntervalBytes: 1}} {
		t.Run(fmt.Sprint(opts.IndexIntervalBytes), func(t *testing.T) { testReopen(t, opts) })
	}
}

func testReopen(t *testing.T, opts logOptions) {
	dir := t.TempDir()
	l, err := openPartitionLog(dir, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 12 {
		appendBatches(t, l, makeBatch(recordsAt(int64(1000+i), 2)...))
	}
	var before [][]byte
	for off := int64(0); off < 24; off++ {
		b, err := l.Read(off, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		before = append(before, b)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Read(0, 1); !errors.Is(err, errLogClosed) {
		t.Errorf("Read after Close: %v, want errLogClosed", err)
	}
	logs := segmentFiles(t, dir, ".log")
	if len(logs) < 3 {
		t.Fatalf("want several segments, have %v", logs)
	}
	indexes := readAll(t, dir, ".index")
	timeIndexes := readAll(t, dir, ".timeindex")

	// Damage the indexes of two older segments: one is removed, one has a
	// torn entry. Both must be rebuilt as they were.
	os.Remove(filepath.Join(dir, strings.TrimSuffix(logs[0], ".log")+".index"))
	f, err := os.OpenFile(filepath.Join(dir, strings.TrimSuffix(logs[1], ".log")+".timeindex"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{1, 2, 3})
	f.Close()

	l = openTestLog(t, dir, opts)
	if got := l.HighWatermark(); got != 24 {
		t.Errorf("HighWatermark after reopen = %d, want 24", got)
	}
	for off := int64(0); off < 24; off++ {
		b, err := l.Read(off, 1<<20)
		if err != nil || !bytes.Equal(b, before[off]) {
			t.Errorf("Read(%d) after reopen = %d bytes, %v; want the %d bytes read before", off, len(b), err, len(before[off]))
		}
	}
	if got := readAll(t, dir, ".index"); !maps.EqualFunc(got, indexes, bytes.Equal) {
		t.Errorf("offset indexes after reopen differ from those appends wrote")
	}
	if got := readAll(t, dir, ".timeindex"); !maps.EqualFunc(got, timeIndexes, bytes.Equal) {
		t.Errorf("time indexes after reopen differ from those appends wrote")
	}
	if got := appendBatches(t, l, makeBatch(recordsAt(5000, 1)...)); got != 24 {
		t.Errorf("Append after reopen base offset = %d, want 24", got)
	}
	checkLog(t, l)
}

// readAll reads every file of dir with the suffix, by name.
func readAll(t *testing.T, dir, suffix string) map[string][]byte {
	t.Helper()
	m := make(map[string][]byte)
	for _, name := range segmentFiles(t, dir, suffix) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		m[name] = b
	}
	return m
}

// reopenDamaged writes three batches, closes the log, lets damage change
// the last .log, reopens the log with a logger into the returned buffer,
// and returns the log and the size of the first two batches.
func reopenDamaged(t *testing.T, damage func(path string, lastBatch []byte)) (*partitionLog, int64, *bytes.Buffer) {
	t.Helper()
	dir := t.TempDir()
	l, err := openPartitionLog(dir, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b1, b2, b3 := makeBatch(recordsAt(1, 2)...), makeBatch(recordsAt(2, 3)...), makeBatch(recordsAt(3, 4)...)
	appendBatches(t, l, b1, b2)
	appendBatches(t, l, b3)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	damage(filepath.Join(dir, "00000000000000000000.log"), b3)
	var logs bytes.Buffer
	l, err = openPartitionLog(dir, logOptions{}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l, int64(len(b1) + len(b2)), &logs
}

func TestRecoverTornTail(t *testing.T) {
	var whole int64
	l, _, logs := reopenDamaged(t, func(path string, last []byte) {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fi, _ := f.Stat()
		whole = fi.Size()
		f.Write(last[:len(last)/2]) // half a batch, as a crash mid-write leaves
	})
	if got := l.HighWatermark(); got != 9 {
		t.Errorf("HighWatermark = %d, want 9", got)
	}
	fi, err := os.Stat(filepath.Join(l.dir, "00000000000000000000.log"))
	if err != nil || fi.Size() != whole {
		t.Errorf("segment size = %d, %v; want %d (torn bytes cut)", fi.Size(), err, whole)
	}
	if s := logs.String(); !strings.Contains(s, "level=WARN") || !strings.Contains(s, "dir="+l.dir) ||
		!strings.Contains(s, "offset=9") || !strings.Contains(s, fmt.Sprintf("bytes=%d", len(makeBatch(recordsAt(3, 4)...))/2)) {
		t.Errorf("log output = %q, want a warning with dir, offset 9 and the bytes cut", s)
	}
	if got := appendBatches(t, l, makeBatch(recordsAt(9, 1)...)); got != 9 {
		t.Errorf("Append after recovery base offset = %d, want 9", got)
	}
	checkLog(t, l)
}

func TestRecoverCorruptCRC(t *testing.T) {
	l, keep, logs := reopenDamaged(t, func(path string, last []byte) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)-3] ^= 0x40 // a bit inside the last batch's last record
		os.WriteFile(path, b, 0o644)
	})
	if got := l.HighWatermark(); got != 5 {
		t.Errorf("HighWatermark = %d, want 5 (last batch cut)", got)
	}
	fi, err := os.Stat(filepath.Join(l.dir, "00000000000000000000.log"))
	if err != nil || fi.Size() != keep {
		t.Errorf("segment size = %d, %v; want %d", fi.Size(), err, keep)
	}
	if !strings.Contains(logs.String(), "CRC") {
		t.Errorf("log output = %q, want the CRC mismatch named", logs.String())
	}
	if b, err := l.Read(5, 1); err != nil || len(b) != 0 {
		t.Errorf("Read(5) = %d bytes, %v; want nothing at the log end", len(b), err)
	}
	if _, err := l.Read(6, 1); !errors.Is(err, errOffsetOutOfRange) {
		t.Errorf("Read(6) = %v, want errOffsetOutOfRange", err)
	}
	checkLog(t, l)
}

func TestRecoverGarbageLength(t *testing.T) {
	l, keep, _ := reopenDamaged(t, func(path string, last []byte) {
		f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
		defer f.Close()
		// A header claiming a 2 GiB batch must not be allocated.
		garbage := make([]byte, 70)
		binary.BigEndian.PutUint32(garbage[8:], 0x7fffffff)
		f.Write(garbage)
	})
	if got := l.HighWatermark(); got != 9 {
		t.Errorf("HighWatermark = %d, want 9", got)
	}
	fi, err := os.Stat(filepath.Join(l.dir, "00000000000000000000.log"))
	if want := keep + int64(len(makeBatch(recordsAt(3, 4)...))); err != nil || fi.Size() != want {
		t.Errorf("segment size = %d, %v; want %d", fi.Size(), err, want)
	}
}

func TestRecoverStaleBatch(t *testing.T) {
	var whole int64
	l, _, logs := reopenDamaged(t, func(path string, _ []byte) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		whole = int64(len(b))
		// A whole batch with a good CRC but offsets 0-1 again, as a stale
		// page of an earlier file could leave.
		h, _ := parseBatchHeader(b)
		os.WriteFile(path, append(b, b[:h.Size()]...), 0o644)
	})
	if got := l.HighWatermark(); got != 9 {
		t.Errorf("HighWatermark = %d, want 9", got)
	}
	if fi, err := os.Stat(filepath.Join(l.dir, "00000000000000000000.log")); err != nil || fi.Size() != whole {
		t.Errorf("segment size = %d, %v; want %d", fi.Size(), err, whole)
	}
	if !strings.Contains(logs.String(), "out of order") {
		t.Errorf("log output = %q, want the reason", logs.String())
	}
}

// timestampBatches holds batches whose maximum timestamps are 100, 300, 200,
// 400, with records inside out of order too:
//
//	offsets 0-2:  90, 100, 95
//	offsets 3-5:  240, 300, 260
//	offsets 6-8:  150, 200, 180
//	offsets 9-11: 350, 400, 390
func timestampBatches() [][]byte {
	var bs [][]byte
	for _, tss := range [][]int64{{90, 100, 95}, {240, 300, 260}, {150, 200, 180}, {350, 400, 390}} {
		var recs []testRecord
		for _, ts := range tss {
			recs = append(recs, testRecord{timestamp: ts, value: "v"})
		}
		bs = append(bs, makeBatch(recs...))
	}
	return bs
}

func TestOffsetForTimestamp(t *testing.T) {
	cases := []struct {
		target, offset, timestamp int64
		found                     bool
	}{
		{0, 0, 90, true},
		{95, 1, 100, true},
		{101, 3, 240, true},
		{200, 3, 240, true}, // not offset 7: the batch of 300 comes first
		{250, 4, 300, true},
		{300, 4, 300, true},
		{301, 9, 350, true},
		{360, 10, 400, true},
		{400, 10, 400, true},
		{500, -1, -1, false},
	}
	for _, opts := range []logOptions{
		{},
		{IndexIntervalBytes: 1},
		{SegmentBytes: 150, IndexIntervalBytes: 1}, // a segment per batch
	} {
		dir := t.TempDir()
		l := openTestLog(t, dir, opts)
		for _, b := range timestampBatches() {
			appendBatches(t, l, b)
		}
		check := func(when string) {
			for _, c := range cases {
				off, ts, found := l.OffsetForTimestamp(c.target)
				if off != c.offset || ts != c.timestamp || found != c.found {
					t.Errorf("%+v %s: OffsetForTimestamp(%d) = %d, %d, %v; want %d, %d, %v",
						opts, when, c.target, off, ts, found, c.offset, c.timestamp, c.found)
				}
			}
		}
		check("after appends")
		l.Close()
		l = openTestLog(t, dir, opts)
		check("after reopen")
	}
}

func TestTimeIndexEntries(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, logOptions{SegmentBytes: 1 << 20, IndexIntervalBytes: 1})
	for _, b := range timestampBatches() {
		appendBatches(t, l, b)
	}
	// Entries come at index points (every batch but the first) when the
	// running maximum grew: 300 at batch 2, nothing at batch 3 (200), 400
	// at batch 4. Offsets are relative last offsets of the batches. The
	// active segment's index files are written when the log syncs.
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "00000000000000000000.timeindex"))
	if err != nil {
		t.Fatal(err)
	}
	want := binary.BigEndian.AppendUint64(nil, 300)
	want = binary.BigEndian.AppendUint32(want, 5)
	want = binary.BigEndian.AppendUint64(want, 400)
	want = binary.BigEndian.AppendUint32(want, 11)
	if !bytes.Equal(b, want) {
		t.Errorf(".timeindex = %x, want %x", b, want)
	}
}

// TestOffsetForTimestampNextBatch checks that the search starts right
// after the time-index entry below the target: here the answer is the batch
// just after that entry.
func TestOffsetForTimestampNextBatch(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{IndexIntervalBytes: 1})
	for _, tss := range [][]int64{{90, 100}, {290, 300}, {310, 350, 320}, {50}} {
		var recs []testRecord
		for _, ts := range tss {
			recs = append(recs, testRecord{timestamp: ts})
		}
		appendBatches(t, l, makeBatch(recs...))
	}
	// Time index: (300, 3), (350, 6). For 305 the entry below is (300, 3).
	if off, ts, found := l.OffsetForTimestamp(305); off != 4 || ts != 310 || !found {
		t.Errorf("OffsetForTimestamp(305) = %d, %d, %v; want 4, 310, true", off, ts, found)
	}
}

func TestOffsetForTimestampCompressed(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	appendBatches(t, l, makeBatch(recordsAt(100, 2)...))
	// A gzip batch of 5 records, max timestamp 500. The broker does not
	// decompress, so the body is opaque bytes under a valid CRC.
	appendBatches(t, l, rawBatch(1, 4, 450, 500, 5, []byte("not really gzip")))
	if off, ts, found := l.OffsetForTimestamp(460); off != 2 || ts != 500 || !found {
		t.Errorf("OffsetForTimestamp(460) = %d, %d, %v; want 2, 500, true (the batch)", off, ts, found)
	}
	if off, ts, found := l.MaxTimestamp(); off != 6 || ts != 500 || !found {
		t.Errorf("MaxTimestamp = %d, %d, %v; want 6, 500, true (the batch's last offset)", off, ts, found)
	}
}

func TestOffsetForTimestampLogAppendTime(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	// With LogAppendTime every record's timestamp is the batch's maximum.
	b := makeBatch(recordsAt(10, 3)...)
	body := b[batchHeaderSize:]
	appendBatches(t, l, rawBatch(timestampTypeFlag, 2, 10, 700, 3, body))
	if off, ts, found := l.OffsetForTimestamp(11); off != 0 || ts != 700 || !found {
		t.Errorf("OffsetForTimestamp(11) = %d, %d, %v; want 0, 700, true", off, ts, found)
	}
}

func TestMaxTimestamp(t *testing.T) {
	for _, opts := range []logOptions{
		{}, // one segment
		{SegmentBytes: 150, IndexIntervalBytes: 1}, // a segment per batch
	} {
		dir := t.TempDir()
		l := openTestLog(t, dir, opts)
		if _, _, found := l.MaxTimestamp(); found {
			t.Errorf("%+v: MaxTimestamp of an empty log found something", opts)
		}
		for _, b := range timestampBatches() {
			appendBatches(t, l, b)
		}
		// A later batch with the same maximum does not win the tie.
		appendBatches(t, l, makeBatch(testRecord{timestamp: 400}, testRecord{timestamp: 10}))
		if off, ts, found := l.MaxTimestamp(); off != 10 || ts != 400 || !found {
			t.Errorf("%+v: MaxTimestamp = %d, %d, %v; want 10, 400, true", opts, off, ts, found)
		}
		l.Close()
		l = openTestLog(t, dir, opts)
		if off, ts, found := l.MaxTimestamp(); off != 10 || ts != 400 || !found {
			t.Errorf("%+v: MaxTimestamp after reopen = %d, %d, %v; want 10, 400, true", opts, off, ts, found)
		}
	}
}

func TestMaxTimestampTieInsideBatch(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	appendBatches(t, l, makeBatch(recordsAt(1, 3)...))
	appendBatches(t, l, makeBatch(testRecord{timestamp: 5}, testRecord{timestamp: 9}, testRecord{timestamp: 9}))
	if off, ts, found := l.MaxTimestamp(); off != 4 || ts != 9 || !found {
		t.Errorf("MaxTimestamp = %d, %d, %v; want 4, 9, true (the first record with 9)", off, ts, found)
	}
}

func TestConcurrentAppendAndRead(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{SegmentBytes: 1000, IndexIntervalBytes: 100})
	const appends = 200
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range appends {
			records := makeBatch(recordsAt(int64(i), 2)...)
			hs, _ := splitBatches(records)
			if _, err := l.Append(records, hs); err != nil {
				t.Errorf("Append: %v", err)
				return
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			for off := int64(0); off < 2*appends; {
				b, err := l.Read(off, 300)
				if err != nil {
					t.Errorf("Read(%d): %v", off, err)
					return
				}
				hs, err := splitBatches(b)
				if err != nil {
					t.Errorf("Read(%d) gave bad batches: %v", off, err)
					return
				}
				if len(hs) > 0 {
					off = hs[len(hs)-1].LastOffset() + 1
				}
				l.OffsetForTimestamp(50)
				l.MaxTimestamp()
			}
		})
	}
	wg.Wait()
	checkLog(t, l)
}

func TestEachRecord(t *testing.T) {
	b := stored(makeBatch(testRecord{5, "a"}, testRecord{3, "bb"}, testRecord{9, ""}), 40)
	h, err := parseBatchHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	var got [][2]int64
	if err := eachRecord(b, h, func(o, ts int64) bool { got = append(got, [2]int64{o, ts}); return true }); err != nil {
		t.Fatal(err)
	}
	if want := [][2]int64{{40, 5}, {41, 3}, {42, 9}}; !slices.Equal(got, want) {
		t.Errorf("records = %v, want %v", got, want)
	}
	// Every truncation of the records, under a header whose length and CRC
	// agree with it, fails cleanly.
	body := b[batchHeaderSize:]
	for n := range len(body) {
		tb := rawBatch(0, 2, 5, 9, 3, body[:n])
		th, err := parseBatchHeader(tb)
		if err != nil {
			t.Fatal(err)
		}
		if err := eachRecord(tb, th, func(int64, int64) bool { return true }); !errors.Is(err, errRecordMalformed) {
			t.Errorf("records cut to %d bytes: error %v, want errRecordMalformed", n, err)
		}
	}
	if err := eachRecord(b, batchHeader{Attributes: 4, BatchLength: h.BatchLength}, nil); !errors.Is(err, errRecordsCompressed) {
		t.Errorf("compressed batch: error %v, want errRecordsCompressed", err)
	}
}

// FuzzEachRecord feeds garbage records to the walker under a plausible
// header; it must return, with or without an error, and never panic.
func FuzzEachRecord(f *testing.F) {
	f.Add(makeBatch(recordsAt(1, 3)...)[batchHeaderSize:], int32(3))
	f.Add([]byte{0x01}, int32(1))
	f.Fuzz(func(t *testing.T, body []byte, count int32) {
		b := rawBatch(0, 0, 0, 0, count, body)
		h, err := parseBatchHeader(b)
		if err != nil {
			return
		}
		eachRecord(b, h, func(int64, int64) bool { return true })
	})
}

func TestLogDir(t *testing.T) {
	path := t.TempDir()
	d, err := openLogDir(path, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Names with '-', one ending in digits, beside a prefix of it.
	orders, err := d.CreateTopic("orders-2024", 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTopic("orders", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateTopic("orders", 1); !errors.Is(err, errTopicExists) {
		t.Errorf("CreateTopic of an existing topic: %v, want errTopicExists", err)
	}
	for _, bad := range []string{"", ".", "..", "a/b", "../x", strings.Repeat("x", 250)} {
		if _, err := d.CreateTopic(bad, 1); !errors.Is(err, errInvalidTopic) {
			t.Errorf("CreateTopic(%q): %v, want errInvalidTopic", bad, err)
		}
	}
	if _, err := d.CreateTopic("zero", 0); !errors.Is(err, errInvalidPartitions) {
		t.Errorf("CreateTopic with 0 partitions: %v, want errInvalidPartitions", err)
	}
	var dirs []string
	entries, _ := os.ReadDir(path)
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	if want := []string{"orders-0", "orders-1", "orders-2", "orders-2024-0", "orders-2024-1"}; !slices.Equal(dirs, want) {
		t.Errorf("dirs = %v, want %v", dirs, want)
	}
	meta, err := os.ReadFile(filepath.Join(path, "orders-2024-1", "partition.metadata"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "version: 0\ntopic_id: " + orders.ID.String() + "\n"; string(meta) != want || len(orders.ID.String()) != 22 {
		t.Errorf("partition.metadata = %q, want %q", meta, want)
	}
	if orders.ID[6]>>4 != 4 {
		t.Errorf("topic id %x is not a version-4 UUID", orders.ID)
	}
	batch := makeBatch(recordsAt(7, 2)...)
	appendBatches(t, orders.Partitions[1], batch)

	if err := d.CreatePartitions("orders-2024", 2); !errors.Is(err, errInvalidPartitions) {
		t.Errorf("CreatePartitions to the same count: %v, want errInvalidPartitions", err)
	}
	if err := d.CreatePartitions("nope", 2); !errors.Is(err, errUnknownTopic) {
		t.Errorf("CreatePartitions of a missing topic: %v, want errUnknownTopic", err)
	}
	if err := d.CreatePartitions("orders-2024", 4); err != nil {
		t.Fatal(err)
	}
	if got := len(d.Topic("orders-2024").Partitions); got != 4 {
		t.Errorf("partitions after CreatePartitions = %d, want 4", got)
	}
	if len(orders.Partitions) != 2 {
		t.Errorf("the old topicLog changed: %d partitions", len(orders.Partitions))
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	// Kafka's own files in the data dir are ignored.
	for _, name := range []string{"meta.properties", "recovery-point-offset-checkpoint"} {
		os.WriteFile(filepath.Join(path, name), []byte("0\n"), 0o644)
	}
	os.Mkdir(filepath.Join(path, "not a partition"), 0o755)

	d, err = openLogDir(path, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var names []string
	for _, tl := range d.Topics() {
		names = append(names, fmt.Sprintf("%s/%d", tl.Name, len(tl.Partitions)))
	}
	if want := []string{"orders/3", "orders-2024/4"}; !slices.Equal(names, want) {
		t.Errorf("topics after reload = %v, want %v", names, want)
	}
	reloaded := d.Topic("orders-2024")
	if reloaded.ID != orders.ID {
		t.Errorf("topic id after reload = %s, want %s", reloaded.ID, orders.ID)
	}
	got, err := reloaded.Partitions[1].Read(0, 1<<20)
	if err != nil || !bytes.Equal(got, stored(batch, 0)) {
		t.Errorf("data after reload = %d bytes, %v", len(got), err)
	}

	if err := d.DeleteTopic("orders-2024"); err != nil {
		t.Fatal(err)
	}
	if d.Topic("orders-2024") != nil {
		t.Errorf("deleted topic still there")
	}
	if err := d.DeleteTopic("orders-2024"); !errors.Is(err, errUnknownTopic) {
		t.Errorf("second DeleteTopic: %v, want errUnknownTopic", err)
	}
	for p := range 4 {
		if _, err := os.Stat(filepath.Join(path, fmt.Sprintf("orders-2024-%d", p))); !os.IsNotExist(err) {
			t.Errorf("dir of partition %d after delete: %v", p, err)
		}
	}
	if d.Topic("orders") == nil {
		t.Errorf("deleting orders-2024 removed orders")
	}
	// Recreating gets a new id and empty partitions.
	again, err := d.CreateTopic("orders-2024", 1)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID == orders.ID || again.Partitions[0].HighWatermark() != 0 {
		t.Errorf("recreated topic: id %s (old %s), high watermark %d", again.ID, orders.ID, again.Partitions[0].HighWatermark())
	}
}

// TestLogDirLeavesStrayDirs damages a data dir in the ways recovery must
// survive: each topic loads its run of partitions (one with another topic
// id than partition 0's offline), dirs that a creation cut short and that
// hold nothing are removed, and everything else is logged and left alone,
// never hiding the topic beside it.
func TestLogDirLeavesStrayDirs(t *testing.T) {
	path := t.TempDir()
	d, err := openLogDir(path, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"gap", "twoids", "nometa", "held"} {
		if _, err := d.CreateTopic(name, 3); err != nil {
			t.Fatal(err)
		}
	}
	fine, err := d.CreateTopic("fine", 1)
	if err != nil {
		t.Fatal(err)
	}
	batch := makeBatch(recordsAt(7, 2)...)
	appendBatches(t, fine.Partitions[0], batch)
	appendBatches(t, d.Topic("held").Partitions[2], makeBatch(recordsAt(7, 1)...))
	d.Close()
	os.RemoveAll(filepath.Join(path, "gap-1"))
	os.RemoveAll(filepath.Join(path, "held-1"))
	os.WriteFile(filepath.Join(path, "twoids-2", "partition.metadata"),
		partitionMetadata(uuid{15: 9}), 0o644)
	os.Remove(filepath.Join(path, "nometa-0", "partition.metadata"))
	// The stray dir: one more partition than the topic has.
	os.Mkdir(filepath.Join(path, "fine-1"), 0o755)
	// A deletion a crash interrupted is finished.
	os.Mkdir(filepath.Join(path, "old-0.0123456789abcdef0123456789abcdef-delete"), 0o755)

	var logs syncBuffer
	d, err = openLogDir(path, logOptions{}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var names []string
	for _, tl := range d.Topics() {
		names = append(names, fmt.Sprintf("%s/%d", tl.Name, len(tl.Partitions)))
	}
	// twoids-2, in the run with another topic id than partition 0's, is
	// one of its topic's, offline (inconsistentPartition).
	if want := []string{"fine/1", "gap/1", "held/1", "twoids/3"}; !slices.Equal(names, want) {
		t.Errorf("topics = %v, want %v", names, want)
	}
	if tl := d.Topic("twoids"); tl != nil && len(tl.Partitions) == 3 && !errors.Is(tl.Partitions[2].failed(), errStorage) {
		t.Errorf("twoids-2 with another topic id: %v, want it offline", tl.Partitions[2].failed())
	}
	if d.Topic("fine") == nil {
		t.Fatal("the stray dir hid the topic beside it")
	}
	if got, err := d.Topic("fine").Partitions[0].Read(0, 1<<20); err != nil || !bytes.Equal(got, stored(batch, 0)) {
		t.Errorf("records of the topic beside the stray dir: %d bytes, %v", len(got), err)
	}
	d.removals.Wait()
	for name, want := range map[string]bool{
		"fine-1":   true,  // no partition.metadata: not ours to judge
		"nometa-0": true,  // likewise
		"twoids-2": true,  // another topic id: offline, untouched
		"held-2":   true,  // records past a missing partition
		"gap-2":    false, // empty, past the run: a creation cut short
		"nometa-1": false,
		"old-0.0123456789abcdef0123456789abcdef-delete": false,
	} {
		_, err := os.Stat(filepath.Join(path, name))
		if exists := err == nil; exists != want {
			t.Errorf("%s exists = %v, want %v", name, exists, want)
		}
	}
	for _, name := range []string{"fine-1", "nometa-0", "twoids-2", "held-2", "gap-2"} {
		if !strings.Contains(logs.String(), "name="+name) {
			t.Errorf("no log line about %s in:\n%s", name, logs.String())
		}
	}
	// A dir left alone is not reused by a new topic of its name.
	if _, err := d.CreateTopic("nometa", 1); err == nil {
		t.Errorf("CreateTopic over a dir left alone succeeded")
	}
	if _, err := os.Stat(filepath.Join(path, "nometa-0", "00000000000000000000.log")); err != nil {
		t.Errorf("the dir left alone was touched: %v", err)
	}
	// Nor does growing a topic take a stray dir for a partition.
	if err := d.CreatePartitions("fine", 2); err == nil {
		t.Errorf("CreatePartitions over a stray dir succeeded")
	}
	if got := len(d.Topic("fine").Partitions); got != 1 {
		t.Errorf("fine has %d partitions after a refused CreatePartitions", got)
	}
}

func TestParsePartitionDirName(t *testing.T) {
	for _, tc := range []struct {
		name      string
		topic     string
		partition int32
		ok        bool
	}{
		{"orders-0", "orders", 0, true},
		{"my-topic-12", "my-topic", 12, true},
		{"a-b-c-2147483647", "a-b-c", 2147483647, true},
		{"orders", "", 0, false},
		{"orders-", "", 0, false},
		{"-0", "", 0, false},
		{"orders-01", "", 0, false},
		{"orders-+1", "", 0, false},
		{"orders--1", "orders-", 1, true}, // topic "orders-", as Kafka reads it
		{"orders-2147483648", "", 0, false},
		{"orders-0.abc-future", "", 0, false},
		{"bad name-0", "", 0, false},
	} {
		topic, p, ok := parsePartitionDirName(tc.name)
		if topic != tc.topic || p != tc.partition || ok != tc.ok {
			t.Errorf("parsePartitionDirName(%q) = %q, %d, %v; want %q, %d, %v", tc.name, topic, p, ok, tc.topic, tc.partition, tc.ok)
		}
	}
}

// TestRollBySegmentMs checks the time half of Kafka's LogSegment.shouldRoll:
// a segment rolls when an append's largest timestamp is more than
// segment.ms past the first batch's, counted by record timestamps, and
// SetSegmentOptions changes segment.ms of an open log.
func TestRollBySegmentMs(t *testing.T) {
	dir := t.TempDir()
	l := openTestLog(t, dir, logOptions{SegmentMs: 1000})
	const t0 = 1_700_000_000_000
	appendBatches(t, l, makeBatch(recordsAt(t0, 2)...))
	appendBatches(t, l, makeBatch(recordsAt(t0+1000, 1)...)) // exactly segment.ms: stays
	if n := len(segmentFiles(t, dir, logSuffix)); n != 1 {
		t.Fatalf("%d segments after appends within segment.ms, want 1", n)
	}
	appendBatches(t, l, makeBatch(recordsAt(t0+1002, 1)...)) // past it: rolls
	if got := segmentFiles(t, dir, logSuffix); len(got) != 2 || got[1] != fmt.Sprintf("%020d%s", 3, logSuffix) {
		t.Fatalf("segments %v, want a second one at offset 3", got)
	}
	// The new segment counts from its own first batch.
	appendBatches(t, l, makeBatch(recordsAt(t0+1500, 1)...))
	if n := len(segmentFiles(t, dir, logSuffix)); n != 2 {
		t.Fatalf("%d segments, want 2", n)
	}
	l.SetSegmentOptions(logOptions{SegmentBytes: defaultSegmentBytes, SegmentMs: 100})
	appendBatches(t, l, makeBatch(recordsAt(t0+1200, 1)...)) // 198ms: rolls under the new segment.ms
	if n := len(segmentFiles(t, dir, logSuffix)); n != 3 {
		t.Fatalf("%d segments after lowering segment.ms, want 3", n)
	}
	checkLog(t, l)
}
