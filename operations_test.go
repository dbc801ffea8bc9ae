// Tests of the authorized-operations fields (operations.go): with no
// authorizer, a client that asks gets every operation of the resource
// type, and one that does not ask gets INT32_MIN.
package kafka

import (
	"slices"
	"testing"
)

// Kafka's answers without an authorizer, as its admin tools show them:
// bit n set for each operation code n of the resource type
// (AclOperation.java; AclEntry.supportedOperations).
const (
	allTopicOps   = 3576 // READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11
	allClusterOps = 8096 // CREATE 5, ALTER 7, DESCRIBE 8, CLUSTER_ACTION 9, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11, IDEMPOTENT_WRITE 12
	allGroupOps   = 3400 // READ 3, DELETE 6, DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11
)

// readBrokerID reads one broker of a Metadata or DescribeCluster answer
// (node id, host, port, rack, tags) and returns its node id.
func readBrokerID(r *reader) int32 {
	id := r.Int32()
	_ = r.String()
	r.Int32()
	r.NullableString()
	r.SkipTags()
	return id
}

// metadataAuthorizedOperations sends Metadata v10 for the named topics
// and returns the cluster's operations and each topic's.
func metadataAuthorizedOperations(t *testing.T, c *testClient, include bool, topics ...string) (int32, []int32) {
	t.Helper()
	r := c.roundTrip(3, 10, true, func(w *writer) {
		w.ArrayLen(len(topics))
		for _, name := range topics {
			w.UUID(uuid{})
			w.NullableString(&name)
			w.Tags()
		}
		w.Bool(false)   // AllowAutoTopicCreation
		w.Bool(include) // IncludeClusterAuthorizedOperations
		w.Bool(include) // IncludeTopicAuthorizedOperations
		w.Tags()
	})
	r.Int32() // throttle
	readArray(r, readBrokerID)
	r.NullableString() // cluster id
	r.Int32()          // controller
	mts := readArray(r, readMetadataTopic)
	cluster := r.Int32()
	r.SkipTags()
	if r.err != nil {
		t.Fatal(r.err)
	}
	var topicOps []int32
	for _, mt := range mts {
		topicOps = append(topicOps, mt.TopicAuthorizedOperations)
	}
	return cluster, topicOps
}

func TestMetadataAuthorizedOperations(t *testing.T) {
	_, c := startWithTopic(t, "present", 1)
	// A missing topic gets its operations too, as in Kafka, whose answer
	// does not depend on the topic existing.
	cluster, topics := metadataAuthorizedOperations(t, c, true, "present", "absent")
	if cluster != allClusterOps || !slices.Equal(topics, []int32{allTopicOps, allTopicOps}) {
		t.Errorf("asked: cluster %d, topics %v; want %d, [%d %d]", cluster, topics, allClusterOps, allTopicOps, allTopicOps)
	}
	cluster, topics = metadataAuthorizedOperations(t, c, false, "present")
	if cluster != authorizedOperationsOmitted || !slices.Equal(topics, []int32{authorizedOperationsOmitted}) {
		t.Errorf("not asked: cluster %d, topics %v; want INT32_MIN", cluster, topics)
	}
}

func TestDescribeClusterAuthorizedOperations(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	for _, tc := range []struct {
		include bool
		want    int32
	}{{true, allClusterOps}, {false, authorizedOperationsOmitted}} {
		r := c.roundTrip(60, 1, true, func(w *writer) {
			w.Bool(tc.include)
			w.Int8(endpointBrokers)
			w.Tags()
		})
		r.Int32() // throttle
		code := r.Int16()
		r.NullableString() // error message
		r.Int8()           // endpoint type
		_ = r.String()     // cluster id
		r.Int32()          // controller
		readArray(r, readBrokerID)
		ops := r.Int32()
		if r.err != nil || code != codeNone || ops != tc.want {
			t.Errorf("include %v: code %d, operations %d, err %v; want %d", tc.include, code, ops, r.err, tc.want)
		}
	}
}

func TestGroupAuthorizedOperations(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 1)
	newConsumerTester(t, b, "consumer", "a", "t").heartbeat()
	openTestClassicGroup(t, b, "classic")

	for _, include := range []bool{true, false} {
		want := int32(authorizedOperationsOmitted)
		if include {
			want = allGroupOps
		}
		// Groups that DescribeGroups v5 describes without an error, a
		// live one and one that does not exist (Dead), get the group's
		// operations.
		d := b.handleDescribeGroups(t.Context(), testRC(5), &describeGroupsRequest{Groups: []string{"classic", "missing"}, IncludeAuthorizedOperations: include}).(*describeGroupsResponse)
		for _, g := range d.Groups {
			if g.ErrorCode != codeNone || g.AuthorizedOperations != want {
				t.Errorf("DescribeGroups include %v, %s: code %d, operations %d; want %d", include, g.GroupID, g.ErrorCode, g.AuthorizedOperations, want)
			}
		}
		cd := b.handleConsumerGroupDescribe(t.Context(), testRC(0), &consumerGroupDescribeRequest{GroupIDs: []string{"consumer", "missing"}, IncludeAuthorizedOperations: include}).(*consumerGroupDescribeResponse)
		if g := cd.Groups[0]; g.ErrorCode != codeNone || g.AuthorizedOperations != want {
			t.Errorf("ConsumerGroupDescribe include %v: code %d, operations %d; want %d", include, g.ErrorCode, g.AuthorizedOperations, want)
		}
		// A group that is not there is an error, without operations.
		if g := cd.Groups[1]; g.ErrorCode != codeGroupIDNotFound || g.AuthorizedOperations != authorizedOperationsOmitted {
			t.Errorf("ConsumerGroupDescribe include %v, missing group: code %d, operations %d", include, g.ErrorCode, g.AuthorizedOperations)
		}
	}
}

func TestShareGroupAuthorizedOperations(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 1)
	if resp := b.shares.heartbeat(&shareGroupHeartbeatRequest{GroupID: "sg", MemberID: "m1", SubscribedTopicNames: []string{"t"}}, "test-client", "/127.0.0.1"); resp.ErrorCode != codeNone {
		t.Fatalf("ShareGroupHeartbeat: %+v", resp)
	}
	for _, include := range []bool{true, false} {
		want := int32(authorizedOperationsOmitted)
		if include {
			want = allGroupOps
		}
		d := b.handleShareGroupDescribe(t.Context(), testRC(0), &shareGroupDescribeRequest{GroupIDs: []string{"sg"}, IncludeAuthorizedOperations: include}).(*shareGroupDescribeResponse)
		if g := d.Groups[0]; g.ErrorCode != codeNone || g.AuthorizedOperations != want {
			t.Errorf("ShareGroupDescribe include %v: code %d, operations %d; want %d", include, g.ErrorCode, g.AuthorizedOperations, want)
		}
	}
}
