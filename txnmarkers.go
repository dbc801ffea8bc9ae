// This file is WriteTxnMarkers, the request that writes a transaction's
// end marker into partitions from outside the coordinator's own path.
//
// Place in the book: Part III, after txn.go, whose markers (markerBatch,
// appendMarker) and producer state (producers.go) it reuses. It assumes
// the reader knows what a marker does to a partition: it ends the
// producer's open transaction there, and so moves the last stable offset.
//
// In Kafka the transaction coordinator sends WriteTxnMarkers to the
// leader of each partition of a transaction that ends. Here the
// coordinator and every partition are the same broker, and EndTxn writes
// its markers directly (txnCoordinator.end), so no coordinator sends this
// request. Its other sender is the admin client: Admin.abortTransaction,
// which kafka-transactions.sh abort calls, ends a hanging transaction, one
// whose coordinator has lost it or whose producer is gone, by writing an
// ABORT marker into the partition it holds open (KIP-664):
//
//	kafka-transactions.sh find-hanging      DescribeProducers: producer 7,
//	                                        epoch 3, open since offset 40
//	kafka-transactions.sh abort --topic t --partition 0 --start-offset 40
//	  DescribeProducers(t-0)                 producer 7, epoch 3, coordinator epoch 0
//	  WriteTxnMarkers(7, epoch 3, ABORT,     an ABORT marker at the log end;
//	      t-0, coordinator epoch 0)          t-0's LSO moves past offset 40
//
// Without this API the tool fails with UnsupportedVersionException and a
// hanging transaction pins the partition's LSO until the broker's own
// transaction timeout aborts it; a transaction that the coordinator here
// no longer knows (its state lost with a damaged state file) is aborted
// only at the next start (abortOrphans).

package kafka

import (
	"context"
	"time"
)

// WriteTxnMarkers: v1 (WriteTxnMarkersRequest.json, WriteTxnMarkersResponse.json)
//
//	v1: flexible (v0 was removed in Kafka 4.0, KIP-896)
//
// Each marker names a producer id and epoch, the outcome, the partitions
// to write it to, and the coordinator epoch of the sender. Every
// partition is answered: UNKNOWN_TOPIC_OR_PARTITION if it does not exist,
// INVALID_PRODUCER_EPOCH if the partition knows the producer at a newer
// epoch, TRANSACTION_COORDINATOR_FENCED if its last marker came from a
// newer coordinator epoch, else NONE once the marker is stored (on disk
// first under -fsync always, as Kafka appends it with acks=all). These are
// the checks of Kafka's ProducerAppendInfo.appendEndTxnMarker, reached
// from KafkaApis.handleWriteTxnMarkersRequest
// (https://github.com/apache/kafka/blob/4.0.0/core/src/main/scala/kafka/server/KafkaApis.scala).
// A marker for a producer with no open transaction in the partition is
// written all the same and ends nothing, as in Kafka.
//
// Where we differ: the marker stored carries this broker's coordinator
// epoch, 0, as every marker here does (txn.go), rather than the
// request's; a sender can only have learnt 0 or -1 from DescribeProducers.
// A marker for a __consumer_offsets partition is answered NONE and
// written nowhere: a transaction's offsets here wait with the coordinator
// (txnMeta.Offsets) rather than in that topic, so there is nothing of the
// transaction in the partition for a marker to end, and the coordinator
// applies or drops them when the transaction ends.
type writeTxnMarkersRequest struct {
	Markers []writableTxnMarker
}

type writableTxnMarker struct {
	ProducerID        int64
	ProducerEpoch     int16
	TransactionResult bool // true commits, false aborts
	Topics            []writableTxnMarkerTopic
	CoordinatorEpoch  int32
}

type writableTxnMarkerTopic struct {
	Name             string
	PartitionIndexes []int32
}

