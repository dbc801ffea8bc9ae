// Package kafka is a single-node message broker that speaks the Apache
// Kafka wire protocol, so that the clients people already use (franz-go,
// sarama, segmentio/kafka-go, librdkafka and the tools built on it such as
// kcat, KafkaJS, kafka-python) work against it unchanged. It keeps its data
// on disk, in the same layout Kafka uses. It is meant both as a local broker
// for development and tests and as a guided tour of how Kafka works, read
// as a book in four parts (see Reading order). The book is not short:
// about 43,000 lines of Go without the tests, over a quarter of them comments.
// Part I, the path of a record from a producer to the disk and back to a
// consumer, is about a quarter of them, and a reader can finish it in an
// evening; the other parts build on it and not on each other.
//
// # Basics
//
// A Kafka broker stores topics. A topic is split into partitions, and each
// partition is an append-only log of records, numbered by offset from 0.
// Producers append batches of records to a partition; consumers read a
// partition from an offset of their choosing and remember how far they got.
// Everything a client does is a request on a TCP connection: a 4-byte size,
// a header naming the API (Produce, Fetch, Metadata, ...) and its version,
// and a body whose layout that version defines. The broker answers every
// request in order on the same connection.
//
// Start a broker and use it with kcat:
//
//	$ go run ./cmd/kafka -data /tmp/kafka-logs
//	$ echo 'k1:hello' | kcat -b 127.0.0.1:9092 -P -t greetings -K:
//	$ kcat -b 127.0.0.1:9092 -C -t greetings -K: -e
//	k1:hello
//
// Or from Go, in a test, on a free port (example_test.go runs this
// function, and its Example_produceAndFetch speaks Metadata, Produce and
// Fetch to such a broker over a raw connection, byte by byte):
//
//	// startKafka runs a broker in-process for the test and returns the
//	// address for a client's bootstrap servers; the broker stops, and
//	// closes its logs, when the test ends.
//	func startKafka(t *testing.T) string {
//		b, err := kafka.Open(kafka.Config{DataDir: t.TempDir()})
//		if err != nil {
//			t.Fatal(err)
//		}
//		ln, err := net.Listen("tcp", "127.0.0.1:0")
//		if err != nil {
//			t.Fatal(err)
//		}
//		ctx, cancel := context.WithCancel(context.Background())
//		done := make(chan error, 1)
//		go func() { done <- b.Serve(ctx, ln) }()
//		t.Cleanup(func() {
//			cancel()
//			if err := <-done; err != nil {
//				t.Error(err)
//			}
//		})
//		return ln.Addr().String()
//	}
//
// # Reading order
//
// Each file is a chapter, and opens by saying which part it belongs to
// and which chapters it assumes. The list below is the book's table of
// contents; README.md has the same list, and a test keeps the two equal
// and complete. docs/book.md walks through it part by part, naming the
// functions where each idea happens.
//
// # Part I: the core
//
// Framing, the codec, the log, and the APIs every client uses first:
// Produce, Fetch, Metadata, ApiVersions and ListOffsets.
//
//   - kafka.go: the Broker, the accept loop, the framing of requests and
//     responses on a connection, answered in order, the apis table that
//     drives dispatch and ApiVersions, which lists it, and the Config.
//   - wire.go: the codec: the field types every message is made of, classic
//     and flexible versions, and the record batch.
//   - log.go: the partition log: segments with offset and time indexes,
//     Append and Read, and recovery after a crash.
//   - flush.go: when the log reaches the disk: SyncTo for Config.Fsync,
//     the background fsync of a rolled segment, and a failed fsync, which
//     takes its partition offline; and the data dir's files written
//     whole, whose JSON is read strictly.
//   - retention.go: the log start offset, moved by DeleteRecords and by
//     retention deleting whole segments.
//   - segfiles.go: the descriptor cache through which closed segments are
//     read, so that open files do not grow with the segment count.
//   - fdlimit_unix.go: the process's open file limit, which bounds that
//     cache.
//   - fdlimit_other.go: the same, where the OS has no such limit.
//   - topics.go: the data dir: topics as sets of partition directories, their
//     ids and configs, and creation and deletion that a crash leaves whole.
//   - dirlock_unix.go: the data dir's lock, which keeps a second broker
//     off it.
//   - dirlock_other.go: the same, where the OS has no flock.
//   - metaproperties.go: the data dir's meta.properties: the cluster id
//     and node id it belongs to, which every start checks.
//   - errors.go: the error codes a client is answered with, and the map
//     from the log's errors to them.
//   - handlers.go: the core APIs, one section per API in API-key order
//     (Produce, Fetch, ListOffsets, Metadata and DeleteRecords), each
//     opening with the versions served.
//   - topicadmin.go: CreateTopics, DeleteTopics and CreatePartitions, checked
//     as Kafka's controller checks them.
//   - fetchsessions.go: incremental fetch sessions (KIP-227), which spare a
//     consumer of many partitions from naming all of them on every fetch.
//
// # Part II: groups and offsets
//
// How consumers share partitions, and where their positions are kept.
//
//   - groups.go: the classic group coordinator: JoinGroup, SyncGroup,
//     Heartbeat, rebalances, FindCoordinator and LeaveGroup.
//   - offsets.go: the offset store: committed offsets as records of
//     __consumer_offsets, and OffsetCommit, OffsetFetch and OffsetDelete.
//   - consumer.go: KIP-848 consumer groups, where the broker assigns and
//     members converge one heartbeat at a time.
//   - groupconfigs.go: the settings a group may override (KIP-848), and
//     configStore, the file of configs by resource name that the broker's
//     dynamic configs and client metrics subscriptions use too.
//   - groupstore.go: group state written to __consumer_offsets, so that a
//     restart costs no rebalance.
//   - migration.go: a group with members moved between the two protocols,
//     classic to consumer and back, and classic members in a consumer group.
//   - share.go: KIP-932's share partition, the state machine that hands each
//     record to one member of a share group at a time.
//   - sharegroups.go: share groups, their heartbeat and their offsets APIs.
//   - sharefetch.go: ShareFetch and ShareAcknowledge, with their share
//     sessions.
//   - groupadmin.go: DescribeGroups, ListGroups and DeleteGroups, the view
//     of groups of every type that admin tools have.
//
// # Part III: exactly once
//
// Idempotent producers, then transactions built on them.
//
//   - producers.go: InitProducerId, producer ids, and the sequence
//     numbers that turn a retried batch into a no-op (KIP-98).
//   - txn.go: the transaction coordinator, the markers that end a
//     transaction, and the last stable offset read_committed stops at.
//   - txnmarkers.go: WriteTxnMarkers, with which kafka-transactions.sh
//     abort ends a hanging transaction in a partition.
//   - txnstate.go: the coordinator's state on disk, a log compacted as
//     Kafka compacts __transaction_state.
//   - txnv2.go: transaction version 2 (KIP-890 part 2): partitions and
//     groups that join by themselves, an epoch bump at every EndTxn, and
//     the transaction.version feature that tells clients so.
//
// # Part IV: operations
//
// What running a broker takes: configs, retention and compaction,
// security, observability, quotas and cluster admin.
//
//   - topicconfigs.go: every setting a topic may override in Kafka 4.0,
//     and the config APIs.
//   - clientmetrics.go: client metrics subscriptions (KIP-714), kept as
//     kafka-client-metrics.sh sets them.
//   - validator.go: what topic settings do to produced batches
//     (LogAppendTime, timestamp bounds, recompression).
//   - codecs.go: the compression codecs of record batches: gzip, and
//     snappy and lz4 written on the standard library alone.
//   - zstd.go: zstd, the fifth codec: a decoder of RFC 8878 frames and a
//     small encoder.
//   - settings.go: the broker's settings by their server.properties names.
//   - brokerconfigs.go: dynamic broker configs: the broker-level defaults
//     of topic configs, changed while the broker runs (KIP-226).
//   - cleaner.go: log compaction, with segments swapped so that a crash
//     leaves old or new.
//   - security.go: listeners, TLS and SASL: how a connection gets its
//     principal.
//   - scram.go: the SCRAM mechanisms and the users they check.
//   - oauth.go: OAUTHBEARER with Kafka's unsecured tokens, for
//     development, off unless enabled.
//   - reauth.go: session lifetimes and logging in again on a live
//     connection (KIP-368).
//   - delegationtokens.go: the delegation-token APIs,
//     answered as a Kafka broker without a token secret answers them.
//   - refusals.go: each API's answer to a request refused as a
//     whole, which a request out of place in a SASL login gets.
//   - acls.go: ACLs, and the authorizer that checks requests against them.
//   - authorize.go: what each API asks the authorizer, and the error a
//     client sees when it is denied.
//   - operations.go: what a client may do, when it asks (KIP-430's
//     authorized operations).
//   - observe.go: a read-only Snapshot of the broker, and the HTTP handler
//     that serves it.
//   - metrics.go: the Prometheus metrics, by the names Kafka's dashboards
//     expect.
//   - web.go: the web page, with its template web.html.
//   - trace.go: every request and response, decoded, for -trace.
//   - quotas.go: client quotas, and the throttles that enforce them.
//   - cluster.go: DescribeCluster and the partition admin APIs, answered
//     as a one-broker cluster answers them.
//   - features.go: the feature flags ApiVersions advertises and
//     UpdateFeatures sets (metadata.version, group.version,
//     transaction.version, kraft.version), and what their levels turn on.
//   - quorum.go: the KRaft quorum this node alone is, and DescribeQuorum,
//     UnregisterBroker, AddRaftVoter and RemoveRaftVoter.
//   - diskspace_unix.go: the size of the data dir's volume, for
//     DescribeLogDirs.
//   - diskspace_other.go: the same, where the OS cannot tell.
//
// # Caveats
//
// There is one broker, so it is the leader of every partition and the
// coordinator of every group, and replication factors other than 1 are
// refused. Record batches are stored and served as the producer sent them,
// unless a topic asks for LogAppendTime or for a compression.type other
// than producer; only the magic-2 batch format of Kafka 0.11 and later is
// supported. The broker's zstd encoder is simple: a batch it rewrites to
// zstd comes out about as small as in lz4, not as in libzstd. Old
// segments are deleted by retention.ms and retention.bytes, and compacted
// under cleanup.policy=compact; the cleaner opens batches of every codec,
// and keeps whole only those it cannot decode.
// By default records reach the disk when the OS writes them back, as in
// Kafka; Config.Fsync trades speed for surviving a power cut.
package kafka

import (
	"bufio"
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"math/bits"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"
)

