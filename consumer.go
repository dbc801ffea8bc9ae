// This file holds the coordinator of KIP-848 "consumer" groups, the second
// group protocol Kafka 4.0 speaks, and its two APIs, ConsumerGroupHeartbeat
// and ConsumerGroupDescribe. It follows Apache Kafka's
// GroupMetadataManager.consumerGroupHeartbeat, ConsumerGroup.java and
// CurrentAssignmentBuilder.java (KIP-848).
//
// Place in the book: Part II, after groups.go and offsets.go, whose
// groups and offset store it shares.
//
// # How a consumer group works
//
// In a classic group (groups.go) the members compute the assignment: the
// coordinator stops the whole group, collects everyone's subscription,
// hands it to a leader and waits for its answer. In a consumer group the
// coordinator computes it, and there is no stop-the-world rebalance. A
// member sends one request, ConsumerGroupHeartbeat, every few seconds. The
// first one (MemberEpoch 0) joins and names the topics the member
// subscribes to; every one reports the partitions the member owns. The
// answer tells it the partitions it may own now.
//
// Three epochs drive it:
//
//   - the group epoch bumps whenever the membership or a subscription
//     changes, or a subscribed topic gains partitions;
//   - the assignment epoch is the group epoch at which the target
//     assignment, the assignor's answer, was last computed. Here it is
//     computed within the heartbeat that bumped the group epoch, so the two
//     differ only inside that heartbeat;
//   - each member's epoch is the assignment epoch it has converged to.
//
// A member moves toward its target one heartbeat at a time
// (reconcile). Suppose A owns p0-p3 and B joins: the target gives A p0-p1
// and B p2-p3.
//
//	B: heartbeat(epoch 0)   group epoch 2, target computed; B gets epoch 2 and
//	                        no partitions: p2 and p3 are still A's
//	A: heartbeat(epoch 1)   A must revoke p2, p3: answer "you own p0, p1",
//	                        epoch stays 1 (UNREVOKED_PARTITIONS)
//	A: heartbeat(owns p0,p1) revocation done: A gets epoch 2
//	B: heartbeat(epoch 2)   p2, p3 are free now: B gets them
//
// No partition is ever owned by two members at once, and a member that
// keeps its partitions keeps consuming them throughout.
//
// Design note: a consumer group is a group (groups.go) whose consumer
// field is set. It shares the group's lock, its place in the
// coordinator's map and its committed offsets, so OffsetCommit,
// OffsetFetch, DeleteGroups and offset expiry need only small hooks. Its
// classic state stays Empty, and its classic member map stays empty: a
// consumer that speaks the classic protocol to it (JoinGroup, SyncGroup,
// Heartbeat) is a consumerMember with classic set, and is served by
// migration.go, which also converts a group between the two kinds while
// it has members (group.consumer.migration.policy).
//
// Design note: membership survives a restart. Every heartbeat that
// changed the group writes its records (ConsumerGroupMetadata, member
// metadata, target and current assignment) to __consumer_offsets, and the
// next start rebuilds the group from them (groupstore.go): members carry on
// at their epochs with their partitions.
//
// Regex subscriptions (SubscribedTopicRegex, v1) are evaluated here, on
// the broker, as in Kafka: a member subscribes to every topic whose whole
// name the regex matches, internal topics included: Kafka's
// GroupMetadataManager.refreshRegularExpressions scans every topic of the
// metadata image and filters only by Describe ACLs, and so does
// subscribes, with the principal of the member's latest heartbeat (see
// handleConsumerGroupHeartbeat). Kafka compiles it with
// RE2/J and Go's regexp is RE2, so a pattern means the same in both. A
// regex new to the group is resolved once the heartbeat that brought it
// is answered, as Kafka resolves it off the heartbeat path: that answer
// assigns the member's named topics only, and the regex's come with its
// next heartbeat (resolveNewRegex). After that the topics are matched
// again at every heartbeat, so a topic created later that matches bumps
// the group epoch and is assigned, as Kafka's periodic refresh does, but
// without its 10 s between refreshes. An empty regex subscribes to
// nothing.
//
// Where we differ from Kafka: rack ids are reported, not used; the online
// upgrade and downgrade (migration.go) differ in the details that file
// lists; a static member that rejoins with its own member id while still in the
// group is taken back as a dynamic member rejoining, where Kafka answers
// UNRELEASED_INSTANCE_ID until it leaves; a leave with epoch -2 that omits
// the instance id, as franz-go sends it, is a static leave if the member
// joined with one, where Kafka answers INVALID_REQUEST; a member that
// rejoins at epoch 0 with its own member id while still in the group at a
// later epoch is taken back, as Kafka has done since KAFKA-19233, where
// Kafka 4.0 answers FENCED_MEMBER_EPOCH until its session expires (and
// the Java 4.0 consumer, fenced, rejoins just so).

package kafka

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// The server-side assignors (group.consumer.assignors); the first is the
// default, as in Kafka.
const (
	uniformAssignor = "uniform"
	rangeAssignor   = "range"
)

var consumerAssignors = []string{uniformAssignor, rangeAssignor}

// Member epochs with a meaning of their own (ConsumerGroupHeartbeatRequest).
const (
	// joinEpoch joins, and rejoins: a member fenced with
	// FENCED_MEMBER_EPOCH or UNKNOWN_MEMBER_ID gives up every partition
	// (the Java consumer calls onPartitionsLost, not onPartitionsRevoked,
	// since it may no longer commit them), then heartbeats at epoch 0
	// with its member id at once, without waiting out its backoff.
	joinEpoch = 0
	// leaveEpoch leaves for good: the member's partitions go to the
	// others at once.
	leaveEpoch = -1
	// staticLeaveEpoch is a static member stepping out to restart
	// (KIP-345): its partitions wait for it until its session expires.
	staticLeaveEpoch = -2
)

// consumerGroupState is a consumer group's state (ConsumerGroup.ConsumerGroupState).
type consumerGroupState int8

const (
	cgEmpty consumerGroupState = iota // no members
	// cgAssigning lasts here only inside the heartbeat that bumped the
	// group epoch, which computes the target too, so a describe never
	// shows it.
	cgAssigning   // the target is older than the group epoch
	cgReconciling // some member has not reached the target
	cgStable      // every member has its target
)

// String names the state as ConsumerGroupDescribe reports it.
func (s consumerGroupState) String() string {
	return [...]string{"Empty", "Assigning", "Reconciling", "Stable"}[s]
}

// memberState is where a member is in its reconciliation
// (MemberState.java).
type memberState int8

const (
	// memberStable: the member has every partition of its target.
	memberStable memberState = iota
	// memberUnrevoked: the member must give up some partitions before it
	// may advance to the target's epoch.
	memberUnrevoked
	// memberUnreleased: the member is at the target's epoch but waits for
	// partitions that other members have not revoked yet. It consumes
	// what it has meanwhile, and a later heartbeat hands it each missing
	// partition as its owner lets go; clients see nothing of this state
	// but an assignment that grows.
	memberUnreleased
)

// partitionSet is a set of partitions, named by topic id. Topic ids, not
// names, because a topic deleted and created again under the same name is
// another topic: a member must not keep consuming it from old offsets.
type partitionSet map[topicIDPartition]bool

type topicIDPartition struct {
	topic     uuid
	partition int32
}

// consumerGroup is the KIP-848 half of a group; group.mu guards it.
type consumerGroup struct {
	epoch           int32 // the group epoch
	assignmentEpoch int32 // the group epoch the target was computed at
	assignor        string
	members         map[string]*consumerMember
	// static lets a restarted instance, which comes back with a new member
	// id, find the place its old one held.
	static map[string]string       // instance id -> member id
	target map[string]partitionSet // member id -> target assignment
	// nextSeq numbers members in join order, which the uniform assignor
	// and ConsumerGroupDescribe follow, so that neither depends on map
	// order (the range assignor has an order of its own, assignRange).
	nextSeq uint64

	// topics is what the target was computed from: the partition count of
	// each subscribed topic id. A change (new partitions, a topic created
	// or deleted) bumps the group epoch.
	topics map[uuid]int
}

