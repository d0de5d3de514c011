-- PostgreSQL twin of migrations/sqlite/0032_media_blobs.sql: the same table, in PostgreSQL types.
-- 0032: hosted media kept in the database, so any replica's relay serves what another
-- received (PostgreSQL mode keeps no media files in a data dir). A row is written before its
-- telegram_media row; housekeeping deletes blobs no such row accounts for after an hour.
CREATE TABLE media_blobs (
    id           TEXT   PRIMARY KEY,
    content_type TEXT   NOT NULL,
    size         BIGINT NOT NULL,
    sha256       TEXT   NOT NULL,
    data         BYTEA  NOT NULL,
    created_at   BIGINT NOT NULL
);

CREATE INDEX media_blobs_created ON media_blobs (created_at);
