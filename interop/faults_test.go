package interop

// Fault tests of the built broker: SIGKILL in the middle of topic changes,
// and a burst of connections past its file descriptor limit.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// faultTopic is what the test knows of a topic name: absent (partitions
// 0), or present with an id, a partition count and, per partition, the
// values acknowledged in it, in order.
type faultTopic struct {
	partitions int
	id         kadm.TopicID
	acked      map[int32][]string
}

// faultChange is the change a round made to one name, killed at a random
// moment: before is the state if it did not happen, after if it did, and
// done says whether the broker answered success first, in which case only
// after is allowed.
type faultChange struct {
	name          string
	before, after faultTopic
	done          bool
}

// TestKillDuringTopicChanges SIGKILLs the broker at random moments of
// CreateTopics, CreatePartitions and DeleteTopics, over many rounds, and
// checks after every restart that each topic has its old shape or its new
// one, that every acknowledged record of a surviving topic is read back
// exactly once, and, at the end, that every name can be created again.
func TestKillDuringTopicChanges(t *testing.T) {
	const rounds = 36
	bin := buildBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 10))
	names := []string{"a", "b.x", "c-1", "d_2"}
	topics := map[string]faultTopic{}

	// How long changes take is measured once, without a kill.
	b := startChild(t, bin, dir)
	took := timeChanges(t, ctx, b.addr)
	b.kill()
	t.Logf("changes of 24 partitions take %v", took)

	outcomes := map[string]int{}
	for round := range rounds {
		b := startChild(t, bin, dir)
		checkTopics(t, ctx, b.addr, topics, nil)
		if round%3 != 0 && !slices.ContainsFunc(names, func(n string) bool { return topics[n].partitions > 0 }) {
			// A growth or a deletion needs a topic: make one first.
			name := names[rng.IntN(len(names))]
			resp, err := kadm.NewClient(newClient(t, b.addr)).CreateTopic(ctx, int32(1+rng.IntN(24)), 1, nil, name)
			if err != nil || resp.Err != nil {
				t.Fatalf("create %s: %v %v", name, err, resp.Err)
			}
			topics[name] = faultTopic{partitions: int(resp.NumPartitions), id: resp.ID, acked: map[int32][]string{}}
		}
		ch := pickChange(rng, names, topics, round)
		produceTo(t, ctx, b.addr, ch.name, topics, rng)
		ch.before = topics[ch.name]
		ch.after = ch.before
		switch {
		case ch.before.partitions == 0:
			ch.after = faultTopic{partitions: 1 + rng.IntN(24), acked: map[int32][]string{}}
		case round%3 == 1:
			ch.after.partitions += 1 + rng.IntN(24)
		default:
			ch.after = faultTopic{}
		}
		ch.done = killDuring(t, ctx, b, ch, killDelay(rng, took, ch))
		b = startChild(t, bin, dir)
		topics[ch.name] = checkTopics(t, ctx, b.addr, topics, &ch)[ch.name]
		outcome := "old shape"
		if topics[ch.name].partitions == ch.after.partitions {
			outcome = "new shape"
		}
		if ch.done {
			outcome += ", answered"
		}
		outcomes[kind(ch)+": "+outcome]++
		b.kill()
		if t.Failed() {
			t.Fatalf("round %d: %s of %q killed", round, kind(ch), ch.name)
		}
	}
	t.Logf("outcomes: %v", outcomes)

	// Every name can be created again.
	b = startChild(t, bin, dir)
	adm := kadm.NewClient(newClient(t, b.addr))
	for _, name := range names {
		if topics[name].partitions > 0 {
			if _, err := adm.DeleteTopic(ctx, name); err != nil {
				t.Errorf("delete %s: %v", name, err)
			}
		}
		if resp, err := adm.CreateTopic(ctx, 3, 1, nil, name); err != nil || resp.Err != nil {
			t.Errorf("create %s again: %v %v %s", name, err, resp.Err, resp.ErrMessage)
		}
	}
}

// kind names a change for the log.
func kind(ch faultChange) string {
	switch {
	case ch.before.partitions == 0:
		return "create"
	case ch.after.partitions == 0:
		return "delete"
	}
	return "grow"
}

