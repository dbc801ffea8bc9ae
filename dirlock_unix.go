//go:build unix

// This file takes the data dir's lock with flock, so that a second broker
// on the same dir fails at start instead of interleaving its writes with
// the first's. Part I, with topics.go.

package kafka

import (
	"errors"
	"os"
	"syscall"
)

// tryLock takes an exclusive lock on f, answering false if another
// process holds it. LOCK_NB fails at once instead of waiting: a second
// broker should say the dir is taken, not hang. Kafka takes the same
// lock, through its FileLock's tryLock, in LogManager.lockLogDirs.
func tryLock(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
