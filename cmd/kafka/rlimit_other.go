//go:build !unix

// This file stands in for rlimit_unix.go where the OS has no
// RLIMIT_NOFILE.

package main

import "log/slog"

// raiseFileLimit does nothing where the OS has no RLIMIT_NOFILE.
func raiseFileLimit(logger *slog.Logger) {}
