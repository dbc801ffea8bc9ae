// This file holds what the broker keeps for idempotent producers (KIP-98):
// InitProducerId and the producer id allocator behind it, and, in each
// partition, the last batches of every producer, which Append checks so
// that a retried batch is stored once and a lost one is noticed.
//
// Place in the book: Part III, its first chapter. It assumes Part I: the
// record batch header (wire.go), Append (log.go) and Produce
// (handlers.go), where these checks run.
//
// InitProducerId gives a producer an id and an epoch. Each batch it sends
// carries both, and a base sequence: the number of the batch's first record
// among all the records this producer has sent to this partition in this
// epoch, counting from 0 and wrapping from math.MaxInt32 to 0. A producer
// that gets no answer sends the same batch again with the same sequence
// numbers, so the broker can tell a retry from new data:
//
//	seq 0-4    appended at offsets 10-14
//	seq 5-9    appended at offsets 15-19, but the answer is lost
//	seq 5-9    the retry: answered with offset 15, not stored again
//	seq 12-13  10 and 11 are missing: OUT_OF_ORDER_SEQUENCE_NUMBER
//
// The rules are those of Kafka's ProducerStateManager and
// ProducerAppendInfo. A partition keeps, per producer id, the epoch and the
// last five batches (ProducerStateEntry.NUM_BATCHES_TO_RETAIN). Five is
// enough because an idempotent producer has at most five requests in flight
// (max.in.flight.requests.per.connection), so a retry always repeats one of
// its last five batches. A batch is then checked, in this order:
//
//   - From a producer id the partition has no state for: accepted, whatever
//     its sequence. The broker may have lost the state, or the producer may
//     be carrying on after it expired; refusing would be fatal to clients
//     (KafkaJS users hit exactly that on brokers that refused).
//   - Of an older epoch: INVALID_PRODUCER_EPOCH. A newer instance of the
//     producer has taken over.
//   - Of a newer epoch: accepted if it starts at sequence 0, and the batches
//     of the old epoch are forgotten; OUT_OF_ORDER_SEQUENCE_NUMBER if not.
//   - Of the same epoch, from a producer known here only by a transaction
//     marker: the same, sequence 0 or OUT_OF_ORDER_SEQUENCE_NUMBER; but any
//     sequence if the log opened without its oldest segments, where the
//     producer's batches, and so its last sequence, may have been
//     (sequenceUnknown).
//   - Of the same epoch, with the first and last sequence of a retained
//     batch: a duplicate. Append stores nothing and reports the offset the
//     batch got the first time, which the Produce handler answers with no
//     error, as Kafka has since it began keeping five batches (KAFKA-5494);
//     clients treat the DUPLICATE_SEQUENCE_NUMBER of older brokers as a
//     success without an offset. Its LogAppendTimeMs is the stored batch's
//     max timestamp, as in Kafka, whatever the topic's timestamp type.
//   - Of the same epoch, starting right after the newest batch: appended;
//     at any sequence if the replay at open skipped a damaged batch after
//     the producer's newest one (sequenceUnknown again).
//   - Anything else: OUT_OF_ORDER_SEQUENCE_NUMBER.
//
// Design note: the state is rebuilt when a partition log opens, by reading
// the 61-byte header of every batch, oldest first, and replaying the rules
// above without the checks. Reading headers and not records keeps it cheap,
// and a restart between a batch and its retry still finds the duplicate,
// but the cost grows with the log: one small read per batch of every
// segment. Kafka bounds it by writing the state to a <offset>.snapshot file
// at each segment roll and at shutdown, and replaying only the batches
// after the newest snapshot; that is what this file would grow next.
//
// Design note: a producer is forgotten once its last batch or marker is
// producer.id.expiration.ms old (default one day) and it has no
// transaction open in the partition, as Kafka's ProducerStateManager
// forgets it; "old" goes by the batch's max timestamp, as Kafka's
// lastTimestamp does. A check every
// producer.id.expiration.check.interval.ms (10 minutes) does it while the
// broker runs. Its next batch is then a new producer's, accepted at any
// sequence (the first rule above). The replay at open applies the same
// rule, with no snapshot to keep it: a producer expired by now is
// dropped, as Kafka drops expired producers when it loads a snapshot, and
// a batch that comes a whole expiration after its producer's previous
// one starts the producer anew, as the check in between would have. So a
// restart neither brings back a producer that expired nor keeps batches
// from before an expiry to take a retry for a duplicate.
//
// Design note: producer ids are reserved in blocks of 1000, as Kafka's
// controller grants them to brokers (AllocateProducerIds, KIP-730). The
// start of the next free block is written to the producer-ids file in the
// data dir, atomically, before any id of a block is handed out. A restart
// therefore starts at a block no earlier run has used, skipping what was
// left of the last one, and a producer id is never given to two producers,
// which could otherwise take each other's batches for duplicates. The cost
// is one small fsynced write per thousand producers.

