package storage

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
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

// pgConns bounds the PostgreSQL pool: one process's share of the server's connections.
const pgConns = 16

// openPostgres opens the database at opts.DatabaseURL. There is no data-dir file and no group
// commit: the server serves many writers, so each write is its own transaction.
func openPostgres(opts Options) (*DB, error) {
	if !IsPostgresURL(opts.DatabaseURL) {
		return nil, fmt.Errorf("storage: SPINDLE_DATABASE_URL must start with postgres:// or postgresql://")
	}
	conn, err := newPGConnector(opts.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	pool := sql.OpenDB(conn)
	pool.SetMaxOpenConns(pgConns)
	pool.SetMaxIdleConns(pgConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("storage: connect to PostgreSQL: %w; check SPINDLE_DATABASE_URL and that the server is running", err)
	}
	db := &DB{w: pool, r: pool, now: opts.Now, pg: true, serverClock: opts.Now == nil}
	if db.now == nil {
		db.now = time.Now
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
