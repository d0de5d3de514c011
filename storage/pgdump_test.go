package storage_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestDumpCommand: the pg_dump command spindle backup prints is the URL libpq accepts, not
// the one pgx does, and never holds the password.
func TestDumpCommand(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, dsn, file, want string
	}{
		{"plain", "postgres://spindle:s3cret@db:5432/spindle", "/b/x.dump",
			"pg_dump --format=custom --file /b/x.dump --dbname postgres://spindle@db:5432/spindle"},
		{"pool size and pgx settings left out", "postgresql://spindle:s3cret@db/spindle?sslmode=require&pool_max_conns=4&statement_cache_capacity=64&default_query_exec_mode=exec", "x.dump",
			"pg_dump --format=custom --file x.dump --dbname 'postgresql://spindle@db/spindle?sslmode=require'"},
		{"search_path to options, and its schema alone", "postgres://u@h/d?search_path=spindle,public&pool_max_conns=2", "x.dump",
			"pg_dump --format=custom --file x.dump --schema spindle --dbname 'postgres://u@h/d?options=-c%20search_path%3Dspindle%2Cpublic'"},
		{"options kept and added to", "postgres://u@h/d?options=-c%20work_mem%3D64MB&lock_timeout=5s", "x.dump",
			"pg_dump --format=custom --file x.dump --dbname 'postgres://u@h/d?options=-c%20work_mem%3D64MB%20-c%20lock_timeout%3D5s'"},
		{"a setting with a space escaped for options", "postgres://u@h/d?search_path=%22my%20schema%22", "x.dump",
			`pg_dump --format=custom --file x.dump --schema '"my schema"' --dbname 'postgres://u@h/d?options=-c%20search_path%3D%22my%5C%20schema%22'`},
		{"$user is no schema to name", "postgres://u@h/d?search_path=%24user,public", "x.dump",
			"pg_dump --format=custom --file x.dump --dbname 'postgres://u@h/d?options=-c%20search_path%3D%24user%2Cpublic'"},
		{"passwords in the query left out", "postgres://u@h/d?password=s3cret&sslpassword=s3cret&sslmode=verify-full", "x.dump",
			"pg_dump --format=custom --file x.dump --dbname 'postgres://u@h/d?sslmode=verify-full'"},
		{"a file name the shell would split", "postgres://u@h/d", "/backups/it's here.dump",
			`pg_dump --format=custom --file '/backups/it'\''s here.dump' --dbname postgres://u@h/d`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := storage.DumpCommand(c.dsn, c.file)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("DumpCommand(%q)\n got %s\nwant %s", c.dsn, got, c.want)
			}
			if strings.Contains(got, "s3cret") {
				t.Errorf("the command holds the password: %s", got)
			}
		})
	}
	for _, bad := range []string{"postgres://u:s3cret@h/d?pool_max_conns=zero", "postgres://u:s3cret@h:port/d"} {
		_, err := storage.DumpCommand(bad, "x.dump")
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("DumpCommand(%q) = %v, want an error that does not quote the URL", bad, err)
		}
	}
}

// TestDumpCommandBacksUpTheDatabase runs the printed command, as an operator would, against a
// URL written for Spindle (pool size, search_path), and finds a queued post in the dump.
func TestDumpCommandBacksUpTheDatabase(t *testing.T) {
	t.Parallel()
	db := storagetest.Open(t, nil)
	if !db.Postgres() {
		return // SQLite's backup is a file copy: TestBackupByEngine
	}
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not on PATH; install Debian's postgresql-client (.ci/postgres installs postgresql): %v", tool, err)
		}
	}
	ctx := context.Background()
	acct := storagetest.Account(t, db, "dumped")
	const text = "a post the dump must hold"
	if _, _, err := db.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: text}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "spindle backup.dump")
	cmd, err := storage.DumpCommand(storagetest.DatabaseURL(db)+"&"+storage.PoolParam+"=3", file)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("sh", "-c", cmd).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", cmd, err, out)
	}
	out, err := exec.Command("pg_restore", "--data-only", "--table", "posts", "--file", "-", file).CombinedOutput()
	if err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), text) {
		t.Fatalf("the dump's posts lack %q:\n%s", text, out)
	}
	if _, err := os.Stat(file); err != nil {
		t.Fatal(err)
	}
}
