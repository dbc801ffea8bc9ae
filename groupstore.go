// This file keeps group membership across restarts: each group's state
// written to __consumer_offsets as the records Kafka writes there, and
// read back at start, so that a restart of the broker costs its groups no
// rebalance. It belongs to Part II, groups and offsets, and assumes
// groups.go (classic groups), consumer.go (KIP-848 groups) and the offset
// store of offsets.go, whose topic and replay it shares.
//
// # What is written
//
// Every record of __consumer_offsets has a key that starts with an int16,
// the record type (Kafka calls it the key version), and a value that
// starts with the value's own version. Offsets are types 0 and 1
// (offsets.go); group state is the others, with the schemas of Kafka's
// group-coordinator module
// (https://github.com/apache/kafka/tree/4.0.0/group-coordinator/src/main/resources/common/message):
//
//	type  key                                    value (version written)
//	2     GroupMetadataKey: group                GroupMetadataValue (v3): protocol type,
//	                                             generation, protocol, leader, members
//	                                             with subscription and assignment
//	3     ConsumerGroupMetadataKey: group        the group epoch
//	4     ConsumerGroupPartitionMetadataKey      the subscribed topics' partition counts
//	5     ConsumerGroupMemberMetadataKey: group, member
//	                                             instance id, rack, client, subscription
//	                                             (names and regex), rebalance timeout, assignor;
//	                                             for a classic member (migration.go) its session
//	                                             timeout and protocols (tagged field 0)
//	6     ConsumerGroupTargetAssignmentMetadataKey
//	                                             the assignment epoch
//	7     ConsumerGroupTargetAssignmentMemberKey: group, member
//	                                             the member's target partitions
//	8     ConsumerGroupCurrentMemberAssignmentKey: group, member
//	                                             member epoch, previous epoch, state,
//	                                             assigned and pending-revocation partitions
//
// Keys are classic encodings; consumer group values are flexible (version
// 0, "flexibleVersions": "0+"), GroupMetadataValue v3 is not. A member that
// leaves, or a group that goes, is written as tombstones (null values) for
// its keys, so that the last record of every key is the truth, as
// compaction needs.
//
// # When it is written
//
// A classic group is written when it settles: when the leader's SyncGroup
// makes it Stable, when it becomes Empty, and when a static member's new
// instance takes its place (GroupMetadataManager.storeGroup and its
// callers). Between those moments, in a rebalance, the last settled state
// stands; after a restart there the members find a Stable group at the
// previous generation, and the one they were joining is gone, which their
// next JoinGroup sorts out. A consumer group is written after every
// heartbeat that changed it, and after a member's timer removes it.
//
// Design note: the coordinator does not build records one change at a
// time as Kafka does. Each group remembers the records it last wrote
// (group.stored: key to value); storing the group computes its records
// from its state now and writes only those that differ, plus tombstones
// for keys no longer wanted. A heartbeat that changed nothing writes
// nothing, a converted group (classic to consumer or back) drops its old
// kind's records by itself, and load is the same map filled from the log:
// the last record of a key wins, a tombstone removes it, and the groups
// are rebuilt from what is left.
//
// # At load
//
// Members come back as they were: the same generation or epochs, the
// same assignments. Their session timers start from the load, as in
// Kafka, where a new coordinator schedules every member's session when it
// loads the group, so a member whose client is gone expires one session
// timeout after the start.

package kafka

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Record types of __consumer_offsets group state (CoordinatorRecordType).
// The numbers are Kafka's, so that a log written here is read by Kafka's
// tools (kafka-dump-log.sh --offsets-decoder) as Kafka's own, and a type
// this broker does not write (a later Kafka's share group or regular
// expression records) is skipped at load by its number, not misread.
//
// GroupMetadataValue is written at v3, as Kafka 4.0 writes it
// (MetadataVersion.groupMetadataValueVersion): the highest version that
// is not flexible, which every broker since 2.3 reads. v4 is read too,
// since KIP-915 made it flexible so that later brokers may add tagged
// fields that an older reader skips.
const (
	groupMetadataRecord              = 2
	consumerGroupMetadataRecord      = 3
	consumerPartitionMetadataRecord  = 4
	consumerMemberMetadataRecord     = 5
	consumerTargetMetadataRecord     = 6
	consumerTargetMemberRecord       = 7
	consumerCurrentAssignmentRecord  = 8
	groupMetadataValueVersionWritten = 3
)

