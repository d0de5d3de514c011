package storage

// The clocks. Across replicas only one clock may decide, the database server's: leases,
// claims, due times and the quota ledger are judged by it (leaseClock, read in the deciding
// statement where it can be). The times a process writes for later (a post's due time, an
// event's, a feed's next poll) come from db.now, which on PostgreSQL is the process's clock
// set to the server's (skew), so that a replica whose clock runs ahead does not hold back
// what it writes, nor one running behind bring it forward.

import (
	"context"
	"database/sql"
	"fmt"
	"sync/atomic"
	"time"
)

// leaseClock is the one clock leases are judged by: claims, expiry, extensions and due times.
// For SQLite, whose every user is in this process (one daemon per data dir, enforced by the
// data dir lock), it is the process's clock, db.now. On PostgreSQL, shared by replicas whose
// clocks may disagree, it is the server's (clock_timestamp(), read in the lease's own
// transaction), unless a test injected a clock through Options.Now.
func (db *DB) leaseClock(ctx context.Context, q rowQuerier) (time.Time, error) {
	if !db.serverClock {
		return db.now(), nil
	}
	var now int64
	if err := q.QueryRowContext(ctx, serverNow).Scan(&now); err != nil {
		return time.Time{}, fmt.Errorf("read the database clock: %w", err)
	}
	db.heard(now)
	return time.UnixMilli(now), nil
}

// serverNow is PostgreSQL's clock in unix milliseconds.
const serverNow = `SELECT ` + serverNowExpr

// serverNowExpr is serverNow as an expression, for statements that read the clock themselves.
const serverNowExpr = `CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)`

// rowQuerier is a transaction or the pool, whichever leaseClock reads in.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// Clock reads the clock that judges leases and due times and dates quota uses: the database
// server's on PostgreSQL, this process's on SQLite (the only process on its data dir). A
// reconcile dates Threads' report with it before asking (see SetRemoteQuota); the series
// materialiser picks the due series and their next occurrence by it.
func (db *DB) Clock(ctx context.Context) (time.Time, error) {
	now, err := db.leaseClock(ctx, db.r)
	if err != nil {
		return time.Time{}, fmt.Errorf("storage: %w", err)
	}
	return now, nil
}

// Now is the time by the database's clock as this process keeps it, without a round trip:
// on PostgreSQL the process's clock set to the server's at the last reading of it (see heard),
// on SQLite the process's own (or the clock a test injected). A daemon gives it to its
// services as their clock, so that the times they write agree with the ones storage judges
// them by. Clock reads the server itself.
func (db *DB) Now() time.Time { return db.now() }

// skew is the PostgreSQL server's clock less this process's, in nanoseconds, as last heard.
type skew struct{ ns atomic.Int64 }

// heard records a reading of the server's clock, in unix milliseconds, just answered. The skew
// is taken against this process's clock now, after the answer, and the server's reading is
// truncated to the millisecond: both err towards the server's past, so a time written "now"
// is never ahead of the server's clock, and what is written due now is due by the time any
// replica's lease reads that clock.
func (db *DB) heard(serverMS int64) {
	db.skew.ns.Store(int64(time.UnixMilli(serverMS).Sub(time.Now())))
}

// serverSetNow is db.now on PostgreSQL without an injected clock: this process's clock set to
// the server's. The skew is heard when the database opens and again whenever a claim, an
// extension, Clock or an election reads the server's clock: every 2 s on a running daemon
// (the outbox claim), so a clock stepped by NTP is followed within that.
func (db *DB) serverSetNow() time.Time {
	return time.Now().Add(time.Duration(db.skew.ns.Load()))
}

// ledgerClock is the ledger's clock (Clock) for a statement that reads it itself, in no extra
// round trip: PostgreSQL's clock in the statement when replicas share it, or else the one
// bound value it returns.
func (db *DB) ledgerClock() (string, []any) {
	if db.serverClock {
		return serverNowExpr, nil
	}
	return boundInt, []any{ms(db.now())}
}
