//go:build unix

package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// DirLock is the exclusive hold of one daemon on a data dir; Release gives it up.
type DirLock struct{ f *os.File }

// LockDataDir takes the data dir for one daemon: an exclusive flock on dataDir/spindle.lock,
// never waited for. One daemon per SQLite database is what makes the queue's leases safe: at
// start serve expires every lease still held (ReleaseLeases), which is right only if their
// holder is dead. The OS releases a flock when its process dies, however it dies (SIGKILL, OOM,
// power loss), so a stale lock file never keeps a restarted daemon out. The lock file keeps the
// pid of the holder, for the message a refused daemon prints.
//
// CLI commands (`spindle post`, …) do not take it: they work beside the running daemon.
func LockDataDir(dataDir string) (*DirLock, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("storage: create data dir %s: %w", dataDir, err)
	}
	path := filepath.Join(dataDir, LockFileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("storage: open lock file %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s%s): stop it first, or give this one another SPINDLE_DATA_DIR; "+
				"two daemons on one SQLite database would take each other's posts in flight", ErrDataDirLocked, path, holder(path))
		}
		return nil, fmt.Errorf("storage: lock %s: %w", path, err)
	}
	// Best effort: the pid is only for the message above.
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &DirLock{f: f}, nil
}

// holder names the pid written in the lock file, if any.
func holder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	if pid := strings.TrimSpace(string(b)); pid != "" {
		return ", held by pid " + pid
	}
	return ""
}

// Release gives the data dir up. The lock file stays; it is harmless without a holder.
func (l *DirLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	err := l.f.Close()
	l.f = nil
	if err != nil {
		return fmt.Errorf("storage: release data dir lock: %w", err)
	}
	return nil
}
