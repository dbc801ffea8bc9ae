package kafka

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Unix(1700000000, 0)

func offsets(from, to int64) []int64 {
	var out []int64
	for o := from; o < to; o++ {
		out = append(out, o)
	}
	return out
}

// state is the state of each offset of [from, to), "-" for one done and
// forgotten (below the SPSO or missing from the window).
func (sp *sharePartition) stateOf(o int64) string {
	r := sp.records[o]
	if r == nil {
		return "-"
	}
	return r.state.String()
}

func TestSharePartitionTrace(t *testing.T) {
	// The trace of share.go's header, with delivery limit 2.
	lim := shareLimits{lockDuration: time.Second, deliveryLimit: 2, maxLocks: 100}
	sp := newSharePartition(0)
	log := offsets(0, 5)

	got := sp.acquire("A", log, 5, 3, nil, lim, t0)
	if want := []acquiredRange{{0, 2, 1}}; !cmp.Equal(got, want) {
		t.Fatalf("A acquires: %v, want %v", got, want)
	}
	got = sp.acquire("B", log, 5, 10, nil, lim, t0)
	if want := []acquiredRange{{3, 4, 1}}; !cmp.Equal(got, want) {
		t.Fatalf("B acquires: %v, want %v", got, want)
	}
	if sp.endOffset != 5 {
		t.Fatalf("SPEO %d, want 5", sp.endOffset)
	}
	if code, _, _ := sp.acknowledge("A", []shareAckBatch{{0, 1, []int8{ackAccept}}}, lim, t0); code != codeNone {
		t.Fatalf("accept: code %d", code)
	}
	if sp.startOffset != 2 {
		t.Fatalf("SPSO %d after accepting 0-1, want 2", sp.startOffset)
	}
	if code, _, _ := sp.acknowledge("A", []shareAckBatch{{2, 2, []int8{ackRelease}}}, lim, t0); code != codeNone || sp.stateOf(2) != "AVAILABLE" {
		t.Fatalf("release: code %d, state %s", code, sp.stateOf(2))
	}
	if sp.firstAvailable() != 2 {
		t.Fatalf("firstAvailable %d, want 2", sp.firstAvailable())
	}
	got = sp.acquire("B", log[2:], 5, 10, nil, lim, t0)
	if want := []acquiredRange{{2, 2, 2}}; !cmp.Equal(got, want) {
		t.Fatalf("B acquires again: %v, want %v (delivery count 2)", got, want)
	}
	// B's locks expire: 2 has had its two deliveries and is archived, 3
	// and 4 become available.
	if !sp.expire(lim, t0.Add(time.Second)) {
		t.Fatal("expire changed nothing")
	}
	if sp.startOffset != 3 || sp.stateOf(3) != "AVAILABLE" || sp.stateOf(4) != "AVAILABLE" {
		t.Fatalf("after expiry: SPSO %d, 3 %s, 4 %s", sp.startOffset, sp.stateOf(3), sp.stateOf(4))
	}
	got = sp.acquire("B", log[3:], 5, 10, nil, lim, t0)
	if want := []acquiredRange{{3, 4, 2}}; !cmp.Equal(got, want) {
		t.Fatalf("B acquires 3-4: %v, want %v", got, want)
	}
	if code, _, _ := sp.acknowledge("B", []shareAckBatch{{3, 4, []int8{ackReject, ackAccept}}}, lim, t0); code != codeNone {
		t.Fatalf("reject/accept: code %d", code)
	}
	if sp.startOffset != 5 || len(sp.records) != 0 {
		t.Fatalf("SPSO %d, %d records, want 5 and none", sp.startOffset, len(sp.records))
	}
	// A rejected record is never acquired again.
	if got := sp.acquire("A", log, 5, 10, nil, lim, t0); len(got) != 0 {
		t.Fatalf("acquired %v from a finished window", got)
	}
}

