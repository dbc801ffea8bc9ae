// Tests of KIP-848 consumer groups (consumer.go). They drive the
// coordinator as heartbeats would, one member at a time, so that each step
// of an incremental rebalance can be checked; the franz-go tests in
// ../interop run real consumers against a served broker.
package kafka

import (
	"cmp"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// check verifies what must hold of a consumer group between requests:
// no partition is owned by two members at once (as assigned or as still
// to be revoked), member epochs never pass the assignment epoch, and the
// target covers members only.
func (cg *consumerGroup) check() error {
	owner := make(map[topicIDPartition]string)
	for id, m := range cg.members {
		if m.id != id {
			return fmt.Errorf("member %s listed under %s", m.id, id)
		}
		if m.epoch > cg.assignmentEpoch {
			return fmt.Errorf("member %s at epoch %d, past the assignment epoch %d", id, m.epoch, cg.assignmentEpoch)
		}
		for _, s := range []partitionSet{m.assigned, m.revoking} {
			for p := range s {
				if o, ok := owner[p]; ok {
					return fmt.Errorf("partition %v owned by both %s and %s", p, o, id)
				}
				owner[p] = id
			}
		}
	}
	for id := range cg.target {
		if cg.members[id] == nil {
			return fmt.Errorf("target for %s, not a member", id)
		}
	}
	return nil
}

// consumerTester is one member of a consumer group, heartbeating with
// what it owns, as a client does.
type consumerTester struct {
	t        *testing.T
	b        *Broker
	group    string
	id       string
	epoch    int32
	owned    partitionSet
	topics   []string
	regex    *string // SubscribedTopicRegex, sent when joining
	instance *string // InstanceId, sent with every heartbeat

	rebalanceTimeoutMs int32 // sent when joining; 60000 if 0
}

func newConsumerTester(t *testing.T, b *Broker, group, id string, topics ...string) *consumerTester {
	return &consumerTester{t: t, b: b, group: group, id: id, owned: partitionSet{}, topics: topics}
}

// heartbeat sends a heartbeat at v1 reporting what the member owns, takes
// the answer's assignment as what it owns (revoking at once), and checks
// the group's invariants.
func (c *consumerTester) heartbeat() *consumerGroupHeartbeatResponse {
	c.t.Helper()
	req := &consumerGroupHeartbeatRequest{
		GroupID: c.group, MemberID: c.id, MemberEpoch: c.epoch,
		RebalanceTimeoutMs: -1, TopicPartitions: c.owned.wire(), InstanceID: c.instance,
	}
	if c.epoch == 0 {
		req.RebalanceTimeoutMs = cmp.Or(c.rebalanceTimeoutMs, 60000)
		req.SubscribedTopicNames = c.topics
		if c.regex != nil {
			req.SubscribedTopicNames, req.SubscribedTopicRegex = nil, c.regex
		}
		req.TopicPartitions = []consumerGroupTopicPartitions{}
	}
	resp := c.b.groups.consumerHeartbeat(req, 1, "test-client", "/127.0.0.1", nil)
	if resp.ErrorCode != codeNone {
		c.t.Fatalf("%s: heartbeat: error %d: %s", c.id, resp.ErrorCode, deref(resp.ErrorMessage))
	}
	c.epoch = resp.MemberEpoch
	if resp.Assignment != nil {
		c.owned = partitionSet{}
		for _, t := range resp.Assignment.TopicPartitions {
			for _, p := range t.Partitions {
				c.owned[topicIDPartition{t.TopicID, p}] = true
			}
		}
	}
	c.checkGroup()
	return resp
}

func (c *consumerTester) checkGroup() {
	c.t.Helper()
	g := c.b.groups.lockGroup(c.group, false)
	if g == nil {
		return
	}
	defer g.mu.Unlock()
	if g.consumer != nil {
		if err := g.consumer.check(); err != nil {
			c.t.Fatal(err)
		}
	}
}

// partitions lists what the member owns, as partition numbers.
func (c *consumerTester) partitions() []int32 {
	var ps []int32
	for p := range c.owned {
		ps = append(ps, p.partition)
	}
	slices.Sort(ps)
	return ps
}

func consumerBroker(t *testing.T, cfg Config, topic string, partitions int32) *Broker {
	t.Helper()
	b := openGroupBroker(t, t.TempDir(), cfg)
	if topic != "" {
		if _, err := b.logs.CreateTopic(topic, partitions); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func describeConsumerGroup(t *testing.T, b *Broker, id string) consumerDescribedGroup {
	t.Helper()
	resp := b.handleConsumerGroupDescribe(t.Context(), testRC(0), &consumerGroupDescribeRequest{GroupIDs: []string{id}}).(*consumerGroupDescribeResponse)
	return resp.Groups[0]
}

// TestConsumerGroupDescribeV1MemberType: v1 (KIP-1099) tells each
// member's protocol; every member of a consumer group here heartbeats
// with ConsumerGroupHeartbeat, so every one is CONSUMER (1), a byte v0
// does not have.
func TestConsumerGroupDescribeV1MemberType(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 2)
	newConsumerTester(t, b, "g", "a", "t").heartbeat()
	resp := b.handleConsumerGroupDescribe(t.Context(), testRC(0), &consumerGroupDescribeRequest{GroupIDs: []string{"g"}}).(*consumerGroupDescribeResponse)
	if len(resp.Groups[0].Members) != 1 || resp.Groups[0].Members[0].MemberType != memberTypeConsumer {
		t.Fatalf("members: %+v, want one of type %d", resp.Groups[0].Members, memberTypeConsumer)
	}
	encoded := func(v int16) []byte {
		w := &writer{flexible: true}
		resp.encode(w, v)
		return w.buf
	}
	v0, v1 := encoded(0), encoded(1)
	// The member's last field before its tags is MemberType; then the
	// member's, the group's and the answer's empty tag sections, and the
	// group's authorized operations before the last two.
	if len(v1) != len(v0)+1 || v1[len(v1)-8] != byte(memberTypeConsumer) {
		t.Errorf("v1 is %d bytes after v0's %d, MemberType byte %d", len(v1), len(v0), v1[len(v1)-8])
	}
}

func TestConsumerGroupTwoMembersSplitUniformly(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 4)
	a := newConsumerTester(t, b, "g", "a", "t")
	a.heartbeat()
	if a.epoch != 1 || !slices.Equal(a.partitions(), []int32{0, 1, 2, 3}) {
		t.Fatalf("a alone: epoch %d, partitions %v; want 1, all four", a.epoch, a.partitions())
	}

	m := newConsumerTester(t, b, "g", "b", "t")
	m.heartbeat()
	if m.epoch != 2 || len(m.owned) != 0 {
		t.Fatalf("b joining: epoch %d, partitions %v; want 2 and none (a still owns them)", m.epoch, m.partitions())
	}
	if d := describeConsumerGroup(t, b, "g"); d.GroupState != "Reconciling" || d.GroupEpoch != 2 {
		t.Fatalf("describe while reconciling: state %s, epoch %d", d.GroupState, d.GroupEpoch)
	}

	// a is told to give up two partitions; its epoch waits for it.
	a.heartbeat()
	if a.epoch != 1 || len(a.owned) != 2 {
		t.Fatalf("a revoking: epoch %d, partitions %v; want 1 and two", a.epoch, a.partitions())
	}
	m.heartbeat()
	if len(m.owned) != 0 {
		t.Fatalf("b got %v before a confirmed the revocation", m.partitions())
	}
	a.heartbeat() // confirms
	if a.epoch != 2 {
		t.Fatalf("a after revoking: epoch %d, want 2", a.epoch)
	}
	m.heartbeat()
	if len(m.owned) != 2 {
		t.Fatalf("b after a revoked: %v, want two partitions", m.partitions())
	}
	if all := slices.Sorted(slices.Values(append(a.partitions(), m.partitions()...))); !slices.Equal(all, []int32{0, 1, 2, 3}) {
		t.Fatalf("a %v and b %v do not cover the topic once", a.partitions(), m.partitions())
	}
	d := describeConsumerGroup(t, b, "g")
	if d.ErrorCode != codeNone || d.GroupState != "Stable" || d.GroupEpoch != 2 || d.AssignmentEpoch != 2 || d.AssignorName != "uniform" || len(d.Members) != 2 {
		t.Fatalf("describe: %+v", d)
	}
	for _, dm := range d.Members {
		if len(dm.Assignment.TopicPartitions) != 1 || dm.Assignment.TopicPartitions[0].TopicName != "t" || len(dm.Assignment.TopicPartitions[0].Partitions) != 2 {
			t.Errorf("member %s assignment %+v", dm.MemberID, dm.Assignment)
		}
	}
}

// TestConsumerGroupThirdMemberIsIncremental checks that partitions move
// to a new member only once their owner has revoked them, and that the
// others keep theirs meanwhile.
func TestConsumerGroupThirdMemberIsIncremental(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 6)
	a, m := newConsumerTester(t, b, "g", "a", "t"), newConsumerTester(t, b, "g", "b", "t")
	a.heartbeat()
	m.heartbeat()
	a.heartbeat()
	a.heartbeat()
	m.heartbeat()
	if len(a.owned) != 3 || len(m.owned) != 3 {
		t.Fatalf("before c: a %v, b %v", a.partitions(), m.partitions())
	}
	aBefore, bBefore := maps.Clone(a.owned), maps.Clone(m.owned)

	c := newConsumerTester(t, b, "g", "c", "t")
	c.heartbeat()
	c.heartbeat()
	if len(c.owned) != 0 || c.epoch != 3 {
		t.Fatalf("c: %v at epoch %d before anyone revoked; want nothing at 3", c.partitions(), c.epoch)
	}
	a.heartbeat() // told to revoke one
	if len(a.owned) != 2 || a.epoch != 2 {
		t.Fatalf("a revoking: %v at epoch %d", a.partitions(), a.epoch)
	}
	for p := range a.owned {
		if !aBefore[p] {
			t.Fatalf("a was given %v while revoking", p)
		}
	}
	c.heartbeat()
	if len(c.owned) != 0 {
		t.Fatalf("c got %v before a confirmed", c.partitions())
	}
	a.heartbeat() // confirms
	c.heartbeat()
	if len(c.owned) != 1 {
		t.Fatalf("c after a revoked: %v, want one", c.partitions())
	}
	m.heartbeat()
	m.heartbeat()
	c.heartbeat()
	if len(a.owned) != 2 || len(m.owned) != 2 || len(c.owned) != 2 {
		t.Fatalf("a %v, b %v, c %v: want two each", a.partitions(), m.partitions(), c.partitions())
	}
	// Sticky: a and b kept partitions they had.
	for p := range a.owned {
		if !aBefore[p] {
			t.Errorf("a gained %v", p)
		}
	}
	for p := range m.owned {
		if !bBefore[p] {
			t.Errorf("b gained %v", p)
		}
	}
	if d := describeConsumerGroup(t, b, "g"); d.GroupState != "Stable" || d.GroupEpoch != 3 {
		t.Fatalf("describe: state %s epoch %d", d.GroupState, d.GroupEpoch)
	}
}

