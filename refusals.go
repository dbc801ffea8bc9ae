// This file is in Part IV, operations, after the login chapters: the
// answer each API gives to a request Kafka refuses as a whole, before
// any handler looks at it. It assumes the request and response types of
// every chapter before it, whose fields it fills.
//
// Kafka builds that answer with the request's getErrorResponse
// (AbstractRequest, one override per API): the error code is set
// wherever the response has one, the keys of the request (topics,
// partitions, groups, resources) are echoed so that the client can match
// each answer to what it asked, and every other field keeps its schema
// default. An answer with an ErrorMessage carries either the exception's
// own message (ApiError.message) or the code's default one
// (Errors.message), as each API chooses.
//
// This broker answers so in one place, SASL (security.go). A client that
// sends Metadata in the middle of a login sees:
//
//	C: SaslHandshake v1 "PLAIN"   S: NONE, mechanisms [PLAIN SCRAM-SHA-256 ...]
//	C: Metadata v12 [orders]      S: orders ILLEGAL_SASL_STATE, no partitions,
//	                                 no brokers, controller -1
//	                                 (the connection is closed)
//	C: DescribeCluster v1         S: ILLEGAL_SASL_STATE "Unexpected Kafka
//	                                 request of type DESCRIBE_CLUSTER during
//	                                 SASL authentication." (closed)
//
// Which message an answer carries is the API's choice, and the entries
// below keep it: the exception's (Produce, CreateTopics, the ACL and
// config-altering APIs, DescribeCluster, UpdateFeatures...), the code's
// default one (FindCoordinator, DescribeConfigs, AlterClientQuotas,
// AlterShareGroupOffsets...), or none where the schema has no message.
//
// In detail: after a SaslHandshake v1, Kafka's SaslServerAuthenticator
// (handleSaslToken) expects only SaslAuthenticate, and answers any other
// request with its getErrorResponse, ILLEGAL_SASL_STATE and the message
// "Unexpected Kafka request of type METADATA during SASL
// authentication.", then closes the connection. A Produce with acks=0
// has no answer (its getErrorResponse is null), so it is only closed,
// and so is a request before the handshake (handleKafkaRequest).
// ApiVersions and SaslHandshake have their own answers (kafka.go,
// security.go), and SaslAuthenticate is the request expected; every
// other API has an entry in refusals, and TestEveryAPIHasARefusal keeps
// it so.
//
// Design note: the entries follow the getErrorResponse of Kafka 4.0's
// clients/src/main/java/org/apache/kafka/common/requests/*Request.java
// (https://github.com/apache/kafka/tree/4.0.0/clients/src/main/java/org/apache/kafka/common/requests),
// and 4.1's for the share-group offset APIs and ListConfigResources,
// which are served at their 4.1 versions. Where Kafka builds an answer
// from a HashMap (Produce, OffsetFetch before v2), its order is the
// map's; here it is the request's, which clients do not depend on either.

package kafka

import (
	"context"
	"slices"
	"strings"
	"unicode"
)

// refusal is why a request is refused as a whole: the code, and the
// exception's message, which Kafka's ApiError.message carries.
type refusal struct {
	code int16
	msg  string
}

