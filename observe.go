// This file belongs to Part IV, operations, and assumes the log
// (log.go, topics.go), the group coordinator (groups.go, consumer.go) and
// the transaction coordinator (txn.go). It holds what the broker shows of
// itself: a read-only Snapshot of its topics, partitions, groups, lag and
// transactions, the health of the broker, and the HTTP handler that serves
// both, with the metrics of metrics.go and the web page of web.go.
//
// Everything a person or a program sees through HTTP is built from the
// Snapshot, so a Go test that embeds the broker can assert on exactly what
// the page shows:
//
//	b, _ := kafka.Open(kafka.Config{DataDir: dir})
//	go b.Serve(ctx, ln)
//	... produce, consume, commit with any client ...
//	s := b.Snapshot()
//	s.Topic("orders").Partitions[0].HighWatermark // 3
//	s.Group("billing").Offsets[0].Lag             // 1
//
// Design note: a snapshot copies what it reports under the locks the
// broker already has (the log dir's, each partition's read lock, each
// group's lock, the transaction coordinator's), one part at a time, and
// nests them only as the request paths do (a group's lock, then the log
// dir's to name a KIP-848 assignment's topics, as ConsumerGroupDescribe
// does), so taking one cannot deadlock with a request and holds up a
// produce for no longer than one partition's offsets take to copy. The price
// is that a snapshot is not one instant: a partition copied after a group
// may be ahead of the offset the group committed a moment later, so a lag
// can be momentarily off by what was produced meanwhile, never negative
// (it is clamped at 0). Kafka's own tools (kafka-consumer-groups.sh) read
// the committed offset and the log end with two requests and have the same
// skew.

package kafka

import (
	"cmp"
	"net/http"
	"slices"
	"time"
)

// Snapshot is the broker's state at about one moment: every topic with its
// partitions, every group with its members and committed offsets, and the
// transactions that are open. It is a copy; changing it changes nothing.
type Snapshot struct {
	Time         time.Time
	Topics       []TopicSnapshot       // sorted by name
	Groups       []GroupSnapshot       // sorted by id
	Transactions []TransactionSnapshot // every transactional id, sorted
}

// TopicSnapshot is one topic.
type TopicSnapshot struct {
	Name string
	ID   string // the topic id (KIP-516) as Kafka prints it
	// Configs holds the configs set on the topic itself; the ones it
	// inherits from the broker are not listed (see DescribeConfigs).
	Configs    map[string]string
	Partitions []PartitionSnapshot // indexed by partition number
}

// PartitionSnapshot is one partition's log.
type PartitionSnapshot struct {
	Partition        int32
	LogStartOffset   int64 // the first offset a consumer may read
	LastStableOffset int64 // where read_committed consumers stop (txn.go)
	HighWatermark    int64 // the log end offset: the next offset to assign
	SizeBytes        int64 // the segment files' bytes
	Segments         int
}

// GroupSnapshot is one group, of either protocol.
type GroupSnapshot struct {
	ID string
	// Type is "classic" (JoinGroup and SyncGroup), "consumer" (KIP-848's
	// ConsumerGroupHeartbeat) or "share" (KIP-932), as ListGroups v5 names
	// them. A share group's offsets are its share-partition start offsets.
	Type string
	// ProtocolType is the classic protocol type, "consumer" for consumers
	// and "" for a group that only commits offsets.
	ProtocolType string
	// Protocol is the assignor: the one the classic members chose, or the
	// server-side assignor of a consumer group.
	Protocol string
	State    string // as DescribeGroups or ConsumerGroupDescribe report it
	// Epoch is a classic group's generation, a consumer group's epoch.
	Epoch   int32
	Members []MemberSnapshot
	Offsets []OffsetSnapshot // sorted by topic and partition
}

// MemberSnapshot is one member of a group.
type MemberSnapshot struct {
	ID         string
	InstanceID string // group.instance.id of a static member, or ""
	ClientID   string
	ClientHost string
	// Assignment is what the member owns: for a classic consumer the
	// leader's assignment as SyncGroup handed it out, for a KIP-848 member
	// what the broker assigned it. It is nil for a classic group of another
	// protocol type (Connect, say), whose assignment this broker cannot read.
	Assignment []TopicPartition
}