// Broker is a single Kafka node: the leader of every partition it stores.
type Broker struct {
	cfg   Config
	log   *slog.Logger
	logs  *logDir
	fsync fsyncPolicy

	// groups is the group coordinator and offset store (groups.go).
	groups *coordinator

	// producerIDs hands out producer ids to InitProducerId.
	producerIDs *producerIDs

	// txns is the transaction coordinator (txn.go).
	txns *txnCoordinator

	// features is what UpdateFeatures finalized (features.go).
	features *finalizedFeatures

	// quorum is the leader epoch and metadata offset of the one-voter
	// KRaft quorum this node is (quorum.go).
	quorum *quorumState

	// groupConfigs is what groups set with the config APIs (groupconfigs.go).
	groupConfigs *configStore
	// brokerConfigs is what the config APIs set on the broker
	// resources (brokerconfigs.go): its dynamic configs.
	brokerConfigs *configStore

	// clientMetrics is the client metrics subscriptions (clientmetrics.go).
	clientMetrics *configStore

	// shares is the share group coordinator (sharegroups.go).
	shares *shareCoordinator

	// quotas is the client quotas and the rates measured against them
	// (quotas.go).
	quotas *clientQuotas

	// frames is the pool of Produce request buffers (see readFrame).
	frames framePool

	// fetchSessions is the incremental fetch sessions (fetchsessions.go).
	fetchSessions *fetchSessionCache

	// sec is the listeners, users and ACLs (security.go, acls.go).
	sec *security

	// appended is closed and replaced each time records are appended, to
	// wake fetches that are waiting for data (see appendSignal).
	appendMu sync.Mutex
	appended chan struct{}

	// state is brokerStarting, brokerServing or brokerStopping, for
	// health; metrics and trace are what the broker shows of itself
	// (observe.go, metrics.go, trace.go).
	state   atomic.Int32
	metrics *brokerMetrics
	trace   *tracer

	// connSlots holds a token per connection served, nil for no bound
	// (connectionLimit); atConnLimit is set while accepts wait for one.
	connSlots   chan struct{}
	atConnLimit atomic.Bool
}

// Open locks cfg.DataDir, loads every topic under it and returns a broker
// ready to Serve. The lock is an flock on DataDir/.lock, taken before
// anything in the dir is read; if another broker holds it, Open fails at
// once with an error naming the dir. Serve releases it when it returns.
func Open(cfg Config) (*Broker, error) {
	cfg = cfg.withDefaults()
	if cfg.DataDir == "" {
		return nil, errors.New("kafka: Config.DataDir is required")
	}
	if err := cfg.checkGroupSettings(); err != nil {
		return nil, err
	}
	fsync, err := parseFsync(cfg.Fsync)
	if err != nil {
		return nil, err
	}
	cached := fileCacheLimit(cfg.ClosedSegmentFiles, cfg.Logger)
	logs, err := openLogDir(cfg.DataDir, logOptions{SegmentBytes: cfg.SegmentBytes, IndexIntervalBytes: 4096,
		Files:                  newFileCache(cached),
		ProducerIDExpirationMs: cfg.ProducerIDExpiration.Milliseconds()}, cfg.Logger)
	if err != nil {
		return nil, err
	}
	// The dir names its cluster and node (metaproperties.go); a dir of
	// another cluster or node stops the start here, before anything is
	// served from it.
	meta, err := openMetaProperties(cfg.DataDir, cfg.ClusterID, cfg.NodeID)
	if err != nil {
		return nil, errors.Join(err, logs.Close())
	}
	cfg.ClusterID = meta.clusterID
	sec, err := openSecurity(cfg)
	if err != nil {
		return nil, errors.Join(err, logs.Close())
	}
	logSecurityNotes(cfg.Logger, sec)
	// Producer ids must not repeat across restarts, or a new producer could
	// be taken for an old one; the allocator keeps its place in the data dir.
	// A damaged file is not fatal: the ids restart past every id in use,
	// once the coordinators are open (skipPast below).
	ids, idsDamaged := openProducerIDs(cfg.DataDir)
	if idsDamaged != nil && !errors.Is(idsDamaged, errProducerIDsDamaged) {
		return nil, errors.Join(idsDamaged, logs.Close())
	}
	b := &Broker{cfg: cfg, log: cfg.Logger, logs: logs, fsync: fsync, producerIDs: ids, sec: sec, appended: make(chan struct{}),
		metrics: newBrokerMetrics(), trace: newTracer(cfg.Trace),
		fetchSessions: newFetchSessionCache(cfg.FetchSessionCacheSlots, cfg.FetchSessionEviction)}
	if n := connectionLimit(openFileLimit(), cached); n > 0 {
		b.connSlots = make(chan struct{}, n)
	}
	if err := b.openStores(logs); err != nil {
		return nil, errors.Join(err, logs.Close())
	}
	b.logIgnoredSettings()
	// The coordinator replays the committed offsets from
	// __consumer_offsets before the first client can ask for them.
	if b.groups, err = openCoordinator(cfg, logs, b.groupConfigs, b.notifyAppend); err != nil {
		return nil, errors.Join(err, logs.Close())
	}
	b.groups.syncCommits = b.fsync.always
	if b.shares, err = openShareCoordinator(b); err != nil {
		b.groups.close()
		return nil, errors.Join(err, logs.Close())
	}
	// Transactions a previous run left ending are finished, with markers,
	// and ones open in partitions no transactional id owns aborted, before
	// any client can read the partitions they wrote to; Ongoing ones are
	// kept open for their producers (txn.go's design note).
	if b.txns, err = openTxnCoordinator(b); err != nil {
		b.groups.close()
		b.shares.close()
		return nil, errors.Join(err, logs.Close())
	}
	b.groups.pendingTxnOffsets = b.txns.pendingOffsets
	highest := b.highestProducerID()
	if moved := b.producerIDs.skipPast(highest); moved || idsDamaged != nil {
		cfg.Logger.Warn("producer-ids file damaged, missing or behind the ids in use: ids start past the highest in use",
			"file", filepath.Join(cfg.DataDir, producerIDsFile), "highest_in_use", highest, "err", idsDamaged)
	}
	return b, nil
}

// logSecurityNotes says at start what whoever runs the broker should know
// of its security: a development certificate that clients must trust,
// and OAUTHBEARER's unsecured tokens. Kafka logs nothing for the second,
// but documents its unsecured validator as unfit for production
// (oauth.go).
func logSecurityNotes(log *slog.Logger, sec *security) {
	if sec.devCAPath != "" {
		log.Info("TLS listeners use a development certificate; clients should trust its CA", "ca", sec.devCAPath)
	}
	if slices.Contains(sec.mechanisms, mechOAuthBearer) {
		log.Warn("OAUTHBEARER accepts unsecured tokens: any client may log in as any principal; for development only")
	}
}

// openStores opens the data dir's small stores, each a file replaced
// whole on every change: group and dynamic broker configs, client
// quotas, finalized features, and the quorum state, whose opening is
// this node's election at the next epoch (quorum.go).
func (b *Broker) openStores(logs *logDir) (err error) {
	cfg := b.cfg
	if b.groupConfigs, err = openGroupConfigs(cfg.DataDir); err != nil {
		return err
	}
	if b.brokerConfigs, err = openBrokerConfigs(cfg.DataDir, cfg.NodeID, logs); err != nil {
		return err
	}
	if b.quotas, err = openClientQuotas(cfg.DataDir, cfg.QuotaWindowNum, cfg.QuotaWindowSize); err != nil {
		return err
	}
	if b.features, err = openFinalizedFeatures(cfg.DataDir); err != nil {
		return err
	}
	if b.clientMetrics, err = openClientMetrics(cfg.DataDir); err != nil {
		return err
	}
	b.quorum, err = openQuorumState(cfg.DataDir)
	return err
}

// Serve accepts connections on lns until ctx is cancelled, then stops
// accepting, lets requests in flight finish, closes every connection and
// closes the logs, which leaves the clean shutdown marker (log.go) so that
// the next start is quick. It also runs the background work: the
// retention check, the log cleaner, the offset expiry, the producer state
// expiry, the abort of timed-out transactions and, under an interval Fsync
// policy, the flusher. It
// returns nil after a shutdown by ctx.
//
// lns[i] serves the i-th listener of Config.Listeners (one PLAINTEXT
// listener by default); Broker.Listen opens them at their addresses, and
// tests pass sockets of their own.
func (b *Broker) Serve(ctx context.Context, lns ...net.Listener) error {
	if len(lns) != len(b.sec.listeners) {
		return fmt.Errorf("kafka: Serve got %d listeners for %d configured (%s)", len(lns), len(b.sec.listeners), strings.Join(b.ListenerNames(), ","))
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		<-gctx.Done()
		b.state.Store(brokerStopping)
		var errs []error
		for _, ln := range lns {
			errs = append(errs, ln.Close())
		}
		return errors.Join(errs...)
	})
	// Offset expiry writes tombstones to the log, so it runs in the group
	// and has stopped before the logs are closed below.
	g.Go(func() error {
		b.groups.expireOffsetsEvery(gctx, b.cfg.OffsetsRetentionCheckInterval)
		return nil
	})
	// Aborting a timed-out transaction writes markers, so it also stops
	// before the logs close.
	g.Go(func() error {
		b.txns.abortExpiredEvery(gctx, b.cfg.TransactionAbortCheckInterval)
		return nil
	})
	g.Go(func() error {
		every(gctx, b.cfg.RetentionCheckInterval, func() { b.logs.EnforceRetention(time.Now()) })
		return nil
	})
	expireProducers := func() { b.logs.ExpireProducers(time.Now()) }
	g.Go(func() error { every(gctx, b.cfg.ProducerIDExpirationCheckInterval, expireProducers); return nil })
	// The cleaner replaces segment files, so it too stops before the logs
	// close; a cleaning under way stops at its next batch.
	g.Go(func() error {
		if b.cfg.CleanerDisabled {
			return nil
		}
		b.logs.runCleaner(gctx, b.cfg.CleanerBackoff, cleanerOptions{
			dedupeBufferBytes: b.cfg.CleanerDedupeBufferBytes,
			ioBytesPerSecond:  b.cfg.CleanerIOBytesPerSecond,
			now:               time.Now,
			metrics:           &b.metrics.cleaner,
		})
		return nil
	})
	if b.fsync.interval > 0 {
		g.Go(func() error {
			every(gctx, b.fsync.interval, func() {
				if err := b.logs.SyncAll(); err != nil {
					b.log.Error("background fsync", "err", err)
				}
			})
			return nil
		})
	}
	for i, ln := range lns {
		g.Go(func() error {
			return b.acceptLoop(gctx, ln, func(conn net.Conn) {
				g.Go(func() error {
					b.serveConn(gctx, conn, b.sec.listeners[i])
					return nil
				})
			})
		})
	}
	b.state.CompareAndSwap(brokerStarting, brokerServing)
	err := g.Wait()
	b.state.Store(brokerStopping)
	b.groups.close()
	if cerr := b.txns.close(); err == nil {
		err = cerr
	}
	b.shares.close()
	if cerr := b.logs.Close(); err == nil {
		err = cerr
	}
	return err
}

