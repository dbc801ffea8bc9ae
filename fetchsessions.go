// Fetch sessions (KIP-227): how a consumer of many partitions stops
// sending, and being sent, all of them on every fetch.
//
// This chapter belongs to Part I, after the Fetch section of handlers.go,
// which it assumes: a fetch names partitions and offsets, and the answer
// carries each partition's records, high watermark and log start offset.
//
// A consumer of 1,000 partitions fetches in a loop. Without sessions each
// request names all 1,000 partitions and each response answers all 1,000,
// even when nothing has changed. With a session the broker remembers the
// partitions and what it last told the client about each, and the
// exchange shrinks to what changed:
//
//	client                                   broker
//	SessionId 0, Epoch 0, p0..p999 @ offsets  full fetch; opens session 7 with
//	                                          p0..p999; answers all of them,
//	                                          SessionId 7
//	SessionId 7, Epoch 1, no partitions       incremental: reads p0..p999 at
//	                                          the remembered offsets; answers
//	                                          only those with records or a new
//	                                          high watermark or log start offset
//	SessionId 7, Epoch 2, p3 @ 120            p3 was consumed to 120: updates
//	                                          its offset (an update); a
//	                                          partition not yet in the session
//	                                          would be added
//	SessionId 7, Epoch 3, forget p5           p5 leaves the session
//	SessionId 7, Epoch -1, ...                a full fetch with FINAL: session 7
//	                                          is closed, none opened
//
// The rules, in the order FetchManager.newContext checks them
// (https://github.com/apache/kafka/blob/4.0.0/core/src/main/scala/kafka/server/FetchSession.scala):
//
//  1. Epoch 0 (INITIAL) or -1 (FINAL) is a full fetch. A non-zero SessionId
//     names a session to close. FINAL opens no session; INITIAL opens one
//     if the cache has room (or can evict for it) and answers its id, or
//     answers SessionId 0 if not, and the client goes on with full fetches.
//  2. Any other epoch is incremental. A session id not in the cache is
//     FETCH_SESSION_ID_NOT_FOUND; an epoch other than the one the session
//     expects is INVALID_FETCH_SESSION_EPOCH; a session opened with topic
//     ids (Fetch v13 and later) used by a request without them, or the
//     other way round, is FETCH_SESSION_TOPIC_ID_ERROR. Each answers no
//     topics and SessionId 0, and the client starts again with a full fetch.
//     So is, with the session's id, an incremental fetch that waited for
//     records while a fetch of the session's next epoch was served.
//  3. Otherwise the request's partitions are added to the session or
//     update its copy of their offsets and limits, the forgotten ones
//     leave it, and the expected epoch moves on by one (wrapping to 1). A
//     session left empty is closed and the fetch is answered sessionless.
//  4. The response to an incremental fetch includes a partition only if
//     it has records, an error, or a high watermark or log start offset
//     other than the one last sent (CachedPartition.maybeUpdateResponseData).
//     A partition with an error is remembered with high watermark -1, so it
//     is sent again when the error clears. A partition that returned
//     records moves to the end of the session's order, so that partitions
//     behind it get their share of the next response's MaxBytes.
//
// Under the authorizer, every partition a fetch reads, the ones only the
// session remembers included, is checked for READ at every fetch
// (authorize.go), as KafkaApis.handleFetchRequest checks them: a session
// is no permission.
//
// The cache holds at most Config.FetchSessionCacheSlots sessions
// (max.incremental.fetch.session.cache.slots, default 1000). When it is
// full, a new session may take the slot of another (FetchSessionCache.tryEvict):
// first of the session least recently used, if that is more than
// Config.FetchSessionEviction old (min.incremental.fetch.session.eviction.ms,
// default 2 minutes); failing that, of the smallest session that has existed
// for longer than that, if the new session has more partitions. A young or
// larger session is never displaced, so that a flood of new consumers
// cannot churn the sessions that save the most.
//
// Design note: Kafka keeps sessions in three ordered trees so that each
// eviction is O(log n). Here eviction scans the sessions, at most the cache
// size (1,000 by default), and happens only when a session is created
// while the cache is full, which is rare next to the fetches a session
// serves. Kafka also has privileged sessions, for followers; with no
// followers every session here is a consumer's. Kafka 3.8 and later split
// the cache into shards to spread lock contention over its request threads;
// one lock suffices for a broker this size.

