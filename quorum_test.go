package kafka

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Tests of the KRaft quorum APIs (quorum.go), against Kafka's
// KafkaRaftClient (DescribeQuorum, AddRaftVoter, RemoveRaftVoter, with
// AddVoterHandler and RemoveVoterHandler on a static quorum),
// ReplicationControlManager.unregisterBroker and ControllerApis.

// describeQuorum sends DescribeQuorum at v for the topics given, each
// topic with its partitions, and decodes the answer.
func (c *testClient) describeQuorum(v int16, topics map[string][]int32) describeQuorumResponse {
	c.t.Helper()
	r := c.roundTrip(55, v, true, func(w *writer) {
		w.ArrayLen(len(topics))
		for name, parts := range topics {
			w.String(name)
			writeArrayNonNull(w, parts, func(w *writer, p int32) { w.Int32(p); w.Tags() })
			w.Tags()
		}
		w.Tags()
	})
	var m describeQuorumResponse
	m.ErrorCode = r.Int16()
	if v >= 2 {
		m.ErrorMessage = r.NullableString()
	}
	replicas := func(r *reader) []quorumReplicaState {
		return readArray(r, func(r *reader) (s quorumReplicaState) {
			s.ReplicaID = r.Int32()
			if v >= 2 {
				s.ReplicaDirectoryID = r.UUID()
			}
			s.LogEndOffset = r.Int64()
			if v >= 1 {
				s.LastFetchTimestamp, s.LastCaughtUpTimestamp = r.Int64(), r.Int64()
			}
			r.SkipTags()
			return s
		})
	}
	m.Topics = readArray(r, func(r *reader) (t describeQuorumTopicData) {
		t.TopicName = r.String()
		t.Partitions = readArray(r, func(r *reader) (p describeQuorumPartitionData) {
			p.PartitionIndex, p.ErrorCode = r.Int32(), r.Int16()
			if v >= 2 {
				p.ErrorMessage = r.NullableString()
			}
			p.LeaderID, p.LeaderEpoch, p.HighWatermark = r.Int32(), r.Int32(), r.Int64()
			p.CurrentVoters, p.Observers = replicas(r), replicas(r)
			r.SkipTags()
			return p
		})
		r.SkipTags()
		return t
	})
	if v >= 2 {
		m.Nodes = readArray(r, func(r *reader) (n quorumNode) {
			n.NodeID = r.Int32()
			n.Listeners = readArray(r, readQuorumListener)
			r.SkipTags()
			return n
		})
	}
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatal(err)
	}
	return m
}

// quorumStatus is the epoch and high watermark DescribeQuorum v2 reports
// for __cluster_metadata, after checking that it is answered without an
// error.
func (c *testClient) quorumStatus() (epoch int32, hw int64) {
	c.t.Helper()
	resp := c.describeQuorum(2, map[string][]int32{clusterMetadataTopic: {0}})
	if resp.ErrorCode != codeNone || len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 || resp.Topics[0].Partitions[0].ErrorCode != codeNone {
		c.t.Fatalf("DescribeQuorum: %+v", resp)
	}
	p := resp.Topics[0].Partitions[0]
	return p.LeaderEpoch, p.HighWatermark
}

