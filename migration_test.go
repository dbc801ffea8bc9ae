package kafka

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// classicTester is a cooperative classic consumer of topic "t": it joins
// saying what it owns (ConsumerProtocolSubscription v1), takes what
// SyncGroup gives it, and rejoins when told to, as the Java consumer and
// franz-go do, whether the group is classic or a consumer group.
type classicTester struct {
	t     *testing.T
	gt    *groupTester
	id    string
	gen   int32
	owned []int32
}

// subscriptionOwning is ConsumerProtocolSubscription v1: the topics, null
// user data, and the partitions of "t" the member owns.
func subscriptionOwning(owned []int32, topics ...string) []byte {
	w := &writer{}
	w.Int16(1)
	w.Strings(topics)
	w.Bytes(nil)
	w.ArrayLen(1)
	w.String("t")
	w.Int32s(owned)
	return w.buf
}

// assignmentOf is a ConsumerProtocolAssignment v0 of partitions of "t".
func assignmentOf(parts ...int32) []byte {
	w := &writer{}
	w.Int16(0)
	w.ArrayLen(1)
	w.String("t")
	w.Int32s(parts)
	w.Bytes(nil)
	return w.buf
}

func (c *classicTester) joinRequest() *joinGroupRequest {
	req := c.gt.joinRequest(c.id, nil)
	req.Protocols = []joinGroupProtocol{{Name: "cooperative-sticky", Metadata: subscriptionOwning(c.owned, "t")}}
	return req
}

// join sends a JoinGroup; the answer's generation becomes the member's.
func (c *classicTester) join() *joinGroupResponse {
	c.t.Helper()
	resp := wait(c.t, c.gt.joinAsync(9, c.joinRequest()))
	if resp.ErrorCode == codeNone {
		c.gen = resp.GenerationID
	}
	return resp
}

// sync sends a follower's SyncGroup and takes its assignment.
func (c *classicTester) sync() int16 {
	c.t.Helper()
	req := &syncGroupRequest{GroupID: c.gt.group, GenerationID: c.gen, MemberID: c.id, ProtocolType: ptr("consumer"), ProtocolName: ptr("cooperative-sticky")}
	resp := c.gt.b.handleSyncGroup(context.Background(), testRC(5), req).(*syncGroupResponse)
	if resp.ErrorCode == codeNone {
		c.owned = nil
		for _, tp := range parseAssignment(resp.Assignment) {
			c.owned = append(c.owned, tp.Partition)
		}
		slices.Sort(c.owned)
	}
	return resp.ErrorCode
}

func (c *classicTester) heartbeat() int16 { return c.gt.heartbeat(c.id, c.gen) }

// rebalance joins and syncs until a heartbeat finds nothing more to do,
// as a cooperative client rejoins after giving partitions up.
func (c *classicTester) rebalance() {
	c.t.Helper()
	for range 5 {
		if r := c.join(); r.ErrorCode != codeNone {
			c.t.Fatalf("%s: join: error %d", c.id, r.ErrorCode)
		}
		if code := c.sync(); code != codeNone && code != codeRebalanceInProgress {
			c.t.Fatalf("%s: sync: error %d", c.id, code)
		}
		if c.heartbeat() == codeNone {
			return
		}
	}
	c.t.Fatalf("%s still told to rejoin after 5 rebalances", c.id)
}

// classicGroupOf forms a Stable classic group of two cooperative members
// of "t" (4 partitions): the first owns 0-1, the second 2-3.
func classicGroupOf(t *testing.T, b *Broker, group string) []*classicTester {
	t.Helper()
	gt := newGroupTester(t, b, group)
	cs := []*classicTester{{t: t, gt: gt, id: gt.newMemberID()}, {t: t, gt: gt, id: gt.newMemberID()}}
	var chans []<-chan *joinGroupResponse
	for _, c := range cs {
		chans = append(chans, gt.joinAsync(9, c.joinRequest()))
	}
	var leader string
	for _, c := range cs {
		r := wait(t, chans[0])
		chans = chans[1:]
		if r.ErrorCode != codeNone {
			t.Fatalf("join: error %d", r.ErrorCode)
		}
		c.gen, leader = r.GenerationID, r.Leader
	}
	assign := map[string]string{cs[0].id: string(assignmentOf(0, 1)), cs[1].id: string(assignmentOf(2, 3))}
	req := &syncGroupRequest{GroupID: group, GenerationID: cs[0].gen, MemberID: leader, ProtocolType: ptr("consumer"), ProtocolName: ptr("cooperative-sticky")}
	for _, id := range []string{cs[0].id, cs[1].id} {
		req.Assignments = append(req.Assignments, syncGroupAssignment{MemberID: id, Assignment: []byte(assign[id])})
	}
	if r := b.handleSyncGroup(context.Background(), testRC(5), req).(*syncGroupResponse); r.ErrorCode != codeNone {
		t.Fatalf("leader's sync: error %d", r.ErrorCode)
	}
	for _, c := range cs {
		if code := c.sync(); code != codeNone {
			t.Fatalf("sync: error %d", code)
		}
	}
	if !slices.Equal(cs[0].owned, []int32{0, 1}) || !slices.Equal(cs[1].owned, []int32{2, 3}) {
		t.Fatalf("classic assignment: %v and %v", cs[0].owned, cs[1].owned)
	}
	return cs
}

