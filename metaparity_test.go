package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Tests of the metadata, discovery and security-handshake APIs where this
// broker was found to answer differently from Apache Kafka 4.0: each
// sends the raw request and checks what the Kafka class named in the code
// answers.

// TestApiVersionsTooNewListsItself: an ApiVersions request newer than the
// broker knows is answered, in v0, with UNSUPPORTED_VERSION and the
// versions of ApiVersions alone (ApiVersionsRequest.getErrorResponse), not
// the whole table, which the client gets when it asks again.
func TestApiVersionsTooNewListsItself(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.send(apiVersionsKey, 99, true, func(w *writer) { w.String("x"); w.String("1"); w.Tags() })
	r, err := c.recv(false)
	if err != nil {
		t.Fatal(err)
	}
	code := r.Int16()
	keys := readArray(r, func(r *reader) apiVersion { return apiVersion{r.Int16(), r.Int16(), r.Int16()} })
	if err := r.complete(); err != nil {
		t.Fatal(err)
	}
	row := lookupAPI(apiVersionsKey)
	want := []apiVersion{{apiVersionsKey, row.minVersion, row.maxVersion}}
	if code != codeUnsupportedVersion || len(keys) != 1 || keys[0] != want[0] {
		t.Errorf("code %d, keys %v; want %d and %v", code, keys, codeUnsupportedVersion, want)
	}
}

// apiVersionsAt sends ApiVersions v3 or v4 naming the client's software
// and returns the error code and the number of APIs listed.
func (c *testClient) apiVersionsAt(v int16, name, version string) (int16, int) {
	c.t.Helper()
	c.send(apiVersionsKey, v, true, func(w *writer) { w.String(name); w.String(version); w.Tags() })
	r, err := c.recv(false) // ApiVersions answers with header v0
	if err != nil {
		c.t.Fatal(err)
	}
	r.flexible = true
	code := r.Int16()
	keys := readArray(r, func(r *reader) apiVersion {
		k := apiVersion{r.Int16(), r.Int16(), r.Int16()}
		r.SkipTags()
		return k
	})
	r.Int32() // throttle
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatal(err)
	}
	return code, len(keys)
}

// TestApiVersionsSoftwareNameChecked: from v3 a client software name or
// version outside ApiVersionsRequest's pattern is INVALID_REQUEST with no
// APIs listed (KafkaApis.handleApiVersionsRequest), and the connection
// stays open.
func TestApiVersionsSoftwareNameChecked(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	tests := []struct {
		name, version string
		valid         bool
	}{
		{"apache-kafka-java", "4.0.0", true},
		{"librdkafka", "2.8.0", true},
		{"a", "1", true},
		{"", "1.0", false},
		{"kafka-python", "", false},
		{"-franz", "1.0", false},
		{"franz-go", "1.0-", false},
		{"franz go", "1.0", false},
		{"franz_go", "1.0", false},
		{"kafkajs", "v2.2.4+build", false},
	}
	for _, v := range []int16{3, 4} {
		for _, tt := range tests {
			code, n := c.apiVersionsAt(v, tt.name, tt.version)
			if tt.valid && (code != codeNone || n != len(apis)) {
				t.Errorf("v%d %q %q: code %d, %d APIs; want 0 and %d", v, tt.name, tt.version, code, n, len(apis))
			}
			if !tt.valid && (code != codeInvalidRequest || n != 0) {
				t.Errorf("v%d %q %q: code %d, %d APIs; want INVALID_REQUEST and none", v, tt.name, tt.version, code, n)
			}
		}
	}
}

// metadataAt sends Metadata at version v for topics (nil: all topics)
// and decodes the answer at that version.
func (c *testClient) metadataAt(v int16, topics []metadataRequestTopic, allowCreate bool) metadataResponse {
	c.t.Helper()
	flexible := v >= 9
	r := c.roundTrip(3, v, flexible, func(w *writer) {
		writeArray(w, topics, func(w *writer, t metadataRequestTopic) {
			if v >= 10 {
				w.UUID(t.TopicID)
				w.NullableString(t.Name)
			} else {
				w.String(deref(t.Name))
			}
			w.Tags()
		})
		if v >= 4 {
			w.Bool(allowCreate)
		}
		if v >= 8 && v <= 10 {
			w.Bool(false)
		}
		if v >= 8 {
			w.Bool(false)
		}
		w.Tags()
	})
	var m metadataResponse
	if v >= 3 {
		m.ThrottleTimeMs = r.Int32()
	}
	m.Brokers = readArray(r, func(r *reader) (b metadataBroker) {
		b.NodeID, b.Host, b.Port = r.Int32(), r.String(), r.Int32()
		if v >= 1 {
			b.Rack = r.NullableString()
		}
		r.SkipTags()
		return b
	})
	if v >= 2 {
		m.ClusterID = r.NullableString()
	}
	m.ControllerID = -1
	if v >= 1 {
		m.ControllerID = r.Int32()
	}
	m.Topics = readArray(r, func(r *reader) (t metadataTopic) {
		t.ErrorCode = r.Int16()
		if v >= 12 {
			t.Name = r.NullableString()
		} else {
			t.Name = ptr(r.String())
		}
		if v >= 10 {
			t.TopicID = r.UUID()
		}
		if v >= 1 {
			t.IsInternal = r.Bool()
		}
		t.Partitions = readArray(r, func(r *reader) (p metadataPartition) {
			p.ErrorCode, p.PartitionIndex, p.LeaderID = r.Int16(), r.Int32(), r.Int32()
			if v >= 7 {
				p.LeaderEpoch = r.Int32()
			}
			p.ReplicaNodes, p.IsrNodes = r.Int32s(), r.Int32s()
			if v >= 5 {
				p.OfflineReplicas = r.Int32s()
			}
			r.SkipTags()
			return p
		})
		if v >= 8 {
			t.TopicAuthorizedOperations = r.Int32()
		}
		r.SkipTags()
		return t
	})
	if v >= 8 && v <= 10 {
		m.ClusterAuthorizedOperations = r.Int32()
	}
	if v >= 13 {
		m.ErrorCode = r.Int16()
	}
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatalf("Metadata v%d: %v", v, err)
	}
	return m
}

