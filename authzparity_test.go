// Tests of the authorizer where it once answered a client differently
// from Apache Kafka 4.0 (KafkaApis, ControllerApis, AuthHelper, AclApis
// and the Authorizer interface's defaults): each fails on the code as it
// was before its fix, and names the Kafka class whose answer it pins.
package kafka

import (
	"context"
	"fmt"
	"maps"
	"net"
	"strings"
	"testing"
	"time"
)

// TestDescribeClusterNeedsNoClusterDescribe: DescribeCluster describes
// the cluster to any principal; without DESCRIBE on the cluster only its
// authorized operations are withheld (0 when asked for), as
// AuthHelper.computeDescribeClusterResponse answers. The Admin client's
// describeCluster, which every kafka-*.sh tool calls first, works for an
// ordinary user.
func TestDescribeClusterNeedsNoClusterDescribe(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.grant(allow(resCluster, clusterName, aclIdempotentWrite))
	for _, include := range []bool{false, true} {
		resp := ab.as("User:alice", 60, 1, &describeClusterRequest{IncludeClusterAuthorizedOperations: include, EndpointType: endpointBrokers}).(*describeClusterResponse)
		want := int32(authorizedOperationsOmitted)
		if include {
			want = 0
		}
		if resp.ErrorCode != codeNone || len(resp.Brokers) != 1 || resp.ClusterAuthorizedOperations != want {
			t.Errorf("include operations %v: code %d, %d brokers, operations %d, want 0, 1, %d", include, resp.ErrorCode, len(resp.Brokers), resp.ClusterAuthorizedOperations, want)
		}
	}
}

// TestMetadataClusterOperationsNeedDescribe: Metadata v8-10 reports the
// cluster's authorized operations only to a principal that may DESCRIBE
// the cluster, and 0 to any other, as KafkaApis.handleTopicMetadataRequest
// does; IDEMPOTENT_WRITE alone is not reported.
func TestMetadataClusterOperationsNeedDescribe(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.grant(allow(resCluster, clusterName, aclIdempotentWrite))
	req := &metadataRequest{Topics: []metadataRequestTopic{}, IncludeClusterAuthorizedOperations: true}
	if ops := ab.as("User:alice", 3, 10, req).(*metadataResponse).ClusterAuthorizedOperations; ops != 0 {
		t.Errorf("without DESCRIBE: cluster operations %b, want 0", ops)
	}
	ab.grant(allow(resCluster, clusterName, aclDescribe))
	if ops := ab.as("User:alice", 3, 10, req).(*metadataResponse).ClusterAuthorizedOperations; ops != 1<<aclDescribe|1<<aclIdempotentWrite {
		t.Errorf("with DESCRIBE: cluster operations %b", ops)
	}
}

// TestFetchSessionRechecksReadOnEveryFetch: a fetch session's partitions
// are authorized on every fetch, the ones the request repeats and the
// ones only the session remembers alike, as KafkaApis.handleFetchRequest
// checks each partition of the FetchContext. READ revoked mid-session
// stops the records at the next incremental fetch; a partition denied
// when the session opened stays in it, answered
// TOPIC_AUTHORIZATION_FAILED on every fetch, and is served once READ is
// granted, without the consumer adding it again.
func TestFetchSessionRechecksReadOnEveryFetch(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.makeTopics("orders", "payroll")
	produce := func(topic string) {
		t.Helper()
		req := &produceRequest{Acks: -1, TimeoutMs: 1000, TopicData: []produceTopic{{Name: topic, PartitionData: []producePartition{{Index: 0, Records: makeBatch(testRecord{1, "v"})}}}}}
		if code := ab.as("User:admin", 0, 9, req).(*produceResponse).Responses[0].PartitionResponses[0].ErrorCode; code != codeNone {
			t.Fatalf("produce to %s: code %d", topic, code)
		}
	}
	ab.grant(allow(resTopic, "orders", aclRead))
	produce("orders")
	produce("payroll")
	fetch := func(sessionID, epoch int32, topics []fetchTopic) (*fetchResponse, map[string]fetchPartitionResponse) {
		t.Helper()
		req := &fetchRequest{ReplicaID: -1, ReplicaState: replicaState{-1, -1}, MaxBytes: 1 << 20, SessionID: sessionID, SessionEpoch: epoch, Topics: topics}
		resp := ab.as("User:alice", 1, 12, req).(*fetchResponse)
		got := map[string]fetchPartitionResponse{}
		for _, tr := range resp.Responses {
			for _, p := range tr.Partitions {
				got[tr.Topic] = p
			}
		}
		return resp, got
	}
	from := func(names ...string) (topics []fetchTopic) {
		for _, n := range names {
			topics = append(topics, fetchTopic{Topic: n, Partitions: []fetchPartition{{Partition: 0, CurrentLeaderEpoch: -1, FetchOffset: 0, LastFetchedEpoch: -1, LogStartOffset: -1, PartitionMaxBytes: 1 << 20}}})
		}
		return topics
	}
	resp, got := fetch(0, 0, from("orders", "payroll"))
	if resp.SessionID == 0 || got["orders"].ErrorCode != codeNone || got["payroll"].ErrorCode != codeTopicAuthorizationFailed {
		t.Fatalf("opening the session: session %d, answers %+v", resp.SessionID, got)
	}
	id := resp.SessionID
	// The denied partition is in the session: it is answered again.
	if _, got = fetch(id, 1, nil); got["payroll"].ErrorCode != codeTopicAuthorizationFailed {
		t.Errorf("incremental fetch while payroll is denied: answers %+v", got)
	}
	ab.grant(allow(resTopic, "payroll", aclRead))
	if _, got = fetch(id, 2, nil); got["payroll"].ErrorCode != codeNone || got["payroll"].HighWatermark != 1 {
		t.Errorf("incremental fetch once READ on payroll is granted: answers %+v", got)
	}
	del := ab.as("User:admin", deleteAclsKey, 3, &deleteAclsRequest{Filters: []deleteAclsFilter{{ResourceTypeFilter: resTopic, ResourceNameFilter: ptr("orders"), PatternTypeFilter: patternAny, Operation: aclAny, PermissionType: permissionAny}}}).(*deleteAclsResponse)
	if len(del.FilterResults[0].MatchingAcls) != 1 {
		t.Fatalf("revoking READ on orders: %+v", del.FilterResults)
	}
	produce("orders")
	if _, got = fetch(id, 3, nil); got["orders"].ErrorCode != codeTopicAuthorizationFailed {
		t.Errorf("incremental fetch once READ on orders is revoked: answers %+v", got)
	}
}

