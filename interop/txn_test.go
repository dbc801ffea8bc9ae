// Transactions with franz-go: a transactional producer that commits and
// aborts, read by a read_committed and a read_uncommitted consumer, and an
// exactly-once consume-transform-produce loop (GroupTransactSession).
package interop

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// txnValues returns the values of rs, sorted.
func txnValues(rs []*kgo.Record) []string {
	var vs []string
	for _, r := range rs {
		vs = append(vs, string(r.Value))
	}
	slices.Sort(vs)
	return vs
}

// valuesOf names n records "prefix-i", sorted as txnValues sorts.
func valuesOf(prefix string, n int) []string {
	var vs []string
	for i := range n {
		vs = append(vs, fmt.Sprintf("%s-%03d", prefix, i))
	}
	slices.Sort(vs)
	return vs
}

// wireLog is a kgo.Logger that remembers which requests its client wrote,
// and at which version (kgo logs "wrote Produce v12" at debug level), and
// passes what is at next's level on to next. It is how the tests see that
// franz-go takes the transaction version 2 paths (KIP-890 part 2), which
// it does only when the broker finalizes transaction.version 2.
type wireLog struct {
	next  kgo.Logger
	mu    sync.Mutex
	wrote map[string]bool
}

func newWireLog(next kgo.Logger) *wireLog { return &wireLog{next: next, wrote: map[string]bool{}} }

func (l *wireLog) Level() kgo.LogLevel { return kgo.LogLevelDebug }

func (l *wireLog) Log(level kgo.LogLevel, msg string, kv ...any) {
	if req, ok := strings.CutPrefix(msg, "wrote "); ok {
		l.mu.Lock()
		l.wrote[req] = true
		l.mu.Unlock()
	}
	if level <= l.next.Level() {
		l.next.Log(level, msg, kv...)
	}
}

// versions lists the versions of request name the client wrote, sorted.
func (l *wireLog) versions(name string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var vs []string
	for req := range l.wrote {
		if v, ok := strings.CutPrefix(req, name+" "); ok {
			vs = append(vs, v)
		}
	}
	slices.Sort(vs)
	return vs
}

// checkWrote fails t unless the client wrote each named request at exactly
// the version given, where "" means never.
func (l *wireLog) checkWrote(t *testing.T, want map[string]string) {
	t.Helper()
	for name, v := range want {
		got := l.versions(name)
		if v == "" && len(got) > 0 || v != "" && !slices.Equal(got, []string{v}) {
			t.Errorf("%s written at %v, want %q", name, got, v)
		}
	}
}

// tv2Wire is what a client of transaction version 2 writes: no
// AddPartitionsToTxn or AddOffsetsToTxn, Produce v12, EndTxn v5.
var tv2Wire = map[string]string{"AddPartitionsToTxn": "", "AddOffsetsToTxn": "", "Produce": "v12", "EndTxn": "v5"}

// runTxn produces n records "prefix-i" in one transaction and ends it.
func runTxn(t *testing.T, ctx context.Context, cl *kgo.Client, topic, prefix string, n int, commit kgo.TransactionEndTry) {
	t.Helper()
	if err := cl.BeginTransaction(); err != nil {
		t.Fatalf("BeginTransaction: %v", err)
	}
	var rs []*kgo.Record
	for i := range n {
		rs = append(rs, &kgo.Record{Topic: topic, Key: []byte(fmt.Sprint(i)), Value: fmt.Appendf(nil, "%s-%03d", prefix, i)})
	}
	produceSync(t, ctx, cl, rs...)
	if err := cl.EndTransaction(ctx, commit); err != nil {
		t.Fatalf("EndTransaction(%v): %v", commit, err)
	}
}

