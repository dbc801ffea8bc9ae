// This file holds the codec: how Kafka's request and response fields become
// bytes, and how the record batches inside Produce and Fetch are framed.
//
// Place in the book: Part I, the second chapter, after kafka.go, whose
// frames this file fills; it assumes nothing else.
//
// Every Kafka message is a sequence of fields whose types come from a small
// vocabulary: fixed-width big-endian integers, variable-length integers,
// strings, byte arrays, arrays of structs, UUIDs and (since KIP-482)
// tagged fields. Each API version is either "classic" or "flexible".
// Flexible versions write lengths of strings, bytes and arrays as unsigned
// varints holding length+1 ("compact" form, 0 meaning null) and end every
// struct with a tagged-field section, so that new optional fields can be
// added without a new version. The reader and writer below are told once
// whether the message is flexible and then pick the right form by
// themselves, so a decoder reads like the schema it decodes:
//
//	m.TopicName = r.String()
//	m.Partitions = readArray(r, readPartition)
//
// Design note: the reader keeps the first error it meets and from then on
// every read returns a zero value. Callers read a whole message and check
// r.err once at the end, as bufio.Writer does for writes. A length prefix
// is never trusted further than the bytes that are actually left in the
// frame, so a hostile 2 GiB array length in a 30-byte frame fails at once
// instead of allocating.

package kafka

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"unicode/utf8"
	"unsafe"
)

// Errors a decoder reports. They end the connection: a frame that does not
// parse cannot be answered, because even its correlation id may be wrong.
var (
	errShortBuffer   = errors.New("kafka: frame ends inside a field")
	errBadLength     = errors.New("kafka: negative or oversized length")
	errVarintTooLong = errors.New("kafka: varint longer than 10 bytes")
)

// reader decodes one frame. The zero value of every read is returned after
// the first error, which is kept in err.
type reader struct {
	buf      []byte
	off      int
	flexible bool
	err      error
}

func newReader(b []byte, flexible bool) *reader { return &reader{buf: b, flexible: flexible} }

// left is how many bytes of the frame are still unread.
func (r *reader) left() int { return len(r.buf) - r.off }

func (r *reader) fail(err error) {
	if r.err == nil {
		r.err = fmt.Errorf("%w at byte %d", err, r.off)
	}
}

// next returns the next n bytes, or nil after an error.
func (r *reader) next(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > r.left() {
		r.fail(errShortBuffer)
		return nil
	}
	b := r.buf[r.off : r.off+n : r.off+n]
	r.off += n
	return b
}

// The fixed-width reads: big-endian, as every integer in Kafka's
// protocol outside record varints.

// Int8 reads an int8.
func (r *reader) Int8() int8 {
	if b := r.next(1); b != nil {
		return int8(b[0])
	}
	return 0
}

// Bool reads a boolean, one byte, where any non-zero value is true.
func (r *reader) Bool() bool { return r.Int8() != 0 }

// Int16 reads a big-endian int16.
func (r *reader) Int16() int16 {
	if b := r.next(2); b != nil {
		return int16(binary.BigEndian.Uint16(b))
	}
	return 0
}

