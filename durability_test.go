// Tests of what keeps data safe and bounded: recovery after a clean and
// an unclean stop, the fsync policies, retention by time and by size, and
// DeleteRecords with its checkpoint. The partition log is tested directly
// where the point is a file-level detail, and through a broker on a real
// listener where the point is what a client sees.

package kafka

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer collects a broker's log lines, which its goroutines write
// concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls cond until it holds, failing the test after 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// bigBatch is a one-record batch of about 470 bytes, so that a few dozen
// of them make a segment with offset-index entries.
func bigBatch(ts int64) []byte {
	return makeBatch(testRecord{ts, strings.Repeat("v", 400)})
}

// oneBigBatchPerSegment is a segment.bytes that holds one bigBatch and
// not two. It cannot be smaller: a batch larger than segment.bytes is
// refused (RECORD_LIST_TOO_LARGE), as Kafka refuses it.
func oneBigBatchPerSegment() *string { return ptr(fmt.Sprint(len(bigBatch(0)))) }

// listOffset asks ListOffsets v7 for one partition and timestamp.
func (c *testClient) listOffset(topic string, partition int32, ts int64) (int16, int64) {
	c.t.Helper()
	return c.listOffsetAt(topic, partition, ts, readUncommitted)
}

// deleteRecords sends DeleteRecords v2 for one partition and returns the
// error code and low watermark.
func (c *testClient) deleteRecords(topic string, partition int32, offset int64) (int16, int64) {
	c.t.Helper()
	r := c.roundTrip(21, 2, true, func(w *writer) {
		w.ArrayLen(1)
		w.String(topic)
		w.ArrayLen(1)
		w.Int32(partition)
		w.Int64(offset)
		w.Tags()
		w.Tags()
		w.Int32(1000)
		w.Tags()
	})
	r.Int32() // throttle
	r.ArrayLen()
	_ = r.String()
	r.ArrayLen()
	r.Int32()
	low, code := r.Int64(), r.Int16()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code, low
}

// Recovery.

