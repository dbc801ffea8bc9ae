// This file belongs to Part IV, operations, and assumes the framing of
// kafka.go and the codec of wire.go. It is the live protocol trace that
// Config.Trace (the -trace flag) turns on: one line for each request as it
// arrives and one for each response as it is sent, with the fields the
// request or response decoded to, named as in its schema. A learner
// watching a client speak Kafka sees, for a console producer's first
// send:
//
//	-> Metadata v12 correlation_id=2 client_id="rdkafka" {Topics=[{TopicId=AAAAAAAAAAAAAAAAAAAAAA Name="greetings"}] AllowAutoTopicCreation=true ...}
//	<- Metadata v12 correlation_id=2 client_id="rdkafka" latency=301µs {ThrottleTimeMs=0 Brokers=[{NodeId=0 Host="127.0.0.1" Port=9092 Rack=null}] ...}
//	-> Produce v9 correlation_id=3 client_id="rdkafka" {TransactionalId=null Acks=-1 TimeoutMs=30000 TopicData=[{Name="greetings" PartitionData=[{Index=0 Records=[batch offsets 0-0 ...]}]}]}
//	<- Produce v9 correlation_id=3 client_id="rdkafka" latency=412µs {Responses=[{Name="greetings" PartitionResponses=[{Index=0 ErrorCode=0 BaseOffset=0 ...}]}] ...}
//
// Record batches show their header only (offsets, record count, codec,
// producer, timestamps), never the records: those are the application's
// data. Other byte fields (group member metadata, SASL tokens) show only
// their length, so that no credential reaches the trace; so do the values
// of AlterConfigs and IncrementalAlterConfigs that may be passwords
// (loggableRequest).
//
// Design note: the lines are printed by walking the decoded structs with
// reflect. Those structs already hold every field in schema order under
// the schema's names (Go spells Id as ID, which the trace turns back), so a
// hand-written printer per API would be a second copy of every schema,
// free to drift from the decoder. The walk costs nothing when the trace is
// off: both hooks return at their first line. A struct holds the fields of
// every version it decodes, so a field the version on the line lacks shows
// its zero value.

package kafka

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// tracer writes the trace lines of every connection.
type tracer struct {
	// Every connection's goroutine writes to the one tracer, and w may be a
	// terminal, a file or a test's bytes.Buffer, none of which promises
	// that concurrent Writes come out whole; one Write per line under mu
	// does.
	mu sync.Mutex
	// w is Config.Trace as given; nil leaves the hooks with nothing to do.
	w io.Writer
}

// newTracer wraps Config.Trace. A nil writer still gives a tracer, so the
// connection code calls its hooks unconditionally and the check for "off"
// lives in one place, here.
func newTracer(w io.Writer) *tracer { return &tracer{w: w} }

// request prints a request as it arrives. It runs once the frame has
// decoded and before the handler starts, so a request that stalls or fails
// in its handler is already on the trace: the last "->" line with no "<-"
// line of the same correlation id names it.
func (t *tracer) request(h *requestHeader, api *api, req request) {
	if t.w == nil {
		return
	}
	var b bytes.Buffer
	traceHeader(&b, "->", h, api)
	b.WriteByte(' ')
	traceValue(&b, reflect.ValueOf(loggableRequest(req)))
	t.write(&b)
}

// hiddenValue stands for a config value the trace does not show: Kafka's
// Password.HIDDEN.
const hiddenValue = "[hidden]"

// loggableRequest is req as the trace may print it. The config APIs'
// values may be secrets: kafka-configs.sh --alter --add-config
// ssl.key.password=... on a broker is refused here, but the trace prints
// the request before the handler sees it. So, as Kafka's RequestChannel
// logs requests through loggableRequest, AlterConfigs and
// IncrementalAlterConfigs are copied with those values hidden
// (loggableConfigValue); the request the handler gets is not touched.
func loggableRequest(req request) request {
	switch r := req.(type) {
	case *alterConfigsRequest:
		c := *r
		c.Resources = make([]alterConfigsResource, len(r.Resources))
		for i, res := range r.Resources {
			res.Configs = slices.Clone(res.Configs)
			for j := range res.Configs {
				res.Configs[j].Value = loggableConfigValue(res.ResourceType, res.Configs[j].Name, res.Configs[j].Value)
			}
			c.Resources[i] = res
		}
		return &c
	case *incrementalAlterConfigsRequest:
		c := *r
		c.Resources = make([]incrementalAlterConfigsResource, len(r.Resources))
		for i, res := range r.Resources {
			res.Configs = slices.Clone(res.Configs)
			for j := range res.Configs {
				res.Configs[j].Value = loggableConfigValue(res.ResourceType, res.Configs[j].Name, res.Configs[j].Value)
			}
			c.Resources[i] = res
		}
		return &c
	}
	return req
}

