// Tests of codecs.go: round trips through our encoders and decoders,
// hand-built streams of each element the formats have (written here from
// the format descriptions, so that the decoders are not only checked
// against our own encoders), malformed and oversized input, and fuzz
// targets. interop/codecs_test.go checks both directions against
// klauspost/compress and pierrec/lz4.
package kafka

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// codecInputs are the shapes records come in: nothing, a byte, text
// with repeats, random bytes, runs, and sizes around the block limits.
func codecInputs() map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	var records strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&records, `{"key":"user-%d","value":{"name":"n%d","count":%d}}`, i%97, i, i*7)
	}
	return map[string][]byte{
		"empty":      {},
		"one":        {'x'},
		"short":      []byte("abcabcabcabcabc"),
		"text":       []byte(records.String()),
		"random":     random(100_000),
		"zeros":      make([]byte, 200_000),
		"12":         []byte("aaaaaaaaaaaa"),
		"32KiB+1":    bytes.Repeat([]byte("0123456789abcdefg"), (32<<10)/17+1),
		"mixed64KiB": append(random(40_000), bytes.Repeat([]byte("xyz"), 30_000)...),
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for name, in := range codecInputs() {
		for _, codec := range []int{codecNone, codecGzip, codecSnappy, codecLZ4} {
			t.Run(codecName(codec)+"/"+name, func(t *testing.T) {
				enc, err := compress(codec, in, -1)
				if err != nil {
					t.Fatal(err)
				}
				dec, err := decompress(codec, enc, len(in))
				if err != nil {
					t.Fatalf("decompress: %v", err)
				}
				if !bytes.Equal(dec, in) {
					t.Fatalf("round trip of %d bytes gave %d bytes, different", len(in), len(dec))
				}
				if len(in) > 0 {
					if _, err := decompress(codec, enc, len(in)-1); codec != codecNone && !errors.Is(err, errDecodedTooLarge) {
						t.Fatalf("limit one byte short: err %v, want errDecodedTooLarge", err)
					}
				}
			})
		}
	}
}

// TestCodecCompresses checks that the encoders do compress what repeats
// (a stub that stored everything would pass the round trips).
func TestCodecCompresses(t *testing.T) {
	text := codecInputs()["text"]
	for _, codec := range []int{codecSnappy, codecLZ4} {
		enc, _ := compress(codec, text, -1)
		if len(enc)*3 > len(text) {
			t.Errorf("%s: %d bytes of JSON records became %d", codecName(codec), len(text), len(enc))
		}
	}
}

func TestXXHash32(t *testing.T) {
	// Values from the xxHash reference implementation (xxhsum -H0).
	for _, c := range []struct {
		in   string
		seed uint32
		want uint32
	}{
		{"", 0, 0x02cc5d05},
		{"a", 0, 0x550d7456},
		{"abc", 0, 0x32d153ff},
		{"Nobody inspects the spammish repetition", 0, 0xe2293b2f},
	} {
		if got := xxhash32([]byte(c.in), c.seed); got != c.want {
			t.Errorf("xxhash32(%q, %d) = %#x, want %#x", c.in, c.seed, got, c.want)
		}
	}
}

// TestSnappyHandBuilt decodes blocks written element by element from the
// format description: each tag kind, overlapping copies, and xerial
// framing of two blocks.
func TestSnappyHandBuilt(t *testing.T) {
	for _, c := range []struct {
		name  string
		block []byte
		want  string
	}{
		{"literal in tag", []byte{3, 2 << 2, 'a', 'b', 'c'}, "abc"},
		{"literal 1-byte length", append([]byte{61, 60 << 2, 60}, bytes.Repeat([]byte{'z'}, 61)...), strings.Repeat("z", 61)},
		{"copy-1 overlapping", []byte{10, 0, 'a', byte(6-4)<<2 | 1, 1, 0 << 2, 'b', 1<<2 | 2, 2, 0}, "aaaaaaab" + "ab"},
		{"copy-2", []byte{8, 3 << 2, 'w', 'x', 'y', 'z', 3<<2 | 2, 4, 0}, "wxyzwxyz"},
		{"copy-4", []byte{6, 2 << 2, 'k', 'l', 'm', 2<<2 | 3, 3, 0, 0, 0}, "klmklm"},
	} {
		got, err := decodeSnappy(c.block, 100)
		if err != nil || string(got) != c.want {
			t.Errorf("%s: %q, %v; want %q", c.name, got, err, c.want)
		}
	}
	framed := append([]byte(nil), xerialMagic...)
	framed = binary.BigEndian.AppendUint32(framed, 1)
	framed = binary.BigEndian.AppendUint32(framed, 1)
	for _, block := range [][]byte{{3, 2 << 2, 'a', 'b', 'c'}, {2, 1 << 2, 'd', 'e'}} {
		framed = binary.BigEndian.AppendUint32(framed, uint32(len(block)))
		framed = append(framed, block...)
	}
	if got, err := decodeSnappy(framed, 100); err != nil || string(got) != "abcde" {
		t.Errorf("xerial: %q, %v; want abcde", got, err)
	}
}

