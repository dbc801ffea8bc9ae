// This file is transaction version 2 (KIP-890 part 2, "transactions
// server-side defense"), as Kafka 4.0 serves it: what changes in the
// coordinator of txn.go when a producer uses Produce v12, TxnOffsetCommit
// v5 and EndTxn v5, and the transaction.version feature that tells clients
// they may.
//
// Place in the book: Part III, after txn.go, whose coordinator, txnMeta and
// end it assumes.
//
// A transaction, as a client of version 2 sees it:
//
//	InitProducerId(transactional.id)   -> producer id 7, epoch 3
//	Produce v12(orders-0, epoch 3)        orders-0 joins the transaction
//	                                      (no AddPartitionsToTxn)
//	TxnOffsetCommit v5(g, input-0 = 42)   g joins (no AddOffsetsToTxn)
//	EndTxn v5(commit, epoch 3)            markers of epoch 4
//	                                   -> producer id 7, epoch 4
//	Produce v12(orders-0, epoch 4)        the next transaction
//
// Three things change, each tied to a request version, as Kafka ties them
// (AddPartitionsToTxnManager.produceRequestVersionToTransactionSupportedOperation,
// txnOffsetCommitRequestVersionToTransactionSupportedOperation,
// TransactionVersion.transactionVersionForEndTxn):
//
//   - A transactional Produce from v12 adds its partition to the
//     producer's transaction, beginning one if none is open, where older
//     versions must name it first with AddPartitionsToTxn (joinFromProduce).
//     Kafka's leader asks the coordinator with an AddPartitionsToTxn of its
//     own; here the coordinator is in the same process.
//   - TxnOffsetCommit from v5 adds its group the same way (joinGroup).
//   - EndTxn from v5 bumps the producer's epoch at every end, commit or
//     abort; the markers carry the new epoch, and the response names the
//     producer id and epoch of the next transaction (endTxnV2). A batch of
//     the old epoch, a zombie of the ended transaction, is refused with
//     INVALID_PRODUCER_EPOCH instead of slipping into the next one. At an
//     exhausted epoch the id moves to a new producer id at epoch 0, and
//     EndTxn returns it, where version 0 and 1 wait for the next
//     InitProducerId.
//
// The transaction.version feature (KIP-584, KIP-1022) is what clients read
// to choose: ApiVersions advertises it as supported at levels 0 to 2 and
// finalized at 2, as on a new Kafka 4.0 cluster. franz-go and the Java
// client use the version 2 requests only when it is finalized at 2;
// UpdateFeatures may set it to 0, 1 or 2 (kept in the data dir's
// finalized-features.json), and clients then follow. The coordinator
// itself follows the request versions, whatever the level, as Kafka's
// does.
//
// The finalized level matters to the coordinator in one place, as in
// Kafka: a transaction it aborts by itself, at a timeout or for an
// InitProducerId that fences its producer, ends as the level says
// (fenceEpoch).

package kafka

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// The first request versions of transaction version 2.
const (
	firstTV2ProduceVersion         = 12
	firstTV2TxnOffsetCommitVersion = 5
	firstTV2EndTxnVersion          = 5
)