// consumerMember is one member (ConsumerGroupMember.java).
type consumerMember struct {
	id               string
	instanceID       *string
	rackID           *string
	clientID         string
	clientHost       string
	rebalanceTimeout time.Duration
	subscribed       []string // sorted topic names
	regex            string   // SubscribedTopicRegex; "" for none
	matcher          *regexp.Regexp
	// resolving is set while the heartbeat that brought a regex new to
	// the group is answered, which leaves the regex's topics out
	// (resolveNewRegex).
	resolving bool
	// mayDescribe is what the principal of the member's latest
	// heartbeat may DESCRIBE, which bounds what its regex matches; nil
	// without an authorizer. A member restored at start, whose principal
	// is not known until it heartbeats again, keeps to the topics it had
	// (restoredRegexTopics).
	mayDescribe    func(topic string) bool
	serverAssignor string // "" for the group's choice
	seq            uint64 // join order, for stable listings
	// classic is set for a member that joined with the classic protocol,
	// JoinGroup and SyncGroup (migration.go); nil for one that
	// heartbeats with ConsumerGroupHeartbeat.
	classic *classicMember

	epoch         int32
	previousEpoch int32
	state         memberState
	assigned      partitionSet // what the member may own now
	revoking      partitionSet // what it must give up; still its own until it does

	// session removes the member when it has not heartbeated for the
	// session timeout; revocation when it has not confirmed a revocation
	// within its rebalance timeout (Kafka's two timers, the second armed
	// only while the member is UNREVOKED_PARTITIONS).
	session, revocation memberTimer
}

// memberTimer is a timer that removes a member; seq tells a stale
// callback from the current one.
type memberTimer struct {
	t   *time.Timer
	seq uint64
}

func (mt *memberTimer) stop() {
	stopTimer(mt.t)
	mt.seq++
}

func newConsumerGroup() *consumerGroup {
	return &consumerGroup{
		assignor: uniformAssignor,
		members:  make(map[string]*consumerMember),
		static:   make(map[string]string),
		target:   make(map[string]partitionSet),
		topics:   make(map[uuid]int),
	}
}

// state derives the group's state as ConsumerGroup.maybeUpdateGroupState does.
func (cg *consumerGroup) state() consumerGroupState {
	switch {
	case len(cg.members) == 0:
		return cgEmpty
	case cg.assignmentEpoch != cg.epoch:
		return cgAssigning
	}
	for _, m := range cg.members {
		if m.epoch != cg.assignmentEpoch || m.state != memberStable {
			return cgReconciling
		}
	}
	return cgStable
}

func (cg *consumerGroup) sortedMembers() []*consumerMember {
	ms := slices.Collect(maps.Values(cg.members))
	slices.SortFunc(ms, func(a, b *consumerMember) int { return cmp.Compare(a.seq, b.seq) })
	return ms
}

func (cg *consumerGroup) stopTimers() {
	for _, m := range cg.members {
		m.stopAllTimers()
	}
}

// ownedByOther reports whether a member other than m still owns p, as
// assigned or as waiting to be revoked. It is what keeps a partition from
// having two owners at once: it is handed on only when its last owner has
// said it let go, or has been removed.
func (cg *consumerGroup) ownedByOther(m *consumerMember, p topicIDPartition) bool {
	for _, o := range cg.members {
		if o != m && (o.assigned[p] || o.revoking[p]) {
			return true
		}
	}
	return false
}

// subscribes reports whether m subscribes to topic, by name or by regex.
// Names need no ACL check here: a heartbeat naming a topic its principal
// may not describe is refused before it reaches the coordinator.
func (m *consumerMember) subscribes(topic string) bool {
	if _, ok := slices.BinarySearch(m.subscribed, topic); ok {
		return true
	}
	return m.matcher != nil && !m.resolving && m.matcher.MatchString(topic) && (m.mayDescribe == nil || m.mayDescribe(topic))
}

// hasRegex reports whether some member subscribes by regex.
func (cg *consumerGroup) hasRegex() bool {
	for _, m := range cg.members {
		if m.matcher != nil {
			return true
		}
	}
	return false
}

// subscribedTopics is the union of the members' subscriptions, for offset
// expiry and the assignor: the names they list and, when some member
// subscribes by regex, every existing topic a regex matches.
func (c *coordinator) subscribedTopics(cg *consumerGroup) map[string]bool {
	s := make(map[string]bool)
	for _, m := range cg.members {
		for _, t := range m.subscribed {
			s[t] = true
		}
	}
	if cg.hasRegex() {
		for _, t := range c.logs.Topics() {
			for _, m := range cg.members {
				if m.subscribes(t.Name) {
					s[t.Name] = true
					break
				}
			}
		}
	}
	return s
}

// topicSnapshot is the partition count of every subscribed topic that
// exists, by id. A topic created that a regex matches changes it, and so
// joins the subscription at the next heartbeat of any member.
func (c *coordinator) topicSnapshot(cg *consumerGroup) map[uuid]int {
	snap := make(map[uuid]int)
	for name := range c.subscribedTopics(cg) {
		if t := c.logs.Topic(name); t != nil {
			snap[t.ID] = len(t.Partitions)
		}
	}
	return snap
}

// chooseAssignor picks the assignor most members asked for, the default
// if none did (ConsumerGroup.computePreferredServerAssignor).
func (cg *consumerGroup) chooseAssignor() string {
	count := make(map[string]int)
	for _, m := range cg.members {
		if m.serverAssignor != "" {
			count[m.serverAssignor]++
		}
	}
	best := consumerAssignors[0]
	for _, name := range consumerAssignors {
		if count[name] > count[best] {
			best = name
		}
	}
	return best
}

// maybeUpdateTarget bumps the group epoch if what the assignment depends on
// changed since it was computed, and computes a new target.
func (c *coordinator) maybeUpdateTarget(cg *consumerGroup, changed bool) {
	snap := c.topicSnapshot(cg)
	assignor := cg.chooseAssignor()
	if !changed && maps.Equal(snap, cg.topics) && assignor == cg.assignor {
		return
	}
	// The bump is what sets every member reconciling: each one's next
	// heartbeat finds its epoch behind the assignment epoch.
	cg.epoch++
	cg.topics, cg.assignor = snap, assignor
	cg.target = c.assign(cg)
	cg.assignmentEpoch = cg.epoch
}

// assign runs the group's assignor over its members and subscribed topics.
func (c *coordinator) assign(cg *consumerGroup) map[string]partitionSet {
	members := cg.sortedMembers()
	target := make(map[string]partitionSet, len(members))
	for _, m := range members {
		target[m.id] = make(partitionSet)
	}
	// Topics in name order, so that the answer does not depend on map
	// order and range's contiguous blocks are the ones people expect.
	var topics []*topicLog
	for name := range c.subscribedTopics(cg) {
		if t := c.logs.Topic(name); t != nil {
			topics = append(topics, t)
		}
	}
	slices.SortFunc(topics, func(a, b *topicLog) int { return strings.Compare(a.Name, b.Name) })
	if cg.assignor == rangeAssignor {
		assignRange(target, members, topics)
	} else {
		assignUniform(target, members, topics, cg.target)
	}
	return target
}

// subscribersOf is the members, in join order, subscribed to topic t.
func subscribersOf(members []*consumerMember, t *topicLog) []*consumerMember {
	var ms []*consumerMember
	for _, m := range members {
		if m.subscribes(t.Name) {
			ms = append(ms, m)
		}
	}
	return ms
}

