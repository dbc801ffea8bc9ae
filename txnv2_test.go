// Tests of transaction version 2 (txnv2.go) with raw requests: each rule of
// Kafka 4.0's coordinator for Produce v12, TxnOffsetCommit v5 and EndTxn
// v5, and the transaction.version feature.
package kafka

import (
	"math"
	"slices"
	"testing"
	"time"
)

// endTxnV5 is EndTxn v5: the code and the producer id and epoch of the
// next transaction.
func (c *testClient) endTxnV5(id string, pid int64, epoch int16, commit bool) (int16, int64, int16) {
	c.t.Helper()
	r := c.roundTrip(26, 5, true, func(w *writer) {
		w.String(id)
		w.Int64(pid)
		w.Int16(epoch)
		w.Bool(commit)
		w.Tags()
	})
	r.Int32()
	code, nextPID, nextEpoch := r.Int16(), r.Int64(), r.Int16()
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code, nextPID, nextEpoch
}

// txnCommitOffsetAt is TxnOffsetCommit at version v (3 or more) of one
// partition, outside group membership.
func (c *testClient) txnCommitOffsetAt(v int16, id, group string, pid int64, epoch int16, topic string, partition int32, offset int64) int16 {
	c.t.Helper()
	r := c.roundTrip(28, v, true, txnOffsetCommitBody(id, group, pid, epoch, -1, "", topic, partition, offset, nil))
	code := readFirstPartitionCode(r)
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return code
}

// TestProduceV12AddsPartition: a transactional Produce v12 adds its
// partition to the transaction, beginning it, with no AddPartitionsToTxn
// (AddPartitionsToTxnManager: ADD_PARTITION from v12); v11 still only
// verifies, and a partition not added is TRANSACTION_ABORTABLE.
func TestProduceV12AddsPartition(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 2)
	_, pid, epoch := c.initTxn("app", 60000)
	if code := c.produceTxnAt(11, "app", "tx", 1, txnBatch(pid, epoch, 0, 1)); code != codeTransactionAbortable {
		t.Errorf("Produce v11 to a partition not added: %d, want TRANSACTION_ABORTABLE", code)
	}
	if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(pid, epoch, 0, 2)); code != codeNone {
		t.Fatalf("Produce v12 to a partition not added: %d, want NONE", code)
	}
	// A second batch to the partition, already in the transaction.
	if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(pid, epoch, 2, 1)); code != codeNone {
		t.Fatalf("second Produce v12: %d", code)
	}
	tb.txns.mu.Lock()
	m := tb.txns.byID["app"]
	state, parts := m.State, slices.Clone(m.Partitions)
	tb.txns.mu.Unlock()
	if state != txnOngoing || !slices.Equal(parts, []txnPartition{{"tx", 0}}) {
		t.Errorf("after Produce v12: %v %v, want Ongoing with tx-0", state, parts)
	}
	if f := c.fetchIsolated("tx", 0, 0, readCommitted); f.lso != 0 || f.hw != 3 {
		t.Errorf("open transaction: lso %d hw %d, want 0 and 3", f.lso, f.hw)
	}
	// Only the producer's current epoch and id add anything.
	if code := c.produceTxnAt(12, "app", "tx", 1, txnBatch(pid, epoch+1, 0, 1)); code != codeInvalidProducerEpoch {
		t.Errorf("Produce v12 of another epoch: %d, want INVALID_PRODUCER_EPOCH", code)
	}
	if code := c.produceTxnAt(12, "app", "tx", 1, txnBatch(pid+100, 0, 0, 1)); code != codeInvalidProducerIDMapping {
		t.Errorf("Produce v12 of another producer id: %d, want INVALID_PRODUCER_ID_MAPPING", code)
	}
	if code := c.produceTxnAt(12, "nobody", "tx", 1, txnBatch(pid, epoch, 0, 1)); code != codeInvalidProducerIDMapping {
		t.Errorf("Produce v12 of an unknown transactional id: %d, want INVALID_PRODUCER_ID_MAPPING", code)
	}
	tb.txns.mu.Lock()
	parts = slices.Clone(tb.txns.byID["app"].Partitions)
	tb.txns.mu.Unlock()
	if len(parts) != 1 {
		t.Errorf("refused batches added partitions: %v", parts)
	}
	code, nextPID, nextEpoch := c.endTxnV5("app", pid, epoch, true)
	if code != codeNone || nextPID != pid || nextEpoch != epoch+1 {
		t.Fatalf("EndTxn v5: %d %d %d, want NONE %d %d", code, nextPID, nextEpoch, pid, epoch+1)
	}
	f := c.fetchIsolated("tx", 0, 0, readCommitted)
	if f.lso != 4 || len(f.aborted) != 0 {
		t.Errorf("after the commit: lso %d aborted %v, want 4 and none", f.lso, f.aborted)
	}
	hs, _ := batchesOf(t, f.records)
	if last := hs[len(hs)-1]; !last.isControl() || last.ProducerEpoch != epoch+1 {
		t.Errorf("the marker: control %v epoch %d, want the bumped epoch %d", last.isControl(), last.ProducerEpoch, epoch+1)
	}
}