// acceptLoop hands each connection ln accepts to serve, until ctx is done.
//
// A failed accept does not end it: out of file descriptors (EMFILE,
// ENFILE), a connection reset before it was accepted (ECONNABORTED), or
// whatever else the kernel says, the loop logs the error and tries again
// after a pause, 5 ms doubling up to 1 s while the failures go on, as
// net/http's Server does. A broker that exited there would drop every
// connection it has because it could not take one more; one that retried
// at once would spin. Only a listener closed by someone else (net.ErrClosed
// while ctx is live) ends it, with an error: nothing more can come in.
//
// Before each accept it takes a connection slot (takeConnSlot), which
// serveConn gives back: at the limit, new connections wait in the
// listen queue until one closes.
func (b *Broker) acceptLoop(ctx context.Context, ln net.Listener, serve func(net.Conn)) error {
	var pause time.Duration
	for {
		if !b.takeConnSlot(ctx) {
			return nil
		}
		conn, err := ln.Accept()
		if err == nil {
			pause = 0
			serve(conn)
			continue
		}
		b.releaseConnSlot()
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, net.ErrClosed):
			return fmt.Errorf("kafka: accept: %w", err)
		}
		pause = min(max(2*pause, acceptMinPause), acceptMaxPause)
		b.log.Error("accept failed; retrying", "err", err, "pause", pause)
		select {
		case <-time.After(pause):
		case <-ctx.Done():
			return nil
		}
	}
}

// connectionLimit is how many connections are served at once under an
// open file limit of fds descriptors, of which the segment file cache
// takes up to cache: half the rest, less a few for the process's own
// (stdio, the poller, the listeners, the state files), so that the index
// files written at rolls and the segment files of fetches sent with
// sendfile, a few for each request in flight, have the other half; 0, no
// bound, if the limit is unknown. Without it, connections took every
// descriptor under a low ulimit -n, and every produce that rolled a
// segment failed while they lasted. Kafka bounds connections only by its
// max.connections, unbounded by default, and would take its log dir
// offline at the first file it could not open.
func connectionLimit(fds, cache int) int {
	if fds <= 0 {
		return 0
	}
	return max((fds-cache)/2-8, 4)
}

// takeConnSlot takes a connection slot, waiting for one while every slot
// is taken, with a WARN when a wait begins after none did, and reports
// false if ctx ends first.
func (b *Broker) takeConnSlot(ctx context.Context) bool {
	select {
	case b.connSlots <- struct{}{}:
		b.atConnLimit.Store(false)
		return true
	default:
	}
	if b.connSlots == nil {
		return true
	}
	if !b.atConnLimit.Swap(true) {
		b.log.Warn("connection limit reached: new connections wait until one closes; raise the open file limit (ulimit -n) to serve more",
			"connections", cap(b.connSlots), "open_file_limit", openFileLimit())
	}
	select {
	case b.connSlots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// releaseConnSlot gives back the slot of a connection that has closed.
func (b *Broker) releaseConnSlot() {
	select {
	case <-b.connSlots:
	default:
	}
}

// The pauses of acceptLoop after failed accepts, net/http's.
const (
	acceptMinPause = 5 * time.Millisecond
	acceptMaxPause = time.Second
)

// every runs f every interval until ctx is done. A run that takes longer
// than the interval delays the next one rather than overlapping it.
func every(ctx context.Context, interval time.Duration, f func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f()
		}
	}
}

// requestHeader is RequestHeader.json. Versions 1 and 2 are in use: v2,
// for flexible API versions, adds a tagged-field section. The client id
// stays a classic nullable string even in v2, so that a broker can read any
// header before it knows whether the body is flexible.
type requestHeader struct {
	APIKey        int16
	APIVersion    int16
	CorrelationID int32
	ClientID      *string

	// trailingBytes is how many bytes followed the body (see parseRequest).
	trailingBytes int
}

// conn is one client connection. Kafka answers the requests of a connection
// one at a time, in the order they came: clients pipeline requests and match
// responses by order as well as by correlation id. Handling them one by one
// on the connection's goroutine gives that order for free; a long-poll fetch
// holds up only its own connection.
type conn struct {
	net.Conn
	broker   *Broker
	listener *listener
	auth     connAuth // who the client is (security.go)
	r        *bufio.Reader
	w        *bufio.Writer

	// mutedUntil is when the connection's throttle for its last request
	// ends (quotas.go).
	mutedUntil time.Time

	// host is the client's address as ACLs name it, worked out at the
	// first request that asks (requestContext.hostAddress) rather than
	// at every one: under the authorizer that is every request.
	host      string
	hostKnown bool
}

func (b *Broker) serveConn(ctx context.Context, nc net.Conn, l *listener) {
	defer b.releaseConnSlot()
	defer nc.Close()
	b.metrics.connectionsCreated.Add(1)
	b.metrics.connections.Add(1)
	defer b.metrics.connections.Add(-1)
	remote := nc.RemoteAddr()
	nc, auth, err := b.secureConn(ctx, nc, l)
	if err != nil {
		if ctx.Err() == nil {
			b.log.Info("closing connection", "remote", remote, "listener", l.name, "err", err)
		}
		return
	}
	c := &conn{Conn: nc, broker: b, listener: l, auth: auth, r: bufio.NewReader(nc), w: bufio.NewWriter(nc)}
	// A share session lives as long as its connection (sharefetch.go).
	defer b.shares.connClosed(c)

	// On shutdown, wake a connection blocked in Read. A request being
	// handled is not interrupted: the handler finishes, its response is
	// written, and the next Read fails. The write gets a grace period, not
	// for ever: a client that stopped reading would otherwise hold up the
	// shutdown with a write blocked on its full socket buffer.
	stop := context.AfterFunc(ctx, func() {
		nc.SetReadDeadline(time.Now())
		nc.SetWriteDeadline(time.Now().Add(shutdownWriteGrace))
	})
	defer stop()

	for {
		// A throttled client's connection is muted: nothing more is read
		// from it until its throttle time is over (KIP-219, quotas.go).
		if wait := time.Until(c.mutedUntil); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		// A connection with no request for ConnectionsMaxIdle is closed,
		// as Kafka closes idle connections, so that clients that vanished
		// without a FIN do not hold a goroutine and a socket for ever. The
		// deadline is set before the context is checked: a shutdown after
		// the check sets its own deadline, now, over this one.
		nc.SetReadDeadline(time.Now().Add(b.cfg.ConnectionsMaxIdle))
		if ctx.Err() != nil {
			return
		}
		frame, err := c.readFrame()
		if err != nil {
			// A client hanging up between requests, or idle too long, is
			// normal; anything else (a bad size, a frame cut short) is
			// worth a line.
			quiet := errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, os.ErrDeadlineExceeded)
			if !quiet && ctx.Err() == nil {
				b.log.Info("closing connection", "remote", nc.RemoteAddr(), "err", err)
			}
			return
		}
		err = c.handle(ctx, frame)
		if releasable(frame) {
			b.frames.put(frame)
		}
		if err != nil {
			b.log.Info("closing connection", "remote", nc.RemoteAddr(), "err", err)
			return
		}
	}
}

// shutdownWriteGrace is how long, once Serve's context is cancelled, a
// connection may take to finish writing its last response.
const shutdownWriteGrace = 5 * time.Second

// Errors that close a connection, grouped by when they happen: while
// reading a frame, or while making sense of its header.
var (
	errFrameSize          = errors.New("kafka: frame size out of range")
	errUnknownAPI         = errors.New("kafka: unknown API key")
	errUnsupportedVersion = errors.New("kafka: unsupported API version")
	// errUnencodable is a response its version cannot express; nothing
	// of it has been written (conn.answer).
	errUnencodable = errors.New("kafka: encoding response")
)

// readFrame reads one size-prefixed request. The size is checked against
// MaxFrameBytes before anything is allocated. The frame goes into a pooled
// buffer if one of the right size is free (see framePool); otherwise the
// buffer grows only as bytes actually arrive, so a client that claims 100
// MiB and sends ten bytes costs 64 KiB at most.
func (c *conn) readFrame() ([]byte, error) {
	// Peeked rather than read into an array, which io.ReadFull's
	// interface argument would move to the heap at every frame.
	prefix, err := c.r.Peek(4)
	if err != nil {
		return nil, err
	}
	n := int32(binary.BigEndian.Uint32(prefix))
	c.r.Discard(4)
	if n < 0 || n > c.maxFrameBytes() {
		return nil, fmt.Errorf("%w: %d bytes", errFrameSize, n)
	}
	// A new buffer starts at what has already arrived, or 64 KiB, and
	// doubles as more arrives: memory follows the bytes received, whatever
	// the size prefix claims, and a large frame is copied about once more
	// in all, not once per 512-byte read. Capacities are exact powers of
	// two up to the frame's size class, so that the buffer is back in the
	// pool in that class and fits the next frame of that size. Hence make
	// and copy rather than append's growth (slices.Grow), which rounds
	// capacities its own way: a frame above half its class then ended in
	// a buffer short of the class, which put filed in the class below,
	// and every later frame of its size missed the pool.
	size := int(n)
	buf := c.broker.frames.get(size)
	if buf == nil {
		buf = make([]byte, 0, min(frameClassSize(size), max(c.r.Buffered(), 64<<10)))
	}
	for len(buf) < size {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(frameClassSize(size), 2*cap(buf)))
			copy(grown, buf)
			buf = grown
		}
		m, err := c.r.Read(buf[len(buf):min(size, cap(buf))])
		buf = buf[:len(buf)+m]
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("kafka: reading %d-byte frame after %d bytes: %w", n, len(buf), err)
		}
	}
	return buf, nil
}

// framePool keeps the frame buffers of requests whose handling leaves no
// reference to them, so that a steady stream of produces reads each frame
// into a buffer an earlier one used, rather than into new memory for the
// GC to collect: for a produce, the frame is the records, and without a
// pool the broker allocated as many bytes as it stored.
//
// Only Produce frames are returned (see releasable): its handler copies
// the records to the segment file, and keeps nothing of the frame once it
// has answered. Other requests' decoded fields may alias their frame and
// outlive it (a JoinGroup's member metadata, a SyncGroup's assignments),
// so their frames are left to the GC as before.
//
// Buffers are pooled by size class, powers of two from 4 KiB to 16 MiB: a
// buffer of capacity c goes to class floor(log2 c) and a frame of n bytes
// is read into a buffer of class ceil(log2 n), so any buffer found is big
// enough. Larger frames are rare enough to allocate. A pool hands out only
// memory that already exists, so it does not let a size prefix allocate.
//
// Design note: a sync.Pool is emptied by every second GC, and a broker
// taking produces allocates little else, so most GCs come from the frames
// the pool failed to keep: a profile of 10 KiB records showed an eighth
// of the server's CPU zeroing and copying new frames as they doubled from
// 64 KiB. So up to framePoolKeepBytes of buffers are also kept in plain
// lists, which no GC empties, and only what does not fit goes to the
// sync.Pool. The lists hold memory that was in use anyway, and at most
// that many bytes of it.
type framePool struct {
	mu        sync.Mutex
	kept      [framePoolMaxClass - framePoolMinClass + 1][][]byte
	keptBytes int // the sum of the kept buffers' capacities
	classes   [framePoolMaxClass - framePoolMinClass + 1]sync.Pool
}

