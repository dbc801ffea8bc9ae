// This file holds the compression codecs of record batches: gzip from
// Go's standard library, and snappy and lz4 written here, also with
// nothing but the standard library; zstd, written the same way, has its
// own chapter (zstd.go). It belongs to
// Part IV of the book, operations, and assumes the batch layout of wire.go:
// a codec compresses a batch's records, everything after its 61-byte
// header, as one stream (the low three bits of the attributes name it,
// CompressionType.java). Two chapters use it: the validator
// (validator.go), which converts batches to a topic's compression.type,
// and the log cleaner (cleaner.go), which filters compressed batches
// record by record and compresses what is left with the batch's own codec,
// as Kafka's MemoryRecords.filterTo does.
//
// Two entry points, decompress and compress, take a codec number. Every
// decoder writes at most limit bytes, checks each length it reads against
// that limit and the bytes it has before it allocates, and answers
// malformed input with an error: batches come from the network.
//
// Snappy (https://github.com/google/snappy/blob/main/format_description.txt)
// reaches a broker in two forms. A raw block is the decoded length as a
// uvarint, then elements: a literal (tag 00, its length in the tag or in
// 1-4 bytes after it) or a copy of earlier output (tag 01: length 4-11,
// an 11-bit offset; tag 10: length 1-64, a 16-bit offset; tag 11: a
// 32-bit offset). The xerial framing of snappy-java, which Kafka's Java
// client writes (SnappyCompression wraps a SnappyOutputStream,
// https://github.com/apache/kafka/blob/4.0.0/clients/src/main/java/org/apache/kafka/common/compress/SnappyCompression.java),
// is a 16-byte header (the magic "\x82SNAPPY\x00", then a version and a
// compatible version, both 1, big-endian int32s) followed by blocks, each
// a big-endian int32 length and a raw block of at most 32 KiB of input.
// librdkafka (rd_kafka_snappy_compress_iov in rdkafka_msgset_writer.c)
// and franz-go (s2.EncodeSnappy in pkg/kgo/compression.go) write one raw
// block per batch; franz-go 1.22 writes xerial when it merges batches.
// Kafka reads both, since snappy-java's SnappyInputStream falls back to a
// raw block when the magic is missing, and so does decodeSnappy. The two
// cannot be confused: a raw block that began with the magic would start
// with a copy before any output, which is invalid. When the broker
// compresses, it writes what Kafka writes: xerial, 32 KiB blocks.
//
// LZ4 (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md and
// lz4_Block_format.md) reaches it as a frame: the magic 0x184D2204
// (little-endian), a descriptor (FLG: version 01, block independence,
// block checksum, content size, content checksum; BD: the largest block,
// 64 KiB to 4 MiB; the content size if flagged) closed by a checksum byte,
// the second byte of the descriptor's xxHash32, then blocks (a
// little-endian size whose top bit marks a block stored uncompressed, the
// block, its xxHash32 if flagged), a zero size to end, and the content's
// xxHash32 if flagged. A compressed block is a run of sequences: a token
// (literal length, match length - 4, 15 meaning "more bytes follow, 255
// at a time"), the literals, a 16-bit offset back into the output, and
// the match's extra length; the last sequence has literals only. Kafka's
// Lz4BlockOutputStream
// (https://github.com/apache/kafka/blob/4.0.0/clients/src/main/java/org/apache/kafka/common/compress/Lz4BlockOutputStream.java)
// writes independent 64 KiB blocks without checksums, storing a block
// that does not shrink as it is; its reader refuses dependent blocks and
// nonzero reserved bits, and so does decodeLZ4. The broker writes frames
// as Kafka does.
//
// Design note: the encoders are simple on purpose. Both find matches
// greedily through a hash of the next four bytes, with one candidate per
// hash and no lazy matching: they compress Kafka's repetitive records
// (shared key prefixes, JSON field names) well enough, and their output
// is checked against independent decoders (klauspost/compress and
// pierrec/lz4, in interop/codecs_test.go), not against a ratio.

package kafka

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
)