// refusals has, for every API but ApiVersions, SaslHandshake and
// SaslAuthenticate, its getErrorResponse: the whole answer to req, at
// version v, refused for e; nil means no answer (Produce with acks=0).
var refusals = map[int16]func(req request, v int16, e refusal) response{
	// Produce, Fetch, ListOffsets, Metadata, OffsetCommit and OffsetFetch
	// echo what they asked for: see the functions below.
	0: refuseProduce,
	1: refuseFetch,
	2: refuseListOffsets,
	3: refuseMetadata,
	8: refuseOffsetCommit,
	9: refuseOffsetFetch,
	// FindCoordinator changed shape at v4, when it began to batch keys.
	10: refuseFindCoordinator,
	// JoinGroupRequest.getErrorResponse: generation -1, no leader, member
	// or members, and a protocol name that is null from v7, when it
	// became nullable, and empty before.
	11: func(_ request, v int16, e refusal) response {
		r := &joinGroupResponse{ErrorCode: e.code, GenerationID: -1, Members: []joinGroupResponseMember{}}
		if v < 7 {
			r.ProtocolName = ptr("")
		}
		return r
	},
	// Heartbeat, LeaveGroup and SyncGroup answer the code alone; a
	// SyncGroup's assignment is empty bytes, never null.
	12: func(_ request, _ int16, e refusal) response { return &heartbeatResponse{ErrorCode: e.code} },
	13: func(_ request, _ int16, e refusal) response { return &leaveGroupResponse{ErrorCode: e.code} },
	14: func(_ request, _ int16, e refusal) response {
		return &syncGroupResponse{ErrorCode: e.code, Assignment: []byte{}}
	},
	// DescribeGroupsResponse.groupError: each group Kafka's unknown state
	// and protocol (""), no members, the operations omitted, no message.
	15: func(r request, _ int16, e refusal) response {
		resp := &describeGroupsResponse{Groups: []describedGroup{}}
		for _, id := range r.(*describeGroupsRequest).Groups {
			resp.Groups = append(resp.Groups, describedGroup{ErrorCode: e.code, GroupID: id, AuthorizedOperations: authorizedOperationsOmitted})
		}
		return resp
	},
	// ListGroupsRequest.getErrorResponse: the code, no groups.
	16: func(_ request, _ int16, e refusal) response { return &listGroupsResponse{ErrorCode: e.code} },
	// CreateTopicsRequest.getErrorResponse: each topic the code and the
	// exception's message, with the -1 counts of a topic not created.
	19: func(r request, _ int16, e refusal) response {
		resp := &createTopicsResponse{Topics: []creatableTopicResult{}}
		for _, t := range r.(*createTopicsRequest).Topics {
			resp.Topics = append(resp.Topics, creatableTopicResult{Name: t.Name, ErrorCode: e.code, ErrorMessage: &e.msg, NumPartitions: -1, ReplicationFactor: -1, Configs: []creatableTopicConfigs{}})
		}
		return resp
	},
	// DeleteTopics names topics by name before v6, by name or id from it.
	20: refuseDeleteTopics,
	// DeleteRecordsRequest.getErrorResponse: each partition the code and
	// low watermark -1 (INVALID_LOW_WATERMARK).
	21: func(r request, _ int16, e refusal) response {
		resp := &deleteRecordsResponse{Topics: []deleteRecordsTopicResult{}}
		for _, t := range r.(*deleteRecordsRequest).Topics {
			tr := deleteRecordsTopicResult{Name: t.Name, Partitions: []deleteRecordsPartitionResult{}}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, deleteRecordsPartitionResult{PartitionIndex: p.PartitionIndex, LowWatermark: -1, ErrorCode: e.code})
			}
			resp.Topics = append(resp.Topics, tr)
		}
		return resp
	},
	// InitProducerIdRequest.getErrorResponse: no producer id or epoch (-1).
	22: func(_ request, _ int16, e refusal) response {
		return &initProducerIDResponse{ErrorCode: e.code, ProducerID: -1, ProducerEpoch: -1}
	},
	// OffsetsForLeaderEpochRequest.getErrorResponse: each partition the
	// code, epoch and end offset unknown (-1).
	23: func(r request, _ int16, e refusal) response {
		resp := &offsetForLeaderEpochResponse{Topics: []offsetForLeaderTopicResult{}}
		for _, t := range r.(*offsetForLeaderEpochRequest).Topics {
			tr := offsetForLeaderTopicResult{Topic: t.Topic, Partitions: []epochEndOffsetResult{}}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, epochEndOffsetResult{ErrorCode: e.code, Partition: p.Partition, LeaderEpoch: -1, EndOffset: -1})
			}
			resp.Topics = append(resp.Topics, tr)
		}
		return resp
	},
	// AddPartitionsToTxnRequest.getErrorResponse: from v4, a request
	// between brokers that batches transactions, the top-level code alone;
	// before, the code in every partition of the one transaction.
	24: func(r request, v int16, e refusal) response {
		resp := &addPartitionsToTxnResponse{ResultsByTransaction: []addPartitionsToTxnResult{}, ResultsByTopicV3AndBelow: []addPartitionsToTxnTopicResult{}}
		if v >= 4 {
			resp.ErrorCode = e.code
			return resp
		}
		for _, t := range r.(*addPartitionsToTxnRequest).V3AndBelowTopics {
			tr := addPartitionsToTxnTopicResult{Name: t.Name, ResultsByPartition: []addPartitionsToTxnPartitionResult{}}
			for _, p := range t.Partitions {
				tr.ResultsByPartition = append(tr.ResultsByPartition, addPartitionsToTxnPartitionResult{PartitionIndex: p, PartitionErrorCode: e.code})
			}
			resp.ResultsByTopicV3AndBelow = append(resp.ResultsByTopicV3AndBelow, tr)
		}
		return resp
	},
	// AddOffsetsToTxn answers the code alone, and so does EndTxn, whose
	// v5 producer id and epoch keep their -1 defaults.
	25: func(_ request, _ int16, e refusal) response { return &addOffsetsToTxnResponse{ErrorCode: e.code} },
	26: func(_ request, _ int16, e refusal) response {
		return &endTxnResponse{ErrorCode: e.code, ProducerID: -1, ProducerEpoch: -1}
	},
	// WriteTxnMarkersRequest.getErrorResponse: each partition of each
	// marker the code.
	27: refuseWriteTxnMarkers,
	// TxnOffsetCommitRequest.getErrorResponseTopics: each partition the code.
	28: func(r request, _ int16, e refusal) response {
		resp := &txnOffsetCommitResponse{Topics: []txnOffsetCommitResponseTopic{}}
		for _, t := range r.(*txnOffsetCommitRequest).Topics {
			tr := txnOffsetCommitResponseTopic{Name: t.Name, Partitions: []txnOffsetCommitResponsePartition{}}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, txnOffsetCommitResponsePartition{PartitionIndex: p.PartitionIndex, ErrorCode: e.code})
			}
			resp.Topics = append(resp.Topics, tr)
		}
		return resp
	},
	// DescribeAcls, CreateAcls and DeleteAcls carry the exception's
	// message: once for the request, or once per creation or filter.
	describeAclsKey: func(_ request, _ int16, e refusal) response {
		return &describeAclsResponse{ErrorCode: e.code, ErrorMessage: &e.msg, Resources: []describeAclsResource{}}
	},
	createAclsKey: func(r request, _ int16, e refusal) response {
		resp := &createAclsResponse{Results: []aclCreationResult{}}
		for range r.(*createAclsRequest).Creations {
			resp.Results = append(resp.Results, aclCreationResult{ErrorCode: e.code, ErrorMessage: &e.msg})
		}
		return resp
	},
	deleteAclsKey: func(r request, _ int16, e refusal) response {
		resp := &deleteAclsResponse{FilterResults: []deleteAclsFilterResult{}}
		for range r.(*deleteAclsRequest).Filters {
			resp.FilterResults = append(resp.FilterResults, deleteAclsFilterResult{ErrorCode: e.code, ErrorMessage: &e.msg, MatchingAcls: []deleteAclsMatchingACL{}})
		}
		return resp
	},
	// DescribeConfigsRequest.getErrorResponse: each resource the code and
	// the code's default message (Errors.message), no configs.
	32: func(r request, _ int16, e refusal) response {
		resp := &describeConfigsResponse{Results: []describeConfigsResult{}}
		for _, res := range r.(*describeConfigsRequest).Resources {
			resp.Results = append(resp.Results, describeConfigsResult{ErrorCode: e.code, ErrorMessage: e.def(), ResourceType: res.ResourceType, ResourceName: res.ResourceName, Configs: []describeConfigsResourceResult{}})
		}
		return resp
	},
	// AlterConfigs and IncrementalAlterConfigs: each resource the code and
	// the exception's message; both answer with alterConfigsResponse.
	33: func(r request, _ int16, e refusal) response {
		resp := &alterConfigsResponse{Responses: []alterConfigsResourceResponse{}}
		for _, res := range r.(*alterConfigsRequest).Resources {
			resp.Responses = append(resp.Responses, alterConfigsResourceResponse{ErrorCode: e.code, ErrorMessage: &e.msg, ResourceType: res.ResourceType, ResourceName: res.ResourceName})
		}
		return resp
	},
	// AlterReplicaLogDirsRequest.getErrorResponse: each partition of each
	// dir the code, the dirs themselves flattened away.
	34: func(r request, _ int16, e refusal) response {
		resp := &alterReplicaLogDirsResponse{Results: []alterReplicaLogDirTopicResult{}}
		for _, d := range r.(*alterReplicaLogDirsRequest).Dirs {
			for _, t := range d.Topics {
				tr := alterReplicaLogDirTopicResult{TopicName: t.Name, Partitions: []alterReplicaLogDirPartitionResult{}}
				for _, p := range t.Partitions {
					tr.Partitions = append(tr.Partitions, alterReplicaLogDirPartitionResult{PartitionIndex: p, ErrorCode: e.code})
				}
				resp.Results = append(resp.Results, tr)
			}
		}
		return resp
	},
	// DescribeLogDirsRequest.getErrorResponse: the code (v3+), no dirs.
	35: func(_ request, _ int16, e refusal) response {
		return &describeLogDirsResponse{ErrorCode: e.code, Results: []describeLogDirsResult{}}
	},
	// CreatePartitionsRequest.getErrorResponse: each topic the code and
	// the exception's message.
	37: func(r request, _ int16, e refusal) response {
		resp := &createPartitionsResponse{Results: []createPartitionsTopicResult{}}
		for _, t := range r.(*createPartitionsRequest).Topics {
			resp.Results = append(resp.Results, createPartitionsTopicResult{Name: t.Name, ErrorCode: e.code, ErrorMessage: &e.msg})
		}
		return resp
	},
	// The delegation-token requests' getErrorResponse
	// (delegationtokens.go): Create's is prepareResponse for the
	// principal ANONYMOUS as owner and requester, with the timestamps -1;
	// Renew and Expire keep their expiry at 0; Describe lists no token.
	38: func(_ request, _ int16, e refusal) response {
		return createTokenAnswer(e.code, anonymous, anonymous, tokenErrorTimestamp)
	},
	39: func(_ request, _ int16, e refusal) response { return &tokenExpiryResponse{ErrorCode: e.code} },
	40: func(_ request, _ int16, e refusal) response { return &tokenExpiryResponse{ErrorCode: e.code} },
	41: func(_ request, _ int16, e refusal) response {
		return &describeDelegationTokenResponse{ErrorCode: e.code, Tokens: []describedToken{}}
	},
	// DeleteGroupsRequest.getErrorResultCollection: each group the code.
	42: func(r request, _ int16, e refusal) response {
		resp := &deleteGroupsResponse{Results: []deletableGroupResult{}}
		for _, g := range r.(*deleteGroupsRequest).GroupsNames {
			resp.Results = append(resp.Results, deletableGroupResult{GroupID: g, ErrorCode: e.code})
		}
		return resp
	},
	// ElectLeadersRequest.getErrorResponse: the top-level code (v1+) and,
	// for the partitions named (none when all were asked for), the code
	// and the exception's message.
	43: func(r request, _ int16, e refusal) response {
		resp := &electLeadersResponse{ErrorCode: e.code, ReplicaElectionResults: []replicaElectionResult{}}
		for _, t := range r.(*electLeadersRequest).TopicPartitions {
			tr := replicaElectionResult{Topic: t.Topic, PartitionResult: []electionPartitionResult{}}
			for _, p := range t.Partitions {
				tr.PartitionResult = append(tr.PartitionResult, electionPartitionResult{PartitionID: p, ErrorCode: e.code, ErrorMessage: &e.msg})
			}
			resp.ReplicaElectionResults = append(resp.ReplicaElectionResults, tr)
		}
		return resp
	},
	44: func(r request, _ int16, e refusal) response {
		resp := &alterConfigsResponse{Responses: []alterConfigsResourceResponse{}}
		for _, res := range r.(*incrementalAlterConfigsRequest).Resources {
			resp.Responses = append(resp.Responses, alterConfigsResourceResponse{ErrorCode: e.code, ErrorMessage: &e.msg, ResourceType: res.ResourceType, ResourceName: res.ResourceName})
		}
		return resp
	},
	// AlterPartitionReassignments and ListPartitionReassignments carry the
	// code and message at the top too; a listed partition has no replicas.
	45: func(r request, _ int16, e refusal) response {
		resp := &alterPartitionReassignmentsResponse{ErrorCode: e.code, ErrorMessage: &e.msg, Responses: []reassignableTopicResponse{}}
		for _, t := range r.(*alterPartitionReassignmentsRequest).Topics {
			tr := reassignableTopicResponse{Name: t.Name, Partitions: []reassignablePartitionResponse{}}
			for _, p := range t.Partitions {
				tr.Partitions = append(tr.Partitions, reassignablePartitionResponse{PartitionIndex: p.PartitionIndex, ErrorCode: e.code, ErrorMessage: &e.msg})
			}
			resp.Responses = append(resp.Responses, tr)
		}
		return resp
	},
	46: func(r request, _ int16, e refusal) response {
		resp := &listPartitionReassignmentsResponse{ErrorCode: e.code, ErrorMessage: &e.msg, Topics: []ongoingTopicReassignment{}}
		for _, t := range r.(*listPartitionReassignmentsRequest).Topics {
			tr := ongoingTopicReassignment{Name: t.Name, Partitions: []ongoingPartitionReassignment{}}
			for _, p := range t.PartitionIndexes {
				tr.Partitions = append(tr.Partitions, ongoingPartitionReassignment{PartitionIndex: p, Replicas: []int32{}, AddingReplicas: []int32{}, RemovingReplicas: []int32{}})
			}
			resp.Topics = append(resp.Topics, tr)
		}
		return resp
	},
	// OffsetDeleteRequest.getErrorResponse: the code, no topics.
	47: func(_ request, _ int16, e refusal) response {
		return &offsetDeleteResponse{ErrorCode: e.code, Topics: []offsetDeleteResponseTopic{}}
	},
	// DescribeClientQuotasRequest.getErrorResponse: the code and message,
	// and entries null, not empty.
	48: func(_ request, _ int16, e refusal) response {
		return &describeClientQuotasResponse{ErrorCode: e.code, ErrorMessage: &e.msg} // Entries null
	},
	// AlterClientQuotasRequest.getErrorResponse: each entry its entity
	// back, the code and the code's default message.
	49: func(r request, _ int16, e refusal) response {
		resp := &alterClientQuotasResponse{Entries: []alterQuotaResult{}}
		for _, entry := range r.(*alterClientQuotasRequest).Entries {
			resp.Entries = append(resp.Entries, alterQuotaResult{ErrorCode: e.code, ErrorMessage: e.def(), Entity: slices.Clone(entry.Entity)})
		}
		return resp
	},
	// DescribeUserScramCredentials answers at the top and once per user.
	50: func(r request, _ int16, e refusal) response {
		resp := &describeUserScramCredentialsResponse{ErrorCode: e.code, ErrorMessage: &e.msg, Results: []describeUserScramResult{}}
		// One result per user asked, none naming its user: Kafka's
		// getErrorResponse leaves User at its default.
		for range r.(*describeUserScramCredentialsRequest).Users {
			resp.Results = append(resp.Results, describeUserScramResult{ErrorCode: e.code, ErrorMessage: &e.msg, CredentialInfos: []scramCredentialInfo{}})
		}
		return resp
	},
	// AlterUserScramCredentialsRequest.getErrorResponse: each user named
	// by a deletion or an upsertion, once, in name order.
	51: func(r request, _ int16, e refusal) response {
		req := r.(*alterUserScramCredentialsRequest)
		var users []string
		for _, d := range req.Deletions {
			users = append(users, d.Name)
		}
		for _, u := range req.Upsertions {
			users = append(users, u.Name)
		}
		slices.Sort(users)
		resp := &alterUserScramCredentialsResponse{Results: []alterUserScramResult{}}
		for _, u := range slices.Compact(users) {
			resp.Results = append(resp.Results, alterUserScramResult{User: u, ErrorCode: e.code, ErrorMessage: &e.msg})
		}
		return resp
	},
	// DescribeQuorumRequest.getErrorResponse: the code and its default
	// message at the top, no topics, no nodes.
	55: func(_ request, _ int16, e refusal) response {
		return &describeQuorumResponse{ErrorCode: e.code, ErrorMessage: e.def(), Topics: []describeQuorumTopicData{}, Nodes: []quorumNode{}}
	},
	// UpdateFeaturesResponse.createWithErrors: the code and message, no
	// per-feature results.
	57: func(_ request, _ int16, e refusal) response {
		return &updateFeaturesResponse{ErrorCode: e.code, ErrorMessage: &e.msg, Results: []updatableFeatureResult{}}
	},
	// DescribeClusterRequest.getErrorResponse: the code and message, and
	// the schema's defaults: brokers endpoints, controller -1, no brokers.
	60: func(_ request, _ int16, e refusal) response {
		return &describeClusterResponse{ErrorCode: e.code, ErrorMessage: &e.msg, EndpointType: endpointBrokers, ControllerID: -1, Brokers: []describeClusterBroker{}, ClusterAuthorizedOperations: authorizedOperationsOmitted}
	},
	// DescribeProducersRequest.getErrorResponse: each partition the code.
	61: func(r request, _ int16, e refusal) response {
		resp := &describeProducersResponse{Topics: []describeProducersTopicResponse{}}
		for _, t := range r.(*describeProducersRequest).Topics {
			tr := describeProducersTopicResponse{Name: t.Name, Partitions: []describeProducersPartition{}}
			for _, p := range t.PartitionIndexes {
				tr.Partitions = append(tr.Partitions, describeProducersPartition{PartitionIndex: p, ErrorCode: e.code, ActiveProducers: []activeProducer{}})
			}
			resp.Topics = append(resp.Topics, tr)
		}
		return resp
	},
	// UnregisterBrokerRequest.getErrorResponse: the code alone, the
	// message left at the schema's default, "".
	64: func(_ request, _ int16, e refusal) response {
		return &unregisterBrokerResponse{ErrorCode: e.code, ErrorMessage: ptr("")}
	},
	// DescribeTransactionsRequest.getErrorResponse: each transactional
	// id the code, and nothing known of it.
	65: func(r request, _ int16, e refusal) response {
		resp := &describeTransactionsResponse{TransactionStates: []describedTransaction{}}
		for _, id := range r.(*describeTransactionsRequest).TransactionalIDs {
			resp.TransactionStates = append(resp.TransactionStates, describedTransaction{ErrorCode: e.code, TransactionalID: id, Topics: []describedTransactionTopic{}})
		}
		return resp
	},
	// ListTransactionsRequest.getErrorResponse: the code alone.
	66: func(_ request, _ int16, e refusal) response {
		return &listTransactionsResponse{ErrorCode: e.code, UnknownStateFilters: []string{}, TransactionStates: []listedTransaction{}}
	},
	// ConsumerGroupHeartbeat and ShareGroupHeartbeat answer the code
	// alone, without a message, member id or assignment.
	68: func(_ request, _ int16, e refusal) response {
		return &consumerGroupHeartbeatResponse{ErrorCode: e.code}
	},
	// ConsumerGroupDescribe and ShareGroupDescribe: each group the code,
	// and the schema's defaults for the rest.
	69: refuseConsumerGroupDescribe,
	// ListConfigResourcesRequest.getErrorResponse: the code alone.
	74: func(_ request, _ int16, e refusal) response {
		return &listConfigResourcesResponse{ErrorCode: e.code, ConfigResources: []configResource{}}
	},
	// DescribeTopicPartitionsRequest.getErrorResponse: each topic the code,
	// not internal, no partitions.
	75: func(r request, _ int16, e refusal) response {
		resp := &describeTopicPartitionsResponse{Topics: []describeTopicPartitionsTopic{}}
		for _, t := range r.(*describeTopicPartitionsRequest).Topics {
			resp.Topics = append(resp.Topics, describeTopicPartitionsTopic{ErrorCode: e.code, Name: ptr(t.Name), Partitions: []describeTopicPartitionsPartition{}, TopicAuthorizedOperations: authorizedOperationsOmitted})
		}
		return resp
	},
	76: func(_ request, _ int16, e refusal) response { return &shareGroupHeartbeatResponse{ErrorCode: e.code} },
	77: func(r request, _ int16, e refusal) response {
		resp := &shareGroupDescribeResponse{Groups: []shareDescribedGroup{}}
		for _, id := range r.(*shareGroupDescribeRequest).GroupIDs {
			resp.Groups = append(resp.Groups, shareDescribedGroup{ErrorCode: e.code, GroupID: id, Members: []shareDescribedMember{}, AuthorizedOperations: authorizedOperationsOmitted})
		}
		return resp
	},
	// ShareFetch and ShareAcknowledge answer the top-level code alone.
	78: func(_ request, _ int16, e refusal) response {
		return &shareFetchResponse{ErrorCode: e.code, Responses: []shareFetchTopicResponse{}, NodeEndpoints: []shareNodeEndpoint{}}
	},
	79: func(_ request, _ int16, e refusal) response {
		return &shareAcknowledgeResponse{ErrorCode: e.code, Responses: []shareAcknowledgeTopicResponse{}, NodeEndpoints: []shareNodeEndpoint{}}
	},
	80: refuseRaftVoterChange,
	81: refuseRaftVoterChange,
	// DescribeShareGroupOffsetsResponse for all groups: each group the
	// code and the exception's message, no topics.
	90: func(r request, _ int16, e refusal) response {
		resp := &describeShareGroupOffsetsResponse{Groups: []describeShareGroupOffsetsResponseGroup{}}
		for _, g := range r.(*describeShareGroupOffsetsRequest).Groups {
			resp.Groups = append(resp.Groups, describeShareGroupOffsetsResponseGroup{GroupID: g.GroupID, Topics: []describeShareGroupOffsetsResponseTopic{}, ErrorCode: e.code, ErrorMessage: &e.msg})
		}
		return resp
	},
	// AlterShareGroupOffsets and DeleteShareGroupOffsets: the code and
	// the code's default message.
	91: func(_ request, _ int16, e refusal) response {
		return &alterShareGroupOffsetsResponse{ErrorCode: e.code, ErrorMessage: e.def(), Responses: []alterShareGroupOffsetsResponseTopic{}}
	},
	92: func(_ request, _ int16, e refusal) response {
		return &deleteShareGroupOffsetsResponse{ErrorCode: e.code, ErrorMessage: e.def(), Responses: []deleteShareGroupOffsetsResponseTopic{}}
	},
}

