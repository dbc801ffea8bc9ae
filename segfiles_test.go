package kafka

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// openLogFiles counts the descriptors of this process open on .log files
// under dir, from /proc/self/fd.
func openLogFiles(t *testing.T, dir string) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, fd := range fds {
		target, err := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
		if err == nil && strings.HasPrefix(target, dir) && strings.HasSuffix(target, logSuffix) {
			n++
		}
	}
	return n
}

// segmentedLogs opens n partition logs under dir sharing cache, each
// holding segs closed segments of one small batch each (plus the active
// one), and returns them with the batches appended to each.
func segmentedLogs(t *testing.T, dir string, cache *fileCache, n, segs int) ([]*partitionLog, [][][]byte) {
	t.Helper()
	var logs []*partitionLog
	var batches [][][]byte
	for p := range n {
		l := openTestLog(t, filepath.Join(dir, fmt.Sprintf("t-%d", p)), logOptions{SegmentBytes: 100, Files: cache})
		var bs [][]byte
		for i := range segs + 1 {
			b := makeBatch(testRecord{int64(1000 + i), fmt.Sprintf("p%d-%d-%s", p, i, strings.Repeat("x", 60))})
			appendBatches(t, l, b)
			bs = append(bs, b)
		}
		// The last roll's fsync, in the background, opens a file through
		// the cache too: it is done before the tests count opens.
		if err := l.Sync(); err != nil {
			t.Fatal(err)
		}
		logs, batches = append(logs, l), append(batches, bs)
	}
	return logs, batches
}

