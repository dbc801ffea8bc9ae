// This file holds the coordinator of KIP-932's share groups and five of
// their APIs: ShareGroupHeartbeat, ShareGroupDescribe and the three admin
// APIs on their offsets, DescribeShareGroupOffsets, AlterShareGroupOffsets
// and DeleteShareGroupOffsets. It follows Apache Kafka 4.1's
// GroupMetadataManager.shareGroupHeartbeat, ShareGroup.java and
// SimpleAssignor.java. It builds on share.go (the share partition) and
// consumer.go (whose heartbeat protocol a share group's is a smaller copy
// of); sharefetch.go is the other half, the APIs that read records.
//
// Place in the book: Part II, after share.go, and before sharefetch.go.
//
// # How a share group works
//
// A member joins with ShareGroupHeartbeat at epoch 0, naming the topics it
// subscribes to, and heartbeats every share.heartbeat.interval.ms after.
// The coordinator answers each heartbeat with the group epoch and, on a
// join, a full heartbeat or when the member's partitions changed, its
// assignment. A group takes at most group.share.max.size members (200);
// one more gets GROUP_MAX_SIZE_REACHED. There is nothing to reconcile: a
// partition may be read by any number of members at once, because the
// share partition hands each record to one of them. So the assignment is
// computed in the heartbeat that changes the membership, and each member
// takes its part at its next heartbeat, with nothing to give up first.
//
//	A: heartbeat(epoch 0, [t])   group epoch 1; A gets t-0, t-1
//	B: heartbeat(epoch 0, [t])   group epoch 2; B gets t-1
//	A: heartbeat(epoch 1)        A gets epoch 2 and keeps t-0
//	C: heartbeat(epoch 0, [t])   group epoch 3: two members a partition,
//	                             A t-0 and t-1, B t-1, C t-0
//
// The assignor is Kafka 4.1's SimpleAssignor (see assign): each partition
// is shared by ceil(members / partitions) members and each member gets an
// even part of those shares, keeping what it had where it can. A share
// group could give every member every partition, since records are locked
// one by one; spreading them is what Kafka does, and what a client that
// describes the group, or counts its fetches, expects.
//
// When a partition is first assigned, its share partition is created,
// starting at the offset share.auto.offset.reset names: the high watermark
// for latest (the default), the log start for earliest, the first record
// no older than a duration for by_duration:, as Kafka's
// InitializeShareGroupState does.
//
// Design note: share groups are kept apart from the classic and consumer
// groups of groups.go, in their own map under one lock. Group ids are one
// namespace, so a heartbeat for an id that a classic or consumer group
// holds is GROUP_ID_NOT_FOUND, as in Kafka; ListGroups and DeleteGroups ask
// here too. While share-state.jsonl does not read, the share groups are
// unknown, so no new classic or consumer group is made (claimCode). One lock for every share group is simple and is not the
// bottleneck of a one-broker cluster: the log reads of ShareFetch happen
// outside it.
//
// Where we differ from Kafka: a share group and a classic or consumer
// group of one id can be created at the same moment (each coordinator
// checks the other, then takes its own lock); members are not persisted (the share
// partitions are, share.go), so after a restart members join again;
// RackId is reported, not used; regex subscriptions do not exist in share
// groups of 4.1 either; the assignor is not configurable. Because members
// are not persisted, a heartbeat past epoch 0 for a group that does not
// exist is UNKNOWN_MEMBER_ID, which makes the member join again, where
// Kafka answers GROUP_ID_NOT_FOUND ("Share group X not found.") for a group
// it would have kept across the restart.

package kafka

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// shareGroupType is what ListGroups v5 reports as a share group's type
// and protocol type, and what kafka-share-groups.sh --list filters on
// (Kafka's GroupType.SHARE).
const shareGroupType = "share"

// shareCoordinator is every share group and the share partitions'
// durable state. In Kafka these are two services, the group coordinator
// (membership, in __consumer_offsets) and the share coordinator (the
// partitions' state, in __share_group_state); one broker needs neither
// the split nor the RPCs between them, so one struct holds both.
type shareCoordinator struct {
	b *Broker
	// state is share-state.jsonl, the file every share partition's window
	// is written to before an acknowledgement is answered (share.go).
	state *shareStateLog
	// down is why the state file did not read at start, nil if it did:
	// the share-group APIs are then refused (coordinatorDown).
	down error

	// mu guards everything below and every shareGroup and sharePartition
	// reached from it. Log reads and appends never happen under it.
	mu       sync.Mutex
	groups   map[string]*shareGroup
	sessions map[shareSessionKey]*shareSession // sharefetch.go
	// closed is set by close, so that a member's session timer firing
	// during shutdown removes nobody and writes nothing.
	closed bool

	// changed is closed and replaced when records become available
	// without an append: released, or their lock expired. It wakes
	// ShareFetches that wait, as Broker.appendSignal does for appends.
	changed chan struct{}
}

// shareGroup is one share group; shareCoordinator.mu guards it.
type shareGroup struct {
	id string
	// epoch is the group epoch of KIP-848, which a share group shares:
	// bumped whenever the assignment is computed again. There is no
	// separate assignment epoch, since the assignment is computed in the
	// same heartbeat that bumps it.
	epoch   int32
	members map[string]*shareMember
	topics  map[uuid]int // partition counts the assignment was computed from
	// partitions outlive the members: a group with no members keeps its
	// SPSO and in-flight records, as Kafka's __share_group_state does, so
	// that the next member to join resumes where the last one left off.
	partitions map[topicIDPartition]*sharePartition
}

// shareMember is one member of a share group (Kafka's ShareGroupMember).
// Unlike a consumer group member it has no partitions pending revocation:
// nothing a share member holds needs to be given up before another may
// read it, since records are locked one by one in the share partition,
// not partitions by member.
type shareMember struct {
	id, clientID, clientHost string
	rack                     *string
	epoch                    int32
	// prevEpoch is the epoch before the last bump, which a heartbeat may
	// still carry if the answer that bumped it was lost.
	prevEpoch  int32
	subscribed []string
	assigned   partitionSet
	sent       partitionSet // the assignment last sent, nil before the first
	// timer removes the member when share.session.timeout.ms passes
	// without a heartbeat; every heartbeat replaces it.
	timer *time.Timer
}

// openShareCoordinator reads share-state.jsonl and rebuilds every share
// partition it names. Only the partitions come back: the groups they
// belong to are recreated empty, at epoch 0, and their members join
// again, as members of a Kafka share group do after a coordinator fails
// over. A record that was acquired when the broker stopped comes back
// available (share.go), so it is delivered again rather than lost.
//
// A state file that does not read (unreadable, or a damaged line before
// the last) does not stop the start: the coordinator starts with no share
// groups, and down, so that the share-group APIs answer
// COORDINATOR_NOT_AVAILABLE (refusals.go), as Kafka's do while
// __share_group_state is not loaded. Its state file is left closed, so
// nothing is written to it until a restart on the repaired file.
func openShareCoordinator(b *Broker) (*shareCoordinator, error) {
	state, snaps, err := openShareState(b.cfg.DataDir, b.log)
	var down error
	if err != nil {
		path := filepath.Join(b.cfg.DataDir, shareStateFile)
		b.log.Error("share coordinator unavailable: its state file does not read, so the share-group APIs answer COORDINATOR_NOT_AVAILABLE. "+
			"Repair or restore the file and restart", "file", path, "err", err)
		state, snaps, down = &shareStateLog{path: path}, nil, err
	}
	state.sync = b.fsync.always
	c := &shareCoordinator{b: b, state: state, down: down, groups: map[string]*shareGroup{},
		sessions: map[shareSessionKey]*shareSession{}, changed: make(chan struct{})}
	for k, s := range snaps {
		c.group(k.group, true).partitions[k.tp] = s.restore()
	}
	return c, nil
}

