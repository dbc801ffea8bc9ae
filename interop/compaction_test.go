package interop

// Log compaction with real clients: franz-go produces many versions of
// each key to a compacted topic with small segments, uncompressed and
// with gzip, snappy (its default), lz4 and zstd; once the cleaner has run, a
// consumer from the start sees one record per key, the latest. And
// the crash test of the cleaner: the broker as a child process, SIGKILLed
// while it cleans, must come back with every key's latest value.

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"testing"
	"time"

	kafkago "github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"kafka"
)

// createCompacted creates a topic with cleanup.policy=compact and small
// segments, so that the cleaner has closed segments to work on. Any dirty
// segment is cleaned (min.cleanable.dirty.ratio 0.01): a cleaning that
// starts before the last versions are written leaves them in a dirty
// part too small for the default ratio of 0.5, which Kafka would leave
// uncleaned as well.
func createCompacted(t *testing.T, ctx context.Context, addr, topic string, segmentBytes int) {
	t.Helper()
	adm := kadm.NewClient(newClient(t, addr))
	resp, err := adm.CreateTopic(ctx, 1, 1, map[string]*string{
		"cleanup.policy":            kadm.StringPtr("compact"),
		"segment.bytes":             kadm.StringPtr(fmt.Sprint(segmentBytes)),
		"min.cleanable.dirty.ratio": kadm.StringPtr("0.01"),
	}, topic)
	if err != nil || resp.Err != nil {
		t.Fatalf("CreateTopic %s: %v %v", topic, err, resp.Err)
	}
}

// produceVersions produces versions values of each of keys keys, version
// by version, then a large record of key rollKey that rolls the segment,
// so that every version is in a closed segment. It records each key's
// latest value in latest. segmentBytes is the topic's segment.bytes: the
// roll record's batch is a little smaller, since the broker refuses a
// batch larger than a segment (RECORD_LIST_TOO_LARGE), as Kafka does, and
// large enough that it never fits beside a batch of versions.
func produceVersions(t *testing.T, ctx context.Context, cl *kgo.Client, topic string, segmentBytes, keys, versions int, rollKey string, latest map[string]string) {
	t.Helper()
	for v := range versions {
		var rs []*kgo.Record
		for k := range keys {
			key, value := fmt.Sprintf("key-%03d", k), fmt.Sprintf("value-%03d-%03d", k, v)
			rs = append(rs, &kgo.Record{Topic: topic, Key: []byte(key), Value: []byte(value)})
			latest[key] = value
		}
		produceSync(t, ctx, cl, rs...)
	}
	// Random bytes, so that no codec shrinks the record below a segment.
	rollBytes := make([]byte, segmentBytes-256) // 256: more than a batch's and a record's overhead
	rand.Read(rollBytes)
	roll := string(rollBytes)
	produceSync(t, ctx, cl, &kgo.Record{Topic: topic, Key: []byte(rollKey), Value: []byte(roll)})
	latest[rollKey] = roll
}

// readCompacted reads partition 0 of topic from the start to its end and
// returns the records, in order. Its clients are closed on return, as
// tests call it in a loop while they wait for the cleaner.
func readCompacted(t *testing.T, ctx context.Context, addr, topic string) []*kgo.Record {
	t.Helper()
	admin, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatal(err)
	}
	end := endOffsets(t, ctx, kadm.NewClient(admin), topic)[0]
	admin.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {0: kgo.NewOffset().AtStart()}}),
		kgo.FetchMaxWait(100*time.Millisecond),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var got []*kgo.Record
	for len(got) == 0 || got[len(got)-1].Offset < end-1 {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("reading %s: %v after %d records", topic, ctx.Err(), len(got))
		}
		fs.EachError(func(_ string, _ int32, err error) { t.Logf("fetch: %v", err) })
		got = append(got, fs.Records()...)
	}
	return got
}

// onePerKey reports whether recs hold exactly one record per key of want,
// with its value.
func onePerKey(recs []*kgo.Record, want map[string]string) error {
	seen := map[string]bool{}
	for _, r := range recs {
		k := string(r.Key)
		if seen[k] {
			return fmt.Errorf("key %s twice (offset %d)", k, r.Offset)
		}
		seen[k] = true
		if string(r.Value) != want[k] {
			return fmt.Errorf("key %s: %.20q at %d, want %.20q", k, r.Value, r.Offset, want[k][:min(20, len(want[k]))])
		}
	}
	if len(seen) != len(want) {
		return fmt.Errorf("%d keys, want %d", len(seen), len(want))
	}
	return nil
}