// groupRecordKey is a group-state key: its type, the group and, for
// per-member records, the member.
type groupRecordKey struct {
	typ    int16
	group  string
	member string // "" for group-level records
}

// encode is the record key. Like every key of the topic it is classic
// (never flexible): compaction compares keys byte for byte, so a key must
// have one encoding forever, or two records of one key would both live.
func (k groupRecordKey) encode() []byte {
	w := &writer{}
	w.Int16(k.typ)
	w.String(k.group)
	switch k.typ {
	case consumerMemberMetadataRecord, consumerTargetMemberRecord, consumerCurrentAssignmentRecord:
		w.String(k.member)
	}
	return w.buf
}

// parseGroupRecordKey reads a key of type 2-8 whose type was already read.
func parseGroupRecordKey(typ int16, r *reader) (groupRecordKey, error) {
	k := groupRecordKey{typ: typ, group: r.String()}
	switch typ {
	case consumerMemberMetadataRecord, consumerTargetMemberRecord, consumerCurrentAssignmentRecord:
		k.member = r.String()
	case groupMetadataRecord, consumerGroupMetadataRecord, consumerPartitionMetadataRecord, consumerTargetMetadataRecord:
	default:
		return k, fmt.Errorf("%w: key type %d", errOffsetRecord, typ)
	}
	if err := r.complete(); err != nil {
		return k, fmt.Errorf("%w: key: %w", errOffsetRecord, err)
	}
	return k, nil
}

// storeGroup writes what changed in g's state since it was last stored.
// The caller holds g.mu. A write that fails is logged: the group carries
// on in memory, and a restart would find it as last stored.
//
// Every change goes in one batch, so a crash leaves the records of the
// group's previous state or of its new one, never half of each: a member
// whose metadata was written without its assignment cannot come back.
// g.stored is updated only after the append succeeds, so that a failed
// write is tried again, whole, at the group's next change.
func (c *coordinator) storeGroup(g *group) {
	want, ok := c.groupRecords(g)
	if !ok {
		return
	}
	var recs []record
	var keys []groupRecordKey
	for _, k := range slices.SortedFunc(maps.Keys(want), compareRecordKeys) {
		if v, had := g.stored[k]; !had || string(v) != string(want[k]) {
			recs = append(recs, record{Key: k.encode(), Value: want[k]})
			keys = append(keys, k)
		}
	}
	for _, k := range slices.SortedFunc(maps.Keys(g.stored), compareRecordKeys) {
		if _, keep := want[k]; !keep {
			recs = append(recs, record{Key: k.encode()}) // a tombstone
			keys = append(keys, k)
		}
	}
	if len(recs) == 0 {
		return
	}
	if err := c.appendRecords(recs); err != nil {
		c.log.Error("storing group state", "group", g.id, "err", err)
		return
	}
	for i, k := range keys {
		if recs[i].Value == nil {
			delete(g.stored, k)
		} else {
			g.stored[k] = recs[i].Value
		}
	}
}

// compareRecordKeys orders one group's keys by type, then member. Writing
// in a fixed order makes a given history write the same log on every
// run; the group is the same for all of them, so it is not compared.
func compareRecordKeys(a, b groupRecordKey) int {
	return cmp.Or(cmp.Compare(a.typ, b.typ), strings.Compare(a.member, b.member))
}

// groupRecords is the records g's state calls for now, or false if it is
// between settled states (a classic group in a rebalance) and what is
// stored stands. A group being removed calls for none.
func (c *coordinator) groupRecords(g *group) (map[groupRecordKey][]byte, bool) {
	want := make(map[groupRecordKey][]byte)
	switch {
	case g.state == stateDead:
	case g.consumer != nil:
		c.consumerGroupRecords(g, want)
	case g.state == stateStable || g.state == stateEmpty:
		if g.state == stateEmpty && g.generation == 0 {
			break // never had a generation: nothing to remember
		}
		want[groupRecordKey{typ: groupMetadataRecord, group: g.id}] = classicGroupValue(g, c.now())
	default:
		return nil, false
	}
	return want, true
}

