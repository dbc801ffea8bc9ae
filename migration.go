// This file moves a group between the two group protocols while its
// consumers keep consuming: the online upgrade of a classic group to a
// KIP-848 consumer group, the classic members that go on living in the
// consumer group meanwhile (a "mixed" group), and the downgrade back. It
// follows Apache Kafka 4.0's GroupMetadataManager (convertToConsumerGroup,
// classicGroupJoinToConsumerGroup and the other classicGroup*ToConsumerGroup
// methods, convertToClassicGroup), ConsumerGroup.fromClassicGroup and
// ClassicGroup.fromConsumerGroup, under group.consumer.migration.policy
// (KIP-848, "Consumer Rebalance Protocol: upgrade/downgrade" in Kafka's
// docs).
//
// Place in the book: Part II, after groupstore.go. It assumes both group
// chapters, groups.go (classic groups) and consumer.go (consumer groups),
// and groupstore.go for what is written to __consumer_offsets.
//
// # A rolling upgrade
//
// Three consumers A, B, C of a classic group at generation 7, owning p0-p1,
// p2-p3 and p4-p5, are restarted one by one with group.protocol=consumer.
//
//	C': ConsumerGroupHeartbeat(epoch 0)
//	                 the group converts: A, B and C become members of a
//	                 consumer group at epoch 7, each with its partitions as
//	                 its target; C' joins, epoch 8, new target
//	A: Heartbeat(7)  REBALANCE_IN_PROGRESS: its epoch is behind
//	A: JoinGroup     owned p0-p1 (cooperative) or nothing (eager): A is
//	                 reconciled as a heartbeat would; the answer is its epoch
//	                 as the generation, A a follower
//	A: SyncGroup     its assigned partitions as a ConsumerProtocolAssignment;
//	                 a cooperative client that lost some joins again at once
//	C: session expires, or LeaveGroup: its partitions go to the others
//
// So a classic member sees nothing but rebalances, the coordinator plays
// the leader for it, and no partition has two owners at once: a classic
// member gives one up by leaving it out of the owned partitions of its
// next JoinGroup, as a consumer member leaves it out of its heartbeat.
//
// The way back is the same in reverse: when the last member using the
// consumer protocol leaves (or is fenced) and only classic members remain,
// the group becomes a classic group again, Stable at the group epoch with
// each member's target as its assignment, and starts a rebalance, which
// the members join from their next Heartbeat.
//
// Design note: a classic member of a consumer group is a consumerMember
// with classic set (Kafka's ClassicMemberMetadata: its session timeout and
// the protocols of its JoinGroup). Its session runs on its own session
// timeout, not the group's, and instead of the revocation timer it has
// two of its own, as in Kafka: one for the JoinGroup it was told to send
// (its rebalance timeout from the REBALANCE_IN_PROGRESS that asked for
// it), one for the SyncGroup that must follow a JoinGroup.
//
// Where we differ from Kafka: a classic static member that replaces the
// last consumer-protocol static member does not downgrade the group
// (validateOnlineDowngradeWithReplacedMemberId): it joins the consumer
// group as a classic member, and a group left with classic members only
// stays a consumer group until a consumer-protocol member is next fenced
// in it; a classic member whose assignment is empty, one that joined
// during a rebalance and never synced, converts with no partitions where
// Kafka's deserializer fails the upgrade; a classic group that never
// chose a protocol reads each member's subscription from its first
// protocol.
//
// Kafka's sources, at a pinned tag:
// https://github.com/apache/kafka/blob/4.0.0/group-coordinator/src/main/java/org/apache/kafka/coordinator/group/GroupMetadataManager.java
// and, beside it, modern/consumer/ConsumerGroup.java and
// classic/ClassicGroup.java.

package kafka

import (
	"fmt"
	"maps"
	"slices"
	"time"
)

// Values of group.consumer.migration.policy (ConsumerGroupMigrationPolicy).
const (
	migrationDisabled      = "disabled"
	migrationUpgrade       = "upgrade"
	migrationDowngrade     = "downgrade"
	migrationBidirectional = "bidirectional"
)

