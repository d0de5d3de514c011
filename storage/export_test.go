package storage

import "context"

// Exec lets tests outside the package run raw SQL against the writer.
func (db *DB) Exec(ctx context.Context, q string, args ...any) (any, error) {
	return db.w.ExecContext(ctx, q, args...)
}

// NewPostID exposes the id generator to the external tests.
var NewPostID = newPostID

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
	rows, err := db.w.QueryContext(ctx, `SELECT m.name FROM sqlite_master m, pragma_foreign_key_list(m.name) f
		WHERE m.type = 'table' AND f."table" = 'posts' ORDER BY m.name`)
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