// framePoolKeepBytes bounds the buffers framePool keeps across GCs: a few
// requests' worth at the largest batch size clients send by default (1 MB).
const framePoolKeepBytes = 16 << 20

const (
	framePoolMinClass = 12 // 4 KiB
	framePoolMaxClass = 24 // 16 MiB
)

// frameClass is the size class of a frame of n bytes: the smallest power
// of two that holds it, at least the smallest class.
func frameClass(n int) int {
	return max(bits.Len(uint(max(n, 1)-1)), framePoolMinClass)
}

// frameClassSize is the capacity of a frame buffer for n bytes: n rounded
// up to its class, or n itself above the largest class, which is not
// pooled.
func frameClassSize(n int) int {
	if c := frameClass(n); c <= framePoolMaxClass {
		return 1 << c
	}
	return n
}

// get returns an empty buffer with room for n bytes, or nil if the pool
// has none.
func (p *framePool) get(n int) []byte {
	class := frameClass(n)
	if n <= 0 || class > framePoolMaxClass {
		return nil
	}
	i := class - framePoolMinClass
	p.mu.Lock()
	if k := len(p.kept[i]); k > 0 {
		buf := p.kept[i][k-1]
		p.kept[i][k-1] = nil
		p.kept[i] = p.kept[i][:k-1]
		p.keptBytes -= cap(buf)
		p.mu.Unlock()
		return buf[:0]
	}
	p.mu.Unlock()
	if bp, ok := p.classes[i].Get().(*[]byte); ok {
		return (*bp)[:0]
	}
	return nil
}