// def is the code's default message, Kafka's Errors.message.
func (e refusal) def() *string { return ptr(defaultErrorMessage(e.code)) }

// refuseProduce is ProduceRequest.getErrorResponse: each partition its
// code and the exception's message, with -1 offsets; nothing at acks=0,
// whose producer reads no answer.
func refuseProduce(r request, _ int16, e refusal) response {
	req := r.(*produceRequest)
	if req.Acks == 0 {
		return nil
	}
	resp := &produceResponse{Responses: []produceTopicResponse{}, NodeEndpoints: []nodeEndpoint{}}
	for _, t := range req.TopicData {
		tr := produceTopicResponse{Name: t.Name, PartitionResponses: []producePartitionResponse{}}
		for _, p := range t.PartitionData {
			tr.PartitionResponses = append(tr.PartitionResponses, producePartitionResponse{Index: p.Index, ErrorCode: e.code, BaseOffset: -1, LogAppendTimeMs: -1, LogStartOffset: -1,
				RecordErrors: []batchIndexAndErrorMessage{}, ErrorMessage: &e.msg, CurrentLeader: noLeader})
		}
		resp.Responses = append(resp.Responses, tr)
	}
	return resp
}

// refuseFetch is FetchRequest.getErrorResponse: the code at the top,
// and before v13 in every partition asked as well, for clients that
// read no top-level code; the session id is the request's.
func refuseFetch(r request, v int16, e refusal) response {
	req := r.(*fetchRequest)
	resp := &fetchResponse{ErrorCode: e.code, SessionID: req.SessionID, Responses: []fetchTopicResponse{}, NodeEndpoints: []nodeEndpoint{}}
	if v >= 13 {
		return resp
	}
	for _, t := range req.Topics {
		tr := fetchTopicResponse{Topic: t.Topic, TopicID: t.TopicID, Partitions: []fetchPartitionResponse{}}
		for _, p := range t.Partitions {
			pr := emptyFetchPartition(p.Partition)
			pr.ErrorCode = e.code
			tr.Partitions = append(tr.Partitions, pr)
		}
		resp.Responses = append(resp.Responses, tr)
	}
	return resp
}

