package storage

import (
	"context"
	"database/sql"
)

// Exec lets tests outside the package run raw SQL against the writer.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (any, error) {
	return db.w.ExecContext(ctx, q, args...)
}

// NewPostID exposes the id generator to the external tests.
var NewPostID = newPostID

// DrawPostIDs makes draw give db's new posts their ids (before any write).
func (db *DB) DrawPostIDs(draw func() string) { db.drawID = draw }

// CountedPosts is what PostCounts would answer by counting the posts table itself.
func (db *DB) CountedPosts(ctx context.Context) (map[[2]string]int, error) {
	rows, err := db.w.QueryContext(ctx, `SELECT door, state, count(*) FROM posts GROUP BY door, state`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[[2]string]int{}
	for rows.Next() {
		var door, state string
		var n int
		if err := rows.Scan(&door, &state, &n); err != nil {
			return nil, err
		}
		out[[2]string{door, state}] = n
	}
	return out, rows.Err()
}

// TablesReferencingPosts names every table with a foreign key to posts, from the schema.
func (db *DB) TablesReferencingPosts(ctx context.Context) ([]string, error) {
	rows, err := db.w.QueryContext(ctx, db.sql(pair{
		sqlite: `SELECT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND f."table" = 'posts' ORDER BY m.name`,
		postgres: `SELECT DISTINCT c.conrelid::regclass::text FROM pg_constraint c
		WHERE c.contype = 'f' AND c.confrelid = 'posts'::regclass ORDER BY 1`}))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, rows.Err()
}

// PruneStatements are the deletes PruneFinished runs.
func PruneStatements() []string { return pruneFinished }

// MigrateTo lets tests build the schema of an older release, to show what a migration does
// with the rows it finds.
func (db *DB) MigrateTo(ctx context.Context, version int) ([]string, error) {
	return db.migrateTo(ctx, version)
}

// Columns names every table of the schema with its columns, sorted, from the database itself.
func (db *DB) Columns(ctx context.Context) (map[string][]string, error) {
	rows, err := db.w.QueryContext(ctx, db.sql(pair{
		sqlite: `SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY m.name, c.name`,
		postgres: `SELECT c.table_name, c.column_name FROM information_schema.columns c
			JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
			ORDER BY c.table_name, c.column_name`}))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var table, column string
		if err := rows.Scan(&table, &column); err != nil {
			return nil, err
		}
		out[table] = append(out[table], column)
	}
	return out, rows.Err()
}

// MigrationNames lists one dialect's migration files in order.
func MigrationNames(dialect string) ([]string, error) {
	all, err := loadMigrations(dialect)
	var names []string
	for _, m := range all {
		names = append(names, m.name)
	}
	return names, err
}

// MaxConns is the bound of db's writer pool (PostgreSQL's one pool).
func (db *DB) MaxConns() int { return db.w.Stats().MaxOpenConnections }

// InTx runs fn inside a transaction of db's writer pool, so one connection is held while fn
// runs.
func (db *DB) InTx(ctx context.Context, fn func()) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	fn()
	return tx.Commit()
}

// AddQuotaUses records uses in the quota ledger as publishing and deleting do, for tests that
// need a ledger of given times.
func (db *DB) AddQuotaUses(ctx context.Context, uses ...QuotaUse) error {
	return db.batch.do(ctx, func(tx *sql.Tx) error {
		for _, q := range uses {
			if err := db.insertQuota(ctx, tx, q); err != nil {
				return err
			}
		}
		return nil
	})
}
