package kafka

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Tests of the group coordinator's APIs (JoinGroup, SyncGroup, Heartbeat,
// LeaveGroup, OffsetCommit, OffsetFetch, ConsumerGroupHeartbeat and the
// group admin APIs) against Apache Kafka 4.0's GroupMetadataManager,
// OffsetMetadataManager, ClassicGroup and KafkaApis, each named after the
// case where we answered otherwise.

// TestOffsetCommitUnknownTopicBeforeGroupChecks: KafkaApis answers an
// unknown topic or partition before the group coordinator sees the
// request, so its code is never replaced by the group's, and a request
// with nothing else in it never reaches (or creates) the group.
func TestOffsetCommitUnknownTopicBeforeGroupChecks(t *testing.T) {
	b := consumerBroker(t, Config{GroupInitialRebalanceDelay: -1}, "t", 1)
	req := &offsetCommitRequest{
		GroupID:                   "absent",
		GenerationIDOrMemberEpoch: 3,
		MemberID:                  "m",
		Topics: []offsetCommitTopic{
			{Name: "nope", Partitions: []offsetCommitPartition{{PartitionIndex: 0, CommittedOffset: 1}}},
			{Name: "t", Partitions: []offsetCommitPartition{{PartitionIndex: 0, CommittedOffset: 1}, {PartitionIndex: 5, CommittedOffset: 1}}},
		},
	}
	resp := b.handleOffsetCommit(context.Background(), testRC(9), req).(*offsetCommitResponse)
	got := []int16{resp.Topics[0].Partitions[0].ErrorCode, resp.Topics[1].Partitions[0].ErrorCode, resp.Topics[1].Partitions[1].ErrorCode}
	want := []int16{codeUnknownTopicOrPartition, codeGroupIDNotFound, codeUnknownTopicOrPartition}
	if got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("codes %v, want %v", got, want)
	}

	onlyUnknown := &offsetCommitRequest{GroupID: "simple", GenerationIDOrMemberEpoch: -1, Topics: req.Topics[:1]}
	resp = b.handleOffsetCommit(context.Background(), testRC(8), onlyUnknown).(*offsetCommitResponse)
	if code := resp.Topics[0].Partitions[0].ErrorCode; code != codeUnknownTopicOrPartition {
		t.Errorf("only an unknown topic: code %d", code)
	}
	if g := b.groups.lockGroup("simple", false); g != nil {
		g.mu.Unlock()
		t.Errorf("a commit of only unknown topics created the group")
	}
}

// TestSyncGroupBeforeFirstGenerationIsRebalance: a member of a group
// still in its first join phase has no protocol name to compare with;
// Kafka's isProtocolInconsistent only compares two names, so the SyncGroup
// gets REBALANCE_IN_PROGRESS, not INCONSISTENT_GROUP_PROTOCOL.
func TestSyncGroupBeforeFirstGenerationIsRebalance(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: time.Minute})
	gt := newGroupTester(t, b, "g")
	id := gt.newMemberID()
	gt.join(id) // waits for the initial delay
	gt.waitState("PreparingRebalance")
	for !gt.awaitingJoin(id) {
		time.Sleep(time.Millisecond)
	}
	if r := wait(t, gt.syncAsync(id, 0, nil)); r.ErrorCode != codeRebalanceInProgress {
		t.Errorf("SyncGroup in the first join phase: code %d, want REBALANCE_IN_PROGRESS", r.ErrorCode)
	}
}

// TestConsumerGroupCommitNoEpochToEmptyGroup: ConsumerGroup.validateOffsetCommit
// lets any commit with a negative epoch into a consumer group without
// members, whatever member id it names (an admin tool's, say); only a
// group with members asks who is committing.
func TestConsumerGroupCommitNoEpochToEmptyGroup(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 1)
	newConsumerTester(t, b, "g", "a", "t").heartbeat()
	gt := newGroupTester(t, b, "g")
	if code := gt.commit(9, "tool", -1, "t", 0, 5); code != codeUnknownMemberID {
		t.Errorf("epoch -1 to a group with a member: code %d, want UNKNOWN_MEMBER_ID", code)
	}
	b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: -1, RebalanceTimeoutMs: -1}, 1, "", "", nil)
	if code := gt.commit(9, "tool", -1, "t", 0, 5); code != codeNone {
		t.Errorf("epoch -1 and a member id to an empty consumer group: code %d, want NONE", code)
	}
}

