package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

func TestMigrateIsIdempotentAndRefusesNewerDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.OpenUnmigrated(t, nil)
	applied, err := db.Migrate(ctx)
	if err != nil || len(applied) == 0 {
		t.Fatalf("first migrate applied %v, err %v", applied, err)
	}
	if again, err := db.Migrate(ctx); err != nil || len(again) != 0 {
		t.Fatalf("second migrate applied %v, err %v; want nothing", again, err)
	}
	v, err := db.SchemaVersion(ctx)
	if err != nil || v != storage.LatestVersion() {
		t.Fatalf("schema version %d (err %v), want %d", v, err, storage.LatestVersion())
	}
	// A newer spindle migrated this database further.
	if _, err := db.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = storagetest.Reopen(t, db, nil)
	_, err = db.Migrate(ctx)
	if !errors.Is(err, storage.ErrDatabaseNewer) {
		t.Fatalf("migrate on a newer database: %v, want ErrDatabaseNewer", err)
	}
	t.Log(err)
}
