-- 0019: at most one post in flight per account, enforced by the database itself and not only
-- by how Lease picks: a second post of an account cannot enter 'publishing' while one is there,
-- whichever process (or, on PostgreSQL, replica) tries. Publishing one account's posts in
-- parallel would break their order and its quota accounting.
--
-- A database from before could hold two in flight for one account only after a bug; the
-- newest of them go back to the queue (their committed containers are resumed when leased
-- again), so the index can be built.
UPDATE posts SET state = 'queued', lease_expires_at = 0
WHERE state = 'publishing' AND seq NOT IN (
    SELECT MIN(seq) FROM posts WHERE state = 'publishing' GROUP BY account_id);

CREATE UNIQUE INDEX posts_one_in_flight ON posts (account_id) WHERE state = 'publishing';
