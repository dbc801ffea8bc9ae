// This file is the KRaft quorum, as a single-node Kafka 4.0 cluster in
// combined mode has it (one process that is both the broker and the only
// voter of the controller quorum, as Kafka's quickstart runs), and the
// four APIs that ask about it or change it: DescribeQuorum,
// UnregisterBroker, AddRaftVoter and RemoveRaftVoter. It is in Part IV,
// operations, after cluster.go and features.go, and assumes both: the
// one-broker answers of the first and kraft.version from the second.
//
// A Kafka cluster keeps its metadata (topics, configs, ACLs, features,
// brokers) as records of one log, __cluster_metadata, replicated by the
// controllers through Raft (KIP-500, KIP-595). The controller that leads
// the quorum appends; the others fetch; a record counts once a majority
// has it, and the high watermark says how far that is. Operators ask who
// leads and how far each replica got:
//
//	$ kafka-metadata-quorum.sh --bootstrap-server 127.0.0.1:9092 describe --status
//	ClusterId:              q1Sh-9_ISia_zwGINzRvyQ
//	LeaderId:               0
//	LeaderEpoch:            3
//	HighWatermark:          12
//	MaxFollowerLag:         0
//	MaxFollowerLagTimeMs:   0
//	CurrentVoters:          [{"id": 0, "directoryId": "AAAAAAAAAAAAAAAAAAAAAA", "endpoints": ["PLAINTEXT://127.0.0.1:9092"]}]
//	CurrentObservers:       []
//
// Here the quorum is this process alone, and what it reports is this:
//
//	what                 here                                          why
//	voters               this node, leader                             the only voter
//	observers            none                                          the broker is the voter itself
//	kraft.version        0: a static quorum                            voters cannot change (below)
//	leader epoch         +1 at every start                             a lone voter's election on start
//	high watermark       +1 at every start and every metadata change   the records Kafka would commit
//	log end offset       the high watermark                            one voter commits what it appends
//	LastFetchTimestamp   now                                           RaftUtil.toReplicaState, for the leader
//	directory id         zero (AAAAAAAAAAAAAAAAAAAAAA)                 a static voter has none
//	endpoints (v2)       the listener the request came in on           where this node's controller is reached
//
// # The epoch and the offset
//
// Kafka's quorum-state file keeps the leader epoch of its Raft log, and
// a lone voter that starts elects itself at the next epoch
// (KafkaRaftClient, QuorumState.transitionToCandidate), then appends a
// LeaderChangeMessage, one record, as the new leader. The data dir's
// quorum-state.json keeps both numbers here, the epoch and the end of
// the log, and Open moves each by one. After that the end moves by one
// for each change a Kafka controller would have written to
// __cluster_metadata, counted from the answers (metadataWrites below): a
// topic created or deleted, partitions added, a config resource altered,
// an ACL created or deleted, a quota entity or a SCRAM user altered, a
// feature updated. Validate-only requests and refused items count
// nothing. Kafka writes several records for some of these (a topic is a
// TopicRecord and one PartitionRecord per partition) and a NoOpRecord
// every metadata.max.idle.interval.ms; this count has one per change and
// no idle records, so it grows slower than Kafka's but, as Kafka's, only
// grows, survives restarts, and moves exactly when the metadata does.
// Producer-id blocks, which Kafka also records, are not counted: their
// allocator (producers.go) reserves them itself. With one voter the high
// watermark is the log end offset: there is no one else to wait for.
//
// # Static quorum: kraft.version 0
//
// kraft.version (KIP-853) says whether the set of voters is in the log,
// and so can change (1), or fixed by controller.quorum.voters (0). This
// broker has one voter and no way to replicate to a second, so it
// supports level 0 alone, as features.go advertises, and AddRaftVoter and
// RemoveRaftVoter answer as Kafka's AddVoterHandler and
// RemoveVoterHandler answer on a static quorum: after the checks of the
// request itself, UNSUPPORTED_VERSION, "Cluster doesn't support adding
// voter because the kraft.version feature is 0". A level-1 quorum would
// have to take a second voter in, which means replicating the metadata
// log to it; that is a cluster, which this broker is not.
//
// # UnregisterBroker
//
// Kafka's controller (ReplicationControlManager.unregisterBroker) answers
// BROKER_ID_NOT_REGISTERED for an id it has no registration of, which
// here is every id but this broker's. For a registered broker it writes
// an UnregisterBrokerRecord and answers NONE, whether the broker is alive
// or not; a live broker then fails every heartbeat (STALE_BROKER_EPOCH)
// until it restarts, and its partitions have no leader meanwhile. In a
// one-broker cluster that takes every partition offline until a restart.
// This broker does not do that to itself: unregistering its own id is
// INVALID_REQUEST, with a message saying why. That is a deliberate
// difference from Kafka, the one in this file; kafka-cluster.sh
// unregister is meant for brokers that are gone, and here none ever is.