func TestFranzTransactions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	const topic = "txn"
	admCl := newClient(t, addr)
	createTopic(t, ctx, kadm.NewClient(admCl), 2, topic)

	wire := newWireLog(kgo.BasicLogger(clientLog(t, "franz-go producer: "), kgo.LogLevelInfo, nil))
	p := newClient(t, addr, kgo.TransactionalID("franz-txn"), kgo.TransactionTimeout(30*time.Second), kgo.WithLogger(wire))
	runTxn(t, ctx, p, topic, "commit1", 20, kgo.TryCommit)
	runTxn(t, ctx, p, topic, "abort", 20, kgo.TryAbort)
	runTxn(t, ctx, p, topic, "commit2", 10, kgo.TryCommit)

	committed := newClient(t, addr, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(200*time.Millisecond))
	got := txnValues(pollN(t, ctx, committed, 30))
	want := append(valuesOf("commit1", 20), valuesOf("commit2", 10)...)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("read_committed got %v,\nwant %v", got, want)
	}
	expectNoMore(t, ctx, committed, 500*time.Millisecond)

	uncommitted := newClient(t, addr, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(200*time.Millisecond))
	got = txnValues(pollN(t, ctx, uncommitted, 50))
	want = append(want, valuesOf("abort", 20)...)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("read_uncommitted got %v,\nwant %v", got, want)
	}
	expectNoMore(t, ctx, uncommitted, 500*time.Millisecond)

	// An open transaction holds read_committed consumers back until it
	// commits; the commit wakes their long poll.
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produceSync(t, ctx, p, &kgo.Record{Topic: topic, Partition: 0, Value: []byte("late")})
	expectNoMore(t, ctx, committed, 500*time.Millisecond)
	if err := p.EndTransaction(ctx, kgo.TryCommit); err != nil {
		t.Fatal(err)
	}
	if got := txnValues(pollN(t, ctx, committed, 1)); !slices.Equal(got, []string{"late"}) {
		t.Errorf("after the late commit, read_committed got %v", got)
	}

	// A second producer with the same transactional id fences the first.
	p2 := newClient(t, addr, kgo.TransactionalID("franz-txn"), kgo.TransactionTimeout(30*time.Second))
	if err := p.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	r := p.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("zombie")})
	runTxn(t, ctx, p2, topic, "p2", 3, kgo.TryCommit)
	err := p.EndTransaction(ctx, kgo.TryCommit)
	if r.FirstErr() == nil && err == nil {
		t.Errorf("the fenced producer committed")
	}
	got = txnValues(pollN(t, ctx, committed, 3))
	if !slices.Equal(got, valuesOf("p2", 3)) {
		t.Errorf("after fencing, read_committed got %v, want p2's three", got)
	}
	expectNoMore(t, ctx, committed, 500*time.Millisecond)
	wire.checkWrote(t, tv2Wire)

	// What kafka-transactions.sh would show.
	adm := kadm.NewClient(admCl)
	described, err := adm.DescribeTransactions(ctx, "franz-txn", "missing")
	if err != nil {
		t.Fatalf("DescribeTransactions: %v", err)
	}
	if d, ok := described["franz-txn"]; !ok || d.Err != nil || d.State != "CompleteCommit" || d.ProducerID < 0 {
		t.Errorf("DescribeTransactions(franz-txn) = %+v", d)
	}
	if d := described["missing"]; d.Err == nil {
		t.Errorf("DescribeTransactions(missing) = %+v, want TRANSACTIONAL_ID_NOT_FOUND", d)
	}
	listed, err := adm.ListTransactions(ctx, nil, []string{"CompleteCommit"})
	if err != nil {
		t.Fatalf("ListTransactions: %v", err)
	}
	if l, ok := listed["franz-txn"]; !ok || l.State != "CompleteCommit" || len(listed) != 1 {
		t.Errorf("ListTransactions(CompleteCommit) = %+v", listed)
	}
}

// TestFranzTransactionsVersion1: after kafka-features.sh's downgrade of
// transaction.version to 1 (UpdateFeatures, as kadm sends it), a new
// franz-go producer sees level 1 finalized and keeps to the requests of
// version 0 and 1: AddPartitionsToTxn (v3, the last of clients), Produce
// v11, EndTxn v4. Its
// transactions work as before.
func TestFranzTransactionsVersion1(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	const topic = "txn1"
	adm := kadm.NewClient(newClient(t, addr))
	createTopic(t, ctx, adm, 2, topic)
	updated, err := adm.UpdateFeatures(ctx, false, kadm.FeatureUpdate{Feature: "transaction.version", MaxVersionLevel: 1, UpgradeType: 2})
	if err == nil {
		err = updated.Error()
	}
	if err != nil {
		t.Fatalf("UpdateFeatures(transaction.version=1): %v", err)
	}
	wire := newWireLog(kgo.BasicLogger(clientLog(t, "franz-go producer: "), kgo.LogLevelInfo, nil))
	p := newClient(t, addr, kgo.TransactionalID("franz-txn1"), kgo.TransactionTimeout(30*time.Second), kgo.WithLogger(wire))
	runTxn(t, ctx, p, topic, "abort", 5, kgo.TryAbort)
	runTxn(t, ctx, p, topic, "commit", 5, kgo.TryCommit)
	committed := newClient(t, addr, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(200*time.Millisecond))
	if got := txnValues(pollN(t, ctx, committed, 5)); !slices.Equal(got, valuesOf("commit", 5)) {
		t.Errorf("read_committed got %v, want the five committed", got)
	}
	expectNoMore(t, ctx, committed, 500*time.Millisecond)
	wire.checkWrote(t, map[string]string{"Produce": "v11", "EndTxn": "v4", "AddPartitionsToTxn": "v3"})
}

