// This file holds the two APIs through which share group members read
// records, ShareFetch and ShareAcknowledge, and the share sessions they
// run in. It follows Apache Kafka 4.1's SharePartitionManager and
// ShareSessionCache
// (https://github.com/apache/kafka/blob/4.1.0/core/src/main/java/kafka/server/share/SharePartitionManager.java).
// It builds on share.go (the state machine a fetch acquires from) and
// sharegroups.go (the groups); read those first.
//
// Place in the book: Part II, after share.go and
// sharegroups.go.
//
// # A share fetch
//
// A member's ShareFetch does three things, in this order:
//
//  1. it moves its share session along: epoch 0 opens one with the
//     partitions named, each later epoch adds the partitions named and
//     drops the forgotten ones, -1 closes it;
//  2. it applies the acknowledgements it carries for records of earlier
//     fetches (piggy-backed, so that a consumer that keeps fetching needs
//     no ShareAcknowledge);
//  3. it acquires records of the session's partitions for the member and
//     returns them, with AcquiredRecords saying which offsets are the
//     member's and how often each was delivered. When there is nothing to
//     acquire, or less than MinBytes of records from where the member
//     would read, it waits, up to MaxWaitMs, for an append, a release or
//     a lock to expire, and then takes what there is.
//
// The records go out as the batches the log holds, whole: a batch may
// hold offsets that another member has, and the client keeps only those
// AcquiredRecords names, as Kafka's clients do.
//
// The epochs of a session, ShareFetch and ShareAcknowledge alike
// (ShareRequestMetadata):
//
//	0     open a session (replacing the member's old one); no acknowledgements
//	n>0   the next request of the session; anything else is
//	      INVALID_SHARE_SESSION_EPOCH, no session SHARE_SESSION_NOT_FOUND
//	-1    acknowledge, then close the session and release what the member
//	      still holds
//
// Design note: the log is read with the share coordinator's lock
// released, so a slow read stalls no heartbeat. The fetch notes where to
// read from under the lock, reads, and takes the lock again to acquire;
// acquire only takes what is still available then (share.go), so two
// fetches racing for the same records each get a part, never the same
// one.
//
// Sessions are limited in number as Kafka limits them
// (group.share.max.share.sessions, default 2000): a fetch that would open
// one more waits out its MaxWaitMs and gets SHARE_SESSION_LIMIT_REACHED.
//
// MaxRecords bounds what a fetch acquires across its partitions, rounded
// up to the end of the log batch of the last record taken under
// ShareAcquireMode batch_optimized (all of v1, Kafka 4.1's only mode),
// exactly under v2's record_limit. Under batch_optimized the
// AcquiredRecords are cut at the first log batch boundary after every
// BatchSize records (SharePartition.createBatches). A fetch asking for
// no records or no bytes is answered at once with nothing
// (SharePartitionManager's processShareFetch, 4.2).
//
// The first fetch of a share partition loads it, and a fetch that loads
// several answers with the partitions loaded before it and the first of
// its own that has records, the rest being ready for the next fetch: in
// Kafka the share partition reads its state from the share coordinator
// first (SharePartition.maybeInitialize), and the DelayedShareFetch
// waiting on them completes when the first load does. So two partitions
// new to a group come in two fetches, which clients' tests count on.
//
// Transaction markers are acquired with their batches, as in Kafka, and
// the member acknowledges them as gaps (scanShareBatches).
//
// A request refused as a whole carries its error code and no message, as
// Kafka's getErrorResponse builds it; a ShareAcknowledge partition that
// fails carries the message Kafka's share partition gives
// (acknowledge), and so does a ShareFetch's AcknowledgeErrorMessage for
// the acknowledgements it carried, as Kafka 4.2's KafkaApis passes it on
// (Kafka 4.1 left it null).

package kafka

import (
	"context"
	"maps"
	"slices"
	"time"
)

// Share session epochs with a meaning of their own (ShareRequestMetadata).
// A client that gets SHARE_SESSION_NOT_FOUND or INVALID_SHARE_SESSION_EPOCH
// sends its next request at the initial epoch (ShareSessionHandler's
// nextCloseExistingAttemptNew), naming every partition again: so both
// codes cost a round trip, never records.
const (
	shareInitialEpoch int32 = 0
	shareFinalEpoch   int32 = -1
)

// ShareAcquireMode values (ShareFetchRequest v2, KIP-1206); v1 has no
// field, and is batch_optimized, Kafka 4.1's only mode.
const (
	shareAcquireBatchOptimized int8 = 0 // MaxRecords rounded up to whole log batches
	shareAcquireRecordLimit    int8 = 1 // MaxRecords exactly
)

// shareSessionKey names a share session, as Kafka's ShareSessionKey does:
// a member has at most one session per broker, and a new one at epoch 0
// replaces it.
type shareSessionKey struct{ group, member string }

// shareSession is one member's session: the partitions it fetches and
// the epoch its next request must carry. It exists so that a fetch names
// only what changed (KIP-932 borrowed the incremental fetch sessions of
// KIP-227): a member reading a hundred partitions sends their list once,
// then empty fetches that carry only acknowledgements.
type shareSession struct {
	epoch      int32
	partitions map[topicIDPartition]bool
	// conn is the connection that opened it, so that a closed connection
	// ends it and releases its records at once (connClosed).
	conn *conn
}

