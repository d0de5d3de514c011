-- 0009: idempotency keys belong to their caller, and signed bodies are remembered.
--
-- Until now a key was unique per door: two API callers who both sent "Idempotency-Key: 1"
-- shared one post, the second got the first one's text and id back, and its own post was never
-- stored. A key is now unique per door, account and scope, where the scope says whose key it is
-- (an API token's identity, a chat identity, a webhook source; empty for doors whose keys name
-- themselves, feeds and the CLI). idem_digest fingerprints the request a key was first sent with,
-- so the same key with a different request is refused as a conflict instead of answered.
--
-- Rows from before this migration keep scope '' and no digest. Lookups match the caller's scope
-- or '' (see storage/idempotency.go), so a retry that straddles the upgrade still finds its post;
-- the account is part of the key now, and only callers allowed on that account reach it.
ALTER TABLE posts ADD COLUMN idem_scope TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN idem_digest TEXT NOT NULL DEFAULT '';

-- The old (door, idempotency_key) rows are unique, so they are unique under the wider key too.
-- door and idempotency_key stay first: the feed door's range scan over its keys uses that prefix.
DROP INDEX posts_idempotency;
CREATE UNIQUE INDEX posts_idempotency ON posts (door, idempotency_key, account_id, idem_scope)
    WHERE idempotency_key IS NOT NULL;

-- Bodies of signed webhook deliveries already accepted, per scope (a webhook source). GitHub
-- signs neither a timestamp nor its delivery id, so the same signed body with a new
-- X-GitHub-Delivery would otherwise be a new post every time. digest is the hex SHA-256 of the
-- raw body; rows older than the replay window (7 days) are pruned as new ones are written.
CREATE TABLE signed_bodies (
    scope    TEXT    NOT NULL,
    digest   TEXT    NOT NULL,
    post_id  TEXT    NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    seen_at  INTEGER NOT NULL,
    PRIMARY KEY (scope, digest)
) STRICT, WITHOUT ROWID;

CREATE INDEX signed_bodies_seen ON signed_bodies (seen_at);