// TestDeleteTopicsAsControllerApis: DELETE on the cluster deletes any
// topic; without it, a topic the principal may DESCRIBE but not DELETE
// is refused only if it exists (UNKNOWN_TOPIC_OR_PARTITION if not, since
// DESCRIBE may know that), one asked for by id is refused with its name
// when the principal may DESCRIBE it, and a name given twice is
// INVALID_REQUEST whatever the ACLs, as ControllerApis.deleteTopics
// answers.
func TestDeleteTopicsAsControllerApis(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	orders, err := ab.logs.CreateTopic("orders", 1)
	if err != nil {
		t.Fatal(err)
	}
	ab.grant(allow(resTopic, "orders", aclDescribe), allow(resTopic, "gone", aclDescribe))
	del := func(v int16, req *deleteTopicsRequest) map[string]deletableTopicResult {
		t.Helper()
		got := map[string]deletableTopicResult{}
		for _, r := range ab.as("User:alice", 20, v, req).(*deleteTopicsResponse).Responses {
			got[deref(r.Name)] = r
		}
		return got
	}
	got := del(5, &deleteTopicsRequest{TopicNames: []string{"orders", "gone", "secret", "twice", "twice"}, TimeoutMs: 1000})
	for name, code := range map[string]int16{"orders": codeTopicAuthorizationFailed, "gone": codeUnknownTopicOrPartition, "secret": codeTopicAuthorizationFailed, "twice": codeInvalidRequest} {
		if got[name].ErrorCode != code {
			t.Errorf("v5 %s: code %d, want %d", name, got[name].ErrorCode, code)
		}
	}
	if len(got) != 4 {
		t.Errorf("v5: answers %+v", got)
	}
	got = del(6, &deleteTopicsRequest{Topics: []deleteTopicState{{TopicID: orders.ID}}, TimeoutMs: 1000})
	if r := got["orders"]; r.ErrorCode != codeTopicAuthorizationFailed || r.TopicID != orders.ID {
		t.Errorf("v6 by id, describable: answers %+v", got)
	}
	ab.grant(allow(resCluster, clusterName, aclDelete))
	got = del(5, &deleteTopicsRequest{TopicNames: []string{"orders"}, TimeoutMs: 1000})
	if got["orders"].ErrorCode != codeNone || ab.logs.Topic("orders") != nil {
		t.Errorf("with DELETE on the cluster: answers %+v", got)
	}
}

// TestIdempotentInitProducerIDAsAuthorizeByResourceType: without a
// transactional id, InitProducerId takes WRITE on some topic in place of
// IDEMPOTENT_WRITE on the cluster, decided as Kafka's
// Authorizer.authorizeByResourceType decides it: a DENY of the same
// literal name or of a prefix of it voids an ALLOW, and a principal
// allowed to write a topic no ACL names (allow.everyone.if.no.acl.found)
// may write some topic even when ACLs name others.
func TestIdempotentInitProducerIDAsAuthorizeByResourceType(t *testing.T) {
	deny := func(pattern int8, name string) acl {
		return acl{resTopic, name, pattern, "User:alice", "*", aclWrite, permissionDeny}
	}
	allowAs := func(pattern int8, name string) acl {
		return acl{resTopic, name, pattern, "User:alice", "*", aclWrite, permissionAllow}
	}
	for _, tc := range []struct {
		name       string
		everyone   bool
		acls       []acl
		wantDenied bool
	}{
		{"allow and deny of one literal", false, []acl{allowAs(patternLiteral, "orders"), deny(patternLiteral, "orders")}, true},
		{"allow of a literal under a denied prefix", false, []acl{allowAs(patternLiteral, "orders"), deny(patternPrefixed, "ord")}, true},
		{"allow of a prefix under a denied shorter prefix", false, []acl{allowAs(patternPrefixed, "orders-"), deny(patternPrefixed, "or")}, true},
		{"allow beside a deny of another name", false, []acl{allowAs(patternLiteral, "orders"), deny(patternLiteral, "payroll")}, false},
		{"allow of a prefix beside a deny of a longer one", false, []acl{allowAs(patternPrefixed, "ord"), deny(patternPrefixed, "orders")}, false},
		{"everyone allowed, ACLs on other topics only", true, []acl{{resTopic, "payroll", patternLiteral, "User:bob", "*", aclRead, permissionAllow},
			{resCluster, clusterName, patternLiteral, "User:bob", "*", aclIdempotentWrite, permissionAllow}}, false},
	} {
		ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}, AllowEveryoneIfNoACLFound: tc.everyone})
		ab.grant(tc.acls...)
		code := ab.as("User:alice", 22, 5, &initProducerIDRequest{TransactionTimeoutMs: -1, ProducerID: -1, ProducerEpoch: -1}).(*initProducerIDResponse).ErrorCode
		if denied := code == codeClusterAuthorizationFailed; denied != tc.wantDenied {
			t.Errorf("%s: code %d, want denied %v", tc.name, code, tc.wantDenied)
		}
	}
}

