package storage

import "errors"

// LockFileName is the file in the data dir that serve holds an exclusive lock on (LockDataDir).
const LockFileName = "spindle.lock"

// ErrDataDirLocked means another `spindle serve` already owns the data dir.
var ErrDataDirLocked = errors.New("another spindle serve is already running on this data dir")
