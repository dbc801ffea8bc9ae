// Fuzz targets for the files of the data dir: each damages one file of a
// data dir that a running broker wrote, and opens a broker on it. Whatever
// a file holds (a torn write, a bad disk, a hand edit), Open must return
// an error or a broker that serves and stops, never panic or hang. The
// seeds are the files themselves, as the broker wrote them after serving
// every golden request.
package kafka

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// seedDataDir is a data dir a broker wrote while serving every golden
// request (and a produce to a topic it auto-created, so that partition
// files exist), made once per test binary.
var seedDataDir = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "kafka-seed-datadir-")
	if err != nil {
		return "", err
	}
	seedDataDirMade.Store(&dir)
	b, err := Open(Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler), GroupInitialRebalanceDelay: -1})
	if err != nil {
		return "", err
	}
	local, remote := net.Pipe()
	defer local.Close()
	defer remote.Close()
	c := &conn{Conn: local, broker: b}
	paths, _ := filepath.Glob("testdata/golden/*.txt")
	for _, p := range paths {
		g := readGolden(nopTB{}, p)
		frame := g.sections["request.frame.hex"]
		if len(frame) <= 4 {
			continue
		}
		h, a, req, err := parseRequest(frame[4:])
		if err != nil || a.key == 19 || a.key == 37 { // 100,001 partitions each
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		a.serve(b, ctx, &requestContext{conn: c, header: h}, req)
		cancel()
	}
	return dir, stopOpened(b)
})

// seedDataDirMade holds seedDataDir's directory once it exists, for
// TestMain to remove after the tests (and in each fuzz worker).
var seedDataDirMade atomic.Pointer[string]

// TestMain runs the tests, then removes the seed data dir if one was made:
// it outlives every test that uses it, so no t.TempDir can own it.
func TestMain(m *testing.M) {
	code := m.Run()
	if dir := seedDataDirMade.Load(); dir != nil {
		os.RemoveAll(*dir)
	}
	os.Exit(code)
}

// nopTB is a testing.TB for readGolden outside a test; the golden files
// are checked by their own tests, so a failure here only loses seeds.
type nopTB struct{ testing.TB }

func (nopTB) Helper()               {}
func (nopTB) Fatal(args ...any)     {}
func (nopTB) Fatalf(string, ...any) {}

// stopOpened serves b on a listener with a context already cancelled, which
// stops what Open started and closes its files.
func stopOpened(b *Broker) error {
	lns := make([]net.Listener, len(b.sec.listeners))
	for i := range lns {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		lns[i] = ln
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return b.Serve(ctx, lns...)
}

// fuzzDataDirFile fuzzes the files of the seed data dir at the paths
// rels (relative to it): each input replaces one of them (chosen by its
// first byte) in a copy of the dir, and a broker is opened on the copy and
// stopped. The seeds are the files as the broker wrote them, where it did,
// and extra.
func fuzzDataDirFile(f *testing.F, rels []string, extra ...[]byte) {
	seed, err := seedDataDir()
	if err != nil {
		f.Fatal(err)
	}
	for i, rel := range rels {
		if b, err := os.ReadFile(filepath.Join(seed, rel)); err == nil {
			f.Add(byte(i), b)
		}
	}
	for _, b := range extra {
		f.Add(byte(0), b)
	}
	f.Fuzz(func(t *testing.T, which byte, content []byte) {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS(seed)); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rels[int(which)%len(rels)]), content, 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := Open(Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler), GroupInitialRebalanceDelay: -1})
		if err != nil {
			return
		}
		if err := stopOpened(b); err != nil {
			t.Logf("stop: %v", err)
		}
	})
}

func FuzzTxnStateFile(f *testing.F) {
	fuzzDataDirFile(f, []string{txnStateFile},
		[]byte(`{"version":0,"transactions":[{"id":"t","producer_id":1,"state":"Ongoing"}]}`))
}

func FuzzACLFile(f *testing.F) {
	fuzzDataDirFile(f, []string{aclsFile}, []byte(`[{"resource_type":2,"resource_name":"t","pattern_type":3,`+
		`"principal":"User:alice","host":"*","operation":3,"permission":3}]`))
}

func FuzzSCRAMFile(f *testing.F) {
	fuzzDataDirFile(f, []string{credentialsFile}, []byte(`{"alice":{"SCRAM-SHA-256":{"salt":"c2FsdA==",`+
		`"stored_key":"AAAA","server_key":"AAAA","iterations":4096}}}`))
}

func FuzzQuotaFile(f *testing.F) {
	fuzzDataDirFile(f, []string{clientQuotasFile},
		[]byte(`[{"entity":[{"type":"client-id","name":"c"}],"values":{"producer_byte_rate":1024}}]`))
}