// TestDescribeQuorumOfOneVoter: a new broker is the leader and only voter
// of its quorum at epoch 1, its first election, with one record in the
// log, the new leader's, and no observers, as RaftUtil's
// singletonDescribeQuorumResponse answers on a leader: its log end offset
// is the high watermark, and its two timestamps the current time. From v2
// the voter has the zero directory id of a static voter, and Nodes lists
// its endpoint, the listener the client came in on; v0 and v1 carry less
// of the same.
func TestDescribeQuorumOfOneVoter(t *testing.T) {
	tb := startBrokerWith(t, Config{DataDir: t.TempDir(), NodeID: 3})
	c := dial(t, tb.addr)
	before := time.Now().UnixMilli()
	got := c.describeQuorum(2, map[string][]int32{clusterMetadataTopic: {0}})
	after := time.Now().UnixMilli()
	self := got.Topics[0].Partitions[0].CurrentVoters[0]
	if self.LastFetchTimestamp < before || self.LastFetchTimestamp > after || self.LastCaughtUpTimestamp != self.LastFetchTimestamp {
		t.Errorf("leader's timestamps %d and %d, want the time of the answer, within [%d, %d]", self.LastFetchTimestamp, self.LastCaughtUpTimestamp, before, after)
	}
	host, portStr, _ := net.SplitHostPort(tb.addr)
	port, _ := strconv.Atoi(portStr)
	want := describeQuorumResponse{
		ErrorMessage: ptr(""),
		Topics: []describeQuorumTopicData{{TopicName: "__cluster_metadata", Partitions: []describeQuorumPartitionData{{
			ErrorMessage: ptr(""), LeaderID: 3, LeaderEpoch: 1, HighWatermark: 1,
			CurrentVoters: []quorumReplicaState{{ReplicaID: 3, LogEndOffset: 1}},
			Observers:     []quorumReplicaState{},
		}}}},
		Nodes: []quorumNode{{NodeID: 3, Listeners: []quorumListener{{Name: "PLAINTEXT", Host: host, Port: uint16(port)}}}},
	}
	ignoreTimes := cmpopts.IgnoreFields(quorumReplicaState{}, "LastFetchTimestamp", "LastCaughtUpTimestamp")
	if d := cmp.Diff(want, got, ignoreTimes); d != "" {
		t.Errorf("DescribeQuorum v2 (-want +got):\n%s", d)
	}
	for _, v := range []int16{0, 1} {
		got := c.describeQuorum(v, map[string][]int32{clusterMetadataTopic: {0}})
		p := got.Topics[0].Partitions[0]
		if got.ErrorCode != codeNone || p.LeaderID != 3 || p.LeaderEpoch != 1 || p.HighWatermark != 1 ||
			len(p.CurrentVoters) != 1 || p.CurrentVoters[0].LogEndOffset != 1 || (v == 1) != (p.CurrentVoters[0].LastFetchTimestamp > 0) {
			t.Errorf("DescribeQuorum v%d: %+v", v, got)
		}
	}
}

// TestDescribeQuorumOfAnotherPartition: anything but exactly
// __cluster_metadata partition 0 is answered as
// DescribeQuorumRequest.getPartitionLevelErrorResponse answers it: every
// partition asked for, UNKNOWN_TOPIC_OR_PARTITION with Errors' message,
// and no leader; the top level has no error.
func TestDescribeQuorumOfAnotherPartition(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	unknown := func(p int32) describeQuorumPartitionData {
		return describeQuorumPartitionData{PartitionIndex: p, ErrorCode: codeUnknownTopicOrPartition,
			ErrorMessage: ptr("This server does not host this topic-partition."), CurrentVoters: []quorumReplicaState{}, Observers: []quorumReplicaState{}}
	}
	for _, tc := range []struct {
		ask  map[string][]int32
		want []describeQuorumTopicData
	}{
		{map[string][]int32{clusterMetadataTopic: {1}}, []describeQuorumTopicData{{clusterMetadataTopic, []describeQuorumPartitionData{unknown(1)}}}},
		{map[string][]int32{clusterMetadataTopic: {0, 1}}, []describeQuorumTopicData{{clusterMetadataTopic, []describeQuorumPartitionData{unknown(0), unknown(1)}}}},
		{map[string][]int32{"orders": {0}}, []describeQuorumTopicData{{"orders", []describeQuorumPartitionData{unknown(0)}}}},
		{map[string][]int32{}, []describeQuorumTopicData{}},
	} {
		got := c.describeQuorum(2, tc.ask)
		want := describeQuorumResponse{ErrorMessage: ptr(""), Topics: tc.want, Nodes: []quorumNode{}}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("DescribeQuorum of %v (-want +got):\n%s", tc.ask, d)
		}
	}
}

