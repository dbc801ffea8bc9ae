// This file is the descriptor cache for segment files: the .log files of
// segments, opened when a read or an append needs them and closed when
// they have been idle longest and the cache is full. It belongs to Part I,
// after log.go, whose segments it serves.
//
// A partition keeps every segment's indexes in memory, and its .log files
// are read by fetches, ListOffsets lookups and retention's timestamps, and
// the active one written by appends. Kept open for the broker's life, as
// they were, they cost a descriptor each, and a broker of 10,000
// partitions runs out of the default ulimit -n of 1024. With the cache, at
// most Config.ClosedSegmentFiles of them are open at once, whatever the
// partition and segment counts.
//
// The rules:
//
//  1. A read takes a reference on the segment's file (acquire) for the
//     length of one pread, and gives it back (release).
//  2. A file with no reference is idle, and the least recently used idle
//     file is closed when another must be opened and the cache is full.
//  3. If every open file is in use, acquire waits for a release rather
//     than open one more: never more than the limit are open. A read,
//     an append or an fsync holds one reference at a time, so the wait
//     always ends.
//  4. A segment loaded at start, and a new active segment at a roll,
//     hands its open file to the cache if there is room, or closes it. An
//     active segment stays in the cache when it is rolled.
//  5. A segment deleted by retention is forgotten: its file is closed, and
//     no read can reach it any more.
//  6. A segment whose file is about to be removed or renamed over while
//     readers can still reach it (the cleaner's swap, cleaner.go) is
//     pinned first: its file is opened outside the cache and kept until
//     the segment is gone, since reopening it by name would find another
//     file, or none.
//
// The active segment's .log is in the cache from the log's open on,
// opened for writing (lazyFile.write): an append, a truncation or an
// fsync takes a reference for its one system call, as a read does, and an
// fsync after the cache closed the file reopens it, which is enough, since
// fsync flushes the file whichever descriptor wrote it. Its index files
// are opened only to be written at a sync, a roll or Close (flush.go,
// flushIndexes). A fetch that sends a large section with sendfile opens
// the file by name for the send (handlers.go, openRecordFiles), outside
// the cache, for as long as the send takes.
//
// Design note: Kafka keeps every segment's .log file open, maps its
// indexes into memory, and asks operators for a high ulimit -n. A cache of
// descriptors is what stores of many files do instead (LevelDB's table
// cache, RocksDB's max_open_files): a read of a segment whose file was
// closed costs one open(2) more, and the page cache keeps its bytes warm
// whether the descriptor is open or not.

package kafka

import (
	"container/list"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"sync/atomic"
)

// defaultClosedSegmentFiles is Config.ClosedSegmentFiles's default.
const defaultClosedSegmentFiles = 256

// fileCacheLimit is the cache's size: the configured one, but at most half
// the descriptors the process may have open (openFileLimit), less the few
// the process holds of its own, so that connections, index writes, fetches
// sent with sendfile and the data dir's own files have the rest. A cache of
// the default 256 under a ulimit -n of 128 took every descriptor while the
// partitions opened, and the broker failed to start; one of half of 32
// left too few for a roll's index files once four clients connected.
func fileCacheLimit(configured int, logger *slog.Logger) int {
	fds := openFileLimit()
	if fds <= 0 || configured <= fds/2-8 {
		return configured
	}
	capped := max(fds/2-8, 1)
	logger.Warn("segment file cache made smaller than configured: the open file limit is low",
		"configured", configured, "cache", capped, "open_file_limit", fds)
	return capped
}

// fileCache is the cache. Its methods are safe for concurrent use.
type fileCache struct {
	limit int

	mu    sync.Mutex
	freed *sync.Cond // signalled when a reference is released
	open  int        // files open now: at most limit
	lru   list.List  // of *lazyFile, open ones only, most recent first
	opens int64      // files opened by acquire, for tests and metrics
}

// lazyFile is a segment's .log file, open or not.
type lazyFile struct {
	cache *fileCache
	path  string
	write bool // opened for writing too: the active segment's

	// Guarded by cache.mu.
	f    *os.File
	refs int
	elem *list.Element // in cache.lru while f is open
	gone bool          // forgotten: never to be opened again
}