// assignRange is Kafka's RangeAssignor: per topic, the subscribers each
// get a contiguous block, the first P%N one more. The order is
// sortMemberIds's: static members first, by instance id, so that a
// restarted instance gets back the same range whoever joined before it,
// then the others by member id.
func assignRange(target map[string]partitionSet, members []*consumerMember, topics []*topicLog) {
	members = slices.Clone(members)
	slices.SortStableFunc(members, func(a, b *consumerMember) int {
		switch {
		case a.instanceID != nil && b.instanceID != nil:
			return strings.Compare(*a.instanceID, *b.instanceID)
		case a.instanceID != nil:
			return -1
		case b.instanceID != nil:
			return 1
		}
		return strings.Compare(a.id, b.id)
	})
	for _, t := range topics {
		ms := subscribersOf(members, t)
		if len(ms) == 0 {
			continue
		}
		n, extra := len(t.Partitions)/len(ms), len(t.Partitions)%len(ms)
		p := 0
		for i, m := range ms {
			k := n
			if i < extra {
				k++
			}
			for ; k > 0; k-- {
				target[m.id][topicIDPartition{t.ID, int32(p)}] = true
				p++
			}
		}
	}
}

// assignUniform is Kafka's UniformAssignor: spread all partitions so that
// counts differ by at most one among members with the same
// subscriptions, keeping each partition where the previous target had it
// when that does not break the balance, so that few partitions move.
// A move is not free: the old owner must commit, revoke and confirm on a
// heartbeat before the new one may start, so each moved partition pauses
// for a heartbeat interval or two.
func assignUniform(target map[string]partitionSet, members []*consumerMember, topics []*topicLog, previous map[string]partitionSet) {
	var all []topicIDPartition
	eligible := make(map[topicIDPartition][]*consumerMember)
	for _, t := range topics {
		ms := subscribersOf(members, t)
		for p := range t.Partitions {
			tp := topicIDPartition{t.ID, int32(p)}
			all = append(all, tp)
			eligible[tp] = ms
		}
	}
	if len(members) == 0 {
		return
	}
	quota, extra := len(all)/len(members), len(all)%len(members)
	// Pass 1: keep up to quota of each member's previous partitions, then
	// let up to extra members keep one more.
	kept := make(map[topicIDPartition]bool)
	for _, m := range members {
		prev := slices.SortedFunc(maps.Keys(previous[m.id]), compareTIP)
		for _, tp := range prev {
			if _, ok := eligible[tp]; !ok || !slices.Contains(eligible[tp], m) {
				continue
			}
			switch n := len(target[m.id]); {
			case n < quota:
			case n == quota && extra > 0:
				extra--
			default:
				continue
			}
			target[m.id][tp] = true
			kept[tp] = true
		}
	}
	// Pass 2: each remaining partition goes to the eligible member with
	// the fewest, earliest joined first.
	for _, tp := range all {
		if kept[tp] {
			continue
		}
		var best *consumerMember
		for _, m := range eligible[tp] {
			if best == nil || len(target[m.id]) < len(target[best.id]) {
				best = m
			}
		}
		if best != nil {
			target[best.id][tp] = true
		}
	}
}

func compareTIP(a, b topicIDPartition) int {
	if c := bytes.Compare(a.topic[:], b.topic[:]); c != 0 {
		return c
	}
	return cmp.Compare(a.partition, b.partition)
}

// reconcile moves m toward its target (CurrentAssignmentBuilder.build).
// owned is what the member says it owns, nil if it did not say.
func (cg *consumerGroup) reconcile(m *consumerMember, owned partitionSet) {
	if m.state == memberUnrevoked {
		// Still waiting for the member to give up its revoked
		// partitions: only a list of what it owns can show it has. A
		// null list means "as last sent" (the Java consumer sends it only
		// when it changed), which confirms nothing.
		if owned == nil {
			return
		}
		for p := range m.revoking {
			if owned[p] {
				return
			}
		}
		m.revoking = nil
	} else if m.epoch == cg.assignmentEpoch && m.state == memberStable {
		return
	}
	target := cg.target[m.id]
	var keep, revoke []topicIDPartition
	for p := range m.assigned {
		if target[p] {
			keep = append(keep, p)
		} else {
			revoke = append(revoke, p)
		}
	}
	// A member that says it owns none of what it loses has nothing to
	// confirm (CurrentAssignmentBuilder.ownsRevokedPartitions): an eager
	// classic consumer gives up everything before its JoinGroup.
	if len(revoke) > 0 && (owned == nil || slices.ContainsFunc(revoke, func(p topicIDPartition) bool { return owned[p] })) {
		// Revoke first; the epoch stays until the member confirms. Keeping
		// it lets the member commit the offsets of what it gives up under
		// the epoch it has: OffsetCommit wants the current one, else
		// STALE_MEMBER_EPOCH, and the member learns a new epoch only from
		// the heartbeat that confirms its revocation.
		m.assigned = make(partitionSet)
		for _, p := range keep {
			m.assigned[p] = true
		}
		m.revoking = make(partitionSet)
		for _, p := range revoke {
			m.revoking[p] = true
		}
		m.state = memberUnrevoked
		return
	}
	// Nothing to revoke: advance to the target's epoch and take every
	// target partition that no other member still owns.
	for _, p := range revoke {
		delete(m.assigned, p)
	}
	if m.epoch != cg.assignmentEpoch {
		m.previousEpoch, m.epoch = m.epoch, cg.assignmentEpoch
	}
	m.state = memberStable
	for p := range target {
		if m.assigned[p] {
			continue
		}
		if cg.ownedByOther(m, p) {
			m.state = memberUnreleased
			continue
		}
		m.assigned[p] = true
	}
}

// ConsumerGroupHeartbeat: v0-1 (ConsumerGroupHeartbeatRequest.json, ConsumerGroupHeartbeatResponse.json)
//
//	v0: KIP-848; the coordinator picks the member id of a member that joins without one
//	v1: SubscribedTopicRegex; the client picks its member id, and an empty one is INVALID_REQUEST
//
// The schema we follow marks v1 latestVersionUnstable (VERSIONS.md), so a
// Kafka built from it advertises only v0 by default. We serve v1 all the
// same, for a strong reason: franz-go uses KIP-848 only against a broker
// that advertises v1 (client.go, supportsKIP848v1).
//
// Where we differ from Kafka: see the file comment (racks, static
// members, rejoins) and migration.go's.
type consumerGroupHeartbeatRequest struct {
	GroupID              string
	MemberID             string
	MemberEpoch          int32
	InstanceID           *string
	RackID               *string
	RebalanceTimeoutMs   int32
	SubscribedTopicNames []string
	SubscribedTopicRegex *string
	ServerAssignor       *string
	TopicPartitions      []consumerGroupTopicPartitions
}

// consumerGroupTopicPartitions is the TopicPartitions struct of both the
// heartbeat request and response.
type consumerGroupTopicPartitions struct {
	TopicID    uuid
	Partitions []int32
}

func readConsumerGroupTopicPartitions(r *reader) (t consumerGroupTopicPartitions) {
	t.TopicID = r.UUID()
	t.Partitions = r.Int32s()
	r.SkipTags()
	return t
}

func (m *consumerGroupHeartbeatRequest) decode(r *reader, v int16) {
	m.GroupID = r.String()
	m.MemberID = r.String()
	m.MemberEpoch = r.Int32()
	m.InstanceID = r.NullableString()
	m.RackID = r.NullableString()
	m.RebalanceTimeoutMs = r.Int32()
	m.SubscribedTopicNames = r.Strings()
	if v >= 1 {
		m.SubscribedTopicRegex = r.NullableString()
	}
	m.ServerAssignor = r.NullableString()
	m.TopicPartitions = readArray(r, readConsumerGroupTopicPartitions)
	r.SkipTags()
}