// checkConsumerGroup checks the consumer group's invariants (check).
func checkConsumerGroup(t *testing.T, b *Broker, id string) {
	t.Helper()
	g := b.groups.lockGroup(id, false)
	if g == nil {
		t.Fatalf("group %s is gone", id)
	}
	defer g.mu.Unlock()
	if g.consumer == nil {
		t.Fatalf("group %s is not a consumer group", id)
	}
	if err := g.consumer.check(); err != nil {
		t.Fatal(err)
	}
}

// TestMigrationUpgrade: a member that joins a Stable classic group with
// ConsumerGroupHeartbeat converts it to a consumer group (Kafka's online
// upgrade). The classic members keep their partitions and generation as
// their epoch, hear of the rebalance from Heartbeat, and rejoin through
// JoinGroup and SyncGroup, which the coordinator answers from its own
// assignment; the new member gets its share once they let go. No
// partition has two owners at any step.
func TestMigrationUpgrade(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 4)
	cs := classicGroupOf(t, b, "g")
	gen := cs[0].gen
	c := newConsumerTester(t, b, "g", "c", "t")
	if resp := c.heartbeat(); resp.MemberEpoch != gen+1 || len(c.owned) != 0 {
		t.Fatalf("join of c: epoch %d owning %v; want epoch %d owning nothing yet", resp.MemberEpoch, c.partitions(), gen+1)
	}
	d := describeConsumerGroup(t, b, "g")
	if d.ErrorCode != codeNone || len(d.Members) != 3 || d.GroupEpoch != gen+1 {
		t.Fatalf("after the upgrade: %+v", d)
	}
	for i, want := range []int8{memberTypeClassic, memberTypeClassic, memberTypeConsumer} {
		if m := d.Members[i]; m.MemberType != want || (i < 2 && m.MemberEpoch != gen) {
			t.Errorf("member %d: type %d epoch %d; want type %d (classic members at epoch %d)", i, m.MemberType, m.MemberEpoch, want, gen)
		}
	}
	if l := b.groups.list(nil, nil); len(l) != 1 || l[0].GroupType != "consumer" {
		t.Errorf("ListGroups: %+v", l)
	}

	for _, m := range cs {
		if code := m.heartbeat(); code != codeRebalanceInProgress {
			t.Fatalf("%s: heartbeat after the upgrade: error %d, want REBALANCE_IN_PROGRESS", m.id, code)
		}
		owned := m.owned
		m.rebalance()
		checkConsumerGroup(t, b, "g")
		if len(m.owned) == 0 || !isSubset(m.owned, owned) {
			t.Errorf("%s owned %v and now %v; want some of them", m.id, owned, m.owned)
		}
	}
	c.heartbeat()
	c.heartbeat()
	all := slices.Concat(cs[0].owned, cs[1].owned, c.partitions())
	slices.Sort(all)
	if !slices.Equal(all, []int32{0, 1, 2, 3}) || len(c.owned) == 0 {
		t.Fatalf("after the rebalance: %v, %v and c %v", cs[0].owned, cs[1].owned, c.partitions())
	}
	for _, m := range cs {
		if m.gen != c.epoch {
			t.Errorf("%s at generation %d, c at epoch %d", m.id, m.gen, c.epoch)
		}
	}

	// A classic member commits at its epoch as the generation, at a
	// version before v9 too; a stale one is ILLEGAL_GENERATION.
	a := cs[0]
	if code := a.gt.commit(8, a.id, a.gen, "t", a.owned[0], 7); code != codeNone {
		t.Errorf("commit at the member's epoch: error %d", code)
	}
	if code := a.gt.commit(8, a.id, a.gen-1, "t", a.owned[0], 7); code != codeIllegalGeneration {
		t.Errorf("commit at an older generation: error %d, want ILLEGAL_GENERATION", code)
	}
	// TxnOffsetCommit (KIP-447) checks the same generation.
	if code := b.groups.checkTxnCommitMember("g", a.gen, a.id, nil); code != codeNone {
		t.Errorf("transactional commit at the member's epoch: error %d", code)
	}
	if code := b.groups.checkTxnCommitMember("g", a.gen-1, a.id, nil); code != codeIllegalGeneration {
		t.Errorf("transactional commit at an older generation: error %d, want ILLEGAL_GENERATION", code)
	}
	// A consumer-protocol member is unknown to the classic APIs.
	if code := a.gt.heartbeat("c", c.epoch); code != codeUnknownMemberID {
		t.Errorf("classic heartbeat of c: error %d, want UNKNOWN_MEMBER_ID", code)
	}
	// A classic member that leaves frees its partitions for the others.
	if r := a.gt.leave(cs[1].id); r.Members[0].ErrorCode != codeNone {
		t.Fatalf("leave: %+v", r)
	}
	for range 3 {
		c.heartbeat()
		if a.heartbeat() != codeNone {
			a.rebalance()
		}
	}
	if len(c.owned)+len(a.owned) != 4 {
		t.Errorf("after b left: a owns %v, c %v", a.owned, c.partitions())
	}
	checkConsumerGroup(t, b, "g")
}

