// This file is the cluster and partition admin APIs: the questions operators and their
// tools (kafka-topics.sh, kafka-log-dirs.sh, kafka-leader-election.sh,
// kafka-reassign-partitions.sh, kafka-transactions.sh, and UIs such as
// kafka-ui or AKHQ) ask about where partitions live, who leads them, and
// who writes to them. It is in Part IV, operations, and assumes the log
// (log.go), topics (topics.go) and idempotent producers (producers.go).
//
// With a single broker most of these questions have one answer. This broker
// leads every partition, is its only replica and keeps it in its only log
// dir; there is nothing to elect and nowhere to move a replica to. The APIs
// are still served, with the answers Kafka gives a cluster in that state,
// because tools call them and close with "unexpected EOF" when a broker
// drops the connection instead:
//
//	OffsetForLeaderEpoch         the end of an epoch, from the epoch history
//	AlterReplicaLogDirs          no-op for the data dir, LOG_DIR_NOT_FOUND else
//	DescribeLogDirs              the data dir, each partition's size on disk
//	ElectLeaders                 ELECTION_NOT_NEEDED
//	AlterPartitionReassignments  no-op for [this broker], refused otherwise
//	ListPartitionReassignments   none in progress
//	DescribeTopicPartitions      Metadata's partitions, paged by a cursor
//	DescribeProducers            the idempotent-producer state
//	UpdateFeatures               the levels features.go serves
//	DescribeCluster              this broker, as Metadata lists it
//
// The sections are in the form of handlers.go.
//
// Design note: the leader epoch. Kafka bumps a partition's leader epoch
// each time leadership moves, and records in the partition's
// leader-epoch-checkpoint the offset at which each epoch began. Here
// leadership never moves, not even across a restart (the one broker is
// leader again, of the same log), so every partition has one epoch, 0, that
// began at the log start. That is what Metadata reports, what produced
// batches are stamped with (log.go), and the one entry of the history
// OffsetForLeaderEpoch reads. If this broker ever bumped epochs (say, to
// fence clients across a restart), the history would become a file per
// partition, as in Kafka, and leaderEpochEnd below would search it.

package kafka

import (
	"cmp"
	"context"
	"fmt"
	"path/filepath"
	"slices"
)

// Error codes of the partition admin APIs (Errors.java).
const (
	// Not every code is answered by this file: some are here because Kafka
	// answers them to the same APIs in a cluster, and metrics.go's
	// errorNames gives them Kafka's names on /metrics.
	codeReplicaNotAvailable      int16 = 9
	codeLogDirNotFound           int16 = 57
	codeFencedLeaderEpoch        int16 = 74
	codeUnknownLeaderEpoch       int16 = 75
	codeElectionNotNeeded        int16 = 84
	codeNoReassignmentInProgress int16 = 85
	codeInvalidUpdateVersion     int16 = 95
)

// currentLeaderEpoch is the leader epoch of every partition; see the
// design note.
const currentLeaderEpoch int32 = 0

// topicOperations is the bit field of every ACL operation a topic has
// (AclOperation codes READ 3, WRITE 4, CREATE 5, DELETE 6, ALTER 7,
// DESCRIBE 8, DESCRIBE_CONFIGS 10, ALTER_CONFIGS 11). With no authorizer,
// Kafka's AuthHelper.authorizedOperations grants them all.
const topicOperations = 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 | 1<<8 | 1<<10 | 1<<11

// checkLeaderEpoch answers a request that names the leader epoch the
// client believes current, as Partition.getLocalLog does: -1 skips the
// check, an older epoch is FENCED_LEADER_EPOCH (the client is behind), a
// newer one UNKNOWN_LEADER_EPOCH (we are, as far as the client knows).
// A consumer sends the epoch it saw in Metadata (KIP-320), so that a stale
// leader cannot serve it. With one epoch that never moves, only a client
// that invents an epoch gets an error, and Kafka's two codes tell it
// whether its own metadata or the broker's is behind.
func checkLeaderEpoch(clientEpoch int32) int16 {
	switch {
	case clientEpoch == -1 || clientEpoch == currentLeaderEpoch:
		return codeNone
	case clientEpoch < currentLeaderEpoch:
		return codeFencedLeaderEpoch
	default:
		return codeUnknownLeaderEpoch
	}
}

// leaderEpochEnd is LeaderEpochFileCache.endOffsetFor over a history of one
// epoch, currentLeaderEpoch, that began at the log start and is still being
// written: the epoch asked for and where it ends, or -1, -1 if it is
// unknown.
//
//	epoch -1           -1, -1 (no epoch: a client on an old format)
//	the current epoch  epoch, the log end offset
//	a later epoch      -1, -1 (never happened)
//	an earlier epoch   epoch, the start of the first epoch after it
func leaderEpochEnd(epoch int32, logStart, logEnd int64) (int32, int64) {
	switch {
	// -1, -1 (UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET) is Kafka's answer
	// for an epoch it has no record of; the Java consumer takes it as a
	// truncation it cannot place and resets its position by
	// auto.offset.reset.
	case epoch == -1 || epoch > currentLeaderEpoch:
		return -1, -1
	case epoch == currentLeaderEpoch:
		return epoch, logEnd
	default:
		return epoch, logStart
	}
}

// diverged is Partition.readRecords' check of a fetch that names its
// LastFetchedEpoch (v12, KIP-320; a follower does, a consumer sends -1):
// an epoch this broker has no end for, or an offset below the log start,
// is OFFSET_OUT_OF_RANGE, with no offsets; an offset past the end of the
// named epoch is answered with that epoch and its end as DivergingEpoch,
// and no records, so that the fetcher truncates there. pr carries the
// partition's offsets, and is changed in place: it is a large struct, and
// this runs for every partition of every fetch.
func diverged(pr *fetchPartitionResponse, fp *fetchPartition) {
	if fp.LastFetchedEpoch < 0 {
		return
	}
	epoch, end := leaderEpochEnd(fp.LastFetchedEpoch, pr.LogStartOffset, pr.HighWatermark)
	switch {
	case end < 0 || fp.FetchOffset < pr.LogStartOffset:
		*pr = emptyFetchPartition(fp.Partition)
		pr.ErrorCode = codeOffsetOutOfRange
	case epoch < fp.LastFetchedEpoch || end < fp.FetchOffset:
		pr.DivergingEpoch = epochEndOffset{epoch, end}
	}
}

// OffsetForLeaderEpoch: v2-4 (OffsetForLeaderEpochRequest.json, OffsetForLeaderEpochResponse.json)
//
//	v2: CurrentLeaderEpoch and ThrottleTimeMs; our minimum, as in Kafka 4.0 (KIP-896)
//	v3: ReplicaId, so that a consumer (-1) and a follower can be told apart
//	v4: flexible
//
// A consumer that sees a partition's leader epoch change asks where the
// epoch of its last fetched record ended; if that is before its position,
// the log was truncated under it and it must reset (KIP-320). Answered from
// the epoch history in the design note.
// Callers: the Java consumer validates its position with it after a leader
// change (SubscriptionState's AWAIT_VALIDATION), and franz-go and
// librdkafka do the same. Kafka answers in
// KafkaApis.handleOffsetForLeaderEpochRequest, through
// ReplicaManager.lastOffsetForLeaderEpoch.
type offsetForLeaderEpochRequest struct {
	// ReplicaID is -1 for a consumer and a broker id for a follower; the
	// decoder fills in -2 for versions that lack it, the schema's default,
	// which Kafka calls a debugging consumer.
	ReplicaID int32
	Topics    []offsetForLeaderTopic
}

