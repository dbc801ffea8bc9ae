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
// their length, so that no credential reaches the trace.
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
	"strconv"
	"strings"
	"sync"
	"time"
)

// tracer writes the trace lines; nil writer means off. mu keeps the lines
// of concurrent connections whole.
type tracer struct {
	mu sync.Mutex
	w  io.Writer
}

func newTracer(w io.Writer) *tracer { return &tracer{w: w} }

// request prints a request as it arrives.
func (t *tracer) request(h *requestHeader, api *api, req request) {
	if t.w == nil {
		return
	}
	var b bytes.Buffer
	traceHeader(&b, "->", h, api)
	b.WriteByte(' ')
	traceValue(&b, reflect.ValueOf(req))
	t.write(&b)
}

// response prints a response as it is sent; nil is the no-answer of an
// acks=0 produce.
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

func (t *tracer) write(b *bytes.Buffer) {
	b.WriteByte('\n')
	t.mu.Lock()
	defer t.mu.Unlock()
	t.w.Write(b.Bytes())
}

func traceHeader(b *bytes.Buffer, arrow string, h *requestHeader, api *api) {
	fmt.Fprintf(b, "%s %s v%d correlation_id=%d client_id=", arrow, api.name, h.APIVersion, h.CorrelationID)
	traceNullableString(b, h.ClientID)
}

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
	default:
		fmt.Fprintf(b, "%v", v.Interface())
	}
}

func traceSlice(b *bytes.Buffer, v reflect.Value) {
	if v.IsNil() {
		b.WriteString("null")
		return
	}
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
		if !sf.IsExported() {
			continue
		}
		if !first {
			b.WriteByte(' ')
		}
		first = false
		b.WriteString(schemaName(sf.Name))
		b.WriteByte('=')
		if sf.Name == "Records" && sf.Type.Kind() == reflect.Slice && sf.Type.Elem().Kind() == reflect.Uint8 {
			records := v.Field(i).Bytes()
			if t == fetchPartType {
				p := v.Interface().(fetchPartitionResponse)
				traceFetchRecords(b, &p)
				continue
			}
			traceBatches(b, records)
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
		records = records[h.Size():]
	}
	b.WriteByte(']')
}

// traceBatchHeader writes a batch header with its attributes spelt out.
func traceBatchHeader(b *bytes.Buffer, h *batchHeader) {
	fmt.Fprintf(b, "{BaseOffset=%d BatchLength=%d PartitionLeaderEpoch=%d Magic=%d Crc=%d Attributes=%d(%s) LastOffsetDelta=%d BaseTimestamp=%d MaxTimestamp=%d ProducerId=%d ProducerEpoch=%d BaseSequence=%d RecordCount=%d}",
		h.BaseOffset, h.BatchLength, h.PartitionLeaderEpoch, h.Magic, h.CRC, h.Attributes, batchAttributes(h.Attributes),
		h.LastOffsetDelta, h.BaseTimestamp, h.MaxTimestamp, h.ProducerID, h.ProducerEpoch, h.BaseSequence, h.NumRecords)
}

// batchAttributes spells out a batch's attributes: its codec, then
// LogAppendTime, transactional and control if set.
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
