// This file is WriteTxnMarkers, the request that writes the marker ending
// a producer's transaction into partitions, as an operator sends it to
// abort a hanging transaction. It is in Part III, exactly once, after
// txn.go, whose markers (markerBatch, appendMarker) and producer states
// (producers.go) it reuses.
//
// In Kafka the transaction coordinator sends WriteTxnMarkers to each
// partition leader when a transaction ends. Here the coordinator and every
// partition are in one process, so txn.go's end appends its markers
// directly and never sends this request. What still sends it is
// Admin.abortTransaction, behind
//
//	kafka-transactions.sh abort --topic orders --partition 0 --start-offset 42
//
// which an operator runs on a hanging transaction: one open in a
// partition that no coordinator will ever end (find-hanging lists them,
// from DescribeProducers). The tool reads the producer's id, epoch and
// coordinator epoch from DescribeProducers and sends one marker, ABORT,
// for that one partition, to its leader:
//
//	C: DescribeProducers orders-0     S: producer 7, epoch 0, coordinator
//	                                     epoch -1, transaction open at 42
//	C: WriteTxnMarkers [7, epoch 0,   S: orders-0 NONE; the ABORT marker is
//	   ABORT, coordinator epoch 0,       at the log end, the LSO moves past
//	   orders-0]                         it, read_committed readers skip 42..
//
// The marker is appended as Kafka's KafkaApis.handleWriteTxnMarkersRequest
// appends it (origin COORDINATOR), so the partition checks it as it checks
// the coordinator's own: an epoch older than the producer's is
// INVALID_PRODUCER_EPOCH, a coordinator epoch older than the one of the
// producer's last marker TRANSACTION_COORDINATOR_FENCED
// (ProducerAppendInfo.appendEndTxnMarker). A producer with no transaction
// open in the partition gets the marker all the same, which ends nothing,
// as in Kafka.
//
// Design note: a transaction's offsets (TxnOffsetCommit) wait in this
// broker's coordinator until EndTxn, not in __consumer_offsets as pending
// records, so a marker for a __consumer_offsets partition has nothing to
// complete there; it is answered NONE and not written, and the
// transaction's own end still decides its offsets. Kafka's group
// coordinator (GroupCoordinatorService.completeTransaction) would apply
// or drop the pending offsets there. The transaction coordinator is not
// told of a marker written on request either, in Kafka as here: if it
// still has the transaction, it ends it later with a marker of its own.

package kafka

import (
	"context"
	"errors"
	"time"
)

// WriteTxnMarkers: v0-1 (WriteTxnMarkersRequest.json, WriteTxnMarkersResponse.json)
//
//	v1: flexible (KIP-482)
//
// https://github.com/apache/kafka/blob/4.0.0/clients/src/main/resources/common/message/WriteTxnMarkersRequest.json
// Kafka 4.0 also has v0 (KIP-896 kept it: brokers of any supported
// version still send it).
type writeTxnMarkersRequest struct {
	Markers []writableTxnMarker
}

type writableTxnMarker struct {
	ProducerID    int64
	ProducerEpoch int16
	// TransactionResult is true for COMMIT, false for ABORT.
	TransactionResult bool
	Topics            []writableTxnMarkerTopic
	CoordinatorEpoch  int32
}

type writableTxnMarkerTopic struct {
	Name             string
	PartitionIndexes []int32
}

func (m *writeTxnMarkersRequest) decode(r *reader, v int16) {
	m.Markers = readArray(r, func(r *reader) (k writableTxnMarker) {
		k.ProducerID = r.Int64()
		k.ProducerEpoch = r.Int16()
		k.TransactionResult = r.Bool()
		k.Topics = readArray(r, func(r *reader) (t writableTxnMarkerTopic) {
			t.Name = r.String()
			t.PartitionIndexes = r.Int32s()
			r.SkipTags()
			return t
		})
		k.CoordinatorEpoch = r.Int32()
		r.SkipTags()
		return k
	})
	r.SkipTags()
}

type writeTxnMarkersResponse struct {
	Markers []writableTxnMarkerResult
}

type writableTxnMarkerResult struct {
	ProducerID int64
	Topics     []writableTxnMarkerTopicResult
}

type writableTxnMarkerTopicResult struct {
	Name       string
	Partitions []writableTxnMarkerPartitionResult
}

