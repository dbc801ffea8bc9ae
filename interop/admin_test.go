// The partition admin and quota APIs (cluster.go, quotas.go) through
// franz-go's kadm, the admin client behind many Go tools: leader epochs,
// log dirs, elections, reassignments, producers, features, config
// resources, DescribeTopicPartitions paging, and client quotas, including
// a producer held to its producer_byte_rate.
package interop

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"kafka"
)

func TestKadmPartitionAdmin(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	addr, _ := startBroker(t, dir)
	cl := newClient(t, addr)
	adm := kadm.NewClient(cl)
	createTopic(t, ctx, adm, 2, "admin")
	var rs []*kgo.Record
	for i := range 10 {
		rs = append(rs, &kgo.Record{Topic: "admin", Partition: 0, Value: []byte(strings.Repeat("v", 100+i))})
	}
	// One idempotent producer (franz-go's default) writes partition 0.
	produceSync(t, ctx, newClient(t, addr, kgo.RecordPartitioner(kgo.ManualPartitioner())), rs...)

	t.Run("OffsetForLeaderEpoch", func(t *testing.T) {
		var req kadm.OffsetForLeaderEpochRequest
		req.Add("admin", 0, 0)
		req.Add("admin", 1, 0)
		got, err := adm.OffsetForLeaderEpoch(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		for p, wantEnd := range map[int32]int64{0: 10, 1: 0} {
			o := got["admin"][p]
			if o.Err != nil || o.LeaderEpoch != 0 || o.EndOffset != wantEnd {
				t.Errorf("partition %d: epoch %d end %d err %v; want epoch 0 end %d", p, o.LeaderEpoch, o.EndOffset, o.Err, wantEnd)
			}
		}
	})

	t.Run("DescribeLogDirs", func(t *testing.T) {
		all, err := adm.DescribeAllLogDirs(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		// The size is that of the partition's segment files.
		segs, _ := filepath.Glob(filepath.Join(dir, "admin-0", "*.log"))
		var onDisk int64
		for _, seg := range segs {
			if fi, err := os.Stat(seg); err == nil {
				onDisk += fi.Size()
			}
		}
		var size int64 = -1
		for _, dirs := range all {
			for _, d := range dirs {
				if d.Err != nil || d.TotalBytes <= 0 {
					t.Errorf("dir %s: err %v, total %d", d.Dir, d.Err, d.TotalBytes)
				}
				if p, ok := d.Topics["admin"][0]; ok {
					size = p.Size
				}
			}
		}
		if size <= 0 || size != onDisk {
			t.Errorf("partition 0 size %d bytes, want the %d bytes of its segments", size, onDisk)
		}
	})

	t.Run("AlterReplicaLogDirs", func(t *testing.T) {
		var req kadm.AlterReplicaLogDirsReq
		req.Add("/not/a/log/dir", kadm.TopicsSet{"admin": {0: {}}})
		got, err := adm.AlterAllReplicaLogDirs(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		got.Each(func(r kadm.AlterReplicaLogDirsResponse) {
			n++
			if !errors.Is(r.Err, kerr.LogDirNotFound) {
				t.Errorf("%s[%d] to another dir: %v, want LOG_DIR_NOT_FOUND", r.Topic, r.Partition, r.Err)
			}
		})
		if n != 1 {
			t.Errorf("%d results, want 1", n)
		}
	})

	t.Run("ElectLeaders", func(t *testing.T) {
		got, err := adm.ElectLeaders(ctx, kadm.ElectPreferredReplica, kadm.TopicsSet{"admin": {0: {}, 1: {}}})
		if err != nil {
			t.Fatal(err)
		}
		for p := range int32(2) {
			if r := got["admin"][p]; !errors.Is(r.Err, kerr.ElectionNotNeeded) {
				t.Errorf("partition %d: %v, want ELECTION_NOT_NEEDED", p, r.Err)
			}
		}
	})

	t.Run("Reassignments", func(t *testing.T) {
		var req kadm.AlterPartitionAssignmentsReq
		req.Assign("admin", 0, []int32{0})
		req.Assign("admin", 1, []int32{1})
		got, err := adm.AlterPartitionAssignments(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if r := got["admin"][0]; r.Err != nil {
			t.Errorf("to this broker: %v %s", r.Err, r.ErrMessage)
		}
		if r := got["admin"][1]; !errors.Is(r.Err, kerr.InvalidReplicaAssignment) {
			t.Errorf("to broker 1: %v, want INVALID_REPLICA_ASSIGNMENT", r.Err)
		}
		listed, err := adm.ListPartitionReassignments(ctx, nil)
		if err != nil || len(listed) != 0 {
			t.Errorf("ListPartitionReassignments: %v, %v; want none", listed, err)
		}
	})

	t.Run("DescribeProducers", func(t *testing.T) {
		got, err := adm.DescribeProducers(ctx, kadm.TopicsSet{"admin": {0: {}}})
		if err != nil {
			t.Fatal(err)
		}
		p := got["admin"].Partitions[0]
		if p.Err != nil || len(p.ActiveProducers) != 1 {
			t.Fatalf("partition 0: err %v, %d producers; want 1", p.Err, len(p.ActiveProducers))
		}
		for _, a := range p.ActiveProducers {
			if a.LastSequence != 9 || a.CurrentTxnStartOffset != -1 || a.LastTimestamp <= 0 {
				t.Errorf("producer %+v: want last sequence 9, no transaction", a)
			}
		}
	})

	t.Run("UpdateFeatures", func(t *testing.T) {
		// transaction.version is served from 0 to 2 and finalized at 2,
		// group.version from 0 to 1 and finalized at 1, metadata.version
		// at 25 alone; no other feature is served above 0.
		for _, tc := range []struct {
			feature string
			level   int16
			want    error
		}{
			{"transaction.version", 2, nil}, {"transaction.version", 3, kerr.InvalidUpdateVersion},
			{"group.version", 1, nil}, {"group.version", 2, kerr.InvalidUpdateVersion},
			{"metadata.version", 25, nil}, {"metadata.version", 26, kerr.InvalidUpdateVersion},
			{"eligible.leader.replicas.version", 1, kerr.InvalidUpdateVersion},
		} {
			got, err := adm.UpdateFeatures(ctx, false, kadm.FeatureUpdate{Feature: tc.feature, MaxVersionLevel: tc.level, UpgradeType: 1})
			if err == nil {
				err = got.Error()
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("UpdateFeatures of %s to level %d: %v, want %v", tc.feature, tc.level, err, tc.want)
			}
		}
	})

	t.Run("ListConfigResources", func(t *testing.T) {
		got, err := adm.ListConfigResources(ctx, kadm.ConfigResourceTopic)
		if err != nil {
			t.Fatal(err)
		}
		if names := got.Names(); !contains(names, "admin") {
			t.Errorf("topics with configs %v, want admin among them", names)
		}
	})

	t.Run("DescribeTopicPartitions", func(t *testing.T) {
		createTopic(t, ctx, adm, 5, "wide")
		req := kmsg.NewPtrDescribeTopicPartitionsRequest()
		req.ResponsePartitionLimit = 2
		rt := kmsg.NewDescribeTopicPartitionsRequestTopic()
		rt.Topic = "wide"
		req.Topics = append(req.Topics, rt)
		var parts []int32
		for range 5 {
			resp, err := req.RequestWith(ctx, cl)
			if err != nil {
				t.Fatal(err)
			}
			for _, topic := range resp.Topics {
				for _, p := range topic.Partitions {
					parts = append(parts, p.Partition)
				}
			}
			if resp.NextCursor == nil {
				break
			}
			req.Cursor = &kmsg.DescribeTopicPartitionsRequestCursor{Topic: resp.NextCursor.Topic, Partition: resp.NextCursor.Partition}
		}
		if len(parts) != 5 || parts[4] != 4 {
			t.Errorf("paged partitions %v, want 0-4", parts)
		}
	})
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestKadmClientQuotas(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dir := t.TempDir()
	addr, stop := startBroker(t, dir)
	adm := kadm.NewClient(newClient(t, addr))
	app, alice := "app", "alice"
	altered, err := adm.AlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{
		{Entity: kadm.ClientQuotaEntity{{Type: "client-id", Name: &app}}, Ops: []kadm.AlterClientQuotaOp{{Key: "producer_byte_rate", Value: 1 << 20}}},
		{Entity: kadm.ClientQuotaEntity{{Type: "user", Name: &alice}, {Type: "client-id"}}, Ops: []kadm.AlterClientQuotaOp{{Key: "request_percentage", Value: 25.5}}},
		{Entity: kadm.ClientQuotaEntity{{Type: "user", Name: &alice}}, Ops: []kadm.AlterClientQuotaOp{{Key: "no_such_quota", Value: 1}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if altered[0].Err != nil || altered[1].Err != nil || !errors.Is(altered[2].Err, kerr.InvalidRequest) {
		t.Fatalf("alter results %+v", altered)
	}
	// The quotas survive a restart of the broker.
	stop()
	addr, _ = startBroker(t, dir)
	adm = kadm.NewClient(newClient(t, addr))
	described, err := adm.DescribeClientQuotas(ctx, false, []kadm.DescribeClientQuotaComponent{{Type: "user", MatchName: &alice, MatchType: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if len(described) != 1 || len(described[0].Values) != 1 || described[0].Values[0].Key != "request_percentage" || described[0].Values[0].Value != 25.5 {
		t.Errorf("user alice after a restart: %+v", described)
	}
	all, err := adm.DescribeClientQuotas(ctx, false, nil)
	if err != nil || len(all) != 2 {
		t.Errorf("every quota: %+v, %v; want 2 entities", all, err)
	}
}

// TestFranzProducerHeldToQuota: a franz-go producer under a low
// producer_byte_rate is sent throttle times and, paced by them and by
// the muted connection, produces at about the quota.
func TestFranzProducerHeldToQuota(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Short windows keep the test short: the rate is measured over at
	// least one 500ms window, not Kafka's ten 1s windows.
	addr, _ := startBrokerWith(t, t.TempDir(), kafka.Config{QuotaWindowNum: 2, QuotaWindowSize: 500 * time.Millisecond})
	adm := kadm.NewClient(newClient(t, addr))
	createTopic(t, ctx, adm, 1, "slow")
	const quota = 100 << 10 // bytes per second
	id := "slow-producer"
	if res, err := adm.AlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{{
		Entity: kadm.ClientQuotaEntity{{Type: "client-id", Name: &id}},
		Ops:    []kadm.AlterClientQuotaOp{{Key: "producer_byte_rate", Value: quota}},
	}}); err != nil || res[0].Err != nil {
		t.Fatalf("AlterClientQuotas: %v %+v", err, res)
	}

	var throttles atomic.Int64
	cl := newClient(t, addr, kgo.ClientID(id), kgo.ProducerBatchMaxBytes(16<<10), kgo.ProducerLinger(0),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.WithHooks(throttleHook{&throttles}))
	const n, size = 300, 1024
	start := time.Now()
	var failed atomic.Int64
	for range n {
		cl.Produce(ctx, &kgo.Record{Topic: "slow", Value: make([]byte, size)}, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.Add(1)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	rate := float64(n*size) / elapsed.Seconds()
	t.Logf("%d bytes in %v: %.0f B/s against a quota of %d B/s, %d throttles", n*size, elapsed, rate, quota, throttles.Load())
	if failed.Load() > 0 {
		t.Errorf("%d records failed", failed.Load())
	}
	if throttles.Load() == 0 {
		t.Error("the producer was never told of a throttle")
	}
	// Generous: the first window's worth goes out at once, and the band
	// allows for a slow machine.
	if rate > 2*quota || rate < quota/4 {
		t.Errorf("produced at %.0f B/s, want near the quota of %d B/s", rate, quota)
	}
}

// throttleHook counts the throttle times brokers send.
type throttleHook struct{ n *atomic.Int64 }

func (h throttleHook) OnBrokerThrottle(_ kgo.BrokerMetadata, d time.Duration, _ bool) {
	if d > 0 {
		h.n.Add(1)
	}
}
