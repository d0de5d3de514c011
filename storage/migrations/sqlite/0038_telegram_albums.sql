-- 0038: the items of a Telegram album wait in the database, not in one process's memory
-- (storage/albums.go). Each item of an album is an update of its own; in webhook mode behind a
-- load balancer they reach different replicas, and each replica used to post the items it
-- had seen as an album of its own. A webhook retry of an item is kept once (the primary key).
-- received_at is the database's clock when the item arrived: the album is taken once no
-- item has come for the collection window, by whichever replica looks first.
CREATE TABLE telegram_album_items (
    media_group_id TEXT NOT NULL,
    message_id     INTEGER NOT NULL,
    message        TEXT NOT NULL,
    received_at    INTEGER NOT NULL,
    PRIMARY KEY (media_group_id, message_id)
);
