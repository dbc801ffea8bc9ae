package kafka

// The damage matrix: every kind of file the broker keeps in its data dir,
// damaged each way a disk, an operator or a crash can damage it, and the
// broker started on it. It must start, or refuse with a message naming
// the file, log a line naming the file, and serve every acknowledged
// record and committed offset the damage did not touch. docs/disk.md's
// table of files lists the same kinds.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// damageFixture is a data dir with something in every file the broker
// writes, and what a client read from it before the damage.
type damageFixture struct {
	dir string
	// records is each partition's fetched records, "topic-p" to bytes.
	records map[string][]byte
	// logStart is each partition's log start offset.
	logStart map[string]int64
}

// fixturePartitions are the partitions the fixture fills and checks.
var fixturePartitions = []struct {
	topic     string
	partition int32
}{{"a", 0}, {"a", 1}, {"b", 0}, {"c", 0}}

// buildDamageFixture fills a data dir: topic a (two partitions, one with a
// committed transaction), topic b with several segments and a log start
// moved by DeleteRecords, compacted topic c cleaned once, committed
// offsets of group g, a share group's state, a transaction's state, ACLs,
// SCRAM credentials, quotas, group configs, a dynamic broker config and
// finalized features; then
// stops the broker cleanly.
func buildDamageFixture(t *testing.T) damageFixture {
	t.Helper()
	dir := t.TempDir()
	cfg := Config{DataDir: dir, CleanerDisabled: true, Security: SecurityConfig{SASLUsers: map[string]string{"alice": "alice-secret"}}}
	tb := startBrokerWith(t, cfg)
	c := dial(t, tb.addr)
	c.createTopic("a", 2)
	if code, _ := c.createTopicWithConfigs("b", 1, map[string]*string{"segment.bytes": ptr("6000"), "retention.ms": ptr("-1")}); code != codeNone {
		t.Fatalf("create b: code %d", code)
	}
	if code, _ := c.createTopicWithConfigs("c", 1, map[string]*string{"cleanup.policy": ptr("compact"), "segment.bytes": ptr("1024"), "min.cleanable.dirty.ratio": ptr("0.01")}); code != codeNone {
		t.Fatalf("create c: code %d", code)
	}
	for i := range 6 {
		c.mustProduce("a", int32(i%2), makeBatch(recordsAt(int64(i*10), 3)...))
	}
	for i := range 30 { // three segments, each with index entries
		c.mustProduce("b", 0, bigBatch(int64(i)))
	}
	for i := range 12 {
		c.mustProduce("c", 0, keyedBatch(plain, put(fmt.Sprint("k", i%3), strings.Repeat("v", 200)+fmt.Sprint(i), int64(i))))
	}
	if code, _ := c.deleteRecords("b", 0, 2); code != codeNone {
		t.Fatalf("DeleteRecords: code %d", code)
	}
	pid, epoch := c.openTxn("tx", "a", 2)
	if code := c.endTxn(3, "tx", pid, epoch, true); code != codeNone {
		t.Fatalf("EndTxn: code %d", code)
	}
	for p := range int32(2) {
		if code := c.commitOffset("g", "a", p, int64(p+1)); code != codeNone {
			t.Fatalf("commit: code %d", code)
		}
	}
	tb.logs.CleanNow(context.Background(), time.Now())
	if r := alterQuota(t, tb.Broker, entity("user", "alice"), quotaOp{producerByteRate, 1024, false}); r.ErrorCode != codeNone {
		t.Fatalf("alter quota: %+v", r)
	}
	if err := tb.groupConfigs.alter("g", false, func(map[string]string) (map[string]string, *configError) {
		return map[string]string{"consumer.session.timeout.ms": "50000"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := tb.clientMetrics.alter("cm", false, func(map[string]string) (map[string]string, *configError) {
		return map[string]string{"interval.ms": "10000"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if code, msg := c.incrementalAlterConfigs(resourceBroker, "", false, configOp{"log.retention.ms", opSet, ptr("-1")}); code != codeNone {
		t.Fatalf("alter broker configs: code %d %s", code, deref(msg))
	}
	if err := tb.features.setTransactionVersion(1); err != nil {
		t.Fatal(err)
	}
	tb.sec.acls.mu.Lock()
	tb.sec.acls.acls = append(tb.sec.acls.acls, acl{resTopic, "a", patternLiteral, "User:alice", "*", aclRead, permissionAllow})
	err := tb.sec.acls.save()
	tb.sec.acls.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	f := damageFixture{dir: dir, records: map[string][]byte{}, logStart: map[string]int64{}}
	for _, fp := range fixturePartitions {
		key := partitionDirName(fp.topic, fp.partition)
		f.logStart[key] = tb.logs.Topic(fp.topic).Partitions[fp.partition].LogStartOffset()
		code, records := readPartition(c, fp.topic, fp.partition, f.logStart[key])
		if code != codeNone {
			t.Fatalf("read %s: code %d", key, code)
		}
		f.records[key] = records
	}
	tb.stop()
	shares, _, err := openShareState(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := shares.write(shareSnapshot{Group: "s", TopicID: tb.logs.Topic("a").ID, Partition: 0, StartOffset: 3, EndOffset: 3}); err != nil {
		t.Fatal(err)
	}
	shares.close()
	return f
}

// readPartition fetches a partition from offset to its high watermark.
func readPartition(c *testClient, topic string, partition int32, offset int64) (int16, []byte) {
	var got []byte
	for {
		code, hw, records := c.fetch(topic, partition, offset, 0, 0)
		if code != codeNone || offset >= hw || len(records) == 0 {
			return code, got
		}
		got = append(got, records...)
		hs, err := splitBatches(records)
		if err != nil || len(hs) == 0 {
			return code, got // served damaged: the caller's compare fails
		}
		offset = hs[len(hs)-1].LastOffset() + 1
	}
}

// A fileKind is one kind of file in the data dir, found in a fixture.
type fileKind struct {
	name string
	// path finds the file of this kind in a fixture dir.
	path func(t *testing.T, dir string) string
	// partition is the partition whose records the file holds or
	// describes, "" if none: the others must all be served as they were.
	partition string
	// derived marks a file rebuilt from the log: no damage to it may cost
	// a record.
	derived bool
	// offsets marks the file that holds the committed offsets.
	offsets bool
	// refuses marks a file whose damage stops the start, as a broker with
	// a damaged metadata log stops: the ACLs, credentials, quotas and
	// configs it holds would otherwise be silently dropped. A missing one
	// is a broker where none was ever set.
	refuses bool
	// quietDelete marks a file whose absence is a normal state (a broker
	// that never wrote it): its deletion cannot be told and needs no log
	// line. quietEmpty is the same for a file of zero bytes.
	quietDelete, quietEmpty bool
	// online marks a file whose damage must not take its partition
	// offline: an earlier segment's, whose damage costs its own records
	// alone, as in Kafka, whose LogLoader rebuilds its indexes.
	online bool
	// markers marks the file whose loss may make the broker write again
	// the transaction markers it had written: its partition may gain
	// control batches, and nothing else.
	markers string
}

// segmentFile finds the i-th file of a suffix in a partition dir of the
// fixture, counting from 0, or from the end if i is negative.
func segmentFile(partition, suffix string, i int) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		t.Helper()
		matches, err := filepath.Glob(filepath.Join(dir, partition, "*"+suffix))
		if err != nil || len(matches) < 2 {
			t.Fatalf("fixture: %d %s files in %s, want 2 or more (%v)", len(matches), suffix, partition, err)
		}
		slices.Sort(matches)
		if i < 0 {
			i += len(matches)
		}
		return matches[i]
	}
}

// withoutIndex finds a segment's .log as path does, and removes its
// offset index.
func withoutIndex(path func(t *testing.T, dir string) string) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string {
		t.Helper()
		p := path(t, dir)
		if err := os.Remove(strings.TrimSuffix(p, logSuffix) + offsetIndexSuffix); err != nil {
			t.Fatal(err)
		}
		return p
	}
}

func dataDirFile(rel string) func(t *testing.T, dir string) string {
	return func(t *testing.T, dir string) string { return filepath.Join(dir, rel) }
}

var fileKinds = []fileKind{
	{name: "older segment", path: segmentFile("b-0", logSuffix, 0), partition: "b-0", online: true},
	// The same with its offset index gone, so that the start rebuilds the
	// indexes from a damaged log (a crash can leave a segment without
	// them): that took the partition offline.
	{name: "older segment without its index", path: withoutIndex(segmentFile("b-0", logSuffix, 0)), partition: "b-0", online: true},
	{name: "middle segment", path: segmentFile("b-0", logSuffix, 1), partition: "b-0", online: true},
	{name: "active segment", path: segmentFile("b-0", logSuffix, -1), partition: "b-0"},
	{name: "offset index", path: segmentFile("b-0", offsetIndexSuffix, 0), partition: "b-0", derived: true, quietDelete: true, quietEmpty: true},
	{name: "time index", path: segmentFile("b-0", timeIndexSuffix, 0), partition: "b-0", derived: true, quietDelete: true, quietEmpty: true},
	{name: "compacted segment", path: segmentFile("c-0", logSuffix, -1), partition: "c-0"},
	{name: "partition.metadata", path: dataDirFile("a-1/" + partitionMetadataFile), partition: "a-1"},
	{name: "partition.metadata of partition 0", path: dataDirFile("a-0/" + partitionMetadataFile), partition: "a-0"},
	{name: "topic.config", path: dataDirFile("b-0/" + topicConfigFile), partition: "b-0", quietDelete: true},
	{name: "__consumer_offsets segment", path: dataDirFile("__consumer_offsets-0/00000000000000000000.log"), offsets: true},
	{name: "__consumer_offsets topic.config", path: dataDirFile("__consumer_offsets-0/" + topicConfigFile), quietDelete: true},
	{name: logStartCheckpointFile, path: dataDirFile(logStartCheckpointFile), partition: "b-0", quietDelete: true},
	{name: cleanerCheckpointFile, path: dataDirFile(cleanerCheckpointFile), derived: true, quietDelete: true},
	{name: horizonCheckpointFile, path: dataDirFile(horizonCheckpointFile), derived: true, quietDelete: true},
	{name: producerIDsFile, path: dataDirFile(producerIDsFile)},
	{name: txnStateFile, path: dataDirFile(txnStateFile), quietDelete: true, quietEmpty: true, markers: "a-0"},
	{name: shareStateFile, path: dataDirFile(shareStateFile), quietDelete: true, quietEmpty: true},
	{name: aclsFile, path: dataDirFile(aclsFile), refuses: true, quietDelete: true},
	{name: credentialsFile, path: dataDirFile(credentialsFile), refuses: true, quietDelete: true},
	{name: clientQuotasFile, path: dataDirFile(clientQuotasFile), refuses: true, quietDelete: true},
	{name: groupConfigFile, path: dataDirFile(groupConfigFile), refuses: true, quietDelete: true},
	{name: clientMetricsFile, path: dataDirFile(clientMetricsFile), refuses: true, quietDelete: true},
	{name: brokerConfigFile, path: dataDirFile(brokerConfigFile), refuses: true, quietDelete: true},
	{name: finalizedFeaturesFile, path: dataDirFile(finalizedFeaturesFile), refuses: true, quietDelete: true},
	{name: quorumStateFile, path: dataDirFile(quorumStateFile), refuses: true, quietDelete: true},
	{name: metaPropertiesFile, path: dataDirFile(metaPropertiesFile), refuses: true, quietDelete: true},
	{name: lockFile, path: dataDirFile(lockFile), quietDelete: true},
	{name: cleanShutdownFile, path: dataDirFile(cleanShutdownFile), quietDelete: true},
	{name: recoveryPointCheckpointFile, path: dataDirFile(recoveryPointCheckpointFile), derived: true, quietDelete: true},
}

// knownGaps are the cases where the broker falls short of the standard
// today, each with why: checkDamage logs their failures instead of
// failing, and fails if one passes, so that the table shrinks as they are
// fixed. A key is "kind/damage", or "kind/*" for every damage.
var knownGaps = map[string]string{
	// Kafka's TimeIndex.sanityCheck cannot tell either.
	"time index/cut in half": "a time index cut at an entry boundary is a valid shorter one",
	// Kafka's OffsetCheckpointFile cannot tell either; the check at a
	// clean start then only asks less of the log.
	"recovery-point-offset-checkpoint/last two bytes cut": "a checkpoint cut inside its last offset reads as a smaller offset",

	// A clean start checks the log ends Close left (checkLogEnds); after
	// a crash there is nothing to check them against.
	"active segment/zero length/after a crash":    "after a crash a lost tail is what an unsynced write leaves: nothing tells damage from it",
	"active segment/cut in half/after a crash":    "after a crash a lost tail is what an unsynced write leaves: nothing tells damage from it",
	"active segment/deleted/after a crash":        "after a crash a lost tail is what an unsynced write leaves: nothing tells damage from it",
	"active segment/a directory/after a crash":    "after a crash a lost tail is what an unsynced write leaves: nothing tells damage from it",
	"compacted segment/zero length/after a crash": "after a crash a lost tail is what an unsynced write leaves: nothing tells damage from it",
	"compacted segment/deleted/after a crash":     "after a crash a lost tail is what an unsynced write leaves: nothing tells damage from it",
	"compacted segment/a directory/after a crash": "after a crash a lost tail is what an unsynced write leaves: nothing tells damage from it",

	// A clean start reads no batch of an older segment (Kafka's
	// LogLoader does not either), and a read checks no CRC: the client's
	// check catches the damage.
	"older segment/bytes flipped":  "a batch damaged inside is served as it is, for the client's CRC check",
	"middle segment/bytes flipped": "a batch damaged inside is served as it is, for the client's CRC check",
	// The rebuild of its index finds the damage and logs it, but the
	// bytes are kept, and served, as in the segment whose index passes.
	"older segment without its index/bytes flipped": "a batch damaged inside is served as it is, for the client's CRC check",
	// After a crash the segment before the last is scanned, and cut at
	// the damaged batch with a WARN, the last segment deleted, as
	// Kafka's LogLoader does: whole batches after a bad one are also
	// what a power cut leaves of unsynced writes.
	"middle segment/bytes flipped/after a crash": "",
}

// gap returns the known gap of a case, "" if none: after a crash, a key
// ending in "/after a crash" comes first, and one with no reason says
// that the gap is not there after a crash.
func gap(kind fileKind, dmg damage, clean bool) string {
	if why, ok := knownGaps[kind.name+"/"+dmg.name+"/after a crash"]; ok && !clean {
		return why
	}
	return knownGaps[kind.name+"/"+dmg.name]
}

// A damage is one way a file can be damaged. apply reports false when
// it does not apply to the file (a cut of an empty file).
type damage struct {
	name  string
	apply func(t *testing.T, path string) bool
}

// cut truncates a file to the size to gives for its size.
func cut(name string, to func(size int64) int64) damage {
	return damage{name, func(t *testing.T, path string) bool {
		size := fileSize(t, path)
		if size == 0 || to(size) >= size {
			return false
		}
		if err := os.Truncate(path, to(size)); err != nil {
			t.Fatal(err)
		}
		return true
	}}
}

// rewrite replaces a file's bytes with what change makes of them.
func rewrite(name string, change func(b []byte) []byte) damage {
	return damage{name, func(t *testing.T, path string) bool {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) == 0 {
			return false
		}
		if err := os.WriteFile(path, change(b), 0o644); err != nil {
			t.Fatal(err)
		}
		return true
	}}
}

// noise is n pseudo-random bytes, the same on every run.
func noise(n int, seed uint32) []byte {
	b := make([]byte, n)
	for i := range b {
		seed = seed*1664525 + 1013904223
		b[i] = byte(seed >> 24)
	}
	return b
}

var damages = []damage{
	cut("zero length", func(int64) int64 { return 0 }),
	cut("cut to one byte", func(int64) int64 { return 1 }),
	cut("cut in half", func(size int64) int64 { return size / 2 }),
	// Two, so that a text file loses more than its last newline.
	cut("last two bytes cut", func(size int64) int64 { return size - 2 }),
	rewrite("bytes flipped", func(b []byte) []byte {
		for i, r := range noise(3, uint32(len(b))) {
			b[(len(b)*(i+1)/4+int(r))%len(b)] ^= 0xff
		}
		return b
	}),
	rewrite("garbage", func(b []byte) []byte { return noise(len(b), 7) }),
	{"deleted", func(t *testing.T, path string) bool {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		return true
	}},
	{"a directory", func(t *testing.T, path string) bool {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(path, 0o755); err != nil {
			t.Fatal(err)
		}
		return true
	}},
}

// TestDamageMatrix damages each kind of file each way, after a clean stop
// and after a crash (no clean shutdown marker), starts a broker on the
// result and checks what the package doc promises: a start (or, for the
// files that refuse, an error naming the file), a WARN or ERROR naming
// the file, and every record and offset the damage did not touch.
//
// Unreadable files (mode 000) are not in the table: the tests run as
// root, whom no mode keeps from reading, and a file the broker cannot
// open fails as a directory in its place does (EISDIR, EACCES: both an
// open or read error).
func TestDamageMatrix(t *testing.T) {
	f := buildDamageFixture(t)
	for _, kind := range fileKinds {
		for _, dmg := range damages {
			for _, clean := range []bool{true, false} {
				name := kind.name + "/" + dmg.name
				if !clean {
					if kind.partition == "" || kind.name == cleanShutdownFile {
						continue
					}
					name += "/after a crash"
				}
				t.Run(name, func(t *testing.T) { checkDamage(t, f, kind, dmg, clean) })
			}
		}
	}
}

// copyDir copies the fixture's tree to a new dir.
func copyDir(t *testing.T, from string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "data")
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
	return to
}

func checkDamage(t *testing.T, f damageFixture, kind fileKind, dmg damage, clean bool) {
	dir := copyDir(t, f.dir)
	if !clean {
		if err := os.Remove(filepath.Join(dir, cleanShutdownFile)); err != nil {
			t.Fatal(err)
		}
	}
	path := kind.path(t, dir)
	if !dmg.apply(t, path) {
		t.Skip("does not apply to an empty file")
	}
	var logs syncBuffer
	failures := checkDamaged(t, f, kind, dmg, dir, path, &logs)
	why := gap(kind, dmg, clean)
	switch {
	case why == "" && len(failures) > 0:
		t.Errorf("%s\nbroker log:\n%s", strings.Join(failures, "\n"), logs.String())
	case why != "" && len(failures) == 0:
		t.Errorf("known gap %q no longer fails: remove it from knownGaps", why)
	case why != "":
		t.Logf("known gap (%s): %s", why, strings.Join(failures, "; "))
	}
}

// checkDamaged starts a broker on a damaged data dir and returns what it
// did wrong. A panic or a hang fails the test at once.
func checkDamaged(t *testing.T, f damageFixture, kind fileKind, dmg damage, dir, path string, logs *syncBuffer) (failures []string) {
	fail := func(format string, args ...any) { failures = append(failures, fmt.Sprintf(format, args...)) }
	cfg := Config{DataDir: dir, CleanerDisabled: true, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	type opened struct {
		b   *Broker
		err error
	}
	done := make(chan opened, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- opened{err: fmt.Errorf("panic: %v", r)}
			}
		}()
		b, err := Open(cfg)
		done <- opened{b, err}
	}()
	var o opened
	select {
	case o = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("Open hangs\n%s", logs.String())
	}
	if o.err != nil {
		// A file that cannot be read at all (a directory in its place)
		// may stop the start of any broker, as Kafka stops on an
		// unreadable log dir, if the error says which file.
		refuses := kind.refuses || dmg.name == "a directory"
		if strings.HasPrefix(o.err.Error(), "panic") {
			t.Fatalf("Open: %v\n%s", o.err, logs.String())
		}
		if !refuses || !strings.Contains(o.err.Error(), filepath.Base(path)) {
			fail("Open: %v; want a start", o.err)
		}
		// The stores that stop a start say how to get past it.
		if kind.refuses && (!strings.Contains(o.err.Error(), path) || !strings.Contains(o.err.Error(), "restore it from a backup")) {
			fail("Open: %v; want the file's path and the way out", o.err)
		}
		t.Logf("refused: %v", o.err)
		return failures
	}
	tb := serveOpened(t, o.b)
	c := dial(t, tb.addr)
	c.conn.SetDeadline(time.Now().Add(20 * time.Second))
	// The log line may come at the start or at the first read of what
	// is damaged, so it is looked for after the reads.
	var reads []func(logged bool)
	for _, fp := range fixturePartitions {
		key := partitionDirName(fp.topic, fp.partition)
		want := f.records[key]
		code, got := readPartition(c, fp.topic, fp.partition, f.logStart[key])
		if code == codeOffsetOutOfRange && key == kind.partition {
			// The damage moved the log start: what is left is read.
			_, start := c.listOffset(fp.topic, fp.partition, earliestTimestamp)
			code, got = readPartition(c, fp.topic, fp.partition, start)
		}
		reads = append(reads, func(logged bool) { checkRead(kind, key, code, got, want, logged, fail) })
	}
	logged := namedInWarning(logs.String(), path)
	if line := warningNaming(logs.String(), path); line != "" {
		_, msg, _ := strings.Cut(line, " level=")
		t.Logf("logged: %s", strings.ReplaceAll(msg, dir+"/", ""))
	}
	quiet := dmg.name == "deleted" && kind.quietDelete || dmg.name == "zero length" && kind.quietEmpty ||
		dmg.name == "a directory" && filepath.Base(path) == cleanShutdownFile // removed as the marker is
	if !logged && !quiet {
		fail("no WARN or ERROR names %s", path)
	}
	for _, check := range reads {
		check(logged)
	}
	// Timestamps are looked up through the time indexes.
	if kind.partition != "b-0" || kind.derived {
		for _, ts := range []int64{5, 20, maxTimestamp} {
			want := ts
			if ts == maxTimestamp {
				want = 29
			}
			if code, offset := c.listOffset("b", 0, ts); code != codeNone || offset != want {
				fail("b-0: ListOffsets at timestamp %d: code %d, offset %d, want %d", ts, code, offset, want)
			}
		}
	}
	if !kind.offsets {
		for p := range int32(2) {
			if code, offset, _ := c.offsetFetchOne("g", "a", p, false); code != codeNone || offset != int64(p+1) {
				fail("group g, a-%d: code %d, offset %d, want %d", p, code, offset, p+1)
			}
		}
	}
	// The broker takes writes where the damage allows them.
	if kind.partition != "a-1" {
		if code, _ := c.produce("a", 1, makeBatch(recordsAt(1000, 1)...)); code != codeNone {
			fail("produce to a-1: code %d", code)
		}
	}
	return failures
}

// checkRead checks what a read of partition key served after the damage
// against what it served before: the same, unless the damage was to the
// partition's own records, which may then be offline (KAFKA_STORAGE_ERROR)
// or served in part, with a log line saying so; never served altered.
func checkRead(kind fileKind, key string, code int16, got, want []byte, logged bool, fail func(string, ...any)) {
	switch {
	case key == kind.markers:
		if code != codeNone || !batchPrefix(want, got) || !onlyControl(got[len(want):]) {
			fail("%s: code %d, %d bytes of %d: records lost or added", key, code, len(got), len(want))
		}
	case key != kind.partition || kind.derived:
		if code != codeNone || !sameBatches(got, want) {
			fail("%s: code %d, %d bytes of %d: records lost", key, code, len(got), len(want))
		}
	case code == codeKafkaStorageError && kind.online:
		fail("%s: KAFKA_STORAGE_ERROR: damage to an earlier segment must cost its own records alone", key)
	case code == codeKafkaStorageError && logged:
		// Offline, or a read failed on the damage: what it allows.
	case code != codeNone && code != codeKafkaStorageError || !batchSubset(got, want):
		fail("%s: code %d, %d bytes that are not acknowledged batches (of %d bytes)", key, code, len(got), len(want))
	case len(got) < len(want) && !logged:
		fail("%s: code %d, %d of %d bytes served, and no log line says why", key, code, len(got), len(want))
	}
}

// batchSubset reports whether got's batches are some of want's, in order.
func batchSubset(got, want []byte) bool {
	for len(got) > 0 {
		g, err := parseBatchHeader(got)
		if err != nil || len(got) < g.Size() {
			return false
		}
		for {
			w, err := parseBatchHeader(want)
			if err != nil || len(want) < w.Size() {
				return false
			}
			same := g.Size() == w.Size() && bytes.Equal(got[batchMagicOffset:g.Size()], want[batchMagicOffset:w.Size()])
			want = want[w.Size():]
			if same {
				break
			}
		}
		got = got[g.Size():]
	}
	return true
}

// onlyControl reports whether records holds control batches alone.
func onlyControl(records []byte) bool {
	hs, err := splitBatches(records)
	return err == nil && !slices.ContainsFunc(hs, func(h batchHeader) bool { return !h.isControl() })
}

// serveOpened serves an opened broker until the test ends.
func serveOpened(t *testing.T, b *Broker) *testBroker {
	t.Helper()
	addr, serveStop := serveOpenBroker(t, b)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			if err := serveStop(); err != nil {
				t.Errorf("Serve: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return &testBroker{Broker: b, addr: addr, stop: stop}
}

// namedInWarning reports whether a WARN or ERROR line of logs names the
// file at path: by its path, or by its partition dir and name, or for a
// segment's files by the partition dir and the segment's base offset, or
// for a file of the data dir itself by its name.
func namedInWarning(logs, path string) bool { return warningNaming(logs, path) != "" }

// warningNaming is the first line namedInWarning finds, or "".
func warningNaming(logs, path string) string {
	base := filepath.Base(path)
	part := filepath.Base(filepath.Dir(path))
	segment := ""
	if digits, _, ok := strings.Cut(base, "."); ok && len(digits) == 20 {
		n, _ := strconv.ParseInt(digits, 10, 64)
		segment = fmt.Sprint("segment=", n)
	}
	inDataDir := !strings.Contains(part, "-")
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, "level=WARN") && !strings.Contains(line, "level=ERROR") {
			continue
		}
		switch {
		case strings.Contains(line, path),
			strings.Contains(line, base) && (inDataDir || strings.Contains(line, part)),
			segment != "" && strings.Contains(line, part):
			return line
		}
	}
	return ""
}

// batchPrefix reports whether got is the first batches of want.
func batchPrefix(got, want []byte) bool {
	for len(got) > 0 {
		h, err := parseBatchHeader(want)
		if err != nil || len(got) < h.Size() || !bytes.Equal(got[batchMagicOffset:h.Size()], want[batchMagicOffset:h.Size()]) {
			return false
		}
		got, want = got[h.Size():], want[h.Size():]
	}
	return true
}

// TestLogEndCheckedAfterCleanStop empties a partition's active segment
// between a clean stop and a start: the partition must come up offline
// with an ERROR, stay offline across a clean restart, and serve what is
// left once the operator removes its line from the checkpoint, as the
// ERROR says.
func TestLogEndCheckedAfterCleanStop(t *testing.T) {
	dir := t.TempDir()
	tb, c := startWithTopicUsing(t, Config{DataDir: dir}, "t", 2)
	for i := range 4 {
		c.mustProduce("t", 0, makeBatch(recordsAt(int64(i), 1)...))
		c.mustProduce("t", 1, makeBatch(recordsAt(int64(i), 1)...))
	}
	tb.stop()
	if err := os.Truncate(segmentPath(filepath.Join(dir, "t-1"), 0, logSuffix), 0); err != nil {
		t.Fatal(err)
	}

	for run := range 2 { // the second start follows a clean stop of the first
		var logs syncBuffer
		tb = startBrokerWith(t, Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
		c = dial(t, tb.addr)
		if code, _, _ := c.fetch("t", 1, 0, 0, 0); code != codeKafkaStorageError {
			t.Errorf("start %d: fetch from the emptied partition: code %d, want KAFKA_STORAGE_ERROR", run, code)
		}
		if code, hw, _ := c.fetch("t", 0, 0, 0, 0); code != codeNone || hw != 4 {
			t.Errorf("start %d: fetch from the other partition: code %d, high watermark %d, want 0, 4", run, code, hw)
		}
		if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "log_end_offset_at_stop=4") {
			t.Errorf("start %d: no ERROR says what was lost:\n%s", run, logs.String())
		}
		tb.stop()
	}

	path := filepath.Join(dir, recoveryPointCheckpointFile)
	es, err := readCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	es = slices.DeleteFunc(es, func(e checkpointEntry) bool { return e.topic == "t" && e.partition == 1 })
	if err := writeCheckpoint(path, es); err != nil {
		t.Fatal(err)
	}
	tb = startBroker(t, dir)
	c = dial(t, tb.addr)
	if code, hw, _ := c.fetch("t", 1, 0, 0, 0); code != codeNone || hw != 0 {
		t.Errorf("after the line was removed: code %d, high watermark %d, want 0, 0", code, hw)
	}
}

// TestStoredJSONDamageThatStillParses damages the JSON files of the data
// dir where json.Unmarshal still reads them, as TestShareStateDamageThatStillParses
// does share-state.jsonl's lines: a byte flipped in a key, which it
// skipped, leaving the field's zero value; a byte that is not UTF-8,
// which it read as U+FFFD, another name; and a value no API would have
// stored. Each file is written by the broker's own writer first, and
// must open as written; each damage must stop the open with an error
// naming the file (the legacy transaction state: its "unknown format"),
// never load a state the file did not hold.
func TestStoredJSONDamageThatStillParses(t *testing.T) {
	for _, tc := range []struct {
		file  string
		write func(t *testing.T, dir string)
		open  func(dir string) error
		// damages are the replacements, each of the first place of a
		// string the file holds.
		damages map[string][2]string
	}{
		{aclsFile, func(t *testing.T, dir string) {
			s := &aclStore{path: filepath.Join(dir, aclsFile), acls: []acl{{resTopic, "orders", patternLiteral, "User:alice", "10.0.0.1", aclRead, permissionDeny}}}
			if err := s.save(); err != nil {
				t.Fatal(err)
			}
		}, func(dir string) error { _, err := openACLStore(dir); return err }, map[string][2]string{
			"host key flipped":         {`"host"`, `"hosu"`},
			"permission key not UTF-8": {`"permission"`, "\"pe\xf2mission\""},
			"permission ANY":           {`"permission": 2`, `"permission": 1`},
			"more after the array":     {"]\n", "]{}\n"},
		}},
		{credentialsFile, func(t *testing.T, dir string) {
			s := &credentialStore{path: filepath.Join(dir, credentialsFile), users: map[string]map[string]scramCredential{}}
			if err := s.bootstrap(map[string]string{"alice": "secret"}); err != nil {
				t.Fatal(err)
			}
		}, func(dir string) error { _, err := openCredentialStore(dir); return err }, map[string][2]string{
			"stored_key key flipped": {`"stored_key"`, `"stored_kez"`},
			"mechanism flipped":      {`"SCRAM-SHA-256"`, `"SCRAM-SHA-254"`},
			"iterations too few":     {`"iterations": 4096`, `"iterations": 4016`},
		}},
		{clientQuotasFile, func(t *testing.T, dir string) {
			q, err := openClientQuotas(dir, 11, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			for _, user := range []string{"app1", "app2"} {
				if code, msg := q.alter([]quotaEntityData{{EntityType: "user", EntityName: ptr(user)}}, []quotaOp{{Key: "producer_byte_rate", Value: 1024}}, false); code != codeNone {
					t.Fatal(msg)
				}
			}
		}, func(dir string) error { _, err := openClientQuotas(dir, 11, time.Second); return err }, map[string][2]string{
			"name key flipped":          {`"name"`, `"nale"`},
			"values key flipped":        {`"values"`, `"valuer"`},
			"quota key flipped":         {`"producer_byte_rate"`, `"producer_byte_ratd"`},
			"user flipped to another's": {`"app2"`, `"app1"`},
		}},
		{finalizedFeaturesFile, func(t *testing.T, dir string) {
			f, err := openFinalizedFeatures(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.set(map[string]int16{groupVersionFeature: 0}); err != nil {
				t.Fatal(err)
			}
		}, func(dir string) error { _, err := openFinalizedFeatures(dir); return err }, map[string][2]string{
			"group.version key flipped": {`"group.version"`, `"group.versiom"`},
		}},
		{quorumStateFile, func(t *testing.T, dir string) {
			if _, err := openQuorumState(dir); err != nil {
				t.Fatal(err)
			}
		}, func(dir string) error { _, err := openQuorumState(dir); return err }, map[string][2]string{
			"endOffset key flipped": {`"endOffset"`, `"endOffsdt"`},
		}},
		{groupConfigFile, func(t *testing.T, dir string) {
			s, err := openGroupConfigs(dir)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.alter("orders-app", false, func(map[string]string) (map[string]string, *configError) {
				return map[string]string{consumerSessionTimeoutConfig: "50000"}, nil
			}); err != nil {
				t.Fatal(err)
			}
		}, func(dir string) error { _, err := openGroupConfigs(dir); return err }, map[string][2]string{
			"group name not UTF-8": {`"orders-app"`, "\"orders\xadapp\""},
		}},
		{groupConfigFile, func(t *testing.T, dir string) {
			s, err := openGroupConfigs(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range []string{"app1", "app2"} {
				if err := s.alter(g, false, func(map[string]string) (map[string]string, *configError) {
					return map[string]string{consumerSessionTimeoutConfig: "50000"}, nil
				}); err != nil {
					t.Fatal(err)
				}
			}
		}, func(dir string) error { _, err := openGroupConfigs(dir); return err }, map[string][2]string{
			"group name flipped to another's": {`"app2"`, `"app1"`},
		}},
		{aclsFile, func(t *testing.T, dir string) {
			s := &aclStore{path: filepath.Join(dir, aclsFile)}
			for _, p := range []string{"User:app1", "User:app2"} {
				s.acls = append(s.acls, acl{resTopic, "orders", patternLiteral, p, "*", aclWrite, permissionDeny})
			}
			if err := s.save(); err != nil {
				t.Fatal(err)
			}
		}, func(dir string) error { _, err := openACLStore(dir); return err }, map[string][2]string{
			"principal flipped to another's": {`"User:app2"`, `"User:app1"`},
		}},
		{txnStateFile, func(t *testing.T, dir string) {
			legacy, err := json.Marshal(legacyTxnState{Transactions: []*txnMeta{{ID: "t", ProducerID: 7, State: txnOngoing, Partitions: []txnPartition{{"orders", 0}}}}})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, txnStateFile), legacy, 0o644); err != nil {
				t.Fatal(err)
			}
		}, func(dir string) error {
			l, _, err := openTxnStateLog(filepath.Join(dir, txnStateFile), false, slog.New(slog.DiscardHandler))
			if err == nil {
				l.close()
			}
			return err
		}, map[string][2]string{
			"transactions key flipped": {`"transactions"`, `"transactionr"`},
			"partitions key flipped":   {`"partitions"`, `"partitiols"`},
		}},
	} {
		for name, change := range tc.damages {
			t.Run(tc.file+"/"+name, func(t *testing.T) {
				dir := t.TempDir()
				tc.write(t, dir)
				if err := tc.open(dir); err != nil {
					t.Fatalf("the file as written does not open: %v", err)
				}
				path := filepath.Join(dir, tc.file)
				if tc.file == txnStateFile {
					tc.write(t, dir) // the open compacted it into records
				}
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Contains(b, []byte(change[0])) {
					t.Fatalf("%q is not in the file:\n%s", change[0], b)
				}
				if err := os.WriteFile(path, bytes.Replace(b, []byte(change[0]), []byte(change[1]), 1), 0o644); err != nil {
					t.Fatal(err)
				}
				err = tc.open(dir)
				switch {
				case err == nil:
					t.Fatal("the damaged file opened")
				case !strings.Contains(err.Error(), tc.file):
					t.Errorf("the error does not name the file: %v", err)
				}
			})
		}
	}
}