// TestMetadataV13ErrorCode: Metadata v13 (KIP-1102) ends with a
// top-level ErrorCode, which Kafka 4.0's KafkaApis leaves at NONE and
// MetadataRequest.getErrorResponse sets to the refusal's code, beside
// each topic's.
func TestMetadataV13ErrorCode(t *testing.T) {
	_, c := startWithTopic(t, "known", 2)
	m := c.metadataAt(13, []metadataRequestTopic{{Name: ptr("known")}}, false)
	if got, want := fmt.Sprint(m.ErrorCode, metadataOutcomes(m), len(m.Brokers)), "0 [known 0 2] 1"; got != want {
		t.Errorf("v13: %s, want %s", got, want)
	}

	sb := startSecureBroker(t, Config{Listeners: "SASL_PLAINTEXT://127.0.0.1:0", Security: SecurityConfig{SASLUsers: saslUsers}})
	c = dial(t, sb.addrs[protocolSASLPlaintext])
	if code, _ := c.saslHandshake(1, mechPlain); code != codeNone {
		t.Fatalf("handshake: code %d", code)
	}
	m = c.metadataAt(13, []metadataRequestTopic{{Name: ptr("t")}}, false)
	if got, want := fmt.Sprint(m.ErrorCode, metadataOutcomes(m), len(m.Brokers), m.ControllerID), fmt.Sprintf("%d [t %d 0] 0 -1", codeIllegalSASLState, codeIllegalSASLState); got != want {
		t.Errorf("v13 during the login: %s, want %s", got, want)
	}
}

// metadataOutcomes is each topic of a Metadata answer as "name code
// partitions", with a null name as <nil>.
func metadataOutcomes(m metadataResponse) []string {
	var out []string
	for _, t := range m.Topics {
		name := "<nil>"
		if t.Name != nil {
			name = *t.Name
		}
		out = append(out, fmt.Sprintf("%s %d %d", name, t.ErrorCode, len(t.Partitions)))
	}
	return out
}

// TestMetadataTopicIDsFromV12: Kafka 4.0 serves Metadata by topic id
// only from v12; at v10 and v11 a topic id or a null name is
// INVALID_REQUEST for every topic named, with no brokers
// (KafkaApis.handleTopicMetadataRequest, MetadataRequest.getErrorResponse).
// At v12 the ids decide, each answered once, the unknown ones first.
func TestMetadataTopicIDsFromV12(t *testing.T) {
	tb, c := startWithTopic(t, "known", 2)
	id := tb.logs.Topic("known").ID
	unknown := uuid{1, 2, 3}
	for _, v := range []int16{10, 11} {
		m := c.metadataAt(v, []metadataRequestTopic{{Name: ptr("known")}, {TopicID: id}}, false)
		got := fmt.Sprint(metadataOutcomes(m), len(m.Brokers), m.ControllerID, m.Topics[1].TopicID == id)
		if want := "[known 42 0  42 0] 0 -1 true"; got != want {
			t.Errorf("v%d by id: %s, want %s", v, got, want)
		}
		m = c.metadataAt(v, []metadataRequestTopic{{Name: nil}}, false)
		if got, want := fmt.Sprint(metadataOutcomes(m)), "[ 42 0]"; got != want {
			t.Errorf("v%d null name: %s, want %s", v, got, want)
		}
	}
	m := c.metadataAt(12, []metadataRequestTopic{{TopicID: id, Name: ptr("ignored")}, {TopicID: unknown}, {TopicID: id}, {TopicID: unknown}}, true)
	if got, want := fmt.Sprint(metadataOutcomes(m)), "[<nil> 100 0 known 0 2]"; got != want {
		t.Errorf("v12 by id: %s, want %s", got, want)
	}
	if tb.logs.Topic("ignored") != nil {
		t.Error("a name sent beside an id was created")
	}
}

// TestMetadataNameOnce: a topic named twice is answered once, as Kafka
// answers from a set of names.
func TestMetadataNameOnce(t *testing.T) {
	_, c := startWithTopic(t, "twice", 1)
	for _, v := range []int16{4, 9, 12} {
		m := c.metadataAt(v, []metadataRequestTopic{{Name: ptr("twice")}, {Name: ptr("missing")}, {Name: ptr("twice")}, {Name: ptr("missing")}}, false)
		if got, want := fmt.Sprint(metadataOutcomes(m)), "[twice 0 1 missing 3 0]"; got != want {
			t.Errorf("v%d: %s, want %s", v, got, want)
		}
	}
}