type offsetForLeaderTopic struct {
	Topic      string
	Partitions []offsetForLeaderPartition
}

type offsetForLeaderPartition struct {
	Partition int32
	// CurrentLeaderEpoch fences the caller (checkLeaderEpoch); LeaderEpoch
	// is the epoch whose end the caller wants.
	CurrentLeaderEpoch int32
	LeaderEpoch        int32
}

func (m *offsetForLeaderEpochRequest) decode(r *reader, v int16) {
	m.ReplicaID = -2
	if v >= 3 {
		m.ReplicaID = r.Int32()
	}
	m.Topics = readArray(r, func(r *reader) (t offsetForLeaderTopic) {
		t.Topic = r.String()
		t.Partitions = readArray(r, func(r *reader) (p offsetForLeaderPartition) {
			p.Partition = r.Int32()
			p.CurrentLeaderEpoch = r.Int32()
			p.LeaderEpoch = r.Int32()
			r.SkipTags()
			return p
		})
		r.SkipTags()
		return t
	})
	r.SkipTags()
}

type offsetForLeaderEpochResponse struct {
	ThrottleTimeMs int32
	Topics         []offsetForLeaderTopicResult
}

type offsetForLeaderTopicResult struct {
	Topic      string
	Partitions []epochEndOffsetResult
}

// epochEndOffsetResult starts as -1, -1, the schema's defaults, so that an
// error answer carries no offset the client could act on.
type epochEndOffsetResult struct {
	ErrorCode   int16
	Partition   int32
	LeaderEpoch int32
	EndOffset   int64
}

