// This file holds committed offsets: the offset store, which keeps each
// group's committed positions as records in the __consumer_offsets topic
// and replays them at start, and the three APIs that read and write it,
// OffsetCommit, OffsetFetch and OffsetDelete. Who may commit is the group's
// business (groups.go for classic groups, consumer.go for KIP-848 ones);
// what a commit is, and how it survives a restart, is this file's.
//
// Place in the book: Part II, after groups.go. It assumes groups.go (a
// group and its generation) and the log (log.go), since the store is a
// topic.
//
// # What a committing client sees
//
// OffsetCommit answers each partition with its own code, and a client's
// next move depends on it. The Java consumer (ConsumerCoordinator's
// OffsetCommitResponseHandler) does this, and librdkafka and franz-go
// much the same:
//
//	NONE                        the offset is stored and survives a restart
//	UNKNOWN_MEMBER_ID,
//	ILLEGAL_GENERATION          CommitFailedException: the member was
//	                            rebalanced out; it rejoins, then commits
//	REBALANCE_IN_PROGRESS       finish the rebalance with poll(), commit again
//	STALE_MEMBER_EPOCH          (KIP-848) retried with the member's new epoch
//	GROUP_ID_NOT_FOUND          (v9+) the group is gone: fatal for that commit
//	NOT_COORDINATOR             find the coordinator again, then retry
//	UNKNOWN_TOPIC_OR_PARTITION  retried, as if the topic may yet appear
//	OFFSET_METADATA_TOO_LARGE,
//	INVALID_COMMIT_OFFSET_SIZE  raised to the application: no retry helps
//
// So a code that says "retry" must only be given when a retry can
// succeed, and a code that says "rejoin" only when the member really is
// out of date, or a consumer loops or gives up a partition it still owns.
//
// Design note: offsets are stored in a topic, as Kafka stores them, and
// not in a file of their own like the share state (share.go). A commit is
// one batch appended to __consumer_offsets before it is answered, so a
// crash loses either the whole commit or nothing, and the log's own
// recovery (log.go) already cuts a batch torn by the crash; load then
// needs no recovery of its own. The topic is compacted, which keeps the
// last commit of each partition and drops the rest, and it can be read
// with any consumer, as it can in Kafka.

package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// The offset store.
//
// Records of __consumer_offsets as Kafka writes them (OffsetCommitKey.json
// and OffsetCommitValue.json in Kafka's group-coordinator module). Each
// key and value starts with an int16 version; the fields are classic
// (non-flexible) encodings:
//
//	key   v1: group string, topic string, partition int32
//	value v3: offset int64, leader epoch int32, metadata string, commit timestamp int64
//
// Key versions 0 and 1 are the same layout; the other key versions are
// group state, kept by groupstore.go.
// Value versions 0-2 lack the leader epoch, and version 1 has an expire
// timestamp after the commit timestamp (offset retention per commit before
// KIP-211).
//
//	value v1: offset int64, metadata string, commit timestamp int64, expire timestamp int64

// The versions written, the ones Kafka writes: key version 1, and value
// version 3, which GroupCoordinatorRecordHelpers.newOffsetCommitRecord
// writes unless the offset has an expire timestamp, which an OffsetCommit
// v2-4 gives it by naming a RetentionTimeMs; such an offset is written as
// version 1, the only one with the field
// (MetadataVersion.offsetCommitValueVersion). Version 1 has no leader
// epoch, and v2-4 commits carry none.
const (
	offsetKeyVersion               = 1
	offsetValueVersion             = 3
	offsetValueWithExpireTimestamp = 1
)

// offsetKey is the record key of group's offset for tp. It is the same
// bytes for every commit of that partition, which is what lets compaction
// keep only the last one.
func offsetKey(group string, tp topicPartition) ([]byte, error) {
	w := &writer{}
	w.Int16(offsetKeyVersion)
	w.String(group)
	w.String(tp.topic)
	w.Int32(tp.partition)
	return w.buf, w.err
}

// offsetValue is the record value of a committed offset. The errors of
// offsetKey and offsetValue can only be a string too long for the int16
// length of this classic encoding (a flexible request's compact strings
// have no such bound), and the commit then fails rather than store a
// record that load could not read back.
func offsetValue(o committedOffset) ([]byte, error) {
	w := &writer{}
	if o.expireTimestamp != 0 {
		w.Int16(offsetValueWithExpireTimestamp)
		w.Int64(o.offset)
		w.String(o.metadata)
		w.Int64(o.commitTimestamp)
		w.Int64(o.expireTimestamp)
		return w.buf, w.err
	}
	w.Int16(offsetValueVersion)
	w.Int64(o.offset)
	w.Int32(o.leaderEpoch)
	w.String(o.metadata)
	w.Int64(o.commitTimestamp)
	return w.buf, w.err
}

// errOffsetRecord is a record of __consumer_offsets that does not parse.
// Load skips such a record with a warning rather than refuse to start: a
// record another broker version wrote, or a tool appended by hand, costs
// one offset, where a refusal would cost every group.
var errOffsetRecord = errors.New("kafka: malformed __consumer_offsets record")

// parseOffsetValue reads an offset value of versions 0-3. A value without
// a leader epoch reads as epoch -1, which tells the consumer not to check
// the offset against the leader's epochs (KIP-320) when it resumes.
func parseOffsetValue(b []byte) (committedOffset, error) {
	r := newReader(b, false)
	o := committedOffset{leaderEpoch: -1}
	v := r.Int16()
	if v < 0 || v > offsetValueVersion {
		return o, fmt.Errorf("%w: value version %d", errOffsetRecord, v)
	}
	o.offset = r.Int64()
	if v >= 3 {
		o.leaderEpoch = r.Int32()
	}
	o.metadata = r.String()
	o.commitTimestamp = r.Int64()
	// -1 is "none" (OffsetCommitRequest.DEFAULT_TIMESTAMP), as
	// OffsetAndMetadata.fromRecord reads it.
	if v == offsetValueWithExpireTimestamp {
		if expire := r.Int64(); expire != -1 {
			o.expireTimestamp = expire
		}
	}
	if err := r.complete(); err != nil {
		return o, fmt.Errorf("%w: %w", errOffsetRecord, err)
	}
	return o, nil
}

// missingConfigs is the SET operations that give have what want has and
// have lacks.
func missingConfigs(have, want topicConfig) []configOp {
	var ops []configOp
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if _, ok := have[name]; !ok {
			ops = append(ops, configOp{name, opSet, ptr(want[name])})
		}
	}
	return ops
}

