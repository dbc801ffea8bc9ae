// This file holds the storage: the partition log, which keeps a partition's
// record batches on disk in segments with two indexes. When they reach
// the disk (fsync) is flush.go's; the log start offset and retention are
// retention.go's; the data dir around the partitions is topics.go's.
//
// Place in the book: Part I, after wire.go, whose record batch is what a
// segment stores. Two later concepts touch it, each with its own chapter:
// the idempotent-producer state a partition keeps (producers.go, Part III)
// and the last stable offset of transactions (txn.go, Part III); compaction
// is cleaner.go's (Part IV).
//
// The layout on disk is Apache Kafka's, so the files can be inspected with
// the same habits (and kafka-dump-log reads the .log files):
//
//	data/
//	  .kafka_cleanshutdown               present only while the broker is stopped cleanly
//	  recovery-point-offset-checkpoint   log end offsets at the last clean stop (topics.go)
//	  log-start-offset-checkpoint        log start offsets moved by DeleteRecords
//	  cleaner-offset-checkpoint          how far compacted partitions are cleaned (cleaner.go)
//	  cleaner-horizon-checkpoint         when their kept tombstones may go (cleaner.go)
//	  ...                                the other files of the data dir: docs/disk.md's table
//	  orders-0/                          one directory per partition, <topic>-<partition>
//	    partition.metadata               the topic id (KIP-516)
//	    topic.config                     the topic's configs (partition 0 only; topicconfigs.go)
//	    00000000000000000000.log         batches, as produced, offsets assigned
//	    00000000000000000000.index       sparse offset index: offset -> file position
//	    00000000000000000000.timeindex   sparse time index: max timestamp so far -> offset
//	    00000000000000004096.log         the next segment, named by its base offset
//	    ...
//
// A segment's .log holds batches exactly as a Produce request carried them,
// with baseOffset and partitionLeaderEpoch rewritten; both lie outside the
// CRC, so the bytes a Fetch returns pass the client's check unchanged.
//
// Design note: the indexes are sparse and live in memory. The .index gets
// an entry (the batch's last offset, its position) once at least
// log.index.interval.bytes of batches have gone by since the previous one;
// a read finds the last entry at or below its offset and scans batch
// headers forward from there. The .timeindex gets an entry at the same
// moments, when the segment's largest timestamp so far has grown since its
// last entry, plus a final one when the segment is rolled, so its last entry
// is the segment's maximum. Both rules are LogSegment.append's. Kafka
// preallocates index files and maps them into memory; here they are plain
// files of exactly their entries, read once at open into slices, which keeps
// the code short at the cost of 8 bytes of memory per 4 KiB of log. The
// active segment's index files are written at each sync, at the roll and
// at Close (flushIndexes), not at every append, and are open only for
// that: between times the new entries are in memory, and a crash is
// recovered by scanning the whole last segment (rule 2 below), which
// rebuilds them. So an idle partition holds one descriptor, its active
// .log; closed segments' files go through a cache (segfiles.go).
//
// Design note: readers never wait for the disk writes of an appender. Append
// writes its batches past the segment's committed size, where no reader
// looks, with one positioned write (pwrite), then takes the lock only to
// publish the new size and index entries. A failed write (a full disk)
// publishes nothing, and what it wrote in part is cut off again
// (failedWrite), so that the file never holds batches that were not
// acknowledged.
//
// Design note: crash safety rests on four rules.
//  1. Only the last two segments can be torn. A roll writes the old
//     segment's index entries and hands its fsync, log and both indexes,
//     to the background (flushRolled), as Kafka's UnifiedLog.roll
//     schedules its "flush-log" task, so that an append does not wait up
//     to a whole segment's fsync; but the next roll waits for that fsync
//     before it starts, so the existence of a third segment proves the
//     first whole. At open, older segments and their indexes are trusted
//     (an index that is missing or fails a sanity check is rebuilt by
//     scanning).
//  2. The last segment is scanned batch by batch, CRC included, and cut at
//     the first batch that is torn, corrupt or out of order; its indexes
//     are rebuilt by that scan, with the same code that Append uses, so
//     they come out as appends wrote them. How much is scanned depends on
//     how the broker stopped. Close waits for the rolled segment's fsync,
//     fsyncs the active one and leaves a .kafka_cleanshutdown file in the
//     data dir, as Kafka does, and the next open deletes it before it
//     reads anything. With the marker, every index was fsynced by Close, so
//     the last segment's indexes are trusted too and only the batches from
//     its last offset-index entry on (at most log.index.interval.bytes and
//     one batch) are scanned: a start after a clean stop costs the same
//     however large the segment. Without it, the whole last segment is
//     scanned, and so is the one before it (recoverRolled): if that one is
//     cut, the last is deleted, since its records followed ones that are
//     gone (Kafka's LogLoader.recoverLog deletes every segment after a cut
//     one). Kafka bounds that scan with a recovery point, the offset below
//     which everything is flushed, checkpointed in
//     recovery-point-offset-checkpoint; one pending fsync bounds it here
//     with no file to keep, at the cost of scanning a second segment at an
//     unclean start even when its fsync had finished.
//  3. Derived files are replaced, never edited in place: a rebuilt index,
//     partition.metadata, topic.config and the checkpoint are written to a
//     temporary file, fsynced, renamed over the old one, and the directory
//     is fsynced.
//  4. Appends are not fsynced one by one. As in Kafka
//     (log.flush.interval.messages defaults to "never"), durability of
//     acknowledged writes is the broker's policy (Config.Fsync) carried
//     out through SyncTo, which waits for a rolled segment's pending fsync
//     before it reports offsets in or past it as synced. What a power cut
//     can lose, by policy: under "always", nothing acknowledged (acks=0
//     excepted, which asks for no answer); under an interval, what was
//     appended since the last flush the interval ran, at most an interval
//     and a fsync's time; under "never", whatever the kernel had not
//     written back, which can reach back into the segment before the last
//     if its background fsync had not finished. In every case recovery cuts
//     at the first batch missing, and a crash of the process alone loses
//     nothing, since the page cache survives it.
//
// Design note: an index is trusted only as far as it is checked. At open,
// entries must be in order and inside the log (Kafka's sanity check); at
// each read, the entry a lookup jumps to must name the batch at its
// position (checkEntry). An index that is in order but wrong, positions
// shifted by a bug or a bad copy, is rebuilt from the log by the first
// read that meets it, with a log line, and the read answers from the log.

package kafka

