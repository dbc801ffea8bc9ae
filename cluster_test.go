// Tests of the partition admin APIs of cluster.go: each handler called on a
// running broker with the request as it decodes, and its answer checked
// against what Kafka gives a one-broker cluster. The wire forms are in the
// golden tests; the admin clients in interop/.
package kafka

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// serve runs one request through its API's handler at version v, as
// conn.handle would, with client id "unit".
func serve(t *testing.T, b *Broker, key, v int16, req request) response {
	t.Helper()
	a := lookupAPI(key)
	if a == nil || v < a.minVersion || v > a.maxVersion {
		t.Fatalf("API %d v%d is not served", key, v)
	}
	rc := &requestContext{header: &requestHeader{APIKey: key, APIVersion: v, ClientID: ptr("unit")}}
	return a.serve(b, context.Background(), rc, req)
}

// brokerWithRecords starts a broker with topic "t" of two partitions and
// n one-record batches in partition 0.
func brokerWithRecords(t *testing.T, n int) (*testBroker, *testClient) {
	t.Helper()
	b, c := startWithTopic(t, "t", 2)
	for i := range n {
		c.mustProduce("t", 0, makeBatch(testRecord{int64(i), "v"}))
	}
	return b, c
}

func TestOffsetForLeaderEpoch(t *testing.T) {
	b, _ := brokerWithRecords(t, 3)
	for _, tc := range []struct {
		name           string
		partition      int32
		current, asked int32
		code           int16
		wantEpoch      int32
		wantEnd        int64
	}{
		{"current epoch: the log end", 0, -1, 0, codeNone, 0, 3},
		{"current epoch, checked", 0, 0, 0, codeNone, 0, 3},
		{"empty partition", 1, -1, 0, codeNone, 0, 0},
		{"no epoch", 0, -1, -1, codeNone, -1, -1},
		{"a later epoch", 0, -1, 4, codeNone, -1, -1},
		{"an earlier epoch: the start of epoch 0", 0, -1, -5, codeNone, -5, 0},
		{"client ahead of us", 0, 1, 0, codeUnknownLeaderEpoch, -1, -1},
		{"no such partition", 7, -1, 0, codeUnknownTopicOrPartition, -1, -1},
	} {
		req := &offsetForLeaderEpochRequest{ReplicaID: -1, Topics: []offsetForLeaderTopic{{Topic: "t", Partitions: []offsetForLeaderPartition{{tc.partition, tc.current, tc.asked}}}}}
		got := serve(t, b.Broker, 23, 4, req).(*offsetForLeaderEpochResponse).Topics[0].Partitions[0]
		want := epochEndOffsetResult{ErrorCode: tc.code, Partition: tc.partition, LeaderEpoch: tc.wantEpoch, EndOffset: tc.wantEnd}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, want)
		}
	}
	if code := checkLeaderEpoch(-2); code != codeFencedLeaderEpoch {
		t.Errorf("an older current epoch: %d, want FENCED_LEADER_EPOCH", code)
	}
}

