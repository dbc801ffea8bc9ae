// This file holds the share partition (KIP-932): what a share group knows
// of one partition it consumes, the state machine that hands each record
// to one member at a time, and the file that keeps that state across a
// restart. It follows Apache Kafka's SharePartition
// (https://github.com/apache/kafka/blob/4.1.0/core/src/main/java/kafka/server/share/SharePartition.java)
// and its persister's ShareSnapshot records. It belongs to Part II of the
// book, groups and offsets: read it after consumer.go; sharegroups.go
// builds the share group on it and sharefetch.go the APIs that acquire and acknowledge.
//
// # How a share partition works
//
// A consumer group gives each partition to one member, which remembers a
// single number: how far it got. A share group lets several members read
// one partition at once, so the broker must remember more: which records are
// out with which member, and which are done. It keeps a window of the
// log, from the share-partition start offset (SPSO) to the end offset
// (SPEO), the first offset never handed out. Below the SPSO every record
// is done; at and above the SPEO none was delivered. Inside, each record
// has a state:
//
//	available     may be acquired (again)
//	acquired      out with one member, under a lock that expires
//	acknowledged  the member accepted it: done
//	archived      rejected, or delivered too often, or no record at all
//	              (a gap, an aborted record): done
//
// A trace, with delivery.count.limit 2. Records 0-4 are in the log:
//
//	A acquires 0-2       0-2 acquired by A, delivery count 1; SPEO 3
//	B acquires 3-4       3-4 acquired by B, count 1; SPEO 5
//	A accepts 0, 1       0-1 acknowledged; the SPSO moves to 2
//	A releases 2         2 available (count 1 < limit 2)
//	B acquires 2         2 acquired by B, count 2
//	B's lock expires     2 has reached the limit: archived; SPSO 3
//	B rejects 3          3 archived; SPSO 4
//
// The rules, in the order SharePartition applies them:
//
//   - a fetch acquires available records first, oldest first, then new
//     ones from the SPEO on; it never lets the window grow past
//     group.share.partition.max.record.locks records (Kafka's
//     maxInFlightRecords), so a member that never acknowledges stops the
//     partition at that many, not the broker's memory; an empty window
//     moves over offsets that hold nothing to deliver (aborted
//     records, compacted away) however many there are;
//   - each acquisition adds one to the record's delivery count and locks
//     it for the record lock duration;
//   - only the member that holds a record may acknowledge it: a record
//     of the window it does not hold is INVALID_RECORD_STATE, an offset
//     past the last one ever acquired INVALID_REQUEST, and then none of
//     the request's batches for the partition applies; offsets below the
//     SPSO are done already and are passed over without an error;
//   - a release, an expired lock, or the holder leaving makes the record
//     available again, unless its delivery count has reached
//     group.share.delivery.count.limit: then it is archived;
//   - whenever the record at the SPSO is done, the SPSO moves past it;
//   - when retention or DeleteRecords moves the log start past the SPSO,
//     the SPSO follows it (moveStart): the records below are done, and
//     those above keep their states and holders.
//
// On a compacted topic a batch may have lost records inside it; the whole
// batch's offsets are acquired, as in Kafka, and the client acknowledges
// the missing ones as gaps (type 0), which archives them.
//
// Design note: a record's state is kept per offset, in a map over the
// window, where Kafka keeps batches and splits them into per-offset
// states only when a batch is acknowledged in parts. The window is at most
// max.record.locks long (2000 by default), so the map is bounded, and a
// reader follows one record at a time. An offset of the window missing
// from the map is done (acknowledged or archived): so a gap costs nothing.
//
// Design note: durability. Kafka writes a share partition's state to the
// __share_group_state topic through its share coordinator: a ShareSnapshot
// of the window now and then, ShareUpdates in between. Here it goes to one
// append-only file of the data dir, share-state.jsonl, one line per
// change, each a snapshot of one partition's window; the last line for a
// partition wins, and the file is rewritten with only those lines when it
// is opened. An internal compacted topic would be Kafka's way; but the
// share state is a small document replaced whole, read once at start, and
// a file of snapshots is that with nothing between: no record format, no
// cleaner's schedule to wait for before the file shrinks, and like the
// other coordinators' files (transaction-state, group-configs.json) it
// keeps its own chapter's state beside the logs. What is
// written: the SPSO, the SPEO, and each record of the window that is not
// done, with its delivery count; acquired records are written as
// available, because a lock does not outlive the broker. A change is
// written when it is an acknowledgement, a release or an expiry, before
// the answer goes out (and fsynced first under Config.Fsync "always", so
// that it survives a power cut too); an acquisition is not written (nor
// is it in Kafka), so after a crash the records that were out are
// delivered again, counting the deliveries last written, and acknowledged
// ones never are. A line cut short by a crash is the last one and is
// skipped on reading.
//
// A transaction marker is acquired like a record, as Kafka acquires it
// with its batch, and the member acknowledges it as a gap.
//
// Where we differ from Kafka, as a client sees it: an acquisition is
// reported as runs of offsets with one delivery count, cut at log batch
// boundaries every BatchSize records, where Kafka reports its in-flight
// batches as they were first cut; so records released by two members
// and acquired again together come as one range here, two in Kafka.
// Records a member still holds when its session ends are released and
// keep the delivery their acquisition counted, as in Kafka 4.2 on
// (KAFKA-19972; Kafka 4.1 took it back). Records delivered often are
// throttled per record (acquire), where Kafka throttles the in-flight
// batch that holds them.
//
// Design note: what this would grow next. Kafka keeps states per batch
// and writes ShareUpdate deltas between snapshots, because its share
// partitions see millions of records an hour from fleets of consumers;
// here every acknowledgement writes the window whole (at most
// max.record.locks records of JSON), and every fetch walks the window.
// Both are linear in a bounded window and invisible next to a client's
// round trip, so the per-record map stays until a benchmark says
// otherwise.

