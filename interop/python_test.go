// The Python clients from Debian's packages: confluent-kafka (librdkafka)
// and kafka-python. They run under Debian's own interpreter, which is
// where apt installs them, whatever python3 is first on PATH.
package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/twmb/franz-go/pkg/kadm"

	"kafka"
)

const debianPython = "/usr/bin/python3"

// runPython runs a script in py/ with Debian's python3 and decodes the JSON
// summary it prints into v. module is the client it needs.
func runPython(t *testing.T, module, script string, v any, args ...string) {
	t.Helper()
	if err := exec.Command(debianPython, "-c", "import "+module).Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s cannot import %s (CI=true, so this is an error; ../test.sh installs it): %v", debianPython, module, err)
		}
		t.Skipf("%s cannot import %s: apt install python3-%s", debianPython, module, strings.ReplaceAll(module, "_", "-"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, debianPython, append([]string{"py/" + script}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", script, err, out, stderr.String())
	}
	if err := json.Unmarshal(out, v); err != nil {
		t.Fatalf("%s printed %q: %v\nstderr:\n%s", script, out, err, stderr.String())
	}
}

func TestConfluentKafka(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	var got struct {
		Delivered      int      `json:"delivered"`
		DeliveryErrors []string `json:"delivery_errors"`
		Consumed       int      `json:"consumed"`
		Duplicates     int      `json:"duplicates"`
		Committed      int64    `json:"committed"`
		Low            []int64  `json:"low"`
		HighTotal      int64    `json:"high_total"`
		ByTime         []int64  `json:"by_time"`
		Future         []int64  `json:"future"`
	}
	runPython(t, "confluent_kafka", "confluent.py", &got, addr, "confluent-topic")
	if got.Delivered != 2000 || len(got.DeliveryErrors) != 0 {
		t.Errorf("delivered %d, errors %q; want 2000 and none", got.Delivered, got.DeliveryErrors)
	}
	if got.Consumed != 2000 || got.Duplicates != 0 || got.Committed != 2000 {
		t.Errorf("consumed %d (%d duplicates), committed %d; want 2000, 0, 2000", got.Consumed, got.Duplicates, got.Committed)
	}
	if d := cmp.Diff([]int64{0, 0, 0, 0}, got.Low); d != "" || got.HighTotal != 2000 {
		t.Errorf("watermarks: low %v, high total %d; want zeros and 2000", got.Low, got.HighTotal)
	}
	// Every record is newer than the start of the run, so the first
	// offset at or after a second before it is each partition's first;
	// nothing is an hour in the future, which librdkafka reports as -1.
	if d := cmp.Diff([]int64{0, 0, 0, 0}, got.ByTime); d != "" {
		t.Errorf("offsets_for_times(before start) (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int64{-1, -1, -1, -1}, got.Future); d != "" {
		t.Errorf("offsets_for_times(future) (-want +got):\n%s", d)
	}
}

func TestKafkaPython(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	var got struct {
		CreateErrors []int `json:"create_errors"`
		Produced     int   `json:"produced"`
		Consumed     int   `json:"consumed"`
	}
	runPython(t, "kafka", "kafkapython.py", &got, addr, "kafka-python-topic")
	if d := cmp.Diff([]int{0}, got.CreateErrors); d != "" || got.Produced != 200 || got.Consumed != 200 {
		t.Errorf("create errors %v, produced %d, consumed %d; want [0], 200, 200", got.CreateErrors, got.Produced, got.Consumed)
	}
}

// TestConfluentKafkaTransaction commits and aborts with librdkafka's
// transactional producer and reads the topic at both isolation levels.
func TestConfluentKafkaTransaction(t *testing.T) {
	addr, _ := startBroker(t, t.TempDir())
	var got struct {
		Committed   []string `json:"committed"`
		Uncommitted []string `json:"uncommitted"`
		Errors      []string `json:"errors"`
	}
	runPython(t, "confluent_kafka", "confluent_txn.py", &got, addr, "confluent-txn")
	values := func(prefixes ...string) []string {
		var vs []string
		for _, p := range prefixes {
			for i := range 5 {
				vs = append(vs, fmt.Sprintf("%s-%d", p, i))
			}
		}
		slices.Sort(vs)
		return vs
	}
	if d := cmp.Diff(values("commit", "commit2"), got.Committed); d != "" {
		t.Errorf("read_committed (-want +got):\n%s", d)
	}
	if d := cmp.Diff(values("commit", "abort", "commit2"), got.Uncommitted); d != "" {
		t.Errorf("read_uncommitted (-want +got):\n%s", d)
	}
	if len(got.Errors) > 0 {
		t.Errorf("consumer errors: %q", got.Errors)
	}
}

// TestConfluentKafkaQuota runs librdkafka's producer under a
// producer_byte_rate set with kadm (Debian's confluent-kafka AdminClient
// has no quota calls): it is told of throttles through throttle_cb and
// produces at about the quota.
func TestConfluentKafkaQuota(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr, _ := startBrokerWith(t, t.TempDir(), kafka.Config{QuotaWindowNum: 2, QuotaWindowSize: 500 * time.Millisecond})
	adm := kadm.NewClient(newClient(t, addr))
	createTopic(t, ctx, adm, 1, "py-quota")
	const quota = 100 << 10
	id := "py-slow"
	if res, err := adm.AlterClientQuotas(ctx, []kadm.AlterClientQuotaEntry{{
		Entity: kadm.ClientQuotaEntity{{Type: "client-id", Name: &id}},
		Ops:    []kadm.AlterClientQuotaOp{{Key: "producer_byte_rate", Value: quota}},
	}}); err != nil || res[0].Err != nil {
		t.Fatalf("AlterClientQuotas: %v %+v", err, res)
	}
	var got struct {
		Brokers        []int32  `json:"brokers"`
		Partitions     int      `json:"partitions"`
		RetentionMs    string   `json:"retention_ms"`
		DeliveredBytes int      `json:"delivered_bytes"`
		Errors         []string `json:"errors"`
		Elapsed        float64  `json:"elapsed"`
		Throttles      int      `json:"throttles"`
	}
	runPython(t, "confluent_kafka", "confluent_quota.py", &got, addr, "py-quota")
	if !slices.Equal(got.Brokers, []int32{0}) || got.Partitions != 1 || got.RetentionMs != "604800000" {
		t.Errorf("AdminClient saw brokers %v, %d partitions, retention.ms %q", got.Brokers, got.Partitions, got.RetentionMs)
	}
	if got.DeliveredBytes != 300*1024 || len(got.Errors) > 0 {
		t.Fatalf("delivered %d bytes, errors %v", got.DeliveredBytes, got.Errors)
	}
	rate := float64(got.DeliveredBytes) / got.Elapsed
	t.Logf("librdkafka produced %.0f B/s against a quota of %d B/s, %d throttle events", rate, quota, got.Throttles)
	if got.Throttles == 0 {
		t.Error("librdkafka reported no throttle")
	}
	if rate > 2*quota || rate < quota/4 {
		t.Errorf("produced at %.0f B/s, want near the quota of %d B/s", rate, quota)
	}
}
