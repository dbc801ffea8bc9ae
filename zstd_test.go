package kafka

// Tests of the zstd codec (zstd.go): frames made by real encoders
// (testdata/zstd, written by interop/cmd/zstdgen with klauspost/compress
// and libzstd's zstd command) decode to the bytes their MANIFEST names;
// the broker's own frames decode back; malformed frames are errors, never
// panics, and no frame decodes past the limit.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// zstdTestdata reads testdata/zstd's MANIFEST: per frame, its name, the
// length and the SHA-256 of its content.
func zstdTestdata(t testing.TB) []zstdFixture {
	f, err := os.Open("testdata/zstd/MANIFEST")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var fixtures []zstdFixture
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 {
			t.Fatalf("MANIFEST line %q", sc.Text())
		}
		size, err := strconv.Atoi(fields[1])
		if err != nil {
			t.Fatal(err)
		}
		frame, err := os.ReadFile(filepath.Join("testdata/zstd", fields[0]+".zst"))
		if err != nil {
			t.Fatal(err)
		}
		fixtures = append(fixtures, zstdFixture{fields[0], frame, size, fields[2]})
	}
	if len(fixtures) == 0 {
		t.Fatal("testdata/zstd/MANIFEST lists no frames")
	}
	return fixtures
}

type zstdFixture struct {
	name   string
	frame  []byte
	size   int
	sha256 string
}

func TestZstdDecodeRealFrames(t *testing.T) {
	for _, fx := range zstdTestdata(t) {
		t.Run(fx.name, func(t *testing.T) {
			out, err := decodeZstd(fx.frame, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(out)
			if len(out) != fx.size || hex.EncodeToString(sum[:]) != fx.sha256 {
				t.Fatalf("decoded %d bytes, sha256 %x; want %d bytes, %s", len(out), sum, fx.size, fx.sha256)
			}
			// One byte less than the content is too little room.
			if fx.size > 0 {
				if _, err := decodeZstd(fx.frame, fx.size-1); !errors.Is(err, errDecodedTooLarge) {
					t.Errorf("limit %d: %v, want errDecodedTooLarge", fx.size-1, err)
				}
			}
		})
	}
}

// TestZstdWorkedTrace decodes the frame that zstd.go's header takes apart
// byte by byte, and checks the predefined table states the trace names.
func TestZstdWorkedTrace(t *testing.T) {
	frame := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x04, 0x68, 0x65, 0x00, 0x00, 0x30,
		'k', 'a', 'f', 'k', 'a', ' ', 0x01, 0x00, 0x99, 0x4b, 0x11, 0xe3, 0xaf, 0x88, 0xa5}
	out, err := decodeZstd(frame, 100)
	if err != nil || string(out) != "kafka kafka kafka kafka" {
		t.Fatalf("decoded %q, %v", out, err)
	}
	if ll, of, ml := zstdLLPredefined.symbol(5), zstdOFPredefined.symbol(5), zstdMLPredefined.symbol(51); ll != 6 || of != 3 || ml != 14 {
		t.Errorf("states 5, 5, 51 are codes %d, %d, %d; the trace says 6, 3, 14", ll, of, ml)
	}
}

// TestZstdEncodeRoundTrip checks the broker's frames at the sizes where
// their layout changes: each width of the content size, one block and
// several, RLE blocks, and a frame of nothing.
func TestZstdEncodeRoundTrip(t *testing.T) {
	text := []byte(strings.Repeat(`{"key":"user-17","value":"some JSON"}`, 10000))
	for _, n := range []int{0, 1, 255, 256, 256 + 1<<16 - 1, 256 + 1<<16, zstdMaxBlockSize, zstdMaxBlockSize + 1, 300000} {
		data := text[:n]
		frame := encodeZstd(data)
		out, err := decodeZstd(frame, len(data))
		if err != nil || !bytes.Equal(out, data) {
			t.Errorf("%d bytes: decoded %d bytes, %v", n, len(out), err)
		}
		blocks := max(1, (n+zstdMaxBlockSize-1)/zstdMaxBlockSize)
		if overhead := len(frame) - n; overhead > 4+1+8+3*blocks+4 {
			t.Errorf("%d bytes: frame of %d, more than the header, block headers and checksum", n, len(frame))
		}
	}
	run := bytes.Repeat([]byte{'x'}, 200000)
	frame := encodeZstd(run)
	if out, err := decodeZstd(frame, len(run)); err != nil || !bytes.Equal(out, run) {
		t.Fatalf("a run of one byte: %v", err)
	}
	if len(frame) > 4+1+4+2*4+4 {
		t.Errorf("a run of one byte is %d bytes, want two RLE blocks", len(frame))
	}
}

