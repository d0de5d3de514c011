-- 0003: who may act on which Threads account, and the secrets that prove it.
-- Times are unix milliseconds (INTEGER) from the injected clock.

-- A person as a door knows them: a Slack user in a team, a Telegram user, or an identity the
-- operator made for scripts (door 'api'). name is for messages only (@handle); chat_ref is
-- the door's own JSON address for telling the person something (a DM channel), opaque here.
CREATE TABLE identities (
    id                 INTEGER PRIMARY KEY,
    door               TEXT    NOT NULL CHECK (door IN ('slack', 'telegram', 'api', 'cli')),
    team               TEXT    NOT NULL DEFAULT '',
    user               TEXT    NOT NULL,
    name               TEXT    NOT NULL DEFAULT '',
    chat_ref           TEXT    NOT NULL DEFAULT '',
    default_account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (door, team, user)
) STRICT;

-- One owning identity per Threads account at a time: the one who linked it by OAuth.
CREATE TABLE account_owners (
    account_id  INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    identity_id INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    linked_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX account_owners_identity ON account_owners (identity_id);

-- Posting rights the owner gave other identities; deleting the row revokes them.
CREATE TABLE account_grants (
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    identity_id INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    granted_by  INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, identity_id)
) STRICT;

CREATE INDEX account_grants_identity ON account_grants (identity_id);

-- Connect links handed out in chat. Only the SHA-256 of the token is kept: a database copy
-- does not let anyone link an account. used_at makes them single use.
CREATE TABLE link_tokens (
    hash        BLOB    PRIMARY KEY,
    identity_id INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
) STRICT;

-- OAuth states already spent. The state itself is signed and carries its identity and expiry;
-- recording its nonce on first use is what makes it single use. Rows past expires_at can go.
CREATE TABLE oauth_states_used (
    nonce      BLOB    PRIMARY KEY,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER NOT NULL
) STRICT;

-- REST API bearer tokens. Only the SHA-256 of the token is kept; prefix (the first characters)
-- lets people tell their tokens apart. account_id, when set, pins the token to one account.
CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    hash         BLOB    NOT NULL UNIQUE,
    prefix       TEXT    NOT NULL,
    identity_id  INTEGER NOT NULL REFERENCES identities (id) ON DELETE CASCADE,
    account_id   INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL DEFAULT 0,
    revoked_at   INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX api_tokens_identity ON api_tokens (identity_id);

-- The refresh job looks for active accounts whose token expires soon.
CREATE INDEX accounts_expiry ON accounts (status, token_expires_at);

-- DELETE /api/threads/post/{id} may name a post by its Threads media id.
CREATE INDEX posts_media_id ON posts (media_id) WHERE media_id != '';