package kafka

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"time"
)

// recordState is where a record of the window is (RecordState.java).
type recordState int8

const (
	recordAvailable    recordState = 0
	recordAcquired     recordState = 1
	recordAcknowledged recordState = 2
	recordArchived     recordState = 4
)

// String names the state as Kafka's RecordState does.
func (s recordState) String() string {
	switch s {
	case recordAvailable:
		return "AVAILABLE"
	case recordAcquired:
		return "ACQUIRED"
	case recordAcknowledged:
		return "ACKNOWLEDGED"
	case recordArchived:
		return "ARCHIVED"
	}
	return fmt.Sprintf("RecordState(%d)", int8(s))
}

// done reports whether a record in this state is never delivered again.
func (s recordState) done() bool { return s == recordAcknowledged || s == recordArchived }

// Acknowledge types of ShareFetch and ShareAcknowledge
// (AcknowledgeType.java; RENEW is KIP-1222's, version 2).
const (
	ackGap     int8 = 0 // the member saw no record here: archive the offset
	ackAccept  int8 = 1
	ackRelease int8 = 2
	ackReject  int8 = 3
	ackRenew   int8 = 4 // keep the record, lock it again
)

// inFlightRecord is one record of the window.
type inFlightRecord struct {
	state      recordState
	deliveries int16     // how many times it was acquired
	owner      string    // the member that holds it, while acquired
	lockUntil  time.Time // when the acquisition lock expires, while acquired
}

// shareLimits are the settings a share partition acts on, with Kafka's
// defaults in defaultShareLimits.
type shareLimits struct {
	lockDuration  time.Duration // group.share.record.lock.duration.ms
	deliveryLimit int16         // group.share.delivery.count.limit
	maxLocks      int64         // group.share.partition.max.record.locks
}

// defaultShareLimits are Kafka 4.1's defaults (ShareGroupConfig.java).
var defaultShareLimits = shareLimits{lockDuration: 30 * time.Second, deliveryLimit: 5, maxLocks: 2000}