// TestCompactionFranz: with every codec the broker reads, including
// franz-go's default, snappy, lz4 (codecs.go) and zstd (zstd.go), a
// consumer from the start sees one record per key after cleaning.
func TestCompactionFranz(t *testing.T) {
	for _, tc := range []struct {
		name  string
		codec []kgo.Opt
	}{
		{"uncompressed", []kgo.Opt{kgo.ProducerBatchCompression(kgo.NoCompression())}},
		{"gzip", []kgo.Opt{kgo.ProducerBatchCompression(kgo.GzipCompression())}},
		{"default (snappy)", nil},
		{"lz4", []kgo.Opt{kgo.ProducerBatchCompression(kgo.Lz4Compression())}},
		{"zstd", []kgo.Opt{kgo.ProducerBatchCompression(kgo.ZstdCompression())}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			addr, _ := startBrokerWith(t, t.TempDir(), kafka.Config{CleanerBackoff: 50 * time.Millisecond})
			createCompacted(t, ctx, addr, "table", 2048)
			cl := newClient(t, addr, append(tc.codec, kgo.ProducerLinger(0))...)
			want := map[string]string{}
			produceVersions(t, ctx, cl, "table", 2048, 50, 20, "roll", want)

			var err error
			for ctx.Err() == nil {
				if err = onePerKey(readCompacted(t, ctx, addr, "table"), want); err == nil {
					return
				}
				t.Log(err)
				time.Sleep(100 * time.Millisecond)
			}
			t.Fatalf("after cleaning: %v", err)
		})
	}
}

// cleanedTable starts a broker with a compacted topic "table" of 30
// keys, each written 20 times over segments of 2,048 bytes and rolled
// by a last record, and waits until the cleaner has left one record per
// key. It returns the broker's address and each key's latest value.
func cleanedTable(t *testing.T, ctx context.Context) (addr string, want map[string]string) {
	t.Helper()
	addr, _ = startBrokerWith(t, t.TempDir(), kafka.Config{CleanerBackoff: 50 * time.Millisecond})
	createCompacted(t, ctx, addr, "table", 2048)
	want = map[string]string{}
	produceVersions(t, ctx, newClient(t, addr, kgo.ProducerBatchCompression(kgo.NoCompression())), "table", 2048, 30, 20, "roll", want)
	var err error
	for ctx.Err() == nil {
		if err = onePerKey(readCompacted(t, ctx, addr, "table"), want); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("the cleaner did not finish: %v", err)
	}
	return addr, want
}

// TestCompactionReadByOtherClients: a cleaned log, with its gaps and the
// empty batches the cleaner keeps, read from the start by librdkafka
// (kcat) and kafka-go: one record per key, the latest, at its offset.
func TestCompactionReadByOtherClients(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	addr, want := cleanedTable(t, ctx)
	end := endOffsets(t, ctx, kadm.NewClient(newClient(t, addr)), "table")[0]

	t.Run("kcat", func(t *testing.T) {
		out := kcat(t, "", "-b", addr, "-C", "-t", "table", "-e", "-f", `%k\n`)
		keys := strings.Fields(out)
		seen := map[string]bool{}
		for _, k := range keys {
			if seen[k] {
				t.Errorf("kcat read key %s twice", k)
			}
			seen[k] = true
		}
		if len(seen) != len(want) {
			t.Errorf("kcat read %d keys, want %d", len(seen), len(want))
		}
	})
	t.Run("kafka-go", func(t *testing.T) {
		r := kafkago.NewReader(kafkago.ReaderConfig{Brokers: []string{addr}, Topic: "table", Partition: 0, MaxWait: 100 * time.Millisecond})
		defer r.Close()
		got := map[string]string{}
		for {
			m, err := r.ReadMessage(ctx)
			if err != nil {
				t.Fatalf("kafka-go after %d records: %v", len(got), err)
			}
			if _, dup := got[string(m.Key)]; dup {
				t.Errorf("kafka-go read key %s twice", m.Key)
			}
			got[string(m.Key)] = string(m.Value)
			if m.Offset == end-1 {
				break
			}
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("kafka-go: key %s is %.20q", k, got[k])
			}
		}
	})
}