func TestConsumerGroupLeave(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 4)
	a, m := newConsumerTester(t, b, "g", "a", "t"), newConsumerTester(t, b, "g", "b", "t")
	a.heartbeat()
	m.heartbeat()
	a.heartbeat()
	a.heartbeat()
	m.heartbeat()
	resp := b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "b", MemberEpoch: -1, RebalanceTimeoutMs: -1}, 1, "", "", nil)
	if resp.ErrorCode != codeNone || resp.MemberEpoch != -1 || deref(resp.MemberID) != "b" {
		t.Fatalf("leave: %+v", resp)
	}
	a.heartbeat()
	if a.epoch != 3 || len(a.owned) != 4 {
		t.Fatalf("a after b left: epoch %d, %v; want 3 and all four", a.epoch, a.partitions())
	}
	// Leaving again: the member is gone.
	resp = b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "b", MemberEpoch: -1, RebalanceTimeoutMs: -1}, 1, "", "", nil)
	if resp.ErrorCode != codeUnknownMemberID {
		t.Fatalf("second leave: error %d, want UNKNOWN_MEMBER_ID", resp.ErrorCode)
	}
	// The last member leaving empties the group, which stays, Empty, until
	// the periodic cleanup forgets it for having no offsets
	// (GroupCoordinatorShard.cleanupGroupMetadata). Until then it can be
	// described and deleted: librdkafka's and confluent-kafka-go's tests
	// close their consumer and then delete its group.
	b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: -1, RebalanceTimeoutMs: -1}, 1, "", "", nil)
	if d := describeConsumerGroup(t, b, "g"); d.ErrorCode != codeNone || d.GroupState != "Empty" || len(d.Members) != 0 {
		t.Fatalf("describe after all left: %+v, want an Empty group", d)
	}
	b.groups.expireOffsets()
	if d := describeConsumerGroup(t, b, "g"); d.ErrorCode != codeGroupIDNotFound {
		t.Fatalf("describe after the cleanup: %+v, want GROUP_ID_NOT_FOUND", d)
	}
}