// TestLZ4HandBuilt decodes a frame written by hand: a compressed block
// with an overlapping match and a 15+ literal length, an uncompressed
// block, block and content checksums, and a content size.
func TestLZ4HandBuilt(t *testing.T) {
	lits := []byte("0123456789abcdefgh") // 18 literals: 15 + 3
	block := []byte{0xf0 | 6}            // literals 15+, match 4+6 = 10
	block = append(block, 3)
	block = append(block, lits...)
	block = append(block, 1, 0)                          // offset 1: repeat 'h'
	block = append(block, 0x50, 'T', 'A', 'I', 'L', '!') // last sequence, 5 literals
	want := string(lits) + strings.Repeat("h", 10) + "TAIL!" + "raw"

	desc := []byte{lz4FlagVersion | lz4FlagIndependent | lz4FlagBlockSum | lz4FlagContentSize | lz4FlagContentSum, 0x40}
	desc = binary.LittleEndian.AppendUint64(desc, uint64(len(want)))
	frame := binary.LittleEndian.AppendUint32(nil, lz4FrameMagic)
	frame = append(frame, desc...)
	frame = append(frame, byte(xxhash32(desc, 0)>>8))
	frame = binary.LittleEndian.AppendUint32(frame, uint32(len(block)))
	frame = append(frame, block...)
	frame = binary.LittleEndian.AppendUint32(frame, xxhash32(block, 0))
	frame = binary.LittleEndian.AppendUint32(frame, 3|lz4BlockUncompessed)
	frame = append(frame, "raw"...)
	frame = binary.LittleEndian.AppendUint32(frame, xxhash32([]byte("raw"), 0))
	frame = binary.LittleEndian.AppendUint32(frame, 0)
	frame = binary.LittleEndian.AppendUint32(frame, xxhash32([]byte(want), 0))

	got, err := decodeLZ4(frame, 1000)
	if err != nil || string(got) != want {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	// Each checksum is checked: flip a byte of the content checksum, then
	// of the header checksum.
	bad := bytes.Clone(frame)
	bad[len(bad)-1] ^= 1
	if _, err := decodeLZ4(bad, 1000); err == nil {
		t.Error("a wrong content checksum was accepted")
	}
	bad = bytes.Clone(frame)
	bad[4+len(desc)] ^= 1
	if _, err := decodeLZ4(bad, 1000); err == nil {
		t.Error("a wrong header checksum was accepted")
	}
	if _, err := decodeLZ4(frame, len(want)-1); !errors.Is(err, errDecodedTooLarge) {
		t.Errorf("content size over the limit: %v, want errDecodedTooLarge", err)
	}
}

// TestCodecMalformed feeds inputs that claim more than they hold or
// point outside what was decoded; each must fail without panicking or
// allocating what it claims.
func TestCodecMalformed(t *testing.T) {
	lz4Head := func(flg, bd byte) []byte {
		b := binary.LittleEndian.AppendUint32(nil, lz4FrameMagic)
		b = append(b, flg, bd, byte(xxhash32([]byte{flg, bd}, 0)>>8))
		return b
	}
	for _, c := range []struct {
		name  string
		codec int
		in    []byte
	}{
		{"snappy empty", codecSnappy, nil},
		{"snappy claims 4 GiB", codecSnappy, []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 0}},
		{"snappy copy before start", codecSnappy, []byte{4, 1<<2 | 2, 1, 0}},
		{"snappy literal overruns", codecSnappy, []byte{4, 10 << 2, 'a'}},
		{"snappy short of its length", codecSnappy, []byte{5, 1 << 2, 'a', 'b'}},
		{"snappy copy-4 huge offset", codecSnappy, []byte{4, 0, 'a', 2<<2 | 3, 0xff, 0xff, 0xff, 0xff}},
		{"xerial header only half", codecSnappy, append(bytes.Clone(xerialMagic), 0, 0)},
		{"xerial block past the end", codecSnappy, append(append(bytes.Clone(xerialMagic), 0, 0, 0, 1, 0, 0, 0, 1), 0x7f, 0xff, 0xff, 0xff, 1)},
		{"lz4 bad magic", codecLZ4, []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}},
		{"lz4 no end mark", codecLZ4, lz4Head(0x60, 0x40)},
		{"lz4 dependent blocks", codecLZ4, append(lz4Head(0x40, 0x40), 0, 0, 0, 0)},
		{"lz4 block size code 3", codecLZ4, append(lz4Head(0x60, 0x30), 0, 0, 0, 0)},
		{"lz4 block bigger than its max", codecLZ4, append(lz4Head(0x60, 0x40), 0x01, 0x00, 0x01, 0x80)},
		{"lz4 offset 0", codecLZ4, append(lz4Head(0x60, 0x40), 4, 0, 0, 0, 0x10, 'a', 0, 0, 0, 0, 0, 0)},
		{"lz4 offset past the start", codecLZ4, append(lz4Head(0x60, 0x40), 4, 0, 0, 0, 0x10, 'a', 2, 0, 0, 0, 0, 0)},
		{"lz4 endless length", codecLZ4, append(lz4Head(0x60, 0x40), 4, 0, 0, 0, 0xf0, 255, 255, 255, 0, 0, 0, 0)},
		{"lz4 claims 1 TiB", codecLZ4, func() []byte {
			d := binary.LittleEndian.AppendUint64([]byte{0x68, 0x40}, 1<<40)
			b := append(binary.LittleEndian.AppendUint32(nil, lz4FrameMagic), d...)
			return append(append(b, byte(xxhash32(d, 0)>>8)), 0, 0, 0, 0)
		}()},
		{"zstd", codecZstd, []byte{0x28, 0xb5, 0x2f, 0xfd}},
	} {
		if out, err := decompress(c.codec, c.in, 1<<20); err == nil {
			t.Errorf("%s: decoded %d bytes, want an error", c.name, len(out))
		}
	}
}