// Int32 reads a big-endian int32.
func (r *reader) Int32() int32 {
	if b := r.next(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

// Int64 reads a big-endian int64.
func (r *reader) Int64() int64 {
	if b := r.next(8); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

// Float64 reads an IEEE 754 double, big-endian: Kafka's float64.
func (r *reader) Float64() float64 { return math.Float64frombits(uint64(r.Int64())) }

// Uvarint reads an unsigned LEB128 varint, the form compact lengths and tag
// numbers use.
func (r *reader) Uvarint() uint64 { return readVarint(r, binary.Uvarint) }

// Varint reads a zig-zag varint, the form record fields use.
func (r *reader) Varint() int64 { return readVarint(r, binary.Varint) }

// readVarint reads either kind of varint with encoding/binary's decoder,
// which reports a short buffer as n == 0 and an overlong varint as n < 0.
func readVarint[T uint64 | int64](r *reader, decode func([]byte) (T, int)) T {
	if r.err != nil {
		return 0
	}
	v, n := decode(r.buf[r.off:])
	switch {
	case n == 0:
		r.fail(errShortBuffer)
		return 0
	case n < 0:
		r.fail(errVarintTooLong)
		return 0
	}
	r.off += n
	return v
}

// length reads the length prefix of a string, bytes or array: int16 for
// classic strings, int32 for classic bytes and arrays, and length+1 as an
// unsigned varint in flexible versions. -1 means null. A length larger than
// the bytes left is refused here, because every element takes at least one
// byte; this is what keeps allocations bounded by the frame.
func (r *reader) length(classicWidth int) int {
	var n int64
	switch {
	case r.flexible:
		n = int64(r.Uvarint()) - 1
	case classicWidth == 2:
		n = int64(r.Int16())
	default:
		n = int64(r.Int32())
	}
	if r.err != nil {
		return -1
	}
	if n < -1 || n > int64(r.left()) {
		r.fail(errBadLength)
		return -1
	}
	return int(n)
}

// String reads a non-nullable string. A null is read as "".
func (r *reader) String() string {
	n := r.length(2)
	if n <= 0 {
		return ""
	}
	return javaString(r.next(n))
}

// NullableString reads a string that may be null; null is a nil pointer,
// which Kafka keeps distinct from "".
func (r *reader) NullableString() *string {
	n := r.length(2)
	if n < 0 {
		return nil
	}
	s := javaString(r.next(n))
	return &s
}

// javaString decodes a string's bytes as Kafka's Java decoder does
// (Utils.utf8, new String(bytes, UTF_8)): a byte sequence that is not
// UTF-8 becomes U+FFFD, one for each maximal subpart of a sequence, as
// Java's decoder and the Unicode standard replace it. So two names that
// differ only in bytes that are not UTF-8 are one name, as they are to
// Kafka, and every name the broker stores is valid UTF-8, which the data
// dir's strict readers (decodeStoredJSON) ask of their files.
func javaString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, len(b)+8)
	for len(b) > 0 {
		if c, size := utf8.DecodeRune(b); c != utf8.RuneError || size > 1 {
			out, b = append(out, b[:size]...), b[size:]
			continue
		}
		out, b = utf8.AppendRune(out, utf8.RuneError), b[invalidPrefix(b):]
	}
	return string(out)
}

// invalidPrefix is the length of the maximal subpart of the sequence
// that does not decode at the start of b: its lead byte and the
// continuation bytes that could still have followed it (Unicode 15.0,
// section 3.9, "U+FFFD Substitution of Maximal Subparts").
func invalidPrefix(b []byte) int {
	need, lo, hi := 0, byte(0x80), byte(0xBF)
	switch c := b[0]; {
	case c >= 0xC2 && c <= 0xDF:
		need = 1
	case c == 0xE0:
		need, lo = 2, 0xA0
	case c == 0xED:
		need, hi = 2, 0x9F // not a surrogate
	case c >= 0xE1 && c <= 0xEF:
		need = 2
	case c == 0xF0:
		need, lo = 3, 0x90
	case c == 0xF4:
		need, hi = 3, 0x8F // not past U+10FFFF
	case c >= 0xF1 && c <= 0xF3:
		need = 3
	}
	n := 1
	for ; n <= need && n < len(b); n++ {
		if b[n] < lo || b[n] > hi {
			break
		}
		lo, hi = 0x80, 0xBF
	}
	return n
}

// Bytes reads a byte array; null is nil and empty is non-nil. The result
// aliases the frame, which the connection does not reuse.
func (r *reader) Bytes() []byte {
	n := r.length(4)
	if n < 0 {
		return nil
	}
	return r.next(n)
}

// ArrayLen reads an array length; -1 is a null array.
func (r *reader) ArrayLen() int { return r.length(4) }

// UUID reads a 16-byte topic or member id.
func (r *reader) UUID() (u uuid) {
	copy(u[:], r.next(16))
	return u
}

// Tags reads the tagged-field section that ends every struct in a flexible
// version. parse is called for the tags the caller knows, with a reader over
// just that field's bytes; other tags are skipped, which is the point of
// tagged fields.
func (r *reader) Tags(parse func(tag uint64, f *reader)) {
	if !r.flexible {
		return
	}
	for n := r.Uvarint(); n > 0 && r.err == nil; n-- {
		tag := r.Uvarint()
		size := r.Uvarint()
		if size > uint64(r.left()) {
			r.fail(errBadLength)
			return
		}
		b := r.next(int(size))
		if parse != nil && r.err == nil {
			f := newReader(b, true)
			parse(tag, f)
			if f.err != nil {
				r.fail(fmt.Errorf("tag %d: %w", tag, f.err))
			}
		}
	}
}

// SkipTags reads a tagged-field section whose tags this broker does not use.
func (r *reader) SkipTags() { r.Tags(nil) }

// readArray reads an array whose elements read() decodes. A null array is
// nil and an empty one is non-nil, so a handler can tell "all topics"
// (null, in Metadata) from "no topics".
func readArray[T any](r *reader, read func(*reader) T) []T {
	n := r.ArrayLen()
	if n < 0 {
		return nil
	}
	// n is bounded by the bytes left, and each element reads at least one
	// byte or fails, so this loop ends. But an element in memory is larger
	// than its one byte on the wire (a partition of a Produce is about 40
	// bytes), so a slice of n would let a 100 MiB frame of padding claim
	// gigabytes. The slice starts no larger than the bytes left and grows
	// only as elements actually decode.
	var zero T
	out := make([]T, 0, min(n, r.left()/max(int(unsafe.Sizeof(zero)), 1)))
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, read(r))
	}
	return out
}

