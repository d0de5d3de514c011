-- 0036: an account has one container in flight at a time. A post whose container Threads is
-- still processing is requeued (no worker waits on Meta), which used to free its account for
-- the next post's container; now the requeue marks it awaiting_container (computed from its
-- publish_parts by the retry statement), and the lease offers such a post alone for its
-- account, so the account's other posts wait until it is published, failed or cancelled. The
-- posts already requeued with an unpublished container are marked here (an account may then
-- have several, from before: they go first, oldest due first).
ALTER TABLE posts ADD COLUMN awaiting_container INTEGER NOT NULL DEFAULT 0;

UPDATE posts SET awaiting_container = 1
WHERE state = 'queued' AND EXISTS (SELECT 1 FROM publish_parts pp
    WHERE pp.post_id = posts.id AND (pp.container_id <> '' OR pp.children <> '')
        AND pp.published_at <= 0);

CREATE INDEX posts_awaiting_container ON posts (account_id, next_attempt_at)
    WHERE state = 'queued' AND awaiting_container = 1;
