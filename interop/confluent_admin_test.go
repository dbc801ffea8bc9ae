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
	"strings"
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
	// For every partition, Kafka lists only the partitions that had an
	// election, none here.
	all, err := a.ElectLeaders(ctx, kafka.NewElectLeadersRequest(kafka.ElectionTypePreferred, nil))
	if err != nil || len(all.TopicPartitions) != 0 {
		t.Errorf("ElectLeaders of every partition: %v, %v; want no partitions", all, err)
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
		// A group made by an offset commit has no protocol type: simple.
		for _, g := range res.Valid {
			if g.IsSimpleConsumerGroup != (g.GroupID == "rdk-g-offsets") {
				t.Errorf("ListConsumerGroups %s: %s is simple %v", c.name, g.GroupID, g.IsSimpleConsumerGroup)
			}
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

// TestConfluentGoAdminSecurity manages SCRAM users and ACLs through a
// broker with the authorizer on. allow.everyone.if.no.acl.found lets the
// anonymous client of the PLAINTEXT listener do what no ACL names, so the
// ACLs it makes on a topic are then enforced on itself.
func TestConfluentGoAdminSecurity(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addrs, _ := startListenersBroker(t, broker.Config{
		Listeners: "PLAINTEXT://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0",
		Security:  broker.SecurityConfig{Authorizer: true, AllowEveryoneIfNoACLFound: true},
	})
	a := newConfluentAdmin(t, addrs["PLAINTEXT"])
	saslAdmin := func(t *testing.T, mechanism string) *kafka.AdminClient {
		t.Helper()
		c, err := kafka.NewAdminClient(confluentConfig(addrs["SASL_PLAINTEXT"], kafka.ConfigMap{
			"security.protocol": "SASL_PLAINTEXT", "sasl.mechanisms": mechanism,
			"sasl.username": "bob", "sasl.password": "bob-secret",
		}))
		if err != nil {
			t.Fatalf("NewAdminClient: %v", err)
		}
		t.Cleanup(func() { closeWithin(t, "admin client", c.Close) })
		return c
	}

	cluster, err := a.DescribeCluster(ctx, kafka.SetAdminOptionIncludeAuthorizedOperations(true))
	if err != nil {
		t.Fatalf("DescribeCluster: %v", err)
	}
	wantClusterOps := []kafka.ACLOperation{kafka.ACLOperationCreate, kafka.ACLOperationAlter, kafka.ACLOperationDescribe, kafka.ACLOperationClusterAction,
		kafka.ACLOperationDescribeConfigs, kafka.ACLOperationAlterConfigs, kafka.ACLOperationIdempotentWrite}
	if len(cluster.Nodes) != 1 || cluster.Controller == nil || cluster.ClusterID == nil || *cluster.ClusterID == "" || !sameOps(cluster.AuthorizedOperations, wantClusterOps) {
		t.Errorf("DescribeCluster: nodes %v, controller %v, id %v, operations %v; want one node and %v",
			cluster.Nodes, cluster.Controller, cluster.ClusterID, cluster.AuthorizedOperations, wantClusterOps)
	}

	t.Run("scram", func(t *testing.T) {
		confluentScramUsers(t, ctx, a)
		// The credential librdkafka salted logs bob in; the deleted one
		// does not.
		if _, err := saslAdmin(t, "SCRAM-SHA-512").DescribeCluster(ctx); err != nil {
			t.Errorf("DescribeCluster as bob with SCRAM-SHA-512: %v", err)
		}
		short, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		if _, err := saslAdmin(t, "SCRAM-SHA-256").DescribeCluster(short); err == nil {
			t.Error("DescribeCluster as bob with the deleted SCRAM-SHA-256 credential succeeded")
		}
	})
	t.Run("acls", func(t *testing.T) { confluentACLs(t, ctx, a, saslAdmin(t, "SCRAM-SHA-512")) })
}

// confluentScramUsers adds, describes and deletes SCRAM credentials.
func confluentScramUsers(t *testing.T, ctx context.Context, a *kafka.AdminClient) {
	// Kafka's ScramControlManager takes one alteration per user and
	// request: both mechanisms at once are DUPLICATE_RESOURCE, and
	// neither is set. bob gets his in two requests.
	alter, err := a.AlterUserScramCredentials(ctx, []kafka.UserScramCredentialUpsertion{
		{User: "dave", ScramCredentialInfo: kafka.ScramCredentialInfo{Mechanism: kafka.ScramMechanismSHA256, Iterations: 4096}, Password: []byte("dave-secret")},
		{User: "dave", ScramCredentialInfo: kafka.ScramCredentialInfo{Mechanism: kafka.ScramMechanismSHA512, Iterations: 4096}, Password: []byte("dave-secret")},
	}, nil)
	if err != nil || alter.Errors["dave"].Code() != kafka.ErrDuplicateResource {
		t.Errorf("AlterUserScramCredentials of dave's two mechanisms at once: %v, %v; want DUPLICATE_RESOURCE", alter, err)
	}
	alter, err = a.AlterUserScramCredentials(ctx, []kafka.UserScramCredentialUpsertion{
		{User: "bob", ScramCredentialInfo: kafka.ScramCredentialInfo{Mechanism: kafka.ScramMechanismSHA512, Iterations: 4096}, Password: []byte("bob-secret")},
	}, nil)
	if err != nil || alter.Errors["bob"].Code() != kafka.ErrNoError {
		t.Fatalf("AlterUserScramCredentials bob SHA-512: %v, %v", alter, err)
	}
	alter, err = a.AlterUserScramCredentials(ctx, []kafka.UserScramCredentialUpsertion{
		{User: "bob", ScramCredentialInfo: kafka.ScramCredentialInfo{Mechanism: kafka.ScramMechanismSHA256, Iterations: 8192}, Password: []byte("bob-secret")},
		// Kafka's ScramMechanism.minIterations is 4096.
		{User: "carol", ScramCredentialInfo: kafka.ScramCredentialInfo{Mechanism: kafka.ScramMechanismSHA256, Iterations: 100}, Password: []byte("carol-secret")},
	}, nil)
	if err != nil {
		t.Fatalf("AlterUserScramCredentials: %v", err)
	}
	if e := alter.Errors["bob"]; e.Code() != kafka.ErrNoError {
		t.Errorf("AlterUserScramCredentials bob: %v", e)
	}
	if e := alter.Errors["carol"]; e.Code() != kafka.ErrUnacceptableCredential {
		t.Errorf("AlterUserScramCredentials carol with 100 iterations: %v; want UNACCEPTABLE_CREDENTIAL", e)
	}

	desc, err := a.DescribeUserScramCredentials(ctx, []string{"bob", "nobody"})
	if err != nil {
		t.Fatalf("DescribeUserScramCredentials: %v", err)
	}
	bob := desc.Descriptions["bob"]
	slices.SortFunc(bob.ScramCredentialInfos, func(x, y kafka.ScramCredentialInfo) int { return int(x.Mechanism - y.Mechanism) })
	wantBob := []kafka.ScramCredentialInfo{{Mechanism: kafka.ScramMechanismSHA256, Iterations: 8192}, {Mechanism: kafka.ScramMechanismSHA512, Iterations: 4096}}
	if bob.Error.Code() != kafka.ErrNoError || !slices.Equal(bob.ScramCredentialInfos, wantBob) {
		t.Errorf("DescribeUserScramCredentials bob: %+v; want %v", bob, wantBob)
	}
	if e := desc.Descriptions["nobody"].Error; e.Code() != kafka.ErrResourceNotFound {
		t.Errorf("DescribeUserScramCredentials nobody: %v; want RESOURCE_NOT_FOUND", e)
	}

	alter, err = a.AlterUserScramCredentials(ctx, nil, []kafka.UserScramCredentialDeletion{{User: "bob", Mechanism: kafka.ScramMechanismSHA256}})
	if err != nil || alter.Errors["bob"].Code() != kafka.ErrNoError {
		t.Fatalf("AlterUserScramCredentials deleting bob's SHA-256: %v, %v", alter, err)
	}
	alter, err = a.AlterUserScramCredentials(ctx, nil, []kafka.UserScramCredentialDeletion{{User: "bob", Mechanism: kafka.ScramMechanismSHA256}})
	if err != nil || alter.Errors["bob"].Code() != kafka.ErrResourceNotFound {
		t.Errorf("AlterUserScramCredentials deleting bob's SHA-256 again: %v, %v; want RESOURCE_NOT_FOUND", alter, err)
	}
	all, err := a.DescribeUserScramCredentials(ctx, nil)
	if err != nil || len(all.Descriptions) != 1 {
		t.Fatalf("DescribeUserScramCredentials of all users: %v, %v; want bob alone", all, err)
	}
	if infos := all.Descriptions["bob"].ScramCredentialInfos; len(infos) != 1 || infos[0].Mechanism != kafka.ScramMechanismSHA512 {
		t.Errorf("DescribeUserScramCredentials of all users: bob has %v; want SHA-512 alone", infos)
	}
}

// confluentACLs creates ACLs, finds them by filters, sees one enforced and
// deletes them.
func confluentACLs(t *testing.T, ctx context.Context, a, bob *kafka.AdminClient) {
	confluentCreateTopic(t, ctx, a, "rdk-acl-secret", 1, nil)
	bindings := kafka.ACLBindings{
		{Type: kafka.ResourceTopic, Name: "rdk-acl-secret", ResourcePatternType: kafka.ResourcePatternTypeLiteral,
			Principal: "User:ANONYMOUS", Host: "*", Operation: kafka.ACLOperationDescribe, PermissionType: kafka.ACLPermissionTypeDeny},
		{Type: kafka.ResourceTopic, Name: "rdk-acl-", ResourcePatternType: kafka.ResourcePatternTypePrefixed,
			Principal: "User:bob", Host: "*", Operation: kafka.ACLOperationRead, PermissionType: kafka.ACLPermissionTypeAllow},
		{Type: kafka.ResourceGroup, Name: "bobs", ResourcePatternType: kafka.ResourcePatternTypeLiteral,
			Principal: "User:bob", Host: "127.0.0.1", Operation: kafka.ACLOperationRead, PermissionType: kafka.ACLPermissionTypeAllow},
	}
	created, err := a.CreateACLs(ctx, bindings)
	if err != nil || len(created) != len(bindings) {
		t.Fatalf("CreateACLs: %v, %v", created, err)
	}
	for i, r := range created {
		if r.Error.Code() != kafka.ErrNoError {
			t.Errorf("CreateACLs %v: %v", bindings[i], r.Error)
		}
	}

	matchAll := kafka.ACLBindingFilter{Type: kafka.ResourceAny, ResourcePatternType: kafka.ResourcePatternTypeAny,
		Operation: kafka.ACLOperationAny, PermissionType: kafka.ACLPermissionTypeAny}
	describe := func(what string, filter kafka.ACLBindingFilter) kafka.ACLBindings {
		t.Helper()
		res, err := a.DescribeACLs(ctx, filter)
		if err != nil || res.Error.Code() != kafka.ErrNoError {
			t.Fatalf("DescribeACLs %s: %v, %v", what, res, err)
		}
		got := slices.Clone(res.ACLBindings)
		slices.SortFunc(got, func(x, y kafka.ACLBinding) int { return cmpACL(x, y) })
		return got
	}
	want := slices.Clone(bindings)
	slices.SortFunc(want, cmpACL)
	if got := describe("of everything", matchAll); !slices.Equal(got, want) {
		t.Errorf("DescribeACLs of everything:\n got %v\nwant %v", got, want)
	}
	// MATCH finds the ACLs that apply to one topic: the literal one and
	// the prefix that covers it.
	onSecret := matchAll
	onSecret.Type, onSecret.Name, onSecret.ResourcePatternType = kafka.ResourceTopic, "rdk-acl-secret", kafka.ResourcePatternTypeMatch
	if got := describe("matching the topic", onSecret); !slices.Equal(got, want[1:]) {
		t.Errorf("DescribeACLs matching rdk-acl-secret:\n got %v\nwant %v", got, want[1:])
	}

	// The DENY is enforced on this client.
	topics, err := a.DescribeTopics(ctx, kafka.NewTopicCollectionOfTopicNames([]string{"rdk-acl-secret"}))
	if err != nil || len(topics.TopicDescriptions) != 1 || topics.TopicDescriptions[0].Error.Code() != kafka.ErrTopicAuthorizationFailed {
		t.Errorf("DescribeTopics of a topic denied to the client: %+v, %v; want TOPIC_AUTHORIZATION_FAILED", topics, err)
	}

	// bob may Read the topic, which implies Describe (Kafka's
	// AclEntry.supportedOperations and the authorizer's implied ones).
	topics, err = bob.DescribeTopics(ctx, kafka.NewTopicCollectionOfTopicNames([]string{"rdk-acl-secret"}), kafka.SetAdminOptionIncludeAuthorizedOperations(true))
	if err != nil || len(topics.TopicDescriptions) != 1 || topics.TopicDescriptions[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("DescribeTopics as bob: %+v, %v", topics, err)
	}
	if ops, want := topics.TopicDescriptions[0].AuthorizedOperations, []kafka.ACLOperation{kafka.ACLOperationRead, kafka.ACLOperationDescribe}; !sameOps(ops, want) {
		t.Errorf("bob's authorized operations on the topic: %v, want %v", ops, want)
	}

	ofBob := matchAll
	ofBob.Principal = "User:bob"
	deleted, err := a.DeleteACLs(ctx, kafka.ACLBindingFilters{ofBob})
	if err != nil || len(deleted) != 1 || deleted[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("DeleteACLs of bob: %v, %v", deleted, err)
	}
	gotDeleted := slices.Clone(deleted[0].ACLBindings)
	slices.SortFunc(gotDeleted, cmpACL)
	wantDeleted := []kafka.ACLBinding{bindings[2], bindings[1]}
	slices.SortFunc(wantDeleted, cmpACL)
	if !slices.Equal(gotDeleted, wantDeleted) {
		t.Errorf("DeleteACLs of bob deleted %v, want %v", gotDeleted, wantDeleted)
	}
	if got := describe("after the delete", matchAll); !slices.Equal(got, bindings[:1]) {
		t.Errorf("DescribeACLs after deleting bob's: %v, want %v", got, bindings[:1])
	}
}

// cmpACL orders ACL bindings by their printed form.
func cmpACL(x, y kafka.ACLBinding) int {
	return strings.Compare(fmt.Sprint(x), fmt.Sprint(y))
}

// TestConfluentGoAdminTopics adds partitions, alters configs both ways,
// reads the cluster and controller ids and deletes a topic.
func TestConfluentGoAdminTopics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	a := newConfluentAdmin(t, addr)
	confluentCreateTopic(t, ctx, a, "rdktopics", 1, nil)

	id, err := a.ClusterID(ctx)
	if err != nil || id == "" {
		t.Errorf("ClusterID: %q, %v", id, err)
	}
	if controller, err := a.ControllerID(ctx); err != nil || controller < 0 {
		t.Errorf("ControllerID: %d, %v", controller, err)
	}

	res, err := a.CreatePartitions(ctx, []kafka.PartitionsSpecification{{Topic: "rdktopics", IncreaseTo: 3}, {Topic: "rdktopics-none", IncreaseTo: 2}})
	if err != nil || len(res) != 2 {
		t.Fatalf("CreatePartitions: %v, %v", res, err)
	}
	if res[0].Error.Code() != kafka.ErrNoError || res[1].Error.Code() != kafka.ErrUnknownTopicOrPart {
		t.Errorf("CreatePartitions: %v; want success, then UNKNOWN_TOPIC_OR_PARTITION", res)
	}
	res, err = a.CreatePartitions(ctx, []kafka.PartitionsSpecification{{Topic: "rdktopics", IncreaseTo: 2}})
	if err != nil || len(res) != 1 || res[0].Error.Code() != kafka.ErrInvalidPartitions {
		t.Errorf("CreatePartitions down to 2: %v, %v; want INVALID_PARTITIONS", res, err)
	}
	md, err := a.GetMetadata(ptr("rdktopics"), false, 10000)
	if err != nil || len(md.Topics["rdktopics"].Partitions) != 3 {
		t.Errorf("metadata after CreatePartitions: %v, %v; want 3 partitions", md, err)
	}

	topic := kafka.ConfigResource{Type: kafka.ResourceTopic, Name: "rdktopics"}
	incremental := topic
	incremental.Config = []kafka.ConfigEntry{
		{Name: "retention.ms", Value: "120000", IncrementalOperation: kafka.AlterConfigOpTypeSet},
		{Name: "cleanup.policy", Value: "compact", IncrementalOperation: kafka.AlterConfigOpTypeAppend},
	}
	alterRes, err := a.IncrementalAlterConfigs(ctx, []kafka.ConfigResource{incremental})
	if err != nil || len(alterRes) != 1 || alterRes[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("IncrementalAlterConfigs: %v, %v", alterRes, err)
	}
	describeTopic := func() map[string]kafka.ConfigEntryResult {
		t.Helper()
		res, err := a.DescribeConfigs(ctx, []kafka.ConfigResource{{Type: kafka.ResourceTopic, Name: "rdktopics"}})
		if err != nil || len(res) != 1 || res[0].Error.Code() != kafka.ErrNoError {
			t.Fatalf("DescribeConfigs: %v, %v", res, err)
		}
		return res[0].Config
	}
	got := describeTopic()
	if got["retention.ms"].Value != "120000" || got["cleanup.policy"].Value != "delete,compact" {
		t.Errorf("after IncrementalAlterConfigs: retention.ms %q, cleanup.policy %q; want 120000 and delete,compact",
			got["retention.ms"].Value, got["cleanup.policy"].Value)
	}
	// AlterConfigs replaces the whole set: what it leaves out is reset.
	whole := topic
	whole.Config = []kafka.ConfigEntry{{Name: "segment.ms", Value: "600000"}}
	alterRes, err = a.AlterConfigs(ctx, []kafka.ConfigResource{whole})
	if err != nil || len(alterRes) != 1 || alterRes[0].Error.Code() != kafka.ErrNoError {
		t.Fatalf("AlterConfigs: %v, %v", alterRes, err)
	}
	got = describeTopic()
	if got["segment.ms"].Value != "600000" || got["retention.ms"].Source != kafka.ConfigSourceDefault || got["cleanup.policy"].Value != "delete" {
		t.Errorf("after AlterConfigs: segment.ms %q, retention.ms %+v, cleanup.policy %q; want 600000, the default, delete",
			got["segment.ms"].Value, got["retention.ms"], got["cleanup.policy"].Value)
	}

	deleted, err := a.DeleteTopics(ctx, []string{"rdktopics", "rdktopics-none"})
	if err != nil || len(deleted) != 2 || deleted[0].Error.Code() != kafka.ErrNoError || deleted[1].Error.Code() != kafka.ErrUnknownTopicOrPart {
		t.Errorf("DeleteTopics: %v, %v; want success, then UNKNOWN_TOPIC_OR_PARTITION", deleted, err)
	}
}
