// This file belongs to Part IV, operations, and assumes observe.go. It
// keeps the broker's counters and renders them, with the gauges of a
// Snapshot, in the Prometheus text exposition format
// (https://prometheus.io/docs/instrumenting/exposition_formats/) on
// /metrics.
//
// The names are those that Prometheus's JMX exporter gives Kafka's own
// metrics under the rules most dashboards are built on (the exporter's
// example_configs/kafka-2_0_0.yml: lower-cased, "PerSec" meters as _total
// counters, gauges named kafka_<domain>_<type>_<name>), so that a Grafana
// dashboard made for Apache Kafka finds them:
//
//	kafka_server_brokertopicmetrics_messagesin_total{topic}   BrokerTopicMetrics MessagesInPerSec
//	kafka_server_brokertopicmetrics_bytesin_total{topic}      BytesInPerSec
//	kafka_server_brokertopicmetrics_bytesout_total{topic}     BytesOutPerSec
//	kafka_log_log_size{topic,partition}                       Log Size
//	kafka_log_log_logstartoffset{topic,partition}             Log LogStartOffset
//	kafka_log_log_logendoffset{topic,partition}               Log LogEndOffset
//	kafka_log_log_numlogsegments{topic,partition}             Log NumLogSegments
//	kafka_network_requestmetrics_requests_total{request,version}  RequestMetrics RequestsPerSec
//	kafka_network_requestmetrics_errors_total{request,error}  RequestMetrics ErrorsPerSec
//	kafka_network_requestmetrics_totaltimems{request}         RequestMetrics TotalTimeMs
//	kafka_server_socket_server_metrics_connection_count       socket-server-metrics connection-count
//	kafka_server_socket_server_metrics_connection_creation_total
//	kafka_log_logflushstats_logflushrateandtimems             LogFlushStats LogFlushRateAndTimeMs
//	kafka_server_fetchsessioncache_numincrementalfetchsessions  FetchSessionCache NumIncrementalFetchSessions
//	kafka_server_fetchsessioncache_numincrementalfetchpartitionscached
//	kafka_server_fetchsessioncache_incrementalfetchsessionevictions_total
//	kafka_log_logcleaner_*, kafka_log_logcleanermanager_*     LogCleaner, once a cleaner reports
//
// Kafka's brokers do not measure consumer lag; the exporter people use for
// it is kafka_exporter, so lag takes its names:
//
//	kafka_consumergroup_current_offset{consumergroup,topic,partition}
//	kafka_consumergroup_lag{consumergroup,topic,partition}
//
// Design note: the JMX exporter turns Kafka's latency metrics
// (Yammer histograms) into precomputed quantiles, which cannot be
// aggregated; here they are Prometheus histograms under the same base name,
// whose _count is the exporter's _count, and whose quantiles a dashboard
// gets with histogram_quantile. The unit stays the millisecond of the name.
//
// Counters are atomics, bumped on the request path without a lock; the
// per-partition and per-group gauges are read from a Snapshot at scrape
// time, so they cost nothing between scrapes.

package kafka

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// latencyBucketsMs are the upper bounds of the latency histograms, in
// milliseconds: from a request answered from memory (well under 1ms) to a
// long-polling fetch (500ms by default, up to max.wait.ms).
// The bounds go in steps of 2 to 2.5 times so that a dashboard's
// histogram_quantile is accurate to within a bucket over five orders of
// magnitude; Prometheus's own client defaults stop at 10 seconds too.
var latencyBucketsMs = []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000}

// histogram counts durations into latencyBucketsMs.
type histogram struct {
	// 17 is len(latencyBucketsMs)+1. Each count is of its own bucket only,
	// not cumulative: observe then adds to one counter, and the cumulative
	// sums the format wants are built at scrape time.
	counts [17]atomic.Int64 // one per bucket, and the last for +Inf
	// The sum is kept in integer nanoseconds, since there is no atomic
	// float add; it becomes milliseconds when written.
	sumNs atomic.Int64
}

// count is how many durations h has counted.
func (h *histogram) count() int64 {
	var n int64
	for i := range h.counts {
		n += h.counts[i].Load()
	}
	return n
}

// observe counts d into the first bucket whose bound is at least d, since
// Prometheus's le means "less than or equal"; a duration above the last
// bound lands in the +Inf slot. It takes no lock: two atomic adds.
func (h *histogram) observe(d time.Duration) {
	ms := float64(d) / float64(time.Millisecond)
	i, _ := slices.BinarySearch(latencyBucketsMs, ms)
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
}

