package interop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kadm"
)

// kafkaGoLoggers returns loggers that send kafka-go's logs to t.Log.
func kafkaGoLoggers(t *testing.T, name string) (info, errs kafka.Logger) {
	w := clientLog(t, "kafka-go "+name+": ")
	logf := func(prefix string) kafka.LoggerFunc {
		return func(format string, args ...any) {
			w.Write([]byte(prefix + strings.TrimSpace(fmt.Sprintf(format, args...))))
		}
	}
	return logf(""), logf("ERROR ")
}

// TestKafkaGoConsumerGroup produces with a Writer to two partitions, reads
// everything with a group Reader (FetchMessage, then CommitMessages), then
// produces more and checks that a new Reader in the same group reads only
// the new messages, continuing each partition's offsets.
func TestKafkaGoConsumerGroup(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	const topic, group, n, m = "kafka-go-group", "kafka-go-group", 40, 10
	createTopic(t, ctx, kadm.NewClient(newClient(t, addr)), 2, topic)

	info, errl := kafkaGoLoggers(t, "writer")
	w := &kafka.Writer{
		Addr:         kafka.TCP(addr),
		Topic:        topic,
		Balancer:     &kafka.Hash{},
		RequiredAcks: kafka.RequireAll,
		BatchTimeout: 10 * time.Millisecond,
		Logger:       info,
		ErrorLogger:  errl,
	}
	defer w.Close()
	produce := func(from, count int) map[string]string {
		t.Helper()
		msgs := make([]kafka.Message, count)
		want := make(map[string]string, count)
		for i := range msgs {
			k, v := fmt.Sprintf("key-%d", from+i), fmt.Sprintf("value-%d", from+i)
			msgs[i] = kafka.Message{Key: []byte(k), Value: []byte(v)}
			want[k] = v
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			t.Fatalf("WriteMessages: %v", err)
		}
		return want
	}

	first := produce(0, n)
	got := kafkaGoRead(t, ctx, addr, group, topic, n, true)
	checkKafkaGo(t, "first reader", got, first, nil)
	ends := make(map[int]int64)
	for _, msg := range got {
		ends[msg.Partition] = max(ends[msg.Partition], msg.Offset+1)
	}
	if len(ends) != 2 {
		t.Errorf("the hash balancer put %d keys in %d partitions (%v), want both", n, len(ends), ends)
	}

	second := produce(n, m)
	got = kafkaGoRead(t, ctx, addr, group, topic, m, false)
	checkKafkaGo(t, "second reader (after the commit)", got, second, ends)
}

// kafkaGoRead reads want messages with a new group Reader, then makes sure
// no more arrive within half a second; if commit is set it commits the
// messages with CommitMessages before closing the Reader.
func kafkaGoRead(t *testing.T, ctx context.Context, addr, group, topic string, want int, commit bool) []kafka.Message {
	t.Helper()
	info, errl := kafkaGoLoggers(t, "reader")
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers:           []string{addr},
		GroupID:           group,
		Topic:             topic,
		StartOffset:       kafka.FirstOffset,
		MaxWait:           200 * time.Millisecond,
		HeartbeatInterval: 500 * time.Millisecond,
		JoinGroupBackoff:  500 * time.Millisecond,
		ReadBackoffMin:    50 * time.Millisecond,
		ReadBackoffMax:    200 * time.Millisecond,
		Logger:            info,
		ErrorLogger:       errl,
	})
	defer func() {
		if err := r.Close(); err != nil {
			t.Errorf("Reader.Close: %v", err)
		}
	}()

	var got []kafka.Message
	for len(got) < want {
		msg, err := r.FetchMessage(ctx)
		if err != nil {
			t.Fatalf("FetchMessage: got %d of %d messages, then %v (reader stats %+v)", len(got), want, err, r.Stats())
		}
		got = append(got, msg)
	}
	if commit {
		if err := r.CommitMessages(ctx, got...); err != nil {
			t.Fatalf("CommitMessages: %v", err)
		}
	}
	for {
		fctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		msg, err := r.FetchMessage(fctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			return got
		}
		if err != nil {
			t.Fatalf("FetchMessage after the last expected message: %v", err)
		}
		got = append(got, msg) // checkKafkaGo reports it

	}
}

// checkKafkaGo fails the test unless got holds exactly the key/value pairs
// of want, each once, and each partition's offsets run on from next (0 if
// absent) without a gap.
func checkKafkaGo(t *testing.T, what string, got []kafka.Message, want map[string]string, next map[int]int64) {
	t.Helper()
	seen := make(map[string]bool)
	var bad []string
	for _, msg := range got {
		k := string(msg.Key)
		switch v, ok := want[k]; {
		case !ok:
			bad = append(bad, fmt.Sprintf("unexpected %d/%d %s=%s", msg.Partition, msg.Offset, msg.Key, msg.Value))
		case seen[k]:
			bad = append(bad, fmt.Sprintf("%s again at %d/%d", k, msg.Partition, msg.Offset))
		case string(msg.Value) != v:
			bad = append(bad, fmt.Sprintf("%s=%s, want value %s", k, msg.Value, v))
		}
		seen[k] = true
	}
	for k := range want {
		if !seen[k] {
			bad = append(bad, "never got "+k)
		}
	}
	if len(bad) > 0 {
		more := ""
		if len(bad) > 10 {
			bad, more = bad[:10], fmt.Sprintf("\n... and %d more", len(bad)-10)
		}
		t.Errorf("%s: got %d messages, want %d:\n%s%s", what, len(got), len(want), strings.Join(bad, "\n"), more)
	}
	nexts := maps.Clone(next)
	if nexts == nil {
		nexts = make(map[int]int64)
	}
	for _, msg := range got {
		if msg.Offset != nexts[msg.Partition] {
			t.Errorf("%s: partition %d gave offset %d, want %d", what, msg.Partition, msg.Offset, nexts[msg.Partition])
		}
		nexts[msg.Partition] = msg.Offset + 1
	}
}