// ShareFetch: v1-2 (ShareFetchRequest.json, ShareFetchResponse.json)
//
//	v1: MaxRecords and BatchSize; AcquisitionLockTimeoutMs in the response;
//	    PartitionMaxBytes gone (Kafka 4.1, the first stable version)
//	v2: ShareAcquireMode, IsRenewAck and the RENEW acknowledge type
//	    (KIP-1222, Kafka 4.2)
//
// https://github.com/apache/kafka/blob/4.1.0/clients/src/main/resources/common/message/ShareFetchRequest.json
//
// A partition's errors are Kafka's, here and in ShareAcknowledge: a topic
// id the broker does not know is UNKNOWN_TOPIC_ID, and acknowledgement
// batches that are not well formed (validAckBatches) are INVALID_REQUEST
// before any of them reaches the share partition.
type shareFetchRequest struct {
	GroupID             *string
	MemberID            *string
	ShareSessionEpoch   int32
	MaxWaitMs           int32
	MinBytes            int32
	MaxBytes            int32
	MaxRecords          int32
	BatchSize           int32
	ShareAcquireMode    int8
	IsRenewAck          bool
	Topics              []shareFetchTopic
	ForgottenTopicsData []shareForgottenTopic

	version int16 // the request's, which bounds the acknowledge types
}

// shareFetchTopic names partitions to add to the session, each with the
// acknowledgements of records it fetched before.
type shareFetchTopic struct {
	TopicID    uuid
	Partitions []shareFetchPartition
}

type shareFetchPartition struct {
	PartitionIndex         int32
	AcknowledgementBatches []shareAckBatch
}

// shareAckBatch acknowledges the offsets FirstOffset to LastOffset.
// AcknowledgeTypes holds one type for the whole range, or one per offset:
// 0 a gap (no record there), 1 accept, 2 release, 3 reject, and from
// v2 4 renew, which extends the lock instead (KIP-1222). A client sends
// one type per range when it can, so that a thousand accepted records
// cost one range on the wire, not a thousand types.
type shareAckBatch struct {
	FirstOffset      int64
	LastOffset       int64
	AcknowledgeTypes []int8
}

type shareForgottenTopic struct {
	TopicID    uuid
	Partitions []int32
}

// readShareAckBatch reads one batch, shared by ShareFetch and
// ShareAcknowledge, whose schemas define it alike. The types array is
// read like any array, its length bounded by the bytes left, so a forged
// length cannot make it allocate.
func readShareAckBatch(r *reader) (b shareAckBatch) {
	b.FirstOffset = r.Int64()
	b.LastOffset = r.Int64()
	b.AcknowledgeTypes = readArray(r, (*reader).Int8)
	r.SkipTags()
	return b
}

func (m *shareFetchRequest) decode(r *reader, v int16) {
	m.version = v
	m.GroupID = r.NullableString()
	m.MemberID = r.NullableString()
	m.ShareSessionEpoch = r.Int32()
	m.MaxWaitMs = r.Int32()
	m.MinBytes = r.Int32()
	m.MaxBytes = r.Int32()
	m.MaxRecords = r.Int32()
	m.BatchSize = r.Int32()
	if v >= 2 {
		m.ShareAcquireMode = r.Int8()
		m.IsRenewAck = r.Bool()
	}
	m.Topics = readArray(r, func(r *reader) (t shareFetchTopic) {
		t.TopicID = r.UUID()
		t.Partitions = readArray(r, func(r *reader) (p shareFetchPartition) {
			p.PartitionIndex = r.Int32()
			p.AcknowledgementBatches = readArray(r, readShareAckBatch)
			r.SkipTags()
			return p
		})
		r.SkipTags()
		return t
	})
	m.ForgottenTopicsData = readArray(r, func(r *reader) (t shareForgottenTopic) {
		t.TopicID = r.UUID()
		t.Partitions = r.Int32s()
		r.SkipTags()
		return t
	})
	r.SkipTags()
}

type shareFetchResponse struct {
	ThrottleTimeMs           int32
	ErrorCode                int16
	ErrorMessage             *string
	AcquisitionLockTimeoutMs int32
	Responses                []shareFetchTopicResponse
	NodeEndpoints            []shareNodeEndpoint
}

type shareFetchTopicResponse struct {
	TopicID    uuid
	Partitions []shareFetchPartitionResponse
}

// shareFetchPartitionResponse carries two results for one partition:
// ErrorCode is the fetch's, AcknowledgeErrorCode that of the
// acknowledgements the request carried for it, since a fetch can succeed
// while an acknowledgement of an old record fails, or the reverse.
type shareFetchPartitionResponse struct {
	PartitionIndex          int32
	ErrorCode               int16
	ErrorMessage            *string
	AcknowledgeErrorCode    int16
	AcknowledgeErrorMessage *string
	CurrentLeader           leaderAndEpoch
	Records                 []byte
	AcquiredRecords         []acquiredRange
}

// shareNodeEndpoint is a broker a CurrentLeader names. This broker leads
// every partition and never moves one, so it names no other and sends
// the list empty; the field is there for clients of a cluster.
type shareNodeEndpoint struct {
	NodeID int32
	Host   string
	Port   int32
	Rack   *string
}

func (m *shareFetchResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	w.Int32(m.AcquisitionLockTimeoutMs)
	writeArrayNonNull(w, m.Responses, func(w *writer, t shareFetchTopicResponse) {
		w.UUID(t.TopicID)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p shareFetchPartitionResponse) {
			w.Int32(p.PartitionIndex)
			w.Int16(p.ErrorCode)
			w.NullableString(p.ErrorMessage)
			w.Int16(p.AcknowledgeErrorCode)
			w.NullableString(p.AcknowledgeErrorMessage)
			w.Int32(p.CurrentLeader.LeaderID)
			w.Int32(p.CurrentLeader.LeaderEpoch)
			w.Tags()
			// Never null: an empty partition is zero bytes, as
			// librdkafka needs of Fetch's records too.
			w.Bytes(p.Records)
			writeArrayNonNull(w, p.AcquiredRecords, func(w *writer, a acquiredRange) {
				w.Int64(a.FirstOffset)
				w.Int64(a.LastOffset)
				w.Int16(a.DeliveryCount)
				w.Tags()
			})
			w.Tags()
		})
		w.Tags()
	})
	writeShareNodeEndpoints(w, m.NodeEndpoints)
	w.Tags()
}

