// This file holds the zstd codec of record batches: a decoder for the
// frames of RFC 8878 (https://www.rfc-editor.org/rfc/rfc8878) as Kafka's
// clients write them, and a small encoder whose frames every one of them
// reads. Kafka's Java client compresses through zstd-jni, librdkafka
// through libzstd, and franz-go and segmentio/kafka-go through
// klauspost/compress; all of them write the same frame format, which is
// what decodeZstd reads.
//
// Place in the book: Part IV, after codecs.go, whose decompress and
// compress call decodeZstd and encodeZstd for codec 4, and whose limit
// (every decoder writes at most limit bytes) and errors this file shares.
// It assumes nothing else; the format is explained here as it is read.
//
// A zstd stream is one or more frames back to back. A skippable frame (a
// magic 0x184D2A50-5F and a 4-byte length) is skipped. A zstd frame is:
//
//	magic      0xFD2FB528, little-endian
//	descriptor content size flag (2 bits), single segment, reserved,
//	           content checksum flag, dictionary id flag (2 bits)
//	window     1 byte, unless single segment: the history a match may reach
//	dict id    0-4 bytes; the broker has no dictionaries and refuses one
//	size       0-8 bytes, the decoded size (checked, never allocated)
//	blocks     3-byte header each: last flag, type, size
//	checksum   4 bytes if flagged: the low half of XXH64(content, seed 0)
//
// A block is raw (its bytes), RLE (one byte, repeated size times) or
// compressed. A compressed block is two sections. The literals section is
// the bytes that no match produced, stored raw, as one repeated byte, or
// Huffman-coded in one or four streams with a tree described in the block
// or, for a "treeless" block, the tree of the frame's previous one. The
// sequences section is a list of (literal length, offset, match length)
// triples: copy that many literals, then copy match length bytes from
// offset back in the output. Its three fields are coded as FSE (finite
// state entropy, tANS) symbols plus extra bits, each with its own table,
// which a block gives (predefined, one repeated symbol, a described table,
// or the previous block's). Offsets 1-3 mean one of three recent offsets,
// the "repeat offsets", which carry across the blocks of a frame.
//
// Two bitstreams run backwards: both Huffman literals and sequences are
// written forward by an encoder that flushes its state last, so a decoder
// starts at the final byte, whose highest set bit marks where the bits
// end, and reads toward the first. backwardBits does that; forwardBits
// reads the one forward stream, the description of an FSE table.
//
// A worked trace: the 25 bytes that libzstd's zstd -19 writes for the
// 23 bytes "kafka kafka kafka kafka" (TestZstdWorkedTrace decodes them):
//
//	28 b5 2f fd   magic
//	04            descriptor: no content size, not single segment,
//	              content checksum, no dictionary
//	68            window: exponent 13, mantissa 0: 2^23 bytes (8 MiB)
//	65 00 00      block header 0x000065: last, compressed, 12 bytes
//	30            literals header: raw, 1-byte form, 0x30>>3 = 6 literals
//	6b 61 66 6b 61 20
//	              the literals, "kafka "
//	01            one sequence
//	00            modes: all three tables predefined
//	99 4b 11      the sequence bitstream, read from its end
//	e3 af 88 a5   checksum: the low 32 bits of XXH64 of the 23 bytes
//
// The bitstream's last byte, 0x11, has its highest set bit at bit 4, so
// 20 bits are left below it: 0001 0100101110011001 (0x1, 0x4b, 0x99), of
// which the decoder takes, from the top, the three initial states, 6, 5
// and 6 bits wide (the predefined tables' accuracy logs), then the
// sequence's extra bits:
//
//	000101   literal length state 5: code 6, 6 literals, no extra bits
//	00101    offset state 5: code 3, so 3 extra bits follow
//	110011   match length state 51: code 14, a match of 14+3 = 17 bytes
//	001      the offset's extra bits: Offset_Value = 1<<3 + 1 = 9,
//	         which, above 3, is the offset 9-3 = 6
//
// Nothing is left, as the format requires. Executing the one sequence
// copies "kafka " and then 17 bytes from 6 back, a match that overlaps
// the bytes it writes, and so repeats "kafka " to make 23 bytes. It
// was the last sequence, so its states are not updated, and no literals
// remain to copy after it.
//
// The broker's encoder, given the same 23 bytes, writes this block byte
// for byte: it finds the same match, uses the same predefined tables,
// and picks the same states. Only its frame header differs, 24 17 in
// place of 04 68: a single segment whose content size, 23, is also its
// window, which a reader can allocate at once (TestZstdEncodeTrace).
//
// Every decoder of network input here obeys codecs.go's rules: output is
// capped at the caller's limit; no allocation is sized by a length read
// from the frame (a frame's content size and window size are checked, not
// trusted: the output grows as blocks decode, and a block is at most 128
// KiB); and malformed input, including a match that reaches before the
// frame's start or a bitstream not consumed exactly, is an error.
//
// Design note: the encoder is the least of zstd that compresses. It cuts
// the input into blocks of 128 KiB in one single-segment frame with its
// content size and checksum. A block that is one byte repeated is an RLE
// block. Otherwise it finds matches as codecs.go's lz4 encoder does
// (greedily, one candidate per hash of four bytes, anywhere earlier in
// the frame), stores the literals raw, never uses the repeat offsets, and
// codes the sequences with the three predefined FSE tables, so it writes
// no table and no Huffman tree; a block that does not shrink is stored
// raw. That gives up what zstd gains over lz4 on literals (Huffman) and
// on skewed lengths (tables fit to the block), so a Kafka batch of JSON
// records comes out near lz4's size rather than libzstd's (for the 164
// KiB of records of TestZstdEncoderRatio, 40 KiB against lz4's 41 and
// gzip's 25). The frames use only what every decoder must read, and
// interop/zstd_test.go reads them with klauspost/compress, libzstd,
// franz-go and kcat. There is one level, so compression.zstd.level has
// no effect. Huffman-coded literals are what this file would grow next:
// for text, literals are most of a compressed block.

package kafka

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

const (
	zstdMagic          = 0xFD2FB528
	zstdSkippableMagic = 0x184D2A50 // the low 4 bits are free
	zstdSkippableMask  = 0xFFFFFFF0

	// zstdMaxBlockSize is Block_Maximum_Size's ceiling: no block, in
	// either direction, holds more than 128 KiB of content.
	zstdMaxBlockSize = 128 << 10
)

// Block types, the two bits after a block header's last flag.
const (
	zstdBlockRaw        = 0
	zstdBlockRLE        = 1
	zstdBlockCompressed = 2
)

// errZstdCorrupt is every malformed frame; the wrapping error says where.
var errZstdCorrupt = errors.New("corrupt zstd frame")

func zstdCorrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errZstdCorrupt, fmt.Sprintf(format, args...))
}

// zstdDecoder holds what a frame carries from one block to the next: its
// output (all frames so far, since Kafka's records are their
// concatenation), the repeat offsets, and the entropy tables a later
// block may reuse.
type zstdDecoder struct {
	out        []byte
	limit      int
	frameStart int // where the current frame's output begins in out
	blockMax   int // Block_Maximum_Size: min(window, 128 KiB)
	blockEnd   int // where the output of the block being decoded must stop

	reps       [3]uint64
	huff       *huffTable // the last Huffman tree, for treeless literals
	ll, of, ml *fseTable  // the last sequence tables, for repeat mode
	literals   []byte     // scratch for decoded literals
}

