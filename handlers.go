// This file holds the core APIs, one section per API in API-key order, as
// franz-go's kfake has one file per key: Produce, Fetch, ListOffsets,
// Metadata and DeleteRecords. ApiVersions, the answer made of the apis
// table, is beside that table in kafka.go.
// The APIs of other subjects live in that subject's chapter (topicadmin.go,
// groups.go, offsets.go, topicconfigs.go, txn.go, ...) in the same form. Each
// section starts with the versions we serve and a line per version that
// changed something, names the schema it follows in Apache Kafka's
// clients/src/main/resources/common/message directory
// (https://github.com/apache/kafka/tree/4.0.0/clients/src/main/resources/common/message),
// and then has the request and response structs (fields in schema order),
// their decoders and encoders, and the handler.
//
// Place in the book: Part I, after kafka.go (framing, and the apis table
// through which each handler here is found), wire.go (the codec), and
// log.go and topics.go (storage). On a first reading, take Produce, Fetch,
// ListOffsets and Metadata, in that order. Produce and Fetch
// also touch later chapters, each named where it happens: producer ids
// and sequence numbers (producers.go) and transactions with their last
// stable offset (txn.go) in Part III, the validator (validator.go) and
// quotas (quotas.go) in Part IV. A reader of Part I can skip those lines.
// (ACLs, acls.go, are checked before a handler runs, by authorize.go; of
// this file's handlers only Fetch sees their verdict, on the partitions
// its session remembers.)
//
// Kafka errors are data: a handler answers a request it understood with an
// error code in the response, per topic or partition where the schema has
// one. Go errors are reserved for "this connection must close".

package kafka

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"time"
)

// topicPartition finds a partition's log, or returns nil if the topic or
// partition does not exist. Callers answer nil with
// UNKNOWN_TOPIC_OR_PARTITION, which a client takes for stale metadata: a
// producer that saw CreatePartitions on another connection may name a
// partition before this request's topic had it.
func (b *Broker) topicPartition(t *topicLog, partition int32) *partitionLog {
	if t == nil || partition < 0 || int(partition) >= len(t.Partitions) {
		return nil
	}
	return t.Partitions[partition]
}

// leaderAndEpoch is LeaderIdAndEpoch, a tagged field of Produce and Fetch
// responses (KIP-951) that tells a client the new leader along with a
// NOT_LEADER_OR_FOLLOWER error. There is only one broker here, so we never send it;
// Kafka's default, written as "absent", is -1/-1.
type leaderAndEpoch struct {
	LeaderID    int32
	LeaderEpoch int32
}

// noLeader is the absent CurrentLeader. The encoders leave the tag out
// when it holds this value, as Kafka's generated writers leave out a
// tagged field at its default, so the bytes match a Kafka broker's.
var noLeader = leaderAndEpoch{-1, -1}

// encode writes the struct inside its tag; the tag's number and size are
// the writer's (writer.Tags).
func (l leaderAndEpoch) encode(w *writer) {
	w.Int32(l.LeaderID)
	w.Int32(l.LeaderEpoch)
	w.Tags()
}

// nodeEndpoint is a broker's address, sent as a tagged field of Produce
// and Fetch responses alongside a CurrentLeader (KIP-951).
type nodeEndpoint struct {
	NodeID int32
	Host   string
	Port   int32
	Rack   *string
}

func (e nodeEndpoint) encode(w *writer) {
	w.Int32(e.NodeID)
	w.String(e.Host)
	w.Int32(e.Port)
	w.NullableString(e.Rack)
	w.Tags()
}

// writeNodeEndpoints writes the NodeEndpoints tag of Produce and Fetch
// responses. No handler fills it yet: a client needs it only to reach a
// new leader it has not met in Metadata, and here the leader never moves.
func writeNodeEndpoints(w *writer, es []nodeEndpoint) {
	writeArrayNonNull(w, es, func(w *writer, e nodeEndpoint) { e.encode(w) })
}

// Produce: v3-12 (ProduceRequest.json, ProduceResponse.json)
//
//	v3: record batches (magic 2) and TransactionalId; our minimum, as in Kafka 4.0 (KIP-896)
//	v5: LogStartOffset in the response
//	v7: zstd batches allowed (KIP-110); v3-6 get UNSUPPORTED_COMPRESSION_TYPE
//	v8: per-batch RecordErrors and an ErrorMessage (KIP-467)
//	v9: flexible
//	v10: CurrentLeader and NodeEndpoints tagged fields (KIP-951)
//	v11: no change to the schema; marks clients that handle KIP-951
//	v12: no change to the schema; a transactional batch adds its partition to the transaction (KIP-890 part 2, txnv2.go)
//
// A producer sends, per partition, a records field of exactly one record
// batch of magic 2, or gets INVALID_RECORD (producedBatch). We check the
// batch's header and CRC, refuse one over the topic's segment.bytes
// (RECORD_LIST_TOO_LARGE, as UnifiedLog.append), give it its offsets and
// append it as it came: compressed batches stay compressed, unless the
// topic's configs ask otherwise (validator.go): message.timestamp.type=
// LogAppendTime stamps the batch and answers the time in LogAppendTimeMs
// (-1 otherwise); the timestamp bounds refuse records with
// INVALID_TIMESTAMP and RecordErrors; compression.type uncompressed, gzip,
// snappy, lz4 or zstd rewrites a batch of another codec. acks=0 gets
// no response at all, and the connection closes if a partition failed;
// with one broker, acks=1 and acks=-1 mean the same. A partition named
// twice in one request is appended once, with its last mention's
// records, and answered once (produceTopicsOnce).
// Under Config.Fsync "always", every partition appended to is fsynced once
// after all the request's appends and before the answer; one that fails
// to sync answers KAFKA_STORAGE_ERROR, so the producer retries (and its
// retry, if idempotent, is found a duplicate of what is in the log).
//
// Batches of idempotent producers are also checked against the producer's
// sequence numbers (producers.go): a retry of a stored batch is answered
// with success, the offset it got the first time and its max timestamp as
// LogAppendTimeMs, a gap with
// OUT_OF_ORDER_SEQUENCE_NUMBER, and a fenced epoch with
// INVALID_PRODUCER_EPOCH, whose text goes in ErrorMessage from v8.
//
// A transactional batch (attributes bit 4) must also come from the current
// epoch of a producer whose open transaction has the partition (txn.go):
// INVALID_PRODUCER_EPOCH for another epoch, INVALID_PRODUCER_ID_MAPPING for
// a producer id not the request's TransactionalId's, TRANSACTION_ABORTABLE (before v11
// INVALID_TXN_STATE) for a partition not added with AddPartitionsToTxn,
// as Kafka's leaders answer since they
// verify with the coordinator (KIP-890). Control batches (markers) are the
// coordinator's to write: a producer's gets INVALID_RECORD. Transactional
// batches in a request with a null TransactionalID fail all of it with
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED.
type produceRequest struct {
	// TransactionalID is what the ACL check needs (WRITE on the
	// transactional id, acls.go); the transaction itself is found from
	// the batches' producer id, as Kafka's leader finds it.
	TransactionalID *string
	// Acks is 0 (no answer), 1 (the leader has it) or -1 (every in-sync
	// replica has it); anything else is INVALID_REQUIRED_ACKS.
	Acks int16
	// TimeoutMs bounds Kafka's wait for followers under acks=-1. There are
	// no followers here, so it is read and never waited on.
	TimeoutMs int32
	TopicData []produceTopic
}

type produceTopic struct {
	Name          string
	PartitionData []producePartition
}

type producePartition struct {
	Index int32
	// Records is the record batch as the producer packed it (one, from v3),
	// a slice of the request frame. The log copies them into the segment
	// file, so nothing keeps the frame once the handler is done (the frame
	// pool in kafka.go relies on it).
	Records []byte
}

func (m *produceRequest) decode(r *reader, v int16) {
	m.TransactionalID = r.NullableString()
	m.Acks = r.Int16()
	m.TimeoutMs = r.Int32()
	m.TopicData = readArray(r, func(r *reader) (t produceTopic) {
		t.Name = r.String()
		t.PartitionData = readArray(r, func(r *reader) (p producePartition) {
			p.Index = r.Int32()
			p.Records = r.Bytes()
			r.SkipTags()
			return p
		})
		r.SkipTags()
		return t
	})
	r.SkipTags()
}

type produceResponse struct {
	Responses      []produceTopicResponse
	ThrottleTimeMs int32
	NodeEndpoints  []nodeEndpoint
}

type produceTopicResponse struct {
	Name               string
	PartitionResponses []producePartitionResponse
}

// producePartitionResponse is one partition's answer. BaseOffset and
// LogAppendTimeMs are -1 when the partition failed, as in Kafka, so a
// client never mistakes a failed append for one stored at offset 0;
// LogStartOffset is too, unless the failure was the log's
// (failureKnowsLogStart).
type producePartitionResponse struct {
	Index     int32
	ErrorCode int16
	// BaseOffset is the offset of the first record of the first batch:
	// the producer counts the rest of its records from it.
	BaseOffset int64
	// LogAppendTimeMs is the broker's time on a LogAppendTime topic, and
	// -1 otherwise; the producer reports it in place of its own timestamps.
	LogAppendTimeMs int64
	// LogStartOffset lets an idempotent producer tell a sequence error
	// caused by retention, which deleted its state along with its records,
	// from a real gap (ProduceResponse.json, v5).
	LogStartOffset int64
	// RecordErrors and ErrorMessage say which records of a refused batch
	// were at fault and why (KIP-467).
	RecordErrors  []batchIndexAndErrorMessage
	ErrorMessage  *string
	CurrentLeader leaderAndEpoch
}