// fsyncLatency times every fsync of a partition's records. It is one per
// process, as Kafka's LogFlushStats is (a Scala object): log.go's
// partitions do not know their broker.
var fsyncLatency histogram

// observeFsync is deferred by the fsyncs of log.go with their start.
func observeFsync(start time.Time) { fsyncLatency.observe(time.Since(start)) }

// topicCounters are a topic's BrokerTopicMetrics.
type topicCounters struct {
	// Kafka keeps these per topic and once more without a topic tag for the
	// whole broker; both are kept here, since summing the per-topic series
	// would lose deleted topics' counts from the total.
	messagesIn, bytesIn, bytesOut atomic.Int64
}

// apiMetrics are one API's RequestMetrics.
type apiMetrics struct {
	// Requests are counted by version because the version label is how an
	// operator finds the clients still on an old protocol before an upgrade
	// (KIP-272 added it to Kafka's RequestsPerSec).
	requests []atomic.Int64 // by version
	latency  histogram
	// The error codes seen are few but not known in advance, so they live
	// in a map behind a lock, taken once per response.
	errMu  sync.Mutex
	errors map[int16]int64 // by error code, NONE included, as Kafka counts
}

// brokerMetrics is what the broker counts as it goes; the gauges come from
// a Snapshot at scrape time.
type brokerMetrics struct {
	allTopics topicCounters
	// topics is written once per topic and read on every produce and fetch,
	// the read-mostly case sync.Map is made for.
	topics sync.Map // topic name -> *topicCounters
	// apis is filled in newBrokerMetrics with one entry per API the broker
	// serves and never written again, so it is read without a lock.
	apis map[int16]*apiMetrics

	// connections goes up and down with the connections open; the created
	// count only grows, so a rate() over it shows clients reconnecting in a
	// loop, which the gauge alone would hide.
	connections, connectionsCreated atomic.Int64

	cleaner cleanerMetrics
}

// newBrokerMetrics sizes each API's request counters by its newest version,
// so that counting never needs to grow a slice on the request path.
func newBrokerMetrics() *brokerMetrics {
	m := &brokerMetrics{apis: make(map[int16]*apiMetrics, len(apis))}
	for _, a := range apis {
		m.apis[a.key] = &apiMetrics{requests: make([]atomic.Int64, a.maxVersion+1), errors: map[int16]int64{}}
	}
	return m
}

// topic returns name's counters, creating them at first use. The Load first
// saves the allocation of new(topicCounters) on every call after the first;
// LoadOrStore settles two connections racing to create them.
func (m *brokerMetrics) topic(name string) *topicCounters {
	if t, ok := m.topics.Load(name); ok {
		return t.(*topicCounters)
	}
	t, _ := m.topics.LoadOrStore(name, new(topicCounters))
	return t.(*topicCounters)
}

// cleanerMetrics is the hook for the log cleaner (compaction), which feeds
// it one call of cleaned per partition it cleans (cleanRound in
// cleaner.go). Until a cleaner reports, /metrics lists no cleaner
// metrics, as a Kafka broker with log.cleaner.enable=false registers none.
type cleanerMetrics struct {
	mu            sync.Mutex
	runs          int64
	lastRunEnd    time.Time
	recopyPercent float64       // bytes written / bytes read of the last run
	maxCleanTime  time.Duration // the last run's duration
	maxDirty      float64       // the dirtiest log's dirty ratio, percent
}

// cleaned records a cleaner run that read and wrote so many bytes, from
// start to now, and left the dirtiest log maxDirtyPercent dirty
// (LogCleaner.scala's cleaner-recopy-percent and max-clean-time-secs,
// LogCleanerManager's time-since-last-run-ms and max-dirty-percent).
func (c *cleanerMetrics) cleaned(start time.Time, bytesRead, bytesWritten int64, maxDirtyPercent float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.runs++
	c.lastRunEnd = time.Now()
	c.maxCleanTime = c.lastRunEnd.Sub(start)
	// A run that read nothing recopied nothing; 0 avoids dividing by zero.
	c.recopyPercent = 0
	if bytesRead > 0 {
		c.recopyPercent = 100 * float64(bytesWritten) / float64(bytesRead)
	}
	c.maxDirty = maxDirtyPercent
}