// errDecodedTooLarge is a batch whose records decompress past the limit
// the caller gave. The two callers answer it differently: the validator
// refuses the produce with CORRUPT_MESSAGE, while the cleaner keeps the
// batch whole, since dropping records it could not read would lose data.
var errDecodedTooLarge = errors.New("kafka: records decompress past the limit")

// canDecompress reports whether the broker has a decoder for codec: one
// of Kafka's five, not the unused ids 5-7. Callers ask before they need
// the records, because a codec without a decoder is no error by itself:
// such a batch is stored and served as its producer wrote it, and only a
// topic whose compression.type asks for another codec refuses it, with
// UNSUPPORTED_COMPRESSION_TYPE.
func canDecompress(codec int) bool {
	return codec >= codecNone && codec <= codecZstd
}

// decompress returns data, a batch's records compressed with codec, in
// the clear and at most limit bytes long. An uncompressed batch's data is
// returned as it is. The limit is the caller's: the validator's is the
// largest request the broker reads, the cleaner's maxDecompressedBatch.
// The result is never nil, since the validator reads a nil payload as
// records it did not decode.
func decompress(codec int, data []byte, limit int) ([]byte, error) {
	var out []byte
	var err error
	switch codec {
	case codecNone:
		return data, nil
	case codecGzip:
		out, err = gunzipRecords(data, limit)
	case codecSnappy:
		out, err = decodeSnappy(data, limit)
	case codecLZ4:
		out, err = decodeLZ4(data, limit)
	case codecZstd:
		out, err = decodeZstd(data, limit)
	default:
		return nil, fmt.Errorf("no %s codec: the broker has gzip, snappy, lz4 and zstd", codecName(codec))
	}
	// The error names the codec because the validator sends it back as
	// the Produce response's error message, which is all a producer's log
	// shows of why its batch was refused.
	if err != nil {
		return nil, fmt.Errorf("%s records: %w", codecName(codec), err)
	}
	return out, nil
}

// compress returns data compressed with codec as Kafka's producer would
// write it; gzipLevel is compression.gzip.level (-1 for the default). The
// broker compresses only where Kafka's broker would (a topic's
// compression.type other than producer, and the cleaner rewriting a
// compressed batch), so what a consumer reads is in the framing a Java
// producer writes, which every client was first tested against.
func compress(codec int, data []byte, gzipLevel int) ([]byte, error) {
	switch codec {
	case codecNone:
		return data, nil
	case codecGzip:
		var buf bytes.Buffer
		zw, err := gzip.NewWriterLevel(&buf, gzipLevel)
		if err != nil {
			return nil, err
		}
		if _, err := zw.Write(data); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	case codecSnappy:
		return encodeXerial(data), nil
	case codecLZ4:
		return encodeLZ4(data), nil
	case codecZstd:
		return encodeZstd(data), nil
	default:
		return nil, fmt.Errorf("no %s codec: the broker has gzip, snappy, lz4 and zstd", codecName(codec))
	}
}

// gunzipRecords inflates gzip data through a limit: a few kilobytes of
// gzip can claim gigabytes. Several gzip members one after another decode
// as one stream, as java.util.zip.GZIPInputStream, Kafka's reader, reads
// them.
func gunzipRecords(data []byte, limit int) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	// One byte past the limit tells output of exactly limit bytes, which
	// is allowed, from more.
	out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(out) > limit {
		return nil, fmt.Errorf("%w (%d bytes)", errDecodedTooLarge, limit)
	}
	return out, nil
}

// Snappy.

// xerialMagic opens a stream in snappy-java's framing, and readers choose
// between the two forms by it. Kafka's SnappyInputStream, librdkafka,
// franz-go and sarama (eapache/go-xerial-snappy) look at these 8 bytes;
// kafka-python compares the whole 16-byte header, versions included, and
// decodes anything else as one raw block, so a stream whose two versions
// are not both 1 fails there and nowhere else.
var xerialMagic = []byte("\x82SNAPPY\x00")