// close stops every member's session timer and closes the state file.
// It holds the lock while it does, so that no heartbeat or acknowledgement
// can write to a file being closed.
func (c *shareCoordinator) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	for _, g := range c.groups {
		for _, m := range g.members {
			stopTimer(m.timer)
		}
	}
	c.state.close()
}

// group returns share group id, creating it if create is set. Only a
// join (epoch 0) and AlterShareGroupOffsets create one, as Kafka's
// getOrMaybeCreateShareGroup does:
// a heartbeat at a later epoch for a group that does not exist is
// UNKNOWN_MEMBER_ID (see the file's header), not a new group.
func (c *shareCoordinator) group(id string, create bool) *shareGroup {
	g := c.groups[id]
	if g == nil && create {
		g = &shareGroup{id: id, members: map[string]*shareMember{}, topics: map[uuid]int{},
			partitions: map[topicIDPartition]*sharePartition{}}
		c.groups[id] = g
	}
	return g
}

// isOtherGroup reports whether id names a classic or consumer group.
// A classic group that is Empty with no offsets does not count: it is one
// the coordinator has not forgotten yet (lockGroup may even have created
// it for an OffsetFetch), and it holds nothing a share group could clash
// with.
func (c *shareCoordinator) isOtherGroup(id string) bool {
	g := c.b.groups.lockGroup(id, false)
	if g == nil {
		return false
	}
	defer g.mu.Unlock()
	return g.state != stateEmpty || g.consumer != nil || len(g.offsets) > 0
}

// exists reports whether id is a share group, for the classic and
// consumer coordinators, which refuse its id (GroupMetadataManager's
// "is not a consumer group"). A check, then the other coordinator's
// lock: a share group created in between is the race Kafka avoids with
// one coordinator for all kinds, which this broker does not have.
func (c *shareCoordinator) exists(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.groups[id] != nil
}

// claimCode is what an API that may create a classic or consumer group
// of id answers before it looks at the group (JoinGroup,
// ConsumerGroupHeartbeat, OffsetCommit, TxnOffsetCommit): GROUP_ID_NOT_FOUND
// for a share group's id, COORDINATOR_NOT_AVAILABLE for an id that may be
// one the coordinator cannot see, NONE otherwise.
//
// In Kafka the groups of every type are one map of GroupMetadataManager,
// replayed from __consumer_offsets by GroupCoordinatorShard, so an id is
// known to be a share group's, or the shard is not loaded and serves
// nothing (GroupCoordinatorService.throwIfNotActive); and
// getOrMaybeCreateClassicGroup or getOrMaybeCreateConsumerGroup refuse
// the id of a group of another type. Here the share groups come back from
// share-state.jsonl, and while it does not read (down) their ids are
// unknown: a classic or consumer group made of one then would collide
// with the share group restored at the restart after the repair. So a
// new group is refused, with the code Kafka answers while a coordinator
// is not active, which clients retry; a group that holds something
// (isOtherGroup) was there before and cannot be a share group's, and
// keeps working. Reading the ids from the readable lines of the damaged
// file would not do: the damaged line may be the only one of its group,
// and an unreadable file has none.
func (c *shareCoordinator) claimCode(id string) int16 {
	switch {
	case c.exists(id):
		return codeGroupIDNotFound
	case c.down != nil && !c.isOtherGroup(id):
		return codeCoordinatorNotAvailable
	}
	return codeNone
}

// notify wakes waiting ShareFetches. Closing a channel wakes every
// receiver at once, and a fresh one is put in its place for the next
// wait; the caller holds c.mu, so no waiter can take the old channel after
// it is replaced and miss the wake-up (acquireWaiting reads it under
// the lock before it looks for records).
func (c *shareCoordinator) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// limits are the share partition settings of group id: the broker's, with
// the group's own record lock duration. The delivery count limit and the
// in-flight bound are broker-wide in Kafka 4.1 too (GroupConfig has no
// share.delivery.count.limit), so only the lock duration is looked up.
// It is read on every use rather than cached, so that a changed config
// applies to the next acquisition without a restart.
func (c *shareCoordinator) limits(id string) shareLimits {
	return shareLimits{lockDuration: c.groupDuration(id, shareRecordLockDurationConfig, c.b.cfg.ShareRecordLockDuration),
		deliveryLimit: c.b.cfg.ShareDeliveryCountLimit, maxLocks: int64(c.b.cfg.SharePartitionMaxRecordLocks)}
}

// groupDuration is a share group's setting name in milliseconds, or def.
// The value was checked against the broker's bounds when it was set
// (groupconfigs.go), so it is used as it is.
func (c *shareCoordinator) groupDuration(id, name string, def time.Duration) time.Duration {
	return groupMillis(c.b.groupConfigs.get(id), name, def)
}

// persist writes the share partitions of g named by tps: a snapshot of
// each window, or, for one no longer in g.partitions, a Deleted line, so
// that a deleted group or topic does not come back at the next start.
// When the file has grown to many times the partitions it describes, it
// is rewritten whole from memory, which is Kafka's share coordinator
// writing a fresh ShareSnapshot after enough ShareUpdates, done with a
// file instead of a compacted topic.
func (c *shareCoordinator) persist(g *shareGroup, tps ...topicIDPartition) error {
	snaps := make([]shareSnapshot, 0, len(tps))
	for _, tp := range tps {
		if sp := g.partitions[tp]; sp != nil {
			snaps = append(snaps, sp.snapshot(g.id, tp))
		} else {
			snaps = append(snaps, shareSnapshot{Group: g.id, TopicID: tp.topic, Partition: tp.partition, Deleted: true})
		}
	}
	if err := c.state.write(snaps...); err != nil {
		return err
	}
	if c.state.needsCompaction() {
		all := map[shareKey]shareSnapshot{}
		for _, g := range c.groups {
			for tp, sp := range g.partitions {
				all[shareKey{g.id, tp}] = sp.snapshot(g.id, tp)
			}
		}
		return c.state.rewrite(all)
	}
	return nil
}

// save persists the share partitions of g named by tps and reports
// whether there were any. A write that fails is logged, not returned: the
// callers are expiries, releases and reassignments, which have no client
// to tell, and the change still holds in memory. What a crash then costs
// is that those records are delivered again after the restart, the
// at-least-once promise KIP-932 makes anyway.
func (c *shareCoordinator) save(g *shareGroup, tps []topicIDPartition) bool {
	if len(tps) == 0 {
		return false
	}
	if err := c.persist(g, tps...); err != nil {
		c.b.log.Error("writing share state", "group", g.id, "err", err)
	}
	return true
}

