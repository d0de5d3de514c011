-- 0025: approvals. An account's owner may require a second pair of eyes before posts made by
-- grantees or by the machine doors (webhook, feed, api) go out. Such a post waits in the new
-- state pending_approval: Lease takes only queued posts, so nothing pending is published or
-- counted against quota.
--
-- posts.state's CHECK gains the state. SQLite cannot alter a CHECK, and rebuilding posts (with
-- four tables referencing it, foreign keys on, inside the migration's transaction) cannot be
-- done safely; SQLite documents editing the stored schema text as the way to change a CHECK
-- that existing rows already satisfy (sqlite.org/lang_altertable.html, "other kinds of table
-- schema changes"). RESET makes this connection read the schema again; the CREATE TABLEs below
-- bump the schema cookie, so every other connection does too.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql,
    '''failed'', ''cancelled''))', '''failed'', ''cancelled'', ''pending_approval''))')
    WHERE type = 'table' AND name = 'posts';
PRAGMA writable_schema = RESET;

-- approval_policies: who needs approval to post to an account. No row: nobody.
CREATE TABLE approval_policies (
    account_id INTEGER PRIMARY KEY REFERENCES accounts (id),
    grantees   INTEGER NOT NULL DEFAULT 0, -- posts by people the owner granted the account to
    webhooks   INTEGER NOT NULL DEFAULT 0,
    feeds      INTEGER NOT NULL DEFAULT 0,
    api        INTEGER NOT NULL DEFAULT 0,
    updated_by TEXT    NOT NULL DEFAULT '', -- the owner's identity key
    updated_at INTEGER NOT NULL
) STRICT;

-- post_approvals: one row per post that was held for approval, and its decision.
CREATE TABLE post_approvals (
    post_id      TEXT    PRIMARY KEY REFERENCES posts (id),
    author       TEXT    NOT NULL DEFAULT '', -- identity key of who made the post ('' for a machine door)
    requested_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    decision     TEXT    NOT NULL DEFAULT ''
                 CHECK (decision IN ('', 'approved', 'rejected', 'expired')),
    decided_by   TEXT    NOT NULL DEFAULT '', -- identity key of the approver; '' when it expired
    decided_at   INTEGER NOT NULL DEFAULT 0,
    reason       TEXT    NOT NULL DEFAULT ''
) STRICT;

-- Expiry finds undecided requests by their deadline.
CREATE INDEX post_approvals_open ON post_approvals (expires_at) WHERE decision = '';
