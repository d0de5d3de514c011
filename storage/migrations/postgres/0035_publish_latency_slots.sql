-- PostgreSQL twin of migrations/sqlite/0035, the same column; here the key becomes (le_ms, slot).
-- 0035: publish_latency gets a slot, as post_counts did in 0024: each connection adds its
-- measurements to the rows of its slot (its backend's pid modulo 16), created here for every
-- bucket. With one row per bucket, every completion of every replica waited for the one before
-- it to commit, and three replicas drained slower than one. Readers sum over slots.
--
-- The trigger also locks its rows in le_ms order first (it updated them in the order they lay
-- on disk, which each update changes, so two completions could each hold a bucket the other
-- wanted: a deadlock, broken after deadlock_timeout), and no longer measures a post with no
-- published part at 0 ms (GREATEST(0, NULL) is 0 in PostgreSQL, where SQLite's max(0, NULL)
-- is NULL). Counts already taken are left as they are (they cannot be told apart).
ALTER TABLE publish_latency ADD COLUMN slot INTEGER NOT NULL DEFAULT 0;
ALTER TABLE publish_latency DROP CONSTRAINT publish_latency_pkey;
ALTER TABLE publish_latency ADD PRIMARY KEY (le_ms, slot);

INSERT INTO publish_latency (le_ms, slot)
    SELECT le_ms, s FROM publish_latency, generate_series(1, 15) s WHERE slot = 0;

CREATE OR REPLACE FUNCTION publish_latency_posted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s    INTEGER := pg_backend_pid() % 16;
    last BIGINT;
    lat  BIGINT;
BEGIN
    SELECT max(published_at) INTO last FROM publish_parts WHERE post_id = NEW.id AND published_at > 0;
    IF last IS NULL THEN
        RETURN NULL;
    END IF;
    lat := GREATEST(0, last - GREATEST(NEW.created_at, NEW.scheduled_at));
    PERFORM 1 FROM publish_latency WHERE slot = s AND (le_ms = -1 OR le_ms >= lat) ORDER BY le_ms FOR UPDATE;
    UPDATE publish_latency SET
        n = n + 1,
        sum_ms = sum_ms + CASE WHEN le_ms = -1 THEN lat ELSE 0 END
    WHERE slot = s AND (le_ms = -1 OR le_ms >= lat);
    RETURN NULL;
END $$;