// batchIndexAndErrorMessage names one refused record by its index in the
// batch, counting from 0.
type batchIndexAndErrorMessage struct {
	BatchIndex             int32
	BatchIndexErrorMessage *string
}

func (m *produceResponse) encode(w *writer, v int16) {
	writeArrayNonNull(w, m.Responses, func(w *writer, t produceTopicResponse) {
		w.String(t.Name)
		writeArrayNonNull(w, t.PartitionResponses, func(w *writer, p producePartitionResponse) {
			w.Int32(p.Index)
			w.Int16(p.ErrorCode)
			w.Int64(p.BaseOffset)
			w.Int64(p.LogAppendTimeMs)
			if v >= 5 {
				w.Int64(p.LogStartOffset)
			}
			if v >= 8 {
				writeArrayNonNull(w, p.RecordErrors, func(w *writer, e batchIndexAndErrorMessage) {
					w.Int32(e.BatchIndex)
					w.NullableString(e.BatchIndexErrorMessage)
					w.Tags()
				})
				w.NullableString(p.ErrorMessage)
			}
			if v >= 10 && p.CurrentLeader != noLeader {
				w.Tags(tag{0, p.CurrentLeader.encode})
			} else {
				w.Tags()
			}
		})
		w.Tags()
	})
	w.Int32(m.ThrottleTimeMs)
	if v >= 10 && len(m.NodeEndpoints) > 0 {
		w.Tags(tag{0, func(w *writer) { writeNodeEndpoints(w, m.NodeEndpoints) }})
	} else {
		w.Tags()
	}
}

// handleProduce appends each partition's records and answers per
// partition. A produce is not atomic across partitions, in Kafka either:
// one partition's error leaves the others' appends in place, and the
// producer retries only the failed ones. Fetches waiting for new records
// are woken once, after all the appends.
func (b *Broker) handleProduce(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*produceRequest)
	if req.TransactionalID == nil && hasTransactionalRecords(req) {
		// KafkaApis.handleProduceRequest takes transactional records
		// without a transactional id for a denied one, whether or not an
		// authorizer is on.
		return &produceResponse{Responses: produceFailedAll(codeTransactionalIDAuthorizationFailed, rc.header.APIVersion, req.TopicData)}
	}
	topics := produceTopicsOnce(req.TopicData, rc.header.APIVersion)
	resp := &produceResponse{Responses: make([]produceTopicResponse, 0, len(topics))}
	appended := false
	// toSync lists, per partition appended to, where its answers are, so
	// that a failed fsync can be reported in each.
	type at struct{ topic, partition int }
	var toSync map[*partitionLog][]at
	for _, t := range topics {
		topic := b.logs.Topic(t.Name)
		tr := produceTopicResponse{Name: t.Name, PartitionResponses: make([]producePartitionResponse, 0, len(t.Partitions))}
		for _, p := range t.Partitions {
			pr, pl := b.producePartition(rc, req, topic, t.Name, p)
			if pl != nil {
				appended = true
				if b.fsync.always && req.Acks != 0 {
					if toSync == nil {
						toSync = map[*partitionLog][]at{}
					}
					toSync[pl] = append(toSync[pl], at{len(resp.Responses), len(tr.PartitionResponses)})
				}
			}
			tr.PartitionResponses = append(tr.PartitionResponses, pr)
		}
		resp.Responses = append(resp.Responses, tr)
	}
	for pl, ats := range toSync {
		// The high watermark read now is at or past this request's
		// batches; SyncTo skips the fsync if another request's covered it.
		if err := pl.SyncTo(pl.HighWatermark()); err != nil {
			b.log.Error("fsync after produce", "dir", pl.dir, "err", err)
			for _, a := range ats {
				pr := &resp.Responses[a.topic].PartitionResponses[a.partition]
				pr.ErrorCode, pr.BaseOffset, pr.LogStartOffset = codeKafkaStorageError, -1, -1
			}
		}
	}
	if appended {
		b.notifyAppend()
	}
	// A producer over its producer_byte_rate quota is told to wait, and
	// its connection muted, after its records are stored (quotas.go).
	rc.throttle = b.throttleProduce(rc, rc.size)
	// With acks=0 the answer is built all the same, and the connection
	// loop drops it (noAnswer in kafka.go), so that the partitions the
	// authorizer refused are in it too when it decides to close.
	return resp
}

// producePartition answers one partition of a Produce request, and
// returns its log if its batch was appended. The checks run in Kafka's
// order: KafkaApis answers a missing partition (Produce never creates
// topics; clients create them through Metadata first) and a malformed
// records field, then ReplicaManager.appendRecords refuses bad acks for
// what is left, and appendToLocalLog an internal topic.
func (b *Broker) producePartition(rc *requestContext, req *produceRequest, topic *topicLog, name string, p producedPartition) (producePartitionResponse, *partitionLog) {
	failed := producePartitionResponse{Index: p.Index, BaseOffset: -1, LogAppendTimeMs: -1, LogStartOffset: -1, CurrentLeader: noLeader}
	pl := b.topicPartition(topic, p.Index)
	if pl == nil {
		failed.ErrorCode = codeUnknownTopicOrPartition
		return failed, nil
	}
	switch {
	case p.Batch == nil:
		failed.ErrorCode = p.Refusal
		return failed, nil
	case req.Acks != 0 && req.Acks != 1 && req.Acks != -1:
		failed.ErrorCode = codeInvalidRequiredAcks
		return failed, nil
	case isInternalTopic(name) && rc.clientID() != adminClientID:
		// Only the coordinators write there, as in Kafka ("Cannot
		// append to internal topic"); a stray record in
		// __consumer_offsets would be replayed as a committed offset.
		failed.ErrorCode = codeInvalidTopicException
		return failed, nil
	}
	pr := failed
	b.appendRecords(topic, p.Index, pl, req.Acks, req.TransactionalID, rc.header.APIVersion, p.Batch, &pr)
	pr.ErrorCode = produceTxnErrorCode(pr.ErrorCode, rc.header.APIVersion)
	if pr.ErrorCode != codeNone {
		return pr, nil
	}
	pr.LogStartOffset = pl.LogStartOffset()
	if p.Refusal != codeNone {
		// The partition was named twice, once with a malformed records
		// field: the good one is appended, and the refusal answered
		// (produceTopicsOnce).
		failed.ErrorCode = p.Refusal
		return failed, pl
	}
	return pr, pl
}

// appendRecords validates a partition's records field and appends it. It
// sets in pr the Kafka error code, the base offset of the first batch (for
// a retried batch, the offset it was first stored at), the broker's
// timestamp on a LogAppendTime topic, and, for a refused batch, a message
// saying why and the records at fault.
func (b *Broker) appendRecords(topic *topicLog, partition int32, pl *partitionLog, acks int16, txnID *string, v int16, records []byte, pr *producePartitionResponse) {
	pr.ErrorCode, pr.BaseOffset, pr.ErrorMessage = b.appendValidated(topic, partition, pl, acks, txnID, v, records, pr)
	if pr.ErrorCode != codeNone {
		pr.LogAppendTimeMs = -1
		if failureKnowsLogStart(pr.ErrorCode) {
			pr.LogStartOffset = pl.LogStartOffset()
		}
	}
}

// failureKnowsLogStart reports whether Kafka answers a produce that failed
// with code with the partition's log start offset rather than -1. It does
// for every failure inside the log's append but those it reports as they
// are (ReplicaManager.appendToLocalLog): a batch too large or corrupt,
// and a storage error. An idempotent producer reads the log start offset
// to tell a sequence gap that retention caused from a real one. The
// checks of a transaction's partitions (txn.go) run before the append,
// as Kafka's verification with the coordinator does, and answer -1.
func failureKnowsLogStart(code int16) bool {
	switch code {
	case codeMessageTooLarge, codeRecordListTooLarge, codeCorruptMessage, codeKafkaStorageError,
		codeInvalidTxnState, codeTransactionAbortable, codeInvalidProducerIDMapping:
		return false
	}
	return true
}

// appendValidated runs a partition's checks and the append, and returns
// the error code, the base offset and the error message. The checks come
// before anything is written, so a refused records field leaves the log as
// it was: Kafka too refuses a partition's records whole, never part of
// them, and the producer fails or retries them as one. It also sets pr's
// LogAppendTimeMs and RecordErrors where they apply.
func (b *Broker) appendValidated(topic *topicLog, partition int32, pl *partitionLog, acks int16, txnID *string, v int16, records []byte, pr *producePartitionResponse) (int16, int64, *string) {
	// With one replica, min.insync.replicas above 1 can never be met, and
	// Kafka refuses acks=-1 then rather than store what it cannot protect
	// as asked (Partition.appendRecordsToLeader, which checks it before
	// the log looks at the batch). acks=0 and acks=1 do not ask for
	// replicas, so they are stored.
	settings := topic.Settings()
	if n := settings.minInsyncReplicas(); acks == -1 && n > 1 {
		return codeNotEnoughReplicas, -1, ptr(fmt.Sprintf("min.insync.replicas is %d and this broker is the only replica", n))
	}
	limit := settings.maxMessageBytes(b.cfg.MaxMessageBytes)
	h, code := checkProducedBatch(records, limit)
	if code == codeMessageTooLarge {
		return tooLarge(len(records), limit)
	} else if code != codeNone {
		return code, -1, nil
	}
	headers := []batchHeader{h}
	// The topic's timestamp and compression configs (validator.go). A
	// recompressed batch is measured again, as Kafka does when the
	// validator changed the size.
	policy := newRecordPolicy(settings, b.cfg.MaxFrameBytes)
	now := time.Now().UnixMilli()
	records, headers, rej := validateRecords(policy, records, headers, now)
	if rej != nil {
		pr.RecordErrors = rej.records
		return rej.code, -1, &rej.msg
	}
	if size := headers[0].Size(); size > limit {
		return tooLarge(size, limit)
	}
	if _, compacted := settings.compaction(); compacted {
		// LogValidator.validateKey: the cleaner keeps records by key, so a
		// compacted topic cannot take one without. Batches the broker
		// cannot read (malformed, or too large decompressed) are not
		// checked (cleaner.go).
		if keyless := nullKeyRecords(records, headers); len(keyless) > 0 {
			pr.RecordErrors = recordErrors(keyless, fmt.Sprintf("Compacted topic cannot accept message without key in topic partition %s-%d", topic.Name, partition))
			return codeInvalidRecord, -1, ptr(invalidRecordMessage(pr.RecordErrors))
		}
	}
	if size, most := headers[0].Size(), settings.segmentBytes(b.cfg.SegmentBytes); int64(size) > most {
		// UnifiedLog.append: no segment could hold the batch, so it is
		// refused, whatever max.message.bytes allows, before the
		// producer's sequence is looked at.
		return codeRecordListTooLarge, -1, ptr(fmt.Sprintf("batch of %d bytes is over segment.bytes %d", size, most))
	}
	if policy.logAppendTime {
		pr.LogAppendTimeMs = now
	}
	return b.appendChecked(topic, partition, pl, txnID, v, records, headers, pr)
}