import (
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// logOptions configures partition logs. A zero field takes Kafka's default,
// so logOptions{} is a production configuration.
type logOptions struct {
	// SegmentBytes is log.segment.bytes, default 1 GiB: the size past which
	// the active segment is closed and a new one started; at most
	// math.MaxInt32, as in Kafka, as index entries hold 4-byte positions.
	SegmentBytes int64
	// Files is the descriptor cache that closed segments' .log files are
	// opened through (segfiles.go); nil keeps every file open.
	Files *fileCache
	// IndexIntervalBytes is log.index.interval.bytes, default 4096: the
	// bytes of batches between offset-index entries, how far a read scans.
	IndexIntervalBytes int
	// SegmentMs is a topic's segment.ms (log.roll.ms), default 7 days: how
	// far, by record timestamps, a segment may span before the next append
	// starts a new one. Kafka's LogSegment.shouldRoll.
	SegmentMs int64
	// SegmentJitterMs is segment.jitter.ms, default 0: each segment takes
	// a random amount below it off SegmentMs, so that partitions created
	// together do not all roll together.
	SegmentJitterMs int64
	// ProducerIDExpirationMs is producer.id.expiration.ms, default one
	// day: how long a producer without an open transaction is kept after
	// its last batch or marker (producers.go), for every topic, as in Kafka.
	ProducerIDExpirationMs int64
}

// Kafka's defaults for logOptions.
const (
	defaultSegmentBytes           = 1 << 30  // log.segment.bytes
	defaultIndexIntervalBytes     = 4096     // log.index.interval.bytes
	defaultProducerIDExpirationMs = 86400000 // producer.id.expiration.ms
)

// withDefaults fills in zero fields and refuses values the file formats
// cannot hold.
func (o logOptions) withDefaults() (logOptions, error) {
	if o.SegmentBytes == 0 {
		o.SegmentBytes = defaultSegmentBytes
	}
	if o.IndexIntervalBytes == 0 {
		o.IndexIntervalBytes = defaultIndexIntervalBytes
	}
	if o.SegmentMs <= 0 {
		o.SegmentMs = defaultSegmentMs
	}
	if o.ProducerIDExpirationMs <= 0 {
		o.ProducerIDExpirationMs = defaultProducerIDExpirationMs
	}
	if o.SegmentBytes < 0 || o.SegmentBytes > math.MaxInt32 {
		return o, fmt.Errorf("kafka: log.segment.bytes %d is outside 1..%d", o.SegmentBytes, math.MaxInt32)
	}
	if o.IndexIntervalBytes < 0 {
		return o, fmt.Errorf("kafka: log.index.interval.bytes %d is negative", o.IndexIntervalBytes)
	}
	return o, nil
}

// Errors of the partition log, grouped by when they happen.
var (
	// A read asks for an offset the log does not have; Fetch and
	// ListOffsets answer OFFSET_OUT_OF_RANGE.
	errOffsetOutOfRange = errors.New("kafka: offset out of range")
	// The log was used after Close.
	errLogClosed = errors.New("kafka: partition log is closed")
	// Recovery found a batch whose offsets go backwards, or leave the
	// range a segment's 4-byte relative offsets can index: the tail is
	// stale or corrupt even though its CRC holds.
	errBatchOutOfOrder = errors.New("kafka: record batch offset out of order")
	// The disk failed a read or a write (a full disk, an I/O error, no
	// file descriptor left), or the partition is offline because its log
	// did not open or an fsync failed (fail); Produce and Fetch answer
	// KAFKA_STORAGE_ERROR for the partition. After a failed write the
	// broker keeps the partition: the write published nothing, and the
	// next one may succeed. After a failed fsync it does not (fail).
	errStorage = errors.New("kafka: storage error")
)

// File names inside a partition directory, as Kafka's LogFileUtils names
// them.
const (
	logSuffix             = ".log"
	offsetIndexSuffix     = ".index"
	timeIndexSuffix       = ".timeindex"
	partitionMetadataFile = "partition.metadata"
	tmpSuffix             = ".tmp"
)

// Sizes of index entries, as in Kafka's OffsetIndex and TimeIndex. Offsets
// are stored relative to the segment's base offset so that they fit 4
// bytes; that is why a segment is rolled before it would span more than
// math.MaxInt32 offsets.
const (
	offsetEntrySize = 8  // relative offset uint32, position uint32
	timeEntrySize   = 12 // timestamp int64, relative offset uint32
)

// noTimestamp is RecordBatch.NO_TIMESTAMP, what a batch without timestamps
// carries, and where a segment's running maximum starts.
const noTimestamp = -1

// segmentPath names a segment file by its base offset, zero-padded to 20
// digits (math.MaxInt64 has 19) so that names sort in offset order.
func segmentPath(dir string, base int64, suffix string) string {
	return filepath.Join(dir, fmt.Sprintf("%020d%s", base, suffix))
}

// offsetEntry is one .index entry, held with absolute values in memory.
type offsetEntry struct {
	offset int64 // last offset of the indexed batch
	pos    int64 // position of that batch in the .log
}

// timeEntry is one .timeindex entry.
type timeEntry struct {
	timestamp int64 // the segment's largest timestamp so far
	offset    int64 // last offset of the first batch that reached it
}

// indexer decides when a segment's indexes get entries. Append and
// recovery both feed it every batch in order, so a rebuilt index holds the
// same entries the appends wrote. It is a value: Append works on a copy and
// keeps it only when the write succeeded.
type indexer struct {
	bytesSinceEntry      int64
	maxTimestamp         int64 // largest batch maxTimestamp in the segment
	maxTimestampOffset   int64 // last offset of the first batch with it
	lastIndexedTimestamp int64 // timestamp of the last .timeindex entry
}

// newIndexer is the state of an empty segment: no timestamp seen yet.
func newIndexer() indexer {
	return indexer{maxTimestamp: noTimestamp, maxTimestampOffset: -1, lastIndexedTimestamp: noTimestamp}
}

// add accounts for batch h, written at pos, and appends the index entries
// it calls for. The order follows LogSegment.append: the running maximum
// takes this batch in first, and the byte count goes up last, so the first
// batch of a segment is never indexed (a lookup that finds no entry starts
// at position 0 anyway).
func (x *indexer) add(h *batchHeader, pos int64, interval int, offs []offsetEntry, times []timeEntry) ([]offsetEntry, []timeEntry) {
	// Strictly greater: on ties the first batch keeps the maximum (KIP-734).
	if h.MaxTimestamp > x.maxTimestamp {
		x.maxTimestamp, x.maxTimestampOffset = h.MaxTimestamp, h.LastOffset()
	}
	if x.bytesSinceEntry > int64(interval) {
		offs = append(offs, offsetEntry{offset: h.LastOffset(), pos: pos})
		times = x.addTimeEntry(times)
		x.bytesSinceEntry = 0
	}
	x.bytesSinceEntry += int64(h.Size())
	return offs, times
}

// addTimeEntry appends a .timeindex entry if the running maximum grew since
// the last one, which keeps the timestamps in the file increasing.
func (x *indexer) addTimeEntry(times []timeEntry) []timeEntry {
	if x.maxTimestamp <= x.lastIndexedTimestamp {
		return times
	}
	x.lastIndexedTimestamp = x.maxTimestamp
	return append(times, timeEntry{timestamp: x.maxTimestamp, offset: x.maxTimestampOffset})
}

// segment is one .log file and its two indexes.
type segment struct {
	base int64
	// log is the .log file while the segment is active, or when there is
	// no descriptor cache; a closed segment's is lazy (segfiles.go). Both
	// change only under the partition's mu, held exclusively.
	log     *os.File
	lazy    *lazyFile
	size    int64 // committed bytes: every batch below is whole and readable
	offsets []offsetEntry
	times   []timeEntry
	idx     indexer

	// The index files stay open only while the segment is active.
	// The active segment's index entries are in offsets and times; its
	// index files hold the first flushedOffsets and flushedTimes of them,
	// written by flushIndexes at each sync, roll and close, so that they
	// need no descriptor between times (segfiles.go). dirtyIndexes says
	// that some were written and not yet fsynced. The appender's, under
	// appendMu.
	flushedOffsets, flushedTimes int
	dirtyIndexes                 bool

	// What segment.ms counts from, known once the segment is active and
	// touched by the appender only (see shouldRollByTime).
	rolling    bool
	rollFrom   int64     // max timestamp of the first batch, or noTimestamp
	created    time.Time // when it became the active segment in this run
	rollJitter int64     // taken off SegmentMs for this segment

	// gapReported is set once a read has logged that records are missing
	// after this segment (reportGap); cleaned, on a segment the cleaner
	// wrote, says its gaps are compaction's even before cleanedTo moves.
	gapReported atomic.Bool
	cleaned     bool

	// info identifies the .log file, so that a fetch sending from it by
	// name can tell it from a cleaned segment renamed over it (cleaner.go).
	info os.FileInfo
}

// partitionLog is one partition's log: segments in offset order, the last
// one active.
type partitionLog struct {
	dir    string
	opts   logOptions
	logger *slog.Logger

	// cleanMu is held by the cleaner (cleaner.go) for a whole cleaning,
	// and by whoever else removes closed segments (retention, Close), so
	// that the closed segments a cleaning reads stay put. closing asks a
	// cleaning to stop early for Close, or for a deletion about to move
	// the log's dir (abortCleaning). cleanedTo, the first dirty offset,
	// is guarded by mu. Lock order: cleanMu, then the locks below.
	cleanMu   sync.Mutex
	closing   atomic.Bool
	cleanedTo int64
	// nextHorizon is when a kept tombstone or marker may next be removed
	// (cleaner.go), math.MaxInt64 for never; the cleaner's checkpoint
	// restores it at open. Guarded by mu.
	nextHorizon int64

	// appendMu serializes the writers: Append (and the roll inside it),
	// Sync and Close. It is held across disk writes; readers never take it.
	appendMu sync.Mutex
	// producers is the idempotence state (producers.go). Only Append uses
	// it, under appendMu, so that a batch is checked and stored in one step:
	// two copies of a retry racing on two connections cannot both pass.
	producers producerStates
	// producersLost: the log opened without its oldest segments, or with
	// a damaged batch skipped (loadProducerStates), where a producer it
	// has no entry for may have had batches and a last sequence.
	producersLost bool
	// txns is the partition's open and aborted transactions (txn.go).
	// Append changes it under appendMu and mu; readers take mu.
	txns partitionTxns

	// syncMu serializes SyncTo, and is held by whoever closes a segment's
	// .log file (Close, and retention deleting a segment), so that SyncTo
	// never fsyncs a closed file. Lock order: appendMu, syncMu, mu.
	syncMu sync.Mutex
	// syncedTo is the offset below which every batch is known to be on
	// disk. Guarded by syncMu.
	syncedTo int64
	// flushing is the fsync of the segment rolled last, running or done
	// (roll), nil before the first roll. Every segment below that one is
	// on disk. Set by roll, under appendMu and mu.
	flushing *segmentFlush

	// mu guards the fields below and each segment's size and index slices.
	// Append takes it only to publish bytes already on disk. Readers hold it
	// shared for a whole read, so Close cannot close a file under them.
	mu       sync.RWMutex
	segments []*segment
	hw       int64 // log end offset: the next offset to assign
	logStart int64 // first readable offset: at or past segments[0].base
	closed   bool
	// offline, once set, is why the partition serves nothing: its log did
	// not open (offlinePartition: no segments, closed from the start), or
	// an fsync failed (fail). Reads and appends return it; it wraps
	// errStorage.
	offline atomic.Pointer[error]
}

// offlinePartition is the log of a partition whose dir did not open.
func offlinePartition(dir string, logger *slog.Logger, cause error) *partitionLog {
	l := &partitionLog{dir: dir, logger: logger, closed: true}
	err := fmt.Errorf("%w: partition %s is offline: %w", errStorage, filepath.Base(dir), cause)
	l.offline.Store(&err)
	return l
}

// failed is the error that took the partition offline, or nil.
func (l *partitionLog) failed() error {
	if err := l.offline.Load(); err != nil {
		return *err
	}
	return nil
}

// closedErr is what a read or an append of a closed log returns.
func (l *partitionLog) closedErr() error {
	if err := l.failed(); err != nil {
		return err
	}
	return errLogClosed
}

// Append stores batches, a Produce request's records field already checked
// (checkProducedBatch, validateRecords), whose headers are given, and
// reports for each batch, in order, its base offset and whether it was a
// duplicate.
//
// Batches of idempotent producers (producer id >= 0) are first checked
// against the producer state (producers.go). A duplicate, a retry of a batch
// already in the log, is not stored again: it is reported with the offset
// it got the first time. A batch out of sequence or of an old epoch fails
// the whole append with errOutOfOrderSequence or errInvalidProducerEpoch,
// and nothing is stored.
//
// Offsets are written into batches in place (as is partitionLeaderEpoch,
// set to 0), so the caller's slice is changed, unless a duplicate had to be
// left out, in which case the others are copied first. The batches go to
// the active segment in one write, rolling first if the segment is not
// empty and would grow past SegmentBytes, or the batches' timestamps are
// more than SegmentMs past its first batch's (shouldRollByTime).
func (l *partitionLog) Append(batches []byte, headers []batchHeader) ([]appendedBatch, error) {
	if err := checkAppend(batches, headers); err != nil {
		return nil, err
	}
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	// Only the appender changes closed, hw, the segment list and the
	// producer state, and it holds appendMu, so it may read them without mu.
	if l.closed || l.failed() != nil {
		return nil, l.closedErr()
	}
	placed, updates, err := l.producers.plan(headers, l.hw, l.producersLost)
	if err != nil {
		return nil, err
	}
	all, allHeaders := batches, headers
	batches, headers = withoutDuplicates(batches, headers, placed)
	if len(headers) == 0 {
		return placed, nil // every batch was a retry: nothing to write
	}
	publish, err := l.write(batches, headers)
	if err != nil {
		return nil, err
	}
	// Only now that the batches are stored may the state say so.
	maps.Copy(l.producers, updates)
	// The batches become readable, by the high watermark moving past
	// them, in the same critical section that registers the transactions
	// they open. Were they two, a read_committed fetch could come in
	// between, see no open transaction, take LSO = HW and send a
	// transaction's first batch, which a later ABORT cannot take back:
	//
	//	Append                          read_committed fetch
	//	hw = 11 (txn batch at 10)
	//	                                LSO = hw = 11, reads offset 10
	//	ongoing[pid] = 10
	//	...ABORT marker at 12           the consumer has the aborted record
	//
	// Kafka's UnifiedLog.append likewise moves the log end offset and
	// updates the producer state, where open transactions live, under its
	// one lock.
	l.mu.Lock()
	publish()
	pos := 0
	for i := range allHeaders {
		h := &allHeaders[i]
		if !placed[i].Duplicate {
			l.txns.apply(h, placed[i].BaseOffset, all[pos:pos+h.Size()])
		}
		pos += h.Size()
	}
	l.mu.Unlock()
	return placed, nil
}

// write assigns offsets to batches from the log end offset on and writes
// them, with their index entries, to the active segment. Readers do not
// see them until the caller runs publish, holding mu, which moves the
// segment's size and the high watermark past them. Callers hold appendMu.
// A failure wraps errStorage and publishes nothing, and what it wrote past
// the committed size is cut off again (failedWrite).
func (l *partitionLog) write(batches []byte, headers []batchHeader) (publish func(), err error) {
	hs := assignOffsets(batches, headers, l.hw)
	next := hs[len(hs)-1].LastOffset() + 1
	s := l.segments[len(l.segments)-1]
	full := s.size+int64(len(batches)) > l.opts.SegmentBytes || next-1-s.base > math.MaxInt32
	if s.size > 0 && (full || l.shouldRollByTime(s, hs, time.Now())) {
		if s, err = l.roll(); err != nil {
			return nil, fmt.Errorf("%w: %w", errStorage, err)
		}
	}
	if next-1-s.base > math.MaxInt32 || s.size+int64(len(batches)) > math.MaxUint32 {
		return nil, fmt.Errorf("kafka: append of %d bytes and %d offsets does not fit one segment", len(batches), next-l.hw)
	}
	if err := s.withFile(func(f *os.File) error { _, err := f.WriteAt(batches, s.size); return err }); err != nil {
		return nil, l.failedWrite(s, fmt.Errorf("kafka: append to %s: %w", segmentPath(l.dir, s.base, logSuffix), err))
	}
	idx := s.idx
	var offs []offsetEntry
	var times []timeEntry
	pos := s.size
	for i := range hs {
		offs, times = idx.add(&hs[i], pos, l.opts.IndexIntervalBytes, offs, times)
		pos += int64(hs[i].Size())
	}
	return func() {
		s.size = pos
		s.offsets = append(s.offsets, offs...)
		s.times = append(s.times, times...)
		s.idx = idx
		l.hw = next
	}, nil
}

// failedWrite cuts the active segment's files back to what is committed
// after a write failed (a full disk takes part of a write and then
// refuses the rest), and returns err as a storage error. Without the cut,
// a crash before the next append would let recovery find whole batches
// that were never acknowledged, and serve them. Shrinking a file needs no
// new blocks, so it works on a full disk; if it fails even so, the next
// append writes over the leftover bytes, as before.
func (l *partitionLog) failedWrite(s *segment, err error) error {
	cut := s.withFile(func(f *os.File) error { return f.Truncate(s.size) })
	if cut != nil {
		l.logger.Error("cutting back a failed append", "dir", l.dir, "segment", s.base, "size", s.size, "err", cut)
	}
	return fmt.Errorf("%w: %w", errStorage, err)
}

// shouldRollByTime is the time half of Kafka's LogSegment.shouldRoll: the
// incoming batches' largest timestamp is more than SegmentMs, less the
// segment's jitter, past the first batch's max timestamp; or, for a
// segment whose first batch has no timestamp, the segment became active
// more than that long ago. Time is counted by record timestamps so that a
// replayed or mirrored stream rolls as the original did, whatever the
// wall clock says. Callers hold appendMu.
func (l *partitionLog) shouldRollByTime(s *segment, hs []batchHeader, now time.Time) bool {
	if !s.rolling {
		s.rolling, s.created, s.rollFrom = true, now, noTimestamp
		if h, err := s.headerAt(0); err == nil {
			s.rollFrom = h.MaxTimestamp
		}
		if j := min(l.opts.SegmentJitterMs, l.opts.SegmentMs); j > 0 {
			s.rollJitter = rand.Int64N(j)
		}
	}
	waited := now.Sub(s.created).Milliseconds()
	if s.rollFrom >= 0 {
		incoming := int64(noTimestamp)
		for i := range hs {
			incoming = max(incoming, hs[i].MaxTimestamp)
		}
		waited = incoming - s.rollFrom
	}
	return waited > l.opts.SegmentMs-s.rollJitter
}

// checkAppend makes sure headers describe batches, so that a caller's
// mistake is an error rather than a slice out of range.
func checkAppend(batches []byte, headers []batchHeader) error {
	if len(headers) == 0 {
		return errors.New("kafka: append of no batches")
	}
	total := 0
	for i := range headers {
		if headers[i].Size() < batchHeaderSize {
			return fmt.Errorf("kafka: append: batch %d: %w", i, errBatchLength)
		}
		total += headers[i].Size()
	}
	if total != len(batches) {
		return fmt.Errorf("kafka: append: headers cover %d bytes of %d", total, len(batches))
	}
	return nil
}

// assignOffsets gives each batch its base offset, starting at next, and
// sets its partitionLeaderEpoch to 0, the epoch of a broker that is the
// only leader there has been. It returns copies of the headers with the
// same changes.
func assignOffsets(batches []byte, headers []batchHeader, next int64) []batchHeader {
	hs := slices.Clone(headers)
	pos := 0
	for i := range hs {
		b := batches[pos : pos+hs[i].Size()]
		setBaseOffset(b, next)
		binary.BigEndian.PutUint32(b[batchEpochOffset:], 0)
		hs[i].BaseOffset, hs[i].PartitionLeaderEpoch = next, 0
		next = hs[i].LastOffset() + 1
		pos += len(b)
	}
	return hs
}

// roll closes the active segment and starts a new one at the log end
// offset. The old segment gets its final time-index entry, and its index
// entries go to its files, but its fsync, up to SegmentBytes of it, is left
// to flushRolled in the background, as Kafka's UnifiedLog.roll schedules
// its "flush-log" task (flushUptoOffsetExclusive of the new segment's base
// offset) and goes on appending. A roll first waits for the previous
// roll's fsync, so that at most one rolled segment is unflushed; see the
// design note on crash safety.
func (l *partitionLog) roll() (*segment, error) {
	if err := l.flushing.wait(); err != nil {
		return nil, err
	}
	old := l.segments[len(l.segments)-1]
	idx := old.idx
	// The final time entry is published before the roll: it is the
	// segment's maximum so far, which a time lookup may use already.
	final := idx.addTimeEntry(nil)
	l.mu.Lock()
	old.times = append(old.times, final...)
	old.idx = idx
	l.mu.Unlock()
	// Written, not fsynced: a write to the page cache is quick, and the
	// entries are then in the files when flushRolled fsyncs them.
	if err := l.flushIndexes(old, false); err != nil {
		return nil, err
	}
	s, err := l.createSegment(l.hw)
	if err != nil {
		return nil, err
	}
	flush := &segmentFlush{seg: old, done: make(chan struct{})}

	// Inactive segments are read through their in-memory indexes only.
	l.mu.Lock()
	l.cacheSegment(s, true)
	l.segments = append(l.segments, s)
	l.closeSegment(old)
	l.flushing = flush
	l.mu.Unlock()
	go l.flushRolled(flush)
	return s, nil
}

// createSegment makes the three empty files of a new segment.
func (l *partitionLog) createSegment(base int64) (*segment, error) {
	f, err := os.OpenFile(segmentPath(l.dir, base, logSuffix), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("kafka: create segment: %w", err)
	}
	s := &segment{base: base, log: f, idx: newIndexer()}
	s.info, err = f.Stat()
	if err == nil {
		err = l.emptyIndexes(s, true)
	}
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return s, nil
}

// Reading.

// HighWatermark is the log end offset, the next offset Append assigns. With
// a single replica, every appended batch is committed, so it is also the
// high watermark.
func (l *partitionLog) HighWatermark() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.hw
}