// put gives buf back to the pool. The caller must hold no reference to it.
func (p *framePool) put(buf []byte) {
	class := bits.Len(uint(cap(buf))) - 1
	if class < framePoolMinClass {
		return
	}
	i := min(class, framePoolMaxClass) - framePoolMinClass
	p.mu.Lock()
	if p.keptBytes+cap(buf) <= framePoolKeepBytes {
		p.kept[i] = append(p.kept[i], buf)
		p.keptBytes += cap(buf)
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	// A new pointer, not &buf, which would move buf to the heap at every
	// put, kept or not.
	bp := new([]byte)
	*bp = buf
	p.classes[i].Put(bp)
}

// releasable reports whether a frame may go back to the pool once its
// request has been answered: only Produce's (see framePool).
func releasable(frame []byte) bool {
	return len(frame) >= 2 && int16(binary.BigEndian.Uint16(frame)) == produceKey
}

// request is a decoded request body; decode reads the fields present at
// version v. Errors stick in r.err.
type request interface {
	decode(r *reader, v int16)
}

// response is a response body; encode writes the fields present at version
// v.
type response interface {
	encode(w *writer, v int16)
}

// api is one row of the dispatch table: an API key, the versions we
// serve, the first flexible version, and its handler. A handler returning
// nil sends no response (only acks=0 produce does that).
//
// Design note: one table, apis, drives both dispatch (parseRequest,
// handle) and the ApiVersions answer, so what we advertise can never drift
// from what we handle. Clients such as kafka-python decide what they may
// send from that answer alone. The handlers live in the chapter of their
// subject: handlers.go for the core APIs, groups.go for the group
// coordinator, and so on.
type api struct {
	key          int16
	name         string
	minVersion   int16
	maxVersion   int16
	flexibleFrom int16
	newRequest   func() request
	serve        func(b *Broker, ctx context.Context, rc *requestContext, req request) response
}

// API keys the code names outside the table.
const (
	produceKey     = 0
	apiVersionsKey = 18
)

// notFlexible is the flexibleFrom of an API that has no flexible versions
// (its schema says "flexibleVersions": "none"), such as OffsetDelete.
const notFlexible = math.MaxInt16

// apis is filled in init to break the cycle apis -> handleApiVersions ->
// apis.
var apis []api

func init() {
	apis = []api{
		{0, "Produce", 3, 12, 9, func() request { return new(produceRequest) }, (*Broker).handleProduce},
		{1, "Fetch", 4, 17, 12, func() request { return new(fetchRequest) }, (*Broker).handleFetch},
		{2, "ListOffsets", 1, 10, 6, func() request { return new(listOffsetsRequest) }, (*Broker).handleListOffsets},
		{3, "Metadata", 0, 13, 9, func() request { return new(metadataRequest) }, (*Broker).handleMetadata},
		{8, "OffsetCommit", 0, 9, 8, func() request { return new(offsetCommitRequest) }, (*Broker).handleOffsetCommit},
		{9, "OffsetFetch", 0, 9, 6, func() request { return new(offsetFetchRequest) }, (*Broker).handleOffsetFetch},
		{10, "FindCoordinator", 0, 6, 3, func() request { return new(findCoordinatorRequest) }, (*Broker).handleFindCoordinator},
		{11, "JoinGroup", 0, 9, 6, func() request { return new(joinGroupRequest) }, (*Broker).handleJoinGroup},
		{12, "Heartbeat", 0, 4, 4, func() request { return new(heartbeatRequest) }, (*Broker).handleHeartbeat},
		{13, "LeaveGroup", 0, 5, 4, func() request { return new(leaveGroupRequest) }, (*Broker).handleLeaveGroup},
		{14, "SyncGroup", 0, 5, 4, func() request { return new(syncGroupRequest) }, (*Broker).handleSyncGroup},
		{15, "DescribeGroups", 0, 6, 5, func() request { return new(describeGroupsRequest) }, (*Broker).handleDescribeGroups},
		{16, "ListGroups", 0, 5, 3, func() request { return new(listGroupsRequest) }, (*Broker).handleListGroups},
		{17, "SaslHandshake", 0, 1, notFlexible, func() request { return new(saslHandshakeRequest) }, (*Broker).handleSaslHandshake},
		{18, "ApiVersions", 0, 4, 3, func() request { return new(apiVersionsRequest) }, (*Broker).handleApiVersions},
		{19, "CreateTopics", 2, 7, 5, func() request { return new(createTopicsRequest) }, (*Broker).handleCreateTopics},
		{20, "DeleteTopics", 1, 6, 4, func() request { return new(deleteTopicsRequest) }, (*Broker).handleDeleteTopics},
		{21, "DeleteRecords", 0, 2, 2, func() request { return new(deleteRecordsRequest) }, (*Broker).handleDeleteRecords},
		{22, "InitProducerId", 0, 5, 2, func() request { return new(initProducerIDRequest) }, (*Broker).handleInitProducerID},
		{23, "OffsetForLeaderEpoch", 2, 4, 4, func() request { return new(offsetForLeaderEpochRequest) }, (*Broker).handleOffsetForLeaderEpoch},
		{24, "AddPartitionsToTxn", 0, 5, 3, func() request { return new(addPartitionsToTxnRequest) }, (*Broker).handleAddPartitionsToTxn},
		{25, "AddOffsetsToTxn", 0, 4, 3, func() request { return new(addOffsetsToTxnRequest) }, (*Broker).handleAddOffsetsToTxn},
		{26, "EndTxn", 0, 5, 3, func() request { return new(endTxnRequest) }, (*Broker).handleEndTxn},
		{27, "WriteTxnMarkers", 1, 1, 1, func() request { return new(writeTxnMarkersRequest) }, (*Broker).handleWriteTxnMarkers},
		{28, "TxnOffsetCommit", 0, 5, 3, func() request { return new(txnOffsetCommitRequest) }, (*Broker).handleTxnOffsetCommit},
		{29, "DescribeAcls", 1, 3, 2, func() request { return new(describeAclsRequest) }, (*Broker).handleDescribeAcls},
		{30, "CreateAcls", 1, 3, 2, func() request { return new(createAclsRequest) }, (*Broker).handleCreateAcls},
		{31, "DeleteAcls", 1, 3, 2, func() request { return new(deleteAclsRequest) }, (*Broker).handleDeleteAcls},
		{32, "DescribeConfigs", 0, 4, 4, func() request { return new(describeConfigsRequest) }, (*Broker).handleDescribeConfigs},
		{33, "AlterConfigs", 0, 2, 2, func() request { return new(alterConfigsRequest) }, (*Broker).handleAlterConfigs},
		{34, "AlterReplicaLogDirs", 1, 2, 2, func() request { return new(alterReplicaLogDirsRequest) }, (*Broker).handleAlterReplicaLogDirs},
		{35, "DescribeLogDirs", 1, 4, 2, func() request { return new(describeLogDirsRequest) }, (*Broker).handleDescribeLogDirs},
		{36, "SaslAuthenticate", 0, 2, 2, func() request { return new(saslAuthenticateRequest) }, (*Broker).handleSaslAuthenticate},
		{37, "CreatePartitions", 0, 3, 2, func() request { return new(createPartitionsRequest) }, (*Broker).handleCreatePartitions},
		{38, "CreateDelegationToken", 1, 3, 2, func() request { return new(createDelegationTokenRequest) }, (*Broker).handleCreateDelegationToken},
		{39, "RenewDelegationToken", 1, 2, 2, func() request { return new(tokenPeriodRequest) }, (*Broker).handleTokenPeriod},
		{40, "ExpireDelegationToken", 1, 2, 2, func() request { return new(tokenPeriodRequest) }, (*Broker).handleTokenPeriod},
		{41, "DescribeDelegationToken", 1, 3, 2, func() request { return new(describeDelegationTokenRequest) }, (*Broker).handleDescribeDelegationToken},
		{42, "DeleteGroups", 0, 2, 2, func() request { return new(deleteGroupsRequest) }, (*Broker).handleDeleteGroups},
		{43, "ElectLeaders", 0, 2, 2, func() request { return new(electLeadersRequest) }, (*Broker).handleElectLeaders},
		{44, "IncrementalAlterConfigs", 0, 1, 1, func() request { return new(incrementalAlterConfigsRequest) }, (*Broker).handleIncrementalAlterConfigs},
		{45, "AlterPartitionReassignments", 0, 1, 0, func() request { return new(alterPartitionReassignmentsRequest) }, (*Broker).handleAlterPartitionReassignments},
		{46, "ListPartitionReassignments", 0, 0, 0, func() request { return new(listPartitionReassignmentsRequest) }, (*Broker).handleListPartitionReassignments},
		{47, "OffsetDelete", 0, 0, notFlexible, func() request { return new(offsetDeleteRequest) }, (*Broker).handleOffsetDelete},
		{48, "DescribeClientQuotas", 0, 1, 1, func() request { return new(describeClientQuotasRequest) }, (*Broker).handleDescribeClientQuotas},
		{49, "AlterClientQuotas", 0, 1, 1, func() request { return new(alterClientQuotasRequest) }, (*Broker).handleAlterClientQuotas},
		{50, "DescribeUserScramCredentials", 0, 0, 0, func() request { return new(describeUserScramCredentialsRequest) }, (*Broker).handleDescribeUserScramCredentials},
		{51, "AlterUserScramCredentials", 0, 0, 0, func() request { return new(alterUserScramCredentialsRequest) }, (*Broker).handleAlterUserScramCredentials},
		{55, "DescribeQuorum", 0, 2, 0, func() request { return new(describeQuorumRequest) }, (*Broker).handleDescribeQuorum},
		{57, "UpdateFeatures", 0, 2, 0, func() request { return new(updateFeaturesRequest) }, (*Broker).handleUpdateFeatures},
		{60, "DescribeCluster", 0, 2, 0, func() request { return new(describeClusterRequest) }, (*Broker).handleDescribeCluster},
		{61, "DescribeProducers", 0, 0, 0, func() request { return new(describeProducersRequest) }, (*Broker).handleDescribeProducers},
		{64, "UnregisterBroker", 0, 0, 0, func() request { return new(unregisterBrokerRequest) }, (*Broker).handleUnregisterBroker},
		{65, "DescribeTransactions", 0, 0, 0, func() request { return new(describeTransactionsRequest) }, (*Broker).handleDescribeTransactions},
		{66, "ListTransactions", 0, 1, 0, func() request { return new(listTransactionsRequest) }, (*Broker).handleListTransactions},
		{68, "ConsumerGroupHeartbeat", 0, 1, 0, func() request { return new(consumerGroupHeartbeatRequest) }, (*Broker).handleConsumerGroupHeartbeat},
		{69, "ConsumerGroupDescribe", 0, 1, 0, func() request { return new(consumerGroupDescribeRequest) }, (*Broker).handleConsumerGroupDescribe},
		// GetTelemetrySubscriptions (71) and PushTelemetry (72) are left out,
		// as Kafka leaves them out of ApiVersions when no metrics reporter
		// that collects client telemetry is configured (KIP-714): clients
		// then never ask. This broker has nowhere to send the metrics.
		{74, "ListConfigResources", 0, 1, 0, func() request { return new(listConfigResourcesRequest) }, (*Broker).handleListConfigResources},
		{75, "DescribeTopicPartitions", 0, 0, 0, func() request { return new(describeTopicPartitionsRequest) }, (*Broker).handleDescribeTopicPartitions},
		{76, "ShareGroupHeartbeat", 1, 1, 0, func() request { return new(shareGroupHeartbeatRequest) }, (*Broker).handleShareGroupHeartbeat},
		{77, "ShareGroupDescribe", 1, 1, 0, func() request { return new(shareGroupDescribeRequest) }, (*Broker).handleShareGroupDescribe},
		{78, "ShareFetch", 1, 2, 0, func() request { return new(shareFetchRequest) }, (*Broker).handleShareFetch},
		{79, "ShareAcknowledge", 1, 2, 0, func() request { return new(shareAcknowledgeRequest) }, (*Broker).handleShareAcknowledge},
		{80, "AddRaftVoter", 0, 0, 0, func() request { return new(addRaftVoterRequest) }, (*Broker).handleAddRaftVoter},
		{81, "RemoveRaftVoter", 0, 0, 0, func() request { return new(removeRaftVoterRequest) }, (*Broker).handleRemoveRaftVoter},
		{90, "DescribeShareGroupOffsets", 0, 1, 0, func() request { return new(describeShareGroupOffsetsRequest) }, (*Broker).handleDescribeShareGroupOffsets},
		{91, "AlterShareGroupOffsets", 0, 0, 0, func() request { return new(alterShareGroupOffsetsRequest) }, (*Broker).handleAlterShareGroupOffsets},
		{92, "DeleteShareGroupOffsets", 0, 0, 0, func() request { return new(deleteShareGroupOffsetsRequest) }, (*Broker).handleDeleteShareGroupOffsets},
	}
}

// lookupAPI finds the row of an API key, or nil for a key we do not serve,
// which parseRequest turns into errUnknownAPI. A scan of the few dozen rows
// costs less than the rest of a request, and needs no second copy of the
// table to keep in step.
func lookupAPI(key int16) *api {
	for i := range apis {
		if apis[i].key == key {
			return &apis[i]
		}
	}
	return nil
}

// supportedAPIs lists the table for ApiVersions, built from apis on each
// call so that it follows dispatch, with one exception. Produce is
// advertised from v0 though served from v3, as in Kafka 4.0 (KAFKA-18659):
// librdkafka before 2.8 (Debian's kcat and Python client) enables gzip,
// snappy and lz4 only if Produce starts at 0, and otherwise sends batches
// uncompressed without a word. A request at v0-2 is still refused.
func supportedAPIs() []apiVersion {
	keys := make([]apiVersion, len(apis))
	for i, a := range apis {
		keys[i] = apiVersion{APIKey: a.key, MinVersion: a.minVersion, MaxVersion: a.maxVersion}
		if a.key == produceKey {
			keys[i].MinVersion = 0
		}
	}
	return keys
}

// ApiVersions: v0-4 (ApiVersionsRequest.json, ApiVersionsResponse.json)
//
//	v1: ThrottleTimeMs
//	v3: flexible; the client names its software (KIP-511); feature tags (KIP-584)
//	v4: no change; marks clients that accept UNSUPPORTED_VERSION with a v0 body
//
// The first request on most connections. Its response header is always v0,
// and a version we do not know is answered, with UNSUPPORTED_VERSION and
// the versions of ApiVersions alone, not refused (see conn.handle). From
// v3 a client software name or version outside Kafka's pattern is
// INVALID_REQUEST, and during a SASL login it is served once, before the
// handshake (security.go).
type apiVersionsRequest struct {
	// The client's software and version (KIP-511), such as "apache-kafka-java"
	// and "4.0.0". Kafka tags its client metrics with them; here they are
	// checked against Kafka's pattern and otherwise only shown by -trace.
	ClientSoftwareName    string
	ClientSoftwareVersion string
}

func (m *apiVersionsRequest) decode(r *reader, v int16) {
	if v >= 3 {
		m.ClientSoftwareName = r.String()
		m.ClientSoftwareVersion = r.String()
	}
	r.SkipTags()
}

type apiVersionsResponse struct {
	ErrorCode int16
	// APIKeys is the apis table: a client sends each API at the highest
	// version both sides have, and does not send an API missing here.
	APIKeys        []apiVersion
	ThrottleTimeMs int32
	// The feature fields (KIP-584), supported and finalized as
	// features.go says. An error answer has none, and
	// FinalizedFeaturesEpoch -1.
	SupportedFeatures      []supportedFeatureKey
	FinalizedFeaturesEpoch int64
	FinalizedFeatures      []finalizedFeatureKey
	// ZkMigrationReady is for controllers moving off ZooKeeper; a broker
	// never sets it.
	ZkMigrationReady bool
}

type apiVersion struct {
	APIKey     int16
	MinVersion int16
	MaxVersion int16
}

type supportedFeatureKey struct {
	Name       string
	MinVersion int16
	MaxVersion int16
}

type finalizedFeatureKey struct {
	Name            string
	MaxVersionLevel int16
	MinVersionLevel int16
}

func (m *apiVersionsResponse) encode(w *writer, v int16) {
	w.Int16(m.ErrorCode)
	writeArrayNonNull(w, m.APIKeys, func(w *writer, k apiVersion) {
		w.Int16(k.APIKey)
		w.Int16(k.MinVersion)
		w.Int16(k.MaxVersion)
		w.Tags()
	})
	if v >= 1 {
		w.Int32(m.ThrottleTimeMs)
	}
	var tags []tag
	if len(m.SupportedFeatures) > 0 {
		tags = append(tags, tag{0, func(w *writer) {
			writeArrayNonNull(w, m.SupportedFeatures, func(w *writer, f supportedFeatureKey) {
				w.String(f.Name)
				w.Int16(f.MinVersion)
				w.Int16(f.MaxVersion)
				w.Tags()
			})
		}})
	}
	if m.FinalizedFeaturesEpoch != -1 {
		tags = append(tags, tag{1, func(w *writer) { w.Int64(m.FinalizedFeaturesEpoch) }})
	}
	if len(m.FinalizedFeatures) > 0 {
		tags = append(tags, tag{2, func(w *writer) {
			writeArrayNonNull(w, m.FinalizedFeatures, func(w *writer, f finalizedFeatureKey) {
				w.String(f.Name)
				w.Int16(f.MaxVersionLevel)
				w.Int16(f.MinVersionLevel)
				w.Tags()
			})
		}})
	}
	if m.ZkMigrationReady {
		tags = append(tags, tag{3, func(w *writer) { w.Bool(true) }})
	}
	w.Tags(tags...)
}

// handleApiVersions answers a version it understands; the answer to one it
// does not is conn.handle's, before any handler runs. From v3 the client
// names its software, and a name or version that is not a run of letters,
// digits, '-' and '.' starting and ending with a letter or digit is
// INVALID_REQUEST with no API list (ApiVersionsRequest.isValid, checked by
// KafkaApis.handleApiVersionsRequest and, before a SASL login, by
// SaslServerAuthenticator).
func (b *Broker) handleApiVersions(ctx context.Context, rc *requestContext, r request) response {
	req := r.(*apiVersionsRequest)
	answer := &apiVersionsResponse{APIKeys: supportedAPIs(), FinalizedFeaturesEpoch: -1}
	if rc.header.APIVersion >= 3 && !(validSoftwareToken(req.ClientSoftwareName) && validSoftwareToken(req.ClientSoftwareVersion)) {
		answer = &apiVersionsResponse{ErrorCode: codeInvalidRequest, APIKeys: []apiVersion{}, FinalizedFeaturesEpoch: -1}
	}
	if refusal := rc.conn.apiVersionsInLogin(answer); refusal != nil {
		return refusal // during a SASL login (security.go)
	}
	if answer.ErrorCode == codeNone {
		b.features.advertise(answer)
	}
	return answer
}

// validSoftwareToken is ApiVersionsRequest's SOFTWARE_NAME_VERSION_PATTERN,
// [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?, without a regexp: Kafka tags
// client metrics with these strings, so it keeps them to safe characters.
func validSoftwareToken(s string) bool {
	alnum := func(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }
	if s == "" || !alnum(s[0]) || !alnum(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !alnum(s[i]) && s[i] != '-' && s[i] != '.' {
			return false
		}
	}
	return true
}

// handle decodes one request, runs its handler and writes the response.
func (c *conn) handle(ctx context.Context, frame []byte) error {
	if c.auth.bare && c.auth.pending {
		return c.saslBareToken(frame)
	}
	received := time.Now()
	h, api, req, err := parseRequest(frame)
	if errors.Is(err, errUnsupportedVersion) && h.APIKey == apiVersionsKey {
		// A client that does not yet know our versions starts with its
		// newest ApiVersions request. Kafka answers that with
		// UNSUPPORTED_VERSION and a v0 body listing the versions of
		// ApiVersions alone, so the client can retry at a version we
		// share (KIP-511; ApiVersionsRequest.getErrorResponse). The
		// full list comes with the retry.
		return c.writeResponse(h, 0, false, &apiVersionsResponse{ErrorCode: codeUnsupportedVersion, APIKeys: []apiVersion{{APIKey: api.key, MinVersion: api.minVersion, MaxVersion: api.maxVersion}}})
	}
	if err != nil {
		return err
	}
	// A few requests Kafka refuses as it builds them from bytes that
	// parsed: the connection closes as for a malformed frame.
	if v, ok := req.(interface{ malformed() error }); ok {
		if err := v.malformed(); err != nil {
			return fmt.Errorf("%s v%d: %w", api.name, h.APIVersion, err)
		}
	}
	if h.trailingBytes > 0 {
		c.broker.log.Debug("ignoring bytes after request body", "remote", c.RemoteAddr(), "api", api.name, "version", h.APIVersion, "bytes", h.trailingBytes)
	}
	if err := c.checkSession(h, received); err != nil {
		return err
	}
	if answer, refused := c.refuseInLogin(h, api, req); refused {
		if answer != nil {
			if err := c.writeResponse(h, h.APIVersion, h.APIVersion >= api.flexibleFrom, answer); err != nil {
				return err
			}
		}
		return fmt.Errorf("%w: %s during SASL authentication", errSASLState, api.name)
	}
	if err := c.admit(h); err != nil {
		return err
	}
	c.broker.trace.request(h, api, req)
	start := time.Now()
	rc := &requestContext{conn: c, header: h, size: len(frame)}
	resp, err := c.broker.authorizeAndServe(ctx, api, rc, req)
	if err != nil {
		return err
	}
	c.broker.recordMetadataWrites(api.key, req, resp)
	// The request's thread time is what request_percentage limits: the
	// handler's time less its waits for data or for a rebalance, which in
	// Kafka are spent parked in a purgatory, not in a request thread.
	now := time.Now()
	throttle := max(rc.throttle, c.broker.throttleRequest(rc, now.Sub(start)-rc.parked, now))
	if throttle > 0 {
		c.mutedUntil = now.Add(throttle)
	}
	if noAnswer(req) {
		c.broker.requestDone(h, api, req, resp, received)
		return produceFailures(resp)
	}
	if f, ok := resp.(interface{ closeFiles() }); ok {
		defer f.closeFiles() // a fetch's segment files, sent or not
	}
	if throttle > 0 {
		setThrottleTime(resp, throttle)
	}
	// ApiVersions always answers with response header v0, even in its
	// flexible versions: the client has to read the answer before it knows
	// which header versions we speak.
	flexibleHeader := h.APIVersion >= api.flexibleFrom && h.APIKey != apiVersionsKey
	// Counted before it is sent, so that a client that has its answer
	// finds the request in the metrics.
	c.broker.requestDone(h, api, req, resp, received)
	if err := c.answer(h, api, req, flexibleHeader, resp); err != nil {
		return err
	}
	return c.auth.closeAfter // a failed login ends with its answer
}

// answer writes resp, the response to req. A response its version
// cannot express (a group id of over 32,767 bytes, which a flexible
// version accepted, in ListGroups v2, whose strings have an int16
// length) is replaced by the request's refusal (refusals.go) with
// UNKNOWN_SERVER_ERROR: Kafka's generated writers throw there, and
// KafkaApis.handle's handleError sends the request's getErrorResponse
// instead. So one client's odd name does not close the connection of
// everyone who lists groups. The connection is closed only when the API
// has no refusal or that cannot be written either (one that echoes the
// odd name).
func (c *conn) answer(h *requestHeader, api *api, req request, flexibleHeader bool, resp response) error {
	cause := c.writeResponse(h, h.APIVersion, flexibleHeader, resp)
	refuse := refusals[api.key]
	if !errors.Is(cause, errUnencodable) || refuse == nil {
		return cause
	}
	answer := refuse(req, h.APIVersion, refusal{code: codeUnknownServerError, msg: defaultErrorMessage(codeUnknownServerError)})
	if answer == nil {
		return cause
	}
	c.broker.log.Error("answering UNKNOWN_SERVER_ERROR", "remote", c.RemoteAddr(), "api", api.name, "version", h.APIVersion, "err", cause)
	return c.writeResponse(h, h.APIVersion, flexibleHeader, answer)
}

// noAnswer reports whether the client expects no answer to req: a
// Produce with acks=0, whose producer sends on without reading, so that
// an answer it did not expect would be read as the one to its next
// request. Kafka's ProduceRequest.getErrorResponse is null for it, and
// RequestChannel then closes the connection on an error instead of
// answering (KafkaApis.handleProduceRequest does the same for a
// partition's error): the disconnect is how the producer learns of it,
// and it refreshes its metadata before sending again.
func noAnswer(req request) bool {
	p, ok := req.(*produceRequest)
	return ok && p.Acks == 0
}

// produceFailures is nil if every partition of an acks=0 produce's answer
// succeeded, or else an error naming each partition that failed and its
// Kafka error, which closes the connection (noAnswer).
func produceFailures(r response) error {
	resp, ok := r.(*produceResponse)
	if !ok {
		return nil
	}
	var failed []string
	for _, t := range resp.Responses {
		for _, p := range t.PartitionResponses {
			if p.ErrorCode != codeNone {
				failed = append(failed, fmt.Sprintf("%s-%d %s", t.Name, p.Index, errorName(p.ErrorCode)))
			}
		}
	}
	if failed == nil {
		return nil
	}
	return fmt.Errorf("kafka: acks=0 produce failed: %s", strings.Join(failed, ", "))
}

// parseRequest decodes a frame: the request header, then the body of the
// API and version the header names. On errUnsupportedVersion the header is
// still returned, so the caller can answer ApiVersions.
//
// Bytes left over after a complete body are not an error. Kafka reads the
// fields a version defines and never looks at what follows (RequestContext
// .parseRequest), and current librdkafka depends on it: its "all topics"
// Metadata request in flexible versions reserves four bytes for the topic
// array's length, writes the compact null (one byte, 0) into the first, and
// leaves the other three in place, so the body ends three bytes after
// Kafka's reader is done with it (librdkafka issue #5049). Refusing that
// frame would make every current librdkafka-based client unusable. The
// count is kept in the header, for a debug log line. A body that ends
// inside a field is still an error and closes the connection.
func parseRequest(frame []byte) (*requestHeader, *api, request, error) {
	// The header's first four fields are the same in v1 and v2, so they
	// can be read before the API, and hence the header version, is known.
	r := newReader(frame, false)
	h := &requestHeader{}
	h.APIKey = r.Int16()
	h.APIVersion = r.Int16()
	h.CorrelationID = r.Int32()
	h.ClientID = r.NullableString()
	if r.err != nil {
		return h, nil, nil, fmt.Errorf("kafka: request header: %w", r.err)
	}
	api := lookupAPI(h.APIKey)
	if api == nil {
		return h, nil, nil, fmt.Errorf("%w %d", errUnknownAPI, h.APIKey)
	}
	if h.APIVersion < api.minVersion || h.APIVersion > api.maxVersion {
		return h, api, nil, fmt.Errorf("%w: %s v%d", errUnsupportedVersion, api.name, h.APIVersion)
	}
	if h.APIVersion >= api.flexibleFrom {
		r.flexible = true
		r.SkipTags() // request header v2
	}
	req := api.newRequest()
	req.decode(r, h.APIVersion)
	if r.err != nil {
		return h, api, nil, fmt.Errorf("kafka: decoding %s v%d: %w", api.name, h.APIVersion, r.err)
	}
	h.trailingBytes = r.left()
	return h, api, req, nil
}

// writeResponse frames and sends a response: the size, the response header
// (the correlation id, then tagged fields in header v1) and the body.
func (c *conn) writeResponse(h *requestHeader, version int16, flexibleHeader bool, resp response) error {
	w := &writer{buf: make([]byte, 4, 64)}
	w.Int32(h.CorrelationID)
	if flexibleHeader {
		w.flexible = true
		w.Tags()
	}
	w.flexible = version >= lookupAPI(h.APIKey).flexibleFrom
	resp.encode(w, version)
	if w.err != nil {
		return fmt.Errorf("%w: API %d v%d: %w", errUnencodable, h.APIKey, version, w.err)
	}
	size := int64(len(w.buf) - 4)
	for _, s := range w.sections {
		size += s.size
	}
	binary.BigEndian.PutUint32(w.buf, uint32(size))
	at := 0
	for _, s := range w.sections {
		if _, err := c.w.Write(w.buf[at:s.at]); err != nil {
			return err
		}
		if err := c.w.Flush(); err != nil {
			return err
		}
		if err := sendSection(c.Conn, s.fileSection); err != nil {
			return err
		}
		at = s.at
	}
	if _, err := c.w.Write(w.buf[at:]); err != nil {
		return err
	}
	return c.w.Flush()
}

// errSegmentReplaced is a section's segment file that the cleaner
// replaced by renaming its cleaned successor over it (cleaner.go). It
// wraps fs.ErrNotExist: the section's bytes are gone as surely as if
// retention had deleted the file, and a fetch answers the same way.
var errSegmentReplaced = fmt.Errorf("kafka: segment replaced by the cleaner: %w", fs.ErrNotExist)

// openSection opens the segment file of s, and checks that it is still
// the file the section was found in: the cleaner may have renamed a new
// segment over it, whose bytes at the section's positions are others.
func openSection(s fileSection) (*os.File, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || s.info != nil && !os.SameFile(fi, s.info) {
		f.Close()
		return nil, cmp.Or(err, errSegmentReplaced)
	}
	return f, nil
}

// sendSection copies a segment file section to the connection. io.Copy
// from a limited *os.File to a TCP connection is sendfile(2) on Linux, so
// the bytes never enter user space.
//
// The file is one the fetch handler opened afresh for this send
// (openRecordFiles) instead of the log's own descriptor: sendfile reads
// from the descriptor's own offset, which concurrent fetches would fight
// over. Once the file is open, retention (or DeleteRecords) deleting the
// segment is harmless: an open descriptor keeps an unlinked file's bytes
// readable, so the send finishes.
func sendSection(dst io.Writer, s fileSection) error {
	f := s.file
	if f == nil {
		var err error
		if f, err = openSection(s); err != nil {
			return fmt.Errorf("kafka: sending records: %w", err)
		}
		defer f.Close()
	}
	if _, err := f.Seek(s.pos, io.SeekStart); err != nil {
		return fmt.Errorf("kafka: sending records: %w", err)
	}
	n, err := io.Copy(dst, io.LimitReader(f, s.size))
	if err == nil && n < s.size {
		err = io.ErrUnexpectedEOF
	}
	if err != nil {
		return fmt.Errorf("kafka: sending %d bytes of %s at %d: %w", s.size, s.path, s.pos, err)
	}
	return nil
}

// requestContext is what a handler knows about the request beyond its body.
type requestContext struct {
	conn   *conn
	header *requestHeader
	size   int // of the request frame, less its size prefix

	// parked is how long the handler waited for something other than
	// its own work: a long poll, a rebalance.
	parked time.Duration
	// throttle is the handler's quota throttle (Produce and Fetch bytes).
	throttle time.Duration
}

// parkedSince adds the time since t to the request's waits; handlers defer
// it just before they wait.
func (rc *requestContext) parkedSince(t time.Time) { rc.parked += time.Since(t) }

// advertisedHostPort is the address Metadata tells clients to use for this
// broker: the configured one, or else the local address of the connection
// the request came in on, which the client evidently can reach.
func (rc *requestContext) advertisedHostPort() (string, int32) {
	addr := rc.conn.advertisedAddr()
	if addr == "" {
		addr = rc.conn.LocalAddr().String()
	}
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 9092
	}
	port, _ := strconv.Atoi(portStr)
	return host, int32(port)
}

