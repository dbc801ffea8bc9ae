// Tests of authorize.go's checks where they once differed from Apache
// Kafka 4.0's KafkaApis, ControllerApis and GroupMetadataManager: each
// fails on the check as it was before and names the Kafka behaviour it
// pins down.
package kafka

import (
	"io"
	"log/slog"
	"slices"
	"testing"
)

// TestConsumerGroupRegexResolvesToDescribableTopics: a member's regex
// matches only the topics its principal may DESCRIBE, with the ACLs of
// the moment, as GroupMetadataManager.refreshRegularExpressions filters
// them since KAFKA-18813.
func TestConsumerGroupRegexResolvesToDescribableTopics(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ids := map[uuid]string{}
	for _, name := range []string{"orders-eu", "orders-us"} {
		tl, err := ab.logs.CreateTopic(name, 1)
		if err != nil {
			t.Fatal(err)
		}
		ids[tl.ID] = name
	}
	ab.grant(allow(resGroup, "g", aclRead), allow(resTopic, "orders-eu", aclDescribe))
	hb := func(memberID string, epoch int32, regex *string) *consumerGroupHeartbeatResponse {
		t.Helper()
		req := &consumerGroupHeartbeatRequest{GroupID: "g", MemberID: memberID, MemberEpoch: epoch, RebalanceTimeoutMs: -1, SubscribedTopicRegex: regex}
		if epoch == 0 {
			req.RebalanceTimeoutMs, req.TopicPartitions = 60000, []consumerGroupTopicPartitions{}
		}
		resp := ab.as("User:alice", 68, 1, req).(*consumerGroupHeartbeatResponse)
		if resp.ErrorCode != codeNone {
			t.Fatalf("heartbeat: error %d %s", resp.ErrorCode, deref(resp.ErrorMessage))
		}
		return resp
	}
	assigned := func(resp *consumerGroupHeartbeatResponse) []string {
		var names []string
		for _, tp := range resp.Assignment.TopicPartitions {
			names = append(names, ids[tp.TopicID])
		}
		slices.Sort(names)
		return names
	}
	resp := hb("m1", 0, ptr("orders-.*"))
	resp = hb("m1", resp.MemberEpoch, nil) // the regex resolves after the join
	if got := assigned(resp); !slices.Equal(got, []string{"orders-eu"}) {
		t.Fatalf("joined with DESCRIBE on orders-eu only: assigned %v", got)
	}
	// A grant widens the subscription at the next heartbeat, without the
	// member sending its regex again.
	ab.grant(allow(resTopic, "orders-us", aclDescribe))
	resp = hb("m1", resp.MemberEpoch, nil)
	if resp.Assignment == nil {
		t.Fatal("no new assignment after DESCRIBE on orders-us was granted")
	}
	if got := assigned(resp); !slices.Equal(got, []string{"orders-eu", "orders-us"}) {
		t.Errorf("after the grant: assigned %v", got)
	}
}

// TestConsumerGroupDescribeHidesGroupsWithUndescribableTopics: a group
// assigned a topic the caller may not DESCRIBE is answered
// TOPIC_AUTHORIZATION_FAILED with its members removed, as
// KafkaApis.handleConsumerGroupDescribe does since KAFKA-18813; a group
// whose topics the caller may see is described in full.
func TestConsumerGroupDescribeHidesGroupsWithUndescribableTopics(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.makeTopics("payroll", "orders")
	for group, topic := range map[string]string{"hr": "payroll", "shop": "orders"} {
		join := &consumerGroupHeartbeatRequest{GroupID: group, MemberID: "m", RebalanceTimeoutMs: 60000, SubscribedTopicNames: []string{topic}, TopicPartitions: []consumerGroupTopicPartitions{}}
		if resp := ab.as("User:admin", 68, 1, join).(*consumerGroupHeartbeatResponse); resp.ErrorCode != codeNone {
			t.Fatalf("%s: join: error %d", group, resp.ErrorCode)
		}
	}
	ab.grant(allow(resGroup, "hr", aclDescribe), allow(resGroup, "shop", aclDescribe), allow(resTopic, "orders", aclDescribe))
	resp := ab.as("User:alice", 69, 0, &consumerGroupDescribeRequest{GroupIDs: []string{"hr", "shop"}, IncludeAuthorizedOperations: true}).(*consumerGroupDescribeResponse)
	got := map[string]consumerDescribedGroup{}
	for _, g := range resp.Groups {
		got[g.GroupID] = g
	}
	hr, shop := got["hr"], got["shop"]
	if hr.ErrorCode != codeTopicAuthorizationFailed || len(hr.Members) != 0 || hr.GroupEpoch != 0 || hr.AuthorizedOperations != authorizedOperationsOmitted {
		t.Errorf("hr, assigned payroll: %+v", hr)
	}
	if shop.ErrorCode != codeNone || len(shop.Members) != 1 || shop.AuthorizedOperations == authorizedOperationsOmitted {
		t.Errorf("shop, assigned orders: %+v", shop)
	}
}

