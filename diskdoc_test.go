// This file writes docs/disk.md: a partition directory after a few
// produces and a clean stop, with its .index and .timeindex dumped entry by
// entry and the first batch header of its .log field by field. TestDiskDoc
// fails when the files drift from the page; KAFKA_UPDATE_DOCS=1 go test
// -run TestDiskDoc rewrites it.

package kafka_test

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kafka"
)

// TestDiskDoc produces six batches of about 1 KB each, a second apart by
// their timestamps, stops the broker, and describes what it left on disk.
func TestDiskDoc(t *testing.T) {
	dir := t.TempDir()
	b, err := kafka.Open(kafka.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	value := []byte(strings.Repeat("x", 1000))
	if _, err := produce(conn, "orders", []byte("k0"), value); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 6; i++ {
		batch := recordBatchAt([]byte(fmt.Sprintf("k%d", i)), value, 1700000000000+int64(i)*1000)
		if _, err := produceBatch(conn, "orders", batch); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	part := filepath.Join(dir, "orders-0")
	entries, err := os.ReadDir(part)
	if err != nil {
		t.Fatal(err)
	}
	var listing strings.Builder
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&listing, "    %-34s %6d bytes\n", e.Name(), info.Size())
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(part, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	const segment = "00000000000000000000"

	var offsets strings.Builder
	offsets.WriteString("| bytes | relative offset | position in .log |\n|---|---:|---:|\n")
	idx := read(segment + ".index")
	for len(idx) >= 8 {
		fmt.Fprintf(&offsets, "| `%x` | %d | %d |\n", idx[:8], binary.BigEndian.Uint32(idx), binary.BigEndian.Uint32(idx[4:]))
		idx = idx[8:]
	}
	var times strings.Builder
	times.WriteString("| bytes | timestamp (ms) | relative offset |\n|---|---:|---:|\n")
	tidx := read(segment + ".timeindex")
	for len(tidx) >= 12 {
		fmt.Fprintf(&times, "| `%x` | %d | %d |\n", tidx[:12], binary.BigEndian.Uint64(tidx), binary.BigEndian.Uint32(tidx[8:]))
		tidx = tidx[12:]
	}

	// The first batch's header, read back through the dump of wire.md.
	logFile := read(segment + ".log")
	r := &reading{b: logFile[:61]}
	r.int64("base offset")
	r.int32("batch length")
	r.int32("partition leader epoch (the broker's)")
	r.next("magic", 1, func(b []byte) any { return b[0] })
	r.next("CRC-32C", 4, func(b []byte) any { return fmt.Sprintf("0x%08x", binary.BigEndian.Uint32(b)) })
	r.int16("attributes")
	r.int32("last offset delta")
	r.int64("base timestamp (ms)")
	r.int64("max timestamp (ms)")
	r.int64("producer id")
	r.int16("producer epoch")
	r.int32("base sequence")
	r.int32("record count")
	if r.err != nil {
		t.Fatal(r.err)
	}

	meta := strings.TrimSpace(string(read("partition.metadata")))
	// The topic id is random: the page shows its form, not this run's value.
	lines := strings.Split(meta, "\n")
	for i, l := range lines {
		if id, ok := strings.CutPrefix(l, "topic_id: "); ok && len(id) == 22 {
			lines[i] = "topic_id: " + strings.Repeat("X", 22)
		}
	}

	page := fmt.Sprintf(diskPage, listing.String(), "    "+strings.Join(lines, "\n    ")+"\n",
		offsets.String(), times.String(), hex.EncodeToString(logFile[:61]), r.markdown(), kafka.DataDirFilesDoc())
	checkDocPage(t, "docs/disk.md", page, "wrote", "TestDiskDoc")
}

// checkDocPage fails t unless the page at path is page, as the test named
// test made it from what the broker did (say, "wrote"); with
// KAFKA_UPDATE_DOCS=1 it writes page there first.
func checkDocPage(t *testing.T, path, page, did, test string) {
	t.Helper()
	if os.Getenv("KAFKA_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(page), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != page {
		t.Errorf("%s differs from what the broker %s; KAFKA_UPDATE_DOCS=1 go test -run %s rewrites it", path, did, test)
	}
}

const diskPage = `# A partition on disk

This page is written by TestDiskDoc (diskdoc_test.go) from the files a
broker left behind, and the test fails when they drift from it. The broker
was given six batches for partition 0 of the topic "orders", one record of
about 1 KB each, with CreateTime timestamps one second apart, and then
stopped cleanly. log.go explains the layout; it is Apache Kafka's, so
kafka-dump-log.sh reads the .log as well.

## The directory

One directory per partition, <topic>-<partition>, and in it one segment:
a .log and its two indexes, named by the segment's base offset in twenty
digits.

%s
partition.metadata holds the topic id (KIP-516), base64 without padding,
which survives a restart and tells a new topic from an old one of the same
name:

%s
## The offset index

Sparse: an entry is added once at least log.index.interval.bytes (4096) of
batches have been appended since the previous one, giving a batch's last
offset, relative to the segment's base, and the batch's position in the
.log. A read of offset n starts from the last entry at or below n and
scans batch headers forward from there.

%s
## The time index

Written at the same moments, when the largest timestamp so far has grown:
the largest timestamp so far and the relative offset of the batch that
brought it, so that ListOffsets by time scans the .log from an entry
rather than from the segment's start. Rolling to a new segment adds a last
entry, the segment's largest timestamp; this segment is still the active
one, so the last batch (timestamp 1700000005000) has no entry yet.

%s
## The first batch of the .log

The batch as the producer sent it (see wire.md), but for the two fields
in front of the CRC that the broker sets: the base offset it assigned and
the partition leader epoch. Its first 61 bytes, the header:

    %s

%s
## Every file of the data dir

The partition above is one of the dirs of a data dir. This table lists
everything else the broker writes there, how, and what a start does with
each file when it finds it damaged: cut short, emptied, overwritten,
deleted or a directory in its place. It comes from datadirdoc_test.go,
where TestDataDirFilesDocumented checks that a broker that has used every
feature leaves no file the table misses, and TestDamageMatrix damages each
kind of file each of those ways and checks what the broker then does.

%s`
