// This file holds the partition log's durability: when its files reach
// the disk. It belongs to Part I, after log.go, whose partition log and
// segments it assumes: SyncTo, which Config.Fsync's "always" and interval
// policies call; the fsync of a rolled segment, which the roll leaves to
// the background; what a failed fsync does to a partition; and the files
// written whole (writeFileAtomic), with the strict reading of the JSON
// ones (decodeStoredJSON).
//
// A roll used to fsync the old segment, up to segment.bytes of it, before
// creating the next one, holding appendMu: every produce to the partition
// waited for it, hundreds of milliseconds at each roll of a 1 GiB
// segment. Kafka's UnifiedLog.roll instead schedules the flush on its
// scheduler ("flush-log", flushUptoOffsetExclusive of the new segment's
// base offset) and goes on, and so does roll here, with one goroutine per
// rolled segment:
//
//	roll N       waits for flush N-1, creates segment N+1, starts flush N
//	SyncTo       waits for the flush it finds, then fsyncs the active segment
//	Close        waits for it, then fsyncs the active segment
//	retention    waits for it before deleting its segment (waitFlushOf)
//	cleaner swap waits for it before replacing its segment (pinFiles)
//
// So at most one rolled segment is unflushed at any time, and recovery
// after a crash scans the last two segments (log.go's design note on crash
// safety, rule 1) where Kafka scans from its checkpointed recovery point.
//
// Design note: a failed fsync takes the partition offline (fail), which
// Kafka does to the whole log dir at its first IOException. The error
// cannot be retried away: Linux may drop the pages it could not write and
// clear the error, so the next fsync succeeds over a hole, and a batch
// acknowledged after it is lost at a crash when recovery cuts the log at
// the hole. A failed write is another matter, and keeps the partition
// (failedWrite in log.go): it published nothing, and the next may succeed.

package kafka

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"
)

// Syncing.

// SyncTo makes sure every batch below offset is on disk, fsyncing the
// active segment's .log if an earlier call has not already covered it,
// after waiting for the fsync of the segment rolled last if it is still
// running (roll). The segments before that one were on disk before it was
// rolled, and the indexes need no fsync here: after a crash, recovery
// rebuilds the last two segments'.
//
// Concurrent callers share fsyncs, a group commit: syncedTo is set to the
// log end offset read before the fsync began, so a producer that appended
// while another's fsync was running waits for the lock and then finds its
// batches either covered or needing one more fsync, which it runs for
// everyone queued behind it. A roll between reading the active segment and
// the fsync is harmless: the batches below the end read are all in that
// segment or below it, and the fsync of that segment here covers them
// whether or not the roll's own fsync of it has finished.
func (l *partitionLog) SyncTo(offset int64) error {
	l.syncMu.Lock()
	defer l.syncMu.Unlock()
	if l.syncedTo >= offset {
		return nil
	}
	if err := l.failed(); err != nil {
		// Closed too, for the interval flusher, which skips closed logs.
		return fmt.Errorf("%w: %w", errLogClosed, err)
	}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return errLogClosed
	}
	s, hw, rolled := l.segments[len(l.segments)-1], l.hw, l.flushing
	l.mu.RUnlock()
	// Not under mu: appends publish and readers read while the disk works.
	// syncMu keeps Close and retention from closing s.log meanwhile.
	defer observeFsync(time.Now())
	if err := rolled.wait(); err != nil {
		return err
	}
	if err := l.syncFile(s); err != nil {
		return err
	}
	l.syncedTo = hw
	return nil
}

// Sync flushes the log to disk: the active segment and its indexes, once
// the fsync of the segment rolled last is done. Older segments were
// flushed before that one was rolled.
func (l *partitionLog) Sync() error {
	l.appendMu.Lock()
	defer l.appendMu.Unlock()
	if l.closed {
		return errLogClosed
	}
	return l.syncActive()
}