type consumerGroupHeartbeatResponse struct {
	ThrottleTimeMs      int32
	ErrorCode           int16
	ErrorMessage        *string
	MemberID            *string
	MemberEpoch         int32
	HeartbeatIntervalMs int32
	Assignment          *consumerGroupHeartbeatAssignment
}

type consumerGroupHeartbeatAssignment struct {
	TopicPartitions []consumerGroupTopicPartitions
}

func (m *consumerGroupHeartbeatResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	w.NullableString(m.MemberID)
	w.Int32(m.MemberEpoch)
	w.Int32(m.HeartbeatIntervalMs)
	// A nullable struct is a signed byte, -1 for null and 1 for present,
	// then the struct (MessageDataGenerator's writeNullableStruct).
	if m.Assignment == nil {
		w.Int8(-1)
	} else {
		w.Int8(1)
		writeArrayNonNull(w, m.Assignment.TopicPartitions, func(w *writer, t consumerGroupTopicPartitions) {
			w.UUID(t.TopicID)
			w.Int32s(t.Partitions)
			w.Tags()
		})
		w.Tags()
	}
	w.Tags()
}

func (b *Broker) handleConsumerGroupHeartbeat(ctx context.Context, rc *requestContext, r request) response {
	// The request is checked before the group is looked up, as
	// GroupMetadataManager.consumerGroupHeartbeat checks it first.
	req := r.(*consumerGroupHeartbeatRequest)
	if !b.features.consumerProtocol() {
		// group.version 0 (features.go): KafkaApis answers before
		// anything else, with no message.
		return &consumerGroupHeartbeatResponse{ErrorCode: codeUnsupportedVersion}
	}
	if code, msg := validateConsumerHeartbeat(req, rc.header.APIVersion); code != codeNone {
		return consumerHeartbeatError(code, msg)
	}
	switch code := b.shares.claimCode(req.GroupID); code {
	case codeGroupIDNotFound:
		return consumerHeartbeatError(code, "Group "+req.GroupID+" is not a consumer group.")
	case codeCoordinatorNotAvailable:
		return consumerHeartbeatError(code, defaultErrorMessage(code))
	}
	// With the authorizer on, the member's regex resolves only to topics
	// its principal may DESCRIBE (KAFKA-18813). Kafka resolves a regex
	// in GroupMetadataManager.refreshRegularExpressions with the request
	// context of the heartbeat that triggered the refresh, and drops the
	// denied topics from the resolved subscription; here the regex is
	// matched anew at every heartbeat of any member, so each member keeps
	// the principal and host of its own latest heartbeat, and the
	// authorizer is asked with its ACLs of the moment. An ACL granted or
	// revoked thus changes the assignment at the next heartbeat.
	var mayDescribe func(topic string) bool
	if b.sec.cfg.Authorizer {
		a := b.access(rc)
		mayDescribe = func(topic string) bool { return a.may(aclDescribe, resTopic, topic) }
	}
	return b.groups.consumerHeartbeat(req, rc.header.APIVersion, rc.clientID(), rc.clientHost(), mayDescribe)
}

// consumerHeartbeat is GroupMetadataManager.consumerGroupHeartbeat.
// mayDescribe filters what the member's regex matches; nil lets every
// topic through, as without an authorizer.
func (c *coordinator) consumerHeartbeat(req *consumerGroupHeartbeatRequest, v int16, clientID, clientHost string, mayDescribe func(topic string) bool) *consumerGroupHeartbeatResponse {
	resp := &consumerGroupHeartbeatResponse{MemberEpoch: req.MemberEpoch}
	fail := consumerHeartbeatError
	// INVALID_REQUEST, UNSUPPORTED_ASSIGNOR and GROUP_MAX_SIZE_REACHED are
	// fatal to the Java consumer: poll throws, since retrying the same
	// request cannot help. The error message is what its user sees.
	if code, msg := validateConsumerHeartbeat(req, v); code != codeNone {
		return fail(code, msg)
	}
	// Kafka compiles a regex only when the coordinator takes it as the
	// member's new subscription, after the checks above; here every
	// heartbeat's regex is compiled, before the group is looked at.
	matcher, err := compileTopicRegex(deref(req.SubscribedTopicRegex))
	if err != nil {
		return fail(codeInvalidRegularExpression, fmt.Sprintf("SubscribedTopicRegex `%s` is not a valid regular expression: %v.", *req.SubscribedTopicRegex, err))
	}

	// Only a join may create the group: a heartbeat for a group that is
	// gone must not bring it back empty, without the member's partitions.
	joining := req.MemberEpoch == joinEpoch
	g := c.lockGroup(req.GroupID, joining)
	if g == nil {
		// A member of a group that is gone (deleted, or expired while
		// the broker was down). UNKNOWN_MEMBER_ID makes it join again,
		// where Kafka 4.0 answers GROUP_ID_NOT_FOUND.
		return fail(codeUnknownMemberID, "Member "+req.MemberID+" is not a member of group "+req.GroupID+".")
	}
	defer g.mu.Unlock()
	if g.consumer == nil {
		if code, msg := c.convertClassicGroup(g, req); code != codeNone {
			return fail(code, msg)
		}
	}
	defer c.storeGroup(g)
	cg := g.consumer
	if req.MemberEpoch == leaveEpoch || req.MemberEpoch == staticLeaveEpoch {
		return c.consumerLeave(g, req, resp)
	}
	// throwIfConsumerGroupIsFull: only a member that is not one yet is
	// refused, so that lowering the limit does not break a running group.
	// Unlike Kafka, a static member's new instance, which takes the
	// place of the old one, is not counted as growth.
	replacing := req.InstanceID != nil && cg.static[*req.InstanceID] != ""
	if max := int(c.cfg.ConsumerGroupMaxSize); len(cg.members) >= max && cg.members[req.MemberID] == nil && !replacing {
		return fail(codeGroupMaxSizeReached, fmt.Sprintf("The consumer group has reached its maximum capacity of %d members.", max))
	}
	// A v0 member that joins without an id gets one here, before its
	// instance id is looked at, so that a static one gets an id of its
	// own whichever way it joins.
	if req.MemberID == "" {
		req.MemberID = newConsumerMemberID()
	}
	m, newMember, code, msg := c.consumerMemberFor(g, req)
	if code != codeNone {
		return fail(code, msg)
	}
	if m.classic != nil {
		// A classic member that heartbeats now uses the consumer
		// protocol, as Kafka clears its ClassicMemberMetadata.
		m.classic.stopTimers()
		m.classic = nil
	}

	// The client id and host are taken from every heartbeat, so that
	// describe shows where the member runs now, after a reconnect too.
	m.clientID, m.clientHost, m.mayDescribe = clientID, clientHost, mayDescribe
	oldRegex := m.regex
	changed := m.update(req, matcher)
	m.resolving = m.regex != oldRegex && m.regex != "" && !cg.regexInUse(m)
	c.maybeUpdateTarget(cg, newMember || changed)
	resp = c.reconcileAndAnswer(g, m, req, resp)
	c.resolveNewRegex(cg, m)
	return resp
}

// convertClassicGroup makes a classic group a consumer group for a
// heartbeat. An empty one becomes one, keeping its offsets, as Kafka
// converts it; one with classic members is upgraded online by a member
// that joins (migration.go). Anything else is refused.
func (c *coordinator) convertClassicGroup(g *group, req *consumerGroupHeartbeatRequest) (int16, string) {
	joining := req.MemberEpoch == joinEpoch
	switch {
	case g.state != stateEmpty || len(g.members) > 0:
		if !joining {
			return codeGroupIDNotFound, "Group " + g.id + " is not a consumer group."
		}
		return c.upgradeToConsumer(g)
	case !joining:
		return codeUnknownMemberID, "Member " + req.MemberID + " is not a member of group " + g.id + "."
	}
	g.consumer = newConsumerGroup()
	g.protocolType = consumerProtocolType
	g.protocolName = nil
	return codeNone, ""
}

