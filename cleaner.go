// This file is the log cleaner, in Part IV of the book (operations): log
// compaction, as Kafka's LogCleaner carries it out for topics whose
// cleanup.policy includes compact. It assumes log.go (segments, indexes,
// recovery), the record layout of wire.go, and the transactions of
// txn.go, whose markers and aborted records it removes once they are safe
// to remove.
//
// A compacted topic is a table written as a changelog: what matters is the
// latest record of each key, and a record with a null value (a tombstone)
// says the key was deleted. The cleaner rewrites a partition's closed
// segments so that they keep only those latest records, and, after
// delete.retention.ms, not even the tombstones. Offsets never change: a
// cleaned segment has gaps where the dropped records were, which Fetch and
// ListOffsets step over (a read of an offset in a gap answers from the
// next batch that exists). The active segment is never touched, so the
// newest records always stay as they were produced.
//
// A cleaning, traced on a partition with segment.bytes small enough that
// each line below is a segment, the last one active:
//
//	 0: k1=a   k2=b   k1=c          segment 0, closed
//	 3: k2=nil k3=d                 segment 3, closed
//	 5: k1=e                        segment 5, active
//
//	1. The dirty part, from the cleaner's checkpoint (0 at first) up to the
//	   active segment (and no further than min.compaction.lag.ms and the
//	   last stable offset allow), is read into a map of each key's latest
//	   offset: k1->2, k2->3, k3->4. k1's record at 5 is in the active
//	   segment and not in the map.
//	2. Segments 0 and 3 are rewritten as one, 0.log.cleaned, keeping the
//	   records whose offset is the map's for their key: c@2, nil@3, d@4.
//	   The tombstone stays, and its batch is stamped with a delete horizon,
//	   now + delete.retention.ms.
//	3. The new segment is fsynced and swapped in (below); the checkpoint
//	   moves to 5.
//	4. A later cleaning after the horizon drops nil@3: a consumer that read
//	   the partition within delete.retention.ms of the first cleaning saw
//	   the delete; one that starts later never sees k2 at all.
//
// The rules, in the order a batch meets them (Kafka's LogCleaner,
// https://github.com/apache/kafka/blob/4.0.0/core/src/main/scala/kafka/log/LogCleaner.scala,
// and the filter it calls, MemoryRecords.filterTo,
// https://github.com/apache/kafka/blob/4.0.0/clients/src/main/java/org/apache/kafka/common/record/MemoryRecords.java):
//   - A batch at or past the first uncleanable offset is kept as it is.
//   - A batch of an aborted transaction is dropped whole, whatever its
//     codec (CleanedTransactionMetadata.onBatchRead).
//   - A transaction marker is kept until no batch of its transaction is
//     left before it; then it gets a delete horizon and goes after it, as
//     a tombstone does (onControlBatchRead).
//   - Any other record stays if it is the latest of its key (or past what
//     the map covers); a tombstone only until its batch's horizon. A
//     record without a key is dropped: a compacted topic cannot hold one.
//   - The last batch of each producer the partition still tracks stays, if
//     need be as an empty batch (a header of no records with its offsets
//     and sequence numbers), so that the producer's idempotence state
//     survives a restart (the RETAIN_EMPTY of Kafka's cleaner). Any other
//     batch left without records is dropped, as Kafka's checkBatchRetention
//     does (DELETE_EMPTY): kafka-go's Reader, answered a fetch with one
//     empty batch, goes back to offset 1.
//
// Design note: compressed batches. The broker decompresses here, in the
// validator (validator.go) and to find a record by timestamp (log.go),
// with the codecs of codecs.go and zstd.go, and its dependencies stay the
// standard library. An uncompressed batch is filtered record by record and
// written again; a gzip, snappy, lz4 or zstd batch is decompressed,
// filtered and compressed again with its own codec, as Kafka's filterTo
// does (snappy in the xerial framing and lz4 in the frame Kafka's Java
// client writes, whatever form the producer sent; zstd with zstd.go's
// simple encoder, so a compacted zstd batch may be larger than its
// producer wrote it). A batch the cleaner cannot decode is opaque: one
// that inflates past maxDecompressedBatch, or a snappy, lz4 or zstd batch
// that the codecs refuse as malformed (its CRC was right when it was
// produced, so the producer's codec and ours disagree: keeping it whole
// loses space, where failing would stop the partition's cleaning for
// good). Its keys are unknown, so it is kept whole (it is dropped only
// when it belongs to an aborted transaction, which needs no keys), its
// records do not shadow older records of the same keys, and a tombstone
// with an opaque batch anywhere before it is kept past its horizon, so
// that no value hidden in the opaque batch can come back to life. Compared
// with Kafka, a consumer reading such a topic from the start sees more:
// older values of keys written in opaque batches, and the tombstones kept
// longer. The latest value of every key is the same, in the same order at
// the same offsets, so a consumer that applies records in order ends with
// the same table; what differs is space and the number of records
// replayed. TestCleanerOpaqueCost measures the space. Two more differences
// come from not reading such batches: a record without a key in one is not
// refused at produce time, where Kafka refuses it, and the cleaner, which
// drops keyless records it can read, keeps it.
//
// Design note: crash safety follows Kafka's LogCleaner.replaceSegments.
// The segments of a group are rewritten into <base>.log.cleaned (with its
// .index.cleaned and .timeindex.cleaned), named by the first one's base,
// and fsynced. The indexes, then the log, are renamed to .swap: the
// rename of <base>.log.swap is the commit point. Then the old segments go,
// and the .swap files are renamed to their final names, the log last,
// which replaces the old first segment's file in one rename. At open,
// before anything else (recoverCleaning): .cleaned files are an
// uncommitted cleaning and are deleted; a <base>.log.swap is a committed
// one, so every segment with a base in [base, the swap's next offset) is
// deleted and the swap renamed into place, as Kafka's LogLoader does. When
// the group's last records were all dropped, the swap's next offset falls
// short of the group's end, so before the commit a <base>.groupend.swap
// file names the group's last old segment, and recovery deletes up to it:
// a crash leaves the old segments or the new one, never a mix. (Kafka
// has no such file; it keeps the range the swap's offsets cover.) A swap
// that fails its CRCs at open is damage, since it was fsynced whole: while
// the old segments are all there (the last of them goes first at runtime,
// the first at open) it is dropped instead, with a log line.
// TestCleanerCrash in interop SIGKILLs the broker while it cleans and
// checks every key's latest value after a restart.
//
// Design note: bounds. There is one cleaner goroutine per broker, so it
// uses at most one core, and it reads and writes at most
// Config.CleanerIOBytesPerSecond (log.cleaner.io.max.bytes.per.second;
// unlimited by default, as in Kafka). The key map of a pass holds at most
// Config.CleanerDedupeBufferBytes of keys (log.cleaner.dedupe.buffer.size,
// 128 MiB); a dirty part with more keys is cleaned over several passes.
// Keys are held whole rather than as Kafka's 16-byte MD5 digests: a
// collision could then never drop a live record, at the cost of memory
// for long keys.

package kafka

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Settings.

// compaction is a compacted topic's settings, as its configs give them or
// Kafka's defaults.
type compaction struct {
	// minDirtyRatio trades disk for work: a cleaning rewrites the clean
	// part of the log along with the dirty part, so it waits until the
	// dirty part is more than this share of the whole.
	minDirtyRatio float64 // min.cleanable.dirty.ratio, default 0.5
	// minLagMs is how long a record is sure to stay as it was produced
	// (KIP-58), for consumers that must see every value of a key;
	// maxLagMs is how long it may stay dirty at most (KIP-354), for
	// topics that must forget old values in time, whatever the ratio.
	minLagMs int64 // min.compaction.lag.ms, default 0
	maxLagMs int64 // max.compaction.lag.ms, default math.MaxInt64
	// deleteRetentionMs is how long a tombstone and a transaction marker
	// outlive their first cleaning: a consumer that reads the partition
	// from the start in less time sees every delete, and one slower than
	// that may keep a value the topic has deleted.
	deleteRetentionMs int64 // delete.retention.ms, default 1 day
}

