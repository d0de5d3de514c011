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

-- post_counts gets a slot, so that each connection counts in a row of its own (its backend's
-- pid modulo 16): with one row per (door, state), every enqueue of every replica waited for the
-- one before it to commit (a hot row), and 64 producers were slower than one. A slot's count
-- may go below zero (a post counted in one slot, moved on in another); the sum over slots,
-- which readers take, is exact.
ALTER TABLE post_counts ADD COLUMN slot INTEGER NOT NULL DEFAULT 0;
ALTER TABLE post_counts DROP CONSTRAINT post_counts_pkey;
ALTER TABLE post_counts ADD PRIMARY KEY (door, state, slot);

CREATE OR REPLACE FUNCTION post_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO post_counts (door, state, slot, n) VALUES (NEW.door, NEW.state, pg_backend_pid() % 16, 1)
        ON CONFLICT (door, state, slot) DO UPDATE SET n = post_counts.n + 1;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION post_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO post_counts (door, state, slot, n) VALUES (OLD.door, OLD.state, pg_backend_pid() % 16, -1)
        ON CONFLICT (door, state, slot) DO UPDATE SET n = post_counts.n - 1;
    INSERT INTO post_counts (door, state, slot, n) VALUES (NEW.door, NEW.state, pg_backend_pid() % 16, 1)
        ON CONFLICT (door, state, slot) DO UPDATE SET n = post_counts.n + 1;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION post_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO post_counts (door, state, slot, n) VALUES (OLD.door, OLD.state, pg_backend_pid() % 16, -1)
        ON CONFLICT (door, state, slot) DO UPDATE SET n = post_counts.n - 1;
    RETURN NULL;
END $$;
