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
// The coordinator answers each heartbeat with the group epoch and, when it
// changed, the member's assignment. There is nothing to reconcile: a
// partition may be read by any number of members at once, because the
// share partition hands each record to one of them. So the assignment is
// computed in the heartbeat that changes the membership, and every member
// has it at once.
//
//	A: heartbeat(epoch 0, [t])   group epoch 1; A gets t-0, t-1
//	B: heartbeat(epoch 0, [t])   group epoch 2; B gets t-0, t-1
//	A: heartbeat(epoch 1)        A gets epoch 2, the same partitions
//
// The assignor is Kafka's SimpleAssignor in its simplest case: every
// member is assigned every partition of the topics it subscribes to.
// (Kafka's spreads members over partitions once there are more partitions
// than members; both are valid assignments of a share group, and this one
// needs no explanation.)
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
// here too. One lock for every share group is simple and is not the
// bottleneck of a one-broker cluster: the log reads of ShareFetch happen
// outside it.
//
// Where we differ from Kafka: a share group and a classic or consumer
// group of one id can be created at the same moment (each coordinator
// checks the other, then takes its own lock); members are not persisted (the share
// partitions are, share.go), so after a restart members join again;
// RackId is reported, not used; regex subscriptions do not exist in share
// groups of 4.1 either; the assignor is not configurable.

package kafka

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

const shareGroupType = "share"

// shareCoordinator is every share group and the share partitions'
// durable state.
type shareCoordinator struct {
	b     *Broker
	state *shareStateLog

	mu       sync.Mutex
	groups   map[string]*shareGroup
	sessions map[shareSessionKey]*shareSession // sharefetch.go
	closed   bool

	// changed is closed and replaced when records become available
	// without an append: released, or their lock expired. It wakes
	// ShareFetches that wait, as Broker.appendSignal does for appends.
	changed chan struct{}
}

// shareGroup is one share group; shareCoordinator.mu guards it.
type shareGroup struct {
	id         string
	epoch      int32
	members    map[string]*shareMember
	topics     map[uuid]int // partition counts the assignment was computed from
	partitions map[topicIDPartition]*sharePartition
}

type shareMember struct {
	id, clientID, clientHost string
	rack                     *string
	epoch                    int32
	subscribed               []string
	assigned                 partitionSet
	sentEpoch                int32 // the epoch of the last assignment sent
	timer                    *time.Timer
}

func openShareCoordinator(b *Broker) (*shareCoordinator, error) {
	state, snaps, err := openShareState(b.cfg.DataDir)
	if err != nil {
		return nil, err
	}
	state.sync = b.fsync.always
	c := &shareCoordinator{b: b, state: state, groups: map[string]*shareGroup{},
		sessions: map[shareSessionKey]*shareSession{}, changed: make(chan struct{})}
	for k, s := range snaps {
		c.group(k.group, true).partitions[k.tp] = s.restore()
	}
	return c, nil
}

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

// group returns share group id, creating it if create is set.
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

// notify wakes waiting ShareFetches.
func (c *shareCoordinator) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// limits are the share partition settings of group id: the broker's, with
// the group's own record lock duration.
func (c *shareCoordinator) limits(id string) shareLimits {
	return shareLimits{lockDuration: c.groupDuration(id, shareRecordLockDurationConfig, c.b.cfg.ShareRecordLockDuration),
		deliveryLimit: c.b.cfg.ShareDeliveryCountLimit, maxLocks: int64(c.b.cfg.SharePartitionMaxRecordLocks)}
}

// groupDuration is a share group's setting name in milliseconds, or def.
func (c *shareCoordinator) groupDuration(id, name string, def time.Duration) time.Duration {
	return groupMillis(c.b.groupConfigs.get(id), name, def)
}

// persist writes the share partitions of g named by tps.
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
// whether there were any. A write that fails is logged, not returned.
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
// changed, and wakes fetches if records came back.
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

