// This file holds retention, in Part I after log.go, whose partition log
// it assumes: how a partition's log start offset moves, by DeleteRecords
// or by deleting whole segments that retention.ms and retention.bytes no
// longer keep.
//
// Design note: retention only ever deletes whole segments, oldest first,
// as Kafka's UnifiedLog.deleteOldSegments does. A segment goes when all
// its records are older than retention.ms (by its largest timestamp),
// while the partition would still be at least retention.bytes without it,
// or when it lies wholly below the log start offset, which DeleteRecords
// moves (KIP-107). The active segment goes too when retention.ms or
// retention.bytes takes it, unless it is empty: a new empty one is rolled
// at the log end offset first, which becomes the log start, as
// TopicConfig's retention.ms doc says ("it triggers the rolling of new
// segment"). A partition idle for longer than retention.ms is then empty,
// and its high watermark stays where it was. The log start offset is the
// first segment's base unless DeleteRecords moved it past that; only then
// does it need the checkpoint file to survive a restart. A read below it is
// errOffsetOutOfRange. Its index files go first and its .log last, so a
// crash mid-delete leaves at worst a segment whose indexes are rebuilt at
// the next open, and deleted again at the next check.

package kafka

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Retention and the log start offset.

// retention says which old segments a partition keeps: a topic's
// retention.ms and retention.bytes, each negative for no limit.
type retention struct {
	ms    int64
	bytes int64
}

// keepAll is the retention of a topic without the delete cleanup policy:
// only segments below the log start offset go.
var keepAll = retention{ms: -1, bytes: -1}

// AdvanceLogStart moves the log start offset up to offset for
// DeleteRecords, and returns the start offset after and whether it moved.
// An offset past the high watermark, or negative, is errOffsetOutOfRange;
// one at or below the current start changes nothing. The segments it
// leaves wholly below the start are for DeleteSegments, which the caller
// runs once the new start is durable.
func (l *partitionLog) AdvanceLogStart(offset int64) (int64, bool, error) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if l.closed || l.failed() != nil {
		return -1, false, l.closedErr()
	}
	if offset < 0 || offset > l.hw {
		return -1, false, fmt.Errorf("%w: cannot delete records before %d in %s, whose high watermark is %d", errOffsetOutOfRange, offset, l.dir, l.hw)
	}
	if offset <= l.logStart {
		return l.logStart, false, nil
	}
	l.mu.Lock()
	l.logStart = offset
	l.mu.Unlock()
	return offset, true, nil
}

// restoreLogStart applies a checkpointed log start offset at open, before
// the log is shared. A start past the high watermark means the records up
// to it were lost in a crash after DeleteRecords was answered; the start
// stays at the high watermark, and the next append goes on from there.
// A partition whose log did not open has nothing to check the start
// against, and keeps it as it is, so that the checkpoints written while
// it is offline carry it over to the start that opens it again. It
// reports whether the checkpoint was behind the first segment, for the
// caller to rewrite it: otherwise every later start, clean or not, would
// log the same WARN of a crash long past.
func (l *partitionLog) restoreLogStart(offset int64) (behind bool) {
	if l.failed() != nil && len(l.segments) == 0 {
		l.logStart = offset
		return false
	}
	if offset > l.hw {
		l.logger.Warn("checkpointed log start offset is past the end of the log",
			"partition", filepath.Base(l.dir), "log_start_offset", offset, "high_watermark", l.hw)
		offset = l.hw
	}
	// The checkpoint is written after retention deletes segments, so a
	// crash between the two leaves it behind the first segment; so does a
	// segment file deleted outside the broker, which nothing else shows.
	if offset < l.logStart {
		l.logger.Warn("checkpointed log start offset is before the first segment: the records between were deleted by retention just before a crash, or their segment files outside the broker",
			"partition", filepath.Base(l.dir), "dir", l.dir, "log_start_offset", offset, "first_segment", l.logStart)
		behind = true
	}
	l.logStart = max(l.logStart, offset)
	return behind
}

