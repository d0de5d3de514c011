package storage_test

import (
	"context"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestHeartbeatFailsWhenTheDatabaseCannotBeWritten: the heartbeat is a real write through the
// writer. With the writer made read-only (SQLite's query_only, as a read-only file system or
// a full disk would refuse the write), it fails and says why; reads still work, which is why
// readiness needs the write.
func TestHeartbeatFailsWhenTheDatabaseCannotBeWritten(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.Open(t, nil)
	for range 2 { // the first inserts the row, the second updates it
		if err := db.Heartbeat(ctx); err != nil {
			t.Fatalf("heartbeat on a writable database: %v", err)
		}
	}
	readOnly(t, db)
	err := db.Heartbeat(ctx)
	if err == nil || !strings.Contains(err.Error(), "readonly") {
		t.Fatalf("heartbeat on a read-only writer = %v, want a read-only error", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("ping still works on a read-only database: %v", err)
	}
}

// readOnly makes db refuse writes: SQLite's query_only on the writer connection; on PostgreSQL,
// whose pool has many connections, a trigger refusing writes to the heartbeat table, as a full
// disk or a read-only server would.
func readOnly(t *testing.T, db *storage.DB) {
	ctx := context.Background()
	if storagetest.Dialect() == "postgres" {
		if _, err := db.Exec(ctx, `CREATE FUNCTION refuse_writes() RETURNS trigger LANGUAGE plpgsql AS
			$$ BEGIN RAISE EXCEPTION 'attempt to write a readonly database'; END $$;
			CREATE TRIGGER refuse_writes BEFORE INSERT OR UPDATE ON heartbeat
			FOR EACH ROW EXECUTE FUNCTION refuse_writes()`); err != nil {
			t.Fatal(err)
		}
		return
	}
	if _, err := db.Exec(ctx, `PRAGMA query_only = ON`); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Exec(ctx, `PRAGMA query_only = OFF`) })
}
