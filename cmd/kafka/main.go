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
// Any broker setting can be given by its Kafka name, with -c, repeatable:
//
//	kafka -c group.min.session.timeout.ms=100 -c num.partitions=3
//
// or from a file in Kafka's server.properties format:
//
//	kafka -config server.properties
//
// The file is applied first, then the flags, then each -c in order, so a
// later value wins. A setting this broker ignores (replication, the
// controller quorum, ZooKeeper, metrics reporters) is logged once; an
// unknown one, or a bad value, stops the start with a message naming it.
//
// -listeners serves several listeners in Kafka's syntax, for example
// PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093; -addr is the
// shorthand for one PLAINTEXT listener. TLS listeners use -tls-cert and
// -tls-key, or else a development certificate made in the data dir, whose
// CA the log names. -sasl-users alice:secret,bob:pw (or @file, one
// name:password a line) creates SCRAM users at start; PLAIN logins are
// checked against them too. -authorizer turns ACLs on.
// -c sasl.enabled.mechanisms=... chooses the SASL mechanisms offered;
// naming OAUTHBEARER serves Kafka's unsecured tokens, with which any
// client may log in as any principal, so it is for development only.
//
// -http 127.0.0.1:8080 serves a web page of the broker's topics, records,
// groups and transactions at /, Prometheus metrics at /metrics and a health
// check at /healthz, which answers 503 until the logs are loaded and the
// listener is bound, and again while the broker stops. -trace prints every
// request and response, decoded, to standard error.
package main

