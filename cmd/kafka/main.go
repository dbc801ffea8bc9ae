// Command kafka runs a single-node Kafka-compatible broker that keeps its
// data on disk.
//
// Usage:
//
//	kafka [-addr 127.0.0.1:9092] [-data /tmp/kafka-logs] [flags]
//
// It stops cleanly on SIGINT or SIGTERM: it stops accepting, lets requests
// in flight finish and closes its logs, so the next start is quick. After
// any other end (SIGKILL, a crash, a power cut) the next start checks the
// tail of every partition and cuts what was half written.
//
// -fsync chooses when records are forced to disk: never (the default, as
// in Kafka: the OS decides), always (before every acknowledged produce),
// or an interval such as 1s. See the README for what each survives.
//
// -http 127.0.0.1:8080 serves a web page of the broker's topics, records,
// groups and transactions at /, Prometheus metrics at /metrics and a health
// check at /healthz, which answers 503 until the logs are loaded and the
// listener is bound, and again while the broker stops. -trace prints every
// request and response, decoded, to standard error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"kafka"
)

func main() {
	err := run(os.Args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp): // -h: the usage is already printed
	case err != nil:
		fmt.Fprintln(os.Stderr, "kafka:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("kafka", flag.ContinueOnError)
	var (
		addr       = fs.String("addr", "127.0.0.1:9092", "address to listen on")
		data       = fs.String("data", "/tmp/kafka-logs", "directory for the partition logs (Kafka's log.dirs)")
		advertised = fs.String("advertised-addr", "", "host:port clients are told to connect to (default: the address they used)")
		partitions = fs.Int("partitions", 1, "partitions of auto-created topics (num.partitions)")
		noAuto     = fs.Bool("no-auto-create", false, "do not create topics on first use (auto.create.topics.enable=false)")
		nodeID     = fs.Int("node-id", 0, "broker id reported in Metadata (node.id)")
		segment    = fs.Int64("segment-bytes", 1<<30, "segment file size before a roll, for topics without segment.bytes (log.segment.bytes)")
		fsync      = fs.String("fsync", "never", "when to fsync appended records: never, always (before acknowledging a produce), or an interval such as 1s")
		retCheck   = fs.Duration("retention-check-interval", 5*time.Minute, "how often old segments are checked for deletion (log.retention.check.interval.ms)")
		joinDelay  = fs.Duration("group-initial-rebalance-delay", 100*time.Millisecond, "how long a new group waits for more members (group.initial.rebalance.delay.ms); negative for none")
		retention  = fs.Duration("offsets-retention", 7*24*time.Hour, "how long committed offsets of an empty group are kept (offsets.retention.minutes)")
		txnMax     = fs.Duration("transaction-max-timeout", 15*time.Minute, "the longest transaction.timeout.ms a transactional producer may ask for (transaction.max.timeout.ms)")
		cgInterval = fs.Duration("consumer-heartbeat-interval", 5*time.Second, "how often KIP-848 consumer group members heartbeat (group.consumer.heartbeat.interval.ms)")
		cgSession  = fs.Duration("consumer-session-timeout", 45*time.Second, "how long a KIP-848 consumer group member may go without a heartbeat (group.consumer.session.timeout.ms)")
		quotaNum   = fs.Int("quota-window-num", 11, "how many samples client quota rates are measured over (quota.window.num)")
		quotaSize  = fs.Duration("quota-window-size", time.Second, "the length of each client quota sample (quota.window.size.seconds)")
		fsSlots    = fs.Int("fetch-session-cache-slots", 1000, "how many incremental fetch sessions are kept (max.incremental.fetch.session.cache.slots); negative for none")
		fsEvict    = fs.Duration("fetch-session-eviction", 2*time.Minute, "how long a fetch session is safe from eviction (min.incremental.fetch.session.eviction.ms)")
		level      = fs.String("log-level", "info", "log level: debug, info, warn or error")
		httpAddr   = fs.String("http", "", "address for the web page, /metrics and /healthz, such as 127.0.0.1:8080 (default: none)")
		trace      = fs.Bool("trace", false, "print every request and response, decoded, to standard error")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	// The HTTP server starts first, so that /healthz answers 503 while the
	// logs load, which can take a while after a crash.
	var broker atomic.Pointer[kafka.Broker]
	if *httpAddr != "" {
		ln, err := net.Listen("tcp", *httpAddr)
		if err != nil {
			return fmt.Errorf("-http: %w", err)
		}
		logger.Info("web page, metrics and health listening", "addr", "http://"+ln.Addr().String())
		defer serveHTTP(ln, &broker, logger)()
	}
	var traceTo io.Writer
	if *trace {
		traceTo = os.Stderr
	}

	b, err := kafka.Open(kafka.Config{
		DataDir:                    *data,
		NodeID:                     int32(*nodeID),
		AdvertisedAddr:             *advertised,
		DefaultPartitions:          int32(*partitions),
		DisableAutoCreateTopics:    *noAuto,
		SegmentBytes:               *segment,
		Fsync:                      *fsync,
		RetentionCheckInterval:     *retCheck,
		GroupInitialRebalanceDelay: *joinDelay,
		OffsetsRetention:           *retention,
		TransactionMaxTimeout:      *txnMax,
		ConsumerHeartbeatInterval:  *cgInterval,
		ConsumerSessionTimeout:     *cgSession,
		QuotaWindowNum:             *quotaNum,
		QuotaWindowSize:            *quotaSize,
		FetchSessionCacheSlots:     *fsSlots,
		FetchSessionEviction:       *fsEvict,
		Trace:                      traceTo,
		Logger:                     logger,
	})
	if err != nil {
		return err
	}
	broker.Store(b)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger.Info("kafka broker listening", "addr", ln.Addr().String(), "data", *data, "fsync", *fsync)
	if err := b.Serve(ctx, ln); err != nil {
		return err
	}
	logger.Info("kafka broker stopped")
	return nil
}

// serveHTTP serves on ln the Handler of the broker once one is stored,
// and before that a 503 for every path, /healthz included. The returned
// function stops the server.
func serveHTTP(ln net.Listener, broker *atomic.Pointer[kafka.Broker], logger *slog.Logger) func() {
	var handler atomic.Pointer[http.Handler]
	srv := &http.Server{
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b := broker.Load()
			if b == nil {
				kafka.ServeHealth(w, false)
				return
			}
			h := handler.Load()
			if h == nil {
				bh := b.Handler()
				handler.CompareAndSwap(nil, &bh)
				h = handler.Load()
			}
			(*h).ServeHTTP(w, r)
		}),
	}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("http server", "err", err)
		}
	}()
	return func() { srv.Close() }
}