// TestEndTxnV5BumpsEpoch: every EndTxn v5 bumps the epoch, so the ended
// transaction's zombie batches are refused, and the retries of Kafka's
// table (TransactionCoordinator.endTransaction) are answered as it does.
func TestEndTxnV5BumpsEpoch(t *testing.T) {
	_, c := startWithTopic(t, "tx", 1)
	_, pid, e := c.initTxn("app", 60000)
	if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(pid, e, 0, 1)); code != codeNone {
		t.Fatal(code)
	}
	if code, _, next := c.endTxnV5("app", pid, e, true); code != codeNone || next != e+1 {
		t.Fatalf("commit: %d %d", code, next)
	}
	if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(pid, e, 1, 1)); code != codeInvalidProducerEpoch {
		t.Errorf("a batch of the ended epoch: %d, want INVALID_PRODUCER_EPOCH", code)
	}
	for _, tc := range []struct {
		name      string
		epoch     int16
		commit    bool
		want      int16
		wantEpoch int16
	}{
		{"retried commit", e, true, codeNone, e + 1},
		{"retried as an abort", e, false, codeInvalidTxnState, -1},
		{"commit of the current epoch", e + 1, true, codeInvalidTxnState, -1},
		{"an epoch two back", e - 1, true, codeProducerFenced, -1},
		{"an epoch ahead", e + 2, true, codeProducerFenced, -1},
	} {
		code, _, got := c.endTxnV5("app", pid, tc.epoch, tc.commit)
		if code != tc.want || got != tc.wantEpoch {
			t.Errorf("%s: %d epoch %d, want %d epoch %d", tc.name, code, got, tc.want, tc.wantEpoch)
		}
	}
	if code, _, _ := c.endTxnV5("app", pid+1, e+1, true); code != codeInvalidProducerIDMapping {
		t.Errorf("another producer id: %d, want INVALID_PRODUCER_ID_MAPPING", code)
	}
	// An abort with no transaction open bumps the epoch all the same
	// (franz-go sends one when every produce of a transaction failed); its
	// retry is answered with the epoch it gave.
	if code, _, next := c.endTxnV5("app", pid, e+1, false); code != codeNone || next != e+2 {
		t.Errorf("abort in CompleteCommit: %d %d, want NONE %d", code, next, e+2)
	}
	if code, _, next := c.endTxnV5("app", pid, e+1, false); code != codeNone || next != e+2 {
		t.Errorf("retried abort: %d %d, want NONE %d", code, next, e+2)
	}
	if code, _, next := c.endTxnV5("app", pid, e+2, false); code != codeNone || next != e+3 {
		t.Errorf("abort in CompleteAbort: %d %d, want NONE %d", code, next, e+3)
	}
	// Empty, after InitProducerId: an abort of the current epoch bumps, a
	// commit is INVALID_TXN_STATE, and the epoch before is fenced.
	_, _, e = c.initTxnAs("app", 60000, pid, e+3)
	if _, start := c.describeTxnStart("app"); start != -1 {
		t.Errorf("start after InitProducerId: %d, want -1", start)
	}
	if code, _, _ := c.endTxnV5("app", pid, e, true); code != codeInvalidTxnState {
		t.Errorf("commit in Empty: %d, want INVALID_TXN_STATE", code)
	}
	if code, _, _ := c.endTxnV5("app", pid, e-1, false); code != codeProducerFenced {
		t.Errorf("abort of the epoch before in Empty: %d, want PRODUCER_FENCED", code)
	}
	if code, _, next := c.endTxnV5("app", pid, e, false); code != codeNone || next != e+1 {
		t.Errorf("abort in Empty: %d %d, want NONE %d", code, next, e+1)
	}
	// It began and ended at once (prepareAbortOrCommit, noPartitionAdded).
	if _, start := c.describeTxnStart("app"); start <= 0 {
		t.Errorf("start after an abort in Empty: %d, want the abort's time", start)
	}
	// The next transaction runs at the bumped epoch, from sequence 0.
	if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(pid, e+1, 0, 1)); code != codeNone {
		t.Errorf("a batch of the new epoch: %d", code)
	}
	if code, _, next := c.endTxnV5("app", pid, e+1, false); code != codeNone || next != e+2 {
		t.Errorf("abort of the new transaction: %d %d", code, next)
	}
	if f := c.fetchIsolated("tx", 0, 0, readCommitted); f.lso != f.hw || len(f.aborted) != 1 {
		t.Errorf("after the abort: lso %d hw %d aborted %v, want one aborted", f.lso, f.hw, f.aborted)
	}
}