// sharePartition is a share group's state for one partition. The share
// group's lock guards it.
type sharePartition struct {
	startOffset int64 // SPSO: every record below is done
	endOffset   int64 // SPEO: no record at or above was ever acquired
	records     map[int64]*inFlightRecord
	stateEpoch  int32 // bumped when the offsets are altered or reset (Kafka's state epoch)
	// loaded is whether a fetch has touched the partition since it was
	// made or restored: Kafka's broker loads a share partition's state on
	// its first fetch, and sharefetch.go follows the order that gives.
	loaded bool
}

func newSharePartition(start int64) *sharePartition {
	return &sharePartition{startOffset: start, endOffset: start, records: map[int64]*inFlightRecord{}}
}

// acquiredRange is a run of acquired offsets with one delivery count,
// ShareFetch's AcquiredRecords entry.
type acquiredRange struct {
	FirstOffset   int64
	LastOffset    int64
	DeliveryCount int16
}

// firstAvailable is where a fetch must start reading the log to find
// records to acquire: the oldest available record of the window, or the
// SPEO.
func (sp *sharePartition) firstAvailable() int64 {
	for o := sp.startOffset; o < sp.endOffset; o++ {
		if r := sp.records[o]; r != nil && r.state == recordAvailable {
			return o
		}
	}
	return sp.endOffset
}

// acquire hands member up to maxRecords records. deliverable is every
// offset, ascending, of a record the log holds and the member may read in
// [from, scannedTo), where from is at most firstAvailable: the fetch read
// the log that far. Offsets of that range at or above the SPEO that are
// not deliverable (aborted records, gaps) are archived as the SPEO passes
// them.
//
// Given batching (the log batches read, and BatchSize), acquire goes on
// past maxRecords to the end of the batch of the last record taken:
// ShareAcquireMode batch_optimized, Kafka 4.1's only mode, where
// MaxRecords "can be exceeded for alignment of batch boundaries"
// (SharePartition.acquireNewBatchRecords), so that a batch the client
// receives whole is the member's whole; and it cuts the ranges it
// answers at the first batch boundary after every BatchSize records
// (shareBatching.cutsAt). With a nil batching maxRecords is a hard limit
// and nothing is cut (record_limit, KIP-1206).
//
// Records delivered often are throttled, as Kafka 4.2's SharePartition
// throttles them (acquireSubsetBatchRecords, KAFKA-17541), so that one
// record its consumers cannot process does not use up the deliveries of
// its whole batch: a record on its last delivery is acquired alone, and
// one delivered throttleFrom times or more starts an acquisition of at
// most its log batch's size, halved for each such delivery. Either waits
// for the next fetch if records were taken before it.
func (sp *sharePartition) acquire(member string, deliverable []int64, scannedTo int64, maxRecords int, batching *shareBatching, lim shareLimits, now time.Time) []acquiredRange {
	var out []acquiredRange
	n := 0
	take := func(o int64, r *inFlightRecord) {
		r.state, r.owner, r.lockUntil = recordAcquired, member, now.Add(lim.lockDuration)
		r.deliveries++
		n++
		if k := len(out) - 1; k >= 0 && out[k].LastOffset == o-1 && out[k].DeliveryCount == r.deliveries && !batching.cutsAt(o, out[k].FirstOffset) {
			out[k].LastOffset = o
		} else {
			out = append(out, acquiredRange{o, o, r.deliveries})
		}
	}
	stopAt := int64(-1) // past maxRecords: the last offset still taken
	throttledTo := -1   // once a record delivered often is taken: the most n may reach
	stopped := false    // the throttle ended the acquisition short of maxRecords
deliver:
	for _, o := range deliverable {
		if throttledTo >= 0 && n >= throttledTo {
			stopped = true
			break
		}
		if n >= maxRecords {
			if batching == nil || len(out) == 0 {
				break
			}
			if stopAt < 0 {
				stopAt = batching.end(out[len(out)-1].LastOffset)
			}
			if o > stopAt {
				break
			}
		}
		switch {
		case o < sp.startOffset:
		case o < sp.endOffset:
			r := sp.records[o]
			if r == nil || r.state != recordAvailable {
				continue
			}
			last := lim.deliveryLimit > 2 && r.deliveries == lim.deliveryLimit-1
			throttled := throttledTo < 0 && r.deliveries >= throttleFrom(lim.deliveryLimit)
			if (last || throttled) && n > 0 {
				stopped = true // r leads the next acquisition
				break deliver
			}
			if throttled {
				throttledTo = max(1, batching.sizeAt(o, maxRecords)>>(r.deliveries-throttleFrom(lim.deliveryLimit)+1))
			}
			take(o, r)
			if last {
				stopped = true
				break deliver
			}
		default:
			r := sp.grow(o, lim)
			if r == nil {
				return out
			}
			take(o, r)
		}
	}
	// Nothing deliverable was left unacquired up to scannedTo, so the
	// SPEO may pass the rest of the range: gaps and aborted records at
	// its end would otherwise be read again by every fetch.
	sp.advanceStart()
	if !stopped && n < maxRecords && scannedTo > sp.endOffset {
		switch {
		case sp.startOffset == sp.endOffset:
			sp.startOffset, sp.endOffset = scannedTo, scannedTo
		case scannedTo-sp.startOffset <= lim.maxLocks:
			sp.endOffset = scannedTo
		}
	}
	return out
}

