// This file is the transaction coordinator (KIP-98, exactly-once): what a
// transactional producer's transactional.id maps to, the state machine of
// its transactions, the transaction markers that end them in every
// partition they wrote to, and, per partition, what readers need to skip
// aborted records: the last stable offset and the aborted-transaction index.
// The APIs it serves (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn,
// TxnOffsetCommit, DescribeTransactions, ListTransactions) follow at the
// end, in API-key order, in the form of handlers.go.
//
// Place in the book: Part III, after producers.go: a transactional
// producer is an idempotent one with a transactional.id. It assumes Produce
// and Fetch (handlers.go) and, for TxnOffsetCommit, the offset store
// (offsets.go, Part II).
//
// A transaction, as a client sees it:
//
//	InitProducerId(transactional.id)  -> producer id 7, epoch 3
//	AddPartitionsToTxn(orders-0)       Empty -> Ongoing
//	Produce(orders-0, transactional batch of producer 7, epoch 3)
//	AddOffsetsToTxn(group g)           the group's offsets join the txn
//	TxnOffsetCommit(g, input-0 = 42)   kept pending, not yet visible
//	EndTxn(commit)                     Ongoing -> PrepareCommit
//	                                   a COMMIT marker in orders-0;
//	                                   g's offset of input-0 becomes 42
//	                                   -> CompleteCommit
//
// A read_committed consumer of orders-0 gets records only below the last
// stable offset (LSO): the first offset of the earliest transaction still
// open in the partition, or the high watermark when none is. With each
// fetch it gets the aborted transactions that overlap what it read
// (producer id and first offset), so that it can drop their records; the
// markers themselves are control batches that clients never hand to the
// application.
//
// The states are Kafka's TransactionState: Empty (no transaction yet, or
// after InitProducerId), Ongoing (partitions added), PrepareCommit and
// PrepareAbort (markers being written), CompleteCommit and CompleteAbort.
// Here the Prepare states last only while EndTxn writes the markers, under
// the coordinator's lock, since the one broker leads every partition; they
// matter only to a restart that finds them in the state file.
//
// InitProducerId with a transactional id bumps the epoch of its producer
// id, which fences the older instance: its requests of the old epoch get
// PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before the versions of KIP-588).
// If a transaction is open it is aborted, its markers carrying a bumped
// epoch, and the request answered CONCURRENT_TRANSACTIONS; the client's
// retry bumps the epoch once more (reinit). A transaction
// open longer than its transaction.timeout.ms is aborted by a background
// check (Serve runs it), also with a bumped epoch, so the producer that
// went quiet finds itself fenced rather than committing half a
// transaction.
//
// Design note: Kafka keeps transaction state in the __transaction_state
// topic. Here it is a small log of its own, transaction-state in the data
// dir (txnstate.go): each change of a transactional id appends that id's
// whole state, as Kafka's coordinator appends a record to its topic, and
// the file is compacted when it opens and when it grows. It keeps the log
// of user topics free of records that only the coordinator reads. An
// append is one write, fsynced only under Fsync "always". A restart reads
// the file and does what Kafka's coordinator does when it loads
// __transaction_state (TransactionStateManager.loadTransactionsForTxnTopicPartition):
// PrepareAbort and PrepareCommit transactions are finished (their markers
// written again; a second marker for a transaction already ended changes
// nothing), and Ongoing ones stay Ongoing, with their partitions, epoch,
// start time and pending offsets, so that the producer, once it has
// reconnected, goes on adding partitions and producing and then commits;
// only its transaction.timeout.ms, counted from the start before the
// restart, aborts it (abortExpired). Its partitions hold their LSO
// meanwhile, since the producer state rebuilt from the log (producers.go)
// knows the transaction's first offset. A transaction open in a partition
// that no kept transaction owns has lost its state, and is aborted there
// (abortOrphans).
//
// Design note: the aborted-transaction index of a partition is not
// persisted per segment as Kafka's .txnindex files are: it is rebuilt when
// the partition opens, in the same pass over the batch headers that
// rebuilds the producer state (producers.go), by reading the one record of
// each control batch. That pass already exists, the index comes out the
// same whatever happened before the restart, and there is no third index
// file to keep in step with truncation and retention. The cost is a read of
// each marker's 80-odd bytes at open.

package kafka

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Transaction markers.

// Control record types (ControlRecordType.java): the type field of a
// marker's key.
const (
	markerAbort  int16 = 0
	markerCommit int16 = 1
)

// coordinatorEpoch is written in every marker's value. Kafka bumps it when
// the __transaction_state partition moves to another broker, so that a
// deposed coordinator's late markers can be told apart; with one broker it
// never moves.
const coordinatorEpoch int32 = 0

// markerBatch builds the control batch that ends a transaction of producer
// id/epoch in one partition (RECORDS.md, "Control Batches"): attributes
// transactional|control, no sequence, one record whose key is version 0
// and the type, and whose value is version 0 and the coordinator epoch.
// Clients that find no value in a marker fail to parse it, so it is always
// written.
func markerBatch(producerID int64, epoch int16, typ int16, timestamp int64) []byte {
	key := binary.BigEndian.AppendUint16(nil, 0) // version
	key = binary.BigEndian.AppendUint16(key, uint16(typ))
	value := binary.BigEndian.AppendUint16(nil, 0) // version
	value = binary.BigEndian.AppendUint32(value, uint32(coordinatorEpoch))
	b := appendBatch(nil, timestamp, []record{{Key: key, Value: value}})
	be := binary.BigEndian
	// appendBatch writes a batch of no producer; the marker's attributes
	// and producer fields are set in place (at the offsets
	// parseBatchHeader reads them from: producerId at 43, producerEpoch at
	// 51) and the CRC, which covers them, computed again.
	be.PutUint16(b[batchAttrOffset:], transactionalFlag|controlFlag)
	be.PutUint64(b[43:], uint64(producerID))
	be.PutUint16(b[51:], uint16(epoch))
	// baseSequence stays -1: markers are outside the producer's sequence.
	be.PutUint32(b[batchCRCOffset:], crc32.Checksum(b[batchAttrOffset:], castagnoli))
	return b
}

// appendMarker appends to pl, a partition of topic t, the marker of type
// typ that ends producer id/epoch's transaction there. A marker is
// appended as any batch is on a LogAppendTime topic: Kafka's
// WriteTxnMarkers appends it through UnifiedLog.appendAsLeader (origin
// COORDINATOR), whose LogValidator.assignOffsetsNonCompressed sets the
// timestamp-type bit and maxTimestamp on every batch of such a topic,
// control batches too
// (https://github.com/apache/kafka/blob/4.0.0/storage/src/main/java/org/apache/kafka/storage/internals/log/LogValidator.java).
// A reader that sorts or seeks by timestamp sees the marker at the time it
// was written, as it does every other batch of the topic.
func appendMarker(t *topicLog, pl *partitionLog, producerID int64, epoch, typ int16, now int64) error {
	batch := markerBatch(producerID, epoch, typ, now)
	if t.Settings().logAppendTime() {
		stampLogAppendTime(batch, now)
	}
	h, err := parseBatchHeader(batch)
	if err != nil {
		return err
	}
	_, err = pl.Append(batch, []batchHeader{h})
	return err
}

// markerType reads the type of the control batch at the start of b, whose
// header is h: markerAbort, markerCommit, or false if it is not a marker
// this broker knows (a control batch of another kind). Kafka's other
// control types (LEADER_CHANGE, the KRaft snapshot header and footer) are
// written only to its metadata log, so a user topic holds none; one that
// came anyway is left alone rather than taken for the end of a
// transaction.
func markerType(b []byte, h batchHeader) (int16, bool) {
	typ, ok := int16(0), false
	eachFullRecord(b, h, func(r record) bool {
		if len(r.Key) >= 4 && binary.BigEndian.Uint16(r.Key) == 0 {
			typ = int16(binary.BigEndian.Uint16(r.Key[2:]))
			ok = typ == markerAbort || typ == markerCommit
		}
		return false
	})
	return typ, ok
}

// Transactions in a partition.

// abortedTxn is one entry of a partition's aborted-transaction index
// (Kafka's AbortedTxn, less the LSO it keeps for followers).
type abortedTxn struct {
	producerID  int64
	firstOffset int64
	lastOffset  int64 // the offset of the ABORT marker
}

// partitionTxns is what a partition knows of transactions: the first
// offset of each producer's open transaction, and the aborted ones in
// marker order. The log's mu guards it; Append changes it under appendMu
// and mu, after the batches are stored. It is kept for as long as the
// partition is open: entries of segments that retention deleted are
// dropped only at the next start, when the index is rebuilt from the
// segments that remain (Kafka deletes a segment's .txnindex with it).
type partitionTxns struct {
	ongoing map[int64]int64 // producer id -> first offset
	aborted []abortedTxn    // by lastOffset
}

// apply accounts for batch h, stored at base; b holds the batch's bytes,
// read only for a control batch.
func (t *partitionTxns) apply(h *batchHeader, base int64, b []byte) {
	if h.Attributes&transactionalFlag == 0 || h.ProducerID < 0 {
		return
	}
	if t.ongoing == nil {
		t.ongoing = map[int64]int64{}
	}
	if h.Attributes&controlFlag == 0 {
		// Only a transaction's first batch here sets its first offset:
		// the LSO must stay at the earliest record that may yet be
		// aborted, however many batches follow it.
		if _, open := t.ongoing[h.ProducerID]; !open {
			t.ongoing[h.ProducerID] = base
		}
		return
	}
	typ, ok := markerType(b, *h)
	if !ok {
		return
	}
	first, open := t.ongoing[h.ProducerID]
	delete(t.ongoing, h.ProducerID)
	// An ABORT with nothing before it (the coordinator aborting a
	// transaction that wrote nothing here) has nothing to skip. A COMMIT
	// needs no entry at all: read_committed consumers drop only the
	// records of aborted transactions, and keep everything else.
	if typ == markerAbort && open {
		t.aborted = append(t.aborted, abortedTxn{h.ProducerID, first, base})
	}
}

