-- PostgreSQL twin of migrations/sqlite/0014_heartbeat.sql: the same tables and columns, in PostgreSQL types
-- (BIGINT for SQLite's INTEGER, BYTEA for BLOB, identity columns for rowid keys).
-- 0014: readiness proves the database can still be written. /readyz upserts this one row
-- through the normal writer (group commit, synchronous=FULL), so a disk that is full, a file
-- system remounted read-only or a database locked by another process makes the daemon
-- unready, where a ping or a read would still succeed.

CREATE TABLE heartbeat (
    id BIGINT PRIMARY KEY CHECK (id = 1), -- one row
    at BIGINT NOT NULL                    -- unix milliseconds of the last successful probe
);
