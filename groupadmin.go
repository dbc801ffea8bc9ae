// This file holds the group APIs that look at groups from outside, in
// Part II after groups.go, consumer.go and sharegroups.go, whose groups it
// assumes: DescribeGroups, ListGroups and DeleteGroups, as admin tools
// (kafka-consumer-groups.sh, kadm) call them, for groups of every type.
//
// They are the only APIs that see every kind of group at once: classic
// and KIP-848 groups live in the coordinator of groups.go, share groups in
// that of sharegroups.go, and group ids are one namespace across both, so
// ListGroups and DeleteGroups ask each. None of them changes a live group:
// DeleteGroups refuses one with members, so that no consumer finds its
// group gone while it is in it.

package kafka

import (
	"context"
	"maps"
	"slices"
	"strings"
)

// DescribeGroups: v0-6 (DescribeGroupsRequest.json, DescribeGroupsResponse.json)
//
//	v1: ThrottleTimeMs
//	v3: IncludeAuthorizedOperations and AuthorizedOperations (KIP-430)
//	v4: GroupInstanceId of members (KIP-345)
//	v5: flexible
//	v6: each group's ErrorMessage; a group not found is GROUP_ID_NOT_FOUND (KIP-1043)
//
// Only classic groups are described. Any other id, a group that does not
// exist, a KIP-848 consumer group (which ConsumerGroupDescribe describes)
// or a share group, is "not found": before v6 that reads as Dead with no
// error, from v6 as Dead with GROUP_ID_NOT_FOUND and the reason, as
// Kafka 4.0's GroupMetadataManager.describeGroups answers. Members'
// metadata and assignments, and the protocol, are given only while the
// group is Stable, when they are settled.
//
// The authorized operations, when asked for, are what the ACLs allow the
// client on the group (operations.go); with the authorizer off, every
// operation a group has, as Kafka answers without an authorizer.
type describeGroupsRequest struct {
	Groups                      []string
	IncludeAuthorizedOperations bool
}

func (m *describeGroupsRequest) decode(r *reader, v int16) {
	m.Groups = r.Strings()
	if v >= 3 {
		m.IncludeAuthorizedOperations = r.Bool()
	}
	r.SkipTags()
}

type describeGroupsResponse struct {
	ThrottleTimeMs int32
	Groups         []describedGroup
}

// describedGroup is one group's description. ProtocolType is what the
// members use the group for ("consumer" for consumers, "connect" for
// Kafka Connect workers, "" for a group that only holds offsets), and
// ProtocolData the protocol they agreed on, for consumers the assignor
// ("range", "cooperative-sticky").
type describedGroup struct {
	ErrorCode            int16
	ErrorMessage         *string
	GroupID              string
	GroupState           string
	ProtocolType         string
	ProtocolData         string
	Members              []describedGroupMember
	AuthorizedOperations int32
}

// describedGroupMember is one member. The metadata and assignment are the
// bytes the members exchanged through JoinGroup and SyncGroup, opaque to
// the broker: for consumers, ConsumerProtocol's Subscription and
// Assignment, which kafka-consumer-groups.sh --describe --members decodes
// to show each member's partitions.
type describedGroupMember struct {
	MemberID         string
	GroupInstanceID  *string
	ClientID         string
	ClientHost       string
	MemberMetadata   []byte
	MemberAssignment []byte
}