// classicGroupValue is GroupMetadataValue v3 (GroupMetadataValue.json).
// Each member's subscription and assignment are stored as the bytes the
// clients sent, opaque, which is what lets a restarted broker give a
// consumer back exactly the assignment its leader computed: the broker
// could not compute it again, since the assignor runs in the client.
func classicGroupValue(g *group, now time.Time) []byte {
	w := &writer{}
	w.Int16(groupMetadataValueVersionWritten)
	w.String(g.protocolType)
	w.Int32(g.generation)
	w.NullableString(g.protocolName)
	var leader *string
	if g.leader != "" {
		leader = &g.leader
	}
	w.NullableString(leader)
	w.Int64(g.stateSince.UnixMilli())
	writeArrayNonNull(w, g.sortedMembers(), func(w *writer, m *member) {
		w.String(m.id)
		w.NullableString(m.instanceID)
		w.String(m.clientID)
		w.String(m.clientHost)
		w.Int32(int32(m.rebalanceTimeout.Milliseconds()))
		w.Int32(int32(m.sessionTimeout.Milliseconds()))
		w.Bytes(nonNil(m.metadataFor(deref(g.protocolName))))
		w.Bytes(nonNil(m.assignment))
	})
	return w.buf
}

// consumerGroupRecords adds the records of a KIP-848 group to want.
func (c *coordinator) consumerGroupRecords(g *group, want map[groupRecordKey][]byte) {
	cg := g.consumer
	key := func(typ int16, member string) groupRecordKey { return groupRecordKey{typ, g.id, member} }
	value := func(write func(w *writer), tags ...tag) []byte {
		w := &writer{}
		w.Int16(0)
		w.flexible = true
		write(w)
		w.Tags(tags...)
		return w.buf
	}
	// The group-level records first: the epoch, the partition counts the
	// assignment was computed from (so that a restart does not see every
	// topic as changed and bump the epoch), and the assignment epoch.
	want[key(consumerGroupMetadataRecord, "")] = value(func(w *writer) { w.Int32(cg.epoch) })
	want[key(consumerPartitionMetadataRecord, "")] = value(func(w *writer) {
		ids := slices.SortedFunc(maps.Keys(cg.topics), compareUUID)
		writeArrayNonNull(w, ids, func(w *writer, id uuid) {
			name := ""
			if t := c.logs.TopicByID(id); t != nil {
				name = t.Name
			}
			w.UUID(id)
			w.String(name)
			w.Int32(int32(cg.topics[id]))
			w.ArrayLen(0) // PartitionMetadata: racks, unused since 4.0
			w.Tags()
		})
	})
	want[key(consumerTargetMetadataRecord, "")] = value(func(w *writer) { w.Int32(cg.assignmentEpoch) })
	// Then three records per member, split as Kafka splits them because
	// they change at different rates: metadata on a subscription change,
	// the target on a reassignment, the current assignment as the member
	// reconciles, so a heartbeat rewrites only the one that moved.
	for _, m := range cg.members {
		want[key(consumerMemberMetadataRecord, m.id)] = value(func(w *writer) {
			w.NullableString(m.instanceID)
			w.NullableString(m.rackID)
			w.String(m.clientID)
			w.String(m.clientHost)
			w.Strings(nonNilStrings(m.subscribed))
			w.NullableString(nilIfEmpty(m.regex))
			w.Int32(int32(m.rebalanceTimeout.Milliseconds()))
			w.NullableString(nilIfEmpty(m.serverAssignor))
		}, classicMemberTags(m)...)
		want[key(consumerTargetMemberRecord, m.id)] = value(func(w *writer) { writePartitionSet(w, cg.target[m.id]) })
		want[key(consumerCurrentAssignmentRecord, m.id)] = value(func(w *writer) {
			w.Int32(m.epoch)
			w.Int32(m.previousEpoch)
			w.Int8(int8(m.state)) // memberState's values are MemberState's
			writePartitionSet(w, m.assigned)
			writePartitionSet(w, m.revoking)
		})
	}
}

// classicMemberTags is the tagged field 0 of ConsumerGroupMemberMetadataValue,
// ClassicMemberMetadata, for a member using the classic protocol
// (migration.go); none for the others, whose null is the default. A
// nullable struct in a tagged field starts with a 1, for present, as
// Kafka's MessageDataGenerator writes it.
func classicMemberTags(m *consumerMember) []tag {
	if m.classic == nil {
		return nil
	}
	return []tag{{0, func(w *writer) {
		w.Int8(1)
		w.Int32(int32(m.classic.sessionTimeout.Milliseconds()))
		writeArrayNonNull(w, m.classic.protocols, func(w *writer, p joinGroupProtocol) {
			w.String(p.Name)
			w.Bytes(nonNil(p.Metadata))
			w.Tags()
		})
		w.Tags()
	}}}
}