// TestZstdXXH64 checks the content checksum against the xxHash spec's
// published values (the real frames of TestZstdDecodeRealFrames check it
// too, on longer input).
func TestZstdXXH64(t *testing.T) {
	for in, want := range map[string]uint64{"": 0xef46db3751d8e999, "abc": 0x44bc2cf5ad770999} {
		if got := xxhash64([]byte(in)); got != want {
			t.Errorf("XXH64(%q) = %#x, want %#x", in, got, want)
		}
	}
}

// TestZstdMalformed feeds frames that are wrong in one way each, and
// every prefix and many one-byte corruptions of real frames: each must be
// an error (or, for a corruption that the format cannot detect, decode),
// never a panic and never past the limit.
func TestZstdMalformed(t *testing.T) {
	frame := func(b ...byte) []byte { return append([]byte{0x28, 0xb5, 0x2f, 0xfd}, b...) }
	cases := []struct {
		name  string
		frame []byte
		want  string
	}{
		{"empty", nil, "no frame"},
		{"magic only", frame(), "no frame header"},
		{"bad magic", []byte{1, 2, 3, 4, 5}, "magic"},
		{"dictionary", frame(0x21, 0x07, 0), "dictionary 7"},
		{"reserved bit", frame(0x28, 0), "reserved bit"},
		{"no blocks", frame(0x20, 0), "block header"},
		{"reserved block type", frame(0x20, 1, 0x07, 0, 0, 0), "reserved block type"},
		{"raw past the end", frame(0x20, 4, 0x21, 0, 0, 'a'), "past the end"},
		{"size mismatch", frame(0x20, 2, 0x09, 0, 0, 'a'), "header says 2"},
		{"block over the window", frame(0x00, 0x00, 0x01, 0x40, 0), "more than the frame's"},
		{"treeless first", frame(0x20, 9, 0x25, 0, 0, 0x03, 0x00, 0x00, 0x01), "treeless"},
		{"repeat mode first", frame(0x20, 9, 0x35, 0, 0, 0x00, 0x01, 0xfc, 0x01, 0x01, 0x01), "repeat mode"},
		// One sequence, its three tables RLE of code 0: no literals,
		// Offset_Value 1, which without literals is the repeat offset 4,
		// and a match of 3, with nothing decoded yet.
		{"offset before the frame", frame(0x20, 16, 0x3d, 0, 0, 0x00, 0x01, 0x54, 0, 0, 0, 0x01), "offset 4"},
		{"skippable past the end", []byte{0x50, 0x2a, 0x4d, 0x18, 9, 0, 0, 0}, "skippable"},
		{"checksum", append(frame(0x24, 1, 0x09, 0, 0, 'a'), 0, 0, 0, 0), "checksum"},
	}
	for _, c := range cases {
		_, err := decodeZstd(c.frame, 1<<10)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.name, err, c.want)
		}
	}
	// A content size past the limit is refused before any block is read.
	if _, err := decodeZstd(frame(0xe0, 0, 0, 0, 0, 0, 0, 0, 1), 1<<20); !errors.Is(err, errDecodedTooLarge) {
		t.Errorf("content size 2^56: %v, want errDecodedTooLarge", err)
	}
	for _, fx := range zstdTestdata(t) {
		// Cut anywhere, a frame is an error (the multi-frame stream is
		// whole at its frames' ends, and is left out).
		for i := 1; i < len(fx.frame) && fx.name != "klauspost-multiframe"; i += 1 + len(fx.frame)/300 {
			if _, err := decodeZstd(fx.frame[:i], 1<<20); err == nil {
				t.Errorf("%s cut to %d bytes decoded", fx.name, i)
			}
		}
		for i := 0; i < len(fx.frame); i += 1 + len(fx.frame)/64 {
			bad := bytes.Clone(fx.frame)
			bad[i] ^= 0x5a
			if out, err := decodeZstd(bad, 1<<20); err == nil && len(out) > 1<<20 {
				t.Errorf("%s with byte %d flipped: %d bytes past the limit", fx.name, i, len(out))
			}
		}
	}
}

