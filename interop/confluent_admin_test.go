//go:build cgo

// Tests of the broker's admin APIs as confluent-kafka-go's AdminClient
// (librdkafka 2.11.1) calls them: offsets (ListOffsets, DeleteRecords,
// ElectLeaders), consumer groups of both protocols (listing with filters,
// describing, reading and altering their offsets), and security (SCRAM
// users and ACLs, with the authorizer on). Each test asserts on the values
// and error codes Kafka would answer, not only on the absence of an error.
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

// produceConfluentAt produces one record per timestamp (milliseconds) to
// partition 0 of topic, in order, and waits for every delivery report.
func produceConfluentAt(t *testing.T, p *kafka.Producer, topic string, timestamps ...int64) {
	t.Helper()
	reports := make(chan kafka.Event, len(timestamps))
	for i, ts := range timestamps {
		err := p.Produce(&kafka.Message{
			TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: 0},
			Value:          []byte(fmt.Sprint(i)),
			Timestamp:      time.UnixMilli(ts),
		}, reports)
		if err != nil {
			t.Fatalf("Produce: %v", err)
		}
	}
	for range timestamps {
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

// listOffset asks ListOffsets for one partition with one spec.
func listOffset(t *testing.T, ctx context.Context, a *kafka.AdminClient, tp kafka.TopicPartition, spec kafka.OffsetSpec) kafka.ListOffsetsResultInfo {
	t.Helper()
	res, err := a.ListOffsets(ctx, map[kafka.TopicPartition]kafka.OffsetSpec{tp: spec})
	if err != nil || len(res.ResultInfos) != 1 {
		t.Fatalf("ListOffsets %v spec %d: %v, %v", tp, spec, res, err)
	}
	for _, info := range res.ResultInfos {
		return info
	}
	panic("unreachable")
}

// TestConfluentGoAdminOffsets lists offsets by every spec, deletes records
// and asks for a preferred leader election, which on one broker is never
// needed.
func TestConfluentGoAdminOffsets(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	a := newConfluentAdmin(t, addr)
	confluentCreateTopic(t, ctx, a, "rdkoffsets", 1, nil)

	base := time.Now().Add(-time.Minute).UnixMilli()
	// The largest timestamp is at offset 1, not at the end.
	produceConfluentAt(t, newConfluentProducer(t, addr, nil), "rdkoffsets", base, base+2000, base+1000)
	tp := kafka.TopicPartition{Topic: ptr("rdkoffsets"), Partition: 0}

	for _, c := range []struct {
		name       string
		spec       kafka.OffsetSpec
		wantOffset kafka.Offset
		wantTime   int64
	}{
		{"earliest", kafka.EarliestOffsetSpec, 0, -1},
		{"latest", kafka.LatestOffsetSpec, 3, -1},
		{"max timestamp", kafka.MaxTimestampOffsetSpec, 1, base + 2000},
		{"the first timestamp", kafka.NewOffsetSpecForTimestamp(base), 0, base},
		{"between timestamps", kafka.NewOffsetSpecForTimestamp(base + 1500), 1, base + 2000},
		{"after the last timestamp", kafka.NewOffsetSpecForTimestamp(base + 5000), -1, -1},
	} {
		info := listOffset(t, ctx, a, tp, c.spec)
		if info.Error.Code() != kafka.ErrNoError || info.Offset != c.wantOffset || info.Timestamp != c.wantTime {
			t.Errorf("ListOffsets %s: offset %v, timestamp %d, error %v; want offset %d, timestamp %d",
				c.name, info.Offset, info.Timestamp, info.Error, c.wantOffset, c.wantTime)
		}
	}

	del, err := a.DeleteRecords(ctx, []kafka.TopicPartition{{Topic: ptr("rdkoffsets"), Partition: 0, Offset: 2}})
	if err != nil || len(del.DeleteRecordsResults) != 1 {
		t.Fatalf("DeleteRecords: %v, %v", del, err)
	}
	if r := del.DeleteRecordsResults[0]; r.TopicPartition.Error != nil || r.DeletedRecords == nil || r.DeletedRecords.LowWatermark != 2 {
		t.Errorf("DeleteRecords before offset 2: %+v; want low watermark 2", r)
	}
	if info := listOffset(t, ctx, a, tp, kafka.EarliestOffsetSpec); info.Offset != 2 {
		t.Errorf("ListOffsets earliest after DeleteRecords: %v, want 2", info.Offset)
	}
	del, err = a.DeleteRecords(ctx, []kafka.TopicPartition{{Topic: ptr("rdkoffsets"), Partition: 0, Offset: 10}})
	if err != nil || len(del.DeleteRecordsResults) != 1 {
		t.Fatalf("DeleteRecords past the end: %v, %v", del, err)
	}
	if e, ok := del.DeleteRecordsResults[0].TopicPartition.Error.(kafka.Error); !ok || e.Code() != kafka.ErrOffsetOutOfRange {
		t.Errorf("DeleteRecords past the end: %v; want OFFSET_OUT_OF_RANGE", del.DeleteRecordsResults[0].TopicPartition.Error)
	}

	// Kafka answers ELECTION_NOT_NEEDED for a partition whose leader is
	// already its preferred replica, as on a single broker it always is.
	elected, err := a.ElectLeaders(ctx, kafka.NewElectLeadersRequest(kafka.ElectionTypePreferred,
		[]kafka.TopicPartition{tp, {Topic: ptr("rdknosuch"), Partition: 0}}))
	if err != nil || len(elected.TopicPartitions) != 2 {
		t.Fatalf("ElectLeaders: %v, %v", elected, err)
	}
	want := map[string]kafka.ErrorCode{"rdkoffsets": kafka.ErrElectionNotNeeded, "rdknosuch": kafka.ErrUnknownTopicOrPart}
	for _, p := range elected.TopicPartitions {
		code := kafka.ErrNoError
		if e, ok := p.Error.(kafka.Error); ok {
			code = e.Code()
		}
		if code != want[*p.Topic] {
			t.Errorf("ElectLeaders %s: %v; want %v", p, p.Error, want[*p.Topic])
		}
	}
}

// TestConfluentGoAdminGroups has a classic and a KIP-848 group consume
// and commit, and an offsets-only group made by AlterConsumerGroupOffsets,
// then lists them with type and state filters, describes the two live
// ones and reads their offsets.
func TestConfluentGoAdminGroups(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	addr, _ := startBrokerWith(t, t.TempDir(), broker.Config{ConsumerHeartbeatInterval: 500 * time.Millisecond})
	a := newConfluentAdmin(t, addr)
	confluentCreateTopic(t, ctx, a, "rdkgroups", 2, nil)
	p := newConfluentProducer(t, addr, nil)
	produceConfluent(t, p, "rdkgroups", 0, "a", "b", "c")
	produceConfluent(t, p, "rdkgroups", 1, "d")

	for _, g := range []struct{ id, protocol string }{{"rdk-g-classic", "classic"}, {"rdk-g-848", "consumer"}} {
		c := newConfluentConsumer(t, addr, kafka.ConfigMap{
			"group.id": g.id, "group.protocol": g.protocol,
			"auto.offset.reset": "earliest", "enable.auto.commit": false,
		})
		if err := c.SubscribeTopics([]string{"rdkgroups"}, nil); err != nil {
			t.Fatal(err)
		}
		consumeConfluent(t, c, 4)
		if _, err := c.Commit(); err != nil {
			t.Fatalf("Commit in %s: %v", g.id, err)
		}
	}

	// Offsets of a group nobody is in are set as Kafka sets them: the
	// group is made, classic and Empty.
	alter, err := a.AlterConsumerGroupOffsets(ctx, []kafka.ConsumerGroupTopicPartitions{{
		Group: "rdk-g-offsets",
		Partitions: []kafka.TopicPartition{
			{Topic: ptr("rdkgroups"), Partition: 0, Offset: 1, Metadata: ptr("set by admin")},
			{Topic: ptr("rdkgroups"), Partition: 1, Offset: 0},
		},
	}})
	if err != nil || len(alter.ConsumerGroupsTopicPartitions) != 1 {
		t.Fatalf("AlterConsumerGroupOffsets: %v, %v", alter, err)
	}
	for _, tp := range alter.ConsumerGroupsTopicPartitions[0].Partitions {
		if tp.Error != nil {
			t.Errorf("AlterConsumerGroupOffsets %v: %v", tp, tp.Error)
		}
	}
	// A group with members takes no offsets from outside it: Kafka's
	// ClassicGroup.validateOffsetCommit answers UNKNOWN_MEMBER_ID.
	alter, err = a.AlterConsumerGroupOffsets(ctx, []kafka.ConsumerGroupTopicPartitions{{
		Group: "rdk-g-classic", Partitions: []kafka.TopicPartition{{Topic: ptr("rdkgroups"), Partition: 0, Offset: 0}},
	}})
	if err != nil || len(alter.ConsumerGroupsTopicPartitions) != 1 || len(alter.ConsumerGroupsTopicPartitions[0].Partitions) != 1 {
		t.Fatalf("AlterConsumerGroupOffsets of a live group: %v, %v", alter, err)
	}
	if e, ok := alter.ConsumerGroupsTopicPartitions[0].Partitions[0].Error.(kafka.Error); !ok || e.Code() != kafka.ErrUnknownMemberID {
		t.Errorf("AlterConsumerGroupOffsets of a live classic group: %v; want UNKNOWN_MEMBER_ID", alter.ConsumerGroupsTopicPartitions[0].Partitions[0].Error)
	}

	for _, c := range []struct {
		name string
		opts []kafka.ListConsumerGroupsAdminOption
		want []string
	}{
		{"all", nil, []string{"rdk-g-848", "rdk-g-classic", "rdk-g-offsets"}},
		{"consumer type", []kafka.ListConsumerGroupsAdminOption{kafka.SetAdminMatchConsumerGroupTypes([]kafka.ConsumerGroupType{kafka.ConsumerGroupTypeConsumer})}, []string{"rdk-g-848"}},
		{"classic type", []kafka.ListConsumerGroupsAdminOption{kafka.SetAdminMatchConsumerGroupTypes([]kafka.ConsumerGroupType{kafka.ConsumerGroupTypeClassic})}, []string{"rdk-g-classic", "rdk-g-offsets"}},
		{"stable", []kafka.ListConsumerGroupsAdminOption{kafka.SetAdminMatchConsumerGroupStates([]kafka.ConsumerGroupState{kafka.ConsumerGroupStateStable})}, []string{"rdk-g-848", "rdk-g-classic"}},
		{"empty", []kafka.ListConsumerGroupsAdminOption{kafka.SetAdminMatchConsumerGroupStates([]kafka.ConsumerGroupState{kafka.ConsumerGroupStateEmpty})}, []string{"rdk-g-offsets"}},
	} {
		res, err := a.ListConsumerGroups(ctx, c.opts...)
		if err != nil || len(res.Errors) != 0 {
			t.Fatalf("ListConsumerGroups %s: %v, %v", c.name, res, err)
		}
		var got []string
		for _, g := range res.Valid {
			got = append(got, g.GroupID)
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("ListConsumerGroups %s: %v (%+v); want %v", c.name, got, res.Valid, c.want)
		}
	}

	desc, err := a.DescribeConsumerGroups(ctx, []string{"rdk-g-classic", "rdk-g-848", "rdk-g-offsets"})
	if err != nil || len(desc.ConsumerGroupDescriptions) != 3 {
		t.Fatalf("DescribeConsumerGroups: %v, %v", desc, err)
	}
	for i, want := range []struct {
		typ     kafka.ConsumerGroupType
		state   kafka.ConsumerGroupState
		members int
	}{
		{kafka.ConsumerGroupTypeClassic, kafka.ConsumerGroupStateStable, 1},
		{kafka.ConsumerGroupTypeConsumer, kafka.ConsumerGroupStateStable, 1},
		{kafka.ConsumerGroupTypeClassic, kafka.ConsumerGroupStateEmpty, 0},
	} {
		g := desc.ConsumerGroupDescriptions[i]
		if g.Error.Code() != kafka.ErrNoError || g.Type != want.typ || g.State != want.state || len(g.Members) != want.members {
			t.Errorf("DescribeConsumerGroups %s: error %v, type %v, state %v, %d members; want %v, %v, %d",
				g.GroupID, g.Error, g.Type, g.State, len(g.Members), want.typ, want.state, want.members)
			continue
		}
		if want.members == 1 {
			if n := len(g.Members[0].Assignment.TopicPartitions); n != 2 {
				t.Errorf("DescribeConsumerGroups %s: the member has %d partitions, want 2", g.GroupID, n)
			}
			if g.Coordinator.Host != "127.0.0.1" {
				t.Errorf("DescribeConsumerGroups %s: coordinator %v", g.GroupID, g.Coordinator)
			}
		}
	}

	for group, want := range map[string][2]kafka.Offset{"rdk-g-classic": {3, 1}, "rdk-g-848": {3, 1}, "rdk-g-offsets": {1, 0}} {
		res, err := a.ListConsumerGroupOffsets(ctx, []kafka.ConsumerGroupTopicPartitions{{
			Group: group, Partitions: []kafka.TopicPartition{{Topic: ptr("rdkgroups"), Partition: 0}, {Topic: ptr("rdkgroups"), Partition: 1}},
		}}, kafka.SetAdminRequireStableOffsets(true))
		if err != nil || len(res.ConsumerGroupsTopicPartitions) != 1 || len(res.ConsumerGroupsTopicPartitions[0].Partitions) != 2 {
			t.Fatalf("ListConsumerGroupOffsets %s: %v, %v", group, res, err)
		}
		for _, tp := range res.ConsumerGroupsTopicPartitions[0].Partitions {
			if tp.Error != nil || tp.Offset != want[tp.Partition] {
				t.Errorf("ListConsumerGroupOffsets %s: %v (error %v); want offset %d", group, tp, tp.Error, want[tp.Partition])
			}
			if group == "rdk-g-offsets" && tp.Partition == 0 && (tp.Metadata == nil || *tp.Metadata != "set by admin") {
				t.Errorf("ListConsumerGroupOffsets %s: metadata %v, want the altered one", group, tp.Metadata)
			}
		}
	}
}