// TestOffsetForLeaderEpochTakesEitherPermission: CLUSTER_ACTION or
// DESCRIBE on the topic lets a request through whatever its replica id,
// as KafkaApis.handleOffsetForLeaderEpochRequest asks.
func TestOffsetForLeaderEpochTakesEitherPermission(t *testing.T) {
	for _, tc := range []struct {
		name      string
		replicaID int32
		grant     acl
	}{
		{"consumer with CLUSTER_ACTION", -1, allow(resCluster, clusterName, aclClusterAction)},
		{"follower with DESCRIBE", 1, allow(resTopic, "orders", aclDescribe)},
	} {
		ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
		ab.makeTopics("orders")
		ab.grant(tc.grant)
		req := &offsetForLeaderEpochRequest{ReplicaID: tc.replicaID, Topics: []offsetForLeaderTopic{{Topic: "orders", Partitions: []offsetForLeaderPartition{{Partition: 0, CurrentLeaderEpoch: -1, LeaderEpoch: 0}}}}}
		if code := ab.as("User:alice", 23, 4, req).(*offsetForLeaderEpochResponse).Topics[0].Partitions[0].ErrorCode; code != codeNone {
			t.Errorf("%s: code %d", tc.name, code)
		}
	}
}

// TestCreateTopicsWithholdsConfigsWithoutDescribeConfigs: a topic created
// by a principal without DESCRIBE_CONFIGS on it comes back without its
// configs, partition count and replication factor, and with
// TopicConfigErrorCode set, as ReplicationControlManager.createTopic
// answers; with DESCRIBE_CONFIGS they are all there.
func TestCreateTopicsWithholdsConfigsWithoutDescribeConfigs(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.grant(allow(resCluster, clusterName, aclCreate), allow(resTopic, "open", aclDescribeConfigs))
	req := &createTopicsRequest{TimeoutMs: 1000, Topics: []creatableTopic{{Name: "secret", NumPartitions: 2, ReplicationFactor: 1}, {Name: "open", NumPartitions: 2, ReplicationFactor: 1}}}
	resp := ab.as("User:alice", 19, 7, req).(*createTopicsResponse)
	got := map[string]creatableTopicResult{}
	for _, r := range resp.Topics {
		got[r.Name] = r
	}
	secret, open := got["secret"], got["open"]
	if secret.ErrorCode != codeNone || secret.TopicConfigErrorCode != codeTopicAuthorizationFailed || secret.NumPartitions != -1 || secret.ReplicationFactor != -1 || secret.Configs == nil || len(secret.Configs) != 0 {
		t.Errorf("secret, no DESCRIBE_CONFIGS: %+v", secret)
	}
	if ab.logs.Topic("secret") == nil {
		t.Error("secret was not created")
	}
	if open.ErrorCode != codeNone || open.TopicConfigErrorCode != codeNone || open.NumPartitions != 2 || len(open.Configs) == 0 {
		t.Errorf("open, with DESCRIBE_CONFIGS: %+v", open)
	}
}

