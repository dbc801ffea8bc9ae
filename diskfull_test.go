package kafka

// Tests of a full disk: produce, restart, DeleteRecords, topic and admin
// changes and the share state on a data dir that has no space left,
// simulated with a small tmpfs (mountTmpfs) filled to the last byte
// (fillDisk). What each must keep is in README.md's durability table.

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// mountTmpfs mounts a tmpfs of size bytes on a new dir, which the test
// unmounts at its end. Mounting takes root, which CI has; elsewhere the
// test is skipped, with the reason.
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("a full disk is simulated with a small tmpfs, and mounting one needs root")
	}
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d", size)); err != nil {
		// In a container, root may lack CAP_SYS_ADMIN. CI's root has it,
		// and there a test that cannot run is a failure.
		if errors.Is(err, syscall.EPERM) && os.Getenv("CI") != "true" {
			t.Skipf("a full disk is simulated with a small tmpfs, and mounting one was refused: %v", err)
		}
		t.Fatalf("mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// TestDiskFull produces to a broker on a small tmpfs until the disk is
// full: the produce that does not fit is answered KAFKA_STORAGE_ERROR with
// a message, what it wrote in part is cut off again, and once space is
// freed produces go on. Every acknowledged batch is read back once, before
// and after a restart.
func TestDiskFull(t *testing.T) {
	dir := mountTmpfs(t, 1<<20)
	data := filepath.Join(dir, "data")
	tb, c := startWithTopicUsing(t, Config{DataDir: data}, "t", 1)
	// Fill the disk but for about 100 KiB.
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(make([]byte, int64(st.Bavail)*st.Bsize-100<<10)); err != nil {
		t.Fatal(err)
	}
	f.Close()

	var acked [][]byte
	batch := func(i int) []byte { return makeBatch(testRecord{int64(i), strings.Repeat("x", 20000) + fmt.Sprint(i)}) }
	segment := segmentPath(filepath.Join(data, "t-0"), 0, logSuffix)
	full := false
	for i := 0; i < 100 && !full; i++ {
		r := c.roundTrip(0, 9, true, produceBody("t", 0, batch(i)))
		code, msg := readProduceError(t, r)
		switch code {
		case codeNone:
			acked = append(acked, batch(i))
		case codeKafkaStorageError:
			full = true
			if msg == nil || !strings.Contains(*msg, "no space left on device") {
				t.Errorf("storage error message %v, want one saying the disk is full", msg)
			}
		default:
			t.Fatalf("produce %d: code %d", i, code)
		}
	}
	if !full || len(acked) == 0 {
		t.Fatalf("%d produces acknowledged, disk full %v: the test needs both", len(acked), full)
	}
	if size, want := fileSize(t, segment), int64(len(bytes.Join(acked, nil))); size != want {
		t.Errorf("segment is %d bytes after the failed append, want %d: the part written was not cut off", size, want)
	}
	// Whatever room the failed append left goes too; then a commit
	// cannot be stored either, and is answered as Kafka answers it.
	if err := os.WriteFile(filler+"2", make([]byte, 1<<20), 0o644); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("topping up the filler: %v, want ENOSPC", err)
	}
	if code := c.commitOffset("g", "t", 0, 1); code != codeNotCoordinator {
		t.Errorf("commit on a full disk: code %d, want NOT_COORDINATOR", code)
	}

	os.Remove(filler + "2")
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if code := c.commitOffset("g", "t", 0, 1); code != codeNone {
		t.Errorf("commit once space is free: code %d", code)
	}
	for i := range 3 {
		i += 1000
		if code, _ := c.produce("t", 0, batch(i)); code != codeNone {
			t.Fatalf("produce once space is free: code %d", code)
		}
		acked = append(acked, batch(i))
	}
	check := func(when string) {
		var got []byte
		for offset := int64(0); offset < int64(len(acked)); {
			code, _, records := c.fetch("t", 0, offset, 0, 0)
			if code != codeNone || len(records) == 0 {
				t.Fatalf("%s: fetch at %d: code %d, %d bytes", when, offset, code, len(records))
			}
			hs, _ := splitBatches(records)
			offset = hs[len(hs)-1].LastOffset() + 1
			got = append(got, records...)
		}
		if !sameBatches(got, bytes.Join(acked, nil)) {
			t.Errorf("%s: the log differs from the acknowledged batches", when)
		}
	}
	check("before a restart")
	tb.stop()
	tb = startBrokerWith(t, Config{DataDir: data})
	c = dial(t, tb.addr)
	check("after a restart")
	tb.stop()
}

