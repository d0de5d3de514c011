package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/spindle-threads/spindle/storage"
	"github.com/spindle-threads/spindle/storage/storagetest"
)

// TestWatchOthersSeesAnotherProcessCommit opens the database twice, as the daemon and
// `spindle post` do: a commit through the second handle wakes the first's watcher. On SQLite
// the first's own commits also leave its counter (data_version) alone, so it never wakes
// itself; PostgreSQL's counter is the WAL position, which every commit moves.
func TestWatchOthersSeesAnotherProcessCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	daemon := storagetest.Open(t, nil)
	cli := storagetest.Reopen(t, daemon, nil)

	before, err := daemon.OthersCommitted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := daemon.UpsertIdentity(ctx, storage.Identity{Door: "telegram", User: "1"}); err != nil {
		t.Fatal(err)
	}
	if after, _ := daemon.OthersCommitted(ctx); storagetest.Dialect() == "sqlite" && after != before {
		t.Fatalf("the writer's own commit moved its data_version from %d to %d", before, after)
	}

	woke := make(chan struct{}, 1)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go daemon.WatchOthers(wctx, 10*time.Millisecond, func() {
		select {
		case woke <- struct{}{}:
		default:
		}
	})
	// The first call comes after the watcher's first look, for what was committed before it.
	select {
	case <-woke:
	case <-time.After(10 * time.Second):
		t.Fatal("the watcher did not call once after its first look")
	}
	if _, err := cli.UpsertIdentity(ctx, storage.Identity{Door: "telegram", User: "2"}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woke:
	case <-time.After(10 * time.Second):
		t.Fatal("a commit by another handle on the same database did not wake the watcher")
	}
}