// pickChange chooses the name for a round: round by round a create, a
// growth, a deletion, each of a name it applies to. A create when every
// name is present deletes one instead.
func pickChange(rng *rand.Rand, names []string, topics map[string]faultTopic, round int) faultChange {
	var present, absent []string
	for _, n := range names {
		if topics[n].partitions > 0 {
			present = append(present, n)
		} else {
			absent = append(absent, n)
		}
	}
	if round%3 == 0 && len(absent) > 0 || len(present) == 0 {
		return faultChange{name: absent[rng.IntN(len(absent))]}
	}
	return faultChange{name: present[rng.IntN(len(present))]}
}

// timeChanges measures a CreateTopics and a CreatePartitions of 24
// partitions each, and a DeleteTopics of the 48, which tell how long a
// round's change may take.
func timeChanges(t *testing.T, ctx context.Context, addr string) map[string]time.Duration {
	t.Helper()
	adm := kadm.NewClient(newClient(t, addr))
	if _, err := adm.ListTopics(ctx); err != nil {
		t.Fatal(err)
	}
	took := map[string]time.Duration{}
	// The quicker of two runs: the first one pays for cold caches.
	for range 2 {
		for _, change := range []struct {
			kind string
			do   func() error
		}{
			{"create", func() error { _, err := adm.CreateTopic(ctx, 24, 1, nil, "warm"); return err }},
			{"grow", func() error { _, err := adm.UpdatePartitions(ctx, 48, "warm"); return err }},
			{"delete", func() error { _, err := adm.DeleteTopic(ctx, "warm"); return err }},
		} {
			start := time.Now()
			if err := change.do(); err != nil {
				t.Fatal(err)
			}
			if d := time.Since(start); took[change.kind] == 0 || d < took[change.kind] {
				took[change.kind] = d
			}
		}
	}
	return took
}

// killDelay draws when to kill the broker during ch: anywhere from the
// request leaving to a little after the change should be done, by
// timeChanges' measure scaled to the partitions ch makes.
func killDelay(rng *rand.Rand, took map[string]time.Duration, ch faultChange) time.Duration {
	expect := took["delete"]
	if n := ch.after.partitions - ch.before.partitions; n > 0 {
		expect = took[kind(ch)] * time.Duration(n) / 24
	}
	return time.Duration(rng.Int64N(int64(expect*5/4) + 1))
}

// produceTo appends a few records to random partitions of name, if it is
// present, and notes them as acknowledged.
func produceTo(t *testing.T, ctx context.Context, addr, name string, topics map[string]faultTopic, rng *rand.Rand) {
	t.Helper()
	ft := topics[name]
	if ft.partitions == 0 {
		return
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var rs []*kgo.Record
	for range 1 + rng.IntN(6) {
		p := int32(rng.IntN(ft.partitions))
		rs = append(rs, &kgo.Record{Topic: name, Partition: p, Value: fmt.Appendf(nil, "%s-%d-%d", name, p, rng.Int64())})
	}
	produceSync(t, ctx, cl, rs...)
	for _, r := range rs {
		ft.acked[r.Partition] = append(ft.acked[r.Partition], string(r.Value))
	}
}

// killDuring sends ch's request, kills the broker after delay, and
// reports whether the broker answered success before it died. Any other
// answer than success, or a connection cut by the kill, is a failure.
func killDuring(t *testing.T, ctx context.Context, b *childBroker, ch faultChange, delay time.Duration) bool {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr), kgo.RequestRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if _, err := adm.ListTopics(ctx); err != nil { // connected, versions known
		t.Fatal(err)
	}
	answered := make(chan error, 1)
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	go func() {
		var err error
		switch kind(ch) {
		case "create":
			var resp kadm.CreateTopicResponse
			if resp, err = adm.CreateTopic(ctx, int32(ch.after.partitions), 1, nil, ch.name); err == nil {
				err = resp.Err
			}
		case "grow":
			var resps kadm.CreatePartitionsResponses
			if resps, err = adm.UpdatePartitions(ctx, ch.after.partitions, ch.name); err == nil {
				err = resps[ch.name].Err
			}
		default:
			_, err = adm.DeleteTopic(ctx, ch.name)
		}
		answered <- err
	}()
	time.Sleep(delay)
	b.kill()
	err = <-answered
	var kafkaErr *kerr.Error
	if errors.As(err, &kafkaErr) {
		t.Errorf("%s %q before the kill: %v", kind(ch), ch.name, err)
	}
	return err == nil
}

