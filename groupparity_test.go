package kafka

import (
	"context"
	"fmt"
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
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.createTopic("t", 1)
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
