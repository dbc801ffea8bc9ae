package interop

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
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

// TestFranzConfigsAndDeleteRecords drives the config APIs and
// DeleteRecords through kadm: a topic created with configs, described,
// altered incrementally, refused a bad value and an APPEND to a long, and
// cut with DeleteRecords, whose low watermark ListStartOffsets then
// reports.
func TestFranzConfigsAndDeleteRecords(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cl := newClient(t, addr)
	adm := kadm.NewClient(cl)

	resp, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"retention.ms": kadm.StringPtr("3600000")}, "cfg")
	if err != nil || resp.Err != nil {
		t.Fatalf("CreateTopic: %v, %v", err, resp.Err)
	}
	values := func() map[string]string {
		t.Helper()
		rcs, err := adm.DescribeTopicConfigs(ctx, "cfg")
		if err != nil {
			t.Fatalf("DescribeTopicConfigs: %v", err)
		}
		rc, err := rcs.On("cfg", nil)
		if err != nil || rc.Err != nil {
			t.Fatalf("DescribeTopicConfigs: %v, %v", err, rc.Err)
		}
		// The six configs this test changes or watches; the topic has
		// every one of Kafka 4.0 (topicconfigs_test.go checks the rest).
		m := map[string]string{}
		for _, c := range rc.Configs {
			switch c.Key {
			case "cleanup.policy", "max.message.bytes", "min.insync.replicas", "retention.bytes", "retention.ms", "segment.bytes":
				m[c.Key] = c.MaybeValue() + "/" + c.Source.String()
			}
		}
		return m
	}
	want := map[string]string{
		"cleanup.policy":      "delete/DEFAULT_CONFIG",
		"max.message.bytes":   "1048588/DEFAULT_CONFIG",
		"min.insync.replicas": "1/DEFAULT_CONFIG",
		"retention.bytes":     "-1/DEFAULT_CONFIG",
		"retention.ms":        "3600000/DYNAMIC_TOPIC_CONFIG",
		"segment.bytes":       "1073741824/DEFAULT_CONFIG",
	}
	if got := values(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("configs after create:\n got %v\nwant %v", got, want)
	}

	alter := func(cs ...kadm.AlterConfig) error {
		t.Helper()
		rs, err := adm.AlterTopicConfigs(ctx, cs, "cfg")
		if err != nil {
			t.Fatalf("AlterTopicConfigs: %v", err)
		}
		r, err := rs.On("cfg", nil)
		if err != nil {
			t.Fatal(err)
		}
		return r.Err
	}
	if err := alter(
		kadm.AlterConfig{Op: kadm.SetConfig, Name: "retention.bytes", Value: kadm.StringPtr("1000000")},
		kadm.AlterConfig{Op: kadm.DeleteConfig, Name: "retention.ms"},
	); err != nil {
		t.Fatalf("alter: %v", err)
	}
	want["retention.bytes"], want["retention.ms"] = "1000000/DYNAMIC_TOPIC_CONFIG", "604800000/DEFAULT_CONFIG"
	if got := values(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("configs after alter:\n got %v\nwant %v", got, want)
	}
	if err := alter(kadm.AlterConfig{Op: kadm.AppendConfig, Name: "retention.ms", Value: kadm.StringPtr("1")}); !errors.Is(err, kerr.InvalidConfig) {
		t.Errorf("APPEND to retention.ms: %v, want INVALID_CONFIG", err)
	}
	if err := alter(kadm.AlterConfig{Op: kadm.SetConfig, Name: "segment.bytes", Value: kadm.StringPtr("tiny")}); !errors.Is(err, kerr.InvalidConfig) {
		t.Errorf("bad segment.bytes: %v, want INVALID_CONFIG", err)
	}

	var rs []*kgo.Record
	for i := range 10 {
		rs = append(rs, &kgo.Record{Topic: "cfg", Value: []byte(fmt.Sprint(i))})
	}
	produceSync(t, ctx, cl, rs...)
	var os kadm.Offsets
	os.Add(kadm.Offset{Topic: "cfg", Partition: 0, At: 6})
	drs, err := adm.DeleteRecords(ctx, os)
	if err != nil {
		t.Fatalf("DeleteRecords: %v", err)
	}
	if dr, ok := drs.Lookup("cfg", 0); !ok || dr.Err != nil || dr.LowWatermark != 6 {
		t.Errorf("DeleteRecords: %+v, want low watermark 6", dr)
	}
	starts, err := adm.ListStartOffsets(ctx, "cfg")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := starts.Lookup("cfg", 0); !ok || o.Offset != 6 {
		t.Errorf("ListStartOffsets: %+v, want 6", o)
	}
}

