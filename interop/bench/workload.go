package bench

// The throughput and latency workloads: the Scenario and LatencyScenario
// they run, and the franz-go producers and consumers (and the raw
// loopback writer) that move their records.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Scenario is one throughput workload: Records records of Size value bytes
// each, spread evenly over Partitions partitions of one topic.
type Scenario struct {
	Partitions int
	Size       int
	Records    int
}

func (sc Scenario) String() string {
	return fmt.Sprintf("%dp %s x%d", sc.Partitions, sizeName(sc.Size), sc.Records)
}

// Payload is the number of value bytes the scenario moves.
func (sc Scenario) Payload() int64 { return int64(sc.Size) * int64(sc.Records) }

// perPartition is how many of the scenario's records go to partition p:
// record i goes to partition i % Partitions.
func (sc Scenario) perPartition(p int) int {
	n := sc.Records / sc.Partitions
	if p < sc.Records%sc.Partitions {
		n++
	}
	return n
}

func sizeName(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return fmt.Sprintf("%dKiB", n/1024)
	}
	return fmt.Sprintf("%dB", n)
}

// LatencyScenario is the end-to-end workload: Records single records of
// Size bytes, one every Interval, each timed from the producer's Produce
// call to the consumer's PollFetches returning it. Warmup records go first
// and are not timed, so that both clients are connected and the consumer
// is waiting in a fetch when timing starts.
type LatencyScenario struct {
	Records  int
	Size     int
	Interval time.Duration
	Warmup   int
}

// clientOpts are the options every franz-go client in the benchmark
// starts from, for both brokers: the defaults (acks=all, an idempotent
// producer, 10ms linger, 1 MB batches, 5 requests in flight) with two
// changes. Batches are not compressed, so that the bytes on the wire are
// the payload plus Kafka's framing, as on the loopback target, and the
// client's snappy does not hide the broker. And a manual partitioner sends
// record i to partition i%P on every target, so the consumer can check
// every partition's offsets.
func clientOpts(addr string, more ...kgo.Opt) []kgo.Opt {
	return append([]kgo.Opt{
		kgo.SeedBrokers(addr),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
	}, more...)
}

const topic = "bench"

// createTopic makes the benchmark topic with the given partition count.
func createTopic(ctx context.Context, addr, name string, partitions int) error {
	cl, err := kgo.NewClient(clientOpts(addr)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).CreateTopic(ctx, int32(partitions), 1, nil, name)
	if err == nil {
		err = resp.Err
	}
	if err != nil {
		return fmt.Errorf("creating topic %s: %w", name, err)
	}
	return nil
}

// value returns a record value of n bytes that starts with i, so a
// consumer can tell records apart, and goes on with pseudo-random bytes,
// so that nothing on the way could gain by compressing it.
func value(n, i int) []byte {
	v := make([]byte, (max(n, 8)+7)/8*8)
	rng := rand.New(rand.NewPCG(uint64(i), 0x6b61666b61))
	for j := 8; j < len(v); j += 8 {
		binary.LittleEndian.PutUint64(v[j:], rng.Uint64())
	}
	binary.BigEndian.PutUint64(v, uint64(i))
	return v[:n]
}

// produceKafka produces the scenario's records asynchronously and waits
// for every acknowledgement. It fails unless every record was acked. q,
// if not nil, gets the times at which a quarter, three quarters and all of
// the records were acked.
func produceKafka(ctx context.Context, addr string, sc Scenario, q *quarters) (time.Duration, error) {
	cl, err := kgo.NewClient(clientOpts(addr)...)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	// Connect and load metadata first, so the timing is of producing.
	if err := cl.Ping(ctx); err != nil {
		return 0, err
	}
	if _, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic); err != nil {
		return 0, err
	}

	val := value(sc.Size, 0)
	var acked atomic.Int64
	var errMu sync.Mutex
	var firstErr error
	done := func(r *kgo.Record, err error) {
		if err != nil {
			errMu.Lock()
			if firstErr == nil {
				firstErr = err
			}
			errMu.Unlock()
			return
		}
		n := acked.Add(1)
		q.reached(n-1, n)
	}
	start := time.Now()
	q.begin(int64(sc.Records))
	for i := range sc.Records {
		cl.Produce(ctx, &kgo.Record{Topic: topic, Partition: int32(i % sc.Partitions), Value: val}, done)
	}
	if err := cl.Flush(ctx); err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	if firstErr != nil {
		return 0, fmt.Errorf("produce: %w", firstErr)
	}
	if n := acked.Load(); n != int64(sc.Records) {
		return 0, fmt.Errorf("produce: %d of %d records acked", n, sc.Records)
	}
	return elapsed, nil
}

