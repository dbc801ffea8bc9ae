//go:build cgo

// Tests with confluent-kafka-go v2, which links the static librdkafka of
// its own release (2.11.1 here) through cgo. Debian's librdkafka, under
// kcat and the Python client, is 2.0.2 from 2023; current librdkafka is
// stricter about what brokers answer and sends requests the old one did
// not (a Metadata v12 request with three bytes after its body, an empty
// topic regex in every KIP-848 heartbeat), so it is tested here as well.
package interop

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"

	broker "kafka"
)

// confluentConfig is a client config for the broker at addr.
func confluentConfig(addr string, extra kafka.ConfigMap) *kafka.ConfigMap {
	cm := kafka.ConfigMap{
		"bootstrap.servers":     addr,
		"broker.address.family": "v4",
	}
	for k, v := range extra {
		cm[k] = v
	}
	return &cm
}

// withLogs adds to a producer's or consumer's config that librdkafka's
// log lines come to Go, for drainLogs; AdminClient has no such channel.
func withLogs(cm kafka.ConfigMap) kafka.ConfigMap {
	out := kafka.ConfigMap{"go.logs.channel.enable": true}
	for k, v := range cm {
		out[k] = v
	}
	return out
}

// drainLogs sends a client's librdkafka log lines to the test log until the
// test ends.
func drainLogs(t *testing.T, prefix string, logs chan kafka.LogEvent) {
	w := clientLog(t, prefix)
	go func() {
		for e := range logs {
			fmt.Fprintf(w, "%s %s: %s", e.Name, e.Tag, e.Message)
		}
	}()
}

func newConfluentProducer(t *testing.T, addr string, extra kafka.ConfigMap) *kafka.Producer {
	t.Helper()
	p, err := kafka.NewProducer(confluentConfig(addr, withLogs(extra)))
	if err != nil {
		t.Fatalf("NewProducer: %v", err)
	}
	drainLogs(t, "librdkafka producer: ", p.Logs())
	t.Cleanup(func() { closeWithin(t, "producer", p.Close) })
	return p
}

func newConfluentConsumer(t *testing.T, addr string, extra kafka.ConfigMap) *kafka.Consumer {
	t.Helper()
	c, err := kafka.NewConsumer(confluentConfig(addr, withLogs(extra)))
	if err != nil {
		t.Fatalf("NewConsumer: %v", err)
	}
	drainLogs(t, "librdkafka consumer: ", c.Logs())
	t.Cleanup(func() { closeWithin(t, "consumer", func() { c.Close() }) })
	return c
}

func newConfluentAdmin(t *testing.T, addr string) *kafka.AdminClient {
	t.Helper()
	a, err := kafka.NewAdminClient(confluentConfig(addr, nil))
	if err != nil {
		t.Fatalf("NewAdminClient: %v", err)
	}
	t.Cleanup(func() { closeWithin(t, "admin client", a.Close) })
	return a
}

// closeWithin closes a client, but gives up after 10s: librdkafka's
// consumer close can wait for ever on a group in a fatal state, and a
// broker bug must fail the test, not hang the suite. The client is leaked.
func closeWithin(t *testing.T, what string, close func()) {
	done := make(chan struct{})
	go func() {
		close()
		done <- struct{}{}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Errorf("closing the %s took more than 10s; left it", what)
	}
}

// confluentCreateTopic creates a topic with AdminClient.CreateTopics.
func confluentCreateTopic(t *testing.T, ctx context.Context, a *kafka.AdminClient, topic string, partitions int, configs map[string]string) {
	t.Helper()
	res, err := a.CreateTopics(ctx, []kafka.TopicSpecification{{Topic: topic, NumPartitions: partitions, ReplicationFactor: 1, Config: configs}})
	if err != nil {
		t.Fatalf("CreateTopics %s: %v", topic, err)
	}
	if len(res) != 1 || res[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("CreateTopics %s: %v", topic, res)
	}
}

// produceConfluent produces the values, in order, to one partition of
// topic and waits for every delivery report.
func produceConfluent(t *testing.T, p *kafka.Producer, topic string, partition int32, values ...string) {
	t.Helper()
	reports := make(chan kafka.Event, len(values))
	for _, v := range values {
		err := p.Produce(&kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: partition},
			Key:            []byte("k-" + v),
			Value:          []byte(v),
			Headers:        []kafka.Header{{Key: "h", Value: []byte(v)}},
		}, reports)
		if err != nil {
			t.Fatalf("Produce %s: %v", v, err)
		}
	}
	for range values {
		select {
		case e := <-reports:
			if m, ok := e.(*kafka.Message); !ok || m.TopicPartition.Error != nil {
				t.Fatalf("delivery report: %v", e)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("no delivery report within 20s")
		}
	}
}