// TestJoinGroupMaxSizeBeforeProtocol: classicGroupJoinToClassicGroup
// checks group.max.size (acceptJoiningMember) before the member's
// protocols, so a full group answers GROUP_MAX_SIZE_REACHED to a new
// member whatever protocol it names.
func TestJoinGroupMaxSizeBeforeProtocol(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupMaxSize: 1, GroupInitialRebalanceDelay: -1})
	gt := newGroupTester(t, b, "g")
	gt.stableGroup(1)
	req := gt.joinRequest("", nil)
	req.ProtocolType = "connect"
	if resp := wait(t, gt.joinAsync(9, req)); resp.ErrorCode != codeGroupMaxSizeReached {
		t.Errorf("a new member of another protocol type to a full group: code %d, want GROUP_MAX_SIZE_REACHED", resp.ErrorCode)
	}
}

// TestTxnOffsetCommitNoGenerationToEmptyGroup: OffsetMetadataManager.
// validateTransactionalOffsetCommit takes a TxnOffsetCommit with
// generation -1 into a group that does not exist or is empty, whatever
// member id it names (ClassicGroup.validateOffsetCommit returns before
// looking at the member).
func TestTxnOffsetCommitNoGenerationToEmptyGroup(t *testing.T) {
	b := consumerBroker(t, Config{GroupInitialRebalanceDelay: -1}, "t", 1)
	if code := b.groups.checkTxnCommitMember("absent", -1, "m", nil); code != codeNone {
		t.Errorf("generation -1 and a member id, no group: code %d, want NONE", code)
	}
	gt := newGroupTester(t, b, "g")
	ids, _ := gt.stableGroup(1)
	gt.leave(ids[0])
	gt.waitState("Empty")
	if code := b.groups.checkTxnCommitMember("g", -1, ids[0], nil); code != codeNone {
		t.Errorf("generation -1 and the old member's id, empty group: code %d, want NONE", code)
	}
	if code := b.groups.checkTxnCommitMember("g", 5, ids[0], nil); code != codeUnknownMemberID {
		t.Errorf("a generation and an unknown member: code %d, want UNKNOWN_MEMBER_ID", code)
	}
}

// TestSyncGroupV5NeedsProtocol: from v5 ProtocolType and ProtocolName are
// mandatory (SyncGroupRequest.areMandatoryProtocolTypeAndNamePresent);
// KafkaApis answers INCONSISTENT_GROUP_PROTOCOL when either is null, and
// older versions, which have neither, are not checked.
func TestSyncGroupV5NeedsProtocol(t *testing.T) {
	b := openGroupBroker(t, t.TempDir(), Config{GroupInitialRebalanceDelay: -1})
	gt := newGroupTester(t, b, "g")
	ids, gen := gt.stableGroup(1)
	for _, tc := range []struct {
		v         int16
		typ, name *string
		want      int16
	}{
		{5, nil, ptr("range"), codeInconsistentGroupProtocol},
		{5, ptr("consumer"), nil, codeInconsistentGroupProtocol},
		{4, nil, nil, codeNone},
	} {
		req := &syncGroupRequest{GroupID: "g", GenerationID: gen, MemberID: ids[0], ProtocolType: tc.typ, ProtocolName: tc.name}
		resp := b.handleSyncGroup(context.Background(), testRC(tc.v), req).(*syncGroupResponse)
		if resp.ErrorCode != tc.want {
			t.Errorf("v%d type %v name %v: code %d, want %d", tc.v, deref(tc.typ), deref(tc.name), resp.ErrorCode, tc.want)
		}
	}
}

// TestConsumerHeartbeatErrorCarriesNoEpoch: an error answer of
// ConsumerGroupHeartbeat is built fresh by GroupCoordinatorService
// (handleOperationException): code and message only, so member epoch 0,
// not the epoch the request sent.
func TestConsumerHeartbeatErrorCarriesNoEpoch(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 1)
	newConsumerTester(t, b, "g", "a", "t").heartbeat()
	for _, epoch := range []int32{5, -1} {
		resp := b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "stranger", MemberEpoch: epoch, RebalanceTimeoutMs: -1}, 1, "", "", nil)
		if resp.ErrorCode != codeUnknownMemberID || resp.MemberEpoch != 0 || resp.MemberID != nil {
			t.Errorf("epoch %d from an unknown member: code %d, epoch %d, member %v; want UNKNOWN_MEMBER_ID, 0, null", epoch, resp.ErrorCode, resp.MemberEpoch, resp.MemberID)
		}
	}
}