// expire runs the lock expiry of every partition of g, writes what
// changed, and wakes fetches if records came back. Kafka arms a timer per
// acquired batch (SharePartition's AcquisitionLockTimerTask, which calls
// releaseAcquisitionLockOnTimeout); here expiry is lazy, run whenever the
// group's state is about to be read or changed, and acquireWaiting sleeps
// no longer than the next lock, so a record comes back no later than a
// fetch that could take it.
func (c *shareCoordinator) expire(g *shareGroup, now time.Time) {
	lim := c.limits(g.id)
	var changed []topicIDPartition
	for tp, sp := range g.partitions {
		if sp.expire(lim, now) {
			changed = append(changed, tp)
		}
	}
	if c.save(g, changed) {
		c.notify()
	}
}

// expireOne is expire for one partition of g: what a fetch or an
// acknowledgement of that partition needs, without walking the others.
func (c *shareCoordinator) expireOne(g *shareGroup, tp topicIDPartition, sp *sharePartition, now time.Time) {
	if sp.expire(c.limits(g.id), now) {
		c.save(g, []topicIDPartition{tp})
		c.notify()
	}
}

// releaseMember gives back every record member id holds in g: the
// member left, its session timed out, or its share session closed. The
// records go back to available, or are archived if their delivery count
// has reached group.share.delivery.count.limit, as
// SharePartition.releaseAcquiredRecords does when a member goes away.
func (c *shareCoordinator) releaseMember(g *shareGroup, id string) {
	lim := c.limits(g.id)
	var changed []topicIDPartition
	for tp, sp := range g.partitions {
		if sp.releaseMember(id, lim) {
			changed = append(changed, tp)
		}
	}
	if c.save(g, changed) {
		c.notify()
	}
}

// Assignment.

// subscribedSnapshot is the partition count of every topic some member
// of g subscribes to, by id. Comparing it with the one the assignment was
// computed from is how a new partition, or a topic created after a member
// subscribed to its name, reaches the members at their next heartbeat,
// as Kafka's subscription metadata refresh does.
func (c *shareCoordinator) subscribedSnapshot(g *shareGroup) map[uuid]int {
	snap := map[uuid]int{}
	for _, m := range g.members {
		for _, name := range m.subscribed {
			if t := c.b.logs.Topic(name); t != nil {
				snap[t.ID] = len(t.Partitions)
			}
		}
	}
	return snap
}

// maybeReassign bumps the group epoch and assigns the members the
// partitions of their topics again (assign), if the membership, a
// subscription or a topic's partitions changed. Every partition of a
// subscribed topic gets its share partition, assigned to a member now or
// not.
//
// The start offset is fixed here, when a partition is first assigned, and
// written at once: a member that fetches a second later must not see the
// latest offset move under it, and a restart must not move it either.
// This is Kafka's InitializeShareGroupState, which the group coordinator
// sends the share coordinator for partitions new to the assignment.
func (c *shareCoordinator) maybeReassign(g *shareGroup, changed bool) {
	snap := c.subscribedSnapshot(g)
	if !changed && maps.Equal(snap, g.topics) {
		return
	}
	g.epoch++
	g.topics = snap
	// The state of a deleted topic's partitions goes with it, as Kafka's
	// share coordinator deletes it when the topic is deleted.
	var gone []topicIDPartition
	for tp := range g.partitions {
		if c.b.logs.TopicByID(tp.topic) == nil {
			delete(g.partitions, tp)
			gone = append(gone, tp)
		}
	}
	c.save(g, gone)
	var created []topicIDPartition
	reset := c.b.groupValue(c.b.groupConfigs.get(g.id), shareAutoOffsetResetConfig)
	now := time.Now()
	c.assign(g)
	for _, m := range g.members {
		for _, name := range m.subscribed {
			t := c.b.logs.Topic(name)
			if t == nil {
				continue
			}
			for p := range t.Partitions {
				tp := topicIDPartition{t.ID, int32(p)}
				if g.partitions[tp] == nil {
					g.partitions[tp] = newSharePartition(shareStartOffset(t.Partitions[p], reset, now))
					created = append(created, tp)
				}
			}
		}
	}
	c.save(g, created)
}