func (m *offsetForLeaderEpochResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Topics, func(w *writer, t offsetForLeaderTopicResult) {
		w.String(t.Topic)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p epochEndOffsetResult) {
			w.Int16(p.ErrorCode)
			w.Int32(p.Partition)
			w.Int32(p.LeaderEpoch)
			w.Int64(p.EndOffset)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleOffsetForLeaderEpoch(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*offsetForLeaderEpochRequest)
	resp := &offsetForLeaderEpochResponse{Topics: make([]offsetForLeaderTopicResult, 0, len(req.Topics))}
	for _, t := range req.Topics {
		topic := b.logs.Topic(t.Topic)
		tr := offsetForLeaderTopicResult{Topic: t.Topic, Partitions: make([]epochEndOffsetResult, 0, len(t.Partitions))}
		for _, p := range t.Partitions {
			pr := epochEndOffsetResult{Partition: p.Partition, LeaderEpoch: -1, EndOffset: -1}
			pl := b.topicPartition(topic, p.Partition)
			if pl == nil {
				pr.ErrorCode = codeUnknownTopicOrPartition
			} else if pl.failed() != nil {
				// An offline partition, whatever the epochs, as
				// ReplicaManager.lastOffsetForLeaderEpoch answers
				// HostedPartition.Offline.
				pr.ErrorCode = codeKafkaStorageError
			} else if pr.ErrorCode = checkLeaderEpoch(p.CurrentLeaderEpoch); pr.ErrorCode == codeNone {
				pr.LeaderEpoch, pr.EndOffset = leaderEpochEnd(p.LeaderEpoch, pl.LogStartOffset(), pl.HighWatermark())
			}
			tr.Partitions = append(tr.Partitions, pr)
		}
		resp.Topics = append(resp.Topics, tr)
	}
	return resp
}

// AlterReplicaLogDirs: v1-2 (AlterReplicaLogDirsRequest.json, AlterReplicaLogDirsResponse.json)
//
//	v1: no change to the schema; our minimum, as in Kafka 4.0 (KIP-896)
//	v2: flexible
//
// Moves replicas between the log dirs of one broker. This broker has one
// log dir, so a partition can only be "moved" to where it is: that is a
// no-op answered NONE, as Kafka answers a move to a replica's current dir.
// Any other path gets LOG_DIR_NOT_FOUND, as LogManager.isLogDirOnline
// answers a dir not in log.dirs; a partition that does not exist gets
// UNKNOWN_TOPIC_OR_PARTITION (ReplicaManager.alterReplicaLogDirs).
// Callers: kafka-reassign-partitions.sh, when the reassignment JSON names
// "log_dirs", and Admin.alterReplicaLogDirs;
// KafkaApis.handleAlterReplicaLogDirsRequest hands the moves to
// ReplicaManager.
type alterReplicaLogDirsRequest struct {
	Dirs []alterReplicaLogDir
}

type alterReplicaLogDir struct {
	// Path is a log dir as the broker reports it in DescribeLogDirs, so a
	// tool that copies it from there matches it byte for byte.
	Path   string
	Topics []alterReplicaLogDirTopic
}

type alterReplicaLogDirTopic struct {
	Name       string
	Partitions []int32
}

func (m *alterReplicaLogDirsRequest) decode(r *reader, v int16) {
	m.Dirs = readArray(r, func(r *reader) (d alterReplicaLogDir) {
		d.Path = r.String()
		d.Topics = readArray(r, func(r *reader) (t alterReplicaLogDirTopic) {
			t.Name = r.String()
			t.Partitions = r.Int32s()
			r.SkipTags()
			return t
		})
		r.SkipTags()
		return d
	})
	r.SkipTags()
}

type alterReplicaLogDirsResponse struct {
	ThrottleTimeMs int32
	Results        []alterReplicaLogDirTopicResult
}

type alterReplicaLogDirTopicResult struct {
	TopicName  string
	Partitions []alterReplicaLogDirPartitionResult
}

type alterReplicaLogDirPartitionResult struct {
	PartitionIndex int32
	ErrorCode      int16
}

func (m *alterReplicaLogDirsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Results, func(w *writer, t alterReplicaLogDirTopicResult) {
		w.String(t.TopicName)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p alterReplicaLogDirPartitionResult) {
			w.Int32(p.PartitionIndex)
			w.Int16(p.ErrorCode)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleAlterReplicaLogDirs(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*alterReplicaLogDirsRequest)
	// Every partition named gets a result, even under an unknown path,
	// since the tool matches results to its moves one by one and reports
	// the ones missing as failed.
	resp := &alterReplicaLogDirsResponse{Results: []alterReplicaLogDirTopicResult{}}
	dataDir := b.logDirPath()
	for _, d := range req.Dirs {
		for _, t := range d.Topics {
			topic := b.logs.Topic(t.Name)
			tr := alterReplicaLogDirTopicResult{TopicName: t.Name, Partitions: make([]alterReplicaLogDirPartitionResult, 0, len(t.Partitions))}
			for _, p := range t.Partitions {
				pr := alterReplicaLogDirPartitionResult{PartitionIndex: p}
				switch {
				case d.Path != dataDir:
					pr.ErrorCode = codeLogDirNotFound
				case b.topicPartition(topic, p) == nil:
					pr.ErrorCode = codeUnknownTopicOrPartition
				}
				tr.Partitions = append(tr.Partitions, pr)
			}
			resp.Results = append(resp.Results, tr)
		}
	}
	return resp
}

// logDirPath is the data dir as Kafka names a log dir: an absolute path.
// Kafka reports each log dir as the absolute path of its log.dirs entry; a
// tool that sends the path back in AlterReplicaLogDirs must get the same
// string, whatever directory the broker was started from.
func (b *Broker) logDirPath() string {
	if abs, err := filepath.Abs(b.cfg.DataDir); err == nil {
		return abs
	}
	return b.cfg.DataDir
}

// DescribeLogDirs: v1-4 (DescribeLogDirsRequest.json, DescribeLogDirsResponse.json)
//
//	v1: no change to the schema; our minimum, as in Kafka 4.0 (KIP-896)
//	v2: flexible
//	v3: a top-level ErrorCode
//	v4: TotalBytes and UsableBytes of the volume (KIP-827)
//
// The one log dir, the data dir, with the size in bytes of each requested
// partition's segments (null Topics: every partition), an offset lag of 0
// (no replica is behind; there is none) and IsFutureKey false (no move is
// under way), as ReplicaManager.describeLogDirs reports a dir. Topics that
// do not exist are left out, as Kafka leaves them out.
// Callers: kafka-log-dirs.sh --describe, Admin.describeLogDirs and
// Admin.describeReplicaLogDirs, and UIs such as kafka-ui and AKHQ, which
// show each topic's size on disk from it.
// KafkaApis.handleDescribeLogDirsRequest answers from
// ReplicaManager.describeLogDirs.
type describeLogDirsRequest struct {
	// Topics is nullable: null asks for every partition, and is what
	// Admin.describeLogDirs sends; an empty list asks for none.
	Topics []describableLogDirTopic
}

type describableLogDirTopic struct {
	Topic      string
	Partitions []int32
}

func (m *describeLogDirsRequest) decode(r *reader, v int16) {
	m.Topics = readArray(r, func(r *reader) (t describableLogDirTopic) {
		t.Topic = r.String()
		t.Partitions = r.Int32s()
		r.SkipTags()
		return t
	})
	r.SkipTags()
}

type describeLogDirsResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	Results        []describeLogDirsResult
}

type describeLogDirsResult struct {
	ErrorCode int16
	LogDir    string
	Topics    []describeLogDirsTopic
	// TotalBytes and UsableBytes describe the volume (v4, KIP-827), and
	// stay -1, the schema's default, where the broker cannot tell.
	TotalBytes  int64
	UsableBytes int64
}

type describeLogDirsTopic struct {
	Name       string
	Partitions []describeLogDirsPartition
}

type describeLogDirsPartition struct {
	PartitionIndex int32
	PartitionSize  int64
	// OffsetLag is, for a future replica (one being moved between dirs),
	// how far it is behind the current one; with no moves it is 0, and
	// IsFutureKey false.
	OffsetLag   int64
	IsFutureKey bool
}

func (m *describeLogDirsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	// The top-level code (v3) is for a request refused as a whole: Kafka
	// puts CLUSTER_AUTHORIZATION_FAILED there when the caller may not
	// describe the cluster.
	if v >= 3 {
		w.Int16(m.ErrorCode)
	}
	writeArrayNonNull(w, m.Results, func(w *writer, d describeLogDirsResult) {
		w.Int16(d.ErrorCode)
		w.String(d.LogDir)
		writeArrayNonNull(w, d.Topics, func(w *writer, t describeLogDirsTopic) {
			w.String(t.Name)
			writeArrayNonNull(w, t.Partitions, func(w *writer, p describeLogDirsPartition) {
				w.Int32(p.PartitionIndex)
				w.Int64(p.PartitionSize)
				w.Int64(p.OffsetLag)
				w.Bool(p.IsFutureKey)
				w.Tags()
			})
			w.Tags()
		})
		if v >= 4 {
			w.Int64(d.TotalBytes)
			w.Int64(d.UsableBytes)
		}
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleDescribeLogDirs(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeLogDirsRequest)
	// The answer always lists the one dir, as Kafka lists every online dir,
	// even when no partition in it matched.
	dir := describeLogDirsResult{LogDir: b.logDirPath(), Topics: []describeLogDirsTopic{}, TotalBytes: -1, UsableBytes: -1}
	// Where statfs fails the sizes stay -1, the schema's "unknown", rather
	// than a 0 that would read as a full disk.
	if total, usable, ok := diskSpace(b.cfg.DataDir); ok {
		dir.TotalBytes, dir.UsableBytes = total, usable
	}
	describe := func(t *topicLog, partitions []int32) {
		dt := describeLogDirsTopic{Name: t.Name, Partitions: make([]describeLogDirsPartition, 0, len(partitions))}
		for _, p := range partitions {
			// PartitionSize is the bytes of the partition's segment files,
			// what the tool adds up per topic; a partition that does not
			// exist is left out.
			if pl := b.topicPartition(t, p); pl != nil {
				dt.Partitions = append(dt.Partitions, describeLogDirsPartition{PartitionIndex: p, PartitionSize: pl.Size()})
			}
		}
		if len(dt.Partitions) > 0 {
			dir.Topics = append(dir.Topics, dt)
		}
	}
	if req.Topics == nil {
		for _, t := range b.logs.Topics() {
			describe(t, allPartitions(t))
		}
	} else {
		// Kafka collects the request into a set of partitions, and lists
		// each topic once with each of its partitions once, however often
		// the request names them.
		var order []string
		asked := map[string][]int32{}
		for _, rt := range req.Topics {
			if _, ok := asked[rt.Topic]; !ok {
				order = append(order, rt.Topic)
			}
			for _, p := range rt.Partitions {
				if !slices.Contains(asked[rt.Topic], p) {
					asked[rt.Topic] = append(asked[rt.Topic], p)
				}
			}
		}
		for _, name := range order {
			if t := b.logs.Topic(name); t != nil {
				describe(t, asked[name])
			}
		}
	}
	return &describeLogDirsResponse{Results: []describeLogDirsResult{dir}}
}

// allPartitions lists a topic's partition numbers.
// allPartitions stands in for a request's partition list when Topics is
// null, so that both cases run through the same describe.
func allPartitions(t *topicLog) []int32 {
	ps := make([]int32, len(t.Partitions))
	for i := range ps {
		ps[i] = int32(i)
	}
	return ps
}

// ElectLeaders: v0-2 (ElectLeadersRequest.json, ElectLeadersResponse.json)
//
//	v1: ElectionType (KIP-460) and a top-level ErrorCode
//	v2: flexible
//
// Every partition already has its preferred leader, this broker, so each
// partition named gets ELECTION_NOT_NEEDED, as ReplicationControlManager.
// electLeader answers one whose leader is already the preferred replica
// (for an unclean election: one that has a leader). A null list means
// every partition, and then Kafka leaves out those that needed no
// election: here, all of them. An election type other than preferred (0)
// or unclean (1) is INVALID_REQUEST for the whole request.
// Callers: kafka-leader-election.sh (--election-type preferred or unclean)
// and Admin.electLeaders. Kafka forwards it to the controller, whose
// ReplicationControlManager.electLeaders answers each partition.
type electLeadersRequest struct {
	// ElectionType stays 0, preferred, for v0, which knew no other kind.
	ElectionType int8
	// TopicPartitions is nullable: null is --all-topic-partitions.
	TopicPartitions []electLeadersTopic
	TimeoutMs       int32
}

type electLeadersTopic struct {
	Topic      string
	Partitions []int32
}

func (m *electLeadersRequest) decode(r *reader, v int16) {
	if v >= 1 {
		m.ElectionType = r.Int8()
	}
	m.TopicPartitions = readArray(r, func(r *reader) (t electLeadersTopic) {
		t.Topic = r.String()
		t.Partitions = r.Int32s()
		r.SkipTags()
		return t
	})
	m.TimeoutMs = r.Int32()
	r.SkipTags()
}

type electLeadersResponse struct {
	ThrottleTimeMs         int32
	ErrorCode              int16
	ReplicaElectionResults []replicaElectionResult
}

type replicaElectionResult struct {
	Topic           string
	PartitionResult []electionPartitionResult
}

// ELECTION_NOT_NEEDED is a success to the tool: kafka-leader-election.sh
// prints it as "valid replica already elected" rather than as a failure.
type electionPartitionResult struct {
	PartitionID  int32
	ErrorCode    int16
	ErrorMessage *string
}

func (m *electLeadersResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	if v >= 1 {
		w.Int16(m.ErrorCode)
	}
	writeArrayNonNull(w, m.ReplicaElectionResults, func(w *writer, t replicaElectionResult) {
		w.String(t.Topic)
		writeArrayNonNull(w, t.PartitionResult, func(w *writer, p electionPartitionResult) {
			w.Int32(p.PartitionID)
			w.Int16(p.ErrorCode)
			w.NullableString(p.ErrorMessage)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleElectLeaders(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*electLeadersRequest)
	resp := &electLeadersResponse{ReplicaElectionResults: []replicaElectionResult{}}
	// An unknown election type refuses the whole request, and every
	// partition named in it, as ElectLeadersRequest.getErrorResponse
	// answers the InvalidRequestException of
	// ReplicationControlManager.electionType: v0 has no top-level code.
	if req.ElectionType != 0 && req.ElectionType != 1 {
		resp.ErrorCode = codeInvalidRequest
		msg := fmt.Sprintf("Unknown election type %d", req.ElectionType)
		for _, rt := range req.TopicPartitions {
			tr := replicaElectionResult{Topic: rt.Topic, PartitionResult: []electionPartitionResult{}}
			for _, p := range rt.Partitions {
				tr.PartitionResult = append(tr.PartitionResult, electionPartitionResult{PartitionID: p, ErrorCode: codeInvalidRequest, ErrorMessage: &msg})
			}
			resp.ReplicaElectionResults = append(resp.ReplicaElectionResults, tr)
		}
		return resp
	}
	if req.TopicPartitions == nil {
		// Kafka lists every topic, each with only the partitions an
		// election changed: none.
		for _, t := range b.logs.Topics() {
			resp.ReplicaElectionResults = append(resp.ReplicaElectionResults, replicaElectionResult{Topic: t.Name, PartitionResult: []electionPartitionResult{}})
		}
		return resp
	}
	// On one broker every partition already has its preferred leader,
	// and a leader at all, so no election of either type is needed:
	// ReplicationControlManager.electLeader's answer, message and all.
	for _, rt := range req.TopicPartitions {
		topic := b.logs.Topic(rt.Topic)
		tr := replicaElectionResult{Topic: rt.Topic, PartitionResult: make([]electionPartitionResult, 0, len(rt.Partitions))}
		for _, p := range rt.Partitions {
			pr := electionPartitionResult{PartitionID: p, ErrorCode: codeElectionNotNeeded, ErrorMessage: ptr("Leader election not needed for topic partition.")}
			switch {
			case topic == nil:
				pr.ErrorCode, pr.ErrorMessage = codeUnknownTopicOrPartition, ptr("No such topic as "+rt.Topic)
			case b.topicPartition(topic, p) == nil:
				pr.ErrorCode, pr.ErrorMessage = codeUnknownTopicOrPartition, ptr(fmt.Sprintf("No such partition as %s-%d", rt.Topic, p))
			}
			tr.PartitionResult = append(tr.PartitionResult, pr)
		}
		resp.ReplicaElectionResults = append(resp.ReplicaElectionResults, tr)
	}
	return resp
}

// AlterPartitionReassignments: v0-1 (AlterPartitionReassignmentsRequest.json, AlterPartitionReassignmentsResponse.json)
//
//	v0: flexible
//	v1: AllowReplicationFactorChange, echoed in the response (KIP-860, Kafka 4.1)
//
// A reassignment moves a partition to a new replica set. The only set that
// exists here is [this broker], which every partition already has, so
// asking for it is a no-op answered NONE, as ReplicationControlManager
// answers a reassignment that changes nothing. Any other set names a
// broker that is not registered, or one twice, or none:
// INVALID_REPLICA_ASSIGNMENT with Kafka's message. Null replicas cancel a
// reassignment, and none is ever in progress: NO_REASSIGNMENT_IN_PROGRESS.
// A set of another size with AllowReplicationFactorChange false is
// INVALID_REPLICATION_FACTOR, which Kafka 4.1 checks first.
// Callers: kafka-reassign-partitions.sh --execute and --cancel, Cruise
// Control, and Admin.alterPartitionReassignments. Kafka forwards it to the
// controller: ReplicationControlManager.alterPartitionReassignments.
type alterPartitionReassignmentsRequest struct {
	TimeoutMs int32
	// AllowReplicationFactorChange is true when the version lacks it (the
	// schema's default), so older tools keep the behaviour they had.
	AllowReplicationFactorChange bool
	Topics                       []reassignableTopic
}

type reassignableTopic struct {
	Name       string
	Partitions []reassignablePartition
}

type reassignablePartition struct {
	PartitionIndex int32
	// Replicas is nullable: null cancels the partition's reassignment.
	Replicas []int32
}

func (m *alterPartitionReassignmentsRequest) decode(r *reader, v int16) {
	m.TimeoutMs = r.Int32()
	m.AllowReplicationFactorChange = true
	if v >= 1 {
		m.AllowReplicationFactorChange = r.Bool()
	}
	m.Topics = readArray(r, func(r *reader) (t reassignableTopic) {
		t.Name = r.String()
		t.Partitions = readArray(r, func(r *reader) (p reassignablePartition) {
			p.PartitionIndex = r.Int32()
			p.Replicas = r.Int32s()
			r.SkipTags()
			return p
		})
		r.SkipTags()
		return t
	})
	r.SkipTags()
}

type alterPartitionReassignmentsResponse struct {
	ThrottleTimeMs               int32
	AllowReplicationFactorChange bool // v1+: the request's, echoed
	ErrorCode                    int16
	ErrorMessage                 *string
	Responses                    []reassignableTopicResponse
}

type reassignableTopicResponse struct {
	Name       string
	Partitions []reassignablePartitionResponse
}

type reassignablePartitionResponse struct {
	PartitionIndex int32
	ErrorCode      int16
	ErrorMessage   *string
}

func (m *alterPartitionReassignmentsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	if v >= 1 {
		w.Bool(m.AllowReplicationFactorChange)
	}
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	writeArrayNonNull(w, m.Responses, func(w *writer, t reassignableTopicResponse) {
		w.String(t.Name)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p reassignablePartitionResponse) {
			w.Int32(p.PartitionIndex)
			w.Int16(p.ErrorCode)
			w.NullableString(p.ErrorMessage)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleAlterPartitionReassignments(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*alterPartitionReassignmentsRequest)
	resp := &alterPartitionReassignmentsResponse{AllowReplicationFactorChange: req.AllowReplicationFactorChange, Responses: make([]reassignableTopicResponse, 0, len(req.Topics))}
	for _, t := range req.Topics {
		topic := b.logs.Topic(t.Name)
		tr := reassignableTopicResponse{Name: t.Name, Partitions: make([]reassignablePartitionResponse, 0, len(t.Partitions))}
		for _, p := range t.Partitions {
			pr := reassignablePartitionResponse{PartitionIndex: p.PartitionIndex}
			switch {
			case topic == nil:
				// ReplicationControlManager.alterPartitionReassignment's
				// words, for the topic and for the partition.
				pr.ErrorCode, pr.ErrorMessage = codeUnknownTopicOrPartition, ptr("Unable to find a topic named "+t.Name+".")
			case b.topicPartition(topic, p.PartitionIndex) == nil:
				pr.ErrorCode = codeUnknownTopicOrPartition
				pr.ErrorMessage = ptr(fmt.Sprintf("Unable to find partition %s:%d.", t.Name, p.PartitionIndex))
			default:
				// Kafka's messages are kept word for word: the tool prints
				// them as they come, and an operator searching for one
				// finds Kafka's documentation.
				pr.ErrorCode, pr.ErrorMessage = b.checkReassignment(p.Replicas, req.AllowReplicationFactorChange)
			}
			tr.Partitions = append(tr.Partitions, pr)
		}
		resp.Responses = append(resp.Responses, tr)
	}
	return resp
}

// checkReassignment judges a target replica set for a partition whose
// replicas are [this broker], in the order ReplicationControlManager's
// checks run.
func (b *Broker) checkReassignment(replicas []int32, allowRFChange bool) (int16, *string) {
	switch {
	case replicas == nil:
		// Kafka throws the error with its standard message, which
		// ApiError.fromThrowable then leaves out: the client falls back
		// to that same message.
		return codeNoReassignmentInProgress, nil
	case !allowRFChange && len(replicas) != 1:
		return codeInvalidReplicationFactor, ptr(fmt.Sprintf("The replication factor is changed from 1 to %d", len(replicas)))
	case len(replicas) == 0:
		return codeInvalidReplicaAssignment, ptr("The manual partition assignment includes an empty replica list.")
	}
	// Sorting puts duplicates side by side; the replicas are checked in
	// sorted order, so the broker named in a message is the smallest wrong
	// one, whatever order the request listed them in.
	sorted := slices.Sorted(slices.Values(replicas))
	for i, id := range sorted {
		if id != b.cfg.NodeID {
			return codeInvalidReplicaAssignment, ptr(fmt.Sprintf("The manual partition assignment includes broker %d, but no such broker is registered.", id))
		}
		if i > 0 && sorted[i-1] == id {
			return codeInvalidReplicaAssignment, ptr(fmt.Sprintf("The manual partition assignment includes the broker %d more than once.", id))
		}
	}
	return codeNone, nil
}

// ListPartitionReassignments: v0 (ListPartitionReassignmentsRequest.json, ListPartitionReassignmentsResponse.json)
//
//	v0: flexible
//
// No reassignment is ever in progress (see AlterPartitionReassignments),
// so the list is empty, whatever topics are asked about.
// Callers: kafka-reassign-partitions.sh --verify and --list, and
// Admin.listPartitionReassignments, which a tool polls until its
// reassignment is no longer listed. KafkaApis forwards it to the
// controller, whose ReplicationControlManager.listPartitionReassignments
// answers from the reassignments in progress.
type listPartitionReassignmentsRequest struct {
	TimeoutMs int32
	// Topics is nullable: null lists every reassignment.
	Topics []listPartitionReassignmentsTopic
}

type listPartitionReassignmentsTopic struct {
	Name             string
	PartitionIndexes []int32
}

func (m *listPartitionReassignmentsRequest) decode(r *reader, v int16) {
	m.TimeoutMs = r.Int32()
	m.Topics = readArray(r, func(r *reader) (t listPartitionReassignmentsTopic) {
		t.Name = r.String()
		t.PartitionIndexes = r.Int32s()
		r.SkipTags()
		return t
	})
	r.SkipTags()
}

type listPartitionReassignmentsResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ErrorMessage   *string
	Topics         []ongoingTopicReassignment
}

type ongoingTopicReassignment struct {
	Name       string
	Partitions []ongoingPartitionReassignment
}

type ongoingPartitionReassignment struct {
	PartitionIndex   int32
	Replicas         []int32
	AddingReplicas   []int32
	RemovingReplicas []int32
}

func (m *listPartitionReassignmentsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	writeArrayNonNull(w, m.Topics, func(w *writer, t ongoingTopicReassignment) {
		w.String(t.Name)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p ongoingPartitionReassignment) {
			w.Int32(p.PartitionIndex)
			w.Int32s(p.Replicas)
			w.Int32s(p.AddingReplicas)
			w.Int32s(p.RemovingReplicas)
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

// handleListPartitionReassignments answers an empty list: a tool polling
// for a reassignment to finish sees it done at once, which is true.
func (b *Broker) handleListPartitionReassignments(ctx context.Context, rc *requestContext, r request) response {
	return &listPartitionReassignmentsResponse{Topics: []ongoingTopicReassignment{}}
}

// DescribeTopicPartitions: v0 (DescribeTopicPartitionsRequest.json, DescribeTopicPartitionsResponse.json)
//
//	v0: flexible (KIP-966)
//
// Metadata's topic and partition answer, paged so that a topic with
// thousands of partitions does not make one huge response. Kafka 3.8's
// kafka-topics.sh --describe uses it. We follow
// DescribeTopicPartitionsRequestHandler and KRaftMetadataCache:
//
//   - an empty topic list means every topic; a named topic that does not
//     exist is answered UNKNOWN_TOPIC_OR_PARTITION, but in the "every
//     topic" case nothing is said of topics that do not exist;
//   - topics come in name order, starting at the cursor's topic and, in it,
//     the cursor's partition; a cursor topic not in a named list, or a
//     negative cursor partition, is INVALID_REQUEST for every topic named;
//   - at most ResponsePartitionLimit partitions are returned (capped at
//     max.request.partition.size.limit, 2000, and at least 1); if more
//     remain, NextCursor points at the first one left out.
type describeTopicPartitionsRequest struct {
	Topics []describeTopicPartitionsRequestTopic
	// ResponsePartitionLimit is the page size the client asks for; the
	// broker lowers it to maxDescribePartitions.
	ResponsePartitionLimit int32
	Cursor                 *topicPartitionsCursor
}

type describeTopicPartitionsRequestTopic struct {
	Name string
}

type topicPartitionsCursor struct {
	TopicName      string
	PartitionIndex int32
}

func (m *describeTopicPartitionsRequest) decode(r *reader, v int16) {
	m.Topics = readArray(r, func(r *reader) (t describeTopicPartitionsRequestTopic) {
		t.Name = r.String()
		r.SkipTags()
		return t
	})
	m.ResponsePartitionLimit = r.Int32()
	m.Cursor = readCursor(r)
	r.SkipTags()
}

// readCursor reads a nullable struct: a presence byte, -1 for null, then
// the fields.
// Cursor is a nullable struct, for which the codec has no general form; as
// Kafka's generated code does, -1 is null and 1 a struct that follows.
func readCursor(r *reader) *topicPartitionsCursor {
	if r.Int8() < 0 {
		return nil
	}
	c := &topicPartitionsCursor{TopicName: r.String(), PartitionIndex: r.Int32()}
	r.SkipTags()
	return c
}

// writeCursor is readCursor's inverse, for NextCursor.
func writeCursor(w *writer, c *topicPartitionsCursor) {
	if c == nil {
		w.Int8(-1)
		return
	}
	w.Int8(1)
	w.String(c.TopicName)
	w.Int32(c.PartitionIndex)
	w.Tags()
}

type describeTopicPartitionsResponse struct {
	ThrottleTimeMs int32
	Topics         []describeTopicPartitionsTopic
	NextCursor     *topicPartitionsCursor
}

type describeTopicPartitionsTopic struct {
	ErrorCode int16
	// Name is nullable in the schema, though every answer here names its
	// topic.
	Name       *string
	TopicID    uuid
	IsInternal bool
	Partitions []describeTopicPartitionsPartition
	// TopicAuthorizedOperations is the topicOperations bit field; an admin
	// client reads it when asked to include authorized operations, as
	// DescribeTopicsOptions can.
	TopicAuthorizedOperations int32
}

type describeTopicPartitionsPartition struct {
	ErrorCode      int16
	PartitionIndex int32
	LeaderID       int32
	LeaderEpoch    int32
	ReplicaNodes   []int32
	IsrNodes       []int32
	// The ELR fields (KIP-966) are nullable lists of replicas that may
	// become leader without data loss; with one replica they are empty.
	EligibleLeaderReplicas []int32
	LastKnownElr           []int32
	OfflineReplicas        []int32
}

func (m *describeTopicPartitionsResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Topics, func(w *writer, t describeTopicPartitionsTopic) {
		w.Int16(t.ErrorCode)
		w.NullableString(t.Name)
		w.UUID(t.TopicID)
		w.Bool(t.IsInternal)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p describeTopicPartitionsPartition) {
			w.Int16(p.ErrorCode)
			w.Int32(p.PartitionIndex)
			w.Int32(p.LeaderID)
			w.Int32(p.LeaderEpoch)
			w.Int32s(p.ReplicaNodes)
			w.Int32s(p.IsrNodes)
			// writeArray, not Int32s, because these two arrays are
			// nullable.
			writeArray(w, p.EligibleLeaderReplicas, (*writer).Int32)
			writeArray(w, p.LastKnownElr, (*writer).Int32)
			w.Int32s(p.OfflineReplicas)
			w.Tags()
		})
		w.Int32(t.TopicAuthorizedOperations)
		w.Tags()
	})
	writeCursor(w, m.NextCursor)
	w.Tags()
}

// maxDescribePartitions is Kafka's max.request.partition.size.limit
// default: the most partitions one DescribeTopicPartitions answer holds
// (Config.MaxRequestPartitions).
const maxDescribePartitions = 2000

func (b *Broker) handleDescribeTopicPartitions(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeTopicPartitionsRequest)
	// An empty topic list is every topic, as
	// DescribeTopicPartitionsRequestHandler reads it; the schema's list is
	// not nullable, so there is no null to mean that.
	all := len(req.Topics) == 0
	from := ""
	if req.Cursor != nil {
		from = req.Cursor.TopicName
	}
	var names []string
	if all {
		for _, t := range b.logs.Topics() {
			names = append(names, t.Name)
		}
	} else {
		for _, t := range req.Topics {
			names = append(names, t.Name)
		}
	}
	// Topics before the cursor's were on earlier pages; dropping them
	// before sorting keeps the page's work proportional to what is left.
	names = slices.DeleteFunc(names, func(n string) bool { return n < from })
	slices.Sort(names)
	names = slices.Compact(names)
	// A cursor that points outside the request could only come from a bug
	// in the client, so Kafka's DescribeTopicPartitionsRequestHandler
	// refuses every topic named rather than guess a page.
	if req.Cursor != nil && (req.Cursor.PartitionIndex < 0 || !all && !slices.Contains(names, from)) {
		resp := &describeTopicPartitionsResponse{Topics: make([]describeTopicPartitionsTopic, 0, len(req.Topics))}
		for _, t := range req.Topics {
			resp.Topics = append(resp.Topics, describeTopicPartitionsTopic{ErrorCode: codeInvalidRequest, Name: ptr(t.Name), Partitions: []describeTopicPartitionsPartition{}, TopicAuthorizedOperations: authorizedOperationsOmitted})
		}
		return resp
	}
	names, denied := b.describableTopics(rc, names)
	// At least one partition per page, or a client asking for 0 would get
	// an empty page with a cursor to itself and loop forever.
	limit := max(min(req.ResponsePartitionLimit, b.cfg.MaxRequestPartitions), 1)
	resp := b.describeTopicPartitions(names, req.Cursor, int(limit), all)
	// Every topic answered gets what the principal may do with it, found
	// or not; the denied ones follow, named only if they were named.
	for i, t := range resp.Topics {
		resp.Topics[i].TopicAuthorizedOperations = b.authorizedOperations(rc, resTopic, deref(t.Name))
	}
	if !all {
		for _, name := range denied {
			resp.Topics = append(resp.Topics, describeTopicPartitionsTopic{ErrorCode: codeTopicAuthorizationFailed, Name: ptr(name), Partitions: []describeTopicPartitionsPartition{}, TopicAuthorizedOperations: authorizedOperationsOmitted})
		}
	}
	return resp
}

// describableTopics splits names into those the principal may describe
// and the others, under the authorizer (authorize.go); without it every
// topic may be described.
func (b *Broker) describableTopics(rc *requestContext, names []string) (allowed, denied []string) {
	if b.sec == nil || !b.sec.cfg.Authorizer {
		return names, nil
	}
	a := b.access(rc)
	return split(names, func(n string) bool { return a.may(aclDescribe, resTopic, n) })
}

// describeTopicPartitions pages through the sorted topic names, as
// KRaftMetadataCache.getTopicMetadataForDescribeTopicResponse does.
func (b *Broker) describeTopicPartitions(names []string, cursor *topicPartitionsCursor, remaining int, all bool) *describeTopicPartitionsResponse {
	resp := &describeTopicPartitionsResponse{Topics: []describeTopicPartitionsTopic{}}
	for i, name := range names {
		if remaining == 0 {
			// The page is full at a topic boundary: the next page starts
			// at this topic, whether or not it exists.
			resp.NextCursor = &topicPartitionsCursor{TopicName: name}
			break
		}
		t := b.logs.Topic(name)
		if t == nil {
			if !all {
				code := codeUnknownTopicOrPartition
				if validateTopicName(name) != nil {
					code = codeInvalidTopicException
				}
				resp.Topics = append(resp.Topics, describeTopicPartitionsTopic{ErrorCode: code, Name: ptr(name), IsInternal: isInternalTopic(name), Partitions: []describeTopicPartitionsPartition{}})
			}
			continue
		}
		start := 0
		// Only the cursor's own topic resumes mid-way; a topic after it
		// starts at partition 0.
		if cursor != nil && i == 0 && name == cursor.TopicName {
			start = int(cursor.PartitionIndex)
		}
		// A cursor partition past the topic's end, from a stale cursor,
		// gives the topic with no partitions; the max below keeps remaining
		// from growing.
		end := min(len(t.Partitions), start+remaining)
		dt := describeTopicPartitionsTopic{Name: ptr(name), TopicID: t.ID, IsInternal: isInternalTopic(name), Partitions: []describeTopicPartitionsPartition{}}
		for p := start; p < end; p++ {
			leader, offline := b.cfg.NodeID, []int32{}
			if t.Partitions[p].failed() != nil { // as in describeTopic
				leader, offline = -1, []int32{b.cfg.NodeID}
			}
			dt.Partitions = append(dt.Partitions, describeTopicPartitionsPartition{
				// Leader, replicas and ISR are all this broker, as Metadata
				// says, so kafka-topics.sh --describe shows what a
				// one-broker Kafka shows.
				PartitionIndex:         int32(p),
				LeaderID:               leader,
				LeaderEpoch:            currentLeaderEpoch,
				ReplicaNodes:           []int32{b.cfg.NodeID},
				IsrNodes:               []int32{b.cfg.NodeID},
				EligibleLeaderReplicas: []int32{},
				LastKnownElr:           []int32{},
				OfflineReplicas:        offline,
			})
		}
		resp.Topics = append(resp.Topics, dt)
		remaining -= max(end-start, 0)
		if end < len(t.Partitions) {
			resp.NextCursor = &topicPartitionsCursor{TopicName: name, PartitionIndex: int32(end)}
			break
		}
	}
	return resp
}

// DescribeProducers: v0 (DescribeProducersRequest.json, DescribeProducersResponse.json)
//
//	v0: flexible (KIP-664)
//
// The producers a partition remembers (producers.go): for each, its id
// and epoch, the last sequence and timestamp it wrote, and the first
// offset of its open transaction, if any, as kafka-transactions.sh
// describe-producers shows them to find a hanging transaction. It is
// Kafka's ProducerStateManager.activeProducers, read by
// ReplicaManager.activeProducerState; CoordinatorEpoch is that of the last
// marker, which our coordinator always writes as 0, and -1 before any.
// Callers: kafka-transactions.sh describe-producers and find-hanging, and
// Admin.describeProducers. KafkaApis.handleDescribeProducersRequest answers
// it per partition.
type describeProducersRequest struct {
	Topics []describeProducersTopic
}

type describeProducersTopic struct {
	Name             string
	PartitionIndexes []int32
}

func (m *describeProducersRequest) decode(r *reader, v int16) {
	m.Topics = readArray(r, func(r *reader) (t describeProducersTopic) {
		t.Name = r.String()
		t.PartitionIndexes = r.Int32s()
		r.SkipTags()
		return t
	})
	r.SkipTags()
}

type describeProducersResponse struct {
	ThrottleTimeMs int32
	Topics         []describeProducersTopicResponse
}

type describeProducersTopicResponse struct {
	Name       string
	Partitions []describeProducersPartition
}

type describeProducersPartition struct {
	PartitionIndex  int32
	ErrorCode       int16
	ErrorMessage    *string
	ActiveProducers []activeProducer
}

type activeProducer struct {
	ProducerID int64
	// The schema widens ProducerEpoch to int32, though epochs are int16 on
	// the wire everywhere else.
	ProducerEpoch    int32
	LastSequence     int32
	LastTimestamp    int64
	CoordinatorEpoch int32
	// CurrentTxnStartOffset is -1 unless the producer has a transaction
	// open here; a transaction open for long past its timeout is the
	// hanging transaction that find-hanging looks for.
	CurrentTxnStartOffset int64
}

func (m *describeProducersResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	writeArrayNonNull(w, m.Topics, func(w *writer, t describeProducersTopicResponse) {
		w.String(t.Name)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p describeProducersPartition) {
			w.Int32(p.PartitionIndex)
			w.Int16(p.ErrorCode)
			w.NullableString(p.ErrorMessage)
			writeArrayNonNull(w, p.ActiveProducers, func(w *writer, a activeProducer) {
				w.Int64(a.ProducerID)
				w.Int32(a.ProducerEpoch)
				w.Int32(a.LastSequence)
				w.Int64(a.LastTimestamp)
				w.Int32(a.CoordinatorEpoch)
				w.Int64(a.CurrentTxnStartOffset)
				w.Tags()
			})
			w.Tags()
		})
		w.Tags()
	})
	w.Tags()
}

func (b *Broker) handleDescribeProducers(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeProducersRequest)
	resp := &describeProducersResponse{Topics: make([]describeProducersTopicResponse, 0, len(req.Topics))}
	for _, t := range req.Topics {
		topic := b.logs.Topic(t.Name)
		tr := describeProducersTopicResponse{Name: t.Name, Partitions: make([]describeProducersPartition, 0, len(t.PartitionIndexes))}
		// A bad name or an unknown topic fails each of its partitions
		// with a message, an unknown partition of a known topic without
		// one, as Kafka's KafkaApis.handleDescribeProducersRequest and
		// ReplicaManager.activeProducerState answer them.
		var topicCode int16
		var topicMsg *string
		if err := validateTopicName(t.Name); err != nil {
			topicCode, topicMsg = codeInvalidTopicException, ptr(err.Error())
		} else if topic == nil {
			topicCode, topicMsg = codeUnknownTopicOrPartition, ptr("This server does not host this topic-partition.")
		}
		for _, p := range t.PartitionIndexes {
			// ActiveProducers is not nullable in the schema, so a partition
			// answered with an error carries an empty list.
			pr := describeProducersPartition{PartitionIndex: p, ActiveProducers: []activeProducer{}}
			if topicCode != codeNone {
				pr.ErrorCode, pr.ErrorMessage = topicCode, topicMsg
			} else if pl := b.topicPartition(topic, p); pl == nil {
				pr.ErrorCode = codeUnknownTopicOrPartition
			} else if pl.failed() != nil {
				// An offline partition (flush.go), whose producer state
				// may not match its files, as
				// ReplicaManager.getPartitionOrError answers
				// HostedPartition.Offline.
				pr.ErrorCode = codeKafkaStorageError
			} else {
				pr.ActiveProducers = pl.ActiveProducers()
			}
			tr.Partitions = append(tr.Partitions, pr)
		}
		resp.Topics = append(resp.Topics, tr)
	}
	return resp
}

// ActiveProducers lists the producers the partition remembers, by id.
func (l *partitionLog) ActiveProducers() []activeProducer {
	// The producer state is Append's, under appendMu; the open
	// transactions are also under mu, taken second as everywhere.
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]activeProducer, 0, len(l.producers))
	for id, e := range l.producers {
		// LastSequence stays -1, the schema's default, when the partition
		// keeps no batch of the producer's to take it from.
		a := activeProducer{ProducerID: id, ProducerEpoch: int32(e.epoch), LastSequence: -1, LastTimestamp: e.lastTimestamp, CoordinatorEpoch: e.coordinatorEpoch, CurrentTxnStartOffset: -1}
		if n := len(e.batches); n > 0 {
			a.LastSequence = e.batches[n-1].lastSeq
		}
		if first, open := l.txns.ongoing[id]; open {
			a.CurrentTxnStartOffset = first
		}
		out = append(out, a)
	}
	// Sorted by id, so that the tool's table is the same on every call; map
	// order would shuffle it.
	slices.SortFunc(out, func(a, b activeProducer) int { return cmp.Compare(a.ProducerID, b.ProducerID) })
	return out
}

// UpdateFeatures: v0-2 (UpdateFeaturesRequest.json, UpdateFeaturesResponse.json)
//
//	v0: flexible (KIP-584)
//	v1: UpgradeType replaces AllowDowngrade; ValidateOnly (KIP-778)
//	v2: no per-feature Results: one error for the request (KIP-1022)
//
// Feature flags (metadata.version, transaction.version, ...) let a cluster
// turn on new behaviour once every node supports it; features.go says
// which this broker serves, at which levels. Following
// FeatureControlManager.updateFeature, as a single-node KRaft cluster runs
// it (featureUpdateRefusal): a negative level or an unknown UpgradeType is
// INVALID_UPDATE_VERSION, as is a level outside what the broker supports
// ("Local controller N does not support this feature", or "only supports
// versions ..." for a feature served), a level below the current one
// asked as an upgrade, and one above it asked as a downgrade. Kafka
// applies a request's updates all or none, and answers with its first
// failure for the whole request, "The update failed for all features
// since the following feature had an error: " and the failure, with no
// per-feature results; below v2 a request that succeeds has a result
// for each update (QuorumController.updateFeatures). Repeating the
// failure in a result per update, as Kafka did before 3.9, made a
// request of thousands of one-byte updates cost a few hundred bytes of
// answer each. ValidateOnly checks and applies nothing.
// Callers: kafka-features.sh upgrade, downgrade and disable, and
// Admin.updateFeatures. Kafka forwards it to the controller
// (ControllerApis.handleUpdateFeatures, FeatureControlManager).
type updateFeaturesRequest struct {
	TimeoutMs      int32
	FeatureUpdates []featureUpdate
	ValidateOnly   bool
}

type featureUpdate struct {
	Feature         string
	MaxVersionLevel int16
	// AllowDowngrade is v0's form; from v1 UpgradeType says the same with
	// safe and unsafe downgrades told apart (KIP-778).
	AllowDowngrade bool
	UpgradeType    int8
}

func (m *updateFeaturesRequest) decode(r *reader, v int16) {
	m.TimeoutMs = r.Int32()
	m.FeatureUpdates = readArray(r, func(r *reader) (f featureUpdate) {
		f.Feature = r.String()
		f.MaxVersionLevel = r.Int16()
		if v == 0 {
			f.AllowDowngrade = r.Bool()
		} else {
			f.UpgradeType = r.Int8()
		}
		r.SkipTags()
		return f
	})
	if v >= 1 {
		m.ValidateOnly = r.Bool()
	}
	r.SkipTags()
}

// UpgradeType values (FeatureUpdate.UpgradeType).
const (
	upgradeTypeUpgrade         int8 = 1
	upgradeTypeSafeDowngrade   int8 = 2
	upgradeTypeUnsafeDowngrade int8 = 3
)

type updateFeaturesResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ErrorMessage   *string
	Results        []updatableFeatureResult
}

type updatableFeatureResult struct {
	Feature      string
	ErrorCode    int16
	ErrorMessage *string
}

func (m *updateFeaturesResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	// v2 dropped the per-feature results (KIP-1022): the one error of the
	// request says it all.
	if v <= 1 {
		writeArrayNonNull(w, m.Results, func(w *writer, f updatableFeatureResult) {
			w.String(f.Feature)
			w.Int16(f.ErrorCode)
			w.NullableString(f.ErrorMessage)
			w.Tags()
		})
	}
	w.Tags()
}

func (b *Broker) handleUpdateFeatures(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*updateFeaturesRequest)
	resp := &updateFeaturesResponse{}
	for _, f := range req.FeatureUpdates {
		// The first refusal wins, as Kafka stops at the first failed update
		// and applies none.
		if msg := b.featureUpdateRefusal(f, rc.header.APIVersion); msg != "" && resp.ErrorCode == codeNone {
			resp.ErrorCode, resp.ErrorMessage = codeInvalidUpdateVersion, ptr(fmt.Sprintf("%sInvalid update version %d for feature %s. %s", featuresFailedPrefix, f.MaxVersionLevel, f.Feature, msg))
		}
	}
	if resp.ErrorCode == codeNone && !req.ValidateOnly {
		levels := make(map[string]int16, len(req.FeatureUpdates))
		for _, f := range req.FeatureUpdates {
			levels[f.Feature] = f.MaxVersionLevel
		}
		if err := b.features.set(levels); err != nil {
			b.log.Error("finalizing features", "err", err)
			resp.ErrorCode, resp.ErrorMessage = codeUnknownServerError, ptr(err.Error())
		}
	}
	if rc.header.APIVersion <= 1 && resp.ErrorCode == codeNone {
		resp.Results = make([]updatableFeatureResult, 0, len(req.FeatureUpdates))
		for _, f := range req.FeatureUpdates {
			resp.Results = append(resp.Results, updatableFeatureResult{Feature: f.Feature, ErrorCode: resp.ErrorCode, ErrorMessage: resp.ErrorMessage})
		}
	}
	return resp
}