// clientID is the client id of the request header, "" if null.
func (rc *requestContext) clientID() string { return deref(rc.header.ClientID) }

// clientHost is the client's address as Kafka reports it in
// DescribeGroups: Java's InetAddress.toString, "/127.0.0.1", or
// "/0:0:0:0:0:0:0:1" for ::1 (hostAddress).
func (rc *requestContext) clientHost() string {
	if host := rc.hostAddress(); host != "" {
		return "/" + host
	}
	return ""
}

// notifyAppend wakes every fetch waiting for new records.
func (b *Broker) notifyAppend() {
	b.appendMu.Lock()
	close(b.appended)
	b.appended = make(chan struct{})
	b.appendMu.Unlock()
}

// appendSignal returns a channel that is closed at the next append. A
// fetch takes it before it looks at the logs, so an append that lands
// between that look and the wait still wakes it.
func (b *Broker) appendSignal() <-chan struct{} {
	b.appendMu.Lock()
	defer b.appendMu.Unlock()
	return b.appended
}

// Config configures a Broker. The zero value is usable except for DataDir;
// each field's comment gives the Kafka setting it mirrors and its default.
// Most fields belong to a later chapter, named in their comments, which is
// why Config closes this file rather than opening it; settings.go sets
// them by their server.properties names.
type Config struct {
	// DataDir holds the partition logs (Kafka's log.dirs). Required.
	DataDir string

	// NodeID is this broker's id in Metadata (node.id). Default 0.
	NodeID int32

	// AdvertisedAddr is the host:port clients are told to connect to
	// (advertised.listeners) when there is one listener; see
	// AdvertisedListeners for several. Empty means the address each
	// client used to reach us, which is right for a local broker.
	AdvertisedAddr string

	// Listeners are the sockets to serve, in Kafka's syntax (listeners):
	// NAME://host:port joined by commas, where NAME is PLAINTEXT, SSL,
	// SASL_PLAINTEXT or SASL_SSL, or one of ControllerListenerNames.
	// Default "PLAINTEXT://127.0.0.1:9092".
	// Open does not listen: Broker.Listen (or Listen, before Open) opens
	// the sockets, and Serve takes them in this order.
	Listeners string

	// ControllerListenerNames names the listeners of Listeners (and
	// AdvertisedListeners) that belong to a KRaft controller
	// (controller.listener.names), joined by commas: the broker neither
	// opens nor advertises them (security.go), since it answers the
	// controller APIs on its own listeners (quorum.go).
	ControllerListenerNames string

	// AdvertisedListeners gives, in the same syntax, the address Metadata
	// tells clients of each listener (advertised.listeners). A listener
	// not named here advertises AdvertisedAddr if it is the only one, and
	// else the address the client used.
	AdvertisedListeners string

	// Security is TLS, SASL users and ACLs (security.go).
	Security SecurityConfig

	// ClusterID is the cluster id Metadata and DescribeCluster report,
	// kept in the data dir's meta.properties (metaproperties.go). Empty,
	// the default, takes the file's, or draws a new random one for a dir
	// without the file, as `kafka-storage.sh random-uuid` does; one given
	// names the id a new dir gets, and a dir with another stops Open.
	ClusterID string

	// DefaultPartitions is the partition count of auto-created topics and
	// of CreateTopics requests that ask for -1 (num.partitions, default 1).
	DefaultPartitions int32

	// DisableAutoCreateTopics turns off creating a topic when Metadata asks
	// for one that does not exist (auto.create.topics.enable=false).
	DisableAutoCreateTopics bool

	// MaxFrameBytes is the largest request accepted; a larger size prefix
	// closes the connection before anything is allocated
	// (socket.request.max.bytes, default 100 MiB).
	MaxFrameBytes int32

	// MaxMessageBytes is the largest record batch a producer may send
	// (message.max.bytes, default 1048588: 1 MiB plus batch overhead).
	MaxMessageBytes int32

	// FetchMaxBytes caps a fetch answer whatever the consumer asks for
	// (fetch.max.bytes, default 55 MiB), but for the first batch, which
	// is sent even when larger so that a consumer can always progress.
	FetchMaxBytes int32

	// MaxRequestPartitions is the most partitions DescribeTopicPartitions
	// answers in one page (max.request.partition.size.limit, default 2000).
	MaxRequestPartitions int32

	// OffsetMetadataMaxBytes is the longest metadata string an offset
	// commit may carry, in UTF-16 code units as Kafka counts them
	// (offset.metadata.max.bytes, default 4096).
	OffsetMetadataMaxBytes int32

	// SegmentBytes is the size at which a partition rolls to a new segment
	// file (log.segment.bytes, default 1 GiB), for topics that do not set
	// segment.bytes. Set here or by -segment-bytes it may be below the
	// 1 MiB that Kafka 4.0, and Set, require of log.segment.bytes, so that
	// tests can roll segments with little data.
	SegmentBytes int64

	// Fsync is when appended records are forced to disk with fsync, the
	// job of Kafka's log.flush.interval.messages and log.flush.interval.ms:
	//
	//	"never"   never by the broker: the OS writes the page cache back
	//	          in its own time (Kafka's default, and ours; "" means it)
	//	"always"  before answering a produce with acks=1 or -1; produces
	//	          arriving together share one fsync per partition
	//	"1s"      any duration: every partition's new records, that often,
	//	          in the background
	//
	// Every policy survives a crash of the broker process: written records
	// are in the kernel's page cache, which outlives the process. Only
	// "always" also keeps every acknowledged record through a crash of the
	// machine; an interval can lose that interval's worth, "never" about
	// 30 seconds' (Linux's dirty_expire_centisecs).
	Fsync string

	// RetentionCheckInterval is how often old segments are checked for
	// deletion (log.retention.check.interval.ms, default 5 minutes).
	RetentionCheckInterval time.Duration

	// GroupInitialRebalanceDelay is how long a new or empty group waits
	// for more members before its first rebalance completes, so that
	// consumers started together share one rebalance instead of one each
	// (group.initial.rebalance.delay.ms). Kafka's default is 3s, sized for
	// fleets of consumers; ours is 100ms, because a development broker
	// mostly sees one consumer, or a test starting a few at once, and 3s
	// on every first join is felt. Negative means no delay.
	GroupInitialRebalanceDelay time.Duration

	// GroupMinSessionTimeout and GroupMaxSessionTimeout bound the session
	// timeout a member may ask for in JoinGroup; outside them it gets
	// INVALID_SESSION_TIMEOUT (group.min.session.timeout.ms, default 6s;
	// group.max.session.timeout.ms, default 30m).
	GroupMinSessionTimeout time.Duration
	GroupMaxSessionTimeout time.Duration

	// GroupMaxSize is the most members a classic group may have; a
	// JoinGroup past it gets GROUP_MAX_SIZE_REACHED (group.max.size,
	// default 2147483647: no limit).
	GroupMaxSize int32

	// ConsumerGroupMaxSize is the same for a KIP-848 consumer group, whose
	// heartbeat of a new member past it gets GROUP_MAX_SIZE_REACHED
	// (group.consumer.max.size, default 2147483647).
	ConsumerGroupMaxSize int32

	// ConsumerMigrationPolicy says which way a group may move between the
	// classic and the consumer protocol while it has members
	// (group.consumer.migration.policy: disabled, upgrade, downgrade or
	// bidirectional, the default; migration.go).
	ConsumerMigrationPolicy string

	// ConsumerSessionTimeout is how long a member of a KIP-848 consumer
	// group may go without a heartbeat before it is removed
	// (group.consumer.session.timeout.ms, default 45s). Unlike a classic
	// member, a consumer member does not choose its own.
	ConsumerSessionTimeout time.Duration

	// ConsumerHeartbeatInterval is how often consumer group members are
	// told to heartbeat (group.consumer.heartbeat.interval.ms, default
	// 5s). It is also how soon a member learns that partitions it waits
	// for were released, so tests set it small.
	ConsumerHeartbeatInterval time.Duration

	// ConsumerMinSessionTimeout and ConsumerMaxSessionTimeout bound the
	// consumer.session.timeout.ms a group may set (groupconfigs.go), and
	// ConsumerMinHeartbeatInterval and ConsumerMaxHeartbeatInterval its
	// consumer.heartbeat.interval.ms (group.consumer.min.session.timeout.ms
	// and the others, defaults 45s, 60s, 5s and 15s, widened to take in
	// ConsumerSessionTimeout and ConsumerHeartbeatInterval).
	ConsumerMinSessionTimeout    time.Duration
	ConsumerMaxSessionTimeout    time.Duration
	ConsumerMinHeartbeatInterval time.Duration
	ConsumerMaxHeartbeatInterval time.Duration

	// ShareSessionTimeout and ShareHeartbeatInterval are a share group
	// member's session timeout and heartbeat interval (sharegroups.go;
	// group.share.session.timeout.ms, default 45s, and
	// group.share.heartbeat.interval.ms, default 5s). A group may override
	// them with its share.* configs.
	ShareSessionTimeout    time.Duration
	ShareHeartbeatInterval time.Duration

	// ShareGroupMaxSize is the most members a share group may have; the
	// heartbeat of a new member past it gets GROUP_MAX_SIZE_REACHED
	// (group.share.max.size, default 200, as in Kafka: 1 to 1000).
	ShareGroupMaxSize int32

	// ShareMaxSessions is how many share sessions the broker keeps at once
	// (group.share.max.share.sessions, default 2000); a ShareFetch that
	// would open one more waits out its MaxWaitMs and gets
	// SHARE_SESSION_LIMIT_REACHED (sharefetch.go).
	ShareMaxSessions int32

	// ShareRecordLockDuration is how long a share group member holds the
	// records it fetched before they go to another
	// (group.share.record.lock.duration.ms, default 30s; a group may set
	// share.record.lock.duration.ms). ShareDeliveryCountLimit is how many
	// times a record is delivered before it is archived
	// (group.share.delivery.count.limit, default 5), and
	// SharePartitionMaxRecordLocks how many records of a partition may be
	// in flight at once (group.share.partition.max.record.locks, default
	// 2000). See share.go.
	ShareRecordLockDuration      time.Duration
	ShareDeliveryCountLimit      int16
	SharePartitionMaxRecordLocks int32

	// ShareMinRecordLockDuration and ShareMaxRecordLockDuration bound the
	// share.record.lock.duration.ms a group may set (groupconfigs.go;
	// group.share.min.record.lock.duration.ms and
	// group.share.max.record.lock.duration.ms, defaults 15s and 60s,
	// widened to take in ShareRecordLockDuration). Test clusters lower the
	// minimum to give groups locks of a second or two, as librdkafka's
	// share consumer tests do.
	ShareMinRecordLockDuration time.Duration
	ShareMaxRecordLockDuration time.Duration

	// OffsetsRetention is how long committed offsets are kept: for a group
	// with members, counted from when it became empty; for offsets
	// committed outside any group membership, from their commit
	// (offsets.retention.minutes, default 7 days).
	OffsetsRetention time.Duration

	// OffsetsRetentionCheckInterval is how often expired offsets are
	// looked for (offsets.retention.check.interval.ms, default 10m).
	OffsetsRetentionCheckInterval time.Duration

	// ConnectionsMaxIdle is how long a connection may go without a request
	// before it is closed (connections.max.idle.ms, default 10 minutes).
	// Clients reconnect when they next need the broker.
	ConnectionsMaxIdle time.Duration

	// TransactionMaxTimeout is the longest transaction.timeout.ms a
	// transactional producer may ask for in InitProducerId
	// (transaction.max.timeout.ms, default 15 minutes).
	TransactionMaxTimeout time.Duration

	// TransactionAbortCheckInterval is how often open transactions are
	// checked against their timeout and aborted when they are over it
	// (transaction.abort.timed.out.transaction.cleanup.interval.ms,
	// default 10s).
	TransactionAbortCheckInterval time.Duration

	// TransactionalIDExpiration is how long the coordinator keeps a
	// transactional id that has no open transaction and has not been used,
	// after which it forgets it and its producer id
	// (transactional.id.expiration.ms, default 7 days). The check runs
	// with the timeout check.
	TransactionalIDExpiration time.Duration

	// ProducerIDExpiration is how long a partition keeps an idempotent
	// producer's state after its last batch or marker, unless it has a
	// transaction open there (producer.id.expiration.ms, default one
	// day). A producer forgotten so is a new one to its next batch
	// (producers.go).
	ProducerIDExpiration time.Duration

	// ProducerIDExpirationCheckInterval is how often expired producers
	// are looked for (producer.id.expiration.check.interval.ms, default
	// 10 minutes).
	ProducerIDExpirationCheckInterval time.Duration

	// ClosedSegmentFiles is how many segment .log files may be open at
	// once: closed segments' and, since they share the cache, each
	// partition's active one too, despite the name. The others are opened
	// when read or written and the least recently used idle ones closed
	// (segfiles.go). Kafka has no such setting: it keeps them all open.
	// Default 256, and at most half the process's open file limit.
	ClosedSegmentFiles int

	// FetchSessionCacheSlots is how many incremental fetch sessions
	// (fetchsessions.go) the broker keeps at most
	// (max.incremental.fetch.session.cache.slots, default 1000). Negative
	// turns sessions off: every fetch is then a full one.
	FetchSessionCacheSlots int

	// FetchSessionEviction is how long a fetch session is safe from being
	// evicted for a new one, counted from its creation and from its last
	// use (min.incremental.fetch.session.eviction.ms, default 2 minutes).
	FetchSessionEviction time.Duration

	// CleanerBackoff is how long the log cleaner (cleaner.go) waits after
	// a round before it looks for compacted partitions to clean again
	// (log.cleaner.backoff.ms, default 15s).
	CleanerBackoff time.Duration

	// CleanerDisabled keeps the log cleaner from running at all
	// (log.cleaner.enable=false); compacted topics are then never
	// compacted, as in Kafka.
	CleanerDisabled bool

	// CleanerIOBytesPerSecond bounds what the cleaner reads and writes
	// (log.cleaner.io.max.bytes.per.second). Zero, the default, is no
	// limit, as in Kafka.
	CleanerIOBytesPerSecond int64

	// CleanerDedupeBufferBytes bounds the memory of the cleaner's key map
	// (log.cleaner.dedupe.buffer.size, default 128 MiB); a partition with
	// more keys is cleaned over several rounds.
	CleanerDedupeBufferBytes int64

	// OffsetsTopicSegmentBytes is the segment.bytes of __consumer_offsets
	// when the broker creates it (offsets.topic.segment.bytes, default 100
	// MiB): a smaller segment rolls, and so is compacted, sooner.
	OffsetsTopicSegmentBytes int32

	// QuotaWindowNum and QuotaWindowSize are how client quotas measure
	// rates (quotas.go): over QuotaWindowNum samples of QuotaWindowSize
	// each (quota.window.num, default 11; quota.window.size.seconds,
	// default 1s).
	QuotaWindowNum  int
	QuotaWindowSize time.Duration

	// Trace, when set, receives a line for every request and every
	// response, decoded field by field (trace.go): the -trace flag.
	Trace io.Writer

	// Logger receives the broker's log lines. Default slog.Default().
	Logger *slog.Logger

	// given and ignored are the settings Set applied and the ones it
	// accepted without effect (settings.go).
	given, ignored []string
}