// decodeZstd decodes src, one or more zstd and skippable frames, into at
// most limit bytes.
func decodeZstd(src []byte, limit int) ([]byte, error) {
	d := zstdDecoder{out: []byte{}, limit: limit}
	if len(src) == 0 {
		return nil, zstdCorrupt("no frame")
	}
	for len(src) > 0 {
		if len(src) < 4 {
			return nil, zstdCorrupt("%d bytes after the last frame", len(src))
		}
		magic := binary.LittleEndian.Uint32(src)
		switch {
		case magic == zstdMagic:
			n, err := d.frame(src[4:])
			if err != nil {
				return nil, err
			}
			src = src[4+n:]
		case magic&zstdSkippableMask == zstdSkippableMagic:
			if len(src) < 8 || uint64(binary.LittleEndian.Uint32(src[4:])) > uint64(len(src)-8) {
				return nil, zstdCorrupt("skippable frame past the end")
			}
			src = src[8+binary.LittleEndian.Uint32(src[4:]):]
		default:
			return nil, zstdCorrupt("magic %#08x", magic)
		}
	}
	return d.out, nil
}

// zstdFrameHeader is a frame header's fields that decoding needs.
type zstdFrameHeader struct {
	window      uint64 // Window_Size
	contentSize uint64 // Frame_Content_Size, if hasSize
	hasSize     bool
	checksum    bool
}

// frameHeader reads the header after the magic and returns its length.
func frameHeader(src []byte) (zstdFrameHeader, int, error) {
	var h zstdFrameHeader
	if len(src) < 1 {
		return h, 0, zstdCorrupt("no frame header")
	}
	fhd := src[0]
	sizeFlag, singleSegment, didFlag := fhd>>6, fhd&0x20 != 0, fhd&3
	h.checksum = fhd&0x04 != 0
	if fhd&0x08 != 0 {
		return h, 0, zstdCorrupt("reserved bit of the frame header set")
	}
	n := 1
	if !singleSegment {
		if len(src) < 2 {
			return h, 0, zstdCorrupt("no window descriptor")
		}
		// Window_Descriptor: 2^(10+exponent), plus mantissa eighths of it.
		exponent, mantissa := uint64(src[1]>>3), uint64(src[1]&7)
		base := uint64(1) << (10 + exponent)
		h.window = base + base/8*mantissa
		n++
	}
	didLen := [4]int{0, 1, 2, 4}[didFlag]
	sizeLen := [4]int{0, 2, 4, 8}[sizeFlag]
	if sizeFlag == 0 && singleSegment {
		sizeLen = 1
	}
	if len(src) < n+didLen+sizeLen {
		return h, 0, zstdCorrupt("frame header past the end")
	}
	if didLen > 0 && leUint(src[n:n+didLen]) != 0 {
		return h, 0, fmt.Errorf("zstd frame needs dictionary %d: the broker has no dictionaries", leUint(src[n:n+didLen]))
	}
	n += didLen
	if sizeLen > 0 {
		h.hasSize = true
		h.contentSize = leUint(src[n : n+sizeLen])
		if sizeLen == 2 {
			h.contentSize += 256 // the 2-byte form starts where 1 byte ends
		}
		n += sizeLen
	}
	if singleSegment {
		h.window = h.contentSize
	}
	return h, n, nil
}

// leUint reads a little-endian integer of 1 to 8 bytes.
func leUint(b []byte) uint64 {
	var v uint64
	for i := len(b) - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v
}

// frame decodes one zstd frame, src starting after its magic, and returns
// how many bytes of src it took. The window is what a streaming decoder
// must keep of past output for matches to reach; this one keeps the whole
// frame's output anyway (Kafka's records are needed whole), so the window
// only bounds the block size, and a match is checked against what the
// frame has produced so far. A frame from a valid encoder never reaches
// further back than its window; one that does is read here where libzstd
// would refuse it, which is lenient but safe, since every byte it copies
// is output this frame already made and within the limit. Each
// frame starts afresh: repeat offsets, Huffman tree and FSE tables do not
// carry from one frame to the next.
func (d *zstdDecoder) frame(src []byte) (int, error) {
	h, n, err := frameHeader(src)
	if err != nil {
		return 0, err
	}
	if h.hasSize && h.contentSize > uint64(d.limit-len(d.out)) {
		return 0, fmt.Errorf("%w (%d bytes)", errDecodedTooLarge, d.limit)
	}
	d.frameStart = len(d.out)
	d.blockMax = int(min(h.window, zstdMaxBlockSize))
	d.reps = [3]uint64{1, 4, 8} // RFC 8878 section 3.1.2.5
	d.huff, d.ll, d.of, d.ml = nil, nil, nil, nil
	for last := false; !last; {
		if len(src)-n < 3 {
			return 0, zstdCorrupt("block header past the end")
		}
		header := uint32(src[n]) | uint32(src[n+1])<<8 | uint32(src[n+2])<<16
		n += 3
		last = header&1 != 0
		size := int(header >> 3)
		m, err := d.block(int(header>>1)&3, size, src[n:])
		if err != nil {
			return 0, err
		}
		n += m
	}
	content := d.out[d.frameStart:]
	if h.hasSize && uint64(len(content)) != h.contentSize {
		return 0, zstdCorrupt("frame decodes to %d bytes, its header says %d", len(content), h.contentSize)
	}
	if h.checksum {
		if len(src)-n < 4 {
			return 0, zstdCorrupt("checksum past the end")
		}
		if binary.LittleEndian.Uint32(src[n:]) != uint32(xxhash64(content)) {
			return 0, zstdCorrupt("content checksum mismatch")
		}
		n += 4
	}
	return n, nil
}

// block decodes one block of the given type whose header says size, src
// starting after that header, and returns how many bytes of src it took.
func (d *zstdDecoder) block(typ, size int, src []byte) (int, error) {
	// A raw or RLE block's size is its content's; a compressed block's
	// is its own, and must be smaller than what it decodes to at most.
	if size > d.blockMax {
		return 0, zstdCorrupt("block of %d bytes, more than the frame's %d", size, d.blockMax)
	}
	stored := size
	if typ == zstdBlockRLE {
		stored = 1
	}
	if stored > len(src) {
		return 0, zstdCorrupt("block past the end")
	}
	if typ != zstdBlockCompressed && size > d.limit-len(d.out) {
		return 0, fmt.Errorf("%w (%d bytes)", errDecodedTooLarge, d.limit)
	}
	switch typ {
	case zstdBlockRaw:
		d.out = append(d.out, src[:size]...)
	case zstdBlockRLE:
		for range size {
			d.out = append(d.out, src[0])
		}
	case zstdBlockCompressed:
		if err := d.compressedBlock(src[:size]); err != nil {
			return 0, err
		}
	default:
		return 0, zstdCorrupt("reserved block type")
	}
	return stored, nil
}

// compressedBlock decodes a block's literals section, then its sequences,
// executing each sequence as it is read.
func (d *zstdDecoder) compressedBlock(src []byte) error {
	lits, n, err := d.literalsSection(src)
	if err != nil {
		return err
	}
	d.blockEnd = len(d.out) + d.blockMax
	return d.sequencesSection(src[n:], lits)
}

// Literals.