// checkTopics lists the broker's topics and reads every partition back.
// Each name must be as topics says, or, for ch's name, as before or
// after the change (after only, if the broker answered success). It
// returns the state found, with ids learned.
func checkTopics(t *testing.T, ctx context.Context, addr string, topics map[string]faultTopic, ch *faultChange) map[string]faultTopic {
	t.Helper()
	adm := kadm.NewClient(newClient(t, addr))
	listed, err := adm.ListTopics(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]faultTopic{}
	for name, d := range listed {
		if d.Err != nil {
			t.Errorf("topic %s: %v", name, d.Err)
			continue
		}
		found[name] = faultTopic{partitions: len(d.Partitions), id: d.ID}
	}
	for _, name := range slices.Sorted(mapsKeys(found, topics)) {
		want := []faultTopic{topics[name]}
		if ch != nil && ch.name == name {
			want = []faultTopic{ch.after}
			if !ch.done {
				want = append(want, ch.before)
			}
		}
		got := found[name]
		ok := false
		for _, w := range want {
			sameTopic := w.partitions == 0 || w.id == (kadm.TopicID{}) || w.id == got.id
			if got.partitions == w.partitions && sameTopic {
				ok, got.acked = true, w.acked
				break
			}
		}
		if !ok {
			t.Errorf("topic %s has %d partitions (id %v); want one of %v", name, got.partitions, got.id, shapes(want))
			continue
		}
		if got.partitions > 0 {
			checkRecords(t, ctx, addr, adm, name, got)
		}
		found[name] = got
	}
	return found
}

// mapsKeys is the union of the keys of a and b.
func mapsKeys(a, b map[string]faultTopic) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range a {
			if !yield(k) {
				return
			}
		}
		for k := range b {
			if _, ok := a[k]; !ok && !yield(k) {
				return
			}
		}
	}
}

func shapes(ts []faultTopic) []string {
	var s []string
	for _, t := range ts {
		s = append(s, fmt.Sprintf("%d partitions", t.partitions))
	}
	return s
}

// checkRecords reads every partition of a topic to its end: exactly the
// acknowledged values, in order, once each.
func checkRecords(t *testing.T, ctx context.Context, addr string, adm *kadm.Client, name string, ft faultTopic) {
	t.Helper()
	ends := endOffsets(t, ctx, adm, name)
	if len(ends) != ft.partitions {
		t.Errorf("topic %s: end offsets of %d partitions, want %d", name, len(ends), ft.partitions)
		return
	}
	got := readPartitions(t, ctx, addr, name, ends)
	for p := range int32(ft.partitions) {
		values := got[p]
		if !slices.Equal(values, ft.acked[p]) {
			t.Errorf("topic %s partition %d holds %q, want the acknowledged %q", name, p, values, ft.acked[p])
		}
	}
}

// readPartitions reads the values of every partition of topic from offset
// 0 to its end, with a client closed before it returns.
func readPartitions(t *testing.T, ctx context.Context, addr, topic string, ends map[int32]int64) map[int32][]string {
	t.Helper()
	offsets := map[int32]kgo.Offset{}
	for p := range ends {
		offsets[p] = kgo.NewOffset().At(0)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}),
		kgo.FetchMaxWait(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	got := map[int32][]string{}
	have := 0
	want := 0
	for _, end := range ends {
		want += int(end)
	}
	for have < want {
		if ctx.Err() != nil {
			t.Fatalf("reading %s: %v; have %d of %d records", topic, ctx.Err(), have, want)
		}
		fs := cl.PollFetches(ctx)
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s[%d]: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) {
			got[r.Partition] = append(got[r.Partition], string(r.Value))
			have++
		})
	}
	return got
}

