package kafka

// Tests of what the syscall fault campaign (README, Durability) found:
// faults injected with strace into the broker binary's system calls,
// brought down here to the function that answered them wrongly.

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A start that cannot open a whole-file store for want of a file
// descriptor (strace -e inject=openat:error=EMFILE, during start-up) or
// for an I/O error must not tell the operator the file was damaged and
// to move it away: the file may be whole, and moving it away would start
// the broker without the users or ACLs it holds. A directory in the
// file's place is damage, and keeps that advice.
func TestStoreReadFailureIsNotCalledDamage(t *testing.T) {
	path := filepath.Join(t.TempDir(), credentialsFile)
	for _, errno := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.EIO} {
		err := storeUnreadable(path, "SCRAM credentials", &fs.PathError{Op: "open", Path: path, Err: errno})
		msg := err.Error()
		if !strings.Contains(msg, path) || !strings.Contains(msg, errno.Error()) {
			t.Errorf("%v: %q does not name the file and the error", errno, msg)
		}
		if strings.Contains(msg, "damaged") || strings.Contains(msg, "move it away") {
			t.Errorf("%v: %q calls a refused read damage", errno, msg)
		}
	}

	// A directory in its place, read as os.ReadFile reads it.
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	_, rerr := os.ReadFile(path)
	if rerr == nil {
		t.Fatal("reading a directory succeeded")
	}
	if msg := storeUnreadable(path, "SCRAM credentials", rerr).Error(); !strings.Contains(msg, "restore it from a backup, or move it away") {
		t.Errorf("a directory in the file's place: %q; want the damage advice", msg)
	}
}

// failSegmentReads makes every read of the .log file at path fail with
// errno, until the test ends.
func failSegmentReads(t *testing.T, path string, errno syscall.Errno) {
	hook := func(f *os.File, b []byte, pos int64) (int, error) {
		if f.Name() == path {
			return 0, &fs.PathError{Op: "read", Path: path, Err: errno}
		}
		return f.ReadAt(b, pos)
	}
	readSegmentHook.Store(&hook)
	t.Cleanup(func() { readSegmentHook.Store(nil) })
}

// A read of an older segment that the system refuses while a partition
// opens (strace -e inject=pread64:error=EIO on a clean start) is not
// damage: skipping the segment, as the producer state replay once did,
// forgot the sequences of its producers, so that a retry of a batch
// acknowledged before the stop would be stored twice, and the aborted
// transactions in it, whose records read_committed consumers would then
// be served. The partition must not open; once the read succeeds again,
// it opens with every producer known.
func TestRefusedReadOfOlderSegmentAtOpen(t *testing.T) {
	dir := t.TempDir()
	b0, b1, b2 := idempotentBatch(7, 0, 0, 2), idempotentBatch(7, 0, 2, 2), idempotentBatch(7, 0, 4, 2)
	opts := logOptions{SegmentBytes: int64(len(b0))} // a segment a batch
	l, err := openPartitionLog(dir, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{b0, b1, b2} {
		appendBatches(t, l, bytes.Clone(b))
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	for _, errno := range []syscall.Errno{syscall.EIO, syscall.EMFILE} {
		failSegmentReads(t, filepath.Join(dir, "00000000000000000000.log"), errno)
		if l, err := openPartitionLog(dir, opts, nil); err == nil {
			l.Close()
			t.Fatalf("%v: the partition opened past a segment it could not read", errno)
		} else if !errors.Is(err, errno) {
			t.Errorf("%v: open failed with %v, not the read's error", errno, err)
		}
	}

	readSegmentHook.Store(nil)
	l = openTestLog(t, dir, opts)
	wantPlaced(t, l, []appendedBatch{{BaseOffset: 0, Duplicate: true}}, bytes.Clone(b0))
}