// syncActive waits for the fsync of the segment rolled last and flushes
// the active segment. Callers hold appendMu.
func (l *partitionLog) syncActive() error {
	if err := l.flushing.wait(); err != nil {
		return err
	}
	defer observeFsync(time.Now())
	s := l.segments[len(l.segments)-1]
	if err := l.flushIndexes(s, true); err != nil {
		return err
	}
	return l.syncFile(s)
}

// syncFile fsyncs s's .log file. A file the cache closed since it was
// written is reopened for it: fsync flushes the file, whichever
// descriptor wrote it.
func (l *partitionLog) syncFile(s *segment) error {
	return s.withFile(l.fsync)
}

// flushIndexes writes the active segment's index entries that its files
// do not hold yet, each file opened for the write and closed after. At a
// sync it fsyncs them too (and anything written before without one). At a
// roll (sync false) it writes both files even with nothing new, so that
// every rolled segment has both, as in Kafka, and leaves their fsync to
// flushRolled. Entries go at computed positions, so the leftovers of a
// failed write are overwritten by the next one. Callers hold appendMu.
func (l *partitionLog) flushIndexes(s *segment, sync bool) error {
	offs, times := s.offsets[s.flushedOffsets:], s.times[s.flushedTimes:]
	if len(offs) > 0 || len(times) > 0 {
		s.dirtyIndexes = true
	}
	if sync && !s.dirtyIndexes {
		return nil
	}
	for _, w := range []struct {
		suffix string
		data   []byte
		pos    int64
	}{
		{offsetIndexSuffix, encodeOffsetIndex(s.base, offs), int64(s.flushedOffsets * offsetEntrySize)},
		{timeIndexSuffix, encodeTimeIndex(s.base, times), int64(s.flushedTimes * timeEntrySize)},
	} {
		f, err := os.OpenFile(segmentPath(l.dir, s.base, w.suffix), os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return fmt.Errorf("kafka: write index: %w", err)
		}
		_, err = f.WriteAt(w.data, w.pos)
		if err == nil && sync {
			err = l.fsync(f)
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("kafka: write index %s: %w", f.Name(), err)
		}
	}
	s.flushedOffsets, s.flushedTimes = len(s.offsets), len(s.times)
	if sync {
		s.dirtyIndexes = false
	}
	return nil
}

// The fsync of a rolled segment.

// segmentFlush is the fsync of a rolled segment, running or done.
type segmentFlush struct {
	seg  *segment
	done chan struct{} // closed when the fsync has returned
	err  error         // its error, set before done is closed
}

// wait waits for f to finish and returns its error; a nil f, no roll yet,
// is done.
func (f *segmentFlush) wait() error {
	if f == nil {
		return nil
	}
	<-f.done
	return f.err
}

// flushRolled fsyncs a rolled segment's .log and, if entries were written
// to them since their last fsync, its index files; then the partition's
// directory, which holds the entry of the segment the roll created. An
// fsync of a file makes its data durable, not its name: without the
// directory's, a power cut could lose the new segment whole, with batches
// SyncTo reported on disk, since SyncTo fsyncs only the active segment's
// file once this flush is done. Kafka's LocalLog.flush fsyncs the log dir
// in the same case, when a segment was created since the last flush. It
// reads s's file fields without mu: they change only under waitFlushOf
// (pinFiles, DeleteSegments) or after a wait (Close), once it is done.
func (l *partitionLog) flushRolled(f *segmentFlush) {
	defer close(f.done)
	defer observeFsync(time.Now())
	s := f.seg
	err := l.syncFile(s)
	if err == nil && s.dirtyIndexes {
		err = l.syncIndexFiles(s.base)
	}
	if err == nil {
		err = l.syncLogDir()
	}
	f.err = err
}