// Int32s reads an array of int32s.
func (r *reader) Int32s() []int32 { return readArray(r, (*reader).Int32) }

// Strings reads an array of strings.
func (r *reader) Strings() []string {
	return readArray(r, (*reader).String)
}

// complete reports an error if bytes are left over, for the encodings
// that state their own size and must fill it exactly: a record inside a
// batch, and the records of __consumer_offsets. Requests are not held to
// it: Kafka ignores bytes after a request body (see parseRequest).
func (r *reader) complete() error {
	if r.err == nil && r.left() != 0 {
		r.fail(fmt.Errorf("kafka: %d unread bytes at end of message", r.left()))
	}
	return r.err
}

// uuid is a 16-byte topic id (KIP-516). The zero uuid means "no id".
type uuid [16]byte

// writer appends one message to buf. Writes cannot fail except by being
// given a value the version cannot express, which is a bug in the broker,
// not in the client; err keeps the first such problem.
type writer struct {
	buf      []byte
	flexible bool
	err      error

	// sections are file ranges that belong in the message after
	// buf[:at]; the connection sends them with sendfile (see
	// conn.writeResponse), so they are never copied into buf.
	sections []splicedSection
}

// splicedSection is a file section to send after the first at bytes of
// the writer's buffer.
type splicedSection struct {
	at int
	fileSection
}

// Int8 appends an int8. The fixed-width writes mirror the reads above.
func (w *writer) Int8(v int8) { w.buf = append(w.buf, byte(v)) }

// Bool appends a boolean as one byte, 0 or 1.
func (w *writer) Bool(v bool) {
	if v {
		w.Int8(1)
	} else {
		w.Int8(0)
	}
}

// Int16 appends a big-endian int16.
func (w *writer) Int16(v int16) { w.buf = binary.BigEndian.AppendUint16(w.buf, uint16(v)) }

// Int32 appends a big-endian int32.
func (w *writer) Int32(v int32) { w.buf = binary.BigEndian.AppendUint32(w.buf, uint32(v)) }

// Int64 appends a big-endian int64.
func (w *writer) Int64(v int64) { w.buf = binary.BigEndian.AppendUint64(w.buf, uint64(v)) }

// Float64 appends an IEEE 754 double, big-endian: Kafka's float64.
func (w *writer) Float64(v float64) { w.Int64(int64(math.Float64bits(v))) }

// Uvarint appends an unsigned varint, the form of compact lengths and tags.
func (w *writer) Uvarint(v uint64) { w.buf = binary.AppendUvarint(w.buf, v) }

