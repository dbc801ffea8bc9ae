// Tests of the group coordinator. Most drive the handlers directly, as a
// connection would, with a requestContext that has no network connection
// behind it; JoinGroup and SyncGroup block, so they run in goroutines. The
// offset store is tested end to end, through a real listener and a broker
// restart.
package kafka

import (
	"context"
	"fmt"

	"io"
	"log/slog"
	"maps"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
)

// openGroupBroker opens a broker on dir without serving it. Session
// timeouts down to 1ms are allowed, so tests can expire members quickly.
func openGroupBroker(t *testing.T, dir string, cfg Config) *Broker {
	t.Helper()
	cfg.DataDir = dir
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	if cfg.GroupMinSessionTimeout == 0 {
		cfg.GroupMinSessionTimeout = time.Millisecond
	}
	b, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.groups.close()
		for _, g := range b.groups.allGroups() {
			g.mu.Lock()
			if err := g.check(); err != nil {
				t.Errorf("group %s: %v", g.id, err)
			}
			g.mu.Unlock()
		}
		b.logs.Close()
	})
	return b
}

// check verifies what must hold of a group between requests, whatever
// happened to it. Tests run it on every group at teardown.
func (g *group) check() error {
	switch {
	case g.state == stateDead:
		return fmt.Errorf("a dead group is still listed")
	case (g.leader == "") != (len(g.members) == 0):
		return fmt.Errorf("leader %q with %d members", g.leader, len(g.members))
	case g.leader != "" && g.members[g.leader] == nil:
		return fmt.Errorf("leader %s is not a member", g.leader)
	case g.state == stateEmpty && len(g.members) > 0:
		return fmt.Errorf("Empty with %d members", len(g.members))
	case (g.state == stateStable || g.state == stateCompletingRebalance) && g.protocolName == nil:
		return fmt.Errorf("%s without a protocol", g.state)
	}
	for inst, id := range g.static {
		if m := g.members[id]; m == nil || m.instanceID == nil || *m.instanceID != inst {
			return fmt.Errorf("instance %s maps to %s, which is not its member", inst, id)
		}
	}
	for id, m := range g.members {
		if m.id != id {
			return fmt.Errorf("member %s listed under %s", m.id, id)
		}
		if m.instanceID != nil && g.static[*m.instanceID] != id {
			return fmt.Errorf("static member %s is not in the instance map", id)
		}
		if g.pending[id] != nil {
			return fmt.Errorf("member %s is also pending", id)
		}
		if g.state != statePreparingRebalance && m.awaitingJoin != nil {
			return fmt.Errorf("member %s waits in JoinGroup while %s", id, g.state)
		}
		if g.state != stateCompletingRebalance && m.awaitingSync != nil {
			return fmt.Errorf("member %s waits in SyncGroup while %s", id, g.state)
		}
	}
	for id := range g.pendingSync {
		if g.members[id] == nil {
			return fmt.Errorf("pending sync of %s, not a member", id)
		}
	}
	if g.consumer != nil {
		return g.consumer.check() // consumer_test.go
	}
	return nil
}

// testRC is the requestContext of a request at version v from client
// "test-client", with no connection.
func testRC(v int16) *requestContext {
	return &requestContext{header: &requestHeader{APIVersion: v, ClientID: ptr("test-client")}}
}

// subscription is a consumer's protocol metadata
// (ConsumerProtocolSubscription v0): the topics, and null user data.
func subscription(topics ...string) []byte {
	w := &writer{}
	w.Int16(0)
	w.Strings(topics)
	w.Bytes(nil)
	return w.buf
}

// groupTester drives one group through the handlers.
type groupTester struct {
	t     *testing.T
	b     *Broker
	group string

	session, rebalance time.Duration
	topics             []string // what members subscribe to
}

func newGroupTester(t *testing.T, b *Broker, group string) *groupTester {
	return &groupTester{t: t, b: b, group: group, session: 10 * time.Second, rebalance: 5 * time.Second, topics: []string{"t"}}
}

func (gt *groupTester) joinRequest(memberID string, instanceID *string) *joinGroupRequest {
	return &joinGroupRequest{
		GroupID:            gt.group,
		SessionTimeoutMs:   int32(gt.session / time.Millisecond),
		RebalanceTimeoutMs: int32(gt.rebalance / time.Millisecond),
		MemberID:           memberID,
		GroupInstanceID:    instanceID,
		ProtocolType:       "consumer",
		Protocols:          []joinGroupProtocol{{Name: "range", Metadata: subscription(gt.topics...)}},
	}
}

// joinAsync sends a JoinGroup at version v; the answer arrives on the
// channel.
func (gt *groupTester) joinAsync(v int16, req *joinGroupRequest) <-chan *joinGroupResponse {
	ch := make(chan *joinGroupResponse, 1)
	go func() {
		ch <- gt.b.handleJoinGroup(context.Background(), testRC(v), req).(*joinGroupResponse)
	}()
	return ch
}

// waitErr returns the answer on ch, or an error after 10s.
func waitErr[T any](ch <-chan T) (T, error) {
	select {
	case v := <-ch:
		return v, nil
	case <-time.After(10 * time.Second):
		var zero T
		return zero, fmt.Errorf("no answer after 10s")
	}
}

// wait returns the answer on ch, failing the test after 10s.
func wait[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("no answer after 10s")
		panic("unreachable")
	}
}

// newMemberID does the KIP-394 handshake: a JoinGroup v9 without a member
// id must get MEMBER_ID_REQUIRED and an id.
func (gt *groupTester) newMemberID() string {
	gt.t.Helper()
	resp := wait(gt.t, gt.joinAsync(9, gt.joinRequest("", nil)))
	if resp.ErrorCode != codeMemberIDRequired || resp.MemberID == "" || resp.GenerationID != -1 {
		gt.t.Fatalf("first join: code %d, member id %q, generation %d; want MEMBER_ID_REQUIRED and an id", resp.ErrorCode, resp.MemberID, resp.GenerationID)
	}
	return resp.MemberID
}

func (gt *groupTester) join(memberID string) <-chan *joinGroupResponse {
	return gt.joinAsync(9, gt.joinRequest(memberID, nil))
}

func (gt *groupTester) syncAsync(memberID string, generation int32, assignments map[string]string) <-chan *syncGroupResponse {
	req := &syncGroupRequest{GroupID: gt.group, GenerationID: generation, MemberID: memberID, ProtocolType: ptr("consumer"), ProtocolName: ptr("range")}
	for _, id := range slices.Sorted(maps.Keys(assignments)) {
		req.Assignments = append(req.Assignments, syncGroupAssignment{MemberID: id, Assignment: []byte(assignments[id])})
	}
	ch := make(chan *syncGroupResponse, 1)
	go func() {
		ch <- gt.b.handleSyncGroup(context.Background(), testRC(5), req).(*syncGroupResponse)
	}()
	return ch
}

func (gt *groupTester) heartbeat(memberID string, generation int32) int16 {
	req := &heartbeatRequest{GroupID: gt.group, GenerationID: generation, MemberID: memberID}
	return gt.b.handleHeartbeat(context.Background(), testRC(4), req).(*heartbeatResponse).ErrorCode
}

func (gt *groupTester) leave(memberIDs ...string) *leaveGroupResponse {
	req := &leaveGroupRequest{GroupID: gt.group}
	for _, id := range memberIDs {
		req.Members = append(req.Members, leaveGroupMember{MemberID: id})
	}
	return gt.b.handleLeaveGroup(context.Background(), testRC(5), req).(*leaveGroupResponse)
}