func writeShareNodeEndpoints(w *writer, eps []shareNodeEndpoint) {
	writeArrayNonNull(w, eps, func(w *writer, e shareNodeEndpoint) {
		w.Int32(e.NodeID)
		w.String(e.Host)
		w.Int32(e.Port)
		w.NullableString(e.Rack)
		w.Tags()
	})
}

func (b *Broker) handleShareFetch(ctx context.Context, rc *requestContext, r request) response {
	return b.shares.fetch(ctx, rc.conn, r.(*shareFetchRequest))
}

// fetch is SharePartitionManager.fetchMessages, with the acknowledgements
// of KafkaApis.handleShareFetchRequest before it.
func (c *shareCoordinator) fetch(ctx context.Context, cn *conn, req *shareFetchRequest) *shareFetchResponse {
	resp := &shareFetchResponse{Responses: []shareFetchTopicResponse{}, NodeEndpoints: []shareNodeEndpoint{}}
	// A refusal of the whole request carries its code alone: Kafka's
	// ShareFetchRequest.getErrorResponse builds it from the error's code,
	// leaving ErrorMessage null.
	fail := func(code int16) *shareFetchResponse {
		resp.ErrorCode = code
		return resp
	}
	if req.GroupID == nil || *req.GroupID == "" || req.MemberID == nil || *req.MemberID == "" {
		return fail(codeInvalidRequest)
	}
	key := shareSessionKey{*req.GroupID, *req.MemberID}
	acks := req.acknowledgements()
	// Acknowledgements belong to records of a session, and one being
	// opened has none yet: SharePartitionManager.newContext refuses the
	// pair with INVALID_REQUEST before it touches the old session.
	if req.ShareSessionEpoch == shareInitialEpoch && len(acks) > 0 {
		return fail(codeInvalidRequest)
	}

	c.mu.Lock()
	sess, code := c.advanceSession(key, req.ShareSessionEpoch)
	if code != codeNone {
		c.mu.Unlock()
		if code == codeShareSessionLimitReached {
			// KafkaApis answers this only after MaxWaitMs, so that a
			// client retrying at once does not spin.
			waitOrDone(ctx, time.Duration(max(req.MaxWaitMs, 0))*time.Millisecond)
		}
		return fail(code)
	}
	if req.ShareSessionEpoch == shareInitialEpoch {
		sess.conn = cn
	}
	// The client learns how long it holds what it is given, so it can
	// acknowledge (or renew, KIP-1222) before the lock runs out and the
	// records go to another member.
	resp.AcquisitionLockTimeoutMs = int32(c.limits(key.group).lockDuration.Milliseconds())
	if sess != nil {
		sess.update(req)
	}
	// Acknowledgements go first, under the same lock as the session
	// change: a record released here may be acquired by this very fetch.
	results := &shareResults{resp: resp, index: map[topicIDPartition][2]int{}}
	for tp, batches := range acks {
		pr := results.get(tp)
		pr.AcknowledgeErrorCode, pr.AcknowledgeErrorMessage = c.acknowledge(key, tp, batches, req.version)
	}
	if sess == nil || req.IsRenewAck {
		// A closing fetch, or one that only renews locks (KIP-1222),
		// acquires nothing.
		if sess == nil {
			c.closeSession(key)
		}
		c.mu.Unlock()
		return resp
	}
	parts := slices.SortedFunc(maps.Keys(sess.partitions), compareTIP)
	c.mu.Unlock()

	c.fetchRecords(ctx, key, parts, req, results)
	return resp
}

// fetchRecords is the fetch proper, SharePartitionManager.fetchMessages:
// it acquires records of parts for the member into results, waiting for
// some up to MaxWaitMs.
func (c *shareCoordinator) fetchRecords(ctx context.Context, key shareSessionKey, parts []topicIDPartition, req *shareFetchRequest, results *shareResults) {
	// SharePartitionManager.processShareFetch answers a fetch that asks
	// for no records or no bytes at once, with no partitions: its
	// acknowledgements are still applied (fetch did them first) and
	// nothing is locked to the member. A negative MaxBytes passes that
	// test and fails where the bytes are shared out
	// (PartitionMaxBytesStrategy.checkValidArguments), which
	// DelayedShareFetch answers with the error on every partition it could
	// fetch.
	switch {
	case req.MaxRecords == 0 || req.MaxBytes == 0:
		return
	case req.MaxBytes < 0:
		c.failFetchable(key, parts, codeUnknownServerError, "Request max bytes must be greater than 0", results)
		return
	}
	c.acquireWaiting(ctx, key, parts, req, results)
}

// acquireMode is how a fetch shapes what it acquires. ShareAcquireMode
// batch_optimized (0, and all of v1) rounds MaxRecords up to whole log
// batches and cuts AcquiredRecords every BatchSize records, at batch
// boundaries; record_limit (1) does neither.
type acquireMode struct {
	aligned   bool // batch_optimized
	batchSize int
}

