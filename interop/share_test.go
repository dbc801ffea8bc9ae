package interop

// Tests of KIP-932 share groups against franz-go's share consumer
// (kgo.ShareGroup, franz-go v1.22.3 and later) and kadm's share group
// admin APIs.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"kafka"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// shareConfig is a broker whose share groups heartbeat and time out
// quickly, with locks short enough for a test to wait out.
func shareConfig(lock time.Duration) kafka.Config {
	return kafka.Config{ShareHeartbeatInterval: 200 * time.Millisecond, ShareSessionTimeout: 3 * time.Second,
		ShareRecordLockDuration: lock}
}

// produceN writes records "0" .. "n-1" to topic, spread over its
// partitions by key.
func produceN(t *testing.T, addr, topic string, from, n int) {
	t.Helper()
	cl := newClient(t, addr, kgo.DefaultProduceTopic(topic))
	for i := from; i < from+n; i++ {
		v := strconv.Itoa(i)
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Key: []byte(v), Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatalf("produce %d: %v", i, err)
		}
	}
}

// newShareMember is a share consumer of group on topic. earliest is set
// on the group by setEarliest.
func newShareMember(t *testing.T, addr, group, topic string, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	return newClient(t, addr, append([]kgo.Opt{kgo.ShareGroup(group), kgo.ConsumeTopics(topic)}, opts...)...)
}

// setShareConfig sets group configs through IncrementalAlterConfigs on
// the GROUP resource (kadm has no helper for it).
func setShareConfig(t *testing.T, cl *kgo.Client, group string, kv ...string) {
	t.Helper()
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	res := kmsg.NewIncrementalAlterConfigsRequestResource()
	res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeGroupConfig, group
	for i := 0; i < len(kv); i += 2 {
		c := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
		c.Name, c.Value = kv[i], kmsg.StringPtr(kv[i+1])
		res.Configs = append(res.Configs, c)
	}
	req.Resources = append(req.Resources, res)
	resp, err := req.RequestWith(context.Background(), cl)
	if err == nil {
		err = kerr.ErrorForCode(resp.Resources[0].ErrorCode)
	}
	if err != nil {
		t.Fatalf("alter group configs of %s: %v", group, err)
	}
}

func pollShare(ctx context.Context, cl *kgo.Client) []*kgo.Record {
	fs := cl.PollRecords(ctx, 100)
	return fs.Records()
}