// rec is a record as the tests compare them across clients: where it is and
// what it holds.
type rec struct {
	partition int32
	offset    int64
	key       string
	value     string
}

func (r rec) String() string {
	return fmt.Sprintf("%d/%d %s=%s", r.partition, r.offset, r.key, r.value)
}

func recOf(r *kgo.Record) rec {
	return rec{r.Partition, r.Offset, string(r.Key), string(r.Value)}
}

func recsOf(rs []*kgo.Record) []rec {
	out := make([]rec, len(rs))
	for i, r := range rs {
		out[i] = recOf(r)
	}
	return out
}

func cmpRec(a, b rec) int {
	return cmp.Or(
		cmp.Compare(a.partition, b.partition),
		cmp.Compare(a.offset, b.offset),
		strings.Compare(a.key, b.key),
		strings.Compare(a.value, b.value),
	)
}

// checkRecs fails the test unless got holds exactly the records of want,
// each once, in any order; it names what is missing, extra or repeated.
func checkRecs(t *testing.T, what string, got, want []rec) {
	t.Helper()
	count := make(map[rec]int)
	for _, r := range got {
		count[r]++
	}
	wanted := make(map[rec]bool, len(want))
	var missing, extra, twice []rec
	for _, r := range want {
		wanted[r] = true
		switch c := count[r]; {
		case c == 0:
			missing = append(missing, r)
		case c > 1:
			twice = append(twice, r)
		}
	}
	for r := range count {
		if !wanted[r] {
			extra = append(extra, r)
		}
	}
	if len(missing)+len(extra)+len(twice) == 0 && len(got) == len(want) {
		return
	}
	for _, s := range [][]rec{missing, extra, twice} {
		slices.SortFunc(s, cmpRec)
	}
	short := func(rs []rec) string {
		if len(rs) > 20 {
			return fmt.Sprint(rs[:20], " ...")
		}
		return fmt.Sprint(rs)
	}
	t.Errorf("%s: got %d records, want %d\nmissing %d: %s\nunexpected %d: %s\nmore than once %d: %s",
		what, len(got), len(want), len(missing), short(missing), len(extra), short(extra), len(twice), short(twice))
}

// produceSpread produces n records to topic, record i to partition
// i%partitions with key prefix-i and value value-i, and returns them as
// produced (partition and offset filled in).
func produceSpread(t *testing.T, ctx context.Context, addr, topic, prefix string, from, n int, partitions int32) []*kgo.Record {
	t.Helper()
	cl := newClient(t, addr, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	rs := make([]*kgo.Record, n)
	for i := range rs {
		j := from + i
		rs[i] = &kgo.Record{
			Topic:     topic,
			Partition: int32(j) % partitions,
			Key:       fmt.Appendf(nil, "%s-%d", prefix, j),
			Value:     fmt.Appendf(nil, "value-%d", j),
		}
	}
	produceSync(t, ctx, cl, rs...)
	cl.Close()
	return rs
}

// groupClient returns a franz-go consumer in group subscribed to topic, with
// autocommit off and a short heartbeat interval, that starts at the log
// start of partitions the group has no commit for. Its logs go to t.Log. The
// returned close function leaves the group; it also runs when the test ends.
func groupClient(t *testing.T, addr, group, topic string, opts ...kgo.Opt) (*kgo.Client, func()) {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{
		kgo.SeedBrokers(addr),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topic),
		kgo.DisableAutoCommit(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200 * time.Millisecond),
		kgo.HeartbeatInterval(500 * time.Millisecond),
		kgo.WithLogger(kgo.BasicLogger(clientLog(t, "franz-go: "), kgo.LogLevelInfo, nil)),
	}, opts...)...)
	if err != nil {
		t.Fatalf("kgo.NewClient: %v", err)
	}
	closeClient := sync.OnceFunc(cl.Close)
	t.Cleanup(closeClient)
	return cl, closeClient
}