// LogStartOffset is the first offset a read may ask for: the base offset
// of the first segment, or further on if DeleteRecords moved it there.
// Retention moves it by deleting segments.
func (l *partitionLog) LogStartOffset() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.logStart
}

// Size is the bytes of the partition's segment files, the .log files only,
// as Kafka's UnifiedLog.size counts them for DescribeLogDirs.
func (l *partitionLog) Size() int64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var n int64
	for _, s := range l.segments {
		n += s.size
	}
	return n
}

// fileSection is a run of whole batches in a segment file. A fetch sends
// it to the socket with sendfile(2), so record bytes go from the page cache
// to the network without passing through the broker's memory.
type fileSection struct {
	path      string      // the segment's .log file
	info      os.FileInfo // which file that was; see sendSection
	pos, size int64

	// data holds the bytes themselves when the section is small enough
	// (inlineSectionBytes) that copying them is cheaper than the open,
	// seek, sendfile and close of sending it from the file.
	data []byte

	// file is the segment file opened for sending the section, by the
	// fetch handler, which closes it once the response is sent.
	file *os.File
}

// inlineSectionBytes is the size below which ReadSection reads a section
// into memory. A caught-up consumer's fetches are mostly a batch or two,
// and for those one pread beats four system calls.
const inlineSectionBytes = 32 << 10