// TestConsumerGroupDeleteAfterLastLeave is confluent-kafka-go's
// DeleteConsumerGroups test: a consumer joins, DeleteGroups is refused
// while it is a member, and succeeds once it has left, offsets or not.
func TestConsumerGroupDeleteAfterLastLeave(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 1)
	newConsumerTester(t, b, "g", "a", "t").heartbeat()
	del := func() []deletableGroupResult {
		return b.handleDeleteGroups(t.Context(), testRC(2), &deleteGroupsRequest{GroupsNames: []string{"g"}}).(*deleteGroupsResponse).Results
	}
	if got := del(); got[0].ErrorCode != codeNonEmptyGroup {
		t.Fatalf("DeleteGroups with a member: %+v, want NON_EMPTY_GROUP", got)
	}
	b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: -1, RebalanceTimeoutMs: -1}, 1, "", "", nil)
	if got := del(); got[0].ErrorCode != codeNone {
		t.Fatalf("DeleteGroups after the last member left: %+v, want no error", got)
	}
	if d := describeConsumerGroup(t, b, "g"); d.ErrorCode != codeGroupIDNotFound {
		t.Fatalf("describe after DeleteGroups: %+v", d)
	}
}

func TestConsumerGroupSessionExpiry(t *testing.T) {
	b := consumerBroker(t, Config{ConsumerSessionTimeout: 50 * time.Millisecond, ConsumerHeartbeatInterval: 10 * time.Millisecond}, "t", 2)
	a, m := newConsumerTester(t, b, "g", "a", "t"), newConsumerTester(t, b, "g", "b", "t")
	a.heartbeat()
	m.heartbeat()
	// a keeps heartbeating; b goes silent.
	deadline := time.Now().Add(5 * time.Second)
	for len(describeConsumerGroup(t, b, "g").Members) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("b was not expired")
		}
		a.heartbeat()
		time.Sleep(10 * time.Millisecond)
	}
	a.heartbeat()
	a.heartbeat()
	if len(a.owned) != 2 {
		t.Fatalf("a after b expired: %v, want both", a.partitions())
	}
	if d := describeConsumerGroup(t, b, "g"); d.Members[0].MemberID != "a" {
		t.Fatalf("the wrong member expired: %+v", d.Members)
	}
}

func TestConsumerGroupHeartbeatErrors(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 2)
	a := newConsumerTester(t, b, "g", "a", "t")
	a.heartbeat()
	hb := func(req consumerGroupHeartbeatRequest, v int16) int16 {
		if req.RebalanceTimeoutMs == 0 {
			req.RebalanceTimeoutMs = -1
		}
		return b.groups.consumerHeartbeat(&req, v, "", "", nil).ErrorCode
	}
	join := func(group, member string) consumerGroupHeartbeatRequest {
		return consumerGroupHeartbeatRequest{GroupID: group, MemberID: member, RebalanceTimeoutMs: 1000, SubscribedTopicNames: []string{"t"}, TopicPartitions: []consumerGroupTopicPartitions{}}
	}
	openTestClassicGroup(t, b, "classic")
	regex := join("g", "x")
	regex.SubscribedTopicNames, regex.SubscribedTopicRegex = nil, ptr("t(")
	emptyRegex := join("rdkafka", "librdkafka")
	emptyRegex.SubscribedTopicRegex = ptr("")
	badAssignor := join("g", "x")
	badAssignor.ServerAssignor = ptr("sticky")
	owning := join("g", "x")
	owning.TopicPartitions = []consumerGroupTopicPartitions{{Partitions: []int32{0}}}
	for _, tc := range []struct {
		name string
		req  consumerGroupHeartbeatRequest
		v    int16
		want int16
	}{
		{"greater epoch is fenced", consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: 5}, 1, codeFencedMemberEpoch},
		{"unknown member", consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "nobody", MemberEpoch: 1}, 1, codeUnknownMemberID},
		{"unknown group", consumerGroupHeartbeatRequest{GroupID: "nope", MemberID: "a", MemberEpoch: 1}, 1, codeUnknownMemberID},
		{"empty member id at v1", join("g", ""), 1, codeInvalidRequest},
		{"empty group id", join("", "x"), 1, codeInvalidRequest},
		{"join without rebalance timeout", consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "x", RebalanceTimeoutMs: -1, SubscribedTopicNames: []string{"t"}, TopicPartitions: []consumerGroupTopicPartitions{}}, 1, codeInvalidRequest},
		{"join owning partitions", owning, 1, codeInvalidRequest},
		{"epoch below -2", consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: -3}, 1, codeInvalidRequest},
		{"static leave without instance id", consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: -2}, 1, codeInvalidRequest},
		{"invalid regex", regex, 1, codeInvalidRegularExpression},
		{"empty regex beside topic names (librdkafka)", emptyRegex, 1, codeNone},
		{"unsupported assignor", badAssignor, 1, codeUnsupportedAssignor},
		// A join would upgrade it (migration.go); anything else is not
		// for a classic group.
		{"classic group with members, not a join", consumerGroupHeartbeatRequest{GroupID: "classic", MemberID: "x", MemberEpoch: 1}, 1, codeGroupIDNotFound},
	} {
		if got := hb(tc.req, tc.v); got != tc.want {
			t.Errorf("%s: error %d, want %d", tc.name, got, tc.want)
		}
	}

	// v0: the coordinator names a member that joins without an id.
	resp := b.groups.consumerHeartbeat(ptr(join("g", "")), 0, "", "", nil)
	if resp.ErrorCode != codeNone || deref(resp.MemberID) == "" || resp.MemberEpoch == 0 {
		t.Fatalf("v0 join without id: %+v", resp)
	}

	// A smaller epoch is accepted only as the previous one, with owned
	// partitions within the assignment (a lost response).
	a.heartbeat() // revokes one partition for the v0 member
	a.heartbeat() // confirms: epoch 2
	if a.epoch != 2 {
		t.Fatalf("a at epoch %d, want 2", a.epoch)
	}
	if code := hb(consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: 1, TopicPartitions: a.owned.wire()}, 1); code != codeNone {
		t.Errorf("previous epoch with its partitions: error %d", code)
	}
	var other []consumerGroupTopicPartitions
	for _, tp := range a.owned.wire() {
		other = append(other, consumerGroupTopicPartitions{TopicID: tp.TopicID, Partitions: []int32{0, 1}})
	}
	if code := hb(consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: 1, TopicPartitions: other}, 1); code != codeFencedMemberEpoch {
		t.Errorf("previous epoch owning more than its assignment: error %d, want FENCED_MEMBER_EPOCH", code)
	}
}