const (
	xerialHeaderSize = 16 // magic, version, compatible version
	// xerialBlockSize is snappy-java's default block size, the one a Java
	// producer's batches have. Readers take any size, but each block is
	// one allocation in some of them (snappy-java sizes its buffer from
	// the block's length), so the broker keeps to what they were tuned for.
	xerialBlockSize = 32 << 10

	// snappyMaxExpansion bounds what one input byte of a valid block can
	// become: a 3-byte copy yields at most 64 bytes. A block that claims
	// more is refused before anything is allocated for it.
	snappyMaxExpansion = 22
)

// decodeSnappy decodes a raw snappy block or xerial-framed blocks. The
// versions in the xerial header are not checked: snappy-java refuses only
// a header with a version below 1, and every writer since the format
// began writes 1 and 1, so a stricter check could only refuse what Kafka
// reads.
func decodeSnappy(src []byte, limit int) ([]byte, error) {
	if !bytes.HasPrefix(src, xerialMagic) {
		return decodeSnappyBlock(nil, src, limit)
	}
	if len(src) < xerialHeaderSize {
		return nil, errors.New("xerial header truncated")
	}
	src = src[xerialHeaderSize:]
	var out []byte
	for len(src) > 0 {
		if len(src) < 4 {
			return nil, errors.New("xerial block length truncated")
		}
		n := binary.BigEndian.Uint32(src)
		src = src[4:]
		if uint64(n) > uint64(len(src)) {
			return nil, fmt.Errorf("xerial block of %d bytes with %d left", n, len(src))
		}
		// Each block was compressed alone (snappy-java compresses chunk by
		// chunk), so its copies may not reach into the blocks before it.
		var err error
		if out, err = decodeSnappyBlock(out, src[:n], limit); err != nil {
			return nil, err
		}
		src = src[n:]
	}
	// A header and no blocks is an empty stream, not a failed one.
	if out == nil {
		out = []byte{}
	}
	return out, nil
}

// decodeSnappyBlock appends the decoding of one raw block to dst, which
// with it may hold at most limit bytes. Copies reach back only within the
// block.
func decodeSnappyBlock(dst, src []byte, limit int) ([]byte, error) {
	n, k := binary.Uvarint(src)
	if k <= 0 {
		return nil, errors.New("snappy block length malformed")
	}
	src = src[k:]
	// The claimed length is checked twice before anything is allocated
	// for it: against the caller's limit, and against what the bytes left
	// could possibly decode to.
	if n > uint64(limit-len(dst)) {
		return nil, fmt.Errorf("%w: a snappy block claims %d bytes", errDecodedTooLarge, n)
	}
	if n > uint64(len(src))*snappyMaxExpansion {
		return nil, fmt.Errorf("snappy block of %d bytes claims %d", len(src), n)
	}
	start := len(dst)
	end := start + int(n)
	dst = slices.Grow(dst, int(n))
	for len(src) > 0 {
		tag := src[0]
		var length, offset int
		switch tag & 3 {
		case 0: // literal
			l, used, err := snappyLiteralLength(src)
			if err != nil {
				return nil, err
			}
			src = src[used:]
			if l > uint64(len(src)) || l > uint64(end-len(dst)) {
				return nil, fmt.Errorf("snappy literal of %d bytes overruns the block", l)
			}
			dst = append(dst, src[:l]...)
			src = src[l:]
			continue
		case 1:
			if len(src) < 2 {
				return nil, errors.New("snappy copy truncated")
			}
			length, offset = 4+int(tag>>2&7), int(tag>>5)<<8|int(src[1])
			src = src[2:]
		case 2:
			if len(src) < 3 {
				return nil, errors.New("snappy copy truncated")
			}
			length, offset = 1+int(tag>>2), int(binary.LittleEndian.Uint16(src[1:]))
			src = src[3:]
		case 3:
			if len(src) < 5 {
				return nil, errors.New("snappy copy truncated")
			}
			// An offset past 2 GiB turns negative in a 32-bit int, which
			// the check below refuses as it does zero.
			length, offset = 1+int(tag>>2), int(int32(binary.LittleEndian.Uint32(src[1:])))
			src = src[5:]
		}
		// Offset 0 would copy the byte being written; Snappy's own
		// decoder refuses it, and so does this one.
		if offset <= 0 || offset > len(dst)-start {
			return nil, fmt.Errorf("snappy copy offset %d with %d bytes out", offset, len(dst)-start)
		}
		if length > end-len(dst) {
			return nil, errors.New("snappy copy overruns the block")
		}
		dst = appendCopy(dst, offset, length)
	}
	// A block that decodes short of its claimed length is as corrupt as
	// one that overruns it: Snappy's own decoder checks both.
	if len(dst) != end {
		return nil, fmt.Errorf("snappy block decodes to %d bytes, claims %d", len(dst)-start, n)
	}
	return dst, nil
}

