-- 0032: hosted media kept in the database. On PostgreSQL, replicas share no data dir, so the
-- bytes of each file the Telegram door downloads live here, and any replica's relay can serve
-- what another received. SQLite mode keeps files in <data dir>/media as before; the table
-- exists in both dialects so the two migration folders yield the same schema. id is the
-- hosted media id (telegram_media.id, 128 random bits); a row is written before its
-- telegram_media row, so housekeeping deletes blobs no such row accounts for after an hour.
-- sha256 is the hex digest of data, checked when it is read back. Times are unix milliseconds.
CREATE TABLE media_blobs (
    id           TEXT    PRIMARY KEY,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    sha256       TEXT    NOT NULL,
    data         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE INDEX media_blobs_created ON media_blobs (created_at);
