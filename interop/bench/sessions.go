package bench

// The fetch-session and transaction workloads: what a consumer of many
// partitions costs the broker when nothing is new, with and without a
// fetch session (KIP-227), and what a transactional producer's
// transactions cost. Both run on ours and kfake; loopback has no
// equivalent of either.

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// SessionScenario is the fetch-session workload: a topic of Partitions
// partitions holding one record each, fetched Fetches times by a client
// that has read everything, first with full fetches (no session), then
// with incremental fetches of a session. Then IdleConsumers franz-go
// consumers of the topic, caught up, are left to long-poll for Idle.
type SessionScenario struct {
	Partitions    int
	Fetches       int
	IdleConsumers int
	Idle          time.Duration
}

// SessionResult is the workload's outcome on one target.
type SessionResult struct {
	Full        Measure // Fetches full fetches of every partition
	Incremental Measure // Fetches incremental fetches; zero if the target keeps no session
	Idle        Measure // the idle consumers, for the Idle duration
	Quiet       Measure // the same server with no client, for the Idle duration: the floor
	NoSessions  bool    // the target answered SessionId 0 to a fetch that asked for one
}

// TxnScenario is the transaction workload: Transactions transactions, one
// after another, each of Records records of Size bytes spread over
// Partitions partitions, committed.
type TxnScenario struct {
	Transactions int
	Records      int
	Size         int
	Partitions   int
}

func (sc TxnScenario) String() string {
	return fmt.Sprintf("%d txns x %d rec of %s, %dp", sc.Transactions, sc.Records, sizeName(sc.Size), sc.Partitions)
}

const sessionTopic = "wide"

// runSessions runs the session workload on a fresh server of kind k.
func runSessions(ctx context.Context, cfg Config, k Kind) (res SessionResult, err error) {
	sc := cfg.Sessions
	srv, err := StartServer(k)
	if err != nil {
		return res, err
	}
	defer func() {
		if cerr := srv.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	if err := createTopic(ctx, srv.Addr, sessionTopic, sc.Partitions); err != nil {
		return res, err
	}
	cl, err := kgo.NewClient(clientOpts(srv.Addr)...)
	if err != nil {
		return res, err
	}
	defer cl.Close()
	rs := make([]*kgo.Record, sc.Partitions)
	for p := range rs {
		rs[p] = &kgo.Record{Topic: sessionTopic, Partition: int32(p), Value: value(100, p)}
	}
	if err := cl.ProduceSync(ctx, rs...).FirstErr(); err != nil {
		return res, fmt.Errorf("produce: %w", err)
	}
	topics, err := kadm.NewClient(cl).ListTopics(ctx, sessionTopic)
	if err != nil {
		return res, err
	}
	topicID := topics[sessionTopic].ID

	// A fetch of every partition at offset 1, the end: nothing is new.
	caughtUp := func(sessionID, epoch int32) *kmsg.FetchRequest {
		req := kmsg.NewPtrFetchRequest()
		req.ReplicaID, req.MaxBytes, req.MaxWaitMillis = -1, 50<<20, 0
		req.SessionID, req.SessionEpoch = sessionID, epoch
		rt := kmsg.NewFetchRequestTopic()
		rt.Topic, rt.TopicID = sessionTopic, topicID
		for p := range sc.Partitions {
			rp := kmsg.NewFetchRequestTopicPartition()
			rp.Partition, rp.FetchOffset, rp.PartitionMaxBytes = int32(p), 1, 1<<20
			rp.CurrentLeaderEpoch, rp.LastFetchedEpoch, rp.LogStartOffset = -1, -1, -1
			rt.Partitions = append(rt.Partitions, rp)
		}
		req.Topics = append(req.Topics, rt)
		return req
	}
	fetch := func(req *kmsg.FetchRequest, wantTopics int) (*kmsg.FetchResponse, error) {
		resp, err := req.RequestWith(ctx, cl)
		if err != nil {
			return nil, err
		}
		if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
			return nil, fmt.Errorf("fetch session %d epoch %d: %w", req.SessionID, req.SessionEpoch, err)
		}
		if wantTopics >= 0 && len(resp.Topics) != wantTopics {
			return nil, fmt.Errorf("fetch session %d epoch %d: %d topics in the answer, want %d", req.SessionID, req.SessionEpoch, len(resp.Topics), wantTopics)
		}
		return resp, nil
	}

	full := caughtUp(0, -1)
	res.Full, err = measure(ctx, cfg, srv, "sessions-full", func() (time.Duration, error) {
		start := time.Now()
		for range sc.Fetches {
			if _, err := fetch(full, 1); err != nil {
				return 0, err
			}
		}
		return time.Since(start), nil
	})
	if err != nil {
		return res, err
	}

	opened, err := fetch(caughtUp(0, 0), 1)
	if err != nil {
		return res, err
	}
	if opened.SessionID == 0 {
		res.NoSessions = true
	} else {
		res.Incremental, err = measure(ctx, cfg, srv, "sessions-incremental", func() (time.Duration, error) {
			start := time.Now()
			for i := range sc.Fetches {
				req := kmsg.NewPtrFetchRequest()
				req.ReplicaID, req.MaxBytes, req.MaxWaitMillis = -1, 50<<20, 0
				req.SessionID, req.SessionEpoch = opened.SessionID, int32(i+1)
				if _, err := fetch(req, 0); err != nil {
					return 0, err
				}
			}
			return time.Since(start), nil
		})
		if err != nil {
			return res, err
		}
	}

	cl.Close()
	res.Quiet, err = measureUnsampled(ctx, cfg, srv, "sessions-quiet", func() (time.Duration, error) {
		time.Sleep(sc.Idle)
		return sc.Idle, nil
	})
	if err != nil {
		return res, err
	}
	res.Idle, err = idleConsumers(ctx, cfg, srv, sc)
	return res, err
}

