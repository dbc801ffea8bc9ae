// This file is the seventh of the security chapters (Part IV), and comes
// right after acls.go: what each API asks the authorizer before its
// handler runs, and what the client sees when the answer is no. It
// assumes acls.go (the ACL model and authorize, the decision of one
// operation on one resource) and the handlers of the earlier chapters,
// whose requests and responses it reads and completes.
//
// # What each API checks
//
// aclChecks has one entry per API of the apis table, naming the
// operations and resources that Kafka's KafkaApis checks for it and the
// error a client gets: TOPIC_AUTHORIZATION_FAILED per topic,
// GROUP_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED and
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED for the request. A check does one
// of three things:
//
//   - answer the whole request itself, when the request is denied as a
//     whole (a group, a transactional id or the cluster);
//   - take the denied topics or groups out of the request before the
//     handler sees it, and return a function that adds their errors to
//     the handler's answer afterwards;
//   - let the request through and filter the answer, for the listing APIs
//     (Metadata, ListGroups, ListTransactions) that show only what the
//     principal may describe.
//
// Handlers therefore stay as they are and never call the authorizer,
// with two exceptions, where what is read is not what the request names.
// A Fetch reads its session's partitions too, so its check hands the
// handler a verdict on each topic (fetchRequest.denied) instead of
// trimming the request, and every fetch is checked again. A
// DescribeTopicPartitions cuts its pages from the topics the principal
// may describe, so its handler asks the authorizer itself
// (describableTopics in cluster.go) and its check here does nothing.
// Metadata lists only the topics the principal may describe. An API
// added to apis without an entry here closes the connection when the
// authorizer is on, and TestEveryAPIHasAnACLCheck fails, so that none
// slips through unchecked.
//
// # Design note
//
// Kafka interleaves its checks with each handler's body (KafkaApis and
// AuthHelper.filterByAuthorized, in
// https://github.com/apache/kafka/blob/4.0.0/core/src/main/scala/kafka/server/KafkaApis.scala).
// Keeping them in one table here costs a second pass over a request's
// topics, but puts every permission the broker asks for on one page,
// where it can be compared with KafkaApis API by API and tested as a
// whole. The errors of denied topics are
// appended after the handler's answers; Kafka builds its answers from
// maps and promises no order either, and clients match each answer to
// its topic and partition by name.

package kafka

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
)

// aclChecks mirrors apis key for key; TestEveryAPIHasAnACLCheck fails if
// an API of apis has no entry. Keys are API keys; the named constants are
// used where the key has one.
var aclChecks = map[int16]aclCheck{
	0:  checkProduce,
	1:  checkFetch,
	2:  checkListOffsets,
	3:  checkMetadata,
	8:  checkOffsetCommit,
	9:  checkOffsetFetch,
	10: checkFindCoordinator,

	11:                  checkJoinGroup,
	12:                  checkHeartbeat,
	13:                  checkLeaveGroup,
	14:                  checkSyncGroup,
	15:                  checkDescribeGroups,
	16:                  checkListGroups,
	saslHandshakeKey:    noCheck,
	apiVersionsKey:      noCheck,
	19:                  checkCreateTopics,
	20:                  checkDeleteTopics,
	21:                  checkDeleteRecords,
	22:                  checkInitProducerID,
	24:                  checkAddPartitionsToTxn,
	25:                  checkAddOffsetsToTxn,
	26:                  checkEndTxn,
	27:                  checkWriteTxnMarkers,
	28:                  checkTxnOffsetCommit,
	describeAclsKey:     checkDescribeAcls,
	createAclsKey:       checkCreateAcls,
	deleteAclsKey:       checkDeleteAcls,
	32:                  checkDescribeConfigs,
	33:                  checkAlterConfigs,
	saslAuthenticateKey: noCheck,
	37:                  checkCreatePartitions,
	38:                  checkCreateDelegationToken,
	39:                  noCheck,
	40:                  noCheck,
	41:                  noCheck,
	42:                  checkDeleteGroups,
	44:                  checkIncrementalAlterConfigs,
	47:                  checkOffsetDelete,
	50:                  checkDescribeUserScramCredentials,
	51:                  checkAlterUserScramCredentials,
	60:                  checkDescribeCluster,
	65:                  checkDescribeTransactions,
	66:                  checkListTransactions,
	68:                  checkConsumerGroupHeartbeat,
	69:                  checkConsumerGroupDescribe,
	76:                  checkShareGroupHeartbeat,
	77:                  checkShareGroupDescribe,
	78:                  checkShareFetch,
	79:                  checkShareAcknowledge,
	90:                  checkDescribeShareGroupOffsets,
	91:                  checkAlterShareGroupOffsets,
	92:                  checkDeleteShareGroupOffsets,

	// The partition admin APIs (cluster.go) and client quotas
	// (quotas.go).
	23: checkOffsetForLeaderEpoch,
	34: checkAlterReplicaLogDirs,
	35: checkDescribeLogDirs,
	43: checkElectLeaders,
	45: checkAlterPartitionReassignments,
	46: checkListPartitionReassignments,
	48: checkDescribeClientQuotas,
	49: checkAlterClientQuotas,
	57: checkUpdateFeatures,
	61: checkDescribeProducers,
	74: checkListConfigResources,
	75: checkDescribeTopicPartitions,

	// The quorum APIs (quorum.go), which Kafka's ControllerApis checks.
	55: checkDescribeQuorum,
	64: checkUnregisterBroker,
	80: checkAddRaftVoter,
	81: checkRemoveRaftVoter,
}

// access is one request's view of the authorizer: who asks, from where,
// and in which version of the API, since some checks changed with the
// version (OffsetFetch v8 batched groups, FindCoordinator v4 batched
// keys, AddPartitionsToTxn v4 became broker-to-broker).
type access struct {
	b         *Broker
	principal string
	host      string
	v         int16
}

// may decides op on one resource for this request's principal and host,
// as AuthHelper.authorize does for KafkaApis.
func (a *access) may(op, resType int8, name string) bool {
	return a.b.sec.authorize(a.principal, a.host, op, resType, name)
}

// mayCluster decides op on the one CLUSTER resource, "kafka-cluster",
// which is what the admin APIs and the follower paths ask for.
func (a *access) mayCluster(op int8) bool { return a.may(op, resCluster, clusterName) }

// operations is authorizedOperations for this principal: the KIP-430
// bit field a check writes into an answer the handler filled with the
// full set, so that a client asking what it may do is told the truth.
func (a *access) operations(resType int8, name string) int32 {
	return a.b.sec.authorizedOperations(a.principal, a.host, resType, name)
}

// topicName is name, or else the name of the topic with id, "" when the
// id is unknown. Requests that name topics by id (Fetch v13+, Metadata
// v12+, DeleteTopics v6+, the share APIs) are checked by name, since
// ACLs name topics, never ids. An unknown id is let through: the handler
// answers UNKNOWN_TOPIC_ID, as Kafka does before it checks anything,
// which tells the client nothing it did not send.
func (a *access) topicName(name string, id uuid) string {
	if name != "" {
		return name
	}
	if t := a.b.logs.TopicByID(id); t != nil {
		return t.Name
	}
	return ""
}

// aclCheck checks one request. It returns either a whole answer, or a
// function to complete the handler's answer with the errors of what it
// took out of the request (nil when there is nothing to add). A check may
// rewrite the request in place: it is decoded per request and read by
// nobody but the handler that runs next.
type aclCheck func(a *access, req request) (answer response, complete func(response))

// authorizeAndServe runs a request's ACL check and then, unless the check
// answered, its handler. The one Go error it returns, an API without a
// check, closes the connection: answering unchecked would be a hole, and
// answering with an error code would hide the missing entry from tests.
func (b *Broker) authorizeAndServe(ctx context.Context, api *api, rc *requestContext, req request) (response, error) {
	if !b.sec.cfg.Authorizer {
		return b.serve(ctx, api, rc, req), nil
	}
	check, ok := aclChecks[api.key]
	if !ok {
		return nil, fmt.Errorf("kafka: no ACL check for %s", api.name)
	}
	answer, complete := check(b.access(rc), req)
	if answer != nil {
		return answer, nil
	}
	resp := b.serve(ctx, api, rc, req)
	if complete != nil && resp != nil {
		complete(resp)
	}
	return resp, nil
}

// access is rc's view of the authorizer.
func (b *Broker) access(rc *requestContext) *access {
	return &access{b: b, principal: rc.principal(), host: rc.hostAddress(), v: rc.header.APIVersion}
}

// hostAddress is the client's IP address as an ACL's host names it:
// without a port, written as Java's InetAddress.getHostAddress writes it,
// which is what Kafka's authorizer compares an ACL's host with
// (StandardAuthorizerData.findResult). For IPv4 that is the usual
// dotted form; for IPv6 it is eight groups of lowercase hex without
// leading zeros and without "::", so that an ACL for host
// 0:0:0:0:0:0:0:1 written for Kafka matches a client on ::1 here too,
// and one for "::1" matches nothing, as in Kafka. Tests call handlers
// with no connection, and they match the host "*" only. A connection's
// requests are handled one at a time, so its cache needs no lock.
func (rc *requestContext) hostAddress() string {
	c := rc.conn
	if c == nil || c.Conn == nil {
		return ""
	}
	if !c.hostKnown {
		c.host, c.hostKnown = "", true
		if host, _, err := net.SplitHostPort(c.RemoteAddr().String()); err == nil {
			c.host = javaHostAddress(host)
		}
	}
	return c.host
}

// javaHostAddress rewrites an IP address in Java's getHostAddress form;
// anything else, an IPv4 address included, is returned as it is. A zone
// ("%eth0") is kept after the address, as Java keeps the scope.
func javaHostAddress(host string) string {
	addr, zone, _ := strings.Cut(host, "%")
	ip := net.ParseIP(addr)
	if ip == nil || ip.To4() != nil {
		return host
	}
	groups := make([]string, 8)
	for i := range groups {
		groups[i] = strconv.FormatUint(uint64(ip[2*i])<<8|uint64(ip[2*i+1]), 16)
	}
	out := strings.Join(groups, ":")
	if zone != "" {
		out += "%" + zone
	}
	return out
}

// principal is the connection's principal, User:ANONYMOUS before a login
// or on a PLAINTEXT listener, as Kafka's KafkaPrincipal.ANONYMOUS; ACLs
// for User:ANONYMOUS are how Kafka opens a broker to clients that do
// not authenticate.
func (rc *requestContext) principal() string {
	if rc.conn == nil || rc.conn.auth.principal == "" {
		return anonymous
	}
	return rc.conn.auth.principal
}