package kafka

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Error codes of the quorum APIs (Errors.java).
const (
	codeBrokerIDNotRegistered int16 = 102
	codeInconsistentClusterID int16 = 104
)

// errUnknownTopicPartitionMsg is Errors.UNKNOWN_TOPIC_OR_PARTITION's
// message, which DescribeQuorum's partition-level errors carry.
const errUnknownTopicPartitionMsg = "This server does not host this topic-partition."

const (
	kraftVersionFeature = "kraft.version"
	// kraftVersionStatic is the one kraft.version level served: a static
	// quorum, whose voters cannot change.
	kraftVersionStatic int16 = 0
	// quorumStateFile keeps the epoch and the metadata offset in the
	// data dir; quorumStateHolds is what a start without it lacks, for
	// storeUnreadable.
	quorumStateFile  = "quorum-state.json"
	quorumStateHolds = "quorum state (the leader epoch and the metadata offset start again from 0)"
)

// quorumState is the leader epoch of the quorum and the end of its
// metadata log (see the header), and the file that keeps them.
type quorumState struct {
	mu   sync.Mutex
	path string
	at   quorumPosition
}

// quorumPosition is what quorum-state.json holds.
type quorumPosition struct {
	LeaderEpoch int32 `json:"leaderEpoch"`
	EndOffset   int64 `json:"endOffset"`
}

// openQuorumState reads the data dir's quorum-state.json, or starts a new
// quorum, and then elects this node at the next epoch: the epoch moves by
// one and the log by one record, Kafka's LeaderChangeMessage. It is
// written before the broker serves, so that no answer shows an epoch a
// crash could take back.
func openQuorumState(dataDir string) (*quorumState, error) {
	q := &quorumState{path: filepath.Join(dataDir, quorumStateFile)}
	data, err := os.ReadFile(q.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, storeUnreadable(q.path, quorumStateHolds, err)
	default:
		// Strictly (decodeStoredJSON): a key that lost a byte would
		// otherwise read as 0, an epoch or metadata offset started
		// again with no word of it.
		if err := decodeStoredJSON(data, &q.at); err != nil {
			return nil, storeUnreadable(q.path, quorumStateHolds, err)
		}
		// A negative number, or one that cannot move by one, was never
		// written by the broker.
		if q.at.LeaderEpoch < 0 || q.at.EndOffset < 0 || q.at.LeaderEpoch == math.MaxInt32 || q.at.EndOffset == math.MaxInt64 {
			return nil, storeUnreadable(q.path, quorumStateHolds, fmt.Errorf("epoch %d or offset %d out of range", q.at.LeaderEpoch, q.at.EndOffset))
		}
	}
	next := quorumPosition{q.at.LeaderEpoch + 1, q.at.EndOffset + 1}
	if err := q.save(next); err != nil {
		return nil, err
	}
	q.at = next
	return q, nil
}

// save writes at to the file, whole through a new file renamed over it;
// or, when a full disk has no block for the new file, over the old one in
// place (saveInPlace). Without that, a broker that stopped cleanly could
// not start again on a full disk, which its election at every start
// writes to: it would exit at every start until space was freed, where
// every other file is only read or is written without new blocks.
func (q *quorumState) save(at quorumPosition) error {
	data, err := json.Marshal(at)
	if err != nil {
		return err
	}
	data = append(data, '\n')
	err = writeFileAtomic(q.path, data)
	if errors.Is(err, syscall.ENOSPC) && saveInPlace(q.path, data) == nil {
		return nil
	}
	return err
}

