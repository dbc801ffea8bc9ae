package interop

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// newClient returns a franz-go client with default options (so an
// idempotent producer) plus opts, closed when the test ends.
func newClient(t *testing.T, addr string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(addr)}, opts...)...)
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	t.Cleanup(cl.Close)
	return cl
}

func createTopic(t *testing.T, ctx context.Context, adm *kadm.Client, partitions int32, topic string) {
	t.Helper()
	resp, err := adm.CreateTopic(ctx, partitions, 1, nil, topic)
	if err != nil {
		t.Fatalf("CreateTopic %s: %v", topic, err)
	}
	if resp.Err != nil {
		t.Fatalf("CreateTopic %s: %v (%s)", topic, resp.Err, resp.ErrMessage)
	}
}

// produceSync produces rs and fails the test on any error. On return each
// record has its Partition and Offset filled in.
func produceSync(t *testing.T, ctx context.Context, cl *kgo.Client, rs ...*kgo.Record) {
	t.Helper()
	for _, r := range cl.ProduceSync(ctx, rs...) {
		if r.Err != nil {
			t.Fatalf("produce to %s: %v", r.Record.Topic, r.Err)
		}
	}
}

// consumeN reads topic from the start with a fresh client until n records
// have arrived, then a little longer to catch any extra ones.
func consumeN(t *testing.T, ctx context.Context, addr, topic string, n int) []*kgo.Record {
	t.Helper()
	cl := newClient(t, addr,
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200*time.Millisecond),
	)
	var got []*kgo.Record
	extra := time.Time{}
	for {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		fs := cl.PollFetches(pctx)
		cancel()
		fs.EachError(func(topic string, p int32, err error) {
			if pctx.Err() == nil || !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("fetch %s[%d]: %v", topic, p, err)
			}
		})
		if t.Failed() {
			t.FailNow()
		}
		got = append(got, fs.Records()...)
		if len(got) >= n && extra.IsZero() {
			extra = time.Now().Add(300 * time.Millisecond)
		}
		if !extra.IsZero() && time.Now().After(extra) {
			return got
		}
		if ctx.Err() != nil {
			t.Fatalf("consuming %s: got %d of %d records before %v", topic, len(got), n, ctx.Err())
		}
	}
}

func header(r *kgo.Record, key string) (string, bool) {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value), true
		}
	}
	return "", false
}