func (gt *groupTester) commit(v int16, memberID string, generation int32, topic string, partition int32, offset int64) int16 {
	req := &offsetCommitRequest{
		GroupID:                   gt.group,
		GenerationIDOrMemberEpoch: generation,
		MemberID:                  memberID,
		RetentionTimeMs:           -1, // none, as decode fills in for v5 on
		Topics: []offsetCommitTopic{{Name: topic, Partitions: []offsetCommitPartition{
			{PartitionIndex: partition, CommittedOffset: offset, CommittedLeaderEpoch: -1, CommittedMetadata: ptr("m")},
		}}},
	}
	resp := gt.b.handleOffsetCommit(context.Background(), testRC(v), req).(*offsetCommitResponse)
	return resp.Topics[0].Partitions[0].ErrorCode
}

func (gt *groupTester) committed(topic string, partition int32) int64 {
	req := &offsetFetchRequest{GroupID: gt.group, Topics: []offsetFetchRequestTopic{{Name: topic, PartitionIndexes: []int32{partition}}}}
	resp := gt.b.handleOffsetFetch(context.Background(), testRC(7), req).(*offsetFetchResponse)
	return resp.Topics[0].Partitions[0].CommittedOffset
}

// awaitingJoin reports whether the member's JoinGroup waits in the join
// phase.
func (gt *groupTester) awaitingJoin(id string) bool {
	g := gt.b.groups.lockGroup(gt.group, false)
	if g == nil {
		return false
	}
	defer g.mu.Unlock()
	m := g.members[id]
	return m != nil && m.awaitingJoin != nil
}

func (gt *groupTester) describe() describedGroup {
	req := &describeGroupsRequest{Groups: []string{gt.group}}
	return gt.b.handleDescribeGroups(context.Background(), testRC(5), req).(*describeGroupsResponse).Groups[0]
}

// waitState waits until the group is in state, for requests sent from
// other goroutines to have been handled.
func (gt *groupTester) waitState(state string) {
	gt.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for gt.describe().GroupState != state {
		if time.Now().After(deadline) {
			gt.t.Fatalf("group %s is %s, never %s", gt.group, gt.describe().GroupState, state)
		}
		time.Sleep(time.Millisecond)
	}
}

// joined is what a test knows of one member after a rebalance.
type joined struct {
	id         string
	generation int32
	leader     bool
	members    []string // for the leader
}

// checkGeneration checks the JoinGroup answers of one rebalance: no
// errors, one generation, one leader that got the member list, and
// followers that got none.
func checkGeneration(t *testing.T, resps ...*joinGroupResponse) []joined {
	t.Helper()
	var out []joined
	leaders := 0
	for _, r := range resps {
		if r.ErrorCode != codeNone {
			t.Fatalf("join of %s: error %d", r.MemberID, r.ErrorCode)
		}
		if r.GenerationID != resps[0].GenerationID || r.Leader != resps[0].Leader {
			t.Fatalf("answers disagree: generation %d leader %s vs generation %d leader %s", r.GenerationID, r.Leader, resps[0].GenerationID, resps[0].Leader)
		}
		if deref(r.ProtocolName) != "range" || deref(r.ProtocolType) != "consumer" {
			t.Errorf("protocol %v/%v, want consumer/range", deref(r.ProtocolType), deref(r.ProtocolName))
		}
		j := joined{id: r.MemberID, generation: r.GenerationID, leader: r.Leader == r.MemberID}
		for _, m := range r.Members {
			j.members = append(j.members, m.MemberID)
			if string(m.Metadata) != string(subscription("t")) {
				t.Errorf("leader got metadata %x for %s", m.Metadata, m.MemberID)
			}
		}
		if j.leader {
			leaders++
			if len(j.members) != len(resps) {
				t.Errorf("leader got %d members, want %d", len(j.members), len(resps))
			}
		} else if len(j.members) != 0 {
			t.Errorf("follower %s got the member list", j.id)
		}
		out = append(out, j)
	}
	if leaders != 1 {
		t.Fatalf("%d leaders, want 1", leaders)
	}
	return out
}

// stableGroup forms a Stable group of n members and returns their ids,
// the leader first, and the generation.
func (gt *groupTester) stableGroup(n int) ([]string, int32) {
	gt.t.Helper()
	// Every id is handed out before anyone joins with it: pending ids
	// hold the join phase open, so the first join does not complete a
	// generation of one.
	var pending []string
	for range n {
		pending = append(pending, gt.newMemberID())
	}
	var chans []<-chan *joinGroupResponse
	for _, id := range pending {
		chans = append(chans, gt.join(id))
	}
	var resps []*joinGroupResponse
	for _, ch := range chans {
		resps = append(resps, wait(gt.t, ch))
	}
	js := checkGeneration(gt.t, resps...)
	slices.SortFunc(js, func(a, b joined) int {
		if a.leader {
			return -1
		}
		if b.leader {
			return 1
		}
		return 0
	})
	ids := make([]string, n)
	assign := map[string]string{}
	for i, j := range js {
		ids[i] = j.id
		assign[j.id] = "a-" + j.id
	}
	gen := js[0].generation
	var syncs []<-chan *syncGroupResponse
	for _, id := range ids[1:] {
		syncs = append(syncs, gt.syncAsync(id, gen, nil))
	}
	syncs = append(syncs, gt.syncAsync(ids[0], gen, assign))
	for i, ch := range syncs {
		if r := wait(gt.t, ch); r.ErrorCode != codeNone {
			gt.t.Fatalf("sync %d: error %d", i, r.ErrorCode)
		}
	}
	return ids, gen
}

func TestJoinGroupTwoMembers(t *testing.T) {
	// The initial delay is what lets two members that join 10ms apart
	// share the first rebalance.
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: 200 * time.Millisecond})
	gt := newGroupTester(t, b, "g")

	a := gt.newMemberID()
	c := gt.newMemberID()
	if a == c {
		t.Fatalf("both members got id %s", a)
	}
	start := time.Now()
	ja := gt.join(a)
	time.Sleep(10 * time.Millisecond)
	jc := gt.join(c)
	resps := []*joinGroupResponse{wait(t, ja), wait(t, jc)}
	if took := time.Since(start); took < 200*time.Millisecond {
		t.Errorf("first rebalance done after %v, before the initial delay", took)
	}
	js := checkGeneration(t, resps...)
	if js[0].generation != 1 {
		t.Errorf("generation %d, want 1", js[0].generation)
	}
	if d := gt.describe(); d.GroupState != "CompletingRebalance" || len(d.Members) != 2 {
		t.Errorf("described as %s with %d members", d.GroupState, len(d.Members))
	}

	// A member id the group never handed out is refused.
	if r := wait(t, gt.join("no-such-member")); r.ErrorCode != codeUnknownMemberID {
		t.Errorf("unknown member id: code %d", r.ErrorCode)
	}
	if r := wait(t, newGroupTester(t, b, "nope").join("no-such-member")); r.ErrorCode != codeUnknownMemberID {
		t.Errorf("member id in a group that does not exist: code %d", r.ErrorCode)
	}
	// So is a protocol type the group does not speak.
	req := gt.joinRequest("", nil)
	req.ProtocolType = "connect"
	if r := wait(t, gt.joinAsync(9, req)); r.ErrorCode != codeInconsistentGroupProtocol {
		t.Errorf("other protocol type: code %d", r.ErrorCode)
	}

	// Before v4 there is no handshake: the first join is a member.
	v3 := newGroupTester(t, b, "v3")
	old := wait(t, v3.joinAsync(3, v3.joinRequest("", nil)))
	if old.ErrorCode != codeNone || old.MemberID == "" || old.GenerationID != 1 || old.Leader != old.MemberID {
		t.Fatalf("join v3: %+v", old)
	}
	// And a session timeout below the minimum.
	strict := openGroupBroker(t, t.TempDir(), Config{GroupMinSessionTimeout: time.Second})
	req = newGroupTester(t, strict, "g").joinRequest("", nil)
	req.SessionTimeoutMs = 10
	if r := wait(t, newGroupTester(t, strict, "g").joinAsync(9, req)); r.ErrorCode != codeInvalidSessionTimeout {
		t.Errorf("short session: code %d", r.ErrorCode)
	}
}