// grow adds o, at or past the SPEO, to the window, and returns its
// record, or nil if the window would hold more than maxLocks records.
func (sp *sharePartition) grow(o int64, lim shareLimits) *inFlightRecord {
	// An empty window moves to o whole: what lies between is gaps,
	// however many (a long aborted transaction).
	if sp.advanceStart(); sp.startOffset == sp.endOffset {
		sp.startOffset, sp.endOffset = o, o
	}
	// The window may not grow past maxLocks records
	// (SharePartition.canAcquireRecords).
	if o-sp.startOffset >= lim.maxLocks {
		sp.advanceStart()
		if o-sp.startOffset >= lim.maxLocks {
			return nil
		}
	}
	// Offsets skipped between the SPEO and o hold no record this member
	// may read: they are done, by their absence.
	r := &inFlightRecord{}
	sp.records[o] = r
	sp.endOffset = o + 1
	return r
}

// throttleFrom is the delivery count from which acquire throttles a
// record's deliveries, SharePartition's throttleRecordsDeliveryLimit:
// half the delivery limit, rounded up, and at least 2.
func throttleFrom(deliveryLimit int16) int16 { return max(2, (deliveryLimit+1)/2) }

// shareBatching is what a batch_optimized fetch shapes its acquisition
// by: the log batches it read, in offset order, and the request's
// BatchSize.
type shareBatching struct {
	batches []shareBatch
	size    int
}

// end is the last offset of the batch holding o, or o if none does.
func (b *shareBatching) end(o int64) int64 {
	if i, ok := b.find(o); ok {
		return b.batches[i].last
	}
	return o
}

// sizeAt is the number of offsets of the log batch holding o, or
// otherwise, as under record_limit (a nil b), maxRecords.
func (b *shareBatching) sizeAt(o int64, maxRecords int) int {
	if b == nil {
		return maxRecords
	}
	if i, ok := b.find(o); ok {
		return int(b.batches[i].last - b.batches[i].first + 1)
	}
	return maxRecords
}

// find is the index of the batch holding o, if one does.
func (b *shareBatching) find(o int64) (int, bool) {
	i := sort.Search(len(b.batches), func(i int) bool { return b.batches[i].last >= o })
	return i, i < len(b.batches) && b.batches[i].first <= o
}