// TestConnectionBurstPastFileLimit runs the broker with a limit of 64 open
// files and opens many more connections at once: the broker stops
// accepting at its connection limit, or logs and retries accepts that fail,
// stays up, and once the burst is over serves new clients.
func TestConnectionBurstPastFileLimit(t *testing.T) {
	bin := buildBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// sh's ulimit sets the soft and the hard limit, so the broker cannot
	// raise it back.
	cmd := exec.Command("sh", append([]string{"-c", `ulimit -n 64 && exec "$0" "$@"`, bin}, childArgs(t.TempDir())...)...)
	b := startChildCmd(t, cmd)
	cl := newClient(t, b.addr, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	createTopic(t, ctx, kadm.NewClient(cl), 4, "burst")
	produceSync(t, ctx, cl, &kgo.Record{Topic: "burst", Value: []byte("before")})

	var conns []net.Conn
	for range 300 {
		c, err := net.DialTimeout("tcp", b.addr, time.Second)
		if err != nil {
			break // the listen queue is full too
		}
		conns = append(conns, c)
	}
	exited := func() bool {
		select {
		case <-b.done:
			return true
		default:
			return false
		}
	}
	waitUntil(t, ctx, "the connection limit or a failed accept in the log", func() bool {
		return exited() || strings.Contains(b.log(), "connection limit reached") || strings.Contains(b.log(), "accept failed")
	}, b.log)
	select {
	case <-b.done:
		t.Fatalf("the broker exited during the burst:\n%s", b.log())
	case <-time.After(200 * time.Millisecond):
	}
	t.Logf("%d connections opened", len(conns))
	for _, c := range conns {
		c.Close()
	}

	after := newClient(t, b.addr)
	produceSync(t, ctx, after, &kgo.Record{Topic: "burst", Partition: 1, Value: []byte("after")})
	if got := consumeN(t, ctx, b.addr, "burst", 2); len(got) != 2 {
		t.Errorf("%d records after the burst, want 2", len(got))
	}
	select {
	case <-b.done:
		t.Fatalf("the broker exited:\n%s", b.log())
	default:
	}
}

// TestProduceWhileConnectionsExhaustFiles holds hundreds of connections
// open to a broker under a limit of 64 open files while a client that
// connected first produces to 50 partitions whose every batch rolls a
// segment. Each produce must succeed while the connections are held. The
// held connections took every descriptor, and every roll failed to open
// its index files: the produces answered KAFKA_STORAGE_ERROR until the
// connections closed.
func TestProduceWhileConnectionsExhaustFiles(t *testing.T) {
	const partitions = 50
	bin := buildBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.Command("sh", append([]string{"-c", `ulimit -n 64 && exec "$0" "$@"`, bin}, childArgs(t.TempDir())...)...)
	b := startChildCmd(t, cmd)
	cl := newClient(t, b.addr, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.RecordDeliveryTimeout(10*time.Second))
	value := strings.Repeat("v", 900)
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, partitions, 1, map[string]*string{"segment.bytes": kadm.StringPtr(fmt.Sprint(len(value) + 100))}, "rolls")
	if err != nil || resp.Err != nil {
		t.Fatalf("create: %v %v", err, resp.Err)
	}
	round := func() {
		t.Helper()
		var rs []*kgo.Record
		for p := range int32(partitions) {
			rs = append(rs, &kgo.Record{Topic: "rolls", Partition: p, Value: []byte(value)})
		}
		produceSync(t, ctx, cl, rs...)
	}
	round()
	var conns []net.Conn
	for range 300 {
		c, err := net.DialTimeout("tcp", b.addr, time.Second)
		if err != nil {
			break
		}
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	waitUntil(t, ctx, "the broker to stop accepting", func() bool {
		return strings.Contains(b.log(), "connection limit reached") || strings.Contains(b.log(), "accept failed")
	}, b.log)
	// Rounds apart, so that an accept retried meanwhile can take a
	// descriptor a roll freed.
	for range 10 {
		round()
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.Contains(b.log(), "connection limit reached") {
		t.Errorf("no log line says the connection limit was reached:\n%s", b.log())
	}
}

// TestSecondBrokerExits starts a second broker binary on the data dir of
// a running one: it must exit at once with a message naming the dir, and
// the first must go on serving, its offsets its own.
func TestSecondBrokerExits(t *testing.T) {
	bin := buildBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	b := startChild(t, bin, dir)
	cl := newClient(t, b.addr, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	createTopic(t, ctx, kadm.NewClient(cl), 1, "only")
	first := &kgo.Record{Topic: "only", Value: []byte("first")}
	produceSync(t, ctx, cl, first)

	second := exec.CommandContext(ctx, bin, childArgs(dir)...)
	out, err := second.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("second broker: %v, want exit status 1\n%s", err, out)
	}
	if !strings.Contains(string(out), dir) || strings.Contains(string(out), "listening") {
		t.Errorf("second broker's output does not name %s, or it listened:\n%s", dir, out)
	}
	next := &kgo.Record{Topic: "only", Value: []byte("next")}
	produceSync(t, ctx, cl, next)
	if next.Offset != first.Offset+1 {
		t.Errorf("offset after the second broker exited: %d, want %d", next.Offset, first.Offset+1)
	}
}

// TestManyPartitionsPastFileLimit restarts the broker, after a SIGKILL,
// under a limit of 128 open files with 300 partitions of several segments
// each. The partitions open from a pool of workers and the descriptor
// cache of segment files defaults to 256, which together took every
// descriptor: the broker failed to start, or started with partitions
// offline. Every partition must open and serve, and take produces.
func TestManyPartitionsPastFileLimit(t *testing.T) {
	const partitions = 300
	bin := buildBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := t.TempDir()
	b := startChild(t, bin, dir)
	cl := newClient(t, b.addr, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, partitions, 1, map[string]*string{"segment.bytes": kadm.StringPtr("2048")}, "many")
	if err != nil || resp.Err != nil {
		t.Fatalf("create: %v %v", err, resp.Err)
	}
	value := strings.Repeat("v", 900)
	produceRound := func(cl *kgo.Client) {
		t.Helper()
		var rs []*kgo.Record
		for p := range int32(partitions) {
			rs = append(rs, &kgo.Record{Topic: "many", Partition: p, Value: []byte(value)})
		}
		produceSync(t, ctx, cl, rs...)
	}
	for range 3 { // segments roll: each partition has several
		produceRound(cl)
	}
	cl.Close()
	b.kill()

	cmd := exec.Command("sh", append([]string{"-c", `ulimit -n 128 && exec "$0" "$@"`, bin}, childArgs(dir)...)...)
	b = startChildCmd(t, cmd)
	if strings.Contains(b.log(), "offline") {
		t.Errorf("partitions offline after a start under the file limit:\n%s", b.log())
	}
	produceRound(newClient(t, b.addr, kgo.RecordPartitioner(kgo.ManualPartitioner())))
	if got := consumeN(t, ctx, b.addr, "many", 4*partitions); len(got) != 4*partitions {
		t.Errorf("%d records read back, want %d", len(got), 4*partitions)
	}
}

// TestKillDuringAdminWrites SIGKILLs the broker at random moments while
// clients change a topic's configs, create ACLs and add SCRAM users, and
// produce to a topic whose retention deletes segments as fast as they
// roll, all at once, over a few rounds, and checks after every restart
// that every change the broker acknowledged is there: the config at or
// past the last value acknowledged (each write sets a larger one), every
// acknowledged ACL and user, and every acknowledged record that retention
// has not passed, at its offset.
func TestKillDuringAdminWrites(t *testing.T) {
	bin := buildBroker(t)
	dir := t.TempDir()
	flags := []string{"-authorizer", "-allow-everyone-if-no-acl-found", "-retention-check-interval", "20ms"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var (
		configAt int64 // the last retention.bytes acknowledged
		acls     []string
		users    []string
		records  = map[int64]string{} // acknowledged to topic ret, by offset
	)
	next := int64(1 << 20)
	// The writers of a round are not waited for after the kill, which
	// their clients' retries would make take seconds: they can no longer
	// succeed, the broker being gone, and stop at their next turn. What
	// they share is under mu, and the checks read a copy.
	var mu sync.Mutex
	var wg sync.WaitGroup
	defer wg.Wait()
	snapshot := func() (int64, []string, []string, map[int64]string) {
		mu.Lock()
		defer mu.Unlock()
		return configAt, slices.Clone(acls), slices.Clone(users), maps.Clone(records)
	}
	for round := range 4 {
		b := startChild(t, bin, dir, flags...)
		adm := kadm.NewClient(newClient(t, b.addr, kgo.RetryTimeout(time.Second), kgo.DialTimeout(time.Second)))
		if round == 0 {
			createTopic(t, ctx, adm, 1, "cfg")
			resp, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{"segment.bytes": kadm.StringPtr("2048"), "retention.bytes": kadm.StringPtr("4096")}, "ret")
			if err != nil || resp.Err != nil {
				t.Fatalf("create ret: %v %v", resp.Err, err)
			}
		} else {
			configAt, acls, users, records := snapshot()
			checkAdminWrites(t, ctx, adm, round, configAt, acls, users)
			checkRetained(t, ctx, b.addr, round, records)
		}
		producer := newClient(t, b.addr, kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.RecordDeliveryTimeout(time.Second), kgo.RetryTimeout(500*time.Millisecond),
			kgo.DisableIdempotentWrite(), // an idempotent producer never gives up on a batch in flight
			kgo.ProduceRequestTimeout(time.Second), kgo.DialTimeout(time.Second))

		stop := make(chan struct{})
		// Each write has a second: a client's retries after the kill
		// would otherwise keep the round waiting for theirs to run out.
		loop := func(write func(ctx context.Context, i int) bool) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				wctx, wcancel := context.WithTimeout(ctx, time.Second)
				ok := write(wctx, i)
				wcancel()
				if !ok {
					return
				}
			}
		}
		wg.Add(4)
		go loop(func(ctx context.Context, i int) bool {
			value := fmt.Sprintf("r-%d-%d-%s", round, i, strings.Repeat("x", 300))
			r, err := producer.ProduceSync(ctx, &kgo.Record{Topic: "ret", Partition: 0, Value: []byte(value)}).First()
			if err != nil {
				return false
			}
			mu.Lock()
			records[r.Offset] = value
			mu.Unlock()
			return true
		})
		go loop(func(ctx context.Context, _ int) bool {
			mu.Lock()
			next++
			v := next
			mu.Unlock()
			rs, err := adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.bytes", Value: kadm.StringPtr(fmt.Sprint(v))}}, "cfg")
			if err != nil || len(rs) != 1 || rs[0].Err != nil {
				return false
			}
			mu.Lock()
			configAt = max(configAt, v)
			mu.Unlock()
			return true
		})
		go loop(func(ctx context.Context, i int) bool {
			name := fmt.Sprintf("acl-%d-%d", round, i)
			rs, err := adm.CreateACLs(ctx, kadm.NewACLs().Topics(name).ResourcePatternType(kadm.ACLPatternLiteral).
				Allow("User:u").AllowHosts("*").Operations(kadm.OpRead))
			if err != nil || len(rs) != 1 || rs[0].Err != nil {
				return false
			}
			mu.Lock()
			acls = append(acls, name)
			mu.Unlock()
			return true
		})
		go loop(func(ctx context.Context, i int) bool {
			name := fmt.Sprintf("user-%d-%d", round, i)
			rs, err := adm.AlterUserSCRAMs(ctx, nil, []kadm.UpsertSCRAM{{User: name, Mechanism: kadm.ScramSha256, Iterations: 4096, Password: "pw"}})
			if err != nil || rs[name].Err != nil {
				return false
			}
			mu.Lock()
			users = append(users, name)
			mu.Unlock()
			return true
		})
		time.Sleep(time.Duration(100+rand.IntN(300)) * time.Millisecond)
		b.kill()
		close(stop)
	}
	b := startChild(t, bin, dir, flags...)
	lastConfig, allACLs, allUsers, allRecords := snapshot()
	checkAdminWrites(t, ctx, kadm.NewClient(newClient(t, b.addr)), 4, lastConfig, allACLs, allUsers)
	start := checkRetained(t, ctx, b.addr, 4, allRecords)
	if len(allACLs) == 0 || len(allUsers) == 0 || lastConfig == 0 || start == 0 {
		t.Errorf("acknowledged %d ACLs, %d users, config %d, log start %d: the test needs some of each", len(allACLs), len(allUsers), lastConfig, start)
	}
	t.Logf("acknowledged across the kills: %d ACLs, %d users, retention.bytes up to %d, %d records of which retention kept those from %d",
		len(allACLs), len(allUsers), lastConfig, len(allRecords), start)
}

