// Tests of acls.go: the authorizer's rules, the ACL APIs, and, for each
// family of APIs, that a principal without rights gets Kafka's error and
// that granting the ACL lets it through.
package kafka

import (
	"context"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestEveryAPIHasAnACLCheck(t *testing.T) {
	for _, a := range apis {
		if aclChecks[a.key] == nil {
			t.Errorf("%s (key %d) has no entry in aclChecks: with the authorizer on it would close every connection that uses it", a.name, a.key)
		}
	}
}

func TestAuthorizerRules(t *testing.T) {
	topicACL := func(name string, pattern int8, principal string, op, perm int8) acl {
		return acl{resTopic, name, pattern, principal, "*", op, perm}
	}
	for _, tc := range []struct {
		name       string
		acls       []acl
		allowNoACL bool
		principal  string
		op         int8
		topic      string
		want       bool
	}{
		{name: "no ACL, default", principal: "User:alice", op: aclRead, topic: "t", want: false},
		{name: "no ACL, allow.everyone.if.no.acl.found", allowNoACL: true, principal: "User:alice", op: aclRead, topic: "t", want: true},
		{name: "super user", principal: "User:admin", op: aclAlter, topic: "t", want: true},
		{name: "literal allow", acls: []acl{topicACL("t", patternLiteral, "User:alice", aclRead, permissionAllow)}, principal: "User:alice", op: aclRead, topic: "t", want: true},
		{name: "literal allow, other topic", acls: []acl{topicACL("t", patternLiteral, "User:alice", aclRead, permissionAllow)}, allowNoACL: true, principal: "User:alice", op: aclRead, topic: "u", want: true},
		{name: "ACLs for someone else deny", acls: []acl{topicACL("t", patternLiteral, "User:bob", aclRead, permissionAllow)}, allowNoACL: true, principal: "User:alice", op: aclRead, topic: "t", want: false},
		{name: "wildcard name", acls: []acl{topicACL("*", patternLiteral, "User:alice", aclWrite, permissionAllow)}, principal: "User:alice", op: aclWrite, topic: "any", want: true},
		{name: "wildcard principal", acls: []acl{topicACL("t", patternLiteral, "User:*", aclWrite, permissionAllow)}, principal: "User:alice", op: aclWrite, topic: "t", want: true},
		{name: "prefixed", acls: []acl{topicACL("orders-", patternPrefixed, "User:alice", aclRead, permissionAllow)}, principal: "User:alice", op: aclRead, topic: "orders-eu", want: true},
		{name: "prefixed, no match", acls: []acl{topicACL("orders-", patternPrefixed, "User:alice", aclRead, permissionAllow)}, principal: "User:alice", op: aclRead, topic: "order", want: false},
		{name: "READ implies DESCRIBE", acls: []acl{topicACL("t", patternLiteral, "User:alice", aclRead, permissionAllow)}, principal: "User:alice", op: aclDescribe, topic: "t", want: true},
		{name: "DESCRIBE does not imply READ", acls: []acl{topicACL("t", patternLiteral, "User:alice", aclDescribe, permissionAllow)}, principal: "User:alice", op: aclRead, topic: "t", want: false},
		{name: "ALL", acls: []acl{topicACL("t", patternLiteral, "User:alice", aclAll, permissionAllow)}, principal: "User:alice", op: aclDelete, topic: "t", want: true},
		{name: "deny wins over allow", acls: []acl{
			topicACL("*", patternLiteral, "User:alice", aclAll, permissionAllow),
			topicACL("secret", patternPrefixed, "User:*", aclRead, permissionDeny),
		}, principal: "User:alice", op: aclRead, topic: "secret-plans", want: false},
		{name: "deny of READ leaves WRITE", acls: []acl{
			topicACL("*", patternLiteral, "User:alice", aclAll, permissionAllow),
			topicACL("t", patternLiteral, "User:alice", aclRead, permissionDeny),
		}, principal: "User:alice", op: aclWrite, topic: "t", want: true},
		{name: "host", acls: []acl{{resTopic, "t", patternLiteral, "User:alice", "10.0.0.1", aclRead, permissionAllow}}, principal: "User:alice", op: aclRead, topic: "t", want: false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &security{acls: &aclStore{acls: tc.acls}, cfg: SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}, AllowEveryoneIfNoACLFound: tc.allowNoACL}}
			if got := s.authorize(tc.principal, "127.0.0.1", tc.op, resTopic, tc.topic); got != tc.want {
				t.Errorf("authorize = %v, want %v", got, tc.want)
			}
		})
	}
}