// Kafka's defaults for the cleaner's broker settings (CleanerConfig).
const (
	defaultCleanerBackoff    = 15 * time.Second // log.cleaner.backoff.ms
	defaultDedupeBufferBytes = 128 << 20        // log.cleaner.dedupe.buffer.size
	// offsets.topic.segment.bytes: __consumer_offsets rolls, and so is
	// compacted, long before log.segment.bytes.
	defaultOffsetsTopicSegmentBytes = 100 << 20
)

// compaction returns the topic's compaction settings (topicconfigs.go defines
// and checks them), and false if its cleanup.policy does not include
// compact.
func (c topicConfig) compaction() (compaction, bool) {
	if !c.compacted() {
		return compaction{}, false
	}
	return compaction{
		minDirtyRatio:     c.float(minCleanableDirtyRatioConfig),
		minLagMs:          c.long(minCompactionLagMsConfig),
		maxLagMs:          c.long(maxCompactionLagMsConfig),
		deleteRetentionMs: c.long(deleteRetentionMsConfig),
	}, true
}

// cleanerOptions bounds the cleaner's use of the machine (see the design
// note on bounds).
type cleanerOptions struct {
	dedupeBufferBytes int64
	ioBytesPerSecond  int64 // 0 for no limit
	now               func() time.Time
	// metrics hears of each cleaning, for /metrics; nil in tests and
	// in CleanNow, which clean without a broker.
	metrics *cleanerMetrics
}

// Files of the cleaner, named as Kafka's LogFileUtils names them.
const (
	cleanedSuffix = ".cleaned"
	swapSuffix    = ".swap"

	// groupEndSuffix names the file, beside a cleaning's .swap files,
	// that holds the base offset of the group's last old segment.
	groupEndSuffix = ".groupend"
	// cleanerCheckpointFile holds, per compacted partition, the offset up
	// to which it has been cleaned (the first dirty offset), in the format
	// of the log start offset checkpoint.
	cleanerCheckpointFile = "cleaner-offset-checkpoint"
	// horizonCheckpointFile holds, per compacted partition with a kept
	// tombstone or marker, the earliest time one of them may go (ours;
	// Kafka finds it by reading the batches).
	horizonCheckpointFile = "cleaner-horizon-checkpoint"
)

// deleteHorizonFlag is attributes bit 6 (KIP-534): the batch's
// baseTimestamp holds the time after which its tombstones and its marker
// may be removed, and its records' timestamp deltas count from there.
const deleteHorizonFlag = 0x40

// maxDecompressedBatch bounds what one compressed batch may inflate to in
// the cleaner (and in the produce-time key check); a batch that inflates
// further is treated as opaque, so a compression bomb costs no more
// memory.
const maxDecompressedBatch = 64 << 20

// Picking partitions.

// cleanable is what the cleaner knows of one partition before it cleans:
// Kafka's LogToClean.
type cleanable struct {
	topic     string
	partition int32
	log       *partitionLog
	settings  compaction
	ratio     float64 // dirty bytes / (clean + dirty bytes)
	mustClean bool    // max.compaction.lag.ms has passed for dirty records
}

