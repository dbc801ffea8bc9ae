// Package bench measures the broker's speed and memory as ratios against
// franz-go's kfake and a raw loopback socket, all in the same run.
//
// Each target runs in a child process of its own (see StartServer), so the
// memory and CPU it reports are the server's alone, not the client's. The
// workloads use franz-go with the same options against both brokers; the
// loopback target moves the same payload bytes over a plain TCP socket and
// is the floor: what the kernel costs. See docs/benchmark.md at the root of
// the repository.
package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Config chooses the workloads of a run.
type Config struct {
	Scenarios []Scenario
	Latency   LatencyScenario
	Sessions  SessionScenario   // skipped if Partitions is 0
	Txns      TxnScenario       // skipped if Transactions is 0
	ETL       ETLScenario       // skipped if Records is 0
	Scale     ScaleScenario     // skipped if Topics is 0
	Conns     ConnsScenario     // skipped if Connections is 0
	Sustained SustainedScenario // skipped if Bytes is 0; not in Full (see Sustained)
	Kinds     []Kind            // default Kinds

	// Runs repeats every workload this many times (default 1), each on a
	// fresh server; the report keeps, for each, the run with the median
	// time (for latency, the median p50).
	Runs int

	// ProfileDir, if set, gets profiles of each broker for each workload:
	// KIND-PHASE-SCENARIO.pprof, a CPU profile of the workload, and
	// KIND-PHASE-SCENARIO-allocs.pprof, the server's allocation profile at
	// the end of it. Allocation profiles count from the server's start
	// (each scenario has a fresh server), so for a consume profile pass
	// the same scenario's produce one to pprof's -diff_base.
	ProfileDir string

	// RecyclePages, before each produce measurement (and the storing
	// sink's), writes as many bytes as the workload will send to a scratch
	// file in TMPDIR and removes it, so that the memory the target fills,
	// page cache or heap, is made of pages the kernel freed a moment ago.
	// See recyclePages. Full and Quick set it.
	RecyclePages bool

	// Progress, if set, gets a line per workload as it finishes.
	Progress io.Writer
}

// idleWindow is how long the session workload's idle consumers are
// watched: franz-go's default fetch max wait, so that every consumer's
// long poll ends, and the next is sent, about once in the window.
const idleWindow = 5 * time.Second

// Full is the default run: about 20 MB of small records, 100 MB of 1 KB
// ones and 200 MB of large ones, on one and on four partitions. The
// sustained workload is not in it (it writes gigabytes); see Sustained.
func Full() Config {
	return Config{
		Scenarios: []Scenario{
			{Partitions: 1, Size: 100, Records: 200_000},
			{Partitions: 4, Size: 100, Records: 200_000},
			{Partitions: 1, Size: 1000, Records: 100_000},
			{Partitions: 4, Size: 1000, Records: 100_000},
			{Partitions: 1, Size: 10 << 10, Records: 20_000},
			{Partitions: 4, Size: 10 << 10, Records: 20_000},
		},
		Latency:  LatencyScenario{Records: 2000, Size: 100, Interval: time.Millisecond, Warmup: 50},
		Sessions: SessionScenario{Partitions: 1000, Fetches: 200, IdleConsumers: 10, Idle: idleWindow},
		Txns:     TxnScenario{Transactions: 200, Records: 1000, Size: 100, Partitions: 4},
		ETL:      ETLScenario{Records: 500_000, Size: 100, Partitions: 3, PerTxn: 10_000},
		Scale:    ScaleScenario{Topics: 1000, PartitionsPerTopic: 10},
		Conns:    ConnsScenario{Connections: 1000, Records: 20, Size: 100, Partitions: 10},

		RecyclePages: true,
	}
}