// FuzzZstdDecode checks that no input panics the decoder or makes it
// write past its limit, and that what it decodes, the encoder writes
// back as a frame it decodes the same. Seeds are the smaller real frames
// of testdata/zstd. Run it by hand for a minute:
//
//	go test -run '^$' -fuzz FuzzZstdDecode -fuzztime 60s
func FuzzZstdDecode(f *testing.F) {
	// Small frames only: a large seed makes each run, and the fuzzer's
	// minimizing of what it finds, slow.
	for _, fx := range zstdTestdata(f) {
		if fx.size <= 16<<10 {
			f.Add(fx.frame)
		}
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		const limit = 1 << 18
		out, err := decodeZstd(frame, limit)
		if err != nil {
			return
		}
		if len(out) > limit {
			t.Fatalf("%d bytes past the limit of %d", len(out), limit)
		}
		again, err := decodeZstd(encodeZstd(out), limit)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("re-encoded frame: %v", err)
		}
	})
}

// TestZstdEncodeTrace checks the claim of zstd.go's worked trace: for
// "kafka kafka kafka kafka" the encoder writes libzstd's block, in a
// single-segment frame.
func TestZstdEncodeTrace(t *testing.T) {
	want := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x17, 0x65, 0x00, 0x00, 0x30,
		'k', 'a', 'f', 'k', 'a', ' ', 0x01, 0x00, 0x99, 0x4b, 0x11, 0xe3, 0xaf, 0x88, 0xa5}
	if got := encodeZstd([]byte("kafka kafka kafka kafka")); !bytes.Equal(got, want) {
		t.Errorf("encoded\n% x\nwant\n% x", got, want)
	}
}

// TestZstdEncoderRatio checks the design note's claim: on Kafka-like JSON
// records the encoder does at least as well as codecs.go's lz4.
func TestZstdEncoderRatio(t *testing.T) {
	var records []byte
	for i := range 3000 {
		records = fmt.Appendf(records, `{"id":%d,"name":"user-%d","tags":["a","b"],"n":%d}`, i, i%37, i*i)
	}
	zstd, lz4 := encodeZstd(records), encodeLZ4(records)
	t.Logf("%d bytes of records: zstd %d, lz4 %d", len(records), len(zstd), len(lz4))
	if len(zstd) > len(lz4) {
		t.Errorf("zstd %d bytes, more than lz4's %d", len(zstd), len(lz4))
	}
	if out, err := decodeZstd(zstd, len(records)); err != nil || !bytes.Equal(out, records) {
		t.Errorf("round trip: %v", err)
	}
}

// TestProduceZstdNeedsV7 checks ProduceRequest.validateRecords' rule: a
// zstd batch in Produce v3-6 is refused with UNSUPPORTED_COMPRESSION_TYPE,
// and stored from v7 on; other codecs are taken at v3.
func TestProduceZstdNeedsV7(t *testing.T) {
	b := startBroker(t, t.TempDir())
	c := dial(t, b.addr)
	c.createTopic("z", 1)
	plain := appendBatch(nil, 1000, []record{{Key: []byte("k"), Value: []byte("v")}})
	body := encodeZstd(plain[batchHeaderSize:])
	zstd := append(bytes.Clone(plain[:batchHeaderSize]), body...)
	binary.BigEndian.PutUint32(zstd[batchLengthOffset:], uint32(len(zstd)-batchLogOverhead))
	binary.BigEndian.PutUint16(zstd[batchAttrOffset:], codecZstd)
	binary.BigEndian.PutUint32(zstd[batchCRCOffset:], crc32.Checksum(zstd[batchAttrOffset:], castagnoli))
	for _, tc := range []struct {
		version int16
		batch   []byte
		want    int16
	}{
		{3, plain, codeNone},
		{6, zstd, codeUnsupportedCompressionType},
		{7, zstd, codeNone},
	} {
		r := c.roundTrip(0, tc.version, false, func(w *writer) {
			w.NullableString(nil) // TransactionalId
			w.Int16(-1)
			w.Int32(1000)
			w.ArrayLen(1)
			w.String("z")
			w.ArrayLen(1)
			w.Int32(0)
			w.Bytes(tc.batch)
		})
		r.ArrayLen()
		_ = r.String()
		r.ArrayLen()
		r.Int32()
		if code := r.Int16(); r.err != nil || code != tc.want {
			t.Errorf("Produce v%d of a %s batch: error code %d (%v), want %d", tc.version, codecName(int(binary.BigEndian.Uint16(tc.batch[batchAttrOffset:])&7)), code, r.err, tc.want)
		}
	}
}