// batching is what acquire shapes by, given the batches a fetch read;
// nil under record_limit.
func (m acquireMode) batching(batches []shareBatch) *shareBatching {
	if !m.aligned {
		return nil
	}
	return &shareBatching{batches, m.batchSize}
}

// acknowledgements are the request's acknowledgement batches by
// partition, for the partitions that have any.
func (req *shareFetchRequest) acknowledgements() map[topicIDPartition][]shareAckBatch {
	acks := map[topicIDPartition][]shareAckBatch{}
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			if len(p.AcknowledgementBatches) > 0 {
				acks[topicIDPartition{t.TopicID, p.PartitionIndex}] = p.AcknowledgementBatches
			}
		}
	}
	return acks
}

// update applies a request's partitions to the session: added before
// forgotten, as Kafka's ShareSession.update does, so that a partition
// both named and forgotten in one request leaves the session and this
// fetch acquires nothing from it (its acknowledgements, if any, are still
// applied). A fetch that opens a session has nothing to forget yet, and
// Kafka's SharePartitionManager.newContext ignores its forgotten list
// there.
func (sess *shareSession) update(req *shareFetchRequest) {
	for _, t := range req.Topics {
		for _, p := range t.Partitions {
			sess.partitions[topicIDPartition{t.TopicID, p.PartitionIndex}] = true
		}
	}
	if req.ShareSessionEpoch == shareInitialEpoch {
		return
	}
	for _, t := range req.ForgottenTopicsData {
		for _, p := range t.Partitions {
			delete(sess.partitions, topicIDPartition{t.TopicID, p})
		}
	}
}

// advanceSession checks a request's session epoch against the member's
// session and moves it on; the session is nil for the final epoch. The
// epoch is what makes a retried request harmless: a client that lost an
// answer and sends the same epoch again gets INVALID_SHARE_SESSION_EPOCH
// and opens a new session, instead of having the same acknowledgements
// applied twice or its session changed twice.
func (c *shareCoordinator) advanceSession(key shareSessionKey, epoch int32) (*shareSession, int16) {
	sess := c.sessions[key]
	switch {
	case epoch == shareInitialEpoch:
		// The member's old session goes first, so that reopening never
		// counts against the limit (SharePartitionManager.newContext).
		delete(c.sessions, key)
		if len(c.sessions) >= int(c.b.cfg.ShareMaxSessions) {
			return nil, codeShareSessionLimitReached
		}
		sess = &shareSession{epoch: 1, partitions: map[topicIDPartition]bool{}}
		c.sessions[key] = sess
		return sess, codeNone
	case sess == nil:
		return nil, codeShareSessionNotFound
	case epoch == shareFinalEpoch:
		return nil, codeNone
	case epoch != sess.epoch:
		return nil, codeInvalidShareSessionEpoch
	}
	sess.epoch++
	if sess.epoch < 0 { // wrapped: 1 follows MaxInt32, as Kafka's nextEpoch
		sess.epoch = 1
	}
	return sess, codeNone
}