// consumeConfluent reads until it has n messages, failing after 30s.
func consumeConfluent(t *testing.T, c *kafka.Consumer, n int) []*kafka.Message {
	t.Helper()
	var got []*kafka.Message
	deadline := time.Now().Add(30 * time.Second)
	for len(got) < n && time.Now().Before(deadline) {
		m, err := c.ReadMessage(500 * time.Millisecond)
		if err != nil {
			if kerr, ok := err.(kafka.Error); ok && kerr.IsTimeout() {
				continue
			}
			t.Fatalf("ReadMessage after %d messages: %v", len(got), err)
		}
		got = append(got, m)
	}
	if len(got) < n {
		t.Fatalf("read %d messages in 30s, want %d", len(got), n)
	}
	return got
}

// confluentValues lists the values of messages, sorted by partition and offset.
func confluentValues(ms []*kafka.Message) []string {
	ms = slices.Clone(ms)
	slices.SortFunc(ms, func(a, b *kafka.Message) int {
		if a.TopicPartition.Partition != b.TopicPartition.Partition {
			return int(a.TopicPartition.Partition - b.TopicPartition.Partition)
		}
		return int(a.TopicPartition.Offset - b.TopicPartition.Offset)
	})
	var vs []string
	for _, m := range ms {
		vs = append(vs, string(m.Value))
	}
	return vs
}

// TestConfluentGoProduceConsume produces to two partitions, lists all topics
// (the Metadata v12 request with trailing bytes, librdkafka #5049) and
// reads everything back in a classic group, keys and headers included.
func TestConfluentGoProduceConsume(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	confluentCreateTopic(t, ctx, newConfluentAdmin(t, addr), "rdk", 2, nil)

	p := newConfluentProducer(t, addr, kafka.ConfigMap{"linger.ms": 5})
	produceConfluent(t, p, "rdk", 0, "a", "b", "c")
	produceConfluent(t, p, "rdk", 1, "d", "e")

	md, err := p.GetMetadata(nil, true, 10000)
	if err != nil {
		t.Fatalf("GetMetadata of all topics: %v", err)
	}
	if tm, ok := md.Topics["rdk"]; !ok || len(tm.Partitions) != 2 {
		t.Fatalf("GetMetadata of all topics: %v, want rdk with 2 partitions", md.Topics)
	}

	c := newConfluentConsumer(t, addr, kafka.ConfigMap{"group.id": "rdk-classic", "auto.offset.reset": "earliest"})
	if err := c.SubscribeTopics([]string{"rdk"}, nil); err != nil {
		t.Fatal(err)
	}
	got := consumeConfluent(t, c, 5)
	if vs := confluentValues(got); !slices.Equal(vs, []string{"a", "b", "c", "d", "e"}) {
		t.Fatalf("consumed %v", vs)
	}
	for _, m := range got {
		v := string(m.Value)
		if string(m.Key) != "k-"+v || len(m.Headers) != 1 || string(m.Headers[0].Value) != v {
			t.Errorf("message %s: key %q headers %v", v, m.Key, m.Headers)
		}
	}
}

