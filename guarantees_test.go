// This file checks the log against the guarantees Kafka's documentation
// states in prose, with randomized model-based tests: each draws a history
// from a fixed seed, runs it on a partition log, and compares what the log
// then serves with what a small model of the documented rule says it must.
// A failure names its seed, so that it replays.
//
// Retention (TestRetentionModel) follows TopicConfig's doc strings for
// retention.ms ("the maximum time we will retain a log ... it triggers the
// rolling of new segment if the retention.ms condition is satisfied"),
// retention.bytes ("the maximum size a partition ... can grow to") and the
// log start offset that DeleteRecords moves, as Kafka 4.0's
// UnifiedLog.deleteOldSegments applies them: the log-start rule, then the
// size rule, then the time rule, each on what the one before left, each a
// prefix of segments, a segment's age being that of its largest record
// timestamp; an active segment that breaches a rule goes too (after a
// roll), unless it is empty. Timestamps are drawn out of order, so a
// segment's largest timestamp need not grow with its offsets. After each
// deletion ListOffsets' earliest offset is the model's log start, and a
// lookup by timestamp answers the first offset at or past it whose record
// is at or after the time.
//
// Compaction (TestCompactionModel) follows design.html's "What guarantees
// does log compaction provide": random keyed writes with tombstones, cleaned
// several times at random moments, then
//   - guarantee 1: a consumer that kept up with the head reads every record
//     written, in order, at the offset it was given;
//   - guarantee 2: offsets never change and order is kept (every record
//     read from a cleaned log is one that was written at that offset);
//   - guarantee 3: no record younger than min.compaction.lag.ms, nor any in
//     the active segment, was removed;
//   - guarantee 4: a consumer from the start sees the final value of every
//     key and, if the tombstone of a key deleted last is younger than
//     delete.retention.ms since its first cleaning, that tombstone.
//
// Changing how the cleaner stamps delete horizons to a tenth of
// delete.retention.ms, or min.compaction.lag.ms to a third, makes
// TestCompactionModel fail. Not yet modelled here: LogAppendTime and the
// message.timestamp.*.max.ms bounds, segment.ms rolls, and read_committed
// reads across aborted transactions.

package kafka

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Retention.

// retainedRecord is what the retention model knows of one record.
type retainedRecord struct {
	offset, ts int64
}

// modelSegment is a segment as the retention model sees it: its base, its
// size in bytes, and the largest timestamp of its records.
type modelSegment struct {
	base, size, largestTS int64
}

// kafkaDeleteOldSegments is Kafka 4.0's UnifiedLog.deleteOldSegments for a
// topic with the delete policy and no tiered storage, on segs (the last
// active, end the log end offset): it returns how many segments from the
// front go and the log start offset after.
func kafkaDeleteOldSegments(segs []modelSegment, logStart, end int64, r retention, now int64) (int, int64) {
	gone := 0
	// deletableSegments: a prefix while the predicate holds, never a last
	// segment that is empty.
	prefix := func(pred func(s modelSegment, next *modelSegment) bool) {
		for gone < len(segs) {
			s := segs[gone]
			var next *modelSegment
			if gone+1 < len(segs) {
				next = &segs[gone+1]
			}
			if !pred(s, next) || (next == nil && s.size == 0) {
				return
			}
			gone++
		}
	}
	prefix(func(_ modelSegment, next *modelSegment) bool { return next != nil && next.base <= logStart })
	if r.bytes >= 0 {
		var total int64
		for _, s := range segs[gone:] {
			total += s.size
		}
		if total >= r.bytes {
			diff := total - r.bytes
			prefix(func(s modelSegment, _ *modelSegment) bool {
				if diff-s.size < 0 {
					return false
				}
				diff -= s.size
				return true
			})
		}
	}
	if r.ms >= 0 {
		prefix(func(s modelSegment, _ *modelSegment) bool { return now-s.largestTS > r.ms })
	}
	switch {
	case gone == len(segs): // the active segment went, after a roll
		logStart = end
	case gone > 0:
		logStart = max(logStart, segs[gone].base)
	}
	return gone, logStart
}

// modelSegments describes l's segments from the records the test wrote:
// only the boundaries and sizes come from the log.
func modelSegments(l *partitionLog, recs []retainedRecord) []modelSegment {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]modelSegment, len(l.segments))
	for i, s := range l.segments {
		end := l.hw
		if i+1 < len(l.segments) {
			end = l.segments[i+1].base
		}
		ms := modelSegment{base: s.base, size: s.size, largestTS: noTimestamp}
		for _, r := range recs {
			if r.offset >= s.base && r.offset < end {
				ms.largestTS = max(ms.largestTS, r.ts)
			}
		}
		out[i] = ms
	}
	return out
}