// setEpoch gives transactional id id's producer epoch epoch, under the
// locks a produce and the coordinator read it under.
func setEpoch(tb *testBroker, id string, epoch int16) {
	tb.txns.mu.Lock()
	defer tb.txns.mu.Unlock()
	m := tb.txns.byID[id]
	m.produceMu.Lock()
	defer m.produceMu.Unlock()
	m.ProducerEpoch = epoch
}

// TestEndTxnV5ExhaustedEpoch: at the last epoch, EndTxn v5 writes markers
// of math.MaxInt16 and hands back a new producer id at epoch 0; a retry
// naming the old id at the last epoch gets the new one
// (TransactionCoordinator.endTransaction's retryOnOverflow).
func TestEndTxnV5ExhaustedEpoch(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "tx", 1)
	_, pid, _ := c.initTxn("app", 60000)
	setEpoch(tb, "app", lastProducerEpoch)
	if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(pid, lastProducerEpoch, 0, 1)); code != codeNone {
		t.Fatal(code)
	}
	code, next, nextEpoch := c.endTxnV5("app", pid, lastProducerEpoch, true)
	if code != codeNone || next == pid || next < 0 || nextEpoch != 0 {
		t.Fatalf("EndTxn v5 at the last epoch: %d %d %d, want a new producer id at 0", code, next, nextEpoch)
	}
	f := c.fetchIsolated("tx", 0, 0, readCommitted)
	hs, _ := batchesOf(t, f.records)
	if m := hs[len(hs)-1]; !m.isControl() || m.ProducerID != pid || m.ProducerEpoch != math.MaxInt16 || f.lso != 2 {
		t.Errorf("marker: control %v producer %d epoch %d lso %d, want %d %d 2", m.isControl(), m.ProducerID, m.ProducerEpoch, f.lso, pid, math.MaxInt16)
	}
	if code, again, againEpoch := c.endTxnV5("app", pid, lastProducerEpoch, true); code != codeNone || again != next || againEpoch != 0 {
		t.Errorf("retry: %d %d %d, want NONE %d 0", code, again, againEpoch, next)
	}
	c.txnIDs[next] = "app"
	if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(next, 0, 0, 1)); code != codeNone {
		t.Errorf("the new producer id's first batch: %d", code)
	}
	// The move survives a restart.
	tb.stop()
	tb = startBroker(t, dir)
	tb.txns.mu.Lock()
	m := tb.txns.byID["app"]
	gotPID, gotState, gotParts := m.ProducerID, m.State, slices.Clone(m.Partitions)
	tb.txns.mu.Unlock()
	if gotPID != next || gotState != txnOngoing || !slices.Equal(gotParts, []txnPartition{{"tx", 0}}) {
		t.Errorf("after a restart: producer %d state %v partitions %v, want %d Ongoing with tx-0 (the open one kept)", gotPID, gotState, gotParts, next)
	}
}

