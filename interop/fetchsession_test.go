// Fetch sessions (KIP-227) from franz-go: raw session ids and epochs sent
// with kmsg, answered as Kafka's FetchManager answers them for sessions the
// broker does not have (epochs 0 and -1 are full fetches whatever the id,
// and 0 opens a session; any other epoch names a session that is not
// there), and a franz-go consumer of hundreds of partitions, which fetches
// through a session.
package interop

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
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
			id, epoch   int32
			want        error
			wantSession bool
		}{
			{0, -1, nil, false},
			{-1, -1, nil, false}, // kafka-go's Client.Fetch
			{12345, -1, nil, false},
			{0, 0, nil, true},
			{12345, 0, nil, true},
			{0, 1, kerr.FetchSessionIDNotFound, false},
			{12345, 7, kerr.FetchSessionIDNotFound, false},
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
			if got != tc.want || (resp.SessionID != 0) != tc.wantSession || len(resp.Topics) != wantTopics {
				t.Errorf("%s SessionId %d SessionEpoch %d: %v, SessionId %d, %d topics; want %v, a session %v, %d topics",
					name, tc.id, tc.epoch, got, resp.SessionID, len(resp.Topics), tc.want, tc.wantSession, wantTopics)
				continue
			}
			if tc.wantSession {
				// The record consumed and nothing new since: the
				// session's next fetch, which moves the offset past the
				// record, answers no partition.
				inc := kmsg.NewPtrFetchRequest()
				inc.ReplicaID, inc.MaxBytes = -1, 1<<20
				inc.SessionID, inc.SessionEpoch = resp.SessionID, 1
				moved := rt
				moved.Partitions = []kmsg.FetchRequestTopicPartition{rp}
				moved.Partitions[0].FetchOffset = 1
				inc.Topics = []kmsg.FetchRequestTopic{moved}
				iresp, err := inc.RequestWith(ctx, c)
				if err != nil || iresp.ErrorCode != 0 || iresp.SessionID != resp.SessionID || len(iresp.Topics) != 0 {
					t.Errorf("%s: incremental fetch of session %d: %v, %+v; want no error, the session, no topics", name, resp.SessionID, err, iresp)
				}
			}
			if wantTopics == 1 {
				if p := resp.Topics[0].Partitions[0]; p.ErrorCode != 0 || len(p.RecordBatches) == 0 {
					t.Errorf("%s SessionId %d SessionEpoch %d: error %d, %d record bytes in a full fetch", name, tc.id, tc.epoch, p.ErrorCode, len(p.RecordBatches))
				}
			}
		}
	}
}

// TestFranzFetchSessionManyPartitions consumes a topic of 300 partitions
// with franz-go, which opens a fetch session and then fetches
// incrementally: every record of a first round arrives, the broker's
// metrics show one session holding all 300 partitions, and a second round
// written to a few partitions arrives too, through incremental fetches
// that carry only those partitions.
func TestFranzFetchSessionManyPartitions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, addr, web := startObservedBroker(t)
	const partitions = 300
	adm := kadm.NewClient(newClient(t, addr))
	createTopic(t, ctx, adm, partitions, "wide")
	p := newClient(t, addr, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	produceRound := func(round int, every int32) map[string]bool {
		var rs []*kgo.Record
		want := map[string]bool{}
		for part := int32(0); part < partitions; part += every {
			v := fmt.Sprintf("r%d-p%d", round, part)
			rs = append(rs, &kgo.Record{Topic: "wide", Partition: part, Value: []byte(v)})
			want[v] = true
		}
		produceSync(t, ctx, p, rs...)
		return want
	}
	c := newClient(t, addr, kgo.ConsumeTopics("wide"), kgo.FetchMaxWait(100*time.Millisecond))
	consume := func(want map[string]bool) {
		t.Helper()
		for len(want) > 0 {
			fs := c.PollFetches(ctx)
			if err := ctx.Err(); err != nil {
				t.Fatalf("%d records missing: %v", len(want), err)
			}
			fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s/%d: %v", topic, p, err) })
			fs.EachRecord(func(r *kgo.Record) {
				if want := fmt.Sprintf("-p%d", r.Partition); !strings.HasSuffix(string(r.Value), want) {
					t.Errorf("record %q from partition %d", r.Value, r.Partition)
				}
				delete(want, string(r.Value))
			})
		}
	}
	consume(produceRound(1, 1))
	if n := scrapeMetric(t, web, "kafka_server_fetchsessioncache_numincrementalfetchsessions"); n != 1 {
		t.Errorf("%v fetch sessions, want franz-go's one", n)
	}
	if n := scrapeMetric(t, web, "kafka_server_fetchsessioncache_numincrementalfetchpartitionscached"); n != partitions {
		t.Errorf("%v partitions in fetch sessions, want %d", n, partitions)
	}
	consume(produceRound(2, 7))
	if n := scrapeMetric(t, web, "kafka_server_fetchsessioncache_numincrementalfetchsessions"); n != 1 {
		t.Errorf("after round 2: %v fetch sessions, want the same one", n)
	}
}

// scrapeMetric reads one unlabelled sample from the broker's /metrics.
func scrapeMetric(t *testing.T, web, name string) float64 {
	t.Helper()
	resp, err := http.Get(web + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return f
		}
	}
	t.Fatalf("%s not in /metrics", name)
	return 0
}