// cutsAt reports whether an AcquiredRecords range that starts at first
// ends before o: o starts a log batch and the range holds BatchSize
// offsets or more already. This is SharePartition.createBatches, which
// cuts a new in-flight batch at a log batch's base offset once it spans
// BatchSize offsets, so that a range never splits a log batch and may
// hold more than BatchSize. A BatchSize below 1 cuts nothing.
func (b *shareBatching) cutsAt(o, first int64) bool {
	if b == nil || b.size < 1 || o-first < int64(b.size) {
		return false
	}
	i, ok := b.find(o)
	return ok && b.batches[i].first == o
}

// acknowledge applies one partition's acknowledgement batches of member's,
// all or none, as SharePartition.acknowledge does (it rolls every batch
// of the request back when one fails). It reports the error code and
// whether the state changed in a way that must be written. The rules, in
// Kafka's order, for each batch:
//
//   - a batch wholly below the SPSO is skipped: its records are done
//     already (archived when their delivery limit ran out, say), and
//     the member is told nothing went wrong; a batch that starts below
//     the SPSO is acknowledged from the SPSO on;
//   - an empty window has nothing to acknowledge: INVALID_RECORD_STATE;
//   - a batch that ends past the last offset ever acquired names records
//     no fetch handed out: INVALID_REQUEST;
//   - every offset must be acquired by member, and by no other batch of
//     the request: INVALID_RECORD_STATE otherwise.
//
// The batches' form (order, types, lengths) is checked before this, by
// validAckBatches, as KafkaApis does.
func (sp *sharePartition) acknowledge(member string, batches []shareAckBatch, lim shareLimits, now time.Time) (code int16, changed bool, message string) {
	if code, message := sp.checkAcks(member, batches); code != codeNone {
		return code, false, message
	}
	for _, b := range batches {
		for o := max(b.FirstOffset, sp.startOffset); o <= b.LastOffset; o++ {
			if sp.applyAck(sp.records[o], ackTypeAt(b.AcknowledgeTypes, b.FirstOffset, o), lim, now) {
				changed = true
			}
		}
	}
	sp.advanceStart()
	return codeNone, changed, ""
}

// checkAcks is acknowledge's checks, before anything is applied: the
// error code, and the message SharePartition's exception carries for it
// (fetchSubMapForAcknowledgementBatch, acknowledgePerOffsetBatchRecords),
// which Kafka passes on to the client. Kafka words some refusals of a
// whole in-flight batch apart from those of one offset; here every record
// is an offset of its own, so the offset's words apply.
func (sp *sharePartition) checkAcks(member string, batches []shareAckBatch) (int16, string) {
	// The batches come in order, so an offset a batch names again is one
	// at or below the last offset walked.
	walked := int64(-1)
	for _, b := range batches {
		if b.FirstOffset > b.LastOffset || (len(b.AcknowledgeTypes) != 1 && int64(len(b.AcknowledgeTypes)) != b.LastOffset-b.FirstOffset+1) {
			return codeInvalidRequest, ""
		}
		if b.LastOffset < sp.startOffset {
			continue
		}
		// Checked before the walk, so that the loop is bounded by the
		// window, not by offsets a client made up.
		switch {
		case sp.startOffset == sp.endOffset:
			return codeInvalidRecordState, "Batch record not found. The request batch offsets are not found in the cache."
		case b.FirstOffset >= sp.endOffset:
			return codeInvalidRequest, "Batch record not found. The first offset in request is past acquired records."
		case b.LastOffset >= sp.endOffset:
			return codeInvalidRequest, "Batch record not found. The last offset in request is past acquired records."
		}
		for o := max(b.FirstOffset, sp.startOffset); o <= b.LastOffset; o++ {
			r := sp.records[o]
			switch {
			case r == nil || r.state != recordAcquired || o <= walked:
				return codeInvalidRecordState, "The offset cannot be acknowledged. The offset is not acquired."
			case r.owner != member:
				return codeInvalidRecordState, "Member is not the owner of offset"
			}
			if t := ackTypeAt(b.AcknowledgeTypes, b.FirstOffset, o); t < ackGap || t > ackRenew {
				return codeInvalidRequest, ""
			}
			walked = o
		}
	}
	return codeNone, ""
}