func TestSyncGroupHandsOutAssignments(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: 50 * time.Millisecond})
	gt := newGroupTester(t, b, "g")
	ja, jc := gt.join(gt.newMemberID()), gt.join(gt.newMemberID())
	js := checkGeneration(t, wait(t, ja), wait(t, jc))
	leader, follower := js[0], js[1]
	if follower.leader {
		leader, follower = follower, leader
	}

	// The follower's SyncGroup waits for the leader's.
	fs := gt.syncAsync(follower.id, follower.generation, nil)
	select {
	case r := <-fs:
		t.Fatalf("follower's SyncGroup answered before the leader's: %+v", r)
	case <-time.After(50 * time.Millisecond):
	}
	// Heartbeats between JoinGroup and SyncGroup are fine.
	if code := gt.heartbeat(follower.id, follower.generation); code != codeNone {
		t.Errorf("heartbeat in CompletingRebalance: code %d", code)
	}
	ls := gt.syncAsync(leader.id, leader.generation, map[string]string{leader.id: "p0", follower.id: "p1"})
	lr, fr := wait(t, ls), wait(t, fs)
	if lr.ErrorCode != codeNone || string(lr.Assignment) != "p0" || fr.ErrorCode != codeNone || string(fr.Assignment) != "p1" {
		t.Fatalf("leader got %d %q, follower %d %q; want p0 and p1", lr.ErrorCode, lr.Assignment, fr.ErrorCode, fr.Assignment)
	}
	if deref(fr.ProtocolName) != "range" || deref(fr.ProtocolType) != "consumer" {
		t.Errorf("sync v5 protocol %v/%v", deref(fr.ProtocolType), deref(fr.ProtocolName))
	}
	d := gt.describe()
	if d.GroupState != "Stable" || d.ProtocolData != "range" || len(d.Members) != 2 {
		t.Fatalf("described as %+v", d)
	}
	for _, m := range d.Members {
		want := map[string]string{leader.id: "p0", follower.id: "p1"}[m.MemberID]
		if string(m.MemberAssignment) != want || string(m.MemberMetadata) != string(subscription("t")) || m.ClientID != "test-client" {
			t.Errorf("member %s described with assignment %q, metadata %x, client %q", m.MemberID, m.MemberAssignment, m.MemberMetadata, m.ClientID)
		}
	}
	for _, id := range []string{leader.id, follower.id} {
		if code := gt.heartbeat(id, leader.generation); code != codeNone {
			t.Errorf("heartbeat of %s in Stable: code %d", id, code)
		}
	}
	// Once Stable, a SyncGroup gets the member's assignment at once.
	if r := wait(t, gt.syncAsync(follower.id, follower.generation, nil)); string(r.Assignment) != "p1" {
		t.Errorf("late sync: %q", r.Assignment)
	}
	// Checks of SyncGroup.
	if r := wait(t, gt.syncAsync(follower.id, follower.generation+1, nil)); r.ErrorCode != codeIllegalGeneration {
		t.Errorf("sync of a wrong generation: code %d", r.ErrorCode)
	}
	if r := wait(t, gt.syncAsync("stranger", follower.generation, nil)); r.ErrorCode != codeUnknownMemberID {
		t.Errorf("sync of a stranger: code %d", r.ErrorCode)
	}
	req := &syncGroupRequest{GroupID: "g", GenerationID: leader.generation, MemberID: leader.id, ProtocolName: ptr("roundrobin")}
	if r := b.handleSyncGroup(context.Background(), testRC(5), req).(*syncGroupResponse); r.ErrorCode != codeInconsistentGroupProtocol {
		t.Errorf("sync naming another protocol: code %d", r.ErrorCode)
	}
}

func TestThirdMemberForcesRebalance(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: 20 * time.Millisecond})
	if _, err := b.logs.CreateTopic("t", 1); err != nil {
		t.Fatal(err)
	}
	gt := newGroupTester(t, b, "g")
	ids, gen := gt.stableGroup(2)

	third := gt.join(gt.newMemberID())
	gt.waitState("PreparingRebalance")
	// The third member's join waits for the others to join again; they
	// learn of it from their heartbeats.
	for _, id := range ids {
		if code := gt.heartbeat(id, gen); code != codeRebalanceInProgress {
			t.Fatalf("heartbeat of %s during the rebalance: code %d, want REBALANCE_IN_PROGRESS", id, code)
		}
	}
	select {
	case r := <-third:
		t.Fatalf("third member answered before the others rejoined: %+v", r)
	default:
	}
	// Commits of the old generation are still taken while preparing.
	if code := gt.commit(8, ids[0], gen, "t", 0, 1); code != codeNone {
		t.Errorf("commit while preparing a rebalance: code %d", code)
	}
	j0, j1 := gt.join(ids[0]), gt.join(ids[1])
	js := checkGeneration(t, wait(t, third), wait(t, j0), wait(t, j1))
	if js[0].generation != gen+1 {
		t.Errorf("new generation %d, want %d", js[0].generation, gen+1)
	}
	if code := gt.heartbeat(ids[0], gen); code != codeIllegalGeneration {
		t.Errorf("heartbeat of the old generation: code %d, want ILLEGAL_GENERATION", code)
	}
	if code := gt.heartbeat("stranger", gen+1); code != codeUnknownMemberID {
		t.Errorf("heartbeat of a stranger: code %d, want UNKNOWN_MEMBER_ID", code)
	}
}

// TestJoinOvertakesLeaderSync is the interleaving traced at
// coordinator.sync: a follower's SyncGroup waits for the leader's, a new
// member joins first, and both SyncGroups are sent back to JoinGroup.
func TestJoinOvertakesLeaderSync(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: -1})
	gt := newGroupTester(t, b, "g")
	a, f := gt.newMemberID(), gt.newMemberID()
	ja, jf := gt.join(a), gt.join(f)
	js := checkGeneration(t, wait(t, ja), wait(t, jf))
	leader, follower := js[0], js[1]
	if follower.leader {
		leader, follower = follower, leader
	}
	waiting := gt.syncAsync(follower.id, follower.generation, nil)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		g := b.groups.lockGroup("g", false)
		parked := g.members[follower.id].awaitingSync != nil
		g.mu.Unlock()
		if parked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the follower's SyncGroup never waited")
		}
	}

	third := gt.join(gt.newMemberID())
	if r := wait(t, waiting); r.ErrorCode != codeRebalanceInProgress {
		t.Fatalf("follower's waiting SyncGroup: code %d, want REBALANCE_IN_PROGRESS", r.ErrorCode)
	}
	r := wait(t, gt.syncAsync(leader.id, leader.generation, map[string]string{leader.id: "x", follower.id: "y"}))
	if r.ErrorCode != codeRebalanceInProgress {
		t.Fatalf("leader's late SyncGroup: code %d, want REBALANCE_IN_PROGRESS", r.ErrorCode)
	}
	jl, jf2 := gt.join(leader.id), gt.join(follower.id)
	js = checkGeneration(t, wait(t, third), wait(t, jl), wait(t, jf2))
	if js[0].generation != leader.generation+1 {
		t.Errorf("generation %d, want %d", js[0].generation, leader.generation+1)
	}
}