// Literals_Block_Type, the low two bits of a literals section.
const (
	zstdLiteralsRaw        = 0
	zstdLiteralsRLE        = 1
	zstdLiteralsCompressed = 2
	zstdLiteralsTreeless   = 3
)

// literalsSection returns a block's literals and the length of the
// section. Its header is 1 to 5 bytes: the type, a size format, then the
// regenerated size and, for Huffman-coded literals, the compressed size,
// in widths the size format picks (RFC 8878 section 3.1.1.3.1.1):
//
//	type        format  header  regenerated  compressed  streams
//	raw, RLE    x0      1 byte  5 bits       -           -
//	raw, RLE    01      2       12           -           -
//	raw, RLE    11      3       20           -           -
//	Huffman     00      3       10           10          1
//	Huffman     01      3       10           10          4
//	Huffman     10      4       14           14          4
//	Huffman     11      5       18           18          4
//
// All sizes are little-endian bit fields after the type's 2 bits and the
// format's 2 (or, for the 1-byte form, its 1 bit). Raw literals are used
// where they lie in the block, without a copy.
func (d *zstdDecoder) literalsSection(src []byte) ([]byte, int, error) {
	if len(src) == 0 {
		return nil, 0, zstdCorrupt("no literals section")
	}
	typ, format := int(src[0]&3), int(src[0]>>2)&3
	if typ == zstdLiteralsRaw || typ == zstdLiteralsRLE {
		var size, n int
		switch format {
		case 0, 2: // 1 byte, 5 bits of size
			size, n = int(src[0]>>3), 1
		case 1: // 2 bytes, 12 bits
			if len(src) < 2 {
				return nil, 0, zstdCorrupt("literals header past the end")
			}
			size, n = int(src[0]>>4)|int(src[1])<<4, 2
		case 3: // 3 bytes, 20 bits
			if len(src) < 3 {
				return nil, 0, zstdCorrupt("literals header past the end")
			}
			size, n = int(src[0]>>4)|int(src[1])<<4|int(src[2])<<12, 3
		}
		if size > d.blockMax {
			return nil, 0, zstdCorrupt("%d literals in a block of at most %d", size, d.blockMax)
		}
		if typ == zstdLiteralsRaw {
			if len(src)-n < size {
				return nil, 0, zstdCorrupt("raw literals past the end")
			}
			return src[n : n+size], n + size, nil
		}
		if len(src)-n < 1 {
			return nil, 0, zstdCorrupt("RLE literal past the end")
		}
		d.literals = d.literals[:0]
		for range size {
			d.literals = append(d.literals, src[n])
		}
		return d.literals, n + 1, nil
	}
	return d.huffmanLiterals(src, typ, format)
}

// huffmanLiterals reads a Huffman-coded literals section: its header, its
// tree (or, if treeless, the frame's last), and one stream or four.
func (d *zstdDecoder) huffmanLiterals(src []byte, typ, format int) ([]byte, int, error) {
	// Header widths: format 0 is one stream and formats 1-3 four; the
	// two sizes are 10, 10, 14 or 18 bits each, after the 4 bits of type
	// and format.
	headerLen := [4]int{3, 3, 4, 5}[format]
	sizeBits := [4]uint{10, 10, 14, 18}[format]
	if len(src) < headerLen {
		return nil, 0, zstdCorrupt("literals header past the end")
	}
	v := leUint(src[:headerLen]) >> 4
	mask := uint64(1)<<sizeBits - 1
	regenerated, compressed := int(v&mask), int(v>>sizeBits&mask)
	if regenerated > d.blockMax {
		return nil, 0, zstdCorrupt("%d literals in a block of at most %d", regenerated, d.blockMax)
	}
	if len(src)-headerLen < compressed {
		return nil, 0, zstdCorrupt("Huffman literals past the end")
	}
	streams := src[headerLen : headerLen+compressed]
	if typ == zstdLiteralsCompressed {
		table, n, err := readHuffmanTree(streams)
		if err != nil {
			return nil, 0, err
		}
		d.huff = table
		streams = streams[n:]
	} else if d.huff == nil {
		return nil, 0, zstdCorrupt("treeless literals without an earlier tree")
	}
	d.literals = d.literals[:0]
	var err error
	if format == 0 {
		d.literals, err = d.huff.decode(d.literals, streams, regenerated)
	} else {
		d.literals, err = d.huff.decode4(d.literals, streams, regenerated)
	}
	if err != nil {
		return nil, 0, err
	}
	return d.literals, headerLen + compressed, nil
}

// Huffman.

// huffTable decodes a Huffman stream by peeking maxBits bits: every
// entry whose index starts with a symbol's code holds that symbol and the
// length of its code, so a symbol of weight w fills 2^(w-1) entries.
type huffTable struct {
	maxBits uint8
	entries []huffEntry
}

type huffEntry struct {
	symbol, bits uint8
}

// zstdHuffMaxBits is the longest Huffman code the format allows.
const zstdHuffMaxBits = 11

// readHuffmanTree reads a Huffman tree description (RFC 8878 section
// 4.2.1): a header byte, then the weights of symbols 0 to n-1, either 4
// bits each (header >= 128: n = header-127) or FSE-coded in header bytes.
// The last symbol's weight is implied, since the weights must fill a
// power of two exactly.
func readHuffmanTree(src []byte) (*huffTable, int, error) {
	if len(src) == 0 {
		return nil, 0, zstdCorrupt("no Huffman tree")
	}
	var weights []uint8
	n := 1
	if header := int(src[0]); header >= 128 {
		count := header - 127
		n += (count + 1) / 2
		if len(src) < n {
			return nil, 0, zstdCorrupt("Huffman weights past the end")
		}
		for i := range count {
			b := src[1+i/2]
			if i%2 == 0 {
				weights = append(weights, b>>4)
			} else {
				weights = append(weights, b&15)
			}
		}
	} else {
		n += header
		if len(src) < n {
			return nil, 0, zstdCorrupt("Huffman weights past the end")
		}
		var err error
		if weights, err = fseHuffmanWeights(src[1:n]); err != nil {
			return nil, 0, err
		}
	}
	table, err := buildHuffmanTable(weights)
	return table, n, err
}

// fseHuffmanWeights decodes FSE-coded Huffman weights: a table of at
// most accuracy 6, then one backward bitstream read by two states in
// turn, which ends when reading a state's next bits would overrun it.
// Then the other state's symbol is the last (libzstd's
// FSE_decompress_usingDTable_generic ends the same way).
func fseHuffmanWeights(src []byte) ([]uint8, error) {
	table, n, err := readFSETable(src, 6, 255)
	if err != nil {
		return nil, err
	}
	br, err := newBackwardBits(src[n:])
	if err != nil {
		return nil, err
	}
	s1 := br.read(table.log)
	s2 := br.read(table.log)
	var weights []uint8
	for len(weights) < 255 {
		weights = append(weights, table.symbol(s1))
		s1 = table.next(s1, &br)
		if br.pos < 0 {
			return append(weights, table.symbol(s2)), nil
		}
		weights = append(weights, table.symbol(s2))
		s2 = table.next(s2, &br)
		if br.pos < 0 {
			return append(weights, table.symbol(s1)), nil
		}
	}
	return nil, zstdCorrupt("more than 255 Huffman weights")
}

