package storage

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// The database holds sealed tokens, webhook secrets, API token hashes and every post: only
// Spindle's user may read it. The data dir is 0700 and the database and its -wal and -shm
// files 0600. SQLite gives the -wal and -shm files the mode of the database file, so creating
// that file 0600 before SQLite does is what keeps them private; existing files from an older
// version (0644 under the usual umask) are tightened at open.
const (
	dirMode  fs.FileMode = 0o700
	fileMode fs.FileMode = 0o600
)

// privateDir creates dir 0700, or tightens it when it exists with a looser mode. A directory
// Spindle's user does not own (a mount point) is left as it is: that is the operator's choice.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return err
	}
	if err := os.Chmod(dir, dirMode); err != nil && !errors.Is(err, fs.ErrPermission) {
		return err
	}
	return nil
}

// privateDBFiles creates the database file 0600 if it is missing and makes it and its -wal
// and -shm companions 0600 where they exist.
func privateDBFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, fileMode)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, fileMode); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("make %s private (chmod 600): %w", p, err)
		}
	}
	return nil
}