// tooLarge answers MESSAGE_TOO_LARGE for a batch of size bytes over
// limit, the topic's max.message.bytes. Kafka's limit is on a batch, not
// a record, since a batch is what the log stores and a consumer must
// fetch whole.
func tooLarge(size, limit int) (int16, int64, *string) {
	return codeMessageTooLarge, -1, ptr(fmt.Sprintf("batch of %d bytes is over max.message.bytes %d", size, limit))
}

// appendChecked appends batches that passed appendValidated's checks,
// after the one check that must hold a lock across the append: a
// transactional batch's, against its transaction's state.
func (b *Broker) appendChecked(topic *topicLog, partition int32, pl *partitionLog, txnID *string, v int16, records []byte, headers []batchHeader, pr *producePartitionResponse) (int16, int64, *string) {
	if anyTransactional(headers) {
		// The check and the append are one step under the producer's
		// transaction lock, so that no EndTxn slips between them (txn.go).
		code, msg, unlock := b.txns.checkProduce(deref(txnID), topic.Name, partition, headers, v >= firstTV2ProduceVersion)
		defer unlock()
		if code != codeNone {
			return code, -1, &msg
		}
	}
	placed, err := pl.Append(records, headers)
	switch code := errorCode(err); code {
	case codeNone:
		if placed[0].Duplicate {
			// Kafka answers a retry with the first append's offset
			// and, as its LogAppendTimeMs, the stored batch's max
			// timestamp, whatever the topic's timestamp type
			// (UnifiedLog.append).
			pr.LogAppendTimeMs = placed[0].MaxTimestamp
		}
		return codeNone, placed[0].BaseOffset, nil
	case codeUnknownServerError, codeKafkaStorageError:
		// Ours, not the producer's: logged, and the message says what
		// failed (a full disk), which the client shows its user.
		b.log.Error("append failed", "topic", topic.Name, "partition", partition, "err", err)
		return code, -1, ptr(err.Error())
	default:
		// The producer's mistake, not ours: answered, not logged.
		return code, -1, ptr(err.Error())
	}
}

// Fetch: v4-17 (FetchRequest.json, FetchResponse.json)
//
//	v4: IsolationLevel, LastStableOffset and AbortedTransactions; our minimum (KIP-896)
//	v5: LogStartOffset
//	v7: fetch sessions: SessionId, SessionEpoch, ForgottenTopicsData (KIP-227)
//	v9: CurrentLeaderEpoch
//	v11: RackId and PreferredReadReplica (KIP-392)
//	v12: flexible; LastFetchedEpoch; DivergingEpoch, CurrentLeader and SnapshotId tags
//	v13: topics by TopicId instead of name (KIP-516)
//	v15: ReplicaState replaces ReplicaId (KIP-903)
//	v16: NodeEndpoints (KIP-951)
//	v17: ReplicaDirectoryId (KIP-853)
//
// A fetch is a long poll: if fewer than MinBytes are ready, the broker
// waits up to MaxWaitMs for appends before it answers, unless it read from
// a segment older than the one its end lies in: a read stops at the end of
// a segment, so waiting would not add to it (DelayedFetch's "Case F").
//
// IsolationLevel 1 (read_committed, KIP-98) reads only below the last
// stable offset (txn.go) and gets the aborted transactions overlapping
// that range, whose records the client drops; IsolationLevel 0 reads up to
// the high watermark and gets a null AbortedTransactions, as in Kafka
// (librdkafka and others take a non-null list there as a reason to filter).
// LastStableOffset is the real LSO at both levels.
//
// Fetch sessions (KIP-227) are fetchsessions.go: SessionId and
// SessionEpoch pick a full fetch, which may open a session, or an
// incremental one, which reads the session's partitions and answers only
// those that changed. kafka-go's Client.Fetch sends -1/-1, and versions
// before 7, which have no session fields, decode as 0/-1: both are
// sessionless full fetches.
type fetchRequest struct {
	// ClusterID, ReplicaID and ReplicaState matter only to fetches
	// between brokers and KRaft controllers; a consumer sends null and -1.
	// There are no followers here, so they are decoded and not used.
	ClusterID    *string
	ReplicaID    int32
	ReplicaState replicaState
	// MaxWaitMs and MinBytes make the long poll: a consumer's
	// fetch.max.wait.ms (500 by default) and fetch.min.bytes (1).
	MaxWaitMs int32
	MinBytes  int32
	// MaxBytes is the consumer's fetch.max.bytes, capped again by
	// maxFetchBytes.
	MaxBytes       int32
	IsolationLevel int8
	SessionID      int32
	SessionEpoch   int32
	Topics         []fetchTopic
	// ForgottenTopicsData takes partitions out of an incremental fetch
	// session, once the consumer no longer owns them.
	ForgottenTopicsData []forgottenTopic
	// RackID asks for a replica in the consumer's rack (KIP-392). The one
	// replica is the leader, so PreferredReadReplica is always -1.
	RackID string

	// denied is not on the wire: the authorizer's verdict on a topic
	// (checkFetch, in authorize.go, says why it travels with the
	// request), nil when every topic may be read.
	denied func(topic string) bool
}

// unchangedFunc, if not nil, is asked by fetchOnce about each partition (i
// counts them across topics) that has no error and nothing to read, with
// its high watermark and log start offset: true leaves it out of the
// answer. Incremental fetch sessions pass one (fetchsessions.go).
type unchangedFunc func(i int, highWatermark, logStartOffset int64) bool

// replicaState is a follower's id and broker epoch (KIP-903): -1, -1 from
// a consumer.
type replicaState struct {
	ReplicaID    int32
	ReplicaEpoch int64
}

type fetchTopic struct {
	Topic      string
	TopicID    uuid
	Partitions []fetchPartition
}

type fetchPartition struct {
	Partition int32
	// CurrentLeaderEpoch is the epoch the consumer last saw in Metadata
	// (KIP-320), 0 here because the leader never changes, or -1; a later
	// one is UNKNOWN_LEADER_EPOCH. The session cache keeps it with the
	// partition (fetchsessions.go).
	CurrentLeaderEpoch int32
	FetchOffset        int64
	// LastFetchedEpoch and LogStartOffset are for followers, which use
	// them to detect a diverging log and to follow the start offset.
	LastFetchedEpoch int32
	LogStartOffset   int64
	// PartitionMaxBytes is max.partition.fetch.bytes. Like MaxBytes, it
	// gives way to the first batch of the response (KIP-74).
	PartitionMaxBytes  int32
	ReplicaDirectoryID uuid
}

// forgottenTopic names, by name or by id as the version has it, the
// partitions an incremental fetch drops from its session.
type forgottenTopic struct {
	Topic      string
	TopicID    uuid
	Partitions []int32
}

func (m *fetchRequest) decode(r *reader, v int16) {
	m.ReplicaID = -1
	m.ReplicaState = replicaState{-1, -1}
	if v <= 14 {
		m.ReplicaID = r.Int32()
	}
	m.MaxWaitMs = r.Int32()
	m.MinBytes = r.Int32()
	m.MaxBytes = r.Int32()
	m.IsolationLevel = r.Int8()
	m.SessionEpoch = -1
	if v >= 7 {
		m.SessionID = r.Int32()
		m.SessionEpoch = r.Int32()
	}
	m.Topics = readArray(r, func(r *reader) (t fetchTopic) {
		if v <= 12 {
			t.Topic = r.String()
		} else {
			t.TopicID = r.UUID()
		}
		t.Partitions = readArray(r, func(r *reader) (p fetchPartition) {
			p.Partition = r.Int32()
			p.CurrentLeaderEpoch = -1
			if v >= 9 {
				p.CurrentLeaderEpoch = r.Int32()
			}
			p.FetchOffset = r.Int64()
			p.LastFetchedEpoch = -1
			if v >= 12 {
				p.LastFetchedEpoch = r.Int32()
			}
			p.LogStartOffset = -1
			if v >= 5 {
				p.LogStartOffset = r.Int64()
			}
			p.PartitionMaxBytes = r.Int32()
			r.Tags(func(tag uint64, f *reader) {
				if tag == 0 && v >= 17 {
					p.ReplicaDirectoryID = f.UUID()
				}
			})
			return p
		})
		r.SkipTags()
		return t
	})
	if v >= 7 {
		m.ForgottenTopicsData = readArray(r, func(r *reader) (t forgottenTopic) {
			if v <= 12 {
				t.Topic = r.String()
			} else {
				t.TopicID = r.UUID()
			}
			t.Partitions = r.Int32s()
			r.SkipTags()
			return t
		})
	}
	if v >= 11 {
		m.RackID = r.String()
	}
	r.Tags(func(tag uint64, f *reader) {
		switch {
		case tag == 0:
			m.ClusterID = f.NullableString()
		case tag == 1 && v >= 15:
			m.ReplicaState.ReplicaID = f.Int32()
			m.ReplicaState.ReplicaEpoch = f.Int64()
			f.SkipTags()
		}
	})
}

