//go:build !unix

package storage

// DirLock is the exclusive hold of one daemon on a data dir. Without flock (not unix) it
// holds nothing: Spindle's supported platforms are unix.
type DirLock struct{}

// LockDataDir does nothing where flock does not exist; see the unix version.
func LockDataDir(string) (*DirLock, error) { return &DirLock{}, nil }

// Release does nothing.
func (*DirLock) Release() error { return nil }