// split partitions xs by keep, preserving order. A nil list stays nil in
// kept, because nil means "all" in several requests (Metadata topics,
// OffsetFetch topics), and a check must not turn "all" into "none".
func split[T any](xs []T, keep func(T) bool) (kept, denied []T) {
	if xs == nil {
		return nil, nil
	}
	kept = []T{}
	for _, x := range xs {
		if keep(x) {
			kept = append(kept, x)
		} else {
			denied = append(denied, x)
		}
	}
	return kept, denied
}

// onceIn returns whether an item's key occurs only once in xs. Kafka
// answers a topic or resource named twice in one request
// INVALID_REQUEST before it asks the authorizer about it
// (ControllerApis.createTopics and createPartitions,
// ConfigAdminManager.preprocess), so checks leave such items to the
// handler, which answers them so, whatever the ACLs say.
func onceIn[T any, K comparable](xs []T, key func(T) K) func(T) bool {
	count := make(map[K]int, len(xs))
	for _, x := range xs {
		count[key(x)]++
	}
	return func(x T) bool { return count[key(x)] == 1 }
}

// noCheck is the entry of APIs that need no permission: ApiVersions and
// the SASL APIs, which come before there is a principal to check. Kafka
// answers them before it asks the authorizer too (KafkaApis.handle and
// SaslServerAuthenticator), or no client could ever log in.
func noCheck(*access, request) (response, func(response)) { return nil, nil }

// CreateDelegationToken: CREATE_TOKENS on the owner, a USER resource
// named by the whole principal ("User:bob"), when the owner is not the
// requester, as KafkaApis.handleCreateTokenRequest asks. The verdict is
// handed to the handler, which gives it after the listener's refusal,
// in Kafka's order (delegationtokens.go). Renew, Expire and Describe
// ask nothing of the authorizer before the token manager, which has no
// tokens here (noCheck): Kafka checks DESCRIBE on each token only to
// filter the tokens it lists.
func checkCreateDelegationToken(a *access, r request) (response, func(response)) {
	req := r.(*createDelegationTokenRequest)
	if owner := req.owner(a.principal); owner != a.principal {
		req.ownerDenied = !a.may(aclCreateTokens, resUser, owner)
	}
	return nil, nil
}

// OffsetForLeaderEpoch: CLUSTER_ACTION on the cluster, or else DESCRIBE
// per topic, whatever the replica id says, as
// KafkaApis.handleOffsetForLeaderEpochRequest asks. The API was
// broker-to-broker until KIP-320 let consumers use it to detect log
// truncation after a leader change, which is why a consumer needs only
// DESCRIBE; Kafka never reads the replica id to pick the permission, so a
// principal with either one is answered whoever it claims to be. A denied
// topic answers TOPIC_AUTHORIZATION_FAILED per partition, with the -1
// epoch and offset Kafka's defaults give.
func checkOffsetForLeaderEpoch(a *access, r request) (response, func(response)) {
	req := r.(*offsetForLeaderEpochRequest)
	var denied []offsetForLeaderTopic
	if !a.mayCluster(aclClusterAction) {
		req.Topics, denied = split(req.Topics, func(t offsetForLeaderTopic) bool { return a.may(aclDescribe, resTopic, t.Topic) })
	}
	return nil, func(r response) {
		resp := r.(*offsetForLeaderEpochResponse)
		for _, t := range denied {
			tr := offsetForLeaderTopicResult{Topic: t.Topic}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, epochEndOffsetResult{ErrorCode: codeTopicAuthorizationFailed, Partition: p.Partition, LeaderEpoch: -1, EndOffset: -1})
			}
			resp.Topics = append(resp.Topics, tr)
		}
	}
}

// AlterReplicaLogDirs: ALTER on the cluster, answered per partition.
// Moving a replica between disks is an operator's act, so it is never
// per topic (KafkaApis.handleAlterReplicaLogDirsRequest). The response
// has no top-level error code, so the denial is repeated for every
// partition asked about, as AlterReplicaLogDirsRequest.getErrorResponse
// builds it.
func checkAlterReplicaLogDirs(a *access, r request) (response, func(response)) {
	if a.mayCluster(aclAlter) {
		return nil, nil
	}
	resp := &alterReplicaLogDirsResponse{Results: []alterReplicaLogDirTopicResult{}}
	for _, d := range r.(*alterReplicaLogDirsRequest).Dirs {
		for _, t := range d.Topics {
			tr := alterReplicaLogDirTopicResult{TopicName: t.Name}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, alterReplicaLogDirPartitionResult{PartitionIndex: p, ErrorCode: codeClusterAuthorizationFailed})
			}
			resp.Results = append(resp.Results, tr)
		}
	}
	return resp, nil
}