// TestRecoverDamagedTailOnRestart stops a broker, damages the tail of a
// partition's segment three ways, with and without the clean shutdown
// marker, and restarts it: every acknowledged batch is still there, the
// damage is cut and logged, and appends go on at the right offset.
func TestRecoverDamagedTailOnRestart(t *testing.T) {
	const n = 20 // about 9 KiB: the segment has offset-index entries
	for _, damage := range []struct {
		name string
		tail func(next int64) []byte
	}{
		{"garbage", func(int64) []byte { return bytes.Repeat([]byte{0xa5}, 100) }},
		{"half a batch", func(next int64) []byte {
			b := stored(bigBatch(5000), next)
			return b[:len(b)/2]
		}},
		{"flipped CRC byte", func(next int64) []byte {
			b := stored(bigBatch(5000), next)
			b[batchCRCOffset+2] ^= 0x10
			return b
		}},
	} {
		for _, clean := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/marker=%v", damage.name, clean), func(t *testing.T) {
				dir := t.TempDir()
				tb := startBroker(t, dir)
				c := dial(t, tb.addr)
				c.createTopic("t", 1)
				var sent [][]byte
				for i := range n {
					batch := bigBatch(1000 + int64(i))
					if code, base := c.produce("t", 0, bytes.Clone(batch)); code != codeNone || base != int64(i) {
						t.Fatalf("produce %d: code %d base %d", i, code, base)
					}
					sent = append(sent, batch)
				}
				tb.stop()

				marker := filepath.Join(dir, cleanShutdownFile)
				if _, err := os.Stat(marker); err != nil {
					t.Fatalf("no clean shutdown marker after a clean stop: %v", err)
				}
				if !clean {
					os.Remove(marker)
				}
				seg := filepath.Join(dir, "t-0", "00000000000000000000.log")
				whole := fileSize(t, seg)
				tail := damage.tail(n)
				appendToFile(t, seg, tail)

				var logs syncBuffer
				tb = startBrokerWith(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
				if _, err := os.Stat(marker); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the marker outlived the start: %v", err)
				}
				c = dial(t, tb.addr)
				code, hw, records := c.fetch("t", 0, 0, 0, 0)
				if code != codeNone || hw != n || !sameBatches(records, bytes.Join(sent, nil)) {
					t.Fatalf("after restart: code %d hw %d, %d bytes; want every batch and hw %d", code, hw, len(records), n)
				}
				if got := fileSize(t, seg); got != whole {
					t.Errorf("segment is %d bytes, want %d: the damage cut exactly", got, whole)
				}
				for _, want := range []string{"truncating partition log", "partition=t-0", fmt.Sprintf("offset=%d", n), fmt.Sprintf("bytes=%d", len(tail))} {
					if !strings.Contains(logs.String(), want) {
						t.Errorf("log lacks %q:\n%s", want, logs.String())
					}
				}
				if code, base := c.produce("t", 0, bigBatch(6000)); code != codeNone || base != n {
					t.Errorf("produce after recovery: code %d base %d, want offset %d", code, base, n)
				}
			})
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func appendToFile(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCleanStartTrustsIndexes shows what the marker buys: after a clean
// stop, damage before the last offset-index entry goes unseen (only the
// tail is scanned, and the index files are not even rewritten), while an
// unclean start scans everything and cuts at the damage.
func TestCleanStartTrustsIndexes(t *testing.T) {
	dir := t.TempDir()
	opts := logOptions{IndexIntervalBytes: 1024}
	l, err := openPartitionLog(dir, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		appendBatches(t, l, bigBatch(int64(i)))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	indexes := readAll(t, dir, offsetIndexSuffix)
	if len(indexes["00000000000000000000.index"]) == 0 {
		t.Fatal("no offset-index entries: the test needs some")
	}
	seg := filepath.Join(dir, "00000000000000000000.log")
	b, _ := os.ReadFile(seg)
	b[100] ^= 0xff // inside the first batch's record
	os.WriteFile(seg, b, 0o644)

	l, err = openPartition(dir, opts, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if hw := l.HighWatermark(); hw != 30 {
		t.Errorf("clean start: high watermark %d, want 30 (the first batch is not scanned)", hw)
	}
	l.Close()
	if got := readAll(t, dir, offsetIndexSuffix); !maps.EqualFunc(got, indexes, bytes.Equal) {
		t.Errorf("clean start rewrote the offset index")
	}

	l, err = openPartition(dir, opts, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if hw := l.HighWatermark(); hw != 0 {
		t.Errorf("unclean start: high watermark %d, want 0 (cut at the first batch)", hw)
	}
}

// TestCleanStartContinuesIndexes checks that the indexer state a clean
// start rebuilds from the index files is the one the appends had: a log
// appended to, closed, reopened cleanly and appended to again ends with
// the same index files as one appended to without a break. Timestamps go
// up and down so that the running maximum matters.
func TestCleanStartContinuesIndexes(t *testing.T) {
	opts := logOptions{IndexIntervalBytes: 1000}
	ts := func(i int) int64 { return 1000 + int64((i*37)%50) }
	straight, broken := t.TempDir(), t.TempDir()

	l, err := openPartitionLog(straight, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		appendBatches(t, l, bigBatch(ts(i)))
	}
	l.Close()

	l, err = openPartitionLog(broken, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 31 {
		appendBatches(t, l, bigBatch(ts(i)))
	}
	l.Close()
	l, err = openPartition(broken, opts, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	for i := 31; i < 60; i++ {
		appendBatches(t, l, bigBatch(ts(i)))
	}
	checkLog(t, l)
	l.Close()

	for _, suffix := range []string{offsetIndexSuffix, timeIndexSuffix} {
		if want, got := readAll(t, straight, suffix), readAll(t, broken, suffix); !maps.EqualFunc(got, want, bytes.Equal) {
			t.Errorf("%s files differ after a clean restart:\n got %x\nwant %x", suffix, got, want)
		}
	}
}

// TestCleanStartChecksTimeIndexWithoutOffsets: after a clean stop, the
// active segment's time index is trusted only as far as an offset entry
// vouches for it, for the two get entries together. One with entries and
// an offset index with none was damaged: the segment is scanned whole and
// its time index rebuilt, rather than its entries taken as they are, where
// an entry past the log's end sends lookups by time past every record.
func TestCleanStartChecksTimeIndexWithoutOffsets(t *testing.T) {
	dir := t.TempDir()
	opts := logOptions{IndexIntervalBytes: 1 << 20} // no offset entries
	l, err := openPartitionLog(dir, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		appendBatches(t, l, makeBatch(testRecord{int64(1000 * (i + 1)), "v"}))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	// An empty offset index, as a roll leaves it, and a time entry past
	// the log's end.
	damaged := encodeTimeIndex(0, []timeEntry{{timestamp: 500, offset: 10}})
	if err := os.WriteFile(filepath.Join(dir, "00000000000000000000.index"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "00000000000000000000.timeindex"), damaged, 0o644); err != nil {
		t.Fatal(err)
	}

	var logs syncBuffer
	l, err = openPartition(dir, opts, slog.New(slog.NewTextHandler(&logs, nil)), true)
	if err != nil {
		t.Fatal(err)
	}
	if offset, ts, found := l.OffsetForTimestamp(2000); !found || offset != 1 || ts != 2000 {
		t.Errorf("offset for timestamp 2000: %d (timestamp %d, found %v), want 1", offset, ts, found)
	}
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("no WARN about the damaged index:\n%s", logs.String())
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "00000000000000000000.timeindex")); bytes.Equal(got, damaged) {
		t.Errorf("the damaged time index was kept: %x", got)
	}
}

// TestRecoveryForgetsCutProducerBatches checks that producer state is
// rebuilt from what survived recovery: the retry of a batch cut from the
// tail is appended anew, at the offset it takes now, while a retry of a
// batch that survived is still a duplicate.
func TestRecoveryForgetsCutProducerBatches(t *testing.T) {
	dir := t.TempDir()
	l, err := openPartitionLog(dir, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b0, b1, b2 := idempotentBatch(7, 0, 0, 2), idempotentBatch(7, 0, 2, 2), idempotentBatch(7, 0, 4, 2)
	for _, b := range [][]byte{b0, b1, b2} {
		appendBatches(t, l, bytes.Clone(b))
	}
	l.Close()
	seg := filepath.Join(dir, "00000000000000000000.log")
	if err := os.Truncate(seg, fileSize(t, seg)-10); err != nil {
		t.Fatal(err)
	}

	l = openTestLog(t, dir, logOptions{})
	if hw := l.HighWatermark(); hw != 4 {
		t.Fatalf("high watermark %d after the cut, want 4", hw)
	}
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 4}}, bytes.Clone(b2))
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 2, Duplicate: true}}, bytes.Clone(b1))
	checkLog(t, l)
}

