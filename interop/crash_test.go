package interop

// The crash test: the broker as a child process, killed with SIGKILL while
// a franz-go producer is in full flow, then restarted on the same data
// dir. Whatever the broker acknowledged must be there, at the offset it
// said; nothing may be there twice; and offsets must go on without a gap.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// buildBroker builds cmd/kafka of the parent module into a temporary dir.
func buildBroker(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kafka")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/kafka")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/kafka: %v\n%s", err, out)
	}
	return bin
}

// childBroker is a broker running as a process of its own.
type childBroker struct {
	cmd  *exec.Cmd
	addr string
	done chan struct{} // closed when the process has exited

	mu     sync.Mutex
	stderr bytes.Buffer
}

var listeningRE = regexp.MustCompile(`msg="kafka broker listening" addr=(\S+)`)

// startChild runs the broker binary on dataDir with -fsync always on a
// free port, and any further flags given, and waits for the log line that
// says where it listens. The
// process is killed when the test ends, if it is still running; its log
// is shown if the test failed.
func startChild(t *testing.T, bin, dataDir string, flags ...string) *childBroker {
	t.Helper()
	return startChildCmd(t, exec.Command(bin, append(childArgs(dataDir), flags...)...))
}

// childArgs are the broker's arguments in startChild.
func childArgs(dataDir string) []string {
	return []string{"-addr", "127.0.0.1:0", "-data", dataDir, "-fsync", "always"}
}

// startChildCmd is startChild running cmd, which execs the broker.
func startChildCmd(t *testing.T, cmd *exec.Cmd) *childBroker {
	t.Helper()
	b := &childBroker{done: make(chan struct{}), cmd: cmd}
	stderr, err := b.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("start broker: %v", err)
	}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			b.mu.Lock()
			b.stderr.WriteString(line + "\n")
			b.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				addr <- m[1]
			}
		}
		b.cmd.Wait()
		close(b.done)
	}()
	t.Cleanup(func() {
		b.kill()
		if t.Failed() {
			t.Logf("broker %s log:\n%s", b.addr, b.log())
		}
	})
	select {
	case b.addr = <-addr:
		return b
	case <-b.done:
		t.Fatalf("broker exited before listening:\n%s", b.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("broker did not listen within 30s:\n%s", b.log())
	}
	return nil
}

// kill sends SIGKILL, which the broker cannot catch: no Close, no clean
// shutdown marker, whatever was in flight is cut off.
func (b *childBroker) kill() {
	b.cmd.Process.Signal(syscall.SIGKILL)
	<-b.done
}

func (b *childBroker) log() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stderr.String()
}

// position is where the broker said a record went.
type position struct {
	partition int32
	offset    int64
}

func TestCrashRecovery(t *testing.T) {
	bin := buildBroker(t)
	for _, delay := range []time.Duration{100 * time.Millisecond, 400 * time.Millisecond, 1200 * time.Millisecond} {
		t.Run(fmt.Sprintf("kill after %v", delay), func(t *testing.T) {
			testCrashRecovery(t, bin, delay)
		})
	}
}