package kafka

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Errors of idempotent appends, which the Produce handler answers with an
// error code for the partition. Nothing of the request is stored.
var (
	// A batch does not follow the producer's last one, or a new epoch does
	// not start at 0: OUT_OF_ORDER_SEQUENCE_NUMBER.
	errOutOfOrderSequence = errors.New("kafka: out of order sequence number")
	// A batch's epoch is older than its producer's current one:
	// INVALID_PRODUCER_EPOCH.
	errInvalidProducerEpoch = errors.New("kafka: producer epoch is older than the current one")
)

// Producer state in a partition.

// retainedBatches is how many batches per producer a partition remembers
// for spotting duplicates: Kafka's NUM_BATCHES_TO_RETAIN, the most requests
// an idempotent producer may have in flight.
const retainedBatches = 5

// producerBatch is what a partition remembers of one batch: Kafka's
// BatchMetadata.
type producerBatch struct {
	firstSeq, lastSeq       int32
	firstOffset, lastOffset int64
	// maxTimestamp is the batch's as stored (the broker's clock under
	// LogAppendTime), which Kafka answers a duplicate with as its
	// LogAppendTimeMs (UnifiedLog.append).
	maxTimestamp int64
}

// producerEntry is one producer's state in one partition: Kafka's
// ProducerStateEntry. An entry is never changed once made; with returns a
// new one, so Append can plan changes and drop them if the write fails.
type producerEntry struct {
	epoch   int16
	batches []producerBatch // oldest first, 1 to retainedBatches of them

	// lastTimestamp (the max timestamp of its last batch or marker) and
	// coordinatorEpoch (of its last marker, -1 before one) are only
	// reported, by DescribeProducers (cluster.go).
	lastTimestamp    int64
	coordinatorEpoch int32

	// sequenceUnknown marks an entry whose last sequence the replay at
	// open could not know: one rebuilt from a marker alone, in a log
	// whose oldest segments are gone, where its batches may have been;
	// or one last seen before a damaged batch that the replay skipped.
	// Kafka's snapshot would still hold it. Its next batch of the same
	// epoch is taken at whatever sequence it has, unless it repeats a
	// retained batch (see loadProducerStates).
	sequenceUnknown bool
}

// producerStates is a partition's producers by producer id. The partition
// log's appendMu guards it, which makes checking a batch and appending it
// one step.
type producerStates map[int64]*producerEntry

// appendedBatch is what Append did with one batch.
type appendedBatch struct {
	// BaseOffset is the batch's offset in the log: assigned by this append,
	// or, for a duplicate, by the append that first stored it.
	BaseOffset int64
	// Duplicate means the batch repeats one already in the log and was not
	// stored again; MaxTimestamp is then that batch's.
	Duplicate    bool
	MaxTimestamp int64
}

// check decides about batch h, given its producer's entry e (nil if the
// partition has none), by the rules in the file comment. It returns the
// retained batch that h repeats, if it is a duplicate, or an error if h must
// be refused; nil, nil means append it.
func (e *producerEntry) check(h *batchHeader) (*producerBatch, error) {
	switch {
	case e == nil:
		return nil, nil
	case h.ProducerEpoch < e.epoch:
		return nil, fmt.Errorf("%w: producer %d has epoch %d, the batch %d",
			errInvalidProducerEpoch, h.ProducerID, e.epoch, h.ProducerEpoch)
	case h.ProducerEpoch > e.epoch:
		if h.BaseSequence != 0 {
			return nil, fmt.Errorf("%w: producer %d starts epoch %d at sequence %d, not 0",
				errOutOfOrderSequence, h.ProducerID, h.ProducerEpoch, h.BaseSequence)
		}
		return nil, nil
	case len(e.batches) == 0 && !e.sequenceUnknown:
		// The epoch came from a transaction marker (withMarker): the
		// producer has no last sequence here, so the batch must be its
		// first, at sequence 0 (ProducerAppendInfo.checkSequence:
		// inSequence(NO_SEQUENCE, firstSeq)).
		if h.BaseSequence != 0 {
			return nil, fmt.Errorf("%w: producer %d epoch %d starts at sequence %d after only a marker, not 0",
				errOutOfOrderSequence, h.ProducerID, h.ProducerEpoch, h.BaseSequence)
		}
		return nil, nil
	}
	if i := slices.IndexFunc(e.batches, func(b producerBatch) bool {
		return b.firstSeq == h.BaseSequence && b.lastSeq == h.LastSequence()
	}); i >= 0 {
		return &e.batches[i], nil
	}
	if e.sequenceUnknown {
		return nil, nil
	}
	if last := e.batches[len(e.batches)-1].lastSeq; !inSequence(last, h.BaseSequence) {
		return nil, fmt.Errorf("%w: producer %d epoch %d sent sequence %d after %d",
			errOutOfOrderSequence, h.ProducerID, h.ProducerEpoch, h.BaseSequence, last)
	}
	return nil, nil
}