// Fsync.

func TestParseFsync(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want fsyncPolicy
		err  bool
	}{
		{"", fsyncPolicy{}, false},
		{"never", fsyncPolicy{}, false},
		{"always", fsyncPolicy{always: true}, false},
		{"250ms", fsyncPolicy{interval: 250 * time.Millisecond}, false},
		{"1s", fsyncPolicy{interval: time.Second}, false},
		{"0s", fsyncPolicy{}, true},
		{"-1s", fsyncPolicy{}, true},
		{"sometimes", fsyncPolicy{}, true},
	} {
		got, err := parseFsync(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("parseFsync(%q) = %+v, %v; want %+v, error %v", tc.in, got, err, tc.want, tc.err)
		}
	}
	if _, err := Open(Config{DataDir: t.TempDir(), Fsync: "sometimes"}); err == nil {
		t.Error("Open accepted Fsync \"sometimes\"")
	}
}

// syncedTo reads a partition's synced offset for tests.
func syncedTo(pl *partitionLog) int64 {
	pl.syncMu.Lock()
	defer pl.syncMu.Unlock()
	return pl.syncedTo
}

// TestFsyncAlways produces from several connections at once under
// "always": every answer comes after its batches are synced, so the synced
// offset is at the high watermark once all are answered.
func TestFsyncAlways(t *testing.T) {
	tb, _ := startWithTopicUsing(t, Config{DataDir: t.TempDir(), Fsync: "always"}, "f", 2)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			c := dial(t, tb.addr)
			for i := range 10 {
				if code, _ := c.produce("f", int32(g%2), makeBatch(testRecord{int64(i), "x"})); code != codeNone {
					t.Errorf("produce: code %d", code)
				}
			}
		})
	}
	wg.Wait()
	for _, pl := range tb.logs.Topic("f").Partitions {
		if hw, synced := pl.HighWatermark(), syncedTo(pl); hw != 30 || synced != hw {
			t.Errorf("%s: high watermark %d, synced to %d; want 30 and 30", pl.dir, hw, synced)
		}
	}
}

// TestFsyncInterval checks that the background flusher syncs what was
// appended, and that SyncTo does nothing for an offset already synced.
func TestFsyncInterval(t *testing.T) {
	tb, c := startWithTopicUsing(t, Config{DataDir: t.TempDir(), Fsync: "10ms"}, "f", 1)
	for i := range 5 {
		c.produce("f", 0, makeBatch(testRecord{int64(i), "x"}))
	}
	pl := tb.logs.Topic("f").Partitions[0]
	waitFor(t, "the background fsync", func() bool { return syncedTo(pl) == 5 })
	if err := pl.SyncTo(3); err != nil || syncedTo(pl) != 5 {
		t.Errorf("SyncTo(3) after syncing to 5: %v, synced to %d", err, syncedTo(pl))
	}
}