// buildHuffmanTable turns the weights of symbols 0 to len-1 into a
// table, adding the last symbol's implied weight. A code has maxBits+1-w
// bits; codes are assigned from the lowest weight up, and within a
// weight by symbol, which is the order in which entries are filled. The
// RFC's example (section 4.2.1.3), six symbols of weights 4, 3, 2, 0, 1,
// and the implied 1, whose 2^(w-1) sum to 8 + 4 + 2 + 1 + 1 = 16, so
// maxBits is 4:
//
//	symbol  weight  bits  code  entries of the 16
//	4       1       4     0000  0
//	5       1       4     0001  1
//	2       2       3     001   2-3
//	1       3       2     01    4-7
//	0       4       1     1     8-15
//
// Peeking 4 bits 0110 lands on entry 6: symbol 1, and 2 bits are read.
func buildHuffmanTable(weights []uint8) (*huffTable, error) {
	if len(weights) > 255 {
		return nil, zstdCorrupt("%d Huffman weights", len(weights))
	}
	total := 0
	for _, w := range weights {
		if w > zstdHuffMaxBits {
			return nil, zstdCorrupt("Huffman weight %d", w)
		}
		if w > 0 {
			total += 1 << (w - 1)
		}
	}
	if total == 0 {
		return nil, zstdCorrupt("Huffman tree with no symbol")
	}
	maxBits := bits.Len(uint(total)) // the power of two above total
	left := 1<<maxBits - total
	if maxBits > zstdHuffMaxBits || left&(left-1) != 0 {
		return nil, zstdCorrupt("Huffman weights sum to %d", total)
	}
	weights = append(weights, uint8(bits.Len(uint(left))))
	t := &huffTable{maxBits: uint8(maxBits), entries: make([]huffEntry, 1<<maxBits)}
	next := 0
	for w := 1; w <= maxBits; w++ {
		for s, sw := range weights {
			if int(sw) != w {
				continue
			}
			for range 1 << (w - 1) {
				t.entries[next] = huffEntry{symbol: uint8(s), bits: uint8(maxBits + 1 - w)}
				next++
			}
		}
	}
	return t, nil
}

// decode appends count symbols of one Huffman stream to dst. The stream
// must end exactly where its last symbol does.
func (t *huffTable) decode(dst, stream []byte, count int) ([]byte, error) {
	br, err := newBackwardBits(stream)
	if err != nil {
		return nil, err
	}
	for range count {
		e := t.entries[br.peek(t.maxBits)]
		br.pos -= int(e.bits)
		dst = append(dst, e.symbol)
	}
	if br.pos != 0 {
		return nil, zstdCorrupt("Huffman stream of %d bits left over", br.pos)
	}
	return dst, nil
}

// decode4 decodes four Huffman streams, behind a jump table of three
// little-endian uint16 sizes (the fourth is what remains). The first
// three decode (count+3)/4 symbols each, the fourth the rest.
func (t *huffTable) decode4(dst, src []byte, count int) ([]byte, error) {
	if len(src) < 6 {
		return nil, zstdCorrupt("no jump table")
	}
	sizes := [4]int{int(binary.LittleEndian.Uint16(src)), int(binary.LittleEndian.Uint16(src[2:])), int(binary.LittleEndian.Uint16(src[4:]))}
	sizes[3] = len(src) - 6 - sizes[0] - sizes[1] - sizes[2]
	each := (count + 3) / 4
	if sizes[3] < 0 || count < 3*each {
		return nil, zstdCorrupt("jump table")
	}
	src = src[6:]
	var err error
	for i, size := range sizes {
		n := each
		if i == 3 {
			n = count - 3*each
		}
		if dst, err = t.decode(dst, src[:size], n); err != nil {
			return nil, err
		}
		src = src[size:]
	}
	return dst, nil
}

// FSE.

// fseTable decodes one FSE-coded field. In state s, the symbol is
// entries[s].symbol, and the next state is entries[s].base plus the next
// entries[s].bits bits of the stream. FSE is tANS: a table of 2^log
// states in which each symbol holds as many states as its normalized
// probability, so that a likely symbol is reached from many states and,
// leaving its state, needs few bits to say which of many next states
// follows. A symbol of probability p in a table of size N costs about
// log2(N/p) bits, fractional on average, which Huffman's whole-bit
// codes cannot match; zstd uses it where symbols are skewed (lengths and
// offset codes) and Huffman where speed matters more (literals).
type fseTable struct {
	log     uint8
	entries []fseEntry
}

type fseEntry struct {
	symbol, bits uint8
	base         uint16
}

func (t *fseTable) symbol(state uint64) uint8 { return t.entries[state].symbol }

func (t *fseTable) next(state uint64, br *backwardBits) uint64 {
	e := t.entries[state]
	return uint64(e.base) + br.read(e.bits)
}

// readFSETable reads an FSE table description (RFC 8878 section
// 4.1.1), a forward bitstream: 4 bits of accuracy log minus 5, then each
// symbol's probability in as few bits as the probability left allows,
// where -1 means "less than 1", and a 0 is followed by 2-bit counts of
// further zeros (3 meaning "and more"). It returns the table and the
// whole bytes the description took.
func readFSETable(src []byte, maxLog uint8, maxSymbol int) (*fseTable, int, error) {
	fb := forwardBits{src: src}
	accuracy := uint8(fb.read(4)) + 5
	if accuracy > maxLog {
		return nil, 0, zstdCorrupt("FSE accuracy %d, more than %d", accuracy, maxLog)
	}
	var probs []int16
	remaining, threshold, width := 1<<accuracy+1, 1<<accuracy, accuracy+1
	for remaining > 1 {
		if len(probs) > maxSymbol {
			return nil, 0, zstdCorrupt("FSE symbol past %d", maxSymbol)
		}
		// Values below small fit in width-1 bits; the rest need width.
		small := 2*threshold - 1 - remaining
		v := int(fb.peek(width))
		value := v & (threshold - 1)
		if value < small {
			fb.pos += int(width) - 1
		} else {
			value = v & (2*threshold - 1)
			if value >= threshold {
				value -= small
			}
			fb.pos += int(width)
		}
		prob := value - 1
		probs = append(probs, int16(prob))
		remaining -= max(prob, -prob)
		if prob == 0 {
			for {
				repeat := int(fb.read(2))
				for range repeat {
					probs = append(probs, 0)
				}
				if len(probs) > maxSymbol+1 {
					return nil, 0, zstdCorrupt("FSE symbol past %d", maxSymbol)
				}
				if repeat != 3 {
					break
				}
			}
		}
		if remaining < 1 {
			return nil, 0, zstdCorrupt("FSE probabilities past the table")
		}
		for remaining < threshold {
			width--
			threshold >>= 1
		}
	}
	if remaining != 1 || fb.pos > 8*len(src) {
		return nil, 0, zstdCorrupt("FSE table description")
	}
	t, err := buildFSETable(probs, accuracy)
	return t, (fb.pos + 7) / 8, err
}

