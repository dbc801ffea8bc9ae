// Command golden writes golden-byte test files for the root kafka package.
//
// The oracle is franz-go's kmsg package, which is generated from Kafka's
// JSON message schemas independently of our broker. For every (API, version)
// in the table below it fills a request and a response with deterministic
// values, encodes them with kmsg, decodes the bytes back with kmsg at the
// same version (so only fields that exist at that version survive), and
// writes the bytes plus a positional JSON description of the decoded value.
//
// Usage:
//
//	cd interop && go run ./cmd/golden -out ../testdata/golden
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime/debug"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// apis is the list of APIs and version ranges to generate.
var apis = []struct {
	name     string // for readability only; the file name uses kmsg.NameForKey
	key      int16
	min, max int16
}{
	{"ApiVersions", 18, 0, 4},
	{"Metadata", 3, 0, 13},
	{"CreateTopics", 19, 2, 7},
	{"DeleteTopics", 20, 1, 6},
	{"CreatePartitions", 37, 0, 3},
	{"CreateDelegationToken", 38, 1, 3},
	{"RenewDelegationToken", 39, 1, 2},
	{"ExpireDelegationToken", 40, 1, 2},
	{"DescribeDelegationToken", 41, 1, 3},
	{"Produce", 0, 3, 12},
	{"Fetch", 1, 4, 17},
	{"ListOffsets", 2, 1, 10},
	{"InitProducerId", 22, 0, 5},
	{"AddPartitionsToTxn", 24, 0, 5},
	{"AddOffsetsToTxn", 25, 0, 4},
	{"EndTxn", 26, 0, 5},
	{"WriteTxnMarkers", 27, 1, 1},
	{"TxnOffsetCommit", 28, 0, 5},
	{"FindCoordinator", 10, 0, 6},
	{"JoinGroup", 11, 0, 9},
	{"SyncGroup", 14, 0, 5},
	{"Heartbeat", 12, 0, 4},
	{"LeaveGroup", 13, 0, 5},
	{"OffsetCommit", 8, 0, 9},
	{"OffsetFetch", 9, 0, 9},
	{"ListGroups", 16, 0, 5},
	{"DescribeGroups", 15, 0, 6},
	{"DeleteGroups", 42, 0, 2},
	{"OffsetDelete", 47, 0, 0},
	{"DescribeConfigs", 32, 0, 4},
	{"AlterConfigs", 33, 0, 2},
	{"IncrementalAlterConfigs", 44, 0, 1},
	{"DeleteRecords", 21, 0, 2},
	{"DescribeCluster", 60, 0, 2},
	{"DescribeTransactions", 65, 0, 0},
	{"ListTransactions", 66, 0, 1},
	{"ConsumerGroupHeartbeat", 68, 0, 1},
	{"ConsumerGroupDescribe", 69, 0, 1},
	{"OffsetForLeaderEpoch", 23, 2, 4},
	{"AlterReplicaLogDirs", 34, 1, 2},
	{"DescribeLogDirs", 35, 1, 4},
	{"ElectLeaders", 43, 0, 2},
	{"AlterPartitionReassignments", 45, 0, 1},
	{"ListPartitionReassignments", 46, 0, 0},
	{"DescribeClientQuotas", 48, 0, 1},
	{"AlterClientQuotas", 49, 0, 1},
	{"UpdateFeatures", 57, 0, 2},
	{"DescribeQuorum", 55, 0, 2},
	{"UnregisterBroker", 64, 0, 0},
	{"AddRaftVoter", 80, 0, 0},
	{"RemoveRaftVoter", 81, 0, 0},
	{"DescribeProducers", 61, 0, 0},
	{"ListConfigResources", 74, 0, 1},
	{"DescribeTopicPartitions", 75, 0, 0},
	{"ShareGroupHeartbeat", 76, 1, 1},
	{"ShareGroupDescribe", 77, 1, 1},
	{"ShareFetch", 78, 1, 2},
	{"ShareAcknowledge", 79, 1, 2},
	{"DescribeShareGroupOffsets", 90, 0, 1},
	{"AlterShareGroupOffsets", 91, 0, 0},
	{"DeleteShareGroupOffsets", 92, 0, 0},
	{"SaslHandshake", 17, 0, 1},
	{"SaslAuthenticate", 36, 0, 2},
	{"DescribeAcls", 29, 1, 3},
	{"CreateAcls", 30, 1, 3},
	{"DeleteAcls", 31, 1, 3},
	{"DescribeUserScramCredentials", 50, 0, 0},
	{"AlterUserScramCredentials", 51, 0, 0},
}