// consumeKafka reads the topic from the start with a fresh client until it
// has every record, checking that each partition's offsets run from 0
// without a gap or a repeat and that every value has the right size.
func consumeKafka(ctx context.Context, addr string, sc Scenario) (time.Duration, error) {
	cl, err := kgo.NewClient(clientOpts(addr,
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)...)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		return 0, err
	}

	next := make([]int64, sc.Partitions) // the offset each partition owes us next
	got := 0
	var bad error
	check := func(r *kgo.Record) {
		switch {
		case bad != nil:
		case r.Partition < 0 || int(r.Partition) >= sc.Partitions:
			bad = fmt.Errorf("record from partition %d of a %d-partition topic", r.Partition, sc.Partitions)
		case r.Offset != next[r.Partition]:
			bad = fmt.Errorf("partition %d: got offset %d, want %d", r.Partition, r.Offset, next[r.Partition])
		case len(r.Value) != sc.Size:
			bad = fmt.Errorf("partition %d offset %d: %d-byte value, want %d", r.Partition, r.Offset, len(r.Value), sc.Size)
		default:
			next[r.Partition]++
			got++
		}
	}
	start := time.Now()
	for got < sc.Records {
		fs := cl.PollFetches(ctx)
		if err := fs.Err(); err != nil {
			return 0, fmt.Errorf("consume after %d of %d records: %w", got, sc.Records, err)
		}
		fs.EachRecord(check)
		if bad != nil {
			return 0, fmt.Errorf("consume: %w", bad)
		}
	}
	elapsed := time.Since(start)

	// Nothing more should come: poll briefly, outside the timing.
	pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	extra := cl.PollFetches(pctx).NumRecords()
	cancel()
	if extra > 0 {
		return 0, fmt.Errorf("consume: %d records beyond the %d produced", extra, sc.Records)
	}
	for p := range sc.Partitions {
		if want := int64(sc.perPartition(p)); next[p] != want {
			return 0, fmt.Errorf("consume: partition %d has %d records, want %d", p, next[p], want)
		}
	}
	return elapsed, nil
}

// chunk is how much the loopback clients hand the kernel at a time: about
// what a producer batch or a fetch response carries.
const chunk = 1 << 20

// produceLoop writes the scenario's payload bytes to the loopback sink and
// waits for it to count them. q, if not nil, gets the times at which a
// quarter, three quarters and all of the bytes were written (the last
// mark is when the sink has counted them all).
func produceLoop(ctx context.Context, addr string, sc Scenario, q *quarters) (time.Duration, error) {
	return sinkLoop(ctx, addr, 'P', sc, q)
}

// storeLoop is produceLoop to the storing sink, which writes what it reads
// to a file (the LoopbackFile floor).
func storeLoop(ctx context.Context, addr string, sc Scenario) (time.Duration, error) {
	return sinkLoop(ctx, addr, 'W', sc, nil)
}

// sinkLoop writes the scenario's payload to a sink of the given mode and
// waits for it to count the bytes; see produceLoop.
func sinkLoop(ctx context.Context, addr string, mode byte, sc Scenario, q *quarters) (time.Duration, error) {
	c, err := dialLoop(ctx, addr, mode, nil)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	buf := make([]byte, chunk)
	total := sc.Payload()
	start := time.Now()
	q.begin(total)
	for left := total; left > 0; {
		n := min(int64(len(buf)), left)
		if _, err := c.Write(buf[:n]); err != nil {
			return 0, err
		}
		// The last mark waits for the sink's count below.
		q.reached(total-left, min(total-left+n, total-1))
		left -= n
	}
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		return 0, err
	}
	var num [8]byte
	if _, err := io.ReadFull(c, num[:]); err != nil {
		return 0, fmt.Errorf("loopback sink: %w", err)
	}
	elapsed := time.Since(start)
	q.reached(total-1, total)
	if n := int64(binary.BigEndian.Uint64(num[:])); n != total {
		return 0, fmt.Errorf("loopback sink got %d of %d bytes", n, total)
	}
	return elapsed, nil
}

