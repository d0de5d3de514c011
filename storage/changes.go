package storage

import (
	"context"
	"fmt"
	"time"
)

// OthersCommitted reports a counter that changes whenever another connection, in this process
// or another one (`spindle post` beside the daemon), has committed to the database. It reads
// PRAGMA data_version on the writer connection: SQLite keeps that counter in shared memory, so
// the read costs no I/O, and the writer's own commits do not move it — only others' do.
func (db *DB) OthersCommitted(ctx context.Context) (int64, error) {
	var v int64
	if err := db.w.QueryRowContext(ctx, db.sql(othersCommitted)).Scan(&v); err != nil {
		return 0, fmt.Errorf("storage: read data_version: %w", err)
	}
	return v, nil
}

// WatchOthers calls fn each time OthersCommitted changes, looking every interval, until ctx
// ends. The daemon uses it to notice work that another process queued within a moment instead
// of at its next poll. A failed look is skipped: the next poll catches whatever it missed.
//
// It calls fn once after its first look too: a commit made before that look is no change to
// it, and one made after whatever fn wakes last looked (`spindle post` run as the daemon
// starts, after its start-up drain and before its watcher) would otherwise wait for the poll.
func (db *DB) WatchOthers(ctx context.Context, every time.Duration, fn func()) {
	last, _ := db.OthersCommitted(ctx)
	fn()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		v, err := db.OthersCommitted(ctx)
		if err != nil || v == last {
			continue
		}
		last = v
		fn()
	}
}

// othersCommitted reads the change counter. PostgreSQL has no data_version; the insert
// position of its write-ahead log moves with every commit (pg_current_wal_lsn lags behind
// when commits are asynchronous), this process's own and other databases' too, which costs at
// most a needless look at the queue. LISTEN/NOTIFY would be exact; see issue 17.
var othersCommitted = pair{
	sqlite:   `PRAGMA data_version`,
	postgres: `SELECT CAST(pg_current_wal_insert_lsn() - '0/0' AS BIGINT)`,
}