import (
	"cmp"
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

// flags are the command line: the shorthands for common settings, -c,
// -config and -log-level.
type flags struct {
	fs         *flag.FlagSet
	settings   []string // -c, in order
	configFile *string
	level      *string
	httpAddr   *string
	trace      *bool

	addr, data, advertised, fsync                                 *string
	partitions, nodeID, quotaNum                                  *int
	noAuto                                                        *bool
	segment                                                       *int64
	retCheck, joinDelay, retention, txnMax, cgInterval, cgSession *time.Duration
	quotaSize                                                     *time.Duration

	// Security (security.go).
	listeners, advListeners, tlsCert, tlsKey, clientAuth, clientCA *string
	saslUsers, superUsers                                          *string
	authorizer, allowNoACL                                         *bool
}

func parseFlags(args []string) (*flags, error) {
	fs := flag.NewFlagSet("kafka", flag.ContinueOnError)
	f := &flags{fs: fs}
	fs.Func("c", "a broker setting by its Kafka name, name=value (repeatable), e.g. -c group.max.size=10", func(s string) error {
		if !strings.Contains(s, "=") {
			return fmt.Errorf("want name=value, got %q", s)
		}
		f.settings = append(f.settings, s)
		return nil
	})
	f.configFile = fs.String("config", "", "a server.properties file (Kafka's format) of broker settings")
	f.addr = fs.String("addr", "127.0.0.1:9092", "address to listen on (listeners)")
	f.data = fs.String("data", "/tmp/kafka-logs", "directory for the partition logs (log.dirs)")
	f.advertised = fs.String("advertised-addr", "", "host:port clients are told to connect to (advertised.listeners; default: the address they used)")
	f.partitions = fs.Int("partitions", 1, "partitions of auto-created topics (num.partitions)")
	f.noAuto = fs.Bool("no-auto-create", false, "do not create topics on first use (auto.create.topics.enable=false)")
	f.nodeID = fs.Int("node-id", 0, "broker id reported in Metadata (node.id)")
	f.segment = fs.Int64("segment-bytes", 1<<30, "segment file size before a roll, for topics without segment.bytes (log.segment.bytes, which must be at least 1 MiB; this flag may be smaller, for tests)")
	f.fsync = fs.String("fsync", "never", "when to fsync appended records: never, always (before acknowledging a produce), or an interval such as 1s")
	f.retCheck = fs.Duration("retention-check-interval", 5*time.Minute, "how often old segments are checked for deletion (log.retention.check.interval.ms)")
	f.joinDelay = fs.Duration("group-initial-rebalance-delay", 100*time.Millisecond, "how long a new group waits for more members (group.initial.rebalance.delay.ms); negative for none")
	f.retention = fs.Duration("offsets-retention", 7*24*time.Hour, "how long committed offsets of an empty group are kept (offsets.retention.minutes)")
	f.txnMax = fs.Duration("transaction-max-timeout", 15*time.Minute, "the longest transaction.timeout.ms a transactional producer may ask for (transaction.max.timeout.ms)")
	f.cgInterval = fs.Duration("consumer-heartbeat-interval", 5*time.Second, "how often KIP-848 consumer group members heartbeat (group.consumer.heartbeat.interval.ms)")
	f.cgSession = fs.Duration("consumer-session-timeout", 45*time.Second, "how long a KIP-848 consumer group member may go without a heartbeat (group.consumer.session.timeout.ms)")
	f.quotaNum = fs.Int("quota-window-num", 11, "how many samples client quota rates are measured over (quota.window.num)")
	f.quotaSize = fs.Duration("quota-window-size", time.Second, "the length of each client quota sample (quota.window.size.seconds)")
	f.level = fs.String("log-level", "info", "log level: debug, info, warn or error")
	f.httpAddr = fs.String("http", "", "address for the web page, /metrics and /healthz, such as 127.0.0.1:8080 (default: none)")
	f.trace = fs.Bool("trace", false, "print every request and response, decoded, to standard error")
	f.listeners = fs.String("listeners", "", "listeners in Kafka's syntax, e.g. PLAINTEXT://127.0.0.1:9092,SASL_SSL://127.0.0.1:9093 (default: PLAINTEXT:// and -addr)")
	f.advListeners = fs.String("advertised-listeners", "", "addresses Metadata gives per listener, same syntax (advertised.listeners)")
	f.tlsCert = fs.String("tls-cert", "", "PEM certificate chain of the TLS listeners (default: a dev certificate in the data dir)")
	f.tlsKey = fs.String("tls-key", "", "PEM private key of -tls-cert")
	f.clientAuth = fs.String("tls-client-auth", "none", "ssl.client.auth: none, requested or required; the client certificate's subject becomes the principal")
	f.clientCA = fs.String("tls-client-ca", "", "PEM CAs that sign client certificates (default with the dev certificate: its CA)")
	f.saslUsers = fs.String("sasl-users", "", "SCRAM users to create at start, name:password,... or @file with one name:password a line")
	f.authorizer = fs.Bool("authorizer", false, "enforce ACLs (authorizer.class.name=StandardAuthorizer)")
	f.superUsers = fs.String("super-users", "", "principals allowed everything, e.g. User:admin;User:ops (super.users)")
	f.allowNoACL = fs.Bool("allow-everyone-if-no-acl-found", false, "allow operations on resources no ACL names (allow.everyone.if.no.acl.found)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (settings are -c name=value)", fs.Arg(0))
	}
	return f, nil
}