// regexInUse reports whether another member subscribes with m's regex, which
// the group has resolved then.
func (cg *consumerGroup) regexInUse(m *consumerMember) bool {
	for _, o := range cg.members {
		if o != m && o.regex == m.regex {
			return true
		}
	}
	return false
}

// resolveNewRegex resolves a regex that m's heartbeat brought to the group,
// once that heartbeat is answered, and bumps the group epoch for its topics.
// Kafka resolves a new regex off the heartbeat path: its
// GroupMetadataManager.maybeUpdateRegularExpressions schedules
// refreshRegularExpressions and answers the heartbeat with the assignment
// of the topics resolved so far (the member's named topics), and the
// result bumps the group epoch, so that the member gets the regex's topics
// at its next heartbeat. Clients' tests count on that order (librdkafka's
// 0045_resubscribe_with_regex waits for the named topic's assignment
// first). A regex some other member has is resolved already and counts at
// once, as there.
func (c *coordinator) resolveNewRegex(cg *consumerGroup, m *consumerMember) {
	if !m.resolving {
		return
	}
	m.resolving = false
	// handleRegularExpressionsResult bumps the epoch when the regex
	// resolves to some topic, which for a regex new to the group is when
	// it matches any.
	matches := slices.ContainsFunc(c.logs.Topics(), func(t *topicLog) bool { return m.subscribes(t.Name) })
	c.maybeUpdateTarget(cg, matches)
}

// update takes what a heartbeat changed of the member; null fields mean
// "as last time". It reports whether the subscription or the assignor
// changed, which calls for a new target.
func (m *consumerMember) update(req *consumerGroupHeartbeatRequest, matcher *regexp.Regexp) (changed bool) {
	if req.InstanceID != nil {
		m.instanceID = req.InstanceID
	}
	if req.RackID != nil {
		m.rackID = req.RackID
	}
	// -1 is "as last time" for the timeout, which the Java consumer sends
	// from its max.poll.interval.ms: the time it may take to revoke.
	if req.RebalanceTimeoutMs >= 0 {
		m.rebalanceTimeout = time.Duration(req.RebalanceTimeoutMs) * time.Millisecond
	}
	// Sorted and without duplicates, so that the same topics in another
	// order are no change and bump no epoch.
	if req.SubscribedTopicNames != nil {
		subs := slices.Compact(slices.Sorted(slices.Values(req.SubscribedTopicNames)))
		if !slices.Equal(subs, m.subscribed) {
			m.subscribed, changed = subs, true
		}
	}
	if req.SubscribedTopicRegex != nil && *req.SubscribedTopicRegex != m.regex {
		m.regex, m.matcher, changed = *req.SubscribedTopicRegex, matcher, true
	}
	if req.ServerAssignor != nil && *req.ServerAssignor != m.serverAssignor {
		m.serverAssignor, changed = *req.ServerAssignor, true
	}
	return changed
}

// reconcileAndAnswer moves m toward its target given what it says it owns,
// restarts its timers and writes the answer.
func (c *coordinator) reconcileAndAnswer(g *group, m *consumerMember, req *consumerGroupHeartbeatRequest, resp *consumerGroupHeartbeatResponse) *consumerGroupHeartbeatResponse {
	var owned partitionSet
	if req.TopicPartitions != nil {
		owned = make(partitionSet)
		for _, t := range req.TopicPartitions {
			for _, p := range t.Partitions {
				owned[topicIDPartition{t.TopicID, p}] = true
			}
		}
	}
	before := maps.Clone(m.assigned)
	wasUnrevoked := m.state == memberUnrevoked
	g.consumer.reconcile(m, owned)

	// The session restarts with every heartbeat. A member that must
	// revoke also gets its rebalance timeout to confirm, counted from when
	// it was told, and is removed if it does not: until then its revoked
	// partitions are stuck, since nobody else may have them.
	session, heartbeat := c.consumerTimeouts(g.id)
	c.armMemberTimer(g, m, &m.session, session, "session expired")
	switch {
	case m.state == memberUnrevoked && !wasUnrevoked:
		c.armMemberTimer(g, m, &m.revocation, m.rebalanceTimeout, "did not revoke its partitions within its rebalance timeout")
	case m.state != memberUnrevoked:
		m.revocation.stop()
	}

	// The member id goes back every time: a v0 member learns the id the
	// coordinator chose for it from its first answer.
	resp.MemberID = &m.id
	resp.MemberEpoch = m.epoch
	resp.HeartbeatIntervalMs = int32(heartbeat.Milliseconds())
	// The assignment is sent when it changed, and on a full request (a
	// join, or one with every optional field set, which a client sends
	// after an error), as Kafka does.
	subscription := req.SubscribedTopicNames != nil || req.SubscribedTopicRegex != nil
	full := req.MemberEpoch == joinEpoch || (req.RebalanceTimeoutMs != -1 && subscription && req.TopicPartitions != nil)
	if full || !maps.Equal(before, m.assigned) {
		resp.Assignment = &consumerGroupHeartbeatAssignment{TopicPartitions: m.assigned.wire()}
	}
	return resp
}

// compileTopicRegex compiles a SubscribedTopicRegex; "" is no regex at
// all, as librdkafka sends it. Kafka evaluates the regex with RE2/J, and
// Go's regexp is RE2, so the syntax and meaning carry over. Like Java's
// Matcher.matches, it must match the whole topic name.
func compileTopicRegex(re string) (*regexp.Regexp, error) {
	if re == "" {
		return nil, nil
	}
	// Compiled alone first, so that the error names the client's pattern,
	// not the anchored one built from it.
	if _, err := regexp.Compile(re); err != nil {
		return nil, err
	}
	return regexp.Compile("^(?:" + re + ")$")
}

// consumerMemberFor finds or creates the member a heartbeat is from
// (getOrMaybeSubscribeDynamicConsumerGroupMember), and checks its epoch.
// It reports whether the member is new, or an error code and message.
func (c *coordinator) consumerMemberFor(g *group, req *consumerGroupHeartbeatRequest) (*consumerMember, bool, int16, string) {
	cg := g.consumer
	if req.InstanceID != nil {
		return c.staticConsumerMember(g, req)
	}
	m := cg.members[req.MemberID]
	switch {
	case req.MemberEpoch == joinEpoch && m == nil:
		return c.newConsumerMember(g, req), true, codeNone, ""
	case req.MemberEpoch == joinEpoch:
		// A rejoin: the member says it owns nothing (the request has
		// an empty TopicPartitions), so it owns nothing. Kafka 4.0
		// fences it unless its previous epoch was 0; we take it, as
		// Kafka does since KAFKA-19233 (see the file comment).
		m.assigned, m.revoking, m.state = make(partitionSet), nil, memberStable
		m.previousEpoch, m.epoch = m.epoch, 0
		return m, false, codeNone, ""
	case m == nil:
		return nil, false, codeUnknownMemberID, "Member " + req.MemberID + " is not a member of group " + g.id + "."
	}
	code, msg := checkMemberEpoch(m, req)
	return m, false, code, msg
}

// newConsumerMember adds a member that joins for the first time.
func (c *coordinator) newConsumerMember(g *group, req *consumerGroupHeartbeatRequest) *consumerMember {
	cg := g.consumer
	id := req.MemberID
	cg.nextSeq++
	m := &consumerMember{id: id, seq: cg.nextSeq, assigned: make(partitionSet)}
	cg.members[id] = m
	if req.InstanceID != nil {
		cg.static[*req.InstanceID] = id
	}
	c.log.Info("consumer group member joined", "group", g.id, "member", id, "instance", deref(req.InstanceID))
	return m
}