// Where kmsg and Kafka's JSON schemas (the ones our broker follows,
// https://github.com/apache/kafka/tree/4.0.0/clients/src/main/resources/common/message)
// disagree, the tables below adjust
// what the generator fills and what it writes. The bytes always come from kmsg.

// taggedSince lists kmsg tagged fields ("Type.Field") whose Kafka
// taggedVersions start later than the API's first flexible version. kmsg
// ignores taggedVersions and writes a non-default tagged field at every
// flexible version, so these are only filled from the given version on
// (a version above every range in the table means never).
var taggedSince = map[string]int16{
	"ProduceResponseTopicPartition.CurrentLeader":   10, // Kafka: tag 0, 10+
	"ProduceResponse.Brokers":                       10, // Kafka NodeEndpoints: tag 0, 10+
	"FetchRequest.ReplicaState":                     15, // Kafka: tag 1, 15+
	"FetchRequestTopicPartition.ReplicaDirectoryID": 17, // Kafka: tag 0, 17+
	"FetchRequestTopicPartition.HighWatermark":      18, // kmsg only (KIP-1166, tag 1, v18+)
	"FetchResponse.Brokers":                         16, // Kafka NodeEndpoints: tag 0, 16+
}

// kmsgOnly lists kmsg fields that Kafka's schema does not have at the
// versions we generate (they belong to newer versions). They are left
// unfilled and, unless -raw, left out of the positional JSON (the generator
// checks that they hold kmsg's default, i.e. were not on the wire).
var kmsgOnly = map[string]bool{
	"ApiVersionsRequest.ClusterID":             true, // v5+
	"ApiVersionsRequest.NodeID":                true, // v5+
	"ProduceRequestTopic.TopicID":              true, // v13+
	"ProduceResponseTopic.TopicID":             true, // v13+
	"FetchRequestTopicPartition.HighWatermark": true, // tag 1, v18+
	"OffsetCommitRequestTopic.TopicID":         true, // v10+
	"OffsetCommitResponseTopic.TopicID":        true, // v10+
	"OffsetFetchRequestGroupTopic.TopicID":     true, // v10+
	"OffsetFetchResponseGroupTopic.TopicID":    true, // v10+
	"DeleteGroupsResponseGroup.ErrorMessage":   true, // v3+
	"DescribeLogDirsResponseDir.IsCordoned":    true, // v5+ (KIP-1066, after 4.1)

	// Transactions: fields of versions after those served.
	"TxnOffsetCommitRequestTopic.TopicID":             true, // v6+
	"TxnOffsetCommitResponseTopic.TopicID":            true, // v6+
	"ListTransactionsRequest.TransactionalIDPattern":  true, // v2+ (KIP-1152)
	"WriteTxnMarkersRequestMarker.TransactionVersion": true, // v2+ (KIP-1228)

	// KRaft quorum: AddRaftVoter v1's AckWhenCommitted (KIP-1186, Kafka
	// 4.1), after the version served.
	"AddRaftVoterRequest.AckWhenCommitted": true,

	// Share groups: ShareFetch v0's PartitionMaxBytes, before the versions
	// served.
	"ShareFetchRequestTopicPartition.PartitionMaxBytes": true,
}