// TestQuorumOffsetFollowsMetadataChanges: the high watermark moves by one
// for each change a Kafka controller would write to its metadata log,
// and by nothing for a request that changed nothing: a validate-only
// one, or one refused. A restart is a new election: the epoch and the
// log each move by one, from where they were.
func TestQuorumOffsetFollowsMetadataChanges(t *testing.T) {
	dir := t.TempDir()
	tb := startBroker(t, dir)
	c := dial(t, tb.addr)
	epoch, hw := c.quorumStatus()
	if epoch != 1 || hw != 1 {
		t.Fatalf("new broker: epoch %d, high watermark %d; want 1, 1", epoch, hw)
	}
	step := func(what string, moves int64, do func()) {
		t.Helper()
		do()
		_, now := c.quorumStatus()
		if now != hw+moves {
			t.Errorf("%s: high watermark %d, want %d", what, now, hw+moves)
		}
		hw = now
	}
	step("CreateTopics of two topics", 2, func() {
		c.createTopicsRaw([]creatableTopic{{Name: "a", NumPartitions: 1, ReplicationFactor: -1}, {Name: "b", NumPartitions: 1, ReplicationFactor: -1}}, false)
	})
	step("CreateTopics validate-only", 0, func() {
		c.createTopicsRaw([]creatableTopic{{Name: "c", NumPartitions: 1, ReplicationFactor: -1}}, true)
	})
	step("CreateTopics of a topic that exists", 0, func() {
		c.createTopicsRaw([]creatableTopic{{Name: "a", NumPartitions: 1, ReplicationFactor: -1}}, false)
	})
	step("AlterConfigs of a topic", 1, func() { c.alterConfigs(resourceTopic, "a", map[string]*string{"retention.ms": ptr("1000")}, false) })
	step("AlterConfigs validate-only", 0, func() { c.alterConfigs(resourceTopic, "a", map[string]*string{"retention.ms": ptr("2000")}, true) })
	step("UpdateFeatures", 1, func() { c.updateFeature("transaction.version", 2, upgradeTypeUpgrade) })
	step("UpdateFeatures refused", 0, func() { c.updateFeature("kraft.version", 1, upgradeTypeUpgrade) })
	step("CreatePartitions", 1, func() { c.createPartitionsRaw([]createPartitionsTopic{{Name: "a", Count: 2}}, false) })
	step("CreatePartitions validate-only", 0, func() { c.createPartitionsRaw([]createPartitionsTopic{{Name: "a", Count: 3}}, true) })
	step("AlterClientQuotas of one entity", 1, func() {
		c.alterQuotasRaw([]alterQuotaEntry{{Entity: []quotaEntityData{{EntityType: "client-id", EntityName: ptr("c")}},
			Ops: []quotaOp{{Key: "producer_byte_rate", Value: 1024}}}})
	})
	step("DeleteTopics", 1, func() { c.deleteTopicsRaw([]deleteTopicState{{Name: ptr("b")}}) })
	step("Produce", 0, func() { c.mustProduce("a", 0, makeBatch(testRecord{0, "v"})) })

	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	if epoch, now := c.quorumStatus(); epoch != 2 || now != hw+1 {
		t.Errorf("after a restart: epoch %d, high watermark %d; want 2, %d", epoch, now, hw+1)
	}
}

