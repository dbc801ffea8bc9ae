package interop

// Tests of the group coordinator as Kafka runs it, with franz-go: KIP-848
// static members and regex subscriptions, group.max.size in both
// protocols, groups that keep consuming across a broker restart without a
// rebalance, and the binary configured by Kafka's setting names.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"kafka"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// partsOf lists the partitions of topic in s, sorted.
func partsOf(s kadm.TopicsSet, topic string) []int32 {
	var ps []int32
	for p := range s[topic] {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

// memberByInstance finds the member of g with the given instance id.
func memberByInstance(g kadm.DescribedConsumerGroup, instance string) *kadm.ConsumerGroupMember {
	for i, m := range g.Members {
		if m.InstanceID != nil && *m.InstanceID == instance {
			return &g.Members[i]
		}
	}
	return nil
}

// heartbeat848 sends one raw ConsumerGroupHeartbeat and returns its error
// code.
func heartbeat848(t *testing.T, ctx context.Context, cl *kgo.Client, group, member, instance string, epoch int32) int16 {
	t.Helper()
	req := kmsg.NewPtrConsumerGroupHeartbeatRequest()
	req.Group, req.MemberID, req.MemberEpoch, req.InstanceID = group, member, epoch, &instance
	if epoch == 0 {
		req.RebalanceTimeoutMillis = 10000
		req.SubscribedTopicNames = []string{"static-848"}
		req.Topics = []kmsg.ConsumerGroupHeartbeatRequestTopic{}
	}
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("ConsumerGroupHeartbeat: %v", err)
	}
	return resp.ErrorCode
}

// TestFranz848StaticMembers: two franz-go members with kgo.InstanceID and
// the server-side balancer share a topic. A member id claiming a live
// instance id is refused (UNRELEASED_INSTANCE_ID to join,
// FENCED_INSTANCE_ID to heartbeat). One member closes, which for a static
// member is a leave with epoch -2: it stays in the group with its
// partitions. A new client with the same instance id takes them back, and
// neither the other member's partitions nor the group epoch move; the
// old member id is fenced from then on.
func TestFranz848StaticMembers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	addr, _ := startBrokerWith(t, t.TempDir(), kafka.Config{ConsumerHeartbeatInterval: 100 * time.Millisecond})
	raw := newClient(t, addr)
	adm := kadm.NewClient(raw)
	const topic, group, parts = "static-848", "static-848", 4
	createTopic(t, ctx, adm, parts, topic)
	produceSpread(t, ctx, addr, topic, "r", 0, 40, parts)

	static := func(name, instance string) *groupMember {
		return startMember(t, ctx, addr, group, topic, name, append(serverSide(kgo.CooperativeStickyBalancer()), kgo.InstanceID(instance))...)
	}
	a, b := static("member-a", "inst-a"), static("member-b", "inst-b")
	var g kadm.DescribedConsumerGroup
	waitUntil(t, ctx, "both static members to own partitions", func() bool {
		a.checkErrs(t)
		b.checkErrs(t)
		g = describeConsumerGroup(t, ctx, adm, group)
		return settled848(g, topic, parts, a, b) == nil
	}, func() string { return fmt.Sprintf("group %+v", g) })
	epoch := g.Epoch
	mb := memberByInstance(g, "inst-b")
	bID, bParts, bEpoch := mb.MemberID, partsOf(mb.Assignment, topic), mb.MemberEpoch
	_, aParts, _ := a.snapshot()

	if code := heartbeat848(t, ctx, raw, group, "imposter", "inst-b", 0); code != kerr.UnreleasedInstanceID.Code {
		t.Errorf("join claiming a live instance id: error %d, want UNRELEASED_INSTANCE_ID", code)
	}
	if code := heartbeat848(t, ctx, raw, group, "imposter", "inst-b", bEpoch); code != kerr.FencedInstanceID.Code {
		t.Errorf("heartbeat claiming a live instance id: error %d, want FENCED_INSTANCE_ID", code)
	}

	b.halt()
	b.cl.Close() // a static member's leave: epoch -2
	waitUntil(t, ctx, "member-b's static leave", func() bool {
		g = describeConsumerGroup(t, ctx, adm, group)
		m := memberByInstance(g, "inst-b")
		return m != nil && m.MemberEpoch == -2
	}, func() string { return fmt.Sprintf("group %+v", g) })
	if m := memberByInstance(g, "inst-b"); !slices.Equal(partsOf(m.Assignment, topic), bParts) || len(g.Members) != 2 {
		t.Fatalf("after the static leave: %+v; want inst-b kept with %v", g, bParts)
	}

	b2 := static("member-b2", "inst-b")
	waitUntil(t, ctx, "the new instance to take inst-b's place", func() bool {
		b2.checkErrs(t)
		g = describeConsumerGroup(t, ctx, adm, group)
		m := memberByInstance(g, "inst-b")
		_, owned, _ := b2.snapshot()
		return m != nil && m.MemberID != bID && m.MemberEpoch == epoch && slices.Equal(owned, bParts)
	}, func() string { return fmt.Sprintf("group %+v", g) })
	if err := settled848(g, topic, parts, a, b2); err != nil {
		t.Errorf("after the rejoin: %v", err)
	}
	if _, owned, _ := a.snapshot(); !slices.Equal(owned, aParts) || g.Epoch != epoch {
		t.Errorf("member-a owns %v at group epoch %d; want %v at %d, untouched", owned, g.Epoch, aParts, epoch)
	}
	if code := heartbeat848(t, ctx, raw, group, bID, "inst-b", bEpoch); code != kerr.FencedInstanceID.Code {
		t.Errorf("the replaced member id: error %d, want FENCED_INSTANCE_ID", code)
	}
}