// inSequence reports whether sequence next follows last, counting the wrap
// from math.MaxInt32 to 0: ProducerAppendInfo.inSequence.
func inSequence(last, next int32) bool {
	return int64(next) == int64(last)+1 || next == 0 && last == math.MaxInt32
}

// with returns the entry after batch h has been stored at firstOffset
// (ProducerStateEntry.addBatch): the oldest batch makes room once five are
// kept, and a new epoch starts with no batches. e may be nil.
func (e *producerEntry) with(h *batchHeader, firstOffset int64) *producerEntry {
	n := &producerEntry{epoch: h.ProducerEpoch, batches: make([]producerBatch, 0, retainedBatches), lastTimestamp: h.MaxTimestamp, coordinatorEpoch: -1}
	if e != nil {
		n.coordinatorEpoch = e.coordinatorEpoch
	}
	if e != nil && e.epoch == h.ProducerEpoch {
		n.batches = append(n.batches, e.batches[max(0, len(e.batches)-(retainedBatches-1)):]...)
	}
	n.batches = append(n.batches, producerBatch{
		firstSeq:     h.BaseSequence,
		lastSeq:      h.LastSequence(),
		firstOffset:  firstOffset,
		lastOffset:   firstOffset + int64(h.LastOffsetDelta),
		maxTimestamp: h.MaxTimestamp,
	})
	return n
}

// withMarker returns the entry after a transaction marker of h's epoch
// (a control batch, which has no sequence numbers). A marker of a newer
// epoch, written when the coordinator fenced the producer, moves the entry
// to that epoch with no batches, so that the old epoch's batches are
// refused from then on; one of the current epoch changes nothing.
func (e *producerEntry) withMarker(h *batchHeader) *producerEntry {
	n := &producerEntry{epoch: h.ProducerEpoch, lastTimestamp: h.MaxTimestamp, coordinatorEpoch: coordinatorEpoch}
	if e != nil && e.epoch >= h.ProducerEpoch {
		n.epoch, n.batches = e.epoch, e.batches
		n.sequenceUnknown = e.sequenceUnknown
	}
	return n
}

// isControl reports whether h is a control batch: a transaction marker.
func (h *batchHeader) isControl() bool { return h.Attributes&controlFlag != 0 }

// plan checks the batches of one Append, whose first new batch will be
// stored at offset next, as Kafka's analyzeAndValidateProducerState does.
// Each batch is checked against the state as the batches before it in the
// same append leave it, so a request may hold several batches of one
// producer, or even one batch twice. Batches without a producer id (-1) are
// not checked. plan changes nothing: it returns where each batch goes and
// the entries to store once the new batches are on disk, or the first
// refusal, in which case nothing of the append may be stored. lost says
// that producers may have had batches in segments deleted before the log
// opened (partitionLog.producersLost): a marker of a producer with no
// entry then leaves its sequence unknown, not expected to start at 0.
func (ps producerStates) plan(headers []batchHeader, next int64, lost bool) ([]appendedBatch, producerStates, error) {
	placed := make([]appendedBatch, len(headers))
	updates := producerStates{}
	for i := range headers {
		h := &headers[i]
		if h.ProducerID >= 0 {
			e, ok := updates[h.ProducerID]
			if !ok {
				e = ps[h.ProducerID]
			}
			if h.isControl() {
				// Markers come from the coordinator, never from a
				// producer (Produce refuses them), and carry no sequence.
				if e != nil && h.ProducerEpoch < e.epoch {
					return nil, nil, fmt.Errorf("%w: producer %d has epoch %d, the marker %d",
						errInvalidProducerEpoch, h.ProducerID, e.epoch, h.ProducerEpoch)
				}
				n := e.withMarker(h)
				if e == nil && lost {
					n.sequenceUnknown = true
				}
				updates[h.ProducerID] = n
				placed[i].BaseOffset = next
				next += int64(h.LastOffsetDelta) + 1
				continue
			}
			dup, err := e.check(h)
			if err != nil {
				return nil, nil, err
			}
			if dup != nil {
				placed[i] = appendedBatch{BaseOffset: dup.firstOffset, Duplicate: true, MaxTimestamp: dup.maxTimestamp}
				continue
			}
			updates[h.ProducerID] = e.with(h, next)
		}
		placed[i].BaseOffset = next
		next += int64(h.LastOffsetDelta) + 1
	}
	return placed, updates, nil
}