// refuseListOffsets is ListOffsetsRequest.getErrorResponse: each
// partition its code, offset and timestamp -1.
func refuseListOffsets(r request, _ int16, e refusal) response {
	resp := &listOffsetsResponse{Topics: []listOffsetsTopicResponse{}}
	for _, t := range r.(*listOffsetsRequest).Topics {
		tr := listOffsetsTopicResponse{Name: t.Name, Partitions: []listOffsetsPartitionResponse{}}
		for _, p := range t.Partitions {
			tr.Partitions = append(tr.Partitions, listOffsetsPartitionResponse{PartitionIndex: p.PartitionIndex, ErrorCode: e.code, Timestamp: -1, Offset: -1, LeaderEpoch: -1})
		}
		resp.Topics = append(resp.Topics, tr)
	}
	return resp
}

// refuseMetadata is MetadataRequest.getErrorResponse: each topic asked
// (by name, "" for one asked by id, or by id) its code and no
// partitions; a request for all topics gets none. From v13 the code is
// also the answer's own ErrorCode (KIP-1102).
func refuseMetadata(r request, _ int16, e refusal) response {
	resp := &metadataResponse{Brokers: []metadataBroker{}, ControllerID: -1, Topics: []metadataTopic{}, ClusterAuthorizedOperations: authorizedOperationsOmitted, ErrorCode: e.code}
	for _, t := range r.(*metadataRequest).Topics {
		resp.Topics = append(resp.Topics, metadataTopic{ErrorCode: e.code, Name: ptr(deref(t.Name)), TopicID: t.TopicID, Partitions: []metadataPartition{}, TopicAuthorizedOperations: authorizedOperationsOmitted})
	}
	return resp
}