// TestFileCacheLimit reads every closed segment of 8 partitions, from 4
// goroutines at once, through a cache of 3 descriptors, and checks that
// every read returns its batch and that, sampled throughout, no more than
// 3 closed segments' files plus the 8 active ones are ever open.
func TestFileCacheLimit(t *testing.T) {
	dir := t.TempDir()
	const limit, partitions, segs = 3, 8, 5
	cache := newFileCache(limit)
	logs, batches := segmentedLogs(t, dir, cache, partitions, segs)
	if open, _ := cache.stats(); open > limit {
		t.Fatalf("%d files open after the rolls, limit %d", open, limit)
	}
	stop := make(chan struct{})
	sampled := make(chan int)
	go func() {
		most := 0
		for {
			select {
			case <-stop:
				sampled <- most
				return
			default:
			}
			if open, _ := cache.stats(); open > limit {
				most = max(most, open)
			}
			// The descriptors themselves are counted only when the
			// readers are done: a listing of /proc/self/fd is not a
			// snapshot, and fd numbers reused by the readers' opens
			// while it is read can be counted twice.
			time.Sleep(time.Millisecond)
		}
	}()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for round := range 20 {
				for i := range partitions {
					p := (i + g + round) % partitions
					for off := range int64(segs) {
						got, err := logs[p].Read(off, 1<<10)
						if err != nil {
							t.Errorf("partition %d offset %d: %v", p, off, err)
							return
						}
						if !sameBatches(got, batches[p][off]) {
							t.Errorf("partition %d offset %d: wrong batch", p, off)
							return
						}
					}
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	// Active segments' files are in the cache too.
	if n := openLogFiles(t, dir); n > limit {
		t.Errorf("%d .log files open after the reads, limit %d", n, limit)
	}
	if most := <-sampled; most > limit {
		t.Errorf("up to %d segments' files open at once, limit %d", most, limit)
	}
	if _, opens := cache.stats(); opens == 0 {
		t.Error("no file was reopened: the cache kept everything open")
	}
}

// TestFileCacheReopen: a segment whose file the cache closed is read
// again, from a file opened anew, with the same bytes; a segment deleted
// by retention is forgotten and its file closed.
func TestFileCacheReopen(t *testing.T) {
	dir := t.TempDir()
	cache := newFileCache(1)
	logs, batches := segmentedLogs(t, dir, cache, 2, 3)
	read := func(p int, off int64) {
		t.Helper()
		got, err := logs[p].Read(off, 1<<10)
		if err != nil || !sameBatches(got, batches[p][off]) {
			t.Fatalf("partition %d offset %d: %v, right batch %v", p, off, err, sameBatches(got, batches[p][off]))
		}
	}
	read(0, 0)
	_, before := cache.stats()
	read(1, 0) // evicts partition 0's segment 0
	read(0, 0) // reopens it
	if _, after := cache.stats(); after != before+2 {
		t.Errorf("%d files opened for two reads of evicted segments, want 2", after-before)
	}

	// Retention of partition 0's first two segments forgets them.
	if _, _, err := logs[0].DeleteSegments(retention{ms: 1, bytes: -1}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if open := openLogFiles(t, filepath.Join(dir, "t-0")); open > 1 {
		t.Errorf("%d .log files of partition 0 open after retention, want at most its active segment's", open)
	}
	if open, _ := cache.stats(); open > 1 {
		t.Errorf("cache holds %d files, limit 1", open)
	}
	read(1, 1)
}

// TestFileCacheWaitsForRelease: with every slot's file in use, acquire
// waits for a release rather than open one more.
func TestFileCacheWaitsForRelease(t *testing.T) {
	dir := t.TempDir()
	cache := newFileCache(1)
	var files []*lazyFile
	for i := range 2 {
		path := filepath.Join(dir, fmt.Sprintf("%d%s", i, logSuffix))
		if err := os.WriteFile(path, []byte{byte(i)}, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, cache.adopt(path, f, false))
	}
	a, err := cache.acquire(files[0])
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan byte)
	go func() {
		f, err := cache.acquire(files[1])
		if err != nil {
			t.Error(err)
			got <- 0xff
			return
		}
		var b [1]byte
		f.ReadAt(b[:], 0)
		cache.release(files[1])
		got <- b[0]
	}()
	select {
	case <-got:
		t.Fatal("a second file was opened while the only slot was in use")
	case <-time.After(50 * time.Millisecond):
	}
	var b [1]byte
	if _, err := a.ReadAt(b[:], 0); err != nil || b[0] != 0 {
		t.Fatalf("the file in use: %v, %d", err, b[0])
	}
	cache.release(files[0])
	if v := <-got; v != 1 {
		t.Fatalf("the waiting read got %d, want 1", v)
	}
	// Adopting the second file closed the first (idle), so both
	// acquires opened theirs.
	if open, opens := cache.stats(); open != 1 || opens != 2 {
		t.Errorf("%d open, %d opened; want 1, 2", open, opens)
	}
	for _, lf := range files {
		cache.forget(lf)
	}
	if _, err := cache.acquire(files[0]); err == nil {
		t.Error("a forgotten file was opened again")
	}
}

// TestCleanRestartWritesNoIndexes: reopening a cleanly closed partition
// whose active segment has no index entry yet (empty, or under
// log.index.interval.bytes) leaves its index files alone. Rewriting them,
// four fsyncs a partition, made a clean restart of 5,000 empty partitions
// take 12 s.
func TestCleanRestartWritesNoIndexes(t *testing.T) {
	for _, records := range []int{0, 1} {
		dir := t.TempDir()
		l, err := openPartition(dir, logOptions{}, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		for i := range records {
			appendBatches(t, l, makeBatch(testRecord{int64(1000 + i), "v"}))
		}
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
		stat := func() []os.FileInfo {
			var fis []os.FileInfo
			for _, suffix := range []string{offsetIndexSuffix, timeIndexSuffix} {
				fi, err := os.Stat(segmentPath(dir, 0, suffix))
				if errors.Is(err, fs.ErrNotExist) {
					// Never written: the restart must not make it.
				} else if err != nil {
					t.Fatal(err)
				}
				fis = append(fis, fi)
			}
			return fis
		}
		before := stat()
		l, err = openPartition(dir, logOptions{}, nil, true)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.HighWatermark(); got != int64(records) {
			t.Errorf("%d records: high watermark %d after the restart", records, got)
		}
		l.Close()
		for i, fi := range stat() {
			if before[i] == nil && fi == nil {
				continue
			}
			if before[i] == nil || fi == nil || !os.SameFile(before[i], fi) {
				t.Errorf("%d records: index file %d rewritten or made by a clean restart", records, i)
			}
		}
	}
}

// TestActiveIndexFilesNotHeldOpen: appends keep no descriptor on the
// active segment's index files, which are written at a sync; after a
// crash that left them behind the log, recovery rebuilds them from the
// segment and reads find every batch.
func TestActiveIndexFilesNotHeldOpen(t *testing.T) {
	dir := t.TempDir()
	opts := logOptions{IndexIntervalBytes: 1}
	l := openTestLog(t, dir, opts)
	var batches [][]byte
	for i := range 10 {
		b := makeBatch(testRecord{int64(1000 + i), fmt.Sprint("v", i)})
		batches = append(batches, b)
		appendBatches(t, l, b)
	}
	open := func() int {
		fds, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skipf("no /proc/self/fd: %v", err)
		}
		n := 0
		for _, fd := range fds {
			target, _ := os.Readlink(filepath.Join("/proc/self/fd", fd.Name()))
			if strings.HasPrefix(target, dir) && (strings.HasSuffix(target, offsetIndexSuffix) || strings.HasSuffix(target, timeIndexSuffix)) {
				n++
			}
		}
		return n
	}
	if n := open(); n != 0 {
		t.Errorf("%d index files open after appends, want none", n)
	}
	if err := l.Sync(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(segmentPath(dir, 0, offsetIndexSuffix)); err != nil || fi.Size() != 9*offsetEntrySize {
		t.Fatalf("offset index after Sync: %v, %v bytes; want 9 entries", err, fi.Size())
	}
	for i := range 5 {
		appendBatches(t, l, makeBatch(testRecord{int64(2000 + i), "later"}))
	}
	// A crash now: the index files lack the last five entries. The log is
	// reopened as after one, without Close's flush.
	crashed, err := openPartition(dir, opts, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	defer crashed.Close()
	if hw := crashed.HighWatermark(); hw != 15 {
		t.Fatalf("after the crash: high watermark %d, want 15", hw)
	}
	for off := range int64(10) {
		got, err := crashed.Read(off, 1)
		if err != nil || !sameBatches(got, batches[off]) {
			t.Fatalf("after the crash, offset %d: %v", off, err)
		}
	}
	if n := len(crashed.segments[0].offsets); n != 14 {
		t.Errorf("after the crash: %d offset entries, want 14 rebuilt", n)
	}
}

// TestFileCacheBoundsActiveSegments: the active segments' files go
// through the cache as well, so appends to more partitions than the limit
// never hold more .log files open than it; an append or a sync to a
// partition whose file was closed reopens it for writing, and every
// record reads back after the logs are closed and opened again.
func TestFileCacheBoundsActiveSegments(t *testing.T) {
	dir := t.TempDir()
	const limit, partitions, rounds = 2, 6, 4
	cache := newFileCache(limit)
	opts := logOptions{Files: cache}
	open := func() []*partitionLog {
		var logs []*partitionLog
		for p := range partitions {
			l, err := openPartitionLog(filepath.Join(dir, fmt.Sprintf("t-%d", p)), opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			logs = append(logs, l)
		}
		return logs
	}
	logs := open()
	want := make([][][]byte, partitions)
	most := 0
	for round := range rounds {
		for p, l := range logs {
			b := makeBatch(testRecord{int64(1000 + round), fmt.Sprintf("p%d r%d", p, round)})
			appendBatches(t, l, b)
			want[p] = append(want[p], b)
			if err := l.Sync(); err != nil {
				t.Fatalf("sync of partition %d: %v", p, err)
			}
			most = max(most, openLogFiles(t, dir))
		}
	}
	if most > limit {
		t.Errorf("up to %d .log files open while appending, limit %d", most, limit)
	}
	if _, opens := cache.stats(); opens == 0 {
		t.Error("no active segment's file was reopened: the cache kept them all open")
	}
	for _, l := range logs {
		if err := l.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if n := openLogFiles(t, dir); n != 0 {
		t.Errorf("%d .log files open after Close", n)
	}
	logs = open()
	defer func() {
		for _, l := range logs {
			l.Close()
		}
	}()
	for p, l := range logs {
		for off := range int64(rounds) {
			got, err := l.Read(off, 1) // the first batch, whatever the size
			if err != nil || !sameBatches(got, want[p][off]) {
				t.Errorf("partition %d offset %d after reopening: %v, right batch %v", p, off, err, err == nil && sameBatches(got, want[p][off]))
			}
		}
	}
}