// readClassicMember reads what classicMemberTags wrote.
func readClassicMember(r *reader) *classicMember {
	if r.Int8() < 0 {
		return nil
	}
	cm := &classicMember{sessionTimeout: time.Duration(r.Int32()) * time.Millisecond}
	cm.protocols = readArray(r, func(r *reader) joinGroupProtocol {
		p := joinGroupProtocol{Name: r.String(), Metadata: r.Bytes()}
		r.SkipTags()
		return p
	})
	r.SkipTags()
	return cm
}

// writePartitionSet writes a set of partitions as TopicPartitions, by
// topic id, sorted (partitionSet.wire), so that an unchanged assignment
// encodes to the same bytes and storeGroup sees nothing to write.
func writePartitionSet(w *writer, s partitionSet) {
	writeArrayNonNull(w, s.wire(), func(w *writer, t consumerGroupTopicPartitions) {
		w.UUID(t.TopicID)
		w.Int32s(t.Partitions)
		w.Tags()
	})
}

// readPartitionSet reads what writePartitionSet wrote.
func readPartitionSet(r *reader) partitionSet {
	s := make(partitionSet)
	for _, t := range readArray(r, readConsumerGroupTopicPartitions) {
		for _, p := range t.Partitions {
			s[topicIDPartition{t.TopicID, p}] = true
		}
	}
	return s
}

// compareUUID orders topic ids bytewise, for records that list topics in
// a stable order.
func compareUUID(a, b uuid) int { return strings.Compare(string(a[:]), string(b[:])) }

// nonNilStrings is a, never nil, for a non-nullable array field: a nil
// slice would be written as null, which the schema does not allow there.
func nonNilStrings(a []string) []string {
	if a == nil {
		return []string{}
	}
	return a
}

// Load.

// replayGroupRecord applies a group-state record during load: the last
// value of a key wins, a tombstone removes it. The groups are rebuilt from
// what is left once the whole log is read (restoreGroups).
func (c *coordinator) replayGroupRecord(typ int16, k *reader, value []byte) error {
	key, err := parseGroupRecordKey(typ, k)
	if err != nil {
		return err
	}
	g := c.groups[key.group]
	if g == nil {
		g = newGroup(key.group, c.now())
		c.groups[key.group] = g
	}
	if value == nil {
		delete(g.stored, key)
		return nil
	}
	if key.member != "" && g.memberOrder[key.member] == 0 {
		// Members are listed in the order they first appear, which is
		// the order they joined: the range assignor's order.
		g.memberOrder[key.member] = len(g.memberOrder) + 1
	}
	g.stored[key] = value
	return nil
}

// restoreGroups rebuilds every group's membership from its stored
// records, after load. A group whose records do not parse is logged and
// comes back without members, as it would have before this file. That is
// the safe failure: its members' next heartbeat or JoinGroup is answered
// UNKNOWN_MEMBER_ID, they join again and get a fresh assignment; the cost
// is one rebalance, where refusing to start would cost every group.
func (c *coordinator) restoreGroups() {
	for id, g := range c.groups {
		var err error
		switch {
		case g.stored[groupRecordKey{consumerGroupMetadataRecord, g.id, ""}] != nil:
			err = c.restoreConsumerGroup(g)
		case g.stored[groupRecordKey{groupMetadataRecord, g.id, ""}] != nil:
			err = c.restoreClassicGroup(g)
		}
		if err != nil {
			c.log.Warn("group state not restored", "group", g.id, "err", err)
			g.stopTimers()
			g = newGroupWithOffsets(g)
			c.groups[id] = g
		}
		g.memberOrder = nil
	}
}

// newGroupWithOffsets is a fresh group with g's id, offsets and stored
// records.
func newGroupWithOffsets(g *group) *group {
	n := newGroup(g.id, g.stateSince)
	n.offsets, n.stored = g.offsets, g.stored
	return n
}