func (m *describeGroupsResponse) encode(w *writer, v int16) {
	if v >= 1 {
		w.Int32(m.ThrottleTimeMs)
	}
	writeArrayNonNull(w, m.Groups, func(w *writer, g describedGroup) {
		w.Int16(g.ErrorCode)
		if v >= 6 {
			w.NullableString(g.ErrorMessage)
		}
		w.String(g.GroupID)
		w.String(g.GroupState)
		w.String(g.ProtocolType)
		w.String(g.ProtocolData)
		writeArrayNonNull(w, g.Members, func(w *writer, mm describedGroupMember) {
			w.String(mm.MemberID)
			if v >= 4 {
				w.NullableString(mm.GroupInstanceID)
			}
			w.String(mm.ClientID)
			w.String(mm.ClientHost)
			// Both fields are non-nullable bytes: a member described
			// outside Stable has none, and must be sent as empty, since
			// Java's generated reader throws on a null there.
			w.Bytes(nonNil(mm.MemberMetadata))
			w.Bytes(nonNil(mm.MemberAssignment))
			w.Tags()
		})
		if v >= 3 {
			w.Int32(g.AuthorizedOperations)
		}
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleDescribeGroups(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeGroupsRequest)
	resp := &describeGroupsResponse{Groups: make([]describedGroup, len(req.Groups))}
	for i, id := range req.Groups {
		resp.Groups[i] = b.describeGroup(id, rc.header.APIVersion)
		// As KafkaApis.handleDescribeGroupsRequest, a group described
		// with an error has no operations; one described as Dead does.
		if req.IncludeAuthorizedOperations && resp.Groups[i].ErrorCode == codeNone {
			resp.Groups[i].AuthorizedOperations = b.authorizedOperations(rc, resGroup, id)
		}
	}
	return resp
}

// describeGroup is one group of DescribeGroups at version v. A group
// that is not a classic one is Dead; from v6 it also carries
// GROUP_ID_NOT_FOUND and the message of the GroupIdNotFoundException
// that Kafka's classicGroup lookup throws. Share groups live in their
// own coordinator, so that message is decided here for them.
func (b *Broker) describeGroup(id string, v int16) describedGroup {
	d, notFound := b.groups.describe(id)
	if notFound != "" && b.shares.exists(id) {
		notFound = groupNotClassic(id)
	}
	if notFound != "" && v >= 6 {
		d.ErrorCode, d.ErrorMessage = codeGroupIDNotFound, &notFound
	}
	return d
}

// The messages of DescribeGroups v6's GROUP_ID_NOT_FOUND, those of
// GroupMetadataManager.group and classicGroup.
func groupNotFound(id string) string   { return "Group " + id + " not found." }
func groupNotClassic(id string) string { return "Group " + id + " is not a classic group." }

// describe is one group of DescribeGroups, under the group's lock so that
// the state and the members are of the same moment. Members are sorted by
// id, so that tools and tests see the same order on every call. A group
// it cannot describe is Dead, and notFound says why.
func (c *coordinator) describe(id string) (d describedGroup, notFound string) {
	d = describedGroup{GroupID: id, GroupState: stateDead.String(), Members: []describedGroupMember{}, AuthorizedOperations: authorizedOperationsOmitted}
	g := c.lockGroup(id, false)
	if g == nil {
		return d, groupNotFound(id)
	}
	defer g.mu.Unlock()
	if g.consumer != nil {
		return d, groupNotClassic(id)
	}
	stable := g.state == stateStable
	d.GroupState, d.ProtocolType = g.state.String(), g.protocolType
	if stable {
		d.ProtocolData = deref(g.protocolName)
	}
	for _, m := range g.sortedMembers() {
		dm := describedGroupMember{MemberID: m.id, GroupInstanceID: m.instanceID, ClientID: m.clientID, ClientHost: m.clientHost}
		// A member offers metadata for each protocol it supports; the
		// one described is for the protocol the group chose.
		if stable {
			dm.MemberMetadata, dm.MemberAssignment = m.metadataFor(*g.protocolName), m.assignment
		}
		d.Members = append(d.Members, dm)
	}
	return d, ""
}

// ListGroups: v0-5 (ListGroupsRequest.json, ListGroupsResponse.json)
//
//	v1: ThrottleTimeMs
//	v3: flexible
//	v4: StatesFilter, and each group's GroupState (KIP-518)
//	v5: TypesFilter, and each group's GroupType (KIP-848)
//
// Every group but the Dead ones, sorted by id. The filters match
// case-insensitively; a KIP-848 group is of type "consumer" and reports
// its own states (Empty, Assigning, Reconciling, Stable). Share groups are
// listed at every version, as Kafka's GroupMetadataManager.listGroups
// lists them; before v5 their protocol type, "share", tells them apart.
type listGroupsRequest struct {
	StatesFilter []string
	TypesFilter  []string
}

func (m *listGroupsRequest) decode(r *reader, v int16) {
	if v >= 4 {
		m.StatesFilter = r.Strings()
	}
	if v >= 5 {
		m.TypesFilter = r.Strings()
	}
	r.SkipTags()
}

type listGroupsResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	Groups         []listedGroup
}

// listedGroup is one group of ListGroups. GroupState is sent from v4 and
// GroupType from v5; older clients get the id and protocol type only,
// which is how kafka-consumer-groups.sh --list told consumer groups from
// others before there were types.
type listedGroup struct {
	GroupID      string
	ProtocolType string
	GroupState   string
	GroupType    string
}

func (m *listGroupsResponse) encode(w *writer, v int16) {
	if v >= 1 {
		w.Int32(m.ThrottleTimeMs)
	}
	w.Int16(m.ErrorCode)
	writeArrayNonNull(w, m.Groups, func(w *writer, g listedGroup) {
		w.String(g.GroupID)
		w.String(g.ProtocolType)
		if v >= 4 {
			w.String(g.GroupState)
		}
		if v >= 5 {
			w.String(g.GroupType)
		}
		w.Tags()
	})
	w.Tags()
}

// The group types of ListGroups v5: the classic protocol's, KIP-848's
// (consumer.go) and KIP-932's share groups (sharegroups.go).
const (
	classicGroupType  = "classic"
	consumerGroupType = "consumer"
)

func (b *Broker) handleListGroups(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*listGroupsRequest)
	// Kafka's GroupMetadataManager.listGroups trims the state filters,
	// though not the type filters, so "Stable, Empty" split at the comma
	// still names two states.
	states := make([]string, len(req.StatesFilter))
	for i, s := range req.StatesFilter {
		states[i] = strings.TrimSpace(s)
	}
	groups := b.groups.list(states, req.TypesFilter)
	// Share groups are listed at every version, as Kafka's
	// GroupMetadataManager.listGroups lists every group whatever the
	// version: before v5 a client tells them apart by their protocol
	// type, "share".
	groups = append(groups, b.shares.list(func(typ, state string) bool {
		return matchesFilter(req.TypesFilter, typ) && matchesFilter(states, state)
	})...)
	return &listGroupsResponse{Groups: groups}
}