// pollN polls cl until it has returned exactly n records, never asking for
// more than are still missing, and fails the test on a fetch error or if ctx
// ends first.
func pollN(t *testing.T, ctx context.Context, cl *kgo.Client, n int) []*kgo.Record {
	t.Helper()
	var got []*kgo.Record
	for len(got) < n {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		fs := cl.PollRecords(pctx, n-len(got))
		cancel()
		fs.EachError(func(topic string, p int32, err error) {
			if pctx.Err() == nil || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("fetch %s[%d]: %v", topic, p, err)
			}
		})
		got = append(got, fs.Records()...)
		if len(got) < n && ctx.Err() != nil {
			t.Fatalf("polled %d of %d records before %v: %v", len(got), n, ctx.Err(), recsOf(got))
		}
	}
	return got
}

// expectNoMore polls cl for d and fails the test if any record arrives.
func expectNoMore(t *testing.T, ctx context.Context, cl *kgo.Client, d time.Duration) {
	t.Helper()
	pctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var extra []*kgo.Record
	for pctx.Err() == nil {
		fs := cl.PollFetches(pctx)
		fs.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("fetch %s[%d]: %v", topic, p, err)
			}
		})
		extra = append(extra, fs.Records()...)
	}
	if len(extra) > 0 {
		t.Errorf("%d more records than expected arrived: %v", len(extra), recsOf(extra[:min(len(extra), 20)]))
	}
}

// perPartition counts rs by partition and fails the test unless each
// partition's records are the offsets 0, 1, 2, ... in order.
func perPartition(t *testing.T, what string, rs []*kgo.Record) map[int32]int64 {
	t.Helper()
	next := make(map[int32]int64)
	for _, r := range rs {
		if r.Offset != next[r.Partition] {
			t.Errorf("%s: partition %d gave offset %d, want %d", what, r.Partition, r.Offset, next[r.Partition])
		}
		next[r.Partition] = r.Offset + 1
	}
	return next
}

// checkCommitted fails the test unless the group's committed offsets on
// topic are exactly want, partition by partition.
func checkCommitted(t *testing.T, ctx context.Context, adm *kadm.Client, group, topic string, want map[int32]int64) {
	t.Helper()
	offsets, err := adm.FetchOffsets(ctx, group)
	if err != nil {
		t.Fatalf("FetchOffsets(%s): %v", group, err)
	}
	got := make(map[int32]int64)
	for tp, ps := range offsets {
		for p, o := range ps {
			if o.Err != nil {
				t.Errorf("FetchOffsets(%s) %s[%d]: %v", group, tp, p, o.Err)
			}
			if tp != topic {
				t.Errorf("FetchOffsets(%s) lists topic %s[%d] at %d; only %s was consumed", group, tp, p, o.At, topic)
				continue
			}
			got[p] = o.At
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("FetchOffsets(%s): committed %v, want %v", group, got, want)
	}
}

// describeGroup describes one group and fails the test if that fails.
func describeGroup(t *testing.T, ctx context.Context, adm *kadm.Client, group string) kadm.DescribedGroup {
	t.Helper()
	described, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		t.Fatalf("DescribeGroups(%s): %v", group, err)
	}
	g, ok := described[group]
	if !ok {
		t.Fatalf("DescribeGroups(%s) did not return the group: %v", group, described)
	}
	if g.Err != nil {
		t.Fatalf("DescribeGroups(%s): %v (%s)", group, g.Err, g.ErrMessage)
	}
	return g
}