// Quick is the smoke run: every workload, a few thousand records, a few
// seconds in all.
func Quick() Config {
	return Config{
		Scenarios: []Scenario{
			{Partitions: 1, Size: 100, Records: 3000},
			{Partitions: 4, Size: 100, Records: 3000},
			{Partitions: 1, Size: 1000, Records: 1000},
			{Partitions: 4, Size: 1000, Records: 1000},
			{Partitions: 1, Size: 10 << 10, Records: 300},
			{Partitions: 4, Size: 10 << 10, Records: 300},
		},
		Latency:  LatencyScenario{Records: 200, Size: 100, Interval: time.Millisecond, Warmup: 10},
		Sessions: SessionScenario{Partitions: 50, Fetches: 20, IdleConsumers: 2, Idle: 200 * time.Millisecond},
		Txns:     TxnScenario{Transactions: 5, Records: 100, Size: 100, Partitions: 2},
		ETL:      ETLScenario{Records: 500, Size: 100, Partitions: 3, PerTxn: 100},
		Scale:    ScaleScenario{Topics: 20, PartitionsPerTopic: 5},
		Conns:    ConnsScenario{Connections: 20, Records: 5, Size: 100, Partitions: 2},
		// The sustained workload's code path, far under any dirty
		// threshold.
		Sustained: SustainedScenario{Bytes: 20e6, Size: 10 << 10, Partitions: 1},

		RecyclePages: true,
	}
}

// ScaleBy multiplies the sizes of the workloads that grow with a record
// count: each throughput scenario's records, the transaction workload's
// transactions and the ETL's records (its records per transaction stay).
// The latency, session, scale, connection and sustained workloads keep
// their sizes.
func (c *Config) ScaleBy(f float64) {
	scale := func(n int) int { return max(1, int(float64(n)*f)) }
	for i := range c.Scenarios {
		c.Scenarios[i].Records = scale(c.Scenarios[i].Records)
	}
	if c.Txns.Transactions > 0 {
		c.Txns.Transactions = scale(c.Txns.Transactions)
	}
	if c.ETL.Records > 0 {
		c.ETL.Records = scale(c.ETL.Records)
	}
}

// Phase is what a throughput measurement timed.
type Phase string

const (
	Produce Phase = "produce"
	Consume Phase = "consume"
)

// Measure is one workload on one target.
type Measure struct {
	Elapsed   time.Duration
	Server    Stats   // the server's growth in counters during the workload, and its peaks
	ClientCPU float64 // CPU seconds this process (the franz-go clients) used meanwhile
}

// Throughput is one phase of one scenario on every target.
type Throughput struct {
	Scenario Scenario
	Phase    Phase
	By       map[Kind]Measure
}

// MBps is payload megabytes (10^6 bytes of record values) per second.
func (t Throughput) MBps(k Kind) float64 {
	m, ok := t.By[k]
	if !ok || m.Elapsed <= 0 {
		return 0
	}
	return float64(t.Scenario.Payload()) / 1e6 / m.Elapsed.Seconds()
}

// RecordsPerSec is records per second.
func (t Throughput) RecordsPerSec(k Kind) float64 {
	m, ok := t.By[k]
	if !ok || m.Elapsed <= 0 {
		return 0
	}
	return float64(t.Scenario.Records) / m.Elapsed.Seconds()
}

// Report is the outcome of a run.
type Report struct {
	Config     Config
	Throughput []Throughput
	Latency    map[Kind]Latencies
	LatencyMem map[Kind]Measure
	Sessions   map[Kind]SessionResult
	Txns       map[Kind]Measure
	ETL        map[Kind]ETLResult
	Scale      map[Kind]ScaleResult
	Conns      map[Kind]ConnsResult
	Sustained  map[Kind]SustainedResult
	Dirty      DirtyLimits // the machine's, read before the sustained workload
}