// withoutDuplicates returns the batches an append must write: all of them,
// untouched, when none is a duplicate (the usual case), or else a copy of
// the new ones and their headers.
func withoutDuplicates(batches []byte, headers []batchHeader, placed []appendedBatch) ([]byte, []batchHeader) {
	if !slices.ContainsFunc(placed, func(p appendedBatch) bool { return p.Duplicate }) {
		return batches, headers
	}
	var keep []byte
	var keptHeaders []batchHeader
	pos := 0
	for i, h := range headers {
		if !placed[i].Duplicate {
			keep = append(keep, batches[pos:pos+h.Size()]...)
			keptHeaders = append(keptHeaders, h)
		}
		pos += h.Size()
	}
	return keep, keptHeaders
}

// loadProducerStates rebuilds a partition's producer states from the
// headers of its batches, oldest first (see the design note on the cost),
// and sets producersLost.
//
// A header that cannot be read is damage in an older segment, which
// recovery at open does not cut (only the active segment is recovered).
// The replay skips the rest of that segment and goes on with the next:
// starting with no state at all instead, as it once did, made the broker
// forget every producer, and append again the retry of a batch it had
// acknowledged before the restart. A producer known before the damage may
// have had batches in what was skipped, so its last sequence is unknown:
// it keeps its retained batches, whose retries are still duplicates, and
// its next batch is taken at any sequence, as Kafka's
// ProducerAppendInfo.checkSequence takes one from a producer whose
// earlier batches are gone. A producer with a batch after the damage is
// known again from that batch on.
//
// The same pass rebuilds the partition's transactions (txn.go): the open
// ones and the aborted-transaction index, reading the record of each
// control batch to tell a COMMIT from an ABORT. A marker that cannot be
// read is logged and skipped. One that reads but fails its CRC is logged
// and taken as its type says: the pass reads no other batch whole, and a
// clean start scans no segment before the last, so this is where such
// damage shows. Skipped, it would leave its transaction open, and the
// next start's abortOrphans would abort a transaction that may have
// committed, hiding its records; a flipped bit that lands in the type
// itself is the rarer case, and the WARN names the offset to check.
//
// A read that the system refuses (an I/O error, no descriptor free) is not
// damage: the segment may be whole, and skipping it would forget its
// producers' sequences, so that a retry is stored twice, and its aborted
// transactions, so that read_committed consumers are served their
// records. The error is returned, and the partition does not open, as
// Kafka's LogManager.loadLogs takes the log dir offline at an IOException
// while loading a log (handleIOException,
// https://github.com/apache/kafka/blob/4.0.0/core/src/main/scala/kafka/log/LogManager.scala); a restart,
// or the second try of a partition that found no descriptor, reads it
// again.
func (l *partitionLog) loadProducerStates() (producerStates, partitionTxns, error) {
	ps := producerStates{}
	var txns partitionTxns
	var refused error // a read of a marker that the system refused
	damaged := false
	for _, s := range l.segments {
		err := s.eachBatch(s.base, func(pos int64, h batchHeader) bool {
			if h.ProducerID < 0 {
				return true
			}
			var b []byte
			if !h.isControl() && ps.expired(h.ProducerID, h.MaxTimestamp, l.opts.ProducerIDExpirationMs, &txns) {
				// The periodic check would have forgotten the producer
				// before this batch: it starts anew, as it did then.
				delete(ps, h.ProducerID)
			}
			if h.isControl() {
				ps[h.ProducerID] = ps[h.ProducerID].withMarker(&h)
				var err error
				if b, err = s.readAt(pos, int64(h.Size())); err != nil {
					if readFailed(err) {
						refused = err
						return false
					}
					l.logger.Warn("skipping an unreadable transaction marker", "dir", l.dir, "offset", h.BaseOffset, "err", err)
					return true
				}
				if err := checkBatch(b, h); err != nil {
					l.logger.Warn("a transaction marker fails its check; taken as the type it reads as", "dir", l.dir, "offset", h.BaseOffset, "err", err)
				}
			} else {
				ps[h.ProducerID] = ps[h.ProducerID].with(&h, h.BaseOffset)
			}
			txns.apply(&h, h.BaseOffset, b)
			return true
		})
		if err == nil {
			err = refused
		}
		if readFailed(err) {
			return nil, partitionTxns{}, fmt.Errorf("kafka: producer state of segment %d: %w", s.base, err)
		}
		if err != nil {
			l.logger.Warn("producer state: skipping the rest of a damaged segment; the producers seen before it take their next batch at any sequence",
				"dir", l.dir, "segment", s.base, "producers", len(ps), "err", err)
			ps.forgetSequences(func(*producerEntry) bool { return true })
			damaged = true
		}
	}
	ps.expire(time.Now().UnixMilli(), l.opts.ProducerIDExpirationMs, &txns)
	// Batches before the first segment are gone (retention,
	// DeleteRecords), or skipped in a damaged segment, so a producer found
	// only by a marker may have had batches there, whose last sequence
	// Kafka's snapshot would still know. Unknown, it takes whatever
	// sequence comes next, as ProducerAppendInfo.checkSequence does for a
	// producer whose records were all deleted, rather than only 0.
	l.producersLost = damaged || len(l.segments) > 0 && l.segments[0].base > 0
	if l.producersLost {
		ps.forgetSequences(func(e *producerEntry) bool { return len(e.batches) == 0 })
	}
	return ps, txns, nil
}