// TestFranzGroupCommitResume reads a two-partition topic in a group, commits
// the first half of each partition with CommitRecords, leaves, and checks
// that a new member of the group resumes right after the commits; kadm sees
// the group and its offsets along the way.
func TestFranzGroupCommitResume(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	adm := kadm.NewClient(newClient(t, addr))
	const topic, group, n = "franz-group", "franz-group", 100
	createTopic(t, ctx, adm, 2, topic)
	produced := produceSpread(t, ctx, addr, topic, "key", 0, n, 2)

	c1, leave := groupClient(t, addr, group, topic, kgo.ClientID("first"))
	all := pollN(t, ctx, c1, n)
	perPartition(t, "first member", all)
	var half []*kgo.Record
	for _, r := range all {
		if r.Offset < n/4 {
			half = append(half, r)
		}
	}
	if err := c1.CommitRecords(ctx, half...); err != nil {
		t.Fatalf("CommitRecords: %v", err)
	}
	taken := map[int32]int64{0: n / 4, 1: n / 4}

	// While the member is in the group.
	g := describeGroup(t, ctx, adm, group)
	if g.State != "Stable" || g.ProtocolType != "consumer" || len(g.Members) != 1 {
		t.Errorf("group with one member: state %q, protocol type %q, %d members; want Stable, consumer, 1", g.State, g.ProtocolType, len(g.Members))
	}
	if g.Protocol != "cooperative-sticky" {
		t.Errorf("group protocol %q, want cooperative-sticky (franz-go's default balancer)", g.Protocol)
	}
	for _, m := range g.Members {
		if m.ClientID != "first" {
			t.Errorf("member %s has client id %q, want first", m.MemberID, m.ClientID)
		}
	}
	if got, want := g.AssignedPartitions().Sorted(), (kadm.TopicsSet{topic: {0: {}, 1: {}}}).Sorted(); !slices.EqualFunc(got, want, func(a, b kadm.TopicPartitions) bool {
		return a.Topic == b.Topic && slices.Equal(a.Partitions, b.Partitions)
	}) {
		t.Errorf("assigned partitions %v, want %v", got, want)
	}
	checkCommitted(t, ctx, adm, group, topic, taken)
	listed, err := adm.ListGroups(ctx)
	if err != nil {
		t.Fatalf("ListGroups: %v", err)
	}
	if l, ok := listed[group]; !ok || l.ProtocolType != "consumer" {
		t.Errorf("ListGroups: %+v (found %v), want group %s of type consumer", l, ok, group)
	}

	leave()
	if g := describeGroup(t, ctx, adm, group); g.State != "Empty" || len(g.Members) != 0 {
		t.Errorf("group after its only member left: state %q with %d members, want Empty with 0", g.State, len(g.Members))
	}
	checkCommitted(t, ctx, adm, group, topic, taken)

	c2, _ := groupClient(t, addr, group, topic, kgo.ClientID("second"))
	rest := pollN(t, ctx, c2, n-n/2)
	expectNoMore(t, ctx, c2, 500*time.Millisecond)
	var want []rec
	for _, r := range produced {
		if r.Offset >= taken[r.Partition] {
			want = append(want, recOf(r))
		}
	}
	checkRecs(t, "second member of the group", recsOf(rest), want)
}

// TestFranzGroupResumeAfterRestart reads the half of a topic produced so far
// in a group and commits it with CommitUncommittedOffsets; after the other
// half is produced and the broker restarted on the same data dir, the
// commits are still there and a new member reads just the second half.
func TestFranzGroupResumeAfterRestart(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()
	addr, stop := startBroker(t, dir)
	const topic, group, n = "franz-group-restart", "franz-group-restart", 60
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	createTopic(t, ctx, kadm.NewClient(cl), 2, topic)
	cl.Close()
	produceSpread(t, ctx, addr, topic, "key", 0, n/2, 2)

	c1, leave := groupClient(t, addr, group, topic)
	first := pollN(t, ctx, c1, n/2)
	if err := c1.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("CommitUncommittedOffsets: %v", err)
	}
	taken := perPartition(t, "before restart", first)
	if want := (map[int32]int64{0: n / 4, 1: n / 4}); !maps.Equal(taken, want) {
		t.Fatalf("first member read %v records by partition, want %v", taken, want)
	}
	expectNoMore(t, ctx, c1, 300*time.Millisecond)
	leave()
	second := produceSpread(t, ctx, addr, topic, "key", n/2, n/2, 2)
	stop()

	addr, _ = startBroker(t, dir)
	checkCommitted(t, ctx, kadm.NewClient(newClient(t, addr)), group, topic, taken)
	c2, _ := groupClient(t, addr, group, topic)
	rest := pollN(t, ctx, c2, n/2)
	expectNoMore(t, ctx, c2, 500*time.Millisecond)
	checkRecs(t, "group member after restart", recsOf(rest), recsOf(second))
}