// saveInPlace overwrites the file at path with data, padded with spaces,
// which JSON ignores, to the old size so that one write replaces every
// byte: a few dozen bytes in the block the file has, which needs no new
// one. A process crash cannot tear one write; a power cut could tear it
// only inside one disk sector, which most disks write whole, and a torn
// file stops the next start naming it, as damage does.
func saveInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	// The broker writes well under a block; a larger file is not its own,
	// and is left for the next start to refuse.
	if fi.Size() > 4096 {
		return fmt.Errorf("kafka: %s holds %d bytes, more than the broker writes", path, fi.Size())
	}
	if pad := fi.Size() - int64(len(data)); pad > 0 {
		data = append(bytes.Repeat([]byte{' '}, int(pad)), data...)
	}
	if _, err := f.WriteAt(data, 0); err != nil {
		return err
	}
	return fsyncFile(f)
}

// appended moves the end of the log by n records. The end moves even if
// the file cannot be written, and the error is returned for the log: the
// change itself was made, and the offset must not stand still while the
// metadata moves.
func (q *quorumState) appended(n int) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.at.EndOffset += int64(n)
	return q.save(q.at)
}

// now is the epoch and the end of the log.
func (q *quorumState) now() (int32, int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.at.LeaderEpoch, q.at.EndOffset
}

// metadataWrites counts, for each API a Kafka controller answers by
// writing to __cluster_metadata, the changes an answer says were made:
// its items answered without an error, none for a validate-only request.
// conn.handle calls recordMetadataWrites with every answer before it is
// sent, so that a client that saw its change applied finds it counted.
var metadataWrites = map[int16]func(request, response) int{
	19: func(q request, p response) int {
		r, ok := p.(*createTopicsResponse)
		if !ok || q.(*createTopicsRequest).ValidateOnly {
			return 0
		}
		return countApplied(r.Topics, func(t creatableTopicResult) int16 { return t.ErrorCode })
	},
	20: func(_ request, p response) int {
		r, ok := p.(*deleteTopicsResponse)
		if !ok {
			return 0
		}
		return countApplied(r.Responses, func(t deletableTopicResult) int16 { return t.ErrorCode })
	},
	30: func(_ request, p response) int {
		r, ok := p.(*createAclsResponse)
		if !ok {
			return 0
		}
		return countApplied(r.Results, func(a aclCreationResult) int16 { return a.ErrorCode })
	},
	31: func(_ request, p response) int {
		r, ok := p.(*deleteAclsResponse)
		if !ok {
			return 0
		}
		n := 0
		for _, f := range r.FilterResults {
			if f.ErrorCode == codeNone {
				n += countApplied(f.MatchingAcls, func(a deleteAclsMatchingACL) int16 { return a.ErrorCode })
			}
		}
		return n
	},
	33: func(q request, p response) int {
		r, ok := p.(*alterConfigsResponse)
		if !ok || q.(*alterConfigsRequest).ValidateOnly {
			return 0
		}
		return countApplied(r.Responses, func(c alterConfigsResourceResponse) int16 { return c.ErrorCode })
	},
	37: func(q request, p response) int {
		r, ok := p.(*createPartitionsResponse)
		if !ok || q.(*createPartitionsRequest).ValidateOnly {
			return 0
		}
		return countApplied(r.Results, func(t createPartitionsTopicResult) int16 { return t.ErrorCode })
	},
	44: func(q request, p response) int {
		r, ok := p.(*alterConfigsResponse)
		if !ok || q.(*incrementalAlterConfigsRequest).ValidateOnly {
			return 0
		}
		return countApplied(r.Responses, func(c alterConfigsResourceResponse) int16 { return c.ErrorCode })
	},
	49: func(q request, p response) int {
		r, ok := p.(*alterClientQuotasResponse)
		if !ok || q.(*alterClientQuotasRequest).ValidateOnly {
			return 0
		}
		return countApplied(r.Entries, func(e alterQuotaResult) int16 { return e.ErrorCode })
	},
	51: func(_ request, p response) int {
		r, ok := p.(*alterUserScramCredentialsResponse)
		if !ok {
			return 0
		}
		return countApplied(r.Results, func(u alterUserScramResult) int16 { return u.ErrorCode })
	},
	// UpdateFeatures has one code for the request; Kafka writes a
	// FeatureLevelRecord per feature updated, even at its current level.
	57: func(q request, p response) int {
		r, ok := p.(*updateFeaturesResponse)
		req := q.(*updateFeaturesRequest)
		if !ok || r.ErrorCode != codeNone || req.ValidateOnly {
			return 0
		}
		return len(req.FeatureUpdates)
	},
}

