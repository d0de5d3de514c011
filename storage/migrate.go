package storage

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Migrations are numbered .sql files applied in order, each in its own transaction, and
// recorded in schema_migrations. A shipped migration is never edited: add a new one, in both
// folders (migrations/sqlite and migrations/postgres) under the same number.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// ErrDatabaseNewer means the database was migrated by a newer Spindle than this binary.
var ErrDatabaseNewer = fmt.Errorf("database schema is newer than this spindle binary")

// loadMigrations reads one dialect's folder, "sqlite" or "postgres".
func loadMigrations(dialect string) ([]migration, error) {
	dir := "migrations/" + dialect
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with its number", e.Name())
		}
		body, err := migrationFS.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: e.Name(), sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// LatestVersion is the schema version this binary knows.
func LatestVersion() int {
	all, err := loadMigrations("sqlite")
	if err != nil || len(all) == 0 {
		return 0
	}
	return all[len(all)-1].version
}

// SchemaVersion is the version the database is at (0 for a new database).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil && (strings.Contains(err.Error(), "no such table") || strings.Contains(err.Error(), "(SQLSTATE 42P01)")) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("storage: read schema version: %w", err)
	}
	return v, nil
}

// Migrate applies every migration the database lacks and returns the names applied. A database
// newer than the binary is refused, never touched.
func (db *DB) Migrate(ctx context.Context) ([]string, error) {
	return db.migrateTo(ctx, math.MaxInt)
}

// migrateTo is Migrate, stopping after version upTo (tests build old schemas with it).
func (db *DB) migrateTo(ctx context.Context, upTo int) ([]string, error) {
	if !db.pg {
		return db.migrateLocked(ctx, upTo)
	}
	// Replicas starting together take turns: the first applies what is missing, the others
	// then find nothing left to do. The lock belongs to one connection, held throughout.
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("storage: migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(pgAdvisoryKey)); err != nil {
		return nil, fmt.Errorf("storage: migrate: take the migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(pgAdvisoryKey))
	return db.migrateLocked(ctx, upTo)
}

// schemaMigrations is the table of applied migrations, in each dialect.
var schemaMigrations = pair{
	sqlite: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`,
	postgres: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    BIGINT PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at BIGINT NOT NULL
	)`,
}

func (db *DB) migrateLocked(ctx context.Context, upTo int) ([]string, error) {
	all, err := loadMigrations(db.dialect())
	if err != nil {
		return nil, fmt.Errorf("storage: load migrations: %w", err)
	}
	if _, err := db.w.ExecContext(ctx, db.sql(schemaMigrations)); err != nil {
		return nil, fmt.Errorf("storage: create schema_migrations: %w", err)
	}
	current, err := db.SchemaVersion(ctx)
	if err != nil {
		return nil, err
	}
	if latest := all[len(all)-1].version; current > latest {
		return nil, fmt.Errorf("storage: %w: the database is at version %d, this binary knows up to %d; "+
			"run the newer spindle, or restore a backup taken before the upgrade", ErrDatabaseNewer, current, latest)
	}
	var applied []string
	for _, m := range all {
		if m.version <= current || m.version > upTo {
			continue
		}
		err := db.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, ms(db.now()))
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("storage: apply migration %s: %w", m.name, err)
		}
		applied = append(applied, m.name)
	}
	if upTo < all[len(all)-1].version {
		return applied, nil // the hot statements need the latest schema
	}
	return applied, db.prepareHot(ctx)
}
