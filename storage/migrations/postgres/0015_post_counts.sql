-- PostgreSQL twin of migrations/sqlite/0015_post_counts.sql: counts kept as posts change, so a
-- /metrics scrape and the status page cost the same after a year of history as on the first
-- day. The triggers are plpgsql functions doing what SQLite's trigger bodies do.

-- How many posts of one door are in one state.
CREATE TABLE post_counts (
    door  TEXT   NOT NULL,
    state TEXT   NOT NULL,
    n     BIGINT NOT NULL,
    PRIMARY KEY (door, state)
);

INSERT INTO post_counts (door, state, n) SELECT door, state, count(*) FROM posts GROUP BY door, state;

CREATE FUNCTION post_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO post_counts (door, state, n) VALUES (NEW.door, NEW.state, 1)
        ON CONFLICT (door, state) DO UPDATE SET n = post_counts.n + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER post_counts_insert AFTER INSERT ON posts
    FOR EACH ROW EXECUTE FUNCTION post_counts_insert();

CREATE FUNCTION post_counts_move() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE post_counts SET n = n - 1 WHERE door = OLD.door AND state = OLD.state;
    INSERT INTO post_counts (door, state, n) VALUES (NEW.door, NEW.state, 1)
        ON CONFLICT (door, state) DO UPDATE SET n = post_counts.n + 1;
    RETURN NULL;
END $$;

CREATE TRIGGER post_counts_move AFTER UPDATE OF state ON posts
    FOR EACH ROW WHEN (OLD.state <> NEW.state) EXECUTE FUNCTION post_counts_move();

CREATE FUNCTION post_counts_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE post_counts SET n = n - 1 WHERE door = OLD.door AND state = OLD.state;
    RETURN NULL;
END $$;

CREATE TRIGGER post_counts_delete AFTER DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION post_counts_delete();

-- The publish latency histogram (from due to the last part's publish) as Prometheus wants
-- it: cumulative, and never decreasing. le_ms = -1 holds the count and the total.
CREATE TABLE publish_latency (
    le_ms  BIGINT PRIMARY KEY,
    n      BIGINT NOT NULL DEFAULT 0,
    sum_ms BIGINT NOT NULL DEFAULT 0
);

INSERT INTO publish_latency (le_ms) VALUES (-1), (1000), (5000), (15000), (30000), (60000),
    (300000), (900000), (3600000), (21600000), (86400000);

-- A post's latency, measured once as it becomes posted; posts with no published part are not
-- measured.
CREATE FUNCTION publish_latency_posted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    lat BIGINT;
BEGIN
    SELECT GREATEST(0, max(published_at) - GREATEST(NEW.created_at, NEW.scheduled_at)) INTO lat
        FROM publish_parts WHERE post_id = NEW.id AND published_at > 0;
    IF lat IS NULL THEN
        RETURN NULL;
    END IF;
    UPDATE publish_latency SET
        n = n + 1,
        sum_ms = sum_ms + CASE WHEN le_ms = -1 THEN lat ELSE 0 END
    WHERE le_ms = -1 OR le_ms >= lat;
    RETURN NULL;
END $$;

CREATE TRIGGER publish_latency_posted AFTER UPDATE OF state ON posts
    FOR EACH ROW WHEN (NEW.state = 'posted' AND OLD.state <> 'posted')
    EXECUTE FUNCTION publish_latency_posted();

-- What is posted already is measured once, here.
UPDATE publish_latency SET
    n = (SELECT count(*) FROM (
            SELECT GREATEST(0, max(pp.published_at) - GREATEST(p.created_at, p.scheduled_at)) AS lat
            FROM posts p JOIN publish_parts pp ON pp.post_id = p.id
            WHERE p.state = 'posted' AND pp.published_at > 0 GROUP BY p.id, p.created_at, p.scheduled_at) l
         WHERE publish_latency.le_ms = -1 OR l.lat <= publish_latency.le_ms),
    sum_ms = CASE WHEN le_ms = -1 THEN (SELECT coalesce(sum(lat), 0) FROM (
            SELECT GREATEST(0, max(pp.published_at) - GREATEST(p.created_at, p.scheduled_at)) AS lat
            FROM posts p JOIN publish_parts pp ON pp.post_id = p.id
            WHERE p.state = 'posted' AND pp.published_at > 0 GROUP BY p.id, p.created_at, p.scheduled_at) l) ELSE 0 END;

-- Retention deletes finished posts oldest first, a small batch at a time.
CREATE INDEX posts_finished ON posts (updated_at) WHERE state IN ('posted', 'failed', 'cancelled');