var migrationPolicies = []string{migrationDisabled, migrationUpgrade, migrationDowngrade, migrationBidirectional}

// upgradeEnabled and downgradeEnabled read the policy as
// ConsumerGroupMigrationPolicy.isUpgradeEnabled and isDowngradeEnabled do.
func (c *coordinator) upgradeEnabled() bool {
	p := c.cfg.ConsumerMigrationPolicy
	return p == migrationUpgrade || p == migrationBidirectional
}

func (c *coordinator) downgradeEnabled() bool {
	p := c.cfg.ConsumerMigrationPolicy
	return p == migrationDowngrade || p == migrationBidirectional
}

// classicMember is ConsumerGroupMemberMetadataValue.ClassicMemberMetadata:
// what a member of a consumer group that speaks the classic protocol
// joined with.
type classicMember struct {
	sessionTimeout time.Duration
	protocols      []joinGroupProtocol // the JoinGroup's, in its order
	// joinArmed is set while the join timer runs, which is armed only if
	// absent (scheduleConsumerGroupJoinTimeoutIfAbsent): a member told
	// again to rejoin keeps its first deadline.
	joinArmed  bool
	join, sync memberTimer
}

// protocolName is the protocol a classic member is answered with: its
// first, as every classic member of the group supports the names the
// group checks (classicGroupJoinToConsumerGroup's answer).
func (cm *classicMember) protocolName() string {
	if len(cm.protocols) == 0 {
		return ""
	}
	return cm.protocols[0].Name
}

func (cm *classicMember) stopTimers() {
	cm.join.stop()
	cm.sync.stop()
	cm.joinArmed = false
}

// consumerSubscription is what a classic consumer's JoinGroup metadata
// says (ConsumerProtocolSubscription.json, not flexible):
//
//	v0: Topics, UserData
//	v1: OwnedPartitions (cooperative assignors fill it)
//	v2: GenerationId
//	v3: RackId
//
// A version above 3 is read as 3, as ConsumerProtocol's
// checkSubscriptionVersion reads it: later versions only add fields.
type consumerSubscription struct {
	topics []string
	owned  map[string][]int32
	rack   *string
}

func parseConsumerSubscription(b []byte) (consumerSubscription, error) {
	var s consumerSubscription
	r := newReader(b, false)
	v := r.Int16()
	s.topics = r.Strings()
	r.Bytes() // user data
	if v >= 1 {
		s.owned = readTopicPartitions(r)
	}
	if v >= 2 {
		r.Int32() // generation
	}
	if v >= 3 {
		s.rack = r.NullableString()
	}
	if r.err == nil && v < 0 {
		return s, fmt.Errorf("subscription version %d", v)
	}
	return s, r.err
}

// readTopicPartitions reads the [topic, partitions] array of both
// ConsumerProtocol messages.
func readTopicPartitions(r *reader) map[string][]int32 {
	out := make(map[string][]int32)
	readArray(r, func(r *reader) bool {
		t := r.String()
		out[t] = append(out[t], r.Int32s()...)
		return true
	})
	return out
}

// parseConsumerAssignment reads a ConsumerProtocolAssignment (v0-3, all
// the same fields: AssignedPartitions, UserData). Empty bytes, the
// assignment of a member that never synced, are no partitions.
func parseConsumerAssignment(b []byte) (map[string][]int32, error) {
	if len(b) == 0 {
		return nil, nil
	}
	r := newReader(b, false)
	if v := r.Int16(); r.err == nil && v < 0 {
		return nil, fmt.Errorf("assignment version %d", v)
	}
	parts := readTopicPartitions(r)
	r.Bytes() // user data
	return parts, r.err
}

