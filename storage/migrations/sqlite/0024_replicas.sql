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

-- post_counts gets a slot, so that on PostgreSQL each connection counts in a row of its own:
-- with one row per (door, state), every enqueue of every replica waited for the one before it
-- to commit (a hot row), and 64 producers were slower than one. Counts are summed over slots
-- when read. SQLite has one writer and keeps slot 0 alone. The table is rebuilt for its new key,
-- its triggers dropped first and created again on it.
DROP TRIGGER post_counts_insert;
DROP TRIGGER post_counts_move;
DROP TRIGGER post_counts_delete;

CREATE TABLE post_counts_slotted (
    door  TEXT    NOT NULL,
    state TEXT    NOT NULL,
    n     INTEGER NOT NULL,
    slot  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (door, state, slot)
) STRICT, WITHOUT ROWID;

INSERT INTO post_counts_slotted (door, state, n, slot) SELECT door, state, n, 0 FROM post_counts;
DROP TABLE post_counts;
ALTER TABLE post_counts_slotted RENAME TO post_counts;

CREATE TRIGGER post_counts_insert AFTER INSERT ON posts BEGIN
    INSERT INTO post_counts (door, state, n) VALUES (new.door, new.state, 1)
        ON CONFLICT (door, state, slot) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER post_counts_move AFTER UPDATE OF state ON posts WHEN old.state <> new.state BEGIN
    UPDATE post_counts SET n = n - 1 WHERE door = old.door AND state = old.state AND slot = 0;
    INSERT INTO post_counts (door, state, n) VALUES (new.door, new.state, 1)
        ON CONFLICT (door, state, slot) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER post_counts_delete AFTER DELETE ON posts BEGIN
    UPDATE post_counts SET n = n - 1 WHERE door = old.door AND state = old.state AND slot = 0;
END;