// refuseOffsetCommit is OffsetCommitRequest.getErrorResponse: each
// partition its code.
func refuseOffsetCommit(r request, _ int16, e refusal) response {
	resp := &offsetCommitResponse{Topics: []offsetCommitTopicResponse{}}
	for _, t := range r.(*offsetCommitRequest).Topics {
		tr := offsetCommitTopicResponse{Name: t.Name, Partitions: []offsetCommitPartitionResponse{}}
		for _, p := range t.Partitions {
			tr.Partitions = append(tr.Partitions, offsetCommitPartitionResponse{PartitionIndex: p.PartitionIndex, ErrorCode: e.code})
		}
		resp.Topics = append(resp.Topics, tr)
	}
	return resp
}

// refuseOffsetFetch is OffsetFetchRequest.getErrorResponse, which
// changed with the versions: before v2, which had no top-level code,
// each partition asked carries it, with offset -1 and no metadata; v2
// to v7 answer the code alone; from v8 each group does.
func refuseOffsetFetch(r request, v int16, e refusal) response {
	req := r.(*offsetFetchRequest)
	resp := &offsetFetchResponse{Topics: []offsetFetchResponseTopic{}, Groups: []offsetFetchResponseGroup{}}
	switch {
	case v >= 8:
		for _, g := range req.Groups {
			resp.Groups = append(resp.Groups, offsetFetchResponseGroup{GroupID: g.GroupID, Topics: []offsetFetchResponseTopic{}, ErrorCode: e.code})
		}
	case v >= 2:
		resp.ErrorCode = e.code
	default:
		for _, t := range req.Topics {
			tr := offsetFetchResponseTopic{Name: t.Name, Partitions: []offsetFetchResponsePartition{}}
			for _, p := range t.PartitionIndexes {
				tr.Partitions = append(tr.Partitions, offsetFetchResponsePartition{PartitionIndex: p, CommittedOffset: -1, CommittedLeaderEpoch: -1, Metadata: ptr(""), ErrorCode: e.code})
			}
			resp.Topics = append(resp.Topics, tr)
		}
	}
	return resp
}