// TestInternalTopicsFlagged: the topics Kafka's Topic.isInternal names
// are flagged IsInternal by Metadata and DescribeTopicPartitions even
// when they do not exist, as KafkaApis.getTopicMetadata and
// KRaftMetadataCache answer them.
func TestInternalTopicsFlagged(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	names := []string{"__transaction_state", "__share_group_state", "__consumer_offsets_not"}
	var asked []metadataRequestTopic
	for _, n := range names {
		asked = append(asked, metadataRequestTopic{Name: ptr(n)})
	}
	m := c.metadataAt(12, asked, false)
	var got []string
	for _, tp := range m.Topics {
		got = append(got, fmt.Sprintf("%s %d %v", deref(tp.Name), tp.ErrorCode, tp.IsInternal))
	}
	want := "[__transaction_state 3 true __share_group_state 3 true __consumer_offsets_not 3 false]"
	if fmt.Sprint(got) != want {
		t.Errorf("Metadata: %v, want %s", got, want)
	}
	resp := tb.handleDescribeTopicPartitions(context.Background(), &requestContext{header: &requestHeader{APIKey: 75}},
		&describeTopicPartitionsRequest{Topics: []describeTopicPartitionsRequestTopic{{"__transaction_state"}}, ResponsePartitionLimit: 10}).(*describeTopicPartitionsResponse)
	if len(resp.Topics) != 1 || !resp.Topics[0].IsInternal || resp.Topics[0].ErrorCode != codeUnknownTopicOrPartition {
		t.Errorf("DescribeTopicPartitions __transaction_state: %+v, want UNKNOWN_TOPIC_OR_PARTITION and IsInternal", resp.Topics)
	}
}