// releaseMember gives back every record member id holds in g.
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
// of g subscribes to, by id.
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

// maybeReassign bumps the group epoch and assigns every member every
// partition of its topics, if the membership, a subscription or a topic's
// partitions changed. New partitions get their share partition.
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
	for _, m := range g.members {
		m.assigned = partitionSet{}
		for _, name := range m.subscribed {
			t := c.b.logs.Topic(name)
			if t == nil {
				continue
			}
			for p := range t.Partitions {
				tp := topicIDPartition{t.ID, int32(p)}
				m.assigned[tp] = true
				if g.partitions[tp] == nil {
					g.partitions[tp] = newSharePartition(shareStartOffset(t.Partitions[p], reset, now))
					created = append(created, tp)
				}
			}
		}
	}
	c.save(g, created)
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

func (m *shareGroupHeartbeatRequest) decode(r *reader, v int16) {
	m.GroupID = r.String()
	m.MemberID = r.String()
	m.MemberEpoch = r.Int32()
	m.RackID = r.NullableString()
	m.SubscribedTopicNames = r.Strings()
	r.SkipTags()
}

type shareGroupHeartbeatResponse struct {
	ThrottleTimeMs      int32
	ErrorCode           int16
	ErrorMessage        *string
	MemberID            *string
	MemberEpoch         int32
	HeartbeatIntervalMs int32
	Assignment          *consumerGroupHeartbeatAssignment // the same struct as KIP-848's
}

func (m *shareGroupHeartbeatResponse) encode(w *writer, v int16) {
	(&consumerGroupHeartbeatResponse{m.ThrottleTimeMs, m.ErrorCode, m.ErrorMessage, m.MemberID,
		m.MemberEpoch, m.HeartbeatIntervalMs, m.Assignment}).encode(w, v)
}

func (b *Broker) handleShareGroupHeartbeat(ctx context.Context, rc *requestContext, r request) response {
	return b.shares.heartbeat(r.(*shareGroupHeartbeatRequest), rc.clientID(), rc.clientHost())
}

// heartbeat is GroupMetadataManager.shareGroupHeartbeat.
func (c *shareCoordinator) heartbeat(req *shareGroupHeartbeatRequest, clientID, clientHost string) *shareGroupHeartbeatResponse {
	fail := func(code int16, msg string) *shareGroupHeartbeatResponse {
		return &shareGroupHeartbeatResponse{ErrorCode: code, ErrorMessage: ptr(msg), MemberEpoch: req.MemberEpoch}
	}
	switch {
	case req.GroupID == "":
		return fail(codeInvalidRequest, "GroupId can't be empty.")
	case req.MemberID == "":
		return fail(codeInvalidRequest, "MemberId can't be empty.")
	case req.MemberEpoch < leaveEpoch:
		return fail(codeInvalidRequest, "MemberEpoch is invalid.")
	case req.MemberEpoch == joinEpoch && len(req.SubscribedTopicNames) == 0:
		return fail(codeInvalidRequest, "SubscribedTopicNames must be set in first request.")
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
	if req.MemberEpoch == leaveEpoch {
		if m != nil {
			c.removeMember(g, m, "left")
		}
		return &shareGroupHeartbeatResponse{MemberID: &req.MemberID, MemberEpoch: leaveEpoch}
	}
	changed := false
	switch {
	case m == nil && req.MemberEpoch != joinEpoch:
		return fail(codeUnknownMemberID, "Member "+req.MemberID+" is not a member of group "+req.GroupID+".")
	case m == nil:
		m = &shareMember{id: req.MemberID, assigned: partitionSet{}, sentEpoch: -1}
		g.members[m.id] = m
		changed = true
	case req.MemberEpoch != joinEpoch && req.MemberEpoch != m.epoch:
		return fail(codeFencedMemberEpoch, "The share group member has a different epoch.")
	}
	m.clientID, m.clientHost, m.rack = clientID, clientHost, req.RackID
	if req.SubscribedTopicNames != nil {
		subs := slices.Sorted(slices.Values(req.SubscribedTopicNames))
		subs = slices.Compact(subs)
		if !slices.Equal(subs, m.subscribed) {
			m.subscribed, changed = subs, true
		}
	}
	c.maybeReassign(g, changed)
	m.epoch = g.epoch
	session := c.groupDuration(g.id, shareSessionTimeoutConfig, c.b.cfg.ShareSessionTimeout)
	stopTimer(m.timer)
	m.timer = time.AfterFunc(session, func() { c.expireMember(g.id, m) })
	resp := &shareGroupHeartbeatResponse{MemberID: &m.id, MemberEpoch: m.epoch,
		HeartbeatIntervalMs: int32(c.groupDuration(g.id, shareHeartbeatIntervalConfig, c.b.cfg.ShareHeartbeatInterval).Milliseconds())}
	// The assignment goes out when it is new to the member, and on every
	// full heartbeat (a join, or a subscription sent again), which is how
	// a member that lost an answer gets it back.
	if m.sentEpoch != g.epoch || req.SubscribedTopicNames != nil {
		resp.Assignment = &consumerGroupHeartbeatAssignment{TopicPartitions: m.assigned.wire()}
		m.sentEpoch = g.epoch
	}
	return resp
}

// expireMember removes m if it is still g's member: its session timed
// out.
func (c *shareCoordinator) expireMember(groupID string, m *shareMember) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if g := c.groups[groupID]; g != nil && g.members[m.id] == m && !c.closed {
		c.removeMember(g, m, "session timed out")
	}
}