// refuseFindCoordinator is FindCoordinatorRequest.getErrorResponse:
// before v4 one answer, from v4 one per key, each with the code's
// default message and no node (-1, "", -1).
func refuseFindCoordinator(r request, v int16, e refusal) response {
	req := r.(*findCoordinatorRequest)
	if v < 4 {
		return &findCoordinatorResponse{ErrorCode: e.code, ErrorMessage: e.def(), NodeID: -1, Port: -1, Coordinators: []coordinatorAnswer{}}
	}
	resp := &findCoordinatorResponse{Coordinators: []coordinatorAnswer{}}
	for _, k := range req.CoordinatorKeys {
		resp.Coordinators = append(resp.Coordinators, coordinatorAnswer{Key: k, NodeID: -1, Port: -1, ErrorCode: e.code, ErrorMessage: e.def()})
	}
	return resp
}

// refuseConsumerGroupDescribe is
// ConsumerGroupDescribeRequest.getErrorResponse, which is also the answer
// while group.version is 0 (consumer.go).
func refuseConsumerGroupDescribe(r request, _ int16, e refusal) response {
	resp := &consumerGroupDescribeResponse{Groups: []consumerDescribedGroup{}}
	for _, id := range r.(*consumerGroupDescribeRequest).GroupIDs {
		resp.Groups = append(resp.Groups, consumerDescribedGroup{ErrorCode: e.code, GroupID: id, Members: []consumerDescribedMember{}, AuthorizedOperations: authorizedOperationsOmitted})
	}
	return resp
}