// applyAck moves one acquired record by an acknowledge type, and reports
// whether its state changed (a renewal only moves its lock).
func (sp *sharePartition) applyAck(r *inFlightRecord, t int8, lim shareLimits, now time.Time) bool {
	switch t {
	case ackAccept:
		r.state = recordAcknowledged
	case ackGap, ackReject:
		r.state = recordArchived
	case ackRelease:
		sp.releaseOne(r, lim)
	case ackRenew:
		r.lockUntil = now.Add(lim.lockDuration)
		return false
	}
	r.owner = ""
	return true
}

// ackTypeAt is the type that applies to offset o of a batch starting at
// first: one type for the whole batch, or one per offset.
func ackTypeAt(types []int8, first, o int64) int8 {
	if len(types) == 1 {
		return types[0]
	}
	return types[o-first]
}

// releaseOne makes an acquired record available again, or archives it
// once it has been delivered as often as the limit allows.
func (sp *sharePartition) releaseOne(r *inFlightRecord, lim shareLimits) {
	r.owner, r.lockUntil = "", time.Time{}
	if r.deliveries >= lim.deliveryLimit {
		r.state = recordArchived
	} else {
		r.state = recordAvailable
	}
}

// expire releases every record whose lock has run out, and reports
// whether any did.
func (sp *sharePartition) expire(lim shareLimits, now time.Time) bool {
	changed := false
	for _, r := range sp.records {
		if r.state == recordAcquired && !now.Before(r.lockUntil) {
			sp.releaseOne(r, lim)
			changed = true
		}
	}
	if changed {
		sp.advanceStart()
	}
	return changed
}

// releaseMember releases every record member holds: it left the group or
// closed its share session.
func (sp *sharePartition) releaseMember(member string, lim shareLimits) bool {
	changed := false
	for _, r := range sp.records {
		if r.state == recordAcquired && r.owner == member {
			sp.releaseOne(r, lim)
			changed = true
		}
	}
	if changed {
		sp.advanceStart()
	}
	return changed
}

// nextLockExpiry is when the first lock of the window runs out, or the
// zero time if nothing is acquired.
func (sp *sharePartition) nextLockExpiry() time.Time {
	var first time.Time
	for _, r := range sp.records {
		if r.state == recordAcquired && (first.IsZero() || r.lockUntil.Before(first)) {
			first = r.lockUntil
		}
	}
	return first
}

// advanceStart moves the SPSO past every done record at its front, and
// forgets them.
func (sp *sharePartition) advanceStart() {
	for sp.startOffset < sp.endOffset {
		r := sp.records[sp.startOffset]
		if r != nil && !r.state.done() {
			return
		}
		delete(sp.records, sp.startOffset)
		sp.startOffset++
		if len(sp.records) == 0 {
			sp.startOffset = sp.endOffset
		}
	}
}

// moveStart moves the SPSO up to start, the log's start offset once
// retention or DeleteRecords passed the window's: the records below it
// are gone from the log, and so done (an acknowledgement of them is
// passed over), while those above keep their state and holder, as
// SharePartition.updateCacheAndOffsets keeps them. Nothing a fetch read
// before the move can be taken wrongly after it: acquire passes over
// offsets below the SPSO.
func (sp *sharePartition) moveStart(start int64) {
	for o := range sp.records {
		if o < start {
			delete(sp.records, o)
		}
	}
	sp.startOffset, sp.endOffset = start, max(sp.endOffset, start)
	sp.advanceStart()
}

// reset moves the window to start, forgetting every record: an
// AlterShareGroupOffsets.
func (sp *sharePartition) reset(start int64) {
	sp.startOffset, sp.endOffset = start, start
	clear(sp.records)
	sp.stateEpoch++
}