// countApplied is how many items were answered without an error.
func countApplied[T any](items []T, code func(T) int16) int {
	n := 0
	for _, it := range items {
		if code(it) == codeNone {
			n++
		}
	}
	return n
}

// recordMetadataWrites moves the metadata log's end by the changes resp
// made. A failed write of quorum-state.json is logged; the count has
// moved in memory all the same (quorumState.appended).
func (b *Broker) recordMetadataWrites(key int16, req request, resp response) {
	count, ok := metadataWrites[key]
	if !ok || resp == nil {
		return
	}
	if n := count(req, resp); n > 0 {
		if err := b.quorum.appended(n); err != nil {
			b.log.Error("recording metadata changes in quorum state", "err", err)
		}
	}
}

// DescribeQuorum: v0-2 (DescribeQuorumRequest.json, DescribeQuorumResponse.json)
//
//	v0: flexible from the start (KIP-595)
//	v1: LastFetchTimestamp and LastCaughtUpTimestamp per replica (KIP-836)
//	v2: ErrorMessage, ReplicaDirectoryId, and the voters' Nodes (KIP-853)
//
// Who leads the metadata quorum, at which epoch, and how far each
// replica's log reaches. Callers: kafka-metadata-quorum.sh describe
// --status and --replication, Admin.describeMetadataQuorum, kadm's
// DescribeMetadataQuorum. A Kafka broker forwards it to the controller
// (KafkaApis, ControllerApis.handleDescribeQuorum), whose
// KafkaRaftClient.handleDescribeQuorumRequest answers for
// __cluster_metadata partition 0 and nothing else: a request naming
// anything but exactly that one partition gets each partition it named
// back with UNKNOWN_TOPIC_OR_PARTITION
// (DescribeQuorumRequest.getPartitionLevelErrorResponse).
type describeQuorumRequest struct {
	Topics []describeQuorumTopic
}

type describeQuorumTopic struct {
	TopicName  string
	Partitions []describeQuorumPartition
}

type describeQuorumPartition struct {
	PartitionIndex int32
}

func (m *describeQuorumRequest) decode(r *reader, v int16) {
	m.Topics = readArray(r, func(r *reader) (t describeQuorumTopic) {
		t.TopicName = r.String()
		t.Partitions = readArray(r, func(r *reader) (p describeQuorumPartition) {
			p.PartitionIndex = r.Int32()
			r.SkipTags()
			return p
		})
		r.SkipTags()
		return t
	})
	r.SkipTags()
}

type describeQuorumResponse struct {
	ErrorCode    int16
	ErrorMessage *string // v2+
	Topics       []describeQuorumTopicData
	Nodes        []quorumNode // v2+
}

type describeQuorumTopicData struct {
	TopicName  string
	Partitions []describeQuorumPartitionData
}

type describeQuorumPartitionData struct {
	PartitionIndex int32
	ErrorCode      int16
	ErrorMessage   *string // v2+
	LeaderID       int32
	LeaderEpoch    int32
	HighWatermark  int64
	CurrentVoters  []quorumReplicaState
	Observers      []quorumReplicaState
}

type quorumReplicaState struct {
	ReplicaID             int32
	ReplicaDirectoryID    uuid // v2+
	LogEndOffset          int64
	LastFetchTimestamp    int64 // v1+
	LastCaughtUpTimestamp int64 // v1+
}

type quorumNode struct {
	NodeID    int32
	Listeners []quorumListener
}

// quorumListener is an endpoint of a voter, in DescribeQuorum's Nodes and
// AddRaftVoter's request alike.
type quorumListener struct {
	Name string
	Host string
	Port uint16
}

