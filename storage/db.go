package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"sync"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
)

// FileName is the database file inside the data dir.
const FileName = "spindle.db"

// Options tune a DB. The zero value is what production uses.
type Options struct {
	// Now is the clock every stored time comes from; nil means time.Now. Tests move it.
	Now func() time.Time
	// ReadConns bounds the read pool; zero means 4.
	ReadConns int
	// DatabaseURL, when set (postgres://…), stores everything in that PostgreSQL database
	// instead of the data dir's SQLite file.
	DatabaseURL string
}

// DB is Spindle's database: one writer connection, a read pool and the group committer.
type DB struct {
	w     *sql.DB
	stmts sync.Map // query text → *sql.Stmt prepared on the writer; see txStmt
	r     *sql.DB
	now   func() time.Time
	batch *batcher
	// inserts groups PostgreSQL's enqueues (pginsert.go); nil on SQLite.
	inserts *inserter
	// drawID, when a test set it, draws post ids instead of newPostID.
	drawID func() string
	path   string
	pg     bool // PostgreSQL; see dialect.go
	// serverClock: leases are judged by the database server's clock (PostgreSQL, no injected
	// clock); see leaseClock. db.now is then serverSetNow, set by skew.
	serverClock bool
	skew        skew
}

// Sentinel errors callers match with errors.Is.
var (
	ErrNotFound  = errors.New("not found")
	ErrLeaseLost = errors.New("lease lost: the post was reclaimed by another worker")
)

// Open opens (creating if needed) the database in dataDir. It does not migrate: call Migrate,
// which serve does at start and `spindle migrate` does explicitly.
func Open(dataDir string, opts Options) (*DB, error) {
	if opts.DatabaseURL != "" {
		return openPostgres(opts)
	}
	if err := privateDir(dataDir); err != nil {
		return nil, fmt.Errorf("storage: create data dir %s: %w; set SPINDLE_DATA_DIR to a directory Spindle's user can write", dataDir, err)
	}
	path := filepath.Join(dataDir, FileName)
	if err := privateDBFiles(path); err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	keepFreedMemory()
	// WAL lets readers run beside the writer. busy_timeout covers the short moments another
	// process (`spindle post` while the daemon runs) holds the write lock. foreign_keys is off
	// in SQLite unless asked for, per connection.
	// _stmt_cache_size keeps each connection's recently finished statements prepared, so a
	// query run again skips SQLite's parser and planner, which cost more than most of our
	// queries themselves.
	base := "file:" + url.PathEscape(path) + "?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_stmt_cache_size=64"

	// The driver sets synchronous=NORMAL unless told; NORMAL in WAL mode can lose the last
	// commits on power loss, which would lose posts we already acknowledged. FULL costs one
	// fsync per commit, which group commit amortizes.
	w, err := sql.Open("sqlite3", base+"&_txlock=immediate&_synchronous=FULL")
	if err != nil {
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}
	// One writer connection: SQLite allows one writer at a time anyway, and queueing inside
	// database/sql is cheaper and fairer than SQLITE_BUSY retries between connections.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.Ping(); err != nil { // also catches a CGO_ENABLED=0 build's stub driver
		w.Close()
		return nil, fmt.Errorf("storage: open %s: %w", path, err)
	}

	r, err := sql.Open("sqlite3", base+"&_query_only=1")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("storage: open read pool: %w", err)
	}
	// Keep every reader open: database/sql keeps two idle by default and closes the rest, and
	// reopening one (file, schema, pragmas) costs more than most of the queries it serves.
	readers := cmpOr(opts.ReadConns, 4)
	r.SetMaxOpenConns(readers)
	r.SetMaxIdleConns(readers)

	db := &DB{w: w, r: r, now: opts.Now, path: path}
	if db.now == nil {
		db.now = time.Now
	}
	db.batch = newBatcher(w)
	return db, nil
}

// txStmt returns q bound to tx: prepared once (see prepareHot) for the hot statements, which
// the writer runs most under group commit, and prepared for this transaction alone otherwise.
// It never prepares on the pool itself: the writer has one connection and tx holds it, so
// that would wait forever.
func (db *DB) txStmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(q); ok {
		return tx.StmtContext(ctx, st.(*sql.Stmt)), nil
	}
	return tx.PrepareContext(ctx, q)
}

// prepareHot prepares the statements enqueue and the lease calls run, once the schema they
// need exists. Migrate calls it.
func (db *DB) prepareHot(ctx context.Context) error {
	hot := hotStatements
	if !db.pg {
		hot = append(hot[:len(hot):len(hot)], sqliteLeaseStatements...)
	}
	for _, q := range hot {
		if _, ok := db.stmts.Load(q); ok {
			continue
		}
		st, err := db.w.PrepareContext(ctx, q)
		if err != nil {
			return fmt.Errorf("storage: prepare: %w", err)
		}
		db.stmts.Store(q, st)
	}
	return nil
}

// Close stops the group committer, waiting for batches in flight, and closes both pools.
func (db *DB) Close() error {
	if db.inserts != nil {
		db.inserts.g.close()
	}
	db.batch.close()
	db.stmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	if db.r == db.w { // PostgreSQL: one pool
		return db.w.Close()
	}
	return errors.Join(db.r.Close(), db.w.Close())
}

// Path is the database file's path; empty on PostgreSQL.
func (db *DB) Path() string { return db.path }

// Ping checks both pools answer; readiness probes use it.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.w.PingContext(ctx); err != nil {
		return fmt.Errorf("storage: writer: %w", err)
	}
	if err := db.r.PingContext(ctx); err != nil {
		return fmt.Errorf("storage: readers: %w", err)
	}
	return nil
}

// boundInt stands for an integer parameter in a query the planner would otherwise re-plan on
// every call. Given a bare ? that it may use to choose a plan (an indexed column's value, a
// LIMIT), SQLite marks the prepared statement to be compiled again whenever a new value is
// bound, which is every call: the statement cache then saves nothing, and parsing and planning
// cost more than the query (List of an account's queue: 29 µs instead of 12 µs). Cast, the
// value is an opaque expression and the cached plan is reused; the index is used all the same.
// BIGINT, not INTEGER: the same text on PostgreSQL, where INTEGER is 32 bits and a unix
// millisecond overflows it (SQLite's BIGINT is its INTEGER).
const boundInt = `CAST(? AS BIGINT)`

// boundText is boundInt for a text parameter.
const boundText = `CAST(? AS TEXT)`

// queryAll runs q on the pool and scans every row with scan; what names the list in errors
// ("list feeds").
func queryAll[T any](ctx context.Context, pool *sql.DB, what string, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := pool.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("storage: %s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("storage: %s: %w", what, err)
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// inTx runs fn in one immediate write transaction, committing on success and rolling back on
// error or panic. On PostgreSQL a serialization failure or deadlock runs it again.
func (db *DB) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return retrying(ctx, func() error { return txOnce(ctx, db.w, db.txOpts(), fn) })
}

func txOnce(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*sql.Tx) error) (err error) {
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func cmpOr(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// ms converts a time to the unix milliseconds stored in every time column.
func ms(t time.Time) int64 { return t.UnixMilli() }

// msOrZero stores the zero time as 0, as fromMS reads it back.
func msOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return ms(t)
}

// fromMS converts stored unix milliseconds back; zero stays the zero time.
func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}