type fetchResponse struct {
	ThrottleTimeMs int32
	// ErrorCode is for the request as a whole, in practice a fetch
	// session error; each partition has its own below.
	ErrorCode int16
	// SessionID is the session this fetch opened or continued, or 0 when
	// it has none, which tells the consumer its next fetch must be full.
	SessionID     int32
	Responses     []fetchTopicResponse
	NodeEndpoints []nodeEndpoint
}

type fetchTopicResponse struct {
	Topic      string
	TopicID    uuid
	Partitions []fetchPartitionResponse
}

type fetchPartitionResponse struct {
	PartitionIndex int32
	ErrorCode      int16
	// The three offsets are the log's at the time of the read. A consumer
	// computes its lag from HighWatermark, or from LastStableOffset under
	// read_committed, and its lead from LogStartOffset: how close it is to
	// the records retention deletes next.
	HighWatermark        int64
	LastStableOffset     int64
	LogStartOffset       int64
	DivergingEpoch       epochEndOffset
	CurrentLeader        leaderAndEpoch
	SnapshotID           snapshotID
	AbortedTransactions  []abortedTransaction
	PreferredReadReplica int32
	Records              []byte

	// recordsFile, when not empty, replaces Records: the batches are sent
	// from the segment file (zero-copy) rather than from memory.
	recordsFile fileSection
}

// epochEndOffset and snapshotID are tagged fields that only followers and
// KRaft controllers use; they are here so the response reads as its schema.
type epochEndOffset struct {
	Epoch     int32
	EndOffset int64
}

type snapshotID struct {
	EndOffset int64
	Epoch     int32
}

// abortedTransaction is a transaction that ended in an abort inside the
// fetched range: a read_committed consumer drops the producer's records
// from FirstOffset up to its abort marker (txn.go).
type abortedTransaction struct {
	ProducerID  int64
	FirstOffset int64
}

func (m *fetchResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	if v >= 7 {
		w.Int16(m.ErrorCode)
		w.Int32(m.SessionID)
	}
	writeArrayNonNull(w, m.Responses, func(w *writer, t fetchTopicResponse) {
		if v <= 12 {
			w.String(t.Topic)
		} else {
			w.UUID(t.TopicID)
		}
		writeArrayNonNull(w, t.Partitions, func(w *writer, p fetchPartitionResponse) {
			w.Int32(p.PartitionIndex)
			w.Int16(p.ErrorCode)
			w.Int64(p.HighWatermark)
			w.Int64(p.LastStableOffset)
			if v >= 5 {
				w.Int64(p.LogStartOffset)
			}
			writeArray(w, p.AbortedTransactions, func(w *writer, a abortedTransaction) {
				w.Int64(a.ProducerID)
				w.Int64(a.FirstOffset)
				w.Tags()
			})
			if v >= 11 {
				w.Int32(p.PreferredReadReplica)
			}
			if p.recordsFile.size > 0 {
				w.FileSection(p.recordsFile)
			} else {
				w.Bytes(p.Records)
			}
			var tags []tag
			if p.DivergingEpoch != (epochEndOffset{-1, -1}) {
				tags = append(tags, tag{0, func(w *writer) {
					w.Int32(p.DivergingEpoch.Epoch)
					w.Int64(p.DivergingEpoch.EndOffset)
					w.Tags()
				}})
			}
			if p.CurrentLeader != noLeader {
				tags = append(tags, tag{1, p.CurrentLeader.encode})
			}
			if p.SnapshotID != (snapshotID{-1, -1}) {
				tags = append(tags, tag{2, func(w *writer) {
					w.Int64(p.SnapshotID.EndOffset)
					w.Int32(p.SnapshotID.Epoch)
					w.Tags()
				}})
			}
			w.Tags(tags...)
		})
		w.Tags()
	})
	if v >= 16 && len(m.NodeEndpoints) > 0 {
		w.Tags(tag{0, func(w *writer) { writeNodeEndpoints(w, m.NodeEndpoints) }})
	} else {
		w.Tags()
	}
}

// handleFetch answers at once if MinBytes are ready, fetchOnce says to, or
// MaxWaitMs has passed; otherwise it waits for the next append.
//
// The wait cannot miss an append: the signal channel is taken before the
// logs are read. If a producer appends after the read, it closes that very
// channel and the select below returns immediately; if it appended before,
// the read already saw its records.
func (b *Broker) handleFetch(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*fetchRequest)
	v := rc.header.APIVersion
	fc := b.fetchSessions.newFetchContext(req, v)
	if fc.errorCode != codeNone {
		return &fetchResponse{ErrorCode: fc.errorCode, SessionID: invalidSessionID, Responses: []fetchTopicResponse{}}
	}
	read := fc.read
	// A consumer under a consumer_byte_rate quota gets at most a quota
	// window's worth of bytes at a time (KafkaApis.handleFetchRequest).
	read.MaxBytes = int32(min(int(read.MaxBytes), b.quotas.windowBytes(consumerByteRate, rc.userName(), rc.clientID())))
	read.MinBytes = min(read.MinBytes, read.MaxBytes)
	resp, size := b.longPoll(ctx, rc, read, fc.unchanged)
	// A fetch over its quota is answered empty, with the throttle time,
	// and the connection muted (quotas.go); its session learns nothing.
	if rc.throttle = b.throttleFetch(rc, size); rc.throttle > 0 {
		return fc.throttled()
	}
	// The files first: a partition whose file cannot be opened is
	// answered with its error, which the session must see.
	resp = b.openRecordFiles(resp)
	if v <= 5 {
		olderStorageErrors(resp)
	}
	b.fetchSessions.finish(fc, resp, v)
	return resp
}

// olderStorageErrors answers KAFKA_STORAGE_ERROR as NOT_LEADER_OR_FOLLOWER
// to a Fetch of v5 or older, as KafkaApis.handleFetchRequest does
// (maybeDownConvertStorageError): clients of those versions may not know
// the code and fail for good, where the other makes them refresh their
// metadata and retry.
func olderStorageErrors(resp *fetchResponse) {
	for i := range resp.Responses {
		for j := range resp.Responses[i].Partitions {
			if pr := &resp.Responses[i].Partitions[j]; pr.ErrorCode == codeKafkaStorageError {
				pr.ErrorCode = codeNotLeaderOrFollower
			}
		}
	}
}

// longPoll reads until MinBytes are ready, fetchOnce says to answer now, or
// MaxWaitMs has passed, and returns the response and its record bytes.
func (b *Broker) longPoll(ctx context.Context, rc *requestContext, req *fetchRequest, unchanged unchangedFunc) (*fetchResponse, int) {
	v := rc.header.APIVersion
	timer := time.NewTimer(time.Duration(max(req.MaxWaitMs, 0)) * time.Millisecond)
	defer timer.Stop()
	for {
		signal := b.appendSignal()
		resp, size, now := b.fetchOnce(req, v, unchanged)
		if size >= int(req.MinBytes) || now {
			return resp, size
		}
		parked := time.Now()
		select {
		case <-signal:
			rc.parkedSince(parked)
		case <-timer.C:
			rc.parkedSince(parked)
			return resp, size
		case <-ctx.Done():
			// The broker is stopping: answer with what was read
			// rather than leave the consumer to time out.
			return resp, size
		}
	}
}

// openRecordFiles opens the segment files that resp's sections are to be
// sent from, so that a failure to open one (no file descriptor left) is
// answered for its partition, KAFKA_STORAGE_ERROR, while the response can
// still say so; once the response's size is on the wire, all the
// connection could do is close. A file that retention deleted meanwhile
// is answered with no records: the consumer fetches the offset again, and
// learns that it is out of range. The files are closed by closeFiles once
// the response is sent.
func (b *Broker) openRecordFiles(resp *fetchResponse) *fetchResponse {
	for i := range resp.Responses {
		tr := &resp.Responses[i]
		for j := range tr.Partitions {
			pr := &tr.Partitions[j]
			sec := &pr.recordsFile
			if sec.size == 0 || sec.data != nil {
				continue
			}
			f, err := openSection(*sec)
			if err == nil {
				sec.file = f
				continue
			}
			if !errors.Is(err, fs.ErrNotExist) {
				b.log.Error("fetch failed: opening a segment", "topic", tr.Topic, "partition", pr.PartitionIndex, "err", err)
				pr.ErrorCode = codeKafkaStorageError
			}
			*sec = fileSection{}
		}
	}
	return resp
}

// closeFiles closes the segment files openRecordFiles opened. conn.handle
// calls it after the write, whether or not the send succeeded, so that a
// consumer that hangs up mid-response leaks no descriptor.
func (m *fetchResponse) closeFiles() {
	for _, tr := range m.Responses {
		for _, pr := range tr.Partitions {
			if pr.recordsFile.file != nil {
				pr.recordsFile.file.Close()
			}
		}
	}
}

// maxFetchBytes is Kafka's fetch.max.bytes default, 55 MiB: the most one
// fetch response carries, whatever the client asks for
// (Config.FetchMaxBytes).
const maxFetchBytes = 55 << 20