// forgetSequences marks the entries that match as sequenceUnknown. Entries
// are never changed once made, so each is replaced by a copy.
func (ps producerStates) forgetSequences(match func(*producerEntry) bool) {
	for pid, e := range ps {
		if match(e) && !e.sequenceUnknown {
			unknown := *e
			unknown.sequenceUnknown = true
			ps[pid] = &unknown
		}
	}
}

// expired reports whether producer pid's state has expired by nowMs: it
// has no transaction open in the partition, and its last batch or marker
// is timestamped expirationMs or more before nowMs
// (ProducerStateManager.isProducerExpired, which goes by the same
// timestamp, the batch's max timestamp).
func (ps producerStates) expired(pid, nowMs, expirationMs int64, txns *partitionTxns) bool {
	e := ps[pid]
	if e == nil {
		return false
	}
	_, open := txns.ongoing[pid]
	return !open && nowMs-e.lastTimestamp >= expirationMs
}

// expire forgets every producer whose state has expired by nowMs:
// ProducerStateManager.removeExpiredProducers.
func (ps producerStates) expire(nowMs, expirationMs int64, txns *partitionTxns) {
	for pid := range ps {
		if ps.expired(pid, nowMs, expirationMs, txns) {
			delete(ps, pid)
		}
	}
}

// expireProducers forgets the partition's expired producers, under
// appendMu, so that no append checks a batch against a producer that is
// being forgotten.
func (l *partitionLog) expireProducers(now time.Time) {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.mu.RLock()
	defer l.mu.RUnlock()
	l.producers.expire(now.UnixMilli(), l.opts.ProducerIDExpirationMs, &l.txns)
}

// ExpireProducers forgets, in every partition, the producers expired by
// now; Serve calls it every producer.id.expiration.check.interval.ms, as
// Kafka's UnifiedLog schedules its PeriodicProducerExpirationCheck.
func (d *logDir) ExpireProducers(now time.Time) {
	for _, t := range d.Topics() {
		for _, pl := range t.Partitions {
			pl.expireProducers(now)
		}
	}
}

// Producer ids.

// producerIDsFile is the file in the data dir that holds the start of the
// next free block of producer ids. It is written as partition.metadata is:
//
//	version: 0
//	next_block_start: 3000
const producerIDsFile = "producer-ids"