func newFileCache(limit int) *fileCache {
	c := &fileCache{limit: max(limit, 1)}
	c.freed = sync.NewCond(&c.mu)
	return c
}

// adopt takes over f, the open .log file at path of a segment that has
// just become closed (rule 4).
func (c *fileCache) adopt(path string, f *os.File, write bool) *lazyFile {
	lf := &lazyFile{cache: c, path: path, write: write}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.open < c.limit || c.evictLocked() {
		lf.f = f
		lf.elem = c.lru.PushFront(lf)
		c.open++
		return lf
	}
	f.Close()
	return lf
}

// acquire returns lf's file, open, with a reference taken (rules 1 to 3).
func (c *fileCache) acquire(lf *lazyFile) (*os.File, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		switch {
		case lf.gone:
			return nil, fmt.Errorf("kafka: segment %s was deleted", lf.path)
		case lf.f != nil:
			lf.refs++
			c.lru.MoveToFront(lf.elem)
			return lf.f, nil
		case c.open < c.limit || c.evictLocked():
			flag := os.O_RDONLY
			if lf.write {
				flag = os.O_RDWR
			}
			f, err := os.OpenFile(lf.path, flag, 0)
			if err != nil {
				return nil, fmt.Errorf("%w: %w", errStorage, err)
			}
			c.opens++
			lf.f, lf.refs = f, 1
			lf.elem = c.lru.PushFront(lf)
			c.open++
			return f, nil
		default:
			c.freed.Wait()
		}
	}
}

// release gives back a reference taken by acquire.
func (c *fileCache) release(lf *lazyFile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	lf.refs--
	if lf.refs == 0 {
		c.freed.Signal()
	}
}

// evictLocked closes the least recently used idle file, and reports
// whether there was one (rule 2). Callers hold mu.
func (c *fileCache) evictLocked() bool {
	for e := c.lru.Back(); e != nil; e = e.Prev() {
		if lf := e.Value.(*lazyFile); lf.refs == 0 {
			c.closeLocked(lf)
			return true
		}
	}
	return false
}

// closeLocked closes lf's file. Callers hold mu, and lf has no reference.
func (c *fileCache) closeLocked(lf *lazyFile) error {
	err := lf.f.Close()
	c.lru.Remove(lf.elem)
	lf.f, lf.elem = nil, nil
	c.open--
	c.freed.Signal() // a slot is free for a waiting acquire
	return err
}

// forget closes lf's file for good (rule 5). Its segment is unreachable,
// so no read holds a reference.
func (c *fileCache) forget(lf *lazyFile) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	lf.gone = true
	if lf.f == nil {
		return nil
	}
	return c.closeLocked(lf)
}

// stats is the number of files open now and opened so far.
func (c *fileCache) stats() (open int, opens int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.open, c.opens
}

// pinFiles takes the segments of group out of the descriptor cache, each
// with its own open file (rule 6), until closeFile.
func (l *partitionLog) pinFiles(group []*segment) error {
	// A rolled segment's fsync must be done before its file is closed
	// (roll). It is waited for outside mu, which appends need to publish;
	// a roll meanwhile flushes the segment that was active, which no
	// group holds.
	l.mu.RLock()
	flush := l.flushing
	l.mu.RUnlock()
	if flush != nil && slices.Contains(group, flush.seg) {
		flush.wait()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range group {
		if s.lazy == nil {
			continue
		}
		f, err := os.Open(s.lazy.path)
		if err != nil {
			return fmt.Errorf("%w: %w", errStorage, err)
		}
		// No reader holds a reference: readers hold mu, shared.
		s.lazy.cache.forget(s.lazy)
		s.log, s.lazy = f, nil
	}
	return nil
}

// readSegmentFile is every read of a segment's .log file. Tests set
// readSegmentHook to fail one with an I/O error, which this machine has no
// faulty device to cause; it is atomic because reads run on every
// connection's goroutine.
func readSegmentFile(f *os.File, b []byte, pos int64) (int, error) {
	if hook := readSegmentHook.Load(); hook != nil {
		return (*hook)(f, b, pos)
	}
	return f.ReadAt(b, pos)
}

// readSegmentHook, if set, replaces every read of readSegmentFile: for
// tests only.
var readSegmentHook atomic.Pointer[func(f *os.File, b []byte, pos int64) (int, error)]