func TestSharePartitionAcknowledgeRules(t *testing.T) {
	lim := shareLimits{lockDuration: time.Minute, deliveryLimit: 5, maxLocks: 100}
	sp := newSharePartition(10)
	sp.acquire("A", offsets(10, 20), 20, 10, nil, lim, t0)
	for _, tc := range []struct {
		name        string
		member      string
		first, last int64
		types       []int8
		want        int16
	}{
		{"another member's records", "B", 10, 12, []int8{ackAccept}, codeInvalidRecordState},
		{"offsets past the last acquired", "A", 18, 25, []int8{ackAccept}, codeInvalidRequest},
		{"unknown type", "A", 10, 10, []int8{9}, codeInvalidRequest},
		{"types of the wrong count", "A", 10, 12, []int8{1, 1}, codeInvalidRequest},
		{"first after last", "A", 12, 10, []int8{ackAccept}, codeInvalidRequest},
	} {
		if code, changed, _ := sp.acknowledge(tc.member, []shareAckBatch{{tc.first, tc.last, tc.types}}, lim, t0); code != tc.want || changed {
			t.Errorf("%s: code %d changed %v, want %d and no change", tc.name, code, changed, tc.want)
		}
	}
	// A refused batch applied nothing.
	for o := int64(10); o < 20; o++ {
		if sp.stateOf(o) != "ACQUIRED" {
			t.Fatalf("offset %d is %s after refused acknowledgements", o, sp.stateOf(o))
		}
	}
	// Gap archives; renew extends the lock and leaves the record acquired.
	if code, _, _ := sp.acknowledge("A", []shareAckBatch{{10, 11, []int8{ackGap, ackRenew}}}, lim, t0.Add(50*time.Second)); code != codeNone {
		t.Fatalf("gap/renew: %d", code)
	}
	if sp.startOffset != 11 || sp.stateOf(11) != "ACQUIRED" {
		t.Fatalf("SPSO %d, 11 %s", sp.startOffset, sp.stateOf(11))
	}
	sp.expire(lim, t0.Add(time.Minute))
	if sp.stateOf(11) != "ACQUIRED" || sp.stateOf(12) != "AVAILABLE" {
		t.Fatalf("after the first lock ran out: renewed 11 %s, 12 %s", sp.stateOf(11), sp.stateOf(12))
	}
	// A member that leaves hands its records back.
	if !sp.releaseMember("A", lim) || sp.stateOf(11) != "AVAILABLE" {
		t.Fatalf("releaseMember: 11 %s", sp.stateOf(11))
	}
}

// TestSharePartitionAcknowledgeLikeKafka checks the rules of
// SharePartition.acknowledge that a client sees: records below the SPSO
// are acknowledged silently, a request's batches apply all or none, and
// one offset acknowledged twice in a request is refused.
func TestSharePartitionAcknowledgeLikeKafka(t *testing.T) {
	lim := shareLimits{lockDuration: time.Minute, deliveryLimit: 1, maxLocks: 100}
	sp := newSharePartition(0)
	sp.acquire("A", offsets(0, 10), 10, 10, nil, lim, t0)
	// 0-1 run out of deliveries and are archived: the SPSO passes them.
	sp.acknowledge("A", []shareAckBatch{{0, 1, []int8{ackRelease}}}, lim, t0)
	if sp.startOffset != 2 {
		t.Fatalf("SPSO %d, want 2", sp.startOffset)
	}
	if code, changed, _ := sp.acknowledge("A", []shareAckBatch{{0, 1, []int8{ackAccept}}}, lim, t0); code != codeNone || changed {
		t.Errorf("a batch below the SPSO: code %d changed %v, want success and no change", code, changed)
	}
	if code, _, _ := sp.acknowledge("A", []shareAckBatch{{1, 2, []int8{ackAccept}}}, lim, t0); code != codeNone || sp.startOffset != 3 {
		t.Errorf("a batch across the SPSO: code %d, SPSO %d, want success and 3", code, sp.startOffset)
	}
	// The second batch fails, so the first is not applied either.
	if code, _, _ := sp.acknowledge("A", []shareAckBatch{{3, 3, []int8{ackAccept}}, {5, 5, []int8{ackAccept}}}, lim, t0.Add(-time.Hour)); code != codeNone {
		t.Fatalf("setup: %d", code)
	}
	for _, tc := range []struct {
		name    string
		batches []shareAckBatch
		want    int16
	}{
		{"a later batch's record not acquired", []shareAckBatch{{4, 4, []int8{ackAccept}}, {5, 5, []int8{ackAccept}}}, codeInvalidRecordState},
		{"one offset twice", []shareAckBatch{{4, 6, []int8{ackAccept}}, {6, 6, []int8{ackAccept}}}, codeInvalidRecordState},
		{"a later batch past the window", []shareAckBatch{{4, 4, []int8{ackAccept}}, {9, 12, []int8{ackAccept}}}, codeInvalidRequest},
	} {
		if code, changed, _ := sp.acknowledge("A", tc.batches, lim, t0); code != tc.want || changed {
			t.Errorf("%s: code %d changed %v, want %d and no change", tc.name, code, changed, tc.want)
		}
		if sp.stateOf(4) != "ACQUIRED" {
			t.Fatalf("%s: 4 is %s, want the request rolled back", tc.name, sp.stateOf(4))
		}
	}
	if code, _, _ := sp.acknowledge("A", []shareAckBatch{{4, 4, []int8{ackAccept}}, {6, 9, []int8{ackAccept}}}, lim, t0); code != codeNone || sp.startOffset != sp.endOffset {
		t.Fatalf("accepting the rest: code %d, window [%d, %d)", code, sp.startOffset, sp.endOffset)
	}
	if code, _, _ := sp.acknowledge("A", []shareAckBatch{{10, 10, []int8{ackAccept}}}, lim, t0); code != codeInvalidRecordState {
		t.Errorf("an empty window: code %d, want INVALID_RECORD_STATE", code)
	}
}