// TestRetentionModel appends batches of random sizes and out-of-order
// timestamps, moves the log start at random as DeleteRecords does, and
// applies random retention settings; after each round the segments left
// and the log start must be the model's, and ListOffsets must agree.
func TestRetentionModel(t *testing.T) {
	const now = 1_000_000
	for seed := range uint64(40) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 1))
			l := openTestLog(t, t.TempDir(), logOptions{SegmentBytes: 150 + rng.Int64N(400), IndexIntervalBytes: 1})
			var recs []retainedRecord
			for round := range 4 {
				for range rng.IntN(12) {
					n := 1 + rng.IntN(4)
					batch := make([]testRecord, n)
					for i := range batch {
						// Mostly old, some recent, a few in the future.
						ts := now - rng.Int64N(10_000)
						if rng.IntN(8) == 0 {
							ts = now + rng.Int64N(1000)
						}
						batch[i] = testRecord{timestamp: ts, value: fmt.Sprint("v", rng.IntN(1000))}
					}
					base := appendBatches(t, l, makeBatch(batch...))
					for i, r := range batch {
						recs = append(recs, retainedRecord{base + int64(i), r.timestamp})
					}
				}
				if rng.IntN(3) == 0 && l.HighWatermark() > 0 {
					if _, _, err := l.AdvanceLogStart(l.LogStartOffset() + rng.Int64N(l.HighWatermark()-l.LogStartOffset()+1)); err != nil {
						t.Fatal(err)
					}
				}
				r := retention{ms: -1, bytes: -1}
				if rng.IntN(2) == 0 {
					r.ms = rng.Int64N(12_000)
				}
				if rng.IntN(2) == 0 {
					r.bytes = rng.Int64N(l.Size() + 200)
				}
				before := modelSegments(l, recs)
				gone, wantStart := kafkaDeleteOldSegments(before, l.LogStartOffset(), l.HighWatermark(), r, now)
				wantBases := []int64{}
				for _, s := range before[gone:] {
					wantBases = append(wantBases, s.base)
				}
				if gone == len(before) {
					wantBases = []int64{l.HighWatermark()}
				}
				_, start, err := l.DeleteSegments(r, time.UnixMilli(now))
				if err != nil {
					t.Fatalf("round %d: DeleteSegments: %v", round, err)
				}
				var bases []int64
				for _, s := range modelSegments(l, recs) {
					bases = append(bases, s.base)
				}
				if start != wantStart || !slices.Equal(bases, wantBases) {
					t.Fatalf("round %d, retention %+v, segments %+v, end %d:\nlog start %d, segments %v\nwant %d, %v",
						round, r, before, l.HighWatermark(), start, bases, wantStart, wantBases)
				}
				checkTimeLookups(t, l, recs, rng)
			}
		})
	}
}

// checkTimeLookups checks ListOffsets' answers after retention: the
// earliest offset is the log start, and a lookup by timestamp finds the
// first record at or past the log start whose timestamp is at or after
// the one asked (Kafka's UnifiedLog.fetchOffsetByTimestamp), or none.
func checkTimeLookups(t *testing.T, l *partitionLog, recs []retainedRecord, rng *rand.Rand) {
	t.Helper()
	start := l.LogStartOffset()
	for range 8 {
		target := int64(1_000_000 - 11_000 + rng.Int64N(13_000))
		wantOff, wantTS, wantFound := int64(-1), int64(-1), false
		for _, r := range recs {
			if r.offset >= start && r.ts >= target {
				wantOff, wantTS, wantFound = r.offset, r.ts, true
				break
			}
		}
		off, ts, found := l.OffsetForTimestamp(target)
		if off != wantOff || ts != wantTS || found != wantFound {
			t.Fatalf("OffsetForTimestamp(%d) with log start %d: %d at %d (%v), want %d at %d (%v)",
				target, start, off, ts, found, wantOff, wantTS, wantFound)
		}
	}
}

// Compaction.

// compactionReader is a consumer of a compacted partition in the model: its
// position, the records it has read, and the time it started from the
// beginning (it reads the partition once, from the start to the head).
type compactionReader struct {
	next    int64
	started int64
	speed   int // bytes a fetch asks for
	done    bool
	read    []readRecord
}

// readChunk reads one fetch's worth from r.next, as a consumer would: at
// least one batch, records below its position skipped.
func (r *compactionReader) readChunk(t *testing.T, l *partitionLog, maxBytes int) {
	t.Helper()
	if r.next >= l.HighWatermark() {
		return
	}
	b, err := l.Read(r.next, maxBytes)
	if err != nil {
		t.Fatalf("Read(%d): %v", r.next, err)
	}
	recs, _ := decodeBatches(t, b)
	hs, err := splitBatches(b)
	if err != nil || len(hs) == 0 {
		t.Fatalf("Read(%d) of %d below the high watermark %d: %d batches, %v", r.next, maxBytes, l.HighWatermark(), len(hs), err)
	}
	for _, rec := range recs {
		if rec.offset >= r.next {
			r.read = append(r.read, rec)
		}
	}
	r.next = hs[len(hs)-1].LastOffset() + 1
}