// aclBroker is a broker, not serving, whose handlers the tests call
// through authorizeAndServe as a principal of their choosing.
type aclBroker struct {
	t *testing.T
	*Broker
}

func openACLBroker(t *testing.T, sec SecurityConfig) *aclBroker {
	t.Helper()
	b, err := Open(Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), GroupInitialRebalanceDelay: -1, Security: sec})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.groups.close(); b.logs.Close() })
	return &aclBroker{t, b}
}

// as serves req at version v as principal.
func (ab *aclBroker) as(principal string, key, v int16, req request) response {
	ab.t.Helper()
	local, remote := net.Pipe()
	defer local.Close()
	defer remote.Close()
	c := &conn{Conn: local, broker: ab.Broker, auth: connAuth{principal: principal}}
	rc := &requestContext{conn: c, header: &requestHeader{APIKey: key, APIVersion: v}}
	resp, err := ab.authorizeAndServe(context.Background(), lookupAPI(key), rc, req)
	if err != nil {
		ab.t.Fatal(err)
	}
	return resp
}

// makeTopics creates topics of one partition each, straight in the data
// dir, where no ACL is asked.
func (ab *aclBroker) makeTopics(names ...string) {
	ab.t.Helper()
	for _, name := range names {
		if _, err := ab.logs.CreateTopic(name, 1); err != nil {
			ab.t.Fatal(err)
		}
	}
}

// grant creates ACLs as the super user.
func (ab *aclBroker) grant(acls ...acl) {
	ab.t.Helper()
	req := &createAclsRequest{}
	for _, a := range acls {
		req.Creations = append(req.Creations, aclCreation{a.ResourceType, a.ResourceName, a.PatternType, a.Principal, a.Host, a.Operation, a.Permission})
	}
	resp := ab.as("User:admin", createAclsKey, 3, req).(*createAclsResponse)
	for _, r := range resp.Results {
		if r.ErrorCode != codeNone {
			ab.t.Fatalf("CreateAcls: %d %s", r.ErrorCode, deref(r.ErrorMessage))
		}
	}
}

func allow(resType int8, name string, op int8) acl {
	return acl{resType, name, patternLiteral, "User:alice", "*", op, permissionAllow}
}