// LastStableOffset is the offset below which every transaction has ended:
// the first offset of the earliest open transaction, or the high watermark,
// but never below the log start.
// read_committed consumers read only below it, and one whose position has
// reached it gets empty fetches until the transaction ends; that is why
// ending one wakes the fetches that wait (txnCoordinator.end).
func (l *partitionLog) LastStableOffset() int64 {
	lso, _, _ := l.fetchOffsets()
	return lso
}

// fetchOffsets is what a Fetch answers for a partition besides records:
// the last stable offset, the high watermark and the log start offset.
// They are read under one lock, so that they agree (the LSO is never past
// the high watermark) and so that a fetch of many caught-up partitions,
// which reads little else, pays for one lock per partition, not three.
func (l *partitionLog) fetchOffsets() (lso, hw, logStart int64) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	lso = l.hw
	for _, first := range l.txns.ongoing {
		lso = min(lso, first)
	}
	// Retention or DeleteRecords can move the log start past an open
	// transaction's first offset; the LSO never names an offset the log
	// no longer has (UnifiedLog.updateFirstUnstableOffset).
	return max(lso, l.logStart), l.hw, l.logStart
}

// AbortedTransactions lists the aborted transactions that have records in
// [from, to), as a read_committed fetch of that range reports them
// (LogSegment.collectAbortedTxns): each one whose marker is at or past
// from and whose first offset is below to. The result is never nil, so
// that a read_committed answer carries an empty array as Kafka's does;
// only read_uncommitted answers carry null.
func (l *partitionLog) AbortedTransactions(from, to int64) []abortedTransaction {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := []abortedTransaction{}
	i := sort.Search(len(l.txns.aborted), func(i int) bool { return l.txns.aborted[i].lastOffset >= from })
	for _, a := range l.txns.aborted[i:] {
		if a.firstOffset < to {
			out = append(out, abortedTransaction{ProducerID: a.producerID, FirstOffset: a.firstOffset})
		}
	}
	return out
}

// The coordinator.

// txnState is a transaction's state (TransactionState.java).
//
// The transitions, each made under the coordinator's mu:
//
//	Empty, Complete*  -> Ongoing       AddPartitionsToTxn, AddOffsetsToTxn
//	                                   (or, in version 2, Produce v12 and
//	                                   TxnOffsetCommit v5; txnv2.go)
//	Ongoing           -> PrepareCommit EndTxn(commit)
//	Ongoing           -> PrepareAbort  EndTxn(abort), a timeout, or an
//	                                   InitProducerId that fences
//	Empty, Complete*  -> PrepareAbort  EndTxn v5(abort), which bumps the
//	                                   epoch with nothing to abort
//	Prepare*          -> Complete*     every marker written
//	any but Prepare*  -> Empty         InitProducerId
//
// Kafka has two more: PrepareEpochFence, the step before a timeout's
// abort, which here is one step with it, and Dead, an expired id, which
// here is simply deleted.
type txnState int8

const (
	txnEmpty txnState = iota
	txnOngoing
	txnPrepareCommit
	txnPrepareAbort
	txnCompleteCommit
	txnCompleteAbort
)

// String names the state as DescribeTransactions reports it.
func (s txnState) String() string {
	return [...]string{"Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort"}[s]
}

// txnPartition is a partition of a transaction.
type txnPartition struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
}

// txnOffset is an offset committed in a transaction (TxnOffsetCommit),
// applied to its group's committed offsets only when the transaction
// commits.
type txnOffset struct {
	Group       string `json:"group"`
	Topic       string `json:"topic"`
	Partition   int32  `json:"partition"`
	Offset      int64  `json:"offset"`
	LeaderEpoch int32  `json:"leader_epoch"`
	Metadata    string `json:"metadata"`
}

// txnMeta is one transactional id's state (TransactionMetadata.scala); it
// is also the state file's record of it (txnstate.go).
//
// produceMu is held by a transactional Produce of this producer from its
// check to its append, and by every change to the fields that check reads
// (ProducerID, ProducerEpoch, State, Partitions), including the whole of an
// EndTxn's markers. So the check and the append are one step for this
// transaction only, and a produce of another producer never waits on it.
type txnMeta struct {
	produceMu sync.Mutex

	ID            string `json:"id"`
	ProducerID    int64  `json:"producer_id"`
	ProducerEpoch int16  `json:"producer_epoch"`
	// LastProducerEpoch is the epoch before the last bump, so that a
	// producer retrying an InitProducerId whose answer it lost is not
	// taken for a zombie (TransactionMetadata.lastProducerEpoch); -1 if
	// none, as after a fence (a new instance, or a timeout).
	LastProducerEpoch int16 `json:"last_producer_epoch"`
	// PreviousProducerID is the producer id before the last move to a new
	// one at an exhausted epoch, so that a retry of the InitProducerId
	// that moved it, naming the old id, is answered and not fenced
	// (TransactionMetadata.previousProducerId); 0 or -1 if none.
	PreviousProducerID int64 `json:"previous_producer_id,omitempty"`
	// NextProducerID is the producer id the transactional id moves to
	// when the transaction being ended completes: set by an EndTxn of
	// transaction version 2 at an exhausted epoch (txnv2.go), kept in the
	// Prepare state so that a restart that finishes the transaction moves
	// it too (TransactionMetadata.nextProducerId); nil otherwise.
	NextProducerID *int64 `json:"next_producer_id,omitempty"`
	// TimeoutMs is the producer's transaction.timeout.ms (60 s by default
	// in the Java client), at most Config.TransactionMaxTimeout.
	TimeoutMs int32    `json:"timeout_ms"`
	State     txnState `json:"state"`
	// StartMs is when the transaction last became Ongoing, kept after it
	// ends, as Kafka's TransactionMetadata keeps txnStartTimestamp; 0 if
	// no transaction of the id ever began.
	StartMs  int64 `json:"start_ms"`
	UpdateMs int64 `json:"update_ms"` // last request or state change
	// Partitions are where the markers go: every partition the producer
	// named before its first batch there, and nothing else.
	Partitions []txnPartition `json:"partitions"`
	// Groups are those of AddOffsetsToTxn, the only ones TxnOffsetCommit
	// may name; Offsets are its commits, applied only if the transaction
	// commits and dropped if it aborts.
	Groups  []string    `json:"groups"`
	Offsets []txnOffset `json:"offsets"`

	// markersDone says, of a Prepare state, that every marker and the
	// offsets are written and only the Complete state is not yet in the
	// state file (a write of it failed): the retry saves that state and
	// writes nothing twice. It is memory only: the file's Prepare state
	// says nothing of markers, and a restart writes them again, as
	// Kafka's coordinator sends a loaded Prepare state's markers again
	// (TransactionStateManager.loadTransactionsForTxnTopicPartition).
	markersDone bool
}

// txnCoordinator is the broker's transaction coordinator.
//
// mu is held for every coordinator request (InitProducerId and the APIs of
// this file) and for the background checks. A transactional Produce does
// not take it: it finds its producer's txnMeta under producersMu and takes
// that txnMeta's produceMu (lockProducer), which every coordinator request
// holds while it changes the txnMeta. That makes "the partition is in the
// producer's open transaction" and the append one step: without it a
// produce checked just before an EndTxn could land after the marker, a
// record of a transaction that has already ended. A Produce v12 batch to a
// partition not yet in the transaction takes mu as well, to add it
// (joinFromProduce, txnv2.go). Lock order: mu, then a txnMeta's produceMu,
// then producersMu or a partition log's locks, then a group's.
type txnCoordinator struct {
	b     *Broker
	state *txnStateLog

	mu   sync.Mutex
	byID map[string]*txnMeta

	// producersMu guards byProducer, which is written under mu as well.
	producersMu sync.RWMutex
	byProducer  map[int64]*txnMeta

	// down is why the state file did not read at start, nil if it did:
	// the transactional APIs are then refused (coordinatorDown).
	down error
}