// TestDeleteAclsListsAnACLUnderEveryFilterThatMatches: filters of one
// DeleteAcls are each matched against the ACLs as they were before the
// request, so an ACL two filters match is listed under both (and deleted
// once), as Kafka's AclControlManager.deleteAcls answers.
func TestDeleteAclsListsAnACLUnderEveryFilterThatMatches(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.grant(allow(resTopic, "orders", aclRead), allow(resTopic, "payroll", aclRead))
	byName := deleteAclsFilter{ResourceTypeFilter: resTopic, ResourceNameFilter: ptr("orders"), PatternTypeFilter: patternAny, Operation: aclAny, PermissionType: permissionAny}
	byPrincipal := deleteAclsFilter{ResourceTypeFilter: resAny, PatternTypeFilter: patternAny, PrincipalFilter: ptr("User:alice"), Operation: aclAny, PermissionType: permissionAny}
	resp := ab.as("User:admin", deleteAclsKey, 3, &deleteAclsRequest{Filters: []deleteAclsFilter{byName, byPrincipal}}).(*deleteAclsResponse)
	if len(resp.FilterResults) != 2 || len(resp.FilterResults[0].MatchingAcls) != 1 || len(resp.FilterResults[1].MatchingAcls) != 2 {
		t.Fatalf("results %+v, want orders under the first filter, orders and payroll under the second", resp.FilterResults)
	}
	if left := len(ab.sec.acls.acls); left != 0 {
		t.Errorf("%d ACLs left, want 0", left)
	}
}

// TestCreateAclsValidatesAsKafka: a creation is refused with
// INVALID_REQUEST and the message of Kafka's AclApis.handleCreateAcls
// (the CLUSTER resource's name, an empty name) or of
// AclControlManager.validateNewAcl (types named as Kafka's enums name
// them), checked in that order; what neither refuses (a PREFIXED
// kafka-cluster, an empty host, a principal with an empty name) is
// created.
func TestCreateAclsValidatesAsKafka(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	for _, tc := range []struct {
		c    aclCreation
		want string // "" when created
	}{
		{aclCreation{resCluster, "other", 99, "User:a", "*", aclAlter, permissionAllow}, "The only valid name for the CLUSTER resource is kafka-cluster"},
		{aclCreation{99, "", patternLiteral, "User:a", "*", aclRead, permissionAllow}, "Invalid empty resource name"},
		{aclCreation{99, "t", patternLiteral, "User:a", "*", aclRead, permissionAllow}, "Invalid resourceType UNKNOWN"},
		{aclCreation{resTopic, "t", 99, "User:a", "*", aclRead, permissionAllow}, "Invalid patternType UNKNOWN"},
		{aclCreation{resTopic, "t", patternLiteral, "User:a", "*", 99, permissionAllow}, "Invalid operation UNKNOWN"},
		{aclCreation{resTopic, "t", patternLiteral, "User:a", "*", aclRead, 99}, "Invalid permissionType UNKNOWN"},
		{aclCreation{resTopic, "t", patternLiteral, "alice", "*", aclRead, permissionAllow}, "Could not parse principal from `alice` (no colon is present separating the principal type from the principal name)"},
		{aclCreation{resCluster, clusterName, patternPrefixed, "User:a", "*", aclAlter, permissionAllow}, ""},
		{aclCreation{resTopic, "t", patternLiteral, "User:a", "", aclRead, permissionAllow}, ""},
		{aclCreation{resTopic, "t", patternLiteral, "User:", "*", aclRead, permissionAllow}, ""},
	} {
		r := ab.as("User:admin", createAclsKey, 3, &createAclsRequest{Creations: []aclCreation{tc.c}}).(*createAclsResponse).Results[0]
		switch {
		case tc.want == "" && r.ErrorCode != codeNone:
			t.Errorf("%+v: code %d %q, want created", tc.c, r.ErrorCode, deref(r.ErrorMessage))
		case tc.want != "" && (r.ErrorCode != codeInvalidRequest || deref(r.ErrorMessage) != tc.want):
			t.Errorf("%+v: code %d %q, want INVALID_REQUEST %q", tc.c, r.ErrorCode, deref(r.ErrorMessage), tc.want)
		}
	}
}

// TestACLFiltersAsKafka: a DescribeAcls filter with a code Kafka does not
// know matches nothing and is answered with no error, while a DeleteAcls
// filter with one is INVALID_REQUEST with AclControlManager.validateFilter's
// words; a filter or creation with the UNKNOWN code 0 is refused when
// Kafka parses the request (DescribeAclsRequest, DeleteAclsRequest,
// CreateAclsRequest), which closes the connection.
func TestACLFiltersAsKafka(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.grant(allow(resTopic, "orders", aclRead))
	any := describeAclsRequest{ResourceTypeFilter: resAny, PatternTypeFilter: patternAny, Operation: aclAny, PermissionType: permissionAny}
	for _, tc := range []struct {
		field string
		set   func(*describeAclsRequest)
		msg   string
	}{
		{"resource type", func(f *describeAclsRequest) { f.ResourceTypeFilter = 99 }, "Unknown patternFilter."},
		{"pattern type", func(f *describeAclsRequest) { f.PatternTypeFilter = 99 }, "Unknown patternFilter."},
		{"operation", func(f *describeAclsRequest) { f.Operation = 99 }, "Unknown entryFilter."},
		{"permission", func(f *describeAclsRequest) { f.PermissionType = 99 }, "Unknown entryFilter."},
	} {
		f := any
		tc.set(&f)
		if r := ab.as("User:admin", describeAclsKey, 3, &f).(*describeAclsResponse); r.ErrorCode != codeNone || len(r.Resources) != 0 {
			t.Errorf("DescribeAcls, %s 99: code %d, %d resources", tc.field, r.ErrorCode, len(r.Resources))
		}
		r := ab.as("User:admin", deleteAclsKey, 3, &deleteAclsRequest{Filters: []deleteAclsFilter{f}}).(*deleteAclsResponse).FilterResults[0]
		if r.ErrorCode != codeInvalidRequest || deref(r.ErrorMessage) != tc.msg {
			t.Errorf("DeleteAcls, %s 99: code %d %q, want INVALID_REQUEST %q", tc.field, r.ErrorCode, deref(r.ErrorMessage), tc.msg)
		}
	}

	tb := startBrokerWith(t, Config{DataDir: t.TempDir(), Security: SecurityConfig{Authorizer: true, SuperUsers: []string{anonymous}}})
	filter := func(w *writer, resType int8) {
		w.Int8(resType)
		w.NullableString(nil)
		w.Int8(patternAny)
		w.NullableString(nil)
		w.NullableString(nil)
		w.Int8(aclAny)
		w.Int8(permissionAny)
	}
	for name, send := range map[string]func(c *testClient){
		"DescribeAcls": func(c *testClient) { c.send(describeAclsKey, 1, false, func(w *writer) { filter(w, 0) }) },
		"DeleteAcls": func(c *testClient) {
			c.send(deleteAclsKey, 1, false, func(w *writer) { w.Int32(1); filter(w, 0) })
		},
		"CreateAcls": func(c *testClient) {
			c.send(createAclsKey, 1, false, func(w *writer) {
				w.Int32(1)
				w.Int8(0)
				w.String("t")
				w.Int8(patternLiteral)
				w.String("User:a")
				w.String("*")
				w.Int8(aclRead)
				w.Int8(permissionAllow)
			})
		},
	} {
		c := dial(t, tb.addr)
		send(c)
		if _, err := c.recv(false); err == nil {
			t.Errorf("%s with resource type UNKNOWN (0): answered, want the connection closed", name)
		}
	}
}