// TestEndTxnV5RestartMovesProducer: an EndTxn v5 at the last epoch whose
// markers a restart finishes moves the id on to the new producer id too:
// the Prepare state keeps it (TransactionMetadata.nextProducerId).
func TestEndTxnV5RestartMovesProducer(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "tx", 1)
	_, pid, _ := c.initTxn("app", 60000)
	setEpoch(tb, "app", lastProducerEpoch)
	tb.txns.mu.Lock()
	m := tb.txns.byID["app"]
	tb.txns.mu.Unlock()
	if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(pid, lastProducerEpoch, 0, 1)); code != codeNone {
		t.Fatal(code)
	}
	next := int64(9999)
	tb.txns.mu.Lock()
	m.produceMu.Lock()
	m.State, m.ProducerEpoch, m.NextProducerID = txnPrepareCommit, math.MaxInt16, &next
	err := tb.txns.save(m)
	m.produceMu.Unlock()
	tb.txns.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	tb.stop()
	tb = startBroker(t, dir)
	tb.txns.mu.Lock()
	m = tb.txns.byID["app"]
	state, gotPID, gotEpoch, previous, nextLeft := m.State, m.ProducerID, m.ProducerEpoch, m.PreviousProducerID, m.NextProducerID
	tb.txns.mu.Unlock()
	if state != txnCompleteCommit || gotPID != next || gotEpoch != 0 || previous != pid || nextLeft != nil {
		t.Errorf("after the restart: %v producer %d epoch %d previous %d next %v, want CompleteCommit %d 0 %d nil",
			state, gotPID, gotEpoch, previous, nextLeft, next, pid)
	}
}

// TestTxnOffsetCommitV5AddsGroup: a TxnOffsetCommit v5 adds its group to
// the transaction, beginning it, with no AddOffsetsToTxn
// (txnOffsetCommitRequestVersionToTransactionSupportedOperation); v4
// still needs the group added. The offset applies at the commit.
func TestTxnOffsetCommitV5AddsGroup(t *testing.T) {
	_, c := startWithTopic(t, "in", 1)
	_, pid, epoch := c.initTxn("etl", 60000)
	if code := c.txnCommitOffsetAt(4, "etl", "g", pid, epoch, "in", 0, 7); code != codeTransactionAbortable {
		t.Errorf("v4 of a group not added: %d, want TRANSACTION_ABORTABLE", code)
	}
	if code := c.txnCommitOffsetAt(5, "etl", "g", pid, epoch, "in", 0, 7); code != codeNone {
		t.Fatalf("v5 of a group not added: %d, want NONE", code)
	}
	if code := c.txnCommitOffsetAt(5, "etl", "g", pid, epoch+1, "in", 0, 8); code != codeInvalidProducerEpoch {
		t.Errorf("v5 of another epoch: %d, want INVALID_PRODUCER_EPOCH", code)
	}
	// Pending in the open transaction: RequireStable is told to wait.
	if code, _ := c.fetchStableOffset("g", "in", 0); code != codeUnstableOffsetCommit {
		t.Errorf("before the commit: %d, want UNSTABLE_OFFSET_COMMIT", code)
	}
	if code, _, _ := c.endTxnV5("etl", pid, epoch, true); code != codeNone {
		t.Fatal(code)
	}
	if code, off := c.fetchStableOffset("g", "in", 0); code != codeNone || off != 7 {
		t.Errorf("after the commit: %d %d, want 7", code, off)
	}
}

