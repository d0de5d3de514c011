-- PostgreSQL twin of migrations/sqlite/0024, the same table.
-- 0024: who leads the replicas. One row per name ("scheduler"): the replica that holds it runs
-- the singleton jobs (token refresh, quota reconciliation, housekeeping, feed polling, Telegram
-- long polling) until expires_at, and renews well before then; another replica takes the row
-- over only once it has expired. Times are unix milliseconds of the database's clock
-- (clock_timestamp()).
CREATE TABLE leader (
    name       TEXT   PRIMARY KEY,
    leader_id  TEXT   NOT NULL, -- a replica's random id for this run, never reused
    elected_at BIGINT NOT NULL, -- when leader_id took the row (kept across renewals)
    expires_at BIGINT NOT NULL
);