func testCrashRecovery(t *testing.T, bin string, delay time.Duration) {
	const topic, partitions = "crash", 3
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	b := startChild(t, bin, dir)
	createTopic(t, ctx, kadm.NewClient(newClient(t, b.addr)), partitions, topic)

	// Produce as fast as the broker acknowledges (acks=-1, idempotent,
	// several requests in flight) until the kill, recording every
	// acknowledged record's position by its value.
	prod, err := kgo.NewClient(
		kgo.SeedBrokers(b.addr),
		kgo.DefaultProduceTopic(topic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordDeliveryTimeout(3*time.Second),
		kgo.ProducerLinger(0),
	)
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		acked = map[string]position{}
		wg    sync.WaitGroup
	)
	pctx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	// The delay counts from the first acknowledgement, not from the
	// client's start: on a busy machine the producer's set-up (metadata,
	// InitProducerId) can take longer than the shortest delay.
	firstAck := make(chan struct{})
	var firstAckOnce sync.Once
	go func() {
		defer close(stopped)
		for i := 0; pctx.Err() == nil; i++ {
			wg.Add(1)
			v := strconv.Itoa(i)
			// Produce blocks while the buffer is full, until pctx ends.
			prod.Produce(pctx, &kgo.Record{Key: []byte(v), Value: []byte(v)}, func(r *kgo.Record, err error) {
				defer wg.Done()
				if err == nil {
					mu.Lock()
					acked[v] = position{r.Partition, r.Offset}
					mu.Unlock()
					firstAckOnce.Do(func() { close(firstAck) })
				}
			})
		}
	}()
	select {
	case <-firstAck:
	case <-ctx.Done():
		t.Fatal("nothing was acknowledged before the timeout")
	}
	time.Sleep(delay)
	b.kill()
	stop()
	<-stopped
	// An idempotent producer does not give up on records already sent;
	// closing the client fails them, and every promise has then run.
	prod.Close()
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("nothing was acknowledged before the kill")
	}
	t.Logf("%d records acknowledged before SIGKILL", len(acked))

	b = startChild(t, bin, dir)
	if !bytes.Contains([]byte(b.log()), []byte("no clean shutdown marker")) {
		t.Errorf("the restart did not notice the unclean stop:\n%s", b.log())
	}
	cl := newClient(t, b.addr)
	ends := endOffsets(t, ctx, kadm.NewClient(cl), topic)
	got := consumeAll(t, ctx, b.addr, topic, ends)
	seen := map[string]position{}
	for p, recs := range got {
		for i, r := range recs {
			if r.Offset != int64(i) {
				t.Fatalf("partition %d: record %d has offset %d: a gap or a repeat", p, i, r.Offset)
			}
			v := string(r.Value)
			if prev, dup := seen[v]; dup {
				t.Errorf("record %s is in the log twice: %v and %d@%d", v, prev, p, r.Offset)
			}
			seen[v] = position{p, r.Offset}
		}
	}
	for v, at := range acked {
		if seen[v] != at {
			t.Errorf("acknowledged record %s at %v: found at %v", v, at, seen[v])
		}
	}
	t.Logf("%d records in the log after recovery", len(seen))

	// Producing goes on where the log ends, in every partition.
	more := make([]*kgo.Record, 30)
	for i := range more {
		v := fmt.Sprintf("after-%d", i)
		more[i] = &kgo.Record{Topic: topic, Partition: int32(i % partitions), Key: []byte(v), Value: []byte(v)}
	}
	after := newClient(t, b.addr, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	produceSync(t, ctx, after, more...)
	next := ends
	for _, r := range more {
		if r.Offset != next[r.Partition] {
			t.Errorf("record %s at %d@%d, want offset %d", r.Value, r.Partition, r.Offset, next[r.Partition])
		}
		next[r.Partition] = r.Offset + 1
	}
}

// endOffsets lists the high watermark of each partition of topic.
func endOffsets(t *testing.T, ctx context.Context, adm *kadm.Client, topic string) map[int32]int64 {
	t.Helper()
	listed, err := adm.ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatalf("ListEndOffsets: %v", err)
	}
	ends := map[int32]int64{}
	listed.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			t.Fatalf("ListEndOffsets %s[%d]: %v", o.Topic, o.Partition, o.Err)
		}
		ends[o.Partition] = o.Offset
	})
	return ends
}

// consumeAll reads every partition of topic from offset 0 up to its end.
func consumeAll(t *testing.T, ctx context.Context, addr, topic string, ends map[int32]int64) map[int32][]*kgo.Record {
	t.Helper()
	offsets := map[int32]kgo.Offset{}
	for p := range ends {
		offsets[p] = kgo.NewOffset().At(0)
	}
	cl := newClient(t, addr,
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: offsets}),
		kgo.FetchMaxWait(100*time.Millisecond),
	)
	got := map[int32][]*kgo.Record{}
	done := func() bool {
		for p, end := range ends {
			if int64(len(got[p])) < end {
				return false
			}
		}
		return true
	}
	for !done() {
		if ctx.Err() != nil {
			t.Fatalf("consuming: %v; have %d, %d, %d records of %v", ctx.Err(), len(got[0]), len(got[1]), len(got[2]), ends)
		}
		fs := cl.PollFetches(ctx)
		fs.EachError(func(topic string, p int32, err error) { t.Fatalf("fetch %s[%d]: %v", topic, p, err) })
		fs.EachRecord(func(r *kgo.Record) { got[r.Partition] = append(got[r.Partition], r) })
	}
	return got
}