// ElectLeaders: ALTER on the cluster, as ControllerApis.handleElectLeaders
// asks. The top-level error code came in v1; the per-partition copies,
// each with a message (ElectLeadersRequest.getErrorResponse), are what a
// v0 client reads, and what the Admin client reports per partition in
// either case.
func checkElectLeaders(a *access, r request) (response, func(response)) {
	if a.mayCluster(aclAlter) {
		return nil, nil
	}
	resp := &electLeadersResponse{ErrorCode: codeClusterAuthorizationFailed, ReplicaElectionResults: []replicaElectionResult{}}
	for _, t := range r.(*electLeadersRequest).TopicPartitions {
		tr := replicaElectionResult{Topic: t.Topic}
		for _, p := range t.Partitions {
			tr.PartitionResult = append(tr.PartitionResult, electionPartitionResult{PartitionID: p, ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed.")})
		}
		resp.ReplicaElectionResults = append(resp.ReplicaElectionResults, tr)
	}
	return resp, nil
}

// AlterClientQuotas: ALTER_CONFIGS on the cluster, answered per entity.
// Quotas are configs in Kafka (kafka-configs.sh --entity-type users or
// clients sets them), hence ALTER_CONFIGS and not ALTER
// (KafkaApis.handleAlterClientQuotasRequest). Each entity is echoed back
// so that the Admin client can match the error to its future.
func checkAlterClientQuotas(a *access, r request) (response, func(response)) {
	if a.mayCluster(aclAlterConfigs) {
		return nil, nil
	}
	resp := &alterClientQuotasResponse{Entries: []alterQuotaResult{}}
	for _, e := range r.(*alterClientQuotasRequest).Entries {
		resp.Entries = append(resp.Entries, alterQuotaResult{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed."), Entity: e.Entity})
	}
	return resp, nil
}

// DescribeProducers: READ per topic, not DESCRIBE: the producer ids and
// sequence numbers it shows are details of the data, which Kafka guards
// like the records themselves (KafkaApis.handleDescribeProducersRequest,
// KIP-664). A denied topic answers TOPIC_AUTHORIZATION_FAILED per
// partition with no producers and Errors' message. An invalid name is
// left to the handler, whose INVALID_TOPIC_EXCEPTION Kafka answers
// before it asks the authorizer.
func checkDescribeProducers(a *access, r request) (response, func(response)) {
	req := r.(*describeProducersRequest)
	var denied []describeProducersTopic
	req.Topics, denied = split(req.Topics, func(t describeProducersTopic) bool {
		return validateTopicName(t.Name) != nil || a.may(aclRead, resTopic, t.Name)
	})
	return nil, func(r response) {
		resp := r.(*describeProducersResponse)
		for _, t := range denied {
			tr := describeProducersTopicResponse{Name: t.Name}
			for _, p := range t.PartitionIndexes {
				tr.Partitions = append(tr.Partitions, describeProducersPartition{PartitionIndex: p, ErrorCode: codeTopicAuthorizationFailed, ErrorMessage: ptr(defaultErrorMessage(codeTopicAuthorizationFailed)), ActiveProducers: []activeProducer{}})
			}
			resp.Topics = append(resp.Topics, tr)
		}
	}
}

// DescribeTopicPartitions: DESCRIBE per topic; asked for every topic, it
// lists only those the principal may describe, as Metadata
// (DescribeTopicPartitionsRequestHandler, KIP-966). Named topics that
// are denied come back as TOPIC_AUTHORIZATION_FAILED without their id,
// so that a name guessed does not confirm that the topic exists. The
// handler applies the rule itself (describableTopics in cluster.go):
// Kafka checks the cursor against the topics as asked, then leaves out
// the denied ones before it fills the page, so that they neither take
// its room nor become its NextCursor.
func checkDescribeTopicPartitions(a *access, r request) (response, func(response)) {
	return nil, nil
}

// The classic group protocol: READ on the group, else the whole request
// fails with GROUP_AUTHORIZATION_FAILED, which the Java consumer raises
// from poll as a GroupAuthorizationException
// (KafkaApis.handleJoinGroupRequest and its siblings). JoinGroup answers
// no member id, leader or protocol, whatever the request sent, and
// SyncGroup an empty assignment, as their requests' getErrorResponse
// builds them.
var (
	checkJoinGroup = groupCheck(aclRead, func(r request) string { return r.(*joinGroupRequest).GroupID }, func(r request) response {
		return &joinGroupResponse{ErrorCode: codeGroupAuthorizationFailed, GenerationID: -1, Members: []joinGroupResponseMember{}}
	})
	checkHeartbeat = groupCheck(aclRead, func(r request) string { return r.(*heartbeatRequest).GroupID }, func(request) response {
		return &heartbeatResponse{ErrorCode: codeGroupAuthorizationFailed}
	})
	checkLeaveGroup = groupCheck(aclRead, func(r request) string { return r.(*leaveGroupRequest).GroupID }, func(request) response {
		return &leaveGroupResponse{ErrorCode: codeGroupAuthorizationFailed, Members: []leaveGroupMemberResponse{}}
	})
	checkSyncGroup = groupCheck(aclRead, func(r request) string { return r.(*syncGroupRequest).GroupID }, func(request) response {
		return &syncGroupResponse{ErrorCode: codeGroupAuthorizationFailed, Assignment: []byte{}}
	})
)

// The APIs that act on the broker as a whole ask for the cluster
// resource, and Kafka answers a refusal with one
// CLUSTER_AUTHORIZATION_FAILED and no results.
var (
	// The ACL APIs themselves: DESCRIBE on the cluster to read ACLs
	// (ALTER to change them, checkCreateAcls), so that a principal cannot
	// grant itself what it lacks (AclApis).
	checkDescribeAcls = clusterCheck(aclDescribe, func(request) response { return describeAclsDenied() })
	// DescribeUserScramCredentials reveals which users exist and their
	// iteration counts, never a salt or key, yet Kafka asks DESCRIBE on
	// the cluster for it all the same. The refusal repeats the error once
	// per user asked about, without the user's name, and with no message
	// (DescribeUserScramCredentialsRequest.getErrorResponse, from the
	// generic exception KafkaApis passes it).
	checkDescribeUserScramCredentials = clusterCheck(aclDescribe, func(r request) response {
		resp := &describeUserScramCredentialsResponse{ErrorCode: codeClusterAuthorizationFailed, Results: []describeUserScramResult{}}
		for range r.(*describeUserScramCredentialsRequest).Users {
			resp.Results = append(resp.Results, describeUserScramResult{ErrorCode: codeClusterAuthorizationFailed, CredentialInfos: []scramCredentialInfo{}})
		}
		return resp
	})
	// DescribeLogDirs: DESCRIBE, as KafkaApis asks.
	checkDescribeLogDirs = clusterCheck(aclDescribe, func(request) response {
		return &describeLogDirsResponse{ErrorCode: codeClusterAuthorizationFailed, Results: []describeLogDirsResult{}}
	})
	// The reassignment APIs: ALTER to start one, DESCRIBE to list them.
	// Each refusal echoes what was asked, as the requests'
	// getErrorResponse builds it: every partition to move with the
	// error, every partition to list with no replicas.
	checkAlterPartitionReassignments = clusterCheck(aclAlter, func(r request) response {
		req := r.(*alterPartitionReassignmentsRequest)
		resp := &alterPartitionReassignmentsResponse{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed."),
			AllowReplicationFactorChange: req.AllowReplicationFactorChange, Responses: []reassignableTopicResponse{}}
		for _, t := range req.Topics {
			tr := reassignableTopicResponse{Name: t.Name, Partitions: []reassignablePartitionResponse{}}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, reassignablePartitionResponse{PartitionIndex: p.PartitionIndex, ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed.")})
			}
			resp.Responses = append(resp.Responses, tr)
		}
		return resp
	})
	checkListPartitionReassignments = clusterCheck(aclDescribe, func(r request) response {
		resp := &listPartitionReassignmentsResponse{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed."), Topics: []ongoingTopicReassignment{}}
		for _, t := range r.(*listPartitionReassignmentsRequest).Topics {
			tr := ongoingTopicReassignment{Name: t.Name, Partitions: []ongoingPartitionReassignment{}}
			for _, p := range t.PartitionIndexes {
				tr.Partitions = append(tr.Partitions, ongoingPartitionReassignment{PartitionIndex: p, Replicas: []int32{}, AddingReplicas: []int32{}, RemovingReplicas: []int32{}})
			}
			resp.Topics = append(resp.Topics, tr)
		}
		return resp
	})
	// DescribeClientQuotas: DESCRIBE_CONFIGS, since quotas are configs
	// of users and client ids. The refusal has null entries and no
	// message (DescribeClientQuotasRequest.getErrorResponse).
	checkDescribeClientQuotas = clusterCheck(aclDescribeConfigs, func(request) response {
		return &describeClientQuotasResponse{ErrorCode: codeClusterAuthorizationFailed}
	})
	// UpdateFeatures: ALTER, which the controller checks in Kafka.
	checkUpdateFeatures = clusterCheck(aclAlter, func(request) response {
		return &updateFeaturesResponse{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed."), Results: []updatableFeatureResult{}}
	})
	// DescribeQuorum: DESCRIBE on the cluster
	// (ControllerApis.handleDescribeQuorum); the refusal is
	// DescribeQuorumRequest.getErrorResponse, the code and its default
	// message at the top, no topics.
	checkDescribeQuorum = clusterCheck(aclDescribe, func(request) response {
		return &describeQuorumResponse{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed."), Topics: []describeQuorumTopicData{}, Nodes: []quorumNode{}}
	})
	// UnregisterBroker: ALTER (ControllerApis.handleUnregisterBroker),
	// refused with the code alone (UnregisterBrokerRequest.getErrorResponse
	// sets no message, which stays the schema's default, "").
	checkUnregisterBroker = clusterCheck(aclAlter, func(request) response {
		return &unregisterBrokerResponse{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("")}
	})
	// AddRaftVoter and RemoveRaftVoter: ALTER
	// (ControllerApis.handleAddRaftVoter, handleRemoveRaftVoter), refused
	// with the code's default message (their getErrorResponse).
	checkAddRaftVoter    = clusterCheck(aclAlter, deniedRaftVoterChange)
	checkRemoveRaftVoter = clusterCheck(aclAlter, deniedRaftVoterChange)
	// ListConfigResources was ListClientMetricsResources before KIP-1142,
	// and has asked DESCRIBE_CONFIGS on the cluster since KIP-714
	// introduced it.
	checkListConfigResources = clusterCheck(aclDescribeConfigs, func(request) response {
		return &listConfigResourcesResponse{ErrorCode: codeClusterAuthorizationFailed, ConfigResources: []configResource{}}
	})
)

// deniedRaftVoterChange is AddRaftVoter's and RemoveRaftVoter's answer
// to a principal without ALTER on the cluster.
func deniedRaftVoterChange(r request) response {
	return refuseRaftVoterChange(r, 0, refusal{code: codeClusterAuthorizationFailed})
}

// groupCheck is the check of an API about one group, which needs op on
// it. group reads the group id from the request, and denied builds the
// whole answer, since these APIs have one error code for the request.
func groupCheck(op int8, group func(request) string, denied func(request) response) aclCheck {
	return func(a *access, req request) (response, func(response)) {
		if !a.may(op, resGroup, group(req)) {
			return denied(req), nil
		}
		return nil, nil
	}
}

// clusterCheck is the check of an API that needs op on the cluster, and
// whose denial is one answer built by denied; Kafka's
// AuthHelper.authorizeClusterOperation throws, and the request's
// getErrorResponse turns that into CLUSTER_AUTHORIZATION_FAILED.
func clusterCheck(op int8, denied func(request) response) aclCheck {
	return func(a *access, req request) (response, func(response)) {
		if !a.mayCluster(op) {
			return denied(req), nil
		}
		return nil, nil
	}
}

// produceFailedAll answers every partition of topics with code, and the
// -1 offsets and timestamps of Kafka's ProduceRequest.getErrorResponse,
// for a request refused as a whole, each partition once, as Kafka keys
// them (produceTopicsOnce).
func produceFailedAll(code, v int16, topics []produceTopic) []produceTopicResponse {
	once := produceTopicsOnce(topics, v)
	out := make([]produceTopicResponse, 0, len(once))
	for _, t := range once {
		tr := produceTopicResponse{Name: t.Name}
		for _, p := range t.Partitions {
			tr.PartitionResponses = append(tr.PartitionResponses, producePartitionResponse{Index: p.Index, ErrorCode: code, BaseOffset: -1, LogAppendTimeMs: -1, LogStartOffset: -1, CurrentLeader: noLeader})
		}
		out = append(out, tr)
	}
	return out
}

// Produce: WRITE on the transactional id when the records are
// transactional, then WRITE per topic (KafkaApis.handleProduceRequest,
// which looks at the first batch of each partition, as
// hasTransactionalRecords does). A transactional id sent with plain
// records is not checked. A denied transactional id fails every
// partition with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which the Java
// producer treats as fatal: it must be closed. A denied topic fails its
// partitions with TOPIC_AUTHORIZATION_FAILED, which fails those batches
// (TopicAuthorizationException in the send callback) and leaves the
// other topics of the request written.
func checkProduce(a *access, r request) (response, func(response)) {
	req := r.(*produceRequest)
	deniedAll := produceFailedAll
	if req.TransactionalID != nil && hasTransactionalRecords(req) && !a.may(aclWrite, resTransactionalID, *req.TransactionalID) {
		// With acks=0 the answer is not sent, and its error closes the
		// connection (noAnswer in kafka.go).
		return &produceResponse{Responses: deniedAll(codeTransactionalIDAuthorizationFailed, a.v, req.TopicData)}, nil
	}
	var denied []produceTopic
	req.TopicData, denied = split(req.TopicData, func(t produceTopic) bool { return a.may(aclWrite, resTopic, t.Name) })
	return nil, func(r response) {
		resp := r.(*produceResponse)
		resp.Responses = append(resp.Responses, deniedAll(codeTopicAuthorizationFailed, a.v, denied)...)
	}
}

// Fetch: READ per topic for consumers; a follower's fetch needs
// CLUSTER_ACTION, and there are no followers here
// (KafkaApis.handleFetchRequest). A denied topic answers
// TOPIC_AUTHORIZATION_FAILED per partition, which the Java consumer
// raises from poll as a TopicAuthorizationException naming the topics.
// Since v15 (KIP-903) the replica id travels in ReplicaState instead of
// ReplicaID, so either one marks a follower.
//
// Fetch's check is applied by its handler (fetchRequest.denied): an
// incremental fetch reads the partitions of its session, which the
// request does not name, and Kafka authorizes each of them on every
// fetch. So a READ
// revoked mid-session stops the records at the next fetch, and a
// partition denied when the session opened stays in it, answered with
// the error each time, until READ is granted and its records flow
// without the consumer asking for it again. fetchOnce asks denied about
// each topic it reads, after resolving ids: an unknown id is still
// UNKNOWN_TOPIC_ID, which tells the client nothing it did not send.
// A follower's CLUSTER_ACTION names no topic, so it is decided once here
// rather than for every topic of every pass of the long poll.
func checkFetch(a *access, r request) (response, func(response)) {
	req := r.(*fetchRequest)
	if req.ReplicaID >= 0 || req.ReplicaState.ReplicaID >= 0 {
		refused := !a.mayCluster(aclClusterAction)
		req.denied = func(string) bool { return refused }
		return nil, nil
	}
	req.denied = func(topic string) bool { return !a.may(aclRead, resTopic, topic) }
	return nil, nil
}

// readable is fetchedTopic's answer once the authorizer has had its say:
// a topic that denied refuses is refused whether or not it exists, so
// that the answer does not tell; an id that names no topic
// (name "" and topic nil) stays UNKNOWN_TOPIC_ID, which tells nothing
// the client did not send (KafkaApis.handleFetchRequest checks in that
// order).
func readable(topic *topicLog, name string, missing int16, denied func(string) bool) (*topicLog, int16) {
	if topic != nil {
		name = topic.Name
	}
	if denied != nil && name != "" && denied(name) {
		return nil, codeTopicAuthorizationFailed
	}
	return topic, missing
}

// ListOffsets: DESCRIBE per topic, since offsets say how much a topic
// holds but not what (KafkaApis.handleListOffsetRequest). A consumer asks
// it on auto.offset.reset, so a principal with READ, which implies
// DESCRIBE, needs nothing more.
func checkListOffsets(a *access, r request) (response, func(response)) {
	req := r.(*listOffsetsRequest)
	var denied []listOffsetsTopic
	req.Topics, denied = split(req.Topics, func(t listOffsetsTopic) bool { return a.may(aclDescribe, resTopic, t.Name) })
	return nil, func(r response) {
		resp := r.(*listOffsetsResponse)
		for _, t := range denied {
			tr := listOffsetsTopicResponse{Name: t.Name}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, listOffsetsPartitionResponse{PartitionIndex: p.PartitionIndex, ErrorCode: codeTopicAuthorizationFailed, Timestamp: -1, Offset: -1, LeaderEpoch: -1})
			}
			resp.Topics = append(resp.Topics, tr)
		}
	}
}

// Metadata: DESCRIBE per topic; creating a missing topic also needs
// CREATE on the cluster or the topic (KafkaApis.handleTopicMetadataRequest).
// Asked for every topic, the answer lists only those it may describe.
func checkMetadata(a *access, r request) (response, func(response)) {
	req := r.(*metadataRequest)
	// A request refused whole is refused before any topic is authorized,
	// as in KafkaApis.handleTopicMetadataRequest.
	if req.refused(a.v) {
		return nil, nil
	}
	var denied, uncreatable []metadataRequestTopic
	req.named = len(req.Topics) > 0
	if req.Topics != nil {
		req.Topics, denied = split(req.Topics, func(t metadataRequestTopic) bool {
			name := a.topicName(deref(t.Name), t.TopicID)
			return name == "" || a.may(aclDescribe, resTopic, name)
		})
		// A missing topic the principal may describe but not create is
		// TOPIC_AUTHORIZATION_FAILED when this request would create it
		// (the broker's auto.create.topics.enable and, from v4, the
		// request's AllowAutoTopicCreation, true before v4), as in every
		// version of Kafka's handleTopicMetadataRequest; the producer
		// then fails the send with a TopicAuthorizationException instead
		// of waiting max.block.ms for a topic that never comes. When it
		// would not, it is left to the handler, which answers
		// UNKNOWN_TOPIC_OR_PARTITION as it does for anyone.
		if a.b.autoCreates(req, a.v) {
			req.Topics, uncreatable = split(req.Topics, func(t metadataRequestTopic) bool {
				return t.Name == nil || a.b.logs.Topic(*t.Name) != nil || a.mayCluster(aclCreate) || a.may(aclCreate, resTopic, *t.Name)
			})
		}
	}
	return nil, func(r response) {
		resp := r.(*metadataResponse)
		resp.Topics = slices.DeleteFunc(resp.Topics, func(t metadataTopic) bool {
			return t.ErrorCode == codeNone && !a.may(aclDescribe, resTopic, deref(t.Name))
		})
		// A topic refused creation keeps its IsInternal, as Kafka's
		// unauthorizedForCreateTopicMetadata does; one refused
		// description says nothing of it.
		for _, t := range uncreatable {
			resp.Topics = append(resp.Topics, metadataTopic{ErrorCode: codeTopicAuthorizationFailed, Name: t.Name, IsInternal: isInternalTopic(deref(t.Name)), Partitions: []metadataPartition{}, TopicAuthorizedOperations: authorizedOperationsOmitted})
		}
		for _, t := range denied {
			resp.Topics = append(resp.Topics, metadataTopic{ErrorCode: codeTopicAuthorizationFailed, Name: t.Name, TopicID: t.TopicID, Partitions: []metadataPartition{}, TopicAuthorizedOperations: authorizedOperationsOmitted})
		}
		// With the authorizer on, "authorized operations" are what it
		// allows, not the full sets the handlers give without one.
		for i, t := range resp.Topics {
			if req.IncludeTopicAuthorizedOperations && t.ErrorCode == codeNone {
				resp.Topics[i].TopicAuthorizedOperations = a.operations(resTopic, deref(t.Name))
			}
		}
		// Metadata carried the cluster's operations from v8 to v10 only;
		// KIP-700 moved them to DescribeCluster. Like DescribeCluster,
		// it reports them only to a principal that may DESCRIBE the
		// cluster, and 0 to others.
		if req.IncludeClusterAuthorizedOperations && a.v >= 8 && a.v <= 10 {
			resp.ClusterAuthorizedOperations = 0
			if a.mayCluster(aclDescribe) {
				resp.ClusterAuthorizedOperations = a.operations(resCluster, clusterName)
			}
		}
	}
}

// OffsetCommit: READ on the group, then READ per topic, as
// KafkaApis.handleOffsetCommitRequest asks: committing is part of
// consuming, so it needs what consuming needs. The response has no
// top-level error code, so a denied group is answered on every partition
// with GROUP_AUTHORIZATION_FAILED.
func checkOffsetCommit(a *access, r request) (response, func(response)) {
	req := r.(*offsetCommitRequest)
	deniedAll := func(code int16, topics []offsetCommitTopic) []offsetCommitTopicResponse {
		out := []offsetCommitTopicResponse{}
		for _, t := range topics {
			tr := offsetCommitTopicResponse{Name: t.Name, Partitions: []offsetCommitPartitionResponse{}}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, offsetCommitPartitionResponse{PartitionIndex: p.PartitionIndex, ErrorCode: code})
			}
			out = append(out, tr)
		}
		return out
	}
	if !a.may(aclRead, resGroup, req.GroupID) {
		return &offsetCommitResponse{Topics: deniedAll(codeGroupAuthorizationFailed, req.Topics)}, nil
	}
	var denied []offsetCommitTopic
	req.Topics, denied = split(req.Topics, func(t offsetCommitTopic) bool { return a.may(aclRead, resTopic, t.Name) })
	return nil, func(r response) {
		resp := r.(*offsetCommitResponse)
		resp.Topics = append(resp.Topics, deniedAll(codeTopicAuthorizationFailed, denied)...)
	}
}

// OffsetFetch: DESCRIBE on each group, DESCRIBE per topic. Topics asked
// for by name answer TOPIC_AUTHORIZATION_FAILED; "all topics" leaves out
// those the principal may not describe, so that a group's offsets do not
// reveal topic names (KafkaApis.handleOffsetFetchRequest). Up to v7 the
// request names one group; v8 (KIP-709) batches groups, each answered
// with its own error code.
func checkOffsetFetch(a *access, r request) (response, func(response)) {
	req := r.(*offsetFetchRequest)
	// hideTopics applies the topic rule to a group's answer: drop the
	// undescribable topics when all were asked for, else replace their
	// offsets by the error, with the -1 offset and empty metadata a
	// partition without a committed offset has.
	hideTopics := func(topics []offsetFetchResponseTopic, all bool) []offsetFetchResponseTopic {
		if all {
			return slices.DeleteFunc(topics, func(t offsetFetchResponseTopic) bool { return !a.may(aclDescribe, resTopic, t.Name) })
		}
		for _, t := range topics {
			if !a.may(aclDescribe, resTopic, t.Name) {
				for i := range t.Partitions {
					t.Partitions[i] = offsetFetchResponsePartition{PartitionIndex: t.Partitions[i].PartitionIndex, CommittedOffset: -1, CommittedLeaderEpoch: -1, Metadata: ptr(""), ErrorCode: codeTopicAuthorizationFailed}
				}
			}
		}
		return topics
	}
	if a.v <= 7 {
		if !a.may(aclDescribe, resGroup, req.GroupID) {
			resp := &offsetFetchResponse{ErrorCode: codeGroupAuthorizationFailed, Topics: []offsetFetchResponseTopic{}}
			if a.v < 2 { // no top-level error code yet: one per partition
				for _, t := range req.Topics {
					tr := offsetFetchResponseTopic{Name: t.Name}
					for _, p := range t.PartitionIndexes {
						tr.Partitions = append(tr.Partitions, offsetFetchResponsePartition{PartitionIndex: p, CommittedOffset: -1, CommittedLeaderEpoch: -1, Metadata: ptr(""), ErrorCode: codeGroupAuthorizationFailed})
					}
					resp.Topics = append(resp.Topics, tr)
				}
			}
			return resp, nil
		}
		return nil, func(r response) {
			resp := r.(*offsetFetchResponse)
			resp.Topics = hideTopics(resp.Topics, req.Topics == nil)
		}
	}
	var denied []offsetFetchRequestGroup
	req.Groups, denied = split(req.Groups, func(g offsetFetchRequestGroup) bool { return a.may(aclDescribe, resGroup, g.GroupID) })
	// Whether a group asked for all its topics is read now, before the
	// handler runs, from the request the check has already trimmed.
	all := map[string]bool{}
	for _, g := range req.Groups {
		all[g.GroupID] = g.Topics == nil
	}
	return nil, func(r response) {
		resp := r.(*offsetFetchResponse)
		for i := range resp.Groups {
			resp.Groups[i].Topics = hideTopics(resp.Groups[i].Topics, all[resp.Groups[i].GroupID])
		}
		for _, g := range denied {
			resp.Groups = append(resp.Groups, offsetFetchResponseGroup{GroupID: g.GroupID, Topics: []offsetFetchResponseTopic{}, ErrorCode: codeGroupAuthorizationFailed})
		}
	}
}

// FindCoordinator: DESCRIBE on the group or transactional id, each key
// answered in its place; a share coordinator key (v6) needs
// CLUSTER_ACTION, and without it the whole request fails, as
// KafkaApis.getCoordinator's authorizeClusterOperation throws. A key type
// Kafka does not know is left to the handler, which refuses the request
// before anything is authorized.
func checkFindCoordinator(a *access, r request) (response, func(response)) {
	req := r.(*findCoordinatorRequest)
	var resType int8
	var code int16
	switch req.KeyType {
	case coordinatorGroup:
		resType, code = resGroup, codeGroupAuthorizationFailed
	case coordinatorTransaction:
		resType, code = resTransactionalID, codeTransactionalIDAuthorizationFailed
	case coordinatorShare:
		if a.v >= 6 && !a.mayCluster(aclClusterAction) {
			return findCoordinatorRefusal(req, a.v, codeClusterAuthorizationFailed), nil
		}
		return nil, nil
	default:
		return nil, nil
	}
	// Before v4 there is one key and one answer, and no list to split.
	if a.v < 4 {
		if !a.may(aclDescribe, resType, req.Key) {
			return oldFindCoordinatorResponse(noCoordinator(req.Key, code)), nil
		}
		return nil, nil
	}
	keys := req.CoordinatorKeys
	req.CoordinatorKeys, _ = split(keys, func(k string) bool { return a.may(aclDescribe, resType, k) })
	return nil, func(r response) {
		resp := r.(*findCoordinatorResponse)
		answered := resp.Coordinators
		resp.Coordinators = make([]coordinatorAnswer, 0, len(keys))
		for _, k := range keys {
			if len(answered) > 0 && answered[0].Key == k && a.may(aclDescribe, resType, k) {
				resp.Coordinators = append(resp.Coordinators, answered[0])
				answered = answered[1:]
			} else {
				resp.Coordinators = append(resp.Coordinators, noCoordinator(k, code))
			}
		}
	}
}

// DescribeGroups: DESCRIBE per group (KafkaApis.handleDescribeGroupsRequest).
// A denied group answers GROUP_AUTHORIZATION_FAILED with no members; an
// allowed one gets its KIP-430 operations when the client asked (v3+).
func checkDescribeGroups(a *access, r request) (response, func(response)) {
	req := r.(*describeGroupsRequest)
	var denied []string
	req.Groups, denied = split(req.Groups, func(g string) bool { return a.may(aclDescribe, resGroup, g) })
	return nil, func(r response) {
		resp := r.(*describeGroupsResponse)
		for i, g := range resp.Groups {
			if req.IncludeAuthorizedOperations && g.ErrorCode == codeNone {
				resp.Groups[i].AuthorizedOperations = a.operations(resGroup, g.GroupID)
			}
		}
		for _, g := range denied {
			resp.Groups = append(resp.Groups, describedGroup{ErrorCode: codeGroupAuthorizationFailed, GroupID: g, Members: []describedGroupMember{}, AuthorizedOperations: authorizedOperationsOmitted})
		}
	}
}

// ListGroups: everything with DESCRIBE on the cluster, else only the
// groups the principal may describe (KafkaApis.handleListGroupsRequest).
// The request is never denied as a whole: kafka-consumer-groups.sh --list
// run by an ordinary user shows the groups it may describe, not an
// error.
func checkListGroups(a *access, r request) (response, func(response)) {
	if a.mayCluster(aclDescribe) {
		return nil, nil
	}
	return nil, func(r response) {
		resp := r.(*listGroupsResponse)
		resp.Groups = slices.DeleteFunc(resp.Groups, func(g listedGroup) bool { return !a.may(aclDescribe, resGroup, g.GroupID) })
	}
}

// CreateTopics: CREATE on the cluster, or else on each topic
// (ControllerApis.createTopics, which serves the request in KRaft Kafka).
// A denied topic answers TOPIC_AUTHORIZATION_FAILED, with the -1
// partition count and replication factor that mean "not created"; a
// name given twice is the handler's INVALID_REQUEST, as in Kafka,
// whatever the ACLs (onceIn).
func checkCreateTopics(a *access, r request) (response, func(response)) {
	req := r.(*createTopicsRequest)
	var denied []creatableTopic
	if !a.mayCluster(aclCreate) {
		once := onceIn(req.Topics, func(t creatableTopic) string { return t.Name })
		req.Topics, denied = split(req.Topics, func(t creatableTopic) bool { return !once(t) || a.may(aclCreate, resTopic, t.Name) })
	}
	return nil, func(r response) {
		resp := r.(*createTopicsResponse)
		// A topic created (or, with ValidateOnly, found creatable) by a
		// principal without DESCRIBE_CONFIGS on it is answered without
		// its configs, partition count and replication factor, and with
		// TopicConfigErrorCode (v5+) saying why, as Kafka's
		// ReplicationControlManager.createTopic does: CREATE alone must
		// not reveal the broker's defaults. The Admin client's
		// CreateTopicsResult.config then fails with a
		// TopicAuthorizationException while the topic itself succeeds.
		for i, t := range resp.Topics {
			if t.ErrorCode == codeNone && !a.may(aclDescribeConfigs, resTopic, t.Name) {
				resp.Topics[i].NumPartitions, resp.Topics[i].ReplicationFactor = -1, -1
				resp.Topics[i].Configs = []creatableTopicConfigs{}
				resp.Topics[i].TopicConfigErrorCode = codeTopicAuthorizationFailed
			}
		}
		for _, t := range denied {
			resp.Topics = append(resp.Topics, creatableTopicResult{Name: t.Name, ErrorCode: codeTopicAuthorizationFailed, ErrorMessage: ptr("Authorization failed."), NumPartitions: -1, ReplicationFactor: -1})
		}
	}
}

// DeleteTopics: DELETE on the cluster, or else DELETE per topic, named
// or by id (v6+, KIP-516), as ControllerApis.deleteTopics decides, which
// serves the request in KRaft Kafka. What a refusal says depends on
// what the principal may DESCRIBE: a topic it may describe is refused
// only if it exists (else UNKNOWN_TOPIC_OR_PARTITION, which DESCRIBE
// could learn anyway), and one asked for by id is refused with its name;
// one it may not describe is refused whether it exists or not, and by id
// without its name. Entries Kafka refuses before it asks the authorizer
// (a name or id given twice, both or neither given) and ids that name
// no topic are left to the handler, whose answers reveal nothing.
func checkDeleteTopics(a *access, r request) (response, func(response)) {
	req := r.(*deleteTopicsRequest)
	if a.mayCluster(aclDelete) {
		return nil, nil
	}
	names, ids := map[string]int{}, map[uuid]int{}
	for _, n := range req.TopicNames {
		names[n]++
	}
	for _, t := range req.Topics {
		switch {
		case t.Name != nil && t.TopicID == (uuid{}):
			names[*t.Name]++
		case t.Name == nil && t.TopicID != (uuid{}):
			ids[t.TopicID]++
		}
	}
	var denied []deletableTopicResult
	// refuse decides one entry, named (id zero) or by id, and reports
	// whether it was refused, and so is to be taken out of the request.
	refuse := func(name string, id uuid) bool {
		if name == "" || names[name] > 1 || ids[id] > 1 || a.may(aclDelete, resTopic, name) {
			return false
		}
		describable := a.may(aclDescribe, resTopic, name)
		res := deletableTopicResult{TopicID: id, ErrorCode: codeTopicAuthorizationFailed, ErrorMessage: ptr(defaultErrorMessage(codeTopicAuthorizationFailed))}
		switch {
		case id != (uuid{}):
			if describable {
				res.Name = ptr(name)
			}
		case !describable || a.b.logs.Topic(name) != nil:
			res.Name = ptr(name)
		default:
			return false // UNKNOWN_TOPIC_OR_PARTITION, from the handler
		}
		denied = append(denied, res)
		return true
	}
	req.TopicNames = slices.DeleteFunc(req.TopicNames, func(n string) bool { return refuse(n, uuid{}) })
	req.Topics = slices.DeleteFunc(req.Topics, func(t deleteTopicState) bool {
		if t.Name != nil {
			return t.TopicID == (uuid{}) && refuse(*t.Name, uuid{})
		}
		return refuse(a.topicName("", t.TopicID), t.TopicID)
	})
	return nil, func(r response) {
		resp := r.(*deleteTopicsResponse)
		resp.Responses = append(resp.Responses, denied...)
	}
}

// DeleteRecords: DELETE per topic (KafkaApis.handleDeleteRecordsRequest):
// truncating the start of a log loses data, as deleting the topic does.
// A denied partition keeps the -1 low watermark, "unknown".
func checkDeleteRecords(a *access, r request) (response, func(response)) {
	req := r.(*deleteRecordsRequest)
	var denied []deleteRecordsTopic
	req.Topics, denied = split(req.Topics, func(t deleteRecordsTopic) bool { return a.may(aclDelete, resTopic, t.Name) })
	return nil, func(r response) {
		resp := r.(*deleteRecordsResponse)
		for _, t := range denied {
			tr := deleteRecordsTopicResult{Name: t.Name}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, deleteRecordsPartitionResult{PartitionIndex: p.PartitionIndex, LowWatermark: -1, ErrorCode: codeTopicAuthorizationFailed})
			}
			resp.Topics = append(resp.Topics, tr)
		}
	}
}

// InitProducerId: WRITE on the transactional id; without one, an
// idempotent producer needs IDEMPOTENT_WRITE on the cluster or WRITE on
// some topic (KIP-679), as KafkaApis.handleInitProducerIdRequest asks.
// KIP-679 made idempotence the producer's default in Kafka 3.0; before
// the WRITE-on-any-topic rule, every producer that could write would
// have needed a cluster ACL too. Either denial is fatal to the Java
// producer, which then cannot send at all.
func checkInitProducerID(a *access, r request) (response, func(response)) {
	req := r.(*initProducerIDRequest)
	denied := func(code int16) response {
		return &initProducerIDResponse{ErrorCode: code, ProducerID: -1, ProducerEpoch: -1}
	}
	if req.TransactionalID != nil {
		if !a.may(aclWrite, resTransactionalID, *req.TransactionalID) {
			return denied(codeTransactionalIDAuthorizationFailed), nil
		}
		return nil, nil
	}
	if !a.mayCluster(aclIdempotentWrite) && !a.b.sec.authorizeAnyTopic(a.principal, a.host, aclWrite) {
		return denied(codeClusterAuthorizationFailed), nil
	}
	return nil, nil
}

// WriteTxnMarkers: ALTER on the cluster, or else CLUSTER_ACTION, which
// brokers have; without either every partition is answered
// CLUSTER_AUTHORIZATION_FAILED, as KafkaApis.handleWriteTxnMarkersRequest
// refuses the whole request.
func checkWriteTxnMarkers(a *access, r request) (response, func(response)) {
	if a.mayCluster(aclAlter) || a.mayCluster(aclClusterAction) {
		return nil, nil
	}
	return refuseWriteTxnMarkers(r, a.v, refusal{code: codeClusterAuthorizationFailed}), nil
}

// AddPartitionsToTxn: up to v3, WRITE on the transactional id and per
// topic; v4 and later are sent by brokers and need CLUSTER_ACTION
// (KIP-890's verification, KafkaApis.handleAddPartitionsToTxnRequest).
func checkAddPartitionsToTxn(a *access, r request) (response, func(response)) {
	req := r.(*addPartitionsToTxnRequest)
	if a.v >= 4 {
		if !a.mayCluster(aclClusterAction) {
			return &addPartitionsToTxnResponse{ErrorCode: codeClusterAuthorizationFailed, ResultsByTransaction: []addPartitionsToTxnResult{}, ResultsByTopicV3AndBelow: []addPartitionsToTxnTopicResult{}}, nil
		}
		return nil, nil
	}
	// Kafka answers every partition: the denied ones with the reason
	// (an internal topic always, since no client may write it), those
	// that do not exist UNKNOWN_TOPIC_OR_PARTITION, the rest
	// OPERATION_NOT_ATTEMPTED.
	// The Java producer's TransactionManager skips OPERATION_NOT_ATTEMPTED
	// and acts on the denial: fatal for the transactional id, abortable
	// (TopicAuthorizationException naming the topics) for a topic.
	txnDenied := !a.may(aclWrite, resTransactionalID, req.V3AndBelowTransactionID)
	topicDenied := func(name string) bool { return isInternalTopic(name) || !a.may(aclWrite, resTopic, name) }
	anyDenied := txnDenied
	for _, t := range req.V3AndBelowTopics {
		anyDenied = anyDenied || topicDenied(t.Name)
	}
	if !anyDenied {
		return nil, nil
	}
	resp := &addPartitionsToTxnResponse{ResultsByTransaction: []addPartitionsToTxnResult{}}
	for _, t := range req.V3AndBelowTopics {
		tr := addPartitionsToTxnTopicResult{Name: t.Name}
		for _, p := range t.Partitions {
			code := codeOperationNotAttempted
			switch {
			case txnDenied:
				code = codeTransactionalIDAuthorizationFailed
			case topicDenied(t.Name):
				code = codeTopicAuthorizationFailed
			case a.b.topicPartition(a.b.logs.Topic(t.Name), p) == nil:
				code = codeUnknownTopicOrPartition
			}
			tr.ResultsByPartition = append(tr.ResultsByPartition, addPartitionsToTxnPartitionResult{PartitionIndex: p, PartitionErrorCode: code})
		}
		resp.ResultsByTopicV3AndBelow = append(resp.ResultsByTopicV3AndBelow, tr)
	}
	return resp, nil
}

// AddOffsetsToTxn: WRITE on the transactional id, READ on the group, in
// that order, as KafkaApis.handleAddOffsetsToTxnRequest checks them: the
// producer that sends consumed offsets with its transaction acts both as
// that producer and as a member of the consumer group.
func checkAddOffsetsToTxn(a *access, r request) (response, func(response)) {
	req := r.(*addOffsetsToTxnRequest)
	switch {
	case !a.may(aclWrite, resTransactionalID, req.TransactionalID):
		return &addOffsetsToTxnResponse{ErrorCode: codeTransactionalIDAuthorizationFailed}, nil
	case !a.may(aclRead, resGroup, req.GroupID):
		return &addOffsetsToTxnResponse{ErrorCode: codeGroupAuthorizationFailed}, nil
	}
	return nil, nil
}

// EndTxn: WRITE on the transactional id (KafkaApis.handleEndTxnRequest);
// the topics were checked when they joined the transaction.
func checkEndTxn(a *access, r request) (response, func(response)) {
	if !a.may(aclWrite, resTransactionalID, r.(*endTxnRequest).TransactionalID) {
		return &endTxnResponse{ErrorCode: codeTransactionalIDAuthorizationFailed}, nil
	}
	return nil, nil
}

// TxnOffsetCommit: WRITE on the transactional id, READ on the group, READ
// per topic, the checks of AddOffsetsToTxn followed by OffsetCommit's
// (KafkaApis.handleTxnOffsetCommitRequest). There is no top-level error
// code, so a denial of the id or the group is repeated on every
// partition.
func checkTxnOffsetCommit(a *access, r request) (response, func(response)) {
	req := r.(*txnOffsetCommitRequest)
	deniedAll := func(code int16, topics []txnOffsetCommitTopic) []txnOffsetCommitResponseTopic {
		out := []txnOffsetCommitResponseTopic{}
		for _, t := range topics {
			tr := txnOffsetCommitResponseTopic{Name: t.Name, Partitions: []txnOffsetCommitResponsePartition{}}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, txnOffsetCommitResponsePartition{PartitionIndex: p.PartitionIndex, ErrorCode: code})
			}
			out = append(out, tr)
		}
		return out
	}
	switch {
	case !a.may(aclWrite, resTransactionalID, req.TransactionalID):
		return &txnOffsetCommitResponse{Topics: deniedAll(codeTransactionalIDAuthorizationFailed, req.Topics)}, nil
	case !a.may(aclRead, resGroup, req.GroupID):
		return &txnOffsetCommitResponse{Topics: deniedAll(codeGroupAuthorizationFailed, req.Topics)}, nil
	}
	var denied []txnOffsetCommitTopic
	req.Topics, denied = split(req.Topics, func(t txnOffsetCommitTopic) bool { return a.may(aclRead, resTopic, t.Name) })
	return nil, func(r response) {
		resp := r.(*txnOffsetCommitResponse)
		resp.Topics = append(resp.Topics, deniedAll(codeTopicAuthorizationFailed, denied)...)
	}
}

