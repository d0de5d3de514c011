-- 0027: named approvers, the decider's name, and re-hold rounds.
--
-- account_approvers: people besides the owner who may approve or reject an account's held
-- posts (the owner is never in it: the owner may always decide). Removing the account, or the
-- identity, removes the right with it.
CREATE TABLE account_approvers (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    identity_id INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    added_by    TEXT    NOT NULL DEFAULT '', -- identity key of the owner, or 'cli'
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, identity_id)
) STRICT;

-- Who approves which accounts, for a person's "approvals" and decisions.
CREATE INDEX account_approvers_identity ON account_approvers (identity_id);

-- The approver's display name at the time of the decision, so status says "Approved by Ann"
-- rather than an identity key ('' for expiry and for decisions made before 0027).
ALTER TABLE post_approvals ADD COLUMN decided_by_name TEXT NOT NULL DEFAULT '';

-- How many times the post was sent for approval: an edit sends it again, and each round's
-- notice to the owner needs its own outbox key.
ALTER TABLE post_approvals ADD COLUMN rounds INTEGER NOT NULL DEFAULT 1;
