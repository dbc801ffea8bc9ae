// KafkaJS, from Node: the quickstart from KafkaJS's README, a two-member
// group and a transactional producer. The scripts are in js/; ../test.sh
// installs KafkaJS with npm ci.
package interop

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// runNode runs a script in js/ and returns its stdout lines.
func runNode(t *testing.T, script string, args ...string) []string {
	t.Helper()
	node := requireTool(t, "node")
	if _, err := os.Stat("node_modules/kafkajs"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node_modules/kafkajs is missing (CI=true); ../test.sh runs npm ci")
		}
		t.Skip("KafkaJS is not installed: run npm ci in interop/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{"js/" + script}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\nstdout:\n%s\nstderr:\n%s", script, err, out, stderr.String())
	}
	var lines []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines
}

// localhost turns 127.0.0.1:port into localhost:port, the form the
// quickstart uses.
func localhost(t *testing.T, addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return "localhost:" + port
}

func TestKafkaJSQuickstart(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	lines := runNode(t, "quickstart.js", localhost(t, addr))

	type message struct {
		Topic     string `json:"topic"`
		Partition int    `json:"partition"`
		Offset    string `json:"offset"`
		Key       string `json:"key"`
		Value     string `json:"value"`
	}
	var got []message
	for _, l := range lines {
		var m message
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		got = append(got, m)
	}
	want := []message{
		{"test-topic", 0, "0", "key1", "Hello Kafka-RS!"},
		{"test-topic", 0, "1", "key2", "Educational implementation"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("eachMessage saw (-want +got):\n%s", d)
	}
}

func TestKafkaJSTwoMemberGroup(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	const records = 300
	lines := runNode(t, "group.js", addr, "kafkajs-pair", "300")
	if len(lines) != 1 {
		t.Fatalf("want one summary line, got %q", lines)
	}
	var got struct {
		Distinct   int    `json:"distinct"`
		Duplicates int    `json:"duplicates"`
		ByMember   []int  `json:"byMember"`
		State      string `json:"state"`
		Members    int    `json:"members"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	if got.Distinct != records || got.Duplicates != 0 || got.State != "Stable" || got.Members != 2 {
		t.Errorf("summary %+v: want %d distinct records, no duplicates, Stable with 2 members", got, records)
	}
	if len(got.ByMember) != 2 || got.ByMember[0] == 0 || got.ByMember[1] == 0 || got.ByMember[0]+got.ByMember[1] != records {
		t.Errorf("records per member %v: both members should have consumed, %d in all", got.ByMember, records)
	}
}

// TestKafkaJSTransaction commits and aborts with a KafkaJS transactional
// producer; the read_committed consumer sees only the committed records.
func TestKafkaJSTransaction(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	lines := runNode(t, "transaction.js", localhost(t, addr), "kafkajs-txn")
	if len(lines) != 1 {
		t.Fatalf("output %q, want one JSON line", lines)
	}
	var got []string
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	want := []string{"commit-0", "commit-1", "commit-2", "commit-3", "commit-4", "commit2-0", "commit2-1", "commit2-2", "commit2-3", "commit2-4"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("read_committed values (-want +got):\n%s", d)
	}
}

// TestKafkaJSAdmin runs KafkaJS's admin client: describeCluster,
// fetchTopicOffsets, alterPartitionReassignments (a no-op to this broker,
// refused to another) and listPartitionReassignments.
func TestKafkaJSAdmin(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	lines := runNode(t, "admin.js", localhost(t, addr), "kafkajs-admin")
	if len(lines) != 1 {
		t.Fatalf("admin.js printed %d lines, want 1: %q", len(lines), lines)
	}
	var got struct {
		Brokers     []int32    `json:"brokers"`
		Controller  int32      `json:"controller"`
		Offsets     [][2]int64 `json:"offsets"`
		Refused     string     `json:"refused"`
		Reassigning int        `json:"reassigning"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &got); err != nil {
		t.Fatal(err)
	}
	want := struct {
		Brokers     []int32    `json:"brokers"`
		Controller  int32      `json:"controller"`
		Offsets     [][2]int64 `json:"offsets"`
		Refused     string     `json:"refused"`
		Reassigning int        `json:"reassigning"`
	}{[]int32{0}, 0, [][2]int64{{0, 0}, {1, 0}}, "INVALID_REPLICA_ASSIGNMENT", 0}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