// length writes a length prefix in the form the version uses; n = -1 is
// null.
func (w *writer) length(n int, classicWidth int) {
	switch {
	case w.flexible:
		w.Uvarint(uint64(n + 1))
	case classicWidth == 2:
		if n > math.MaxInt16 {
			w.fail(fmt.Errorf("kafka: string of %d bytes does not fit an int16 length", n))
		}
		w.Int16(int16(n))
	default:
		w.Int32(int32(n))
	}
}

func (w *writer) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// String appends a string, classic (int16 length) or compact.
func (w *writer) String(s string) {
	w.length(len(s), 2)
	w.buf = append(w.buf, s...)
}

// NullableString appends a string that may be null (nil).
func (w *writer) NullableString(s *string) {
	if s == nil {
		w.length(-1, 2)
		return
	}
	w.String(*s)
}

// Bytes writes a nullable byte array: nil is null.
func (w *writer) Bytes(b []byte) {
	if b == nil {
		w.length(-1, 4)
		return
	}
	w.length(len(b), 4)
	w.buf = append(w.buf, b...)
}

// FileSection writes a bytes field whose content is a section of a segment
// file: the length goes into the buffer, the bytes are spliced in when the
// message is sent. A section already read into memory is written as is.
func (w *writer) FileSection(s fileSection) {
	if s.data != nil {
		w.Bytes(s.data)
		return
	}
	w.length(int(s.size), 4)
	w.sections = append(w.sections, splicedSection{len(w.buf), s})
}

// ArrayLen writes an array length; -1 is null.
func (w *writer) ArrayLen(n int) { w.length(n, 4) }

// UUID appends a 16-byte id.
func (w *writer) UUID(u uuid) { w.buf = append(w.buf, u[:]...) }

// tag is one tagged field to write: its number and a function that writes
// its value.
type tag struct {
	num   uint64
	write func(*writer)
}

// Tags writes a tagged-field section. Kafka writes a tagged field only when
// it differs from its default, so callers pass only those; the tags must be
// in increasing order.
func (w *writer) Tags(tags ...tag) {
	if !w.flexible {
		return
	}
	w.Uvarint(uint64(len(tags)))
	for _, t := range tags {
		f := writer{flexible: true}
		t.write(&f)
		w.Uvarint(t.num)
		w.Uvarint(uint64(len(f.buf)))
		w.buf = append(w.buf, f.buf...)
	}
}

// writeArray writes an array; a nil slice is written as null, which only
// nullable fields may hold, so encoders of non-nullable arrays pass
// non-nil or accept that nil is written as empty by nonNull.
func writeArray[T any](w *writer, a []T, write func(*writer, T)) {
	if a == nil {
		w.ArrayLen(-1)
		return
	}
	w.ArrayLen(len(a))
	for _, v := range a {
		write(w, v)
	}
}

// writeArrayNonNull writes an array that the schema says cannot be null;
// a nil slice is written as empty.
func writeArrayNonNull[T any](w *writer, a []T, write func(*writer, T)) {
	w.ArrayLen(len(a))
	for _, v := range a {
		write(w, v)
	}
}

// Int32s appends a non-nullable array of int32s.
func (w *writer) Int32s(a []int32) { writeArrayNonNull(w, a, (*writer).Int32) }

// Strings appends a non-nullable array of strings.
func (w *writer) Strings(a []string) {
	writeArrayNonNull(w, a, (*writer).String)
}

// Record batches.
//
// A produce request carries its records as one opaque "records" field
// holding record batches back to back (Kafka's
// DefaultRecordBatch.java describes the layout). The broker reads only the fixed 61-byte batch
// header: it checks the CRC, assigns offsets by rewriting baseOffset, and
// stores the bytes as the client sent them. Records inside a batch, which
// may be compressed, are never decoded on the produce path.