// fetchOnce reads what is available now. It returns the response, the
// number of record bytes in it, and whether it must be answered now
// whatever MinBytes says: a read failed or came from a segment older than
// its end (partitionLog.OnOlderSegment), or there is nothing to read. An
// unknown, denied or missing partition hurries nothing: Kafka sets those
// aside ("erroneous") and waits on the rest, if any is left
// (KafkaApis.handleFetchRequest, ReplicaManager.fetchMessages).
func (b *Broker) fetchOnce(req *fetchRequest, v int16, unchanged unchangedFunc) (resp *fetchResponse, size int, answerNow bool) {
	resp = &fetchResponse{Responses: make([]fetchTopicResponse, 0, len(req.Topics))}
	// MaxBytes caps the whole response, but the first batch found is sent
	// even if it is larger, so that a consumer can always make progress
	// (KIP-74). The broker caps MaxBytes in turn (fetch.max.bytes), so that
	// one request cannot make it gather gigabytes.
	budget := int(min(req.MaxBytes, b.cfg.FetchMaxBytes))
	i, interesting := -1, 0
	for _, ft := range req.Topics {
		topic, missing := b.fetchedTopic(ft, v, req.denied)
		tr := fetchTopicResponse{Topic: ft.Topic, TopicID: ft.TopicID}
		if unchanged == nil {
			tr.Partitions = make([]fetchPartitionResponse, 0, len(ft.Partitions))
		}
		for j := range ft.Partitions {
			fp := &ft.Partitions[j]
			i++
			pr := emptyFetchPartition(fp.Partition)
			pl, code := b.fetchedPartition(topic, missing, *fp)
			if pr.ErrorCode = code; code != codeNone {
				answerNow = answerNow || pl != nil // a failed read
				tr.Partitions = append(tr.Partitions, pr)
				continue
			}
			interesting++
			// The read_committed end is the LSO (txn.go).
			pr.LastStableOffset, pr.HighWatermark, pr.LogStartOffset = pl.fetchOffsets()
			if diverged(&pr, fp); pr.ErrorCode != codeNone || pr.DivergingEpoch.Epoch >= 0 {
				answerNow = true
				tr.Partitions = append(tr.Partitions, pr)
				continue
			}
			end := int64(math.MaxInt64)
			if req.IsolationLevel == readCommitted {
				end = pr.LastStableOffset
			}
			caughtUp := fp.FetchOffset == min(end, pr.HighWatermark)
			if caughtUp && unchanged != nil && unchanged(i, pr.HighWatermark, pr.LogStartOffset) {
				continue
			}
			if req.IsolationLevel == readCommitted {
				pr.AbortedTransactions = pl.AbortedTransactions(fp.FetchOffset, end)
			}
			// Once the budget is spent, later partitions are answered
			// with their offsets and no records; the consumer asks
			// again from the same offset. The read is asked for at
			// least a byte, so that a first batch larger than the
			// budget is still found (KIP-74); only the response's
			// first batch may exceed its partition's limit.
			if budget > 0 || size == 0 {
				sec, err := pl.ReadSectionBelow(fp.FetchOffset, min(int(fp.PartitionMaxBytes), max(budget, 1)), end)
				switch {
				case err != nil:
					// Kafka answers a failed read with no offsets
					// (ReplicaManager.createLogReadResult).
					pr = emptyFetchPartition(fp.Partition)
					pr.ErrorCode = errorCode(err)
					answerNow = true
					// An offset out of range is the consumer's to
					// handle (auto.offset.reset), not a fault to log.
					if pr.ErrorCode != codeOffsetOutOfRange {
						b.log.Error("fetch failed", "topic", topic.Name, "partition", fp.Partition, "offset", fp.FetchOffset, "err", err)
					}
				case size == 0 || int(sec.size) <= min(budget, int(fp.PartitionMaxBytes)):
					pr.recordsFile = sec
					size += int(sec.size)
					budget -= int(sec.size)
					answerNow = answerNow || (sec.size > 0 && pl.OnOlderSegment(fp.FetchOffset, end))
				}
			}
			tr.Partitions = append(tr.Partitions, pr)
		}
		// With unchanged nil, tr.Partitions was made non-nil above.
		if len(tr.Partitions) > 0 || unchanged == nil {
			resp.Responses = append(resp.Responses, tr)
		}
	}
	return resp, size, answerNow || interesting == 0
}

// fetchedPartition finds a fetched partition's log, or the error code it
// is answered with instead: missing if its topic is not there,
// UNKNOWN_TOPIC_OR_PARTITION if the topic is but the partition is not
// (also by topic id, as KafkaApis.handleFetchRequest answers),
// KAFKA_STORAGE_ERROR if it is offline (flush.go), or
// UNKNOWN_LEADER_EPOCH if the consumer names a leader epoch this broker
// has not reached (Partition.checkCurrentLeaderEpoch). FetchRequest reads
// a negative epoch as none given.
//
// An offline partition is refused here, before its offsets are read,
// as ReplicaManager.readFromLog refuses one (getPartitionOrException)
// before the epoch check: an incremental fetch that found it caught up
// would otherwise leave it out of the answer for as long as its high
// watermark stayed where the session last saw it, and the consumer
// would wait on it for ever instead of refreshing its metadata.
func (b *Broker) fetchedPartition(topic *topicLog, missing int16, fp fetchPartition) (*partitionLog, int16) {
	pl := b.topicPartition(topic, fp.Partition)
	switch {
	case topic == nil:
		return nil, missing
	case pl == nil:
		return nil, codeUnknownTopicOrPartition
	case pl.failed() != nil:
		return pl, codeKafkaStorageError
	case fp.CurrentLeaderEpoch >= 0:
		return pl, checkLeaderEpoch(fp.CurrentLeaderEpoch)
	}
	return pl, codeNone
}

// fetchedTopic finds a fetched topic by id from v13 on and by name
// before, with the error code for one that is missing or denied refuses.
func (b *Broker) fetchedTopic(ft fetchTopic, v int16, denied func(string) bool) (*topicLog, int16) {
	if v >= 13 {
		return readable(b.logs.TopicByID(ft.TopicID), "", codeUnknownTopicID, denied)
	}
	return readable(b.logs.Topic(ft.Topic), ft.Topic, codeUnknownTopicOrPartition, denied)
}

// emptyFetchPartition is a partition's answer before anything is known:
// every offset and epoch unknown (-1) and no records.
func emptyFetchPartition(partition int32) fetchPartitionResponse {
	return fetchPartitionResponse{
		PartitionIndex:       partition,
		HighWatermark:        -1,
		LastStableOffset:     -1,
		LogStartOffset:       -1,
		DivergingEpoch:       epochEndOffset{-1, -1},
		CurrentLeader:        noLeader,
		SnapshotID:           snapshotID{-1, -1},
		PreferredReadReplica: -1,
		// Never null: librdkafka reads a null records field as "invalid
		// MessageSetSize -1".
		Records: []byte{},
	}
}

// ListOffsets: v1-10 (ListOffsetsRequest.json, ListOffsetsResponse.json)
//
//	v1: one offset per partition instead of an array; our minimum (KIP-896)
//	v2: IsolationLevel
//	v4: CurrentLeaderEpoch, and LeaderEpoch in the response
//	v6: flexible
//	v7: timestamp -3 asks for the record with the largest timestamp (KIP-734)
//	v8: timestamp -4, the earliest local offset (KIP-405)
//	v9: timestamp -5, the latest tiered offset (KIP-1005)
//	v10: TimeoutMs
//
// A timestamp of -1 asks for the latest offset (the high watermark, or
// the last stable offset under read_committed), -2
// for the earliest; any other value for the first offset whose timestamp is
// at least that. A special timestamp newer than the request's version, or
// a negative one that is none of them, is UNSUPPORTED_VERSION.
type listOffsetsRequest struct {
	// ReplicaID is -1 from a consumer or an admin tool; only followers,
	// of which there are none here, name themselves, and debugging tools
	// send -2.
	ReplicaID int32
	// IsolationLevel moves "latest" from the high watermark to the last
	// stable offset for a read_committed consumer, which must not start
	// past what it may read. Only ReplicaID -1 has one (handleListOffsets).
	IsolationLevel int8
	Topics         []listOffsetsTopic
	// TimeoutMs bounds a lookup in remote (tiered) storage (KIP-1075),
	// which this broker does not have: every answer is the local log's.
	TimeoutMs int32
}

type listOffsetsTopic struct {
	Name       string
	Partitions []listOffsetsPartition
}

type listOffsetsPartition struct {
	PartitionIndex     int32
	CurrentLeaderEpoch int32
	// Timestamp is a time in milliseconds, or one of the special
	// timestamps below.
	Timestamp     int64
	MaxNumOffsets int32 // v0 only, below our minimum
}

func (m *listOffsetsRequest) decode(r *reader, v int16) {
	m.ReplicaID = r.Int32()
	if v >= 2 {
		m.IsolationLevel = r.Int8()
	}
	m.Topics = readArray(r, func(r *reader) (t listOffsetsTopic) {
		t.Name = r.String()
		t.Partitions = readArray(r, func(r *reader) (p listOffsetsPartition) {
			p.PartitionIndex = r.Int32()
			p.CurrentLeaderEpoch = -1
			if v >= 4 {
				p.CurrentLeaderEpoch = r.Int32()
			}
			p.Timestamp = r.Int64()
			p.MaxNumOffsets = 1
			r.SkipTags()
			return p
		})
		r.SkipTags()
		return t
	})
	if v >= 10 {
		m.TimeoutMs = r.Int32()
	}
	r.SkipTags()
}

