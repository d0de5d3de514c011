package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

// TestDataFilesArePrivate: another user on the host must not read the database, its WAL,
// the generated key or a backup. The data dir starts out world-readable, as an operator's
// `mkdir data` leaves it, and the umask is the usual 022.
func TestDataFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	if code, _, errOut := spindle(t, env, "migrate"); code != 0 {
		t.Fatalf("migrate: %d %s", code, errOut)
	}
	// Keep a connection open so the -wal and -shm files exist when they are checked.
	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SaveAccount(context.Background(), storage.Account{ThreadsUserID: "1", Username: "alice", TokenSealed: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "copy.db")
	if code, _, errOut := spindle(t, env, "backup", backup); code != 0 {
		t.Fatalf("backup: %d %s", code, errOut)
	}
	want := map[string]os.FileMode{
		dir:                                  0o700,
		filepath.Join(dir, storage.FileName): 0o600,
		filepath.Join(dir, storage.FileName+"-wal"): 0o600,
		filepath.Join(dir, storage.FileName+"-shm"): 0o600,
		backup: 0o600,
	}
	for p, mode := range want {
		info, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if got := info.Mode().Perm(); got != mode {
			t.Errorf("%s has mode %04o, want %04o", p, got, mode)
		}
	}
}