// TestProduceChecksTransactionalIDOnlyForTransactionalRecords: a Produce
// naming a transactional id needs WRITE on it only when its records are
// transactional, as KafkaApis.handleProduceRequest asks only then
// (RequestUtils.hasTransactionalRecords); plain records are checked
// against their topics alone.
func TestProduceChecksTransactionalIDOnlyForTransactionalRecords(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.makeTopics("orders")
	ab.grant(allow(resTopic, "orders", aclWrite))
	req := &produceRequest{TransactionalID: ptr("tx"), Acks: -1, TimeoutMs: 1000, TopicData: []produceTopic{{Name: "orders", PartitionData: []producePartition{{Index: 0, Records: makeBatch(testRecord{1, "v"})}}}}}
	if code := ab.as("User:alice", 0, 9, req).(*produceResponse).Responses[0].PartitionResponses[0].ErrorCode; code != codeNone {
		t.Errorf("plain records with a transactional id alice may not write: code %d, want 0", code)
	}
}

// TestDescribeTransactionsRefusalCarriesSchemaDefaults: a transactional
// id the principal may not DESCRIBE, or that does not exist, is answered
// with its error and nothing else: state "", producer id, epoch, timeout
// and start time 0, the schema's defaults, as KafkaApis and
// TransactionCoordinator.handleDescribeTransactions leave them.
func TestDescribeTransactionsRefusalCarriesSchemaDefaults(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.grant(allow(resTransactionalID, "missing", aclDescribe))
	resp := ab.as("User:alice", 65, 0, &describeTransactionsRequest{TransactionalIDs: []string{"secret", "missing"}}).(*describeTransactionsResponse)
	want := map[string]int16{"secret": codeTransactionalIDAuthorizationFailed, "missing": codeTransactionalIDNotFound}
	for _, s := range resp.TransactionStates {
		if s.ErrorCode != want[s.TransactionalID] || s.TransactionState != "" || s.ProducerID != 0 || s.ProducerEpoch != 0 || s.TransactionTimeoutMs != 0 || s.TransactionStartTimeMs != 0 {
			t.Errorf("%s: %+v, want code %d and zeros", s.TransactionalID, s, want[s.TransactionalID])
		}
	}
	if len(resp.TransactionStates) != 2 {
		t.Errorf("%d states, want 2: %+v", len(resp.TransactionStates), resp.TransactionStates)
	}
}

// TestClusterDenialsShapedAsKafka: the cluster APIs' refusals carry what
// Kafka's getErrorResponse of each request builds from it: an error per
// user asked about (DescribeUserScramCredentials, KafkaApis), per
// partition asked to move or listed (AlterPartitionReassignments and
// ListPartitionReassignments, ControllerApis), the users in order
// (AlterUserScramCredentials), and no message where Kafka's error is the
// generic one (ApiError.fromThrowable drops it): DescribeClientQuotas
// and DescribeUserScramCredentials, which KafkaApis answers itself.
func TestClusterDenialsShapedAsKafka(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	const alice = "User:alice"
	scram := ab.as(alice, 50, 0, &describeUserScramCredentialsRequest{Users: []describeUserScramName{{Name: "bob"}, {Name: "carol"}}}).(*describeUserScramCredentialsResponse)
	if scram.ErrorCode != codeClusterAuthorizationFailed || scram.ErrorMessage != nil || len(scram.Results) != 2 ||
		scram.Results[0].ErrorCode != codeClusterAuthorizationFailed || scram.Results[0].User != "" || scram.Results[0].ErrorMessage != nil {
		t.Errorf("DescribeUserScramCredentials: %+v", scram)
	}
	alter := ab.as(alice, 45, 0, &alterPartitionReassignmentsRequest{TimeoutMs: 1000, AllowReplicationFactorChange: true, Topics: []reassignableTopic{{Name: "orders", Partitions: []reassignablePartition{{PartitionIndex: 0, Replicas: []int32{1}}, {PartitionIndex: 1}}}}}).(*alterPartitionReassignmentsResponse)
	if alter.ErrorCode != codeClusterAuthorizationFailed || len(alter.Responses) != 1 || len(alter.Responses[0].Partitions) != 2 || alter.Responses[0].Partitions[1].ErrorCode != codeClusterAuthorizationFailed {
		t.Errorf("AlterPartitionReassignments: %+v", alter)
	}
	list := ab.as(alice, 46, 0, &listPartitionReassignmentsRequest{TimeoutMs: 1000, Topics: []listPartitionReassignmentsTopic{{Name: "orders", PartitionIndexes: []int32{0, 1}}}}).(*listPartitionReassignmentsResponse)
	if list.ErrorCode != codeClusterAuthorizationFailed || len(list.Topics) != 1 || list.Topics[0].Name != "orders" || len(list.Topics[0].Partitions) != 2 {
		t.Errorf("ListPartitionReassignments: %+v", list)
	}
	users := ab.as(alice, 51, 0, &alterUserScramCredentialsRequest{Deletions: []scramCredentialDeletion{{Name: "zed", Mechanism: 1}}, Upsertions: []scramCredentialUpsertion{{Name: "amy", Mechanism: 1, Iterations: 4096, Salt: []byte("s"), SaltedPassword: []byte("p")}}}).(*alterUserScramCredentialsResponse)
	if len(users.Results) != 2 || users.Results[0].User != "amy" || users.Results[1].User != "zed" {
		t.Errorf("AlterUserScramCredentials: %+v, want amy then zed", users.Results)
	}
	quotas := ab.as(alice, 48, 1, &describeClientQuotasRequest{Components: []quotaFilterComponent{}}).(*describeClientQuotasResponse)
	if quotas.ErrorCode != codeClusterAuthorizationFailed || quotas.ErrorMessage != nil || quotas.Entries != nil {
		t.Errorf("DescribeClientQuotas: %+v", quotas)
	}
}