// TestApiVersionsTransactionVersion: ApiVersions advertises
// transaction.version supported 0-2 and finalized at 2, as a new Kafka 4.0
// cluster; UpdateFeatures moves it within 0-2, keeps it across a restart,
// and a level of 0 leaves it out of the finalized features.
func TestApiVersionsTransactionVersion(t *testing.T) {
	dir := t.TempDir()
	tb := startBroker(t, dir)
	// The answer's transaction.version entries; features_test.go checks
	// the others.
	features := func(tb *testBroker) *apiVersionsResponse {
		resp := serve(t, tb.Broker, 18, 3, &apiVersionsRequest{ClientSoftwareName: "t", ClientSoftwareVersion: "1"}).(*apiVersionsResponse)
		resp.SupportedFeatures = slices.DeleteFunc(slices.Clone(resp.SupportedFeatures), func(f supportedFeatureKey) bool { return f.Name != transactionVersionFeature })
		resp.FinalizedFeatures = slices.DeleteFunc(resp.FinalizedFeatures, func(f finalizedFeatureKey) bool { return f.Name != transactionVersionFeature })
		if len(resp.FinalizedFeatures) == 0 {
			resp.FinalizedFeatures = nil
		}
		return resp
	}
	got := features(tb)
	if !slices.Equal(got.SupportedFeatures, []supportedFeatureKey{{"transaction.version", 0, 2}}) ||
		!slices.Equal(got.FinalizedFeatures, []finalizedFeatureKey{{"transaction.version", 2, 2}}) || got.FinalizedFeaturesEpoch != 0 {
		t.Errorf("new broker: %+v %+v epoch %d", got.SupportedFeatures, got.FinalizedFeatures, got.FinalizedFeaturesEpoch)
	}
	update := func(level int16, typ int8, validateOnly bool) *updateFeaturesResponse {
		return serve(t, tb.Broker, 57, 1, &updateFeaturesRequest{ValidateOnly: validateOnly,
			FeatureUpdates: []featureUpdate{{Feature: "transaction.version", MaxVersionLevel: level, UpgradeType: typ}}}).(*updateFeaturesResponse)
	}
	if r := update(1, upgradeTypeUpgrade, false); r.ErrorCode != codeInvalidUpdateVersion {
		t.Errorf("downgrade asked as an upgrade: %+v", r)
	}
	if r := update(3, upgradeTypeUpgrade, false); r.ErrorCode != codeInvalidUpdateVersion ||
		*r.ErrorMessage != "The update failed for all features since the following feature had an error: Invalid update version 3 for feature transaction.version. Local controller 0 only supports versions SupportedVersionRange[min_version:0, max_version:2]" {
		t.Errorf("level 3: %+v %q", r, *r.ErrorMessage)
	}
	if r := update(0, upgradeTypeSafeDowngrade, true); r.ErrorCode != codeNone || features(tb).FinalizedFeatures == nil {
		t.Errorf("validate only: %+v changed the level", r)
	}
	if r := update(1, upgradeTypeSafeDowngrade, false); r.ErrorCode != codeNone {
		t.Errorf("safe downgrade to 1: %+v", r)
	}
	if got := features(tb); !slices.Equal(got.FinalizedFeatures, []finalizedFeatureKey{{"transaction.version", 1, 1}}) || got.FinalizedFeaturesEpoch != 1 {
		t.Errorf("after the downgrade: %+v epoch %d", got.FinalizedFeatures, got.FinalizedFeaturesEpoch)
	}
	if r := update(0, upgradeTypeUnsafeDowngrade, false); r.ErrorCode != codeNone {
		t.Errorf("downgrade to 0: %+v", r)
	}
	tb.stop()
	tb = startBroker(t, dir)
	if got := features(tb); got.FinalizedFeatures != nil || got.FinalizedFeaturesEpoch != 2 || len(got.SupportedFeatures) != 1 {
		t.Errorf("level 0 after a restart: %+v epoch %d", got.FinalizedFeatures, got.FinalizedFeaturesEpoch)
	}
	if r := update(2, upgradeTypeUpgrade, false); r.ErrorCode != codeNone {
		t.Errorf("upgrade to 2: %+v", r)
	}
	if got := features(tb); !slices.Equal(got.FinalizedFeatures, []finalizedFeatureKey{{"transaction.version", 2, 2}}) {
		t.Errorf("after the upgrade: %+v", got.FinalizedFeatures)
	}
}