// openTxnCoordinator reads the state file, finishes every transaction a
// previous run left ending and keeps the Ongoing ones (see the design
// note).
//
// A state file that does not read (unreadable, or of no known form) does
// not stop the start: the coordinator starts with no transactions, and
// down, so that the transactional APIs answer COORDINATOR_NOT_AVAILABLE
// (refusals.go), as Kafka's do while __transaction_state is not loaded.
// It finishes and aborts nothing, and its state, broken, writes nothing:
// the file stays as it is, to be repaired before a restart.
func openTxnCoordinator(b *Broker) (*txnCoordinator, error) {
	path := filepath.Join(b.cfg.DataDir, txnStateFile)
	state, metas, err := openTxnStateLog(path, b.fsync.always, b.log)
	c := &txnCoordinator{b: b, state: state, byID: map[string]*txnMeta{}, byProducer: map[int64]*txnMeta{}}
	if err != nil {
		b.log.Error("transaction coordinator unavailable: its state file does not read, so the transactional APIs answer COORDINATOR_NOT_AVAILABLE. "+
			"Repair or restore the file and restart", "file", path, "err", err)
		c.state, c.down = &txnStateLog{path: path, broken: err}, err
		return c, nil
	}
	for _, m := range metas {
		if m.UpdateMs == 0 { // written before ids expired: count from now
			m.UpdateMs = time.Now().UnixMilli()
		}
		c.byID[m.ID] = m
		c.byProducer[m.ProducerID] = m
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// Only the Prepare states are finished here, as Kafka's
	// TransactionStateManager.loadTransactionsForTxnTopicPartition does:
	// an Ongoing transaction stays Ongoing, for its producer to go on
	// with, until it ends or its timeout (abortExpired) aborts it. A
	// transaction that cannot be ended now, because one of its
	// partitions is offline or the disk is full, stays in its Prepare
	// state: the background check (abortExpired) retries it, and the
	// broker starts and serves everything else.
	for _, m := range metas {
		switch m.State {
		case txnOngoing:
			b.log.Info("keeping a transaction left open", "transactional.id", m.ID, "producer", m.ProducerID, "partitions", len(m.Partitions))
		case txnPrepareAbort:
			if err := c.end(m, false, m.ProducerEpoch); err != nil {
				b.log.Error("aborting a prepared transaction; will retry", "transactional.id", m.ID, "err", err)
			}
		case txnPrepareCommit:
			if err := c.end(m, true, m.ProducerEpoch); err != nil {
				b.log.Error("committing a prepared transaction; will retry", "transactional.id", m.ID, "err", err)
			}
		}
	}
	c.abortOrphans()
	return c, nil
}

// abortOrphans writes an ABORT marker for every transaction open in a
// partition that no Ongoing or Prepare transaction of the state file owns
// (its producer id with the partition among its own), once the Prepare
// ones have ended. A Prepare one whose end failed (a full disk, an offline
// partition) is still owned: its retry writes its markers, and an ABORT
// written first would split a prepared commit. Only a lost or replaced state file (or a topic deleted and
// created again under a transaction) leaves such a transaction behind.
// Without it, such a partition's LSO would never move again and its
// read_committed consumers would stall. Kafka has no such step; it never
// loses __transaction_state.
//
// A partition whose marker cannot be written (offline, disk full) is
// logged and left; its transaction is aborted at the next start.
func (c *txnCoordinator) abortOrphans() {
	now := time.Now().UnixMilli()
	type openIn struct {
		tp       txnPartition
		producer int64
	}
	owned := map[openIn]bool{}
	for _, m := range c.byID {
		if m.State != txnOngoing && m.State != txnPrepareCommit && m.State != txnPrepareAbort {
			continue
		}
		for _, tp := range m.Partitions {
			owned[openIn{tp, m.ProducerID}] = true
		}
	}
	for _, t := range c.b.logs.Topics() {
		for i, pl := range t.Partitions {
			for pid, epoch := range pl.openTransactions() {
				if owned[openIn{txnPartition{t.Name, int32(i)}, pid}] {
					continue // kept open: its producer goes on with it
				}
				c.b.log.Warn("aborting a transaction no transactional id owns", "topic", t.Name, "partition", i, "producer", pid)
				if err := appendMarker(t, pl, pid, epoch, markerAbort, now); err != nil {
					c.b.log.Error("aborting an orphaned transaction", "topic", t.Name, "partition", i, "producer", pid, "err", err)
				}
			}
		}
	}
}

// openTransactions is the producer id and current epoch of every
// transaction open in the partition.
func (l *partitionLog) openTransactions() map[int64]int16 {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.mu.RLock()
	defer l.mu.RUnlock()
	open := map[int64]int16{}
	for pid := range l.txns.ongoing {
		epoch := int16(0)
		if e := l.producers[pid]; e != nil {
			epoch = e.epoch
		}
		open[pid] = epoch
	}
	return open
}

// save records m's state after a change, and compacts the state file
// when it has grown. Callers hold mu.
func (c *txnCoordinator) save(m *txnMeta) error {
	if err := c.state.put(m); err != nil {
		return fmt.Errorf("%w: %w", errTxnStateNotSaved, err)
	}
	// The record is in the file: a compaction that fails (a full disk
	// has no room for the copy) leaves the file as it was, and the next
	// save tries again.
	if c.state.needsCompaction() {
		if err := c.state.compact(c.sortedMetas()); err != nil {
			c.b.log.Warn("transaction state not compacted", "err", err)
		}
	}
	return nil
}

// errTxnStateNotSaved is a change of a transaction that the state file
// did not take, which a full disk causes. The change is not made: the
// request is answered NOT_COORDINATOR, which a client retries after
// looking the coordinator up again, as Kafka's TransactionStateManager
// answers a failed append to __transaction_state.
var errTxnStateNotSaved = errors.New("kafka: transaction state not saved")

// errTxnMarkers is an end of a transaction decided, its Prepare state
// saved, whose markers or offsets are not all written yet, or whose
// Complete state the state file did not take (complete).
var errTxnMarkers = errors.New("kafka: transaction markers not all written")

// sortedMetas is every transactional id's state, sorted by id. Callers
// hold mu.
func (c *txnCoordinator) sortedMetas() []*txnMeta {
	metas := slices.Collect(maps.Values(c.byID))
	slices.SortFunc(metas, func(a, b *txnMeta) int { return strings.Compare(a.ID, b.ID) })
	return metas
}

// close closes the state file.
func (c *txnCoordinator) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state.close()
}

// end writes a marker of the producer's epoch to every partition of m's
// transaction, applies its pending offsets if it commits, and completes
// it. The Prepare state is saved first, so that a crash between the
// markers is finished by the next start. Callers hold mu and m.produceMu,
// or are opening the coordinator, before any produce.
//
// A transaction already in its Prepare state (a retry) has it in the file
// already, and one whose markers are done (markersDone) only completes.
func (c *txnCoordinator) end(m *txnMeta, commit bool, epoch int16) error {
	prepared := txnPrepareAbort
	if commit {
		prepared = txnPrepareCommit
	}
	if m.State != prepared || m.ProducerEpoch != epoch {
		was, wasEpoch := m.State, m.ProducerEpoch
		m.State, m.ProducerEpoch = prepared, epoch
		if err := c.save(m); err != nil {
			// Not decided: the transaction stays as the file has it.
			m.State, m.ProducerEpoch = was, wasEpoch
			return err
		}
	}
	if !m.markersDone {
		if err := c.writeMarkers(m, commit, epoch); err != nil {
			return err
		}
		m.markersDone = true
	}
	return c.complete(m, commit)
}

// writeMarkers writes m's markers of epoch and, on commit, applies its
// offsets. Callers hold what end's callers hold.
func (c *txnCoordinator) writeMarkers(m *txnMeta, commit bool, epoch int16) error {
	typ := markerAbort
	if commit {
		typ = markerCommit
	}
	now := time.Now().UnixMilli()
	for _, tp := range m.Partitions {
		t := c.b.logs.Topic(tp.Topic)
		pl := c.b.topicPartition(t, tp.Partition)
		if pl == nil {
			continue // deleted since: nothing to end there
		}
		if err := appendMarker(t, pl, m.ProducerID, epoch, typ, now); err != nil {
			return fmt.Errorf("%w: writing %s marker to %s-%d: %w", errTxnMarkers, m.State, tp.Topic, tp.Partition, err)
		}
		// Under Fsync "always" each marker is on disk before the next
		// partition's: the answer that says "committed" must survive a
		// crash, and the Prepare state saved above finishes the rest.
		if c.b.fsync.always {
			if err := pl.SyncTo(pl.HighWatermark()); err != nil {
				return fmt.Errorf("%w: %w", errTxnMarkers, err)
			}
		}
	}
	// The offsets become the group's only after every data marker is
	// written, so a consumer of the group can never be given a position
	// past records that are not yet committed. Kafka sends its markers,
	// the one to __consumer_offsets among them, in no set order; here the
	// safe order costs nothing.
	if commit && len(m.Offsets) > 0 {
		if err := c.b.groups.commitTxnOffsets(m.Offsets); err != nil {
			return fmt.Errorf("%w: %w", errTxnMarkers, err)
		}
	}
	c.b.notifyAppend() // the LSO moved: wake read_committed fetches
	return nil
}

// complete moves m, its markers written, from its Prepare state to
// Complete, and saves it. If the state file does not take the Complete
// state, m is put back in its Prepare state with markersDone, as the file
// has it, and the error is errTxnMarkers, not errTxnStateNotSaved: the
// outcome is decided, nothing of the end (its epoch bump included) is to
// be undone, and the background check (abortExpired) saves the Complete
// state again, as Kafka's TransactionMarkerChannelManager.tryAppendToLog
// retries the append of CompleteCommit or CompleteAbort
// (txnLogAppendRetryQueue) while the transaction stays in its Prepare
// state, whose EndTxn retries are CONCURRENT_TRANSACTIONS
// (https://github.com/apache/kafka/blob/trunk/core/src/main/scala/kafka/coordinator/transaction/TransactionMarkerChannelManager.scala).
// Callers hold what end's callers hold.
func (c *txnCoordinator) complete(m *txnMeta, commit bool) error {
	prepared, pid, epoch, last, previous, next := m.State, m.ProducerID, m.ProducerEpoch, m.LastProducerEpoch, m.PreviousProducerID, m.NextProducerID
	partitions, groups, offsets, updated := m.Partitions, m.Groups, m.Offsets, m.UpdateMs
	m.State = txnCompleteAbort
	if commit {
		m.State = txnCompleteCommit
	}
	m.Partitions, m.Groups, m.Offsets = nil, nil, nil
	m.UpdateMs = time.Now().UnixMilli()
	c.moveToNextProducer(m)
	if err := c.save(m); err != nil {
		completed := m.State
		if m.ProducerID != pid {
			c.setProducer(m.ProducerID, nil)
			c.setProducer(pid, m)
		}
		m.State, m.ProducerID, m.ProducerEpoch, m.LastProducerEpoch, m.PreviousProducerID, m.NextProducerID = prepared, pid, epoch, last, previous, next
		m.Partitions, m.Groups, m.Offsets, m.UpdateMs = partitions, groups, offsets, updated
		// %v, not %w: the Prepare state is saved, so this is not the
		// errTxnStateNotSaved that tells callers to undo the end.
		return fmt.Errorf("%w: saving the %s state: %v", errTxnMarkers, completed, err)
	}
	m.markersDone = false
	return nil
}