// waitOrDone waits d, or until ctx ends.
func waitOrDone(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// closeSession ends the member's session and gives back what it holds.
// Without a session the member can no longer acknowledge, so keeping its
// records until their locks ran out would only delay the other members.
func (c *shareCoordinator) closeSession(key shareSessionKey) {
	delete(c.sessions, key)
	if g := c.groups[key.group]; g != nil {
		c.releaseMember(g, key.member)
	}
}

// connClosed ends the share sessions opened on cn, as Kafka's
// ShareSessionCache does when a connection closes: the records their
// members hold go to others at once, not after the lock duration.
func (c *shareCoordinator) connClosed(cn *conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, sess := range c.sessions {
		if sess.conn == cn {
			c.closeSession(key)
		}
	}
}

// acknowledge applies a partition's acknowledgement batches, all or
// none, and writes the partition's state if it changed. The checks are
// KafkaApis.handleAcknowledgements' and SharePartitionManager.acknowledge's,
// in their order: a topic id the broker does not know is UNKNOWN_TOPIC_ID,
// batches of a bad form INVALID_REQUEST, a partition the topic does not
// have or the group holds no state for UNKNOWN_TOPIC_OR_PARTITION, and an
// empty list of batches acknowledges nothing, successfully.
//
// The message is what Kafka's ShareAcknowledge carries with the code:
// none for KafkaApis' refusals (partitionResponse sets the code alone),
// the exception's message for SharePartitionManager's and
// SharePartition's (mapAcknowledgementFutures).
func (c *shareCoordinator) acknowledge(key shareSessionKey, tp topicIDPartition, batches []shareAckBatch, version int16) (int16, *string) {
	t := c.b.logs.TopicByID(tp.topic)
	if t == nil {
		return codeUnknownTopicID, nil
	}
	if !validAckBatches(batches, version) {
		return codeInvalidRequest, nil
	}
	g := c.groups[key.group]
	var sp *sharePartition
	if g != nil {
		sp = g.partitions[tp]
	}
	switch {
	case c.b.topicPartition(t, tp.partition) == nil || (sp == nil && len(batches) > 0):
		// Errors.UNKNOWN_TOPIC_OR_PARTITION.exception()'s message.
		return codeUnknownTopicOrPartition, ptr("This server does not host this topic-partition.")
	case len(batches) == 0:
		return codeNone, nil
	}
	// An expired lock is applied first: a member acknowledging a record
	// whose lock ran out no longer holds it, and gets INVALID_RECORD_STATE,
	// which the Java share consumer reports to its acknowledgement commit
	// callback for those records.
	now := time.Now()
	c.expireOne(g, tp, sp, now)
	code, changed, message := sp.acknowledge(key.member, batches, c.limits(g.id), now)
	if code != codeNone {
		if message == "" {
			return code, nil
		}
		return code, &message
	}
	if changed {
		if err := c.persist(g, tp); err != nil {
			c.b.log.Error("writing share state", "group", g.id, "err", err)
			return codeUnknownServerError, nil
		}
		c.notify()
	}
	return codeNone, nil
}

// validAckBatches reports whether a partition's acknowledgement batches
// are well formed, as KafkaApis.validateAcknowledgementBatches checks them
// before any reaches the share partition: each batch's first offset at
// most its last, and not below the previous batch's last (an overlap of
// exactly one offset passes here, as in Kafka, and fails on the record's
// state); one type, or one per offset; and every type one the version
// knows: 0-3, and from v2 RENEW (4) too.
func validAckBatches(batches []shareAckBatch, version int16) bool {
	maxType := ackReject
	if version >= 2 {
		maxType = ackRenew
	}
	prevLast := int64(-1)
	for _, b := range batches {
		n := len(b.AcknowledgeTypes)
		if b.FirstOffset > b.LastOffset || b.FirstOffset < prevLast || n == 0 || (n > 1 && b.LastOffset-b.FirstOffset != int64(n-1)) {
			return false
		}
		for _, t := range b.AcknowledgeTypes {
			if t < ackGap || t > maxType {
				return false
			}
		}
		prevLast = b.LastOffset
	}
	return true
}

// shareResults builds a response's partitions, one entry per partition
// in the order first touched. A partition may be touched twice, by its
// acknowledgement and by its fetch, and a client expects it once in a
// response, so both results go into the one entry.
type shareResults struct {
	resp *shareFetchResponse
	// index is where each partition's entry is: its topic's place in
	// resp.Responses and its own in that topic's Partitions.
	index map[topicIDPartition][2]int
}

// get returns the entry of tp, adding it, and its topic, if new. The
// pointer is valid until the next get that adds to the same slices.
func (s *shareResults) get(tp topicIDPartition) *shareFetchPartitionResponse {
	if i, ok := s.index[tp]; ok {
		return &s.resp.Responses[i[0]].Partitions[i[1]]
	}
	ti := slices.IndexFunc(s.resp.Responses, func(t shareFetchTopicResponse) bool { return t.TopicID == tp.topic })
	if ti < 0 {
		s.resp.Responses = append(s.resp.Responses, shareFetchTopicResponse{TopicID: tp.topic})
		ti = len(s.resp.Responses) - 1
	}
	t := &s.resp.Responses[ti]
	t.Partitions = append(t.Partitions, shareFetchPartitionResponse{PartitionIndex: tp.partition, CurrentLeader: noLeader,
		Records: []byte{}, AcquiredRecords: []acquiredRange{}})
	s.index[tp] = [2]int{ti, len(t.Partitions) - 1}
	return &t.Partitions[len(t.Partitions)-1]
}

// acquireWaiting acquires records of parts until some are acquired or a
// partition fails, waiting for appends, releases and lock expiries up to
// MaxWaitMs; while the partitions hold fewer than MinBytes of records to
// acquire it waits without acquiring (minBytesReady). It is the long
// poll that keeps an idle share consumer from spinning: Kafka parks the
// request in its DelayedShareFetch purgatory, this waits on channels.
//
// The race it must not lose: records become available between the look
// and the wait. Both signals are taken before the look, so anything that
// happens after it closes a channel this already holds, and the select
// returns at once; the next pass then finds the records.
func (c *shareCoordinator) acquireWaiting(ctx context.Context, key shareSessionKey, parts []topicIDPartition, req *shareFetchRequest, results *shareResults) {
	deadline := time.Now().Add(time.Duration(max(req.MaxWaitMs, 0)) * time.Millisecond)
	parts, loading := c.load(key.group, parts)
	for {
		appended := c.b.appendSignal()
		c.mu.Lock()
		changed := c.changed
		c.mu.Unlock()
		// At MaxWaitMs the fetch takes what there is, as
		// DelayedShareFetch.onComplete does on expiry.
		wait := time.Until(deadline)
		if wait <= 0 || c.minBytesReady(key.group, parts, int(req.MinBytes), int(req.MaxBytes)) {
			got := c.acquirePass(key, parts, loading, req, results)
			loading = nil
			if got || wait <= 0 {
				return
			}
		}
		// A lock that runs out makes records available without any
		// signal, so the wait ends then at the latest.
		if next := c.nextLockExpiry(key.group); !next.IsZero() {
			wait = min(wait, max(time.Until(next), time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-appended:
		case <-changed:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return
		}
		t.Stop()
	}
}

// acquirePass acquires what parts hold for the member now, and reports
// whether any partition has something to answer.
//
// MaxRecords bounds the request, not each partition, as DelayedShareFetch
// hands each partition what the ones before left; batch_optimized may
// round the last one's up; a negative MaxRecords acquires nothing, as
// SharePartition.acquire answers it. The byte budget is split evenly
// among the partitions, so that a partition with a backlog cannot starve
// the others of a response; each share is at least a byte, hence one
// batch.
//
// The partitions this fetch loads come last, and only until one has
// something to answer: Kafka's fetch completes as soon as the first of
// their loads does, with what was loaded before it and that one (the
// others are ready for the next fetch).
func (c *shareCoordinator) acquirePass(key shareSessionKey, parts []topicIDPartition, loading map[topicIDPartition]bool, req *shareFetchRequest, results *shareResults) bool {
	mode := acquireMode{req.ShareAcquireMode == shareAcquireBatchOptimized, int(req.BatchSize)}
	got, left := false, int(max(req.MaxRecords, 0))
	for _, tp := range parts {
		if left <= 0 || loading[tp] && got {
			continue
		}
		n, answer := c.acquireOne(key, tp, left, max(int(req.MaxBytes)/len(parts), 1), mode, results)
		left -= n
		got = got || answer
	}
	return got
}

// minBytesReady reports whether parts hold minBytes of records to
// acquire, as DelayedShareFetch.isMinBytesSatisfied estimates them: the
// bytes from each share partition's first available offset to its end,
// at most its share of maxBytes, as if every one were acquirable. A
// partition that must be answered now (readyBytes) satisfies it, and so
// does a MinBytes of 1 or less, which any record meets: then the
// acquisition itself is the test.
func (c *shareCoordinator) minBytesReady(group string, parts []topicIDPartition, minBytes, maxBytes int) bool {
	if minBytes <= 1 {
		return true
	}
	total := 0
	for _, tp := range parts {
		n, now := c.readyBytes(group, tp, max(maxBytes/len(parts), 1))
		if total += n; now || total >= minBytes {
			return true
		}
	}
	return false
}

// readyBytes is how many bytes of records, up to limit (at least one
// batch), lie from tp's first available offset to the end a fetch of
// group reads to, and whether the fetch must be answered now whatever
// MinBytes says: the partition is unknown, its read fails, or it is read
// from a segment older than its end's (DelayedShareFetch answers those at
// once, as DelayedFetch does: waiting could only add later segments).
func (c *shareCoordinator) readyBytes(group string, tp topicIDPartition, limit int) (int, bool) {
	pl := c.b.topicPartition(c.b.logs.TopicByID(tp.topic), tp.partition)
	if pl == nil {
		return 0, true
	}
	c.mu.Lock()
	var from int64 = -1
	if g := c.groups[group]; g != nil && g.partitions[tp] != nil {
		from = g.partitions[tp].firstAvailable()
	}
	c.mu.Unlock()
	end := c.readEnd(group, pl)
	if from < 0 || from >= end {
		return 0, false
	}
	sec, err := pl.ReadSectionBelow(from, limit, end)
	if err != nil {
		return 0, true
	}
	return int(sec.size), pl.OnOlderSegment(from, end)
}

// readEnd is the offset a share fetch of group reads pl up to: the high
// watermark, or under read_committed the last stable offset, so that
// records of an open transaction are not handed out before it ends.
func (c *shareCoordinator) readEnd(group string, pl *partitionLog) int64 {
	if c.readCommitted(group) {
		return pl.LastStableOffset()
	}
	return pl.HighWatermark()
}

// readCommitted reports whether group reads only committed records
// (share.isolation.level).
func (c *shareCoordinator) readCommitted(group string) bool {
	return c.b.groupValue(c.b.groupConfigs.get(group), shareIsolationLevelConfig) == "read_committed"
}

// load marks the share partitions of parts that no fetch has touched yet
// as loaded, as Kafka's SharePartitionManager starts loading a share
// partition's state (SharePartition.maybeInitialize) on its first fetch.
// It returns parts reordered, those loaded before first, and the set
// this fetch loads.
func (c *shareCoordinator) load(group string, parts []topicIDPartition) ([]topicIDPartition, map[topicIDPartition]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[group]
	if g == nil {
		return parts, nil
	}
	loading := map[topicIDPartition]bool{}
	for _, tp := range parts {
		if sp := g.partitions[tp]; sp != nil && !sp.loaded {
			sp.loaded = true
			loading[tp] = true
		}
	}
	ordered := make([]topicIDPartition, 0, len(parts))
	for _, first := range []bool{false, true} {
		for _, tp := range parts {
			if loading[tp] == first {
				ordered = append(ordered, tp)
			}
		}
	}
	return ordered, loading
}

// failFetchable answers code and message for each partition of parts the
// group has a share partition for, those DelayedShareFetch would have
// fetched, and acquires nothing.
func (c *shareCoordinator) failFetchable(key shareSessionKey, parts []topicIDPartition, code int16, message string, results *shareResults) {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.groups[key.group]
	if g == nil {
		return
	}
	for _, tp := range parts {
		if g.partitions[tp] != nil {
			pr := results.get(tp)
			pr.ErrorCode, pr.ErrorMessage = code, ptr(message)
		}
	}
}

// nextLockExpiry is when the first lock of group runs out, in any of its
// partitions, or the zero time if it holds none: the latest a waiting
// fetch must wake up to find records no signal will announce.
func (c *shareCoordinator) nextLockExpiry(group string) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var first time.Time
	if g := c.groups[group]; g != nil {
		for _, sp := range g.partitions {
			if t := sp.nextLockExpiry(); !t.IsZero() && (first.IsZero() || t.Before(first)) {
				first = t
			}
		}
	}
	return first
}

// acquireOne reads one partition from its first available record and
// acquires what it can for the member. It returns how many records it
// acquired, and whether the partition has something to answer: records or
// an error.
func (c *shareCoordinator) acquireOne(key shareSessionKey, tp topicIDPartition, maxRecords, maxBytes int, mode acquireMode, results *shareResults) (int, bool) {
	t := c.b.logs.TopicByID(tp.topic)
	pl := c.b.topicPartition(t, tp.partition)
	c.mu.Lock()
	g := c.groups[key.group]
	var sp *sharePartition
	if g != nil {
		sp = g.partitions[tp]
	}
	switch {
	case pl == nil:
		// ShareSessionContext tells an unknown id from an unknown
		// partition of a known topic, as Fetch does.
		pr := results.get(tp)
		pr.ErrorCode, pr.ErrorMessage = codeUnknownTopicOrPartition, ptr("This server does not host this topic-partition.")
		if t == nil {
			pr.ErrorCode, pr.ErrorMessage = codeUnknownTopicID, nil
		}
		c.mu.Unlock()
		return 0, true
	case sp == nil:
		// Not assigned to the group (yet): nothing to read. No error
		// either: the member just has nothing there until the group's
		// assignment includes the partition.
		c.mu.Unlock()
		return 0, false
	}
	c.expireOne(g, tp, sp, time.Now())
	// Retention or DeleteRecords may have passed the window's start.
	if ls := pl.LogStartOffset(); sp.startOffset < ls {
		sp.moveStart(ls)
	}
	// Where to read, and the state epoch to check after the read: the
	// lock is let go for the read, and the window may be reset meanwhile.
	from, stateEpoch := sp.firstAvailable(), sp.stateEpoch
	c.mu.Unlock()

	// read_committed skips aborted records, as a read_committed
	// consumer's fetch would.
	end := c.readEnd(key.group, pl)
	var aborted []abortedTransaction
	if c.readCommitted(key.group) {
		aborted = pl.AbortedTransactions(from, end)
	}
	if from >= end {
		return 0, false
	}
	data, err := pl.Read(from, maxBytes)
	if err != nil {
		pr := results.get(tp)
		c.mu.Lock()
		pr.ErrorCode = errorCode(err)
		c.mu.Unlock()
		return 0, true
	}
	batches, deliverable, scannedTo := scanShareBatches(data, end, aborted)

	c.mu.Lock()
	defer c.mu.Unlock()
	// Deleted, or moved by AlterShareGroupOffsets, while we read: what we
	// read may not cover the new window's start.
	if g = c.groups[key.group]; g == nil || g.partitions[tp] != sp || sp.stateEpoch != stateEpoch {
		return 0, false
	}
	acquired := sp.acquire(key.member, deliverable, scannedTo, maxRecords, mode.batching(batches), c.limits(key.group), time.Now())
	if len(acquired) == 0 {
		return 0, false
	}
	// The whole batches go out, including offsets another member holds;
	// AcquiredRecords is what tells the client which records are its own.
	pr := results.get(tp)
	pr.AcquiredRecords = append(pr.AcquiredRecords, acquired...)
	pr.Records = append(pr.Records, batchesCovering(data, batches, acquired)...)
	return recordsIn(acquired), true
}

// recordsIn is how many offsets the ranges hold.
func recordsIn(ranges []acquiredRange) int {
	n := 0
	for _, a := range ranges {
		n += int(a.LastOffset - a.FirstOffset + 1)
	}
	return n
}

// shareBatch is where one batch of a read lies, and its offsets, so that
// the batches holding acquired records can be cut from the read without
// parsing it again.
type shareBatch struct {
	pos, size   int
	first, last int64
}

// scanShareBatches walks the batches of a read below end and returns
// them, the offsets a member may be given, and the offset the read
// reached. With aborted (read_committed) the records of aborted
// transactions are not given: the consumer's algorithm, from the aborted
// list sorted by first offset and each producer's abort marker, as
// SharePartition.fetchAbortedTransactionRecordBatches archives them.
// Transaction markers are given, with their batch: Kafka's
// SharePartition.acquire takes whole fetched batches, control batches
// included, and its clients acknowledge an acquired offset that held no
// record for them as a gap (ShareCompletedFetch; librdkafka and franz-go
// do the same), which archives it. A marker is an offset like any other
// to MaxRecords and the window.
func scanShareBatches(data []byte, end int64, aborted []abortedTransaction) (batches []shareBatch, deliverable []int64, scannedTo int64) {
	abortedBy := map[int64]bool{}
	pos := 0
	for pos < len(data) {
		h, err := parseBatchHeader(data[pos:])
		if err != nil || h.Size() > len(data)-pos || h.BaseOffset >= end {
			break
		}
		batches = append(batches, shareBatch{pos, h.Size(), h.BaseOffset, h.LastOffset()})
		pos += h.Size()
		scannedTo = h.LastOffset() + 1
		for len(aborted) > 0 && aborted[0].FirstOffset <= h.LastOffset() {
			abortedBy[aborted[0].ProducerID] = true
			aborted = aborted[1:]
		}
		switch {
		case h.Attributes&controlFlag != 0:
			if h.Attributes&transactionalFlag != 0 {
				delete(abortedBy, h.ProducerID) // the marker ends the transaction
			}
		case h.Attributes&transactionalFlag != 0 && abortedBy[h.ProducerID]:
			continue
		}
		for o := h.BaseOffset; o <= h.LastOffset(); o++ {
			deliverable = append(deliverable, o)
		}
	}
	return batches, deliverable, scannedTo
}

// batchesCovering is the bytes of every batch holding an acquired offset.
// Batches go out whole and unchanged, never cut down to the acquired
// records: a batch's CRC covers all its records, and a client checks it.
func batchesCovering(data []byte, batches []shareBatch, acquired []acquiredRange) []byte {
	var out []byte
	for _, b := range batches {
		for _, a := range acquired {
			if a.FirstOffset <= b.last && a.LastOffset >= b.first {
				out = append(out, data[b.pos:b.pos+b.size]...)
				break
			}
		}
	}
	return out
}

// ShareAcknowledge: v1-2 (ShareAcknowledgeRequest.json, ShareAcknowledgeResponse.json)
//
//	v1: the first stable version (Kafka 4.1)
//	v2: IsRenewAck, AcquisitionLockTimeoutMs and the RENEW type (KIP-1222)
//
// https://github.com/apache/kafka/blob/4.1.0/clients/src/main/resources/common/message/ShareAcknowledgeRequest.json
//
// Acknowledges without fetching, in the member's share session; epoch 0
// is INVALID_SHARE_SESSION_EPOCH, since acknowledgements need a session.
type shareAcknowledgeRequest struct {
	GroupID           *string
	MemberID          *string
	ShareSessionEpoch int32
	IsRenewAck        bool
	Topics            []shareAcknowledgeTopic

	version int16 // the request's, which bounds the acknowledge types
}

type shareAcknowledgeTopic struct {
	TopicID    uuid
	Partitions []shareAcknowledgePartition
}

type shareAcknowledgePartition struct {
	PartitionIndex         int32
	AcknowledgementBatches []shareAckBatch
}

func (m *shareAcknowledgeRequest) decode(r *reader, v int16) {
	m.version = v
	m.GroupID = r.NullableString()
	m.MemberID = r.NullableString()
	m.ShareSessionEpoch = r.Int32()
	if v >= 2 {
		m.IsRenewAck = r.Bool()
	}
	m.Topics = readArray(r, func(r *reader) (t shareAcknowledgeTopic) {
		t.TopicID = r.UUID()
		t.Partitions = readArray(r, func(r *reader) (p shareAcknowledgePartition) {
			p.PartitionIndex = r.Int32()
			p.AcknowledgementBatches = readArray(r, readShareAckBatch)
			r.SkipTags()
			return p
		})
		r.SkipTags()
		return t
	})
	r.SkipTags()
}

// shareAcknowledgeResponse answers per partition: the acknowledgements
// of one partition are applied all or none, those of different
// partitions independently, as each partition's state is written alone.
type shareAcknowledgeResponse struct {
	ThrottleTimeMs           int32
	ErrorCode                int16
	ErrorMessage             *string
	AcquisitionLockTimeoutMs int32
	Responses                []shareAcknowledgeTopicResponse
	NodeEndpoints            []shareNodeEndpoint
}

type shareAcknowledgeTopicResponse struct {
	TopicID    uuid
	Partitions []shareAcknowledgePartitionResponse
}

type shareAcknowledgePartitionResponse struct {
	PartitionIndex int32
	ErrorCode      int16
	ErrorMessage   *string
	CurrentLeader  leaderAndEpoch
}

func (m *shareAcknowledgeResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	if v >= 2 {
		w.Int32(m.AcquisitionLockTimeoutMs)
	}
	writeArrayNonNull(w, m.Responses, func(w *writer, t shareAcknowledgeTopicResponse) {
		w.UUID(t.TopicID)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p shareAcknowledgePartitionResponse) {
			w.Int32(p.PartitionIndex)
			w.Int16(p.ErrorCode)
			w.NullableString(p.ErrorMessage)
			w.Int32(p.CurrentLeader.LeaderID)
			w.Int32(p.CurrentLeader.LeaderEpoch)
			w.Tags()
			w.Tags()
		})
		w.Tags()
	})
	writeShareNodeEndpoints(w, m.NodeEndpoints)
	w.Tags()
}