// TestShareGroupExactlyOnce: two members share a partition, and with
// every record accepted each is processed once.
func TestShareGroupExactlyOnce(t *testing.T) {
	addr, _ := startBrokerWith(t, t.TempDir(), shareConfig(5*time.Second))
	kc := newClient(t, addr)
	adm := kadm.NewClient(kc)
	const topic, group, n = "work", "workers", 200
	if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	setShareConfig(t, kc, group, "share.auto.offset.reset", "earliest")
	produceN(t, addr, topic, 0, n)

	var mu sync.Mutex
	seen := map[string]int{}
	by := map[string]int{}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	for _, name := range []string{"a", "b"} {
		cl := newShareMember(t, addr, group, topic, kgo.ShareMaxRecords(5))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				rs := pollShare(ctx, cl)
				mu.Lock()
				for _, r := range rs {
					seen[string(r.Value)]++
					by[name]++
					r.Ack(kgo.AckAccept)
				}
				done := len(seen) == n
				mu.Unlock()
				if done {
					cancel() // wakes the other member's poll
					return
				}
				time.Sleep(5 * time.Millisecond) // let the other member in
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != n {
		t.Fatalf("saw %d distinct records of %d", len(seen), n)
	}
	for v, c := range seen {
		if c != 1 {
			t.Errorf("record %s delivered %d times", v, c)
		}
	}
	if by["a"] == 0 || by["b"] == 0 {
		t.Errorf("one member got everything: %v", by)
	}
	t.Logf("records per member: %v", by)
}

// TestShareGroupReleaseRejectAndAdmin: a released record comes back with
// a higher delivery count, a rejected one never does, and the admin
// offsets APIs see the share-partition start offset move.
func TestShareGroupReleaseRejectAndAdmin(t *testing.T) {
	addr, _ := startBrokerWith(t, t.TempDir(), shareConfig(5*time.Second))
	kc := newClient(t, addr)
	adm := kadm.NewClient(kc)
	const topic, group = "jobs", "g"
	if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	setShareConfig(t, kc, group, "share.auto.offset.reset", "earliest")
	produceN(t, addr, topic, 0, 3)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cl := newShareMember(t, addr, group, topic)
	// "0" is released twice and then accepted, "1" rejected, "2" accepted.
	counts := map[string][]int32{}
	for ctx.Err() == nil && len(counts["0"]) < 3 {
		for _, r := range pollShare(ctx, cl) {
			v := string(r.Value)
			counts[v] = append(counts[v], r.DeliveryCount())
			switch {
			case v == "0" && len(counts[v]) < 3:
				r.Ack(kgo.AckRelease)
			case v == "1":
				r.Ack(kgo.AckReject)
			default:
				r.Ack(kgo.AckAccept)
			}
		}
	}
	if err := cl.FlushAcks(ctx); err != nil {
		t.Fatalf("flush acks: %v", err)
	}
	if got := fmt.Sprint(counts["0"]); got != "[1 2 3]" {
		t.Errorf("delivery counts of the released record: %s, want [1 2 3]", got)
	}
	if len(counts["1"]) != 1 || len(counts["2"]) != 1 {
		t.Errorf("rejected record delivered %d times, accepted one %d, want 1 each", len(counts["1"]), len(counts["2"]))
	}
	// Nothing more comes: the rejected record stays archived.
	short, cancelShort := context.WithTimeout(ctx, time.Second)
	if rs := pollShare(short, cl); len(rs) != 0 {
		t.Errorf("after all were done, got %d more records, first %q", len(rs), rs[0].Value)
	}
	cancelShort()

	// Describe the group and its offsets while it has a member.
	dg, err := adm.DescribeShareGroups(ctx, group)
	if err != nil || dg[group].Err != nil {
		t.Fatalf("describe share group: %v %v", err, dg[group].Err)
	}
	if d := dg[group]; d.GroupState != "Stable" || len(d.Members) != 1 {
		t.Errorf("described %+v, want Stable with one member", d)
	}
	offs, err := adm.DescribeShareGroupOffsets(ctx, group)
	if err != nil || offs[group].Err != nil {
		t.Fatalf("describe share group offsets: %v %v", err, offs[group].Err)
	}
	if o, ok := offs[group].Offsets.Lookup(topic, 0); !ok || o.StartOffset != 3 || o.Lag != 0 {
		t.Errorf("share offset %+v (found %v), want start 3 lag 0", o, ok)
	}
	// Altering needs an empty group.
	cl.Close()
	alter := func() error {
		resp, err := adm.AlterShareGroupOffsets(ctx, group, kadm.Offsets{topic: {0: {At: 1}}})
		if err != nil {
			return err
		}
		return resp.Error()
	}
	deadline := time.Now().Add(10 * time.Second)
	for err := alter(); err != nil; err = alter() {
		if time.Now().After(deadline) {
			t.Fatalf("alter share group offsets: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	offs, _ = adm.DescribeShareGroupOffsets(ctx, group)
	if o, _ := offs[group].Offsets.Lookup(topic, 0); o.StartOffset != 1 || o.Lag != 2 {
		t.Errorf("after alter: %+v, want start 1 lag 2", o)
	}
	// A new member gets records from offset 1 again.
	cl2 := newShareMember(t, addr, group, topic)
	var got []string
	for ctx.Err() == nil && len(got) < 2 {
		for _, r := range pollShare(ctx, cl2) {
			got = append(got, string(r.Value))
		}
	}
	if fmt.Sprint(got) != "[1 2]" {
		t.Errorf("after resetting to 1 got %v, want [1 2]", got)
	}
	cl2.Close()

	// Listed as a share group, then its offsets and the group deleted.
	lg, err := adm.ListGroups(ctx)
	if err != nil || lg[group].GroupType != "share" {
		t.Errorf("listed %+v, err %v: want group %s of type share", lg, err, group)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		resp, err := adm.DeleteShareGroupOffsets(ctx, group, topic)
		if err == nil {
			err = resp.Error()
		}
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delete share group offsets: %v", err)
		}
	}
	offs, _ = adm.DescribeShareGroupOffsets(ctx, group)
	if _, ok := offs[group].Offsets.Lookup(topic, 0); ok {
		t.Errorf("offsets after delete: %+v", offs[group].Offsets)
	}
	del, err := adm.DeleteGroups(ctx, group)
	if err != nil || del[group].Err != nil {
		t.Errorf("delete group: %v %v", err, del[group].Err)
	}
}

// TestShareGroupDeadMember: records a member acquired and never
// acknowledged go to the other member once its lock runs out, when the
// member's connection stays up but it stops.
func TestShareGroupDeadMember(t *testing.T) {
	addr, _ := startBrokerWith(t, t.TempDir(), shareConfig(2*time.Second))
	kc := newClient(t, addr)
	adm := kadm.NewClient(kc)
	const topic, group, n = "tasks", "g", 10
	if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	setShareConfig(t, kc, group, "share.auto.offset.reset", "earliest")
	produceN(t, addr, topic, 0, n)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// The first member takes records and hangs, holding them: it never
	// polls again, so it never acknowledges.
	dead := newShareMember(t, addr, group, topic)
	var held []*kgo.Record
	for ctx.Err() == nil && len(held) == 0 {
		held = pollShare(ctx, dead)
	}
	acquiredAt := time.Now()

	live := newShareMember(t, addr, group, topic)
	seen := map[string]int32{}
	var firstHeld time.Time
	heldValue := string(held[0].Value)
	for ctx.Err() == nil && len(seen) < n {
		for _, r := range pollShare(ctx, live) {
			seen[string(r.Value)] = r.DeliveryCount()
			if string(r.Value) == heldValue {
				firstHeld = time.Now()
			}
			r.Ack(kgo.AckAccept)
		}
	}
	if len(seen) != n {
		t.Fatalf("live member saw %d of %d records", len(seen), n)
	}
	// At least 2: the stopped client's background fetches may take the
	// record again when its lock runs out, before the live member does.
	if seen[heldValue] < 2 {
		t.Errorf("held record %s delivered to the live member with count %d, want 2 or more", heldValue, seen[heldValue])
	}
	if d := firstHeld.Sub(acquiredAt); d < 1500*time.Millisecond {
		t.Errorf("held record redelivered %v after it was acquired, before its 2s lock ran out", d)
	}
}

// TestShareGroupRestart: acknowledged records are not delivered again
// after a restart; the ones still out are, with their delivery count.
func TestShareGroupRestart(t *testing.T) {
	dir := t.TempDir()
	addr, stop := startBrokerWith(t, dir, shareConfig(30*time.Second))
	kc := newClient(t, addr)
	adm := kadm.NewClient(kc)
	const topic, group = "durable", "g"
	if _, err := adm.CreateTopic(context.Background(), 1, 1, nil, topic); err != nil {
		t.Fatal(err)
	}
	setShareConfig(t, kc, group, "share.auto.offset.reset", "earliest")
	produceN(t, addr, topic, 0, 10)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	// Accept 0-4 and hold 5-9 when the broker stops.
	cl := newShareMember(t, addr, group, topic, kgo.ShareMaxRecords(5))
	var first []*kgo.Record
	for ctx.Err() == nil && len(first) == 0 {
		first = pollShare(ctx, cl)
	}
	for _, r := range first {
		r.Ack(kgo.AckAccept)
	}
	if err := cl.FlushAcks(ctx); err != nil {
		t.Fatal(err)
	}
	var second []*kgo.Record
	for ctx.Err() == nil && len(second) == 0 {
		second = pollShare(ctx, cl)
	}
	stop()
	cl.Close()

	addr2, _ := startBrokerWith(t, dir, shareConfig(30*time.Second))
	setShareConfig(t, newClient(t, addr2), group, "share.auto.offset.reset", "earliest")
	cl2 := newShareMember(t, addr2, group, topic)
	got := map[string]int32{}
	short, cancelShort := context.WithTimeout(ctx, 5*time.Second)
	defer cancelShort()
	for short.Err() == nil && len(got) < len(second) {
		for _, r := range pollShare(short, cl2) {
			got[string(r.Value)] = r.DeliveryCount()
			r.Ack(kgo.AckAccept)
		}
	}
	for _, r := range first {
		if _, ok := got[string(r.Value)]; ok {
			t.Errorf("accepted record %s delivered again after the restart", r.Value)
		}
	}
	for _, r := range second {
		if c, ok := got[string(r.Value)]; !ok || c != 2 {
			t.Errorf("record %s held at the restart: delivered again %v, count %d; want count 2", r.Value, ok, c)
		}
	}
}

// TestShareGroupCrash kills the broker (SIGKILL) while a share consumer
// accepts records. After the restart, no record whose acceptance the
// broker confirmed is delivered again, and every record is either
// confirmed or delivered again: only the ones in flight at the kill are
// repeated.
func TestShareGroupCrash(t *testing.T) {
	bin := buildBroker(t)
	const topic, group, n = "queue", "g", 3000
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	b := startChild(t, bin, dir)
	kc := newClient(t, b.addr)
	createTopic(t, ctx, kadm.NewClient(kc), 2, topic)
	setShareConfig(t, kc, group, "share.auto.offset.reset", "earliest")
	produceN(t, b.addr, topic, 0, n)

	// Each poll's records are accepted and flushed; the flush's
	// callbacks say whether the broker took them.
	var (
		mu        sync.Mutex
		ackErrors int
	)
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr), kgo.ShareGroup(group), kgo.ConsumeTopics(topic), kgo.ShareMaxRecords(50),
		kgo.ShareAckCallback(func(_ *kgo.Client, rs kgo.ShareAckResults) {
			mu.Lock()
			defer mu.Unlock()
			if !rs.Ok() {
				ackErrors++
			}
		}))
	if err != nil {
		t.Fatal(err)
	}
	confirmed := map[string]bool{}
	for len(confirmed) < n/3 {
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		rs := pollShare(pctx, cl)
		for _, r := range rs {
			r.Ack(kgo.AckAccept)
		}
		mu.Lock()
		before := ackErrors
		mu.Unlock()
		err := cl.FlushAcks(pctx)
		pcancel()
		mu.Lock()
		ok := err == nil && ackErrors == before
		mu.Unlock()
		if !ok || len(rs) == 0 {
			t.Fatalf("accepting before the kill: flush %v, ack errors %d, %d records", err, ackErrors-before, len(rs))
		}
		for _, r := range rs {
			confirmed[string(r.Value)] = true
		}
	}
	// Records in flight at the kill: acquired, some accepted but not
	// flushed.
	var inFlight []*kgo.Record
	for len(inFlight) == 0 {
		pctx, pcancel := context.WithTimeout(ctx, 5*time.Second)
		inFlight = pollShare(pctx, cl)
		pcancel()
	}
	for _, r := range inFlight[:len(inFlight)/2] {
		r.Ack(kgo.AckAccept)
	}
	b.kill()
	cl.Close()

	b = startChild(t, bin, dir)
	cl2 := newShareMember(t, b.addr, group, topic)
	again := map[string]bool{}
	for len(confirmed)+len(again) < n {
		pctx, pcancel := context.WithTimeout(ctx, 3*time.Second)
		rs := pollShare(pctx, cl2)
		pcancel()
		if len(rs) == 0 {
			break
		}
		for _, r := range rs {
			again[string(r.Value)] = true
			r.Ack(kgo.AckAccept)
		}
	}
	redelivered := 0
	for v := range again {
		if confirmed[v] {
			redelivered++
		}
	}
	if redelivered > 0 {
		t.Errorf("%d records whose acceptance was confirmed were delivered again after the crash", redelivered)
	}
	for i := range n {
		if v := strconv.Itoa(i); !confirmed[v] && !again[v] {
			t.Errorf("record %s was neither confirmed before the crash nor delivered after it", v)
			break
		}
	}
	t.Logf("%d confirmed before SIGKILL, %d in flight, %d delivered after the restart", len(confirmed), len(inFlight), len(again))
}

// TestFranzGoShareSuite runs franz-go's own share-group integration tests
// (pkg/kgo's TestShareGroup*, which skip on a broker whose ApiVersions
// lacks ShareFetch and ShareAcknowledge v2) against the broker, as their
// README says to: KGO_SEEDS names it, one replica, fewer records than
// their default half million so that they take seconds.
func TestFranzGoShareSuite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs another module's tests")
	}
	b := startChild(t, buildBroker(t), t.TempDir())
	cmd := exec.Command("go", "test", "-count=1", "-v", "-run", "^TestShareGroup", "github.com/twmb/franz-go/pkg/kgo")
	cmd.Env = append(os.Environ(), "KGO_SEEDS="+b.addr, "KGO_TEST_RF=1", "KGO_TEST_RECORDS=5000")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("franz-go's share tests: %v\n%s", err, tail(out, 60))
	}
	for _, name := range []string{"TestShareGroupETL", "TestShareGroupAckOnClose", "TestShareGroupOffsetsAdmin"} {
		if !bytes.Contains(out, []byte("--- PASS: "+name+" ")) {
			t.Errorf("%s did not pass (skipped?):\n%s", name, tail(out, 60))
		}
	}
}