// openTestClassicGroup makes a classic group with one member, joined
// through JoinGroup as a classic consumer would.
func openTestClassicGroup(t *testing.T, b *Broker, id string) *group {
	t.Helper()
	ch := b.groups.join(&joinGroupRequest{
		GroupID: id, SessionTimeoutMs: 30000, RebalanceTimeoutMs: 30000, MemberID: "",
		ProtocolType: "consumer", Protocols: []joinGroupProtocol{{Name: "range", Metadata: subscription("t")}},
	}, 3, "c", "h")
	select {
	case <-ch:
	case <-time.After(5 * time.Second):
		t.Fatal("JoinGroup did not answer")
	}
	g := b.groups.lockGroup(id, false)
	defer g.mu.Unlock()
	if len(g.members) == 0 {
		t.Fatal("classic group has no member")
	}
	return g
}

func TestConsumerGroupRangeAssignor(t *testing.T) {
	b := consumerBroker(t, Config{}, "t1", 2)
	if _, err := b.logs.CreateTopic("t2", 3); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		resp := b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{
			GroupID: "g", MemberID: id, RebalanceTimeoutMs: 1000, ServerAssignor: ptr("range"),
			SubscribedTopicNames: []string{"t1", "t2"}, TopicPartitions: []consumerGroupTopicPartitions{},
		}, 1, "", "", nil)
		if resp.ErrorCode != codeNone {
			t.Fatal(resp.ErrorCode)
		}
	}
	d := describeConsumerGroup(t, b, "g")
	if d.AssignorName != "range" {
		t.Fatalf("assignor %s", d.AssignorName)
	}
	want := map[string]string{
		"a": "t1[0] t2[0 1] ",
		"b": "t1[1] t2[2] ",
	}
	for _, m := range d.Members {
		var got string
		for _, tp := range m.TargetAssignment.TopicPartitions {
			got += fmt.Sprintf("%s%v ", tp.TopicName, tp.Partitions)
		}
		// TopicPartitions are in topic id order; compare as a set.
		if !sameWords(got, want[m.MemberID]) {
			t.Errorf("%s target %q, want %q", m.MemberID, got, want[m.MemberID])
		}
	}
}

func sameWords(a, b string) bool {
	split := func(s string) []string {
		var out []string
		for _, w := range slices.Collect(func(yield func(string) bool) {
			start := 0
			for i := range len(s) {
				if s[i] == ' ' {
					if !yield(s[start:i]) {
						return
					}
					start = i + 1
				}
			}
		}) {
			out = append(out, w)
		}
		slices.Sort(out)
		return out
	}
	return slices.Equal(split(a), split(b))
}

func TestConsumerGroupOffsetCommitMemberEpoch(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 2)
	a := newConsumerTester(t, b, "g", "a", "t")
	a.heartbeat()
	commit := func(member string, epoch int32, v int16) int16 {
		resp := b.groups.commitOffsets(&offsetCommitRequest{
			GroupID: "g", GenerationIDOrMemberEpoch: epoch, MemberID: member,
			Topics: []offsetCommitTopic{{Name: "t", Partitions: []offsetCommitPartition{{PartitionIndex: 0, CommittedOffset: 7, CommittedLeaderEpoch: -1}}}},
		}, v)
		return resp.Topics[0].Partitions[0].ErrorCode
	}
	for _, tc := range []struct {
		name   string
		member string
		epoch  int32
		v      int16
		want   int16
	}{
		{"stale epoch", "a", a.epoch - 1, 9, codeStaleMemberEpoch},
		{"future epoch", "a", a.epoch + 1, 9, codeStaleMemberEpoch},
		{"unknown member", "zz", a.epoch, 9, codeUnknownMemberID},
		{"outside the group while it has members", "", -1, 9, codeUnknownMemberID},
		{"before v9", "a", a.epoch, 8, codeUnsupportedVersion},
		{"current epoch", "a", a.epoch, 9, codeNone},
	} {
		if got := commit(tc.member, tc.epoch, tc.v); got != tc.want {
			t.Errorf("%s: error %d, want %d", tc.name, got, tc.want)
		}
	}

	fetch := func(member *string, epoch int32) offsetFetchResponseGroup {
		resp := b.handleOffsetFetch(t.Context(), testRC(9), &offsetFetchRequest{Groups: []offsetFetchRequestGroup{{GroupID: "g", MemberID: member, MemberEpoch: epoch}}}).(*offsetFetchResponse)
		return resp.Groups[0]
	}
	if g := fetch(ptr("a"), a.epoch-1); g.ErrorCode != codeStaleMemberEpoch {
		t.Errorf("fetch with a stale epoch: error %d", g.ErrorCode)
	}
	if g := fetch(ptr("zz"), a.epoch); g.ErrorCode != codeUnknownMemberID {
		t.Errorf("fetch of an unknown member: error %d", g.ErrorCode)
	}
	g := fetch(ptr("a"), a.epoch)
	if g.ErrorCode != codeNone || len(g.Topics) != 1 || g.Topics[0].Partitions[0].CommittedOffset != 7 {
		t.Errorf("fetch of the member: %+v", g)
	}
	for _, id := range []*string{nil, ptr("")} {
		if g := fetch(id, -1); g.ErrorCode != codeNone || len(g.Topics) != 1 {
			t.Errorf("fetch from outside (member id %v): %+v", id, g)
		}
	}

	// Once empty, the group takes commits from outside again, and keeps
	// its offsets.
	b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: -1, RebalanceTimeoutMs: -1}, 1, "", "", nil)
	if got := commit("", -1, 9); got != codeNone {
		t.Errorf("commit from outside to the empty group: error %d", got)
	}
	if d := describeConsumerGroup(t, b, "g"); d.ErrorCode != codeNone || d.GroupState != "Empty" {
		t.Errorf("empty group with offsets: %+v", d)
	}
}