// loggableConfigValue is value, or hiddenValue if it may be a secret,
// after KafkaConfig.loggableValue: a broker, topic or group config is
// shown only if its type is known and is not PASSWORD. This broker has
// no PASSWORD configs, so a value is shown when the config is one it has
// for the resource type; broker loggers' and client metrics' configs are
// never secret, and any other type's always may be. A null stays null: it
// says only that the config is deleted.
func loggableConfigValue(typ int8, name string, value *string) *string {
	var known bool
	switch typ {
	case resourceBroker:
		known = lookupBrokerConfig(name) != nil || lookupBrokerSetting(name) != nil
	case resourceTopic:
		known = lookupTopicConfig(name) != nil
	case resourceGroup:
		known = lookupConfig(groupConfigDefs, name) != nil
	case resourceBrokerLogger, resourceClientMetrics:
		known = true
	}
	if value == nil || known {
		return value
	}
	return ptr(hiddenValue)
}

// response prints a response as it is sent; nil is the no-answer of an
// acks=0 produce. took runs from the frame's arrival to the answer being
// ready, the same span as the TotalTimeMs metric. It includes the time a
// request waits by design, so an idle consumer's Fetch shows about its
// MaxWaitMs: 500ms by default in the Java client and librdkafka.
func (t *tracer) response(h *requestHeader, api *api, resp response, took time.Duration) {
	if t.w == nil {
		return
	}
	var b bytes.Buffer
	traceHeader(&b, "<-", h, api)
	fmt.Fprintf(&b, " latency=%s ", took.Round(time.Microsecond))
	if resp == nil {
		b.WriteString("(none: acks=0)")
	} else {
		traceValue(&b, reflect.ValueOf(resp))
	}
	t.write(&b)
}

// write ends the line and hands it to w in one call. Its error is dropped
// on purpose: the trace is a learning aid, and a closed pipe or a full disk
// under it must not close a client's connection.
func (t *tracer) write(b *bytes.Buffer) {
	b.WriteByte('\n')
	t.mu.Lock()
	defer t.mu.Unlock()
	t.w.Write(b.Bytes())
}

// traceHeader writes what every line starts with. A client pipelines
// requests on one connection, and the lines of many connections interleave,
// so the correlation id is what pairs a request with its answer; client_id
// says whose it is ("rdkafka" is librdkafka's default, "kgo" franz-go's, a
// Java client's names its role and number).
func traceHeader(b *bytes.Buffer, arrow string, h *requestHeader, api *api) {
	fmt.Fprintf(b, "%s %s v%d correlation_id=%d client_id=", arrow, api.name, h.APIVersion, h.CorrelationID)
	traceNullableString(b, h.ClientID)
}

// traceNullableString writes the header's client_id, a nullable string, so
// that a client sending null is told apart from one sending "", as on the
// wire.
func traceNullableString(b *bytes.Buffer, s *string) {
	if s == nil {
		b.WriteString("null")
		return
	}
	b.WriteString(strconv.Quote(*s))
}

// schemaName turns a Go field name back into the schema's: ProducerID is
// ProducerId, TransactionalIDs TransactionalIds, APIKeys ApiKeys.
func schemaName(goName string) string {
	var b strings.Builder
	for i := 0; i < len(goName); {
		if a := acronymAt(goName, i); a != "" {
			b.WriteString(a[:1] + strings.ToLower(a[1:]))
			i += len(a)
			continue
		}
		b.WriteByte(goName[i])
		i++
	}
	return b.String()
}

// acronymAt returns the Go-style acronym (ID, API) that starts at i in
// name as a word of its own, or "".
func acronymAt(name string, i int) string {
	for _, a := range [...]string{"ID", "API"} {
		next := i + len(a)
		if strings.HasPrefix(name[i:], a) && (next == len(name) || name[next] == 's' || 'A' <= name[next] && name[next] <= 'Z') {
			return a
		}
	}
	return ""
}

// stringerType picks out types whose own String reads better than their
// fields: the uuid of a topic id (printed in base64, as Kafka's tools print
// it) and the states of groups and transactions. fetchPartType is the one
// struct whose records may live in a segment file instead of in Records.
var (
	stringerType  = reflect.TypeFor[fmt.Stringer]()
	fetchPartType = reflect.TypeFor[fetchPartitionResponse]()
)

// traceValue writes v: structs as {Name=value ...}, arrays as [a b],
// nullable strings and arrays as null when null.
func traceValue(b *bytes.Buffer, v reflect.Value) {
	if v.Kind() != reflect.Pointer && v.Type().Implements(stringerType) && v.CanInterface() {
		b.WriteString(v.Interface().(fmt.Stringer).String())
		return
	}
	switch v.Kind() {
	// Optional structs and nullable strings decode to pointers; nil is the
	// schema's null.
	case reflect.Pointer:
		if v.IsNil() {
			b.WriteString("null")
			return
		}
		traceValue(b, v.Elem())
	case reflect.String:
		b.WriteString(strconv.Quote(v.String()))
	case reflect.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
		b.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float64, reflect.Float32:
		b.WriteString(strconv.FormatFloat(v.Float(), 'g', -1, 64))
	case reflect.Slice:
		traceSlice(b, v)
	case reflect.Struct:
		traceStruct(b, v)
	// Maps and interfaces are not part of any schema; %v keeps an odd field
	// readable instead of hiding it.
	default:
		fmt.Fprintf(b, "%v", v.Interface())
	}
}