type writableTxnMarkerPartitionResult struct {
	PartitionIndex int32
	ErrorCode      int16
}

func (m *writeTxnMarkersResponse) encode(w *writer, v int16) {
	writeArrayNonNull(w, m.Markers, func(w *writer, k writableTxnMarkerResult) {
		w.Int64(k.ProducerID)
		writeArrayNonNull(w, k.Topics, func(w *writer, t writableTxnMarkerTopicResult) {
			w.String(t.Name)
			writeArrayNonNull(w, t.Partitions, func(w *writer, p writableTxnMarkerPartitionResult) {
				w.Int32(p.PartitionIndex)
				w.Int16(p.ErrorCode)
				w.Tags()
			})
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

// writeTxnMarkersAnswer echoes every partition of req with code, the
// shape of WriteTxnMarkersRequest.getErrorResponse and of an answer in
// which each partition has its own code (fill sets them after).
func writeTxnMarkersAnswer(req *writeTxnMarkersRequest, code int16) *writeTxnMarkersResponse {
	resp := &writeTxnMarkersResponse{Markers: make([]writableTxnMarkerResult, 0, len(req.Markers))}
	for _, k := range req.Markers {
		kr := writableTxnMarkerResult{ProducerID: k.ProducerID, Topics: make([]writableTxnMarkerTopicResult, 0, len(k.Topics))}
		for _, t := range k.Topics {
			tr := writableTxnMarkerTopicResult{Name: t.Name, Partitions: make([]writableTxnMarkerPartitionResult, 0, len(t.PartitionIndexes))}
			for _, p := range t.PartitionIndexes {
				tr.Partitions = append(tr.Partitions, writableTxnMarkerPartitionResult{PartitionIndex: p, ErrorCode: code})
			}
			kr.Topics = append(kr.Topics, tr)
		}
		resp.Markers = append(resp.Markers, kr)
	}
	return resp
}

// handleWriteTxnMarkers writes each marker to each of its partitions and
// answers a code per partition. Kafka's answer is a map by producer id, so
// two markers of one producer share an entry there; here each marker of
// the request has its own, in the request's order.
func (b *Broker) handleWriteTxnMarkers(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*writeTxnMarkersRequest)
	resp := writeTxnMarkersAnswer(req, codeNone)
	now := time.Now().UnixMilli()
	for i, k := range req.Markers {
		typ := markerAbort
		if k.TransactionResult {
			typ = markerCommit
		}
		for j, t := range k.Topics {
			for n, p := range t.PartitionIndexes {
				resp.Markers[i].Topics[j].Partitions[n].ErrorCode = b.writeTxnMarker(t.Name, p, k, typ, now)
			}
		}
	}
	return resp
}

// writeTxnMarker appends marker k, of type typ, to one partition and
// answers its code.
func (b *Broker) writeTxnMarker(topic string, partition int32, k writableTxnMarker, typ int16, now int64) int16 {
	t := b.logs.Topic(topic)
	pl := b.topicPartition(t, partition)
	switch {
	case pl == nil:
		// ReplicaManager.getMagic finds no such partition.
		return codeUnknownTopicOrPartition
	case topic == offsetsTopic:
		return codeNone // see the design note above
	case pl.producerCoordinatorEpoch(k.ProducerID) > k.CoordinatorEpoch:
		return codeTransactionCoordinatorFenced
	}
	err := appendMarker(t, pl, k.ProducerID, k.ProducerEpoch, typ, k.CoordinatorEpoch, now)
	if err == nil && b.fsync.always {
		// requiredAcks -1: the marker is acknowledged once it is as
		// durable as any acknowledged produce.
		err = pl.SyncTo(pl.HighWatermark())
	}
	if err != nil && errorCode(err) == codeUnknownServerError && !errors.Is(err, errStorage) {
		b.log.Error("writing a transaction marker on request", "topic", topic, "partition", partition, "producer", k.ProducerID, "err", err)
	}
	return errorCode(err)
}

// producerCoordinatorEpoch is the coordinator epoch of producer id's last
// marker in the partition, -1 if it has none (or the partition does not
// know the producer).
func (l *partitionLog) producerCoordinatorEpoch(id int64) int32 {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if e, ok := l.producers[id]; ok {
		return e.coordinatorEpoch
	}
	return -1
}