// configResourceCheck is what DescribeConfigs, AlterConfigs and
// IncrementalAlterConfigs need: op on the topic or the group, or on the
// cluster for a broker's configs, with the matching error
// (ConfigAdminManager and KafkaApis.configsAuthorizationApiError). It
// returns the error along with the decision so that the check and the
// completion, which run at different times, agree on it. Broker and
// broker-logger resources, and client-metrics subscriptions, have no
// ACLs of their own: they are the cluster's. A type Kafka does not know
// is refused as invalid before any ACL is asked, so it passes here, to
// the handler's INVALID_REQUEST.
func configResourceCheck(a *access, op, resType int8, name string) (int16, bool) {
	switch resType {
	case resourceTopic:
		return codeTopicAuthorizationFailed, a.may(op, resTopic, name)
	case resourceGroup:
		return codeGroupAuthorizationFailed, a.may(op, resGroup, name)
	case resourceBroker, resourceBrokerLogger, resourceClientMetrics:
		return codeClusterAuthorizationFailed, a.mayCluster(op)
	}
	return codeNone, true
}

// DescribeConfigs: DESCRIBE_CONFIGS per resource, which an ALLOW of
// ALTER_CONFIGS implies (acls.go, rule 3). A denied resource answers with
// its type's authorization error and no configs, the way
// kafka-configs.sh --describe reports it. A resource of an unknown type
// fails the whole request before any ACL is asked
// (describeConfigsRefusal), so then nothing is set aside.
func checkDescribeConfigs(a *access, r request) (response, func(response)) {
	req := r.(*describeConfigsRequest)
	if slices.ContainsFunc(req.Resources, unknownConfigResource) {
		return nil, nil
	}
	var denied []describeConfigsResource
	req.Resources, denied = split(req.Resources, func(res describeConfigsResource) bool {
		_, ok := configResourceCheck(a, aclDescribeConfigs, res.ResourceType, res.ResourceName)
		return ok
	})
	return nil, func(r response) {
		resp := r.(*describeConfigsResponse)
		for _, res := range denied {
			code, _ := configResourceCheck(a, aclDescribeConfigs, res.ResourceType, res.ResourceName)
			resp.Results = append(resp.Results, describeConfigsResult{ErrorCode: code, ErrorMessage: ptr(defaultErrorMessage(code)), ResourceType: res.ResourceType, ResourceName: res.ResourceName, Configs: []describeConfigsResourceResult{}})
		}
	}
}