// Byte offsets of the magic-2 batch header fields.
const (
	batchOffsetOffset          = 0  // baseOffset int64
	batchLengthOffset          = 8  // batchLength int32: bytes after this field
	batchEpochOffset           = 12 // partitionLeaderEpoch int32
	batchMagicOffset           = 16 // magic int8
	batchCRCOffset             = 17 // crc uint32, CRC-32C of bytes 21..end
	batchAttrOffset            = 21 // attributes int16
	batchLastOffsetDeltaOffset = 23 // lastOffsetDelta int32
	batchMaxTimestampOffset    = 35 // maxTimestamp int64
	batchProducerIDOffset      = 43 // producerId int64
	batchRecordCountOffset     = 57 // records count int32
	batchHeaderSize            = 61 // RECORD_BATCH_OVERHEAD
	batchLogOverhead           = 12 // baseOffset + batchLength, not counted in batchLength
	compressionCodecMask       = 0x07
	transactionalFlag          = 0x10
	controlFlag                = 0x20
)

// castagnoli is the CRC-32C table. Magic-2 batches use CRC-32C rather than
// the IEEE CRC-32 of older message formats because modern CPUs compute it
// in hardware (SSE4.2's crc32 instruction), which Go's hash/crc32 uses.
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// batchHeader is the fixed part of a magic-2 record batch.
type batchHeader struct {
	BaseOffset           int64
	BatchLength          int32
	PartitionLeaderEpoch int32
	Magic                int8
	CRC                  uint32
	Attributes           int16
	LastOffsetDelta      int32
	BaseTimestamp        int64
	MaxTimestamp         int64
	ProducerID           int64
	ProducerEpoch        int16
	BaseSequence         int32
	NumRecords           int32
}

// Size is the whole batch's size in bytes.
func (h *batchHeader) Size() int { return int(h.BatchLength) + batchLogOverhead }

// LastOffset is the offset of the batch's last record.
func (h *batchHeader) LastOffset() int64 { return h.BaseOffset + int64(h.LastOffsetDelta) }

// LastSequence is the sequence number of the batch's last record: the base
// sequence plus lastOffsetDelta, wrapping past math.MaxInt32 to 0 as
// DefaultRecordBatch.incrementSequence does. A batch without a sequence
// (-1) has none.
func (h *batchHeader) LastSequence() int32 {
	if h.BaseSequence < 0 {
		return h.BaseSequence
	}
	return int32((int64(h.BaseSequence) + int64(h.LastOffsetDelta)) % (math.MaxInt32 + 1))
}

// Compressed reports whether the records after the header are compressed.
func (h *batchHeader) Compressed() bool { return h.Attributes&compressionCodecMask != 0 }

// Errors about record batches. A produce request with a bad batch is
// answered with CORRUPT_MESSAGE; a segment with a bad batch at its tail is
// cut there during recovery.
var (
	errBatchTruncated = errors.New("kafka: record batch is truncated")
	errBatchMagic     = errors.New("kafka: record batch magic is not 2")
	errBatchCRC       = errors.New("kafka: record batch CRC mismatch")
	errBatchLength    = errors.New("kafka: record batch length is invalid")
)

// parseBatchHeader reads the header of the batch at the start of b. It
// checks only that the header is there and that batchLength is sane; use
// checkBatch for the CRC.
func parseBatchHeader(b []byte) (batchHeader, error) {
	var h batchHeader
	if len(b) < batchHeaderSize {
		return h, errBatchTruncated
	}
	be := binary.BigEndian
	h.BaseOffset = int64(be.Uint64(b[0:]))
	h.BatchLength = int32(be.Uint32(b[8:]))
	h.PartitionLeaderEpoch = int32(be.Uint32(b[12:]))
	h.Magic = int8(b[16])
	h.CRC = be.Uint32(b[17:])
	h.Attributes = int16(be.Uint16(b[21:]))
	h.LastOffsetDelta = int32(be.Uint32(b[23:]))
	h.BaseTimestamp = int64(be.Uint64(b[27:]))
	h.MaxTimestamp = int64(be.Uint64(b[35:]))
	h.ProducerID = int64(be.Uint64(b[43:]))
	h.ProducerEpoch = int16(be.Uint16(b[51:]))
	h.BaseSequence = int32(be.Uint32(b[53:]))
	h.NumRecords = int32(be.Uint32(b[57:]))
	if h.Magic != 2 {
		return h, errBatchMagic
	}
	if h.BatchLength < batchHeaderSize-batchLogOverhead || h.LastOffsetDelta < 0 || h.NumRecords < 0 {
		return h, errBatchLength
	}
	if h.Size() > len(b) {
		return h, errBatchTruncated
	}
	return h, nil
}