// ReadSection finds the batches from the one holding offset on, up to
// maxBytes but always at least one whole batch (KIP-74: a consumer must be
// able to make progress past a batch larger than its limit), and says
// where they lie. An offset equal to the high watermark gives an empty
// section; one outside [LogStartOffset, HighWatermark] is
// errOffsetOutOfRange.
func (l *partitionLog) ReadSection(offset int64, maxBytes int) (fileSection, error) {
	return l.ReadSectionBelow(offset, maxBytes, math.MaxInt64)
}

// ReadSectionBelow is ReadSection holding only batches that start below
// end: a read_committed fetch passes the last stable offset, which is
// always a batch boundary (the first offset of a transaction's batch, or
// the high watermark), so nothing of an open transaction is sent. The
// batch holding offset is returned whole even if it starts below offset.
func (l *partitionLog) ReadSectionBelow(offset int64, maxBytes int, end int64) (fileSection, error) {
	var sec fileSection
	err := l.readRepairing(func() error {
		s, found, err := l.section(offset, maxBytes, end)
		if err == nil && found.size > 0 && found.size <= inlineSectionBytes {
			found.data, err = s.readAt(found.pos, found.size)
		}
		sec = found
		return err
	})
	return sec, err
}

// Read is ReadSection with the bytes read into memory.
func (l *partitionLog) Read(offset int64, maxBytes int) ([]byte, error) {
	b := []byte{}
	err := l.readRepairing(func() error {
		s, sec, err := l.section(offset, maxBytes, math.MaxInt64)
		if err != nil || sec.size == 0 {
			return err
		}
		b, err = s.readAt(sec.pos, sec.size)
		return err
	})
	return b, err
}

// readRepairing runs read holding mu shared. If read finds an index entry
// that does not match the batch it points at, the segment's indexes are
// rebuilt (repairIndexes) and read runs once more.
func (l *partitionLog) readRepairing(read func() error) error {
	for try := 0; ; try++ {
		l.mu.RLock()
		err := read()
		l.mu.RUnlock()
		var bad *indexMismatch
		if try > 0 || !errors.As(err, &bad) {
			return err
		}
		l.repairIndexes(bad.s, err)
	}
}

// section finds what ReadSection returns, and its segment. Callers hold mu.
func (l *partitionLog) section(offset int64, maxBytes int, end int64) (*segment, fileSection, error) {
	if l.closed || l.failed() != nil {
		return nil, fileSection{}, l.closedErr()
	}
	if offset < l.logStart || offset > l.hw {
		return nil, fileSection{}, fmt.Errorf("%w: %d is outside [%d, %d] in %s", errOffsetOutOfRange, offset, l.logStart, l.hw, l.dir)
	}
	if offset >= min(l.hw, end) { // a consumer that has caught up: nothing to scan
		return nil, fileSection{}, nil
	}
	// A segment can end before the next one starts (an empty segment left by
	// a crash, or later compaction), so look further when one has nothing.
	var prev *segment
	segs := l.segments[l.segmentFor(offset):]
	for i, s := range segs {
		if prev != nil && offset < s.base {
			l.reportGap(prev, offset, s.base)
		}
		sec, err := s.section(offset, maxBytes, end)
		if err == nil && sec.size == 0 {
			prev = s
			continue
		}
		if i < len(segs)-1 && (errors.Is(err, errBatchTruncated) || errors.Is(err, errBatchMagic) || errors.Is(err, errBatchLength)) {
			l.reportUnparsable(s, offset, segs[i+1].base, err)
			prev = nil
			continue
		}
		sec.path, sec.info = segmentPath(l.dir, s.base, logSuffix), s.info
		if err != nil && !errors.Is(err, errLogClosed) {
			// A batch that does not parse where the index or the
			// previous batch says one starts, or a file that cannot be
			// read: the disk's fault, answered as Kafka answers a read
			// that fails on it, and named for the log line.
			err = fmt.Errorf("%w: reading %s: %w", errStorage, sec.path, err)
		}
		return s, sec, err
	}
	return nil, fileSection{}, nil
}

// reportGap logs, once per segment, that a read found no records in s
// from offset on, where the next segment starts only at next. Only
// compaction leaves such gaps (a crash's torn tail goes with the segments
// after it, rule 2 of the design note), so elsewhere s was emptied or cut
// outside the broker. Kafka's LocalLog.read passes over a gap without a
// word; so does this read, but the operator hears of it. Callers hold mu.
func (l *partitionLog) reportGap(s *segment, offset, next int64) {
	if l.cleanedTo > 0 || s.cleaned || !s.gapReported.CompareAndSwap(false, true) {
		return
	}
	l.logger.Error("records missing: a segment ends before the next one starts, in a partition never compacted; the segment file was emptied or cut outside the broker. "+
		"Restore it from a backup and restart to serve them again",
		"partition", filepath.Base(l.dir), "file", segmentPath(l.dir, s.base, logSuffix), "segment", s.base, "missing_from", offset, "missing_to", next)
}

// reportUnparsable logs, once per segment, that a batch of s, before the
// last segment, does not parse, and the read went on at next: consumers
// retry KAFKA_STORAGE_ERROR for ever, which would hide every later record.
func (l *partitionLog) reportUnparsable(s *segment, offset, next int64, err error) {
	if s.gapReported.CompareAndSwap(false, true) {
		l.logger.Error("records skipped: a batch in a segment before the last does not parse, so the read goes on at the next segment. "+
			"Restore the segment file from a backup and restart to serve them again", "partition", filepath.Base(l.dir),
			"file", segmentPath(l.dir, s.base, logSuffix), "segment", s.base, "missing_from", offset, "missing_to", next, "err", err)
	}
}

// OnOlderSegment reports whether offset lies in an older segment than
// end, the offset a fetch reads up to (the high watermark, or the last
// stable offset). Such a fetch is answered at once, as Kafka's
// DelayedFetch.tryComplete does (its "Case F": the consumer is behind, or
// the partition has just rolled), since its read stops at the segment's
// end and waiting could only add bytes from later segments.
func (l *partitionLog) OnOlderSegment(offset, end int64) bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	end = min(end, l.hw)
	return offset < end && l.segmentFor(offset) < l.segmentFor(end)
}

// segmentFor is the index of the last segment whose base is at or below
// offset. Callers hold mu.
func (l *partitionLog) segmentFor(offset int64) int {
	i := sort.Search(len(l.segments), func(i int) bool { return l.segments[i].base > offset })
	return max(i-1, 0)
}

// section returns the batches of s from the one holding offset, up to
// maxBytes but at least one, or an empty section if s has no such batch.
//
// The end is found without reading every header on the way: the offset
// index's positions are batch boundaries, so the last entry at or below the
// byte limit is a safe place to jump to, and only the headers after it (at
// most log.index.interval.bytes of them) are read one by one.
//
// Batches starting at or past endOffset are left out (ReadSectionBelow).
// An index entry names the last offset of the batch at its position, so
// jumping to it keeps only batches that end before that offset: safe when
// the entry's offset is at most endOffset.
func (s *segment) section(offset int64, maxBytes int, endOffset int64) (fileSection, error) {
	start, first, found, err := s.find(offset)
	if err != nil || !found || first.BaseOffset >= endOffset {
		return fileSection{}, err
	}
	limit := start + max(int64(maxBytes), int64(first.Size()))
	end := start + int64(first.Size())
	w := newHeaderWindow(s)
	defer w.release()
	if i := sort.Search(len(s.offsets), func(i int) bool {
		return s.offsets[i].pos > limit || s.offsets[i].offset > endOffset
	}); i > 0 && s.offsets[i-1].pos > end {
		if err := s.checkEntry(w, s.offsets[i-1]); err != nil {
			return fileSection{}, err
		}
		end = s.offsets[i-1].pos
	}
	for end < s.size {
		h, err := w.at(end)
		if err != nil {
			break // the batches before it are served; a read from it reports it
		}
		if end+int64(h.Size()) > limit || h.BaseOffset >= endOffset {
			break
		}
		end += int64(h.Size())
	}
	return fileSection{pos: start, size: end - start}, nil
}

// find returns the position and header of the first batch of s whose last
// offset is at or past offset. It starts at the last offset-index entry at
// or below offset, once checkEntry has found the batch it names there, and
// scans headers from there.
func (s *segment) find(offset int64) (pos int64, h batchHeader, found bool, err error) {
	w := newHeaderWindow(s)
	defer w.release()
	i := sort.Search(len(s.offsets), func(i int) bool { return s.offsets[i].offset > offset })
	if i > 0 {
		if err := s.checkEntry(w, s.offsets[i-1]); err != nil {
			return 0, h, false, err
		}
		pos = s.offsets[i-1].pos
	}
	for pos < s.size {
		if h, err = w.at(pos); err != nil {
			return 0, h, false, err
		}
		if h.LastOffset() >= offset {
			return pos, h, true, nil
		}
		pos += int64(h.Size())
	}
	return 0, h, false, nil
}

// indexMismatch is an offset-index entry that does not name the batch at
// its position: the index is wrong though its entries are in order (Kafka's
// sanity check at open catches only disorder). It wraps errIndexInvalid.
type indexMismatch struct {
	s     *segment
	entry offsetEntry
	cause error
}

// Error names the segment, the entry and what the batch there said.
func (e *indexMismatch) Error() string {
	return fmt.Sprintf("%v: segment %d: entry for offset %d at position %d: %v", errIndexInvalid, e.s.base, e.entry.offset, e.entry.pos, e.cause)
}