// withDefaults fills in the zero fields of c, each with the default of
// the Kafka setting its comment names.
func (c Config) withDefaults() Config {
	setDefault(&c.DefaultPartitions, 1)
	setDefault(&c.MaxFrameBytes, defaultMaxFrameBytes)
	setDefault(&c.MaxMessageBytes, defaultMaxMessageBytes)
	setDefault(&c.FetchMaxBytes, maxFetchBytes)
	setDefault(&c.MaxRequestPartitions, maxDescribePartitions)
	setDefault(&c.OffsetMetadataMaxBytes, maxOffsetMetadata)
	setDefault(&c.SegmentBytes, defaultSegmentBytes)
	setDefault(&c.RetentionCheckInterval, defaultRetentionCheckInterval)
	setDefault(&c.CleanerBackoff, defaultCleanerBackoff)
	setDefault(&c.CleanerDedupeBufferBytes, defaultDedupeBufferBytes)
	setDefault(&c.OffsetsTopicSegmentBytes, defaultOffsetsTopicSegmentBytes)
	if c.GroupInitialRebalanceDelay == 0 {
		c.GroupInitialRebalanceDelay = 100 * time.Millisecond
	}
	setDefault(&c.GroupMinSessionTimeout, 6*time.Second)
	setDefault(&c.GroupMaxSessionTimeout, 30*time.Minute)
	setDefault(&c.GroupMaxSize, math.MaxInt32)
	setDefault(&c.ConsumerGroupMaxSize, math.MaxInt32)
	setDefault(&c.ConsumerMigrationPolicy, migrationBidirectional)
	setDefault(&c.ConsumerSessionTimeout, 45*time.Second)
	setDefault(&c.ConsumerHeartbeatInterval, 5*time.Second)
	setDefault(&c.ShareSessionTimeout, 45*time.Second)
	setDefault(&c.ShareHeartbeatInterval, 5*time.Second)
	setDefault(&c.ShareGroupMaxSize, 200)
	setDefault(&c.ShareMaxSessions, 2000)
	setDefault(&c.ShareRecordLockDuration, defaultShareLimits.lockDuration)
	setDefault(&c.ShareDeliveryCountLimit, defaultShareLimits.deliveryLimit)
	setDefault(&c.SharePartitionMaxRecordLocks, int32(defaultShareLimits.maxLocks))
	setDefault(&c.ShareMinRecordLockDuration, min(15*time.Second, c.ShareRecordLockDuration))
	setDefault(&c.ShareMaxRecordLockDuration, max(60*time.Second, c.ShareRecordLockDuration))
	setDefault(&c.ConsumerMinSessionTimeout, min(45*time.Second, c.ConsumerSessionTimeout))
	setDefault(&c.ConsumerMaxSessionTimeout, max(60*time.Second, c.ConsumerSessionTimeout))
	setDefault(&c.ConsumerMinHeartbeatInterval, min(5*time.Second, c.ConsumerHeartbeatInterval))
	setDefault(&c.ConsumerMaxHeartbeatInterval, max(15*time.Second, c.ConsumerHeartbeatInterval))
	setDefault(&c.OffsetsRetention, 7*24*time.Hour)
	setDefault(&c.OffsetsRetentionCheckInterval, 10*time.Minute)
	setDefault(&c.ConnectionsMaxIdle, 10*time.Minute)
	setDefault(&c.TransactionMaxTimeout, 15*time.Minute)
	setDefault(&c.TransactionAbortCheckInterval, 10*time.Second)
	setDefault(&c.TransactionalIDExpiration, 7*24*time.Hour)
	setDefault(&c.ProducerIDExpiration, 24*time.Hour)
	setDefault(&c.ProducerIDExpirationCheckInterval, 10*time.Minute)
	setDefault(&c.ClosedSegmentFiles, defaultClosedSegmentFiles)
	if c.FetchSessionCacheSlots == 0 {
		c.FetchSessionCacheSlots = defaultFetchSessionCacheSlots
	}
	setDefault(&c.FetchSessionEviction, defaultFetchSessionEviction)
	setDefault(&c.Listeners, defaultListeners)
	if c.QuotaWindowNum <= 1 {
		c.QuotaWindowNum = 11
	}
	setDefault(&c.QuotaWindowSize, time.Second)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// setDefault sets *field to def if it is zero or, for numbers, negative:
// an unset Config field.
func setDefault[T cmp.Ordered](field *T, def T) {
	var zero T
	if *field <= zero {
		*field = def
	}
}

// Kafka's defaults for Config.
const (
	defaultMaxFrameBytes   = 100 << 20 // socket.request.max.bytes
	defaultMaxMessageBytes = 1048588   // message.max.bytes
)

// fsyncPolicy is Config.Fsync parsed.
type fsyncPolicy struct {
	always   bool
	interval time.Duration // > 0 for a background fsync at that interval
}

// parseFsync reads Config.Fsync.
func parseFsync(s string) (fsyncPolicy, error) {
	switch s {
	case "", "never":
		return fsyncPolicy{}, nil
	case "always":
		return fsyncPolicy{always: true}, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fsyncPolicy{}, fmt.Errorf("kafka: Config.Fsync %q is not never, always or a positive duration", s)
	}
	return fsyncPolicy{interval: d}, nil
}