// checkMemberEpoch is throwIfConsumerGroupMemberEpochIsInvalid. Its
// message names both epochs, as Kafka's does.
func checkMemberEpoch(m *consumerMember, req *consumerGroupHeartbeatRequest) (int16, string) {
	fenced := func(than string) (int16, string) {
		return codeFencedMemberEpoch, fmt.Sprintf("The consumer group member has a %s member epoch (%d) than the one known by the group coordinator (%d). The member must abandon all its partitions and rejoin.", than, req.MemberEpoch, m.epoch)
	}
	switch {
	// An epoch the coordinator never gave this member comes from state it
	// has since lost: only a fresh start from epoch 0 is safe.
	case req.MemberEpoch > m.epoch:
		return fenced("greater")
	case req.MemberEpoch < m.epoch:
		// The answer that bumped the epoch may have been lost: the member
		// may come back with the previous epoch, as long as what it owns
		// is part of what it was given.
		if req.MemberEpoch != m.previousEpoch || !ownsSubset(req.TopicPartitions, m.assigned) {
			return fenced("smaller")
		}
	}
	return codeNone, ""
}

// Static members (KIP-345 carried into KIP-848).
//
// A member with an InstanceId is static: the instance id, not the member
// id, is what the group remembers it by. The rules, in the order Kafka
// checks them (getOrMaybeSubscribeStaticConsumerGroupMember):
//
//	join, instance id unknown          a new member, as a dynamic one
//	join, same member id               a rejoin, as a dynamic one
//	join, holder left with epoch -2    the new member id takes the old one's
//	                                   place: its epoch, target and partitions
//	join, holder still there           UNRELEASED_INSTANCE_ID
//	heartbeat, instance id unknown     UNKNOWN_MEMBER_ID
//	heartbeat, another member id       FENCED_INSTANCE_ID (throwIfInstanceIdIsFenced)
//	leave with epoch -2                the member stays, epoch -2, partitions
//	                                   kept, until its session times out
//
// So a static member that restarts within its session timeout gets its
// partitions back, and no other member ever sees them move.

// staticConsumerMember is consumerMemberFor for a static member.
func (c *coordinator) staticConsumerMember(g *group, req *consumerGroupHeartbeatRequest) (*consumerMember, bool, int16, string) {
	cg := g.consumer
	inst := *req.InstanceID
	holder := cg.members[cg.static[inst]]
	if req.MemberEpoch == joinEpoch {
		switch {
		case holder == nil && cg.members[req.MemberID] != nil:
			// A member that joined without an instance id rejoins with
			// one: the same member, static from now on.
			m := cg.members[req.MemberID]
			m.assigned, m.revoking, m.state = make(partitionSet), nil, memberStable
			m.previousEpoch, m.epoch = m.epoch, 0
			cg.static[inst] = m.id
			return m, false, codeNone, ""
		case holder == nil:
			return c.newConsumerMember(g, req), true, codeNone, ""
		case holder.id == req.MemberID:
			holder.assigned, holder.revoking, holder.state = make(partitionSet), nil, memberStable
			holder.previousEpoch, holder.epoch = holder.epoch, 0
			return holder, false, codeNone, ""
		case holder.epoch != staticLeaveEpoch && holder.classic == nil:
			// throwIfInstanceIdIsUnreleased, only between two members of
			// the consumer protocol: one that replaces a classic member
			// takes its place at once, which is how a static member is
			// upgraded.
			return nil, false, codeUnreleasedInstanceID, fmt.Sprintf("Static member %s with instance id %s cannot join the group because the instance id is owned by %s member.", req.MemberID, inst, holder.id)
		}
		return c.replaceStaticConsumerMember(g, holder, req.MemberID), false, codeNone, ""
	}
	// FENCED_INSTANCE_ID here, like UNRELEASED_INSTANCE_ID above, is fatal
	// to the Java consumer: two live instances with one instance id are a
	// deployment mistake, and the one that came first keeps its place.
	switch {
	case holder == nil:
		return nil, false, codeUnknownMemberID, "Instance id " + inst + " is unknown."
	case holder.id != req.MemberID:
		return nil, false, codeFencedInstanceID, fmt.Sprintf("Static member %s with instance id %s was fenced by member %s.", req.MemberID, inst, holder.id)
	}
	code, msg := checkMemberEpoch(holder, req)
	return holder, false, code, msg
}

// replaceStaticConsumerMember gives old's place to a new member id
// (GroupMetadataManager.replaceMember): the same subscription, join order,
// target and partitions, at epoch 0, so that reconcile brings it straight
// back to the target's epoch with nothing moved. The group epoch does not
// change: as far as the assignment goes, nobody left or joined.
func (c *coordinator) replaceStaticConsumerMember(g *group, old *consumerMember, newID string) *consumerMember {
	cg := g.consumer
	old.stopAllTimers()
	m := &consumerMember{
		id: newID, instanceID: old.instanceID, rackID: old.rackID,
		clientID: old.clientID, clientHost: old.clientHost, rebalanceTimeout: old.rebalanceTimeout,
		subscribed: old.subscribed, regex: old.regex, matcher: old.matcher, serverAssignor: old.serverAssignor,
		seq: old.seq, assigned: old.assigned, state: memberStable,
	}
	delete(cg.members, old.id)
	cg.members[newID] = m
	cg.target[newID] = cg.target[old.id]
	delete(cg.target, old.id)
	cg.static[*m.instanceID] = newID
	c.log.Info("consumer group static member replaced", "group", g.id, "instance", *m.instanceID, "old", old.id, "new", newID)
	return m
}

// consumerLeave handles a heartbeat with epoch -1 or -2 (consumerGroupLeave).
// The answer carries back the epoch the member sent (-1 or -2) and no
// assignment, as Kafka's does.
func (c *coordinator) consumerLeave(g *group, req *consumerGroupHeartbeatRequest, resp *consumerGroupHeartbeatResponse) *consumerGroupHeartbeatResponse {
	cg := g.consumer
	fail := consumerHeartbeatError
	m := cg.members[req.MemberID]
	if req.MemberEpoch == staticLeaveEpoch && req.InstanceID == nil {
		// Kafka refuses a static leave without the instance id. franz-go
		// (v1.22) sends it so; a member that joined with an instance id
		// is taken at its word here, since nothing is ambiguous.
		if m == nil || m.instanceID == nil {
			return fail(codeInvalidRequest, "InstanceId can't be null.")
		}
		req.InstanceID = m.instanceID
	}
	if req.InstanceID != nil {
		inst := *req.InstanceID
		m = cg.members[cg.static[inst]]
		switch {
		case m == nil:
			return fail(codeUnknownMemberID, "Instance id "+inst+" is unknown.")
		case m.id != req.MemberID:
			return fail(codeFencedInstanceID, fmt.Sprintf("Static member %s with instance id %s was fenced by member %s.", req.MemberID, inst, m.id))
		}
		if req.MemberEpoch == staticLeaveEpoch {
			// The instance is expected back: it keeps its partitions, and
			// its session timer runs on from its last heartbeat. What it
			// was revoking is released now (consumerGroupStaticMemberGroupLeave).
			m.epoch, m.revoking, m.state = staticLeaveEpoch, nil, memberStable
			m.revocation.stop()
			c.log.Info("consumer group static member left temporarily", "group", g.id, "member", m.id, "instance", inst)
			resp.MemberID = &m.id
			return resp
		}
	} else if m == nil {
		return fail(codeUnknownMemberID, "Member "+req.MemberID+" is not a member of group "+g.id+".")
	}
	c.removeConsumerMember(g, m, "left")
	resp.MemberID = &m.id
	return resp
}

// consumerHeartbeatError is an error answer: the code and message only,
// as GroupCoordinatorService builds it from the exception
// (handleOperationException), so no member id and epoch 0, whatever the
// request sent.
func consumerHeartbeatError(code int16, msg string) *consumerGroupHeartbeatResponse {
	return &consumerGroupHeartbeatResponse{ErrorCode: code, ErrorMessage: &msg}
}