package kafka

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Fetch session ids and epochs with a meaning of their own (FetchMetadata.java).
const (
	invalidSessionID    int32 = 0  // no session
	initialSessionEpoch int32 = 0  // a full fetch that may open a session
	finalSessionEpoch   int32 = -1 // a full fetch that opens none
)

// Defaults of Config.FetchSessionCacheSlots and Config.FetchSessionEviction.
const (
	defaultFetchSessionCacheSlots = 1000            // max.incremental.fetch.session.cache.slots
	defaultFetchSessionEviction   = 2 * time.Minute // min.incremental.fetch.session.eviction.ms
)

// isFullFetch reports whether a fetch at this session epoch carries the
// whole set of partitions (FetchMetadata.isFull) rather than changes to a
// session's.
func isFullFetch(epoch int32) bool {
	return epoch == initialSessionEpoch || epoch == finalSessionEpoch
}

// nextSessionEpoch is the epoch after e (FetchMetadata.nextEpoch): it
// wraps from MaxInt32 to 1, skipping the two full-fetch epochs.
func nextSessionEpoch(e int32) int32 {
	switch {
	case e < 0:
		return finalSessionEpoch
	case e == math.MaxInt32:
		return 1
	default:
		return e + 1
	}
}

// sessionKey names a partition in a session: by topic id in a session
// opened with Fetch v13 or later, by topic name before.
type sessionKey struct {
	topicID   uuid
	topic     string
	partition int32
}

// cachedPartition is a session's memory of one partition
// (FetchSession.CachedPartition): what the client last asked for, and what
// it was last told.
type cachedPartition struct {
	key sessionKey

	// From the request: updated whenever the client names the partition.
	fetchOffset        int64
	maxBytes           int32
	currentLeaderEpoch int32
	lastFetchedEpoch   int32
	fetcherStartOffset int64

	// From the response: what the client was last sent, -1 for nothing
	// yet, so that a partition added by an incremental fetch is sent.
	highWatermark  int64
	logStartOffset int64
}

func newCachedPartition(key sessionKey, fp fetchPartition) *cachedPartition {
	cp := &cachedPartition{key: key, highWatermark: -1, logStartOffset: -1}
	cp.updateRequest(fp)
	return cp
}

// updateRequest takes a request's fields for the partition
// (CachedPartition.updateRequestParams).
func (cp *cachedPartition) updateRequest(fp fetchPartition) {
	cp.fetchOffset = fp.FetchOffset
	cp.maxBytes = fp.PartitionMaxBytes
	cp.currentLeaderEpoch = fp.CurrentLeaderEpoch
	cp.lastFetchedEpoch = fp.LastFetchedEpoch
	cp.fetcherStartOffset = fp.LogStartOffset
}

// request is the partition as a fetch would name it.
func (cp *cachedPartition) request() fetchPartition {
	return fetchPartition{
		Partition:          cp.key.partition,
		CurrentLeaderEpoch: cp.currentLeaderEpoch,
		FetchOffset:        cp.fetchOffset,
		LastFetchedEpoch:   cp.lastFetchedEpoch,
		LogStartOffset:     cp.fetcherStartOffset,
		PartitionMaxBytes:  cp.maxBytes,
	}
}

// mustRespond reports whether an incremental response includes pr, and,
// if update is set, records that the client was told
// (CachedPartition.maybeUpdateResponseData).
func (cp *cachedPartition) mustRespond(pr *fetchPartitionResponse, update bool) bool {
	must := pr.recordsSize() > 0 || pr.PreferredReadReplica != -1 || pr.DivergingEpoch != (epochEndOffset{-1, -1})
	if cp.highWatermark != pr.HighWatermark {
		must = true
		if update {
			cp.highWatermark = pr.HighWatermark
		}
	}
	if cp.logStartOffset != pr.LogStartOffset {
		must = true
		if update {
			cp.logStartOffset = pr.LogStartOffset
		}
	}
	if pr.ErrorCode != codeNone {
		// Forget the high watermark sent, so that the partition is sent
		// again once the error clears.
		must = true
		if update {
			cp.highWatermark = -1
		}
	}
	return must
}