// TestDescribeTransactionsDropsUndescribableTopics: a transaction the
// caller may describe lists only the topics it may DESCRIBE, as
// KafkaApis.handleDescribeTransactionsRequest removes the others.
func TestDescribeTransactionsDropsUndescribableTopics(t *testing.T) {
	ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
	ab.makeTopics("orders", "payroll")
	init := ab.as("User:admin", 22, 4, &initProducerIDRequest{TransactionalID: ptr("tx"), TransactionTimeoutMs: 60000, ProducerID: -1, ProducerEpoch: -1}).(*initProducerIDResponse)
	if init.ErrorCode != codeNone {
		t.Fatalf("InitProducerId: error %d", init.ErrorCode)
	}
	add := &addPartitionsToTxnRequest{V3AndBelowTransactionID: "tx", V3AndBelowProducerID: init.ProducerID, V3AndBelowProducerEpoch: init.ProducerEpoch,
		V3AndBelowTopics: []addPartitionsToTxnTopic{{Name: "orders", Partitions: []int32{0}}, {Name: "payroll", Partitions: []int32{0}}}}
	for _, tr := range ab.as("User:admin", 24, 3, add).(*addPartitionsToTxnResponse).ResultsByTopicV3AndBelow {
		for _, p := range tr.ResultsByPartition {
			if p.PartitionErrorCode != codeNone {
				t.Fatalf("AddPartitionsToTxn %s: error %d", tr.Name, p.PartitionErrorCode)
			}
		}
	}
	ab.grant(allow(resTransactionalID, "tx", aclDescribe), allow(resTopic, "orders", aclDescribe))
	resp := ab.as("User:alice", 65, 0, &describeTransactionsRequest{TransactionalIDs: []string{"tx"}}).(*describeTransactionsResponse)
	if len(resp.TransactionStates) != 1 || resp.TransactionStates[0].ErrorCode != codeNone {
		t.Fatalf("DescribeTransactions: %+v", resp.TransactionStates)
	}
	var topics []string
	for _, tp := range resp.TransactionStates[0].Topics {
		topics = append(topics, tp.Topic)
	}
	if !slices.Equal(topics, []string{"orders"}) {
		t.Errorf("topics shown: %v, want only orders", topics)
	}
}

// TestMetadataRefusesCreationWithoutCreate: a missing topic the principal
// may describe but not create is TOPIC_AUTHORIZATION_FAILED when the
// request would create it (from v0, where creation could not be turned
// down, and from v4 with AllowAutoTopicCreation), and
// UNKNOWN_TOPIC_OR_PARTITION when the client or the broker turns
// creation off, as KafkaApis.handleTopicMetadataRequest answers.
func TestMetadataRefusesCreationWithoutCreate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		v         int16
		allow     bool // AllowAutoTopicCreation
		brokerOff bool // DisableAutoCreateTopics
		want      int16
	}{
		{"v3", 3, false, false, codeTopicAuthorizationFailed},
		{"v12 allowed", 12, true, false, codeTopicAuthorizationFailed},
		{"v12 not allowed", 12, false, false, codeUnknownTopicOrPartition},
		{"broker off", 12, true, true, codeUnknownTopicOrPartition},
	} {
		ab := openACLBroker(t, SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}})
		ab.cfg.DisableAutoCreateTopics = tc.brokerOff
		ab.grant(allow(resTopic, "new", aclDescribe))
		resp := ab.as("User:alice", 3, tc.v, &metadataRequest{Topics: []metadataRequestTopic{{Name: ptr("new")}}, AllowAutoTopicCreation: tc.allow}).(*metadataResponse)
		if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != tc.want {
			t.Errorf("%s: %+v, want code %d", tc.name, resp.Topics, tc.want)
		}
		if ab.logs.Topic("new") != nil {
			t.Errorf("%s: created without CREATE", tc.name)
		}
	}
}