// featuresFailedPrefix opens the message of a refused UpdateFeatures,
// as QuorumController.updateFeatures words it.
const featuresFailedPrefix = "The update failed for all features since the following feature had an error: "

// DescribeCluster: v0-2 (DescribeClusterRequest.json, DescribeClusterResponse.json)
//
//	v0: flexible from the start (KIP-700)
//	v1: EndpointType, brokers or controllers (KIP-919)
//	v2: IncludeFencedBrokers, and IsFenced per broker (KIP-1073)
//
// The admin clients' way to list brokers without Metadata's topic list.
// As a Kafka broker's listener does, this one answers for brokers only;
// asking it for controllers is MISMATCHED_ENDPOINT_TYPE.
type describeClusterRequest struct {
	IncludeClusterAuthorizedOperations bool
	// EndpointType is 1 (brokers) before v1, where it is not sent.
	EndpointType int8
	// IncludeFencedBrokers asks for fenced brokers too (KIP-1073, v2+).
	// This broker is the cluster's only one and is never fenced while
	// it answers, so the list is the same either way, as a single-node
	// Kafka's is.
	IncludeFencedBrokers bool
}

func (m *describeClusterRequest) decode(r *reader, v int16) {
	m.IncludeClusterAuthorizedOperations = r.Bool()
	m.EndpointType = 1
	if v >= 1 {
		m.EndpointType = r.Int8()
	}
	if v >= 2 {
		m.IncludeFencedBrokers = r.Bool()
	}
	r.SkipTags()
}

