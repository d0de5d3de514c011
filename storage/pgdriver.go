package storage

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL through pgx's database/sql driver, so the rest of the package keeps *sql.DB and
// *sql.Tx. Every statement is written once with SQLite's ? placeholders; the connector
// rewrites them to PostgreSQL's $1, $2, … as the statement reaches the driver, once per
// statement text (the rewrite is cached), so no call site knows which engine it talks to.

// pgConnector opens pgx connections that rewrite placeholders.
type pgConnector struct {
	driver.Connector
	rw *placeholders
}

func newPGConnector(dsn string) (*pgConnector, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx's message can quote the URL, password included; say what is wrong without it.
		return nil, fmt.Errorf("SPINDLE_DATABASE_URL %w", errNotAURL)
	}
	return &pgConnector{Connector: stdlib.GetConnector(*cfg), rw: &placeholders{}}, nil
}

func (c *pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return pgConn{Conn: conn.(*stdlib.Conn), rw: c.rw}, nil
}

// pgConn is pgx's connection with the placeholder rewrite in front of every statement; its
// other methods (transactions, pings, session resets) are pgx's own.
type pgConn struct {
	*stdlib.Conn
	rw *placeholders
}

func (c pgConn) Prepare(q string) (driver.Stmt, error) { return c.Conn.Prepare(c.rw.rewrite(q)) }

func (c pgConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	return c.Conn.PrepareContext(ctx, c.rw.rewrite(q))
}

func (c pgConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.ExecContext(ctx, c.rw.rewrite(q), args)
}

func (c pgConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.QueryContext(ctx, c.rw.rewrite(q), args)
}

// ResetSession runs before database/sql hands a pooled connection out again. A connection
// the server ended while it sat idle (a restart, a failover, pg_terminate_backend, a pooler
// recycling it) would fail the next statement sent on it with 57P01, though that statement
// never ran: after a database restart every pooled connection did so once, as a 500 to a user
// or a failed publishing step. Told the connection is bad, database/sql discards it and takes
// another (opening a new one if it must). pgx's own check, a ping, comes only after a second
// idle.
func (c pgConn) ResetSession(ctx context.Context) error {
	if !idleAlive(c.Conn.Conn().PgConn().Conn()) {
		return driver.ErrBadConn
	}
	return c.Conn.ResetSession(ctx)
}

// CheckNamedValue stores Go booleans as 0 and 1, as SQLite's driver does: the flag columns
// are integers in both schemas.
func (c pgConn) CheckNamedValue(v *driver.NamedValue) error {
	if b, ok := v.Value.(bool); ok {
		v.Value = int64(0)
		if b {
			v.Value = int64(1)
		}
	}
	return nil
}

// placeholders caches the rewrite of each statement text.
type placeholders struct{ done sync.Map } // query text → rewritten text

func (p *placeholders) rewrite(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	if r, ok := p.done.Load(q); ok {
		return r.(string)
	}
	r := rewritePlaceholders(q)
	p.done.Store(q, r)
	return r
}

// rewritePlaceholders numbers each ? outside string literals, quoted names, comments and
// dollar-quoted bodies as $1, $2, … in order.
func rewritePlaceholders(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); {
		c := q[i]
		switch {
		case c == '?':
			n++
			b.WriteString("$" + strconv.Itoa(n))
			i++
			continue
		case c == '\'' || c == '"':
			j := closing(q, i+1, string(c))
			b.WriteString(q[i:j])
			i = j
			continue
		case strings.HasPrefix(q[i:], "--"):
			j := closing(q, i+2, "\n")
			b.WriteString(q[i:j])
			i = j
			continue
		case strings.HasPrefix(q[i:], "/*"):
			j := closing(q, i+2, "*/")
			b.WriteString(q[i:j])
			i = j
			continue
		case c == '$':
			if tag, ok := dollarTag(q[i:]); ok {
				j := closing(q, i+len(tag), tag)
				b.WriteString(q[i:j])
				i = j
				continue
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

// closing returns the index just past the first end at or after from, or len(q) if none.
// A doubled quote inside a literal ('it”s') reads as the end and a new start, which
// rewritePlaceholders copies through all the same.
func closing(q string, from int, end string) int {
	if k := strings.Index(q[from:], end); k >= 0 {
		return from + k + len(end)
	}
	return len(q)
}

// dollarTag reads a dollar-quote opener ($$ or $name$) at the start of s.
func dollarTag(s string) (string, bool) {
	for k := 1; k < len(s); k++ {
		c := s[k]
		if c == '$' {
			return s[:k+1], true
		}
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || k > 1 && c >= '0' && c <= '9') {
			return "", false
		}
	}
	return "", false
}

// retryable reports a PostgreSQL serialization failure or deadlock: the transaction did
// nothing and may simply run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// pgAdvisoryKey is the advisory lock migrations run under, so replicas starting together
// apply each migration once ("spindle" in ASCII).
const pgAdvisoryKey = 0x7370696e646c65