// consumeLoop asks the loopback source for the scenario's payload bytes
// and reads them all.
func consumeLoop(ctx context.Context, addr string, sc Scenario) (time.Duration, error) {
	total := sc.Payload()
	var num [8]byte
	binary.BigEndian.PutUint64(num[:], uint64(total))
	start := time.Now()
	c, err := dialLoop(ctx, addr, 'C', num[:])
	if err != nil {
		return 0, err
	}
	defer c.Close()
	n, err := io.CopyBuffer(io.Discard, c, make([]byte, chunk))
	elapsed := time.Since(start)
	if err != nil {
		return 0, err
	}
	if n != total {
		return 0, fmt.Errorf("loopback source sent %d of %d bytes", n, total)
	}
	return elapsed, nil
}

func dialLoop(ctx context.Context, addr string, mode byte, arg []byte) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if _, err := c.Write(append([]byte{mode}, arg...)); err != nil {
		c.Close()
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	return c, nil
}

// Latencies are end-to-end times of single records, sorted.
type Latencies []time.Duration

// Quantile returns the q-quantile (0 < q <= 1) by the nearest-rank method.
func (l Latencies) Quantile(q float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	i := int(q*float64(len(l))+0.999999) - 1
	return l[min(max(i, 0), len(l)-1)]
}

// pace calls send(i) for i in [0, n), one every interval from the first,
// catching up without bursting if a call runs late.
func pace(ctx context.Context, n int, interval time.Duration, send func(i int) error) error {
	start := time.Now()
	for i := range n {
		if err := send(i); err != nil {
			return err
		}
		if d := time.Until(start.Add(time.Duration(i+1) * interval)); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// receiver collects the arrival times of indexed records.
type receiver struct {
	mu      sync.Mutex
	arrived []time.Time
	count   int
	err     error
	all     chan struct{} // closed once every index has arrived
	warm    chan struct{} // closed once the warm-up indexes have arrived
	warmN   int
}

func newReceiver(n, warm int) *receiver {
	r := &receiver{arrived: make([]time.Time, n), all: make(chan struct{}), warm: make(chan struct{}), warmN: warm}
	if warm == 0 {
		close(r.warm)
	}
	return r
}

// got records the arrival of the record whose value is v at time now.
func (r *receiver) got(v []byte, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	if len(v) < 8 {
		r.err = fmt.Errorf("latency: %d-byte value", len(v))
		return
	}
	i := binary.BigEndian.Uint64(v)
	switch {
	case i >= uint64(len(r.arrived)):
		r.err = fmt.Errorf("latency: record index %d out of range", i)
	case !r.arrived[i].IsZero():
		r.err = fmt.Errorf("latency: record %d arrived twice", i)
	default:
		r.arrived[i] = now
		r.count++
		if r.count == r.warmN {
			close(r.warm)
		}
		if r.count == len(r.arrived) {
			close(r.all)
		}
	}
}

func (r *receiver) wait(ctx context.Context, ch chan struct{}, what string) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.err != nil {
			return r.err
		}
		return fmt.Errorf("latency: waiting for %s: %d of %d records arrived: %w", what, r.count, len(r.arrived), ctx.Err())
	}
}

// latencies returns the timed records' latencies, sorted.
func (r *receiver) latencies(sent []time.Time, warm int) (Latencies, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	l := make(Latencies, 0, len(sent)-warm)
	for i := warm; i < len(sent); i++ {
		if r.arrived[i].IsZero() {
			return nil, fmt.Errorf("latency: record %d never arrived", i)
		}
		l = append(l, r.arrived[i].Sub(sent[i]))
	}
	slices.Sort(l)
	return l, nil
}