type listOffsetsResponse struct {
	ThrottleTimeMs int32
	Topics         []listOffsetsTopicResponse
}

type listOffsetsTopicResponse struct {
	Name       string
	Partitions []listOffsetsPartitionResponse
}

// listOffsetsPartitionResponse is one partition's answer: the offset,
// the timestamp of its record when a timestamp was asked for (-1 for the
// earliest and latest offsets, which name no record), and the leader
// epoch that offset was written in, which a consumer keeps with its
// position to detect a truncated log later (KIP-320). Every record here
// is of epoch 0.
type listOffsetsPartitionResponse struct {
	PartitionIndex  int32
	ErrorCode       int16
	OldStyleOffsets []int64 // v0 only, below our minimum
	Timestamp       int64
	Offset          int64
	LeaderEpoch     int32
}

func (m *listOffsetsResponse) encode(w *writer, v int16) {
	if v >= 2 {
		w.Int32(m.ThrottleTimeMs)
	}
	writeArrayNonNull(w, m.Topics, func(w *writer, t listOffsetsTopicResponse) {
		w.String(t.Name)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p listOffsetsPartitionResponse) {
			w.Int32(p.PartitionIndex)
			w.Int16(p.ErrorCode)
			w.Int64(p.Timestamp)
			w.Int64(p.Offset)
			if v >= 4 {
				w.Int32(p.LeaderEpoch)
			}
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

// Isolation levels of Fetch and ListOffsets (IsolationLevel.java). A
// consumer's isolation.level picks one. The Java client defaults to
// read_uncommitted and librdkafka to read_committed, so both paths are
// taken by default-configured consumers.
const (
	readUncommitted int8 = 0
	readCommitted   int8 = 1
)

// Special timestamps of ListOffsets. They are negative, which no time a
// producer may give a record is (the Java producer refuses one). A consumer
// without a committed offset sends latestTimestamp or earliestTimestamp,
// as its auto.offset.reset says; the others come from admin tools.
const (
	latestTimestamp     = -1 // the high watermark
	earliestTimestamp   = -2 // the log start offset
	maxTimestamp        = -3 // the record with the largest timestamp (KIP-734)
	earliestLocalOffset = -4 // the log start offset on local disk (KIP-405)
	latestTieredOffset  = -5 // the highest offset in tiered storage (KIP-1005)
)

// handleListOffsets answers each partition with listOffset. A partition
// that is not there gets UNKNOWN_TOPIC_OR_PARTITION, and the others are
// answered regardless, as in Kafka, so that one deleted topic does not
// stop a consumer from placing its other partitions.
func (b *Broker) handleListOffsets(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*listOffsetsRequest)
	v := rc.header.APIVersion
	duplicates := duplicateListOffsetsPartitions(req.Topics)
	// IsolationLevel is a consumer's (ReplicaId -1): ReplicaManager.fetchOffset
	// passes none for any other replica id, a follower's or the debugging
	// consumer's (-2), and Partition.fetchOffsetForTimestamp then reads up
	// to the log end offset, which here is the high watermark.
	isolation := req.IsolationLevel
	if req.ReplicaID != -1 {
		isolation = readUncommitted
	}
	resp := &listOffsetsResponse{Topics: make([]listOffsetsTopicResponse, 0, len(req.Topics))}
	for _, t := range req.Topics {
		topic := b.logs.Topic(t.Name)
		tr := listOffsetsTopicResponse{Name: t.Name, Partitions: make([]listOffsetsPartitionResponse, 0, len(t.Partitions))}
		for _, p := range t.Partitions {
			pr := listOffsetsPartitionResponse{PartitionIndex: p.PartitionIndex, Timestamp: -1, Offset: -1, LeaderEpoch: -1}
			pl := b.topicPartition(topic, p.PartitionIndex)
			// In ReplicaManager.fetchOffset's order: a partition named
			// twice, a special timestamp the version does not have, a
			// partition that is not there or is offline (both found by
			// getPartitionOrException), a leader epoch not this
			// broker's (-1 is none given).
			switch {
			case duplicates[topicPartitionKey{t.Name, p.PartitionIndex}]:
				pr.ErrorCode = codeInvalidRequest
			case p.Timestamp < 0 && v < minListOffsetsVersion(p.Timestamp):
				pr.ErrorCode = codeUnsupportedVersion
			case pl == nil:
				pr.ErrorCode = codeUnknownTopicOrPartition
			case pl.failed() != nil:
				// An offline partition (flush.go) answers nothing from
				// its files, which may differ from what is on disk, as
				// Kafka's offline partitions answer KAFKA_STORAGE_ERROR.
				pr.ErrorCode = codeKafkaStorageError
			case p.CurrentLeaderEpoch != -1 && checkLeaderEpoch(p.CurrentLeaderEpoch) != codeNone:
				pr.ErrorCode = checkLeaderEpoch(p.CurrentLeaderEpoch)
			default:
				pr.Offset, pr.Timestamp = listOffset(pl, p.Timestamp, isolation)
				// An answer of -1 names no offset, so no epoch either.
				if pr.Offset >= 0 {
					pr.LeaderEpoch = 0
				}
			}
			tr.Partitions = append(tr.Partitions, pr)
		}
		resp.Topics = append(resp.Topics, tr)
	}
	return resp
}

// minListOffsetsVersion is the first ListOffsets version that has the
// special timestamp ts, or math.MaxInt16 for a negative timestamp that
// is none of them: ReplicaManager's timestampMinSupportedVersion, by
// which Kafka answers the others UNSUPPORTED_VERSION.
func minListOffsetsVersion(ts int64) int16 {
	switch ts {
	case latestTimestamp, earliestTimestamp:
		return 1
	case maxTimestamp:
		return 7
	case earliestLocalOffset:
		return 8
	case latestTieredOffset:
		return 9
	}
	return math.MaxInt16
}

// topicPartitionKey names a partition of a request.
type topicPartitionKey struct {
	topic     string
	partition int32
}

// duplicateListOffsetsPartitions is ListOffsetsRequest.duplicatePartitions:
// the partitions a request names more than once, each of which Kafka
// answers INVALID_REQUEST.
func duplicateListOffsetsPartitions(topics []listOffsetsTopic) map[topicPartitionKey]bool {
	seen := map[topicPartitionKey]bool{}
	var dup map[topicPartitionKey]bool
	for _, t := range topics {
		for _, p := range t.Partitions {
			k := topicPartitionKey{t.Name, p.PartitionIndex}
			if seen[k] {
				if dup == nil {
					dup = map[topicPartitionKey]bool{}
				}
				dup[k] = true
			}
			seen[k] = true
		}
	}
	return dup
}

// listOffset answers one partition of ListOffsets: an offset and its
// timestamp, or -1, -1 if no record qualifies. The latest offset of a
// read_committed request is the last stable offset (txn.go), the end of
// what such a consumer may read, and its lookups by time find nothing at
// or past it.
func listOffset(pl *partitionLog, ts int64, isolation int8) (offset, timestamp int64) {
	switch ts {
	case latestTimestamp:
		if isolation == readCommitted {
			return pl.LastStableOffset(), -1
		}
		return pl.HighWatermark(), -1
	case earliestTimestamp, earliestLocalOffset:
		return pl.LogStartOffset(), -1
	case latestTieredOffset:
		// Nothing is tiered, so no offset is (KIP-1005 answers -1).
		return -1, -1
	}
	// A lookup by time answers only an offset the reader may fetch: under
	// read_committed, one below the last stable offset
	// (Partition.fetchOffsetForTimestamp).
	end := int64(math.MaxInt64)
	if isolation == readCommitted {
		end = pl.LastStableOffset()
	}
	var o, t int64
	var ok bool
	if ts == maxTimestamp {
		o, t, ok = pl.MaxTimestamp()
	} else {
		o, t, ok = pl.OffsetForTimestamp(ts)
	}
	if !ok || o >= end {
		return -1, -1
	}
	return o, t
}

// Metadata: v0-13 (MetadataRequest.json, MetadataResponse.json)
//
//	v1: null Topics means all topics (an empty array, in v0); Rack, ControllerId, IsInternal
//	v2: ClusterId
//	v3: ThrottleTimeMs
//	v4: AllowAutoTopicCreation
//	v5: OfflineReplicas
//	v7: LeaderEpoch
//	v8: authorized operations (KIP-430)
//	v9: flexible
//	v10: TopicId (KIP-516); topic Name nullable in the request, though
//	     Kafka 4.0 refuses ids and null names before v12 (refused)
//	v11: IncludeClusterAuthorizedOperations removed
//	v12: topic Name nullable in the response; topics by id
//	v13: top-level ErrorCode (KIP-1102), for REBOOTSTRAP_REQUIRED; Kafka
//	     4.0 sets it only in a whole-request refusal (refusals.go)
//
// Metadata is where clients learn the brokers and the partitions of each
// topic, and where a topic that does not exist yet is created on first use
// (auto.create.topics.enable), which librdkafka-based tools rely on; as in
// Kafka, the request that creates it is answered UNKNOWN_TOPIC_OR_PARTITION
// and the next one finds it (metadataTopic).
type metadataRequest struct {
	// Topics is null for all topics, as listing tools ask (kcat -L);
	// consumers and producers name the topics they use.
	Topics []metadataRequestTopic
	// AllowAutoTopicCreation lets a client refuse creation: the Java
	// consumer sends its allow.auto.create.topics, and the admin client
	// false, so that describing a topic does not create it.
	AllowAutoTopicCreation bool
	// The Include fields ask for authorized operations (KIP-430,
	// operations.go); the cluster's moved to DescribeCluster in v11.
	IncludeClusterAuthorizedOperations bool
	IncludeTopicAuthorizedOperations   bool

	// named is set by the ACL check (authorize.go) when it has taken out
	// every topic the client named: the empty list left is then not v0's
	// "all topics".
	named bool
}

// metadataRequestTopic names a topic by name or, from v12, by id (v10-11
// carry an id, but using it is INVALID_REQUEST, as in Kafka).
type metadataRequestTopic struct {
	TopicID uuid
	Name    *string
}

func (m *metadataRequest) decode(r *reader, v int16) {
	m.Topics = readArray(r, func(r *reader) (t metadataRequestTopic) {
		if v >= 10 {
			t.TopicID = r.UUID()
			t.Name = r.NullableString()
		} else {
			name := r.String()
			t.Name = &name
		}
		r.SkipTags()
		return t
	})
	if v >= 4 {
		m.AllowAutoTopicCreation = r.Bool()
	}
	if v >= 8 && v <= 10 {
		m.IncludeClusterAuthorizedOperations = r.Bool()
	}
	if v >= 8 {
		m.IncludeTopicAuthorizedOperations = r.Bool()
	}
	r.SkipTags()
}

type metadataResponse struct {
	ThrottleTimeMs int32
	// Brokers is this broker alone. Its address is the one the client
	// will use for everything that follows, so it has to be reachable
	// from the client (see requestContext.advertisedHostPort).
	Brokers   []metadataBroker
	ClusterID *string
	// ControllerID is this broker too: the Java admin client sends
	// CreateTopics and the other controller requests to it.
	ControllerID                int32
	Topics                      []metadataTopic
	ClusterAuthorizedOperations int32
	// ErrorCode (v13+, KIP-1102) is where a broker could tell a client
	// to rebootstrap; Kafka 4.0's KafkaApis never does, and only
	// MetadataRequest.getErrorResponse fills it.
	ErrorCode int16
}

type metadataBroker struct {
	NodeID int32
	Host   string
	Port   int32
	Rack   *string
}

type metadataTopic struct {
	ErrorCode                 int16
	Name                      *string
	TopicID                   uuid
	IsInternal                bool
	Partitions                []metadataPartition
	TopicAuthorizedOperations int32
}

// metadataPartition tells a client who leads a partition and where its
// replicas are. Clients send a partition's produces and fetches to its
// leader, and wait, refreshing, while it is -1.
type metadataPartition struct {
	ErrorCode      int16
	PartitionIndex int32
	LeaderID       int32
	// LeaderEpoch is 0 for good: the one replica is leader from the start
	// and never hands over, so no epoch begins after the first.
	LeaderEpoch     int32
	ReplicaNodes    []int32
	IsrNodes        []int32
	OfflineReplicas []int32
}

func (m *metadataResponse) encode(w *writer, v int16) {
	if v >= 3 {
		w.Int32(m.ThrottleTimeMs)
	}
	writeArrayNonNull(w, m.Brokers, func(w *writer, b metadataBroker) {
		w.Int32(b.NodeID)
		w.String(b.Host)
		w.Int32(b.Port)
		if v >= 1 {
			w.NullableString(b.Rack)
		}
		w.Tags()
	})
	if v >= 2 {
		w.NullableString(m.ClusterID)
	}
	if v >= 1 {
		w.Int32(m.ControllerID)
	}
	writeArrayNonNull(w, m.Topics, func(w *writer, t metadataTopic) {
		w.Int16(t.ErrorCode)
		if v >= 12 {
			w.NullableString(t.Name)
		} else {
			w.String(deref(t.Name))
		}
		if v >= 10 {
			w.UUID(t.TopicID)
		}
		if v >= 1 {
			w.Bool(t.IsInternal)
		}
		writeArrayNonNull(w, t.Partitions, func(w *writer, p metadataPartition) {
			w.Int16(p.ErrorCode)
			w.Int32(p.PartitionIndex)
			w.Int32(p.LeaderID)
			if v >= 7 {
				w.Int32(p.LeaderEpoch)
			}
			w.Int32s(p.ReplicaNodes)
			w.Int32s(p.IsrNodes)
			if v >= 5 {
				w.Int32s(p.OfflineReplicas)
			}
			w.Tags()
		})
		if v >= 8 {
			w.Int32(t.TopicAuthorizedOperations)
		}
		w.Tags()
	})
	if v >= 8 && v <= 10 {
		w.Int32(m.ClusterAuthorizedOperations)
	}
	if v >= 13 {
		w.Int16(m.ErrorCode)
	}
	w.Tags()
}

// deref is the value of a nullable string, with null as "". Versions
// before 12 cannot send a null topic name, so a topic asked for by an
// unknown id is answered there with an empty name.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// handleMetadata answers with this broker, as the only broker and the
// controller, and the topics asked for. Clients call it at start, every
// metadata.max.age.ms (five minutes by default), and after any error that
// hints their view is stale.
func (b *Broker) handleMetadata(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*metadataRequest)
	v := rc.header.APIVersion
	host, port := rc.advertisedHostPort()
	resp := &metadataResponse{
		Brokers:                     []metadataBroker{{NodeID: b.cfg.NodeID, Host: host, Port: port}},
		ClusterID:                   &b.cfg.ClusterID,
		ControllerID:                b.cfg.NodeID,
		ClusterAuthorizedOperations: authorizedOperationsOmitted,
	}
	if req.refused(v) {
		return metadataRefusal(req, codeInvalidRequest)
	}
	if req.IncludeClusterAuthorizedOperations && v <= 10 {
		resp.ClusterAuthorizedOperations = b.authorizedOperations(rc, resCluster, clusterName)
	}
	// All topics: null in v1 and later, an empty array in v0.
	if req.Topics == nil || (v == 0 && len(req.Topics) == 0 && !req.named) {
		for _, t := range b.logs.Topics() {
			resp.Topics = append(resp.Topics, b.describeTopic(t))
		}
	} else if ids := req.topicIDs(); len(ids) > 0 {
		resp.Topics = b.metadataTopicsByID(ids)
	} else {
		resp.Topics = make([]metadataTopic, 0, len(req.Topics))
		allowCreate := b.autoCreates(req, v)
		// A name asked for twice is answered once, as Kafka answers
		// from a set of names.
		seen := make(map[string]bool, len(req.Topics))
		for _, rt := range req.Topics {
			if seen[deref(rt.Name)] {
				continue
			}
			seen[deref(rt.Name)] = true
			resp.Topics = append(resp.Topics, b.metadataTopic(rt, allowCreate))
		}
	}
	// Every topic answered by name gets its operations, found or not, as
	// in KafkaApis.handleTopicMetadataRequest; an unknown topic id has no
	// topic to have operations on, and keeps the schema's default.
	if req.IncludeTopicAuthorizedOperations {
		for i, t := range resp.Topics {
			if t.ErrorCode != codeUnknownTopicID {
				resp.Topics[i].TopicAuthorizedOperations = b.authorizedOperations(rc, resTopic, deref(t.Name))
			}
		}
	}
	return resp
}

// refused reports whether the request names a topic in a way its version
// cannot: by id, or with a null name, before v12. The schema has both
// fields from v10, but Kafka 4.0 serves topic ids in Metadata only from
// v12, and KafkaApis.handleTopicMetadataRequest refuses the rest with
// INVALID_REQUEST for the whole request.
func (m *metadataRequest) refused(v int16) bool {
	if v >= 12 {
		return false
	}
	for _, t := range m.Topics {
		if t.Name == nil || t.TopicID != (uuid{}) {
			return true
		}
	}
	return false
}

// metadataRefusal is MetadataRequest.getErrorResponse: every topic asked
// for, with the error and no partitions, a null name as "", and no
// brokers or controller.
func metadataRefusal(req *metadataRequest, code int16) *metadataResponse {
	resp := &metadataResponse{Brokers: []metadataBroker{}, ControllerID: -1, ClusterAuthorizedOperations: authorizedOperationsOmitted}
	for _, t := range req.Topics {
		resp.Topics = append(resp.Topics, metadataTopic{ErrorCode: code, Name: ptr(deref(t.Name)), TopicID: t.TopicID, Partitions: []metadataPartition{}, TopicAuthorizedOperations: authorizedOperationsOmitted})
	}
	return resp
}

// topicIDs is the non-zero topic ids the request names. If there is one,
// Kafka answers by id alone, and the names are not looked at.
func (m *metadataRequest) topicIDs() []uuid {
	var ids []uuid
	for _, t := range m.Topics {
		if t.TopicID != (uuid{}) {
			ids = append(ids, t.TopicID)
		}
	}
	return ids
}

// metadataTopicsByID answers topics asked for by id, each id once: the
// unknown ids first, UNKNOWN_TOPIC_ID with a null name, then the topics
// found, in the order of KafkaApis.handleTopicMetadataRequest. A topic id
// never creates a topic.
func (b *Broker) metadataTopicsByID(ids []uuid) []metadataTopic {
	var unknown, found []metadataTopic
	seen := make(map[uuid]bool, len(ids))
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if t := b.logs.TopicByID(id); t != nil {
			found = append(found, b.describeTopic(t))
		} else {
			unknown = append(unknown, metadataTopic{ErrorCode: codeUnknownTopicID, TopicID: id, Partitions: []metadataPartition{}, TopicAuthorizedOperations: authorizedOperationsOmitted})
		}
	}
	return append(unknown, found...)
}

