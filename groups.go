// This file holds the group coordinator: the part of a broker that lets
// consumers share the partitions of their topics as a group. It follows
// Apache Kafka's classic group protocol (GroupCoordinator.scala and
// GroupMetadata.scala, KIP-62, KIP-345, KIP-394) and, after the coordinator
// itself, has the group APIs that drive it, one section each, in API-key
// order as handlers.go has them; the APIs that list, describe and delete
// groups of every type are in groupadmin.go. The offsets a group commits
// are kept by offsets.go. KIP-848's consumer groups, where the broker assigns, are in
// consumer.go; they share this file's groups and the offset store.
//
// Place in the book: Part II, its first chapter. It assumes Part I: the
// connections and framing of kafka.go and the API sections of handlers.go,
// whose form the group APIs follow.
//
// # How a group forms
//
// A consumer asks FindCoordinator which broker coordinates its group (here
// always this one), then sends JoinGroup with the protocols it can use: for
// consumers, partition assignors such as "range" or "cooperative-sticky",
// each with metadata that lists the topics it subscribes to. The
// coordinator waits until every member it knows has joined, picks a
// protocol they all support, bumps the group's generation and answers all
// the joins at once. One member, the leader, also gets everyone's metadata:
// it computes the assignment on the client side and sends it in SyncGroup,
// and the coordinator hands each member its part in its own SyncGroup
// answer. From then on members send Heartbeat every few seconds; the
// answer REBALANCE_IN_PROGRESS tells them to join again. That is how a new
// member, a leaving one, or one that stopped heartbeating gets the whole
// group to rebalance.
//
//	        JoinGroup                 all rejoined, or rebalance timeout
//	Empty ------------> PreparingRebalance --------------------> CompletingRebalance
//	  ^                   |        ^                                      |
//	  +-- nobody rejoined-+        |                                      | leader's SyncGroup
//	                               |                                      v
//	                               +-- JoinGroup, LeaveGroup, expiry -- Stable
//
// A group that is deleted, or empty with no offsets left, becomes Dead and
// is forgotten.
//
// Design note: JoinGroup and SyncGroup answers wait for other members.
// Kafka parks such requests in a "purgatory" and answers them from
// whichever thread completes the rebalance. Here the handler's goroutine
// waits on a channel that the completing code fills. Blocking the handler
// is right because a connection is served one request at a time, in order
// (Kafka mutes the connection the same way), and it wakes on broker
// shutdown, answering NOT_COORDINATOR so that the client looks for the
// coordinator again. The channels have room for one answer, so the code
// that answers never blocks while it holds the group's lock.
//
// Design note: one mutex per group guards everything about the group,
// offsets included; the coordinator's mutex guards only the map of groups.
// The lock order is group, then coordinator (to remove a dead group); a
// lookup takes the coordinator's lock alone, lets go, then locks the group
// and checks that it did not die in between (lockGroup). Timers (session
// expiry, the rebalance timeout, the initial delay, the wait for
// SyncGroups) run their callbacks on goroutines of their own. Each callback
// takes the group lock and first checks that what it was armed for is still
// current, because Timer.Stop cannot recall a callback that has already
// started and is waiting for the lock.
//
// Design note: committed offsets are kept the way Kafka keeps them, in the
// internal topic __consumer_offsets, as records whose key names the group,
// topic and partition (OffsetCommitKey) and whose value holds the offset
// (OffsetCommitValue). Deleted offsets are written as tombstones, records
// with a null value. At Open the topic is read from the start to rebuild
// the offsets in memory: the last record of a key wins. The topic is
// compacted as Kafka compacts it (cleaner.go), so that only those last
// records stay and the time to read it at startup follows what the groups
// hold now, not every commit ever made (offsets.go, load).
// The topic has one partition, where Kafka has 50
// (offsets.topic.num.partitions) to spread coordinators over brokers.
//
// Design note: group membership survives a restart. Kafka writes a
// GroupMetadata record to __consumer_offsets whenever a group settles
// (Stable with its assignments, or Empty), so that a new coordinator can
// carry on; so does this broker (groupstore.go). After a restart the
// members find the generation they had, heartbeat and sync as before, and
// nobody rebalances; their sessions start over at load.

package kafka