// TestFranzGroupTransactSession is exactly-once ETL: records of an input
// topic are copied to an output topic, and the group's offsets of the
// input committed, in the same transactions. One transaction is aborted on
// purpose; its input is processed again and its output is never seen by a
// read_committed reader, which must find every input record exactly once.
func TestFranzGroupTransactSession(t *testing.T) {
	runETL(t)
}

// TestFranzGroupTransactSession848 is the same loop in a KIP-848 consumer
// group, whose TxnOffsetCommits carry member epochs, not generations.
func TestFranzGroupTransactSession848(t *testing.T) {
	runETL(t, serverSide(kgo.RangeBalancer())...)
}

// runETL runs the exactly-once loop with a group member made with opts.
func runETL(t *testing.T, opts ...kgo.Opt) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	addr, _ := startBroker(t, t.TempDir())
	const in, out, group, n = "etl-in", "etl-out", "etl", 300
	admCl := newClient(t, addr)
	adm := kadm.NewClient(admCl)
	createTopic(t, ctx, adm, 3, in)
	createTopic(t, ctx, adm, 3, out)
	var inputs []*kgo.Record
	for i := range n {
		inputs = append(inputs, &kgo.Record{Topic: in, Key: []byte(fmt.Sprint(i)), Value: fmt.Appendf(nil, "v-%03d", i)})
	}
	produceSync(t, ctx, admCl, inputs...)

	wire := newWireLog(kgo.BasicLogger(clientLog(t, "franz-go etl: "), kgo.LogLevelInfo, nil))
	sess, err := kgo.NewGroupTransactSession(append([]kgo.Opt{
		kgo.SeedBrokers(addr),
		kgo.TransactionalID("etl-txn"),
		kgo.TransactionTimeout(30 * time.Second),
		kgo.ConsumerGroup(group),
		kgo.ConsumeTopics(in),
		kgo.RequireStableFetchOffsets(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxWait(200 * time.Millisecond),
		kgo.HeartbeatInterval(500 * time.Millisecond),
		kgo.WithLogger(wire),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()

	processed, aborted := 0, false
	for processed < n {
		if ctx.Err() != nil {
			t.Fatalf("processed %d of %d before %v", processed, n, ctx.Err())
		}
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		fs := sess.PollFetches(pctx)
		pcancel()
		fs.EachError(func(topic string, p int32, err error) {
			if !strings.Contains(err.Error(), "context deadline exceeded") {
				t.Fatalf("fetch %s[%d]: %v", topic, p, err)
			}
		})
		recs := fs.Records()
		if len(recs) == 0 {
			continue
		}
		if err := sess.Begin(); err != nil {
			t.Fatalf("Begin: %v", err)
		}
		end := kgo.TryCommit
		if !aborted {
			end, aborted = kgo.TryAbort, true
		}
		for _, r := range recs {
			sess.Produce(ctx, &kgo.Record{Topic: out, Key: r.Key, Value: r.Value}, func(_ *kgo.Record, err error) {
				// Aborting fails the records still buffered: expected.
				if err != nil && end == kgo.TryCommit {
					t.Errorf("produce: %v", err)
				}
			})
		}
		if end == kgo.TryAbort {
			// Get the doomed records into the log, so that the abort has
			// something for read_committed readers to skip.
			if err := sess.Client().Flush(ctx); err != nil {
				t.Fatalf("Flush: %v", err)
			}
		}
		committed, err := sess.End(ctx, end)
		if err != nil {
			t.Fatalf("End(%v): %v", end, err)
		}
		if end == kgo.TryCommit && committed {
			processed += len(recs)
		}
	}
	if processed != n {
		t.Errorf("processed %d records, want %d", processed, n)
	}
	wire.checkWrote(t, tv2Wire)
	wire.checkWrote(t, map[string]string{"TxnOffsetCommit": "v5"})

	reader := newClient(t, addr, kgo.ConsumeTopics(out), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.FetchMaxWait(200*time.Millisecond))
	got := txnValues(pollN(t, ctx, reader, n))
	if want := valuesOf("v", n); !slices.Equal(got, want) {
		t.Errorf("read_committed output: %d records, want each of %d once", len(got), n)
	}
	expectNoMore(t, ctx, reader, 500*time.Millisecond)
	checkCommitted(t, ctx, adm, group, in, map[int32]int64{0: countIn(inputs, 0), 1: countIn(inputs, 1), 2: countIn(inputs, 2)})
}

// countIn is how many of rs went to partition p.
func countIn(rs []*kgo.Record, p int32) int64 {
	var n int64
	for _, r := range rs {
		if r.Partition == p {
			n++
		}
	}
	return n
}
