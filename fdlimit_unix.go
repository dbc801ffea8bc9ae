//go:build unix

// This file asks the operating system how many files the broker may have
// open, so that the descriptor cache of segment files (segfiles.go) is
// sized to leave room for everything else. Part I, with segfiles.go.

package kafka

import "syscall"

// openFileLimit is the soft RLIMIT_NOFILE, the number of descriptors the
// process may have open (ulimit -n), or 0 if it cannot be read.
func openFileLimit() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<30 {
		return 0
	}
	return int(lim.Cur)
}