func TestLeaveGroupRebalances(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: 20 * time.Millisecond})
	if _, err := b.logs.CreateTopic("t", 1); err != nil {
		t.Fatal(err)
	}
	gt := newGroupTester(t, b, "g")
	ids, gen := gt.stableGroup(2)
	resp := gt.leave(ids[0], "stranger")
	if resp.ErrorCode != codeNone || len(resp.Members) != 2 || resp.Members[0].ErrorCode != codeNone || resp.Members[1].ErrorCode != codeUnknownMemberID {
		t.Fatalf("leave: %+v", resp)
	}
	if code := gt.heartbeat(ids[1], gen); code != codeRebalanceInProgress {
		t.Fatalf("heartbeat after the leader left: code %d", code)
	}
	js := checkGeneration(t, wait(t, gt.join(ids[1])))
	if !js[0].leader || js[0].generation != gen+1 {
		t.Errorf("after leave: %+v", js[0])
	}
	// The last one out leaves the group Empty, which a standalone commit
	// may use again.
	gt.leave(ids[1])
	if d := gt.describe(); d.GroupState != "Empty" || len(d.Members) != 0 {
		t.Errorf("after everyone left: %s with %d members", d.GroupState, len(d.Members))
	}
	if code := gt.commit(8, "", -1, "t", 0, 5); code != codeNone {
		t.Errorf("standalone commit to an emptied group: code %d", code)
	}
	// v0-2 have one member and no per-member errors.
	old := b.handleLeaveGroup(context.Background(), testRC(1), &leaveGroupRequest{GroupID: "g", MemberID: "gone"}).(*leaveGroupResponse)
	if old.ErrorCode != codeUnknownMemberID {
		t.Errorf("leave v1 of a stranger: code %d", old.ErrorCode)
	}
}

func TestSessionExpiry(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: -1})
	gt := newGroupTester(t, b, "g")
	gt.session = 150 * time.Millisecond
	ids, gen := gt.stableGroup(2)
	alive, dead := ids[0], ids[1]

	// alive heartbeats every 30ms; dead says nothing.
	deadline := time.Now().Add(5 * time.Second)
	for {
		code := gt.heartbeat(alive, gen)
		if code == codeRebalanceInProgress {
			break
		}
		if code != codeNone || time.Now().After(deadline) {
			t.Fatalf("heartbeat: code %d; the silent member was not expired", code)
		}
		time.Sleep(30 * time.Millisecond)
	}
	js := checkGeneration(t, wait(t, gt.join(alive)))
	if js[0].generation != gen+1 || len(js[0].members) != 1 {
		t.Errorf("after expiry: %+v", js[0])
	}
	if code := gt.heartbeat(dead, gen); code != codeUnknownMemberID {
		t.Errorf("heartbeat of the expired member: code %d, want UNKNOWN_MEMBER_ID", code)
	}
}

// TestPendingMemberJoinsAfterRebalance is the pitfall of PITFALLS.md: a
// member that got MEMBER_ID_REQUIRED while a rebalance was under way and
// joins after it completed must be taken in, not told UNKNOWN_MEMBER_ID.
func TestPendingMemberJoinsAfterRebalance(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: -1})
	gt := newGroupTester(t, b, "g")
	gt.rebalance = 200 * time.Millisecond
	ids, gen := gt.stableGroup(1)

	late := gt.newMemberID() // pending from now on
	// The leader's join starts a rebalance that waits for the pending id
	// until the rebalance timeout, then goes on without it.
	start := time.Now()
	js := checkGeneration(t, wait(t, gt.join(ids[0])))
	if js[0].generation != gen+1 || len(js[0].members) != 1 {
		t.Fatalf("rebalance without the pending member: %+v", js[0])
	}
	if took := time.Since(start); took < gt.rebalance {
		t.Errorf("join phase ended after %v, without waiting for the pending member", took)
	}
	lateJoin := gt.join(late)
	gt.waitState("PreparingRebalance")
	if code := gt.heartbeat(ids[0], gen+1); code != codeRebalanceInProgress {
		t.Fatalf("heartbeat after the late join: code %d", code)
	}
	rejoin := gt.join(ids[0])
	js = checkGeneration(t, wait(t, lateJoin), wait(t, rejoin))
	if js[0].generation != gen+2 {
		t.Errorf("generation %d, want %d", js[0].generation, gen+2)
	}
}

func TestStaticMemberRestart(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: -1})
	gt := newGroupTester(t, b, "g")
	r := wait(t, gt.joinAsync(9, gt.joinRequest("", ptr("instance-1"))))
	js := checkGeneration(t, r)
	old := js[0].id
	if s := wait(t, gt.syncAsync(old, js[0].generation, map[string]string{old: "mine"})); s.ErrorCode != codeNone {
		t.Fatalf("sync: %d", s.ErrorCode)
	}

	// The instance restarts and joins without its member id: a new id,
	// the same generation, no rebalance (KIP-345), and at v9 it is told
	// it leads but need not assign (KIP-814).
	r = wait(t, gt.joinAsync(9, gt.joinRequest("", ptr("instance-1"))))
	if r.ErrorCode != codeNone || r.MemberID == old || r.GenerationID != js[0].generation || !r.SkipAssignment || r.Leader != r.MemberID {
		t.Fatalf("static rejoin: %+v", r)
	}
	if d := gt.describe(); d.GroupState != "Stable" {
		t.Errorf("static rejoin moved the group to %s", d.GroupState)
	}
	if s := wait(t, gt.syncAsync(r.MemberID, r.GenerationID, nil)); s.ErrorCode != codeNone || string(s.Assignment) != "mine" {
		t.Errorf("sync after static rejoin: %d %q, want the old assignment", s.ErrorCode, s.Assignment)
	}
	// The old id is fenced.
	hb := &heartbeatRequest{GroupID: "g", GenerationID: r.GenerationID, MemberID: old, GroupInstanceID: ptr("instance-1")}
	if code := b.handleHeartbeat(context.Background(), testRC(4), hb).(*heartbeatResponse).ErrorCode; code != codeFencedInstanceID {
		t.Errorf("heartbeat of the replaced id: code %d, want FENCED_INSTANCE_ID", code)
	}
	// An admin removes it by instance id.
	lr := b.handleLeaveGroup(context.Background(), testRC(5), &leaveGroupRequest{GroupID: "g", Members: []leaveGroupMember{{GroupInstanceID: ptr("instance-1")}}}).(*leaveGroupResponse)
	if lr.Members[0].ErrorCode != codeNone || gt.describe().GroupState != "Empty" {
		t.Errorf("leave by instance id: %+v, group %s", lr.Members[0], gt.describe().GroupState)
	}
}