import (
	"cmp"
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// offsetsTopic is the internal topic of committed offsets
// (Topic.GROUP_METADATA_TOPIC_NAME). Metadata marks it IsInternal, and
// Produce and DeleteTopics refuse it.
const offsetsTopic = "__consumer_offsets"

// consumerProtocolType is the protocol type Kafka's consumers use. Other
// clients use groups for their own purposes with other types (Kafka
// Connect's "connect"), and their metadata is opaque. Only for consumer
// groups does the coordinator read the subscription out of the metadata,
// to know which topics a group consumes (OffsetDelete, offset expiry).
const consumerProtocolType = "consumer"

// Limits Kafka hard-codes or configures, with its values.
const (
	// newMemberJoinTimeout is how long a new member's first JoinGroup may
	// wait in a rebalance (GroupCoordinator.NewMemberJoinTimeoutMs). A
	// member cannot heartbeat before it has joined, so without this a
	// client that gave up on its JoinGroup would stay a member of every
	// rebalance until the rebalance timeout.
	newMemberJoinTimeout = 5 * time.Minute

	// maxOffsetMetadata is Kafka's offset.metadata.max.bytes default:
	// the longest metadata string an OffsetCommit may carry, in UTF-16
	// code units, as Kafka counts it (Config.OffsetMetadataMaxBytes).
	maxOffsetMetadata = 4096
)

// groupState is a classic group's state (ClassicGroupState in Kafka).
type groupState int8

const (
	// stateEmpty: no members. The group lives on for its committed
	// offsets, which a consumer that joins later resumes from.
	stateEmpty groupState = iota
	// statePreparingRebalance: the join phase. Heartbeats answer
	// REBALANCE_IN_PROGRESS, and a consumer that gets it rejoins from
	// its next poll.
	statePreparingRebalance
	// stateCompletingRebalance: the generation is bumped and the group
	// waits for the leader's SyncGroup. Heartbeats are answered normally,
	// so members waiting on a slow leader are not sent back to join.
	stateCompletingRebalance
	stateStable
	// stateDead: removed. A goroutine that was waiting for its lock must
	// look the id up again (lockGroup).
	stateDead
)

// String is the state's name as DescribeGroups and ListGroups report it.
func (s groupState) String() string {
	switch s {
	case stateEmpty:
		return "Empty"
	case statePreparingRebalance:
		return "PreparingRebalance"
	case stateCompletingRebalance:
		return "CompletingRebalance"
	case stateStable:
		return "Stable"
	default:
		return "Dead"
	}
}

// member is one member of a group (MemberMetadata in Kafka).
type member struct {
	id         string
	instanceID *string // group.instance.id of a static member (KIP-345)
	clientID   string
	clientHost string
	// The two timeouts bound different silences (KIP-62): a session
	// timeout (session.timeout.ms, 45 s in the Java consumer since 3.0)
	// how long the member may go unheard, a rebalance timeout (the Java
	// consumer sends max.poll.interval.ms) how long its JoinGroup may
	// take, since a consumer rejoins only from its poll loop.
	rebalanceTimeout time.Duration
	sessionTimeout   time.Duration
	protocolType     string
	protocols        []joinGroupProtocol // in the member's order of preference
	// assignment is opaque: the leader's client encodes it, and only the
	// member's own client reads it.
	assignment []byte // from the leader's last SyncGroup
	seq        uint64 // join order, for stable listings

	// awaitingJoin and awaitingSync are the channels of a JoinGroup or
	// SyncGroup that waits for the rebalance; nil when none does.
	awaitingJoin chan joinResult
	awaitingSync chan syncResult

	// isNew is set from a member's first join until the rebalance it
	// joined completes; its session runs on newMemberJoinTimeout.
	isNew bool

	// expiresAt is when the member is removed unless heard from; timer
	// fires at (or after) that moment.
	expiresAt time.Time
	timer     *time.Timer
}

// heartbeatSatisfied reports whether a member counts as alive without a
// heartbeat (MemberMetadata.hasSatisfiedHeartbeat): one that waits in
// JoinGroup or SyncGroup cannot send one, since its connection is busy.
// The rebalance timeout and the pending-sync timeout bound those waits.
func (m *member) heartbeatSatisfied() bool {
	return !m.isNew && (m.awaitingJoin != nil || m.awaitingSync != nil)
}

// matches reports whether protocols are exactly the member's own, names,
// metadata and order.
func (m *member) matches(protocols []joinGroupProtocol) bool {
	return slices.EqualFunc(m.protocols, protocols, func(a, b joinGroupProtocol) bool {
		return a.Name == b.Name && string(a.Metadata) == string(b.Metadata)
	})
}

// metadataFor is the member's metadata for protocol name.
func (m *member) metadataFor(name string) []byte {
	for _, p := range m.protocols {
		if p.Name == name {
			return p.Metadata
		}
	}
	return nil
}

// topicPartition names a partition whose offset a group committed.
type topicPartition struct {
	topic     string
	partition int32
}

// committedOffset is one committed offset (OffsetAndMetadata).
type committedOffset struct {
	offset          int64
	leaderEpoch     int32 // -1 if the client did not say
	metadata        string
	commitTimestamp int64 // ms since the epoch, broker time
	// expireTimestamp is when the offset expires, in ms since the epoch,
	// if its commit named a retention (OffsetCommit v2-4's
	// RetentionTimeMs); 0 if it did not, and the broker's retention
	// applies.
	expireTimestamp int64
}

// group is one group and its offsets (GroupMetadata in Kafka). mu guards
// every field.
type group struct {
	mu sync.Mutex

	id           string
	state        groupState
	stateSince   time.Time // when the state was entered, for offset expiry
	protocolType string    // "" for a group that never had members
	protocolName *string   // the chosen protocol; nil when Empty
	// generation is bumped by every join phase that completes. A request
	// naming another one gets ILLEGAL_GENERATION, so that a member that
	// missed a rebalance cannot commit offsets of partitions that may
	// have moved; the Java consumer then keeps its member id and rejoins.
	generation int32
	leader     string // member id; "" iff there are no members

	members map[string]*member
	// static maps a static member's instance id to its current member id:
	// a restarted instance comes back with the same instance id and no
	// member id, and takes its old place (KIP-345).
	static  map[string]string         // group.instance.id -> member id
	pending map[string]*pendingMember // ids handed out with MEMBER_ID_REQUIRED
	nextSeq uint64

	// The join phase (PreparingRebalance). joinSeq identifies the current
	// timer; joinDelayed is set while the initial delay runs, during which
	// the phase ends only by its timer; newMemberAdded extends that delay
	// (InitialDelayedJoin).
	joinTimer      *time.Timer
	joinSeq        uint64
	joinDelayed    bool
	newMemberAdded bool

	// The sync phase: members of the new generation that have not sent
	// SyncGroup yet, and the timer that removes them (DelayedSync).
	pendingSync map[string]bool
	syncTimer   *time.Timer
	syncSeq     uint64

	// subscribed is the union of the members' subscriptions, for consumer
	// groups whose metadata parsed; nil when unknown.
	subscribed map[string]bool

	offsets map[topicPartition]committedOffset

	// stored is the group's state as last written to __consumer_offsets,
	// record key to value (groupstore.go); memberOrder is, during load
	// only, the order members first appeared in.
	stored      map[groupRecordKey][]byte
	memberOrder map[string]int

	// consumer is the KIP-848 state of a consumer group (consumer.go);
	// nil for a classic group.
	consumer *consumerGroup
}

// pendingMember is a member id handed out with MEMBER_ID_REQUIRED whose
// holder has not joined with it yet (KIP-394).
type pendingMember struct{ timer *time.Timer }

func newGroup(id string, now time.Time) *group {
	return &group{
		id:          id,
		state:       stateEmpty,
		stateSince:  now,
		members:     make(map[string]*member),
		static:      make(map[string]string),
		pending:     make(map[string]*pendingMember),
		pendingSync: make(map[string]bool),
		offsets:     make(map[topicPartition]committedOffset),
		stored:      make(map[groupRecordKey][]byte),
		memberOrder: make(map[string]int),
	}
}

// coordinator is the group coordinator of the broker: every group, and the
// log their offsets are kept in.
type coordinator struct {
	cfg     Config
	log     *slog.Logger
	logs    *logDir
	offsets *partitionLog // partition 0 of __consumer_offsets
	// down is why offsets did not open at start (unavailable), nil if
	// it did; the group APIs are then refused (coordinatorDown).
	down   error
	notify func() // wakes fetches after a write to offsets
	now    func() time.Time
	// syncCommits makes every write to __consumer_offsets durable before
	// the commit is answered (-fsync always), as a produce is.
	syncCommits bool
	// groupConfigs is what groups set with the config APIs
	// (groupconfigs.go); nil in tests that build a coordinator alone.
	groupConfigs *configStore
	// pendingTxnOffsets is txnCoordinator.pendingOffsets, which offset
	// expiry asks (offsets.go); nil in tests without transactions.
	pendingTxnOffsets func(group string) map[topicPartition]bool
	closed            atomic.Bool
	// loaded is how many records load replayed: with __consumer_offsets
	// compacted (cleaner.go), about one per live group and partition.
	loaded int

	mu     sync.Mutex
	groups map[string]*group
}

// lockGroup returns the group, locked, creating it (Empty) if create is
// set; or nil if it does not exist and create is not set. A group found
// Dead was removed while we waited for its lock; looking again finds its
// successor or nothing.
func (c *coordinator) lockGroup(id string, create bool) *group {
	for {
		c.mu.Lock()
		g := c.groups[id]
		if g == nil && create {
			g = newGroup(id, c.now())
			c.groups[id] = g
		}
		c.mu.Unlock()
		if g == nil {
			return nil
		}
		g.mu.Lock()
		if g.state != stateDead {
			return g
		}
		g.mu.Unlock()
	}
}

// allGroups returns every group, sorted by id, unlocked.
func (c *coordinator) allGroups() []*group {
	c.mu.Lock()
	defer c.mu.Unlock()
	gs := slices.Collect(maps.Values(c.groups))
	slices.SortFunc(gs, func(a, b *group) int { return strings.Compare(a.id, b.id) })
	return gs
}

// removeGroup marks g Dead and forgets it. The caller holds g.mu.
func (c *coordinator) removeGroup(g *group) {
	g.state = stateDead
	g.stopTimers()
	c.storeGroup(g) // tombstones for its state
	c.mu.Lock()
	if c.groups[g.id] == g {
		delete(c.groups, g.id)
	}
	c.mu.Unlock()
}

// maybeRemoveGroup removes a group that is empty and has no offsets left
// (GroupMetadataManager.cleanupGroupMetadata). A group with pending member
// ids is kept: its holders are about to join with them, and a join naming
// a member of a group that does not exist gets UNKNOWN_MEMBER_ID.
func (c *coordinator) maybeRemoveGroup(g *group) {
	if g.state == stateEmpty && len(g.offsets) == 0 && len(g.pending) == 0 && (g.consumer == nil || len(g.consumer.members) == 0) {
		c.removeGroup(g)
	}
}

// close stops every timer. Serve calls it after the last handler returned.
func (c *coordinator) close() {
	c.closed.Store(true)
	for _, g := range c.allGroups() {
		g.mu.Lock()
		g.stopTimers()
		g.mu.Unlock()
	}
}

func (g *group) stopTimers() {
	stopTimer(g.joinTimer)
	stopTimer(g.syncTimer)
	for _, m := range g.members {
		stopTimer(m.timer)
	}
	for _, p := range g.pending {
		stopTimer(p.timer)
	}
	if g.consumer != nil {
		g.consumer.stopTimers()
	}
}

func stopTimer(t *time.Timer) {
	if t != nil {
		t.Stop()
	}
}

// afterFunc is time.AfterFunc, except that after close it arms nothing.
func (c *coordinator) afterFunc(d time.Duration, f func()) *time.Timer {
	if c.closed.Load() {
		return nil
	}
	return time.AfterFunc(d, f)
}

func (g *group) transition(s groupState, now time.Time) {
	g.state, g.stateSince = s, now
}

// sortedMembers lists the members in the order they joined.
func (g *group) sortedMembers() []*member {
	ms := slices.Collect(maps.Values(g.members))
	slices.SortFunc(ms, func(a, b *member) int { return cmp.Compare(a.seq, b.seq) })
	return ms
}

// add makes m a member. The first member sets the group's protocol type
// and becomes the leader. Later members must match that type
// (supportsProtocols): one group serves one kind of client at a time, a
// consumer's assignment meaning nothing to Kafka Connect, say.
func (g *group) add(m *member) {
	if len(g.members) == 0 {
		g.protocolType = m.protocolType
	}
	g.nextSeq++
	m.seq = g.nextSeq
	g.members[m.id] = m
	if m.instanceID != nil {
		g.static[*m.instanceID] = m.id
	}
	if g.leader == "" {
		g.leader = m.id
	}
}

// remove takes m out of the group, without answering its requests (see
// coordinator.removeMember). A leader that leaves is replaced by the
// member that joined first.
func (g *group) remove(m *member) {
	delete(g.members, m.id)
	if m.instanceID != nil && g.static[*m.instanceID] == m.id {
		delete(g.static, *m.instanceID)
	}
	delete(g.pendingSync, m.id)
	stopTimer(m.timer)
	if g.leader == m.id {
		g.leader = ""
		if ms := g.sortedMembers(); len(ms) > 0 {
			g.leader = ms[0].id
		}
	}
}

// validateMember checks that memberID is a member and, for a static member,
// that instanceID still maps to it: a newer instance with the same
// group.instance.id fences the older one (validateCurrentMember).
func (g *group) validateMember(memberID string, instanceID *string) int16 {
	if instanceID != nil {
		current, ok := g.static[*instanceID]
		switch {
		case !ok:
			return codeUnknownMemberID
		case current != memberID:
			return codeFencedInstanceID
		}
	}
	if g.members[memberID] == nil {
		return codeUnknownMemberID
	}
	return codeNone
}

// supportsProtocols reports whether a member with these protocols may
// join: a group without members takes any non-empty protocol type and
// list; otherwise the type must match and one of the protocols must be one
// every member supports.
func (g *group) supportsProtocols(protocolType string, protocols []joinGroupProtocol) bool {
	if protocolType == "" || len(protocols) == 0 {
		return false
	}
	if len(g.members) == 0 {
		return true
	}
	if protocolType != g.protocolType {
		return false
	}
	return slices.ContainsFunc(protocols, func(p joinGroupProtocol) bool { return g.allSupport(p.Name) })
}

func (g *group) allSupport(protocol string) bool {
	for _, m := range g.members {
		if !slices.ContainsFunc(m.protocols, func(p joinGroupProtocol) bool { return p.Name == protocol }) {
			return false
		}
	}
	return true
}

// selectProtocol picks the protocol of the next generation
// (GroupMetadata.selectProtocol): among the protocols every member
// supports, each member votes for the one it prefers most, and the most
// votes win. Kafka breaks ties arbitrarily; here the first member's
// preference does, so that the choice is reproducible.
func (g *group) selectProtocol() string {
	ms := g.sortedMembers()
	if len(ms) == 0 {
		return ""
	}
	var candidates []string
	for _, p := range ms[0].protocols {
		if g.allSupport(p.Name) && !slices.Contains(candidates, p.Name) {
			candidates = append(candidates, p.Name)
		}
	}
	if len(candidates) == 0 {
		return ""
	}
	votes := make(map[string]int)
	for _, m := range ms {
		for _, p := range m.protocols {
			if slices.Contains(candidates, p.Name) {
				votes[p.Name]++
				break
			}
		}
	}
	best := candidates[0]
	for _, name := range candidates[1:] {
		if votes[name] > votes[best] {
			best = name
		}
	}
	return best
}

// rebalanceTimeout is the longest rebalance timeout of the members: the
// join phase waits that long for the slowest one. A shorter wait would
// drop a consumer that is still processing its last poll's records and
// will rejoin, and cost the group a second rebalance when it does.
func (g *group) rebalanceTimeout() time.Duration {
	var d time.Duration
	for _, m := range g.members {
		d = max(d, m.rebalanceTimeout)
	}
	return d
}

// allJoined reports whether every member, and every holder of a pending
// member id, has sent its JoinGroup (hasAllMembersJoined).
func (g *group) allJoined() bool {
	// A pending id's holder is sending its second JoinGroup right now:
	// ending the phase without it would cost a second rebalance at once.
	if len(g.pending) > 0 {
		return false
	}
	for _, m := range g.members {
		if m.awaitingJoin == nil {
			return false
		}
	}
	return true
}

// memberList is what the leader's JoinGroup answer carries: every member
// with its metadata for the chosen protocol.
func (g *group) memberList() []joinGroupResponseMember {
	ms := g.sortedMembers()
	list := make([]joinGroupResponseMember, len(ms))
	for i, m := range ms {
		list[i] = joinGroupResponseMember{MemberID: m.id, GroupInstanceID: m.instanceID, Metadata: m.metadataFor(deref(g.protocolName))}
	}
	return list
}

// subscribedTopics is the union of the topics the members of a consumer
// group subscribe to, read from their metadata for the chosen protocol
// (computeSubscribedTopics), or nil if unknown.
func (g *group) subscribedTopics() map[string]bool {
	if g.protocolType != consumerProtocolType || g.protocolName == nil || len(g.members) == 0 {
		return nil
	}
	topics := make(map[string]bool)
	for _, m := range g.members {
		ts, err := parseSubscription(m.metadataFor(*g.protocolName))
		if err != nil {
			return nil
		}
		for _, t := range ts {
			topics[t] = true
		}
	}
	return topics
}

// parseSubscription reads the topics of a consumer's subscription
// (ConsumerProtocolSubscription.json): a version, then the topics as an
// array of strings. Every version starts that way and none is flexible, so
// the rest (user data, owned partitions, generation, rack) can be left
// unread.
func parseSubscription(b []byte) ([]string, error) {
	r := newReader(b, false)
	r.Int16() // version
	topics := r.Strings()
	return topics, r.err
}

// invokeJoin answers m's waiting JoinGroup, if any.
func (g *group) invokeJoin(m *member, res joinResult) bool {
	if m.awaitingJoin == nil {
		return false
	}
	m.awaitingJoin <- res
	m.awaitingJoin = nil
	return true
}

// invokeSync answers m's waiting SyncGroup, if any.
func (g *group) invokeSync(m *member, res syncResult) bool {
	if m.awaitingSync == nil {
		return false
	}
	m.awaitingSync <- res
	m.awaitingSync = nil
	return true
}

// setAwaitingJoin parks a JoinGroup of m. A JoinGroup of the same member
// already waiting, which its client must have given up on, is answered
// REBALANCE_IN_PROGRESS; Kafka drops it unanswered, but here it is a
// goroutine that would wait until shutdown.
func (g *group) setAwaitingJoin(m *member, ch chan joinResult) {
	g.invokeJoin(m, joinResult{errorCode: codeRebalanceInProgress, memberID: m.id, generation: -1})
	m.awaitingJoin = ch
}

// Member sessions.
//
// A member must be heard from, by Heartbeat, JoinGroup, SyncGroup or
// OffsetCommit, within its session timeout, or it is removed and the
// others rebalance (KIP-62). Kafka keeps a delayed operation per member in
// its heartbeat purgatory; here each member has a timer that is pushed back
// every time the member is heard from.

// scheduleExpiry gives m until d from now (completeAndScheduleNextExpiration).
//
// The timer and a heartbeat can race: the timer fires, and its callback
// waits for the group lock that the heartbeat holds; the heartbeat moves
// expiresAt and calls Reset, which re-arms the timer even though its
// callback is already running. The callback, once it has the lock, sees
// expiresAt in the future and only re-arms the timer; the member stays.
func (c *coordinator) scheduleExpiry(g *group, m *member, d time.Duration) {
	m.expiresAt = time.Now().Add(d)
	if m.timer == nil {
		m.timer = c.afterFunc(d, func() { c.expireMember(g, m) })
	} else {
		m.timer.Reset(d)
	}
}

func (c *coordinator) expireMember(g *group, m *member) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state == stateDead || g.members[m.id] != m {
		return // removed or replaced meanwhile
	}
	if wait := time.Until(m.expiresAt); wait > 0 {
		m.timer.Reset(wait)
		return
	}
	if m.heartbeatSatisfied() {
		// Re-armed when its JoinGroup or SyncGroup is answered.
		return
	}
	c.log.Info("group member session expired", "group", g.id, "member", m.id)
	c.removeMember(g, m)
}