// matchesFilter reports whether s passes a ListGroups filter: an empty
// filter passes everything, and names compare case-insensitively, as
// Kafka's do, so that --state stable and --state Stable both work.
func matchesFilter(filter []string, s string) bool {
	return len(filter) == 0 || slices.ContainsFunc(filter, func(f string) bool { return strings.EqualFold(f, s) })
}

// list is ListGroups for the classic and KIP-848 groups. Each group is
// locked in turn, not all at once: a listing is not a snapshot of every
// group at one moment, which nobody can tell apart from groups changing
// just after the answer, and locking them all would stall every
// heartbeat for a listing.
func (c *coordinator) list(states, types []string) []listedGroup {
	listed := []listedGroup{}
	for _, g := range c.allGroups() {
		g.mu.Lock()
		typ, state := classicGroupType, g.state.String()
		if g.consumer != nil {
			typ, state = consumerGroupType, g.consumer.state().String()
		}
		if g.state != stateDead && matchesFilter(types, typ) && matchesFilter(states, state) {
			listed = append(listed, listedGroup{GroupID: g.id, ProtocolType: g.protocolType, GroupState: state, GroupType: typ})
		}
		g.mu.Unlock()
	}
	return listed
}

// DeleteGroups: v0-2 (DeleteGroupsRequest.json, DeleteGroupsResponse.json)
//
//	v1: no change (throttling after the response, KIP-219)
//	v2: flexible
//
// Only a group without members may be deleted (NON_EMPTY_GROUP otherwise);
// its committed offsets are deleted with it, as tombstones in
// __consumer_offsets, so that they do not come back at the next start.
type deleteGroupsRequest struct {
	GroupsNames []string
}

func (m *deleteGroupsRequest) decode(r *reader, v int16) {
	m.GroupsNames = r.Strings()
	r.SkipTags()
}

type deleteGroupsResponse struct {
	ThrottleTimeMs int32
	Results        []deletableGroupResult
}

// deletableGroupResult is one group's outcome: NONE, GROUP_ID_NOT_FOUND,
// NON_EMPTY_GROUP, or UNKNOWN_SERVER_ERROR if its tombstones could not be
// written, which leaves the group as it was.
type deletableGroupResult struct {
	GroupID   string
	ErrorCode int16
}

func (m *deleteGroupsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Results, func(w *writer, g deletableGroupResult) {
		w.String(g.GroupID)
		w.Int16(g.ErrorCode)
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleDeleteGroups(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*deleteGroupsRequest)
	resp := &deleteGroupsResponse{Results: []deletableGroupResult{}}
	seen := make(map[string]bool)
	for _, id := range req.GroupsNames {
		if !seen[id] { // Kafka takes the names as a set
			seen[id] = true
			// Share groups are asked first; an id they do not hold goes
			// to the other coordinator, which answers GROUP_ID_NOT_FOUND
			// if it holds none either.
			code, isShare := b.shares.deleteGroup(id)
			if !isShare {
				code = b.groups.deleteGroup(id)
			}
			resp.Results = append(resp.Results, deletableGroupResult{GroupID: id, ErrorCode: code})
		}
	}
	return resp
}

// deleteGroup is DeleteGroups for a classic or KIP-848 group. The
// offsets' tombstones are written first and the group is forgotten only
// once they are: if the write fails the group stays, offsets and all, for
// the admin to retry; once written, a restart finds no offsets and load
// drops the empty group. A group of the same id created later starts with
// no offsets.
func (c *coordinator) deleteGroup(id string) int16 {
	g := c.lockGroup(id, false)
	if g == nil {
		return codeGroupIDNotFound
	}
	defer g.mu.Unlock()
	if g.state != stateEmpty || (g.consumer != nil && len(g.consumer.members) > 0) {
		return codeNonEmptyGroup
	}
	if err := c.deleteOffsets(g, sortedPartitions(slices.Collect(maps.Keys(g.offsets)))); err != nil {
		c.log.Error("deleting group offsets", "group", id, "err", err)
		return codeUnknownServerError
	}
	c.removeGroup(g)
	c.log.Info("deleted group", "group", id)
	return codeNone
}