// schemaOrder gives, for kmsg structs whose field order differs from the
// schema's, the kmsg field names in schema order. Unless -raw, the
// positional JSON uses this order.
var schemaOrder = map[string][]string{
	// kmsg: TopicNames, Topics, TimeoutMillis.
	// Kafka: Topics (v6+), TopicNames (v0-5), TimeoutMs.
	"DeleteTopicsRequest": {"Topics", "TopicNames", "TimeoutMillis"},
	// kmsg: Partition, Offset, Timestamp, LeaderEpoch, Metadata.
	// Kafka: PartitionIndex, CommittedOffset, CommittedLeaderEpoch (v6+),
	// CommitTimestamp (v1), CommittedMetadata.
	"OffsetCommitRequestTopicPartition": {"Partition", "Offset", "LeaderEpoch", "Timestamp", "Metadata"},
	// kmsg: TransactionalID, ProducerID, ProducerEpoch, Topics (v0-3),
	// Transactions (v4+). Kafka: Transactions (v4+), then the V3AndBelow
	// fields.
	"AddPartitionsToTxnRequest": {"Transactions", "TransactionalID", "ProducerID", "ProducerEpoch", "Topics"},
}

// raw disables the kmsgOnly and schemaOrder adjustments of the JSON.
var raw bool

const (
	clientID      = "golden-client"
	correlationID = 7
	kmsgPath      = "github.com/twmb/franz-go/pkg/kmsg"
)

func main() {
	out := flag.String("out", "../testdata/golden", "output directory")
	flag.BoolVar(&raw, "raw", false, "write every kmsg field in kmsg's order (no kmsgOnly/schemaOrder adjustments)")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "golden:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	modVersion := kmsgVersion()
	for _, api := range apis {
		req := kmsg.RequestForKey(api.key)
		if req == nil {
			return fmt.Errorf("kmsg does not know key %d (%s)", api.key, api.name)
		}
		hi := api.max
		if mv := req.MaxVersion(); mv < hi {
			fmt.Printf("warning: %s (key %d): clamping max version %d to kmsg max %d\n", api.name, api.key, hi, mv)
			hi = mv
		}
		for v := api.min; v <= hi; v++ {
			data, err := generate(api.key, v, modVersion)
			if err != nil {
				return fmt.Errorf("%s v%d: %w", api.name, v, err)
			}
			path := filepath.Join(out, fmt.Sprintf("%s-v%d.txt", kmsg.NameForKey(api.key), v))
			if err := os.WriteFile(path, data, 0o644); err != nil {
				return err
			}
			fmt.Println("wrote", path)
		}
	}
	return nil
}

// kmsgVersion returns the module version of kmsg linked into this binary.
func kmsgVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	for _, d := range bi.Deps {
		if d.Path == kmsgPath {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return "(unknown)"
}

// message is the part of kmsg.Request and kmsg.Response we need.
type message interface {
	SetVersion(int16)
	AppendTo([]byte) []byte
	ReadFrom([]byte) error
}

func generate(key, v int16, modVersion string) ([]byte, error) {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "%s v%d, generated by interop/cmd/golden from franz-go kmsg %s. Do not edit.\n",
		kmsg.NameForKey(key), v, modVersion)

	for _, fill := range []bool{true, false} {
		suffix := ""
		if !fill {
			suffix = ".zero"
		}

		// Request.
		req := kmsg.RequestForKey(key)
		req.SetVersion(v)
		if fill {
			fillValue(reflect.ValueOf(req).Elem(), v, new(int))
		}
		reqBody, reqJSON, err := roundTrip(req, func() message { return kmsg.RequestForKey(key) }, v)
		if err != nil {
			return nil, fmt.Errorf("request%s: %w", suffix, err)
		}
		frame := kmsg.NewRequestFormatter(kmsg.FormatterClientID(clientID)).AppendRequest(nil, req, correlationID)

		// Response.
		resp := kmsg.ResponseForKey(key)
		resp.SetVersion(v)
		if fill {
			fillValue(reflect.ValueOf(resp).Elem(), v, new(int))
		}
		respBody, respJSON, err := roundTrip(resp, func() message { return kmsg.ResponseForKey(key) }, v)
		if err != nil {
			return nil, fmt.Errorf("response%s: %w", suffix, err)
		}

		section(&buf, "request.frame"+suffix+".hex", hexLines(frame))
		section(&buf, "request"+suffix+".hex", hexLines(reqBody))
		section(&buf, "request"+suffix+".json", reqJSON)
		section(&buf, "response"+suffix+".hex", hexLines(respBody))
		section(&buf, "response"+suffix+".json", respJSON)
	}
	return buf.Bytes(), nil
}