// TestACLAPIsWithoutAuthorizerWordKafkasMessages: with no authorizer,
// CreateAcls and DeleteAcls say what AclApis's SecurityDisabledException
// says, and DescribeAcls its own longer text.
func TestACLAPIsWithoutAuthorizerWordKafkasMessages(t *testing.T) {
	off := openACLBroker(t, SecurityConfig{})
	describe := off.as(anonymous, describeAclsKey, 3, &describeAclsRequest{ResourceTypeFilter: resAny, PatternTypeFilter: patternAny, Operation: aclAny, PermissionType: permissionAny}).(*describeAclsResponse)
	create := off.as(anonymous, createAclsKey, 3, &createAclsRequest{Creations: []aclCreation{{resTopic, "t", patternLiteral, "User:a", "*", aclRead, permissionAllow}}}).(*createAclsResponse).Results[0]
	del := off.as(anonymous, deleteAclsKey, 3, &deleteAclsRequest{Filters: []deleteAclsFilter{{ResourceTypeFilter: resAny, PatternTypeFilter: patternAny, Operation: aclAny, PermissionType: permissionAny}}}).(*deleteAclsResponse).FilterResults[0]
	for _, tc := range []struct {
		name string
		code int16
		msg  *string
		want string
	}{
		{"DescribeAcls", describe.ErrorCode, describe.ErrorMessage, "No Authorizer is configured on the broker"},
		{"CreateAcls", create.ErrorCode, create.ErrorMessage, "No Authorizer is configured."},
		{"DeleteAcls", del.ErrorCode, del.ErrorMessage, "No Authorizer is configured."},
	} {
		if tc.code != codeSecurityDisabled || deref(tc.msg) != tc.want {
			t.Errorf("%s: code %d message %q, want %d %q", tc.name, tc.code, deref(tc.msg), codeSecurityDisabled, tc.want)
		}
	}
}

// TestRestoredRegexMemberKeepsItsTopics: a KIP-848 member restored at
// start has no principal until it heartbeats, so its regex must not
// match, meanwhile, topics its ACLs had kept from it. Kafka persists the
// filtered resolution; here the member keeps to the topics it had. The
// rebalance that a second member's join triggers must not give the
// restored member orders-us, which its principal may not describe.
func TestRestoredRegexMemberKeepsItsTopics(t *testing.T) {
	dir := t.TempDir()
	sec := SecurityConfig{Authorizer: true, SuperUsers: []string{"User:admin"}}
	open := func() *aclBroker {
		b, err := Open(Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), GroupInitialRebalanceDelay: -1, Security: sec})
		if err != nil {
			t.Fatal(err)
		}
		return &aclBroker{t, b}
	}
	heartbeat := func(ab *aclBroker, principal string, req *consumerGroupHeartbeatRequest) {
		t.Helper()
		req.GroupID, req.RebalanceTimeoutMs, req.TopicPartitions = "g", 60000, []consumerGroupTopicPartitions{}
		if resp := ab.as(principal, 68, 1, req).(*consumerGroupHeartbeatResponse); resp.ErrorCode != codeNone {
			t.Fatalf("%s's heartbeat: error %d %s", principal, resp.ErrorCode, deref(resp.ErrorMessage))
		}
	}

	ab := open()
	ab.makeTopics("orders-eu", "orders-us", "audit")
	ab.grant(allow(resGroup, "g", aclRead), allow(resTopic, "orders-eu", aclDescribe))
	heartbeat(ab, "User:alice", &consumerGroupHeartbeatRequest{MemberID: "alice", SubscribedTopicRegex: ptr("orders-.*")})
	ab.groups.close()
	ab.logs.Close()

	ab = open()
	t.Cleanup(func() { ab.groups.close(); ab.logs.Close() })
	heartbeat(ab, "User:admin", &consumerGroupHeartbeatRequest{MemberID: "admin", SubscribedTopicNames: []string{"audit"}})
	for _, m := range describeConsumerGroup(t, ab.Broker, "g").Members {
		if m.MemberID != "alice" {
			continue
		}
		for _, tp := range m.TargetAssignment.TopicPartitions {
			if tp.TopicName != "orders-eu" {
				t.Errorf("restored member's target holds %s, which its principal may not describe", tp.TopicName)
			}
		}
		return
	}
	t.Fatal("alice was not restored")
}