// isSubset reports whether every element of a is in b.
func isSubset(a, b []int32) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// TestMigrationUpgradeRefused: the upgrade happens only as Kafka's
// validateOnlineUpgrade allows it; otherwise the join gets
// GROUP_ID_NOT_FOUND (or GROUP_MAX_SIZE_REACHED when the classic members
// fill group.consumer.max.size) and the classic group goes on untouched.
func TestMigrationUpgradeRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want int16
	}{
		{"policy disabled", Config{ConsumerMigrationPolicy: migrationDisabled}, codeGroupIDNotFound},
		{"policy downgrade", Config{ConsumerMigrationPolicy: migrationDowngrade}, codeGroupIDNotFound},
		{"more members than the max", Config{ConsumerGroupMaxSize: 1}, codeGroupIDNotFound},
		{"no room for the new member", Config{ConsumerGroupMaxSize: 2}, codeGroupMaxSizeReached},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := consumerBroker(t, tc.cfg, "t", 4)
			cs := classicGroupOf(t, b, "g")
			req := &consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "c", RebalanceTimeoutMs: 1000, SubscribedTopicNames: []string{"t"}, TopicPartitions: []consumerGroupTopicPartitions{}}
			if resp := b.groups.consumerHeartbeat(req, 1, "", "", nil); resp.ErrorCode != tc.want {
				t.Fatalf("join: error %d, want %d", resp.ErrorCode, tc.want)
			}
			for _, m := range cs {
				if code := m.heartbeat(); code != codeNone {
					t.Errorf("%s: heartbeat: error %d; the classic group should go on", m.id, code)
				}
			}
		})
	}
}

// upgradedGroup is classicGroupOf upgraded by consumer member c, with
// everyone converged.
func upgradedGroup(t *testing.T, b *Broker, group string) ([]*classicTester, *consumerTester) {
	t.Helper()
	cs := classicGroupOf(t, b, group)
	c := newConsumerTester(t, b, group, "c", "t")
	c.heartbeat()
	for _, m := range cs {
		m.rebalance()
	}
	c.heartbeat()
	c.heartbeat()
	checkConsumerGroup(t, b, group)
	return cs, c
}

