// Tests of retention (retention.go) by hand-picked cases, each the
// regression test of a divergence from Kafka's UnifiedLog.deleteOldSegments
// that TestRetentionModel (guarantees_test.go) found.

package kafka

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// TestRetentionRulesInKafkaOrder: the size rule takes the two oldest
// segments, one of them recent; the time rule then goes on from there and
// takes the old segment behind it, as Kafka's deleteOldSegments, which
// runs the rules one after the other, does.
func TestRetentionRulesInKafkaOrder(t *testing.T) {
	const now = 1_000_000
	l := openTestLog(t, t.TempDir(), logOptions{SegmentBytes: 1})
	for _, ts := range []int64{1000, now, 2000, now} {
		appendBatches(t, l, makeBatch(testRecord{timestamp: ts, value: "v"}))
	}
	size := int64(len(makeBatch(testRecord{timestamp: 0, value: "v"})))
	bases, start, err := l.DeleteSegments(retention{ms: 60_000, bytes: 2 * size}, time.UnixMilli(now))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(bases, []int64{0, 1, 2}) || start != 3 {
		t.Errorf("deleted %v, log start %d; want [0 1 2] and 3", bases, start)
	}
}

// TestRetentionDeletesActiveSegment: a partition whose records are all
// older than retention.ms, or with retention.bytes 0, loses its active
// segment too, after a roll, as Kafka's UnifiedLog.deleteSegments does:
// the log start moves to the high watermark, which stays; an empty active
// segment is never deleted; and the log reopens and appends from there.
func TestRetentionDeletesActiveSegment(t *testing.T) {
	for _, r := range []retention{{ms: 60_000, bytes: -1}, {ms: -1, bytes: 0}} {
		t.Run(fmt.Sprintf("%+v", r), func(t *testing.T) {
			dir := t.TempDir()
			l := openTestLog(t, dir, logOptions{SegmentBytes: 1})
			for ts := range int64(3) {
				appendBatches(t, l, makeBatch(testRecord{timestamp: 1000 + ts, value: "v"}))
			}
			now := time.UnixMilli(1_000_000)
			bases, start, err := l.DeleteSegments(r, now)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(bases, []int64{0, 1, 2}) || start != 3 || l.HighWatermark() != 3 {
				t.Fatalf("deleted %v, log start %d, hw %d; want [0 1 2], 3 and 3", bases, start, l.HighWatermark())
			}
			if bases, _, _ := l.DeleteSegments(r, now); len(bases) != 0 {
				t.Errorf("the empty active segment was deleted: %v", bases)
			}
			if got := segmentFiles(t, dir, ".log"); len(got) != 1 {
				t.Errorf("segment files %v, want the one rolled at 3", got)
			}
			l.Close()
			l = openTestLog(t, dir, l.opts)
			if l.LogStartOffset() != 3 || l.HighWatermark() != 3 {
				t.Errorf("after reopen: log start %d, hw %d, want 3 and 3", l.LogStartOffset(), l.HighWatermark())
			}
			if base := appendBatches(t, l, makeBatch(testRecord{timestamp: 1_000_000, value: "v"})); base != 3 {
				t.Errorf("next append at %d, want 3", base)
			}
		})
	}
}

// TestLastStableOffsetNotBelowLogStart: retention that deletes the segment
// where an open transaction began moves the log start past that
// transaction's first offset; the last stable offset then rises to the log
// start, as UnifiedLog.updateFirstUnstableOffset raises it, instead of
// naming an offset the log no longer has.
func TestLastStableOffsetNotBelowLogStart(t *testing.T) {
	l := openTestLog(t, t.TempDir(), logOptions{SegmentBytes: 1})
	appendBatches(t, l, txnBatch(7, 0, 0, 2))
	appendBatches(t, l, makeBatch(testRecord{timestamp: 1000, value: "v"}))
	if lso := l.LastStableOffset(); lso != 0 {
		t.Fatalf("LSO %d with a transaction open at 0, want 0", lso)
	}
	if _, start, err := l.DeleteSegments(retention{ms: -1, bytes: 0}, time.UnixMilli(1_000_000)); err != nil || start != 3 {
		t.Fatalf("DeleteSegments: log start %d, %v; want 3", start, err)
	}
	if lso, _, logStart := l.fetchOffsets(); lso < logStart {
		t.Errorf("LSO %d below the log start %d", lso, logStart)
	}
}