type describeClusterResponse struct {
	ThrottleTimeMs              int32
	ErrorCode                   int16
	ErrorMessage                *string
	EndpointType                int8
	ClusterID                   string
	ControllerID                int32
	Brokers                     []describeClusterBroker
	ClusterAuthorizedOperations int32
}

type describeClusterBroker struct {
	BrokerID int32
	Host     string
	Port     int32
	Rack     *string
	IsFenced bool // v2+; false, as above
}

func (m *describeClusterResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	if v >= 1 {
		w.Int8(m.EndpointType)
	}
	w.String(m.ClusterID)
	w.Int32(m.ControllerID)
	writeArrayNonNull(w, m.Brokers, func(w *writer, b describeClusterBroker) {
		w.Int32(b.BrokerID)
		w.String(b.Host)
		w.Int32(b.Port)
		w.NullableString(b.Rack)
		if v >= 2 {
			w.Bool(b.IsFenced)
		}
		w.Tags()
	})
	w.Int32(m.ClusterAuthorizedOperations)
	w.Tags()
}

// Endpoint types of DescribeCluster v1 (KIP-919).
const (
	endpointBrokers     = 1
	endpointControllers = 2
)

// handleDescribeCluster answers with this broker as the cluster's only
// broker and its controller, as Metadata does, so that the two APIs never
// disagree about where a client should connect.
func (b *Broker) handleDescribeCluster(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeClusterRequest)
	// A refusal carries nothing but its code and message: the other
	// fields keep their schema defaults (EndpointType 1, ControllerId
	// -1), as in Kafka's AuthHelper.computeDescribeClusterResponse, so
	// that a client cannot take it for a description of the cluster.
	refuse := func(code int16, msg string) response {
		return &describeClusterResponse{ErrorCode: code, ErrorMessage: &msg, EndpointType: endpointBrokers,
			ControllerID: -1, Brokers: []describeClusterBroker{}, ClusterAuthorizedOperations: authorizedOperationsOmitted}
	}
	switch req.EndpointType {
	case endpointBrokers:
	case endpointControllers:
		return refuse(codeMismatchedEndpointType, "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER")
	default:
		return refuse(codeUnsupportedEndpointType, fmt.Sprintf("Unsupported endpoint type %d", req.EndpointType))
	}
	resp := &describeClusterResponse{
		EndpointType:                endpointBrokers,
		ClusterID:                   b.cfg.ClusterID,
		ControllerID:                b.cfg.NodeID,
		ClusterAuthorizedOperations: authorizedOperationsOmitted,
	}
	if req.IncludeClusterAuthorizedOperations {
		resp.ClusterAuthorizedOperations = b.authorizedOperations(rc, resCluster, clusterName)
	}
	host, port := rc.advertisedHostPort()
	resp.Brokers = []describeClusterBroker{{BrokerID: b.cfg.NodeID, Host: host, Port: port}}
	return resp
}
