-- 0024: who leads the replicas. One row per name ("scheduler"): the replica that holds it runs
-- the singleton jobs (token refresh, quota reconciliation, housekeeping, feed polling, Telegram
-- long polling) until expires_at, and renews well before then; another replica takes the row
-- over only once it has expired. Times are unix milliseconds of the database's clock
-- (PostgreSQL's clock_timestamp(); SQLite's single process's own clock).
CREATE TABLE leader (
    name       TEXT    PRIMARY KEY,
    leader_id  TEXT    NOT NULL, -- a replica's random id for this run, never reused
    elected_at INTEGER NOT NULL, -- when leader_id took the row (kept across renewals)
    expires_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
