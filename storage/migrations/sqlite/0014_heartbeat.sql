-- 0014: readiness proves the database can still be written. /readyz upserts this one row
-- through the normal writer (group commit, synchronous=FULL), so a disk that is full, a file
-- system remounted read-only or a database locked by another process makes the daemon
-- unready, where a ping or a read would still succeed.

CREATE TABLE heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1), -- one row
    at INTEGER NOT NULL                    -- unix milliseconds of the last successful probe
) STRICT;