func TestConsumerGroupListAndDescribeGroups(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 2)
	newConsumerTester(t, b, "new", "a", "t").heartbeat()
	openTestClassicGroup(t, b, "old")
	list := func(types ...string) []listedGroup {
		return b.handleListGroups(t.Context(), testRC(5), &listGroupsRequest{TypesFilter: types}).(*listGroupsResponse).Groups
	}
	all := list()
	if len(all) != 2 || all[0].GroupID != "new" || all[0].GroupType != "consumer" || all[0].ProtocolType != "consumer" || all[0].GroupState != "Stable" || all[1].GroupType != "classic" {
		t.Fatalf("ListGroups: %+v", all)
	}
	if got := list("Consumer"); len(got) != 1 || got[0].GroupID != "new" {
		t.Fatalf("ListGroups of type consumer: %+v", got)
	}
	if got := list("classic"); len(got) != 1 || got[0].GroupID != "old" {
		t.Fatalf("ListGroups of type classic: %+v", got)
	}
	d := b.handleDescribeGroups(t.Context(), testRC(5), &describeGroupsRequest{Groups: []string{"new"}}).(*describeGroupsResponse)
	if d.Groups[0].GroupState != "Dead" || len(d.Groups[0].Members) != 0 {
		t.Fatalf("DescribeGroups of a consumer group: %+v", d.Groups[0])
	}
	if cd := describeConsumerGroup(t, b, "old"); cd.ErrorCode != codeGroupIDNotFound {
		t.Fatalf("ConsumerGroupDescribe of a classic group: %+v", cd)
	}
	// A classic JoinGroup of another protocol type to a consumer group
	// with members is refused (a consumer one joins, migration.go).
	ch := b.groups.join(&joinGroupRequest{
		GroupID: "new", SessionTimeoutMs: 30000, RebalanceTimeoutMs: 30000,
		ProtocolType: "connect", Protocols: []joinGroupProtocol{{Name: "range", Metadata: subscription("t")}},
	}, 3, "c", "h")
	if res := <-ch; res.errorCode != codeInconsistentGroupProtocol {
		t.Fatalf("JoinGroup to a consumer group: error %d", res.errorCode)
	}
	// OffsetDelete refuses the offsets of a topic members subscribe to.
	od := b.groups.offsetDelete(&offsetDeleteRequest{GroupID: "new", Topics: []offsetDeleteRequestTopic{{Name: "t", Partitions: []offsetDeleteRequestPartition{{PartitionIndex: 0}}}}})
	if od.ErrorCode != codeNone || od.Topics[0].Partitions[0].ErrorCode != codeGroupSubscribedToTopic {
		t.Fatalf("OffsetDelete of a subscribed topic: %+v", od)
	}
	// DeleteGroups refuses a consumer group with members.
	if code := b.groups.deleteGroup("new"); code != codeNonEmptyGroup {
		t.Fatalf("DeleteGroups of a consumer group with members: %d", code)
	}
}

// TestConsumerGroupAfterRestart: membership is not persisted, so after a
// restart a member's heartbeat gets UNKNOWN_MEMBER_ID (the group is back
// as an empty classic group holding the offsets); joining again makes it a
// consumer group with those offsets.
// TestConsumerGroupAfterRestart: a consumer group's state is in
// __consumer_offsets, so after a restart its members carry on with their
// epochs and partitions, the static one included, and its offsets are
// there. The records replayed are Kafka's: the test reads them back from
// the log by type.
func TestConsumerGroupAfterRestart(t *testing.T) {
	dir := t.TempDir()
	b := openGroupBroker(t, dir, Config{})
	if _, err := b.logs.CreateTopic("t", 4); err != nil {
		t.Fatal(err)
	}
	a, s := newConsumerTester(t, b, "g", "a", "t"), newConsumerTester(t, b, "g", "s", "t")
	s.instance, s.regex = ptr("inst"), ptr("t|u")
	a.heartbeat()
	s.heartbeat()
	for range 3 {
		a.heartbeat()
		s.heartbeat()
	}
	resp := b.groups.commitOffsets(&offsetCommitRequest{
		GroupID: "g", GenerationIDOrMemberEpoch: a.epoch, MemberID: "a",
		Topics: []offsetCommitTopic{{Name: "t", Partitions: []offsetCommitPartition{{PartitionIndex: 1, CommittedOffset: 42, CommittedLeaderEpoch: -1}}}},
	}, 9)
	if code := resp.Topics[0].Partitions[0].ErrorCode; code != codeNone {
		t.Fatalf("commit: error %d", code)
	}
	before := describeConsumerGroup(t, b, "g")
	b.groups.close()
	b.logs.Close()

	b = openGroupBroker(t, dir, Config{})
	a.b, s.b = b, b
	after := describeConsumerGroup(t, b, "g")
	if diff := cmpDescribed(before, after); diff != "" {
		t.Fatalf("group after restart differs: %s", diff)
	}
	aOwned, sOwned, epoch := a.partitions(), s.partitions(), a.epoch
	a.heartbeat()
	s.heartbeat()
	if a.epoch != epoch || !slices.Equal(a.partitions(), aOwned) || !slices.Equal(s.partitions(), sOwned) {
		t.Fatalf("after restart: a at %d owns %v, s owns %v; want %d, %v, %v", a.epoch, a.partitions(), s.partitions(), epoch, aOwned, sOwned)
	}
	f := b.handleOffsetFetch(t.Context(), testRC(9), &offsetFetchRequest{Groups: []offsetFetchRequestGroup{{GroupID: "g", MemberID: ptr("a"), MemberEpoch: a.epoch}}}).(*offsetFetchResponse)
	if g := f.Groups[0]; g.ErrorCode != codeNone || len(g.Topics) != 1 || g.Topics[0].Partitions[0].CommittedOffset != 42 {
		t.Fatalf("offsets after restart: %+v", g)
	}
	types := recordTypes(t, b)
	for typ := int16(3); typ <= 8; typ++ {
		if types[typ] == 0 {
			t.Errorf("no record of type %d in %s (have %v)", typ, offsetsTopic, types)
		}
	}

	// Both leave; the group has offsets, so it stays, Empty; without
	// members its state is tombstoned and the next start finds it empty.
	b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: -1, RebalanceTimeoutMs: -1}, 1, "", "", nil)
	b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "s", InstanceID: ptr("inst"), MemberEpoch: -1, RebalanceTimeoutMs: -1}, 1, "", "", nil)
	b.groups.close()
	b.logs.Close()
	b = openGroupBroker(t, dir, Config{})
	if d := describeConsumerGroup(t, b, "g"); d.ErrorCode != codeNone || len(d.Members) != 0 || d.GroupEpoch != after.GroupEpoch+2 {
		t.Fatalf("after both left and a restart: %+v, want no members at epoch %d", d, after.GroupEpoch+2)
	}
}

// cmpDescribed compares two descriptions of a consumer group, "" if equal.
func cmpDescribed(a, b consumerDescribedGroup) string {
	return gocmp.Diff(a, b, cmpopts.EquateEmpty())
}