// snappyLiteralLength reads a literal's length from its tag (lengths up
// to 60) or the 1-4 little-endian bytes after it, and the bytes used.
func snappyLiteralLength(src []byte) (length uint64, used int, err error) {
	l := uint64(src[0] >> 2)
	if l < 60 {
		return l + 1, 1, nil
	}
	extra := int(l) - 59
	if len(src) < 1+extra {
		return 0, 0, errors.New("snappy literal length truncated")
	}
	l = 0
	for i := extra; i >= 1; i-- {
		l = l<<8 | uint64(src[i])
	}
	return l + 1, 1 + extra, nil
}

// appendCopy appends length bytes starting offset bytes back from the end
// of dst, which may overlap what they produce (offset 1 repeats a byte).
// The caller has checked offset and length.
func appendCopy(dst []byte, offset, length int) []byte {
	from := len(dst) - offset
	if offset >= length {
		return append(dst, dst[from:from+length]...)
	}
	for i := range length {
		dst = append(dst, dst[from+i])
	}
	return dst
}

// encodeXerial compresses src as snappy-java's SnappyOutputStream does:
// the xerial header, then one length-prefixed raw block per 32 KiB. The
// framed form, not a bare block, is what a Java producer sends, and the
// one every reader listed at xerialMagic is sure to take; versions 1 and
// 1 are the only header kafka-python recognises as framing.
func encodeXerial(src []byte) []byte {
	dst := make([]byte, 0, xerialHeaderSize+len(src)+len(src)/6+64)
	dst = append(dst, xerialMagic...)
	dst = binary.BigEndian.AppendUint32(dst, 1) // version
	dst = binary.BigEndian.AppendUint32(dst, 1) // compatible version
	for len(src) > 0 {
		n := min(len(src), xerialBlockSize)
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		dst = encodeSnappyBlock(dst, src[:n])
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
		src = src[n:]
	}
	return dst
}

// hashTableBits sizes the match finders' tables: 16K candidates.
const hashTableBits = 14

// hash4 maps the four bytes at src[i:] to a table slot (Knuth's
// multiplicative hash; any spread would do, only speed depends on it).
func hash4(src []byte, i int) uint32 {
	return binary.LittleEndian.Uint32(src[i:]) * 2654435761 >> (32 - hashTableBits)
}

// encodeSnappyBlock appends src as one raw snappy block. Offsets stay
// below 64 KiB, so copies need at most the 3-byte form; with the 32 KiB
// blocks of encodeXerial they always do, and the bound in the loop only
// keeps that true for a caller with larger blocks.
func encodeSnappyBlock(dst, src []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(src)))
	var table [1 << hashTableBits]int32 // position + 1 of the last four bytes with each hash
	lit := 0                            // the first byte not yet emitted
	for i := 0; i+4 <= len(src); {
		h := hash4(src, i)
		cand := int(table[h]) - 1
		table[h] = int32(i + 1)
		if cand < 0 || i-cand > 0xffff || !bytes.Equal(src[cand:cand+4], src[i:i+4]) {
			i++
			continue
		}
		n := 4
		for i+n < len(src) && src[cand+n] == src[i+n] {
			n++
		}
		dst = appendSnappyLiteral(dst, src[lit:i])
		dst = appendSnappyCopy(dst, i-cand, n)
		i += n
		lit = i
	}
	return appendSnappyLiteral(dst, src[lit:])
}