// openCoordinator creates __consumer_offsets if it is missing and reads it
// to rebuild the committed offsets.
func openCoordinator(cfg Config, logs *logDir, groupConfigs *configStore, notify func()) (*coordinator, error) {
	// The topic's cleanup.policy is compact, as in Kafka, never delete:
	// retention must not expire a commit that is still its group's latest,
	// and the cleaner (cleaner.go) keeps only each key's latest commit, so
	// that load replays what is live, not every commit ever made. Its
	// segments are offsets.topic.segment.bytes, so that they roll, and
	// become cleanable, long before log.segment.bytes. A data dir from
	// before topic configs, or before the cleaner, gets whichever of the
	// two it lacks at its first open. compression.type is producer, set on
	// the topic although it is the default, because Kafka's group
	// coordinator creates the topic with these three configs
	// (GroupCoordinatorService.groupMetadataTopicConfigs), and so
	// kafka-topics.sh --describe lists all three for it.
	compact := topicConfig{cleanupPolicyConfig: "compact", compressionTypeConfig: "producer", segmentBytesConfig: strconv.Itoa(int(cfg.OffsetsTopicSegmentBytes))}
	c := &coordinator{
		cfg:    cfg,
		log:    cfg.Logger,
		logs:   logs,
		notify: notify,
		now:    time.Now,
		groups: make(map[string]*group),
		// Before load: restored consumer groups' sessions use them.
		groupConfigs: groupConfigs,
	}
	t := logs.Topic(offsetsTopic)
	switch {
	case t == nil:
		var err error
		if t, err = logs.CreateTopicWithConfigs(offsetsTopic, 1, compact); err != nil {
			return c.unavailable(fmt.Errorf("kafka: creating %s: %w", offsetsTopic, err)), nil
		}
	case t.Partitions[0].failed() != nil:
		// Its configs are not set either: nothing of the dir is written.
		return c.unavailable(t.Partitions[0].failed()), nil
	default:
		if missing := missingConfigs(t.Configs, compact); len(missing) > 0 {
			err := logs.AlterTopicConfigs(offsetsTopic, func(c topicConfig) (topicConfig, *configError) {
				return applyConfigOps(c, missing, nil)
			}, false)
			if err != nil {
				return nil, fmt.Errorf("kafka: setting the cleanup policy of %s: %w", offsetsTopic, err)
			}
			t = logs.Topic(offsetsTopic)
		}
	}
	c.offsets = t.Partitions[0]
	if err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

// unavailable makes c a coordinator whose __consumer_offsets-0 did not
// open at start, for cause: a partition offline (its log did not open,
// or a file is in the place of its dir, which the data dir keeps as
// offline, keepOffsetsTopic), or a dir that is no partition's in its
// place, where the topic could not be made. The broker serves every other API; the group APIs answer
// COORDINATOR_NOT_AVAILABLE (coordinatorDown), as Kafka's
// GroupCoordinatorService does while it is not active, and FindCoordinator
// too, as KafkaApis.getCoordinator does for a coordinator partition with
// no leader. Nothing is read from or written to the dir; a restart after
// it is repaired loads the groups.
func (c *coordinator) unavailable(cause error) *coordinator {
	path := filepath.Join(c.logs.path, partitionDirName(offsetsTopic, 0))
	c.log.Error("group coordinator unavailable: "+offsetsTopic+"-0 did not open, so every group API answers COORDINATOR_NOT_AVAILABLE. "+
		"Repair or restore the dir and restart", "dir", path, "err", cause)
	c.down = cause
	c.offsets = offlinePartition(path, c.log, cause)
	return c
}

// load reads __consumer_offsets from its start and rebuilds the offsets:
// the last record of each key wins, and a tombstone removes the key.
// Group state records are kept for groupstore.go, which rebuilds the
// groups' membership once the whole log is read. The topic is compacted
// (cleaner.go), so what it reads is, but for the segments not yet cleaned,
// one record per live group and partition: the start costs what the
// groups hold now, not every commit ever made.
func (c *coordinator) load() error {
	pl := c.offsets
	n := 0
	for off, end := pl.LogStartOffset(), pl.HighWatermark(); off < end; {
		// A MiB at a time: Read returns whole batches up to that, and at
		// least one however large.
		batches, err := pl.Read(off, 1<<20)
		if err != nil {
			return fmt.Errorf("kafka: reading %s: %w", offsetsTopic, err)
		}
		if len(batches) == 0 {
			break
		}
		for len(batches) > 0 {
			h, err := parseBatchHeader(batches)
			if err != nil {
				return fmt.Errorf("kafka: reading %s at offset %d: %w", offsetsTopic, off, err)
			}
			// Read serves a batch of an older segment as it is, for a
			// client's CRC check; the load is that client. A byte
			// flipped inside a record would otherwise still parse, as
			// another offset or metadata committed with no word of it.
			// Kafka's CoordinatorLoaderImpl checks no CRC either (trunk
			// of 2024-10-25, core/src/main/scala/kafka/coordinator/group/CoordinatorLoaderImpl.scala).
			if err := checkBatch(batches, h); err != nil {
				c.log.Warn("skipping a damaged batch: its commits and group changes are lost, the ones before stand",
					"topic", offsetsTopic, "dir", pl.dir, "offset", h.BaseOffset, "err", err)
			} else if err := eachFullRecord(batches, h, func(r record) bool {
				if err := c.replay(r); err != nil {
					c.log.Warn("skipping record", "topic", offsetsTopic, "offset", r.Offset, "err", err)
				} else {
					n++
				}
				return true
			}); err != nil {
				c.log.Warn("skipping batch", "topic", offsetsTopic, "offset", h.BaseOffset, "err", err)
			}
			off = h.LastOffset() + 1
			batches = batches[h.Size():]
		}
	}
	// Membership is rebuilt only now: a group's state records are spread
	// over the whole log, and only the last of each key counts.
	c.restoreGroups()
	for id, g := range c.groups {
		if len(g.offsets) == 0 && len(g.members) == 0 && (g.consumer == nil || len(g.consumer.members) == 0) {
			// Nothing left to remember: forget it, as Kafka's cleanup
			// does, state records and all.
			g.state = stateDead
			c.storeGroup(g)
			delete(c.groups, id)
		}
	}
	c.loaded = n
	if n > 0 {
		c.log.Info("loaded committed offsets", "records", n, "groups", len(c.groups))
	}
	return nil
}

// replay applies one record of __consumer_offsets during load. A key of
// version 0 or 1 is an offset; any other is group state (groupstore.go).
// Records are applied in log order, so a later commit of a partition
// replaces an earlier one, and a tombstone, written by OffsetDelete,
// DeleteGroups, expiry or a deleted topic, removes it, exactly as the
// compacted topic will once the cleaner has run.
func (c *coordinator) replay(r record) error {
	k := newReader(r.Key, false)
	switch v := k.Int16(); {
	case k.err != nil:
		return fmt.Errorf("%w: key: %w", errOffsetRecord, k.err)
	case v != 0 && v != 1:
		return c.replayGroupRecord(v, k, r.Value)
	}
	id := k.String()
	tp := topicPartition{topic: k.String(), partition: k.Int32()}
	if err := k.complete(); err != nil {
		return fmt.Errorf("%w: key: %w", errOffsetRecord, err)
	}
	g := c.groups[id]
	if g == nil {
		g = newGroup(id, c.now())
		c.groups[id] = g
	}
	if r.Value == nil {
		delete(g.offsets, tp)
		return nil
	}
	o, err := parseOffsetValue(r.Value)
	if err != nil {
		return err
	}
	g.offsets[tp] = o
	return nil
}

// errCommitTooLarge is a commit whose batch exceeds MaxMessageBytes;
// OffsetCommit answers INVALID_COMMIT_OFFSET_SIZE, as Kafka does when the
// append to __consumer_offsets fails with RECORD_LIST_TOO_LARGE. The
// batch cannot be split: a commit is stored whole or not at all.
var errCommitTooLarge = errors.New("kafka: offset commit too large")

// writeOffsets appends offsets (or, for nil entries, tombstones) of group
// g to __consumer_offsets, all in one batch so that a commit is stored
// whole or not at all. The caller holds g.mu, which keeps the log's order
// of a group's records the order in which they are applied in memory.
func (c *coordinator) writeOffsets(g *group, tps []topicPartition, offsets []*committedOffset) error {
	recs := make([]record, len(tps))
	for i, tp := range tps {
		key, err := offsetKey(g.id, tp)
		if err != nil {
			return err
		}
		recs[i].Key = key
		if offsets[i] != nil {
			if recs[i].Value, err = offsetValue(*offsets[i]); err != nil {
				return err
			}
		}
	}
	return c.appendRecords(recs)
}

// appendRecords appends recs to __consumer_offsets in one batch. The
// caller holds the lock of the group they belong to. With Fsync
// "always" the batch is on disk before this returns, so an answered
// commit survives a power cut, as a produce with acks=all does; otherwise
// it survives a crash of the process, not of the machine, which is
// Kafka's default too (it leaves flushing to the page cache).
func (c *coordinator) appendRecords(recs []record) error {
	batch := appendBatch(nil, c.now().UnixMilli(), recs)
	if len(batch) > int(c.cfg.MaxMessageBytes) {
		return errCommitTooLarge
	}
	h, err := parseBatchHeader(batch)
	if err != nil {
		return err
	}
	placed, err := c.offsets.Append(batch, []batchHeader{h})
	if err != nil {
		return err
	}
	if c.syncCommits {
		if err := c.offsets.SyncTo(placed[0].BaseOffset + int64(h.LastOffsetDelta) + 1); err != nil {
			return err
		}
	}
	// A consumer may be reading __consumer_offsets (kcat, a monitoring
	// tool): wake its long-polling fetch, as any append does.
	c.notify()
	return nil
}

// commitTxnOffsets applies the offsets of a committed transaction
// (txn.go) to their groups, as Kafka's GroupMetadata.completePendingTxnOffsetCommit
// does when the COMMIT marker reaches __consumer_offsets: one write per
// group, creating groups that do not exist yet.
func (c *coordinator) commitTxnOffsets(offsets []txnOffset) error {
	byGroup := map[string][]txnOffset{}
	var order []string
	for _, o := range offsets {
		if byGroup[o.Group] == nil {
			order = append(order, o.Group)
		}
		byGroup[o.Group] = append(byGroup[o.Group], o)
	}
	// One timestamp for the whole marker: the commit happened when the
	// transaction did, whatever order the groups are written in.
	now := c.now().UnixMilli()
	for _, id := range order {
		// Created if need be: a transaction's offsets may be the first
		// its group ever commits, and the group's members may all have
		// left while the transaction was open.
		g := c.lockGroup(id, true)
		tps := make([]topicPartition, 0, len(byGroup[id]))
		cos := make([]*committedOffset, 0, len(byGroup[id]))
		for _, o := range byGroup[id] {
			tps = append(tps, topicPartition{o.Topic, o.Partition})
			cos = append(cos, &committedOffset{offset: o.Offset, leaderEpoch: o.LeaderEpoch, metadata: o.Metadata, commitTimestamp: now})
		}
		err := c.writeOffsets(g, tps, cos)
		if err == nil {
			for i, tp := range tps {
				g.offsets[tp] = *cos[i]
			}
		}
		g.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// offsetMetadataTooLarge reports whether a committed offset's metadata is
// over limit, offset.metadata.max.bytes. Despite the name, Kafka counts it with
// Java's String.length() (OffsetMetadataManager.isMetadataInvalid), in
// UTF-16 code units: a character outside the Basic Multilingual Plane is
// two, any other one, however many bytes its UTF-8 takes. A byte that is
// not valid UTF-8 counts one, about as Java counts the U+FFFD it decodes
// such bytes to.
func offsetMetadataTooLarge(metadata *string, limit int) bool {
	if metadata == nil || len(*metadata) <= limit {
		return false // UTF-8 never has fewer bytes than UTF-16 has units
	}
	units := 0
	for _, r := range *metadata {
		units += max(utf16.RuneLen(r), 1)
	}
	return units > limit
}

// checkTxnCommitMember checks the member fields of a TxnOffsetCommit
// (v3+, KIP-447) as an OffsetCommit's are checked: a generation or member
// named must be the group's current one, so that a zombie of an old
// generation cannot commit. A request naming none (generation -1, as
// before v3) is not checked. Nor is one without a generation to a group
// that does not exist or has no members, whatever member id it names
// (OffsetMetadataManager.validateTransactionalOffsetCommit): nobody is
// left for it to be a zombie of.
func (c *coordinator) checkTxnCommitMember(groupID string, generation int32, memberID string, instanceID *string) int16 {
	if generation < 0 && memberID == "" && instanceID == nil {
		return codeNone
	}
	g := c.lockGroup(groupID, false)
	if g == nil {
		if generation < 0 {
			return codeNone
		}
		return codeIllegalGeneration
	}
	defer g.mu.Unlock()
	empty := g.state == stateEmpty
	if g.consumer != nil {
		empty = len(g.consumer.members) == 0
	}
	if generation < 0 && empty {
		return codeNone
	}
	if g.consumer != nil {
		// A KIP-848 group: the generation is the member's epoch, and a
		// stale one is ILLEGAL_GENERATION for a transactional commit
		// (ConsumerGroup.validateOffsetCommit).
		m := g.consumer.members[memberID]
		switch {
		case m == nil:
			return codeUnknownMemberID
		case m.epoch != generation:
			return codeIllegalGeneration
		}
		return codeNone
	}
	if code := g.validateMember(memberID, instanceID); code != codeNone {
		return code
	}
	if generation != g.generation {
		return codeIllegalGeneration
	}
	return codeNone
}

// deleteOffsets writes tombstones for tps and forgets them. The caller
// holds g.mu. Memory changes only after the write succeeds, so a failed
// delete leaves the offsets both in memory and on disk, never in one only:
// what a client reads now is what a restart would bring back.
func (c *coordinator) deleteOffsets(g *group, tps []topicPartition) error {
	if len(tps) == 0 {
		return nil
	}
	if err := c.writeOffsets(g, tps, make([]*committedOffset, len(tps))); err != nil {
		return err
	}
	for _, tp := range tps {
		delete(g.offsets, tp)
	}
	return nil
}

// forgetTopic deletes every group's offsets of a deleted topic
// (OffsetMetadataManager.onPartitionsDeleted). Without it a topic
// deleted and created again under the same name would hand its new
// consumers the old offsets: past the new log's end, which sends them to
// auto.offset.reset, or worse, inside it, where they would silently skip
// records. A group this leaves empty with no offsets stays until the
// periodic cleanup (expireOffsets) removes it, as in Kafka, where only
// cleanupGroupMetadata deletes groups: its tombstone, which readers of the
// topic such as Burrow take as the group's deletion, comes then.
func (c *coordinator) forgetTopic(topic string) {
	for _, g := range c.allGroups() {
		g.mu.Lock()
		if g.state != stateDead {
			var tps []topicPartition
			for tp := range g.offsets {
				if tp.topic == topic {
					tps = append(tps, tp)
				}
			}
			if err := c.deleteOffsets(g, sortedPartitions(tps)); err != nil {
				c.log.Error("deleting offsets of deleted topic", "group", g.id, "topic", topic, "err", err)
			}
		}
		g.mu.Unlock()
	}
}

// sortedPartitions sorts tps in place by topic, then partition, so that
// tombstones go to the log in a stable order, and tests and logs see the
// same order on every run.
func sortedPartitions(tps []topicPartition) []topicPartition {
	slices.SortFunc(tps, func(a, b topicPartition) int {
		return cmp.Or(strings.Compare(a.topic, b.topic), cmp.Compare(a.partition, b.partition))
	})
	return tps
}

// expireOffsetsEvery runs expireOffsets every interval until ctx ends
// (offsets.retention.check.interval.ms, 10 minutes by default, as in
// Kafka). An offset may so outlive its retention by up to one interval,
// which nobody can tell from one that was just still in use.
func (c *coordinator) expireOffsetsEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.expireOffsets()
		}
	}
}

