// Tests of what the broker shows of itself, seen from outside: /metrics
// read by Prometheus's own text parser, and the web page loaded in
// headless Chromium after real clients produced, consumed in a group and
// left a transaction open.
package interop

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"kafka"
)

var updateDocs = flag.Bool("update-docs", false, "copy the web page's screenshot to ../docs/web-page.png")

// startObservedBroker runs a broker like startBroker and serves its
// Handler on an httptest server. It returns the broker, its Kafka address
// and the server's URL.
func startObservedBroker(t *testing.T) (*kafka.Broker, string, string) {
	t.Helper()
	logw := &testLogWriter{t: t, prefix: "broker: "}
	b, err := kafka.Open(kafka.Config{DataDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(logw, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()
	web := httptest.NewServer(b.Handler())
	t.Cleanup(func() {
		web.Close()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
		logw.close()
	})
	return b, ln.Addr().String(), web.URL
}

// scenario is what both tests set up with real clients: topic web with
// six records (one value holding a script, one binary, one gzipped), a
// classic group web-readers whose member consumed and committed them and
// is still in the group, two more records it has not consumed (lag 2),
// topic payments with a transaction left open, and a KIP-848 group
// payment-auditors reading it.
func scenario(t *testing.T, b *kafka.Broker, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	adm := kadm.NewClient(newClient(t, addr))
	createTopic(t, ctx, adm, 1, "web")
	createTopic(t, ctx, adm, 2, "payments")
	p := newClient(t, addr, kgo.ProducerBatchCompression(kgo.GzipCompression()), kgo.ProducerLinger(0))
	produceSync(t, ctx, p,
		&kgo.Record{Topic: "web", Key: []byte("user-1"), Value: []byte("hello from franz-go"), Headers: []kgo.RecordHeader{{Key: "trace-id", Value: []byte("abc123")}}},
		&kgo.Record{Topic: "web", Key: []byte("user-2"), Value: []byte(`<script>document.title="pwned"</script>`)},
		&kgo.Record{Topic: "web", Key: []byte("user-3"), Value: []byte{0x00, 0x01, 0xfe, 0xff}},
		&kgo.Record{Topic: "web", Value: []byte(`{"order": 42, "total": "9.99"}`)},
		&kgo.Record{Topic: "web", Key: []byte("user-1"), Value: nil},
	)
	// franz-go sends a batch uncompressed when gzip would not shrink it.
	produceSync(t, ctx, p, &kgo.Record{Topic: "web", Key: []byte("user-4"), Value: []byte(strings.Repeat("gzip shrinks repetitive values. ", 8))})

	c := newClient(t, addr, kgo.ConsumerGroup("web-readers"), kgo.ConsumeTopics("web"),
		kgo.DisableAutoCommit(), kgo.FetchMaxWait(200*time.Millisecond))
	for got := 0; got < 6; {
		fs := c.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			t.Fatalf("poll: %v", err)
		}
		got += fs.NumRecords()
	}
	if err := c.CommitUncommittedOffsets(ctx); err != nil {
		t.Fatalf("commit: %v", err)
	}
	produceSync(t, ctx, p, &kgo.Record{Topic: "web", Value: []byte("unread 1")}, &kgo.Record{Topic: "web", Value: []byte("unread 2")})

	tx := newClient(t, addr, kgo.TransactionalID("payments-writer"), kgo.TransactionTimeout(time.Minute))
	if err := tx.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produceSync(t, ctx, tx, &kgo.Record{Topic: "payments", Partition: 0, Value: []byte("pending payment")})

	// A KIP-848 consumer group, whose assignment the broker computes.
	newClient(t, addr, append(serverSide(kgo.CooperativeStickyBalancer()),
		kgo.ConsumerGroup("payment-auditors"), kgo.ConsumeTopics("payments"), kgo.ClientID("auditor"))...)

	// The commit is answered before CommitUncommittedOffsets returns; the
	// KIP-848 member's assignment is what takes a moment.
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		s := b.Snapshot()
		g, auditors := s.Group("web-readers"), s.Group("payment-auditors")
		if g != nil && g.State == "Stable" && len(g.Members) == 1 && len(g.Members[0].Assignment) == 1 && len(g.Offsets) == 1 &&
			auditors != nil && auditors.Type == "consumer" && auditors.State == "Stable" && len(auditors.Members) == 1 && len(auditors.Members[0].Assignment) == 2 {
			if g.Offsets[0].Lag != 2 {
				t.Fatalf("lag %d, want 2: %+v", g.Offsets[0].Lag, g.Offsets[0])
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the groups never settled: %+v\n%+v", g, auditors)
		}
	}
}

// TestMetricsParse reads /metrics with Prometheus's own parser, with the
// strict (legacy) name rules, and checks the families' types and values.
func TestMetricsParse(t *testing.T) {
	b, addr, web := startObservedBroker(t)
	scenario(t, b, addr)
	resp, err := http.Get(web + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); expfmt.ResponseFormat(resp.Header).FormatType() != expfmt.TypeTextPlain {
		t.Errorf("Content-Type %q is not Prometheus text", ct)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("Prometheus cannot parse /metrics: %v", err)
	}
	types := map[string]string{
		"kafka_server_brokertopicmetrics_messagesin_total":             "COUNTER",
		"kafka_server_brokertopicmetrics_bytesin_total":                "COUNTER",
		"kafka_server_brokertopicmetrics_bytesout_total":               "COUNTER",
		"kafka_log_log_size":                                           "GAUGE",
		"kafka_log_log_logstartoffset":                                 "GAUGE",
		"kafka_log_log_logendoffset":                                   "GAUGE",
		"kafka_consumergroup_lag":                                      "GAUGE",
		"kafka_consumergroup_current_offset":                           "GAUGE",
		"kafka_network_requestmetrics_requests_total":                  "COUNTER",
		"kafka_network_requestmetrics_errors_total":                    "COUNTER",
		"kafka_network_requestmetrics_totaltimems":                     "HISTOGRAM",
		"kafka_server_socket_server_metrics_connection_count":          "GAUGE",
		"kafka_server_socket_server_metrics_connection_creation_total": "COUNTER",
		"kafka_log_logflushstats_logflushrateandtimems":                "HISTOGRAM",
	}
	for name, typ := range types {
		f := families[name]
		if f == nil {
			t.Errorf("no family %s", name)
			continue
		}
		if got := f.GetType().String(); got != typ {
			t.Errorf("%s is a %s, want %s", name, got, typ)
		}
	}
	value := func(name string, labels map[string]string) (float64, bool) {
		for _, m := range families[name].GetMetric() {
			match := len(m.GetLabel()) == len(labels)
			for _, l := range m.GetLabel() {
				match = match && labels[l.GetName()] == l.GetValue()
			}
			if !match {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
		return 0, false
	}
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"kafka_server_brokertopicmetrics_messagesin_total", map[string]string{"topic": "web"}, 8},
		{"kafka_log_log_logendoffset", map[string]string{"topic": "web", "partition": "0"}, 8},
		{"kafka_consumergroup_lag", map[string]string{"consumergroup": "web-readers", "topic": "web", "partition": "0"}, 2},
		{"kafka_consumergroup_current_offset", map[string]string{"consumergroup": "web-readers", "topic": "web", "partition": "0"}, 6},
	} {
		if got, ok := value(c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	if n, ok := value("kafka_network_requestmetrics_totaltimems", map[string]string{"request": "Produce"}); !ok || n < 3 {
		t.Errorf("Produce latency histogram counts %v requests (found %v), want at least 3", n, ok)
	}
}

// chromiumFlags are what headless Chromium needs on a CI machine: no
// sandbox (containers run as root), no GPU, and none of the background
// traffic a desktop browser starts with.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--hide-scrollbars",
}

// runChromium runs headless Chromium with a fresh profile on url and
// returns its standard output.
func runChromium(t *testing.T, chromium, url string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	all := append(append(slices.Clone(chromiumFlags), "--user-data-dir="+t.TempDir()), args...)
	cmd := exec.CommandContext(ctx, chromium, append(all, url)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", url, err, stderr.Bytes())
	}
	return stdout.Bytes()
}

// TestWebPageInChromium loads the page in headless Chromium after real
// clients have used the broker, and checks what a person would see: the
// topics, the records (the one holding a script as text, which did not
// run), and the group's lag. The screenshots are kept as the test's
// artifacts (go test -artifacts); with -update-docs the overview also
// becomes the README's docs/web-page.png.
func TestWebPageInChromium(t *testing.T) {
	chromium := ""
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		chromium = requireTool(t, "chromium")
	}
	b, addr, web := startObservedBroker(t)
	scenario(t, b, addr)

	overview := string(runChromium(t, chromium, web+"/", "--dump-dom"))
	for _, want := range []string{
		`<a href="/topics/web">web</a>`,
		`<a href="/topics/payments">payments</a>`,
		`<h3>web-readers</h3>`,
		`<h3>payment-auditors</h3>`,
		`consumer group`,
		`<td class="n lag-cell lag">2</td>`,
		`payments-writer`,
	} {
		if !strings.Contains(overview, want) {
			t.Errorf("the overview lacks %s", want)
		}
	}
	if !regexp.MustCompile(`<b>Stable</b>`).MatchString(overview) {
		t.Error("the overview does not show the group Stable")
	}

	records := string(runChromium(t, chromium, web+"/topics/web/0", "--dump-dom"))
	for _, want := range []string{
		`hello from franz-go`,
		`<b>trace-id</b>`,
		`&lt;script&gt;document.title="pwned"&lt;/script&gt;`,
		`<span class="value hex">0001feff</span>`,
		`<span class="null">null</span>`,
		`gzip`,
		`<title>web-0</title>`,
	} {
		if !strings.Contains(records, want) {
			t.Errorf("the records page lacks %s", want)
		}
	}
	if n := strings.Count(records, "<script"); n != 1 {
		t.Errorf("the records page's DOM has %d script elements, want only the refresh script", n)
	}
	if strings.Contains(records, "pwned</title>") {
		t.Error("a record's script ran")
	}

	dir := t.ArtifactDir()
	for name, path := range map[string]string{"overview.png": "/", "records.png": "/topics/web/0", "topic.png": "/topics/web"} {
		file := filepath.Join(dir, name)
		runChromium(t, chromium, web+path, "--screenshot="+file, "--window-size=1280,1100")
		png, err := os.ReadFile(file)
		if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) {
			t.Fatalf("screenshot %s: %v (%d bytes)", name, err, len(png))
		}
		t.Logf("screenshot of %s: %s", path, file)
	}
	if *updateDocs {
		copyFile(t, filepath.Join(dir, "overview.png"), filepath.Join("..", "docs", "web-page.png"))
		copyFile(t, filepath.Join(dir, "records.png"), filepath.Join("..", "docs", "web-records.png"))
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(fmt.Errorf("writing %s: %w", to, err))
	}
}