// encodeConsumerAssignment writes s as a ConsumerProtocolAssignment at
// the version of the member's subscription, capped at 3, as
// GroupMetadataManager.prepareAssignment and
// ClassicGroup.fromConsumerGroup write it: a client reads the assignment
// at most at the version it subscribed with.
func (c *coordinator) encodeConsumerAssignment(s partitionSet, subscription []byte) []byte {
	v := int16(0)
	if len(subscription) >= 2 {
		v = min(max(int16(subscription[0])<<8|int16(subscription[1]), 0), 3)
	}
	byTopic := make(map[string][]int32)
	for p := range s {
		if t := c.logs.TopicByID(p.topic); t != nil {
			byTopic[t.Name] = append(byTopic[t.Name], p.partition)
		}
	}
	w := &writer{}
	w.Int16(v)
	writeArrayNonNull(w, slices.Sorted(maps.Keys(byTopic)), func(w *writer, t string) {
		w.String(t)
		w.Int32s(slices.Sorted(slices.Values(byTopic[t])))
	})
	w.Bytes(nil)
	return w.buf
}

// partitionsByName turns topic names into ids; a topic that does not
// exist (any more) is left out, as Kafka's toTopicPartitionMap leaves it.
func (c *coordinator) partitionsByName(parts map[string][]int32) partitionSet {
	s := make(partitionSet)
	for name, ps := range parts {
		t := c.logs.Topic(name)
		if t == nil {
			continue
		}
		for _, p := range ps {
			s[topicIDPartition{t.ID, p}] = true
		}
	}
	return s
}

// Upgrade.

// upgradeToConsumer converts g, a classic group with members, to a
// consumer group for the ConsumerGroupHeartbeat that joins it
// (getOrMaybeCreateConsumerGroup): it is answered GROUP_ID_NOT_FOUND,
// and g left as it was, unless the policy allows the upgrade, the group's
// protocol type is "consumer" and its members fit in
// group.consumer.max.size with the one joining (validateOnlineUpgrade;
// Kafka checks the new member's room after converting, and a refusal
// there leaves the group classic too, since its records are not written).
func (c *coordinator) upgradeToConsumer(g *group) (int16, string) {
	notConsumer := "Group " + g.id + " is not a consumer group."
	switch max := int(c.cfg.ConsumerGroupMaxSize); {
	case !c.upgradeEnabled():
		c.log.Info("classic group not upgraded: the online upgrade is disabled", "group", g.id)
		return codeGroupIDNotFound, notConsumer
	case g.protocolType != consumerProtocolType:
		c.log.Info("classic group not upgraded: it does not use the consumer protocol", "group", g.id, "protocolType", g.protocolType)
		return codeGroupIDNotFound, notConsumer
	case len(g.members) > max:
		c.log.Info("classic group not upgraded: it has more members than group.consumer.max.size", "group", g.id)
		return codeGroupIDNotFound, notConsumer
	case len(g.members) == max:
		return codeGroupMaxSizeReached, fmt.Sprintf("The consumer group has reached its maximum capacity of %d members.", max)
	}
	cg, err := c.consumerGroupFromClassic(g)
	if err != nil {
		c.log.Warn("classic group not upgraded: malformed consumer protocol", "group", g.id, "err", err)
		return codeGroupIDNotFound, "Cannot upgrade the classic group " + g.id + " to consumer group because the embedded consumer protocol is malformed."
	}
	// A rebalance under way is overtaken by the one the joining member
	// starts: waiting JoinGroups and SyncGroups are told to join again.
	for _, m := range g.members {
		g.invokeJoin(m, joinResult{errorCode: codeRebalanceInProgress, memberID: m.id, generation: -1})
		g.invokeSync(m, syncResult{errorCode: codeRebalanceInProgress})
	}
	c.dropClassicState(g)
	g.consumer, g.protocolType = cg, consumerProtocolType
	for _, m := range cg.members {
		c.armMemberTimer(g, m, &m.session, m.classic.sessionTimeout, "session expired")
	}
	c.log.Info("classic group upgraded to a consumer group", "group", g.id, "epoch", cg.epoch, "members", len(cg.members))
	return codeNone, ""
}