// expireOffsets deletes the offsets that have outlived OffsetsRetention
// (GroupMetadata.removeExpiredOffsets, KIP-211), then forgets the groups
// left empty with no offsets:
//
//   - a group that had members and is Empty now: all its offsets, once the
//     retention has passed since it became empty;
//   - a Stable consumer group: the offsets of topics no member subscribes
//     to any more, once the retention has passed since their commit;
//   - a group that never had members (offsets committed with generation
//     -1, or loaded at startup): each offset once the retention has passed
//     since its commit.
//
// Retention exists because groups are abandoned without a word: a
// consumer renamed, a test run once. Counting from when a group became
// empty, not from the commit (KIP-211), keeps the offsets of a group that
// is alive but idle: a consumer that commits once and then reads a quiet
// topic for a month does not lose its place.
//
// An offset with a transactional commit pending is kept whatever its age,
// as OffsetMetadataManager.cleanupExpiredOffsets keeps it: expired now,
// it would leave a consumer that fetches before the transaction ends
// with no position, and one that fetches after an abort with none ever.
func (c *coordinator) expireOffsets() {
	now := c.now()
	retention := c.cfg.OffsetsRetention.Milliseconds()
	for _, g := range c.allGroups() {
		// Asked before g.mu is taken: the transaction coordinator holds
		// its own lock while it writes a group's offsets, so the other
		// order could deadlock. A commit added in between may see its
		// old offset expire, as it could before it was added.
		var pending map[topicPartition]bool
		if c.pendingTxnOffsets != nil {
			pending = c.pendingTxnOffsets(g.id)
		}
		g.mu.Lock()
		if g.state == stateDead {
			g.mu.Unlock()
			continue
		}
		var expired []topicPartition
		// A KIP-848 group with members keeps every offset of a topic some
		// member subscribes to, whatever its age, as Kafka's
		// isSubscribedToTopic check does: those are being consumed.
		var consumerSubs map[string]bool
		if g.consumer != nil && len(g.consumer.members) > 0 {
			consumerSubs = c.subscribedTopics(g.consumer)
		}
		for tp, o := range g.offsets {
			base := o.commitTimestamp
			switch {
			case consumerSubs != nil:
				if consumerSubs[tp.topic] {
					continue
				}
			case g.protocolType == "":
				// Never had members: count from the commit.
			case g.state == stateEmpty:
				base = g.stateSince.UnixMilli()
			case g.protocolType == consumerProtocolType && g.state == stateStable && g.subscribed != nil && !g.subscribed[tp.topic]:
				// A topic the members stopped reading: count from the
				// commit, as a group that never read it would.
			default:
				// In use, or in a rebalance that may yet subscribe to it.
				continue
			}
			due := now.UnixMilli()-base >= retention
			if o.expireTimestamp != 0 {
				// Its commit named a retention: that decides, as in
				// Kafka's OffsetExpirationConditionImpl.
				due = now.UnixMilli() >= o.expireTimestamp
			}
			if due && !pending[tp] {
				expired = append(expired, tp)
			}
		}
		if err := c.deleteOffsets(g, sortedPartitions(expired)); err != nil {
			c.log.Error("expiring offsets", "group", g.id, "err", err)
		} else if len(expired) > 0 {
			c.log.Info("expired offsets", "group", g.id, "partitions", len(expired))
		}
		c.maybeRemoveGroup(g)
		g.mu.Unlock()
	}
}

