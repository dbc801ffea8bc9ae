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
// TestCompactionModel fail.
//
// Transactions (TestTxnReadCommittedModel) follow design.html's
// "Transactional delivery" and KIP-98 as a read_committed consumer of one
// partition sees them; the rules are stated above the test. Dropping the
// log-start floor of the LSO, or listing only the aborted transactions
// that start at or past a fetch's offset, makes it fail; so did a
// producer whose batches retention deleted, and which a restart then knew
// only by a later marker: its next batch was refused as out of order.
//
// LogAppendTime (TestLogAppendTimeModel) follows message.timestamp.type:
// batches stamped with the broker's clock, and ListOffsets by time going
// by those stamps across segments. Leaving a batch unstamped makes it
// fail. Not yet modelled here: the message.timestamp.*.max.ms bounds, and
// segment.ms rolls.

package kafka

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
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

// Transactions.
//
// TestTxnReadCommittedModel follows design.html's "Transactional
// delivery" and KIP-98 as a read_committed consumer sees one partition:
// several transactional producers interleave their batches with plain
// ones, commit and abort at random (an abort sometimes with a bumped
// epoch, as a coordinator's timeout or fence writes it, sometimes with
// nothing written before it), while DeleteRecords and retention.bytes
// move the log start, at times past an open transaction, and the log is
// now and then closed and opened again. After each step
//   - the last stable offset is the first offset of the earliest open
//     transaction, or the high watermark, but never below the log start
//     (UnifiedLog.updateFirstUnstableOffset);
//   - a read_committed consumer that fetches [log start, LSO) in random
//     sizes, each fetch with the aborted transactions
//     LogSegment.collectAbortedTxns would list, and drops what Kafka's
//     consumer drops (CompletedFetch.nextFetchedBatch), reads exactly the
//     plain and committed records there, in offset order, each once;
//   - a read_uncommitted consumer reads every record below the high
//     watermark.

// txnModelRecord is what the model knows of one data record.
type txnModelRecord struct {
	offset     int64
	value      string
	producerID int64 // -1 for a plain record
	ended      bool  // its transaction ended (always true of a plain one)
	aborted    bool
}

// txnModelProducer is one transactional producer of the model.
type txnModelProducer struct {
	id      int64
	epoch   int16
	seq     int32
	open    bool
	first   int64 // offset of the open transaction's first record the log knows, or -1
	records []int // indexes into the model's records of the open transaction
}

// valuedBatch is makeBatch of records with the given values, from
// producer id at epoch and seq (id -1 for a plain batch), marked
// transactional when id is not -1.
func valuedBatch(id int64, epoch int16, seq int32, ts int64, values []string) []byte {
	recs := make([]testRecord, len(values))
	for i, v := range values {
		recs[i] = testRecord{timestamp: ts, value: v}
	}
	b := makeBatch(recs...)
	if id < 0 {
		return b
	}
	be := binary.BigEndian
	be.PutUint16(b[batchAttrOffset:], transactionalFlag)
	be.PutUint64(b[43:], uint64(id))
	be.PutUint16(b[51:], uint16(epoch))
	be.PutUint32(b[53:], uint32(seq))
	be.PutUint32(b[batchCRCOffset:], crc32.Checksum(b[batchAttrOffset:], castagnoli))
	return b
}

