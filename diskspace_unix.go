//go:build unix

// This file asks the operating system how big the data dir's volume is,
// for DescribeLogDirs (cluster.go). It is part of Part IV, with cluster.go.

package kafka

import "syscall"

// diskSpace returns the total and usable bytes of the volume holding dir,
// as Java's File.getTotalSpace and getUsableSpace report them (usable:
// what an unprivileged process may still write, statfs's f_bavail).
func diskSpace(dir string) (total, usable int64, ok bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, 0, false
	}
	return int64(st.Blocks) * int64(st.Bsize), int64(st.Bavail) * int64(st.Bsize), true
}
