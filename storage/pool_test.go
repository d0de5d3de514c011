package storage_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/internal/testsignal"
	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestSplitPoolSize: pool_max_conns is read out of SPINDLE_DATABASE_URL and removed (the server
// would refuse it as a setting); everything else in the URL stays; a value Spindle cannot use
// is refused with the range, never quoting the URL's password.
func TestSplitPoolSize(t *testing.T) {
	const pw = "pg-SEKRET"
	for _, c := range []struct {
		in, out string
		n       int
		bad     bool
	}{
		{in: "postgres://u:" + pw + "@db:5432/spindle", out: "postgres://u:" + pw + "@db:5432/spindle", n: 8},
		{in: "postgres://u:" + pw + "@db/spindle?sslmode=require", out: "postgres://u:" + pw + "@db/spindle?sslmode=require", n: 8},
		{in: "postgres://u:" + pw + "@db/spindle?pool_max_conns=4", out: "postgres://u:" + pw + "@db/spindle", n: 4},
		{in: "postgres://u:" + pw + "@db/spindle?sslmode=require&pool_max_conns=2", out: "postgres://u:" + pw + "@db/spindle?sslmode=require", n: 2},
		{in: "postgresql://u:p%40ss@a:5432,b:5433/spindle?pool_max_conns=1000", out: "postgresql://u:p%40ss@a:5432,b:5433/spindle", n: 1000},
		{in: "postgres://u:" + pw + "@db/spindle?pool_max_conns=1", bad: true}, // the migration lock needs a second
		{in: "postgres://u:" + pw + "@db/spindle?pool_max_conns=0", bad: true},
		{in: "postgres://u:" + pw + "@db/spindle?pool_max_conns=-3", bad: true},
		{in: "postgres://u:" + pw + "@db/spindle?pool_max_conns=1001", bad: true},
		{in: "postgres://u:" + pw + "@db/spindle?pool_max_conns=eight", bad: true},
		{in: "postgres://u:" + pw + "@db/spindle?pool_max_conns=", bad: true},
		{in: "postgres://u:" + pw + "@db/spindle?pool_max_conns=4.5", bad: true},
	} {
		out, n, err := storage.SplitPoolSize(c.in)
		if c.bad {
			if err == nil {
				t.Errorf("%s: accepted (%d conns), want an error", c.in, n)
			} else if !strings.Contains(err.Error(), "from 2 to 1000") || strings.Contains(err.Error(), pw) {
				t.Errorf("%s: error %q should give the range and never the password", c.in, err)
			}
			continue
		}
		if err != nil || out != c.out || n != c.n {
			t.Errorf("%s: got %q, %d, %v; want %q, %d", c.in, out, n, err, c.out, c.n)
		}
	}
}

// TestPoolSizeFromTheURL: a process opened with pool_max_conns holds at most that many
// connections, and works through them. SQLite has no pool to size.
func TestPoolSizeFromTheURL(t *testing.T) {
	db := storagetest.Open(t, nil)
	if !db.Postgres() {
		return // one writer connection, whatever the URL (there is none)
	}
	if _, want, _ := storage.SplitPoolSize(storagetest.DatabaseURL(db)); db.MaxConns() != want {
		t.Fatalf("pool of %d connections, want %d", db.MaxConns(), want)
	}
	small, err := storage.Open(t.TempDir(), storage.Options{DatabaseURL: withPool(t, db, "2")})
	if err != nil {
		t.Fatalf("open with %s=2: %v", storage.PoolParam, err)
	}
	defer small.Close()
	if got := small.MaxConns(); got != 2 {
		t.Fatalf("pool of %s=2: %d connections", storage.PoolParam, got)
	}
	ctx := context.Background()
	if _, err := small.Migrate(ctx); err != nil { // holds one connection for its lock, works on the other
		t.Fatal(err)
	}
	acct := storagetest.Account(t, small, "pool")
	if _, _, err := small.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: "through two connections"}); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.Open(t.TempDir(), storage.Options{DatabaseURL: withPool(t, db, "1")}); err == nil ||
		!strings.Contains(err.Error(), storage.PoolParam) {
		t.Fatalf("pool_max_conns=1: %v, want it refused by name", err)
	}
}

// withPool is db's URL with pool_max_conns set to n.
func withPool(t *testing.T, db *storage.DB, n string) string {
	return withParam(t, db, storage.PoolParam, n)
}

// withParam is db's URL with one connection parameter set.
func withParam(t *testing.T, db *storage.DB, key, value string) string {
	u, err := url.Parse(storagetest.DatabaseURL(db))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPooledConnectionsEndedByTheServer: when the server ends the pool's idle connections (a
// restart, a failover, pg_terminate_backend, a pooler recycling them), the next statements
// run on new ones; none fails for it. Before, each dead connection failed one statement with
// 57P01 (a 500 to a user, a failed publishing step) although that statement never ran.
func TestPooledConnectionsEndedByTheServer(t *testing.T) {
	db := storagetest.Open(t, nil)
	if !db.Postgres() {
		return // SQLite has no server to end a connection
	}
	ctx := context.Background()
	name := fmt.Sprintf("spindle-pool-test-%d", time.Now().UnixNano())
	pool, err := storage.Open(t.TempDir(), storage.Options{DatabaseURL: withParam(t, db, "application_name", name)})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	admin, err := storagetest.OpenServer(storagetest.DatabaseURL(db))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	acct := storagetest.Account(t, pool, "restarts")
	// Three times (pgx's own check, a ping after a second idle, may find a dead one first):
	// every connection the pool may hold opened and left idle, then ended by the server.
	for round := range 3 {
		var started, release sync.WaitGroup
		started.Add(pool.MaxConns())
		release.Add(1)
		errs := make(chan error, pool.MaxConns())
		for range pool.MaxConns() {
			go func() {
				held := sync.OnceFunc(started.Done)
				defer held() // a failed begin holds nothing
				errs <- pool.InTx(ctx, func() { held(); release.Wait() })
			}()
		}
		started.Wait()
		release.Done()
		for range pool.MaxConns() {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: open the pool's connections: %v", round, err)
			}
		}
		var ended int
		if err := admin.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid)
			FROM pg_stat_activity WHERE application_name = $1) t`, name).Scan(&ended); err != nil {
			t.Fatal(err)
		}
		if ended != pool.MaxConns() {
			t.Fatalf("ended %d connections, want the pool's %d", ended, pool.MaxConns())
		}
		testsignal.Eventually(t, 10*time.Second, "the ended backends gone", func() bool {
			var left int
			err := admin.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, name).Scan(&left)
			return err == nil && left == 0
		})
		for i := range 2 * pool.MaxConns() {
			if _, _, err := pool.Enqueue(ctx, storage.NewPost{AccountID: acct.ID, Door: "cli", Text: fmt.Sprintf("post %d.%d", round, i)}); err != nil {
				t.Fatalf("round %d: enqueue %d after the server ended the pool's connections: %v", round, i, err)
			}
		}
	}
}