// TestACLEnforcement: for each family of APIs, alice is refused with
// Kafka's error, and the ACL Kafka would need lets her through.
func TestACLEnforcement(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	const alice = "User:alice"
	ab.makeTopics("orders", "hidden")
	type step struct {
		name  string
		do    func() int16 // the error code alice gets
		grant []acl
		want  int16 // the code once granted
	}
	produce := func() int16 {
		resp := ab.as(alice, 0, 9, &produceRequest{Acks: -1, TimeoutMs: 1000, TopicData: []produceTopic{{Name: "orders", PartitionData: []producePartition{{Index: 0, Records: makeBatch(testRecord{1, "v"})}}}}}).(*produceResponse)
		return resp.Responses[0].PartitionResponses[0].ErrorCode
	}
	fetch := func() int16 {
		resp := ab.as(alice, 1, 12, &fetchRequest{ReplicaID: -1, ReplicaState: replicaState{-1, -1}, MaxBytes: 1 << 20, SessionEpoch: -1, Topics: []fetchTopic{{Topic: "orders", Partitions: []fetchPartition{{Partition: 0, FetchOffset: 0, PartitionMaxBytes: 1 << 20}}}}}).(*fetchResponse)
		return resp.Responses[0].Partitions[0].ErrorCode
	}
	listOffsets := func() int16 {
		resp := ab.as(alice, 2, 7, &listOffsetsRequest{ReplicaID: -1, Topics: []listOffsetsTopic{{Name: "orders", Partitions: []listOffsetsPartition{{PartitionIndex: 0, Timestamp: -1}}}}}).(*listOffsetsResponse)
		return resp.Topics[0].Partitions[0].ErrorCode
	}
	metadata := func() int16 {
		resp := ab.as(alice, 3, 12, &metadataRequest{Topics: []metadataRequestTopic{{Name: ptr("orders")}}}).(*metadataResponse)
		return resp.Topics[0].ErrorCode
	}
	createTopic := func() int16 {
		resp := ab.as(alice, 19, 7, &createTopicsRequest{Topics: []creatableTopic{{Name: "new-topic", NumPartitions: 1, ReplicationFactor: 1}}, TimeoutMs: 1000}).(*createTopicsResponse)
		return resp.Topics[0].ErrorCode
	}
	describeConfigs := func() int16 {
		resp := ab.as(alice, 32, 4, &describeConfigsRequest{Resources: []describeConfigsResource{{ResourceType: resourceTopic, ResourceName: "orders"}}}).(*describeConfigsResponse)
		return resp.Results[0].ErrorCode
	}
	joinGroup := func() int16 {
		resp := ab.as(alice, 11, 9, &joinGroupRequest{GroupID: "g", SessionTimeoutMs: 10000, RebalanceTimeoutMs: 1000, ProtocolType: "consumer", Protocols: []joinGroupProtocol{{Name: "range", Metadata: []byte{}}}}).(*joinGroupResponse)
		return resp.ErrorCode
	}
	commit := func() int16 {
		resp := ab.as(alice, 8, 8, &offsetCommitRequest{GroupID: "g", GenerationIDOrMemberEpoch: -1, Topics: []offsetCommitTopic{{Name: "orders", Partitions: []offsetCommitPartition{{PartitionIndex: 0, CommittedOffset: 1, CommittedLeaderEpoch: -1}}}}}).(*offsetCommitResponse)
		return resp.Topics[0].Partitions[0].ErrorCode
	}
	listReassignments := func() int16 {
		return ab.as(alice, 46, 0, &listPartitionReassignmentsRequest{TimeoutMs: 1000}).(*listPartitionReassignmentsResponse).ErrorCode
	}
	idempotent := func() int16 {
		return ab.as(alice, 22, 5, &initProducerIDRequest{TransactionTimeoutMs: -1, ProducerID: -1, ProducerEpoch: -1}).(*initProducerIDResponse).ErrorCode
	}
	transactional := func() int16 {
		return ab.as(alice, 22, 5, &initProducerIDRequest{TransactionalID: ptr("tx"), TransactionTimeoutMs: 10000, ProducerID: -1, ProducerEpoch: -1}).(*initProducerIDResponse).ErrorCode
	}
	createACL := func() int16 {
		return ab.as(alice, createAclsKey, 3, &createAclsRequest{Creations: []aclCreation{{resTopic, "x", patternLiteral, alice, "*", aclAll, permissionAllow}}}).(*createAclsResponse).Results[0].ErrorCode
	}
	for name, do := range map[string]func() int16{"ListOffsets": listOffsets, "Metadata": metadata} {
		if code := do(); code != codeTopicAuthorizationFailed {
			t.Errorf("%s before any ACL: code %d", name, code)
		}
	}
	for _, s := range []step{
		// First, as WRITE on any topic would do instead (KIP-679).
		{"InitProducerId idempotent", idempotent, []acl{allow(resCluster, clusterName, aclIdempotentWrite)}, codeNone},
		{"Produce", produce, []acl{allow(resTopic, "orders", aclWrite)}, codeNone},
		{"Fetch", fetch, []acl{allow(resTopic, "orders", aclRead)}, codeNone},
		{"CreateTopics", createTopic, []acl{allow(resTopic, "new-topic", aclCreate)}, codeNone},
		{"DescribeConfigs", describeConfigs, []acl{allow(resTopic, "orders", aclDescribeConfigs)}, codeNone},
		{"JoinGroup", joinGroup, []acl{allow(resGroup, "g", aclRead)}, codeMemberIDRequired},
		{"ListPartitionReassignments", listReassignments, []acl{allow(resCluster, clusterName, aclDescribe)}, codeNone},
		{"InitProducerId transactional", transactional, []acl{allow(resTransactionalID, "tx", aclWrite)}, codeNone},
		{"CreateAcls", createACL, []acl{allow(resCluster, clusterName, aclAlter)}, codeNone},
	} {
		before := s.do()
		if before == codeNone {
			t.Errorf("%s: allowed before any ACL", s.name)
			continue
		}
		if !slices.Contains([]int16{codeTopicAuthorizationFailed, codeGroupAuthorizationFailed, codeClusterAuthorizationFailed, codeTransactionalIDAuthorizationFailed}, before) {
			t.Errorf("%s: code %d, want an authorization error", s.name, before)
		}
		ab.grant(s.grant...)
		if after := s.do(); after != s.want {
			t.Errorf("%s: code %d after the grant, want %d", s.name, after, s.want)
		}
		if s.name == "Fetch" {
			// READ implies DESCRIBE, which is what these need.
			for name, do := range map[string]func() int16{"ListOffsets": listOffsets, "Metadata": metadata} {
				if code := do(); code != codeNone {
					t.Errorf("%s after READ: code %d", name, code)
				}
			}
		}
	}
	// The errors, one family each.
	ab2 := openACLBroker(t, SecurityConfig{Authorizer: true})
	ab2.logs.CreateTopic("orders", 1)
	for name, tc := range map[string]struct {
		code int16
		do   func(*aclBroker) int16
	}{
		"topic": {codeTopicAuthorizationFailed, func(b *aclBroker) int16 {
			return b.as(alice, 2, 7, &listOffsetsRequest{ReplicaID: -1, Topics: []listOffsetsTopic{{Name: "orders", Partitions: []listOffsetsPartition{{Timestamp: -1}}}}}).(*listOffsetsResponse).Topics[0].Partitions[0].ErrorCode
		}},
		"group": {codeGroupAuthorizationFailed, func(b *aclBroker) int16 {
			return b.as(alice, 12, 4, &heartbeatRequest{GroupID: "g"}).(*heartbeatResponse).ErrorCode
		}},
		"cluster": {codeClusterAuthorizationFailed, func(b *aclBroker) int16 {
			return b.as(alice, 50, 0, &describeUserScramCredentialsRequest{}).(*describeUserScramCredentialsResponse).ErrorCode
		}},
		"transactional id": {codeTransactionalIDAuthorizationFailed, func(b *aclBroker) int16 {
			return b.as(alice, 26, 3, &endTxnRequest{TransactionalID: "tx"}).(*endTxnResponse).ErrorCode
		}},
	} {
		if got := tc.do(ab2); got != tc.code {
			t.Errorf("%s: code %d, want %d", name, got, tc.code)
		}
	}
	// OffsetCommit needs READ on the group and on the topic: with the
	// group's READ from JoinGroup above and the topic's from Fetch, alice
	// commits.
	if code := commit(); code != codeNone {
		t.Errorf("OffsetCommit: code %d", code)
	}
}

