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
// -listeners serves several listeners in Kafka's syntax, for example
// PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093; -addr is the
// shorthand for one PLAINTEXT listener. TLS listeners use -tls-cert and
// -tls-key, or else a development certificate made in the data dir, whose
// CA the log names. -sasl-users alice:secret,bob:pw (or @file, one
// name:password a line) creates SCRAM users at start; PLAIN logins are
// checked against them too. -authorizer turns ACLs on.
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
	"strings"
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
		// The package's errors already start with "kafka:"; flag errors
		// and ours do not.
		msg := err.Error()
		if !strings.HasPrefix(msg, "kafka: ") {
			msg = "kafka: " + msg
		}
		fmt.Fprintln(os.Stderr, msg)
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
		level      = fs.String("log-level", "info", "log level: debug, info, warn or error")
		httpAddr   = fs.String("http", "", "address for the web page, /metrics and /healthz, such as 127.0.0.1:8080 (default: none)")
		trace      = fs.Bool("trace", false, "print every request and response, decoded, to standard error")

		listeners  = fs.String("listeners", "", "listeners in Kafka's syntax, e.g. PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093 (default: PLAINTEXT:// and -addr)")
		advListen  = fs.String("advertised-listeners", "", "addresses Metadata gives per listener, same syntax (advertised.listeners)")
		tlsCert    = fs.String("tls-cert", "", "PEM certificate chain of the TLS listeners (default: a dev certificate in the data dir)")
		tlsKey     = fs.String("tls-key", "", "PEM private key of -tls-cert")
		clientAuth = fs.String("tls-client-auth", "none", "ssl.client.auth: none, requested or required; the client certificate's subject becomes the principal")
		clientCA   = fs.String("tls-client-ca", "", "PEM CAs that sign client certificates (default with the dev certificate: its CA)")
		saslUsers  = fs.String("sasl-users", "", "SCRAM users to create at start, name:password,... or @file with one name:password a line")
		authorizer = fs.Bool("authorizer", false, "enforce ACLs (authorizer.class.name=StandardAuthorizer)")
		superUsers = fs.String("super-users", "", "principals allowed everything, e.g. User:admin;User:ops (super.users)")
		allowNoACL = fs.Bool("allow-everyone-if-no-acl-found", false, "allow operations on resources no ACL names (allow.everyone.if.no.acl.found)")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	if *listeners == "" {
		*listeners = "PLAINTEXT://" + *addr
	}
	users, err := parseUsers(*saslUsers)
	if err != nil {
		return fmt.Errorf("-sasl-users: %w", err)
	}
	var supers []string
	if *superUsers != "" {
		supers = strings.Split(*superUsers, ";")
	}

	raiseFileLimit(logger)
	// The ports are bound, and then Open locks the data dir, before the
	// recovery reads or writes anything in it: a second broker started by
	// mistake on the same port or data dir stops here, having changed
	// nothing. Clients that connect meanwhile wait in the listen queue.
	lns, err := kafka.Listen(*listeners)
	if err != nil {
		return err
	}
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	// The HTTP server starts before Open too, so that /healthz answers 503 while the
	// logs load, which can take a while after a crash.
	var broker atomic.Pointer[kafka.Broker]
	if *httpAddr != "" {
		hln, err := net.Listen("tcp", *httpAddr)
		if err != nil {
			return fmt.Errorf("-http: %w", err)
		}
		logger.Info("web page, metrics and health listening", "addr", "http://"+hln.Addr().String())
		defer serveHTTP(hln, &broker, logger)()
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
		Trace:                      traceTo,
		Listeners:                  *listeners,
		AdvertisedListeners:        *advListen,
		Security: kafka.SecurityConfig{
			TLSCertFile:               *tlsCert,
			TLSKeyFile:                *tlsKey,
			TLSClientAuth:             *clientAuth,
			TLSClientCAFile:           *clientCA,
			SASLUsers:                 users,
			Authorizer:                *authorizer,
			SuperUsers:                supers,
			AllowEveryoneIfNoACLFound: *allowNoACL,
		},
		Logger: logger,
	})
	if err != nil {
		return err
	}
	broker.Store(b)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for i, name := range b.ListenerNames() {
		// addr comes first: scripts (and interop/crash_test.go) read it there.
		logger.Info("kafka broker listening", "addr", lns[i].Addr().String(), "listener", name, "data", *data, "fsync", *fsync)
	}
	if err := b.Serve(ctx, lns...); err != nil {
		return err
	}
	logger.Info("kafka broker stopped")
	return nil
}

// parseUsers reads -sasl-users: name:password pairs joined by commas, or
// "@path" for a file with one pair a line. A password may hold colons;
// the name may not.
func parseUsers(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	sep := ","
	if path, ok := strings.CutPrefix(s, "@"); ok {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		s, sep = string(data), "\n"
	}
	users := map[string]string{}
	for _, pair := range strings.Split(s, sep) {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		name, password, ok := strings.Cut(pair, ":")
		if !ok || name == "" || password == "" {
			return nil, fmt.Errorf("%q is not name:password", name)
		}
		users[name] = password
	}
	return users, nil
}

// raiseFileLimit raises the soft limit on open files to the hard limit.
// Every connection and every open segment takes a file descriptor, and
// the usual soft limit, 1024, is soon reached by a broker with many
// partitions or clients; the hard limit is what the administrator allows.
// Go's runtime does the same at start since Go 1.19; doing it here too
// makes it visible in the log, and keeps it if the runtime changes.
func raiseFileLimit(logger *slog.Logger) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		logger.Warn("reading the open file limit", "err", err)
		return
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			logger.Warn("raising the open file limit", "err", err)
			return
		}
	}
	logger.Debug("open file limit", "limit", lim.Cur)
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