// TestMigrationDowngrade: when the last member using the consumer
// protocol leaves, the classic members that remain make the group classic
// again (convertToClassicGroup): Stable at the group epoch, with each
// member's target as its assignment, and then rebalancing, which the
// members hear of from Heartbeat; they rejoin and the leader assigns.
// Under policy "upgrade" the group stays a consumer group.
func TestMigrationDowngrade(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 4)
	cs, c := upgradedGroup(t, b, "g")
	leave := &consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "c", MemberEpoch: leaveEpoch, RebalanceTimeoutMs: -1}
	if resp := b.groups.consumerHeartbeat(leave, 1, "", "", nil); resp.ErrorCode != codeNone {
		t.Fatalf("leave: error %d", resp.ErrorCode)
	}
	gt := cs[0].gt
	if d := gt.describe(); d.GroupState != "PreparingRebalance" || d.ProtocolType != "consumer" || len(d.Members) != 2 {
		t.Fatalf("after the last consumer member left: %+v", d)
	}
	for _, m := range cs {
		if code := m.heartbeat(); code != codeRebalanceInProgress {
			t.Errorf("%s: heartbeat after the downgrade: error %d, want REBALANCE_IN_PROGRESS", m.id, code)
		}
	}
	ch0, ch1 := gt.joinAsync(9, cs[0].joinRequest()), gt.joinAsync(9, cs[1].joinRequest())
	js := []*joinGroupResponse{wait(t, ch0), wait(t, ch1)}
	if js[0].ErrorCode != codeNone || js[0].GenerationID != c.epoch+1 || js[0].Leader == "" || deref(js[0].ProtocolName) != "cooperative-sticky" {
		t.Fatalf("rejoin after the downgrade: %+v", js[0])
	}
	if d := gt.describe(); d.GroupState != "CompletingRebalance" {
		t.Fatalf("after both rejoined: %s", d.GroupState)
	}

	// With the downgrade not allowed, the classic members stay in a
	// consumer group.
	b = consumerBroker(t, Config{ConsumerMigrationPolicy: migrationUpgrade}, "t", 4)
	cs, _ = upgradedGroup(t, b, "g")
	b.groups.consumerHeartbeat(leave, 1, "", "", nil)
	checkConsumerGroup(t, b, "g")
	for _, m := range cs {
		if code := m.heartbeat(); code != codeRebalanceInProgress {
			t.Errorf("%s: heartbeat after c left: error %d, want REBALANCE_IN_PROGRESS", m.id, code)
		}
		m.rebalance()
	}
	if len(cs[0].owned)+len(cs[1].owned) != 4 {
		t.Errorf("after c left: %v and %v", cs[0].owned, cs[1].owned)
	}
}

// TestMigrationClassicJoinsConsumerGroup: a new classic member joins a
// consumer group of consumer-protocol members: MEMBER_ID_REQUIRED first
// (KIP-394), then its epoch as the generation, no leader, and its
// partitions from SyncGroup once the others let go. A member whose
// protocols the group's classic members do not share is refused, and so
// is one whose session runs out.
func TestMigrationClassicJoinsConsumerGroup(t *testing.T) {
	b := consumerBroker(t, Config{ConsumerHeartbeatInterval: time.Millisecond}, "t", 4)
	c := newConsumerTester(t, b, "g", "c", "t")
	c.heartbeat()
	gt := newGroupTester(t, b, "g")
	gt.session = 200 * time.Millisecond
	id := gt.newMemberID()
	a := &classicTester{t: t, gt: gt, id: id}
	r := a.join()
	if r.ErrorCode != codeNone || r.Leader != "" || len(r.Members) != 0 || r.MemberID != id {
		t.Fatalf("classic join: %+v", r)
	}
	for range 5 {
		c.heartbeat()
		if a.heartbeat() == codeRebalanceInProgress {
			a.rebalance()
		}
		checkConsumerGroup(t, b, "g")
	}
	if len(a.owned) != 2 || len(c.owned) != 2 {
		t.Fatalf("a owns %v, c %v; want two each", a.owned, c.partitions())
	}
	other := gt.joinRequest("", nil)
	other.Protocols[0].Name = "roundrobin"
	if r := wait(t, gt.joinAsync(9, other)); r.ErrorCode != codeInconsistentGroupProtocol {
		t.Errorf("join with another protocol: error %d, want INCONSISTENT_GROUP_PROTOCOL", r.ErrorCode)
	}
	// a goes silent: its session (200ms) expires and c gets everything.
	deadline := time.Now().Add(5 * time.Second)
	for len(c.owned) != 4 {
		if time.Now().After(deadline) {
			t.Fatalf("a's session did not expire: c owns %v", c.partitions())
		}
		time.Sleep(20 * time.Millisecond)
		c.heartbeat()
	}
}