// buildFSETable spreads symbols over a table of 2^accuracy states as the
// RFC's section 4.1.1 does: symbols of probability -1 take one state each
// from the top down; the others are placed one state at a time, stepping
// by 5/8 of the table plus 3 and skipping those top states. Then each
// symbol's states, in order, get the baselines that share its next
// states among them.
func buildFSETable(probs []int16, accuracy uint8) (*fseTable, error) {
	size := 1 << accuracy
	t := &fseTable{log: accuracy, entries: make([]fseEntry, size)}
	next := make([]int, len(probs))
	high := size - 1
	for s, p := range probs {
		next[s] = int(p)
		if p == -1 {
			if high < 0 {
				return nil, zstdCorrupt("FSE table overfull")
			}
			t.entries[high].symbol = uint8(s)
			high--
			next[s] = 1
		}
	}
	step, mask, pos := size>>1+size>>3+3, size-1, 0
	for s, p := range probs {
		for range int(p) {
			if high < 0 {
				return nil, zstdCorrupt("FSE table overfull")
			}
			t.entries[pos].symbol = uint8(s)
			for pos = (pos + step) & mask; pos > high; pos = (pos + step) & mask {
			}
		}
	}
	if pos != 0 {
		return nil, zstdCorrupt("FSE probabilities do not fill the table")
	}
	for i := range t.entries {
		e := &t.entries[i]
		n := next[e.symbol]
		next[e.symbol]++
		e.bits = accuracy - uint8(bits.Len(uint(n))-1)
		e.base = uint16(n<<e.bits - size)
	}
	return t, nil
}

// rleFSETable is the table of Symbol_Compression_Mode RLE: one symbol in
// every position, read with no bits.
func rleFSETable(symbol uint8) *fseTable {
	return &fseTable{entries: []fseEntry{{symbol: symbol}}}
}

// Sequences.

// The three fields of a sequence, in the order of the modes byte and of
// the tables' descriptions: literal length, offset, match length. Each
// has its predefined distribution (RFC 8878 section 3.1.1.3.2.2), its
// largest accuracy log and its largest code.
var (
	zstdLLPredefined = mustFSETable([]int16{4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1,
		2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1}, 6)
	zstdOFPredefined = mustFSETable([]int16{1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1}, 5)
	zstdMLPredefined = mustFSETable([]int16{1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		-1, -1, -1, -1, -1, -1, -1}, 6)
)

func mustFSETable(probs []int16, accuracy uint8) *fseTable {
	t, err := buildFSETable(probs, accuracy)
	if err != nil {
		panic(err) // the RFC's constants, checked when the package loads
	}
	return t
}

// zstdCode is a literal or match length code's value: baseline plus the
// next extra bits of the stream.
type zstdCode struct {
	baseline uint32
	extra    uint8
}

// Literal length codes 0-15 are the length itself; 16-35 add extra bits
// (RFC 8878 section 3.1.1.3.2.1.1).
var zstdLLCodes = func() (c [36]zstdCode) {
	for i := range 16 {
		c[i] = zstdCode{uint32(i), 0}
	}
	copy(c[16:], []zstdCode{{16, 1}, {18, 1}, {20, 1}, {22, 1}, {24, 2}, {28, 2}, {32, 3}, {40, 3},
		{48, 4}, {64, 6}, {128, 7}, {256, 8}, {512, 9}, {1024, 10}, {2048, 11}, {4096, 12},
		{8192, 13}, {16384, 14}, {32768, 15}, {65536, 16}})
	return c
}()

// Match length codes 0-31 are the length minus 3, the shortest match;
// 32-52 add extra bits.
var zstdMLCodes = func() (c [53]zstdCode) {
	for i := range 32 {
		c[i] = zstdCode{uint32(i + 3), 0}
	}
	copy(c[32:], []zstdCode{{35, 1}, {37, 1}, {39, 1}, {41, 1}, {43, 2}, {47, 2}, {51, 3}, {59, 3},
		{67, 4}, {83, 4}, {99, 5}, {131, 7}, {259, 8}, {515, 9}, {1027, 10}, {2051, 11},
		{4099, 12}, {8195, 13}, {16387, 14}, {32771, 15}, {65539, 16}})
	return c
}()

// zstdMaxOffsetCode is the largest offset code a decoder must take: an
// offset code N reads N extra bits, and offsets stay below 2^31.
const zstdMaxOffsetCode = 31

// sequencesSection reads a block's sequence count and tables, then
// decodes and executes its sequences against lits.
func (d *zstdDecoder) sequencesSection(src, lits []byte) error {
	count, n, err := sequenceCount(src)
	if err != nil {
		return err
	}
	src = src[n:]
	if count == 0 {
		if len(src) != 0 {
			return zstdCorrupt("%d bytes after an empty sequences section", len(src))
		}
		return d.emit(lits)
	}
	if len(src) < 1 || src[0]&3 != 0 {
		return zstdCorrupt("sequence modes byte")
	}
	modes := src[0]
	src = src[1:]
	// The tables come in the order literal length, offset, match length,
	// each in the mode its two bits of the modes byte name.
	for _, f := range []struct {
		mode       byte
		table      **fseTable
		predefined *fseTable
		maxLog     uint8
		maxSymbol  int
	}{
		{modes >> 6, &d.ll, zstdLLPredefined, 9, len(zstdLLCodes) - 1},
		{modes >> 4 & 3, &d.of, zstdOFPredefined, 8, zstdMaxOffsetCode},
		{modes >> 2 & 3, &d.ml, zstdMLPredefined, 9, len(zstdMLCodes) - 1},
	} {
		n, err := sequenceTable(src, f.mode, f.table, f.predefined, f.maxLog, f.maxSymbol)
		if err != nil {
			return err
		}
		src = src[n:]
	}
	return d.sequences(src, lits, count)
}

// sequenceCount reads Number_of_Sequences: one byte below 128, two below
// 0xFF00 (the first minus 128 is the high byte), else 0xFF and a
// little-endian uint16 plus 0x7F00.
func sequenceCount(src []byte) (int, int, error) {
	switch {
	case len(src) < 1:
		return 0, 0, zstdCorrupt("no sequences section")
	case src[0] < 128:
		return int(src[0]), 1, nil
	case src[0] < 255 && len(src) >= 2:
		return int(src[0]-128)<<8 | int(src[1]), 2, nil
	case src[0] == 255 && len(src) >= 3:
		return int(binary.LittleEndian.Uint16(src[1:])) + 0x7F00, 3, nil
	}
	return 0, 0, zstdCorrupt("sequence count past the end")
}

// Symbol_Compression_Mode values.
const (
	zstdModePredefined = 0
	zstdModeRLE        = 1
	zstdModeFSE        = 2
	zstdModeRepeat     = 3
)

// sequenceTable sets *table for a mode and returns the bytes it read.
func sequenceTable(src []byte, mode byte, table **fseTable, predefined *fseTable, maxLog uint8, maxSymbol int) (int, error) {
	switch mode {
	case zstdModePredefined:
		*table = predefined
	case zstdModeRLE:
		if len(src) < 1 || int(src[0]) > maxSymbol {
			return 0, zstdCorrupt("RLE sequence symbol")
		}
		*table = rleFSETable(src[0])
		return 1, nil
	case zstdModeFSE:
		t, n, err := readFSETable(src, maxLog, maxSymbol)
		if err != nil {
			return 0, err
		}
		*table = t
		return n, nil
	case zstdModeRepeat:
		if *table == nil {
			return 0, zstdCorrupt("repeat mode without an earlier table")
		}
	}
	return 0, nil
}

