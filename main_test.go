// End-to-end tests of the broker in-process: a real listener on 127.0.0.1
// port 0, a minimal client that writes requests with the package's own
// writer, and a restart on the same data directory.
package kafka

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// testBroker runs a broker on dir until the test ends or stop is called.
type testBroker struct {
	*Broker
	addr string
	stop func()
}

func startBroker(t *testing.T, dir string) *testBroker {
	t.Helper()
	return startBrokerWith(t, Config{DataDir: dir})
}

// startBrokerWith runs a broker with cfg, whose logs are discarded unless
// cfg.Logger says otherwise.
func startBrokerWith(t *testing.T, cfg Config) *testBroker {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	b, addr, stopServe := serveBroker(t, cfg)
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		if err := stopServe(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	}
	t.Cleanup(stop)
	return &testBroker{Broker: b, addr: addr, stop: stop}
}

// serveBroker opens a broker of cfg and serves it on a free port until
// the test ends or stop is called. It returns the broker, its address and
// stop, which returns what Serve returned, on every call.
func serveBroker(t *testing.T, cfg Config) (*Broker, string, func() error) {
	t.Helper()
	b, err := Open(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr, stop := serveOpenBroker(t, b)
	return b, addr, stop
}

// serveOpenBroker serves b, already opened, on a loopback port until stop
// is called or the test ends; stop returns what Serve returned, the same
// at every call.
func serveOpenBroker(t *testing.T, b *Broker) (string, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()
	var result error
	stopped := false
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			result = <-done
		}
		return result
	}
	t.Cleanup(func() { stop() })
	return ln.Addr().String(), stop
}

// startWithTopic starts a broker on a fresh directory and dials it with a
// client that has created topic with the given partitions.
func startWithTopic(t *testing.T, topic string, partitions int32) (*testBroker, *testClient) {
	t.Helper()
	return startWithTopicIn(t, t.TempDir(), topic, partitions)
}

// startWithTopicIn is startWithTopic on dir, for tests that restart the
// broker there.
func startWithTopicIn(t *testing.T, dir, topic string, partitions int32) (*testBroker, *testClient) {
	t.Helper()
	return startWithTopicUsing(t, Config{DataDir: dir}, topic, partitions)
}

// startWithTopicUsing is startWithTopic with a broker run with cfg.
func startWithTopicUsing(t *testing.T, cfg Config, topic string, partitions int32) (*testBroker, *testClient) {
	t.Helper()
	tb := startBrokerWith(t, cfg)
	c := dial(t, tb.addr)
	c.createTopic(topic, partitions)
	return tb, c
}

// testClient speaks just enough Kafka to drive the broker from tests.
type testClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	corr int32
	// txnIDs is the transactional id of each producer id initTxn got,
	// which produce sends with that producer's transactional batches.
	txnIDs map[int64]string
	// clientID is the header's client id, "test-client" when empty.
	clientID string
}

func dial(t *testing.T, addr string) *testClient {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &testClient{t: t, conn: c, r: bufio.NewReader(c)}
}

// send writes one request with header v1, or v2 when flexible.
func (c *testClient) send(key, version int16, flexible bool, body func(w *writer)) {
	c.t.Helper()
	c.corr++
	w := &writer{buf: make([]byte, 4)}
	w.Int16(key)
	w.Int16(version)
	w.Int32(c.corr)
	w.NullableString(ptr(cmp.Or(c.clientID, "test-client")))
	w.flexible = flexible
	w.Tags()
	body(w)
	binary.BigEndian.PutUint32(w.buf, uint32(len(w.buf)-4))
	if _, err := c.conn.Write(w.buf); err != nil {
		c.t.Fatal(err)
	}
}

// recv reads one response and returns a reader positioned at its body.
func (c *testClient) recv(flexible bool) (*reader, error) {
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var size [4]byte
	if _, err := io.ReadFull(c.r, size[:]); err != nil {
		return nil, err
	}
	frame := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(c.r, frame); err != nil {
		return nil, err
	}
	r := newReader(frame, flexible)
	if corr := r.Int32(); corr != c.corr {
		c.t.Fatalf("correlation id %d, want %d", corr, c.corr)
	}
	r.SkipTags()
	return r, nil
}

