package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for the admin connection

	"github.com/spindle-threads/spindle/storage"
)

// The storage tests run once per dialect. SQLite always; PostgreSQL too when
// SPINDLE_TEST_DATABASE_URL names a server the tests may create schemas in (.ci/postgres
// starts one). Without the URL the loop holds SQLite alone: nothing is skipped, there is just
// one engine to run on. In CI (CI set) a missing or unreachable server fails the run instead,
// so the PostgreSQL half cannot silently disappear.

const (
	// EnvDatabaseURL names the PostgreSQL server the tests use.
	EnvDatabaseURL = "SPINDLE_TEST_DATABASE_URL"
	// envDialect tells Open which engine the current run of the suite is for.
	envDialect = "SPINDLE_TEST_DIALECT"
)

// howToStart is what a developer or CI log needs to get a server.
const howToStart = `start a throwaway PostgreSQL with: eval "$(.ci/postgres start)"` +
	` (it sets ` + EnvDatabaseURL + `); stop it with .ci/postgres stop`

// RunDialects runs the package's tests once per dialect and returns the exit code; a
// package's TestMain calls os.Exit(storagetest.RunDialects(m)). SPINDLE_TEST_DIALECT=postgres
// (or sqlite) runs one of them only, as for a benchmark of one engine.
func RunDialects(m *testing.M) int {
	dialects, err := Dialects()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if d := os.Getenv(envDialect); d != "" {
		if !slices.Contains(dialects, d) {
			fmt.Fprintf(os.Stderr, "storagetest: %s=%s, but the dialects here are %v\n", envDialect, d, dialects)
			return 1
		}
		dialects = []string{d}
	}
	code := 0
	for _, d := range dialects {
		os.Setenv(envDialect, d)
		fmt.Fprintf(os.Stderr, "=== storage dialect %s\n", d)
		if c := m.Run(); c != 0 {
			fmt.Fprintf(os.Stderr, "--- FAIL: storage dialect %s\n", d)
			code = c
		}
	}
	os.Unsetenv(envDialect)
	return code
}

// Dialects lists the engines to test on, checking the PostgreSQL server answers.
func Dialects() ([]string, error) {
	u := os.Getenv(EnvDatabaseURL)
	if u == "" {
		if os.Getenv("CI") != "" {
			return nil, fmt.Errorf("storagetest: CI is set but %s is not, so the PostgreSQL half of the storage tests cannot run; %s", EnvDatabaseURL, howToStart)
		}
		return []string{"sqlite"}, nil
	}
	admin, err := OpenServer(u)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = admin.PingContext(ctx)
		cancel()
		admin.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("storagetest: %s is set but the server does not answer (%v); %s", EnvDatabaseURL, err, howToStart)
	}
	return []string{"sqlite", "postgres"}, nil
}

// OpenServer opens pgx's own driver on the server at u, for what tests do beside storage
// (creating and dropping schemas, reading tables as an observer); the pool size in u is
// Spindle's setting, not the server's, and is left out.
func OpenServer(u string) (*sql.DB, error) {
	dsn, _, err := storage.SplitPoolSize(u)
	if err != nil {
		return nil, err
	}
	return sql.Open("pgx", dsn)
}

// Dialect is the engine this run of the suite is for: "sqlite" or "postgres".
func Dialect() string {
	if d := os.Getenv(envDialect); d != "" {
		return d
	}
	return "sqlite"
}

// pgURLs remembers each test database's URL for Watch; tests only.
var pgURLs sync.Map // *storage.DB → URL

// OpenUnmigrated returns a database of the current dialect, empty, closed at cleanup: a file
// in t.TempDir(), or a fresh schema on the test server, dropped at cleanup.
func OpenUnmigrated(t testing.TB, now func() time.Time) *storage.DB {
	t.Helper()
	opts := storage.Options{Now: now}
	if Dialect() == "postgres" {
		opts.DatabaseURL = freshSchema(t)
	}
	db, err := storage.Open(t.TempDir(), opts)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	if opts.DatabaseURL != "" {
		pgURLs.Store(db, opts.DatabaseURL)
	}
	t.Cleanup(func() { db.Close(); pgURLs.Delete(db) })
	return db
}

// Reopen opens a second handle on db's database, as another process (a replica, a restarted
// daemon) would, with the clock now (nil: the real one), closed at cleanup; it does not
// migrate.
func Reopen(t testing.TB, db *storage.DB, now func() time.Time) *storage.DB {
	t.Helper()
	opts := storage.Options{Now: now}
	dir := t.TempDir()
	if u, ok := pgURLs.Load(db); ok {
		opts.DatabaseURL = u.(string)
	} else {
		dir = filepath.Dir(db.Path())
	}
	again, err := storage.Open(dir, opts)
	if err != nil {
		t.Fatalf("reopen database: %v", err)
	}
	t.Cleanup(func() { again.Close() })
	return again
}

// DatabaseURL is the PostgreSQL URL of a test database opened here, for a child process to
// open the same one; empty for SQLite, whose database is the file at db.Path().
func DatabaseURL(db *storage.DB) string {
	u, _ := pgURLs.Load(db)
	s, _ := u.(string)
	return s
}