// toClean lists the compacted partitions that are due, the dirtiest first
// (LogCleanerManager.grabFilthiestCompactedLog, which takes one at a
// time; here a round takes them all), and the dirty ratio of the
// dirtiest compacted partition, due or not, which Kafka reports as
// max-dirty-percent.
func (d *logDir) toClean(now time.Time) (due []cleanable, dirtiest float64) {
	for _, t := range d.Topics() {
		cp, ok := t.Settings().compaction()
		if !ok {
			continue
		}
		for p, pl := range t.Partitions {
			c := cleanable{topic: t.Name, partition: int32(p), log: pl, settings: cp}
			// A partition never cleaned has a ratio of 1: it is due as
			// soon as a segment closes.
			var dirty int64
			c.ratio, dirty, c.mustClean = pl.dirtiness(cp, now)
			dirtiest = max(dirtiest, c.ratio)
			// Strictly more than the ratio, as grabFilthiestCompactedLog
			// asks: min.cleanable.dirty.ratio=1 leaves cleaning to
			// max.compaction.lag.ms and to tombstones' delete horizons.
			if dirty > 0 && (c.mustClean || c.ratio > cp.minDirtyRatio) {
				due = append(due, c)
			}
		}
	}
	// Overdue partitions first: max.compaction.lag.ms is a promise to the
	// topic's owner, the ratio only a cost to weigh.
	slices.SortStableFunc(due, func(a, b cleanable) int {
		if a.mustClean != b.mustClean {
			if a.mustClean {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.ratio, a.ratio)
	})
	return due, dirtiest
}

// dirtiness measures a partition: the share of its cleanable bytes that
// are dirty, the dirty bytes, and whether a dirty record is older than
// max.compaction.lag.ms (LogCleanerManager.cleanableOffsets and
// maxCompactionDelay). Bytes are counted by whole segments, as Kafka does.
func (l *partitionLog) dirtiness(cp compaction, now time.Time) (ratio float64, dirty int64, mustClean bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	// An offline partition (flush.go) is left as it is on disk for the
	// restart that recovers it, as retention leaves it.
	if l.closed || l.failed() != nil {
		return 0, 0, false
	}
	firstDirty, uncleanable := l.cleanableRangeLocked(cp, now)
	if l.nextHorizon <= now.UnixMilli() && len(l.segments) > 1 {
		// A tombstone or marker is due to go: clean even without new
		// records, as KIP-534 asks.
		mustClean, dirty = true, 1
	}
	var clean int64
	for i, s := range l.segments[:len(l.segments)-1] {
		end := l.segments[i+1].base
		switch {
		case end <= firstDirty:
			clean += s.size
		case s.base < uncleanable:
			dirty += s.size
			if cp.maxLagMs < math.MaxInt64 && s.idx.maxTimestamp > noTimestamp && now.UnixMilli()-s.firstTimestamp() > cp.maxLagMs {
				mustClean = true
			}
		}
	}
	if dirty == 0 {
		return 0, 0, false
	}
	return float64(dirty) / float64(max(clean+dirty, 1)), dirty, mustClean
}

// firstTimestamp approximates a segment's earliest record time by its
// first time-index entry, or else its maximum.
func (s *segment) firstTimestamp() int64 {
	if len(s.times) > 0 {
		return s.times[0].timestamp
	}
	return s.idx.maxTimestamp
}

// cleanableRangeLocked is [first dirty offset, first uncleanable offset):
// from where the last cleaning stopped to the first of the active
// segment, the last stable offset, and the first segment whose newest
// record is younger than min.compaction.lag.ms
// (LogCleanerManager.cleanableOffsets). Callers hold mu.
func (l *partitionLog) cleanableRangeLocked(cp compaction, now time.Time) (firstDirty, uncleanable int64) {
	firstDirty = max(l.cleanedTo, l.logStart)
	uncleanable = l.segments[len(l.segments)-1].base
	// Nothing at or past the LSO: a record of an open transaction may yet
	// be aborted, and taken now for its key's latest value it would make
	// the cleaner drop the committed value before it.
	for _, first := range l.txns.ongoing {
		uncleanable = min(uncleanable, first)
	}
	if cp.minLagMs > 0 {
		for i, s := range l.segments[:len(l.segments)-1] {
			if l.segments[i+1].base > firstDirty && s.largestTimestamp() > now.UnixMilli()-cp.minLagMs {
				uncleanable = min(uncleanable, s.base)
				break
			}
		}
	}
	if firstDirty > uncleanable {
		firstDirty = uncleanable
	}
	return firstDirty, uncleanable
}

// The cleaner goroutine.

// runCleaner cleans every due compacted partition, then waits backoff and
// looks again, until ctx is done (LogCleaner.CleanerThread.doWork).
func (d *logDir) runCleaner(ctx context.Context, backoff time.Duration, o cleanerOptions) {
	for {
		d.cleanRound(ctx, o)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
	}
}

// cleanRound cleans, once, every compacted partition that is due, and
// records how far each got in the cleaner checkpoint.
func (d *logDir) cleanRound(ctx context.Context, o cleanerOptions) {
	now := o.now()
	cleaned := false
	due, dirtiest := d.toClean(now)
	for _, c := range due {
		if ctx.Err() != nil {
			return
		}
		d.logger.Debug("cleaning partition", "topic", c.topic, "partition", c.partition, "dirty_ratio", c.ratio, "must_clean", c.mustClean)
		start := time.Now()
		st, err := c.log.clean(ctx, c.settings, o)
		switch {
		case errors.Is(err, errLogClosed) || errors.Is(err, context.Canceled) || c.log.closing.Load():
			// Stopped, or failed because its log was closed or its
			// dir moved away by a deletion meanwhile (abortCleaning):
			// an abort, which Kafka's CleanerThread lets go without
			// a word (LogCleaningAbortedException).
			continue
		case err != nil:
			d.logger.Warn("cleaning failed", "topic", c.topic, "partition", c.partition, "err", err)
			continue
		}
		cleaned = true
		// Reported per partition, as Kafka's CleanerThread records its
		// stats after each log it cleans.
		if o.metrics != nil {
			o.metrics.cleaned(start, st.bytesIn, st.bytesOut, 100*dirtiest)
		}
		if st.segmentsIn > 0 {
			d.logger.Info("cleaned partition", "topic", c.topic, "partition", c.partition,
				"dirty_ratio", fmt.Sprintf("%.2f", c.ratio), "segments", st.segmentsIn, "bytes_before", st.bytesIn,
				"bytes_after", st.bytesOut, "records_removed", st.recordsRemoved, "first_dirty_offset", st.cleanedTo,
				"opaque_batches_kept", st.opaqueKept)
		}
	}
	if cleaned {
		if err := d.checkpointCleaned(); err != nil {
			d.logger.Warn("writing the cleaner checkpoint", "err", err)
		}
	}
}

// CleanNow runs one round of the cleaner at time now: tests, and the
// benchmark, use it in place of the goroutine.
func (d *logDir) CleanNow(ctx context.Context, now time.Time) {
	d.cleanRound(ctx, cleanerOptions{dedupeBufferBytes: defaultDedupeBufferBytes, now: func() time.Time { return now }})
}

// checkpointCleaned writes, for every compacted partition, its first
// dirty offset to the cleaner checkpoint and, if a kept tombstone or
// marker waits for one, its next delete horizon to the horizon
// checkpoint, so that a restart neither cleans again what was clean nor
// forgets when a tombstone is due.
func (d *logDir) checkpointCleaned() error {
	d.checkpointMu.Lock()
	defer d.checkpointMu.Unlock()
	var cleaned, horizons []checkpointEntry
	for _, t := range d.Topics() {
		for p, pl := range t.Partitions {
			to, horizon := pl.cleanerState()
			if to > 0 {
				cleaned = append(cleaned, checkpointEntry{t.Name, int32(p), to})
			}
			if horizon < math.MaxInt64 {
				horizons = append(horizons, checkpointEntry{t.Name, int32(p), horizon})
			}
		}
	}
	return errors.Join(
		writeCheckpoint(filepath.Join(d.path, cleanerCheckpointFile), cleaned),
		writeCheckpoint(filepath.Join(d.path, horizonCheckpointFile), horizons))
}

// writeCheckpoint writes entries in the format of Kafka's
// OffsetCheckpointFile (see the log start offset checkpoint).
func writeCheckpoint(path string, es []checkpointEntry) error {
	var b strings.Builder
	fmt.Fprintf(&b, "0\n%d\n", len(es))
	for _, e := range es {
		fmt.Fprintf(&b, "%s %d %d\n", e.topic, e.partition, e.offset)
	}
	return writeFileAtomic(path, []byte(b.String()))
}

// readCheckpoint reads a file writeCheckpoint wrote; a missing one has no
// entries.
func readCheckpoint(path string) ([]checkpointEntry, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseCheckpoint(b)
}

// restoreCleaned applies the cleaner's checkpoints at open. A missing or
// unreadable one costs a needless cleaning (every compacted partition is
// dirty from its start) or a late one (a tombstone waits for the next
// cleaning that new records bring).
func (d *logDir) restoreCleaned() {
	for _, f := range []struct {
		name  string
		apply func(pl *partitionLog, v int64)
	}{
		// A checkpoint past the high watermark comes from records a crash
		// lost before they were synced; the offsets may be used again by
		// new records that nobody has cleaned.
		{cleanerCheckpointFile, func(pl *partitionLog, v int64) { pl.cleanedTo = min(v, pl.hw) }},
		{horizonCheckpointFile, func(pl *partitionLog, v int64) { pl.nextHorizon = v }},
	} {
		es, err := readCheckpoint(filepath.Join(d.path, f.name))
		if err != nil {
			d.logger.Warn("ignoring a cleaner checkpoint", "file", f.name, "err", err)
			continue
		}
		for _, e := range es {
			if t := d.topics[e.topic]; t != nil && e.partition >= 0 && int(e.partition) < len(t.Partitions) {
				f.apply(t.Partitions[e.partition], e.offset)
			}
		}
	}
}

// cleanerState is the partition's first dirty offset and next delete
// horizon.
func (l *partitionLog) cleanerState() (cleanedTo, nextHorizon int64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.cleanedTo, l.nextHorizon
}

// CleanedTo is the partition's first dirty offset: below it, the log has
// been cleaned.
func (l *partitionLog) CleanedTo() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.cleanedTo
}

// Cleaning one partition.

// cleanStats is what one cleaning did.
type cleanStats struct {
	segmentsIn        int
	bytesIn, bytesOut int64
	recordsRemoved    int
	opaqueKept        int
	cleanedTo         int64
}

// cleanPlan is the state a cleaning reads once, at its start, under the
// log's locks; the closed segments it names change only by cleaning and
// retention, which hold cleanMu.
type cleanPlan struct {
	opts        logOptions // segment.bytes, which bounds a group, and the index interval
	segs        []*segment // closed segments, oldest first
	active      int64      // base of the active segment
	firstDirty  int64
	uncleanable int64
	aborted     []abortedTxn
	// lastOfProducer is, per producer the partition tracks, the last
	// offset of its last data batch, or -1 if its last batch was a marker
	// of epoch lastEpoch.
	lastOfProducer map[int64]int64
	lastEpoch      map[int64]int16
	nextHorizon    int64
}