// fillDisk writes a file into dir until the volume has no room left, and
// returns its path: removing it frees the space.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			break
		}
	}
	for _, n := range []int{4096, 512, 1} { // what a partial page may still take
		for {
			if _, err := f.Write(chunk[:n]); err != nil {
				break
			}
		}
	}
	return filler
}

// TestRestartOnFullDisk restarts a broker on a full disk after a stop that
// left no clean shutdown marker, so that recovery scans the last segments
// and would rewrite their indexes, and with a transaction state, a share
// state and a stale log start checkpoint that opening would rewrite. None
// of that may keep the broker from starting, which would leave it in a
// restart loop until an operator freed space: it opens, every partition is
// online and serves what it held, and once space is freed produces go on.
func TestRestartOnFullDisk(t *testing.T) {
	dir := mountTmpfs(t, 2<<20)
	data := filepath.Join(dir, "data")
	tb, c := startWithTopicUsing(t, Config{DataDir: data}, "t", 1)
	var acked []byte
	for i := range 20 { // several index intervals: the indexes have entries
		batch := makeBatch(testRecord{int64(i), strings.Repeat("x", 1000) + fmt.Sprint(i)})
		if code, _ := c.produce("t", 0, batch); code != codeNone {
			t.Fatalf("produce %d: code %d", i, code)
		}
		acked = append(acked, batch...)
	}
	tb.stop()

	txns, _, err := openTxnStateLog(filepath.Join(data, txnStateFile), false, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := txns.put(&txnMeta{ID: "tx", ProducerID: 7, State: txnCompleteCommit, LastProducerEpoch: -1}); err != nil {
		t.Fatal(err)
	}
	txns.close()
	shares, _, err := openShareState(data, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := shares.write(shareSnapshot{Group: "s", Partition: 0, StartOffset: 3, EndOffset: 3}); err != nil {
		t.Fatal(err)
	}
	shares.close()
	checkpoint := filepath.Join(data, logStartCheckpointFile)
	if err := os.WriteFile(checkpoint, []byte("0\n2\nt 0 0\ngone 0 5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(data, cleanShutdownFile)); err != nil {
		t.Fatal(err)
	}
	filler := fillDisk(t, dir)

	var logs syncBuffer
	tb = startBrokerWith(t, Config{DataDir: data, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c = dial(t, tb.addr)
	var got []byte
	for offset := int64(0); offset < 20; {
		code, _, records := c.fetch("t", 0, offset, 0, 0)
		if code != codeNone || len(records) == 0 {
			t.Fatalf("fetch at %d on a full disk: code %d, %d bytes\n%s", offset, code, len(records), logs.String())
		}
		hs, _ := splitBatches(records)
		offset = hs[len(hs)-1].LastOffset() + 1
		got = append(got, records...)
	}
	if !sameBatches(got, acked) {
		t.Errorf("the log read on a full disk differs from the acknowledged batches")
	}
	if !strings.Contains(logs.String(), "no space left on device") {
		t.Errorf("nothing in the log says the disk is full:\n%s", logs.String())
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	batch := makeBatch(testRecord{99, "after"})
	if code, offset := c.produce("t", 0, batch); code != codeNone || offset != 20 {
		t.Errorf("produce once space is free: code %d offset %d, want 0 at 20", code, offset)
	}
	tb.stop()
}

// TestCleanRestartOnFullDisk restarts a broker that stopped cleanly on a
// disk that filled up while it was down: no recovery frees a page, and the
// start's election must still be kept (quorum-state.json), so that the
// broker starts and its epoch moves on, rather than exiting at every start
// until an operator frees space.
func TestCleanRestartOnFullDisk(t *testing.T) {
	dir := mountTmpfs(t, 1<<20)
	data := filepath.Join(dir, "data")
	tb, c := startWithTopicUsing(t, Config{DataDir: data}, "t", 1)
	batch := makeBatch(testRecord{0, "kept"})
	c.mustProduce("t", 0, batch)
	epoch, _ := c.quorumStatus()
	tb.stop()
	filler := fillDisk(t, dir)

	var logs syncBuffer
	b, err := Open(Config{DataDir: data, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatalf("start on a full disk after a clean stop: %v", err)
	}
	addr, stop := serveOpenBroker(t, b)
	c = dial(t, addr)
	if code, _, records := c.fetch("t", 0, 0, 0, 0); code != codeNone || !sameBatches(records, batch) {
		t.Errorf("fetch on a full disk: code %d, %d bytes", code, len(records))
	}
	if now, _ := c.quorumStatus(); now != epoch+1 {
		t.Errorf("epoch on a full disk: %d, want %d", now, epoch+1)
	}
	if err := stop(); err != nil {
		t.Errorf("Serve: %v", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	// The epoch of the start on the full disk was kept: the next is past it.
	tb = startBrokerWith(t, Config{DataDir: data})
	if now, _ := dial(t, tb.addr).quorumStatus(); now != epoch+2 {
		t.Errorf("epoch after the start on a full disk: %d, want %d", now, epoch+2)
	}
}

// TestShareStateWriteOnFullDisk appends to the share state file on a full
// disk with a line that fits only in part: the part written must be cut
// off again, or the file holds a broken line before the next good one,
// which the next start takes for damage and refuses.
func TestShareStateWriteOnFullDisk(t *testing.T) {
	dir := mountTmpfs(t, 1<<20)
	l, _, err := openShareState(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	first := shareSnapshot{Group: "g", Partition: 0, StartOffset: 1, EndOffset: 1}
	if err := l.write(first); err != nil {
		t.Fatal(err)
	}
	filler := fillDisk(t, dir)
	big := shareSnapshot{Group: "g", Partition: 1, StartOffset: 0, EndOffset: 1000}
	for o := range int64(1000) { // a line of several pages
		big.Records = append(big.Records, snapshotRecord{Offset: o, Deliveries: 1})
	}
	if err := l.write(big); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write on a full disk: %v, want ENOSPC", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	last := shareSnapshot{Group: "g", Partition: 2, StartOffset: 5, EndOffset: 5}
	if err := l.write(last); err != nil {
		t.Fatal(err)
	}
	l.close()
	l, snaps, err := openShareState(dir, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("reopen after a write the disk cut short: %v", err)
	}
	defer l.close()
	for _, want := range []shareSnapshot{first, last} {
		if got, ok := snaps[shareKey{want.Group, topicIDPartition{want.TopicID, want.Partition}}]; !ok || got.StartOffset != want.StartOffset {
			t.Errorf("partition %d: snapshot %+v, want %+v", want.Partition, got, want)
		}
	}
}

// TestDeleteRecordsRetriedOnFullDisk: a DeleteRecords whose checkpoint
// cannot be written on a full disk fails, and so must its retry, which
// finds the log start already moved in memory: answered as done, the
// start it reports was in no checkpoint, and a crash would bring the
// deleted records back. Once space is freed the retry succeeds, and the
// checkpoint on disk holds the start.
func TestDeleteRecordsRetriedOnFullDisk(t *testing.T) {
	mnt := mountTmpfs(t, 1<<20)
	dir := filepath.Join(mnt, "data")
	tb, c := startWithTopicUsing(t, Config{DataDir: dir}, "t", 1)
	for i := range 10 {
		c.mustProduce("t", 0, makeBatch(testRecord{int64(i), "v"}))
	}
	filler := fillDisk(t, mnt)
	if code, _ := c.deleteRecords("t", 0, 5); code == codeNone {
		t.Fatalf("DeleteRecords on a full disk answered as done")
	}
	if code, low := c.deleteRecords("t", 0, 5); code == codeNone {
		t.Errorf("the retry on a full disk answered as done, low watermark %d", low)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if code, low := c.deleteRecords("t", 0, 5); code != codeNone || low != 5 {
		t.Errorf("the retry once space is free: code %d, low watermark %d; want 0, 5", code, low)
	}
	es, err := readCheckpoint(filepath.Join(dir, logStartCheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(es, checkpointEntry{"t", 0, 5}) {
		t.Errorf("checkpoint after the retry: %v, want t 0 at 5", es)
	}
	tb.stop()
}

// TestDeleteTopicOnFullDisk deletes a topic on a full disk, after
// DeleteRecords moved its log start offset: the deletion commits with a
// rename, which needs no space, so it is answered as done, though the
// checkpoint cannot be rewritten. The stale entry must not outlive it: a
// topic created later under the name inherited it at the next start, its
// records hidden below the old log start offset.
func TestDeleteTopicOnFullDisk(t *testing.T) {
	mnt := mountTmpfs(t, 1<<20)
	dir := filepath.Join(mnt, "data")
	d, err := openLogDir(dir, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	old, err := d.CreateTopic("t", 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		appendBatches(t, old.Partitions[0], makeBatch(testRecord{int64(i), "old"}))
	}
	if _, err := d.DeleteRecords(old, 0, 4); err != nil {
		t.Fatal(err)
	}
	filler := fillDisk(t, mnt)
	if err := d.DeleteTopic("t"); err != nil {
		t.Errorf("DeleteTopic on a full disk: %v, want success: the rename committed it", err)
	}
	if d.Topic("t") != nil {
		t.Fatal("the topic is still there")
	}
	os.Remove(filler)
	fresh, err := d.CreateTopic("t", 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		appendBatches(t, fresh.Partitions[0], makeBatch(testRecord{int64(i), "new"}))
	}
	d.Close()
	d, err = openLogDir(dir, logOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if start := d.Topic("t").Partitions[0].LogStartOffset(); start != 0 {
		t.Errorf("the new topic starts at %d after a restart, want 0: it inherited the deleted one's log start", start)
	}
}

// TestCreateTopicsOnFullDisk: CreateTopics on a full data disk is
// KAFKA_STORAGE_ERROR, Kafka's code for a log dir that failed, with a
// message saying the disk is full, and a log line; nothing is made, and
// once space is freed the topic is made. (Kafka's KRaft controller would
// record the topic and the broker then fail its log dir, leaving the
// partitions offline; with the one dir for both here, the client is told
// at once.)
func TestCreateTopicsOnFullDisk(t *testing.T) {
	mnt := mountTmpfs(t, 1<<20)
	var logs syncBuffer
	tb := startBrokerWith(t, Config{DataDir: filepath.Join(mnt, "data"), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c := dial(t, tb.addr)
	filler := fillDisk(t, mnt)
	res := c.createTopicsRaw([]creatableTopic{{Name: "t", NumPartitions: 3, ReplicationFactor: 1}}, false)[0]
	if res.ErrorCode != codeKafkaStorageError || res.ErrorMessage == nil || !strings.Contains(*res.ErrorMessage, "no space left on device") {
		t.Errorf("CreateTopics on a full disk: %s, want KAFKA_STORAGE_ERROR saying the disk is full", outcome(res.ErrorCode, res.ErrorMessage))
	}
	if tb.logs.Topic("t") != nil {
		t.Error("the topic was made on a full disk")
	}
	if !strings.Contains(logs.String(), "level=ERROR") || !strings.Contains(logs.String(), "no space left on device") {
		t.Errorf("no error in the log says the disk is full:\n%s", logs.String())
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if res := c.createTopicsRaw([]creatableTopic{{Name: "t", NumPartitions: 3, ReplicationFactor: 1}}, false)[0]; res.ErrorCode != codeNone {
		t.Errorf("CreateTopics once space is free: %s", outcome(res.ErrorCode, res.ErrorMessage))
	}
}

// TestAdminWritesOnFullDisk makes each change that writes a file of the
// data dir (a topic's configs, a group's, an ACL, a SCRAM credential, a
// quota, a producer id block) on a full disk: each must be answered with
// an error, leave nothing of itself to find after a restart, and succeed
// once space is freed. Close on the full disk must still stop cleanly,
// without a log end checkpoint that the next start would check against.
func TestAdminWritesOnFullDisk(t *testing.T) {
	dir := mountTmpfs(t, 2<<20)
	data := filepath.Join(dir, "data")
	cfg := Config{DataDir: data, Security: SecurityConfig{Authorizer: true, AllowEveryoneIfNoACLFound: true}}
	tb, c := startWithTopicUsing(t, cfg, "t", 1)
	c.mustProduce("t", 0, makeBatch(recordsAt(1, 1)...))
	type change struct {
		name  string
		do    func(b *Broker) int16
		there func(b *Broker, c *testClient) bool
	}
	changes := []change{
		{"topic config", func(*Broker) int16 {
			code, _ := c.incrementalAlterConfigs(resourceTopic, "t", false, configOp{"retention.ms", opSet, ptr("5000")})
			return code
		}, func(_ *Broker, c *testClient) bool { v, _ := c.topicValues("t"); return v["retention.ms"] == "5000" }},
		{"group config", func(*Broker) int16 {
			code, _ := c.incrementalAlterConfigs(resourceGroup, "g", false, configOp{"consumer.session.timeout.ms", opSet, ptr("50000")})
			return code
		}, func(b *Broker, _ *testClient) bool {
			return b.groupConfigs.get("g")["consumer.session.timeout.ms"] == "50000"
		}},
		{"ACL", func(b *Broker) int16 {
			req := &createAclsRequest{Creations: []aclCreation{{resTopic, "x", patternLiteral, "User:amy", "*", aclRead, permissionAllow}}}
			return serve(t, b, createAclsKey, 3, req).(*createAclsResponse).Results[0].ErrorCode
		}, func(b *Broker, _ *testClient) bool {
			b.sec.acls.mu.RLock()
			defer b.sec.acls.mu.RUnlock()
			return len(b.sec.acls.acls) > 0
		}},
		{"SCRAM credential", func(b *Broker) int16 {
			req := &alterUserScramCredentialsRequest{Upsertions: []scramCredentialUpsertion{{Name: "amy", Mechanism: 1, Iterations: 4096, Salt: []byte("s"), SaltedPassword: []byte("p")}}}
			return serve(t, b, 51, 0, req).(*alterUserScramCredentialsResponse).Results[0].ErrorCode
		}, func(b *Broker, _ *testClient) bool { _, ok := b.sec.users.lookup("amy", &scramSHA256); return ok }},
		{"client quota", func(b *Broker) int16 {
			return alterQuota(t, b, entity("user", "amy"), quotaOp{producerByteRate, 1024, false}).ErrorCode
		}, func(b *Broker, _ *testClient) bool {
			b.quotas.mu.Lock()
			defer b.quotas.mu.Unlock()
			return len(b.quotas.entries) > 0
		}},
		{"producer id block", func(*Broker) int16 {
			code, _, _ := c.initTxn("tx", 60000)
			return code
		}, func(_ *Broker, c *testClient) bool { code, _, _ := c.initTxn("tx2", 60000); return code == codeNone }},
	}

	filler := fillDisk(t, dir)
	for _, ch := range changes {
		code := ch.do(tb.Broker)
		if code == codeNone {
			t.Errorf("%s on a full disk: answered without an error", ch.name)
		}
		t.Logf("%s on a full disk: code %d", ch.name, code)
	}
	var logs syncBuffer
	tb.stop() // on the full disk still
	if _, err := os.Stat(filepath.Join(data, cleanShutdownFile)); err != nil {
		t.Errorf("no clean shutdown marker after a Close on a full disk: %v", err)
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	tb = startBrokerWith(t, Config{DataDir: data, Security: cfg.Security, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	c = dial(t, tb.addr)
	if code, hw, _ := c.fetch("t", 0, 0, 0, 0); code != codeNone || hw != 1 {
		t.Errorf("after the restart: fetch code %d, high watermark %d, want 0, 1\n%s", code, hw, logs.String())
	}
	for _, ch := range changes[:len(changes)-1] { // a producer id block has nothing to show
		if ch.there(tb.Broker, c) {
			t.Errorf("%s refused on a full disk is there after a restart", ch.name)
		}
	}
	for _, ch := range changes {
		if code := ch.do(tb.Broker); code != codeNone {
			t.Errorf("%s once space is free: code %d", ch.name, code)
		}
		if !ch.there(tb.Broker, c) {
			t.Errorf("%s once space is free: not there", ch.name)
		}
	}
}