func TestOffsetCommitChecks(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: -1})
	if _, err := b.logs.CreateTopic("t", 2); err != nil {
		t.Fatal(err)
	}
	gt := newGroupTester(t, b, "g")
	ids, gen := gt.stableGroup(2)

	for _, tc := range []struct {
		name      string
		v         int16
		member    string
		gen       int32
		topic     string
		partition int32
		want      int16
	}{
		{"member of the generation", 8, ids[1], gen, "t", 1, codeNone},
		{"wrong generation", 8, ids[1], gen + 1, "t", 1, codeIllegalGeneration},
		{"unknown member", 8, "stranger", gen, "t", 1, codeUnknownMemberID},
		{"standalone commit to a group with members", 8, "", -1, "t", 1, codeUnknownMemberID},
		{"unknown topic", 8, ids[0], gen, "nope", 0, codeUnknownTopicOrPartition},
		{"unknown partition", 8, ids[0], gen, "t", 2, codeUnknownTopicOrPartition},
	} {
		if code := gt.commit(tc.v, tc.member, tc.gen, tc.topic, tc.partition, 42); code != tc.want {
			t.Errorf("%s: code %d, want %d", tc.name, code, tc.want)
		}
	}
	if o := gt.committed("t", 1); o != 42 {
		t.Errorf("committed offset %d, want 42", o)
	}
	if o := gt.committed("t", 0); o != -1 {
		t.Errorf("offset never committed: %d, want -1", o)
	}

	other := newGroupTester(t, b, "other")
	if code := other.commit(8, "m", 3, "t", 0, 1); code != codeIllegalGeneration {
		t.Errorf("generation in a group that does not exist, v8: code %d", code)
	}
	if code := other.commit(9, "m", 3, "t", 0, 1); code != codeGroupIDNotFound {
		t.Errorf("generation in a group that does not exist, v9: code %d", code)
	}
	if code := other.commit(8, "", -1, "t", 0, 7); code != codeNone || other.committed("t", 0) != 7 {
		t.Errorf("standalone commit: code %d, offset %d", code, other.committed("t", 0))
	}
	big := &offsetCommitRequest{GroupID: "other", GenerationIDOrMemberEpoch: -1, Topics: []offsetCommitTopic{{Name: "t", Partitions: []offsetCommitPartition{
		{PartitionIndex: 0, CommittedOffset: 9, CommittedMetadata: ptr(string(make([]byte, maxOffsetMetadata+1)))},
	}}}}
	if r := b.handleOffsetCommit(context.Background(), testRC(8), big).(*offsetCommitResponse); r.Topics[0].Partitions[0].ErrorCode != codeOffsetMetadataTooLarge {
		t.Errorf("long metadata: code %d", r.Topics[0].Partitions[0].ErrorCode)
	}

	// A commit between JoinGroup and SyncGroup gets REBALANCE_IN_PROGRESS.
	// The leader joins first: a follower's join to a Stable group would
	// just be answered with the current generation.
	j0 := gt.join(ids[0])
	gt.waitState("PreparingRebalance")
	j1 := gt.join(ids[1])
	js := checkGeneration(t, wait(t, j0), wait(t, j1))
	if code := gt.commit(8, js[0].id, js[0].generation, "t", 0, 1); code != codeRebalanceInProgress {
		t.Errorf("commit in CompletingRebalance: code %d", code)
	}
}

func TestListDescribeDeleteGroups(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: -1})
	if _, err := b.logs.CreateTopic("t", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := b.logs.CreateTopic("u", 1); err != nil {
		t.Fatal(err)
	}
	active := newGroupTester(t, b, "active")
	ids, gen := active.stableGroup(1)
	active.commit(8, ids[0], gen, "t", 0, 10)
	active.commit(8, ids[0], gen, "u", 0, 20)
	idle := newGroupTester(t, b, "idle")
	idle.commit(8, "", -1, "t", 0, 5)

	list := func(v int16, states, types []string) []listedGroup {
		return b.handleListGroups(context.Background(), testRC(v), &listGroupsRequest{StatesFilter: states, TypesFilter: types}).(*listGroupsResponse).Groups
	}
	if got := list(5, nil, nil); len(got) != 2 || got[0] != (listedGroup{"active", "consumer", "Stable", "classic"}) || got[1] != (listedGroup{"idle", "", "Empty", "classic"}) {
		t.Errorf("ListGroups: %+v", got)
	}
	if got := list(4, []string{"empty"}, nil); len(got) != 1 || got[0].GroupID != "idle" {
		t.Errorf("ListGroups of Empty groups: %+v", got)
	}
	if got := list(5, nil, []string{"consumer"}); len(got) != 0 {
		t.Errorf("ListGroups of KIP-848 groups: %+v", got)
	}
	if d := newGroupTester(t, b, "nope").describe(); d.GroupState != "Dead" || d.ErrorCode != codeNone {
		t.Errorf("describe of a missing group: %+v", d)
	}

	// OffsetDelete: a member subscribes to t, not to u.
	od := func(group, topic string) *offsetDeleteResponse {
		return b.handleOffsetDelete(context.Background(), testRC(0), &offsetDeleteRequest{GroupID: group, Topics: []offsetDeleteRequestTopic{
			{Name: topic, Partitions: []offsetDeleteRequestPartition{{0}}},
		}}).(*offsetDeleteResponse)
	}
	if r := od("active", "t"); r.ErrorCode != codeNone || r.Topics[0].Partitions[0].ErrorCode != codeGroupSubscribedToTopic {
		t.Errorf("OffsetDelete of a subscribed topic: %+v", r)
	}
	if r := od("active", "u"); r.ErrorCode != codeNone || r.Topics[0].Partitions[0].ErrorCode != codeNone || active.committed("u", 0) != -1 {
		t.Errorf("OffsetDelete of an unsubscribed topic: %+v, offset %d", r, active.committed("u", 0))
	}
	if r := od("nope", "t"); r.ErrorCode != codeGroupIDNotFound {
		t.Errorf("OffsetDelete of a missing group: %+v", r)
	}

	del := func(ids ...string) []deletableGroupResult {
		return b.handleDeleteGroups(context.Background(), testRC(2), &deleteGroupsRequest{GroupsNames: ids}).(*deleteGroupsResponse).Results
	}
	got := del("active", "idle", "nope", "idle")
	want := []deletableGroupResult{{"active", codeNonEmptyGroup}, {"idle", codeNone}, {"nope", codeGroupIDNotFound}}
	if !slices.Equal(got, want) {
		t.Errorf("DeleteGroups: %+v, want %+v", got, want)
	}
	if o := idle.committed("t", 0); o != -1 {
		t.Errorf("offset of a deleted group: %d", o)
	}
}

func TestOffsetsExpire(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: -1, OffsetsRetention: time.Hour})
	if _, err := b.logs.CreateTopic("t", 1); err != nil {
		t.Fatal(err)
	}
	var clock sync.Mutex
	now := time.Now()
	b.groups.now = func() time.Time {
		clock.Lock()
		defer clock.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		clock.Lock()
		now = now.Add(d)
		clock.Unlock()
	}
	standalone := newGroupTester(t, b, "standalone")
	standalone.commit(8, "", -1, "t", 0, 1)
	consumer := newGroupTester(t, b, "consumer")
	ids, gen := consumer.stableGroup(1)
	consumer.commit(8, ids[0], gen, "t", 0, 2)

	advance(59 * time.Minute)
	consumer.leave(ids[0]) // Empty from now: its offsets expire an hour from here
	b.groups.expireOffsets()
	if standalone.committed("t", 0) != 1 || consumer.committed("t", 0) != 2 {
		t.Fatal("offsets expired before the retention")
	}
	advance(2 * time.Minute)
	b.groups.expireOffsets()
	if standalone.committed("t", 0) != -1 {
		t.Error("standalone offset kept past its retention")
	}
	if consumer.committed("t", 0) != 2 {
		t.Error("offset of a group expired before the retention counted from its emptying")
	}
	if got := b.handleListGroups(context.Background(), testRC(3), &listGroupsRequest{}).(*listGroupsResponse).Groups; len(got) != 1 || got[0].GroupID != "consumer" {
		t.Errorf("groups after expiry: %+v", got)
	}
	advance(time.Hour)
	b.groups.expireOffsets()
	if consumer.committed("t", 0) != -1 {
		t.Error("offset of an empty group kept past its retention")
	}
}