func (m *describeQuorumResponse) encode(w *writer, v int16) {
	w.Int16(m.ErrorCode)
	if v >= 2 {
		w.NullableString(m.ErrorMessage)
	}
	writeArrayNonNull(w, m.Topics, func(w *writer, t describeQuorumTopicData) {
		w.String(t.TopicName)
		writeArrayNonNull(w, t.Partitions, func(w *writer, p describeQuorumPartitionData) {
			w.Int32(p.PartitionIndex)
			w.Int16(p.ErrorCode)
			if v >= 2 {
				w.NullableString(p.ErrorMessage)
			}
			w.Int32(p.LeaderID)
			w.Int32(p.LeaderEpoch)
			w.Int64(p.HighWatermark)
			writeReplicaStates(w, v, p.CurrentVoters)
			writeReplicaStates(w, v, p.Observers)
			w.Tags()
		})
		w.Tags()
	})
	if v >= 2 {
		writeArrayNonNull(w, m.Nodes, func(w *writer, n quorumNode) {
			w.Int32(n.NodeID)
			writeArrayNonNull(w, n.Listeners, writeQuorumListener)
			w.Tags()
		})
	}
	w.Tags()
}

func writeReplicaStates(w *writer, v int16, states []quorumReplicaState) {
	writeArrayNonNull(w, states, func(w *writer, s quorumReplicaState) {
		w.Int32(s.ReplicaID)
		if v >= 2 {
			w.UUID(s.ReplicaDirectoryID)
		}
		w.Int64(s.LogEndOffset)
		if v >= 1 {
			w.Int64(s.LastFetchTimestamp)
			w.Int64(s.LastCaughtUpTimestamp)
		}
		w.Tags()
	})
}

// The port is a uint16 on the wire, which the codec reads and writes as
// the int16 of the same bits.
func writeQuorumListener(w *writer, l quorumListener) {
	w.String(l.Name)
	w.String(l.Host)
	w.Int16(int16(l.Port))
	w.Tags()
}

func readQuorumListener(r *reader) (l quorumListener) {
	l.Name = r.String()
	l.Host = r.String()
	l.Port = uint16(r.Int16())
	r.SkipTags()
	return l
}

// asksForMetadataPartition is KafkaRaftClient.hasValidTopicPartition: one
// topic, __cluster_metadata, with one partition, 0.
func (m *describeQuorumRequest) asksForMetadataPartition() bool {
	return len(m.Topics) == 1 && m.Topics[0].TopicName == clusterMetadataTopic &&
		len(m.Topics[0].Partitions) == 1 && m.Topics[0].Partitions[0].PartitionIndex == 0
}

// handleDescribeQuorum answers as RaftUtil.singletonDescribeQuorumResponse
// does on the leader: this node the only voter, with the log end offset
// the high watermark is, and the current time as both of its timestamps
// (RaftUtil.toReplicaState reports the leader so). The messages are ""
// rather than null, the schema's default, which Kafka leaves them at.
func (b *Broker) handleDescribeQuorum(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*describeQuorumRequest)
	if !req.asksForMetadataPartition() {
		resp := &describeQuorumResponse{ErrorMessage: ptr(""), Topics: []describeQuorumTopicData{}, Nodes: []quorumNode{}}
		for _, t := range req.Topics {
			td := describeQuorumTopicData{TopicName: t.TopicName, Partitions: []describeQuorumPartitionData{}}
			for _, p := range t.Partitions {
				td.Partitions = append(td.Partitions, describeQuorumPartitionData{PartitionIndex: p.PartitionIndex,
					ErrorCode: codeUnknownTopicOrPartition, ErrorMessage: ptr(errUnknownTopicPartitionMsg),
					CurrentVoters: []quorumReplicaState{}, Observers: []quorumReplicaState{}})
			}
			resp.Topics = append(resp.Topics, td)
		}
		return resp
	}
	epoch, end := b.quorum.now()
	now := time.Now().UnixMilli()
	self := quorumReplicaState{ReplicaID: b.cfg.NodeID, LogEndOffset: end, LastFetchTimestamp: now, LastCaughtUpTimestamp: now}
	return &describeQuorumResponse{
		ErrorMessage: ptr(""),
		Topics: []describeQuorumTopicData{{TopicName: clusterMetadataTopic, Partitions: []describeQuorumPartitionData{{
			ErrorMessage: ptr(""), LeaderID: b.cfg.NodeID, LeaderEpoch: epoch, HighWatermark: end,
			CurrentVoters: []quorumReplicaState{self}, Observers: []quorumReplicaState{},
		}}}},
		Nodes: []quorumNode{{NodeID: b.cfg.NodeID, Listeners: []quorumListener{b.voterListener(rc)}}},
	}
}