func TestDescribeLogDirs(t *testing.T) {
	b, _ := brokerWithRecords(t, 4)
	// The size is the bytes of the partition's .log files on disk.
	logs, _ := filepath.Glob(filepath.Join(b.cfg.DataDir, "t-0", "*.log"))
	var onDisk int64
	for _, p := range logs {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		onDisk += fi.Size()
	}
	if onDisk == 0 {
		t.Fatal("no segment bytes on disk")
	}
	resp := serve(t, b.Broker, 35, 4, &describeLogDirsRequest{}).(*describeLogDirsResponse)
	if len(resp.Results) != 1 {
		t.Fatalf("%d log dirs, want 1", len(resp.Results))
	}
	dir := resp.Results[0]
	abs, _ := filepath.Abs(b.cfg.DataDir)
	if dir.LogDir != abs || dir.ErrorCode != codeNone || dir.TotalBytes <= 0 || dir.UsableBytes < 0 || dir.UsableBytes > dir.TotalBytes {
		t.Errorf("log dir %q error %d total %d usable %d", dir.LogDir, dir.ErrorCode, dir.TotalBytes, dir.UsableBytes)
	}
	// Null Topics: every partition, __consumer_offsets included if any.
	var sizes map[int32]int64
	for _, topic := range dir.Topics {
		if topic.Name == "t" {
			sizes = map[int32]int64{}
			for _, p := range topic.Partitions {
				sizes[p.PartitionIndex] = p.PartitionSize
				if p.OffsetLag != 0 || p.IsFutureKey {
					t.Errorf("partition %d: lag %d, future %v", p.PartitionIndex, p.OffsetLag, p.IsFutureKey)
				}
			}
		}
	}
	if diff := cmp.Diff(map[int32]int64{0: onDisk, 1: 0}, sizes); diff != "" {
		t.Errorf("partition sizes (-want +got):\n%s", diff)
	}

	named := serve(t, b.Broker, 35, 1, &describeLogDirsRequest{Topics: []describableLogDirTopic{{"t", []int32{1, 9}}, {"nope", []int32{0}}}}).(*describeLogDirsResponse)
	want := []describeLogDirsTopic{{Name: "t", Partitions: []describeLogDirsPartition{{PartitionIndex: 1}}}}
	if diff := cmp.Diff(want, named.Results[0].Topics); diff != "" {
		t.Errorf("named partitions (-want +got):\n%s", diff)
	}
}