// Retention.

// TestDeleteSegments drives retention on a log directly, with a chosen
// now: one batch per segment, timestamps 1000, 2000, ... and equal sizes.
func TestDeleteSegments(t *testing.T) {
	batch := func(i int) []byte { return makeBatch(testRecord{int64(1000 * (i + 1)), "0123456789"}) }
	size := int64(len(batch(0)))
	for _, tc := range []struct {
		name      string
		r         retention
		now       int64
		wantStart int64
	}{
		{"nothing expired", retention{ms: 10_000, bytes: -1}, 6000, 0},
		{"two expired", retention{ms: 2000, bytes: -1}, 4500, 2},
		// The active segment goes too, after a roll (Kafka's
		// UnifiedLog.deleteSegments), and the rolled one stays.
		{"all expired, the active too", retention{ms: 0, bytes: -1}, 1 << 40, 5},
		{"under the size", retention{ms: -1, bytes: 5 * size}, 0, 0},
		{"over by two and a half", retention{ms: -1, bytes: 5*size/2 + 1}, 0, 2},
		{"size zero takes the active too", retention{ms: -1, bytes: 0}, 0, 5},
		{"keep all", keepAll, 1 << 40, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			l := openTestLog(t, dir, logOptions{SegmentBytes: 50})
			for i := range 5 {
				appendBatches(t, l, batch(i))
			}
			if n := len(segmentFiles(t, dir, logSuffix)); n != 5 {
				t.Fatalf("%d segments, want 5", n)
			}
			bases, start, err := l.DeleteSegments(tc.r, time.UnixMilli(tc.now))
			if err != nil || start != tc.wantStart || int64(len(bases)) != tc.wantStart {
				t.Fatalf("DeleteSegments = %v, %d, %v; want start %d", bases, start, err, tc.wantStart)
			}
			left := max(5-int(tc.wantStart), 1) // the rolled segment, if all went
			if n := len(segmentFiles(t, dir, logSuffix)); n != left {
				t.Errorf("%d .log files left, want %d", n, left)
			}
			if n := len(segmentFiles(t, dir, offsetIndexSuffix)); n != left {
				t.Errorf("%d .index files left, want %d", n, left)
			}
			if _, err := l.Read(tc.wantStart-1, 1); tc.wantStart > 0 && !errors.Is(err, errOffsetOutOfRange) {
				t.Errorf("Read below the start: %v, want errOffsetOutOfRange", err)
			}
			if got := l.LogStartOffset(); got != tc.wantStart {
				t.Errorf("LogStartOffset = %d, want %d", got, tc.wantStart)
			}
			checkLog(t, l)
		})
	}
}

// TestDeleteSegmentsWhileReading deletes segments under readers walking
// from the log start: each read succeeds or says out of range, never
// fails on a closed file. Run with -race.
func TestDeleteSegmentsWhileReading(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{SegmentBytes: 50})
	for i := range 200 {
		appendBatches(t, l, makeBatch(testRecord{int64(i), "0123456789"}))
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := l.Read(l.LogStartOffset(), 1000); err != nil && !errors.Is(err, errOffsetOutOfRange) {
					t.Errorf("Read: %v", err)
					return
				}
			}
		})
	}
	for now := int64(0); now < 200; now += 5 {
		if _, _, err := l.DeleteSegments(retention{ms: 0, bytes: -1}, time.UnixMilli(now)); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	if start := l.LogStartOffset(); start != 195 {
		t.Errorf("log start %d, want 195", start)
	}
}

