// Tests of the authorizer where it once answered a client differently
// from Apache Kafka 4.0 (KafkaApis, ControllerApis, AuthHelper, AclApis
// and the Authorizer interface's defaults): each fails on the code as it
// was before its fix, and names the Kafka class whose answer it pins.
package kafka

import (
	"testing"
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