// TestListGroupsSharesAtEveryVersion: ListGroups lists a share group at
// every version, as Kafka's GroupMetadataManager.listGroups does (it
// filters by the request's states and types, never by its version), with
// protocol type "share", by which a client before v5 tells it apart.
func TestListGroupsSharesAtEveryVersion(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	c.shareHeartbeat("sg", "m", 0, []string{"t"})
	for _, v := range []int16{2, 4} {
		r := c.roundTrip(16, v, v >= 3, func(w *writer) {
			if v >= 4 {
				w.Strings(nil)
			}
			if v >= 3 {
				w.Tags()
			}
		})
		r.Int32()
		r.Int16()
		var got []string
		readArray(r, func(r *reader) int {
			id, protocolType := r.String(), r.String()
			state := ""
			if v >= 4 {
				state = r.String()
			}
			if v >= 3 {
				r.SkipTags()
			}
			got = append(got, id+" "+protocolType+" "+state)
			return 0
		})
		if r.err != nil {
			t.Fatal(r.err)
		}
		want := "[sg share ]"
		if v >= 4 {
			want = "[sg share Stable]"
		}
		if fmt.Sprint(got) != want {
			t.Errorf("ListGroups v%d: %v, want %s", v, got, want)
		}
	}
}

// TestConsumerGroupDescribeOfOtherGroupType: GroupMetadataManager.
// consumerGroupDescribe answers GROUP_ID_NOT_FOUND with the message of the
// exception consumerGroup threw: "Group X not found." for a group that
// does not exist, "Group X is not a consumer group." for a classic or a
// share group, which exist.
func TestConsumerGroupDescribeOfOtherGroupType(t *testing.T) {
	b := consumerBroker(t, Config{GroupInitialRebalanceDelay: -1}, "t", 1)
	newGroupTester(t, b, "classic").stableGroup(1)
	if resp := b.shares.heartbeat(&shareGroupHeartbeatRequest{GroupID: "share", MemberID: "m1", SubscribedTopicNames: []string{"t"}}, "test-client", "/127.0.0.1"); resp.ErrorCode != codeNone {
		t.Fatalf("share group heartbeat: code %d", resp.ErrorCode)
	}
	for id, want := range map[string]string{
		"absent":  "Group absent not found.",
		"classic": "Group classic is not a consumer group.",
		"share":   "Group share is not a consumer group.",
	} {
		d := describeConsumerGroup(t, b, id)
		if d.ErrorCode != codeGroupIDNotFound || deref(d.ErrorMessage) != want {
			t.Errorf("%s: code %d, message %q; want GROUP_ID_NOT_FOUND, %q", id, d.ErrorCode, deref(d.ErrorMessage), want)
		}
	}
}

// TestOffsetMetadataMaxCountsUTF16Units: OffsetMetadataManager.
// isMetadataInvalid compares offset.metadata.max.bytes with Java's
// String.length(), which counts UTF-16 code units, not bytes: 4096 "é"
// (8192 bytes of UTF-8) fit the default 4096, 2049 "😀" (two units each)
// do not. OffsetCommit and TxnOffsetCommit check alike.
func TestOffsetMetadataMaxCountsUTF16Units(t *testing.T) {
	fits, over := strings.Repeat("é", maxOffsetMetadata), strings.Repeat("😀", maxOffsetMetadata/2+1)
	b := consumerBroker(t, Config{GroupInitialRebalanceDelay: -1}, "t", 1)
	for _, tc := range []struct {
		name, metadata string
		want           int16
	}{{"4096 é", fits, codeNone}, {"2049 😀", over, codeOffsetMetadataTooLarge}} {
		req := &offsetCommitRequest{GroupID: "g", GenerationIDOrMemberEpoch: -1, Topics: []offsetCommitTopic{{Name: "t",
			Partitions: []offsetCommitPartition{{CommittedOffset: 1, CommittedLeaderEpoch: -1, CommittedMetadata: &tc.metadata}}}}}
		resp := b.handleOffsetCommit(context.Background(), testRC(8), req).(*offsetCommitResponse)
		if code := resp.Topics[0].Partitions[0].ErrorCode; code != tc.want {
			t.Errorf("OffsetCommit, metadata of %s: code %d, want %d", tc.name, code, tc.want)
		}
	}

	_, c := startWithTopic(t, "in", 1)
	_, pid, epoch := c.initTxn("etl", 60000)
	if code := c.addOffsets("etl", pid, epoch, "g"); code != codeNone {
		t.Fatal(code)
	}
	if code := c.txnCommitOffsetMetadata("etl", "g", pid, epoch, "in", 0, 5, &fits); code != codeNone {
		t.Errorf("TxnOffsetCommit, metadata of 4096 é: code %d, want NONE", code)
	}
	if code := c.txnCommitOffsetMetadata("etl", "g", pid, epoch, "in", 0, 5, &over); code != codeOffsetMetadataTooLarge {
		t.Errorf("TxnOffsetCommit, metadata of 2049 😀: code %d, want OFFSET_METADATA_TOO_LARGE", code)
	}
}

// twoSettledMembers starts group g on topic t of two partitions with
// members a and c, and heartbeats a until it has caught up with c's epoch,
// so that each owns its share at the group's current epoch.
func twoSettledMembers(t *testing.T) (*Broker, *consumerTester, *consumerTester) {
	t.Helper()
	b := consumerBroker(t, Config{}, "t", 2)
	a, c := newConsumerTester(t, b, "g", "a", "t"), newConsumerTester(t, b, "g", "c", "t")
	a.heartbeat()
	c.heartbeat()
	for a.epoch < c.epoch {
		a.heartbeat()
	}
	return b, a, c
}