// validateConsumerHeartbeat is throwIfConsumerGroupHeartbeatRequestIsInvalid,
// its checks in Kafka's order: INVALID_REQUEST or UNSUPPORTED_ASSIGNOR
// and the message, or NONE.
func validateConsumerHeartbeat(req *consumerGroupHeartbeatRequest, v int16) (int16, string) {
	invalid := func(msg string) (int16, string) { return codeInvalidRequest, msg }
	isBlank := func(s *string) bool { return s != nil && javaBlank(*s) }
	switch {
	// From v1 the client names itself; at v0 a joining member may leave
	// the naming to the coordinator.
	case (v >= 1 || req.MemberEpoch > 0 || req.MemberEpoch == leaveEpoch) && javaBlank(req.MemberID):
		return invalid("MemberId can't be empty.")
	case javaBlank(req.GroupID):
		return invalid("GroupId can't be empty.")
	case isBlank(req.InstanceID):
		return invalid("InstanceId can't be empty.")
	case isBlank(req.RackID):
		return invalid("RackId can't be empty.")
	}
	switch {
	case req.MemberEpoch == joinEpoch:
		switch {
		case req.RebalanceTimeoutMs == -1:
			return invalid("RebalanceTimeoutMs must be provided in first request.")
		// A member that joins owns nothing, so that nothing it held
		// before can count as still owned by it.
		case req.TopicPartitions == nil || len(req.TopicPartitions) > 0:
			return invalid("TopicPartitions must be empty when (re-)joining.")
		case req.SubscribedTopicNames == nil && req.SubscribedTopicRegex == nil:
			return invalid("Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.")
		}
	case req.MemberEpoch == staticLeaveEpoch:
		// InstanceId can't be null: checked by consumerLeave, which
		// knows whether the member is static.
	case req.MemberEpoch < staticLeaveEpoch:
		return invalid("MemberEpoch is invalid.")
	}
	if a := req.ServerAssignor; a != nil && !slices.Contains(consumerAssignors, *a) {
		return codeUnsupportedAssignor, "ServerAssignor " + *a + " is not supported. Supported assignors: " + strings.Join(consumerAssignors, ", ") + "."
	}
	return codeNone, ""
}

// javaBlank reports whether s is empty once Java's String.trim() has
// taken every character up to U+0020 off both ends, as Kafka's
// throwIfEmptyString trims it: control characters are blank there, a
// no-break space is not.
func javaBlank(s string) bool {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' }) == ""
}

// ownsSubset reports whether every partition in owned is in assigned
// (GroupMetadataManager.isSubset). A null owned, "as last sent", is not:
// it does not say what the member owns now.
func ownsSubset(owned []consumerGroupTopicPartitions, assigned partitionSet) bool {
	if owned == nil {
		return false
	}
	for _, t := range owned {
		for _, p := range t.Partitions {
			if !assigned[topicIDPartition{t.TopicID, p}] {
				return false
			}
		}
	}
	return true
}

// wire lists the set as the protocol does, topics by id, partitions sorted.
func (s partitionSet) wire() []consumerGroupTopicPartitions {
	byTopic := make(map[uuid][]int32)
	for p := range s {
		byTopic[p.topic] = append(byTopic[p.topic], p.partition)
	}
	out := []consumerGroupTopicPartitions{}
	for _, id := range slices.SortedFunc(maps.Keys(byTopic), func(a, b uuid) int { return bytes.Compare(a[:], b[:]) }) {
		out = append(out, consumerGroupTopicPartitions{TopicID: id, Partitions: slices.Sorted(slices.Values(byTopic[id]))})
	}
	return out
}

// newConsumerMemberID makes a member id as Kafka does for v0
// (Uuid.randomUuid().toString(): 16 random bytes, URL-safe base64).
func newConsumerMemberID() string {
	var u [16]byte
	rand.Read(u[:])
	return base64.RawURLEncoding.EncodeToString(u[:])
}

// armMemberTimer (re)arms mt, one of m's timers, to remove m after d.
//
// The race: the timer fires while a heartbeat of m holds the group lock.
//
//  1. The callback starts and waits for the lock.
//  2. The heartbeat re-arms the timer: Stop cannot recall the waiting
//     callback, but stop bumps mt.seq.
//  3. The heartbeat returns and unlocks; the callback gets the lock, sees
//     another seq, and does nothing.
//
// A member removed meanwhile is no longer in the map, which the callback
// also checks: a member that left and joined again with the same id is
// another *consumerMember.
func (c *coordinator) armMemberTimer(g *group, m *consumerMember, mt *memberTimer, d time.Duration, why string) {
	mt.stop()
	seq := mt.seq
	mt.t = c.afterFunc(d, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.state == stateDead || g.consumer == nil || g.consumer.members[m.id] != m || mt.seq != seq {
			return
		}
		c.removeConsumerMember(g, m, why)
		c.storeGroup(g)
	})
}

// removeConsumerMember takes m out of the group and recomputes the target,
// so that its partitions go to the others: they are free at once, since a
// member that is gone owns nothing. If m was the last member using the
// consumer protocol, the group may turn classic instead (maybeDowngrade).
func (c *coordinator) removeConsumerMember(g *group, m *consumerMember, why string) {
	cg := g.consumer
	if c.maybeDowngrade(g, m) {
		return
	}
	m.stopAllTimers()
	delete(cg.members, m.id)
	delete(cg.target, m.id)
	if m.instanceID != nil && cg.static[*m.instanceID] == m.id {
		delete(cg.static, *m.instanceID)
	}
	c.log.Info("consumer group member removed", "group", g.id, "member", m.id, "reason", why)
	c.maybeUpdateTarget(cg, true)
	if len(cg.members) == 0 {
		// The group stays, Empty, whether or not it has offsets: it can
		// still be described and deleted, and the periodic offset expiry
		// forgets it once it has no offsets, as Kafka's
		// GroupCoordinatorShard.cleanupGroupMetadata does.
		g.stateSince = c.now() // offsets expire counting from here
	}
}

// ConsumerGroupDescribe: v0-1 (ConsumerGroupDescribeRequest.json, ConsumerGroupDescribeResponse.json)
//
//	v0: KIP-848
//	v1: MemberType per member (KIP-1099): 0 for a member of the classic
//	    protocol in a consumer group (migration.go), 1 for a
//	    consumer-protocol member.
//
// An empty group id gets INVALID_GROUP_ID. A group that does not exist,
// or is a classic or share group, gets GROUP_ID_NOT_FOUND, as in Kafka,
// with the message of the exception GroupMetadataManager.consumerGroup
// throws: "Group X not found." or "Group X is not a consumer group."
// (Kafka's source of late 2024 ends the second without the period; later
// Kafka has it). Authorized operations come from the ACLs, as
// DescribeGroups's do (operations.go), and a group with a topic the
// caller may not describe is hidden (authorize.go).
type consumerGroupDescribeRequest struct {
	GroupIDs                    []string
	IncludeAuthorizedOperations bool
}

func (m *consumerGroupDescribeRequest) decode(r *reader, v int16) {
	m.GroupIDs = r.Strings()
	m.IncludeAuthorizedOperations = r.Bool()
	r.SkipTags()
}

type consumerGroupDescribeResponse struct {
	ThrottleTimeMs int32
	Groups         []consumerDescribedGroup
}

type consumerDescribedGroup struct {
	ErrorCode            int16
	ErrorMessage         *string
	GroupID              string
	GroupState           string
	GroupEpoch           int32
	AssignmentEpoch      int32
	AssignorName         string
	Members              []consumerDescribedMember
	AuthorizedOperations int32
}

type consumerDescribedMember struct {
	MemberID             string
	InstanceID           *string
	RackID               *string
	MemberEpoch          int32
	ClientID             string
	ClientHost           string
	SubscribedTopicNames []string
	SubscribedTopicRegex *string
	Assignment           consumerDescribedAssignment
	TargetAssignment     consumerDescribedAssignment
	MemberType           int8 // v1+, memberTypeConsumer
}