// latencyKafka runs the latency scenario against a broker: one consumer
// long-polling the topic, one producer with no linger sending a record per
// interval.
func latencyKafka(ctx context.Context, addr string, ls LatencyScenario) (Latencies, error) {
	total := ls.Warmup + ls.Records
	rcv := newReceiver(total, ls.Warmup)

	cons, err := kgo.NewClient(clientOpts(addr,
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
	)...)
	if err != nil {
		return nil, err
	}
	defer cons.Close()
	prod, err := kgo.NewClient(clientOpts(addr, kgo.ProducerLinger(0))...)
	if err != nil {
		return nil, err
	}
	defer prod.Close()

	pollCtx, stopPoll := context.WithCancel(ctx)
	defer stopPoll()
	var wg sync.WaitGroup
	wg.Go(func() {
		for pollCtx.Err() == nil {
			fs := cons.PollFetches(pollCtx)
			now := time.Now()
			if err := fs.Err(); err != nil && pollCtx.Err() == nil {
				rcv.mu.Lock()
				rcv.err = fmt.Errorf("latency: consume: %w", err)
				rcv.mu.Unlock()
				return
			}
			fs.EachRecord(func(r *kgo.Record) { rcv.got(r.Value, now) })
		}
	})
	defer wg.Wait()

	sent := make([]time.Time, total)
	var errMu sync.Mutex
	var prodErr error
	send := func(i int) error {
		r := &kgo.Record{Topic: topic, Value: value(ls.Size, i)}
		sent[i] = time.Now()
		prod.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				errMu.Lock()
				prodErr = cmpErr(prodErr, err)
				errMu.Unlock()
			}
		})
		return nil
	}
	if err := pace(ctx, ls.Warmup, ls.Interval, send); err != nil {
		return nil, err
	}
	if err := rcv.wait(ctx, rcv.warm, "the warm-up records"); err != nil {
		return nil, err
	}
	if err := pace(ctx, ls.Records, ls.Interval, func(i int) error { return send(ls.Warmup + i) }); err != nil {
		return nil, err
	}
	if err := prod.Flush(ctx); err != nil {
		return nil, err
	}
	if prodErr != nil {
		return nil, fmt.Errorf("latency: produce: %w", prodErr)
	}
	if err := rcv.wait(ctx, rcv.all, "every record"); err != nil {
		return nil, err
	}
	stopPoll()
	wg.Wait()
	return rcv.latencies(sent, ls.Warmup)
}

func cmpErr(old, err error) error {
	if old != nil {
		return old
	}
	return err
}

// latencyLoop runs the latency scenario over the loopback relay: the
// server copies what one connection writes to another, as a broker carries
// a record from a producer to a consumer.
func latencyLoop(ctx context.Context, addr string, ls LatencyScenario) (Latencies, error) {
	if ls.Size < 8 {
		return nil, errors.New("latency: size must be at least 8 to carry the index")
	}
	total := ls.Warmup + ls.Records
	rcv := newReceiver(total, ls.Warmup)
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(time.Now().UnixNano()))

	// Both ends block until the server has paired them, so dial them at
	// once.
	var out net.Conn
	var outErr error
	var dialed sync.WaitGroup
	dialed.Go(func() { out, outErr = dialLoop(ctx, addr, 'O', id[:]) })
	in, err := dialLoop(ctx, addr, 'I', id[:])
	dialed.Wait()
	if err == nil {
		err = outErr
	}
	if err != nil {
		for _, c := range []net.Conn{in, out} {
			if c != nil {
				c.Close()
			}
		}
		return nil, err
	}
	defer out.Close()
	defer in.Close()

	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, ls.Size)
		for {
			if _, err := io.ReadFull(out, buf); err != nil {
				return
			}
			rcv.got(buf, time.Now())
		}
	})
	defer wg.Wait()
	defer out.Close() // stops the reader if we return early

	sent := make([]time.Time, total)
	send := func(i int) error {
		v := value(ls.Size, i)
		sent[i] = time.Now()
		_, err := in.Write(v)
		return err
	}
	if err := pace(ctx, ls.Warmup, ls.Interval, send); err != nil {
		return nil, err
	}
	if err := rcv.wait(ctx, rcv.warm, "the warm-up records"); err != nil {
		return nil, err
	}
	if err := pace(ctx, ls.Records, ls.Interval, func(i int) error { return send(ls.Warmup + i) }); err != nil {
		return nil, err
	}
	if err := rcv.wait(ctx, rcv.all, "every record"); err != nil {
		return nil, err
	}
	return rcv.latencies(sent, ls.Warmup)
}