func (c *testClient) roundTrip(key, version int16, flexible bool, body func(w *writer)) *reader {
	c.t.Helper()
	c.send(key, version, flexible, body)
	r, err := c.recv(flexible)
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

// createTopic creates a topic with CreateTopics v7 and no configs
// (createTopicWithConfigs, in topicconfigs_test.go, does the work).
func (c *testClient) createTopic(name string, partitions int32) {
	c.t.Helper()
	if code, _ := c.createTopicWithConfigs(name, partitions, nil); code != codeNone {
		c.t.Fatalf("CreateTopics %s: error code %d", name, code)
	}
}

// produce sends records to one partition with Produce v9 and returns the
// error code and base offset. Transactional records go with a
// transactional id, without which Kafka refuses them; which one does not
// matter here, as the broker finds the transaction by producer id.
func (c *testClient) produce(topic string, partition int32, records []byte) (int16, int64) {
	c.t.Helper()
	var transactionalID *string
	if hasTransactionalRecords(&produceRequest{TopicData: []produceTopic{{PartitionData: []producePartition{{Records: records}}}}}) {
		transactionalID = ptr("test-transactional-id")
		if h, err := parseBatchHeader(records); err == nil && c.txnIDs[h.ProducerID] != "" {
			transactionalID = ptr(c.txnIDs[h.ProducerID])
		}
	}
	r := c.roundTrip(0, 9, true, produceBodyAs(transactionalID, -1, topic, partition, records))
	p := readProducePartition(r, 9)
	if r.err != nil {
		c.t.Fatal(r.err)
	}
	return p.ErrorCode, p.BaseOffset
}

// mustProduce is produce, failing the test on an error code.
func (c *testClient) mustProduce(topic string, partition int32, records []byte) {
	c.t.Helper()
	if code, _ := c.produce(topic, partition, records); code != codeNone {
		c.t.Fatalf("produce to %s-%d: code %d", topic, partition, code)
	}
}

// produceBody is the body of a Produce request (v3 to v11) of records to
// one partition, with no transactional id and acks=-1.
func produceBody(topic string, partition int32, records []byte) func(w *writer) {
	return produceBodyAs(nil, -1, topic, partition, records)
}

// produceBodyAs is produceBody with a transactional id and acks.
func produceBodyAs(transactionalID *string, acks int16, topic string, partition int32, records []byte) func(w *writer) {
	return func(w *writer) {
		w.NullableString(transactionalID)
		w.Int16(acks)
		w.Int32(1000) // TimeoutMs
		w.ArrayLen(1)
		w.String(topic)
		w.ArrayLen(1)
		w.Int32(partition)
		w.Bytes(records)
		w.Tags()
		w.Tags()
		w.Tags()
	}
}

// readProducePartition reads the first partition of the first topic of a
// Produce response at version v, leaving r after the partition's fields
// (before its tags), where the caller may read on or check r.err.
func readProducePartition(r *reader, v int16) producePartitionResponse {
	r.ArrayLen()
	_ = r.String()
	r.ArrayLen()
	p := producePartitionResponse{Index: r.Int32(), ErrorCode: r.Int16(), BaseOffset: r.Int64(), LogAppendTimeMs: r.Int64()}
	if v >= 5 {
		p.LogStartOffset = r.Int64()
	}
	if v >= 8 {
		p.RecordErrors = readArray(r, func(r *reader) (e batchIndexAndErrorMessage) {
			e.BatchIndex = r.Int32()
			e.BatchIndexErrorMessage = r.NullableString()
			r.SkipTags()
			return e
		})
		p.ErrorMessage = r.NullableString()
	}
	return p
}

// readFirstPartitionCode reads a response that opens with ThrottleTimeMs
// and an array of topics, each a name and an array of partitions that
// open with their index and error code, up to the first partition's error
// code, and returns it; the caller checks r.err.
func readFirstPartitionCode(r *reader) int16 {
	r.Int32() // ThrottleTimeMs
	r.ArrayLen()
	_ = r.String()
	r.ArrayLen()
	r.Int32() // PartitionIndex
	return r.Int16()
}

// fetch reads one partition with Fetch v12 and returns the error code, the
// high watermark and the records.
func (c *testClient) fetch(topic string, partition int32, offset int64, maxWait time.Duration, minBytes int32) (int16, int64, []byte) {
	c.t.Helper()
	return readFetchResponse(c.t, c.roundTrip(1, 12, true, fetchBody(topic, partition, offset, maxWait, minBytes)))
}

func fetchBody(topic string, partition int32, offset int64, maxWait time.Duration, minBytes int32) func(w *writer) {
	return fetchBodyIsolated(topic, partition, offset, maxWait, minBytes, readUncommitted)
}

// fetchBodyIsolated is fetchBody at an isolation level.
func fetchBodyIsolated(topic string, partition int32, offset int64, maxWait time.Duration, minBytes int32, isolation int8) func(w *writer) {
	f := fetchOf(topic, partition, offset)
	f.maxWait, f.minBytes, f.isolation = maxWait, minBytes, isolation
	return f.body(12)
}

// fetchSpec is a Fetch request of one partition, with the fields tests
// vary; fetchOf fills in the rest.
type fetchSpec struct {
	topic                                string
	topicID                              uuid // sent in place of topic from v13
	partition                            int32
	offset                               int64
	maxWait                              time.Duration
	minBytes                             int32
	isolation                            int8
	sessionID, sessionEpoch              int32
	currentLeaderEpoch, lastFetchedEpoch int32
}

// fetchOf is a sessionless read_uncommitted fetch of one partition from
// offset, naming no leader epochs, that waits for nothing.
func fetchOf(topic string, partition int32, offset int64) fetchSpec {
	return fetchSpec{topic: topic, partition: partition, offset: offset, sessionEpoch: -1, currentLeaderEpoch: -1, lastFetchedEpoch: -1}
}

// body writes f as a Fetch request body at version v (12 and on).
func (f fetchSpec) body(v int16) func(w *writer) {
	return func(w *writer) {
		w.Int32(-1) // ReplicaId
		w.Int32(int32(f.maxWait / time.Millisecond))
		w.Int32(f.minBytes)
		w.Int32(1 << 20)    // MaxBytes
		w.Int8(f.isolation) // IsolationLevel
		w.Int32(f.sessionID)
		w.Int32(f.sessionEpoch)
		w.ArrayLen(1)
		if v >= 13 {
			w.UUID(f.topicID)
		} else {
			w.String(f.topic)
		}
		w.ArrayLen(1)
		w.Int32(f.partition)
		w.Int32(f.currentLeaderEpoch)
		w.Int64(f.offset)
		w.Int32(f.lastFetchedEpoch)
		w.Int64(-1)      // LogStartOffset
		w.Int32(1 << 20) // PartitionMaxBytes
		w.Tags()
		w.Tags()
		w.ArrayLen(0) // ForgottenTopicsData
		w.String("")  // RackId
		w.Tags()
	}
}

// readFetchResponse reads a Fetch v12 answer of one partition, failing
// the test on a top-level error, and returns the partition's error code,
// high watermark and records.
func readFetchResponse(t *testing.T, r *reader) (int16, int64, []byte) {
	t.Helper()
	code, p := readFetchPartition(r)
	if code != codeNone {
		t.Fatalf("Fetch: top-level error %d", code)
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	return p.ErrorCode, p.HighWatermark, p.Records
}

// readFetchPartition reads a Fetch v12 answer of one partition: the
// top-level error code and the partition as decoded, with its
// DivergingEpoch tag (-1, -1 when absent). The caller checks r.err.
func readFetchPartition(r *reader) (int16, fetchPartitionResponse) {
	r.Int32() // ThrottleTimeMs
	code := r.Int16()
	r.Int32() // SessionId
	r.ArrayLen()
	_ = r.String()
	r.ArrayLen()
	p := fetchPartitionResponse{PartitionIndex: r.Int32(), ErrorCode: r.Int16(), HighWatermark: r.Int64(), LastStableOffset: r.Int64(), LogStartOffset: r.Int64()}
	p.AbortedTransactions = readArray(r, func(r *reader) (a abortedTransaction) {
		a.ProducerID, a.FirstOffset = r.Int64(), r.Int64()
		r.SkipTags()
		return a
	})
	p.PreferredReadReplica = r.Int32()
	p.Records = r.Bytes()
	p.DivergingEpoch = epochEndOffset{-1, -1}
	r.Tags(func(tag uint64, f *reader) {
		if tag == 0 {
			p.DivergingEpoch = epochEndOffset{f.Int32(), f.Int64()}
		}
	})
	return code, p
}

// sameBatches compares fetched batches with the ones produced, ignoring
// the fields the broker fills in: baseOffset and partitionLeaderEpoch.
func sameBatches(got, want []byte) bool {
	for len(got) > 0 && len(want) > 0 {
		h, err := parseBatchHeader(want)
		if err != nil || len(got) < h.Size() || !bytes.Equal(got[batchMagicOffset:h.Size()], want[batchMagicOffset:h.Size()]) {
			return false
		}
		got, want = got[h.Size():], want[h.Size():]
	}
	return len(got) == 0 && len(want) == 0
}

func TestProduceFetchRestart(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicIn(t, dir, "events", 2)

	var sent [][]byte
	for i := range 3 {
		batch := makeBatch(testRecord{1000 + int64(i), "v" + string(rune('a'+i))}, testRecord{1000 + int64(i), "w"})
		code, base := c.produce("events", 1, bytes.Clone(batch))
		if code != codeNone || base != int64(2*i) {
			t.Fatalf("produce %d: code %d base %d, want 0 and %d", i, code, base, 2*i)
		}
		sent = append(sent, batch)
	}
	code, hw, records := c.fetch("events", 1, 0, 0, 0)
	if code != codeNone || hw != 6 || !sameBatches(records, bytes.Join(sent, nil)) {
		t.Fatalf("fetch: code %d hw %d, %d bytes:\n got %x\nwant %x", code, hw, len(records), records, bytes.Join(sent, nil))
	}

	tb.stop()
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	code, hw, records = c.fetch("events", 1, 0, 0, 0)
	if code != codeNone || hw != 6 || !sameBatches(records, bytes.Join(sent, nil)) {
		t.Fatalf("fetch after restart: code %d hw %d, %d bytes", code, hw, len(records))
	}
	if code, base := c.produce("events", 1, makeBatch(testRecord{2000, "after"})); code != codeNone || base != 6 {
		t.Fatalf("produce after restart: code %d base %d, want offset 6", code, base)
	}
	if code, hw, records = c.fetch("events", 0, 0, 0, 0); code != codeNone || hw != 0 || len(records) != 0 || records == nil {
		t.Fatalf("empty partition: code %d hw %d records %v (want empty, non-null)", code, hw, records)
	}
}

// TestFetchLongPoll checks that a fetch waiting for MinBytes is woken by an
// append on another connection, well before MaxWaitMs, and that a fetch
// with nothing to return waits MaxWaitMs.
func TestFetchLongPoll(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	consumer, producer := dial(t, tb.addr), dial(t, tb.addr)
	producer.createTopic("poll", 1)

	start := time.Now()
	code, _, records := consumer.fetch("poll", 0, 0, 200*time.Millisecond, 1)
	if waited := time.Since(start); code != codeNone || len(records) != 0 || waited < 200*time.Millisecond {
		t.Fatalf("empty fetch: code %d, %d bytes after %v; want nothing after at least 200ms", code, len(records), waited)
	}

	// The fetch goes out first and waits; the produce follows on the other
	// connection 100ms later.
	start = time.Now()
	consumer.send(1, 12, true, fetchBody("poll", 0, 0, 30*time.Second, 1))
	time.Sleep(100 * time.Millisecond)
	if code, _ := producer.produce("poll", 0, makeBatch(testRecord{1, "wake"})); code != codeNone {
		t.Fatalf("produce: code %d", code)
	}
	r, err := consumer.recv(true)
	if err != nil {
		t.Fatal(err)
	}
	code, hw, records := readFetchResponse(t, r)
	if waited := time.Since(start); code != codeNone || hw != 1 || len(records) == 0 || waited > 10*time.Second {
		t.Fatalf("long poll: code %d hw %d, %d bytes after %v", code, hw, len(records), waited)
	}
}

// TestBadFramesCloseOnlyThatConnection sends a negative size, a size over
// the limit and garbage after a valid size; each closes its connection and
// a client on another connection is still served.
func TestBadFramesCloseOnlyThatConnection(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	good := dial(t, tb.addr)
	good.createTopic("still-here", 1)
	for _, frame := range [][]byte{
		{0xff, 0xff, 0xff, 0xff},                     // size -1
		{0x7f, 0xff, 0xff, 0xff},                     // 2 GiB, over MaxFrameBytes
		{0, 0, 0, 6, 0, 0x7f, 0, 0, 0, 1},            // API key 127 does not exist
		{0, 0, 0, 8, 0, 3, 0, 0, 0, 0, 0, 1},         // Metadata v0 cut off before its client id
		{0, 0, 0, 10, 0, 0, 0, 99, 0, 0, 0, 1, 0, 0}, // Produce v99
	} {
		bad := dial(t, tb.addr)
		if _, err := bad.conn.Write(frame); err != nil {
			t.Fatal(err)
		}
		bad.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := bad.r.ReadByte(); !errors.Is(err, io.EOF) {
			t.Errorf("frame %x: read %v, want EOF (connection closed)", frame, err)
		}
	}
	if code, base := good.produce("still-here", 0, makeBatch(testRecord{1, "v"})); code != codeNone || base != 0 {
		t.Fatalf("other connection: code %d base %d", code, base)
	}
}

// TestApiVersionsTooNew checks KIP-511's fallback: an ApiVersions request
// newer than we know gets UNSUPPORTED_VERSION and a v0 body that lists
// the versions of ApiVersions (TestApiVersionsTooNewListsItself checks
// the list).
func TestApiVersionsTooNew(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.send(apiVersionsKey, 99, true, func(w *writer) { w.Tags() })
	r, err := c.recv(false) // response header v0, body v0
	if err != nil {
		t.Fatal(err)
	}
	code := r.Int16()
	keys := readArray(r, func(r *reader) apiVersion { return apiVersion{r.Int16(), r.Int16(), r.Int16()} })
	if err := r.complete(); err != nil || code != codeUnsupportedVersion || len(keys) != 1 {
		t.Fatalf("code %d, %d keys, err %v", code, len(keys), err)
	}
}

// TestProduceErrors covers the produce-side error codes: a CRC mismatch
// stores nothing, an unknown topic, and acks=0 gets no response at all.
func TestProduceErrors(t *testing.T) {
	_, c := startWithTopic(t, "p", 1)

	corrupt := makeBatch(testRecord{1, "v"})
	corrupt[len(corrupt)-1] ^= 0xff
	if code, _ := c.produce("p", 0, corrupt); code != codeCorruptMessage {
		t.Errorf("corrupt batch: code %d, want CORRUPT_MESSAGE", code)
	}
	if code, _ := c.produce("nope", 0, makeBatch(testRecord{1, "v"})); code != codeUnknownTopicOrPartition {
		t.Errorf("unknown topic: code %d", code)
	}
	if code, _ := c.produce("p", 5, makeBatch(testRecord{1, "v"})); code != codeUnknownTopicOrPartition {
		t.Errorf("unknown partition: code %d", code)
	}
	if _, hw, _ := c.fetch("p", 0, 0, 0, 0); hw != 0 {
		t.Errorf("high watermark %d after refused batches, want 0", hw)
	}

	// acks=0: no response. The next request's response must be the next
	// thing on the wire.
	c.send(0, 9, true, func(w *writer) {
		w.NullableString(nil)
		w.Int16(0)
		w.Int32(1000)
		w.ArrayLen(1)
		w.String("p")
		w.ArrayLen(1)
		w.Int32(0)
		w.Bytes(makeBatch(testRecord{1, "quiet"}))
		w.Tags()
		w.Tags()
		w.Tags()
	})
	if code, hw, _ := c.fetch("p", 0, 0, 0, 0); code != codeNone || hw != 1 {
		t.Errorf("after acks=0 produce: code %d hw %d, want the record stored", code, hw)
	}
}

// TestFetchLargeBatchesFromFile fetches batches bigger than
// inlineSectionBytes, which go out with sendfile rather than from memory,
// next to small ones that are copied: both must arrive intact, in order.
func TestFetchLargeBatchesFromFile(t *testing.T) {
	_, c := startWithTopic(t, "big", 1)
	var sent [][]byte
	for i, size := range []int{10, inlineSectionBytes * 3, 100, inlineSectionBytes} {
		batch := makeBatch(testRecord{int64(i), strings.Repeat(string(rune('a'+i)), size)})
		if code, _ := c.produce("big", 0, bytes.Clone(batch)); code != codeNone {
			t.Fatalf("produce %d: code %d", i, code)
		}
		sent = append(sent, batch)
	}
	var got []byte
	for offset := int64(0); offset < 4; {
		code, _, records := c.fetch("big", 0, offset, 0, 0)
		if code != codeNone || len(records) == 0 {
			t.Fatalf("fetch at %d: code %d, %d bytes", offset, code, len(records))
		}
		hs, err := splitBatches(records)
		if err != nil {
			t.Fatalf("fetch at %d: %v", offset, err)
		}
		got = append(got, records...)
		offset = hs[len(hs)-1].LastOffset() + 1
	}
	if !sameBatches(got, bytes.Join(sent, nil)) {
		t.Fatal("fetched batches differ from the produced ones")
	}
}

// ExampleOpen runs a broker in-process on a free port, as a test of a
// Kafka client would, and stops it: cancelling the context ends Serve,
// which closes the logs.
func ExampleOpen() {
	dir, err := os.MkdirTemp("", "kafka-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	b, err := Open(Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, ln) }()

	// A client's bootstrap server is now ln.Addr().
	conn, err := net.Dial("tcp", ln.Addr().String())
	fmt.Println("connected:", err == nil)
	conn.Close()

	cancel()
	fmt.Println("stopped:", <-done)
	// Output:
	// connected: true
	// stopped: <nil>
}

// TestIdleConnectionClosed checks that a connection without requests for
// ConnectionsMaxIdle is closed, and that one in use is not.
func TestIdleConnectionClosed(t *testing.T) {
	tb := startBrokerWith(t, Config{DataDir: t.TempDir(), ConnectionsMaxIdle: 300 * time.Millisecond})
	busy, idle := dial(t, tb.addr), dial(t, tb.addr)
	busy.createTopic("t", 1)
	for range 5 { // 500ms of requests, each within the idle limit
		time.Sleep(100 * time.Millisecond)
		if code, _, _ := busy.fetch("t", 0, 0, 0, 0); code != codeNone {
			t.Fatalf("fetch on the busy connection: code %d", code)
		}
	}
	idle.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := idle.r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("idle connection: read %v, want EOF", err)
	}
}

// TestDescribeCluster lists the broker with DescribeCluster v1 at the
// address the client used, and refuses to list controllers.
func TestDescribeCluster(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	describe := func(endpointType int8) (int16, []describeClusterBroker) {
		r := c.roundTrip(60, 1, true, func(w *writer) {
			w.Bool(false)
			w.Int8(endpointType)
			w.Tags()
		})
		r.Int32() // throttle
		code := r.Int16()
		r.NullableString()
		r.Int8()
		_ = r.String() // cluster id
		r.Int32()      // controller
		brokers := readArray(r, func(r *reader) (b describeClusterBroker) {
			b.BrokerID, b.Host, b.Port, b.Rack = r.Int32(), r.String(), r.Int32(), r.NullableString()
			r.SkipTags()
			return b
		})
		if r.err != nil {
			t.Fatal(r.err)
		}
		return code, brokers
	}
	host, port, _ := net.SplitHostPort(tb.addr)
	code, brokers := describe(endpointBrokers)
	if code != codeNone || len(brokers) != 1 || brokers[0].Host != host || fmt.Sprint(brokers[0].Port) != port {
		t.Errorf("brokers: code %d, %+v; want this broker at %s", code, brokers, tb.addr)
	}
	if code, _ := describe(endpointControllers); code != codeMismatchedEndpointType {
		t.Errorf("controllers: code %d, want MISMATCHED_ENDPOINT_TYPE", code)
	}
}

// TestDescribeClusterV2IncludesFencedBrokers: DescribeCluster v2
// (KIP-1073) asks with IncludeFencedBrokers and marks each broker
// IsFenced. This broker, the only one, answers for itself, unfenced,
// whichever the client asks.
func TestDescribeClusterV2IncludesFencedBrokers(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	for _, include := range []bool{false, true} {
		r := c.roundTrip(60, 2, true, func(w *writer) {
			w.Bool(false)
			w.Int8(endpointBrokers)
			w.Bool(include)
			w.Tags()
		})
		r.Int32()
		code := r.Int16()
		r.NullableString()
		r.Int8()
		_ = r.String()
		r.Int32()
		brokers := readArray(r, func(r *reader) (b describeClusterBroker) {
			b.BrokerID, b.Host, b.Port, b.Rack, b.IsFenced = r.Int32(), r.String(), r.Int32(), r.NullableString(), r.Bool()
			r.SkipTags()
			return b
		})
		r.Int32()
		r.SkipTags()
		if err := r.complete(); err != nil {
			t.Fatalf("include %v: %v", include, err)
		}
		if code != codeNone || len(brokers) != 1 || brokers[0].IsFenced {
			t.Errorf("include %v: code %d, %+v; want this broker, unfenced", include, code, brokers)
		}
	}
}

// TestLibrdkafkaMetadataTrailingBytes sends, byte for byte, the "all
// topics" Metadata v12 request of current librdkafka (issue #5049): the
// topic array's length is a compact null in the first of four reserved
// bytes, so Kafka's reader is done three bytes before the frame ends. The
// broker must answer it, with every topic, and keep the connection; a body
// that ends inside a field must still close it.
func TestLibrdkafkaMetadataTrailingBytes(t *testing.T) {
	tb, c := startWithTopic(t, "listed", 1)

	request := []byte{
		0, 3, 0, 12, // Metadata v12
		0, 0, 0, 42, // correlation id
		0, 7, 'r', 'd', 'k', 'a', 'f', 'k', 'a', // client id
		0,          // header tagged fields
		0, 0, 0, 0, // Topics: compact null, then the 3 bytes librdkafka reserved
		1, // AllowAutoTopicCreation, read by Kafka as the first trailing byte
		0, // IncludeTopicAuthorizedOperations
		0, // tagged fields
	}
	frame := binary.BigEndian.AppendUint32(nil, uint32(len(request)))
	if _, err := c.conn.Write(append(frame, request...)); err != nil {
		t.Fatal(err)
	}
	c.corr = 42
	r, err := c.recv(true)
	if err != nil {
		t.Fatalf("Metadata with trailing bytes: %v (connection closed?)", err)
	}
	var resp metadataResponse
	resp.ThrottleTimeMs = r.Int32()
	resp.Brokers = readArray(r, func(r *reader) (b metadataBroker) {
		b.NodeID, b.Host, b.Port, b.Rack = r.Int32(), r.String(), r.Int32(), r.NullableString()
		r.SkipTags()
		return b
	})
	resp.ClusterID = r.NullableString()
	resp.ControllerID = r.Int32()
	resp.Topics = readArray(r, readMetadataTopic)
	var names []string
	for _, mt := range resp.Topics {
		names = append(names, deref(mt.Name))
	}
	if r.err != nil || len(resp.Brokers) != 1 || !slices.Contains(names, "listed") {
		t.Fatalf("Metadata answer: err %v, %d brokers, topics %q; want all topics", r.err, len(resp.Brokers), names)
	}
	// The connection is still in service.
	if code, _ := c.produce("listed", 0, makeBatch(testRecord{1, "v"})); code != codeNone {
		t.Fatalf("produce after the Metadata: code %d", code)
	}

	// A body that ends inside a field: one topic announced, its 16-byte
	// id cut short after 10.
	truncated := append(slices.Clone(request[:18]), 2)
	truncated = append(truncated, make([]byte, 10)...)
	bad := dial(t, tb.addr)
	if _, err := bad.conn.Write(append(binary.BigEndian.AppendUint32(nil, uint32(len(truncated))), truncated...)); err != nil {
		t.Fatal(err)
	}
	bad.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := bad.r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("truncated Metadata: read %v, want EOF (connection closed)", err)
	}
}

// readMetadataTopic reads one topic of a Metadata v12 response.
func readMetadataTopic(r *reader) (mt metadataTopic) {
	mt.ErrorCode, mt.Name, mt.TopicID, mt.IsInternal = r.Int16(), r.NullableString(), r.UUID(), r.Bool()
	mt.Partitions = readArray(r, func(r *reader) (p metadataPartition) {
		p.ErrorCode, p.PartitionIndex, p.LeaderID, p.LeaderEpoch = r.Int16(), r.Int32(), r.Int32(), r.Int32()
		p.ReplicaNodes, p.IsrNodes, p.OfflineReplicas = r.Int32s(), r.Int32s(), r.Int32s()
		r.SkipTags()
		return p
	})
	mt.TopicAuthorizedOperations = r.Int32()
	r.SkipTags()
	return mt
}

// TestFetchSessionIDsAndEpochs sends every kind of (SessionId,
// SessionEpoch) pair for a session the broker does not have, and checks
// the answer FetchManager.newContext gives: a full fetch for epochs 0 and
// -1 whatever the id, with a new session for 0, FETCH_SESSION_ID_NOT_FOUND
// for the rest. kafka-go's Client.Fetch sends -1/-1, which was once
// refused.
func TestFetchSessionIDsAndEpochs(t *testing.T) {
	b := startBroker(t, t.TempDir())
	c := dial(t, b.addr)
	c.createTopic("sessions", 1)
	c.mustProduce("sessions", 0, makeBatch(testRecord{1, "v"}))
	for _, tc := range []struct {
		id, epoch   int32
		wantCode    int16
		wantSession bool
	}{
		{0, -1, codeNone, false},  // sessionless
		{-1, -1, codeNone, false}, // kafka-go's Client.Fetch
		{5, -1, codeNone, false},  // closes session 5, opens none
		{0, 0, codeNone, true},    // opens a session
		{7, 0, codeNone, true},    // closes 7, opens a new one
		{0, 1, codeFetchSessionIDNotFound, false},
		{5, 3, codeFetchSessionIDNotFound, false},
		{-1, -2, codeFetchSessionIDNotFound, false},
	} {
		f := fetchOf("sessions", 0, 0)
		f.sessionID, f.sessionEpoch = tc.id, tc.epoch
		r := c.roundTrip(1, 12, true, f.body(12))
		r.Int32() // throttle
		code, session, topics := r.Int16(), r.Int32(), r.ArrayLen()
		if r.err != nil {
			t.Fatal(r.err)
		}
		wantTopics := 1
		if tc.wantCode != codeNone {
			wantTopics = 0
		}
		if code != tc.wantCode || (session != 0) != tc.wantSession || topics != wantTopics {
			t.Errorf("SessionId %d SessionEpoch %d: error %d, SessionId %d, %d topics; want error %d, a session %v, %d topics",
				tc.id, tc.epoch, code, session, topics, tc.wantCode, tc.wantSession, wantTopics)
		}
	}
}

// TestFetchFromOlderSegmentAnswersAtOnce: a fetch whose offset lies in a
// segment older than the high watermark's is answered at once, whatever
// its MinBytes, as Kafka's DelayedFetch.tryComplete does ("Case F": the
// fetch is falling behind, or the partition has just rolled). kafka-go's
// Reader relies on it: reading a compacted log it fetches the last offset
// of a batch ending in a gap, and if that answer waits out MaxWaitMs its
// read deadline passes and it fetches the same offset forever.
func TestFetchFromOlderSegmentAnswersAtOnce(t *testing.T) {
	batch := makeBatch(testRecord{1, strings.Repeat("x", 80)})
	tb := startBrokerWith(t, Config{DataDir: t.TempDir(), SegmentBytes: int64(len(batch))}) // a batch a segment
	c := dial(t, tb.addr)
	c.createTopic("rolled", 1)
	for i := range 3 {
		if code, _ := c.produce("rolled", 0, batch); code != codeNone {
			t.Fatalf("produce %d: code %d", i, code)
		}
	}
	start := time.Now()
	code, hw, records := c.fetch("rolled", 0, 0, 30*time.Second, 1<<20)
	if waited := time.Since(start); code != codeNone || hw != 3 || len(records) == 0 || waited > 10*time.Second {
		t.Fatalf("fetch of an older segment: code %d hw %d, %d bytes after %v; want records at once", code, hw, len(records), waited)
	}
}

// TestProduceAdvertisedFromV0: ApiVersions lists Produce from v0, as Kafka
// 4.0 does for librdkafka before 2.8 (KAFKA-18659), yet a Produce at v2,
// which no longer exists, still closes the connection.
func TestProduceAdvertisedFromV0(t *testing.T) {
	tb := startBroker(t, t.TempDir())
	c := dial(t, tb.addr)
	c.send(apiVersionsKey, 0, false, func(w *writer) {})
	r, err := c.recv(false)
	if err != nil {
		t.Fatal(err)
	}
	code := r.Int16()
	keys := readArray(r, func(r *reader) apiVersion { return apiVersion{r.Int16(), r.Int16(), r.Int16()} })
	if code != codeNone || len(keys) == 0 || keys[0].APIKey != produceKey || keys[0].MinVersion != 0 {
		t.Fatalf("ApiVersions: code %d, first key %+v; want Produce from v0", code, keys[0])
	}
	c.send(produceKey, 2, false, func(w *writer) { w.Int16(1); w.Int32(1000); w.ArrayLen(0) })
	c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.r.ReadByte(); !errors.Is(err, io.EOF) {
		t.Errorf("Produce v2: read %v, want EOF (connection closed)", err)
	}
}