// TestFranz848RegexNewTopic: a franz-go consumer subscribing by regex
// under KIP-848 sends SubscribedTopicRegex; the broker resolves it, and a
// topic created later that matches is assigned and consumed, while one
// that does not match is not.
func TestFranz848RegexNewTopic(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	addr, _ := startBrokerWith(t, t.TempDir(), kafka.Config{ConsumerHeartbeatInterval: 100 * time.Millisecond})
	adm := kadm.NewClient(newClient(t, addr))
	createTopic(t, ctx, adm, 2, "events-a")
	createTopic(t, ctx, adm, 1, "other")
	produceSpread(t, ctx, addr, "events-a", "a", 0, 10, 2)
	produceSpread(t, ctx, addr, "other", "o", 0, 5, 1)

	cl, _ := groupClient(t, addr, "regex-848", "events-.*", append(serverSide(kgo.CooperativeStickyBalancer()),
		kgo.ConsumeRegex(), kgo.MetadataMinAge(100*time.Millisecond), kgo.MetadataMaxAge(500*time.Millisecond))...)
	got := pollN(t, ctx, cl, 10)
	g := describeConsumerGroup(t, ctx, adm, "regex-848")
	if len(g.Members) != 1 || g.Members[0].SubscribedTopicRegex == nil {
		t.Fatalf("described group %+v: want one member subscribed by regex", g)
	}

	createTopic(t, ctx, adm, 1, "events-b")
	produceSpread(t, ctx, addr, "events-b", "b", 0, 5, 1)
	got = append(got, pollN(t, ctx, cl, 5)...)
	topics := map[string]int{}
	for _, r := range got {
		topics[r.Topic]++
	}
	if topics["events-a"] != 10 || topics["events-b"] != 5 || topics["other"] != 0 {
		t.Errorf("consumed by topic %v; want 10 of events-a, 5 of events-b, none of other", topics)
	}
	g = describeConsumerGroup(t, ctx, adm, "regex-848")
	if len(g.Members) != 1 || len(partsOf(g.Members[0].Assignment, "events-b")) != 1 {
		t.Errorf("events-b is not in the assignment: %+v", g)
	}
}

// groupSizeErr polls cl until a fetch error that is GROUP_MAX_SIZE_REACHED,
// failing the test if ctx ends first or records arrive.
func groupSizeErr(t *testing.T, ctx context.Context, cl *kgo.Client) {
	t.Helper()
	for ctx.Err() == nil {
		fs := cl.PollFetches(ctx)
		if n := fs.NumRecords(); n > 0 {
			t.Fatalf("the member past group.max.size consumed %d records", n)
		}
		for _, e := range fs.Errors() {
			if errors.Is(e.Err, kerr.GroupMaxSizeReached) {
				return
			}
		}
	}
	t.Fatal("no GROUP_MAX_SIZE_REACHED before the deadline")
}