func FuzzFeaturesFile(f *testing.F) {
	fuzzDataDirFile(f, []string{finalizedFeaturesFile}, []byte(`{"transaction.version":2,"group.version":1,"epoch":3}`))
}

func FuzzQuorumStateFile(f *testing.F) {
	fuzzDataDirFile(f, []string{quorumStateFile}, []byte(`{"leaderEpoch":2147483647,"endOffset":9223372036854775807}`))
}

func FuzzMetaPropertiesFile(f *testing.F) {
	fuzzDataDirFile(f, []string{metaPropertiesFile}, []byte("version=1\ncluster.id=\\u0041\nnode.id=0\ndirectory.id=AAAAAAAAAAAAAAAAAAAAZA\n"))
}

func FuzzGroupConfigsFile(f *testing.F) {
	fuzzDataDirFile(f, []string{groupConfigFile}, []byte(`{"g":{"consumer.session.timeout.ms":"45000"}}`))
}

func FuzzBrokerConfigsFile(f *testing.F) {
	fuzzDataDirFile(f, []string{brokerConfigFile}, []byte(`{"":{"log.retention.ms":"60000"},"0":{"log.cleanup.policy":"delete,compact"}}`))
}

func FuzzClientMetricsFile(f *testing.F) {
	fuzzDataDirFile(f, []string{clientMetricsFile}, []byte(`{"cm1":{"metrics":"org.apache.kafka.producer.","interval.ms":"10000","match":"client_id=app"}}`))
}

func FuzzShareStateFile(f *testing.F) { fuzzDataDirFile(f, []string{shareStateFile}) }

func FuzzProducerIDsFile(f *testing.F) {
	fuzzDataDirFile(f, []string{producerIDsFile}, []byte("1000\n"))
}

// FuzzPartitionFiles damages the files of a partition directory: its
// topic config, id, indexes and segment.
func FuzzPartitionFiles(f *testing.F) {
	const p = "n2-0"
	seg := filepath.Join(p, "00000000000000000000")
	fuzzDataDirFile(f, []string{filepath.Join(p, topicConfigFile), filepath.Join(p, partitionMetadataFile),
		seg + logSuffix, seg + offsetIndexSuffix, seg + timeIndexSuffix},
		[]byte("cleanup.policy=compact\nretention.ms=1000\n"), make([]byte, 24))
}

// FuzzCheckpointFiles damages the checkpoints of the data dir.
func FuzzCheckpointFiles(f *testing.F) {
	fuzzDataDirFile(f, []string{logStartCheckpointFile, cleanerCheckpointFile, horizonCheckpointFile, recoveryPointCheckpointFile},
		[]byte("0\n1\nn2 0 5\n"))
}

// FuzzReadProperties reads arbitrary properties files and sets each
// property on a Config, as cmd/kafka does with server.properties: a bad
// line or value is an error, never a panic.
func FuzzReadProperties(f *testing.F) {
	f.Add([]byte("# c\nlog.dirs=/tmp/k\nnum.partitions : 3\nlisteners=PLAINTEXT://:9092,\\\n  SASL_PLAINTEXT://:9093\n" +
		"log.retention.ms=-1\nk\\u0041=v\\tw\\\n"))
	f.Add([]byte("group.initial.rebalance.delay.ms=0\nlog.segment.bytes=1048576\nsasl.enabled.mechanisms=SCRAM-SHA-256,PLAIN\n"))
	f.Fuzz(func(t *testing.T, file []byte) {
		props, err := ReadProperties(bytes.NewReader(file))
		if err != nil {
			return
		}
		var c Config
		for _, p := range props {
			c.Set(p.Key, p.Value)
		}
	})
}

// FuzzWebPaths requests arbitrary paths and queries of the web page and
// the metrics endpoint of a broker on the seed data dir: every answer is
// a status, never a panic.
func FuzzWebPaths(f *testing.F) {
	seed, err := seedDataDir()
	if err != nil {
		f.Fatal(err)
	}
	dir := f.TempDir()
	if err := os.CopyFS(dir, os.DirFS(seed)); err != nil {
		f.Fatal(err)
	}
	b, err := Open(Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { stopOpened(b) })
	h := b.Handler()
	for _, p := range []string{"/", "/topics/n2", "/topics/n2/0", "/topics/n2/0?offset=0", "/topics/n2/0?offset=-9223372036854775808",
		"/topics/__consumer_offsets/0?offset=1", "/metrics", "/healthz", "/topics/n2/99999999999999999999"} {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, target string) {
		req, err := http.NewRequest("GET", "http://broker"+target, nil)
		if err != nil || !strings.HasPrefix(req.URL.Path, "/") {
			return
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
	})
}
