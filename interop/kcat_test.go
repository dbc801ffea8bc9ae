package interop

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
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
	addr, _ := startBroker(t, t.TempDir())
	const topic, n = "kcat-auto", 50

	var in strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&in, "k%d:v%d\n", i, i)
	}
	kcat(t, in.String(), "-b", addr, "-P", "-t", topic, "-K:", "-z", "snappy", "-H", "h1=v1")

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

// TestKcatGroupResume reads a topic with kcat's balanced consumer (-G, with
// -e to exit once every assigned partition is at its end), which commits on
// the way out; a second run in the same group gets only what was produced
// since, and a third nothing.
//
// kcat -G takes its start offset from -o for every assignment, which would
// override the committed offsets, so there is no -o here: auto.offset.reset
// decides where a partition without a commit starts.
func TestKcatGroupResume(t *testing.T) {
	requireTool(t, "kcat")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	adm := kadm.NewClient(newClient(t, addr))
	const topic, group, n, m = "kcat-group", "kcat-group", 20, 5
	createTopic(t, ctx, adm, 2, topic)

	consume := func() []string {
		out := kcat(t, "", "-b", addr, "-G", group, "-X", "auto.offset.reset=earliest", "-e", "-f", `%p %o %k=%s\n`, topic)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if out == "" {
			lines = nil
		}
		slices.Sort(lines)
		return lines
	}
	want := func(rs []*kgo.Record) []string {
		var ls []string
		for _, r := range rs {
			ls = append(ls, fmt.Sprintf("%d %d %s=%s", r.Partition, r.Offset, r.Key, r.Value))
		}
		slices.Sort(ls)
		return ls
	}
	check := func(what string, got, want []string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %d lines, want %d\ngot:\n%s\nwant:\n%s", what, len(got), len(want), strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	first := produceSpread(t, ctx, addr, topic, "key", 0, n, 2)
	check("kcat -G, first run", consume(), want(first))
	checkCommitted(t, ctx, adm, group, topic, map[int32]int64{0: n / 2, 1: n / 2})

	second := produceSpread(t, ctx, addr, topic, "key", n, m, 2)
	check("kcat -G, second run", consume(), want(second))
	check("kcat -G, third run", consume(), nil)
	checkCommitted(t, ctx, adm, group, topic, map[int32]int64{0: (n + m + 1) / 2, 1: (n + m) / 2})
}