// dropClassicState empties g's classic half: its members, pending ids and
// rebalance, with their timers, whose callbacks then find nothing to do
// (the member is gone, the sequence moved on).
func (c *coordinator) dropClassicState(g *group) {
	stopTimer(g.joinTimer)
	stopTimer(g.syncTimer)
	g.joinSeq++
	g.syncSeq++
	g.joinTimer, g.syncTimer, g.joinDelayed, g.newMemberAdded = nil, nil, false, false
	for _, m := range g.members {
		stopTimer(m.timer)
	}
	for _, p := range g.pending {
		stopTimer(p.timer)
	}
	g.members, g.static, g.pending = make(map[string]*member), make(map[string]string), make(map[string]*pendingMember)
	clear(g.pendingSync)
	g.leader, g.protocolName, g.subscribed = "", nil, nil
	g.transition(stateEmpty, c.now())
}

// consumerGroupFromClassic is ConsumerGroup.fromClassicGroup: the group
// epoch and assignment epoch are the generation; every member is Stable at
// it, subscribed to the topics of its metadata, with its last assignment
// both as what it owns and as its target, so that nothing moves until the
// joining member bumps the epoch. It fails if a member's metadata or
// assignment does not parse, before anything is changed.
func (c *coordinator) consumerGroupFromClassic(g *group) (*consumerGroup, error) {
	cg := newConsumerGroup()
	cg.epoch, cg.assignmentEpoch = g.generation, g.generation
	for _, cm := range g.sortedMembers() {
		meta := cm.metadataFor(deref(g.protocolName))
		if g.protocolName == nil && len(cm.protocols) > 0 {
			meta = cm.protocols[0].Metadata
		}
		sub, err := parseConsumerSubscription(meta)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", cm.id, err)
		}
		parts, err := parseConsumerAssignment(cm.assignment)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", cm.id, err)
		}
		cg.nextSeq++
		m := &consumerMember{
			id: cm.id, instanceID: cm.instanceID, rackID: sub.rack,
			clientID: cm.clientID, clientHost: cm.clientHost, rebalanceTimeout: cm.rebalanceTimeout,
			subscribed: slices.Compact(slices.Sorted(slices.Values(sub.topics))),
			seq:        cg.nextSeq, epoch: g.generation, previousEpoch: g.generation, state: memberStable,
			assigned: c.partitionsByName(parts),
			classic:  &classicMember{sessionTimeout: cm.sessionTimeout, protocols: cm.protocols},
		}
		// Partitions two classic members both claim (a leader's mistake)
		// go to the first: no partition may have two owners here.
		for p := range m.assigned {
			if cg.ownedByOther(m, p) {
				delete(m.assigned, p)
			}
		}
		cg.members[m.id] = m
		cg.target[m.id] = maps.Clone(m.assigned)
		if m.instanceID != nil {
			cg.static[*m.instanceID] = m.id
		}
	}
	cg.topics = c.topicSnapshot(cg)
	cg.assignor = cg.chooseAssignor()
	return cg, nil
}

// Classic members of a consumer group.