func TestSharePartitionDeliveryLimit(t *testing.T) {
	lim := shareLimits{lockDuration: time.Second, deliveryLimit: 3, maxLocks: 100}
	sp := newSharePartition(0)
	for i := int16(1); i <= 3; i++ {
		got := sp.acquire("A", []int64{0}, 1, 1, nil, lim, t0)
		if want := []acquiredRange{{0, 0, i}}; !cmp.Equal(got, want) {
			t.Fatalf("delivery %d: %v, want %v", i, got, want)
		}
		sp.acknowledge("A", []shareAckBatch{{0, 0, []int8{ackRelease}}}, lim, t0)
	}
	if sp.startOffset != 1 {
		t.Fatalf("released for the third time, the record should be archived; SPSO %d", sp.startOffset)
	}
}

// TestSharePartitionThrottlesRedelivery: records delivered often go in
// smaller acquisitions, as in Kafka 4.2's SharePartition. With the default
// delivery limit of 5, a record delivered 3 times or more (half the limit,
// rounded up) starts an acquisition of half its log batch, and a record
// on its fifth and last delivery is acquired alone; either waits for the
// next fetch when records were taken before it, and the SPEO does not
// pass the records left behind.
func TestSharePartitionThrottlesRedelivery(t *testing.T) {
	lim := defaultShareLimits
	sp := newSharePartition(0)
	batching := &shareBatching{batches: []shareBatch{{first: 0, last: 7}, {first: 8, last: 9}}, size: 500}
	release := func(from, to int64) {
		t.Helper()
		types := make([]int8, to-from+1)
		for i := range types {
			types[i] = ackRelease
		}
		if code, _, msg := sp.acknowledge("A", []shareAckBatch{{from, to, types}}, lim, t0); code != codeNone {
			t.Fatalf("release %d-%d: %d %s", from, to, code, msg)
		}
	}
	acquire := func(deliverable []int64, want ...acquiredRange) {
		t.Helper()
		if got := sp.acquire("A", deliverable, deliverable[len(deliverable)-1]+1, 500, batching, lim, t0); !cmp.Equal(got, want) {
			t.Fatalf("acquired %v, want %v", got, want)
		}
	}
	for d := int16(1); d <= 3; d++ {
		acquire(offsets(0, 8), acquiredRange{0, 7, d})
		release(0, 7)
	}
	// Delivered 3 times: half the batch of 8.
	acquire(offsets(0, 10), acquiredRange{0, 3, 4})
	release(0, 3)
	// 0-3 are on their last delivery, one at a time; 4-7 wait behind.
	acquire(offsets(0, 10), acquiredRange{0, 0, 5})
	acquire(offsets(1, 10), acquiredRange{1, 1, 5})
	if sp.endOffset != 8 {
		t.Fatalf("SPEO %d, want 8: the records left behind would be skipped", sp.endOffset)
	}
	release(0, 1) // archived: their deliveries are used up
	if sp.stateOf(0) != "-" && sp.stateOf(0) != recordArchived.String() {
		t.Fatalf("offset 0 is %s after its last delivery was released", sp.stateOf(0))
	}
	acquire(offsets(2, 10), acquiredRange{2, 2, 5})
	acquire(offsets(3, 10), acquiredRange{3, 3, 5})
	// 4-7, delivered 3 times, start a throttled acquisition of their own.
	acquire(offsets(4, 10), acquiredRange{4, 7, 4})
}