// refuseDeleteTopics is DeleteTopicsRequest.getErrorResponse: each
// topic, as named or by id from v6, its code.
func refuseDeleteTopics(r request, v int16, e refusal) response {
	req := r.(*deleteTopicsRequest)
	resp := &deleteTopicsResponse{Responses: []deletableTopicResult{}}
	if v < 6 {
		for _, name := range req.TopicNames {
			resp.Responses = append(resp.Responses, deletableTopicResult{Name: ptr(name), ErrorCode: e.code})
		}
		return resp
	}
	for _, t := range req.Topics {
		resp.Responses = append(resp.Responses, deletableTopicResult{Name: t.Name, TopicID: t.TopicID, ErrorCode: e.code})
	}
	return resp
}

// javaAPIName is an API's name as Kafka's ApiKeys enum spells it, which
// its messages print: "OffsetForLeaderEpoch" is OFFSET_FOR_LEADER_EPOCH.
// Every name of the apis table converts so; none is spelled otherwise in
// ApiKeys.
func javaAPIName(name string) string {
	var b strings.Builder
	for i, c := range name {
		if i > 0 && unicode.IsUpper(c) {
			b.WriteByte('_')
		}
		b.WriteRune(unicode.ToUpper(c))
	}
	return b.String()
}

// refuseWriteTxnMarkers is WriteTxnMarkersRequest.getErrorResponse, which
// the authorizer's refusal (authorize.go) shares: every partition of every
// marker answered with the code.
func refuseWriteTxnMarkers(r request, _ int16, e refusal) response {
	return r.(*writeTxnMarkersRequest).answerEach(func(writableTxnMarker, string, int32) int16 { return e.code })
}