// TestTopicAdminRefusalsAsKafka: a topic or group the principal may not
// act on is refused with Errors' own message for the code ("Topic
// authorization failed.", as KafkaApis.handleDescribeConfigsRequest and
// ControllerApis.authorizeAlterResource word it; ControllerApis.
// createPartitions sets only the code, so its message is null), and a name or resource given twice is INVALID_REQUEST
// whatever the ACLs, since Kafka refuses duplicates before it asks the
// authorizer (ControllerApis.createTopics and createPartitions,
// ConfigAdminManager.preprocess).
func TestTopicAdminRefusalsAsKafka(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	const alice = "User:alice"
	dc := ab.as(alice, 32, 4, &describeConfigsRequest{Resources: []describeConfigsResource{{ResourceType: resourceTopic, ResourceName: "orders"}, {ResourceType: resourceGroup, ResourceName: "g"}}}).(*describeConfigsResponse)
	for _, r := range dc.Results {
		want := map[int8]string{resourceTopic: "Topic authorization failed.", resourceGroup: "Group authorization failed."}[r.ResourceType]
		if deref(r.ErrorMessage) != want {
			t.Errorf("DescribeConfigs %s: %d %q, want %q", r.ResourceName, r.ErrorCode, deref(r.ErrorMessage), want)
		}
	}
	twice := []incrementalAlterConfigsResource{{ResourceType: resourceTopic, ResourceName: "orders", Configs: []incrementalAlterableConfig{}}, {ResourceType: resourceTopic, ResourceName: "orders", Configs: []incrementalAlterableConfig{}}, {ResourceType: resourceBroker, ResourceName: "", Configs: []incrementalAlterableConfig{}}}
	iac := ab.as(alice, 44, 1, &incrementalAlterConfigsRequest{Resources: twice}).(*alterConfigsResponse)
	for _, r := range iac.Responses {
		code, msg := codeClusterAuthorizationFailed, "Cluster authorization failed."
		if r.ResourceType == resourceTopic {
			code, msg = codeInvalidRequest, "Each resource must appear at most once."
		}
		if r.ErrorCode != code || deref(r.ErrorMessage) != msg {
			t.Errorf("IncrementalAlterConfigs %d %q: %d %q, want %d %q", r.ResourceType, r.ResourceName, r.ErrorCode, deref(r.ErrorMessage), code, msg)
		}
	}
	cp := ab.as(alice, 37, 3, &createPartitionsRequest{TimeoutMs: 1000, Topics: []createPartitionsTopic{{Name: "orders", Count: 2}, {Name: "dup", Count: 2}, {Name: "dup", Count: 2}}}).(*createPartitionsResponse)
	got := map[string]string{}
	for _, r := range cp.Results {
		got[r.Name] = outcome(r.ErrorCode, r.ErrorMessage)
	}
	if got["orders"] != "29 <nil>" || got["dup"] != "42 Duplicate topic name." || len(cp.Results) != 2 {
		t.Errorf("CreatePartitions: %v", got)
	}
	ct := ab.as(alice, 19, 7, &createTopicsRequest{TimeoutMs: 1000, Topics: []creatableTopic{{Name: "dup", NumPartitions: 1, ReplicationFactor: 1}, {Name: "dup", NumPartitions: 1, ReplicationFactor: 1}}}).(*createTopicsResponse)
	if len(ct.Topics) != 1 || ct.Topics[0].ErrorCode != codeInvalidRequest {
		t.Errorf("CreateTopics of dup twice: %+v", ct.Topics)
	}
}

// TestAddPartitionsToTxnDeniedTopicBesideUnknownOne: when one topic of
// an AddPartitionsToTxn (v3 and below) is denied, a partition that does
// not exist is still answered UNKNOWN_TOPIC_OR_PARTITION and only the
// good ones OPERATION_NOT_ATTEMPTED, as
// KafkaApis.handleAddPartitionsToTxnRequest sorts them.
func TestAddPartitionsToTxnDeniedTopicBesideUnknownOne(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.makeTopics("orders", "secret")
	ab.grant(allow(resTransactionalID, "tx", aclWrite), allow(resTopic, "orders", aclWrite), allow(resTopic, "ghost", aclWrite))
	req := &addPartitionsToTxnRequest{V3AndBelowTransactionID: "tx", V3AndBelowProducerID: 1, V3AndBelowTopics: []addPartitionsToTxnTopic{{Name: "orders", Partitions: []int32{0, 7}}, {Name: "secret", Partitions: []int32{0}}, {Name: "ghost", Partitions: []int32{0}}}}
	resp := ab.as("User:alice", 24, 3, req).(*addPartitionsToTxnResponse)
	got := map[string]int16{}
	for _, tr := range resp.ResultsByTopicV3AndBelow {
		for _, p := range tr.ResultsByPartition {
			got[fmt.Sprintf("%s-%d", tr.Name, p.PartitionIndex)] = p.PartitionErrorCode
		}
	}
	want := map[string]int16{"orders-0": codeOperationNotAttempted, "orders-7": codeUnknownTopicOrPartition, "secret-0": codeTopicAuthorizationFailed, "ghost-0": codeUnknownTopicOrPartition}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("codes %v, want %v", got, want)
	}
}