// sequences decodes count sequences from one backward bitstream and
// executes them. The stream starts with the initial states of the
// literal length, offset and match length tables; each sequence then
// reads the offset's extra bits, the match length's and the literal
// length's, and, unless it is the last, updates the states in the order
// literal length, match length, offset (RFC 8878 section 3.1.1.3.2.2).
func (d *zstdDecoder) sequences(src, lits []byte, count int) error {
	br, err := newBackwardBits(src)
	if err != nil {
		return err
	}
	ll := br.read(d.ll.log)
	of := br.read(d.of.log)
	ml := br.read(d.ml.log)
	for i := range count {
		ofCode, llCode, mlCode := d.of.symbol(of), d.ll.symbol(ll), d.ml.symbol(ml)
		if ofCode > zstdMaxOffsetCode {
			return zstdCorrupt("offset code %d", ofCode)
		}
		offsetValue := uint64(1)<<ofCode + br.read(ofCode)
		mlc, llc := zstdMLCodes[mlCode], zstdLLCodes[llCode]
		matchLen := int(mlc.baseline) + int(br.read(mlc.extra))
		litLen := int(llc.baseline) + int(br.read(llc.extra))
		if i < count-1 {
			ll = d.ll.next(ll, &br)
			ml = d.ml.next(ml, &br)
			of = d.of.next(of, &br)
		}
		if br.pos < 0 {
			return zstdCorrupt("sequences past the bitstream")
		}
		if litLen > len(lits) {
			return zstdCorrupt("sequence takes %d literals, %d left", litLen, len(lits))
		}
		if err := d.emit(lits[:litLen]); err != nil {
			return err
		}
		lits = lits[litLen:]
		if err := d.match(d.offset(offsetValue, litLen), matchLen); err != nil {
			return err
		}
	}
	if br.pos != 0 {
		return zstdCorrupt("sequence bitstream of %d bits left over", br.pos)
	}
	return d.emit(lits)
}

// offset turns an Offset_Value into an offset and updates the repeat
// offsets (RFC 8878 section 3.1.2.5). Values above 3 are the offset plus
// 3. Values 1-3 name a repeat offset, shifted by one when the sequence
// has no literals, where 1 would repeat the match just made and the
// shifted value 3 means the first repeat offset minus one. A returned 0
// is no valid offset, and match refuses it. With repeat offsets r1, r2,
// r3 before the sequence:
//
//	value  literals  offset   repeat offsets after
//	> 3    any       value-3  value-3, r1, r2
//	1      > 0       r1       unchanged
//	2      > 0       r2       r2, r1, r3
//	3      > 0       r3       r3, r1, r2
//	1      0         r2       r2, r1, r3
//	2      0         r3       r3, r1, r2
//	3      0         r1-1     r1-1, r1, r2
//
// Kafka's records repeat field names at the same distance record after
// record, which is what these three slots catch cheaply.
func (d *zstdDecoder) offset(value uint64, litLen int) uint64 {
	if value > 3 {
		d.reps = [3]uint64{value - 3, d.reps[0], d.reps[1]}
		return value - 3
	}
	i := value
	if litLen == 0 {
		i++
	}
	switch i {
	case 1:
		return d.reps[0]
	case 2:
		d.reps = [3]uint64{d.reps[1], d.reps[0], d.reps[2]}
	case 3:
		d.reps = [3]uint64{d.reps[2], d.reps[0], d.reps[1]}
	default:
		d.reps = [3]uint64{d.reps[0] - 1, d.reps[0], d.reps[1]}
	}
	return d.reps[0]
}

// room checks that n more bytes of a compressed block fit both the
// block, so that a few bytes of sequences cannot expand without bound
// before the end of the block is reached, and the caller's limit.
func (d *zstdDecoder) room(n int) error {
	if n > d.blockEnd-len(d.out) {
		return zstdCorrupt("block decodes to more than %d bytes", d.blockMax)
	}
	if n > d.limit-len(d.out) {
		return fmt.Errorf("%w (%d bytes)", errDecodedTooLarge, d.limit)
	}
	return nil
}

// emit appends literals to the output.
func (d *zstdDecoder) emit(lits []byte) error {
	if err := d.room(len(lits)); err != nil {
		return err
	}
	d.out = append(d.out, lits...)
	return nil
}

// match copies length bytes from offset back in the frame's output; a
// match longer than its offset repeats the bytes it copies.
func (d *zstdDecoder) match(offset uint64, length int) error {
	if offset == 0 || offset > uint64(len(d.out)-d.frameStart) {
		return zstdCorrupt("offset %d with %d bytes decoded", offset, len(d.out)-d.frameStart)
	}
	if err := d.room(length); err != nil {
		return err
	}
	from := len(d.out) - int(offset)
	for length > 0 {
		n := min(length, int(offset))
		d.out = append(d.out, d.out[from:from+n]...)
		from += n
		length -= n
	}
	return nil
}

// Bitstreams.
//
// Design note: the readers load up to eight bytes for every read and keep
// no bit container between reads. A decoder tuned for speed (libzstd's
// BIT_DStream) keeps a 64-bit register it refills, and checks for the
// start of the stream once per refill rather than once per read; here a
// read is a few shifts and a bounds check on the slice, which is slower
// but has one place where a bit position becomes an index. The broker
// decodes only what a topic's configs, the cleaner or a lookup by
// timestamp need, never a batch on the default produce or fetch path, so
// the simpler reader is the better trade until a benchmark says
// otherwise.

// backwardBits reads a bitstream from its end: bits [0, pos) of src, as
// one little-endian number, are those not yet read, and each read takes
// the highest. The last byte's highest set bit is a marker, not data.
// Reading past the start yields zeros and leaves pos negative, which the
// callers check where the format says a stream must end.
type backwardBits struct {
	src []byte
	pos int
}

func newBackwardBits(src []byte) (backwardBits, error) {
	if len(src) == 0 || src[len(src)-1] == 0 {
		return backwardBits{}, zstdCorrupt("bitstream without an end marker")
	}
	return backwardBits{src: src, pos: 8*(len(src)-1) + bits.Len8(src[len(src)-1]) - 1}, nil
}

// peek returns the next n bits (n <= 56) without reading them.
func (b *backwardBits) peek(n uint8) uint64 {
	start := b.pos - int(n)
	switch {
	case n == 0 || b.pos <= 0:
		return 0
	case start >= 0:
		return bitsAt(b.src, start, n)
	default:
		return bitsAt(b.src, 0, uint8(b.pos)) << -start
	}
}

func (b *backwardBits) read(n uint8) uint64 {
	v := b.peek(n)
	b.pos -= int(n)
	return v
}

// forwardBits reads a bitstream from its start, lowest bits first;
// reading past the end yields zeros, and pos says how far it went.
type forwardBits struct {
	src []byte
	pos int
}

func (f *forwardBits) peek(n uint8) uint64 { return bitsAt(f.src, f.pos, n) }

func (f *forwardBits) read(n uint8) uint64 {
	v := f.peek(n)
	f.pos += int(n)
	return v
}

// bitsAt returns n bits (n <= 56) of src from bit start, src read as a
// little-endian number, with zeros past its end.
func bitsAt(src []byte, start int, n uint8) uint64 {
	i := start >> 3
	var v uint64
	if i+8 <= len(src) {
		v = binary.LittleEndian.Uint64(src[i:])
	} else if i < len(src) {
		v = leUint(src[i:])
	}
	return v >> (start & 7) & (1<<n - 1)
}