// restoreClassicGroup reads GroupMetadataValue v0-v4, so that records
// Kafka itself wrote, at whatever version, read here too. A group stored
// with members comes back Stable at its generation, since it is only
// stored when it settles.
func (c *coordinator) restoreClassicGroup(g *group) error {
	r := newReader(g.stored[groupRecordKey{groupMetadataRecord, g.id, ""}], false)
	v := r.Int16()
	if v < 0 || v > 4 {
		return fmt.Errorf("%w: GroupMetadataValue version %d", errOffsetRecord, v)
	}
	r.flexible = v >= 4
	g.protocolType = r.String()
	g.generation = r.Int32()
	g.protocolName = r.NullableString()
	leader := r.NullableString()
	if v >= 2 {
		if ts := r.Int64(); ts > 0 {
			g.stateSince = time.UnixMilli(ts)
		}
	}
	members := readArray(r, func(r *reader) *member {
		m := &member{id: r.String()}
		if v >= 3 {
			m.instanceID = r.NullableString()
		}
		m.clientID, m.clientHost = r.String(), r.String()
		if v >= 1 {
			m.rebalanceTimeout = time.Duration(r.Int32()) * time.Millisecond
		}
		m.sessionTimeout = time.Duration(r.Int32()) * time.Millisecond
		if v == 0 {
			m.rebalanceTimeout = m.sessionTimeout
		}
		m.protocols = []joinGroupProtocol{{Name: deref(g.protocolName), Metadata: r.Bytes()}}
		m.assignment = r.Bytes()
		m.protocolType = g.protocolType
		r.SkipTags()
		return m
	})
	r.SkipTags()
	if err := r.complete(); err != nil {
		return fmt.Errorf("%w: GroupMetadataValue: %w", errOffsetRecord, err)
	}
	for _, m := range members {
		g.add(m)
	}
	g.leader = deref(leader)
	if len(g.members) == 0 {
		g.protocolName, g.leader = nil, ""
		return nil
	}
	if g.members[g.leader] == nil {
		return fmt.Errorf("%w: leader %q is not a member", errOffsetRecord, g.leader)
	}
	g.state = stateStable
	g.subscribed = g.subscribedTopics()
	for _, m := range members {
		c.scheduleExpiry(g, m, m.sessionTimeout)
	}
	c.log.Info("restored group", "group", g.id, "generation", g.generation, "members", len(g.members))
	if len(g.members) > int(c.cfg.GroupMaxSize) {
		// group.max.size was lowered since: rebalance, and the members
		// last to rejoin are left out (GroupCoordinator.onGroupLoaded).
		c.log.Info("restored group is over group.max.size; rebalancing", "group", g.id, "max", c.cfg.GroupMaxSize)
		c.prepareRebalance(g)
	}
	return nil
}

// parseConsumerValue reads a consumer group record value: version 0, then
// flexible fields, which read decodes, then tags, which the optional tags
// decodes (Tags).
func parseConsumerValue(b []byte, read func(r *reader), tags ...func(tag uint64, f *reader)) error {
	r := newReader(b, false)
	if v := r.Int16(); v != 0 && r.err == nil {
		return fmt.Errorf("%w: consumer group value version %d", errOffsetRecord, v)
	}
	r.flexible = true
	read(r)
	if len(tags) > 0 {
		r.Tags(tags[0])
	} else {
		r.SkipTags()
	}
	if err := r.complete(); err != nil {
		return fmt.Errorf("%w: %w", errOffsetRecord, err)
	}
	return nil
}

