-- PostgreSQL twin of migrations/sqlite/0016_post_deleted_at.sql: the same column, in PostgreSQL types.
-- 0016: a post deleted from Threads on request says so wherever posts are shown (chat status
-- and list, the REST API, the status page). publish_state.deleted_at already records it, but
-- only the publisher reads that table; the post row carries it from now on. A column, not a new
-- state: the post was posted (its quota uses and post_counts stay).
ALTER TABLE posts ADD COLUMN deleted_at BIGINT NOT NULL DEFAULT 0;

UPDATE posts SET deleted_at = s.deleted_at FROM publish_state s
    WHERE s.post_id = posts.id AND s.deleted_at > 0;