// endTxnV2 is EndTxn from v5, TransactionCoordinator.endTransaction for a
// client of transaction version 2. Callers hold mu.
//
// Since every end bumps the epoch, a request of the current epoch is the
// next end, and a retry of one whose answer was lost names the epoch
// before it. Kafka's table of the states a transaction rests in (EB: the
// epoch is bumped and the answer is NONE; NONE: answered at once with the
// current id and epoch):
//
//	                  abort           commit
//	                  retry  current  retry  current
//	Empty             FENCED  EB      FENCED  INVALID_TXN_STATE
//	CompleteAbort     NONE    EB      ITS     ITS
//	CompleteCommit    ITS     EB      NONE    ITS
//
// An abort with nothing to abort still bumps the epoch: franz-go sends one
// when every produce of a transaction failed, since a Produce v12 may have
// begun a transaction before it failed. Ongoing takes the current epoch
// only; Prepare* (markers still being written) only a retry, answered
// CONCURRENT_TRANSACTIONS for the same outcome.
func (c *txnCoordinator) endTxnV2(req *endTxnRequest) *endTxnResponse {
	fail := func(code int16) *endTxnResponse {
		return &endTxnResponse{ErrorCode: code, ProducerID: -1, ProducerEpoch: -1}
	}
	m := c.byID[req.TransactionalID]
	switch {
	case req.TransactionalID == "":
		return fail(codeInvalidRequest)
	case m == nil:
		return fail(codeInvalidProducerIDMapping)
	}
	// A retry of the end that moved the id to a new producer id names the
	// old id at the last epoch.
	retryOnOverflow := m.PreviousProducerID == req.ProducerID && req.ProducerEpoch == lastProducerEpoch && m.ProducerEpoch == 0
	retryOnBump := int(m.ProducerEpoch) == int(req.ProducerEpoch)+1
	isRetry := retryOnBump || retryOnOverflow
	var validEpoch bool
	switch m.State {
	case txnOngoing, txnEmpty:
		validEpoch = req.ProducerEpoch == m.ProducerEpoch
	case txnPrepareCommit, txnPrepareAbort:
		validEpoch = retryOnBump
	default:
		validEpoch = isRetry || req.ProducerEpoch == m.ProducerEpoch
	}
	switch {
	case m.ProducerID != req.ProducerID && !retryOnOverflow:
		return fail(codeInvalidProducerIDMapping)
	case !validEpoch:
		return fail(codeProducerFenced)
	}
	m.UpdateMs = time.Now().UnixMilli()
	commit := req.Committed
	switch m.State {
	case txnPrepareCommit, txnPrepareAbort:
		if (m.State == txnPrepareCommit) != commit {
			return fail(codeInvalidTxnState)
		}
		return fail(codeConcurrentTransactions)
	case txnCompleteCommit, txnCompleteAbort:
		committed := m.State == txnCompleteCommit
		switch {
		case isRetry && committed == commit:
			return &endTxnResponse{ProducerID: m.ProducerID, ProducerEpoch: m.ProducerEpoch}
		case isRetry || commit:
			return fail(codeInvalidTxnState)
		}
	case txnEmpty:
		if commit {
			return fail(codeInvalidTxnState)
		}
	}
	m.produceMu.Lock()
	defer m.produceMu.Unlock()
	if err := c.endBumping(m, commit); err != nil {
		c.b.log.Error("ending a transaction", "transactional.id", m.ID, "err", err)
		if !errors.Is(err, errTxnStateNotSaved) && !errors.Is(err, errTxnMarkers) {
			return fail(producerIDErrorCode(err)) // a new producer id
		}
		return fail(txnErrorCode(err))
	}
	return &endTxnResponse{ProducerID: m.ProducerID, ProducerEpoch: m.ProducerEpoch}
}

// endBumping ends m's transaction (or, if none is open, only moves it to
// CompleteAbort) with markers of the next epoch, which becomes the
// producer's (TransactionMetadata.prepareAbortOrCommit with epoch bump).
// At an exhausted epoch the markers take math.MaxInt16 and the id moves
// on to a new producer id at epoch 0 once they are written
// (moveToNextProducer). Callers hold mu and m.produceMu.
func (c *txnCoordinator) endBumping(m *txnMeta, commit bool) error {
	if m.ProducerEpoch >= lastProducerEpoch {
		pid, err := c.b.producerIDs.Next()
		if err != nil {
			return err
		}
		m.NextProducerID = &pid
	}
	wasLast, wasStart := m.LastProducerEpoch, m.StartMs
	m.LastProducerEpoch = m.ProducerEpoch
	if m.State != txnOngoing {
		// An abort with nothing open starts and ends at once
		// (prepareAbortOrCommit with noPartitionAdded).
		m.StartMs = time.Now().UnixMilli()
	}
	err := c.end(m, commit, m.ProducerEpoch+1)
	if errors.Is(err, errTxnStateNotSaved) {
		// Not decided: nothing of the bump stays.
		m.NextProducerID, m.LastProducerEpoch, m.StartMs = nil, wasLast, wasStart
	}
	return err
}

// moveToNextProducer moves m to its NextProducerID, if an end of
// transaction version 2 at an exhausted epoch set one: the id it leaves is
// kept as the previous one, with the last epoch the client saw, for a
// retry of that EndTxn (TransactionMetadata.prepareComplete). Callers hold
// mu and m.produceMu, or are opening the coordinator.
func (c *txnCoordinator) moveToNextProducer(m *txnMeta) {
	if m.NextProducerID == nil {
		return
	}
	c.setProducer(m.ProducerID, nil)
	m.PreviousProducerID = m.ProducerID
	m.ProducerID, m.ProducerEpoch, m.LastProducerEpoch = *m.NextProducerID, 0, lastProducerEpoch
	m.NextProducerID = nil
	c.setProducer(m.ProducerID, m)
}

// fenceEpoch is the epoch of the markers that abort m's transaction when
// the coordinator fences its producer (a timeout, or an InitProducerId of a
// new instance), and the last epoch to keep. Kafka's coordinator ends such
// a transaction at the finalized transaction.version
// (TransactionCoordinator.abortTimedOutTransactions and handleInitProducerId
// pass transactionVersionLevel): below 2 the fenced epoch, one above the
// producer's, with none kept before it; at 2 the abort bumps that epoch
// once more and keeps the fenced one as the last
// (TransactionMetadata.prepareAbortOrCommit). So an EndTxn v5 that the
// timed-out producer sends at its old epoch is not taken for a retry of
// an end that bumped it once: it is PRODUCER_FENCED. At the last epoch the
// second bump would overflow, and is not made.
func (c *txnCoordinator) fenceEpoch(m *txnMeta) (epoch, last int16) {
	fenced := m.ProducerEpoch + 1
	if c.b.features.transactionVersion() >= maxTransactionVersion && fenced < math.MaxInt16 {
		return fenced + 1, fenced
	}
	return fenced, -1
}

