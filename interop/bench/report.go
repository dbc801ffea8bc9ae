package bench

// The report: WriteMarkdown renders a run's results as the markdown
// tables of docs/benchmark.md, with absolute numbers and ratios.

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// WriteMarkdown writes the report as markdown tables: throughput, server
// memory, server CPU and latency, each with absolute numbers and ratios.
func (r *Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	kinds := r.Config.Kinds
	has := func(k Kind) bool {
		for _, x := range kinds {
			if x == k {
				return true
			}
		}
		return false
	}
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("Go %s, %s/%s, %d CPUs, runs per workload: %d\n\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), r.Config.Runs)

	if len(r.Throughput) > 0 {
		r.writeThroughput(p, has)
	}
	if len(r.Latency) > 0 {
		ls := r.Config.Latency
		p("\n### Produce to consume latency\n\n")
		p("%d records of %d B, one every %v, each timed from the producer's Produce call (no linger) to the consumer's PollFetches returning it; %d warm-up records first. Loopback relays the same bytes from one socket to another through the server. Lower is better.\n\n",
			ls.Records, ls.Size, ls.Interval, ls.Warmup)
		p("| target | p50 | p99 | max | p50 / kfake | p99 / kfake | p50 / loopback | server B/rec | server peak RSS MiB |\n")
		p("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		for _, k := range kinds {
			l := r.Latency[k]
			m := r.LatencyMem[k]
			p("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", k,
				dur(l.Quantile(0.5)), dur(l.Quantile(0.99)), dur(l.Quantile(1)),
				ratio(float64(l.Quantile(0.5)), float64(r.Latency[KFake].Quantile(0.5))),
				ratio(float64(l.Quantile(0.99)), float64(r.Latency[KFake].Quantile(0.99))),
				ratio(float64(l.Quantile(0.5)), float64(r.Latency[Loopback].Quantile(0.5))),
				count(float64(m.Server.TotalAlloc)/float64(ls.Records+ls.Warmup), true), mib(m.Server.PeakRSS, true))
		}
	}
	if len(r.Sessions) > 0 {
		sc := r.Config.Sessions
		p("\n### Fetch sessions\n\n")
		p("A consumer of %d partitions that has read everything: %d fetches with MaxWait 0, first full (every partition, no session), then incremental (a session, no partition named), and the server's CPU per fetch. Then %d franz-go consumers of the topic, caught up, long-poll for %v, and the server's CPU over that time, next to the same server's with no client for as long; the benchmark's own heap sampler is paused in both windows, so the CPU is the broker's. Lower is better.\n\n",
			sc.Partitions, sc.Fetches, sc.IdleConsumers, sc.Idle)
		p("| target | full fetch µs | incremental fetch µs | incremental/full | full fetch server B | incremental server B | idle consumers' server CPU %% | no clients' server CPU %% |\n")
		p("|---|--:|--:|--:|--:|--:|--:|--:|\n")
		n := float64(sc.Fetches)
		for _, k := range kinds {
			s, ok := r.Sessions[k]
			if !ok {
				continue
			}
			inc, incB := "no sessions", "–"
			if !s.NoSessions {
				inc = frac(s.Incremental.Server.CPU/n*1e6, true)
				incB = count(float64(s.Incremental.Server.TotalAlloc)/n, true)
			}
			p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", k,
				frac(s.Full.Server.CPU/n*1e6, true), inc, ratio(s.Incremental.Server.CPU, s.Full.Server.CPU),
				count(float64(s.Full.Server.TotalAlloc)/n, true), incB,
				frac(100*s.Idle.Server.CPU/max(s.Idle.Elapsed.Seconds(), 1e-9), true),
				frac(100*s.Quiet.Server.CPU/max(s.Quiet.Elapsed.Seconds(), 1e-9), true))
		}
	}
	if len(r.Txns) > 0 {
		sc := r.Config.Txns
		p("\n### Transactions\n\n")
		p("One transactional franz-go producer: %s, each begun, produced, flushed and committed before the next. Lower is better; ratios below 1 mean ours is faster or cheaper.\n\n", sc)
		p("| target | ms/txn | ours/kfake | server µs/txn | server B/txn |\n")
		p("|---|--:|--:|--:|--:|\n")
		n := float64(sc.Transactions)
		for _, k := range kinds {
			m, ok := r.Txns[k]
			if !ok {
				continue
			}
			p("| %s | %s | %s | %s | %s |\n", k, frac(m.Elapsed.Seconds()*1e3/n, true),
				ratio(float64(m.Elapsed), float64(r.Txns[KFake].Elapsed)),
				frac(m.Server.CPU/n*1e6, true), count(float64(m.Server.TotalAlloc)/n, true))
		}
	}
	if len(r.ETL) > 0 {
		sc := r.Config.ETL
		p("\n### Exactly-once ETL\n\n")
		p("franz-go's GroupTransactSession copies %s from an input topic to an output topic, each poll's records in one transaction with the group's offsets, reading read_committed. Lower is better; ratios below 1 mean ours is faster or cheaper.\n\n", sc)
		p("| target | seconds | ours/kfake | transactions | ms/txn | server µs/rec | server B/rec |\n")
		p("|---|--:|--:|--:|--:|--:|--:|\n")
		n := float64(sc.Records)
		for _, k := range kinds {
			e, ok := r.ETL[k]
			if !ok {
				continue
			}
			p("| %s | %.2f | %s | %d | %s | %s | %s |\n", k, e.Elapsed.Seconds(),
				ratio(float64(e.Elapsed), float64(r.ETL[KFake].Elapsed)), e.Transactions,
				frac(e.Elapsed.Seconds()*1e3/float64(max(e.Transactions, 1)), true),
				frac(e.Server.CPU/n*1e6, true), count(float64(e.Server.TotalAlloc)/n, true))
		}
	}
	if len(r.Scale) > 0 {
		sc := r.Config.Scale
		p("\n### Many partitions\n\n")
		p("%s, created with one CreateTopics request; then ours is stopped and started again on the same data. RSS and open descriptors are the server's, once a Metadata of every topic has been answered (after creation; for ours, after the restart too). kfake keeps nothing on disk, so it has no restart. Lower is better.\n\n", sc)
		p("| target | create s | RSS MiB | descriptors | restart s | RSS after restart MiB | descriptors after restart |\n")
		p("|---|--:|--:|--:|--:|--:|--:|\n")
		for _, k := range kinds {
			s, ok := r.Scale[k]
			if !ok {
				continue
			}
			restart, rss, fds := "–", "–", "–"
			if !s.NoRestart {
				restart = fmt.Sprintf("%.2f", s.Restart.Seconds())
				rss, fds = mib(s.Restarted.RSS, true), count(float64(s.Restarted.FDs), true)
			}
			p("| %s | %.2f | %s | %d | %s | %s | %s |\n", k, s.Create.Seconds(), mib(s.Created.RSS, true), s.Created.FDs, restart, rss, fds)
		}
	}
	if len(r.Conns) > 0 {
		sc := r.Config.Conns
		p("\n### Many producer connections\n\n")
		p("%s: every producer has its own connection, and all send at once, each record on its own (linger 0) after the previous one's ack. Latency is from ProduceSync's call to its return. Lower is better.\n\n", sc)
		p("| target | p50 | p99 | max | p99 / kfake | rec/s | server µs/rec | server peak RSS MiB |\n")
		p("|---|--:|--:|--:|--:|--:|--:|--:|\n")
		n := float64(sc.Connections * sc.Records)
		for _, k := range kinds {
			c, ok := r.Conns[k]
			if !ok {
				continue
			}
			p("| %s | %s | %s | %s | %s | %s | %s | %s |\n", k,
				dur(c.Latencies.Quantile(0.5)), dur(c.Latencies.Quantile(0.99)), dur(c.Latencies.Quantile(1)),
				ratio(float64(c.Latencies.Quantile(0.99)), float64(r.Conns[KFake].Latencies.Quantile(0.99))),
				count(n/max(c.Elapsed.Seconds(), 1e-9), true), frac(c.Server.CPU/n*1e6, true), mib(c.Server.PeakRSS, true))
		}
	}
	if len(r.Sustained) > 0 {
		r.writeSustained(p)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeSustained writes the sustained-load table, with the machine's dirty
// threshold in its caption.
func (r *Report) writeSustained(p func(string, ...any)) {
	sc := r.Config.Sustained
	s := sc.scenario()
	p("\n### Sustained load\n\n")
	p("Produce of %s (%d records) to a fresh data dir, %.2g times the kernel's dirty-page threshold. This machine's thresholds: %s. Quarters: the first quarter of the records, from the first Produce to its last ack, and the last quarter, from the third quarter's last ack to the last ack; a last quarter much slower than the first shows writeback throttling the writer. Longest gap is the longest wait between two acks (loopback: between two 1 MiB writes), where a stall shows. Peak Dirty is the machine's, from /proc/meminfo. MB/s: higher is better; µs/rec and B/rec: lower is better.\n\n",
		sc, s.Records, float64(s.Payload())/float64(max(r.Dirty.Threshold, 1)), r.Dirty)
	p("| target | MB/s | first quarter MB/s | last quarter MB/s | last/first | MB/s / loopback | server µs/rec | µs/rec / loopback | server B/rec | server peak RSS MiB | longest gap | peak Dirty MiB |\n")
	p("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	quarter := float64(s.Payload()) / 4 / 1e6
	mbps := func(d time.Duration, mb float64) float64 {
		if d <= 0 {
			return 0
		}
		return mb / d.Seconds()
	}
	n := float64(s.Records)
	loop, hasLoop := r.Sustained[Loopback]
	for _, k := range r.Config.Kinds {
		res, ok := r.Sustained[k]
		if !ok {
			continue
		}
		if res.Skipped != "" {
			p("| %s | %s | – | – | – | – | – | – | – | – | – | – |\n", k, res.Skipped)
			continue
		}
		all := mbps(res.Elapsed, float64(s.Payload())/1e6)
		first, last := mbps(res.FirstQuarter, quarter), mbps(res.LastQuarter, quarter)
		vsLoop, cpuVsLoop := "–", "–"
		if hasLoop && loop.Skipped == "" {
			vsLoop = ratio(all, mbps(loop.Elapsed, float64(s.Payload())/1e6))
			cpuVsLoop = ratio(res.Server.CPU, loop.Server.CPU)
		}
		p("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", k,
			num(all, true), num(first, first > 0), num(last, last > 0), ratio(last, first), vsLoop,
			frac(res.Server.CPU/n*1e6, true), cpuVsLoop, count(float64(res.Server.TotalAlloc)/n, true),
			mib(res.Server.PeakRSS, true), dur(res.LongestGap), mib(uint64(res.PeakDirty), true))
	}
}

func ratio(a, b float64) string {
	if a <= 0 || b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", a/b)
}

func num(v float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.1f", v)
}

func frac(v float64, ok bool) string {
	if !ok {
		return "–"
	}
	if v < 10 {
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func count(v float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.0f", v)
}

func mib(v uint64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.1f", float64(v)/(1<<20))
}

func dur(d time.Duration) string {
	switch {
	case d <= 0:
		return "–"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	default:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	}
}

// writeThroughput writes the throughput, server memory and server CPU
// tables.
func (r *Report) writeThroughput(p func(string, ...any), has func(Kind) bool) {
	p("### Throughput\n\n")
	p("Payload MB/s (10^6 bytes of record values per second; higher is better). Ratios above 1 mean ours is faster.\n\n")
	p("| workload | ours MB/s | kfake MB/s | loopback MB/s | ours/kfake | ours/loopback | ours rec/s | kfake rec/s |\n")
	p("|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, t := range r.Throughput {
		p("| %s %s | %s | %s | %s | %s | %s | %s | %s |\n", t.Phase, t.Scenario,
			num(t.MBps(Ours), has(Ours)), num(t.MBps(KFake), has(KFake)), num(t.MBps(Loopback), has(Loopback)),
			ratio(t.MBps(Ours), t.MBps(KFake)), ratio(t.MBps(Ours), t.MBps(Loopback)),
			count(t.RecordsPerSec(Ours), has(Ours)), count(t.RecordsPerSec(KFake), has(KFake)))
	}

	p("\n### Server memory\n\n")
	p("Measured inside each server process: heap bytes and objects allocated per record during the workload (runtime.MemStats TotalAlloc and Mallocs deltas), the peak in-use heap (HeapInuse, sampled every 5ms) and the peak RSS (VmHWM, reset before each workload). Lower is better; ratios below 1 mean ours uses less.\n\n")
	p("| workload | ours B/rec | kfake B/rec | ours/kfake | ours allocs/rec | kfake allocs/rec | ours peak heap MiB | kfake peak heap MiB | ours peak RSS MiB | kfake peak RSS MiB | loopback peak RSS MiB | RSS ours/kfake |\n")
	p("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, t := range r.Throughput {
		n := float64(t.Scenario.Records)
		o, f, l := t.By[Ours].Server, t.By[KFake].Server, t.By[Loopback].Server
		p("| %s %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", t.Phase, t.Scenario,
			count(float64(o.TotalAlloc)/n, has(Ours)), count(float64(f.TotalAlloc)/n, has(KFake)),
			ratio(float64(o.TotalAlloc), float64(f.TotalAlloc)),
			frac(float64(o.Mallocs)/n, has(Ours)), frac(float64(f.Mallocs)/n, has(KFake)),
			mib(o.PeakHeap, has(Ours)), mib(f.PeakHeap, has(KFake)),
			mib(o.PeakRSS, has(Ours)), mib(f.PeakRSS, has(KFake)), mib(l.PeakRSS, has(Loopback)),
			ratio(float64(o.PeakRSS), float64(f.PeakRSS)))
	}

	p("\n### Server CPU\n\n")
	p("User plus system CPU time of the server process during the workload (getrusage), in microseconds per record. Lower is better. The last two columns are the franz-go client's CPU in the same workload (the benchmark process, all clients together), for telling a server-bound workload from a client-bound one: wall time per record is 1/(rec/s) above, and the machine has %d CPUs for both.\n\n", runtime.NumCPU())
	p("For produce, loopback+file is the loopback sink writing what it reads to a file, one pwrite per MiB: the socket read and the write into the page cache, the two costs a broker that keeps its log on disk cannot avoid. ours/loopback+file is what the broker's own work (parsing, the CRC check, offsets, answering) adds to them.\n\n")
	p("| workload | ours µs/rec | kfake µs/rec | loopback µs/rec | loopback+file µs/rec | ours/kfake | ours/loopback | ours/loopback+file | client µs/rec on ours | client µs/rec on kfake |\n")
	p("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, t := range r.Throughput {
		n := float64(t.Scenario.Records)
		o, f, l := t.By[Ours].Server.CPU, t.By[KFake].Server.CPU, t.By[Loopback].Server.CPU
		st, hasStore := t.By[LoopbackFile]
		p("| %s %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", t.Phase, t.Scenario,
			frac(o/n*1e6, has(Ours)), frac(f/n*1e6, has(KFake)), frac(l/n*1e6, has(Loopback)),
			frac(st.Server.CPU/n*1e6, hasStore), ratio(o, f), ratio(o, l), ratio(o, st.Server.CPU),
			frac(t.By[Ours].ClientCPU/n*1e6, has(Ours)), frac(t.By[KFake].ClientCPU/n*1e6, has(KFake)))
	}

}
