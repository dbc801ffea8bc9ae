// Command zstdgen writes the zstd frames that the broker's decoder
// (zstd.go) is tested against, made by two independent encoders:
// klauspost/compress, which franz-go and segmentio/kafka-go compress
// with, at each of its levels and options, and the zstd command of the
// reference library, libzstd, which librdkafka links and zstd-jni wraps,
// at levels 1 to 19. Each frame is name.zst in the output directory, and
// MANIFEST lists, per frame, the length and SHA-256 of what it decodes
// to, so that the inputs themselves need not be stored.
//
//	cd interop && go run ./cmd/zstdgen -out ../testdata/zstd
//
// The inputs are deterministic (a seeded generator), and chosen to reach
// every part of the format: an empty input, one byte, a run of one byte
// (RLE blocks and literals), Kafka-like JSON records (matches, repeat
// offsets, Huffman literals in one and four streams, FSE tables), random
// bytes (raw blocks and literals), and over 128 KiB of mixed data
// (several blocks, treeless literals and repeated tables).
package main

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"fmt"
	"log"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"github.com/klauspost/compress/zstd"
)

func main() {
	out := flag.String("out", "../testdata/zstd", "directory for the frames and MANIFEST")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	frames := map[string][]byte{}   // name -> frame
	contents := map[string][]byte{} // name -> what it decodes to
	add := func(name string, frame, content []byte) {
		frames[name], contents[name] = frame, content
	}
	for _, in := range inputs() {
		for _, lvl := range []zstd.EncoderLevel{zstd.SpeedFastest, zstd.SpeedDefault, zstd.SpeedBetterCompression, zstd.SpeedBestCompression} {
			for _, crc := range []bool{false, true} {
				if !crc && lvl != zstd.SpeedDefault {
					continue // one frame without a checksum per input is enough
				}
				enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(lvl), zstd.WithEncoderCRC(crc))
				if err != nil {
					log.Fatal(err)
				}
				add(fmt.Sprintf("klauspost-%s-%s-crc%v", in.name, lvl, crc), enc.EncodeAll(in.data, nil), in.data)
			}
		}
		if frame, ok := libzstd(in.data, "-19"); ok {
			add("libzstd-"+in.name+"-19", frame, in.data)
		}
		for _, lvl := range []string{"-1", "-3", "-9"} {
			if frame, ok := libzstd(in.data, lvl); ok && in.name != "empty" {
				add("libzstd-"+in.name+lvl, frame, in.data)
			}
		}
	}
	// Several frames back to back, with a skippable frame between, as a
	// stream of batches concatenated would arrive.
	enc, _ := zstd.NewWriter(nil)
	a, b := []byte("first frame, "), bytes.Repeat([]byte("second frame "), 50)
	multi := enc.EncodeAll(a, nil)
	multi = append(multi, 0x5A, 0x2A, 0x4D, 0x18, 3, 0, 0, 0, 'x', 'y', 'z')
	multi = enc.EncodeAll(b, multi)
	add("klauspost-multiframe", multi, append(append([]byte{}, a...), b...))
	// A stream as the streaming writer writes it (no content size in
	// the header, a window instead of a single segment).
	var buf bytes.Buffer
	sw, _ := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
	stream := inputs()[3].data
	sw.Write(stream)
	sw.Close()
	add("klauspost-stream", buf.Bytes(), stream)

	var names []string
	for name := range frames {
		names = append(names, name)
	}
	sort.Strings(names)
	var manifest bytes.Buffer
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(*out, name+".zst"), frames[name], 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(&manifest, "%s %d %x\n", name, len(contents[name]), sha256.Sum256(contents[name]))
	}
	if err := os.WriteFile(filepath.Join(*out, "MANIFEST"), manifest.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}

type input struct {
	name string
	data []byte
}

func inputs() []input {
	rnd := rand.New(rand.NewSource(1))
	random := make([]byte, 3000)
	rnd.Read(random)
	var records bytes.Buffer
	for i := range 400 {
		fmt.Fprintf(&records, `{"id":%d,"name":"user-%d","tags":["a","b"],"n":%d}`, i, i%37, i*i)
	}
	// Over 128 KiB: text that mostly repeats, with some noise.
	var mixed bytes.Buffer
	words := []string{"kafka", "broker", "partition", "offset", "record", "batch", "zstd", "frame"}
	for i := 0; mixed.Len() < 140<<10; i++ {
		if rnd.Intn(400) == 0 {
			noise := make([]byte, rnd.Intn(100))
			rnd.Read(noise)
			mixed.Write(noise)
		}
		word := words[i%len(words)]
		if rnd.Intn(20) == 0 {
			word = words[rnd.Intn(len(words))]
		}
		fmt.Fprintf(&mixed, "%s-%d ", word, i%7)
	}
	return []input{
		{"empty", nil},
		{"onebyte", []byte{'k'}},
		{"run", bytes.Repeat([]byte{'z'}, 5000)},
		{"records", records.Bytes()},
		{"random", random},
		{"mixed", mixed.Bytes()},
	}
}

// libzstd compresses data with the zstd command, if there is one.
func libzstd(data []byte, level string) ([]byte, bool) {
	path, err := exec.LookPath("zstd")
	if err != nil {
		return nil, false
	}
	cmd := exec.Command(path, "-q", "-c", level, "--check")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		log.Fatalf("zstd %s: %v", level, err)
	}
	return out, true
}