// mixedState is what the broker acknowledged during TestCrashMixedLoad's
// rounds, to be found after every restart.
type mixedState struct {
	mu        sync.Mutex
	acked     map[position]string // the rolling topic's records
	lowMark   int64               // DeleteRecords of partition 1, acknowledged
	committed map[string]bool     // values of committed transactions
	aborted   map[string]bool     // values of aborted transactions
	groupAt   int64               // the group's commit of partition 0, acknowledged
}

// TestCrashMixedLoad is a short form of the fault campaign's SIGKILL runs:
// a few rounds of a mixed load, each ended by SIGKILL at a random moment,
// each restart checked. The load: idempotent acks=all produces to a topic
// whose segments roll every few KiB, transactions that commit or abort,
// group offset commits and DeleteRecords, all at once. After a restart
// every acknowledged record is at its offset, the log start offset is not
// behind an acknowledged DeleteRecords, read_committed shows every
// committed transaction and no aborted one, and the group's offset is not
// behind its acknowledged commit.
func TestCrashMixedLoad(t *testing.T) {
	const rounds = 3
	bin := buildBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	// Open transactions a kill leaves are aborted by their timeout.
	flags := []string{"-c", "transaction.abort.timed.out.transaction.cleanup.interval.ms=100"}
	st := &mixedState{acked: map[position]string{}, committed: map[string]bool{}, aborted: map[string]bool{}}
	for round := range rounds {
		b := startChild(t, bin, dir, flags...)
		if round == 0 {
			adm := kadm.NewClient(newClient(t, b.addr))
			resp, err := adm.CreateTopic(ctx, 2, 1, map[string]*string{"segment.bytes": kadm.StringPtr("4096")}, "mixed")
			if err != nil || resp.Err != nil {
				t.Fatalf("create: %v %v", err, resp.Err)
			}
			createTopic(t, ctx, adm, 1, "mixed-txn")
		} else {
			checkMixed(t, ctx, b.addr, st)
		}
		loadMixed(t, ctx, b, st, round, time.Duration(200+rng.IntN(800))*time.Millisecond)
		if t.Failed() {
			t.Fatalf("round %d", round)
		}
	}
	b := startChild(t, bin, dir, flags...)
	checkMixed(t, ctx, b.addr, st)
	t.Logf("%d records, %d committed and %d aborted transactional records, group at %d, low mark %d",
		len(st.acked), len(st.committed), len(st.aborted), st.groupAt, st.lowMark)
}