// checkBatch verifies the CRC of the batch at the start of b, whose header
// h came from parseBatchHeader.
func checkBatch(b []byte, h batchHeader) error {
	if crc32.Checksum(b[batchAttrOffset:h.Size()], castagnoli) != h.CRC {
		return errBatchCRC
	}
	return nil
}

// splitBatches checks every batch in a produce request's records field and
// returns their headers. It fails on the first batch that is truncated,
// is not magic 2 or fails its CRC, so a request is stored whole or not at
// all.
func splitBatches(records []byte) ([]batchHeader, error) {
	var hs []batchHeader
	for len(records) > 0 {
		h, err := parseBatchHeader(records)
		if err == nil {
			err = checkBatch(records, h)
		}
		if err != nil {
			return nil, err
		}
		hs = append(hs, h)
		records = records[h.Size():]
	}
	return hs, nil
}

// setBaseOffset assigns the batch at the start of b its offset. baseOffset
// lies outside the CRC, so the checksum stays valid; this is why a broker
// can assign offsets without touching the records.
func setBaseOffset(b []byte, offset int64) {
	binary.BigEndian.PutUint64(b[batchOffsetOffset:], uint64(offset))
}

// Records inside a batch.
//
// The produce path walks the records of an uncompressed batch once, to
// refuse one whose records do not parse (validator.go), and ListOffsets by
// timestamp and KIP-734's max-timestamp lookup must name a record, not a
// batch. In an
// uncompressed batch the records follow the 61-byte header in place (the
// Record table in RECORDS.md), so they can be walked without copying. Only
// the three leading fields are decoded: key, value and headers are only
// stepped over, each by its length.

// timestampTypeFlag is attributes bit 3: set for LogAppendTime, where the
// broker's append time, kept in maxTimestamp, is every record's timestamp.
const timestampTypeFlag = 0x08

// Errors from walking records. A batch that passed its CRC can still hold
// records that do not parse, if the client wrote them wrong.
var (
	errRecordsCompressed = errors.New("kafka: records of a compressed batch cannot be walked in place")
	errRecordMalformed   = errors.New("kafka: record inside a batch is malformed")
)

// eachRecord calls yield with the offset and timestamp of each record of
// the uncompressed batch at the start of b, whose header h came from
// parseBatchHeader, in order, until yield returns false. It returns an error
// instead of reading past the batch when a length or varint is bad.
func eachRecord(b []byte, h batchHeader, yield func(offset, timestamp int64) bool) error {
	if h.Compressed() {
		return errRecordsCompressed
	}
	if h.Size() > len(b) {
		return errBatchTruncated
	}
	return walkRecords(b[batchHeaderSize:h.Size()], h, yield)
}

// walkRecords is eachRecord over rest, the uncompressed records of the
// batch whose header is h: in place for an uncompressed batch, or
// decompressed by the caller (validator.go). Each record must parse whole,
// as Kafka's DefaultRecord.readFrom reads one (recordDeltas), and the
// records must fill rest exactly; otherwise it returns errRecordMalformed.
func walkRecords(rest []byte, h batchHeader, yield func(offset, timestamp int64) bool) error {
	for i := range h.NumRecords {
		n, k := varint(rest)
		if k <= 0 || n < 0 || n > int64(len(rest)-k) {
			return fmt.Errorf("%w: record %d has a bad length", errRecordMalformed, i)
		}
		timestampDelta, offsetDelta, ok := recordDeltas(rest[k : k+int(n)])
		if !ok {
			return fmt.Errorf("%w: record %d does not parse", errRecordMalformed, i)
		}
		// offsetDelta is a 32-bit varint on the wire; binary.Varint reads
		// 64 bits, so the range is checked here.
		if offsetDelta < 0 || offsetDelta > math.MaxInt32 {
			return fmt.Errorf("%w: record %d has offset delta %d", errRecordMalformed, i, offsetDelta)
		}
		timestamp := h.BaseTimestamp + timestampDelta
		if h.Attributes&timestampTypeFlag != 0 {
			timestamp = h.MaxTimestamp
		}
		if !yield(h.BaseOffset+offsetDelta, timestamp) {
			return nil
		}
		rest = rest[k+int(n):]
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %d bytes after the last record", errRecordMalformed, len(rest))
	}
	return nil
}