// TestConsumerHeartbeatFencedEpochMessage: throwIfConsumerGroupMemberEpochIsInvalid
// names both epochs in FENCED_MEMBER_EPOCH's message, the one received and
// the one the coordinator knows, which is what the Java consumer logs.
func TestConsumerHeartbeatFencedEpochMessage(t *testing.T) {
	b, a, _ := twoSettledMembers(t)
	for _, tc := range []struct {
		epoch int32
		want  string
	}{
		{a.epoch + 5, fmt.Sprintf("The consumer group member has a greater member epoch (%d) than the one known by the group coordinator (%d). The member must abandon all its partitions and rejoin.", a.epoch+5, a.epoch)},
		{a.epoch - 1, fmt.Sprintf("The consumer group member has a smaller member epoch (%d) than the one known by the group coordinator (%d). The member must abandon all its partitions and rejoin.", a.epoch-1, a.epoch)},
	} {
		req := &consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: tc.epoch, RebalanceTimeoutMs: -1, TopicPartitions: []consumerGroupTopicPartitions{{TopicID: uuid{1}, Partitions: []int32{0}}}}
		resp := b.groups.consumerHeartbeat(req, 1, "", "", nil)
		if resp.ErrorCode != codeFencedMemberEpoch || deref(resp.ErrorMessage) != tc.want {
			t.Errorf("epoch %d: code %d, message %q; want FENCED_MEMBER_EPOCH, %q", tc.epoch, resp.ErrorCode, deref(resp.ErrorMessage), tc.want)
		}
	}
}

// TestConsumerHeartbeatPreviousEpochNeedsOwned: a member may come back at
// its previous epoch only if what it says it owns is part of its
// assignment; a heartbeat that says nothing of what it owns (null
// TopicPartitions) proves nothing, and GroupMetadataManager.isSubset
// takes it as no subset: FENCED_MEMBER_EPOCH.
func TestConsumerHeartbeatPreviousEpochNeedsOwned(t *testing.T) {
	b, a, _ := twoSettledMembers(t)
	previous := a.epoch - 1
	req := &consumerGroupHeartbeatRequest{GroupID: "g", MemberID: "a", MemberEpoch: previous, RebalanceTimeoutMs: -1}
	if resp := b.groups.consumerHeartbeat(req, 1, "", "", nil); resp.ErrorCode != codeFencedMemberEpoch {
		t.Errorf("previous epoch %d, owned partitions null: code %d, want FENCED_MEMBER_EPOCH", previous, resp.ErrorCode)
	}
	req.TopicPartitions = a.owned.wire()
	if resp := b.groups.consumerHeartbeat(req, 1, "", "", nil); resp.ErrorCode != codeNone {
		t.Errorf("previous epoch %d, owning its assignment: code %d, want NONE", previous, resp.ErrorCode)
	}
}

// TestConsumerRejoinAtEpochZeroIsAccepted pins a deliberate difference.
// Kafka 4.0's throwIfConsumerGroupMemberEpochIsInvalid answers a member
// that heartbeats at epoch 0 with its own id, while the coordinator still
// has it at a later epoch, FENCED_MEMBER_EPOCH; the Java 4.0 consumer,
// fenced, rejoins just so, and is fenced again until its session expires.
// Kafka since KAFKA-19233 takes the rejoin, and so do we: the member
// starts over from nothing and gets its target back.
func TestConsumerRejoinAtEpochZeroIsAccepted(t *testing.T) {
	_, a, c := twoSettledMembers(t)
	want := a.partitions()
	a.epoch, a.owned = 0, partitionSet{}
	resp := a.heartbeat() // fails the test unless NONE
	if resp.MemberEpoch != c.epoch || !slices.Equal(a.partitions(), want) {
		t.Errorf("rejoin at epoch 0: epoch %d, partitions %v; want %d, %v", resp.MemberEpoch, a.partitions(), c.epoch, want)
	}
}

