package main

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// minFreeBytes is the free space below which the daemon reports itself unready. A write that
// overwrites pages SQLite already has (the heartbeat, a WAL reused after a checkpoint) still
// succeeds on a full disk, so the heartbeat alone would say "ready" while every new post,
// which needs new pages, fails. 8 MiB holds a full WAL (about 4 MiB) and a checkpoint's growth.
const minFreeBytes = 8 << 20

// freeBytes reports the space an unprivileged process may still use on dir's filesystem.
func freeBytes(dir string) (uint64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return st.Bavail * uint64(st.Bsize), nil
}