// recordTypes counts the records of __consumer_offsets by key type.
func recordTypes(t *testing.T, b *Broker) map[int16]int {
	t.Helper()
	types := map[int16]int{}
	eachOffsetsRecord(t, b, func(r record) { types[newReader(r.Key, false).Int16()]++ })
	return types
}

// eachOffsetsRecord calls fn with every record of __consumer_offsets, in
// offset order.
func eachOffsetsRecord(t *testing.T, b *Broker, fn func(record)) {
	t.Helper()
	pl := b.groups.offsets
	batches, err := pl.Read(pl.LogStartOffset(), 1<<30)
	if err != nil {
		t.Fatal(err)
	}
	for len(batches) > 0 {
		h, err := parseBatchHeader(batches)
		if err != nil {
			t.Fatal(err)
		}
		eachFullRecord(batches, h, func(r record) bool {
			fn(r)
			return true
		})
		batches = batches[h.Size():]
	}
}

// TestConsumerGroupRevocationTimeout: a member that is told to revoke and
// never confirms is removed after its rebalance timeout, although it keeps
// heartbeating, and the partitions it held go to the member waiting.
func TestConsumerGroupRevocationTimeout(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 2)
	a := newConsumerTester(t, b, "g", "a", "t")
	a.rebalanceTimeoutMs = 100
	a.heartbeat()
	m := newConsumerTester(t, b, "g", "b", "t")
	m.heartbeat()
	stuck := a.owned.wire() // what a keeps reporting it owns
	a.heartbeat()
	if len(a.owned) != 1 {
		t.Fatalf("a told to keep %v, want one partition", a.partitions())
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp := b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: a.epoch, RebalanceTimeoutMs: -1, TopicPartitions: stuck}, 1, "", "", nil)
		if resp.ErrorCode == codeUnknownMemberID {
			break
		}
		if resp.ErrorCode != codeNone || time.Now().After(deadline) {
			t.Fatalf("a still a member (error %d) after its rebalance timeout", resp.ErrorCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	m.heartbeat()
	m.heartbeat()
	if len(m.owned) != 2 {
		t.Fatalf("b after a was removed: %v, want both", m.partitions())
	}
}

// TestConsumerGroupAssignorsCoverEveryPartition runs both assignors over
// random memberships and subscriptions, each recomputed from the previous
// target as joins and leaves do: every partition of a subscribed topic
// goes to exactly one member that subscribes to it, and with one
// subscription for all, uniform's counts differ by at most one.
func TestConsumerGroupAssignorsCoverEveryPartition(t *testing.T) {
	b := consumerBroker(t, Config{}, "", 0)
	topics := []string{"t0", "t1", "t2"}
	for i, name := range topics {
		if _, err := b.logs.CreateTopic(name, int32(2+3*i)); err != nil {
			t.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, assignor := range consumerAssignors {
		cg := newConsumerGroup()
		cg.assignor = assignor
		for round := range 200 {
			// Join or leave one member.
			if id := fmt.Sprintf("m%d", rng.IntN(6)); cg.members[id] != nil && rng.IntN(2) == 0 {
				delete(cg.members, id)
				delete(cg.target, id)
			} else if cg.members[id] == nil {
				var subs []string
				homogeneous := round%2 == 0
				for _, name := range topics {
					if homogeneous || rng.IntN(2) == 0 {
						subs = append(subs, name)
					}
				}
				cg.nextSeq++
				cg.members[id] = &consumerMember{id: id, seq: cg.nextSeq, subscribed: subs}
			}
			cg.target = b.groups.assign(cg)

			owner := make(map[topicIDPartition]string)
			counts := make(map[string]int)
			for id, ps := range cg.target {
				for p := range ps {
					if o, ok := owner[p]; ok {
						t.Fatalf("%s round %d: %v assigned to %s and %s", assignor, round, p, o, id)
					}
					owner[p] = id
					counts[id]++
					tl := b.logs.TopicByID(p.topic)
					if !slices.Contains(cg.members[id].subscribed, tl.Name) {
						t.Fatalf("%s round %d: %s got %s[%d] without subscribing", assignor, round, id, tl.Name, p.partition)
					}
				}
			}
			subscribed := b.groups.subscribedTopics(cg)
			for _, name := range topics {
				if !subscribed[name] {
					continue
				}
				tl := b.logs.Topic(name)
				for p := range tl.Partitions {
					if _, ok := owner[topicIDPartition{tl.ID, int32(p)}]; !ok {
						t.Fatalf("%s round %d: %s[%d] assigned to nobody", assignor, round, name, p)
					}
				}
			}
			allSame := true
			for _, m := range cg.members {
				allSame = allSame && len(m.subscribed) == len(topics)
			}
			if assignor == uniformAssignor && allSame && len(counts) > 0 {
				lo, hi := len(owner), 0
				for id := range cg.members {
					lo, hi = min(lo, counts[id]), max(hi, counts[id])
				}
				if hi-lo > 1 {
					t.Fatalf("uniform round %d: counts %v differ by more than one", round, counts)
				}
			}
		}
	}
}

// TestConsumerGroupStaticMembers: a static member is known by its instance
// id. Another member id claiming it while it is live is refused at join
// (UNRELEASED_INSTANCE_ID) and fenced at heartbeat (FENCED_INSTANCE_ID);
// a leave with epoch -2 keeps its partitions; the instance coming back
// under a new member id gets them at once, and nobody else moved.
func TestConsumerGroupStaticMembers(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 4)
	a, s := newConsumerTester(t, b, "g", "a", "t"), newConsumerTester(t, b, "g", "s1", "t")
	s.instance = ptr("inst")
	s.heartbeat()
	a.heartbeat()
	for range 3 {
		s.heartbeat()
		a.heartbeat()
	}
	if len(s.owned) != 2 || len(a.owned) != 2 {
		t.Fatalf("before: s owns %v, a owns %v; want two each", s.partitions(), a.partitions())
	}
	sOwned, aOwned, groupEpoch := s.partitions(), a.partitions(), describeConsumerGroup(t, b, "g").GroupEpoch

	hb := func(member string, epoch int32) *consumerGroupHeartbeatResponse {
		req := &consumerGroupHeartbeatRequest{GroupID: "g", MemberID: member, MemberEpoch: epoch, InstanceID: ptr("inst"), RebalanceTimeoutMs: -1}
		if epoch == 0 {
			req.RebalanceTimeoutMs, req.SubscribedTopicNames, req.TopicPartitions = 60000, []string{"t"}, []consumerGroupTopicPartitions{}
		}
		return b.groups.consumerHeartbeat(req, 1, "", "", nil)
	}
	if resp := hb("s2", 0); resp.ErrorCode != codeUnreleasedInstanceID {
		t.Fatalf("join claiming a live instance id: error %d, want UNRELEASED_INSTANCE_ID", resp.ErrorCode)
	}
	if resp := hb("s2", s.epoch); resp.ErrorCode != codeFencedInstanceID {
		t.Fatalf("heartbeat claiming a live instance id: error %d (%s), want FENCED_INSTANCE_ID", resp.ErrorCode, deref(resp.ErrorMessage))
	}
	if resp := b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "s2", MemberEpoch: 3, InstanceID: ptr("other"), RebalanceTimeoutMs: -1}, 1, "", "", nil); resp.ErrorCode != codeUnknownMemberID {
		t.Fatalf("heartbeat with an unknown instance id: error %d, want UNKNOWN_MEMBER_ID", resp.ErrorCode)
	}

	// The static leave: epoch -2, the member stays with its partitions.
	if resp := hb("s1", staticLeaveEpoch); resp.ErrorCode != codeNone || resp.MemberEpoch != staticLeaveEpoch {
		t.Fatalf("static leave: %+v", resp)
	}
	a.heartbeat()
	d := describeConsumerGroup(t, b, "g")
	if len(d.Members) != 2 || d.GroupEpoch != groupEpoch || !slices.Equal(a.partitions(), aOwned) {
		t.Fatalf("after the static leave: epoch %d (was %d), members %+v, a owns %v", d.GroupEpoch, groupEpoch, d.Members, a.partitions())
	}

	// The instance comes back as s2 and gets exactly its partitions back.
	s2 := newConsumerTester(t, b, "g", "s2", "t")
	s2.instance = ptr("inst")
	s2.heartbeat()
	if !slices.Equal(s2.partitions(), sOwned) || s2.epoch != groupEpoch {
		t.Fatalf("rejoined static member: owns %v at epoch %d; want %v at %d", s2.partitions(), s2.epoch, sOwned, groupEpoch)
	}
	a.heartbeat()
	if !slices.Equal(a.partitions(), aOwned) || describeConsumerGroup(t, b, "g").GroupEpoch != groupEpoch {
		t.Fatal("the other member's partitions or the group epoch moved")
	}
	// The old member id is fenced now.
	if resp := hb("s1", s.epoch); resp.ErrorCode != codeFencedInstanceID {
		t.Fatalf("old member id after the replacement: error %d, want FENCED_INSTANCE_ID", resp.ErrorCode)
	}
}