// TestJoinRacesSyncAndHeartbeat runs simulated consumers concurrently,
// each doing what a client does: join (with the KIP-394 handshake), sync,
// heartbeat, commit, and join again whenever told to. Members come and go
// while the others are mid-rebalance, so joins race SyncGroups and
// heartbeats in every order. No member may ever be told
// UNKNOWN_MEMBER_ID, and the group must settle with every live member in
// one Stable generation. Run it with -race.
func TestJoinRacesSyncAndHeartbeat(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: 10 * time.Millisecond})
	if _, err := b.logs.CreateTopic("t", 4); err != nil {
		t.Fatal(err)
	}
	gt := newGroupTester(t, b, "race")
	gt.rebalance = 3 * time.Second

	type state struct {
		id         string
		generation int32
		synced     bool
	}
	var mu sync.Mutex
	states := map[int]*state{}
	errs := make(chan error, 100)

	consume := func(ctx context.Context, n int) {
		memberID := ""
		for ctx.Err() == nil {
			r, err := waitErr(gt.join(memberID))
			if err != nil {
				errs <- fmt.Errorf("consumer %d: JoinGroup: %w", n, err)
				return
			}
			switch r.ErrorCode {
			case codeMemberIDRequired:
				memberID = r.MemberID
				continue
			case codeRebalanceInProgress:
				continue
			case codeNone:
			default:
				errs <- fmt.Errorf("consumer %d: JoinGroup error %d", n, r.ErrorCode)
				return
			}
			assign := map[string]string{}
			for i, m := range r.Members {
				assign[m.MemberID] = fmt.Sprint(i)
			}
			s, err := waitErr(gt.syncAsync(memberID, r.GenerationID, assign))
			if err != nil {
				errs <- fmt.Errorf("consumer %d: SyncGroup: %w", n, err)
				return
			}
			switch s.ErrorCode {
			case codeRebalanceInProgress, codeIllegalGeneration:
				continue
			case codeNone:
			default:
				errs <- fmt.Errorf("consumer %d: SyncGroup error %d", n, s.ErrorCode)
				return
			}
			mu.Lock()
			states[n] = &state{id: memberID, generation: r.GenerationID, synced: true}
			mu.Unlock()
			for ctx.Err() == nil {
				code := gt.heartbeat(memberID, r.GenerationID)
				if code == codeNone {
					code = gt.commit(8, memberID, r.GenerationID, "t", int32(n%4), int64(n))
				}
				if code == codeRebalanceInProgress || code == codeIllegalGeneration {
					mu.Lock()
					states[n].synced = false
					mu.Unlock()
					break
				}
				if code != codeNone {
					errs <- fmt.Errorf("consumer %d: heartbeat or commit error %d", n, code)
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		if memberID != "" {
			gt.leave(memberID)
		}
		mu.Lock()
		delete(states, n)
		mu.Unlock()
	}

	var wg sync.WaitGroup
	cancels := map[int]context.CancelFunc{}
	start := func(n int) {
		ctx, cancel := context.WithCancel(context.Background())
		cancels[n] = cancel
		wg.Go(func() { consume(ctx, n) })
	}
	for n := range 3 {
		start(n)
	}
	time.Sleep(30 * time.Millisecond)
	for n := 3; n < 6; n++ {
		start(n)
		time.Sleep(time.Duration(n) * 7 * time.Millisecond)
	}
	cancels[1]()
	start(6)
	cancels[4]()
	start(7)

	// Settle: the live consumers in one Stable generation.
	live := []int{0, 2, 3, 5, 6, 7}
	deadline := time.Now().Add(20 * time.Second)
	for {
		d := gt.describe()
		mu.Lock()
		settled := d.GroupState == "Stable" && len(d.Members) == len(live)
		var gens []int32
		for _, n := range live {
			s := states[n]
			if s == nil || !s.synced {
				settled = false
				break
			}
			gens = append(gens, s.generation)
		}
		mu.Unlock()
		if settled && slices.Min(gens) == slices.Max(gens) {
			break
		}
		select {
		case err := <-errs:
			t.Fatal(err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("group did not settle: %s with %d members, consumer states %v", d.GroupState, len(d.Members), states)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, cancel := range cancels {
		cancel()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// commitOffset commits one offset with OffsetCommit v8 as a client outside
// group management would (generation -1, no member id).
func (c *testClient) commitOffset(group, topic string, partition int32, offset int64) int16 {
	c.t.Helper()
	r := c.roundTrip(8, 8, true, func(w *writer) {
		w.String(group)
		w.Int32(-1)           // GenerationIdOrMemberEpoch
		w.String("")          // MemberId
		w.NullableString(nil) // GroupInstanceId
		w.ArrayLen(1)
		w.String(topic)
		w.ArrayLen(1)
		w.Int32(partition)
		w.Int64(offset)
		w.Int32(-1) // CommittedLeaderEpoch
		w.NullableString(ptr(fmt.Sprintf("meta-%d", offset)))
		w.Tags()
		w.Tags()
		w.Tags()
	})
	code := readFirstPartitionCode(r)
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code
}

// fetchOffset reads one committed offset and its metadata with OffsetFetch
// v8.
func (c *testClient) fetchOffset(group, topic string, partition int32) (int64, string) {
	c.t.Helper()
	code, offset, metadata := c.offsetFetchOne(group, topic, partition, false)
	if code != codeNone {
		c.t.Fatalf("OffsetFetch: code %d", code)
	}
	return offset, deref(metadata)
}

// offsetFetchOne is OffsetFetch v8 of one partition of one group: the
// partition's error code, committed offset and metadata.
func (c *testClient) offsetFetchOne(group, topic string, partition int32, requireStable bool) (int16, int64, *string) {
	c.t.Helper()
	r := c.roundTrip(9, 8, true, func(w *writer) {
		w.ArrayLen(1)
		w.String(group)
		w.ArrayLen(1)
		w.String(topic)
		w.Int32s([]int32{partition})
		w.Tags()
		w.Tags()
		w.Bool(requireStable)
		w.Tags()
	})
	r.Int32() // throttle
	r.ArrayLen()
	_ = r.String()
	r.ArrayLen()
	_ = r.String()
	r.ArrayLen()
	r.Int32()
	offset := r.Int64()
	r.Int32() // leader epoch
	metadata := r.NullableString()
	code := r.Int16()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code, offset, metadata
}

// deleteGroup deletes a group with DeleteGroups v2.
func (c *testClient) deleteGroup(group string) int16 {
	c.t.Helper()
	r := c.roundTrip(42, 2, true, func(w *writer) {
		w.Strings([]string{group})
		w.Tags()
	})
	r.Int32() // throttle
	r.ArrayLen()
	_ = r.String()
	code := r.Int16()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code
}

// TestOffsetsSurviveRestart commits through the network, restarts the
// broker on the same directory, and reads the offsets back: they were
// replayed from __consumer_offsets. The offsets of a deleted group stay
// deleted, because its tombstones are replayed too.
func TestOffsetsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "events", 2)
	for _, commit := range []struct {
		group     string
		partition int32
		offset    int64
	}{
		{"kept", 0, 5}, {"kept", 1, 7}, {"kept", 0, 6}, {"deleted", 0, 9}, {"deleted", 1, 10},
	} {
		if code := c.commitOffset(commit.group, "events", commit.partition, commit.offset); code != codeNone {
			t.Fatalf("commit %+v: code %d", commit, code)
		}
	}
	if code := c.deleteGroup("deleted"); code != codeNone {
		t.Fatalf("DeleteGroups: code %d", code)
	}

	want := map[string]map[int32]int64{"kept": {0: 6, 1: 7}, "deleted": {0: -1, 1: -1}}
	check := func(when string) {
		t.Helper()
		for group, offsets := range want {
			for p, o := range offsets {
				got, meta := c.fetchOffset(group, "events", p)
				wantMeta := ""
				if o >= 0 {
					wantMeta = fmt.Sprintf("meta-%d", o)
				}
				if got != o || meta != wantMeta {
					t.Errorf("%s: %s events-%d at %d %q, want %d %q", when, group, p, got, meta, o, wantMeta)
				}
			}
		}
	}
	check("before restart")
	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	check("after restart")
	groups := tb.handleListGroups(context.Background(), testRC(3), &listGroupsRequest{}).(*listGroupsResponse).Groups
	if len(groups) != 1 || groups[0].GroupID != "kept" || groups[0].GroupState != "Empty" {
		t.Errorf("groups after restart: %+v", groups)
	}

	// Commits after a restart append to the replayed log.
	if code := c.commitOffset("kept", "events", 1, 8); code != codeNone {
		t.Fatalf("commit after restart: code %d", code)
	}
	want["kept"][1] = 8
	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	check("after the second restart")
}

// TestOffsetsTopic checks what clients see of __consumer_offsets: it is
// internal in Metadata, and neither Produce nor DeleteTopics touch it.
func TestOffsetsTopic(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	if code, _ := c.produce(offsetsTopic, 0, makeBatch(testRecord{1, "forged"})); code != codeInvalidTopicException {
		t.Errorf("produce to %s: code %d, want INVALID_TOPIC_EXCEPTION", offsetsTopic, code)
	}
	md := tb.describeTopic(tb.logs.Topic(offsetsTopic))
	if !md.IsInternal {
		t.Errorf("%s is not internal in Metadata", offsetsTopic)
	}
	name := offsetsTopic
	resp := tb.handleDeleteTopics(context.Background(), testRC(6), &deleteTopicsRequest{Topics: []deleteTopicState{{Name: &name}}}).(*deleteTopicsResponse)
	if resp.Responses[0].ErrorCode != codeInvalidTopicException || tb.logs.Topic(offsetsTopic) == nil {
		t.Errorf("DeleteTopics of %s: code %d", offsetsTopic, resp.Responses[0].ErrorCode)
	}

	// Deleting a topic deletes the offsets committed for it.
	c.createTopic("gone", 1)
	if code := c.commitOffset("g", "gone", 0, 3); code != codeNone {
		t.Fatalf("commit: code %d", code)
	}
	gone := "gone"
	tb.handleDeleteTopics(context.Background(), testRC(6), &deleteTopicsRequest{Topics: []deleteTopicState{{Name: &gone}}})
	c.createTopic("gone", 1)
	if o, _ := c.fetchOffset("g", "gone", 0); o != -1 {
		t.Errorf("offset of a deleted and re-created topic: %d, want -1", o)
	}
}

func TestFindCoordinator(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	host, port, _ := net.SplitHostPort(tb.addr)

	r := c.roundTrip(10, 3, true, func(w *writer) {
		w.String("g")
		w.Int8(coordinatorGroup)
		w.Tags()
	})
	r.Int32() // throttle
	code, msg, node, h, p := r.Int16(), r.NullableString(), r.Int32(), r.String(), r.Int32()
	if r.err != nil || code != codeNone || deref(msg) != "NONE" || node != 0 || h != host || fmt.Sprint(p) != port {
		t.Errorf("FindCoordinator v3: code %d msg %v node %d at %s:%d, err %v", code, msg, node, h, p, r.err)
	}

	r = c.roundTrip(10, 4, true, func(w *writer) {
		w.Int8(coordinatorTransaction)
		w.Strings([]string{"txn-a", "txn-b"})
		w.Tags()
	})
	r.Int32()
	answers := readArray(r, func(r *reader) coordinatorAnswer {
		a := coordinatorAnswer{Key: r.String(), NodeID: r.Int32(), Host: r.String(), Port: r.Int32(), ErrorCode: r.Int16(), ErrorMessage: r.NullableString()}
		r.SkipTags()
		return a
	})
	if r.err != nil || len(answers) != 2 || answers[1].Key != "txn-b" || answers[1].Host != host || answers[1].ErrorCode != codeNone {
		t.Errorf("FindCoordinator v4: %+v, err %v", answers, r.err)
	}

	r = c.roundTrip(10, 6, true, func(w *writer) {
		w.Int8(coordinatorShare) // a share partition's coordinator (KIP-932)
		w.Strings([]string{"g:AAAAAAAAAAAAAAAAAAAAAA:0"})
		w.Tags()
	})
	r.Int32()
	r.ArrayLen()
	key, node, h, p := r.String(), r.Int32(), r.String(), r.Int32()
	if code := r.Int16(); r.err != nil || code != codeNone || node != 0 || h != host {
		t.Errorf("share key type: key %q code %d node %d at %q:%d, err %v", key, code, node, h, p, r.err)
	}

	r = c.roundTrip(10, 6, true, func(w *writer) {
		w.Int8(3) // no such key type
		w.Strings([]string{"k"})
		w.Tags()
	})
	r.Int32()
	r.ArrayLen()
	key, node, h, p = r.String(), r.Int32(), r.String(), r.Int32()
	if code := r.Int16(); r.err != nil || key != "k" || code != codeInvalidRequest || node != -1 || h != "" || p != -1 {
		t.Errorf("unknown key type: key %q code %d node %d at %q:%d, err %v", key, code, node, h, p, r.err)
	}
}

// FuzzReplay feeds arbitrary records of __consumer_offsets to the replay
// at startup: a bad one is an error, never a panic, and a good one leaves
// an offset that reads back as written.
func FuzzReplay(f *testing.F) {
	key, _ := offsetKey("g", topicPartition{"t", 3})
	value, _ := offsetValue(committedOffset{offset: 42, leaderEpoch: 7, metadata: "m", commitTimestamp: 1000})
	f.Add(key, value)
	f.Add(key, []byte(nil))
	f.Add([]byte{0, 2, 0, 1, 'g'}, value) // a group metadata key
	g := newGroup("g", time.UnixMilli(1000))
	g.generation, g.protocolType, g.protocolName, g.leader = 3, "consumer", ptr("range"), "m"
	g.members["m"] = &member{id: "m", protocols: []joinGroupProtocol{{Name: "range", Metadata: []byte{0, 1}}}, assignment: []byte{2}}
	f.Add(groupRecordKey{groupMetadataRecord, "g", ""}.encode(), classicGroupValue(g, time.Now()))
	f.Add(groupRecordKey{consumerCurrentAssignmentRecord, "g", "m"}.encode(), []byte{0, 0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 2, 1, 0, 0})
	f.Fuzz(func(t *testing.T, key, value []byte) {
		c := &coordinator{groups: map[string]*group{}, now: time.Now, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		c.closed.Store(true) // no timers
		err := c.replay(record{Key: key, Value: value})
		if err != nil || value == nil {
			return // refused, or a tombstone
		}
		if newReader(key, false).Int16() >= groupMetadataRecord {
			c.restoreGroups() // group state: must not panic, whatever it holds
			return
		}
		o, err := parseOffsetValue(value)
		if err != nil {
			t.Fatalf("replay took a value that does not parse: %v", err)
		}
		again, err := offsetValue(o)
		if err != nil {
			t.Fatal(err)
		}
		if o2, err := parseOffsetValue(again); err != nil || o2 != o {
			t.Fatalf("offset %+v encodes to %x, which reads back as %+v, %v", o, again, o2, err)
		}
	})
}

// TestGroupMaxSize: group.max.size refuses a new member of a full classic
// group with GROUP_MAX_SIZE_REACHED and no member id, and the members
// already in it carry on.
func TestGroupMaxSize(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupMaxSize: 2})
	gt := newGroupTester(t, b, "g")
	ids, gen := gt.stableGroup(2)
	resp := wait(t, gt.joinAsync(9, gt.joinRequest("", nil)))
	if resp.ErrorCode != codeGroupMaxSizeReached || resp.MemberID != "" {
		t.Fatalf("third join: error %d, member id %q; want GROUP_MAX_SIZE_REACHED and none", resp.ErrorCode, resp.MemberID)
	}
	for _, id := range ids {
		if code := gt.heartbeat(id, gen); code != codeNone {
			t.Fatalf("member %s after the refused join: heartbeat error %d", id, code)
		}
	}
	// A member already in the group may join again.
	ch0 := gt.join(ids[0]) // the leader: a rebalance
	gt.waitState("PreparingRebalance")
	ch1 := gt.join(ids[1])
	for _, ch := range []<-chan *joinGroupResponse{ch0, ch1} {
		if r := wait(t, ch); r.ErrorCode != codeNone {
			t.Fatalf("rejoin of a member of the full group: error %d", r.ErrorCode)
		}
	}
}

// TestGroupSurvivesRestart: a Stable classic group is in
// __consumer_offsets (GroupMetadataValue), so after a restart its members
// heartbeat and sync at the same generation, with the same leader and
// assignments, and no rebalance. Sessions start over at load: a member
// that never comes back is removed one session timeout later.
func TestGroupSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	b := openGroupBroker(t, dir, Config{})
	gt := newGroupTester(t, b, "g")
	gt.session = 300 * time.Millisecond
	ids, gen := gt.stableGroup(2)
	before := gt.describe()
	b.groups.close()
	b.logs.Close()

	b = openGroupBroker(t, dir, Config{})
	gt.b = b
	if diff := gocmp.Diff(before, gt.describe()); diff != "" {
		t.Fatalf("group after restart (-before +after):\n%s", diff)
	}
	if code := gt.heartbeat(ids[0], gen); code != codeNone {
		t.Fatalf("heartbeat at generation %d after restart: error %d", gen, code)
	}
	if r := wait(t, gt.syncAsync(ids[0], gen, nil)); r.ErrorCode != codeNone || string(r.Assignment) != "a-"+ids[0] {
		t.Fatalf("sync after restart: error %d, assignment %q", r.ErrorCode, r.Assignment)
	}
	// ids[1] stays silent: its session, restarted at load, expires, and
	// ids[0] hears of the rebalance.
	deadline := time.Now().Add(5 * time.Second)
	for gt.heartbeat(ids[0], gen) != codeRebalanceInProgress {
		if time.Now().After(deadline) {
			t.Fatal("the silent member never expired after the restart")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestGroupMaxSizeStaticRestart: a static member's new instance replaces
// the old one, so it is let into a group that is full.
func TestGroupMaxSizeStaticRestart(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupMaxSize: 1})
	gt := newGroupTester(t, b, "g")
	first := wait(t, gt.joinAsync(9, gt.joinRequest("", ptr("inst"))))
	if first.ErrorCode != codeNone {
		t.Fatalf("first join: error %d", first.ErrorCode)
	}
	if r := wait(t, gt.syncAsync(first.MemberID, first.GenerationID, map[string]string{first.MemberID: "a"})); r.ErrorCode != codeNone {
		t.Fatalf("sync: error %d", r.ErrorCode)
	}
	again := wait(t, gt.joinAsync(9, gt.joinRequest("", ptr("inst"))))
	if again.ErrorCode != codeNone || again.MemberID == first.MemberID || again.GenerationID != first.GenerationID {
		t.Fatalf("the restarted instance: error %d, member %s (was %s), generation %d (was %d)", again.ErrorCode, again.MemberID, first.MemberID, again.GenerationID, first.GenerationID)
	}
	if other := wait(t, gt.joinAsync(9, gt.joinRequest("", ptr("other")))); other.ErrorCode != codeGroupMaxSizeReached {
		t.Fatalf("another instance: error %d, want GROUP_MAX_SIZE_REACHED", other.ErrorCode)
	}
}

// TestGroupStateUnreadable: a group whose state record does not parse
// comes back without members, its offsets kept, rather than stopping the
// broker.
func TestGroupStateUnreadable(t *testing.T) {
	dir := t.TempDir()
	b := openGroupBroker(t, dir, Config{})
	if _, err := b.logs.CreateTopic("t", 1); err != nil {
		t.Fatal(err)
	}
	gt := newGroupTester(t, b, "g")
	ids, gen := gt.stableGroup(1)
	if code := gt.commit(9, ids[0], gen, "t", 0, 7); code != codeNone {
		t.Fatalf("commit: error %d", code)
	}
	bad := record{Key: groupRecordKey{groupMetadataRecord, "g", ""}.encode(), Value: []byte{0, 3, 0, 8, 'c'}}
	if err := b.groups.appendRecords([]record{bad}); err != nil {
		t.Fatal(err)
	}
	b.groups.close()
	b.logs.Close()

	b = openGroupBroker(t, dir, Config{})
	gt.b = b
	if d := gt.describe(); d.GroupState != "Empty" || len(d.Members) != 0 {
		t.Fatalf("group after an unreadable state record: %+v", d)
	}
	if o := gt.committed("t", 0); o != 7 {
		t.Fatalf("offset %d after restart, want 7", o)
	}
}

// TestGroupOverMaxSizeAfterRestart: a group restored with more members
// than a lowered group.max.size rebalances, and the member last to
// rejoin is refused.
func TestGroupOverMaxSizeAfterRestart(t *testing.T) {
	dir := t.TempDir()
	b := openGroupBroker(t, dir, Config{})
	gt := newGroupTester(t, b, "g")
	ids, gen := gt.stableGroup(2)
	b.groups.close()
	b.logs.Close()

	b = openGroupBroker(t, dir, Config{GroupMaxSize: 1})
	gt.b = b
	if code := gt.heartbeat(ids[0], gen); code != codeRebalanceInProgress {
		t.Fatalf("heartbeat in the over-full group: error %d, want REBALANCE_IN_PROGRESS", code)
	}
	ch := gt.join(ids[0])
	deadline := time.Now().Add(5 * time.Second)
	for !gt.awaitingJoin(ids[0]) {
		if time.Now().After(deadline) {
			t.Fatal("the first rejoin never arrived")
		}
		time.Sleep(time.Millisecond)
	}
	if r := wait(t, gt.join(ids[1])); r.ErrorCode != codeGroupMaxSizeReached {
		t.Fatalf("the second member to rejoin: error %d, want GROUP_MAX_SIZE_REACHED", r.ErrorCode)
	}
	if r := wait(t, ch); r.ErrorCode != codeNone {
		t.Fatalf("the first member to rejoin: error %d", r.ErrorCode)
	}
}

// TestOffsetsTopicConfigsAsKafka: __consumer_offsets has the three
// configs Kafka's group coordinator creates it with
// (GroupCoordinatorService.groupMetadataTopicConfigs), each set on the
// topic, so that kafka-topics.sh --describe shows
// "compression.type=producer,cleanup.policy=compact,segment.bytes=104857600"
// for it as for Kafka's; a data dir made before gets the one it lacks at
// its next start.
func TestOffsetsTopicConfigsAsKafka(t *testing.T) {
	want := map[string]string{"cleanup.policy": "compact", "compression.type": "producer", "segment.bytes": "104857600"}
	check := func(b *Broker, when string) {
		t.Helper()
		req := &describeConfigsRequest{Resources: []describeConfigsResource{{ResourceType: resourceTopic, ResourceName: offsetsTopic}}}
		got := map[string]string{}
		for _, c := range serve(t, b, 32, 4, req).(*describeConfigsResponse).Results[0].Configs {
			if c.ConfigSource == sourceTopic {
				got[c.Name] = deref(c.Value)
			}
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("%s: configs set on %s (-want +got):\n%s", when, offsetsTopic, diff)
		}
	}
	tb, _ := startWithTopic(t, "t", 1)
	check(tb.Broker, "new data dir")
	// An older data dir: the topic without compression.type.
	err := tb.logs.AlterTopicConfigs(offsetsTopic, func(c topicConfig) (topicConfig, *configError) {
		return applyConfigOps(c, []configOp{{compressionTypeConfig, opDelete, nil}}, nil)
	}, false)
	if err != nil {
		t.Fatal(err)
	}
	tb.stop()
	tb = startBroker(t, tb.cfg.DataDir)
	check(tb.Broker, "after a restart")
}