// syncLogDir fsyncs the partition's directory through l.fsync, so that a
// failure takes the partition offline as a file's does: the names it
// holds may not be on disk.
func (l *partitionLog) syncLogDir() error {
	d, err := os.Open(l.dir)
	if err != nil {
		return fmt.Errorf("kafka: sync dir: %w", err)
	}
	err = l.fsync(d)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncIndexFiles fsyncs the index files of the segment at base. One that
// was never written is not there (emptyIndexes), and is as good as empty.
func (l *partitionLog) syncIndexFiles(base int64) error {
	for _, suffix := range []string{offsetIndexSuffix, timeIndexSuffix} {
		f, err := os.Open(segmentPath(l.dir, base, suffix))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("kafka: sync index: %w", err)
		}
		err = l.fsync(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("kafka: sync index %s: %w", f.Name(), err)
		}
	}
	return nil
}

// waitFlushOf waits for the flush of a rolled segment of segs, if one is
// running, before the caller closes, deletes or replaces its files: an
// fsync never meets a closed or deleted file. Callers hold appendMu.
func (l *partitionLog) waitFlushOf(segs []*segment) {
	if f := l.flushing; f != nil && slices.Contains(segs, f.seg) {
		f.wait()
	}
}

// A failed fsync.

// fail takes the partition offline after an fsync of its files failed
// with cause, and returns the error that says so. Retrying is not safe:
// Linux may drop the dirty pages that a failed fsync could not write and
// clear the error, so that the next fsync succeeds with a hole in the
// file; batches acknowledged after it would be lost at a crash, when
// recovery cuts the log at the hole. Kafka takes the whole log dir
// offline at its first IOException (LogDirFailureChannel); here it is the
// partition: its appends and reads answer KAFKA_STORAGE_ERROR, the other
// partitions go on, and Close leaves no clean shutdown marker, so that a
// restart recovers the partition by scanning what reached the disk.
func (l *partitionLog) fail(cause error) error {
	err := fmt.Errorf("%w: partition %s is offline after a failed fsync: %w", errStorage, filepath.Base(l.dir), cause)
	if l.offline.CompareAndSwap(nil, &err) {
		l.logger.Error("partition is offline: an fsync failed, so records written before it may not be on disk; a restart recovers the partition from what is on disk",
			"partition", filepath.Base(l.dir), "dir", l.dir, "err", cause)
	}
	return l.failed()
}

// fsync fsyncs f, a file of the log, and takes the partition offline if
// that fails.
func (l *partitionLog) fsync(f *os.File) error {
	if err := fsyncFile(f); err != nil {
		return l.fail(fmt.Errorf("kafka: sync %s: %w", f.Name(), err))
	}
	return nil
}

// fsyncFile is every fsync of the log's files. Tests set fsyncHook to
// block an fsync or fail one (this machine has no faulty device to fail
// them); it is atomic because a rolled segment's fsync may be running in
// the background when a test sets it.
func fsyncFile(f *os.File) error {
	if hook := fsyncHook.Load(); hook != nil {
		return (*hook)(f)
	}
	return f.Sync()
}

// fsyncHook, if set, replaces every fsync of fsyncFile: for tests only.
var fsyncHook atomic.Pointer[func(*os.File) error]

// Files written whole.

// writeFileAtomic replaces path with data so that a crash leaves either the
// old file or the new one, never a mix: write a temporary file, fsync it,
// rename it over path, fsync the directory so the rename itself survives.
func writeFileAtomic(path string, data []byte) error {
	tmp := path + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("kafka: write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = fsyncFile(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("kafka: write %s: %w", path, err)
	}
	return syncDir(filepath.Dir(path))
}