// tail is the last n lines of out.
func tail(out []byte, n int) []byte {
	lines := bytes.Split(out, []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return bytes.Join(lines, []byte("\n"))
}

// TestShareGroupCompacted: a share group reads a cleaned log, with its
// gaps inside batches and the empty batches the cleaner keeps. The
// offsets without records are acquired with their batches, as in Kafka;
// franz-go acknowledges them as gaps, and the share-partition start
// offset reaches the end of the log with every key delivered once.
func TestShareGroupCompacted(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, want := cleanedTable(t, ctx)
	kc := newClient(t, addr)
	adm := kadm.NewClient(kc)
	end := endOffsets(t, ctx, adm, "table")[0]
	setShareConfig(t, kc, "g", "share.auto.offset.reset", "earliest")
	cl := newShareMember(t, addr, "g", "table")
	var got []*kgo.Record
	for ctx.Err() == nil && len(got) < len(want) {
		for _, r := range pollShare(ctx, cl) {
			got = append(got, r)
			r.Ack(kgo.AckAccept)
		}
	}
	if err := onePerKey(got, want); err != nil {
		t.Fatalf("share group read of the cleaned log: %v", err)
	}
	waitShareStartAt(t, ctx, adm, cl, "table", end)
}

// TestShareGroupTransactionMarkers: a share group reads a topic written
// in transactions, committed and aborted, under read_committed. The
// transaction markers are acquired with their batches, as in Kafka;
// franz-go acknowledges them as gaps, so the share-partition start
// reaches the end of the log, and only committed records are delivered,
// once each.
func TestShareGroupTransactionMarkers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	kc := newClient(t, addr)
	adm := kadm.NewClient(kc)
	if _, err := adm.CreateTopic(ctx, 1, 1, nil, "orders"); err != nil {
		t.Fatal(err)
	}
	p := newClient(t, addr, kgo.TransactionalID("orders-writer"), kgo.DefaultProduceTopic("orders"))
	want := map[string]bool{}
	for txn := range 6 {
		if err := p.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		commit := txn%3 != 1 // transactions 1 and 4 abort
		for i := range 3 {
			v := fmt.Sprintf("%d-%d", txn, i)
			if err := p.ProduceSync(ctx, &kgo.Record{Value: []byte(v)}).FirstErr(); err != nil {
				t.Fatal(err)
			}
			if commit {
				want[v] = true
			}
		}
		if err := p.EndTransaction(ctx, kgo.TransactionEndTry(commit)); err != nil {
			t.Fatal(err)
		}
	}
	end := endOffsets(t, ctx, adm, "orders")[0]
	setShareConfig(t, kc, "g", "share.auto.offset.reset", "earliest", "share.isolation.level", "read_committed")
	cl := newShareMember(t, addr, "g", "orders")
	got := map[string]int{}
	for ctx.Err() == nil && len(got) < len(want) {
		for _, r := range pollShare(ctx, cl) {
			got[string(r.Value)]++
			r.Ack(kgo.AckAccept)
		}
	}
	for v, n := range got {
		if !want[v] || n != 1 {
			t.Errorf("record %s delivered %d times; committed: %v", v, n, want[v])
		}
	}
	if len(got) != len(want) {
		t.Fatalf("delivered %d records, want the %d committed", len(got), len(want))
	}
	waitShareStartAt(t, ctx, adm, cl, "orders", end)
}

// waitShareStartAt flushes cl's acknowledgements of group g and waits
// until the share-partition start of partition 0 of topic reaches end,
// lag 0: the gaps (records compacted away, transaction markers) were
// acknowledged too. Those of the last batches go with the next fetch, so
// cl keeps polling.
func waitShareStartAt(t *testing.T, ctx context.Context, adm *kadm.Client, cl *kgo.Client, topic string, end int64) {
	t.Helper()
	if err := cl.FlushAcks(ctx); err != nil {
		t.Fatal(err)
	}
	for {
		offs, err := adm.DescribeShareGroupOffsets(ctx, "g")
		if err != nil {
			t.Fatal(err)
		}
		o, _ := offs["g"].Offsets.Lookup(topic, 0)
		if o.StartOffset == end && o.Lag == 0 {
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("share-partition start %d lag %d, want %d and 0: the gaps were not acknowledged", o.StartOffset, o.Lag, end)
		}
		pctx, pcancel := context.WithTimeout(ctx, 200*time.Millisecond)
		pollShare(pctx, cl)
		pcancel()
	}
}
