// This file holds the examples that the package doc and README.md show:
// embedding the broker in a test (startKafka, which TestSnippetsMatchExamples
// keeps identical to the copies in those two documents), and a produce and
// fetch round trip spoken byte by byte over a raw connection, which is Part I
// of the book (kafka.go's framing, wire.go's record batch, handlers.go's
// Produce and Fetch) in about a hundred lines. It is an external test package
// so that the examples use only what a user of the package can.

package kafka_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"log"
	"log/slog"
	"net"
	"os"
	"testing"

	"kafka"
)

// startKafka runs a broker in-process for the test and returns the
// address for a client's bootstrap servers; the broker stops, and
// closes its logs, when the test ends.
func startKafka(t *testing.T) string {
	b, err := kafka.Open(kafka.Config{DataDir: t.TempDir()})
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
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return ln.Addr().String()
}

// startKafkaSASL runs a broker with one SASL_SSL listener on a free port
// for the test, and returns its address and the file of the CA that
// clients must trust.
func startKafkaSASL(t *testing.T) (addr, caFile string) {
	b, err := kafka.Open(kafka.Config{
		DataDir:   t.TempDir(),
		Listeners: "SASL_SSL://127.0.0.1:0",
		Security:  kafka.SecurityConfig{SASLUsers: map[string]string{"alice": "alice-secret"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lns, err := b.Listen() // one per listener, in Config.Listeners' order
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Serve(ctx, lns...) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return lns[0].Addr().String(), b.DevCAFile()
}

// TestStartKafkaSASL runs the README's SASL_SSL snippet: the listener it
// returns speaks TLS with the development CA it names, and the broker
// stops when the test ends.
func TestStartKafkaSASL(t *testing.T) {
	addr, caFile := startKafkaSASL(t)
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", caFile)
	}
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
}

// TestStartKafka runs the snippet of the package doc: the broker it starts
// answers a produce and a fetch, and stops when the test ends.
func TestStartKafka(t *testing.T) {
	conn, err := net.Dial("tcp", startKafka(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	offset, err := produce(conn, "snippet", []byte("k"), []byte("v"))
	if err != nil || offset != 0 {
		t.Fatalf("produce: offset %d, %v", offset, err)
	}
	key, value, err := fetchFirst(conn, "snippet")
	if err != nil || string(key) != "k" || string(value) != "v" {
		t.Fatalf("fetch: %q=%q, %v", key, value, err)
	}
}

// Example_produceAndFetch starts a broker on a free port and speaks to it
// as a client does, without a client library: a Metadata request creates
// the topic, a Produce request appends one record batch, and a Fetch
// request reads it back. The versions are the oldest the broker serves
// (Metadata v4, Produce v3, Fetch v4), which are classic, not flexible, so
// every string is an int16 length and its bytes and every array an int32
// count (wire.go explains both forms).
func Example_produceAndFetch() {
	dir, err := os.MkdirTemp("", "kafka-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	b, err := kafka.Open(kafka.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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
	defer func() {
		cancel()
		if err := <-done; err != nil {
			log.Fatal(err)
		}
	}()

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	offset, err := produce(conn, "greetings", []byte("k1"), []byte("hello"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("produced at offset", offset)
	key, value, err := fetchFirst(conn, "greetings")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("fetched %s=%s\n", key, value)
	// Output:
	// produced at offset 0
	// fetched k1=hello
}

// produce creates topic (by asking Metadata for it, as clients do) and
// appends one record to its partition 0 with acks=-1, returning the offset
// the broker assigned.
func produce(conn net.Conn, topic string, key, value []byte) (int64, error) {
	// Metadata v4: topics [name], allow_auto_topic_creation.
	var req []byte
	req = binary.BigEndian.AppendUint32(req, 1)
	req = appendString(req, topic)
	req = append(req, 1)
	if _, err := roundTrip(conn, 3, 4, req); err != nil {
		return 0, err
	}
	return produceBatch(conn, topic, recordBatch(key, value))
}

// produceBatch appends a record batch to topic's partition 0 with
// acks=-1, returning the offset the broker assigned.
func produceBatch(conn net.Conn, topic string, batch []byte) (int64, error) {
	// Produce v3: transactional_id (null), acks, timeout_ms, then
	// [topic [partition, records]], the records being one batch.
	req := binary.BigEndian.AppendUint16(nil, 0xffff) // null string: length -1
	req = binary.BigEndian.AppendUint16(req, 0xffff)  // acks -1: all in-sync replicas
	req = binary.BigEndian.AppendUint32(req, 5000)
	req = binary.BigEndian.AppendUint32(req, 1)
	req = appendString(req, topic)
	req = binary.BigEndian.AppendUint32(req, 1)
	req = binary.BigEndian.AppendUint32(req, 0)
	req = binary.BigEndian.AppendUint32(req, uint32(len(batch)))
	req = append(req, batch...)
	resp, err := roundTrip(conn, 0, 3, req)
	if err != nil {
		return 0, err
	}
	// [topic [partition, error_code, base_offset, log_append_time]], throttle.
	c := cursor{b: resp}
	c.int32()
	c.string()
	c.int32()
	c.int32()
	if code := c.int16(); code != 0 {
		return 0, fmt.Errorf("produce: error code %d", code)
	}
	offset := c.int64()
	return offset, c.err
}

// fetchFirst reads topic's partition 0 from offset 0 and returns the key and
// value of the first record of the first batch.
func fetchFirst(conn net.Conn, topic string) (key, value []byte, err error) {
	// Fetch v4: replica_id -1 (a consumer), max_wait_ms, min_bytes,
	// max_bytes, isolation_level, [topic [partition, offset, max_bytes]].
	var req []byte
	req = binary.BigEndian.AppendUint32(req, 0xffffffff)
	req = binary.BigEndian.AppendUint32(req, 100)
	req = binary.BigEndian.AppendUint32(req, 1)
	req = binary.BigEndian.AppendUint32(req, 1<<20)
	req = append(req, 0) // read_uncommitted
	req = binary.BigEndian.AppendUint32(req, 1)
	req = appendString(req, topic)
	req = binary.BigEndian.AppendUint32(req, 1)
	req = binary.BigEndian.AppendUint32(req, 0)
	req = binary.BigEndian.AppendUint64(req, 0)
	req = binary.BigEndian.AppendUint32(req, 1<<20)
	resp, err := roundTrip(conn, 1, 4, req)
	if err != nil {
		return nil, nil, err
	}
	// throttle, [topic [partition, error_code, high_watermark,
	// last_stable_offset, [aborted transaction], records]].
	c := cursor{b: resp}
	c.int32()
	c.int32()
	c.string()
	c.int32()
	c.int32()
	if code := c.int16(); code != 0 {
		return nil, nil, fmt.Errorf("fetch: error code %d", code)
	}
	c.int64()
	c.int64()
	if n := c.int32(); n > 0 {
		c.next(16 * int(n)) // producer_id, first_offset each
	}
	records := c.next(int(c.int32()))
	// The batch header is 61 bytes, ending with the record count; then
	// each record is varints: length, attributes (one byte), timestamp
	// delta, offset delta, key, value, headers.
	r := cursor{b: records}
	r.next(61)
	r.varint()
	r.next(1)
	r.varint()
	r.varint()
	key = r.next(int(r.varint()))
	value = r.next(int(r.varint()))
	if c.err != nil {
		return nil, nil, c.err
	}
	return key, value, r.err
}

// recordBatch is a magic-2 record batch holding one record, as a producer
// without idempotence writes it. The CRC-32C covers everything from the
// attributes on, so the broker can rewrite the base offset in front of it
// without breaking the checksum.
func recordBatch(key, value []byte) []byte {
	return recordBatchAt(key, value, 1700000000000)
}

// recordBatchAt is recordBatch with the given CreateTime timestamp, in
// milliseconds since the epoch.
func recordBatchAt(key, value []byte, timestamp int64) []byte {
	rec := []byte{0}                  // attributes
	rec = binary.AppendVarint(rec, 0) // timestamp delta
	rec = binary.AppendVarint(rec, 0) // offset delta
	rec = binary.AppendVarint(rec, int64(len(key)))
	rec = append(rec, key...)
	rec = binary.AppendVarint(rec, int64(len(value)))
	rec = append(rec, value...)
	rec = binary.AppendVarint(rec, 0) // headers

	var body []byte
	body = binary.BigEndian.AppendUint16(body, 0) // attributes: no codec, CreateTime
	body = binary.BigEndian.AppendUint32(body, 0) // last offset delta
	body = binary.BigEndian.AppendUint64(body, uint64(timestamp))
	body = binary.BigEndian.AppendUint64(body, uint64(timestamp))
	body = binary.BigEndian.AppendUint64(body, 0xffffffffffffffff) // producer id -1
	body = binary.BigEndian.AppendUint16(body, 0xffff)             // producer epoch -1
	body = binary.BigEndian.AppendUint32(body, 0xffffffff)         // base sequence -1
	body = binary.BigEndian.AppendUint32(body, 1)                  // record count
	body = binary.AppendVarint(body, int64(len(rec)))
	body = append(body, rec...)

	var batch []byte
	batch = binary.BigEndian.AppendUint64(batch, 0)                       // base offset, assigned by the broker
	batch = binary.BigEndian.AppendUint32(batch, uint32(4+1+4+len(body))) // batch length: what follows
	batch = binary.BigEndian.AppendUint32(batch, 0xffffffff)              // partition leader epoch
	batch = append(batch, 2)                                              // magic
	batch = binary.BigEndian.AppendUint32(batch, crc32.Checksum(body, crc32.MakeTable(crc32.Castagnoli)))
	return append(batch, body...)
}

// roundTrip sends one request and returns the body of its response. A
// request is a 4-byte size, then a v1 header (api_key, api_version,
// correlation_id, client_id) and the body; a response is a 4-byte size,
// the correlation id and the body. One request is in flight at a time, so
// the correlation id is not checked.
func roundTrip(conn net.Conn, apiKey, version int16, body []byte) ([]byte, error) {
	var frame []byte
	frame = binary.BigEndian.AppendUint16(frame, uint16(apiKey))
	frame = binary.BigEndian.AppendUint16(frame, uint16(version))
	frame = binary.BigEndian.AppendUint32(frame, 1)
	frame = appendString(frame, "example")
	frame = append(frame, body...)
	if _, err := conn.Write(binary.BigEndian.AppendUint32(nil, uint32(len(frame)))); err != nil {
		return nil, err
	}
	if _, err := conn.Write(frame); err != nil {
		return nil, err
	}
	var size [4]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		return nil, err
	}
	resp := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(conn, resp); err != nil {
		return nil, err
	}
	return resp[4:], nil
}

func appendString(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint16(b, uint16(len(s)))
	return append(b, s...)
}

// cursor reads big-endian fields and varints with a sticky error: after
// the first short read every read returns zero, as wire.go's reader does.
type cursor struct {
	b   []byte
	err error
}

func (c *cursor) next(n int) []byte {
	if c.err != nil || n < 0 || n > len(c.b) {
		c.err = io.ErrUnexpectedEOF
		return nil
	}
	v := c.b[:n]
	c.b = c.b[n:]
	return v
}

func (c *cursor) int16() int16 {
	if v := c.next(2); v != nil {
		return int16(binary.BigEndian.Uint16(v))
	}
	return 0
}

func (c *cursor) int32() int32 {
	if v := c.next(4); v != nil {
		return int32(binary.BigEndian.Uint32(v))
	}
	return 0
}

func (c *cursor) int64() int64 {
	if v := c.next(8); v != nil {
		return int64(binary.BigEndian.Uint64(v))
	}
	return 0
}

func (c *cursor) string() string { return string(c.next(int(c.int16()))) }

func (c *cursor) varint() int64 {
	if c.err != nil {
		return 0
	}
	v, n := binary.Varint(c.b)
	if n <= 0 {
		c.err = io.ErrUnexpectedEOF
		return 0
	}
	c.b = c.b[n:]
	return v
}