// fetchSession is one consumer's session (FetchSession).
type fetchSession struct {
	id           int32
	usesTopicIDs bool
	created      time.Time

	// mu guards what follows. The cache's lock is taken before it, never
	// after.
	mu         sync.Mutex
	epoch      int32 // the epoch the next incremental fetch must carry
	partitions []*cachedPartition
	index      map[sessionKey]*cachedPartition

	// read is the fetch of partitions as last built by requestLocked,
	// and readOrder the partitions it names, in order; both are nil once
	// a partition is added, updated, forgotten or moved. An idle
	// consumer's fetches find them built, and share them read-only.
	read      []fetchTopic
	readOrder []*cachedPartition

	// Kept by the cache, under its lock, as of the session's last use.
	lastUsed   time.Time
	cachedSize int
	evictable  bool
}

// add puts cp at the end of the session's order, or updates the copy the
// session has.
func (s *fetchSession) add(key sessionKey, fp fetchPartition) {
	s.read, s.readOrder = nil, nil
	if cp := s.index[key]; cp != nil {
		cp.updateRequest(fp)
		return
	}
	cp := newCachedPartition(key, fp)
	s.index[key] = cp
	s.partitions = append(s.partitions, cp)
}

// forget removes the partitions of keys, keeping the order of the rest.
func (s *fetchSession) forget(keys []sessionKey) {
	n := len(s.index)
	for _, k := range keys {
		delete(s.index, k)
	}
	if len(s.index) == n {
		return
	}
	s.read, s.readOrder = nil, nil
	kept := s.partitions[:0]
	for _, cp := range s.partitions {
		if s.index[cp.key] == cp {
			kept = append(kept, cp)
		}
	}
	clear(s.partitions[len(kept):])
	s.partitions = kept
}

// fetchSessionCache is the broker's sessions (FetchSessionCache).
type fetchSessionCache struct {
	slots    int           // at most this many sessions; 0 turns sessions off
	eviction time.Duration // how long a session is safe from eviction
	now      func() time.Time

	mu        sync.Mutex
	sessions  map[int32]*fetchSession
	evictions int64
}

func newFetchSessionCache(slots int, eviction time.Duration) *fetchSessionCache {
	return &fetchSessionCache{slots: max(slots, 0), eviction: eviction, now: time.Now, sessions: make(map[int32]*fetchSession)}
}

// get returns the session with id, or nil.
func (c *fetchSessionCache) get(id int32) *fetchSession {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sessions[id]
}

// remove closes the session with id, if there is one.
func (c *fetchSessionCache) remove(id int32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.sessions, id)
}

// len is the number of sessions, for tests.
func (c *fetchSessionCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sessions)
}

// stats is what the cache shows in metrics, under the names of Kafka's
// FetchSessionCache metrics: its sessions, the partitions they hold as of
// each one's last use, and the evictions so far.
func (c *fetchSessionCache) stats() (sessions, partitions int, evictions int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.sessions {
		partitions += s.cachedSize
	}
	return len(c.sessions), partitions, c.evictions
}

// touch records a use of s, whose size may have changed
// (FetchSessionCache.touch). A session becomes evictable at the first use
// after it has existed for longer than the eviction time.
func (c *fetchSessionCache) touch(s *fetchSession, size int, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.touchLocked(s, size, now)
}

func (c *fetchSessionCache) touchLocked(s *fetchSession, size int, now time.Time) {
	s.lastUsed = now
	s.cachedSize = size
	s.evictable = now.Sub(s.created) > c.eviction
}

