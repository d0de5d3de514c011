package storage_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestMigrationFoldersMatch: both dialects have a migration for every version, under the same
// name, and, applied, they yield the same tables with the same columns. The schema comparison
// needs a PostgreSQL server; without one (a developer's machine without
// SPINDLE_TEST_DATABASE_URL) the folders are still compared file by file.
func TestMigrationFoldersMatch(t *testing.T) {
	lite, err := storage.MigrationNames("sqlite")
	if err != nil {
		t.Fatal(err)
	}
	pg, err := storage.MigrationNames("postgres")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(lite, pg) {
		t.Fatalf("migration folders differ:\nsqlite   %v\npostgres %v\nevery migration needs its twin under the same name", lite, pg)
	}
	if storagetest.Dialect() != "postgres" {
		return // the SQLite pass; the PostgreSQL pass compares the schemas
	}
	ctx := context.Background()
	t.Setenv("SPINDLE_TEST_DIALECT", "sqlite")
	liteDB := storagetest.Open(t, nil)
	t.Setenv("SPINDLE_TEST_DIALECT", "postgres")
	pgDB := storagetest.Open(t, nil)
	liteCols, err := liteDB.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pgCols, err := pgDB.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(liteCols) < 20 {
		t.Fatalf("only %d tables on sqlite: %v", len(liteCols), liteCols)
	}
	for table, cols := range liteCols {
		if !reflect.DeepEqual(cols, pgCols[table]) {
			t.Errorf("table %s: sqlite has columns %v, postgres %v", table, cols, pgCols[table])
		}
	}
	for table := range pgCols {
		if _, ok := liteCols[table]; !ok {
			t.Errorf("table %s exists on postgres only", table)
		}
	}
}

// TestNoMigrationOutsideTheDialectFolders: a migration left in storage/migrations itself (a
// branch written before the folders split) would be embedded by neither dialect and silently
// never run; it belongs in migrations/sqlite with its twin in migrations/postgres.
func TestNoMigrationOutsideTheDialectFolders(t *testing.T) {
	t.Parallel()
	stray, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	if len(stray) > 0 {
		t.Fatalf("%v would never run: git mv them into storage/migrations/sqlite and add their PostgreSQL twins "+
			"under the same names in storage/migrations/postgres", stray)
	}
	if _, err := os.Stat(filepath.Join("migrations", "sqlite")); err != nil {
		t.Fatal(err)
	}
}

// TestReplicasMigratingTogether: several processes start on one new database at once and each
// runs Migrate. Every migration is applied exactly once and every one of them ends up at the
// latest version. On SQLite the data dir lock lets one daemon in, so there the processes
// migrate one after the other; on PostgreSQL they race, and the advisory lock serializes them.
func TestReplicasMigratingTogether(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	first := storagetest.OpenUnmigrated(t, nil)
	replicas := []*storage.DB{first, storagetest.Reopen(t, first, nil), storagetest.Reopen(t, first, nil)}
	applied := make([][]string, len(replicas))
	errs := make([]error, len(replicas))
	var wg sync.WaitGroup
	var one sync.Mutex
	for i, db := range replicas {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !first.Postgres() {
				one.Lock()
				defer one.Unlock()
			}
			applied[i], errs[i] = db.Migrate(ctx)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("migrating together: %v", err)
	}
	total := 0
	for _, a := range applied {
		total += len(a)
	}
	all, _ := storage.MigrationNames(storagetest.Dialect())
	if total != len(all) {
		t.Fatalf("replicas applied %v between them, want each of the %d migrations once", applied, len(all))
	}
	for _, db := range replicas {
		if v, err := db.SchemaVersion(ctx); err != nil || v != storage.LatestVersion() {
			t.Fatalf("schema version %d (%v), want %d", v, err, storage.LatestVersion())
		}
	}
}

// TestOthersCommittedSeesAnotherReplica: a commit through another handle on the same database
// (another process, or on PostgreSQL another replica) moves the counter the daemon watches to
// notice new work at once.
func TestOthersCommittedSeesAnotherReplica(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	daemon := storagetest.Open(t, nil)
	other := storagetest.Reopen(t, daemon, nil)
	before, err := daemon.OthersCommitted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.UpsertIdentity(ctx, storage.Identity{Door: "telegram", User: "2"}); err != nil {
		t.Fatal(err)
	}
	if after, err := daemon.OthersCommitted(ctx); err != nil || after == before {
		t.Fatalf("another handle's commit left the counter at %d (err %v)", after, err)
	}
}

// TestBackupByEngine: `spindle backup` copies the SQLite file; on PostgreSQL there is no file
// to copy, and it says to use pg_dump instead of writing something that is not a backup.
func TestBackupByEngine(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	path := filepath.Join(t.TempDir(), "backup.db")
	err := db.Backup(context.Background(), path)
	if db.Postgres() {
		if err == nil || !strings.Contains(err.Error(), "pg_dump") {
			t.Fatalf("backup on PostgreSQL = %v, want a pointer to pg_dump", err)
		}
		if _, statErr := os.Stat(path); !errors.Is(statErr, os.ErrNotExist) {
			t.Fatalf("backup on PostgreSQL left %s behind (%v)", path, statErr)
		}
		return
	}
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
}