// checkRetained reads topic ret from its log start to its end and checks
// every acknowledged record at or past the log start, returning it.
func checkRetained(t *testing.T, ctx context.Context, addr string, round int, records map[int64]string) int64 {
	t.Helper()
	adm := kadm.NewClient(newClient(t, addr))
	starts, err := adm.ListStartOffsets(ctx, "ret")
	if err != nil {
		t.Fatalf("round %d: ListStartOffsets: %v", round, err)
	}
	ends, err := adm.ListEndOffsets(ctx, "ret")
	if err != nil {
		t.Fatalf("round %d: ListEndOffsets: %v", round, err)
	}
	s, _ := starts.Lookup("ret", 0)
	e, _ := ends.Lookup("ret", 0)
	if s.Err != nil || e.Err != nil {
		t.Fatalf("round %d: log start %v, end %v", round, s.Err, e.Err)
	}
	got := map[int64]string{}
	if s.Offset < e.Offset {
		cl := newClient(t, addr, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"ret": {0: kgo.NewOffset().At(s.Offset)}}),
			kgo.FetchMaxWait(100*time.Millisecond))
		for last := s.Offset - 1; last < e.Offset-1; {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil {
				t.Fatalf("round %d: consuming ret: %v", round, ctx.Err())
			}
			fs.EachError(func(_ string, _ int32, err error) { t.Fatalf("round %d: fetch ret: %v", round, err) })
			fs.EachRecord(func(r *kgo.Record) { got[r.Offset], last = string(r.Value), r.Offset })
		}
	}
	// Retention runs on while the records are read, and may move the log
	// start past some: the start after the read is the one that counts.
	if starts, err = adm.ListStartOffsets(ctx, "ret"); err != nil {
		t.Fatalf("round %d: ListStartOffsets: %v", round, err)
	}
	s, _ = starts.Lookup("ret", 0)
	for offset, value := range records {
		if offset >= s.Offset && got[offset] != value {
			t.Errorf("round %d: ret offset %d (log start %d, end %d): acknowledged record missing or changed", round, offset, s.Offset, e.Offset)
		}
	}
	return s.Offset
}