func TestSharePartitionGapsAndMaxLocks(t *testing.T) {
	lim := shareLimits{lockDuration: time.Second, deliveryLimit: 5, maxLocks: 4}
	sp := newSharePartition(0)
	// Offsets 1-3 are a transaction's aborted records under
	// read_committed (its marker comes later); 7 ends the read.
	got := sp.acquire("A", []int64{0, 4, 5, 6}, 7, 10, nil, lim, t0)
	// The window holds at most 4 records: 0-3, of which 1-3 are gaps.
	if want := []acquiredRange{{0, 0, 1}}; !cmp.Equal(got, want) {
		t.Fatalf("acquired %v, want %v", got, want)
	}
	sp.acknowledge("A", []shareAckBatch{{0, 0, []int8{ackAccept}}}, lim, t0)
	if sp.startOffset != 1 {
		t.Fatalf("SPSO %d, want 1", sp.startOffset)
	}
	// The gaps 1-3 are done by their absence, so the SPSO passes them
	// and 4-6 fit in the window.
	got = sp.acquire("A", []int64{4, 5, 6}, 7, 10, nil, lim, t0)
	if want := []acquiredRange{{4, 6, 1}}; !cmp.Equal(got, want) {
		t.Fatalf("acquired %v, want %v", got, want)
	}
	if sp.startOffset != 4 {
		t.Fatalf("SPSO %d, want 4 (gaps passed)", sp.startOffset)
	}
	// Trailing gaps of a read are passed too.
	sp.acquire("B", nil, 8, 10, nil, lim, t0)
	if sp.endOffset != 8 {
		t.Fatalf("SPEO %d, want 8", sp.endOffset)
	}
}