// fencedCode is the error for a request of an epoch other than the
// producer's: PRODUCER_FENCED from the version that KIP-588 gave it,
// INVALID_PRODUCER_EPOCH before, which older clients know.
func fencedCode(v, from int16) int16 {
	if v >= from {
		return codeProducerFenced
	}
	return codeInvalidProducerEpoch
}

// lookup finds the transaction of a request naming id, producer id and
// epoch, or the error code to answer; fencedFrom is the first version of
// the API with PRODUCER_FENCED. Callers hold mu.
//
// The codes are TransactionCoordinator's, and the Java producer
// (TransactionManager) reacts to each differently:
//
//   - INVALID_PRODUCER_ID_MAPPING (the id is unknown, or has moved on to
//     another producer id): an abortable error where the broker can bump
//     epochs (KIP-360, as here); the application aborts and goes on.
//   - PRODUCER_FENCED, or INVALID_PRODUCER_EPOCH from older versions: a
//     newer instance owns the id. Fatal: the producer must be closed.
//   - CONCURRENT_TRANSACTIONS (the last transaction's markers are still
//     being written): retried, after only 20 ms for the first
//     AddPartitionsToTxn of a new transaction. Here a Prepare state
//     outlasts a request only when a marker failed to write and
//     abortExpired has yet to retry it, so clients rarely see it.
func (c *txnCoordinator) lookup(id string, producerID int64, epoch int16, v, fencedFrom int16) (*txnMeta, int16) {
	m := c.byID[id]
	switch {
	case id == "":
		return nil, codeInvalidRequest
	case m == nil || m.ProducerID != producerID:
		return nil, codeInvalidProducerIDMapping
	case m.ProducerEpoch != epoch:
		return nil, fencedCode(v, fencedFrom)
	case m.State == txnPrepareCommit || m.State == txnPrepareAbort:
		return nil, codeConcurrentTransactions
	}
	m.UpdateMs = time.Now().UnixMilli()
	return m, codeNone
}

// initProducer is InitProducerId with a transactional id.
func (c *txnCoordinator) initProducer(req *initProducerIDRequest, v int16) *initProducerIDResponse {
	fail := func(code int16) *initProducerIDResponse {
		return &initProducerIDResponse{ErrorCode: code, ProducerID: -1, ProducerEpoch: -1}
	}
	// An empty id is no id (TransactionCoordinator.handleInitProducerId).
	if *req.TransactionalID == "" {
		return fail(codeInvalidRequest)
	}
	// INVALID_TRANSACTION_TIMEOUT is fatal to initTransactions: a timeout
	// past transaction.max.timeout.ms is a configuration to fix, not a
	// condition to wait out.
	if req.TransactionTimeoutMs <= 0 || time.Duration(req.TransactionTimeoutMs)*time.Millisecond > c.b.cfg.TransactionMaxTimeout {
		return fail(codeInvalidTransactionTimeout)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	id := *req.TransactionalID
	m := c.byID[id]
	created := m == nil
	if created {
		pid, err := c.b.producerIDs.Next()
		if err != nil {
			c.b.log.Error("allocating a producer id", "err", err)
			return fail(producerIDErrorCode(err))
		}
		m = &txnMeta{ID: id, ProducerID: pid, ProducerEpoch: 0, LastProducerEpoch: -1}
		c.byID[id] = m
		c.setProducer(pid, m)
	}
	m.produceMu.Lock()
	defer m.produceMu.Unlock()
	if !created {
		if code := c.reinit(m, req, v); code != codeNone {
			return fail(code)
		}
	}
	// Empty again, with no transaction begun: DescribeTransactions shows
	// a start of -1 (TransactionMetadata.prepareIncrementProducerEpoch).
	m.TimeoutMs, m.State, m.StartMs, m.UpdateMs = req.TransactionTimeoutMs, txnEmpty, 0, time.Now().UnixMilli()
	if err := c.save(m); err != nil {
		c.b.log.Error("saving transaction state", "err", err)
		return fail(txnErrorCode(err))
	}
	return &initProducerIDResponse{ProducerID: m.ProducerID, ProducerEpoch: m.ProducerEpoch}
}

// reinit is InitProducerId for a transactional id that exists, in the
// order of TransactionCoordinator.prepareInitProducerIdTransit and
// TransactionMetadata.prepareIncrementProducerEpoch. Callers hold mu and
// m.produceMu.
//
//   - A named producer id other than the id's: PRODUCER_FENCED.
//   - Markers being written (Prepare*): CONCURRENT_TRANSACTIONS.
//   - An open transaction: aborted, its markers carrying a bumped epoch,
//     and CONCURRENT_TRANSACTIONS, so that the producer asks again and
//     gets an epoch bumped once more, past the one of the markers.
//   - Otherwise a named epoch must be the current one, which is bumped, or
//     the one before the last bump, a retry of it, which gets the current
//     one unchanged; any other is PRODUCER_FENCED. A request naming no
//     producer, a new instance, bumps the epoch and leaves no epoch
//     before it to come back to, so the instance it fenced stays fenced.
func (c *txnCoordinator) reinit(m *txnMeta, req *initProducerIDRequest, v int16) int16 {
	named := req.ProducerID >= 0
	retriedRotation := m.State == txnEmpty && req.ProducerID == m.PreviousProducerID &&
		req.ProducerEpoch >= lastProducerEpoch && req.ProducerEpoch == m.LastProducerEpoch
	switch {
	case retriedRotation:
		return codeNone // the new id and its epoch, unchanged
	case named && req.ProducerID != m.ProducerID:
		return fencedCode(v, 4)
	case m.State == txnPrepareCommit || m.State == txnPrepareAbort:
		return codeConcurrentTransactions
	case m.State == txnOngoing:
		if err := c.fence(m); err != nil {
			c.b.log.Error("fencing a transactional producer", "transactional.id", m.ID, "err", err)
			return txnErrorCode(err)
		}
		return codeConcurrentTransactions
	case named && req.ProducerEpoch == m.LastProducerEpoch && req.ProducerEpoch != m.ProducerEpoch:
		return codeNone // a retry: the current epoch
	case named && req.ProducerEpoch != m.ProducerEpoch:
		return fencedCode(v, 4)
	}
	pid, epoch := m.ProducerID, m.ProducerEpoch
	if err := c.bump(m); err != nil {
		c.b.log.Error("bumping a transactional producer's epoch", "transactional.id", m.ID, "err", err)
		if !errors.Is(err, errTxnStateNotSaved) && !errors.Is(err, errTxnMarkers) {
			return producerIDErrorCode(err) // a new producer id
		}
		return txnErrorCode(err)
	}
	switch {
	case m.ProducerID != pid && named:
		// Moved to a new id: the old id's epoch is kept for a retry.
		m.PreviousProducerID, m.LastProducerEpoch = pid, epoch
	case !named:
		m.LastProducerEpoch = -1
	}
	return codeNone
}

// fence aborts m's open transaction with markers of the next epoch, which
// becomes the producer's, and leaves no epoch before it to return to
// (TransactionMetadata.prepareFenceProducerEpoch). Its epoch is never
// math.MaxInt16 here: epochs handed out stop one below. Callers hold mu and
// m.produceMu.
//
// With transaction.version finalized at 2 the abort bumps the fenced epoch
// once more, as every end of version 2 does (fenceEpoch, txnv2.go).
func (c *txnCoordinator) fence(m *txnMeta) error {
	was := m.LastProducerEpoch
	epoch, last := c.fenceEpoch(m)
	m.LastProducerEpoch = last
	err := c.end(m, false, epoch)
	if errors.Is(err, errTxnStateNotSaved) {
		m.LastProducerEpoch = was
	}
	return err
}

// bump gives m's producer a new epoch, which fences the instance that had
// the old one, aborting its open transaction with markers of the new
// epoch. An exhausted epoch moves the id on to a new producer id at epoch
// 0. Callers hold mu and m.produceMu.
func (c *txnCoordinator) bump(m *txnMeta) error {
	if m.ProducerEpoch >= lastProducerEpoch {
		if m.State == txnOngoing {
			if err := c.end(m, false, m.ProducerEpoch); err != nil {
				return err
			}
		}
		pid, err := c.b.producerIDs.Next()
		if err != nil {
			return err
		}
		c.setProducer(m.ProducerID, nil)
		m.PreviousProducerID = m.ProducerID
		m.ProducerID, m.ProducerEpoch, m.LastProducerEpoch = pid, 0, -1
		c.setProducer(pid, m)
		return nil
	}
	was := m.LastProducerEpoch
	m.LastProducerEpoch, m.PreviousProducerID = m.ProducerEpoch, -1
	if m.State == txnOngoing {
		err := c.end(m, false, m.ProducerEpoch+1)
		if errors.Is(err, errTxnStateNotSaved) {
			m.LastProducerEpoch = was // no bump: end kept the epoch too
		}
		return err
	}
	m.ProducerEpoch++
	return nil
}

// txnErrorCode answers a change of a transaction that failed: one the state
// file did not take is NOT_COORDINATOR (errTxnStateNotSaved), one whose
// Prepare state was saved but whose markers or Complete state are not all
// written is CONCURRENT_TRANSACTIONS, which the client retries until the
// background check has written them; anything else is
// UNKNOWN_SERVER_ERROR.
func txnErrorCode(err error) int16 {
	switch {
	case errors.Is(err, errTxnStateNotSaved):
		return codeNotCoordinator
	case errors.Is(err, errTxnMarkers):
		return codeConcurrentTransactions
	}
	return codeUnknownServerError
}

// setProducer maps producer id pid to m, or unmaps it if m is nil.
// Callers hold mu.
func (c *txnCoordinator) setProducer(pid int64, m *txnMeta) {
	c.producersMu.Lock()
	defer c.producersMu.Unlock()
	if m == nil {
		delete(c.byProducer, pid)
	} else {
		c.byProducer[pid] = m
	}
}

// lockProducer finds producer pid's txnMeta, the way a transactional
// Produce does, without mu, and returns it with its produceMu held, or nil
// if no transactional id has pid.
func (c *txnCoordinator) lockProducer(pid int64) *txnMeta {
	c.producersMu.RLock()
	m := c.byProducer[pid]
	c.producersMu.RUnlock()
	if m != nil {
		m.produceMu.Lock()
	}
	return m
}

// change applies edit to m and saves m; if the state file does not take
// it, m is put back as it was, so that memory never holds a transaction
// the file does not, as Kafka applies a transition only once
// __transaction_state has taken it (TransactionMetadata.completeTransitionTo).
// edit may change State, StartMs, Partitions, Groups and Offsets. Callers
// hold mu and m.produceMu.
func (c *txnCoordinator) change(m *txnMeta, edit func()) error {
	state, start := m.State, m.StartMs
	partitions, groups, offsets := slices.Clone(m.Partitions), slices.Clone(m.Groups), slices.Clone(m.Offsets)
	edit()
	if err := c.save(m); err != nil {
		m.State, m.StartMs = state, start
		m.Partitions, m.Groups, m.Offsets = partitions, groups, offsets
		return err
	}
	return nil
}

// begin moves m to Ongoing if it is not already. Callers hold mu and
// m.produceMu.
func (c *txnCoordinator) begin(m *txnMeta) {
	if m.State != txnOngoing {
		m.State, m.StartMs = txnOngoing, time.Now().UnixMilli()
	}
}

// abortExpired aborts every transaction open longer than its timeout,
// bumping the producer's epoch so that the producer, if it is still there,
// is fenced (TransactionCoordinator.abortTimedOutTransactions). It also
// finishes transactions whose EndTxn could not write every marker, and
// forgets transactional ids unused for TransactionalIDExpiration.
func (c *txnCoordinator) abortExpired(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.byID {
		c.expire(m, now)
	}
}

// expire does abortExpired's work for m. Callers hold mu.
func (c *txnCoordinator) expire(m *txnMeta, now time.Time) {
	m.produceMu.Lock()
	defer m.produceMu.Unlock()
	switch {
	case m.State == txnPrepareCommit || m.State == txnPrepareAbort:
		// An EndTxn whose markers failed to write: try again.
		if err := c.end(m, m.State == txnPrepareCommit, m.ProducerEpoch); err != nil {
			c.b.log.Error("completing a transaction", "transactional.id", m.ID, "err", err)
		}
	case m.State != txnOngoing && now.UnixMilli() >= m.UpdateMs+c.b.cfg.TransactionalIDExpiration.Milliseconds():
		// Kafka's removeExpiredTransactionalIds: an id unused for
		// transactional.id.expiration.ms is forgotten, so the state
		// does not grow with every producer there ever was.
		c.b.log.Info("forgetting an expired transactional id", "transactional.id", m.ID, "producer", m.ProducerID)
		delete(c.byID, m.ID)
		c.setProducer(m.ProducerID, nil)
		if err := c.state.remove(m.ID); err != nil {
			c.b.log.Error("saving transaction state", "err", err)
		}
	case m.State == txnOngoing && now.UnixMilli() >= m.StartMs+int64(m.TimeoutMs):
		c.b.log.Info("aborting a timed-out transaction", "transactional.id", m.ID, "producer", m.ProducerID)
		// Kafka's TransactionCoordinator.abortTimedOutTransactions fences
		// (TransactionMetadata.prepareFenceProducerEpoch): the markers
		// carry the next epoch, which becomes the producer's, and no
		// epoch before it is kept, so the producer that timed out is
		// PRODUCER_FENCED even when it names its epoch in InitProducerId
		// (reinit). At the last epoch the markers take math.MaxInt16 and
		// the id keeps its producer id; the next InitProducerId moves it
		// on.
		if err := c.fence(m); err != nil {
			c.b.log.Error("aborting a timed-out transaction", "transactional.id", m.ID, "err", err)
		}
	}
}

// abortExpiredEvery runs abortExpired every interval until ctx is done.
func (c *txnCoordinator) abortExpiredEvery(ctx context.Context, interval time.Duration) {
	every(ctx, interval, func() { c.abortExpired(time.Now()) })
}

// pendingOffsets is the partitions that have an offset of group pending
// in an open transaction, for OffsetFetch's RequireStable.
func (c *txnCoordinator) pendingOffsets(group string) map[topicPartition]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	var pending map[topicPartition]bool
	for _, m := range c.byID {
		for _, o := range m.Offsets {
			if o.Group == group {
				if pending == nil {
					pending = map[topicPartition]bool{}
				}
				pending[topicPartition{o.Topic, o.Partition}] = true
			}
		}
	}
	return pending
}