// classicJoinToConsumer answers a JoinGroup to a consumer group with
// members (classicGroupJoinToConsumerGroup). It does not wait: the member
// is reconciled as a heartbeat would reconcile it, with the partitions its
// subscription says it owns, and gets its epoch as the generation, with
// no leader and no member list, so that it syncs as a follower and takes
// whatever SyncGroup gives it.
func (c *coordinator) classicJoinToConsumer(g *group, j *joiner) {
	cg, req := g.consumer, j.req
	id := req.MemberID
	unknown := id == ""
	if unknown {
		id = newConsumerMemberID()
	}
	if max := int(c.cfg.ConsumerGroupMaxSize); cg.members[id] == nil && len(cg.members) >= max {
		j.reply(codeGroupMaxSizeReached, id)
		return
	}
	if !cg.supportsClassicProtocols(req.ProtocolType, req.Protocols) {
		j.reply(codeInconsistentGroupProtocol, id)
		return
	}
	if unknown && req.GroupInstanceID == nil && j.version >= 4 {
		// KIP-394 as in a classic group, but nothing is remembered: a
		// member id that is not a member is taken as a new one below.
		j.reply(codeMemberIDRequired, id)
		return
	}
	sub, err := parseConsumerSubscription(req.Protocols[0].Metadata)
	if err != nil {
		// IllegalStateException in Kafka, which answers it so.
		j.reply(codeUnknownServerError, id)
		return
	}
	m, isNew, code := c.classicMemberFor(g, id, req.GroupInstanceID, unknown)
	if code != codeNone {
		j.reply(code, id)
		return
	}
	m.clientID, m.clientHost = j.clientID, j.clientHost
	if req.RebalanceTimeoutMs >= 0 || j.version == 0 {
		m.rebalanceTimeout = j.rebalanceTimeout
	}
	if m.classic == nil {
		m.classic = &classicMember{}
	}
	m.classic.sessionTimeout, m.classic.protocols = j.sessionTimeout, req.Protocols
	changed := m.takeSubscription(sub)
	c.maybeUpdateTarget(cg, isNew || changed)
	cg.reconcile(m, c.partitionsByName(sub.owned))

	m.classic.join.stop()
	m.classic.joinArmed = false
	c.armMemberTimer(g, m, &m.session, j.sessionTimeout, "session expired")
	c.armMemberTimer(g, m, &m.classic.sync, j.rebalanceTimeout, "did not sync within its rebalance timeout")
	c.storeGroup(g)
	j.ch <- joinResult{
		generation: m.epoch, memberID: m.id,
		protocolType: ptr(consumerProtocolType), protocolName: ptr(m.classic.protocolName()),
		members: []joinGroupResponseMember{},
	}
}

// takeSubscription takes a classic member's subscription as update takes
// a heartbeat's; it reports whether the topics changed.
func (m *consumerMember) takeSubscription(sub consumerSubscription) bool {
	if sub.rack != nil {
		m.rackID = sub.rack
	}
	subs := slices.Compact(slices.Sorted(slices.Values(sub.topics)))
	if slices.Equal(subs, m.subscribed) {
		return false
	}
	m.subscribed = subs
	return true
}