// TestConfluentGoKIP848Consumer joins a consumer group with
// group.protocol=consumer, whose heartbeats carry an empty topic regex,
// consumes, commits, and checks the group as AdminClient describes it.
func TestConfluentGoKIP848Consumer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr, _ := startBrokerWith(t, t.TempDir(), broker.Config{ConsumerHeartbeatInterval: 500 * time.Millisecond})
	a := newConfluentAdmin(t, addr)
	confluentCreateTopic(t, ctx, a, "rdk848", 3, nil)
	p := newConfluentProducer(t, addr, nil)
	for i := range int32(3) {
		produceConfluent(t, p, "rdk848", i, fmt.Sprintf("p%d-0", i), fmt.Sprintf("p%d-1", i))
	}

	c := newConfluentConsumer(t, addr, kafka.ConfigMap{
		"group.id":           "rdk-848",
		"group.protocol":     "consumer",
		"auto.offset.reset":  "earliest",
		"enable.auto.commit": false,
	})
	if err := c.SubscribeTopics([]string{"rdk848"}, nil); err != nil {
		t.Fatal(err)
	}
	got := consumeConfluent(t, c, 6)
	if vs := confluentValues(got); len(vs) != 6 || vs[0] != "p0-0" || vs[5] != "p2-1" {
		t.Fatalf("consumed %v", vs)
	}
	if _, err := c.Commit(); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	committed, err := c.Committed([]kafka.TopicPartition{{Topic: ptr("rdk848"), Partition: 0}, {Topic: ptr("rdk848"), Partition: 2}}, 10000)
	if err != nil || len(committed) != 2 || committed[0].Offset != 2 || committed[1].Offset != 2 {
		t.Fatalf("Committed: %v, %v; want offset 2 in both", committed, err)
	}

	res, err := a.DescribeConsumerGroups(ctx, []string{"rdk-848"}, kafka.SetAdminOptionIncludeAuthorizedOperations(true))
	if err != nil || len(res.ConsumerGroupDescriptions) != 1 {
		t.Fatalf("DescribeConsumerGroups: %v, %v", res, err)
	}
	g := res.ConsumerGroupDescriptions[0]
	if g.Error.Code() != kafka.ErrNoError || g.Type != kafka.ConsumerGroupTypeConsumer || g.State != kafka.ConsumerGroupStateStable || len(g.Members) != 1 {
		t.Errorf("group: error %v, type %v, state %v, %d members; want a stable consumer group of 1", g.Error, g.Type, g.State, len(g.Members))
	}
	wantOps := []kafka.ACLOperation{kafka.ACLOperationRead, kafka.ACLOperationDelete, kafka.ACLOperationDescribe, kafka.ACLOperationDescribeConfigs, kafka.ACLOperationAlterConfigs}
	if !sameOps(g.AuthorizedOperations, wantOps) {
		t.Errorf("group authorized operations %v, want %v", g.AuthorizedOperations, wantOps)
	}

	// A group whose only consumer left without committing can be deleted,
	// as confluent-kafka-go's own DeleteConsumerGroups test expects: it
	// stays, Empty, until it is cleaned up.
	once := newConfluentConsumer(t, addr, kafka.ConfigMap{
		"group.id": "rdk-848-uncommitted", "group.protocol": "consumer",
		"auto.offset.reset": "earliest", "enable.auto.commit": false,
	})
	if err := once.SubscribeTopics([]string{"rdk848"}, nil); err != nil {
		t.Fatal(err)
	}
	consumeConfluent(t, once, 1)
	closeWithin(t, "consumer", func() { once.Close() })
	del, err := a.DeleteConsumerGroups(ctx, []string{"rdk-848-uncommitted"})
	if err != nil || len(del.ConsumerGroupResults) != 1 || del.ConsumerGroupResults[0].Error.Code() != kafka.ErrNoError {
		t.Errorf("DeleteConsumerGroups after the consumer closed: %v, %v; want success", del, err)
	}
}

// TestConfluentGoTransactions commits, aborts and commits transactions and
// reads the partition read_committed, which must never show an aborted
// record, and read_uncommitted, which shows them all.
func TestConfluentGoTransactions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	confluentCreateTopic(t, ctx, newConfluentAdmin(t, addr), "rdktx", 1, nil)

	p := newConfluentProducer(t, addr, kafka.ConfigMap{"transactional.id": "rdk-tx"})
	if err := p.InitTransactions(ctx); err != nil {
		t.Fatalf("InitTransactions: %v", err)
	}
	for _, txn := range []struct {
		values []string
		commit bool
	}{
		{[]string{"c1", "c2"}, true},
		{[]string{"aborted1", "aborted2"}, false},
		{[]string{"c3"}, true},
	} {
		if err := p.BeginTransaction(); err != nil {
			t.Fatalf("BeginTransaction: %v", err)
		}
		produceConfluent(t, p, "rdktx", 0, txn.values...)
		end := p.AbortTransaction
		if txn.commit {
			end = p.CommitTransaction
		}
		if err := end(ctx); err != nil {
			t.Fatalf("ending the transaction of %v (commit %v): %v", txn.values, txn.commit, err)
		}
	}

	committed := newConfluentConsumer(t, addr, kafka.ConfigMap{"group.id": "rdk-rc", "auto.offset.reset": "earliest", "isolation.level": "read_committed"})
	if err := committed.Assign([]kafka.TopicPartition{{Topic: ptr("rdktx"), Partition: 0, Offset: kafka.OffsetBeginning}}); err != nil {
		t.Fatal(err)
	}
	if vs := confluentValues(consumeConfluent(t, committed, 3)); !slices.Equal(vs, []string{"c1", "c2", "c3"}) {
		t.Fatalf("read_committed: %v", vs)
	}
	// Nothing else comes: in particular no aborted record.
	if m, err := committed.ReadMessage(time.Second); err == nil {
		t.Fatalf("read_committed read %q past the last committed record", m.Value)
	}

	uncommitted := newConfluentConsumer(t, addr, kafka.ConfigMap{"group.id": "rdk-ru", "auto.offset.reset": "earliest", "isolation.level": "read_uncommitted"})
	if err := uncommitted.Assign([]kafka.TopicPartition{{Topic: ptr("rdktx"), Partition: 0, Offset: kafka.OffsetBeginning}}); err != nil {
		t.Fatal(err)
	}
	if vs := confluentValues(consumeConfluent(t, uncommitted, 5)); !slices.Equal(vs, []string{"c1", "c2", "aborted1", "aborted2", "c3"}) {
		t.Fatalf("read_uncommitted: %v", vs)
	}
}