// XXH64.

// xxHash64 (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md)
// checks a frame's content: the frame keeps the low 32 bits of its hash
// with seed 0. The primes are the spec's.
const (
	xxh64Prime1 uint64 = 0x9E3779B185EBCA87
	xxh64Prime2 uint64 = 0xC2B2AE3D27D4EB4F
	xxh64Prime3 uint64 = 0x165667B19E3779F9
	xxh64Prime4 uint64 = 0x85EBCA77C2B2AE63
	xxh64Prime5 uint64 = 0x27D4EB2F165667C5
)

func xxh64Round(acc, lane uint64) uint64 {
	return bits.RotateLeft64(acc+lane*xxh64Prime2, 31) * xxh64Prime1
}

func xxh64Merge(acc, v uint64) uint64 {
	return (acc^xxh64Round(0, v))*xxh64Prime1 + xxh64Prime4
}

// xxhash64 is XXH64(b, 0): four lanes over 32-byte stripes, then the
// tail in 8-, 4- and 1-byte steps, then an avalanche.
func xxhash64(b []byte) uint64 {
	n := uint64(len(b))
	var h uint64
	if len(b) >= 32 {
		// Seed 0 plus primes 1 and 2, plus prime 2, 0, minus prime 1,
		// all wrapping as uint64s do.
		p1 := xxh64Prime1
		v1, v2, v3, v4 := p1+xxh64Prime2, xxh64Prime2, uint64(0), -p1
		for ; len(b) >= 32; b = b[32:] {
			v1 = xxh64Round(v1, binary.LittleEndian.Uint64(b))
			v2 = xxh64Round(v2, binary.LittleEndian.Uint64(b[8:]))
			v3 = xxh64Round(v3, binary.LittleEndian.Uint64(b[16:]))
			v4 = xxh64Round(v4, binary.LittleEndian.Uint64(b[24:]))
		}
		h = bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) + bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
		h = xxh64Merge(xxh64Merge(xxh64Merge(xxh64Merge(h, v1), v2), v3), v4)
	} else {
		h = xxh64Prime5
	}
	h += n
	for ; len(b) >= 8; b = b[8:] {
		h ^= xxh64Round(0, binary.LittleEndian.Uint64(b))
		h = bits.RotateLeft64(h, 27)*xxh64Prime1 + xxh64Prime4
	}
	if len(b) >= 4 {
		h ^= uint64(binary.LittleEndian.Uint32(b)) * xxh64Prime1
		h = bits.RotateLeft64(h, 23)*xxh64Prime2 + xxh64Prime3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * xxh64Prime5
		h = bits.RotateLeft64(h, 11) * xxh64Prime1
	}
	h ^= h >> 33
	h *= xxh64Prime2
	h ^= h >> 29
	h *= xxh64Prime3
	h ^= h >> 32
	return h
}

// Encoding.

// encodeZstd writes data as one zstd frame (see the design note): a
// single-segment header with the content size, so that a reader's window
// is exactly the content, blocks of at most 128 KiB, and the content
// checksum. Five records of 20 bytes that do not repeat become:
//
//	28 b5 2f fd   magic
//	24            descriptor: 1-byte content size, single segment, checksum
//	64            content size 100
//	21 03 00      block header 0x000321: last, raw, 100 bytes
//	...           the 100 bytes
//	xx xx xx xx   checksum
//
// 112 bytes in all: 12 more than the records, the most a frame adds to a
// block that does not shrink. The content size lets a reader allocate
// once; zstd-jni, as Kafka's consumer uses it, streams and does not need
// it, but librdkafka sizes its buffer from it.
func encodeZstd(data []byte) []byte {
	dst := binary.LittleEndian.AppendUint32(make([]byte, 0, len(data)/2+32), zstdMagic)
	const singleSegment, checksum = 0x20, 0x04
	n := uint64(len(data))
	switch {
	case n < 256:
		dst = append(dst, singleSegment|checksum, byte(n))
	case n < 256+1<<16:
		dst = append(dst, 1<<6|singleSegment|checksum)
		dst = binary.LittleEndian.AppendUint16(dst, uint16(n-256))
	case n < 1<<32:
		dst = append(dst, 2<<6|singleSegment|checksum)
		dst = binary.LittleEndian.AppendUint32(dst, uint32(n))
	default:
		dst = append(dst, 3<<6|singleSegment|checksum)
		dst = binary.LittleEndian.AppendUint64(dst, n)
	}
	m := zstdMatcher{data: data}
	for start := 0; ; {
		end := min(start+zstdMaxBlockSize, len(data))
		dst = m.appendBlock(dst, start, end, end == len(data))
		if start = end; start == len(data) {
			break
		}
	}
	return binary.LittleEndian.AppendUint32(dst, uint32(xxhash64(data)))
}

// zstdMatcher finds the matches of one frame's content, greedily through
// a hash of the next four bytes, as codecs.go's lz4 encoder does. Its
// table holds positions in the whole frame, so a block's matches may
// reach into earlier blocks: the frame's window is all of its content.
type zstdMatcher struct {
	data  []byte
	table [1 << hashTableBits]int32 // position + 1, 0 for none
}

// zstdSequence is one sequence as the encoder finds it.
type zstdSequence struct {
	litLen, offset, matchLen int
}

const (
	// zstdMinMatch is the shortest match the encoder takes: the four
	// bytes its hash covers (the format allows 3).
	zstdMinMatch = 4
	// zstdMaxOffset keeps offset codes at 28 and below, the largest the
	// predefined offset table holds.
	zstdMaxOffset = 1<<28 - 3
)

// appendBlock appends data[start:end] as one block: RLE if it is one byte
// repeated, compressed if that is smaller, and raw otherwise.
func (m *zstdMatcher) appendBlock(dst []byte, start, end int, last bool) []byte {
	block := m.data[start:end]
	header := uint32(len(block)) << 3
	if last {
		header |= 1
	}
	if len(block) > 1 && isOneByte(block) {
		header |= zstdBlockRLE << 1
		return append(dst, byte(header), byte(header>>8), byte(header>>16), block[0])
	}
	if body := m.compressedBlock(start, end); body != nil && len(body) < len(block) {
		header = uint32(len(body))<<3 | zstdBlockCompressed<<1 | header&1
		dst = append(dst, byte(header), byte(header>>8), byte(header>>16))
		return append(dst, body...)
	}
	dst = append(dst, byte(header), byte(header>>8), byte(header>>16))
	return append(dst, block...)
}

// compressedBlock returns the body of a compressed block for
// data[start:end], or nil if it finds no match: raw literals, then the
// sequences coded with the predefined tables.
func (m *zstdMatcher) compressedBlock(start, end int) []byte {
	if len(m.data) > 1<<30 {
		return nil // positions are int32s; Kafka's batches are far smaller
	}
	var seqs []zstdSequence
	lits := make([]byte, 0, end-start)
	litStart := start
	for i := start; i+zstdMinMatch <= end; {
		h := hash4(m.data, i)
		cand := int(m.table[h]) - 1
		m.table[h] = int32(i + 1)
		if cand < 0 || i-cand > zstdMaxOffset || binary.LittleEndian.Uint32(m.data[cand:]) != binary.LittleEndian.Uint32(m.data[i:]) {
			i++
			continue
		}
		n := zstdMinMatch
		for i+n < end && m.data[cand+n] == m.data[i+n] {
			n++
		}
		seqs = append(seqs, zstdSequence{litLen: i - litStart, offset: i - cand, matchLen: n})
		lits = append(lits, m.data[litStart:i]...)
		i += n
		litStart = i
	}
	if len(seqs) == 0 {
		return nil
	}
	lits = append(lits, m.data[litStart:end]...)
	return appendZstdSequences(appendRawLiterals(nil, lits), seqs)
}