// loadMixed runs the load until SIGKILL ends it, kill after the first
// acknowledgement.
func loadMixed(t *testing.T, ctx context.Context, b *childBroker, st *mixedState, round int, kill time.Duration) {
	lctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	firstAck := make(chan struct{})
	var once sync.Once
	run := func(f func()) { wg.Add(1); go func() { defer wg.Done(); f() }() }
	run(func() { // idempotent produces
		// Batches stay below the topic's 4 KiB segments, since a batch
		// larger than a segment is refused (RECORD_LIST_TOO_LARGE).
		cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr), kgo.DefaultProduceTopic("mixed"), kgo.ProducerLinger(0),
			kgo.RecordDeliveryTimeout(3*time.Second), kgo.ProducerBatchMaxBytes(2048))
		if err != nil {
			return
		}
		var pending sync.WaitGroup
		for i := 0; lctx.Err() == nil; i++ {
			v := fmt.Sprintf("r%d-%d", round, i)
			if i%50 == 49 { // enough for segments to roll, few enough to read back quickly
				time.Sleep(5 * time.Millisecond)
			}
			pending.Add(1)
			cl.Produce(lctx, &kgo.Record{Key: []byte(v), Value: []byte(v)}, func(r *kgo.Record, err error) {
				defer pending.Done()
				if err == nil {
					st.mu.Lock()
					st.acked[position{r.Partition, r.Offset}] = v
					st.mu.Unlock()
					once.Do(func() { close(firstAck) })
				}
			})
		}
		cl.Close()
		pending.Wait()
	})
	run(func() { // transactions
		cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr), kgo.DefaultProduceTopic("mixed-txn"),
			kgo.TransactionalID("mixed"), kgo.TransactionTimeout(time.Second), kgo.RecordDeliveryTimeout(3*time.Second))
		if err != nil {
			return
		}
		defer cl.Close()
		for n := 0; lctx.Err() == nil; n++ {
			if cl.BeginTransaction() != nil {
				return
			}
			vs := []string{fmt.Sprintf("t%d-%d-a", round, n), fmt.Sprintf("t%d-%d-b", round, n)}
			for _, v := range vs {
				cl.Produce(lctx, &kgo.Record{Value: []byte(v)}, nil)
			}
			// Flushed either way: a record still in flight at the
			// EndTxn could land in the next transaction.
			if cl.Flush(lctx) != nil {
				return
			}
			commit := n%2 == 0
			end := kgo.TryAbort
			if commit {
				end = kgo.TryCommit
			}
			if cl.EndTransaction(lctx, end) != nil {
				return
			}
			st.mu.Lock()
			for _, v := range vs {
				if commit {
					st.committed[v] = true
				} else {
					st.aborted[v] = true
				}
			}
			st.mu.Unlock()
		}
	})
	run(func() { // group commits and DeleteRecords
		cl, err := kgo.NewClient(kgo.SeedBrokers(b.addr), kgo.RequestRetries(0))
		if err != nil {
			return
		}
		defer cl.Close()
		adm := kadm.NewClient(cl)
		for lctx.Err() == nil {
			st.mu.Lock()
			at, low := st.groupAt+1, st.lowMark+1
			st.mu.Unlock()
			var os kadm.Offsets
			os.Add(kadm.Offset{Topic: "mixed", Partition: 0, At: at})
			if resp, err := adm.CommitOffsets(lctx, "mixed-group", os); err == nil && resp.Ok() {
				st.mu.Lock()
				st.groupAt = at
				st.mu.Unlock()
			}
			var del kadm.Offsets
			del.Add(kadm.Offset{Topic: "mixed", Partition: 1, At: low})
			if resps, err := adm.DeleteRecords(lctx, del); err == nil {
				if r, ok := resps.Lookup("mixed", 1); ok && r.Err == nil {
					st.mu.Lock()
					st.lowMark = max(st.lowMark, r.LowWatermark)
					st.mu.Unlock()
				}
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
	select {
	case <-firstAck:
	case <-ctx.Done():
		t.Fatal("nothing was acknowledged")
	}
	time.Sleep(kill)
	b.kill()
	stop()
	wg.Wait()
}

// checkMixed checks what st holds against the restarted broker.
func checkMixed(t *testing.T, ctx context.Context, addr string, st *mixedState) {
	t.Helper()
	st.mu.Lock()
	defer st.mu.Unlock()
	adm := kadm.NewClient(newClient(t, addr))
	starts, err := adm.ListStartOffsets(ctx, "mixed")
	if err != nil {
		t.Fatal(err)
	}
	start := map[int32]int64{}
	starts.Each(func(o kadm.ListedOffset) { start[o.Partition] = o.Offset })
	if start[1] < st.lowMark {
		t.Errorf("partition 1 starts at %d, behind the acknowledged DeleteRecords to %d", start[1], st.lowMark)
	}
	ends := endOffsets(t, ctx, adm, "mixed")
	offsets := map[int32]kgo.Offset{}
	for p := range ends {
		offsets[p] = kgo.NewOffset().At(start[p])
	}
	cl := newClient(t, addr, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"mixed": offsets}), kgo.FetchMaxWait(50*time.Millisecond))
	found := map[position]string{}
	for have := int64(0); have < ends[0]-start[0]+ends[1]-start[1]; {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading back: %v", ctx.Err())
		}
		fs.EachError(func(_ string, p int32, err error) { t.Fatalf("fetch partition %d: %v", p, err) })
		fs.EachRecord(func(r *kgo.Record) { found[position{r.Partition, r.Offset}] = string(r.Value); have++ })
	}
	for at, v := range st.acked {
		if at.offset >= start[at.partition] && found[at] != v {
			t.Errorf("acknowledged %s at %v: found %q", v, at, found[at])
		}
	}
	fetched, err := adm.FetchOffsets(ctx, "mixed-group")
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := fetched.Lookup("mixed", 0); o.At < st.groupAt {
		t.Errorf("group offset %d, behind the acknowledged commit of %d", o.At, st.groupAt)
	}
	checkMixedTxns(t, ctx, addr, adm, st)
}