// TestRetentionByTime runs the broker's retention check every 20ms on a
// topic whose segments hold one batch each: the old ones go, a recent one
// and the active one stay, and a client sees the new log start.
func TestRetentionByTime(t *testing.T) {
	tb := startBrokerWith(t, Config{DataDir: t.TempDir(), RetentionCheckInterval: 20 * time.Millisecond})
	c := dial(t, tb.addr)
	if code, _ := c.createTopicWithConfigs("old", 1, map[string]*string{
		"segment.bytes": oneBigBatchPerSegment(),
		"retention.ms":  ptr("3600000"),
	}); code != codeNone {
		t.Fatalf("CreateTopics: code %d", code)
	}
	now := time.Now().UnixMilli()
	for i, ts := range []int64{1000, 2000, 3000, now, now} {
		if code, base := c.produce("old", 0, bigBatch(ts)); code != codeNone || base != int64(i) {
			t.Fatalf("produce %d: code %d base %d", i, code, base)
		}
	}
	waitFor(t, "retention to delete three segments", func() bool {
		_, start := c.listOffset("old", 0, earliestTimestamp)
		return start == 3
	})
	time.Sleep(100 * time.Millisecond) // several more checks: nothing else goes
	if _, start := c.listOffset("old", 0, earliestTimestamp); start != 3 {
		t.Errorf("log start %d after more checks, want 3: a recent segment was deleted", start)
	}
	if code, _, _ := c.fetch("old", 0, 0, 0, 0); code != codeOffsetOutOfRange {
		t.Errorf("fetch at 0: code %d, want OFFSET_OUT_OF_RANGE", code)
	}
	if code, hw, records := c.fetch("old", 0, 3, 0, 0); code != codeNone || hw != 5 || len(records) == 0 {
		t.Errorf("fetch at 3: code %d hw %d, %d bytes", code, hw, len(records))
	}
}

// TestRetentionBySize keeps a partition at retention.bytes, and a topic
// whose cleanup.policy is compact alone keeps everything.
func TestRetentionBySize(t *testing.T) {
	tb := startBrokerWith(t, Config{DataDir: t.TempDir(), RetentionCheckInterval: 20 * time.Millisecond})
	c := dial(t, tb.addr)
	size := len(bigBatch(0))
	for _, topic := range []struct{ name, policy string }{{"sized", "delete"}, {"compacted", "compact"}} {
		if code, _ := c.createTopicWithConfigs(topic.name, 1, map[string]*string{
			"segment.bytes":   oneBigBatchPerSegment(),
			"retention.bytes": ptr(fmt.Sprint(2 * size)),
			"cleanup.policy":  ptr(topic.policy),
		}); code != codeNone {
			t.Fatalf("CreateTopics %s: code %d", topic.name, code)
		}
		for i := range 6 {
			c.produce(topic.name, 0, bigBatch(time.Now().UnixMilli()+int64(i)))
		}
	}
	// Six segments of one batch, two batches allowed: four go.
	waitFor(t, "retention to delete four segments", func() bool {
		_, start := c.listOffset("sized", 0, earliestTimestamp)
		return start == 4
	})
	time.Sleep(100 * time.Millisecond)
	if _, start := c.listOffset("sized", 0, earliestTimestamp); start != 4 {
		t.Errorf("log start %d, want 4", start)
	}
	if _, start := c.listOffset("compacted", 0, earliestTimestamp); start != 0 {
		t.Errorf("compact-only topic: log start %d, want 0", start)
	}
}

// DeleteRecords.

// TestDeleteRecords moves the log start by request, checks what clients
// see, and that it survives clean and unclean restarts.
func TestDeleteRecords(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "d", 2)
	for i := range 10 {
		c.produce("d", 0, makeBatch(testRecord{int64(i), "x"}))
	}

	for _, tc := range []struct {
		offset   int64
		wantCode int16
		wantLow  int64
	}{
		{5, codeNone, 5},
		{3, codeNone, 5}, // never moves back
		{11, codeOffsetOutOfRange, -1},
		{-2, codeOffsetOutOfRange, -1},
		{7, codeNone, 7},
	} {
		if code, low := c.deleteRecords("d", 0, tc.offset); code != tc.wantCode || low != tc.wantLow {
			t.Errorf("DeleteRecords(%d) = code %d, low %d; want %d, %d", tc.offset, code, low, tc.wantCode, tc.wantLow)
		}
	}
	if code, _ := c.deleteRecords("nope", 0, 1); code != codeUnknownTopicOrPartition {
		t.Errorf("unknown topic: code %d", code)
	}
	if code, _ := c.deleteRecords("d", 9, 1); code != codeUnknownTopicOrPartition {
		t.Errorf("unknown partition: code %d", code)
	}
	check := func(when string, start, hw int64) {
		t.Helper()
		if _, got := c.listOffset("d", 0, earliestTimestamp); got != start {
			t.Errorf("%s: ListOffsets earliest = %d, want %d", when, got, start)
		}
		if code, _, _ := c.fetch("d", 0, start-1, 0, 0); code != codeOffsetOutOfRange {
			t.Errorf("%s: fetch at %d: code %d, want OFFSET_OUT_OF_RANGE", when, start-1, code)
		}
		if code, gotHW, _ := c.fetch("d", 0, start, 0, 0); code != codeNone || gotHW != hw {
			t.Errorf("%s: fetch at %d: code %d hw %d, want hw %d", when, start, code, gotHW, hw)
		}
	}
	check("after DeleteRecords", 7, 10)

	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	check("after a clean restart", 7, 10)

	// All of it (-1), then an unclean restart.
	if code, low := c.deleteRecords("d", 0, deleteToHighWatermark); code != codeNone || low != 10 {
		t.Errorf("DeleteRecords(-1) = code %d, low %d; want 10", code, low)
	}
	tb.stop()
	os.Remove(filepath.Join(dir, cleanShutdownFile))
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	check("after an unclean restart", 10, 10)
	if code, base := c.produce("d", 0, makeBatch(testRecord{1, "after"})); code != codeNone || base != 10 {
		t.Errorf("produce after deleting everything: code %d base %d, want 10", code, base)
	}
	if _, start := c.listOffset("d", 1, earliestTimestamp); start != 0 {
		t.Errorf("partition 1 start %d, want 0", start)
	}
}