// memberTypeClassic and memberTypeConsumer are ConsumerGroupDescribe
// v1's MemberType (KIP-1099, MemberType.java), where the schema default
// -1 is UNKNOWN.
const (
	memberTypeClassic  int8 = 0
	memberTypeConsumer int8 = 1
)

// memberType is CLASSIC for a member that joined with JoinGroup
// (migration.go), CONSUMER for one that heartbeats.
func (m *consumerMember) memberType() int8 {
	if m.classic != nil {
		return memberTypeClassic
	}
	return memberTypeConsumer
}

type consumerDescribedAssignment struct {
	TopicPartitions []consumerDescribedTopicPartitions
}

type consumerDescribedTopicPartitions struct {
	TopicID    uuid
	TopicName  string
	Partitions []int32
}

func (m *consumerGroupDescribeResponse) encode(w *writer, v int16) {
	writeAssignment := func(w *writer, a consumerDescribedAssignment) {
		writeArrayNonNull(w, a.TopicPartitions, func(w *writer, t consumerDescribedTopicPartitions) {
			w.UUID(t.TopicID)
			w.String(t.TopicName)
			w.Int32s(t.Partitions)
			w.Tags()
		})
		w.Tags()
	}
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Groups, func(w *writer, g consumerDescribedGroup) {
		w.Int16(g.ErrorCode)
		w.NullableString(g.ErrorMessage)
		w.String(g.GroupID)
		w.String(g.GroupState)
		w.Int32(g.GroupEpoch)
		w.Int32(g.AssignmentEpoch)
		w.String(g.AssignorName)
		writeArrayNonNull(w, g.Members, func(w *writer, mm consumerDescribedMember) {
			w.String(mm.MemberID)
			w.NullableString(mm.InstanceID)
			w.NullableString(mm.RackID)
			w.Int32(mm.MemberEpoch)
			w.String(mm.ClientID)
			w.String(mm.ClientHost)
			w.Strings(mm.SubscribedTopicNames)
			w.NullableString(mm.SubscribedTopicRegex)
			writeAssignment(w, mm.Assignment)
			writeAssignment(w, mm.TargetAssignment)
			if v >= 1 {
				w.Int8(mm.MemberType)
			}
			w.Tags()
		})
		w.Int32(g.AuthorizedOperations)
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleConsumerGroupDescribe(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*consumerGroupDescribeRequest)
	if !b.features.consumerProtocol() {
		// group.version 0, as for the heartbeat: each group
		// UNSUPPORTED_VERSION, as the request's getErrorResponse answers.
		return refuseConsumerGroupDescribe(req, rc.header.APIVersion, refusal{code: codeUnsupportedVersion})
	}
	resp := &consumerGroupDescribeResponse{Groups: make([]consumerDescribedGroup, len(req.GroupIDs))}
	for i, id := range req.GroupIDs {
		if id == "" {
			// Answered before any group is looked up
			// (GroupCoordinatorService.consumerGroupDescribe).
			resp.Groups[i] = consumerDescribedGroup{Members: []consumerDescribedMember{}, AuthorizedOperations: authorizedOperationsOmitted, ErrorCode: codeInvalidGroupID}
			continue
		}
		if b.shares.exists(id) {
			resp.Groups[i] = notConsumerGroup(id)
			continue
		}
		resp.Groups[i] = b.groups.describeConsumer(id)
		if req.IncludeAuthorizedOperations && resp.Groups[i].ErrorCode == codeNone {
			resp.Groups[i].AuthorizedOperations = b.authorizedOperations(rc, resGroup, id)
		}
	}
	return resp
}

func (c *coordinator) describeConsumer(id string) consumerDescribedGroup {
	d := consumerDescribedGroup{GroupID: id, Members: []consumerDescribedMember{}, AuthorizedOperations: authorizedOperationsOmitted}
	g := c.lockGroup(id, false)
	if g == nil {
		msg := "Group " + id + " not found."
		d.ErrorCode, d.ErrorMessage = codeGroupIDNotFound, &msg
		return d
	}
	defer g.mu.Unlock()
	if g.consumer == nil {
		return notConsumerGroup(id)
	}
	cg := g.consumer
	d.GroupState, d.GroupEpoch, d.AssignmentEpoch, d.AssignorName = cg.state().String(), cg.epoch, cg.assignmentEpoch, cg.assignor
	for _, m := range cg.sortedMembers() {
		d.Members = append(d.Members, consumerDescribedMember{
			MemberID:             m.id,
			InstanceID:           m.instanceID,
			RackID:               m.rackID,
			MemberEpoch:          m.epoch,
			ClientID:             m.clientID,
			ClientHost:           m.clientHost,
			SubscribedTopicNames: slices.Clone(m.subscribed),
			SubscribedTopicRegex: nilIfEmpty(m.regex),
			Assignment:           c.describeAssignment(m.assigned),
			TargetAssignment:     c.describeAssignment(cg.target[m.id]),
			MemberType:           m.memberType(),
		})
	}
	return d
}

// notConsumerGroup describes a group of another type: it exists, but
// ConsumerGroupDescribe does not describe it.
func notConsumerGroup(id string) consumerDescribedGroup {
	msg := "Group " + id + " is not a consumer group."
	return consumerDescribedGroup{GroupID: id, Members: []consumerDescribedMember{}, AuthorizedOperations: authorizedOperationsOmitted,
		ErrorCode: codeGroupIDNotFound, ErrorMessage: &msg}
}

// describeAssignment names the topics of s; a topic deleted since is
// left out.
func (c *coordinator) describeAssignment(s partitionSet) consumerDescribedAssignment {
	a := consumerDescribedAssignment{TopicPartitions: []consumerDescribedTopicPartitions{}}
	for _, t := range s.wire() {
		if tl := c.logs.TopicByID(t.TopicID); tl != nil {
			a.TopicPartitions = append(a.TopicPartitions, consumerDescribedTopicPartitions{TopicID: t.TopicID, TopicName: tl.Name, Partitions: t.Partitions})
		}
	}
	return a
}

// validateCommit checks an OffsetCommit to a consumer group
// (ConsumerGroup.validateOffsetCommit): a commit without an epoch is
// taken while the group is empty, whatever member id it names; otherwise
// the member must exist and give its current epoch, or gets
// STALE_MEMBER_EPOCH. Before v9 members of a consumer group may not
// commit at all (UNSUPPORTED_VERSION). A classic member (migration.go)
// commits at any version with its epoch as the generation, and a stale
// one is ILLEGAL_GENERATION, which a classic client knows.
func (cg *consumerGroup) validateCommit(memberID string, epoch int32, v int16) int16 {
	if epoch < 0 && len(cg.members) == 0 {
		return codeNone
	}
	m := cg.members[memberID]
	switch {
	case m == nil:
		return codeUnknownMemberID
	case m.classic == nil && v < 9:
		return codeUnsupportedVersion
	case epoch != m.epoch && m.classic != nil:
		return codeIllegalGeneration
	case epoch != m.epoch:
		return codeStaleMemberEpoch
	}
	return codeNone
}

// validateFetch checks an OffsetFetch v9 of a member
// (ConsumerGroup.validateOffsetFetch); a request without a member id and
// epoch comes from outside the group and is always allowed. Kafka wants
// the id null for that; an empty one is taken as null here too, so that a
// client that writes "" for "none" is not refused.
func (cg *consumerGroup) validateFetch(memberID *string, epoch int32) int16 {
	if deref(memberID) == "" && epoch < 0 {
		return codeNone
	}
	m := cg.members[deref(memberID)]
	switch {
	case m == nil:
		return codeUnknownMemberID
	case epoch != m.epoch:
		return codeStaleMemberEpoch
	}
	return codeNone
}

// nilIfEmpty is s, or nil when s is "".
func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