// TestFranzProduceConsume produces 10,000 records with an idempotent
// producer to three partitions and reads each back exactly once.
func TestFranzProduceConsume(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	cl := newClient(t, addr)
	adm := kadm.NewClient(cl)

	const topic, n = "franz-10k", 10000
	createTopic(t, ctx, adm, 3, topic)

	rs := make([]*kgo.Record, n)
	for i := range rs {
		rs[i] = &kgo.Record{
			Topic: topic,
			Key:   fmt.Appendf(nil, "key-%d", i),
			Value: fmt.Appendf(nil, "value-%d", i),
			Headers: []kgo.RecordHeader{
				{Key: "index", Value: fmt.Appendf(nil, "%d", i)},
				{Key: "parity", Value: []byte([]string{"even", "odd"}[i%2])},
			},
		}
	}
	produceSync(t, ctx, cl, rs...)

	// What the producer was told, by key.
	type placed struct {
		partition int32
		offset    int64
	}
	produced := make(map[string]placed, n)
	for _, r := range rs {
		produced[string(r.Key)] = placed{r.Partition, r.Offset}
	}

	got := consumeN(t, ctx, addr, topic, n)
	if len(got) != n {
		t.Errorf("consumed %d records, want %d", len(got), n)
	}
	seen := make(map[int]bool, n)
	offsets := make(map[int32][]int64)
	for _, r := range got {
		var i int
		if _, err := fmt.Sscanf(string(r.Key), "key-%d", &i); err != nil || i < 0 || i >= n {
			t.Errorf("unexpected key %q at %d/%d", r.Key, r.Partition, r.Offset)
			continue
		}
		if seen[i] {
			t.Errorf("key %q delivered twice (again at %d/%d)", r.Key, r.Partition, r.Offset)
		}
		seen[i] = true
		if want := fmt.Sprintf("value-%d", i); string(r.Value) != want {
			t.Errorf("key %q: value %q, want %q", r.Key, r.Value, want)
		}
		if len(r.Headers) != 2 {
			t.Errorf("key %q: %d headers, want 2: %v", r.Key, len(r.Headers), r.Headers)
		}
		if v, _ := header(r, "index"); v != fmt.Sprint(i) {
			t.Errorf("key %q: header index=%q, want %q", r.Key, v, fmt.Sprint(i))
		}
		if v, _ := header(r, "parity"); v != []string{"even", "odd"}[i%2] {
			t.Errorf("key %q: header parity=%q", r.Key, v)
		}
		if p := produced[string(r.Key)]; p != (placed{r.Partition, r.Offset}) {
			t.Errorf("key %q consumed at %d/%d, produced at %d/%d", r.Key, r.Partition, r.Offset, p.partition, p.offset)
		}
		offsets[r.Partition] = append(offsets[r.Partition], r.Offset)
		if t.Failed() && len(seen) > 20 {
			t.FailNow() // enough to go on
		}
	}
	for i := range n {
		if !seen[i] {
			t.Errorf("key-%d never consumed", i)
			break
		}
	}

	// Per partition, offsets arrive in order and run 0, 1, 2, ... with no gap.
	if len(offsets) != 3 {
		t.Errorf("records landed in %d partitions, want 3 (keys hash across all of them)", len(offsets))
	}
	for p, os := range offsets {
		for j, o := range os {
			if o != int64(j) {
				t.Errorf("partition %d: record %d has offset %d, want %d", p, j, o, j)
				break
			}
		}
	}

	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil || starts.Error() != nil {
		t.Fatalf("ListStartOffsets: %v %v", err, starts.Error())
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil || ends.Error() != nil {
		t.Fatalf("ListEndOffsets: %v %v", err, ends.Error())
	}
	for p := int32(0); p < 3; p++ {
		s, ok := starts.Lookup(topic, p)
		if !ok || s.Offset != 0 {
			t.Errorf("start offset of partition %d: %+v (found %v), want 0", p, s, ok)
		}
		e, ok := ends.Lookup(topic, p)
		if !ok || e.Offset != int64(len(offsets[p])) {
			t.Errorf("end offset of partition %d: %+v (found %v), want %d", p, e, ok, len(offsets[p]))
		}
	}
}

// TestFranzListOffsetsByTimestamp produces three batches with timestamps a
// second apart and looks offsets up by time (ListOffsets with a timestamp).
func TestFranzListOffsetsByTimestamp(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	cl := newClient(t, addr)
	adm := kadm.NewClient(cl)

	const topic = "franz-times"
	createTopic(t, ctx, adm, 1, topic)

	// Three batches of 5 records at t0, t0+1s, t0+2s: offsets 0-4, 5-9, 10-14.
	t0 := time.Now().Add(-time.Hour).Truncate(time.Millisecond)
	for b := range 3 {
		var rs []*kgo.Record
		for i := range 5 {
			rs = append(rs, &kgo.Record{
				Topic:     topic,
				Partition: 0,
				Value:     fmt.Appendf(nil, "batch %d record %d", b, i),
				Timestamp: t0.Add(time.Duration(b) * time.Second),
			})
		}
		produceSync(t, ctx, cl, rs...)
		for i, r := range rs {
			if want := int64(5*b + i); r.Offset != want {
				t.Fatalf("batch %d record %d produced at offset %d, want %d", b, i, r.Offset, want)
			}
		}
	}

	ms := t0.UnixMilli()
	for _, tc := range []struct {
		name   string
		milli  int64
		offset int64
	}{
		{"before everything", ms - 10_000, 0},
		{"t0", ms, 0},
		{"t0+1ms", ms + 1, 5},
		{"t0+500ms", ms + 500, 5},
		{"t0+1s", ms + 1000, 5},
		{"t0+1.5s", ms + 1500, 10},
		{"t0+2s", ms + 2000, 10},
		{"after everything", ms + 2001, 15}, // kadm turns "none" into the end offset
	} {
		lo, err := adm.ListOffsetsAfterMilli(ctx, tc.milli, topic)
		if err != nil || lo.Error() != nil {
			t.Fatalf("ListOffsetsAfterMilli(%s): %v %v", tc.name, err, lo.Error())
		}
		o, ok := lo.Lookup(topic, 0)
		if !ok || o.Offset != tc.offset {
			t.Errorf("ListOffsetsAfterMilli(%s) = %+v (found %v), want offset %d", tc.name, o, ok, tc.offset)
		}
	}

	starts, err := adm.ListStartOffsets(ctx, topic)
	if err != nil || starts.Error() != nil {
		t.Fatalf("ListStartOffsets: %v %v", err, starts.Error())
	}
	if o, _ := starts.Lookup(topic, 0); o.Offset != 0 {
		t.Errorf("start offset %d, want 0", o.Offset)
	}
	ends, err := adm.ListEndOffsets(ctx, topic)
	if err != nil || ends.Error() != nil {
		t.Fatalf("ListEndOffsets: %v %v", err, ends.Error())
	}
	if o, _ := ends.Lookup(topic, 0); o.Offset != 15 {
		t.Errorf("end offset %d, want 15", o.Offset)
	}

	// The consumed timestamps are the ones produced.
	got := consumeN(t, ctx, addr, topic, 15)
	for _, r := range got {
		if want := t0.Add(time.Duration(r.Offset/5) * time.Second); !r.Timestamp.Equal(want) {
			t.Errorf("offset %d: timestamp %v, want %v", r.Offset, r.Timestamp, want)
		}
	}
}

// TestFranzRestart produces, restarts the broker on the same data dir, and
// checks that the records are still there at the same offsets and that new
// records continue the offsets.
func TestFranzRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	const topic = "franz-restart"

	addr, stop := startBroker(t, dir)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	closeClient := sync.OnceFunc(cl.Close)
	t.Cleanup(closeClient)
	createTopic(t, ctx, kadm.NewClient(cl), 3, topic)
	var first []*kgo.Record
	for i := range 100 {
		first = append(first, &kgo.Record{
			Topic: topic,
			Key:   fmt.Appendf(nil, "key-%d", i),
			Value: fmt.Appendf(nil, "before-%d", i),
		})
	}
	produceSync(t, ctx, cl, first...)
	closeClient()
	stop()

	addr, _ = startBroker(t, dir)
	type kv struct{ key, value string }
	want := make(map[int32]map[int64]kv)
	ends := make(map[int32]int64)
	for _, r := range first {
		if want[r.Partition] == nil {
			want[r.Partition] = make(map[int64]kv)
		}
		want[r.Partition][r.Offset] = kv{string(r.Key), string(r.Value)}
		ends[r.Partition] = max(ends[r.Partition], r.Offset+1)
	}
	got := consumeN(t, ctx, addr, topic, len(first))
	if len(got) != len(first) {
		t.Errorf("after restart consumed %d records, want %d", len(got), len(first))
	}
	for _, r := range got {
		w, ok := want[r.Partition][r.Offset]
		if !ok || w != (kv{string(r.Key), string(r.Value)}) {
			t.Errorf("after restart %d/%d holds %q=%q, want %q=%q (present before: %v)", r.Partition, r.Offset, r.Key, r.Value, w.key, w.value, ok)
		}
	}

	adm := kadm.NewClient(newClient(t, addr))
	listed, err := adm.ListEndOffsets(ctx, topic)
	if err != nil || listed.Error() != nil {
		t.Fatalf("ListEndOffsets after restart: %v %v", err, listed.Error())
	}
	for p := int32(0); p < 3; p++ {
		if o, _ := listed.Lookup(topic, p); o.Offset != ends[p] {
			t.Errorf("after restart partition %d end offset %d, want %d", p, o.Offset, ends[p])
		}
	}

	// New records continue each partition's offsets.
	cl2 := newClient(t, addr)
	var second []*kgo.Record
	for i := range 100 {
		second = append(second, &kgo.Record{
			Topic: topic,
			Key:   fmt.Appendf(nil, "key-%d", 100+i),
			Value: fmt.Appendf(nil, "after-%d", i),
		})
	}
	produceSync(t, ctx, cl2, second...)
	next := make(map[int32][]int64)
	for _, r := range second {
		next[r.Partition] = append(next[r.Partition], r.Offset)
	}
	for p, os := range next {
		slices.Sort(os)
		for j, o := range os {
			if want := ends[p] + int64(j); o != want {
				t.Errorf("after restart partition %d: new record %d at offset %d, want %d", p, j, o, want)
				break
			}
		}
	}
}
