-- 0016: a post deleted from Threads on request says so wherever posts are shown (chat status
-- and list, the REST API, the status page). publish_state.deleted_at already records it, but
-- only the publisher reads that table; the post row carries it from now on. A column, not a new
-- state: the post was posted (its quota uses and post_counts stay), and a new state value would
-- need the CHECK on posts.state, so the whole table, rebuilt under 0015's triggers.
ALTER TABLE posts ADD COLUMN deleted_at INTEGER NOT NULL DEFAULT 0;

UPDATE posts SET deleted_at = (SELECT s.deleted_at FROM publish_state s WHERE s.post_id = posts.id)
    WHERE id IN (SELECT post_id FROM publish_state WHERE deleted_at > 0);