// TestUnregisterBroker: an id the cluster has no broker of is
// BROKER_ID_NOT_REGISTERED with no message, as the controller answers;
// this broker's own id is refused, where Kafka would unregister the live
// broker (quorum.go says why), and nothing changes.
func TestUnregisterBroker(t *testing.T) {
	tb := startBrokerWith(t, Config{DataDir: t.TempDir(), NodeID: 1})
	c := dial(t, tb.addr)
	unregister := func(id int32) string {
		r := c.roundTrip(64, 0, true, func(w *writer) { w.Int32(id); w.Tags() })
		r.Int32()
		code, msg := r.Int16(), r.NullableString()
		r.SkipTags()
		if err := r.complete(); err != nil {
			t.Fatal(err)
		}
		if msg == nil {
			return fmt.Sprintf("%d null", code)
		}
		return fmt.Sprintf("%d %q", code, *msg)
	}
	_, hw := c.quorumStatus()
	if got, want := unregister(2), `102 ""`; got != want {
		t.Errorf("UnregisterBroker 2: %s, want %s", got, want)
	}
	if got, want := unregister(-1), `102 ""`; got != want {
		t.Errorf("UnregisterBroker -1: %s, want %s", got, want)
	}
	if got := unregister(1); !strings.HasPrefix(got, `42 "Broker 1 is this node`) {
		t.Errorf("UnregisterBroker of itself: %s, want INVALID_REQUEST saying why", got)
	}
	if _, now := c.quorumStatus(); now != hw {
		t.Errorf("high watermark %d after refused unregistrations, was %d", now, hw)
	}
}

// TestRaftVoterChanges: AddRaftVoter and RemoveRaftVoter are checked as
// KafkaRaftClient checks them, in its order, and what passes is refused
// as AddVoterHandler and RemoveVoterHandler refuse any change of a static
// quorum (kraft.version 0).
func TestRaftVoterChanges(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	dir := uuid{1, 2, 3}
	// The cluster id is the data dir's, a new random one.
	id := tb.cfg.ClusterID
	answer := func(r *reader) string {
		r.Int32()
		code, msg := r.Int16(), r.NullableString()
		r.SkipTags()
		if err := r.complete(); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%d %s", code, deref(msg))
	}
	add := func(clusterID *string, id int32, dir uuid, listeners ...quorumListener) string {
		return answer(c.roundTrip(80, 0, true, func(w *writer) {
			w.NullableString(clusterID)
			w.Int32(30000)
			w.Int32(id)
			w.UUID(dir)
			writeArrayNonNull(w, listeners, writeQuorumListener)
			w.Tags()
		}))
	}
	remove := func(clusterID *string, id int32, dir uuid) string {
		return answer(c.roundTrip(81, 0, true, func(w *writer) {
			w.NullableString(clusterID)
			w.Int32(id)
			w.UUID(dir)
			w.Tags()
		}))
	}
	plaintext := quorumListener{Name: "plaintext", Host: "localhost", Port: 9093}
	controller := quorumListener{Name: "CONTROLLER", Host: "h2", Port: 9094}
	for _, tc := range []struct{ got, want string }{
		{add(ptr("other"), 2, dir, plaintext), `104 The given id "other" doesn't match the cluster id "` + id + `"`},
		{add(nil, -1, dir, plaintext), "42 Add voter request didn't include a valid voter"},
		{add(ptr(id), 2, uuid{}, plaintext), "42 Add voter request didn't include a valid voter"},
		{add(nil, 2, dir, controller), "42 Add voter request didn't include the endpoint (Endpoints(endpoints={ListenerName(CONTROLLER)=h2/<unresolved>:9094})) for the default listener ListenerName(PLAINTEXT)"},
		{add(nil, 2, dir, controller, plaintext), "35 Cluster doesn't support adding voter because the kraft.version feature is 0"},
		{add(ptr(id), 0, dir, plaintext), "35 Cluster doesn't support adding voter because the kraft.version feature is 0"},
		{remove(ptr("other"), 0, dir), `104 The given id "other" doesn't match the cluster id "` + id + `"`},
		{remove(nil, -1, dir), "42 Remove voter request didn't include a valid voter"},
		{remove(nil, 0, uuid{}), "42 Remove voter request didn't include a valid voter"},
		{remove(nil, 0, dir), "35 Cluster doesn't support removing voter because the kraft.version feature is 0"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s\nwant %s", tc.got, tc.want)
		}
	}
}

