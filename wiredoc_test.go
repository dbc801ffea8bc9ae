// This file writes docs/wire.md: a Produce request and its response, as
// they crossed a connection to a running broker, dumped in hex and named
// field by field. TestWireDoc fails when the bytes or the text drift from
// the file; KAFKA_UPDATE_DOCS=1 go test -run TestWireDoc rewrites it.

package kafka_test

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"strings"
	"testing"
)

// A field is one row of the dump: the bytes of one field and what they mean.
type field struct {
	name  string
	bytes []byte
	value string
}

// dump builds a message field by field, keeping the rows for the table.
type dump struct {
	rows []field
}

func (d *dump) add(name string, b []byte, value any) {
	d.rows = append(d.rows, field{name, b, fmt.Sprint(value)})
}

func (d *dump) int8(name string, v int8) { d.add(name, []byte{byte(v)}, v) }
func (d *dump) int16(name string, v int16) {
	d.add(name, binary.BigEndian.AppendUint16(nil, uint16(v)), v)
}
func (d *dump) int32(name string, v int32) {
	d.add(name, binary.BigEndian.AppendUint32(nil, uint32(v)), v)
}
func (d *dump) int64(name string, v int64) {
	d.add(name, binary.BigEndian.AppendUint64(nil, uint64(v)), v)
}
func (d *dump) varint(name string, v int64) { d.add(name, binary.AppendVarint(nil, v), v) }
func (d *dump) string(name, s string) {
	d.add(name, binary.BigEndian.AppendUint16(nil, uint16(len(s))), fmt.Sprintf("length %d", len(s)))
	d.add("", []byte(s), fmt.Sprintf("%q", s))
}

// bytes is everything the rows from i on hold, in order.
func (d *dump) bytes(from int) []byte {
	var b []byte
	for _, r := range d.rows[from:] {
		b = append(b, r.bytes...)
	}
	return b
}

// markdown renders the rows as a table: offset, hex, field, value.
func (d *dump) markdown() string {
	var sb strings.Builder
	sb.WriteString("| offset | bytes | field | value |\n|---:|---|---|---|\n")
	off := 0
	for _, r := range d.rows {
		fmt.Fprintf(&sb, "| %d | `%s` | %s | %s |\n", off, hex.EncodeToString(r.bytes), r.name, r.value)
		off += len(r.bytes)
	}
	return sb.String()
}

// produceRequest is the request of Example_produceAndFetch, Produce v3 with
// one record k1=hello, built field by field.
func produceRequest() *dump {
	// The record, then the batch body that its CRC covers.
	rec := &dump{}
	rec.int8("record attributes", 0)
	rec.varint("timestamp delta (varint)", 0)
	rec.varint("offset delta (varint)", 0)
	rec.varint("key length (varint)", 2)
	rec.add("key", []byte("k1"), `"k1"`)
	rec.varint("value length (varint)", 5)
	rec.add("value", []byte("hello"), `"hello"`)
	rec.varint("header count (varint)", 0)
	recBytes := rec.bytes(0)

	body := &dump{}
	body.int16("attributes: no compression, CreateTime", 0)
	body.int32("last offset delta", 0)
	body.int64("base timestamp (ms)", 1700000000000)
	body.int64("max timestamp (ms)", 1700000000000)
	body.int64("producer id: none", -1)
	body.int16("producer epoch: none", -1)
	body.int32("base sequence: none", -1)
	body.int32("record count", 1)
	body.varint("record length (varint)", int64(len(recBytes)))
	body.rows = append(body.rows, rec.rows...)
	bodyBytes := body.bytes(0)

	batch := &dump{}
	batch.int64("base offset (the broker assigns it)", 0)
	batch.int32("batch length: the bytes after this field", int32(4+1+4+len(bodyBytes)))
	batch.int32("partition leader epoch", -1)
	batch.int8("magic: record batch v2", 2)
	crc := crc32.Checksum(bodyBytes, crc32.MakeTable(crc32.Castagnoli))
	batch.add("CRC-32C of the rest of the batch", binary.BigEndian.AppendUint32(nil, crc), fmt.Sprintf("0x%08x", crc))
	batch.rows = append(batch.rows, body.rows...)
	batchBytes := batch.bytes(0)

	d := &dump{}
	d.int32("size: the bytes after this field", 0) // set below
	d.int16("request_api_key: Produce", 0)
	d.int16("request_api_version", 3)
	d.int32("correlation_id", 1)
	d.string("client_id", "example")
	d.add("transactional_id: null", []byte{0xff, 0xff}, "length -1")
	d.int16("acks: all in-sync replicas", -1)
	d.int32("timeout_ms", 5000)
	d.int32("topic_data: array length", 1)
	d.string("name", "greetings")
	d.int32("partition_data: array length", 1)
	d.int32("index (partition)", 0)
	d.int32("records: length", int32(len(batchBytes)))
	d.rows = append(d.rows, batch.rows...)
	size := len(d.bytes(1))
	d.rows[0] = field{d.rows[0].name, binary.BigEndian.AppendUint32(nil, uint32(size)), fmt.Sprint(size)}
	return d
}