// create opens a session with the partitions that newPartitions returns,
// if there is a slot for it, and returns its id, or invalidSessionID if
// there is none (FetchSessionCache.maybeCreateSession). newPartitions is
// called only once a slot is found.
func (c *fetchSessionCache) create(size int, usesTopicIDs bool, newPartitions func(s *fetchSession)) int32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.sessions) >= c.slots && !c.evictFor(size, now) {
		return invalidSessionID
	}
	s := &fetchSession{id: c.newID(), usesTopicIDs: usesTopicIDs, created: now,
		epoch: nextSessionEpoch(initialSessionEpoch), index: make(map[sessionKey]*cachedPartition, size)}
	newPartitions(s)
	c.sessions[s.id] = s
	c.touchLocked(s, len(s.partitions), now)
	return s.id
}

// evictFor makes room for a new session of size partitions, if Kafka's
// rules allow, and reports whether it did (FetchSessionCache.tryEvict).
func (c *fetchSessionCache) evictFor(size int, now time.Time) bool {
	var stalest, smallest *fetchSession
	for _, s := range c.sessions {
		if stalest == nil || s.lastUsed.Before(stalest.lastUsed) || (s.lastUsed.Equal(stalest.lastUsed) && s.id < stalest.id) {
			stalest = s
		}
		if s.evictable && (smallest == nil || s.cachedSize < smallest.cachedSize || (s.cachedSize == smallest.cachedSize && s.id < smallest.id)) {
			smallest = s
		}
	}
	victim := smallest
	switch {
	case stalest != nil && now.Sub(stalest.lastUsed) > c.eviction:
		victim = stalest
	case smallest == nil || size <= smallest.cachedSize:
		// Kafka compares (size, id 0) with the smallest's (size, id):
		// with ids positive, only a larger new session wins.
		return false
	}
	delete(c.sessions, victim.id)
	c.evictions++
	return true
}

// newID is a random positive id not in use (FetchSessionCache.newSessionId):
// random, so that an id from before a restart is unlikely to name a new
// session.
func (c *fetchSessionCache) newID() int32 {
	for {
		id := rand.Int32N(math.MaxInt32) + 1
		if c.sessions[id] == nil {
			return id
		}
	}
}

// A fetchContext is what newFetchContext makes of a request's session
// fields (FetchContext): which partitions to read, and what to do with
// the response.
type fetchContext struct {
	// errorCode, if not codeNone, is the whole answer.
	errorCode int16

	// read is the request to serve: the request itself, or for an
	// incremental fetch, the session's partitions.
	read *fetchRequest

	// openSession is set for a full fetch that may open a session
	// (INITIAL), if sessions are on.
	openSession bool

	// session is set for an incremental fetch, and unchanged is its
	// hook into fetchOnce. epoch is the epoch the session expects next
	// once this fetch has taken its own; if a later fetch of the session
	// was served while this one waited, the session has moved past it.
	session   *fetchSession
	unchanged unchangedFunc
	epoch     int32
}

// newFetchContext applies a request to the session cache, rules 1 to 3 of
// the file comment (FetchManager.newContext).
func (c *fetchSessionCache) newFetchContext(req *fetchRequest, v int16) *fetchContext {
	if isFullFetch(req.SessionEpoch) {
		if req.SessionID != invalidSessionID {
			c.remove(req.SessionID)
		}
		return &fetchContext{read: fullFetchRead(req, v), openSession: req.SessionEpoch == initialSessionEpoch && c.slots > 0}
	}
	s := c.get(req.SessionID)
	if s == nil {
		return &fetchContext{errorCode: codeFetchSessionIDNotFound}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.epoch != req.SessionEpoch:
		return &fetchContext{errorCode: codeInvalidFetchSessionEpoch}
	case s.usesTopicIDs != (v >= 13):
		return &fetchContext{errorCode: codeFetchSessionTopicIDError}
	}
	for _, ft := range req.Topics {
		for _, fp := range ft.Partitions {
			s.add(sessionKeyOf(ft.Topic, ft.TopicID, fp.Partition, v), fp)
		}
	}
	var forgotten []sessionKey
	for _, ft := range req.ForgottenTopicsData {
		for _, p := range ft.Partitions {
			forgotten = append(forgotten, sessionKeyOf(ft.Topic, ft.TopicID, p, v))
		}
	}
	s.forget(forgotten)
	if len(s.partitions) == 0 {
		c.remove(s.id)
		return &fetchContext{read: req}
	}
	c.touch(s, len(s.partitions), c.now())
	s.epoch = nextSessionEpoch(s.epoch)
	read, unchanged := s.requestLocked(req)
	return &fetchContext{read: read, session: s, unchanged: unchanged, epoch: s.epoch}
}