// addPending remembers a member id handed out with MEMBER_ID_REQUIRED
// until its holder joins with it or its session timeout passes
// (addPendingMemberExpiration). While it is pending, a join phase waits
// for it.
func (c *coordinator) addPending(g *group, id string, session time.Duration) {
	p := &pendingMember{}
	p.timer = c.afterFunc(session, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.state == stateDead || g.pending[id] != p {
			return
		}
		delete(g.pending, id)
		c.maybeCompleteJoin(g)
	})
	g.pending[id] = p
}

// removeMember removes m and tells the rest of the group
// (removeMemberAndUpdateGroup). A JoinGroup or SyncGroup of m that is
// waiting gets UNKNOWN_MEMBER_ID, so that its client, if still there,
// joins again.
func (c *coordinator) removeMember(g *group, m *member) {
	g.invokeJoin(m, joinResult{errorCode: codeUnknownMemberID, generation: -1})
	g.invokeSync(m, syncResult{errorCode: codeUnknownMemberID})
	g.remove(m)
	switch g.state {
	case stateStable, stateCompletingRebalance:
		c.prepareRebalance(g)
	case statePreparingRebalance:
		c.maybeCompleteJoin(g)
	}
}

// Rebalances.

// prepareRebalance starts a join phase: every member must join again
// (GroupCoordinator.prepareRebalance). SyncGroups waiting for the leader's
// assignment are answered REBALANCE_IN_PROGRESS, which sends their members
// back to JoinGroup; the others learn of the rebalance from their next
// Heartbeat.
//
// A group that was Empty waits GroupInitialRebalanceDelay first, longer
// while new members keep arriving, up to the rebalance timeout
// (InitialDelayedJoin, KIP-134): consumers started together then share one
// rebalance. Otherwise the phase ends as soon as every member has joined,
// or when the rebalance timeout passes.
func (c *coordinator) prepareRebalance(g *group) {
	// An assignment the leader computed for the old membership must not
	// reach anyone: the members waiting in SyncGroup get
	// REBALANCE_IN_PROGRESS, on which the Java consumer rejoins at once.
	if g.state == stateCompletingRebalance {
		for _, m := range g.members {
			m.assignment = nil
		}
		c.propagateAssignment(g, codeRebalanceInProgress)
	}
	g.syncSeq++
	stopTimer(g.syncTimer)
	clear(g.pendingSync)

	wasEmpty := g.state == stateEmpty
	g.transition(statePreparingRebalance, c.now())
	if delay := c.cfg.GroupInitialRebalanceDelay; wasEmpty && delay > 0 {
		remaining := max(g.rebalanceTimeout()-delay, 0)
		g.joinDelayed = true
		c.armJoinTimer(g, delay, func() { c.initialDelayExpired(g, remaining) })
		return
	}
	g.joinDelayed = false
	c.armJoinTimer(g, g.rebalanceTimeout(), func() { c.completeJoin(g) })
	c.maybeCompleteJoin(g) // e.g. the last member just left
}