// recordDeltas parses r, one record's bytes after its length, as Kafka's
// DefaultRecord.readFrom reads one: attributes, the timestamp and offset
// deltas, a key and a value (-1 for null), and headers with non-null keys,
// adding up to exactly len(r). It returns the two deltas, and false if r
// is not such a record. It runs for every record produced uncompressed,
// so it reads varints with a one-byte fast path and copies nothing.
func recordDeltas(r []byte) (timestampDelta, offsetDelta int64, ok bool) {
	if len(r) < 1 {
		return 0, 0, false
	}
	r = r[1:] // attributes: no bit is used
	var k int
	if timestampDelta, k = varint(r); k <= 0 {
		return 0, 0, false
	}
	r = r[k:]
	if offsetDelta, k = varint(r); k <= 0 {
		return 0, 0, false
	}
	r = r[k:]
	if r, ok = skipBytesField(r, true); !ok { // key
		return 0, 0, false
	}
	if r, ok = skipBytesField(r, true); !ok { // value
		return 0, 0, false
	}
	headers, k := varint(r)
	if k <= 0 || headers < 0 || headers > int64(len(r)) {
		return 0, 0, false
	}
	r = r[k:]
	for range headers {
		if r, ok = skipBytesField(r, false); !ok {
			return 0, 0, false
		}
		if r, ok = skipBytesField(r, true); !ok {
			return 0, 0, false
		}
	}
	return timestampDelta, offsetDelta, len(r) == 0
}

// varint is binary.Varint with a fast path for the one-byte varints most
// record fields are.
func varint(b []byte) (int64, int) {
	if len(b) > 0 && b[0] < 0x80 {
		return int64(b[0]>>1) ^ -int64(b[0]&1), 1
	}
	return binary.Varint(b)
}

// skipBytesField steps over a varint length and that many bytes; -1, a
// null, only where nullable.
func skipBytesField(b []byte, nullable bool) ([]byte, bool) {
	n, k := varint(b)
	if k <= 0 || n < -1 || (n == -1 && !nullable) || n > int64(len(b)-k) {
		return b, false
	}
	return b[k+max(int(n), 0):], true
}

// Records the broker writes itself.
//
// The group coordinator keeps committed offsets in the __consumer_offsets
// topic (groups.go), so, unlike the produce path, it has to build batches
// and read back whole records, keys and values included. It writes only
// uncompressed batches, as Kafka's coordinator does by default
// (offsets.topic.compression.codec is none), so reading them back needs no
// codec either.

// record is one record of a batch as the coordinator sees it. A nil Key or
// Value is null; a null value is a tombstone, which on a compacted topic
// such as __consumer_offsets means "forget this key".
type record struct {
	Offset    int64
	Timestamp int64
	Key       []byte
	Value     []byte
}