// TopicPartition names a partition.
type TopicPartition struct {
	Topic     string
	Partition int32
}

// OffsetSnapshot is a group's committed offset of one partition, and how
// far the partition's end is past it.
type OffsetSnapshot struct {
	Topic     string
	Partition int32
	Committed int64
	Metadata  string
	// EndOffset is the partition's high watermark, or -1 if the partition
	// no longer exists.
	EndOffset int64
	// Lag is EndOffset - Committed, and 0 if that is negative or the
	// partition is gone: the records the group has yet to consume, as
	// kafka-consumer-groups.sh reports it.
	Lag int64
}

// TransactionSnapshot is one transactional id's state.
type TransactionSnapshot struct {
	TransactionalID string
	ProducerID      int64
	ProducerEpoch   int16
	State           string // Kafka's TransactionState: Empty, Ongoing, ...
	// Started is when the open transaction began; zero when none is open.
	Started    time.Time
	Timeout    time.Duration
	Partitions []TopicPartition // the partitions of the open transaction
	Groups     []string         // groups whose offsets it commits
}

// Records is how many offsets the topic's partitions hold, from their log
// start to their end (control batches and compaction's gaps included).
func (t *TopicSnapshot) Records() int64 {
	var n int64
	for _, p := range t.Partitions {
		n += p.HighWatermark - p.LogStartOffset
	}
	return n
}

// SizeBytes is the bytes of the topic's segment files.
func (t *TopicSnapshot) SizeBytes() int64 {
	var n int64
	for _, p := range t.Partitions {
		n += p.SizeBytes
	}
	return n
}

// Topic returns the named topic of s, or nil.
func (s Snapshot) Topic(name string) *TopicSnapshot {
	i := slices.IndexFunc(s.Topics, func(t TopicSnapshot) bool { return t.Name == name })
	if i < 0 {
		return nil
	}
	return &s.Topics[i]
}

// Group returns the group of s with the given id, or nil.
func (s Snapshot) Group(id string) *GroupSnapshot {
	i := slices.IndexFunc(s.Groups, func(g GroupSnapshot) bool { return g.ID == id })
	if i < 0 {
		return nil
	}
	return &s.Groups[i]
}

// Snapshot copies the broker's state (see the design note on what "at
// about one moment" means).
func (b *Broker) Snapshot() Snapshot {
	s := Snapshot{Time: time.Now()}
	for _, t := range b.logs.Topics() {
		s.Topics = append(s.Topics, snapshotTopic(t))
	}
	for _, g := range b.groups.allGroups() {
		if gs, ok := b.snapshotGroup(g, &s); ok {
			s.Groups = append(s.Groups, gs)
		}
	}
	if shares := b.shares.snapshot(&s); len(shares) > 0 {
		s.Groups = append(s.Groups, shares...)
		slices.SortFunc(s.Groups, func(a, b GroupSnapshot) int { return cmp.Compare(a.ID, b.ID) })
	}
	s.Transactions = b.txns.snapshot()
	return s
}

func snapshotTopic(t *topicLog) TopicSnapshot {
	ts := TopicSnapshot{Name: t.Name, ID: t.ID.String(), Configs: make(map[string]string, len(t.Configs))}
	for k, v := range t.Configs {
		ts.Configs[k] = v
	}
	for i, pl := range t.Partitions {
		ts.Partitions = append(ts.Partitions, pl.snapshot(int32(i)))
	}
	return ts
}

// snapshot copies the partition's offsets and size under its read lock.
func (l *partitionLog) snapshot(partition int32) PartitionSnapshot {
	l.mu.RLock()
	defer l.mu.RUnlock()
	p := PartitionSnapshot{Partition: partition, LogStartOffset: l.logStart, HighWatermark: l.hw, LastStableOffset: l.hw, Segments: len(l.segments)}
	for _, first := range l.txns.ongoing {
		p.LastStableOffset = min(p.LastStableOffset, first)
	}
	for _, seg := range l.segments {
		p.SizeBytes += seg.size
	}
	return p
}