// AlterConfigs: ALTER_CONFIGS per resource, each answered on its own so
// that one denied topic does not stop the others' changes. The legacy
// API knows no broker loggers, and refuses one as malformed.
func checkAlterConfigs(a *access, r request) (response, func(response)) {
	req := r.(*alterConfigsRequest)
	return nil, checkAlterConfigResources(a, &req.Resources, func(res alterConfigsResource) (int8, string, bool) {
		names, values := res.namesAndValues()
		malformed := checkAlteration(names, func(i int) bool { return values[i] == nil }) != nil
		return res.ResourceType, res.ResourceName, malformed || res.ResourceType == resourceBrokerLogger || a.badBrokerName(res.ResourceType, res.ResourceName) ||
			a.b.brokerChangeRefused(res.ResourceType, res.ResourceName, setBrokerConfigs(names, values))
	})
}

// IncrementalAlterConfigs: ALTER_CONFIGS per resource, as AlterConfigs
// (KIP-339 changed how values are sent, not who may send them). Both
// share alterConfigsResourceResponse.
func checkIncrementalAlterConfigs(a *access, r request) (response, func(response)) {
	req := r.(*incrementalAlterConfigsRequest)
	return nil, checkAlterConfigResources(a, &req.Resources, func(res incrementalAlterConfigsResource) (int8, string, bool) {
		names, ops := res.namesAndOps()
		null := func(i int) bool { return ops[i].value == nil && ops[i].op != opDelete }
		return res.ResourceType, res.ResourceName, checkAlteration(names, null) != nil || a.badBrokerName(res.ResourceType, res.ResourceName) ||
			a.b.brokerChangeRefused(res.ResourceType, res.ResourceName, applyBrokerConfigOps(ops))
	})
}