// Unwrap makes errors.Is(err, errIndexInvalid) true, which sends the
// read to rebuild the index.
func (e *indexMismatch) Unwrap() error { return errIndexInvalid }

// checkEntry checks an offset-index entry against the batch at its
// position before a read trusts it: a batch must start there and end at
// the entry's offset. Reading that header costs nothing extra, as the
// read goes on from it through the same window.
func (s *segment) checkEntry(w *headerWindow, e offsetEntry) error {
	h, err := w.at(e.pos)
	if errors.Is(err, errStorage) {
		return err
	}
	if err == nil && h.LastOffset() != e.offset {
		err = fmt.Errorf("the batch there ends at offset %d", h.LastOffset())
	}
	if err != nil {
		return &indexMismatch{s: s, entry: e, cause: err}
	}
	return nil
}

// repairIndexes rebuilds the indexes of s by scanning it, after a read
// found an entry that does not match the log (cause). It holds appendMu,
// so that an append to an active segment waits, and takes mu only to
// swap the entries. An older segment's damage is indexed up to, as
// rebuildOlder does at open; if the scan fails, or finds damage in the
// active segment, the indexes stay and the read gets its error again.
func (l *partitionLog) repairIndexes(s *segment, cause error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if l.closed || !slices.Contains(l.segments, s) {
		return // closed or deleted meanwhile
	}
	l.logger.Warn("offset index does not match the log: rebuilding it", "dir", l.dir, "segment", s.base, "reason", cause)
	active := s == l.segments[len(l.segments)-1]
	var scan scanResult
	var err error
	if !active {
		scan, err = l.scanOlder(s)
	} else if scan, err = l.scan(s, scanResult{next: s.base, idx: newIndexer()}); err == nil && scan.bad != nil {
		err = fmt.Errorf("kafka: segment %s is corrupt at position %d: %w", segmentPath(l.dir, s.base, logSuffix), scan.end, scan.bad)
	}
	if err != nil {
		l.logger.Error("rebuilding an offset index", "dir", l.dir, "segment", s.base, "err", err)
		return
	}
	l.mu.Lock()
	s.offsets, s.times, s.idx = scan.offsets, scan.times, scan.idx
	l.mu.Unlock()
	// The files are replaced, so an active segment's appender follows.
	if err = l.writeIndexes(s); err == nil && active {
		s.flushedOffsets, s.flushedTimes, s.dirtyIndexes = len(s.offsets), len(s.times), false
	}
	if err != nil {
		l.logger.Error("writing a rebuilt offset index", "dir", l.dir, "segment", s.base, "err", err)
	}
}

// headerWindow reads batch headers through a window of the segment file,
// so that a scan over many small batches costs one read per window rather
// than one per batch. The windows are pooled: every fetch scans.
type headerWindow struct {
	s     *segment
	start int64
	buf   []byte
}

// headerWindowSize covers a whole log.index.interval.bytes stretch, so a
// lookup after an index jump usually reads once.
const headerWindowSize = 16 << 10

var headerWindows = sync.Pool{New: func() any { return &headerWindow{buf: make([]byte, 0, headerWindowSize)} }}

func newHeaderWindow(s *segment) *headerWindow {
	w := headerWindows.Get().(*headerWindow)
	w.s, w.start, w.buf = s, 0, w.buf[:0]
	return w
}

func (w *headerWindow) release() {
	w.s = nil
	headerWindows.Put(w)
}

// at returns the header of the batch at pos, refilling the window from pos
// when the header is not inside it.
func (w *headerWindow) at(pos int64) (batchHeader, error) {
	s := w.s
	if pos < w.start || pos+batchHeaderSize > w.start+int64(len(w.buf)) {
		n := min(int64(cap(w.buf)), s.size-pos)
		if n < batchHeaderSize {
			return s.headerAt(pos) // reports the error
		}
		w.buf = w.buf[:n]
		if _, err := s.readFile(w.buf, pos); err != nil {
			w.buf = w.buf[:0]
			return batchHeader{}, fmt.Errorf("%w: segment %d: read headers at %d: %w", errStorage, s.base, pos, err)
		}
		w.start = pos
	}
	return s.checkHeader(pos, w.buf[pos-w.start:pos-w.start+batchHeaderSize])
}

// eachBatch calls yield with the position and header of every batch of s
// from the one holding offset on, until yield returns false. Headers are
// read through a window, so a walk over many small batches costs a read per
// window, not one per batch.
func (s *segment) eachBatch(offset int64, yield func(pos int64, h batchHeader) bool) error {
	pos, h, found, err := s.find(offset)
	if err != nil || !found {
		return err
	}
	w := newHeaderWindow(s)
	defer w.release()
	for yield(pos, h) {
		if pos += int64(h.Size()); pos >= s.size {
			return nil
		}
		if h, err = w.at(pos); err != nil {
			return err
		}
	}
	return nil
}

// headerAt reads the header of the batch at pos, which lies below the
// committed size and so had its CRC checked when it was appended or
// recovered. Only the header is read: parseBatchHeader then reports the
// batch as truncated, which it checks last, after magic and length, so that
// error is expected here and the bound is checked against the segment.
func (s *segment) headerAt(pos int64) (batchHeader, error) {
	var b [batchHeaderSize]byte
	if pos+batchHeaderSize > s.size {
		return batchHeader{}, fmt.Errorf("kafka: segment %d: header at %d runs past %d: %w", s.base, pos, s.size, errBatchTruncated)
	}
	if _, err := s.readFile(b[:], pos); err != nil {
		return batchHeader{}, fmt.Errorf("%w: segment %d: read header at %d: %w", errStorage, s.base, pos, err)
	}
	return s.checkHeader(pos, b[:])
}

// checkHeader parses the header bytes of the batch at pos.
func (s *segment) checkHeader(pos int64, b []byte) (batchHeader, error) {
	h, err := parseBatchHeader(b)
	if errors.Is(err, errBatchTruncated) && pos+int64(h.Size()) <= s.size {
		err = nil
	}
	if err != nil {
		return h, fmt.Errorf("kafka: segment %d: batch at %d: %w", s.base, pos, err)
	}
	return h, nil
}

// readAt reads n bytes of the segment at pos.
func (s *segment) readAt(pos, n int64) ([]byte, error) {
	b := make([]byte, n)
	if _, err := s.readFile(b, pos); err != nil {
		return nil, fmt.Errorf("%w: segment %d: read %d bytes at %d: %w", errStorage, s.base, n, pos, err)
	}
	return b, nil
}

// Timestamps.

// OffsetForTimestamp answers ListOffsets for a timestamp: the first offset
// whose record timestamp is at or after ts, and that timestamp. Batch
// maximum timestamps are not monotonic across a partition, so it looks for
// the first batch, in offset order, whose maximum is at or after ts:
// segments whose maximum is below ts are skipped, and inside a segment the
// time index, which holds the running maximum, says where to start. In
// that batch the records are then walked to find the exact one,
// decompressed if need be (firstRecordAtOrAfter). Records below the log
// start offset do not count, even while their segment is still on disk.
// found is false when no record qualifies, or when the disk fails
// (logged), and ListOffsets answers -1.
func (l *partitionLog) OffsetForTimestamp(ts int64) (offset, timestamp int64, found bool) {
	offset, timestamp = -1, -1
	err := l.readRepairing(func() error {
		if l.closed {
			return nil
		}
		for _, s := range l.segments {
			if s.idx.maxTimestamp < ts {
				continue
			}
			o, t, ok, err := s.offsetForTimestamp(ts, l.logStart)
			if err != nil || ok {
				offset, timestamp, found = o, t, ok
				return err
			}
		}
		return nil
	})
	if err != nil {
		l.logger.Warn("timestamp lookup failed", "dir", l.dir, "timestamp", ts, "err", err)
		return -1, -1, false
	}
	return offset, timestamp, found
}

// offsetForTimestamp searches one segment from offset from on. Every batch
// up to the last time-index entry with a timestamp below ts has a maximum
// below ts, so the search starts just after that entry's offset.
func (s *segment) offsetForTimestamp(ts, from int64) (offset, timestamp int64, found bool, err error) {
	start := max(s.base, from)
	if i := sort.Search(len(s.times), func(i int) bool { return s.times[i].timestamp >= ts }); i > 0 {
		start = max(start, s.times[i-1].offset+1)
	}
	var recordErr error
	err = s.eachBatch(start, func(pos int64, h batchHeader) bool {
		if h.MaxTimestamp < ts {
			return true
		}
		offset, timestamp, found, recordErr = s.firstRecordAtOrAfter(pos, h, ts, from)
		// If not found, the batch's maxTimestamp promised a record that is
		// not there: a badly written client batch. Keep looking, as Kafka
		// does.
		return !found && recordErr == nil
	})
	if err = cmp.Or(err, recordErr); err != nil || !found {
		return -1, -1, false, err
	}
	return offset, timestamp, true, nil
}

// firstRecordAtOrAfter walks the batch h at pos for its first record at
// or past offset from with a timestamp at or after ts, as Kafka's
// LogSegment.findOffsetByTimestamp walks a batch's records, compressed or
// not. Records that cannot be read (data that does not decompress, or
// records that do not parse though the CRC held) answer at batch
// granularity: the base offset and the batch's maximum timestamp.
func (s *segment) firstRecordAtOrAfter(pos int64, h batchHeader, ts, from int64) (offset, timestamp int64, found bool, err error) {
	records, ok, err := s.batchRecords(pos, h)
	if err != nil {
		return -1, -1, false, err
	}
	var walkErr error
	if ok {
		walkErr = walkRecords(records, h, func(o, t int64) bool {
			if t >= ts && o >= from {
				offset, timestamp, found = o, t, true
			}
			return !found
		})
	}
	if (!ok || walkErr != nil) && !found {
		return max(h.BaseOffset, from), h.MaxTimestamp, true, nil
	}
	return offset, timestamp, found, nil
}

