// Package storage is Spindle's only door to SQLite: opening the database with the settings
// durability needs, the embedded migrations, and every SQL statement of the project, as plain
// strings next to the Go that runs them.
//
// The database is opened twice. The writer is a single connection whose transactions begin
// IMMEDIATE (so a transaction never has to upgrade a read lock and die with SQLITE_BUSY) and
// which syncs every commit to disk (synchronous=FULL: an accepted post survives power loss).
// Readers use a separate, query-only pool so a slow list never waits behind a write. Writes that
// many callers make at once (enqueues) share transactions through group commit; see batch.go.
//
// PostgreSQL (dialect.go) is the store several replicas share: one pool, most writes
// serializable and retried, the hot ones in READ COMMITTED (pgwrite.go), concurrent enqueues
// written by one insert (pginsert.go), and leases claimed by every replica at once.
package storage