// groupMember is a franz-go group consumer running in the background. Each
// poll's records are committed before the client may rebalance
// (BlockRebalanceOnPoll), so a correct broker hands every record to exactly
// one member even across rebalances.
type groupMember struct {
	name string
	cl   *kgo.Client
	stop chan struct{}
	done chan struct{}

	mu    sync.Mutex
	recs  []*kgo.Record
	owned map[int32]bool
	errs  []error
}

func startMember(t *testing.T, ctx context.Context, addr, group, topic, name string, opts ...kgo.Opt) *groupMember {
	t.Helper()
	m := &groupMember{name: name, stop: make(chan struct{}), done: make(chan struct{}), owned: make(map[int32]bool)}
	set := func(ps map[string][]int32, owned bool) {
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, p := range ps[topic] {
			if owned {
				m.owned[p] = true
			} else {
				delete(m.owned, p)
			}
		}
	}
	m.cl, _ = groupClient(t, addr, group, topic, append([]kgo.Opt{
		kgo.ClientID(name),
		kgo.BlockRebalanceOnPoll(),
		kgo.OnPartitionsAssigned(func(_ context.Context, _ *kgo.Client, ps map[string][]int32) { set(ps, true) }),
		kgo.OnPartitionsRevoked(func(_ context.Context, _ *kgo.Client, ps map[string][]int32) { set(ps, false) }),
		kgo.OnPartitionsLost(func(_ context.Context, _ *kgo.Client, ps map[string][]int32) { set(ps, false) }),
	}, opts...)...)
	go m.run(ctx)
	t.Cleanup(m.halt)
	return m
}

func (m *groupMember) run(ctx context.Context) {
	defer close(m.done)
	for {
		select {
		case <-m.stop:
			return
		default:
		}
		pctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		fs := m.cl.PollFetches(pctx)
		cancel()
		var errs []error
		fs.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				errs = append(errs, fmt.Errorf("fetch %s[%d]: %w", topic, p, err))
			}
		})
		if rs := fs.Records(); len(rs) > 0 {
			if err := m.cl.CommitRecords(ctx, rs...); err != nil {
				errs = append(errs, fmt.Errorf("CommitRecords: %w", err))
			}
			m.mu.Lock()
			m.recs = append(m.recs, rs...)
			m.mu.Unlock()
		}
		m.cl.AllowRebalance()
		m.mu.Lock()
		m.errs = append(m.errs, errs...)
		m.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
	}
}

// halt stops polling; it is idempotent.
func (m *groupMember) halt() {
	select {
	case <-m.stop:
	default:
		close(m.stop)
	}
	<-m.done
}

func (m *groupMember) snapshot() (recs []*kgo.Record, owned []int32, errs []error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for p := range m.owned {
		owned = append(owned, p)
	}
	slices.Sort(owned)
	return slices.Clone(m.recs), owned, slices.Clone(m.errs)
}

// checkErrs fails the test at once if a member has run into an error.
func (m *groupMember) checkErrs(t *testing.T) {
	t.Helper()
	if _, _, errs := m.snapshot(); len(errs) > 0 {
		t.Fatalf("%s: %d errors, the first: %v", m.name, len(errs), errs[0])
	}
}

// waitUntil calls cond every 50ms until it returns true, failing the test with
// what status says if ctx ends first.
func waitUntil(t *testing.T, ctx context.Context, what string, cond func() bool, status func() string) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v; %s", what, ctx.Err(), status())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// settled returns nil if g is Stable with exactly the members ms, which
// between them are assigned every partition of topic once, each owning
// (by its own callbacks) just what g says it is assigned.
func settled(g kadm.DescribedGroup, topic string, ms ...*groupMember) error {
	if g.State != "Stable" || len(g.Members) != len(ms) {
		return fmt.Errorf("state %q with %d members, want Stable with %d", g.State, len(g.Members), len(ms))
	}
	described := make(map[string][]int32)
	var all []int32
	for _, m := range g.Members {
		c, ok := m.Assigned.AsConsumer()
		if !ok {
			return fmt.Errorf("member %s (%s): assignment is not a consumer assignment", m.MemberID, m.ClientID)
		}
		for _, tp := range c.Topics {
			if tp.Topic != topic {
				return fmt.Errorf("member %s (%s) assigned %s%v", m.MemberID, m.ClientID, tp.Topic, tp.Partitions)
			}
			described[m.ClientID] = append(described[m.ClientID], tp.Partitions...)
			all = append(all, tp.Partitions...)
		}
	}
	slices.Sort(all)
	if !slices.Equal(all, []int32{0, 1, 2}) {
		return fmt.Errorf("partitions assigned %v, want each of 0, 1, 2 once (%v)", all, described)
	}
	for _, m := range ms {
		_, owned, _ := m.snapshot()
		d := described[m.name]
		slices.Sort(d)
		if len(d) == 0 || !slices.Equal(owned, d) {
			return fmt.Errorf("%s owns %v, described as assigned %v", m.name, owned, d)
		}
	}
	return nil
}

