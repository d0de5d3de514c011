package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Two dialects, one package. Most statements are portable and written once; the few that are
// not are pairs, side by side where they are used, and db.sql picks one.

// pair is one statement in each dialect.
type pair struct{ sqlite, postgres string }

// sql returns the statement for db's engine.
func (db *DB) sql(p pair) string {
	if db.pg {
		return p.postgres
	}
	return p.sqlite
}

// dialect names db's engine as its migrations folder does.
func (db *DB) dialect() string {
	if db.pg {
		return "postgres"
	}
	return "sqlite"
}

// IsPostgresURL reports whether u names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// PoolParam is the query parameter of SPINDLE_DATABASE_URL that bounds a process's
// PostgreSQL pool; the name is pgxpool's, which operators of Go services know. Spindle takes it
// out of the URL before connecting (the server would refuse it as a setting).
const PoolParam = "pool_max_conns"

// Pool sizes. Each connection is a server process, and statements beyond the server's cores
// only queue in its scheduler, where the lease that hands out work waits behind them: on a
// 2-core server, lease+complete cycles ran 1.1 to 2.2 times as fast with 4 or 8 connections
// as with 16 (docs/benchmarks.md). Waiting for a connection in the pool costs this process
// nothing. A migration holds one connection for its lock while it works on another, hence at
// least two.
const (
	defaultPoolConns = 8
	minPoolConns     = 2
	maxPoolConns     = 1000
)

// errNotAURL completes a sentence about SPINDLE_DATABASE_URL; it never quotes the URL, which
// holds a password.
var errNotAURL = errors.New("is not a valid PostgreSQL URL (postgres://user:password@host:5432/dbname)")

// SplitPoolSize takes PoolParam out of a PostgreSQL URL and returns the URL to connect with
// and the pool size (defaultPoolConns when the URL does not set one). Its errors complete a
// sentence about the URL and never quote it: it holds a password.
func SplitPoolSize(dsn string) (string, int, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", 0, errNotAURL
	}
	q := u.Query()
	if !q.Has(PoolParam) {
		return dsn, defaultPoolConns, nil
	}
	v := q.Get(PoolParam)
	n, err := strconv.Atoi(v)
	if err != nil || n < minPoolConns || n > maxPoolConns {
		return "", 0, fmt.Errorf("%s must be a whole number from %d to %d (got %q); it bounds this process's connections to PostgreSQL, %d when unset",
			PoolParam, minPoolConns, maxPoolConns, v, defaultPoolConns)
	}
	q.Del(PoolParam)
	u.RawQuery = q.Encode()
	return u.String(), n, nil
}

// openPostgres opens the database at opts.DatabaseURL. There is no data-dir file and no group
// commit: the server serves many writers, so each write is its own transaction.
func openPostgres(opts Options) (*DB, error) {
	if !IsPostgresURL(opts.DatabaseURL) {
		return nil, fmt.Errorf("storage: SPINDLE_DATABASE_URL must start with postgres:// or postgresql://")
	}
	dsn, conns, err := SplitPoolSize(opts.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("storage: SPINDLE_DATABASE_URL: %w", err)
	}
	conn, err := newPGConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	pool := sql.OpenDB(conn)
	pool.SetMaxOpenConns(conns)
	pool.SetMaxIdleConns(conns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("storage: connect to PostgreSQL: %w; check SPINDLE_DATABASE_URL and that the server is running", err)
	}
	db := &DB{w: pool, r: pool, now: opts.Now, pg: true, serverClock: opts.Now == nil}
	if db.serverClock {
		db.now = db.serverSetNow
		if _, err := db.leaseClock(ctx, pool); err != nil { // sets the skew
			pool.Close()
			return nil, fmt.Errorf("storage: %w", err)
		}
	}
	db.batch = &batcher{w: pool, alone: true}
	db.inserts = newInserter(db)
	return db, nil
}

// Postgres reports whether db is stored in PostgreSQL.
func (db *DB) Postgres() bool { return db.pg }

// serializable is how every PostgreSQL write transaction runs. The storage code was written
// for SQLite, where a write transaction sees and changes the database alone (read a row, then
// decide what to write); SERIALIZABLE keeps that promise with many writers, failing one of two
// transactions that would have interleaved, and retrying runs that one again.
var serializable = &sql.TxOptions{Isolation: sql.LevelSerializable}

// txOpts are the options of db's write transactions: SQLite's immediate transactions (set on
// the connection) or PostgreSQL's serializable ones.
func (db *DB) txOpts() *sql.TxOptions {
	if db.pg {
		return serializable
	}
	return nil
}

// retrying runs fn again while it fails with a PostgreSQL serialization failure or deadlock,
// backing off a little more each time, with jitter so that the losers of one conflict do not
// collide again; any other outcome is returned as it is.
func retrying(ctx context.Context, fn func() error) error {
	const tries = 30
	for i := 1; ; i++ {
		err := fn()
		if err == nil || i == tries || !retryable(err) {
			return err
		}
		wait := time.Duration(min(i*i, 50))*time.Millisecond/2 + rand.N(time.Duration(min(i*i, 50))*time.Millisecond)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}