// TestCleanerCrash kills the broker (SIGKILL) while it cleans, at several
// points, restarting it each time on the same data dir, and checks after
// every restart that each key's latest value is the one produced last.
// Before each kill a new round of versions is produced, so that every kill
// cuts into a cleaning with work to do.
func TestCleanerCrash(t *testing.T) {
	bin := buildBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	// The cleaner is slowed to 400 KB/s so that a cleaning lasts long
	// enough, about a second, to be cut at different points: its key map
	// takes the first half, the groups of segments written and swapped
	// the second.
	flags := []string{"-c", "log.cleaner.backoff.ms=20", "-c", "log.cleaner.io.max.bytes.per.second=400000", "-log-level", "debug"}
	b := startChild(t, bin, dir, flags...)
	// 8 KiB segments: a round's batch of 200 versions is about 6 KiB, and
	// a batch larger than a segment would be refused.
	createCompacted(t, ctx, b.addr, "table", 8192)
	swaps := 0
	want := map[string]string{}
	for round, ms := range []int{0, 200, 450, 550, 650, 750, 850, 1000} {
		// The versions are produced while the topic is not compacted, and
		// compaction is switched on after, so that the cleaning then cut
		// has the whole round to do.
		cl := newClient(t, b.addr, kgo.ProducerBatchCompression(kgo.NoCompression()), kgo.ProducerLinger(0))
		setPolicy(t, ctx, cl, "table", "delete")
		// Each round's roll record has a key of its own, so the one
		// before stays in the log as the only record of its key.
		produceVersions(t, ctx, cl, "table", 8192, 200, 20, fmt.Sprint("roll-", round), want)
		from := len(b.log())
		setPolicy(t, ctx, cl, "table", "compact")
		cl.Close()
		waitForLog(t, ctx, b, `msg="cleaning partition" topic=table`, from)
		delay := time.Duration(ms) * time.Millisecond
		time.Sleep(delay)
		b.kill()
		b = startChild(t, bin, dir, flags...)
		if strings.Contains(b.log(), "finishing an interrupted cleaning") {
			swaps++
		}
		recs := readCompacted(t, ctx, b.addr, "table")
		last := map[string]string{}
		for _, r := range recs {
			last[string(r.Key)] = string(r.Value)
		}
		for k, v := range want {
			if last[k] != v {
				t.Fatalf("round %d, killed %v into a cleaning: key %s is %.20q, want %.20q", round, delay, k, last[k], v[:min(20, len(v))])
			}
		}
		t.Logf("round %d, killed %v into a cleaning: %d records, every key's latest value there", round, delay, len(recs))
	}
	t.Logf("%d of the restarts finished a committed swap", swaps)
	// Left alone, the cleaner finishes: one record per key. A kill after
	// some groups were swapped in but before the checkpoint moved leaves
	// a dirty part already mostly clean, whose ratio can fall below
	// min.cleanable.dirty.ratio (0.5), and then neither this cleaner nor
	// Kafka's (LogCleanerManager.grabFilthiestCompactedLog) cleans it
	// until more is written: a ratio of 0 makes every dirty byte due.
	setTopicConfig(t, ctx, b.addr, "table", "min.cleanable.dirty.ratio", "0")
	var err error
	for ctx.Err() == nil {
		if err = onePerKey(readCompacted(t, ctx, b.addr, "table"), want); err == nil {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("the cleaner did not finish after the kills: %v", err)
}

// setPolicy sets the cleanup.policy of topic.
func setPolicy(t *testing.T, ctx context.Context, cl *kgo.Client, topic, policy string) {
	t.Helper()
	alterTopicConfig(t, ctx, cl, topic, "cleanup.policy", policy)
}

// alterTopicConfig sets one config of topic.
func alterTopicConfig(t *testing.T, ctx context.Context, cl *kgo.Client, topic, name, value string) {
	t.Helper()
	resp, err := kadm.NewClient(cl).AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: name, Value: kadm.StringPtr(value)}}, topic)
	if err == nil {
		_, err = resp.On(topic, nil)
	}
	if err != nil {
		t.Fatalf("setting %s=%s on %s: %v", name, value, topic, err)
	}
}

// setTopicConfig is alterTopicConfig through a client of its own.
func setTopicConfig(t *testing.T, ctx context.Context, addr, topic, name, value string) {
	t.Helper()
	cl := newClient(t, addr)
	defer cl.Close()
	alterTopicConfig(t, ctx, cl, topic, name, value)
}

// waitForLog waits until the child's log holds the line pattern after its
// first from bytes.
func waitForLog(t *testing.T, ctx context.Context, b *childBroker, pattern string, from int) {
	t.Helper()
	for !strings.Contains(b.log()[from:], pattern) {
		select {
		case <-ctx.Done():
			t.Fatalf("no %q in the broker's log:\n%s", pattern, b.log())
		case <-b.done:
			t.Fatalf("the broker exited:\n%s", b.log())
		case <-time.After(5 * time.Millisecond):
		}
	}
}
