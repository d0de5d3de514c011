-- 0033: the triggers that count into shared rows lock them in one order, and a post with no
-- published part is not measured.
--
-- publish_latency_posted updated the buckets a latency falls in in whatever order the table's
-- rows lay on disk, which each update changes: two completions could each hold a bucket the
-- other wanted, and PostgreSQL broke the deadlock after deadlock_timeout (1 s) by failing one.
-- It now locks the buckets in le_ms order first. It also measured a post with no published
-- part at 0 ms: GREATEST(0, NULL) is 0 in PostgreSQL, where SQLite's max(0, NULL) is NULL.
-- Counts already taken are left as they are (they cannot be told apart).
CREATE OR REPLACE FUNCTION publish_latency_posted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last BIGINT;
    lat  BIGINT;
BEGIN
    SELECT max(published_at) INTO last FROM publish_parts WHERE post_id = NEW.id AND published_at > 0;
    IF last IS NULL THEN
        RETURN NULL;
    END IF;
    lat := GREATEST(0, last - GREATEST(NEW.created_at, NEW.scheduled_at));
    PERFORM 1 FROM publish_latency WHERE le_ms = -1 OR le_ms >= lat ORDER BY le_ms FOR UPDATE;
    UPDATE publish_latency SET
        n = n + 1,
        sum_ms = sum_ms + CASE WHEN le_ms = -1 THEN lat ELSE 0 END
    WHERE le_ms = -1 OR le_ms >= lat;
    RETURN NULL;
END $$;

-- post_counts_move took the old state's slot row, then the new state's: a retry (publishing to
-- queued) and a lease (queued to publishing) on two connections sharing a slot took the same
-- two rows in opposite orders. It now takes them in the order of the state's name.
CREATE OR REPLACE FUNCTION post_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s INTEGER := pg_backend_pid() % 16;
BEGIN
    IF OLD.door || '/' || OLD.state < NEW.door || '/' || NEW.state THEN
        INSERT INTO post_counts (door, state, slot, n) VALUES (OLD.door, OLD.state, s, -1)
            ON CONFLICT (door, state, slot) DO UPDATE SET n = post_counts.n - 1;
        INSERT INTO post_counts (door, state, slot, n) VALUES (NEW.door, NEW.state, s, 1)
            ON CONFLICT (door, state, slot) DO UPDATE SET n = post_counts.n + 1;
    ELSE
        INSERT INTO post_counts (door, state, slot, n) VALUES (NEW.door, NEW.state, s, 1)
            ON CONFLICT (door, state, slot) DO UPDATE SET n = post_counts.n + 1;
        INSERT INTO post_counts (door, state, slot, n) VALUES (OLD.door, OLD.state, s, -1)
            ON CONFLICT (door, state, slot) DO UPDATE SET n = post_counts.n - 1;
    END IF;
    RETURN NULL;
END $$;