// reading names the fields of a response as it reads them.
type reading struct {
	dump
	b   []byte
	err error
}

func (r *reading) next(name string, n int, value func([]byte) any) []byte {
	if r.err != nil || n > len(r.b) {
		r.err = io.ErrUnexpectedEOF
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	r.add(name, v, value(v))
	return v
}

func (r *reading) int16(name string) {
	r.next(name, 2, func(b []byte) any { return int16(binary.BigEndian.Uint16(b)) })
}
func (r *reading) int32(name string) {
	r.next(name, 4, func(b []byte) any { return int32(binary.BigEndian.Uint32(b)) })
}
func (r *reading) int64(name string) {
	r.next(name, 8, func(b []byte) any { return int64(binary.BigEndian.Uint64(b)) })
}
func (r *reading) string(name string) {
	n := r.next(name, 2, func(b []byte) any { return fmt.Sprintf("length %d", binary.BigEndian.Uint16(b)) })
	if n != nil {
		r.next("", int(binary.BigEndian.Uint16(n)), func(b []byte) any { return fmt.Sprintf("%q", b) })
	}
}

// TestWireDoc sends the request to a broker, names the fields of the answer,
// and compares the page they make with docs/wire.md.
func TestWireDoc(t *testing.T) {
	conn, err := net.Dial("tcp", startKafka(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Metadata creates the topic first, as a client's first request would.
	var md []byte
	md = binary.BigEndian.AppendUint32(md, 1)
	md = appendString(md, "greetings")
	md = append(md, 1)
	if _, err := roundTrip(conn, 3, 4, md); err != nil {
		t.Fatal(err)
	}

	// The batch is the one the example sends: 56 bytes of framing,
	// header and body fields come before it.
	req := produceRequest()
	if batch := recordBatch([]byte("k1"), []byte("hello")); string(req.bytes(0)[56:]) != string(batch) {
		t.Fatalf("the dumped batch differs from example_test.go's recordBatch:\n%x\n%x", req.bytes(0)[56:], batch)
	}
	if _, err := conn.Write(req.bytes(0)); err != nil {
		t.Fatal(err)
	}
	var size [4]byte
	if _, err := io.ReadFull(conn, size[:]); err != nil {
		t.Fatal(err)
	}
	resp := make([]byte, binary.BigEndian.Uint32(size[:]))
	if _, err := io.ReadFull(conn, resp); err != nil {
		t.Fatal(err)
	}
	r := &reading{b: append(size[:], resp...)}
	r.int32("size: the bytes after this field")
	r.int32("correlation_id")
	r.int32("responses: array length")
	r.string("name")
	r.int32("partition_responses: array length")
	r.int32("index (partition)")
	r.int16("error_code")
	r.int64("base_offset")
	r.int64("log_append_time_ms: -1 under CreateTime")
	r.int32("throttle_time_ms")
	if r.err != nil || len(r.b) != 0 {
		t.Fatalf("response: %v, %d bytes left over", r.err, len(r.b))
	}

	page := fmt.Sprintf(wirePage, req.markdown(), r.markdown())
	checkDocPage(t, "docs/wire.md", page, "exchanged", "TestWireDoc")
}

const wirePage = `# A Produce request on the wire

This page is written by TestWireDoc (wiredoc_test.go) from bytes that
crossed a connection to a running broker, and the test fails when they
drift from it. It is the exchange of Example_produceAndFetch
(example_test.go): Produce v3, the oldest version the broker serves,
carrying one record, key "k1" and value "hello", to partition 0 of the topic
"greetings". Version 3 is classic, not flexible, so strings are an int16
length and their bytes, and arrays an int32 count (wire.go). The framing
is kafka.go's; the record batch is wire.go's; the handler is handleProduce
in handlers.go. The schemas are Kafka's
[ProduceRequest.json](https://github.com/apache/kafka/blob/4.0.0/clients/src/main/resources/common/message/ProduceRequest.json)
and
[ProduceResponse.json](https://github.com/apache/kafka/blob/4.0.0/clients/src/main/resources/common/message/ProduceResponse.json).

## The request

The size prefix, the request header v1 (api key, version, correlation id,
client id), the body, and inside the body's records field one record batch.
The batch's CRC-32C covers the bytes from its attributes to its end, so the
broker can write the base offset and the partition leader epoch in front of
it without breaking the checksum a consumer checks.

%s
## The response

The size prefix, the response header v0 (the correlation id alone), and the
body: the offset the record was given, per partition.

%s`