// batchRecords reads the batch h at pos and returns its records,
// decompressed if need be (at most maxDecompressedBatch bytes, so that a
// batch built to inflate without end costs no more), for walkRecords. ok
// is false when the broker cannot decompress them: data that does not
// inflate, or inflates past the cap.
func (s *segment) batchRecords(pos int64, h batchHeader) (records []byte, ok bool, err error) {
	codec := int(h.Attributes & compressionCodecMask)
	if !canDecompress(codec) {
		return nil, false, nil
	}
	b, err := s.readAt(pos, int64(h.Size()))
	if err != nil {
		return nil, false, err
	}
	records, derr := decompress(codec, b[batchHeaderSize:h.Size()], maxDecompressedBatch)
	return records, derr == nil, nil
}

// MaxTimestamp answers ListOffsets for MAX_TIMESTAMP (-3, KIP-734): the
// offset and timestamp of the record with the largest timestamp, the first
// one on ties. Each segment remembers the first batch that holds its
// maximum, and its records are walked for the exact record, decompressed
// if need be, as Kafka's RecordBatch.offsetOfMaxTimestamp walks them; a
// batch the broker cannot decompress answers with its last offset.
// found is false if no batch has a timestamp.
func (l *partitionLog) MaxTimestamp() (offset, timestamp int64, found bool) {
	err := l.readRepairing(func() error {
		if l.closed {
			return nil
		}
		var best *segment
		for _, s := range l.segments {
			if s.idx.maxTimestamp > noTimestamp && (best == nil || s.idx.maxTimestamp > best.idx.maxTimestamp) {
				best = s
			}
		}
		if best == nil {
			return nil
		}
		var err error
		offset, timestamp, err = best.maxTimestampRecord()
		found = err == nil
		return err
	})
	if err != nil {
		l.logger.Warn("max timestamp lookup failed", "dir", l.dir, "err", err)
		return -1, -1, false
	}
	if !found {
		return -1, -1, false
	}
	return offset, timestamp, true
}

// maxTimestampRecord finds the record with the segment's largest
// timestamp inside the batch that holds it.
func (s *segment) maxTimestampRecord() (offset, timestamp int64, err error) {
	pos, h, ok, err := s.find(s.idx.maxTimestampOffset)
	if err != nil {
		return -1, -1, err
	}
	if !ok {
		return -1, -1, fmt.Errorf("kafka: segment %d has no batch at offset %d", s.base, s.idx.maxTimestampOffset)
	}
	offset, timestamp = h.LastOffset(), h.MaxTimestamp
	records, ok, err := s.batchRecords(pos, h)
	if err != nil {
		return -1, -1, err
	}
	if !ok {
		return offset, timestamp, nil
	}
	first := true
	walkErr := walkRecords(records, h, func(o, t int64) bool {
		if first || t > timestamp {
			offset, timestamp, first = o, t, false
		}
		return true
	})
	if walkErr != nil {
		// Records that do not parse answer as a compressed batch would.
		return h.LastOffset(), h.MaxTimestamp, nil
	}
	return offset, timestamp, nil
}

// Durability and closing.

// closeSegment hands an inactive segment's .log file to the descriptor
// cache, if the log has one (segfiles.go). Callers hold mu exclusively, or
// are opening the log.
func (l *partitionLog) closeSegment(s *segment) {
	l.cacheSegment(s, false)
}

// cacheSegment hands s's .log file to the descriptor cache, if the log has
// one and s is not there already; write is for the active segment, whose
// file the cache reopens for writing. Callers hold mu exclusively, or are
// opening the log.
func (l *partitionLog) cacheSegment(s *segment, write bool) {
	if l.opts.Files == nil || s.log == nil {
		return
	}
	s.lazy = l.opts.Files.adopt(s.log.Name(), s.log, write)
	s.log = nil
}

// withFile calls do with s's .log file open, through the descriptor cache
// if s is in it, holding a reference for the length of the call.
func (s *segment) withFile(do func(f *os.File) error) error {
	if s.lazy == nil {
		return do(s.log)
	}
	f, err := s.lazy.cache.acquire(s.lazy)
	if err != nil {
		return err
	}
	defer s.lazy.cache.release(s.lazy)
	return do(f)
}

// readFile reads len(b) bytes of s's .log at pos, through the descriptor
// cache for a closed segment. Callers hold mu.
func (s *segment) readFile(b []byte, pos int64) (int, error) {
	if s.lazy == nil {
		return readSegmentFile(s.log, b, pos)
	}
	f, err := s.lazy.cache.acquire(s.lazy)
	if err != nil {
		return 0, err
	}
	defer s.lazy.cache.release(s.lazy)
	return readSegmentFile(f, b, pos)
}

// ReadAt reads s's .log file, through the descriptor cache for a closed
// segment, so that a segment is an io.ReaderAt for readBatchAt.
func (s *segment) ReadAt(b []byte, pos int64) (int, error) { return s.readFile(b, pos) }

// closeFile closes s's .log file, or forgets it in the descriptor cache.
func (s *segment) closeFile() error {
	if s.lazy != nil {
		return s.lazy.cache.forget(s.lazy)
	}
	return s.log.Close()
}

// openPartitionLog opens the partition log in dir, creating dir if it is
// missing, and recovers the last two segments as after a crash, scanning
// all of both (see the design note on crash safety). An empty dir starts
// at offset 0. A nil logger discards.
func openPartitionLog(dir string, opts logOptions, logger *slog.Logger) (*partitionLog, error) {
	return openPartition(dir, opts, logger, false)
}

// openPartition is openPartitionLog, told whether the broker last stopped
// cleanly, in which case the segment before the last is trusted, as are
// the last segment's indexes, and only its tail is scanned.
func openPartition(dir string, opts logOptions, logger *slog.Logger, clean bool) (*partitionLog, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("kafka: create partition dir: %w", err)
	}
	if err := recoverCleaning(dir, logger); err != nil {
		return nil, err
	}
	bases, err := listSegments(dir)
	if err != nil {
		return nil, err
	}
	created := len(bases) == 0 // recoverSegment makes the first segment
	if created {
		bases = []int64{0}
	}
	l := &partitionLog{dir: dir, opts: opts, logger: logger, nextHorizon: math.MaxInt64}
	for i, base := range bases {
		var s *segment
		cut := false
		switch {
		case i == len(bases)-1:
			s, err = l.recoverSegment(base, clean)
		case i == len(bases)-2 && !clean:
			s, cut, err = l.recoverRolled(base, bases[i+1:])
		default:
			s, err = l.loadSegment(base, bases[i+1])
		}
		if err != nil {
			l.closeFiles()
			return nil, err
		}
		l.segments = append(l.segments, s)
		if cut {
			break // the last segment went with the tail it followed
		}
	}
	// A segment just created must be durable before it takes records.
	// Nothing else here needs the dir's fsync: a truncation fsyncs its
	// file, index files with entries are written by writeFileAtomic, and
	// empty ones lost in a crash are rebuilt. Skipping it otherwise saves
	// one fsync per partition at every start, and at every creation, whose
	// staged dirs hold the first segment already (grow).
	if created {
		if err := syncDir(dir); err != nil {
			l.closeFiles()
			return nil, err
		}
	}
	// The active segment's file goes to the descriptor cache too, so
	// that the cache's limit bounds every .log descriptor the broker
	// holds (segfiles.go).
	l.cacheSegment(l.segments[len(l.segments)-1], true)
	l.logStart = l.segments[0].base
	// Recovery fsynced what it kept, so everything up to here is on disk.
	l.syncedTo = l.hw
	// Producer state is rebuilt from the batches that survived recovery,
	// so a batch cut from the tail is forgotten with the data: the
	// producer's retry of it is appended anew, not taken for a duplicate.
	if l.producers, l.txns, err = l.loadProducerStates(); err != nil {
		l.closeFiles()
		return nil, err
	}
	return l, nil
}

// listSegments returns the base offsets of the .log files in dir, in
// order. Other files, such as Kafka's .deleted leftovers and our .tmp
// files, are ignored; the cleaner's .cleaned and .swap files are dealt
// with before (recoverCleaning).
func listSegments(dir string) ([]int64, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("kafka: list segments: %w", err)
	}
	var bases []int64
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), logSuffix)
		if !ok || len(name) != 20 || e.IsDir() {
			continue
		}
		base, err := strconv.ParseInt(name, 10, 64)
		if err != nil || base < 0 {
			continue
		}
		bases = append(bases, base)
	}
	slices.Sort(bases)
	return bases, nil
}

// loadSegment opens an older, inactive segment, which the segment at
// next follows. Its indexes are trusted when they pass readOffsetIndex's
// and readTimeIndex's checks and name no offset at or past next, and
// rebuilt by a scan otherwise.
func (l *partitionLog) loadSegment(base, next int64) (*segment, error) {
	f, err := os.Open(segmentPath(l.dir, base, logSuffix))
	if err != nil {
		return nil, fmt.Errorf("kafka: open segment: %w", err)
	}
	s := &segment{base: base, log: f, idx: newIndexer()}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("kafka: open segment: %w", err)
	}
	s.size, s.info = fi.Size(), fi
	s.offsets, err = readOffsetIndex(segmentPath(l.dir, base, offsetIndexSuffix), base, s.size)
	if err == nil {
		s.times, err = readTimeIndex(segmentPath(l.dir, base, timeIndexSuffix), base)
	}
	// An entry past the segment's end passes the checks of order, but it
	// is damage all the same; a time index entry there would also give
	// the segment a maximum timestamp that is not its own, which
	// retention by time trusts.
	if err == nil && (len(s.offsets) > 0 && s.offsets[len(s.offsets)-1].offset >= next || len(s.times) > 0 && s.times[len(s.times)-1].offset >= next) {
		err = fmt.Errorf("%w: an entry names an offset at or past %d, where the next segment starts", errIndexInvalid, next)
	}
	// A segment is rolled with its maximum timestamp in its time index
	// (flushIndexes), so an older segment with batches and an empty time
	// index lost it; trusted, it would have no timestamps, and lookups
	// by time would pass over its records.
	if err == nil && s.size > 0 && len(s.times) == 0 {
		err = fmt.Errorf("%w: %s is empty and the log is not", errIndexInvalid, segmentPath(l.dir, base, timeIndexSuffix))
	}
	if err == nil {
		if n := len(s.times); n > 0 {
			s.idx.maxTimestamp, s.idx.maxTimestampOffset = s.times[n-1].timestamp, s.times[n-1].offset
		}
		l.closeSegment(s)
		return s, nil
	}
	// Missing indexes are routine (a segment a crash left without them,
	// or a data dir from before they were written); an index that is
	// there but does not pass the checks was damaged, which Kafka's
	// LogLoader warns of ("Found a corrupted index file").
	logf := l.logger.Warn
	if errors.Is(err, fs.ErrNotExist) {
		logf = l.logger.Info
	}
	logf("rebuilding segment indexes", "dir", l.dir, "segment", base, "reason", err)
	if err := l.rebuildOlder(s); err != nil {
		f.Close()
		return nil, err
	}
	l.closeSegment(s)
	return s, nil
}