// OffsetCommit: v0-9 (OffsetCommitRequest.json, OffsetCommitResponse.json)
//
//	v1: GenerationIdOrMemberEpoch and MemberId, so that only members of the current generation commit; CommitTimestamp
//	v2: RetentionTimeMs; CommitTimestamp removed
//	v3: ThrottleTimeMs
//	v5: RetentionTimeMs removed: retention is the broker's alone (KIP-211)
//	v6: CommittedLeaderEpoch (KIP-320)
//	v7: GroupInstanceId (KIP-345)
//	v8: flexible
//	v9: GROUP_ID_NOT_FOUND, not ILLEGAL_GENERATION, for a group that does not exist (KIP-848)
//
// A member commits with its generation and member id; a member of a
// KIP-848 consumer group commits with its member epoch instead, from v9
// on, and gets STALE_MEMBER_EPOCH if that is not its current one
// (consumerGroup.validateCommit, consumer.go). A client outside
// group management (generation -1, no member id: kcat, an admin tool, a
// consumer that assigns partitions itself) may commit only while the group
// has no members, and its first commit creates the group. Each partition
// has its own error code.
//
// Where we differ from Kafka: v1's CommitTimestamp is read and ignored
// (Kafka 4.0 no longer serves v0-1 at all, KIP-896). v2-4's
// RetentionTimeMs, other than -1, gives the offsets an expire timestamp
// that decides when they expire instead of OffsetsRetention, as in Kafka.
type offsetCommitRequest struct {
	GroupID                   string
	GenerationIDOrMemberEpoch int32
	MemberID                  string
	GroupInstanceID           *string
	RetentionTimeMs           int64
	Topics                    []offsetCommitTopic
}