// producerIDBlockSize is how many ids are reserved at a time: Kafka's
// ProducerIdsBlock.PRODUCER_ID_BLOCK_SIZE.
const producerIDBlockSize = 1000

// errProducerIDsExhausted means every int64 producer id has been handed out,
// which at a thousand producers a second takes 292 million years.
var errProducerIDsExhausted = errors.New("kafka: producer ids exhausted")

// producerIDs hands out producer ids, each once, across restarts. It is
// safe for concurrent use.
type producerIDs struct {
	path string

	mu   sync.Mutex
	next int64 // the next id to hand out
	end  int64 // the end of the reserved block, as the file says
}

// openProducerIDs reads the allocator's file in dir. A missing file is a
// new data dir, which starts at id 0; nothing is written until the first
// id is asked for.
func openProducerIDs(dir string) (*producerIDs, error) {
	p := &producerIDs{path: filepath.Join(dir, producerIDsFile)}
	b, err := os.ReadFile(p.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("kafka: read %s: %w", producerIDsFile, err)
	default:
		if p.end, err = parseProducerIDs(b); err != nil {
			// The allocator is returned too, at 0, for Open to move
			// past the ids in use (skipPast).
			return p, fmt.Errorf("%w: %w", errProducerIDsDamaged, err)
		}
	}
	p.next = p.end
	return p, nil
}

// producerIDErrorCode answers an InitProducerId whose id could not be
// had: the id space used up is UNKNOWN_SERVER_ERROR, and a block that
// could not be reserved (the file not written, as on a full disk)
// COORDINATOR_LOAD_IN_PROGRESS, which clients retry, as Kafka's
// RPCProducerIdManager answers while it has no block to hand out from.
func producerIDErrorCode(err error) int16 {
	if errors.Is(err, errProducerIDsExhausted) {
		return codeUnknownServerError
	}
	return codeCoordinatorLoadInProgress
}

// errProducerIDsDamaged is a producer-ids file that does not parse.
var errProducerIDsDamaged = errors.New("kafka: producer-ids file damaged")

// skipPast makes sure that no id at or below highest is handed out, and
// reports whether it had to move: a producer-ids file lost or damaged, or
// older than the data dir, would start the ids over, and a new producer
// given the id of an old one would have its first batches taken for
// duplicates of that one's, acknowledged and dropped. The next Next
// reserves the block after highest.
func (p *producerIDs) skipPast(highest int64) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if highest < p.next {
		return false
	}
	p.next = highest + 1
	p.end = p.next
	return true
}

// highestProducerID is the highest producer id the partitions that opened
// and the transaction coordinator know, or -1.
func (b *Broker) highestProducerID() int64 {
	highest := int64(-1)
	for _, t := range b.logs.Topics() {
		for _, pl := range t.Partitions {
			pl.appendMu.Lock()
			for id := range pl.producers {
				highest = max(highest, id)
			}
			pl.appendMu.Unlock()
		}
	}
	b.txns.mu.Lock()
	for id := range b.txns.byProducer {
		highest = max(highest, id)
	}
	b.txns.mu.Unlock()
	return highest
}

// parseProducerIDs reads the next block start from the file's content.
func parseProducerIDs(b []byte) (int64, error) {
	// formatProducerIDs ends the file with a newline: without one it was
	// cut short, and a block start with its last digits gone would hand
	// out ids again.
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return 0, fmt.Errorf("kafka: %s is cut short (%d bytes, no final newline)", producerIDsFile, len(b))
	}
	version, rest, _ := strings.Cut(string(b), "\n")
	line, _, _ := strings.Cut(rest, "\n")
	text, ok := strings.CutPrefix(line, "next_block_start:")
	if strings.TrimSpace(version) != "version: 0" || !ok {
		return 0, fmt.Errorf("kafka: %s: unknown format", producerIDsFile)
	}
	start, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil || start < 0 {
		return 0, fmt.Errorf("kafka: %s: bad block start %q", producerIDsFile, strings.TrimSpace(text))
	}
	return start, nil
}

// formatProducerIDs is the file's content for a next block start.
func formatProducerIDs(start int64) []byte {
	return []byte("version: 0\nnext_block_start: " + strconv.FormatInt(start, 10) + "\n")
}