// removeMember drops m from g, gives back its records and closes its
// share session.
func (c *shareCoordinator) removeMember(g *shareGroup, m *shareMember, why string) {
	stopTimer(m.timer)
	delete(g.members, m.id)
	delete(c.sessions, shareSessionKey{g.id, m.id})
	c.releaseMember(g, m.id)
	c.maybeReassign(g, true)
	c.b.log.Info("share group member removed", "group", g.id, "member", m.id, "why", why)
}

// ShareGroupDescribe: v1 (ShareGroupDescribeRequest.json, ShareGroupDescribeResponse.json)
//
//	v1: the first stable version (Kafka 4.1)
//
// https://github.com/apache/kafka/blob/4.1.0/clients/src/main/resources/common/message/ShareGroupDescribeRequest.json
type shareGroupDescribeRequest struct {
	GroupIDs                    []string
	IncludeAuthorizedOperations bool
}

func (m *shareGroupDescribeRequest) decode(r *reader, v int16) {
	m.GroupIDs = r.Strings()
	m.IncludeAuthorizedOperations = r.Bool()
	r.SkipTags()
}

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

// shareGroupState is the state ShareGroupDescribe and ListGroups report
// (ShareGroup.ShareGroupState): Empty, or Stable, since every member has
// its assignment at once.
func (g *shareGroup) state() string {
	if len(g.members) == 0 {
		return "Empty"
	}
	return "Stable"
}