// checkMixedTxns waits for the transactions a kill left open to be
// aborted, then reads the transactional topic read_committed.
func checkMixedTxns(t *testing.T, ctx context.Context, addr string, adm *kadm.Client, st *mixedState) {
	t.Helper()
	var end int64
	waitUntil(t, ctx, "the last stable offset to reach the high watermark", func() bool {
		stable, err1 := adm.ListCommittedOffsets(ctx, "mixed-txn")
		hw, err2 := adm.ListEndOffsets(ctx, "mixed-txn")
		s, _ := stable.Lookup("mixed-txn", 0)
		h, _ := hw.Lookup("mixed-txn", 0)
		end = h.Offset
		return err1 == nil && err2 == nil && s.Offset == h.Offset
	}, func() string { return "" })
	cl := newClient(t, addr, kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"mixed-txn": {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(50*time.Millisecond))
	visible := map[string]bool{}
	for last := int64(-1); last < end-1; {
		pctx, cancel := context.WithTimeout(ctx, time.Second)
		fs := cl.PollFetches(pctx)
		cancel()
		if fs.NumRecords() == 0 {
			break // markers and aborted records end the partition
		}
		fs.EachRecord(func(r *kgo.Record) { visible[string(r.Value)] = true; last = r.Offset })
	}
	for v := range st.committed {
		if !visible[v] {
			t.Errorf("committed %s is not visible read_committed", v)
		}
	}
	for v := range st.aborted {
		if visible[v] {
			t.Errorf("aborted %s is visible read_committed", v)
		}
	}
}

// TestFranzTxnAcrossRestart: a franz-go transaction open when the broker
// stops (SIGTERM) or is killed (SIGKILL) goes on after it starts again on
// the same address and data dir: the producer sends more and commits, and
// read_committed sees every record, as on Kafka, whose coordinator loads
// an Ongoing transaction as Ongoing
// (TransactionStateManager.loadTransactionsForTxnTopicPartition).
func TestFranzTxnAcrossRestart(t *testing.T) {
	bin := buildBroker(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(sig.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			dir := t.TempDir()
			// One address for both runs, so that the client finds the
			// broker again.
			addr := freeAddr(t)
			b := startChild(t, bin, dir, "-addr", addr)
			createTopic(t, ctx, kadm.NewClient(newClient(t, addr)), 1, "across")
			p := newClient(t, addr, kgo.TransactionalID("across"), kgo.TransactionTimeout(30*time.Second),
				kgo.DefaultProduceTopic("across"))
			if err := p.BeginTransaction(); err != nil {
				t.Fatal(err)
			}
			send := func(prefix string) {
				for j := range 5 {
					if err := p.ProduceSync(ctx, kgo.StringRecord(fmt.Sprintf("%s-%d", prefix, j))).FirstErr(); err != nil {
						t.Fatalf("produce %s-%d: %v", prefix, j, err)
					}
				}
			}
			send("before")
			b.cmd.Process.Signal(sig)
			<-b.done
			startChild(t, bin, dir, "-addr", addr)
			send("after")
			if err := p.EndTransaction(ctx, kgo.TryCommit); err != nil {
				t.Fatalf("commit after the restart: %v", err)
			}
			c := newClient(t, addr, kgo.ConsumeTopics("across"), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
				kgo.FetchIsolationLevel(kgo.ReadCommitted()))
			var got []string
			for len(got) < 10 {
				fs := c.PollFetches(ctx)
				if ctx.Err() != nil {
					t.Fatalf("read_committed: %v; got %v", ctx.Err(), got)
				}
				fs.EachError(func(_ string, _ int32, err error) { t.Fatalf("fetch: %v", err) })
				fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
			}
			var want []string
			for _, prefix := range []string{"before", "after"} {
				for j := range 5 {
					want = append(want, fmt.Sprintf("%s-%d", prefix, j))
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("read_committed: %v, want %v", got, want)
			}
		})
	}
}