// roundTrip encodes m, decodes the bytes into a fresh value at version v,
// checks that re-encoding the decoded value yields the same bytes, and
// returns the bytes and the positional JSON of the decoded value.
func roundTrip(m message, fresh func() message, v int16) (body, js []byte, err error) {
	body = m.AppendTo(nil)
	exp := fresh()
	exp.SetVersion(v)
	if err := exp.ReadFrom(body); err != nil {
		return nil, nil, fmt.Errorf("kmsg ReadFrom: %w", err)
	}
	if again := exp.AppendTo(nil); !bytes.Equal(again, body) {
		return nil, nil, fmt.Errorf("re-encoding the decoded value differs:\n%x\n%x", body, again)
	}
	js, err = positionalJSON(reflect.ValueOf(exp).Elem())
	if err != nil {
		return nil, nil, err
	}
	return body, js, nil
}

func section(buf *bytes.Buffer, name string, content []byte) {
	fmt.Fprintf(buf, "-- %s --\n", name)
	buf.Write(content)
	if len(content) > 0 && content[len(content)-1] != '\n' {
		buf.WriteByte('\n')
	}
}

// hexLines renders b as lowercase hex, 32 bytes per line.
func hexLines(b []byte) []byte {
	var out bytes.Buffer
	for len(b) > 0 {
		n := min(32, len(b))
		out.WriteString(hex.EncodeToString(b[:n]))
		out.WriteByte('\n')
		b = b[n:]
	}
	return out.Bytes()
}

// skipField reports whether a kmsg struct field is bookkeeping rather than
// a schema field.
func skipField(f reflect.StructField) bool {
	return !f.IsExported() || f.Name == "Version" || f.Name == "UnknownTags"
}

// fillValue sets every schema field reachable from v to a distinct
// deterministic value for message version ver; *k counts the scalars filled
// so far.
func fillValue(v reflect.Value, ver int16, k *int) {
	next := func() int { *k++; return *k }
	switch v.Kind() {
	case reflect.Struct:
		// New elements of slices and new pointees start from kmsg's
		// defaults, as kmsg's decoder does, so fields left unfilled below
		// stay at their defaults (and off the wire for tagged fields).
		if d, ok := v.Addr().Interface().(interface{ Default() }); ok {
			d.Default()
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if skipField(f) || kmsgOnly[t.Name()+"."+f.Name] {
				continue
			}
			if since, ok := taggedSince[t.Name()+"."+f.Name]; ok && ver < since {
				continue
			}
			fillValue(v.Field(i), ver, k)
		}
	case reflect.Bool:
		next()
		v.SetBool(true)
	case reflect.Int8:
		v.SetInt(int64(int8(next()%100 + 1)))
	case reflect.Int16:
		v.SetInt(int64(int16(1000 + next())))
	case reflect.Int32:
		v.SetInt(int64(int32(100000 + next())))
	case reflect.Int64, reflect.Int:
		v.SetInt(int64(1<<40) + int64(next()))
	case reflect.Uint8:
		v.SetUint(uint64(uint8(next()%100 + 1)))
	case reflect.Uint16:
		v.SetUint(uint64(uint16(1000 + next())))
	case reflect.Uint32:
		v.SetUint(uint64(uint32(100000 + next())))
	case reflect.Uint64, reflect.Uint:
		v.SetUint(uint64(1<<40) + uint64(next()))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(next()) + 0.5)
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", next()))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		if p.Elem().Kind() == reflect.String {
			p.Elem().SetString(fmt.Sprintf("n%d", next()))
		} else {
			fillValue(p.Elem(), ver, k)
		}
		v.Set(p)
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			n := next()
			v.SetBytes([]byte{byte(n), byte(n + 1), byte(n + 2)})
			return
		}
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := 0; i < 2; i++ {
			fillValue(s.Index(i), ver, k)
		}
		v.Set(s)
	case reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			n := next()
			for i := 0; i < v.Len(); i++ {
				v.Index(i).SetUint(uint64(byte(n + i)))
			}
			return
		}
		for i := 0; i < v.Len(); i++ {
			fillValue(v.Index(i), ver, k)
		}
	default:
		panic(fmt.Sprintf("fill: unsupported kind %s (%s)", v.Kind(), v.Type()))
	}
}