// Run runs every workload of cfg against every target. It fails on the
// first workload that does not complete with every record accounted for.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if len(cfg.Kinds) == 0 {
		cfg.Kinds = Kinds
	}
	cfg.Runs = max(cfg.Runs, 1)
	rep := &Report{Config: cfg, Latency: map[Kind]Latencies{}, LatencyMem: map[Kind]Measure{},
		Sessions: map[Kind]SessionResult{}, Txns: map[Kind]Measure{}, ETL: map[Kind]ETLResult{},
		Scale: map[Kind]ScaleResult{}, Conns: map[Kind]ConnsResult{}, Sustained: map[Kind]SustainedResult{}}
	for _, sc := range cfg.Scenarios {
		prod := Throughput{Scenario: sc, Phase: Produce, By: map[Kind]Measure{}}
		cons := Throughput{Scenario: sc, Phase: Consume, By: map[Kind]Measure{}}
		for _, k := range cfg.Kinds {
			var ps, cs, ss []Measure
			for range cfg.Runs {
				p, c, st, err := runScenario(ctx, cfg, k, sc)
				if err != nil {
					return nil, fmt.Errorf("%s on %s: %w", sc, k, err)
				}
				ps, cs, ss = append(ps, p), append(cs, c), append(ss, st)
			}
			prod.By[k], cons.By[k] = median(ps), median(cs)
			if k == Loopback {
				prod.By[LoopbackFile] = median(ss)
			}
			progress(cfg, "%-8s %-18s produce %8.1f MB/s  consume %8.1f MB/s", k, sc, prod.MBps(k), cons.MBps(k))
		}
		rep.Throughput = append(rep.Throughput, prod, cons)
	}
	if cfg.Latency.Records > 0 {
		for _, k := range cfg.Kinds {
			type run struct {
				l Latencies
				m Measure
			}
			var runs []run
			for range cfg.Runs {
				l, m, err := runLatency(ctx, cfg, k)
				if err != nil {
					return nil, fmt.Errorf("latency on %s: %w", k, err)
				}
				runs = append(runs, run{l, m})
			}
			// Keep the run with the median p50.
			slices.SortFunc(runs, func(a, b run) int { return int(a.l.Quantile(0.5) - b.l.Quantile(0.5)) })
			mid := runs[len(runs)/2]
			rep.Latency[k], rep.LatencyMem[k] = mid.l, mid.m
			progress(cfg, "%-8s latency p50 %v p99 %v", k, mid.l.Quantile(0.5), mid.l.Quantile(0.99))
		}
	}
	if cfg.Sustained.Bytes > 0 {
		rep.Dirty = ReadDirtyLimits()
		for _, k := range cfg.Kinds {
			// Once: each run writes gigabytes.
			r, err := runSustained(ctx, cfg, k)
			if err != nil {
				return nil, fmt.Errorf("sustained on %s: %w", k, err)
			}
			rep.Sustained[k] = r
			if r.Skipped != "" {
				progress(cfg, "%-8s sustained: %s", k, r.Skipped)
				continue
			}
			progress(cfg, "%-8s sustained %s: %.1f MB/s, last quarter %v, first %v", k, cfg.Sustained,
				float64(cfg.Sustained.scenario().Payload())/1e6/r.Elapsed.Seconds(), r.LastQuarter, r.FirstQuarter)
		}
	}
	for _, k := range cfg.Kinds {
		if k == Loopback {
			continue // no sessions, no transactions
		}
		if cfg.Sessions.Partitions > 0 {
			var runs []SessionResult
			for range cfg.Runs {
				r, err := runSessions(ctx, cfg, k)
				if err != nil {
					return nil, fmt.Errorf("fetch sessions on %s: %w", k, err)
				}
				runs = append(runs, r)
			}
			slices.SortFunc(runs, func(a, b SessionResult) int { return int(a.Full.Elapsed - b.Full.Elapsed) })
			rep.Sessions[k] = runs[len(runs)/2]
			r := rep.Sessions[k]
			progress(cfg, "%-8s fetch sessions: full %v, incremental %v, idle CPU %.2f%%", k,
				r.Full.Elapsed, r.Incremental.Elapsed, 100*r.Idle.Server.CPU/max(r.Idle.Elapsed.Seconds(), 1e-9))
		}
		if cfg.Txns.Transactions > 0 {
			var ms []Measure
			for range cfg.Runs {
				m, err := runTxns(ctx, cfg, k)
				if err != nil {
					return nil, fmt.Errorf("transactions on %s: %w", k, err)
				}
				ms = append(ms, m)
			}
			rep.Txns[k] = median(ms)
			progress(cfg, "%-8s transactions: %v", k, rep.Txns[k].Elapsed)
		}
		if cfg.ETL.Records > 0 {
			var rs []ETLResult
			for range cfg.Runs {
				r, err := runETL(ctx, cfg, k)
				if err != nil {
					return nil, fmt.Errorf("etl on %s: %w", k, err)
				}
				rs = append(rs, r)
			}
			slices.SortFunc(rs, func(a, b ETLResult) int { return int(a.Elapsed - b.Elapsed) })
			rep.ETL[k] = rs[len(rs)/2]
			progress(cfg, "%-8s etl: %v in %d transactions", k, rep.ETL[k].Elapsed, rep.ETL[k].Transactions)
		}
		if cfg.Scale.Topics > 0 {
			// Once: each run creates thousands of files.
			r, err := runScale(ctx, cfg, k)
			if err != nil {
				return nil, fmt.Errorf("scale on %s: %w", k, err)
			}
			rep.Scale[k] = r
			progress(cfg, "%-8s scale: created in %v, restarted in %v", k, r.Create, r.Restart)
		}
		if cfg.Conns.Connections > 0 {
			var rs []ConnsResult
			for range cfg.Runs {
				r, err := runConns(ctx, cfg, k)
				if err != nil {
					return nil, fmt.Errorf("connections on %s: %w", k, err)
				}
				rs = append(rs, r)
			}
			slices.SortFunc(rs, func(a, b ConnsResult) int { return int(a.Latencies.Quantile(0.99) - b.Latencies.Quantile(0.99)) })
			rep.Conns[k] = rs[len(rs)/2]
			progress(cfg, "%-8s connections: p99 %v", k, rep.Conns[k].Latencies.Quantile(0.99))
		}
	}
	return rep, nil
}