// TestMetadataListsDescribableTopics: asked for every topic, Metadata
// lists only those the principal may describe; a missing topic the
// principal may describe but not create is refused, not created.
func TestMetadataListsDescribableTopics(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.makeTopics("orders-eu", "orders-us", "payroll")
	ab.grant(acl{resTopic, "orders-", patternPrefixed, "User:alice", "*", aclDescribe, permissionAllow})
	resp := ab.as("User:alice", 3, 12, &metadataRequest{}).(*metadataResponse)
	var names []string
	for _, tp := range resp.Topics {
		names = append(names, deref(tp.Name))
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"orders-eu", "orders-us"}) {
		t.Errorf("all topics: %v", names)
	}
	resp = ab.as("User:alice", 3, 12, &metadataRequest{Topics: []metadataRequestTopic{{Name: ptr("payroll")}, {Name: ptr("orders-new")}}, AllowAutoTopicCreation: true}).(*metadataResponse)
	got := map[string]int16{}
	for _, tp := range resp.Topics {
		got[deref(tp.Name)] = tp.ErrorCode
	}
	if got["payroll"] != codeTopicAuthorizationFailed || got["orders-new"] != codeTopicAuthorizationFailed {
		t.Errorf("named topics: %v", got)
	}
	if ab.logs.Topic("orders-new") != nil {
		t.Error("orders-new was created without CREATE")
	}
}

