package bench

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMain lets StartServer re-run this test binary as a server.
func TestMain(m *testing.M) {
	MaybeServe()
	os.Exit(m.Run())
}

// TestQuick runs every workload of the quick configuration against every
// target, so that the benchmark cannot rot. It checks only that each
// workload completed with every record accounted for (Run fails
// otherwise) and that the report renders; it asserts nothing about speed
// or memory, which only the benchmark reports.
//
// The servers' data dirs go to a TMPDIR of the test's own, which must be
// empty once Run has returned: every workload removes what it wrote.
func TestQuick(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the child servers inherit it
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg := Quick()
	rep, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if left := leftovers(t, tmp); len(left) > 0 {
		t.Errorf("data dirs left behind: %v", left)
	}
	if got, want := len(rep.Throughput), 2*len(cfg.Scenarios); got != want {
		t.Fatalf("%d throughput results, want %d", got, want)
	}
	sizes := map[int]bool{}
	for _, sc := range cfg.Scenarios {
		sizes[sc.Size] = true
	}
	for _, size := range []int{100, 1000, 10 << 10} {
		if !sizes[size] {
			t.Errorf("no throughput scenario of %d-byte records", size)
		}
	}
	for _, k := range Kinds {
		r, ok := rep.Sustained[k]
		switch {
		case !ok || r.Skipped != "":
			t.Errorf("sustained on %s: no measurement (%s)", k, r.Skipped)
		case r.Elapsed <= 0 || r.FirstQuarter <= 0 || r.LastQuarter <= 0:
			t.Errorf("sustained on %s: elapsed %v, first quarter %v, last quarter %v", k, r.Elapsed, r.FirstQuarter, r.LastQuarter)
		}
	}
	for _, tp := range rep.Throughput {
		for _, k := range Kinds {
			if m, ok := tp.By[k]; !ok || m.Elapsed <= 0 {
				t.Errorf("%s %s on %s: no measurement", tp.Phase, tp.Scenario, k)
			}
		}
		// The storing sink is a floor for produce only.
		if m, ok := tp.By[LoopbackFile]; (tp.Phase == Produce) != (ok && m.Elapsed > 0) {
			t.Errorf("%s %s: loopback+file measured %v, want it for produce only", tp.Phase, tp.Scenario, ok)
		}
	}
	for _, k := range Kinds {
		if got := len(rep.Latency[k]); got != cfg.Latency.Records {
			t.Errorf("latency on %s: %d records timed, want %d", k, got, cfg.Latency.Records)
		}
	}
	for _, k := range []Kind{Ours, KFake} {
		if s, ok := rep.Sessions[k]; !ok || s.Full.Elapsed <= 0 || s.Idle.Elapsed <= 0 {
			t.Errorf("fetch sessions on %s: no measurement", k)
		}
		if m, ok := rep.Txns[k]; !ok || m.Elapsed <= 0 {
			t.Errorf("transactions on %s: no measurement", k)
		}
		if e, ok := rep.ETL[k]; !ok || e.Elapsed <= 0 || e.Transactions == 0 {
			t.Errorf("etl on %s: no measurement", k)
		}
		if s, ok := rep.Scale[k]; !ok || s.Create <= 0 || (k == Ours && s.Restart <= 0) {
			t.Errorf("scale on %s: no measurement", k)
		}
		if c, ok := rep.Conns[k]; !ok || len(c.Latencies) != cfg.Conns.Connections*cfg.Conns.Records {
			t.Errorf("connections on %s: %d produces timed, want %d", k, len(c.Latencies), cfg.Conns.Connections*cfg.Conns.Records)
		}
	}
	if s := rep.Sessions[Ours]; s.NoSessions || s.Incremental.Elapsed <= 0 {
		t.Errorf("fetch sessions on ours: no incremental fetches measured (no session: %v)", s.NoSessions)
	}
	var b strings.Builder
	if err := rep.WriteMarkdown(&b); err != nil {
		t.Fatal(err)
	}
	for _, heading := range []string{"### Sustained load", "### Throughput", "### Server memory", "### Server CPU", "### Produce to consume latency", "### Fetch sessions", "### Transactions", "### Exactly-once ETL", "### Many partitions", "### Many producer connections"} {
		if !strings.Contains(b.String(), heading) {
			t.Errorf("report lacks %q", heading)
		}
	}
	t.Logf("quick report (numbers from a smoke run, not a benchmark):\n%s", b.String())
}