// snapshotGroup copies g, whose offsets' lag is measured against the
// partitions already in s. A group that died meanwhile is left out.
func (b *Broker) snapshotGroup(g *group, s *Snapshot) (GroupSnapshot, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.state == stateDead {
		return GroupSnapshot{}, false
	}
	gs := GroupSnapshot{ID: g.id, ProtocolType: g.protocolType}
	if g.consumer != nil {
		cg := g.consumer
		gs.Type, gs.ProtocolType, gs.Protocol, gs.State, gs.Epoch = "consumer", consumerProtocolType, cg.assignor, cg.state().String(), cg.epoch
		for _, m := range cg.sortedMembers() {
			gs.Members = append(gs.Members, MemberSnapshot{
				ID: m.id, InstanceID: deref(m.instanceID), ClientID: m.clientID, ClientHost: m.clientHost,
				Assignment: b.namePartitions(m.assigned),
			})
		}
	} else {
		gs.Type, gs.Protocol, gs.State, gs.Epoch = "classic", deref(g.protocolName), g.state.String(), g.generation
		for _, m := range g.sortedMembers() {
			ms := MemberSnapshot{ID: m.id, InstanceID: deref(m.instanceID), ClientID: m.clientID, ClientHost: m.clientHost}
			if g.protocolType == consumerProtocolType {
				ms.Assignment = parseAssignment(m.assignment)
			}
			gs.Members = append(gs.Members, ms)
		}
	}
	for tp, o := range g.offsets {
		gs.Offsets = append(gs.Offsets, offsetSnapshot(tp, o, s))
	}
	slices.SortFunc(gs.Offsets, func(a, b OffsetSnapshot) int {
		return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return gs, true
}

func offsetSnapshot(tp topicPartition, o committedOffset, s *Snapshot) OffsetSnapshot {
	os := OffsetSnapshot{Topic: tp.topic, Partition: tp.partition, Committed: o.offset, Metadata: o.metadata, EndOffset: -1}
	if t := s.Topic(tp.topic); t != nil && int(tp.partition) < len(t.Partitions) {
		os.EndOffset = t.Partitions[tp.partition].HighWatermark
		os.Lag = max(0, os.EndOffset-o.offset)
	}
	return os
}

// namePartitions lists a KIP-848 assignment by topic name, leaving out
// topics deleted since.
func (b *Broker) namePartitions(s partitionSet) []TopicPartition {
	var out []TopicPartition
	for _, t := range s.wire() {
		if tl := b.logs.TopicByID(t.TopicID); tl != nil {
			for _, p := range t.Partitions {
				out = append(out, TopicPartition{tl.Name, p})
			}
		}
	}
	return out
}

// parseAssignment lists a classic consumer's assignment
// (ConsumerProtocolAssignment, read by parseConsumerAssignment) by topic
// and partition. What does not parse is shown as no assignment.
func parseAssignment(b []byte) []TopicPartition {
	parts, err := parseConsumerAssignment(b)
	if err != nil {
		return nil
	}
	var out []TopicPartition
	for topic, ps := range parts {
		for _, p := range ps {
			out = append(out, TopicPartition{topic, p})
		}
	}
	slices.SortFunc(out, func(a, b TopicPartition) int {
		return cmp.Or(cmp.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition))
	})
	return out
}

// snapshot copies every transactional id's state.
func (c *txnCoordinator) snapshot() []TransactionSnapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]TransactionSnapshot, 0, len(c.byID))
	for _, m := range c.byID {
		ts := TransactionSnapshot{
			TransactionalID: m.ID, ProducerID: m.ProducerID, ProducerEpoch: m.ProducerEpoch,
			State: m.State.String(), Timeout: time.Duration(m.TimeoutMs) * time.Millisecond,
			Groups: slices.Clone(m.Groups),
		}
		if m.State == txnOngoing {
			ts.Started = time.UnixMilli(m.StartMs)
		}
		for _, p := range m.Partitions {
			ts.Partitions = append(ts.Partitions, TopicPartition{p.Topic, p.Partition})
		}
		out = append(out, ts)
	}
	slices.SortFunc(out, func(a, b TransactionSnapshot) int { return cmp.Compare(a.TransactionalID, b.TransactionalID) })
	return out
}