// requestDone accounts for a request whose answer is ready to send (resp
// nil for an acks=0 produce) and, under -trace, prints the response. The
// latency it records runs from the frame's arrival to that moment: Kafka's
// TotalTimeMs also counts the send, which for all but large fetches is a
// copy into the socket buffer.
func (b *Broker) requestDone(h *requestHeader, api *api, req request, resp response, received time.Time) {
	took := time.Since(received)
	am := b.metrics.apis[api.key]
	// parseRequest has refused versions above the table's maximum, so the
	// version indexes the slice safely.
	am.requests[h.APIVersion].Add(1)
	am.latency.observe(took)
	if resp != nil {
		var tally errorTally
		// The codes are tallied before taking errMu, so the lock is held
		// for a handful of map updates, not for the walk over a large
		// response.
		tally.add(reflect.ValueOf(resp))
		am.errMu.Lock()
		for _, c := range tally.codes[:tally.n] {
			am.errors[c.code] += c.count
		}
		for code, n := range tally.more {
			am.errors[code] += n
		}
		am.errMu.Unlock()
	}
	switch req := req.(type) {
	case *produceRequest:
		b.countProduce(req, resp)
	case *fetchRequest:
		if resp, ok := resp.(*fetchResponse); ok {
			b.countFetch(resp)
		}
	}
	b.trace.response(h, api, resp, took)
}

// countProduce adds the batches of every partition that took them to
// MessagesIn and BytesIn. Under acks=0 there is no answer to tell, and
// every partition of a topic that exists counts: counters are kept only
// for topics that exist, so that a client naming random topics cannot
// grow them.
func (b *Broker) countProduce(req *produceRequest, resp response) {
	// ok holds the partitions the answer says took their batches: a
	// partition refused with an error appended nothing and counts nothing,
	// as in Kafka, where ReplicaManager marks the meters only for appends
	// that succeeded.
	ok := map[TopicPartition]bool{}
	if pr, _ := resp.(*produceResponse); pr != nil {
		for _, t := range pr.Responses {
			for _, p := range t.PartitionResponses {
				ok[TopicPartition{t.Name, p.Index}] = p.ErrorCode == codeNone
			}
		}
	}
	for _, t := range req.TopicData {
		for _, p := range t.PartitionData {
			if resp != nil && !ok[TopicPartition{t.Name, p.Index}] || resp == nil && b.logs.Topic(t.Name) == nil {
				continue
			}
			n := countRecords(p.Records)
			for _, tc := range []*topicCounters{b.metrics.topic(t.Name), &b.metrics.allTopics} {
				tc.messagesIn.Add(n)
				tc.bytesIn.Add(int64(len(p.Records)))
			}
		}
	}
}

// countRecords adds up the record counts of the batch headers in records.
// The produce path has checked every batch (and their CRCs) already.
func countRecords(records []byte) int64 {
	var n int64
	for len(records) > 0 {
		h, err := parseBatchHeader(records)
		if err != nil {
			break
		}
		n += int64(h.NumRecords)
		records = records[h.Size():]
	}
	return n
}

// countFetch adds the record bytes of a fetch's answer to BytesOut.
func (b *Broker) countFetch(resp *fetchResponse) {
	for _, t := range resp.Responses {
		var n int64
		for _, p := range t.Partitions {
			// A partition's records are either in memory or a file section
			// sent with sendfile; the one that is empty adds zero.
			n += int64(len(p.Records)) + p.recordsFile.size
		}
		if n == 0 {
			continue
		}
		name := t.Topic
		if name == "" { // v13 and later name topics by id
			if tl := b.logs.TopicByID(t.TopicID); tl != nil {
				name = tl.Name
			}
		}
		b.metrics.topic(name).bytesOut.Add(n)
		b.metrics.allTopics.bytesOut.Add(n)
	}
}

// errorCodeFields caches, per response struct type, which fields are an
// ErrorCode and which may hold more of them.
// Every response of one API has the same shape, so the reflect work of
// finding its ErrorCode fields is done once per type and the request path
// only follows the cached field indexes.
var errorCodeFields sync.Map // reflect.Type -> errorPlan

// errorPlan is one struct type's map of where its error codes are.
type errorPlan struct {
	codes  []int // int16 fields named ErrorCode
	nested []int // struct, slice or pointer fields whose type holds ErrorCodes
}

// errorTally counts the error codes of one response. A response rarely
// holds more than a few distinct codes, so they are counted in an array on
// the stack, and only a response with more takes a map.
type errorTally struct {
	codes [4]struct {
		code  int16
		count int64
	}
	n    int
	more map[int16]int64
}