// TestConsumerGroupStaticLeaveExpires: a static member that left with -2
// and does not come back is removed when its session times out, and its
// partitions go to the others.
func TestConsumerGroupStaticLeaveExpires(t *testing.T) {
	b := consumerBroker(t, Config{ConsumerSessionTimeout: 100 * time.Millisecond, ConsumerHeartbeatInterval: 20 * time.Millisecond}, "t", 2)
	a, s := newConsumerTester(t, b, "g", "a", "t"), newConsumerTester(t, b, "g", "s", "t")
	s.instance = ptr("inst")
	a.heartbeat()
	s.heartbeat()
	a.heartbeat()
	a.heartbeat()
	s.heartbeat()
	b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "s", MemberEpoch: -2, InstanceID: ptr("inst"), RebalanceTimeoutMs: -1}, 1, "", "", nil)
	deadline := time.Now().Add(5 * time.Second)
	for len(a.owned) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("a owns %v; the departed static member was never removed", a.partitions())
		}
		time.Sleep(20 * time.Millisecond)
		a.heartbeat()
	}
}

// TestConsumerGroupRegexSubscription: SubscribedTopicRegex matches whole
// topic names with RE2 syntax; a topic created later that matches joins the
// subscription and bumps the group epoch; an empty regex subscribes to
// nothing; an invalid one gets INVALID_REGULAR_EXPRESSION.
func TestConsumerGroupRegexSubscription(t *testing.T) {
	b := consumerBroker(t, Config{}, "orders-eu", 2)
	for _, name := range []string{"orders", "xorders-us", "payments"} {
		if _, err := b.logs.CreateTopic(name, 1); err != nil {
			t.Fatal(err)
		}
	}
	a := newConsumerTester(t, b, "g", "a")
	a.regex = ptr(`orders-\w+`)
	a.heartbeat()
	a.heartbeat() // the regex is resolved after the join (TestConsumerGroupRegexResolvedAfterHeartbeat)
	names := func() []string {
		var ns []string
		for p := range a.owned {
			ns = append(ns, fmt.Sprintf("%s-%d", b.logs.TopicByID(p.topic).Name, p.partition))
		}
		slices.Sort(ns)
		return ns
	}
	if got := names(); !slices.Equal(got, []string{"orders-eu-0", "orders-eu-1"}) {
		t.Fatalf("regex assignment %v, want orders-eu's partitions only (whole-name match)", got)
	}
	epoch := a.epoch
	if _, err := b.logs.CreateTopic("orders-us", 1); err != nil {
		t.Fatal(err)
	}
	a.heartbeat()
	if got := names(); !slices.Equal(got, []string{"orders-eu-0", "orders-eu-1", "orders-us-0"}) || a.epoch != epoch+1 {
		t.Fatalf("after orders-us was created: %v at epoch %d, want it added at epoch %d", got, a.epoch, epoch+1)
	}
	if d := describeConsumerGroup(t, b, "g"); deref(d.Members[0].SubscribedTopicRegex) != `orders-\w+` {
		t.Fatalf("described regex %v", d.Members[0].SubscribedTopicRegex)
	}

	e := newConsumerTester(t, b, "empty", "e")
	e.regex = ptr("")
	e.heartbeat()
	if len(e.owned) != 0 {
		t.Fatalf("empty regex got %v, want nothing", e.partitions())
	}
	// librdkafka sends its topic names with an empty regex: the names
	// count, the regex does not.
	resp0 := b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "rdk", MemberID: "r", RebalanceTimeoutMs: 1000,
		SubscribedTopicNames: []string{"payments"}, SubscribedTopicRegex: ptr(""), TopicPartitions: []consumerGroupTopicPartitions{}}, 1, "", "", nil)
	if resp0.ErrorCode != codeNone || resp0.Assignment == nil || len(resp0.Assignment.TopicPartitions) != 1 {
		t.Fatalf("names with an empty regex: %+v", resp0)
	}
	resp := b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "bad", MemberID: "x", RebalanceTimeoutMs: 1000,
		SubscribedTopicRegex: ptr("[a-"), TopicPartitions: []consumerGroupTopicPartitions{}}, 1, "", "", nil)
	if resp.ErrorCode != codeInvalidRegularExpression || !strings.Contains(deref(resp.ErrorMessage), "[a-") {
		t.Fatalf("invalid regex: %d %q", resp.ErrorCode, deref(resp.ErrorMessage))
	}
}

