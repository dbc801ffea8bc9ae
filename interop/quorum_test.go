// The KRaft quorum APIs (quorum.go) through franz-go's kmsg, which
// decodes them from Kafka's schemas independently of the broker, at the
// versions franz-go negotiates from ApiVersions: what
// kafka-metadata-quorum.sh describe and Admin.describeMetadataQuorum
// read, and the answers to unregistering a broker and to changing the
// voters of a static quorum.
package interop

import (
	"context"
	"errors"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestKmsgDescribeQuorum(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	cl := newClient(t, addr)

	req := kmsg.NewPtrDescribeQuorumRequest()
	topic := kmsg.NewDescribeQuorumRequestTopic()
	topic.Topic = "__cluster_metadata"
	topic.Partitions = []kmsg.DescribeQuorumRequestTopicPartition{kmsg.NewDescribeQuorumRequestTopicPartition()}
	req.Topics = append(req.Topics, topic)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	// Admin.describeMetadataQuorum (KafkaAdminClient) insists on exactly
	// this shape before it reads anything.
	if resp.Version != 2 || resp.ErrorCode != 0 || len(resp.Topics) != 1 || resp.Topics[0].Topic != "__cluster_metadata" ||
		len(resp.Topics[0].Partitions) != 1 || resp.Topics[0].Partitions[0].Partition != 0 {
		t.Fatalf("DescribeQuorum v%d: %+v", resp.Version, resp)
	}
	p := resp.Topics[0].Partitions[0]
	if p.ErrorCode != 0 || p.LeaderID != 0 || p.LeaderEpoch != 1 || p.HighWatermark != 1 || len(p.Observers) != 0 || len(p.CurrentVoters) != 1 {
		t.Fatalf("partition: %+v", p)
	}
	if v := p.CurrentVoters[0]; v.ReplicaID != 0 || v.LogEndOffset != p.HighWatermark || v.LastFetchTimestamp <= 0 || v.ReplicaDirectoryID != [16]byte{} {
		t.Errorf("voter: %+v", v)
	}
	host, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	if len(resp.Nodes) != 1 || resp.Nodes[0].NodeID != 0 || len(resp.Nodes[0].Listeners) != 1 {
		t.Fatalf("nodes: %+v", resp.Nodes)
	}
	if l := resp.Nodes[0].Listeners[0]; l.Name != "PLAINTEXT" || l.Host != host || int(l.Port) != port {
		t.Errorf("voter endpoint %s://%s:%d, want PLAINTEXT://%s", l.Name, l.Host, l.Port, addr)
	}
}

func TestKmsgVoterChangesAndUnregister(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	cl := newClient(t, addr)

	unregister := kmsg.NewPtrUnregisterBrokerRequest()
	unregister.BrokerID = 5
	uresp, err := unregister.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if err := kerr.ErrorForCode(uresp.ErrorCode); !errors.Is(err, kerr.BrokerIDNotRegistered) {
		t.Errorf("UnregisterBroker 5: %v, want BROKER_ID_NOT_REGISTERED", err)
	}

	add := kmsg.NewPtrAddRaftVoterRequest()
	add.VoterID, add.VoterDirectoryID = 1, [16]byte{7}
	l := kmsg.NewAddRaftVoterRequestListener()
	l.Name, l.Host, l.Port = "PLAINTEXT", "localhost", 9093
	add.Listeners = append(add.Listeners, l)
	aresp, err := add.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if err := kerr.ErrorForCode(aresp.ErrorCode); !errors.Is(err, kerr.UnsupportedVersion) || aresp.ErrorMessage == nil ||
		*aresp.ErrorMessage != "Cluster doesn't support adding voter because the kraft.version feature is 0" {
		t.Errorf("AddRaftVoter: %v %v", err, aresp.ErrorMessage)
	}

	remove := kmsg.NewPtrRemoveRaftVoterRequest()
	remove.VoterID, remove.VoterDirectoryID = 0, [16]byte{7}
	rresp, err := remove.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if err := kerr.ErrorForCode(rresp.ErrorCode); !errors.Is(err, kerr.UnsupportedVersion) {
		t.Errorf("RemoveRaftVoter: %v", err)
	}
}