type offsetCommitTopic struct {
	Name       string
	Partitions []offsetCommitPartition
}

type offsetCommitPartition struct {
	PartitionIndex       int32
	CommittedOffset      int64
	CommittedLeaderEpoch int32
	CommitTimestamp      int64
	CommittedMetadata    *string
}

// decode fills in, for versions without a field, the value that means
// "not given": generation -1 (no group management), leader epoch -1 (no
// epoch known) and timestamps -1, so the commit logic below never asks
// which version it is reading.
func (m *offsetCommitRequest) decode(r *reader, v int16) {
	m.GroupID = r.String()
	m.GenerationIDOrMemberEpoch = -1
	if v >= 1 {
		m.GenerationIDOrMemberEpoch = r.Int32()
		m.MemberID = r.String()
	}
	if v >= 7 {
		m.GroupInstanceID = r.NullableString()
	}
	m.RetentionTimeMs = -1
	if v >= 2 && v <= 4 {
		m.RetentionTimeMs = r.Int64()
	}
	m.Topics = readArray(r, func(r *reader) (t offsetCommitTopic) {
		t.Name = r.String()
		t.Partitions = readArray(r, func(r *reader) (p offsetCommitPartition) {
			p.PartitionIndex = r.Int32()
			p.CommittedOffset = r.Int64()
			p.CommittedLeaderEpoch = -1
			if v >= 6 {
				p.CommittedLeaderEpoch = r.Int32()
			}
			p.CommitTimestamp = -1
			if v == 1 {
				p.CommitTimestamp = r.Int64()
			}
			p.CommittedMetadata = r.NullableString()
			r.SkipTags()
			return p
		})
		r.SkipTags()
		return t
	})
	r.SkipTags()
}

type offsetCommitResponse struct {
	ThrottleTimeMs int32
	Topics         []offsetCommitTopicResponse
}

type offsetCommitTopicResponse struct {
	Name       string
	Partitions []offsetCommitPartitionResponse
}

type offsetCommitPartitionResponse struct {
	PartitionIndex int32
	ErrorCode      int16
}

