-- 0033: post_counts_move takes its two shared rows in one order. It took the old state's slot
-- row, then the new state's: a retry (publishing to queued) and a lease (queued to publishing)
-- on two connections sharing a slot took the same two rows in opposite orders, and PostgreSQL
-- broke the deadlock after deadlock_timeout (1 s) by failing one. It now takes them in the
-- order of the state's name. (The latency trigger's own fixes are in 0035.)
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