// autoCreates reports whether a Metadata request creates the topics it
// names that are missing: the broker must allow it and so must the
// client, which could not opt out before v4, where only the broker's
// setting decided. The ACL check asks it too, since a principal without
// CREATE is refused only when the request would create something.
func (b *Broker) autoCreates(req *metadataRequest, v int16) bool {
	return !b.cfg.DisableAutoCreateTopics && (req.AllowAutoTopicCreation || v < 4)
}

// metadataTopic answers for one requested topic, creating it if it is
// missing and allowCreate, from autoCreates, says so.
//
// The request that creates a topic is answered UNKNOWN_TOPIC_OR_PARTITION
// with no partitions, and the next one finds the topic. That is Kafka 4.0's
// answer: its broker asks the controller to create the topic and answers
// at once, before the topic exists (AutoTopicCreationManager
// .sendCreateTopicRequest), and a topic the controller refuses, such as
// one whose name collides with another's, stays UNKNOWN_TOPIC_OR_PARTITION.
// Clients retry their metadata until the partitions come; a client that
// worked here on the first answer would fail against Kafka (kafka-go's
// Writer returns the error from its first WriteMessages). The transaction
// and share coordinators' topics are answered so but never made, since
// the coordinators here keep no topic.
func (b *Broker) metadataTopic(rt metadataRequestTopic, allowCreate bool) metadataTopic {
	name := deref(rt.Name)
	missing := metadataTopic{Name: rt.Name, IsInternal: isInternalTopic(name), Partitions: []metadataPartition{}, TopicAuthorizedOperations: authorizedOperationsOmitted}
	if t := b.logs.Topic(name); t != nil {
		return b.describeTopic(t)
	}
	if err := validateTopicName(name); err != nil {
		missing.ErrorCode = codeInvalidTopicException
		return missing
	}
	missing.ErrorCode = codeUnknownTopicOrPartition
	if !allowCreate || name == transactionStateTopic || name == shareGroupStateTopic {
		// Kafka creates these two only as its coordinators' topics;
		// here the coordinators keep no topic (see isInternalTopic).
		return missing
	}
	_, err := b.logs.CreateTopic(name, b.cfg.DefaultPartitions)
	switch {
	case err == nil:
		b.log.Info("auto-created topic", "topic", name, "partitions", b.cfg.DefaultPartitions)
	case errors.Is(err, errTopicExists):
		// Another client created it first.
	case errors.Is(err, errInvalidTopic):
		b.log.Info("auto-creation refused", "topic", name, "err", err)
	default:
		b.log.Error("auto-creating topic", "topic", name, "err", err)
	}
	return missing
}

