// Tests of retention (retention.go) by hand-picked cases, each the
// regression test of a divergence from Kafka's UnifiedLog.deleteOldSegments
// that TestRetentionModel (guarantees_test.go) found.

package kafka

import (
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
