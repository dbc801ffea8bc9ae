package kafka

// Tests of the zstd codec (zstd.go): frames made by real encoders
// (testdata/zstd, written by interop/cmd/zstdgen with klauspost/compress
// and libzstd's zstd command) decode to the bytes their MANIFEST names;
// the broker's own frames decode back; malformed frames are errors, never
// panics, and no frame decodes past the limit.

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
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
