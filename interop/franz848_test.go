package interop

// Tests of KIP-848 consumer groups against franz-go's client, which uses
// ConsumerGroupHeartbeat when given kgo.ServerSideBalancer() with the range
// or a sticky balancer (the broker's "range" or "uniform" assignor), and
// kadm's DescribeConsumerGroups (ConsumerGroupDescribe).

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"kafka"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// serverSide makes a franz-go group member use KIP-848 with the given
// balancer, which names the server-side assignor.
func serverSide(b kgo.GroupBalancer) []kgo.Opt {
	return []kgo.Opt{kgo.ServerSideBalancer(), kgo.Balancers(b)}
}

// settled848 returns nil if the consumer group g is Stable with exactly the
// members ms, which between them are assigned every partition of topic once
// (partitions 0..n-1), each owning (by its own callbacks) just what g says.
func settled848(g kadm.DescribedConsumerGroup, topic string, n int32, ms ...*groupMember) error {
	if g.Err != nil {
		return g.Err
	}
	if g.State != "Stable" || len(g.Members) != len(ms) {
		return fmt.Errorf("state %q with %d members, want Stable with %d", g.State, len(g.Members), len(ms))
	}
	described := make(map[string][]int32)
	var all []int32
	for _, m := range g.Members {
		for tp, ps := range m.Assignment {
			if tp != topic {
				return fmt.Errorf("member %s (%s) assigned topic %s", m.MemberID, m.ClientID, tp)
			}
			for p := range ps {
				described[m.ClientID] = append(described[m.ClientID], p)
				all = append(all, p)
			}
		}
	}
	slices.Sort(all)
	var want []int32
	for p := range n {
		want = append(want, p)
	}
	if !slices.Equal(all, want) {
		return fmt.Errorf("partitions assigned %v, want each of %v once (%v)", all, want, described)
	}
	for _, m := range ms {
		_, owned, _ := m.snapshot()
		d := described[m.name]
		slices.Sort(d)
		if len(d) == 0 || !slices.Equal(owned, d) {
			return fmt.Errorf("%s owns %v, described as assigned %v", m.name, owned, d)
		}
	}
	return nil
}

func describeConsumerGroup(t *testing.T, ctx context.Context, adm *kadm.Client, group string) kadm.DescribedConsumerGroup {
	t.Helper()
	described, err := adm.DescribeConsumerGroups(ctx, group)
	if err != nil {
		t.Fatalf("DescribeConsumerGroups(%s): %v", group, err)
	}
	return described[group]
}

// TestFranz848TwoMembers runs two KIP-848 members over a four-partition
// topic: the first consumes a batch alone, the second joins, and between
// them they consume every record of both batches exactly once. Then both
// leave and a third member, with the other assignor, resumes right after
// their commits.
func TestFranz848TwoMembers(t *testing.T) {
	for _, tc := range []struct {
		name            string
		first, resume   kgo.GroupBalancer
		wantAssignor    string
		resumedAssignor string
	}{
		{"uniform", kgo.CooperativeStickyBalancer(), kgo.RangeBalancer(), "uniform", "range"},
		{"range", kgo.RangeBalancer(), kgo.CooperativeStickyBalancer(), "range", "uniform"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			testFranz848TwoMembers(t, tc.first, tc.resume, tc.wantAssignor, tc.resumedAssignor)
		})
	}
}

