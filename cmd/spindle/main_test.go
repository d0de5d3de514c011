package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spindle-threads/spindle/storage"
)

// spindle runs the command in-process with env as the whole environment.
func spindle(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := spindle(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "spindle ") {
		t.Fatalf("version: %d %q", code, out)
	}
	code, out, _ = spindle(t, nil, "help")
	if code != 0 {
		t.Fatalf("help exit %d", code)
	}
	for _, c := range commands() {
		if !strings.Contains(out, c.name) {
			t.Errorf("help does not list %s", c.name)
		}
	}
	code, out, _ = spindle(t, nil, "help", "serve")
	if code != 0 || !strings.Contains(out, "help config") || !strings.Contains(out, "--sandbox") {
		t.Errorf("help serve: exit %d, output lacks --sandbox and where the configuration flags are:\n%s", code, out)
	}
	if code, _, errOut := spindle(t, nil, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Errorf("unknown command: %d %q", code, errOut)
	}
}

func TestServeWithoutCredentialsExplainsAndMentionsSandbox(t *testing.T) {
	env := map[string]string{"SPINDLE_DATA_DIR": t.TempDir(), "SLACK_SIGNING_SECRET": "s3cret-signing", "SLACK_BOT_TOKEN": "xoxb-very-secret"}
	code, _, errOut := spindle(t, env, "serve")
	if code == 0 {
		t.Fatal("serve without Threads credentials started")
	}
	for _, want := range []string{"THREADS_APP_ID", "THREADS_APP_SECRET", "--sandbox"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("error does not mention %s:\n%s", want, errOut)
		}
	}
	for _, secret := range []string{"s3cret-signing", "xoxb-very-secret"} {
		if strings.Contains(errOut, secret) {
			t.Errorf("a secret reached the error output")
		}
	}
}

func TestMigrateThenPostAndBackup(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"SPINDLE_DATA_DIR": dir}
	code, out, errOut := spindle(t, env, "migrate")
	if code != 0 || !strings.Contains(out, "schema version") {
		t.Fatalf("migrate: %d %q %q", code, out, errOut)
	}

	code, _, errOut = spindle(t, env, "post", "hello", "--account", "nobody")
	if code == 0 || !strings.Contains(errOut, "accounts list") {
		t.Fatalf("post to an unknown account: %d %q", code, errOut)
	}
	code, _, errOut = spindle(t, env, "post", "--account", "alice")
	if code != 2 {
		t.Fatalf("post without text: exit %d, want 2 (%s)", code, errOut)
	}

	db, err := storage.Open(dir, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SaveAccount(context.Background(), storage.Account{ThreadsUserID: "1", Username: "alice", TokenSealed: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	code, out, errOut = spindle(t, env, "post", "Hello from the CLI", "--account", "@alice", "--at", "in 2h")
	if code != 0 || !strings.Contains(out, "queued for @alice") {
		t.Fatalf("post: %d %q %q", code, out, errOut)
	}
	id := strings.Fields(out)[0]
	code, out, _ = spindle(t, env, "post", "Hello from the CLI", "--account", "alice", "--idempotency-key", "k1", "--json")
	if code != 0 || !strings.Contains(out, `"existed": false`) {
		t.Fatalf("post --json: %d %q", code, out)
	}

	backup := filepath.Join(t.TempDir(), "copy.db")
	if code, _, errOut := spindle(t, env, "backup", backup); code != 0 {
		t.Fatalf("backup: %d %s", code, errOut)
	}
	if err := os.Rename(backup, filepath.Join(filepath.Dir(backup), storage.FileName)); err != nil {
		t.Fatal(err)
	}
	restored, err := storage.Open(filepath.Dir(backup), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer restored.Close()
	if p, err := restored.Get(context.Background(), id); err != nil || p.Text != "Hello from the CLI" {
		t.Fatalf("the backup lacks post %s: %+v %v", id, p, err)
	}
	if code, _, _ := spindle(t, env, "backup", backup+"x", "extra"); code != 2 {
		t.Errorf("backup with two files: exit %d, want 2", code)
	}
}

// TestBackupOnPostgresPrintsThePgDumpCommand: on PostgreSQL spindle backup copies nothing; it
// answers without reaching the server (the port here refuses) with the pg_dump command for the
// URL, the password left out.
func TestBackupOnPostgresPrintsThePgDumpCommand(t *testing.T) {
	env := map[string]string{
		"SPINDLE_DATA_DIR":     t.TempDir(),
		"SPINDLE_DATABASE_URL": "postgres://spindle:s3cret@127.0.0.1:1/spindle?sslmode=disable&pool_max_conns=4",
		"SPINDLE_SECRET_KEY":   strings.Repeat("ab", 32),
	}
	file := filepath.Join(t.TempDir(), "spindle.dump")
	code, out, errOut := spindle(t, env, "backup", file)
	want := "pg_dump --format=custom --file " + file + " --dbname 'postgres://spindle@127.0.0.1:1/spindle?sslmode=disable'"
	if code != 1 || !strings.Contains(errOut, want) {
		t.Fatalf("backup on PostgreSQL: exit %d, stdout %q, stderr lacks %s:\n%s", code, out, want, errOut)
	}
	if strings.Contains(errOut+out, "s3cret") {
		t.Fatalf("backup printed the database password:\n%s", errOut)
	}
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("backup on PostgreSQL wrote %s (%v)", file, err)
	}
}
