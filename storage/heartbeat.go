package storage

import (
	"context"
	"database/sql"
	"fmt"
)

// Heartbeat writes the current time into the one-row heartbeat table through the writer and
// the group committer, as every accepted post is written: readiness calls it, so that a
// database that can be read but not written (disk full, read-only file system, locked by
// another process) is reported unready. The write is a few bytes and one fsync. If ctx ends
// while the write still waits for the writer, Heartbeat returns ctx's error; once the write
// runs, it waits for its outcome (see batcher.do), so callers that need a bound must not
// wait on it beyond their deadline.
func (db *DB) Heartbeat(ctx context.Context) error {
	err := db.batch.do(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO heartbeat (id, at) VALUES (1, ?)
			ON CONFLICT (id) DO UPDATE SET at = excluded.at`, ms(db.now()))
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: write heartbeat: %w", err)
	}
	return nil
}