// checkProduce decides whether the transactional batches of headers may
// be appended to topic-partition: each must come from the current epoch of
// a producer whose open transaction includes the partition, as Kafka's
// leaders verify with the coordinator since KIP-890. When the answer is
// codeNone, the caller appends and then calls unlock, which it must call
// whatever the answer; until then the producer's transaction cannot end
// (see txnMeta).
//
// With add (Produce v12, transaction version 2) the partition is first
// added to the producer's transaction, which begins one if none is open,
// instead of only being looked for (joinFromProduce, txnv2.go).
//
// While the coordinator's state is down (it did not load at start), no
// batch can be verified: the leader answers the coordinator's
// COORDINATOR_NOT_AVAILABLE as NOT_ENOUGH_REPLICAS, which producers retry
// without a metadata refresh (ReplicaManager.appendRecords).
func (c *txnCoordinator) checkProduce(transactionalID, topic string, partition int32, headers []batchHeader, add bool) (code int16, msg string, unlock func()) {
	unlock = func() {}
	var m *txnMeta
	for _, h := range headers {
		if h.Attributes&transactionalFlag == 0 {
			continue
		}
		if c.down != nil {
			return codeNotEnoughReplicas, "Unable to verify the partition has been added to the transaction. Underlying error: COORDINATOR_NOT_AVAILABLE", unlock
		}
		if m == nil {
			if add {
				m, code, msg = c.joinFromProduce(transactionalID, &h, txnPartition{topic, partition})
			} else {
				m = c.lockProducer(h.ProducerID)
			}
			if code != codeNone {
				return code, msg, unlock
			}
			if m == nil {
				return codeInvalidProducerIDMapping, fmt.Sprintf("producer %d has no transactional id", h.ProducerID), unlock
			}
			unlock = m.produceMu.Unlock
		}
		switch {
		case m.ID != transactionalID:
			// The coordinator looks the producer up by the request's
			// transactional id (handleVerifyPartitionsInTransaction).
			return codeInvalidProducerIDMapping, fmt.Sprintf("producer %d is not transactional id %q's", h.ProducerID, transactionalID), unlock
		case m.ProducerID != h.ProducerID:
			// Another producer of the batch, or the id moved on to a new
			// producer id since it was looked up.
			return codeInvalidProducerIDMapping, fmt.Sprintf("producer %d has no transactional id", h.ProducerID), unlock
		case h.ProducerEpoch != m.ProducerEpoch:
			// The coordinator answers any other epoch than its own
			// PRODUCER_FENCED, which the leader turns into
			// INVALID_PRODUCER_EPOCH for a produce
			// (TransactionCoordinator.handleVerifyPartitionsInTransaction,
			// AddPartitionsToTxnManager).
			return codeInvalidProducerEpoch, fmt.Sprintf("producer %d has epoch %d, the batch %d", h.ProducerID, m.ProducerEpoch, h.ProducerEpoch), unlock
		case m.State != txnOngoing || !slices.Contains(m.Partitions, txnPartition{topic, partition}):
			// The coordinator's answer to the leader's verification
			// (handleVerifyPartitionsInTransaction); Produce below v11
			// gets INVALID_TXN_STATE instead (handleProduce).
			return codeTransactionAbortable, fmt.Sprintf("%s-%d is not in an open transaction of producer %d epoch %d", topic, partition, h.ProducerID, h.ProducerEpoch), unlock
		}
	}
	return codeNone, "", unlock
}

// produceTxnErrorCode is the code a Produce of version v answers for a
// partition that got code: a batch outside its transaction is
// TRANSACTION_ABORTABLE from v11, and INVALID_TXN_STATE, the only code
// older clients know for it, before (KafkaApis.handleProduceRequest,
// AddPartitionsToTxnManager).
func produceTxnErrorCode(code, v int16) int16 {
	if code == codeTransactionAbortable && v <= 10 {
		return codeInvalidTxnState
	}
	return code
}