// appendBatch appends to dst an uncompressed magic-2 batch of recs, every
// record stamped with timestamp, and returns the extended slice. The base
// offset is left 0 for the log to assign; the producer fields are -1, the
// values of a batch from no idempotent producer. recs must not be empty.
func appendBatch(dst []byte, timestamp int64, recs []record) []byte {
	be := binary.BigEndian
	start := len(dst)
	dst = be.AppendUint64(dst, 0)                   // baseOffset, assigned by the log
	dst = be.AppendUint32(dst, 0)                   // batchLength, set below
	dst = be.AppendUint32(dst, 0)                   // partitionLeaderEpoch, set by the log
	dst = append(dst, 2)                            // magic
	dst = be.AppendUint32(dst, 0)                   // crc, set below
	dst = be.AppendUint16(dst, 0)                   // attributes: no compression, CreateTime
	dst = be.AppendUint32(dst, uint32(len(recs)-1)) // lastOffsetDelta
	dst = be.AppendUint64(dst, uint64(timestamp))   // baseTimestamp
	dst = be.AppendUint64(dst, uint64(timestamp))   // maxTimestamp
	dst = be.AppendUint64(dst, 0xffffffffffffffff)  // producerId -1
	dst = be.AppendUint16(dst, 0xffff)              // producerEpoch -1
	dst = be.AppendUint32(dst, 0xffffffff)          // baseSequence -1
	dst = be.AppendUint32(dst, uint32(len(recs)))   // recordsCount
	var body []byte
	for i, r := range recs {
		body = body[:0]
		body = append(body, 0)                     // attributes: none are defined
		body = binary.AppendVarint(body, 0)        // timestampDelta
		body = binary.AppendVarint(body, int64(i)) // offsetDelta
		body = appendVarintBytes(body, r.Key)
		body = appendVarintBytes(body, r.Value)
		body = binary.AppendVarint(body, 0) // no headers
		dst = binary.AppendVarint(dst, int64(len(body)))
		dst = append(dst, body...)
	}
	be.PutUint32(dst[start+batchLengthOffset:], uint32(len(dst)-start-batchLogOverhead))
	be.PutUint32(dst[start+batchCRCOffset:], crc32.Checksum(dst[start+batchAttrOffset:], castagnoli))
	return dst
}

// appendVarintBytes writes a record's key or value: a zig-zag varint
// length, -1 for null, then the bytes.
func appendVarintBytes(dst, b []byte) []byte {
	if b == nil {
		return binary.AppendVarint(dst, -1)
	}
	dst = binary.AppendVarint(dst, int64(len(b)))
	return append(dst, b...)
}

// VarintBytes reads a record's key, value or header value: a varint
// length, -1 for null, then the bytes, which alias the buffer.
func (r *reader) VarintBytes() []byte {
	n := r.Varint()
	if r.err != nil || n == -1 {
		return nil
	}
	if n < -1 || n > int64(r.left()) {
		r.fail(errBadLength)
		return nil
	}
	return r.next(int(n))
}

// eachFullRecord is eachRecord for readers that need keys and values: it
// calls yield with every record of the uncompressed batch at the start of
// b, whose header h came from parseBatchHeader, until yield returns false.
// Key and Value alias b. Headers are checked and skipped.
func eachFullRecord(b []byte, h batchHeader, yield func(record) bool) error {
	if h.Compressed() {
		return errRecordsCompressed
	}
	if h.Size() > len(b) {
		return errBatchTruncated
	}
	rest := b[batchHeaderSize:h.Size()]
	for i := range h.NumRecords {
		n, k := binary.Varint(rest)
		if k <= 0 || n < 0 || n > int64(len(rest)-k) {
			return fmt.Errorf("%w: record %d has a bad length", errRecordMalformed, i)
		}
		r := newReader(rest[k:k+int(n)], false)
		r.Int8() // attributes
		rec := record{Timestamp: h.BaseTimestamp + r.Varint()}
		offsetDelta := r.Varint()
		rec.Key = r.VarintBytes()
		rec.Value = r.VarintBytes()
		headers := r.Varint()
		if headers < 0 {
			r.fail(errBadLength)
		}
		for ; headers > 0 && r.err == nil; headers-- {
			r.VarintBytes() // header key
			r.VarintBytes() // header value
		}
		if err := r.complete(); err != nil {
			return fmt.Errorf("%w: record %d: %w", errRecordMalformed, i, err)
		}
		if offsetDelta < 0 || offsetDelta > math.MaxInt32 {
			return fmt.Errorf("%w: record %d has offset delta %d", errRecordMalformed, i, offsetDelta)
		}
		rec.Offset = h.BaseOffset + offsetDelta
		if h.Attributes&timestampTypeFlag != 0 {
			rec.Timestamp = h.MaxTimestamp
		}
		if !yield(rec) {
			return nil
		}
		rest = rest[k+int(n):]
	}
	return nil
}