func (m *offsetCommitResponse) encode(w *writer, v int16) {
	if v >= 3 {
		w.Int32(m.ThrottleTimeMs)
	}
	writeArrayNonNull(w, m.Topics, func(w *writer, t offsetCommitTopicResponse) {
		w.String(t.Name)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p offsetCommitPartitionResponse) {
			w.Int32(p.PartitionIndex)
			w.Int16(p.ErrorCode)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleOffsetCommit(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*offsetCommitRequest)
	if code := b.shares.claimCode(req.GroupID); code != codeNone {
		// A share group has no committed offsets: Kafka's
		// ShareGroup.validateOffsetCommit refuses them with
		// GROUP_ID_NOT_FOUND, once the unknown partitions are answered.
		// Without this, a commit would create a classic group of the
		// share group's id, and the share group's next heartbeat would
		// find its id taken; so, while the share groups are unknown,
		// COORDINATOR_NOT_AVAILABLE (claimCode).
		resp := newOffsetCommitResponse(req)
		b.groups.markUnknownPartitions(req, resp)
		return resp.failAll(code)
	}
	return b.groups.commitOffsets(req, rc.header.APIVersion)
}

// commitExpireTimestamp is when the offsets of a commit made at now
// expire: a v2-4 commit may name their retention, and -1 (which v5 on,
// having no such field, decodes to) leaves them to the broker's, 0 here
// (OffsetMetadataManager.expireTimestampMs).
func commitExpireTimestamp(retentionTimeMs, now int64) int64 {
	if retentionTimeMs == -1 {
		return 0
	}
	return now + retentionTimeMs
}

// commitOffsets is OffsetCommit: the group checks who may commit, then
// the offsets go to __consumer_offsets and, once written, to the group.
func (c *coordinator) commitOffsets(req *offsetCommitRequest, v int16) *offsetCommitResponse {
	resp := newOffsetCommitResponse(req)
	all := resp.failAll
	// Unknown topics and partitions are answered first, as KafkaApis does
	// before the coordinator sees the request: their code is never the
	// group's, and a request of nothing else never reaches the group.
	if !c.markUnknownPartitions(req, resp) {
		return resp
	}

	// Only a commit outside group management creates the group: Kafka's
	// "simple" group, which exists to hold offsets and nothing else.
	g := c.lockGroup(req.GroupID, req.GenerationIDOrMemberEpoch < 0)
	if g == nil {
		// A generation names a group that no longer exists (or never did).
		// v9 says so; older clients only know ILLEGAL_GENERATION, which
		// makes them rejoin, and rejoining creates the group again.
		if v >= 9 {
			return all(codeGroupIDNotFound)
		}
		return all(codeIllegalGeneration)
	}
	defer g.mu.Unlock()
	if g.consumer != nil {
		if code := g.consumer.validateCommit(req.MemberID, req.GenerationIDOrMemberEpoch, v); code != codeNone {
			return all(code)
		}
	} else if code := c.validateCommit(g, req); code != codeNone {
		return all(code)
	}

	now := c.now().UnixMilli()
	// The partitions that pass the checks, their offsets, and where each
	// one's code goes if the write then fails: a failed write fails all of
	// them, since they share one batch, and none of the refused ones.
	var tps []topicPartition
	var offsets []*committedOffset
	var codes []*int16
	for i, t := range req.Topics {
		for j, p := range t.Partitions {
			pr := &resp.Topics[i].Partitions[j]
			switch {
			case pr.ErrorCode != codeNone: // an unknown partition
			// offset.metadata.max.bytes, checked per partition as
			// OffsetMetadataManager.isMetadataInvalid does, so one
			// oversized string refuses only its own partition.
			case offsetMetadataTooLarge(p.CommittedMetadata, int(c.cfg.OffsetMetadataMaxBytes)):
				pr.ErrorCode = codeOffsetMetadataTooLarge
			default:
				tps = append(tps, topicPartition{t.Name, p.PartitionIndex})
				// A null metadata is kept as "", as Kafka keeps it
				// (OffsetAndMetadata.NoMetadata).
				offsets = append(offsets, &committedOffset{
					offset:          p.CommittedOffset,
					leaderEpoch:     p.CommittedLeaderEpoch,
					metadata:        deref(p.CommittedMetadata),
					commitTimestamp: now,
					expireTimestamp: commitExpireTimestamp(req.RetentionTimeMs, now),
				})
				codes = append(codes, &pr.ErrorCode)
			}
		}
	}
	if len(tps) == 0 {
		return resp
	}
	if err := c.writeOffsets(g, tps, offsets); err != nil {
		code := c.storeErrorCode(g, err)
		for _, pc := range codes {
			*pc = code
		}
		return resp
	}
	// Applied only once written, under the same group lock: an OffsetFetch
	// never sees an offset that is not yet in the log.
	for i, tp := range tps {
		g.offsets[tp] = *offsets[i]
	}
	return resp
}

// failAll answers every partition with code: a refusal of the whole
// request (an unknown group, a stale generation), which the client takes
// as the commit's failure for each of its partitions.
// Partitions already refused as unknown keep their code.
func (resp *offsetCommitResponse) failAll(code int16) *offsetCommitResponse {
	for i := range resp.Topics {
		for j := range resp.Topics[i].Partitions {
			if pr := &resp.Topics[i].Partitions[j]; pr.ErrorCode == codeNone {
				pr.ErrorCode = code
			}
		}
	}
	return resp
}

// markUnknownPartitions answers UNKNOWN_TOPIC_OR_PARTITION for each
// partition of req that does not exist, and reports whether any other is
// left to commit.
func (c *coordinator) markUnknownPartitions(req *offsetCommitRequest, resp *offsetCommitResponse) bool {
	known := false
	for i, t := range req.Topics {
		topic := c.logs.Topic(t.Name)
		for j, p := range t.Partitions {
			if topic == nil || p.PartitionIndex < 0 || int(p.PartitionIndex) >= len(topic.Partitions) {
				resp.Topics[i].Partitions[j].ErrorCode = codeUnknownTopicOrPartition
			} else {
				known = true
			}
		}
	}
	return known
}

// newOffsetCommitResponse answers every partition of req with no error,
// for the commit to fill in.
func newOffsetCommitResponse(req *offsetCommitRequest) *offsetCommitResponse {
	resp := &offsetCommitResponse{Topics: make([]offsetCommitTopicResponse, len(req.Topics))}
	for i, t := range req.Topics {
		resp.Topics[i] = offsetCommitTopicResponse{Name: t.Name, Partitions: make([]offsetCommitPartitionResponse, len(t.Partitions))}
		for j, p := range t.Partitions {
			resp.Topics[i].Partitions[j].PartitionIndex = p.PartitionIndex
		}
	}
	return resp
}

// storeErrorCode is the code for a commit that writeOffsets could not
// store. A storage error (a full disk, say) is NOT_COORDINATOR, as Kafka's
// GroupMetadataManager.storeOffsets answers KAFKA_STORAGE_ERROR: clients
// retry after looking the coordinator up again, so commits resume once
// the disk has room.
func (c *coordinator) storeErrorCode(g *group, err error) int16 {
	switch {
	case errors.Is(err, errCommitTooLarge):
		return codeInvalidCommitOffsetSize
	case errors.Is(err, errStorage):
		c.log.Error("storing committed offsets", "group", g.id, "err", err)
		return codeNotCoordinator
	default:
		c.log.Error("storing committed offsets", "group", g.id, "err", err)
		return codeUnknownServerError
	}
}

// validateCommit decides whether a commit to g is allowed
// (ClassicGroup.validateOffsetCommit, in its order of checks). A commit
// counts as a heartbeat of its member, as in Kafka's
// GroupCoordinator.doCommitOffsets: it proves the consumer alive as well
// as a heartbeat would, so its session timer starts again.
func (c *coordinator) validateCommit(g *group, req *offsetCommitRequest) int16 {
	gen := req.GenerationIDOrMemberEpoch
	switch {
	case gen < 0 && g.state == stateEmpty:
		return codeNone // a client outside group management
	case gen >= 0 || req.MemberID != "" || req.GroupInstanceID != nil:
		if code := g.validateMember(req.MemberID, req.GroupInstanceID); code != codeNone {
			return code
		}
		if gen != g.generation {
			return codeIllegalGeneration
		}
	default:
		return codeUnknownMemberID // only members commit to a group that has some
	}
	m := g.members[req.MemberID]
	switch g.state {
	case stateCompletingRebalance:
		// The member has its new generation from JoinGroup but not yet its
		// partitions: what would it be committing?
		return codeRebalanceInProgress
	case stateStable, statePreparingRebalance:
		// During PreparingRebalance commits are still welcome: members
		// commit what they have consumed before they join again.
		c.scheduleExpiry(g, m, m.sessionTimeout)
	}
	return codeNone
}

// OffsetFetch: v0-9 (OffsetFetchRequest.json, OffsetFetchResponse.json)
//
//	v1: offsets kept in Kafka rather than ZooKeeper (the only kind here)
//	v2: a null Topics asks for every partition with an offset; top-level ErrorCode
//	v3: ThrottleTimeMs
//	v5: CommittedLeaderEpoch (KIP-320)
//	v6: flexible
//	v7: RequireStable (KIP-447)
//	v8: several groups in one request (KIP-709)
//	v9: MemberId and MemberEpoch, checked only for KIP-848 groups: a wrong epoch is
//	    STALE_MEMBER_EPOCH, an unknown member UNKNOWN_MEMBER_ID, in the group's ErrorCode
//
// A partition without a committed offset answers offset -1 and no error,
// whether or not its group or topic exists, as in Kafka: consumers then
// fall back to their auto.offset.reset.
//
// With RequireStable, a partition whose group has an offset pending in an
// open transaction (TxnOffsetCommit, txn.go) answers
// UNSTABLE_OFFSET_COMMIT, so that a consumer taking over a partition
// waits for the transaction to end instead of starting from an offset
// about to be replaced (KIP-447).
type offsetFetchRequest struct {
	GroupID       string
	Topics        []offsetFetchRequestTopic
	Groups        []offsetFetchRequestGroup
	RequireStable bool
}

type offsetFetchRequestTopic struct {
	Name             string
	PartitionIndexes []int32
}

type offsetFetchRequestGroup struct {
	GroupID     string
	MemberID    *string
	MemberEpoch int32
	Topics      []offsetFetchRequestTopic
}

func readOffsetFetchRequestTopic(r *reader) (t offsetFetchRequestTopic) {
	t.Name = r.String()
	t.PartitionIndexes = r.Int32s()
	r.SkipTags()
	return t
}

// decode reads the one group of v0-7 into GroupID and Topics, and the
// several of v8+ into Groups; the handler answers in the form asked.
func (m *offsetFetchRequest) decode(r *reader, v int16) {
	if v <= 7 {
		m.GroupID = r.String()
		m.Topics = readArray(r, readOffsetFetchRequestTopic)
	}
	if v >= 8 {
		m.Groups = readArray(r, func(r *reader) (g offsetFetchRequestGroup) {
			g.GroupID = r.String()
			g.MemberEpoch = -1
			if v >= 9 {
				g.MemberID = r.NullableString()
				g.MemberEpoch = r.Int32()
			}
			g.Topics = readArray(r, readOffsetFetchRequestTopic)
			r.SkipTags()
			return g
		})
	}
	if v >= 7 {
		m.RequireStable = r.Bool()
	}
	r.SkipTags()
}

type offsetFetchResponse struct {
	ThrottleTimeMs int32
	Topics         []offsetFetchResponseTopic
	ErrorCode      int16
	Groups         []offsetFetchResponseGroup
}

type offsetFetchResponseTopic struct {
	Name       string
	Partitions []offsetFetchResponsePartition
}

type offsetFetchResponsePartition struct {
	PartitionIndex       int32
	CommittedOffset      int64
	CommittedLeaderEpoch int32
	Metadata             *string
	ErrorCode            int16
}

type offsetFetchResponseGroup struct {
	GroupID   string
	Topics    []offsetFetchResponseTopic
	ErrorCode int16
}

func (m *offsetFetchResponse) encode(w *writer, v int16) {
	if v >= 3 {
		w.Int32(m.ThrottleTimeMs)
	}
	writeTopics := func(w *writer, ts []offsetFetchResponseTopic) {
		writeArrayNonNull(w, ts, func(w *writer, t offsetFetchResponseTopic) {
			w.String(t.Name)
			writeArrayNonNull(w, t.Partitions, func(w *writer, p offsetFetchResponsePartition) {
				w.Int32(p.PartitionIndex)
				w.Int64(p.CommittedOffset)
				if v >= 5 {
					w.Int32(p.CommittedLeaderEpoch)
				}
				w.NullableString(p.Metadata)
				w.Int16(p.ErrorCode)
				w.Tags()
			})
			w.Tags()
		})
	}
	if v <= 7 {
		writeTopics(w, m.Topics)
		if v >= 2 {
			w.Int16(m.ErrorCode)
		}
	}
	if v >= 8 {
		writeArrayNonNull(w, m.Groups, func(w *writer, g offsetFetchResponseGroup) {
			w.String(g.GroupID)
			writeTopics(w, g.Topics)
			w.Int16(g.ErrorCode)
			w.Tags()
		})
	}
	w.Tags()
}

// handleOffsetFetch answers each group separately: from v8 (KIP-709)
// each group of the batch has its own error code, so a stale member
// epoch in one group fails no other.
func (b *Broker) handleOffsetFetch(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*offsetFetchRequest)
	resp := &offsetFetchResponse{}
	if v := rc.header.APIVersion; v <= 7 {
		topics := req.Topics
		if topics == nil && v < 2 {
			topics = []offsetFetchRequestTopic{} // "all" is v2's; before, null is empty
		}
		resp.Topics = b.groups.fetchOffsets(req.GroupID, topics)
		if req.RequireStable {
			b.markUnstable(req.GroupID, resp.Topics)
		}
		return resp
	}
	resp.Groups = make([]offsetFetchResponseGroup, len(req.Groups))
	for i, g := range req.Groups {
		if code := b.groups.validateConsumerFetch(g.GroupID, g.MemberID, g.MemberEpoch); code != codeNone {
			resp.Groups[i] = offsetFetchResponseGroup{GroupID: g.GroupID, Topics: []offsetFetchResponseTopic{}, ErrorCode: code}
			continue
		}
		resp.Groups[i] = offsetFetchResponseGroup{GroupID: g.GroupID, Topics: b.groups.fetchOffsets(g.GroupID, g.Topics)}
		if req.RequireStable {
			b.markUnstable(g.GroupID, resp.Groups[i].Topics)
		}
	}
	return resp
}

// markUnstable answers UNSTABLE_OFFSET_COMMIT, and no offset, for the
// partitions of topics that have an offset of group pending in an open
// transaction. The Java consumer notes the partition as unstable and
// fetches again until the transaction ends, which is the point: with exactly-once processing, a
// new owner of a partition must start from the offset the old owner's
// transaction commits, not the one before it.
func (b *Broker) markUnstable(group string, topics []offsetFetchResponseTopic) {
	pending := b.txns.pendingOffsets(group)
	for i := range topics {
		for j := range topics[i].Partitions {
			p := &topics[i].Partitions[j]
			if pending[topicPartition{topics[i].Name, p.PartitionIndex}] {
				p.ErrorCode, p.CommittedOffset, p.CommittedLeaderEpoch = codeUnstableOffsetCommit, -1, -1
			}
		}
	}
}

// validateConsumerFetch checks the member id and epoch of an OffsetFetch
// v9 (KIP-848) against a consumer group; classic groups ignore them, as
// Kafka's ClassicGroup.validateOffsetFetch does.
func (c *coordinator) validateConsumerFetch(groupID string, memberID *string, epoch int32) int16 {
	g := c.lockGroup(groupID, false)
	if g == nil {
		return codeNone
	}
	defer g.mu.Unlock()
	if g.consumer == nil {
		return codeNone
	}
	return g.consumer.validateFetch(memberID, epoch)
}

// fetchOffsets answers OffsetFetch for one group; nil topics means every
// partition the group has an offset for, sorted. A group that does not
// exist is not an error: it answers -1 for every partition, as Kafka
// does, so that a consumer's first fetch of a new group falls through to
// auto.offset.reset. Metadata is "" rather than null, Kafka's
// OffsetFetchResponse.NO_METADATA, so that a client that reads it as a
// plain string never meets a null it did not expect.
func (c *coordinator) fetchOffsets(groupID string, topics []offsetFetchRequestTopic) []offsetFetchResponseTopic {
	offsets := map[topicPartition]committedOffset{}
	if g := c.lockGroup(groupID, false); g != nil {
		offsets = g.offsets
		defer g.mu.Unlock()
	}
	if topics == nil {
		byTopic := make(map[string][]int32)
		for tp := range offsets {
			byTopic[tp.topic] = append(byTopic[tp.topic], tp.partition)
		}
		topics = []offsetFetchRequestTopic{}
		for _, name := range slices.Sorted(maps.Keys(byTopic)) {
			topics = append(topics, offsetFetchRequestTopic{Name: name, PartitionIndexes: slices.Sorted(slices.Values(byTopic[name]))})
		}
	}
	out := make([]offsetFetchResponseTopic, len(topics))
	for i, t := range topics {
		out[i] = offsetFetchResponseTopic{Name: t.Name, Partitions: make([]offsetFetchResponsePartition, len(t.PartitionIndexes))}
		for j, p := range t.PartitionIndexes {
			pr := offsetFetchResponsePartition{PartitionIndex: p, CommittedOffset: -1, CommittedLeaderEpoch: -1, Metadata: ptr("")}
			if o, ok := offsets[topicPartition{t.Name, p}]; ok {
				pr.CommittedOffset, pr.CommittedLeaderEpoch, pr.Metadata = o.offset, o.leaderEpoch, ptr(o.metadata)
			}
			out[i].Partitions[j] = pr
		}
	}
	return out
}

// OffsetDelete: v0 (OffsetDeleteRequest.json, OffsetDeleteResponse.json)
//
// Deletes a group's committed offsets of some partitions (KIP-496). A
// group with members may lose only the offsets of topics it does not
// consume: for a consumer group, topics none of its members subscribe to
// (GROUP_SUBSCRIBED_TO_TOPIC for the others); a group of another protocol
// type, whose subscriptions cannot be read, must be empty
// (NON_EMPTY_GROUP).
type offsetDeleteRequest struct {
	GroupID string
	Topics  []offsetDeleteRequestTopic
}

type offsetDeleteRequestTopic struct {
	Name       string
	Partitions []offsetDeleteRequestPartition
}

type offsetDeleteRequestPartition struct {
	PartitionIndex int32
}

func (m *offsetDeleteRequest) decode(r *reader, v int16) {
	m.GroupID = r.String()
	m.Topics = readArray(r, func(r *reader) (t offsetDeleteRequestTopic) {
		t.Name = r.String()
		t.Partitions = readArray(r, func(r *reader) offsetDeleteRequestPartition {
			return offsetDeleteRequestPartition{PartitionIndex: r.Int32()}
		})
		return t
	})
}

type offsetDeleteResponse struct {
	ErrorCode      int16
	ThrottleTimeMs int32
	Topics         []offsetDeleteResponseTopic
}

type offsetDeleteResponseTopic struct {
	Name       string
	Partitions []offsetDeleteResponsePartition
}

type offsetDeleteResponsePartition struct {
	PartitionIndex int32
	ErrorCode      int16
}

func (m *offsetDeleteResponse) encode(w *writer, v int16) {
	w.Int16(m.ErrorCode)
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Topics, func(w *writer, t offsetDeleteResponseTopic) {
		w.String(t.Name)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p offsetDeleteResponsePartition) {
			w.Int32(p.PartitionIndex)
			w.Int16(p.ErrorCode)
		})
	})
}