// findCoordinatorAt sends FindCoordinator at version v (keys[0] alone
// before v4) and returns each answer as "key code message node", with
// the message <nil> when null and the key "" before v4.
func (c *testClient) findCoordinatorAt(v int16, keyType int8, keys ...string) []string {
	c.t.Helper()
	flexible := v >= 3
	r := c.roundTrip(10, v, flexible, func(w *writer) {
		if v <= 3 {
			w.String(keys[0])
		}
		if v >= 1 {
			w.Int8(keyType)
		}
		if v >= 4 {
			w.Strings(keys)
		}
		w.Tags()
	})
	if v >= 1 {
		r.Int32() // throttle
	}
	msg := func(m *string) string {
		if m == nil {
			return "<nil>"
		}
		return *m
	}
	var out []string
	if v <= 3 {
		code := r.Int16()
		var m *string
		if v >= 1 {
			m = r.NullableString()
		}
		node, host, port := r.Int32(), r.String(), r.Int32()
		out = append(out, fmt.Sprintf(" %d %s %d", code, msg(m), node))
		if node == -1 && (host != "" || port != -1) {
			out = append(out, fmt.Sprintf("no node at %q:%d", host, port))
		}
	} else {
		out = readArray(r, func(r *reader) string {
			key, node, host, port, code, m := r.String(), r.Int32(), r.String(), r.Int32(), r.Int16(), r.NullableString()
			r.SkipTags()
			if node == -1 && (host != "" || port != -1) {
				return fmt.Sprintf("no node at %q:%d", host, port)
			}
			return fmt.Sprintf("%s %d %s %d", key, code, msg(m), node)
		})
	}
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// invalidRequestMessage is Errors.INVALID_REQUEST's default message.
const invalidRequestMessage = "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details."

// TestFindCoordinatorAsKafka: the answers of KafkaApis.getCoordinator and
// FindCoordinatorRequest.getErrorResponse. Before v4 the message is the
// error's default one, "NONE" without an error; from v4 a key's own error
// has no message, while a request failed whole gives every key the
// default message. An unknown key type fails the whole request; a share
// key (type 2) before v6 is INVALID_REQUEST for that key.
func TestFindCoordinatorAsKafka(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	share := "g:AAAAAAAAAAAAAAAAAAAAAA:0"
	tests := []struct {
		v       int16
		keyType int8
		keys    []string
		want    string
	}{
		{0, 0, []string{"g"}, "[ 0 <nil> 0]"},
		{1, 0, []string{"g"}, "[ 0 NONE 0]"},
		{3, 1, []string{"txn"}, "[ 0 NONE 0]"},
		{3, 5, []string{"g"}, "[ 42 " + invalidRequestMessage + " -1]"},
		{3, 2, []string{share}, "[ 42 " + invalidRequestMessage + " -1]"},
		{4, 5, []string{"a", "b"}, "[a 42 " + invalidRequestMessage + " -1 b 42 " + invalidRequestMessage + " -1]"},
		{5, 2, []string{share}, "[" + share + " 42 <nil> -1]"},
		{6, 2, []string{share}, "[" + share + " 0 <nil> 0]"},
		{4, 0, []string{"a", "b"}, "[a 0 <nil> 0 b 0 <nil> 0]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(c.findCoordinatorAt(tt.v, tt.keyType, tt.keys...)); got != tt.want {
			t.Errorf("v%d type %d %v: %s, want %s", tt.v, tt.keyType, tt.keys, got, tt.want)
		}
	}
}

// TestFindCoordinatorDeniedAsKafka: with the authorizer, a key the
// principal may not describe is answered in its place in the list, with
// no message from v4 and the default message before; a share key without
// CLUSTER_ACTION fails the whole request (KafkaApis.getCoordinator).
func TestFindCoordinatorDeniedAsKafka(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.grant(acl{resGroup, "ok", patternLiteral, "User:alice", "*", aclDescribe, permissionAllow})
	answer := func(v int16, keyType int8, keys ...string) string {
		req := &findCoordinatorRequest{KeyType: keyType, CoordinatorKeys: keys}
		if v < 4 {
			req.Key = keys[0]
		}
		resp := ab.as("User:alice", 10, v, req).(*findCoordinatorResponse)
		if v < 4 {
			return fmt.Sprintf("%d %s %d", resp.ErrorCode, deref(resp.ErrorMessage), resp.NodeID)
		}
		var out []string
		for _, a := range resp.Coordinators {
			out = append(out, fmt.Sprintf("%s %d %v %d", a.Key, a.ErrorCode, a.ErrorMessage != nil, a.NodeID))
		}
		return fmt.Sprint(out)
	}
	tests := []struct{ got, want string }{
		{answer(3, 0, "no"), "30 Group authorization failed. -1"},
		{answer(3, 1, "t"), "53 Transactional Id authorization failed. -1"},
		{answer(4, 0, "no", "ok", "no2"), "[no 30 false -1 ok 0 false 0 no2 30 false -1]"},
		{answer(6, 2, "g:AAAAAAAAAAAAAAAAAAAAAA:0"), "[g:AAAAAAAAAAAAAAAAAAAAAA:0 31 true -1]"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s, want %s", tt.got, tt.want)
		}
	}
}

// TestSASLStateErrorsAsKafka: the ILLEGAL_SASL_STATE answers of Kafka's
// SaslServerAuthenticator and KafkaApis. A handshake it will not take up
// lists no mechanisms (only an unsupported mechanism's answer lists
// them); SaslAuthenticate after the login, or on a listener without SASL,
// gets KafkaApis.handleSaslAuthenticateRequest's message and the
// connection stays; SaslAuthenticate before any handshake closes the
// connection without an answer.
func TestSASLStateErrorsAsKafka(t *testing.T) {
	sb := startSecureBroker(t, Config{
		Listeners: "SASL_PLAINTEXT://127.0.0.1:0,PLAINTEXT://127.0.0.1:0",
		Security:  SecurityConfig{SASLUsers: saslUsers},
	})
	sasl := sb.addrs[protocolSASLPlaintext]
	const afterLogin = "SaslAuthenticate request received after successful authentication"

	c := dial(t, sasl)
	if code, mechs := c.saslHandshake(1, "GSSAPI"); code != codeUnsupportedSASLMechanism || len(mechs) == 0 {
		t.Errorf("unsupported mechanism: code %d, mechanisms %v; want them listed", code, mechs)
	}

	c = dial(t, sasl)
	c.saslHandshake(1, mechPlain)
	if code, mechs := c.saslHandshake(1, mechPlain); code != codeIllegalSASLState || len(mechs) != 0 {
		t.Errorf("second handshake during the login: code %d, mechanisms %v; want ILLEGAL_SASL_STATE and none", code, mechs)
	}

	c = dial(t, sasl)
	if code, msg := c.plainLogin("alice", "alice-secret"); code != codeNone {
		t.Fatalf("login: %d %s", code, deref(msg))
	}
	if code, mechs := c.saslHandshake(1, mechPlain); code != codeIllegalSASLState || len(mechs) != 0 {
		t.Errorf("handshake after the login: code %d, mechanisms %v; want ILLEGAL_SASL_STATE and none", code, mechs)
	}
	if code, msg, _, err := c.saslAuthenticate([]byte("x")); err != nil || code != codeIllegalSASLState || deref(msg) != afterLogin {
		t.Errorf("SaslAuthenticate after the login: %d %q, %v; want ILLEGAL_SASL_STATE %q", code, deref(msg), err, afterLogin)
	}
	c.metadataV1()

	plain := dial(t, sb.addrs[protocolPlaintext])
	if code, mechs := plain.saslHandshake(1, mechPlain); code != codeIllegalSASLState || len(mechs) != 0 {
		t.Errorf("handshake on PLAINTEXT: code %d, mechanisms %v; want ILLEGAL_SASL_STATE and none", code, mechs)
	}
	if code, msg, _, err := plain.saslAuthenticate([]byte("x")); err != nil || code != codeIllegalSASLState || deref(msg) != afterLogin {
		t.Errorf("SaslAuthenticate on PLAINTEXT: %d %q, %v; want ILLEGAL_SASL_STATE %q", code, deref(msg), err, afterLogin)
	}
	plain.metadataV1()

	c = dial(t, sasl)
	if code, _, _, err := c.saslAuthenticate([]byte("\x00alice\x00alice-secret")); err == nil {
		t.Errorf("SaslAuthenticate before the handshake: answered %d, want the connection closed", code)
	}
}

// offsetForLeaderEpochAt sends OffsetForLeaderEpoch v4 for one partition
// and returns its "code epoch endOffset".
func (c *testClient) offsetForLeaderEpochAt(topic string, partition, currentEpoch, epoch int32) string {
	c.t.Helper()
	r := c.roundTrip(23, 4, true, func(w *writer) {
		w.Int32(-1) // a consumer
		w.ArrayLen(1)
		w.String(topic)
		w.ArrayLen(1)
		w.Int32(partition)
		w.Int32(currentEpoch)
		w.Int32(epoch)
		w.Tags()
		w.Tags()
		w.Tags()
	})
	r.Int32() // throttle
	var out []string
	readArray(r, func(r *reader) int {
		_ = r.String() // topic
		readArray(r, func(r *reader) int {
			code, _, e, end := r.Int16(), r.Int32(), r.Int32(), r.Int64()
			r.SkipTags()
			out = append(out, fmt.Sprintf("%d %d %d", code, e, end))
			return 0
		})
		r.SkipTags()
		return 0
	})
	r.SkipTags()
	if err := r.complete(); err != nil || len(out) != 1 {
		c.t.Fatalf("OffsetForLeaderEpoch: %v, %d answers", err, len(out))
	}
	return out[0]
}

// TestOffsetForLeaderEpochAsKafka: the end offsets of
// LeaderEpochFileCache.endOffsetFor over the one epoch, 0, the fencing of
// Partition.getLocalLog, and KAFKA_STORAGE_ERROR for an offline
// partition whatever the epochs, as ReplicaManager.lastOffsetForLeaderEpoch
// answers HostedPartition.Offline.
func TestOffsetForLeaderEpochAsKafka(t *testing.T) {
	tb, c := startWithTopic(t, "e", 2)
	for range 3 {
		c.produce("e", 0, makeBatch(testRecord{1, "v"}))
	}
	tests := []struct {
		partition, current, epoch int32
		want                      string
	}{
		{0, -1, 0, "0 0 3"},
		{0, 0, 0, "0 0 3"},
		{0, -1, -1, "0 -1 -1"},
		{0, -1, 5, "0 -1 -1"},
		{0, 1, 0, "75 -1 -1"},  // UNKNOWN_LEADER_EPOCH: newer than ours
		{0, -2, 0, "74 -1 -1"}, // FENCED_LEADER_EPOCH: only -1 skips the check
		{7, -1, 0, "3 -1 -1"},
	}
	for _, tt := range tests {
		if got := c.offsetForLeaderEpochAt("e", tt.partition, tt.current, tt.epoch); got != tt.want {
			t.Errorf("partition %d, current %d, epoch %d: %s, want %s", tt.partition, tt.current, tt.epoch, got, tt.want)
		}
	}
	pl := tb.logs.Topic("e").Partitions[1]
	pl.fail(errors.New("injected"))
	for _, current := range []int32{-1, 0, 3} {
		if got := c.offsetForLeaderEpochAt("e", 1, current, 0); got != "56 -1 -1" {
			t.Errorf("offline partition, current epoch %d: %s, want KAFKA_STORAGE_ERROR (56 -1 -1)", current, got)
		}
	}
	pl.offline.Store(nil) // back, so that the broker closes cleanly
}

// TestOfflinePartitionHasNoLeader: a partition taken offline by a failed
// fsync is shown as Kafka shows a partition whose only replica's log dir
// failed: Metadata answers it LEADER_NOT_AVAILABLE with leader -1 and the
// replica in OfflineReplicas (KRaftMetadataCache.getPartitionMetadata),
// DescribeTopicPartitions with leader -1 and the replica offline, and
// the other partitions as before.
func TestOfflinePartitionHasNoLeader(t *testing.T) {
	tb, c := startWithTopic(t, "o", 2)
	pl := tb.logs.Topic("o").Partitions[1]
	pl.fail(errors.New("injected"))
	defer pl.offline.Store(nil) // back, so that the broker closes cleanly
	node := tb.cfg.NodeID
	for _, v := range []int16{5, 12} {
		m := c.metadataAt(v, []metadataRequestTopic{{Name: ptr("o")}}, false)
		var got []string
		for _, p := range m.Topics[0].Partitions {
			got = append(got, fmt.Sprintf("%d: %d leader %d replicas %v isr %v offline %v", p.PartitionIndex, p.ErrorCode, p.LeaderID, p.ReplicaNodes, p.IsrNodes, p.OfflineReplicas))
		}
		want := fmt.Sprintf("[0: 0 leader %d replicas [%d] isr [%d] offline [] 1: 5 leader -1 replicas [%d] isr [%d] offline [%d]]", node, node, node, node, node, node)
		if fmt.Sprint(got) != want {
			t.Errorf("Metadata v%d: %v, want %s", v, got, want)
		}
	}
	resp := tb.handleDescribeTopicPartitions(context.Background(), &requestContext{header: &requestHeader{APIKey: 75}},
		&describeTopicPartitionsRequest{Topics: []describeTopicPartitionsRequestTopic{{"o"}}, ResponsePartitionLimit: 10}).(*describeTopicPartitionsResponse)
	var got []string
	for _, p := range resp.Topics[0].Partitions {
		got = append(got, fmt.Sprintf("%d: leader %d offline %v", p.PartitionIndex, p.LeaderID, p.OfflineReplicas))
	}
	if want := fmt.Sprintf("[0: leader %d offline [] 1: leader -1 offline [%d]]", node, node); fmt.Sprint(got) != want {
		t.Errorf("DescribeTopicPartitions: %v, want %s", got, want)
	}
}

// TestDescribeLogDirsEachPartitionOnce: a request that names a topic, or
// a partition, more than once lists it once, as
// KafkaApis.handleDescribeLogDirsRequest collects the request into a set
// and ReplicaManager.describeLogDirs groups the logs by topic.
func TestDescribeLogDirsEachPartitionOnce(t *testing.T) {
	_, c := startWithTopic(t, "d", 3)
	r := c.roundTrip(35, 4, true, func(w *writer) {
		writeArrayNonNull(w, []describableLogDirTopic{{"d", []int32{0, 1, 0}}, {"d", []int32{2, 1}}, {"nope", []int32{0}}}, func(w *writer, t describableLogDirTopic) {
			w.String(t.Topic)
			w.Int32s(t.Partitions)
			w.Tags()
		})
		w.Tags()
	})
	r.Int32()
	r.Int16()
	var got []string
	readArray(r, func(r *reader) int {
		r.Int16()
		_ = r.String()
		readArray(r, func(r *reader) int {
			name := r.String()
			readArray(r, func(r *reader) int {
				p := r.Int32()
				r.Int64()
				r.Int64()
				r.Bool()
				r.SkipTags()
				got = append(got, fmt.Sprintf("%s-%d", name, p))
				return 0
			})
			r.SkipTags()
			return 0
		})
		r.Int64()
		r.Int64()
		r.SkipTags()
		return 0
	})
	r.SkipTags()
	if err := r.complete(); err != nil {
		t.Fatal(err)
	}
	if want := "[d-0 d-1 d-2]"; fmt.Sprint(got) != want {
		t.Errorf("partitions listed: %v, want %s", got, want)
	}
}

// TestMetadataAutoCreateAnswersUnknownFirst: the Metadata request that
// creates a topic is answered UNKNOWN_TOPIC_OR_PARTITION with no
// partitions and a zero topic id, as Kafka 4.0's broker answers before
// its controller has created the topic
// (AutoTopicCreationManager.sendCreateTopicRequest); the next request
// finds it. An invalid name is INVALID_TOPIC_EXCEPTION and creates
// nothing; without creation a missing topic is UNKNOWN_TOPIC_OR_PARTITION.
func TestMetadataAutoCreateAnswersUnknownFirst(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	for _, v := range []int16{1, 4, 9, 12} {
		name := fmt.Sprintf("auto-v%d", v)
		first := c.metadataAt(v, []metadataRequestTopic{{Name: ptr(name)}, {Name: ptr("bad name")}}, true)
		if got, want := fmt.Sprint(metadataOutcomes(first)), fmt.Sprintf("[%s 3 0 bad name 17 0]", name); got != want {
			t.Errorf("v%d first ask: %s, want %s", v, got, want)
		}
		if first.Topics[0].TopicID != (uuid{}) {
			t.Errorf("v%d first ask: topic id %v, want zero", v, first.Topics[0].TopicID)
		}
		next := c.metadataAt(v, []metadataRequestTopic{{Name: ptr(name)}}, true)
		if got, want := fmt.Sprint(metadataOutcomes(next)), fmt.Sprintf("[%s 0 %d]", name, tb.cfg.DefaultPartitions); got != want {
			t.Errorf("v%d next ask: %s, want %s", v, got, want)
		}
	}
	m := c.metadataAt(12, []metadataRequestTopic{{Name: ptr("never")}}, false)
	if got, want := fmt.Sprint(metadataOutcomes(m)), "[never 3 0]"; got != want || tb.logs.Topic("never") != nil {
		t.Errorf("without creation: %s, want %s and no topic", got, want)
	}
}

// alterQuotasRaw sends AlterClientQuotas v1 and returns each result as
// "entity code message", the entity as type=name pairs in answer order.
func (c *testClient) alterQuotasRaw(entries []alterQuotaEntry) []string {
	c.t.Helper()
	r := c.roundTrip(49, 1, true, func(w *writer) {
		writeArrayNonNull(w, entries, func(w *writer, e alterQuotaEntry) {
			writeArrayNonNull(w, e.Entity, writeQuotaEntityData)
			writeArrayNonNull(w, e.Ops, func(w *writer, op quotaOp) {
				w.String(op.Key)
				w.Float64(op.Value)
				w.Bool(op.Remove)
				w.Tags()
			})
			w.Tags()
		})
		w.Bool(false)
		w.Tags()
	})
	r.Int32()
	out := readArray(r, func(r *reader) string {
		code, msg := r.Int16(), r.NullableString()
		var parts []string
		for _, d := range readArray(r, readQuotaEntityData) {
			name := "<default>"
			if d.EntityName != nil {
				name = *d.EntityName
			}
			parts = append(parts, d.EntityType+"="+name)
		}
		r.SkipTags()
		return fmt.Sprintf("%v %s", parts, outcome(code, msg))
	})
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatal(err)
	}
	return out
}

