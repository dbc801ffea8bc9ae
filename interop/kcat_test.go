package interop

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
)

// kcat runs kcat with args and stdin and returns its stdout; on failure or
// timeout it fails the test with kcat's stderr.
func kcat(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	path := requireTool(t, "kcat")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat %s: %v (context: %v)\nstderr:\n%s\nstdout:\n%s", strings.Join(args, " "), err, ctx.Err(), stderr.String(), stdout.String())
	}
	if stderr.Len() > 0 {
		t.Logf("kcat %s stderr:\n%s", strings.Join(args, " "), stderr.String())
	}
	return stdout.String()
}

// TestKcatMetadata lists the cluster with kcat -L.
func TestKcatMetadata(t *testing.T) {
	requireTool(t, "kcat")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	createTopic(t, ctx, kadm.NewClient(newClient(t, addr)), 2, "kcat-listed")

	out := kcat(t, "", "-b", addr, "-L")
	for _, want := range []string{
		"1 brokers:",
		fmt.Sprintf("broker 0 at %s", addr),
		`topic "kcat-listed" with 2 partitions:`,
		"partition 0, leader 0, replicas: 0, isrs: 0",
		"partition 1, leader 0, replicas: 0, isrs: 0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("kcat -L output lacks %q:\n%s", want, out)
		}
	}
}

// TestKcatProduceConsume produces keyed, snappy-compressed records with a
// header to a topic that does not exist yet (librdkafka asks Metadata for
// it, which creates it) and reads them back, all and then the last ten.
func TestKcatProduceConsume(t *testing.T) {
	requireTool(t, "kcat")
	dir := t.TempDir()
	addr, _ := startBroker(t, dir)
	const topic, n = "kcat-auto", 50

	var in strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&in, "k%d:v%d\n", i, i)
	}
	kcat(t, in.String(), "-b", addr, "-P", "-t", topic, "-K:", "-z", "snappy", "-H", "h1=v1")
	// The records reached the log snappy-compressed: librdkafka before 2.8
	// (Debian's kcat links 2.0.2) compresses with snappy, gzip or lz4 only
	// if ApiVersions starts Produce at v0, and otherwise sends every batch
	// uncompressed without a word (KAFKA-18659). The first records may
	// go alone, as soon as the topic appears, in batches too small for
	// compression to pay, which librdkafka sends uncompressed; the rest
	// must be snappy. The codec is the low three bits of the attributes,
	// 21 bytes into a batch, whose length is at byte 8.
	seg, err := os.ReadFile(filepath.Join(dir, topic+"-0", "00000000000000000000.log"))
	if err != nil || len(seg) < 23 {
		t.Fatalf("reading the segment: %v (%d bytes)", err, len(seg))
	}
	var codecs []byte
	for at := 0; at+23 <= len(seg); at += 12 + int(binary.BigEndian.Uint32(seg[at+8:])) {
		codecs = append(codecs, seg[at+22]&7)
	}
	if !bytes.Contains(codecs, []byte{2}) {
		t.Errorf("kcat -z snappy stored batches with codecs %v, want snappy (2) among them", codecs)
	}

	lines := func(out string) []string {
		return strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	}
	want := func(from, to int) []string {
		var ls []string
		for i := from; i <= to; i++ {
			ls = append(ls, fmt.Sprintf("%d k%d:v%d:h1=v1", i-1, i, i))
		}
		return ls
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s: got %d lines, want %d\ngot:\n%s\nwant:\n%s", what, len(got), len(want), strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	all := kcat(t, "", "-b", addr, "-C", "-t", topic, "-e", "-K:", "-f", `%o %k:%s:%h\n`)
	check("kcat -C (all)", lines(all), want(1, n))

	last := kcat(t, "", "-b", addr, "-C", "-t", topic, "-o", "-10", "-e", "-f", `%o %k:%s:%h\n`)
	check("kcat -C -o -10", lines(last), want(n-9, n))
}

// TestKcatConsumerGroup consumes with librdkafka's group consumer (kcat -G)
// twice, across a broker restart: the second run gets only what was
// produced after the first, because the first committed its offsets when
// it left.
func TestKcatConsumerGroup(t *testing.T) {
	requireTool(t, "kcat")
	dir := t.TempDir()
	const topic, group = "kcat-group", "kcat-readers"
	consume := func(addr string) string {
		// auto.offset.reset=earliest for a group without offsets; -o
		// would override the committed ones.
		return kcat(t, "", "-b", addr, "-G", group, topic, "-X", "auto.offset.reset=earliest", "-e", "-q", "-f", `%s\n`)
	}

	addr, stop := startBroker(t, dir)
	kcat(t, "a\nb\nc\n", "-b", addr, "-P", "-t", topic)
	if got := consume(addr); got != "a\nb\nc\n" {
		t.Errorf("first group read: %q, want a b c", got)
	}
	stop()

	addr, _ = startBroker(t, dir)
	kcat(t, "d\ne\n", "-b", addr, "-P", "-t", topic)
	if got := consume(addr); got != "d\ne\n" {
		t.Errorf("group read after a restart: %q, want only d e", got)
	}
}