// joinFromProduce adds topic-partition tp to the transaction of the
// producer of batch h, for a Produce from v12, and returns the
// transactional id's state with its produceMu held, so that checkProduce
// and the append follow with the partition still in the transaction. The
// producer's id and epoch are left to checkProduce to judge: only a batch
// of the current producer and epoch adds anything. Where Kafka's leader
// gets CONCURRENT_TRANSACTIONS or NOT_COORDINATOR from the coordinator it
// answers NOT_ENOUGH_REPLICAS, which every producer retries without
// looking the leader up again (ReplicaManager's postVerificationCallback),
// and so does this.
//
// A batch to a partition already in the transaction takes only the
// transactional id's produceMu, as a Produce below v12 does; the first one
// to a partition also takes the coordinator's mu, to change the
// transaction.
func (c *txnCoordinator) joinFromProduce(transactionalID string, h *batchHeader, tp txnPartition) (*txnMeta, int16, string) {
	if m := c.lockProducer(h.ProducerID); m != nil {
		if m.ID == transactionalID && m.ProducerID == h.ProducerID && m.ProducerEpoch == h.ProducerEpoch &&
			m.State == txnOngoing && slices.Contains(m.Partitions, tp) {
			return m, codeNone, ""
		}
		m.produceMu.Unlock()
	}
	return c.joinFromProduceSlow(transactionalID, h, tp)
}

// joinFromProduceSlow is joinFromProduce under mu, which may change the
// transaction.
func (c *txnCoordinator) joinFromProduceSlow(transactionalID string, h *batchHeader, tp txnPartition) (*txnMeta, int16, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.byID[transactionalID]
	if m == nil {
		return nil, codeInvalidProducerIDMapping, fmt.Sprintf("transactional id %q has no producer", transactionalID)
	}
	m.produceMu.Lock()
	if m.ProducerID != h.ProducerID || m.ProducerEpoch != h.ProducerEpoch {
		return m, codeNone, ""
	}
	retriable := func(underlying string) (*txnMeta, int16, string) {
		m.produceMu.Unlock()
		return nil, codeNotEnoughReplicas, "Unable to verify the partition has been added to the transaction. Underlying error: " + underlying
	}
	switch {
	case m.State == txnPrepareCommit || m.State == txnPrepareAbort:
		return retriable("CONCURRENT_TRANSACTIONS")
	case m.State == txnOngoing && slices.Contains(m.Partitions, tp):
		m.UpdateMs = time.Now().UnixMilli()
		return m, codeNone, ""
	}
	err := c.change(m, func() {
		c.begin(m)
		m.Partitions = append(m.Partitions, tp)
		m.UpdateMs = time.Now().UnixMilli()
	})
	if err != nil {
		c.b.log.Error("saving transaction state", "err", err)
		return retriable("NOT_COORDINATOR")
	}
	return m, codeNone, ""
}

// lookupForOffsets is lookup for a TxnOffsetCommit of version v, which from
// v5 also adds the request's group to the transaction (joinGroup). No
// version of TxnOffsetCommit gained PRODUCER_FENCED. Callers hold mu.
func (c *txnCoordinator) lookupForOffsets(req *txnOffsetCommitRequest, v int16) (*txnMeta, int16) {
	m, code := c.lookup(req.TransactionalID, req.ProducerID, req.ProducerEpoch, v, math.MaxInt16)
	if code == codeNone && v >= firstTV2TxnOffsetCommitVersion {
		code = c.joinGroup(m, req.GroupID)
	}
	return m, code
}

// joinGroup adds group to m's transaction, beginning one if none is open,
// for a TxnOffsetCommit from v5, as AddOffsetsToTxn would. It answers the
// code to give every partition of the request, or codeNone. Callers hold
// mu; m is the request's, found by lookup, so it is not in a Prepare
// state.
func (c *txnCoordinator) joinGroup(m *txnMeta, group string) int16 {
	if m.State == txnOngoing && slices.Contains(m.Groups, group) {
		return codeNone
	}
	m.produceMu.Lock()
	defer m.produceMu.Unlock()
	err := c.change(m, func() {
		c.begin(m)
		m.Groups = append(m.Groups, group)
	})
	if err != nil {
		c.b.log.Error("saving transaction state", "err", err)
		return txnErrorCode(err)
	}
	return codeNone
}

// The transaction.version feature (features.go holds it with the others).

const (
	transactionVersionFeature = "transaction.version"
	// maxTransactionVersion is the highest level served, and the one a new
	// broker finalizes (TransactionVersion.LATEST_PRODUCTION in 4.0).
	maxTransactionVersion int16 = 2
)