// voterListener is this node's endpoint as a voter: the listener the
// request came in on, at the address Metadata gives for it, which the
// client has just shown it can reach. A request with no connection
// (a test's) gets the first listener, at its configured address.
func (b *Broker) voterListener(rc *requestContext) quorumListener {
	if rc.conn == nil || rc.conn.listener == nil {
		l := b.sec.listeners[0]
		host, port, _ := net.SplitHostPort(cmp.Or(l.advertised, l.addr))
		n, _ := strconv.ParseUint(port, 10, 16)
		return quorumListener{Name: l.name, Host: host, Port: uint16(n)}
	}
	host, port := rc.advertisedHostPort()
	return quorumListener{Name: rc.conn.listener.name, Host: host, Port: uint16(port)}
}

// UnregisterBroker: v0 (UnregisterBrokerRequest.json, UnregisterBrokerResponse.json)
//
//	v0: flexible from the start (KIP-500)
//
// Removes a broker's registration from the cluster, for a broker that
// has been decommissioned. Caller: kafka-cluster.sh unregister, and
// Admin.unregisterBroker. A Kafka broker forwards it to the controller
// (ControllerApis.handleUnregisterBroker), which answers an id it has no
// registration of with BROKER_ID_NOT_REGISTERED and no message
// (ReplicationControlManager.unregisterBroker). This broker's own id is
// refused; see the header for why.
type unregisterBrokerRequest struct {
	BrokerID int32
}

func (m *unregisterBrokerRequest) decode(r *reader, v int16) {
	m.BrokerID = r.Int32()
	r.SkipTags()
}

type unregisterBrokerResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ErrorMessage   *string
}

func (m *unregisterBrokerResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	w.Tags()
}

func (b *Broker) handleUnregisterBroker(ctx context.Context, rc *requestContext, r request) response {
	id := r.(*unregisterBrokerRequest).BrokerID
	if id != b.cfg.NodeID {
		return &unregisterBrokerResponse{ErrorCode: codeBrokerIDNotRegistered, ErrorMessage: ptr("")}
	}
	return &unregisterBrokerResponse{ErrorCode: codeInvalidRequest, ErrorMessage: ptr(fmt.Sprintf(
		"Broker %d is this node, the cluster's only broker; unregistering it would leave every partition without a leader until it restarts. Stop it instead.", id))}
}

// AddRaftVoter: v0 (AddRaftVoterRequest.json, AddRaftVoterResponse.json)
//
//	v0: flexible from the start (KIP-853)
//
// Adds a controller to the voters of a dynamic quorum. Caller:
// kafka-metadata-quorum.sh add-controller, Admin.addRaftVoter. A Kafka
// broker forwards it to the controller (ControllerApis.handleAddRaftVoter),
// whose KafkaRaftClient.handleAddVoterRequest checks, in this order: a
// cluster id that is given and not this cluster's is
// INCONSISTENT_CLUSTER_ID; a negative voter id or a zero directory id is
// INVALID_REQUEST, and so is a voter without an endpoint for the
// quorum's listener; then AddVoterHandler refuses every change of a
// static quorum (kraft.version 0) with UNSUPPORTED_VERSION.
type addRaftVoterRequest struct {
	ClusterID        *string
	TimeoutMs        int32
	VoterID          int32
	VoterDirectoryID uuid
	Listeners        []quorumListener
}

func (m *addRaftVoterRequest) decode(r *reader, v int16) {
	m.ClusterID = r.NullableString()
	m.TimeoutMs = r.Int32()
	m.VoterID = r.Int32()
	m.VoterDirectoryID = r.UUID()
	m.Listeners = readArray(r, readQuorumListener)
	r.SkipTags()
}

// raftVoterResponse is AddRaftVoter's and RemoveRaftVoter's answer, which
// have the same fields.
type raftVoterResponse struct {
	ThrottleTimeMs int32
	ErrorCode      int16
	ErrorMessage   *string
}