// checkAdminWrites checks, after the restart before round, what
// TestKillDuringAdminWrites says.
func checkAdminWrites(t *testing.T, ctx context.Context, adm *kadm.Client, round int, configAt int64, acls, users []string) {
	t.Helper()
	rcs, err := adm.DescribeTopicConfigs(ctx, "cfg")
	if err != nil || len(rcs) != 1 || rcs[0].Err != nil {
		t.Fatalf("round %d: DescribeTopicConfigs: %v %v", round, rcs, err)
	}
	for _, c := range rcs[0].Configs {
		if c.Key == "retention.bytes" {
			var v int64
			fmt.Sscan(c.MaybeValue(), &v)
			if v < configAt {
				t.Errorf("round %d: retention.bytes %d, behind the %d acknowledged", round, v, configAt)
			}
		}
	}
	rs, err := adm.DescribeACLs(ctx, kadm.NewACLs().AnyResource().ResourcePatternType(kadm.ACLPatternLiteral).
		Allow("User:u").AllowHosts("*").Operations(kadm.OpRead))
	if err != nil {
		t.Fatalf("round %d: DescribeACLs: %v", round, err)
	}
	there := map[string]bool{}
	for _, r := range rs {
		if r.Err != nil {
			t.Fatalf("round %d: DescribeACLs: %v", round, r.Err)
		}
		for _, d := range r.Described {
			there[d.Name] = true
		}
	}
	for _, name := range acls {
		if !there[name] {
			t.Errorf("round %d: acknowledged ACL on %s is gone", round, name)
		}
	}
	if len(users) > 0 {
		described, err := adm.DescribeUserSCRAMs(ctx, users...)
		if err != nil {
			t.Fatalf("round %d: DescribeUserSCRAMs: %v", round, err)
		}
		for _, name := range users {
			if d, ok := described[name]; !ok || d.Err != nil || len(d.CredInfos) == 0 {
				t.Errorf("round %d: acknowledged user %s: %+v", round, name, d)
			}
		}
	}
}
