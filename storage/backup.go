package storage

import (
	"context"
	"fmt"
	"os"
)

// Backup writes a consistent copy of the database to path with VACUUM INTO, which reads one
// snapshot while the daemon keeps writing. It refuses to overwrite an existing file.
func (db *DB) Backup(ctx context.Context, path string) error {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("storage: backup: %s already exists; choose a new file name", path)
	}
	if _, err := db.r.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("storage: backup to %s: %w", path, err)
	}
	return nil
}