// count adds one to code's tally: in the array while it has room, then in
// the map.
func (t *errorTally) count(code int16) {
	for i := range t.codes[:t.n] {
		if t.codes[i].code == code {
			t.codes[i].count++
			return
		}
	}
	if t.n < len(t.codes) {
		t.codes[t.n].code, t.codes[t.n].count = code, 1
		t.n++
		return
	}
	if t.more == nil {
		t.more = map[int16]int64{}
	}
	t.more[code]++
}

// add counts every field named ErrorCode in v, at any depth: the
// response-level one and those of every topic, partition or group. Kafka
// counts ErrorsPerSec from each response's errorCounts, which for nearly
// every API is exactly this.
func (t *errorTally) add(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			t.add(v.Elem())
		}
	case reflect.Slice:
		for i := range v.Len() {
			t.add(v.Index(i))
		}
	case reflect.Struct:
		p := planErrors(v.Type())
		for _, i := range p.codes {
			t.count(int16(v.Field(i).Int()))
		}
		for _, i := range p.nested {
			t.add(v.Field(i))
		}
	}
}

// planErrors returns t's errorPlan, computing it on first use. Two
// goroutines may compute the same plan at once; both get the same answer,
// so the race costs only duplicated work.
func planErrors(t reflect.Type) errorPlan {
	if p, ok := errorCodeFields.Load(t); ok {
		return p.(errorPlan)
	}
	var p errorPlan
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		if sf.Name == "ErrorCode" && sf.Type.Kind() == reflect.Int16 {
			p.codes = append(p.codes, i)
		} else if holdsErrorCodes(sf.Type, 0) {
			p.nested = append(p.nested, i)
		}
	}
	errorCodeFields.Store(t, p)
	return p
}

// holdsErrorCodes reports whether a value of type t can contain an
// ErrorCode field; depth stops a recursive type.
func holdsErrorCodes(t reflect.Type, depth int) bool {
	// No schema nests deeper than a few levels; the limit only guards
	// against a self-referencing type recursing forever.
	if depth > 8 {
		return false
	}
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice:
		return holdsErrorCodes(t.Elem(), depth+1)
	case reflect.Struct:
		for i := range t.NumField() {
			sf := t.Field(i)
			if sf.IsExported() && (sf.Name == "ErrorCode" || holdsErrorCodes(sf.Type, depth+1)) {
				return true
			}
		}
	}
	return false
}