func progress(cfg Config, format string, args ...any) {
	if cfg.Progress != nil {
		fmt.Fprintf(cfg.Progress, format+"\n", args...)
	}
}

// median returns the measure with the median elapsed time.
func median(ms []Measure) Measure {
	ms = slices.Clone(ms)
	slices.SortFunc(ms, func(a, b Measure) int { return int(a.Elapsed - b.Elapsed) })
	return ms[len(ms)/2]
}

// runScenario starts a fresh server of kind k, produces the scenario's
// records to it and consumes them back, measuring each phase. On loopback
// it also measures the storing sink (LoopbackFile) as store, first, so
// that its file's pages are as new as a fresh broker's segment's.
func runScenario(ctx context.Context, cfg Config, k Kind, sc Scenario) (prod, cons, store Measure, err error) {
	srv, err := StartServer(k)
	if err != nil {
		return prod, cons, store, err
	}
	defer func() {
		if cerr := srv.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	name := strings.NewReplacer(" ", "-").Replace(sc.String())
	produce, consume := produceKafka, consumeKafka
	if k == Loopback {
		produce, consume = produceLoop, consumeLoop
		if cfg.RecyclePages {
			if err := recyclePages(sc.Payload()); err != nil {
				return prod, cons, store, err
			}
		}
		store, err = measure(ctx, cfg, srv, "store-"+name, func() (time.Duration, error) { return storeLoop(ctx, srv.Addr, sc) })
		if err != nil {
			return prod, cons, store, fmt.Errorf("store: %w", err)
		}
	} else if err := createTopic(ctx, srv.Addr, topic, sc.Partitions); err != nil {
		return prod, cons, store, err
	}
	if cfg.RecyclePages {
		if err := recyclePages(sc.Payload()); err != nil {
			return prod, cons, store, err
		}
	}
	prod, err = measure(ctx, cfg, srv, string(Produce)+"-"+name, func() (time.Duration, error) { return produce(ctx, srv.Addr, sc, nil) })
	if err != nil {
		return prod, cons, store, fmt.Errorf("produce: %w", err)
	}
	cons, err = measure(ctx, cfg, srv, string(Consume)+"-"+name, func() (time.Duration, error) { return consume(ctx, srv.Addr, sc) })
	if err != nil {
		return prod, cons, store, fmt.Errorf("consume: %w", err)
	}
	return prod, cons, store, nil
}

// recyclePages writes n bytes to a scratch file in TMPDIR and removes it.
//
// On a virtual machine whose balloon device has free page reporting
// (virtio-balloon's VIRTIO_BALLOON_F_REPORTING, as on the 2-core VM of
// docs/benchmark.md), the guest hands the host the pages it has kept free
// for about two seconds, and the next write to such a page first waits for
// the host to map it again. A write into the page cache then costs from 1
// to 2 ns a byte instead of 0.24 (a pwrite of 200 MB in 1 MiB pieces, on
// that machine), which varies with what the host does and swamps what the
// broker itself costs. Pages freed a moment before have not been handed
// back yet, and the kernel hands them out first: this is the page cache
// of a broker that has been running, deleting old segments and writing
// new ones, on any machine.
func recyclePages(n int64) error {
	f, err := os.CreateTemp("", "kafka-bench-recycle-")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 1<<20)
	for off := int64(0); off < n; off += int64(len(buf)) {
		if _, err := f.WriteAt(buf[:min(int64(len(buf)), n-off)], off); err != nil {
			return fmt.Errorf("recycling page cache: %w", err)
		}
	}
	return nil
}