// badBrokerName reports a BROKER resource whose name is not this
// broker's id, which ConfigAdminManager.preprocess refuses before the
// authorizer is asked; a BROKER_LOGGER's name is checked after it.
func (a *access) badBrokerName(typ int8, name string) bool {
	return typ == resourceBroker && a.b.brokerNameRefusal(name) != ""
}

// checkAlterConfigResources takes the resources the principal may not
// alter out of *resources, and returns the completion that answers them
// in the alterConfigsResponse both alter APIs share. key reads a
// resource's type and name, which the two request types hold alike, and
// whether it is malformed: ConfigAdminManager.preprocess refuses, on the
// broker and before the controller asks the authorizer, a config named
// twice, a value missing, a type the API does not know, a BROKER
// resource named for another broker and a change to a BROKER resource
// that its checks refuse (brokerChangeRefused). Those, and a
// resource given twice, are left to the handler, which refuses them
// first too.
func checkAlterConfigResources[R any](a *access, resources *[]R, key func(R) (int8, string, bool)) func(response) {
	type resource struct {
		typ  int8
		name string
	}
	var denied []R
	once := onceIn(*resources, func(res R) resource { typ, name, _ := key(res); return resource{typ, name} })
	*resources, denied = split(*resources, func(res R) bool {
		typ, name, malformed := key(res)
		_, ok := configResourceCheck(a, aclAlterConfigs, typ, name)
		return ok || malformed || !once(res)
	})
	return func(r response) {
		resp := r.(*alterConfigsResponse)
		for _, res := range denied {
			typ, name, _ := key(res)
			code, _ := configResourceCheck(a, aclAlterConfigs, typ, name)
			resp.Responses = append(resp.Responses, alterConfigsResourceResponse{ErrorCode: code, ErrorMessage: ptr(defaultErrorMessage(code)), ResourceType: typ, ResourceName: name})
		}
	}
}

// CreatePartitions: ALTER per topic (KafkaApis.handleCreatePartitionsRequest):
// adding partitions changes which partition a key maps to, a change to
// the topic rather than to its data. Duplicates are left to the handler,
// as in CreateTopics.
func checkCreatePartitions(a *access, r request) (response, func(response)) {
	req := r.(*createPartitionsRequest)
	var denied []createPartitionsTopic
	once := onceIn(req.Topics, func(t createPartitionsTopic) string { return t.Name })
	req.Topics, denied = split(req.Topics, func(t createPartitionsTopic) bool { return !once(t) || a.may(aclAlter, resTopic, t.Name) })
	return nil, func(r response) {
		resp := r.(*createPartitionsResponse)
		for _, t := range denied {
			resp.Results = append(resp.Results, createPartitionsTopicResult{Name: t.Name, ErrorCode: codeTopicAuthorizationFailed, ErrorMessage: ptr(defaultErrorMessage(codeTopicAuthorizationFailed))})
		}
	}
}

