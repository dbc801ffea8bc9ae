package bench

// The sustained-load workload: one producer writes more bytes to one
// partition than the kernel lets sit dirty in the page cache, so that
// part of the run is throttled by writeback to the disk, as a broker's
// is in steady state, rather than a fresh, small data dir that fits in
// memory. The run reports the first quarter's throughput next to the last
// quarter's: a last quarter much slower than the first shows writeback
// catching up with the writer.
//
// Design note: the kernel's threshold is computed as the kernel documents
// it (Documentation/admin-guide/sysctl/vm.rst): vm.dirty_bytes if set,
// else vm.dirty_ratio percent of the memory available for the page cache,
// which MemAvailable approximates. Past it, a writer is made to wait for
// writeback; past the halfway point between it and the background
// threshold, the kernel starts slowing writers down.

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// SustainedScenario is the sustained-load workload: Bytes bytes of
// records of Size bytes produced to a topic of Partitions partitions.
type SustainedScenario struct {
	Bytes      int64
	Size       int
	Partitions int
}

// Records is the scenario's record count: Bytes rounded down to whole
// records, at least one.
func (sc SustainedScenario) Records() int {
	return int(max(sc.Bytes/int64(max(sc.Size, 1)), 1))
}

// scenario is the throughput scenario that moves the same records.
func (sc SustainedScenario) scenario() Scenario {
	return Scenario{Partitions: sc.Partitions, Size: sc.Size, Records: sc.Records()}
}

func (sc SustainedScenario) String() string {
	return fmt.Sprintf("%s of %s records, %dp", gb(sc.scenario().Payload()), sizeName(sc.Size), sc.Partitions)
}

// Sustained is the sustained workload of the full size: records of 10 KiB
// to one partition, the larger of 4 GB and 1.25 times the machine's dirty
// threshold (see ReadDirtyLimits); bytes, if positive, overrides the size.
func Sustained(bytes int64) SustainedScenario {
	if bytes <= 0 {
		bytes = max(4e9, ReadDirtyLimits().Threshold*5/4)
	}
	return SustainedScenario{Bytes: bytes, Size: 10 << 10, Partitions: 1}
}

// DirtyLimits is what the kernel lets sit dirty in the page cache before
// it makes writers wait, from /proc/sys/vm and /proc/meminfo. Zero fields
// were not readable.
type DirtyLimits struct {
	Ratio, BackgroundRatio int   // vm.dirty_ratio, vm.dirty_background_ratio (percent)
	Bytes, BackgroundBytes int64 // vm.dirty_bytes, vm.dirty_background_bytes (0: the ratio applies)
	MemAvailable           int64 // from /proc/meminfo, bytes

	// Threshold and Background are the byte limits these give: the bytes
	// setting if set, else the ratio of MemAvailable.
	Threshold, Background int64
}

// ReadDirtyLimits reads the machine's dirty-page settings.
func ReadDirtyLimits() DirtyLimits {
	d := DirtyLimits{
		Ratio:           int(readProcInt("/proc/sys/vm/dirty_ratio")),
		BackgroundRatio: int(readProcInt("/proc/sys/vm/dirty_background_ratio")),
		Bytes:           readProcInt("/proc/sys/vm/dirty_bytes"),
		BackgroundBytes: readProcInt("/proc/sys/vm/dirty_background_bytes"),
		MemAvailable:    meminfo("MemAvailable"),
	}
	d.Threshold = d.MemAvailable * int64(d.Ratio) / 100
	if d.Bytes > 0 {
		d.Threshold = d.Bytes
	}
	d.Background = d.MemAvailable * int64(d.BackgroundRatio) / 100
	if d.BackgroundBytes > 0 {
		d.Background = d.BackgroundBytes
	}
	return d
}

func (d DirtyLimits) String() string {
	limit := func(bytes int64, ratio int, name string) string {
		if bytes > 0 {
			return fmt.Sprintf("vm.%s_bytes %s", name, gb(bytes))
		}
		return fmt.Sprintf("vm.%s_ratio %d%% of MemAvailable", name, ratio)
	}
	return fmt.Sprintf("%s (%s) and %s (%s), MemAvailable %s at the start",
		gb(d.Threshold), limit(d.Bytes, d.Ratio, "dirty"),
		gb(d.Background), limit(d.BackgroundBytes, d.BackgroundRatio, "dirty_background"),
		gb(d.MemAvailable))
}

func readProcInt(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n
}

// meminfo returns one /proc/meminfo field in bytes, 0 if it cannot.
func meminfo(field string) int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		name, val, ok := strings.Cut(line, ":")
		if !ok || name != field {
			continue
		}
		f := strings.Fields(val) // "1234 kB"
		if len(f) == 0 {
			return 0
		}
		kb, _ := strconv.ParseInt(f[0], 10, 64)
		return kb << 10
	}
	return 0
}

// gb writes a byte count in GB, or in MB under one GB.
func gb(n int64) string {
	if n < 1e9 {
		return fmt.Sprintf("%.0f MB", float64(n)/1e6)
	}
	return fmt.Sprintf("%.2f GB", float64(n)/1e9)
}

// SustainedResult is the workload on one target.
type SustainedResult struct {
	Measure
	// FirstQuarter and LastQuarter are how long the first and the last
	// quarter of the records took, from the first Produce to the
	// quarter's last ack, and from the third quarter's last ack to the
	// last one.
	FirstQuarter, LastQuarter time.Duration
	LongestGap                time.Duration // the longest wait between two acks (loopback: two writes)
	PeakDirty                 int64         // the machine's largest Dirty (/proc/meminfo) seen during the run
	Skipped                   string        // why the target did not run, if it did not
}