// rebuildOlder rebuilds the indexes of an inactive segment by scanning it.
// A bad batch in it is damage, not a torn write (it was fsynced whole): the
// indexes cover the batches before it, and the bytes stay, read as when the
// indexes pass (section: ERROR, on to the next segment). Kafka's LogLoader
// recovers the segment too, but cuts it; only a failing read stops the open.
func (l *partitionLog) rebuildOlder(s *segment) error {
	scan, err := l.scanOlder(s)
	if err != nil {
		return err
	}
	s.offsets, s.times, s.idx = scan.offsets, scan.times, scan.idx
	if err := l.writeIndexes(s); err != nil {
		return l.indexesNotWritten(s, err)
	}
	return nil
}

// scanOlder scans an inactive segment for its indexes, which end with the
// final time entry a roll writes. Damage is kept as rebuildOlder says.
func (l *partitionLog) scanOlder(s *segment) (scanResult, error) {
	scan, err := l.scan(s, scanResult{next: s.base, idx: newIndexer()})
	if err == nil && scan.bad != nil {
		l.logger.Warn("damaged segment: indexes rebuilt up to the damaged batch, whose bytes are kept", "dir", l.dir, "segment", s.base, "offset", scan.next, "position", scan.end, "reason", scan.bad)
	}
	scan.times = scan.idx.addTimeEntry(scan.times)
	return scan, err
}

// recoverRolled opens the segment before the last after an unclean stop.
// Its fsync ran in the background after the roll (roll), so a crash may
// have torn it as it tears the last one: it is scanned whole, and cut at
// its first bad batch. The segments after a cut hold records appended past
// records that are gone, so they are deleted, durably, before the cut is
// made, as Kafka's LogLoader.recoverLog deletes the unflushed segments
// after a corrupt one; cut reports that, and the cut segment is then the
// active one.
func (l *partitionLog) recoverRolled(base int64, later []int64) (s *segment, cut bool, err error) {
	f, err := os.OpenFile(segmentPath(l.dir, base, logSuffix), os.O_RDWR, 0)
	if err != nil {
		return nil, false, fmt.Errorf("kafka: open segment: %w", err)
	}
	s = &segment{base: base, log: f}
	err = l.recoverInto(s, false, func() error {
		cut = true
		return l.removeSegments(later)
	})
	if err == nil && !cut {
		// An inactive segment ends with its roll's final time entry.
		if times := s.idx.addTimeEntry(s.times); len(times) > len(s.times) {
			s.times = times
			if err = l.writeIndexes(s); err != nil {
				err = l.indexesNotWritten(s, err)
			}
		}
	}
	if err != nil {
		f.Close()
		return nil, false, err
	}
	if !cut {
		l.closeSegment(s)
	}
	return s, cut, nil
}