func TestAlterReplicaLogDirs(t *testing.T) {
	b, _ := brokerWithRecords(t, 0)
	abs, _ := filepath.Abs(b.cfg.DataDir)
	req := &alterReplicaLogDirsRequest{Dirs: []alterReplicaLogDir{
		{Path: abs, Topics: []alterReplicaLogDirTopic{{"t", []int32{0}}, {"nope", []int32{0}}}},
		{Path: "/elsewhere", Topics: []alterReplicaLogDirTopic{{"t", []int32{1}}}},
	}}
	resp := serve(t, b.Broker, 34, 2, req).(*alterReplicaLogDirsResponse)
	want := []alterReplicaLogDirTopicResult{
		{"t", []alterReplicaLogDirPartitionResult{{0, codeNone}}},
		{"nope", []alterReplicaLogDirPartitionResult{{0, codeUnknownTopicOrPartition}}},
		{"t", []alterReplicaLogDirPartitionResult{{1, codeLogDirNotFound}}},
	}
	if diff := cmp.Diff(want, resp.Results); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestElectLeaders(t *testing.T) {
	b, _ := brokerWithRecords(t, 0)
	resp := serve(t, b.Broker, 43, 2, &electLeadersRequest{TopicPartitions: []electLeadersTopic{{"t", []int32{0, 1, 5}}}}).(*electLeadersResponse)
	got := resp.ReplicaElectionResults[0].PartitionResult
	codes := []int16{got[0].ErrorCode, got[1].ErrorCode, got[2].ErrorCode}
	if diff := cmp.Diff([]int16{codeElectionNotNeeded, codeElectionNotNeeded, codeUnknownTopicOrPartition}, codes); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	// Every partition: each topic, with no partition results, since none
	// needed an election.
	all := serve(t, b.Broker, 43, 2, &electLeadersRequest{ElectionType: 1}).(*electLeadersResponse)
	if all.ErrorCode != codeNone || len(all.ReplicaElectionResults) == 0 {
		t.Fatalf("all partitions: %+v", all)
	}
	for _, r := range all.ReplicaElectionResults {
		if len(r.PartitionResult) != 0 {
			t.Errorf("topic %s: %d partition results, want none", r.Topic, len(r.PartitionResult))
		}
	}
	if bad := serve(t, b.Broker, 43, 1, &electLeadersRequest{ElectionType: 2}).(*electLeadersResponse); bad.ErrorCode != codeInvalidRequest {
		t.Errorf("election type 2: error %d, want INVALID_REQUEST", bad.ErrorCode)
	}
}

func TestPartitionReassignments(t *testing.T) {
	b, _ := brokerWithRecords(t, 0)
	for _, tc := range []struct {
		name       string
		partition  int32
		replicas   []int32
		noRFChange bool
		code       int16
		message    string
	}{
		{"to this broker: no-op", 0, []int32{0}, false, codeNone, ""},
		{"to another broker", 0, []int32{1}, false, codeInvalidReplicaAssignment, "includes broker 1, but no such broker is registered"},
		{"twice this broker", 1, []int32{0, 0}, false, codeInvalidReplicaAssignment, "more than once"},
		{"no replicas", 1, []int32{}, false, codeInvalidReplicaAssignment, "empty replica list"},
		{"cancel", 0, nil, false, codeNoReassignmentInProgress, ""},
		{"replication factor change not allowed", 0, []int32{0, 1}, true, codeInvalidReplicationFactor, "from 1 to 2"},
		{"no such partition", 9, []int32{0}, false, codeUnknownTopicOrPartition, ""},
	} {
		req := &alterPartitionReassignmentsRequest{AllowReplicationFactorChange: !tc.noRFChange, Topics: []reassignableTopic{{"t", []reassignablePartition{{tc.partition, tc.replicas}}}}}
		resp := serve(t, b.Broker, 45, 1, req).(*alterPartitionReassignmentsResponse)
		p := resp.Responses[0].Partitions[0]
		if p.ErrorCode != tc.code || !strings.Contains(deref(p.ErrorMessage), tc.message) {
			t.Errorf("%s: error %d %q, want %d containing %q", tc.name, p.ErrorCode, deref(p.ErrorMessage), tc.code, tc.message)
		}
	}
	list := serve(t, b.Broker, 46, 0, &listPartitionReassignmentsRequest{}).(*listPartitionReassignmentsResponse)
	if list.ErrorCode != codeNone || list.Topics == nil || len(list.Topics) != 0 {
		t.Errorf("ListPartitionReassignments: %+v, want no reassignments", list)
	}
}

func TestDescribeTopicPartitionsPaging(t *testing.T) {
	b := startBroker(t, t.TempDir())
	c := dial(t, b.addr)
	c.createTopic("a", 3)
	c.createTopic("b", 2)
	c.createTopic("c", 1)

	// Page through every topic, two partitions at a time, as
	// kafka-topics.sh does with its cursor.
	var seen []string
	var cursor *topicPartitionsCursor
	for page := 0; ; page++ {
		if page > 10 {
			t.Fatal("the cursor never ran out")
		}
		resp := serve(t, b.Broker, 75, 0, &describeTopicPartitionsRequest{Topics: []describeTopicPartitionsRequestTopic{}, ResponsePartitionLimit: 2, Cursor: cursor}).(*describeTopicPartitionsResponse)
		n := 0
		for _, topic := range resp.Topics {
			if *topic.Name == offsetsTopic {
				continue
			}
			if topic.ErrorCode != codeNone || topic.TopicAuthorizedOperations != topicOperations {
				t.Errorf("topic %s: error %d, operations %d", *topic.Name, topic.ErrorCode, topic.TopicAuthorizedOperations)
			}
			for _, p := range topic.Partitions {
				seen = append(seen, *topic.Name+"-"+string(rune('0'+p.PartitionIndex)))
				n++
				if p.LeaderID != 0 || p.LeaderEpoch != 0 || !cmp.Equal(p.ReplicaNodes, []int32{0}) || p.EligibleLeaderReplicas == nil {
					t.Errorf("partition %+v", p)
				}
			}
		}
		if n > 2 {
			t.Errorf("page %d: %d partitions, limit 2", page, n)
		}
		if cursor = resp.NextCursor; cursor == nil {
			break
		}
	}
	if diff := cmp.Diff([]string{"a-0", "a-1", "a-2", "b-0", "b-1", "c-0"}, seen); diff != "" {
		t.Errorf("partitions over all pages (-want +got):\n%s", diff)
	}

	named := serve(t, b.Broker, 75, 0, &describeTopicPartitionsRequest{Topics: []describeTopicPartitionsRequestTopic{{"c"}, {"zz"}}, ResponsePartitionLimit: 100}).(*describeTopicPartitionsResponse)
	if len(named.Topics) != 2 || named.Topics[0].ErrorCode != codeNone || named.Topics[1].ErrorCode != codeUnknownTopicOrPartition || named.NextCursor != nil {
		t.Errorf("named topics: %+v", named)
	}
	bad := serve(t, b.Broker, 75, 0, &describeTopicPartitionsRequest{Topics: []describeTopicPartitionsRequestTopic{{"c"}}, Cursor: &topicPartitionsCursor{TopicName: "a"}}).(*describeTopicPartitionsResponse)
	if len(bad.Topics) != 1 || bad.Topics[0].ErrorCode != codeInvalidRequest {
		t.Errorf("cursor topic not in the list: %+v", bad)
	}
}

func TestDescribeProducers(t *testing.T) {
	b, c := brokerWithRecords(t, 0)
	c.mustProduce("t", 1, idempotentBatch(42, 3, 0, 4))
	last := idempotentBatch(42, 3, 4, 2)
	c.mustProduce("t", 1, last)
	lastTimestamp := int64(binary.BigEndian.Uint64(last[35:])) // the batch's maxTimestamp
	req := &describeProducersRequest{Topics: []describeProducersTopic{{"t", []int32{0, 1, 4}}}}
	got := serve(t, b.Broker, 61, 0, req).(*describeProducersResponse).Topics[0].Partitions
	want := []describeProducersPartition{
		{PartitionIndex: 0, ActiveProducers: []activeProducer{}},
		{PartitionIndex: 1, ActiveProducers: []activeProducer{{ProducerID: 42, ProducerEpoch: 3, LastSequence: 5, LastTimestamp: lastTimestamp, CoordinatorEpoch: -1, CurrentTxnStartOffset: -1}}},
		{PartitionIndex: 4, ErrorCode: codeUnknownTopicOrPartition, ActiveProducers: []activeProducer{}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestUpdateFeatures(t *testing.T) {
	b, _ := brokerWithRecords(t, 0)
	off := serve(t, b.Broker, 57, 1, &updateFeaturesRequest{FeatureUpdates: []featureUpdate{{Feature: "transaction.version", MaxVersionLevel: 0, UpgradeType: upgradeTypeSafeDowngrade}}}).(*updateFeaturesResponse)
	if off.ErrorCode != codeNone || len(off.Results) != 1 || off.Results[0].ErrorCode != codeNone {
		t.Errorf("level 0: %+v", off)
	}
	on := serve(t, b.Broker, 57, 1, &updateFeaturesRequest{FeatureUpdates: []featureUpdate{
		{Feature: "transaction.version", MaxVersionLevel: 2, UpgradeType: upgradeTypeUpgrade},
		{Feature: "eligible.leader.replicas.version", MaxVersionLevel: 1, UpgradeType: upgradeTypeUpgrade},
	}}).(*updateFeaturesResponse)
	const msg = "The update failed for all features since the following feature had an error: Invalid update version 1 for feature eligible.leader.replicas.version. Local controller 0 does not support this feature."
	if on.ErrorCode != codeInvalidUpdateVersion || deref(on.ErrorMessage) != msg || len(on.Results) != 0 {
		t.Errorf("level 2: %+v (%q)", on, deref(on.ErrorMessage))
	}
	// All or none: transaction.version stays at 0, where the first
	// request put it.
	if got := b.features.transactionVersion(); got != 0 {
		t.Errorf("transaction.version after a refused request: %d, want 0", got)
	}
	v2 := serve(t, b.Broker, 57, 2, &updateFeaturesRequest{FeatureUpdates: []featureUpdate{{Feature: "x", MaxVersionLevel: 1, UpgradeType: 9}}}).(*updateFeaturesResponse)
	if v2.ErrorCode != codeInvalidUpdateVersion || v2.Results != nil || !strings.Contains(deref(v2.ErrorMessage), "upgrade type") {
		t.Errorf("v2, bad upgrade type: %+v", v2)
	}
	v0 := serve(t, b.Broker, 57, 0, &updateFeaturesRequest{FeatureUpdates: []featureUpdate{{Feature: "x", MaxVersionLevel: 0, AllowDowngrade: true}}}).(*updateFeaturesResponse)
	if v0.ErrorCode != codeNone {
		t.Errorf("v0 downgrade to 0: %+v", v0)
	}
}

// TestUpdateFeaturesRefusedAnswersOnce: a refused UpdateFeatures is
// answered with one error for the request and no result per update, as
// Kafka's QuorumController.updateFeatures answers it. A result per
// update repeating the error made each update of a few bytes in the
// request cost a few hundred in the answer: 27 MB for 64 KiB.
func TestUpdateFeaturesRefusedAnswersOnce(t *testing.T) {
	b, _ := brokerWithRecords(t, 0)
	updates := make([]featureUpdate, 10000)
	for i := range updates {
		updates[i] = featureUpdate{Feature: "x", MaxVersionLevel: 1, UpgradeType: upgradeTypeUpgrade}
	}
	resp := serve(t, b.Broker, 57, 1, &updateFeaturesRequest{FeatureUpdates: updates}).(*updateFeaturesResponse)
	if resp.ErrorCode != codeInvalidUpdateVersion || !strings.HasPrefix(deref(resp.ErrorMessage), featuresFailedPrefix) {
		t.Errorf("answer: %d %q", resp.ErrorCode, deref(resp.ErrorMessage))
	}
	w := &writer{flexible: true}
	resp.encode(w, 1)
	if len(w.buf) > 1024 {
		t.Errorf("the refusal of %d updates encodes to %d bytes", len(updates), len(w.buf))
	}
}

func TestListConfigResources(t *testing.T) {
	b, _ := brokerWithRecords(t, 0)
	v0 := serve(t, b.Broker, 74, 0, &listConfigResourcesRequest{}).(*listConfigResourcesResponse)
	if v0.ErrorCode != codeNone || len(v0.ConfigResources) != 0 {
		t.Errorf("v0: %+v, want no client metrics resources", v0)
	}
	all := serve(t, b.Broker, 74, 1, &listConfigResourcesRequest{ResourceTypes: []int8{}}).(*listConfigResourcesResponse)
	if !cmp.Equal(all.ConfigResources, []configResource{{offsetsTopic, resourceTopic}, {"t", resourceTopic}, {"0", resourceBroker}}) {
		t.Errorf("every type: %+v", all)
	}
	topics := serve(t, b.Broker, 74, 1, &listConfigResourcesRequest{ResourceTypes: []int8{resourceTopic}}).(*listConfigResourcesResponse)
	if !cmp.Equal(topics.ConfigResources, []configResource{{offsetsTopic, resourceTopic}, {"t", resourceTopic}}) {
		t.Errorf("topics: %+v", topics)
	}
	bad := serve(t, b.Broker, 74, 1, &listConfigResourcesRequest{ResourceTypes: []int8{resourceTopic, 99}}).(*listConfigResourcesResponse)
	if bad.ErrorCode != codeUnsupportedVersion || len(bad.ConfigResources) != 0 {
		t.Errorf("type 99: %+v", bad)
	}
}
