//go:build !unix

// This file stands in for fdlimit_unix.go where RLIMIT_NOFILE does not
// exist: the descriptor cache keeps its configured size. Part I, with
// segfiles.go.

package kafka

func openFileLimit() int { return 0 }