// DeleteSegments deletes the oldest segments that r, as of now, or the log
// start offset no longer keeps (see the design note on retention), and
// returns their base offsets and the log start offset after. Deleting the
// active segment rolls an empty one first, so a partition always has a
// segment, and keeps its high watermark.
func (l *partitionLog) DeleteSegments(r retention, now time.Time) ([]int64, int64, error) {
	l.cleanMu.Lock()
	defer l.cleanMu.Unlock()
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if l.closed || l.failed() != nil {
		return nil, -1, errLogClosed // an offline partition stays as it is on disk
	}
	// The appender, holding appendMu, may read the segment list and sizes
	// without mu.
	segs := l.segments
	n := deletablePrefix(segs, l.logStart, r, now.UnixMilli())
	if n == 0 {
		return nil, l.logStart, nil
	}
	if n == len(segs) {
		// UnifiedLog.deleteSegments: "we must always have at least one
		// segment", so the active one is rolled before it goes.
		if _, err := l.roll(); err != nil {
			return nil, l.logStart, fmt.Errorf("kafka: roll before retention deletes the active segment of %s: %w", l.dir, err)
		}
		segs = l.segments
	}

	gone := segs[:n]
	l.waitFlushOf(gone) // a segment rolled just before may be on its way to disk
	l.mu.Lock()
	l.segments = slices.Clone(segs[n:])
	l.logStart = max(l.logStart, l.segments[0].base)
	start := l.logStart
	l.mu.Unlock()

	// No read can reach the gone segments any more, and none is still
	// using their descriptors: a read holds mu for as long as it uses
	// them. A fetch that found its section in one of them just before and
	// has not yet opened the file finds it missing; see sendSection.
	l.syncMu.Lock()
	var errs []error
	bases := make([]int64, len(gone))
	for i, s := range gone {
		bases[i] = s.base
		errs = append(errs, s.closeFile())
		for _, suffix := range []string{offsetIndexSuffix, timeIndexSuffix, logSuffix} {
			if err := removeFile(segmentPath(l.dir, s.base, suffix)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
	}
	l.syncMu.Unlock()
	errs = append(errs, syncDir(l.dir))
	return bases, start, errors.Join(errs...)
}

// deletablePrefix is how many segments, oldest first, retention deletes:
// Kafka's UnifiedLog.deleteOldSegments applies the log start rule, then
// the size rule, then the time rule, each to the segments the one before
// left, and each takes a prefix. The order matters when timestamps are out
// of order: a recent segment that the size rule takes first no longer
// stops the time rule from reaching the old ones behind it.
func deletablePrefix(segs []*segment, logStart int64, r retention, now int64) int {
	n := 0
	for n < len(segs)-1 && segs[n+1].base <= logStart {
		n++
	}
	if r.bytes >= 0 {
		var total int64
		for _, s := range segs[n:] {
			total += s.size
		}
		// As Kafka's deleteRetentionSizeBreachedSegments: a segment goes
		// while the partition stays at or over retention.bytes without it.
		over := total - r.bytes
		for n < len(segs) && over >= segs[n].size && !emptyActive(segs, n) {
			over -= segs[n].size
			n++
		}
	}
	if r.ms >= 0 {
		for n < len(segs) && now-segs[n].largestTimestamp() > r.ms && !emptyActive(segs, n) {
			n++
		}
	}
	return n
}

// emptyActive says whether segs[i] is the active segment and empty, which
// no rule deletes (deletableSegments' isLastSegmentAndEmpty).
func emptyActive(segs []*segment, i int) bool {
	return i == len(segs)-1 && segs[i].size == 0
}

// largestTimestamp is what retention.ms is measured against: the largest
// record timestamp in the segment or, if no batch had one, the time the
// file was last written, as in Kafka's LogSegment.largestTimestamp.
func (s *segment) largestTimestamp() int64 {
	if s.idx.maxTimestamp > noTimestamp {
		return s.idx.maxTimestamp
	}
	var fi os.FileInfo
	var err error
	if s.lazy != nil {
		fi, err = os.Stat(s.lazy.path)
	} else {
		fi, err = s.log.Stat()
	}
	if err != nil {
		return math.MaxInt64 // keep what cannot be judged
	}
	return fi.ModTime().UnixMilli()
}

// SetSegmentOptions changes when the active segment rolls, for a topic's
// segment.bytes, segment.ms and segment.jitter.ms (the other fields of o
// are ignored). It applies from the next append on.
func (l *partitionLog) SetSegmentOptions(o logOptions) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.opts.SegmentBytes, l.opts.SegmentMs, l.opts.SegmentJitterMs = o.SegmentBytes, o.SegmentMs, o.SegmentJitterMs
	if l.opts.SegmentMs <= 0 {
		l.opts.SegmentMs = defaultSegmentMs
	}
}

// removeFile is os.Remove, a variable so that a test can make the removal
// of a deleted segment's file fail.
var removeFile = os.Remove