// TestFranzGroupTwoMembers runs two members over a three-partition topic: the
// first consumes a first batch alone, the second joins (a rebalance), and
// between them they consume every record of both batches exactly once.
func TestFranzGroupTwoMembers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	adm := kadm.NewClient(newClient(t, addr))
	const topic, group, n = "franz-group-two", "franz-group-two", 150
	createTopic(t, ctx, adm, 3, topic)

	status := func(ms ...*groupMember) func() string {
		return func() string {
			var b strings.Builder
			for _, m := range ms {
				recs, owned, _ := m.snapshot()
				fmt.Fprintf(&b, "%s: %d records, owns %v; ", m.name, len(recs), owned)
			}
			return b.String()
		}
	}

	produced := produceSpread(t, ctx, addr, topic, "first", 0, n, 3)
	a := startMember(t, ctx, addr, group, topic, "member-a")
	waitUntil(t, ctx, "member-a to consume the first batch", func() bool {
		a.checkErrs(t)
		recs, _, _ := a.snapshot()
		return len(recs) >= n
	}, status(a))

	b := startMember(t, ctx, addr, group, topic, "member-b")
	// Wait until the group has settled with a share for each: with the
	// cooperative-sticky balancer that takes two rebalances (a gives up a
	// partition, then b gets it). What the members were given (their
	// OnPartitions callbacks) must be what the broker describes.
	var lastDescribed kadm.DescribedGroup
	waitUntil(t, ctx, "both members to own partitions", func() bool {
		a.checkErrs(t)
		b.checkErrs(t)
		lastDescribed = describeGroup(t, ctx, adm, group)
		return settled(lastDescribed, topic, a, b) == nil
	}, func() string { return fmt.Sprintf("%s group %+v", status(a, b)(), lastDescribed) })

	produced = append(produced, produceSpread(t, ctx, addr, topic, "second", n, n, 3)...)
	waitUntil(t, ctx, "the members to consume both batches", func() bool {
		a.checkErrs(t)
		b.checkErrs(t)
		ar, _, _ := a.snapshot()
		br, _, _ := b.snapshot()
		return len(ar)+len(br) >= 2*n
	}, status(a, b))
	time.Sleep(300 * time.Millisecond) // for any duplicate to show up

	if err := settled(describeGroup(t, ctx, adm, group), topic, a, b); err != nil {
		t.Errorf("group at the end: %v", err)
	}

	a.halt()
	b.halt()
	ar, ao, aerrs := a.snapshot()
	br, bo, berrs := b.snapshot()
	for _, err := range append(aerrs, berrs...) {
		t.Errorf("member error: %v", err)
	}
	t.Logf("member-a: %d records, owns %v; member-b: %d records, owns %v", len(ar), ao, len(br), bo)
	checkRecs(t, "both members together", append(recsOf(ar), recsOf(br)...), recsOf(produced))
	if len(ar) <= n {
		t.Errorf("member-a consumed %d records, none of the second batch (it should have kept partitions)", len(ar))
	}
	for _, r := range br {
		if !strings.HasPrefix(string(r.Key), "second-") {
			t.Errorf("member-b got %v from the first batch, which member-a had consumed and committed", recOf(r))
			break
		}
	}
	if len(br) == 0 {
		t.Errorf("member-b consumed nothing")
	}
}