// TestConfluentGoAdmin creates a topic with configs and reads them back with
// DescribeConfigs, then describes the topic and the cluster with their
// authorized operations, which a broker without ACLs answers in full.
func TestConfluentGoAdmin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	a := newConfluentAdmin(t, addr)
	configs := map[string]string{
		"retention.ms": "3600000", "cleanup.policy": "compact,delete", "segment.bytes": "1048576",
		"compression.type": "gzip", "message.timestamp.type": "LogAppendTime", "segment.ms": "600000", "delete.retention.ms": "60000",
	}
	confluentCreateTopic(t, ctx, a, "rdkadmin", 3, configs)

	res, err := a.DescribeConfigs(ctx, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: "rdkadmin"}})
	if err != nil || len(res) != 1 || res[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("DescribeConfigs: %v, %v", res, err)
	}
	for name, want := range configs {
		e, ok := res[0].Config[name]
		if !ok || e.Value != want || e.Source != kafka.ConfigSourceDynamicTopic || e.IsDefault {
			t.Errorf("%s: %+v; want %s from the topic", name, e, want)
		}
	}
	if e := res[0].Config["retention.bytes"]; e.Value != "-1" || e.Source != kafka.ConfigSourceDefault {
		t.Errorf("retention.bytes: %+v; want the default -1", e)
	}

	topics, err := a.DescribeTopics(ctx, kafka.NewTopicCollectionOfTopicNames([]string{"rdkadmin"}), kafka.SetAdminOptionIncludeAuthorizedOperations(true))
	if err != nil || len(topics.TopicDescriptions) != 1 {
		t.Fatalf("DescribeTopics: %v, %v", topics, err)
	}
	td := topics.TopicDescriptions[0]
	if td.Error.Code() != kafka.ErrNoError || td.Name != "rdkadmin" || td.TopicID.String() == "" || len(td.Partitions) != 3 {
		t.Errorf("DescribeTopics: %+v", td)
	}
	for _, p := range td.Partitions {
		if p.Leader == nil || len(p.Replicas) != 1 || len(p.Isr) != 1 {
			t.Errorf("partition %d: leader %v, replicas %v, isr %v", p.Partition, p.Leader, p.Replicas, p.Isr)
		}
	}
	wantTopicOps := []kafka.ACLOperation{kafka.ACLOperationRead, kafka.ACLOperationWrite, kafka.ACLOperationCreate, kafka.ACLOperationDelete,
		kafka.ACLOperationAlter, kafka.ACLOperationDescribe, kafka.ACLOperationDescribeConfigs, kafka.ACLOperationAlterConfigs}
	if !sameOps(td.AuthorizedOperations, wantTopicOps) {
		t.Errorf("topic authorized operations %v, want %v", td.AuthorizedOperations, wantTopicOps)
	}

	cluster, err := a.DescribeCluster(ctx, kafka.SetAdminOptionIncludeAuthorizedOperations(true))
	if err != nil {
		t.Fatalf("DescribeCluster: %v", err)
	}
	wantClusterOps := []kafka.ACLOperation{kafka.ACLOperationCreate, kafka.ACLOperationAlter, kafka.ACLOperationDescribe, kafka.ACLOperationClusterAction,
		kafka.ACLOperationDescribeConfigs, kafka.ACLOperationAlterConfigs, kafka.ACLOperationIdempotentWrite}
	if len(cluster.Nodes) != 1 || !sameOps(cluster.AuthorizedOperations, wantClusterOps) {
		t.Errorf("DescribeCluster: nodes %v, operations %v; want one node and %v", cluster.Nodes, cluster.AuthorizedOperations, wantClusterOps)
	}
}

// sameOps reports whether two lists hold the same operations, in any order.
func sameOps(got, want []kafka.ACLOperation) bool {
	got, want = slices.Clone(got), slices.Clone(want)
	slices.Sort(got)
	slices.Sort(want)
	return slices.Equal(got, want)
}

func ptr[T any](v T) *T { return &v }
