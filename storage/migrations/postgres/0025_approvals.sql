-- PostgreSQL twin of migrations/sqlite/0025_approvals.sql: the same state and tables, in
-- PostgreSQL types. PostgreSQL alters the CHECK directly.
ALTER TABLE posts DROP CONSTRAINT posts_state_check;
ALTER TABLE posts ADD CONSTRAINT posts_state_check
    CHECK (state IN ('queued', 'publishing', 'posted', 'failed', 'cancelled', 'pending_approval'));

CREATE TABLE approval_policies (
    account_id BIGINT  PRIMARY KEY REFERENCES accounts (id),
    grantees   INTEGER NOT NULL DEFAULT 0,
    webhooks   INTEGER NOT NULL DEFAULT 0,
    feeds      INTEGER NOT NULL DEFAULT 0,
    api        INTEGER NOT NULL DEFAULT 0,
    updated_by TEXT    NOT NULL DEFAULT '',
    updated_at BIGINT  NOT NULL
);

CREATE TABLE post_approvals (
    post_id      TEXT    PRIMARY KEY REFERENCES posts (id),
    author       TEXT    NOT NULL DEFAULT '',
    requested_at BIGINT  NOT NULL,
    expires_at   BIGINT  NOT NULL,
    decision     TEXT    NOT NULL DEFAULT ''
                 CHECK (decision IN ('', 'approved', 'rejected', 'expired')),
    decided_by   TEXT    NOT NULL DEFAULT '',
    decided_at   BIGINT  NOT NULL DEFAULT 0,
    reason       TEXT    NOT NULL DEFAULT ''
);

CREATE INDEX post_approvals_open ON post_approvals (expires_at) WHERE decision = '';