// idleConsumers starts the scenario's consumers, waits until each has read
// every partition's record, and measures the server while they long-poll
// with nothing new for sc.Idle.
func idleConsumers(ctx context.Context, cfg Config, srv *Server, sc SessionScenario) (Measure, error) {
	var wg sync.WaitGroup
	var caughtUp atomic.Int64
	stop := make(chan struct{})
	errs := make(chan error, sc.IdleConsumers)
	for range sc.IdleConsumers {
		cl, err := kgo.NewClient(clientOpts(srv.Addr,
			kgo.ConsumeTopics(sessionTopic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		)...)
		if err != nil {
			return Measure{}, err
		}
		defer cl.Close()
		wg.Go(func() {
			got := 0
			for got < sc.Partitions {
				fs := cl.PollFetches(ctx)
				if err := fs.Err(); err != nil {
					errs <- err
					return
				}
				got += fs.NumRecords()
			}
			caughtUp.Add(1)
			// The client goes on fetching in the background; nothing
			// more will come.
			<-stop
		})
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	for caughtUp.Load() < int64(sc.IdleConsumers) {
		select {
		case err := <-errs:
			return Measure{}, fmt.Errorf("idle consumer: %w", err)
		case <-ctx.Done():
			return Measure{}, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
	return measureUnsampled(ctx, cfg, srv, "sessions-idle", func() (time.Duration, error) {
		select {
		case <-time.After(sc.Idle):
			return sc.Idle, nil
		case err := <-errs:
			return 0, err
		}
	})
}

// measureUnsampled is measure with the server's peak-heap sampler paused,
// for the idle windows: the sampler's wakeups every 5ms cost about 3% of a
// core, which would otherwise be most of what an idle server is seen to
// spend. The window's peak heap is then not tracked.
func measureUnsampled(ctx context.Context, cfg Config, srv *Server, name string, work func() (time.Duration, error)) (Measure, error) {
	if err := srv.PauseSampler(); err != nil {
		return Measure{}, err
	}
	m, err := measure(ctx, cfg, srv, name, work)
	if rerr := srv.ResumeSampler(); err == nil {
		err = rerr
	}
	return m, err
}

// runTxns runs the transaction workload on a fresh server of kind k and
// checks, from the partitions' end offsets, that every record was stored.
func runTxns(ctx context.Context, cfg Config, k Kind) (m Measure, err error) {
	sc := cfg.Txns
	srv, err := StartServer(k)
	if err != nil {
		return m, err
	}
	defer func() {
		if cerr := srv.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	const txnTopic = "txns"
	if err := createTopic(ctx, srv.Addr, txnTopic, sc.Partitions); err != nil {
		return m, err
	}
	cl, err := kgo.NewClient(clientOpts(srv.Addr, kgo.TransactionalID("bench-txn"))...)
	if err != nil {
		return m, err
	}
	defer cl.Close()
	if err := cl.Ping(ctx); err != nil {
		return m, err
	}
	val := value(sc.Size, 0)
	m, err = measure(ctx, cfg, srv, "txns", func() (time.Duration, error) {
		start := time.Now()
		for t := range sc.Transactions {
			if err := cl.BeginTransaction(); err != nil {
				return 0, err
			}
			var failed atomic.Pointer[error]
			for i := range sc.Records {
				cl.Produce(ctx, &kgo.Record{Topic: txnTopic, Partition: int32(i % sc.Partitions), Value: val}, func(_ *kgo.Record, err error) {
					if err != nil {
						failed.CompareAndSwap(nil, &err)
					}
				})
			}
			if err := cl.Flush(ctx); err != nil {
				return 0, err
			}
			if e := failed.Load(); e != nil {
				return 0, fmt.Errorf("transaction %d: %w", t, *e)
			}
			if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
				return 0, fmt.Errorf("commit %d: %w", t, err)
			}
		}
		return time.Since(start), nil
	})
	if err != nil {
		return m, err
	}
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, txnTopic)
	if err != nil {
		return m, err
	}
	var stored int64
	ends.Each(func(o kadm.ListedOffset) { stored += o.Offset })
	// Each transaction adds a commit marker to each of its partitions.
	if want := int64(sc.Transactions) * int64(sc.Records); stored < want {
		return m, fmt.Errorf("transactions: end offsets sum to %d, want at least the %d records", stored, want)
	}
	return m, nil
}

// ETLScenario is franz-go's exactly-once loop (GroupTransactSession):
// Records records of Size bytes in an input topic of Partitions
// partitions are consumed by a group member, copied to an output topic and
// the group's offsets committed, at most PerTxn records (one poll) in each
// transaction, until every record is copied.
type ETLScenario struct {
	Records    int
	Size       int
	Partitions int
	PerTxn     int
}

func (sc ETLScenario) String() string {
	return fmt.Sprintf("%d rec of %s, %dp, at most %d a transaction", sc.Records, sizeName(sc.Size), sc.Partitions, sc.PerTxn)
}

// ETLResult is the ETL workload on one target.
type ETLResult struct {
	Measure
	Transactions int
}

// runETL runs the ETL workload on a fresh server of kind k and checks,
// from the output's end offsets, that every record was copied.
func runETL(ctx context.Context, cfg Config, k Kind) (res ETLResult, err error) {
	sc := cfg.ETL
	srv, err := StartServer(k)
	if err != nil {
		return res, err
	}
	defer func() {
		if cerr := srv.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	const in, out = "etl-in", "etl-out"
	for _, t := range []string{in, out} {
		if err := createTopic(ctx, srv.Addr, t, sc.Partitions); err != nil {
			return res, err
		}
	}
	prod, err := kgo.NewClient(clientOpts(srv.Addr)...)
	if err != nil {
		return res, err
	}
	defer prod.Close()
	// The input goes out asynchronously rather than as one ProduceSync of
	// every record, which at -scale 10 would hold millions of records in
	// the client at once.
	val := value(sc.Size, 0)
	var failed atomic.Pointer[error]
	for i := range sc.Records {
		prod.Produce(ctx, &kgo.Record{Topic: in, Partition: int32(i % sc.Partitions), Value: val}, func(_ *kgo.Record, err error) {
			if err != nil {
				failed.CompareAndSwap(nil, &err)
			}
		})
	}
	if err := prod.Flush(ctx); err != nil {
		return res, fmt.Errorf("producing the input: %w", err)
	}
	if e := failed.Load(); e != nil {
		return res, fmt.Errorf("producing the input: %w", *e)
	}
	sess, err := kgo.NewGroupTransactSession(
		kgo.SeedBrokers(srv.Addr),
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		kgo.TransactionalID("bench-etl"),
		kgo.ConsumerGroup("bench-etl"),
		kgo.ConsumeTopics(in),
		kgo.RequireStableFetchOffsets(),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	if err != nil {
		return res, err
	}
	defer sess.Close()
	res.Measure, err = measure(ctx, cfg, srv, "etl", func() (time.Duration, error) {
		start := time.Now()
		copied := 0
		for copied < sc.Records {
			fs := sess.PollRecords(ctx, sc.PerTxn)
			if err := fs.Err(); err != nil {
				return 0, err
			}
			recs := fs.Records()
			if len(recs) == 0 {
				continue
			}
			if err := sess.Begin(); err != nil {
				return 0, err
			}
			for _, r := range recs {
				sess.Produce(ctx, &kgo.Record{Topic: out, Partition: r.Partition, Value: r.Value}, nil)
			}
			committed, err := sess.End(ctx, kgo.TryCommit)
			if err != nil {
				return 0, fmt.Errorf("transaction %d: %w", res.Transactions, err)
			}
			if committed {
				copied += len(recs)
				res.Transactions++
			}
		}
		return time.Since(start), nil
	})
	if err != nil {
		return res, err
	}
	ends, err := kadm.NewClient(prod).ListEndOffsets(ctx, out)
	if err != nil {
		return res, err
	}
	var stored int64
	ends.Each(func(o kadm.ListedOffset) { stored += o.Offset })
	if stored < int64(sc.Records) {
		return res, fmt.Errorf("etl: output end offsets sum to %d, want at least the %d records", stored, sc.Records)
	}
	return res, nil
}

// ScaleScenario is the many-partitions workload: Topics topics of
// PartitionsPerTopic partitions each, created in one CreateTopics request,
// then (on ours) a restart of the server on the same data.
type ScaleScenario struct {
	Topics             int
	PartitionsPerTopic int
}

func (sc ScaleScenario) String() string {
	return fmt.Sprintf("%d topics x %d partitions", sc.Topics, sc.PartitionsPerTopic)
}

// ScaleResult is the scale workload on one target.
type ScaleResult struct {
	Create       time.Duration // the CreateTopics request
	Created      Stats         // the server's stats after it
	Restart      time.Duration // from the new server's start to its listening, logs loaded; ours only
	Restarted    Stats         // the restarted server's stats, once a Metadata of every topic is answered
	NoRestart    bool          // the target keeps nothing to restart from (kfake)
	MetadataTime time.Duration // the first Metadata of every topic after the restart, or after creation
}

// runScale runs the scale workload on a fresh server of kind k.
func runScale(ctx context.Context, cfg Config, k Kind) (res ScaleResult, err error) {
	sc := cfg.Scale
	srv, err := StartServer(k)
	if err != nil {
		return res, err
	}
	defer func() {
		if cerr := srv.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	var names []string
	for i := range sc.Topics {
		names = append(names, fmt.Sprintf("scale-%04d", i))
	}
	metadata := func() (time.Duration, error) {
		cl, err := kgo.NewClient(clientOpts(srv.Addr)...)
		if err != nil {
			return 0, err
		}
		defer cl.Close()
		start := time.Now()
		md, err := kadm.NewClient(cl).Metadata(ctx, names...)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, t := range md.Topics {
			if t.Err == nil {
				n += len(t.Partitions)
			}
		}
		if want := sc.Topics * sc.PartitionsPerTopic; n != want {
			return 0, fmt.Errorf("scale: Metadata lists %d partitions, want %d", n, want)
		}
		return time.Since(start), nil
	}
	cl, err := kgo.NewClient(clientOpts(srv.Addr)...)
	if err != nil {
		return res, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	// Thousands of partitions take a while: a client that gave up and
	// retried would find its topics there already.
	adm.SetTimeoutMillis(int32((5 * time.Minute).Milliseconds()))
	start := time.Now()
	resps, err := adm.CreateTopics(ctx, int32(sc.PartitionsPerTopic), 1, nil, names...)
	if err != nil {
		return res, err
	}
	if err := resps.Error(); err != nil {
		return res, fmt.Errorf("scale: creating topics: %w", err)
	}
	res.Create = time.Since(start)
	if res.MetadataTime, err = metadata(); err != nil {
		return res, err
	}
	if res.Created, err = srv.Stats(); err != nil {
		return res, err
	}
	cl.Close()
	if k != Ours {
		res.NoRestart = true
		return res, nil
	}
	if res.Restart, err = srv.Restart(); err != nil {
		return res, fmt.Errorf("scale: restart: %w", err)
	}
	if res.MetadataTime, err = metadata(); err != nil {
		return res, fmt.Errorf("scale: after the restart: %w", err)
	}
	res.Restarted, err = srv.Stats()
	return res, err
}

// ConnsScenario is the many-connections workload: Connections franz-go
// producers, each with a connection of its own, all sending at once,
// Records records of Size bytes each, one at a time (linger 0, each
// waiting for its ack), to a topic of Partitions partitions.
type ConnsScenario struct {
	Connections int
	Records     int
	Size        int
	Partitions  int
}

func (sc ConnsScenario) String() string {
	return fmt.Sprintf("%d producers x %d rec of %s, %dp", sc.Connections, sc.Records, sizeName(sc.Size), sc.Partitions)
}

// ConnsResult is the workload on one target: every produce's latency,
// sorted, and the server's measure.
type ConnsResult struct {
	Measure
	Latencies Latencies
}

// runConns runs the many-connections workload on a fresh server of kind k.
func runConns(ctx context.Context, cfg Config, k Kind) (res ConnsResult, err error) {
	sc := cfg.Conns
	srv, err := StartServer(k)
	if err != nil {
		return res, err
	}
	defer func() {
		if cerr := srv.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}()
	const connsTopic = "conns"
	if err := createTopic(ctx, srv.Addr, connsTopic, sc.Partitions); err != nil {
		return res, err
	}
	clients := make([]*kgo.Client, sc.Connections)
	for i := range clients {
		cl, err := kgo.NewClient(clientOpts(srv.Addr, kgo.ProducerLinger(0))...)
		if err != nil {
			return res, err
		}
		defer cl.Close()
		// Connected, with metadata, before the clock starts.
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: connsTopic, Partition: int32(i % sc.Partitions), Value: value(sc.Size, i)}).FirstErr(); err != nil {
			return res, fmt.Errorf("producer %d: %w", i, err)
		}
		clients[i] = cl
	}
	lat := make([]Latencies, sc.Connections)
	res.Measure, err = measure(ctx, cfg, srv, "conns", func() (time.Duration, error) {
		start := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, sc.Connections)
		for i, cl := range clients {
			wg.Go(func() {
				val := value(sc.Size, i)
				for r := range sc.Records {
					t0 := time.Now()
					rec := &kgo.Record{Topic: connsTopic, Partition: int32((i + r) % sc.Partitions), Value: val}
					if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
						errs <- fmt.Errorf("producer %d: %w", i, err)
						return
					}
					lat[i] = append(lat[i], time.Since(t0))
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return 0, err
		}
		return time.Since(start), nil
	})
	for _, l := range lat {
		res.Latencies = append(res.Latencies, l...)
	}
	slices.Sort(res.Latencies)
	if err == nil && len(res.Latencies) != sc.Connections*sc.Records {
		err = fmt.Errorf("conns: %d produces timed, want %d", len(res.Latencies), sc.Connections*sc.Records)
	}
	return res, err
}