// clean compacts the closed segments of the partition once (Kafka's
// Cleaner.doClean): build the key map of the dirty part, rewrite the
// segments below its end group by group, and move the first dirty offset.
func (l *partitionLog) clean(ctx context.Context, cp compaction, o cleanerOptions) (cleanStats, error) {
	l.cleanMu.Lock()
	defer l.cleanMu.Unlock()
	now := o.now()
	plan, err := l.planClean(cp, now)
	// Nothing dirty and no tombstone or marker due: a cleaning now would
	// rewrite the segments into themselves.
	if err != nil || plan.firstDirty >= plan.uncleanable && plan.nextHorizon > now.UnixMilli() {
		return cleanStats{cleanedTo: plan.firstDirty}, err
	}
	th := newThrottle(o.ioBytesPerSecond)
	keys, mapEnd, err := l.buildKeyMap(ctx, plan, o.dedupeBufferBytes, th)
	if err != nil {
		return cleanStats{}, err
	}
	f := &cleanFilter{
		opts:            plan.opts,
		keys:            keys,
		mapEnd:          mapEnd,
		uncleanable:     plan.uncleanable,
		now:             now.UnixMilli(),
		deleteRetention: cp.deleteRetentionMs,
		txns:            newTxnCleaning(plan.aborted),
		lastOfProducer:  plan.lastOfProducer,
		lastEpoch:       plan.lastEpoch,
		nextHorizon:     math.MaxInt64,
	}
	st := cleanStats{cleanedTo: mapEnd}
	if err := l.cleanGroups(ctx, plan.segs, f, th, &st); err != nil {
		return st, err
	}
	// Batches the cleaner cannot open (see the design note): the log says
	// how many, so that a topic that does not shrink explains itself.
	st.opaqueKept = f.opaqueKept
	// Groups are made from the sizes of the segments before cleaning, so
	// a cleaning that removed much leaves small segments side by side. A
	// second pass over the result, with the same key map, merges them
	// (Kafka leaves that to its next cleaning).
	if segs := l.closedSegments(); len(groupSegments(segs, mapEnd, plan.opts.SegmentBytes)) < len(segs)/2 {
		again := *f
		again.txns, again.opaqueSeen = newTxnCleaning(plan.aborted), false
		var merged cleanStats
		if err := l.cleanGroups(ctx, segs, &again, th, &merged); err != nil {
			return st, err
		}
		st.bytesOut = merged.bytesOut
	}
	l.mu.Lock()
	l.cleanedTo = max(l.cleanedTo, mapEnd)
	l.nextHorizon = f.nextHorizon
	l.mu.Unlock()
	return st, nil
}

// abortCleaning asks a cleaning of l to stop, and the cleaner to start
// none, before a deletion renames l's dir away, as Kafka's
// LogManager.asyncDelete calls LogCleaner.abortCleaning before it renames
// a deleted partition's dir. It does not wait for the cleaning to end,
// since the deletion holds the log dir's lock: a cleaning that reaches
// its files by the old path before it looks fails there, and cleanRound
// takes that failure for the abort it is. resumeCleaning undoes it for a
// deletion that failed and left the log serving.
func (l *partitionLog) abortCleaning()  { l.closing.Store(true) }
func (l *partitionLog) resumeCleaning() { l.closing.Store(false) }

// cleanGroups cleans the segments below f.mapEnd, a group at a time.
func (l *partitionLog) cleanGroups(ctx context.Context, segs []*segment, f *cleanFilter, th *throttle, st *cleanStats) error {
	for _, group := range groupSegments(segs, f.mapEnd, f.opts.SegmentBytes) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if l.closing.Load() {
			return errLogClosed
		}
		if err := l.cleanGroup(ctx, group, f, th, st); err != nil {
			return err
		}
	}
	return nil
}

// closedSegments is the list of segments but the active one.
func (l *partitionLog) closedSegments() []*segment {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return slices.Clone(l.segments[:len(l.segments)-1])
}

// planClean reads what a cleaning needs from the live log.
func (l *partitionLog) planClean(cp compaction, now time.Time) (cleanPlan, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed || l.failed() != nil {
		return cleanPlan{}, errLogClosed
	}
	p := cleanPlan{
		opts:           l.opts,
		segs:           slices.Clone(l.segments[:len(l.segments)-1]),
		active:         l.segments[len(l.segments)-1].base,
		aborted:        slices.Clone(l.txns.aborted),
		lastOfProducer: map[int64]int64{},
		lastEpoch:      map[int64]int16{},
		nextHorizon:    l.nextHorizon,
	}
	p.firstDirty, p.uncleanable = l.cleanableRangeLocked(cp, now)
	for pid, e := range l.producers {
		p.lastOfProducer[pid], p.lastEpoch[pid] = -1, e.epoch
		if n := len(e.batches); n > 0 {
			p.lastOfProducer[pid] = e.batches[n-1].lastOffset
		}
	}
	return p, nil
}

// buildKeyMap reads the dirty part of the log into a map from key to the
// offset of its latest record (Cleaner.buildOffsetMap), segment by
// segment, stopping after the segment that fills dedupe bytes. It returns
// the map and the offset it covers up to: records at or past it are kept.
// Control batches, aborted transactions and opaque batches add nothing.
func (l *partitionLog) buildKeyMap(ctx context.Context, p cleanPlan, dedupeBytes int64, th *throttle) (map[string]int64, int64, error) {
	keys := map[string]int64{}
	var used int64
	txns := newTxnCleaning(p.aborted)
	end := p.firstDirty
	for i, s := range p.segs {
		next := p.active
		if i+1 < len(p.segs) {
			next = p.segs[i+1].base
		}
		if next <= p.firstDirty {
			continue
		}
		if s.base >= p.uncleanable || used >= dedupeBytes {
			break
		}
		err := l.eachStoredBatch(ctx, s, th, func(b []byte, h batchHeader) error {
			if h.LastOffset() < p.firstDirty || h.BaseOffset >= p.uncleanable {
				return nil
			}
			// A marker's key is its version and type, not a user's key.
			if h.isControl() {
				txns.onControl(h, b)
				return nil
			}
			// An aborted record never counts as its key's latest value:
			// it would shadow the committed value before it, which the
			// cleaner would then drop, leaving the key with neither.
			if txns.onData(h) {
				return nil
			}
			return eachCleanableRecord(b, h, func(r rawRecord) {
				if r.key == nil {
					return
				}
				if _, ok := keys[string(r.key)]; !ok {
					used += int64(len(r.key)) + 48 // map entry overhead, roughly
				}
				keys[string(r.key)] = r.offset
			})
		})
		if err != nil {
			return nil, 0, err
		}
		end = min(next, p.uncleanable)
	}
	return keys, end, nil
}

// groupSegments groups the closed segments below end into runs that fit
// one segment (segment.bytes, and 4-byte relative offsets), as
// Cleaner.groupSegmentsBySize does, so that cleaning merges small
// segments instead of leaving more of them.
func groupSegments(segs []*segment, end, segmentBytes int64) [][]*segment {
	var groups [][]*segment
	for i := 0; i < len(segs) && segs[i].base < end; {
		g := []*segment{segs[i]}
		size := segs[i].size
		i++
		for i < len(segs) && segs[i].base < end && size+segs[i].size <= segmentBytes {
			next := int64(math.MaxInt64)
			if i+1 < len(segs) {
				next = segs[i+1].base
			}
			// The offset index stores offsets relative to the segment's
			// base in 4 bytes, so one segment spans at most MaxInt32.
			if next != math.MaxInt64 && next-1-g[0].base > math.MaxInt32 {
				break
			}
			size += segs[i].size
			g = append(g, segs[i])
			i++
		}
		groups = append(groups, g)
	}
	return groups
}

