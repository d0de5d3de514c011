package storage

import "context"

// Exec lets tests outside the package run raw SQL against the writer.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (any, error) {
	return db.w.ExecContext(ctx, q, args...)
}

// NewPostID exposes the id generator to the external tests.
var NewPostID = newPostID

// MigrateTo lets tests build the schema of an older release, to show what a migration does
// with the rows it finds.
func (db *DB) MigrateTo(ctx context.Context, version int) ([]string, error) {
	return db.migrateTo(ctx, version)
}