// TestTxnOffsetCommitNoMemberToConsumerGroup: ConsumerGroup.
// validateOffsetCommit in Kafka 4.0 (KAFKA-18060) takes a TxnOffsetCommit
// that names no member (generation -1, member "", no instance id, as
// before v3 and from a producer outside group management) into a
// consumer group with members; one that names a member is checked.
func TestTxnOffsetCommitNoMemberToConsumerGroup(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 1)
	a := newConsumerTester(t, b, "g", "a", "t")
	a.heartbeat()
	for _, tc := range []struct {
		generation int32
		member     string
		instance   *string
		want       int16
	}{
		{-1, "", nil, codeNone},
		{-1, "", ptr("i"), codeUnknownMemberID},
		{-1, "stranger", nil, codeUnknownMemberID},
		{a.epoch + 1, "a", nil, codeIllegalGeneration},
		{a.epoch, "a", nil, codeNone},
	} {
		if code := b.groups.checkTxnCommitMember("g", tc.generation, tc.member, tc.instance); code != tc.want {
			t.Errorf("generation %d, member %q, instance %v: code %d, want %d", tc.generation, tc.member, deref(tc.instance), code, tc.want)
		}
	}
}

// TestConsumerHeartbeatValidationOrder: GroupMetadataManager.
// throwIfConsumerGroupHeartbeatRequestIsInvalid checks the member id
// first (from v1, or at an epoch above 0 or of -1), then the group,
// instance and rack ids, blank as Java's trim() sees them (every
// character up to U+0020, and no other), then the epoch's own rules, and
// the server assignor last of all; an invalid regex is found only after,
// when the coordinator takes the member's new subscription. The request
// is checked before the group is looked up, so an invalid one naming a
// share group is INVALID_REQUEST too.
func TestConsumerHeartbeatValidationOrder(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 1)
	if resp := b.shares.heartbeat(&shareGroupHeartbeatRequest{GroupID: "share", MemberID: "m1", SubscribedTopicNames: []string{"t"}}, "test-client", "/127.0.0.1"); resp.ErrorCode != codeNone {
		t.Fatalf("share group heartbeat: code %d", resp.ErrorCode)
	}
	join := func(group, member string) *consumerGroupHeartbeatRequest {
		return &consumerGroupHeartbeatRequest{GroupID: group, MemberID: member, RebalanceTimeoutMs: 1000, SubscribedTopicNames: []string{"t"}, TopicPartitions: []consumerGroupTopicPartitions{}}
	}
	with := func(req *consumerGroupHeartbeatRequest, f func(*consumerGroupHeartbeatRequest)) *consumerGroupHeartbeatRequest {
		f(req)
		return req
	}
	for _, tc := range []struct {
		name    string
		req     *consumerGroupHeartbeatRequest
		v       int16
		code    int16
		message string
	}{
		{"member and group ids empty", join("", ""), 1, codeInvalidRequest, "MemberId can't be empty."},
		{"group id of a control character", join("\x01", "m"), 1, codeInvalidRequest, "GroupId can't be empty."},
		{"group id of a no-break space", join("\u00a0", "m"), 1, codeNone, ""},
		{"v0, epoch below -2, no member id", &consumerGroupHeartbeatRequest{GroupID: "g", MemberEpoch: -3, RebalanceTimeoutMs: -1}, 0, codeInvalidRequest, "MemberEpoch is invalid."},
		{"invalid regex and unsupported assignor", with(join("g", "m"), func(r *consumerGroupHeartbeatRequest) {
			r.SubscribedTopicNames, r.SubscribedTopicRegex, r.ServerAssignor = nil, ptr("t("), ptr("sticky")
		}), 1, codeUnsupportedAssignor, "ServerAssignor sticky is not supported. Supported assignors: uniform, range."},
		{"invalid request to a share group", join("share", ""), 1, codeInvalidRequest, "MemberId can't be empty."},
	} {
		resp := b.handleConsumerGroupHeartbeat(context.Background(), testRC(tc.v), tc.req).(*consumerGroupHeartbeatResponse)
		if resp.ErrorCode != tc.code || deref(resp.ErrorMessage) != tc.message {
			t.Errorf("%s: code %d, message %q; want %d, %q", tc.name, resp.ErrorCode, deref(resp.ErrorMessage), tc.code, tc.message)
		}
	}
}