// anyTransactional reports whether any of a produced records field's
// batches is transactional.
func anyTransactional(headers []batchHeader) bool {
	return slices.ContainsFunc(headers, func(h batchHeader) bool { return h.Attributes&transactionalFlag != 0 })
}

// hasTransactionalRecords is RequestUtils.hasTransactionalRecords: whether
// the first batch of any partition's records has the transactional bit.
func hasTransactionalRecords(req *produceRequest) bool {
	for _, t := range req.TopicData {
		for _, p := range t.PartitionData {
			if size, _ := nextBatchSize(p.Records); size >= batchAttrOffset+2 &&
				binary.BigEndian.Uint16(p.Records[batchAttrOffset:])&transactionalFlag != 0 {
				return true
			}
		}
	}
	return false
}

// AddPartitionsToTxn: v0-5 (AddPartitionsToTxnRequest.json, AddPartitionsToTxnResponse.json)
//
//	v1: no change (Kafka 2.0)
//	v2: PRODUCER_FENCED may be returned (KIP-588)
//	v3: flexible
//	v4: a batch of transactions, each with VerifyOnly, sent by brokers to the coordinator (KIP-890)
//	v5: no change; ABORTABLE_TRANSACTION may be returned (KIP-890)
//
// A producer names each partition before its first batch to it in a
// transaction. If one of them does not exist, it gets
// UNKNOWN_TOPIC_OR_PARTITION (__consumer_offsets, which a client may not
// write, TOPIC_AUTHORIZATION_FAILED below v4), the others
// OPERATION_NOT_ATTEMPTED, and none is added; this is checked before the
// producer is. An empty transactional id is INVALID_REQUEST here, in
// AddOffsetsToTxn, EndTxn and InitProducerId. The v4+ form is answered per
// transaction; VerifyOnly checks that the partitions are already in the
// transaction (TRANSACTION_ABORTABLE for those that are not, KIP-890)
// without adding them.
type addPartitionsToTxnRequest struct {
	Transactions            []addPartitionsToTxnTransaction
	V3AndBelowTransactionID string
	V3AndBelowProducerID    int64
	V3AndBelowProducerEpoch int16
	V3AndBelowTopics        []addPartitionsToTxnTopic
}

type addPartitionsToTxnTransaction struct {
	TransactionalID string
	ProducerID      int64
	ProducerEpoch   int16
	VerifyOnly      bool
	Topics          []addPartitionsToTxnTopic
}

type addPartitionsToTxnTopic struct {
	Name       string
	Partitions []int32
}

func readAddPartitionsToTxnTopic(r *reader) (t addPartitionsToTxnTopic) {
	t.Name = r.String()
	t.Partitions = r.Int32s()
	r.SkipTags()
	return t
}

func (m *addPartitionsToTxnRequest) decode(r *reader, v int16) {
	if v >= 4 {
		m.Transactions = readArray(r, func(r *reader) (t addPartitionsToTxnTransaction) {
			t.TransactionalID = r.String()
			t.ProducerID = r.Int64()
			t.ProducerEpoch = r.Int16()
			t.VerifyOnly = r.Bool()
			t.Topics = readArray(r, readAddPartitionsToTxnTopic)
			r.SkipTags()
			return t
		})
	} else {
		m.V3AndBelowTransactionID = r.String()
		m.V3AndBelowProducerID = r.Int64()
		m.V3AndBelowProducerEpoch = r.Int16()
		m.V3AndBelowTopics = readArray(r, readAddPartitionsToTxnTopic)
	}
	r.SkipTags()
}

type addPartitionsToTxnResponse struct {
	ThrottleTimeMs           int32
	ErrorCode                int16
	ResultsByTransaction     []addPartitionsToTxnResult
	ResultsByTopicV3AndBelow []addPartitionsToTxnTopicResult
}

type addPartitionsToTxnResult struct {
	TransactionalID string
	TopicResults    []addPartitionsToTxnTopicResult
}

type addPartitionsToTxnTopicResult struct {
	Name               string
	ResultsByPartition []addPartitionsToTxnPartitionResult
}

type addPartitionsToTxnPartitionResult struct {
	PartitionIndex     int32
	PartitionErrorCode int16
}

func writeAddPartitionsToTxnTopicResult(w *writer, t addPartitionsToTxnTopicResult) {
	w.String(t.Name)
	writeArrayNonNull(w, t.ResultsByPartition, func(w *writer, p addPartitionsToTxnPartitionResult) {
		w.Int32(p.PartitionIndex)
		w.Int16(p.PartitionErrorCode)
		w.Tags()
	})
	w.Tags()
}

func (m *addPartitionsToTxnResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	if v >= 4 {
		w.Int16(m.ErrorCode)
		writeArrayNonNull(w, m.ResultsByTransaction, func(w *writer, t addPartitionsToTxnResult) {
			w.String(t.TransactionalID)
			writeArrayNonNull(w, t.TopicResults, writeAddPartitionsToTxnTopicResult)
			w.Tags()
		})
	} else {
		writeArrayNonNull(w, m.ResultsByTopicV3AndBelow, writeAddPartitionsToTxnTopicResult)
	}
	w.Tags()
}

func (b *Broker) handleAddPartitionsToTxn(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*addPartitionsToTxnRequest)
	v := rc.header.APIVersion
	if v < 4 {
		t := addPartitionsToTxnTransaction{
			TransactionalID: req.V3AndBelowTransactionID,
			ProducerID:      req.V3AndBelowProducerID,
			ProducerEpoch:   req.V3AndBelowProducerEpoch,
			Topics:          req.V3AndBelowTopics,
		}
		return &addPartitionsToTxnResponse{ResultsByTopicV3AndBelow: b.txns.addPartitions(t, v)}
	}
	resp := &addPartitionsToTxnResponse{ResultsByTransaction: make([]addPartitionsToTxnResult, len(req.Transactions))}
	for i, t := range req.Transactions {
		resp.ResultsByTransaction[i] = addPartitionsToTxnResult{TransactionalID: t.TransactionalID, TopicResults: b.txns.addPartitions(t, v)}
	}
	return resp
}

// addPartitions adds (or, with VerifyOnly, looks for) a transaction's
// partitions and answers for each.
func (c *txnCoordinator) addPartitions(t addPartitionsToTxnTransaction, v int16) []addPartitionsToTxnTopicResult {
	results := make([]addPartitionsToTxnTopicResult, len(t.Topics))
	each := func(code func(tp txnPartition) int16) {
		for i, tt := range t.Topics {
			results[i] = addPartitionsToTxnTopicResult{Name: tt.Name, ResultsByPartition: make([]addPartitionsToTxnPartitionResult, len(tt.Partitions))}
			for j, p := range tt.Partitions {
				results[i].ResultsByPartition[j] = addPartitionsToTxnPartitionResult{PartitionIndex: p, PartitionErrorCode: code(txnPartition{tt.Name, p})}
			}
		}
	}
	// The partitions are checked first, as KafkaApis checks them before
	// it asks the coordinator. All or nothing: the partitions that were
	// fine answer OPERATION_NOT_ATTEMPTED, and the Java producer makes the
	// whole request an abortable error, so no transaction goes on with
	// only some of the partitions it meant to write.
	partitionCode := func(tp txnPartition) int16 {
		switch {
		case isInternalTopic(tp.Topic) && v < 4:
			// Internal: a client is never authorized to write it.
			return codeTopicAuthorizationFailed
		case c.b.topicPartition(c.b.logs.Topic(tp.Topic), tp.Partition) == nil:
			return codeUnknownTopicOrPartition
		}
		return codeNone
	}
	failed := false
	each(func(tp txnPartition) int16 {
		failed = failed || partitionCode(tp) != codeNone
		return codeNone
	})
	if failed {
		each(func(tp txnPartition) int16 {
			if code := partitionCode(tp); code != codeNone {
				return code
			}
			return codeOperationNotAttempted
		})
		return results
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	m, code := c.lookup(t.TransactionalID, t.ProducerID, t.ProducerEpoch, v, 2)
	if code != codeNone {
		each(func(txnPartition) int16 { return code })
		return results
	}
	m.produceMu.Lock()
	defer m.produceMu.Unlock()
	if t.VerifyOnly {
		each(func(tp txnPartition) int16 {
			if m.State == txnOngoing && slices.Contains(m.Partitions, tp) {
				return codeNone
			}
			return codeTransactionAbortable
		})
		return results
	}
	if m.State == txnOngoing && allAdded(m.Partitions, t.Topics) {
		// Nothing to change, nothing written: answered at once, as by
		// TransactionCoordinator.handleAddPartitionsToTransaction.
		each(func(txnPartition) int16 { return codeNone })
		return results
	}
	err := c.change(m, func() {
		c.begin(m)
		for _, tt := range t.Topics {
			for _, p := range tt.Partitions {
				if tp := (txnPartition{tt.Name, p}); !slices.Contains(m.Partitions, tp) {
					m.Partitions = append(m.Partitions, tp)
				}
			}
		}
	})
	if err != nil {
		c.b.log.Error("saving transaction state", "err", err)
		code := txnErrorCode(err)
		each(func(txnPartition) int16 { return code })
	}
	return results
}

// allAdded reports whether every partition of topics is among added.
func allAdded(added []txnPartition, topics []addPartitionsToTxnTopic) bool {
	for _, tt := range topics {
		for _, p := range tt.Partitions {
			if !slices.Contains(added, txnPartition{tt.Name, p}) {
				return false
			}
		}
	}
	return true
}

// AddOffsetsToTxn: v0-4 (AddOffsetsToTxnRequest.json, AddOffsetsToTxnResponse.json)
//
//	v1: no change (Kafka 2.0)
//	v2: PRODUCER_FENCED may be returned (KIP-588)
//	v3: flexible
//	v4: no change; ABORTABLE_TRANSACTION may be returned (KIP-890)
//
// A producer that will commit a consumer group's offsets in its
// transaction (TxnOffsetCommit) names the group first. Kafka adds the
// group's __consumer_offsets partition to the transaction, to get a marker
// there; here the group is only noted, and its pending offsets are applied
// by the coordinator when the transaction commits.
type addOffsetsToTxnRequest struct {
	TransactionalID string
	ProducerID      int64
	ProducerEpoch   int16
	GroupID         string
}

func (m *addOffsetsToTxnRequest) decode(r *reader, v int16) {
	m.TransactionalID = r.String()
	m.ProducerID = r.Int64()
	m.ProducerEpoch = r.Int16()
	m.GroupID = r.String()
	r.SkipTags()
}

type addOffsetsToTxnResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
}