func (m *raftVoterResponse) encode(w *writer, v int16) {
	w.Int32(m.ThrottleTimeMs)
	w.Int16(m.ErrorCode)
	w.NullableString(m.ErrorMessage)
	w.Tags()
}

func (b *Broker) handleAddRaftVoter(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*addRaftVoterRequest)
	if refused := b.voterChangeRefusal(req.ClusterID, req.VoterID, req.VoterDirectoryID, "Add"); refused != nil {
		return refused
	}
	listenerName := b.voterListener(rc).Name
	if !slices.ContainsFunc(req.Listeners, func(l quorumListener) bool { return strings.EqualFold(l.Name, listenerName) }) {
		return &raftVoterResponse{ErrorCode: codeInvalidRequest, ErrorMessage: ptr(fmt.Sprintf(
			"Add voter request didn't include the endpoint (%s) for the default listener ListenerName(%s)", endpointsString(req.Listeners), listenerName))}
	}
	return &raftVoterResponse{ErrorCode: codeUnsupportedVersion, ErrorMessage: ptr(fmt.Sprintf(
		"Cluster doesn't support adding voter because the %s feature is %d", kraftVersionFeature, kraftVersionStatic))}
}

// endpointsString is Kafka's Endpoints.toString of a voter's listeners:
// names upper-cased (ListenerName.normalised), addresses unresolved, in
// name order where Kafka's HashMap has its own.
func endpointsString(ls []quorumListener) string {
	parts := make([]string, 0, len(ls))
	for _, l := range ls {
		parts = append(parts, fmt.Sprintf("ListenerName(%s)=%s/<unresolved>:%d", strings.ToUpper(l.Name), l.Host, l.Port))
	}
	slices.Sort(parts)
	return "Endpoints(endpoints={" + strings.Join(parts, ", ") + "})"
}

// voterChangeRefusal is the checks AddRaftVoter and RemoveRaftVoter share
// before their own, in KafkaRaftClient's order, or nil. verb is "Add" or
// "Remove", as Kafka's messages say.
func (b *Broker) voterChangeRefusal(clusterID *string, voterID int32, dir uuid, verb string) response {
	if clusterID != nil && *clusterID != b.cfg.ClusterID {
		return &raftVoterResponse{ErrorCode: codeInconsistentClusterID, ErrorMessage: ptr(fmt.Sprintf(
			"The given id \"%s\" doesn't match the cluster id \"%s\"", *clusterID, b.cfg.ClusterID))}
	}
	// ReplicaKey.of: a zero directory id is no directory id, which a
	// voter of a dynamic quorum must have.
	if voterID < 0 || dir == (uuid{}) {
		return &raftVoterResponse{ErrorCode: codeInvalidRequest, ErrorMessage: ptr(verb + " voter request didn't include a valid voter")}
	}
	return nil
}

// RemoveRaftVoter: v0 (RemoveRaftVoterRequest.json, RemoveRaftVoterResponse.json)
//
//	v0: flexible from the start (KIP-853)
//
// Removes a controller from the voters of a dynamic quorum. Caller:
// kafka-metadata-quorum.sh remove-controller, Admin.removeRaftVoter.
// Checked as AddRaftVoter is (KafkaRaftClient.handleRemoveVoterRequest),
// then refused by RemoveVoterHandler on a static quorum.
type removeRaftVoterRequest struct {
	ClusterID        *string
	VoterID          int32
	VoterDirectoryID uuid
}

func (m *removeRaftVoterRequest) decode(r *reader, v int16) {
	m.ClusterID = r.NullableString()
	m.VoterID = r.Int32()
	m.VoterDirectoryID = r.UUID()
	r.SkipTags()
}

func (b *Broker) handleRemoveRaftVoter(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*removeRaftVoterRequest)
	if refused := b.voterChangeRefusal(req.ClusterID, req.VoterID, req.VoterDirectoryID, "Remove"); refused != nil {
		return refused
	}
	return &raftVoterResponse{ErrorCode: codeUnsupportedVersion, ErrorMessage: ptr(fmt.Sprintf(
		"Cluster doesn't support removing voter because the %s feature is %d", kraftVersionFeature, kraftVersionStatic))}
}