// doneInWindow is how many offsets of the window are done, for the lag
// DescribeShareGroupOffsets reports.
func (sp *sharePartition) doneInWindow() int64 {
	var n int64
	for o := sp.startOffset; o < sp.endOffset; o++ {
		if r := sp.records[o]; r == nil || r.state.done() {
			n++
		}
	}
	return n
}

// Durable state.

const shareStateFile = "share-state.jsonl"

// shareSnapshot is one line of share-state.jsonl: a partition's window
// (Kafka's ShareSnapshotValue), or, with Deleted, its end.
type shareSnapshot struct {
	Group       string           `json:"group"`
	TopicID     uuid             `json:"topicId"`
	Partition   int32            `json:"partition"`
	Deleted     bool             `json:"deleted,omitempty"`
	StateEpoch  int32            `json:"stateEpoch"`
	StartOffset int64            `json:"startOffset"`
	EndOffset   int64            `json:"endOffset"`
	Records     []snapshotRecord `json:"records,omitempty"` // those of the window not done
}

// snapshotRecord is a record of the window that is not done: available,
// with the deliveries it has had.
type snapshotRecord struct {
	Offset     int64 `json:"offset"`
	Deliveries int16 `json:"deliveries"`
}

type shareKey struct {
	group string
	tp    topicIDPartition
}

// snapshot is sp as it is written: acquired records as available.
func (sp *sharePartition) snapshot(group string, tp topicIDPartition) shareSnapshot {
	s := shareSnapshot{Group: group, TopicID: tp.topic, Partition: tp.partition,
		StateEpoch: sp.stateEpoch, StartOffset: sp.startOffset, EndOffset: sp.endOffset}
	for _, o := range slices.Sorted(maps.Keys(sp.records)) {
		if r := sp.records[o]; !r.state.done() {
			s.Records = append(s.Records, snapshotRecord{o, r.deliveries})
		}
	}
	return s
}

// restore is the partition a snapshot describes. Offsets of the window
// the snapshot does not list were done.
func (s shareSnapshot) restore() *sharePartition {
	sp := &sharePartition{startOffset: s.StartOffset, endOffset: s.EndOffset, stateEpoch: s.StateEpoch,
		records: make(map[int64]*inFlightRecord, len(s.Records))}
	for _, r := range s.Records {
		if r.Offset >= s.StartOffset && r.Offset < s.EndOffset {
			sp.records[r.Offset] = &inFlightRecord{state: recordAvailable, deliveries: r.Deliveries}
		}
	}
	sp.advanceStart()
	return sp
}

// shareStateLog is the file of snapshots.
type shareStateLog struct {
	mu    sync.Mutex
	path  string
	sync  bool // fsync each write: Config.Fsync "always"
	f     *os.File
	size  int64 // bytes in the file
	lines int   // written since the file was compacted
	live  int   // partitions in the file after compaction
}

// openShareState reads the file at dataDir, returns the last snapshot of
// each partition, and rewrites the file with those alone.
func openShareState(dataDir string, logger *slog.Logger) (*shareStateLog, map[shareKey]shareSnapshot, error) {
	path := filepath.Join(dataDir, shareStateFile)
	last := map[shareKey]shareSnapshot{}
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, fmt.Errorf("kafka: read %s: %w", shareStateFile, err)
	}
	lines := bytes.Split(b, []byte("\n"))
	valid := 0 // bytes of whole lines read
	for i, line := range lines {
		if len(bytes.TrimSpace(line)) == 0 {
			valid += min(len(line)+1, len(b)-valid)
			continue
		}
		s, err := parseShareSnapshot(line)
		if err != nil {
			// Only the last line can be cut short by a crash; a bad line
			// before another is a damaged file.
			if i < len(lines)-1 && len(bytes.TrimSpace(bytes.Join(lines[i+1:], nil))) > 0 {
				return nil, nil, fmt.Errorf("kafka: %s line %d: %w", path, i+1, err)
			}
			// The partition of that line goes back to its snapshot
			// before, or to none, as if the write had not happened;
			// the line says so, since what the lost snapshot had
			// acknowledged may be delivered again.
			logger.Warn("share state: dropping a last line that does not parse, cut short by a crash or damaged",
				"file", path, "line", i+1, "bytes", len(line), "err", err)
			break
		}
		valid += min(len(line)+1, len(b)-valid)
		k := shareKey{s.Group, topicIDPartition{s.TopicID, s.Partition}}
		if s.Deleted {
			delete(last, k)
		} else {
			last[k] = s
		}
	}
	l := &shareStateLog{path: path}
	if err := l.rewrite(last); err != nil {
		// A full disk has no room for the rewritten copy. The file as
		// it is serves as well, cut after its last whole line, and the
		// next compaction rewrites it.
		if ferr := l.reopen(int64(valid)); ferr != nil {
			return nil, nil, errors.Join(err, ferr)
		}
		logger.Warn("share state not compacted at start; appending to it as it is", "file", path, "err", err)
	}
	return l, last, nil
}