func (m *addOffsetsToTxnResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.Tags()
}

func (b *Broker) handleAddOffsetsToTxn(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*addOffsetsToTxnRequest)
	c := b.txns
	c.mu.Lock()
	defer c.mu.Unlock()
	m, code := c.lookup(req.TransactionalID, req.ProducerID, req.ProducerEpoch, rc.header.APIVersion, 2)
	if code != codeNone {
		return &addOffsetsToTxnResponse{ErrorCode: code}
	}
	m.produceMu.Lock()
	defer m.produceMu.Unlock()
	err := c.change(m, func() {
		c.begin(m)
		if !slices.Contains(m.Groups, req.GroupID) {
			m.Groups = append(m.Groups, req.GroupID)
		}
	})
	if err != nil {
		b.log.Error("saving transaction state", "err", err)
		return &addOffsetsToTxnResponse{ErrorCode: txnErrorCode(err)}
	}
	return &addOffsetsToTxnResponse{}
}

// EndTxn: v0-5 (EndTxnRequest.json, EndTxnResponse.json)
//
//	v1: no change (Kafka 2.0)
//	v2: PRODUCER_FENCED may be returned (KIP-588)
//	v3: flexible
//	v4: no change; ABORTABLE_TRANSACTION may be returned (KIP-890)
//	v5: transaction version 2: every end bumps the epoch, and the response
//	    carries the ProducerId and ProducerEpoch of the next transaction
//	    (KIP-890 part 2; endTxnV2 in txnv2.go)
//
// Below v5 (transaction version 0 and 1), Committed true commits, false
// aborts: a marker goes to every partition of the transaction, then
// pending offsets are applied on commit. A retry of an EndTxn that already
// completed the same way succeeds; ending a transaction that is not open,
// or the other way than it ended, is INVALID_TXN_STATE. A change the state
// file does not take (a full disk) is NOT_COORDINATOR and leaves the
// transaction open; markers that cannot all be written after the Prepare
// state was saved, or a Complete state the file does not take after them,
// are CONCURRENT_TRANSACTIONS, until the background check has written
// them.
type endTxnRequest struct {
	TransactionalID string
	ProducerID      int64
	ProducerEpoch   int16
	Committed       bool
}

func (m *endTxnRequest) decode(r *reader, v int16) {
	m.TransactionalID = r.String()
	m.ProducerID = r.Int64()
	m.ProducerEpoch = r.Int16()
	m.Committed = r.Bool()
	r.SkipTags()
}

type endTxnResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	// ProducerID and ProducerEpoch (v5+, default -1) are what the producer
	// uses for its next transaction.
	ProducerID    int64
	ProducerEpoch int16
}

func (m *endTxnResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	if v >= 5 {
		w.Int64(m.ProducerID)
		w.Int16(m.ProducerEpoch)
	}
	w.Tags()
}

func (b *Broker) handleEndTxn(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*endTxnRequest)
	c := b.txns
	c.mu.Lock()
	defer c.mu.Unlock()
	if rc.header.APIVersion >= firstTV2EndTxnVersion {
		return c.endTxnV2(req)
	}
	m, code := c.lookup(req.TransactionalID, req.ProducerID, req.ProducerEpoch, rc.header.APIVersion, 2)
	switch {
	case code == codeConcurrentTransactions && (c.byID[req.TransactionalID].State == txnPrepareCommit) != req.Committed:
		// Markers of the other outcome are being written: no retry
		// will make this one happen (TransactionCoordinator.endTransaction).
		code = codeInvalidTxnState
	case code != codeNone:
	case m.State == txnCompleteCommit && req.Committed, m.State == txnCompleteAbort && !req.Committed:
		// A retry of an EndTxn whose answer was lost. The Java producer
		// retries EndTxn on any retriable error, and INVALID_TXN_STATE
		// here would be fatal to it for a transaction that did end as
		// it asked.
	case m.State != txnOngoing:
		code = codeInvalidTxnState
	default:
		m.produceMu.Lock()
		defer m.produceMu.Unlock()
		if err := c.end(m, req.Committed, m.ProducerEpoch); err != nil {
			b.log.Error("ending a transaction", "transactional.id", m.ID, "err", err)
			// Once the Prepare state is saved the outcome is decided,
			// and the background check (abortExpired) writes what is
			// missing: the client retries until it is done, as a retry
			// that finds a Prepare state is answered (lookup).
			code = txnErrorCode(err)
		}
	}
	return &endTxnResponse{ErrorCode: code}
}

// TxnOffsetCommit: v0-5 (TxnOffsetCommitRequest.json, TxnOffsetCommitResponse.json)
//
//	v1: no change (Kafka 2.0)
//	v2: CommittedLeaderEpoch
//	v3: flexible; GenerationId, MemberId and GroupInstanceId, checked as OffsetCommit checks them (KIP-447)
//	v4: no change; ABORTABLE_TRANSACTION may be returned (KIP-890)
//	v5: no change to the schema; the group joins the transaction by itself,
//	    as AddOffsetsToTxn would add it (KIP-890 part 2, txnv2.go)
//
// No version of it gained PRODUCER_FENCED (KIP-588 left it out), so a
// request of an old epoch gets INVALID_PRODUCER_EPOCH at every version.
// The offsets are kept with the transaction, and written to the group's
// committed offsets only when it commits: a consumer of the group reads
// the old offsets until then, and never reads these if it aborts. The
// group must have been added with AddOffsetsToTxn (else INVALID_TXN_STATE,
// from v4 TRANSACTION_ABORTABLE).
type txnOffsetCommitRequest struct {
	TransactionalID string
	GroupID         string
	ProducerID      int64
	ProducerEpoch   int16
	GenerationID    int32
	MemberID        string
	GroupInstanceID *string
	Topics          []txnOffsetCommitTopic
}

type txnOffsetCommitTopic struct {
	Name       string
	Partitions []txnOffsetCommitPartition
}

type txnOffsetCommitPartition struct {
	PartitionIndex       int32
	CommittedOffset      int64
	CommittedLeaderEpoch int32
	CommittedMetadata    *string
}