// structFields returns t's schema fields in the order the JSON uses.
func structFields(t reflect.Type) []reflect.StructField {
	var fs []reflect.StructField
	if order, ok := schemaOrder[t.Name()]; ok && !raw {
		for _, name := range order {
			f, ok := t.FieldByName(name)
			if !ok {
				panic(fmt.Sprintf("schemaOrder: %s has no field %s", t.Name(), name))
			}
			fs = append(fs, f)
		}
		n := 0
		for i := 0; i < t.NumField(); i++ {
			if !skipField(t.Field(i)) {
				n++
			}
		}
		if n != len(fs) {
			panic(fmt.Sprintf("schemaOrder: %s lists %d of %d fields", t.Name(), len(fs), n))
		}
		return fs
	}
	for i := 0; i < t.NumField(); i++ {
		if !skipField(t.Field(i)) {
			fs = append(fs, t.Field(i))
		}
	}
	return fs
}

// defaultOf returns a new value of struct type t with kmsg's Default
// applied, if t has one.
func defaultOf(t reflect.Type) reflect.Value {
	p := reflect.New(t)
	if d, ok := p.Interface().(interface{ Default() }); ok {
		d.Default()
	}
	return p.Elem()
}

// field is one element of a positional JSON struct: kmsg's field name and
// the value.
type field struct {
	F string `json:"f"`
	V any    `json:"v"`
}

// positionalJSON renders a kmsg struct as an indented JSON array of
// {"f": name, "v": value}, one per schema field in declaration order.
func positionalJSON(v reflect.Value) ([]byte, error) {
	x, err := toPositional(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(x); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func toPositional(v reflect.Value) (any, error) {
	switch v.Kind() {
	case reflect.Struct:
		t := v.Type()
		fields := []field{}
		for _, sf := range structFields(t) {
			fv := v.FieldByIndex(sf.Index)
			if !raw && kmsgOnly[t.Name()+"."+sf.Name] {
				if def := defaultOf(t).FieldByIndex(sf.Index); !reflect.DeepEqual(fv.Interface(), def.Interface()) {
					return nil, fmt.Errorf("%s.%s: kmsg-only field is %v, not its default %v", t.Name(), sf.Name, fv, def)
				}
				continue
			}
			x, err := toPositional(fv)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", t.Name(), sf.Name, err)
			}
			fields = append(fields, field{F: sf.Name, V: x})
		}
		return fields, nil
	case reflect.Bool:
		return v.Bool(), nil
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Int:
		return v.Int(), nil
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uint:
		return v.Uint(), nil
	case reflect.Float32, reflect.Float64:
		return v.Float(), nil
	case reflect.String:
		return v.String(), nil
	case reflect.Pointer:
		if v.IsNil() {
			return nil, nil
		}
		return toPositional(v.Elem())
	case reflect.Slice:
		if v.IsNil() {
			return nil, nil
		}
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return hex.EncodeToString(v.Bytes()), nil
		}
		out := make([]any, v.Len())
		for i := range out {
			x, err := toPositional(v.Index(i))
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = x
		}
		return out, nil
	case reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, v.Len())
			reflect.Copy(reflect.ValueOf(b), v)
			return hex.EncodeToString(b), nil
		}
		out := make([]any, v.Len())
		for i := range out {
			x, err := toPositional(v.Index(i))
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = x
		}
		return out, nil
	default:
		return nil, fmt.Errorf("unsupported kind %s (%s)", v.Kind(), v.Type())
	}
}