// TestCompactionModel writes random keyed records and tombstones, one batch
// a segment, cleans at random moments with random settings, and has
// consumers read along: one that keeps up within min.compaction.lag.ms,
// and others that start from the beginning at random times and read at
// random speeds. See the file's header for the guarantees checked.
func TestCompactionModel(t *testing.T) {
	for seed := range uint64(16) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 2))
			ct := newCleanTest(t)
			ct.cp.minLagMs = []int64{0, 0, 300, 1500}[rng.IntN(4)]
			ct.cp.deleteRetentionMs = 500 + rng.Int64N(2500)
			now := int64(10_000)
			var written []readRecord // every record, by offset
			keptUp := &compactionReader{}
			var readers []*compactionReader
			// The readers from the start read at their own speeds; the
			// last steps only clean and read, so that each reaches the head.
			steps := 100 + rng.IntN(60)
			for step := 0; step < steps || slices.ContainsFunc(readers, func(r *compactionReader) bool { return !r.done }); step++ {
				now += rng.Int64N(150)
				p := rng.IntN(20)
				if step >= steps {
					p = 10 + rng.IntN(4) // no more writes, nor new readers
				}
				switch {
				case p < 10:
					n := 1 + rng.IntN(3)
					recs := make([]kv, n)
					for i := range recs {
						k := fmt.Sprint("k", rng.IntN(5))
						if rng.IntN(4) == 0 {
							recs[i] = del(k, now)
						} else {
							recs[i] = put(k, fmt.Sprint("v", len(written)+i), now)
						}
					}
					ct.append(keyedBatch(plain, recs...))
					for _, r := range recs {
						written = append(written, readRecord{int64(len(written)), r.ts, string(r.key), string(r.value), r.value == nil, 1})
					}
				case p < 14:
					// The kept-up consumer reads whatever the cleaning
					// could take: every record older than the lag.
					for _, r := range written[keptUp.next:] {
						if r.ts <= now-ct.cp.minLagMs || rng.IntN(3) == 0 {
							for keptUp.next < ct.l.HighWatermark() {
								keptUp.readChunk(t, ct.l, 1<<20)
							}
							break
						}
					}
					ct.clean(now)
				case p < 15:
					readers = append(readers, &compactionReader{started: now, speed: 1 + rng.IntN(300)})
				}
				for _, r := range readers {
					if !r.done && rng.IntN(2) == 0 {
						r.readChunk(t, ct.l, r.speed)
						checkFromStart(t, r, written, now, ct.cp.deleteRetentionMs)
					}
				}
			}
			for keptUp.next < ct.l.HighWatermark() {
				keptUp.readChunk(t, ct.l, 1<<20)
			}
			// Guarantee 1: everything, at sequential offsets.
			for i, w := range written {
				if i >= len(keptUp.read) || keptUp.read[i] != w {
					t.Fatalf("the consumer that kept up (min.compaction.lag.ms %d) read %d records, and not %+v (it read %+v there)", ct.cp.minLagMs, len(keptUp.read), w, keptUp.read[i:min(i+1, len(keptUp.read))])
				}
			}
			if len(keptUp.read) != len(written) {
				t.Fatalf("the consumer that kept up read %d records, want %d", len(keptUp.read), len(written))
			}
			// Guarantee 4 for a consumer that starts last, after a final
			// cleaning, with no time to lose tombstones.
			ct.clean(now)
			last := &compactionReader{started: now}
			for last.next < ct.l.HighWatermark() {
				last.readChunk(t, ct.l, 1+rng.IntN(400))
			}
			checkFromStart(t, last, written, now, ct.cp.deleteRetentionMs)
		})
	}
}

// checkFromStart checks what r, reading from the start, has read so far
// against what was written: every record read is the one written at its
// offset, in offset order (guarantees 2 and 3), and once r has reached
// the head, the final value of every key is what it holds, deleted keys
// included if it got there within delete.retention.ms (guarantee 4).
func checkFromStart(t *testing.T, r *compactionReader, written []readRecord, now, deleteRetentionMs int64) {
	t.Helper()
	for i, rec := range r.read {
		if rec.offset >= int64(len(written)) || rec != written[rec.offset] {
			t.Fatalf("record read %+v is not the one written at its offset", rec)
		}
		if i > 0 && rec.offset <= r.read[i-1].offset {
			t.Fatalf("offset %d read after %d", rec.offset, r.read[i-1].offset)
		}
	}
	if r.next < int64(len(written)) || r.done {
		return
	}
	r.done = true
	got, want := latest(r.read), latest(written)
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !w.null && (!ok || g != w):
			t.Errorf("key %s: the consumer from the start ends with %+v (%v), want %+v", k, g, ok, w)
		case w.null && ok && !g.null && now-r.started < deleteRetentionMs:
			t.Errorf("key %s: the consumer that read from %d to %d, within delete.retention.ms %d, ends with %+v, want it deleted", k, r.started, now, deleteRetentionMs, g)
		}
	}
}