// supportsClassicProtocols is ConsumerGroup.supportsClassicProtocols: a
// classic member may join if its protocol type is "consumer" and it shares
// a protocol with every classic member already there.
func (cg *consumerGroup) supportsClassicProtocols(protocolType string, protocols []joinGroupProtocol) bool {
	if protocolType != consumerProtocolType || len(protocols) == 0 {
		return false
	}
	for _, p := range protocols {
		all := true
		for _, m := range cg.members {
			if m.classic != nil && !slices.ContainsFunc(m.classic.protocols, func(q joinGroupProtocol) bool { return q.Name == p.Name }) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// classicMemberFor finds or adds the member a classic JoinGroup is from
// (getOrMaybeSubscribeDynamicConsumerGroupMember and
// getOrMaybeSubscribeStaticConsumerGroupMember with the classic
// protocol): a dynamic member id that is not a member is a new member; a
// static member without a member id takes its instance's place, whatever
// protocol the old instance used; one with a member id must be the
// instance's current member.
func (c *coordinator) classicMemberFor(g *group, id string, instanceID *string, unknown bool) (*consumerMember, bool, int16) {
	cg := g.consumer
	req := &consumerGroupHeartbeatRequest{MemberID: id, InstanceID: instanceID}
	if instanceID == nil {
		if m := cg.members[id]; m != nil {
			return m, false, codeNone
		}
		return c.newConsumerMember(g, req), true, codeNone
	}
	holder := cg.members[cg.static[*instanceID]]
	switch {
	case unknown && holder == nil:
		return c.newConsumerMember(g, req), true, codeNone
	case unknown:
		m := c.replaceStaticConsumerMember(g, holder, id)
		m.epoch, m.previousEpoch = 0, 0
		return m, false, codeNone
	case holder == nil:
		return nil, false, codeUnknownMemberID
	case holder.id != id:
		return nil, false, codeFencedInstanceID
	}
	return holder, false, codeNone
}

// stopAllTimers stops every timer of m, classic ones too.
func (m *consumerMember) stopAllTimers() {
	m.session.stop()
	m.revocation.stop()
	if m.classic != nil {
		m.classic.stopTimers()
	}
}

// classicMemberOf finds the classic member a SyncGroup, Heartbeat or
// LeaveGroup names (validateConsumerGroupMember, then
// throwIfMemberDoesNotUseClassicProtocol): by instance id if it has one,
// UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID otherwise. A member using the
// consumer protocol is unknown to the classic APIs.
func (cg *consumerGroup) classicMemberOf(memberID string, instanceID *string) (*consumerMember, int16) {
	m := cg.members[memberID]
	if instanceID != nil {
		m = cg.members[cg.static[*instanceID]]
		switch {
		case m == nil:
			return nil, codeUnknownMemberID
		case m.id != memberID:
			return nil, codeFencedInstanceID
		}
	}
	if m == nil || m.classic == nil {
		return nil, codeUnknownMemberID
	}
	return m, codeNone
}

// mustRejoin reports whether a classic member is to be sent back to
// JoinGroup (classicGroupHeartbeatToConsumerGroup): the group moved past
// its epoch, it must revoke partitions, or the partitions it waits for
// have been released.
func (cg *consumerGroup) mustRejoin(m *consumerMember) bool {
	switch {
	case m.epoch < cg.epoch, m.state == memberUnrevoked:
		return true
	case m.state == memberUnreleased:
		for p := range cg.target[m.id] {
			if !m.assigned[p] && cg.ownedByOther(m, p) {
				return false
			}
		}
		return true
	}
	return false
}

// armJoinTimeout gives a member told to rejoin its rebalance timeout to
// do it, unless a deadline already runs.
func (c *coordinator) armJoinTimeout(g *group, m *consumerMember) {
	if m.classic.joinArmed {
		return
	}
	m.classic.joinArmed = true
	c.armMemberTimer(g, m, &m.classic.join, m.rebalanceTimeout, "did not rejoin within its rebalance timeout")
}

// classicSyncToConsumer answers a SyncGroup of a classic member of a
// consumer group (classicGroupSyncToConsumerGroup): its assigned
// partitions, unless the group moved on since its JoinGroup and it has
// nothing to revoke, when it must join again first.
func (c *coordinator) classicSyncToConsumer(g *group, req *syncGroupRequest) syncResult {
	cg := g.consumer
	m, code := cg.classicMemberOf(req.MemberID, req.GroupInstanceID)
	switch {
	case code != codeNone:
		return syncResult{errorCode: code}
	case req.GenerationID != m.epoch:
		return syncResult{errorCode: codeIllegalGeneration}
	case req.ProtocolType != nil && *req.ProtocolType != consumerProtocolType,
		req.ProtocolName != nil && *req.ProtocolName != m.classic.protocolName():
		return syncResult{errorCode: codeInconsistentGroupProtocol}
	case cg.epoch > m.epoch && m.state != memberUnrevoked:
		c.armJoinTimeout(g, m)
		return syncResult{errorCode: codeRebalanceInProgress}
	}
	m.classic.sync.stop()
	c.armMemberTimer(g, m, &m.session, m.classic.sessionTimeout, "session expired")
	return syncResult{
		protocolType: req.ProtocolType, protocolName: req.ProtocolName,
		assignment: c.encodeConsumerAssignment(m.assigned, m.classic.protocols[0].Metadata),
	}
}

// classicHeartbeatToConsumer answers a classic Heartbeat to a consumer
// group (classicGroupHeartbeatToConsumerGroup).
func (c *coordinator) classicHeartbeatToConsumer(g *group, req *heartbeatRequest) int16 {
	cg := g.consumer
	m, code := cg.classicMemberOf(req.MemberID, req.GroupInstanceID)
	switch {
	case code != codeNone:
		return code
	case req.GenerationID != m.epoch:
		return codeIllegalGeneration
	}
	c.armMemberTimer(g, m, &m.session, m.classic.sessionTimeout, "session expired")
	if cg.mustRejoin(m) {
		c.armJoinTimeout(g, m)
		return codeRebalanceInProgress
	}
	return codeNone
}

// classicLeaveToConsumer removes one member named by a classic LeaveGroup
// from a consumer group (classicGroupLeaveToConsumerGroup). An admin may
// name a static member by instance id alone, with member id "".
func (c *coordinator) classicLeaveToConsumer(g *group, mm leaveGroupMember) int16 {
	cg := g.consumer
	id := mm.MemberID
	if id == "" && mm.GroupInstanceID != nil {
		id = cg.static[*mm.GroupInstanceID]
	}
	m, code := cg.classicMemberOf(id, mm.GroupInstanceID)
	if code != codeNone {
		return code
	}
	c.removeConsumerMember(g, m, "left: "+deref(mm.Reason))
	c.storeGroup(g)
	return codeNone
}

// Downgrade.

// maybeDowngrade turns g back into a classic group if leaving, a member
// using the consumer protocol that is about to be removed, is the last
// one: every other member uses the classic protocol, there is at least
// one, the policy allows the downgrade and they fit in group.max.size
// (validateOnlineDowngradeWithFencedMember). It reports whether it did;
// leaving is then gone with the consumer group.
func (c *coordinator) maybeDowngrade(g *group, leaving *consumerMember) bool {
	cg := g.consumer
	if leaving.classic != nil || len(cg.members) <= 1 {
		return false
	}
	for _, m := range cg.members {
		if m != leaving && m.classic == nil {
			return false
		}
	}
	switch {
	case !c.downgradeEnabled():
		c.log.Info("consumer group not downgraded: the online downgrade is disabled", "group", g.id)
		return false
	case len(cg.members)-1 > int(c.cfg.GroupMaxSize):
		c.log.Info("consumer group not downgraded: it has more members than group.max.size", "group", g.id)
		return false
	}
	c.convertToClassic(g, leaving)
	return true
}

// convertToClassic is convertToClassicGroup and ClassicGroup.fromConsumerGroup:
// the classic members, without leaving, form a classic group Stable at the
// group epoch, each with its target assignment encoded as its SyncGroup
// would have it, which is stored; then a rebalance starts, which every
// member hears of from its next Heartbeat (REBALANCE_IN_PROGRESS, or
// ILLEGAL_GENERATION for one whose epoch was behind), so that the
// members' own assignor takes over.
func (c *coordinator) convertToClassic(g *group, leaving *consumerMember) {
	cg := g.consumer
	cg.stopTimers()
	g.consumer, g.protocolType = nil, consumerProtocolType
	g.generation = cg.epoch
	for _, m := range cg.sortedMembers() {
		if m == leaving {
			continue
		}
		g.add(&member{
			id: m.id, instanceID: m.instanceID, clientID: m.clientID, clientHost: m.clientHost,
			rebalanceTimeout: m.rebalanceTimeout, sessionTimeout: m.classic.sessionTimeout,
			protocolType: consumerProtocolType, protocols: m.classic.protocols,
		})
	}
	g.protocolName = ptr(g.selectProtocol())
	for _, m := range g.members {
		m.assignment = c.encodeConsumerAssignment(cg.target[m.id], m.metadataFor(*g.protocolName))
		c.scheduleExpiry(g, m, m.sessionTimeout)
	}
	g.subscribed = g.subscribedTopics()
	g.transition(stateStable, c.now())
	c.storeGroup(g)
	c.log.Info("consumer group downgraded to a classic group", "group", g.id, "generation", g.generation, "members", len(g.members))
	c.prepareRebalance(g)
}
