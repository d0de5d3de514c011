-- PostgreSQL twin of migrations/sqlite/0027_approvers.sql.
CREATE TABLE account_approvers (
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    identity_id BIGINT NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    added_by    TEXT   NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, identity_id)
);

CREATE INDEX account_approvers_identity ON account_approvers (identity_id);

ALTER TABLE post_approvals ADD COLUMN decided_by_name TEXT NOT NULL DEFAULT '';

ALTER TABLE post_approvals ADD COLUMN rounds INTEGER NOT NULL DEFAULT 1;