func (c *shareCoordinator) describe(id string) shareDescribedGroup {
	d := shareDescribedGroup{GroupID: id, Members: []shareDescribedMember{}, AuthorizedOperations: authorizedOperationsOmitted}
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

// list is ListGroups' share groups.
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
// not one.
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

func (c *shareCoordinator) describeOffsets(req describeShareGroupOffsetsRequestGroup) describeShareGroupOffsetsResponseGroup {
	out := describeShareGroupOffsetsResponseGroup{GroupID: req.GroupID, Topics: []describeShareGroupOffsetsResponseTopic{}}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[req.GroupID]
	if g == nil {
		out.ErrorCode, out.ErrorMessage = codeGroupIDNotFound, ptr("Group "+req.GroupID+" not found.")
		return out
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
			op := describeShareGroupOffsetsResponsePartition{PartitionIndex: p, StartOffset: -1, LeaderEpoch: -1, Lag: -1}
			pl := c.b.topicPartition(t, p)
			switch sp := g.partitions[topicIDPartition{ot.TopicID, p}]; {
			case pl == nil:
				op.ErrorCode, op.ErrorMessage = codeUnknownTopicOrPartition, ptr("This server does not host this topic-partition.")
			case sp != nil:
				op.StartOffset, op.LeaderEpoch = sp.startOffset, 0
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
// members (NON_EMPTY_GROUP otherwise), as in Kafka; a group that does not
// exist yet is created, so that its start can be chosen before the first
// member joins.
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

func (c *shareCoordinator) alterOffsets(req *alterShareGroupOffsetsRequest) *alterShareGroupOffsetsResponse {
	resp := &alterShareGroupOffsetsResponse{Responses: []alterShareGroupOffsetsResponseTopic{}}
	everyPartition := func(code int16, msg string) *alterShareGroupOffsetsResponse {
		resp.ErrorCode, resp.ErrorMessage = code, ptr(msg)
		for _, t := range req.Topics {
			rt := alterShareGroupOffsetsResponseTopic{TopicName: t.TopicName, Partitions: []alterShareGroupOffsetsResponsePartition{}}
			for _, p := range t.Partitions {
				rt.Partitions = append(rt.Partitions, alterShareGroupOffsetsResponsePartition{p.PartitionIndex, code, ptr(msg)})
			}
			resp.Responses = append(resp.Responses, rt)
		}
		return resp
	}
	if req.GroupID == "" {
		return everyPartition(codeInvalidGroupID, "The group id must not be empty.")
	}
	if c.isOtherGroup(req.GroupID) {
		return everyPartition(codeGroupIDNotFound, "Group "+req.GroupID+" is not a share group.")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.group(req.GroupID, true)
	if len(g.members) > 0 {
		return everyPartition(codeNonEmptyGroup, "The group has active members: offsets can only be altered in an empty group.")
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
				start := p.StartOffset
				if start == -1 {
					start = pl.HighWatermark()
				}
				start = min(max(start, pl.LogStartOffset()), pl.HighWatermark())
				tp := topicIDPartition{topic.ID, p.PartitionIndex}
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
		return everyPartition(codeUnknownServerError, err.Error())
	}
	return resp
}

// DeleteShareGroupOffsets: v0 (DeleteShareGroupOffsetsRequest.json, DeleteShareGroupOffsetsResponse.json)
//
// https://github.com/apache/kafka/blob/4.1.0/clients/src/main/resources/common/message/DeleteShareGroupOffsetsRequest.json
//
// Forgets the group's state for whole topics; the next time a member is
// assigned one, it starts again from share.auto.offset.reset. The group
// must exist and have no members.
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

func (c *shareCoordinator) deleteOffsets(req *deleteShareGroupOffsetsRequest) *deleteShareGroupOffsetsResponse {
	resp := &deleteShareGroupOffsetsResponse{Responses: []deleteShareGroupOffsetsResponseTopic{}}
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[req.GroupID]
	switch {
	case g == nil:
		resp.ErrorCode, resp.ErrorMessage = codeGroupIDNotFound, ptr("Group "+req.GroupID+" not found.")
		return resp
	case len(g.members) > 0:
		resp.ErrorCode, resp.ErrorMessage = codeNonEmptyGroup, ptr("The group has active members.")
		return resp
	}
	var deleted []topicIDPartition
	for _, rqt := range req.Topics {
		name := rqt.TopicName
		rt := deleteShareGroupOffsetsResponseTopic{TopicName: name}
		t := c.b.logs.Topic(name)
		if t == nil {
			rt.ErrorCode, rt.ErrorMessage = codeUnknownTopicOrPartition, ptr("This server does not host this topic.")
		} else {
			rt.TopicID = t.ID
			for tp := range g.partitions {
				if tp.topic == t.ID {
					delete(g.partitions, tp)
					deleted = append(deleted, tp)
				}
			}
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