// armJoinTimer runs f, with the group locked, after d, unless the join
// phase has moved on by then.
func (c *coordinator) armJoinTimer(g *group, d time.Duration, f func()) {
	g.joinSeq++
	seq := g.joinSeq
	stopTimer(g.joinTimer)
	g.joinTimer = c.afterFunc(d, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.joinSeq == seq && g.state == statePreparingRebalance {
			f()
		}
	})
}

// initialDelayExpired ends the initial delay, or extends it if a member
// arrived during it and the rebalance timeout leaves room.
func (c *coordinator) initialDelayExpired(g *group, remaining time.Duration) {
	if g.newMemberAdded && remaining > 0 {
		g.newMemberAdded = false
		d := min(c.cfg.GroupInitialRebalanceDelay, remaining)
		rest := max(remaining-d, 0)
		c.armJoinTimer(g, d, func() { c.initialDelayExpired(g, rest) })
		return
	}
	g.joinDelayed = false
	c.completeJoin(g)
}

// maybeCompleteJoin ends the join phase if nobody is left to wait for.
func (c *coordinator) maybeCompleteJoin(g *group) {
	if g.state == statePreparingRebalance && !g.joinDelayed && g.allJoined() {
		c.completeJoin(g)
	}
}

// completeJoin ends the join phase (onCompleteJoin). Dynamic members that
// did not join again are removed; static ones keep their place, since
// their instance may be restarting (KIP-345). Then the generation is
// bumped, a protocol chosen, and every waiting JoinGroup answered, the
// leader's with the member list. If no member at all joined again, the
// phase starts over and waits for sessions to expire.
//
// A member whose first JoinGroup got MEMBER_ID_REQUIRED is not a member
// yet. If the phase ends without it (the rebalance timeout passed), its id
// stays pending, so its JoinGroup, arriving now, is accepted and starts
// the next rebalance instead of getting UNKNOWN_MEMBER_ID. Several fake
// brokers got this wrong and broke clients whose members join in a burst.
func (c *coordinator) completeJoin(g *group) {
	g.joinSeq++
	stopTimer(g.joinTimer)
	g.joinTimer, g.joinDelayed, g.newMemberAdded = nil, false, false
	for _, m := range g.sortedMembers() {
		if m.awaitingJoin == nil && m.instanceID == nil {
			c.log.Info("group member did not rejoin", "group", g.id, "member", m.id)
			g.remove(m)
		}
	}
	if len(g.members) > 0 && !g.electJoinedLeader() {
		c.armJoinTimer(g, g.rebalanceTimeout(), func() { c.completeJoin(g) })
		return
	}

	// The generation is bumped even when nobody is left, as Kafka's
	// initNextGeneration does: a number is never used for two different
	// memberships.
	g.generation++
	now := c.now()
	if len(g.members) == 0 {
		g.protocolName, g.subscribed = nil, nil
		g.transition(stateEmpty, now)
		c.storeGroup(g)
		return
	}
	g.protocolName = ptr(g.selectProtocol())
	g.subscribed = g.subscribedTopics()
	g.transition(stateCompletingRebalance, now)
	c.log.Info("group rebalanced", "group", g.id, "generation", g.generation, "members", len(g.members), "protocol", *g.protocolName)
	// Only the leader gets the member list: the members' metadata is
	// what the assignor needs, and nobody else runs it.
	for _, m := range g.sortedMembers() {
		res := g.joinAnswer(m.id)
		if m.id == g.leader {
			res.members = g.memberList()
		}
		g.invokeJoin(m, res)
		c.scheduleExpiry(g, m, m.sessionTimeout)
		m.isNew = false
		g.pendingSync[m.id] = true
	}
	c.armSyncTimer(g)
}

// electJoinedLeader keeps the leader if it joined again, or else makes
// another member that did the leader (maybeElectNewJoinedLeader). It
// reports false if no member joined again.
func (g *group) electJoinedLeader() bool {
	if l := g.members[g.leader]; l != nil && l.awaitingJoin != nil {
		return true
	}
	for _, m := range g.sortedMembers() {
		if m.awaitingJoin != nil {
			g.leader = m.id
			return true
		}
	}
	return false
}

// joinAnswer is the JoinGroup answer of the current generation, without
// the member list.
func (g *group) joinAnswer(memberID string) joinResult {
	return joinResult{
		generation:   g.generation,
		protocolType: ptr(g.protocolType),
		protocolName: g.protocolName,
		leader:       g.leader,
		memberID:     memberID,
	}
}

// armSyncTimer gives the members of a new generation the rebalance timeout
// to send SyncGroup (DelayedSync, KAFKA-13127). Those that did not, even
// if they heartbeat, are removed and the group rebalances again: without
// this, a leader that never sent its assignment would hold the group in
// CompletingRebalance for good.
func (c *coordinator) armSyncTimer(g *group) {
	g.syncSeq++
	seq, gen := g.syncSeq, g.generation
	g.syncTimer = c.afterFunc(g.rebalanceTimeout(), func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.syncSeq != seq || g.generation != gen || len(g.pendingSync) == 0 {
			return
		}
		if g.state != stateCompletingRebalance && g.state != stateStable {
			return
		}
		for _, id := range slices.Sorted(maps.Keys(g.pendingSync)) {
			if m := g.members[id]; m != nil {
				c.log.Info("group member did not sync", "group", g.id, "member", id)
				g.invokeJoin(m, joinResult{errorCode: codeUnknownMemberID, generation: -1})
				g.remove(m)
			}
		}
		c.prepareRebalance(g)
	})
}

// propagateAssignment answers every waiting SyncGroup with the member's
// assignment, or with code and an empty one. Answered members' sessions
// start again from now: they could not heartbeat while they waited.
func (c *coordinator) propagateAssignment(g *group, code int16) {
	for _, m := range g.sortedMembers() {
		res := syncResult{errorCode: code, assignment: m.assignment}
		if code == codeNone {
			res.protocolType, res.protocolName = ptr(g.protocolType), g.protocolName
		}
		if g.invokeSync(m, res) {
			c.scheduleExpiry(g, m, m.sessionTimeout)
		}
	}
}

// newMemberID makes a member id as Kafka does: the client id (or, for a
// static member, the group.instance.id), a dash and a random UUID.
func newMemberID(prefix string) string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%s-%x-%x-%x-%x-%x", prefix, u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// FindCoordinator: v0-6 (FindCoordinatorRequest.json, FindCoordinatorResponse.json)
//
//	v1: KeyType (0 a group, 1 a transactional id); ThrottleTimeMs and ErrorMessage
//	v3: flexible
//	v4: several keys in one request, CoordinatorKeys and Coordinators (KIP-699)
//	v5: no change (TRANSACTION_ABORTABLE may be returned, KIP-890)
//	v6: KeyType 2, share groups (KIP-932)
//
// A client asks which broker coordinates its group, or its transactional
// id, before it sends the group's (or transaction's) requests there. This
// broker coordinates everything, so it names itself.
//
// The errors are KafkaApis.getCoordinator's: a key type other than these
// three fails the whole request with INVALID_REQUEST, and a share key
// before v6 is INVALID_REQUEST for that key.
type findCoordinatorRequest struct {
	Key             string
	KeyType         int8
	CoordinatorKeys []string
}