// parseShareSnapshot decodes one line of the file strictly
// (decodeStoredJSON): json.Unmarshal alone read a byte flipped inside
// "startOffset" as a line without it, a window from offset 0 whose
// acknowledged records were delivered again, and one flipped inside the
// group's name as another group's state.
func parseShareSnapshot(line []byte) (shareSnapshot, error) {
	var s shareSnapshot
	if err := decodeStoredJSON(line, &s); err != nil {
		return s, fmt.Errorf("kafka: share snapshot: %w", err)
	}
	return s, nil
}

// reopen opens the file for appends as it is, cut to its first size bytes.
func (l *shareStateLog) reopen(size int64) error {
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("kafka: open %s: %w", shareStateFile, err)
	}
	if err := f.Truncate(size); err != nil {
		f.Close()
		return fmt.Errorf("kafka: cut %s: %w", shareStateFile, err)
	}
	l.f, l.size = f, size
	return nil
}

// rewrite replaces the file with one line per snapshot, atomically.
func (l *shareStateLog) rewrite(snaps map[shareKey]shareSnapshot) error {
	var buf bytes.Buffer
	for _, s := range snaps {
		line, err := json.Marshal(s)
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := writeFileAtomic(l.path, buf.Bytes()); err != nil {
		return fmt.Errorf("kafka: write %s: %w", shareStateFile, err)
	}
	if l.f != nil {
		l.f.Close()
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("kafka: open %s: %w", shareStateFile, err)
	}
	l.f, l.size, l.lines, l.live = f, int64(buf.Len()), 0, len(snaps)
	return nil
}

// write appends snapshots in one write, so that a crash keeps all of
// them or cuts the last line.
func (l *shareStateLog) write(snaps ...shareSnapshot) error {
	var buf bytes.Buffer
	for _, s := range snaps {
		line, err := json.Marshal(s)
		if err != nil {
			return err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return errors.New("kafka: share state is closed")
	}
	if _, err := l.f.Write(buf.Bytes()); err != nil {
		// A full disk takes part of a write and refuses the rest: the
		// part is cut off again, or the next line would follow a broken
		// one, which the next open takes for damage.
		if terr := l.f.Truncate(l.size); terr != nil {
			err = errors.Join(err, fmt.Errorf("cut back: %w", terr))
		}
		return fmt.Errorf("kafka: write %s: %w", shareStateFile, err)
	}
	l.size += int64(buf.Len())
	if l.sync {
		if err := l.f.Sync(); err != nil {
			return fmt.Errorf("kafka: fsync %s: %w", shareStateFile, err)
		}
	}
	l.lines += len(snaps)
	return nil
}

// needsCompaction reports whether the file has grown to many times the
// partitions it describes, so that reopening it is never slow.
func (l *shareStateLog) needsCompaction() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lines > 10000 && l.lines > 10*l.live
}

func (l *shareStateLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}