// assign computes every member's assignment as Kafka 4.1's SimpleAssignor
// does, in its two principles, balance before stickiness:
//
//   - each partition is shared by ceil(members / partitions) members, so
//     that with more partitions than members each partition has one
//     member and the members split the partitions evenly, and with more
//     members than partitions every member still gets one;
//   - a member keeps the partitions it had, as far as the balance allows.
//
// When every member subscribes to the same topics, their partitions are
// balanced together (SimpleHomogeneousAssignmentBuilder); otherwise each
// topic is balanced among its own subscribers
// (SimpleHeterogeneousAssignmentBuilder). Which member gets which
// partition need not match Kafka's, whose member order comes from a hash
// map; the shares do.
func (c *shareCoordinator) assign(g *shareGroup) {
	members := slices.SortedFunc(maps.Values(g.members), func(a, b *shareMember) int { return cmp.Compare(a.id, b.id) })
	previous := map[*shareMember]partitionSet{}
	for _, m := range members {
		previous[m], m.assigned = m.assigned, partitionSet{}
	}
	partitionsOf := func(names []string) []topicIDPartition {
		var tps []topicIDPartition
		for _, name := range names {
			if t := c.b.logs.Topic(name); t != nil {
				for p := range t.Partitions {
					tps = append(tps, topicIDPartition{t.ID, int32(p)})
				}
			}
		}
		return tps
	}
	homogeneous := true
	for _, m := range members {
		homogeneous = homogeneous && slices.Equal(m.subscribed, members[0].subscribed)
	}
	if homogeneous && len(members) > 0 {
		assignShares(members, partitionsOf(members[0].subscribed), previous)
		return
	}
	topics := map[string][]*shareMember{}
	for _, m := range members {
		for _, name := range m.subscribed {
			topics[name] = append(topics[name], m)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(topics)) {
		assignShares(topics[name], partitionsOf([]string{name}), previous)
	}
}

// assignShares gives the partitions tps to members, sharing each among
// ceil(len(members) / len(tps)) of them and giving each member its quota
// of those shares, the larger quotas first; previous holders are kept
// first, then the rest go round the members that are under quota.
func assignShares(members []*shareMember, tps []topicIDPartition, previous map[*shareMember]partitionSet) {
	n, np := len(members), len(tps)
	if n == 0 || np == 0 {
		return
	}
	sharing := (n + np - 1) / np
	total := sharing * np
	quota := make([]int, n)
	for i := range quota {
		quota[i] = (total*(i+1)+n-1)/n - (total*i+n-1)/n
	}
	count := make([]int, n)
	holders := make([]int, np)
	give := func(i, p int) {
		members[i].assigned[tps[p]] = true
		count[i]++
		holders[p]++
	}
	slices.SortFunc(tps, compareTIP)
	for p, tp := range tps {
		for i, m := range members {
			if holders[p] < sharing && count[i] < quota[i] && previous[m][tp] {
				give(i, p)
			}
		}
	}
	next := 0
	for p, tp := range tps {
		// Round the members once under quota, then once more ignoring
		// it, so that no partition is left without a member.
		for pass := 0; pass < 2*n && holders[p] < sharing; pass++ {
			i := next % n
			next++
			if !members[i].assigned[tp] && (count[i] < quota[i] || pass >= n) {
				give(i, p)
			}
		}
	}
}

// shareStartOffset is where a share partition starts when its group is
// first assigned it, by share.auto.offset.reset: the high watermark
// (latest), the log start (earliest), or the first record no older than a
// duration (by_duration:PT1H, KIP-1106), or the high watermark if there is
// none (ShareGroupAutoOffsetResetStrategy).
func shareStartOffset(pl *partitionLog, reset string, now time.Time) int64 {
	switch {
	case reset == "earliest":
		return pl.LogStartOffset()
	case strings.HasPrefix(reset, byDurationPrefix):
		d, err := parseISODuration(strings.TrimPrefix(reset, byDurationPrefix))
		if err == nil {
			if off, _, found := pl.OffsetForTimestamp(now.Add(-d).UnixMilli()); found {
				return off
			}
		}
	}
	return pl.HighWatermark()
}

// ShareGroupHeartbeat: v1 (ShareGroupHeartbeatRequest.json, ShareGroupHeartbeatResponse.json)
//
//	v1: the first stable version (Kafka 4.1); v0 was 4.0's early access,
//	    which 4.1 no longer serves, and neither do we.
//
// https://github.com/apache/kafka/blob/4.1.0/clients/src/main/resources/common/message/ShareGroupHeartbeatRequest.json
type shareGroupHeartbeatRequest struct {
	GroupID              string
	MemberID             string
	MemberEpoch          int32
	RackID               *string
	SubscribedTopicNames []string // null: unchanged since the last heartbeat
}

// decode reads every version alike: v1 is the only one served, and the
// request has no field that a later version added.
func (m *shareGroupHeartbeatRequest) decode(r *reader, v int16) {
	m.GroupID = r.String()
	m.MemberID = r.String()
	m.MemberEpoch = r.Int32()
	m.RackID = r.NullableString()
	m.SubscribedTopicNames = r.Strings()
	r.SkipTags()
}

// shareGroupHeartbeatResponse is ConsumerGroupHeartbeat's response, the
// same fields in the same order and so the same bytes on the wire: KIP-932
// copied the schema. The golden test of ShareGroupHeartbeat checks the
// bytes against franz-go's, which are generated from Kafka's schema, so a
// drift of either schema would fail there.
type shareGroupHeartbeatResponse consumerGroupHeartbeatResponse

func (m *shareGroupHeartbeatResponse) encode(w *writer, v int16) {
	(*consumerGroupHeartbeatResponse)(m).encode(w, v)
}

func (b *Broker) handleShareGroupHeartbeat(ctx context.Context, rc *requestContext, r request) response {
	return b.shares.heartbeat(r.(*shareGroupHeartbeatRequest), rc.clientID(), rc.clientHost())
}

// invalid is the INVALID_REQUEST message for a heartbeat whose fields
// cannot be right whatever the group's state, or "": Kafka's
// GroupCoordinatorService.throwIfShareGroupHeartbeatRequestIsInvalid,
// checked before the group is looked up and in its order. An id of blanks
// is as empty as "" there (Utils.throwIfEmptyString trims, as javaBlank
// does), and a rack, which may be null, may not be blank.
func (req *shareGroupHeartbeatRequest) invalid() string {
	switch {
	case javaBlank(req.MemberID):
		return "MemberId can't be empty."
	case javaBlank(req.GroupID):
		return "GroupId can't be empty."
	case req.RackID != nil && javaBlank(*req.RackID):
		return "RackId can't be empty."
	case req.MemberEpoch == joinEpoch && len(req.SubscribedTopicNames) == 0:
		return "SubscribedTopicNames must be set in first request."
	case req.MemberEpoch < leaveEpoch:
		return "MemberEpoch is invalid."
	}
	return ""
}

// heartbeat is GroupMetadataManager.shareGroupHeartbeat. The request is
// checked first, in the order of throwIfShareGroupHeartbeatRequestIsInvalid,
// each failure INVALID_REQUEST, which the Java share consumer treats as
// fatal: it is a client bug, not a state to recover from. Then the member
// is looked up. UNKNOWN_MEMBER_ID and FENCED_MEMBER_EPOCH are the two
// answers a client recovers from: it drops its assignment and joins again
// at epoch 0 (AbstractHeartbeatRequestManager's transitionToFenced). Any
// records it held are already released by then, or will be when their
// locks run out.
func (c *shareCoordinator) heartbeat(req *shareGroupHeartbeatRequest, clientID, clientHost string) *shareGroupHeartbeatResponse {
	// An error answer carries the code and message alone, member epoch
	// 0 and no member id, as GroupCoordinatorService builds it.
	fail := func(code int16, msg string) *shareGroupHeartbeatResponse {
		return &shareGroupHeartbeatResponse{ErrorCode: code, ErrorMessage: ptr(msg)}
	}
	if msg := req.invalid(); msg != "" {
		return fail(codeInvalidRequest, msg)
	}
	if c.isOtherGroup(req.GroupID) {
		return fail(codeGroupIDNotFound, "Group "+req.GroupID+" is not a share group.")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.group(req.GroupID, req.MemberEpoch == joinEpoch)
	m := (*shareMember)(nil)
	if g != nil {
		m = g.members[req.MemberID]
	}
	// A leave of a member the group does not know is UNKNOWN_MEMBER_ID,
	// as GroupMetadataManager.shareGroupLeave answers.
	if req.MemberEpoch == leaveEpoch && m != nil {
		c.leave(g, m)
		return &shareGroupHeartbeatResponse{MemberID: &req.MemberID, MemberEpoch: leaveEpoch}
	}
	// A member the group does not have is refused once the group is full,
	// before its epoch is looked at, as throwIfShareGroupIsFull does.
	if max := int(c.b.cfg.ShareGroupMaxSize); m == nil && g != nil && req.MemberEpoch != leaveEpoch && len(g.members) >= max {
		return fail(codeGroupMaxSizeReached, fmt.Sprintf("The share group has reached its maximum capacity of %d members.", max))
	}
	changed := false
	switch {
	case m == nil && req.MemberEpoch != joinEpoch:
		return fail(codeUnknownMemberID, "Member "+req.MemberID+" is not a member of group "+req.GroupID+".")
	case m == nil:
		m = &shareMember{id: req.MemberID, assigned: partitionSet{}}
		g.members[m.id] = m
		changed = true
	case req.MemberEpoch != joinEpoch && req.MemberEpoch != m.epoch && req.MemberEpoch != m.prevEpoch:
		// The previous epoch is accepted, as Kafka's
		// throwIfShareGroupMemberEpochIsInvalid accepts it, in case the
		// answer that bumped it was lost. Unlike a consumer group member's
		// (ConsumerGroupHeartbeat), it need not report its partitions to
		// prove it holds no more than its assignment: a share member
		// holds records, not partitions.
		return fail(codeFencedMemberEpoch, "The share group member has a different epoch.")
	}
	// A known member at epoch 0 is a client that restarted with the same
	// member id (the client chooses it, as KIP-1082 made consumers do): it
	// keeps its place, and the full heartbeat below sends it its
	// assignment again. Kafka 4.1 fenced it until KAFKA-19233.
	if m.update(req, clientID, clientHost) {
		changed = true
	}
	c.maybeReassign(g, changed)
	if m.epoch != g.epoch {
		m.prevEpoch, m.epoch = m.epoch, g.epoch
	}
	// Every heartbeat restarts the session timer, as
	// scheduleShareGroupSessionTimeout does in Kafka; the group's own
	// share.session.timeout.ms, if set, is read now, so that a change
	// applies from the member's next heartbeat.
	session := c.groupDuration(g.id, shareSessionTimeoutConfig, c.b.cfg.ShareSessionTimeout)
	stopTimer(m.timer)
	m.timer = time.AfterFunc(session, func() { c.expireMember(g.id, m) })
	resp := &shareGroupHeartbeatResponse{MemberID: &m.id, MemberEpoch: m.epoch,
		HeartbeatIntervalMs: int32(c.groupDuration(g.id, shareHeartbeatIntervalConfig, c.b.cfg.ShareHeartbeatInterval).Milliseconds())}
	// The assignment goes out when it differs from the one last sent, and
	// on every full heartbeat (a join, or a subscription sent again), which
	// is how a member that lost an answer gets it back; a new group epoch
	// that left the member's partitions as they were sends none, as in
	// GroupMetadataManager.shareGroupHeartbeat.
	if m.sent == nil || !maps.Equal(m.sent, m.assigned) || req.MemberEpoch == joinEpoch || req.SubscribedTopicNames != nil {
		resp.Assignment = &consumerGroupHeartbeatAssignment{TopicPartitions: m.assigned.wire()}
		m.sent = maps.Clone(m.assigned)
	}
	return resp
}

// update records what a heartbeat says of m, and reports whether its
// subscription changed. A null rack or subscription leaves it as it was
// (ShareGroupMember.Builder's maybeUpdateRackId and
// maybeUpdateSubscribedTopicNames).
func (m *shareMember) update(req *shareGroupHeartbeatRequest, clientID, clientHost string) bool {
	m.clientID, m.clientHost = clientID, clientHost
	if req.RackID != nil {
		m.rack = req.RackID
	}
	if req.SubscribedTopicNames == nil {
		return false
	}
	subs := slices.Compact(slices.Sorted(slices.Values(req.SubscribedTopicNames)))
	if slices.Equal(subs, m.subscribed) {
		return false
	}
	m.subscribed = subs
	return true
}

// expireMember removes m if it is still g's member: its session timed
// out. The timer fires on its own goroutine, so it may lose a race with a
// heartbeat that stopped it too late, or with a leave and a rejoin under
// the same id; comparing the pointer, under the lock, makes it remove
// only the member it was armed for.
func (c *shareCoordinator) expireMember(groupID string, m *shareMember) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g := c.groups[groupID]; g != nil && g.members[m.id] == m && !c.closed {
		c.closeSession(shareSessionKey{g.id, m.id})
		c.removeMember(g, m, "session timed out")
	}
}

// leave removes m, which left. It keeps its share session, if it has
// one: its closing consumer sends its last acknowledgements (the final
// epoch) to the leader on another connection, and the leave may come
// first. Kafka's leave does not touch share sessions either; they end
// with the final epoch or their connection (ShareSessionCache, whose end
// calls ShareGroupListener.onMemberLeave), which give back what the
// member still holds (closeSession).
func (c *shareCoordinator) leave(g *shareGroup, m *shareMember) {
	if _, open := c.sessions[shareSessionKey{g.id, m.id}]; !open {
		c.releaseMember(g, m.id)
	}
	c.removeMember(g, m, "left")
}

// removeMember drops m from g; the reassignment that follows bumps the
// group epoch, which the remaining members learn at their next heartbeat.
// Its records are the callers' to give back, at once rather than at the
// end of their locks, so that the others need not wait out
// share.record.lock.duration.ms: a member whose session timed out loses
// its share session with them (expireMember), while one that left keeps
// its share session, and with it its records, until that ends (leave).
func (c *shareCoordinator) removeMember(g *shareGroup, m *shareMember, why string) {
	stopTimer(m.timer)
	delete(g.members, m.id)
	c.maybeReassign(g, true)
	c.b.log.Info("share group member removed", "group", g.id, "member", m.id, "why", why)
}

// ShareGroupDescribe: v1 (ShareGroupDescribeRequest.json, ShareGroupDescribeResponse.json)
//
//	v1: the first stable version (Kafka 4.1)
//
// https://github.com/apache/kafka/blob/4.1.0/clients/src/main/resources/common/message/ShareGroupDescribeRequest.json
//
// As ConsumerGroupDescribe: an empty group id gets INVALID_GROUP_ID, with
// no message; a group that does not exist, or is a classic or consumer
// group, GROUP_ID_NOT_FOUND, "Group X not found." or "Group X is not a
// share group.", as GroupMetadataManager.shareGroup words it.
type shareGroupDescribeRequest struct {
	GroupIDs                    []string
	IncludeAuthorizedOperations bool
}

func (m *shareGroupDescribeRequest) decode(r *reader, v int16) {
	m.GroupIDs = r.Strings()
	m.IncludeAuthorizedOperations = r.Bool()
	r.SkipTags()
}

// shareGroupDescribeResponse is ConsumerGroupDescribe's without static
// members, regex subscriptions and the target assignment: a share group
// has no reconciliation, so a member's assignment is its target.
type shareGroupDescribeResponse struct {
	ThrottleTimeMs int32
	Groups         []shareDescribedGroup
}

type shareDescribedGroup struct {
	ErrorCode            int16
	ErrorMessage         *string
	GroupID              string
	GroupState           string
	GroupEpoch           int32
	AssignmentEpoch      int32
	AssignorName         string
	Members              []shareDescribedMember
	AuthorizedOperations int32
}

type shareDescribedMember struct {
	MemberID             string
	RackID               *string
	MemberEpoch          int32
	ClientID             string
	ClientHost           string
	SubscribedTopicNames []string
	Assignment           consumerDescribedAssignment
}

func (m *shareGroupDescribeResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Groups, func(w *writer, g shareDescribedGroup) {
		w.Int16(g.ErrorCode)
		w.NullableString(g.ErrorMessage)
		w.String(g.GroupID)
		w.String(g.GroupState)
		w.Int32(g.GroupEpoch)
		w.Int32(g.AssignmentEpoch)
		w.String(g.AssignorName)
		writeArrayNonNull(w, g.Members, func(w *writer, mm shareDescribedMember) {
			w.String(mm.MemberID)
			w.NullableString(mm.RackID)
			w.Int32(mm.MemberEpoch)
			w.String(mm.ClientID)
			w.String(mm.ClientHost)
			w.Strings(mm.SubscribedTopicNames)
			writeArrayNonNull(w, mm.Assignment.TopicPartitions, func(w *writer, t consumerDescribedTopicPartitions) {
				w.UUID(t.TopicID)
				w.String(t.TopicName)
				w.Int32s(t.Partitions)
				w.Tags()
			})
			// The first ends Assignment, the second the member: the
			// schema nests Assignment as a struct with its own tags.
			w.Tags()
			w.Tags()
		})
		w.Int32(g.AuthorizedOperations)
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleShareGroupDescribe(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*shareGroupDescribeRequest)
	resp := &shareGroupDescribeResponse{Groups: make([]shareDescribedGroup, 0, len(req.GroupIDs))}
	for _, id := range req.GroupIDs {
		d := b.shares.describe(id)
		if req.IncludeAuthorizedOperations && d.ErrorCode == codeNone {
			d.AuthorizedOperations = b.authorizedOperations(rc, resGroup, id)
		}
		resp.Groups = append(resp.Groups, d)
	}
	return resp
}

// state is the state ShareGroupDescribe and ListGroups report
// (ShareGroup.ShareGroupState): Empty, or Stable, since every member has
// its assignment at once.
func (g *shareGroup) state() string {
	if len(g.members) == 0 {
		return "Empty"
	}
	return "Stable"
}

// describe is one group of ShareGroupDescribe. A missing group, or the
// id of a classic or consumer group, is GROUP_ID_NOT_FOUND with
// GroupMetadataManager.shareGroup's message, as Kafka's shareGroupDescribe
// answers. The assignment epoch is the group epoch (see shareGroup.epoch),
// and the assignor is named "simple", Kafka's SimpleAssignor, which assign
// follows.
func (c *shareCoordinator) describe(id string) shareDescribedGroup {
	d := shareDescribedGroup{GroupID: id, Members: []shareDescribedMember{}, AuthorizedOperations: authorizedOperationsOmitted}
	if id == "" {
		// Answered before any group is looked up, with no message
		// (GroupCoordinatorService.shareGroupDescribe).
		d.ErrorCode = codeInvalidGroupID
		return d
	}
	if c.isOtherGroup(id) {
		d.ErrorCode, d.ErrorMessage = codeGroupIDNotFound, ptr("Group "+id+" is not a share group.")
		return d
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[id]
	if g == nil {
		d.ErrorCode, d.ErrorMessage = codeGroupIDNotFound, ptr("Group "+id+" not found.")
		return d
	}
	d.GroupState, d.GroupEpoch, d.AssignmentEpoch, d.AssignorName = g.state(), g.epoch, g.epoch, "simple"
	members := slices.SortedFunc(maps.Values(g.members), func(a, b *shareMember) int { return cmp.Compare(a.id, b.id) })
	for _, m := range members {
		d.Members = append(d.Members, shareDescribedMember{MemberID: m.id, RackID: m.rack, MemberEpoch: m.epoch,
			ClientID: m.clientID, ClientHost: m.clientHost, SubscribedTopicNames: nonNilStrings(m.subscribed),
			Assignment: c.b.groups.describeAssignment(m.assigned)})
	}
	return d
}

// snapshot is every share group for Broker.Snapshot: its members and, as
// offsets, each partition's start offset, with the lag
// DescribeShareGroupOffsets reports.
func (c *shareCoordinator) snapshot(s *Snapshot) []GroupSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []GroupSnapshot
	for _, id := range slices.Sorted(maps.Keys(c.groups)) {
		g := c.groups[id]
		gs := GroupSnapshot{ID: id, Type: shareGroupType, ProtocolType: shareGroupType, Protocol: "simple", State: g.state(), Epoch: g.epoch}
		for _, m := range slices.SortedFunc(maps.Values(g.members), func(a, b *shareMember) int { return cmp.Compare(a.id, b.id) }) {
			gs.Members = append(gs.Members, MemberSnapshot{ID: m.id, ClientID: m.clientID, ClientHost: m.clientHost,
				Assignment: c.b.namePartitions(m.assigned)})
		}
		for tp, sp := range g.partitions {
			t := c.b.logs.TopicByID(tp.topic)
			if t == nil {
				continue
			}
			os := offsetSnapshot(topicPartition{t.Name, tp.partition}, committedOffset{offset: sp.startOffset}, s)
			os.Lag = max(0, os.Lag-sp.doneInWindow())
			gs.Offsets = append(gs.Offsets, os)
		}
		slices.SortFunc(gs.Offsets, func(a, b OffsetSnapshot) int {
			return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
		})
		out = append(out, gs)
	}
	return out
}

// list is ListGroups' share groups, each reported with protocol type
// "share" as Kafka does, so that a v5 client filtering by type, or a
// tool listing consumer groups by protocol type, can tell them apart.
func (c *shareCoordinator) list(matches func(typ, state string) bool) []listedGroup {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []listedGroup
	for _, id := range slices.Sorted(maps.Keys(c.groups)) {
		if s := c.groups[id].state(); matches(shareGroupType, s) {
			out = append(out, listedGroup{GroupID: id, ProtocolType: shareGroupType, GroupState: s, GroupType: shareGroupType})
		}
	}
	return out
}

// deleteGroup is DeleteGroups for a share group: ok is false if id is
// not one. A group with members is NON_EMPTY_GROUP, as
// ShareGroup.validateDeleteGroup answers. Deleting a group deletes its
// share partitions' state too, written as Deleted lines before the group
// is forgotten, so that a group of the same id created later starts from
// share.auto.offset.reset, not from where the old one stopped; if that
// write fails the group stays, and the admin can retry.
func (c *shareCoordinator) deleteGroup(id string) (code int16, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[id]
	if g == nil {
		return 0, false
	}
	if len(g.members) > 0 {
		return codeNonEmptyGroup, true
	}
	tps := slices.Collect(maps.Keys(g.partitions))
	clear(g.partitions)
	if err := c.persist(g, tps...); err != nil {
		c.b.log.Error("deleting share group state", "group", id, "err", err)
		return codeUnknownServerError, true
	}
	delete(c.groups, id)
	c.b.log.Info("deleted share group", "group", id)
	return codeNone, true
}

// DescribeShareGroupOffsets: v0-1 (DescribeShareGroupOffsetsRequest.json, DescribeShareGroupOffsetsResponse.json)
//
//	v1: Lag per partition (KIP-1226)
//
// https://github.com/apache/kafka/blob/4.1.0/clients/src/main/resources/common/message/DescribeShareGroupOffsetsRequest.json
//
// A share group's offset of a partition is its SPSO. Topics null asks for
// every partition the group has state for. The lag is what the group has
// yet to finish: the records from the SPSO to the high watermark, less
// those of the window already done.
type describeShareGroupOffsetsRequest struct {
	Groups []describeShareGroupOffsetsRequestGroup
}

type describeShareGroupOffsetsRequestGroup struct {
	GroupID string
	Topics  []describeShareGroupOffsetsRequestTopic // null: all
}

type describeShareGroupOffsetsRequestTopic struct {
	TopicName  string
	Partitions []int32
}

func (m *describeShareGroupOffsetsRequest) decode(r *reader, v int16) {
	m.Groups = readArray(r, func(r *reader) (g describeShareGroupOffsetsRequestGroup) {
		g.GroupID = r.String()
		g.Topics = readArray(r, func(r *reader) (t describeShareGroupOffsetsRequestTopic) {
			t.TopicName = r.String()
			t.Partitions = r.Int32s()
			r.SkipTags()
			return t
		})
		r.SkipTags()
		return g
	})
	r.SkipTags()
}

type describeShareGroupOffsetsResponse struct {
	ThrottleTimeMs int32
	Groups         []describeShareGroupOffsetsResponseGroup
}

type describeShareGroupOffsetsResponseGroup struct {
	GroupID      string
	Topics       []describeShareGroupOffsetsResponseTopic
	ErrorCode    int16
	ErrorMessage *string
}

type describeShareGroupOffsetsResponseTopic struct {
	TopicName  string
	TopicID    uuid
	Partitions []describeShareGroupOffsetsResponsePartition
}

// describeShareGroupOffsetsResponsePartition is one partition's answer.
// StartOffset -1 means the group has no state for it (never assigned);
// LeaderEpoch is always 0: this broker's leader epoch never changes, and
// Kafka answers 0 (PartitionFactory.DEFAULT_LEADER_EPOCH) without state.
type describeShareGroupOffsetsResponsePartition struct {
	PartitionIndex int32
	StartOffset    int64
	LeaderEpoch    int32
	Lag            int64
	ErrorCode      int16
	ErrorMessage   *string
}

func (m *describeShareGroupOffsetsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Groups, func(w *writer, g describeShareGroupOffsetsResponseGroup) {
		w.String(g.GroupID)
		writeArrayNonNull(w, g.Topics, func(w *writer, t describeShareGroupOffsetsResponseTopic) {
			w.String(t.TopicName)
			w.UUID(t.TopicID)
			writeArrayNonNull(w, t.Partitions, func(w *writer, p describeShareGroupOffsetsResponsePartition) {
				w.Int32(p.PartitionIndex)
				w.Int64(p.StartOffset)
				w.Int32(p.LeaderEpoch)
				if v >= 1 {
					w.Int64(p.Lag)
				}
				w.Int16(p.ErrorCode)
				w.NullableString(p.ErrorMessage)
				w.Tags()
			})
			w.Tags()
		})
		w.Int16(g.ErrorCode)
		w.NullableString(g.ErrorMessage)
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleDescribeShareGroupOffsets(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeShareGroupOffsetsRequest)
	resp := &describeShareGroupOffsetsResponse{Groups: make([]describeShareGroupOffsetsResponseGroup, 0, len(req.Groups))}
	for _, g := range req.Groups {
		resp.Groups = append(resp.Groups, b.shares.describeOffsets(g))
	}
	return resp
}

// describeOffsets answers one group. Locks are expired first, so that a
// record whose lock ran out counts as available, not done, in the lag,
// and the SPSO reported is the one a fetch would see now.
//
// Nothing here is an error, as in Kafka's
// GroupCoordinatorService.describeShareGroupOffsets, which reads the share
// coordinator's state without looking the group up: a group, topic or
// partition without state is a start offset of -1 (all topics of a group
// without state is none), as OffsetFetch answers for a partition without
// a committed offset.
func (c *shareCoordinator) describeOffsets(req describeShareGroupOffsetsRequestGroup) describeShareGroupOffsetsResponseGroup {
	out := describeShareGroupOffsetsResponseGroup{GroupID: req.GroupID, Topics: []describeShareGroupOffsetsResponseTopic{}}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[req.GroupID]
	if g == nil {
		g = &shareGroup{id: req.GroupID} // no partitions: every offset -1
	}
	c.expire(g, time.Now())
	topics := req.Topics
	if topics == nil {
		// Every topic the group has state for, by name.
		byID := map[uuid][]int32{}
		for tp := range g.partitions {
			byID[tp.topic] = append(byID[tp.topic], tp.partition)
		}
		for id, ps := range byID {
			if t := c.b.logs.TopicByID(id); t != nil {
				topics = append(topics, describeShareGroupOffsetsRequestTopic{t.Name, slices.Sorted(slices.Values(ps))})
			}
		}
		slices.SortFunc(topics, func(a, b describeShareGroupOffsetsRequestTopic) int { return cmp.Compare(a.TopicName, b.TopicName) })
	}
	for _, rt := range topics {
		t := c.b.logs.Topic(rt.TopicName)
		ot := describeShareGroupOffsetsResponseTopic{TopicName: rt.TopicName, Partitions: []describeShareGroupOffsetsResponsePartition{}}
		if t != nil {
			ot.TopicID = t.ID
		}
		for _, p := range rt.Partitions {
			op := describeShareGroupOffsetsResponsePartition{PartitionIndex: p, StartOffset: -1, Lag: -1}
			pl := c.b.topicPartition(t, p)
			if sp := g.partitions[topicIDPartition{ot.TopicID, p}]; sp != nil && pl != nil {
				op.StartOffset = sp.startOffset
				op.Lag = max(pl.HighWatermark()-sp.startOffset-sp.doneInWindow(), 0)
			}
			ot.Partitions = append(ot.Partitions, op)
		}
		out.Topics = append(out.Topics, ot)
	}
	return out
}

// AlterShareGroupOffsets: v0 (AlterShareGroupOffsetsRequest.json, AlterShareGroupOffsetsResponse.json)
//
// https://github.com/apache/kafka/blob/4.1.0/clients/src/main/resources/common/message/AlterShareGroupOffsetsRequest.json
//
// Moves a partition's SPSO, forgetting its in-flight records, as
// kafka-share-groups.sh --reset-offsets does. The group must have no
// members (NON_EMPTY_GROUP otherwise); a group that does not exist yet is
// created, so that its start can be chosen before the first member
// joins, as Kafka 4.2 does (KAFKA-19662). Kafka 4.1's
// GroupCoordinatorShard.alterShareGroupOffsets answered GROUP_ID_NOT_FOUND
// there; franz-go's share tests, written for 4.2, rely on the creation.
type alterShareGroupOffsetsRequest struct {
	GroupID string
	Topics  []alterShareGroupOffsetsRequestTopic
}

type alterShareGroupOffsetsRequestTopic struct {
	TopicName  string
	Partitions []alterShareGroupOffsetsRequestPartition
}

type alterShareGroupOffsetsRequestPartition struct {
	PartitionIndex int32
	StartOffset    int64
}

func (m *alterShareGroupOffsetsRequest) decode(r *reader, v int16) {
	m.GroupID = r.String()
	m.Topics = readArray(r, func(r *reader) (t alterShareGroupOffsetsRequestTopic) {
		t.TopicName = r.String()
		t.Partitions = readArray(r, func(r *reader) (p alterShareGroupOffsetsRequestPartition) {
			p.PartitionIndex = r.Int32()
			p.StartOffset = r.Int64()
			r.SkipTags()
			return p
		})
		r.SkipTags()
		return t
	})
	r.SkipTags()
}

type alterShareGroupOffsetsResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ErrorMessage   *string
	Responses      []alterShareGroupOffsetsResponseTopic
}

type alterShareGroupOffsetsResponseTopic struct {
	TopicName  string
	TopicID    uuid
	Partitions []alterShareGroupOffsetsResponsePartition
}

type alterShareGroupOffsetsResponsePartition struct {
	PartitionIndex int32
	ErrorCode      int16
	ErrorMessage   *string
}

func (m *alterShareGroupOffsetsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	writeArrayNonNull(w, m.Responses, func(w *writer, t alterShareGroupOffsetsResponseTopic) {
		w.String(t.TopicName)
		w.UUID(t.TopicID)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p alterShareGroupOffsetsResponsePartition) {
			w.Int32(p.PartitionIndex)
			w.Int16(p.ErrorCode)
			w.NullableString(p.ErrorMessage)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleAlterShareGroupOffsets(ctx context.Context, rc *requestContext, r request) response {
	return b.shares.alterOffsets(r.(*alterShareGroupOffsetsRequest))
}

// alterOffsets moves the SPSO of each partition named. The request is
// all or nothing at the group level (a bad group id, a non-empty group, a
// failed write), answered at the top level alone with no partitions, as
// AlterShareGroupOffsetsRequest.getErrorResponseData builds it, and per
// partition below it.
func (c *shareCoordinator) alterOffsets(req *alterShareGroupOffsetsRequest) *alterShareGroupOffsetsResponse {
	resp := &alterShareGroupOffsetsResponse{Responses: []alterShareGroupOffsetsResponseTopic{}}
	fail := func(code int16, msg string) *alterShareGroupOffsetsResponse {
		return &alterShareGroupOffsetsResponse{ErrorCode: code, ErrorMessage: ptr(msg), Responses: []alterShareGroupOffsetsResponseTopic{}}
	}
	if req.GroupID == "" {
		return fail(codeInvalidGroupID, "The configured groupId is invalid.")
	}
	if c.isOtherGroup(req.GroupID) {
		return fail(codeGroupIDNotFound, "Group "+req.GroupID+" is not a share group.")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.group(req.GroupID, true)
	if len(g.members) > 0 {
		return fail(codeNonEmptyGroup, "The group is not empty.")
	}
	var changed []topicIDPartition
	for _, t := range req.Topics {
		topic := c.b.logs.Topic(t.TopicName)
		rt := alterShareGroupOffsetsResponseTopic{TopicName: t.TopicName, Partitions: []alterShareGroupOffsetsResponsePartition{}}
		if topic != nil {
			rt.TopicID = topic.ID
		}
		for _, p := range t.Partitions {
			rp := alterShareGroupOffsetsResponsePartition{PartitionIndex: p.PartitionIndex}
			pl := c.b.topicPartition(topic, p.PartitionIndex)
			switch {
			case pl == nil:
				rp.ErrorCode, rp.ErrorMessage = codeUnknownTopicOrPartition, ptr("This server does not host this topic-partition.")
			case p.StartOffset < -1:
				rp.ErrorCode, rp.ErrorMessage = codeInvalidRequest, ptr("The start offset must be -1 (latest) or an offset.")
			default:
				// -1 is --to-latest; any other offset is clamped into the
				// log, since an SPSO outside it would either name records
				// retention removed or wait for ones not yet written.
				start := p.StartOffset
				if start == -1 {
					start = pl.HighWatermark()
				}
				start = min(max(start, pl.LogStartOffset()), pl.HighWatermark())
				tp := topicIDPartition{topic.ID, p.PartitionIndex}
				// reset bumps the state epoch, so a fetch that read the
				// log before this acquires nothing from its stale read.
				if sp := g.partitions[tp]; sp != nil {
					sp.reset(start)
				} else {
					g.partitions[tp] = newSharePartition(start)
				}
				changed = append(changed, tp)
			}
			rt.Partitions = append(rt.Partitions, rp)
		}
		resp.Responses = append(resp.Responses, rt)
	}
	if err := c.persist(g, changed...); err != nil {
		c.b.log.Error("writing share state", "group", g.id, "err", err)
		return fail(codeUnknownServerError, err.Error())
	}
	return resp
}

// DeleteShareGroupOffsets: v0 (DeleteShareGroupOffsetsRequest.json, DeleteShareGroupOffsetsResponse.json)
//
// https://github.com/apache/kafka/blob/4.1.0/clients/src/main/resources/common/message/DeleteShareGroupOffsetsRequest.json
//
// Forgets the group's state for whole topics; the next time a member is
// assigned one, it starts again from share.auto.offset.reset. The group
// must exist and have no members, and each topic must be one it has state
// for (GroupCoordinatorShard.initiateDeleteShareGroupOffsets and
// GroupMetadataManager.sharePartitionsEligibleForOffsetDeletion).
type deleteShareGroupOffsetsRequest struct {
	GroupID string
	Topics  []deleteShareGroupOffsetsRequestTopic
}

type deleteShareGroupOffsetsRequestTopic struct {
	TopicName string
}

func (m *deleteShareGroupOffsetsRequest) decode(r *reader, v int16) {
	m.GroupID = r.String()
	m.Topics = readArray(r, func(r *reader) (t deleteShareGroupOffsetsRequestTopic) {
		t.TopicName = r.String()
		r.SkipTags()
		return t
	})
	r.SkipTags()
}

type deleteShareGroupOffsetsResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ErrorMessage   *string
	Responses      []deleteShareGroupOffsetsResponseTopic
}

type deleteShareGroupOffsetsResponseTopic struct {
	TopicName    string
	TopicID      uuid
	ErrorCode    int16
	ErrorMessage *string
}

func (m *deleteShareGroupOffsetsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	writeArrayNonNull(w, m.Responses, func(w *writer, t deleteShareGroupOffsetsResponseTopic) {
		w.String(t.TopicName)
		w.UUID(t.TopicID)
		w.Int16(t.ErrorCode)
		w.NullableString(t.ErrorMessage)
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleDeleteShareGroupOffsets(ctx context.Context, rc *requestContext, r request) response {
	return b.shares.deleteOffsets(r.(*deleteShareGroupOffsetsRequest))
}

// deleteOffsets forgets whole topics of a group. An unknown topic is
// UNKNOWN_TOPIC_OR_PARTITION on its entry while the others go ahead; a
// failed write answers UNKNOWN_SERVER_ERROR at the top, though memory
// already forgot the partitions: the next start may then bring them back,
// which is the state before the request, not a corrupt one.
func (c *shareCoordinator) deleteOffsets(req *deleteShareGroupOffsetsRequest) *deleteShareGroupOffsetsResponse {
	resp := &deleteShareGroupOffsetsResponse{Responses: []deleteShareGroupOffsetsResponseTopic{}}
	fail := func(code int16, msg string) *deleteShareGroupOffsetsResponse {
		resp.ErrorCode, resp.ErrorMessage = code, ptr(msg)
		return resp
	}
	if req.GroupID == "" {
		return fail(codeInvalidGroupID, "The configured groupId is invalid.")
	}
	if c.isOtherGroup(req.GroupID) {
		return fail(codeGroupIDNotFound, "Group "+req.GroupID+" is not a share group.")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[req.GroupID]
	switch {
	case g == nil:
		return fail(codeGroupIDNotFound, "Group "+req.GroupID+" not found.")
	case len(g.members) > 0:
		return fail(codeNonEmptyGroup, "The group is not empty.")
	}
	var deleted []topicIDPartition
	for _, rqt := range req.Topics {
		name := rqt.TopicName
		rt := deleteShareGroupOffsetsResponseTopic{TopicName: name}
		t := c.b.logs.Topic(name)
		var tps []topicIDPartition
		if t != nil {
			for tp := range g.partitions {
				if tp.topic == t.ID {
					tps = append(tps, tp)
				}
			}
		}
		switch {
		case t == nil:
			rt.ErrorCode, rt.ErrorMessage = codeUnknownTopicOrPartition, ptr("This server does not host this topic-partition.")
		case len(tps) == 0:
			rt.ErrorCode, rt.ErrorMessage = codeUnknownTopicOrPartition, ptr("There is no offset information to delete.")
		default:
			rt.TopicID = t.ID
			for _, tp := range tps {
				delete(g.partitions, tp)
			}
			deleted = append(deleted, tps...)
			// The assignment must be computed again, so that the
			// partitions get a new start when next assigned.
			delete(g.topics, t.ID)
		}
		resp.Responses = append(resp.Responses, rt)
	}
	if err := c.persist(g, deleted...); err != nil {
		c.b.log.Error("writing share state", "group", g.id, "err", err)
		resp.ErrorCode, resp.ErrorMessage = codeUnknownServerError, ptr(err.Error())
	}
	return resp
}