// TestKafkaGoClientAdmin calls the admin methods of kafka-go's Client:
// Fetch (which sends SessionId -1, SessionEpoch -1, once refused),
// ElectLeaders, Alter- and ListPartitionReassignments, and Alter- and
// DescribeClientQuotas.
func TestKafkaGoClientAdmin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	const topic = "kafka-go-admin"
	createTopic(t, ctx, kadm.NewClient(newClient(t, addr)), 2, topic)
	c := &kafka.Client{Addr: kafka.TCP(addr), Timeout: 10 * time.Second}
	if _, err := c.Produce(ctx, &kafka.ProduceRequest{Topic: topic, Partition: 0, RequiredAcks: kafka.RequireAll,
		Records: kafka.NewRecordReader(kafka.Record{Value: kafka.NewBytes([]byte("hello"))})}); err != nil {
		t.Fatalf("Produce: %v", err)
	}

	fetched, err := c.Fetch(ctx, &kafka.FetchRequest{Topic: topic, Partition: 0, Offset: 0, MaxBytes: 1 << 20})
	if err != nil || fetched.Error != nil {
		t.Fatalf("Fetch: %v, %v", err, fetched.Error)
	}
	rec, err := fetched.Records.ReadRecord()
	if err != nil || fetched.HighWatermark != 1 {
		t.Fatalf("Fetch: high watermark %d, first record %v", fetched.HighWatermark, err)
	}
	if v, _ := io.ReadAll(rec.Value); string(v) != "hello" {
		t.Errorf("fetched %q, want hello", v)
	}

	elected, err := c.ElectLeaders(ctx, &kafka.ElectLeadersRequest{Topic: topic, Partitions: []int{0, 1}})
	if err != nil || elected.Error != nil || len(elected.PartitionResults) != 2 {
		t.Fatalf("ElectLeaders: %v %+v", err, elected)
	}
	for _, r := range elected.PartitionResults {
		if !errors.Is(r.Error, kafka.ElectionNotNeeded) {
			t.Errorf("ElectLeaders partition %d: %v, want ElectionNotNeeded", r.Partition, r.Error)
		}
	}

	moved, err := c.AlterPartitionReassignments(ctx, &kafka.AlterPartitionReassignmentsRequest{Topic: topic, Assignments: []kafka.AlterPartitionReassignmentsRequestAssignment{
		{PartitionID: 0, BrokerIDs: []int{0}},
		{PartitionID: 1, BrokerIDs: []int{0, 7}},
	}})
	if err != nil || moved.Error != nil || len(moved.PartitionResults) != 2 {
		t.Fatalf("AlterPartitionReassignments: %v %+v", err, moved)
	}
	for _, r := range moved.PartitionResults {
		want := error(nil)
		if r.PartitionID == 1 {
			want = kafka.InvalidReplicaAssignment
		}
		if !errors.Is(r.Error, want) && r.Error != want {
			t.Errorf("reassign partition %d: %v, want %v", r.PartitionID, r.Error, want)
		}
	}
	listed, err := c.ListPartitionReassignments(ctx, &kafka.ListPartitionReassignmentsRequest{Topics: map[string]kafka.ListPartitionReassignmentsRequestTopic{topic: {PartitionIndexes: []int{0, 1}}}})
	if err != nil || listed.Error != nil || len(listed.Topics) != 0 {
		t.Errorf("ListPartitionReassignments: %v %+v, want none", err, listed)
	}

	altered, err := c.AlterClientQuotas(ctx, &kafka.AlterClientQuotasRequest{Entries: []kafka.AlterClientQuotaEntry{{
		Entities: []kafka.AlterClientQuotaEntity{{EntityType: "client-id", EntityName: "kafka-go"}},
		Ops:      []kafka.AlterClientQuotaOps{{Key: "consumer_byte_rate", Value: 4096}},
	}}})
	if err != nil || len(altered.Entries) != 1 || altered.Entries[0].Error != nil {
		t.Fatalf("AlterClientQuotas: %v %+v", err, altered)
	}
	described, err := c.DescribeClientQuotas(ctx, &kafka.DescribeClientQuotasRequest{Components: []kafka.DescribeClientQuotasRequestComponent{
		{EntityType: "client-id", MatchType: 0, Match: "kafka-go"},
	}})
	if err != nil || described.Error != nil || len(described.Entries) != 1 {
		t.Fatalf("DescribeClientQuotas: %v %+v", err, described)
	}
	if vs := described.Entries[0].Values; len(vs) != 1 || vs[0].Key != "consumer_byte_rate" || vs[0].Value != 4096 {
		t.Errorf("described values %+v", vs)
	}
}