func (b *Broker) handleOffsetDelete(ctx context.Context, rc *requestContext, r request) response {
	return b.groups.offsetDelete(r.(*offsetDeleteRequest))
}

// offsetDelete is OffsetMetadataManager.deleteOffsets. The group-level
// errors (INVALID_GROUP_ID, GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP) fail the
// whole request with no partitions, as in Kafka, where they are thrown
// before any partition is looked at. A partition without an offset is
// answered NONE: the end state asked for holds.
func (c *coordinator) offsetDelete(req *offsetDeleteRequest) *offsetDeleteResponse {
	fail := func(code int16) *offsetDeleteResponse {
		return &offsetDeleteResponse{ErrorCode: code, Topics: []offsetDeleteResponseTopic{}}
	}
	if req.GroupID == "" {
		return fail(codeInvalidGroupID)
	}
	g := c.lockGroup(req.GroupID, false)
	if g == nil {
		return fail(codeGroupIDNotFound)
	}
	defer g.mu.Unlock()
	if g.state != stateEmpty && g.protocolType != consumerProtocolType {
		return fail(codeNonEmptyGroup)
	}
	resp := &offsetDeleteResponse{Topics: make([]offsetDeleteResponseTopic, len(req.Topics))}
	var tps []topicPartition
	var codes []*int16
	subscribed := func(topic string) bool {
		if g.consumer != nil { // KIP-848: the members' subscriptions are known
			return c.subscribedTopics(g.consumer)[topic]
		}
		// Unknown subscriptions count as subscribed, to be safe.
		return g.state != stateEmpty && (g.subscribed == nil || g.subscribed[topic])
	}
	for i, t := range req.Topics {
		topic := c.logs.Topic(t.Name)
		resp.Topics[i] = offsetDeleteResponseTopic{Name: t.Name, Partitions: make([]offsetDeleteResponsePartition, len(t.Partitions))}
		for j, rp := range t.Partitions {
			p := rp.PartitionIndex
			pr := &resp.Topics[i].Partitions[j]
			pr.PartitionIndex = p
			tp := topicPartition{t.Name, p}
			switch {
			case topic == nil || p < 0 || int(p) >= len(topic.Partitions):
				pr.ErrorCode = codeUnknownTopicOrPartition
			case subscribed(t.Name):
				pr.ErrorCode = codeGroupSubscribedToTopic
			default:
				if _, ok := g.offsets[tp]; ok && !slices.Contains(tps, tp) {
					tps = append(tps, tp)
					codes = append(codes, &pr.ErrorCode)
				}
			}
		}
	}
	// One batch of tombstones for the whole request; if it fails, only
	// the partitions that had an offset to delete report the failure.
	if err := c.deleteOffsets(g, tps); err != nil {
		c.log.Error("deleting offsets", "group", g.id, "err", err)
		for _, pc := range codes {
			*pc = codeUnknownServerError
		}
	}
	// A group whose last offset went stays until the periodic cleanup
	// (expireOffsets) forgets it, as Kafka's cleanupGroupMetadata does.
	return resp
}