// removeSegments deletes the files of the segments at bases, each .log
// first (without it the others are ignored), and makes that durable.
func (l *partitionLog) removeSegments(bases []int64) error {
	for _, base := range bases {
		l.logger.Warn("deleting a segment after a torn one", "partition", filepath.Base(l.dir), "segment", base)
		for _, suffix := range []string{logSuffix, offsetIndexSuffix, timeIndexSuffix} {
			if err := os.Remove(segmentPath(l.dir, base, suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("kafka: delete segment after a torn one: %w", err)
			}
		}
	}
	return syncDir(l.dir)
}

// recoverSegment opens the last segment, creating it if needed, scans it
// (all of it, or after a clean stop its tail), cuts it at the first bad
// batch and rebuilds its indexes.
func (l *partitionLog) recoverSegment(base int64, clean bool) (*segment, error) {
	f, err := os.OpenFile(segmentPath(l.dir, base, logSuffix), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("kafka: open active segment: %w", err)
	}
	s := &segment{base: base, log: f}
	if err := l.recoverInto(s, clean, nil); err != nil {
		f.Close()
		return nil, err
	}
	return s, nil
}

// recoverInto does the work of recoverSegment on s, whose log file is open.
// If it finds a bad batch, beforeCut, if not nil, runs before the cut.
func (l *partitionLog) recoverInto(s *segment, clean bool, beforeCut func() error) error {
	fi, err := s.log.Stat()
	if err != nil {
		return fmt.Errorf("kafka: recover segment: %w", err)
	}
	s.size, s.info = fi.Size(), fi
	from := scanResult{next: s.base, idx: newIndexer()}
	trusted := false // from holds the index files' entries, checked
	if clean {
		if tail, err := l.indexedTail(s); err == nil {
			from, trusted = tail, true
		} else {
			l.logger.Warn("active segment index damaged: scanning the whole segment", "partition", filepath.Base(l.dir), "segment", s.base, "reason", err)
		}
	}
	scan, err := l.scan(s, from)
	if err != nil {
		return err
	}
	if scan.bad != nil {
		l.logger.Warn("truncating partition log at a torn or corrupt batch",
			"partition", filepath.Base(l.dir), "dir", l.dir, "offset", scan.next, "position", scan.end,
			"bytes", s.size-scan.end, "reason", scan.bad)
		if beforeCut != nil {
			if err := beforeCut(); err != nil {
				return err
			}
		}
		if err := s.log.Truncate(scan.end); err != nil {
			return fmt.Errorf("kafka: truncate segment: %w", err)
		}
		s.size = scan.end
	}
	// What is kept must be on disk, since the log starts with it synced
	// (syncedTo): a cut, and after an unclean stop any segment scanned,
	// whose tail a crash of the process alone leaves in the page cache
	// with no fsync to come (a roll's, or the interval flusher's).
	if scan.bad != nil || !clean {
		if err := fsyncFile(s.log); err != nil {
			return fmt.Errorf("kafka: sync recovered segment: %w", err)
		}
	}
	// The files need no rewrite if the scan found what they hold: a clean
	// restart of a partition with nothing past its last index entry,
	// empty ones included, writes nothing (and fsyncs nothing).
	unchanged := scan.bad == nil && trusted && len(scan.offsets) == len(from.offsets) && len(scan.times) == len(from.times)
	s.offsets, s.times, s.idx = scan.offsets, scan.times, scan.idx
	l.hw = scan.next
	s.flushedOffsets, s.flushedTimes = len(s.offsets), len(s.times)
	switch {
	case unchanged:
	case len(s.offsets) == 0 && len(s.times) == 0:
		if err := l.emptyIndexes(s, false); err != nil {
			return l.indexesNotWritten(s, err)
		}
	default:
		if err := l.writeIndexes(s); err != nil {
			return l.indexesNotWritten(s, err)
		}
	}
	return nil
}

// indexesNotWritten deals with recovery's failure to write the index files
// it rebuilt, which a full disk causes: their entries are in memory, which
// is all that serving needs, so the partition opens anyway. The files on
// disk are removed, lest they hold entries the scan did not find, and a
// missing index is rebuilt by the next open's scan (loadSegment,
// indexedTail); the active segment's next flush writes its entries whole.
// Only a failure to remove them fails the open.
func (l *partitionLog) indexesNotWritten(s *segment, cause error) error {
	for _, suffix := range []string{offsetIndexSuffix, timeIndexSuffix} {
		if err := os.Remove(segmentPath(l.dir, s.base, suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return errors.Join(cause, err)
		}
	}
	l.logger.Warn("index files not written at open: removed, to be rebuilt from the log", "partition", filepath.Base(l.dir), "segment", s.base, "err", cause)
	s.flushedOffsets, s.flushedTimes = 0, 0
	return nil
}

// emptyIndexes makes both index files of the active segment s empty,
// creating them if told to: a rolled segment has them from the start, as
// in Kafka. Recovery does not create them: a missing index file is as good
// as an empty one (indexedTail, loadSegment), and creating two files per
// partition was a third of what making 10,000 partitions cost; one there
// is emptied, lest its entries outlive the records they point at. It
// does not fsync them, as writeIndexes does for entries: an index file
// lost in a crash is rebuilt by the scan of its segment at the next open
// (loadSegment, recoverInto), so an empty one is not worth the four
// fsyncs that made creating thousands of partitions slow.
func (l *partitionLog) emptyIndexes(s *segment, create bool) error {
	flags := os.O_WRONLY | os.O_TRUNC
	if create {
		flags |= os.O_CREATE
	}
	for _, suffix := range []string{offsetIndexSuffix, timeIndexSuffix} {
		f, err := os.OpenFile(segmentPath(l.dir, s.base, suffix), flags, 0o644)
		if errors.Is(err, fs.ErrNotExist) && !create {
			continue
		}
		if err == nil {
			err = f.Close()
		}
		if err != nil {
			return fmt.Errorf("kafka: create index: %w", err)
		}
	}
	return nil
}

// indexedTail is where the scan of a cleanly closed active segment starts:
// its index files, trusted, and the position of their last offset entry,
// with the indexer in the state it had just before that entry's batch. Two
// facts of indexer.add make that state known without reading what came
// before: an offset entry resets the byte count, and the time index gets an
// entry at the same moment whenever the running maximum has grown, so its
// last entry is the maximum as of the last offset entry. An error means the
// indexes do not fit the log, and the whole segment is scanned.
func (l *partitionLog) indexedTail(s *segment) (scanResult, error) {
	offs, oerr := readOffsetIndex(segmentPath(l.dir, s.base, offsetIndexSuffix), s.base, s.size)
	times, terr := readTimeIndex(segmentPath(l.dir, s.base, timeIndexSuffix), s.base)
	if errors.Is(oerr, fs.ErrNotExist) && errors.Is(terr, fs.ErrNotExist) {
		// Neither was ever written (emptyIndexes, flushIndexes): less
		// than an index interval, all scanned, as with empty files.
		return scanResult{next: s.base, idx: newIndexer()}, nil
	}
	if err := cmp.Or(oerr, terr); err != nil {
		return scanResult{}, err
	}
	if len(offs) == 0 && len(times) > 0 { // they get entries together
		return scanResult{}, fmt.Errorf("%w: time entries and no offset entry", errIndexInvalid)
	}
	r := scanResult{next: s.base, idx: newIndexer(), offsets: offs, times: times}
	if len(offs) == 0 {
		// Fewer than log.index.interval.bytes of batches: scan them all.
		return r, nil
	}
	last := offs[len(offs)-1]
	h, err := s.headerAt(last.pos)
	if err != nil {
		return scanResult{}, err
	}
	if h.LastOffset() != last.offset {
		return scanResult{}, fmt.Errorf("%w: entry for offset %d points at a batch ending at %d", errIndexInvalid, last.offset, h.LastOffset())
	}
	if n := len(times); n > 0 {
		t := times[n-1]
		if t.offset > last.offset {
			return scanResult{}, fmt.Errorf("%w: time entry at offset %d is past the last offset entry %d", errIndexInvalid, t.offset, last.offset)
		}
		r.idx.maxTimestamp, r.idx.maxTimestampOffset, r.idx.lastIndexedTimestamp = t.timestamp, t.offset, t.timestamp
	}
	r.end, r.next = last.pos, h.BaseOffset
	return r, nil
}

// scanResult is what a scan of a segment learned.
type scanResult struct {
	end     int64 // position after the last good batch
	next    int64 // offset after the last good batch
	bad     error // why the scan stopped before the end of the file; nil if it did not
	offsets []offsetEntry
	times   []timeEntry
	idx     indexer
}

// scan reads every batch of s from r.end on, checks it and feeds it to an
// indexer, carrying on from the state in r (a fresh one with end 0 scans
// the whole segment). A batch that is torn, corrupt or out of order stops
// the scan and is reported in bad; a failing read is returned as an error.
func (l *partitionLog) scan(s *segment, r scanResult) (scanResult, error) {
	var buf []byte
	for r.end < s.size {
		b, h, err := readBatchAt(s, r.end, s.size, buf)
		if err == nil && (h.BaseOffset < r.next || h.LastOffset()-s.base > math.MaxInt32) {
			err = fmt.Errorf("%w: batch at offset %d after offset %d in segment %d",
				errBatchOutOfOrder, h.BaseOffset, r.next-1, s.base)
		}
		if isBatchCorrupt(err) {
			r.bad = err
			return r, nil
		}
		if err != nil {
			return r, fmt.Errorf("kafka: scan %s: %w", segmentPath(l.dir, s.base, logSuffix), err)
		}
		r.offsets, r.times = r.idx.add(&h, r.end, l.opts.IndexIntervalBytes, r.offsets, r.times)
		r.end += int64(h.Size())
		r.next = h.LastOffset() + 1
		buf = b
	}
	return r, nil
}

// readBatchAt reads and checks the whole batch at pos, no part of which may
// lie at or past limit. It reuses buf when it is large enough. The length
// field is checked against limit before anything is allocated, so a garbage
// length cannot make it allocate more than the file holds.
func readBatchAt(f io.ReaderAt, pos, limit int64, buf []byte) ([]byte, batchHeader, error) {
	if limit-pos < batchHeaderSize {
		return buf, batchHeader{}, errBatchTruncated
	}
	var overhead [batchLogOverhead]byte
	if _, err := f.ReadAt(overhead[:], pos); err != nil {
		return buf, batchHeader{}, err
	}
	size := int64(int32(binary.BigEndian.Uint32(overhead[batchLengthOffset:]))) + batchLogOverhead
	if size < batchHeaderSize {
		return buf, batchHeader{}, errBatchLength
	}
	if size > limit-pos {
		return buf, batchHeader{}, errBatchTruncated
	}
	if int64(cap(buf)) < size {
		buf = make([]byte, size)
	}
	buf = buf[:size]
	if _, err := f.ReadAt(buf, pos); err != nil {
		return buf, batchHeader{}, err
	}
	h, err := parseBatchHeader(buf)
	if err == nil {
		err = checkBatch(buf, h)
	}
	return buf, h, err
}

// isBatchCorrupt tells a bad batch, which recovery cuts, from a failing
// disk, which it reports.
func isBatchCorrupt(err error) bool {
	for _, e := range []error{errBatchTruncated, errBatchMagic, errBatchCRC, errBatchLength, errBatchOutOfOrder} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// Index files.

func encodeOffsetIndex(base int64, es []offsetEntry) []byte {
	b := make([]byte, 0, len(es)*offsetEntrySize)
	for _, e := range es {
		b = binary.BigEndian.AppendUint32(b, uint32(e.offset-base))
		b = binary.BigEndian.AppendUint32(b, uint32(e.pos))
	}
	return b
}

func encodeTimeIndex(base int64, es []timeEntry) []byte {
	b := make([]byte, 0, len(es)*timeEntrySize)
	for _, e := range es {
		b = binary.BigEndian.AppendUint64(b, uint64(e.timestamp))
		b = binary.BigEndian.AppendUint32(b, uint32(e.offset-base))
	}
	return b
}

// errIndexInvalid means an index file cannot be trusted and is rebuilt.
var errIndexInvalid = errors.New("kafka: index file is invalid")

// readOffsetIndex reads a .index and checks what Kafka's
// OffsetIndex.sanityCheck checks: whole entries, offsets and positions
// strictly increasing, positions inside the log.
func readOffsetIndex(path string, base, logSize int64) ([]offsetEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b)%offsetEntrySize != 0 {
		return nil, fmt.Errorf("%w: %s has %d bytes", errIndexInvalid, path, len(b))
	}
	es := make([]offsetEntry, 0, len(b)/offsetEntrySize)
	for ; len(b) > 0; b = b[offsetEntrySize:] {
		e := offsetEntry{
			offset: base + int64(binary.BigEndian.Uint32(b)),
			pos:    int64(binary.BigEndian.Uint32(b[4:])),
		}
		if n := len(es); e.pos >= logSize || n > 0 && (e.offset <= es[n-1].offset || e.pos <= es[n-1].pos) {
			return nil, fmt.Errorf("%w: %s entry %d out of order", errIndexInvalid, path, len(es))
		}
		es = append(es, e)
	}
	return es, nil
}

// readTimeIndex reads a .timeindex and checks that timestamps increase and
// offsets do not go back.
func readTimeIndex(path string, base int64) ([]timeEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b)%timeEntrySize != 0 {
		return nil, fmt.Errorf("%w: %s has %d bytes", errIndexInvalid, path, len(b))
	}
	es := make([]timeEntry, 0, len(b)/timeEntrySize)
	for ; len(b) > 0; b = b[timeEntrySize:] {
		e := timeEntry{
			timestamp: int64(binary.BigEndian.Uint64(b)),
			offset:    base + int64(binary.BigEndian.Uint32(b[8:])),
		}
		if n := len(es); n > 0 && (e.timestamp <= es[n-1].timestamp || e.offset < es[n-1].offset) {
			return nil, fmt.Errorf("%w: %s entry %d out of order", errIndexInvalid, path, len(es))
		}
		es = append(es, e)
	}
	return es, nil
}

// writeIndexes replaces both index files of s with its in-memory entries.
func (l *partitionLog) writeIndexes(s *segment) error {
	if err := writeFileAtomic(segmentPath(l.dir, s.base, offsetIndexSuffix), encodeOffsetIndex(s.base, s.offsets)); err != nil {
		return err
	}
	return writeFileAtomic(segmentPath(l.dir, s.base, timeIndexSuffix), encodeTimeIndex(s.base, s.times))
}

// Closing.

// Close syncs and closes the log. Later calls of any method return
// errLogClosed, or found=false for the timestamp lookups.
func (l *partitionLog) Close() error { return l.close(true) }

// Discard closes the log of a deleted partition without syncing it: its
// dir has been renamed away to be removed, so there is nothing to keep,
// and the index files the sync would write are no longer at its path.
func (l *partitionLog) Discard() error { return l.close(false) }

func (l *partitionLog) close(sync bool) error {
	l.closing.Store(true)
	l.cleanMu.Lock()
	defer l.cleanMu.Unlock()
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if l.closed {
		return errLogClosed
	}
	syncErr := l.failed()
	if syncErr == nil && sync {
		syncErr = l.syncActive()
	} else {
		// A discarded log is not fsynced; nor is a failed one, whose
		// error keeps the clean shutdown marker away (logDir.Close),
		// so that the next open scans what is on disk (fail). A
		// background flush still finishes before the files close.
		l.flushing.wait()
	}
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	return errors.Join(syncErr, l.closeFiles())
}

// closeFiles closes every open file of the log.
func (l *partitionLog) closeFiles() error {
	var errs []error
	for _, s := range l.segments {
		if s.lazy != nil {
			errs = append(errs, s.closeFile())
		}
		if s.log != nil {
			errs = append(errs, s.log.Close())
		}
	}
	return errors.Join(errs...)
}
