//go:build !unix

// This file stands in for dirlock_unix.go where flock does not exist: the
// lock file is created but not locked, so nothing stops a second broker
// on the same data dir. Part I, with topics.go.

package kafka

import "os"

func tryLock(f *os.File) (bool, error) { return true, nil }
