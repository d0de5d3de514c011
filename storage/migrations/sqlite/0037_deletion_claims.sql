-- 0037: deleting a post is claimed by one request at a time, across replicas, and recorded part
-- by part (storage/deletion.go). Until now nothing in the database kept two deletions of one
-- post apart, so two replicas could both reserve quota and both call DELETE; and a chain whose
-- deletion stopped half-way was recorded as deleted although parts of it were still on
-- Threads, and a retry was refused.
--
-- publish_state.delete_claim numbers the claims on the post (the fencing token every write of
-- the request that holds it carries); delete_claim_until is when the current one ends, by the
-- database's clock, so that a crashed deleter's claim lapses and a later request can finish.
-- publish_parts.deleted_at is when Threads deleted the part (or answered that it is gone);
-- delete_use is the quota_events row reserved for deleting it, kept while the outcome of its
-- call is unknown so that a later attempt reuses it rather than counting the part twice.
-- Posts deleted before this migration keep their publish_state.deleted_at, which alone says a
-- post is deleted; their parts are not marked, since what those deletions left is not known.
ALTER TABLE publish_state ADD COLUMN delete_claim INTEGER NOT NULL DEFAULT 0;
ALTER TABLE publish_state ADD COLUMN delete_claim_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE publish_parts ADD COLUMN deleted_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE publish_parts ADD COLUMN delete_use INTEGER NOT NULL DEFAULT 0;