// TestQuorumAPIsAuthorization: DescribeQuorum needs DESCRIBE on the
// cluster, the other three ALTER, as ControllerApis checks them; a
// principal without is answered as each request's getErrorResponse
// answers CLUSTER_AUTHORIZATION_FAILED.
func TestQuorumAPIsAuthorization(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	describe := &describeQuorumRequest{Topics: []describeQuorumTopic{{TopicName: clusterMetadataTopic, Partitions: []describeQuorumPartition{{0}}}}}
	unregister := &unregisterBrokerRequest{BrokerID: 7}
	add := &addRaftVoterRequest{VoterID: 2, VoterDirectoryID: uuid{1}, Listeners: []quorumListener{{Name: "PLAINTEXT", Host: "h", Port: 1}}}
	remove := &removeRaftVoterRequest{VoterID: 2, VoterDirectoryID: uuid{1}}
	denied := map[int16]response{
		55: &describeQuorumResponse{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed."), Topics: []describeQuorumTopicData{}, Nodes: []quorumNode{}},
		64: &unregisterBrokerResponse{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("")},
		80: &raftVoterResponse{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed.")},
		81: &raftVoterResponse{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed.")},
	}
	requests := map[int16]request{55: describe, 64: unregister, 80: add, 81: remove}
	for key, req := range requests {
		if d := cmp.Diff(denied[key], ab.as("User:alice", key, 0, req)); d != "" {
			t.Errorf("%s without ACLs (-want +got):\n%s", lookupAPI(key).name, d)
		}
	}
	// ALTER implies DESCRIBE (AclEntry.supportedOperations), so each
	// grant is checked before the next.
	ab.grant(allow(resCluster, clusterName, aclDescribe))
	if resp := ab.as("User:alice", 55, 2, describe).(*describeQuorumResponse); resp.ErrorCode != codeNone || resp.Topics[0].Partitions[0].LeaderID != 0 {
		t.Errorf("DescribeQuorum with DESCRIBE: %+v", resp)
	}
	for _, key := range []int16{64, 80, 81} {
		if d := cmp.Diff(denied[key], ab.as("User:alice", key, 0, requests[key])); d != "" {
			t.Errorf("%s with DESCRIBE only (-want +got):\n%s", lookupAPI(key).name, d)
		}
	}
	ab.grant(allow(resCluster, clusterName, aclAlter))
	wantAllowed := map[int16]int16{64: codeBrokerIDNotRegistered, 80: codeUnsupportedVersion, 81: codeUnsupportedVersion}
	for key, code := range wantAllowed {
		var got int16
		switch resp := ab.as("User:alice", key, 0, requests[key]).(type) {
		case *unregisterBrokerResponse:
			got = resp.ErrorCode
		case *raftVoterResponse:
			got = resp.ErrorCode
		}
		if got != code {
			t.Errorf("%s with ALTER: code %d, want %d", lookupAPI(key).name, got, code)
		}
	}
}

// TestQuorumStateDamaged: a quorum-state.json that does not parse, or
// holds an epoch or offset that is negative or cannot move by one, stops
// the start with an error naming it, since starting again from 0 would
// take the epoch back; a missing one is a new quorum.
func TestQuorumStateDamaged(t *testing.T) {
	for _, content := range []string{"{", `{"leaderEpoch":-1,"endOffset":3}`, `{"leaderEpoch":2147483647,"endOffset":3}`, `{"leaderEpoch":1,"endOffset":9223372036854775807}`} {
		dir := t.TempDir()
		if err := writeFileAtomic(dir+"/"+quorumStateFile, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if _, err := openQuorumState(dir); err == nil || !strings.Contains(err.Error(), quorumStateFile) {
			t.Errorf("%q: err %v, want one naming %s", content, err, quorumStateFile)
		}
	}
	q, err := openQuorumState(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if epoch, end := q.now(); epoch != 1 || end != 1 {
		t.Errorf("new quorum: epoch %d, end %d; want 1, 1", epoch, end)
	}
}