// Next hands out a producer id that no earlier call, in this run or an
// earlier one on the same data dir, has handed out. When the block is used
// up, the next one is reserved on disk first.
func (p *producerIDs) Next() (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next == p.end {
		if p.end > math.MaxInt64-producerIDBlockSize {
			return -1, errProducerIDsExhausted
		}
		end := p.end + producerIDBlockSize
		if err := writeFileAtomic(p.path, formatProducerIDs(end)); err != nil {
			return -1, err
		}
		p.end = end
	}
	id := p.next
	p.next++
	return id, nil
}

// InitProducerId: v0-5 (InitProducerIdRequest.json, InitProducerIdResponse.json)
//
//	v2: flexible
//	v3: ProducerId and ProducerEpoch, to bump the epoch of an existing producer (KIP-360)
//	v4: no change (PRODUCER_FENCED may be returned, KIP-588)
//	v5: no change (transactions v2, KIP-890)
//
// An idempotent producer (the default in franz-go, librdkafka and the Java
// client) asks for a producer id before its first produce; its batches then
// carry that id, an epoch and per-partition sequence numbers (producers.go).
// Ids come from a persisted allocator, so none is handed out twice, even
// across restarts.
//
// From v3 a request may name the producer's id and epoch (KIP-360). Both
// ProducerId and ProducerEpoch, or neither, must be -1. Without a
// transactional id the named producer changes nothing: the answer is a new
// id at epoch 0, as from Kafka's TransactionCoordinator.handleInitProducerId
// (transactionalId == null). An idempotent producer that has lost track of
// its sequence numbers bumps its epoch itself, and asks for a new id only
// when the epoch is exhausted (the Java client's TransactionManager).
//
// A request with a TransactionalId goes to the transaction coordinator
// (txn.go): the id keeps its producer id across InitProducerId calls and
// restarts, each call bumps the epoch and so fences the previous instance
// (an open transaction is aborted first, and the call answered
// CONCURRENT_TRANSACTIONS for the client to retry), and
// TransactionTimeoutMs must be positive and at most
// transaction.max.timeout.ms (INVALID_TRANSACTION_TIMEOUT).
type initProducerIDRequest struct {
	// TransactionalID is null for a producer that is idempotent only.
	TransactionalID *string
	// TransactionTimeoutMs is the producer's transaction.timeout.ms (one
	// minute by default): how long a transaction may stay open before the
	// coordinator aborts it. An idempotent producer's is ignored.
	TransactionTimeoutMs int32
	// ProducerID and ProducerEpoch name the producer asking for a new
	// epoch (KIP-360), or are -1 for a new producer.
	ProducerID    int64
	ProducerEpoch int16
}

func (m *initProducerIDRequest) decode(r *reader, v int16) {
	m.TransactionalID = r.NullableString()
	m.TransactionTimeoutMs = r.Int32()
	m.ProducerID, m.ProducerEpoch = -1, -1
	if v >= 3 {
		m.ProducerID = r.Int64()
		m.ProducerEpoch = r.Int16()
	}
	r.SkipTags()
}

type initProducerIDResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ProducerID     int64
	ProducerEpoch  int16
}

func (m *initProducerIDResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.Int64(m.ProducerID)
	w.Int16(m.ProducerEpoch)
	w.Tags()
}

// lastProducerEpoch is the highest epoch handed out. Kafka keeps
// math.MaxInt16 out of use so that a transaction marker can still carry an
// epoch one above the producer's.
const lastProducerEpoch = math.MaxInt16 - 1

// handleInitProducerID hands transactional producers to the coordinator,
// and answers an idempotent one here with a new id. A new id costs a disk
// write only once per block of ids, which is reserved on disk before any
// of it is handed out (producerIDs.Next).
func (b *Broker) handleInitProducerID(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*initProducerIDRequest)
	fail := func(code int16) response {
		return &initProducerIDResponse{ErrorCode: code, ProducerID: -1, ProducerEpoch: -1}
	}
	switch {
	case (req.ProducerID < 0) != (req.ProducerEpoch < 0):
		// Half of a producer is no producer; KafkaApis refuses it before
		// the coordinator sees the request.
		return fail(codeInvalidRequest)
	case req.TransactionalID != nil:
		return b.txns.initProducer(req, rc.header.APIVersion)
	}
	id, err := b.producerIDs.Next()
	if err != nil {
		b.log.Error("allocating a producer id", "err", err)
		return fail(producerIDErrorCode(err))
	}
	return &initProducerIDResponse{ProducerID: id, ProducerEpoch: 0}
}
