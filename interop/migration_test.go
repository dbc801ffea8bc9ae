package interop

// A rolling upgrade of franz-go consumers from the classic protocol to
// KIP-848 and back, one member at a time, while records keep coming
// (the broker's migration.go, Kafka's group.consumer.migration.policy).

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"kafka"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestFranzMigrationRolling: three classic franz-go members (client-side
// cooperative-sticky) of one group are replaced one by one by KIP-848
// members (server-side uniform), a batch of records produced before each
// step, and then replaced one by one by classic members again. The first
// KIP-848 member upgrades the group, the classic members left take their
// partitions from the broker's assignment, and the last KIP-848 member to
// leave downgrades it. Every record is consumed, none more than once, since
// each member commits every poll before it may rebalance.
func TestFranzMigrationRolling(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	addr, _ := startBrokerWith(t, t.TempDir(), kafka.Config{ConsumerHeartbeatInterval: 100 * time.Millisecond})
	adm := kadm.NewClient(newClient(t, addr))
	const topic, group, parts, batch = "migration", "migration", 6, 60
	createTopic(t, ctx, adm, parts, topic)
	classic := []kgo.Opt{kgo.Balancers(kgo.CooperativeStickyBalancer())}
	consumer := serverSide(kgo.CooperativeStickyBalancer())

	var all, live []*groupMember
	var produced []*kgo.Record
	status := func() string {
		var b strings.Builder
		for _, m := range live {
			recs, owned, errs := m.snapshot()
			fmt.Fprintf(&b, "%s: %d records, owns %v, errors %v; ", m.name, len(recs), owned, errs)
		}
		return b.String()
	}
	consumed := func() int {
		n := 0
		for _, m := range all {
			recs, _, _ := m.snapshot()
			n += len(recs)
		}
		return n
	}
	start := func(name string, opts []kgo.Opt) {
		m := startMember(t, ctx, addr, group, topic, name, opts...)
		all, live = append(all, m), append(live, m)
	}
	// step produces a batch and waits until it is consumed and every live
	// member owns partitions again.
	step := func(what string) {
		t.Helper()
		produced = append(produced, produceSpread(t, ctx, addr, topic, what, len(produced), batch, parts)...)
		waitUntil(t, ctx, what, func() bool {
			for _, m := range live {
				m.checkErrs(t)
				if _, owned, _ := m.snapshot(); len(owned) == 0 {
					return false
				}
			}
			return consumed() >= len(produced)
		}, status)
	}
	// replace stops the oldest live member, which leaves the group, and
	// starts name in its place.
	replace := func(name string, opts []kgo.Opt) {
		t.Helper()
		old := live[0]
		old.halt()
		old.cl.Close()
		live = live[1:]
		start(name, opts)
		step(name)
	}

	for _, name := range []string{"classic-1", "classic-2", "classic-3"} {
		start(name, classic)
	}
	step("classic")
	replace("kip848-1", consumer)
	g := describeConsumerGroup(t, ctx, adm, group)
	types := map[int8]int{}
	for _, m := range g.Members {
		types[m.MemberType]++
	}
	if g.Err != nil || types[0] != 2 || types[1] != 1 {
		t.Errorf("after the upgrade: %v, member types %v; want 2 classic and 1 consumer", g.Err, types)
	}
	replace("kip848-2", consumer)
	replace("kip848-3", consumer)
	replace("classic-4", classic)
	replace("classic-5", classic)
	replace("classic-6", classic) // kip848-3 leaves last: the group turns classic

	described, err := adm.DescribeGroups(ctx, group)
	if err != nil {
		t.Fatalf("DescribeGroups: %v", err)
	}
	if d := described[group]; d.Err != nil || d.ProtocolType != "consumer" || len(d.Members) != 3 {
		t.Errorf("after the downgrade: %+v; want a classic group of 3 members", d)
	}
	time.Sleep(300 * time.Millisecond) // for any duplicate to show up
	var got []rec
	for _, m := range all {
		m.halt()
		recs, _, errs := m.snapshot()
		for _, err := range errs {
			t.Errorf("%s: %v", m.name, err)
		}
		got = append(got, recsOf(recs)...)
	}
	checkRecs(t, "every member together", got, recsOf(produced))
}