// TestClassicStaticMemberFencing: once a static member's instance has
// rejoined under a new member id, the old id is fenced in every API that
// names both (ClassicGroup.validateMember): SyncGroup, OffsetCommit and
// LeaveGroup answer FENCED_INSTANCE_ID, and an instance id the group does
// not know is UNKNOWN_MEMBER_ID. LeaveGroup v3+ answers each member on its
// own, in order (classicGroupLeaveToClassicGroup), and removes the ones
// it can.
func TestClassicStaticMemberFencing(t *testing.T) {
	b := consumerBroker(t, Config{GroupInitialRebalanceDelay: -1}, "t", 1)
	gt := newGroupTester(t, b, "g")
	r := wait(t, gt.joinAsync(9, gt.joinRequest("", ptr("i1"))))
	old, gen := r.MemberID, r.GenerationID
	if s := wait(t, gt.syncAsync(old, gen, map[string]string{old: "a"})); s.ErrorCode != codeNone {
		t.Fatalf("sync: %d", s.ErrorCode)
	}
	r = wait(t, gt.joinAsync(9, gt.joinRequest("", ptr("i1"))))
	cur := r.MemberID
	if r.ErrorCode != codeNone || cur == old {
		t.Fatalf("static rejoin: %+v", r)
	}

	sync := &syncGroupRequest{GroupID: "g", GenerationID: gen, MemberID: old, GroupInstanceID: ptr("i1"), ProtocolType: ptr("consumer"), ProtocolName: ptr("range")}
	if s := wait(t, b.groups.sync(sync)); s.errorCode != codeFencedInstanceID {
		t.Errorf("SyncGroup of the old id: code %d, want FENCED_INSTANCE_ID", s.errorCode)
	}
	commit := &offsetCommitRequest{GroupID: "g", GenerationIDOrMemberEpoch: gen, MemberID: old, GroupInstanceID: ptr("i1"),
		Topics: []offsetCommitTopic{{Name: "t", Partitions: []offsetCommitPartition{{CommittedOffset: 1, CommittedLeaderEpoch: -1}}}}}
	for _, tc := range []struct {
		member, instance string
		want             int16
	}{{old, "i1", codeFencedInstanceID}, {cur, "i2", codeUnknownMemberID}} {
		commit.MemberID, commit.GroupInstanceID = tc.member, &tc.instance
		resp := b.handleOffsetCommit(context.Background(), testRC(8), commit).(*offsetCommitResponse)
		if code := resp.Topics[0].Partitions[0].ErrorCode; code != tc.want {
			t.Errorf("OffsetCommit of %s as %s: code %d, want %d", tc.member, tc.instance, code, tc.want)
		}
	}

	leave := &leaveGroupRequest{GroupID: "g", Members: []leaveGroupMember{
		{MemberID: old, GroupInstanceID: ptr("i1")},
		{MemberID: "", GroupInstanceID: ptr("i2")},
		{MemberID: "nobody"},
		{MemberID: cur, GroupInstanceID: ptr("i1")},
	}}
	lr := b.handleLeaveGroup(context.Background(), testRC(5), leave).(*leaveGroupResponse)
	want := []int16{codeFencedInstanceID, codeUnknownMemberID, codeUnknownMemberID, codeNone}
	if lr.ErrorCode != codeNone || len(lr.Members) != len(want) {
		t.Fatalf("LeaveGroup v5: code %d, %d members", lr.ErrorCode, len(lr.Members))
	}
	for i, m := range lr.Members {
		if m.ErrorCode != want[i] || m.MemberID != leave.Members[i].MemberID {
			t.Errorf("LeaveGroup member %d (%q): code %d, id %q; want %d", i, leave.Members[i].MemberID, m.ErrorCode, m.MemberID, want[i])
		}
	}
	if d := gt.describe(); d.GroupState != "Empty" {
		t.Errorf("after the batch leave: group %s, want Empty", d.GroupState)
	}
}

// TestRangeAssignorMemberOrder: Kafka's server-side RangeAssignor
// (sortMemberIds) hands out ranges to static members first, by instance
// id, then to the others by member id, whatever order they joined in, so
// that a static member's range does not depend on who came first.
func TestRangeAssignorMemberOrder(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 3)
	for _, m := range []struct{ id, instance string }{{"b", ""}, {"a", ""}, {"z", "s"}} {
		req := &consumerGroupHeartbeatRequest{GroupID: "g", MemberID: m.id, RebalanceTimeoutMs: 1000, ServerAssignor: ptr("range"),
			SubscribedTopicNames: []string{"t"}, TopicPartitions: []consumerGroupTopicPartitions{}}
		if m.instance != "" {
			req.InstanceID = &m.instance
		}
		if resp := b.groups.consumerHeartbeat(req, 1, "", "", nil); resp.ErrorCode != codeNone {
			t.Fatalf("%s joins: code %d", m.id, resp.ErrorCode)
		}
	}
	want := map[string][]int32{"z": {0}, "a": {1}, "b": {2}}
	for _, m := range describeConsumerGroup(t, b, "g").Members {
		var got []int32
		for _, tp := range m.TargetAssignment.TopicPartitions {
			got = append(got, tp.Partitions...)
		}
		if !slices.Equal(got, want[m.MemberID]) {
			t.Errorf("%s: target %v, want %v", m.MemberID, got, want[m.MemberID])
		}
	}
}