// DeleteGroups: DELETE per group (KafkaApis.handleDeleteGroupsRequest);
// each group is answered on its own, so a denied one does not stop the
// deletion of the others.
func checkDeleteGroups(a *access, r request) (response, func(response)) {
	req := r.(*deleteGroupsRequest)
	var denied []string
	req.GroupsNames, denied = split(req.GroupsNames, func(g string) bool { return a.may(aclDelete, resGroup, g) })
	return nil, func(r response) {
		resp := r.(*deleteGroupsResponse)
		for _, g := range denied {
			resp.Results = append(resp.Results, deletableGroupResult{GroupID: g, ErrorCode: codeGroupAuthorizationFailed})
		}
	}
}

// OffsetDelete: DELETE on the group, READ per topic
// (KafkaApis.handleOffsetDeleteRequest, KIP-496). A denied group fails the
// whole request; a denied topic fails its partitions.
func checkOffsetDelete(a *access, r request) (response, func(response)) {
	req := r.(*offsetDeleteRequest)
	if !a.may(aclDelete, resGroup, req.GroupID) {
		return &offsetDeleteResponse{ErrorCode: codeGroupAuthorizationFailed, Topics: []offsetDeleteResponseTopic{}}, nil
	}
	var denied []offsetDeleteRequestTopic
	req.Topics, denied = split(req.Topics, func(t offsetDeleteRequestTopic) bool { return a.may(aclRead, resTopic, t.Name) })
	return nil, func(r response) {
		resp := r.(*offsetDeleteResponse)
		for _, t := range denied {
			tr := offsetDeleteResponseTopic{Name: t.Name}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, offsetDeleteResponsePartition{PartitionIndex: p.PartitionIndex, ErrorCode: codeTopicAuthorizationFailed})
			}
			resp.Topics = append(resp.Topics, tr)
		}
	}
}

