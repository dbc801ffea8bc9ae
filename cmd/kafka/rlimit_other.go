//go:build !unix

package main

import "log/slog"

// raiseFileLimit does nothing where the OS has no RLIMIT_NOFILE.
func raiseFileLimit(logger *slog.Logger) {}