// ReopenWithServerClock is Reopen onto a server whose clock runs off ahead of this process's
// (behind, when negative; see ServerClockURL) and reports by how much. On SQLite, whose clock
// is the process's, it is Reopen and the offset is zero.
func ReopenWithServerClock(t testing.TB, db *storage.DB, off time.Duration) (*storage.DB, time.Duration) {
	t.Helper()
	u, ok := pgURLs.Load(db)
	if !ok {
		return Reopen(t, db, nil), 0
	}
	again, err := storage.Open(t.TempDir(), storage.Options{DatabaseURL: ServerClockURL(t, u.(string), off)})
	if err != nil {
		t.Fatalf("reopen database: %v", err)
	}
	t.Cleanup(func() { again.Close() })
	return again, off
}

// ServerClockURL moves the clock of the schema dbURL connects to (its search_path) off ahead
// of this process's, behind when negative, and returns the URL whose connections see it: a
// clock_timestamp() of that schema, searched before the built-in pg_catalog, as a replica meets
// a server whose clock differs from its own. Open handles on the URL only after this: a handle
// reads the clock when it opens and keeps its statements prepared against whichever function
// it found.
func ServerClockURL(t testing.TB, dbURL string, off time.Duration) string {
	t.Helper()
	server, err := OpenServer(dbURL) // in the URL's schema
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	if _, err := server.Exec(fmt.Sprintf(`CREATE FUNCTION clock_timestamp() RETURNS timestamptz LANGUAGE sql
		AS $$ SELECT pg_catalog.clock_timestamp() + interval '%d milliseconds' $$`, off.Milliseconds())); err != nil {
		t.Fatalf("move the server's clock: %v", err)
	}
	parsed, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := parsed.Query()
	q.Set("search_path", q.Get("search_path")+",pg_catalog")
	parsed.RawQuery = q.Encode()
	return parsed.String()
}

// freshSchema creates a schema of its own for t on the test server and returns a URL whose
// connections use it; the schema is dropped at cleanup (registered first, so it runs after
// the database is closed).
func freshSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvDatabaseURL)
	admin, err := OpenServer(base)
	if err != nil {
		t.Fatalf("storagetest: %v; %s", err, howToStart)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		t.Fatalf("storagetest: create schema on %s: %v; %s", EnvDatabaseURL, err, howToStart)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("storagetest: drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("storagetest: %s: %v", EnvDatabaseURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// contentVersion is the Watcher's Version on PostgreSQL, which has no data_version: a digest
// of every row of every table in the test's schema, so any committed change moves it.
func contentVersion(ctx context.Context, conn *sql.Conn) (int64, error) {
	tables, err := schemaTables(ctx, conn)
	if err != nil {
		return 0, err
	}
	var all strings.Builder
	for _, tb := range tables {
		var sum string
		err := conn.QueryRowContext(ctx, `SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) FROM `+tb+` t`).Scan(&sum)
		if err != nil {
			return 0, err
		}
		all.WriteString(sum)
	}
	var v int64
	err = conn.QueryRowContext(ctx, `SELECT ('x' || substr(md5($1), 1, 15))::bit(60)::bigint`, all.String()).Scan(&v)
	return v, err
}

// schemaTables names the tables of the connection's schema (the test's), in name order.
func schemaTables(ctx context.Context, conn *sql.Conn) ([]string, error) {
	rows, err := conn.QueryContext(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		tables = append(tables, name)
	}
	return tables, rows.Err()
}

// AtRest is what db keeps on disk, for tests that look for secrets in it: SQLite's database
// file, WAL and shared memory as bytes; on PostgreSQL, whose files are the server's, every row
// of every table in the test's schema as text (bytea in hex, as a dump would hold it).
func AtRest(t testing.TB, db *storage.DB) []byte {
	t.Helper()
	u, pg := pgURLs.Load(db)
	var all []byte
	if !pg {
		files, _ := filepath.Glob(db.Path() + "*")
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	}
	raw, err := OpenServer(u.(string))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	ctx := context.Background()
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	tables, err := schemaTables(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		var rows string
		if err := conn.QueryRowContext(ctx, `SELECT COALESCE(string_agg(t::text, E'\n'), '') FROM `+tb+` t`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		all = append(all, rows...)
	}
	// A row as text shows bytea in hex, which would hide a secret kept there in clear: those
	// columns' bytes go in as they are.
	cols, err := conn.QueryContext(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND data_type = 'bytea'`)
	if err != nil {
		t.Fatal(err)
	}
	var binary [][2]string
	for cols.Next() {
		var c [2]string
		if err := cols.Scan(&c[0], &c[1]); err != nil {
			t.Fatal(err)
		}
		binary = append(binary, c)
	}
	cols.Close()
	for _, c := range binary {
		var b []byte
		if err := conn.QueryRowContext(ctx, `SELECT COALESCE(string_agg(`+c[1]+`, '\x0a'::bytea), ''::bytea) FROM `+c[0]).Scan(&b); err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// EachDialect runs fn as a subtest once per dialect (Dialects), for a package whose suite does
// not run on both (no RunDialects in its TestMain) but whose test needs to: a race between
// replicas on one database. It sets the dialect for Open with t.Setenv, so t must not be
// parallel (the package's parallel tests wait until it ends).
func EachDialect(t *testing.T, fn func(t *testing.T)) {
	t.Helper()
	dialects, err := Dialects()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dialects {
		t.Run(d, func(t *testing.T) {
			t.Setenv(envDialect, d)
			fn(t)
		})
	}
}