// TestConsumerV0StaticRejoinGetsMemberID: at v0 the coordinator names a
// member that joins without an id, and it does so before it looks at the
// instance id (GroupMetadataManager.consumerGroupHeartbeat), so a
// restarted static instance that takes over from its predecessor gets an
// id of its own too.
func TestConsumerV0StaticRejoinGetsMemberID(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 1)
	join := func() *consumerGroupHeartbeatResponse {
		return b.groups.consumerHeartbeat(&consumerGroupHeartbeatRequest{GroupID: "g", InstanceID: ptr("i"), RebalanceTimeoutMs: 1000,
			SubscribedTopicNames: []string{"t"}, TopicPartitions: []consumerGroupTopicPartitions{}}, 0, "", "", nil)
	}
	first := join()
	if first.ErrorCode != codeNone || deref(first.MemberID) == "" {
		t.Fatalf("first join: code %d, member %q", first.ErrorCode, deref(first.MemberID))
	}
	leave := &consumerGroupHeartbeatRequest{GroupID: "g", MemberID: *first.MemberID, MemberEpoch: staticLeaveEpoch, InstanceID: ptr("i"), RebalanceTimeoutMs: -1}
	if resp := b.groups.consumerHeartbeat(leave, 0, "", "", nil); resp.ErrorCode != codeNone {
		t.Fatalf("static leave: code %d", resp.ErrorCode)
	}
	again := join()
	if again.ErrorCode != codeNone || deref(again.MemberID) == "" || *again.MemberID == *first.MemberID {
		t.Errorf("rejoin of the instance: code %d, member %q (was %q); want a new id", again.ErrorCode, deref(again.MemberID), *first.MemberID)
	}
}

// TestConsumerGroupDescribeEmptyGroupID: GroupCoordinatorService.
// consumerGroupDescribe answers an empty group id INVALID_GROUP_ID
// without asking any shard (isGroupIdNotEmpty), unlike DescribeGroups,
// which still describes the empty group id.
func TestConsumerGroupDescribeEmptyGroupID(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 1)
	if d := describeConsumerGroup(t, b, ""); d.ErrorCode != codeInvalidGroupID {
		t.Errorf("empty group id: code %d, want INVALID_GROUP_ID", d.ErrorCode)
	}
}

// TestOffsetCommitToShareGroup: an OffsetCommit to a share group's id is
// GROUP_ID_NOT_FOUND, as Kafka's ShareGroup.validateOffsetCommit answers
// (a partition that does not exist still gets
// UNKNOWN_TOPIC_OR_PARTITION), and leaves the share group as it was: it
// used to create a classic group of the same id, which then refused the
// share group's own heartbeats.
func TestOffsetCommitToShareGroup(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	c.shareHeartbeat("sg", "m", 0, []string{"t"})
	if code := c.commitOffset("sg", "t", 0, 5); code != codeGroupIDNotFound {
		t.Errorf("OffsetCommit to a share group: code %d, want GROUP_ID_NOT_FOUND", code)
	}
	if code := c.commitOffset("sg", "t", 9, 5); code != codeUnknownTopicOrPartition {
		t.Errorf("OffsetCommit of an unknown partition to a share group: code %d, want UNKNOWN_TOPIC_OR_PARTITION", code)
	}
	// The same from a transaction (validateTransactionalOffsetCommit).
	_, pid, epoch := c.initTxn("app", 60000)
	if code := c.addOffsets("app", pid, epoch, "sg"); code != codeNone {
		t.Fatalf("AddOffsetsToTxn: %d", code)
	}
	if code := c.txnCommitOffset("app", "sg", pid, epoch, "t", 0, 5); code != codeGroupIDNotFound {
		t.Errorf("TxnOffsetCommit to a share group: code %d, want GROUP_ID_NOT_FOUND", code)
	}
	if code, _, _ := c.shareHeartbeat("sg", "m", 1, nil); code != codeNone {
		t.Errorf("the share group's heartbeat after the commits: code %d", code)
	}
}