func (m *findCoordinatorRequest) decode(r *reader, v int16) {
	if v <= 3 {
		m.Key = r.String()
	}
	if v >= 1 {
		m.KeyType = r.Int8()
	}
	if v >= 4 {
		m.CoordinatorKeys = r.Strings()
	}
	r.SkipTags()
}

type findCoordinatorResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ErrorMessage   *string
	NodeID         int32
	Host           string
	Port           int32
	Coordinators   []coordinatorAnswer
}

type coordinatorAnswer struct {
	Key          string
	NodeID       int32
	Host         string
	Port         int32
	ErrorCode    int16
	ErrorMessage *string
}

func (m *findCoordinatorResponse) encode(w *writer, v int16) {
	if v >= 1 {
		w.Int32(m.ThrottleTimeMs)
	}
	if v <= 3 {
		w.Int16(m.ErrorCode)
		if v >= 1 {
			w.NullableString(m.ErrorMessage)
		}
		w.Int32(m.NodeID)
		w.String(m.Host)
		w.Int32(m.Port)
	}
	if v >= 4 {
		writeArrayNonNull(w, m.Coordinators, func(w *writer, c coordinatorAnswer) {
			w.String(c.Key)
			w.Int32(c.NodeID)
			w.String(c.Host)
			w.Int32(c.Port)
			w.Int16(c.ErrorCode)
			w.NullableString(c.ErrorMessage)
			w.Tags()
		})
	}
	w.Tags()
}

// Coordinator key types of FindCoordinator (CoordinatorType.java).
const (
	coordinatorGroup       = 0
	coordinatorTransaction = 1
	coordinatorShare       = 2 // KIP-932's share coordinator, keyed "group:topicId:partition"
)

func (b *Broker) handleFindCoordinator(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*findCoordinatorRequest)
	v := rc.header.APIVersion
	if req.KeyType < coordinatorGroup || req.KeyType > coordinatorShare {
		// CoordinatorType.forId throws on any other type, which fails the
		// request as a whole.
		return findCoordinatorRefusal(req, v, codeInvalidRequest)
	}
	// The address is the listener's advertised one (or, without one, the
	// one the client reached), as Metadata names this broker, so the
	// client finds the coordinator among the brokers it knows. A group
	// that does not exist yet has a coordinator all the same: the first
	// JoinGroup there creates it.
	host, port := rc.advertisedHostPort()
	answer := func(key string) coordinatorAnswer {
		// Share coordinator keys came with v6 (KIP-932);
		// KafkaApis.getCoordinator refuses them before.
		if req.KeyType == coordinatorShare && v < 6 {
			return noCoordinator(key, codeInvalidRequest)
		}
		if b.coordinatorDown(req.KeyType) {
			return noCoordinator(key, codeCoordinatorNotAvailable)
		}
		return coordinatorAnswer{Key: key, NodeID: b.cfg.NodeID, Host: host, Port: port}
	}
	if v >= 4 {
		resp := &findCoordinatorResponse{Coordinators: make([]coordinatorAnswer, len(req.CoordinatorKeys))}
		for i, key := range req.CoordinatorKeys {
			resp.Coordinators[i] = answer(key)
		}
		return resp
	}
	return oldFindCoordinatorResponse(answer(req.Key))
}

// noCoordinator is a key's answer of no coordinator, with Node.noNode():
// id -1, no host, port -1. From v4 a key's error has no message, as
// KafkaApis.handleFindCoordinatorRequestV4AndAbove sets none.
func noCoordinator(key string, code int16) coordinatorAnswer {
	return coordinatorAnswer{Key: key, NodeID: -1, Port: -1, ErrorCode: code}
}

// oldFindCoordinatorResponse is the single answer of v0-3, whose message
// is Errors.message(): the code's default message, or the enum's name,
// "NONE", without an error (FindCoordinatorResponse.prepareOldResponse).
func oldFindCoordinatorResponse(a coordinatorAnswer) *findCoordinatorResponse {
	msg := "NONE"
	if a.ErrorCode != codeNone {
		msg = defaultErrorMessage(a.ErrorCode)
	}
	return &findCoordinatorResponse{ErrorCode: a.ErrorCode, ErrorMessage: &msg, NodeID: a.NodeID, Host: a.Host, Port: a.Port}
}

// findCoordinatorRefusal is FindCoordinatorRequest.getErrorResponse: the
// one answer before v4, and from v4 every key with the default message.
func findCoordinatorRefusal(req *findCoordinatorRequest, v int16, code int16) *findCoordinatorResponse {
	if v < 4 {
		return oldFindCoordinatorResponse(noCoordinator(req.Key, code))
	}
	resp := &findCoordinatorResponse{Coordinators: make([]coordinatorAnswer, len(req.CoordinatorKeys))}
	for i, key := range req.CoordinatorKeys {
		resp.Coordinators[i] = noCoordinator(key, code)
		resp.Coordinators[i].ErrorMessage = ptr(defaultErrorMessage(code))
	}
	return resp
}

// JoinGroup: v0-9 (JoinGroupRequest.json, JoinGroupResponse.json)
//
//	v1: RebalanceTimeoutMs, apart from the session timeout (KIP-62)
//	v2: ThrottleTimeMs
//	v4: a member without an id gets MEMBER_ID_REQUIRED and an id, and joins again with it (KIP-394)
//	v5: GroupInstanceId, static membership (KIP-345)
//	v6: flexible
//	v7: ProtocolType in the response; ProtocolName nullable (KIP-559)
//	v8: Reason (KIP-800)
//	v9: SkipAssignment, for a static leader that rejoins a stable group (KIP-814)
//
// The answer waits until the join phase of the rebalance ends: when every
// member has joined, or the rebalance timeout has passed (see
// coordinator.completeJoin). Then the leader gets the list of members and
// their metadata, and every member the new generation.
// A member that would take the group past group.max.size is refused
// with GROUP_MAX_SIZE_REACHED (acceptJoiningMember).
type joinGroupRequest struct {
	GroupID            string
	SessionTimeoutMs   int32
	RebalanceTimeoutMs int32
	MemberID           string
	GroupInstanceID    *string
	ProtocolType       string
	Protocols          []joinGroupProtocol
	Reason             *string
}

type joinGroupProtocol struct {
	Name     string
	Metadata []byte
}

func (m *joinGroupRequest) decode(r *reader, v int16) {
	m.GroupID = r.String()
	m.SessionTimeoutMs = r.Int32()
	m.RebalanceTimeoutMs = -1
	if v >= 1 {
		m.RebalanceTimeoutMs = r.Int32()
	}
	m.MemberID = r.String()
	if v >= 5 {
		m.GroupInstanceID = r.NullableString()
	}
	m.ProtocolType = r.String()
	m.Protocols = readArray(r, func(r *reader) (p joinGroupProtocol) {
		p.Name = r.String()
		p.Metadata = r.Bytes()
		r.SkipTags()
		return p
	})
	if v >= 8 {
		m.Reason = r.NullableString()
	}
	r.SkipTags()
}

type joinGroupResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	GenerationID   int32
	ProtocolType   *string
	ProtocolName   *string
	Leader         string
	SkipAssignment bool
	MemberID       string
	Members        []joinGroupResponseMember
}

type joinGroupResponseMember struct {
	MemberID        string
	GroupInstanceID *string
	Metadata        []byte
}

func (m *joinGroupResponse) encode(w *writer, v int16) {
	if v >= 2 {
		w.Int32(m.ThrottleTimeMs)
	}
	w.Int16(m.ErrorCode)
	w.Int32(m.GenerationID)
	if v >= 7 {
		w.NullableString(m.ProtocolType)
		w.NullableString(m.ProtocolName)
	} else {
		w.String(deref(m.ProtocolName))
	}
	w.String(m.Leader)
	if v >= 9 {
		w.Bool(m.SkipAssignment)
	}
	w.String(m.MemberID)
	writeArrayNonNull(w, m.Members, func(w *writer, mm joinGroupResponseMember) {
		w.String(mm.MemberID)
		if v >= 5 {
			w.NullableString(mm.GroupInstanceID)
		}
		w.Bytes(nonNil(mm.Metadata))
		w.Tags()
	})
	w.Tags()
}

// nonNil turns a nil byte slice into an empty one, for bytes fields the
// schema does not let be null.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// joinResult is the coordinator's answer to a JoinGroup.
type joinResult struct {
	errorCode      int16
	generation     int32
	protocolType   *string
	protocolName   *string
	leader         string
	skipAssignment bool
	memberID       string
	members        []joinGroupResponseMember
}