// TestConsumerGroupMaxSize: group.consumer.max.size refuses a new member
// with GROUP_MAX_SIZE_REACHED, while the members keep heartbeating.
func TestConsumerGroupMaxSize(t *testing.T) {
	b := consumerBroker(t, Config{ConsumerGroupMaxSize: 2}, "t", 2)
	a, m := newConsumerTester(t, b, "g", "a", "t"), newConsumerTester(t, b, "g", "b", "t")
	a.heartbeat()
	m.heartbeat()
	resp := b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "c", RebalanceTimeoutMs: 1000,
		SubscribedTopicNames: []string{"t"}, TopicPartitions: []consumerGroupTopicPartitions{}}, 1, "", "", nil)
	if resp.ErrorCode != codeGroupMaxSizeReached {
		t.Fatalf("third member: error %d, want GROUP_MAX_SIZE_REACHED", resp.ErrorCode)
	}
	a.heartbeat()
	m.heartbeat()
	if n := len(describeConsumerGroup(t, b, "g").Members); n != 2 {
		t.Fatalf("%d members, want 2", n)
	}

	// A static member's new instance takes the old one's place: the
	// full group lets it in.
	s := newConsumerTester(t, b, "h", "s1", "t")
	s.instance = ptr("inst")
	s.heartbeat()
	a2 := newConsumerTester(t, b, "h", "a", "t")
	a2.heartbeat()
	b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "h", MemberID: "s1", MemberEpoch: -2, InstanceID: ptr("inst"), RebalanceTimeoutMs: -1}, 1, "", "", nil)
	s2 := newConsumerTester(t, b, "h", "s2", "t")
	s2.instance = ptr("inst")
	s2.heartbeat() // fails the test on an error
}

// TestConsumerGroupRegexMatchesInternalTopics: Kafka resolves a
// SubscribedTopicRegex against every topic in its metadata image, internal
// ones included (GroupMetadataManager.refreshRegularExpressions has no
// internal filter), so a regex naming __consumer_offsets is assigned it.
// franz-go's Test848RegexBrokerResolves expects exactly that.
func TestConsumerGroupRegexMatchesInternalTopics(t *testing.T) {
	b := consumerBroker(t, Config{}, "orders", 1)
	if b.logs.Topic(offsetsTopic) == nil {
		t.Fatalf("%s does not exist", offsetsTopic)
	}
	a := newConsumerTester(t, b, "g", "a")
	a.regex = ptr(`orders|__consumer_offsets`)
	a.heartbeat()
	a.heartbeat()
	var names []string
	for p := range a.owned {
		names = append(names, b.logs.TopicByID(p.topic).Name)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if !slices.Equal(names, []string{offsetsTopic, "orders"}) {
		t.Fatalf("regex assignment covers %v, want %s and orders", names, offsetsTopic)
	}
}

// TestConsumerGroupRegexResolvedAfterHeartbeat: Kafka resolves a regex new
// to the group off the heartbeat path (maybeUpdateRegularExpressions
// schedules refreshRegularExpressions), so the heartbeat that brings it is
// answered with the member's named topics only, and the regex's topics
// come at its next heartbeat, in a new group epoch; librdkafka's
// 0045_resubscribe_with_regex waits for exactly that order. A regex that
// another member has is resolved already and counts at once, and a new
// one that matches nothing bumps no epoch.
func TestConsumerGroupRegexResolvedAfterHeartbeat(t *testing.T) {
	b := consumerBroker(t, Config{}, "topic_regex1", 4)
	for name, n := range map[string]int32{"topic_regex2": 4, "topic_a": 2} {
		if _, err := b.logs.CreateTopic(name, n); err != nil {
			t.Fatal(err)
		}
	}
	topicsOf := func(c *consumerTester) []string {
		var ns []string
		for p := range c.owned {
			ns = append(ns, b.logs.TopicByID(p.topic).Name)
		}
		slices.Sort(ns)
		return slices.Compact(ns)
	}
	join := func(id, regex string, names ...string) *consumerTester {
		c := newConsumerTester(t, b, "g", id)
		resp := b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: id, RebalanceTimeoutMs: 60000,
			SubscribedTopicNames: names, SubscribedTopicRegex: ptr(regex), TopicPartitions: []consumerGroupTopicPartitions{}}, 1, "", "", nil)
		if resp.ErrorCode != codeNone || resp.Assignment == nil {
			t.Fatalf("%s joins: %+v", id, resp)
		}
		c.epoch = resp.MemberEpoch
		for _, tp := range resp.Assignment.TopicPartitions {
			for _, p := range tp.Partitions {
				c.owned[topicIDPartition{tp.TopicID, p}] = true
			}
		}
		return c
	}

	a := join("a", `^.*topic_regex.*`, "topic_a")
	if got := topicsOf(a); !slices.Equal(got, []string{"topic_a"}) {
		t.Fatalf("the join with a new regex is assigned %v, want the named topic_a only", got)
	}
	joined := a.epoch
	a.heartbeat()
	if got := topicsOf(a); !slices.Equal(got, []string{"topic_a", "topic_regex1", "topic_regex2"}) || a.epoch != joined+1 {
		t.Fatalf("next heartbeat: %v at epoch %d, want the regex's topics added at epoch %d", got, a.epoch, joined+1)
	}

	// The same regex again is resolved already: the new member is in the
	// first target, sharing the regex's topics with a.
	m := join("m", `^.*topic_regex.*`)
	if got := describeConsumerGroup(t, b, "g"); len(got.Members) != 2 {
		t.Fatalf("%d members, want 2", len(got.Members))
	}
	g := b.groups.lockGroup("g", false)
	target := len(g.consumer.target["m"])
	g.mu.Unlock()
	if target == 0 {
		t.Fatalf("a second member with a resolved regex has an empty target (owns %v)", m.partitions())
	}

	// A regex that matches nothing changes nothing once resolved.
	n := join("n", `nothing-.*`)
	before := n.epoch
	n.heartbeat()
	if n.epoch != before {
		t.Fatalf("a regex matching nothing moved the group epoch from %d to %d", before, n.epoch)
	}
}