func FuzzSnappyDecode(f *testing.F) {
	for _, in := range codecInputs() {
		if len(in) < 5000 {
			f.Add(encodeXerial(in))
			f.Add(encodeSnappyBlock(nil, in))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := decodeSnappy(data, 1<<20)
		if err == nil && len(out) > 1<<20 {
			t.Fatalf("decoded %d bytes past the limit", len(out))
		}
		if err == nil && !bytes.HasPrefix(data, xerialMagic) {
			// What decodes must encode and decode back to itself.
			again, err := decodeSnappy(encodeXerial(out), len(out))
			if err != nil || !bytes.Equal(again, out) {
				t.Fatalf("re-encoding %d bytes: %v", len(out), err)
			}
		}
	})
}

func FuzzLZ4Decode(f *testing.F) {
	for _, in := range codecInputs() {
		if len(in) < 5000 {
			f.Add(encodeLZ4(in))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := decodeLZ4(data, 1<<20)
		if err == nil && len(out) > 1<<20 {
			t.Fatalf("decoded %d bytes past the limit", len(out))
		}
		if err == nil {
			again, err := decodeLZ4(encodeLZ4(out), len(out))
			if err != nil || !bytes.Equal(again, out) {
				t.Fatalf("re-encoding %d bytes: %v", len(out), err)
			}
		}
	})
}

// FuzzCodecRoundTrip checks the encoders on arbitrary input.
func FuzzCodecRoundTrip(f *testing.F) {
	f.Add([]byte("abcabcabcabcabcabcabc"))
	f.Add(make([]byte, 70000))
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, codec := range []int{codecSnappy, codecLZ4} {
			enc, _ := compress(codec, in, -1)
			out, err := decompress(codec, enc, len(in))
			if err != nil || !bytes.Equal(out, in) {
				t.Fatalf("%s round trip of %d bytes: %v", codecName(codec), len(in), err)
			}
		}
	})
}
