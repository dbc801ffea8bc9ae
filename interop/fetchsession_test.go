// Fetch session ids and epochs, sent raw with franz-go's kmsg, answered as
// Kafka's FetchManager answers them when it keeps no session for the
// client: epochs 0 and -1 are full fetches whatever the id, any other
// epoch names a session the broker does not have.
package interop

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

func TestFetchSessionsRaw(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	cl := newClient(t, addr)
	adm := kadm.NewClient(cl)
	createTopic(t, ctx, adm, 1, "sessions")
	produceSync(t, ctx, cl, &kgo.Record{Topic: "sessions", Value: []byte("v")})
	topics, err := adm.ListTopics(ctx, "sessions")
	if err != nil {
		t.Fatal(err)
	}
	topicID := topics["sessions"].ID

	// franz-go sends the newest Fetch both sides know: v17, topics by id;
	// held to Kafka 2.7's versions, v12, topics by name.
	clients := map[string]*kgo.Client{"v17": cl, "v12": newClient(t, addr, kgo.MaxVersions(kversion.V2_7_0()))}
	for name, c := range clients {
		for _, tc := range []struct {
			id, epoch int32
			want      error
		}{
			{0, -1, nil},
			{-1, -1, nil}, // kafka-go's Client.Fetch
			{12345, -1, nil},
			{0, 0, nil},
			{12345, 0, nil},
			{0, 1, kerr.FetchSessionIDNotFound},
			{12345, 7, kerr.FetchSessionIDNotFound},
		} {
			req := kmsg.NewPtrFetchRequest()
			req.ReplicaID = -1
			req.MaxBytes = 1 << 20
			req.SessionID, req.SessionEpoch = tc.id, tc.epoch
			rt := kmsg.NewFetchRequestTopic()
			rt.Topic, rt.TopicID = "sessions", topicID
			rp := kmsg.NewFetchRequestTopicPartition()
			rp.PartitionMaxBytes = 1 << 20
			rt.Partitions = append(rt.Partitions, rp)
			req.Topics = append(req.Topics, rt)
			resp, err := req.RequestWith(ctx, c)
			if err != nil {
				t.Fatalf("%s id %d epoch %d: %v", name, tc.id, tc.epoch, err)
			}
			got := kerr.ErrorForCode(resp.ErrorCode)
			wantTopics := 1
			if tc.want != nil {
				wantTopics = 0
			}
			if got != tc.want || resp.SessionID != 0 || len(resp.Topics) != wantTopics {
				t.Errorf("%s SessionId %d SessionEpoch %d: %v, SessionId %d, %d topics; want %v, 0, %d",
					name, tc.id, tc.epoch, got, resp.SessionID, len(resp.Topics), tc.want, wantTopics)
				continue
			}
			if wantTopics == 1 {
				if p := resp.Topics[0].Partitions[0]; p.ErrorCode != 0 || len(p.RecordBatches) == 0 {
					t.Errorf("%s SessionId %d SessionEpoch %d: error %d, %d record bytes in a full fetch", name, tc.id, tc.epoch, p.ErrorCode, len(p.RecordBatches))
				}
			}
		}
	}
}
