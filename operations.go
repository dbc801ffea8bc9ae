// This file holds the answer to "what may this client do here?", which
// Metadata, DescribeCluster, DescribeGroups, ConsumerGroupDescribe and
// ShareGroupDescribe give when a client sets their
// Include...AuthorizedOperations flag (KIP-430).
// It assumes handlers.go, and acls.go for the operations and the
// authorizer.
//
// Place in the book: Part IV, after acls.go and authorize.go.
//
// The answer is a bit field over Kafka's ACL operation codes
// (AclOperation.java): bit n set means the operation with code n is
// allowed. Each resource type has its own set of operations
// (supportedOperations in acls.go, Kafka's AclEntry.supportedOperations).
// A broker without an authorizer allows all of them
// (AuthHelper.authorizedOperations), so it answers the full set:
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
// authorizedOperations), and librdkafka's and confluent-kafka-go's tests
// expect the full set from a broker without ACLs. With the authorizer on,
// the set is the subset the ACLs allow the client. INT32_MIN, the "not
// asked" value, is what a field holds when the client did not set the
// flag.

package kafka

// authorizedOperationsOmitted is what Kafka sends in the authorized
// operations fields when the client did not ask for them (INT32_MIN).
const authorizedOperationsOmitted = -2147483648

// authorizedOperations is what the client of rc may do to the resource of
// type resType named name: every operation the type has when the
// authorizer is off, and what the ACLs allow when it is on.
func (b *Broker) authorizedOperations(rc *requestContext, resType int8, name string) int32 {
	if b.sec != nil && b.sec.cfg.Authorizer {
		return b.sec.authorizedOperations(rc.principal(), rc.hostAddress(), resType, name)
	}
	var bits int32
	for _, op := range supportedOperations[resType] {
		bits |= 1 << op
	}
	return bits
}