// isInternalTopic is Kafka's Topic.isInternal: the topics of its group,
// transaction and share coordinators, which Metadata and
// DescribeTopicPartitions flag IsInternal whether or not they exist (here
// only __consumer_offsets is a topic; the others' state is kept in files
// of their own).
func isInternalTopic(name string) bool {
	return name == offsetsTopic || name == transactionStateTopic || name == shareGroupStateTopic
}

// The internal topics of Kafka's transaction and share coordinators.
// This broker keeps their state in files of its own (txnstate.go,
// share.go), so they are never made as topics: a Metadata request does
// not auto-create them, and only CreateTopics can make an ordinary topic
// of either name, which clients still may not write.
const (
	transactionStateTopic = "__transaction_state"
	shareGroupStateTopic  = "__share_group_state"
)

// adminClientID is the client id whose Produce may write the internal
// topics: Kafka's AdminUtils.ADMIN_CLIENT_ID, which
// KafkaApis.handleProduceRequest compares with to set
// internalTopicsAllowed.
const adminClientID = "__admin_client"

// describeTopic is a topic's Metadata entry. This broker leads every
// partition and is its only replica, unless the partition is offline
// (flush.go): then, as Kafka's controller leaves a partition whose only
// replica's log dir failed, it has no leader and its replica is offline,
// which KRaftMetadataCache answers LEADER_NOT_AVAILABLE with leader -1
// and the replica in OfflineReplicas. A client then stops sending to it.
func (b *Broker) describeTopic(t *topicLog) metadataTopic {
	name := t.Name
	mt := metadataTopic{Name: &name, TopicID: t.ID, IsInternal: isInternalTopic(name), TopicAuthorizedOperations: authorizedOperationsOmitted}
	mt.Partitions = make([]metadataPartition, len(t.Partitions))
	for i, pl := range t.Partitions {
		mt.Partitions[i] = metadataPartition{
			PartitionIndex:  int32(i),
			LeaderID:        b.cfg.NodeID,
			LeaderEpoch:     0,
			ReplicaNodes:    []int32{b.cfg.NodeID},
			IsrNodes:        []int32{b.cfg.NodeID},
			OfflineReplicas: []int32{},
		}
		if pl.failed() != nil {
			p := &mt.Partitions[i]
			p.ErrorCode, p.LeaderID, p.OfflineReplicas = codeLeaderNotAvailable, -1, []int32{b.cfg.NodeID}
		}
	}
	return mt
}

// DeleteRecords: v0-2 (DeleteRecordsRequest.json, DeleteRecordsResponse.json)
//
//	v1: no change (throttling after the response, KIP-219)
//	v2: flexible
//
// Moves partitions' log start offsets forward (KIP-107): records below the
// new start can no longer be fetched (OFFSET_OUT_OF_RANGE), ListOffsets
// earliest answers it, segments wholly below it are deleted at once, and
// it survives a restart through the log-start-offset-checkpoint file
// (log.go). The answer's LowWatermark is the start after. An Offset of -1
// means the high watermark: everything so far. The start never moves
// back, so an offset below it answers the current start without error, as
// in Kafka; one past the high watermark is OFFSET_OUT_OF_RANGE. A topic
// whose cleanup.policy lacks delete is POLICY_VIOLATION, and the internal
// __consumer_offsets INVALID_TOPIC_EXCEPTION. TimeoutMs does not matter:
// there are no replicas to wait for.
type deleteRecordsRequest struct {
	Topics    []deleteRecordsTopic
	TimeoutMs int32
}

type deleteRecordsTopic struct {
	Name       string
	Partitions []deleteRecordsPartition
}

type deleteRecordsPartition struct {
	PartitionIndex int32
	Offset         int64
}

func (m *deleteRecordsRequest) decode(r *reader, v int16) {
	m.Topics = readArray(r, func(r *reader) (t deleteRecordsTopic) {
		t.Name = r.String()
		t.Partitions = readArray(r, func(r *reader) (p deleteRecordsPartition) {
			p.PartitionIndex = r.Int32()
			p.Offset = r.Int64()
			r.SkipTags()
			return p
		})
		r.SkipTags()
		return t
	})
	m.TimeoutMs = r.Int32()
	r.SkipTags()
}

type deleteRecordsResponse struct {
	ThrottleTimeMs int32
	Topics         []deleteRecordsTopicResult
}

type deleteRecordsTopicResult struct {
	Name       string
	Partitions []deleteRecordsPartitionResult
}

// deleteRecordsPartitionResult is one partition's answer. LowWatermark is
// the log start offset after the deletion, which may be above the offset
// asked for when an earlier call went further; -1 on an error.
type deleteRecordsPartitionResult struct {
	PartitionIndex int32
	LowWatermark   int64
	ErrorCode      int16
}

func (m *deleteRecordsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Topics, func(w *writer, t deleteRecordsTopicResult) {
		w.String(t.Name)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p deleteRecordsPartitionResult) {
			w.Int32(p.PartitionIndex)
			w.Int64(p.LowWatermark)
			w.Int16(p.ErrorCode)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

// deleteToHighWatermark is DeleteRecordsRequest.HIGH_WATERMARK.
const deleteToHighWatermark = -1

// handleDeleteRecords moves each partition's start through the data dir
// (logDir.DeleteRecords, topics.go), which writes the checkpoint before it
// returns, so that a start the answer reports survives a restart.
func (b *Broker) handleDeleteRecords(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*deleteRecordsRequest)
	resp := &deleteRecordsResponse{Topics: make([]deleteRecordsTopicResult, 0, len(req.Topics))}
	for _, t := range req.Topics {
		topic := b.logs.Topic(t.Name)
		tr := deleteRecordsTopicResult{Name: t.Name, Partitions: make([]deleteRecordsPartitionResult, 0, len(t.Partitions))}
		for _, p := range t.Partitions {
			pr := deleteRecordsPartitionResult{PartitionIndex: p.PartitionIndex, LowWatermark: -1}
			pl := b.topicPartition(topic, p.PartitionIndex)
			// ReplicaManager.deleteRecordsOnLocalLog refuses an internal
			// topic, then an offline partition (getPartitionOrException),
			// and Partition.deleteRecordsOnLeader a topic whose
			// cleanup.policy does not include delete.
			switch {
			case pl == nil:
				pr.ErrorCode = codeUnknownTopicOrPartition
			case isInternalTopic(t.Name):
				pr.ErrorCode = codeInvalidTopicException
			case pl.failed() != nil:
				pr.ErrorCode = codeKafkaStorageError
			case !topic.Settings().deletes():
				pr.ErrorCode = codePolicyViolation
			}
			if pr.ErrorCode != codeNone {
				tr.Partitions = append(tr.Partitions, pr)
				continue
			}
			offset := p.Offset
			if offset == deleteToHighWatermark {
				offset = pl.HighWatermark()
			}
			low, err := b.logs.DeleteRecords(topic, p.PartitionIndex, offset)
			if pr.ErrorCode = errorCode(err); pr.ErrorCode == codeNone {
				pr.LowWatermark = low
			} else if pr.ErrorCode == codeUnknownServerError || pr.ErrorCode == codeKafkaStorageError {
				b.log.Error("deleting records", "topic", t.Name, "partition", p.PartitionIndex, "err", err)
			}
			tr.Partitions = append(tr.Partitions, pr)
		}
		resp.Topics = append(resp.Topics, tr)
	}
	return resp
}