// TestMigrationAfterRestart: a mixed group comes back after a restart as
// Kafka's would, its classic members with their session timeout and
// protocols (ClassicMemberMetadata, the tagged field of
// ConsumerGroupMemberMetadataValue), still classic, at their epochs; and
// a group downgraded before the restart comes back classic, with the
// assignments it was downgraded with.
func TestMigrationAfterRestart(t *testing.T) {
	dir := t.TempDir()
	b := openGroupBroker(t, dir, Config{})
	if _, err := b.logs.CreateTopic("t", 4); err != nil {
		t.Fatal(err)
	}
	cs, c := upgradedGroup(t, b, "g")
	before := describeConsumerGroup(t, b, "g")
	restart := func() {
		b.groups.close()
		b.logs.Close()
		b = openGroupBroker(t, dir, Config{})
		c.b = b
		for _, m := range cs {
			m.gt.b = b
		}
	}
	restart()
	// Members come back in the order their records were written, which
	// for the ones written in one batch, at the upgrade, is by id.
	byID := func(d consumerDescribedGroup) consumerDescribedGroup {
		slices.SortFunc(d.Members, func(a, b consumerDescribedMember) int { return strings.Compare(a.MemberID, b.MemberID) })
		return d
	}
	if diff := cmpDescribed(byID(before), byID(describeConsumerGroup(t, b, "g"))); diff != "" {
		t.Fatalf("mixed group after restart differs: %s", diff)
	}
	for _, m := range cs {
		if code := m.heartbeat(); code != codeNone {
			t.Errorf("%s: heartbeat after restart: error %d", m.id, code)
		}
		if code := m.sync(); code != codeNone {
			t.Errorf("%s: sync after restart: error %d", m.id, code)
		}
	}
	g := b.groups.lockGroup("g", false)
	cm := g.consumer.members[cs[0].id].classic
	if cm == nil || cm.sessionTimeout != cs[0].gt.session || cm.protocolName() != "cooperative-sticky" {
		t.Errorf("classic member after restart: %+v", cm)
	}
	g.mu.Unlock()

	leave := &consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "c", MemberEpoch: leaveEpoch, RebalanceTimeoutMs: -1}
	b.groups.consumerHeartbeat(leave, 1, "", "", nil)
	owned := [][]int32{cs[0].owned, cs[1].owned}
	restart()
	gt := cs[0].gt
	if d := gt.describe(); d.GroupState != "Stable" || len(d.Members) != 2 {
		t.Fatalf("downgraded group after restart: %+v", d)
	}
	for i, m := range cs {
		if code := m.sync(); code != codeNone || !slices.Equal(m.owned, owned[i]) {
			t.Errorf("%s: sync after restart: error %d, owns %v (had %v)", m.id, code, m.owned, owned[i])
		}
	}
}

// TestMigrationClassicJoinTimeout: a classic member of a consumer group
// told to rejoin (REBALANCE_IN_PROGRESS) must do so within its rebalance
// timeout, heartbeats or not, or it is removed, as Kafka's
// scheduleConsumerGroupJoinTimeoutIfAbsent removes it; and one that joins
// must sync within it (scheduleConsumerGroupSyncTimeout).
func TestMigrationClassicJoinTimeout(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 4)
	c := newConsumerTester(t, b, "g", "c", "t")
	c.heartbeat()
	gt := newGroupTester(t, b, "g")
	gt.rebalance = 150 * time.Millisecond
	a := &classicTester{t: t, gt: gt, id: gt.newMemberID()}
	a.rebalance()
	d := newConsumerTester(t, b, "g", "d", "t")
	d.heartbeat() // bumps the group epoch: a must rejoin
	if code := a.heartbeat(); code != codeRebalanceInProgress {
		t.Fatalf("heartbeat after d joined: error %d, want REBALANCE_IN_PROGRESS", code)
	}
	deadline := time.Now().Add(5 * time.Second)
	for a.heartbeat() != codeUnknownMemberID {
		if time.Now().After(deadline) {
			t.Fatal("a, heartbeating without rejoining, was never removed")
		}
		time.Sleep(20 * time.Millisecond)
	}

	e := &classicTester{t: t, gt: gt, id: gt.newMemberID()}
	if r := e.join(); r.ErrorCode != codeNone {
		t.Fatalf("join of e: error %d", r.ErrorCode)
	}
	for e.heartbeat() != codeUnknownMemberID {
		if time.Now().After(deadline) {
			t.Fatal("e, heartbeating without syncing, was never removed")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