func TestTxnReadCommittedModel(t *testing.T) {
	for seed := range uint64(30) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 3))
			dir, opts := t.TempDir(), logOptions{SegmentBytes: 250 + rng.Int64N(600), IndexIntervalBytes: 1 + rng.IntN(300)}
			l := openTestLog(t, dir, opts)
			producers := make([]*txnModelProducer, 2+rng.IntN(3))
			for i := range producers {
				producers[i] = &txnModelProducer{id: int64(1000 + i)}
			}
			var records []txnModelRecord
			// Recent timestamps, so that no producer's state expires
			// (producer.id.expiration.ms) when the log reopens.
			ts := time.Now().UnixMilli()
			for step := range 150 {
				p := producers[rng.IntN(len(producers))]
				switch op := rng.IntN(20); {
				case op < 6: // a batch of p's transaction
					values := make([]string, 1+rng.IntN(3))
					for i := range values {
						values[i] = fmt.Sprintf("v%d", len(records)+i)
					}
					base := appendBatches(t, l, valuedBatch(p.id, p.epoch, p.seq, ts+int64(step), values))
					p.seq += int32(len(values))
					if !p.open {
						p.open, p.first, p.records = true, base, nil
					} else if p.first < 0 {
						p.first = base
					}
					for i, v := range values {
						p.records = append(p.records, len(records))
						records = append(records, txnModelRecord{offset: base + int64(i), value: v, producerID: p.id})
					}
				case op < 10: // a plain batch
					values := make([]string, 1+rng.IntN(3))
					for i := range values {
						values[i] = fmt.Sprintf("v%d", len(records)+i)
					}
					base := appendBatches(t, l, valuedBatch(-1, -1, -1, ts+int64(step), values))
					for i, v := range values {
						records = append(records, txnModelRecord{offset: base + int64(i), value: v, producerID: -1, ended: true})
					}
				case op < 15: // p's transaction ends
					commit := rng.IntN(2) == 0
					if !p.open && rng.IntN(3) != 0 {
						continue // mostly, only open transactions end
					}
					epoch := p.epoch
					if !commit && rng.IntN(3) == 0 {
						// A timeout or a fence: the coordinator writes
						// the abort with the epoch bumped, and the
						// producer goes on from sequence 0.
						epoch++
						p.epoch, p.seq = epoch, 0
					}
					typ := markerCommit
					if !commit {
						typ = markerAbort
					}
					appendBatches(t, l, markerBatch(p.id, epoch, typ, ts+int64(step)))
					for _, i := range p.records {
						records[i].ended, records[i].aborted = true, !commit
					}
					p.open, p.records = false, nil
				case op < 17: // DeleteRecords
					if _, _, err := l.AdvanceLogStart(l.LogStartOffset() + rng.Int64N(min(20, l.HighWatermark()-l.LogStartOffset())+1)); err != nil {
						t.Fatal(err)
					}
					if _, _, err := l.DeleteSegments(keepAll, time.UnixMilli(ts)); err != nil {
						t.Fatal(err)
					}
				case op < 18: // retention.bytes
					if _, _, err := l.DeleteSegments(retention{ms: -1, bytes: l.Size() - rng.Int64N(400)}, time.UnixMilli(ts)); err != nil {
						t.Fatal(err)
					}
				case op < 19: // a restart, with the checkpointed log start
					start := l.LogStartOffset()
					if err := l.Close(); err != nil {
						t.Fatal(err)
					}
					l = openTestLog(t, dir, opts)
					l.restoreLogStart(start)
					forgetDeletedTxnStarts(l, producers, records)
				}
				checkTxnModel(t, l, step, producers, records, rng)
			}
		})
	}
}

// forgetDeletedTxnStarts is what a restart leaves the log knowing of the
// producers' open transactions. Kafka's ProducerStateManager keeps a
// transaction's first offset in its snapshot however much of the log
// retention deleted, so its LSO stays at the log start until the
// transaction ends. This broker has no snapshot (see producers.go's design
// note) and rebuilds what it knows from the batches on disk: an open
// transaction starts at its first batch still there, or, with none left,
// is unknown until its next batch. Records below the LSO are then still
// all ended, which checkTxnModel checks; only the LSO is higher than
// Kafka's.
func forgetDeletedTxnStarts(l *partitionLog, producers []*txnModelProducer, records []txnModelRecord) {
	onDisk := l.segments[0].base
	for _, p := range producers {
		if !p.open || p.first >= onDisk {
			continue
		}
		p.first = -1
		for _, i := range p.records {
			if records[i].offset >= onDisk {
				p.first = records[i].offset
				break
			}
		}
	}
}

