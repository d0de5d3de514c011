-- 0034: the posts one statement inserts are counted by one statement.
--
-- post_counts_insert ran once per inserted row, each run an upsert of the same slot row; a
-- group insert (storage/pginsert.go) of 200 posts paid 200 of them. It now runs once per
-- statement over the rows it inserted, one upsert per door and state, taken in name order
-- like post_counts_move's.
DROP TRIGGER post_counts_insert ON posts;

CREATE OR REPLACE FUNCTION post_counts_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO post_counts (door, state, slot, n)
        SELECT door, state, pg_backend_pid() % 16, count(*) FROM inserted
        GROUP BY door, state ORDER BY door, state
        ON CONFLICT (door, state, slot) DO UPDATE SET n = post_counts.n + EXCLUDED.n;
    RETURN NULL;
END $$;

CREATE TRIGGER post_counts_insert AFTER INSERT ON posts REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION post_counts_insert();