func (m *writeTxnMarkersRequest) decode(r *reader, v int16) {
	m.Markers = readArray(r, func(r *reader) (mk writableTxnMarker) {
		mk.ProducerID = r.Int64()
		mk.ProducerEpoch = r.Int16()
		mk.TransactionResult = r.Bool()
		mk.Topics = readArray(r, func(r *reader) (t writableTxnMarkerTopic) {
			t.Name = r.String()
			t.PartitionIndexes = r.Int32s()
			r.SkipTags()
			return t
		})
		mk.CoordinatorEpoch = r.Int32()
		r.SkipTags()
		return mk
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
	writeArrayNonNull(w, m.Markers, func(w *writer, mk writableTxnMarkerResult) {
		w.Int64(mk.ProducerID)
		writeArrayNonNull(w, mk.Topics, func(w *writer, t writableTxnMarkerTopicResult) {
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

// answerEach is the response to req with every partition answered by
// code(marker, topic, partition), in the request's order. Kafka keys its
// answer by producer id (WriteTxnMarkersResponse takes a map), so two
// markers of one producer share one entry; they do here too, the first
// marker's place keeping it.
func (req *writeTxnMarkersRequest) answerEach(code func(mk writableTxnMarker, topic string, partition int32) int16) *writeTxnMarkersResponse {
	resp := &writeTxnMarkersResponse{Markers: []writableTxnMarkerResult{}}
	at := map[int64]int{} // producer id -> index in resp.Markers
	for _, mk := range req.Markers {
		i, ok := at[mk.ProducerID]
		if !ok {
			i = len(resp.Markers)
			at[mk.ProducerID] = i
			resp.Markers = append(resp.Markers, writableTxnMarkerResult{ProducerID: mk.ProducerID, Topics: []writableTxnMarkerTopicResult{}})
		}
		for _, t := range mk.Topics {
			tr := writableTxnMarkerTopicResult{Name: t.Name, Partitions: make([]writableTxnMarkerPartitionResult, 0, len(t.PartitionIndexes))}
			for _, p := range t.PartitionIndexes {
				tr.Partitions = append(tr.Partitions, writableTxnMarkerPartitionResult{PartitionIndex: p, ErrorCode: code(mk, t.Name, p)})
			}
			resp.Markers[i].Topics = append(resp.Markers[i].Topics, tr)
		}
	}
	return resp
}

func (b *Broker) handleWriteTxnMarkers(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*writeTxnMarkersRequest)
	wrote := false
	resp := req.answerEach(func(mk writableTxnMarker, topic string, partition int32) int16 {
		code := b.writeTxnMarker(mk, topic, partition)
		wrote = wrote || code == codeNone
		return code
	})
	if wrote {
		b.notifyAppend() // the LSO may have moved: wake read_committed fetches
	}
	return resp
}

// writeTxnMarker writes mk's marker into one partition and returns the
// partition's error code.
func (b *Broker) writeTxnMarker(mk writableTxnMarker, topic string, partition int32) int16 {
	t := b.logs.Topic(topic)
	pl := b.topicPartition(t, partition)
	if pl == nil {
		return codeUnknownTopicOrPartition
	}
	if topic == offsetsTopic {
		return codeNone // see "Where we differ" above
	}
	if pl.fencesCoordinator(mk.ProducerID, mk.CoordinatorEpoch) {
		return codeTransactionCoordinatorFenced
	}
	typ := markerAbort
	if mk.TransactionResult {
		typ = markerCommit
	}
	// The coordinator's lock keeps this marker from interleaving with one
	// that EndTxn or the timeout check writes for the same producer.
	b.txns.mu.Lock()
	err := appendMarker(t, pl, mk.ProducerID, mk.ProducerEpoch, typ, time.Now().UnixMilli())
	b.txns.mu.Unlock()
	if err == nil && b.fsync.always {
		err = pl.SyncTo(pl.HighWatermark())
	}
	if err != nil {
		code := errorCode(err)
		if code == codeUnknownServerError {
			b.log.Error("writing a transaction marker", "topic", topic, "partition", partition, "producer", mk.ProducerID, "err", err)
		}
		return code
	}
	return codeNone
}

// fencesCoordinator reports whether producerID's last marker in the
// partition came from a newer coordinator epoch than coordinatorEpoch,
// which then belongs to a deposed coordinator
// (ProducerAppendInfo.checkCoordinatorEpoch). A producer the partition
// does not know has no marker to compare with.
func (l *partitionLog) fencesCoordinator(producerID int64, coordinatorEpoch int32) bool {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	e := l.producers[producerID]
	return e != nil && e.coordinatorEpoch > coordinatorEpoch
}