func (res joinResult) response() *joinGroupResponse {
	return &joinGroupResponse{
		ErrorCode:      res.errorCode,
		GenerationID:   res.generation,
		ProtocolType:   res.protocolType,
		ProtocolName:   res.protocolName,
		Leader:         res.leader,
		SkipAssignment: res.skipAssignment,
		MemberID:       res.memberID,
		Members:        res.members,
	}
}

func (b *Broker) handleJoinGroup(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*joinGroupRequest)
	if code := b.shares.claimCode(req.GroupID); code != codeNone { // one namespace for every kind of group
		return joinResult{errorCode: code, memberID: req.MemberID, generation: -1}.response()
	}
	ch := b.groups.join(req, rc.header.APIVersion, rc.clientID(), rc.clientHost())
	defer rc.parkedSince(time.Now())
	select {
	case res := <-ch:
		return res.response()
	case <-ctx.Done():
		return joinResult{errorCode: codeNotCoordinator, memberID: req.MemberID, generation: -1}.response()
	}
}

// joiner is a JoinGroup being handled: the request and what goes with it.
type joiner struct {
	req              *joinGroupRequest
	version          int16
	clientID         string
	clientHost       string
	sessionTimeout   time.Duration
	rebalanceTimeout time.Duration
	ch               chan joinResult
}

func (j *joiner) reply(code int16, memberID string) {
	j.ch <- joinResult{errorCode: code, memberID: memberID, generation: -1}
}

func (j *joiner) newMember(id string) *member {
	return &member{
		id:               id,
		instanceID:       j.req.GroupInstanceID,
		clientID:         j.clientID,
		clientHost:       j.clientHost,
		rebalanceTimeout: j.rebalanceTimeout,
		sessionTimeout:   j.sessionTimeout,
		protocolType:     j.req.ProtocolType,
		protocols:        j.req.Protocols,
	}
}

// join handles a JoinGroup (handleJoinGroup). The returned channel gets
// the answer, now or when the join phase ends.
func (c *coordinator) join(req *joinGroupRequest, v int16, clientID, clientHost string) <-chan joinResult {
	j := &joiner{
		req:              req,
		version:          v,
		clientID:         clientID,
		clientHost:       clientHost,
		sessionTimeout:   time.Duration(req.SessionTimeoutMs) * time.Millisecond,
		rebalanceTimeout: time.Duration(req.RebalanceTimeoutMs) * time.Millisecond,
		ch:               make(chan joinResult, 1),
	}
	if v == 0 {
		// Before KIP-62 the session timeout bounded the rebalance too.
		j.rebalanceTimeout = j.sessionTimeout
	}
	// INVALID_GROUP_ID, INVALID_SESSION_TIMEOUT and, below,
	// INCONSISTENT_GROUP_PROTOCOL and GROUP_MAX_SIZE_REACHED are fatal to
	// the Java consumer: poll throws, since joining again the same way
	// would fail the same way. A session timeout outside
	// group.min.session.timeout.ms and group.max.session.timeout.ms is a
	// client setting to fix.
	if req.GroupID == "" {
		j.reply(codeInvalidGroupID, req.MemberID)
		return j.ch
	}
	if j.sessionTimeout < c.cfg.GroupMinSessionTimeout || j.sessionTimeout > c.cfg.GroupMaxSessionTimeout {
		j.reply(codeInvalidSessionTimeout, req.MemberID)
		return j.ch
	}
	// Only a member without an id creates a group: an id names a
	// member of a group that existed.
	g := c.lockGroup(req.GroupID, req.MemberID == "")
	// UNKNOWN_MEMBER_ID makes the Java consumer drop its member id and
	// join again at once as a new member, which creates the group.
	if g == nil {
		j.reply(codeUnknownMemberID, req.MemberID)
		return j.ch
	}
	defer g.mu.Unlock()
	if g.consumer != nil {
		// A KIP-848 consumer group (consumer.go). With members it takes
		// the classic member in (migration.go); an empty one becomes
		// classic, offsets kept.
		if len(g.consumer.members) > 0 {
			c.classicJoinToConsumer(g, j)
			return j.ch
		}
		g.consumer, g.protocolType = nil, ""
	}
	// group.max.size is checked before the protocols, as in Kafka's
	// classicGroupJoinToClassicGroup.
	switch {
	case !c.acceptJoiningMember(g, req.MemberID, req.GroupInstanceID):
		// Refused, and out of the group if it was in (Kafka's
		// group.remove): the join phase does not wait for it.
		if p := g.pending[req.MemberID]; p != nil {
			stopTimer(p.timer)
			delete(g.pending, req.MemberID)
		}
		if m := g.members[req.MemberID]; m != nil {
			c.removeMember(g, m)
		}
		j.reply(codeGroupMaxSizeReached, "")
	case !g.supportsProtocols(req.ProtocolType, req.Protocols):
		j.reply(codeInconsistentGroupProtocol, req.MemberID)
	case req.MemberID == "":
		c.joinNewMember(g, j)
	default:
		c.joinKnownMember(g, j)
	}
	c.maybeCompleteJoin(g)
	return j.ch
}

// acceptJoiningMember reports whether a JoinGroup fits in group.max.size
// (GroupMetadataManager.acceptJoiningMember). During a join phase the
// members already waiting count, not all members: the group may be over a
// limit that was lowered, and the last to rejoin are the ones left out.
// Otherwise a member is accepted, and a new one only below the limit. A
// static member's new instance takes the old one's place, so it is
// accepted too, where Kafka 4.0, which looks at the member id alone,
// refuses the restarted instance of a full group GROUP_MAX_SIZE_REACHED,
// fatal to the Java consumer.
func (c *coordinator) acceptJoiningMember(g *group, memberID string, instanceID *string) bool {
	limit := int(c.cfg.GroupMaxSize)
	m := g.members[memberID]
	if instanceID != nil && memberID == "" {
		m = g.members[g.static[*instanceID]]
	}
	switch g.state {
	case stateEmpty, stateDead:
		return true
	case statePreparingRebalance:
		waiting := 0
		for _, o := range g.members {
			if o.awaitingJoin != nil {
				waiting++
			}
		}
		return (m != nil && m.awaitingJoin != nil) || waiting < limit
	default:
		return m != nil || len(g.members) < limit
	}
}

// joinNewMember handles a JoinGroup without a member id
// (doNewMemberJoinGroup). A dynamic member from v4 on gets an id to join
// again with (KIP-394): a client whose JoinGroup timed out and who retries
// without an id would otherwise leave a member behind on every try.
func (c *coordinator) joinNewMember(g *group, j *joiner) {
	// A static member never gets MEMBER_ID_REQUIRED: its instance id
	// already names it, so a retry cannot leave a stray member behind.
	if inst := j.req.GroupInstanceID; inst != nil {
		id := newMemberID(*inst)
		if old, ok := g.static[*inst]; ok {
			c.replaceStaticMember(g, g.members[old], id, j)
		} else {
			c.addMemberAndRebalance(g, j.newMember(id), j.ch)
		}
		return
	}
	id := newMemberID(j.clientID)
	if j.version >= 4 {
		c.addPending(g, id, j.sessionTimeout)
		j.reply(codeMemberIDRequired, id)
		return
	}
	c.addMemberAndRebalance(g, j.newMember(id), j.ch)
}

// joinKnownMember handles a JoinGroup with a member id
// (doCurrentMemberJoinGroup): a pending id becomes a member; a member
// joins again.
func (c *coordinator) joinKnownMember(g *group, j *joiner) {
	id := j.req.MemberID
	if p := g.pending[id]; p != nil {
		if j.req.GroupInstanceID != nil {
			// Pending ids are handed only to dynamic members; let the
			// client start over without an id.
			j.reply(codeUnknownMemberID, id)
			return
		}
		stopTimer(p.timer)
		delete(g.pending, id)
		c.addMemberAndRebalance(g, j.newMember(id), j.ch)
		return
	}
	if code := g.validateMember(id, j.req.GroupInstanceID); code != codeNone {
		j.reply(code, id)
		return
	}
	m := g.members[id]
	switch g.state {
	case statePreparingRebalance:
		c.updateMemberAndRebalance(g, m, j)
	case stateCompletingRebalance:
		if !m.matches(j.req.Protocols) {
			c.updateMemberAndRebalance(g, m, j)
			return
		}
		// The same join again: its client probably missed the answer.
		// Answer it again rather than rebalance.
		res := g.joinAnswer(id)
		if id == g.leader {
			res.members = g.memberList()
		}
		j.ch <- res
	case stateStable:
		// The leader's join always rebalances: it is how a leader that
		// sees new partitions or topics gets to assign them. A follower
		// with nothing new gets the current generation, and syncs.
		if id == g.leader || !m.matches(j.req.Protocols) {
			c.updateMemberAndRebalance(g, m, j)
			return
		}
		j.ch <- g.joinAnswer(id)
	default:
		j.reply(codeUnknownMemberID, id)
	}
}