// TestACLAPIs: create, describe with filters, delete, and the ACLs
// survive a restart; without the authorizer the APIs are disabled.
func TestACLAPIs(t *testing.T) {
	off := openACLBroker(t, SecurityConfig{})
	if r := off.as(anonymous, describeAclsKey, 3, &describeAclsRequest{ResourceTypeFilter: resAny, PatternTypeFilter: patternAny, Operation: aclAny, PermissionType: permissionAny}).(*describeAclsResponse); r.ErrorCode != codeSecurityDisabled {
		t.Errorf("DescribeAcls without an authorizer: code %d", r.ErrorCode)
	}
	if r := off.as(anonymous, createAclsKey, 3, &createAclsRequest{Creations: []aclCreation{{resTopic, "t", patternLiteral, "User:a", "*", aclRead, permissionAllow}}}).(*createAclsResponse); r.Results[0].ErrorCode != codeSecurityDisabled {
		t.Errorf("CreateAcls without an authorizer: code %d", r.Results[0].ErrorCode)
	}

	dir := t.TempDir()
	sec := SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}}
	b, err := Open(Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Security: sec})
	if err != nil {
		t.Fatal(err)
	}
	ab := &aclBroker{t, b}
	ab.grant(
		acl{resTopic, "orders", patternLiteral, "User:alice", "*", aclRead, permissionAllow},
		acl{resTopic, "orders", patternLiteral, "User:bob", "*", aclWrite, permissionAllow},
		acl{resTopic, "ord", patternPrefixed, "User:*", "*", aclDescribe, permissionAllow},
		acl{resGroup, "g", patternLiteral, "User:alice", "*", aclRead, permissionDeny},
	)
	invalid := ab.as("User:admin", createAclsKey, 3, &createAclsRequest{Creations: []aclCreation{
		{resAny, "t", patternLiteral, "User:a", "*", aclRead, permissionAllow},
		{resTopic, "t", patternMatch, "User:a", "*", aclRead, permissionAllow},
		{resTopic, "t", patternLiteral, "alice", "*", aclRead, permissionAllow},
		{resCluster, "other", patternLiteral, "User:a", "*", aclAlter, permissionAllow},
		{resTopic, "t", patternLiteral, "User:a", "*", aclAny, permissionAllow},
	}}).(*createAclsResponse)
	for i, r := range invalid.Results {
		if r.ErrorCode != codeInvalidRequest || r.ErrorMessage == nil {
			t.Errorf("invalid creation %d: code %d", i, r.ErrorCode)
		}
	}
	b.groups.close()
	b.logs.Close()

	b, err = Open(Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Security: sec})
	if err != nil {
		t.Fatal(err)
	}
	ab = &aclBroker{t, b}
	t.Cleanup(func() { b.groups.close(); b.logs.Close() })
	describe := func(f describeAclsRequest) int {
		r := ab.as("User:admin", describeAclsKey, 3, &f).(*describeAclsResponse)
		if r.ErrorCode != codeNone {
			t.Fatalf("DescribeAcls: %d %s", r.ErrorCode, deref(r.ErrorMessage))
		}
		n := 0
		for _, res := range r.Resources {
			n += len(res.Acls)
		}
		return n
	}
	any := describeAclsRequest{ResourceTypeFilter: resAny, PatternTypeFilter: patternAny, Operation: aclAny, PermissionType: permissionAny}
	if n := describe(any); n != 4 {
		t.Errorf("after a restart, %d ACLs, want 4", n)
	}
	topicOrders := any
	topicOrders.ResourceTypeFilter, topicOrders.ResourceNameFilter = resTopic, ptr("orders")
	if n := describe(topicOrders); n != 2 {
		t.Errorf("topic orders, any pattern: %d, want 2 literal ones", n)
	}
	topicOrders.PatternTypeFilter = patternMatch
	if n := describe(topicOrders); n != 3 {
		t.Errorf("ACLs that match topic orders: %d, want 3", n)
	}
	alice := any
	alice.PrincipalFilter = ptr("User:alice")
	if n := describe(alice); n != 2 {
		t.Errorf("alice's ACLs: %d, want 2", n)
	}

	del := ab.as("User:admin", deleteAclsKey, 3, &deleteAclsRequest{Filters: []deleteAclsFilter{
		{ResourceTypeFilter: resTopic, PatternTypeFilter: patternAny, PrincipalFilter: ptr("User:bob"), Operation: aclAny, PermissionType: permissionAny},
		{ResourceTypeFilter: resGroup, PatternTypeFilter: patternLiteral, Operation: aclAny, PermissionType: permissionDeny},
	}}).(*deleteAclsResponse)
	if len(del.FilterResults) != 2 || len(del.FilterResults[0].MatchingAcls) != 1 || len(del.FilterResults[1].MatchingAcls) != 1 {
		t.Fatalf("DeleteAcls: %+v", del.FilterResults)
	}
	if n := describe(any); n != 2 {
		t.Errorf("after the delete, %d ACLs, want 2", n)
	}
	// Alice, who is not a super user, may not do any of this.
	if r := ab.as("User:alice", describeAclsKey, 3, &any).(*describeAclsResponse); r.ErrorCode != codeClusterAuthorizationFailed {
		t.Errorf("DescribeAcls as alice: code %d", r.ErrorCode)
	}
}

