//go:build unix

// This file raises the process's open file limit at start (raiseFileLimit),
// so that the broker's segment file cache (segfiles.go) may use more.

package main

import (
	"log/slog"
	"syscall"
)

// raiseFileLimit raises the soft limit on open files to the hard limit.
// Every connection and every open segment takes a file descriptor, and
// the usual soft limit, 1024, is soon reached by a broker with many
// partitions or clients; the hard limit is what the administrator allows.
// Go's runtime does the same at start since Go 1.19; doing it here too
// makes it visible in the log, and keeps it if the runtime changes.
func raiseFileLimit(logger *slog.Logger) {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		logger.Warn("reading the open file limit", "err", err)
		return
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
			logger.Warn("raising the open file limit", "err", err)
			return
		}
	}
	logger.Debug("open file limit", "limit", lim.Cur)
}