// TestSustainedCancelRemovesData cancels the sustained workload on ours
// once its data dir has some megabytes in it, and checks that Run fails
// and leaves no data dir behind: what cmd/bench does on Ctrl-C.
func TestSustainedCancelRemovesData(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	stopWatch := make(chan struct{})
	watched := make(chan int64, 1)
	go func() {
		// Cancel once the segment holds 4 MB of the 400 MB to come.
		defer close(watched)
		for {
			if n := dirBytes(tmp); n > 4<<20 {
				cancel()
				watched <- n
				return
			}
			select {
			case <-stopWatch:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	cfg := Config{Kinds: []Kind{Ours}, Sustained: SustainedScenario{Bytes: 400e6, Size: 10 << 10, Partitions: 1}}
	_, err := Run(ctx, cfg)
	close(stopWatch)
	n, cancelled := <-watched
	if !cancelled {
		t.Fatalf("the data dir never grew past 4 MB; Run returned %v", err)
	}
	if err == nil {
		t.Fatalf("Run cancelled at %d bytes on disk returned no error", n)
	}
	t.Logf("cancelled at %d bytes on disk: %v", n, err)
	if left := leftovers(t, tmp); len(left) > 0 {
		t.Errorf("data dirs left behind after cancelling: %v", left)
	}
}

// leftovers lists what the benchmark left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// dirBytes is the size of the files under dir.
func dirBytes(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func TestQuantile(t *testing.T) {
	l := Latencies{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.1, 1}, {0.5, 5}, {0.51, 6}, {0.99, 10}, {1, 10}} {
		if got := l.Quantile(tc.q); got != tc.want {
			t.Errorf("Quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if got := Latencies(nil).Quantile(0.5); got != 0 {
		t.Errorf("Quantile of nothing = %v, want 0", got)
	}
}

func TestValue(t *testing.T) {
	for _, n := range []int{8, 13, 100, 10 << 10} {
		a, b := value(n, 7), value(n, 8)
		if len(a) != n {
			t.Errorf("len(value(%d, 7)) = %d", n, len(a))
		}
		if string(a) == string(b) {
			t.Errorf("value(%d, 7) == value(%d, 8)", n, n)
		}
	}
}

// shapes are the throughput scenarios of Full, without their record
// counts, which the benchmarks take from b.N.
var shapes = []struct{ partitions, size int }{{1, 100}, {4, 100}, {1, 1000}, {4, 1000}, {1, 10 << 10}, {4, 10 << 10}}

// BenchmarkProduce and BenchmarkConsume run b.N records through each
// target in the same run and report each target's MB/s, the ratios, and
// the servers' allocated bytes per record; ns/op is ours, per record.
// Their b.N is a record count, so fix it for comparable runs:
//
//	go test ./bench -run '^$' -bench . -benchtime 200000x
//
// cmd/bench prints the same measurements as tables.
func BenchmarkProduce(b *testing.B) { benchPhases(b, 0) }

// BenchmarkConsume: see BenchmarkProduce. Each iteration count produces
// b.N records untimed, then times a fresh consumer reading them.
func BenchmarkConsume(b *testing.B) { benchPhases(b, 1) }

func benchPhases(b *testing.B, phase int) {
	for _, s := range shapes {
		b.Run(fmt.Sprintf("%dp-%s", s.partitions, sizeName(s.size)), func(b *testing.B) {
			sc := Scenario{Partitions: s.partitions, Size: s.size, Records: b.N}
			rep, err := Run(context.Background(), Config{Scenarios: []Scenario{sc}, RecyclePages: true})
			if err != nil {
				b.Fatal(err)
			}
			t := rep.Throughput[phase]
			n := float64(b.N)
			b.ReportMetric(float64(t.By[Ours].Elapsed.Nanoseconds())/n, "ns/op")
			for _, k := range Kinds {
				b.ReportMetric(t.MBps(k), string(k)+"-MB/s")
			}
			b.ReportMetric(t.MBps(Ours)/t.MBps(KFake), "ours/kfake")
			b.ReportMetric(t.MBps(Ours)/t.MBps(Loopback), "ours/loopback")
			if st, ok := t.By[LoopbackFile]; ok {
				b.ReportMetric(t.By[Ours].Server.CPU/st.Server.CPU, "ours/loopback+file-cpu")
			}
			b.ReportMetric(float64(t.By[Ours].Server.TotalAlloc)/n, "ours-B/rec")
			b.ReportMetric(float64(t.By[KFake].Server.TotalAlloc)/n, "kfake-B/rec")
		})
	}
}

// BenchmarkLatency times b.N single 100-byte records, one a millisecond,
// from produce to consume on each target, and reports the p50 and p99 of
// each and ours over kfake's. ns/op is our p50.
func BenchmarkLatency(b *testing.B) {
	rep, err := Run(context.Background(), Config{
		Latency: LatencyScenario{Records: b.N, Size: 100, Interval: time.Millisecond, Warmup: 10},
	})
	if err != nil {
		b.Fatal(err)
	}
	us := func(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
	b.ReportMetric(float64(rep.Latency[Ours].Quantile(0.5)), "ns/op")
	for _, k := range Kinds {
		b.ReportMetric(us(rep.Latency[k].Quantile(0.5)), string(k)+"-p50-µs")
		b.ReportMetric(us(rep.Latency[k].Quantile(0.99)), string(k)+"-p99-µs")
	}
	b.ReportMetric(float64(rep.Latency[Ours].Quantile(0.5))/float64(rep.Latency[KFake].Quantile(0.5)), "p50-ours/kfake")
	b.ReportMetric(float64(rep.Latency[Ours].Quantile(0.99))/float64(rep.Latency[KFake].Quantile(0.99)), "p99-ours/kfake")
}
