// Command bench runs the throughput, memory and latency workloads against
// this repository's broker, franz-go's kfake and a raw loopback socket, each
// in a child process of its own, and prints a markdown table with absolute
// numbers and ratios. See docs/benchmark.md.
//
//	go run ./cmd/bench            # the full run, about a minute
//	go run ./cmd/bench -quick     # a smoke run of a few seconds
//	go run ./cmd/bench -profile /tmp/prof   # plus a CPU profile per broker workload
//	go run ./cmd/bench -targets ours -scale 10 -profile /tmp/prof   # longer, for pprof
//	go run ./cmd/bench -workloads sessions,txns   # only the fetch-session and transaction workloads
//	go run ./cmd/bench -workloads sustained -targets ours,loopback   # gigabytes past the dirty-page threshold
//
// SIGINT (Ctrl-C) or SIGTERM stops the run: each workload in progress is
// cancelled and its servers stopped and their data dirs removed before the
// command exits.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"kafka/interop/bench"
)

func main() {
	bench.MaybeServe() // the child processes are this same binary

	quick := flag.Bool("quick", false, "smoke run: every workload with a few thousand records")
	runs := flag.Int("runs", 1, "run each workload this many times and report the median")
	profile := flag.String("profile", "", "write a CPU profile of each broker workload to this directory")
	targets := flag.String("targets", "ours,kfake,loopback", "comma-separated targets to run")
	scale := flag.Float64("scale", 1, "multiply the throughput workloads' record counts, the transaction count and the ETL's records by this (e.g. 10 for longer profiles)")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	scaleTopics := flag.Int("scale-topics", 0, "topics of 10 partitions in the scale workload (default 1000, 20 with -quick)")
	workloads := flag.String("workloads", "throughput,latency,sessions,txns,etl,scale,conns",
		"comma-separated workloads to run; sustained, not in the default, writes gigabytes")
	sustainedBytes := flag.Int64("sustained-bytes", 0,
		"bytes the sustained workload produces (default the larger of 4 GB and 1.25x the kernel's dirty threshold; 20 MB with -quick)")
	recycle := flag.Bool("recycle-pages", true,
		"before each produce, write and remove a scratch file of its size in TMPDIR, so that the page cache it fills is of pages freed a moment ago (see docs/benchmark.md)")
	flag.Parse()

	cfg := bench.Full()
	if *quick {
		cfg = bench.Quick()
	}
	cfg.RecyclePages = *recycle
	cfg.ScaleBy(*scale)
	want := map[string]bool{}
	for _, w := range strings.Split(*workloads, ",") {
		want[strings.TrimSpace(w)] = true
	}
	if !want["throughput"] {
		cfg.Scenarios = nil
	}
	if !want["latency"] {
		cfg.Latency = bench.LatencyScenario{}
	}
	if !want["sessions"] {
		cfg.Sessions = bench.SessionScenario{}
	}
	if !want["txns"] {
		cfg.Txns = bench.TxnScenario{}
	}
	if !want["etl"] {
		cfg.ETL = bench.ETLScenario{}
	}
	if *scaleTopics > 0 {
		cfg.Scale.Topics = *scaleTopics
	}
	if !want["scale"] {
		cfg.Scale = bench.ScaleScenario{}
	}
	if !want["conns"] {
		cfg.Conns = bench.ConnsScenario{}
	}
	switch {
	case !want["sustained"]:
		cfg.Sustained = bench.SustainedScenario{}
	case *sustainedBytes > 0:
		cfg.Sustained = bench.Sustained(*sustainedBytes)
	case !*quick:
		cfg.Sustained = bench.Sustained(0)
	}
	cfg.Runs = *runs
	cfg.ProfileDir = *profile
	cfg.Progress = os.Stderr
	for _, t := range strings.Split(*targets, ",") {
		cfg.Kinds = append(cfg.Kinds, bench.Kind(strings.TrimSpace(t)))
	}
	if cfg.ProfileDir != "" {
		if err := os.MkdirAll(cfg.ProfileDir, 0o755); err != nil {
			fatal(err)
		}
	}

	// A signal cancels the run rather than killing the process, so that
	// the servers' deferred Close removes their data dirs (the sustained
	// workload's holds gigabytes).
	sigCtx, stopSignals := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stopSignals()
	ctx, cancel := context.WithTimeout(sigCtx, *timeout)
	defer cancel()
	start := time.Now()
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		if sigCtx.Err() != nil {
			err = fmt.Errorf("interrupted: %w", err)
		}
		fatal(err)
	}
	if err := rep.WriteMarkdown(os.Stdout); err != nil {
		fatal(err)
	}
	fmt.Fprintf(os.Stderr, "done in %v\n", time.Since(start).Round(time.Millisecond))
}

func fatal(err error) {
	fmt.Fprintf(os.Stderr, "bench: %v\n", err)
	os.Exit(1)
}