// kfakeMemoryFactor is how many times the workload's bytes MemAvailable
// must hold for kfake to run it: kfake keeps every record in its heap,
// and a heap grows to about twice its live size before a GC.
const kfakeMemoryFactor = 3

// runSustained runs the sustained workload on a fresh server of kind k. Its
// data dir, several gigabytes, goes with the server's Close, which runs
// however the workload ends; a cancelled ctx (cmd/bench cancels it on
// SIGINT and SIGTERM) ends the workload early.
func runSustained(ctx context.Context, cfg Config, k Kind) (res SustainedResult, err error) {
	sc := cfg.Sustained
	if k == KFake {
		if avail := meminfo("MemAvailable"); avail < kfakeMemoryFactor*sc.Bytes {
			res.Skipped = fmt.Sprintf("skipped: kfake keeps %s in memory (MemAvailable %s, under %dx)", gb(sc.Bytes), gb(avail), kfakeMemoryFactor)
			return res, nil
		}
	}
	if k == Ours {
		if err := checkFreeSpace(os.TempDir(), sc.Bytes); err != nil {
			return res, err
		}
	}
	srv, err := StartServer(k)
	if err != nil {
		return res, err
	}
	defer func() {
		if cerr := srv.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	s := sc.scenario()
	produce := produceKafka
	if k == Loopback {
		produce = produceLoop
	} else if err := createTopic(ctx, srv.Addr, topic, s.Partitions); err != nil {
		return res, err
	}
	var dirty dirtySampler
	dirty.start()
	var marks quarters
	res.Measure, err = measure(ctx, cfg, srv, "sustained", func() (time.Duration, error) {
		return produce(ctx, srv.Addr, s, &marks)
	})
	res.PeakDirty = dirty.stop()
	if err != nil {
		return res, fmt.Errorf("produce: %w", err)
	}
	res.FirstQuarter, res.LastQuarter, res.LongestGap = marks.first(), marks.last(), marks.longestGap()
	if k != Loopback {
		if err := checkStored(ctx, srv.Addr, int64(s.Records)); err != nil {
			return res, err
		}
	}
	return res, nil
}

// checkFreeSpace fails if dir's file system has less than need bytes free,
// plus a margin for the indexes and whatever else writes there meanwhile.
func checkFreeSpace(dir string, need int64) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return fmt.Errorf("sustained: free space in %s: %w", dir, err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	if want := need + need/10 + 1e9; free < want {
		return fmt.Errorf("sustained: %s has %s free, want %s (set TMPDIR to elsewhere, or -sustained-bytes)", dir, gb(free), gb(want))
	}
	return nil
}

// checkStored fails unless the topic's end offsets add up to want records.
func checkStored(ctx context.Context, addr string, want int64) error {
	cl, err := kgo.NewClient(clientOpts(addr)...)
	if err != nil {
		return err
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		return err
	}
	if err := ends.Error(); err != nil {
		return err
	}
	var stored int64
	ends.Each(func(o kadm.ListedOffset) { stored += o.Offset })
	if stored != want {
		return fmt.Errorf("end offsets sum to %d, want the %d records produced", stored, want)
	}
	return nil
}

// quarters notes when a produce had a quarter, three quarters and all of
// its records (or bytes) acknowledged. A nil *quarters notes nothing.
//
// It also keeps the longest wait between two acknowledgements: a stall,
// such as a writer blocked on writeback, shows there and not in the
// averages.
type quarters struct {
	total int64
	start time.Time
	at    [3]atomic.Int64 // nanoseconds since start at 1/4, 3/4 and all

	mu      sync.Mutex
	lastAck time.Duration // since start
	maxGap  time.Duration
}

// begin starts the clock for total units.
func (q *quarters) begin(total int64) {
	if q == nil {
		return
	}
	q.total, q.start = total, time.Now()
}

// reached notes that done of the total units are acknowledged; done must
// grow by one at a time or jump over marks in one call, so each mark is
// passed by one call only.
func (q *quarters) reached(before, done int64) {
	if q == nil {
		return
	}
	now := time.Since(q.start)
	for i, mark := range []int64{q.total / 4, q.total * 3 / 4, q.total} {
		if before < mark && done >= mark {
			q.at[i].Store(int64(now))
		}
	}
	q.mu.Lock()
	q.maxGap = max(q.maxGap, now-q.lastAck)
	q.lastAck = max(q.lastAck, now)
	q.mu.Unlock()
}

// longestGap is the longest wait between two acknowledgements, or from the
// start to the first.
func (q *quarters) longestGap() time.Duration {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.maxGap
}

func (q *quarters) first() time.Duration { return time.Duration(q.at[0].Load()) }

func (q *quarters) last() time.Duration {
	return time.Duration(q.at[2].Load() - q.at[1].Load())
}

// dirtySampler keeps the largest Dirty of /proc/meminfo, sampled every
// 100ms: whether the run took the machine past its dirty threshold.
type dirtySampler struct {
	peak atomic.Int64
	done chan struct{}
	wg   sync.WaitGroup
}

func (d *dirtySampler) start() {
	d.done = make(chan struct{})
	d.wg.Go(func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			if v := meminfo("Dirty"); v > d.peak.Load() {
				d.peak.Store(v)
			}
			select {
			case <-d.done:
				return
			case <-t.C:
			}
		}
	})
}

func (d *dirtySampler) stop() int64 {
	close(d.done)
	d.wg.Wait()
	return d.peak.Load()
}