// measure runs one workload and takes the server's stats around it.
func measure(ctx context.Context, cfg Config, srv *Server, name string, work func() (time.Duration, error)) (Measure, error) {
	if err := srv.Reset(); err != nil {
		return Measure{}, err
	}
	before, err := srv.Stats()
	if err != nil {
		return Measure{}, err
	}
	profiling := cfg.ProfileDir != "" && srv.Kind != Loopback
	if profiling {
		if err := srv.StartCPUProfile(filepath.Join(cfg.ProfileDir, string(srv.Kind)+"-"+name+".pprof")); err != nil {
			return Measure{}, err
		}
	}
	cpu0 := processCPU()
	elapsed, err := work()
	clientCPU := processCPU() - cpu0
	if profiling {
		if perr := srv.StopCPUProfile(); err == nil {
			err = perr
		}
		if perr := srv.WriteHeapProfile(filepath.Join(cfg.ProfileDir, string(srv.Kind)+"-"+name+"-allocs.pprof")); err == nil {
			err = perr
		}
	}
	if err != nil {
		return Measure{}, err
	}
	after, err := srv.Stats()
	if err != nil {
		return Measure{}, err
	}
	return Measure{Elapsed: elapsed, Server: after.Sub(before), ClientCPU: clientCPU}, nil
}

// runLatency runs the latency scenario on a fresh server of kind k.
func runLatency(ctx context.Context, cfg Config, k Kind) (l Latencies, m Measure, err error) {
	srv, err := StartServer(k)
	if err != nil {
		return nil, m, err
	}
	defer func() {
		if cerr := srv.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	run := latencyKafka
	if k == Loopback {
		run = latencyLoop
	} else if err := createTopic(ctx, srv.Addr, topic, 1); err != nil {
		return nil, m, err
	}
	m, err = measure(ctx, cfg, srv, "latency", func() (time.Duration, error) {
		start := time.Now()
		var err error
		l, err = run(ctx, srv.Addr, cfg.Latency)
		return time.Since(start), err
	})
	return l, m, err
}