// addMemberAndRebalance adds a member whose JoinGroup waits for the join
// phase, starting one if none is under way.
func (c *coordinator) addMemberAndRebalance(g *group, m *member, ch chan joinResult) {
	m.isNew = true
	if g.state == statePreparingRebalance && g.generation == 0 {
		g.newMemberAdded = true // extends the initial delay
	}
	g.add(m)
	m.awaitingJoin = ch
	c.scheduleExpiry(g, m, newMemberJoinTimeout)
	if g.state != statePreparingRebalance {
		c.prepareRebalance(g)
	}
}

// updateMemberAndRebalance takes a member's new JoinGroup and starts a
// join phase if none is under way.
func (c *coordinator) updateMemberAndRebalance(g *group, m *member, j *joiner) {
	m.protocols, m.rebalanceTimeout, m.sessionTimeout = j.req.Protocols, j.rebalanceTimeout, j.sessionTimeout
	g.setAwaitingJoin(m, j.ch)
	if g.state != statePreparingRebalance {
		c.prepareRebalance(g)
	}
}

// replaceStaticMember handles the JoinGroup of a static member whose
// instance id is known but whose member id is not: the instance restarted
// (updateStaticMemberAndRebalance, KIP-345). The new member id replaces
// the old one, which is fenced: requests still waiting under it get
// FENCED_INSTANCE_ID. The point of static membership is that a restart
// does not rebalance: in a Stable group whose protocol would not change,
// the member gets the current generation and its old assignment.
func (c *coordinator) replaceStaticMember(g *group, m *member, newID string, j *joiner) {
	oldID, oldLeader := m.id, g.leader
	g.invokeJoin(m, joinResult{errorCode: codeFencedInstanceID, memberID: oldID, generation: -1})
	g.invokeSync(m, syncResult{errorCode: codeFencedInstanceID})
	delete(g.members, oldID)
	m.id = newID
	g.members[newID] = m
	g.static[*m.instanceID] = newID
	if g.leader == oldID {
		g.leader = newID
	}
	if g.pendingSync[oldID] {
		delete(g.pendingSync, oldID)
		g.pendingSync[newID] = true
	}
	m.protocols, m.rebalanceTimeout, m.sessionTimeout = j.req.Protocols, j.rebalanceTimeout, j.sessionTimeout
	m.awaitingJoin = j.ch
	c.scheduleExpiry(g, m, m.sessionTimeout)

	switch g.state {
	case stateStable:
		if g.protocolName == nil || g.selectProtocol() != *g.protocolName {
			c.prepareRebalance(g)
			return
		}
		res := g.joinAnswer(newID)
		if j.version >= 9 {
			// The leader learns it leads, with the members, but is told
			// not to assign: a new assignment would not be sent out by a
			// Stable group.
			if newID == g.leader {
				res.members, res.skipAssignment = g.memberList(), true
			}
		} else {
			// Before v9 the old id is named leader, so that a restarted
			// leader does not take itself for one and assign in vain.
			res.leader = oldLeader
		}
		g.invokeJoin(m, res)
		c.storeGroup(g) // the new member id
	case stateCompletingRebalance:
		// The leader may be assigning to the old id; start over.
		c.prepareRebalance(g)
	}
	// In PreparingRebalance the member waits for the join phase.
}

// Heartbeat: v0-4 (HeartbeatRequest.json, HeartbeatResponse.json)
//
//	v1: ThrottleTimeMs
//	v3: GroupInstanceId (KIP-345)
//	v4: flexible
//
// A heartbeat keeps a member's session alive, and its answer is how the
// member learns of a rebalance: REBALANCE_IN_PROGRESS while the group
// waits for joins. Between JoinGroup and SyncGroup (CompletingRebalance)
// heartbeats are answered normally: the member has its new generation.
type heartbeatRequest struct {
	GroupID         string
	GenerationID    int32
	MemberID        string
	GroupInstanceID *string
}

func (m *heartbeatRequest) decode(r *reader, v int16) {
	m.GroupID = r.String()
	m.GenerationID = r.Int32()
	m.MemberID = r.String()
	if v >= 3 {
		m.GroupInstanceID = r.NullableString()
	}
	r.SkipTags()
}

type heartbeatResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
}

func (m *heartbeatResponse) encode(w *writer, v int16) {
	if v >= 1 {
		w.Int32(m.ThrottleTimeMs)
	}
	w.Int16(m.ErrorCode)
	w.Tags()
}

func (b *Broker) handleHeartbeat(ctx context.Context, rc *requestContext, r request) response {
	return &heartbeatResponse{ErrorCode: b.groups.heartbeat(r.(*heartbeatRequest))}
}

func (c *coordinator) heartbeat(req *heartbeatRequest) int16 {
	if req.GroupID == "" {
		return codeInvalidGroupID
	}
	g := c.lockGroup(req.GroupID, false)
	if g == nil {
		return codeUnknownMemberID
	}
	defer g.mu.Unlock()
	if g.consumer != nil {
		return c.classicHeartbeatToConsumer(g, req)
	}
	// What the Java consumer does on each answer: UNKNOWN_MEMBER_ID, it
	// drops its member id and joins as new; ILLEGAL_GENERATION, it keeps
	// its id and rejoins; both count its partitions as lost, not revoked,
	// since it may no longer commit them. FENCED_INSTANCE_ID stops a
	// static member for good: another instance has its id.
	if code := g.validateMember(req.MemberID, req.GroupInstanceID); code != codeNone {
		return code
	}
	if req.GenerationID != g.generation {
		return codeIllegalGeneration
	}
	m := g.members[req.MemberID]
	// REBALANCE_IN_PROGRESS sends the member back to JoinGroup. The
	// heartbeat still counts: the member was heard from, and its JoinGroup
	// may take up to its rebalance timeout to come.
	switch g.state {
	case stateCompletingRebalance, stateStable:
		c.scheduleExpiry(g, m, m.sessionTimeout)
		return codeNone
	case statePreparingRebalance:
		c.scheduleExpiry(g, m, m.sessionTimeout)
		return codeRebalanceInProgress
	}
	return codeUnknownMemberID
}

// LeaveGroup: v0-5 (LeaveGroupRequest.json, LeaveGroupResponse.json)
//
//	v1: ThrottleTimeMs
//	v3: several members in one request, by member id or group.instance.id, each with its own error (KIP-345)
//	v4: flexible
//	v5: Reason (KIP-800)
//
// A member that leaves is removed at once and the others rebalance,
// instead of waiting for its session to expire. An admin may remove a
// static member by its group.instance.id alone, with an empty member id.
type leaveGroupRequest struct {
	GroupID  string
	MemberID string
	Members  []leaveGroupMember
}

type leaveGroupMember struct {
	MemberID        string
	GroupInstanceID *string
	Reason          *string
}

func (m *leaveGroupRequest) decode(r *reader, v int16) {
	m.GroupID = r.String()
	if v <= 2 {
		m.MemberID = r.String()
	}
	if v >= 3 {
		m.Members = readArray(r, func(r *reader) (mm leaveGroupMember) {
			mm.MemberID = r.String()
			mm.GroupInstanceID = r.NullableString()
			if v >= 5 {
				mm.Reason = r.NullableString()
			}
			r.SkipTags()
			return mm
		})
	}
	r.SkipTags()
}

type leaveGroupResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	Members        []leaveGroupMemberResponse
}

type leaveGroupMemberResponse struct {
	MemberID        string
	GroupInstanceID *string
	ErrorCode       int16
}

func (m *leaveGroupResponse) encode(w *writer, v int16) {
	if v >= 1 {
		w.Int32(m.ThrottleTimeMs)
	}
	w.Int16(m.ErrorCode)
	if v >= 3 {
		writeArrayNonNull(w, m.Members, func(w *writer, mm leaveGroupMemberResponse) {
			w.String(mm.MemberID)
			w.NullableString(mm.GroupInstanceID)
			w.Int16(mm.ErrorCode)
			w.Tags()
		})
	}
	w.Tags()
}

func (b *Broker) handleLeaveGroup(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*leaveGroupRequest)
	members := req.Members
	if rc.header.APIVersion <= 2 {
		members = []leaveGroupMember{{MemberID: req.MemberID}}
	}
	code, answers := b.groups.leave(req.GroupID, members)
	if rc.header.APIVersion <= 2 && code == codeNone {
		// One member, and its error is the response's.
		code = answers[0].ErrorCode
	}
	return &leaveGroupResponse{ErrorCode: code, Members: answers}
}