// TestAuthorizedOperations: with the authorizer on, the "authorized
// operations" a client asks for are the ones the ACLs allow.
func TestAuthorizedOperations(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.makeTopics("orders")
	ab.grant(allow(resTopic, "orders", aclRead), allow(resCluster, clusterName, aclDescribe), allow(resGroup, "g", aclRead))
	md := ab.as("User:alice", 3, 12, &metadataRequest{IncludeTopicAuthorizedOperations: true}).(*metadataResponse)
	if len(md.Topics) != 1 || md.Topics[0].TopicAuthorizedOperations != 1<<aclRead|1<<aclDescribe {
		t.Errorf("Metadata: %+v", md.Topics)
	}
	dc := ab.as("User:alice", 60, 1, &describeClusterRequest{IncludeClusterAuthorizedOperations: true, EndpointType: endpointBrokers}).(*describeClusterResponse)
	if dc.ClusterAuthorizedOperations != 1<<aclDescribe {
		t.Errorf("DescribeCluster: %b", dc.ClusterAuthorizedOperations)
	}
	dg := ab.as("User:alice", 15, 5, &describeGroupsRequest{Groups: []string{"g"}, IncludeAuthorizedOperations: true}).(*describeGroupsResponse)
	if len(dg.Groups) != 1 || dg.Groups[0].AuthorizedOperations != 1<<aclRead|1<<aclDescribe {
		t.Errorf("DescribeGroups: %+v", dg.Groups)
	}
	if all := ab.Broker.sec.authorizedOperations("User:admin", "", resTopic, "orders"); all != 1<<3|1<<4|1<<5|1<<6|1<<7|1<<8|1<<10|1<<11 {
		t.Errorf("a super user's topic operations: %b", all)
	}
}