// TestTxnTimeoutVersion2: with transaction.version 2 finalized, a
// transaction that times out is aborted with the epoch bumped twice (the
// fence, then the abort's bump of version 2), so the producer's EndTxn v5
// at its old epoch is PRODUCER_FENCED; with one bump, at level 1, it
// would pass for a retry of an abort that had bumped it, and be answered
// NONE (TransactionCoordinator.abortTimedOutTransactions, endTransaction).
func TestTxnTimeoutVersion2(t *testing.T) {
	for level, want := range map[int16]int16{1: codeNone, 2: codeProducerFenced} {
		tb, c := startWithTopicUsing(t, Config{DataDir: t.TempDir(), TransactionAbortCheckInterval: 10 * time.Millisecond}, "tx", 1)
		if err := tb.features.setTransactionVersion(level); err != nil {
			t.Fatal(err)
		}
		_, pid, epoch := c.initTxn("app", 100)
		if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(pid, epoch, 0, 1)); code != codeNone {
			t.Fatal(code)
		}
		deadline := time.Now().Add(10 * time.Second)
		for c.fetchIsolated("tx", 0, 0, readCommitted).lso != 2 {
			if time.Now().After(deadline) {
				t.Fatal("transaction not aborted after 10s")
			}
			time.Sleep(20 * time.Millisecond)
		}
		if code, _, _ := c.endTxnV5("app", pid, epoch, false); code != want {
			t.Errorf("transaction.version %d: EndTxn v5 abort at the timed-out epoch: %d, want %d", level, code, want)
		}
		if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(pid, epoch, 1, 1)); code != codeInvalidProducerEpoch {
			t.Errorf("transaction.version %d: a batch of the timed-out epoch: %d, want INVALID_PRODUCER_EPOCH", level, code)
		}
	}
}

// TestTxnV2WhileMarkersPending: while an end's markers are still being
// written (a Prepare state), a Produce v12 that would add a partition is
// NOT_ENOUGH_REPLICAS, which producers retry (ReplicaManager turns the
// coordinator's CONCURRENT_TRANSACTIONS into it), and an EndTxn v5 retry
// is CONCURRENT_TRANSACTIONS for the same outcome, INVALID_TXN_STATE for
// the other.
func TestTxnV2WhileMarkersPending(t *testing.T) {
	tb, c := startWithTopic(t, "tx", 2)
	_, pid, epoch := c.initTxn("app", 60000)
	if code := c.produceTxnAt(12, "app", "tx", 0, txnBatch(pid, epoch, 0, 1)); code != codeNone {
		t.Fatal(code)
	}
	tb.txns.mu.Lock()
	m := tb.txns.byID["app"]
	m.produceMu.Lock()
	m.State, m.ProducerEpoch = txnPrepareCommit, epoch+1
	m.produceMu.Unlock()
	tb.txns.mu.Unlock()
	if code := c.produceTxnAt(12, "app", "tx", 1, txnBatch(pid, epoch+1, 0, 1)); code != codeNotEnoughReplicas {
		t.Errorf("Produce v12 while markers are pending: %d, want NOT_ENOUGH_REPLICAS", code)
	}
	if code, _, _ := c.endTxnV5("app", pid, epoch, true); code != codeConcurrentTransactions {
		t.Errorf("EndTxn v5 commit retried while its markers are pending: %d, want CONCURRENT_TRANSACTIONS", code)
	}
	if code, _, _ := c.endTxnV5("app", pid, epoch, false); code != codeInvalidTxnState {
		t.Errorf("EndTxn v5 abort while commit markers are pending: %d, want INVALID_TXN_STATE", code)
	}
	if code, _, _ := c.endTxnV5("app", pid, epoch+1, true); code != codeProducerFenced {
		t.Errorf("EndTxn v5 of the pending epoch itself: %d, want PRODUCER_FENCED", code)
	}
}