// TestAlterClientQuotasAsKafka: what ClientQuotaControlManager answers
// for the entities AlterClientQuotasRequest.entries reads into maps. A
// type named twice in an entity keeps its last name; an entity named
// twice is answered once, "Ignoring duplicate entity" with the entity as
// ClientQuotaEntity.toString gives it, though the first alteration
// stands; a key repeated in the ops gets the same answer; the IP
// combination message is Kafka's, without its missing space; an IP entity
// must be an address or a name that resolves.
func TestAlterClientQuotasAsKafka(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	rate := func(v float64) []quotaOp { return []quotaOp{{Key: producerByteRate, Value: v}} }
	got := c.alterQuotasRaw([]alterQuotaEntry{
		{Entity: entity("user", "alice", "client-id", "app"), Ops: rate(100)},
		{Entity: entity("user", "x", "user", "bob"), Ops: rate(200)},
		{Entity: entity("client-id", "app", "user", "alice"), Ops: rate(300)},
		{Entity: entity("user", "<default>"), Ops: []quotaOp{{Key: producerByteRate, Value: 1}, {Key: producerByteRate, Value: 2}}},
		{Entity: entity("ip", "10.0.0.1", "user", "alice"), Ops: nil},
		{Entity: entity("ip", "no-such-host.invalid"), Ops: []quotaOp{{Key: connectionCreationRate, Value: 5}}},
		{Entity: entity("ip", "127.0.0.1"), Ops: []quotaOp{{Key: connectionCreationRate, Value: 5}}},
	})
	want := []string{
		"[client-id=app user=alice] 42 Ignoring duplicate entity ClientQuotaEntity(entries={client-id=app, user=alice})",
		"[user=bob] 0 <nil>",
		"[user=<default>] 42 Ignoring duplicate entity ClientQuotaEntity(entries={user=null})",
		"[user=alice ip=10.0.0.1] 42 Invalid quota entity combination, IP entity shouldnot be combined with User or ClientId",
		"[ip=no-such-host.invalid] 42 no-such-host.invalid is not a valid IP or resolvable host.",
		"[ip=127.0.0.1] 0 <nil>",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("results:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The first alteration of the repeated entity stands.
	desc := serve(t, tb.Broker, 48, 1, &describeClientQuotasRequest{Components: []quotaFilterComponent{{EntityType: "user", MatchType: matchExact, Match: ptr("alice")}, {EntityType: "client-id", MatchType: matchExact, Match: ptr("app")}}}).(*describeClientQuotasResponse)
	if len(desc.Entries) != 1 || desc.Entries[0].Values[0].Value != 100 {
		t.Errorf("alice/app after the request: %+v, want producer_byte_rate 100", desc.Entries)
	}
}

// TestFramingAsKafka: a request header v2 with a null client id and a
// tagged field the broker does not know is answered (RequestHeader reads
// and skips unknown tags), and an API key the broker does not serve
// closes the connection without an answer, as Kafka's SocketServer does
// when RequestContext cannot parse the request.
func TestFramingAsKafka(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	w := &writer{buf: make([]byte, 4), flexible: true}
	w.Int16(3)  // Metadata
	w.Int16(12) // v12: header v2
	w.Int32(77)
	w.Int16(-1) // client id: null
	w.Tags(tag{99, func(w *writer) { w.Int32(7) }})
	w.ArrayLen(-1) // all topics
	w.Bool(false)
	w.Bool(false)
	w.Tags()
	binary.BigEndian.PutUint32(w.buf, uint32(len(w.buf)-4))
	if _, err := c.conn.Write(w.buf); err != nil {
		t.Fatal(err)
	}
	c.corr = 77
	if _, err := c.recv(true); err != nil {
		t.Fatalf("Metadata with a null client id and an unknown header tag: %v", err)
	}
	c.send(1000, 0, false, func(w *writer) {})
	c.expectClosed()
}

// TestMetadataUnknownIDHasNoOperations: asked for its authorized
// operations, an unknown topic id keeps the schema's default, INT32_MIN,
// since Kafka fills them in only for the topics it looked up by name
// (KafkaApis.handleTopicMetadataRequest); a known id gets them.
func TestMetadataUnknownIDHasNoOperations(t *testing.T) {
	tb, c := startWithTopic(t, "known", 1)
	id := tb.logs.Topic("known").ID
	r := c.roundTrip(3, 12, true, func(w *writer) {
		writeArrayNonNull(w, []uuid{{9}, id}, func(w *writer, id uuid) {
			w.UUID(id)
			w.NullableString(nil)
			w.Tags()
		})
		w.Bool(false)
		w.Bool(true) // IncludeTopicAuthorizedOperations
		w.Tags()
	})
	r.Int32()
	readArray(r, func(r *reader) metadataBroker {
		b := metadataBroker{NodeID: r.Int32(), Host: r.String(), Port: r.Int32(), Rack: r.NullableString()}
		r.SkipTags()
		return b
	})
	r.NullableString()
	r.Int32()
	topics := readArray(r, readMetadataTopic)
	if r.err != nil || len(topics) != 2 {
		t.Fatalf("%d topics, err %v", len(topics), r.err)
	}
	if got := topics[0].TopicAuthorizedOperations; topics[0].ErrorCode != codeUnknownTopicID || got != authorizedOperationsOmitted {
		t.Errorf("unknown id: code %d, operations %d; want UNKNOWN_TOPIC_ID and %d", topics[0].ErrorCode, got, authorizedOperationsOmitted)
	}
	if got := topics[1].TopicAuthorizedOperations; got != topicOperations {
		t.Errorf("known id: operations %b, want %b", got, topicOperations)
	}
}

// TestDescribeTopicPartitionsDeniedBeforePaging: under the authorizer,
// DescribeTopicPartitionsRequestHandler checks the cursor against the
// topics as asked and leaves out the topics the principal may not
// describe before it fills the page: they take no room in it, never
// become its NextCursor, and, when named, follow as
// TOPIC_AUTHORIZATION_FAILED. Every topic listed, found or not, carries
// the principal's operations on it.
func TestDescribeTopicPartitionsDeniedBeforePaging(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	for _, name := range []string{"a", "b", "c"} {
		if _, err := ab.logs.CreateTopic(name, 2); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"a", "c", "gone"} {
		ab.grant(allow(resTopic, name, aclDescribe))
	}
	page := func(names []string, cursor *topicPartitionsCursor, limit int32) string {
		req := &describeTopicPartitionsRequest{ResponsePartitionLimit: limit, Cursor: cursor}
		for _, n := range names {
			req.Topics = append(req.Topics, describeTopicPartitionsRequestTopic{n})
		}
		resp := ab.as("User:alice", 75, 0, req).(*describeTopicPartitionsResponse)
		var out []string
		for _, t := range resp.Topics {
			out = append(out, fmt.Sprintf("%s %d %d %b", deref(t.Name), t.ErrorCode, len(t.Partitions), t.TopicAuthorizedOperations))
		}
		if resp.NextCursor != nil {
			out = append(out, fmt.Sprintf("next %s-%d", resp.NextCursor.TopicName, resp.NextCursor.PartitionIndex))
		}
		return fmt.Sprint(out)
	}
	describeOnly := fmt.Sprintf("%b", 1<<aclDescribe)
	omitted := fmt.Sprintf("%b", authorizedOperationsOmitted)
	tests := []struct{ got, want string }{
		{page(nil, nil, 2), "[a 0 2 " + describeOnly + " next c-0]"},
		{page(nil, &topicPartitionsCursor{"b", 0}, 10), "[c 0 2 " + describeOnly + "]"},
		{page([]string{"a", "b", "c", "gone"}, &topicPartitionsCursor{"b", 1}, 10), "[c 0 2 " + describeOnly + " gone 3 0 " + describeOnly + " b 29 0 " + omitted + "]"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s, want %s", tt.got, tt.want)
		}
	}
}

// TestApiVersionsOnceInLogin: during a SASL login Kafka's
// SaslServerAuthenticator answers ApiVersions once, before the handshake
// (a failed one may be tried again); a second one closes the connection,
// and one after the handshake is answered ILLEGAL_SASL_STATE with no
// APIs, then the connection is closed.
func TestApiVersionsOnceInLogin(t *testing.T) {
	sb := startSecureBroker(t, Config{
		Listeners: "SASL_PLAINTEXT://127.0.0.1:0",
		Security:  SecurityConfig{SASLUsers: saslUsers},
	})
	addr := sb.addrs[protocolSASLPlaintext]
	c := dial(t, addr)
	if code, _ := c.apiVersionsAt(3, "bad name", "1"); code != codeInvalidRequest {
		t.Fatalf("invalid ApiVersions: code %d", code)
	}
	if code, n := c.apiVersionsAt(3, "client", "1"); code != codeNone || n == 0 {
		t.Fatalf("ApiVersions after a refused one: code %d, %d APIs", code, n)
	}
	c.send(apiVersionsKey, 3, true, func(w *writer) { w.String("client"); w.String("1"); w.Tags() })
	c.expectClosed()

	c = dial(t, addr)
	c.apiVersionsAt(3, "client", "1")
	c.saslHandshake(1, mechPlain)
	if code, n := c.apiVersionsAt(3, "client", "1"); code != codeIllegalSASLState || n != 0 {
		t.Errorf("ApiVersions after the handshake: code %d, %d APIs; want ILLEGAL_SASL_STATE and none", code, n)
	}
	c.expectClosed()

	c = dial(t, addr)
	c.apiVersionsAt(3, "client", "1")
	if code, _ := c.plainLogin("alice", "alice-secret"); code != codeNone {
		t.Fatalf("login after ApiVersions: code %d", code)
	}
	if code, n := c.apiVersionsAt(3, "client", "1"); code != codeNone || n == 0 {
		t.Errorf("ApiVersions after the login: code %d, %d APIs", code, n)
	}
}

// TestMetadataV0DeniedIsNotAllTopics: under the authorizer, a Metadata v0
// request naming only topics the principal may not describe is answered
// TOPIC_AUTHORIZATION_FAILED for them, not as v0's empty list, "all
// topics", once they are taken out: Kafka decides "all topics" from the
// request as sent (KafkaApis.handleTopicMetadataRequest).
func TestMetadataV0DeniedIsNotAllTopics(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	for _, name := range []string{"open", "secret"} {
		if _, err := ab.logs.CreateTopic(name, 1); err != nil {
			t.Fatal(err)
		}
	}
	ab.grant(allow(resTopic, "open", aclDescribe))
	resp := ab.as("User:alice", 3, 0, &metadataRequest{Topics: []metadataRequestTopic{{Name: ptr("secret")}}, AllowAutoTopicCreation: true}).(*metadataResponse)
	if got, want := fmt.Sprint(metadataOutcomes(*resp)), "[secret 29 0]"; got != want {
		t.Errorf("v0 naming a denied topic: %s, want %s", got, want)
	}
}

// TestMetadataUncreatableKeepsInternal: under the authorizer, a missing
// topic the principal may describe but not create is
// TOPIC_AUTHORIZATION_FAILED with Topic.isInternal's flag, as Kafka's
// unauthorizedForCreateTopicMetadata has it.
func TestMetadataUncreatableKeepsInternal(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.grant(allow(resTopic, "__transaction_state", aclDescribe))
	resp := ab.as("User:alice", 3, 12, &metadataRequest{Topics: []metadataRequestTopic{{Name: ptr("__transaction_state")}}, AllowAutoTopicCreation: true}).(*metadataResponse)
	if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != codeTopicAuthorizationFailed || !resp.Topics[0].IsInternal {
		t.Errorf("topics %+v, want __transaction_state TOPIC_AUTHORIZATION_FAILED and IsInternal", resp.Topics)
	}
}

// TestMetadataDoesNotAutoCreateCoordinatorTopics: Kafka's
// AutoTopicCreationManager creates __transaction_state and
// __share_group_state only as its coordinators' topics, with their own
// partition counts and configs. Their state is kept in files here, not in
// topics, so a Metadata request that would auto-create them answers as
// Kafka's first answer does, UNKNOWN_TOPIC_OR_PARTITION and IsInternal,
// and makes nothing: it used to make an ordinary topic of that name.
func TestMetadataDoesNotAutoCreateCoordinatorTopics(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	asked := []metadataRequestTopic{{Name: ptr(transactionStateTopic)}, {Name: ptr(shareGroupStateTopic)}}
	for range 2 {
		m := c.metadataAt(12, asked, true)
		var got []string
		for _, tp := range m.Topics {
			got = append(got, fmt.Sprintf("%s %d %v", deref(tp.Name), tp.ErrorCode, tp.IsInternal))
		}
		if want := "[__transaction_state 3 true __share_group_state 3 true]"; fmt.Sprint(got) != want {
			t.Errorf("Metadata: %v, want %s", got, want)
		}
	}
	for _, name := range []string{transactionStateTopic, shareGroupStateTopic} {
		if tb.logs.Topic(name) != nil {
			t.Errorf("Metadata created %s", name)
		}
	}
}