// fullFetchRead is the read a full fetch stands for: its partitions as
// Kafka's FetchRequest.fetchData collects them, into a LinkedHashMap by
// topic and partition, so that a partition named twice is read and
// answered once, at its first place, from the last position given for
// it; partitions of a topic that then follow one another are grouped
// under one topic, as FetchResponse.of groups them. Read once per
// mention, one partition named 20,000 times in a 600 KB request was
// answered with 31 MB of the same records. A request that names no
// partition twice, every client's, is returned as it is.
func fullFetchRead(req *fetchRequest, v int16) *fetchRequest {
	if req.partitionCount() < 2 {
		return req
	}
	type entry struct {
		key   sessionKey
		topic fetchTopic // the name and id, without partitions
		part  fetchPartition
	}
	at := make(map[sessionKey]int, req.partitionCount())
	var entries []entry
	for _, ft := range req.Topics {
		for _, fp := range ft.Partitions {
			key := sessionKeyOf(ft.Topic, ft.TopicID, fp.Partition, v)
			if i, ok := at[key]; ok {
				entries[i].part = fp
				continue
			}
			at[key] = len(entries)
			entries = append(entries, entry{key, fetchTopic{Topic: ft.Topic, TopicID: ft.TopicID}, fp})
		}
	}
	if len(entries) == req.partitionCount() {
		return req
	}
	read := *req
	read.Topics = nil
	for _, e := range entries {
		n := len(read.Topics)
		if n == 0 || sessionKeyOf(read.Topics[n-1].Topic, read.Topics[n-1].TopicID, 0, v) != sessionKeyOf(e.topic.Topic, e.topic.TopicID, 0, v) {
			read.Topics = append(read.Topics, e.topic)
			n++
		}
		read.Topics[n-1].Partitions = append(read.Topics[n-1].Partitions, e.part)
	}
	return &read
}

// sessionKeyOf names a partition by id from v13 on, by name before.
func sessionKeyOf(topic string, id uuid, partition int32, v int16) sessionKey {
	if v >= 13 {
		return sessionKey{topicID: id, partition: partition}
	}
	return sessionKey{topic: topic, partition: partition}
}

// requestLocked is the fetch an incremental request stands for: req's
// limits, with the session's partitions in the session's order, partitions
// of a topic that follow one another grouped under one topic as
// FetchResponse groups them. The hook it returns lets fetchOnce skip,
// before it builds an answer for it, a partition the client need not hear
// about.
func (s *fetchSession) requestLocked(req *fetchRequest) (*fetchRequest, unchangedFunc) {
	if s.read == nil {
		s.readOrder = slices.Clone(s.partitions)
		for _, cp := range s.readOrder {
			n := len(s.read)
			if n == 0 || s.read[n-1].Topic != cp.key.topic || s.read[n-1].TopicID != cp.key.topicID {
				s.read = append(s.read, fetchTopic{Topic: cp.key.topic, TopicID: cp.key.topicID})
				n++
			}
			s.read[n-1].Partitions = append(s.read[n-1].Partitions, cp.request())
		}
	}
	read := *req
	read.Topics, read.ForgottenTopicsData = s.read, nil
	order := s.readOrder
	return &read, func(i int, highWatermark, logStartOffset int64) bool {
		// What mustRespond decides for a partition with no error and no
		// records, without the answer built.
		s.mu.Lock()
		defer s.mu.Unlock()
		return order[i].highWatermark == highWatermark && order[i].logStartOffset == logStartOffset
	}
}

// throttled is the answer to a throttled fetch, which changes no session
// (FetchContext.getThrottledResponse): an incremental fetch keeps its
// session, or learns that it is stale (supersededLocked); a full one
// opens none.
func (fc *fetchContext) throttled() *fetchResponse {
	resp := &fetchResponse{Responses: []fetchTopicResponse{}}
	if s := fc.session; s != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		resp.SessionID = s.id
		if fc.supersededLocked() {
			resp.ErrorCode = codeInvalidFetchSessionEpoch
		}
	}
	return resp
}