// restoreConsumerGroup rebuilds a KIP-848 group from its records. The
// member records are found by walking the stored keys, since a member's
// id is only in its keys. A member with metadata but no current
// assignment record comes back assigned nothing, and reconciles from
// there at its next heartbeat.
func (c *coordinator) restoreConsumerGroup(g *group) error {
	cg := newConsumerGroup()
	stored := func(typ int16, member string) []byte { return g.stored[groupRecordKey{typ, g.id, member}] }
	err := parseConsumerValue(stored(consumerGroupMetadataRecord, ""), func(r *reader) { cg.epoch = r.Int32() })
	if b := stored(consumerTargetMetadataRecord, ""); err == nil && b != nil {
		err = parseConsumerValue(b, func(r *reader) { cg.assignmentEpoch = r.Int32() })
	}
	if b := stored(consumerPartitionMetadataRecord, ""); err == nil && b != nil {
		err = parseConsumerValue(b, func(r *reader) {
			readArray(r, func(r *reader) bool {
				id := r.UUID()
				_ = r.String() // the name, for people reading the log
				cg.topics[id] = int(r.Int32())
				readArray(r, func(r *reader) bool { r.Int32(); r.Strings(); r.SkipTags(); return true })
				r.SkipTags()
				return true
			})
		})
	}
	if err != nil {
		return err
	}
	for k := range g.stored {
		if k.typ != consumerMemberMetadataRecord {
			continue
		}
		m, err := restoreConsumerMember(k.member, stored)
		if err != nil {
			return fmt.Errorf("member %s: %w", k.member, err)
		}
		m.seq = uint64(g.memberOrder[m.id])
		cg.nextSeq = max(cg.nextSeq, m.seq)
		cg.members[m.id] = m
		if m.instanceID != nil {
			cg.static[*m.instanceID] = m.id
		}
		cg.target[m.id] = make(partitionSet)
		if b := stored(consumerTargetMemberRecord, m.id); b != nil {
			if err := parseConsumerValue(b, func(r *reader) { cg.target[m.id] = readPartitionSet(r) }); err != nil {
				return fmt.Errorf("member %s: %w", m.id, err)
			}
		}
		if c.cfg.Security.Authorizer && m.matcher != nil {
			m.mayDescribe = c.restoredRegexTopics(m, cg.target[m.id])
		}
	}
	cg.assignor = cg.chooseAssignor()
	g.consumer, g.protocolType, g.protocolName = cg, consumerProtocolType, nil
	session, _ := c.consumerTimeouts(g.id)
	for _, m := range cg.members {
		if m.classic != nil {
			// A classic member's session is its own, and it has no
			// revocation timer (migration.go).
			c.armMemberTimer(g, m, &m.session, m.classic.sessionTimeout, "session expired")
			continue
		}
		c.armMemberTimer(g, m, &m.session, session, "session expired")
		if m.state == memberUnrevoked {
			c.armMemberTimer(g, m, &m.revocation, m.rebalanceTimeout, "did not revoke its partitions within its rebalance timeout")
		}
	}
	c.log.Info("restored consumer group", "group", g.id, "epoch", cg.epoch, "members", len(cg.members))
	return nil
}

// restoredRegexTopics bounds what a restored member's regex matches until
// its first heartbeat brings its principal: the topics it owned, was
// giving up or was meant to get when the broker stopped, which its
// principal's ACLs had allowed. Kafka persists the resolved regex
// (ConsumerGroupRegularExpressionValue) so that a restart keeps the
// filtered resolution; matching every topic instead would, for those few
// seconds, hand the member topics it may not describe.
func (c *coordinator) restoredRegexTopics(m *consumerMember, target partitionSet) func(topic string) bool {
	names := make(map[string]bool)
	for _, set := range []partitionSet{m.assigned, m.revoking, target} {
		for tp := range set {
			if t := c.logs.TopicByID(tp.topic); t != nil {
				names[t.Name] = true
			}
		}
	}
	return func(topic string) bool { return names[topic] }
}

// restoreConsumerMember reads a member's metadata and current assignment.
func restoreConsumerMember(id string, stored func(int16, string) []byte) (*consumerMember, error) {
	m := &consumerMember{id: id, assigned: make(partitionSet)}
	err := parseConsumerValue(stored(consumerMemberMetadataRecord, id), func(r *reader) {
		m.instanceID, m.rackID = r.NullableString(), r.NullableString()
		m.clientID, m.clientHost = r.String(), r.String()
		m.subscribed = slices.Sorted(slices.Values(r.Strings()))
		m.regex = deref(r.NullableString())
		m.rebalanceTimeout = time.Duration(r.Int32()) * time.Millisecond
		m.serverAssignor = deref(r.NullableString())
	}, func(tag uint64, f *reader) {
		if tag == 0 {
			m.classic = readClassicMember(f)
		}
	})
	if err != nil {
		return nil, err
	}
	if m.matcher, err = compileTopicRegex(m.regex); err != nil {
		return nil, fmt.Errorf("%w: regex: %w", errOffsetRecord, err)
	}
	if b := stored(consumerCurrentAssignmentRecord, id); b != nil {
		err = parseConsumerValue(b, func(r *reader) {
			m.epoch, m.previousEpoch = r.Int32(), r.Int32()
			m.state = memberState(r.Int8())
			m.assigned, m.revoking = readPartitionSet(r), readPartitionSet(r)
		})
		if err == nil && (m.state < memberStable || m.state > memberUnreleased) {
			err = fmt.Errorf("%w: member state %d", errOffsetRecord, m.state)
		}
		if len(m.revoking) == 0 {
			m.revoking = nil
		}
	}
	return m, err
}
