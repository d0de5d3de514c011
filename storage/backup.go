package storage

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
)

// Backup writes a consistent copy of the database to path with VACUUM INTO, which reads one
// snapshot while the daemon keeps writing. It uses a connection of its own: the read pool is
// query-only (SQLite counts writing the copy as a write) and the writer must stay free for the
// daemon. It refuses to overwrite an existing file.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("storage: backup: %s already exists; choose a new file name", path)
	}
	conn, err := sql.Open("sqlite3", "file:"+url.PathEscape(db.path)+"?_busy_timeout=10000")
	if err != nil {
		return fmt.Errorf("storage: backup: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("storage: backup to %s: %w", path, err)
	}
	return nil
}
