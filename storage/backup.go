package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
)

// Backup writes a consistent copy of the database to path with VACUUM INTO, which reads one
// snapshot while the daemon keeps writing. It uses a connection of its own: the read pool is
// query-only (SQLite counts writing the copy as a write) and the writer must stay free for the
// daemon. It refuses to overwrite an existing file.
//
// The copy holds what the database holds, so it is made 0600: the file is created empty with
// that mode first (VACUUM INTO accepts an empty file), which also makes "already exists"
// atomic.
func (db *DB) Backup(ctx context.Context, path string) (err error) {
	if db.pg {
		return errors.New("storage: backup: the database is PostgreSQL; back it up with pg_dump (see the README)")
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, fileMode)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("storage: backup: %s already exists; choose a new file name", path)
	}
	if err != nil {
		return fmt.Errorf("storage: backup: %w", err)
	}
	f.Close()
	defer func() {
		if err != nil {
			os.Remove(path) // the empty or partial file we created
		}
	}()
	conn, err := sql.Open("sqlite3", "file:"+url.PathEscape(db.path)+"?_busy_timeout=10000")
	if err != nil {
		return fmt.Errorf("storage: backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("storage: backup to %s: %w", path, err)
	}
	if err := os.Chmod(path, fileMode); err != nil {
		return fmt.Errorf("storage: backup: make %s private (chmod 600): %w", path, err)
	}
	return nil
}