// appendRawLiterals appends a raw literals section: its header in the
// shortest of the three forms the size fits (see literalsSection's
// table), then the literals.
func appendRawLiterals(dst, lits []byte) []byte {
	n := len(lits)
	switch {
	case n < 1<<5:
		dst = append(dst, byte(n<<3))
	case n < 1<<12:
		dst = append(dst, byte(n<<4|1<<2), byte(n>>4))
	default:
		dst = append(dst, byte(n<<4|3<<2), byte(n>>4), byte(n>>12))
	}
	return append(dst, lits...)
}

// appendZstdSequences appends a sequences section for seqs, with all
// three fields in the predefined mode: the count, a modes byte of 0, then
// one backward bitstream. The decoder reads that stream from its end
// (sequences' doc: the initial states, then per sequence the offset's,
// match length's and literal length's extra bits and, but for the last,
// the state updates), so the encoder writes the same bits in the reverse
// order: the last sequence's first, the initial states last.
//
// A state is chosen backward too. The decoder, leaving state s, reads
// bits b and enters base(s)+b; the states of one symbol have ranges
// [base, base+2^bits) that cover the table once between them, so for the
// symbol to emit and the state the decoder must enter next there is
// exactly one state to come from, which zstdFSEEncoder looks up.
func appendZstdSequences(dst []byte, seqs []zstdSequence) []byte {
	n := len(seqs)
	switch {
	case n < 128:
		dst = append(dst, byte(n))
	case n < 0x7F00:
		dst = append(dst, byte(n>>8+128), byte(n))
	default:
		dst = append(dst, 255, byte(n-0x7F00), byte((n-0x7F00)>>8))
	}
	dst = append(dst, 0) // modes: predefined, predefined, predefined

	// Each field's code and extra bits, then its states, last to first.
	var fields [3]zstdField // literal length, offset, match length
	for i, f := range []*zstdFSEEncoder{zstdLLEncoder, zstdOFEncoder, zstdMLEncoder} {
		fields[i] = zstdField{enc: f, codes: make([]uint8, n), extra: make([]uint32, n), extraBits: make([]uint8, n)}
	}
	for i, s := range seqs {
		fields[0].set(i, zstdLLCodes[:], s.litLen)
		fields[2].set(i, zstdMLCodes[:], s.matchLen)
		// Offset_Value is offset+3: this encoder uses no repeat offsets.
		value := uint32(s.offset + 3)
		code := uint8(bits.Len32(value) - 1)
		fields[1].codes[i], fields[1].extra[i], fields[1].extraBits[i] = code, value-1<<code, code
	}
	for i := range fields {
		fields[i].chooseStates()
	}
	ll, of, ml := &fields[0], &fields[1], &fields[2]
	var w zstdBitWriter
	for i := n - 1; i >= 0; i-- {
		w.write(ll.extra[i], ll.extraBits[i])
		w.write(ml.extra[i], ml.extraBits[i])
		w.write(of.extra[i], of.extraBits[i])
		if i > 0 { // the updates that led into sequence i
			of.writeTransition(&w, i-1)
			ml.writeTransition(&w, i-1)
			ll.writeTransition(&w, i-1)
		}
	}
	w.write(uint32(ml.states[0]), ml.enc.table.log)
	w.write(uint32(of.states[0]), of.enc.table.log)
	w.write(uint32(ll.states[0]), ll.enc.table.log)
	return append(dst, w.close()...)
}

// zstdField is one field of every sequence of a block, as written: its
// codes and extra bits, and the FSE states that emit the codes.
type zstdField struct {
	enc       *zstdFSEEncoder
	codes     []uint8
	extra     []uint32
	extraBits []uint8
	states    []uint16
}

// set stores value as sequence i's code of a length table and its extra
// bits: the largest code whose baseline does not exceed it.
func (f *zstdField) set(i int, codes []zstdCode, value int) {
	c := len(codes) - 1
	for int(codes[c].baseline) > value {
		c--
	}
	f.codes[i], f.extra[i], f.extraBits[i] = uint8(c), uint32(value)-codes[c].baseline, codes[c].extra
}

// chooseStates picks each sequence's state, from the last: any state of
// the last code will do, and each earlier one is the state of its code
// that leads into the one after it.
func (f *zstdField) chooseStates() {
	n := len(f.codes)
	f.states = make([]uint16, n)
	f.states[n-1] = f.enc.from[f.codes[n-1]][0]
	for i := n - 2; i >= 0; i-- {
		f.states[i] = f.enc.from[f.codes[i]][f.states[i+1]]
	}
}

// writeTransition writes the bits that take the decoder from sequence
// i's state to sequence i+1's.
func (f *zstdField) writeTransition(w *zstdBitWriter, i int) {
	e := f.enc.table.entries[f.states[i]]
	w.write(uint32(f.states[i+1]-e.base), e.bits)
}

// zstdFSEEncoder inverts a decoding table: from[symbol][next] is the state
// of symbol whose range of next states holds next.
type zstdFSEEncoder struct {
	table *fseTable
	from  [][]uint16
}

func newZstdFSEEncoder(t *fseTable, symbols int) *zstdFSEEncoder {
	e := &zstdFSEEncoder{table: t, from: make([][]uint16, symbols)}
	for s := range e.from {
		e.from[s] = make([]uint16, len(t.entries))
	}
	for state, entry := range t.entries {
		for next := int(entry.base); next < int(entry.base)+1<<entry.bits; next++ {
			e.from[entry.symbol][next] = uint16(state)
		}
	}
	return e
}

// The encoders of the predefined tables, the only ones appendZstdSequences
// writes with. Offset codes stop at 28, the predefined table's last.
var (
	zstdLLEncoder = newZstdFSEEncoder(zstdLLPredefined, len(zstdLLCodes))
	zstdOFEncoder = newZstdFSEEncoder(zstdOFPredefined, 29)
	zstdMLEncoder = newZstdFSEEncoder(zstdMLPredefined, len(zstdMLCodes))
)

// zstdBitWriter writes a bitstream forward, lowest bits first, for
// backwardBits to read from the end.
type zstdBitWriter struct {
	out  []byte
	acc  uint64
	bits uint8
}

// write appends the low n bits of v (n <= 32).
func (w *zstdBitWriter) write(v uint32, n uint8) {
	w.acc |= uint64(v) & (1<<n - 1) << w.bits
	w.bits += n
	for w.bits >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.bits -= 8
	}
}

// close ends the stream with the marker bit the reader looks for.
func (w *zstdBitWriter) close() []byte {
	w.write(1, 1)
	if w.bits > 0 {
		w.out = append(w.out, byte(w.acc))
	}
	return w.out
}

// isOneByte reports whether b is one byte repeated.
func isOneByte(b []byte) bool {
	for _, c := range b[1:] {
		if c != b[0] {
			return false
		}
	}
	return true
}