// eachStoredBatch calls f with every batch of a closed segment, in order,
// at the throttle's pace. Between batches it stops for a cancelled ctx or
// a Close waiting for the cleaning to end.
func (l *partitionLog) eachStoredBatch(ctx context.Context, s *segment, th *throttle, f func(b []byte, h batchHeader) error) error {
	var buf []byte
	for pos := int64(0); pos < s.size; {
		if err := ctx.Err(); err != nil {
			return err
		}
		if l.closing.Load() {
			return errLogClosed
		}
		b, h, err := readBatchAt(s, pos, s.size, buf)
		if err != nil {
			return fmt.Errorf("kafka: cleaning segment %d at %d: %w", s.base, pos, err)
		}
		if err := f(b, h); err != nil {
			return err
		}
		pos += int64(h.Size())
		buf = b
		th.wait(int64(h.Size()))
	}
	return nil
}

// Filtering batches.

// cleanFilter decides, batch by batch, what a cleaning keeps.
type cleanFilter struct {
	opts            logOptions // the plan's
	keys            map[string]int64
	mapEnd          int64
	uncleanable     int64
	now             int64
	deleteRetention int64
	txns            *txnCleaning
	lastOfProducer  map[int64]int64
	lastEpoch       map[int64]int16
	// opaqueSeen is set once a kept opaque batch has gone by: from then on
	// no tombstone may go (see the design note on compressed batches).
	opaqueSeen bool
	opaqueKept int // batches kept whole for that reason, for the log
	// nextHorizon is the earliest horizon still ahead among the kept
	// tombstones and markers: when the next cleaning is due without new
	// records.
	nextHorizon int64
}