// TestGroupLookupRefusalsAsKafka: the refusals of JoinGroup and
// FindCoordinator carry what Kafka's answer does: JoinGroup no member
// id, whatever the request sent (JoinGroupRequest.getErrorResponse);
// FindCoordinator below v4 Errors' message for the code, from v4 none
// per key (KafkaApis.getCoordinator); and a share-coordinator key (v6)
// needs CLUSTER_ACTION on the cluster, not access to a group, since
// only brokers look those up.
func TestGroupLookupRefusalsAsKafka(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	const alice = "User:alice"
	join := ab.as(alice, 11, 9, &joinGroupRequest{GroupID: "g", MemberID: "m-1", SessionTimeoutMs: 10000, RebalanceTimeoutMs: 1000, ProtocolType: "consumer", Protocols: []joinGroupProtocol{{Name: "range", Metadata: []byte{}}}}).(*joinGroupResponse)
	if join.ErrorCode != codeGroupAuthorizationFailed || join.MemberID != "" || join.Leader != "" || join.ProtocolName != nil {
		t.Errorf("JoinGroup: %+v", join)
	}
	old := ab.as(alice, 10, 3, &findCoordinatorRequest{Key: "tx", KeyType: 1}).(*findCoordinatorResponse)
	if old.ErrorCode != codeTransactionalIDAuthorizationFailed || deref(old.ErrorMessage) != "Transactional Id authorization failed." {
		t.Errorf("FindCoordinator v3: %d %q", old.ErrorCode, deref(old.ErrorMessage))
	}
	batched := ab.as(alice, 10, 4, &findCoordinatorRequest{KeyType: 0, CoordinatorKeys: []string{"g"}}).(*findCoordinatorResponse)
	if len(batched.Coordinators) != 1 || batched.Coordinators[0].ErrorCode != codeGroupAuthorizationFailed || batched.Coordinators[0].ErrorMessage != nil {
		t.Errorf("FindCoordinator v4: %+v", batched.Coordinators)
	}
	ab.grant(allow(resGroup, "*", aclDescribe))
	share := ab.as(alice, 10, 6, &findCoordinatorRequest{KeyType: 2, CoordinatorKeys: []string{"g:AAAAAAAAAAAAAAAAAAAAAA:0"}}).(*findCoordinatorResponse)
	if len(share.Coordinators) != 1 || share.Coordinators[0].ErrorCode != codeClusterAuthorizationFailed {
		t.Errorf("FindCoordinator v6, share key, without CLUSTER_ACTION: %+v", share.Coordinators)
	}
}

// TestTopicOperationsOfMissingDescribableTopics: a topic the principal
// may DESCRIBE is told its authorized operations even when it does not
// exist (UNKNOWN_TOPIC_OR_PARTITION), in Metadata and in
// DescribeTopicPartitions alike, as KafkaApis.handleTopicMetadataRequest
// and DescribeTopicPartitionsRequestHandler set them on every topic the
// principal may describe.
func TestTopicOperationsOfMissingDescribableTopics(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.grant(allow(resTopic, "ghost", aclDescribe))
	md := ab.as("User:alice", 3, 12, &metadataRequest{Topics: []metadataRequestTopic{{Name: ptr("ghost")}}, IncludeTopicAuthorizedOperations: true}).(*metadataResponse)
	if len(md.Topics) != 1 || md.Topics[0].ErrorCode != codeUnknownTopicOrPartition || md.Topics[0].TopicAuthorizedOperations != 1<<aclDescribe {
		t.Errorf("Metadata: %+v", md.Topics)
	}
	dtp := ab.as("User:alice", 75, 0, &describeTopicPartitionsRequest{Topics: []describeTopicPartitionsRequestTopic{{Name: "ghost"}}, ResponsePartitionLimit: 2000}).(*describeTopicPartitionsResponse)
	if len(dtp.Topics) != 1 || dtp.Topics[0].ErrorCode != codeUnknownTopicOrPartition || dtp.Topics[0].TopicAuthorizedOperations != 1<<aclDescribe {
		t.Errorf("DescribeTopicPartitions: %+v", dtp.Topics)
	}
}

// TestDescribeTopicPartitionsPagesOverDescribableTopicsOnly: asked for
// every topic, DescribeTopicPartitions pages over the topics the
// principal may describe, as DescribeTopicPartitionsRequestHandler
// filters them before KRaftMetadataCache pages: a page is not cut short
// by hidden topics, and its cursor never names one.
func TestDescribeTopicPartitionsPagesOverDescribableTopicsOnly(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.makeTopics("a", "b-secret", "c")
	ab.grant(allow(resTopic, "a", aclDescribe), allow(resTopic, "c", aclDescribe))
	resp := ab.as("User:alice", 75, 0, &describeTopicPartitionsRequest{Topics: []describeTopicPartitionsRequestTopic{}, ResponsePartitionLimit: 1}).(*describeTopicPartitionsResponse)
	if len(resp.Topics) != 1 || deref(resp.Topics[0].Name) != "a" || resp.NextCursor == nil || resp.NextCursor.TopicName != "c" {
		t.Errorf("first page: topics %+v, cursor %+v; want a, then a cursor at c", resp.Topics, resp.NextCursor)
	}
}

// ipv6Conn is one end of a pipe that says it comes from [::1]:50000.
type ipv6Conn struct{ net.Conn }

func (ipv6Conn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv6loopback, Port: 50000} }

