package kafka

// Tests of what the syscall fault campaign (README, Durability) found:
// faults injected with strace into the broker binary's system calls,
// brought down here to the function that answered them wrongly.

import (
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