// TestClassicRequestsToConsumerGroupStaticMember: a classic Heartbeat or
// LeaveGroup naming a KIP-848 consumer group's static member by its
// instance id, with another member id, is FENCED_INSTANCE_ID
// (GroupMetadataManager.classicGroupHeartbeatToConsumerGroup through
// validateConsumerGroupMember, and classicGroupLeaveToConsumerGroup,
// both by throwIfInstanceIdIsFenced); LeaveGroup's admin removal by
// instance id alone (member id "") is not fenced. Every other case is
// UNKNOWN_MEMBER_ID: an instance id the group does not know
// (throwIfStaticMemberIsUnknown), or the member itself, which uses the
// consumer protocol and not the classic one
// (throwIfMemberDoesNotUseClassicProtocol). The member stays.
func TestClassicRequestsToConsumerGroupStaticMember(t *testing.T) {
	b := consumerBroker(t, Config{}, "t", 1)
	a := newConsumerTester(t, b, "g", "a", "t")
	a.instance = ptr("i")
	a.heartbeat()
	for _, tc := range []struct {
		member   string
		instance *string
		want     int16
	}{
		{"other", ptr("i"), codeFencedInstanceID},
		{"", ptr("i"), codeFencedInstanceID},
		{"a", ptr("i"), codeUnknownMemberID},
		{"a", ptr("j"), codeUnknownMemberID},
		{"a", nil, codeUnknownMemberID},
	} {
		hb := &heartbeatRequest{GroupID: "g", GenerationID: a.epoch, MemberID: tc.member, GroupInstanceID: tc.instance}
		if resp := b.handleHeartbeat(context.Background(), testRC(4), hb).(*heartbeatResponse); resp.ErrorCode != tc.want {
			t.Errorf("Heartbeat of %q as %v: code %d, want %d", tc.member, deref(tc.instance), resp.ErrorCode, tc.want)
		}
	}
	leave := &leaveGroupRequest{GroupID: "g", Members: []leaveGroupMember{
		{MemberID: "other", GroupInstanceID: ptr("i")},
		{MemberID: "", GroupInstanceID: ptr("i")},
		{MemberID: "a", GroupInstanceID: ptr("i")},
		{MemberID: "", GroupInstanceID: ptr("j")},
		{MemberID: "a"},
	}}
	lr := b.handleLeaveGroup(context.Background(), testRC(5), leave).(*leaveGroupResponse)
	want := []int16{codeFencedInstanceID, codeUnknownMemberID, codeUnknownMemberID, codeUnknownMemberID, codeUnknownMemberID}
	if lr.ErrorCode != codeNone || len(lr.Members) != len(want) {
		t.Fatalf("LeaveGroup v5: code %d, %d members", lr.ErrorCode, len(lr.Members))
	}
	for i, m := range lr.Members {
		if m.ErrorCode != want[i] {
			t.Errorf("LeaveGroup of %q as %v: code %d, want %d", leave.Members[i].MemberID, deref(leave.Members[i].GroupInstanceID), m.ErrorCode, want[i])
		}
	}
	a.heartbeat() // still a member: it fails the test if not
}

// describeGroupsAt is a raw DescribeGroups of ids at version v (v5 or
// later, the flexible ones), each answer read as "code message state",
// the message "-" when null.
func (c *testClient) describeGroupsAt(v int16, ids ...string) []string {
	c.t.Helper()
	r := c.roundTrip(15, v, true, func(w *writer) {
		w.Strings(ids)
		w.Bool(false)
		w.Tags()
	})
	r.Int32() // throttle
	groups := readArray(r, func(r *reader) string {
		code := r.Int16()
		msg := "-"
		if v >= 6 {
			if m := r.NullableString(); m != nil {
				msg = *m
			}
		}
		_ = r.String() // group id
		state := r.String()
		_, _ = r.String(), r.String() // protocol type and data
		readArray(r, func(r *reader) string {
			id := r.String()
			r.NullableString()
			_, _ = r.String(), r.String() // client id and host
			r.Bytes()
			r.Bytes()
			r.SkipTags()
			return id
		})
		r.Int32()
		r.SkipTags()
		return fmt.Sprintf("%d %s %s", code, msg, state)
	})
	r.SkipTags()
	if err := r.complete(); err != nil {
		c.t.Fatalf("DescribeGroups v%d: %v", v, err)
	}
	return groups
}

// TestDescribeGroupsV6GroupNotFound: DescribeGroups v6 (KIP-1043) answers
// a group it cannot describe GROUP_ID_NOT_FOUND, state Dead, with the
// exception's message, where v5 says Dead with no error
// (GroupMetadataManager.describeGroups). A KIP-848 consumer group and a
// share group are not classic groups, so they are "not found" too, with
// classicGroup's message; a classic group is described as before.
func TestDescribeGroupsV6GroupNotFound(t *testing.T) {
	_, c := startWithTopic(t, "t", 1)
	if code, _, err := c.consumerHeartbeatCode("new"); err != nil || code != codeNone {
		t.Fatalf("ConsumerGroupHeartbeat: code %d, %v", code, err)
	}
	c.shareHeartbeat("sg", "m", 0, []string{"t"})
	if code := c.commitOffset("classic", "t", 0, 1); code != codeNone {
		t.Fatalf("OffsetCommit: code %d", code)
	}
	ids := []string{"missing", "new", "sg", "classic"}
	want5 := []string{"0 - Dead", "0 - Dead", "0 - Dead", "0 - Empty"}
	if got := c.describeGroupsAt(5, ids...); !slices.Equal(got, want5) {
		t.Errorf("v5: %q, want %q", got, want5)
	}
	want6 := []string{
		"69 Group missing not found. Dead",
		"69 Group new is not a classic group. Dead",
		"69 Group sg is not a classic group. Dead",
		"0 - Empty",
	}
	if got := c.describeGroupsAt(6, ids...); !slices.Equal(got, want6) {
		t.Errorf("v6: %q, want %q", got, want6)
	}
}
