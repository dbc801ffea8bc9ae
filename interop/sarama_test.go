package interop

import (
	"context"
	"errors"
	"fmt"
	"log"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kadm"
)

// saramaLogs sends sarama's (global) logger to t.Log for this test.
func saramaLogs(t *testing.T) {
	sarama.Logger = log.New(clientLog(t, "sarama: "), "", log.Lmicroseconds)
}

// TestSaramaConsumerGroup runs the group test at the newest Kafka version
// sarama knows, at 3.6, and at sarama's default.
func TestSaramaConsumerGroup(t *testing.T) {
	for _, v := range []sarama.KafkaVersion{sarama.MaxVersion, sarama.V3_6_0_0, sarama.DefaultVersion} {
		t.Run(v.String(), func(t *testing.T) { testSaramaConsumerGroup(t, v) })
	}
}

// testSaramaConsumerGroup produces with a SyncProducer to two partitions,
// consumes everything in a ConsumerGroup that marks each message and commits,
// then produces more and checks that a second ConsumerGroup in the same
// group gets only the new messages.
func testSaramaConsumerGroup(t *testing.T, version sarama.KafkaVersion) {
	saramaLogs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	const topic, group, n, m = "sarama-group", "sarama-group", 40, 10
	createTopic(t, ctx, kadm.NewClient(newClient(t, addr)), 2, topic)

	cfg := sarama.NewConfig()
	cfg.Version = version
	cfg.ClientID = "interop-sarama"
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForAll
	cfg.Consumer.Return.Errors = true
	cfg.Consumer.MaxWaitTime = 200 * time.Millisecond
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	cfg.Consumer.Group.Heartbeat.Interval = 500 * time.Millisecond
	cfg.Consumer.Group.Rebalance.Retry.Backoff = 200 * time.Millisecond

	produce := func(from, count int) []rec {
		t.Helper()
		p, err := sarama.NewSyncProducer([]string{addr}, cfg)
		if err != nil {
			t.Fatalf("sarama.NewSyncProducer: %v", err)
		}
		defer p.Close()
		msgs := make([]*sarama.ProducerMessage, count)
		for i := range msgs {
			msgs[i] = &sarama.ProducerMessage{
				Topic: topic,
				Key:   sarama.StringEncoder(fmt.Sprintf("key-%d", from+i)),
				Value: sarama.StringEncoder(fmt.Sprintf("value-%d", from+i)),
			}
		}
		if err := p.SendMessages(msgs); err != nil {
			var perrs sarama.ProducerErrors
			if errors.As(err, &perrs) && len(perrs) > 0 {
				t.Fatalf("SendMessages: %d errors, the first: %v", len(perrs), perrs[0].Err)
			}
			t.Fatalf("SendMessages: %v", err)
		}
		rs := make([]rec, count)
		for i, msg := range msgs {
			rs[i] = rec{msg.Partition, msg.Offset, fmt.Sprintf("key-%d", from+i), fmt.Sprintf("value-%d", from+i)}
		}
		return rs
	}

	first := produce(0, n)
	ends := make(map[int32]int64)
	for _, r := range first {
		ends[r.partition] = max(ends[r.partition], r.offset+1)
	}
	if len(ends) != 2 {
		t.Fatalf("the hash partitioner put %d keys in %d partitions (%v), want both", n, len(ends), ends)
	}

	got := saramaConsume(t, ctx, addr, group, topic, cfg, n)
	checkRecs(t, "first consumer group", got, first)

	admin, err := sarama.NewClusterAdmin([]string{addr}, cfg)
	if err != nil {
		t.Fatalf("sarama.NewClusterAdmin: %v", err)
	}
	defer admin.Close()
	offsets, err := admin.ListConsumerGroupOffsets(group, map[string][]int32{topic: {0, 1}})
	if err != nil {
		t.Fatalf("ListConsumerGroupOffsets: %v", err)
	}
	committed := make(map[int32]int64)
	for p := range int32(2) {
		b := offsets.GetBlock(topic, p)
		if b == nil || b.Err != sarama.ErrNoError {
			t.Errorf("ListConsumerGroupOffsets: partition %d: %+v", p, b)
			continue
		}
		committed[p] = b.Offset
	}
	if !maps.Equal(committed, ends) {
		t.Errorf("committed offsets %v, want the end offsets %v", committed, ends)
	}

	second := produce(n, m)
	got = saramaConsume(t, ctx, addr, group, topic, cfg, m)
	checkRecs(t, "second consumer group (after the commit)", got, second)
}

// saramaConsume runs a ConsumerGroup until it has received want messages,
// marking each; then it commits, waits a little for any extra message, and
// closes the group. It returns every message received.
func saramaConsume(t *testing.T, ctx context.Context, addr, group, topic string, cfg *sarama.Config, want int) []rec {
	t.Helper()
	failedBefore := t.Failed()
	cg, err := sarama.NewConsumerGroup([]string{addr}, group, cfg)
	if err != nil {
		t.Fatalf("sarama.NewConsumerGroup: %v", err)
	}
	errsDone := make(chan struct{})
	go func() {
		defer close(errsDone)
		for err := range cg.Errors() {
			t.Errorf("consumer group error: %v", err)
		}
	}()

	h := &saramaHandler{want: want, done: make(chan struct{})}
	cctx, stop := context.WithCancel(ctx)
	defer stop()
	consumed := make(chan error, 1)
	go func() {
		for {
			// Consume returns at the end of each session (a rebalance);
			// join again until told to stop.
			if err := cg.Consume(cctx, []string{topic}, h); err != nil {
				consumed <- err
				return
			}
			if cctx.Err() != nil {
				consumed <- nil
				return
			}
		}
	}()

	returned := false
	select {
	case <-h.done:
		time.Sleep(300 * time.Millisecond) // for any extra message to show up
	case err = <-consumed:
		returned = true
	case <-ctx.Done():
		t.Errorf("consumer group received %d of %d messages before %v", len(h.received()), want, ctx.Err())
	}
	stop()
	if !returned {
		select {
		case err = <-consumed:
		case <-time.After(10 * time.Second):
			t.Errorf("Consume did not return within 10s of its context's end")
		}
	}
	if err != nil {
		t.Errorf("Consume: %v (after %d of %d messages)", err, len(h.received()), want)
	}
	if err := cg.Close(); err != nil {
		t.Errorf("ConsumerGroup.Close: %v", err)
	}
	<-errsDone
	if t.Failed() && !failedBefore {
		t.FailNow()
	}
	return h.received()
}

// saramaHandler marks each message it receives; once it has received want
// of them it commits and closes done.
type saramaHandler struct {
	want int
	done chan struct{}

	mu   sync.Mutex
	got  []rec
	once sync.Once
}

func (h *saramaHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *saramaHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }

func (h *saramaHandler) ConsumeClaim(sess sarama.ConsumerGroupSession, claim sarama.ConsumerGroupClaim) error {
	for {
		select {
		case msg, ok := <-claim.Messages():
			if !ok {
				return nil
			}
			sess.MarkMessage(msg, "")
			h.mu.Lock()
			h.got = append(h.got, rec{msg.Partition, msg.Offset, string(msg.Key), string(msg.Value)})
			n := len(h.got)
			h.mu.Unlock()
			// Every message counted so far has been marked, so this
			// commits all of them.
			if n == h.want {
				sess.Commit()
				h.once.Do(func() { close(h.done) })
			}
		case <-sess.Context().Done():
			return nil
		}
	}
}

func (h *saramaHandler) received() []rec {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]rec(nil), h.got...)
}