// filter returns what batch b, whose header is h, becomes: its own bytes,
// a rewritten batch, or nil to drop it. keepEmpty asks for at least an
// empty batch. removed counts the records left out.
func (f *cleanFilter) filter(b []byte, h batchHeader, keepEmpty bool) (out []byte, removed int, err error) {
	// A batch that reaches the uncleanable part stays whole, but the
	// transactions it opens or ends are still followed, so that what
	// comes after it is judged right.
	if h.BaseOffset >= f.uncleanable || h.LastOffset() >= f.uncleanable {
		if h.isControl() {
			f.txns.onControl(h, b)
		} else {
			f.txns.onData(h)
		}
		return b, 0, nil
	}
	keepEmpty = keepEmpty || f.isProducersLast(h)
	if h.isControl() {
		return f.filterMarker(b, h, keepEmpty)
	}
	if f.txns.onData(h) {
		return emptyOrNil(h, keepEmpty), int(h.NumRecords), nil
	}
	recs, err := cleanableRecords(b, h)
	if isOpaque(err) {
		f.opaqueSeen = true
		f.opaqueKept++
		return b, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	kept := recs[:0:0]
	tombstones := false
	for _, r := range recs {
		if f.retain(h, r) {
			kept = append(kept, r)
			tombstones = tombstones || r.value == nil
		}
	}
	removed = len(recs) - len(kept)
	// The horizon is set by the first cleaning that keeps a tombstone,
	// not when it was produced (KIP-534): delete.retention.ms counts from
	// when the key's older values are gone, and the time is in the batch,
	// so the tombstone goes on time even if no new records come. Before
	// KIP-534 Kafka judged by segment modification times and cleaned only
	// dirty partitions, so a tombstone in a quiet partition could stay
	// for good. Behind an opaque batch a tombstone never goes, so it
	// schedules no cleaning.
	setHorizon := tombstones && h.Attributes&deleteHorizonFlag == 0
	switch {
	case setHorizon:
		f.awaitHorizon(f.now + f.deleteRetention)
	case tombstones && !f.opaqueSeen:
		f.awaitHorizon(h.BaseTimestamp)
	}
	switch {
	case len(kept) == 0:
		return emptyOrNil(h, keepEmpty), removed, nil
	case removed == 0 && !setHorizon:
		return b, 0, nil
	}
	out, err = rebuildBatch(h, kept, setHorizon, f.now+f.deleteRetention)
	return out, removed, err
}

// retain is shouldRetainRecord: the latest record of its key (or one past
// what the map covers), and a tombstone only until its horizon.
func (f *cleanFilter) retain(h batchHeader, r rawRecord) bool {
	// Past the map, a later record of the key may exist that the map did
	// not read, so nothing there can be judged.
	if r.offset >= f.mapEnd {
		return true
	}
	// Kafka counts a keyless record as invalid and drops it: compaction
	// has no way to tell when it is superseded.
	if r.key == nil {
		return false
	}
	if latest, ok := f.keys[string(r.key)]; ok && r.offset < latest {
		return false
	}
	if r.value != nil || f.opaqueSeen {
		return true
	}
	return h.Attributes&deleteHorizonFlag == 0 || f.now < h.BaseTimestamp
}

// filterMarker keeps a transaction marker until no batch of its
// transaction is left before it and its horizon has passed. While a batch
// of the transaction is left, the marker is what ends it: without it the
// index rebuilt at the next start (partitionTxns.apply) would find the
// transaction still open and hold the LSO there for good, and a
// read_committed consumer would not know where an aborted transaction's
// records stop. Once the batches are gone, the marker stays for
// delete.retention.ms more, as a tombstone does, for a consumer that
// read the batches before they went and has yet to read their end.
func (f *cleanFilter) filterMarker(b []byte, h batchHeader, keepEmpty bool) ([]byte, int, error) {
	if !f.txns.onControl(h, b) {
		return b, 0, nil
	}
	if h.NumRecords == 0 {
		return emptyOrNil(h, keepEmpty), 0, nil
	}
	// A marker met for the first time with its transaction gone gets its
	// horizon now; the batch is rebuilt only to carry it.
	if h.Attributes&deleteHorizonFlag == 0 {
		recs, err := cleanableRecords(b, h)
		if err != nil {
			return nil, 0, err
		}
		f.awaitHorizon(f.now + f.deleteRetention)
		out, err := rebuildBatch(h, recs, true, f.now+f.deleteRetention)
		return out, 0, err
	}
	if f.now < h.BaseTimestamp {
		f.awaitHorizon(h.BaseTimestamp)
		return b, 0, nil
	}
	return emptyOrNil(h, keepEmpty), int(h.NumRecords), nil
}

// awaitHorizon notes a horizon that a kept batch waits for.
func (f *cleanFilter) awaitHorizon(horizon int64) {
	f.nextHorizon = min(f.nextHorizon, horizon)
}

// isProducersLast reports whether h is the last batch of a producer the
// partition still tracks (isBatchLastRecordOfProducer).
func (f *cleanFilter) isProducersLast(h batchHeader) bool {
	if h.ProducerID < 0 {
		return false
	}
	last, ok := f.lastOfProducer[h.ProducerID]
	if !ok {
		return false
	}
	if last >= 0 {
		return last == h.LastOffset()
	}
	// The producer's last batch was a marker: the one of its current
	// epoch is what restores that epoch at the next start, so that a
	// fenced zombie stays fenced.
	return h.isControl() && h.ProducerEpoch == f.lastEpoch[h.ProducerID]
}

// emptyOrNil is the empty form of h when one must be kept, else nil.
func emptyOrNil(h batchHeader, keepEmpty bool) []byte {
	if keepEmpty {
		return emptyBatch(h)
	}
	return nil
}

// Transactions during a cleaning.

// txnCleaning follows transactions through a cleaning, in offset order,
// as Kafka's CleanedTransactionMetadata does: which producers are inside
// an aborted transaction, whether a batch of it is still in the log, and
// which producers have a committed transaction with batches still there.
type txnCleaning struct {
	aborted   []abortedTxn // by first offset
	next      int
	inAborted map[int64]*bool // producer -> a batch of it was seen
	committed map[int64]bool
}

func newTxnCleaning(aborted []abortedTxn) *txnCleaning {
	a := slices.Clone(aborted)
	slices.SortFunc(a, func(x, y abortedTxn) int { return cmp.Compare(x.firstOffset, y.firstOffset) })
	return &txnCleaning{aborted: a, inAborted: map[int64]*bool{}, committed: map[int64]bool{}}
}

// upTo starts the aborted transactions that begin at or before offset.
func (t *txnCleaning) upTo(offset int64) {
	for ; t.next < len(t.aborted) && t.aborted[t.next].firstOffset <= offset; t.next++ {
		seen := false
		t.inAborted[t.aborted[t.next].producerID] = &seen
	}
}

// onData reports whether data batch h belongs to an aborted transaction.
func (t *txnCleaning) onData(h batchHeader) bool {
	t.upTo(h.LastOffset())
	if h.Attributes&transactionalFlag == 0 || h.ProducerID < 0 {
		return false
	}
	if seen := t.inAborted[h.ProducerID]; seen != nil {
		*seen = true
		return true
	}
	t.committed[h.ProducerID] = true
	return false
}

// onControl reports whether marker h may go once its horizon passes: no
// batch of its transaction was met before it.
func (t *txnCleaning) onControl(h batchHeader, b []byte) bool {
	t.upTo(h.LastOffset())
	if h.NumRecords == 0 {
		return true // emptied by an earlier cleaning
	}
	// A control batch of a kind this broker does not know is never
	// removed: what it guards cannot be known.
	typ, ok := markerType(b, h)
	if !ok {
		return false
	}
	switch typ {
	case markerAbort:
		seen := t.inAborted[h.ProducerID]
		delete(t.inAborted, h.ProducerID)
		return seen == nil || !*seen
	default:
		had := t.committed[h.ProducerID]
		delete(t.committed, h.ProducerID)
		return !had
	}
}

// Records.

// rawRecord is one record of a batch, decoded far enough to filter it and
// write it again: its absolute offset and timestamp, key and value (nil
// for null), and body, the bytes from the key on, copied back unchanged.
type rawRecord struct {
	offset, timestamp int64
	offsetDelta       int64
	key, value        []byte
	body              []byte
}

// errOpaque is a batch the cleaner keeps whole because it cannot read
// it: a batch that inflates past maxDecompressedBatch, or a snappy, lz4
// or zstd batch that codecs.go or zstd.go cannot decode (see the design
// note on compressed batches).
var errOpaque = errors.New("kafka: batch kept whole")

func isOpaque(err error) bool { return errors.Is(err, errOpaque) }

// cleanableRecords decodes the records of a batch, decompressing them if
// need be. Timestamps are raw (baseTimestamp plus delta), whatever the
// timestamp type, so that a rewritten batch carries them unchanged.
func cleanableRecords(b []byte, h batchHeader) ([]rawRecord, error) {
	data := b[batchHeaderSize:h.Size()]
	switch codec := int(h.Attributes & compressionCodecMask); {
	case codec == codecNone:
	case !canDecompress(codec):
		return nil, fmt.Errorf("%w: no %s codec", errOpaque, codecName(codec))
	default:
		var err error
		data, err = decompress(codec, data, maxDecompressedBatch)
		switch {
		case errors.Is(err, errDecodedTooLarge), err != nil && codec != codecGzip:
			return nil, fmt.Errorf("%w: %w", errOpaque, err)
		case err != nil:
			return nil, fmt.Errorf("%w: %w", errRecordMalformed, err)
		}
	}
	recs := make([]rawRecord, 0, min(int(h.NumRecords), len(data)))
	for i := range h.NumRecords {
		n, k := binary.Varint(data)
		if k <= 0 || n < 0 || n > int64(len(data)-k) {
			return nil, fmt.Errorf("%w: record %d of batch %d has a bad length", errRecordMalformed, i, h.BaseOffset)
		}
		body := data[k : k+int(n)]
		r := newReader(body, false)
		r.Int8() // attributes
		tsDelta := r.Varint()
		offsetDelta := r.Varint()
		rest := r.off
		key := r.VarintBytes()
		value := r.VarintBytes()
		if r.err != nil || offsetDelta < 0 || offsetDelta > int64(h.LastOffsetDelta) {
			return nil, fmt.Errorf("%w: record %d of batch %d", errRecordMalformed, i, h.BaseOffset)
		}
		recs = append(recs, rawRecord{
			offset: h.BaseOffset + offsetDelta, timestamp: h.BaseTimestamp + tsDelta, offsetDelta: offsetDelta,
			key: key, value: value, body: body[rest:],
		})
		data = data[k+int(n):]
	}
	return recs, nil
}

// eachCleanableRecord calls f with every record of a batch the cleaner can
// read; opaque batches yield nothing.
func eachCleanableRecord(b []byte, h batchHeader, f func(rawRecord)) error {
	recs, err := cleanableRecords(b, h)
	if isOpaque(err) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, r := range recs {
		f(r)
	}
	return nil
}

// rebuildBatch writes a batch of h's header fields holding only recs, as
// MemoryRecords.buildRetainedRecordsInto does: the same base offset and
// lastOffsetDelta (so the producer's sequence numbers stay whole), codec
// (the records compressed again with it, as Kafka's filterTo does),
// producer fields and flags; the record count, the maximum timestamp (for
// CreateTime) and the CRC are new. With setHorizon the batch is stamped
// with the delete horizon, which becomes its baseTimestamp.
func rebuildBatch(h batchHeader, recs []rawRecord, setHorizon bool, horizon int64) ([]byte, error) {
	attrs := h.Attributes
	base := recs[0].timestamp
	switch {
	case setHorizon:
		attrs |= deleteHorizonFlag
		base = horizon
	case attrs&deleteHorizonFlag != 0:
		base = h.BaseTimestamp
	}
	// Under LogAppendTime the maximum is the append time, every record's
	// timestamp, and stays. Under CreateTime it is taken again over the
	// records kept, so that time retention and ListOffsets by timestamp
	// judge the batch by what is left in it.
	maxTS := h.MaxTimestamp
	if attrs&timestampTypeFlag == 0 {
		maxTS = noTimestamp
		for _, r := range recs {
			maxTS = max(maxTS, r.timestamp)
		}
	}
	var body []byte
	for _, r := range recs {
		var rec []byte
		rec = append(rec, 0) // attributes
		rec = binary.AppendVarint(rec, r.timestamp-base)
		rec = binary.AppendVarint(rec, r.offsetDelta)
		rec = append(rec, r.body...)
		body = binary.AppendVarint(body, int64(len(rec)))
		body = append(body, rec...)
	}
	body, err := compress(int(attrs&compressionCodecMask), body, -1)
	if err != nil {
		return nil, err
	}
	out := batchHeaderBytes(h, attrs, base, maxTS, int32(len(recs)), len(body))
	out = append(out, body...)
	binary.BigEndian.PutUint32(out[batchCRCOffset:], crc32.Checksum(out[batchAttrOffset:], castagnoli))
	return out, nil
}

// emptyBatch is h with no records, as DefaultRecordBatch.writeEmptyHeader
// writes it: uncompressed, both timestamps the batch's maximum, the
// offsets and sequence numbers unchanged.
func emptyBatch(h batchHeader) []byte {
	attrs := h.Attributes &^ (compressionCodecMask | deleteHorizonFlag)
	out := batchHeaderBytes(h, attrs, h.MaxTimestamp, h.MaxTimestamp, 0, 0)
	binary.BigEndian.PutUint32(out[batchCRCOffset:], crc32.Checksum(out[batchAttrOffset:], castagnoli))
	return out
}

// batchHeaderBytes writes a batch header with h's offsets and producer
// fields and the rest given; the CRC is left for the caller.
func batchHeaderBytes(h batchHeader, attrs int16, baseTS, maxTS int64, n int32, bodyLen int) []byte {
	be := binary.BigEndian
	b := make([]byte, batchHeaderSize, batchHeaderSize+bodyLen)
	be.PutUint64(b[0:], uint64(h.BaseOffset))
	be.PutUint32(b[8:], uint32(batchHeaderSize-batchLogOverhead+bodyLen))
	be.PutUint32(b[12:], uint32(h.PartitionLeaderEpoch))
	b[16] = 2
	be.PutUint16(b[21:], uint16(attrs))
	be.PutUint32(b[23:], uint32(h.LastOffsetDelta))
	be.PutUint64(b[27:], uint64(baseTS))
	be.PutUint64(b[35:], uint64(maxTS))
	be.PutUint64(b[43:], uint64(h.ProducerID))
	be.PutUint16(b[51:], uint16(h.ProducerEpoch))
	be.PutUint32(b[53:], uint32(h.BaseSequence))
	be.PutUint32(b[57:], uint32(n))
	return b
}

// Writing and swapping.

// cleanGroup rewrites one group of segments into one, swaps it in, and
// publishes it to readers.
func (l *partitionLog) cleanGroup(ctx context.Context, group []*segment, f *cleanFilter, th *throttle, st *cleanStats) error {
	base := group[0].base
	out, err := os.OpenFile(segmentPath(l.dir, base, logSuffix+cleanedSuffix), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("kafka: cleaning: %w", err)
	}
	s := &segment{base: base, log: out, idx: newIndexer()}
	abandon := func(err error) error {
		out.Close()
		for _, suffix := range []string{logSuffix, offsetIndexSuffix, timeIndexSuffix} {
			os.Remove(segmentPath(l.dir, base, suffix+cleanedSuffix))
		}
		return err
	}
	changed, err := l.writeCleaned(ctx, group, s, f, th, st)
	if err != nil || !changed {
		// A lone segment that kept every batch as it was stays as it is.
		return abandon(err)
	}
	if err := l.commitCleaned(s, group); err != nil {
		return abandon(err)
	}
	return l.finishSwap(s, group)
}

// writeCleaned filters the batches of group into s, building its indexes
// as appends would, and writes and fsyncs its three .cleaned files. It
// reports whether the result differs from the group.
func (l *partitionLog) writeCleaned(ctx context.Context, group []*segment, s *segment, f *cleanFilter, th *throttle, st *cleanStats) (changed bool, err error) {
	changed = len(group) > 1
	for _, old := range group {
		st.segmentsIn++
		st.bytesIn += old.size
		err := l.eachStoredBatch(ctx, old, th, func(b []byte, h batchHeader) error {
			out, removed, err := f.filter(b, h, false)
			if err != nil {
				return err
			}
			st.recordsRemoved += removed
			changed = changed || len(out) != len(b) || len(out) > 0 && &out[0] != &b[0]
			th.wait(int64(len(out)))
			return l.appendCleaned(s, f, out)
		})
		if err != nil {
			return false, err
		}
	}
	s.times = s.idx.addTimeEntry(s.times)
	st.bytesOut += s.size
	if !changed {
		return false, nil
	}
	if err := s.log.Sync(); err != nil {
		return false, fmt.Errorf("kafka: cleaning: %w", err)
	}
	for suffix, data := range map[string][]byte{
		offsetIndexSuffix: encodeOffsetIndex(s.base, s.offsets),
		timeIndexSuffix:   encodeTimeIndex(s.base, s.times),
	} {
		if err := writeSynced(segmentPath(l.dir, s.base, suffix+cleanedSuffix), data); err != nil {
			return false, err
		}
	}
	return true, syncDir(l.dir)
}

// appendCleaned writes batch b (if any) at the end of s and indexes it
// every f.opts.IndexIntervalBytes, as appends do.
func (l *partitionLog) appendCleaned(s *segment, f *cleanFilter, b []byte) error {
	if b == nil {
		return nil
	}
	h, err := parseBatchHeader(b)
	if err != nil {
		return fmt.Errorf("kafka: cleaning wrote a bad batch: %w", err)
	}
	if _, err := s.log.WriteAt(b, s.size); err != nil {
		return fmt.Errorf("kafka: cleaning: %w", err)
	}
	s.offsets, s.times = s.idx.add(&h, s.size, f.opts.IndexIntervalBytes, s.offsets, s.times)
	s.size += int64(len(b))
	return nil
}

// writeSynced writes a new file and fsyncs it.
func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("kafka: cleaning: %w", err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// commitCleaned renames the cleaned files to .swap, the log last: from
// that rename on, a restart finishes the swap (see the design note).
func (l *partitionLog) commitCleaned(s *segment, group []*segment) error {
	last := strconv.FormatInt(group[len(group)-1].base, 10)
	if err := writeSynced(segmentPath(l.dir, s.base, groupEndSuffix+swapSuffix), []byte(last)); err != nil {
		return err
	}
	for _, suffix := range []string{offsetIndexSuffix, timeIndexSuffix, logSuffix} {
		from := segmentPath(l.dir, s.base, suffix+cleanedSuffix)
		if err := os.Rename(from, segmentPath(l.dir, s.base, suffix+swapSuffix)); err != nil {
			return fmt.Errorf("kafka: cleaning: %w", err)
		}
	}
	return syncDir(l.dir)
}

// finishSwap deletes the old segments of the group, renames the .swap
// files into place and publishes the new segment in their stead.
func (l *partitionLog) finishSwap(s *segment, group []*segment) error {
	// Until the new segment is published, readers still read the old
	// ones, whose files are about to be removed or renamed over: they must
	// stay open. Through the descriptor cache they could be closed and
	// reopened by name, which would find the cleaned file, or none.
	if err := l.pinFiles(group); err != nil {
		return err
	}
	s.log.Close()
	// The last first: while it is there, none is gone (oldSegmentsWhole).
	for i := len(group) - 1; i >= 1; i-- {
		if err := removeSegmentFiles(l.dir, group[i].base, ""); err != nil {
			return err
		}
	}
	for _, suffix := range []string{offsetIndexSuffix, timeIndexSuffix, logSuffix} {
		if err := os.Rename(segmentPath(l.dir, s.base, suffix+swapSuffix), segmentPath(l.dir, s.base, suffix)); err != nil {
			return fmt.Errorf("kafka: cleaning: %w", err)
		}
	}
	os.Remove(segmentPath(l.dir, s.base, groupEndSuffix+swapSuffix))
	if err := syncDir(l.dir); err != nil {
		return err
	}
	f, err := os.Open(segmentPath(l.dir, s.base, logSuffix))
	if err != nil {
		return fmt.Errorf("kafka: cleaning: %w", err)
	}
	s.log = f
	s.info, _ = f.Stat()
	s.cleaned = true

	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	i := slices.Index(l.segments, group[0])
	if i < 0 || l.closed {
		l.mu.Unlock()
		f.Close()
		return errLogClosed
	}
	l.segments = slices.Concat(l.segments[:i], []*segment{s}, l.segments[i+len(group):])
	l.closeSegment(s)
	l.mu.Unlock()
	// No reader holds mu any more, so none is using the old descriptors.
	var errs []error
	for _, old := range group {
		errs = append(errs, old.closeFile())
	}
	return errors.Join(errs...)
}

// removeSegmentFiles removes a segment's index files, then its log, with
// the given extra suffix.
func removeSegmentFiles(dir string, base int64, extra string) error {
	for _, suffix := range []string{offsetIndexSuffix, timeIndexSuffix, logSuffix} {
		if err := os.Remove(segmentPath(dir, base, suffix+extra)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("kafka: cleaning: %w", err)
		}
	}
	return nil
}

// recoverCleaning finishes or undoes, at open, a cleaning a crash
// interrupted (see the design note on crash safety): .cleaned files are
// deleted, and each <base>.log.swap replaces the segments it covers.
// Index .swap files without their log's are an uncommitted swap.
func recoverCleaning(dir string, logger *slog.Logger) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("kafka: recover cleaning: %w", err)
	}
	var swaps []int64
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, cleanedSuffix):
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("kafka: recover cleaning: %w", err)
			}
		case strings.HasSuffix(name, logSuffix+swapSuffix):
			if base, err := strconv.ParseInt(strings.TrimSuffix(name, logSuffix+swapSuffix), 10, 64); err == nil {
				swaps = append(swaps, base)
			}
		}
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, swapSuffix) || strings.HasSuffix(name, logSuffix+swapSuffix) {
			continue
		}
		base, err := strconv.ParseInt(name[:min(20, len(name))], 10, 64)
		if err != nil || !slices.Contains(swaps, base) {
			os.Remove(filepath.Join(dir, name))
		}
	}
	for _, base := range swaps {
		if err := checkSwap(dir, base); err != nil {
			// The swap was fsynced whole before its rename, so a torn
			// one is damage. While its old segments are all there,
			// the swap, not needed, is dropped; without them it is
			// all there is, and recovery cuts it.
			if oldSegmentsWhole(dir, base) {
				logger.Warn("dropping a damaged cleaned segment; the segments it was to replace are whole",
					"file", segmentPath(dir, base, logSuffix+swapSuffix), "err", err)
				if err := dropSwap(dir, base); err != nil {
					return err
				}
				continue
			}
			logger.Warn("a damaged cleaned segment replaces segments already deleted",
				"file", segmentPath(dir, base, logSuffix+swapSuffix), "err", err)
		}
		logger.Info("finishing an interrupted cleaning", "dir", dir, "segment", base)
		if err := finishSwapAtOpen(dir, base); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// oldSegmentsWhole reports whether no segment a swap replaces has been
// deleted yet. The swap's first old segment is deleted first at an open
// (finishSwapAtOpen) and its last one first at runtime (finishSwap), so
// both being there, as the groupend file names the last, proves it.
func oldSegmentsWhole(dir string, base int64) bool {
	data, err := os.ReadFile(segmentPath(dir, base, groupEndSuffix+swapSuffix))
	if err != nil {
		return false
	}
	last, err := strconv.ParseInt(string(data), 10, 64)
	if err != nil {
		return false
	}
	for _, b := range []int64{base, last} {
		if _, err := os.Stat(segmentPath(dir, b, logSuffix)); err != nil {
			return false
		}
	}
	return true
}

// checkSwap reads every batch of <base>.log.swap, CRC included.
func checkSwap(dir string, base int64) error {
	f, err := os.Open(segmentPath(dir, base, logSuffix+swapSuffix))
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	var buf []byte
	for pos := int64(0); pos < fi.Size(); {
		var h batchHeader
		if buf, h, err = readBatchAt(f, pos, fi.Size(), buf); err != nil {
			return fmt.Errorf("at position %d: %w", pos, err)
		}
		pos += int64(h.Size())
	}
	return nil
}

// dropSwap removes the swap files of the cleaning of base's segments.
func dropSwap(dir string, base int64) error {
	for _, suffix := range []string{logSuffix, offsetIndexSuffix, timeIndexSuffix, groupEndSuffix} {
		if err := os.Remove(segmentPath(dir, base, suffix+swapSuffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("kafka: recover cleaning: %w", err)
		}
	}
	return nil
}

// finishSwapAtOpen completes the swap of <base>.log.swap.
func finishSwapAtOpen(dir string, base int64) error {
	swap := segmentPath(dir, base, logSuffix+swapSuffix)
	next, err := nextOffsetOf(swap)
	if err != nil {
		return err
	}
	bases, err := listSegments(dir)
	if err != nil {
		return err
	}
	// The group's old segments are those from base to the last one named
	// in the groupend file. The swap's next offset alone can fall short of
	// them when the group's last batches were all dropped.
	last := next - 1
	if data, err := os.ReadFile(segmentPath(dir, base, groupEndSuffix+swapSuffix)); err == nil {
		if n, err := strconv.ParseInt(string(data), 10, 64); err == nil {
			last = max(last, n)
		}
	}
	for _, b := range bases {
		if b >= base && b <= last {
			if err := removeSegmentFiles(dir, b, ""); err != nil {
				return err
			}
		}
	}
	for _, suffix := range []string{offsetIndexSuffix, timeIndexSuffix} {
		err := os.Rename(segmentPath(dir, base, suffix+swapSuffix), segmentPath(dir, base, suffix))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("kafka: recover cleaning: %w", err)
		}
	}
	if err := os.Rename(swap, segmentPath(dir, base, logSuffix)); err != nil {
		return fmt.Errorf("kafka: recover cleaning: %w", err)
	}
	os.Remove(segmentPath(dir, base, groupEndSuffix+swapSuffix))
	return nil
}

// nextOffsetOf is the offset after the last batch of a segment file,
// which was fsynced whole before it was renamed, so every batch is good.
func nextOffsetOf(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("kafka: recover cleaning: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, fmt.Errorf("kafka: recover cleaning: %w", err)
	}
	next := int64(0)
	var hdr [batchHeaderSize]byte
	for pos := int64(0); pos+batchHeaderSize <= fi.Size(); {
		if _, err := f.ReadAt(hdr[:], pos); err != nil {
			return 0, fmt.Errorf("kafka: recover cleaning: %w", err)
		}
		h, err := parseBatchHeader(hdr[:])
		if err != nil && !errors.Is(err, errBatchTruncated) {
			return 0, fmt.Errorf("kafka: recover cleaning %s at %d: %w", path, pos, err)
		}
		next = h.LastOffset() + 1
		pos += int64(h.Size())
	}
	return next, nil
}

// Throttling.

// throttle slows the cleaner to a number of bytes a second
// (Kafka's Throttler), sleeping after work that ran ahead of the rate.
type throttle struct {
	rate  int64
	start time.Time
	done  int64
}

func newThrottle(rate int64) *throttle { return &throttle{rate: rate, start: time.Now()} }

// wait accounts for n more bytes and sleeps until the rate allows them.
func (t *throttle) wait(n int64) {
	if t.rate <= 0 {
		return
	}
	t.done += n
	due := t.start.Add(time.Duration(float64(t.done) / float64(t.rate) * float64(time.Second)))
	if d := time.Until(due); d > 0 {
		time.Sleep(d)
	}
}

// Produce-time check.

// nullKeyRecords returns the indexes, within their batch, of the records
// without a key in batches bound for a compacted topic, which Kafka's
// LogValidator.validateKey refuses with INVALID_RECORD. Opaque batches,
// which the broker cannot read, are let through (the cleaner then keeps
// them whole); the result is empty when every readable record has a key.
func nullKeyRecords(records []byte, headers []batchHeader) []int32 {
	var found []int32
	pos := 0
	for _, h := range headers {
		b := records[pos : pos+h.Size()]
		pos += h.Size()
		if h.isControl() {
			continue
		}
		i := int32(0)
		err := eachCleanableRecord(b, h, func(r rawRecord) {
			if r.key == nil {
				found = append(found, i)
			}
			i++
		})
		if err != nil {
			break
		}
	}
	return found
}