// supersededLocked reports whether a fetch of the session was served
// while this incremental one waited, so that the session has moved past
// it. Kafka answers such a fetch, which it takes for a duplicate,
// INVALID_FETCH_SESSION_EPOCH with the session's id and no partitions
// (IncrementalFetchContext.updateAndGenerateResponseData): its records
// and offsets may be older than what the later fetch answered, and the
// client is to start again from a full fetch. Callers hold the session's
// lock.
func (fc *fetchContext) supersededLocked() bool {
	return fc.session.epoch != fc.epoch
}

// finish turns the response to fc.read into the answer: for a full fetch
// at INITIAL, it opens a session with the partitions as answered; for an
// incremental one, it drops the partitions the client need not hear about
// (rule 4) and moves those with records to the end of the session's order
// (FetchContext.updateAndGenerateResponseData).
func (c *fetchSessionCache) finish(fc *fetchContext, resp *fetchResponse, v int16) {
	switch {
	case fc.session != nil:
		fc.session.mu.Lock()
		defer fc.session.mu.Unlock()
		resp.SessionID = fc.session.id
		if fc.supersededLocked() {
			resp.closeFiles()
			resp.ErrorCode, resp.Responses = codeInvalidFetchSessionEpoch, []fetchTopicResponse{}
			return
		}
		fc.session.trimLocked(resp, v)
	case fc.openSession:
		resp.SessionID = c.create(fc.read.partitionCount(), v >= 13, func(s *fetchSession) {
			for i, ft := range fc.read.Topics {
				for j, fp := range ft.Partitions {
					key := sessionKeyOf(ft.Topic, ft.TopicID, fp.Partition, v)
					s.add(key, fp)
					pr := &resp.Responses[i].Partitions[j]
					s.index[key].mustRespond(pr, true)
				}
			}
		})
	}
}

// trimLocked removes from resp, an answer to the session's partitions,
// those the client need not hear about, and rotates those with records to
// the end of the session.
func (s *fetchSession) trimLocked(resp *fetchResponse, v int16) {
	var moved map[*cachedPartition]bool
	topics := resp.Responses[:0]
	for _, tr := range resp.Responses {
		kept := tr.Partitions[:0]
		for _, pr := range tr.Partitions {
			cp := s.index[sessionKeyOf(tr.Topic, tr.TopicID, pr.PartitionIndex, v)]
			if cp != nil && !cp.mustRespond(&pr, true) {
				continue
			}
			kept = append(kept, pr)
			if cp != nil && pr.recordsSize() > 0 {
				if moved == nil {
					moved = make(map[*cachedPartition]bool)
				}
				moved[cp] = true
			}
		}
		if len(kept) > 0 {
			tr.Partitions = kept
			topics = append(topics, tr)
		}
	}
	resp.Responses = topics
	if moved != nil {
		s.rotateLocked(moved)
	}
}

// rotateLocked moves the partitions in moved to the end of the session's
// order, keeping their order among themselves, as Kafka's remove and
// re-add of each, in response order, does.
func (s *fetchSession) rotateLocked(moved map[*cachedPartition]bool) {
	rotated := make([]*cachedPartition, 0, len(s.partitions))
	for _, cp := range s.partitions {
		if !moved[cp] {
			rotated = append(rotated, cp)
		}
	}
	for _, cp := range s.partitions {
		if moved[cp] {
			rotated = append(rotated, cp)
		}
	}
	s.partitions = rotated
	s.read, s.readOrder = nil, nil
}

// partitionCount is the number of partitions a request names.
func (m *fetchRequest) partitionCount() int {
	n := 0
	for _, t := range m.Topics {
		n += len(t.Partitions)
	}
	return n
}

// recordsSize is the number of record bytes in a partition's answer.
func (pr *fetchPartitionResponse) recordsSize() int {
	if pr.recordsFile.size > 0 {
		return int(pr.recordsFile.size)
	}
	return len(pr.Records)
}
