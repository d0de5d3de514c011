-- 0010: who added each feed and webhook source, so that taking back someone's access also
-- stops what they set up. NULL means the operator (the command line), whose additions are never
-- paused on a person's behalf. An identity is never deleted while it is referenced; SET NULL
-- keeps a feed if one ever is.
ALTER TABLE feeds ADD COLUMN created_by INTEGER REFERENCES identities (id) ON DELETE SET NULL;
ALTER TABLE webhook_sources ADD COLUMN created_by INTEGER REFERENCES identities (id) ON DELETE SET NULL;

-- Revoking or disconnecting finds an account's additions by their author.
CREATE INDEX feeds_created_by ON feeds (account_id, created_by);
CREATE INDEX webhook_sources_created_by ON webhook_sources (account_id, created_by);