// checkTxnModel checks the three rules of TestTxnReadCommittedModel
// against the log after step.
func checkTxnModel(t *testing.T, l *partitionLog, step int, producers []*txnModelProducer, records []txnModelRecord, rng *rand.Rand) {
	t.Helper()
	hw, start := l.HighWatermark(), l.LogStartOffset()
	wantLSO := hw
	for _, p := range producers {
		if p.open && p.first >= 0 {
			wantLSO = min(wantLSO, p.first)
		}
	}
	wantLSO = max(wantLSO, start)
	if lso := l.LastStableOffset(); lso != wantLSO {
		t.Fatalf("step %d: LSO %d, want %d (log start %d, high watermark %d)", step, lso, wantLSO, start, hw)
	}
	var committed, all []string
	for _, r := range records {
		if r.offset < start {
			continue
		}
		all = append(all, fmt.Sprint(r.offset, ":", r.value))
		if r.offset < wantLSO && !r.aborted {
			if !r.ended {
				t.Fatalf("step %d: the model has open record %+v below the LSO %d", step, r, wantLSO)
			}
			committed = append(committed, fmt.Sprint(r.offset, ":", r.value))
		}
	}
	if got := readTxnModel(t, l, start, wantLSO, true, rng); !slices.Equal(got, committed) {
		t.Fatalf("step %d: read_committed of [%d, %d) read\n%v\nwant\n%v", step, start, wantLSO, got, committed)
	}
	if got := readTxnModel(t, l, start, hw, false, rng); !slices.Equal(got, all) {
		t.Fatalf("step %d: read_uncommitted of [%d, %d) read\n%v\nwant\n%v", step, start, hw, got, all)
	}
}

// readTxnModel reads [from, end) as a consumer does, one fetch of a
// random size at a time, and returns "offset:value" of each record it
// hands to the application. A read_committed fetch reads below end (the
// LSO) and comes with the aborted transactions of [position, end), as the
// Fetch handler answers; the consumer then drops, as Kafka's
// CompletedFetch.nextFetchedBatch does, each transactional batch of a
// producer that has an aborted transaction starting at or before the
// batch's last offset, until that producer's ABORT marker. That state
// lasts one fetch.
func readTxnModel(t *testing.T, l *partitionLog, from, end int64, readCommitted bool, rng *rand.Rand) []string {
	t.Helper()
	var out []string
	for pos := from; pos < end; {
		limit := int64(math.MaxInt64)
		var aborted []abortedTransaction
		if readCommitted {
			limit = end
			aborted = l.AbortedTransactions(pos, end)
			slices.SortFunc(aborted, func(a, b abortedTransaction) int { return cmp.Compare(a.FirstOffset, b.FirstOffset) })
		}
		sec, err := l.ReadSectionBelow(pos, 1+rng.IntN(600), limit)
		if err != nil {
			t.Fatalf("read from %d below %d: %v", pos, end, err)
		}
		hs, err := splitBatches(sec.data)
		if err != nil || len(hs) == 0 {
			t.Fatalf("read from %d below %d: %d batches, %v", pos, end, len(hs), err)
		}
		abortedProducers := map[int64]bool{}
		b := sec.data
		for _, h := range hs {
			batch := b[:h.Size()]
			b = b[h.Size():]
			if h.BaseOffset >= end {
				t.Fatalf("read from %d below %d returned the batch at %d", pos, end, h.BaseOffset)
			}
			if readCommitted && h.ProducerID >= 0 {
				for len(aborted) > 0 && aborted[0].FirstOffset <= h.LastOffset() {
					abortedProducers[aborted[0].ProducerID] = true
					aborted = aborted[1:]
				}
				if typ, ok := markerType(batch, h); h.Attributes&controlFlag != 0 && ok && typ == markerAbort {
					delete(abortedProducers, h.ProducerID)
				} else if h.Attributes&transactionalFlag != 0 && abortedProducers[h.ProducerID] {
					continue
				}
			}
			recs, _ := decodeBatches(t, batch)
			for _, r := range recs {
				if r.offset >= pos {
					out = append(out, fmt.Sprint(r.offset, ":", r.value))
				}
			}
		}
		pos = hs[len(hs)-1].LastOffset() + 1
	}
	return out
}