// TestACLEdgeCases: an acks=0 produce that is refused writes nothing and
// its unsent answer carries the refusal, which closes the connection
// (TestProduceAcksZeroDeniedClosesConnection shows it over the wire); and
// a KIP-848 member needs DESCRIBE on the topics it subscribes to.
func TestACLEdgeCases(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.makeTopics("orders")
	ab.grant(allow(resTopic, "orders", aclWrite), allow(resGroup, "g", aclRead))
	for _, txn := range []*string{ptr("tx"), nil} {
		topic := "orders"
		if txn == nil {
			topic = "payroll" // no WRITE here
			ab.logs.CreateTopic(topic, 1)
		}
		records := makeBatch(testRecord{1, "v"})
		if txn != nil {
			records = txnBatch(1, 0, 0, 1) // only transactional records need WRITE on tx
		}
		resp := ab.as("User:alice", 0, 9, &produceRequest{TransactionalID: txn, Acks: 0, TopicData: []produceTopic{{Name: topic, PartitionData: []producePartition{{Index: 0, Records: records}}}}})
		if produceFailures(resp) == nil {
			t.Errorf("an unauthorized acks=0 produce (transactional id %v) would leave the connection open: %+v", txn != nil, resp)
		}
	}
	for _, name := range []string{"orders", "payroll"} {
		if hw := ab.logs.Topic(name).Partitions[0].HighWatermark(); hw != 0 {
			t.Errorf("%s: an unauthorized acks=0 produce wrote up to %d", name, hw)
		}
	}
	cgh := func(topics ...string) *consumerGroupHeartbeatResponse {
		return ab.as("User:alice", 68, 0, &consumerGroupHeartbeatRequest{GroupID: "g", MemberEpoch: 0, RebalanceTimeoutMs: 1000, SubscribedTopicNames: topics, TopicPartitions: []consumerGroupTopicPartitions{}}).(*consumerGroupHeartbeatResponse)
	}
	if r := cgh("orders", "payroll"); r.ErrorCode != codeTopicAuthorizationFailed || !strings.Contains(deref(r.ErrorMessage), "payroll") {
		t.Errorf("subscribing to payroll: code %d %s", r.ErrorCode, deref(r.ErrorMessage))
	}
	if r := cgh("orders"); r.ErrorCode != codeNone {
		t.Errorf("subscribing to orders: code %d %s", r.ErrorCode, deref(r.ErrorMessage))
	}
}

