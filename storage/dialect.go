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

// pgTwins maps the prepared statements (txStmt) that PostgreSQL cannot run as written to the
// twin it runs instead; the twins sit beside the originals.
var pgTwins = map[string]string{duePosts: duePostsPG}

// pgLeaseKey is the transaction-level advisory lock leasers take on PostgreSQL ("lease").
const pgLeaseKey = 0x6c65617365

// leaseTx runs a lease, passing fn the lease clock's time. On SQLite it is one write of the
// group committer, alone on the one writer. On PostgreSQL leasers, in this process or another
// replica, take turns under an advisory lock held to commit, and read in READ COMMITTED, so
// each reads what the previous leaser committed; claimPostsPG guards against workers
// finishing meanwhile. The lock and the server's clock are one round trip, the clock read
// once the lock is held.
func (db *DB) leaseTx(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	if !db.pg {
		return db.batch.do(ctx, func(tx *sql.Tx) error { return fn(tx, db.now()) })
	}
	return retrying(ctx, func() error {
		return txOnce(ctx, db.w, nil, func(tx *sql.Tx) error {
			var now int64
			if err := tx.QueryRowContext(ctx, lockThenNow, int64(pgLeaseKey)).Scan(&now); err != nil {
				return err
			}
			t := time.UnixMilli(now)
			if !db.serverClock {
				t = db.now()
			}
			return fn(tx, t)
		})
	})
}

// lockThenNow takes the leasers' advisory lock, then reads the server's clock.
const lockThenNow = `SELECT ` + serverNowExpr + ` FROM (SELECT pg_advisory_xact_lock($1)) l`

// twin returns the statement for db's engine in place of q.
func (db *DB) twin(q string) string {
	if t, ok := pgTwins[q]; ok && db.pg {
		return t
	}
	return q
}