// LogAppendTime.

// TestLogAppendTimeModel follows TopicConfig's doc of
// message.timestamp.type: on a LogAppendTime topic the broker stamps
// every batch with its own clock, whatever the producer wrote
// (LogValidator.assignOffsetsNonCompressed). Batches of random sizes,
// with create times far in the past and out of order, go to a topic
// whose segments hold a batch or two and whose time index has an entry
// per batch; then every fetched batch is marked LogAppendTime with the
// time Produce answered as its max timestamp, those times never go
// back, and ListOffsets by time answers the first offset stamped at or
// after the time asked, across segments, as if the create times had
// never been sent.
func TestLogAppendTimeModel(t *testing.T) {
	for seed := range uint64(3) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 4))
			tb := startBroker(t, t.TempDir())
			c := dial(t, tb.addr)
			if code, _ := c.createTopicWithConfigs("lat", 1, map[string]*string{
				"message.timestamp.type": ptr("LogAppendTime"),
				"segment.bytes":          ptr(fmt.Sprint(250 + rng.IntN(300))),
				"index.interval.bytes":   ptr("1"),
			}); code != codeNone {
				t.Fatalf("CreateTopics: %d", code)
			}
			type stamped struct{ offset, count, appendTime int64 }
			var batches []stamped
			next := int64(0)
			for range 20 + rng.IntN(20) {
				n := 1 + rng.IntN(4)
				created := time.Now().UnixMilli() - rng.Int64N(10*24*3600*1000)
				before := time.Now().UnixMilli()
				code, appendTime := c.produceAppendTime("lat", makeBatch(recordsAt(created, n)...))
				after := time.Now().UnixMilli()
				if code != codeNone || appendTime < before || appendTime > after {
					t.Fatalf("produce: code %d, LogAppendTimeMs %d, want none and within [%d, %d]", code, appendTime, before, after)
				}
				batches = append(batches, stamped{next, int64(n), appendTime})
				next += int64(n)
				if rng.IntN(4) == 0 {
					time.Sleep(time.Duration(1+rng.IntN(3)) * time.Millisecond)
				}
			}
			for i, b := range batches {
				_, _, got := c.fetch("lat", 0, b.offset, 0, 1)
				h, err := parseBatchHeader(got)
				if err != nil || checkBatch(got, h) != nil {
					t.Fatalf("fetch at %d: %v", b.offset, err)
				}
				if h.BaseOffset != b.offset || h.Attributes&timestampTypeFlag == 0 || h.MaxTimestamp != b.appendTime {
					t.Errorf("batch at %d: header %+v, want LogAppendTime %d", b.offset, h, b.appendTime)
				}
				if i > 0 && b.appendTime < batches[i-1].appendTime {
					t.Errorf("batch at %d stamped %d, before the one at %d (%d)", b.offset, b.appendTime, batches[i-1].offset, batches[i-1].appendTime)
				}
			}
			first, last := batches[0].appendTime, batches[len(batches)-1].appendTime
			for range 20 {
				target := first - 2 + rng.Int64N(last-first+4)
				want := int64(-1)
				for _, b := range batches {
					if b.appendTime >= target {
						want = b.offset
						break
					}
				}
				if code, got := c.listOffset("lat", 0, target); code != codeNone || got != want {
					t.Errorf("ListOffsets at %d: code %d, offset %d; want %d", target, code, got, want)
				}
			}
		})
	}
}