// storeUnreadable is the error that stops a start on one of the files
// writeFileAtomic keeps whole (ACLs, credentials, quotas, configs): a crash
// cannot tear such a file, so one that does not parse or hold what the
// APIs would accept was edited or damaged outside the broker, and the
// operator is told which file, and what the two ways out cost. holds says
// what a start without it would lack. A read that the system refused (no
// file descriptor free, an I/O error) says nothing of the file, which may
// be whole: telling the operator to move it away would cost them its
// contents for a fault that a restart may not see again (readFailed).
func storeUnreadable(path, holds string, err error) error {
	if readFailed(err) {
		return fmt.Errorf("kafka: %s cannot be read: %w; the file may well be whole: the broker does not start without the %s it holds, "+
			"so fix the cause (free file descriptors, a failing disk) and start again", path, err, holds)
	}
	return fmt.Errorf("kafka: %s cannot be read: %w; it is only ever written whole, so it was edited or damaged outside the broker: "+
		"restore it from a backup, or move it away to start with no %s", path, err, holds)
}

// readFailed reports whether err is the system refusing to open or read a
// file, rather than what the file holds or whether it is there: any error
// of the open or read but EISDIR, a directory in the file's place, and
// ENOENT, a file removed, which are damage.
func readFailed(err error) bool {
	var pe *fs.PathError
	return errors.As(err, &pe) && !errors.Is(err, syscall.EISDIR) && !errors.Is(err, fs.ErrNotExist)
}

// syncDir fsyncs a directory, which makes the creation, renaming and
// removal of its entries durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("kafka: sync dir: %w", err)
	}
	err = fsyncFile(d)
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("kafka: sync dir %s: %w", dir, err)
	}
	return nil
}

// decodeStoredJSON decodes data, one JSON value that json.Marshal of v's
// type wrote into a file of the data dir, and refuses anything Marshal
// cannot have written: a byte that is not UTF-8, a key no field of v's
// structs has, a key twice in one object, or more than white space after
// the value. json.Unmarshal alone reads the first as U+FFFD, skips the
// second and keeps the last of the third. So a byte flipped in a key
// parsed as a file without that field, its zero value taken for what was
// stored (a quorum's metadata offset back to 0, a DENY ACL's host empty),
// and one flipped in a name as another name (a group's configs on a
// group that does not exist, or, "app2" read as "app1", in place of
// another's): damage that no log line told, where a refusal lets the
// file's own damage handling, which docs/disk.md lists, take over. A
// field added to a format later is a change its reader must learn first;
// no field is ever renamed or removed, so that files written by older
// versions still load.
func decodeStoredJSON(data []byte, v any) error {
	if !utf8.Valid(data) {
		return errors.New("not UTF-8")
	}
	if err := checkJSONKeys(data); err != nil {
		return err
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if _, err := d.Token(); err != io.EOF {
		return errors.New("more than white space after the JSON value")
	}
	return nil
}

// checkJSONKeys refuses a JSON value in which an object has a key twice,
// which json.Marshal never writes; an error of the syntax is left to the
// decoder that follows.
func checkJSONKeys(data []byte) error {
	// open holds one frame per object or array not yet closed: an
	// object's keys so far (nil for an array), and whether its next
	// token is a key.
	type frame struct {
		keys    map[string]bool
		wantKey bool
	}
	var open []frame
	// valueEnds marks that the innermost object's value is over.
	valueEnds := func() {
		if len(open) > 0 && open[len(open)-1].keys != nil {
			open[len(open)-1].wantKey = true
		}
	}
	d := json.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err != nil {
			return nil
		}
		if n := len(open); n > 0 && open[n-1].wantKey {
			key, isKey := tok.(string)
			if !isKey { // the object's '}'
				open = open[:n-1]
				valueEnds()
				continue
			}
			if open[n-1].keys[key] {
				return fmt.Errorf("key %q twice in one object", key)
			}
			open[n-1].keys[key], open[n-1].wantKey = true, false
			continue
		}
		switch tok {
		case json.Delim('{'):
			open = append(open, frame{map[string]bool{}, true})
		case json.Delim('['):
			open = append(open, frame{})
		case json.Delim(']'):
			open = open[:len(open)-1]
			valueEnds()
		default:
			valueEnds()
		}
	}
}
