package interop

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// groupConsumer runs a franz-go group consumer of topic in group until
// stop is called, recording every value it receives and committing after
// each poll.
type groupConsumer struct {
	cl   *kgo.Client
	mu   sync.Mutex
	seen map[string]int
	done chan struct{}
	stop func()
}

func startGroupConsumer(t *testing.T, addr, group, topic string) *groupConsumer {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(addr),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.HeartbeatInterval(300*time.Millisecond),
		kgo.FetchMaxWait(200*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &groupConsumer{cl: cl, seen: map[string]int{}, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			fs.EachRecord(func(r *kgo.Record) {
				c.mu.Lock()
				c.seen[string(r.Value)]++
				c.mu.Unlock()
			})
			if err := cl.CommitUncommittedOffsets(ctx); err != nil && ctx.Err() == nil {
				t.Errorf("commit: %v", err)
			}
		}
	}()
	c.stop = sync.OnceFunc(func() {
		cancel()
		<-c.done
		cl.Close() // leaves the group
	})
	t.Cleanup(c.stop)
	return c
}

func (c *groupConsumer) values() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]int, len(c.seen))
	for k, v := range c.seen {
		m[k] = v
	}
	return m
}

// waitFor polls cond every 50ms until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func produceValues(t *testing.T, ctx context.Context, cl *kgo.Client, topic, prefix string, n int) []string {
	t.Helper()
	var rs []*kgo.Record
	var values []string
	for i := range n {
		v := fmt.Sprintf("%s-%d", prefix, i)
		values = append(values, v)
		rs = append(rs, &kgo.Record{Topic: topic, Key: []byte(v), Value: []byte(v)})
	}
	produceSync(t, ctx, cl, rs...)
	return values
}

// TestFranzConsumerGroup runs franz-go group consumers (cooperative-sticky
// assignor, manual commits) against the coordinator: two members split a
// topic between them, one leaves and the other takes over its partitions,
// and after a broker restart a new member resumes from the committed
// offsets instead of from the start.
func TestFranzConsumerGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	const topic, group = "orders", "order-processors"

	addr, stop := startBroker(t, dir)
	producer := newClient(t, addr)
	adm := kadm.NewClient(producer)
	createTopic(t, ctx, adm, 4, topic)
	first := produceValues(t, ctx, producer, topic, "first", 400)

	a := startGroupConsumer(t, addr, group, topic)
	b := startGroupConsumer(t, addr, group, topic)
	waitFor(t, ctx, "both members to have records and the group to be stable", func() bool {
		va, vb := a.values(), b.values()
		if len(va) == 0 || len(vb) == 0 {
			return false
		}
		for _, v := range first {
			if va[v]+vb[v] == 0 {
				return false
			}
		}
		described, err := adm.DescribeGroups(ctx, group)
		if err != nil {
			return false
		}
		g := described[group]
		return g.State == "Stable" && len(g.Members) == 2 && len(g.AssignedPartitions()[topic]) == 4
	})
	waitFor(t, ctx, "all 400 offsets committed", func() bool {
		offsets, err := adm.FetchOffsets(ctx, group)
		if err != nil || offsets.Error() != nil {
			return false
		}
		var sum int64
		for p := int32(0); p < 4; p++ {
			o, _ := offsets.Lookup(topic, p)
			sum += o.At
		}
		return sum == int64(len(first))
	})

	// a leaves; b takes over all four partitions.
	a.stop()
	second := produceValues(t, ctx, producer, topic, "second", 100)
	waitFor(t, ctx, "b to receive every record produced after a left", func() bool {
		vb := b.values()
		for _, v := range second {
			if vb[v] == 0 {
				return false
			}
		}
		return true
	})
	waitFor(t, ctx, "all 500 offsets committed", func() bool {
		offsets, err := adm.FetchOffsets(ctx, group)
		if err != nil || offsets.Error() != nil {
			return false
		}
		var sum int64
		for p := int32(0); p < 4; p++ {
			o, _ := offsets.Lookup(topic, p)
			sum += o.At
		}
		return sum == 500
	})
	b.stop()
	stop()

	// After a restart, a new member starts where the group left off.
	addr, _ = startBroker(t, dir)
	producer = newClient(t, addr)
	third := produceValues(t, ctx, producer, topic, "third", 50)
	c := startGroupConsumer(t, addr, group, topic)
	waitFor(t, ctx, "the new member to receive the records produced after the restart", func() bool {
		vc := c.values()
		for _, v := range third {
			if vc[v] == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(300 * time.Millisecond) // anything older would arrive with them
	for v := range c.values() {
		if len(v) < 6 || v[:6] != "third-" {
			t.Errorf("after restart the group consumed %q again: its committed offsets were lost", v)
		}
	}
}

// TestKcatConsumerGroup consumes with librdkafka's group consumer (kcat -G)
// twice, across a broker restart: the second run gets only what was
// produced after the first, because the first committed its offsets when
// it left.
func TestKcatConsumerGroup(t *testing.T) {
	requireTool(t, "kcat")
	dir := t.TempDir()
	const topic, group = "kcat-group", "kcat-readers"
	consume := func(addr string) string {
		// auto.offset.reset=earliest for a group without offsets; -o
		// would override the committed ones.
		return kcat(t, "", "-b", addr, "-G", group, topic, "-X", "auto.offset.reset=earliest", "-e", "-q", "-f", `%s\n`)
	}

	addr, stop := startBroker(t, dir)
	kcat(t, "a\nb\nc\n", "-b", addr, "-P", "-t", topic)
	if got := consume(addr); got != "a\nb\nc\n" {
		t.Errorf("first group read: %q, want a b c", got)
	}
	stop()

	addr, _ = startBroker(t, dir)
	kcat(t, "d\ne\n", "-b", addr, "-P", "-t", topic)
	if got := consume(addr); got != "d\ne\n" {
		t.Errorf("group read after a restart: %q, want only d e", got)
	}
}