// appendSnappyLiteral appends lit as a literal element.
func appendSnappyLiteral(dst, lit []byte) []byte {
	if len(lit) == 0 {
		return dst
	}
	n := uint32(len(lit) - 1)
	switch {
	case n < 60:
		dst = append(dst, byte(n)<<2)
	case n < 1<<8:
		dst = append(dst, 60<<2, byte(n))
	case n < 1<<16:
		dst = append(dst, 61<<2, byte(n), byte(n>>8))
	case n < 1<<24:
		dst = append(dst, 62<<2, byte(n), byte(n>>8), byte(n>>16))
	default:
		dst = append(dst, 63<<2, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
	}
	return append(dst, lit...)
}

// appendSnappyCopy appends a copy of length bytes from offset back, in
// pieces of at most 64; the split leaves every piece at least 4 long, as
// Snappy's own encoder does, though decoders accept shorter ones.
func appendSnappyCopy(dst []byte, offset, length int) []byte {
	for length > 0 {
		n := length
		switch {
		case length >= 68:
			n = 64
		case length > 64:
			n = 60
		}
		if n <= 11 && offset < 2048 {
			dst = append(dst, byte(offset>>8)<<5|byte(n-4)<<2|1, byte(offset))
		} else {
			dst = append(dst, byte(n-1)<<2|2, byte(offset), byte(offset>>8))
		}
		length -= n
	}
	return dst
}

// LZ4.

const (
	lz4FrameMagic = 0x184D2204
	// Skippable frames carry data an LZ4 reader steps over. Kafka's
	// Lz4BlockInputStream refuses a stream that starts with one; this
	// decoder skips them as the lz4 tool does, which refuses nothing Kafka
	// reads.
	lz4SkippableMagic  = 0x184D2A50 // through 0x184D2A5F: frames to skip
	lz4FlagVersion     = 0x40       // FLG bits 7-6: version 01
	lz4FlagIndependent = 0x20
	lz4FlagBlockSum    = 0x10
	lz4FlagContentSize = 0x08
	lz4FlagContentSum  = 0x04
	// Kafka's writer stores a block as it is when compressing would not
	// shrink it (random or already compressed values), so consumers meet
	// this bit on any topic of such data.
	lz4BlockUncompessed = 0x80000000 // a block size's top bit
	// Kafka's frames: version 01 with independent blocks, no checksums, and
	// BD 0x40, blocks of at most 64 KiB (Lz4BlockOutputStream's defaults).
	lz4KafkaFLG       = lz4FlagVersion | lz4FlagIndependent
	lz4KafkaBD        = 4 << 4
	lz4KafkaBlockSize = 64 << 10
	// The block format's end rules: the last match starts at least 12
	// bytes before the end (MFLIMIT), and the last 5 bytes are literals.
	lz4MFLimit      = 12
	lz4LastLiterals = 5
)

// decodeLZ4 decodes one LZ4 frame, after any skippable frames. What
// follows the frame's end is ignored, as Kafka's Lz4BlockInputStream
// ignores it.
func decodeLZ4(src []byte, limit int) ([]byte, error) {
	for {
		if len(src) < 8 {
			return nil, errors.New("lz4 frame truncated")
		}
		magic := binary.LittleEndian.Uint32(src)
		if magic&^0xf != lz4SkippableMagic {
			if magic != lz4FrameMagic {
				return nil, fmt.Errorf("lz4 frame magic %#x", magic)
			}
			return decodeLZ4Frame(src[4:], limit)
		}
		n := binary.LittleEndian.Uint32(src[4:])
		if uint64(n) > uint64(len(src)-8) {
			return nil, errors.New("lz4 skippable frame truncated")
		}
		src = src[8+n:]
	}
}

// lz4Descriptor is what a frame's descriptor says about its blocks.
type lz4Descriptor struct {
	flags       byte
	blockMax    int
	contentSize uint64
}

// readLZ4Descriptor reads the frame descriptor after the magic, checks
// its checksum byte, and returns it with the bytes that follow.
func readLZ4Descriptor(src []byte) (lz4Descriptor, []byte, error) {
	var d lz4Descriptor
	if len(src) < 3 {
		return d, nil, errors.New("lz4 frame descriptor truncated")
	}
	flg, bd := src[0], src[1]
	switch {
	case flg&0xc0 != lz4FlagVersion:
		return d, nil, fmt.Errorf("lz4 frame version %d", flg>>6)
	case flg&0x03 != 0:
		return d, nil, errors.New("lz4 frame with a dictionary or reserved bits set")
	case flg&lz4FlagIndependent == 0:
		return d, nil, errors.New("lz4 frame of dependent blocks, which Kafka does not support")
	// BD may name any block size the format has, 64 KiB to 4 MiB: Kafka's
	// producer writes 64 KiB blocks, but franz-go's writer (pierrec/lz4
	// with its defaults) writes 4 MiB ones and a content checksum.
	case bd&0x8f != 0 || bd>>4 < 4:
		return d, nil, fmt.Errorf("lz4 block descriptor %#x", bd)
	}
	d.flags, d.blockMax = flg, 1<<(2*int(bd>>4)+8)
	descLen := 2
	if flg&lz4FlagContentSize != 0 {
		descLen += 8
		if len(src) < descLen+1 {
			return d, nil, errors.New("lz4 frame descriptor truncated")
		}
		d.contentSize = binary.LittleEndian.Uint64(src[2:])
	}
	// The checksum covers the descriptor alone, as the spec says. Kafka's
	// writer for magic 0 batches hashed the magic too (KIP-57 fixed it
	// for magic 1 and later); this broker serves magic 2 only, where every
	// client writes it the spec's way.
	if want := byte(xxhash32(src[:descLen], 0) >> 8); src[descLen] != want {
		return d, nil, fmt.Errorf("lz4 frame descriptor checksum %#x, want %#x", src[descLen], want)
	}
	return d, src[descLen+1:], nil
}

// decodeLZ4Frame decodes the descriptor and blocks of a frame.
func decodeLZ4Frame(src []byte, limit int) ([]byte, error) {
	d, src, err := readLZ4Descriptor(src)
	if err != nil {
		return nil, err
	}
	if d.flags&lz4FlagContentSize != 0 && d.contentSize > uint64(limit) {
		return nil, fmt.Errorf("%w: an lz4 frame claims %d bytes", errDecodedTooLarge, d.contentSize)
	}
	out := []byte{}
	for {
		if len(src) < 4 {
			return nil, errors.New("lz4 block size truncated")
		}
		size := binary.LittleEndian.Uint32(src)
		src = src[4:]
		if size == 0 {
			break
		}
		n := int(size &^ lz4BlockUncompessed)
		if n > d.blockMax || n > len(src) {
			return nil, fmt.Errorf("lz4 block of %d bytes (at most %d, %d left)", n, d.blockMax, len(src))
		}
		block := src[:n]
		src = src[n:]
		if d.flags&lz4FlagBlockSum != 0 {
			if len(src) < 4 || binary.LittleEndian.Uint32(src) != xxhash32(block, 0) {
				return nil, errors.New("lz4 block checksum mismatch")
			}
			src = src[4:]
		}
		// No block may decode past the descriptor's block size: Kafka's
		// reader decompresses into a buffer of that size and fails past
		// it, so such a frame could never have been read by Kafka.
		room := min(d.blockMax, limit-len(out))
		if size&lz4BlockUncompessed != 0 {
			if n > room {
				return nil, fmt.Errorf("%w: an lz4 block of %d bytes", errDecodedTooLarge, n)
			}
			out = append(out, block...)
		} else if out, err = decodeLZ4Block(out, block, room); err != nil {
			return nil, err
		}
	}
	// Kafka's reader skips the content checksum without checking it (a
	// TODO in Lz4BlockInputStream.readBlock). It is checked here, since
	// the writers that set the flag, pierrec/lz4 in franz-go first, also
	// compute it, and a mismatch means the records are not what was sent.
	if d.flags&lz4FlagContentSum != 0 {
		if len(src) < 4 || binary.LittleEndian.Uint32(src) != xxhash32(out, 0) {
			return nil, errors.New("lz4 content checksum mismatch")
		}
	}
	if d.flags&lz4FlagContentSize != 0 && uint64(len(out)) != d.contentSize {
		return nil, fmt.Errorf("lz4 frame decodes to %d bytes, claims %d", len(out), d.contentSize)
	}
	return out, nil
}

// decodeLZ4Block appends the decoding of one independent compressed block
// to dst, at most room bytes of it; matches reach back only within it.
func decodeLZ4Block(dst, src []byte, room int) ([]byte, error) {
	start := len(dst)
	end := start + room
	for {
		if len(src) == 0 {
			return nil, errors.New("lz4 block truncated")
		}
		token := src[0]
		src = src[1:]
		lits, used, err := lz4Length(src, int(token>>4), len(src))
		if err != nil {
			return nil, err
		}
		src = src[used:]
		if lits > len(src) {
			return nil, errors.New("lz4 literals overrun the block")
		}
		if lits > end-len(dst) {
			return nil, fmt.Errorf("%w: an lz4 block", errDecodedTooLarge)
		}
		dst = append(dst, src[:lits]...)
		src = src[lits:]
		if len(src) == 0 {
			return dst, nil // the last sequence has no match
		}
		if len(src) < 2 {
			return nil, errors.New("lz4 match offset truncated")
		}
		offset := int(binary.LittleEndian.Uint16(src))
		src = src[2:]
		if offset == 0 || offset > len(dst)-start {
			return nil, fmt.Errorf("lz4 match offset %d with %d bytes out", offset, len(dst)-start)
		}
		length, used, err := lz4Length(src, int(token&0xf), end-len(dst))
		if err != nil {
			return nil, err
		}
		src = src[used:]
		length += 4
		if length > end-len(dst) {
			return nil, fmt.Errorf("%w: an lz4 block", errDecodedTooLarge)
		}
		dst = appendCopy(dst, offset, length)
	}
}

// lz4Length reads a length whose first four bits n came in the token: 15
// means bytes follow, each added, until one below 255. Lengths past bound
// are refused as they grow, so no sum overflows.
func lz4Length(src []byte, n, bound int) (length, used int, err error) {
	if n < 15 {
		return n, 0, nil
	}
	for {
		if used == len(src) {
			return 0, 0, errors.New("lz4 length truncated")
		}
		b := src[used]
		used++
		n += int(b)
		if n > bound+15 {
			return 0, 0, errors.New("lz4 length overruns the block")
		}
		if b != 255 {
			return n, used, nil
		}
	}
}

// encodeLZ4 compresses src into a frame as Kafka's Lz4BlockOutputStream
// does: independent 64 KiB blocks, each stored as it is when compressing
// does not shrink it, no checksums but the descriptor's. Those choices
// are the ones every reader must take: Kafka's own refuses dependent
// blocks, and a reader that allocates per block needs no more than
// 64 KiB at a time.
func encodeLZ4(src []byte) []byte {
	dst := make([]byte, 0, 7+len(src)+len(src)/255+8*(len(src)/lz4KafkaBlockSize+1))
	dst = binary.LittleEndian.AppendUint32(dst, lz4FrameMagic)
	dst = append(dst, lz4KafkaFLG, lz4KafkaBD)
	dst = append(dst, byte(xxhash32(dst[4:6], 0)>>8))
	for len(src) > 0 {
		n := min(len(src), lz4KafkaBlockSize)
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		dst = encodeLZ4Block(dst, src[:n])
		size := uint32(len(dst) - at - 4)
		if int(size) >= n {
			dst = append(dst[:at+4], src[:n]...)
			size = uint32(n) | lz4BlockUncompessed
		}
		binary.LittleEndian.PutUint32(dst[at:], size)
		src = src[n:]
	}
	return binary.LittleEndian.AppendUint32(dst, 0) // end mark
}

// encodeLZ4Block appends src as one compressed block. It keeps the block
// format's end rules (lz4MFLimit, lz4LastLiterals) because the reference
// decoder, which lz4-java and so Kafka's reader follow, refuses as corrupt a
// block whose last match comes too close to its end.
func encodeLZ4Block(dst, src []byte) []byte {
	var table [1 << hashTableBits]int32 // position + 1, as in encodeSnappyBlock
	lit := 0
	for i := 0; i <= len(src)-lz4MFLimit; {
		h := hash4(src, i)
		cand := int(table[h]) - 1
		table[h] = int32(i + 1)
		if cand < 0 || i-cand > 0xffff || !bytes.Equal(src[cand:cand+4], src[i:i+4]) {
			i++
			continue
		}
		n := 4
		for i+n < len(src)-lz4LastLiterals && src[cand+n] == src[i+n] {
			n++
		}
		dst = appendLZ4Sequence(dst, src[lit:i], i-cand, n)
		i += n
		lit = i
	}
	return appendLZ4Sequence(dst, src[lit:], 0, 0)
}

// appendLZ4Sequence appends literals and a match of length bytes from
// offset back; a length of 0 writes the last sequence, literals only.
func appendLZ4Sequence(dst, lits []byte, offset, length int) []byte {
	ml := max(length-4, 0)
	dst = append(dst, byte(min(len(lits), 15))<<4|byte(min(ml, 15)))
	dst = appendLZ4Length(dst, len(lits))
	dst = append(dst, lits...)
	if length == 0 {
		return dst
	}
	dst = binary.LittleEndian.AppendUint16(dst, uint16(offset))
	return appendLZ4Length(dst, ml)
}

// appendLZ4Length appends what a token's 15 leaves of n.
func appendLZ4Length(dst []byte, n int) []byte {
	if n < 15 {
		return dst
	}
	for n -= 15; n >= 255; n -= 255 {
		dst = append(dst, 255)
	}
	return append(dst, byte(n))
}

// xxHash32 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md),
// the checksum of LZ4 frames.

const (
	xxPrime1 uint32 = 2654435761
	xxPrime2 uint32 = 2246822519
	xxPrime3 uint32 = 3266489917
	xxPrime4 uint32 = 668265263
	xxPrime5 uint32 = 374761393
)

// xxhash32 is XXH32(b, seed): four lanes over 16-byte stripes, then the
// remaining words and bytes, then the avalanche.
func xxhash32(b []byte, seed uint32) uint32 {
	n := len(b)
	var h uint32
	if n >= 16 {
		v1, v2, v3, v4 := seed+xxPrime1+xxPrime2, seed+xxPrime2, seed, seed-xxPrime1
		for ; len(b) >= 16; b = b[16:] {
			v1 = xxRound(v1, binary.LittleEndian.Uint32(b))
			v2 = xxRound(v2, binary.LittleEndian.Uint32(b[4:]))
			v3 = xxRound(v3, binary.LittleEndian.Uint32(b[8:]))
			v4 = xxRound(v4, binary.LittleEndian.Uint32(b[12:]))
		}
		h = bits.RotateLeft32(v1, 1) + bits.RotateLeft32(v2, 7) + bits.RotateLeft32(v3, 12) + bits.RotateLeft32(v4, 18)
	} else {
		h = seed + xxPrime5
	}
	h += uint32(n)
	for ; len(b) >= 4; b = b[4:] {
		h += binary.LittleEndian.Uint32(b) * xxPrime3
		h = bits.RotateLeft32(h, 17) * xxPrime4
	}
	for _, c := range b {
		h += uint32(c) * xxPrime5
		h = bits.RotateLeft32(h, 11) * xxPrime1
	}
	h ^= h >> 15
	h *= xxPrime2
	h ^= h >> 13
	h *= xxPrime3
	h ^= h >> 16
	return h
}

func xxRound(acc, in uint32) uint32 {
	return bits.RotateLeft32(acc+in*xxPrime2, 13) * xxPrime1
}