// TestGroupMaxSize: with group.max.size=2 (classic) and
// group.consumer.max.size=2 (KIP-848), a third franz-go member gets
// GROUP_MAX_SIZE_REACHED and the two members keep their partitions.
func TestGroupMaxSize(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []kgo.Opt
	}{
		{"classic", []kgo.Opt{kgo.Balancers(kgo.CooperativeStickyBalancer())}},
		{"consumer", serverSide(kgo.CooperativeStickyBalancer())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			addr, _ := startBrokerWith(t, t.TempDir(), kafka.Config{GroupMaxSize: 2, ConsumerGroupMaxSize: 2, ConsumerHeartbeatInterval: 100 * time.Millisecond})
			adm := kadm.NewClient(newClient(t, addr))
			const topic, group = "max-size", "max-size"
			createTopic(t, ctx, adm, 4, topic)
			a := startMember(t, ctx, addr, group, topic, "member-a", tc.opts...)
			b := startMember(t, ctx, addr, group, topic, "member-b", tc.opts...)
			waitUntil(t, ctx, "two members to own partitions", func() bool {
				a.checkErrs(t)
				b.checkErrs(t)
				_, ao, _ := a.snapshot()
				_, bo, _ := b.snapshot()
				return len(ao) == 2 && len(bo) == 2
			}, func() string { return "" })
			c, _ := groupClient(t, addr, group, topic, append(tc.opts, kgo.ClientID("member-c"))...)
			groupSizeErr(t, ctx, c)
			_, ao, _ := a.snapshot()
			_, bo, _ := b.snapshot()
			if len(ao) != 2 || len(bo) != 2 {
				t.Errorf("after the refused member: a owns %v, b owns %v", ao, bo)
			}
		})
	}
}

// startBrokerAt is startBrokerWith on a given address, for a restart where
// clients must find the broker where it was.
func startBrokerAt(t *testing.T, dir, addr string, cfg kafka.Config) (stop func()) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the old listener's port may take a moment to free
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listen on %s again: %v", addr, err)
	}
	cfg.DataDir = dir
	cfg.Logger = startLogger(t)
	b, err := kafka.Open(cfg)
	if err != nil {
		t.Fatalf("kafka.Open(%s): %v", dir, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()
	stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	t.Cleanup(stop)
	return stop
}

// TestGroupKeepsConsumingAcrossRestart: a franz-go consumer in a classic
// group, and one in a KIP-848 group, consume, the broker stops and starts
// again on the same data dir and address, and they consume what is
// produced next with the same member id and generation (or epoch), and
// without their partitions being revoked, lost or assigned again: the
// group's state came back from __consumer_offsets.
func TestGroupKeepsConsumingAcrossRestart(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []kgo.Opt
	}{
		{"classic", []kgo.Opt{kgo.Balancers(kgo.CooperativeStickyBalancer())}},
		{"consumer", serverSide(kgo.CooperativeStickyBalancer())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			dir := t.TempDir()
			cfg := kafka.Config{ConsumerHeartbeatInterval: 200 * time.Millisecond}
			addr, stop := startBrokerWith(t, dir, cfg)
			adm := kadm.NewClient(newClient(t, addr))
			const topic, group = "restart", "restart"
			createTopic(t, ctx, adm, 2, topic)
			produceSpread(t, ctx, addr, topic, "before", 0, 20, 2)

			var assigned, revoked atomic.Int32
			cl, _ := groupClient(t, addr, group, topic, append(tc.opts,
				kgo.OnPartitionsAssigned(func(context.Context, *kgo.Client, map[string][]int32) { assigned.Add(1) }),
				kgo.OnPartitionsRevoked(func(context.Context, *kgo.Client, map[string][]int32) { revoked.Add(1) }),
				kgo.OnPartitionsLost(func(context.Context, *kgo.Client, map[string][]int32) { revoked.Add(1) }),
			)...)
			pollN(t, ctx, cl, 20)
			if err := cl.CommitUncommittedOffsets(ctx); err != nil {
				t.Fatalf("commit: %v", err)
			}
			member, gen := cl.GroupMetadata()
			nAssigned := assigned.Load()

			stop()
			adm.Close()
			startBrokerAt(t, dir, addr, cfg)
			produceSpread(t, ctx, addr, topic, "after", 20, 20, 2)
			got := pollN(t, ctx, cl, 20)
			for _, r := range got {
				if !strings.HasPrefix(string(r.Key), "after-") {
					t.Fatalf("after the restart the consumer read %s again", r.Key)
				}
			}
			time.Sleep(time.Second) // some heartbeats on the restarted broker
			if m, g := cl.GroupMetadata(); m != member || g != gen {
				t.Errorf("after the restart: member %s generation %d; want %s %d, unchanged", m, g, member, gen)
			}
			if assigned.Load() != nAssigned || revoked.Load() != 0 {
				t.Errorf("assigned %d times (was %d), revoked or lost %d times: a rebalance", assigned.Load(), nAssigned, revoked.Load())
			}
		})
	}
}