// refuseRaftVoterChange is AddRaftVoterRequest.getErrorResponse and
// RemoveRaftVoterRequest's, which the authorizer's refusal (authorize.go)
// shares: the code and its default message.
func refuseRaftVoterChange(_ request, _ int16, e refusal) response {
	return &raftVoterResponse{ErrorCode: e.code, ErrorMessage: e.def()}
}

// Coordinators that did not load.
//
// A coordinator whose state did not load at start does not stop the
// broker: the APIs it serves are refused as a whole, after their ACL
// check, with COORDINATOR_NOT_AVAILABLE in the answers above, and every
// other API is served. Kafka answers so while a coordinator is not active
// (GroupCoordinatorService.throwIfNotActive), and its FindCoordinator so
// for a key whose coordinator partition has no leader
// (KafkaApis.getCoordinator). Clients retry that code, so they carry on
// once the broker restarts on a repaired data dir.

// coordinatorAPIs has, for each API that a coordinator serves, the kinds
// of coordinator it needs, as FindCoordinator's key types name them. The
// share-group APIs are served by the group coordinator in Kafka.
var coordinatorAPIs = map[int16][]int8{
	8:  {coordinatorGroup}, // OffsetCommit
	9:  {coordinatorGroup}, // OffsetFetch
	11: {coordinatorGroup}, // JoinGroup
	12: {coordinatorGroup}, // Heartbeat
	13: {coordinatorGroup}, // LeaveGroup
	14: {coordinatorGroup}, // SyncGroup
	15: {coordinatorGroup}, // DescribeGroups
	16: {coordinatorGroup}, // ListGroups
	42: {coordinatorGroup}, // DeleteGroups
	47: {coordinatorGroup}, // OffsetDelete
	68: {coordinatorGroup}, // ConsumerGroupHeartbeat
	69: {coordinatorGroup}, // ConsumerGroupDescribe
	// The transaction coordinator's, and TxnOffsetCommit, which names a
	// transaction and commits to a group. InitProducerId needs it only
	// for a transactional id (serve).
	24: {coordinatorTransaction},                   // AddPartitionsToTxn
	25: {coordinatorTransaction},                   // AddOffsetsToTxn
	26: {coordinatorTransaction},                   // EndTxn
	28: {coordinatorGroup, coordinatorTransaction}, // TxnOffsetCommit
	65: {coordinatorTransaction},                   // DescribeTransactions
	66: {coordinatorTransaction},                   // ListTransactions
	// The share-group APIs need the share coordinator's state too, which
	// this broker keeps in a file of its own, with the share groups it
	// restores (sharegroups.go).
	76: {coordinatorGroup, coordinatorShare}, // ShareGroupHeartbeat
	77: {coordinatorGroup, coordinatorShare}, // ShareGroupDescribe
	78: {coordinatorShare},                   // ShareFetch
	79: {coordinatorShare},                   // ShareAcknowledge
	90: {coordinatorGroup, coordinatorShare}, // DescribeShareGroupOffsets
	91: {coordinatorGroup, coordinatorShare}, // AlterShareGroupOffsets
	92: {coordinatorGroup, coordinatorShare}, // DeleteShareGroupOffsets
}

// coordinatorDown reports whether the coordinator of a FindCoordinator
// key type did not load at start: the group coordinator's
// __consumer_offsets-0 (offsets.go, unavailable), the transaction
// and share coordinators' state files (openTxnCoordinator,
// openShareCoordinator).
func (b *Broker) coordinatorDown(keyType int8) bool {
	switch keyType {
	case coordinatorGroup:
		return b.groups != nil && b.groups.down != nil
	case coordinatorTransaction:
		return b.txns != nil && b.txns.down != nil
	case coordinatorShare:
		return b.shares != nil && b.shares.down != nil
	}
	return false
}

// serve runs api's handler on req, unless a coordinator it needs is down.
func (b *Broker) serve(ctx context.Context, api *api, rc *requestContext, req request) response {
	kinds := coordinatorAPIs[api.key]
	if r, ok := req.(*initProducerIDRequest); ok && r.TransactionalID != nil {
		kinds = []int8{coordinatorTransaction}
	}
	for _, kind := range kinds {
		if b.coordinatorDown(kind) {
			return refusals[api.key](req, rc.header.APIVersion, refusal{codeCoordinatorNotAvailable, defaultErrorMessage(codeCoordinatorNotAvailable)})
		}
	}
	return api.serve(b, ctx, rc, req)
}