// errorNames are Kafka's names of the error codes (Errors.java), the error
// label of ErrorsPerSec.
var errorNames = map[int16]string{
	codeNone:                               "NONE",
	codeUnknownServerError:                 "UNKNOWN_SERVER_ERROR",
	codeOffsetOutOfRange:                   "OFFSET_OUT_OF_RANGE",
	codeCorruptMessage:                     "CORRUPT_MESSAGE",
	codeUnknownTopicOrPartition:            "UNKNOWN_TOPIC_OR_PARTITION",
	codeLeaderNotAvailable:                 "LEADER_NOT_AVAILABLE",
	codeNotLeaderOrFollower:                "NOT_LEADER_OR_FOLLOWER",
	codeMessageTooLarge:                    "MESSAGE_TOO_LARGE",
	codeOffsetMetadataTooLarge:             "OFFSET_METADATA_TOO_LARGE",
	codeCoordinatorLoadInProgress:          "COORDINATOR_LOAD_IN_PROGRESS",
	codeCoordinatorNotAvailable:            "COORDINATOR_NOT_AVAILABLE",
	codeNotCoordinator:                     "NOT_COORDINATOR",
	codeInvalidTopicException:              "INVALID_TOPIC_EXCEPTION",
	codeRecordListTooLarge:                 "RECORD_LIST_TOO_LARGE",
	codeInvalidRequiredAcks:                "INVALID_REQUIRED_ACKS",
	codeIllegalGeneration:                  "ILLEGAL_GENERATION",
	codeInconsistentGroupProtocol:          "INCONSISTENT_GROUP_PROTOCOL",
	codeInvalidGroupID:                     "INVALID_GROUP_ID",
	codeUnknownMemberID:                    "UNKNOWN_MEMBER_ID",
	codeInvalidSessionTimeout:              "INVALID_SESSION_TIMEOUT",
	codeRebalanceInProgress:                "REBALANCE_IN_PROGRESS",
	codeInvalidCommitOffsetSize:            "INVALID_COMMIT_OFFSET_SIZE",
	codeUnsupportedVersion:                 "UNSUPPORTED_VERSION",
	codeTopicAlreadyExists:                 "TOPIC_ALREADY_EXISTS",
	codeInvalidPartitions:                  "INVALID_PARTITIONS",
	codeInvalidReplicationFactor:           "INVALID_REPLICATION_FACTOR",
	codeInvalidReplicaAssignment:           "INVALID_REPLICA_ASSIGNMENT",
	codeInvalidConfig:                      "INVALID_CONFIG",
	codePolicyViolation:                    "POLICY_VIOLATION",
	codeNotEnoughReplicas:                  "NOT_ENOUGH_REPLICAS",
	codeMismatchedEndpointType:             "MISMATCHED_ENDPOINT_TYPE",
	codeUnsupportedEndpointType:            "UNSUPPORTED_ENDPOINT_TYPE",
	codeInvalidRequest:                     "INVALID_REQUEST",
	codeOutOfOrderSequenceNumber:           "OUT_OF_ORDER_SEQUENCE_NUMBER",
	codeInvalidProducerEpoch:               "INVALID_PRODUCER_EPOCH",
	codeInvalidTxnState:                    "INVALID_TXN_STATE",
	codeInvalidProducerIDMapping:           "INVALID_PRODUCER_ID_MAPPING",
	codeInvalidTransactionTimeout:          "INVALID_TRANSACTION_TIMEOUT",
	codeConcurrentTransactions:             "CONCURRENT_TRANSACTIONS",
	codeTransactionCoordinatorFenced:       "TRANSACTION_COORDINATOR_FENCED",
	codeOperationNotAttempted:              "OPERATION_NOT_ATTEMPTED",
	codeKafkaStorageError:                  "KAFKA_STORAGE_ERROR",
	codeNonEmptyGroup:                      "NON_EMPTY_GROUP",
	codeGroupIDNotFound:                    "GROUP_ID_NOT_FOUND",
	codeFetchSessionIDNotFound:             "FETCH_SESSION_ID_NOT_FOUND",
	codeInvalidFetchSessionEpoch:           "INVALID_FETCH_SESSION_EPOCH",
	codeMemberIDRequired:                   "MEMBER_ID_REQUIRED",
	codeGroupMaxSizeReached:                "GROUP_MAX_SIZE_REACHED",
	codeFencedInstanceID:                   "FENCED_INSTANCE_ID",
	codeGroupSubscribedToTopic:             "GROUP_SUBSCRIBED_TO_TOPIC",
	codeInvalidRecord:                      "INVALID_RECORD",
	codeUnstableOffsetCommit:               "UNSTABLE_OFFSET_COMMIT",
	codeProducerFenced:                     "PRODUCER_FENCED",
	codeUnknownTopicID:                     "UNKNOWN_TOPIC_ID",
	codeTransactionalIDNotFound:            "TRANSACTIONAL_ID_NOT_FOUND",
	codeTransactionAbortable:               "TRANSACTION_ABORTABLE",
	codeFetchSessionTopicIDError:           "FETCH_SESSION_TOPIC_ID_ERROR",
	codeFencedMemberEpoch:                  "FENCED_MEMBER_EPOCH",
	codeUnreleasedInstanceID:               "UNRELEASED_INSTANCE_ID",
	codeInvalidRecordState:                 "INVALID_RECORD_STATE",
	codeShareSessionNotFound:               "SHARE_SESSION_NOT_FOUND",
	codeInvalidShareSessionEpoch:           "INVALID_SHARE_SESSION_EPOCH",
	codeShareSessionLimitReached:           "SHARE_SESSION_LIMIT_REACHED",
	codeDelegationTokenAuthDisabled:        "DELEGATION_TOKEN_AUTH_DISABLED",
	codeDelegationTokenRequestNotAllowed:   "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED",
	codeDelegationTokenAuthorizationFailed: "DELEGATION_TOKEN_AUTHORIZATION_FAILED",
	codeInvalidPrincipalType:               "INVALID_PRINCIPAL_TYPE",
	codeUnsupportedAssignor:                "UNSUPPORTED_ASSIGNOR",
	codeStaleMemberEpoch:                   "STALE_MEMBER_EPOCH",
	codeInvalidRegularExpression:           "INVALID_REGULAR_EXPRESSION",
	codeInvalidTimestamp:                   "INVALID_TIMESTAMP",
	codeUnsupportedCompressionType:         "UNSUPPORTED_COMPRESSION_TYPE",
	codeReplicaNotAvailable:                "REPLICA_NOT_AVAILABLE",
	codeLogDirNotFound:                     "LOG_DIR_NOT_FOUND",
	codeFencedLeaderEpoch:                  "FENCED_LEADER_EPOCH",
	codeUnknownLeaderEpoch:                 "UNKNOWN_LEADER_EPOCH",
	codeElectionNotNeeded:                  "ELECTION_NOT_NEEDED",
	codeNoReassignmentInProgress:           "NO_REASSIGNMENT_IN_PROGRESS",
	codeInvalidUpdateVersion:               "INVALID_UPDATE_VERSION",
	codeBrokerIDNotRegistered:              "BROKER_ID_NOT_REGISTERED",
	codeInconsistentClusterID:              "INCONSISTENT_CLUSTER_ID",
}

