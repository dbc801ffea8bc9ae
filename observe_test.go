// Tests of what the broker shows of itself: health across a start and a
// stop, the Snapshot a test can assert on, the metrics text, the web page
// (escaping above all) and the protocol trace against a golden file.
package kafka

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"hash/crc32"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var updateTrace = flag.Bool("update-trace", false, "rewrite testdata/trace from the trace's output")

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

// TestHealthzAcrossStart: 503 after Open, 200 once Serve has the listener,
// 503 again from the moment the context is cancelled.
func TestHealthzAcrossStart(t *testing.T) {
	b, err := Open(Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	h := b.Handler()
	if code := get(t, h, "/healthz").Code; code != 503 {
		t.Fatalf("before Serve: /healthz %d, want 503", code)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()
	deadline := time.Now().Add(5 * time.Second)
	for get(t, h, "/healthz").Code != 200 {
		if time.Now().After(deadline) {
			t.Fatal("/healthz never answered 200 while serving")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if body := get(t, h, "/healthz").Body.String(); body != "ok\n" {
		t.Errorf("/healthz body %q", body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code := get(t, h, "/healthz").Code; code != 503 {
		t.Fatalf("after Serve: /healthz %d, want 503", code)
	}
}

// TestSnapshotGroupLag checks the Snapshot against records and a commit
// made through the protocol.
func TestSnapshotGroupLag(t *testing.T) {
	b := startBroker(t, t.TempDir())
	c := dial(t, b.addr)
	c.createTopic("orders", 2)
	for range 3 {
		c.produce("orders", 1, appendBatch(nil, 1000, []record{{Value: []byte("a")}}))
	}
	if code := c.commitOffset("billing", "orders", 1, 1); code != codeNone {
		t.Fatalf("commit: %d", code)
	}
	s := b.Snapshot()
	orders := s.Topic("orders")
	if orders == nil || len(orders.Partitions) != 2 {
		t.Fatalf("topic orders: %+v", orders)
	}
	p := orders.Partitions[1]
	if p.HighWatermark != 3 || p.LogStartOffset != 0 || p.LastStableOffset != 3 || p.SizeBytes == 0 || p.Segments != 1 {
		t.Errorf("orders-1: %+v", p)
	}
	if orders.Records() != 3 {
		t.Errorf("orders holds %d records, want 3", orders.Records())
	}
	g := s.Group("billing")
	if g == nil || g.Type != "classic" || g.State != "Empty" || len(g.Offsets) != 1 {
		t.Fatalf("group billing: %+v", g)
	}
	want := OffsetSnapshot{Topic: "orders", Partition: 1, Committed: 1, Metadata: "meta-1", EndOffset: 3, Lag: 2}
	if g.Offsets[0] != want {
		t.Errorf("offset %+v, want %+v", g.Offsets[0], want)
	}
}

// TestParseAssignment checks the web page's view of a classic consumer's
// assignment: every partition once, sorted, and nothing for bytes that do
// not parse.
func TestParseAssignment(t *testing.T) {
	w := &writer{}
	w.Int16(3)
	w.ArrayLen(2)
	w.String("orders")
	w.Int32s([]int32{2, 0})
	w.String("audit")
	w.Int32s([]int32{1})
	w.Bytes([]byte("user data"))
	want := []TopicPartition{{"audit", 1}, {"orders", 0}, {"orders", 2}}
	if got := parseAssignment(w.buf); !slices.Equal(got, want) {
		t.Errorf("assignment %v, want %v", got, want)
	}
	if got := parseAssignment(w.buf[:len(w.buf)-3]); got != nil {
		t.Errorf("cut assignment read as %v", got)
	}
	if got := parseAssignment(nil); got != nil {
		t.Errorf("no assignment read as %v", got)
	}
}

// TestMetricsText checks that /metrics holds the JMX exporter's names with
// the values the broker saw. interop/metrics_test.go parses the same text
// with Prometheus's own parser.
func TestMetricsText(t *testing.T) {
	b := startBroker(t, t.TempDir())
	c := dial(t, b.addr)
	c.createTopic("m", 1)
	batch := appendBatch(nil, 1000, []record{{Value: []byte("x")}, {Value: []byte("y")}})
	c.produce("m", 0, batch)
	c.fetch("m", 0, 0, 0, 1)
	c.commitOffset("g", "m", 0, 1)
	b.metrics.cleaner.cleaned(time.Now().Add(-2*time.Second), 1000, 250, 40)
	rec := get(t, b.Handler(), "/metrics")
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	text := rec.Body.String()
	for _, line := range []string{
		`kafka_server_brokertopicmetrics_messagesin_total{topic="m"} 2`,
		`kafka_server_brokertopicmetrics_bytesin_total{topic="m"} ` + itoa(len(batch)),
		`kafka_server_brokertopicmetrics_bytesout_total{topic="m"} ` + itoa(len(batch)),
		`kafka_log_log_logendoffset{topic="m",partition="0"} 2`,
		`kafka_log_log_logstartoffset{topic="m",partition="0"} 0`,
		`kafka_log_log_size{topic="m",partition="0"} ` + itoa(len(batch)),
		`kafka_consumergroup_lag{consumergroup="g",topic="m",partition="0"} 1`,
		`kafka_consumergroup_current_offset{consumergroup="g",topic="m",partition="0"} 1`,
		`kafka_network_requestmetrics_requests_total{request="Produce",version="9"} 1`,
		`kafka_network_requestmetrics_errors_total{request="Produce",error="NONE"} 1`,
		`kafka_network_requestmetrics_totaltimems_count{request="Produce"} 1`,
		`kafka_network_requestmetrics_totaltimems_bucket{request="Produce",le="+Inf"} 1`,
		`kafka_server_socket_server_metrics_connection_count{listener="PLAINTEXT",networkprocessor="0"} 1`,
		`kafka_log_logcleaner_cleaner_recopy_percent 25`,
		`kafka_log_logcleaner_max_clean_time_secs 2`,
		`# TYPE kafka_log_logflushstats_logflushrateandtimems histogram`,
	} {
		if !strings.Contains(text, line+"\n") && !strings.Contains(text, line+".") {
			t.Errorf("/metrics lacks %s", line)
		}
	}
}

func itoa(n int) string { return strings.TrimSpace(formatValue(float64(n))) }

// TestMetricsCountErrors: a produce to a partition that does not exist is
// counted under its error's name.
func TestMetricsCountErrors(t *testing.T) {
	b := startBroker(t, t.TempDir())
	c := dial(t, b.addr)
	c.createTopic("e", 1)
	if code, _ := c.produce("e", 7, appendBatch(nil, 1000, []record{{Value: []byte("x")}})); code != codeUnknownTopicOrPartition {
		t.Fatalf("produce to e-7: code %d", code)
	}
	text := get(t, b.Handler(), "/metrics").Body.String()
	if !strings.Contains(text, `kafka_network_requestmetrics_errors_total{request="Produce",error="UNKNOWN_TOPIC_OR_PARTITION"} 1`+"\n") {
		t.Errorf("the error is not counted:\n%s", grepLines(text, "errors_total"))
	}
	if strings.Contains(text, `kafka_server_brokertopicmetrics_messagesin_total{topic="e"} 1`) {
		t.Error("a refused batch counts as messages in")
	}
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestLabelEscaping: a group id may hold anything; the text format escapes
// backslash, quote and newline in label values.
func TestLabelEscaping(t *testing.T) {
	if got, want := escapeLabel("a\\b\"c\nd"), `a\\b\"c\nd`; got != want {
		t.Errorf("escapeLabel = %s, want %s", got, want)
	}
}

// gzippedBatch is appendBatch with its records gzipped, as a producer with
// compression.type=gzip sends them.
func gzippedBatch(timestamp int64, recs []record) []byte {
	plain := appendBatch(nil, timestamp, recs)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(plain[batchHeaderSize:])
	zw.Close()
	b := append(plain[:batchHeaderSize:batchHeaderSize], z.Bytes()...)
	binary.BigEndian.PutUint16(b[batchAttrOffset:], 1) // gzip
	binary.BigEndian.PutUint32(b[batchLengthOffset:], uint32(len(b)-batchLogOverhead))
	binary.BigEndian.PutUint32(b[batchCRCOffset:], crc32.Checksum(b[batchAttrOffset:], castagnoli))
	return b
}

// TestRecordsDecoding reads back plain and gzipped records with keys,
// nulls and binary values, snappy, lz4 and zstd records, and a batch
// flagged zstd whose records are not, which the page cannot decode.
func TestRecordsDecoding(t *testing.T) {
	b := startBroker(t, t.TempDir())
	c := dial(t, b.addr)
	c.createTopic("r", 1)
	c.produce("r", 0, appendBatch(nil, 1000, []record{{Key: []byte("k"), Value: []byte("plain")}, {Value: nil}}))
	c.produce("r", 0, gzippedBatch(2000, []record{{Key: []byte("z"), Value: []byte{0xff, 0x00}}}))
	zstd := appendBatch(nil, 3000, []record{{Value: []byte("?")}})
	binary.BigEndian.PutUint16(zstd[batchAttrOffset:], 4)
	binary.BigEndian.PutUint32(zstd[batchCRCOffset:], crc32.Checksum(zstd[batchAttrOffset:], castagnoli))
	c.produce("r", 0, zstd)
	for codec, ts := range map[int]int64{codecSnappy: 4000, codecLZ4: 5000, codecZstd: 6000} {
		batch := appendBatch(nil, ts, []record{{Key: []byte(codecName(codec)), Value: []byte("v")}})
		body, _ := compress(codec, batch[batchHeaderSize:], -1)
		batch = append(batch[:batchHeaderSize], body...)
		binary.BigEndian.PutUint32(batch[batchLengthOffset:], uint32(len(batch)-batchLogOverhead))
		binary.BigEndian.PutUint16(batch[batchAttrOffset:], uint16(codec))
		binary.BigEndian.PutUint32(batch[batchCRCOffset:], crc32.Checksum(batch[batchAttrOffset:], castagnoli))
		c.produce("r", 0, batch)
	}

	recs, err := b.Records("r", 0, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 {
		t.Fatalf("%d records from offset 1, want 6: %+v", len(recs), recs)
	}
	for _, r := range recs[3:] {
		if string(r.Key) != r.Compression || string(r.Value) != "v" || r.Note != "" {
			t.Errorf("offset %d: %+v, want the %s record decoded", r.Offset, r, r.Compression)
		}
	}
	if r := recs[0]; r.Offset != 1 || r.Value != nil || r.Compression != "none" {
		t.Errorf("offset 1: %+v", r)
	}
	if r := recs[1]; r.Offset != 2 || string(r.Key) != "z" || !bytes.Equal(r.Value, []byte{0xff, 0}) || r.Compression != "gzip" || r.Timestamp.UnixMilli() != 2000 {
		t.Errorf("offset 2: %+v", r)
	}
	if r := recs[2]; r.Offset != 3 || !strings.Contains(r.Note, "zstd") {
		t.Errorf("offset 3: %+v", r)
	}
	if s := showBytes([]byte{0xff, 0}); !s.Hex || s.Text != "ff00" {
		t.Errorf("binary value shown as %+v", s)
	}
	if s := showBytes([]byte("héllo\n")); s.Hex || s.Text != "héllo\n" {
		t.Errorf("text value shown as %+v", s)
	}
}

// TestPageEscapesRecords: a record holding markup is shown as text, and
// the page allows no script but its own.
func TestPageEscapesRecords(t *testing.T) {
	b := startBroker(t, t.TempDir())
	c := dial(t, b.addr)
	c.createTopic("x", 1)
	evil := `<script>alert("owned")</script>`
	c.produce("x", 0, appendBatch(nil, 1000, []record{{Key: []byte(`<b>k</b>`), Value: []byte(evil)}}))
	c.commitOffset(`<i>group</i>`, "x", 0, 0)
	h := b.Handler()
	for _, path := range []string{"/", "/topics/x", "/topics/x/0", "/topics/x/0?offset=0"} {
		rec := get(t, h, path)
		body := rec.Body.String()
		if rec.Code != 200 {
			t.Errorf("%s: %d", path, rec.Code)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>k</b>") || strings.Contains(body, "<i>group") {
			t.Errorf("%s shows markup from user input unescaped", path)
		}
		if strings.Count(body, "<script>") != 1 {
			t.Errorf("%s has %d scripts, want only the refresh script", path, strings.Count(body, "<script>"))
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'sha256-") {
			t.Errorf("%s: Content-Security-Policy %q", path, csp)
		}
	}
	if body := get(t, h, "/topics/x/0").Body.String(); !strings.Contains(body, "&lt;script&gt;alert(&#34;owned&#34;)&lt;/script&gt;") {
		t.Errorf("the record's value is not on the page as text:\n%s", body)
	}
	for _, path := range []string{"/topics/nope", "/topics/x/1", "/topics/x/-1", "/topics/x/zero"} {
		if code := get(t, h, path).Code; code != 404 {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/topics/x", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d, want 405", rec.Code)
	}
}

// TestTraceProduce compares the trace of a known Produce v9 request and
// its response with testdata/trace/produce.golden; only the latency is
// masked. Run with -update-trace to rewrite the file after a deliberate
// change.
func TestTraceProduce(t *testing.T) {
	var out syncBuffer
	b := startBrokerWith(t, Config{DataDir: t.TempDir(), Trace: &out})
	c := dial(t, b.addr)
	c.createTopic("greetings", 1)
	batch := appendBatch(nil, 1700000000000, []record{{Key: []byte("k1"), Value: []byte("secret value")}})
	c.mustProduce("greetings", 0, batch)
	b.stop()
	got := regexp.MustCompile(`latency=\S+`).ReplaceAllString(grepLines(out.String(), " Produce "), "latency=X") + "\n"
	if strings.Contains(got, "secret value") {
		t.Error("the trace shows record bytes")
	}
	path := filepath.Join("testdata", "trace", "produce.golden")
	if *updateTrace {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("trace:\n%s\nwant:\n%s", got, want)
	}
}

// TestTraceHidesConfigSecrets: AlterConfigs and IncrementalAlterConfigs
// may carry passwords (ssl.key.password, sasl.jaas.config on a broker
// resource), which the broker refuses but the trace prints as they
// arrive. Their values show as [hidden] unless the config is one this
// broker has for the resource's type, as Kafka's RequestChannel logs
// loggableRequest (KafkaConfig.loggableValue); config names, known
// values and nulls stay readable.
func TestTraceHidesConfigSecrets(t *testing.T) {
	var out bytes.Buffer
	tr := newTracer(&out)
	h := &requestHeader{APIKey: 44, APIVersion: 1, CorrelationID: 7, ClientID: ptr("c")}
	a := lookupAPI(44)
	incr := &incrementalAlterConfigsRequest{Resources: []incrementalAlterConfigsResource{
		{ResourceType: resourceBroker, ResourceName: "0", Configs: []incrementalAlterableConfig{
			{Name: "ssl.key.password", Value: ptr("s3cret-one")},
			{Name: "listener.name.sasl_ssl.plain.sasl.jaas.config", Value: ptr("s3cret-two")},
			{Name: "log.retention.ms", Value: ptr("86400000")},
			{Name: "log.cleanup.policy", Value: nil},
		}},
		{ResourceType: resourceTopic, ResourceName: "t", Configs: []incrementalAlterableConfig{
			{Name: "retention.ms", Value: ptr("1000")},
			{Name: "no.such.config", Value: ptr("s3cret-three")},
		}},
		{ResourceType: resourceGroup, ResourceName: "g", Configs: []incrementalAlterableConfig{{Name: "unknown", Value: ptr("s3cret-four")}}},
		{ResourceType: 99, ResourceName: "x", Configs: []incrementalAlterableConfig{{Name: "any", Value: ptr("s3cret-five")}}},
		{ResourceType: resourceClientMetrics, ResourceName: "m", Configs: []incrementalAlterableConfig{{Name: "metrics", Value: ptr("org.apache")}}},
	}}
	tr.request(h, a, incr)
	h2 := &requestHeader{APIKey: 33, APIVersion: 2, CorrelationID: 8, ClientID: ptr("c")}
	tr.request(h2, lookupAPI(33), &alterConfigsRequest{Resources: []alterConfigsResource{
		{ResourceType: resourceBroker, ResourceName: "", Configs: []alterableConfig{{Name: "ssl.keystore.password", Value: ptr("s3cret-six")}, {Name: "message.max.bytes", Value: ptr("2000000")}}},
	}})
	got := out.String()
	if strings.Contains(got, "s3cret") {
		t.Errorf("a secret in the trace:\n%s", got)
	}
	for _, want := range []string{`Value="[hidden]"`, `Value="86400000"`, `Value=null`, `Value="1000"`, `Value="org.apache"`, `Value="2000000"`, `Name="ssl.keystore.password"`} {
		if !strings.Contains(got, want) {
			t.Errorf("trace lacks %s:\n%s", want, got)
		}
	}
	if incr.Resources[0].Configs[0].Value == nil || *incr.Resources[0].Configs[0].Value != "s3cret-one" {
		t.Error("the trace changed the request the handler gets")
	}
}

func TestSchemaName(t *testing.T) {
	for goName, want := range map[string]string{
		"ProducerID": "ProducerId", "TransactionalIDs": "TransactionalIds", "APIKeys": "ApiKeys",
		"TopicID": "TopicId", "GroupIDs": "GroupIds", "Identity": "Identity", "ThrottleTimeMs": "ThrottleTimeMs",
	} {
		if got := schemaName(goName); got != want {
			t.Errorf("schemaName(%s) = %s, want %s", goName, got, want)
		}
	}
}

// FuzzDecodeBatch feeds garbage to the page's record decoder, plain and
// gzipped, under a plausible header: it must return and never panic, and
// whatever it returns is shown escaped.
func FuzzDecodeBatch(f *testing.F) {
	f.Add(appendBatch(nil, 1, []record{{Key: []byte("k"), Value: []byte("v")}})[batchHeaderSize:], int32(1), false)
	f.Add(gzippedBatch(1, []record{{Value: []byte("v")}})[batchHeaderSize:], int32(1), true)
	f.Add([]byte{0x01}, int32(1), false)
	f.Fuzz(func(t *testing.T, body []byte, count int32, gzipped bool) {
		b := rawBatch(0, 0, 0, 0, count, body)
		if gzipped {
			binary.BigEndian.PutUint16(b[batchAttrOffset:], 1)
		}
		h, err := parseBatchHeader(b)
		if err != nil {
			return
		}
		for _, r := range decodeBatch(b, h) {
			showBytes(r.Key)
			showBytes(r.Value)
		}
	})
}

// ExampleBroker_Snapshot reads the broker's state from a program that
// embeds it, as a test asserting on what its clients did would.
func ExampleBroker_Snapshot() {
	dir, err := os.MkdirTemp("", "kafka-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	b, err := Open(Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		panic(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()

	// ... clients produce to ln.Addr() and commit offsets ...

	s := b.Snapshot()
	for _, t := range s.Topics {
		fmt.Println(t.Name, "partitions:", len(t.Partitions), "records:", t.Records())
	}
	for _, g := range s.Groups {
		for _, o := range g.Offsets {
			fmt.Println(g.ID, o.Topic, o.Partition, "lag:", o.Lag)
		}
	}
	cancel()
	<-done
	// Output:
	// __consumer_offsets partitions: 1 records: 0
}

// TestTraceEveryAPI traces the filled golden request and response of every
// API and version: each must make one line, and every field must print as
// Name=value with the schema's capitalised name. (The names themselves
// were checked against Kafka's schemas when the trace was written; the
// decoders' golden tests keep the structs in schema order.)
func TestTraceEveryAPI(t *testing.T) {
	field := regexp.MustCompile(`[{ ]([A-Za-z0-9]+)=`)
	for _, a := range apis {
		for v := a.minVersion; v <= a.maxVersion; v++ {
			g := readGolden(t, goldenFile(t, a.name, v))
			req, resp := a.newRequest(), newResponse[a.key]()
			if err := fillFromGolden(req, g.sections["request.json"]); err != nil {
				t.Fatal(err)
			}
			if err := fillFromGolden(resp, g.sections["response.json"]); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			tr := newTracer(&out)
			h := &requestHeader{APIKey: a.key, APIVersion: v, CorrelationID: 7, ClientID: ptr("c")}
			tr.request(h, &a, req)
			tr.response(h, &a, resp, time.Millisecond)
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(lines) != 2 {
				t.Errorf("%s v%d: %d lines", a.name, v, len(lines))
			}
			var bodies string
			for _, l := range lines {
				bodies += l[strings.Index(l, " {"):]
			}
			for _, m := range field.FindAllStringSubmatch(bodies, -1) {
				if name := m[1]; name[0] < 'A' || name[0] > 'Z' || strings.Contains(name, "ID") && name != "ID" {
					t.Errorf("%s v%d: field %s is not named as in the schema", a.name, v, name)
				}
			}
			if testing.Verbose() {
				t.Log(out.String())
			}
		}
	}
}

// TestErrorNames: every error code the package declares (a const named
// code... of type int16) has its Kafka name for the error label of
// ErrorsPerSec, which otherwise falls back to CODE_<n>.
func TestErrorNames(t *testing.T) {
	pkgs, err := parser.ParseDir(token.NewFileSet(), ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range pkgs["kafka"].Files {
		ast.Inspect(f, func(n ast.Node) bool {
			spec, ok := n.(*ast.ValueSpec)
			if !ok || spec.Type == nil || fmt.Sprint(spec.Type) != "int16" {
				return true
			}
			for i, name := range spec.Names {
				if !strings.HasPrefix(name.Name, "code") || i >= len(spec.Values) {
					continue
				}
				lit := spec.Values[i]
				var code int64
				switch v := lit.(type) {
				case *ast.BasicLit:
					code, _ = strconv.ParseInt(v.Value, 10, 16)
				case *ast.UnaryExpr:
					n, _ := strconv.ParseInt(v.X.(*ast.BasicLit).Value, 10, 16)
					code = -n
				}
				got, ok := errorNames[int16(code)]
				if !ok {
					t.Errorf("%s (%d) has no name in errorNames (metrics.go)", name.Name, code)
					continue
				}
				// The constant's own name must be Kafka's name for its
				// value: two constants of one value (UNKNOWN_LEADER_EPOCH
				// was once declared 76, UNSUPPORTED_COMPRESSION_TYPE's
				// code) cannot both match it.
				if want := constantErrorName(name.Name); got != want {
					t.Errorf("%s is %d, which Kafka calls %s, not %s", name.Name, code, got, want)
				}
			}
			return true
		})
	}
}

// constantErrorName is the Kafka name a code constant's Go name spells:
// codeUnknownLeaderEpoch is UNKNOWN_LEADER_EPOCH, codeUnreleasedInstanceID
// UNRELEASED_INSTANCE_ID.
func constantErrorName(goName string) string {
	var out []rune
	words := []rune(strings.TrimPrefix(goName, "code"))
	for i, r := range words {
		upper := r >= 'A' && r <= 'Z'
		// A word starts at a capital that follows a lower-case letter, or
		// that ends a run of capitals before a lower-case one (IDs, SASL).
		if i > 0 && upper && (words[i-1] < 'A' || words[i-1] > 'Z' || i+1 < len(words) && words[i+1] >= 'a' && words[i+1] <= 'z') {
			out = append(out, '_')
		}
		out = append(out, []rune(strings.ToUpper(string(r)))...)
	}
	return string(out)
}

// BenchmarkRequestDone is what the metrics add to each produce request:
// the counters, the latency histogram and the walk for error codes.
func BenchmarkRequestDone(b *testing.B) {
	br := &Broker{metrics: newBrokerMetrics(), trace: newTracer(nil)}
	api := lookupAPI(0)
	h := &requestHeader{APIKey: 0, APIVersion: 9}
	batch := appendBatch(nil, 1, []record{{Value: []byte("x")}})
	req := &produceRequest{Acks: -1, TopicData: []produceTopic{{Name: "t", PartitionData: []producePartition{{Index: 0, Records: batch}}}}}
	resp := &produceResponse{Responses: []produceTopicResponse{{Name: "t", PartitionResponses: []producePartitionResponse{{Index: 0}}}}}
	received := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		br.requestDone(h, api, req, resp, received)
	}
}

// TestErrorNameKafkaSpells checks the names errorNames gives codes whose
// Kafka name (Errors.java) is not their description: code 17 is
// INVALID_TOPIC_EXCEPTION, the name a dashboard filters ErrorsPerSec by.
func TestErrorNameKafkaSpells(t *testing.T) {
	for code, want := range map[int16]string{17: "INVALID_TOPIC_EXCEPTION", 2: "CORRUPT_MESSAGE", 10: "MESSAGE_TOO_LARGE"} {
		if got := errorName(code); got != want {
			t.Errorf("error code %d is named %s; Kafka's Errors.java calls it %s", code, got, want)
		}
	}
}