func traceSlice(b *bytes.Buffer, v reflect.Value) {
	// Null and empty arrays mean different things: a Metadata request with
	// Topics=null asks for every topic (v1 and later), Topics=[] for none.
	if v.IsNil() {
		b.WriteString("null")
		return
	}
	// Byte fields are opaque to the broker and may be secret: group member
	// metadata and assignments, and SASL tokens, of which PLAIN's holds the
	// password in clear. Their length is all the trace shows.
	if v.Type().Elem().Kind() == reflect.Uint8 {
		fmt.Fprintf(b, "<%d bytes>", v.Len())
		return
	}
	b.WriteByte('[')
	for i := range v.Len() {
		if i > 0 {
			b.WriteByte(' ')
		}
		traceValue(b, v.Index(i))
	}
	b.WriteByte(']')
}

func traceStruct(b *bytes.Buffer, v reflect.Value) {
	t := v.Type()
	b.WriteByte('{')
	first := true
	for i := range t.NumField() {
		sf := t.Field(i)
		// Unexported fields are the broker's own bookkeeping (such as the
		// file section behind a fetch answer), not fields of the schema.
		if !sf.IsExported() {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(schemaName(sf.Name))
		b.WriteByte('=')
		// Records holds record batches in Produce requests and Fetch
		// answers; the trace shows their headers, not the application's
		// keys and values.
		if sf.Name == "Records" && sf.Type.Kind() == reflect.Slice && sf.Type.Elem().Kind() == reflect.Uint8 {
			if t == fetchPartType {
				p := v.Interface().(fetchPartitionResponse)
				traceFetchRecords(b, &p)
				continue
			}
			traceBatches(b, v.Field(i).Bytes())
			continue
		}
		traceValue(b, v.Field(i))
	}
	b.WriteByte('}')
}

// traceFetchRecords writes a fetch answer's records, which may be in
// memory or, for a large answer, a section of a segment file that is sent
// with sendfile and never read by the broker.
func traceFetchRecords(b *bytes.Buffer, p *fetchPartitionResponse) {
	switch {
	case p.recordsFile.data != nil:
		traceBatches(b, p.recordsFile.data)
	case p.recordsFile.size > 0:
		fmt.Fprintf(b, "<%d bytes from the segment file, sent with sendfile>", p.recordsFile.size)
	default:
		traceBatches(b, p.Records)
	}
}

// traceBatches writes the header of each batch in records. What follows a
// header that does not parse (a fetch may end in a partial batch) is
// shown as a byte count.
func traceBatches(b *bytes.Buffer, records []byte) {
	// Records is nullable in the schemas, and null shows as null, not as an
	// empty list, so the trace keeps the distinction the wire makes.
	if records == nil {
		b.WriteString("null")
		return
	}
	b.WriteByte('[')
	for n := 0; len(records) > 0; n++ {
		if n > 0 {
			b.WriteByte(' ')
		}
		h, err := parseBatchHeader(records)
		if err != nil {
			fmt.Fprintf(b, "<%d bytes: %v>", len(records), err)
			break
		}
		traceBatchHeader(b, &h)
		// parseBatchHeader has checked that the whole batch is there, so
		// slicing by its size cannot run past the end.
		records = records[h.Size():]
	}
	b.WriteByte(']')
}

// traceBatchHeader writes a batch header with its attributes spelt out.
// The names and order are those of the v2 batch header in Kafka's
// DefaultRecordBatch, so the line can be read against its layout comment.
func traceBatchHeader(b *bytes.Buffer, h *batchHeader) {
	fmt.Fprintf(b, "{BaseOffset=%d BatchLength=%d PartitionLeaderEpoch=%d Magic=%d Crc=%d Attributes=%d(%s) LastOffsetDelta=%d BaseTimestamp=%d MaxTimestamp=%d ProducerId=%d ProducerEpoch=%d BaseSequence=%d RecordCount=%d}",
		h.BaseOffset, h.BatchLength, h.PartitionLeaderEpoch, h.Magic, h.CRC, h.Attributes, batchAttributes(h.Attributes),
		h.LastOffsetDelta, h.BaseTimestamp, h.MaxTimestamp, h.ProducerID, h.ProducerEpoch, h.BaseSequence, h.NumRecords)
}

// batchAttributes spells out a batch's attributes: its codec, then
// LogAppendTime, transactional and control if set.
// The bits are those of Kafka's DefaultRecordBatch: 0-2 the codec, 3 the
// timestamp type, 4 transactional, 5 control. Spelt out, they show which
// batches a read_committed consumer filters on (transactional) and which
// are markers that no application ever receives (control).
func batchAttributes(a int16) string {
	parts := []string{codecName(int(a & compressionCodecMask))}
	if a&timestampTypeFlag != 0 {
		parts = append(parts, "LogAppendTime")
	}
	if a&transactionalFlag != 0 {
		parts = append(parts, "transactional")
	}
	if a&controlFlag != 0 {
		parts = append(parts, "control")
	}
	return strings.Join(parts, ",")
}