// defaultErrorMessage is Errors.message for the codes answered with their
// default message (FindCoordinator, a refused DescribeConfigs, and the
// authorization errors of the APIs that refuse per resource): the
// message of a code whose answer has none of its own.
func defaultErrorMessage(code int16) string {
	switch code {
	case codeInvalidRequest:
		return "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details."
	case codeTopicAuthorizationFailed:
		return "Topic authorization failed."
	case codeGroupAuthorizationFailed:
		return "Group authorization failed."
	case codeTransactionalIDAuthorizationFailed:
		return "Transactional Id authorization failed."
	case codeClusterAuthorizationFailed:
		return "Cluster authorization failed."
	case codeIllegalSASLState:
		return "Request is not valid given the current SASL state."
	}
	return errorNames[code]
}

// errorName is the error label for code. A code missing from errorNames
// still gets a stable label, rather than being dropped or merged.
func errorName(code int16) string {
	if n, ok := errorNames[code]; ok {
		return n
	}
	return "CODE_" + strconv.Itoa(int(code))
}

// The text format.

// promWriter writes the Prometheus text format: a HELP and a TYPE line per
// family, then its samples. Label values are escaped as the format says
// (backslash, double quote, newline); names here are all fixed.
type promWriter struct {
	w *bufio.Writer
}