// AlterUserScramCredentials: ALTER on the cluster
// (ControllerApis.handleAlterUserScramCredentials, KIP-554). The answer
// has one result per user, not per alteration, so a user both deleted
// and upserted in one request is answered once, and the users are in
// order of name, as AlterUserScramCredentialsRequest.getErrorResponse
// sorts them.
func checkAlterUserScramCredentials(a *access, r request) (response, func(response)) {
	if a.mayCluster(aclAlter) {
		return nil, nil
	}
	req := r.(*alterUserScramCredentialsRequest)
	resp := &alterUserScramCredentialsResponse{Results: []alterUserScramResult{}}
	seen := map[string]bool{}
	add := func(user string) {
		if !seen[user] {
			seen[user] = true
			resp.Results = append(resp.Results, alterUserScramResult{User: user, ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed.")})
		}
	}
	for _, d := range req.Deletions {
		add(d.Name)
	}
	for _, u := range req.Upsertions {
		add(u.Name)
	}
	slices.SortFunc(resp.Results, func(x, y alterUserScramResult) int { return strings.Compare(x.User, y.User) })
	return resp, nil
}

// DescribeTransactions: DESCRIBE per transactional id
// (KafkaApis.handleDescribeTransactionsRequest, KIP-664). A denied id
// answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED and nothing else: the
// other fields keep the schema's defaults, 0 and "", as Kafka leaves
// them. From an allowed one's answer, the topics the principal may
// not DESCRIBE are dropped without a word, as Kafka drops them: a
// transaction's partitions must not reveal topic names to someone
// Metadata would not show them to.
func checkDescribeTransactions(a *access, r request) (response, func(response)) {
	req := r.(*describeTransactionsRequest)
	var denied []string
	req.TransactionalIDs, denied = split(req.TransactionalIDs, func(id string) bool { return a.may(aclDescribe, resTransactionalID, id) })
	return nil, func(r response) {
		resp := r.(*describeTransactionsResponse)
		for i := range resp.TransactionStates {
			resp.TransactionStates[i].Topics = slices.DeleteFunc(resp.TransactionStates[i].Topics, func(t describedTransactionTopic) bool {
				return !a.may(aclDescribe, resTopic, t.Topic)
			})
		}
		for _, id := range denied {
			resp.TransactionStates = append(resp.TransactionStates, describedTransaction{ErrorCode: codeTransactionalIDAuthorizationFailed, TransactionalID: id, Topics: []describedTransactionTopic{}})
		}
	}
}

// DescribeCluster: never denied. Any principal is told the cluster's id
// and brokers, as any is told them by Metadata; only the cluster's
// authorized operations, when asked for, need DESCRIBE on the cluster,
// and are 0 without it (AuthHelper.computeDescribeClusterResponse,
// KIP-700). The Admin client's describeCluster, which the kafka-*.sh
// tools call before anything else, thus works for an ordinary user.
func checkDescribeCluster(a *access, r request) (response, func(response)) {
	if !r.(*describeClusterRequest).IncludeClusterAuthorizedOperations {
		return nil, nil
	}
	return nil, func(r response) {
		resp := r.(*describeClusterResponse)
		if resp.ErrorCode != codeNone {
			return
		}
		resp.ClusterAuthorizedOperations = 0
		if a.mayCluster(aclDescribe) {
			resp.ClusterAuthorizedOperations = a.operations(resCluster, clusterName)
		}
	}
}

// ListTransactions: only the transactional ids the principal may
// describe, as KafkaApis.handleListTransactionsRequest filters them; the
// request itself is never denied.
func checkListTransactions(a *access, r request) (response, func(response)) {
	return nil, func(r response) {
		resp := r.(*listTransactionsResponse)
		resp.TransactionStates = slices.DeleteFunc(resp.TransactionStates, func(t listedTransaction) bool {
			return !a.may(aclDescribe, resTransactionalID, t.TransactionalID)
		})
	}
}

// undescribableTopics is the error message naming the topics of a
// heartbeat's subscription that the principal may not DESCRIBE, or nil
// if there are none. Kafka's handleConsumerGroupHeartbeat and
// handleShareGroupHeartbeat send the error code with no message; naming
// the topics here tells the member nothing it did not send, and tells
// its user which ACL is missing.
func (a *access) undescribableTopics(names []string) *string {
	var denied []string
	for _, t := range names {
		if !a.may(aclDescribe, resTopic, t) {
			denied = append(denied, t)
		}
	}
	if len(denied) == 0 {
		return nil
	}
	return ptr("The following topics are unauthorized: " + strings.Join(denied, ", "))
}

// ConsumerGroupHeartbeat: READ on the group, and DESCRIBE on every topic
// subscribed to by name (KafkaApis.handleConsumerGroupHeartbeat). The
// group's refusal carries no message, as Kafka's has none. The
// topic check matters because with KIP-848 the broker, not the client,
// turns the subscription into an assignment. A regex is not refused
// here: what it matches is filtered by the same ACLs in consumer.go.
func checkConsumerGroupHeartbeat(a *access, r request) (response, func(response)) {
	req := r.(*consumerGroupHeartbeatRequest)
	if !a.b.features.consumerProtocol() {
		return nil, nil // UNSUPPORTED_VERSION, before any ACL (features.go)
	}
	if !a.may(aclRead, resGroup, req.GroupID) {
		return &consumerGroupHeartbeatResponse{ErrorCode: codeGroupAuthorizationFailed}, nil
	}
	if msg := a.undescribableTopics(req.SubscribedTopicNames); msg != nil {
		return &consumerGroupHeartbeatResponse{ErrorCode: codeTopicAuthorizationFailed, ErrorMessage: msg}, nil
	}
	return nil, nil
}

// ConsumerGroupDescribe: DESCRIBE per group, as DescribeGroups is for
// classic groups (KafkaApis.handleConsumerGroupDescribe, KIP-848); a
// denied group is answered with the code and no message, as there. A
// group whose members are assigned, or are to be assigned, a topic the
// principal may not DESCRIBE is answered TOPIC_AUTHORIZATION_FAILED with
// nothing of it but its id, as Kafka does since KAFKA-18813: its
// assignments would name the topic and its partitions. Kafka looks at
// the assignments only, so the subscriptions, names and regex as the
// members sent them, are not checked here either. The Admin client fails
// that group's future with a TopicAuthorizationException (KAFKA-18813's
// client part, in 4.0).
func checkConsumerGroupDescribe(a *access, r request) (response, func(response)) {
	req := r.(*consumerGroupDescribeRequest)
	if !a.b.features.consumerProtocol() {
		return nil, nil // UNSUPPORTED_VERSION, before any ACL (features.go)
	}
	var denied []string
	req.GroupIDs, denied = split(req.GroupIDs, func(g string) bool { return a.may(aclDescribe, resGroup, g) })
	return nil, func(r response) {
		resp := r.(*consumerGroupDescribeResponse)
		for i, g := range resp.Groups {
			if g.ErrorCode != codeNone {
				continue
			}
			if !a.mayDescribeAssigned(g.Members) {
				resp.Groups[i] = consumerDescribedGroup{ErrorCode: codeTopicAuthorizationFailed, ErrorMessage: ptr("The group has described topic(s) that the client is not authorized to describe."),
					GroupID: g.GroupID, Members: []consumerDescribedMember{}, AuthorizedOperations: authorizedOperationsOmitted}
			} else if req.IncludeAuthorizedOperations {
				resp.Groups[i].AuthorizedOperations = a.operations(resGroup, g.GroupID)
			}
		}
		for _, g := range denied {
			resp.Groups = append(resp.Groups, consumerDescribedGroup{ErrorCode: codeGroupAuthorizationFailed, GroupID: g, Members: []consumerDescribedMember{}, AuthorizedOperations: authorizedOperationsOmitted})
		}
	}
}

// mayDescribeAssigned reports whether the principal may DESCRIBE every
// topic in the members' current and target assignments.
func (a *access) mayDescribeAssigned(members []consumerDescribedMember) bool {
	for _, m := range members {
		for _, tp := range slices.Concat(m.Assignment.TopicPartitions, m.TargetAssignment.TopicPartitions) {
			if !a.may(aclDescribe, resTopic, tp.TopicName) {
				return false
			}
		}
	}
	return true
}

// CreateAcls and DeleteAcls: ALTER on the cluster (AclApis). Neither has
// a top-level error code, so the denial is one result per creation or
// filter, in the order sent, which is how the Admin client matches them.
func checkCreateAcls(a *access, r request) (response, func(response)) {
	if a.mayCluster(aclAlter) {
		return nil, nil
	}
	resp := &createAclsResponse{Results: []aclCreationResult{}}
	for range r.(*createAclsRequest).Creations {
		resp.Results = append(resp.Results, aclCreationResult{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed.")})
	}
	return resp, nil
}

// checkDeleteAcls is checkCreateAcls for DeleteAcls: one denied result
// per filter, each with no matching ACLs.
func checkDeleteAcls(a *access, r request) (response, func(response)) {
	if a.mayCluster(aclAlter) {
		return nil, nil
	}
	resp := &deleteAclsResponse{FilterResults: []deleteAclsFilterResult{}}
	for range r.(*deleteAclsRequest).Filters {
		resp.FilterResults = append(resp.FilterResults, deleteAclsFilterResult{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed."), MatchingAcls: []deleteAclsMatchingACL{}})
	}
	return resp, nil
}

// describeAclsDenied is DescribeAcls's answer without DESCRIBE on the
// cluster: one top-level error, and no resources.
func describeAclsDenied() response {
	return &describeAclsResponse{ErrorCode: codeClusterAuthorizationFailed, ErrorMessage: ptr("Cluster authorization failed."), Resources: []describeAclsResource{}}
}

// Share groups (KIP-932), as KafkaApis 4.1 checks them. A share group is
// a group resource like any other: the same ACLs that let a principal
// consume in a consumer group let it consume in a share group, and the
// same errors come back.

// ShareGroupHeartbeat: READ on the group, DESCRIBE on every subscribed
// topic, for the reason ConsumerGroupHeartbeat checks topics; the
// group's refusal has no message, as there.
func checkShareGroupHeartbeat(a *access, r request) (response, func(response)) {
	req := r.(*shareGroupHeartbeatRequest)
	if !a.may(aclRead, resGroup, req.GroupID) {
		return &shareGroupHeartbeatResponse{ErrorCode: codeGroupAuthorizationFailed}, nil
	}
	if msg := a.undescribableTopics(req.SubscribedTopicNames); msg != nil {
		return &shareGroupHeartbeatResponse{ErrorCode: codeTopicAuthorizationFailed, ErrorMessage: msg}, nil
	}
	return nil, nil
}

// ShareGroupDescribe: DESCRIBE per group, as ConsumerGroupDescribe, a
// denied group answered with the code and no message.
func checkShareGroupDescribe(a *access, r request) (response, func(response)) {
	req := r.(*shareGroupDescribeRequest)
	var denied []string
	req.GroupIDs, denied = split(req.GroupIDs, func(g string) bool { return a.may(aclDescribe, resGroup, g) })
	return nil, func(r response) {
		resp := r.(*shareGroupDescribeResponse)
		for i, g := range resp.Groups {
			if req.IncludeAuthorizedOperations && g.ErrorCode == codeNone {
				resp.Groups[i].AuthorizedOperations = a.operations(resGroup, g.GroupID)
			}
		}
		for _, g := range denied {
			resp.Groups = append(resp.Groups, shareDescribedGroup{ErrorCode: codeGroupAuthorizationFailed, GroupID: g, Members: []shareDescribedMember{}, AuthorizedOperations: authorizedOperationsOmitted})
		}
	}
}

// ShareFetch: READ on the group, READ per topic; a denied topic's
// partitions, acknowledgements included, never reach the handler. Both
// error codes are set, because a share consumer reads the fetch error
// and the acknowledgement error of a partition separately, and an
// acknowledgement that silently vanished would be redelivered without
// telling it why. ShareFetch names topics by id only, never by name.
func checkShareFetch(a *access, r request) (response, func(response)) {
	req := r.(*shareFetchRequest)
	if !a.may(aclRead, resGroup, deref(req.GroupID)) {
		return &shareFetchResponse{ErrorCode: codeGroupAuthorizationFailed, ErrorMessage: ptr("Group authorization failed."), Responses: []shareFetchTopicResponse{}, NodeEndpoints: []shareNodeEndpoint{}}, nil
	}
	var denied []shareFetchTopic
	req.Topics, denied = split(req.Topics, func(t shareFetchTopic) bool { return a.may(aclRead, resTopic, a.topicName("", t.TopicID)) })
	return nil, func(r response) {
		resp := r.(*shareFetchResponse)
		for _, t := range denied {
			tr := shareFetchTopicResponse{TopicID: t.TopicID}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, shareFetchPartitionResponse{PartitionIndex: p.PartitionIndex, ErrorCode: codeTopicAuthorizationFailed,
					AcknowledgeErrorCode: codeTopicAuthorizationFailed, CurrentLeader: noLeader, Records: []byte{}, AcquiredRecords: []acquiredRange{}})
			}
			resp.Responses = append(resp.Responses, tr)
		}
	}
}

// ShareAcknowledge: READ on the group, READ per topic, as ShareFetch; a
// denied topic's acknowledgements are not applied, and its records are
// redelivered when their lock expires.
func checkShareAcknowledge(a *access, r request) (response, func(response)) {
	req := r.(*shareAcknowledgeRequest)
	if !a.may(aclRead, resGroup, deref(req.GroupID)) {
		return &shareAcknowledgeResponse{ErrorCode: codeGroupAuthorizationFailed, ErrorMessage: ptr("Group authorization failed."), Responses: []shareAcknowledgeTopicResponse{}, NodeEndpoints: []shareNodeEndpoint{}}, nil
	}
	var denied []shareAcknowledgeTopic
	req.Topics, denied = split(req.Topics, func(t shareAcknowledgeTopic) bool { return a.may(aclRead, resTopic, a.topicName("", t.TopicID)) })
	return nil, func(r response) {
		resp := r.(*shareAcknowledgeResponse)
		for _, t := range denied {
			tr := shareAcknowledgeTopicResponse{TopicID: t.TopicID}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, shareAcknowledgePartitionResponse{PartitionIndex: p.PartitionIndex, ErrorCode: codeTopicAuthorizationFailed, CurrentLeader: noLeader})
			}
			resp.Responses = append(resp.Responses, tr)
		}
	}
}

// DescribeShareGroupOffsets: DESCRIBE per group; a denied group is
// answered whole. Topics the principal may not DESCRIBE are answered per
// partition. As with OffsetFetch, the groups are batched (the request
// has no single group), so each carries its own error.
func checkDescribeShareGroupOffsets(a *access, r request) (response, func(response)) {
	req := r.(*describeShareGroupOffsetsRequest)
	var denied []describeShareGroupOffsetsRequestGroup
	req.Groups, denied = split(req.Groups, func(g describeShareGroupOffsetsRequestGroup) bool { return a.may(aclDescribe, resGroup, g.GroupID) })
	// hidden keeps, per group, the topics taken out of the request, to be
	// answered once the handler has built that group's entry.
	hidden := map[string][]describeShareGroupOffsetsRequestTopic{}
	for i := range req.Groups {
		g := &req.Groups[i]
		g.Topics, hidden[g.GroupID] = split(g.Topics, func(t describeShareGroupOffsetsRequestTopic) bool { return a.may(aclDescribe, resTopic, t.TopicName) })
	}
	return nil, func(r response) {
		resp := r.(*describeShareGroupOffsetsResponse)
		for i := range resp.Groups {
			g := &resp.Groups[i]
			for _, t := range hidden[g.GroupID] {
				tr := describeShareGroupOffsetsResponseTopic{TopicName: t.TopicName, Partitions: []describeShareGroupOffsetsResponsePartition{}}
				for _, p := range t.Partitions {
					tr.Partitions = append(tr.Partitions, describeShareGroupOffsetsResponsePartition{PartitionIndex: p, StartOffset: -1, LeaderEpoch: -1, Lag: -1, ErrorCode: codeTopicAuthorizationFailed})
				}
				g.Topics = append(g.Topics, tr)
			}
		}
		for _, g := range denied {
			resp.Groups = append(resp.Groups, describeShareGroupOffsetsResponseGroup{GroupID: g.GroupID, Topics: []describeShareGroupOffsetsResponseTopic{},
				ErrorCode: codeGroupAuthorizationFailed, ErrorMessage: ptr("Group authorization failed.")})
		}
	}
}

// AlterShareGroupOffsets: READ on the group, READ per topic (KIP-932's
// kafka-share-groups.sh --reset-offsets), the permissions of consuming,
// as for OffsetCommit.
func checkAlterShareGroupOffsets(a *access, r request) (response, func(response)) {
	req := r.(*alterShareGroupOffsetsRequest)
	if !a.may(aclRead, resGroup, req.GroupID) {
		return &alterShareGroupOffsetsResponse{ErrorCode: codeGroupAuthorizationFailed, ErrorMessage: ptr("Group authorization failed."), Responses: []alterShareGroupOffsetsResponseTopic{}}, nil
	}
	var denied []alterShareGroupOffsetsRequestTopic
	req.Topics, denied = split(req.Topics, func(t alterShareGroupOffsetsRequestTopic) bool { return a.may(aclRead, resTopic, t.TopicName) })
	return nil, func(r response) {
		resp := r.(*alterShareGroupOffsetsResponse)
		for _, t := range denied {
			tr := alterShareGroupOffsetsResponseTopic{TopicName: t.TopicName, Partitions: []alterShareGroupOffsetsResponsePartition{}}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, alterShareGroupOffsetsResponsePartition{PartitionIndex: p.PartitionIndex, ErrorCode: codeTopicAuthorizationFailed})
			}
			resp.Responses = append(resp.Responses, tr)
		}
	}
}

// DeleteShareGroupOffsets: DELETE on the group, READ per topic, as
// OffsetDelete is for consumer groups.
func checkDeleteShareGroupOffsets(a *access, r request) (response, func(response)) {
	req := r.(*deleteShareGroupOffsetsRequest)
	if !a.may(aclDelete, resGroup, req.GroupID) {
		return &deleteShareGroupOffsetsResponse{ErrorCode: codeGroupAuthorizationFailed, ErrorMessage: ptr("Group authorization failed."), Responses: []deleteShareGroupOffsetsResponseTopic{}}, nil
	}
	var denied []deleteShareGroupOffsetsRequestTopic
	req.Topics, denied = split(req.Topics, func(t deleteShareGroupOffsetsRequestTopic) bool { return a.may(aclRead, resTopic, t.TopicName) })
	return nil, func(r response) {
		resp := r.(*deleteShareGroupOffsetsResponse)
		for _, t := range denied {
			resp.Responses = append(resp.Responses, deleteShareGroupOffsetsResponseTopic{TopicName: t.TopicName, ErrorCode: codeTopicAuthorizationFailed})
		}
	}
}
