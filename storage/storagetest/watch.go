package storagetest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

// Watcher notices any commit to the database file by another connection: SQLite's
// data_version changes, on one and the same connection, whenever someone else commits. Tests
// use it to show that refused input changed nothing. On PostgreSQL it digests every row instead
// (see contentVersion): slower, and just as sure.
type Watcher struct {
	conn *sql.Conn
	pg   bool
}

// Watch opens a read-only connection of its own to db's file (or schema), closed at cleanup.
func Watch(t testing.TB, db *storage.DB) *Watcher {
	t.Helper()
	u, pg := pgURLs.Load(db)
	var (
		raw *sql.DB
		err error
	)
	if pg {
		raw, err = OpenServer(u.(string))
	} else {
		raw, err = sql.Open("sqlite3", "file:"+db.Path()+"?_query_only=1")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	conn, err := raw.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &Watcher{conn: conn, pg: pg}
}

// Version is the database's data_version as this connection sees it.
func (w *Watcher) Version(t testing.TB) int64 {
	t.Helper()
	if w.pg {
		v, err := contentVersion(context.Background(), w.conn)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var v int64
	if err := w.conn.QueryRowContext(context.Background(), `PRAGMA data_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// Count is the number of rows in table.
func (w *Watcher) Count(t testing.TB, table string) int {
	t.Helper()
	var n int
	if err := w.conn.QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