// family writes the HELP and TYPE lines that must precede a metric's
// samples. A family is written even with no samples yet, so that a
// dashboard's query finds the metric, at zero, from the first scrape.
func (p *promWriter) family(name, typ, help string) {
	fmt.Fprintf(p.w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

// sample writes one sample; labels are name, value pairs.
func (p *promWriter) sample(name string, value float64, labels ...string) {
	p.w.WriteString(name)
	if len(labels) > 0 {
		p.w.WriteByte('{')
		for i := 0; i < len(labels); i += 2 {
			if i > 0 {
				p.w.WriteByte(',')
			}
			p.w.WriteString(labels[i])
			p.w.WriteString(`="`)
			p.w.WriteString(escapeLabel(labels[i+1]))
			p.w.WriteByte('"')
		}
		p.w.WriteByte('}')
	}
	p.w.WriteByte(' ')
	p.w.WriteString(formatValue(value))
	p.w.WriteByte('\n')
}

// Label values are the one place user input reaches the text: topic and
// group names. An unescaped quote or newline in one would end the sample
// early and make Prometheus reject the whole scrape.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }

// formatValue writes whole numbers without an exponent so that the counters
// read as the integers they are up to 2^53, the largest a float64 holds
// exactly; other values use the shortest form that reads back exactly.
func formatValue(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case v == math.Trunc(v) && math.Abs(v) < 1<<53:
		return strconv.FormatInt(int64(v), 10)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// histogram writes h's cumulative buckets, sum and count.
// The format wants cumulative buckets, each counting all durations up to
// its bound, with _count equal to the +Inf bucket; building both from one
// pass over the counts keeps them consistent with each other.
func (p *promWriter) histogram(name string, h *histogram, labels ...string) {
	var cum int64
	for i := range h.counts {
		cum += h.counts[i].Load()
		le := math.Inf(1)
		if i < len(latencyBucketsMs) {
			le = latencyBucketsMs[i]
		}
		// slices.Clip makes append copy, so that each bucket's le does not
		// overwrite the caller's labels or the previous bucket's.
		p.sample(name+"_bucket", float64(cum), append(slices.Clip(labels), "le", formatValue(le))...)
	}
	p.sample(name+"_sum", float64(h.sumNs.Load())/float64(time.Millisecond), labels...)
	p.sample(name+"_count", float64(cum), labels...)
}

// serveMetrics answers a Prometheus scrape. The Content-Type names text
// format 0.0.4: Prometheus 3 fails a scrape whose Content-Type names no
// format it knows, unless the job configures a fallback.
func (b *Broker) serveMetrics(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	b.WriteMetrics(w)
}

// WriteMetrics writes every metric in the Prometheus text format, as
// /metrics serves it.
func (b *Broker) WriteMetrics(out io.Writer) error {
	p := &promWriter{w: bufio.NewWriter(out)}
	// One Snapshot serves every gauge of the scrape, so the partition
	// gauges and the lag of one scrape describe the same moment.
	s := b.Snapshot()
	b.writeTopicMetrics(p, &s)
	writePartitionMetrics(p, &s)
	writeLagMetrics(p, &s)
	b.writeRequestMetrics(p)
	b.writeServerMetrics(p)
	return p.w.Flush()
}

// writeTopicMetrics writes BrokerTopicMetrics as counters: Kafka's meters
// report a Count and moving rates, and only the Count survives as a
// Prometheus counter, from which rate() makes any rate a dashboard wants.
// The sample without a topic label is Kafka's broker-wide meter.
func (b *Broker) writeTopicMetrics(p *promWriter, s *Snapshot) {
	for _, f := range []struct {
		name, help string
		get        func(*topicCounters) *atomic.Int64
	}{
		{"kafka_server_brokertopicmetrics_messagesin_total", "Records appended, per topic and in all (MessagesInPerSec).", func(t *topicCounters) *atomic.Int64 { return &t.messagesIn }},
		{"kafka_server_brokertopicmetrics_bytesin_total", "Record batch bytes appended by producers (BytesInPerSec).", func(t *topicCounters) *atomic.Int64 { return &t.bytesIn }},
		{"kafka_server_brokertopicmetrics_bytesout_total", "Record batch bytes sent to consumers (BytesOutPerSec).", func(t *topicCounters) *atomic.Int64 { return &t.bytesOut }},
	} {
		p.family(f.name, "counter", f.help)
		p.sample(f.name, float64(f.get(&b.metrics.allTopics).Load()))
		for _, t := range s.Topics {
			p.sample(f.name, float64(f.get(b.metrics.topic(t.Name)).Load()), "topic", t.Name)
		}
	}
}

// writePartitionMetrics writes Kafka's per-partition Log gauges, read from
// the Snapshot: they describe state, not events, so they are gauges and
// cost nothing between scrapes.
func writePartitionMetrics(p *promWriter, s *Snapshot) {
	for _, f := range []struct {
		name, help string
		get        func(*PartitionSnapshot) int64
	}{
		{"kafka_log_log_size", "Bytes of the partition's segment files.", func(ps *PartitionSnapshot) int64 { return ps.SizeBytes }},
		{"kafka_log_log_logstartoffset", "The partition's first readable offset.", func(ps *PartitionSnapshot) int64 { return ps.LogStartOffset }},
		{"kafka_log_log_logendoffset", "The partition's next offset (high watermark).", func(ps *PartitionSnapshot) int64 { return ps.HighWatermark }},
		{"kafka_log_log_numlogsegments", "The partition's segment files.", func(ps *PartitionSnapshot) int64 { return int64(ps.Segments) }},
	} {
		p.family(f.name, "gauge", f.help)
		for _, t := range s.Topics {
			for i := range t.Partitions {
				ps := &t.Partitions[i]
				p.sample(f.name, float64(f.get(ps)), "topic", t.Name, "partition", strconv.Itoa(int(ps.Partition)))
			}
		}
	}
}

// writeLagMetrics writes kafka_exporter's lag gauges. Lag is measured to
// the partition's end offset, so a group that is caught up shows 0 and a
// stuck one a number that grows with every produce.
func writeLagMetrics(p *promWriter, s *Snapshot) {
	for _, f := range []struct {
		name, help string
		get        func(*OffsetSnapshot) int64
	}{
		{"kafka_consumergroup_current_offset", "The group's committed offset of the partition.", func(o *OffsetSnapshot) int64 { return o.Committed }},
		{"kafka_consumergroup_lag", "Records between the group's committed offset and the partition's end.", func(o *OffsetSnapshot) int64 { return o.Lag }},
	} {
		p.family(f.name, "gauge", f.help)
		for _, g := range s.Groups {
			for i := range g.Offsets {
				o := &g.Offsets[i]
				if o.EndOffset < 0 {
					continue // the partition is gone
				}
				p.sample(f.name, float64(f.get(o)), "consumergroup", g.ID, "topic", o.Topic, "partition", strconv.Itoa(int(o.Partition)))
			}
		}
	}
}

// writeRequestMetrics writes Kafka's RequestMetrics. Series only appear for
// APIs and versions that were used, since a series for every version of
// every API would mean hundreds that stay zero.
func (b *Broker) writeRequestMetrics(p *promWriter) {
	const requests, errors, latency = "kafka_network_requestmetrics_requests_total", "kafka_network_requestmetrics_errors_total", "kafka_network_requestmetrics_totaltimems"
	p.family(requests, "counter", "Requests answered, per API and version (RequestsPerSec).")
	for _, a := range apis {
		for v := range b.metrics.apis[a.key].requests {
			if n := b.metrics.apis[a.key].requests[v].Load(); n > 0 {
				p.sample(requests, float64(n), "request", a.name, "version", strconv.Itoa(v))
			}
		}
	}
	p.family(errors, "counter", "Error codes in responses, NONE included, per API (ErrorsPerSec).")
	for _, a := range apis {
		am := b.metrics.apis[a.key]
		am.errMu.Lock()
		counts := maps.Clone(am.errors)
		am.errMu.Unlock()
		for _, code := range slices.Sorted(maps.Keys(counts)) {
			p.sample(errors, float64(counts[code]), "request", a.name, "error", errorName(code))
		}
	}
	p.family(latency, "histogram", "Milliseconds from a request's arrival to its response being ready to send (TotalTimeMs).")
	for _, a := range apis {
		if h := &b.metrics.apis[a.key].latency; h.count() > 0 {
			p.histogram(latency, h, "request", a.name)
		}
	}
}

// writeServerMetrics writes the broker-wide metrics. The listener and
// networkprocessor labels are constant: there is one listener and no pool
// of network threads, but the labels keep Kafka dashboards' selectors
// matching.
func (b *Broker) writeServerMetrics(p *promWriter) {
	listener := []string{"listener", "PLAINTEXT", "networkprocessor", "0"}
	p.family("kafka_server_socket_server_metrics_connection_count", "gauge", "Open client connections.")
	p.sample("kafka_server_socket_server_metrics_connection_count", float64(b.metrics.connections.Load()), listener...)
	p.family("kafka_server_socket_server_metrics_connection_creation_total", "counter", "Client connections accepted.")
	p.sample("kafka_server_socket_server_metrics_connection_creation_total", float64(b.metrics.connectionsCreated.Load()), listener...)
	p.family("kafka_log_logflushstats_logflushrateandtimems", "histogram", "Milliseconds each fsync of a partition's records took, in this process.")
	p.histogram("kafka_log_logflushstats_logflushrateandtimems", &fsyncLatency)
	sessions, partitions, evictions := b.fetchSessions.stats()
	p.family("kafka_server_fetchsessioncache_numincrementalfetchsessions", "gauge", "Incremental fetch sessions held (fetchsessions.go).")
	p.sample("kafka_server_fetchsessioncache_numincrementalfetchsessions", float64(sessions))
	p.family("kafka_server_fetchsessioncache_numincrementalfetchpartitionscached", "gauge", "Partitions held by incremental fetch sessions.")
	p.sample("kafka_server_fetchsessioncache_numincrementalfetchpartitionscached", float64(partitions))
	p.family("kafka_server_fetchsessioncache_incrementalfetchsessionevictions_total", "counter", "Fetch sessions evicted to make room for new ones.")
	p.sample("kafka_server_fetchsessioncache_incrementalfetchsessionevictions_total", float64(evictions))
	b.metrics.cleaner.write(p)
}

// write writes the cleaner's gauges under mu, so that one scrape never
// shows half of one run and half of the next.
func (c *cleanerMetrics) write(p *promWriter) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.runs == 0 {
		return
	}
	for _, g := range []struct {
		name, help string
		value      float64
	}{
		{"kafka_log_logcleaner_cleaner_recopy_percent", "Bytes the last cleaning wrote, in percent of those it read.", c.recopyPercent},
		{"kafka_log_logcleaner_max_clean_time_secs", "Seconds the last cleaning took.", c.maxCleanTime.Seconds()},
		{"kafka_log_logcleanermanager_time_since_last_run_ms", "Milliseconds since the last cleaning ended.", float64(time.Since(c.lastRunEnd).Milliseconds())},
		{"kafka_log_logcleanermanager_max_dirty_percent", "The dirtiest log's dirty bytes, in percent, at the last cleaning.", c.maxDirty},
	} {
		p.family(g.name, "gauge", g.help)
		p.sample(g.name, g.value)
	}
}