// TestACLHostsAsJavaWritesIPv6: an ACL's host is compared with the
// client's address as Java's InetAddress.getHostAddress writes it,
// which for ::1 is 0:0:0:0:0:0:0:1 (StandardAuthorizerData.findResult):
// the ACL Kafka would need matches, the compressed form does not.
func TestACLHostsAsJavaWritesIPv6(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	local, remote := net.Pipe()
	defer local.Close()
	defer remote.Close()
	c := &conn{Conn: ipv6Conn{local}, broker: ab.Broker, auth: connAuth{principal: "User:alice"}}
	describe := func() int16 {
		rc := &requestContext{conn: c, header: &requestHeader{APIKey: 15, APIVersion: 5}}
		resp, err := ab.authorizeAndServe(context.Background(), lookupAPI(15), rc, &describeGroupsRequest{Groups: []string{"g"}})
		if err != nil {
			t.Fatal(err)
		}
		return resp.(*describeGroupsResponse).Groups[0].ErrorCode
	}
	ab.grant(acl{resGroup, "g", patternLiteral, "User:alice", "::1", aclDescribe, permissionAllow})
	if code := describe(); code != codeGroupAuthorizationFailed {
		t.Errorf("with an ACL for host ::1: code %d, want GROUP_AUTHORIZATION_FAILED", code)
	}
	ab.grant(acl{resGroup, "g", patternLiteral, "User:alice", "0:0:0:0:0:0:0:1", aclDescribe, permissionAllow})
	if code := describe(); code != codeNone {
		t.Errorf("with an ACL for host 0:0:0:0:0:0:0:1: code %d, want 0", code)
	}
	for in, want := range map[string]string{"::1": "0:0:0:0:0:0:0:1", "fe80::1%eth0": "fe80:0:0:0:0:0:0:1%eth0", "2001:db8::ab:c": "2001:db8:0:0:0:0:ab:c", "127.0.0.1": "127.0.0.1"} {
		if got := javaHostAddress(in); got != want {
			t.Errorf("javaHostAddress(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestConsumerGroupRefusalsCarryNoMessage: ConsumerGroupHeartbeat and
// ConsumerGroupDescribe, and their share-group twins, refuse a group
// with GROUP_AUTHORIZATION_FAILED and no message, as KafkaApis sends
// them (the code says it all; Kafka sets no message where it would only
// repeat the code's own).
func TestConsumerGroupRefusalsCarryNoMessage(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	hb := ab.as("User:alice", 68, 0, &consumerGroupHeartbeatRequest{GroupID: "g", MemberEpoch: 0, RebalanceTimeoutMs: 1000, SubscribedTopicNames: []string{"t"}, TopicPartitions: []consumerGroupTopicPartitions{}}).(*consumerGroupHeartbeatResponse)
	if hb.ErrorCode != codeGroupAuthorizationFailed || hb.ErrorMessage != nil {
		t.Errorf("ConsumerGroupHeartbeat: %d %q", hb.ErrorCode, deref(hb.ErrorMessage))
	}
	d := ab.as("User:alice", 69, 0, &consumerGroupDescribeRequest{GroupIDs: []string{"g"}}).(*consumerGroupDescribeResponse)
	if len(d.Groups) != 1 || d.Groups[0].ErrorCode != codeGroupAuthorizationFailed || d.Groups[0].ErrorMessage != nil {
		t.Errorf("ConsumerGroupDescribe: %+v", d.Groups)
	}
	shb := ab.as("User:alice", 76, 1, &shareGroupHeartbeatRequest{GroupID: "g", MemberID: "m", SubscribedTopicNames: []string{"t"}}).(*shareGroupHeartbeatResponse)
	if shb.ErrorCode != codeGroupAuthorizationFailed || shb.ErrorMessage != nil {
		t.Errorf("ShareGroupHeartbeat: %d %q", shb.ErrorCode, deref(shb.ErrorMessage))
	}
	sd := ab.as("User:alice", 77, 1, &shareGroupDescribeRequest{GroupIDs: []string{"g"}}).(*shareGroupDescribeResponse)
	if len(sd.Groups) != 1 || sd.Groups[0].ErrorCode != codeGroupAuthorizationFailed || sd.Groups[0].ErrorMessage != nil {
		t.Errorf("ShareGroupDescribe: %+v", sd.Groups)
	}
}

// TestDescribeProducersAsKafka: DescribeProducers answers an invalid
// topic name INVALID_TOPIC_EXCEPTION before it asks the authorizer, and
// a denied topic TOPIC_AUTHORIZATION_FAILED with Errors' message, as
// KafkaApis.handleDescribeProducersRequest does.
func TestDescribeProducersAsKafka(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	resp := ab.as("User:alice", 61, 0, &describeProducersRequest{Topics: []describeProducersTopic{{Name: "bad name", PartitionIndexes: []int32{0}}, {Name: "secret", PartitionIndexes: []int32{0}}}}).(*describeProducersResponse)
	got := map[string]string{}
	for _, tr := range resp.Topics {
		got[tr.Name] = fmt.Sprintf("%d %s", tr.Partitions[0].ErrorCode, deref(tr.Partitions[0].ErrorMessage))
	}
	if !strings.HasPrefix(got["bad name"], "17 ") || got["secret"] != "29 Topic authorization failed." {
		t.Errorf("answers %q", got)
	}
}

// TestFetchOfRefusedPartitionsOnlyIsAnsweredAtOnce: a fetch whose every
// partition is refused has nothing to wait for and is answered at once,
// as KafkaApis.handleFetchRequest answers when no partition is left to
// read, not after MaxWaitMs.
func TestFetchOfRefusedPartitionsOnlyIsAnsweredAtOnce(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.makeTopics("secret")
	req := &fetchRequest{ReplicaID: -1, ReplicaState: replicaState{-1, -1}, MaxWaitMs: 30000, MinBytes: 1, MaxBytes: 1 << 20, SessionEpoch: -1,
		Topics: []fetchTopic{{Topic: "secret", Partitions: []fetchPartition{{Partition: 0, CurrentLeaderEpoch: -1, LastFetchedEpoch: -1, LogStartOffset: -1, PartitionMaxBytes: 1 << 20}}}}}
	start := time.Now()
	resp := ab.as("User:alice", 1, 12, req).(*fetchResponse)
	if waited := time.Since(start); waited > 10*time.Second {
		t.Errorf("answered after %v, want at once", waited)
	}
	if resp.Responses[0].Partitions[0].ErrorCode != codeTopicAuthorizationFailed {
		t.Errorf("answer %+v", resp.Responses)
	}
}

// TestSuperUsersParsedAsKafka: super.users is split at semicolons and
// each principal trimmed, whether set by name or by the -super-users
// flag's path through Config.Set, and a principal without a colon is a
// configuration error, as StandardAuthorizer.getConfiguredSuperUsers
// parses them (SecurityUtils.parseKafkaPrincipal).
func TestSuperUsersParsedAsKafka(t *testing.T) {
	var c Config
	if err := c.Set("super.users", "User:admin; User:ops ;"); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.Security.SuperUsers) != "[User:admin User:ops]" {
		t.Errorf("super users %q", c.Security.SuperUsers)
	}
	if err := c.Set("super.users", "User:admin;ops"); err == nil || !strings.Contains(err.Error(), "principalType:principalName") {
		t.Errorf("a principal without a colon: error %v", err)
	}
}

// TestConfigsOfAnUnknownResourceTypeAreInvalidNotDenied: a config
// resource of a type Kafka does not know is refused as invalid before
// any ACL is asked (KafkaApis.handleDescribeConfigsRequest,
// ConfigAdminManager.preprocess), not taken for the cluster and refused
// CLUSTER_AUTHORIZATION_FAILED.
func TestConfigsOfAnUnknownResourceTypeAreInvalidNotDenied(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	dc := ab.as("User:alice", 32, 4, &describeConfigsRequest{Resources: []describeConfigsResource{{ResourceType: 99, ResourceName: "x"}}}).(*describeConfigsResponse)
	if len(dc.Results) != 1 || dc.Results[0].ErrorCode != codeInvalidRequest {
		t.Errorf("DescribeConfigs of type 99: %+v", dc.Results)
	}
	iac := ab.as("User:alice", 44, 1, &incrementalAlterConfigsRequest{Resources: []incrementalAlterConfigsResource{{ResourceType: 99, ResourceName: "x", Configs: []incrementalAlterableConfig{}}}}).(*alterConfigsResponse)
	if len(iac.Responses) != 1 || iac.Responses[0].ErrorCode != codeInvalidRequest {
		t.Errorf("IncrementalAlterConfigs of type 99: %+v", iac.Responses)
	}
}

// TestMalformedConfigAlterationsAreInvalidBeforeDenied: what
// ConfigAdminManager.preprocess refuses (a config named twice, a null
// value, a broker logger in the legacy AlterConfigs) is INVALID_REQUEST
// whatever the ACLs, since Kafka checks it on the broker before the
// controller asks the authorizer.
func TestMalformedConfigAlterationsAreInvalidBeforeDenied(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	set := incrementalAlterableConfig{Name: "retention.ms", Value: ptr("1000")}
	iac := ab.as("User:alice", 44, 1, &incrementalAlterConfigsRequest{Resources: []incrementalAlterConfigsResource{{ResourceType: resourceTopic, ResourceName: "orders", Configs: []incrementalAlterableConfig{set, set}}}}).(*alterConfigsResponse)
	if r := iac.Responses[0]; r.ErrorCode != codeInvalidRequest || deref(r.ErrorMessage) != "Error due to duplicate config keys" {
		t.Errorf("IncrementalAlterConfigs, a key twice: %d %q", r.ErrorCode, deref(r.ErrorMessage))
	}
	ac := ab.as("User:alice", 33, 2, &alterConfigsRequest{Resources: []alterConfigsResource{
		{ResourceType: resourceTopic, ResourceName: "orders", Configs: []alterableConfig{{Name: "retention.ms"}}},
		{ResourceType: resourceBrokerLogger, ResourceName: "0", Configs: []alterableConfig{}},
	}}).(*alterConfigsResponse)
	for _, r := range ac.Responses {
		if r.ErrorCode != codeInvalidRequest {
			t.Errorf("AlterConfigs of %d %q: %d %q, want INVALID_REQUEST", r.ResourceType, r.ResourceName, r.ErrorCode, deref(r.ErrorMessage))
		}
	}
}

// TestBrokerConfigNameCheckedBeforeAuthorization: Kafka's
// ConfigAdminManager.preprocess checks a BROKER resource's name
// (validateResourceNameIsCurrentNodeId) on the broker, before
// KafkaApis asks the authorizer, so a name that is not this broker's id
// is INVALID_REQUEST with preprocess's words whatever the ACLs; the
// empty name (the cluster default) and this broker's id are then asked
// ALTER_CONFIGS on the cluster. Both alter APIs do this.
func TestBrokerConfigNameCheckedBeforeAuthorization(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	resources := func() []incrementalAlterConfigsResource {
		var rs []incrementalAlterConfigsResource
		for _, name := range []string{"7", "x", "0", ""} {
			rs = append(rs, incrementalAlterConfigsResource{ResourceType: resourceBroker, ResourceName: name, Configs: []incrementalAlterableConfig{}})
		}
		return rs
	}
	answers := func(resp *alterConfigsResponse) map[string]string {
		got := map[string]string{}
		for _, r := range resp.Responses {
			got[r.ResourceName] = fmt.Sprintf("%d %s", r.ErrorCode, deref(r.ErrorMessage))
		}
		return got
	}
	const (
		wrongID  = "42 Unexpected broker id, expected 0, but received 7"
		notAnInt = "42 Node id must be an integer, but it is: x"
		denied   = "31 Cluster authorization failed."
	)
	got := answers(ab.as("User:alice", 44, 1, &incrementalAlterConfigsRequest{Resources: resources()}).(*alterConfigsResponse))
	if want := map[string]string{"7": wrongID, "x": notAnInt, "0": denied, "": denied}; !maps.Equal(got, want) {
		t.Errorf("IncrementalAlterConfigs as alice: %v, want %v", got, want)
	}
	legacy := ab.as("User:alice", 33, 2, &alterConfigsRequest{Resources: []alterConfigsResource{{ResourceType: resourceBroker, ResourceName: "7", Configs: []alterableConfig{}}}}).(*alterConfigsResponse)
	if got := answers(legacy); got["7"] != wrongID {
		t.Errorf("AlterConfigs of broker 7 as alice: %v, want %q", got, wrongID)
	}
	got = answers(ab.as("User:admin", 44, 1, &incrementalAlterConfigsRequest{Resources: resources()}).(*alterConfigsResponse))
	if got["7"] != wrongID || got["x"] != notAnInt {
		t.Errorf("IncrementalAlterConfigs as admin: %v", got)
	}
}