func (b *Broker) handleShareAcknowledge(ctx context.Context, rc *requestContext, r request) response {
	return b.shares.acknowledgeRequest(r.(*shareAcknowledgeRequest))
}

// acknowledgeRequest is ShareAcknowledge. It moves the session epoch on
// like a fetch, so a ShareAcknowledge and a ShareFetch of one member
// share one sequence, and the final epoch both acknowledges and closes:
// that is how a share consumer's close() hands back what it did not
// process.
func (c *shareCoordinator) acknowledgeRequest(req *shareAcknowledgeRequest) *shareAcknowledgeResponse {
	resp := &shareAcknowledgeResponse{Responses: []shareAcknowledgeTopicResponse{}, NodeEndpoints: []shareNodeEndpoint{}}
	// As ShareFetch's, a refusal of the whole request carries no
	// message (ShareAcknowledgeRequest.getErrorResponse).
	fail := func(code int16) *shareAcknowledgeResponse {
		resp.ErrorCode = code
		return resp
	}
	switch {
	case req.GroupID == nil || *req.GroupID == "" || req.MemberID == nil || *req.MemberID == "":
		return fail(codeInvalidRequest)
	case req.ShareSessionEpoch == shareInitialEpoch:
		return fail(codeInvalidShareSessionEpoch) // acknowledgements need a session
	}
	key := shareSessionKey{*req.GroupID, *req.MemberID}
	c.mu.Lock()
	defer c.mu.Unlock()
	sess, code := c.advanceSession(key, req.ShareSessionEpoch)
	if code != codeNone {
		return fail(code)
	}
	resp.AcquisitionLockTimeoutMs = int32(c.limits(key.group).lockDuration.Milliseconds())
	for _, t := range req.Topics {
		rt := shareAcknowledgeTopicResponse{TopicID: t.TopicID, Partitions: []shareAcknowledgePartitionResponse{}}
		for _, p := range t.Partitions {
			code, message := c.acknowledge(key, topicIDPartition{t.TopicID, p.PartitionIndex}, p.AcknowledgementBatches, req.version)
			rt.Partitions = append(rt.Partitions, shareAcknowledgePartitionResponse{PartitionIndex: p.PartitionIndex,
				ErrorCode: code, ErrorMessage: message, CurrentLeader: noLeader})
		}
		resp.Responses = append(resp.Responses, rt)
	}
	if sess == nil {
		c.closeSession(key)
	}
	return resp
}