// config builds the broker's Config: the defaults of -addr and -data,
// then the file, then the flags given, then each -c.
func (f *flags) config(logger *slog.Logger) (kafka.Config, error) {
	cfg := kafka.Config{DataDir: *f.data, Listeners: "PLAINTEXT://" + *f.addr, Logger: logger}
	if *f.configFile != "" {
		if err := applyFile(&cfg, *f.configFile); err != nil {
			return cfg, err
		}
	}
	var flagErr error
	f.fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "addr":
			cfg.Listeners = "PLAINTEXT://" + *f.addr
		case "listeners":
			cfg.Listeners = *f.listeners
		case "advertised-listeners":
			cfg.AdvertisedListeners = *f.advListeners
		case "tls-cert":
			cfg.Security.TLSCertFile = *f.tlsCert
		case "tls-key":
			cfg.Security.TLSKeyFile = *f.tlsKey
		case "tls-client-auth":
			cfg.Security.TLSClientAuth = *f.clientAuth
		case "tls-client-ca":
			cfg.Security.TLSClientCAFile = *f.clientCA
		case "authorizer":
			cfg.Security.Authorizer = *f.authorizer
		case "super-users":
			// As super.users parses it: trimmed, each TYPE:NAME.
			flagErr = cmp.Or(flagErr, cfg.Set("super.users", *f.superUsers))
		case "allow-everyone-if-no-acl-found":
			cfg.Security.AllowEveryoneIfNoACLFound = *f.allowNoACL
		case "data":
			cfg.DataDir = *f.data
		case "advertised-addr":
			cfg.AdvertisedAddr = *f.advertised
		case "partitions":
			cfg.DefaultPartitions = int32(*f.partitions)
		case "no-auto-create":
			cfg.DisableAutoCreateTopics = *f.noAuto
		case "node-id":
			cfg.NodeID = int32(*f.nodeID)
		case "segment-bytes":
			cfg.SegmentBytes = *f.segment
		case "fsync":
			cfg.Fsync = *f.fsync
		case "retention-check-interval":
			cfg.RetentionCheckInterval = *f.retCheck
		case "group-initial-rebalance-delay":
			cfg.GroupInitialRebalanceDelay = *f.joinDelay
		case "offsets-retention":
			cfg.OffsetsRetention = *f.retention
		case "transaction-max-timeout":
			cfg.TransactionMaxTimeout = *f.txnMax
		case "consumer-heartbeat-interval":
			cfg.ConsumerHeartbeatInterval = *f.cgInterval
		case "consumer-session-timeout":
			cfg.ConsumerSessionTimeout = *f.cgSession
		case "quota-window-num":
			cfg.QuotaWindowNum = *f.quotaNum
		case "quota-window-size":
			cfg.QuotaWindowSize = *f.quotaSize
		}
	})
	if flagErr != nil {
		return cfg, fmt.Errorf("-super-users: %s", strings.TrimPrefix(flagErr.Error(), "kafka: "))
	}
	users, err := parseUsers(*f.saslUsers)
	if err != nil {
		return cfg, fmt.Errorf("-sasl-users: %w", err)
	}
	cfg.Security.SASLUsers = users
	for _, s := range f.settings {
		name, value, _ := strings.Cut(s, "=")
		if err := cfg.Set(strings.TrimSpace(name), value); err != nil {
			return cfg, fmt.Errorf("-c %s", strings.TrimPrefix(err.Error(), "kafka: "))
		}
	}
	return cfg, nil
}

func run(args []string) error {
	f, err := parseFlags(args)
	if err != nil {
		return err
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*f.level)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))
	cfg, err := f.config(logger)
	if err != nil {
		return err
	}
	if *f.trace {
		cfg.Trace = io.Writer(os.Stderr)
	}

	raiseFileLimit(logger)
	// The ports are bound, and then Open locks the data dir, before the
	// recovery reads or writes anything in it: a second broker started by
	// mistake on the same port or data dir stops here, having changed
	// nothing. Clients that connect meanwhile wait in the listen queue.
	lns, err := kafka.Listen(cfg)
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
	if *f.httpAddr != "" {
		hln, err := net.Listen("tcp", *f.httpAddr)
		if err != nil {
			return fmt.Errorf("-http: %w", err)
		}
		logger.Info("web page, metrics and health listening", "addr", "http://"+hln.Addr().String())
		defer serveHTTP(hln, &broker, logger)()
	}

	b, err := kafka.Open(cfg)
	if err != nil {
		return err
	}
	broker.Store(b)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for i, name := range b.ListenerNames() {
		// addr comes first: scripts (and interop/crash_test.go) read it there.
		logger.Info("kafka broker listening", "addr", lns[i].Addr().String(), "listener", name, "data", cfg.DataDir, "fsync", cmpOr(cfg.Fsync, "never"))
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

// applyFile applies the settings of a server.properties file.
func applyFile(cfg *kafka.Config, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("-config: %w", err)
	}
	defer f.Close()
	props, err := kafka.ReadProperties(f)
	if err != nil {
		return fmt.Errorf("-config %s: %w", path, err)
	}
	for _, p := range props {
		if err := cfg.Set(p.Key, p.Value); err != nil {
			return fmt.Errorf("-config %s: %s", path, strings.TrimPrefix(err.Error(), "kafka: "))
		}
	}
	return nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
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