func TestShareStateRestart(t *testing.T) {
	dir := t.TempDir()
	l, snaps, err := openShareState(dir, slog.New(slog.DiscardHandler))
	if err != nil || len(snaps) != 0 {
		t.Fatalf("open: %v, %d snapshots", err, len(snaps))
	}
	lim := defaultShareLimits
	sp := newSharePartition(0)
	sp.acquire("A", offsets(0, 6), 6, 10, nil, lim, t0)
	sp.acknowledge("A", []shareAckBatch{{0, 5, []int8{ackAccept, ackRelease, ackAccept, ackReject, ackRenew, ackAccept}}}, lim, t0)
	tp := topicIDPartition{uuid{1}, 3}
	if err := l.write(sp.snapshot("g", tp)); err != nil {
		t.Fatal(err)
	}
	// A second group's partition, then deleted.
	if err := l.write(newSharePartition(0).snapshot("gone", tp), shareSnapshot{Group: "gone", TopicID: tp.topic, Partition: 3, Deleted: true}); err != nil {
		t.Fatal(err)
	}
	l.close()
	// A crash cut the last line.
	f, _ := os.OpenFile(filepath.Join(dir, shareStateFile), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"group":"g","topicId":`)
	f.Close()

	l, snaps, err = openShareState(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	if len(snaps) != 1 {
		t.Fatalf("%d snapshots, want 1: %v", len(snaps), snaps)
	}
	got := snaps[shareKey{"g", tp}].restore()
	// 0 accepted: gone. 1 released: available, one delivery. 2, 3 done.
	// 4 was renewed, so still out with A: after a restart, available. 5
	// accepted.
	if got.startOffset != 1 || got.endOffset != 6 {
		t.Fatalf("window [%d, %d), want [1, 6)", got.startOffset, got.endOffset)
	}
	want := map[int64]string{1: "AVAILABLE", 2: "-", 3: "-", 4: "AVAILABLE", 5: "-"}
	for o, s := range want {
		if got.stateOf(o) != s {
			t.Errorf("offset %d: %s, want %s", o, got.stateOf(o), s)
		}
	}
	// Acknowledged records are not delivered again; the rest are, with
	// their delivery count.
	acq := got.acquire("B", offsets(0, 6), 6, 10, nil, lim, t0)
	if want := []acquiredRange{{1, 1, 2}, {4, 4, 2}}; !cmp.Equal(acq, want) {
		t.Fatalf("after restart acquired %v, want %v", acq, want)
	}
	// The file was compacted to one line.
	b, _ := os.ReadFile(filepath.Join(dir, shareStateFile))
	if n := len(splitLines(b)); n != 1 {
		t.Fatalf("file has %d lines after reopening, want 1", n)
	}
}

func splitLines(b []byte) []string {
	var out []string
	start := 0
	for i, c := range b {
		if c == '\n' {
			out = append(out, string(b[start:i]))
			start = i + 1
		}
	}
	return out
}

func TestShareStateDamagedFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, shareStateFile), []byte("garbage\n{\"group\":\"g\"}\n"), 0o644)
	if _, _, err := openShareState(dir, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("a bad line before a good one was accepted")
	}
}

// TestShareStateDamageThatStillParses damages lines of the file where
// json.Unmarshal still reads them: a byte flipped in a key (the flip
// TestDamageMatrix's "bytes flipped" made when the random topic ID gave
// the line 137 bytes, about one fixture in fifty) or in the group's name.
// Each must be taken for damage: a last line dropped with a WARN naming
// the file, an earlier one refusing the file; never a snapshot from
// offset 0, or of another group.
func TestShareStateDamageThatStillParses(t *testing.T) {
	good := `{"group":"s","topicId":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16],"partition":1,"stateEpoch":0,"startOffset":3,"endOffset":3}`
	other := strings.Replace(good, `"partition":1`, `"partition":0`, 1)
	for _, tc := range []struct{ name, line string }{
		{"key flipped", strings.NewReplacer("startOffset", "s\x8bar\x8bOffset", "endOffset", "e\x91dOffset").Replace(other)},
		{"group not UTF-8", strings.Replace(other, `"s"`, "\"\x8c\"", 1)},
		{"more after the object", other + "{}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, shareStateFile)
			if err := os.WriteFile(path, []byte(good+"\n"+tc.line+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			var logs syncBuffer
			l, snaps, err := openShareState(dir, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatalf("damaged last line: %v, want it dropped", err)
			}
			l.close()
			if len(snaps) != 1 || snaps[shareKey{"s", topicIDPartition{uuid{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 1}}].StartOffset != 3 {
				t.Errorf("snapshots %+v, want partition 1's alone", snaps)
			}
			if !namedInWarning(logs.String(), path) {
				t.Errorf("no WARN names the file:\n%s", logs.String())
			}
			if err := os.WriteFile(path, []byte(tc.line+"\n"+good+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, _, err := openShareState(dir, slog.New(slog.DiscardHandler)); err == nil {
				t.Error("a damaged line before a good one was accepted")
			}
		})
	}
}

func TestSharePartitionLongGap(t *testing.T) {
	// An aborted transaction longer than the window, under read_committed:
	// offsets 1-9999 are not deliverable.
	lim := shareLimits{lockDuration: time.Second, deliveryLimit: 5, maxLocks: 100}
	sp := newSharePartition(0)
	sp.acquire("A", []int64{0}, 1, 10, nil, lim, t0)
	if got := sp.acquire("A", []int64{10000, 10001}, 10002, 10, nil, lim, t0); len(got) != 0 {
		t.Fatalf("acquired %v past the window while 0 is in flight", got)
	}
	sp.acknowledge("A", []shareAckBatch{{0, 0, []int8{ackAccept}}}, lim, t0)
	got := sp.acquire("A", []int64{10000, 10001}, 10002, 10, nil, lim, t0)
	if want := []acquiredRange{{10000, 10001, 1}}; !cmp.Equal(got, want) {
		t.Fatalf("acquired %v, want %v: the window jumps the gap once empty", got, want)
	}
	if sp.startOffset != 10000 || len(sp.records) != 2 {
		t.Fatalf("SPSO %d with %d records", sp.startOffset, len(sp.records))
	}
	sp.acknowledge("A", []shareAckBatch{{10000, 10001, []int8{ackAccept}}}, lim, t0)
	// A read that ends in a long gap moves an empty window past it.
	sp.acquire("A", nil, 50000, 10, nil, lim, t0)
	if sp.startOffset != 50000 || sp.endOffset != 50000 {
		t.Fatalf("window [%d, %d), want [50000, 50000)", sp.startOffset, sp.endOffset)
	}
	// Acknowledgements of made-up ranges are refused without a walk.
	if code, _, _ := sp.acknowledge("A", []shareAckBatch{{0, 1 << 62, []int8{ackAccept}}}, lim, t0); code != codeInvalidRecordState {
		t.Fatalf("huge range: code %d", code)
	}
}

func TestParseISODuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"PT1H", time.Hour, true},
		{"pt30m", 30 * time.Minute, true},
		{"P1DT12H", 36 * time.Hour, true},
		{"PT0.5S", 500 * time.Millisecond, true},
		{"-PT10M", -10 * time.Minute, true},
		{"PT-1H30M", -30 * time.Minute, true},
		{"P2D", 48 * time.Hour, true},
		{"", 0, false},
		{"P", 0, false},
		{"PT", 0, false},
		{"1H", 0, false},
		{"P1H", 0, false},    // hours belong after T
		{"PT1D", 0, false},   // days before it
		{"P1M", 0, false},    // months are not a Duration
		{"PT1.5H", 0, false}, // only seconds may have a fraction
		{"PT1X", 0, false},
		{"PT1", 0, false},
	} {
		got, err := parseISODuration(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseISODuration(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for v, ok := range map[string]bool{"latest": true, "earliest": true, "by_duration:PT1H": true, "by_duration:-PT1H": false, "by_duration:": false, "none": false} {
		if _, err := checkShareAutoOffsetReset(v); (err == nil) != ok {
			t.Errorf("share.auto.offset.reset=%s: err %v, want ok %v", v, err, ok)
		}
	}
}

// TestShareAssignorLikeKafka checks assignShares against the shares of
// Kafka 4.1's SimpleAssignor: ceil(members/partitions) members per
// partition, members' counts within one of each other, and a member
// keeping what it had when the balance allows.
func TestShareAssignorLikeKafka(t *testing.T) {
	tp := func(p int32) topicIDPartition { return topicIDPartition{uuid{1}, p} }
	tps := func(n int32) []topicIDPartition {
		var out []topicIDPartition
		for p := range n {
			out = append(out, tp(p))
		}
		return out
	}
	newMembers := func(n int) []*shareMember {
		var ms []*shareMember
		for i := range n {
			ms = append(ms, &shareMember{id: fmt.Sprint("m", i), assigned: partitionSet{}})
		}
		return ms
	}
	for _, tc := range []struct {
		members, partitions int
		perPartition        int // members sharing each partition
		minEach, maxEach    int // partitions per member
	}{
		{1, 4, 1, 4, 4},
		{2, 4, 1, 2, 2},
		{3, 4, 1, 1, 2},
		{4, 4, 1, 1, 1},
		{5, 2, 3, 1, 2},
		{3, 1, 3, 1, 1},
	} {
		ms := newMembers(tc.members)
		assignShares(ms, tps(int32(tc.partitions)), map[*shareMember]partitionSet{})
		holders := map[topicIDPartition]int{}
		for _, m := range ms {
			if n := len(m.assigned); n < tc.minEach || n > tc.maxEach {
				t.Errorf("%d members, %d partitions: %s has %d partitions, want %d to %d", tc.members, tc.partitions, m.id, n, tc.minEach, tc.maxEach)
			}
			for tp := range m.assigned {
				holders[tp]++
			}
		}
		for p := range int32(tc.partitions) {
			if holders[tp(p)] != tc.perPartition {
				t.Errorf("%d members, %d partitions: partition %d shared by %d, want %d", tc.members, tc.partitions, p, holders[tp(p)], tc.perPartition)
			}
		}
	}
	// The trace of sharegroups.go's header: A, B and C on two partitions.
	abc := newMembers(3)
	assignShares(abc, tps(2), map[*shareMember]partitionSet{abc[0]: {tp(0): true}, abc[1]: {tp(1): true}})
	if got := fmt.Sprint(len(abc[0].assigned), abc[0].assigned[tp(0)], abc[1].assigned[tp(1)], abc[2].assigned[tp(0)]); got != "2 true true true" {
		t.Errorf("A, B and C on two partitions: %v %v %v", abc[0].assigned, abc[1].assigned, abc[2].assigned)
	}
	// Stickiness: a third member joining two that split four partitions
	// takes one from the member with two too many, and nobody else moves.
	ms := newMembers(3)
	previous := map[*shareMember]partitionSet{
		ms[0]: {tp(0): true, tp(1): true},
		ms[1]: {tp(2): true, tp(3): true},
	}
	assignShares(ms, tps(4), previous)
	kept := 0
	for _, m := range ms[:2] {
		for tp := range m.assigned {
			if previous[m][tp] {
				kept++
			}
		}
	}
	if kept != 3 || len(ms[2].assigned) != 1 {
		t.Errorf("after a third member joined: kept %d of 4, newcomer has %v; want 3 kept and 1 moved", kept, ms[2].assigned)
	}
}