func (c *coordinator) leave(groupID string, members []leaveGroupMember) (int16, []leaveGroupMemberResponse) {
	if groupID == "" {
		return codeInvalidGroupID, []leaveGroupMemberResponse{}
	}
	answers := make([]leaveGroupMemberResponse, len(members))
	for i, mm := range members {
		answers[i] = leaveGroupMemberResponse{MemberID: mm.MemberID, GroupInstanceID: mm.GroupInstanceID, ErrorCode: codeUnknownMemberID}
	}
	// A group that does not exist has none of these members: each one is
	// UNKNOWN_MEMBER_ID, and the request as a whole succeeds, as Kafka's
	// GroupCoordinator.handleLeaveGroup answered it, so that an admin's
	// removal of several members reports on each.
	g := c.lockGroup(groupID, false)
	if g == nil {
		return codeNone, answers
	}
	defer g.mu.Unlock()
	for i, mm := range members {
		answers[i].ErrorCode = c.leaveOne(g, mm)
	}
	return codeNone, answers
}

func (c *coordinator) leaveOne(g *group, mm leaveGroupMember) int16 {
	if g.consumer != nil {
		return c.classicLeaveToConsumer(g, mm)
	}
	if mm.MemberID == "" {
		if mm.GroupInstanceID == nil {
			return codeUnknownMemberID
		}
		id, ok := g.static[*mm.GroupInstanceID]
		if !ok {
			return codeUnknownMemberID
		}
		mm.MemberID = id
	} else if p := g.pending[mm.MemberID]; p != nil {
		// A client that got an id with MEMBER_ID_REQUIRED and closes
		// before joining with it: the join phase stops waiting for it.
		stopTimer(p.timer)
		delete(g.pending, mm.MemberID)
		c.maybeCompleteJoin(g)
		return codeNone
	}
	if code := g.validateMember(mm.MemberID, mm.GroupInstanceID); code != codeNone {
		return code
	}
	c.log.Info("group member left", "group", g.id, "member", mm.MemberID, "reason", deref(mm.Reason))
	c.removeMember(g, g.members[mm.MemberID])
	return codeNone
}

// SyncGroup: v0-5 (SyncGroupRequest.json, SyncGroupResponse.json)
//
//	v1: ThrottleTimeMs
//	v3: GroupInstanceId (KIP-345)
//	v4: flexible
//	v5: ProtocolType and ProtocolName, checked against the group's (KIP-559);
//	    either null is INCONSISTENT_GROUP_PROTOCOL, as KafkaApis answers it
//
// Every member of a new generation sends SyncGroup; the leader's carries
// the assignment of every member. The others' answers wait for the
// leader's, and then each gets its own part. A member the leader left out
// gets an empty assignment.
type syncGroupRequest struct {
	GroupID         string
	GenerationID    int32
	MemberID        string
	GroupInstanceID *string
	ProtocolType    *string
	ProtocolName    *string
	Assignments     []syncGroupAssignment
}

type syncGroupAssignment struct {
	MemberID   string
	Assignment []byte
}

func (m *syncGroupRequest) decode(r *reader, v int16) {
	m.GroupID = r.String()
	m.GenerationID = r.Int32()
	m.MemberID = r.String()
	if v >= 3 {
		m.GroupInstanceID = r.NullableString()
	}
	if v >= 5 {
		m.ProtocolType = r.NullableString()
		m.ProtocolName = r.NullableString()
	}
	m.Assignments = readArray(r, func(r *reader) (a syncGroupAssignment) {
		a.MemberID = r.String()
		a.Assignment = r.Bytes()
		r.SkipTags()
		return a
	})
	r.SkipTags()
}

type syncGroupResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ProtocolType   *string
	ProtocolName   *string
	Assignment     []byte
}

func (m *syncGroupResponse) encode(w *writer, v int16) {
	if v >= 1 {
		w.Int32(m.ThrottleTimeMs)
	}
	w.Int16(m.ErrorCode)
	if v >= 5 {
		w.NullableString(m.ProtocolType)
		w.NullableString(m.ProtocolName)
	}
	w.Bytes(nonNil(m.Assignment))
	w.Tags()
}

// syncResult is the coordinator's answer to a SyncGroup.
type syncResult struct {
	errorCode    int16
	protocolType *string
	protocolName *string
	assignment   []byte
}

func (b *Broker) handleSyncGroup(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*syncGroupRequest)
	if rc.header.APIVersion >= 5 && (req.ProtocolType == nil || req.ProtocolName == nil) {
		return &syncGroupResponse{ErrorCode: codeInconsistentGroupProtocol}
	}
	var res syncResult
	defer rc.parkedSince(time.Now())
	select {
	case res = <-b.groups.sync(req):
	case <-ctx.Done():
		res = syncResult{errorCode: codeNotCoordinator}
	}
	return &syncGroupResponse{ErrorCode: res.errorCode, ProtocolType: res.protocolType, ProtocolName: res.protocolName, Assignment: res.assignment}
}

// sync handles a SyncGroup (doSyncGroup). The returned channel gets the
// answer, now or when the leader's SyncGroup arrives.
//
// A JoinGroup can overtake the leader's SyncGroup. Say A leads and B
// follows in generation 5, which is CompletingRebalance, and B's SyncGroup
// waits for A's. C joins: the group goes to PreparingRebalance, and B's
// SyncGroup is answered REBALANCE_IN_PROGRESS at once (prepareRebalance).
// A's SyncGroup then finds generation 5 still current, since only the end
// of the join phase bumps it, but the group preparing a rebalance, and is
// answered REBALANCE_IN_PROGRESS too; A and B join again and the join phase
// ends with all three in generation 6. Had A's SyncGroup come first, B
// would have had its assignment and the group been Stable; C's join then
// rebalances it, and A and B hear of it from their next Heartbeat.
func (c *coordinator) sync(req *syncGroupRequest) <-chan syncResult {
	ch := make(chan syncResult, 1)
	reply := func(code int16) <-chan syncResult {
		ch <- syncResult{errorCode: code}
		return ch
	}
	if req.GroupID == "" {
		return reply(codeInvalidGroupID)
	}
	g := c.lockGroup(req.GroupID, false)
	if g == nil {
		return reply(codeUnknownMemberID)
	}
	defer g.mu.Unlock()
	if g.consumer != nil {
		ch <- c.classicSyncToConsumer(g, req)
		return ch
	}
	if code := g.validateMember(req.MemberID, req.GroupInstanceID); code != codeNone {
		return reply(code)
	}
	switch {
	case req.GenerationID != g.generation:
		return reply(codeIllegalGeneration)
	// KIP-559: a member that names another protocol than the group chose
	// would decode its assignment with the wrong assignor's format. Only
	// two names are compared (isProtocolInconsistent): before its first
	// generation the group has none, and the member is told to rejoin.
	case req.ProtocolType != nil && *req.ProtocolType != g.protocolType,
		req.ProtocolName != nil && g.protocolName != nil && *req.ProtocolName != *g.protocolName:
		return reply(codeInconsistentGroupProtocol)
	}
	m := g.members[req.MemberID]
	switch g.state {
	case statePreparingRebalance:
		return reply(codeRebalanceInProgress)
	case stateCompletingRebalance:
		// A SyncGroup of m already waiting was given up by its client
		// (a connection waits on one request at a time, so this one came
		// on another); answering it frees the goroutine that serves it.
		g.invokeSync(m, syncResult{errorCode: codeRebalanceInProgress})
		m.awaitingSync = ch
		delete(g.pendingSync, m.id)
		if m.id == g.leader {
			// The leader's list is taken for the current members only:
			// one for an id that left since is dropped, and a member it
			// left out gets an empty assignment, which a consumer reads
			// as no partitions rather than as an error.
			assignments := make(map[string][]byte, len(req.Assignments))
			for _, a := range req.Assignments {
				assignments[a.MemberID] = a.Assignment
			}
			for _, mm := range g.members {
				mm.assignment = nonNil(assignments[mm.id])
			}
			c.propagateAssignment(g, codeNone)
			g.transition(stateStable, c.now())
			c.storeGroup(g)
		}
	case stateStable:
		// The leader's SyncGroup came first: the assignment is here. A
		// member also lands here when it syncs again in the same
		// generation, after a lost answer; it gets the same assignment.
		delete(g.pendingSync, m.id)
		ch <- syncResult{protocolType: ptr(g.protocolType), protocolName: g.protocolName, assignment: m.assignment}
		c.scheduleExpiry(g, m, m.sessionTimeout)
	default:
		return reply(codeUnknownMemberID)
	}
	return ch
}