func testFranz848TwoMembers(t *testing.T, first, resume kgo.GroupBalancer, wantAssignor, resumedAssignor string) {
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	addr, _ := startBrokerWith(t, t.TempDir(), kafka.Config{ConsumerHeartbeatInterval: 100 * time.Millisecond})
	adm := kadm.NewClient(newClient(t, addr))
	const topic, group, n, parts = "franz-848", "franz-848", 200, 4
	createTopic(t, ctx, adm, parts, topic)

	status := func(ms ...*groupMember) func() string {
		return func() string {
			var b strings.Builder
			for _, m := range ms {
				recs, owned, errs := m.snapshot()
				fmt.Fprintf(&b, "%s: %d records, owns %v, errors %v; ", m.name, len(recs), owned, errs)
			}
			return b.String()
		}
	}

	produced := produceSpread(t, ctx, addr, topic, "first", 0, n, parts)
	a := startMember(t, ctx, addr, group, topic, "member-a", serverSide(first)...)
	waitUntil(t, ctx, "member-a to consume the first batch", func() bool {
		a.checkErrs(t)
		recs, _, _ := a.snapshot()
		return len(recs) >= n
	}, status(a))

	b := startMember(t, ctx, addr, group, topic, "member-b", serverSide(first)...)
	var last kadm.DescribedConsumerGroup
	waitUntil(t, ctx, "both members to own partitions", func() bool {
		a.checkErrs(t)
		b.checkErrs(t)
		last = describeConsumerGroup(t, ctx, adm, group)
		return settled848(last, topic, parts, a, b) == nil
	}, func() string { return fmt.Sprintf("%s group %+v", status(a, b)(), last) })
	if last.AssignorName != wantAssignor || last.Epoch < 2 || last.AssignmentEpoch != last.Epoch {
		t.Errorf("described group: assignor %q, epoch %d, assignment epoch %d; want %s, at least 2, equal", last.AssignorName, last.Epoch, last.AssignmentEpoch, wantAssignor)
	}
	for _, m := range last.Members {
		if !slices.Equal(m.SubscribedTopics, []string{topic}) || m.MemberEpoch != last.Epoch {
			t.Errorf("member %s (%s): subscribed %v at epoch %d", m.MemberID, m.ClientID, m.SubscribedTopics, m.MemberEpoch)
		}
	}

	produced = append(produced, produceSpread(t, ctx, addr, topic, "second", n, n, parts)...)
	waitUntil(t, ctx, "the members to consume both batches", func() bool {
		a.checkErrs(t)
		b.checkErrs(t)
		ar, _, _ := a.snapshot()
		br, _, _ := b.snapshot()
		return len(ar)+len(br) >= 2*n
	}, status(a, b))
	time.Sleep(300 * time.Millisecond) // for any duplicate to show up

	listed, err := adm.ListGroupsByType(ctx, []string{"consumer"})
	if err != nil {
		t.Fatalf("ListGroupsByType: %v", err)
	}
	if l, ok := listed[group]; !ok || l.ProtocolType != "consumer" || l.State != "Stable" {
		t.Errorf("ListGroups of type consumer: %+v (found %v)", l, ok)
	}

	a.halt()
	b.halt()
	ar, _, aerrs := a.snapshot()
	br, _, berrs := b.snapshot()
	for _, err := range append(aerrs, berrs...) {
		t.Errorf("member error: %v", err)
	}
	checkRecs(t, "both members together", append(recsOf(ar), recsOf(br)...), recsOf(produced))
	if len(br) == 0 {
		t.Errorf("member-b consumed nothing")
	}
	for _, r := range br {
		if !strings.HasPrefix(string(r.Key), "second-") {
			t.Errorf("member-b got %v from the first batch, which member-a had consumed and committed", recOf(r))
			break
		}
	}

	// Both leave; the group keeps their commits.
	a.cl.Close()
	b.cl.Close()
	waitUntil(t, ctx, "the group to be empty", func() bool {
		last = describeConsumerGroup(t, ctx, adm, group)
		return last.Err == nil && last.State == "Empty" && len(last.Members) == 0
	}, func() string { return fmt.Sprintf("group %+v", last) })
	checkCommitted(t, ctx, adm, group, topic, map[int32]int64{0: n / 2, 1: n / 2, 2: n / 2, 3: n / 2})

	third := produceSpread(t, ctx, addr, topic, "third", 2*n, n, parts)
	c, _ := groupClient(t, addr, group, topic, append(serverSide(resume), kgo.ClientID("member-c"))...)
	rest := pollN(t, ctx, c, n)
	expectNoMore(t, ctx, c, 500*time.Millisecond)
	checkRecs(t, "a new member resuming", recsOf(rest), recsOf(third))
	if g := describeConsumerGroup(t, ctx, adm, group); g.AssignorName != resumedAssignor || len(g.Members) != 1 {
		t.Errorf("group with the new member: assignor %q, %d members; want %s, 1", g.AssignorName, len(g.Members), resumedAssignor)
	}
}