// startChildArgs runs the broker binary with args and waits for it to
// listen, as startChild does.
func startChildArgs(t *testing.T, bin string, args ...string) *childBroker {
	t.Helper()
	return startChildCmd(t, exec.Command(bin, args...))
}

// TestBinarySettings starts the binary with settings by Kafka's names,
// once with -c and once with -config, and checks what a client sees of
// them: DescribeConfigs for the broker, with each setting's source, and a
// session timeout below Kafka's minimum accepted. A bad setting stops the
// start with a message that names it.
func TestBinarySettings(t *testing.T) {
	bin := buildBroker(t)
	props := filepath.Join(t.TempDir(), "server.properties")
	err := os.WriteFile(props, []byte(`# as Kafka's own file has it
process.roles=broker,controller
controller.quorum.bootstrap.servers=localhost:9093
offsets.topic.replication.factor=1
log.retention.hours=168
listeners=PLAINTEXT://127.0.0.1:0
group.min.session.timeout.ms : 100
group.max.size \
    = 5
`), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"-c", []string{"-addr", "127.0.0.1:0", "-c", "group.min.session.timeout.ms=100", "-c", "group.max.size=5", "-c", "zookeeper.connect=zk:2181"}},
		{"-config", []string{"-config", props}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			b := startChildArgs(t, bin, append(tc.args, "-data", t.TempDir())...)
			adm := kadm.NewClient(newClient(t, b.addr))
			rcs, err := adm.DescribeBrokerConfigs(ctx, 0)
			if err != nil || len(rcs) != 1 || rcs[0].Err != nil {
				t.Fatalf("DescribeBrokerConfigs: %v %+v", err, rcs)
			}
			got := map[string]string{}
			for _, c := range rcs[0].Configs {
				got[c.Key] = c.MaybeValue() + " " + c.Source.String()
			}
			for key, want := range map[string]string{
				"group.min.session.timeout.ms": "100 STATIC_BROKER_CONFIG",
				"group.max.size":               "5 STATIC_BROKER_CONFIG",
				"group.max.session.timeout.ms": "1800000 DEFAULT_CONFIG",
				"group.consumer.max.size":      "2147483647 DEFAULT_CONFIG",
			} {
				if got[key] != want {
					t.Errorf("%s = %q, want %q", key, got[key], want)
				}
			}
			// A 200ms session, under Kafka's default minimum of 6s.
			admc := kadm.NewClient(newClient(t, b.addr))
			createTopic(t, ctx, admc, 1, "settings")
			cl, _ := groupClient(t, b.addr, "settings", "settings", kgo.SessionTimeout(200*time.Millisecond), kgo.HeartbeatInterval(50*time.Millisecond))
			produceSpread(t, ctx, b.addr, "settings", "s", 0, 3, 1)
			pollN(t, ctx, cl, 3)
			if strings.Contains(b.log(), "ERROR") {
				t.Errorf("broker log has errors:\n%s", b.log())
			}
			if tc.name == "-config" && !strings.Contains(b.log(), "name=process.roles") {
				t.Errorf("the ignored process.roles was not logged:\n%s", b.log())
			}
		})
	}

	out, err := exec.Command(bin, "-addr", "127.0.0.1:0", "-data", t.TempDir(), "-c", "group.max.sise=5").CombinedOutput()
	if err == nil || !strings.Contains(string(out), `"group.max.sise"`) {
		t.Errorf("an unknown setting: %v, output %q; want a failed start naming it", err, out)
	}
	out, err = exec.Command(bin, "-addr", "127.0.0.1:0", "-data", t.TempDir(), "-c", "group.max.size=none").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "group.max.size") {
		t.Errorf("a bad value: %v, output %q; want a failed start naming it", err, out)
	}
}