func (m *txnOffsetCommitRequest) decode(r *reader, v int16) {
	m.TransactionalID = r.String()
	m.GroupID = r.String()
	m.ProducerID = r.Int64()
	m.ProducerEpoch = r.Int16()
	m.GenerationID = -1
	if v >= 3 {
		m.GenerationID = r.Int32()
		m.MemberID = r.String()
		m.GroupInstanceID = r.NullableString()
	}
	m.Topics = readArray(r, func(r *reader) (t txnOffsetCommitTopic) {
		t.Name = r.String()
		t.Partitions = readArray(r, func(r *reader) (p txnOffsetCommitPartition) {
			p.PartitionIndex = r.Int32()
			p.CommittedOffset = r.Int64()
			p.CommittedLeaderEpoch = -1
			if v >= 2 {
				p.CommittedLeaderEpoch = r.Int32()
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

type txnOffsetCommitResponse struct {
	ThrottleTimeMs int32
	Topics         []txnOffsetCommitResponseTopic
}

type txnOffsetCommitResponseTopic struct {
	Name       string
	Partitions []txnOffsetCommitResponsePartition
}

type txnOffsetCommitResponsePartition struct {
	PartitionIndex int32
	ErrorCode      int16
}

func (m *txnOffsetCommitResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Topics, func(w *writer, t txnOffsetCommitResponseTopic) {
		w.String(t.Name)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p txnOffsetCommitResponsePartition) {
			w.Int32(p.PartitionIndex)
			w.Int16(p.ErrorCode)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

// txnCommitGroupCode is what the group says of a TxnOffsetCommit:
// GROUP_ID_NOT_FOUND for a share group's id, which holds no committed
// offsets (ShareGroup.validateOffsetCommit, as for OffsetCommit),
// COORDINATOR_NOT_AVAILABLE for an id that may be one while the share
// groups are unknown (claimCode), and otherwise whether the member may
// commit.
func (b *Broker) txnCommitGroupCode(req *txnOffsetCommitRequest) int16 {
	if code := b.shares.claimCode(req.GroupID); code != codeNone {
		return code
	}
	return b.groups.checkTxnCommitMember(req.GroupID, req.GenerationID, req.MemberID, req.GroupInstanceID)
}

func (b *Broker) handleTxnOffsetCommit(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*txnOffsetCommitRequest)
	resp := &txnOffsetCommitResponse{Topics: make([]txnOffsetCommitResponseTopic, len(req.Topics))}
	// Partitions that do not exist are answered first, whatever else is
	// wrong, as KafkaApis answers them before the group coordinator sees
	// the request; the coordinator's errors go to the others (all).
	for i, t := range req.Topics {
		resp.Topics[i] = txnOffsetCommitResponseTopic{Name: t.Name, Partitions: make([]txnOffsetCommitResponsePartition, len(t.Partitions))}
		topic := b.logs.Topic(t.Name)
		for j, p := range t.Partitions {
			resp.Topics[i].Partitions[j].PartitionIndex = p.PartitionIndex
			if topic == nil || p.PartitionIndex < 0 || int(p.PartitionIndex) >= len(topic.Partitions) {
				resp.Topics[i].Partitions[j].ErrorCode = codeUnknownTopicOrPartition
			}
		}
	}
	all := func(code int16) response {
		for i := range resp.Topics {
			for j := range resp.Topics[i].Partitions {
				if pr := &resp.Topics[i].Partitions[j]; pr.ErrorCode != codeUnknownTopicOrPartition {
					pr.ErrorCode = code
				}
			}
		}
		return resp
	}
	if req.GroupID == "" {
		// Before the transaction is looked at
		// (GroupCoordinatorService.commitTransactionalOffsets).
		return all(codeInvalidGroupID)
	}
	c := b.txns
	c.mu.Lock()
	defer c.mu.Unlock()
	m, code := c.lookupForOffsets(req, rc.header.APIVersion)
	switch {
	case code != codeNone:
		return all(code)
	case m.State != txnOngoing || !slices.Contains(m.Groups, req.GroupID):
		// The leader's verification fails (the group's offsets are not
		// in the transaction): TRANSACTION_ABORTABLE to the clients of
		// KIP-890, v4 (GroupCoordinator.scala's genericError).
		if rc.header.APIVersion >= 4 {
			return all(codeTransactionAbortable)
		}
		return all(codeInvalidTxnState)
	}
	if code := b.txnCommitGroupCode(req); code != codeNone {
		return all(code)
	}
	was := slices.Clone(m.Offsets) // put back if the state file does not take them
	for i, t := range req.Topics {
		for j, p := range t.Partitions {
			pr := &resp.Topics[i].Partitions[j]
			switch {
			case pr.ErrorCode == codeUnknownTopicOrPartition:
			case offsetMetadataTooLarge(p.CommittedMetadata, int(b.cfg.OffsetMetadataMaxBytes)):
				pr.ErrorCode = codeOffsetMetadataTooLarge
			default:
				o := txnOffset{Group: req.GroupID, Topic: t.Name, Partition: p.PartitionIndex,
					Offset: p.CommittedOffset, LeaderEpoch: p.CommittedLeaderEpoch, Metadata: deref(p.CommittedMetadata)}
				// A later commit of the same partition replaces the earlier.
				if k := slices.IndexFunc(m.Offsets, func(x txnOffset) bool {
					return x.Group == o.Group && x.Topic == o.Topic && x.Partition == o.Partition
				}); k >= 0 {
					m.Offsets[k] = o
				} else {
					m.Offsets = append(m.Offsets, o)
				}
			}
		}
	}
	if err := c.save(m); err != nil {
		b.log.Error("saving transaction state", "err", err)
		m.Offsets = was
		return all(txnErrorCode(err))
	}
	return resp
}

// DescribeTransactions: v0 (DescribeTransactionsRequest.json, DescribeTransactionsResponse.json)
//
//	v0: flexible (KIP-664)
//
// What kafka-transactions.sh describe shows: each transactional id's
// state, producer id and epoch, timeout, and the partitions of its open
// transaction. An id the coordinator does not know answers
// TRANSACTIONAL_ID_NOT_FOUND. Where we differ from Kafka: a transaction's
// groups are not listed as __consumer_offsets partitions, since they have
// none here (see AddOffsetsToTxn).
type describeTransactionsRequest struct {
	TransactionalIDs []string
}

func (m *describeTransactionsRequest) decode(r *reader, v int16) {
	m.TransactionalIDs = r.Strings()
	r.SkipTags()
}

type describeTransactionsResponse struct {
	ThrottleTimeMs    int32
	TransactionStates []describedTransaction
}

type describedTransaction struct {
	ErrorCode              int16
	TransactionalID        string
	TransactionState       string
	TransactionTimeoutMs   int32
	TransactionStartTimeMs int64
	ProducerID             int64
	ProducerEpoch          int16
	Topics                 []describedTransactionTopic
}

type describedTransactionTopic struct {
	Topic      string
	Partitions []int32
}

func (m *describeTransactionsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.TransactionStates, func(w *writer, t describedTransaction) {
		w.Int16(t.ErrorCode)
		w.String(t.TransactionalID)
		w.String(t.TransactionState)
		w.Int32(t.TransactionTimeoutMs)
		w.Int64(t.TransactionStartTimeMs)
		w.Int64(t.ProducerID)
		w.Int16(t.ProducerEpoch)
		writeArrayNonNull(w, t.Topics, func(w *writer, tp describedTransactionTopic) {
			w.String(tp.Topic)
			w.Int32s(tp.Partitions)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleDescribeTransactions(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeTransactionsRequest)
	c := b.txns
	c.mu.Lock()
	defer c.mu.Unlock()
	resp := &describeTransactionsResponse{TransactionStates: make([]describedTransaction, 0, len(req.TransactionalIDs))}
	for _, id := range req.TransactionalIDs {
		m := c.byID[id]
		if m == nil {
			code := codeTransactionalIDNotFound
			if id == "" {
				code = codeInvalidRequest // TransactionCoordinator.handleDescribeTransactions
			}
			// Only the id and the error: the rest keeps the schema's
			// defaults, 0 and "", as the coordinator leaves them.
			resp.TransactionStates = append(resp.TransactionStates, describedTransaction{
				ErrorCode: code, TransactionalID: id, Topics: []describedTransactionTopic{}})
			continue
		}
		d := describedTransaction{
			TransactionalID:        id,
			TransactionState:       m.State.String(),
			TransactionTimeoutMs:   m.TimeoutMs,
			TransactionStartTimeMs: -1,
			ProducerID:             m.ProducerID,
			ProducerEpoch:          m.ProducerEpoch,
			Topics:                 []describedTransactionTopic{},
		}
		// Kafka reports the last transaction's start in every state,
		// -1 before the first and after InitProducerId
		// (TransactionMetadata.txnStartTimestamp).
		if m.StartMs != 0 {
			d.TransactionStartTimeMs = m.StartMs
		}
		for _, tp := range m.Partitions {
			i := slices.IndexFunc(d.Topics, func(t describedTransactionTopic) bool { return t.Topic == tp.Topic })
			if i < 0 {
				i = len(d.Topics)
				d.Topics = append(d.Topics, describedTransactionTopic{Topic: tp.Topic})
			}
			d.Topics[i].Partitions = append(d.Topics[i].Partitions, tp.Partition)
		}
		resp.TransactionStates = append(resp.TransactionStates, d)
	}
	return resp
}

// ListTransactions: v0-1 (ListTransactionsRequest.json, ListTransactionsResponse.json)
//
//	v0: flexible (KIP-664)
//	v1: DurationFilter, only transactions whose last start is older than
//	    that many ms, whatever their state, as Kafka compares it (KIP-994)
//
// Empty StateFilters and ProducerIdFilters match every transaction; a
// state name Kafka does not have is returned in UnknownStateFilters.
type listTransactionsRequest struct {
	StateFilters      []string
	ProducerIDFilters []int64
	DurationFilter    int64
}

func (m *listTransactionsRequest) decode(r *reader, v int16) {
	m.StateFilters = r.Strings()
	m.ProducerIDFilters = readArray(r, (*reader).Int64)
	m.DurationFilter = -1
	if v >= 1 {
		m.DurationFilter = r.Int64()
	}
	r.SkipTags()
}

type listTransactionsResponse struct {
	ThrottleTimeMs      int32
	ErrorCode           int16
	UnknownStateFilters []string
	TransactionStates   []listedTransaction
}

type listedTransaction struct {
	TransactionalID  string
	ProducerID       int64
	TransactionState string
}

func (m *listTransactionsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.Strings(m.UnknownStateFilters)
	writeArrayNonNull(w, m.TransactionStates, func(w *writer, t listedTransaction) {
		w.String(t.TransactionalID)
		w.Int64(t.ProducerID)
		w.String(t.TransactionState)
		w.Tags()
	})
	w.Tags()
}

// txnStateNames is every state name ListTransactions may filter by,
// Kafka's included where this coordinator never uses them.
var txnStateNames = []string{"Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence"}

func (b *Broker) handleListTransactions(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*listTransactionsRequest)
	resp := &listTransactionsResponse{UnknownStateFilters: []string{}, TransactionStates: []listedTransaction{}}
	for _, s := range req.StateFilters {
		if !slices.Contains(txnStateNames, s) {
			resp.UnknownStateFilters = append(resp.UnknownStateFilters, s)
		}
	}
	c := b.txns
	c.mu.Lock()
	defer c.mu.Unlock()
	now := time.Now().UnixMilli()
	for _, id := range slices.Sorted(maps.Keys(c.byID)) {
		m := c.byID[id]
		switch {
		case len(req.StateFilters) > 0 && !slices.Contains(req.StateFilters, m.State.String()):
		case len(req.ProducerIDFilters) > 0 && !slices.Contains(req.ProducerIDFilters, m.ProducerID):
		case req.DurationFilter >= 0 && now-m.StartMs <= req.DurationFilter:
			// Kafka's TransactionStateManager.listTransactionStates
			// compares the start of the last transaction whatever the
			// state, so a transaction that ended, or an id that never
			// began one, passes a filter its start is older than.
		default:
			resp.TransactionStates = append(resp.TransactionStates, listedTransaction{id, m.ProducerID, m.State.String()})
		}
	}
	return resp
}
