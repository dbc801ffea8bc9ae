// This file holds the answer to "what may this client do here?", which
// Metadata, DescribeCluster, DescribeGroups and ConsumerGroupDescribe give
// when a client sets their Include...AuthorizedOperations flag (KIP-430).
// It belongs to part I, with the core APIs; it assumes only handlers.go.
//
// The answer is a bit field over Kafka's ACL operation codes
// (AclOperation.java): bit n set means the operation with code n is
// allowed. Each resource type has its own set of operations
// (AclEntry.supportedOperations), and a broker without an authorizer,
// which this one is, allows all of them (AuthHelper.authorizedOperations):
//
//	code  operation         topic  group  cluster
//	   3  READ                x      x
//	   4  WRITE               x
//	   5  CREATE              x             x
//	   6  DELETE              x      x
//	   7  ALTER               x             x
//	   8  DESCRIBE            x      x      x
//	   9  CLUSTER_ACTION                    x
//	  10  DESCRIBE_CONFIGS    x      x      x
//	  11  ALTER_CONFIGS       x      x      x
//	  12  IDEMPOTENT_WRITE                  x
//
// Clients show the set to people (kafka-topics --describe, AdminClient's
// authorizedOperations) and some decide from it what to offer; librdkafka's
// tests expect the full set from a broker without ACLs. INT32_MIN, the
// "not asked" value, is what a field holds when the client did not set the
// flag.
//
// Design note: every handler asks authorizedOperations, never the
// constants, so that an authorizer can later answer with the subset it
// allows for the client of rc and the named resource, in this one place.

package kafka

// ACL operation codes (AclOperation.java) that the resource types below
// use.
const (
	aclRead            = 3
	aclWrite           = 4
	aclCreate          = 5
	aclDelete          = 6
	aclAlter           = 7
	aclDescribe        = 8
	aclClusterAction   = 9
	aclDescribeConfigs = 10
	aclAlterConfigs    = 11
	aclIdempotentWrite = 12
)

// aclResourceType is a kind of resource ACLs are about; the values are
// Kafka's ResourceType codes (ResourceType.java), which the ACL APIs
// use; DescribeConfigs numbers its resources differently.
type aclResourceType int8

const (
	aclTopic   aclResourceType = 2
	aclGroup   aclResourceType = 3
	aclCluster aclResourceType = 4
)

// clusterResourceName is the name of the one cluster resource
// (Resource.CLUSTER_NAME).
const clusterResourceName = "kafka-cluster"

// supportedOperations is AclEntry.supportedOperations: the operations each
// resource type has, as a bit field.
var supportedOperations = map[aclResourceType]int32{
	aclTopic: ops(aclRead, aclWrite, aclCreate, aclDescribe, aclDelete, aclAlter,
		aclDescribeConfigs, aclAlterConfigs),
	aclGroup: ops(aclRead, aclDescribe, aclDelete, aclDescribeConfigs, aclAlterConfigs),
	aclCluster: ops(aclCreate, aclClusterAction, aclDescribeConfigs, aclAlterConfigs,
		aclIdempotentWrite, aclAlter, aclDescribe),
}

// ops is the bit field of the given operation codes (Utils.to32BitField).
func ops(codes ...int) int32 {
	var field int32
	for _, c := range codes {
		field |= 1 << c
	}
	return field
}

// authorizedOperationsOmitted is what Kafka sends in the authorized
// operations fields when the client did not ask for them (INT32_MIN).
const authorizedOperationsOmitted = -2147483648

// authorizedOperations is what the client of rc may do to the resource of
// type typ named name: with no authorizer, every operation the type has.
// rc and name are for the authorizer that will choose among them.
func (b *Broker) authorizedOperations(rc *requestContext, typ aclResourceType, name string) int32 {
	return supportedOperations[typ]
}