// ProducerSnapshot is what a partition remembers of one idempotent or
// transactional producer (producers.go).
type ProducerSnapshot struct {
	Topic         string
	Partition     int32
	ProducerID    int64
	ProducerEpoch int16
	LastSequence  int32 // of the producer's newest batch in the partition
	LastOffset    int64 // of that batch's last record
	// OpenTxnFirstOffset is the first offset of the producer's open
	// transaction in this partition, or -1 when none is open.
	OpenTxnFirstOffset int64
}

// Producers lists the producers every partition keeps state for, by topic,
// partition and producer id. It waits for each partition's append in
// progress, since that is what guards the producer state; it is meant for
// the web page, not for scraping.
func (b *Broker) Producers() []ProducerSnapshot {
	var out []ProducerSnapshot
	for _, t := range b.logs.Topics() {
		for i, pl := range t.Partitions {
			out = append(out, pl.producerSnapshot(t.Name, int32(i))...)
		}
	}
	return out
}

func (l *partitionLog) producerSnapshot(topic string, partition int32) []ProducerSnapshot {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	l.mu.RLock()
	defer l.mu.RUnlock()
	var out []ProducerSnapshot
	for id, e := range l.producers {
		p := ProducerSnapshot{Topic: topic, Partition: partition, ProducerID: id, ProducerEpoch: e.epoch, LastSequence: -1, LastOffset: -1, OpenTxnFirstOffset: -1}
		if n := len(e.batches); n > 0 {
			p.LastSequence, p.LastOffset = e.batches[n-1].lastSeq, e.batches[n-1].lastOffset
		}
		if first, open := l.txns.ongoing[id]; open {
			p.OpenTxnFirstOffset = first
		}
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b ProducerSnapshot) int { return cmp.Compare(a.ProducerID, b.ProducerID) })
	return out
}

// Health.
//
// A broker is ready once Open has loaded every log and Serve has its
// listener: before that, and from the moment Serve's context is cancelled,
// /healthz answers 503, so that a container orchestrator sends no traffic
// to a broker that is starting or draining. The listener is bound before
// Serve is called (Serve takes a net.Listener), so "Serve has started" is
// "the listener is bound".

// Broker states, for health.
const (
	brokerStarting int32 = iota // opened, not yet serving
	brokerServing
	brokerStopping // Serve's context is done, or Serve has returned
)

// Ready reports whether the broker is serving: its logs are loaded and its
// listener is accepting, and it has not begun to stop.
func (b *Broker) Ready() bool { return b.state.Load() == brokerServing }

// Handler serves what the broker shows of itself over HTTP, read-only:
//
//	/healthz   200 "ok" while Ready, else 503
//	/metrics   Prometheus text format (metrics.go)
//	/          the web page: topics, groups, transactions (web.go)
//
// cmd/kafka serves it on -http. It never changes the broker's state.
func (b *Broker) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", b.serveHealth)
	mux.HandleFunc("GET /metrics", b.serveMetrics)
	b.registerPages(mux)
	return mux
}

func (b *Broker) serveHealth(w http.ResponseWriter, r *http.Request) {
	ServeHealth(w, b.Ready())
}

// ServeHealth writes a /healthz answer: 200 "ok" when ready, else 503
// "starting or stopping". cmd/kafka uses it to answer before the broker
// exists, while Open loads the logs.
func ServeHealth(w http.ResponseWriter, ready bool) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if !ready {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("starting or stopping\n"))
		return
	}
	w.Write([]byte("ok\n"))
}