// TestDeleteRecordsDeletesSegments checks that whole segments below the
// new start go at once, and that the checkpoint forgets a deleted topic,
// so a topic created under its name starts at 0.
func TestDeleteRecordsDeletesSegments(t *testing.T) {
	dir := t.TempDir()
	tb := startBroker(t, dir)
	c := dial(t, tb.addr)
	c.createTopicWithConfigs("s", 1, map[string]*string{"segment.bytes": oneBigBatchPerSegment()})
	for i := range 6 {
		c.produce("s", 0, bigBatch(int64(i)))
	}
	if code, low := c.deleteRecords("s", 0, 4); code != codeNone || low != 4 {
		t.Fatalf("DeleteRecords: code %d low %d", code, low)
	}
	if got := segmentFiles(t, filepath.Join(dir, "s-0"), logSuffix); len(got) != 2 {
		t.Errorf("segments left: %v, want the ones at 4 and 5", got)
	}

	if err := tb.logs.DeleteTopic("s"); err != nil {
		t.Fatal(err)
	}
	c.createTopic("s", 1)
	c.produce("s", 0, bigBatch(1))
	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	if _, start := c.listOffset("s", 0, earliestTimestamp); start != 0 {
		t.Errorf("recreated topic starts at %d, want 0", start)
	}
}

// TestOffsetForTimestampSkipsDeletedRecords checks that ListOffsets by
// timestamp never answers an offset below the log start, even while the
// segment holding it is still on disk.
func TestOffsetForTimestampSkipsDeletedRecords(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{})
	appendBatches(t, l, makeBatch(recordsAt(100, 5)...)) // offsets 0-4, timestamps 100-104
	if _, _, err := l.AdvanceLogStart(3); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ ts, offset, timestamp int64 }{
		{0, 3, 103},
		{101, 3, 103},
		{104, 4, 104},
	} {
		if o, ts, ok := l.OffsetForTimestamp(tc.ts); !ok || o != tc.offset || ts != tc.timestamp {
			t.Errorf("OffsetForTimestamp(%d) = %d, %d, %v; want %d, %d", tc.ts, o, ts, ok, tc.offset, tc.timestamp)
		}
	}
}

// TestFsyncAlwaysCoversCommits checks that -fsync always makes an offset
// commit durable before it is answered, as it does a produce: by the time
// OffsetCommit returns, __consumer_offsets is synced to its end.
func TestFsyncAlwaysCoversCommits(t *testing.T) {
	for _, policy := range []string{"always", "never"} {
		t.Run(policy, func(t *testing.T) {
			tb := startBrokerWith(t, Config{DataDir: t.TempDir(), Fsync: policy})
			c := dial(t, tb.addr)
			c.createTopic("t", 1)
			offsets := tb.groups.offsets
			for i := range 3 {
				if code := c.commitOffset("g", "t", 0, int64(i)); code != codeNone {
					t.Fatalf("commit: code %d", code)
				}
			}
			synced, end := syncedTo(offsets), offsets.HighWatermark()
			if policy == "always" && synced != end {
				t.Errorf("after the commits __consumer_offsets is synced to %d of %d", synced, end)
			}
			if policy == "never" && synced == end {
				t.Errorf("with -fsync never the commits were synced (to %d): the check above proves nothing", synced)
			}
		})
	}
}