// FuzzAuthorizedHandlers is FuzzHandlers with the authorizer on: every
// request that decodes goes through its ACL check, as a principal with
// some rights and not others, and the answer must encode at the request's
// version. Seeds are the golden frames.
func FuzzAuthorizedHandlers(f *testing.F) {
	addGoldenRequestSeeds(f)
	b, err := Open(Config{DataDir: f.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), GroupInitialRebalanceDelay: -1,
		Security: SecurityConfig{Authorizer: true}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { b.groups.close(); b.logs.Close() })
	b.sec.acls.acls = []acl{
		{resTopic, "t", patternPrefixed, "User:alice", "*", aclAll, permissionAllow},
		{resGroup, "*", patternLiteral, "User:alice", "*", aclRead, permissionAllow},
		{resTransactionalID, "s", patternPrefixed, "User:*", "*", aclWrite, permissionDeny},
	}
	local, remote := net.Pipe()
	f.Cleanup(func() { local.Close(); remote.Close() })
	c := &conn{Conn: local, broker: b, auth: connAuth{principal: "User:alice"}}
	f.Fuzz(func(t *testing.T, frame []byte) {
		h, a, req, err := parseRequest(frame)
		if err != nil || a.key == 19 || a.key == 37 {
			return // as FuzzHandlers: their seeds ask for 100,001 partitions
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		resp, err := b.authorizeAndServe(ctx, a, &requestContext{conn: c, header: h}, req)
		if err != nil {
			t.Fatalf("%s v%d: %v", a.name, h.APIVersion, err)
		}
		checkResponseEncodes(t, a, h.APIVersion, resp)
	})
}

// TestACLClusterAdminAPIs: the partition admin and quota APIs need the
// cluster permissions Kafka asks for, and the topic ones DESCRIBE or
// READ on the topic.
func TestACLClusterAdminAPIs(t *testing.T) {
	const alice = "User:alice"
	for _, tc := range []struct {
		name  string
		do    func(ab *aclBroker) int16
		grant acl
	}{
		{"DescribeLogDirs", func(ab *aclBroker) int16 {
			return ab.as(alice, 35, 4, &describeLogDirsRequest{}).(*describeLogDirsResponse).ErrorCode
		}, allow(resCluster, clusterName, aclDescribe)},
		{"ListPartitionReassignments", func(ab *aclBroker) int16 {
			return ab.as(alice, 46, 0, &listPartitionReassignmentsRequest{}).(*listPartitionReassignmentsResponse).ErrorCode
		}, allow(resCluster, clusterName, aclDescribe)},
		{"DescribeClientQuotas", func(ab *aclBroker) int16 {
			return ab.as(alice, 48, 1, &describeClientQuotasRequest{}).(*describeClientQuotasResponse).ErrorCode
		}, allow(resCluster, clusterName, aclDescribeConfigs)},
		{"DescribeProducers", func(ab *aclBroker) int16 {
			return ab.as(alice, 61, 0, &describeProducersRequest{Topics: []describeProducersTopic{{Name: "orders", PartitionIndexes: []int32{0}}}}).(*describeProducersResponse).Topics[0].Partitions[0].ErrorCode
		}, allow(resTopic, "orders", aclRead)},
		{"OffsetForLeaderEpoch", func(ab *aclBroker) int16 {
			return ab.as(alice, 23, 4, &offsetForLeaderEpochRequest{ReplicaID: -1, Topics: []offsetForLeaderTopic{{Topic: "orders", Partitions: []offsetForLeaderPartition{{Partition: 0, CurrentLeaderEpoch: -1, LeaderEpoch: 0}}}}}).(*offsetForLeaderEpochResponse).Topics[0].Partitions[0].ErrorCode
		}, allow(resTopic, "orders", aclDescribe)},
		{"DescribeTopicPartitions", func(ab *aclBroker) int16 {
			return ab.as(alice, 75, 0, &describeTopicPartitionsRequest{Topics: []describeTopicPartitionsRequestTopic{{Name: "orders"}}, ResponsePartitionLimit: 10}).(*describeTopicPartitionsResponse).Topics[0].ErrorCode
		}, allow(resTopic, "orders", aclDescribe)},
	} {
		// A broker each, so that no grant leaks into the next case.
		ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
		ab.makeTopics("orders")
		if code := tc.do(ab); code != codeClusterAuthorizationFailed && code != codeTopicAuthorizationFailed {
			t.Errorf("%s before the grant: code %d", tc.name, code)
		}
		ab.grant(tc.grant)
		if code := tc.do(ab); code != codeNone {
			t.Errorf("%s after the grant: code %d", tc.name, code)
		}
	}
}
